//! Retrieval for the bot and the search page: reads a question into search
//! terms (stop words and filler dropped, misspellings corrected), finds the
//! best sections, groups them into articles and measures how much of the
//! question each article covers.

use std::collections::HashMap;

use crate::kb::pages;
use crate::knowledge::Knowledge;
use crate::locale::Locale;
use crate::search::SearchError;

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
}

impl Query {
    pub fn read(knowledge: &Knowledge, locale: Locale, text: &str) -> Query {
        let filler: Vec<String> = knowledge.index.analyze(locale, filler(locale));
        let mut terms: Vec<String> = Vec::new();
        for t in knowledge.index.analyze(locale, text) {
            if filler.contains(&t) {
                continue;
            }
            let t = knowledge.vocab.correct(locale, &t).unwrap_or(t);
            if !terms.contains(&t) {
                terms.push(t);
            }
        }
        Query {
            terms,
            context_terms: Vec::new(),
        }
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

#[derive(Debug, Clone)]
pub struct RankedArticle {
    pub article: usize,
    /// Keyword relevance, adjusted for coverage and page context.
    pub score: f32,
    /// BM25 score of the best section, before adjustment.
    pub bm25: f32,
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
    pub query: Query,
    pub articles: Vec<RankedArticle>,
}

impl Retrieval {
    pub fn top(&self) -> Option<&RankedArticle> {
        self.articles.first()
    }
}

/// Finds the articles of `locale` that best answer `query`. Articles tied
/// to `page_path` get a boost. `only_articles`, when given, restricts the
/// candidates (used to search English articles that have no translation).
pub fn retrieve(
    knowledge: &Knowledge,
    locale: Locale,
    query: &Query,
    page_path: Option<&str>,
    only_articles: Option<&dyn Fn(usize) -> bool>,
) -> Result<Retrieval, SearchError> {
    let all_terms = query.all_terms();
    let hits = knowledge
        .index
        .search(locale, &all_terms, CANDIDATE_SECTIONS)?;
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

    let mut grouped: HashMap<usize, Vec<(usize, f32)>> = HashMap::new();
    for h in hits {
        if only_articles.is_some_and(|keep| !keep(h.article)) {
            continue;
        }
        grouped
            .entry(h.article)
            .or_default()
            .push((h.section, h.score));
    }

    let mut ranked: Vec<RankedArticle> = grouped
        .into_iter()
        .filter_map(|(ai, sections)| {
            let article = knowledge.kb.articles.get(ai)?;
            let coverage = share(&|t| knowledge.vocab.article_has(ai, t));
            // Best section: the one covering most of the question, then by score.
            let (best_section, bm25, section_coverage) = sections
                .iter()
                .map(|&(si, score)| {
                    let c = share(&|t| knowledge.vocab.section_has(ai, si, t));
                    (si, score, c)
                })
                .max_by(|a, b| (a.1 * (0.4 + 0.6 * a.2)).total_cmp(&(b.1 * (0.4 + 0.6 * b.2))))?;
            let top_bm25 = sections.iter().map(|s| s.1).fold(0.0f32, f32::max);
            let on_this_page =
                page_path.is_some_and(|p| article.pages.iter().any(|pat| pat.matches(p)));
            let page_boost = if on_this_page { 1.3 } else { 1.0 };
            // A coordination factor: an article that covers all of the
            // question beats one that repeats a single word many times.
            let score = top_bm25 * (0.3 + 0.7 * coverage) * page_boost;
            Some(RankedArticle {
                article: ai,
                score,
                bm25,
                best_section,
                coverage,
                section_coverage,
                on_this_page,
            })
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.article.cmp(&b.article)));
    Ok(Retrieval {
        locale,
        query: query.clone(),
        articles: ranked,
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
