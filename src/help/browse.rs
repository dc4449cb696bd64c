//! Searching the help center as a reader does (the search page and the
//! widget's search box): the best articles for some words, each at its
//! best section with a snippet, and the words as the search corrected them.

use serde::Serialize;

use crate::help::bot::retrieve::{self, Mode, Query};
use crate::help::knowledge::Knowledge;
use crate::help::search::{SearchError, html_escape};
use crate::locale::Locale;

/// Most results shown for one search.
pub const MAX_RESULTS: usize = 10;

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub title: String,
    /// The best section's heading (empty for an article's introduction).
    pub section: String,
    pub url: String,
    /// HTML: escaped text with the matched words in `<b>`.
    pub snippet: String,
    /// The best section's first sentence, as plain text.
    pub excerpt: String,
    pub category: String,
}

#[derive(Debug, Clone, Default)]
pub struct Found {
    pub hits: Vec<Hit>,
    /// The words searched for, when the search corrected their spelling.
    pub respelled: Option<String>,
}

/// Searches the articles of `locale` for `text` (hybrid retrieval; the
/// embedding is asked for as `client`).
pub fn search(
    k: &Knowledge,
    locale: Locale,
    text: &str,
    client: &str,
) -> Result<Found, SearchError> {
    let query = Query::read(k, locale, text);
    if query.is_empty() {
        return Ok(Found::default());
    }
    let respelled = k
        .vocab
        .respell(locale, text, |w| k.index.analyze(locale, w));
    let query = query.embedded(k, text, client);
    let retrieval = retrieve::retrieve(k, locale, &query, Mode::Hybrid, None, None)?;
    let top = retrieval.top().map(|t| t.score).unwrap_or(0.0);
    let hits: Vec<Hit> = retrieval
        .articles
        .iter()
        // Results that share only a marginal word with the query are noise.
        .filter(|r| (r.coverage >= 0.3 || r.similarity >= 0.45) && r.score >= 0.25 * top)
        .take(MAX_RESULTS)
        .filter_map(|r| {
            let a = k.kb.articles.get(r.article)?;
            let s = a.sections.get(r.best_section)?;
            let (snippet, excerpt) = if s.text.trim().is_empty() {
                (html_escape(&a.summary), a.summary.clone())
            } else {
                (
                    k.index.snippet_html(locale, &query.terms, &s.text),
                    crate::help::kb::excerpt(&s.text),
                )
            };
            Some(Hit {
                title: a.title.clone(),
                section: s.heading.clone().unwrap_or_default(),
                url: a.section_url(s),
                snippet,
                excerpt,
                category: a.category.clone(),
            })
        })
        .collect();
    Ok(Found {
        respelled: respelled.filter(|_| !hits.is_empty()),
        hits,
    })
}
