//! Delivery of live-chat events to the connections that follow a chat.
//! In-process for now: one broadcast channel per chat with followers. The
//! interface is what a PostgreSQL LISTEN/NOTIFY implementation would offer
//! to several processes on one database (events carry everything needed,
//! and persisted messages can always be re-read by id).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::broadcast;

/// Events a slow follower may lag behind before it must catch up from the
/// database (it is told, and re-reads after its last id).
const BUFFER: usize = 256;

#[derive(Clone, Default)]
pub struct Bus {
    chats: Arc<Mutex<HashMap<String, broadcast::Sender<Arc<Value>>>>>,
}

impl Bus {
    /// Follows a chat's events from now on.
    pub fn subscribe(&self, chat_id: &str) -> broadcast::Receiver<Arc<Value>> {
        let Ok(mut chats) = self.chats.lock() else {
            // A poisoned lock: hand out a receiver that simply never fires.
            return broadcast::channel(1).1;
        };
        chats
            .entry(chat_id.to_string())
            .or_insert_with(|| broadcast::channel(BUFFER).0)
            .subscribe()
    }

    /// Sends an event to the chat's followers (none is fine).
    pub fn publish(&self, chat_id: &str, event: Value) {
        let Ok(mut chats) = self.chats.lock() else {
            return;
        };
        // A send error means nobody follows the chat any more.
        if let Some(tx) = chats.get(chat_id)
            && tx.send(Arc::new(event)).is_err()
        {
            chats.remove(chat_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn followers_of_a_chat_get_its_events_only() {
        let bus = Bus::default();
        let mut a = bus.subscribe("a");
        let mut b = bus.subscribe("b");
        bus.publish("a", serde_json::json!({ "n": 1 }));
        bus.publish("nobody", serde_json::json!({ "n": 2 }));
        assert_eq!(
            a.recv().await.ok().map(|v| v["n"].clone()),
            Some(serde_json::json!(1))
        );
        assert!(b.try_recv().is_err());
    }
}
