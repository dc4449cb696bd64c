//! Who is calling: a log-in session (cookie) or a widget visitor token
//! (bearer), the CSRF token of cookie sessions, and the session cookie's
//! settings.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use super::AppState;
use super::error::ApiError;
use crate::ids;
use crate::store::sessions::DbSessionStore;
use crate::store::users::{self, User};

use crate::store::sessions::USER_KEY;
const CSRF_KEY: &str = "csrf";
/// Header carrying the CSRF token on API calls made with the cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session cookie: HttpOnly, SameSite=Lax, and behind HTTPS Secure with
/// the `__Host-` prefix (no Domain, Path=/), expiring after a week idle.
pub fn session_layer(store: DbSessionStore, https: bool) -> SessionManagerLayer<DbSessionStore> {
    SessionManagerLayer::new(store)
        .with_name(if https {
            "__Host-frontdesk"
        } else {
            "frontdesk_session"
        })
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(https)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::days(7)))
}

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The log-in cookie: state-changing calls need the CSRF token.
    Cookie,
    /// A widget visitor token in `Authorization: Bearer`; not sent by the
    /// browser on its own, so no CSRF risk.
    Visitor,
}

/// The caller, if recognised.
pub struct Caller {
    pub user: Option<(User, Via)>,
    pub session: Session,
}

impl Caller {
    pub fn user(&self) -> Option<&User> {
        self.user.as_ref().map(|(u, _)| u)
    }

    /// The user, or 401 with a message saying how to log in.
    pub fn require(&self) -> Result<&User, ApiError> {
        self.user().ok_or(ApiError::Unauthorized(
            "Please log in (or identify yourself in the widget) first.".into(),
        ))
    }

    pub fn require_staff(&self) -> Result<&User, ApiError> {
        let u = self.require()?;
        if u.role().is_staff() {
            Ok(u)
        } else {
            Err(ApiError::Forbidden(
                "Only the support team can do this.".into(),
            ))
        }
    }

    pub fn require_admin(&self) -> Result<&User, ApiError> {
        let u = self.require()?;
        if u.role() == crate::accounts::Role::Admin {
            Ok(u)
        } else {
            Err(ApiError::Forbidden("Only admins can do this.".into()))
        }
    }
}

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let app = AppState::from_ref(state);
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, m)| ApiError::Internal(format!("session layer missing: {m}")))?;
        if let Some(bearer) = bearer(parts) {
            let user = users::user_for_visitor_token(&app.db, &bearer).await?;
            return match user {
                Some(u) => Ok(Caller {
                    user: Some((u, Via::Visitor)),
                    session,
                }),
                None => Err(ApiError::Unauthorized(
                    "This widget sign-in has expired; please confirm your email again.".into(),
                )),
            };
        }
        let user = match session_user_id(&session).await? {
            Some(id) => users::by_id(&app.db, &id).await?,
            None => None,
        };
        Ok(Caller {
            user: user.map(|u| (u, Via::Cookie)),
            session,
        })
    }
}

fn bearer(parts: &Parts) -> Option<String> {
    let v = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let t = v.strip_prefix("Bearer ")?.trim();
    Some(t.to_string())
}

pub async fn session_user_id(session: &Session) -> Result<Option<String>, ApiError> {
    session
        .get::<String>(USER_KEY)
        .await
        .map_err(|e| ApiError::Internal(format!("session: {e}")))
}

/// The session's CSRF token, created on first use.
pub async fn csrf_token(session: &Session) -> Result<String, ApiError> {
    let existing = session
        .get::<String>(CSRF_KEY)
        .await
        .map_err(|e| ApiError::Internal(format!("session: {e}")))?;
    match existing {
        Some(t) => Ok(t),
        None => {
            let t = ids::random_id();
            session
                .insert(CSRF_KEY, &t)
                .await
                .map_err(|e| ApiError::Internal(format!("session: {e}")))?;
            Ok(t)
        }
    }
}

/// Whether `given` is this session's CSRF token.
pub async fn csrf_ok(session: &Session, given: Option<&str>) -> bool {
    let Ok(Some(expected)) = session.get::<String>(CSRF_KEY).await else {
        return false;
    };
    match given {
        Some(g) => constant_time_eq(g.as_bytes(), expected.as_bytes()),
        None => false,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Logs `user` in: a new session id (no fixation), the user and a fresh
/// CSRF token stored server-side.
pub async fn log_in(session: &Session, user: &User) -> Result<(), ApiError> {
    let err = |e: tower_sessions::session::Error| ApiError::Internal(format!("session: {e}"));
    session.cycle_id().await.map_err(err)?;
    session.insert(USER_KEY, &user.id).await.map_err(err)?;
    session
        .insert(CSRF_KEY, ids::random_id())
        .await
        .map_err(err)?;
    Ok(())
}

/// Logs out: the session is deleted on the server, not just forgotten.
pub async fn log_out(session: &Session) -> Result<(), ApiError> {
    session
        .flush()
        .await
        .map_err(|e| ApiError::Internal(format!("session: {e}")))
}
