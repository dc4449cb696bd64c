//! Creating accounts by invitation and sending password-reset links: the
//! account and its one-time link are written with the email in the outbox,
//! in one transaction. Used by the API, the portal and the command line.

use crate::accounts::Role;
use crate::accounts::email::Email;
use crate::mail::Notification;
use crate::store::users::{self, NewUser, TokenPurpose, User};
use crate::store::{Db, StoreError, now};

pub const LINK_VALID_SECS: i64 = 72 * 3600;

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("{0} already has an account")]
    Exists(Email),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for InviteError {
    fn from(e: sqlx::Error) -> Self {
        InviteError::Store(StoreError::Sqlx(e))
    }
}

/// The link a user follows to set their password.
pub fn link(public_url: &str, token: &str) -> String {
    format!("{public_url}/account/password?token={token}")
}

async fn queue(
    conn: &mut sqlx::SqliteConnection,
    to: &User,
    n: &Notification,
) -> Result<(), StoreError> {
    crate::mail::queue::for_user(conn, to, n, now()).await
}

/// Creates the account and emails its one-time link; returns the user and
/// the link (the command line prints it too).
pub async fn invite(
    db: &Db,
    public_url: &str,
    email: &Email,
    name: &str,
    role: Role,
) -> Result<(User, String), InviteError> {
    if users::by_email(db, email).await?.is_some() {
        return Err(InviteError::Exists(email.clone()));
    }
    let mut tx = db.begin().await?;
    let user = users::create(
        &mut tx,
        &NewUser {
            email,
            name: name.trim(),
            role,
            locale: "en",
            password_hash: None,
            external_id: None,
            organisation_id: None,
        },
    )
    .await?;
    let token =
        users::create_one_time_token(&mut tx, &user.id, TokenPurpose::Invitation, LINK_VALID_SECS)
            .await?;
    let url = link(public_url, &token);
    queue(
        &mut tx,
        &user,
        &Notification::Invitation {
            url: url.clone(),
            expires_hours: LINK_VALID_SECS / 3600,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((user, url))
}

/// Emails a reset link when the account exists; silent otherwise.
pub async fn send_reset(db: &Db, public_url: &str, email: &Email) -> Result<(), InviteError> {
    let Some(user) = users::by_email(db, email).await? else {
        return Ok(());
    };
    let mut tx = db.begin().await?;
    let token = users::create_one_time_token(
        &mut tx,
        &user.id,
        TokenPurpose::PasswordReset,
        LINK_VALID_SECS,
    )
    .await?;
    queue(
        &mut tx,
        &user,
        &Notification::PasswordReset {
            url: link(public_url, &token),
            expires_hours: LINK_VALID_SECS / 3600,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
