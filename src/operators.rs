//! Who is offered the next chat request or ticket: the one rule both
//! queues share (fewest live chats, then idle longest; an operator at
//! capacity is skipped). Above `store`, below `live` and `tickets`.

use crate::store::queue::Candidate;

/// The operator to offer a chat request or a ticket to, among the
/// candidates.
pub fn pick(candidates: &[Candidate]) -> Option<&Candidate> {
    candidates
        .iter()
        .filter(|c| c.capacity == 0 || c.active < c.capacity)
        .min_by(|a, b| {
            (a.active, a.last_assigned_at, &a.user_id).cmp(&(
                b.active,
                b.last_assigned_at,
                &b.user_id,
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(id: &str, active: i64, capacity: i64, last: i64) -> Candidate {
        Candidate {
            user_id: id.into(),
            active,
            capacity,
            last_assigned_at: last,
        }
    }

    #[test]
    fn fewest_chats_then_idle_longest_and_full_operators_are_skipped() {
        let c = [
            cand("a", 2, 5, 10),
            cand("b", 1, 5, 50),
            cand("c", 1, 5, 20),
            cand("d", 0, 0, 99),
        ];
        assert_eq!(pick(&c).map(|c| c.user_id.as_str()), Some("d"));
        let c = [
            cand("a", 2, 5, 10),
            cand("b", 1, 5, 50),
            cand("c", 1, 5, 20),
        ];
        assert_eq!(pick(&c).map(|c| c.user_id.as_str()), Some("c"));
        let full = [cand("a", 5, 5, 0), cand("b", 3, 3, 0)];
        assert_eq!(pick(&full), None);
        // Capacity 0 means unlimited.
        assert_eq!(
            pick(&[cand("u", 40, 0, 0)]).map(|c| c.user_id.as_str()),
            Some("u")
        );
    }
}
