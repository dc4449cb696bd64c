//! Which account a host product's user gets in the widget. The rules that
//! keep one host user from reaching another person's account:
//! - a host id is bound to one account for good (`users.external_id`);
//! - only signed claims are used (see `identity`), and an id signed
//!   without an email binds no email: its account has no mailbox;
//! - a signed email never joins an existing account that was not created
//!   for that host id, unless the user proves the mailbox with a code
//!   (`confirm`), since a host vouches for its own users, not for ours.

use super::Role;
use super::email::Email;
use super::identity::HostUser;
use crate::store::users::{self, NewUser, User};
use crate::store::{Db, StoreError};

#[derive(Debug)]
pub enum Link {
    /// The host user's account.
    Account(User),
    /// An account with this email exists but is not this host user's: the
    /// user must confirm the email with a code before it is joined.
    ConfirmEmail { email: Email },
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("This email belongs to a staff account, which cannot be used from the widget.")]
    StaffEmail,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The account of a verified host user (see the module's rules).
pub async fn link(db: &Db, host: &HostUser) -> Result<Link, LinkError> {
    // Two first visits at once may both try to create the account; the
    // loser finds the winner's on the second pass.
    for _ in 0..2 {
        if let Some(u) = users::by_external_id(db, &host.id).await? {
            return Ok(Link::Account(refresh(db, u, host).await?));
        }
        let email = match &host.email {
            Some(e) => e.clone(),
            None => Email::no_mailbox(&host.id),
        };
        match users::by_email(db, &email).await? {
            Some(u) if u.role() != Role::EndUser => return Err(LinkError::StaffEmail),
            Some(_) => return Ok(Link::ConfirmEmail { email }),
            None => {
                let name = host.name.as_deref().unwrap_or("");
                let mut conn = db.acquire().await.map_err(StoreError::from)?;
                match users::create(&mut conn, &NewUser::end_user(&email, name, Some(&host.id)))
                    .await
                {
                    Ok(u) => return Ok(Link::Account(u)),
                    Err(e) if users::is_unique_violation(&e) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    Err(LinkError::Store(StoreError::NotFound))
}

/// The host is the authority on its user's current name and (signed) email;
/// an email already used by another account is left as it was.
async fn refresh(db: &Db, u: User, host: &HostUser) -> Result<User, StoreError> {
    let new_email = match &host.email {
        Some(e) if *e != u.email && users::by_email(db, e).await?.is_none() => Some(e),
        _ => None,
    };
    let name = host.name.as_deref().unwrap_or(&u.name);
    if new_email.is_none() && name == u.name {
        return Ok(u);
    }
    match users::update_identity(db, &u.id, new_email, name).await {
        Ok(()) => Ok(users::by_id(db, &u.id).await?.unwrap_or(u)),
        // Taken between the check and the update: keep the old email.
        Err(e) if users::is_unique_violation(&e) => Ok(u),
        Err(e) => Err(e),
    }
}

/// After `user` confirmed their email with a code, binds the host id that
/// asked for it, if the signed email is that email and neither the account
/// nor the id is bound already. Returns whether it bound.
pub async fn confirm(db: &Db, user: &User, host: &HostUser) -> Result<bool, StoreError> {
    if host.email.as_ref().is_none_or(|e| *e != user.email) || user.role() != Role::EndUser {
        return Ok(false);
    }
    users::bind_external_id(db, &user.id, &host.id).await
}
