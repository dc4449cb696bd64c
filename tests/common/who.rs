//! Someone calling the API in a test: a logged-in browser (cookie and
//! CSRF token) or a widget with a visitor token; and new users invited by
//! the admin.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use super::TestApp;

/// The demo accounts' password.
pub const PW: &str = "demo-password";

/// Someone calling the API: a logged-in browser (cookie + CSRF token) or a
/// widget with a visitor token.
pub struct Who {
    pub client: reqwest::Client,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl Who {
    pub async fn login(app: &TestApp, email: &str) -> Who {
        let (client, csrf) = app.log_in(email, PW).await;
        Who {
            client,
            csrf: Some(csrf),
            bearer: None,
        }
    }

    pub fn visitor(token: &str) -> Who {
        Who {
            client: reqwest::Client::new(),
            csrf: None,
            bearer: Some(token.to_string()),
        }
    }

    pub fn auth(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let r = match &self.csrf {
            Some(c) => r.header("X-CSRF-Token", c),
            None => r,
        };
        match &self.bearer {
            Some(b) => r.bearer_auth(b),
            None => r,
        }
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> (u16, Value) {
        let r = self
            .auth(self.client.get(app.url(path)))
            .send()
            .await
            .expect("GET");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .auth(self.client.post(app.url(path)))
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn multipart(&self, app: &TestApp, path: &str, form: Form) -> (u16, Value) {
        let r = self
            .auth(self.client.post(app.url(path)))
            .multipart(form)
            .send()
            .await
            .expect("multipart POST");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn open_ticket(&self, app: &TestApp, summary: &str) -> i64 {
        let form = Form::new()
            .text("type", "bug_report")
            .text("priority", "normal")
            .text("summary", summary.to_string())
            .text("description", format!("{summary}: details"));
        let (status, body) = self.multipart(app, "/api/tickets", form).await;
        assert_eq!(status, 201, "{body}");
        body["number"].as_i64().expect("number")
    }

    pub async fn status(&self, app: &TestApp, number: i64, status: &str) -> (u16, Value) {
        self.post(
            app,
            &format!("/api/tickets/{number}/status"),
            json!({ "status": status }),
        )
        .await
    }
}

pub fn file(name: &str, bytes: Vec<u8>) -> Part {
    Part::bytes(bytes).file_name(name.to_string())
}

/// The 32-hex token of a one-time link in an email.
pub fn link_token(email: &str) -> String {
    let i = email.find("token=").expect("a link with a token") + "token=".len();
    email[i..i + 32].to_string()
}

/// A new end user, invited by the admin, who sets a password and logs in.
pub async fn invited_user(app: &TestApp, admin: &Who, email: &str) -> Who {
    let (status, body) = admin
        .post(app, "/api/invitations", json!({ "email": email }))
        .await;
    assert_eq!(status, 201, "{body}");
    let mail = app.wait_for_email(email, "token=").await;
    let token = link_token(&mail);
    let r = reqwest::Client::new()
        .post(app.url("/api/password/reset"))
        .json(&json!({ "token": token, "password": PW }))
        .send()
        .await
        .expect("reset");
    assert_eq!(r.status(), 204);
    Who::login(app, email).await
}
