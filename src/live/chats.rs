//! A live chat's life over time, and its place in a ticket: system
//! messages, the end of a chat (by a participant or after being idle), the
//! ticket opened automatically once a chat without one has gone on for a
//! while, and the transcript kept on that ticket as messages are posted.
//! Functions take the time as an argument so tests control it.

use serde_json::json;

use crate::live::bus::Bus;
use crate::store::chat_messages::{self, Audience, ChatMessage, NewMessage};
use crate::store::queue::{self, ChatRequest};
use crate::store::tickets::{self as ticket_store, EventKind, NewEvent};
use crate::store::users::{self, User};
use crate::store::{Db, StoreError};
use crate::tickets::title::title_from;
use crate::tickets::workflow::{Desk, TicketInput, WorkflowError};
use crate::tickets::{Priority, Source, TicketKind};
use crate::webhooks::events::{self, EventKind as Hook};

#[derive(Debug, Clone, Copy)]
pub struct LiveSettings {
    /// A chat with no message for this long ends (seconds).
    pub idle_secs: i64,
    /// A chat without a ticket gets one after this long (seconds).
    pub auto_ticket_secs: i64,
}

impl Default for LiveSettings {
    fn default() -> Self {
        LiveSettings {
            idle_secs: 5 * 60,
            auto_ticket_secs: 2 * 60,
        }
    }
}

/// A chat's ticket title when nobody said anything to make one from.
pub const AUTO_TICKET_SUMMARY: &str = "New ticket opened from chat";

/// What a chat's ticket is about: the question the bot escalated, with the
/// type the bot suggested; else the user's first words in the chat (and
/// Settings help, the general type).
async fn subject_of(db: &Db, chat: &ChatRequest) -> Result<(String, TicketKind), StoreError> {
    if let Some(conversation) = &chat.conversation_id {
        let turns = crate::store::conversations::messages(db, conversation).await?;
        let escalation = turns.iter().rposition(|m| m.role == "bot" && m.escalated);
        if let Some(at) = escalation {
            let kind = turns[at]
                .ticket_type
                .as_deref()
                .and_then(TicketKind::parse)
                .unwrap_or(TicketKind::SettingsHelp);
            let question = turns[..at].iter().rev().find(|m| m.role == "user");
            let title = question.map(|m| title_from(&m.content)).unwrap_or_default();
            if !title.is_empty() {
                return Ok((title, kind));
            }
        }
    }
    let first_words = chat_messages::after(db, &chat.id, 0, 50, Audience::Everyone)
        .await?
        .into_iter()
        .find(|m| m.kind == "text" && m.sender_id.as_deref() == Some(chat.user_id.as_str()))
        .map(|m| title_from(&m.body))
        .filter(|t| !t.is_empty());
    Ok((
        first_words.unwrap_or_else(|| AUTO_TICKET_SUMMARY.to_string()),
        TicketKind::SettingsHelp,
    ))
}

/// Who may follow a chat (read it, post in it): its user, its operator,
/// and staff of its team (any staff when it has no team). An operator
/// outside the team cannot read it.
pub async fn may_follow(db: &Db, user: &User, chat: &ChatRequest) -> Result<bool, StoreError> {
    if chat.user_id == user.id || chat.operator_id.as_deref() == Some(user.id.as_str()) {
        return Ok(true);
    }
    if !user.role().is_staff() {
        return Ok(false);
    }
    match &chat.team_id {
        None => Ok(true),
        Some(team) => queue::is_team_member(db, team, &user.id).await,
    }
}

/// Where a chat's file is downloaded from.
pub fn file_url(chat_id: &str, message_id: i64) -> String {
    format!("/api/chats/{chat_id}/files/{message_id}")
}

/// The event every follower of a chat gets for a stored message.
pub fn message_event(m: &ChatMessage) -> serde_json::Value {
    json!({
        "type": "message",
        "chat_id": m.chat_id,
        "id": m.id,
        "sender": m.sender,
        "sender_role": m.sender_role,
        "kind": m.kind,
        "text": m.body,
        "client_id": m.client_id,
        "created_at": m.created_at,
        "internal": m.internal,
        "file": (m.kind == "file").then(|| json!({
            "name": m.body,
            "size": m.file_size,
            "content_type": m.file_content_type,
            "url": file_url(&m.chat_id, m.id),
        })),
    })
}

