//! Who may reach what: every route that reads or changes an end user's
//! ticket, attachment, chat (messages, files), chat invitation or bot
//! conversation, called by every kind of caller, with the exact status
//! each must get. Owners and staff (of the chat's team) are let in; other
//! users get 404 (nothing tells them the thing exists), strangers 401, and
//! callers of a staff-only route 403. After the calls that must fail, the
//! resources are read back unchanged.

mod common;

use common::TestApp;
use common::live::{connect, next, send};
use common::principals::{Cast, Owned};
use common::samples;
use common::who::{Who, file};
use reqwest::Method;
use reqwest::multipart::Form;
use serde_json::{Value, json};

/// What a call sends.
#[derive(Clone)]
enum Body {
    Empty,
    Json(Value),
    /// A ticket reply (multipart `body`).
    Reply,
    /// A chat file (multipart `client_id` + `file`).
    ChatFile,
}

/// Expected statuses for anonymous, A, B, visitor, operator, other team's
/// operator, admin; None: not asserted here (a change the caller may make,
/// covered by the workflow tests).
type Expect = [Option<u16>; 7];

const fn all(v: [u16; 7]) -> Expect {
    [
        Some(v[0]),
        Some(v[1]),
        Some(v[2]),
        Some(v[3]),
        Some(v[4]),
        Some(v[5]),
        Some(v[6]),
    ]
}

struct Matrix {
    calls: usize,
    failures: Vec<String>,
    serial: usize,
}

impl Matrix {
    fn new() -> Matrix {
        Matrix {
            calls: 0,
            failures: Vec::new(),
            serial: 0,
        }
    }

    async fn call(
        &mut self,
        app: &TestApp,
        who: &Who,
        method: &Method,
        path: &str,
        body: &Body,
    ) -> u16 {
        self.serial += 1;
        let r = who.auth(who.client.request(method.clone(), app.url(path)));
        let r = match body {
            Body::Empty => r,
            Body::Json(v) => r.json(v),
            Body::Reply => r.multipart(Form::new().text("body", "a reply")),
            Body::ChatFile => r.multipart(
                Form::new()
                    .text("client_id", format!("m-{}", self.serial))
                    .part("file", file("m.png", samples::sample("png"))),
            ),
        };
        r.send().await.expect("request").status().as_u16()
    }

    /// Calls `method path` as every member of the cast, in order.
    async fn row(
        &mut self,
        app: &TestApp,
        cast: &Cast,
        method: Method,
        path: &str,
        body: Body,
        expect: Expect,
    ) {
        for ((name, who), want) in cast.all().into_iter().zip(expect) {
            let Some(want) = want else { continue };
            let got = self.call(app, who, &method, path, &body).await;
            self.record(&format!("{method} {path}"), name, got, want);
        }
    }

    fn record(&mut self, route: &str, who: &str, got: u16, want: u16) {
        self.calls += 1;
        if got != want {
            self.failures
                .push(format!("{route} as {who}: got {got}, want {want}"));
        }
    }

    fn finish(self, what: &str) {
        println!(
            "{what}: {} route × principal calls, {} unexpected",
            self.calls,
            self.failures.len(),
        );
        assert!(self.failures.is_empty(), "{}", self.failures.join("\n"));
    }
}

