//! The knowledge base: help articles loaded from a folder of Markdown files,
//! their sections, categories and translations.

pub mod chunk;
pub mod front_matter;
pub mod pages;
pub mod render;
pub mod slug;
pub mod wiki;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::locale::{DEFAULT_LOCALE, Locale};
pub use chunk::Section;
pub use pages::PagePattern;

/// Bumped whenever chunking or indexing changes, so that an index built by an
/// older binary is rebuilt even though the articles did not change.
const FORMAT_VERSION: &str = "frontdesk-kb-3";

/// Category slug for articles that sit directly in a locale folder.
const GENERAL_CATEGORY: &str = "general";

#[derive(Debug, Clone)]
pub struct Article {
    /// Path relative to the knowledge-base folder, with `/` separators
    /// (`en/tickets/create-a-ticket.md`): the article's identity in question files.
    pub path: String,
    pub locale: Locale,
    /// Slash-separated category slugs (`exam-platform/grading`).
    pub category_slug: String,
    /// Display name of the category.
    pub category: String,
    pub slug: String,
    pub title: String,
    pub tags: Vec<String>,
    pub pages: Vec<PagePattern>,
    pub summary: String,
    /// The body as written (wiki syntax included), without front matter.
    pub body: String,
    pub sections: Vec<Section>,
    /// Shared by the translations of one article.
    pub translation_key: String,
    /// File name without extension, the target of wiki links.
    pub file_stem: String,
}

impl Article {
    pub fn url(&self) -> String {
        format!("/help/{}/{}/{}", self.locale, self.category_slug, self.slug)
    }

    pub fn section_url(&self, section: &Section) -> String {
        if section.anchor.is_empty() {
            self.url()
        } else {
            format!("{}#{}", self.url(), section.anchor)
        }
    }
}

