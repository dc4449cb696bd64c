//! New tickets offered to one operator at a time. An offer is a row keyed
//! by the ticket, so a ticket is never offered to two operators at once;
//! who declined is remembered so it moves on to someone else.

use super::{Db, StoreError};

/// Offers the ticket to `operator_id`; false if it is already offered.
pub async fn offer(
    db: &Db,
    ticket_id: &str,
    operator_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let mut conn = db.acquire().await?;
    offer_in(&mut conn, ticket_id, operator_id, now).await
}

/// The same, inside the caller's transaction.
pub async fn offer_in(
    conn: &mut sqlx::SqliteConnection,
    ticket_id: &str,
    operator_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "INSERT INTO ticket_offers (ticket_id, offered_to, offered_at) VALUES ($1, $2, $3) \
         ON CONFLICT (ticket_id) DO NOTHING",
    )
    .bind(ticket_id)
    .bind(operator_id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Who the ticket is offered to, if anyone.
pub async fn offered_to(db: &Db, ticket_id: &str) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT offered_to FROM ticket_offers WHERE ticket_id = $1")
            .bind(ticket_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|r| r.0))
}

/// Removes the offer (it was taken, or the ticket moved on).
pub async fn withdraw(db: &Db, ticket_id: &str) -> Result<(), StoreError> {
    let mut conn = db.acquire().await?;
    withdraw_in(&mut conn, ticket_id).await
}

/// The same, inside the caller's transaction.
pub async fn withdraw_in(
    conn: &mut sqlx::SqliteConnection,
    ticket_id: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM ticket_offers WHERE ticket_id = $1")
        .bind(ticket_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// `operator_id` declines (or let time pass on) the offer; false if it was
/// not theirs.
pub async fn decline(db: &Db, ticket_id: &str, operator_id: &str) -> Result<bool, StoreError> {
    super::decline_and_record(
        db,
        "DELETE FROM ticket_offers WHERE ticket_id = $1 AND offered_to = $2",
        "INSERT INTO ticket_declines (ticket_id, operator_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        ticket_id,
        operator_id,
    )
    .await
}

/// Operators who declined the ticket.
pub async fn declined_by(db: &Db, ticket_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT operator_id FROM ticket_declines WHERE ticket_id = $1")
            .bind(ticket_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Offers made at or before `before`: (ticket, operator).
pub async fn stale(db: &Db, before: i64) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT ticket_id, offered_to FROM ticket_offers WHERE offered_at <= $1 ORDER BY offered_at LIMIT 500",
    )
    .bind(before)
    .fetch_all(db)
    .await?)
}

/// New, unassigned tickets with no offer, most urgent first: the ones to
/// offer (a chat's own ticket already has its operator in the chat).
pub async fn waiting(db: &Db) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT t.id FROM tickets t WHERE t.status = 'new' AND t.assignee_id IS NULL AND t.source <> 'chat' \
         AND NOT EXISTS (SELECT 1 FROM ticket_offers o WHERE o.ticket_id = t.id) \
         ORDER BY t.response_due_at, t.number LIMIT 100",
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
