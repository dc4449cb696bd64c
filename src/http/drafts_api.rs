//! Article drafts (admins): draft from a content gap or a resolved ticket,
//! edit, publish into the help center.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiPath};
use super::session_api::{JsonBody, json_body};
use crate::reports::drafts::{self, Draft, DraftError, DraftText, Source};
use crate::store::now;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update))
        .routes(routes!(publish))
}

impl From<DraftError> for ApiError {
    fn from(e: DraftError) -> Self {
        match e {
            DraftError::Store(s) => s.into(),
            DraftError::NoTicket(_) => ApiError::bad("invalid", Some("ticket"), e.to_string()),
            DraftError::NotResolved(_) => ApiError::Conflict(e.to_string()),
            DraftError::NoSource => ApiError::bad("invalid", None, e.to_string()),
            DraftError::Invalid { field, .. } => {
                ApiError::bad("invalid", Some(field), e.to_string())
            }
            DraftError::Unwritten | DraftError::Unreadable(_) => {
                ApiError::bad("invalid", Some("body"), e.to_string())
            }
            DraftError::Exists(_) | DraftError::Published(_) => ApiError::Conflict(e.to_string()),
            DraftError::NotFound => ApiError::NotFound(e.to_string()),
            DraftError::Write(_) => ApiError::Internal(e.to_string()),
        }
    }
}

/// An article draft.
#[derive(Serialize, ToSchema)]
pub struct DraftView {
    pub id: String,
    pub title: String,
    pub category: String,
    pub locale: String,
    pub tags: Vec<String>,
    /// The article's text (Markdown, without front matter).
    pub body: String,
    /// The whole file as it is published: front matter and body.
    pub markdown: String,
    /// Where it goes in the knowledge-base folder.
    pub path: String,
    /// The tickets it was drafted from (their numbers).
    pub tickets: Vec<i64>,
    /// The article's address once published.
    pub published_url: Option<String>,
    pub published_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<Draft> for DraftView {
    fn from(d: Draft) -> Self {
        DraftView {
            markdown: d.text.markdown(),
            path: d.text.path(),
            id: d.id,
            title: d.text.title,
            category: d.text.category,
            locale: d.text.locale.code().to_string(),
            tags: d.text.tags,
            body: d.text.body,
            tickets: d.tickets,
            published_url: d.published.as_ref().map(|p| p.url.clone()),
            published_at: d.published.map(|p| p.at),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// What to draft from: a resolved ticket (`ticket`), or a content gap's
/// `questions` with the `tickets` they became and the `articles` the bot
/// tried (`/help/…` links).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDraft {
    pub ticket: Option<i64>,
    #[serde(default)]
    pub questions: Vec<String>,
    #[serde(default)]
    pub tickets: Vec<i64>,
    #[serde(default)]
    pub articles: Vec<String>,
    /// Tags for the draft (a gap's distinctive words).
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A draft's text.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftEdit {
    pub title: String,
    pub category: String,
    pub locale: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub body: String,
}

impl DraftEdit {
    pub fn parse(&self) -> Result<DraftText, DraftError> {
        DraftText::parse(
            &self.title,
            &self.category,
            &self.locale,
            &self.tags,
            &self.body,
        )
    }
}

/// The newest drafts, published or not.
#[utoipa::path(get, path = "/api/drafts", tag = "operators",
    responses((status = 200, body = [DraftView]), (status = 401), (status = 403)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<DraftView>>, ApiError> {
    caller.require_admin()?;
    let all = drafts::recent(&state.db).await?;
    Ok(Json(all.into_iter().map(DraftView::from).collect()))
}

/// Drafts an article from a resolved ticket or a content gap: the question
/// as people asked it and the staff's public answer, with emails, names
/// and numbers removed. Noted in the tickets' history.
#[utoipa::path(post, path = "/api/drafts", tag = "operators", request_body = NewDraft,
    responses((status = 201, body = DraftView), (status = 400), (status = 401), (status = 403), (status = 409)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<NewDraft>,
) -> Result<(StatusCode, Json<DraftView>), ApiError> {
    let me = caller.require_admin()?;
    let body = json_body(body)?;
    let source = match body.ticket {
        Some(n) if body.questions.is_empty() && body.tickets.is_empty() => Source::Ticket(n),
        Some(_) => {
            return Err(ApiError::bad(
                "invalid",
                Some("ticket"),
                "Give a ticket, or a gap's questions and tickets, not both.",
            ));
        }
        None => Source::Gap {
            questions: &body.questions,
            tickets: &body.tickets,
            articles: &body.articles,
            tags: &body.tags,
        },
    };
    let made = drafts::create(&state.db, &state.knowledge, source, me, now()).await?;
    Ok((StatusCode::CREATED, Json(made.into())))
}

/// One draft.
#[utoipa::path(get, path = "/api/drafts/{id}", tag = "operators",
    params(("id" = String, Path)),
    responses((status = 200, body = DraftView), (status = 401), (status = 403), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DraftView>, ApiError> {
    caller.require_admin()?;
    Ok(Json(drafts::get(&state.db, &id).await?.into()))
}

/// Saves a draft's text (until it is published).
#[utoipa::path(put, path = "/api/drafts/{id}", tag = "operators", request_body = DraftEdit,
    params(("id" = String, Path)),
    responses((status = 200, body = DraftView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    body: JsonBody<DraftEdit>,
) -> Result<Json<DraftView>, ApiError> {
    caller.require_admin()?;
    let text = json_body(body)?.parse()?;
    Ok(Json(
        drafts::save(&state.db, &id, &text, now()).await?.into(),
    ))
}

/// Publishes a draft with this text: writes it into the knowledge-base
/// folder and re-indexes, so that the help center shows it and the bot
/// cites it at once (a very long article: within seconds, as its sections
/// are embedded).
#[utoipa::path(post, path = "/api/drafts/{id}/publish", tag = "operators", request_body = DraftEdit,
    params(("id" = String, Path)),
    responses((status = 200, body = DraftView), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    body: JsonBody<DraftEdit>,
) -> Result<Json<DraftView>, ApiError> {
    let me = caller.require_admin()?;
    let text = json_body(body)?.parse()?;
    let done = drafts::publish(&state.db, &state.knowledge, &id, &text, me, now()).await?;
    Ok(Json(done.into()))
}
