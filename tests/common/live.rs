//! Live-chat test helpers: API calls with a session cookie, WebSocket
//! clients (tokio-tungstenite), and an active chat between the demo user
//! and the demo operator.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::TestApp;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Logs in over the API; returns the session cookie and the CSRF token.
pub async fn login(app: &TestApp, email: &str) -> (String, String) {
    let r = reqwest::Client::new()
        .post(app.url("/api/session"))
        .json(&json!({ "email": email, "password": "demo-password" }))
        .send()
        .await
        .expect("login");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("frontdesk_session="))
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_string();
    let body: Value = r.json().await.expect("json");
    (
        cookie,
        body["csrf_token"].as_str().expect("csrf").to_string(),
    )
}

pub async fn api(
    app: &TestApp,
    who: &(String, String),
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let r = reqwest::Client::new()
        .request(method, app.url(path))
        .header("Cookie", &who.0)
        .header("X-CSRF-Token", &who.1)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub async fn connect(app: &TestApp, path: &str, cookie: Option<&str>) -> Socket {
    let url = format!("{}{}", app.base.replacen("http://", "ws://", 1), path);
    let mut req = url.into_client_request().expect("request");
    if let Some(c) = cookie {
        req.headers_mut()
            .insert("Cookie", c.parse().expect("header"));
    }
    let (socket, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("websocket");
    socket
}

pub async fn send(s: &mut Socket, v: Value) {
    s.send(Message::Text(v.to_string().into()))
        .await
        .expect("send");
}

/// The next JSON event (pings skipped), or None when the connection closed.
pub async fn next(s: &mut Socket) -> Option<Value> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), s.next())
            .await
            .expect("an event within 10 s");
        match frame {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(t.as_str()).ok(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            _ => return None,
        }
    }
}

/// The next event of the given type (others skipped).
pub async fn next_of(s: &mut Socket, kind: &str) -> Value {
    loop {
        let v = next(s)
            .await
            .unwrap_or_else(|| panic!("closed while waiting for {kind}"));
        if v["type"] == kind {
            return v;
        }
    }
}

/// An active chat between user@ and operator@demo.test.
pub async fn active_chat(app: &TestApp) -> ((String, String), (String, String), String) {
    let user = login(app, "user@demo.test").await;
    let op = login(app, "operator@demo.test").await;
    let (status, _) = api(
        app,
        &op,
        reqwest::Method::PUT,
        "/api/operator/availability",
        json!({ "availability": "available" }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, chat) = api(app, &user, reqwest::Method::POST, "/api/chats", json!({})).await;
    assert_eq!(status, 201);
    let id = chat["id"].as_str().expect("id").to_string();
    let (status, _) = api(
        app,
        &op,
        reqwest::Method::POST,
        &format!("/api/chats/{id}/accept"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    (user, op, id)
}
