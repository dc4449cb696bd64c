//! Operations metrics, counted where things happen and read at
//! `GET /metrics` in Prometheus's text format. One process-wide registry:
//! counting is a few atomic additions, with no effect on what is counted.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_seconds: HistogramVec,
    bot_asks: IntCounterVec,
    embedding_seconds: HistogramVec,
    websockets: IntGauge,
    chat_messages: IntCounterVec,
    webhook_attempts: IntCounterVec,
    /// Set at each scrape from the database.
    queues: IntGaugeVec,
    pool: IntGaugeVec,
}

/// Registers a collector made from valid constant options (a failure here
/// is a programming error caught by the unit test below, not input).
fn register<C: prometheus::core::Collector + Clone + 'static>(r: &Registry, c: C) -> C {
    if let Err(e) = r.register(Box::new(c.clone())) {
        tracing::error!("metric not registered: {e}");
    }
    c
}

const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

static METRICS: LazyLock<Option<Metrics>> = LazyLock::new(|| {
    let r = Registry::new_custom(Some("frontdesk".into()), None).ok()?;
    let counter = |name: &str, help: &str, labels: &[&str]| {
        IntCounterVec::new(Opts::new(name, help), labels)
            .ok()
            .map(|c| register(&r, c))
    };
    let histogram = |name: &str, help: &str, labels: &[&str]| {
        HistogramVec::new(
            HistogramOpts::new(name, help).buckets(LATENCY_BUCKETS.to_vec()),
            labels,
        )
        .ok()
        .map(|h| register(&r, h))
    };
    let gauges = |name: &str, help: &str, labels: &[&str]| {
        IntGaugeVec::new(Opts::new(name, help), labels)
            .ok()
            .map(|g| register(&r, g))
    };
    Some(Metrics {
        http_requests: counter(
            "http_requests_total",
            "HTTP requests by route, method and status.",
            &["route", "method", "status"],
        )?,
        http_seconds: histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route.",
            &["route"],
        )?,
        bot_asks: counter(
            "bot_asks_total",
            "Questions the bot answered or escalated.",
            &["outcome"],
        )?,
        embedding_seconds: histogram(
            "embedding_duration_seconds",
            "Time to embed a question with the model.",
            &["what"],
        )?,
        websockets: register(
            &r,
            IntGauge::new(
                "websocket_connections",
                "Open live-chat WebSocket connections.",
            )
            .ok()?,
        ),
        chat_messages: counter(
            "chat_messages_total",
            "Live-chat messages stored, by sender role.",
            &["sender"],
        )?,
        webhook_attempts: counter(
            "webhook_attempts_total",
            "Webhook delivery attempts by result.",
            &["result"],
        )?,
        queues: gauges(
            "queue_depth",
            "Outgoing work waiting or given up: emails and webhook deliveries.",
            &["queue", "state"],
        )?,
        pool: gauges(
            "db_pool_connections",
            "Database connections of the pool, idle or in use.",
            &["state"],
        )?,
        registry: r,
    })
});

fn with(f: impl FnOnce(&Metrics)) {
    if let Some(m) = METRICS.as_ref() {
        f(m);
    }
}

/// One answered HTTP request. `route` is the matched route's pattern
/// (`/api/tickets/{number}`), never the raw path: bounded label values.
pub fn http_request(route: &str, method: &str, status: u16, took: Duration) {
    with(|m| {
        m.http_requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        m.http_seconds
            .with_label_values(&[route])
            .observe(took.as_secs_f64());
    });
}

pub fn bot_ask(escalated: bool) {
    with(|m| {
        m.bot_asks
            .with_label_values(&[if escalated { "escalated" } else { "answered" }])
            .inc()
    });
}

pub fn embedding(took: Duration) {
    with(|m| {
        m.embedding_seconds
            .with_label_values(&["question"])
            .observe(took.as_secs_f64())
    });
}

/// Counts an open WebSocket until the guard is dropped.
pub fn websocket_open() -> WebSocketGuard {
    with(|m| m.websockets.inc());
    WebSocketGuard(())
}

pub struct WebSocketGuard(());

impl Drop for WebSocketGuard {
    fn drop(&mut self) {
        with(|m| m.websockets.dec());
    }
}

pub fn chat_messages(sender: &str, n: u64) {
    with(|m| m.chat_messages.with_label_values(&[sender]).inc_by(n));
}

pub fn webhook_attempt(delivered: bool) {
    with(|m| {
        m.webhook_attempts
            .with_label_values(&[if delivered { "delivered" } else { "failed" }])
            .inc()
    });
}

/// What is read from the database at each scrape.
pub struct Snapshot {
    pub outbox_pending: i64,
    pub outbox_failed: i64,
    pub webhooks_pending: i64,
    pub webhooks_failed: i64,
    pub pool_idle: i64,
    pub pool_used: i64,
}

/// Everything in Prometheus's text format.
pub fn render(s: &Snapshot) -> String {
    let Some(m) = METRICS.as_ref() else {
        return String::new();
    };
    for (queue, state, v) in [
        ("email", "pending", s.outbox_pending),
        ("email", "failed", s.outbox_failed),
        ("webhook", "pending", s.webhooks_pending),
        ("webhook", "failed", s.webhooks_failed),
    ] {
        m.queues.with_label_values(&[queue, state]).set(v);
    }
    m.pool.with_label_values(&["idle"]).set(s.pool_idle);
    m.pool.with_label_values(&["used"]).set(s.pool_used);
    let mut out = Vec::new();
    if let Err(e) = TextEncoder::new().encode(&m.registry.gather(), &mut out) {
        tracing::error!("encoding the metrics: {e}");
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_registers_and_renders() {
        assert!(METRICS.is_some(), "a metric's options are invalid");
        http_request("/api/ask", "POST", 200, Duration::from_millis(3));
        bot_ask(true);
        let text = render(&Snapshot {
            outbox_pending: 2,
            outbox_failed: 0,
            webhooks_pending: 1,
            webhooks_failed: 3,
            pool_idle: 4,
            pool_used: 1,
        });
        assert!(text.contains(
            "frontdesk_http_requests_total{method=\"POST\",route=\"/api/ask\",status=\"200\"}"
        ));
        assert!(text.contains(
            "frontdesk_http_request_duration_seconds_bucket{route=\"/api/ask\",le=\"0.005\"}"
        ));
        assert!(text.contains("frontdesk_bot_asks_total{outcome=\"escalated\"}"));
        assert!(text.contains("frontdesk_queue_depth{queue=\"webhook\",state=\"failed\"} 3"));
        assert!(text.contains("frontdesk_db_pool_connections{state=\"idle\"} 4"));
    }
}
