//! The events a webhook may subscribe to, and how one is queued.

use serde::Serialize;
use sqlx::SqliteConnection;

use crate::store::{StoreError, webhooks as store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EventKind {
    TicketCreated,
    TicketStatusChanged,
    TicketReplied,
    ChatRequested,
    ChatStarted,
    ChatEnded,
    BotEscalated,
    FeedbackCreated,
    /// Sent by "send test event" only; nobody subscribes to it.
    Test,
}

impl EventKind {
    /// The events an endpoint may subscribe to.
    pub const SUBSCRIBABLE: [EventKind; 8] = [
        EventKind::TicketCreated,
        EventKind::TicketStatusChanged,
        EventKind::TicketReplied,
        EventKind::ChatRequested,
        EventKind::ChatStarted,
        EventKind::ChatEnded,
        EventKind::BotEscalated,
        EventKind::FeedbackCreated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::TicketCreated => "ticket.created",
            EventKind::TicketStatusChanged => "ticket.status_changed",
            EventKind::TicketReplied => "ticket.replied",
            EventKind::ChatRequested => "chat.requested",
            EventKind::ChatStarted => "chat.started",
            EventKind::ChatEnded => "chat.ended",
            EventKind::BotEscalated => "bot.escalated",
            EventKind::FeedbackCreated => "feedback.created",
            EventKind::Test => "webhook.test",
        }
    }

    /// One of the subscribable events, by name.
    pub fn parse(s: &str) -> Option<EventKind> {
        Self::SUBSCRIBABLE.into_iter().find(|k| k.as_str() == s)
    }
}

/// The JSON body of a delivery: `{id, type, created_at, data}`. The id is
/// the same for every endpoint and every retry, so that a receiver can
/// drop duplicates.
pub fn body(kind: EventKind, data: serde_json::Value, now: i64) -> String {
    serde_json::json!({
        "id": format!("evt_{}", crate::ids::random_id()),
        "type": kind.as_str(),
        "created_at": now,
        "data": data,
    })
    .to_string()
}

/// Queues the event for every endpoint subscribed to it, in the caller's
/// transaction.
pub async fn emit(
    conn: &mut SqliteConnection,
    kind: EventKind,
    data: serde_json::Value,
    now: i64,
) -> Result<(), StoreError> {
    store::enqueue(conn, kind.as_str(), &body(kind, data, now), now).await
}

/// Queues the event on its own (changes made by one statement, with no
/// transaction of their own to join).
pub async fn emit_now(
    db: &crate::store::Db,
    kind: EventKind,
    data: serde_json::Value,
    now: i64,
) -> Result<(), StoreError> {
    let mut conn = db.acquire().await?;
    emit(&mut conn, kind, data, now).await
}
