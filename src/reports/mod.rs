//! What admins learn about the bot and the desk. `feedback` takes the
//! votes users give where they are (a bot answer, an article, an ended
//! chat); `period` reads the span a report covers; `bot` is how much the
//! bot resolves on its own; `desk` is how fast people answer tickets and
//! chats; `chart` draws the figures as SVG. May import `help`, `live`,
//! `accounts`, `tickets`, `store` and the value modules.

pub mod bot;
pub mod chart;
pub mod demo;
pub mod desk;
pub mod drafts;
pub mod feedback;
pub mod gaps;
pub mod period;
pub mod redact;
pub mod scope;
