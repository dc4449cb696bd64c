//! The background sender: takes due messages from the database outbox,
//! renders and sends them, and marks each one sent or schedules a retry
//! with exponential backoff. Because messages are written to the outbox
//! with the change that caused them, a crash or an SMTP outage loses none.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::{Envelope, MailError, Notification, Transport, build_message, render};
use crate::store::{Db, now, outbox};

/// Give up on a message after this many failed attempts.
const MAX_ATTEMPTS: i64 = 12;
/// Longest wait between two attempts.
const MAX_BACKOFF_SECS: i64 = 3600;
/// A claimed message is not taken by another worker for this long.
const LEASE_SECS: i64 = 120;
/// Polling interval when nothing wakes the worker (retries coming due).
const POLL: Duration = Duration::from_secs(1);

pub struct Mailer {
    pub db: Db,
    pub transport: Transport,
    /// `Name <address>` of the sender.
    pub from: String,
    pub product: String,
    pub retry_base_secs: i64,
    /// Makes message ids unique to this installation.
    pub id_domain: String,
}

impl Mailer {
    /// The delay before attempt `attempts + 1`.
    pub fn backoff(&self, attempts: i64) -> i64 {
        let exp = attempts.clamp(0, 20) as u32;
        self.retry_base_secs
            .saturating_mul(2i64.saturating_pow(exp))
            .min(MAX_BACKOFF_SECS)
    }

    /// Sends what is due now; returns how many were sent.
    pub async fn run_once(&self) -> Result<usize, crate::store::StoreError> {
        let due = outbox::claim_due(&self.db, now(), 20, LEASE_SECS).await?;
        let mut sent = 0;
        for m in due {
            match self.send_one(&m).await {
                Ok(()) => {
                    outbox::mark_sent(&self.db, m.id, now()).await?;
                    sent += 1;
                }
                Err(e) => {
                    let attempts = m.attempts + 1;
                    let retry = (e.is_retryable() && attempts < MAX_ATTEMPTS)
                        .then(|| now() + self.backoff(m.attempts));
                    if retry.is_none() {
                        tracing::error!(id = m.id, to = %m.recipient, "email given up: {e}");
                    } else {
                        tracing::warn!(id = m.id, to = %m.recipient, attempts, "email not sent, will retry: {e}");
                    }
                    outbox::mark_failed(&self.db, m.id, &e.to_string(), retry, now()).await?;
                }
            }
        }
        Ok(sent)
    }

    async fn send_one(&self, m: &outbox::Pending) -> Result<(), MailError> {
        let n: Notification = serde_json::from_str(&m.payload)
            .map_err(|e| MailError::Build(format!("unreadable outbox payload: {e}")))?;
        let rendered = render(&n, &m.locale, &self.product)?;
        // Stable across retries (so duplicates can be recognised), and
        // distinct between installations whose outbox ids overlap.
        let digest = crate::ids::sha256_hex(&format!("{}\n{}", m.recipient, m.payload));
        let message_id = format!("outbox-{}.{}@{}", m.id, &digest[..12], self.id_domain);
        let message = build_message(
            &self.from,
            &Envelope {
                to: &m.recipient,
                to_name: m.recipient_name.as_deref(),
                message_id: &message_id,
                rendered: &rendered,
            },
        )?;
        self.transport.send(&message).await
    }

    /// Runs until the process ends: on each wake-up or every second.
    pub async fn run(self, wakeup: Arc<Notify>) {
        loop {
            if let Err(e) = self.run_once().await {
                tracing::error!("email outbox: {e}");
            }
            tokio::select! {
                _ = wakeup.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }
}
