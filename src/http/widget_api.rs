//! How the widget recognises its user without asking: a portal session on
//! the same host, the host product's signed identity (user_id + HMAC), or
//! an email confirmed once with a six-digit code. The last two give the
//! browser a visitor token, sent back as `Authorization: Bearer`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::auth::{self, Caller, Via};
use super::error::ApiError;
use super::security::{self, ClientIp, EMAIL_CODE};
use super::session_api::{JsonBody, Me, json_body};
use crate::accounts::{Role, identity, normalise_email};
use crate::store::users::{self, NewUser, User};

/// Visitor tokens last a year: "once per browser".
const VISITOR_TOKEN_SECS: i64 = 365 * 86_400;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/widget/me", get(me))
        .route("/api/widget/identify", post(identify))
        .route("/api/widget/email-code", post(send_code))
        .route("/api/widget/email-code/verify", post(verify_code))
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
#[utoipa::path(get, path = "/api/widget/me", tag = "widget", responses((status = 200, body = WidgetIdentity)))]
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
    pub user_id: String,
    pub email: String,
    pub name: Option<String>,
    /// Hex HMAC-SHA256(widget secret, user_id), computed by the host's server.
    pub user_hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct VisitorToken {
    pub visitor_token: String,
    pub user: Me,
}

/// The host product vouches for its user: a right hash gives a visitor
/// token; a wrong one is refused and the visitor stays anonymous.
#[utoipa::path(post, path = "/api/widget/identify", tag = "widget", request_body = HostIdentity,
    responses((status = 200, body = VisitorToken), (status = 400), (status = 403)))]
pub async fn identify(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    body: JsonBody<HostIdentity>,
) -> Result<Json<VisitorToken>, ApiError> {
    state.limits.identify(ip)?;
    let body = json_body(body)?;
    let user_id = body.user_id.trim();
    if user_id.is_empty() || user_id.len() > 200 {
        return Err(ApiError::bad(
            "invalid",
            Some("user_id"),
            "user_id must be 1 to 200 characters.",
        ));
    }
    if !identity::verify(&state.widget_secret, user_id, &body.user_hash) {
        return Err(ApiError::Forbidden(
            "The identity could not be verified (wrong user_hash); continuing as an anonymous visitor."
                .into(),
        ));
    }
    let email = normalise_email(&body.email)
        .map_err(|m| ApiError::bad("invalid_email", Some("email"), m))?;
    let name: String = body
        .name
        .as_deref()
        .unwrap_or("")
        .trim()
        .chars()
        .take(200)
        .collect();
    let user = match users::by_external_id(&state.db, user_id).await? {
        Some(u) => {
            if u.email != email
                && users::by_email(&state.db, &email)
                    .await?
                    .is_some_and(|other| other.id != u.id)
            {
                return Err(ApiError::Conflict(
                    "Another account already uses this email; the host's user cannot take it over."
                        .into(),
                ));
            }
            if u.email != email || (!name.is_empty() && u.name != name) {
                // The host is the authority on its user's current details.
                users::update_identity(
                    &state.db,
                    &u.id,
                    &email,
                    if name.is_empty() { &u.name } else { &name },
                )
                .await?;
            }
            users::by_id(&state.db, &u.id).await?.unwrap_or(u)
        }
        None => {
            let mut conn = state
                .db
                .acquire()
                .await
                .map_err(crate::store::StoreError::from)?;
            match users::by_email(&state.db, &email).await? {
                // An end user who already has an account is linked to it.
                Some(u) if u.role() == Role::EndUser => {
                    let linked = sqlx::query(
                        "UPDATE users SET external_id = $1 WHERE id = $2 AND (external_id IS NULL OR external_id = $1)",
                    )
                    .bind(user_id)
                    .bind(&u.id)
                    .execute(&mut *conn)
                    .await
                    .map_err(crate::store::StoreError::from)?
                    .rows_affected();
                    if linked == 0 {
                        // Already the account of another of the host's users.
                        return Err(ApiError::Conflict(
                            "This email belongs to another user of the product.".into(),
                        ));
                    }
                    u
                }
                Some(_) => {
                    return Err(ApiError::Forbidden(
                        "This email belongs to a staff account, which cannot be used from the widget.".into(),
                    ));
                }
                None => {
                    users::create(&mut conn, &NewUser::end_user(&email, &name, Some(user_id)))
                        .await?
                }
            }
        }
    };
    token_for(&state, &user).await
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
    let email = normalise_email(&body.email)
        .map_err(|m| ApiError::bad("invalid_email", Some("email"), m))?;
    state.limits.hit(EMAIL_CODE, &email)?;
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
    crate::accounts::invite::send_email_code(&state.db, &email, locale).await?;
    state.desk.mail_wakeup.notify_one();
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeCheck {
    pub email: String,
    pub code: String,
}

/// Checks the code; the right one gives this browser a visitor token.
#[utoipa::path(post, path = "/api/widget/email-code/verify", tag = "widget", request_body = CodeCheck,
    responses((status = 200, body = VisitorToken), (status = 400), (status = 429)))]
pub async fn verify_code(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    body: JsonBody<CodeCheck>,
) -> Result<Json<VisitorToken>, ApiError> {
    state.limits.hit(security::CODE_CHECK, &ip.to_string())?;
    let body = json_body(body)?;
    let email = normalise_email(&body.email)
        .map_err(|m| ApiError::bad("invalid_email", Some("email"), m))?;
    if !users::use_email_code(&state.db, &email, &body.code).await? {
        return Err(ApiError::bad(
            "wrong_code",
            Some("code"),
            "This code is wrong or has expired. Check the latest email, or ask for a new code.",
        ));
    }
    let user = match users::by_email(&state.db, &email).await? {
        Some(u) if u.role() == Role::EndUser => u,
        Some(_) => {
            return Err(ApiError::Forbidden(
                "Staff accounts log in through the portal, not the widget.".into(),
            ));
        }
        None => {
            let mut conn = state
                .db
                .acquire()
                .await
                .map_err(crate::store::StoreError::from)?;
            users::create(&mut conn, &NewUser::end_user(&email, "", None)).await?
        }
    };
    token_for(&state, &user).await
}
