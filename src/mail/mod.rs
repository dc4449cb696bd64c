//! Outgoing email: what a notification says ([`notification`]) in words
//! translators edit (`templates/mail/<lang>.toml`, loaded by [`catalog`]),
//! how it is laid out as text and HTML ([`layout`]), how it becomes a safe
//! MIME message ([`message`]) and how it leaves the process ([`transport`]).

mod catalog;
mod layout;
pub mod message;
pub mod notification;
pub mod queue;
mod text;
pub mod transport;
pub mod worker;

pub use message::{Envelope, build_message};
pub use notification::{Notification, Rendered, priority_label, render, status_label};
pub use transport::{SmtpConfig, TlsMode, Transport};

/// Everything that can go wrong between a notification and a delivered email.
///
/// The split between `Transient` and `Permanent` drives the retry policy of
/// the caller: see [`MailError::is_retryable`].
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A sender or recipient address that is malformed or could smuggle
    /// headers (CR/LF, control characters). Retrying cannot fix it.
    #[error("invalid email address: {0}")]
    Address(String),
    /// The message could not be assembled (bad Message-ID, bad configuration).
    #[error("could not build the email: {0}")]
    Build(String),
    /// Connection refused or lost, timeout, 4xx SMTP reply: try again later.
    #[error("temporary mail delivery failure: {0}")]
    Transient(String),
    /// 5xx SMTP reply or a client-side protocol error: do not retry.
    #[error("mail delivery failed: {0}")]
    Permanent(String),
    /// Writing to the outbox directory failed.
    #[error("mail outbox i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl MailError {
    /// Whether sending the same message again later may succeed.
    ///
    /// I/O errors of the file outbox count as retryable: they are usually a
    /// full disk or a missing directory, which an operator can fix.
    pub fn is_retryable(&self) -> bool {
        matches!(self, MailError::Transient(_) | MailError::Io(_))
    }
}
