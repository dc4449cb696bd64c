//! The ticket pages: Home, My view, All tickets, Open a ticket, the
//! ticket page and the forms on it (reply, status, priority, time).

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::super::AppState;
use super::super::auth::Caller;
use super::super::error::{ApiError, PageError};
use super::super::ticket_form;
use super::super::tickets_api::{self, ListQuery};
use super::{
    NoticeQuery, Opt, PortalError, PortalResult, Row, check_csrf, fmt_size, opts, page,
    redirect_with_error, row, take_error, user,
};
use crate::store::tickets::{Filter, Sort, Ticket};
use crate::store::users::User;
use crate::store::{conversations, organisations};
use crate::tickets::timing::format_utc as fmt_time;
use crate::tickets::workflow;
use crate::tickets::{Impact, Priority, Reproducibility, Source, Status, TicketKind};

#[derive(Serialize)]
pub(super) struct Count {
    status: &'static str,
    label: &'static str,
    count: usize,
}

/// Every ticket the user may see (Home and My view group them).
pub(super) async fn all_visible(state: &AppState, me: &User) -> Result<Vec<Ticket>, ApiError> {
    let everything = Filter {
        limit: 500,
        ..Filter::default()
    };
    tickets_api::visible_tickets(state, me, &everything).await
}

pub(super) async fn home(State(state): State<AppState>, caller: Caller) -> PortalResult {
    let me = user(&caller, "/portal")?;
    let all = all_visible(&state, me).await?;
    let counts: Vec<Count> = Status::ALL
        .iter()
        .map(|s| Count {
            status: s.as_str(),
            label: s.label(),
            count: all.iter().filter(|t| t.status == *s).count(),
        })
        .collect();
    let recent: Vec<Row> = all.iter().take(5).map(row).collect();
    let hours = match &me.organisation_id {
        Some(o) => match organisations::by_id(&state.db, o).await? {
            Some(org) if org.monthly_minutes > 0 => {
                let months =
                    organisations::hours_history(&state.db, &org, crate::store::now()).await?;
                let hm = |m: i64| {
                    format!(
                        "{}{}h{:02}",
                        if m < 0 { "-" } else { "" },
                        m.abs() / 60,
                        m.abs() % 60
                    )
                };
                Some(context! {
                    organisation => org.name,
                    allowance => hm(org.monthly_minutes),
                    balance => months.last().map(|m| hm(m.balance)).unwrap_or_default(),
                    months => months.iter().rev().map(|m| context! {
                        month => m.month, carried_in => hm(m.carried_in), allowance => hm(m.allowance),
                        used => hm(m.used), balance => hm(m.balance)
                    }).collect::<Vec<_>>(),
                })
            }
            _ => None,
        },
        None => None,
    };
    page(
        &caller,
        "portal/home.html",
        "home",
        context! {
            title => "Home",
            last_login => me.previous_login_at.map(fmt_time),
            counts => counts,
            recent => recent,
            hours => hours,
        },
    )
    .await
}

pub(super) async fn my_view(State(state): State<AppState>, caller: Caller) -> PortalResult {
    let me = user(&caller, "/portal/my-view")?;
    let all = all_visible(&state, me).await?;
    let groups: Vec<_> = Status::ALL
        .iter()
        .map(|s| {
            context! {
                status => s.as_str(),
                label => s.label(),
                tickets => all.iter().filter(|t| t.status == *s).map(row).collect::<Vec<_>>(),
            }
        })
        .collect();
    page(
        &caller,
        "portal/my_view.html",
        "my_view",
        context! { title => "My view", groups => groups },
    )
    .await
}

pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> PortalResult {
    let me = user(&caller, "/portal/tickets")?;
    let Query(q) = q.map_err(|e| PortalError::Page(PageError::BadRequest(e.body_text())))?;
    let filter = q.filter()?;
    let tickets: Vec<Row> = tickets_api::visible_tickets(&state, me, &filter)
        .await?
        .iter()
        .map(row)
        .collect();
    let sorts: Vec<Opt> = Sort::ALL
        .iter()
        .map(|(_, c)| Opt {
            code: c,
            label: match *c {
                "updated" => "Recently updated",
                "newest" => "Newest first",
                "oldest" => "Oldest first",
                "priority" => "Priority",
                "number" => "Number",
                _ => "Response due",
            },
            target: String::new(),
        })
        .collect();
    page(
        &caller,
        "portal/tickets.html",
        "tickets",
        context! {
            title => "All tickets",
            tickets => tickets,
            statuses => opts(&Status::ALL, Status::as_str, Status::label),
            kinds => opts(TicketKind::ALL, TicketKind::as_str, TicketKind::label),
            priorities => opts(Priority::ALL, Priority::as_str, Priority::label),
            sorts => sorts,
            f => context! {
                status => q.status.unwrap_or_default(),
                type => q.kind.unwrap_or_default(),
                priority => q.priority.unwrap_or_default(),
                q => q.q.unwrap_or_default(),
                sort => filter.sort.as_str(),
            },
        },
    )
    .await
}

