//! The background deliverer: claims due deliveries, POSTs each signed
//! body to its endpoint and records what came back; a failure is retried
//! with exponential backoff until the last attempt. Names are resolved
//! through a resolver that drops non-public addresses, so a name that
//! resolves to the desk's own network later (DNS rebinding) is refused at
//! delivery too; redirects are not followed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::address::{Policy, check_url, is_public};
use super::signature;
use crate::store::webhooks::{self as store, Attempt, Due};
use crate::store::{Db, StoreError, now};

/// A claimed delivery is not taken by another worker for this long.
const LEASE_SECS: i64 = 120;
/// Polling interval when nothing wakes the worker (retries coming due).
const POLL: Duration = Duration::from_secs(1);
/// Longest wait between two attempts.
const MAX_BACKOFF_SECS: i64 = 6 * 3600;
/// How much of an endpoint's answer the log keeps.
const RESPONSE_BYTES: usize = 1024;

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub policy: Policy,
    /// Delay before the second attempt; it doubles each time.
    pub retry_base_secs: i64,
    pub max_attempts: i64,
    pub timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            policy: Policy::default(),
            retry_base_secs: 30,
            max_attempts: 8,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Resolves names, keeping public addresses only (unless allowed).
struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| allow || is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "{} resolves to no public address; webhooks go to public addresses only",
                    name.as_str()
                )
                .into());
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

pub struct Deliverer {
    db: Db,
    client: reqwest::Client,
    settings: Settings,
}

/// What one attempt gave.
struct Outcome {
    status: Option<u16>,
    response: Option<String>,
    error: Option<String>,
}

impl Deliverer {
    pub fn new(db: Db, settings: Settings) -> Result<Deliverer, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("Frontdesk-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: settings.policy.allow_private,
            }))
            .build()?;
        Ok(Deliverer {
            db,
            client,
            settings,
        })
    }

    /// The delay before attempt `attempts + 1`.
    pub fn backoff(&self, attempts: i64) -> i64 {
        let exp = attempts.clamp(0, 20) as u32;
        self.settings
            .retry_base_secs
            .max(1)
            .saturating_mul(2i64.saturating_pow(exp))
            .min(MAX_BACKOFF_SECS)
    }

    /// Delivers what is due now; returns how many were delivered.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let due = store::claim_due(&self.db, now(), 10, LEASE_SECS).await?;
        let mut delivered = 0;
        for d in due {
            let out = self.attempt(&d).await;
            let ok = out.status.is_some_and(|s| (200..300).contains(&s));
            let attempts = d.attempts + 1;
            // 410 Gone: the receiver says it will never take it.
            let retry = (!ok && out.status != Some(410) && attempts < self.settings.max_attempts)
                .then(|| now() + self.backoff(d.attempts));
            if ok {
                delivered += 1;
            } else if retry.is_none() {
                tracing::warn!(delivery = d.id, url = %d.url, "webhook delivery given up after {attempts} attempts");
            }
            crate::metrics::webhook_attempt(ok);
            store::record(
                &self.db,
                d.id,
                &Attempt {
                    status: out.status.map(i64::from),
                    error: out.error.as_deref(),
                    response: out.response.as_deref(),
                    delivered: ok,
                    retry_at: retry,
                    now: now(),
                },
            )
            .await?;
        }
        Ok(delivered)
    }

    async fn attempt(&self, d: &Due) -> Outcome {
        let failed = |e: String| Outcome {
            status: None,
            response: None,
            error: Some(e),
        };
        // Checked again: the configuration may have changed since.
        let url = match check_url(&d.url, self.settings.policy) {
            Ok(u) => u,
            Err(e) => return failed(e.to_string()),
        };
        let t = now();
        let sent = self
            .client
            .post(url)
            .header("Content-Type", "application/json")
            .header("X-Frontdesk-Event", &d.event)
            .header("X-Frontdesk-Delivery", d.id.to_string())
            .header(signature::HEADER, signature::sign(&d.secret, t, &d.payload))
            .body(d.payload.clone())
            .send()
            .await;
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) => return failed(describe(&e)),
        };
        let status = resp.status().as_u16();
        let mut bytes = Vec::new();
        while bytes.len() < RESPONSE_BYTES {
            match resp.chunk().await {
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                _ => break,
            }
        }
        bytes.truncate(RESPONSE_BYTES);
        Outcome {
            status: Some(status),
            response: Some(String::from_utf8_lossy(&bytes).into_owned()),
            error: (!(200..300).contains(&status))
                .then(|| format!("the endpoint answered {status}")),
        }
    }

    /// Runs until the process ends: on each wake-up or every second.
    pub async fn run(self, wakeup: Arc<Notify>) {
        loop {
            if let Err(e) = self.run_once().await {
                tracing::error!("webhook deliveries: {e}");
            }
            tokio::select! {
                _ = wakeup.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }
}

/// A client error with its causes (reqwest's own message says little).
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use reqwest::dns::Resolve;

    use super::*;

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_unless_allowed() {
        let name = || reqwest::dns::Name::from_str("localhost").expect("name");
        let strict = GuardedResolver {
            allow_private: false,
        };
        let err = match strict.resolve(name()).await {
            Ok(_) => panic!("localhost resolved"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("no public address"), "{err}");
        let open = GuardedResolver {
            allow_private: true,
        };
        let found: Vec<SocketAddr> = open.resolve(name()).await.expect("resolves").collect();
        assert!(found.iter().all(|a| a.ip().is_loopback()), "{found:?}");
    }

    #[tokio::test]
    async fn backoff_doubles_up_to_its_ceiling() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::store::open(&dir.path().join("t.db"))
            .await
            .expect("db");
        let d = Deliverer::new(db, Settings::default()).expect("client");
        assert_eq!(
            (0..4).map(|a| d.backoff(a)).collect::<Vec<_>>(),
            [30, 60, 120, 240]
        );
        assert_eq!(d.backoff(40), MAX_BACKOFF_SECS);
    }
}
