//! Webhook endpoints and their delivery queue.

use sqlx::SqliteConnection;

use super::{Db, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: String,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub created_at: i64,
}

const HOOK: &str = "SELECT id, url, events, secret, created_at FROM webhooks";

pub async fn insert(
    db: &Db,
    id: &str,
    url: &str,
    events: &str,
    secret: &str,
    created_by: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO webhooks (id, url, events, secret, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(url)
    .bind(events)
    .bind(secret)
    .bind(created_by)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn all(db: &Db) -> Result<Vec<WebhookRow>, StoreError> {
    Ok(
        sqlx::query_as::<_, WebhookRow>(&format!("{HOOK} ORDER BY created_at, id"))
            .fetch_all(db)
            .await?,
    )
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<WebhookRow>, StoreError> {
    Ok(
        sqlx::query_as::<_, WebhookRow>(&format!("{HOOK} WHERE id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// `false` when there was no such endpoint.
pub async fn delete(db: &Db, id: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM webhooks WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Queues `payload` for every endpoint that subscribed to `event`, in the
/// caller's transaction: one statement, nothing when there is none.
pub async fn enqueue(
    conn: &mut SqliteConnection,
    event: &str,
    payload: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (webhook_id, event, payload, next_attempt_at, created_at) \
         SELECT id, $1, $2, $3, $3 FROM webhooks WHERE (',' || events || ',') LIKE ('%,' || $1 || ',%')",
    )
    .bind(event)
    .bind(payload)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues a delivery to one endpoint whatever it subscribed to (a test event).
pub async fn enqueue_to(
    db: &Db,
    webhook_id: &str,
    event: &str,
    payload: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO webhook_deliveries (webhook_id, event, payload, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(webhook_id)
    .bind(event)
    .bind(payload)
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(id)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Due {
    pub id: i64,
    pub webhook_id: String,
    pub url: String,
    pub secret: String,
    pub event: String,
    pub payload: String,
    pub attempts: i64,
}

/// Claims up to `limit` due deliveries for `lease_secs`; a claimed one is
/// not handed to another worker until its lease runs out.
pub async fn claim_due(
    db: &Db,
    now: i64,
    limit: i64,
    lease_secs: i64,
) -> Result<Vec<Due>, StoreError> {
    let candidates: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM webhook_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL \
         AND next_attempt_at <= $1 AND claimed_until <= $1 ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut claimed = Vec::new();
    for (id,) in candidates {
        let won = sqlx::query(
            "UPDATE webhook_deliveries SET claimed_until = $1 WHERE id = $2 AND claimed_until <= $3 \
             AND delivered_at IS NULL AND failed_at IS NULL",
        )
        .bind(now + lease_secs)
        .bind(id)
        .bind(now)
        .execute(db)
        .await?
        .rows_affected()
            == 1;
        if won {
            let row: Option<Due> = sqlx::query_as(
                "SELECT d.id, d.webhook_id, w.url, w.secret, d.event, d.payload, d.attempts \
                 FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
            )
            .bind(id)
            .fetch_optional(db)
            .await?;
            claimed.extend(row);
        }
    }
    Ok(claimed)
}

/// What one attempt gave.
pub struct Attempt<'a> {
    pub status: Option<i64>,
    pub error: Option<&'a str>,
    pub response: Option<&'a str>,
    /// Delivered (a 2xx answer).
    pub delivered: bool,
    /// When to try again; None with `delivered` false: given up.
    pub retry_at: Option<i64>,
    pub now: i64,
}

pub async fn record(db: &Db, id: i64, a: &Attempt<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $1, last_error = $2, \
         last_response = $3, last_attempt_at = $4, claimed_until = 0, \
         delivered_at = CASE WHEN $5 THEN $4 ELSE NULL END, \
         next_attempt_at = COALESCE($6, next_attempt_at), \
         failed_at = CASE WHEN $5 OR $6 IS NOT NULL THEN NULL ELSE $4 END \
         WHERE id = $7",
    )
    .bind(a.status)
    .bind(a.error)
    .bind(a.response)
    .bind(a.now)
    .bind(a.delivered)
    .bind(a.retry_at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub event: String,
    pub payload: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub delivered_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub last_response: Option<String>,
    pub last_attempt_at: Option<i64>,
    pub created_at: i64,
}

/// An endpoint's newest deliveries.
pub async fn deliveries(
    db: &Db,
    webhook_id: &str,
    limit: i64,
) -> Result<Vec<DeliveryRow>, StoreError> {
    Ok(sqlx::query_as::<_, DeliveryRow>(
        "SELECT id, event, payload, attempts, next_attempt_at, delivered_at, failed_at, last_status, \
         last_error, last_response, last_attempt_at, created_at \
         FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(webhook_id)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Deliveries waiting to be sent, and those given up (for `/metrics`).
pub async fn queue_depth(db: &Db) -> Result<(i64, i64), StoreError> {
    Ok(sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN delivered_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM webhook_deliveries",
    )
    .fetch_one(db)
    .await?)
}
