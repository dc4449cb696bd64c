//! Another site cannot act with our users' cookies: every state-changing
//! API call made with the log-in cookie needs the session's X-CSRF-Token,
//! every portal form its hidden token, and a WebSocket opened from another
//! site's page is not trusted with the cookie. Refused calls change
//! nothing, checked by reading everything back.

mod common;

use common::TestApp;
use common::principals::{Cast, Owned};
use common::samples;
use common::who::{PW, Who, file};
use futures_util::StreamExt;
use reqwest::Method;
use reqwest::multipart::Form;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// What a call sends.
enum Body {
    Json(Value),
    Ticket,
    Reply,
    ChatFile,
}

/// How the call carries (or fails to carry) the token.
#[derive(Clone, Copy, Debug)]
enum Token {
    Missing,
    Wrong,
    /// Another user's valid token.
    Foreign,
}

async fn call(
    app: &TestApp,
    who: &Who,
    foreign: &str,
    method: &Method,
    path: &str,
    body: &Body,
    token: Token,
) -> u16 {
    let mut r = who.client.request(method.clone(), app.url(path));
    r = match token {
        Token::Missing => r,
        Token::Wrong => r.header("X-CSRF-Token", "0123456789abcdef0123456789abcdef"),
        Token::Foreign => r.header("X-CSRF-Token", foreign),
    };
    r = match body {
        Body::Json(v) => r.json(v),
        Body::Ticket => r.multipart(
            Form::new()
                .text("type", "bug_report")
                .text("priority", "normal")
                .text("summary", "Forged ticket")
                .text("description", "made by another site"),
        ),
        Body::Reply => r.multipart(Form::new().text("body", "forged reply")),
        Body::ChatFile => r.multipart(
            Form::new()
                .text("client_id", "forged")
                .part("file", file("f.png", samples::sample("png"))),
        ),
    };
    r.send().await.expect("request").status().as_u16()
}

/// Everything the refused calls could have changed, as the owners see it.
async fn snapshot(app: &TestApp, cast: &Cast, owned: &Owned, invitation: &str) -> Value {
    let mut out = serde_json::Map::new();
    let reads: Vec<(&str, &Who, String)> = vec![
        (
            "ticket",
            &cast.operator,
            format!("/api/tickets/{}", owned.ticket),
        ),
        (
            "ticket2",
            &cast.operator,
            format!("/api/tickets/{}", owned.ticket2),
        ),
        ("tickets", &cast.operator, "/api/tickets".into()),
        ("chat", &cast.a, format!("/api/chats/{}", owned.chat)),
        (
            "messages",
            &cast.a,
            format!("/api/chats/{}/messages?after=0", owned.chat),
        ),
        ("chats", &cast.a, "/api/chats".into()),
        (
            "invitation",
            &cast.a,
            format!("/api/chat-invitations/{invitation}"),
        ),
        (
            "sent",
            &cast.operator,
            "/api/chat-invitations?sent=true".into(),
        ),
        ("account A", &cast.a, "/api/account".into()),
        ("account op", &cast.operator, "/api/account".into()),
        (
            "availability",
            &cast.operator,
            "/api/operator/availability".into(),
        ),
        ("teams", &cast.admin, "/api/admin/teams".into()),
        (
            "saved replies",
            &cast.operator,
            "/api/canned-responses".into(),
        ),
        (
            "live settings",
            &cast.admin,
            "/api/admin/live-settings".into(),
        ),
        ("session A", &cast.a, "/api/session".into()),
        ("session op", &cast.operator, "/api/session".into()),
        ("session admin", &cast.admin, "/api/session".into()),
    ];
    for (name, who, path) in reads {
        let (status, body) = who.get(app, &path).await;
        assert_eq!(status, 200, "{name}: {path}: {body}");
        out.insert(name.into(), body);
    }
    out.insert("outbox".into(), json!(app.outbox().len()));
    Value::Object(out)
}

