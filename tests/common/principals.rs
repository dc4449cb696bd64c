//! The cast of the security tests: every kind of caller, and resources
//! owned by one end user (A) that the others must not reach.

use serde_json::{Value, json};

use super::TestApp;
use super::samples;
use super::who::{PW, Who, file, invited_user, link_token};

/// A user invited with a role (end_user, operator, admin) who sets a
/// password and logs in.
pub async fn invited_with_role(app: &TestApp, admin: &Who, email: &str, role: &str) -> Who {
    let (status, body) = admin
        .post(
            app,
            "/api/invitations",
            json!({ "email": email, "role": role }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let mail = app.wait_for_email(email, "token=").await;
    let r = reqwest::Client::new()
        .post(app.url("/api/password/reset"))
        .json(&json!({ "token": link_token(&mail), "password": PW }))
        .send()
        .await
        .expect("reset");
    assert_eq!(r.status(), 204);
    Who::login(app, email).await
}

/// A widget visitor who confirmed `email` with the emailed code.
pub async fn visitor(app: &TestApp, email: &str) -> Who {
    let r = reqwest::Client::new()
        .post(app.url("/api/widget/email-code"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .expect("email code");
    assert_eq!(r.status(), 202);
    let mail = app.wait_for_email(email, "").await;
    let code = six_digits(&mail).expect("a six-digit code");
    let r = reqwest::Client::new()
        .post(app.url("/api/widget/email-code/verify"))
        .json(&json!({ "email": email, "code": code }))
        .send()
        .await
        .expect("verify");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    Who::visitor(body["visitor_token"].as_str().expect("visitor token"))
}

/// The first run of exactly six digits in an email.
pub fn six_digits(text: &str) -> Option<String> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(6)).find_map(|i| {
        let w = &b[i..i + 6];
        let before = i == 0 || !b[i - 1].is_ascii_digit();
        let after = b.get(i + 6).is_none_or(|c| !c.is_ascii_digit());
        (before && after && w.iter().all(u8::is_ascii_digit))
            .then(|| String::from_utf8_lossy(w).to_string())
    })
}

/// Nobody logged in.
pub fn anonymous() -> Who {
    Who {
        client: reqwest::Client::new(),
        csrf: None,
        bearer: None,
    }
}

/// Every kind of caller, A being the owner of the resources.
pub struct Cast {
    pub anonymous: Who,
    /// user@demo.test: owns the ticket, chat, invitation, conversation.
    pub a: Who,
    /// Another end user, logged in.
    pub b: Who,
    /// A third end user, through the widget's visitor token.
    pub visitor: Who,
    /// operator@demo.test, in the team "Billing".
    pub operator: Who,
    /// Another operator, in the team "Sales" only.
    pub other_operator: Who,
    /// admin@demo.test, also in "Billing".
    pub admin: Who,
}

impl Cast {
    pub async fn new(app: &TestApp) -> Cast {
        let admin = Who::login(app, "admin@demo.test").await;
        let b = invited_user(app, &admin, "bea@example.com").await;
        let other_operator = invited_with_role(app, &admin, "otto@example.com", "operator").await;
        Cast {
            anonymous: anonymous(),
            a: Who::login(app, "user@demo.test").await,
            b,
            visitor: visitor(app, "vic@example.org").await,
            operator: Who::login(app, "operator@demo.test").await,
            other_operator,
            admin,
        }
    }

    /// The callers in the order of the expectation arrays.
    pub fn all(&self) -> [(&'static str, &Who); 7] {
        [
            ("anonymous", &self.anonymous),
            ("owner A", &self.a),
            ("user B", &self.b),
            ("visitor C", &self.visitor),
            ("operator", &self.operator),
            ("operator of another team", &self.other_operator),
            ("admin", &self.admin),
        ]
    }
}

pub async fn put(app: &TestApp, who: &Who, path: &str, body: Value) -> u16 {
    who.auth(who.client.put(app.url(path)))
        .json(&body)
        .send()
        .await
        .expect("PUT")
        .status()
        .as_u16()
}

pub async fn available(app: &TestApp, op: &Who) {
    assert_eq!(
        put(
            app,
            op,
            "/api/operator/availability",
            json!({ "availability": "available" })
        )
        .await,
        200
    );
}

/// What A owns.
pub struct Owned {
    pub ticket: i64,
    pub attachment_url: String,
    /// A second ticket, for the chat invitation.
    pub ticket2: i64,
    /// A chat for the team Billing about `ticket`, taken by the operator.
    pub chat: String,
    /// The url of a file A sent in the chat.
    pub chat_file_url: String,
    /// A's bot conversation.
    pub conversation: String,
}

impl Owned {
    pub async fn new(app: &TestApp, cast: &Cast) -> Owned {
        // Teams: the operator and the admin in Billing, the other in Sales.
        for team in ["Billing", "Sales"] {
            let (status, _) = cast
                .admin
                .post(app, "/api/admin/teams", json!({ "name": team }))
                .await;
            assert_eq!(status, 201);
        }
        for (team, email) in [
            ("Billing", "operator@demo.test"),
            ("Billing", "admin@demo.test"),
            ("Sales", "otto@example.com"),
        ] {
            let path = format!("/api/admin/teams/{team}/members/{email}");
            assert_eq!(put(app, &cast.admin, &path, json!({})).await, 204);
        }

        let png = samples::sample("png");
        let form = reqwest::multipart::Form::new()
            .text("type", "bug_report")
            .text("priority", "normal")
            .text("summary", "A's private ticket")
            .text("description", "Only A and the staff may read this.")
            .part("files", file("private.png", png.clone()));
        let (status, created) = cast.a.multipart(app, "/api/tickets", form).await;
        assert_eq!(status, 201, "{created}");
        let ticket = created["number"].as_i64().expect("number");
        let (_, detail) = cast.a.get(app, &format!("/api/tickets/{ticket}")).await;
        let attachment_url = detail["attachments"][0]["url"]
            .as_str()
            .expect("the attachment's url")
            .to_string();
        let ticket2 = cast.a.open_ticket(app, "A's second ticket").await;

        available(app, &cast.operator).await;
        let (status, chat) = cast
            .a
            .post(
                app,
                "/api/chats",
                json!({ "ticket": ticket, "team": "Billing" }),
            )
            .await;
        assert_eq!(status, 201, "{chat}");
        let chat = chat["id"].as_str().expect("chat id").to_string();
        let (status, body) = cast
            .operator
            .post(app, &format!("/api/chats/{chat}/accept"), json!({}))
            .await;
        assert_eq!(status, 200, "{body}");
        let form = reqwest::multipart::Form::new()
            .text("client_id", "a-file-1")
            .part("file", file("chat.png", png));
        let (status, sent) = cast
            .a
            .multipart(app, &format!("/api/chats/{chat}/files"), form)
            .await;
        assert_eq!(status, 201, "{sent}");
        let chat_file_url = sent["file"]["url"].as_str().expect("url").to_string();

        let (status, answer) = cast
            .a
            .post(
                app,
                "/api/bot/ask",
                json!({ "question": "How do I reset my password?" }),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        let conversation = answer["conversation_id"]
            .as_str()
            .expect("conversation id")
            .to_string();
        Owned {
            ticket,
            attachment_url,
            ticket2,
            chat,
            chat_file_url,
            conversation,
        }
    }
}
