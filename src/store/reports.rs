//! The figures the reports show, counted by the database over a period
//! (`from` inclusive, `to` exclusive, in seconds), through indexes.

use super::{Db, StoreError};

/// The bot's answers in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct BotCounts {
    pub questions: i64,
    pub escalated: i64,
    /// Answered, then followed by a ticket or a chat in the same conversation.
    pub followed: i64,
    /// Answered, then voted "No".
    pub voted_down: i64,
    /// Answered, not followed by a person, not voted down.
    pub resolved: i64,
    pub helpful_votes: i64,
    pub unhelpful_votes: i64,
}

const FOLLOWED: &str = "(EXISTS (SELECT 1 FROM tickets t WHERE t.conversation_id = m.conversation_id AND t.created_at >= m.created_at) \
     OR EXISTS (SELECT 1 FROM chat_requests c WHERE c.conversation_id = m.conversation_id AND c.created_at >= m.created_at))";

fn vote(helpful: bool) -> String {
    format!(
        "EXISTS (SELECT 1 FROM feedback f WHERE f.kind = 'answer' AND f.subject = CAST(m.id AS TEXT) AND f.helpful = {})",
        if helpful { "TRUE" } else { "FALSE" }
    )
}

pub async fn bot_counts(db: &Db, from: i64, to: i64) -> Result<BotCounts, StoreError> {
    let (yes, no) = (vote(true), vote(false));
    let sql = format!(
        "SELECT COUNT(*) AS questions, \
         COALESCE(SUM(CASE WHEN m.escalated THEN 1 ELSE 0 END), 0) AS escalated, \
         COALESCE(SUM(CASE WHEN NOT m.escalated AND {FOLLOWED} THEN 1 ELSE 0 END), 0) AS followed, \
         COALESCE(SUM(CASE WHEN NOT m.escalated AND {no} THEN 1 ELSE 0 END), 0) AS voted_down, \
         COALESCE(SUM(CASE WHEN NOT m.escalated AND NOT {FOLLOWED} AND NOT {no} THEN 1 ELSE 0 END), 0) AS resolved, \
         COALESCE(SUM(CASE WHEN {yes} THEN 1 ELSE 0 END), 0) AS helpful_votes, \
         COALESCE(SUM(CASE WHEN {no} THEN 1 ELSE 0 END), 0) AS unhelpful_votes \
         FROM conversation_messages m WHERE m.role = 'bot' AND m.created_at >= $1 AND m.created_at < $2"
    );
    Ok(sqlx::query_as::<_, BotCounts>(&sql)
        .bind(from)
        .bind(to)
        .fetch_one(db)
        .await?)
}

/// Questions and escalations per day (days since the epoch, UTC), days
/// without any left out.
pub async fn bot_per_day(db: &Db, from: i64, to: i64) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT m.created_at / 86400 AS day, COUNT(*) AS questions, \
         COALESCE(SUM(CASE WHEN m.escalated THEN 1 ELSE 0 END), 0) AS escalated \
         FROM conversation_messages m WHERE m.role = 'bot' AND m.created_at >= $1 AND m.created_at < $2 \
         GROUP BY m.created_at / 86400 ORDER BY day",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CitedArticle {
    pub url: String,
    pub title: String,
    pub cited: i64,
}

/// The articles answers cited most in the period.
pub async fn top_articles(
    db: &Db,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<CitedArticle>, StoreError> {
    Ok(sqlx::query_as::<_, CitedArticle>(
        "SELECT s.url, MIN(s.title) AS title, COUNT(*) AS cited FROM answer_sources s \
         JOIN conversation_messages m ON m.id = s.message_id \
         WHERE m.role = 'bot' AND m.created_at >= $1 AND m.created_at < $2 \
         GROUP BY s.url ORDER BY cited DESC, s.url LIMIT $3",
    )
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VotedDown {
    pub created_at: i64,
    pub question: Option<String>,
    pub answer: String,
    pub comment: Option<String>,
}

/// Answers voted "No" in the period, newest first, with their question.
pub async fn voted_down(
    db: &Db,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<VotedDown>, StoreError> {
    Ok(sqlx::query_as::<_, VotedDown>(
        "SELECT m.created_at, \
         (SELECT u.content FROM conversation_messages u WHERE u.conversation_id = m.conversation_id \
          AND u.role = 'user' AND u.id < m.id ORDER BY u.id DESC LIMIT 1) AS question, \
         m.content AS answer, f.comment \
         FROM conversation_messages m \
         JOIN feedback f ON f.kind = 'answer' AND f.subject = CAST(m.id AS TEXT) AND f.helpful = FALSE \
         WHERE m.role = 'bot' AND m.created_at >= $1 AND m.created_at < $2 \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $3",
    )
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(db)
    .await?)
}
