//! The keyword index: one tantivy document per knowledge-base section, with
//! per-locale fields so each language gets its own stemming, and BM25
//! search over them.

pub mod analyzer;
pub mod vector;
pub mod vocab;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term, doc};

use crate::help::kb::KnowledgeBase;
use crate::locale::Locale;

/// Relative weights of where a term is found: a match in the title or
/// heading says more about what a section is about than one in its body.
const TITLE_BOOST: f32 = 2.0;
const HEADING_BOOST: f32 = 1.5;
const TAGS_BOOST: f32 = 1.5;
const BODY_BOOST: f32 = 1.0;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Clone, Copy)]
struct LocaleFields {
    title: Field,
    heading: Field,
    body: Field,
    tags: Field,
}

/// One section found by a search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub article: usize,
    pub section: usize,
    pub score: f32,
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: HashMap<Locale, LocaleFields>,
    article: Field,
    section: Field,
}

fn schema() -> (Schema, HashMap<Locale, LocaleFields>, Field, Field) {
    let mut b = Schema::builder();
    let mut fields = HashMap::new();
    for locale in Locale::ALL {
        let opts = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(&analyzer::analyzer_name(locale))
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let code = locale.code();
        fields.insert(
            locale,
            LocaleFields {
                title: b.add_text_field(&format!("title_{code}"), opts.clone()),
                heading: b.add_text_field(&format!("heading_{code}"), opts.clone()),
                body: b.add_text_field(&format!("body_{code}"), opts.clone()),
                tags: b.add_text_field(&format!("tags_{code}"), opts),
            },
        );
    }
    let article = b.add_u64_field("article", INDEXED | STORED);
    let section = b.add_u64_field("section", STORED);
    (b.build(), fields, article, section)
}

impl SearchIndex {
    /// Opens the index for this knowledge base's hash under `dir`, or builds
    /// it there (into a temporary folder renamed on success, so a crash
    /// never leaves a half-built index that looks complete).
    pub fn open_or_build(dir: &Path, kb: &KnowledgeBase) -> Result<SearchIndex, SearchError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SearchError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let target = dir.join(&kb.hash);
        let (schema, fields, article, section) = schema();
        let index = if target.join("meta.json").is_file() {
            match Index::open_in_dir(&target) {
                Ok(index) => index,
                Err(e) => {
                    tracing::warn!(
                        "rebuilding unreadable search index {}: {e}",
                        target.display()
                    );
                    std::fs::remove_dir_all(&target).map_err(io(&target))?;
                    Self::build_into(dir, &target, schema, &fields, article, section, kb)?
                }
            }
        } else {
            Self::build_into(dir, &target, schema, &fields, article, section, kb)?
        };
        for locale in Locale::ALL {
            index
                .tokenizers()
                .register(&analyzer::analyzer_name(locale), analyzer::build(locale));
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        remove_other_indexes(dir, &kb.hash);
        Ok(SearchIndex {
            index,
            reader,
            fields,
            article,
            section,
        })
    }

