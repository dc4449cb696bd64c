//! The figures the reports show, counted by the database over a period
//! (`from` inclusive, `to` exclusive, in seconds), through indexes.

use super::{Db, StoreError};

/// What a report is narrowed to; each part applies where it means
/// something (a bot answer has no team, a ticket no page).
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    /// Bot questions in this language; tickets and chats of users of it.
    pub locale: Option<&'a str>,
    /// Bot questions asked on a page whose address contains this path
    /// (the widget sends whole URLs, the help center paths).
    pub page: Option<&'a str>,
    /// Tickets opened through this channel (`widget`, `portal`, …).
    pub channel: Option<&'a str>,
    /// Chats requested for this team (its id).
    pub team: Option<&'a str>,
    /// Tickets assigned to, and chats taken by, this operator (their id).
    pub operator: Option<&'a str>,
}

/// SQL conditions (each starting with ` AND `) and the values they bind,
/// numbered from the placeholder after the query's own.
#[derive(Debug, Default)]
struct Cond {
    sql: String,
    binds: Vec<String>,
}

impl Cond {
    fn add(&mut self, first: usize, sql: &str, value: String) {
        let n = first + self.binds.len();
        self.sql.push_str(" AND ");
        self.sql.push_str(&sql.replace("$?", &format!("${n}")));
        self.binds.push(value);
    }
}

/// A LIKE pattern for addresses containing `text`, its wildcards escaped.
fn containing(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Scope<'_> {
    /// On bot messages `m`.
    fn bot(&self, first: usize) -> Cond {
        let mut c = Cond::default();
        if let Some(l) = self.locale {
            c.add(
                first,
                "EXISTS (SELECT 1 FROM conversations sc WHERE sc.id = m.conversation_id AND sc.locale = $?)",
                l.to_string(),
            );
        }
        if let Some(p) = self.page {
            // The question is the message just before its answer.
            c.add(
                first,
                "EXISTS (SELECT 1 FROM conversation_messages sq WHERE sq.id = m.id - 1 AND sq.page_url LIKE $? ESCAPE '\\')",
                containing(p),
            );
        }
        c
    }

    /// On tickets (`alias.` before the columns).
    fn tickets(&self, alias: &str, first: usize) -> Cond {
        let mut c = Cond::default();
        if let Some(l) = self.locale {
            c.add(
                first,
                &format!("{alias}requester_id IN (SELECT id FROM users WHERE locale = $?)"),
                l.to_string(),
            );
        }
        if let Some(ch) = self.channel {
            c.add(first, &format!("{alias}source = $?"), ch.to_string());
        }
        if let Some(o) = self.operator {
            c.add(first, &format!("{alias}assignee_id = $?"), o.to_string());
        }
        c
    }

    /// On chat requests (`alias.` before the columns).
    fn chats(&self, alias: &str, first: usize) -> Cond {
        let mut c = Cond::default();
        if let Some(l) = self.locale {
            c.add(
                first,
                &format!("{alias}user_id IN (SELECT id FROM users WHERE locale = $?)"),
                l.to_string(),
            );
        }
        if let Some(t) = self.team {
            c.add(first, &format!("{alias}team_id = $?"), t.to_string());
        }
        if let Some(o) = self.operator {
            c.add(first, &format!("{alias}operator_id = $?"), o.to_string());
        }
        c
    }
}

/// The bot's answers in a period.
/// What became of the period's answers: read from the tickets, chats and
/// votes (few) towards the answers, never answer by answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcomes {
    /// Answered, then a ticket or a chat followed in the conversation.
    pub followed: i64,
    /// Answered, then voted down.
    pub voted_down: i64,
    /// Both of the above.
    pub followed_and_voted_down: i64,
    pub helpful_votes: i64,
    pub unhelpful_votes: i64,
}

