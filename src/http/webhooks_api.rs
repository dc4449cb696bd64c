//! Webhooks (admins): register endpoints for the desk's events, remove
//! them, read each one's delivery log, send a test event.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiPath};
use super::session_api::{JsonBody, json_body};
use crate::store::now;
use crate::webhooks::endpoints::{self, Delivery, DeliveryState, Endpoint, WebhookError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(delete))
        .routes(routes!(deliveries))
        .routes(routes!(send_test))
}

impl From<WebhookError> for ApiError {
    fn from(e: WebhookError) -> Self {
        match e {
            WebhookError::Store(s) => s.into(),
            WebhookError::Address(_) => ApiError::bad("invalid", Some("url"), e.to_string()),
            WebhookError::NoEvents | WebhookError::UnknownEvent(_) => {
                ApiError::bad("invalid", Some("events"), e.to_string())
            }
            WebhookError::TooMany => ApiError::Conflict(e.to_string()),
            WebhookError::NotFound => ApiError::NotFound(e.to_string()),
        }
    }
}

/// A webhook endpoint.
#[derive(Serialize, ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    /// The events it receives.
    pub events: Vec<String>,
    pub created_at: i64,
}

impl From<Endpoint> for WebhookView {
    fn from(e: Endpoint) -> Self {
        WebhookView {
            id: e.id,
            url: e.url,
            events: e.events.iter().map(|k| k.as_str().to_string()).collect(),
            created_at: e.created_at,
        }
    }
}

/// A new endpoint, with the secret that signs its deliveries: shown this
/// once, keep it.
#[derive(Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookView,
    pub secret: String,
}

/// An endpoint to register: an `https://` URL on a public address, and the
/// events (`ticket.created`, `ticket.status_changed`, `ticket.replied`,
/// `chat.requested`, `chat.started`, `chat.ended`, `bot.escalated`,
/// `feedback.created`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
}

/// One delivery of the log.
#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    pub event: String,
    /// `pending`, `delivered` or `failed` (given up).
    pub state: String,
    pub attempts: i64,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<i64>,
    /// The endpoint's last HTTP status.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    /// The start of the endpoint's last answer.
    pub last_response: Option<String>,
    pub last_attempt_at: Option<i64>,
    /// The JSON body sent.
    pub payload: String,
    pub created_at: i64,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            id: d.id,
            event: d.event,
            state: d.state.as_str().to_string(),
            attempts: d.attempts,
            next_attempt_at: match d.state {
                DeliveryState::Pending { next_attempt_at } => Some(next_attempt_at),
                _ => None,
            },
            last_status: d.last_status,
            last_error: d.last_error,
            last_response: d.last_response,
            last_attempt_at: d.last_attempt_at,
            payload: d.payload,
            created_at: d.created_at,
        }
    }
}

/// The desk's webhook endpoints.
#[utoipa::path(get, path = "/api/admin/webhooks", tag = "operators",
    responses((status = 200, body = [WebhookView]), (status = 401), (status = 403)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<WebhookView>>, ApiError> {
    caller.require_admin()?;
    let all = endpoints::list(&state.db).await?;
    Ok(Json(all.into_iter().map(WebhookView::from).collect()))
}

/// Registers an endpoint. Its deliveries are signed with the returned
/// secret: `X-Frontdesk-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
/// "<t>.<body>">`.
#[utoipa::path(post, path = "/api/admin/webhooks", tag = "operators", request_body = NewWebhook,
    responses((status = 201, body = CreatedWebhook), (status = 400), (status = 401), (status = 403), (status = 409)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<NewWebhook>,
) -> Result<(StatusCode, Json<CreatedWebhook>), ApiError> {
    let me = caller.require_admin()?;
    let body = json_body(body)?;
    let made = endpoints::create(
        &state.db,
        state.webhooks,
        &body.url,
        &body.events,
        &me.id,
        now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhook {
            webhook: made.endpoint.into(),
            secret: made.secret,
        }),
    ))
}

/// Removes an endpoint and its queued deliveries.
#[utoipa::path(delete, path = "/api/admin/webhooks/{id}", tag = "operators",
    params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_admin()?;
    endpoints::delete(&state.db, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The endpoint's newest deliveries (50), with the last answers.
#[utoipa::path(get, path = "/api/admin/webhooks/{id}/deliveries", tag = "operators",
    params(("id" = String, Path)),
    responses((status = 200, body = [DeliveryView]), (status = 401), (status = 403), (status = 404)))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    caller.require_admin()?;
    let all = endpoints::deliveries(&state.db, &id).await?;
    Ok(Json(all.into_iter().map(DeliveryView::from).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct QueuedTest {
    /// The delivery's id in the log.
    pub delivery: i64,
}

/// Queues a `webhook.test` event to the endpoint.
#[utoipa::path(post, path = "/api/admin/webhooks/{id}/test", tag = "operators",
    params(("id" = String, Path)),
    responses((status = 202, body = QueuedTest), (status = 401), (status = 403), (status = 404)))]
pub async fn send_test(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<(StatusCode, Json<QueuedTest>), ApiError> {
    caller.require_admin()?;
    let delivery = endpoints::send_test(&state.db, &id, now()).await?;
    Ok((StatusCode::ACCEPTED, Json(QueuedTest { delivery })))
}
