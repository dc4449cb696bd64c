//! `GET /metrics` (Prometheus's text format), off unless configured and
//! then open or behind a bearer token; and the layer that counts every
//! request by its route's pattern, method and status.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::error::PageError;
use crate::config::MetricsAccess;
use crate::store::{StoreError, outbox, webhooks};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/metrics", get(metrics))
}

/// Counts the request under its route's pattern (`/api/tickets/{number}`),
/// so that label values stay few whatever paths are asked for.
pub async fn count(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().as_str().to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    crate::metrics::http_request(&route, &method, res.status().as_u16(), started.elapsed());
    res
}

/// Why `/metrics` is refused.
enum Refusal {
    /// Metrics are off: as if there were no such page.
    Off,
    BadToken,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Off => PageError::NotFound.into_response(),
            Refusal::BadToken => (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
                "The metrics need the token set as metrics_token: Authorization: Bearer <token>.\n",
            )
                .into_response(),
        }
    }
}

fn allowed(access: &MetricsAccess, headers: &HeaderMap) -> Result<(), Refusal> {
    match access {
        MetricsAccess::Off => Err(Refusal::Off),
        MetricsAccess::Open => Ok(()),
        MetricsAccess::Token(token) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            // Digests compared, so the time taken says nothing of the token.
            if crate::ids::sha256_hex(given.trim()) == crate::ids::sha256_hex(token) {
                Ok(())
            } else {
                Err(Refusal::BadToken)
            }
        }
    }
}

async fn snapshot(state: &AppState) -> Result<crate::metrics::Snapshot, StoreError> {
    let (outbox_pending, outbox_failed) = outbox::depth(&state.db).await?;
    let (webhooks_pending, webhooks_failed) = webhooks::queue_depth(&state.db).await?;
    let idle = state.db.num_idle() as i64;
    Ok(crate::metrics::Snapshot {
        outbox_pending,
        outbox_failed,
        webhooks_pending,
        webhooks_failed,
        pool_idle: idle,
        pool_used: i64::from(state.db.size()) - idle,
    })
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(refused) = allowed(&state.metrics, &headers) {
        return refused.into_response();
    }
    match snapshot(&state).await {
        Ok(s) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            crate::metrics::render(&s),
        )
            .into_response(),
        Err(e) => PageError::Internal(format!("reading the queues: {e}")).into_response(),
    }
}
