//! The end-user portal, server-rendered and usable without JavaScript:
//! log in and out, Home, My view, All tickets (filters and sorting), Open a
//! ticket, the ticket page (timeline, reply, files, reopen), My account,
//! and the invitation / password-reset page. Forms carry the session's
//! CSRF token in a hidden field, checked before anything changes.

mod account;
mod admin;
mod chats;
mod drafts;
mod login;
mod reports;
mod tickets;
mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::{self, Caller};
use super::error::{ApiError, PageError};
use super::templates;
use crate::store::tickets::Ticket;
use crate::store::users::User;
use crate::tickets::timing::format_utc as fmt_time;

pub fn router(upload_limit: usize) -> Router<AppState> {
    let uploads = Router::new()
        .route("/portal/tickets", post(tickets::create).get(tickets::list))
        .route("/portal/tickets/{number}/reply", post(tickets::reply))
        .layer(DefaultBodyLimit::max(upload_limit));
    Router::new()
        .merge(uploads)
        .route("/portal", get(tickets::home))
        .route("/portal/login", get(login::login_page).post(login::login))
        .route("/portal/logout", post(login::logout))
        .route(
            "/portal/forgot",
            get(login::forgot_page).post(login::forgot),
        )
        .route("/portal/my-view", get(tickets::my_view))
        .route("/portal/tickets/new", get(tickets::new_ticket))
        .route("/portal/tickets/{number}", get(tickets::show))
        .route("/portal/tickets/{number}/status", post(tickets::set_status))
        .route(
            "/portal/tickets/{number}/priority",
            post(tickets::set_priority),
        )
        .route("/portal/tickets/{number}/time", post(tickets::log_time))
        .route("/portal/goto", get(tickets::goto))
        .route(
            "/portal/account",
            get(account::account).post(account::save_account),
        )
        .route("/portal/account/password", post(account::change_password))
        .route("/console", get(chats::console))
        .route("/console/reports", get(reports::reports_page))
        .route("/console/reports/gaps", get(reports::gaps_page))
        .route("/console/reports/{table}", get(reports::reports_csv))
        .route("/console/drafts", get(drafts::list).post(drafts::create))
        .route("/console/drafts/{id}", get(drafts::show).post(drafts::edit))
        .route(
            "/console/webhooks",
            get(webhooks::show).post(webhooks::create),
        )
        .route("/console/webhooks/{id}/test", post(webhooks::send_test))
        .route("/console/webhooks/{id}/delete", post(webhooks::delete))
        .route("/portal/chats", get(chats::my_chats))
        .route("/portal/admin", get(admin::admin_page))
        .route("/portal/admin/invite", post(admin::admin_invite))
        .route(
            "/account/password",
            get(login::set_password_page).post(login::set_password),
        )
}

/// A portal failure: most become a page; some send the user elsewhere.
enum PortalError {
    Page(PageError),
    LogIn(String),
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        match self {
            PortalError::Page(p) => p.into_response(),
            PortalError::LogIn(next) => {
                Redirect::to(&format!("/portal/login?next={}", encode(&next))).into_response()
            }
        }
    }
}

impl From<ApiError> for PortalError {
    fn from(e: ApiError) -> Self {
        PortalError::Page(match e {
            ApiError::NotFound(_) => PageError::NotFound,
            ApiError::Internal(d) => PageError::Internal(d),
            other => PageError::BadRequest(other.to_string()),
        })
    }
}

impl From<crate::store::StoreError> for PortalError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<minijinja::Error> for PortalError {
    fn from(e: minijinja::Error) -> Self {
        PortalError::Page(PageError::Internal(format!("template: {e}")))
    }
}

type PortalResult = Result<Response, PortalError>;

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_./".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Only paths of this site are followed after log-in (no open redirect),
/// and none with control characters (no header could carry them: a 500).
fn safe_next(next: &str) -> &str {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
    {
        next
    } else {
        "/portal"
    }
}

fn fmt_size(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

#[derive(Serialize)]
struct MeView {
    admin: bool,
    staff: bool,
    name: String,
    email: String,
    locale: String,
    notify_status: bool,
    notify_replies: bool,
}

/// Renders a portal page with what every page needs.
async fn page(caller: &Caller, name: &str, nav: &str, extra: minijinja::Value) -> PortalResult {
    let me = caller.user().map(|u| MeView {
        admin: u.role() == crate::accounts::Role::Admin,
        staff: u.role().is_staff(),
        name: u.display_name().to_string(),
        email: u.email.clone(),
        locale: u.locale.clone(),
        notify_status: u.notify_status,
        notify_replies: u.notify_replies,
    });
    let csrf = auth::csrf_token(&caller.session).await?;
    let ctx = context! { me => me, csrf => csrf, nav => nav, ..extra };
    Ok(Html(templates::render(name, ctx)?).into_response())
}

/// The logged-in user, or a redirect to the log-in page.
fn user<'a>(caller: &'a Caller, here: &str) -> Result<&'a User, PortalError> {
    caller
        .user()
        .ok_or_else(|| PortalError::LogIn(here.to_string()))
}

async fn check_csrf(caller: &Caller, given: Option<&str>) -> Result<(), PortalError> {
    if auth::csrf_ok(&caller.session, given).await {
        Ok(())
    } else {
        Err(PortalError::Page(PageError::BadRequest(
            "This form has expired (or did not come from this site). Go back, reload the page and try again."
                .into(),
        )))
    }
}

#[derive(Serialize)]
struct Row {
    number: i64,
    summary: String,
    #[serde(rename = "type")]
    kind: String,
    type_label: &'static str,
    priority: &'static str,
    priority_label: &'static str,
    status: &'static str,
    status_label: &'static str,
    updated: String,
    updated_iso: String,
}

fn row(t: &Ticket) -> Row {
    Row {
        number: t.number,
        summary: t.summary.clone(),
        kind: t.kind.as_str().to_string(),
        type_label: t.kind.label(),
        priority: t.priority.as_str(),
        priority_label: t.priority.label(),
        status: t.status.as_str(),
        status_label: t.status.label(),
        updated: fmt_time(t.updated_at),
        updated_iso: time::OffsetDateTime::from_unix_timestamp(t.updated_at)
            .ok()
            .and_then(|d| {
                d.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default(),
    }
}

#[derive(Serialize)]
struct Opt {
    code: &'static str,
    label: &'static str,
    target: String,
}

fn opts<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<Opt> {
    all.iter()
        .map(|v| Opt {
            code: code(*v),
            label: label(*v),
            target: String::new(),
        })
        .collect()
}

/// Notices are named by a code in the URL (`?notice=replied`); errors are
/// kept in the session for the next page only, so a link cannot put text of
/// its choosing on our pages (a phishing aid).
#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

const FLASH_KEY: &str = "flash_error";

/// Redirects to `to`, showing `message` there as an error.
async fn redirect_with_error(caller: &Caller, to: &str, message: &str) -> Response {
    // If the session cannot keep it, the page shows without the message.
    let _ = caller.session.insert(FLASH_KEY, message).await;
    Redirect::to(to).into_response()
}

/// The error a redirect left for this page, if any (shown once).
async fn take_error(caller: &Caller) -> Option<String> {
    caller
        .session
        .remove::<String>(FLASH_KEY)
        .await
        .ok()
        .flatten()
}
