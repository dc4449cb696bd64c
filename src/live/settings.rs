//! The admins' live-chat settings: each value checked against its range
//! before it is kept.

use crate::store::live_settings::{self, LiveSettings};
use crate::store::{Db, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{field} must be between {min} and {max}.")]
    OutOfRange {
        field: &'static str,
        min: i64,
        max: i64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The ranges a setting may take (seconds, or chats for the capacity).
fn ranges(s: &LiveSettings) -> [(&'static str, i64, i64, i64); 5] {
    [
        ("accept_timeout_secs", s.accept_timeout_secs, 10, 3600),
        ("idle_timeout_secs", s.idle_timeout_secs, 30, 86_400),
        ("auto_ticket_secs", s.auto_ticket_secs, 10, 86_400),
        ("offline_after_secs", s.offline_after_secs, 10, 86_400),
        (
            "default_capacity",
            s.default_capacity,
            0,
            crate::live::presence::MAX_CAPACITY,
        ),
    ]
}

/// Keeps the settings if every value is in range; nothing changes otherwise.
pub async fn save(db: &Db, s: &LiveSettings) -> Result<(), SettingsError> {
    for (field, value, min, max) in ranges(s) {
        if !(min..=max).contains(&value) {
            return Err(SettingsError::OutOfRange { field, min, max });
        }
    }
    live_settings::set(db, s).await?;
    Ok(())
}
