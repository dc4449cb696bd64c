//! Webhooks against a real receiver: deliveries are signed (checked here
//! with HMAC-SHA256 computed independently), retried with backoff until
//! the receiver takes them, given up after the last attempt, logged with
//! the receiver's answers; only subscribed events are sent; a test event
//! on demand; endpoints on private addresses refused unless allowed.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use common::TestApp;
use common::who::Who;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

#[derive(Clone, Debug)]
struct Received {
    path: String,
    signature: String,
    event: String,
    delivery: String,
    body: String,
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    /// Statuses to answer per path, in turn; 200 once they run out.
    script: Arc<Mutex<HashMap<String, Vec<u16>>>>,
}

async fn hook(
    State(r): State<Receiver>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let h = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    r.got.lock().expect("lock").push(Received {
        path: path.clone(),
        signature: h("x-frontdesk-signature"),
        event: h("x-frontdesk-event"),
        delivery: h("x-frontdesk-delivery"),
        body,
    });
    let status = {
        let mut script = r.script.lock().expect("lock");
        match script.get_mut(&path) {
            Some(list) if !list.is_empty() => list.remove(0),
            _ => 200,
        }
    };
    (
        StatusCode::from_u16(status).expect("status"),
        format!("receiver says {status}"),
    )
}

async fn receiver(script: &[(&str, Vec<u16>)]) -> (Receiver, String) {
    let r = Receiver::default();
    for (path, statuses) in script {
        r.script
            .lock()
            .expect("lock")
            .insert(path.to_string(), statuses.clone());
    }
    let app = axum::Router::new()
        .route("/{path}", axum::routing::post(hook))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (r, base)
}