pub(super) async fn new_ticket_page(
    state: &AppState,
    caller: &Caller,
    values: minijinja::Value,
    error: Option<(Option<&'static str>, String)>,
) -> PortalResult {
    let policy = &state.desk_config.attachments;
    let priorities: Vec<Opt> = Priority::ALL
        .iter()
        .map(|p| Opt {
            code: p.as_str(),
            label: p.label(),
            target: state.desk.targets.for_priority(*p).to_string(),
        })
        .collect();
    let categories: Vec<String> = {
        let k = state.knowledge.current();
        let mut c: Vec<String> = k.kb.articles.iter().map(|a| a.category.clone()).collect();
        c.sort();
        c.dedup();
        c
    };
    let (field_error, message) = match &error {
        Some((f, m)) => (*f, Some(m.clone())),
        None => (None, None),
    };
    let mut res = page(
        caller,
        "portal/new_ticket.html",
        "new",
        context! {
            title => "Open a ticket",
            v => values,
            kinds => opts(TicketKind::ALL, TicketKind::as_str, TicketKind::label),
            priorities => priorities,
            reproducibility => opts(Reproducibility::ALL, Reproducibility::as_str, Reproducibility::label),
            impacts => opts(Impact::ALL, Impact::as_str, Impact::label),
            categories => categories,
            max_files => policy.max_files,
            max_mb => policy.max_file_bytes / (1024 * 1024),
            accepted => policy.accepted_list(),
            field_error => field_error,
            error_message => message.clone(),
            error => message,
        },
    )
    .await?;
    if error.is_some() {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

#[derive(Deserialize, Default)]
pub(super) struct Prefill {
    #[serde(rename = "type")]
    kind: Option<String>,
    description: Option<String>,
    summary: Option<String>,
}

pub(super) async fn new_ticket(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<Prefill>, axum::extract::rejection::QueryRejection>,
) -> PortalResult {
    user(&caller, "/portal/tickets/new")?;
    let Query(p) = q.unwrap_or_default();
    new_ticket_page(
        &state,
        &caller,
        context! { type => p.kind, description => p.description, summary => p.summary },
        None,
    )
    .await
}

pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    form: ticket_form::Upload,
) -> PortalResult {
    let me = user(&caller, "/portal/tickets/new")?.clone();
    let read = ticket_form::read(form, &state.files, &state.desk_config.attachments).await;
    let data = match read {
        Ok(d) => d,
        Err(e) => {
            let e = ApiError::from(e);
            return new_ticket_page(
                &state,
                &caller,
                context! {},
                Some((Some("files"), e.to_string())),
            )
            .await;
        }
    };
    check_csrf(&caller, data.text("csrf")).await?;
    let values: std::collections::HashMap<&str, &str> = data
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let values = minijinja::Value::from_serialize(&values);
    if let Err(e) = state
        .limits
        .hit(super::super::security::TICKET_CREATE, &me.id)
    {
        return new_ticket_page(&state, &caller, values, Some((None, e.to_string()))).await;
    }
    let input = match tickets_api::ticket_input(&state, &me, &data, Source::Portal).await {
        Ok(i) => i,
        Err(ApiError::BadRequest { message, field, .. }) => {
            return new_ticket_page(&state, &caller, values, Some((field, message))).await;
        }
        Err(e) => return Err(e.into()),
    };
    let t = state
        .desk
        .open_ticket(&me, &input, &data.files)
        .await
        .map_err(ApiError::from)?;
    Ok(Redirect::to(&format!("/portal/tickets/{}?notice=created", t.number)).into_response())
}

#[derive(Serialize)]
pub(super) struct FileView {
    file_name: String,
    url: String,
    size: String,
    /// Shown as a thumbnail (a raster image the browser may display).
    image: bool,
    /// A short label of its type for the icon ("PDF", "ZIP", "TXT").
    kind: String,
}

/// A file's type in a few letters: its extension, else its media subtype.
fn type_label(name: &str, content_type: &str) -> String {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| (1..=4).contains(&e.len()));
    let subtype = content_type
        .split(';')
        .next()
        .and_then(|t| t.split('/').nth(1));
    ext.or(subtype)
        .unwrap_or("file")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(4)
        .collect::<String>()
        .to_ascii_uppercase()
}

pub(super) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    q: Result<Query<NoticeQuery>, axum::extract::rejection::QueryRejection>,
) -> PortalResult {
    let me = user(&caller, &format!("/portal/tickets/{number}"))?;
    let t = tickets_api::visible_ticket(&state, me, &number).await?;
    let d = tickets_api::detail(&state, me, &t).await?;
    let Query(q) = q.unwrap_or_default();
    let files_of = |event: i64| -> Vec<FileView> {
        d.attachments
            .iter()
            .filter(|a| a.event_id == Some(event))
            .map(|a| FileView {
                file_name: a.file_name.clone(),
                url: a.url.clone(),
                size: fmt_size(a.size),
                image: crate::tickets::attachments::inline_allowed(&a.content_type),
                kind: type_label(&a.file_name, &a.content_type),
            })
            .collect()
    };
    let events: Vec<_> = d
        .events
        .iter()
        .map(|e| {
            let text = match e.kind.as_str() {
                "created" => "opened the ticket".to_string(),
                "status" => format!(
                    "changed the status from {} to {}",
                    label_of(e.old_value.as_deref()),
                    label_of(e.new_value.as_deref())
                ),
                "priority" => format!(
                    "changed the priority from {} to {}",
                    e.old_value.as_deref().and_then(Priority::parse).map(|p| p.label()).unwrap_or("?"),
                    e.new_value.as_deref().and_then(Priority::parse).map(|p| p.label()).unwrap_or("?")
                ),
                "assignee" => format!("assigned the ticket to {}", e.new_value.as_deref().unwrap_or("?")),
                "field" => format!(
                    "changed the {} from “{}” to “{}”",
                    match e.field.as_deref() {
                        Some("kind") => "type",
                        Some(f) => f,
                        None => "field",
                    },
                    e.old_value.as_deref().map(|v| TicketKind::parse(v).map(|k| k.label()).unwrap_or(v)).unwrap_or(""),
                    e.new_value.as_deref().map(|v| TicketKind::parse(v).map(|k| k.label()).unwrap_or(v)).unwrap_or("")
                ),
                "time" => format!("logged {} minutes", e.new_value.as_deref().unwrap_or("?")),
                "transcript" => "Live chat transcript".to_string(),
                _ => String::new(),
            };
            context! {
                kind => e.kind,
                public => e.public,
                actor => e.actor_name.clone().unwrap_or_else(|| "Frontdesk".into()),
                when => fmt_time(e.created_at),
                text => text,
                body => if matches!(e.kind.as_str(), "reply" | "note" | "created" | "transcript") { e.body.clone() } else { None },
                files => files_of(e.id),
            }
        })
        .collect();
    let staff = me.role().is_staff();
    let actions: Vec<_> = actions_for(&t, staff)
        .into_iter()
        .map(|(status, label)| context! { status => status.as_str(), label => label })
        .collect();
    let notice = match q.notice.as_deref() {
        Some("created") => Some(format!(
            "Ticket #{} is created. We will answer within {}; you will get an email at each step.",
            t.number,
            state.desk.targets.for_priority(t.priority)
        )),
        Some("replied") => Some("Your message was added.".to_string()),
        Some("updated") => Some("The ticket was updated.".to_string()),
        _ => None,
    };
    let conversation: Vec<conversations::Message> = d.conversation;
    page(
        &caller,
        "portal/ticket.html",
        "tickets",
        context! {
            title => format!("#{} {}", t.number, t.summary),
            t => &t,
            status_label => t.status.label(),
            type_label => t.kind.label(),
            priority_label => t.priority.label(),
            source_label => t.source.label(),
            reproducibility_label => t.reproducibility.map(Reproducibility::label),
            impact_label => t.impact.map(Impact::label),
            response_target => d.response_target,
            due => fmt_time(t.response_due_at),
            created => fmt_time(t.created_at),
            closes => t.closes_at.map(fmt_time),
            requester => d.requester,
            assignee => d.assignee,
            events => events,
            conversation => conversation,
            staff => staff,
            actions => actions,
            priorities => opts(Priority::ALL, Priority::as_str, Priority::label),
            notice => notice,
            error => take_error(&caller).await,
        },
    )
    .await
}

