//! Article drafts, the tickets they were made from, and what drafting
//! reads of a ticket (its staff's public replies, the names in it).

use super::{Db, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DraftRow {
    pub id: String,
    pub title: String,
    pub category: String,
    pub locale: String,
    pub tags: String,
    pub body: String,
    pub author_id: Option<String>,
    pub published_url: Option<String>,
    pub published_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT id, title, category, locale, tags, body, author_id, published_url, \
    published_at, created_at, updated_at FROM article_drafts";

pub struct NewDraft<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub category: &'a str,
    pub locale: &'a str,
    pub tags: &'a str,
    pub body: &'a str,
    pub author_id: &'a str,
    pub now: i64,
}

/// Stores a draft and links it to its tickets, in the caller's
/// transaction (with the tickets' history entries).
pub async fn insert(
    conn: &mut sqlx::SqliteConnection,
    d: &NewDraft<'_>,
    ticket_ids: &[String],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO article_drafts (id, title, category, locale, tags, body, author_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(d.id)
    .bind(d.title)
    .bind(d.category)
    .bind(d.locale)
    .bind(d.tags)
    .bind(d.body)
    .bind(d.author_id)
    .bind(d.now)
    .execute(&mut *conn)
    .await?;
    for t in ticket_ids {
        sqlx::query(
            "INSERT INTO article_draft_tickets (draft_id, ticket_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(d.id)
        .bind(t)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<DraftRow>, StoreError> {
    Ok(
        sqlx::query_as::<_, DraftRow>(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// The newest drafts first.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<DraftRow>, StoreError> {
    Ok(
        sqlx::query_as::<_, DraftRow>(&format!("{SELECT} ORDER BY updated_at DESC, id LIMIT $1"))
            .bind(limit)
            .fetch_all(db)
            .await?,
    )
}

pub struct DraftText<'a> {
    pub title: &'a str,
    pub category: &'a str,
    pub locale: &'a str,
    pub tags: &'a str,
    pub body: &'a str,
}

/// Saves an unpublished draft's text; `false` when there is no such
/// unpublished draft.
pub async fn update(db: &Db, id: &str, t: &DraftText<'_>, now: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE article_drafts SET title = $1, category = $2, locale = $3, tags = $4, body = $5, updated_at = $6 \
         WHERE id = $7 AND published_at IS NULL",
    )
    .bind(t.title)
    .bind(t.category)
    .bind(t.locale)
    .bind(t.tags)
    .bind(t.body)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a draft published, once: `false` if another request did first.
pub async fn mark_published(
    conn: &mut sqlx::SqliteConnection,
    id: &str,
    url: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE article_drafts SET published_url = $1, published_at = $2, updated_at = $2 \
         WHERE id = $3 AND published_at IS NULL",
    )
    .bind(url)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The tickets (id, number) a draft was made from, by number.
pub async fn tickets(db: &Db, draft_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT t.id, t.number FROM article_draft_tickets d JOIN tickets t ON t.id = d.ticket_id \
         WHERE d.draft_id = $1 ORDER BY t.number",
    )
    .bind(draft_id)
    .fetch_all(db)
    .await?)
}

/// The public replies of staff (operators and admins) on a ticket, oldest
/// first: the answer a draft is made of. Never internal notes.
pub async fn staff_replies(db: &Db, ticket_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(Option<String>,)> = sqlx::query_as(
        "SELECT e.body FROM ticket_events e JOIN users u ON u.id = e.actor_id \
         WHERE e.ticket_id = $1 AND e.kind = 'reply' AND e.public = TRUE \
         AND u.role IN ('operator', 'admin') ORDER BY e.id",
    )
    .bind(ticket_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().filter_map(|r| r.0).collect())
}

/// The names of the people of a ticket: its requester, its assignee,
/// everyone who wrote in it, their organisation (what redaction removes).
pub async fn names_in(db: &Db, ticket_id: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.name, u.email FROM users u WHERE u.id IN ( \
           SELECT requester_id FROM tickets WHERE id = $1 \
           UNION SELECT assignee_id FROM tickets WHERE id = $1 AND assignee_id IS NOT NULL \
           UNION SELECT actor_id FROM ticket_events WHERE ticket_id = $1 AND actor_id IS NOT NULL)",
    )
    .bind(ticket_id)
    .fetch_all(db)
    .await?;
    let mut names: Vec<String> = Vec::new();
    for (name, email) in rows {
        if !name.trim().is_empty() {
            names.push(name);
        }
        // The part before @ often is the name ("alice.martin").
        if let Some((local, _)) = email.split_once('@') {
            names.push(local.replace(['.', '_'], " "));
        }
    }
    let org: Option<(String,)> = sqlx::query_as(
        "SELECT o.name FROM organisations o JOIN tickets t ON t.organisation_id = o.id WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(db)
    .await?;
    names.extend(org.map(|o| o.0));
    Ok(names)
}

/// The locale of the ticket's conversation, else of its requester.
pub async fn ticket_locale(db: &Db, ticket_id: &str) -> Result<Option<String>, StoreError> {
    let row: Option<(Option<String>, String)> = sqlx::query_as(
        "SELECT c.locale, u.locale FROM tickets t JOIN users u ON u.id = t.requester_id \
         LEFT JOIN conversations c ON c.id = t.conversation_id WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(c, u)| c.unwrap_or(u)))
}
