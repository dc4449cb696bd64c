//! Tickets, their history (events), attachments and logged time. Writes
//! that change a ticket take the connection of a transaction so that the
//! history and the outbox are written with the change or not at all.

use serde::Serialize;
use sqlx::SqliteConnection;

use super::{Db, StoreError};
use crate::tickets::fields::{Impact, Priority, Reproducibility, Source, TicketKind};
use crate::tickets::status::Status;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Ticket {
    #[serde(skip)]
    pub id: String,
    pub number: i64,
    #[serde(skip)]
    pub requester_id: String,
    #[serde(skip)]
    pub organisation_id: Option<String>,
    #[sqlx(try_from = "String")]
    #[serde(rename = "type")]
    pub kind: TicketKind,
    #[sqlx(try_from = "String")]
    pub priority: Priority,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub summary: String,
    pub description: String,
    pub category: Option<String>,
    pub reproducibility: Option<Reproducibility>,
    pub impact: Option<Impact>,
    pub steps: Option<String>,
    pub additional_info: Option<String>,
    #[serde(skip)]
    pub assignee_id: Option<String>,
    #[serde(skip)]
    pub conversation_id: Option<String>,
    pub page_url: Option<String>,
    #[sqlx(try_from = "String")]
    pub source: Source,
    pub response_due_at: i64,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closes_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const TICKET_COLUMNS: &str = "id, number, requester_id, organisation_id, kind, priority, status, summary, description, category, reproducibility, impact, steps, additional_info, assignee_id, conversation_id, page_url, source, response_due_at, first_response_at, resolved_at, closes_at, created_at, updated_at";

pub struct NewTicket<'a> {
    pub requester_id: &'a str,
    pub organisation_id: Option<&'a str>,
    pub kind: TicketKind,
    pub priority: Priority,
    pub summary: &'a str,
    pub description: &'a str,
    pub category: Option<&'a str>,
    pub reproducibility: Option<Reproducibility>,
    pub impact: Option<Impact>,
    pub steps: Option<&'a str>,
    pub additional_info: Option<&'a str>,
    pub conversation_id: Option<&'a str>,
    pub page_url: Option<&'a str>,
    pub source: Source,
    pub response_due_at: i64,
    pub now: i64,
}

/// Inserts a ticket with the next number and its "created" event; returns
/// the ticket and the event's id (to hang the first attachments on).
pub async fn insert(
    conn: &mut SqliteConnection,
    id: &str,
    t: &NewTicket<'_>,
) -> Result<(i64, i64), StoreError> {
    // First statement of the transaction: it takes the write lock at once.
    let (number,): (i64,) = sqlx::query_as(
        "UPDATE counters SET value = value + 1 WHERE name = 'ticket_number' RETURNING value",
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO tickets (id, number, requester_id, organisation_id, kind, priority, status, summary, description, \
         category, reproducibility, impact, steps, additional_info, conversation_id, page_url, source, response_due_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'new', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)",
    )
    .bind(id)
    .bind(number)
    .bind(t.requester_id)
    .bind(t.organisation_id)
    .bind(t.kind.as_str())
    .bind(t.priority.as_str())
    .bind(t.summary)
    .bind(t.description)
    .bind(t.category)
    .bind(t.reproducibility.map(Reproducibility::as_str))
    .bind(t.impact.map(Impact::as_str))
    .bind(t.steps)
    .bind(t.additional_info)
    .bind(t.conversation_id)
    .bind(t.page_url)
    .bind(t.source.as_str())
    .bind(t.response_due_at)
    .bind(t.now)
    .execute(&mut *conn)
    .await?;
    let event_id = insert_event(
        conn,
        &NewEvent {
            ticket_id: id,
            actor_id: Some(t.requester_id),
            kind: EventKind::Created,
            public: true,
            body: Some(t.description),
            field: None,
            old_value: None,
            new_value: Some(Status::New.as_str()),
            now: t.now,
        },
    )
    .await?;
    Ok((number, event_id))
}

pub async fn by_number(db: &Db, number: i64) -> Result<Option<Ticket>, StoreError> {
    Ok(sqlx::query_as::<_, Ticket>(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE number = $1"
    ))
    .bind(number)
    .fetch_optional(db)
    .await?)
}

/// Who is asking for a list of tickets.
pub enum Scope<'a> {
    /// Operators and admins see every ticket.
    Everything,
    /// An end user: their own tickets, and their organisation's when it
    /// shares tickets among its members.
    Requester {
        user_id: &'a str,
        shared_organisation: Option<&'a str>,
    },
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub statuses: Vec<Status>,
    pub kind: Option<TicketKind>,
    pub priority: Option<Priority>,
    pub text: Option<String>,
    pub sort: Sort,
    pub limit: i64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    #[default]
    UpdatedDesc,
    CreatedDesc,
    CreatedAsc,
    PriorityDesc,
    NumberDesc,
    DueAsc,
}

