//! The widget's email codes: a visitor proves an address by the six-digit
//! code mailed to it, and gets the end-user account of that address
//! (created on first use). Staff accounts never sign in this way.

use crate::accounts::Role;
use crate::accounts::email::Email;
use crate::accounts::host_link;
use crate::accounts::identity::HostUser;
use crate::mail::Notification;
use crate::store::users::{self, NewUser, User};
use crate::store::{Db, StoreError, now, outbox};

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("This code is wrong or has expired. Check the latest email, or ask for a new code.")]
    Wrong,
    #[error("Staff accounts log in through the portal, not the widget.")]
    Staff,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CodeError {
    fn from(e: sqlx::Error) -> Self {
        CodeError::Store(StoreError::Sqlx(e))
    }
}

/// Emails a six-digit code confirming `email` for the widget.
pub async fn send(db: &Db, email: &Email, locale: &str) -> Result<(), StoreError> {
    let mut tx = db.begin().await.map_err(StoreError::from)?;
    let code = users::create_email_code(&mut tx, email, 15 * 60).await?;
    let payload = serde_json::to_string(&Notification::EmailCode {
        code,
        expires_minutes: 15,
    })
    .map_err(|e| StoreError::Encode(e.to_string()))?;
    outbox::enqueue(
        &mut tx,
        &outbox::Outgoing {
            recipient: email.as_str(),
            recipient_name: None,
            locale,
            payload: &payload,
        },
        now(),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Checks the code for `email` (each try counts) and returns the address's
/// end-user account. `host`, a verified host user who was asked to confirm
/// this email, is bound to the account once the code is right.
pub async fn confirm(
    db: &Db,
    email: &Email,
    code: &str,
    host: Option<&HostUser>,
) -> Result<User, CodeError> {
    if !users::use_email_code(db, email, code).await? {
        return Err(CodeError::Wrong);
    }
    let user = match users::by_email(db, email).await? {
        Some(u) if u.role() == Role::EndUser => u,
        Some(_) => return Err(CodeError::Staff),
        None => {
            let mut conn = db.acquire().await.map_err(StoreError::from)?;
            users::create(&mut conn, &NewUser::end_user(email, "", None)).await?
        }
    };
    if let Some(host) = host {
        host_link::confirm(db, &user, host).await?;
    }
    Ok(user)
}
