//! Retrieval for the bot and the search page: reads a question into search
//! terms (stop words and filler dropped, misspellings corrected), finds the
//! best sections, groups them into articles and measures how much of the
//! question each article covers.

use std::collections::HashMap;

use crate::help::kb::pages;
use crate::help::knowledge::Knowledge;
use crate::help::search::SearchError;
use crate::locale::Locale;

/// How many sections to fetch before grouping them into articles.
const CANDIDATE_SECTIONS: usize = 60;

/// Words that say nothing about the topic in a support question; dropped
/// on top of the analyzer's stop words.
fn filler(locale: Locale) -> &'static str {
    match locale {
        Locale::Fr => {
            "bonjour merci svp stp aide aider besoin veux voudrais voudrait savoir faire peux peut pouvez possible comment pourquoi quoi quel quelle quels quelles chose truc problème question toujours encore déjà"
        }
        Locale::Ro => {
            "bună buna mulțumesc multumesc vă rog ajutor ajuta ajutați vreau aș putea pot poate puteți posibil cum de ce ceva problemă problema întrebare încă deja trebuie fac face"
        }
        _ => {
            "hi hello hey please thanks thank help need want wanted wanna know tell possible way anyone someone somebody something anything everything nothing thing things stuff able does do did can could would should still already really just also guys trying try get got getting keep keeps kept make made go going anymore ever never always actually maybe ok okay"
        }
    }
}

/// A question read into search terms.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Terms of the question itself, corrected where misspelt.
    pub terms: Vec<String>,
    /// Terms carried over from earlier turns of the conversation: they help
    /// find the article but count half when measuring coverage.
    pub context_terms: Vec<String>,
    /// Embedding of the question (with its context), when the model is loaded.
    pub vector: Option<Vec<f32>>,
}

/// Most distinct terms read from a question: real ones have a handful; the
/// cap bounds the keyword search a 2,000-character question costs.
pub const MAX_QUERY_TERMS: usize = 64;
/// Most unknown terms of a question looked up for a spelling correction.
const MAX_CORRECTIONS: usize = 16;

impl Query {
    pub fn read(knowledge: &Knowledge, locale: Locale, text: &str) -> Query {
        let filler: Vec<String> = knowledge.index.analyze(locale, filler(locale));
        let mut terms: Vec<String> = Vec::new();
        let mut corrections = 0;
        let analyzed = knowledge.index.analyze(locale, text);
        // The question's known words decide between equally close corrections.
        let context: Vec<String> = analyzed
            .iter()
            .filter(|t| !filler.contains(t) && knowledge.vocab.knows(locale, t))
            .cloned()
            .collect();
        for t in analyzed {
            if terms.len() >= MAX_QUERY_TERMS {
                break;
            }
            if filler.contains(&t) {
                continue;
            }
            // Correcting scans the vocabulary: bounded, so that a long
            // question of made-up words cannot cost seconds.
            let t = if knowledge.vocab.knows(locale, &t) || corrections >= MAX_CORRECTIONS {
                t
            } else {
                corrections += 1;
                knowledge.vocab.correct(locale, &t, &context).unwrap_or(t)
            };
            if !terms.contains(&t) {
                terms.push(t);
            }
        }
        Query {
            terms,
            context_terms: Vec::new(),
            vector: None,
        }
    }

    /// Adds the embedding of `text`, asked by `client` (a failure leaves
    /// keyword retrieval).
    pub fn embedded(mut self, knowledge: &Knowledge, text: &str, client: &str) -> Query {
        if let Some(e) = &knowledge.embedder {
            match e.embed(client, text) {
                Ok(v) => self.vector = Some(v),
                Err(err) => tracing::warn!("cannot embed a question: {err}"),
            }
        }
        self
    }

    pub fn with_context(mut self, earlier: Query) -> Query {
        self.context_terms = earlier
            .terms
            .into_iter()
            .filter(|t| !self.terms.contains(t))
            .collect();
        self
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    fn all_terms(&self) -> Vec<String> {
        self.terms
            .iter()
            .chain(self.context_terms.iter())
            .cloned()
            .collect()
    }
}

/// Which retrievers to use. Hybrid fuses keyword and vector results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Keyword,
    Vector,
    Hybrid,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Keyword, Mode::Vector, Mode::Hybrid];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Keyword => "keyword",
            Mode::Vector => "vector",
            Mode::Hybrid => "hybrid",
        }
    }
}

/// Share of the vector retriever in the fused score. The embedding model is
/// English-only, so other languages lean on the keyword retriever (whose
/// stemmers do know them). Measured with `frontdesk eval --mode`.
pub fn vector_weight(locale: Locale) -> f32 {
    match locale {
        Locale::En => 0.8,
        _ => 0.3,
    }
}

