//! How much the bot resolves on its own, over a period: questions,
//! answers, escalations, what followed them, the votes, the articles it
//! cites and the answers users voted down.

use super::period::Period;
use super::scope::Scope;
use crate::store::reports::{self as store, CitedArticle, VotedDown};
use crate::store::{Db, StoreError};

/// Articles listed in the report.
pub const TOP_ARTICLES: i64 = 10;
/// Voted-down answers listed in the report.
pub const VOTED_DOWN: i64 = 20;

#[derive(Debug, Clone, PartialEq)]
pub struct BotReport {
    pub period: Period,
    pub questions: i64,
    /// Answered without escalating.
    pub answered: i64,
    pub escalated: i64,
    /// Answered, then a ticket or a chat followed in the same conversation.
    pub followed_by_person: i64,
    pub voted_down: i64,
    /// Answered, not followed by a person, not voted down.
    pub resolved: i64,
    /// `resolved / questions` (0 without questions).
    pub resolution_rate: f64,
    /// `escalated / questions` (0 without questions).
    pub escalation_rate: f64,
    pub helpful_votes: i64,
    pub unhelpful_votes: i64,
    /// Every day of the period: (day since the epoch, questions, escalated).
    pub per_day: Vec<(i64, i64, i64)>,
    pub top_articles: Vec<CitedArticle>,
    pub voted_down_answers: Vec<VotedDown>,
}

fn rate(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        // Three decimals: what a table shows, and stable in JSON.
        (part as f64 / whole as f64 * 1000.0).round() / 1000.0
    }
}

pub async fn report(db: &Db, period: Period, scope: &Scope) -> Result<BotReport, StoreError> {
    let s = scope.store();
    let counted = store::bot_per_day(db, period.from, period.to, &s).await?;
    // The period's totals are the sum of its days.
    let questions: i64 = counted.iter().map(|d| d.1).sum();
    let escalated: i64 = counted.iter().map(|d| d.2).sum();
    let o = store::bot_outcomes(db, period.from, period.to, &s).await?;
    let answered = questions - escalated;
    let resolved = answered - o.followed - o.voted_down + o.followed_and_voted_down;
    let per_day = period
        .days()
        .map(|day| {
            counted
                .iter()
                .find(|(d, ..)| *d == day)
                .copied()
                .unwrap_or((day, 0, 0))
        })
        .collect();
    Ok(BotReport {
        period,
        questions,
        answered,
        escalated,
        followed_by_person: o.followed,
        voted_down: o.voted_down,
        resolved,
        resolution_rate: rate(resolved, questions),
        escalation_rate: rate(escalated, questions),
        helpful_votes: o.helpful_votes,
        unhelpful_votes: o.unhelpful_votes,
        per_day,
        top_articles: store::top_articles(db, period.from, period.to, TOP_ARTICLES, &s).await?,
        voted_down_answers: store::voted_down(db, period.from, period.to, VOTED_DOWN, &s).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_shares_with_three_decimals() {
        assert_eq!(rate(0, 0), 0.0);
        assert_eq!(rate(2, 5), 0.4);
        assert_eq!(rate(1, 3), 0.333);
    }
}
