//! The email outbox: notifications written in the same transaction as the
//! change that causes them, then claimed, sent and marked by a worker.

use sqlx::SqliteConnection;

use super::{Db, StoreError};

pub struct Outgoing<'a> {
    pub recipient: &'a str,
    pub recipient_name: Option<&'a str>,
    pub locale: &'a str,
    /// The notification, as JSON.
    pub payload: &'a str,
}

pub async fn enqueue(
    conn: &mut SqliteConnection,
    m: &Outgoing<'_>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (recipient, recipient_name, locale, payload, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(m.recipient)
    .bind(m.recipient_name)
    .bind(m.locale)
    .bind(m.payload)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    pub id: i64,
    pub recipient: String,
    pub recipient_name: Option<String>,
    pub locale: String,
    pub payload: String,
    pub attempts: i64,
}

/// Claims up to `limit` due messages for `lease_secs`: a claimed message is
/// not handed to another worker until the lease runs out (a worker that
/// died mid-send), so no message is sent twice by two workers.
pub async fn claim_due(
    db: &Db,
    now: i64,
    limit: i64,
    lease_secs: i64,
) -> Result<Vec<Pending>, StoreError> {
    let candidates: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 AND claimed_until <= $1 ORDER BY id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut claimed = Vec::new();
    for (id,) in candidates {
        let row: Option<Pending> = sqlx::query_as(
            "UPDATE outbox SET claimed_until = $1 WHERE id = $2 AND claimed_until <= $3 AND sent_at IS NULL \
             RETURNING id, recipient, recipient_name, locale, payload, attempts",
        )
        .bind(now + lease_secs)
        .bind(id)
        .bind(now)
        .fetch_optional(db)
        .await?;
        claimed.extend(row);
    }
    Ok(claimed)
}

pub async fn mark_sent(db: &Db, id: i64, now: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failed attempt; `retry_at` None gives up on the message.
pub async fn mark_failed(
    db: &Db,
    id: i64,
    error: &str,
    retry_at: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = COALESCE($2, next_attempt_at), \
         failed_at = CASE WHEN $2 IS NULL THEN $3 ELSE NULL END, claimed_until = 0 WHERE id = $4",
    )
    .bind(error)
    .bind(retry_at)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Emails waiting to be sent, and those given up (for `/metrics`).
pub async fn depth(db: &Db) -> Result<(i64, i64), StoreError> {
    Ok(sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM outbox",
    )
    .fetch_one(db)
    .await?)
}

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct OutboxEntry {
    pub id: i64,
    pub recipient: String,
    pub payload: String,
    pub attempts: i64,
    pub sent_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

/// The newest outbox entries, for admins and tests.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<OutboxEntry>, StoreError> {
    Ok(sqlx::query_as::<_, OutboxEntry>(
        "SELECT id, recipient, payload, attempts, sent_at, failed_at, last_error FROM outbox ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?)
}
