//! Who is who: roles, email addresses, password hashing, invitations and
//! the widget's identity verification. Storage is in `store::users`; ids
//! and digests are in `ids`. May import `store`, `mail` and the value
//! modules below them.

pub mod demo;
pub mod email;
pub mod host_link;
pub mod identity;
pub mod invite;
pub mod password;
pub mod role;

pub use email::normalise_email;
pub use role::Role;
