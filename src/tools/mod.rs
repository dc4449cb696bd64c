//! The commands of the `frontdesk` binary other than `serve`, which
//! `main` calls once it has read the command line:
//! - `admin`: `user`, `org` and `team` (accounts, organisations, teams),
//!   on the rules of `accounts` and `live::teams`;
//! - `help_center`: `index` and `ask`;
//! - `eval` (retrieval and escalation quality on a question file, and its
//!   text report), `bench` (speed and memory) and `chat_bench` (the
//!   live-chat load test);
//! - `fitting`: `train-requests` and `fit-escalation`.
//!
//! They sit on top and may import anything; nothing imports them except
//! `main`.

pub mod admin;
pub mod bench;
pub mod chat_bench;
pub mod eval;
pub mod fitting;
pub mod help_center;
pub mod reports_bench;
