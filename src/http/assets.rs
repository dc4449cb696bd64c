//! Static assets compiled into the binary (the widget, the help center's
//! stylesheet, the demo host product) and the health endpoint.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::AppState;

const WIDGET_JS: &str = include_str!("../../widget/widget.js");
const WIDGET_CSS: &str = include_str!("../../widget/widget.css");
const HELP_CSS: &str = include_str!("../../static/help.css");
const PORTAL_CSS: &str = include_str!("../../static/portal.css");
const CONSOLE_CSS: &str = include_str!("../../static/console.css");
const CONSOLE_JS: &str = include_str!("../../static/console.js");
const DEMO_CSS: &str = include_str!("../../widget/demo/demo.css");
const DEMO_JS: &str = include_str!("../../widget/demo/demo.js");
const FAVICON: &str = include_str!("../../static/favicon.svg");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/help") }))
        .route("/healthz", get(health))
        .route(
            "/favicon.svg",
            get(|| async { asset(FAVICON, "image/svg+xml") }),
        )
        // Browsers ask for this one on pages that name no icon.
        .route(
            "/favicon.ico",
            get(|| async { Redirect::permanent("/favicon.svg") }),
        )
        .route(
            "/widget.js",
            get(|| async { asset(WIDGET_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/widget.css",
            get(|| async { asset(WIDGET_CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/static/console.css",
            get(|| async { asset(CONSOLE_CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/static/console.js",
            get(|| async { asset(CONSOLE_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/static/portal.css",
            get(|| async { asset(PORTAL_CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/static/help.css",
            get(|| async { asset(HELP_CSS, "text/css; charset=utf-8") }),
        )
        .route("/demo", get(|| async { demo_page("index", "dashboard") }))
        .route("/demo/", get(|| async { Redirect::to("/demo") }))
        .route(
            "/demo/demo.css",
            get(|| async { asset(DEMO_CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/demo/demo.js",
            get(|| async { asset(DEMO_JS, "text/javascript; charset=utf-8") }),
        )
        .route("/demo/exams", get(|| async { demo_page("exams", "exams") }))
        .route(
            "/demo/exams/{id}/settings",
            get(|Path(id): Path<String>| async move { demo_exam(&id, "exam-settings", "exams") }),
        )
        .route(
            "/demo/exams/{id}/grading",
            get(|Path(id): Path<String>| async move { demo_exam(&id, "grading", "grading") }),
        )
        .route(
            "/demo/students",
            get(|| async { demo_page("students", "students") }),
        )
        .route(
            "/demo/bookings",
            get(|| async { demo_page("bookings", "bookings") }),
        )
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
            // The widget is embedded in other sites' pages.
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        body,
    )
        .into_response()
}

/// A page of the demo host product, with `nav` marked as the current section.
fn demo_page(page: &str, nav: &str) -> Response {
    match super::templates::render(
        &format!("demo/{page}.html"),
        minijinja::context! { nav => nav },
    ) {
        Ok(html) => Html(html).into_response(),
        Err(e) => super::error::PageError::Internal(format!("{e:#}")).into_response(),
    }
}

/// The demo pages exist for any numeric exam id, like a real product's would.
fn demo_exam(id: &str, page: &str, nav: &str) -> Response {
    if !id.is_empty() && id.len() <= 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        demo_page(page, nav)
    } else {
        (
            StatusCode::NOT_FOUND,
            Html("<!doctype html><title>Not found</title><p>No such exam.</p>"),
        )
            .into_response()
    }
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    let k = state.knowledge.current();
    Json(json!({
        "status": "ok",
        "articles": k.kb.articles.len(),
        "sections": k.kb.articles.iter().map(|a| a.sections.len()).sum::<usize>(),
        "problems": k.kb.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        "knowledge_hash": k.kb.hash,
        "retrieval": state.knowledge.retrieval_status(),
        // What runs the embedding model, when there is one.
        "embedding_engine": k.embedder.as_ref().map(|e| e.runs_on()),
    }))
}