#[derive(Debug, Clone)]
pub struct RankedArticle {
    pub article: usize,
    /// Relevance used for ranking (its scale depends on the mode).
    pub score: f32,
    /// Keyword score of the article, 0 to 1 relative to the best one.
    pub keyword: f32,
    /// Cosine similarity of the best-matching section (0 without vectors).
    pub similarity: f32,
    /// The section that best answers the question.
    pub best_section: usize,
    /// Share of the question's weight found anywhere in the article.
    pub coverage: f32,
    /// Share of the question's weight found in the best section.
    pub section_coverage: f32,
    pub on_this_page: bool,
}

pub struct Retrieval {
    pub locale: Locale,
    pub mode: Mode,
    pub query: Query,
    pub articles: Vec<RankedArticle>,
    /// Whether the keyword and vector retrievers rank the same article first.
    pub retrievers_agree: bool,
    /// Share of the question's weight made of words the help center uses at
    /// all: questions about other matters use words it never does.
    pub known_share: f32,
    /// Whether the best article has the question's most specific word (the
    /// rarest one the help center uses: an error code, a part's name). A
    /// report of a problem the help center describes names it; one about
    /// this user's own case rarely does.
    pub rarest_covered: bool,
}

impl Retrieval {
    pub fn top(&self) -> Option<&RankedArticle> {
        self.articles.first()
    }
}

#[derive(Default, Clone, Copy)]
struct Candidate {
    bm25: f32,
    similarity: Option<f32>,
}

