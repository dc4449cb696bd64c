//! Defences applied to every response and to sensitive routes: security
//! headers, the CSRF check of cookie-authenticated API calls, and rate
//! limits.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use super::auth::{self, CSRF_HEADER};
use super::error::ApiError;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; \
form-action 'self'; object-src 'none'";

/// Adds the security headers to every response (unless a route set its own).
pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let defaults = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    ];
    for (name, value) in defaults {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    res
}

/// API calls that change something and ride on the log-in cookie must
/// carry the session's CSRF token in `X-CSRF-Token`. Bearer-token calls
/// (the widget) and calls with no logged-in session are not at risk.
pub async fn csrf_guard(session: Session, req: Request, next: Next) -> Response {
    let bearer = req.headers().contains_key(header::AUTHORIZATION);
    if csrf_checked(req.method(), req.uri().path()) && !bearer {
        let logged_in = matches!(auth::session_user_id(&session).await, Ok(Some(_)));
        let given = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if logged_in && !auth::csrf_ok(&session, given.as_deref()).await {
            return ApiError::Forbidden(
                "Missing or wrong CSRF token: send the X-CSRF-Token header given by GET /api/session."
                    .into(),
            )
            .into_response();
        }
    }
    next.run(req).await
}

/// Whether a cookie call of `method` on `path` needs the CSRF token (the
/// API document lists its 403 from this same rule).
pub fn csrf_checked(method: &Method, path: &str) -> bool {
    let unsafe_method = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    // Logging in needs no token (there is no session yet to forge).
    let exempt = !path.starts_with("/api/")
        || path.starts_with("/api/bot/")
        || (path == "/api/session" && method == Method::POST);
    unsafe_method && !exempt
}

/// Fixed-window counters per (bucket, key), in memory: enough for one
/// process; several processes would each allow the limit.
pub struct RateLimiter {
    windows: Mutex<Windows>,
}

/// (bucket, key) → (start of the window, hits in it).
type Windows = HashMap<(&'static str, String), (Instant, u32)>;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub bucket: &'static str,
    pub max: u32,
    pub per: Duration,
}

pub const LOGIN: Limit = Limit {
    bucket: "login",
    max: 10,
    per: Duration::from_secs(300),
};
pub const EMAIL_CODE: Limit = Limit {
    bucket: "email_code",
    max: 5,
    per: Duration::from_secs(900),
};
pub const TICKET_CREATE: Limit = Limit {
    bucket: "ticket_create",
    max: 30,
    per: Duration::from_secs(600),
};

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            windows: Mutex::new(HashMap::new()),
        }
    }
}

impl RateLimiter {
    /// Counts one hit for `key`; Err with the seconds to wait when over.
    pub fn hit(&self, limit: Limit, key: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let Ok(mut w) = self.windows.lock() else {
            return Ok(());
        };
        if w.len() > 100_000 {
            w.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(3600));
        }
        let entry = w.entry((limit.bucket, key.to_string())).or_insert((now, 0));
        if now.duration_since(entry.0) >= limit.per {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > limit.max {
            let wait = limit.per.saturating_sub(now.duration_since(entry.0));
            return Err(ApiError::TooManyRequests {
                message: format!(
                    "Too many attempts; please wait {} seconds and try again.",
                    wait.as_secs().max(1)
                ),
                retry_after: wait.as_secs().max(1),
            });
        }
        Ok(())
    }
}

/// The client's address (the direct peer; no proxy headers are trusted).
pub fn client_ip(info: &ConnectInfo<SocketAddr>) -> IpAddr {
    info.0.ip()
}
