//! Feedback where users are: on a bot answer, on an article, after a chat.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::chat_content::followed_chat;
use super::error::{ApiError, ApiPath};
use super::security::{ClientIp, client_key};
use super::session_api::{JsonBody, json_body};
use crate::reports::feedback::{self, Ballot, FeedbackError, Voter};
use crate::store::now;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(answer))
        .routes(routes!(article))
        .routes(routes!(chat))
        // The widget votes from host products' pages too.
        .layer(super::bot_api::widget_cors())
}

impl From<FeedbackError> for ApiError {
    fn from(e: FeedbackError) -> Self {
        match e {
            FeedbackError::Store(s) => s.into(),
            FeedbackError::BadComment => ApiError::bad("invalid", Some("comment"), e.to_string()),
            FeedbackError::BadRating => ApiError::bad("invalid", Some("rating"), e.to_string()),
            FeedbackError::BadVisitor => ApiError::bad("invalid", Some("visitor"), e.to_string()),
            FeedbackError::NotYourConversation => ApiError::bad(
                "unknown_conversation",
                Some("conversation_id"),
                e.to_string(),
            ),
            FeedbackError::NotAnAnswer => {
                ApiError::bad("invalid", Some("message_id"), e.to_string())
            }
            FeedbackError::NoArticle => ApiError::bad("invalid", Some("url"), e.to_string()),
            FeedbackError::NotYourChat => ApiError::Forbidden(e.to_string()),
            FeedbackError::ChatNotEnded => ApiError::ConflictCode {
                code: "chat_not_ended",
                message: e.to_string(),
            },
        }
    }
}

/// Who is limited: a signed-in user, else the address.
fn client(caller: &Result<Caller, ApiError>, ip: std::net::IpAddr) -> String {
    let user = caller.as_ref().ok().and_then(Caller::user);
    client_key(user.map(|u| u.id.as_str()), ip)
}

/// "Did this answer your question?"
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerFeedback {
    pub conversation_id: String,
    /// The key given with the conversation's first answer (not needed
    /// when signed in as its owner).
    pub conversation_key: Option<String>,
    /// The answer's `message_id`.
    pub message_id: i64,
    pub helpful: bool,
    /// What was missing (at most 1,000 characters).
    pub comment: Option<String>,
}

/// Says whether a bot answer helped; voting again changes the vote.
#[utoipa::path(post, path = "/api/bot/feedback", tag = "bot", request_body = AnswerFeedback,
    responses((status = 204), (status = 400), (status = 429)))]
pub async fn answer(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    caller: Result<Caller, ApiError>,
    body: JsonBody<AnswerFeedback>,
) -> Result<StatusCode, ApiError> {
    let body = json_body(body)?;
    state.limits.feedback(&client(&caller, ip))?;
    let caller_id = caller.ok().and_then(|c| c.user().map(|u| u.id.clone()));
    feedback::on_answer(
        &state.db,
        caller_id.as_deref(),
        body.conversation_key.as_deref(),
        body.conversation_id.trim(),
        body.message_id,
        Ballot {
            helpful: body.helpful,
            comment: body.comment.as_deref(),
        },
        now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "Was this article helpful?"
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleFeedback {
    /// The article's URL (`/help/{locale}/{article}`, absolute or not).
    pub url: String,
    pub helpful: bool,
    pub comment: Option<String>,
    /// An anonymous visitor's own random id (16 to 64 letters, digits,
    /// `-` or `_`), kept by their browser so a second vote replaces the
    /// first; ignored when signed in.
    pub visitor: Option<String>,
}

/// Says whether an article helped; voting again changes the vote.
#[utoipa::path(post, path = "/api/help/feedback", tag = "bot", request_body = ArticleFeedback,
    responses((status = 204), (status = 400), (status = 429)))]
pub async fn article(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    caller: Result<Caller, ApiError>,
    body: JsonBody<ArticleFeedback>,
) -> Result<StatusCode, ApiError> {
    let body = json_body(body)?;
    state.limits.feedback(&client(&caller, ip))?;
    let user = caller.ok().and_then(|c| c.user().cloned());
    let voter = match (&user, body.visitor.as_deref()) {
        (Some(u), _) => Voter::User(u),
        (None, Some(v)) => Voter::Visitor(v.trim()),
        (None, None) => {
            return Err(ApiError::bad(
                "invalid",
                Some("visitor"),
                "Send your browser's visitor id, or sign in, to vote.",
            ));
        }
    };
    let k = state.knowledge.current();
    feedback::on_article(
        &state.db,
        &k.kb,
        &body.url,
        voter,
        Ballot {
            helpful: body.helpful,
            comment: body.comment.as_deref(),
        },
        now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The rating of an ended chat.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatRating {
    /// 1 (poor) to 5 (excellent).
    pub rating: i64,
    pub comment: Option<String>,
}

/// The chat's user rates it once it has ended; rating again changes it.
#[utoipa::path(post, path = "/api/chats/{id}/rating", tag = "operators", request_body = ChatRating,
    params(("id" = String, Path)),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 429)))]
pub async fn chat(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    body: JsonBody<ChatRating>,
) -> Result<StatusCode, ApiError> {
    let chat = followed_chat(&state, &caller, &id).await?;
    let body = json_body(body)?;
    let me = caller.require()?;
    state.limits.feedback(&client_key(Some(&me.id), ip))?;
    feedback::on_chat(
        &state.db,
        me,
        &chat,
        body.rating,
        body.comment.as_deref(),
        now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
