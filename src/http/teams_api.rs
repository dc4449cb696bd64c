//! Admins manage operators' teams: list, create, add and remove members.

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
use crate::accounts::Email;
use crate::live::teams::{self, TeamError};
use crate::store::{now, queue};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(add_member, remove_member))
}

impl From<TeamError> for ApiError {
    fn from(e: TeamError) -> Self {
        match e {
            TeamError::Store(s) => s.into(),
            TeamError::Exists(_) => ApiError::Conflict(e.to_string()),
            TeamError::NoTeam(_) | TeamError::NotMember(..) => ApiError::NotFound(e.to_string()),
            TeamError::BadName => ApiError::bad("invalid", Some("name"), e.to_string()),
            TeamError::NoUser(_) | TeamError::NotStaff(_) => {
                ApiError::bad("invalid", Some("email"), e.to_string())
            }
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Team {
    pub name: String,
    /// Members' emails.
    pub members: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    pub name: String,
}

/// The teams and their members (admins).
#[utoipa::path(get, path = "/api/admin/teams", tag = "operators",
    responses((status = 200, body = [Team]), (status = 401), (status = 403)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Team>>, ApiError> {
    caller.require_admin()?;
    Ok(Json(
        queue::teams_with_members(&state.db)
            .await?
            .into_iter()
            .map(|(name, members)| Team { name, members })
            .collect(),
    ))
}

/// Creates a team (admins).
#[utoipa::path(post, path = "/api/admin/teams", tag = "operators", request_body = NewTeam,
    responses((status = 201, body = Team), (status = 400), (status = 401), (status = 403), (status = 409)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<NewTeam>,
) -> Result<(StatusCode, Json<Team>), ApiError> {
    caller.require_admin()?;
    let body = json_body(body)?;
    let name = teams::create(&state.db, &body.name, now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(Team {
            name,
            members: Vec::new(),
        }),
    ))
}

/// Adds an operator or admin to a team (admins).
#[utoipa::path(put, path = "/api/admin/teams/{name}/members/{email}", tag = "operators",
    params(("name" = String, Path), ("email" = String, Path)),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((name, email)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require_admin()?;
    teams::add_member(&state.db, &name, &Email::parse(&email)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member from a team (admins).
#[utoipa::path(delete, path = "/api/admin/teams/{name}/members/{email}", tag = "operators",
    params(("name" = String, Path), ("email" = String, Path)),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((name, email)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require_admin()?;
    teams::remove_member(&state.db, &name, &Email::parse(&email)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
