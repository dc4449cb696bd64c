//! Frontdesk: a chatbot-first support assistant. The bot answers from a
//! help center of Markdown articles; what it cannot answer goes to people.
//!
//! Map of the crate (see ARCHITECTURE.md):
//! - [`kb`]: articles on disk → parsed, chunked sections.
//! - [`search`]: the tantivy keyword index, the vector index and the vocabulary.
//! - [`embed`]: the sentence-embedding model (candle) and its on-disk cache.
//! - [`knowledge`]: one consistent snapshot of both, hot-reloaded.
//! - [`bot`]: question → grounded answer or escalation.
//! - [`store`]: the SQLite database (conversations).
//! - [`http`]: routes, pages, JSON API, widget assets.
//! - [`eval`]: retrieval and escalation metrics on a question file.
//! - [`bench`]: speed and memory measurements (`frontdesk bench`).
//! - [`config`], [`locale`], [`app`]: settings, languages, start-up.

pub mod accounts;
pub mod app;
pub mod attachments;
pub mod bench;
pub mod bot;
pub mod bus;
pub mod chat_bench;
pub mod chat_invitations;
pub mod config;
pub mod consoles;
pub mod embed;
pub mod eval;
pub mod http;
pub mod kb;
pub mod knowledge;
pub mod live;
pub mod locale;
pub mod mail;
pub mod message_writer;
pub mod queue;
pub mod search;
pub mod store;
pub mod teams;
#[cfg(test)]
pub(crate) mod test_support;
pub mod ticket_dispatch;
pub mod tickets;
pub mod workflow;
