//! Builds knowledge snapshots from the articles folder (index, vocabulary,
//! section embeddings, the request classifier, the help center's norms)
//! and keeps the current one, re-indexing when the articles change.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::help::bot::classify::RequestClassifier;
use crate::help::bot::escalation::measure_norms;
use crate::help::embed::cache::EmbeddingCache;
use crate::help::embed::{EmbedError, Embedder, Engine};
use crate::help::kb::{KnowledgeBase, LoadError};
use crate::help::knowledge::Knowledge;
use crate::help::search::vector::VectorIndex;
use crate::help::search::vocab::Vocabulary;
use crate::help::search::{SearchError, SearchIndex};

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
    #[error("embedding the sections failed: {0}")]
    Embed(#[from] EmbedError),
}

/// The embedding model and its cache, when the model files are present.
pub struct Semantic {
    pub embedder: Arc<Embedder>,
    pub cache: Mutex<EmbeddingCache>,
    /// The request classifier, trained (or read from the cache folder) at
    /// the first indexing and kept across reloads: it does not depend on
    /// the articles.
    classifier: Mutex<Option<Arc<RequestClassifier>>>,
}

impl Semantic {
    /// The request classifier, trained once; `None` (with a warning, the
    /// bot then decides by its rules) if training it failed.
    fn classifier(&self, cache: &mut EmbeddingCache) -> Option<Arc<RequestClassifier>> {
        let mut slot = self.classifier.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            match RequestClassifier::load_or_train(&self.embedder, cache) {
                Ok(c) => *slot = Some(Arc::new(c)),
                Err(e) => tracing::warn!("the request classifier is off: {e}"),
            }
        }
        slot.clone()
    }

    /// Loads the model, or explains in one warning why retrieval will be
    /// keyword-only.
    pub fn load(model_dir: &Path, cache_dir: &Path, engine: Engine) -> Option<Semantic> {
        match Embedder::load_with(model_dir, engine) {
            Ok(embedder) => Some(Semantic {
                embedder: Arc::new(embedder),
                cache: Mutex::new(EmbeddingCache::open(cache_dir)),
                classifier: Mutex::new(None),
            }),
            Err(e) => {
                tracing::warn!(
                    "semantic retrieval is off, using keyword retrieval only: {e}. Run `models/fetch` to download the model into {}",
                    model_dir.display()
                );
                None
            }
        }
    }
}

impl Knowledge {
    pub fn load(
        kb_dir: &Path,
        index_dir: &Path,
        semantic: Option<&Semantic>,
    ) -> Result<Knowledge, KnowledgeError> {
        let kb = KnowledgeBase::load(kb_dir)?;
        Self::from_kb(kb, index_dir, semantic)
    }

    /// Builds the snapshot for an already loaded knowledge base.
    pub fn from_kb(
        kb: KnowledgeBase,
        index_dir: &Path,
        semantic: Option<&Semantic>,
    ) -> Result<Knowledge, KnowledgeError> {
        let index = SearchIndex::open_or_build(index_dir, &kb)?;
        let vocab = Vocabulary::build(&kb);
        let Some(s) = semantic else {
            return Ok(Knowledge {
                kb,
                index,
                vocab,
                vectors: None,
                embedder: None,
                classifier: None,
                norms: Vec::new(),
            });
        };
        let mut cache = s.cache.lock().unwrap_or_else(|p| p.into_inner());
        let (vectors, stats) = VectorIndex::build(&kb, &s.embedder, &mut cache)?;
        tracing::info!(
            embedded = stats.embedded,
            cached = stats.cached,
            "section embeddings ready"
        );
        let classifier = s.classifier(&mut cache);
        let mut knowledge = Knowledge {
            kb,
            index,
            vocab,
            vectors: Some(vectors),
            embedder: Some(Arc::clone(&s.embedder)),
            classifier,
            norms: Vec::new(),
        };
        knowledge.norms = measure_norms(&knowledge, &mut |texts| {
            cache
                .embed_all(&s.embedder, texts)
                .map_err(|e| tracing::warn!("cannot embed the article titles: {e}"))
                .ok()
        });
        Ok(knowledge)
    }
}

