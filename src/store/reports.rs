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

/// A duration's median and 90th percentile, by the database (`None`
/// when nothing was measured).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spread {
    pub count: i64,
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

/// `durations` is a `SELECT d FROM … WHERE …` of one integer column with
/// `$1`/`$2` as the period; the percentiles are read with `OFFSET`, so no
/// list of rows comes to Rust.
async fn spread(db: &Db, durations: &str, from: i64, to: i64) -> Result<Spread, StoreError> {
    let (count,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM ({durations}) AS x"))
        .bind(from)
        .bind(to)
        .fetch_one(db)
        .await?;
    if count == 0 {
        return Ok(Spread::default());
    }
    let at = |share: f64| ((count as f64 * share).ceil() as i64 - 1).clamp(0, count - 1);
    let mut out = Spread {
        count,
        ..Spread::default()
    };
    for (share, slot) in [(0.5, &mut out.median), (0.9, &mut out.p90)] {
        let (v,): (i64,) = sqlx::query_as(&format!(
            "SELECT d FROM ({durations}) AS x ORDER BY d LIMIT 1 OFFSET $3"
        ))
        .bind(from)
        .bind(to)
        .bind(at(share))
        .fetch_one(db)
        .await?;
        *slot = Some(v);
    }
    Ok(out)
}

/// Tickets opened in the period, by a column's values (`kind`, `priority`).
pub async fn tickets_by(
    db: &Db,
    column: TicketColumn,
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    let c = column.name();
    Ok(sqlx::query_as(&format!(
        "SELECT {c}, COUNT(*) FROM tickets WHERE created_at >= $1 AND created_at < $2 GROUP BY {c} ORDER BY {c}"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?)
}

/// The columns tickets are counted by.
#[derive(Debug, Clone, Copy)]
pub enum TicketColumn {
    Kind,
    Priority,
    Status,
}

impl TicketColumn {
    fn name(self) -> &'static str {
        match self {
            TicketColumn::Kind => "kind",
            TicketColumn::Priority => "priority",
            TicketColumn::Status => "status",
        }
    }
}

/// Open tickets now, by status (whenever they were opened).
pub async fn backlog(db: &Db) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT status, COUNT(*) FROM tickets WHERE status IN ('new', 'in_analysis', 'assigned', 'feedback') \
         GROUP BY status ORDER BY status",
    )
    .fetch_all(db)
    .await?)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TicketTimes {
    pub first_response: Spread,
    /// Answered at or before the priority's target.
    pub answered_in_time: i64,
    /// Not answered yet, and the target has passed.
    pub overdue: i64,
    pub resolution: Spread,
    /// Tickets reopened after being resolved, in the period.
    pub reopened: i64,
}

pub async fn ticket_times(
    db: &Db,
    from: i64,
    to: i64,
    now: i64,
) -> Result<TicketTimes, StoreError> {
    let first_response = spread(
        db,
        "SELECT first_response_at - created_at AS d FROM tickets \
         WHERE created_at >= $1 AND created_at < $2 AND first_response_at IS NOT NULL",
        from,
        to,
    )
    .await?;
    let resolution = spread(
        db,
        "SELECT resolved_at - created_at AS d FROM tickets \
         WHERE created_at >= $1 AND created_at < $2 AND resolved_at IS NOT NULL",
        from,
        to,
    )
    .await?;
    let (answered_in_time, overdue): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN first_response_at IS NOT NULL AND first_response_at <= response_due_at THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN first_response_at IS NULL AND response_due_at < $3 THEN 1 ELSE 0 END), 0) \
         FROM tickets WHERE created_at >= $1 AND created_at < $2",
    )
    .bind(from)
    .bind(to)
    .bind(now)
    .fetch_one(db)
    .await?;
    let (reopened,): (i64,) = sqlx::query_as(
        "SELECT COUNT(DISTINCT ticket_id) FROM ticket_events WHERE kind = 'status' \
         AND old_value = 'resolved' AND new_value NOT IN ('resolved', 'closed') \
         AND created_at >= $1 AND created_at < $2",
    )
    .bind(from)
    .bind(to)
    .fetch_one(db)
    .await?;
    Ok(TicketTimes {
        first_response,
        answered_in_time,
        overdue,
        resolution,
        reopened,
    })
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatFigures {
    pub requests: i64,
    pub wait: Spread,
    /// Ended or cancelled before anyone took them.
    pub abandoned: i64,
    /// Chats taken, per operator's name.
    pub per_operator: Vec<(String, i64)>,
    pub ratings: i64,
    /// The mean rating, 1 to 5 (None without ratings).
    pub csat: Option<f64>,
}

