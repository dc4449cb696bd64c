//! Who gets which new ticket: like a chat request, a new unassigned ticket
//! is offered to the available operator with the fewest live chats (ties:
//! idle longest; an operator at capacity is skipped), one at a time; a
//! decline or no answer within the accept timeout moves it to the next
//! operator. Accepting assigns it through the workflow (`workflow::take`); an
//! overdue ticket offered to another operator (`Desk::reoffer_overdue`) is
//! taken the same way. Every function takes the time, so tests control it.

use crate::store::ticket_offers as offers;
use crate::store::tickets::{self, Ticket};
use crate::store::{Db, StoreError, queue};
use crate::tickets::{Source, Status};

/// Whether the ticket is still one to offer: new and nobody's (a chat's
/// own ticket already has its operator in the chat).
fn open(t: &Ticket) -> bool {
    t.status == Status::New && t.assignee_id.is_none() && t.source != Source::Chat
}

/// Offers the ticket to its best operator, if it has no offer yet; returns who.
pub async fn offer(db: &Db, ticket_id: &str, now: i64) -> Result<Option<String>, StoreError> {
    let Some(t) = tickets::by_id(db, ticket_id).await? else {
        return Ok(None);
    };
    if !open(&t) {
        return Ok(None);
    }
    let declined = offers::declined_by(db, ticket_id).await?;
    let candidates: Vec<_> = queue::available_operators(db)
        .await?
        .into_iter()
        .filter(|c| c.user_id != t.requester_id && !declined.contains(&c.user_id))
        .collect();
    let Some(best) = crate::operators::pick(&candidates) else {
        return Ok(None);
    };
    Ok(offers::offer(db, ticket_id, &best.user_id, now)
        .await?
        .then(|| best.user_id.clone()))
}

/// Offers every waiting ticket (new, unassigned, not offered); returns how
/// many found someone.
pub async fn offer_waiting(db: &Db, now: i64) -> Result<usize, StoreError> {
    let mut offered = 0;
    for id in offers::waiting(db).await? {
        if offer(db, &id, now).await?.is_some() {
            offered += 1;
        }
    }
    Ok(offered)
}

/// The offered operator declines: the ticket goes to the next one.
pub async fn decline(
    db: &Db,
    ticket_id: &str,
    operator_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    if !offers::decline(db, ticket_id, operator_id).await? {
        return Ok(false);
    }
    offer(db, ticket_id, now).await?;
    Ok(true)
}

/// Offers unanswered for `timeout` seconds count as declined; offers of
/// tickets someone took meanwhile are dropped.
pub async fn expire(db: &Db, now: i64, timeout: i64) -> Result<usize, StoreError> {
    let mut expired = 0;
    for (ticket_id, operator_id) in offers::stale(db, now - timeout).await? {
        match tickets::by_id(db, &ticket_id).await? {
            Some(t) if open(&t) => {
                if decline(db, &ticket_id, &operator_id, now).await? {
                    expired += 1;
                }
            }
            _ => offers::withdraw(db, &ticket_id).await?,
        }
    }
    Ok(expired)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{operator, setup, ticket};

    #[tokio::test]
    async fn a_new_ticket_goes_to_the_least_busy_then_moves_on_when_declined_or_ignored() {
        let (_dir, desk, olga, user) = setup().await;
        let petra = operator(&desk, "petra@x.com", "Petra").await;
        let db = &desk.db;
        // Nobody available: nobody is offered it.
        let t = ticket(&desk, &user).await;
        assert_eq!(offer_waiting(db, 100).await.expect("offer"), 0);
        // Olga has been idle longest: she gets it first.
        queue::set_presence(db, &olga, queue::Availability::Available, Some(5), 1)
            .await
            .expect("presence");
        queue::set_presence(db, &petra, queue::Availability::Available, Some(5), 2)
            .await
            .expect("presence");
        sqlx::query("UPDATE operator_presence SET last_assigned_at = $1 WHERE user_id = $2")
            .bind(50)
            .bind(&petra)
            .execute(db)
            .await
            .expect("petra busy lately");
        assert_eq!(offer_waiting(db, 100).await.expect("offer"), 1);
        assert_eq!(
            offers::offered_to(db, &t.id).await.expect("get"),
            Some(olga.clone())
        );
        // Offered once at a time: nothing more to offer.
        assert_eq!(offer_waiting(db, 101).await.expect("offer"), 0);
        // Olga declines: Petra gets it; a decline by someone else is refused.
        assert!(!decline(db, &t.id, &petra, 110).await.expect("decline"));
        assert!(decline(db, &t.id, &olga, 110).await.expect("decline"));
        assert_eq!(
            offers::offered_to(db, &t.id).await.expect("get"),
            Some(petra.clone())
        );
        // Petra lets the accept timeout pass: nobody is left, it waits.
        assert_eq!(expire(db, 110 + 119, 120).await.expect("expire"), 0);
        assert_eq!(expire(db, 110 + 120, 120).await.expect("expire"), 1);
        assert_eq!(offers::offered_to(db, &t.id).await.expect("get"), None);
        assert_eq!(offer_waiting(db, 300).await.expect("offer"), 0);
    }
}
