//! An operator starts a chat from a ticket: the ticket's user is asked
//! ("<name> would like to chat") in their widget, the operator sees
//! "Connecting…" until the user accepts, and an invitation nobody answers
//! within two minutes lapses and the operator is told. Both sides hear of
//! every change on their user topic of the bus. Functions take the time as
//! an argument so tests control it.

use serde_json::json;

use crate::live::bus::{Bus, user_topic};
use crate::live::chats::system_message;
use crate::store::invitations::{self as store, Invitation};
use crate::store::tickets::Ticket;
use crate::store::users::{self, User};
use crate::store::{StoreError, live_settings};
use crate::tickets::workflow::Desk;

/// How long the user has to accept.
pub const VALID_SECS: i64 = 120;

#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    #[error("Live chat is off at the moment.")]
    ChatOff,
    #[error("{0} already has an invitation waiting for an answer.")]
    AlreadyPending(String),
    #[error("This ticket was opened by you: invite its user, not yourself.")]
    OwnTicket,
    #[error("This invitation is no longer open.")]
    Over,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Invitations created at or before this have lapsed.
fn cutoff(now: i64) -> i64 {
    now - VALID_SECS
}

/// What both sides are told about an invitation.
fn event(kind: &str, inv: &Invitation, operator: &str, ticket: i64) -> serde_json::Value {
    json!({
        "type": kind,
        "id": inv.id,
        "status": inv.status,
        "operator": operator,
        "ticket": ticket,
        "chat_id": inv.chat_id,
        "expires_at": inv.created_at + VALID_SECS,
    })
}

async fn tell_both(desk: &Desk, bus: &Bus, inv: &Invitation) -> Result<(), StoreError> {
    let operator = users::by_id(&desk.db, &inv.operator_id).await?;
    let name = operator.as_ref().map(|u| u.display_name()).unwrap_or("");
    let number = crate::store::tickets::by_id(&desk.db, &inv.ticket_id)
        .await?
        .map(|t| t.number)
        .unwrap_or(0);
    let e = event("invitation", inv, name, number);
    bus.publish(&user_topic(&inv.user_id), e.clone());
    bus.publish(&user_topic(&inv.operator_id), e);
    Ok(())
}

/// The operator asks the ticket's user to chat.
pub async fn invite(
    desk: &Desk,
    bus: &Bus,
    operator: &User,
    ticket: &Ticket,
    now: i64,
) -> Result<Invitation, InvitationError> {
    if !live_settings::get(&desk.db).await?.chat_enabled {
        return Err(InvitationError::ChatOff);
    }
    if ticket.requester_id == operator.id {
        return Err(InvitationError::OwnTicket);
    }
    if store::pending_for_ticket(&desk.db, &ticket.id, cutoff(now))
        .await?
        .is_some()
    {
        return Err(InvitationError::AlreadyPending(format!(
            "Ticket #{}",
            ticket.number
        )));
    }
    let inv = store::create(
        &desk.db,
        &ticket.id,
        &operator.id,
        &ticket.requester_id,
        now,
    )
    .await?;
    tell_both(desk, bus, &inv).await?;
    Ok(inv)
}

/// Invitations waiting for this user's answer (`Party::User`), or those
/// this operator sent that wait for an answer (`Party::Operator`: the
/// console shows them as "Connecting…", also after a reload).
pub async fn pending_of(
    desk: &Desk,
    party: store::Party,
    user: &User,
    now: i64,
) -> Result<Vec<Invitation>, StoreError> {
    store::pending_of(&desk.db, party, &user.id, cutoff(now)).await
}

