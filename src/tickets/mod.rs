//! Tickets as a domain: the status workflow, the fields' vocabularies and
//! the time rules. No I/O here; the store and the HTTP layer use these.

pub mod fields;
pub mod status;
pub mod timing;

pub use fields::{Impact, Priority, Reproducibility, Source, TicketKind};
pub use status::{Action, Actor, Status, TransitionError, transition};
pub use timing::{AutoClose, ResponseTargets, Target};
