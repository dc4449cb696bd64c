//! Real-time chat over WebSockets: `/ws/widget` for users, `/ws/console`
//! for operators, one JSON protocol (documented in docs/protocol.md). A message is
//! stored before it is acknowledged and carries the server's increasing id;
//! a client that reconnects subscribes with the last id it saw and gets
//! what it missed, so nothing is lost or duplicated across a drop or a
//! restart.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::AppState;
use super::auth::{Caller, Via};
use super::error::ApiError;
use crate::live::chats::message_event;
use crate::store::chat_messages;
use crate::store::now;
use crate::store::queue::{self, ChatRequest};
use crate::store::users::{self, User};

/// Largest frame accepted; a bigger one closes the connection (1009).
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Longest chat message, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
const HEARTBEAT: Duration = Duration::from_secs(20);
const BACKLOG_PAGE: i64 = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ws/widget", get(widget))
        .route("/ws/console", get(console))
}

/// Whether the request comes from a page of this site (or from no browser
/// page at all). A cookie is only trusted then: another site's page must not
/// open a socket with our user's cookie.
fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin == public_url
        || origin == format!("http://{host}")
        || origin == format!("https://{host}")
}

async fn widget(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    ws: WebSocketUpgrade,
) -> Response {
    // A cookie from another site's page is ignored: the widget there must
    // identify with its visitor token (first message).
    let user = match caller.user {
        Some((u, Via::Cookie)) if same_origin(&headers, &state.desk.public_url) => Some(u),
        _ => None,
    };
    upgrade(ws, state, user)
}

async fn console(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    ws: WebSocketUpgrade,
) -> Response {
    if !same_origin(&headers, &state.desk.public_url) {
        return ApiError::Forbidden(
            "The console only accepts connections from its own pages.".into(),
        )
        .into_response();
    }
    match caller.require_staff() {
        Ok(u) => {
            // Counted while the socket lives: a closed console means offline soon.
            let open = state.consoles.opened(&u.id, now);
            let user = u.clone();
            limits(ws).on_upgrade(move |socket| async move {
                Connection::run(socket, state, Some(user)).await;
                drop(open);
            })
        }
        Err(e) => e.into_response(),
    }
}

fn upgrade(ws: WebSocketUpgrade, state: AppState, user: Option<User>) -> Response {
    limits(ws).on_upgrade(move |socket| Connection::run(socket, state, user))
}

/// Frame limits, and small buffers: most connections are idle, and the
/// default 128 KB each would cost 1 GB for 10,000 of them.
fn limits(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug, Clone, PartialEq))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMessage {
    /// A widget identifies with its visitor token.
    Hello {
        token: String,
    },
    /// Follow a chat; `after` is the last message id the client has.
    Subscribe {
        chat_id: String,
        after: Option<i64>,
    },
    Message {
        chat_id: String,
        client_id: String,
        text: String,
        /// An operator's internal note: delivered to staff only.
        #[serde(default)]
        internal: bool,
    },
    Typing {
        chat_id: String,
    },
    Read {
        chat_id: String,
        up_to: i64,
    },
    /// A struct variant, not a unit one: serde lets unknown keys through
    /// on unit variants of an internally tagged enum.
    Ping {},
}

struct Connection {
    state: AppState,
    user: Option<User>,
    out: mpsc::Sender<Message>,
    /// One follower per chat: subscribing again (a resync) replaces it.
    followers: HashMap<String, JoinHandle<()>>,
}

/// Chats one connection may follow at once (an operator's tabs, a user's chat).
const MAX_FOLLOWED: usize = 200;

fn error(code: &str, message: impl Into<String>) -> Value {
    json!({ "type": "error", "code": code, "message": message.into() })
}

