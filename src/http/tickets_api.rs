//! The tickets JSON API: open (multipart, with files), list with filters,
//! read one with its public timeline, reply, change status, priority and
//! logged time, and download attachments. Every route checks that the
//! caller may see the ticket; an invisible ticket is a 404, so numbers
//! reveal nothing.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiPath};
use super::security::TICKET_CREATE;
use super::ticket_form::{self, FormData, FormError};
use crate::store::tickets::{self, Attachment, Event, Filter, Scope, Sort, Ticket};
use crate::store::users::{self, User};
use crate::store::{conversations, organisations};
use crate::tickets::workflow::{self, TicketInput};
use crate::tickets::{Impact, Priority, Reproducibility, Source, Status, TicketKind};

pub fn router(upload_limit: usize) -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(reply))
        .layer(DefaultBodyLimit::max(upload_limit));
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(show, edit))
        .routes(routes!(set_status))
        .routes(routes!(set_priority))
        .routes(routes!(log_time))
        .routes(routes!(download))
        // Widgets on host products' pages call with a visitor token.
        .layer(super::bot_api::widget_cors())
}

impl From<FormError> for ApiError {
    fn from(e: FormError) -> Self {
        match e {
            FormError::File(f) => f.into(),
            e @ FormError::UnreadableFileName(_) => {
                ApiError::bad("bad_name", Some("files"), e.to_string())
            }
            FormError::FieldTooLong(name) => ApiError::PayloadTooLarge(format!(
                "The field `{name}` is too long (at most 64 KiB)."
            )),
            other => ApiError::bad("bad_form", None, other.to_string()),
        }
    }
}

const MAX_SUMMARY_CHARS: usize = 200;
const MAX_SHORT_FIELD_CHARS: usize = 200;

/// Reads an optional code field: absent is fine, unknown is an error
/// naming the accepted codes.
fn code_field<T>(
    form: &FormData,
    name: &'static str,
    parse: fn(&str) -> Option<T>,
    codes: String,
) -> Result<Option<T>, ApiError> {
    match form.text(name) {
        None => Ok(None),
        Some(v) => parse(v).map(Some).ok_or_else(|| {
            ApiError::bad(
                "invalid",
                Some(name),
                format!("`{v}` is not a valid {name}; use one of: {codes}."),
            )
        }),
    }
}

fn short(form: &FormData, name: &'static str) -> Result<Option<String>, ApiError> {
    match form.text(name) {
        Some(v) if v.chars().count() > MAX_SHORT_FIELD_CHARS => Err(ApiError::bad(
            "too_long",
            Some(name),
            format!("Please keep {name} under {MAX_SHORT_FIELD_CHARS} characters."),
        )),
        v => Ok(v.map(str::to_string)),
    }
}

/// Validates a new ticket's fields; `source` decides which are required
/// (the portal asks for a summary, the widget derives it).
pub async fn ticket_input(
    state: &AppState,
    requester: &crate::store::users::User,
    form: &FormData,
    source: Source,
) -> Result<TicketInput, ApiError> {
    let kind =
        code_field(form, "type", TicketKind::parse, TicketKind::codes())?.ok_or_else(|| {
            ApiError::bad(
                "required",
                Some("type"),
                "Please choose the type of request.",
            )
        })?;
    let priority = code_field(form, "priority", Priority::parse, Priority::codes())?
        .unwrap_or(Priority::Normal);
    let description = form
        .text("description")
        .ok_or_else(|| {
            ApiError::bad(
                "required",
                Some("description"),
                "Please describe the problem or request.",
            )
        })?
        .to_string();
    let summary = match form.text("summary") {
        Some(s) if s.chars().count() > MAX_SUMMARY_CHARS => {
            return Err(ApiError::bad(
                "too_long",
                Some("summary"),
                format!("Please keep the summary under {MAX_SUMMARY_CHARS} characters."),
            ));
        }
        Some(s) => s.to_string(),
        None if source == Source::Portal => {
            return Err(ApiError::bad(
                "required",
                Some("summary"),
                "Please give the request a short title.",
            ));
        }
        None => crate::tickets::title::title_from(&description),
    };
    let reproducibility = code_field(
        form,
        "reproducibility",
        Reproducibility::parse,
        Reproducibility::codes(),
    )?;
    let impact = code_field(form, "impact", Impact::parse, Impact::codes())?;
    let conversation_id = match form.text("conversation_id") {
        None => None,
        Some(id) => Some(
            super::bot_api::owned_conversation(state, id, requester, form.text("conversation_key"))
                .await?,
        ),
    };
    // Informational only: kept, cut to a sane length.
    let page_url = form.text("page_url").map(|u| {
        u.chars()
            .filter(|c| !c.is_control())
            .take(2048)
            .collect::<String>()
    });
    Ok(TicketInput {
        kind,
        priority,
        summary,
        description,
        category: short(form, "category")?,
        reproducibility,
        impact,
        steps: form.text("steps").map(str::to_string),
        additional_info: form.text("additional_info").map(str::to_string),
        conversation_id,
        page_url,
        source,
    })
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    /// The ticket's number, e.g. 1001.
    pub number: i64,
    pub status: String,
    /// Where the requester follows the ticket.
    pub url: String,
}