#[tokio::test]
async fn every_route_gives_each_caller_exactly_its_due() {
    let app = TestApp::spawn_demo("").await;
    let cast = Cast::new(&app).await;
    let owned = Owned::new(&app, &cast).await;
    let mut m = Matrix::new();
    let (n, n2, chat) = (owned.ticket, owned.ticket2, owned.chat.clone());

    // ---- Tickets and their attachments (staff see every ticket).
    let (_, before) = cast.a.get(&app, &format!("/api/tickets/{n}")).await;
    m.row(
        &app,
        &cast,
        Method::GET,
        &format!("/api/tickets/{n}"),
        Body::Empty,
        all([401, 200, 404, 404, 200, 200, 200]),
    )
    .await;
    m.row(
        &app,
        &cast,
        Method::GET,
        &owned.attachment_url,
        Body::Empty,
        all([401, 200, 404, 404, 200, 200, 200]),
    )
    .await;
    m.row(
        &app,
        &cast,
        Method::POST,
        &format!("/api/tickets/{n}/replies"),
        Body::Reply,
        all([401, 201, 404, 404, 201, 201, 201]),
    )
    .await;
    // Fields, priority and time are the staff's; requesters get 403.
    m.row(
        &app,
        &cast,
        Method::PATCH,
        &format!("/api/tickets/{n}"),
        Body::Json(json!({ "category": "probe" })),
        [Some(401), Some(403), Some(404), Some(404), None, None, None],
    )
    .await;
    m.row(
        &app,
        &cast,
        Method::POST,
        &format!("/api/tickets/{n}/priority"),
        Body::Json(json!({ "priority": "urgent" })),
        [Some(401), Some(403), Some(404), Some(404), None, None, None],
    )
    .await;
    m.row(
        &app,
        &cast,
        Method::POST,
        &format!("/api/tickets/{n}/time"),
        Body::Json(json!({ "minutes": 5 })),
        [Some(401), Some(403), Some(404), Some(404), None, None, None],
    )
    .await;
    // A requester may only close or reopen; others cannot touch it.
    m.row(
        &app,
        &cast,
        Method::POST,
        &format!("/api/tickets/{n}/status"),
        Body::Json(json!({ "status": "in_analysis" })),
        [Some(401), Some(403), Some(404), Some(404), None, None, None],
    )
    .await;
    m.row(
        &app,
        &cast,
        Method::POST,
        &format!("/api/tickets/{n}/status"),
        Body::Json(json!({ "status": "closed" })),
        [Some(401), None, Some(404), Some(404), None, None, None],
    )
    .await;
    // Staff-only routes: 403 for every end user, whoever owns the ticket.
    for action in ["accept", "decline", "chat-invitations"] {
        m.row(
            &app,
            &cast,
            Method::POST,
            &format!("/api/tickets/{n}/{action}"),
            Body::Empty,
            [Some(401), Some(403), Some(403), Some(403), None, None, None],
        )
        .await;
    }
    // Read back: nothing the refused calls asked for happened.
    let (_, after) = cast.a.get(&app, &format!("/api/tickets/{n}")).await;
    for field in ["status", "priority", "category", "summary"] {
        assert!(
            !before["ticket"][field].is_null() || field == "category",
            "{field}: {before}"
        );
        assert_eq!(
            after["ticket"][field], before["ticket"][field],
            "{field} changed: {after}"
        );
    }
    let (_, sent) = cast
        .operator
        .get(&app, "/api/chat-invitations?sent=true")
        .await;
    assert_eq!(sent, json!([]), "no invitation was created");

    // ---- The portal's pages and forms for the same ticket.
    let page = format!("/portal/tickets/{n}");
    // Anonymous: sent to the log-in page (303), not shown the ticket.
    let nofollow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = nofollow.get(app.url(&page)).send().await.expect("get");
    let to_login = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .is_some_and(|l| l.starts_with("/portal/login"));
    m.record(
        &format!("GET {page}"),
        "anonymous",
        r.status().as_u16(),
        303,
    );
    assert!(to_login, "anonymous goes to the log-in page");
    m.row(
        &app,
        &cast,
        Method::GET,
        &page,
        Body::Empty,
        [
            None,
            Some(200),
            Some(404),
            Some(404),
            Some(200),
            Some(200),
            Some(200),
        ],
    )
    .await;
    // B's own session token, on A's ticket: 404 like the API.
    let b_csrf = cast.b.csrf.clone().expect("B's token");
    let portal_posts: Vec<(String, Form)> = vec![(
        format!("/portal/tickets/{n}/reply"),
        Form::new()
            .text("csrf", b_csrf.clone())
            .text("body", "B was here"),
    )];
    for (path, form) in portal_posts {
        let r = cast
            .b
            .client
            .post(app.url(&path))
            .multipart(form)
            .send()
            .await
            .expect("post");
        m.record(&format!("POST {path}"), "user B", r.status().as_u16(), 404);
    }
    for (path, field, value) in [
        (format!("/portal/tickets/{n}/status"), "status", "closed"),
        (
            format!("/portal/tickets/{n}/priority"),
            "priority",
            "urgent",
        ),
        (format!("/portal/tickets/{n}/time"), "minutes", "5"),
    ] {
        let r = cast
            .b
            .client
            .post(app.url(&path))
            .form(&[("csrf", b_csrf.as_str()), (field, value)])
            .send()
            .await
            .expect("post");
        m.record(&format!("POST {path}"), "user B", r.status().as_u16(), 404);
    }
    let (_, after) = cast.a.get(&app, &format!("/api/tickets/{n}")).await;
    assert!(!after.to_string().contains("B was here"), "{after}");
    assert_eq!(after["ticket"]["status"], before["ticket"]["status"]);
    assert_eq!(after["ticket"]["priority"], before["ticket"]["priority"]);

    // ---- The chat (team Billing), its messages and files.
    let chat_path = format!("/api/chats/{chat}");
    let read = all([401, 200, 404, 404, 200, 404, 200]);
    m.row(&app, &cast, Method::GET, &chat_path, Body::Empty, read)
        .await;
    m.row(
        &app,
        &cast,
        Method::GET,
        &format!("{chat_path}/messages?after=0"),
        Body::Empty,
        read,
    )
    .await;
    m.row(
        &app,
        &cast,
        Method::GET,
        &owned.chat_file_url,
        Body::Empty,
        read,
    )
    .await;
    let (_, messages_before) = cast
        .a
        .get(&app, &format!("{chat_path}/messages?after=0"))
        .await;
    m.row(
        &app,
        &cast,
        Method::POST,
        &format!("{chat_path}/files"),
        Body::ChatFile,
        [Some(401), None, Some(404), Some(404), None, Some(404), None],
    )
    .await;
    let (_, messages_after) = cast
        .a
        .get(&app, &format!("{chat_path}/messages?after=0"))
        .await;
    assert_eq!(messages_after, messages_before, "a refused file was stored");
    // Ending, emailing, transferring, accepting, declining: end users
    // outside it get 404 or the staff-only 403, the other team's operator 404.
    m.row(
        &app,
        &cast,
        Method::POST,
        &format!("{chat_path}/end"),
        Body::Empty,
        [Some(401), None, Some(404), Some(404), None, Some(404), None],
    )
    .await;
    m.row(
        &app,
        &cast,
        Method::POST,
        &format!("{chat_path}/email-transcript"),
        Body::Empty,
        [Some(401), None, Some(404), Some(404), None, Some(404), None],
    )
    .await;
    for action in ["accept", "decline"] {
        m.row(
            &app,
            &cast,
            Method::POST,
            &format!("{chat_path}/{action}"),
            Body::Empty,
            [
                Some(401),
                Some(403),
                Some(403),
                Some(403),
                None,
                Some(404),
                None,
            ],
        )
        .await;
    }
    m.row(
        &app,
        &cast,
        Method::POST,
        &format!("{chat_path}/transfer"),
        Body::Json(json!({ "team": "Sales" })),
        [
            Some(401),
            Some(403),
            Some(403),
            Some(403),
            None,
            Some(404),
            None,
        ],
    )
    .await;
    let (_, state) = cast.a.get(&app, &chat_path).await;
    assert_eq!(state["status"], "active", "{state}");
    assert_eq!(state["operator"], "Oscar Operator", "{state}");
    // Over the sockets: B's widget and the other team's console are told no.
    for (email, path) in [
        ("bea@example.com", "/ws/widget"),
        ("otto@example.com", "/ws/console"),
    ] {
        let (cookie, _) = login_cookie(&app, email).await;
        let mut s = connect(&app, path, Some(&cookie)).await;
        send(
            &mut s,
            json!({ "type": "subscribe", "chat_id": chat, "after": 0 }),
        )
        .await;
        let reply = next(&mut s).await.unwrap_or(Value::Null);
        m.calls += 1;
        if reply["type"] != "error" {
            m.failures.push(format!(
                "{path} subscribe as {email}: got {reply}, want an error"
            ));
        }
    }

    // ---- A chat invitation (only its user and its operator see it).
    let (status, inv) = cast
        .operator
        .post(
            &app,
            &format!("/api/tickets/{n2}/chat-invitations"),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{inv}");
    let inv_path = format!("/api/chat-invitations/{}", inv["id"].as_str().expect("id"));
    m.row(
        &app,
        &cast,
        Method::GET,
        &inv_path,
        Body::Empty,
        all([401, 200, 404, 404, 200, 404, 404]),
    )
    .await;
    for action in ["accept", "decline"] {
        m.row(
            &app,
            &cast,
            Method::POST,
            &format!("{inv_path}/{action}"),
            Body::Empty,
            [
                Some(401),
                None,
                Some(404),
                Some(404),
                Some(403),
                Some(404),
                Some(404),
            ],
        )
        .await;
    }
    m.row(
        &app,
        &cast,
        Method::POST,
        &format!("{inv_path}/cancel"),
        Body::Empty,
        [
            Some(401),
            Some(403),
            Some(404),
            Some(404),
            None,
            Some(404),
            Some(404),
        ],
    )
    .await;
    let (_, inv_now) = cast.a.get(&app, &inv_path).await;
    assert_eq!(inv_now["status"], "pending", "{inv_now}");

    // ---- A's bot conversation: its owner (signed in when asking) reads and
    // continues it, staff read it, everyone else gets 404.
    let conv_path = format!("/api/bot/conversations/{}", owned.conversation);
    let (_, conv_before) = cast.a.get(&app, &conv_path).await;
    let turns_before = conv_before["messages"].as_array().map_or(0, Vec::len);
    m.row(
        &app,
        &cast,
        Method::GET,
        &conv_path,
        Body::Empty,
        [
            Some(404),
            Some(200),
            Some(404),
            Some(404),
            Some(200),
            Some(200),
            Some(200),
        ],
    )
    .await;
    let follow_up = Body::Json(json!({
        "question": "and on my phone?",
        "conversation_id": owned.conversation,
    }));
    m.row(
        &app,
        &cast,
        Method::POST,
        "/api/bot/ask",
        follow_up,
        [Some(404), None, Some(404), Some(404), None, None, None],
    )
    .await;
    let (_, conv_after) = cast.a.get(&app, &conv_path).await;
    let turns_after = conv_after["messages"].as_array().map_or(0, Vec::len);
    m.calls += 1;
    if turns_after != turns_before {
        m.failures.push(format!(
            "others added {} turns to A's conversation",
            turns_after.saturating_sub(turns_before)
        ));
    }
    // The owner continues it.
    let (status, answer) = cast
        .a
        .post(
            &app,
            "/api/bot/ask",
            json!({
                "question": "and on my phone?",
                "conversation_id": owned.conversation,
            }),
        )
        .await;
    m.record("POST /api/bot/ask (follow-up)", "owner A", status, 200);
    assert_eq!(
        answer["conversation_id"].as_str(),
        Some(owned.conversation.as_str())
    );

    // ---- Lists: other end users' lists never show A's things.
    let ticket_id = format!("\"number\":{n},");
    for (name, who) in [("user B", &cast.b), ("visitor C", &cast.visitor)] {
        for path in ["/api/tickets", "/api/chats", "/api/chat-invitations"] {
            let (status, list) = who.get(&app, path).await;
            m.record(&format!("GET {path}"), name, status, 200);
            let text = list.to_string();
            if text.contains(&ticket_id)
                || text.contains(&chat)
                || text.contains(&format!("\"ticket\":{n2}"))
            {
                m.failures
                    .push(format!("GET {path} as {name} lists A's: {text}"));
            }
        }
    }
    // The portal's list, read by the tickets' links: their summaries are
    // escaped there (`A&#39;s`), so the text as typed is never found.
    let portal_list = |who: &Who| {
        let r = who.client.get(app.url("/portal/tickets")).send();
        async move {
            let r = r.await.expect("list");
            (r.status().as_u16(), r.text().await.expect("html"))
        }
    };
    let links = [n, n2].map(|t| format!("href=\"/portal/tickets/{t}\""));
    let (status, html) = portal_list(&cast.b).await;
    m.record("GET /portal/tickets", "user B", status, 200);
    if links.iter().any(|l| html.contains(l.as_str())) {
        m.failures
            .push("GET /portal/tickets as user B lists A's ticket".into());
    }
    let (_, a_list) = cast.a.get(&app, "/api/tickets").await;
    assert!(
        a_list.to_string().contains(&ticket_id),
        "the check above can see: {a_list}"
    );
    let (_, a_html) = portal_list(&cast.a).await;
    assert!(
        links.iter().all(|l| a_html.contains(l.as_str())),
        "the portal check above can see A's tickets: {a_html}"
    );

    m.finish("authorization");
}

async fn login_cookie(app: &TestApp, email: &str) -> (String, String) {
    common::live::login(app, email).await
}
