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
use crate::accounts::Role;
use crate::reports::chart::{self, Bar};
use crate::reports::period::Period;
use crate::reports::scope::{Scope, ScopeError};
use crate::reports::{bot, desk};
use crate::store::now;
use crate::store::users::User;
use crate::tickets::Source;

fn admin(caller: &Caller) -> Result<(), PortalError> {
    super::admin::admin_at(caller, "/console/reports", "Reports are for admins.").map(|_| ())
}

/// Admins and operators (who see their own figures).
fn staff(caller: &Caller) -> Result<&User, PortalError> {
    let me = super::user(caller, "/console/reports")?;
    if me.role().is_staff() {
        Ok(me)
    } else {
        Err(PortalError::Page(PageError::BadRequest(
            "Reports are for the desk's staff.".into(),
        )))
    }
}

type PeriodResult = Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>;

fn bad(message: String) -> PortalError {
    PortalError::Page(PageError::BadRequest(message))
}

/// The query's period, its `days` when it was given so (not by dates), and
/// the query itself.
fn period_of(query: PeriodResult) -> Result<(Period, Option<i64>, PeriodQuery), PortalError> {
    let Query(q) = query.map_err(|e| bad(format!("Not a valid period: {}", e.body_text())))?;
    let period = q.period().map_err(|e| bad(e.to_string()))?;
    let days = q.from.is_none().then(|| q.days.unwrap_or(30));
    Ok((period, days, q))
}

/// The reports of the query's period and filters: the bot's for admins
/// only, the desk's (an operator's own) for staff.
struct Loaded {
    bot: Option<BotReportView>,
    desk: DeskReportView,
    days: Option<i64>,
    scope: Scope,
}

async fn load(state: &AppState, me: &User, query: PeriodResult) -> Result<Loaded, PortalError> {
    let (period, days, q) = period_of(query)?;
    let scope = q.scope(&state.db, me).await.map_err(|e| match e {
        ScopeError::Store(s) => PortalError::from(s),
        other => bad(other.to_string()),
    })?;
    // Both at once: each reads its own tables on its own connection.
    let (bot, desk) = tokio::join!(
        async {
            if me.role() == Role::Admin {
                bot::report(&state.db, period, &scope).await.map(Some)
            } else {
                Ok(None)
            }
        },
        desk::report(&state.db, period, now(), &scope)
    );
    Ok(Loaded {
        bot: bot?.map(Into::into),
        desk: desk?.into(),
        days,
        scope,
    })
}

/// The period and the filters as a query string.
fn query_of(l: &Loaded) -> String {
    let period = match l.days {
        Some(n) => format!("days={n}"),
        None => format!("from={}&to={}", l.desk.from, l.desk.to),
    };
    let filters = l.scope.query();
    if filters.is_empty() {
        period
    } else {
        format!("{period}&{filters}")
    }
}

pub(super) async fn reports_page(
    State(state): State<AppState>,
    caller: Caller,
    query: PeriodResult,
) -> PortalResult {
    let me = staff(&caller)?;
    let loaded = load(&state, me, query).await?;
    let svg = loaded.bot.as_ref().map(|r| {
        let bars: Vec<Bar> = r
            .per_day
            .iter()
            .map(|d| Bar {
                label: d.date.get(5..).unwrap_or(&d.date).to_string(),
                parts: vec![d.questions - d.escalated, d.escalated],
            })
            .collect();
        chart::bars(
            "Questions per day: answered and escalated",
            &bars,
            &["answered", "escalated"],
            &["#1971c2", "#c2410c"],
        )
    });
    let backlog_bars: Vec<Bar> = loaded
        .desk
        .backlog_per_day
        .iter()
        .map(|d| Bar {
            label: d.date.get(5..).unwrap_or(&d.date).to_string(),
            parts: vec![d.open],
        })
        .collect();
    let backlog_svg = chart::bars(
        "Open tickets at the end of each day",
        &backlog_bars,
        &["open"],
        &["#6741d9"],
    );
    let k = state.knowledge.current();
    let locales: Vec<_> =
        k.kb.locales()
            .iter()
            .map(|l| context! { code => l.code(), name => l.native_name() })
            .collect();
    let channels: Vec<_> = Source::ALL
        .iter()
        .map(|c| context! { code => c.as_str(), name => c.label() })
        .collect();
    let teams: Vec<String> = crate::store::queue::teams_with_members(&state.db)
        .await?
        .into_iter()
        .map(|t| t.0)
        .collect();
    let operators: Vec<_> = if me.role() == Role::Admin {
        crate::store::users::all(&state.db)
            .await?
            .into_iter()
            .filter(|u| u.role().is_staff())
            .map(|u| context! { email => u.email, name => u.display_name().to_string() })
            .collect()
    } else {
        Vec::new()
    };
    let scope = &loaded.scope;
    let filters = context! {
        locale => scope.locale.map(|l| l.code()),
        page => scope.page.clone(),
        channel => scope.channel.map(|c| c.as_str()),
        team => scope.team.as_ref().map(|t| t.1.clone()),
        operator => scope.operator.as_ref().map(|o| o.1.clone()),
        query => scope.query(),
    };
    let period = query_of(&loaded);
    page(
        &caller,
        "portal/reports.html",
        "reports",
        context! {
            title => "Reports", r => loaded.bot, d => loaded.desk, chart => svg,
            backlog_chart => backlog_svg, days => loaded.days, period => period,
            f => filters, locales => locales, channels => channels, teams => teams,
            operators => operators,
        },
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
    let (period, days, _) = period_of(query)?;
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
/// `voted-down`, `tickets`, `times`, `backlog`, `chats`), with the page's
/// period and filters.
pub(super) async fn reports_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path(table): Path<String>,
    query: PeriodResult,
) -> PortalResult {
    let me = staff(&caller)?;
    let loaded = load(&state, me, query).await?;
    let d = &loaded.desk;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let name = table.trim_end_matches(".csv");
    let bot_table = matches!(name, "summary" | "days" | "articles" | "voted-down");
    let r = match &loaded.bot {
        Some(r) => r,
        None if bot_table => return Err(bad("The bot's tables are for admins.".into())),
        // Not read below: the desk's tables only.
        None => &BotReportView::default(),
    };
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
        "backlog" => {
            rows.push(vec!["date".into(), "open tickets".into()]);
            for b in &d.backlog_per_day {
                rows.push(vec![b.date.clone(), b.open.to_string()]);
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
                    d.from, d.to
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