/// Stores and delivers a message from the system (joined, ended, saved).
pub async fn system_message(
    desk: &Desk,
    bus: &Bus,
    chat_id: &str,
    text: &str,
    now: i64,
) -> Result<ChatMessage, StoreError> {
    let m = chat_messages::append(&desk.db, &NewMessage::system(chat_id, text, now)).await?;
    bus.publish(chat_id, message_event(&m));
    Ok(m)
}

/// The whole conversation of a chat as text, one message a line.
pub async fn transcript_text(desk: &Desk, chat_id: &str) -> Result<String, StoreError> {
    let messages = chat_messages::after(&desk.db, chat_id, 0, 100_000, Audience::Everyone).await?;
    Ok(transcript_of(&messages))
}

fn transcript_of(messages: &[ChatMessage]) -> String {
    messages
        .iter()
        .map(|m| {
            let who = m.sender.as_deref().unwrap_or("Frontdesk");
            let when = crate::tickets::timing::format_utc(m.created_at);
            if m.kind == "file" {
                format!("[{when}] {who} sent a file: {}\n", m.body)
            } else {
                format!("[{when}] {who}: {}\n", m.body)
            }
        })
        .collect()
}

/// Rewrites the chat's transcript on its ticket (creating the event the
/// first time), so the ticket always shows the whole conversation.
pub async fn update_transcript(
    desk: &Desk,
    chat: &ChatRequest,
    now: i64,
) -> Result<(), StoreError> {
    let Some(ticket_id) = &chat.ticket_id else {
        return Ok(());
    };
    let messages = chat_messages::after(&desk.db, &chat.id, 0, 100_000, Audience::Staff).await?;
    let (notes, public): (Vec<ChatMessage>, Vec<ChatMessage>) =
        messages.into_iter().partition(|m| m.internal);
    copy_notes(desk, ticket_id, &notes, now).await?;
    let messages = public;
    let text = transcript_of(&messages);
    let event_id = match chat.transcript_event_id {
        Some(event_id) => {
            ticket_store::set_event_body(&desk.db, event_id, &text).await?;
            event_id
        }
        None => {
            let mut conn = desk.db.acquire().await?;
            let event_id = ticket_store::insert_event(
                &mut conn,
                &NewEvent {
                    ticket_id,
                    actor_id: None,
                    kind: EventKind::Transcript,
                    public: true,
                    body: Some(&text),
                    field: None,
                    old_value: None,
                    new_value: None,
                    now,
                },
            )
            .await?;
            queue::set_transcript_event(&desk.db, &chat.id, event_id).await?;
            event_id
        }
    };
    // Files sent in the chat become the ticket's attachments, on the
    // transcript (once each: the id follows from the message).
    let mut conn = desk.db.acquire().await?;
    for m in messages.iter().filter(|m| m.kind == "file") {
        ticket_store::attach_chat_file(&mut conn, ticket_id, event_id, m).await?;
    }
    Ok(())
}

