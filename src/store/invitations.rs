//! Chats an operator offers to a ticket's user. An invitation is answered
//! once: every change is a conditional UPDATE on `status = 'pending'`, and
//! accepting creates the chat in the same transaction.

use serde::Serialize;

use super::{Db, StoreError};
use crate::tickets::fields::Priority;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Invitation {
    pub id: String,
    #[serde(skip)]
    pub ticket_id: String,
    #[serde(skip)]
    pub operator_id: String,
    #[serde(skip)]
    pub user_id: String,
    /// pending, accepted, declined, expired or cancelled.
    pub status: String,
    /// The chat that began when the user accepted.
    pub chat_id: Option<String>,
    pub created_at: i64,
    pub answered_at: Option<i64>,
}

const COLUMNS: &str =
    "id, ticket_id, operator_id, user_id, status, chat_id, created_at, answered_at";

pub async fn create(
    db: &Db,
    ticket_id: &str,
    operator_id: &str,
    user_id: &str,
    now: i64,
) -> Result<Invitation, StoreError> {
    let id = crate::ids::random_id();
    sqlx::query(
        "INSERT INTO chat_invitations (id, ticket_id, operator_id, user_id, status, created_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5)",
    )
    .bind(&id)
    .bind(ticket_id)
    .bind(operator_id)
    .bind(user_id)
    .bind(now)
    .execute(db)
    .await?;
    by_id(db, &id).await?.ok_or(StoreError::NotFound)
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<Invitation>, StoreError> {
    Ok(sqlx::query_as::<_, Invitation>(&format!(
        "SELECT {COLUMNS} FROM chat_invitations WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// The invitation still waiting for the ticket's user, if any (created
/// after `since`: older ones have expired, whether or not marked so yet).
pub async fn pending_for_ticket(
    db: &Db,
    ticket_id: &str,
    since: i64,
) -> Result<Option<Invitation>, StoreError> {
    Ok(sqlx::query_as::<_, Invitation>(&format!(
        "SELECT {COLUMNS} FROM chat_invitations WHERE ticket_id = $1 AND status = 'pending' AND created_at > $2 \
         ORDER BY created_at DESC LIMIT 1"
    ))
    .bind(ticket_id)
    .bind(since)
    .fetch_optional(db)
    .await?)
}

/// One side of an invitation.
#[derive(Debug, Clone, Copy)]
pub enum Party {
    /// The ticket's user, who answers.
    User,
    /// The operator who sent it.
    Operator,
}

/// The pending invitations (created after `since`) of one user on one side,
/// newest first: those waiting for their answer, or those they sent.
pub async fn pending_of(
    db: &Db,
    party: Party,
    id: &str,
    since: i64,
) -> Result<Vec<Invitation>, StoreError> {
    let column = match party {
        Party::User => "user_id",
        Party::Operator => "operator_id",
    };
    Ok(sqlx::query_as::<_, Invitation>(&format!(
        "SELECT {COLUMNS} FROM chat_invitations WHERE {column} = $1 AND status = 'pending' AND created_at > $2 \
         ORDER BY created_at DESC LIMIT 50"
    ))
    .bind(id)
    .bind(since)
    .fetch_all(db)
    .await?)
}

/// Closes a pending invitation (declined, cancelled); false if it was no
/// longer pending.
pub async fn close(db: &Db, id: &str, status: &str, now: i64) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE chat_invitations SET status = $1, answered_at = $2 WHERE id = $3 AND status = 'pending'",
    )
    .bind(status)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Marks every invitation created at or before `cutoff` and still pending
/// as expired, and returns them.
pub async fn expire(db: &Db, cutoff: i64, now: i64) -> Result<Vec<Invitation>, StoreError> {
    Ok(sqlx::query_as::<_, Invitation>(&format!(
        "UPDATE chat_invitations SET status = 'expired', answered_at = $1 \
         WHERE status = 'pending' AND created_at <= $2 RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(cutoff)
    .fetch_all(db)
    .await?)
}

/// The user accepts: the invitation (if still pending and created after
/// `since`) becomes an active chat with its operator, about its ticket.
/// Returns the new chat's id, or `None` when it was too late.
pub async fn accept(
    db: &Db,
    inv: &Invitation,
    priority: Priority,
    since: i64,
    now: i64,
) -> Result<Option<String>, StoreError> {
    let mut tx = db.begin().await?;
    let chat_id = crate::ids::random_id();
    // The chat first (the invitation refers to it), then the answer: if the
    // invitation was no longer pending, dropping the transaction undoes both.
    sqlx::query(
        "INSERT INTO chat_requests (id, user_id, ticket_id, priority, status, operator_id, accepted_at, created_at) \
         VALUES ($1, $2, $3, $4, 'active', $5, $6, $6)",
    )
    .bind(&chat_id)
    .bind(&inv.user_id)
    .bind(&inv.ticket_id)
    .bind(priority.as_str())
    .bind(&inv.operator_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let n = sqlx::query(
        "UPDATE chat_invitations SET status = 'accepted', answered_at = $1, chat_id = $2 \
         WHERE id = $3 AND status = 'pending' AND created_at > $4",
    )
    .bind(now)
    .bind(&chat_id)
    .bind(&inv.id)
    .bind(since)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Ok(None);
    }
    sqlx::query("UPDATE operator_presence SET last_assigned_at = $1 WHERE user_id = $2")
        .bind(now)
        .bind(&inv.operator_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(chat_id))
}