/// The signature a receiver expects, computed here from the definition.
fn expected(secret: &str, t: &str, body: &str) -> String {
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    m.update(format!("{t}.{body}").as_bytes());
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn check_signature(secret: &str, got: &Received) {
    let parts: HashMap<&str, &str> = got
        .signature
        .split(',')
        .filter_map(|p| p.split_once('='))
        .collect();
    let t = parts.get("t").expect("t=");
    assert_eq!(
        parts.get("v1"),
        Some(&expected(secret, t, &got.body).as_str())
    );
    let sent: i64 = t.parse().expect("unix time");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!((now - sent).abs() < 300, "a fresh timestamp");
}

async fn wait_for(r: &Receiver, what: impl Fn(&[Received]) -> bool) -> Vec<Received> {
    for _ in 0..200 {
        let got = r.got.lock().expect("lock").clone();
        if what(&got) {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = r.got.lock().expect("lock").clone();
    panic!("the receiver never got what was expected: {got:#?}");
}

const ALLOWED: &str = "demo_activity = false\n[webhooks]\nallow_private = true\nretry_base_secs = 1\nmax_attempts = 3\n";

async fn register(app: &TestApp, admin: &Who, url: &str, events: &[&str]) -> (String, String) {
    let (status, v) = admin
        .post(
            app,
            "/api/admin/webhooks",
            json!({ "url": url, "events": events }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    (
        v["id"].as_str().expect("id").to_string(),
        v["secret"].as_str().expect("secret").to_string(),
    )
}

#[tokio::test]
async fn events_are_signed_retried_logged_and_only_the_subscribed_ones_sent() {
    let (rx, base) = receiver(&[("flaky", vec![500, 503]), ("down", vec![500; 10])]).await;
    let app = TestApp::spawn_demo(ALLOWED).await;
    let admin = Who::login(&app, "admin@demo.test").await;
    let user = Who::login(&app, "user@demo.test").await;
    let op = Who::login(&app, "operator@demo.test").await;

    let (flaky, secret) = register(
        &app,
        &admin,
        &format!("{base}/flaky"),
        &[
            "ticket.created",
            "ticket.replied",
            "bot.escalated",
            "feedback.created",
        ],
    )
    .await;
    assert!(secret.starts_with("whsec_") && secret.len() > 40);
    let (down, _) = register(&app, &admin, &format!("{base}/down"), &["ticket.created"]).await;
    let (_, list) = admin.get(&app, "/api/admin/webhooks").await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert!(
        !list.to_string().contains(&secret),
        "the secret is shown once"
    );

    // A ticket: refused twice by the flaky receiver, then taken.
    let number = user.open_ticket(&app, "Webhook ticket").await;
    let got = wait_for(&rx, |g| {
        g.iter()
            .filter(|r| r.path == "flaky" && r.event == "ticket.created")
            .count()
            >= 3
    })
    .await;
    let tries: Vec<&Received> = got
        .iter()
        .filter(|r| r.path == "flaky" && r.event == "ticket.created")
        .collect();
    assert_eq!(tries.len(), 3, "two refusals, then delivered: {tries:#?}");
    for t in &tries {
        check_signature(&secret, t);
        assert_eq!(t.delivery, tries[0].delivery, "one delivery, retried");
        assert_eq!(t.body, tries[0].body, "the same event each time");
    }
    let body: Value = serde_json::from_str(&tries[0].body).expect("JSON");
    assert_eq!(body["type"], "ticket.created");
    assert_eq!(body["data"]["ticket"]["number"], number);
    assert_eq!(body["data"]["ticket"]["summary"], "Webhook ticket");
    assert!(body["id"].as_str().is_some_and(|i| i.starts_with("evt_")));

    let (status, log) = admin
        .get(&app, &format!("/api/admin/webhooks/{flaky}/deliveries"))
        .await;
    assert_eq!(status, 200);
    let first = log
        .as_array()
        .and_then(|l| l.iter().find(|d| d["event"] == "ticket.created"))
        .expect("logged");
    assert_eq!(first["state"], "delivered", "{first}");
    assert_eq!(first["attempts"], 3);
    assert_eq!(first["last_status"], 200);
    assert_eq!(first["last_response"], "receiver says 200");

    // The endpoint that is always down is given up after three attempts.
    let mut failed = Value::Null;
    for _ in 0..150 {
        let (_, log) = admin
            .get(&app, &format!("/api/admin/webhooks/{down}/deliveries"))
            .await;
        if log[0]["state"] == "failed" {
            failed = log[0].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["attempts"], 3);
    assert_eq!(failed["last_status"], 500);
    assert_eq!(failed["last_error"], "the endpoint answered 500");
    let down_tries = rx
        .got
        .lock()
        .expect("lock")
        .iter()
        .filter(|r| r.path == "down")
        .count();
    assert_eq!(down_tries, 3, "no fourth attempt");

    // A public reply is sent; an internal note and a status change (not
    // subscribed) are not.
    let reply = reqwest::multipart::Form::new().text("body", "We are on it.");
    let (status, _) = op
        .multipart(&app, &format!("/api/tickets/{number}/replies"), reply)
        .await;
    assert!(status < 300);
    let note = reqwest::multipart::Form::new()
        .text("body", "secret internal note")
        .text("internal", "true");
    op.multipart(&app, &format!("/api/tickets/{number}/replies"), note)
        .await;
    let (status, _) = op.status(&app, number, "in_analysis").await;
    assert!(status < 300 || status == 409, "{status}");

    // The bot hands a question over; the user votes the answer down.
    let answer = app
        .ask_question("Can you refund the invoice you charged me twice last month?")
        .await;
    assert_eq!(answer["escalate"], true, "{answer}");
    let vote = json!({ "conversation_id": answer["conversation_id"], "conversation_key": answer["conversation_key"], "message_id": answer["message_id"], "helpful": false, "comment": "not what I asked" });
    let r = reqwest::Client::new()
        .post(app.url("/api/bot/feedback"))
        .json(&vote)
        .send()
        .await
        .expect("vote");
    assert_eq!(r.status(), 204);

    // A test event on demand.
    let (status, v) = admin
        .post(
            &app,
            &format!("/api/admin/webhooks/{flaky}/test"),
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{v}");

    let got = wait_for(&rx, |g| {
        [
            "ticket.replied",
            "bot.escalated",
            "feedback.created",
            "webhook.test",
        ]
        .iter()
        .all(|e| g.iter().any(|r| r.path == "flaky" && r.event == *e))
    })
    .await;
    let of = |e: &str| -> Value {
        let r = got
            .iter()
            .find(|r| r.path == "flaky" && r.event == e)
            .expect("event");
        check_signature(&secret, r);
        serde_json::from_str(&r.body).expect("JSON")
    };
    assert_eq!(
        of("ticket.replied")["data"]["reply"]["body"],
        "We are on it."
    );
    assert_eq!(of("ticket.replied")["data"]["reply"]["by"], "operator");
    let escalated = of("bot.escalated");
    assert_eq!(
        escalated["data"]["conversation_id"],
        answer["conversation_id"]
    );
    assert_eq!(
        escalated["data"]["question"],
        "Can you refund the invoice you charged me twice last month?"
    );
    let fb = of("feedback.created");
    assert_eq!(
        (fb["data"]["on"].clone(), fb["data"]["helpful"].clone()),
        (json!("answer"), json!(false))
    );
    assert_eq!(of("webhook.test")["type"], "webhook.test");
    // Settle a moment: nothing unsubscribed arrives meanwhile.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let all = rx.got.lock().expect("lock").clone();
    assert!(
        !all.iter().any(|r| r.event == "ticket.status_changed"),
        "not subscribed"
    );
    assert!(!all.iter().any(|r| r.body.contains("secret internal note")));
    let replies = all
        .iter()
        .filter(|r| r.path == "flaky" && r.event == "ticket.replied")
        .count();
    assert_eq!(replies, 1, "the internal note is not a reply");

    // Removed: nothing more is sent to it.
    let r = admin
        .auth(
            admin
                .client
                .delete(app.url(&format!("/api/admin/webhooks/{down}"))),
        )
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    let (status, _) = admin
        .get(&app, &format!("/api/admin/webhooks/{down}/deliveries"))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn endpoints_on_private_addresses_and_bad_requests_are_refused() {
    let app = TestApp::spawn_demo("").await;
    let admin = Who::login(&app, "admin@demo.test").await;
    for url in [
        "https://127.0.0.1/hook",
        "https://10.0.0.8/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]:8443/hook",
        "https://localhost/hook",
        "https://intranet.internal/hook",
    ] {
        let (status, v) = admin
            .post(
                &app,
                "/api/admin/webhooks",
                json!({ "url": url, "events": ["ticket.created"] }),
            )
            .await;
        assert_eq!(
            (status, v["field"].as_str()),
            (400, Some("url")),
            "{url}: {v}"
        );
        assert!(
            v["message"].as_str().is_some_and(|m| m.contains("public")),
            "{v}"
        );
    }
    let bad = [
        json!({ "url": "http://hooks.example.com/x", "events": ["ticket.created"] }),
        json!({ "url": "https://hooks.example.com/x", "events": [] }),
        json!({ "url": "https://hooks.example.com/x", "events": ["ticket.deleted"] }),
        json!({ "url": "not a url", "events": ["ticket.created"] }),
        json!({ "url": "https://hooks.example.com/x" }),
        json!({ "url": "https://hooks.example.com/x", "events": ["ticket.created"], "extra": 1 }),
    ];
    for body in bad {
        let (status, v) = admin.post(&app, "/api/admin/webhooks", body.clone()).await;
        assert_eq!(status, 400, "{body}: {v}");
    }
    let op = Who::login(&app, "operator@demo.test").await;
    let (status, _) = op
        .post(
            &app,
            "/api/admin/webhooks",
            json!({ "url": "https://hooks.example.com/x", "events": ["ticket.created"] }),
        )
        .await;
    assert_eq!(status, 403);
    let (_, list) = admin.get(&app, "/api/admin/webhooks").await;
    assert_eq!(list, json!([]), "nothing was registered");
    let (status, _) = admin
        .post(&app, "/api/admin/webhooks/nope/test", json!({}))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn metrics_are_off_by_default_and_need_their_token() {
    let app = TestApp::spawn_demo("").await;
    let (status, _) = app.get_text("/metrics").await;
    assert_eq!(status, 404);

    let token = "metrics-token-0123456789";
    let app = TestApp::spawn_demo(&format!("metrics_token = \"{token}\"")).await;
    let (status, _) = app.get_text("/metrics").await;
    assert_eq!(status, 401);
    let wrong = reqwest::Client::new()
        .get(app.url("/metrics"))
        .bearer_auth("metrics-token-wrong-wrong")
        .send()
        .await
        .expect("metrics");
    assert_eq!(wrong.status(), 401);
    let answer = app
        .ask_question("Can you refund the invoice you charged me twice last month?")
        .await;
    assert_eq!(answer["escalate"], true);
    app.get("/help").await;
    let r = reqwest::Client::new()
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .expect("metrics");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain; version=0.0.4"))
    );
    let text = r.text().await.expect("text");
    let value = |line_start: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(line_start))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {line_start} in\n{text}"))
    };
    assert!(
        value(
            "frontdesk_http_requests_total{method=\"POST\",route=\"/api/bot/ask\",status=\"200\"}"
        ) >= 1.0
    );
    assert!(
        value("frontdesk_http_requests_total{method=\"GET\",route=\"/help\",status=\"200\"}")
            >= 1.0
    );
    assert!(value("frontdesk_http_request_duration_seconds_count{route=\"/api/bot/ask\"}") >= 1.0);
    assert!(value("frontdesk_bot_asks_total{outcome=\"escalated\"}") >= 1.0);
    assert!(value("frontdesk_queue_depth{queue=\"webhook\",state=\"pending\"}") >= 0.0);
    assert!(value("frontdesk_db_pool_connections{state=\"idle\"}") >= 0.0);
    assert!(value("frontdesk_websocket_connections") >= 0.0);
    assert!(!text.contains("route=\"/help/en"), "routes, not raw paths");
}
