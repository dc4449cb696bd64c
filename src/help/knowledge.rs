//! The live knowledge: the loaded articles with their search index,
//! vocabulary, embeddings and the request classifier as one immutable
//! snapshot. `indexing` builds snapshots and swaps them atomically when
//! the articles change, so that requests never see a half-built index.

use std::sync::Arc;

use serde::Serialize;

use crate::help::bot::classify::RequestClassifier;
use crate::help::embed::Embedder;
use crate::help::kb::KnowledgeBase;
use crate::help::search::SearchIndex;
use crate::help::search::vector::VectorIndex;
use crate::help::search::vocab::Vocabulary;
use crate::locale::Locale;

/// One consistent version of the knowledge base and everything derived from it.
pub struct Knowledge {
    pub kb: KnowledgeBase,
    pub index: SearchIndex,
    pub vocab: Vocabulary,
    /// Section embeddings, when the model is available.
    pub vectors: Option<VectorIndex>,
    /// The model, to embed questions (same as the one behind `vectors`).
    pub embedder: Option<Arc<Embedder>>,
    /// What kind of request a message is (with the model only).
    pub classifier: Option<Arc<RequestClassifier>>,
    /// How this help center's own articles score, per language (see `Norms`).
    pub norms: Vec<(Locale, Norms)>,
}

impl Knowledge {
    /// The norms of `locale`, else of English, else typical ones.
    pub fn norms(&self, locale: Locale) -> Norms {
        let of = |l: Locale| self.norms.iter().find(|(x, _)| *x == l).map(|(_, n)| *n);
        of(locale)
            .or_else(|| of(crate::locale::DEFAULT_LOCALE))
            .unwrap_or(Norms::TYPICAL)
    }

    /// `hybrid` when sections have embeddings, else `keyword`.
    pub fn retrieval_mode(&self) -> &'static str {
        if self.vectors.is_some() {
            "hybrid"
        } else {
            "keyword"
        }
    }
}

/// What one help center's own articles look like to the retrieval, in one
/// language: its article titles are asked as questions, once with their
/// own article there (a question the help center answers) and once with it
/// left out (a question on its topics that it does not answer). Scores are
/// read against these two levels, so that a decision learnt on one help
/// center means the same on another whose texts match more or less
/// closely.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Norms {
    pub samples: usize,
    /// Median best similarity with the answer present, and left out.
    pub answered_similarity: f32,
    pub unanswered_similarity: f32,
    /// Median word coverage of the best article, likewise.
    pub answered_coverage: f32,
    pub unanswered_coverage: f32,
}

impl Norms {
    /// Used when a language has too few articles to measure.
    pub const TYPICAL: Norms = Norms {
        samples: 0,
        answered_similarity: 0.75,
        unanswered_similarity: 0.5,
        answered_coverage: 1.0,
        unanswered_coverage: 0.5,
    };

    /// Where `value` lies from the unanswered level (0) to the answered one (1).
    pub(crate) fn place(value: f32, unanswered: f32, answered: f32) -> f32 {
        let spread = (answered - unanswered).max(0.05);
        ((value - unanswered) / spread).clamp(-3.0, 3.0)
    }
}