/// A ticket or a chat came after the answer `m` in its conversation.
const FOLLOWED: &str = "(EXISTS (SELECT 1 FROM tickets t WHERE t.conversation_id = m.conversation_id AND t.created_at >= m.created_at) \
     OR EXISTS (SELECT 1 FROM chat_requests c WHERE c.conversation_id = m.conversation_id AND c.created_at >= m.created_at))";

fn vote(helpful: bool) -> String {
    format!(
        "EXISTS (SELECT 1 FROM feedback f WHERE f.kind = 'answer' AND f.subject = CAST(m.id AS TEXT) AND f.helpful = {})",
        if helpful { "TRUE" } else { "FALSE" }
    )
}

pub async fn bot_outcomes(
    db: &Db,
    from: i64,
    to: i64,
    scope: &Scope<'_>,
) -> Result<Outcomes, StoreError> {
    let cond = scope.bot(3);
    let extra = &cond.sql;
    // Answers followed by a person: from the tickets and chats of the
    // period that came from a conversation, to its earlier answers.
    let followed_sql = format!(
        "SELECT COUNT(DISTINCT m.id) FROM ( \
           SELECT conversation_id, created_at FROM tickets WHERE conversation_id IS NOT NULL AND created_at >= $1 \
           UNION ALL SELECT conversation_id, created_at FROM chat_requests WHERE conversation_id IS NOT NULL AND created_at >= $1 \
         ) x JOIN conversation_messages m ON m.conversation_id = x.conversation_id AND m.created_at <= x.created_at \
         WHERE m.role = 'bot' AND NOT m.escalated AND m.created_at >= $1 AND m.created_at < $2{extra}"
    );
    // The votes on the period's answers, from the votes.
    let votes_sql = format!(
        "SELECT COALESCE(SUM(CASE WHEN f.helpful THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN NOT f.helpful THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN NOT f.helpful AND NOT m.escalated THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN NOT f.helpful AND NOT m.escalated AND {FOLLOWED} THEN 1 ELSE 0 END), 0) \
         FROM feedback f JOIN conversation_messages m ON m.id = CAST(f.subject AS BIGINT) \
         WHERE f.kind = 'answer' AND m.role = 'bot' AND m.created_at >= $1 AND m.created_at < $2{extra}"
    );
    let mut q = sqlx::query_as::<_, (i64,)>(&followed_sql)
        .bind(from)
        .bind(to);
    for b in &cond.binds {
        q = q.bind(b);
    }
    let (followed,) = q.fetch_one(db).await?;
    let mut q = sqlx::query_as::<_, (i64, i64, i64, i64)>(&votes_sql)
        .bind(from)
        .bind(to);
    for b in &cond.binds {
        q = q.bind(b);
    }
    let (helpful_votes, unhelpful_votes, voted_down, followed_and_voted_down) =
        q.fetch_one(db).await?;
    Ok(Outcomes {
        followed,
        voted_down,
        followed_and_voted_down,
        helpful_votes,
        unhelpful_votes,
    })
}