/// A new ticket's form (for the API document; read by `ticket_input`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NewTicketForm {
    /// bug_report, feature_request or settings_help.
    #[schema(example = "settings_help")]
    r#type: String,
    #[schema(example = "How do I change my password?")]
    description: String,
    /// Required from the portal; derived from the description otherwise.
    summary: Option<String>,
    priority: Option<String>,
    category: Option<String>,
    reproducibility: Option<String>,
    impact: Option<String>,
    steps: Option<String>,
    additional_info: Option<String>,
    /// The bot conversation that came before.
    conversation_id: Option<String>,
    page_url: Option<String>,
    /// widget, portal or api (default).
    source: Option<String>,
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    files: Option<Vec<Vec<u8>>>,
}

/// A reply's form (for the API document).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReplyForm {
    body: Option<String>,
    /// `true`: an internal note (operators).
    internal: Option<String>,
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    files: Option<Vec<Vec<u8>>>,
}

/// Open a ticket (multipart/form-data: the fields and `files`).
#[utoipa::path(post, path = "/api/tickets", tag = "tickets",
    request_body(content = NewTicketForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Created), (status = 400, description = "invalid field or refused file"),
              (status = 401), (status = 403), (status = 409), (status = 413), (status = 415), (status = 429)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    form: Result<ticket_form::Upload, MultipartRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let user = caller.require()?.clone();
    let form = form?;
    state.limits.hit(TICKET_CREATE, &user.id)?;
    let form = ticket_form::read(form, &state.files, &state.desk_config.attachments).await?;
    let source = match form.text("source") {
        Some("widget") => Source::Widget,
        Some("portal") => Source::Portal,
        _ => Source::Api,
    };
    let input = ticket_input(&state, &user, &form, source).await?;
    let ticket = state.desk.open_ticket(&user, &input, &form.files).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            number: ticket.number,
            status: ticket.status.as_str().to_string(),
            url: state.desk.ticket_url(ticket.number),
        }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Comma-separated status codes.
    pub status: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub priority: Option<String>,
    /// Text searched in summaries and descriptions.
    pub q: Option<String>,
    /// updated (default), newest, oldest, priority, number, due.
    pub sort: Option<String>,
    pub limit: Option<i64>,
}

