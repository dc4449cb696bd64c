//! The life of a chat request over JSON: a user starts one and follows its
//! place in the queue, an operator accepts or declines it, transfers it or
//! ends it, and the user's history. The rules are in `live::requests`;
//! real-time delivery (WebSockets) is in `live_chat`.

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
use crate::accounts::Email;
use crate::live::requests::{self, Context, NewChat, Progress, TransferTo};
use crate::live::{chats, presence};
use crate::store::now;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_chats))
        .routes(routes!(start, mine))
        .routes(routes!(availability))
        .routes(routes!(search))
        .routes(routes!(show))
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(end))
        .routes(routes!(transfer))
        .routes(routes!(email_transcript))
        // The widget calls these from host products' pages too.
        .layer(super::bot_api::widget_cors())
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

/// What a follower sees of a chat's progress (and, for operators, its
/// context).
fn state_of(state: &AppState, p: Progress, context: Option<Context>) -> ChatState {
    ChatState {
        id: p.request.id,
        status: p.request.status,
        position: p.position,
        operators_available: p.operators_available,
        estimated_wait_secs: p.estimated_wait_secs,
        operator: p.operator,
        context: context.map(|c| context_of(state, c)),
    }
}

fn context_of(state: &AppState, c: Context) -> ChatContext {
    ChatContext {
        page_url: c.page_url().map(str::to_string),
        user_name: c
            .user
            .as_ref()
            .map(|u| u.display_name().to_string())
            .unwrap_or_default(),
        user_email: c.user.map(|u| u.email).unwrap_or_default(),
        ticket_number: c.ticket_number,
        earlier_chats: c
            .earlier_chats
            .into_iter()
            .map(|(chat, messages)| EarlierChat {
                id: chat.id,
                created_at: chat.created_at,
                messages: messages.iter().map(chats::message_event).collect(),
            })
            .collect(),
        other_tickets: c
            .other_tickets
            .iter()
            .map(|t| tickets_api::summary_of(state, t))
            .collect(),
        conversation: c.conversation,
    }
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
    let me = caller.require()?;
    let body = json_body(body)?;
    let ticket = match body.ticket {
        Some(n) => Some(tickets_api::visible_ticket(&state, me, &n.to_string()).await?),
        None => None,
    };
    let conversation_id = match body.conversation_id.as_deref() {
        Some(c) => Some(
            super::bot_api::owned_conversation(&state, c, me, body.conversation_key.as_deref())
                .await?,
        ),
        None => None,
    };
    let new = NewChat {
        user: me,
        ticket: ticket.as_ref(),
        team: body.team.as_deref(),
        conversation_id: conversation_id.as_deref(),
    };
    let p = requests::start(&state.db, &new, now()).await?;
    Ok((StatusCode::CREATED, Json(state_of(&state, p, None))))
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
    let context = if caller.user().is_some_and(|u| u.role().is_staff()) {
        Some(requests::context(&state.db, &r).await?)
    } else {
        None
    };
    let p = requests::progress(&state.db, r, now()).await?;
    Ok(Json(state_of(&state, p, context)))
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
    let history = requests::history(&state.db, me).await?;
    Ok(Json(
        history
            .into_iter()
            .map(|c| PastChat {
                id: c.request.id,
                status: c.request.status,
                created_at: c.request.created_at,
                ended_at: c.request.ended_at,
                operator: c.operator,
                ticket_number: c.ticket_number,
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Part of the user's name or email (at least two characters).
    pub q: String,
}

/// A chat found by its user.
#[derive(Serialize, ToSchema)]
pub struct FoundChat {
    pub id: String,
    pub status: String,
    pub created_at: i64,
    pub ended_at: Option<i64>,
    pub user_name: String,
    pub user_email: String,
    pub operator: Option<String>,
    pub ticket_number: Option<i64>,
}

/// Chats by their user's name or email, newest first (staff: the chats
/// they may open).
#[utoipa::path(get, path = "/api/chats/search", tag = "operators",
    params(("q" = String, Query, description = "part of the user's name or email")),
    responses((status = 200, body = [FoundChat]), (status = 400), (status = 401), (status = 403)))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<axum::extract::Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<FoundChat>>, ApiError> {
    let me = caller.require_staff()?;
    let axum::extract::Query(query) =
        query.map_err(|e| ApiError::bad("invalid", Some("q"), e.body_text()))?;
    if query.q.chars().count() > 200 {
        return Err(ApiError::bad(
            "invalid",
            Some("q"),
            "Search with at most 200 characters.",
        ));
    }
    let found = requests::search_by_user(&state.db, me, &query.q).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|f| FoundChat {
                id: f.chat.request.id,
                status: f.chat.request.status,
                created_at: f.chat.request.created_at,
                ended_at: f.chat.request.ended_at,
                user_name: f.user_name,
                user_email: f.user_email,
                operator: f.chat.operator,
                ticket_number: f.chat.ticket_number,
            })
            .collect(),
    ))
}

