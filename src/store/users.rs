//! Accounts: users, their one-time links (invitation, password reset), the
//! widget's email codes and visitor tokens.

use serde::Serialize;
use sqlx::SqliteConnection;

use super::{Db, StoreError, now};
use crate::accounts::email::Email;
use crate::accounts::role::Role;
use crate::ids;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: RoleCol,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub locale: String,
    pub organisation_id: Option<String>,
    pub notify_status: bool,
    pub notify_replies: bool,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    pub previous_login_at: Option<i64>,
}

/// The role column, checked when read.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(transparent)]
pub struct RoleCol(pub Role);

impl TryFrom<String> for RoleCol {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Role::parse(&s)
            .map(RoleCol)
            .ok_or(format!("unknown role {s}"))
    }
}

impl User {
    pub fn role(&self) -> Role {
        self.role.0
    }

    /// The name to show, falling back to the email's local part.
    pub fn display_name(&self) -> &str {
        if !self.name.trim().is_empty() {
            &self.name
        } else if self.has_mailbox() {
            self.email.split('@').next().unwrap_or(&self.email)
        } else {
            ""
        }
    }

    /// Whether the account has a real email address; a host user signed
    /// without one has a placeholder under a reserved `.invalid` domain.
    pub fn has_mailbox(&self) -> bool {
        crate::accounts::email::has_mailbox(&self.email)
    }

    /// Whether the account can log in (an invited user has not yet chosen
    /// a password).
    pub fn is_active(&self) -> bool {
        self.password_hash.is_some()
    }
}

/// Whether `e` is a uniqueness violation (an email or a host id taken).
pub fn is_unique_violation(e: &StoreError) -> bool {
    matches!(e, StoreError::Sqlx(sqlx::Error::Database(d)) if d.is_unique_violation())
}

const COLUMNS: &str = "id, email, name, role, password_hash, locale, organisation_id, notify_status, notify_replies, created_at, last_login_at, previous_login_at";

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub name: &'a str,
    pub role: Role,
    pub locale: &'a str,
    pub password_hash: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub organisation_id: Option<&'a str>,
}

impl<'a> NewUser<'a> {
    /// An end user without a password (recognised by the widget).
    pub fn end_user(email: &'a Email, name: &'a str, external_id: Option<&'a str>) -> Self {
        NewUser {
            email,
            name,
            role: Role::EndUser,
            locale: "en",
            password_hash: None,
            external_id,
            organisation_id: None,
        }
    }
}