impl ListQuery {
    pub fn filter(&self) -> Result<Filter, ApiError> {
        let bad = |field: &'static str, v: &str, codes: String| {
            ApiError::bad(
                "invalid",
                Some(field),
                format!("`{v}` is not a valid {field}; use one of: {codes}."),
            )
        };
        let mut statuses = Vec::new();
        for s in self
            .status
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let codes = Status::ALL.map(|s| s.as_str()).join(", ");
            statuses.push(Status::parse(s).ok_or_else(|| bad("status", s, codes))?);
        }
        let nonempty = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let kind = match nonempty(&self.kind) {
            Some(k) => {
                Some(TicketKind::parse(&k).ok_or_else(|| bad("type", &k, TicketKind::codes()))?)
            }
            None => None,
        };
        let priority = match nonempty(&self.priority) {
            Some(p) => {
                Some(Priority::parse(&p).ok_or_else(|| bad("priority", &p, Priority::codes()))?)
            }
            None => None,
        };
        let sort = match nonempty(&self.sort) {
            Some(s) => Sort::parse(&s)
                .ok_or_else(|| bad("sort", &s, Sort::ALL.map(|(_, c)| c).join(", ")))?,
            None => Sort::default(),
        };
        if self.q.as_deref().is_some_and(|q| q.chars().count() > 200) {
            return Err(ApiError::bad(
                "too_long",
                Some("q"),
                "Please search with fewer than 200 characters.",
            ));
        }
        Ok(Filter {
            statuses,
            kind,
            priority,
            text: self.q.clone(),
            sort,
            limit: self.limit.unwrap_or(100).clamp(1, 500),
        })
    }
}

/// What a user's ticket list covers.
pub async fn scope_for(state: &AppState, user: &User) -> Result<(Option<String>, bool), ApiError> {
    if user.role().is_staff() {
        return Ok((None, true));
    }
    let shared = match &user.organisation_id {
        Some(o) => organisations::by_id(&state.db, o)
            .await?
            .filter(|o| o.members_share_tickets)
            .map(|o| o.id),
        None => None,
    };
    Ok((shared, false))
}

pub async fn visible_tickets(
    state: &AppState,
    user: &User,
    filter: &Filter,
) -> Result<Vec<Ticket>, ApiError> {
    let (shared, everything) = scope_for(state, user).await?;
    let scope = if everything {
        Scope::Everything
    } else {
        Scope::Requester {
            user_id: &user.id,
            shared_organisation: shared.as_deref(),
        }
    };
    Ok(tickets::list(&state.db, &scope, filter).await?)
}

#[derive(Serialize, ToSchema)]
pub struct TicketSummary {
    pub number: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub priority: String,
    pub status: String,
    pub status_label: String,
    pub status_colour: String,
    pub summary: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub response_due_at: i64,
    pub url: String,
}

pub fn summary_of(state: &AppState, t: &Ticket) -> TicketSummary {
    TicketSummary {
        number: t.number,
        kind: t.kind.as_str().into(),
        priority: t.priority.as_str().into(),
        status: t.status.as_str().into(),
        status_label: t.status.label().into(),
        status_colour: t.status.colour().into(),
        summary: t.summary.clone(),
        created_at: t.created_at,
        updated_at: t.updated_at,
        response_due_at: t.response_due_at,
        url: state.desk.ticket_url(t.number),
    }
}

