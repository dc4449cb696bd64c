//! The portal's "My account" and support hours as JSON: read and change
//! one's name, language and notification preferences, change the password,
//! and read the organisation's support-hours balance by month.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{self, Caller};
use super::error::ApiError;
use super::session_api::{self, JsonBody, json_body};
use crate::accounts::password;
use crate::store::{now, organisations, users};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(read, update))
        .routes(routes!(change_password))
        .routes(routes!(hours))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Account {
    /// Read-only here.
    #[serde(default)]
    pub email: String,
    pub name: String,
    /// en, fr or ro: the language of emails.
    pub locale: String,
    pub notify_status: bool,
    pub notify_replies: bool,
}

/// The caller's account settings.
#[utoipa::path(get, path = "/api/account", tag = "accounts", responses((status = 200, body = Account), (status = 401)))]
pub async fn read(caller: Caller) -> Result<Json<Account>, ApiError> {
    let u = caller.require()?;
    Ok(Json(Account {
        email: u.email.clone(),
        name: u.name.clone(),
        locale: u.locale.clone(),
        notify_status: u.notify_status,
        notify_replies: u.notify_replies,
    }))
}

/// Changes name, language and notification preferences.
#[utoipa::path(put, path = "/api/account", tag = "accounts", request_body = Account,
    responses((status = 200, body = Account), (status = 400), (status = 401)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<Account>,
) -> Result<Json<Account>, ApiError> {
    let u = caller.require()?.clone();
    let mut a = json_body(body)?;
    if !matches!(a.locale.as_str(), "en" | "fr" | "ro") {
        return Err(ApiError::bad(
            "invalid",
            Some("locale"),
            "Use en, fr or ro.",
        ));
    }
    a.name = a.name.trim().chars().filter(|c| !c.is_control()).collect();
    if a.name.chars().count() > 200 {
        return Err(ApiError::bad(
            "too_long",
            Some("name"),
            "Please keep the name under 200 characters.",
        ));
    }
    users::update_preferences(
        &state.db,
        &u.id,
        &users::Preferences {
            name: &a.name,
            locale: &a.locale,
            notify_status: a.notify_status,
            notify_replies: a.notify_replies,
        },
    )
    .await?;
    a.email = u.email;
    Ok(Json(a))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// Changes the password (the current one is asked again); the session id
/// changes too.
#[utoipa::path(post, path = "/api/account/password", tag = "accounts", request_body = PasswordChange,
    responses((status = 204), (status = 400), (status = 401)))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let u = caller.require()?.clone();
    let body = json_body(body)?;
    if session_api::check_credentials(&state, &u.email, &body.current)
        .await
        .is_err()
    {
        return Err(ApiError::bad(
            "wrong_password",
            Some("current"),
            "The current password is wrong.",
        ));
    }
    password::check_new(&body.new).map_err(|m| ApiError::bad("weak_password", Some("new"), m))?;
    let hash = session_api::hash_password(&body.new).await?;
    users::set_password(&state.db, &u.id, &hash).await?;
    auth::log_in(&caller.session, &u).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Hours {
    pub organisation: String,
    /// Minutes included each month.
    pub monthly_minutes: i64,
    /// Month by month, newest last (minutes).
    #[schema(value_type = Vec<Object>)]
    pub months: Vec<organisations::MonthBalance>,
}

/// The caller's organisation's support hours (404 without one).
#[utoipa::path(get, path = "/api/account/hours", tag = "accounts", responses((status = 200, body = Hours), (status = 401), (status = 404)))]
pub async fn hours(State(state): State<AppState>, caller: Caller) -> Result<Json<Hours>, ApiError> {
    let u = caller.require()?;
    let not_found =
        || ApiError::NotFound("You are not in an organisation with support hours.".into());
    let org_id = u.organisation_id.as_deref().ok_or_else(not_found)?;
    let org = organisations::by_id(&state.db, org_id)
        .await?
        .ok_or_else(not_found)?;
    let months = organisations::hours_history(&state.db, &org, now()).await?;
    Ok(Json(Hours {
        organisation: org.name,
        monthly_minutes: org.monthly_minutes,
        months,
    }))
}
