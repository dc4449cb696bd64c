//! The admins' page: people and invitations.

use axum::extract::{Form, State};
use minijinja::context;
use serde::Deserialize;

use super::super::AppState;
use super::super::auth::Caller;
use super::super::error::{ApiError, PageError};
use super::{PortalError, PortalResult, check_csrf, page, user};
use crate::store::users::{self, User};
use crate::tickets::timing::format_utc as fmt_time;

/// The admin, or a page saying why `here` is for admins (logging in
/// first when nobody is).
pub(super) fn admin_at<'a>(
    caller: &'a Caller,
    here: &str,
    why: &str,
) -> Result<&'a User, PortalError> {
    let me = user(caller, here)?;
    if me.role() == crate::accounts::Role::Admin {
        Ok(me)
    } else {
        Err(PortalError::Page(PageError::BadRequest(why.into())))
    }
}

fn admin(caller: &Caller) -> Result<&User, PortalError> {
    admin_at(caller, "/portal/admin", "Only admins manage people.")
}

pub(super) async fn admin_page_with(
    state: &AppState,
    caller: &Caller,
    notice: Option<String>,
    error: Option<String>,
    values: (&str, &str),
) -> PortalResult {
    admin(caller)?;
    let people: Vec<_> = users::all(&state.db)
        .await?
        .iter()
        .map(|u| {
            context! {
                email => u.email, name => u.name, role => u.role().as_str(),
                last_login => u.last_login_at.map(fmt_time),
            }
        })
        .collect();
    page(
        caller,
        "portal/admin.html",
        "admin",
        context! { title => "People", people => people, notice => notice, error => error,
        email => values.0, name => values.1 },
    )
    .await
}

pub(super) async fn admin_page(State(state): State<AppState>, caller: Caller) -> PortalResult {
    admin_page_with(&state, &caller, None, None, ("", "")).await
}

#[derive(Deserialize)]
pub(super) struct InviteForm {
    csrf: String,
    email: String,
    #[serde(default)]
    name: String,
    role: String,
}

pub(super) async fn admin_invite(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<InviteForm>,
) -> PortalResult {
    admin(&caller)?;
    check_csrf(&caller, Some(&f.csrf)).await?;
    let role = crate::accounts::Role::parse(&f.role)
        .ok_or_else(|| PortalError::Page(PageError::BadRequest("Unknown role.".into())))?;
    let invited = match crate::accounts::Email::parse(&f.email) {
        Ok(email) => crate::accounts::invite::invite(
            &state.db,
            &state.desk.public_url,
            &email,
            &f.name,
            role,
        )
        .await
        .map_err(ApiError::from),
        Err(e) => Err(ApiError::from(e)),
    };
    match invited {
        Ok((u, _)) => {
            state.desk.mail_wakeup.notify_one();
            let notice = format!("Invitation sent to {}.", u.email);
            admin_page_with(&state, &caller, Some(notice), None, ("", "")).await
        }
        Err(e) => {
            let message = e.to_string();
            let mut res =
                admin_page_with(&state, &caller, None, Some(message), (&f.email, &f.name)).await?;
            *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(res)
        }
    }
}
