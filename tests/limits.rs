//! Rate limits against the real server: log-in throttling (failures only,
//! per account and per client address, never a long lockout), the client
//! address behind trusted proxies, and per-client limits on the bot and the
//! widget's identification endpoints.

mod common;

use std::time::Duration;

use common::TestApp;
use common::who::PW;
use serde_json::json;

/// POST /api/session as the client `forwarded_for` (when given); returns
/// the status and the Retry-After seconds.
async fn log_in_as(
    app: &TestApp,
    forwarded_for: Option<&str>,
    email: &str,
    password: &str,
) -> (u16, Option<u64>) {
    let mut r = reqwest::Client::new()
        .post(app.url("/api/session"))
        .json(&json!({ "email": email, "password": password }));
    if let Some(f) = forwarded_for {
        r = r.header("X-Forwarded-For", f);
    }
    let r = r.send().await.expect("POST /api/session");
    let retry_after = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (r.status().as_u16(), retry_after)
}

const TRUST_LOOPBACK: &str = "trusted_proxies = [\"127.0.0.1\"]\n";

#[tokio::test]
async fn the_right_password_gets_in_soon_after_others_failures() {
    let app = TestApp::spawn_demo(TRUST_LOOPBACK).await;
    // Someone else hammers the account with wrong passwords.
    let mut attacker = Vec::new();
    for _ in 0..12 {
        attacker.push(
            log_in_as(&app, Some("198.51.100.7"), "user@demo.test", "guess")
                .await
                .0,
        );
    }
    assert!(
        attacker.contains(&429),
        "the guessing is slowed: {attacker:?}"
    );
    // The owner, from elsewhere, is let in after at most a short wait.
    let mut waited = 0;
    let status = loop {
        match log_in_as(&app, Some("203.0.113.5"), "user@demo.test", PW).await {
            (429, Some(secs)) if waited + secs <= 30 => {
                waited += secs;
                tokio::time::sleep(Duration::from_secs(secs)).await;
            }
            (status, retry_after) => break (status, retry_after),
        }
    };
    assert_eq!(status.0, 200, "{status:?} after waiting {waited} s");
    // Success forgets the account's failures: the next wrong ones are
    // plain refusals again, not waits.
    for _ in 0..3 {
        assert_eq!(
            log_in_as(&app, Some("203.0.113.5"), "user@demo.test", "typo")
                .await
                .0,
            401
        );
    }
}

#[tokio::test]
async fn successful_log_ins_never_lock_the_account() {
    let app = TestApp::spawn_demo("").await;
    for i in 0..15 {
        let (status, _) = log_in_as(&app, None, "user@demo.test", PW).await;
        assert_eq!(status, 200, "log-in {i}");
    }
}

#[tokio::test]
async fn password_spraying_from_one_address_is_refused_whatever_it_forwards() {
    // No trusted proxy: X-Forwarded-For is the client's own claim and
    // changes nothing.
    let app = TestApp::spawn_demo("").await;
    let mut statuses = Vec::new();
    for i in 0..300 {
        let forged = format!("10.0.{}.{}", i / 256, i % 256);
        let email = format!("person{i}@spray.test");
        statuses.push(
            log_in_as(&app, Some(&forged), &email, "Summer2026!")
                .await
                .0,
        );
    }
    let first = statuses.iter().position(|s| *s == 429);
    assert!(
        first.is_some_and(|f| (20..=40).contains(&f)),
        "{statuses:?}"
    );
    assert!(
        statuses[first.unwrap_or(0)..].iter().all(|s| *s == 429),
        "refused until the window ends: {statuses:?}"
    );
    // The right password of a real account is refused from this address too
    // (for the window; no password is checked meanwhile).
    assert_eq!(log_in_as(&app, None, "user@demo.test", PW).await.0, 429);
}

#[tokio::test]
async fn forwarded_for_names_the_client_only_behind_a_trusted_proxy() {
    let app = TestApp::spawn_demo(TRUST_LOOPBACK).await;
    for i in 0..30 {
        let email = format!("person{i}@spray.test");
        let (status, _) = log_in_as(&app, Some("198.51.100.7"), &email, "guess").await;
        assert_eq!(status, 401, "attempt {i}");
    }
    let sprayer = log_in_as(&app, Some("198.51.100.7"), "more@spray.test", "guess").await;
    assert_eq!(sprayer.0, 429);
    assert!(sprayer.1.is_some_and(|s| s > 0), "{sprayer:?}");
    // A forged address on the left changes nothing: the proxy appended the
    // real one on the right.
    let forged = log_in_as(
        &app,
        Some("203.0.113.9, 198.51.100.7"),
        "more@spray.test",
        "guess",
    )
    .await;
    assert_eq!(forged.0, 429);
    // Another client behind the same proxy is not affected.
    assert_eq!(
        log_in_as(&app, Some("198.51.100.8"), "more@spray.test", "guess")
            .await
            .0,
        401
    );
    assert_eq!(
        log_in_as(&app, Some("198.51.100.8"), "user@demo.test", PW)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn a_flood_of_questions_gets_429_per_client() {
    let app = TestApp::spawn_demo("asks_per_minute = 30\n").await;
    let ask = |client: reqwest::Client| {
        let url = app.url("/api/bot/ask");
        async move {
            let r = client
                .post(url)
                .json(&json!({ "question": "hello" }))
                .send()
                .await
                .expect("POST /api/bot/ask");
            let retry = r.headers().contains_key("retry-after");
            (r.status().as_u16(), retry)
        }
    };
    let anonymous = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..15 {
        statuses.push(ask(anonymous.clone()).await);
    }
    // Bursts of ten seconds' worth: 5; then the flood is refused (each
    // refusal held back a second, while the bucket refills one every 2 s).
    assert!(statuses[..5].iter().all(|s| s.0 == 200), "{statuses:?}");
    assert_eq!(statuses[5], (429, true), "{statuses:?}");
    let refused = statuses[5..].iter().filter(|s| **s == (429, true)).count();
    assert!(refused >= 6, "{statuses:?}");
    // A logged-in user has a limit of their own, not the address's.
    let (user, _) = app.log_in("user@demo.test", PW).await;
    assert_eq!(ask(user).await.0, 200);
}

#[tokio::test]
async fn floods_of_identify_and_code_checks_get_429() {
    let app = TestApp::spawn_demo("").await;
    let client = reqwest::Client::new();
    let mut identify = Vec::new();
    for i in 0..20 {
        let r = client
            .post(app.url("/api/widget/identify"))
            .json(&json!({ "user_id": format!("u{i}"), "user_hash": "0".repeat(64) }))
            .send()
            .await
            .expect("identify");
        identify.push(r.status().as_u16());
    }
    // 60 a minute, bursts of 10; wrong hashes are 403 until then.
    assert!(identify[..10].iter().all(|s| *s == 403), "{identify:?}");
    assert!(identify[10..].iter().all(|s| *s == 429), "{identify:?}");

    let mut checks = Vec::new();
    for i in 0..65 {
        let r = client
            .post(app.url("/api/widget/email-code/verify"))
            .json(&json!({ "email": format!("v{i}@example.com"), "code": "123456" }))
            .send()
            .await
            .expect("verify");
        checks.push(r.status().as_u16());
    }
    assert!(checks[..60].iter().all(|s| *s == 400), "{checks:?}");
    assert!(checks[60..].iter().all(|s| *s == 429), "{checks:?}");
}
