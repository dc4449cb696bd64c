//! Ticket operations as users and operators perform them: open, reply,
//! change status or priority, log time, close when due. Each one checks
//! the state machine, records the change in the ticket's history and
//! queues its notifications in the same transaction, then wakes the mailer.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::mail::Notification;
use crate::store::tickets::{self, EventKind, NewAttachment, NewEvent, NewTicket, Ticket};
use crate::store::users::User;
use crate::store::{Db, StoreError, now, organisations, users};
use crate::tickets::attachments::Stored;
use crate::tickets::{
    Action, Actor, AutoClose, Impact, Priority, Reproducibility, ResponseTargets, Source, Status,
    TicketKind, TransitionError, transition,
};
use crate::webhooks::events::{self as hooks, EventKind as Hook};

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("{0}")]
    Transition(#[from] TransitionError),
    #[error("the ticket was changed by someone else meanwhile; reload it and try again")]
    Conflict,
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for WorkflowError {
    fn from(e: sqlx::Error) -> Self {
        WorkflowError::Store(StoreError::Sqlx(e))
    }
}

/// What the operations need: the database and the helpdesk's rules.
#[derive(Clone)]
pub struct Desk {
    pub db: Db,
    pub public_url: String,
    pub targets: ResponseTargets,
    pub auto_close: AutoClose,
    /// Woken after a change queued emails, so they leave at once.
    pub mail_wakeup: Arc<Notify>,
}

/// Corrections staff may make to a ticket (None: unchanged; an empty
/// category clears it).
#[derive(Debug, Default)]
pub struct FieldEdit {
    pub kind: Option<TicketKind>,
    pub summary: Option<String>,
    pub category: Option<String>,
}

/// A ticket's fields as validated by the HTTP layer.
pub struct TicketInput {
    pub kind: TicketKind,
    pub priority: Priority,
    pub summary: String,
    pub description: String,
    pub category: Option<String>,
    pub reproducibility: Option<Reproducibility>,
    pub impact: Option<Impact>,
    pub steps: Option<String>,
    pub additional_info: Option<String>,
    pub conversation_id: Option<String>,
    pub page_url: Option<String>,
    pub source: Source,
}

impl Desk {
    /// A ticket as webhook payloads name it.
    fn hook_ticket(&self, number: i64, summary: &str) -> serde_json::Value {
        serde_json::json!({ "number": number, "summary": summary, "url": self.ticket_url(number) })
    }

    pub fn ticket_url(&self, number: i64) -> String {
        format!("{}/portal/tickets/{number}", self.public_url)
    }

    async fn queue(
        &self,
        conn: &mut sqlx::SqliteConnection,
        to: &User,
        n: &Notification,
        at: i64,
    ) -> Result<(), WorkflowError> {
        Ok(crate::mail::queue::for_user(conn, to, n, at).await?)
    }

    async fn attach(
        &self,
        conn: &mut sqlx::SqliteConnection,
        ticket_id: &str,
        event_id: i64,
        uploader: &User,
        files: &[Stored],
        at: i64,
    ) -> Result<(), WorkflowError> {
        for f in files {
            tickets::insert_attachment(
                conn,
                &NewAttachment {
                    ticket_id,
                    event_id,
                    uploader_id: &uploader.id,
                    file_name: &f.name,
                    content_type: f.content_type,
                    size: f.size as i64,
                    sha256: &f.sha256,
                    now: at,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Opens a ticket for `requester`, with its first attachments, and
    /// tells the requester and the operators.
    pub async fn open_ticket(
        &self,
        requester: &User,
        input: &TicketInput,
        files: &[Stored],
    ) -> Result<Ticket, WorkflowError> {
        let at = now();
        let id = crate::ids::random_id();
        let staff = users::active_staff(&self.db).await?;
        let mut tx = self.db.begin().await?;
        let (number, event_id) = tickets::insert(
            &mut tx,
            &id,
            &NewTicket {
                requester_id: &requester.id,
                organisation_id: requester.organisation_id.as_deref(),
                kind: input.kind,
                priority: input.priority,
                summary: &input.summary,
                description: &input.description,
                category: input.category.as_deref(),
                reproducibility: input.reproducibility,
                impact: input.impact,
                steps: input.steps.as_deref(),
                additional_info: input.additional_info.as_deref(),
                conversation_id: input.conversation_id.as_deref(),
                page_url: input.page_url.as_deref(),
                source: input.source,
                response_due_at: self.targets.for_priority(input.priority).due(at),
                now: at,
            },
        )
        .await?;
        self.attach(&mut tx, &id, event_id, requester, files, at)
            .await?;
        if let Some(conv) = &input.conversation_id {
            // The bot conversation becomes part of the ticket, and its owner's.
            crate::store::conversations::claim(&mut tx, conv, &requester.id).await?;
        }
        let url = self.ticket_url(number);
        self.queue(
            &mut tx,
            requester,
            &Notification::TicketCreated {
                number,
                summary: input.summary.clone(),
                url: url.clone(),
            },
            at,
        )
        .await?;
        let mut created = self.hook_ticket(number, &input.summary);
        created["type"] = input.kind.as_str().into();
        created["priority"] = input.priority.as_str().into();
        created["source"] = input.source.as_str().into();
        hooks::emit(
            &mut tx,
            Hook::TicketCreated,
            serde_json::json!({ "ticket": created, "description": input.description }),
            at,
        )
        .await?;
        for op in staff.iter().filter(|u| u.id != requester.id) {
            self.queue(
                &mut tx,
                op,
                &Notification::OperatorNewTicket {
                    number,
                    summary: input.summary.clone(),
                    requester: requester.display_name().to_string(),
                    priority: input.priority.as_str().to_string(),
                    url: url.clone(),
                },
                at,
            )
            .await?;
        }
        tx.commit().await?;
        self.mail_wakeup.notify_one();
        // Offered to an operator at once (the maintenance tick retries).
        if let Err(e) = crate::tickets::dispatch::offer(&self.db, &id, at).await {
            tracing::error!("offering ticket #{number}: {e}");
        }
        tickets::by_id(&self.db, &id)
            .await?
            .ok_or(WorkflowError::Store(StoreError::NotFound))
    }

    /// Adds a public reply or (staff only) an internal note. A requester's
    /// reply to a ticket waiting for them gives it back to the operator.
    pub async fn reply(
        &self,
        ticket: &Ticket,
        author: &User,
        body: &str,
        internal: bool,
        files: &[Stored],
    ) -> Result<Ticket, WorkflowError> {
        if ticket.status.is_read_only() {
            return Err(TransitionError::Closed.into());
        }
        let staff = author.role().is_staff();
        if internal && !staff {
            return Err(TransitionError::StaffOnly.into());
        }
        let at = now();
        let requester = users::by_id(&self.db, &ticket.requester_id).await?;
        let assignee = match &ticket.assignee_id {
            Some(a) => users::by_id(&self.db, a).await?,
            None => None,
        };
        let mut tx = self.db.begin().await?;
        // The conditional status update comes first: it takes the write lock
        // and fails if the ticket moved since it was read.
        let new_status = if !staff && ticket.status == Status::Feedback {
            let to = transition(
                ticket.status,
                Action::RequesterReply,
                Actor::Requester,
                ticket.assignee_id.is_some(),
            )?;
            if !tickets::set_status(&mut tx, &ticket.id, ticket.status, to, None, None, at).await? {
                return Err(WorkflowError::Conflict);
            }
            Some(to)
        } else {
            let unchanged = tickets::set_status(
                &mut tx,
                &ticket.id,
                ticket.status,
                ticket.status,
                ticket.resolved_at,
                ticket.closes_at,
                at,
            )
            .await?;
            if !unchanged {
                return Err(WorkflowError::Conflict);
            }
            None
        };
        let event_id = tickets::insert_event(
            &mut tx,
            &NewEvent {
                ticket_id: &ticket.id,
                actor_id: Some(&author.id),
                kind: if internal {
                    EventKind::Note
                } else {
                    EventKind::Reply
                },
                public: !internal,
                body: Some(body),
                field: None,
                old_value: None,
                new_value: None,
                now: at,
            },
        )
        .await?;
        self.attach(&mut tx, &ticket.id, event_id, author, files, at)
            .await?;
        if let Some(to) = new_status {
            self.status_event(
                &mut tx,
                ticket,
                Some(author),
                ticket.status,
                to,
                at,
                requester.as_ref(),
            )
            .await?;
        }
        if !internal {
            hooks::emit(
                &mut tx,
                Hook::TicketReplied,
                serde_json::json!({
                    "ticket": self.hook_ticket(ticket.number, &ticket.summary),
                    "reply": { "body": body, "by": author.role().as_str() },
                }),
                at,
            )
            .await?;
            let url = self.ticket_url(ticket.number);
            let reply = |author: &User| Notification::PublicReply {
                number: ticket.number,
                summary: ticket.summary.clone(),
                author: author.display_name().to_string(),
                body: body.to_string(),
                url: url.clone(),
            };
            if staff {
                tickets::mark_first_response(&mut tx, &ticket.id, at).await?;
                if let Some(r) = requester
                    .as_ref()
                    .filter(|r| r.notify_replies && r.id != author.id)
                {
                    self.queue(&mut tx, r, &reply(author), at).await?;
                }
            } else if let Some(a) = assignee.as_ref().filter(|a| a.id != author.id) {
                self.queue(&mut tx, a, &reply(author), at).await?;
            }
        }
        tx.commit().await?;
        self.mail_wakeup.notify_one();
        self.reload(ticket).await
    }

    async fn reload(&self, ticket: &Ticket) -> Result<Ticket, WorkflowError> {
        tickets::by_id(&self.db, &ticket.id)
            .await?
            .ok_or(WorkflowError::Store(StoreError::NotFound))
    }

    /// Records a status change in the history and tells the requester.
    #[allow(clippy::too_many_arguments)]
    async fn status_event(
        &self,
        conn: &mut sqlx::SqliteConnection,
        ticket: &Ticket,
        actor: Option<&User>,
        from: Status,
        to: Status,
        at: i64,
        requester: Option<&User>,
    ) -> Result<(), WorkflowError> {
        tickets::insert_event(
            conn,
            &NewEvent {
                ticket_id: &ticket.id,
                actor_id: actor.map(|a| a.id.as_str()),
                kind: EventKind::Status,
                public: true,
                body: None,
                field: Some("status"),
                old_value: Some(from.as_str()),
                new_value: Some(to.as_str()),
                now: at,
            },
        )
        .await?;
        hooks::emit(
            conn,
            Hook::TicketStatusChanged,
            serde_json::json!({
                "ticket": self.hook_ticket(ticket.number, &ticket.summary),
                "from": from.as_str(),
                "to": to.as_str(),
                "by": actor.map_or("system", |a| a.role().as_str()),
            }),
            at,
        )
        .await?;
        if let Some(r) = requester.filter(|r| r.notify_status) {
            self.queue(
                conn,
                r,
                &Notification::StatusChanged {
                    number: ticket.number,
                    summary: ticket.summary.clone(),
                    from: from.as_str().to_string(),
                    to: to.as_str().to_string(),
                    url: self.ticket_url(ticket.number),
                },
                at,
            )
            .await?;
        }
        Ok(())
    }

    /// Moves `ticket` towards `target` on behalf of `who`. For `Assigned`,
    /// `assignee` is the operator to give it to (default: `who`).
    pub async fn change_status(
        &self,
        ticket: &Ticket,
        who: &User,
        actor: Actor,
        target: Status,
        assignee: Option<&User>,
    ) -> Result<Ticket, WorkflowError> {
        let action = action_for(ticket.status, target);
        let to = transition(ticket.status, action, actor, ticket.assignee_id.is_some())?;
        let new_assignee = if action == Action::Assign {
            let a = assignee.unwrap_or(who);
            if !a.role().is_staff() {
                return Err(WorkflowError::Invalid {
                    field: "assignee",
                    message: "Tickets can only be assigned to operators.".into(),
                });
            }
            Some(a)
        } else {
            None
        };
        let at = now();
        let (resolved_at, closes_at) = match to {
            Status::Resolved => (Some(at), Some(self.auto_close.closes_at(at))),
            Status::Closed => (ticket.resolved_at, None),
            _ => (None, None),
        };
        let requester = users::by_id(&self.db, &ticket.requester_id).await?;
        let mut tx = self.db.begin().await?;
        if !tickets::set_status(
            &mut tx,
            &ticket.id,
            ticket.status,
            to,
            resolved_at,
            closes_at,
            at,
        )
        .await?
        {
            return Err(WorkflowError::Conflict);
        }
        if let Some(a) = new_assignee
            && ticket.assignee_id.as_deref() != Some(a.id.as_str())
        {
            tickets::set_assignee(&mut tx, &ticket.id, Some(&a.id)).await?;
            // Whoever it was offered to, it is someone's now.
            crate::store::ticket_offers::withdraw_in(&mut tx, &ticket.id).await?;
            tickets::insert_event(
                &mut tx,
                &NewEvent {
                    ticket_id: &ticket.id,
                    actor_id: Some(&who.id),
                    kind: EventKind::Assignee,
                    public: true,
                    body: None,
                    field: Some("assignee"),
                    old_value: None,
                    new_value: Some(a.display_name()),
                    now: at,
                },
            )
            .await?;
        }
        if to != ticket.status {
            self.status_event(
                &mut tx,
                ticket,
                Some(who),
                ticket.status,
                to,
                at,
                requester.as_ref(),
            )
            .await?;
        }
        tx.commit().await?;
        self.mail_wakeup.notify_one();
        self.reload(ticket).await
    }

    /// Staff correct a ticket's type, summary or category; each change is
    /// recorded in the history with its old and new value.
    pub async fn edit_fields(
        &self,
        ticket: &Ticket,
        who: &User,
        edit: &FieldEdit,
    ) -> Result<Ticket, WorkflowError> {
        staff_may_change(ticket, who)?;
        let mut changes: Vec<(&'static str, String, String)> = Vec::new();
        if let Some(k) = edit.kind.filter(|k| *k != ticket.kind) {
            changes.push(("kind", ticket.kind.as_str().into(), k.as_str().into()));
        }
        if let Some(s) = edit.summary.as_ref().filter(|s| **s != ticket.summary) {
            changes.push(("summary", ticket.summary.clone(), s.clone()));
        }
        if let Some(c) = edit.category.as_ref() {
            let old = ticket.category.clone().unwrap_or_default();
            if *c != old {
                changes.push(("category", old, c.clone()));
            }
        }
        if changes.is_empty() {
            return Ok(ticket.clone());
        }
        let at = now();
        let mut tx = self.db.begin().await?;
        for (field, old, new) in &changes {
            tickets::set_field(&mut tx, &ticket.id, field, new).await?;
            tickets::insert_event(
                &mut tx,
                &NewEvent {
                    ticket_id: &ticket.id,
                    actor_id: Some(&who.id),
                    kind: EventKind::Field,
                    public: true,
                    body: None,
                    field: Some(field),
                    old_value: Some(old),
                    new_value: Some(new),
                    now: at,
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.reload(ticket).await
    }

    /// Staff change the priority; the response target follows it.
    pub async fn change_priority(
        &self,
        ticket: &Ticket,
        who: &User,
        priority: Priority,
    ) -> Result<Ticket, WorkflowError> {
        staff_may_change(ticket, who)?;
        if priority == ticket.priority {
            return Ok(ticket.clone());
        }
        let at = now();
        let mut tx = self.db.begin().await?;
        tickets::set_priority(
            &mut tx,
            &ticket.id,
            priority,
            self.targets.for_priority(priority).due(ticket.created_at),
        )
        .await?;
        tickets::insert_event(
            &mut tx,
            &NewEvent {
                ticket_id: &ticket.id,
                actor_id: Some(&who.id),
                kind: EventKind::Priority,
                public: true,
                body: None,
                field: Some("priority"),
                old_value: Some(ticket.priority.as_str()),
                new_value: Some(priority.as_str()),
                now: at,
            },
        )
        .await?;
        tx.commit().await?;
        self.reload(ticket).await
    }

    /// An operator logs time spent, charged to the current month.
    pub async fn log_time(
        &self,
        ticket: &Ticket,
        who: &User,
        minutes: i64,
    ) -> Result<(), WorkflowError> {
        if !who.role().is_staff() {
            return Err(TransitionError::StaffOnly.into());
        }
        if !(1..=24 * 60).contains(&minutes) {
            return Err(WorkflowError::Invalid {
                field: "minutes",
                message: "Log between 1 minute and 24 hours at a time.".into(),
            });
        }
        let at = now();
        let mut tx = self.db.begin().await?;
        tickets::log_time(
            &mut tx,
            &ticket.id,
            &who.id,
            minutes,
            &crate::tickets::timing::month_of(at),
            at,
        )
        .await?;
        tickets::insert_event(
            &mut tx,
            &NewEvent {
                ticket_id: &ticket.id,
                actor_id: Some(&who.id),
                kind: EventKind::Time,
                public: false,
                body: None,
                field: Some("minutes"),
                old_value: None,
                new_value: Some(&minutes.to_string()),
                now: at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes the resolved tickets whose time has come; returns how many.
    pub async fn close_due(&self, at: i64) -> Result<usize, WorkflowError> {
        let mut closed = 0;
        for t in tickets::due_for_closing(&self.db, at).await? {
            let to = transition(
                t.status,
                Action::AutoClose,
                Actor::System,
                t.assignee_id.is_some(),
            )?;
            let requester = users::by_id(&self.db, &t.requester_id).await?;
            let mut tx = self.db.begin().await?;
            if tickets::set_status(&mut tx, &t.id, t.status, to, t.resolved_at, None, at).await? {
                self.status_event(&mut tx, &t, None, t.status, to, at, requester.as_ref())
                    .await?;
                tx.commit().await?;
                closed += 1;
            }
        }
        if closed > 0 {
            self.mail_wakeup.notify_one();
        }
        Ok(closed)
    }

    /// Offers each assigned ticket whose response target has passed without
    /// an operator answer to another available operator (the least busy,
    /// then the one idle longest), once per ticket: accepting makes them
    /// the assignee (`take`); declining or letting it time
    /// out leaves it where it was, flagged. The history notes it and the
    /// operator gets an email. Returns how many were offered.
    pub async fn reoffer_overdue(&self, at: i64) -> Result<usize, WorkflowError> {
        let mut moved = 0;
        for t in tickets::overdue_assigned(&self.db, at).await? {
            let Some(from) = t.assignee_id.as_deref() else {
                continue;
            };
            let others: Vec<_> = crate::store::queue::available_operators(&self.db)
                .await?
                .into_iter()
                .filter(|c| c.user_id != from && c.user_id != t.requester_id)
                .collect();
            let Some(best) = crate::operators::pick(&others) else {
                continue;
            };
            let (Some(old), Some(new)) = (
                users::by_id(&self.db, from).await?,
                users::by_id(&self.db, &best.user_id).await?,
            ) else {
                continue;
            };
            let requester = users::by_id(&self.db, &t.requester_id).await?;
            let mut tx = self.db.begin().await?;
            if !tickets::mark_reoffered(&mut tx, &t.id, from, at).await?
                || !crate::store::ticket_offers::offer_in(&mut tx, &t.id, &new.id, at).await?
            {
                continue;
            }
            let why = format!(
                "{} had not answered within the response target; offered to {}.",
                old.display_name(),
                new.display_name()
            );
            tickets::insert_event(
                &mut tx,
                &NewEvent {
                    ticket_id: &t.id,
                    actor_id: None,
                    kind: EventKind::Note,
                    public: false,
                    body: Some(&why),
                    field: None,
                    old_value: None,
                    new_value: None,
                    now: at,
                },
            )
            .await?;
            self.queue(
                &mut tx,
                &new,
                &Notification::OperatorNewTicket {
                    number: t.number,
                    summary: t.summary.clone(),
                    requester: requester
                        .as_ref()
                        .map(|u| u.display_name().to_string())
                        .unwrap_or_default(),
                    priority: t.priority.as_str().to_string(),
                    url: self.ticket_url(t.number),
                },
                at,
            )
            .await?;
            tx.commit().await?;
            moved += 1;
        }
        if moved > 0 {
            self.mail_wakeup.notify_one();
        }
        Ok(moved)
    }
}

/// Whether `actor` may move `ticket` towards `target` now (for offering
/// only the buttons that will work).
pub fn would_allow(ticket: &Ticket, target: Status, actor: Actor) -> bool {
    transition(
        ticket.status,
        action_for(ticket.status, target),
        actor,
        ticket.assignee_id.is_some(),
    )
    .is_ok()
}

/// Corrections only staff make, and never to a closed ticket.
fn staff_may_change(ticket: &Ticket, who: &User) -> Result<(), WorkflowError> {
    if ticket.status.is_read_only() {
        return Err(TransitionError::Closed.into());
    }
    if !who.role().is_staff() {
        return Err(TransitionError::StaffOnly.into());
    }
    Ok(())
}

/// The action that moves a ticket from `from` towards `target`.
fn action_for(from: Status, target: Status) -> Action {
    match target {
        Status::InAnalysis | Status::New | Status::Assigned if from == Status::Resolved => {
            Action::Reopen
        }
        Status::InAnalysis => Action::MarkRead,
        Status::Assigned => Action::Assign,
        Status::Feedback => Action::RequestFeedback,
        Status::Resolved => Action::Resolve,
        Status::Closed => Action::Close,
        // Nothing moves a ticket back to New except reopening.
        Status::New => Action::Reopen,
    }
}

/// Whether `user` may see `ticket` (and so read, reply, download).
pub async fn can_see(db: &Db, user: &User, ticket: &Ticket) -> Result<bool, StoreError> {
    if user.role().is_staff() || ticket.requester_id == user.id {
        return Ok(true);
    }
    match (&ticket.organisation_id, &user.organisation_id) {
        (Some(t), Some(u)) if t == u => Ok(organisations::by_id(db, t)
            .await?
            .is_some_and(|o| o.members_share_tickets)),
        _ => Ok(false),
    }
}

/// How `user` acts on `ticket` in the state machine.
pub fn actor_for(user: &User) -> Actor {
    if user.role().is_staff() {
        Actor::Staff
    } else {
        Actor::Requester
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TakeError {
    #[error("This ticket is offered to another operator right now.")]
    OfferedToOther,
    #[error("Someone else has taken this ticket.")]
    Taken,
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
}

impl From<StoreError> for TakeError {
    fn from(e: StoreError) -> Self {
        TakeError::Workflow(e.into())
    }
}

/// An operator takes a ticket: one offered to them (new, or overdue with
/// someone else), or a new one offered to nobody. They become its assignee.
pub async fn take(desk: &Desk, t: &Ticket, me: &User) -> Result<Ticket, TakeError> {
    let offered = crate::store::ticket_offers::offered_to(&desk.db, &t.id).await?;
    match offered.as_deref() {
        Some(other) if other != me.id => return Err(TakeError::OfferedToOther),
        None if t.assignee_id.is_some() => return Err(TakeError::Taken),
        _ => {}
    }
    // Assigning withdraws the offer in the same transaction.
    Ok(desk
        .change_status(t, me, actor_for(me), Status::Assigned, Some(me))
        .await?)
}

#[cfg(test)]
mod tests {
    use super::{TakeError, take};
    use crate::store::{queue, ticket_offers, tickets, users};
    use crate::test_support::{assign, operator, setup, ticket};
    use crate::tickets::dispatch::decline;

    #[tokio::test]
    async fn an_overdue_assigned_ticket_goes_once_to_the_least_busy_available_operator() {
        let (_dir, desk, olga, user) = setup().await;
        let petra = operator(&desk, "petra@x.com", "Petra").await;
        let quinn = operator(&desk, "quinn@x.com", "Quinn").await;
        let t = ticket(&desk, &user).await;
        let t = assign(&desk, &t, &olga).await;
        // Petra is available but busier than Quinn; Olga is the assignee.
        for (who, at) in [(&olga, 1), (&petra, 2), (&quinn, 3)] {
            queue::set_presence(&desk.db, who, queue::Availability::Available, Some(5), at)
                .await
                .expect("presence");
        }
        let chat = queue::create_request(
            &desk.db,
            &queue::NewRequest {
                user_id: &user,
                team_id: None,
                only_operator: None,
                ticket_id: None,
                conversation_id: None,
                priority: crate::tickets::Priority::Normal,
                now: 5,
            },
        )
        .await
        .expect("request");
        assert!(
            queue::take(&desk.db, &chat.id, &petra, 6)
                .await
                .expect("take")
        );

        // Before the target: nothing moves.
        assert_eq!(
            desk.reoffer_overdue(t.response_due_at - 1)
                .await
                .expect("run"),
            0
        );
        let late = t.response_due_at + 1;
        assert_eq!(desk.reoffer_overdue(late).await.expect("run"), 1);
        // Offered to Quinn; still Olga's until Quinn takes it.
        assert_eq!(
            ticket_offers::offered_to(&desk.db, &t.id)
                .await
                .expect("offer"),
            Some(quinn.clone())
        );
        let t = tickets::by_id(&desk.db, &t.id)
            .await
            .expect("get")
            .expect("t");
        assert_eq!(t.assignee_id.as_deref(), Some(olga.as_str()));
        let events = tickets::events(&desk.db, &t.id, true)
            .await
            .expect("events");
        assert!(
            events.iter().any(|e| e
                .body
                .as_deref()
                .is_some_and(|b| b.contains("offered to Quinn"))),
            "the history says why"
        );
        let user_of = |id: &str| {
            let db = desk.db.clone();
            let id = id.to_string();
            async move { users::by_id(&db, &id).await.expect("get").expect("user") }
        };
        assert!(matches!(
            take(&desk, &t, &user_of(&petra).await).await,
            Err(TakeError::OfferedToOther)
        ));
        let taken = take(&desk, &t, &user_of(&quinn).await)
            .await
            .expect("Quinn takes it");
        assert_eq!(taken.assignee_id.as_deref(), Some(quinn.as_str()));
        assert_eq!(
            ticket_offers::offered_to(&desk.db, &t.id)
                .await
                .expect("offer"),
            None
        );
        // Once per ticket: Quinn is not passed over in turn.
        assert_eq!(desk.reoffer_overdue(late + 86_400).await.expect("run"), 0);
    }

    #[tokio::test]
    async fn an_answered_or_unassigned_ticket_is_left_alone() {
        let (_dir, desk, olga, user) = setup().await;
        let petra = operator(&desk, "petra@x.com", "Petra").await;
        queue::set_presence(&desk.db, &petra, queue::Availability::Available, Some(5), 1)
            .await
            .expect("presence");
        let t = ticket(&desk, &user).await;
        assert_eq!(
            desk.reoffer_overdue(t.response_due_at + 1)
                .await
                .expect("run"),
            0
        );
        // Assigned, but nobody else is available: it stays (flagged only).
        queue::set_presence(&desk.db, &petra, queue::Availability::Away, Some(5), 2)
            .await
            .expect("presence");
        let t = assign(&desk, &t, &olga).await;
        assert_eq!(
            desk.reoffer_overdue(t.response_due_at + 1)
                .await
                .expect("run"),
            0
        );
        // Petra is back and is offered it, declines: it stays with Olga.
        queue::set_presence(&desk.db, &petra, queue::Availability::Available, Some(5), 3)
            .await
            .expect("presence");
        assert_eq!(
            desk.reoffer_overdue(t.response_due_at + 2)
                .await
                .expect("run"),
            1
        );
        assert!(
            decline(&desk.db, &t.id, &petra, t.response_due_at + 3)
                .await
                .expect("decline")
        );
        let kept = tickets::by_id(&desk.db, &t.id)
            .await
            .expect("get")
            .expect("t");
        assert_eq!(kept.assignee_id.as_deref(), Some(olga.as_str()));
        assert_eq!(
            ticket_offers::offered_to(&desk.db, &t.id)
                .await
                .expect("offer"),
            None
        );
    }
}
