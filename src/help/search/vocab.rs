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
    /// Per article: its locale.
    article_locales: Vec<Locale>,
    /// Per locale: the written words of each term, to show a corrected
    /// query in words people read ("attachment", not the stem "attach").
    words: HashMap<Locale, HashMap<String, Vec<String>>>,
}

impl Vocabulary {
    pub fn build(kb: &KnowledgeBase) -> Vocabulary {
        let mut analyzers: HashMap<Locale, tantivy::tokenizer::TextAnalyzer> = HashMap::new();
        let mut v = Vocabulary::default();
        let mut written: HashMap<Locale, HashMap<String, u32>> = HashMap::new();
        for article in &kb.articles {
            let counts = written.entry(article.locale).or_default();
            let texts = std::iter::once(article.title.as_str())
                .chain(article.sections.iter().map(|s| s.text.as_str()));
            for text in texts {
                for w in text
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                {
                    *counts.entry(w.to_lowercase()).or_default() += 1;
                }
            }
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
            v.article_locales.push(article.locale);
        }
        for (locale, counts) in written {
            let a = analyzers
                .entry(locale)
                .or_insert_with(|| analyzer::build(locale));
            let mut by_term: HashMap<String, Vec<String>> = HashMap::new();
            for word in counts.into_keys() {
                if let [term] = analyzer::terms(a, &word).as_slice() {
                    by_term.entry(term.clone()).or_default().push(word);
                }
            }
            for list in by_term.values_mut() {
                list.sort();
            }
            v.words.insert(locale, by_term);
        }
        v
    }

    /// `text` with its misspelt words replaced by the help center's own
    /// (as the search corrected them), or `None` when nothing changed.
    /// `analyze` reads a word into terms as the index does.
    pub fn respell(
        &self,
        locale: Locale,
        text: &str,
        analyze: impl Fn(&str) -> Vec<String>,
    ) -> Option<String> {
        let words = self.words.get(&locale)?;
        let context: Vec<String> = analyze(text)
            .into_iter()
            .filter(|t| self.knows(locale, t))
            .collect();
        let mut changed = false;
        let out: Vec<String> = text
            .split_whitespace()
            .map(|w| {
                let core = w.trim_matches(|c: char| !c.is_alphanumeric());
                let fixed = match analyze(core).as_slice() {
                    [term] if !self.knows(locale, term) => self
                        .correct(locale, term, &context)
                        .and_then(|c| words.get(&c))
                        .and_then(|written| closest(&core.to_lowercase(), written))
                        .map(|right| w.replacen(core, right, 1)),
                    _ => None,
                };
                match fixed {
                    Some(f) => {
                        changed = true;
                        f
                    }
                    None => w.to_string(),
                }
            })
            .collect();
        changed.then(|| out.join(" "))
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
    /// long words); of equally close ones, the one whose sections share
    /// most of the question's other (known) terms, `context`, then the most
    /// common: "limt" next to "attachment size" reads "limit", not "list".
    /// `None` if the term is known or nothing is close enough.
    pub fn correct(&self, locale: Locale, term: &str, context: &[String]) -> Option<String> {
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
        let near: Vec<(usize, u32, &String)> = dict
            .iter()
            .filter(|(cand, _)| cand.chars().count().abs_diff(len) <= max)
            .filter_map(|(cand, df)| Some((edit_distance(&chars, cand, max)?, *df, cand)))
            .collect();
        let best = near.iter().map(|n| n.0).min()?;
        let tied: Vec<(u32, &String)> = near
            .into_iter()
            .filter(|n| n.0 == best)
            .map(|n| (n.1, n.2))
            .collect();
        // Sections count by how many of the question's words they share
        // with the candidate (squared: one section with all of them says
        // more than several with one each).
        let together = |cand: &str| -> usize {
            if tied.len() < 2 || context.is_empty() {
                return 0;
            }
            self.sections_of(locale)
                .filter(|s| s.contains(cand))
                .map(|s| context.iter().filter(|c| s.contains(*c)).count().pow(2))
                .sum()
        };
        tied.iter()
            .map(|&(df, cand)| {
                (
                    std::cmp::Reverse(together(cand)),
                    std::cmp::Reverse(df),
                    cand,
                )
            })
            .min()
            .map(|(_, _, cand)| cand.clone())
    }

    /// The term sets of the locale's sections.
    fn sections_of(&self, locale: Locale) -> impl Iterator<Item = &HashSet<String>> {
        self.section_terms
            .iter()
            .zip(&self.article_locales)
            .filter(move |(_, l)| **l == locale)
            .flat_map(|(sections, _)| sections.iter())
    }
}

/// The written word nearest to `typed` (the first of the nearest).
fn closest<'a>(typed: &str, written: &'a [String]) -> Option<&'a str> {
    let chars: Vec<char> = typed.chars().collect();
    written
        .iter()
        .min_by_key(|w| edit_distance(&chars, w, usize::MAX / 2).unwrap_or(usize::MAX))
        .map(String::as_str)
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
    fn a_misspelt_query_is_shown_in_the_help_centers_words() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("en/files/limits.md");
        std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
        std::fs::write(
            &path,
            "---\ntitle: Attachment size limit\n---\nEach attachment can be up to 10 MB: that is the size limit. Attach files to a ticket.\n",
        )
        .expect("write");
        let kb = KnowledgeBase::load(dir.path()).expect("load");
        let v = Vocabulary::build(&kb);
        let a = analyzer::build(Locale::En);
        let analyze = |w: &str| analyzer::terms(&mut a.clone(), w);
        assert_eq!(
            v.respell(Locale::En, "atachment size limt?", analyze)
                .as_deref(),
            Some("attachment size limit?")
        );
        assert_eq!(
            v.respell(Locale::En, "attachment size limit", analyze),
            None
        );
        assert_eq!(v.respell(Locale::En, "zzzzqqq", analyze), None);
        assert_eq!(v.respell(Locale::Fr, "atachment", analyze), None);
    }

    #[test]
    fn of_equally_close_corrections_the_one_beside_the_other_words_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let write = |name: &str, text: &str| {
            let path = dir.path().join("en/a").join(name);
            std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
            std::fs::write(&path, text).expect("write");
        };
        // "list" is the more common word; "limit" sits beside "attachment".
        write(
            "lists.md",
            "---\ntitle: Lists\n---\nA list. Another list. The list of lists.\n",
        );
        write("more.md", "---\ntitle: More\n---\nSort the list.\n");
        write(
            "files.md",
            "---\ntitle: Files\n---\nThe attachment size limit is 10 MB.\n",
        );
        let kb = KnowledgeBase::load(dir.path()).expect("load");
        let v = Vocabulary::build(&kb);
        let a = analyzer::build(Locale::En);
        let terms = |w: &str| analyzer::terms(&mut a.clone(), w);
        assert_eq!(v.correct(Locale::En, "limt", &[]).as_deref(), Some("list"));
        assert_eq!(
            v.correct(Locale::En, "limt", &terms("attachment"))
                .as_deref(),
            Some("limit")
        );
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        let d = |a: &str, b: &str| edit_distance(&a.chars().collect::<Vec<_>>(), b, 3);
        assert_eq!(d("pasword", "password"), Some(1));
        assert_eq!(d("atachment", "attachment"), Some(1));
        assert_eq!(d("tikcet", "ticket"), Some(1));
        assert_eq!(d("abc", "xyzw"), None);
    }
}