/// The caller's tickets (operators: all), filtered and sorted.
#[utoipa::path(get, path = "/api/tickets", tag = "tickets",
    params(("status" = Option<String>, Query), ("type" = Option<String>, Query), ("priority" = Option<String>, Query),
           ("q" = Option<String>, Query), ("sort" = Option<String>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, body = [TicketSummary]), (status = 400), (status = 401)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<TicketSummary>>, ApiError> {
    let user = caller.require()?;
    let Query(q) = q?;
    let filter = q.filter()?;
    let list = visible_tickets(&state, user, &filter).await?;
    Ok(Json(list.iter().map(|t| summary_of(&state, t)).collect()))
}

/// The ticket numbered `number` if `user` may see it, else 404.
pub async fn visible_ticket(
    state: &AppState,
    user: &User,
    number: &str,
) -> Result<Ticket, ApiError> {
    let not_found = || ApiError::NotFound(format!("There is no ticket #{number} you can see."));
    let n: i64 = number
        .trim_start_matches('#')
        .parse()
        .map_err(|_| not_found())?;
    let t = tickets::by_number(&state.db, n)
        .await?
        .ok_or_else(not_found)?;
    if workflow::can_see(&state.db, user, &t).await? {
        Ok(t)
    } else {
        Err(not_found())
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub event_id: Option<i64>,
    pub url: String,
}

pub fn attachment_view(a: &Attachment) -> AttachmentView {
    AttachmentView {
        id: a.id.clone(),
        file_name: a.file_name.clone(),
        content_type: a.content_type.clone(),
        size: a.size,
        event_id: a.event_id,
        url: format!("/api/attachments/{}", a.id),
    }
}

#[derive(Serialize, ToSchema)]
pub struct TicketDetail {
    #[schema(value_type = Object)]
    pub ticket: serde_json::Value,
    pub status_label: String,
    pub status_colour: String,
    pub requester: String,
    pub assignee: Option<String>,
    /// The response-time target of the ticket's priority, e.g. "4 hours".
    pub response_target: String,
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<Event>,
    pub attachments: Vec<AttachmentView>,
    /// The bot conversation the ticket came from.
    #[schema(value_type = Vec<Object>)]
    pub conversation: Vec<conversations::Message>,
    pub url: String,
}

pub async fn detail(state: &AppState, user: &User, t: &Ticket) -> Result<TicketDetail, ApiError> {
    let staff = user.role().is_staff();
    let requester = users::by_id(&state.db, &t.requester_id).await?;
    let assignee = match &t.assignee_id {
        Some(a) => users::by_id(&state.db, a).await?,
        None => None,
    };
    let conversation = match &t.conversation_id {
        Some(c) => conversations::messages(&state.db, c).await?,
        None => Vec::new(),
    };
    Ok(TicketDetail {
        ticket: serde_json::to_value(t).map_err(|e| ApiError::Internal(e.to_string()))?,
        status_label: t.status.label().into(),
        status_colour: t.status.colour().into(),
        requester: requester
            .map(|r| r.display_name().to_string())
            .unwrap_or_default(),
        assignee: assignee.map(|a| a.display_name().to_string()),
        response_target: state.desk.targets.for_priority(t.priority).to_string(),
        events: tickets::events(&state.db, &t.id, staff).await?,
        attachments: tickets::attachments(&state.db, &t.id, staff)
            .await?
            .iter()
            .map(attachment_view)
            .collect(),
        conversation,
        url: state.desk.ticket_url(t.number),
    })
}

/// One ticket with its timeline (internal notes for operators only).
#[utoipa::path(get, path = "/api/tickets/{number}", tag = "tickets",
    params(("number" = i64, Path, example = 1001)), responses((status = 200, body = TicketDetail), (status = 401), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<TicketDetail>, ApiError> {
    let user = caller.require()?;
    let t = visible_ticket(&state, user, &number).await?;
    Ok(Json(detail(&state, user, &t).await?))
}

/// Reply to a ticket (multipart: `body`, optional `internal=true` for
/// operators' notes, `files`).
#[utoipa::path(post, path = "/api/tickets/{number}/replies", tag = "tickets",
    params(("number" = i64, Path, example = 1001)), request_body(content = ReplyForm, content_type = "multipart/form-data"),
    responses((status = 201, body = TicketSummary), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 413), (status = 415)))]