/// Copies the chat's internal notes not yet on its ticket there, as
/// internal notes by their authors (each once, even when two messages
/// rewrite the transcript at the same time).
async fn copy_notes(
    desk: &Desk,
    ticket_id: &str,
    notes: &[ChatMessage],
    now: i64,
) -> Result<(), StoreError> {
    for m in notes.iter().filter(|m| m.note_event_id.is_none()) {
        let mut tx = desk.db.begin().await?;
        let body = format!("Note in the live chat: {}", m.body);
        let event_id = ticket_store::insert_event(
            &mut tx,
            &NewEvent {
                ticket_id,
                actor_id: m.sender_id.as_deref(),
                kind: EventKind::Note,
                public: false,
                body: Some(&body),
                field: None,
                old_value: None,
                new_value: None,
                now: m.created_at.min(now),
            },
        )
        .await?;
        if chat_messages::claim_note_copy(&mut tx, m.id, event_id).await? {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
    }
    Ok(())
}

/// Whether `viewer` reads the chat as its user (no internal notes) or as
/// staff.
pub fn audience(viewer: &User, chat: &ChatRequest) -> Audience {
    if viewer.id == chat.user_id {
        Audience::Everyone
    } else {
        Audience::Staff
    }
}

/// Ends a chat, tells both sides, and says where the transcript is.
pub async fn end_chat(
    desk: &Desk,
    bus: &Bus,
    chat: &ChatRequest,
    reason: &str,
    now: i64,
) -> Result<bool, WorkflowError> {
    let mut tx = desk.db.begin().await.map_err(StoreError::from)?;
    if !queue::end_in(&mut tx, &chat.id, reason, now).await? {
        return Ok(false);
    }
    events::emit(
        &mut tx,
        Hook::ChatEnded,
        serde_json::json!({
            "chat": { "id": chat.id, "started": chat.accepted_at.is_some() },
            "ended_by": reason,
        }),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    // Every chat that took place belongs to a ticket, however short it was.
    let chat = if chat.ticket_id.is_none() && chat.accepted_at.is_some() {
        open_ticket_for(desk, chat, now).await?;
        queue::request(&desk.db, &chat.id)
            .await?
            .unwrap_or_else(|| chat.clone())
    } else {
        chat.clone()
    };
    let notice = match reason {
        "idle" => "The chat ended after a period without messages.",
        _ => "The chat has ended.",
    };
    system_message(desk, bus, &chat.id, notice, now).await?;
    if let Some(ticket_id) = &chat.ticket_id
        && let Some(t) = ticket_store::by_id(&desk.db, ticket_id).await?
    {
        system_message(
            desk,
            bus,
            &chat.id,
            &format!("The transcript was saved to ticket #{}.", t.number),
            now,
        )
        .await?;
        update_transcript(desk, &chat, now).await?;
    }
    bus.publish(
        &chat.id,
        json!({ "type": "ended", "chat_id": chat.id, "reason": reason }),
    );
    if let Some(op) = &chat.operator_id {
        crate::live::queue::slot_freed(&desk.db, op, now).await?;
    }
    Ok(true)
}

/// Opens the ticket of a chat that has none.
async fn open_ticket_for(desk: &Desk, chat: &ChatRequest, now: i64) -> Result<(), WorkflowError> {
    let Some(user) = users::by_id(&desk.db, &chat.user_id).await? else {
        return Ok(());
    };
    let (summary, kind) = subject_of(&desk.db, chat).await?;
    let t = desk
        .open_ticket(
            &user,
            &TicketInput {
                kind,
                priority: Priority::Normal,
                summary,
                description: "Opened automatically from a live chat; the transcript follows."
                    .into(),
                category: None,
                reproducibility: None,
                impact: None,
                steps: None,
                additional_info: None,
                conversation_id: chat.conversation_id.clone(),
                page_url: None,
                source: Source::Chat,
            },
            &[],
        )
        .await?;
    if queue::set_ticket(&desk.db, &chat.id, &t.id).await? {
        let chat = queue::request(&desk.db, &chat.id)
            .await?
            .ok_or(StoreError::NotFound)?;
        update_transcript(desk, &chat, now).await?;
    }
    Ok(())
}

/// What is due at `now`: idle chats end, long enough chats get a ticket.
pub async fn tick(
    desk: &Desk,
    bus: &Bus,
    settings: LiveSettings,
    now: i64,
) -> Result<(), WorkflowError> {
    let last_messages = queue::last_message_times(&desk.db).await?;
    for chat in queue::active(&desk.db).await? {
        let started = chat.accepted_at.unwrap_or(chat.created_at);
        let last = last_messages
            .get(&chat.id)
            .copied()
            .unwrap_or(started)
            .max(started);
        if now - last >= settings.idle_secs {
            end_chat(desk, bus, &chat, "idle", now).await?;
            continue;
        }
        if chat.ticket_id.is_none() && now - started >= settings.auto_ticket_secs {
            open_ticket_for(desk, &chat, now).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::setup;

    async fn active_chat(desk: &Desk, op: &str, user: &str, at: i64) -> ChatRequest {
        let r = queue::create_request(
            &desk.db,
            &queue::NewRequest {
                user_id: user,
                team_id: None,
                only_operator: None,
                ticket_id: None,
                conversation_id: None,
                priority: Priority::Normal,
                now: at,
            },
        )
        .await
        .expect("request");
        assert!(queue::take(&desk.db, &r.id, op, at).await.expect("take"));
        queue::request(&desk.db, &r.id)
            .await
            .expect("get")
            .expect("exists")
    }

    #[tokio::test]
    async fn a_chat_after_an_escalation_opens_its_ticket_with_the_question_and_the_bots_type() {
        use crate::store::conversations::{self, NewBotMessage, NewConversation};
        let (_dir, desk, op, user) = setup().await;
        let bus = Bus::default();
        conversations::append_turn(
            &desk.db,
            "conv-1",
            Some(&NewConversation {
                locale: "en",
                page_url: None,
                key_hash: "not-a-real-hash",
                user_id: Some(&user),
            }),
            "The grade export has been empty since the update on Monday. We tried two browsers and three exams, nothing.",
            None,
            &NewBotMessage {
                content: "I could not find an answer.",
                sources_json: "[]",
                articles: &[],
                event: None,
                confidence: 0.1,
                escalated: true,
                ticket_type: Some(TicketKind::BugReport),
            },
        )
        .await
        .expect("a bot turn");
        let r = queue::create_request(
            &desk.db,
            &queue::NewRequest {
                user_id: &user,
                team_id: None,
                only_operator: None,
                ticket_id: None,
                conversation_id: Some("conv-1"),
                priority: Priority::Normal,
                now: 10_000,
            },
        )
        .await
        .expect("request");
        assert!(
            queue::take(&desk.db, &r.id, &op, 10_000)
                .await
                .expect("take")
        );
        tick(&desk, &bus, LiveSettings::default(), 10_000 + 120)
            .await
            .expect("tick");
        let c = queue::request(&desk.db, &r.id)
            .await
            .expect("get")
            .expect("exists");
        let t = ticket_store::by_id(&desk.db, &c.ticket_id.expect("a ticket"))
            .await
            .expect("get")
            .expect("exists");
        assert_eq!(
            t.summary,
            "The grade export has been empty since the update on Monday."
        );
        assert_eq!(t.kind, TicketKind::BugReport);
    }

    #[tokio::test]
    async fn a_chat_gets_a_ticket_after_two_minutes_and_keeps_its_transcript_there() {
        let (_dir, desk, op, user) = setup().await;
        let bus = Bus::default();
        let s = LiveSettings::default();
        let chat = active_chat(&desk, &op, &user, 10_000).await;
        chat_messages::append(
            &desk.db,
            &NewMessage::text(&chat.id, &user, "a", "hello", 10_010),
        )
        .await
        .expect("msg");
        // 1 min 59 s: no ticket yet.
        tick(&desk, &bus, s, 10_000 + 119).await.expect("tick");
        let c = queue::request(&desk.db, &chat.id)
            .await
            .expect("get")
            .expect("exists");
        assert!(c.ticket_id.is_none());
        tick(&desk, &bus, s, 10_000 + 120).await.expect("tick");
        let c = queue::request(&desk.db, &chat.id)
            .await
            .expect("get")
            .expect("exists");
        let ticket_id = c.ticket_id.clone().expect("a ticket after 2 minutes");
        let t = ticket_store::by_id(&desk.db, &ticket_id)
            .await
            .expect("get")
            .expect("exists");
        assert_eq!(t.summary, "hello", "titled with the user's first words");
        assert_eq!(t.source, Source::Chat);
        // Later messages reach the transcript as they are posted.
        chat_messages::append(
            &desk.db,
            &NewMessage::text(&chat.id, &op, "b", "how can I help?", 10_130),
        )
        .await
        .expect("msg");
        update_transcript(&desk, &c, 10_130)
            .await
            .expect("transcript");
        let events = ticket_store::events(&desk.db, &ticket_id, false)
            .await
            .expect("events");
        let transcripts: Vec<_> = events.iter().filter(|e| e.kind == "transcript").collect();
        assert_eq!(transcripts.len(), 1, "one transcript, rewritten");
        let body = transcripts[0].body.clone().unwrap_or_default();
        assert!(
            body.contains("Ugo: hello") && body.contains("Olga: how can I help?"),
            "{body}"
        );
        // Idle for 5 minutes: the chat ends, both sides are told, the
        // transcript (with the notices) stays on the ticket.
        tick(&desk, &bus, s, 10_130 + 299).await.expect("tick");
        assert_eq!(
            queue::request(&desk.db, &chat.id)
                .await
                .expect("get")
                .expect("exists")
                .status,
            "active"
        );
        tick(&desk, &bus, s, 10_130 + 300).await.expect("tick");
        let c = queue::request(&desk.db, &chat.id)
            .await
            .expect("get")
            .expect("exists");
        assert_eq!(
            (c.status.as_str(), c.end_reason.as_deref()),
            ("ended", Some("idle"))
        );
        let events = ticket_store::events(&desk.db, &ticket_id, false)
            .await
            .expect("events");
        let body = events
            .iter()
            .find(|e| e.kind == "transcript")
            .and_then(|e| e.body.clone())
            .unwrap_or_default();
        assert!(
            body.contains("without messages")
                && body.contains(&format!("saved to ticket #{}", t.number)),
            "{body}"
        );
    }
}
