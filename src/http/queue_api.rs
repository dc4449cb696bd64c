//! The operators' queue over JSON: set my availability, read the queue,
//! and the life of a chat request (start, accept, decline, end). Real-time
//! delivery (WebSockets) builds on these states.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::chat_content::followed_chat;
use super::error::{ApiError, ApiPath};
use super::session_api::{JsonBody, json_body};
use super::tickets_api;
use crate::live::queue;
use crate::store::queue::{self as q, ChatRequest};
use crate::store::tickets::{self, Filter, Scope, Sort};
use crate::store::{live_settings, now, users};
use crate::tickets::{Priority, Status};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_availability, my_availability))
        .routes(routes!(my_chats))
        .routes(routes!(read_queue))
        .routes(routes!(start, mine))
        .routes(routes!(availability))
        .routes(routes!(read_settings, write_settings))
        .routes(routes!(show))
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(end))
        .routes(routes!(transfer))
        .routes(routes!(email_transcript))
        .routes(routes!(accept_ticket))
        .routes(routes!(decline_ticket))
        // The widget calls some of these from host products' pages too.
        .layer(super::bot_api::widget_cors())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    /// available, away or offline.
    pub availability: String,
    /// Most live chats at once (0: unlimited).
    pub capacity: Option<i64>,
}

/// An operator sets their availability (and capacity).
#[utoipa::path(put, path = "/api/operator/availability", tag = "operators", request_body = Availability,
    responses((status = 200, body = Object), (status = 400), (status = 401), (status = 403)))]
pub async fn set_availability(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<Availability>,
) -> Result<Json<q::Presence>, ApiError> {
    let me = caller.require_staff()?;
    let body = json_body(body)?;
    let availability = body.availability.trim();
    if !matches!(availability, "available" | "away" | "offline") {
        return Err(ApiError::bad(
            "invalid",
            Some("availability"),
            "Use available, away or offline.",
        ));
    }
    if let Some(c) = body.capacity
        && !(0..=100).contains(&c)
    {
        return Err(ApiError::bad(
            "invalid",
            Some("capacity"),
            "Capacity is 0 (unlimited) to 100 chats.",
        ));
    }
    let t = now();
    let capacity = match (body.capacity, q::presence(&state.db, &me.id).await?) {
        (Some(c), _) => Some(c),
        // A first availability gets the admins' default capacity.
        (None, None) => Some(live_settings::get(&state.db).await?.default_capacity),
        (None, Some(_)) => None,
    };
    let presence = q::set_presence(&state.db, &me.id, availability, capacity, t).await?;
    // Coming back (or more room): take what waits at once.
    queue::slot_freed(&state.db, &me.id, t).await?;
    crate::tickets::dispatch::offer_waiting(&state.db, t).await?;
    Ok(Json(presence))
}

/// The caller's availability (offline until first set).
#[utoipa::path(get, path = "/api/operator/availability", tag = "operators",
    responses((status = 200, body = Object), (status = 401), (status = 403)))]
