//! The JSON API's routes and its OpenAPI 3.1 document, from one place:
//! every `/api/` route is registered through `utoipa_axum::routes!`, which
//! takes the path and method from the handler's `#[utoipa::path]`, so the
//! router serves exactly what the document lists (a test checks that no
//! `/api/` route is added any other way). Served at `/api/openapi.json`.

use std::sync::OnceLock;

use axum::Json;
use axum::http::Method;
use utoipa::OpenApi;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{Content, OpenApi as Document, Ref, ResponseBuilder};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::{
    AppState, account_api, bot_api, canned_api, chat_content, chats_api, drafts_api, feedback_api,
    invitations_api, live_settings_api, operators_api, reports_api, security, session_api,
    teams_api, tickets_api, webhooks_api, widget_api,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Frontdesk API", description = "The bot, tickets, live chat, accounts and the widget's identity. Calls made with the log-in cookie that change something need the X-CSRF-Token header (from GET /api/session); widget calls may use `Authorization: Bearer <visitor token>` instead. Errors are JSON {error, message, field?}."),
    components(schemas(ErrorBody)),
    tags((name = "bot"), (name = "accounts"), (name = "widget"), (name = "tickets"), (name = "operators"))
)]
struct ApiDoc;

/// Every API route with its documentation. `upload_limit` is the body limit
/// of the routes that take files (it does not change the document).
pub fn api(upload_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(bot_api::router())
        .merge(session_api::router())
        .merge(account_api::router())
        .merge(widget_api::router())
        .merge(tickets_api::router(upload_limit))
        .merge(chats_api::router())
        .merge(operators_api::router())
        .merge(live_settings_api::router())
        .merge(chat_content::router(upload_limit))
        .merge(invitations_api::router())
        .merge(teams_api::router())
        .merge(canned_api::router())
        .merge(feedback_api::router())
        .merge(reports_api::router())
        .merge(drafts_api::router())
        .merge(webhooks_api::router())
        .routes(routes!(document))
}

/// The document, built once.
pub fn spec() -> &'static Document {
    static SPEC: OnceLock<Document> = OnceLock::new();
    SPEC.get_or_init(|| complete(api(0).into_openapi()))
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "bot",
    responses((status = 200, description = "the OpenAPI document", body = Object)))]
async fn document() -> Json<&'static Document> {
    Json(spec())
}

/// What holds for every route and is not repeated on each: the CSRF
/// guard's 403 on the calls it checks, the error body on every error
/// response, and a description where the handler gave none.
fn complete(mut doc: Document) -> Document {
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [
            (Method::GET, &mut item.get),
            (Method::PUT, &mut item.put),
            (Method::POST, &mut item.post),
            (Method::DELETE, &mut item.delete),
            (Method::PATCH, &mut item.patch),
            (Method::HEAD, &mut item.head),
            (Method::OPTIONS, &mut item.options),
        ];
        for (method, op) in ops {
            if let Some(op) = op {
                complete_operation(&method, path, op);
            }
        }
    }
    doc
}

fn complete_operation(method: &Method, path: &str, op: &mut Operation) {
    // Handlers' names repeat across modules (`show`, `accept`…); ids must
    // not: `post_chats_id_accept` for POST /api/chats/{id}/accept.
    let words: Vec<&str> = path
        .trim_start_matches("/api/")
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    op.operation_id = Some(format!(
        "{}_{}",
        method.as_str().to_ascii_lowercase(),
        words.join("_")
    ));
    let responses = &mut op.responses.responses;
    if security::csrf_checked(method, path) && !responses.contains_key("403") {
        responses.insert(
            "403".into(),
            ResponseBuilder::new()
                .description("missing or wrong X-CSRF-Token on a cookie call")
                .into(),
        );
    }
    for (code, response) in responses.iter_mut() {
        let utoipa::openapi::RefOr::T(r) = response else {
            continue;
        };
        if r.description.is_empty() {
            r.description = code
                .parse::<u16>()
                .ok()
                .and_then(|c| axum::http::StatusCode::from_u16(c).ok())
                .and_then(|c| c.canonical_reason())
                .unwrap_or("")
                .to_string();
        }
        if code.starts_with('4') || code.starts_with('5') {
            r.content.insert(
                "application/json".into(),
                Content::new(Some(Ref::from_schema_name("ErrorBody"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The only way to serve an `/api/` route without documenting it is to
    /// register it by hand (axum's `route`, `nest`, …): none may be.
    #[test]
    fn no_api_route_is_registered_by_hand() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
        let mut offenders = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("src/http is readable") {
            let path = entry.expect("directory entry").path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source is readable");
            // Joined so a call split over lines is seen whole.
            let flat: String = text.split_whitespace().collect();
            for call in [".route(", ".route_service(", ".nest(", ".nest_service("] {
                for (i, _) in flat.match_indices(call) {
                    let arg = &flat[i + call.len()..];
                    if !arg.starts_with('"') || arg.starts_with("\"/api") {
                        offenders.push(format!(
                            "{}: {}",
                            path.display(),
                            &arg[..arg.len().min(60)]
                        ));
                    }
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "register API routes with utoipa_axum::routes! so they are documented: {offenders:#?}"
        );
    }

    #[test]
    fn every_error_response_has_the_error_body_and_cookie_changes_list_the_csrf_403() {
        let doc = serde_json::to_value(spec()).expect("the document serialises");
        let paths = doc["paths"].as_object().expect("paths");
        assert!(paths.contains_key("/api/bot/ask"));
        for (path, item) in paths {
            for (method, op) in item.as_object().expect("path item") {
                for (code, r) in op["responses"].as_object().expect("responses") {
                    if code.starts_with('4') {
                        assert_eq!(
                            r["content"]["application/json"]["schema"]["$ref"],
                            "#/components/schemas/ErrorBody",
                            "{method} {path} {code}"
                        );
                    }
                }
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
                if security::csrf_checked(&m, path) {
                    assert!(op["responses"].get("403").is_some(), "{method} {path}");
                }
            }
        }
    }
}