#[tokio::test]
async fn api_calls_with_the_cookie_and_no_right_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn_demo("").await;
    let cast = Cast::new(&app).await;
    let owned = Owned::new(&app, &cast).await;
    let (status, inv) = cast
        .operator
        .post(
            &app,
            &format!("/api/tickets/{}/chat-invitations", owned.ticket2),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{inv}");
    let inv = inv["id"].as_str().expect("id").to_string();
    let (n, chat) = (owned.ticket, owned.chat.clone());
    let (status, reply) = cast
        .operator
        .post(
            &app,
            "/api/canned-responses",
            json!({ "shortcut": "hello", "text": "Hello!" }),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    let reply = reply["id"].as_str().expect("id").to_string();
    // Let the emails of the set-up reach the outbox before counting them.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let before = snapshot(&app, &cast, &owned, &inv).await;

    let (a, op, admin) = (&cast.a, &cast.operator, &cast.admin);
    let mut settings = before["live settings"].clone();
    settings["chat_enabled"] = json!(false);
    let put = Method::PUT;
    let post = Method::POST;
    let draft_edit =
        json!({ "title": "Forged", "category": "Forged", "locale": "en", "body": "forged" });
    let calls: Vec<(&Who, Method, String, Body)> = vec![
        (
            a,
            Method::DELETE,
            "/api/session".into(),
            Body::Json(json!({})),
        ),
        (
            admin,
            post.clone(),
            "/api/invitations".into(),
            Body::Json(json!({ "email": "forged@example.com" })),
        ),
        (
            a,
            post.clone(),
            "/api/password/forgot".into(),
            Body::Json(json!({ "email": "user@demo.test" })),
        ),
        (
            a,
            post.clone(),
            "/api/password/reset".into(),
            Body::Json(json!({ "token": "0".repeat(32), "password": "forged-password-1" })),
        ),
        (
            a,
            put.clone(),
            "/api/account".into(),
            Body::Json(
                json!({ "name": "Forged Name", "locale": "fr", "notify_status": false, "notify_replies": false }),
            ),
        ),
        (
            a,
            post.clone(),
            "/api/account/password".into(),
            Body::Json(json!({ "current": PW, "new": "forged-password-1" })),
        ),
        (
            a,
            post.clone(),
            "/api/widget/identify".into(),
            Body::Json(json!({ "user_id": "x", "email": "x@example.com", "user_hash": "00" })),
        ),
        (
            a,
            post.clone(),
            "/api/widget/email-code".into(),
            Body::Json(json!({ "email": "forged@example.com" })),
        ),
        (
            a,
            post.clone(),
            "/api/widget/email-code/verify".into(),
            Body::Json(json!({ "email": "forged@example.com", "code": "123456" })),
        ),
        (a, post.clone(), "/api/tickets".into(), Body::Ticket),
        (
            a,
            post.clone(),
            format!("/api/tickets/{n}/replies"),
            Body::Reply,
        ),
        (
            op,
            Method::PATCH,
            format!("/api/tickets/{n}"),
            Body::Json(json!({ "summary": "Forged summary" })),
        ),
        (
            op,
            post.clone(),
            format!("/api/tickets/{n}/status"),
            Body::Json(json!({ "status": "resolved" })),
        ),
        (
            a,
            post.clone(),
            format!("/api/tickets/{n}/status"),
            Body::Json(json!({ "status": "closed" })),
        ),
        (
            op,
            post.clone(),
            format!("/api/tickets/{n}/priority"),
            Body::Json(json!({ "priority": "urgent" })),
        ),
        (
            op,
            post.clone(),
            format!("/api/tickets/{n}/time"),
            Body::Json(json!({ "minutes": 30 })),
        ),
        (
            op,
            post.clone(),
            format!("/api/tickets/{n}/accept"),
            Body::Json(json!({})),
        ),
        (
            op,
            post.clone(),
            format!("/api/tickets/{n}/decline"),
            Body::Json(json!({})),
        ),
        (
            op,
            post.clone(),
            format!("/api/tickets/{n}/chat-invitations"),
            Body::Json(json!({})),
        ),
        (
            op,
            put.clone(),
            "/api/operator/availability".into(),
            Body::Json(json!({ "availability": "away" })),
        ),
        (a, post.clone(), "/api/chats".into(), Body::Json(json!({}))),
        (
            admin,
            put.clone(),
            "/api/admin/live-settings".into(),
            Body::Json(settings),
        ),
        (
            op,
            post.clone(),
            format!("/api/chats/{chat}/accept"),
            Body::Json(json!({})),
        ),
        (
            op,
            post.clone(),
            format!("/api/chats/{chat}/decline"),
            Body::Json(json!({})),
        ),
        (
            a,
            post.clone(),
            format!("/api/chats/{chat}/end"),
            Body::Json(json!({})),
        ),
        (
            op,
            post.clone(),
            format!("/api/chats/{chat}/transfer"),
            Body::Json(json!({ "team": "Sales" })),
        ),
        (
            a,
            post.clone(),
            format!("/api/chats/{chat}/email-transcript"),
            Body::Json(json!({})),
        ),
        (
            a,
            post.clone(),
            format!("/api/chats/{chat}/files"),
            Body::ChatFile,
        ),
        (
            a,
            post.clone(),
            format!("/api/chat-invitations/{inv}/accept"),
            Body::Json(json!({})),
        ),
        (
            a,
            post.clone(),
            format!("/api/chat-invitations/{inv}/decline"),
            Body::Json(json!({})),
        ),
        (
            op,
            post.clone(),
            format!("/api/chat-invitations/{inv}/cancel"),
            Body::Json(json!({})),
        ),
        (
            admin,
            post.clone(),
            "/api/admin/teams".into(),
            Body::Json(json!({ "name": "Forged" })),
        ),
        (
            admin,
            put.clone(),
            "/api/admin/teams/Sales/members/operator@demo.test".into(),
            Body::Json(json!({})),
        ),
        (
            admin,
            Method::DELETE,
            "/api/admin/teams/Billing/members/operator@demo.test".into(),
            Body::Json(json!({})),
        ),
        (
            op,
            post.clone(),
            "/api/canned-responses".into(),
            Body::Json(json!({ "shortcut": "forged", "text": "Forged" })),
        ),
        (
            op,
            put.clone(),
            format!("/api/canned-responses/{reply}"),
            Body::Json(json!({ "shortcut": "forged", "text": "Forged" })),
        ),
        (
            op,
            Method::DELETE,
            format!("/api/canned-responses/{reply}"),
            Body::Json(json!({})),
        ),
        (
            a,
            post.clone(),
            format!("/api/chats/{chat}/rating"),
            Body::Json(json!({ "rating": 1 })),
        ),
        (
            a,
            post.clone(),
            "/api/help/feedback".into(),
            Body::Json(json!({ "url": "/help/en/tickets/attachments", "helpful": false })),
        ),
        (
            admin,
            post.clone(),
            "/api/drafts".into(),
            Body::Json(json!({ "questions": ["forged"] })),
        ),
        (
            admin,
            put.clone(),
            format!("/api/drafts/{FAKE_ID}"),
            Body::Json(draft_edit.clone()),
        ),
        (
            admin,
            post.clone(),
            format!("/api/drafts/{FAKE_ID}/publish"),
            Body::Json(draft_edit),
        ),
        (
            admin,
            post.clone(),
            "/api/admin/webhooks".into(),
            Body::Json(
                json!({ "url": "https://hooks.example.com/x", "events": ["ticket.created"] }),
            ),
        ),
        (
            admin,
            Method::DELETE,
            format!("/api/admin/webhooks/{FAKE_ID}"),
            Body::Json(json!({})),
        ),
        (
            admin,
            post.clone(),
            format!("/api/admin/webhooks/{FAKE_ID}/test"),
            Body::Json(json!({})),
        ),
    ];

    // Every state-changing operation of the API document is in the list.
    let doc: Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    let covered: Vec<(String, String)> = calls
        .iter()
        .map(|(_, m, p, _)| (m.as_str().to_lowercase(), template_of(p)))
        .collect();
    let mut missing = Vec::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("operations").keys() {
            if matches!(method.as_str(), "get" | "head" | "options")
                || path.starts_with("/api/bot/")
            {
                continue;
            }
            if path == "/api/session" && method == "post" {
                continue; // logging in: no session to forge yet
            }
            if !covered.iter().any(|(m, p)| m == method && p == path) {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "state-changing routes the CSRF test does not call: {missing:?}"
    );

    let foreign = cast.b.csrf.clone().expect("B's token");
    let mut refused = 0;
    let mut wrong = Vec::new();
    for (who, method, path, body) in &calls {
        for token in [Token::Missing, Token::Wrong, Token::Foreign] {
            let status = call(&app, who, &foreign, method, path, body, token).await;
            refused += 1;
            if status != 403 {
                wrong.push(format!("{method} {path} with {token:?} token: {status}"));
            }
        }
    }
    println!(
        "csrf: {} state-changing API routes × 3 bad tokens = {refused} calls, {} not refused",
        calls.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let after = snapshot(&app, &cast, &owned, &inv).await;
    for (k, v) in before.as_object().expect("object") {
        assert_eq!(&after[k], v, "{k} changed after refused calls");
    }
    // The old password still works.
    Who::login(&app, "user@demo.test").await;

    // Another site's script gets no credentialed CORS answer from any of
    // them (the widget's routes allow any origin, but never credentials).
    let mut preflights = 0;
    for (_, method, path, _) in &calls {
        for p in [path.as_str(), "/api/bot/ask"] {
            let r = reqwest::Client::new()
                .request(Method::OPTIONS, app.url(p))
                .header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", method.as_str())
                .header(
                    "Access-Control-Request-Headers",
                    "content-type,x-csrf-token",
                )
                .send()
                .await
                .expect("preflight");
            preflights += 1;
            let h = r.headers();
            assert!(
                h.get("access-control-allow-credentials").is_none(),
                "{method} {p}: credentials allowed for another origin"
            );
            let allowed = h
                .get("access-control-allow-origin")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            assert!(
                allowed.is_empty() || allowed == "*",
                "{method} {p}: {allowed}"
            );
        }
    }
    println!("csrf: {preflights} cross-origin preflights, none with credentials");

    // With the right token the same kind of call goes through (so the 403s
    // above were the token's doing).
    let (status, _) = op
        .post(
            &app,
            &format!("/api/tickets/{n}/priority"),
            json!({ "priority": "urgent" }),
        )
        .await;
    assert_eq!(status, 200);
    let r = a
        .auth(a.client.put(app.url("/api/account")))
        .json(&json!({ "name": "Uma Renamed", "locale": "en", "notify_status": true, "notify_replies": true }))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 200);
}

/// `/api/tickets/7/status` → `/api/tickets/{number}/status`, as the API
/// document names its paths.
/// An id of the right shape that names nothing (the token is checked first).
const FAKE_ID: &str = "0123456789abcdef0123456789abcdef";

fn template_of(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let prev = if i > 0 { parts[i - 1] } else { "" };
        let name = match prev {
            "tickets" if part.chars().all(|c| c.is_ascii_digit()) => "{number}",
            "chats" if part.len() == 32 => "{id}",
            "chat-invitations" if part.len() == 32 => "{id}",
            "canned-responses" if part.len() == 32 => "{id}",
            "drafts" | "webhooks" if part.len() == 32 => "{id}",
            "teams" if i + 1 < parts.len() => "{name}",
            "members" => "{email}",
            _ => part,
        };
        out.push(name.to_string());
    }
    out.join("/")
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A browser logged in through the portal's form.
async fn portal_login(app: &TestApp, email: &str) -> reqwest::Client {
    let b = browser();
    let page = b.get(app.url("/portal/login")).send().await.expect("page");
    let html = page.text().await.expect("html");
    let i = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    let csrf = html[i..i + 32].to_string();
    let r = b
        .post(app.url("/portal/login"))
        .form(&[("csrf", csrf.as_str()), ("email", email), ("password", PW)])
        .send()
        .await
        .expect("log in");
    assert_eq!(r.status(), 303, "logged in as {email}");
    b
}

/// A portal form: who posts it, how (form or multipart), where, its fields.
type PortalForm<'a> = (
    &'a reqwest::Client,
    &'a str,
    String,
    Vec<(&'a str, &'a str)>,
);

#[tokio::test]
async fn portal_forms_without_their_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn_demo("").await;
    let cast = Cast::new(&app).await;
    let n = cast.a.open_ticket(&app, "Portal ticket").await;
    let user = portal_login(&app, "user@demo.test").await;
    let op = portal_login(&app, "operator@demo.test").await;
    let admin = portal_login(&app, "admin@demo.test").await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let read = |who: &'static str| {
        let (client, path) = match who {
            "ticket" => (&cast.operator, format!("/api/tickets/{n}")),
            "tickets" => (&cast.operator, "/api/tickets".to_string()),
            "account" => (&cast.a, "/api/account".to_string()),
            _ => (&cast.admin, "/api/session".to_string()),
        };
        let app = &app;
        async move { client.get(app, &path).await }
    };
    let mut before = Vec::new();
    for what in ["ticket", "tickets", "account", "session"] {
        before.push(read(what).await);
    }
    let outbox = app.outbox().len();

    let forms: Vec<PortalForm> = vec![
        (&user, "form", "/portal/logout".into(), vec![]),
        (
            &user,
            "form",
            "/portal/forgot".into(),
            vec![("email", "user@demo.test")],
        ),
        (
            &user,
            "form",
            "/portal/login".into(),
            vec![("email", "user@demo.test"), ("password", PW)],
        ),
        (
            &user,
            "multipart",
            "/portal/tickets".into(),
            vec![
                ("type", "bug_report"),
                ("priority", "normal"),
                ("summary", "Forged"),
                ("description", "forged"),
            ],
        ),
        (
            &user,
            "multipart",
            format!("/portal/tickets/{n}/reply"),
            vec![("body", "forged reply")],
        ),
        (
            &user,
            "form",
            format!("/portal/tickets/{n}/status"),
            vec![("status", "closed")],
        ),
        (
            &op,
            "form",
            format!("/portal/tickets/{n}/status"),
            vec![("status", "resolved")],
        ),
        (
            &op,
            "form",
            format!("/portal/tickets/{n}/priority"),
            vec![("priority", "urgent")],
        ),
        (
            &op,
            "form",
            format!("/portal/tickets/{n}/time"),
            vec![("minutes", "30")],
        ),
        (
            &user,
            "form",
            "/portal/account".into(),
            vec![("name", "Forged Name"), ("locale", "en")],
        ),
        (
            &user,
            "form",
            "/portal/account/password".into(),
            vec![("current", PW), ("new", "forged-password-1")],
        ),
        (
            &admin,
            "form",
            "/portal/admin/invite".into(),
            vec![("email", "forged@example.com"), ("role", "end_user")],
        ),
        (
            &admin,
            "form",
            "/console/drafts".into(),
            vec![("questions", "forged question")],
        ),
        (
            &admin,
            "form",
            format!("/console/drafts/{FAKE_ID}"),
            vec![
                ("title", "Forged"),
                ("category", "Forged"),
                ("locale", "en"),
                ("body", "forged"),
                ("action", "publish"),
            ],
        ),
        (
            &admin,
            "form",
            "/console/webhooks".into(),
            vec![
                ("url", "https://hooks.example.com/x"),
                ("event", "ticket.created"),
            ],
        ),
        (
            &admin,
            "form",
            format!("/console/webhooks/{FAKE_ID}/test"),
            vec![],
        ),
        (
            &admin,
            "form",
            format!("/console/webhooks/{FAKE_ID}/delete"),
            vec![],
        ),
        (
            &user,
            "form",
            "/account/password".into(),
            vec![
                ("token", "00000000000000000000000000000000"),
                ("password", "forged-password-1"),
            ],
        ),
    ];
    let mut calls = 0;
    let mut wrong = Vec::new();
    for (client, kind, path, fields) in &forms {
        for token in [None, Some("0123456789abcdef0123456789abcdef")] {
            let mut fields = fields.clone();
            if let Some(t) = token {
                fields.push(("csrf", t));
            }
            let r = match *kind {
                "form" => client.post(app.url(path)).form(&fields),
                _ => {
                    let mut f = Form::new();
                    for (k, v) in &fields {
                        f = f.text(k.to_string(), v.to_string());
                    }
                    client.post(app.url(path)).multipart(f)
                }
            };
            let status = r.send().await.expect("post").status().as_u16();
            calls += 1;
            // 422: the form lacks its `csrf` field; 400: a wrong token.
            if !matches!(status, 400 | 403 | 422) {
                wrong.push(format!("POST {path} csrf={token:?}: {status}"));
            }
        }
    }
    println!(
        "csrf: {} portal forms × 2 bad tokens = {calls} posts, {} not refused",
        forms.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    for (i, what) in ["ticket", "tickets", "account", "session"]
        .into_iter()
        .enumerate()
    {
        assert_eq!(read(what).await, before[i], "{what} changed");
    }
    assert_eq!(app.outbox().len(), outbox, "a refused form sent an email");
    // Still logged in: the logout form was refused.
    let r = user
        .get(app.url("/portal/tickets"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    Who::login(&app, "user@demo.test").await;
}

/// A WebSocket handshake with the cookie and an `Origin`.
async fn handshake(
    app: &TestApp,
    path: &str,
    cookie: &str,
    origin: &str,
) -> Result<common::live::Socket, u16> {
    let url = format!("{}{}", app.base.replacen("http://", "ws://", 1), path);
    let mut req = url.into_client_request().expect("request");
    req.headers_mut()
        .insert("Cookie", cookie.parse().expect("cookie"));
    req.headers_mut()
        .insert("Origin", origin.parse().expect("origin"));
    match tokio_tungstenite::connect_async(req).await {
        Ok((s, _)) => Ok(s),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("handshake failed oddly: {e}"),
    }
}

/// The first event after subscribing to `chat`.
async fn subscribe(s: &mut common::live::Socket, chat: &str) -> Value {
    common::live::send(
        s,
        json!({ "type": "subscribe", "chat_id": chat, "after": 0 }),
    )
    .await;
    loop {
        let v = common::live::next(s).await.expect("an answer");
        if v["type"] == "subscribed" || v["type"] == "error" {
            return v;
        }
    }
}

#[tokio::test]
async fn websockets_from_another_sites_page_are_not_trusted_with_the_cookie() {
    let app = TestApp::spawn_demo("").await;
    let (user, op, chat) = common::live::active_chat(&app).await;
    let own = app.base.clone();
    let mut calls = 0;
    for evil in [
        "https://evil.example",
        "null",
        "http://127.0.0.1.evil.example",
    ] {
        // The console refuses the handshake outright.
        calls += 1;
        match handshake(&app, "/ws/console", &op.0, evil).await {
            Err(status) => assert_eq!(status, 403, "console from {evil}"),
            Ok(_) => panic!("the console accepted a socket from {evil}"),
        }
        // The widget may be embedded anywhere, but then it is anonymous
        // until it says hello with a visitor token: the cookie is ignored.
        calls += 1;
        let mut s = handshake(&app, "/ws/widget", &user.0, evil)
            .await
            .expect("widget sockets open from any site");
        let answer = subscribe(&mut s, &chat).await;
        assert_eq!(
            answer["type"], "error",
            "widget from {evil} followed the chat: {answer}"
        );
        let _ = s.close(None).await;
        while s.next().await.is_some() {}
    }
    // From our own pages both work (so the refusals above are the Origin's).
    let mut console = handshake(&app, "/ws/console", &op.0, &own)
        .await
        .expect("console");
    assert_eq!(subscribe(&mut console, &chat).await["type"], "subscribed");
    let mut widget = handshake(&app, "/ws/widget", &user.0, &own)
        .await
        .expect("widget");
    assert_eq!(subscribe(&mut widget, &chat).await["type"], "subscribed");
    println!("csrf: {calls} cross-origin WebSocket handshakes, 0 trusted");
}
