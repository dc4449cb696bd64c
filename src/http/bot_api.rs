//! The bot's JSON API, used by the widget: ask a question, and get the
//! articles relevant to the page the user is on.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, header};
use serde::{Deserialize, Serialize};
use tower_http::cors::{Any, CorsLayer};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiPath};
use super::security::ClientIp;
use crate::help::bot::{self, AskInput, BotAnswer};
use crate::help::kb::{ArticleLink, pages};
use crate::locale::{DEFAULT_LOCALE, Locale};
use crate::store::conversations::{self, NewBotMessage, NewConversation};
use crate::webhooks::events::{self, EventKind};

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
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::HeaderName::from_static(CONVERSATION_KEY_HEADER),
        ])
}

pub fn router() -> OpenApiRouter<AppState> {
    let cors = widget_cors();
    OpenApiRouter::new()
        .routes(routes!(ask))
        .routes(routes!(suggestions))
        .routes(routes!(article_card))
        .routes(routes!(search))
        .routes(routes!(conversation))
        .layer(cors)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AskRequest {
    /// At most 2000 characters.
    question: String,
    /// The page the user is on (http(s) URL or a path starting with /).
    page_url: Option<String>,
    page_title: Option<String>,
    /// en, fr, ro… (default: detected from the question).
    locale: Option<String>,
    /// From an earlier answer, for a follow-up question.
    conversation_id: Option<String>,
    /// The key returned with the conversation's first answer.
    conversation_key: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct AskResponse {
    conversation_id: String,
    /// Given once, with the first answer: send it back with the id to
    /// continue or read the conversation (the id alone does not suffice).
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation_key: Option<String>,
    /// The answer's id, to say whether it helped (`POST /api/bot/feedback`).
    message_id: i64,
    /// answer, sources, confidence, escalate, suggested_ticket_type, kind, locale.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    answer: BotAnswer,
}

/// A question after validation: what the bot and the store may rely on.
struct ValidQuestion {
    question: String,
    page_url: Option<String>,
    locale: Option<Locale>,
    conversation_id: Option<String>,
    conversation_key: Option<String>,
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
        Some(raw) if crate::ids::is_id(raw) => Some(raw.to_string()),
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
        conversation_key: req.conversation_key.filter(|k| !k.is_empty()),
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

/// Ask the bot a question; the answer cites its sources and says whether
/// to offer a person.
#[utoipa::path(post, path = "/api/bot/ask", tag = "bot", request_body = AskRequest,
    responses((status = 200, body = AskResponse), (status = 400), (status = 413), (status = 415), (status = 429)))]
async fn ask(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    caller: Result<Caller, ApiError>,
    body: Result<Json<AskRequest>, JsonRejection>,
) -> Result<Json<AskResponse>, ApiError> {
    // Asking needs no account; a signed-in caller owns the conversation too
    // and is limited as a user, others per address (a stale widget token
    // just asks anonymously).
    let caller_id = caller.ok().and_then(|c| c.user().map(|u| u.id.clone()));
    let client = super::security::client_key(caller_id.as_deref(), ip);
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
    // question is unknown. One that exists is continued only by its owner.
    let history = match &q.conversation_id {
        Some(id) => match conversations::owner(&state.db, id).await? {
            Some(o) if !o.is(caller_id.as_deref(), q.conversation_key.as_deref()) => {
                return Err(ApiError::NotFound("No such conversation.".into()));
            }
            Some(_) => conversations::recent_questions(&state.db, id, HISTORY_TURNS).await?,
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    let new_key = history.is_empty().then(crate::ids::random_id);
    let key_hash = new_key.as_deref().map(crate::ids::sha256_hex);
    let (conversation_id, starts) = match (&q.conversation_id, &key_hash) {
        (Some(id), None) => (id.clone(), None),
        // An unknown id (e.g. a browser that remembers a conversation from a
        // reset server) starts a new conversation rather than failing.
        (_, key_hash) => {
            let locale = q.locale.unwrap_or(DEFAULT_LOCALE);
            let new = NewConversation {
                locale: locale.code(),
                page_url: q.page_url.as_deref(),
                key_hash: key_hash.as_deref().unwrap_or_default(),
                user_id: caller_id.as_deref(),
            };
            // 128 random bits each: the id names it, the key proves ownership.
            (crate::ids::random_id(), Some(new))
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
    let articles = crate::help::bot::cited_articles(&answer.sources);
    let escalated_event = answer.escalate.then(|| {
        events::body(
            EventKind::BotEscalated,
            serde_json::json!({
                "conversation_id": conversation_id,
                "question": q.question,
                "page_url": q.page_url,
                "locale": answer.locale.code(),
                "suggested_ticket_type": answer.suggested_ticket_type,
                "confidence": answer.confidence,
                "escalation": answer.escalation,
            }),
            crate::store::now(),
        )
    });
    crate::metrics::bot_ask(answer.escalate);
    let message_id = conversations::append_turn(
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
            ticket_type: answer
                .escalate
                .then_some(answer.suggested_ticket_type)
                .flatten(),
            articles: &articles,
            event: escalated_event
                .as_deref()
                .map(|body| (EventKind::BotEscalated.as_str(), body)),
        },
    )
    .await?;
    Ok(Json(AskResponse {
        conversation_id,
        conversation_key: new_key,
        message_id,
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

#[derive(Serialize, ToSchema)]
struct Suggestions {
    articles: Vec<ArticleLink>,
}

/// Articles relevant to the page the user is on.
#[utoipa::path(get, path = "/api/bot/suggestions", tag = "bot",
    params(("page_url" = String, Query, description = "http(s) URL or a path starting with /"),
           ("locale" = Option<String>, Query)),
    responses((status = 200, body = Suggestions), (status = 400)))]
async fn suggestions(
    State(state): State<AppState>,
    p: Result<Query<SuggestionParams>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<Suggestions>, ApiError> {
    let Query(p) = p?;
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

#[derive(Deserialize)]
struct SearchParams {
    q: Option<String>,
    locale: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct SearchResults {
    /// Best first, at most 10.
    results: Vec<SearchHit>,
    /// The words searched for, when the search corrected their spelling.
    respelled: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct SearchHit {
    title: String,
    /// The best section's heading (empty for the introduction).
    section: String,
    url: String,
    /// The best section's first sentence.
    excerpt: String,
    category: String,
}

/// The help center's search, for the widget's search box.
#[utoipa::path(get, path = "/api/bot/search", tag = "bot",
    params(("q" = String, Query, description = "1 to 500 characters"),
           ("locale" = Option<String>, Query)),
    responses((status = 200, body = SearchResults), (status = 400)))]
async fn search(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    p: Result<Query<SearchParams>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Json<SearchResults>, ApiError> {
    let Query(p) = p?;
    let q = p.q.unwrap_or_default().trim().to_string();
    if q.is_empty() || q.chars().count() > 500 {
        return Err(ApiError::bad(
            "invalid_query",
            Some("q"),
            "q is 1 to 500 characters.",
        ));
    }
    let k = state.knowledge.current();
    let available = k.kb.locales();
    let locale = locale_param(p.locale.as_deref())?
        .filter(|l| available.contains(l))
        .or_else(|| super::accepted_locale(&headers, &available))
        .unwrap_or(DEFAULT_LOCALE);
    let client = format!("ip:{ip}");
    let found =
        tokio::task::spawn_blocking(move || crate::help::browse::search(&k, locale, &q, &client))
            .await??;
    Ok(Json(SearchResults {
        results: found
            .hits
            .into_iter()
            .map(|h| SearchHit {
                title: h.title,
                section: h.section,
                url: h.url,
                excerpt: h.excerpt,
                category: h.category,
            })
            .collect(),
        respelled: found.respelled,
    }))
}

#[derive(Deserialize)]
struct CardParams {
    url: Option<String>,
}

/// The card of a help-center link (an article sent in a chat): its title,
/// the section and a line of its text.
#[utoipa::path(get, path = "/api/bot/article-card", tag = "bot",
    params(("url" = String, Query, description = "a link to an article: /help/{locale}/{article}[#section], or the same as an absolute URL")),
    responses((status = 200, body = crate::help::kb::ArticleCard), (status = 400), (status = 404)))]
async fn article_card(
    State(state): State<AppState>,
    p: Result<Query<CardParams>, QueryRejection>,
) -> Result<Json<crate::help::kb::ArticleCard>, ApiError> {
    let Query(p) = p?;
    let url = p.url.unwrap_or_default();
    if url.trim().is_empty() || url.len() > 2000 {
        return Err(ApiError::bad(
            "invalid_url",
            Some("url"),
            "url is a link to a help-center article, at most 2000 characters.",
        ));
    }
    state
        .knowledge
        .current()
        .kb
        .card(&url)
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("No help-center article at this link.".into()))
}

/// A conversation `user` may attach to a ticket or a chat: theirs by its key
/// or because it is already part of their account. Unknown and others'
/// conversations get the same answer.
pub async fn owned_conversation(
    state: &AppState,
    id: &str,
    user: &crate::store::users::User,
    key: Option<&str>,
) -> Result<String, ApiError> {
    match conversations::owner(&state.db, id).await? {
        Some(o) if o.is(Some(&user.id), key) => Ok(id.to_string()),
        _ => Err(ApiError::bad(
            "unknown_conversation",
            Some("conversation_id"),
            "This bot conversation does not exist or is not yours (it may have been started on another server or browser).",
        )),
    }
}

/// The header carrying a conversation's key on reads.
pub const CONVERSATION_KEY_HEADER: &str = "x-conversation-key";

#[derive(Serialize, ToSchema)]
struct ConversationView {
    conversation_id: String,
    /// The questions and answers, oldest first.
    #[schema(value_type = Vec<Object>)]
    messages: Vec<conversations::Message>,
}

/// A conversation, for its owner (the browser with its key, or the user it
/// belongs to) and for staff; anyone else gets 404, as for tickets.
#[utoipa::path(get, path = "/api/bot/conversations/{id}", tag = "bot",
    params(("id" = String, Path), ("X-Conversation-Key" = Option<String>, Header, description = "The key given with the conversation's first answer")),
    responses((status = 200, body = ConversationView), (status = 401), (status = 404)))]
async fn conversation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Json<ConversationView>, ApiError> {
    let id = id.trim().to_string();
    if !crate::ids::is_id(&id) {
        return Err(ApiError::NotFound("No such conversation.".into()));
    }
    let key = headers
        .get(CONVERSATION_KEY_HEADER)
        .and_then(|v| v.to_str().ok());
    let staff = caller.user().is_some_and(|u| u.role().is_staff());
    let allowed = match conversations::owner(&state.db, &id).await? {
        Some(o) => staff || o.is(caller.user().map(|u| u.id.as_str()), key),
        None => false,
    };
    if !allowed {
        return Err(ApiError::NotFound("No such conversation.".into()));
    }
    let messages = conversations::messages(&state.db, &id).await?;
    Ok(Json(ConversationView {
        conversation_id: id,
        messages,
    }))
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
            conversation_key: None,
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
