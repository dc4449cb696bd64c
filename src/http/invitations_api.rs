//! An operator invites a ticket's user to chat; the user accepts or
//! declines from their widget (the rules are in `live::invitations`).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiPath};
use super::tickets_api;
use crate::live::invitations::{self as invitations, VALID_SECS};
use crate::store::invitations::{self as store, Invitation};
use crate::store::users::User;
use crate::store::{now, tickets, users};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(invite))
        .routes(routes!(mine))
        .routes(routes!(show))
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(cancel))
        .layer(super::bot_api::widget_cors())
}

#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    pub id: String,
    /// pending, accepted, declined, expired or cancelled.
    pub status: String,
    /// The ticket's number.
    pub ticket: i64,
    /// Who would like to chat.
    pub operator: String,
    /// The chat, once accepted.
    pub chat_id: Option<String>,
    pub created_at: i64,
    /// After this the invitation lapses.
    pub expires_at: i64,
}

async fn view(state: &AppState, inv: &Invitation) -> Result<InvitationView, ApiError> {
    let operator = users::by_id(&state.db, &inv.operator_id)
        .await?
        .map(|u| u.display_name().to_string())
        .unwrap_or_default();
    let ticket = tickets::by_id(&state.db, &inv.ticket_id)
        .await?
        .map(|t| t.number)
        .unwrap_or(0);
    Ok(InvitationView {
        id: inv.id.clone(),
        status: invitations::status_at(inv, now()).to_string(),
        ticket,
        operator,
        chat_id: inv.chat_id.clone(),
        created_at: inv.created_at,
        expires_at: inv.created_at + VALID_SECS,
    })
}

/// The invitation, if the caller is its user or its operator.
async fn visible(state: &AppState, me: &User, id: &str) -> Result<Invitation, ApiError> {
    let not_found = || ApiError::NotFound("There is no such invitation for you.".into());
    if !crate::ids::is_id(id) {
        return Err(not_found());
    }
    store::by_id(&state.db, id)
        .await?
        .filter(|i| i.user_id == me.id || i.operator_id == me.id)
        .ok_or_else(not_found)
}

/// An operator asks the ticket's user to chat (they have two minutes to accept).
#[utoipa::path(post, path = "/api/tickets/{number}/chat-invitations", tag = "operators",
    params(("number" = i64, Path, example = 1001)),
    responses((status = 201, body = InvitationView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(number): ApiPath<String>,
) -> Result<(StatusCode, Json<InvitationView>), ApiError> {
    let me = caller.require_staff()?.clone();
    let ticket = tickets_api::visible_ticket(&state, &me, &number).await?;
    let inv = invitations::invite(&state.desk, &state.bus, &me, &ticket, now()).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &inv).await?)))
}

/// Invitations to chat waiting for the caller's answer.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MineQuery {
    /// `true`: the invitations the caller sent (an operator's, still waiting)
    /// rather than those waiting for the caller's answer.
    #[serde(default)]
    sent: bool,
}

/// Invitations waiting for the caller's answer, or with `?sent=true` those
/// the caller sent that wait for the user's.
#[utoipa::path(get, path = "/api/chat-invitations", tag = "operators", params(("sent" = Option<bool>, Query)),
    responses((status = 200, body = [InvitationView]), (status = 400), (status = 401)))]
pub async fn mine(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<MineQuery>, QueryRejection>,
) -> Result<Json<Vec<InvitationView>>, ApiError> {
    let me = caller.require()?;
    let Query(query) = query.map_err(|e| {
        ApiError::bad(
            "invalid_query",
            Some("sent"),
            format!("sent must be true or false: {}", e.body_text()),
        )
    })?;
    let party = if query.sent {
        store::Party::Operator
    } else {
        store::Party::User
    };
    let found = invitations::pending_of(&state.desk, party, me, now()).await?;
    let mut out = Vec::new();
    for inv in &found {
        out.push(view(&state, inv).await?);
    }
    Ok(Json(out))
}

/// One invitation (its user or its operator): the operator follows it here
/// while "Connecting…".
#[utoipa::path(get, path = "/api/chat-invitations/{id}", tag = "operators", params(("id" = String, Path)),
    responses((status = 200, body = InvitationView), (status = 401), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<InvitationView>, ApiError> {
    let me = caller.require()?;
    let inv = visible(&state, me, &id).await?;
    Ok(Json(view(&state, &inv).await?))
}

async fn users_own(state: &AppState, caller: &Caller, id: &str) -> Result<Invitation, ApiError> {
    let me = caller.require()?;
    let inv = visible(state, me, id).await?;
    if inv.user_id != me.id {
        return Err(ApiError::Forbidden(
            "Only the invited user answers an invitation.".into(),
        ));
    }
    Ok(inv)
}

/// The user accepts: the chat with the operator begins (`chat_id`).
#[utoipa::path(post, path = "/api/chat-invitations/{id}/accept", tag = "operators", params(("id" = String, Path)),
    responses((status = 200, body = InvitationView), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<InvitationView>, ApiError> {
    let inv = users_own(&state, &caller, &id).await?;
    let ticket = tickets::by_id(&state.db, &inv.ticket_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("This invitation's ticket no longer exists.".into()))?;
    let inv = invitations::accept(&state.desk, &state.bus, &inv, &ticket, now()).await?;
    Ok(Json(view(&state, &inv).await?))
}

/// The user declines.
#[utoipa::path(post, path = "/api/chat-invitations/{id}/decline", tag = "operators", params(("id" = String, Path)),
    responses((status = 200, body = InvitationView), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn decline(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<InvitationView>, ApiError> {
    let inv = users_own(&state, &caller, &id).await?;
    let inv = invitations::close(&state.desk, &state.bus, &inv, "declined", now()).await?;
    Ok(Json(view(&state, &inv).await?))
}

/// The operator withdraws the invitation.
#[utoipa::path(post, path = "/api/chat-invitations/{id}/cancel", tag = "operators", params(("id" = String, Path)),
    responses((status = 200, body = InvitationView), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<InvitationView>, ApiError> {
    let me = caller.require()?;
    let inv = visible(&state, me, &id).await?;
    if inv.operator_id != me.id {
        return Err(ApiError::Forbidden(
            "Only the operator who invited can withdraw the invitation.".into(),
        ));
    }
    let inv = invitations::close(&state.desk, &state.bus, &inv, "cancelled", now()).await?;
    Ok(Json(view(&state, &inv).await?))
}
