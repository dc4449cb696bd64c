//! The admins' reports page (`/console/reports`): the bot's figures for a
//! period, a chart with its table, and a CSV of every table.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use minijinja::context;

use super::super::AppState;
use super::super::auth::Caller;
use super::super::error::PageError;
use super::super::reports_api::{BotReportView, DeskReportView, PeriodQuery};
use super::{PortalError, PortalResult, page};
use crate::reports::chart::{self, Bar};
use crate::reports::period::Period;
use crate::reports::{bot, desk};
use crate::store::now;

fn admin(caller: &Caller) -> Result<(), PortalError> {
    super::admin::admin_at(caller, "/console/reports", "Reports are for admins.").map(|_| ())
}

type PeriodResult = Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>;

/// The query's period, and its `days` when it was given so (not by dates).
fn period_of(query: PeriodResult) -> Result<(Period, Option<i64>), PortalError> {
    let Query(q) = query.map_err(|e| {
        PortalError::Page(PageError::BadRequest(format!(
            "Not a valid period: {}",
            e.body_text()
        )))
    })?;
    let period = q
        .period()
        .map_err(|e| PortalError::Page(PageError::BadRequest(e.to_string())))?;
    Ok((period, q.from.is_none().then(|| q.days.unwrap_or(30))))
}

/// Both reports for the query's period, and its `days` when given so.
type Loaded = (BotReportView, DeskReportView, Option<i64>);

async fn load(state: &AppState, query: PeriodResult) -> Result<Loaded, PortalError> {
    let (period, days) = period_of(query)?;
    Ok((
        bot::report(&state.db, period).await?.into(),
        desk::report(&state.db, period, now()).await?.into(),
        days,
    ))
}

pub(super) async fn reports_page(
    State(state): State<AppState>,
    caller: Caller,
    query: PeriodResult,
) -> PortalResult {
    admin(&caller)?;
    let (r, d, days) = load(&state, query).await?;
    let bars: Vec<Bar> = r
        .per_day
        .iter()
        .map(|d| Bar {
            label: d.date.get(5..).unwrap_or(&d.date).to_string(),
            parts: vec![d.questions - d.escalated, d.escalated],
        })
        .collect();
    let svg = chart::bars(
        "Questions per day: answered and escalated",
        &bars,
        &["answered", "escalated"],
        &["#1971c2", "#c2410c"],
    );
    let period = match days {
        Some(n) => format!("days={n}"),
        None => format!("from={}&to={}", r.from, r.to),
    };
    page(
        &caller,
        "portal/reports.html",
        "reports",
        context! { title => "Reports", r => r, d => d, chart => svg, days => days, period => period },
    )
    .await
}

/// What to write next: the content gaps of the period.
pub(super) async fn gaps_page(
    State(state): State<AppState>,
    caller: Caller,
    query: PeriodResult,
) -> PortalResult {
    admin(&caller)?;
    let (period, days) = period_of(query)?;
    let gaps = super::super::reports_api::gaps_of(&state, period)
        .await
        .map_err(|e| PortalError::Page(PageError::Internal(e.to_string())))?;
    page(
        &caller,
        "portal/gaps.html",
        "reports",
        context! {
            title => "What to write next",
            gaps => gaps,
            days => days,
            from => period.first_day(),
            to => period.last_day(),
        },
    )
    .await
}

/// One table of the report as CSV (`summary`, `days`, `articles`,
/// `voted-down`, `tickets`, `times`, `chats`).
pub(super) async fn reports_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path(table): Path<String>,
    query: PeriodResult,
) -> PortalResult {
    admin(&caller)?;
    let (r, d, _) = load(&state, query).await?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let name = table.trim_end_matches(".csv");
    match name {
        "summary" => {
            rows.push(vec!["figure".into(), "value".into()]);
            for (k, v) in [
                ("questions", r.questions.to_string()),
                ("answered", r.answered.to_string()),
                ("escalated", r.escalated.to_string()),
                ("followed by a person", r.followed_by_person.to_string()),
                ("voted down", r.voted_down.to_string()),
                ("resolved", r.resolved.to_string()),
                ("resolution rate", r.resolution_rate.to_string()),
                ("escalation rate", r.escalation_rate.to_string()),
                ("helpful votes", r.helpful_votes.to_string()),
                ("not helpful votes", r.unhelpful_votes.to_string()),
            ] {
                rows.push(vec![k.into(), v]);
            }
        }
        "days" => {
            rows.push(vec!["date".into(), "questions".into(), "escalated".into()]);
            for d in &r.per_day {
                rows.push(vec![
                    d.date.clone(),
                    d.questions.to_string(),
                    d.escalated.to_string(),
                ]);
            }
        }
        "articles" => {
            rows.push(vec!["article".into(), "url".into(), "cited".into()]);
            for a in &r.top_articles {
                rows.push(vec![a.title.clone(), a.url.clone(), a.cited.to_string()]);
            }
        }
        "voted-down" => {
            rows.push(vec!["question".into(), "answer".into(), "comment".into()]);
            for v in &r.voted_down_answers {
                rows.push(vec![
                    v.question.clone().unwrap_or_default(),
                    v.answer.clone(),
                    v.comment.clone().unwrap_or_default(),
                ]);
            }
        }
        "tickets" => {
            rows.push(vec!["by".into(), "value".into(), "tickets".into()]);
            for (by, list) in [
                ("type", &d.by_type),
                ("priority", &d.by_priority),
                ("open now", &d.backlog),
            ] {
                for c in list {
                    rows.push(vec![by.into(), c.label.clone(), c.count.to_string()]);
                }
            }
        }
        "times" => {
            rows.push(vec![
                "figure".into(),
                "count".into(),
                "median (s)".into(),
                "90th percentile (s)".into(),
            ]);
            let secs = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
            for (name, s) in [
                ("first response", &d.first_response),
                ("resolution", &d.resolution),
                ("chat wait", &d.chat_wait),
            ] {
                rows.push(vec![
                    name.into(),
                    s.count.to_string(),
                    secs(s.median_secs),
                    secs(s.p90_secs),
                ]);
            }
        }
        "chats" => {
            rows.push(vec!["operator".into(), "chats".into()]);
            for o in &d.chats_per_operator {
                rows.push(vec![o.operator.clone(), o.chats.to_string()]);
            }
        }
        _ => {
            return Err(PortalError::Page(PageError::NotFound));
        }
    }
    let body: String = rows.iter().map(|r| csv_line(r)).collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"frontdesk-{name}-{}-{}.csv\"",
                    r.from, r.to
                ),
            ),
        ],
        body,
    )
        .into_response())
}

/// One CSV line (RFC 4180 quoting); a cell starting with = + - @ is
/// prefixed with ' so that a spreadsheet does not run it as a formula.
fn csv_line(cells: &[String]) -> String {
    let mut line = cells
        .iter()
        .map(|c| {
            let c = if c.starts_with(['=', '+', '-', '@']) {
                format!("'{c}")
            } else {
                c.clone()
            };
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        let line = csv_line(&["plain".into(), "a, \"b\"".into(), "=HYPERLINK(1)".into()]);
        assert_eq!(line, "plain,\"a, \"\"b\"\"\",'=HYPERLINK(1)\r\n");
    }
}
