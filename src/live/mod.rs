//! Live chat between users and operators.
//!
//! `queue` offers chat requests to operators, `chats` runs a chat's life
//! (system messages, ending, its ticket and transcript), `invitations`
//! lets an operator start a chat from a ticket, `consoles` knows who has
//! the console open, `teams` routes requests to a team, `message_writer`
//! stores messages in groups, and `bus` delivers events to the
//! connections that follow a chat or a user. May import `tickets` (a chat
//! becomes a ticket), `operators`, `store` and the value modules.

pub mod bus;
pub mod chats;
pub mod consoles;
pub mod invitations;
pub mod message_writer;
pub mod queue;
pub mod teams;