pub async fn bot_per_day(
    db: &Db,
    from: i64,
    to: i64,
    scope: &Scope<'_>,
) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    if scope.page.is_none() {
        // The daily counts (periods are whole days).
        let sql = format!(
            "SELECT day, CAST(SUM(questions) AS BIGINT), CAST(SUM(escalated) AS BIGINT) FROM answers_daily \
             WHERE day >= $1 / 86400 AND day < $2 / 86400{} GROUP BY day ORDER BY day",
            if scope.locale.is_some() {
                " AND locale = $3"
            } else {
                ""
            }
        );
        let mut q = sqlx::query_as(&sql).bind(from).bind(to);
        if let Some(l) = scope.locale {
            q = q.bind(l);
        }
        return Ok(q.fetch_all(db).await?);
    }
    let cond = scope.bot(3);
    let sql = format!(
        "SELECT m.created_at / 86400 AS day, COUNT(*) AS questions, \
         COALESCE(SUM(CASE WHEN m.escalated THEN 1 ELSE 0 END), 0) AS escalated \
         FROM conversation_messages m WHERE m.role = 'bot' AND m.created_at >= $1 AND m.created_at < $2{} \
         GROUP BY m.created_at / 86400 ORDER BY day",
        cond.sql
    );
    let mut q = sqlx::query_as(&sql).bind(from).bind(to);
    for b in &cond.binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(db).await?)
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
    scope: &Scope<'_>,
) -> Result<Vec<CitedArticle>, StoreError> {
    let cond = scope.bot(4);
    let sql = if cond.binds.is_empty() {
        // The daily counts (periods are whole days): a few rows a day.
        "SELECT url, MIN(title) AS title, CAST(SUM(cited) AS BIGINT) AS cited FROM article_citations_daily \
         WHERE day >= $1 / 86400 AND day < $2 / 86400 \
         GROUP BY url ORDER BY cited DESC, url LIMIT $3"
            .to_string()
    } else {
        format!(
            "SELECT s.url, MIN(s.title) AS title, COUNT(*) AS cited FROM answer_sources s \
             JOIN conversation_messages m ON m.id = s.message_id \
             WHERE m.role = 'bot' AND m.created_at >= $1 AND m.created_at < $2{} \
             GROUP BY s.url ORDER BY cited DESC, s.url LIMIT $3",
            cond.sql
        )
    };
    let mut q = sqlx::query_as::<_, CitedArticle>(&sql)
        .bind(from)
        .bind(to)
        .bind(limit);
    for b in &cond.binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(db).await?)
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
    scope: &Scope<'_>,
) -> Result<Vec<VotedDown>, StoreError> {
    let cond = scope.bot(4);
    let sql = format!(
        "SELECT m.created_at, \
         (SELECT u.content FROM conversation_messages u WHERE u.conversation_id = m.conversation_id \
          AND u.role = 'user' AND u.id < m.id ORDER BY u.id DESC LIMIT 1) AS question, \
         m.content AS answer, f.comment \
         FROM feedback f JOIN conversation_messages m ON m.id = CAST(f.subject AS BIGINT) \
         WHERE f.kind = 'answer' AND f.helpful = FALSE \
         AND m.role = 'bot' AND m.created_at >= $1 AND m.created_at < $2{} \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $3",
        cond.sql
    );
    let mut q = sqlx::query_as::<_, VotedDown>(&sql)
        .bind(from)
        .bind(to)
        .bind(limit);
    for b in &cond.binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(db).await?)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spread {
    pub count: i64,
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

/// `durations` is a `SELECT d FROM … WHERE …` of one integer column with
/// `$1`/`$2` as the period; the percentiles are read with `OFFSET`, so no
/// list of rows comes to Rust.
async fn spread(
    db: &Db,
    durations: &str,
    from: i64,
    to: i64,
    binds: &[String],
) -> Result<Spread, StoreError> {
    let count_sql = format!("SELECT COUNT(*) FROM ({durations}) AS x");
    let mut q = sqlx::query_as(&count_sql).bind(from).bind(to);
    for b in binds {
        q = q.bind(b);
    }
    let (count,): (i64,) = q.fetch_one(db).await?;
    if count == 0 {
        return Ok(Spread::default());
    }
    let at = |share: f64| ((count as f64 * share).ceil() as i64 - 1).clamp(0, count - 1);
    let mut out = Spread {
        count,
        ..Spread::default()
    };
    let offset = 3 + binds.len();
    for (share, slot) in [(0.5, &mut out.median), (0.9, &mut out.p90)] {
        let sql = format!("SELECT d FROM ({durations}) AS x ORDER BY d LIMIT 1 OFFSET ${offset}");
        let mut q = sqlx::query_as(&sql).bind(from).bind(to);
        for b in binds {
            q = q.bind(b);
        }
        let (v,): (i64,) = q.bind(at(share)).fetch_one(db).await?;
        *slot = Some(v);
    }
    Ok(out)
}

pub async fn tickets_by(
    db: &Db,
    column: TicketColumn,
    from: i64,
    to: i64,
    scope: &Scope<'_>,
) -> Result<Vec<(String, i64)>, StoreError> {
    let c = column.name();
    let cond = scope.tickets("", 3);
    let sql = format!(
        "SELECT {c}, COUNT(*) FROM tickets WHERE created_at >= $1 AND created_at < $2{} GROUP BY {c} ORDER BY {c}",
        cond.sql
    );
    let mut q = sqlx::query_as(&sql).bind(from).bind(to);
    for b in &cond.binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(db).await?)
}

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
pub async fn backlog(db: &Db, scope: &Scope<'_>) -> Result<Vec<(String, i64)>, StoreError> {
    let cond = scope.tickets("", 1);
    let sql = format!(
        "SELECT status, COUNT(*) FROM tickets WHERE status IN ('new', 'in_analysis', 'assigned', 'feedback'){} \
         GROUP BY status ORDER BY status",
        cond.sql
    );
    let mut q = sqlx::query_as(&sql);
    for b in &cond.binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(db).await?)
}