pub async fn create(conn: &mut SqliteConnection, u: &NewUser<'_>) -> Result<User, StoreError> {
    let id = ids::random_id();
    sqlx::query(
        "INSERT INTO users (id, email, name, role, password_hash, locale, external_id, organisation_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(u.email.as_str())
    .bind(u.name)
    .bind(u.role.as_str())
    .bind(u.password_hash)
    .bind(u.locale)
    .bind(u.external_id)
    .bind(u.organisation_id)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    by_id_conn(conn, &id).await?.ok_or(StoreError::NotFound)
}

async fn by_id_conn(conn: &mut SqliteConnection, id: &str) -> Result<Option<User>, StoreError> {
    Ok(
        sqlx::query_as::<_, User>(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<User>, StoreError> {
    let mut conn = db.acquire().await?;
    by_id_conn(&mut conn, id).await
}

/// The name to show for a user, if they still exist.
pub async fn name_of(db: &Db, id: &str) -> Result<Option<String>, StoreError> {
    Ok(by_id(db, id).await?.map(|u| u.display_name().to_string()))
}

pub async fn by_email(db: &Db, email: &Email) -> Result<Option<User>, StoreError> {
    Ok(
        sqlx::query_as::<_, User>(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
            .bind(email.as_str())
            .fetch_optional(db)
            .await?,
    )
}

pub async fn by_external_id(db: &Db, external_id: &str) -> Result<Option<User>, StoreError> {
    Ok(sqlx::query_as::<_, User>(&format!(
        "SELECT {COLUMNS} FROM users WHERE external_id = $1"
    ))
    .bind(external_id)
    .fetch_optional(db)
    .await?)
}

/// The operators and admins who have activated their account (chosen a
/// password), who are told about new tickets: an invitation not yet
/// accepted may have gone to a wrong address, so it receives nothing more.
pub async fn active_staff(db: &Db) -> Result<Vec<User>, StoreError> {
    Ok(sqlx::query_as::<_, User>(&format!(
        "SELECT {COLUMNS} FROM users WHERE role IN ('operator', 'admin') AND password_hash IS NOT NULL ORDER BY email"
    ))
    .fetch_all(db)
    .await?)
}

/// Every account, staff first, for the admins' list.
pub async fn all(db: &Db) -> Result<Vec<User>, StoreError> {
    Ok(sqlx::query_as::<_, User>(&format!(
        "SELECT {COLUMNS} FROM users ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'operator' THEN 1 ELSE 2 END, email LIMIT 1000"
    ))
    .fetch_all(db)
    .await?)
}

/// Sets the password and, in the same transaction, ends every session and
/// visitor token of the account: whoever knew the old password (or held a
/// stolen session) is out. The caller logs its own session in again.
pub async fn set_password(db: &Db, user_id: &str, hash: &str) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    end_sign_ins(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes every log-in session and widget visitor token of `user_id`.
async fn end_sign_ins(conn: &mut SqliteConnection, user_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM visitor_tokens WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Binds a host product's user id to an account that has none; false when
/// the account is bound already or the id belongs to another account.
pub async fn bind_external_id(
    db: &Db,
    user_id: &str,
    external_id: &str,
) -> Result<bool, StoreError> {
    let r = sqlx::query("UPDATE users SET external_id = $1 WHERE id = $2 AND external_id IS NULL")
        .bind(external_id)
        .bind(user_id)
        .execute(db)
        .await
        .map_err(StoreError::from);
    match r {
        Ok(done) => Ok(done.rows_affected() == 1),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Moves the last log-in to "previous" (shown on Home) and stamps now.
pub async fn record_login(db: &Db, user_id: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE users SET previous_login_at = last_login_at, last_login_at = $1 WHERE id = $2",
    )
    .bind(now())
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_organisation(
    db: &Db,
    user_id: &str,
    organisation_id: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET organisation_id = $1 WHERE id = $2")
        .bind(organisation_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

pub struct Preferences<'a> {
    pub name: &'a str,
    pub locale: &'a str,
    pub notify_status: bool,
    pub notify_replies: bool,
}

pub async fn update_preferences(
    db: &Db,
    user_id: &str,
    p: &Preferences<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE users SET name = $1, locale = $2, notify_status = $3, notify_replies = $4 WHERE id = $5",
    )
    .bind(p.name)
    .bind(p.locale)
    .bind(p.notify_status)
    .bind(p.notify_replies)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Sets the name, and the email when one is given.
pub async fn update_identity(
    db: &Db,
    user_id: &str,
    email: Option<&Email>,
    name: &str,
) -> Result<(), StoreError> {
    // No email: the account keeps its own.
    sqlx::query("UPDATE users SET email = COALESCE($1, email), name = $2 WHERE id = $3")
        .bind(email.map(Email::as_str))
        .bind(name)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    Invitation,
    PasswordReset,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Invitation => "invitation",
            TokenPurpose::PasswordReset => "password_reset",
        }
    }
}

/// Creates a one-time link token for `user_id`; returns the token itself,
/// which only ever travels in the email.
pub async fn create_one_time_token(
    conn: &mut SqliteConnection,
    user_id: &str,
    purpose: TokenPurpose,
    valid_secs: i64,
) -> Result<String, StoreError> {
    let secret = ids::random_id();
    let t = now();
    sqlx::query(
        "INSERT INTO one_time_tokens (token_hash, purpose, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ids::sha256_hex(&secret))
    .bind(purpose.as_str())
    .bind(user_id)
    .bind(t + valid_secs)
    .bind(t)
    .execute(conn)
    .await?;
    Ok(secret)
}

/// The user a one-time token is valid for (unused, unexpired, right purpose).
pub async fn peek_one_time_token(
    db: &Db,
    secret: &str,
    purpose: TokenPurpose,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT user_id FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(ids::sha256_hex(secret))
    .bind(purpose.as_str())
    .bind(now())
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.0))
}

/// Uses a one-time token and sets the password in one transaction: the
/// conditional update makes a second use (even a concurrent one) fail.
pub async fn redeem_one_time_token(
    db: &Db,
    secret: &str,
    purpose: TokenPurpose,
    password_hash: &str,
) -> Result<Option<String>, StoreError> {
    let mut tx = db.begin().await?;
    let row: Option<(String,)> = sqlx::query_as(
        "UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
    )
    .bind(now())
    .bind(ids::sha256_hex(secret))
    .bind(purpose.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((user_id,)) = row else {
        return Ok(None);
    };
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(&user_id)
        .execute(&mut *tx)
        .await?;
    end_sign_ins(&mut tx, &user_id).await?;
    tx.commit().await?;
    Ok(Some(user_id))
}

/// Stores a new email code for `email`; returns the code to send.
pub async fn create_email_code(
    conn: &mut SqliteConnection,
    email: &Email,
    valid_secs: i64,
) -> Result<String, StoreError> {
    let code = ids::six_digit_code();
    let t = now();
    sqlx::query(
        "INSERT INTO email_codes (id, email, code_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ids::random_id())
    .bind(email.as_str())
    // The email is mixed in so equal codes for two addresses differ.
    .bind(ids::sha256_hex(&format!("{email}:{code}")))
    .bind(t + valid_secs)
    .bind(t)
    .execute(conn)
    .await?;
    Ok(code)
}

pub const MAX_CODE_ATTEMPTS: i64 = 5;

/// Checks a code against the newest live code for `email`. Each try counts,
/// and a code is dead after [`MAX_CODE_ATTEMPTS`] wrong tries or one use.
pub async fn use_email_code(db: &Db, email: &Email, code: &str) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let row: Option<(String, String)> = sqlx::query_as(
        "UPDATE email_codes SET attempts = attempts + 1 \
         WHERE id = (SELECT id FROM email_codes WHERE email = $1 AND used_at IS NULL AND expires_at > $2 AND attempts < $3 ORDER BY created_at DESC LIMIT 1) \
         RETURNING id, code_hash",
    )
    .bind(email.as_str())
    .bind(now())
    .bind(MAX_CODE_ATTEMPTS)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, hash)) = row else {
        tx.commit().await?;
        return Ok(false);
    };
    let ok = hash == ids::sha256_hex(&format!("{email}:{}", code.trim()));
    if ok {
        sqlx::query("UPDATE email_codes SET used_at = $1 WHERE id = $2")
            .bind(now())
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(ok)
}

/// A widget visitor token for `user_id`, valid for `valid_secs`.
pub async fn create_visitor_token(
    db: &Db,
    user_id: &str,
    valid_secs: i64,
) -> Result<String, StoreError> {
    let mut conn = db.acquire().await?;
    create_visitor_token_in(&mut conn, user_id, valid_secs).await
}

/// The same, inside the caller's transaction (many at once).
pub async fn create_visitor_token_in(
    conn: &mut sqlx::SqliteConnection,
    user_id: &str,
    valid_secs: i64,
) -> Result<String, StoreError> {
    let secret = ids::random_id();
    let t = now();
    sqlx::query(
        "INSERT INTO visitor_tokens (token_hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(ids::sha256_hex(&secret))
    .bind(user_id)
    .bind(t + valid_secs)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    Ok(secret)
}

pub async fn user_for_visitor_token(db: &Db, secret: &str) -> Result<Option<User>, StoreError> {
    if !ids::is_id(secret) {
        return Ok(None);
    }
    Ok(sqlx::query_as::<_, User>(&format!(
        "SELECT {} FROM users u WHERE u.id = (SELECT user_id FROM visitor_tokens WHERE token_hash = $1 AND expires_at > $2)",
        COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
    ))
    .bind(ids::sha256_hex(secret))
    .bind(now())
    .fetch_optional(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> Email {
        Email::parse(s).expect("email")
    }

    async fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::store::open(&dir.path().join("t.db"))
            .await
            .expect("db");
        (dir, db)
    }

    async fn someone(db: &Db) -> User {
        let mut conn = db.acquire().await.expect("conn");
        create(
            &mut conn,
            &NewUser {
                email: &email("a@example.com"),
                name: "",
                role: Role::EndUser,
                locale: "en",
                password_hash: None,
                external_id: None,
                organisation_id: None,
            },
        )
        .await
        .expect("user")
    }

    #[tokio::test]
    async fn expired_links_are_refused_and_valid_ones_work_once() {
        let (_dir, db) = db().await;
        let u = someone(&db).await;
        let mut conn = db.acquire().await.expect("conn");
        let expired = create_one_time_token(&mut conn, &u.id, TokenPurpose::Invitation, -1)
            .await
            .expect("token");
        let live = create_one_time_token(&mut conn, &u.id, TokenPurpose::Invitation, 3600)
            .await
            .expect("token");
        drop(conn);
        let redeem = |t: String, p: TokenPurpose| {
            let db = db.clone();
            async move {
                redeem_one_time_token(&db, &t, p, "hash")
                    .await
                    .expect("redeem")
            }
        };
        assert_eq!(redeem(expired, TokenPurpose::Invitation).await, None);
        // The right token for another purpose does nothing.
        assert_eq!(
            redeem(live.clone(), TokenPurpose::PasswordReset).await,
            None
        );
        assert_eq!(
            redeem(live.clone(), TokenPurpose::Invitation).await,
            Some(u.id.clone())
        );
        assert_eq!(redeem(live, TokenPurpose::Invitation).await, None);
    }

    #[tokio::test]
    async fn email_codes_die_after_five_wrong_tries() {
        let (_dir, db) = db().await;
        let mut conn = db.acquire().await.expect("conn");
        let code = create_email_code(&mut conn, &email("v@example.com"), 900)
            .await
            .expect("code");
        drop(conn);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..MAX_CODE_ATTEMPTS {
            assert!(
                !use_email_code(&db, &email("v@example.com"), wrong)
                    .await
                    .expect("check")
            );
        }
        // Even the right code is refused now: guessing is capped.
        assert!(
            !use_email_code(&db, &email("v@example.com"), &code)
                .await
                .expect("check")
        );
        let mut conn = db.acquire().await.expect("conn");
        let fresh = create_email_code(&mut conn, &email("v@example.com"), 900)
            .await
            .expect("code");
        drop(conn);
        assert!(
            !use_email_code(&db, &email("w@example.com"), &fresh)
                .await
                .expect("check")
        );
        assert!(
            use_email_code(&db, &email("v@example.com"), &fresh)
                .await
                .expect("check")
        );
        assert!(
            !use_email_code(&db, &email("v@example.com"), &fresh)
                .await
                .expect("check")
        );
    }
}
