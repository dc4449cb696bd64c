//! What operators do outside a chat: set their availability, read the
//! queue of chat requests and tickets, and accept or decline a ticket
//! offered to them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiPath};
use super::session_api::{JsonBody, json_body};
use super::tickets_api;
use crate::live::{overview, presence};
use crate::store::now;
use crate::store::queue::{self as q, Presence};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_availability, my_availability))
        .routes(routes!(read_queue))
        .routes(routes!(accept_ticket))
        .routes(routes!(decline_ticket))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetAvailability {
    /// available, away or offline.
    pub availability: String,
    /// Most live chats at once (0: unlimited).
    pub capacity: Option<i64>,
}

/// An operator sets their availability (and capacity).
#[utoipa::path(put, path = "/api/operator/availability", tag = "operators", request_body = SetAvailability,
    responses((status = 200, body = Presence), (status = 400), (status = 401), (status = 403)))]
pub async fn set_availability(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<SetAvailability>,
) -> Result<Json<Presence>, ApiError> {
    let me = caller.require_staff()?;
    let body = json_body(body)?;
    let availability = q::Availability::parse(body.availability.trim()).ok_or_else(|| {
        ApiError::bad(
            "invalid",
            Some("availability"),
            "Use available, away or offline.",
        )
    })?;
    let p = presence::set(&state.db, me, availability, body.capacity, now()).await?;
    Ok(Json(p))
}

/// The caller's availability (offline until first set).
#[utoipa::path(get, path = "/api/operator/availability", tag = "operators",
    responses((status = 200, body = Presence), (status = 401), (status = 403)))]
pub async fn my_availability(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Presence>, ApiError> {
    let me = caller.require_staff()?;
    Ok(Json(presence::of(&state.db, me).await?))
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
    let o = overview::waiting(&state.db, me, t).await?;
    Ok(Json(Queue {
        chats: o
            .chats
            .into_iter()
            .map(|c| QueuedChat {
                id: c.request.id,
                status: c.request.status,
                priority: c.request.priority.as_str().to_string(),
                waiting_secs: (t - c.request.created_at).max(0),
                user: c.user,
                offered_to_me: c.offered_to_me,
            })
            .collect(),
        tickets: o
            .tickets
            .into_iter()
            .map(|w| QueuedTicket {
                ticket: tickets_api::summary_of(&state, &w.ticket),
                assignee: w.assignee,
                overdue: w.overdue,
                offered_to_me: w.offered_to_me,
            })
            .collect(),
    }))
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
