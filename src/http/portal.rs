//! The end-user portal, server-rendered and usable without JavaScript:
//! log in and out, Home, My view, All tickets (filters and sorting), Open a
//! ticket, the ticket page (timeline, reply, files, reopen), My account,
//! and the invitation / password-reset page. Forms carry the session's
//! CSRF token in a hidden field, checked before anything changes.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::{self, Caller};
use super::error::{ApiError, PageError};
use super::session_api;
use super::templates;
use super::ticket_form;
use super::tickets_api::{self, ListQuery};
use crate::store::tickets::{Filter, Sort, Ticket};
use crate::store::users::{self, Preferences, TokenPurpose, User};
use crate::store::{conversations, organisations};
use crate::tickets::timing::format_utc as fmt_time;
use crate::tickets::workflow;
use crate::tickets::{Impact, Priority, Reproducibility, Source, Status, TicketKind};

pub fn router(upload_limit: usize) -> Router<AppState> {
    let uploads = Router::new()
        .route("/portal/tickets", post(create).get(list))
        .route("/portal/tickets/{number}/reply", post(reply))
        .layer(DefaultBodyLimit::max(upload_limit));
    Router::new()
        .merge(uploads)
        .route("/portal", get(home))
        .route("/portal/login", get(login_page).post(login))
        .route("/portal/logout", post(logout))
        .route("/portal/forgot", get(forgot_page).post(forgot))
        .route("/portal/my-view", get(my_view))
        .route("/portal/tickets/new", get(new_ticket))
        .route("/portal/tickets/{number}", get(show))
        .route("/portal/tickets/{number}/status", post(set_status))
        .route("/portal/tickets/{number}/priority", post(set_priority))
        .route("/portal/tickets/{number}/time", post(log_time))
        .route("/portal/goto", get(goto))
        .route("/portal/account", get(account).post(save_account))
        .route("/portal/account/password", post(change_password))
        .route("/console", get(console))
        .route("/portal/chats", get(my_chats))
        .route("/portal/admin", get(admin_page))
        .route("/portal/admin/invite", post(admin_invite))
        .route(
            "/account/password",
            get(set_password_page).post(set_password),
        )
}

/// A portal failure: most become a page; some send the user elsewhere.
enum PortalError {
    Page(PageError),
    LogIn(String),
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        match self {
            PortalError::Page(p) => p.into_response(),
            PortalError::LogIn(next) => {
                Redirect::to(&format!("/portal/login?next={}", encode(&next))).into_response()
            }
        }
    }
}

impl From<ApiError> for PortalError {
    fn from(e: ApiError) -> Self {
        PortalError::Page(match e {
            ApiError::NotFound(_) => PageError::NotFound,
            ApiError::Internal(d) => PageError::Internal(d),
            other => PageError::BadRequest(other.to_string()),
        })
    }
}

impl From<crate::store::StoreError> for PortalError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<minijinja::Error> for PortalError {
    fn from(e: minijinja::Error) -> Self {
        PortalError::Page(PageError::Internal(format!("template: {e}")))
    }
}

type PortalResult = Result<Response, PortalError>;

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_./".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Only paths of this site are followed after log-in (no open redirect),
/// and none with control characters (no header could carry them: a 500).
fn safe_next(next: &str) -> &str {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
    {
        next
    } else {
        "/portal"
    }
}

fn fmt_size(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

#[derive(Serialize)]
struct MeView {
    admin: bool,
    staff: bool,
    name: String,
    email: String,
    locale: String,
    notify_status: bool,
    notify_replies: bool,
}

/// Renders a portal page with what every page needs.
async fn page(caller: &Caller, name: &str, nav: &str, extra: minijinja::Value) -> PortalResult {
    let me = caller.user().map(|u| MeView {
        admin: u.role() == crate::accounts::Role::Admin,
        staff: u.role().is_staff(),
        name: u.display_name().to_string(),
        email: u.email.clone(),
        locale: u.locale.clone(),
        notify_status: u.notify_status,
        notify_replies: u.notify_replies,
    });
    let csrf = auth::csrf_token(&caller.session).await?;
    let ctx = context! { me => me, csrf => csrf, nav => nav, ..extra };
    Ok(Html(templates::render(name, ctx)?).into_response())
}

/// The logged-in user, or a redirect to the log-in page.
fn user<'a>(caller: &'a Caller, here: &str) -> Result<&'a User, PortalError> {
    caller
        .user()
        .ok_or_else(|| PortalError::LogIn(here.to_string()))
}

