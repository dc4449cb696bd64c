//! Who is who: roles, email addresses (`Email`, parsed once at the edge),
//! password hashing, invitations and reset links, the widget's identity
//! verification and its email codes (`email_code`). Storage is in `store::users`; ids
//! and digests are in `ids`. May import `store`, `mail` and the value
//! modules below them.

pub mod demo;
pub mod email;
pub mod email_code;
pub mod host_link;
pub mod identity;
pub mod invite;
pub mod password;
pub mod role;

pub use email::Email;
pub use role::Role;
