//! How fast people answer: tickets opened by type and priority, first
//! response and resolution times, the share answered within target,
//! reopened tickets, the backlog, and live chat (requests, waits,
//! abandoned, chats per operator, ratings).

use super::period::Period;
use super::scope::Scope;
use crate::store::reports::{
    self as store, BacklogFlow, ChatFigures, Spread, TicketColumn, TicketTimes,
};
use crate::store::{Db, StoreError};
use crate::tickets::{Priority, Status, TicketKind};

/// One row of a count by value: its code, its label, how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub code: &'static str,
    pub label: &'static str,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeskReport {
    pub period: Period,
    pub opened: i64,
    pub by_type: Vec<Count>,
    pub by_priority: Vec<Count>,
    /// Open now, by status.
    pub backlog: Vec<Count>,
    /// Open at the end of each day of the period: (day since the epoch, open).
    pub backlog_per_day: Vec<(i64, i64)>,
    pub times: TicketTimes,
    /// Answered within target / (answered + overdue); None when neither.
    pub within_target: Option<f64>,
    pub chats: ChatFigures,
}

/// Every value of a vocabulary, counted (zero when absent).
fn counts(
    all: impl Iterator<Item = (&'static str, &'static str)>,
    found: &[(String, i64)],
) -> Vec<Count> {
    all.map(|(code, label)| Count {
        code,
        label,
        count: found.iter().find(|(c, _)| c == code).map_or(0, |(_, n)| *n),
    })
    .collect()
}

/// The open backlog at the end of each day, from the tickets open at the
/// start and those opened and resolved each day.
fn backlog_per_day(period: &Period, flow: &BacklogFlow) -> Vec<(i64, i64)> {
    let of =
        |list: &[(i64, i64)], day: i64| list.iter().find(|(d, _)| *d == day).map_or(0, |r| r.1);
    let mut open = flow.open_at_start;
    period
        .days()
        .map(|day| {
            open += of(&flow.opened, day) - of(&flow.resolved, day);
            (day, open.max(0))
        })
        .collect()
}

pub async fn report(
    db: &Db,
    period: Period,
    now: i64,
    scope: &Scope,
) -> Result<DeskReport, StoreError> {
    let s = scope.store();
    let by_type = counts(
        TicketKind::ALL.iter().map(|k| (k.as_str(), k.label())),
        &store::tickets_by(db, TicketColumn::Kind, period.from, period.to, &s).await?,
    );
    let by_priority = counts(
        Priority::ALL.iter().map(|p| (p.as_str(), p.label())),
        &store::tickets_by(db, TicketColumn::Priority, period.from, period.to, &s).await?,
    );
    let backlog = counts(
        Status::ALL
            .iter()
            .filter(|s| !matches!(s, Status::Resolved | Status::Closed))
            .map(|s| (s.as_str(), s.label())),
        &store::backlog(db, &s).await?,
    );
    let times = store::ticket_times(db, period.from, period.to, now, &s).await?;
    let flow = store::backlog_flow(db, period.from, period.to, &s).await?;
    let judged = times.first_response.count + times.overdue;
    Ok(DeskReport {
        period,
        opened: by_type.iter().map(|c| c.count).sum(),
        by_type,
        by_priority,
        backlog,
        backlog_per_day: backlog_per_day(&period, &flow),
        within_target: (judged > 0)
            .then(|| (times.answered_in_time as f64 / judged as f64 * 1000.0).round() / 1000.0),
        times,
        chats: store::chat_figures(db, period.from, period.to, &s).await?,
    })
}

/// A duration for people: "45 s", "12 min", "3.5 h", "2.1 days".
pub fn human(secs: Option<i64>) -> String {
    match secs {
        None => "–".into(),
        Some(s) if s < 60 => format!("{s} s"),
        Some(s) if s < 3600 => format!("{} min", (s as f64 / 60.0).round()),
        Some(s) if s < 2 * 86_400 => format!("{:.1} h", s as f64 / 3600.0),
        Some(s) => format!("{:.1} days", s as f64 / 86_400.0),
    }
}

/// The spread's figures as people read them.
pub fn spread_text(s: &Spread) -> (String, String) {
    (human(s.median), human(s.p90))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human(None), "–");
        assert_eq!(human(Some(45)), "45 s");
        assert_eq!(human(Some(720)), "12 min");
        assert_eq!(human(Some(3 * 3600 + 1800)), "3.5 h");
        assert_eq!(human(Some(5 * 86_400)), "5.0 days");
    }

    #[test]
    fn the_backlog_follows_what_was_opened_and_resolved() {
        let period = Period {
            from: 10 * 86_400,
            to: 13 * 86_400,
        };
        let flow = BacklogFlow {
            open_at_start: 5,
            opened: vec![(10, 3), (12, 1)],
            resolved: vec![(11, 4), (12, 1)],
        };
        assert_eq!(backlog_per_day(&period, &flow), [(10, 8), (11, 4), (12, 4)]);
    }

    #[test]
    fn every_value_is_counted_even_when_absent() {
        let c = counts(
            TicketKind::ALL.iter().map(|k| (k.as_str(), k.label())),
            &[("bug_report".to_string(), 2)],
        );
        assert_eq!(c.len(), 3);
        assert_eq!(c.iter().map(|c| c.count).sum::<i64>(), 2);
    }
}
