//! The commands of the `frontdesk` binary beside `serve`: `admin` (`user`,
//! `org` and `team`, on the rules of `accounts` and `live::teams`),
//! `fitting` (`train-requests` and `fit-escalation`), and the measuring
//! ones: `eval` (retrieval and escalation quality on a question file),
//! `bench` (speed and memory) and `chat_bench` (the live-chat load test).
//! They sit on top and may import anything; nothing imports them except
//! `main`.

pub mod admin;
pub mod bench;
pub mod chat_bench;
pub mod eval;
pub mod fitting;