/// A file that could not be loaded: reported, skipped, never fatal.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("knowledge-base folder {0} does not exist or is not a folder")]
    NotAFolder(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A node of the browsable category tree of one locale.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CategoryNode {
    pub name: String,
    pub slug: String,
    pub articles: Vec<ArticleLink>,
    pub children: Vec<CategoryNode>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ArticleLink {
    pub title: String,
    pub url: String,
    pub summary: String,
}

/// An article (or one of its sections) shown as a card where it is linked:
/// its title, the section, and a line of its text.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ArticleCard {
    pub title: String,
    /// The section linked to (none for the whole article).
    pub section: Option<String>,
    /// The first sentence of the section, or the article's summary.
    pub excerpt: String,
    /// The link, relative to the help center (`/help/en/…#anchor`).
    pub url: String,
}

/// The longest excerpt of a card, in characters.
const EXCERPT_CHARS: usize = 140;

/// The first sentence of a text, cut after a word at `EXCERPT_CHARS`.
pub fn excerpt(text: &str) -> String {
    let flat = text
        .split_whitespace()
        .filter(|w| !matches!(*w, "-" | "*"))
        .collect::<Vec<_>>()
        .join(" ");
    let sentence = flat
        .char_indices()
        .find(|&(i, c)| matches!(c, '.' | '!' | '?') && flat[i + 1..].starts_with(' '))
        .map_or(flat.as_str(), |(i, _)| &flat[..=i]);
    if sentence.chars().count() <= EXCERPT_CHARS {
        return sentence.to_string();
    }
    let head: String = sentence.chars().take(EXCERPT_CHARS).collect();
    let cut = head.rfind(' ').unwrap_or(head.len());
    format!("{}…", &head[..cut])
}

impl From<&Article> for ArticleLink {
    fn from(a: &Article) -> Self {
        ArticleLink {
            title: a.title.clone(),
            url: a.url(),
            summary: a.summary.clone(),
        }
    }
}

#[derive(Debug)]
pub struct KnowledgeBase {
    pub root: PathBuf,
    pub articles: Vec<Article>,
    pub problems: Vec<Problem>,
    /// Hash of every article file and the format version.
    pub hash: String,
    by_url: HashMap<(Locale, String), usize>,
    /// Locales that have at least one article, default locale first
    /// (asked for on every question, so computed once).
    locales: Vec<Locale>,
}

struct SourceFile {
    rel: String,
    text: Result<String, String>,
}

impl KnowledgeBase {
    /// Loads every `*.md` file under `root`. Broken files are recorded in
    /// `problems` and skipped.
    pub fn load(root: &Path) -> Result<KnowledgeBase, LoadError> {
        if !root.is_dir() {
            return Err(LoadError::NotAFolder(root.to_path_buf()));
        }
        let mut files = Vec::new();
        collect_markdown(root, root, &mut files)?;
        files.sort_by(|a, b| a.rel.cmp(&b.rel));

        let mut hasher = Sha256::new();
        hasher.update(FORMAT_VERSION);
        for f in &files {
            hasher.update(f.rel.as_bytes());
            hasher.update([0]);
            match &f.text {
                Ok(t) => hasher.update(t.as_bytes()),
                Err(e) => hasher.update(e.as_bytes()),
            }
            hasher.update([0]);
        }
        let hash = hex(&hasher.finalize()[..16]);

        let mut articles = Vec::new();
        let mut problems = Vec::new();
        for f in files {
            let parsed = f
                .text
                .map_err(|message| Problem {
                    path: f.rel.clone(),
                    line: 1,
                    message,
                })
                .and_then(|text| parse_article(&f.rel, &text));
            match parsed {
                Ok(a) => articles.push(a),
                Err(p) => {
                    tracing::warn!(path = %p.path, line = p.line, "skipping article: {}", p.message);
                    problems.push(p);
                }
            }
        }
        let mut locales: Vec<Locale> = articles.iter().map(|a| a.locale).collect();
        locales.sort_by_key(|x| (*x != DEFAULT_LOCALE, *x));
        locales.dedup();
        let mut kb = KnowledgeBase {
            root: root.to_path_buf(),
            articles,
            problems,
            hash,
            by_url: HashMap::new(),
            locales,
        };
        kb.index_urls();
        Ok(kb)
    }

    /// Makes article URLs unique (two files may slugify alike) and indexes them.
    fn index_urls(&mut self) {
        for i in 0..self.articles.len() {
            let base = self.articles[i].slug.clone();
            let mut n = 1;
            loop {
                let key = (
                    self.articles[i].locale,
                    format!(
                        "{}/{}",
                        self.articles[i].category_slug, self.articles[i].slug
                    ),
                );
                if let std::collections::hash_map::Entry::Vacant(slot) = self.by_url.entry(key) {
                    slot.insert(i);
                    break;
                }
                n += 1;
                self.articles[i].slug = format!("{base}-{n}");
            }
        }
    }

    /// Finds an article by locale and `category/slug` path.
    pub fn by_url(&self, locale: Locale, path: &str) -> Option<&Article> {
        self.by_url
            .get(&(locale, path.trim_matches('/').to_string()))
            .map(|&i| &self.articles[i])
    }

    /// The card of a help-center link: `/help/{locale}/{article}` with an
    /// optional `#anchor`, or the same as an absolute URL; `None` for
    /// anything else.
    pub fn card(&self, link: &str) -> Option<ArticleCard> {
        let link = link.trim();
        // An absolute URL: keep its path (the host is the caller's business).
        let path = match link.find("://") {
            Some(i) => &link[i + 3..][link[i + 3..].find('/')?..],
            None => link,
        };
        let (path, anchor) = path.split_once('#').unwrap_or((path, ""));
        let path = path.split('?').next().unwrap_or_default();
        let rest = path.strip_prefix("/help/")?;
        let (locale, article) = rest.split_once('/')?;
        let locale = Locale::parse(locale).ok()?;
        let a = self.by_url(locale, article)?;
        let section = a
            .sections
            .iter()
            .find(|s| !anchor.is_empty() && s.anchor == anchor);
        let text = section
            .map(|s| s.text.as_str())
            .filter(|t| !t.trim().is_empty());
        Some(ArticleCard {
            title: a.title.clone(),
            section: section.and_then(|s| s.heading.clone()),
            excerpt: match text {
                Some(t) => excerpt(t),
                None if !a.summary.is_empty() => excerpt(&a.summary),
                None => a
                    .sections
                    .first()
                    .map(|s| excerpt(&s.text))
                    .unwrap_or_default(),
            },
            url: section.map_or_else(|| a.url(), |s| a.section_url(s)),
        })
    }

    pub fn by_path(&self, path: &str) -> Option<&Article> {
        self.articles.iter().find(|a| a.path == path)
    }

    /// Locales that have at least one article, default locale first.
    pub fn locales(&self) -> Vec<Locale> {
        self.locales.clone()
    }

    pub fn in_locale(&self, locale: Locale) -> impl Iterator<Item = &Article> {
        self.articles.iter().filter(move |a| a.locale == locale)
    }

    /// The other-language versions of an article.
    pub fn translations<'a>(&'a self, article: &'a Article) -> impl Iterator<Item = &'a Article> {
        self.articles
            .iter()
            .filter(move |a| a.translation_key == article.translation_key && a.path != article.path)
    }

    pub fn has_translation(&self, article: &Article, locale: Locale) -> bool {
        self.translations(article).any(|a| a.locale == locale)
    }

    /// Articles worth reading next: same category first, then shared tags.
    pub fn related(&self, article: &Article, limit: usize) -> Vec<&Article> {
        let mut scored: Vec<(usize, &Article)> = self
            .in_locale(article.locale)
            .filter(|a| a.path != article.path)
            .map(|a| {
                let shared_tags = a.tags.iter().filter(|t| article.tags.contains(t)).count();
                let same_category = usize::from(a.category_slug == article.category_slug);
                (same_category * 2 + shared_tags, a)
            })
            .filter(|(score, _)| *score > 0)
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.title.cmp(&b.1.title)));
        scored.into_iter().take(limit).map(|(_, a)| a).collect()
    }

    /// The browsable category tree of one locale.
    pub fn category_tree(&self, locale: Locale) -> Vec<CategoryNode> {
        let mut by_category: BTreeMap<&str, Vec<&Article>> = BTreeMap::new();
        for a in self.in_locale(locale) {
            by_category.entry(&a.category_slug).or_default().push(a);
        }
        let mut roots: Vec<CategoryNode> = Vec::new();
        for (slug, mut articles) in by_category {
            articles.sort_by(|a, b| a.title.cmp(&b.title));
            let name = articles
                .first()
                .map(|a| a.category.clone())
                .unwrap_or_else(|| humanize(slug));
            let mut level = &mut roots;
            let parts: Vec<&str> = slug.split('/').collect();
            for depth in 0..parts.len() {
                let node_slug = parts[..=depth].join("/");
                let pos = match level.iter().position(|n| n.slug == node_slug) {
                    Some(p) => p,
                    None => {
                        level.push(CategoryNode {
                            name: humanize(parts[depth]),
                            slug: node_slug.clone(),
                            articles: Vec::new(),
                            children: Vec::new(),
                        });
                        level.len() - 1
                    }
                };
                if depth + 1 == parts.len() {
                    level[pos].name = name.clone();
                    level[pos].articles = articles.iter().map(|a| ArticleLink::from(*a)).collect();
                }
                level = &mut level[pos].children;
            }
        }
        roots
    }

    /// One category of the tree (at any depth) by its slug, with the
    /// categories above it, outermost first (for breadcrumbs).
    pub fn category(
        &self,
        locale: Locale,
        slug: &str,
    ) -> Option<(CategoryNode, Vec<(String, String)>)> {
        let slug = slug.trim_matches('/');
        let mut level = self.category_tree(locale);
        let mut above = Vec::new();
        loop {
            let pos = level
                .iter()
                .position(|n| n.slug == slug || slug.starts_with(&format!("{}/", n.slug)))?;
            let node = level.swap_remove(pos);
            if node.slug == slug {
                return Some((node, above));
            }
            above.push((node.name.clone(), node.slug.clone()));
            level = node.children;
        }
    }

    /// Resolves a wiki link (`[[Page]]`) from an article: same locale first.
    pub fn resolve_wiki_link(&self, from: Locale, page: &str) -> Option<&Article> {
        let wanted = page.trim().trim_end_matches(".md").to_lowercase();
        let wanted = wanted.rsplit('/').next().unwrap_or(&wanted).to_string();
        let matches =
            |a: &&Article| a.file_stem.to_lowercase() == wanted || a.title.to_lowercase() == wanted;
        self.in_locale(from)
            .find(matches)
            .or_else(|| self.articles.iter().find(matches))
    }
}

