//! Live chat between users and operators.
//!
//! `requests` is what users and operators do to a chat request (start,
//! accept, decline, transfer, end) and what each side sees of it; `queue`
//! offers requests to operators; `overview` lists what waits; `presence` is the
//! operators' availability; `settings` checks the admins' settings;
//! `chats` runs a chat's life (system messages, ending, its ticket and
//! transcript); `invitations` lets an operator start a chat from a ticket;
//! `consoles` knows who has the console open; `teams` routes requests to a
//! team; `canned` keeps operators' saved replies; `message_writer` stores messages in groups; and `bus` delivers
//! events to the connections that follow a chat or a user. May import
//! `tickets` (a chat becomes a ticket), `operators`, `accounts`, `store`
//! and the value modules.

pub mod bus;
pub mod canned;
pub mod chats;
pub mod consoles;
pub mod invitations;
pub mod message_writer;
pub mod overview;
pub mod presence;
pub mod queue;
pub mod requests;
pub mod settings;
pub mod teams;
