//! Creating accounts by invitation and sending password-reset links: the
//! account and its one-time link are written with the email in the outbox,
//! in one transaction. Used by the API, the portal and the command line.

use crate::accounts::{Role, normalise_email};
use crate::mail::Notification;
use crate::store::users::{self, NewUser, TokenPurpose, User};
use crate::store::{Db, StoreError, now, outbox};

pub const LINK_VALID_SECS: i64 = 72 * 3600;

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("{0}")]
    BadEmail(&'static str),
    #[error("{0} already has an account")]
    Exists(String),
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
    email: &str,
    name: &str,
    role: Role,
) -> Result<(User, String), InviteError> {
    let email = normalise_email(email).map_err(InviteError::BadEmail)?;
    if users::by_email(db, &email).await?.is_some() {
        return Err(InviteError::Exists(email));
    }
    let mut tx = db.begin().await?;
    let user = users::create(
        &mut tx,
        &NewUser {
            email: &email,
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
pub async fn send_reset(db: &Db, public_url: &str, email: &str) -> Result<(), InviteError> {
    let Ok(email) = normalise_email(email) else {
        return Ok(());
    };
    let Some(user) = users::by_email(db, &email).await? else {
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

/// Emails a six-digit code confirming `email` for the widget.
pub async fn send_email_code(db: &Db, email: &str, locale: &str) -> Result<(), InviteError> {
    let mut tx = db.begin().await?;
    let code = users::create_email_code(&mut tx, email, 15 * 60).await?;
    let payload = serde_json::to_string(&Notification::EmailCode {
        code,
        expires_minutes: 15,
    })
    .map_err(|e| StoreError::Encode(e.to_string()))?;
    outbox::enqueue(
        &mut tx,
        &outbox::Outgoing {
            recipient: email,
            recipient_name: None,
            locale,
            payload: &payload,
        },
        now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
