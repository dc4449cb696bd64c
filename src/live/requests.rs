//! What users and operators do to a chat request, with the rules of who may
//! do it: a user starts one (about a ticket, for a team), an operator
//! accepts or declines the offer, the chat's operator transfers it, either
//! side ends it. Each action returns the request's [`Progress`] as its
//! follower sees it next. Functions take the time as an argument.

use crate::accounts::Email;
use crate::live::bus::Bus;
use crate::live::{chats, queue};
use crate::store::chat_messages::{self, Audience, ChatMessage};
use crate::store::conversations::{self, Message};
use crate::store::live_settings::{self, ChatWith};
use crate::store::queue::{self as q, ChatRequest};
use crate::store::tickets::{self as ticket_store, Filter, Scope, Ticket};
use crate::store::users::{self, User};
use crate::store::{Db, StoreError};
use crate::tickets::Priority;
use crate::tickets::workflow::{Desk, WorkflowError};
use crate::webhooks::events::{self, EventKind};

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("Live chat is off at the moment; please leave a ticket.")]
    ChatOff,
    #[error("There is no team named {0}.")]
    UnknownTeam(String),
    #[error("No operator has the email {0}.")]
    UnknownOperator(String),
    #[error("You are at your capacity of live chats; end one first.")]
    AtCapacity,
    #[error("Someone else took this chat, or it ended.")]
    Taken,
    #[error("This chat is not offered to you.")]
    NotOffered,
    #[error("Only the chat's operator can end it.")]
    NotYoursToEnd,
    #[error("Only the chat's operator can transfer it.")]
    NotYoursToTransfer,
    #[error("This chat is no longer yours to transfer.")]
    NoLongerYours,
    #[error("This chat is already over.")]
    Over,
    #[error("The chat's user no longer exists.")]
    UserGone,
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A request's state as the user waiting (or chatting) sees it.
#[derive(Debug, Clone)]
pub struct Progress {
    pub request: ChatRequest,
    /// Requests ahead of this one (0: next, or no longer waiting).
    pub position: i64,
    /// False when nobody could take it now.
    pub operators_available: bool,
    pub estimated_wait_secs: Option<i64>,
    /// The operator's name, once someone took it.
    pub operator: Option<String>,
}

/// What an operator sees beside the chat: who asks and what came before.
#[derive(Debug, Clone)]
pub struct Context {
    pub user: Option<User>,
    /// The bot conversation before the escalation.
    pub conversation: Vec<Message>,
    pub ticket_number: Option<i64>,
    /// Earlier chats about the same ticket with their messages, oldest first.
    pub earlier_chats: Vec<(ChatRequest, Vec<ChatMessage>)>,
    /// The user's other tickets, most recently updated first.
    pub other_tickets: Vec<Ticket>,
}

impl Context {
    /// The page the user was on (their bot conversation's last page).
    pub fn page_url(&self) -> Option<&str> {
        self.conversation
            .iter()
            .rev()
            .find_map(|m| m.page_url.as_deref())
    }
}

/// A chat of the user's history.
#[derive(Debug, Clone)]
pub struct PastChat {
    pub request: ChatRequest,
    pub operator: Option<String>,
    pub ticket_number: Option<i64>,
}

/// What a user asks for: a person, maybe about one of their tickets (which
/// the caller has checked they may see), maybe from a team.
#[derive(Debug, Clone, Copy)]
pub struct NewChat<'a> {
    pub user: &'a User,
    pub ticket: Option<&'a Ticket>,
    /// A team's name; blank means any operator.
    pub team: Option<&'a str>,
    /// The bot conversation before (checked to be the user's).
    pub conversation_id: Option<&'a str>,
}

