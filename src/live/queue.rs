//! Who gets which chat request: offering a new request to the available
//! operator with the fewest live chats (ties: idle longest; an operator at
//! capacity is skipped), re-offering on a decline or an unanswered offer,
//! and offering the oldest waiting request as soon as someone frees a slot.
//! Every function takes the time as an argument, so tests control it.

use crate::operators::pick;
use crate::store::queue::{self, ChatRequest};
use crate::store::{Db, StoreError};

/// Offers a waiting request to the best operator; returns who, if anyone.
pub async fn dispatch(
    db: &Db,
    request: &ChatRequest,
    now: i64,
) -> Result<Option<String>, StoreError> {
    if request.status != "waiting" {
        return Ok(None);
    }
    let candidates = queue::candidates(db, request).await?;
    let Some(best) = pick(&candidates) else {
        return Ok(None);
    };
    Ok(queue::offer(db, &request.id, &best.user_id, now)
        .await?
        .then(|| best.user_id.clone()))
}

/// Declines an offer and offers the request to the next operator.
pub async fn decline(
    db: &Db,
    request_id: &str,
    operator_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    if !queue::decline(db, request_id, operator_id).await? {
        return Ok(false);
    }
    if let Some(r) = queue::request(db, request_id).await? {
        dispatch(db, &r, now).await?;
    }
    Ok(true)
}

/// Offers unanswered for `timeout` seconds count as declined.
pub async fn expire_offers(db: &Db, now: i64, timeout: i64) -> Result<usize, StoreError> {
    let mut expired = 0;
    for (request_id, operator_id) in queue::stale_offers(db, now - timeout).await? {
        if decline(db, &request_id, &operator_id, now).await? {
            expired += 1;
        }
    }
    Ok(expired)
}

/// `operator_id` may have room now: offer them the oldest waiting request
/// they can take, so nothing waits while someone could take it.
pub async fn slot_freed(
    db: &Db,
    operator_id: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    let Some(presence) = queue::presence(db, operator_id).await? else {
        return Ok(None);
    };
    if presence.availability != queue::Availability::Available {
        return Ok(None);
    }
    let Some(next) = queue::next_for(db, operator_id).await? else {
        return Ok(None);
    };
    // The general rule still decides: someone with fewer chats may get it.
    dispatch(db, &next, now).await.map(|o| o.map(|_| next.id))
}

/// How far back the take rate is measured, and how many takes at most.
const RATE_WINDOW_SECS: i64 = 3600;
const RATE_SAMPLES: i64 = 20;

/// An honest estimate of the wait for a request with `ahead` requests
/// before it: the recent interval between takes of its team, times the
/// requests to serve first. None when too few requests were taken lately
/// to say (better no figure than a made-up one).
pub async fn estimated_wait(
    db: &Db,
    team_id: Option<&str>,
    ahead: i64,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let takes = queue::recent_takes(db, team_id, now - RATE_WINDOW_SECS, RATE_SAMPLES).await?;
    Ok(wait_from_takes(&takes, ahead))
}

/// How long users usually wait for an operator: the median wait of the
/// requests taken in the last week (at most the 50 latest). None with
/// fewer than three, as for `estimated_wait`.
pub async fn typical_wait(db: &Db, now: i64) -> Result<Option<i64>, StoreError> {
    let waits = queue::recent_waits(db, now - TYPICAL_WINDOW_SECS, TYPICAL_SAMPLES).await?;
    Ok(median(waits))
}

const TYPICAL_WINDOW_SECS: i64 = 7 * 24 * 3600;
const TYPICAL_SAMPLES: i64 = 50;

fn median(mut values: Vec<i64>) -> Option<i64> {
    if values.len() < 3 {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2
    })
}

