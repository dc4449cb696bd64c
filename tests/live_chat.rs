//! Live chat over real WebSockets (tokio-tungstenite clients against the
//! running server): persistence before acknowledgement, order, no loss or
//! duplicates across a dropped connection and a server restart, and the
//! refusals (other users, malformed and oversized frames).

mod common;

use common::TestApp;
use common::live::{active_chat, api, connect, login, next, next_of, send};
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test]
async fn messages_are_acked_delivered_in_order_and_resumed_after_a_drop() {
    let app = TestApp::spawn_demo("").await;
    let (user, op, chat) = active_chat(&app).await;
    let mut u = connect(&app, "/ws/widget", Some(&user.0)).await;
    let mut o = connect(&app, "/ws/console", Some(&op.0)).await;
    send(&mut u, json!({ "type": "subscribe", "chat_id": chat })).await;
    next_of(&mut u, "subscribed").await;
    send(
        &mut o,
        json!({ "type": "subscribe", "chat_id": chat, "after": 0 }),
    )
    .await;
    next_of(&mut o, "subscribed").await;

    let mut ids = Vec::new();
    for i in 0..3 {
        send(&mut u, json!({ "type": "message", "chat_id": chat, "client_id": format!("c{i}"), "text": format!("hello {i}") })).await;
        let ack = next_of(&mut u, "ack").await;
        assert_eq!(ack["client_id"], format!("c{i}"));
        ids.push(ack["id"].as_i64().expect("id"));
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    for (i, id) in ids.iter().enumerate() {
        let m = next_of(&mut o, "message").await;
        assert_eq!(
            (m["text"].as_str(), m["id"].as_i64()),
            (Some(format!("hello {i}").as_str()), Some(*id))
        );
        assert_eq!(m["sender"], "Uma User");
    }
    // A resend after a lost ack is recognised, not stored twice.
    send(
        &mut u,
        json!({ "type": "message", "chat_id": chat, "client_id": "c2", "text": "hello 2" }),
    )
    .await;
    assert_eq!(next_of(&mut u, "ack").await["id"].as_i64(), Some(ids[2]));
    // Typing and read receipts reach the other side.
    send(&mut u, json!({ "type": "typing", "chat_id": chat })).await;
    let mut saw_typing = false;
    for _ in 0..5 {
        let v = next(&mut o).await.expect("event");
        if v["type"] == "typing" {
            saw_typing = true;
            break;
        }
    }
    assert!(saw_typing);
    send(
        &mut o,
        json!({ "type": "read", "chat_id": chat, "up_to": ids[2] }),
    )
    .await;
    assert_eq!(
        next_of(&mut u, "read").await["up_to"].as_i64(),
        Some(ids[2])
    );

    // The operator's connection drops; the user goes on writing.
    drop(o);
    for i in 3..5 {
        send(&mut u, json!({ "type": "message", "chat_id": chat, "client_id": format!("c{i}"), "text": format!("hello {i}") })).await;
        next_of(&mut u, "ack").await;
    }
    let mut o = connect(&app, "/ws/console", Some(&op.0)).await;
    send(
        &mut o,
        json!({ "type": "subscribe", "chat_id": chat, "after": ids[2] }),
    )
    .await;
    let a = next_of(&mut o, "message").await;
    let b = next_of(&mut o, "message").await;
    assert_eq!(
        (a["text"].as_str(), b["text"].as_str()),
        (Some("hello 3"), Some("hello 4"))
    );
    let s = next_of(&mut o, "subscribed").await;
    assert_eq!(s["last_id"], b["id"]);
    // And live again after the backlog.
    send(
        &mut u,
        json!({ "type": "message", "chat_id": chat, "client_id": "c5", "text": "hello 5" }),
    )
    .await;
    assert_eq!(next_of(&mut o, "message").await["text"], "hello 5");
    // The user ends the chat: both sides are told, by a stored system message.
    let (status, _) = api(
        &app,
        &user,
        reqwest::Method::POST,
        &format!("/api/chats/{chat}/end"),
        json!({}),
    )
    .await;
    assert_eq!(status, 204);
    let notice = next_of(&mut o, "message").await;
    assert_eq!(
        (notice["kind"].as_str(), notice["text"].as_str()),
        (Some("system"), Some("The chat has ended."))
    );
    assert_eq!(next_of(&mut o, "ended").await["reason"], "user");
    // Nothing more can be said in it.
    send(
        &mut u,
        json!({ "type": "message", "chat_id": chat, "client_id": "c6", "text": "still there?" }),
    )
    .await;
    assert_eq!(next_of(&mut u, "error").await["code"], "chat_over");
    // The user reviews the chat later in the portal.
    let page = reqwest::Client::new()
        .get(app.url("/portal/chats"))
        .header("Cookie", &user.0)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(
        page.contains("Uma User: hello 0") && page.contains("The chat has ended."),
        "{page}"
    );
    assert!(page.contains("with Oscar Operator"));
}

#[tokio::test]
async fn nothing_is_lost_across_a_server_restart() {
    let mut app = TestApp::spawn_demo("").await;
    let (user, op, chat) = active_chat(&app).await;
    let mut u = connect(&app, "/ws/widget", Some(&user.0)).await;
    send(&mut u, json!({ "type": "subscribe", "chat_id": chat })).await;
    next_of(&mut u, "subscribed").await;
    for i in 0..3 {
        send(&mut u, json!({ "type": "message", "chat_id": chat, "client_id": format!("r{i}"), "text": format!("before {i}") })).await;
        next_of(&mut u, "ack").await;
    }
    app.restart().await;
    // The old connection is gone (after the events it had already received,
    // its own messages among them); sessions and messages are not.
    let mut closed = false;
    for _ in 0..10 {
        if next(&mut u).await.is_none() {
            closed = true;
            break;
        }
    }
    assert!(closed, "the old connection ends with the old server");
    let mut o = connect(&app, "/ws/console", Some(&op.0)).await;
    send(
        &mut o,
        json!({ "type": "subscribe", "chat_id": chat, "after": 0 }),
    )
    .await;
    let mut texts = Vec::new();
    loop {
        let v = next(&mut o).await.expect("event");
        match v["type"].as_str() {
            Some("message") => texts.push(v["text"].as_str().unwrap_or("").to_string()),
            Some("subscribed") => break,
            _ => {}
        }
    }
    assert_eq!(texts, ["before 0", "before 1", "before 2"]);
}

#[tokio::test]
async fn strangers_malformed_and_oversized_frames_are_refused_cleanly() {
    let app = TestApp::spawn_demo("").await;
    let (_, _, chat) = active_chat(&app).await;
    // Without a session or token: nothing to join.
    let mut anon = connect(&app, "/ws/widget", None).await;
    send(&mut anon, json!({ "type": "subscribe", "chat_id": chat })).await;
    assert_eq!(
        next(&mut anon).await.expect("event")["code"],
        "unauthorized"
    );
    // A made-up visitor token.
    send(
        &mut anon,
        json!({ "type": "hello", "token": "0".repeat(32) }),
    )
    .await;
    assert_eq!(
        next(&mut anon).await.expect("event")["code"],
        "unauthorized"
    );
    // Another end user (a widget visitor confirmed by email code).
    let client = reqwest::Client::new();
    client
        .post(app.url("/api/widget/email-code"))
        .json(&json!({ "email": "stranger@example.com" }))
        .send()
        .await
        .expect("code");
    let mail = app.wait_for_email("stranger@example.com", "Subject").await;
    let code = (0..mail.len() - 6)
        .find_map(|i| {
            let w = &mail.as_bytes()[i..i + 6];
            let edge = (i == 0 || !mail.as_bytes()[i - 1].is_ascii_digit())
                && !mail.as_bytes()[i + 6].is_ascii_digit();
            (edge && w.iter().all(u8::is_ascii_digit))
                .then(|| String::from_utf8_lossy(w).to_string())
        })
        .expect("code");
    let v: Value = client
        .post(app.url("/api/widget/email-code/verify"))
        .json(&json!({ "email": "stranger@example.com", "code": code }))
        .send()
        .await
        .expect("verify")
        .json()
        .await
        .expect("json");
    send(
        &mut anon,
        json!({ "type": "hello", "token": v["visitor_token"] }),
    )
    .await;
    assert_eq!(next(&mut anon).await.expect("event")["type"], "welcome");
    send(&mut anon, json!({ "type": "subscribe", "chat_id": chat })).await;
    assert_eq!(next(&mut anon).await.expect("event")["code"], "not_found");
    send(
        &mut anon,
        json!({ "type": "message", "chat_id": chat, "client_id": "x", "text": "let me in" }),
    )
    .await;
    assert_eq!(next(&mut anon).await.expect("event")["code"], "not_found");
    // Malformed frames get an error; the connection stays usable.
    anon.send(Message::Text("{not json".into()))
        .await
        .expect("send");
    assert_eq!(next(&mut anon).await.expect("event")["code"], "malformed");
    send(&mut anon, json!({ "type": "shout" })).await;
    assert_eq!(next(&mut anon).await.expect("event")["code"], "malformed");
    send(&mut anon, json!({ "type": "ping" })).await;
    assert_eq!(next(&mut anon).await.expect("event")["type"], "pong");
    // A 1 MB frame closes the connection.
    let big = "x".repeat(1024 * 1024);
    let _ = anon.send(Message::Text(big.into())).await;
    assert!(next(&mut anon).await.is_none(), "the connection is closed");
    // The server is fine.
    assert_eq!(app.get("/healthz").await.status(), 200);
    // The console refuses end users, and pages of other sites.
    let url = format!("{}/ws/console", app.base.replacen("http://", "ws://", 1));
    assert!(
        tokio_tungstenite::connect_async(url.as_str())
            .await
            .is_err()
    );
    let op = login(&app, "operator@demo.test").await;
    let mut req = url.into_client_request().expect("request");
    req.headers_mut()
        .insert("Cookie", op.0.parse().expect("header"));
    req.headers_mut()
        .insert("Origin", "https://evil.example".parse().expect("header"));
    assert!(tokio_tungstenite::connect_async(req).await.is_err());
}
