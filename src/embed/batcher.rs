//! Questions asked at the same time share forward passes. Each pass runs on
//! one thread, and at most one pass per core runs at a time; questions that
//! arrive while the cores are busy wait in a queue, and the next free
//! thread takes all of them (up to a limit) into one pass. A pass over
//! twelve questions costs far less than twelve passes, since the model's
//! weights (90 MB, more than the caches hold) are read once for all of
//! them. A question asked alone still gets a pass of its own at once.
//!
//! This is not a cache: every question is embedded, none is answered from
//! an earlier one.

use std::collections::{HashMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::EmbedError;

/// Most tokens in one pass: enough for the questions of many concurrent
/// users, while a pass stays around 100 ms at most.
const MAX_TOKENS_PER_PASS: usize = 1024;

pub struct Batcher {
    state: Mutex<State>,
    changed: Condvar,
    /// Passes that may run at once.
    places: usize,
}

#[derive(Default)]
struct State {
    next_id: u64,
    waiting: VecDeque<(u64, Vec<u32>)>,
    done: HashMap<u64, Result<Vec<f32>, String>>,
    running: usize,
}

impl Batcher {
    /// One pass at a time per core the process may use.
    pub fn per_core() -> Batcher {
        Batcher::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    pub fn new(places: usize) -> Batcher {
        Batcher {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            places: places.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update of the state is complete before the lock is released
        // (the pass itself runs unlocked), so a poisoned lock is still right.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Embeds one tokenised text with `pass`, which embeds several at once,
    /// possibly together with texts of other threads.
    pub fn embed<F>(&self, ids: Vec<u32>, pass: F) -> Result<Vec<f32>, EmbedError>
    where
        F: Fn(&[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError>,
    {
        let mut state = self.lock();
        let me = state.next_id;
        state.next_id += 1;
        state.waiting.push_back((me, ids));
        loop {
            if let Some(result) = state.done.remove(&me) {
                return result.map_err(EmbedError::Failed);
            }
            if state.running < self.places && !state.waiting.is_empty() {
                let batch = take_batch(&mut state.waiting);
                state.running += 1;
                drop(state);
                let texts: Vec<&[u32]> = batch.iter().map(|(_, ids)| ids.as_slice()).collect();
                let result = std::panic::catch_unwind(AssertUnwindSafe(|| pass(&texts)));
                state = self.lock();
                state.running -= 1;
                match result {
                    Ok(Ok(vectors)) if vectors.len() == batch.len() => {
                        for ((id, _), v) in batch.into_iter().zip(vectors) {
                            state.done.insert(id, Ok(v));
                        }
                    }
                    failed => {
                        let why = match failed {
                            Ok(Err(e)) => e.to_string(),
                            Ok(Ok(_)) => "the pass lost texts".to_string(),
                            Err(_) => "the pass panicked".to_string(),
                        };
                        for (id, _) in batch {
                            state.done.insert(id, Err(why.clone()));
                        }
                    }
                }
                self.changed.notify_all();
                continue;
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// The oldest waiting texts, up to the token limit (at least one).
fn take_batch(waiting: &mut VecDeque<(u64, Vec<u32>)>) -> Vec<(u64, Vec<u32>)> {
    let mut batch = Vec::new();
    let mut tokens = 0;
    while let Some((_, ids)) = waiting.front() {
        if !batch.is_empty() && tokens + ids.len() > MAX_TOKENS_PER_PASS {
            break;
        }
        tokens += ids.len();
        if let Some(item) = waiting.pop_front() {
            batch.push(item);
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn concurrent_texts_get_their_own_results_and_share_passes() {
        let batcher = Arc::new(Batcher::new(2));
        let passes = Arc::new(AtomicUsize::new(0));
        let inside = Arc::new(AtomicUsize::new(0));
        let most_inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..16u32)
            .map(|i| {
                let (batcher, passes, inside, most_inside) = (
                    batcher.clone(),
                    passes.clone(),
                    inside.clone(),
                    most_inside.clone(),
                );
                std::thread::spawn(move || {
                    batcher.embed(vec![i, i + 1], |texts| {
                        passes.fetch_add(1, Ordering::SeqCst);
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most_inside.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        inside.fetch_sub(1, Ordering::SeqCst);
                        Ok(texts
                            .iter()
                            .map(|t| t.iter().map(|&x| x as f32).collect())
                            .collect())
                    })
                })
            })
            .collect();
        for (i, t) in threads.into_iter().enumerate() {
            let v = t.join().expect("thread").expect("embedding");
            assert_eq!(
                v,
                vec![i as f32, i as f32 + 1.0],
                "each text gets its own result"
            );
        }
        assert!(
            most_inside.load(Ordering::SeqCst) <= 2,
            "one pass per place"
        );
        assert!(
            passes.load(Ordering::SeqCst) < 16,
            "waiting texts share passes"
        );
    }

    #[test]
    fn a_failed_pass_fails_its_texts_only() {
        let batcher = Batcher::new(1);
        let failed = batcher.embed(vec![1], |_| panic!("boom"));
        assert!(matches!(failed, Err(EmbedError::Failed(_))));
        let ok = batcher.embed(vec![2], |t| Ok(vec![vec![t[0][0] as f32]]));
        assert_eq!(ok.expect("embedding"), vec![2.0]);
    }
}
