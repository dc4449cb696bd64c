//! Logging in and out, and the pages of a forgotten password and of an
//! invitation or reset link.

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use serde::Deserialize;

use super::super::AppState;
use super::super::auth::{self, Caller};
use super::super::error::ApiError;
use super::super::session_api;
use super::{PortalResult, check_csrf, page, safe_next};
use crate::store::users::{self, TokenPurpose};

#[derive(Deserialize, Default)]
pub(super) struct LoginQuery {
    next: Option<String>,
    notice: Option<String>,
}

pub(super) async fn login_page(caller: Caller, Query(q): Query<LoginQuery>) -> PortalResult {
    if caller.user().is_some() {
        return Ok(Redirect::to(safe_next(q.next.as_deref().unwrap_or("/portal"))).into_response());
    }
    let notice = match q.notice.as_deref() {
        Some("password_set") => Some("Your password is set: you can log in."),
        Some("reset_sent") => {
            Some("If this email has an account, a link to choose a new password is on its way.")
        }
        Some("logged_out") => Some("You are logged out."),
        _ => None,
    };
    page(
        &caller,
        "portal/login.html",
        "login",
        context! { title => "Log in", next => q.next.unwrap_or_default(), notice => notice, email => "" },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    csrf: String,
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

pub(super) async fn login(
    State(state): State<AppState>,
    super::super::security::ClientIp(ip): super::super::security::ClientIp,
    caller: Caller,
    Form(f): Form<LoginForm>,
) -> PortalResult {
    check_csrf(&caller, Some(&f.csrf)).await?;
    match session_api::throttled_credentials(&state, ip, &f.email, &f.password).await {
        Ok(u) => {
            auth::log_in(&caller.session, &u).await?;
            users::record_login(&state.db, &u.id).await?;
            Ok(Redirect::to(safe_next(&f.next)).into_response())
        }
        Err(e) => {
            let status = match e {
                ApiError::TooManyRequests { .. } => axum::http::StatusCode::TOO_MANY_REQUESTS,
                _ => axum::http::StatusCode::UNAUTHORIZED,
            };
            let mut res = page(
                &caller,
                "portal/login.html",
                "login",
                context! { title => "Log in", next => f.next, error => e.to_string(), email => f.email },
            )
            .await?;
            *res.status_mut() = status;
            Ok(res)
        }
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    csrf: String,
}

pub(super) async fn logout(caller: Caller, Form(f): Form<CsrfOnly>) -> PortalResult {
    check_csrf(&caller, Some(&f.csrf)).await?;
    auth::log_out(&caller.session).await?;
    Ok(Redirect::to("/portal/login?notice=logged_out").into_response())
}

pub(super) async fn forgot_page(caller: Caller) -> PortalResult {
    page(
        &caller,
        "portal/forgot.html",
        "login",
        context! { title => "Forgot your password?" },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct ForgotForm {
    csrf: String,
    email: String,
}

pub(super) async fn forgot(
    State(state): State<AppState>,
    super::super::security::ClientIp(ip): super::super::security::ClientIp,
    caller: Caller,
    Form(f): Form<ForgotForm>,
) -> PortalResult {
    check_csrf(&caller, Some(&f.csrf)).await?;
    state
        .limits
        .hit(super::super::security::EMAIL_CODE, &format!("reset|{ip}"))?;
    // Not an address: no account either, and the same answer.
    if let Ok(email) = crate::accounts::Email::parse(&f.email) {
        crate::accounts::invite::send_reset(&state.db, &state.desk.public_url, &email)
            .await
            .map_err(ApiError::from)?;
    }
    state.desk.mail_wakeup.notify_one();
    Ok(Redirect::to("/portal/login?notice=reset_sent").into_response())
}

#[derive(Deserialize)]
pub(super) struct TokenQuery {
    token: Option<String>,
}

pub(super) async fn set_password_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TokenQuery>,
) -> PortalResult {
    let token = q.token.unwrap_or_default();
    let mut valid = false;
    for purpose in [TokenPurpose::Invitation, TokenPurpose::PasswordReset] {
        valid |= users::peek_one_time_token(&state.db, &token, purpose)
            .await?
            .is_some();
    }
    page(
        &caller,
        "portal/set_password.html",
        "login",
        context! { title => "Choose your password", token => token, valid => valid },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct SetPasswordForm {
    csrf: String,
    token: String,
    password: String,
}

pub(super) async fn set_password(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<SetPasswordForm>,
) -> PortalResult {
    check_csrf(&caller, Some(&f.csrf)).await?;
    if let Err(m) = crate::accounts::password::check_new(&f.password) {
        return page(
            &caller,
            "portal/set_password.html",
            "login",
            context! { title => "Choose your password", token => f.token, valid => true, error => m },
        )
        .await;
    }
    let hash = session_api::hash_password(&f.password).await?;
    for purpose in [TokenPurpose::Invitation, TokenPurpose::PasswordReset] {
        if users::redeem_one_time_token(&state.db, f.token.trim(), purpose, &hash)
            .await?
            .is_some()
        {
            return Ok(Redirect::to("/portal/login?notice=password_set").into_response());
        }
    }
    page(
        &caller,
        "portal/set_password.html",
        "login",
        context! { title => "Choose your password", token => f.token, valid => false },
    )
    .await
}
