//! The bot's JSON API, used by the widget: ask a question, and get the
//! articles relevant to the page the user is on.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tower_http::cors::{Any, CorsLayer};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::security::ClientIp;
use crate::bot::{self, AskInput, BotAnswer};
use crate::kb::{ArticleLink, pages};
use crate::locale::{DEFAULT_LOCALE, Locale};
use crate::store::conversations::{self, NewBotMessage, NewConversation};

pub const MAX_QUESTION_CHARS: usize = 2000;
const MAX_URL_CHARS: usize = 2048;
const MAX_TITLE_CHARS: usize = 500;
/// How many earlier questions inform a follow-up.
const HISTORY_TURNS: i64 = 3;
const MAX_SUGGESTIONS: usize = 5;

/// The widget runs on host products' pages, other origins. Any origin may
/// call, but never with cookies (a wildcard origin forbids credentials), so
/// only the visitor token in `Authorization` identifies a user there.
pub fn widget_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::PATCH])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
}

pub fn router() -> Router<AppState> {
    let cors = widget_cors();
    Router::new()
        .route("/api/bot/ask", post(ask))
        .route("/api/bot/suggestions", get(suggestions))
        .route("/api/bot/conversations/{id}", get(conversation))
        .layer(cors)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AskRequest {
    question: String,
    page_url: Option<String>,
    page_title: Option<String>,
    locale: Option<String>,
    conversation_id: Option<String>,
}

#[derive(Serialize)]
struct AskResponse {
    conversation_id: String,
    #[serde(flatten)]
    answer: BotAnswer,
}

/// A question after validation: what the bot and the store may rely on.
struct ValidQuestion {
    question: String,
    page_url: Option<String>,
    locale: Option<Locale>,
    conversation_id: Option<String>,
}

fn validate(req: AskRequest) -> Result<ValidQuestion, ApiError> {
    let question = req.question.trim().to_string();
    if question.is_empty() {
        return Err(ApiError::bad(
            "empty_question",
            Some("question"),
            "Please type a question.",
        ));
    }
    let n = question.chars().count();
    if n > MAX_QUESTION_CHARS {
        return Err(ApiError::bad(
            "question_too_long",
            Some("question"),
            format!(
                "Your question is {n} characters long; please keep it under {MAX_QUESTION_CHARS}."
            ),
        ));
    }
    let page_url = validate_page_url(req.page_url)?;
    if req
        .page_title
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS)
    {
        return Err(ApiError::bad(
            "page_title_too_long",
            Some("page_title"),
            format!("page_title must be at most {MAX_TITLE_CHARS} characters."),
        ));
    }
    let locale = locale_param(req.locale.as_deref())?;
    let conversation_id = match req
        .conversation_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => None,
        Some(raw) if crate::accounts::token::is_id(raw) => Some(raw.to_string()),
        Some(_) => {
            return Err(ApiError::bad(
                "invalid_conversation_id",
                Some("conversation_id"),
                "conversation_id must be the id returned by an earlier answer.",
            ));
        }
    };
    Ok(ValidQuestion {
        question,
        page_url,
        locale,
        conversation_id,
    })
}

/// An optional `locale` field: absent or blank is `None`, unknown is an error.
fn locale_param(raw: Option<&str>) -> Result<Option<Locale>, ApiError> {
    match raw.map(str::trim).filter(|l| !l.is_empty()) {
        None => Ok(None),
        Some(raw) => Locale::parse(raw)
            .map(Some)
            .map_err(|e| ApiError::bad("unknown_locale", Some("locale"), e.to_string())),
    }
}

fn validate_page_url(raw: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(url) = raw.map(|u| u.trim().to_string()).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    if url.chars().count() > MAX_URL_CHARS {
        return Err(ApiError::bad(
            "page_url_too_long",
            Some("page_url"),
            format!("page_url must be at most {MAX_URL_CHARS} characters."),
        ));
    }
    let lower = url.to_ascii_lowercase();
    let web = lower.starts_with("http://") || lower.starts_with("https://") || url.starts_with('/');
    if !web || pages::path_of(&url).is_none() {
        return Err(ApiError::bad(
            "invalid_page_url",
            Some("page_url"),
            "page_url must be an http(s) URL or a path starting with /.",
        ));
    }
    Ok(Some(url))
}

