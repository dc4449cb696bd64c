//! Messages of live chats, persisted before they are acknowledged, and the
//! participants' read receipts.

use serde::Serialize;

use super::{Db, StoreError};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ChatMessage {
    pub id: i64,
    pub chat_id: String,
    #[serde(skip)]
    pub sender_id: Option<String>,
    pub sender: Option<String>,
    pub sender_role: Option<String>,
    /// `text`, `system` or `file` (then `body` is the file's name).
    pub kind: String,
    pub body: String,
    pub client_id: Option<String>,
    pub created_at: i64,
    #[serde(skip)]
    pub file_sha256: Option<String>,
    pub file_content_type: Option<String>,
    pub file_size: Option<i64>,
    /// An operator's internal note: staff see it, the chat's user never.
    pub internal: bool,
    /// The ticket event a note was copied to, once it was.
    #[serde(skip)]
    pub note_event_id: Option<i64>,
}

/// Who reads a chat's messages: its user sees everything but the
/// operators' internal notes; staff see those too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    Staff,
}

impl Audience {
    fn clause(self) -> &'static str {
        match self {
            Audience::Everyone => " AND m.internal = FALSE",
            Audience::Staff => "",
        }
    }
}

/// A file sent in a chat, already in the attachment store.
#[derive(Debug, Clone)]
pub struct FileRef {
    pub sha256: String,
    pub content_type: String,
    pub size: i64,
}

/// A message to store. `kind` follows from `file` for files.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub chat_id: String,
    pub sender_id: Option<String>,
    pub kind: &'static str,
    pub body: String,
    pub client_id: Option<String>,
    pub file: Option<FileRef>,
    /// An internal note (operators only; text only).
    pub internal: bool,
    pub now: i64,
}

impl NewMessage {
    pub fn system(chat_id: &str, text: &str, now: i64) -> NewMessage {
        NewMessage {
            chat_id: chat_id.to_string(),
            sender_id: None,
            kind: "system",
            body: text.to_string(),
            client_id: None,
            file: None,
            internal: false,
            now,
        }
    }

    pub fn text(
        chat_id: &str,
        sender_id: &str,
        client_id: &str,
        text: &str,
        now: i64,
    ) -> NewMessage {
        NewMessage {
            chat_id: chat_id.to_string(),
            sender_id: Some(sender_id.to_string()),
            kind: "text",
            body: text.to_string(),
            client_id: Some(client_id.to_string()),
            file: None,
            internal: false,
            now,
        }
    }
}

const SELECT: &str = "SELECT m.id, m.chat_id, m.sender_id, \
    CASE WHEN u.name = '' THEN u.email ELSE u.name END AS sender, u.role AS sender_role, \
    m.kind, m.body, m.client_id, m.created_at, m.file_sha256, m.file_content_type, m.file_size, \
    m.internal, m.note_event_id \
    FROM chat_messages m LEFT JOIN users u ON u.id = m.sender_id";

/// Inserts a message inside the caller's transaction and returns its id; a
/// resend with the same `client_id` returns the stored one's id instead.
pub async fn insert(conn: &mut sqlx::SqliteConnection, m: &NewMessage) -> Result<i64, StoreError> {
    let kind = if m.file.is_some() { "file" } else { m.kind };
    let inserted: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO chat_messages (chat_id, sender_id, kind, body, client_id, created_at, file_sha256, file_content_type, file_size, internal) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (chat_id, sender_id, client_id) DO NOTHING RETURNING id",
    )
    .bind(&m.chat_id)
    .bind(&m.sender_id)
    .bind(kind)
    .bind(&m.body)
    .bind(&m.client_id)
    .bind(m.now)
    .bind(m.file.as_ref().map(|f| f.sha256.as_str()))
    .bind(m.file.as_ref().map(|f| f.content_type.as_str()))
    .bind(m.file.as_ref().map(|f| f.size))
    .bind(m.internal && m.file.is_none())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((id,)) = inserted {
        return Ok(id);
    }
    let (id,): (i64,) = sqlx::query_as(
        "SELECT id FROM chat_messages WHERE chat_id = $1 AND sender_id = $2 AND client_id = $3",
    )
    .bind(&m.chat_id)
    .bind(&m.sender_id)
    .bind(&m.client_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<ChatMessage>, StoreError> {
    Ok(
        sqlx::query_as::<_, ChatMessage>(&format!("{SELECT} WHERE m.id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// Stores a message; a resend with the same `client_id` returns the stored
/// one instead of a duplicate.
pub async fn append(db: &Db, m: &NewMessage) -> Result<ChatMessage, StoreError> {
    let mut conn = db.acquire().await?;
    let id = insert(&mut conn, m).await?;
    drop(conn);
    by_id(db, id).await?.ok_or(StoreError::NotFound)
}

/// Messages of a chat after `after_id` that `audience` may read, oldest
/// first (at most `limit`).
pub async fn after(
    db: &Db,
    chat_id: &str,
    after_id: i64,
    limit: i64,
    audience: Audience,
) -> Result<Vec<ChatMessage>, StoreError> {
    Ok(sqlx::query_as::<_, ChatMessage>(&format!(
        "{SELECT} WHERE m.chat_id = $1 AND m.id > $2{} ORDER BY m.id LIMIT $3",
        audience.clause()
    ))
    .bind(chat_id)
    .bind(after_id)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Records that a note was copied to ticket event `event_id`, inside the
/// transaction that wrote the event; `false` when another writer copied it
/// first (the caller then rolls its copy back).
pub async fn claim_note_copy(
    conn: &mut sqlx::SqliteConnection,
    message_id: i64,
    event_id: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE chat_messages SET note_event_id = $1 \
         WHERE id = $2 AND internal = TRUE AND note_event_id IS NULL",
    )
    .bind(event_id)
    .bind(message_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_read(
    db: &Db,
    chat_id: &str,
    user_id: &str,
    up_to: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO chat_reads (chat_id, user_id, last_read_id) VALUES ($1, $2, $3) \
         ON CONFLICT (chat_id, user_id) DO UPDATE SET last_read_id = CASE WHEN excluded.last_read_id > chat_reads.last_read_id THEN excluded.last_read_id ELSE chat_reads.last_read_id END",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(up_to)
    .execute(db)
    .await?;
    Ok(())
}