impl Sort {
    pub const ALL: [(Sort, &'static str); 6] = [
        (Sort::UpdatedDesc, "updated"),
        (Sort::CreatedDesc, "newest"),
        (Sort::CreatedAsc, "oldest"),
        (Sort::PriorityDesc, "priority"),
        (Sort::NumberDesc, "number"),
        (Sort::DueAsc, "due"),
    ];

    pub fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.iter().find(|(_, c)| *c == s).map(|(v, _)| *v)
    }

    pub fn as_str(self) -> &'static str {
        Sort::ALL
            .iter()
            .find(|(v, _)| *v == self)
            .map(|(_, c)| *c)
            .unwrap_or("updated")
    }

    fn order_by(self) -> &'static str {
        match self {
            Sort::UpdatedDesc => "updated_at DESC, number DESC",
            Sort::CreatedDesc => "created_at DESC, number DESC",
            Sort::CreatedAsc => "created_at ASC, number ASC",
            Sort::PriorityDesc => {
                "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, updated_at DESC"
            }
            Sort::NumberDesc => "number DESC",
            Sort::DueAsc => "response_due_at ASC, number ASC",
        }
    }
}

/// `LIKE` pattern for a user's text, with its wildcards escaped.
pub fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

pub async fn list(db: &Db, scope: &Scope<'_>, f: &Filter) -> Result<Vec<Ticket>, StoreError> {
    // Only fixed SQL fragments are concatenated; every value is bound.
    let mut sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    let next = |v: String, binds: &mut Vec<String>| {
        binds.push(v);
        format!("${}", binds.len())
    };
    if let Scope::Requester {
        user_id,
        shared_organisation,
    } = scope
    {
        let u = next(user_id.to_string(), &mut binds);
        match shared_organisation {
            Some(org) => {
                let o = next(org.to_string(), &mut binds);
                sql.push_str(&format!(
                    " AND (requester_id = {u} OR organisation_id = {o})"
                ));
            }
            None => sql.push_str(&format!(" AND requester_id = {u}")),
        }
    }
    if !f.statuses.is_empty() {
        let ps: Vec<String> = f
            .statuses
            .iter()
            .map(|s| next(s.as_str().to_string(), &mut binds))
            .collect();
        sql.push_str(&format!(" AND status IN ({})", ps.join(", ")));
    }
    if let Some(k) = f.kind {
        let p = next(k.as_str().to_string(), &mut binds);
        sql.push_str(&format!(" AND kind = {p}"));
    }
    if let Some(pr) = f.priority {
        let p = next(pr.as_str().to_string(), &mut binds);
        sql.push_str(&format!(" AND priority = {p}"));
    }
    if let Some(text) = f.text.as_deref().filter(|t| !t.trim().is_empty()) {
        // The words, or the requester's name or email; "#1042" or "1042" is a number too.
        let p = next(like_pattern(text.trim()), &mut binds);
        let number = text
            .trim()
            .trim_start_matches('#')
            .parse::<i64>()
            .ok()
            .map(|n| format!(" OR number = {n}"))
            .unwrap_or_default();
        sql.push_str(&format!(
            " AND (LOWER(summary) LIKE {p} ESCAPE '\\' OR LOWER(description) LIKE {p} ESCAPE '\\' \
             OR requester_id IN (SELECT id FROM users WHERE LOWER(email) LIKE {p} ESCAPE '\\' OR LOWER(name) LIKE {p} ESCAPE '\\'){number})"
        ));
    }
    sql.push_str(&format!(
        " ORDER BY {} LIMIT {}",
        f.sort.order_by(),
        f.limit.clamp(1, 500)
    ));
    let mut q = sqlx::query_as::<_, Ticket>(&sql);
    for b in &binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(db).await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Created,
    Reply,
    Note,
    Status,
    Priority,
    Assignee,
    Field,
    Time,
    /// The transcript of a live chat, rewritten as messages are posted.
    Transcript,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Reply => "reply",
            EventKind::Note => "note",
            EventKind::Status => "status",
            EventKind::Priority => "priority",
            EventKind::Assignee => "assignee",
            EventKind::Field => "field",
            EventKind::Time => "time",
            EventKind::Transcript => "transcript",
        }
    }
}