/// The open backlog on each day: open at `from` (opened before it, not
/// resolved by then), and how many were opened and resolved each day
/// (by each ticket's current resolution time).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BacklogFlow {
    pub open_at_start: i64,
    /// (day since the epoch, tickets opened).
    pub opened: Vec<(i64, i64)>,
    /// (day since the epoch, tickets resolved).
    pub resolved: Vec<(i64, i64)>,
}

pub async fn backlog_flow(
    db: &Db,
    from: i64,
    to: i64,
    scope: &Scope<'_>,
) -> Result<BacklogFlow, StoreError> {
    let cond = scope.tickets("", 3);
    let run = |sql: String| {
        let binds = &cond.binds;
        async move {
            let mut q = sqlx::query_as::<_, (i64, i64)>(&sql).bind(from).bind(to);
            for b in binds {
                q = q.bind(b);
            }
            q.fetch_all(db).await
        }
    };
    let extra = &cond.sql;
    // $2 is unused here but keeps the numbering of the conditions.
    let start = run(format!(
        "SELECT 0, COUNT(*) FROM tickets WHERE created_at < $1 AND $2 >= 0 \
         AND (resolved_at IS NULL OR resolved_at >= $1){extra}"
    ))
    .await?;
    let opened = run(format!(
        "SELECT created_at / 86400, COUNT(*) FROM tickets WHERE created_at >= $1 AND created_at < $2{extra} \
         GROUP BY created_at / 86400 ORDER BY 1"
    ))
    .await?;
    let resolved = run(format!(
        "SELECT resolved_at / 86400, COUNT(*) FROM tickets WHERE resolved_at >= $1 AND resolved_at < $2{extra} \
         GROUP BY resolved_at / 86400 ORDER BY 1"
    ))
    .await?;
    Ok(BacklogFlow {
        open_at_start: start.first().map_or(0, |r| r.1),
        opened,
        resolved,
    })
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
    scope: &Scope<'_>,
) -> Result<TicketTimes, StoreError> {
    let cond = scope.tickets("", 3);
    let extra = &cond.sql;
    let first_response = spread(
        db,
        &format!(
            "SELECT first_response_at - created_at AS d FROM tickets \
             WHERE created_at >= $1 AND created_at < $2 AND first_response_at IS NOT NULL{extra}"
        ),
        from,
        to,
        &cond.binds,
    )
    .await?;
    let resolution = spread(
        db,
        &format!(
            "SELECT resolved_at - created_at AS d FROM tickets \
             WHERE created_at >= $1 AND created_at < $2 AND resolved_at IS NOT NULL{extra}"
        ),
        from,
        to,
        &cond.binds,
    )
    .await?;
    let with_now = scope.tickets("", 4);
    let sql = format!(
        "SELECT COALESCE(SUM(CASE WHEN first_response_at IS NOT NULL AND first_response_at <= response_due_at THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN first_response_at IS NULL AND response_due_at < $3 THEN 1 ELSE 0 END), 0) \
         FROM tickets WHERE created_at >= $1 AND created_at < $2{}",
        with_now.sql
    );
    let mut q = sqlx::query_as(&sql).bind(from).bind(to).bind(now);
    for b in &with_now.binds {
        q = q.bind(b);
    }
    let (answered_in_time, overdue): (i64, i64) = q.fetch_one(db).await?;
    let on_ticket = scope.tickets("t.", 3);
    let sql = if on_ticket.binds.is_empty() {
        "SELECT COUNT(DISTINCT ticket_id) FROM ticket_events WHERE kind = 'status' \
         AND old_value = 'resolved' AND new_value NOT IN ('resolved', 'closed') \
         AND created_at >= $1 AND created_at < $2"
            .to_string()
    } else {
        format!(
            "SELECT COUNT(DISTINCT e.ticket_id) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id \
             WHERE e.kind = 'status' AND e.old_value = 'resolved' AND e.new_value NOT IN ('resolved', 'closed') \
             AND e.created_at >= $1 AND e.created_at < $2{}",
            on_ticket.sql
        )
    };
    let mut q = sqlx::query_as(&sql).bind(from).bind(to);
    for b in &on_ticket.binds {
        q = q.bind(b);
    }
    let (reopened,): (i64,) = q.fetch_one(db).await?;
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

pub async fn chat_figures(
    db: &Db,
    from: i64,
    to: i64,
    scope: &Scope<'_>,
) -> Result<ChatFigures, StoreError> {
    let plain = scope.chats("", 3);
    let on_c = scope.chats("c.", 3);
    let with = |sql: String, cond: &Cond| {
        let mut sql = sql;
        sql = sql.replace("{scope}", &cond.sql);
        sql
    };
    let sql = with(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN accepted_at IS NULL AND status IN ('ended', 'cancelled') THEN 1 ELSE 0 END), 0) \
         FROM chat_requests WHERE created_at >= $1 AND created_at < $2{scope}"
            .to_string(),
        &plain,
    );
    let mut q = sqlx::query_as(&sql).bind(from).bind(to);
    for b in &plain.binds {
        q = q.bind(b);
    }
    let (requests, abandoned): (i64, i64) = q.fetch_one(db).await?;
    let wait = spread(
        db,
        &with(
            "SELECT accepted_at - created_at AS d FROM chat_requests \
             WHERE created_at >= $1 AND created_at < $2 AND accepted_at IS NOT NULL{scope}"
                .to_string(),
            &plain,
        ),
        from,
        to,
        &plain.binds,
    )
    .await?;
    let sql = with(
        "SELECT CASE WHEN u.name = '' THEN u.email ELSE u.name END AS who, COUNT(*) AS n \
         FROM chat_requests c JOIN users u ON u.id = c.operator_id \
         WHERE c.created_at >= $1 AND c.created_at < $2 AND c.accepted_at IS NOT NULL{scope} \
         GROUP BY who ORDER BY n DESC, who"
            .to_string(),
        &on_c,
    );
    let mut q = sqlx::query_as(&sql).bind(from).bind(to);
    for b in &on_c.binds {
        q = q.bind(b);
    }
    let per_operator: Vec<(String, i64)> = q.fetch_all(db).await?;
    let sql = with(
        "SELECT COUNT(*), CAST(COALESCE(SUM(f.rating), 0) AS BIGINT) FROM feedback f \
         JOIN chat_requests c ON c.id = f.subject \
         WHERE f.kind = 'chat' AND c.created_at >= $1 AND c.created_at < $2{scope}"
            .to_string(),
        &on_c,
    );
    let mut q = sqlx::query_as(&sql).bind(from).bind(to);
    for b in &on_c.binds {
        q = q.bind(b);
    }
    let (ratings, total): (i64, i64) = q.fetch_one(db).await?;
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
