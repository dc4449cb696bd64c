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

#[tokio::test]
async fn internal_notes_reach_operators_only_and_stay_on_the_ticket_as_internal_notes() {
    let app = TestApp::spawn_demo("").await;
    let (user, op, chat) = active_chat(&app).await;
    let mut u = connect(&app, "/ws/widget", Some(&user.0)).await;
    let mut o = connect(&app, "/ws/console", Some(&op.0)).await;
    for s in [&mut u, &mut o] {
        send(
            s,
            json!({ "type": "subscribe", "chat_id": chat, "after": 0 }),
        )
        .await;
        next_of(s, "subscribed").await;
    }
    let note = "She is on the old plan: check the invoice first";
    send(&mut o, json!({ "type": "message", "chat_id": chat, "client_id": "n1", "text": note, "internal": true })).await;
    assert!(next_of(&mut o, "ack").await["id"].as_i64().is_some());
    send(&mut o, json!({ "type": "message", "chat_id": chat, "client_id": "m1", "text": "Let me look at that" })).await;
    // The operator's side gets both, the note marked; the user only the reply.
    let first = next_of(&mut o, "message").await;
    assert_eq!(
        (first["text"].as_str(), first["internal"].as_bool()),
        (Some(note), Some(true))
    );
    assert_eq!(next_of(&mut o, "message").await["internal"], false);
    let seen = next_of(&mut u, "message").await;
    assert_eq!(seen["text"], "Let me look at that");
    // A user cannot write notes.
    send(&mut u, json!({ "type": "message", "chat_id": chat, "client_id": "u1", "text": "sneaky", "internal": true })).await;
    assert_eq!(next_of(&mut u, "error").await["code"], "forbidden");
    // Nor read them: not in a fresh backlog, not through the API.
    let mut again = connect(&app, "/ws/widget", Some(&user.0)).await;
    send(
        &mut again,
        json!({ "type": "subscribe", "chat_id": chat, "after": 0 }),
    )
    .await;
    loop {
        let v = next(&mut again).await.expect("event");
        assert_ne!(v["text"], note, "a note in the user's backlog");
        if v["type"] == "subscribed" {
            break;
        }
    }
    let path = format!("/api/chats/{chat}/messages");
    let (_, mine) = api(&app, &user, reqwest::Method::GET, &path, Value::Null).await;
    let (_, staff) = api(&app, &op, reqwest::Method::GET, &path, Value::Null).await;
    let texts = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .filter_map(|m| m["text"].as_str().map(String::from))
            .collect()
    };
    assert!(!texts(&mine).contains(&note.to_string()), "{mine}");
    assert!(texts(&staff).contains(&note.to_string()), "{staff}");

    // Ended, the chat's ticket keeps the note as an internal note, out of
    // the transcript and out of the requester's view.
    let (status, _) = api(
        &app,
        &op,
        reqwest::Method::POST,
        &format!("/api/chats/{chat}/end"),
        json!({}),
    )
    .await;
    assert_eq!(status, 204);
    let (_, details) = api(
        &app,
        &op,
        reqwest::Method::GET,
        &format!("/api/chats/{chat}"),
        Value::Null,
    )
    .await;
    let number = details["context"]["ticket_number"]
        .as_i64()
        .expect("a ticket");
    let ticket = format!("/api/tickets/{number}");
    let (_, for_staff) = api(&app, &op, reqwest::Method::GET, &ticket, Value::Null).await;
    let events = for_staff["events"].as_array().expect("events");
    let notes: Vec<&Value> = events
        .iter()
        .filter(|e| e["body"].as_str().is_some_and(|b| b.contains(note)))
        .collect();
    assert_eq!(notes.len(), 1, "one copy of the note: {for_staff}");
    assert_eq!(
        (notes[0]["kind"].as_str(), notes[0]["public"].as_bool()),
        (Some("note"), Some(false))
    );
    let (status, for_user) = api(&app, &user, reqwest::Method::GET, &ticket, Value::Null).await;
    assert_eq!(status, 200);
    assert!(!for_user.to_string().contains("old plan"), "{for_user}");
    assert!(
        for_user.to_string().contains("Let me look at that"),
        "transcript: {for_user}"
    );
}

