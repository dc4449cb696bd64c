//! The measuring commands: `eval` (retrieval and escalation quality on a
//! question file), `bench` (speed and memory) and `chat_bench` (the
//! live-chat load test). They sit on top and may import anything; nothing
//! imports them except `main`.

pub mod bench;
pub mod chat_bench;
pub mod eval;
