//! Defences applied to every response and to sensitive routes: security
//! headers, the CSRF check of cookie-authenticated API calls, and rate
//! limits.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use super::AppState;
use super::auth::{self, CSRF_HEADER};
use super::error::ApiError;
use crate::config::Limits;

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

/// Rate limits, in memory: enough for one process; several processes would
/// each allow the limit. Three kinds: fixed windows of hits, token buckets
/// (a steady rate with a short burst), and log-in failures (per address and
/// per account, failures only).
pub struct RateLimiter {
    counters: Mutex<Counters>,
    settings: Limits,
}

#[derive(Default)]
struct Counters {
    /// (bucket, key) → (start of the window, hits in it).
    windows: HashMap<(&'static str, String), (Instant, u32)>,
    /// (bucket, key) → (last refill, tokens left).
    buckets: HashMap<(&'static str, String), (Instant, f64)>,
    /// Account (normalised email) → (failures in a row, time of the last).
    accounts: HashMap<String, (u32, Instant)>,
}

/// Maps are swept of old entries past this size, so a flood of distinct
/// keys cannot grow memory without bound.
const SWEEP_ABOVE: usize = 100_000;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub bucket: &'static str,
    pub max: u32,
    pub per: Duration,
}

/// Failed log-ins from one client address, whatever the accounts: slows
/// password spraying (one password tried on many accounts).
pub const LOGIN_FAILURES: Limit = Limit {
    bucket: "login_failures",
    max: 30,
    per: Duration::from_secs(600),
};
/// Failures an account takes before each further attempt waits.
const ACCOUNT_FREE_FAILURES: u32 = 5;
/// The longest wait between two attempts on one account: the right
/// password is never refused for longer because of others' failures.
const ACCOUNT_MAX_DELAY_SECS: u64 = 30;
/// An account's failures are forgotten after this long without one.
const ACCOUNT_FAILURES_FORGOTTEN: Duration = Duration::from_secs(3600);

pub const EMAIL_CODE: Limit = Limit {
    bucket: "email_code",
    max: 5,
    per: Duration::from_secs(900),
};
/// Email-code checks from one client address (each code also allows only a
/// few attempts; this stops trying many addresses' codes).
pub const CODE_CHECK: Limit = Limit {
    bucket: "code_check",
    max: 60,
    per: Duration::from_secs(900),
};
pub const TICKET_CREATE: Limit = Limit {
    bucket: "ticket_create",
    max: 30,
    per: Duration::from_secs(600),
};

fn too_many(wait: Duration, what: &str) -> ApiError {
    // Round up: a client that waits the advertised time is let in.
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    ApiError::TooManyRequests {
        message: format!("Too many {what}; please wait {secs} seconds and try again."),
        retry_after: secs,
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new(Limits::default())
    }
}

impl RateLimiter {
    pub fn new(settings: Limits) -> RateLimiter {
        RateLimiter {
            counters: Mutex::new(Counters::default()),
            settings,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counters> {
        // Every update is complete before the lock is released.
        self.counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts one hit for `key`; Err with the seconds to wait when over.
    pub fn hit(&self, limit: Limit, key: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut c = self.lock();
        let entry = window(&mut c, limit, key, now);
        entry.1 += 1;
        if entry.1 > limit.max {
            return Err(too_many(
                limit.per.saturating_sub(now.duration_since(entry.0)),
                "attempts",
            ));
        }
        Ok(())
    }

    /// Takes `cost` of the `per_minute` tokens a minute for `key`, with
    /// bursts of up to ten seconds' worth; 0 means no limit. A costly call
    /// is let through while a token is left and leaves the bucket in debt
    /// (down to minus a burst), so its cost is paid by waiting after it.
    fn take(
        &self,
        bucket: &'static str,
        key: &str,
        per_minute: u32,
        cost: f64,
        what: &str,
    ) -> Result<(), ApiError> {
        if per_minute == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let rate = f64::from(per_minute) / 60.0;
        let capacity = f64::from((per_minute / 6).max(1));
        let mut c = self.lock();
        if c.buckets.len() > SWEEP_ABOVE {
            // A bucket idle for two minutes is full again: forgetting it is the same.
            c.buckets
                .retain(|_, (at, _)| now.duration_since(*at) < Duration::from_secs(120));
        }
        let entry = c
            .buckets
            .entry((bucket, key.to_string()))
            .or_insert((now, capacity));
        let tokens = (entry.1 + now.duration_since(entry.0).as_secs_f64() * rate).min(capacity);
        if tokens < 1.0 {
            *entry = (now, tokens);
            return Err(too_many(
                Duration::from_secs_f64((1.0 - tokens) / rate),
                what,
            ));
        }
        *entry = (now, (tokens - cost).max(-capacity));
        Ok(())
    }

    /// One question to the bot from `client` (a user id or an address).
    pub fn ask(&self, client: &str) -> Result<(), ApiError> {
        self.take(
            "ask",
            client,
            self.settings.asks_per_minute,
            1.0,
            "questions",
        )
    }

    /// What a valid question of `chars` characters costs `client` beyond
    /// the token `ask` took: one more per 500 characters, as a long
    /// question costs more to read and embed. Paid by waiting later.
    pub fn ask_length(&self, client: &str, chars: usize) {
        let (per_minute, extra) = (self.settings.asks_per_minute, (chars / 500) as f64);
        if per_minute == 0 || extra == 0.0 {
            return;
        }
        let capacity = f64::from((per_minute / 6).max(1));
        if let Some(entry) = self.lock().buckets.get_mut(&("ask", client.to_string())) {
            entry.1 = (entry.1 - extra).max(-capacity);
        }
    }

    /// One vote (an answer, an article, a chat) from `client`: plenty for
    /// a person, little for a script stuffing the figures.
    pub fn feedback(&self, client: &str) -> Result<(), ApiError> {
        self.take(
            "feedback",
            client,
            self.settings.votes_per_minute,
            1.0,
            "votes",
        )
    }

    /// One widget identification from `ip`.
    pub fn identify(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.take(
            "identify",
            &ip.to_string(),
            self.settings.identify_per_minute,
            1.0,
            "identification attempts",
        )
    }

    /// Whether a log-in to `email` from `ip` may be checked now: not when
    /// the address has failed too often, nor during the account's short
    /// wait after its last failure. A refused attempt is not a failure.
    pub fn login_allowed(&self, ip: IpAddr, email: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut c = self.lock();
        let ip_window = *window(&mut c, LOGIN_FAILURES, &ip.to_string(), now);
        if ip_window.1 >= LOGIN_FAILURES.max {
            return Err(too_many(
                LOGIN_FAILURES
                    .per
                    .saturating_sub(now.duration_since(ip_window.0)),
                "failed log-ins from your address",
            ));
        }
        if let Some(&(failures, last)) = c.accounts.get(&account_key(email)) {
            let wait = account_delay(failures).saturating_sub(now.duration_since(last));
            if !wait.is_zero() && now.duration_since(last) < ACCOUNT_FAILURES_FORGOTTEN {
                return Err(too_many(wait, "failed log-ins to this account"));
            }
        }
        Ok(())
    }

    /// A wrong password (or unknown account) for `email` from `ip`.
    pub fn login_failed(&self, ip: IpAddr, email: &str) {
        let now = Instant::now();
        let mut c = self.lock();
        window(&mut c, LOGIN_FAILURES, &ip.to_string(), now).1 += 1;
        if c.accounts.len() > SWEEP_ABOVE {
            c.accounts
                .retain(|_, (_, last)| now.duration_since(*last) < ACCOUNT_FAILURES_FORGOTTEN);
        }
        let entry = c.accounts.entry(account_key(email)).or_insert((0, now));
        if now.duration_since(entry.1) >= ACCOUNT_FAILURES_FORGOTTEN {
            entry.0 = 0;
        }
        *entry = (entry.0.saturating_add(1), now);
    }

    /// The right password: the account's failures are forgotten (the
    /// address's are not, or an attacker could clear them with an account
    /// of their own).
    pub fn login_succeeded(&self, email: &str) {
        self.lock().accounts.remove(&account_key(email));
    }

    /// The client's address: the direct peer, or, when the peer is a
    /// trusted proxy, the right-most address of `X-Forwarded-For` that is
    /// not itself a trusted proxy (addresses to its left could be forged by
    /// the client).
    pub fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let trusted = |ip: IpAddr| self.settings.trusted_proxies.iter().any(|r| r.contains(ip));
        let mut client = peer.ip();
        if !trusted(client) {
            return client;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev() {
            // A hop that is not an address ends the chain: what is left of
            // it cannot be trusted, and the proxy that sent it is the client.
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = ip;
            if !trusted(ip) {
                break;
            }
        }
        client
    }
}

/// The fixed window of `key` in `limit`, restarted when over.
fn window<'a>(
    c: &'a mut Counters,
    limit: Limit,
    key: &str,
    now: Instant,
) -> &'a mut (Instant, u32) {
    if c.windows.len() > SWEEP_ABOVE {
        c.windows
            .retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(3600));
    }
    let entry = c
        .windows
        .entry((limit.bucket, key.to_string()))
        .or_insert((now, 0));
    if now.duration_since(entry.0) >= limit.per {
        *entry = (now, 0);
    }
    entry
}

fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The wait after an account's `failures`-th failure in a row: none for the
/// first few, then 1 s doubling up to the cap.
fn account_delay(failures: u32) -> Duration {
    if failures < ACCOUNT_FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - ACCOUNT_FREE_FAILURES).min(16);
    Duration::from_secs((1u64 << doublings).min(ACCOUNT_MAX_DELAY_SECS))
}

