//! Organisations (groups of end users) and their support-hours allowance:
//! a monthly number of minutes, time logged on their tickets, and unused
//! time carried over to the next month.

use serde::Serialize;
use sqlx::SqliteConnection;

use super::{Db, StoreError};
use crate::tickets::timing::{month_of, next_month};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub monthly_minutes: i64,
    pub members_share_tickets: bool,
    pub created_at: i64,
}

pub async fn create(
    conn: &mut SqliteConnection,
    name: &str,
    monthly_minutes: i64,
    members_share_tickets: bool,
    now: i64,
) -> Result<Organisation, StoreError> {
    let id = crate::ids::random_id();
    sqlx::query(
        "INSERT INTO organisations (id, name, monthly_minutes, members_share_tickets, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(name)
    .bind(monthly_minutes)
    .bind(members_share_tickets)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(Organisation {
        id,
        name: name.to_string(),
        monthly_minutes,
        members_share_tickets,
        created_at: now,
    })
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<Organisation>, StoreError> {
    Ok(sqlx::query_as::<_, Organisation>(
        "SELECT id, name, monthly_minutes, members_share_tickets, created_at FROM organisations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?)
}

pub async fn by_name(db: &Db, name: &str) -> Result<Option<Organisation>, StoreError> {
    Ok(sqlx::query_as::<_, Organisation>(
        "SELECT id, name, monthly_minutes, members_share_tickets, created_at FROM organisations WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(db)
    .await?)
}

/// One month of an organisation's support time, in minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthBalance {
    pub month: String,
    pub carried_in: i64,
    pub allowance: i64,
    pub used: i64,
    /// What is left at the end of the month (negative: overrun).
    pub balance: i64,
}

/// The month-by-month history from the organisation's first month to the
/// month of `now`, newest last.
pub async fn hours_history(
    db: &Db,
    org: &Organisation,
    now: i64,
) -> Result<Vec<MonthBalance>, StoreError> {
    let used: Vec<(String, i64)> = sqlx::query_as(
        "SELECT te.month, SUM(te.minutes) FROM time_entries te JOIN tickets t ON t.id = te.ticket_id \
         WHERE t.organisation_id = $1 GROUP BY te.month",
    )
    .bind(&org.id)
    .fetch_all(db)
    .await?;
    Ok(balances(
        &month_of(org.created_at),
        &month_of(now),
        org.monthly_minutes,
        &used,
    ))
}

/// The running balance: each month gets the allowance plus what was left
/// from the month before (only unused time carries over, not overruns).
pub fn balances(
    first: &str,
    last: &str,
    allowance: i64,
    used: &[(String, i64)],
) -> Vec<MonthBalance> {
    let mut out = Vec::new();
    let mut month = first.to_string();
    let mut carry = 0;
    // Bounded, in case of a clock far in the future.
    for _ in 0..600 {
        let used_here = used
            .iter()
            .filter(|(m, _)| *m == month)
            .map(|(_, n)| *n)
            .sum();
        let balance = carry + allowance - used_here;
        out.push(MonthBalance {
            month: month.clone(),
            carried_in: carry,
            allowance,
            used: used_here,
            balance,
        });
        carry = balance.max(0);
        if month.as_str() >= last {
            break;
        }
        match next_month(&month) {
            Some(m) => month = m,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unused_time_carries_over_and_overruns_do_not() {
        let used = vec![("2026-09".to_string(), 120), ("2026-10".to_string(), 900)];
        let b = balances("2026-09", "2026-11", 600, &used);
        assert_eq!(b.len(), 3);
        assert_eq!((b[0].carried_in, b[0].used, b[0].balance), (0, 120, 480));
        assert_eq!((b[1].carried_in, b[1].used, b[1].balance), (480, 900, 180));
        assert_eq!((b[2].carried_in, b[2].used, b[2].balance), (180, 0, 780));
        let over = balances("2026-01", "2026-02", 60, &[("2026-01".to_string(), 100)]);
        assert_eq!(over[0].balance, -40);
        assert_eq!(over[1].carried_in, 0);
    }
}
