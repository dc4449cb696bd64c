//! Questions asked at the same time share forward passes. Each pass runs on
//! one thread, and at most one pass per core runs at a time; questions that
//! arrive while the cores are busy wait in a queue, and the next free
//! thread takes all of them (up to a limit) into one pass. A pass over
//! twelve questions costs far less than twelve passes, since the model's
//! weights (90 MB, more than the caches hold) are read once for all of
//! them. A question asked alone still gets a pass of its own at once.
//!
//! Waiting texts are queued per client and passes take them in turn, one
//! per client (round-robin): a client that floods the batcher waits behind
//! its own questions, while everyone else's join the next pass.
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

type Text = (u64, Vec<u32>);

#[derive(Default)]
struct State {
    next_id: u64,
    /// Clients with waiting texts, in turn order, each with its texts in
    /// the order they came.
    waiting: VecDeque<(String, VecDeque<Text>)>,
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

    /// Embeds one tokenised text of `client` with `pass`, which embeds
    /// several at once, possibly together with texts of other threads.
    pub fn embed<F>(&self, client: &str, ids: Vec<u32>, pass: F) -> Result<Vec<f32>, EmbedError>
    where
        F: Fn(&[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError>,
    {
        let mut state = self.lock();
        let me = state.next_id;
        state.next_id += 1;
        match state.waiting.iter_mut().find(|(c, _)| c == client) {
            Some((_, texts)) => texts.push_back((me, ids)),
            None => state
                .waiting
                .push_back((client.to_string(), VecDeque::from([(me, ids)]))),
        }
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

/// Waiting texts, one per client in turn, up to the token limit (at least
/// one). A client whose text is taken moves to the back of the turn order.
/// Texts of very different lengths are not mixed: a short question would
/// wait for a long one's pass, so a client's long text is left (keeping its
/// turn) for a pass of its own kind.
fn take_batch(waiting: &mut VecDeque<(String, VecDeque<Text>)>) -> Vec<Text> {
    let mut batch = Vec::new();
    let mut tokens = 0;
    let mut first_len = 0;
    let mut skipped = Vec::new();
    for _ in 0..waiting.len() {
        let Some((client, mut texts)) = waiting.pop_front() else {
            break;
        };
        let Some(len) = texts.front().map(|(_, ids)| ids.len()) else {
            continue;
        };
        if batch.is_empty() {
            first_len = len;
        } else if tokens + len > MAX_TOKENS_PER_PASS {
            waiting.push_front((client, texts));
            break;
        } else if len.max(first_len) > 2 * len.min(first_len) + 16 {
            skipped.push((client, texts));
            continue;
        }
        tokens += len;
        batch.extend(texts.pop_front());
        if !texts.is_empty() {
            waiting.push_back((client, texts));
        }
    }
    for s in skipped.into_iter().rev() {
        waiting.push_front(s);
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

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
                    batcher.embed(&format!("client {}", i % 3), vec![i, i + 1], |texts| {
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
    fn short_texts_are_not_held_up_by_long_ones() {
        let mut waiting = VecDeque::from([
            ("long".to_string(), VecDeque::from([(1, vec![0; 128])])),
            ("short".to_string(), VecDeque::from([(2, vec![0; 12])])),
            ("short too".to_string(), VecDeque::from([(3, vec![0; 15])])),
        ]);
        let ids = |b: Vec<Text>| b.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        assert_eq!(ids(take_batch(&mut waiting)), vec![1]);
        assert_eq!(ids(take_batch(&mut waiting)), vec![2, 3]);
        assert!(waiting.is_empty());
    }

    #[test]
    fn a_failed_pass_fails_its_texts_only() {
        let batcher = Batcher::new(1);
        let failed = batcher.embed("a", vec![1], |_| panic!("boom"));
        assert!(matches!(failed, Err(EmbedError::Failed(_))));
        let ok = batcher.embed("a", vec![2], |t| Ok(vec![vec![t[0][0] as f32]]));
        assert_eq!(ok.expect("embedding"), vec![2.0]);
    }

    #[test]
    fn a_flooding_client_waits_behind_itself() {
        let batcher = Arc::new(Batcher::new(1));
        let waiting =
            |b: &Batcher| -> usize { b.lock().waiting.iter().map(|(_, t)| t.len()).sum() };
        // Each pass records the first token of its texts.
        let passes = Arc::new(Mutex::new(Vec::<Vec<u32>>::new()));
        let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
        let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
        let hold = Arc::new(Mutex::new((hold_rx, started_tx)));
        let pass = {
            let passes = passes.clone();
            move |texts: &[&[u32]]| {
                if texts[0][0] == 0 {
                    // The first pass holds the only place until released.
                    let _ = hold.lock().map(|h| {
                        let _ = h.1.send(());
                        h.0.recv()
                    });
                }
                passes
                    .lock()
                    .expect("passes")
                    .push(texts.iter().map(|t| t[0]).collect());
                Ok(texts.iter().map(|_| vec![0.0]).collect())
            }
        };
        let spawn = |client: &'static str, first: u32, len: usize| {
            let (batcher, pass) = (batcher.clone(), pass.clone());
            std::thread::spawn(move || batcher.embed(client, vec![first; len], pass))
        };
        let mut threads = vec![spawn("blocker", 0, 1)];
        started_rx.recv().expect("the first pass starts");
        // 20 texts of 200 tokens from one client (four passes' worth), then
        // one from another client.
        for i in 1..=20 {
            threads.push(spawn("flood", i, 200));
            while waiting(&batcher) < i as usize {
                std::thread::yield_now();
            }
        }
        threads.push(spawn("other", 100, 10));
        while waiting(&batcher) < 21 {
            std::thread::yield_now();
        }
        hold_tx.send(()).expect("release");
        for t in threads {
            t.join().expect("thread").expect("embedding");
        }
        let passes = passes.lock().expect("passes");
        // It has a pass of its own (it is much shorter) at once, not after
        // the flood's four.
        assert!(
            passes[1..3].iter().any(|p| p.contains(&100)),
            "the other client's text is in the first passes after the blocker: {passes:?}"
        );
        assert_eq!(passes.iter().map(Vec::len).sum::<usize>(), 22);
    }
}