/// The user accepts: the chat begins at once with the inviting operator.
pub async fn accept(
    desk: &Desk,
    bus: &Bus,
    inv: &Invitation,
    ticket: &Ticket,
    now: i64,
) -> Result<Invitation, InvitationError> {
    let Some(chat_id) = store::accept(&desk.db, inv, ticket.priority, cutoff(now), now).await?
    else {
        return Err(InvitationError::Over);
    };
    if let Some(op) = users::by_id(&desk.db, &inv.operator_id).await? {
        let text = format!("{} joined the chat.", op.display_name());
        system_message(desk, bus, &chat_id, &text, now).await?;
    }
    let inv = store::by_id(&desk.db, &inv.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    tell_both(desk, bus, &inv).await?;
    Ok(inv)
}

/// The user declines, or the operator withdraws the invitation.
pub async fn close(
    desk: &Desk,
    bus: &Bus,
    inv: &Invitation,
    status: &'static str,
    now: i64,
) -> Result<Invitation, InvitationError> {
    if !store::close(&desk.db, &inv.id, status, now).await? {
        return Err(InvitationError::Over);
    }
    let inv = store::by_id(&desk.db, &inv.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    tell_both(desk, bus, &inv).await?;
    Ok(inv)
}

/// Lapses every invitation not answered in time, telling both sides.
pub async fn expire_due(desk: &Desk, bus: &Bus, now: i64) -> Result<usize, StoreError> {
    let lapsed = store::expire(&desk.db, cutoff(now), now).await?;
    for inv in &lapsed {
        tell_both(desk, bus, inv).await?;
    }
    Ok(lapsed.len())
}

/// The status an invitation shows at `now`: a pending one past its time
/// reads as expired even before the maintenance tick marks it.
pub fn status_at(inv: &Invitation, now: i64) -> &str {
    if inv.status == "pending" && inv.created_at <= cutoff(now) {
        "expired"
    } else {
        &inv.status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{setup, ticket};

    #[tokio::test]
    async fn an_unanswered_invitation_lapses_after_two_minutes_and_both_are_told() {
        let (_dir, desk, op_id, user_id) = setup().await;
        let bus = Bus::default();
        let op = users::by_id(&desk.db, &op_id)
            .await
            .expect("get")
            .expect("op");
        let user = users::by_id(&desk.db, &user_id)
            .await
            .expect("get")
            .expect("user");
        let t = ticket(&desk, &user_id).await;
        let mut user_events = bus.subscribe(&user_topic(&user_id));
        let mut op_events = bus.subscribe(&user_topic(&op_id));
        let at = 50_000;
        let inv = invite(&desk, &bus, &op, &t, at).await.expect("invite");
        assert_eq!(user_events.recv().await.expect("told")["status"], "pending");
        assert_eq!(op_events.recv().await.expect("told")["status"], "pending");

        // 1 min 59 s: still open, and a second one is refused.
        assert_eq!(expire_due(&desk, &bus, at + 119).await.expect("tick"), 0);
        assert_eq!(status_at(&inv, at + 119), "pending");
        for (party, who) in [(store::Party::User, &user), (store::Party::Operator, &op)] {
            let waiting = pending_of(&desk, party, who, at + 119).await.expect("list");
            assert_eq!(waiting.len(), 1, "{party:?}");
        }
        assert!(
            pending_of(&desk, store::Party::User, &op, at + 119)
                .await
                .expect("list")
                .is_empty(),
            "the operator has nothing to answer"
        );
        assert!(matches!(
            invite(&desk, &bus, &op, &t, at + 119).await,
            Err(InvitationError::AlreadyPending(_))
        ));
        // 2 minutes: it reads as expired at once, cannot be accepted, and
        // the tick marks it and tells both sides.
        assert_eq!(status_at(&inv, at + 120), "expired");
        assert!(matches!(
            accept(&desk, &bus, &inv, &t, at + 120).await,
            Err(InvitationError::Over)
        ));
        assert_eq!(expire_due(&desk, &bus, at + 120).await.expect("tick"), 1);
        assert_eq!(user_events.recv().await.expect("told")["status"], "expired");
        assert_eq!(op_events.recv().await.expect("told")["status"], "expired");
        assert_eq!(expire_due(&desk, &bus, at + 500).await.expect("tick"), 0);
        for (party, who) in [(store::Party::User, &user), (store::Party::Operator, &op)] {
            let left = pending_of(&desk, party, who, at + 120).await.expect("list");
            assert!(left.is_empty(), "{party:?}: {left:?}");
        }

        // A new invitation may follow; accepted in time, it opens the chat.
        let inv = invite(&desk, &bus, &op, &t, at + 200)
            .await
            .expect("invite");
        let done = accept(&desk, &bus, &inv, &t, at + 319)
            .await
            .expect("accept");
        let chat_id = done.chat_id.expect("a chat");
        let chat = crate::store::queue::request(&desk.db, &chat_id)
            .await
            .expect("get")
            .expect("chat");
        assert_eq!(chat.status, "active");
        assert_eq!(chat.operator_id.as_deref(), Some(op_id.as_str()));
        assert_eq!(chat.ticket_id.as_deref(), Some(t.id.as_str()));
    }
}
