//! Votes on bot answers and articles, and ratings of chats.

use super::{Db, StoreError};

/// What a vote is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Answer,
    Article,
    Chat,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Answer => "answer",
            Kind::Article => "article",
            Kind::Chat => "chat",
        }
    }
}

/// A vote to store: `helpful` for answers and articles, `rating` for chats
/// (the table checks that too).
pub struct NewVote<'a> {
    pub kind: Kind,
    pub subject: &'a str,
    pub voter: &'a str,
    pub helpful: Option<bool>,
    pub rating: Option<i64>,
    pub comment: Option<&'a str>,
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Vote {
    pub subject: String,
    pub voter: String,
    pub helpful: Option<bool>,
    pub rating: Option<i64>,
    pub comment: Option<String>,
    pub updated_at: i64,
}

/// Stores a vote, replacing the voter's earlier one on the same subject.
pub async fn upsert(db: &Db, v: &NewVote<'_>) -> Result<(), StoreError> {
    let mut conn = db.acquire().await?;
    upsert_in(&mut conn, v).await
}

/// `upsert` in the caller's transaction.
pub async fn upsert_in(
    conn: &mut sqlx::SqliteConnection,
    v: &NewVote<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO feedback (kind, subject, voter, helpful, rating, comment, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (kind, subject, voter) DO UPDATE SET helpful = excluded.helpful, \
         rating = excluded.rating, comment = excluded.comment, updated_at = excluded.updated_at",
    )
    .bind(v.kind.as_str())
    .bind(v.subject)
    .bind(v.voter)
    .bind(v.helpful)
    .bind(v.rating)
    .bind(v.comment)
    .bind(v.now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The votes on one subject, oldest first.
pub async fn on(db: &Db, kind: Kind, subject: &str) -> Result<Vec<Vote>, StoreError> {
    Ok(sqlx::query_as::<_, Vote>(
        "SELECT subject, voter, helpful, rating, comment, updated_at FROM feedback \
         WHERE kind = $1 AND subject = $2 ORDER BY created_at, id",
    )
    .bind(kind.as_str())
    .bind(subject)
    .fetch_all(db)
    .await?)
}
