//! Putting a notification for a user into the database outbox, inside the
//! caller's transaction (the worker sends it once that commits).

use sqlx::SqliteConnection;

use super::Notification;
use crate::store::users::User;
use crate::store::{StoreError, outbox};

pub async fn for_user(
    conn: &mut SqliteConnection,
    to: &User,
    n: &Notification,
    at: i64,
) -> Result<(), StoreError> {
    // A host user signed without an email follows their tickets in the widget.
    if !to.has_mailbox() {
        return Ok(());
    }
    let payload = serde_json::to_string(n).map_err(|e| StoreError::Encode(e.to_string()))?;
    outbox::enqueue(
        conn,
        &outbox::Outgoing {
            recipient: &to.email,
            recipient_name: Some(to.display_name()),
            locale: &to.locale,
            payload: &payload,
        },
        at,
    )
    .await
}
