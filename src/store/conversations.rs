//! Bot conversations: created with their first turn, each user question
//! and bot answer appended as a message.

use serde::Serialize;

use super::{Db, StoreError, now};
use crate::tickets::fields::TicketKind;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    pub role: String,
    pub content: String,
    pub page_url: Option<String>,
    pub sources: Option<String>,
    pub confidence: Option<f64>,
    pub escalated: bool,
    /// The ticket type the bot suggested when it escalated (its code).
    pub ticket_type: Option<String>,
    pub created_at: i64,
}

pub struct NewBotMessage<'a> {
    pub content: &'a str,
    pub sources_json: &'a str,
    pub confidence: f32,
    pub escalated: bool,
    pub ticket_type: Option<TicketKind>,
    /// The articles the answer cites: (URL without its anchor, title), each once.
    pub articles: &'a [(String, String)],
    /// A webhook event queued with the turn: its type and JSON body.
    pub event: Option<(&'a str, &'a str)>,
}

/// Who may use a conversation: the browser holding its key, and the user
/// it became part of (through a ticket or a chat).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Owner {
    pub user_id: Option<String>,
    pub key_hash: Option<String>,
}

impl Owner {
    /// Whether a caller (`user_id` if known, `key` if sent) owns it.
    pub fn is(&self, user_id: Option<&str>, key: Option<&str>) -> bool {
        let by_user = matches!((&self.user_id, user_id), (Some(o), Some(u)) if o == u);
        let by_key = match (&self.key_hash, key) {
            (Some(h), Some(k)) => crate::ids::sha256_hex(k) == *h,
            _ => false,
        };
        by_user || by_key
    }
}

/// A conversation's owner, or None when there is no such conversation.
pub async fn owner(db: &Db, id: &str) -> Result<Option<Owner>, StoreError> {
    Ok(
        sqlx::query_as::<_, Owner>("SELECT user_id, key_hash FROM conversations WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// Whether any question was ever asked.
pub async fn any(db: &Db) -> Result<bool, StoreError> {
    let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM conversation_messages LIMIT 1")
        .fetch_optional(db)
        .await?;
    Ok(found.is_some())
}

/// Whether message `message_id` is one of the bot's answers in conversation `id`.
pub async fn is_bot_message(db: &Db, id: &str, message_id: i64) -> Result<bool, StoreError> {
    let found: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM conversation_messages WHERE id = $1 AND conversation_id = $2 AND role = 'bot'",
    )
    .bind(message_id)
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// A conversation that a turn starts: it is stored with that turn.
pub struct NewConversation<'a> {
    pub locale: &'a str,
    pub page_url: Option<&'a str>,
    /// The hash of the key given to the browser that starts it.
    pub key_hash: &'a str,
    /// The signed-in user who starts it, if any.
    pub user_id: Option<&'a str>,
}

/// The user's earlier questions, oldest first (at most `limit`).
pub async fn recent_questions(db: &Db, id: &str, limit: i64) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT content FROM conversation_messages WHERE conversation_id = $1 AND role = 'user' ORDER BY id DESC LIMIT $2",
    )
    .bind(id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().rev().map(|r| r.0).collect())
}

/// Stores a question and its answer in one transaction, so a conversation
/// never holds a question without its answer.
///
/// With `starts`, the conversation itself is created in the same
/// transaction: a first question costs one disk sync, and a conversation is
/// never stored without a turn. Returns the bot message's id.
pub async fn append_turn(
    db: &Db,
    id: &str,
    starts: Option<&NewConversation<'_>>,
    question: &str,
    page_url: Option<&str>,
    answer: &NewBotMessage<'_>,
) -> Result<i64, StoreError> {
    append_turn_at(db, id, starts, question, page_url, answer, now()).await
}

/// [`append_turn`] at a given time (the demo's past activity).
pub async fn append_turn_at(
    db: &Db,
    id: &str,
    starts: Option<&NewConversation<'_>>,
    question: &str,
    page_url: Option<&str>,
    answer: &NewBotMessage<'_>,
    t: i64,
) -> Result<i64, StoreError> {
    let mut tx = db.begin().await?;
    if let Some(new) = starts {
        sqlx::query(
            "INSERT INTO conversations (id, locale, page_url, key_hash, user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(id)
        .bind(new.locale)
        .bind(new.page_url)
        .bind(new.key_hash)
        .bind(new.user_id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO conversation_messages (conversation_id, role, content, page_url, created_at) VALUES ($1, 'user', $2, $3, $4)",
    )
    .bind(id)
    .bind(question)
    .bind(page_url)
    .bind(t)
    .execute(&mut *tx)
    .await?;
    let (message_id,): (i64,) = sqlx::query_as(
        "INSERT INTO conversation_messages (conversation_id, role, content, sources, confidence, escalated, ticket_type, created_at) VALUES ($1, 'bot', $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(id)
    .bind(answer.content)
    .bind(answer.sources_json)
    .bind(f64::from(answer.confidence))
    .bind(answer.escalated)
    .bind(answer.ticket_type.map(TicketKind::as_str))
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    for (url, title) in answer.articles {
        let added = sqlx::query(
            "INSERT INTO answer_sources (message_id, url, title) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(message_id)
        .bind(url)
        .bind(title)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if added == 1 {
            // What the reports' top articles read (`store::reports`).
            sqlx::query(
                "INSERT INTO article_citations_daily (day, url, title, cited) VALUES ($1, $2, $3, 1) \
                 ON CONFLICT (day, url) DO UPDATE SET cited = article_citations_daily.cited + 1",
            )
            .bind(t.div_euclid(86_400))
            .bind(url)
            .bind(title)
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query("UPDATE conversations SET updated_at = $1 WHERE id = $2")
        .bind(t)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // What the reports' daily figures read (`store::reports`).
    sqlx::query(
        "INSERT INTO answers_daily (day, locale, questions, escalated) \
         SELECT $1, locale, 1, $2 FROM conversations WHERE id = $3 \
         ON CONFLICT (day, locale) DO UPDATE SET questions = answers_daily.questions + 1, \
         escalated = answers_daily.escalated + excluded.escalated",
    )
    .bind(t.div_euclid(86_400))
    .bind(i64::from(answer.escalated))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if let Some((kind, body)) = answer.event {
        super::webhooks::enqueue(&mut tx, kind, body, t).await?;
    }
    tx.commit().await?;
    Ok(message_id)
}

/// Gives a bot conversation to `user_id` if it has no owner yet (or is
/// theirs): it becomes part of their ticket.
pub async fn claim(
    conn: &mut sqlx::SqliteConnection,
    id: &str,
    user_id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE conversations SET user_id = $1 WHERE id = $2 AND (user_id IS NULL OR user_id = $1)",
    )
    .bind(user_id)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn messages(db: &Db, id: &str) -> Result<Vec<Message>, StoreError> {
    let rows = sqlx::query_as::<_, Message>(
        "SELECT id, role, content, page_url, sources, confidence, escalated, ticket_type, created_at FROM conversation_messages WHERE conversation_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    Ok(rows)
}
