//! The terms of the knowledge base per locale: document frequencies for
//! weighting, per-article term sets for measuring how much of a question an
//! article covers, and spelling correction against the known words.

use std::collections::{HashMap, HashSet};

use crate::help::kb::KnowledgeBase;
use crate::locale::Locale;

use super::analyzer;

#[derive(Debug, Default)]
pub struct Vocabulary {
    /// Per locale: how many sections contain each term.
    df: HashMap<Locale, HashMap<String, u32>>,
    sections_per_locale: HashMap<Locale, u32>,
    /// Per article (same order as `KnowledgeBase::articles`): every term of
    /// its title, tags, category and sections.
    article_terms: Vec<HashSet<String>>,
    /// Per article, per section: the section's terms (heading and body).
    section_terms: Vec<Vec<HashSet<String>>>,
}

impl Vocabulary {
    pub fn build(kb: &KnowledgeBase) -> Vocabulary {
        let mut analyzers: HashMap<Locale, tantivy::tokenizer::TextAnalyzer> = HashMap::new();
        let mut v = Vocabulary::default();
        for article in &kb.articles {
            let a = analyzers
                .entry(article.locale)
                .or_insert_with(|| analyzer::build(article.locale));
            let mut all: HashSet<String> = analyzer::terms(a, &article.title).into_iter().collect();
            all.extend(analyzer::terms(a, &article.tags.join(" ")));
            all.extend(analyzer::terms(a, &article.category));
            let df = v.df.entry(article.locale).or_default();
            let mut per_section = Vec::with_capacity(article.sections.len());
            for s in &article.sections {
                let mut terms: HashSet<String> =
                    analyzer::terms(a, s.heading.as_deref().unwrap_or_default())
                        .into_iter()
                        .collect();
                terms.extend(analyzer::terms(a, &s.text));
                for t in &terms {
                    *df.entry(t.clone()).or_default() += 1;
                }
                all.extend(terms.iter().cloned());
                per_section.push(terms);
            }
            *v.sections_per_locale.entry(article.locale).or_default() +=
                article.sections.len() as u32;
            v.article_terms.push(all);
            v.section_terms.push(per_section);
        }
        v
    }

    /// Inverse document frequency; a term the locale never uses weighs most.
    pub fn idf(&self, locale: Locale, term: &str) -> f32 {
        let n = self.sections_per_locale.get(&locale).copied().unwrap_or(0) as f32;
        let df = self
            .df
            .get(&locale)
            .and_then(|d| d.get(term))
            .copied()
            .unwrap_or(0) as f32;
        (1.0 + (n + 1.0) / (df + 0.5)).ln()
    }

    pub fn knows(&self, locale: Locale, term: &str) -> bool {
        self.df.get(&locale).is_some_and(|d| d.contains_key(term))
    }

    pub fn article_has(&self, article: usize, term: &str) -> bool {
        self.article_terms
            .get(article)
            .is_some_and(|t| t.contains(term))
    }

    pub fn section_has(&self, article: usize, section: usize, term: &str) -> bool {
        self.section_terms
            .get(article)
            .and_then(|s| s.get(section))
            .is_some_and(|t| t.contains(term))
    }

    /// The closest known term within a small edit distance (1, or 2 for
    /// long words), preferring the most common; `None` if the term is known
    /// or nothing is close enough.
    pub fn correct(&self, locale: Locale, term: &str) -> Option<String> {
        let dict = self.df.get(&locale)?;
        if dict.contains_key(term) {
            return None;
        }
        let len = term.chars().count();
        let max = match len {
            0..=3 => return None,
            4..=7 => 1,
            _ => 2,
        };
        let chars: Vec<char> = term.chars().collect();
        dict.iter()
            .filter(|(cand, _)| cand.chars().count().abs_diff(len) <= max)
            .filter_map(|(cand, df)| {
                let d = edit_distance(&chars, cand, max)?;
                Some((d, std::cmp::Reverse(*df), cand))
            })
            .min()
            .map(|(_, _, cand)| cand.clone())
    }
}

/// Optimal-string-alignment distance (a transposition counts as one edit),
/// or `None` when it exceeds `max`.
fn edit_distance(a: &[char], b: &str, max: usize) -> Option<usize> {
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[m] <= max).then_some(prev[m])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_transpositions_once() {
        let d = |a: &str, b: &str| edit_distance(&a.chars().collect::<Vec<_>>(), b, 3);
        assert_eq!(d("pasword", "password"), Some(1));
        assert_eq!(d("atachment", "attachment"), Some(1));
        assert_eq!(d("tikcet", "ticket"), Some(1));
        assert_eq!(d("abc", "xyzw"), None);
    }
}
