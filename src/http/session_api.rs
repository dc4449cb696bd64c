//! Log-in and account JSON API: sessions, invitations, password resets.

use std::net::IpAddr;

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
use super::security::{self, ClientIp};
use crate::accounts::{Email, Role, password};
use crate::store::users::{self, TokenPurpose, User};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(log_in, log_out, current))
        .routes(routes!(invite))
        .routes(routes!(forgot))
        .routes(routes!(reset))
}

pub type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

pub fn json_body<T>(body: JsonBody<T>) -> Result<T, ApiError> {
    body.map(|Json(b)| b)
        .map_err(|e| ApiError::bad("bad_json", None, e.body_text()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub email: String,
    pub name: String,
    pub role: String,
    pub locale: String,
}

impl From<&User> for Me {
    fn from(u: &User) -> Self {
        Me {
            // Empty for a host user signed without an email.
            email: if u.has_mailbox() {
                u.email.clone()
            } else {
                String::new()
            },
            name: u.display_name().to_string(),
            role: u.role().as_str().to_string(),
            locale: u.locale.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    pub user: Option<Me>,
    /// Send it back in `X-CSRF-Token` on calls that change something.
    pub csrf_token: String,
}

/// Checks email and password (slowly either way) and returns the user.
pub async fn check_credentials(
    state: &AppState,
    email: &str,
    given: &str,
) -> Result<User, ApiError> {
    let wrong = || ApiError::Unauthorized("Wrong email or password.".into());
    let Ok(email) = Email::parse(email) else {
        password::dummy_verify(given);
        return Err(wrong());
    };
    let user = users::by_email(&state.db, &email).await?;
    let given = given.to_string();
    let ok = match user.as_ref().and_then(|u| u.password_hash.clone()) {
        Some(hash) => tokio::task::spawn_blocking(move || password::verify(&given, &hash)).await?,
        None => {
            tokio::task::spawn_blocking(move || password::dummy_verify(&given)).await?;
            false
        }
    };
    match user {
        Some(u) if ok => Ok(u),
        _ => Err(wrong()),
    }
}

/// `check_credentials` behind the log-in throttle (OWASP ASVS 2.2.1): only
/// failures count, per client address (password spraying) and per account
/// (guessing one password), and an account's wait is short and increasing,
/// so others' failures never keep its owner out for long.
pub async fn throttled_credentials(
    state: &AppState,
    ip: IpAddr,
    email: &str,
    given: &str,
) -> Result<User, ApiError> {
    state.limits.login_allowed(ip, email)?;
    let result = check_credentials(state, email, given).await;
    match &result {
        Ok(_) => state.limits.login_succeeded(email),
        Err(ApiError::Unauthorized(_)) => state.limits.login_failed(ip, email),
        Err(_) => {}
    }
    result
}

/// Log in with email and password; sets the session cookie.
#[utoipa::path(post, path = "/api/session", tag = "accounts", request_body = Credentials,
    responses((status = 200, body = SessionInfo), (status = 400), (status = 401, description = "wrong email or password"), (status = 429)))]
pub async fn log_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    caller: Caller,
    body: JsonBody<Credentials>,
) -> Result<Json<SessionInfo>, ApiError> {
    let body = json_body(body)?;
    let user = throttled_credentials(&state, ip, &body.email, &body.password).await?;
    auth::log_in(&caller.session, &user).await?;
    users::record_login(&state.db, &user.id).await?;
    Ok(Json(SessionInfo {
        user: Some(Me::from(&user)),
        csrf_token: auth::csrf_token(&caller.session).await?,
    }))
}

/// Log out: the session is deleted on the server.
#[utoipa::path(delete, path = "/api/session", tag = "accounts", responses((status = 204), (status = 401)))]
pub async fn log_out(caller: Caller) -> Result<StatusCode, ApiError> {
    auth::log_out(&caller.session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who is logged in, and the CSRF token for this session.
#[utoipa::path(get, path = "/api/session", tag = "accounts", responses((status = 200, body = SessionInfo), (status = 401)))]
pub async fn current(caller: Caller) -> Result<Json<SessionInfo>, ApiError> {
    Ok(Json(SessionInfo {
        user: caller.user().map(Me::from),
        csrf_token: auth::csrf_token(&caller.session).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Invitation {
    pub email: String,
    pub name: Option<String>,
    /// end_user (default), operator or admin.
    pub role: Option<String>,
}

/// How long invitation and reset links work.
pub const LINK_VALID_HOURS: i64 = 72;

/// Admins invite someone by email: the account is created without a
/// password and a one-time link to set it is emailed.
#[utoipa::path(post, path = "/api/invitations", tag = "accounts", request_body = Invitation,
    responses((status = 201), (status = 400), (status = 401), (status = 403), (status = 409)))]
pub async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<Invitation>,
) -> Result<StatusCode, ApiError> {
    let admin = caller.require()?;
    if admin.role() != Role::Admin {
        return Err(ApiError::Forbidden("Only admins can invite people.".into()));
    }
    let body = json_body(body)?;
    let role = match body.role.as_deref() {
        None => Role::EndUser,
        Some(r) => Role::parse(r).ok_or_else(|| {
            ApiError::bad("invalid", Some("role"), "Use end_user, operator or admin.")
        })?,
    };
    crate::accounts::invite::invite(
        &state.db,
        &state.desk.public_url,
        &Email::parse(&body.email)?,
        body.name.as_deref().unwrap_or(""),
        role,
    )
    .await
    .map_err(ApiError::from)?;
    state.desk.mail_wakeup.notify_one();
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Forgot {
    pub email: String,
}

/// Emails a password-reset link if the account exists (the answer is the
/// same either way, so nobody can probe for accounts).
#[utoipa::path(post, path = "/api/password/forgot", tag = "accounts", request_body = Forgot,
    responses((status = 202), (status = 400), (status = 429)))]
pub async fn forgot(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    body: JsonBody<Forgot>,
) -> Result<StatusCode, ApiError> {
    let body = json_body(body)?;
    state
        .limits
        .hit(security::EMAIL_CODE, &format!("reset|{ip}"))?;
    // Not an address: no account either, and the same answer.
    if let Ok(email) = Email::parse(&body.email) {
        crate::accounts::invite::send_reset(&state.db, &state.desk.public_url, &email)
            .await
            .map_err(ApiError::from)?;
    }
    state.desk.mail_wakeup.notify_one();
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reset {
    pub token: String,
    pub password: String,
}

/// Sets a password with an invitation or reset link's token (once).
#[utoipa::path(post, path = "/api/password/reset", tag = "accounts", request_body = Reset,
    responses((status = 204), (status = 400)))]
pub async fn reset(
    State(state): State<AppState>,
    body: JsonBody<Reset>,
) -> Result<StatusCode, ApiError> {
    let body = json_body(body)?;
    password::check_new(&body.password)
        .map_err(|m| ApiError::bad("weak_password", Some("password"), m))?;
    let hash = hash_password(&body.password).await?;
    for purpose in [TokenPurpose::Invitation, TokenPurpose::PasswordReset] {
        if users::redeem_one_time_token(&state.db, body.token.trim(), purpose, &hash)
            .await?
            .is_some()
        {
            return Ok(StatusCode::NO_CONTENT);
        }
    }
    Err(ApiError::bad(
        "invalid_link",
        Some("token"),
        "This link has expired or was already used; ask for a new one.",
    ))
}

pub async fn hash_password(p: &str) -> Result<String, ApiError> {
    let p = p.to_string();
    tokio::task::spawn_blocking(move || password::hash(&p))
        .await?
        .map_err(|e| ApiError::Internal(format!("password hashing: {e}")))
}
