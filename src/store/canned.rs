//! Operators' saved replies, a team's or everyone's.

use super::{Db, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CannedRow {
    pub id: String,
    pub team_id: Option<String>,
    /// The team's name (None: everyone's).
    pub team: Option<String>,
    pub shortcut: String,
    pub body: String,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT c.id, c.team_id, t.name AS team, c.shortcut, c.body, c.updated_at \
    FROM canned_responses c LEFT JOIN teams t ON t.id = c.team_id";

/// The replies `user_id` may use: everyone's and their teams' (all of
/// them with `all`), by shortcut.
pub async fn visible_to(db: &Db, user_id: &str, all: bool) -> Result<Vec<CannedRow>, StoreError> {
    Ok(sqlx::query_as::<_, CannedRow>(&format!(
        "{SELECT} WHERE $2 OR c.team_id IS NULL \
         OR c.team_id IN (SELECT team_id FROM team_members WHERE user_id = $1) \
         ORDER BY c.shortcut, t.name"
    ))
    .bind(user_id)
    .bind(all)
    .fetch_all(db)
    .await?)
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<CannedRow>, StoreError> {
    Ok(
        sqlx::query_as::<_, CannedRow>(&format!("{SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

pub struct NewCanned<'a> {
    pub id: &'a str,
    pub team_id: Option<&'a str>,
    pub shortcut: &'a str,
    pub body: &'a str,
    pub created_by: &'a str,
    pub now: i64,
}

/// Stores a reply; a shortcut taken in the same team is a unique violation.
pub async fn insert(db: &Db, c: &NewCanned<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO canned_responses (id, team_id, shortcut, body, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(c.id)
    .bind(c.team_id)
    .bind(c.shortcut)
    .bind(c.body)
    .bind(c.created_by)
    .bind(c.now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update(
    db: &Db,
    id: &str,
    shortcut: &str,
    body: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE canned_responses SET shortcut = $2, body = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(shortcut)
    .bind(body)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(db: &Db, id: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM canned_responses WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