async fn check_csrf(caller: &Caller, given: Option<&str>) -> Result<(), PortalError> {
    if auth::csrf_ok(&caller.session, given).await {
        Ok(())
    } else {
        Err(PortalError::Page(PageError::BadRequest(
            "This form has expired (or did not come from this site). Go back, reload the page and try again."
                .into(),
        )))
    }
}

#[derive(Serialize)]
struct Row {
    number: i64,
    summary: String,
    #[serde(rename = "type")]
    kind: String,
    type_label: &'static str,
    priority: &'static str,
    priority_label: &'static str,
    status: &'static str,
    status_label: &'static str,
    updated: String,
    updated_iso: String,
}

fn row(t: &Ticket) -> Row {
    Row {
        number: t.number,
        summary: t.summary.clone(),
        kind: t.kind.as_str().to_string(),
        type_label: t.kind.label(),
        priority: t.priority.as_str(),
        priority_label: t.priority.label(),
        status: t.status.as_str(),
        status_label: t.status.label(),
        updated: fmt_time(t.updated_at),
        updated_iso: time::OffsetDateTime::from_unix_timestamp(t.updated_at)
            .ok()
            .and_then(|d| {
                d.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default(),
    }
}

#[derive(Serialize)]
struct Opt {
    code: &'static str,
    label: &'static str,
    target: String,
}

fn opts<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<Opt> {
    all.iter()
        .map(|v| Opt {
            code: code(*v),
            label: label(*v),
            target: String::new(),
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    notice: Option<String>,
}

async fn login_page(caller: Caller, Query(q): Query<LoginQuery>) -> PortalResult {
    if caller.user().is_some() {
        return Ok(Redirect::to(safe_next(q.next.as_deref().unwrap_or("/portal"))).into_response());
    }
    let notice = match q.notice.as_deref() {
        Some("password_set") => Some("Your password is set: you can log in."),
        Some("reset_sent") => {
            Some("If this email has an account, a link to choose a new password is on its way.")
        }
        Some("logged_out") => Some("You are logged out."),
        _ => None,
    };
    page(
        &caller,
        "portal/login.html",
        "login",
        context! { title => "Log in", next => q.next.unwrap_or_default(), notice => notice, email => "" },
    )
    .await
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    super::security::ClientIp(ip): super::security::ClientIp,
    caller: Caller,
    Form(f): Form<LoginForm>,
) -> PortalResult {
    check_csrf(&caller, Some(&f.csrf)).await?;
    match session_api::throttled_credentials(&state, ip, &f.email, &f.password).await {
        Ok(u) => {
            auth::log_in(&caller.session, &u).await?;
            users::record_login(&state.db, &u.id).await?;
            Ok(Redirect::to(safe_next(&f.next)).into_response())
        }
        Err(e) => {
            let status = match e {
                ApiError::TooManyRequests { .. } => axum::http::StatusCode::TOO_MANY_REQUESTS,
                _ => axum::http::StatusCode::UNAUTHORIZED,
            };
            let mut res = page(
                &caller,
                "portal/login.html",
                "login",
                context! { title => "Log in", next => f.next, error => e.to_string(), email => f.email },
            )
            .await?;
            *res.status_mut() = status;
            Ok(res)
        }
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

async fn logout(caller: Caller, Form(f): Form<CsrfOnly>) -> PortalResult {
    check_csrf(&caller, Some(&f.csrf)).await?;
    auth::log_out(&caller.session).await?;
    Ok(Redirect::to("/portal/login?notice=logged_out").into_response())
}

async fn forgot_page(caller: Caller) -> PortalResult {
    page(
        &caller,
        "portal/forgot.html",
        "login",
        context! { title => "Forgot your password?" },
    )
    .await
}

#[derive(Deserialize)]
struct ForgotForm {
    csrf: String,
    email: String,
}

async fn forgot(
    State(state): State<AppState>,
    super::security::ClientIp(ip): super::security::ClientIp,
    caller: Caller,
    Form(f): Form<ForgotForm>,
) -> PortalResult {
    check_csrf(&caller, Some(&f.csrf)).await?;
    state
        .limits
        .hit(super::security::EMAIL_CODE, &format!("reset|{ip}"))?;
    crate::accounts::invite::send_reset(&state.db, &state.desk.public_url, &f.email)
        .await
        .map_err(ApiError::from)?;
    state.desk.mail_wakeup.notify_one();
    Ok(Redirect::to("/portal/login?notice=reset_sent").into_response())
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn set_password_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TokenQuery>,
) -> PortalResult {
    let token = q.token.unwrap_or_default();
    let mut valid = false;
    for purpose in [TokenPurpose::Invitation, TokenPurpose::PasswordReset] {
        valid |= users::peek_one_time_token(&state.db, &token, purpose)
            .await?
            .is_some();
    }
    page(
        &caller,
        "portal/set_password.html",
        "login",
        context! { title => "Choose your password", token => token, valid => valid },
    )
    .await
}

#[derive(Deserialize)]
struct SetPasswordForm {
    csrf: String,
    token: String,
    password: String,
}

async fn set_password(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<SetPasswordForm>,
) -> PortalResult {
    check_csrf(&caller, Some(&f.csrf)).await?;
    if let Err(m) = crate::accounts::password::check_new(&f.password) {
        return page(
            &caller,
            "portal/set_password.html",
            "login",
            context! { title => "Choose your password", token => f.token, valid => true, error => m },
        )
        .await;
    }
    let hash = session_api::hash_password(&f.password).await?;
    for purpose in [TokenPurpose::Invitation, TokenPurpose::PasswordReset] {
        if users::redeem_one_time_token(&state.db, f.token.trim(), purpose, &hash)
            .await?
            .is_some()
        {
            return Ok(Redirect::to("/portal/login?notice=password_set").into_response());
        }
    }
    page(
        &caller,
        "portal/set_password.html",
        "login",
        context! { title => "Choose your password", token => f.token, valid => false },
    )
    .await
}

#[derive(Serialize)]
struct Count {
    status: &'static str,
    label: &'static str,
    count: usize,
}

/// Every ticket the user may see (Home and My view group them).
async fn all_visible(state: &AppState, me: &User) -> Result<Vec<Ticket>, ApiError> {
    let everything = Filter {
        limit: 500,
        ..Filter::default()
    };
    tickets_api::visible_tickets(state, me, &everything).await
}

async fn home(State(state): State<AppState>, caller: Caller) -> PortalResult {
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

async fn my_view(State(state): State<AppState>, caller: Caller) -> PortalResult {
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

async fn list(
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

async fn new_ticket_page(
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
struct Prefill {
    #[serde(rename = "type")]
    kind: Option<String>,
    description: Option<String>,
    summary: Option<String>,
}

async fn new_ticket(
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

async fn create(
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
    if let Err(e) = state.limits.hit(super::security::TICKET_CREATE, &me.id) {
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

/// Notices are named by a code in the URL (`?notice=replied`); errors are
/// kept in the session for the next page only, so a link cannot put text of
/// its choosing on our pages (a phishing aid).
#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

const FLASH_KEY: &str = "flash_error";

/// Redirects to `to`, showing `message` there as an error.
async fn redirect_with_error(caller: &Caller, to: &str, message: &str) -> Response {
    // If the session cannot keep it, the page shows without the message.
    let _ = caller.session.insert(FLASH_KEY, message).await;
    Redirect::to(to).into_response()
}

/// The error a redirect left for this page, if any (shown once).
async fn take_error(caller: &Caller) -> Option<String> {
    caller
        .session
        .remove::<String>(FLASH_KEY)
        .await
        .ok()
        .flatten()
}

#[derive(Serialize)]
struct FileView {
    file_name: String,
    url: String,
    size: String,
}

async fn show(
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
            reproducibility_label => t.reproducibility.as_deref().and_then(Reproducibility::parse).map(|r| r.label()),
            impact_label => t.impact.as_deref().and_then(Impact::parse).map(|i| i.label()),
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

fn label_of(code: Option<&str>) -> &'static str {
    code.and_then(Status::parse)
        .map(|s| s.label())
        .unwrap_or("?")
}

/// The status buttons offered on a ticket page: only moves the state
/// machine allows for this viewer.
fn actions_for(t: &Ticket, staff: bool) -> Vec<(Status, &'static str)> {
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

async fn reply(
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
async fn form_target(
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
struct StatusForm {
    csrf: String,
    status: String,
}

async fn set_status(
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

async fn after_change(
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
struct PriorityForm {
    csrf: String,
    priority: String,
}

async fn set_priority(
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
struct TimeForm {
    csrf: String,
    minutes: String,
}

async fn log_time(
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
struct Goto {
    number: Option<String>,
}

/// Quick search by number from the header.
async fn goto(caller: Caller, Query(g): Query<Goto>) -> PortalResult {
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

async fn account(
    caller: Caller,
    q: Result<Query<NoticeQuery>, axum::extract::rejection::QueryRejection>,
) -> PortalResult {
    user(&caller, "/portal/account")?;
    let Query(q) = q.unwrap_or_default();
    let locales: Vec<_> = [("en", "English"), ("fr", "Français"), ("ro", "Română")]
        .iter()
        .map(|(c, n)| context! { code => c, name => n })
        .collect();
    let notice = match q.notice.as_deref() {
        Some("saved") => Some("Saved."),
        Some("password") => Some("Your password is changed."),
        _ => None,
    };
    page(
        &caller,
        "portal/account.html",
        "account",
        context! { title => "My account", locales => locales, notice => notice, error => take_error(&caller).await },
    )
    .await
}

#[derive(Deserialize)]
struct AccountForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    locale: String,
    notify_status: Option<String>,
    notify_replies: Option<String>,
}

async fn save_account(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<AccountForm>,
) -> PortalResult {
    let me = user(&caller, "/portal/account")?.clone();
    check_csrf(&caller, Some(&f.csrf)).await?;
    let locale = match f.locale.as_str() {
        l @ ("en" | "fr" | "ro") => l,
        _ => "en",
    };
    let name: String = f
        .name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    users::update_preferences(
        &state.db,
        &me.id,
        &Preferences {
            name: &name,
            locale,
            notify_status: f.notify_status.is_some(),
            notify_replies: f.notify_replies.is_some(),
        },
    )
    .await?;
    Ok(Redirect::to("/portal/account?notice=saved").into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
}

async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<PasswordForm>,
) -> PortalResult {
    let me = user(&caller, "/portal/account")?.clone();
    check_csrf(&caller, Some(&f.csrf)).await?;
    if session_api::check_credentials(&state, &me.email, &f.current)
        .await
        .is_err()
    {
        return Ok(redirect_with_error(
            &caller,
            "/portal/account",
            "The current password is wrong.",
        )
        .await);
    }
    if let Err(m) = crate::accounts::password::check_new(&f.new) {
        return Ok(redirect_with_error(&caller, "/portal/account", &m).await);
    }
    let hash = session_api::hash_password(&f.new).await?;
    users::set_password(&state.db, &me.id, &hash).await?;
    // A new session id: other copies of the old cookie stop working.
    auth::log_in(&caller.session, &me).await?;
    Ok(Redirect::to("/portal/account?notice=password").into_response())
}

/// The admin, or a page saying this is for admins.
fn admin(caller: &Caller) -> Result<&User, PortalError> {
    let me = user(caller, "/portal/admin")?;
    if me.role() == crate::accounts::Role::Admin {
        Ok(me)
    } else {
        Err(PortalError::Page(PageError::BadRequest(
            "Only admins manage people.".into(),
        )))
    }
}

async fn admin_page_with(
    state: &AppState,
    caller: &Caller,
    notice: Option<String>,
    error: Option<String>,
    values: (&str, &str),
) -> PortalResult {
    admin(caller)?;
    let people: Vec<_> = users::all(&state.db)
        .await?
        .iter()
        .map(|u| {
            context! {
                email => u.email, name => u.name, role => u.role().as_str(),
                last_login => u.last_login_at.map(fmt_time),
            }
        })
        .collect();
    page(
        caller,
        "portal/admin.html",
        "admin",
        context! { title => "People", people => people, notice => notice, error => error,
        email => values.0, name => values.1 },
    )
    .await
}

async fn admin_page(State(state): State<AppState>, caller: Caller) -> PortalResult {
    admin_page_with(&state, &caller, None, None, ("", "")).await
}

#[derive(Deserialize)]
struct InviteForm {
    csrf: String,
    email: String,
    #[serde(default)]
    name: String,
    role: String,
}

async fn admin_invite(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<InviteForm>,
) -> PortalResult {
    admin(&caller)?;
    check_csrf(&caller, Some(&f.csrf)).await?;
    let role = crate::accounts::Role::parse(&f.role)
        .ok_or_else(|| PortalError::Page(PageError::BadRequest("Unknown role.".into())))?;
    match crate::accounts::invite::invite(
        &state.db,
        &state.desk.public_url,
        &f.email,
        &f.name,
        role,
    )
    .await
    {
        Ok((u, _)) => {
            state.desk.mail_wakeup.notify_one();
            let notice = format!("Invitation sent to {}.", u.email);
            admin_page_with(&state, &caller, Some(notice), None, ("", "")).await
        }
        Err(e) => {
            let message = ApiError::from(e).to_string();
            let mut res =
                admin_page_with(&state, &caller, None, Some(message), (&f.email, &f.name)).await?;
            *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(res)
        }
    }
}

/// The operators' console (its behaviour is in static/console.js).
async fn console(caller: Caller) -> PortalResult {
    let me = user(&caller, "/console")?;
    if !me.role().is_staff() {
        return Err(PortalError::Page(PageError::BadRequest(
            "The console is for operators and admins.".into(),
        )));
    }
    let csrf = auth::csrf_token(&caller.session).await?;
    Ok(Html(templates::render(
        "console.html",
        context! {
            csrf => csrf,
            me => me.display_name(),
            admin => me.role() == crate::accounts::Role::Admin,
        },
    )?)
    .into_response())
}

/// The user's earlier live chats with their transcripts.
async fn my_chats(State(state): State<AppState>, caller: Caller) -> PortalResult {
    let me = user(&caller, "/portal/chats")?;
    let mut chats = Vec::new();
    for c in crate::store::queue::of_user(&state.db, &me.id).await? {
        let operator = match &c.operator_id {
            Some(o) => users::by_id(&state.db, o)
                .await?
                .map(|u| u.display_name().to_string()),
            None => None,
        };
        let ticket = match &c.ticket_id {
            Some(t) => crate::store::tickets::by_id(&state.db, t)
                .await?
                .map(|t| t.number),
            None => None,
        };
        chats.push(context! {
            started => fmt_time(c.created_at),
            status => c.status,
            operator => operator,
            ticket => ticket,
            transcript => crate::live::chats::transcript_text(&state.desk, &c.id).await?,
        });
    }
    page(
        &caller,
        "portal/chats.html",
        "chats",
        context! { title => "My chats", chats => chats },
    )
    .await
}