/// The client's address (see `RateLimiter::client_ip`), as an extractor.
pub struct ClientIp(pub IpAddr);

/// Who a per-client limit counts: a signed-in user as such, anyone else by
/// address.
pub fn client_key(user_id: Option<&str>, ip: IpAddr) -> String {
    match user_id {
        Some(id) => format!("user:{id}"),
        None => format!("ip:{ip}"),
    }
}

impl<S> FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let app = AppState::from_ref(state);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .ok_or_else(|| {
                ApiError::Internal("the server was started without peer addresses".into())
            })?;
        Ok(ClientIp(app.limits.client_ip(peer, &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IpRange;

    fn limiter(proxies: &[&str]) -> RateLimiter {
        RateLimiter::new(Limits {
            trusted_proxies: proxies
                .iter()
                .map(|p| IpRange::parse(p).expect("range"))
                .collect(),
            asks_per_minute: 30,
            ..Limits::default()
        })
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let peer: SocketAddr = "10.0.0.2:4000".parse().expect("peer");
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let headers = xff(&["1.1.1.1, 203.0.113.7", "10.0.0.9"]);
        // Not trusted: the peer is the client, whatever the header says.
        assert_eq!(limiter(&[]).client_ip(peer, &headers), ip("10.0.0.2"));
        // Trusted: the right-most address that is not a proxy; the forged
        // 1.1.1.1 to its left is ignored.
        let l = limiter(&["10.0.0.0/24"]);
        assert_eq!(l.client_ip(peer, &headers), ip("203.0.113.7"));
        assert_eq!(l.client_ip(peer, &HeaderMap::new()), ip("10.0.0.2"));
        assert_eq!(l.client_ip(peer, &xff(&["junk, 10.0.0.9"])), ip("10.0.0.9"));
        assert_eq!(l.client_ip(peer, &xff(&["2001:db8::1"])), ip("2001:db8::1"));
    }

    #[test]
    fn an_account_waits_briefly_and_increasingly_and_success_resets_it() {
        let l = limiter(&[]);
        let ip: IpAddr = "192.0.2.1".parse().expect("ip");
        for _ in 0..ACCOUNT_FREE_FAILURES {
            assert!(l.login_allowed(ip, "a@x.test").is_ok());
            l.login_failed(ip, "A@x.test ");
        }
        let Err(ApiError::TooManyRequests { retry_after, .. }) = l.login_allowed(ip, "a@x.test")
        else {
            panic!("the account waits");
        };
        assert_eq!(retry_after, 1);
        assert!(
            l.login_allowed(ip, "b@x.test").is_ok(),
            "other accounts do not"
        );
        assert_eq!(
            account_delay(ACCOUNT_FREE_FAILURES + 1),
            Duration::from_secs(2)
        );
        assert_eq!(
            account_delay(1000),
            Duration::from_secs(ACCOUNT_MAX_DELAY_SECS)
        );
        l.login_succeeded("a@x.test");
        assert!(l.login_allowed(ip, "a@x.test").is_ok());
    }

    #[test]
    fn an_address_that_fails_too_often_is_refused_for_every_account() {
        let l = limiter(&[]);
        let ip: IpAddr = "192.0.2.1".parse().expect("ip");
        for i in 0..LOGIN_FAILURES.max {
            assert!(l.login_allowed(ip, &format!("u{i}@x.test")).is_ok());
            l.login_failed(ip, &format!("u{i}@x.test"));
        }
        assert!(l.login_allowed(ip, "new@x.test").is_err());
        assert!(
            l.login_allowed("192.0.2.2".parse().expect("ip"), "new@x.test")
                .is_ok()
        );
    }

    #[test]
    fn buckets_allow_a_burst_then_the_rate() {
        let l = limiter(&[]);
        // 30 a minute: bursts of 5, then one every 2 s.
        for _ in 0..5 {
            assert!(l.ask("visitor").is_ok());
        }
        let Err(ApiError::TooManyRequests { retry_after, .. }) = l.ask("visitor") else {
            panic!("over the burst");
        };
        assert!((1..=2).contains(&retry_after), "{retry_after}");
        // A 2,000-character question costs five: the next one waits longer.
        assert!(l.ask("verbose").is_ok());
        l.ask_length("verbose", 2000);
        let Err(ApiError::TooManyRequests { retry_after, .. }) = l.ask("verbose") else {
            panic!("in debt");
        };
        assert!((2..=4).contains(&retry_after), "{retry_after}");
        assert!(l.ask("someone else").is_ok());
        let off = RateLimiter::new(Limits {
            asks_per_minute: 0,
            ..Limits::default()
        });
        assert!((0..1000).all(|_| off.ask("x").is_ok()));
    }
}
