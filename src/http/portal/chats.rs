//! Live chat pages: the operators' console and the user's earlier chats.

use axum::extract::State;
use axum::response::{Html, IntoResponse};
use minijinja::context;

use super::super::AppState;
use super::super::auth::{self, Caller};
use super::super::error::PageError;
use super::super::templates;
use super::{PortalError, PortalResult, page, user};
use crate::tickets::timing::format_utc as fmt_time;

/// The operators' console (its behaviour is in static/console.js).
pub(super) async fn console(caller: Caller) -> PortalResult {
    let me = user(&caller, "/console")?;
    if !me.role().is_staff() {
        return Err(PortalError::Page(PageError::BadRequest(
            "The console is for operators and admins.".into(),
        )));
    }
    let csrf = auth::csrf_token(&caller.session).await?;
    Ok(Html(templates::render(
        "console.html",
        context! {
            csrf => csrf,
            me => me.display_name(),
            admin => me.role() == crate::accounts::Role::Admin,
        },
    )?)
    .into_response())
}

/// The user's earlier live chats with their transcripts.
pub(super) async fn my_chats(State(state): State<AppState>, caller: Caller) -> PortalResult {
    let me = user(&caller, "/portal/chats")?;
    let mut chats = Vec::new();
    for c in crate::live::requests::history(&state.db, me).await? {
        chats.push(context! {
            started => fmt_time(c.request.created_at),
            transcript => crate::live::chats::transcript_text(&state.desk, &c.request.id).await?,
            status => c.request.status,
            operator => c.operator,
            ticket => c.ticket_number,
        });
    }
    page(
        &caller,
        "portal/chats.html",
        "chats",
        context! { title => "My chats", chats => chats },
    )
    .await
}
