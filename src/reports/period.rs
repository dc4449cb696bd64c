//! The period a report covers: the last 7, 30 or 90 days, or from one
//! date to another (UTC days, both included).

use time::{Date, Month};

/// Days back a report may reach when given as a number.
pub const DAYS: [i64; 3] = [7, 30, 90];
/// The longest period given by dates, in days.
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PeriodError {
    #[error("days is 7, 30 or 90.")]
    BadDays,
    #[error("{0} is not a date of the form 2026-11-30.")]
    BadDate(String),
    #[error("A period starts on or before its last day, and spans at most {MAX_DAYS} days.")]
    BadRange,
    #[error("Give both from and to, or neither.")]
    HalfRange,
}

/// `[from, to)` in seconds since the epoch, whole UTC days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: i64,
    pub to: i64,
}

const DAY: i64 = 86_400;

impl Period {
    /// From the query's `days`, or `from` and `to` (dates); the last 30
    /// days (today included) when none is given.
    pub fn parse(
        days: Option<i64>,
        from: Option<&str>,
        to: Option<&str>,
        now: i64,
    ) -> Result<Period, PeriodError> {
        let today_end = (now.div_euclid(DAY) + 1) * DAY;
        match (days, from, to) {
            (Some(d), None, None) if DAYS.contains(&d) => Ok(Period {
                from: today_end - d * DAY,
                to: today_end,
            }),
            (Some(_), None, None) => Err(PeriodError::BadDays),
            (None, None, None) => Ok(Period {
                from: today_end - 30 * DAY,
                to: today_end,
            }),
            (None, Some(f), Some(t)) => {
                let (from, last) = (day_start(f)?, day_start(t)?);
                let to = last + DAY;
                if from >= to || (to - from) / DAY > MAX_DAYS {
                    return Err(PeriodError::BadRange);
                }
                Ok(Period { from, to })
            }
            (None, _, _) => Err(PeriodError::HalfRange),
            (Some(_), _, _) => Err(PeriodError::HalfRange),
        }
    }

    /// The first day, `YYYY-MM-DD`.
    pub fn first_day(&self) -> String {
        date_of(self.from.div_euclid(DAY))
    }

    /// The last day (included), `YYYY-MM-DD`.
    pub fn last_day(&self) -> String {
        date_of(self.to.div_euclid(DAY) - 1)
    }

    /// The days of the period (days since the epoch), in order.
    pub fn days(&self) -> impl Iterator<Item = i64> {
        self.from.div_euclid(DAY)..self.to.div_euclid(DAY)
    }
}

/// The first second of a `YYYY-MM-DD` day, UTC.
fn day_start(text: &str) -> Result<i64, PeriodError> {
    let bad = || PeriodError::BadDate(text.chars().take(40).collect());
    let mut parts = text.trim().splitn(3, '-');
    let mut next = |len: usize| -> Result<i32, PeriodError> {
        let p = parts.next().ok_or_else(bad)?;
        if p.len() != len || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        p.parse().map_err(|_| bad())
    };
    let (y, m, d) = (next(4)?, next(2)?, next(2)?);
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(bad)?;
    let day = u8::try_from(d).map_err(|_| bad())?;
    let date = Date::from_calendar_date(y, month, day).map_err(|_| bad())?;
    Ok(date.midnight().assume_utc().unix_timestamp())
}

/// A day since the epoch as `YYYY-MM-DD`.
pub fn date_of(day: i64) -> String {
    crate::tickets::timing::format_utc(day * DAY)
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_whole_days_and_checked() {
        let now = 1_764_000_000 + 3600; // some time on 2025-11-24
        let p = Period::parse(Some(7), None, None, now).expect("7 days");
        assert_eq!((p.to - p.from, p.to % DAY), (7 * DAY, 0));
        assert!(p.from <= now && now < p.to);
        assert_eq!(
            Period::parse(None, None, None, now).map(|p| p.to - p.from),
            Ok(30 * DAY)
        );
        let p = Period::parse(None, Some("2026-11-01"), Some("2026-11-30"), now).expect("dates");
        assert_eq!(
            ((p.to - p.from) / DAY, date_of(p.from / DAY)),
            (30, "2026-11-01".to_string())
        );
        assert_eq!(p.days().count(), 30);
        assert_eq!(
            Period::parse(Some(8), None, None, now),
            Err(PeriodError::BadDays)
        );
        assert_eq!(
            Period::parse(None, Some("2026-11-01"), None, now),
            Err(PeriodError::HalfRange)
        );
        assert_eq!(
            Period::parse(None, Some("2026-12-01"), Some("2026-11-01"), now),
            Err(PeriodError::BadRange)
        );
        assert_eq!(
            Period::parse(None, Some("2020-01-01"), Some("2026-01-01"), now),
            Err(PeriodError::BadRange)
        );
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "26-11-01",
            "2026-11-1",
            "x",
            "2026-11-01T00",
        ] {
            assert!(
                matches!(
                    Period::parse(None, Some(bad), Some("2026-11-30"), now),
                    Err(PeriodError::BadDate(_))
                ),
                "{bad}"
            );
        }
    }
}
