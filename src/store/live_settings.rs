//! The admins' live-chat settings (one row).

use serde::{Deserialize, Serialize};

use super::{Db, StoreError};

/// Who may take a chat about a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatWith {
    /// Any operator (of the requested team, if any).
    Team,
    /// Only the operator assigned to the ticket.
    Assignee,
}

impl ChatWith {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatWith::Team => "team",
            ChatWith::Assignee => "assignee",
        }
    }

    pub fn parse(s: &str) -> Option<ChatWith> {
        [ChatWith::Team, ChatWith::Assignee]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LiveSettings {
    /// Off: the widget offers tickets only.
    pub chat_enabled: bool,
    pub chat_with: ChatWith,
    pub accept_timeout_secs: i64,
    pub idle_timeout_secs: i64,
    pub auto_ticket_secs: i64,
    /// An operator whose console has been closed this long goes offline.
    pub offline_after_secs: i64,
    pub default_capacity: i64,
    /// Offer an assigned ticket whose response target passed without an
    /// answer to another available operator (off: it is only flagged).
    #[serde(default)]
    pub reoffer_overdue: bool,
}

pub async fn get(db: &Db) -> Result<LiveSettings, StoreError> {
    Ok(sqlx::query_as::<_, LiveSettings>(
        "SELECT chat_enabled, chat_with, accept_timeout_secs, idle_timeout_secs, auto_ticket_secs, offline_after_secs, default_capacity, reoffer_overdue \
         FROM live_settings WHERE id = 1",
    )
    .fetch_one(db)
    .await?)
}

pub async fn set(db: &Db, s: &LiveSettings) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE live_settings SET chat_enabled = $1, chat_with = $2, accept_timeout_secs = $3, idle_timeout_secs = $4, \
         auto_ticket_secs = $5, offline_after_secs = $6, default_capacity = $7, reoffer_overdue = $8 WHERE id = 1",
    )
    .bind(s.chat_enabled)
    .bind(s.chat_with.as_str())
    .bind(s.accept_timeout_secs)
    .bind(s.idle_timeout_secs)
    .bind(s.auto_ticket_secs)
    .bind(s.offline_after_secs)
    .bind(s.default_capacity)
    .bind(s.reoffer_overdue)
    .execute(db)
    .await?;
    Ok(())
}