pub struct NewEvent<'a> {
    pub ticket_id: &'a str,
    pub actor_id: Option<&'a str>,
    pub kind: EventKind,
    pub public: bool,
    pub body: Option<&'a str>,
    pub field: Option<&'a str>,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
    pub now: i64,
}

/// Rewrites an event's text (a chat transcript that grew).
pub async fn set_event_body(db: &Db, event_id: i64, body: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE ticket_events SET body = $1 WHERE id = $2")
        .bind(body)
        .bind(event_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn insert_event(
    conn: &mut SqliteConnection,
    e: &NewEvent<'_>,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO ticket_events (ticket_id, actor_id, kind, public, body, field, old_value, new_value, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(e.ticket_id)
    .bind(e.actor_id)
    .bind(e.kind.as_str())
    .bind(e.public)
    .bind(e.body)
    .bind(e.field)
    .bind(e.old_value)
    .bind(e.new_value)
    .bind(e.now)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2")
        .bind(e.now)
        .bind(e.ticket_id)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub public: bool,
    pub body: Option<String>,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub created_at: i64,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
}

/// The ticket's history, oldest first; internal notes only for staff.
pub async fn events(
    db: &Db,
    ticket_id: &str,
    include_internal: bool,
) -> Result<Vec<Event>, StoreError> {
    Ok(sqlx::query_as::<_, Event>(
        "SELECT e.id, e.kind, e.public, e.body, e.field, e.old_value, e.new_value, e.created_at, \
         CASE WHEN u.name = '' THEN u.email ELSE u.name END AS actor_name, u.role AS actor_role \
         FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.ticket_id = $1 AND (e.public = TRUE OR $2 = TRUE) ORDER BY e.id",
    )
    .bind(ticket_id)
    .bind(include_internal)
    .fetch_all(db)
    .await?)
}

/// Moves a ticket from `from` to `to` unless someone else changed its status
/// meanwhile (then `false`): the optimistic check that keeps concurrent
/// requests from both applying.
pub async fn set_status(
    conn: &mut SqliteConnection,
    ticket_id: &str,
    from: Status,
    to: Status,
    resolved_at: Option<i64>,
    closes_at: Option<i64>,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE tickets SET status = $1, resolved_at = $2, closes_at = $3, updated_at = $4 WHERE id = $5 AND status = $6",
    )
    .bind(to.as_str())
    .bind(resolved_at)
    .bind(closes_at)
    .bind(now)
    .bind(ticket_id)
    .bind(from.as_str())
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn set_assignee(
    conn: &mut SqliteConnection,
    ticket_id: &str,
    assignee_id: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE tickets SET assignee_id = $1 WHERE id = $2")
        .bind(assignee_id)
        .bind(ticket_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_priority(
    conn: &mut SqliteConnection,
    ticket_id: &str,
    priority: Priority,
    response_due_at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE tickets SET priority = $1, response_due_at = $2 WHERE id = $3")
        .bind(priority.as_str())
        .bind(response_due_at)
        .bind(ticket_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets one of the editable fields (`kind`, `summary`, `category`); the
/// column name comes from this fixed list, never from the caller's text.
pub async fn set_field(
    conn: &mut SqliteConnection,
    ticket_id: &str,
    field: &str,
    value: &str,
) -> Result<(), StoreError> {
    let sql = match field {
        "kind" => "UPDATE tickets SET kind = $1 WHERE id = $2",
        "summary" => "UPDATE tickets SET summary = $1 WHERE id = $2",
        "category" => "UPDATE tickets SET category = NULLIF($1, '') WHERE id = $2",
        _ => return Err(StoreError::NotFound),
    };
    sqlx::query(sql)
        .bind(value)
        .bind(ticket_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_first_response(
    conn: &mut SqliteConnection,
    ticket_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE tickets SET first_response_at = $1 WHERE id = $2 AND first_response_at IS NULL",
    )
    .bind(now)
    .bind(ticket_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Resolved tickets whose closing time has come.
pub async fn due_for_closing(db: &Db, now: i64) -> Result<Vec<Ticket>, StoreError> {
    Ok(sqlx::query_as::<_, Ticket>(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE status = 'resolved' AND closes_at IS NOT NULL AND closes_at <= $1 ORDER BY closes_at LIMIT 200"
    ))
    .bind(now)
    .fetch_all(db)
    .await?)
}

/// Assigned tickets past their response target with no operator answer,
/// not yet offered to another operator.
pub async fn overdue_assigned(db: &Db, now: i64) -> Result<Vec<Ticket>, StoreError> {
    Ok(sqlx::query_as::<_, Ticket>(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE assignee_id IS NOT NULL AND first_response_at IS NULL \
         AND response_due_at < $1 AND reoffered_at IS NULL AND status IN ('new', 'in_analysis', 'assigned') \
         ORDER BY response_due_at LIMIT 200"
    ))
    .bind(now)
    .fetch_all(db)
    .await?)
}

/// Records that an overdue ticket is being offered to another operator, if
/// it is still with `from`, unanswered and not offered before; false
/// otherwise (someone answered or moved it meanwhile).
pub async fn mark_reoffered(
    conn: &mut SqliteConnection,
    ticket_id: &str,
    from: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE tickets SET reoffered_at = $1 \
         WHERE id = $2 AND assignee_id = $3 AND first_response_at IS NULL AND reoffered_at IS NULL",
    )
    .bind(now)
    .bind(ticket_id)
    .bind(from)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Attachment {
    pub id: String,
    #[serde(skip)]
    pub ticket_id: String,
    pub event_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    #[serde(skip)]
    pub sha256: String,
    pub created_at: i64,
}

pub struct NewAttachment<'a> {
    pub ticket_id: &'a str,
    pub event_id: i64,
    pub uploader_id: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub now: i64,
}

pub async fn insert_attachment(
    conn: &mut SqliteConnection,
    a: &NewAttachment<'_>,
) -> Result<String, StoreError> {
    let id = crate::ids::random_id();
    sqlx::query(
        "INSERT INTO attachments (id, ticket_id, event_id, uploader_id, file_name, content_type, size, sha256, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(a.ticket_id)
    .bind(a.event_id)
    .bind(a.uploader_id)
    .bind(a.file_name)
    .bind(a.content_type)
    .bind(a.size)
    .bind(a.sha256)
    .bind(a.now)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Attaches a file sent in a live chat to the chat's ticket, on its
/// transcript event. Its id is derived from the message, so doing it again
/// (the transcript is rewritten with every message) changes nothing.
pub async fn attach_chat_file(
    conn: &mut SqliteConnection,
    ticket_id: &str,
    event_id: i64,
    m: &super::chat_messages::ChatMessage,
) -> Result<(), StoreError> {
    let (Some(sha256), Some(content_type)) = (&m.file_sha256, &m.file_content_type) else {
        return Ok(());
    };
    let mut id = crate::ids::sha256_hex(&format!("chat-file:{}", m.id));
    id.truncate(32);
    sqlx::query(
        "INSERT INTO attachments (id, ticket_id, event_id, uploader_id, file_name, content_type, size, sha256, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&id)
    .bind(ticket_id)
    .bind(event_id)
    .bind(&m.sender_id)
    .bind(&m.body)
    .bind(content_type)
    .bind(m.file_size.unwrap_or(0))
    .bind(sha256)
    .bind(m.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The attachments of a ticket's events, internal ones only for staff.
pub async fn attachments(
    db: &Db,
    ticket_id: &str,
    include_internal: bool,
) -> Result<Vec<Attachment>, StoreError> {
    Ok(sqlx::query_as::<_, Attachment>(
        "SELECT a.id, a.ticket_id, a.event_id, a.file_name, a.content_type, a.size, a.sha256, a.created_at \
         FROM attachments a LEFT JOIN ticket_events e ON e.id = a.event_id \
         WHERE a.ticket_id = $1 AND (e.public = TRUE OR $2 = TRUE) ORDER BY a.created_at, a.file_name",
    )
    .bind(ticket_id)
    .bind(include_internal)
    .fetch_all(db)
    .await?)
}

#[derive(sqlx::FromRow)]
struct AttachmentWithVisibility {
    #[sqlx(flatten)]
    attachment: Attachment,
    public: Option<bool>,
}

/// An attachment with whether it belongs to a public event.
pub async fn attachment(db: &Db, id: &str) -> Result<Option<(Attachment, bool)>, StoreError> {
    let row: Option<AttachmentWithVisibility> = sqlx::query_as(
        "SELECT a.id, a.ticket_id, a.event_id, a.file_name, a.content_type, a.size, a.sha256, a.created_at, e.public \
         FROM attachments a LEFT JOIN ticket_events e ON e.id = a.event_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.attachment, r.public.unwrap_or(false))))
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<Ticket>, StoreError> {
    Ok(sqlx::query_as::<_, Ticket>(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?)
}

pub async fn log_time(
    conn: &mut SqliteConnection,
    ticket_id: &str,
    operator_id: &str,
    minutes: i64,
    month: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO time_entries (ticket_id, operator_id, minutes, month, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ticket_id)
    .bind(operator_id)
    .bind(minutes)
    .bind(month)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
