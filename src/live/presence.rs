//! Operators' availability: setting it (with its capacity) and what it
//! means for waiting work, and whether the widget may offer a chat now.

use crate::live::queue;
use crate::store::live_settings;
use crate::store::queue::{self as q, Availability, Presence};
use crate::store::users::User;
use crate::store::{Db, StoreError};

/// Most live chats an operator may set (0 means unlimited).
pub const MAX_CAPACITY: i64 = 100;

/// Capacity before an operator first sets their availability.
const FIRST_CAPACITY: i64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum PresenceError {
    #[error("Capacity is 0 (unlimited) to {MAX_CAPACITY} chats.")]
    Capacity,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An operator sets their availability (and capacity); coming back, or
/// having more room, they are offered what waits at once.
pub async fn set(
    db: &Db,
    operator: &User,
    availability: Availability,
    capacity: Option<i64>,
    now: i64,
) -> Result<Presence, PresenceError> {
    if capacity.is_some_and(|c| !(0..=MAX_CAPACITY).contains(&c)) {
        return Err(PresenceError::Capacity);
    }
    let capacity = match (capacity, q::presence(db, &operator.id).await?) {
        (Some(c), _) => Some(c),
        // A first availability gets the admins' default capacity.
        (None, None) => Some(live_settings::get(db).await?.default_capacity),
        (None, Some(_)) => None,
    };
    let presence = q::set_presence(db, &operator.id, availability, capacity, now).await?;
    queue::slot_freed(db, &operator.id, now).await?;
    crate::tickets::dispatch::offer_waiting(db, now).await?;
    Ok(presence)
}

/// The operator's presence (offline until first set).
pub async fn of(db: &Db, operator: &User) -> Result<Presence, StoreError> {
    Ok(q::presence(db, &operator.id).await?.unwrap_or(Presence {
        availability: Availability::Offline,
        capacity: FIRST_CAPACITY,
        last_assigned_at: 0,
        updated_at: 0,
    }))
}

/// What the widget may offer: live chat on, someone available now, and
/// how long users usually wait (when someone is).
#[derive(Debug, Clone, Copy)]
pub struct ChatOffer {
    pub enabled: bool,
    pub someone_available: bool,
    pub typical_wait_secs: Option<i64>,
}

pub async fn chat_offer(db: &Db, now: i64) -> Result<ChatOffer, StoreError> {
    let enabled = live_settings::get(db).await?.chat_enabled;
    let someone_available = enabled && !q::available_operators(db).await?.is_empty();
    let typical_wait_secs = if someone_available {
        queue::typical_wait(db, now).await?
    } else {
        None
    };
    Ok(ChatOffer {
        enabled,
        someone_available,
        typical_wait_secs,
    })
}