/// Finds the articles of `locale` that best answer `query`. Articles tied
/// to `page_path` get a boost. `only_articles`, when given, restricts the
/// candidates (used to search English articles that have no translation).
pub fn retrieve(
    knowledge: &Knowledge,
    locale: Locale,
    query: &Query,
    mode: Mode,
    page_path: Option<&str>,
    only_articles: Option<&dyn Fn(usize) -> bool>,
) -> Result<Retrieval, SearchError> {
    let vectors = match (&knowledge.vectors, &query.vector) {
        (Some(index), Some(v)) if mode != Mode::Keyword => Some((index, v.as_slice())),
        _ => None,
    };
    // Without vectors every mode is keyword retrieval.
    let mode = if vectors.is_none() {
        Mode::Keyword
    } else {
        mode
    };
    let keep = |ai: usize| {
        knowledge
            .kb
            .articles
            .get(ai)
            .is_some_and(|a| a.locale == locale)
            && only_articles.is_none_or(|f| f(ai))
    };

    let mut candidates: HashMap<(usize, usize), Candidate> = HashMap::new();
    if mode != Mode::Vector {
        for h in knowledge
            .index
            .search(locale, &query.all_terms(), CANDIDATE_SECTIONS)?
        {
            if keep(h.article) {
                candidates.entry((h.article, h.section)).or_default().bm25 = h.score;
            }
        }
    }
    // The articles of the page the user is on are always candidates: a
    // vague question ("how do I change this?") is about that page.
    if let Some(path) = page_path {
        for (ai, a) in knowledge.kb.articles.iter().enumerate() {
            if keep(ai) && a.pages.iter().any(|p| p.matches(path)) {
                for si in 0..a.sections.len() {
                    candidates.entry((ai, si)).or_default();
                }
            }
        }
    }
    if let Some((index, qv)) = vectors {
        for h in index.search(qv, &keep, CANDIDATE_SECTIONS) {
            candidates
                .entry((h.article, h.section))
                .or_default()
                .similarity = Some(h.score);
        }
        // Keyword-only candidates get their exact similarity too.
        for (&(a, s), c) in candidates.iter_mut() {
            if c.similarity.is_none() {
                c.similarity = index.similarity(a, s, qv);
            }
        }
    }

    let weights: Vec<(String, f32)> = query
        .terms
        .iter()
        .map(|t| (t.clone(), knowledge.vocab.idf(locale, t)))
        .chain(
            query
                .context_terms
                .iter()
                .map(|t| (t.clone(), 0.5 * knowledge.vocab.idf(locale, t))),
        )
        .collect();
    let total: f32 = weights.iter().map(|(_, w)| w).sum();
    let share = |has: &dyn Fn(&str) -> bool| -> f32 {
        if total <= 0.0 {
            return 0.0;
        }
        weights
            .iter()
            .filter(|(t, _)| has(t))
            .map(|(_, w)| w)
            .sum::<f32>()
            / total
    };

    let mut by_article: HashMap<usize, Vec<(usize, Candidate)>> = HashMap::new();
    for ((a, s), c) in candidates {
        by_article.entry(a).or_default().push((s, c));
    }

    struct Partial {
        article: usize,
        keyword_raw: f32,
        similarity: f32,
        best_section: usize,
        coverage: f32,
        section_coverage: f32,
        on_this_page: bool,
    }
    let max_bm25 = by_article
        .values()
        .flat_map(|v| v.iter().map(|c| c.1.bm25))
        .fold(0.0f32, f32::max)
        .max(f32::EPSILON);
    let w = vector_weight(locale);
    let mut partials: Vec<Partial> = by_article
        .into_iter()
        .filter_map(|(ai, sections)| {
            let article = knowledge.kb.articles.get(ai)?;
            let coverage = share(&|t| knowledge.vocab.article_has(ai, t));
            let section_score = |si: usize, c: &Candidate| -> (f32, f32) {
                let cov = share(&|t| knowledge.vocab.section_has(ai, si, t));
                let kw = c.bm25 * (0.4 + 0.6 * cov);
                let sim = c.similarity.unwrap_or(0.0);
                let score = match mode {
                    Mode::Keyword => kw,
                    Mode::Vector => sim,
                    Mode::Hybrid => w * sim + (1.0 - w) * kw / max_bm25,
                };
                (score, cov)
            };
            let (best_section, _, section_coverage) = sections
                .iter()
                .map(|(si, c)| {
                    let (score, cov) = section_score(*si, c);
                    (*si, score, cov)
                })
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))?;
            let top_bm25 = sections.iter().map(|s| s.1.bm25).fold(0.0f32, f32::max);
            let similarity = sections
                .iter()
                .filter_map(|s| s.1.similarity)
                .fold(0.0f32, f32::max);
            Some(Partial {
                article: ai,
                // A coordination factor: an article that covers all of the
                // question beats one that repeats a single word many times.
                keyword_raw: top_bm25 * (0.3 + 0.7 * coverage),
                similarity,
                best_section,
                coverage,
                section_coverage,
                on_this_page: page_path
                    .is_some_and(|p| article.pages.iter().any(|pat| pat.matches(p))),
            })
        })
        .collect();

    let max_keyword = partials
        .iter()
        .map(|p| p.keyword_raw)
        .fold(0.0f32, f32::max)
        .max(f32::EPSILON);
    let top_by = |f: &dyn Fn(&Partial) -> f32| {
        partials
            .iter()
            .max_by(|a, b| f(a).total_cmp(&f(b)).then(b.article.cmp(&a.article)))
            .map(|p| p.article)
    };
    let retrievers_agree =
        mode == Mode::Hybrid && top_by(&|p| p.keyword_raw) == top_by(&|p| p.similarity);

    let mut ranked: Vec<RankedArticle> = partials
        .drain(..)
        .map(|p| {
            let keyword = p.keyword_raw / max_keyword;
            let base = match mode {
                Mode::Keyword => p.keyword_raw,
                Mode::Vector => p.similarity,
                Mode::Hybrid => w * p.similarity + (1.0 - w) * keyword,
            };
            // The page the user is on makes its articles more likely, the
            // more so as the question says less ("how do I change this?").
            let vague = query.terms.len() <= 2;
            let score = match (mode, p.on_this_page, vague) {
                (_, false, _) => base,
                (Mode::Keyword, true, false) => base * 1.3,
                (Mode::Keyword, true, true) => base * 1.8,
                (_, true, false) => base + 0.15,
                (_, true, true) => base + 0.3,
            };
            RankedArticle {
                article: p.article,
                score,
                keyword,
                similarity: p.similarity,
                best_section: p.best_section,
                coverage: p.coverage,
                section_coverage: p.section_coverage,
                on_this_page: p.on_this_page,
            }
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.article.cmp(&b.article)));
    let known_share = share(&|t| knowledge.vocab.knows(locale, t));
    let rarest = query
        .terms
        .iter()
        .filter(|t| knowledge.vocab.knows(locale, t))
        .map(|t| (t, knowledge.vocab.idf(locale, t)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(a.0)));
    let rarest_covered = match (ranked.first(), rarest) {
        (Some(top), Some((t, _))) => knowledge.vocab.article_has(top.article, t),
        _ => false,
    };
    Ok(Retrieval {
        locale,
        mode,
        query: query.clone(),
        articles: ranked,
        retrievers_agree,
        known_share,
        rarest_covered,
    })
}

/// Articles relevant to a product page, most specific pattern first.
pub fn page_suggestions(knowledge: &Knowledge, page_url: &str, locale: Locale) -> Vec<usize> {
    let Some(path) = pages::path_of(page_url) else {
        return Vec::new();
    };
    let mut found: Vec<(usize, usize)> = knowledge
        .kb
        .articles
        .iter()
        .enumerate()
        .filter(|(_, a)| a.locale == locale)
        .filter_map(|(i, a)| {
            a.pages
                .iter()
                .filter(|p| p.matches(&path))
                .map(|p| p.specificity())
                .max()
                .map(|s| (i, s))
        })
        .collect();
    found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    found.into_iter().map(|(i, _)| i).collect()
}