pub async fn my_availability(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let me = caller.require_staff()?;
    Ok(Json(match q::presence(&state.db, &me.id).await? {
        Some(p) => serde_json::to_value(p).map_err(|e| ApiError::Internal(e.to_string()))?,
        None => serde_json::json!({ "availability": "offline", "capacity": 5 }),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct QueuedChat {
    pub id: String,
    pub status: String,
    pub priority: String,
    pub waiting_secs: i64,
    pub user: String,
    /// Whether it is offered to the caller right now.
    pub offered_to_me: bool,
}

#[derive(Serialize, ToSchema)]
pub struct QueuedTicket {
    #[serde(flatten)]
    pub ticket: tickets_api::TicketSummary,
    pub assignee: Option<String>,
    /// No operator answer and the response target has passed.
    pub overdue: bool,
    /// Offered to the caller right now: accept or decline.
    pub offered_to_me: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Queue {
    pub chats: Vec<QueuedChat>,
    /// Unassigned tickets and assigned ones past their response target
    /// without an answer, most urgent response first.
    pub tickets: Vec<QueuedTicket>,
}

/// The queue: chat requests not yet taken and unassigned tickets, ordered
/// by priority and by how close each is to its target.
#[utoipa::path(get, path = "/api/queue", tag = "operators", responses((status = 200, body = Queue), (status = 401), (status = 403)))]
pub async fn read_queue(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Queue>, ApiError> {
    let me = caller.require_staff()?;
    let t = now();
    let mut chats = Vec::new();
    for r in q::open_requests(&state.db).await? {
        // A team's requests are for its members' eyes only.
        if !crate::live::chats::may_follow(&state.db, me, &r).await? {
            continue;
        }
        let user = users::by_id(&state.db, &r.user_id).await?;
        chats.push(QueuedChat {
            offered_to_me: r.offered_to.as_deref() == Some(me.id.as_str()),
            id: r.id,
            status: r.status,
            priority: r.priority.as_str().to_string(),
            waiting_secs: (t - r.created_at).max(0),
            user: user
                .map(|u| u.display_name().to_string())
                .unwrap_or_default(),
        });
    }
    let open = tickets::list(
        &state.db,
        &Scope::Everything,
        &Filter {
            statuses: vec![Status::New, Status::InAnalysis, Status::Assigned],
            sort: Sort::DueAsc,
            limit: 500,
            ..Filter::default()
        },
    )
    .await?;
    let mut tickets = Vec::new();
    for tk in &open {
        let overdue = tk.first_response_at.is_none() && tk.response_due_at < t;
        if tk.assignee_id.is_some() && !overdue {
            continue;
        }
        let assignee = match &tk.assignee_id {
            Some(a) => users::by_id(&state.db, a)
                .await?
                .map(|u| u.display_name().to_string()),
            None => None,
        };
        let offered_to_me = crate::store::ticket_offers::offered_to(&state.db, &tk.id)
            .await?
            .is_some_and(|o| o == me.id);
        tickets.push(QueuedTicket {
            ticket: tickets_api::summary_of(&state, tk),
            assignee,
            overdue,
            offered_to_me,
        });
    }
    Ok(Json(Queue { chats, tickets }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StartChat {
    /// The bot conversation that came before.
    pub conversation_id: Option<String>,
    /// Its key, from the bot's first answer.
    pub conversation_key: Option<String>,
    /// The ticket this chat is about.
    pub ticket: Option<i64>,
    /// A team's name (default: any operator).
    pub team: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ChatState {
    pub id: String,
    /// waiting, offered, active, ended or cancelled.
    pub status: String,
    /// Requests ahead of this one (0: next).
    pub position: i64,
    /// False when nobody could take it now: "All operators are busy".
    pub operators_available: bool,
    /// Seconds, from the recent rate at which requests were taken; none
    /// when too few were taken lately to tell.
    pub estimated_wait_secs: Option<i64>,
    pub operator: Option<String>,
    /// For operators: who is asking, and what came before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<ChatContext>,
}

#[derive(Serialize, ToSchema)]
pub struct ChatContext {
    pub user_name: String,
    pub user_email: String,
    /// The page the user was on (their bot conversation's last page).
    pub page_url: Option<String>,
    pub ticket_number: Option<i64>,
    /// The bot conversation before the escalation.
    #[schema(value_type = Vec<Object>)]
    pub conversation: Vec<crate::store::conversations::Message>,
    /// Earlier chats about the same ticket, oldest first.
    pub earlier_chats: Vec<EarlierChat>,
    /// The user's other tickets, most recently updated first.
    pub other_tickets: Vec<tickets_api::TicketSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct EarlierChat {
    pub id: String,
    pub created_at: i64,
    /// Their messages, as the WebSocket sends them.
    #[schema(value_type = Vec<Object>)]
    pub messages: Vec<serde_json::Value>,
}

async fn context(state: &AppState, r: &ChatRequest) -> Result<ChatContext, ApiError> {
    let user = users::by_id(&state.db, &r.user_id).await?;
    let conversation = match &r.conversation_id {
        Some(c) => crate::store::conversations::messages(&state.db, c).await?,
        None => Vec::new(),
    };
    let ticket_number = match &r.ticket_id {
        Some(t) => tickets::by_id(&state.db, t).await?.map(|t| t.number),
        None => None,
    };
    let mut earlier_chats = Vec::new();
    if let Some(ticket_id) = &r.ticket_id {
        for c in q::of_ticket(&state.db, ticket_id).await? {
            if c.id == r.id || c.created_at > r.created_at {
                continue;
            }
            let messages = crate::store::chat_messages::after(&state.db, &c.id, 0, 1000).await?;
            earlier_chats.push(EarlierChat {
                id: c.id,
                created_at: c.created_at,
                messages: messages
                    .iter()
                    .map(crate::live::chats::message_event)
                    .collect(),
            });
        }
    }
    let other_tickets = tickets::list(
        &state.db,
        &Scope::Requester {
            user_id: &r.user_id,
            shared_organisation: None,
        },
        &Filter {
            limit: 20,
            ..Filter::default()
        },
    )
    .await?
    .iter()
    .filter(|t| Some(&t.id) != r.ticket_id.as_ref())
    .map(|t| tickets_api::summary_of(state, t))
    .collect();
    Ok(ChatContext {
        other_tickets,
        earlier_chats,
        user_name: user
            .as_ref()
            .map(|u| u.display_name().to_string())
            .unwrap_or_default(),
        user_email: user.map(|u| u.email).unwrap_or_default(),
        page_url: conversation.iter().rev().find_map(|m| m.page_url.clone()),
        ticket_number,
        conversation,
    })
}

async fn chat_state(state: &AppState, r: &ChatRequest) -> Result<ChatState, ApiError> {
    let operator = match &r.operator_id {
        Some(o) => users::by_id(&state.db, o)
            .await?
            .map(|u| u.display_name().to_string()),
        None => None,
    };
    let open = matches!(r.status.as_str(), "waiting" | "offered");
    let available =
        !open || r.status == "offered" || !q::candidates(&state.db, r).await?.is_empty();
    let position = if open {
        q::position(&state.db, r).await?
    } else {
        0
    };
    let estimated_wait_secs = if open {
        queue::estimated_wait(&state.db, r.team_id.as_deref(), position, now()).await?
    } else {
        None
    };
    Ok(ChatState {
        id: r.id.clone(),
        status: r.status.clone(),
        position,
        estimated_wait_secs,
        operators_available: available,
        operator,
        context: None,
    })
}

/// A user asks to chat with a person; it is offered to an operator at once
/// when one is free.
#[utoipa::path(post, path = "/api/chats", tag = "operators", request_body = StartChat,
    responses((status = 201, body = ChatState), (status = 400), (status = 401), (status = 404), (status = 409, description = "live chat is off")))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<StartChat>,
) -> Result<(StatusCode, Json<ChatState>), ApiError> {
    let me = caller.require()?.clone();
    let body = json_body(body)?;
    let settings = live_settings::get(&state.db).await?;
    if !settings.chat_enabled {
        return Err(ApiError::Conflict(
            "Live chat is off at the moment; please leave a ticket.".into(),
        ));
    }
    let (ticket_id, priority, assignee) = match body.ticket {
        Some(n) => {
            let t = tickets_api::visible_ticket(&state, &me, &n.to_string()).await?;
            (Some(t.id), t.priority, t.assignee_id)
        }
        None => (None, Priority::Normal, None),
    };
    // The admins may reserve a ticket's chats to its assigned operator.
    let only_operator = if settings.chat_with == "assignee" {
        assignee
    } else {
        None
    };
    let team_id = match body
        .team
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(name) => Some(q::team_by_name(&state.db, name).await?.ok_or_else(|| {
            ApiError::bad(
                "unknown_team",
                Some("team"),
                format!("There is no team named {name}."),
            )
        })?),
        None => None,
    };
    let conversation_id = match body.conversation_id.as_deref() {
        Some(c) => Some(
            super::bot_api::owned_conversation(&state, c, &me, body.conversation_key.as_deref())
                .await?,
        ),
        None => None,
    };
    let t = now();
    let r = q::create_request(
        &state.db,
        &q::NewRequest {
            user_id: &me.id,
            team_id: team_id.as_deref(),
            only_operator: only_operator.as_deref(),
            ticket_id: ticket_id.as_deref(),
            conversation_id: conversation_id.as_deref(),
            priority,
            now: t,
        },
    )
    .await?;
    queue::dispatch(&state.db, &r, t).await?;
    let r = q::request(&state.db, &r.id).await?.unwrap_or(r);
    Ok((StatusCode::CREATED, Json(chat_state(&state, &r).await?)))
}

/// A chat request's state: position in the queue, operator.
#[utoipa::path(get, path = "/api/chats/{id}", tag = "operators", params(("id" = String, Path)),
    responses((status = 200, body = ChatState), (status = 401), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ChatState>, ApiError> {
    let r = followed_chat(&state, &caller, &id).await?;
    let mut s = chat_state(&state, &r).await?;
    if caller.user().is_some_and(|u| u.role().is_staff()) {
        s.context = Some(context(&state, &r).await?);
    }
    Ok(Json(s))
}

#[derive(Serialize, ToSchema)]
pub struct PastChat {
    pub id: String,
    pub status: String,
    pub created_at: i64,
    pub ended_at: Option<i64>,
    pub operator: Option<String>,
    pub ticket_number: Option<i64>,
}

/// The caller's own chats as a user, newest first (their history; the
/// messages are at `/api/chats/{id}/messages`).
#[utoipa::path(get, path = "/api/chats", tag = "operators",
    responses((status = 200, body = [PastChat]), (status = 401)))]
pub async fn mine(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PastChat>>, ApiError> {
    let me = caller.require()?;
    let mut out = Vec::new();
    for c in q::of_user(&state.db, &me.id).await? {
        let operator = match &c.operator_id {
            Some(o) => users::by_id(&state.db, o)
                .await?
                .map(|u| u.display_name().to_string()),
            None => None,
        };
        let ticket_number = match &c.ticket_id {
            Some(t) => tickets::by_id(&state.db, t).await?.map(|t| t.number),
            None => None,
        };
        out.push(PastChat {
            id: c.id,
            status: c.status,
            created_at: c.created_at,
            ended_at: c.ended_at,
            operator,
            ticket_number,
        });
    }
    Ok(Json(out))
}

/// The caller's live chats (an operator's tabs).
#[utoipa::path(get, path = "/api/operator/chats", tag = "operators",
    responses((status = 200, body = [ChatState]), (status = 401), (status = 403)))]
pub async fn my_chats(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ChatState>>, ApiError> {
    let me = caller.require_staff()?;
    let mut out = Vec::new();
    for r in q::active(&state.db)
        .await?
        .iter()
        .filter(|r| r.operator_id.as_deref() == Some(me.id.as_str()))
    {
        let mut s = chat_state(&state, r).await?;
        s.context = Some(context(&state, r).await?);
        out.push(s);
    }
    Ok(Json(out))
}

/// An operator takes a chat request; of two at once, exactly one wins.
#[utoipa::path(post, path = "/api/chats/{id}/accept", tag = "operators", params(("id" = String, Path)),
    responses((status = 200, body = ChatState), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ChatState>, ApiError> {
    let me = caller.require_staff()?.clone();
    let r = followed_chat(&state, &caller, &id).await?;
    if let Some(p) = q::presence(&state.db, &me.id).await?
        && p.capacity > 0
        && q::candidates(&state.db, &r)
            .await?
            .iter()
            .any(|c| c.user_id == me.id && c.active >= c.capacity)
    {
        return Err(ApiError::Conflict(
            "You are at your capacity of live chats; end one first.".into(),
        ));
    }
    if !q::take(&state.db, &r.id, &me.id, now()).await? {
        return Err(ApiError::Conflict(
            "Someone else took this chat, or it ended.".into(),
        ));
    }
    let r = q::request(&state.db, &r.id).await?.unwrap_or(r);
    Ok(Json(chat_state(&state, &r).await?))
}

/// The offered operator declines; the request goes to the next one.
#[utoipa::path(post, path = "/api/chats/{id}/decline", tag = "operators", params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn decline(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let me = caller.require_staff()?.clone();
    let r = followed_chat(&state, &caller, &id).await?;
    if !queue::decline(&state.db, &r.id, &me.id, now()).await? {
        return Err(ApiError::Conflict(
            "This chat is not offered to you.".into(),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The user or the operator ends the chat (or the user gives up waiting).
#[utoipa::path(post, path = "/api/chats/{id}/end", tag = "operators", params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn end(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let me = caller.require()?.clone();
    let r = followed_chat(&state, &caller, &id).await?;
    if me.role().is_staff()
        && r.user_id != me.id
        && r.operator_id.as_deref() != Some(me.id.as_str())
    {
        return Err(ApiError::Forbidden(
            "Only the chat's operator can end it.".into(),
        ));
    }
    let reason = if r.user_id == me.id {
        "user"
    } else {
        "operator"
    };
    if !crate::live::chats::end_chat(&state.desk, &state.bus, &r, reason, now()).await? {
        return Err(ApiError::Conflict("This chat is already over.".into()));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The operator's email, or
    pub operator: Option<String>,
    /// a team's name (the chat goes back to the queue for that team).
    pub team: Option<String>,
}

/// The chat's operator hands it to another operator or team.
#[utoipa::path(post, path = "/api/chats/{id}/transfer", tag = "operators", params(("id" = String, Path)),
    request_body = Transfer, responses((status = 200, body = ChatState), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn transfer(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    body: JsonBody<Transfer>,
) -> Result<Json<ChatState>, ApiError> {
    let me = caller.require_staff()?.clone();
    let body = json_body(body)?;
    let r = followed_chat(&state, &caller, &id).await?;
    if r.operator_id.as_deref() != Some(me.id.as_str()) {
        return Err(ApiError::Forbidden(
            "Only the chat's operator can transfer it.".into(),
        ));
    }
    let t = now();
    let note = match (body.operator.as_deref(), body.team.as_deref()) {
        (Some(email), None) => {
            let to = users::by_email(&state.db, &email.trim().to_lowercase())
                .await?
                .filter(|u| u.role().is_staff())
                .ok_or_else(|| {
                    ApiError::bad(
                        "unknown_operator",
                        Some("operator"),
                        format!("No operator has the email {email}."),
                    )
                })?;
            if !q::transfer(&state.db, &r.id, &me.id, &to.id, t).await? {
                return Err(ApiError::Conflict(
                    "This chat is no longer yours to transfer.".into(),
                ));
            }
            format!(
                "{} transferred the chat to {}.",
                me.display_name(),
                to.display_name()
            )
        }
        (None, Some(team)) => {
            let team_id = q::team_by_name(&state.db, team.trim())
                .await?
                .ok_or_else(|| {
                    ApiError::bad(
                        "unknown_team",
                        Some("team"),
                        format!("There is no team named {team}."),
                    )
                })?;
            if !q::requeue(&state.db, &r.id, &team_id).await? {
                return Err(ApiError::Conflict(
                    "This chat is no longer yours to transfer.".into(),
                ));
            }
            if let Some(r) = q::request(&state.db, &r.id).await? {
                queue::dispatch(&state.db, &r, t).await?;
            }
            queue::slot_freed(&state.db, &me.id, t).await?;
            format!(
                "{} transferred the chat to the {} team.",
                me.display_name(),
                team.trim()
            )
        }
        _ => {
            return Err(ApiError::bad(
                "invalid",
                None,
                "Give either an operator's email or a team's name.",
            ));
        }
    };
    crate::live::chats::system_message(&state.desk, &state.bus, &r.id, &note, t).await?;
    let r = q::request(&state.db, &r.id).await?.unwrap_or(r);
    Ok(Json(chat_state(&state, &r).await?))
}

/// Emails the chat's transcript to its user.
#[utoipa::path(post, path = "/api/chats/{id}/email-transcript", tag = "operators", params(("id" = String, Path)),
    responses((status = 202), (status = 401), (status = 404)))]
pub async fn email_transcript(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let r = followed_chat(&state, &caller, &id).await?;
    let user = users::by_id(&state.db, &r.user_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("The chat's user no longer exists.".into()))?;
    let transcript = crate::live::chats::transcript_text(&state.desk, &r.id).await?;
    let mut conn = state
        .db
        .acquire()
        .await
        .map_err(crate::store::StoreError::from)?;
    crate::mail::queue::for_user(
        &mut conn,
        &user,
        &crate::mail::Notification::ChatTranscript { transcript },
        now(),
    )
    .await?;
    state.desk.mail_wakeup.notify_one();
    Ok(StatusCode::ACCEPTED)
}

#[derive(Serialize, ToSchema)]
pub struct ChatAvailability {
    pub chat_enabled: bool,
    /// At least one operator is available now (for requests without a team).
    pub operators_available: bool,
}

/// Whether the widget may offer a live chat now.
#[utoipa::path(get, path = "/api/chats/availability", tag = "operators", responses((status = 200, body = ChatAvailability)))]
pub async fn availability(
    State(state): State<AppState>,
) -> Result<Json<ChatAvailability>, ApiError> {
    let settings = live_settings::get(&state.db).await?;
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM operator_presence p JOIN users u ON u.id = p.user_id \
         WHERE p.availability = 'available' AND u.role IN ('operator', 'admin')",
    )
    .fetch_one(&state.db)
    .await
    .map_err(crate::store::StoreError::from)?;
    Ok(Json(ChatAvailability {
        chat_enabled: settings.chat_enabled,
        operators_available: settings.chat_enabled && n > 0,
    }))
}

/// The live-chat settings (admins).
#[utoipa::path(get, path = "/api/admin/live-settings", tag = "operators",
    responses((status = 200, body = live_settings::LiveSettings), (status = 401), (status = 403)))]
pub async fn read_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<live_settings::LiveSettings>, ApiError> {
    caller.require_admin()?;
    Ok(Json(live_settings::get(&state.db).await?))
}

/// Changes the live-chat settings (admins); every value is checked.
#[utoipa::path(put, path = "/api/admin/live-settings", tag = "operators", request_body = live_settings::LiveSettings,
    responses((status = 200, body = live_settings::LiveSettings), (status = 400), (status = 401), (status = 403)))]
pub async fn write_settings(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<live_settings::LiveSettings>,
) -> Result<Json<live_settings::LiveSettings>, ApiError> {
    caller.require_admin()?;
    let s = json_body(body)?;
    if !matches!(s.chat_with.as_str(), "team" | "assignee") {
        return Err(ApiError::bad(
            "invalid",
            Some("chat_with"),
            "Use team or assignee.",
        ));
    }
    let checks: [(&'static str, i64, i64, i64); 5] = [
        ("accept_timeout_secs", s.accept_timeout_secs, 10, 3600),
        ("idle_timeout_secs", s.idle_timeout_secs, 30, 86_400),
        ("auto_ticket_secs", s.auto_ticket_secs, 10, 86_400),
        ("offline_after_secs", s.offline_after_secs, 10, 86_400),
        ("default_capacity", s.default_capacity, 0, 100),
    ];
    for (field, value, min, max) in checks {
        if !(min..=max).contains(&value) {
            return Err(ApiError::bad(
                "invalid",
                Some(field),
                format!("{field} must be between {min} and {max}."),
            ));
        }
    }
    live_settings::set(&state.db, &s).await?;
    Ok(Json(s))
}

/// An operator takes a ticket offered to them (new, or overdue with another
/// operator), or a new one offered to nobody: it is assigned to them.
#[utoipa::path(post, path = "/api/tickets/{number}/accept", tag = "operators", params(("number" = i64, Path, example = 1001)),
    responses((status = 200, body = tickets_api::TicketSummary), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn accept_ticket(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<tickets_api::TicketSummary>, ApiError> {
    let me = caller.require_staff()?.clone();
    let t = tickets_api::visible_ticket(&state, &me, &number).await?;
    let t = crate::tickets::workflow::take(&state.desk, &t, &me).await?;
    Ok(Json(tickets_api::summary_of(&state, &t)))
}

/// The offered operator declines the ticket; it goes to the next one.
#[utoipa::path(post, path = "/api/tickets/{number}/decline", tag = "operators", params(("number" = i64, Path, example = 1001)),
    responses((status = 204), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn decline_ticket(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(number): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let me = caller.require_staff()?.clone();
    let t = tickets_api::visible_ticket(&state, &me, &number).await?;
    if !crate::tickets::dispatch::decline(&state.db, &t.id, &me.id, now()).await? {
        return Err(ApiError::Conflict(
            "This ticket is not offered to you.".into(),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}
