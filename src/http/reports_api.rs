//! Reports as JSON (admins): the same figures as `/console/reports`.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use crate::reports::bot::{self, BotReport};
use crate::reports::desk::{self, Count, DeskReport};
use crate::reports::gaps::{self, Gap};
use crate::reports::period::{Period, PeriodError, date_of};
use crate::reports::scope::{Asked, Scope, ScopeError};
use crate::store::now;
use crate::store::reports::{CitedArticle, Spread};
use crate::store::users::User;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(bot_report))
        .routes(routes!(desk_report))
        .routes(routes!(gaps_report))
}

impl From<PeriodError> for ApiError {
    fn from(e: PeriodError) -> Self {
        let field = match e {
            PeriodError::BadDays => "days",
            PeriodError::BadDate(_) | PeriodError::BadRange | PeriodError::HalfRange => "from",
        };
        ApiError::bad("invalid", Some(field), e.to_string())
    }
}

/// The period of a report: `days` (7, 30 or 90), or `from` and `to`
/// (dates, both included); the last 30 days by default.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    pub days: Option<i64>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Narrow to a language (`en`, `fr`, …).
    pub locale: Option<String>,
    /// Bot questions asked on pages whose address contains this path.
    pub page: Option<String>,
    /// Tickets opened through `widget`, `portal`, `api` or `chat`.
    pub channel: Option<String>,
    /// Chats requested for this team (its name).
    pub team: Option<String>,
    /// One operator's tickets and chats (their email; admins only).
    pub operator: Option<String>,
}

impl PeriodQuery {
    pub fn period(&self) -> Result<Period, PeriodError> {
        Period::parse(self.days, self.from.as_deref(), self.to.as_deref(), now())
    }

    /// The filters, checked, for `viewer` (an operator: their own figures).
    pub async fn scope(&self, db: &crate::store::Db, viewer: &User) -> Result<Scope, ScopeError> {
        Scope::resolve(
            db,
            &Asked {
                locale: self.locale.as_deref(),
                page: self.page.as_deref(),
                channel: self.channel.as_deref(),
                team: self.team.as_deref(),
                operator: self.operator.as_deref(),
            },
            viewer,
        )
        .await
    }
}

impl From<ScopeError> for ApiError {
    fn from(e: ScopeError) -> Self {
        match e {
            ScopeError::Store(s) => s.into(),
            other => ApiError::bad("invalid", Some(other.field()), other.to_string()),
        }
    }
}

#[derive(Serialize, ToSchema, Default)]
pub struct Day {
    pub date: String,
    pub questions: i64,
    pub escalated: i64,
}

#[derive(Serialize, ToSchema, Default)]
pub struct Article {
    pub url: String,
    pub title: String,
    /// Answers that cited it.
    pub cited: i64,
}

impl From<CitedArticle> for Article {
    fn from(a: CitedArticle) -> Self {
        Article {
            url: a.url,
            title: a.title,
            cited: a.cited,
        }
    }
}

#[derive(Serialize, ToSchema, Default)]
pub struct DownVoted {
    pub created_at: i64,
    pub question: Option<String>,
    pub answer: String,
    pub comment: Option<String>,
}

/// How much the bot resolved on its own.
#[derive(Serialize, ToSchema, Default)]
pub struct BotReportView {
    /// First day of the period.
    pub from: String,
    /// Last day of the period (included).
    pub to: String,
    pub questions: i64,
    pub answered: i64,
    pub escalated: i64,
    /// Answered, then a ticket or a chat followed in the conversation.
    pub followed_by_person: i64,
    pub voted_down: i64,
    /// Answered, not followed by a person, not voted down.
    pub resolved: i64,
    pub resolution_rate: f64,
    pub escalation_rate: f64,
    pub helpful_votes: i64,
    pub unhelpful_votes: i64,
    pub per_day: Vec<Day>,
    pub top_articles: Vec<Article>,
    pub voted_down_answers: Vec<DownVoted>,
}

