//! What is said in a chat, over plain HTTP: the messages after a given id
//! (the same resume rule as the WebSocket), files sent into a chat (the
//! ticket attachments' gate: name, extension, size, sniffed content) and
//! their download. Only those who may follow the chat get any of it.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiPath};
use super::ticket_form;
use crate::live::chats::{self, message_event};
use crate::store::chat_messages::{self, FileRef, NewMessage};
use crate::store::now;
use crate::store::queue::{self as q, ChatRequest};

/// Most messages one read returns; ask again after the last id for more.
const PAGE: i64 = 500;

pub fn router(upload_limit: usize) -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(send_file))
        .layer(DefaultBodyLimit::max(upload_limit));
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(messages))
        .routes(routes!(download))
        .layer(super::bot_api::widget_cors())
}

/// The chat, if the caller may follow it; otherwise a 404 that does not
/// tell whether it exists.
pub async fn followed_chat(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<ChatRequest, ApiError> {
    let me = caller.require()?;
    let not_found = || ApiError::NotFound("There is no such chat you can see.".into());
    if !crate::ids::is_id(id) {
        return Err(not_found());
    }
    let chat = q::request(&state.db, id).await?.ok_or_else(not_found)?;
    if chats::may_follow(&state.db, me, &chat).await? {
        Ok(chat)
    } else {
        Err(not_found())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct After {
    /// The last message id the client has (default 0: from the start).
    pub after: Option<i64>,
}

/// A chat's messages after a given id, oldest first (at most 500).
#[utoipa::path(get, path = "/api/chats/{id}/messages", tag = "operators",
    params(("id" = String, Path), ("after" = Option<i64>, Query)),
    responses((status = 200, body = [Object]), (status = 400), (status = 401), (status = 404)))]
pub async fn messages(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    query: Result<Query<After>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let Query(after) = query.map_err(|e| ApiError::bad("invalid", Some("after"), e.body_text()))?;
    let chat = followed_chat(&state, &caller, &id).await?;
    let audience = chats::audience(caller.require()?, &chat);
    let list = chat_messages::after(
        &state.db,
        &chat.id,
        after.after.unwrap_or(0).max(0),
        PAGE,
        audience,
    )
    .await?;
    Ok(Json(list.iter().map(message_event).collect()))
}

/// The form of a file sent into a chat (for the API document).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ChatFileForm {
    /// The sender's own id for this upload (1 to 64 characters).
    client_id: String,
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Sends a file into a chat (multipart/form-data: one `file` and a
/// `client_id`, the sender's own id for it, so a retried upload is stored
/// once). Same rules as ticket attachments.
#[utoipa::path(post, path = "/api/chats/{id}/files", tag = "operators", params(("id" = String, Path)),
    request_body(content = ChatFileForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Object), (status = 400, description = "refused file or missing client_id"),
              (status = 401), (status = 404), (status = 409), (status = 413), (status = 415)))]
pub async fn send_file(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    form: Result<ticket_form::Upload, MultipartRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let chat = followed_chat(&state, &caller, &id).await?;
    let form = form?;
    let me = caller.require()?.clone();
    if !matches!(chat.status.as_str(), "waiting" | "offered" | "active") {
        return Err(ApiError::Conflict("This chat has ended.".into()));
    }
    let policy = crate::tickets::attachments::Policy {
        max_files: 1,
        ..state.desk_config.attachments.clone()
    };
    let form = ticket_form::read(form, &state.files, &policy).await?;
    let client_id = form.text("client_id").unwrap_or("");
    if client_id.is_empty() || client_id.len() > 64 {
        return Err(ApiError::bad(
            "invalid_client_id",
            Some("client_id"),
            "client_id is 1 to 64 characters.",
        ));
    }
    let Some(file) = form.files.first() else {
        return Err(ApiError::bad(
            "missing_file",
            Some("file"),
            "Choose a file to send.",
        ));
    };
    let stored = state
        .messages
        .write(NewMessage {
            chat_id: chat.id.clone(),
            sender_id: Some(me.id.clone()),
            kind: "file",
            body: file.name.clone(),
            client_id: Some(client_id.to_string()),
            file: Some(FileRef {
                sha256: file.sha256.clone(),
                content_type: file.content_type.to_string(),
                size: i64::try_from(file.size).unwrap_or(i64::MAX),
            }),
            internal: false,
            now: now(),
        })
        .await?;
    let event = message_event(&stored);
    state.bus.publish(&chat.id, event.clone());
    if let Err(e) = chats::update_transcript(&state.desk, &chat, now()).await {
        tracing::error!("transcript of chat {}: {e}", chat.id);
    }
    Ok((StatusCode::CREATED, Json(event)))
}

/// Downloads a file sent in a chat.
#[utoipa::path(get, path = "/api/chats/{id}/files/{message}", tag = "operators",
    params(("id" = String, Path), ("message" = i64, Path)),
    responses((status = 200, description = "the file"), (status = 401), (status = 404)))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, message)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound("There is no such file you can see.".into());
    let chat = followed_chat(&state, &caller, &id).await?;
    let message: i64 = message.parse().map_err(|_| not_found())?;
    let m = chat_messages::by_id(&state.db, message)
        .await?
        .filter(|m| m.chat_id == chat.id)
        .ok_or_else(not_found)?;
    let (Some(sha256), Some(content_type)) = (&m.file_sha256, &m.file_content_type) else {
        return Err(not_found());
    };
    super::file_response::serve(
        &state.files,
        sha256,
        &m.body,
        content_type,
        m.file_size.unwrap_or(0),
    )
    .await?
    .ok_or_else(not_found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Uri;
    use proptest::prelude::*;

    fn after(query: &str) -> Option<Option<i64>> {
        let uri: Uri = format!("/api/chats/x/messages?{query}").parse().ok()?;
        Query::<After>::try_from_uri(&uri)
            .ok()
            .map(|Query(a)| a.after)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn after_ids_round_trip(n in any::<i64>()) {
            prop_assert_eq!(after(&format!("after={n}")), Some(Some(n)));
        }

        /// Any query string: a value or a refusal, never a panic; unknown
        /// keys are refused.
        #[test]
        fn arbitrary_queries_never_panic(query in "[a-z0-9=&+.-]{0,40}", raw in "[ -~]{0,60}") {
            let _ = after(&raw);
            if let Some(got) = after(&query) {
                let keys: Vec<&str> = query
                    .split('&')
                    .filter(|p| !p.is_empty())
                    .map(|p| p.split('=').next().unwrap_or(""))
                    .collect();
                prop_assert!(keys.iter().all(|k| *k == "after"), "{query} -> {got:?}");
            }
        }
    }

    #[test]
    fn bad_after_values_are_refused() {
        assert_eq!(after(""), Some(None));
        for q in [
            "after=soon",
            "after=1.5",
            "after=99999999999999999999",
            "before=1",
        ] {
            assert_eq!(after(q), None, "{q}");
        }
    }
}
