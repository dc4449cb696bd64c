//! Operators' availability and the queue of chat requests. Every change of
//! a request's owner is a conditional UPDATE on its current state, so two
//! operators (even in two server processes) can never both take it.

use serde::Serialize;
use sqlx::SqliteConnection;

use super::{Db, StoreError};
use crate::tickets::fields::Priority;

/// Whether an operator takes chats and tickets now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Available,
    Away,
    Offline,
}

impl Availability {
    pub const ALL: [Availability; 3] = [
        Availability::Available,
        Availability::Away,
        Availability::Offline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Available => "available",
            Availability::Away => "away",
            Availability::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<Availability> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Presence {
    pub availability: Availability,
    pub capacity: i64,
    pub last_assigned_at: i64,
    pub updated_at: i64,
}

pub async fn set_presence(
    db: &Db,
    user_id: &str,
    availability: Availability,
    capacity: Option<i64>,
    now: i64,
) -> Result<Presence, StoreError> {
    sqlx::query(
        "INSERT INTO operator_presence (user_id, availability, capacity, updated_at) VALUES ($1, $2, COALESCE($3, 5), $4) \
         ON CONFLICT (user_id) DO UPDATE SET availability = excluded.availability, \
         capacity = COALESCE($3, operator_presence.capacity), updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(availability.as_str())
    .bind(capacity)
    .bind(now)
    .execute(db)
    .await?;
    presence(db, user_id).await?.ok_or(StoreError::NotFound)
}

pub async fn presence(db: &Db, user_id: &str) -> Result<Option<Presence>, StoreError> {
    Ok(sqlx::query_as::<_, Presence>(
        "SELECT availability, capacity, last_assigned_at, updated_at FROM operator_presence WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ChatRequest {
    pub id: String,
    #[serde(skip)]
    pub user_id: String,
    #[serde(skip)]
    pub team_id: Option<String>,
    #[serde(skip)]
    pub only_operator: Option<String>,
    #[serde(skip)]
    pub ticket_id: Option<String>,
    #[serde(skip)]
    pub conversation_id: Option<String>,
    #[sqlx(try_from = "String")]
    pub priority: Priority,
    pub status: String,
    #[serde(skip)]
    pub offered_to: Option<String>,
    pub offered_at: Option<i64>,
    #[serde(skip)]
    pub operator_id: Option<String>,
    pub accepted_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
    #[serde(skip)]
    pub transcript_event_id: Option<i64>,
    pub created_at: i64,
}

const REQUEST_COLUMNS: &str = "id, user_id, team_id, only_operator, ticket_id, conversation_id, priority, status, offered_to, offered_at, operator_id, accepted_at, ended_at, end_reason, transcript_event_id, created_at";

/// Orders requests by priority, then by age.
const QUEUE_ORDER: &str = "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, created_at, id";

pub struct NewRequest<'a> {
    pub user_id: &'a str,
    pub team_id: Option<&'a str>,
    pub only_operator: Option<&'a str>,
    pub ticket_id: Option<&'a str>,
    pub conversation_id: Option<&'a str>,
    pub priority: Priority,
    pub now: i64,
}

pub async fn create_request(db: &Db, r: &NewRequest<'_>) -> Result<ChatRequest, StoreError> {
    let mut conn = db.acquire().await?;
    create_request_in(&mut conn, r).await
}

/// `create_request` in the caller's transaction (with the events it causes).
pub async fn create_request_in(
    conn: &mut SqliteConnection,
    r: &NewRequest<'_>,
) -> Result<ChatRequest, StoreError> {
    let id = crate::ids::random_id();
    sqlx::query(
        "INSERT INTO chat_requests (id, user_id, team_id, ticket_id, conversation_id, priority, status, created_at, only_operator) \
         VALUES ($1, $2, $3, $4, $5, $6, 'waiting', $7, $8)",
    )
    .bind(&id)
    .bind(r.user_id)
    .bind(r.team_id)
    .bind(r.ticket_id)
    .bind(r.conversation_id)
    .bind(r.priority.as_str())
    .bind(r.now)
    .bind(r.only_operator)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_as::<_, ChatRequest>(&format!(
        "SELECT {REQUEST_COLUMNS} FROM chat_requests WHERE id = $1"
    ))
    .bind(&id)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn request(db: &Db, id: &str) -> Result<Option<ChatRequest>, StoreError> {
    Ok(sqlx::query_as::<_, ChatRequest>(&format!(
        "SELECT {REQUEST_COLUMNS} FROM chat_requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// Requests not yet taken (waiting or offered), in queue order.
pub async fn open_requests(db: &Db) -> Result<Vec<ChatRequest>, StoreError> {
    Ok(sqlx::query_as::<_, ChatRequest>(&format!(
        "SELECT {REQUEST_COLUMNS} FROM chat_requests WHERE status IN ('waiting', 'offered') ORDER BY {QUEUE_ORDER} LIMIT 500"
    ))
    .fetch_all(db)
    .await?)
}

/// An operator who could be offered a request.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Candidate {
    pub user_id: String,
    pub active: i64,
    pub capacity: i64,
    pub last_assigned_at: i64,
}

/// Available operators of the request's team (any operator when it has
/// none) who have not declined it, with their number of live chats.
pub async fn candidates(db: &Db, request: &ChatRequest) -> Result<Vec<Candidate>, StoreError> {
    Ok(sqlx::query_as::<_, Candidate>(
        "SELECT p.user_id, \
           (SELECT COUNT(*) FROM chat_requests c WHERE c.operator_id = p.user_id AND c.status = 'active') AS active, \
           p.capacity, p.last_assigned_at \
         FROM operator_presence p JOIN users u ON u.id = p.user_id \
         WHERE p.availability = 'available' AND u.role IN ('operator', 'admin') \
           AND ($1 IS NULL OR EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = $1 AND m.user_id = p.user_id)) \
           AND NOT EXISTS (SELECT 1 FROM chat_declines d WHERE d.request_id = $2 AND d.operator_id = p.user_id) \
           AND ($3 IS NULL OR p.user_id = $3)",
    )
    .bind(&request.team_id)
    .bind(&request.id)
    .bind(&request.only_operator)
    .fetch_all(db)
    .await?)
}

/// Every available operator, with their number of live chats (for work
/// that belongs to no team, such as an overdue ticket).
pub async fn available_operators(db: &Db) -> Result<Vec<Candidate>, StoreError> {
    Ok(sqlx::query_as::<_, Candidate>(
        "SELECT p.user_id, \
           (SELECT COUNT(*) FROM chat_requests c WHERE c.operator_id = p.user_id AND c.status = 'active') AS active, \
           p.capacity, p.last_assigned_at \
         FROM operator_presence p JOIN users u ON u.id = p.user_id \
         WHERE p.availability = 'available' AND u.role IN ('operator', 'admin')",
    )
    .fetch_all(db)
    .await?)
}

/// Offers a waiting request to `operator_id`; false if it is no longer waiting.
pub async fn offer(
    db: &Db,
    request_id: &str,
    operator_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE chat_requests SET status = 'offered', offered_to = $1, offered_at = $2 WHERE id = $3 AND status = 'waiting'",
    )
    .bind(operator_id)
    .bind(now)
    .bind(request_id)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// `operator_id` takes the request if nobody has: exactly one of several
/// concurrent takers sees `true`.
pub async fn take(
    db: &Db,
    request_id: &str,
    operator_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let won = take_in(&mut tx, request_id, operator_id, now).await?;
    tx.commit().await?;
    Ok(won)
}

/// `take` in the caller's transaction.
pub async fn take_in(
    conn: &mut SqliteConnection,
    request_id: &str,
    operator_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE chat_requests SET status = 'active', operator_id = $1, accepted_at = $2, offered_to = NULL \
         WHERE id = $3 AND status IN ('waiting', 'offered') AND (only_operator IS NULL OR only_operator = $1) \
           AND (team_id IS NULL OR EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = chat_requests.team_id AND m.user_id = $1))",
    )
    .bind(operator_id)
    .bind(now)
    .bind(request_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 1 {
        sqlx::query("UPDATE operator_presence SET last_assigned_at = $1 WHERE user_id = $2")
            .bind(now)
            .bind(operator_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(n == 1)
}

pub async fn decline(db: &Db, request_id: &str, operator_id: &str) -> Result<bool, StoreError> {
    super::decline_and_record(
        db,
        "UPDATE chat_requests SET status = 'waiting', offered_to = NULL, offered_at = NULL \
         WHERE id = $1 AND status = 'offered' AND offered_to = $2",
        "INSERT INTO chat_declines (request_id, operator_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        request_id,
        operator_id,
    )
    .await
}

/// Offers made before `before` that nobody answered.
pub async fn stale_offers(db: &Db, before: i64) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, offered_to FROM chat_requests WHERE status = 'offered' AND offered_at <= $1 AND offered_to IS NOT NULL",
    )
    .bind(before)
    .fetch_all(db)
    .await?)
}

/// The oldest waiting request `operator_id` may take (team, not declined).
pub async fn next_for(db: &Db, operator_id: &str) -> Result<Option<ChatRequest>, StoreError> {
    Ok(sqlx::query_as::<_, ChatRequest>(&format!(
        "SELECT {REQUEST_COLUMNS} FROM chat_requests c WHERE c.status = 'waiting' \
           AND (c.team_id IS NULL OR EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = c.team_id AND m.user_id = $1)) \
           AND NOT EXISTS (SELECT 1 FROM chat_declines d WHERE d.request_id = c.id AND d.operator_id = $1) \
           AND (c.only_operator IS NULL OR c.only_operator = $1) \
         ORDER BY {QUEUE_ORDER} LIMIT 1"
    ))
    .bind(operator_id)
    .fetch_optional(db)
    .await?)
}

/// Ends a request (a live chat or one still waiting); false if already over.
pub async fn end(db: &Db, request_id: &str, reason: &str, now: i64) -> Result<bool, StoreError> {
    let mut conn = db.acquire().await?;
    end_in(&mut conn, request_id, reason, now).await
}

/// `end` in the caller's transaction.
pub async fn end_in(
    conn: &mut SqliteConnection,
    request_id: &str,
    reason: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE chat_requests SET status = CASE status WHEN 'active' THEN 'ended' ELSE 'cancelled' END, ended_at = $1, offered_to = NULL, end_reason = $3 \
         WHERE id = $2 AND status IN ('waiting', 'offered', 'active')",
    )
    .bind(now)
    .bind(request_id)
    .bind(reason)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// How many open requests are ahead of `request` in the queue (0: next).
pub async fn position(db: &Db, request: &ChatRequest) -> Result<i64, StoreError> {
    let open = open_requests(db).await?;
    Ok(open.iter().position(|r| r.id == request.id).unwrap_or(0) as i64)
}

pub async fn team_by_name(db: &Db, name: &str) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT id FROM teams WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| r.0))
}

pub async fn create_team(db: &Db, name: &str, now: i64) -> Result<String, StoreError> {
    let id = crate::ids::random_id();
    sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(&id)
        .bind(name)
        .bind(now)
        .execute(db)
        .await?;
    Ok(id)
}

pub async fn add_team_member(db: &Db, team_id: &str, user_id: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(team_id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn is_team_member(db: &Db, team_id: &str, user_id: &str) -> Result<bool, StoreError> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM team_members WHERE team_id = $1 AND user_id = $2")
            .bind(team_id)
            .bind(user_id)
            .fetch_optional(db)
            .await?;
    Ok(row.is_some())
}

/// Chats in progress, oldest first.
pub async fn active(db: &Db) -> Result<Vec<ChatRequest>, StoreError> {
    Ok(sqlx::query_as::<_, ChatRequest>(&format!(
        "SELECT {REQUEST_COLUMNS} FROM chat_requests WHERE status = 'active' ORDER BY accepted_at LIMIT 10000"
    ))
    .fetch_all(db)
    .await?)
}

/// When each active chat last had a message (chats without one are absent):
/// one query for the timers, however many chats are live.
pub async fn last_message_times(
    db: &Db,
) -> Result<std::collections::HashMap<String, i64>, StoreError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT m.chat_id, MAX(m.created_at) FROM chat_messages m \
         JOIN chat_requests c ON c.id = m.chat_id WHERE c.status = 'active' GROUP BY m.chat_id",
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Links a chat to its ticket (once).
pub async fn set_ticket(db: &Db, chat_id: &str, ticket_id: &str) -> Result<bool, StoreError> {
    let n =
        sqlx::query("UPDATE chat_requests SET ticket_id = $1 WHERE id = $2 AND ticket_id IS NULL")
            .bind(ticket_id)
            .bind(chat_id)
            .execute(db)
            .await?
            .rows_affected();
    Ok(n == 1)
}

pub async fn set_transcript_event(db: &Db, chat_id: &str, event_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE chat_requests SET transcript_event_id = $1 WHERE id = $2")
        .bind(event_id)
        .bind(chat_id)
        .execute(db)
        .await?;
    Ok(())
}

/// When the last `limit` requests of a team (None: without team) were
/// taken since `since`, oldest first.
/// How long the requests taken since `since` waited (seconds), newest
/// first, at most `limit`.
pub async fn recent_waits(db: &Db, since: i64, limit: i64) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT accepted_at - created_at FROM chat_requests WHERE accepted_at IS NOT NULL AND accepted_at >= $1 \
         ORDER BY accepted_at DESC LIMIT $2",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0.max(0)).collect())
}

pub async fn recent_takes(
    db: &Db,
    team_id: Option<&str>,
    since: i64,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT accepted_at FROM chat_requests WHERE accepted_at IS NOT NULL AND accepted_at >= $1 \
         AND ((team_id IS NULL AND $2 IS NULL) OR team_id = $2) ORDER BY accepted_at DESC LIMIT $3",
    )
    .bind(since)
    .bind(team_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut out: Vec<i64> = rows.into_iter().map(|r| r.0).collect();
    out.reverse();
    Ok(out)
}

/// Hands an active chat to another operator.
pub async fn transfer(
    db: &Db,
    request_id: &str,
    from: &str,
    to: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE chat_requests SET operator_id = $1, accepted_at = COALESCE(accepted_at, $4) WHERE id = $2 AND status = 'active' AND operator_id = $3",
    )
    .bind(to)
    .bind(request_id)
    .bind(from)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Puts an active chat back in the queue for a team (a transfer to a team).
pub async fn requeue(db: &Db, request_id: &str, team_id: &str) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE chat_requests SET status = 'waiting', operator_id = NULL, team_id = $1, offered_to = NULL, offered_at = NULL \
         WHERE id = $2 AND status = 'active'",
    )
    .bind(team_id)
    .bind(request_id)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Chats of users whose name or email contains `text`, newest first.
pub async fn by_user_text(db: &Db, text: &str, limit: i64) -> Result<Vec<ChatRequest>, StoreError> {
    Ok(sqlx::query_as::<_, ChatRequest>(&format!(
        "SELECT {REQUEST_COLUMNS} FROM chat_requests WHERE user_id IN \
         (SELECT id FROM users WHERE LOWER(email) LIKE $1 ESCAPE '\\' OR LOWER(name) LIKE $1 ESCAPE '\\') \
         ORDER BY created_at DESC, id LIMIT $2"
    ))
    .bind(super::tickets::like_pattern(text.trim()))
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// A user's chats, newest first.
pub async fn of_user(db: &Db, user_id: &str) -> Result<Vec<ChatRequest>, StoreError> {
    Ok(sqlx::query_as::<_, ChatRequest>(&format!(
        "SELECT {REQUEST_COLUMNS} FROM chat_requests WHERE user_id = $1 ORDER BY created_at DESC LIMIT 200"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await?)
}

/// The chats about a ticket, oldest first.
pub async fn of_ticket(db: &Db, ticket_id: &str) -> Result<Vec<ChatRequest>, StoreError> {
    Ok(sqlx::query_as::<_, ChatRequest>(&format!(
        "SELECT {REQUEST_COLUMNS} FROM chat_requests WHERE ticket_id = $1 ORDER BY created_at, id LIMIT 200"
    ))
    .bind(ticket_id)
    .fetch_all(db)
    .await?)
}

pub async fn remove_team_member(db: &Db, team_id: &str, user_id: &str) -> Result<bool, StoreError> {
    let n = sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
        .bind(team_id)
        .bind(user_id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Every team with its members' emails, by name.
pub async fn teams_with_members(db: &Db) -> Result<Vec<(String, Vec<String>)>, StoreError> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT t.name, u.email FROM teams t LEFT JOIN team_members m ON m.team_id = t.id \
         LEFT JOIN users u ON u.id = m.user_id ORDER BY t.name, u.email",
    )
    .fetch_all(db)
    .await?;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (team, email) in rows {
        if out.last().is_none_or(|(t, _)| *t != team) {
            out.push((team, Vec::new()));
        }
        if let (Some(email), Some((_, members))) = (email, out.last_mut()) {
            members.push(email);
        }
    }
    Ok(out)
}
