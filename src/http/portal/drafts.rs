//! Drafting help articles in the console (admins): "Draft an article" on a
//! content gap or a resolved ticket, the editor, publishing, the list.
//! Plain forms: works without JavaScript.

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use serde::Deserialize;

use super::super::AppState;
use super::super::auth::Caller;
use super::super::drafts_api::DraftView;
use super::super::error::{ApiError, PageError};
use super::{NoticeQuery, PortalError, PortalResult, check_csrf, page};
use crate::reports::drafts::{self, DraftError, DraftText, Source};
use crate::store::now;
use crate::tickets::timing::format_utc as fmt_time;

fn admin<'a>(caller: &'a Caller, here: &str) -> Result<&'a crate::store::users::User, PortalError> {
    super::admin::admin_at(caller, here, "Drafting help articles is for admins.")
}

fn bad(e: DraftError) -> PortalError {
    PortalError::from(ApiError::from(e))
}

/// What the gap or the ticket page sends.
#[derive(Deserialize)]
pub(super) struct NewDraftForm {
    csrf: String,
    #[serde(default)]
    ticket: String,
    /// One per line.
    #[serde(default)]
    questions: String,
    /// Numbers, comma-separated.
    #[serde(default)]
    tickets: String,
    /// `/help/…` links, one per line.
    #[serde(default)]
    articles: String,
    #[serde(default)]
    tags: String,
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn commas(s: &str) -> Vec<String> {
    s.split(',')
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn number(s: &str) -> Result<i64, PortalError> {
    s.trim().trim_start_matches('#').parse().map_err(|_| {
        PortalError::Page(PageError::BadRequest(format!(
            "{s} is not a ticket number."
        )))
    })
}

pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Form(f): Form<NewDraftForm>,
) -> PortalResult {
    let me = admin(&caller, "/console/reports/gaps")?;
    check_csrf(&caller, Some(&f.csrf)).await?;
    let tickets = commas(&f.tickets)
        .iter()
        .map(|t| number(t))
        .collect::<Result<Vec<_>, _>>()?;
    let (questions, articles, tags) = (lines(&f.questions), lines(&f.articles), commas(&f.tags));
    let source = if f.ticket.trim().is_empty() {
        Source::Gap {
            questions: &questions,
            tickets: &tickets,
            articles: &articles,
            tags: &tags,
        }
    } else {
        Source::Ticket(number(&f.ticket)?)
    };
    let made = drafts::create(&state.db, &state.knowledge, source, me, now())
        .await
        .map_err(bad)?;
    Ok(Redirect::to(&format!("/console/drafts/{}", made.id)).into_response())
}

/// The editor's form.
#[derive(Deserialize)]
pub(super) struct EditForm {
    csrf: String,
    title: String,
    category: String,
    locale: String,
    #[serde(default)]
    tags: String,
    body: String,
    /// `save` or `publish`.
    action: String,
}

async fn editor(
    state: &AppState,
    caller: &Caller,
    view: DraftView,
    notice: Option<&str>,
    error: Option<String>,
) -> PortalResult {
    let k = state.knowledge.current();
    let mut categories: Vec<String> = k.kb.articles.iter().map(|a| a.category.clone()).collect();
    categories.sort();
    categories.dedup();
    let mut locales: Vec<crate::locale::Locale> = k.kb.locales();
    if let Ok(l) = crate::locale::Locale::parse(&view.locale)
        && !locales.contains(&l)
    {
        locales.push(l);
    }
    let locales: Vec<_> = locales
        .iter()
        .map(|l| context! { code => l.code(), name => l.native_name() })
        .collect();
    let published = view.published_at.map(fmt_time);
    let failed = error.is_some();
    let mut res = page(
        caller,
        "portal/draft.html",
        "reports",
        context! {
            title => format!("Draft: {}", view.title),
            d => view, categories => categories, locales => locales,
            notice => notice, error => error, published => published,
        },
    )
    .await?;
    if failed {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

pub(super) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> PortalResult {
    admin(&caller, &format!("/console/drafts/{id}"))?;
    let d = drafts::get(&state.db, &id).await.map_err(bad)?;
    let notice = match q.notice.as_deref() {
        Some("saved") => Some("Draft saved."),
        _ => None,
    };
    editor(&state, &caller, d.into(), notice, None).await
}

pub(super) async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(f): Form<EditForm>,
) -> PortalResult {
    let me = admin(&caller, &format!("/console/drafts/{id}"))?;
    check_csrf(&caller, Some(&f.csrf)).await?;
    let current = drafts::get(&state.db, &id).await.map_err(bad)?;
    let tags = commas(&f.tags);
    let done = match DraftText::parse(&f.title, &f.category, &f.locale, &tags, &f.body) {
        Ok(text) => match f.action.as_str() {
            "publish" => drafts::publish(&state.db, &state.knowledge, &id, &text, me, now())
                .await
                .map(|_| None),
            _ => drafts::save(&state.db, &id, &text, now())
                .await
                .map(|_| Some("saved")),
        },
        Err(e) => Err(e),
    };
    match done {
        Ok(Some(notice)) => {
            Ok(Redirect::to(&format!("/console/drafts/{id}?notice={notice}")).into_response())
        }
        Ok(None) => Ok(Redirect::to(&format!("/console/drafts/{id}")).into_response()),
        Err(e @ (DraftError::NotFound | DraftError::Store(_) | DraftError::Write(_))) => {
            Err(bad(e))
        }
        Err(e) => {
            // Shown with what was typed, so nothing is lost.
            let mut view = DraftView::from(current);
            view.title = f.title.clone();
            view.category = f.category.clone();
            view.locale = f.locale.clone();
            view.tags = tags;
            view.body = f.body.clone();
            editor(&state, &caller, view, None, Some(e.to_string())).await
        }
    }
}

pub(super) async fn list(State(state): State<AppState>, caller: Caller) -> PortalResult {
    admin(&caller, "/console/drafts")?;
    let all: Vec<_> = drafts::recent(&state.db)
        .await
        .map_err(bad)?
        .into_iter()
        .map(|d| {
            let changed = fmt_time(d.updated_at);
            let v = DraftView::from(d);
            context! {
                id => v.id, title => v.title, category => v.category, locale => v.locale,
                tickets => v.tickets, published_url => v.published_url, changed => changed,
            }
        })
        .collect();
    page(
        &caller,
        "portal/drafts.html",
        "reports",
        context! { title => "Article drafts", drafts => all },
    )
    .await
}