/// Where the chat's operator hands it.
#[derive(Debug, Clone, Copy)]
pub enum TransferTo<'a> {
    Operator(&'a Email),
    /// A team's name: the chat goes back to the queue for that team.
    Team(&'a str),
}

async fn team_id(db: &Db, name: &str) -> Result<String, ChatError> {
    q::team_by_name(db, name.trim())
        .await?
        .ok_or_else(|| ChatError::UnknownTeam(name.trim().to_string()))
}

/// The request as stored now (it may have moved since `r` was read).
async fn reread(db: &Db, r: ChatRequest) -> Result<ChatRequest, StoreError> {
    Ok(q::request(db, &r.id).await?.unwrap_or(r))
}

/// Its position, whether anyone could take it, the estimated wait.
pub async fn progress(db: &Db, request: ChatRequest, now: i64) -> Result<Progress, StoreError> {
    let operator = match &request.operator_id {
        Some(id) => users::name_of(db, id).await?,
        None => None,
    };
    let open = matches!(request.status.as_str(), "waiting" | "offered");
    let operators_available =
        !open || request.status == "offered" || !q::candidates(db, &request).await?.is_empty();
    let (position, estimated_wait_secs) = if open {
        let position = q::position(db, &request).await?;
        let wait = queue::estimated_wait(db, request.team_id.as_deref(), position, now).await?;
        (position, wait)
    } else {
        (0, None)
    };
    Ok(Progress {
        request,
        position,
        operators_available,
        estimated_wait_secs,
        operator,
    })
}

/// Everything an operator is shown about the person asking.
pub async fn context(db: &Db, r: &ChatRequest) -> Result<Context, StoreError> {
    let user = users::by_id(db, &r.user_id).await?;
    let conversation = match &r.conversation_id {
        Some(c) => conversations::messages(db, c).await?,
        None => Vec::new(),
    };
    let ticket_number = match &r.ticket_id {
        Some(t) => ticket_store::by_id(db, t).await?.map(|t| t.number),
        None => None,
    };
    let mut earlier_chats = Vec::new();
    if let Some(ticket_id) = &r.ticket_id {
        for c in q::of_ticket(db, ticket_id).await? {
            if c.id == r.id || c.created_at > r.created_at {
                continue;
            }
            let messages = chat_messages::after(db, &c.id, 0, 1000, Audience::Staff).await?;
            earlier_chats.push((c, messages));
        }
    }
    let other_tickets = ticket_store::list(
        db,
        &Scope::Requester {
            user_id: &r.user_id,
            shared_organisation: None,
        },
        &Filter {
            limit: 20,
            ..Filter::default()
        },
    )
    .await?
    .into_iter()
    .filter(|t| Some(&t.id) != r.ticket_id.as_ref())
    .collect();
    Ok(Context {
        user,
        conversation,
        ticket_number,
        earlier_chats,
        other_tickets,
    })
}

/// A user asks to chat with a person; it is offered to an operator at once
/// when one is free.
pub async fn start(db: &Db, new: &NewChat<'_>, now: i64) -> Result<Progress, ChatError> {
    let settings = live_settings::get(db).await?;
    if !settings.chat_enabled {
        return Err(ChatError::ChatOff);
    }
    let priority = new.ticket.map_or(Priority::Normal, |t| t.priority);
    // The admins may reserve a ticket's chats to its assigned operator.
    let only_operator = match (settings.chat_with, new.ticket) {
        (ChatWith::Assignee, Some(t)) => t.assignee_id.as_deref(),
        _ => None,
    };
    let team_id = match new.team.map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => Some(team_id(db, name).await?),
        None => None,
    };
    let mut tx = db.begin().await.map_err(StoreError::from)?;
    let r = q::create_request_in(
        &mut tx,
        &q::NewRequest {
            user_id: &new.user.id,
            team_id: team_id.as_deref(),
            only_operator,
            ticket_id: new.ticket.map(|t| t.id.as_str()),
            conversation_id: new.conversation_id,
            priority,
            now,
        },
    )
    .await?;
    events::emit(
        &mut tx,
        EventKind::ChatRequested,
        serde_json::json!({
            "chat": { "id": r.id, "priority": priority.as_str() },
            "team": new.team.map(str::trim).filter(|s| !s.is_empty()),
            "ticket": new.ticket.map(|t| t.number),
        }),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    queue::dispatch(db, &r, now).await?;
    Ok(progress(db, reread(db, r).await?, now).await?)
}

/// An operator takes a chat request; of two at once, exactly one wins.
pub async fn accept(
    db: &Db,
    r: ChatRequest,
    operator: &User,
    now: i64,
) -> Result<Progress, ChatError> {
    if let Some(p) = q::presence(db, &operator.id).await?
        && p.capacity > 0
        && q::candidates(db, &r)
            .await?
            .iter()
            .any(|c| c.user_id == operator.id && c.active >= c.capacity)
    {
        return Err(ChatError::AtCapacity);
    }
    let mut tx = db.begin().await.map_err(StoreError::from)?;
    if !q::take_in(&mut tx, &r.id, &operator.id, now).await? {
        return Err(ChatError::Taken);
    }
    events::emit(
        &mut tx,
        EventKind::ChatStarted,
        serde_json::json!({
            "chat": { "id": r.id },
            "operator": { "name": operator.display_name() },
        }),
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(progress(db, reread(db, r).await?, now).await?)
}

/// The offered operator declines; the request goes to the next one.
pub async fn decline(db: &Db, r: &ChatRequest, operator: &User, now: i64) -> Result<(), ChatError> {
    if !queue::decline(db, &r.id, &operator.id, now).await? {
        return Err(ChatError::NotOffered);
    }
    Ok(())
}

/// The user or the chat's operator ends the chat (or the user gives up
/// waiting); other staff who follow it cannot.
pub async fn end(
    desk: &Desk,
    bus: &Bus,
    r: &ChatRequest,
    by: &User,
    now: i64,
) -> Result<(), ChatError> {
    let is_user = r.user_id == by.id;
    if !is_user && r.operator_id.as_deref() != Some(by.id.as_str()) {
        return Err(ChatError::NotYoursToEnd);
    }
    let reason = if is_user { "user" } else { "operator" };
    if !chats::end_chat(desk, bus, r, reason, now).await? {
        return Err(ChatError::Over);
    }
    Ok(())
}

/// The chat's operator hands it to another operator, or to a team's queue;
/// both sides are told in the chat.
pub async fn transfer(
    desk: &Desk,
    bus: &Bus,
    r: ChatRequest,
    by: &User,
    to: TransferTo<'_>,
    now: i64,
) -> Result<Progress, ChatError> {
    let db = &desk.db;
    if r.operator_id.as_deref() != Some(by.id.as_str()) {
        return Err(ChatError::NotYoursToTransfer);
    }
    let note = match to {
        TransferTo::Operator(email) => {
            let target = users::by_email(db, email)
                .await?
                .filter(|u| u.role().is_staff())
                .ok_or_else(|| ChatError::UnknownOperator(email.to_string()))?;
            if !q::transfer(db, &r.id, &by.id, &target.id, now).await? {
                return Err(ChatError::NoLongerYours);
            }
            format!(
                "{} transferred the chat to {}.",
                by.display_name(),
                target.display_name()
            )
        }
        TransferTo::Team(name) => {
            let team = team_id(db, name).await?;
            if !q::requeue(db, &r.id, &team).await? {
                return Err(ChatError::NoLongerYours);
            }
            if let Some(requeued) = q::request(db, &r.id).await? {
                queue::dispatch(db, &requeued, now).await?;
            }
            queue::slot_freed(db, &by.id, now).await?;
            format!(
                "{} transferred the chat to the {} team.",
                by.display_name(),
                name.trim()
            )
        }
    };
    chats::system_message(desk, bus, &r.id, &note, now).await?;
    Ok(progress(db, reread(db, r).await?, now).await?)
}

/// Queues the chat's transcript by email to its user.
pub async fn email_transcript(desk: &Desk, r: &ChatRequest, now: i64) -> Result<(), ChatError> {
    let user = users::by_id(&desk.db, &r.user_id)
        .await?
        .ok_or(ChatError::UserGone)?;
    let transcript = chats::transcript_text(desk, &r.id).await?;
    let mut conn = desk.db.acquire().await.map_err(StoreError::from)?;
    crate::mail::queue::for_user(
        &mut conn,
        &user,
        &crate::mail::Notification::ChatTranscript { transcript },
        now,
    )
    .await?;
    desk.mail_wakeup.notify_one();
    Ok(())
}

/// The user's own chats, newest first.
pub async fn history(db: &Db, user: &User) -> Result<Vec<PastChat>, StoreError> {
    let mut out = Vec::new();
    for request in q::of_user(db, &user.id).await? {
        out.push(past_chat(db, request).await?);
    }
    Ok(out)
}

/// A chat with its operator's name and its ticket's number.
async fn past_chat(db: &Db, request: ChatRequest) -> Result<PastChat, StoreError> {
    let operator = match &request.operator_id {
        Some(id) => users::name_of(db, id).await?,
        None => None,
    };
    let ticket_number = match &request.ticket_id {
        Some(t) => ticket_store::by_id(db, t).await?.map(|t| t.number),
        None => None,
    };
    Ok(PastChat {
        request,
        operator,
        ticket_number,
    })
}

/// Most chats a search returns.
const SEARCH_LIMIT: i64 = 50;

/// A chat found by its user, for staff.
#[derive(Debug, Clone)]
pub struct FoundChat {
    pub chat: PastChat,
    pub user_name: String,
    pub user_email: String,
}

/// Chats whose user's name or email contains `text` (at least two
/// characters), newest first: those `me` may open.
pub async fn search_by_user(db: &Db, me: &User, text: &str) -> Result<Vec<FoundChat>, StoreError> {
    if text.trim().chars().count() < 2 {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for request in q::by_user_text(db, text, SEARCH_LIMIT).await? {
        if !chats::may_follow(db, me, &request).await? {
            continue;
        }
        let Some(user) = users::by_id(db, &request.user_id).await? else {
            continue;
        };
        out.push(FoundChat {
            user_name: user.display_name().to_string(),
            user_email: user.email.clone(),
            chat: past_chat(db, request).await?,
        });
    }
    Ok(out)
}

/// The operator's live chats (their console's tabs), with each one's
/// context.
pub async fn of_operator(
    db: &Db,
    operator: &User,
    now: i64,
) -> Result<Vec<(Progress, Context)>, StoreError> {
    let mut out = Vec::new();
    for r in q::active(db).await? {
        if r.operator_id.as_deref() != Some(operator.id.as_str()) {
            continue;
        }
        let context = context(db, &r).await?;
        out.push((progress(db, r, now).await?, context));
    }
    Ok(out)
}