/// Holds the current snapshot and replaces it on reload.
pub struct KnowledgeHandle {
    current: RwLock<Arc<Knowledge>>,
    /// Whether section embeddings are being computed in the background.
    embedding: std::sync::atomic::AtomicBool,
    kb_dir: PathBuf,
    index_dir: PathBuf,
    semantic: Option<Semantic>,
    /// Serialises reloads (the watcher and `frontdesk index` may overlap).
    reloading: Mutex<()>,
}

impl KnowledgeHandle {
    /// Loads the knowledge with everything, embeddings included (for the
    /// command line, which needs them at once).
    pub fn open(
        kb_dir: &Path,
        index_dir: &Path,
        semantic: Option<Semantic>,
    ) -> Result<KnowledgeHandle, KnowledgeError> {
        let knowledge = Knowledge::load(kb_dir, index_dir, semantic.as_ref())?;
        Ok(Self::with(knowledge, kb_dir, index_dir, semantic))
    }

    /// Loads the keyword part at once and computes the embeddings in the
    /// background, swapping them in when ready: a server with a large new
    /// knowledge base answers (by keyword) from the first second.
    pub fn open_deferred(
        kb_dir: &Path,
        index_dir: &Path,
        semantic: Option<Semantic>,
    ) -> Result<Arc<KnowledgeHandle>, KnowledgeError> {
        let knowledge = Knowledge::load(kb_dir, index_dir, None)?;
        let has_semantic = semantic.is_some();
        let handle = Arc::new(Self::with(knowledge, kb_dir, index_dir, semantic));
        if has_semantic {
            handle
                .embedding
                .store(true, std::sync::atomic::Ordering::SeqCst);
            let h = Arc::clone(&handle);
            let spawned = std::thread::Builder::new().name("kb-embed".into()).spawn(move || {
                if let Err(e) = h.rebuild(true) {
                    tracing::error!("computing the section embeddings failed, staying with keyword retrieval: {e}");
                }
                h.embedding.store(false, std::sync::atomic::Ordering::SeqCst);
            });
            if let Err(e) = spawned {
                tracing::error!("cannot start the embedding thread: {e}");
                handle
                    .embedding
                    .store(false, std::sync::atomic::Ordering::SeqCst);
            }
        }
        Ok(handle)
    }

    fn with(
        knowledge: Knowledge,
        kb_dir: &Path,
        index_dir: &Path,
        semantic: Option<Semantic>,
    ) -> KnowledgeHandle {
        KnowledgeHandle {
            current: RwLock::new(Arc::new(knowledge)),
            embedding: std::sync::atomic::AtomicBool::new(false),
            kb_dir: kb_dir.to_path_buf(),
            index_dir: index_dir.to_path_buf(),
            semantic,
            reloading: Mutex::new(()),
        }
    }

    /// The embedding model, loaded even while the sections' embeddings are
    /// still being computed (questions can be embedded meanwhile).
    pub fn embedder(&self) -> Option<Arc<Embedder>> {
        self.semantic.as_ref().map(|s| Arc::clone(&s.embedder))
    }

    /// The knowledge-base folder (where published drafts are written).
    pub fn kb_dir(&self) -> &Path {
        &self.kb_dir
    }

    /// `keyword`, `building embeddings`, or `hybrid`.
    pub fn retrieval_status(&self) -> &'static str {
        if self.current().vectors.is_some() {
            "hybrid"
        } else if self.embedding.load(std::sync::atomic::Ordering::SeqCst) {
            "keyword (embeddings being computed)"
        } else {
            "keyword"
        }
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
        self.rebuild(false)
    }

    /// Rebuilds the snapshot; unless `force`, only when the articles changed.
    fn rebuild(&self, force: bool) -> Result<bool, KnowledgeError> {
        let _guard = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        let kb = KnowledgeBase::load(&self.kb_dir)?;
        if !force && kb.hash == self.current().kb.hash {
            return Ok(false);
        }
        let fresh = Arc::new(Knowledge::from_kb(
            kb,
            &self.index_dir,
            self.semantic.as_ref(),
        )?);
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
