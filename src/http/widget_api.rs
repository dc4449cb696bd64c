//! How the widget recognises its user without asking: a portal session on
//! the same host, the host product's signed identity (a JWT, or a user id
//! with its HMAC), or an email confirmed once with a six-digit code. The last two give the
//! browser a visitor token, sent back as `Authorization: Bearer`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{self, Caller, Via};
use super::error::ApiError;
use super::security::{self, ClientIp, EMAIL_CODE};
use super::session_api::{JsonBody, Me, json_body};
use crate::accounts::Email;
use crate::accounts::host_link::{self, Link};
use crate::accounts::identity::{self, HostUser};
use crate::store::users::{self, User};

/// Visitor tokens last a year: "once per browser".
const VISITOR_TOKEN_SECS: i64 = 365 * 86_400;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(identify))
        .routes(routes!(send_code))
        .routes(routes!(verify_code))
        .layer(super::bot_api::widget_cors())
}

#[derive(Serialize, ToSchema)]
pub struct WidgetIdentity {
    /// `portal` (logged-in cookie), `visitor` (token), or `anonymous`.
    pub kind: String,
    pub user: Option<Me>,
    /// For cookie sessions: the CSRF token to send on changes.
    pub csrf_token: Option<String>,
}

/// Who the widget's user is.
#[utoipa::path(get, path = "/api/widget/me", tag = "widget", responses((status = 200, body = WidgetIdentity), (status = 401, description = "expired visitor token")))]
pub async fn me(caller: Caller) -> Result<Json<WidgetIdentity>, ApiError> {
    Ok(Json(match &caller.user {
        Some((u, Via::Cookie)) => WidgetIdentity {
            kind: "portal".into(),
            user: Some(Me::from(u)),
            csrf_token: Some(auth::csrf_token(&caller.session).await?),
        },
        Some((u, Via::Visitor)) => WidgetIdentity {
            kind: "visitor".into(),
            user: Some(Me::from(u)),
            csrf_token: None,
        },
        None => WidgetIdentity {
            kind: "anonymous".into(),
            user: None,
            csrf_token: None,
        },
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HostIdentity {
    /// A JWT signed by the host's server (HS256 with the widget secret):
    /// `sub` (the host's user id), `exp`, and optionally `email` and `name`.
    /// Every claim is signed, so only this form can carry an email.
    pub token: Option<String>,
    /// The host's user id, with `user_hash`: vouches for the id alone and
    /// binds no email (the user follows their tickets in the widget).
    pub user_id: Option<String>,
    /// Hex HMAC-SHA256(widget secret, user_id): 64 lowercase hex digits.
    pub user_hash: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct VisitorToken {
    pub visitor_token: String,
    pub user: Me,
}

/// The host product vouches for its user. A valid signature gives a
/// visitor token; a wrong one is refused and the visitor stays anonymous.
/// A signed email that belongs to an existing account not made for this
/// host user gets 409 `email_confirmation_required`: confirm it with a code
/// (`/api/widget/email-code`, then `verify` with this `identity_token`).
#[utoipa::path(post, path = "/api/widget/identify", tag = "widget", request_body = HostIdentity,
    responses((status = 200, body = VisitorToken), (status = 400), (status = 403), (status = 409), (status = 429)))]
pub async fn identify(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    body: JsonBody<HostIdentity>,
) -> Result<Json<VisitorToken>, ApiError> {
    state.limits.identify(ip)?;
    let body = json_body(body)?;
    let host = verify_host(&state, &body)?;
    match host_link::link(&state.db, &host).await? {
        Link::Account(user) => token_for(&state, &user).await,
        Link::ConfirmEmail { .. } => Err(ApiError::ConflictCode {
            code: "email_confirmation_required",
            message: "An account with this email already exists; confirm the email with a code to use it here.".into(),
        }),
    }
}

/// The host user the body's signature vouches for.
fn verify_host(state: &AppState, body: &HostIdentity) -> Result<HostUser, ApiError> {
    match (&body.token, &body.user_id, &body.user_hash) {
        (Some(token), None, None) => Ok(identity::verify_token(
            &state.widget_secret,
            token,
            crate::store::now(),
        )?),
        (None, Some(id), Some(hash)) => Ok(identity::verify_hash(&state.widget_secret, id, hash)?),
        _ => Err(ApiError::bad(
            "invalid_identity",
            None,
            "Send either `token` (a signed JWT) or `user_id` with `user_hash`.",
        )),
    }
}

async fn token_for(state: &AppState, user: &User) -> Result<Json<VisitorToken>, ApiError> {
    let visitor_token =
        users::create_visitor_token(&state.db, &user.id, VISITOR_TOKEN_SECS).await?;
    Ok(Json(VisitorToken {
        visitor_token,
        user: Me::from(user),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub email: String,
    /// Language of the email (en, fr, ro).
    pub locale: Option<String>,
}

/// Emails a six-digit code to confirm an anonymous visitor's address.
#[utoipa::path(post, path = "/api/widget/email-code", tag = "widget", request_body = CodeRequest,
    responses((status = 202), (status = 400), (status = 429)))]
pub async fn send_code(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    body: JsonBody<CodeRequest>,
) -> Result<StatusCode, ApiError> {
    let body = json_body(body)?;
    let email = Email::parse(&body.email)?;
    state.limits.hit(EMAIL_CODE, email.as_str())?;
    state.limits.hit(
        security::Limit {
            max: 20,
            ..EMAIL_CODE
        },
        &ip.to_string(),
    )?;
    let locale = body
        .locale
        .as_deref()
        .filter(|l| matches!(*l, "fr" | "ro" | "en"))
        .unwrap_or("en");
    crate::accounts::email_code::send(&state.db, &email, locale).await?;
    state.desk.mail_wakeup.notify_one();
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeCheck {
    pub email: String,
    pub code: String,
    /// The host's identity token that got `email_confirmation_required`:
    /// once the code is right, that host user is linked to this account.
    pub identity_token: Option<String>,
}

/// Checks the code; the right one gives this browser a visitor token.
#[utoipa::path(post, path = "/api/widget/email-code/verify", tag = "widget", request_body = CodeCheck,
    responses((status = 200, body = VisitorToken), (status = 400), (status = 403), (status = 429)))]
pub async fn verify_code(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    body: JsonBody<CodeCheck>,
) -> Result<Json<VisitorToken>, ApiError> {
    state.limits.hit(security::CODE_CHECK, &ip.to_string())?;
    let body = json_body(body)?;
    let email = Email::parse(&body.email)?;
    // Checked before the code, so a bad token does not use up the code.
    let host = match &body.identity_token {
        Some(t) => Some(identity::verify_token(
            &state.widget_secret,
            t,
            crate::store::now(),
        )?),
        None => None,
    };
    let user =
        crate::accounts::email_code::confirm(&state.db, &email, &body.code, host.as_ref()).await?;
    token_for(&state, &user).await
}
