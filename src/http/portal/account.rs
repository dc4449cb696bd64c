//! My account: name, language, notifications and password.

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use serde::Deserialize;

use super::super::AppState;
use super::super::auth::{self, Caller};
use super::super::session_api;
use super::{NoticeQuery, PortalResult, check_csrf, page, redirect_with_error, take_error, user};
use crate::store::users::{self, Preferences};

pub(super) async fn account(
    caller: Caller,
    q: Result<Query<NoticeQuery>, axum::extract::rejection::QueryRejection>,
) -> PortalResult {
    user(&caller, "/portal/account")?;
    let Query(q) = q.unwrap_or_default();
    let locales: Vec<_> = [("en", "English"), ("fr", "Français"), ("ro", "Română")]
        .iter()
        .map(|(c, n)| context! { code => c, name => n })
        .collect();
    let notice = match q.notice.as_deref() {
        Some("saved") => Some("Saved."),
        Some("password") => Some("Your password is changed."),
        _ => None,
    };
    page(
        &caller,
        "portal/account.html",
        "account",
        context! { title => "My account", locales => locales, notice => notice, error => take_error(&caller).await },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct AccountForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    locale: String,
    notify_status: Option<String>,
    notify_replies: Option<String>,
}

pub(super) async fn save_account(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<AccountForm>,
) -> PortalResult {
    let me = user(&caller, "/portal/account")?.clone();
    check_csrf(&caller, Some(&f.csrf)).await?;
    let locale = match f.locale.as_str() {
        l @ ("en" | "fr" | "ro") => l,
        _ => "en",
    };
    let name: String = f
        .name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    users::update_preferences(
        &state.db,
        &me.id,
        &Preferences {
            name: &name,
            locale,
            notify_status: f.notify_status.is_some(),
            notify_replies: f.notify_replies.is_some(),
        },
    )
    .await?;
    Ok(Redirect::to("/portal/account?notice=saved").into_response())
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
}

pub(super) async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<PasswordForm>,
) -> PortalResult {
    let me = user(&caller, "/portal/account")?.clone();
    check_csrf(&caller, Some(&f.csrf)).await?;
    if session_api::check_credentials(&state, &me.email, &f.current)
        .await
        .is_err()
    {
        return Ok(redirect_with_error(
            &caller,
            "/portal/account",
            "The current password is wrong.",
        )
        .await);
    }
    if let Err(m) = crate::accounts::password::check_new(&f.new) {
        return Ok(redirect_with_error(&caller, "/portal/account", &m).await);
    }
    let hash = session_api::hash_password(&f.new).await?;
    users::set_password(&state.db, &me.id, &hash).await?;
    // A new session id: other copies of the old cookie stop working.
    auth::log_in(&caller.session, &me).await?;
    Ok(Redirect::to("/portal/account?notice=password").into_response())
}