pub(super) fn label_of(code: Option<&str>) -> &'static str {
    code.and_then(Status::parse)
        .map(|s| s.label())
        .unwrap_or("?")
}

/// The status buttons offered on a ticket page: only moves the state
/// machine allows for this viewer.
pub(super) fn actions_for(t: &Ticket, staff: bool) -> Vec<(Status, &'static str)> {
    let actor = if staff {
        crate::tickets::Actor::Staff
    } else {
        crate::tickets::Actor::Requester
    };
    let candidates: &[(Status, &str)] = if staff {
        &[
            (Status::InAnalysis, "Mark as read (In analysis)"),
            (Status::Assigned, "Assign to me"),
            (Status::Feedback, "Ask the user for feedback"),
            (Status::Resolved, "Resolve"),
            (Status::Closed, "Close"),
            (Status::Assigned, "Reopen"),
        ]
    } else {
        &[
            (Status::Assigned, "Reopen"),
            (Status::Closed, "Close (the problem is solved)"),
        ]
    };
    candidates
        .iter()
        .filter(|(target, label)| {
            let reopen = *label == "Reopen";
            if reopen != (t.status == Status::Resolved) {
                return false;
            }
            workflow::would_allow(t, *target, actor)
        })
        .map(|(s, l)| (*s, *l))
        .collect()
}

