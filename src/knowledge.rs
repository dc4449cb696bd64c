//! The live knowledge: the loaded articles with their search index and
//! vocabulary as one immutable snapshot, swapped atomically when the
//! articles change so that requests never see a half-built index.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::kb::{KnowledgeBase, LoadError};
use crate::search::vocab::Vocabulary;
use crate::search::{SearchError, SearchIndex};

/// Quiet time after the last file event before re-indexing: editors write
/// a file in several steps, and a `git pull` touches many files at once.
const DEBOUNCE: Duration = Duration::from_millis(400);

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("cannot watch the knowledge-base folder: {0}")]
    Watch(#[from] notify::Error),
}

/// One consistent version of the knowledge base and everything derived from it.
pub struct Knowledge {
    pub kb: KnowledgeBase,
    pub index: SearchIndex,
    pub vocab: Vocabulary,
}

impl Knowledge {
    pub fn load(kb_dir: &Path, index_dir: &Path) -> Result<Knowledge, KnowledgeError> {
        let kb = KnowledgeBase::load(kb_dir)?;
        Self::from_kb(kb, index_dir)
    }

    fn from_kb(kb: KnowledgeBase, index_dir: &Path) -> Result<Knowledge, KnowledgeError> {
        let index = SearchIndex::open_or_build(index_dir, &kb)?;
        let vocab = Vocabulary::build(&kb);
        Ok(Knowledge { kb, index, vocab })
    }
}

/// Holds the current snapshot and replaces it on reload.
pub struct KnowledgeHandle {
    current: RwLock<Arc<Knowledge>>,
    kb_dir: PathBuf,
    index_dir: PathBuf,
    /// Serialises reloads (the watcher and `frontdesk index` may overlap).
    reloading: Mutex<()>,
}

impl KnowledgeHandle {
    pub fn open(kb_dir: &Path, index_dir: &Path) -> Result<KnowledgeHandle, KnowledgeError> {
        let knowledge = Knowledge::load(kb_dir, index_dir)?;
        Ok(KnowledgeHandle {
            current: RwLock::new(Arc::new(knowledge)),
            kb_dir: kb_dir.to_path_buf(),
            index_dir: index_dir.to_path_buf(),
            reloading: Mutex::new(()),
        })
    }

    pub fn current(&self) -> Arc<Knowledge> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Reloads the articles and, if they changed, swaps in a freshly built
    /// snapshot. Blocking: call from a blocking thread. Returns whether the
    /// knowledge changed.
    pub fn reload(&self) -> Result<bool, KnowledgeError> {
        let _guard = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        let kb = KnowledgeBase::load(&self.kb_dir)?;
        if kb.hash == self.current().kb.hash {
            return Ok(false);
        }
        let fresh = Arc::new(Knowledge::from_kb(kb, &self.index_dir)?);
        tracing::info!(
            articles = fresh.kb.articles.len(),
            problems = fresh.kb.problems.len(),
            "knowledge base reloaded"
        );
        match self.current.write() {
            Ok(mut guard) => *guard = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(true)
    }

    /// Watches the knowledge-base folder and reloads after changes settle.
    /// The returned watcher must be kept alive for as long as watching should go on.
    pub fn watch(self: &Arc<Self>) -> Result<notify::RecommendedWatcher, KnowledgeError> {
        let (tx, rx) = mpsc::channel::<()>();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(e) = event
                    && !e.kind.is_access()
                {
                    let _ = tx.send(());
                }
            })?;
        watcher.watch(&self.kb_dir, RecursiveMode::Recursive)?;
        let handle = Arc::clone(self);
        std::thread::Builder::new()
            .name("kb-watch".into())
            .spawn(move || {
                while rx.recv().is_ok() {
                    // Wait until no event has come for DEBOUNCE.
                    while rx.recv_timeout(DEBOUNCE).is_ok() {}
                    if let Err(e) = handle.reload() {
                        tracing::error!("re-indexing after a change failed: {e}");
                    }
                }
            })
            .map_err(|e| KnowledgeError::Watch(notify::Error::io(e)))?;
        Ok(watcher)
    }
}