async fn ask(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    caller: Result<Caller, ApiError>,
    body: Result<Json<AskRequest>, JsonRejection>,
) -> Result<Json<AskResponse>, ApiError> {
    // Limited per user when known (a widget visitor or a logged-in user),
    // else per address; an expired token only makes the caller anonymous.
    let client = match caller.ok().as_ref().and_then(Caller::user) {
        Some(u) => format!("user:{}", u.id),
        None => format!("ip:{ip}"),
    };
    // A body that is not a question costs nothing to refuse: not counted.
    let Json(req) = body.map_err(json_error)?;
    if let Err(refused) = state.limits.ask(&client) {
        // The refusal is held back up to a second (no CPU is spent
        // waiting): a client looping on 429s gets about one a second per
        // connection instead of burning the cores on refusals.
        if let ApiError::TooManyRequests { retry_after, .. } = &refused {
            tokio::time::sleep(std::time::Duration::from_secs((*retry_after).min(1))).await;
        }
        return Err(refused);
    }
    let q = validate(req)?;
    state.limits.ask_length(&client, q.question.chars().count());

    // A conversation is stored with its first turn, so one with no earlier
    // question is unknown: the history read also answers whether it exists.
    let history = match &q.conversation_id {
        Some(id) => conversations::recent_questions(&state.db, id, HISTORY_TURNS).await?,
        None => Vec::new(),
    };
    let (conversation_id, starts) = match &q.conversation_id {
        Some(id) if !history.is_empty() => (id.clone(), None),
        // An unknown id (e.g. a browser that remembers a conversation from a
        // reset server) starts a new conversation rather than failing.
        _ => {
            let locale = q.locale.unwrap_or(DEFAULT_LOCALE);
            let new = NewConversation {
                locale: locale.code(),
                page_url: q.page_url.as_deref(),
            };
            // 128 random bits: the id is the only key to the conversation.
            (crate::accounts::token::random_id(), Some(new))
        }
    };

    let knowledge = state.knowledge.current();
    let config = state.bot.clone();
    let (question, page_url, locale) = (q.question.clone(), q.page_url.clone(), q.locale);
    let answer = tokio::task::spawn_blocking(move || {
        bot::ask(
            &knowledge,
            &config,
            &AskInput {
                question: &question,
                page_url: page_url.as_deref(),
                locale,
                history: &history,
                client: &client,
            },
        )
    })
    .await??;

    let sources_json =
        serde_json::to_string(&answer.sources).map_err(|e| ApiError::Internal(e.to_string()))?;
    conversations::append_turn(
        &state.db,
        &conversation_id,
        starts.as_ref(),
        &q.question,
        q.page_url.as_deref(),
        &NewBotMessage {
            content: &answer.answer,
            sources_json: &sources_json,
            confidence: answer.confidence,
            escalated: answer.escalate,
        },
    )
    .await?;
    Ok(Json(AskResponse {
        conversation_id,
        answer,
    }))
}

fn json_error(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
            "Send the question as JSON with Content-Type: application/json.".into(),
        ),
        JsonRejection::BytesRejection(_) => {
            ApiError::PayloadTooLarge("The request body is too large.".into())
        }
        JsonRejection::JsonDataError(e) => ApiError::bad(
            "invalid_request",
            None,
            format!(
                "The request does not have the expected fields: {}",
                e.body_text()
            ),
        ),
        other => ApiError::bad(
            "invalid_json",
            None,
            format!("The request body is not valid JSON: {}", other.body_text()),
        ),
    }
}

#[derive(Deserialize)]
struct SuggestionParams {
    page_url: Option<String>,
    locale: Option<String>,
}

#[derive(Serialize)]
struct Suggestions {
    articles: Vec<ArticleLink>,
}

async fn suggestions(
    State(state): State<AppState>,
    Query(p): Query<SuggestionParams>,
    headers: HeaderMap,
) -> Result<Json<Suggestions>, ApiError> {
    let Some(page_url) = validate_page_url(p.page_url)? else {
        return Err(ApiError::bad(
            "missing_page_url",
            Some("page_url"),
            "page_url is required.",
        ));
    };
    let k = state.knowledge.current();
    let available = k.kb.locales();
    let locale = locale_param(p.locale.as_deref())?
        .or_else(|| super::accepted_locale(&headers, &available))
        .unwrap_or(DEFAULT_LOCALE);
    let mut found = bot::retrieve::page_suggestions(&k, &page_url, locale);
    if found.is_empty() && locale != DEFAULT_LOCALE {
        found = bot::retrieve::page_suggestions(&k, &page_url, DEFAULT_LOCALE);
    }
    let articles = found
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .filter_map(|i| k.kb.articles.get(i).map(ArticleLink::from))
        .collect();
    Ok(Json(Suggestions { articles }))
}

async fn conversation(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = id.trim().to_string();
    if !crate::accounts::token::is_id(&id) {
        return Err(ApiError::NotFound("No such conversation.".into()));
    }
    if !conversations::exists(&state.db, &id).await? {
        return Err(ApiError::NotFound("No such conversation.".into()));
    }
    let messages = conversations::messages(&state.db, &id).await?;
    Ok(Json(
        serde_json::json!({ "conversation_id": id, "messages": messages }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(question: &str) -> AskRequest {
        AskRequest {
            question: question.into(),
            page_url: None,
            page_title: None,
            locale: None,
            conversation_id: None,
        }
    }

    #[test]
    fn validation_table() {
        assert!(validate(req("how do I attach a file")).is_ok());
        let cases: Vec<(AskRequest, &str)> = vec![
            (req("   "), "empty_question"),
            (
                req(&"x".repeat(MAX_QUESTION_CHARS + 1)),
                "question_too_long",
            ),
            (
                AskRequest {
                    locale: Some("xx".into()),
                    ..req("q")
                },
                "unknown_locale",
            ),
            (
                AskRequest {
                    page_url: Some("javascript:alert(1)".into()),
                    ..req("q")
                },
                "invalid_page_url",
            ),
            (
                AskRequest {
                    conversation_id: Some("nope".into()),
                    ..req("q")
                },
                "invalid_conversation_id",
            ),
        ];
        for (r, expected) in cases {
            match validate(r) {
                Err(ApiError::BadRequest { code, .. }) => assert_eq!(code, expected),
                other => panic!("expected {expected}, got {:?}", other.err()),
            }
        }
    }
}
