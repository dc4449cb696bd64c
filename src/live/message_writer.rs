//! Stores live-chat messages in groups: one transaction (one disk sync)
//! for all messages that arrived while the previous group was being
//! written. Each sender still gets its message's id only once it is on
//! disk, so "stored before acknowledged" holds, at hundreds of times the
//! rate of one sync per message.

use tokio::sync::{mpsc, oneshot};

use crate::store::chat_messages::{self, ChatMessage};
use crate::store::{Db, StoreError};

/// Most messages written in one transaction.
const MAX_GROUP: usize = 512;

pub use crate::store::chat_messages::NewMessage;

type Job = (NewMessage, oneshot::Sender<Result<ChatMessage, String>>);

#[derive(Clone)]
pub struct MessageWriter {
    tx: mpsc::Sender<Job>,
}

impl MessageWriter {
    pub fn start(db: Db) -> MessageWriter {
        let (tx, rx) = mpsc::channel::<Job>(4096);
        tokio::spawn(run(db, rx));
        MessageWriter { tx }
    }

    /// Stores a message and returns it once it is committed.
    pub async fn write(&self, m: NewMessage) -> Result<ChatMessage, StoreError> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send((m, done))
            .await
            .map_err(|_| StoreError::Encode("the message writer has stopped".into()))?;
        wait.await
            .map_err(|_| StoreError::Encode("the message writer has stopped".into()))?
            .map_err(StoreError::Encode)
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        match write_group(&db, &group).await {
            Ok(stored) => {
                for ((_, done), m) in group.into_iter().zip(stored) {
                    let _ = done.send(Ok(m));
                }
            }
            Err(e) => {
                tracing::error!("storing chat messages: {e}");
                for (_, done) in group {
                    let _ = done.send(Err(e.to_string()));
                }
            }
        }
    }
}

async fn write_group(db: &Db, group: &[Job]) -> Result<Vec<ChatMessage>, StoreError> {
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(group.len());
    for (m, _) in group {
        ids.push(chat_messages::insert(&mut tx, m).await?);
    }
    tx.commit().await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let m = chat_messages::by_id(db, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        crate::metrics::chat_messages(m.sender_role.as_deref().unwrap_or("system"), 1);
        out.push(m);
    }
    Ok(out)
}