/// The caller's live chats (an operator's tabs).
#[utoipa::path(get, path = "/api/operator/chats", tag = "operators",
    responses((status = 200, body = [ChatState]), (status = 401), (status = 403)))]
pub async fn my_chats(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ChatState>>, ApiError> {
    let me = caller.require_staff()?;
    let chats = requests::of_operator(&state.db, me, now()).await?;
    Ok(Json(
        chats
            .into_iter()
            .map(|(p, c)| state_of(&state, p, Some(c)))
            .collect(),
    ))
}

/// An operator takes a chat request; of two at once, exactly one wins.
#[utoipa::path(post, path = "/api/chats/{id}/accept", tag = "operators", params(("id" = String, Path)),
    responses((status = 200, body = ChatState), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ChatState>, ApiError> {
    let me = caller.require_staff()?;
    let r = followed_chat(&state, &caller, &id).await?;
    let p = requests::accept(&state.db, r, me, now()).await?;
    Ok(Json(state_of(&state, p, None)))
}

/// The offered operator declines; the request goes to the next one.
#[utoipa::path(post, path = "/api/chats/{id}/decline", tag = "operators", params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn decline(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let me = caller.require_staff()?;
    let r = followed_chat(&state, &caller, &id).await?;
    requests::decline(&state.db, &r, me, now()).await?;
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
    let me = caller.require()?;
    let r = followed_chat(&state, &caller, &id).await?;
    requests::end(&state.desk, &state.bus, &r, me, now()).await?;
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
    let me = caller.require_staff()?;
    let body = json_body(body)?;
    let r = followed_chat(&state, &caller, &id).await?;
    let email;
    let to = match (body.operator.as_deref(), body.team.as_deref()) {
        (Some(raw), None) => {
            // Not an address: no operator has it either (the same refusal).
            email = Email::parse(raw)
                .map_err(|_| requests::ChatError::UnknownOperator(raw.to_string()))?;
            TransferTo::Operator(&email)
        }
        (None, Some(team)) => TransferTo::Team(team),
        _ => {
            return Err(ApiError::bad(
                "invalid",
                None,
                "Give either an operator's email or a team's name.",
            ));
        }
    };
    let p = requests::transfer(&state.desk, &state.bus, r, me, to, now()).await?;
    Ok(Json(state_of(&state, p, None)))
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
    requests::email_transcript(&state.desk, &r, now()).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Serialize, ToSchema)]
pub struct ChatAvailability {
    pub chat_enabled: bool,
    /// At least one operator is available now (for requests without a team).
    pub operators_available: bool,
    /// How long users usually wait for an operator (the median of the last
    /// week's taken requests, seconds); none when too few to say.
    pub typical_wait_secs: Option<i64>,
}

/// Whether the widget may offer a live chat now.
#[utoipa::path(get, path = "/api/chats/availability", tag = "operators", responses((status = 200, body = ChatAvailability)))]
pub async fn availability(
    State(state): State<AppState>,
) -> Result<Json<ChatAvailability>, ApiError> {
    let offer = presence::chat_offer(&state.db, crate::store::now()).await?;
    Ok(Json(ChatAvailability {
        chat_enabled: offer.enabled,
        operators_available: offer.someone_available,
        typical_wait_secs: offer.typical_wait_secs,
    }))
}
