//! The on-disk embedding cache: one record per embedded text, keyed by a
//! hash of the model and the text, so restarts and re-indexing only embed
//! what changed. Append-only; a torn last record (a crash mid-write) is
//! ignored.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{DIMENSIONS, MODEL_SHA256};

const MAGIC: &[u8; 8] = b"FDEMB01\n";
const RECORD: usize = 32 + DIMENSIONS * 4;

pub type Key = [u8; 32];

pub fn key(text: &str) -> Key {
    let mut h = Sha256::new();
    h.update(MODEL_SHA256.as_bytes());
    h.update([0]);
    h.update(text.as_bytes());
    h.finalize().into()
}

pub struct EmbeddingCache {
    path: PathBuf,
    entries: HashMap<Key, Vec<f32>>,
}

impl EmbeddingCache {
    /// Opens the cache file under `dir`, or starts empty if there is none
    /// (an unreadable file is started afresh: it is only a cache).
    pub fn open(dir: &Path) -> EmbeddingCache {
        let path = dir.join(format!("minilm-{}.bin", &MODEL_SHA256[..16]));
        let entries = read_entries(&path).unwrap_or_else(|e| {
            if path.exists() {
                tracing::warn!(
                    "ignoring unreadable embedding cache {}: {e}",
                    path.display()
                );
            }
            HashMap::new()
        });
        EmbeddingCache { path, entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, key: &Key) -> Option<&[f32]> {
        self.entries.get(key).map(Vec::as_slice)
    }

    /// The folder the cache lives in (other derived data is kept next to it).
    pub fn dir(&self) -> Option<&Path> {
        self.path.parent()
    }

    /// The embeddings of `texts`, computing and storing only those not
    /// cached yet.
    pub fn embed_all(
        &mut self,
        embedder: &super::Embedder,
        texts: &[&str],
    ) -> Result<Vec<Vec<f32>>, super::EmbedError> {
        let keys: Vec<Key> = texts.iter().map(|t| key(t)).collect();
        let mut missing: Vec<usize> = (0..texts.len())
            .filter(|&i| self.get(&keys[i]).is_none())
            .collect();
        missing.sort_by_key(|&i| (texts[i].len(), keys[i]));
        missing.dedup_by_key(|i| keys[*i]);
        let mut fresh = Vec::with_capacity(missing.len());
        // A few batches pass quickly; a new help center takes minutes.
        let progress = (missing.len() > 4 * super::BATCH)
            .then(|| crate::progress::Progress::new(missing.len() as u64, "embedding sections"));
        for batch in missing.chunks(super::BATCH) {
            if let Some(p) = &progress {
                p.inc(batch.len() as u64);
            }
            let inputs: Vec<&str> = batch.iter().map(|&i| texts[i]).collect();
            for (&i, v) in batch.iter().zip(embedder.embed_batch(&inputs)?) {
                fresh.push((keys[i], v));
            }
        }
        let computed: HashMap<Key, Vec<f32>> = fresh.iter().cloned().collect();
        if let Err(e) = self.insert_all(fresh) {
            tracing::warn!("cannot write the embedding cache: {e}");
            // Keep going without persisting: the vectors are still usable.
            self.entries.extend(computed);
        }
        keys.iter()
            .map(|k| {
                self.get(k).map(<[f32]>::to_vec).ok_or_else(|| {
                    super::EmbedError::Tokenizer("an embedding is missing after embedding".into())
                })
            })
            .collect()
    }

    /// Adds new embeddings and appends them to the file.
    pub fn insert_all(&mut self, new: Vec<(Key, Vec<f32>)>) -> std::io::Result<()> {
        if new.is_empty() {
            return Ok(());
        }
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let fresh = !self.path.exists()
            || std::fs::metadata(&self.path)
                .map(|m| m.len() < MAGIC.len() as u64)
                .unwrap_or(true);
        if fresh {
            std::fs::write(&self.path, MAGIC)?;
        }
        let mut buf = Vec::with_capacity(new.len() * RECORD);
        for (k, v) in &new {
            buf.extend_from_slice(k);
            for x in v {
                buf.extend_from_slice(&x.to_le_bytes());
            }
        }
        let mut f = std::fs::OpenOptions::new().append(true).open(&self.path)?;
        f.write_all(&buf)?;
        f.sync_data()?;
        for (k, v) in new {
            self.entries.insert(k, v);
        }
        Ok(())
    }
}

fn read_entries(path: &Path) -> std::io::Result<HashMap<Key, Vec<f32>>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut bytes)?;
    if !bytes.starts_with(MAGIC) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not an embedding cache",
        ));
    }
    let body = &bytes[MAGIC.len()..];
    let torn = body.len() % RECORD;
    if torn != 0 {
        // Cut the torn record off, so the next append starts aligned.
        let valid = (bytes.len() - torn) as u64;
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)?
            .set_len(valid)?;
    }
    let mut entries = HashMap::with_capacity(body.len() / RECORD);
    for record in body.chunks_exact(RECORD) {
        let mut k = [0u8; 32];
        k.copy_from_slice(&record[..32]);
        let v: Vec<f32> = record[32..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        entries.insert(k, v);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_a_reopen_and_a_torn_tail_is_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut c = EmbeddingCache::open(dir.path());
        assert!(c.is_empty());
        let v: Vec<f32> = (0..DIMENSIONS).map(|i| i as f32).collect();
        c.insert_all(vec![(key("a"), v.clone()), (key("b"), v.clone())])
            .expect("write");
        let path = c.path.clone();
        // Simulate a crash in the middle of a record.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        f.write_all(&[1, 2, 3]).expect("write");
        let mut c = EmbeddingCache::open(dir.path());
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(&key("a")), Some(v.as_slice()));
        assert!(c.get(&key("c")).is_none());
        // Appending after the cut keeps records aligned.
        c.insert_all(vec![(key("c"), v.clone())]).expect("write");
        let c = EmbeddingCache::open(dir.path());
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(&key("c")), Some(v.as_slice()));
    }

    #[test]
    fn keys_depend_on_the_text() {
        assert_ne!(key("a"), key("b"));
        assert_eq!(key("a"), key("a"));
    }
}