impl Connection {
    async fn run(socket: WebSocket, state: AppState, user: Option<User>) {
        let _counted = crate::metrics::websocket_open();
        let (mut sink, mut stream) = socket.split();
        let (out, mut outgoing) = mpsc::channel::<Message>(64);
        // One writer: every reply and event goes through the channel.
        let writer = tokio::spawn(async move {
            while let Some(m) = outgoing.recv().await {
                let closing = matches!(m, Message::Close(_));
                if sink.send(m).await.is_err() || closing {
                    break;
                }
            }
        });
        let mut conn = Connection {
            state,
            user,
            out,
            followers: HashMap::new(),
        };
        conn.follow_user();
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        heartbeat.tick().await;
        let mut missed = 0u32;
        loop {
            tokio::select! {
                frame = stream.next() => {
                    missed = 0;
                    match frame {
                        Some(Ok(Message::Text(text))) => conn.handle(text.as_str()).await,
                        Some(Ok(Message::Binary(_))) => {
                            conn.send(error("unsupported", "Send JSON text frames.")).await;
                        }
                        Some(Ok(Message::Close(_))) | None => break,
                        Some(Ok(_)) => {} // ping/pong: tungstenite answers pings itself
                        Some(Err(e)) => {
                            // Too big, or not WebSocket: say why and close.
                            let _ = conn
                                .out
                                .send(Message::Close(Some(CloseFrame {
                                    code: 1009,
                                    reason: Utf8Bytes::from(format!("{e}").chars().take(100).collect::<String>()),
                                })))
                                .await;
                            break;
                        }
                    }
                }
                _ = heartbeat.tick() => {
                    missed += 1;
                    if missed > 2 {
                        break; // the client is gone
                    }
                    if conn.out.send(Message::Ping(Vec::new().into())).await.is_err() {
                        break;
                    }
                }
            }
        }
        for (_, f) in conn.followers.drain() {
            f.abort();
        }
        drop(conn);
        let _ = writer.await;
    }

    async fn send(&self, v: Value) {
        let _ = self.out.send(Message::Text(v.to_string().into())).await;
    }

