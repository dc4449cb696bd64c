//! The HTTP layer: shared state and the one place where every route is
//! assembled from the per-area routers.

pub mod account_api;
pub mod assets;
pub mod auth;
pub mod bot_api;
pub mod canned_api;
pub mod chat_content;
pub mod chats_api;
pub mod connection;
pub mod drafts_api;
pub mod error;
pub mod feedback_api;
pub mod file_response;
pub mod help;
pub mod invitations_api;
pub mod live_chat;
pub mod live_settings_api;
pub mod metrics;
pub mod openapi;
pub mod operators_api;
pub mod portal;
pub mod reports_api;
pub mod security;
pub mod session_api;
pub mod teams_api;
pub mod templates;
pub mod ticket_form;
pub mod tickets_api;
pub mod webhooks_api;
pub mod widget_api;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::help::bot::BotConfig;
use crate::help::indexing::KnowledgeHandle;
use crate::store::Db;

/// Largest request body accepted: generous for a question (which is then
/// validated to a much smaller size with a clear message), small enough
/// that nobody can make the server buffer megabytes.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// The best of `available` for the request's `Accept-Language`, if any.
fn accepted_locale(
    headers: &axum::http::HeaderMap,
    available: &[crate::locale::Locale],
) -> Option<crate::locale::Locale> {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| crate::locale::Locale::negotiate(h, available))
}

/// Everything a request handler may need, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The current knowledge base, search index and vocabulary.
    pub knowledge: Arc<KnowledgeHandle>,
    /// The database (conversations).
    pub db: Db,
    /// Answering settings (the escalation threshold).
    pub bot: Arc<BotConfig>,
    /// Ticket operations and their rules.
    pub desk: Arc<crate::tickets::workflow::Desk>,
    /// Helpdesk settings (attachment policy, …).
    pub desk_config: Arc<crate::config::DeskConfig>,
    /// Where attachments are stored.
    pub files: Arc<crate::tickets::attachments::Store>,
    pub limits: Arc<security::RateLimiter>,
    /// Secret for widget identity verification.
    pub widget_secret: Arc<String>,
    /// Live-chat events to the connections following each chat.
    pub bus: crate::live::bus::Bus,
    /// Open console connections per operator.
    pub consoles: crate::live::consoles::Consoles,
    /// Stores chat messages in groups (one disk sync for many).
    pub messages: crate::live::message_writer::MessageWriter,
    /// Where webhooks may point.
    pub webhooks: crate::webhooks::address::Policy,
    /// Who may read `/metrics`.
    pub metrics: Arc<crate::config::MetricsAccess>,
}

/// Unknown API paths get a JSON error, anything else the friendly page.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        error::ApiError::NotFound(format!("No API endpoint at {}", uri.path())).into_response()
    } else {
        error::PageError::NotFound.into_response()
    }
}

pub fn router(state: AppState) -> Router {
    let policy = &state.desk_config.attachments;
    // A message's files plus room for its text fields.
    let upload_limit = (policy.max_file_bytes as usize)
        .saturating_mul(policy.max_files)
        .saturating_add(1024 * 1024);
    let sessions = auth::session_layer(
        crate::store::sessions::DbSessionStore::new(state.db.clone()),
        state.desk_config.https(),
    );
    // The API's routes come with their documentation (see `openapi`).
    let (api, _) = openapi::api(upload_limit).split_for_parts();
    Router::new()
        .merge(api)
        .merge(help::router())
        .merge(assets::router())
        .merge(portal::router(upload_limit))
        .merge(live_chat::router())
        .merge(metrics::router())
        .fallback(not_found)
        .layer(axum::middleware::from_fn(metrics::count))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(security::csrf_guard))
        .layer(sessions)
        .layer(axum::middleware::from_fn(security::headers))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(connection::close_if_body_unread))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