/// The estimate from the times of recent takes (oldest first).
pub fn wait_from_takes(takes: &[i64], ahead: i64) -> Option<i64> {
    if takes.len() < 3 {
        return None;
    }
    let (first, last) = (takes[0], takes[takes.len() - 1]);
    let interval = (last - first) as f64 / (takes.len() - 1) as f64;
    Some(((ahead + 1) as f64 * interval).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Role;

    #[test]
    fn the_typical_wait_is_the_median_and_needs_three_waits() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![10, 20]), None);
        assert_eq!(median(vec![300, 10, 20]), Some(20));
        assert_eq!(median(vec![40, 10, 20, 30]), Some(25));
    }
    use crate::store::users::{self, NewUser};
    use crate::tickets::Priority;

    async fn setup() -> (tempfile::TempDir, Db, Vec<String>, String) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::store::open(&dir.path().join("q.db"))
            .await
            .expect("db");
        let mut ids = Vec::new();
        let mut conn = db.acquire().await.expect("conn");
        for (email, role) in [
            ("op1@x.com", Role::Operator),
            ("op2@x.com", Role::Operator),
            ("u@x.com", Role::EndUser),
        ] {
            let u = users::create(
                &mut conn,
                &NewUser {
                    role,
                    ..NewUser::end_user(&crate::test_support::email(email), "", None)
                },
            )
            .await
            .expect("user");
            ids.push(u.id);
        }
        drop(conn);
        let user = ids.pop().expect("user");
        (dir, db, ids, user)
    }

    async fn new_request(db: &Db, user: &str, now: i64) -> ChatRequest {
        queue::create_request(
            db,
            &queue::NewRequest {
                user_id: user,
                team_id: None,
                only_operator: None,
                ticket_id: None,
                conversation_id: None,
                priority: Priority::Normal,
                now,
            },
        )
        .await
        .expect("request")
    }

    #[tokio::test]
    async fn offer_decline_reoffer_timeout_and_freed_slots() {
        let (_dir, db, ops, user) = setup().await;
        let (op1, op2) = (&ops[0], &ops[1]);
        // Nobody available: the request waits.
        let r = new_request(&db, &user, 1000).await;
        assert_eq!(dispatch(&db, &r, 1000).await.expect("dispatch"), None);
        // op1 comes back: the waiting request is offered at once.
        queue::set_presence(&db, op1, queue::Availability::Available, Some(1), 1001)
            .await
            .expect("presence");
        assert_eq!(
            slot_freed(&db, op1, 1001).await.expect("slot"),
            Some(r.id.clone())
        );
        let r = queue::request(&db, &r.id)
            .await
            .expect("get")
            .expect("exists");
        assert_eq!(
            (r.status.as_str(), r.offered_to.as_deref()),
            ("offered", Some(op1.as_str()))
        );
        // op1 declines; op2 is not available, so it waits.
        assert!(decline(&db, &r.id, op1, 1002).await.expect("decline"));
        let r = queue::request(&db, &r.id)
            .await
            .expect("get")
            .expect("exists");
        assert_eq!(r.status, "waiting");
        // op2 becomes available and gets it; lets it time out; nobody is left.
        queue::set_presence(&db, op2, queue::Availability::Available, Some(1), 1003)
            .await
            .expect("presence");
        assert_eq!(
            slot_freed(&db, op2, 1003).await.expect("slot"),
            Some(r.id.clone())
        );
        assert_eq!(
            expire_offers(&db, 1003 + 119, 120).await.expect("expire"),
            0
        );
        assert_eq!(
            expire_offers(&db, 1003 + 120, 120).await.expect("expire"),
            1
        );
        let r = queue::request(&db, &r.id)
            .await
            .expect("get")
            .expect("exists");
        assert_eq!(
            r.status, "waiting",
            "declined by everyone: still waiting for a person"
        );

        // A second request goes to one of the two (equally idle); the third to
        // the other, who has fewer chats; then both are at capacity.
        let r2 = new_request(&db, &user, 2000).await;
        let first = dispatch(&db, &r2, 2000)
            .await
            .expect("dispatch")
            .expect("offered");
        let second = if first == *op1 {
            op2.clone()
        } else {
            op1.clone()
        };
        assert!(queue::take(&db, &r2.id, &first, 2001).await.expect("take"));
        let r3 = new_request(&db, &user, 2002).await;
        assert_eq!(
            dispatch(&db, &r3, 2002).await.expect("dispatch"),
            Some(second.clone())
        );
        assert!(queue::take(&db, &r3.id, &second, 2003).await.expect("take"));
        let r4 = new_request(&db, &user, 2004).await;
        assert_eq!(
            dispatch(&db, &r4, 2004).await.expect("dispatch"),
            None,
            "both at capacity 1"
        );
        // A chat ends: its operator gets the oldest waiting request they may take.
        assert!(queue::end(&db, &r2.id, "user", 2005).await.expect("end"));
        assert_eq!(
            slot_freed(&db, &first, 2005).await.expect("slot"),
            Some(r4.id.clone())
        );
        // Taking is exclusive.
        assert!(queue::take(&db, &r4.id, &first, 2006).await.expect("take"));
        assert!(!queue::take(&db, &r4.id, &second, 2006).await.expect("take"));
    }

    /// Simulates a steady queue with a controlled clock: requests arrive
    /// every 40 s, operators take one every 60 s. Each request's estimate
    /// (made when it arrives) is compared with the wait it then had.
    #[tokio::test]
    async fn the_estimated_wait_is_measured_against_the_real_one() {
        let (_dir, db, ops, user) = setup().await;
        let op = &ops[0];
        queue::set_presence(&db, op, queue::Availability::Available, Some(0), 0)
            .await
            .expect("presence");
        let mut estimates: Vec<(String, i64, i64)> = Vec::new(); // id, arrival, estimate
        let mut errors = Vec::new();
        let mut next_take = 60;
        for step in 0..60 {
            let t = step * 40;
            while next_take <= t {
                // The oldest waiting request is taken.
                if let Some(r) = queue::open_requests(&db).await.expect("open").first() {
                    assert!(queue::take(&db, &r.id, op, next_take).await.expect("take"));
                    if let Some((_, arrival, estimate)) =
                        estimates.iter().find(|(id, _, _)| *id == r.id)
                    {
                        errors.push((next_take - arrival - estimate).abs());
                    }
                }
                next_take += 60;
            }
            let r = new_request(&db, &user, t).await;
            let ahead = queue::position(&db, &r).await.expect("position");
            if let Some(e) = estimated_wait(&db, None, ahead, t).await.expect("estimate") {
                estimates.push((r.id.clone(), t, e));
            }
        }
        assert!(
            errors.len() > 20,
            "enough requests were estimated and served: {}",
            errors.len()
        );
        let mean = errors.iter().sum::<i64>() as f64 / errors.len() as f64;
        let worst = errors.iter().copied().max().unwrap_or(0);
        eprintln!(
            "estimated wait: mean absolute error {mean:.1} s, worst {worst} s over {} requests",
            errors.len()
        );
        // The rate is exact here; what remains is the phase of the next take.
        assert!(mean <= 60.0, "mean error {mean}");
        assert!(worst <= 60, "worst error {worst}");
        assert_eq!(wait_from_takes(&[0, 60], 0), None, "too little to go on");
        assert_eq!(wait_from_takes(&[0, 60, 120], 2), Some(180));
    }
}