    async fn handle(&mut self, text: &str) {
        let msg: ClientMessage = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                self.send(error("malformed", format!("Not a valid message: {e}")))
                    .await;
                return;
            }
        };
        let result = match msg {
            ClientMessage::Ping {} => {
                self.send(json!({ "type": "pong" })).await;
                Ok(())
            }
            ClientMessage::Hello { token } => self.hello(&token).await,
            ClientMessage::Subscribe { chat_id, after } => {
                self.subscribe(&chat_id, after.unwrap_or(0)).await
            }
            ClientMessage::Message {
                chat_id,
                client_id,
                text,
                internal,
            } => self.message(&chat_id, &client_id, &text, internal).await,
            ClientMessage::Typing { chat_id } => {
                let (me, chat) = match self.participant(&chat_id).await {
                    Ok(x) => x,
                    Err(e) => return self.send(e).await,
                };
                // The role lets each side leave out its own typing.
                let role = if me.id == chat.user_id {
                    "end_user"
                } else {
                    "operator"
                };
                self.state.bus.publish(
                    &chat_id,
                    json!({ "type": "typing", "chat_id": chat_id, "sender": me.display_name(), "sender_role": role }),
                );
                Ok(())
            }
            ClientMessage::Read { chat_id, up_to } => self.read(&chat_id, up_to).await,
        };
        if let Err(e) = result {
            self.send(e).await;
        }
    }

    async fn hello(&mut self, token: &str) -> Result<(), Value> {
        match users::user_for_visitor_token(&self.state.db, token.trim()).await {
            Ok(Some(u)) => {
                self.send(json!({ "type": "welcome", "user": u.display_name() }))
                    .await;
                self.user = Some(u);
                self.follow_user();
                Ok(())
            }
            Ok(None) => Err(error(
                "unauthorized",
                "This visitor token is unknown or expired.",
            )),
            Err(e) => Err(internal(e)),
        }
    }

    /// Follows the events meant for the connection's user (invitations to
    /// chat and their answers), once it is known who that is.
    fn follow_user(&mut self) {
        let Some(user) = &self.user else { return };
        let topic = crate::live::bus::user_topic(&user.id);
        let rx = self.state.bus.subscribe(&topic);
        if let Some(old) = self.followers.insert(
            topic.clone(),
            forward(
                rx,
                self.out.clone(),
                topic,
                0,
                chat_messages::Audience::Everyone,
            ),
        ) {
            old.abort();
        }
    }

    /// The caller and the chat, if they take part in it: its user, or an
    /// operator of its team (any operator when it has no team).
    async fn participant(&self, chat_id: &str) -> Result<(User, ChatRequest), Value> {
        let me = self.user.clone().ok_or_else(|| {
            error(
                "unauthorized",
                "Log in, or send a hello with your visitor token.",
            )
        })?;
        let not_found = || error("not_found", "There is no such chat you can join.");
        if !crate::ids::is_id(chat_id) {
            return Err(not_found());
        }
        let chat = queue::request(&self.state.db, chat_id)
            .await
            .map_err(internal)?
            .ok_or_else(not_found)?;
        let allowed = crate::live::chats::may_follow(&self.state.db, &me, &chat)
            .await
            .map_err(internal)?;
        if allowed {
            Ok((me, chat))
        } else {
            Err(not_found())
        }
    }

    async fn subscribe(&mut self, chat_id: &str, after: i64) -> Result<(), Value> {
        let (me, chat) = self.participant(chat_id).await?;
        let audience = crate::live::chats::audience(&me, &chat);
        if let Some(old) = self.followers.remove(chat_id) {
            old.abort();
        }
        if self.followers.len() >= MAX_FOLLOWED {
            return Err(error(
                "too_many_chats",
                format!("A connection follows at most {MAX_FOLLOWED} chats."),
            ));
        }
        // Follow first, then send the backlog: nothing falls in between;
        // events already in the backlog are skipped by id.
        let rx = self.state.bus.subscribe(chat_id);
        let mut last = after.max(0);
        loop {
            let page = chat_messages::after(&self.state.db, chat_id, last, BACKLOG_PAGE, audience)
                .await
                .map_err(internal)?;
            for m in &page {
                self.send(message_event(m)).await;
                last = m.id;
            }
            if (page.len() as i64) < BACKLOG_PAGE {
                break;
            }
        }
        self.send(json!({ "type": "subscribed", "chat_id": chat_id, "last_id": last }))
            .await;
        let follower = forward(rx, self.out.clone(), chat_id.to_string(), last, audience);
        self.followers.insert(chat_id.to_string(), follower);
        Ok(())
    }

    async fn message(
        &mut self,
        chat_id: &str,
        client_id: &str,
        text: &str,
        note: bool,
    ) -> Result<(), Value> {
        let (me, chat) = self.participant(chat_id).await?;
        if !matches!(chat.status.as_str(), "waiting" | "offered" | "active") {
            return Err(error("chat_over", "This chat has ended."));
        }
        if note && crate::live::chats::audience(&me, &chat) != chat_messages::Audience::Staff {
            return Err(error(
                "forbidden",
                "Only the chat's operators write internal notes.",
            ));
        }
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
            return Err(error(
                "invalid_text",
                format!("A message is 1 to {MAX_TEXT_CHARS} characters."),
            ));
        }
        let client_id = client_id.trim();
        if client_id.is_empty() || client_id.len() > 64 {
            return Err(error(
                "invalid_client_id",
                "client_id is 1 to 64 characters.",
            ));
        }
        let stored = self
            .state
            .messages
            .write(chat_messages::NewMessage {
                internal: note,
                ..chat_messages::NewMessage::text(chat_id, &me.id, client_id, text, now())
            })
            .await
            .map_err(internal)?;
        // Stored first, then acknowledged, then delivered.
        self.send(
            json!({ "type": "ack", "chat_id": chat_id, "client_id": client_id, "id": stored.id }),
        )
        .await;
        self.state.bus.publish(chat_id, message_event(&stored));
        // The ticket's transcript follows the conversation.
        if let Err(e) = crate::live::chats::update_transcript(&self.state.desk, &chat, now()).await
        {
            tracing::error!("transcript of chat {chat_id}: {e}");
        }
        Ok(())
    }

    async fn read(&mut self, chat_id: &str, up_to: i64) -> Result<(), Value> {
        let (me, _) = self.participant(chat_id).await?;
        chat_messages::mark_read(&self.state.db, chat_id, &me.id, up_to)
            .await
            .map_err(internal)?;
        self.state.bus.publish(
            chat_id,
            json!({ "type": "read", "chat_id": chat_id, "user": me.display_name(), "up_to": up_to }),
        );
        Ok(())
    }
}

/// Passes a topic's events to the connection, skipping messages it already
/// got from the backlog (ids up to `last`) and, for a chat's user, the
/// operators' internal notes.
fn forward(
    mut rx: tokio::sync::broadcast::Receiver<std::sync::Arc<Value>>,
    out: mpsc::Sender<Message>,
    chat: String,
    last: i64,
    audience: chat_messages::Audience,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(event) => {
                    let message = event["type"] == "message";
                    let old = message && event["id"].as_i64().is_some_and(|id| id <= last);
                    let hidden = message
                        && event["internal"] != Value::Bool(false)
                        && audience != chat_messages::Audience::Staff;
                    if !old
                        && !hidden
                        && out
                            .send(Message::Text(event.to_string().into()))
                            .await
                            .is_err()
                    {
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    // Too far behind: the client re-subscribes from its last id.
                    let v = json!({ "type": "resync", "chat_id": chat });
                    if out.send(Message::Text(v.to_string().into())).await.is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    })
}