#[tokio::test]
async fn saved_replies_are_shared_per_team_and_filled_in_for_the_chat() {
    use reqwest::Method as M;
    let app = TestApp::spawn_demo("").await;
    let (user, op, chat) = active_chat(&app).await;
    let admin = login(&app, "admin@demo.test").await;
    let (status, hello) = api(
        &app,
        &op,
        M::POST,
        "/api/canned-responses",
        json!({
            "shortcut": "/hello",
            "text": "Hi {{user.first_name}}, {{ operator.name }} here. About {{ticket.number}}…"
        }),
    )
    .await;
    assert_eq!(status, 201, "{hello}");
    assert_eq!(
        (hello["shortcut"].as_str(), &hello["team"]),
        (Some("hello"), &Value::Null)
    );
    // Bad input is refused with the field at fault; a taken shortcut too.
    for (body, field) in [
        (json!({ "shortcut": "Two Words", "text": "x" }), "shortcut"),
        (
            json!({ "shortcut": "x", "text": "Dear {{user.email}}" }),
            "text",
        ),
        (json!({ "shortcut": "x", "text": " " }), "text"),
        (
            json!({ "shortcut": "x", "text": "x", "team": "Nobody's" }),
            "team",
        ),
    ] {
        let (status, e) = api(&app, &op, M::POST, "/api/canned-responses", body).await;
        assert_eq!((status, e["field"].as_str()), (400, Some(field)), "{e}");
    }
    let (status, _) = api(
        &app,
        &op,
        M::POST,
        "/api/canned-responses",
        json!({ "shortcut": "hello", "text": "again" }),
    )
    .await;
    assert_eq!(status, 409);

    // A team's reply: its members and admins only.
    let (status, _) = api(
        &app,
        &admin,
        M::POST,
        "/api/admin/teams",
        json!({ "name": "Billing" }),
    )
    .await;
    assert_eq!(status, 201);
    let (status, refund) = api(&app, &admin, M::POST, "/api/canned-responses", json!({
        "shortcut": "refund", "text": "Refunds reach your card within 5 days.", "team": "Billing"
    })).await;
    assert_eq!(status, 201, "{refund}");
    let shortcuts = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .filter_map(|c| c["shortcut"].as_str().map(String::from))
            .collect()
    };
    let (_, mine) = api(&app, &op, M::GET, "/api/canned-responses", Value::Null).await;
    assert_eq!(shortcuts(&mine), ["hello"]);
    let refund_path = format!(
        "/api/canned-responses/{}",
        refund["id"].as_str().expect("id")
    );
    let (status, _) = api(&app, &op, M::DELETE, &refund_path, Value::Null).await;
    assert_eq!(status, 403);
    let (status, _) = api(
        &app,
        &op,
        M::POST,
        "/api/canned-responses",
        json!({ "shortcut": "mine", "text": "x", "team": "Billing" }),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = api(
        &app,
        &admin,
        M::PUT,
        "/api/admin/teams/Billing/members/operator@demo.test",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let (_, mine) = api(&app, &op, M::GET, "/api/canned-responses", Value::Null).await;
    assert_eq!(shortcuts(&mine), ["hello", "refund"]);

    // In the chat, the placeholders are the chat's user, the caller, its ticket.
    let (status, filled) = api(
        &app,
        &op,
        M::GET,
        &format!("/api/chats/{chat}/canned-responses"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{filled}");
    assert_eq!(
        filled[0]["text"],
        "Hi Uma, Oscar Operator here. About your ticket…"
    );
    let (status, _) = api(
        &app,
        &user,
        M::GET,
        &format!("/api/chats/{chat}/canned-responses"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 403, "users see no saved replies");
    let (status, _) = api(&app, &user, M::GET, "/api/canned-responses", Value::Null).await;
    assert_eq!(status, 403);

    // Edited, then deleted (twice: the second is a 404).
    let hello_path = format!(
        "/api/canned-responses/{}",
        hello["id"].as_str().expect("id")
    );
    let (status, edited) = api(
        &app,
        &op,
        M::PUT,
        &hello_path,
        json!({ "shortcut": "hi", "text": "Hello {{user.name}}!" }),
    )
    .await;
    assert_eq!(
        (status, edited["shortcut"].as_str()),
        (200, Some("hi")),
        "{edited}"
    );
    let (status, _) = api(&app, &op, M::DELETE, &hello_path, Value::Null).await;
    assert_eq!(status, 204);
    let (status, _) = api(&app, &op, M::DELETE, &hello_path, Value::Null).await;
    assert_eq!(status, 404);
    let (status, _) = api(
        &app,
        &op,
        M::DELETE,
        "/api/canned-responses/not-an-id",
        Value::Null,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn operators_find_chats_by_their_users_name_or_email_and_users_see_the_usual_wait() {
    use reqwest::Method as M;
    let app = TestApp::spawn_demo("").await;
    let (user, op, chat) = active_chat(&app).await;
    for q in ["uma", "USER%40DEMO"] {
        let (status, found) = api(
            &app,
            &op,
            M::GET,
            &format!("/api/chats/search?q={q}"),
            Value::Null,
        )
        .await;
        assert_eq!(status, 200, "{found}");
        let hit = found
            .as_array()
            .expect("list")
            .iter()
            .find(|c| c["id"] == chat.as_str())
            .cloned();
        let hit = hit.unwrap_or_else(|| panic!("{q}: {found}"));
        assert_eq!(
            (hit["user_email"].as_str(), hit["status"].as_str()),
            (Some("user@demo.test"), Some("active"))
        );
    }
    for q in ["zz-nobody", "%25%25", "u"] {
        let (status, found) = api(
            &app,
            &op,
            M::GET,
            &format!("/api/chats/search?q={q}"),
            Value::Null,
        )
        .await;
        assert_eq!(
            (status, found.as_array().map(Vec::len)),
            (200, Some(0)),
            "{q}: {found}"
        );
    }
    let (status, _) = api(&app, &op, M::GET, "/api/chats/search", Value::Null).await;
    assert_eq!(status, 400);
    let (status, _) = api(&app, &user, M::GET, "/api/chats/search?q=uma", Value::Null).await;
    assert_eq!(status, 403);

    // Three chats taken at once: the widget is told users usually wait
    // about no time at all.
    let mut current = chat.clone();
    for _ in 0..2 {
        let (status, _) = api(
            &app,
            &user,
            M::POST,
            &format!("/api/chats/{current}/end"),
            json!({}),
        )
        .await;
        assert_eq!(status, 204);
        let (status, next) = api(&app, &user, M::POST, "/api/chats", json!({})).await;
        assert_eq!(status, 201, "{next}");
        current = next["id"].as_str().expect("id").to_string();
        let (status, _) = api(
            &app,
            &op,
            M::POST,
            &format!("/api/chats/{current}/accept"),
            json!({}),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, offer) = api(&app, &user, M::GET, "/api/chats/availability", Value::Null).await;
    assert_eq!(status, 200);
    let wait = offer["typical_wait_secs"].as_i64();
    assert!(wait.is_some_and(|w| (0..=5).contains(&w)), "{offer}");
}

#[tokio::test]
async fn answers_articles_and_chats_take_one_changeable_vote_each() {
    use frontdesk::store::feedback::{Kind, on};
    use reqwest::Method as M;
    // Unlimited here: the limit has its own test below.
    let app = TestApp::spawn_demo("votes_per_minute = 0").await;
    let db = frontdesk::store::open(&app.data.path().join("frontdesk.db"))
        .await
        .expect("the server's database");
    let post = |path: &'static str, body: Value| {
        let url = app.url(path);
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .expect("post");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // A bot answer: voted on by the browser holding the conversation's key.
    let a = app
        .ask_question("How do I attach a screenshot to a ticket?")
        .await;
    let (conv, key, mid) = (
        a["conversation_id"].clone(),
        a["conversation_key"].clone(),
        a["message_id"].as_i64().expect("message_id"),
    );
    let vote = |helpful: bool, comment: Value| json!({ "conversation_id": conv, "conversation_key": key, "message_id": mid, "helpful": helpful, "comment": comment });
    assert_eq!(
        post(
            "/api/bot/feedback",
            vote(false, json!("It does not say the size limit"))
        )
        .await
        .0,
        204
    );
    assert_eq!(
        post("/api/bot/feedback", vote(true, Value::Null)).await.0,
        204
    );
    let votes = on(&db, Kind::Answer, &mid.to_string())
        .await
        .expect("votes");
    assert_eq!(votes.len(), 1, "one vote, changed: {votes:?}");
    assert_eq!(
        (votes[0].helpful, votes[0].comment.as_deref()),
        (Some(true), None)
    );
    for (body, field) in [
        (
            json!({ "conversation_id": conv, "conversation_key": "wrong", "message_id": mid, "helpful": true }),
            "conversation_id",
        ),
        (
            json!({ "conversation_id": conv, "conversation_key": key, "message_id": mid - 1, "helpful": true }),
            "message_id",
        ),
        (vote(false, json!("x".repeat(1001))), "comment"),
    ] {
        let (status, e) = post("/api/bot/feedback", body).await;
        assert_eq!((status, e["field"].as_str()), (400, Some(field)), "{e}");
    }

    // An article: an anonymous visitor by their browser's random id.
    let article = |helpful: bool, visitor: Value| json!({ "url": "/help/en/tickets/attachments#file-size-and-number-of-files", "helpful": helpful, "visitor": visitor });
    assert_eq!(
        post(
            "/api/help/feedback",
            article(true, json!("visitor-0123456789abcdef"))
        )
        .await
        .0,
        204
    );
    assert_eq!(
        post(
            "/api/help/feedback",
            article(false, json!("visitor-0123456789abcdef"))
        )
        .await
        .0,
        204
    );
    assert_eq!(
        post(
            "/api/help/feedback",
            article(true, json!("another-visitor-0123456789"))
        )
        .await
        .0,
        204
    );
    let votes = on(&db, Kind::Article, "/help/en/tickets/attachments")
        .await
        .expect("votes");
    let helpful: Vec<Option<bool>> = votes.iter().map(|v| v.helpful).collect();
    assert_eq!(helpful, [Some(false), Some(true)], "{votes:?}");
    assert!(
        votes
            .iter()
            .all(|v| v.voter.starts_with("anon:") && !v.voter.contains("0123456789"))
    );
    let (status, e) = post("/api/help/feedback", json!({ "url": "/help/en/no/such-article", "helpful": true, "visitor": "visitor-0123456789abcdef" })).await;
    assert_eq!((status, e["field"].as_str()), (400, Some("url")));
    let (status, e) = post(
        "/api/help/feedback",
        json!({ "url": "/help/en/tickets/attachments", "helpful": true }),
    )
    .await;
    assert_eq!((status, e["field"].as_str()), (400, Some("visitor")));

    // A chat: rated by its user, once it has ended.
    let (user, op, chat) = active_chat(&app).await;
    let path = format!("/api/chats/{chat}/rating");
    let (status, e) = api(&app, &user, M::POST, &path, json!({ "rating": 5 })).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (409, Some("chat_not_ended")),
        "{e}"
    );
    let (status, _) = api(
        &app,
        &user,
        M::POST,
        &format!("/api/chats/{chat}/end"),
        json!({}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = api(&app, &op, M::POST, &path, json!({ "rating": 1 })).await;
    assert_eq!(status, 403, "the operator does not rate their own chat");
    for bad in [
        json!({ "rating": 0 }),
        json!({ "rating": 6 }),
        json!({ "rating": "5" }),
    ] {
        let (status, _) = api(&app, &user, M::POST, &path, bad.clone()).await;
        assert_eq!(status, 400, "{bad}");
    }
    let (status, _) = api(
        &app,
        &user,
        M::POST,
        &path,
        json!({ "rating": 2, "comment": "slow" }),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = api(
        &app,
        &user,
        M::POST,
        &path,
        json!({ "rating": 5, "comment": "solved after all" }),
    )
    .await;
    assert_eq!(status, 204);
    let votes = on(&db, Kind::Chat, &chat).await.expect("votes");
    assert_eq!(votes.len(), 1);
    assert_eq!(
        (votes[0].rating, votes[0].comment.as_deref()),
        (Some(5), Some("solved after all"))
    );
}

#[tokio::test]
async fn votes_are_rate_limited_per_client() {
    // Six a minute: a burst of one, then a wait.
    let app = TestApp::spawn_demo("votes_per_minute = 6").await;
    let vote = || {
        reqwest::Client::new()
            .post(app.url("/api/help/feedback"))
            .json(&json!({ "url": "/help/en/tickets/attachments", "helpful": true, "visitor": "visitor-0123456789abcdef" }))
            .send()
    };
    assert_eq!(vote().await.expect("vote").status().as_u16(), 204);
    let refused = vote().await.expect("vote");
    assert_eq!(refused.status().as_u16(), 429);
    assert!(refused.headers().contains_key("retry-after"));
}