pub async fn chat_figures(db: &Db, from: i64, to: i64) -> Result<ChatFigures, StoreError> {
    let (requests, abandoned): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN accepted_at IS NULL AND status IN ('ended', 'cancelled') THEN 1 ELSE 0 END), 0) \
         FROM chat_requests WHERE created_at >= $1 AND created_at < $2",
    )
    .bind(from)
    .bind(to)
    .fetch_one(db)
    .await?;
    let wait = spread(
        db,
        "SELECT accepted_at - created_at AS d FROM chat_requests \
         WHERE created_at >= $1 AND created_at < $2 AND accepted_at IS NOT NULL",
        from,
        to,
    )
    .await?;
    let per_operator: Vec<(String, i64)> = sqlx::query_as(
        "SELECT CASE WHEN u.name = '' THEN u.email ELSE u.name END AS who, COUNT(*) AS n \
         FROM chat_requests c JOIN users u ON u.id = c.operator_id \
         WHERE c.created_at >= $1 AND c.created_at < $2 AND c.accepted_at IS NOT NULL \
         GROUP BY who ORDER BY n DESC, who",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    let (ratings, total): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(f.rating), 0) AS BIGINT) FROM feedback f \
         JOIN chat_requests c ON c.id = f.subject \
         WHERE f.kind = 'chat' AND c.created_at >= $1 AND c.created_at < $2",
    )
    .bind(from)
    .bind(to)
    .fetch_one(db)
    .await?;
    Ok(ChatFigures {
        requests,
        wait,
        abandoned,
        per_operator,
        ratings,
        csat: (ratings > 0).then(|| (total as f64 / ratings as f64 * 100.0).round() / 100.0),
    })
}

/// A question the bot did not settle: escalated, answered below
/// `confident`, or voted down.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct GapQuestion {
    pub message_id: i64,
    pub conversation_id: String,
    pub question: Option<String>,
    pub escalated: bool,
    pub voted_down: bool,
    pub created_at: i64,
}

/// The period's unsettled questions, newest first (at most `limit`).
pub async fn gap_questions(
    db: &Db,
    from: i64,
    to: i64,
    confident: f32,
    limit: i64,
) -> Result<Vec<GapQuestion>, StoreError> {
    let no = vote(false);
    Ok(sqlx::query_as::<_, GapQuestion>(&format!(
        "SELECT m.id AS message_id, m.conversation_id, \
         (SELECT u.content FROM conversation_messages u WHERE u.conversation_id = m.conversation_id \
          AND u.role = 'user' AND u.id < m.id ORDER BY u.id DESC LIMIT 1) AS question, \
         m.escalated, CASE WHEN {no} THEN TRUE ELSE FALSE END AS voted_down, m.created_at \
         FROM conversation_messages m \
         WHERE m.role = 'bot' AND m.created_at >= $1 AND m.created_at < $2 \
         AND (m.escalated OR m.confidence < $3 OR {no}) \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $4"
    ))
    .bind(from)
    .bind(to)
    .bind(f64::from(confident))
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// The articles the given answers cited, most cited first.
pub async fn articles_of(
    db: &Db,
    message_ids: &[i64],
    limit: usize,
) -> Result<Vec<CitedArticle>, StoreError> {
    let mut counts: Vec<CitedArticle> = Vec::new();
    // One query per answer, through the primary key: gaps are small groups.
    for id in message_ids {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT url, title FROM answer_sources WHERE message_id = $1")
                .bind(id)
                .fetch_all(db)
                .await?;
        for (url, title) in rows {
            match counts.iter_mut().find(|c| c.url == url) {
                Some(c) => c.cited += 1,
                None => counts.push(CitedArticle {
                    url,
                    title,
                    cited: 1,
                }),
            }
        }
    }
    counts.sort_by(|a, b| b.cited.cmp(&a.cited).then(a.url.cmp(&b.url)));
    counts.truncate(limit);
    Ok(counts)
}

/// The tickets opened from the given conversations, by number.
pub async fn tickets_of(db: &Db, conversation_ids: &[String]) -> Result<Vec<i64>, StoreError> {
    let mut out = Vec::new();
    for id in conversation_ids {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT number FROM tickets WHERE conversation_id = $1")
                .bind(id)
                .fetch_all(db)
                .await?;
        out.extend(rows.into_iter().map(|r| r.0));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}