pub async fn reply(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(number): ApiPath<String>,
    form: Result<ticket_form::Upload, MultipartRejection>,
) -> Result<(StatusCode, Json<TicketSummary>), ApiError> {
    let user = caller.require()?.clone();
    let form = form?;
    let t = visible_ticket(&state, &user, &number).await?;
    if t.status.is_read_only() {
        return Err(ApiError::Conflict(
            "This ticket is closed and can no longer be changed; please open a new one.".into(),
        ));
    }
    let form = ticket_form::read(form, &state.files, &state.desk_config.attachments).await?;
    let body = form.text("body").unwrap_or("");
    if body.is_empty() && form.files.is_empty() {
        return Err(ApiError::bad(
            "required",
            Some("body"),
            "Please write a reply or attach a file.",
        ));
    }
    let internal = matches!(form.text("internal"), Some("true" | "on" | "1"));
    let t = state
        .desk
        .reply(&t, &user, body, internal, &form.files)
        .await?;
    Ok((StatusCode::CREATED, Json(summary_of(&state, &t))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// new, in_analysis, assigned, feedback, resolved or closed.
    pub status: String,
    /// For `assigned`: the operator's email (default: the caller).
    pub assignee: Option<String>,
}

/// Move a ticket in its workflow. Requesters may reopen a resolved ticket
/// or close it; operators do the rest.
#[utoipa::path(post, path = "/api/tickets/{number}/status", tag = "tickets",
    params(("number" = i64, Path, example = 1001)), request_body = StatusChange,
    responses((status = 200, body = TicketSummary), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(number): ApiPath<String>,
    body: Result<Json<StatusChange>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<TicketSummary>, ApiError> {
    let user = caller.require()?.clone();
    let Json(body) = body.map_err(|e| ApiError::bad("bad_json", None, e.body_text()))?;
    let t = visible_ticket(&state, &user, &number).await?;
    let target = Status::parse(body.status.trim()).ok_or_else(|| {
        ApiError::bad(
            "invalid",
            Some("status"),
            format!(
                "`{}` is not a status; use one of: {}.",
                body.status,
                Status::ALL.map(|s| s.as_str()).join(", ")
            ),
        )
    })?;
    let assignee = match body
        .assignee
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(raw) => {
            let unknown = || {
                ApiError::bad(
                    "unknown_operator",
                    Some("assignee"),
                    format!("No operator has the email {raw}."),
                )
            };
            let email = crate::accounts::Email::parse(raw).map_err(|_| unknown())?;
            Some(
                users::by_email(&state.db, &email)
                    .await?
                    .filter(|u| u.role().is_staff())
                    .ok_or_else(unknown)?,
            )
        }
        None => None,
    };
    let t = state
        .desk
        .change_status(
            &t,
            &user,
            workflow::actor_for(&user),
            target,
            assignee.as_ref(),
        )
        .await?;
    Ok(Json(summary_of(&state, &t)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketEdit {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub summary: Option<String>,
    /// An empty string clears it.
    pub category: Option<String>,
}

/// Operators correct a ticket's type, summary or category (recorded in its
/// history).
#[utoipa::path(patch, path = "/api/tickets/{number}", tag = "tickets",
    params(("number" = i64, Path, example = 1001)), request_body = TicketEdit,
    responses((status = 200, body = TicketSummary), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(number): ApiPath<String>,
    body: Result<Json<TicketEdit>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<TicketSummary>, ApiError> {
    let user = caller.require()?.clone();
    let Json(body) = body.map_err(|e| ApiError::bad("bad_json", None, e.body_text()))?;
    let t = visible_ticket(&state, &user, &number).await?;
    let kind = match body.kind.as_deref().map(str::trim) {
        None => None,
        Some(k) => Some(TicketKind::parse(k).ok_or_else(|| {
            ApiError::bad(
                "invalid",
                Some("type"),
                format!("Use one of: {}.", TicketKind::codes()),
            )
        })?),
    };
    let summary = match body.summary.as_deref().map(str::trim) {
        None => None,
        Some("") => {
            return Err(ApiError::bad(
                "required",
                Some("summary"),
                "The summary cannot be empty.",
            ));
        }
        Some(s) if s.chars().count() > MAX_SUMMARY_CHARS => {
            return Err(ApiError::bad(
                "too_long",
                Some("summary"),
                format!("Please keep the summary under {MAX_SUMMARY_CHARS} characters."),
            ));
        }
        Some(s) => Some(s.to_string()),
    };
    let category = match body.category.as_deref().map(str::trim) {
        Some(c) if c.chars().count() > MAX_SHORT_FIELD_CHARS => {
            return Err(ApiError::bad(
                "too_long",
                Some("category"),
                format!("Please keep the category under {MAX_SHORT_FIELD_CHARS} characters."),
            ));
        }
        c => c.map(str::to_string),
    };
    let t = state
        .desk
        .edit_fields(
            &t,
            &user,
            &workflow::FieldEdit {
                kind,
                summary,
                category,
            },
        )
        .await?;
    Ok(Json(summary_of(&state, &t)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityChange {
    pub priority: String,
}

/// Operators change a ticket's priority (its response target follows).
#[utoipa::path(post, path = "/api/tickets/{number}/priority", tag = "tickets",
    params(("number" = i64, Path, example = 1001)), request_body = PriorityChange,
    responses((status = 200, body = TicketSummary), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn set_priority(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(number): ApiPath<String>,
    body: Result<Json<PriorityChange>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<TicketSummary>, ApiError> {
    let user = caller.require()?.clone();
    let Json(body) = body.map_err(|e| ApiError::bad("bad_json", None, e.body_text()))?;
    let t = visible_ticket(&state, &user, &number).await?;
    let p = Priority::parse(body.priority.trim()).ok_or_else(|| {
        ApiError::bad(
            "invalid",
            Some("priority"),
            format!("Use one of: {}.", Priority::codes()),
        )
    })?;
    let t = state.desk.change_priority(&t, &user, p).await?;
    Ok(Json(summary_of(&state, &t)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeLog {
    pub minutes: i64,
}

/// Operators log time spent on a ticket (charged to its organisation).
#[utoipa::path(post, path = "/api/tickets/{number}/time", tag = "tickets",
    params(("number" = i64, Path, example = 1001)), request_body = TimeLog,
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn log_time(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(number): ApiPath<String>,
    body: Result<Json<TimeLog>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let user = caller.require()?.clone();
    let Json(body) = body.map_err(|e| ApiError::bad("bad_json", None, e.body_text()))?;
    let t = visible_ticket(&state, &user, &number).await?;
    state.desk.log_time(&t, &user, body.minutes).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Download an attachment: only for those who may see its ticket (and,
/// for internal notes' files, operators). Never rendered by the browser
/// except raster images.
#[utoipa::path(get, path = "/api/attachments/{id}", tag = "tickets",
    params(("id" = String, Path)), responses((status = 200, description = "the file"), (status = 401), (status = 404)))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let user = caller.require()?;
    let not_found = || ApiError::NotFound("There is no such attachment you can see.".into());
    if !crate::ids::is_id(&id) {
        return Err(not_found());
    }
    let (a, public) = tickets::attachment(&state.db, &id)
        .await?
        .ok_or_else(not_found)?;
    let t = tickets::by_id(&state.db, &a.ticket_id)
        .await?
        .ok_or_else(not_found)?;
    if !workflow::can_see(&state.db, user, &t).await? || (!public && !user.role().is_staff()) {
        return Err(not_found());
    }
    super::file_response::serve(
        &state.files,
        &a.sha256,
        &a.file_name,
        &a.content_type,
        a.size,
    )
    .await?
    .ok_or_else(not_found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Uri;
    use proptest::prelude::*;

    fn list_query(query: &str) -> Option<ListQuery> {
        let uri: Uri = format!("/api/tickets?{query}").parse().ok()?;
        Query::<ListQuery>::try_from_uri(&uri)
            .ok()
            .map(|Query(q)| q)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Any query string: a filter or a 400, never a panic; the limit
        /// is always within bounds.
        #[test]
        fn arbitrary_queries_never_panic(
            keys in prop::collection::vec(
                (
                    prop::sample::select(vec!["status", "type", "priority", "q", "sort", "limit", "x"]),
                    "[a-z0-9_,% +-]{0,12}",
                ),
                0..5,
            ),
            raw in "[ -~]{0,60}",
        ) {
            let query: Vec<String> = keys.iter().map(|(k, v)| format!("{k}={v}")).collect();
            for q in [query.join("&"), raw] {
                if let Some(parsed) = list_query(&q)
                    && let Ok(filter) = parsed.filter()
                {
                    prop_assert!((1..=500).contains(&filter.limit));
                }
            }
        }

        /// Statuses, type, priority and sort as written come back parsed.
        #[test]
        fn filters_round_trip(
            statuses in prop::sample::subsequence(Status::ALL.to_vec(), 0..=Status::ALL.len()),
            sort in prop::sample::select(Sort::ALL.to_vec()),
            limit in 1i64..=500,
        ) {
            let codes: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
            let q = format!("status={}&sort={}&limit={limit}", codes.join(","), sort.1);
            let filter = list_query(&q).expect("parses").filter().expect("valid");
            prop_assert_eq!(filter.statuses, statuses);
            prop_assert_eq!(filter.sort, sort.0);
            prop_assert_eq!(filter.limit, limit);
        }
    }
}