fn internal(e: crate::store::StoreError) -> Value {
    tracing::error!("live chat: {e}");
    error(
        "internal",
        "Something went wrong on our side; please retry.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A client frame as a client writes it.
    fn frame(m: &ClientMessage) -> String {
        match m {
            ClientMessage::Hello { token } => json!({ "type": "hello", "token": token }),
            ClientMessage::Subscribe { chat_id, after } => match after {
                Some(a) => json!({ "type": "subscribe", "chat_id": chat_id, "after": a }),
                None => json!({ "type": "subscribe", "chat_id": chat_id }),
            },
            ClientMessage::Message {
                chat_id,
                client_id,
                text,
                internal,
            } => json!({ "type": "message", "chat_id": chat_id, "client_id": client_id, "text": text, "internal": internal }),
            ClientMessage::Typing { chat_id } => json!({ "type": "typing", "chat_id": chat_id }),
            ClientMessage::Read { chat_id, up_to } => {
                json!({ "type": "read", "chat_id": chat_id, "up_to": up_to })
            }
            ClientMessage::Ping {} => json!({ "type": "ping" }),
        }
        .to_string()
    }

    fn client_message() -> impl Strategy<Value = ClientMessage> {
        let s = any::<String>;
        prop_oneof![
            s().prop_map(|token| ClientMessage::Hello { token }),
            (s(), any::<Option<i64>>())
                .prop_map(|(chat_id, after)| ClientMessage::Subscribe { chat_id, after }),
            (s(), s(), s(), any::<bool>()).prop_map(|(chat_id, client_id, text, internal)| {
                ClientMessage::Message {
                    chat_id,
                    client_id,
                    text,
                    internal,
                }
            }),
            s().prop_map(|chat_id| ClientMessage::Typing { chat_id }),
            (s(), any::<i64>()).prop_map(|(chat_id, up_to)| ClientMessage::Read { chat_id, up_to }),
            Just(ClientMessage::Ping {}),
        ]
    }

    #[test]
    fn unknown_keys_are_refused_on_every_frame_type() {
        let ok = serde_json::from_str::<ClientMessage>(r#"{"type":"ping"}"#);
        assert_eq!(ok.ok(), Some(ClientMessage::Ping {}));
        for frame in [
            r#"{"type":"ping","extra":1}"#,
            r#"{"type":"typing","chat_id":"a","extra":1}"#,
        ] {
            assert!(
                serde_json::from_str::<ClientMessage>(frame).is_err(),
                "{frame}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn serialised_frames_parse_back(m in client_message()) {
            let parsed: ClientMessage = serde_json::from_str(&frame(&m)).expect("parses");
            prop_assert_eq!(parsed, m);
        }

        #[test]
        fn arbitrary_text_frames_never_panic(text in any::<String>()) {
            let _ = serde_json::from_str::<ClientMessage>(&text);
        }

        /// Frames that look almost right: known and unknown types and keys,
        /// values of the wrong kind. Unknown keys are refused.
        #[test]
        fn near_miss_frames_never_panic(
            kind in prop::sample::select(vec!["hello", "subscribe", "message", "typing", "read", "ping", "pong", ""]),
            keys in prop::collection::vec(
                prop::sample::select(vec!["token", "chat_id", "after", "client_id", "text", "up_to", "extra"]),
                0..4,
            ),
            value in prop_oneof![
                Just(json!(1)), Just(json!(-1)), Just(json!("x")), Just(json!(null)),
                Just(json!(1.5)), Just(json!([1])), Just(json!({})), Just(json!(u64::MAX)),
            ],
        ) {
            let mut v = json!({ "type": kind });
            for k in &keys {
                v[*k] = value.clone();
            }
            let parsed = serde_json::from_str::<ClientMessage>(&v.to_string());
            if keys.contains(&"extra") {
                prop_assert!(parsed.is_err());
            }
        }
    }
}
