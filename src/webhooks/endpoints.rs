//! What admins do with webhooks: register an endpoint (its secret is
//! returned once), list and remove them, read an endpoint's delivery log,
//! queue a test event.

use super::address::{AddressError, Policy, check_url};
use super::events::{EventKind, body};
use crate::store::webhooks::{self as store, DeliveryRow, WebhookRow};
use crate::store::{Db, StoreError};

/// Endpoints per desk at most.
pub const MAX_ENDPOINTS: usize = 20;
/// Deliveries shown per endpoint.
pub const LOG_LENGTH: i64 = 50;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error("Choose at least one event.")]
    NoEvents,
    #[error("{0} is not an event; the events are {list}.", list = EventKind::SUBSCRIBABLE.map(|k| k.as_str()).join(", "))]
    UnknownEvent(String),
    #[error("A desk has at most {MAX_ENDPOINTS} webhooks.")]
    TooMany,
    #[error("There is no such webhook.")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub events: Vec<EventKind>,
    pub created_at: i64,
}

impl From<WebhookRow> for Endpoint {
    fn from(r: WebhookRow) -> Self {
        Endpoint {
            events: r.events.split(',').filter_map(EventKind::parse).collect(),
            id: r.id,
            url: r.url,
            created_at: r.created_at,
        }
    }
}

/// A delivery as the log shows it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub event: String,
    pub payload: String,
    pub state: DeliveryState,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub last_response: Option<String>,
    pub last_attempt_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its (next) attempt, at that time.
    Pending {
        next_attempt_at: i64,
    },
    Delivered {
        at: i64,
    },
    /// Given up after the last attempt.
    Failed {
        at: i64,
    },
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending { .. } => "pending",
            DeliveryState::Delivered { .. } => "delivered",
            DeliveryState::Failed { .. } => "failed",
        }
    }
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        let state = match (r.delivered_at, r.failed_at) {
            (Some(at), _) => DeliveryState::Delivered { at },
            (None, Some(at)) => DeliveryState::Failed { at },
            (None, None) => DeliveryState::Pending {
                next_attempt_at: r.next_attempt_at,
            },
        };
        Delivery {
            id: r.id,
            event: r.event,
            payload: r.payload,
            state,
            attempts: r.attempts,
            last_status: r.last_status,
            last_error: r.last_error,
            last_response: r.last_response,
            last_attempt_at: r.last_attempt_at,
            created_at: r.created_at,
        }
    }
}

/// A new endpoint and its signing secret (shown this once).
pub struct Created {
    pub endpoint: Endpoint,
    pub secret: String,
}

pub async fn create(
    db: &Db,
    policy: Policy,
    url: &str,
    events: &[String],
    author_id: &str,
    now: i64,
) -> Result<Created, WebhookError> {
    let url = check_url(url, policy)?;
    let mut kinds: Vec<EventKind> = Vec::new();
    for e in events {
        let k = EventKind::parse(e.trim()).ok_or_else(|| WebhookError::UnknownEvent(e.clone()))?;
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    if kinds.is_empty() {
        return Err(WebhookError::NoEvents);
    }
    if store::all(db).await?.len() >= MAX_ENDPOINTS {
        return Err(WebhookError::TooMany);
    }
    let id = crate::ids::random_id();
    let secret = format!(
        "whsec_{}{}",
        crate::ids::random_id(),
        crate::ids::random_id()
    );
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    store::insert(
        db,
        &id,
        url.as_str(),
        &names.join(","),
        &secret,
        author_id,
        now,
    )
    .await?;
    Ok(Created {
        endpoint: Endpoint {
            id,
            url: url.to_string(),
            events: kinds,
            created_at: now,
        },
        secret,
    })
}

pub async fn list(db: &Db) -> Result<Vec<Endpoint>, WebhookError> {
    Ok(store::all(db)
        .await?
        .into_iter()
        .map(Endpoint::from)
        .collect())
}

pub async fn get(db: &Db, id: &str) -> Result<Endpoint, WebhookError> {
    store::by_id(db, id)
        .await?
        .map(Endpoint::from)
        .ok_or(WebhookError::NotFound)
}

pub async fn delete(db: &Db, id: &str) -> Result<(), WebhookError> {
    if store::delete(db, id).await? {
        Ok(())
    } else {
        Err(WebhookError::NotFound)
    }
}

/// The endpoint's newest deliveries.
pub async fn deliveries(db: &Db, id: &str) -> Result<Vec<Delivery>, WebhookError> {
    get(db, id).await?;
    Ok(store::deliveries(db, id, LOG_LENGTH)
        .await?
        .into_iter()
        .map(Delivery::from)
        .collect())
}

/// Queues a `webhook.test` delivery to the endpoint; returns its id.
pub async fn send_test(db: &Db, id: &str, now: i64) -> Result<i64, WebhookError> {
    get(db, id).await?;
    let payload = body(
        EventKind::Test,
        serde_json::json!({ "message": "A test event from Frontdesk." }),
        now,
    );
    Ok(store::enqueue_to(db, id, EventKind::Test.as_str(), &payload, now).await?)
}