    fn build_into(
        dir: &Path,
        target: &Path,
        schema: Schema,
        fields: &HashMap<Locale, LocaleFields>,
        article_field: Field,
        section_field: Field,
        kb: &KnowledgeBase,
    ) -> Result<Index, SearchError> {
        let tmp = dir.join(format!(".build-{}-{}", kb.hash, std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|source| SearchError::Io {
                path: tmp.clone(),
                source,
            })?;
        }
        std::fs::create_dir_all(&tmp).map_err(|source| SearchError::Io {
            path: tmp.clone(),
            source,
        })?;
        let index = Index::create_in_dir(&tmp, schema)?;
        for locale in Locale::ALL {
            index
                .tokenizers()
                .register(&analyzer::analyzer_name(locale), analyzer::build(locale));
        }
        let mut writer = index.writer_with_num_threads(1, 50_000_000)?;
        for (ai, a) in kb.articles.iter().enumerate() {
            let f = fields[&a.locale];
            // Tags, category and summary describe what the whole article is
            // about; every section of it shares them.
            let tags = format!("{} {} {}", a.tags.join(" "), a.category, a.summary);
            for (si, s) in a.sections.iter().enumerate() {
                writer.add_document(doc!(
                    f.title => a.title.as_str(),
                    f.heading => s.heading.as_deref().unwrap_or_default(),
                    f.body => s.text.as_str(),
                    f.tags => tags.as_str(),
                    article_field => ai as u64,
                    section_field => si as u64,
                ))?;
            }
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        drop(index);
        std::fs::rename(&tmp, target).map_err(|source| SearchError::Io {
            path: target.to_path_buf(),
            source,
        })?;
        Ok(Index::open_in_dir(target)?)
    }

    /// The analyzed terms of `text` in `locale`.
    pub fn analyze(&self, locale: Locale, text: &str) -> Vec<String> {
        match self
            .index
            .tokenizers()
            .get(&analyzer::analyzer_name(locale))
        {
            Some(mut a) => analyzer::terms(&mut a, text),
            None => Vec::new(),
        }
    }

    fn query(&self, locale: Locale, terms: &[String]) -> Option<Box<dyn Query>> {
        let f = self.fields.get(&locale)?;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in terms {
            for (field, boost) in [
                (f.title, TITLE_BOOST),
                (f.heading, HEADING_BOOST),
                (f.body, BODY_BOOST),
                (f.tags, TAGS_BOOST),
            ] {
                let q = TermQuery::new(
                    Term::from_field_text(field, term),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
    }

    /// The best sections for already-analyzed `terms` in `locale`.
    pub fn search(
        &self,
        locale: Locale,
        terms: &[String],
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let Some(query) = self.query(locale, terms) else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit.max(1)))?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let get = |f: Field| doc.get_first(f).and_then(|v| v.as_u64());
            if let (Some(article), Some(section)) = (get(self.article), get(self.section)) {
                hits.push(Hit {
                    article: article as usize,
                    section: section as usize,
                    score,
                });
            }
        }
        Ok(hits)
    }

    /// An HTML snippet of `text` with the query terms highlighted (`<b>`),
    /// escaped and safe to embed.
    pub fn snippet_html(&self, locale: Locale, terms: &[String], text: &str) -> String {
        let (Some(query), Some(f)) = (self.query(locale, terms), self.fields.get(&locale)) else {
            return html_escape(text);
        };
        let searcher = self.reader.searcher();
        match SnippetGenerator::create(&searcher, query.as_ref(), f.body) {
            Ok(mut generator) => {
                generator.set_max_num_chars(SNIPPET_CHARS);
                let snippet = generator.snippet(text);
                if snippet.fragment().is_empty() {
                    html_escape(&opening(text))
                } else {
                    whole_snippet_html(text, snippet.fragment(), snippet.highlighted())
                }
            }
            Err(_) => html_escape(text),
        }
    }
}

/// About how long a search result's snippet is, in characters.
const SNIPPET_CHARS: usize = 220;
/// How far back a snippet may reach for the start of its sentence (bytes).
const SENTENCE_REACH: usize = 120;

/// The start of a text, cut after a word.
fn opening(text: &str) -> String {
    if text.chars().count() <= SNIPPET_CHARS {
        return text.to_string();
    }
    let head: String = text.chars().take(SNIPPET_CHARS).collect();
    let cut = head.rfind(char::is_whitespace).unwrap_or(head.len());
    format!("{}…", head[..cut].trim_end())
}

/// The fragment tantivy chose, widened to whole words and, when it is near,
/// the start of its sentence; an ellipsis marks text left out on either side.
fn whole_snippet_html(
    text: &str,
    fragment: &str,
    highlighted: &[std::ops::Range<usize>],
) -> String {
    let Some(at) = text.find(fragment) else {
        return html_escape(fragment);
    };
    let mut start = at;
    while let Some(c) = text[..start]
        .chars()
        .next_back()
        .filter(|c| c.is_alphanumeric())
    {
        start -= c.len_utf8();
    }
    let reach = {
        let mut r = start.saturating_sub(SENTENCE_REACH);
        while !text.is_char_boundary(r) {
            r += 1;
        }
        r
    };
    let before = &text[reach..start];
    let sentence = [". ", "! ", "? ", ": ", "\n"]
        .iter()
        .filter_map(|sep| before.rfind(sep).map(|i| reach + i + sep.len()))
        .max();
    let start = match sentence {
        Some(s) => s,
        None if reach == 0 => 0,
        None => start,
    };
    let mut end = at + fragment.len();
    while let Some(c) = text[end..].chars().next().filter(|c| c.is_alphanumeric()) {
        end += c.len_utf8();
    }
    let mut html = String::new();
    if start > 0 {
        html.push('…');
    }
    html.push_str(&html_escape(text[start..at].trim_start()));
    let mut last = 0;
    for r in highlighted {
        let (Some(plain), Some(hit)) = (fragment.get(last..r.start), fragment.get(r.clone()))
        else {
            continue;
        };
        html.push_str(&html_escape(plain));
        html.push_str("<b>");
        html.push_str(&html_escape(hit));
        html.push_str("</b>");
        last = r.end;
    }
    html.push_str(&html_escape(fragment.get(last..).unwrap_or_default()));
    html.push_str(&html_escape(&text[at + fragment.len()..end]));
    if end < text.trim_end().len() {
        html.push('…');
    }
    html
}

/// Removes indexes of earlier versions of the knowledge base.
fn remove_other_indexes(dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let ours_in_progress =
            name.starts_with(".build-") && name.ends_with(&format!("-{}", std::process::id()));
        if name != keep && !ours_in_progress && entry.path().is_dir() {
            // Another process may still read an old index (a restart in
            // progress); failing to delete it now is harmless.
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod snippet_tests {
    use super::*;

    #[test]
    fn a_snippet_starts_at_its_sentence_and_ends_after_a_word() {
        let text = "Files are checked. Each attachment can be up to 10 MB, and a ticket holds twenty of them at most.";
        let fragment = "ach attachment can be up to 10 MB, and a tick";
        let at = fragment.find("attachment").expect("in it");
        let marked: Vec<std::ops::Range<usize>> =
            std::iter::once(at..at + "attachment".len()).collect();
        let html = whole_snippet_html(text, fragment, &marked);
        assert_eq!(
            html,
            "…Each <b>attachment</b> can be up to 10 MB, and a ticket…"
        );
    }

    #[test]
    fn a_snippet_far_from_its_sentence_start_begins_at_a_word_with_an_ellipsis() {
        let text = format!("{} attachment limit here.", "word ".repeat(60));
        let html = whole_snippet_html(&text, "ttachment limit here.", &[]);
        assert_eq!(html, "…attachment limit here.");
        let marked: Vec<std::ops::Range<usize>> = std::iter::once(0..5).collect();
        let html = whole_snippet_html("Short one.", "Short one.", &marked);
        assert_eq!(html, "<b>Short</b> one.");
    }

    #[test]
    fn an_opening_is_cut_after_a_word() {
        let text = "évaluation ".repeat(40);
        let o = opening(&text);
        assert!(o.ends_with("évaluation…"), "{o}");
        assert!(o.chars().count() <= SNIPPET_CHARS + 1);
        assert_eq!(opening("tiny"), "tiny");
    }
}
