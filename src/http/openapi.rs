//! The OpenAPI 3 document of the JSON API, generated from the handlers'
//! annotations and served at `/api/openapi.json`.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use super::{
    AppState, account_api, chat_content, invitations_api, queue_api, session_api, teams_api,
    tickets_api, widget_api,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Frontdesk API", description = "Tickets, accounts and the widget's identity. Calls made with the log-in cookie that change something need the X-CSRF-Token header (from GET /api/session); widget calls may use `Authorization: Bearer <visitor token>` instead. Errors are JSON {error, message, field?}."),
    paths(
        session_api::log_in, session_api::log_out, session_api::current,
        session_api::invite, session_api::forgot, session_api::reset,
        account_api::read, account_api::update, account_api::change_password, account_api::hours,
        widget_api::me, widget_api::identify, widget_api::send_code, widget_api::verify_code,
        tickets_api::create, tickets_api::list, tickets_api::show, tickets_api::reply,
        queue_api::set_availability, queue_api::my_availability, queue_api::my_chats, queue_api::read_queue, queue_api::start, queue_api::mine, queue_api::show,
        queue_api::accept, queue_api::decline, queue_api::end, queue_api::transfer, queue_api::email_transcript, queue_api::availability, queue_api::read_settings, queue_api::write_settings, queue_api::accept_ticket, queue_api::decline_ticket,
        chat_content::messages, chat_content::send_file, chat_content::download,
        invitations_api::invite, invitations_api::mine, invitations_api::show, invitations_api::accept, invitations_api::decline, invitations_api::cancel,
        teams_api::list, teams_api::create, teams_api::add_member, teams_api::remove_member,
        tickets_api::set_status, tickets_api::set_priority, tickets_api::edit, tickets_api::log_time, tickets_api::download,
    ),
    tags((name = "accounts"), (name = "widget"), (name = "tickets"), (name = "operators"))
)]
pub struct ApiDoc;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/openapi.json",
        get(|| async { Json(ApiDoc::openapi()) }),
    )
}
