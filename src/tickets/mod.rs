//! Tickets: the value types (`fields`, `status` with its state machine,
//! `timing`, `title`), which import nothing and which the store keeps; the
//! `workflow` that changes tickets (open, reply, change status, close when
//! due) through `store` and queues their mail; `dispatch`, which offers new
//! tickets to operators; and `attachments`, the files users upload (also to
//! chats). The value types are below `store`; the rest may import `store`,
//! `mail`, `accounts`, `operators` and the value modules.

pub mod attachments;
pub mod dispatch;
pub mod fields;
pub mod status;
pub mod timing;
pub mod title;
pub mod workflow;

pub use fields::{Impact, Priority, Reproducibility, Source, TicketKind};
pub use status::{Action, Actor, Status, TransitionError, transition};
pub use timing::{AutoClose, ResponseTargets, Target};
