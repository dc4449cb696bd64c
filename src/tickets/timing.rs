//! Time rules of tickets: when a first answer is due (per priority), and
//! when a resolved ticket closes by itself. All in UTC, on unix seconds.

use std::fmt;

use serde::Serialize;
use time::{Duration, OffsetDateTime, Weekday};

use super::fields::Priority;

/// A response-time target: a fixed delay or a number of business days
/// (Monday to Friday; the due time keeps the time of day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Hours(i64),
    BusinessDays(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a duration such as 1h, 4h, 1bd (business day) or 3bd")]
pub struct BadTarget(pub String);

impl Target {
    pub fn parse(s: &str) -> Result<Target, BadTarget> {
        let t = s.trim();
        let bad = || BadTarget(s.to_string());
        let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
        let n: i64 = num.parse().map_err(|_| bad())?;
        if n <= 0 || n > 10_000 {
            return Err(bad());
        }
        match unit {
            "h" => Ok(Target::Hours(n)),
            "d" => Ok(Target::Hours(n * 24)),
            "bd" => Ok(Target::BusinessDays(n)),
            _ => Err(bad()),
        }
    }

    /// When an answer is due for something that arrived at `from`.
    pub fn due(self, from: i64) -> i64 {
        match self {
            Target::Hours(h) => from + h * 3600,
            Target::BusinessDays(days) => {
                let Ok(mut t) = OffsetDateTime::from_unix_timestamp(from) else {
                    return from + days * 86_400;
                };
                let mut left = days;
                while left > 0 {
                    t += Duration::days(1);
                    if !matches!(t.weekday(), Weekday::Saturday | Weekday::Sunday) {
                        left -= 1;
                    }
                }
                t.unix_timestamp()
            }
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Hours(1) => write!(f, "1 hour"),
            Target::Hours(h) => write!(f, "{h} hours"),
            Target::BusinessDays(1) => write!(f, "1 business day"),
            Target::BusinessDays(d) => write!(f, "{d} business days"),
        }
    }
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// The response-time target of each priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseTargets {
    pub urgent: Target,
    pub high: Target,
    pub normal: Target,
    pub low: Target,
}

impl Default for ResponseTargets {
    fn default() -> Self {
        ResponseTargets {
            urgent: Target::Hours(1),
            high: Target::Hours(4),
            normal: Target::BusinessDays(1),
            low: Target::BusinessDays(3),
        }
    }
}

impl ResponseTargets {
    pub fn for_priority(&self, p: Priority) -> Target {
        match p {
            Priority::Urgent => self.urgent,
            Priority::High => self.high,
            Priority::Normal => self.normal,
            Priority::Low => self.low,
        }
    }
}

/// When resolved tickets close by themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoClose {
    /// At the end of the month they were resolved in (the default).
    EndOfMonth,
    /// A fixed delay after resolution, in seconds.
    After(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is neither end_of_month nor a delay such as 7d, 12h, 30m or 10s")]
pub struct BadAutoClose(pub String);

impl AutoClose {
    pub fn parse(s: &str) -> Result<AutoClose, BadAutoClose> {
        let t = s.trim();
        if t == "end_of_month" {
            return Ok(AutoClose::EndOfMonth);
        }
        let bad = || BadAutoClose(s.to_string());
        let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (num, unit) = t.split_at(split);
        let n: i64 = num.parse().map_err(|_| bad())?;
        let unit_secs = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(bad()),
        };
        if n <= 0 || n > 3650 * 86_400 / unit_secs {
            return Err(bad());
        }
        Ok(AutoClose::After(n * unit_secs))
    }

    /// When a ticket resolved at `resolved_at` closes.
    pub fn closes_at(self, resolved_at: i64) -> i64 {
        match self {
            AutoClose::After(secs) => resolved_at + secs,
            AutoClose::EndOfMonth => start_of_next_month(resolved_at),
        }
    }
}

/// The first second of the month after the one `t` falls in (UTC).
fn start_of_next_month(t: i64) -> i64 {
    let Ok(dt) = OffsetDateTime::from_unix_timestamp(t) else {
        return t + 31 * 86_400;
    };
    let (year, month) = match dt.month() {
        time::Month::December => (dt.year() + 1, time::Month::January),
        m => (dt.year(), m.next()),
    };
    time::Date::from_calendar_date(year, month, 1)
        .map(|d| d.midnight().assume_utc().unix_timestamp())
        .unwrap_or(t + 31 * 86_400)
}

/// `2026-11-23 14:05 UTC`: how times are shown on pages and in transcripts.
pub fn format_utc(ts: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

/// The `YYYY-MM` month `t` falls in (UTC), used to charge support time.
pub fn month_of(t: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(t) {
        Ok(dt) => format!("{:04}-{:02}", dt.year(), dt.month() as u8),
        Err(_) => "1970-01".to_string(),
    }
}

/// The month after `month` (`YYYY-MM`).
pub fn next_month(month: &str) -> Option<String> {
    let (y, m) = month.split_once('-')?;
    let (y, m): (i32, u8) = (y.parse().ok()?, m.parse().ok()?);
    if !(1..=12).contains(&m) {
        return None;
    }
    Some(if m == 12 {
        format!("{:04}-01", y + 1)
    } else {
        format!("{y:04}-{:02}", m + 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn ts(dt: OffsetDateTime) -> i64 {
        dt.unix_timestamp()
    }

    #[test]
    fn targets_parse_and_refuse_nonsense() {
        assert_eq!(Target::parse("1h"), Ok(Target::Hours(1)));
        assert_eq!(Target::parse("3bd"), Ok(Target::BusinessDays(3)));
        assert_eq!(Target::parse("2d"), Ok(Target::Hours(48)));
        for bad in ["", "h", "0h", "-1h", "1w", "1.5h", "bd3"] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn business_days_skip_weekends() {
        // Friday 2026-11-20 10:00 + 1 business day = Monday 23rd 10:00.
        let friday = ts(datetime!(2026-11-20 10:00 UTC));
        assert_eq!(
            Target::BusinessDays(1).due(friday),
            ts(datetime!(2026-11-23 10:00 UTC))
        );
        // Saturday + 1 business day = Monday.
        let saturday = ts(datetime!(2026-11-21 09:00 UTC));
        assert_eq!(
            Target::BusinessDays(1).due(saturday),
            ts(datetime!(2026-11-23 09:00 UTC))
        );
        // Wednesday + 3 business days = Monday.
        let wednesday = ts(datetime!(2026-11-18 16:30 UTC));
        assert_eq!(
            Target::BusinessDays(3).due(wednesday),
            ts(datetime!(2026-11-23 16:30 UTC))
        );
        assert_eq!(Target::Hours(4).due(friday), friday + 4 * 3600);
    }

    #[test]
    fn end_of_month_closing() {
        let mid = ts(datetime!(2026-11-23 14:00 UTC));
        assert_eq!(
            AutoClose::EndOfMonth.closes_at(mid),
            ts(datetime!(2026-12-01 00:00 UTC))
        );
        let december = ts(datetime!(2026-12-31 23:59 UTC));
        assert_eq!(
            AutoClose::EndOfMonth.closes_at(december),
            ts(datetime!(2027-01-01 00:00 UTC))
        );
        assert_eq!(AutoClose::parse("7d"), Ok(AutoClose::After(7 * 86_400)));
        assert_eq!(AutoClose::parse("end_of_month"), Ok(AutoClose::EndOfMonth));
        assert!(AutoClose::parse("soon").is_err());
        assert!(AutoClose::parse("0s").is_err());
    }

    #[test]
    fn times_are_shown_in_utc_to_the_minute() {
        assert_eq!(
            format_utc(ts(datetime!(2026-11-23 14:05:59 UTC))),
            "2026-11-23 14:05 UTC"
        );
    }

    #[test]
    fn months() {
        assert_eq!(month_of(ts(datetime!(2026-02-28 23:00 UTC))), "2026-02");
        assert_eq!(next_month("2026-12").as_deref(), Some("2027-01"));
        assert_eq!(next_month("2026-13"), None);
    }
}