impl From<BotReport> for BotReportView {
    fn from(r: BotReport) -> Self {
        BotReportView {
            from: r.period.first_day(),
            to: r.period.last_day(),
            questions: r.questions,
            answered: r.answered,
            escalated: r.escalated,
            followed_by_person: r.followed_by_person,
            voted_down: r.voted_down,
            resolved: r.resolved,
            resolution_rate: r.resolution_rate,
            escalation_rate: r.escalation_rate,
            helpful_votes: r.helpful_votes,
            unhelpful_votes: r.unhelpful_votes,
            per_day: r
                .per_day
                .into_iter()
                .map(|(d, questions, escalated)| Day {
                    date: date_of(d),
                    questions,
                    escalated,
                })
                .collect(),
            top_articles: r.top_articles.into_iter().map(Article::from).collect(),
            voted_down_answers: r
                .voted_down_answers
                .into_iter()
                .map(|v| DownVoted {
                    created_at: v.created_at,
                    question: v.question,
                    answer: v.answer,
                    comment: v.comment,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CountView {
    pub code: String,
    pub label: String,
    pub count: i64,
}

fn counts(c: Vec<Count>) -> Vec<CountView> {
    c.into_iter()
        .map(|c| CountView {
            code: c.code.into(),
            label: c.label.into(),
            count: c.count,
        })
        .collect()
}

/// A duration's spread, in seconds.
#[derive(Serialize, ToSchema)]
pub struct SpreadView {
    /// How many were measured.
    pub count: i64,
    pub median_secs: Option<i64>,
    pub p90_secs: Option<i64>,
    /// The same, as people read them ("12 min").
    pub median: String,
    pub p90: String,
}

impl From<Spread> for SpreadView {
    fn from(s: Spread) -> Self {
        let (median, p90) = desk::spread_text(&s);
        SpreadView {
            count: s.count,
            median_secs: s.median,
            p90_secs: s.p90,
            median,
            p90,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OpenOnDay {
    pub date: String,
    pub open: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OperatorChats {
    pub operator: String,
    pub chats: i64,
}

/// How fast people answered.
#[derive(Serialize, ToSchema)]
pub struct DeskReportView {
    pub from: String,
    pub to: String,
    /// Tickets opened in the period.
    pub opened: i64,
    pub by_type: Vec<CountView>,
    pub by_priority: Vec<CountView>,
    /// Open tickets now, by status.
    pub backlog: Vec<CountView>,
    /// Open tickets at the end of each day of the period.
    pub backlog_per_day: Vec<OpenOnDay>,
    pub first_response: SpreadView,
    pub answered_in_time: i64,
    /// Not answered, past the target.
    pub overdue: i64,
    /// answered in time / (answered + overdue); null when neither.
    pub within_target: Option<f64>,
    pub resolution: SpreadView,
    pub reopened: i64,
    pub chat_requests: i64,
    pub chat_wait: SpreadView,
    /// Ended or cancelled before anyone took them.
    pub chats_abandoned: i64,
    pub chats_per_operator: Vec<OperatorChats>,
    pub chat_ratings: i64,
    /// Mean rating of the period's chats, 1 to 5.
    pub csat: Option<f64>,
}

impl From<DeskReport> for DeskReportView {
    fn from(r: DeskReport) -> Self {
        DeskReportView {
            from: r.period.first_day(),
            to: r.period.last_day(),
            opened: r.opened,
            by_type: counts(r.by_type),
            by_priority: counts(r.by_priority),
            backlog: counts(r.backlog),
            backlog_per_day: r
                .backlog_per_day
                .into_iter()
                .map(|(d, open)| OpenOnDay {
                    date: date_of(d),
                    open,
                })
                .collect(),
            first_response: r.times.first_response.into(),
            answered_in_time: r.times.answered_in_time,
            overdue: r.times.overdue,
            within_target: r.within_target,
            resolution: r.times.resolution.into(),
            reopened: r.times.reopened,
            chat_requests: r.chats.requests,
            chat_wait: r.chats.wait.into(),
            chats_abandoned: r.chats.abandoned,
            chats_per_operator: r
                .chats
                .per_operator
                .into_iter()
                .map(|(operator, chats)| OperatorChats { operator, chats })
                .collect(),
            chat_ratings: r.chats.ratings,
            csat: r.chats.csat,
        }
    }
}

/// The desk's figures for a period (admins; an operator gets their own).
#[utoipa::path(get, path = "/api/reports/desk", tag = "operators",
    params(("days" = Option<i64>, Query, description = "7, 30 or 90"),
           ("from" = Option<String>, Query, description = "first day, YYYY-MM-DD"),
           ("to" = Option<String>, Query, description = "last day, YYYY-MM-DD"),
           ("locale" = Option<String>, Query, description = "tickets and chats of users of this language"),
           ("channel" = Option<String>, Query, description = "tickets opened through widget, portal, api or chat"),
           ("team" = Option<String>, Query, description = "chats requested for this team"),
           ("operator" = Option<String>, Query, description = "one operator's tickets and chats (email; admins; an operator always gets their own)")),
    responses((status = 200, body = DeskReportView), (status = 400), (status = 401), (status = 403)))]
pub async fn desk_report(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DeskReportView>, ApiError> {
    let me = caller.require_staff()?;
    let Query(q) = query.map_err(|e| ApiError::bad("invalid", Some("days"), e.body_text()))?;
    let scope = q.scope(&state.db, me).await?;
    let report = desk::report(&state.db, q.period()?, now(), &scope).await?;
    Ok(Json(report.into()))
}

/// A group of questions the bot did not settle: what to write next.
#[derive(Serialize, ToSchema)]
pub struct GapView {
    /// The group's most central question.
    pub label: String,
    /// Its most distinctive words.
    pub words: Vec<String>,
    pub questions: usize,
    /// Conversations that asked.
    pub people: usize,
    pub escalated: usize,
    pub voted_down: usize,
    pub examples: Vec<String>,
    /// The articles the bot answered with.
    pub articles_tried: Vec<Article>,
    /// Tickets the questions turned into.
    pub tickets: Vec<i64>,
}

impl From<Gap> for GapView {
    fn from(g: Gap) -> Self {
        GapView {
            label: g.label,
            words: g.words,
            questions: g.questions,
            people: g.people,
            escalated: g.escalated,
            voted_down: g.voted_down,
            examples: g.examples,
            articles_tried: g.articles_tried.into_iter().map(Article::from).collect(),
            tickets: g.tickets,
        }
    }
}

/// Loads the content gaps of a period with the bot's model and threshold.
pub async fn gaps_of(state: &AppState, period: Period) -> Result<Vec<GapView>, ApiError> {
    // The model itself, ready before a new help center's sections are.
    let embedder = state.knowledge.embedder();
    let found = gaps::report(&state.db, period, state.bot.threshold, embedder).await?;
    Ok(found.into_iter().map(GapView::from).collect())
}

/// What to write next: the questions the bot escalated, answered with low
/// confidence or had voted down, grouped by meaning, most asked first
/// (admins).
#[utoipa::path(get, path = "/api/reports/gaps", tag = "operators",
    params(("days" = Option<i64>, Query, description = "7, 30 or 90"),
           ("from" = Option<String>, Query, description = "first day, YYYY-MM-DD"),
           ("to" = Option<String>, Query, description = "last day, YYYY-MM-DD")),
    responses((status = 200, body = [GapView]), (status = 400), (status = 401), (status = 403)))]
pub async fn gaps_report(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<GapView>>, ApiError> {
    caller.require_admin()?;
    let Query(q) = query.map_err(|e| ApiError::bad("invalid", Some("days"), e.body_text()))?;
    Ok(Json(gaps_of(&state, q.period()?).await?))
}

/// The bot's figures for a period (admins).
#[utoipa::path(get, path = "/api/reports/bot", tag = "operators",
    params(("days" = Option<i64>, Query, description = "7, 30 or 90"),
           ("from" = Option<String>, Query, description = "first day, YYYY-MM-DD"),
           ("to" = Option<String>, Query, description = "last day, YYYY-MM-DD"),
           ("locale" = Option<String>, Query, description = "questions in this language"),
           ("page" = Option<String>, Query, description = "questions asked on pages whose address contains this path")),
    responses((status = 200, body = BotReportView), (status = 400), (status = 401), (status = 403)))]
pub async fn bot_report(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<BotReportView>, ApiError> {
    let me = caller.require_admin()?;
    let Query(q) = query.map_err(|e| ApiError::bad("invalid", Some("days"), e.body_text()))?;
    let scope = q.scope(&state.db, me).await?;
    let report = bot::report(&state.db, q.period()?, &scope).await?;
    Ok(Json(report.into()))
}
