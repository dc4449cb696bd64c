//! Delivery of live-chat events to the connections that follow a topic (a
//! chat, or a user). [`PubSub`] is the seam: [`InProcess`] serves one
//! server process; a PostgreSQL LISTEN/NOTIFY implementation would relay
//! `publish` through the database and feed the same local receivers, so
//! several processes on one database reach each other's followers (events
//! carry everything needed, and stored messages can always be re-read by
//! id, so a missed event costs a resubscribe, never a message).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::broadcast;

/// Events a slow follower may lag behind before it must catch up from the
/// database (it is told, and re-reads after its last id).
const BUFFER: usize = 256;

/// The topic of events for one person (invitations to chat, their
/// answers), followed by each of their connections. Chat topics are chat
/// ids (hex), so the two never collide.
pub fn user_topic(user_id: &str) -> String {
    format!("user:{user_id}")
}

/// A user's topic carries few events (invitations): a small buffer each,
/// as every signed-in widget follows one.
const USER_BUFFER: usize = 16;

/// Publish and subscribe by topic.
pub trait PubSub: Send + Sync {
    /// Follows a topic's events from now on.
    fn subscribe(&self, topic: &str) -> broadcast::Receiver<Arc<Value>>;
    /// Sends an event to the topic's followers, wherever they are (none is fine).
    fn publish(&self, topic: &str, event: Value);
}

/// The bus the server uses: whichever [`PubSub`] it was built with
/// (in-process by default).
#[derive(Clone)]
pub struct Bus(Arc<dyn PubSub>);

impl Default for Bus {
    fn default() -> Self {
        Bus(Arc::new(InProcess::default()))
    }
}

impl Bus {
    pub fn subscribe(&self, topic: &str) -> broadcast::Receiver<Arc<Value>> {
        self.0.subscribe(topic)
    }

    pub fn publish(&self, topic: &str, event: Value) {
        self.0.publish(topic, event)
    }
}

/// One broadcast channel per topic with followers, in this process.
#[derive(Default)]
pub struct InProcess {
    chats: Mutex<Topics>,
}

#[derive(Default)]
struct Topics {
    senders: HashMap<String, broadcast::Sender<Arc<Value>>>,
    /// When the map reaches this size, topics nobody follows are dropped
    /// (amortised: the threshold doubles with what remains).
    prune_at: usize,
}

impl PubSub for InProcess {
    fn subscribe(&self, chat_id: &str) -> broadcast::Receiver<Arc<Value>> {
        let Ok(mut chats) = self.chats.lock() else {
            // A poisoned lock: hand out a receiver that simply never fires.
            return broadcast::channel(1).1;
        };
        if chats.senders.len() >= chats.prune_at {
            chats.senders.retain(|_, tx| tx.receiver_count() > 0);
            chats.prune_at = (chats.senders.len() * 2).max(1024);
        }
        let buffer = if chat_id.starts_with("user:") {
            USER_BUFFER
        } else {
            BUFFER
        };
        chats
            .senders
            .entry(chat_id.to_string())
            .or_insert_with(|| broadcast::channel(buffer).0)
            .subscribe()
    }

    fn publish(&self, chat_id: &str, event: Value) {
        let Ok(mut chats) = self.chats.lock() else {
            return;
        };
        // A send error means nobody follows the chat any more.
        if let Some(tx) = chats.senders.get(chat_id)
            && tx.send(Arc::new(event)).is_err()
        {
            chats.senders.remove(chat_id);
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

    #[test]
    fn topics_nobody_follows_are_dropped_as_the_map_grows() {
        let bus = InProcess::default();
        let kept = bus.subscribe("user:kept");
        for i in 0..5000 {
            drop(bus.subscribe(&format!("chat-{i}")));
        }
        let n = bus.chats.lock().map(|t| t.senders.len()).unwrap_or(0);
        assert!(n < 1100, "{n} topics kept for 2 receivers");
        assert!(
            bus.chats
                .lock()
                .is_ok_and(|t| t.senders.contains_key("user:kept"))
        );
        drop(kept);
    }
}
