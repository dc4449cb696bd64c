//! Which operators have the console open. An operator whose last console
//! connection has been gone for a while is set Offline, so the queue does
//! not offer chats to someone who closed their browser.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::store::{Db, StoreError, queue};

#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    open: usize,
    /// When the last connection closed (None while one is open).
    gone_since: Option<i64>,
}

#[derive(Clone, Default)]
pub struct Consoles {
    seen: Arc<Mutex<HashMap<String, Seen>>>,
}

/// Counts a console connection for as long as it lives.
pub struct Open {
    consoles: Consoles,
    user_id: String,
    /// Time source for the moment the connection goes (seconds).
    clock: fn() -> i64,
}

impl Consoles {
    pub fn opened(&self, user_id: &str, clock: fn() -> i64) -> Open {
        if let Ok(mut seen) = self.seen.lock() {
            let s = seen.entry(user_id.to_string()).or_default();
            s.open += 1;
            s.gone_since = None;
        }
        Open {
            consoles: self.clone(),
            user_id: user_id.to_string(),
            clock,
        }
    }

    fn closed(&self, user_id: &str, now: i64) {
        if let Ok(mut seen) = self.seen.lock()
            && let Some(s) = seen.get_mut(user_id)
        {
            s.open = s.open.saturating_sub(1);
            if s.open == 0 {
                s.gone_since = Some(now);
            }
        }
    }

    /// Sets Offline every operator whose consoles have all been closed for
    /// `after` seconds; returns who.
    pub async fn go_offline(
        &self,
        db: &Db,
        now: i64,
        after: i64,
    ) -> Result<Vec<String>, StoreError> {
        let due: Vec<String> = match self.seen.lock() {
            Ok(seen) => seen
                .iter()
                .filter(|(_, s)| s.open == 0 && s.gone_since.is_some_and(|t| now - t >= after))
                .map(|(id, _)| id.clone())
                .collect(),
            Err(_) => Vec::new(),
        };
        for id in &due {
            if queue::presence(db, id)
                .await?
                .is_some_and(|p| p.availability != queue::Availability::Offline)
            {
                queue::set_presence(db, id, queue::Availability::Offline, None, now).await?;
            }
            if let Ok(mut seen) = self.seen.lock() {
                seen.remove(id);
            }
        }
        Ok(due)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.consoles.closed(&self.user_id, (self.clock)());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t1000() -> i64 {
        1000
    }

    #[tokio::test]
    async fn an_operator_goes_offline_once_every_console_has_been_closed_long_enough() {
        let (_dir, desk, op, _user) = crate::test_support::setup().await;
        let db = desk.db;
        queue::set_presence(&db, &op, queue::Availability::Available, Some(5), 900)
            .await
            .expect("presence");
        let consoles = Consoles::default();
        let a = consoles.opened(&op, t1000);
        let b = consoles.opened(&op, t1000);
        drop(a);
        // One console still open: stays available whatever the time.
        assert!(
            consoles
                .go_offline(&db, 5000, 120)
                .await
                .expect("sweep")
                .is_empty()
        );
        drop(b); // closed at 1000
        assert!(
            consoles
                .go_offline(&db, 1000 + 119, 120)
                .await
                .expect("sweep")
                .is_empty()
        );
        assert_eq!(
            consoles
                .go_offline(&db, 1000 + 120, 120)
                .await
                .expect("sweep"),
            vec![op.clone()]
        );
        let p = queue::presence(&db, &op)
            .await
            .expect("get")
            .expect("exists");
        assert_eq!(p.availability, queue::Availability::Offline);
        // Reopening the console before the delay keeps them as they were.
        queue::set_presence(&db, &op, queue::Availability::Away, None, 2000)
            .await
            .expect("presence");
        let c = consoles.opened(&op, t1000);
        drop(c);
        let _again = consoles.opened(&op, t1000);
        assert!(
            consoles
                .go_offline(&db, 9999, 120)
                .await
                .expect("sweep")
                .is_empty()
        );
        assert_eq!(
            queue::presence(&db, &op)
                .await
                .expect("get")
                .expect("exists")
                .availability,
            queue::Availability::Away
        );
    }
}