fn collect_markdown(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            collect_markdown(root, &path, out)?;
        } else if file_type.is_file() && name.to_ascii_lowercase().ends_with(".md") {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect::<Vec<_>>()
                .join("/");
            let text = match std::fs::read(&path) {
                Ok(bytes) => String::from_utf8(bytes)
                    .map_err(|_| "the file is not valid UTF-8 text".to_string()),
                Err(e) => Err(format!("cannot read the file: {e}")),
            };
            out.push(SourceFile { rel, text });
        }
    }
    Ok(())
}

/// Reads one article as the loader would, without a folder: how a file
/// about to be written is checked first. Returns its URL path under
/// `/help/`.
pub fn check_article(rel: &str, text: &str) -> Result<String, Problem> {
    parse_article(rel, text).map(|a| a.url())
}

fn parse_article(rel: &str, text: &str) -> Result<Article, Problem> {
    let problem = |line: usize, message: String| Problem {
        path: rel.to_string(),
        line,
        message,
    };
    let (fm, body, body_line) =
        front_matter::split(text).map_err(|e| problem(e.line, e.message))?;

    let mut folders: Vec<&str> = rel.split('/').collect();
    let file_name = folders.pop().unwrap_or(rel);
    let file_stem = file_name
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(file_name)
        .to_string();
    let folder_locale = folders
        .first()
        .filter(|f| f.len() == 2 || (f.len() == 5 && f.contains(['-', '_'])))
        .and_then(|f| Locale::parse(f).ok());
    if folder_locale.is_some() {
        folders.remove(0);
    }
    let locale = match &fm.locale {
        Some(raw) => Locale::parse(raw).map_err(|e| problem(locale_line(text), e.to_string()))?,
        None => folder_locale.unwrap_or(DEFAULT_LOCALE),
    };
    let pages = fm
        .pages
        .iter()
        .map(|p| PagePattern::parse(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| problem(key_line(text, "pages"), e.to_string()))?;

    let mut body = body.to_string();
    let mut title = fm.title.clone();
    if let Some((h1, end)) = chunk::leading_h1(&body) {
        // The title is shown from the front matter; a leading H1 would repeat it.
        if title.is_none() || title.as_deref() == Some(h1.as_str()) {
            title = Some(h1);
            body = body[end..].to_string();
        }
    }
    let title = title.unwrap_or_else(|| file_stem.replace(['-', '_'], " "));
    let plain_body = wiki::to_commonmark(&body, &|_, _| None);
    let sections = chunk::chunk(&plain_body);
    if sections.is_empty() && body.trim().is_empty() {
        return Err(problem(body_line, "the article has no text".into()));
    }
    let category_slug = if folders.is_empty() {
        GENERAL_CATEGORY.to_string()
    } else {
        folders
            .iter()
            .map(|f| match slug::slugify(f) {
                s if s.is_empty() => GENERAL_CATEGORY.to_string(),
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    let category = fm.category.clone().unwrap_or_else(|| {
        folders
            .last()
            .map(|f| humanize(f))
            .unwrap_or_else(|| "General".into())
    });
    let summary = fm.summary.clone().unwrap_or_else(|| {
        sections
            .iter()
            .find(|s| !s.text.is_empty())
            .map(|s| first_sentence(&s.text))
            .unwrap_or_default()
    });
    let slug = match slug::slugify(&file_stem) {
        s if s.is_empty() => "article".to_string(),
        s => s,
    };
    let translation_key = fm
        .translation_key
        .clone()
        .unwrap_or_else(|| format!("{category_slug}/{slug}"));
    Ok(Article {
        path: rel.to_string(),
        locale,
        category_slug,
        category,
        slug,
        title,
        tags: fm.tags,
        pages,
        summary,
        body,
        sections,
        translation_key,
        file_stem,
    })
}

fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().starts_with(&format!("{key}:")))
        .map(|i| i + 1)
        .unwrap_or(1)
}

fn locale_line(text: &str) -> usize {
    match key_line(text, "locale") {
        1 => key_line(text, "lang"),
        n => n,
    }
}

/// `exam-platform` → `Exam platform`.
pub fn humanize(slug: &str) -> String {
    let spaced = slug.replace(['-', '_'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn first_sentence(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let end = line
        .char_indices()
        .find(|(i, c)| matches!(c, '.' | '!' | '?') && line[i + 1..].starts_with(' '))
        .map(|(i, _)| i + 1)
        .unwrap_or(line.len());
    let sentence = &line[..end];
    if sentence.chars().count() > 200 {
        let cut: String = sentence.chars().take(197).collect();
        format!("{cut}…")
    } else {
        sentence.to_string()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    #[test]
    fn loads_articles_with_locale_category_and_fallbacks() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "en/tickets/create-a-ticket.md",
            "---\ntitle: Create a ticket\ncategory: Tickets\ntags: [t]\nlocale: en\n---\nIntro.\n\n## Steps\n\nDo it.\n",
        );
        write(
            dir.path(),
            "fr/Modules/Sélecteur rapide.md",
            "# Sélecteur\n\nTexte.\n",
        );
        write(dir.path(), "Home.md", "Just text. And more.\n");
        let kb = KnowledgeBase::load(dir.path()).expect("load");
        assert!(kb.problems.is_empty(), "{:?}", kb.problems);
        assert_eq!(kb.articles.len(), 3);

        let a = kb
            .by_path("en/tickets/create-a-ticket.md")
            .expect("article");
        assert_eq!(a.url(), "/help/en/tickets/create-a-ticket");
        assert_eq!(a.sections.len(), 2);

        let fr = kb.by_path("fr/Modules/Sélecteur rapide.md").expect("fr");
        assert_eq!(fr.locale, Locale::Fr);
        assert_eq!(fr.title, "Sélecteur");
        assert_eq!(fr.category, "Modules");
        assert_eq!(fr.url(), "/help/fr/modules/selecteur-rapide");

        let home = kb.by_path("Home.md").expect("home");
        assert_eq!(home.locale, Locale::En);
        assert_eq!(home.title, "Home");
        assert_eq!(home.category_slug, "general");
        assert_eq!(home.summary, "Just text.");
    }

    #[test]
    fn broken_articles_are_reported_with_line_and_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "en/a/good.md", "Fine.\n");
        write(
            dir.path(),
            "en/a/bad-yaml.md",
            "---\ntitle: x\ntags: [oops\n---\nText\n",
        );
        write(
            dir.path(),
            "en/a/bad-locale.md",
            "---\ntitle: x\nlocale: klingon\n---\nText\n",
        );
        let kb = KnowledgeBase::load(dir.path()).expect("load");
        assert_eq!(kb.articles.len(), 1);
        let mut problems = kb.problems.clone();
        problems.sort_by(|a, b| a.path.cmp(&b.path));
        assert_eq!(problems[0].path, "en/a/bad-locale.md");
        assert_eq!(problems[0].line, 3);
        assert!(problems[0].message.contains("unknown locale"));
        assert_eq!(problems[1].path, "en/a/bad-yaml.md");
        assert!(problems[1].line >= 3);
    }

    #[test]
    fn hash_changes_when_an_article_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "en/a/x.md", "One.\n");
        let h1 = KnowledgeBase::load(dir.path()).expect("load").hash;
        write(dir.path(), "en/a/x.md", "Two.\n");
        let h2 = KnowledgeBase::load(dir.path()).expect("load").hash;
        assert_ne!(h1, h2);
    }

    #[test]
    fn a_help_center_link_has_a_card_with_its_section_and_a_line_of_text() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "en/tickets/attach.md",
            "---\ntitle: Attach files\nsummary: How to add files to a ticket.\n---\nIntro text.\n\n## Size limit\nEach file can be up to 10 MB. Larger files are refused.\n",
        );
        let kb = KnowledgeBase::load(dir.path()).expect("load");
        let whole = kb
            .card("/help/en/tickets/attach")
            .expect("the article's card");
        assert_eq!(whole.title, "Attach files");
        assert_eq!(whole.section, None);
        assert_eq!(whole.excerpt, "How to add files to a ticket.");
        let anchor = &kb.articles[0].sections[1].anchor;
        let card = kb
            .card(&format!(
                "https://desk.example.com/help/en/tickets/attach#{anchor}"
            ))
            .expect("the section's card");
        assert_eq!(card.section.as_deref(), Some("Size limit"));
        assert_eq!(card.excerpt, "Each file can be up to 10 MB.");
        assert_eq!(card.url, format!("/help/en/tickets/attach#{anchor}"));
        for not_one in [
            "",
            "/help/en/nothing",
            "/portal/tickets/1",
            "https://x",
            "/help/xx/tickets/attach",
            "/help/",
        ] {
            assert!(kb.card(not_one).is_none(), "{not_one:?}");
        }
        assert!(excerpt(&"long ".repeat(60)).ends_with('…'));
    }

    #[test]
    fn a_category_is_found_at_any_depth_with_the_ones_above_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "en/exam-platform/grading/g.md",
            "---\ncategory: Grading\n---\nG.\n",
        );
        write(
            dir.path(),
            "en/account/a.md",
            "---\ncategory: Account\n---\nA.\n",
        );
        let kb = KnowledgeBase::load(dir.path()).expect("load");
        let (node, above) = kb
            .category(Locale::En, "exam-platform/grading")
            .expect("the nested category");
        assert_eq!(node.name, "Grading");
        assert_eq!(node.articles.len(), 1);
        assert_eq!(
            above,
            vec![("Exam platform".to_string(), "exam-platform".to_string())]
        );
        let (top, above) = kb
            .category(Locale::En, "exam-platform")
            .expect("the outer one");
        assert_eq!(top.children.len(), 1);
        assert!(above.is_empty());
        assert!(
            kb.category(Locale::En, "exam").is_none(),
            "a prefix is not a category"
        );
        assert!(kb.category(Locale::En, "account/a").is_none());
        assert!(kb.category(Locale::Fr, "account").is_none());
    }

    #[test]
    fn category_tree_nests_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "en/exam-platform/grading/g.md",
            "---\ncategory: Grading\n---\nG.\n",
        );
        write(
            dir.path(),
            "en/exam-platform/exams/e.md",
            "---\ncategory: Exams\n---\nE.\n",
        );
        let kb = KnowledgeBase::load(dir.path()).expect("load");
        let tree = kb.category_tree(Locale::En);
        assert_eq!(tree.len(), 1);
        assert_eq!(tree[0].name, "Exam platform");
        let names: Vec<&str> = tree[0].children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["Exams", "Grading"]);
    }

    #[test]
    fn missing_folder_is_an_error() {
        assert!(KnowledgeBase::load(Path::new("/nonexistent/kb")).is_err());
    }
}
