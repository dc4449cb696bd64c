//! What admins learn about the bot and the desk. `feedback` takes the
//! votes users give where they are (a bot answer, an article, an ended
//! chat); the reports built on them come next. May import `help`, `live`,
//! `accounts`, `store` and the value modules.

pub mod feedback;
