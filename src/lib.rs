//! Frontdesk: a chatbot-first support assistant. The bot answers from a
//! help center of Markdown articles; what it cannot answer goes to people.
//!
//! Map of the crate, one folder per area (see ARCHITECTURE.md; the order
//! of who may import whom is checked by `tests/layout.rs`):
//! - [`help`]: the help center (articles, search, embeddings) and the bot.
//! - [`tickets`]: ticket values and workflow, dispatch to operators, attachments.
//! - [`live`]: live chat: the queue, chats, invitations, consoles, teams, the bus.
//! - [`accounts`]: roles, email addresses, passwords, invitations, the widget's identity.
//! - [`mail`]: notifications, their outbox and the mailer.
//! - [`webhooks`]: admins' endpoints for the desk's events, signed and delivered with retries.
//! - [`operators`]: who is offered the next chat or ticket.
//! - [`store`]: the SQLite database, one module per table group.
//! - [`http`]: routes, pages, JSON API, widget assets.
//! - [`tools`]: the commands behind the command line (admin, ask and
//!   index, eval, bench, chat_bench, fitting).
//! - [`ids`], [`locale`], [`metrics`]: random ids and digests, languages,
//!   operations counters (imported by all).
//! - [`config`], [`app`]: settings and start-up.

pub mod accounts;
pub mod app;
pub mod config;
pub mod help;
pub mod http;
pub mod ids;
pub mod live;
pub mod locale;
pub mod mail;
pub mod metrics;
pub mod operators;
pub mod progress;
pub mod reports;
pub mod store;
#[cfg(test)]
pub(crate) mod test_support;
pub mod tickets;
pub mod tools;
pub mod webhooks;
