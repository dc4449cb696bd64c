//! Operators' saved replies: list and manage them, and get them filled in
//! for a chat (what the composer's `/` menu shows).

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
use crate::live::canned::{self, Canned, CannedError};
use crate::store::now;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update, delete))
        .routes(routes!(for_chat))
}

impl From<CannedError> for ApiError {
    fn from(e: CannedError) -> Self {
        match e {
            CannedError::Store(s) => s.into(),
            CannedError::BadShortcut => ApiError::bad("invalid", Some("shortcut"), e.to_string()),
            CannedError::BadText | CannedError::UnknownPlaceholder(_) => {
                ApiError::bad("invalid", Some("text"), e.to_string())
            }
            CannedError::NoTeam(_) => ApiError::bad("invalid", Some("team"), e.to_string()),
            CannedError::NotYourTeam(_) => ApiError::Forbidden(e.to_string()),
            CannedError::Exists(_) => ApiError::Conflict(e.to_string()),
            CannedError::NotFound => ApiError::NotFound(e.to_string()),
        }
    }
}

/// A saved reply.
#[derive(Serialize, ToSchema)]
pub struct CannedResponse {
    pub id: String,
    /// Typed after `/` in the composer.
    pub shortcut: String,
    /// The reply; in a chat's list, with its placeholders filled in.
    pub text: String,
    /// The team sharing it; null: every operator.
    pub team: Option<String>,
}

impl From<Canned> for CannedResponse {
    fn from(c: Canned) -> Self {
        CannedResponse {
            id: c.id,
            shortcut: c.shortcut,
            text: c.text,
            team: c.team,
        }
    }
}

/// A new saved reply. `text` may hold the placeholders `{{user.name}}`,
/// `{{user.first_name}}`, `{{operator.name}}` and `{{ticket.number}}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCannedResponse {
    pub shortcut: String,
    pub text: String,
    /// A team's name (its members use it); absent or null: every operator.
    pub team: Option<String>,
}

/// A saved reply's new shortcut and text (its team stays).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedEdit {
    pub shortcut: String,
    pub text: String,
}

/// The saved replies the caller may use: every operator's and their teams'
/// (admins: all).
#[utoipa::path(get, path = "/api/canned-responses", tag = "operators",
    responses((status = 200, body = [CannedResponse]), (status = 401), (status = 403)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<CannedResponse>>, ApiError> {
    let me = caller.require_staff()?;
    let all = canned::list(&state.db, me).await?;
    Ok(Json(all.into_iter().map(CannedResponse::from).collect()))
}

/// Saves a reply for a team (its members and admins) or for every operator.
#[utoipa::path(post, path = "/api/canned-responses", tag = "operators", request_body = NewCannedResponse,
    responses((status = 201, body = CannedResponse), (status = 400), (status = 401), (status = 403), (status = 409)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<NewCannedResponse>,
) -> Result<(StatusCode, Json<CannedResponse>), ApiError> {
    let me = caller.require_staff()?;
    let body = json_body(body)?;
    let made = canned::create(
        &state.db,
        me,
        body.team.as_deref(),
        &body.shortcut,
        &body.text,
        now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(made.into())))
}

/// Changes a saved reply's shortcut and text.
#[utoipa::path(put, path = "/api/canned-responses/{id}", tag = "operators", request_body = CannedEdit,
    params(("id" = String, Path)),
    responses((status = 200, body = CannedResponse), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    body: JsonBody<CannedEdit>,
) -> Result<Json<CannedResponse>, ApiError> {
    let me = caller.require_staff()?;
    let body = json_body(body)?;
    let changed = canned::update(&state.db, me, &id, &body.shortcut, &body.text, now()).await?;
    Ok(Json(changed.into()))
}

/// Deletes a saved reply.
#[utoipa::path(delete, path = "/api/canned-responses/{id}", tag = "operators",
    params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let me = caller.require_staff()?;
    canned::delete(&state.db, me, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The saved replies for one chat, placeholders filled in for its user,
/// the caller and its ticket (the composer's `/` menu).
#[utoipa::path(get, path = "/api/chats/{id}/canned-responses", tag = "operators",
    params(("id" = String, Path)),
    responses((status = 200, body = [CannedResponse]), (status = 401), (status = 403), (status = 404)))]
pub async fn for_chat(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<CannedResponse>>, ApiError> {
    let me = caller.require_staff()?;
    let chat = followed_chat(&state, &caller, &id).await?;
    let all = canned::for_chat(&state.db, me, &chat).await?;
    Ok(Json(all.into_iter().map(CannedResponse::from).collect()))
}