pub(super) async fn reply(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    form: ticket_form::Upload,
) -> PortalResult {
    let me = user(&caller, &format!("/portal/tickets/{number}"))?.clone();
    let t = tickets_api::visible_ticket(&state, &me, &number).await?;
    let page = format!("/portal/tickets/{}", t.number);
    let data = match ticket_form::read(form, &state.files, &state.desk_config.attachments).await {
        Ok(d) => d,
        Err(e) => {
            return Ok(redirect_with_error(&caller, &page, &ApiError::from(e).to_string()).await);
        }
    };
    check_csrf(&caller, data.text("csrf")).await?;
    let body = data.text("body").unwrap_or("");
    if body.is_empty() && data.files.is_empty() {
        return Ok(
            redirect_with_error(&caller, &page, "Please write a message or attach a file.").await,
        );
    }
    let internal = matches!(data.text("internal"), Some("true"));
    match state.desk.reply(&t, &me, body, internal, &data.files).await {
        Ok(_) => Ok(Redirect::to(&format!("{page}?notice=replied")).into_response()),
        Err(e) => Ok(redirect_with_error(&caller, &page, &ApiError::from(e).to_string()).await),
    }
}

/// The caller and the ticket a ticket-page form acts on, once the form's
/// CSRF token is checked.
pub(super) async fn form_target(
    state: &AppState,
    caller: &Caller,
    number: &str,
    csrf: &str,
) -> Result<(User, Ticket), PortalError> {
    let me = user(caller, &format!("/portal/tickets/{number}"))?.clone();
    check_csrf(caller, Some(csrf)).await?;
    let t = tickets_api::visible_ticket(state, &me, number).await?;
    Ok((me, t))
}

#[derive(Deserialize)]
pub(super) struct StatusForm {
    csrf: String,
    status: String,
}

pub(super) async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    Form(f): Form<StatusForm>,
) -> PortalResult {
    let (me, t) = form_target(&state, &caller, &number, &f.csrf).await?;
    let target = Status::parse(&f.status)
        .ok_or_else(|| PortalError::Page(PageError::BadRequest("Unknown status.".into())))?;
    let result = state
        .desk
        .change_status(&t, &me, workflow::actor_for(&me), target, None)
        .await;
    Ok(after_change(&caller, t.number, result.map(|_| ())).await)
}

pub(super) async fn after_change(
    caller: &Caller,
    number: i64,
    r: Result<(), workflow::WorkflowError>,
) -> Response {
    match r {
        Ok(()) => Redirect::to(&format!("/portal/tickets/{number}?notice=updated")).into_response(),
        Err(e) => {
            redirect_with_error(
                caller,
                &format!("/portal/tickets/{number}"),
                &ApiError::from(e).to_string(),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct PriorityForm {
    csrf: String,
    priority: String,
}

pub(super) async fn set_priority(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    Form(f): Form<PriorityForm>,
) -> PortalResult {
    let (me, t) = form_target(&state, &caller, &number, &f.csrf).await?;
    let p = Priority::parse(&f.priority)
        .ok_or_else(|| PortalError::Page(PageError::BadRequest("Unknown priority.".into())))?;
    let r = state.desk.change_priority(&t, &me, p).await;
    Ok(after_change(&caller, t.number, r.map(|_| ())).await)
}

#[derive(Deserialize)]
pub(super) struct TimeForm {
    csrf: String,
    minutes: String,
}

pub(super) async fn log_time(
    State(state): State<AppState>,
    caller: Caller,
    Path(number): Path<String>,
    Form(f): Form<TimeForm>,
) -> PortalResult {
    let (me, t) = form_target(&state, &caller, &number, &f.csrf).await?;
    let minutes: i64 = f.minutes.trim().parse().unwrap_or(0);
    let r = state.desk.log_time(&t, &me, minutes).await;
    Ok(after_change(&caller, t.number, r).await)
}

#[derive(Deserialize)]
pub(super) struct Goto {
    number: Option<String>,
}

/// Quick search by number from the header.
pub(super) async fn goto(caller: Caller, Query(g): Query<Goto>) -> PortalResult {
    user(&caller, "/portal")?;
    let n: String = g
        .number
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .take(12)
        .collect();
    if n.is_empty() {
        return Ok(Redirect::to("/portal/tickets").into_response());
    }
    Ok(Redirect::to(&format!("/portal/tickets/{n}")).into_response())
}
