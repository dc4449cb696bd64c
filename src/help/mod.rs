//! The help center and the bot that answers from it.
//!
//! From the bottom up: `kb` (articles on disk → parsed, chunked sections),
//! `search` (the keyword index, the vector index, the vocabulary), `embed`
//! (the sentence-embedding model and its cache), `knowledge` (one
//! consistent snapshot of all of them, hot-reloaded), `bot` (question →
//! grounded answer or escalation) and `browse` (a reader's search). May import `locale` and the ticket
//! value types (`tickets::{fields, status}`, for the ticket type of an
//! escalation); nothing about storage, mail or HTTP.

pub mod bot;
pub mod browse;
pub mod embed;
pub mod indexing;
pub mod kb;
pub mod knowledge;
pub mod search;
