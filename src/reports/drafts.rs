//! Drafting a help-center article from what people asked: from a content
//! gap (its questions and tickets) or from a resolved ticket, an admin
//! gets a Markdown article in the knowledge base's own format, with the
//! question as people asked it and the staff's public answer as its body,
//! personal data removed. Edited in the console, it is published into the
//! knowledge-base folder and the bot cites it at once; every step is
//! written in the history of the tickets it came from.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::redact;
use crate::help::indexing::KnowledgeHandle;
use crate::help::kb::{self, slug::slugify};
use crate::locale::{DEFAULT_LOCALE, Locale};
use crate::store::drafts::{self as store, DraftRow, DraftText as StoredText, NewDraft};
use crate::store::tickets::{self as ticket_store, EventKind, NewEvent, Ticket};
use crate::store::users::User;
use crate::store::{Db, StoreError};
use crate::tickets::status::Status;

pub const TITLE_CHARS: usize = 150;
pub const CATEGORY_CHARS: usize = 60;
pub const TAG_CHARS: usize = 40;
pub const MAX_TAGS: usize = 12;
pub const BODY_CHARS: usize = 50_000;
/// How long publishing waits for the re-index before answering.
const REINDEX_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// Questions of a gap taken into a draft at most (and the longest one).
pub const MAX_QUESTIONS: usize = 10;
pub const QUESTION_CHARS: usize = 1_000;
pub const MAX_TICKETS: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error("There is no ticket #{0}.")]
    NoTicket(i64),
    #[error(
        "Ticket #{0} is not resolved yet: an article is drafted from the answer that solved it."
    )]
    NotResolved(i64),
    #[error("Nothing to draft from: give a ticket, or the questions of a content gap.")]
    NoSource,
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("The draft still says where the answer goes: write the answer before publishing.")]
    Unwritten,
    #[error("The article would not load: {0}")]
    Unreadable(String),
    #[error("An article already exists at {0}: change the title or the category.")]
    Exists(String),
    #[error("This draft was published already, at {0}.")]
    Published(String),
    #[error("There is no such draft.")]
    NotFound,
    #[error("Cannot write into the knowledge-base folder: {0}")]
    Write(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, message: impl Into<String>) -> DraftError {
    DraftError::Invalid {
        field,
        message: message.into(),
    }
}

/// What a draft is made from.
pub enum Source<'a> {
    Ticket(i64),
    /// A content gap: its questions, the tickets they became, the articles
    /// the bot tried (`/help/…` links; they suggest the category).
    Gap {
        questions: &'a [String],
        tickets: &'a [i64],
        articles: &'a [String],
        /// The gap's distinctive words.
        tags: &'a [String],
    },
}

/// The editable text of a draft, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftText {
    pub title: String,
    pub category: String,
    pub locale: Locale,
    pub tags: Vec<String>,
    pub body: String,
}

impl DraftText {
    /// Checks text from outside (the console's form, the API).
    pub fn parse(
        title: &str,
        category: &str,
        locale: &str,
        tags: &[String],
        body: &str,
    ) -> Result<DraftText, DraftError> {
        let title = one_line(title);
        if title.is_empty() || title.chars().count() > TITLE_CHARS {
            return Err(invalid(
                "title",
                format!("A title is 1 to {TITLE_CHARS} characters."),
            ));
        }
        if slugify(&title).is_empty() {
            return Err(invalid(
                "title",
                "A title needs letters or digits (it names the file).",
            ));
        }
        let category = one_line(category);
        if category.is_empty()
            || category.chars().count() > CATEGORY_CHARS
            || slugify(&category).is_empty()
        {
            return Err(invalid(
                "category",
                format!("A category is 1 to {CATEGORY_CHARS} characters, with letters or digits."),
            ));
        }
        let locale = Locale::parse(locale.trim()).map_err(|e| invalid("locale", e.to_string()))?;
        let mut clean: Vec<String> = Vec::new();
        for t in tags {
            let t = one_line(t).to_lowercase();
            if t.is_empty() {
                continue;
            }
            if t.chars().count() > TAG_CHARS || t.contains(',') {
                return Err(invalid(
                    "tags",
                    format!("A tag is at most {TAG_CHARS} characters, without commas."),
                ));
            }
            if !clean.contains(&t) {
                clean.push(t);
            }
        }
        if clean.len() > MAX_TAGS {
            return Err(invalid("tags", format!("At most {MAX_TAGS} tags.")));
        }
        let body = body.replace("\r\n", "\n").trim().to_string();
        if body.is_empty() || body.chars().count() > BODY_CHARS {
            return Err(invalid(
                "body",
                format!("The article's text is 1 to {BODY_CHARS} characters."),
            ));
        }
        Ok(DraftText {
            title,
            category,
            locale,
            tags: clean,
            body,
        })
    }

    /// Where the article goes, relative to the knowledge-base folder.
    pub fn path(&self) -> String {
        let mut name = slugify(&self.title);
        if name.len() > 80 {
            let mut cut = 80;
            while !name.is_char_boundary(cut) {
                cut -= 1;
            }
            name.truncate(cut);
            name = name.trim_end_matches('-').to_string();
        }
        format!("{}/{}/{name}.md", self.locale, slugify(&self.category))
    }

    /// The article file: YAML front matter (written by the serialiser, so
    /// any title is quoted right) and the body.
    pub fn markdown(&self) -> String {
        let mut map = serde_yaml::Mapping::new();
        map.insert("title".into(), self.title.clone().into());
        map.insert("category".into(), self.category.clone().into());
        map.insert("locale".into(), self.locale.code().into());
        map.insert(
            "tags".into(),
            serde_yaml::Value::Sequence(self.tags.iter().map(|t| t.clone().into()).collect()),
        );
        // Said under the title and in search results: the answer's first
        // sentence, not the lead-in to the questions.
        if let Some(summary) = summary_of(&self.body) {
            map.insert("summary".into(), summary.into());
        }
        let yaml = serde_yaml::to_string(&map).unwrap_or_default();
        format!("---\n{yaml}---\n{}\n", self.body)
    }
}

/// The first sentence of the body's first plain paragraph (not a
/// heading, a quote or a line leading in to a list).
fn summary_of(body: &str) -> Option<String> {
    let line = body.lines().map(str::trim).find(|l| {
        !l.is_empty()
            && !l.starts_with(['>', '#', '-', '*', '|', '!', '['])
            && !l.ends_with(':')
            && !l.chars().next().is_some_and(|c| c.is_ascii_digit())
    })?;
    let plain: String = line
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`'))
        .collect();
    let end = plain.find(". ").map_or(plain.len(), |i| i + 1);
    let sentence: String = plain[..end].chars().take(200).collect();
    (!sentence.is_empty() && !unwritten(&sentence)).then_some(sentence)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub url: String,
    pub at: i64,
}

#[derive(Debug, Clone)]
pub struct Draft {
    pub id: String,
    pub text: DraftText,
    pub tickets: Vec<i64>,
    pub published: Option<Published>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Draft {
    fn from_row(r: DraftRow, tickets: Vec<i64>) -> Draft {
        Draft {
            text: DraftText {
                title: r.title,
                category: r.category,
                locale: Locale::parse(&r.locale).unwrap_or(DEFAULT_LOCALE),
                tags: r
                    .tags
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect(),
                body: r.body,
            },
            published: r
                .published_url
                .zip(r.published_at)
                .map(|(url, at)| Published { url, at }),
            id: r.id,
            tickets,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The words a draft is written with, per locale (the admin rewrites them).
struct Words {
    asked: &'static str,
    answer: &'static str,
    unwritten: &'static str,
}

fn words(locale: Locale) -> Words {
    match locale {
        Locale::Fr => Words {
            asked: "Comme on nous l'a demandé :",
            answer: "Réponse",
            unwritten: "Écrivez la réponse ici.",
        },
        Locale::Ro => Words {
            asked: "Așa cum ni s-a cerut:",
            answer: "Răspuns",
            unwritten: "Scrieți răspunsul aici.",
        },
        _ => Words {
            asked: "As people asked it:",
            answer: "Answer",
            unwritten: "Write the answer here.",
        },
    }
}

/// Whether a body still holds the place where the answer goes.
fn unwritten(body: &str) -> bool {
    Locale::ALL
        .iter()
        .any(|l| body.contains(words(*l).unwritten))
}

/// The body: the questions (quoted, redacted), then the answer.
fn compose_body(locale: Locale, questions: &[String], answers: &[String]) -> String {
    let w = words(locale);
    let quoted: Vec<String> = questions
        .iter()
        .map(|q| one_line(q))
        .filter(|q| !q.is_empty())
        .map(|q| format!("> {q}"))
        .collect();
    let mut body = format!(
        "{}\n\n{}\n\n## {}\n\n",
        w.asked,
        quoted.join("\n>\n"),
        w.answer
    );
    let answers: Vec<&String> = answers.iter().filter(|a| !a.trim().is_empty()).collect();
    if answers.is_empty() {
        body.push_str(w.unwritten);
    } else {
        body.push_str(
            &answers
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join("\n\n"),
        );
    }
    body
}

/// A title from a question: one line, its first letter capitalised.
fn title_of(question: &str) -> String {
    let line = one_line(question);
    let mut chars = line.chars();
    let mut title: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if title.chars().count() > TITLE_CHARS {
        title = title.chars().take(TITLE_CHARS - 1).collect::<String>() + "…";
    }
    title
}

/// The category of the article the help center has closest to `text`
/// (or of one of `links`), else "General".
fn category_for(
    knowledge: &KnowledgeHandle,
    locale: Locale,
    links: &[String],
    text: &str,
) -> String {
    let k = knowledge.current();
    for link in links {
        let path = link.split('#').next().unwrap_or(link);
        if let Some(rest) = path.strip_prefix(&format!("/help/{locale}/"))
            && let Some(a) = k.kb.by_url(locale, rest)
        {
            return a.category.clone();
        }
    }
    let terms = k.index.analyze(locale, text);
    k.index
        .search(locale, &terms, 1)
        .ok()
        .and_then(|hits| hits.first().map(|h| h.article))
        .and_then(|i| k.kb.articles.get(i))
        .map(|a| a.category.clone())
        .unwrap_or_else(|| "General".into())
}

async fn ticket(db: &Db, number: i64) -> Result<Ticket, DraftError> {
    ticket_store::by_number(db, number)
        .await?
        .ok_or(DraftError::NoTicket(number))
}

/// Drafts an article (stored unpublished) and notes it in the tickets'
/// history.
pub async fn create(
    db: &Db,
    knowledge: &KnowledgeHandle,
    source: Source<'_>,
    author: &User,
    now: i64,
) -> Result<Draft, DraftError> {
    let (tickets, questions, links, tags): (Vec<Ticket>, Vec<String>, Vec<String>, Vec<String>) =
        match source {
            Source::Ticket(n) => {
                let t = ticket(db, n).await?;
                if !matches!(t.status, Status::Resolved | Status::Closed) {
                    return Err(DraftError::NotResolved(n));
                }
                let question = if t.description.trim().is_empty() {
                    t.summary.clone()
                } else {
                    t.description.clone()
                };
                (vec![t], vec![question], Vec::new(), Vec::new())
            }
            Source::Gap {
                questions,
                tickets,
                articles,
                tags,
            } => {
                let questions: Vec<String> = questions
                    .iter()
                    .map(|q| one_line(q))
                    .filter(|q| !q.is_empty())
                    .collect();
                if questions.is_empty() {
                    return Err(DraftError::NoSource);
                }
                if questions.len() > MAX_QUESTIONS
                    || questions.iter().any(|q| q.chars().count() > QUESTION_CHARS)
                {
                    return Err(invalid(
                        "questions",
                        format!(
                            "At most {MAX_QUESTIONS} questions of at most {QUESTION_CHARS} characters."
                        ),
                    ));
                }
                if tickets.len() > MAX_TICKETS {
                    return Err(invalid(
                        "tickets",
                        format!("At most {MAX_TICKETS} tickets."),
                    ));
                }
                let mut found = Vec::new();
                for &n in tickets {
                    found.push(ticket(db, n).await?);
                }
                // Resolved tickets first: their answer solved it.
                found.sort_by_key(|t| !matches!(t.status, Status::Resolved | Status::Closed));
                let tags: Vec<String> = tags
                    .iter()
                    .map(|t| one_line(t).to_lowercase())
                    .filter(|t| !t.is_empty() && !t.contains(',') && t.chars().count() <= TAG_CHARS)
                    .take(MAX_TAGS)
                    .collect();
                (found, questions, articles.to_vec(), tags)
            }
        };
    let mut names = Vec::new();
    let mut answers = Vec::new();
    for t in &tickets {
        names.extend(store::names_in(db, &t.id).await?);
        answers.extend(store::staff_replies(db, &t.id).await?);
    }
    let locale = match tickets.first() {
        Some(t) => store::ticket_locale(db, &t.id)
            .await?
            .and_then(|l| Locale::parse(&l).ok())
            .unwrap_or(DEFAULT_LOCALE),
        None => DEFAULT_LOCALE,
    };
    let questions: Vec<String> = questions
        .iter()
        .map(|q| redact::redact(q, &names))
        .collect();
    let answers: Vec<String> = answers.iter().map(|a| redact::redact(a, &names)).collect();
    let title_source = match tickets.first() {
        Some(t) if links.is_empty() => redact::redact(&t.summary, &names),
        _ => questions.first().cloned().unwrap_or_default(),
    };
    let text = DraftText {
        title: title_of(&title_source),
        category: category_for(knowledge, locale, &links, &questions.join(" ")),
        locale,
        tags,
        body: compose_body(locale, &questions, &answers),
    };
    let id = crate::ids::random_id();
    let mut tx = db.begin().await.map_err(StoreError::from)?;
    let ticket_ids: Vec<String> = tickets.iter().map(|t| t.id.clone()).collect();
    store::insert(
        &mut tx,
        &NewDraft {
            id: &id,
            title: &text.title,
            category: &text.category,
            locale: text.locale.code(),
            tags: &text.tags.join(","),
            body: &text.body,
            author_id: &author.id,
            now,
        },
        &ticket_ids,
    )
    .await?;
    let note = format!(
        "Drafted a help-center article from this ticket: “{}” (/console/drafts/{id}).",
        text.title
    );
    for t in &tickets {
        ticket_store::insert_event(&mut tx, &history(&t.id, &author.id, &note, now)).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    get(db, &id).await
}

fn history<'a>(ticket_id: &'a str, actor: &'a str, note: &'a str, now: i64) -> NewEvent<'a> {
    NewEvent {
        ticket_id,
        actor_id: Some(actor),
        kind: EventKind::Note,
        public: false,
        body: Some(note),
        field: None,
        old_value: None,
        new_value: None,
        now,
    }
}

pub async fn get(db: &Db, id: &str) -> Result<Draft, DraftError> {
    let row = store::by_id(db, id).await?.ok_or(DraftError::NotFound)?;
    let tickets = store::tickets(db, id).await?;
    Ok(Draft::from_row(
        row,
        tickets.into_iter().map(|(_, n)| n).collect(),
    ))
}

/// The newest drafts.
pub async fn recent(db: &Db) -> Result<Vec<Draft>, DraftError> {
    let mut out = Vec::new();
    for row in store::recent(db, 100).await? {
        let tickets = store::tickets(db, &row.id).await?;
        out.push(Draft::from_row(
            row,
            tickets.into_iter().map(|(_, n)| n).collect(),
        ));
    }
    Ok(out)
}

/// Saves an unpublished draft's text.
pub async fn save(db: &Db, id: &str, text: &DraftText, now: i64) -> Result<Draft, DraftError> {
    let current = get(db, id).await?;
    if let Some(p) = current.published {
        return Err(DraftError::Published(p.url));
    }
    let tags = text.tags.join(",");
    let stored = StoredText {
        title: &text.title,
        category: &text.category,
        locale: text.locale.code(),
        tags: &tags,
        body: &text.body,
    };
    if !store::update(db, id, &stored, now).await? {
        // Published between the read and the write.
        return Err(get(db, id)
            .await?
            .published
            .map_or(DraftError::NotFound, |p| DraftError::Published(p.url)));
    }
    get(db, id).await
}

/// Writes `text` as a new file under `root`, never over an existing one
/// (two publishes of one title cannot both win).
fn write_new(root: &Path, rel: &str, text: &str) -> Result<PathBuf, DraftError> {
    let path = root.join(rel);
    let dir = path
        .parent()
        .ok_or_else(|| DraftError::Write("no folder".into()))?;
    std::fs::create_dir_all(dir).map_err(|e| DraftError::Write(e.to_string()))?;
    if path.exists() {
        return Err(DraftError::Exists(rel.to_string()));
    }
    // Written beside, then moved in: the watcher never reads half a file.
    let mut builder = tempfile::Builder::new();
    builder.prefix(".draft-").suffix(".tmp");
    // A temporary file is private (0600); an article is read like its
    // neighbours (by a web server, a backup, a colleague's editor).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| DraftError::Write(e.to_string()))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| DraftError::Write(e.to_string()))?;
    tmp.persist_noclobber(&path).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            DraftError::Exists(rel.to_string())
        } else {
            DraftError::Write(e.error.to_string())
        }
    })?;
    Ok(path)
}

/// Publishes a draft with `text` (saved first): writes the article into
/// the knowledge-base folder, re-indexes so that the bot cites it at
/// once (a long article finishes re-indexing in the background after
/// `REINDEX_WAIT`), and notes it in the tickets' history.
pub async fn publish(
    db: &Db,
    knowledge: &Arc<KnowledgeHandle>,
    id: &str,
    text: &DraftText,
    author: &User,
    now: i64,
) -> Result<Draft, DraftError> {
    if unwritten(&text.body) {
        return Err(DraftError::Unwritten);
    }
    let rel = text.path();
    let markdown = text.markdown();
    let fallback_url =
        kb::check_article(&rel, &markdown).map_err(|p| DraftError::Unreadable(p.message))?;
    save(db, id, text, now).await?;
    let root = knowledge.kb_dir().to_path_buf();
    let (at, body) = (rel.clone(), markdown);
    tokio::task::spawn_blocking(move || write_new(&root, &at, &body))
        .await
        .map_err(|e| DraftError::Write(e.to_string()))??;
    let handle = Arc::clone(knowledge);
    let reindex = tokio::task::spawn_blocking(move || {
        if let Err(e) = handle.reload() {
            // The watcher tries again; the file is there.
            tracing::warn!("re-indexing after publishing: {e}");
        }
    });
    // A long article takes a while to embed: past this wait the re-index
    // goes on in the background and the article is cited once it is done.
    let _ = tokio::time::timeout(REINDEX_WAIT, reindex).await;
    let url = knowledge
        .current()
        .kb
        .by_path(&rel)
        .map_or(fallback_url, |a| a.url());
    let mut tx = db.begin().await.map_err(StoreError::from)?;
    if !store::mark_published(&mut tx, id, &url, now).await? {
        return Err(DraftError::Published(url));
    }
    let note = format!(
        "Published the help-center article “{}” at {url}.",
        text.title
    );
    for (ticket_id, _) in store::tickets(db, id).await? {
        ticket_store::insert_event(&mut tx, &history(&ticket_id, &author.id, &note, now)).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    get(db, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(title: &str) -> DraftText {
        DraftText::parse(
            title,
            "Tickets",
            "en",
            &["Export".into(), " grades ".into(), "export".into()],
            "Open the grades.\r\n",
        )
        .expect("valid")
    }

    #[test]
    fn the_file_is_in_the_knowledge_bases_format_and_loads() {
        let t = text("Export: grades \"to\" a spreadsheet?");
        assert_eq!(t.tags, ["export", "grades"]);
        assert_eq!(t.path(), "en/tickets/export-grades-to-a-spreadsheet.md");
        let md = t.markdown();
        let (fm, body, _) = kb::front_matter::split(&md).expect("front matter");
        assert_eq!(
            fm.title.as_deref(),
            Some("Export: grades \"to\" a spreadsheet?")
        );
        assert_eq!(fm.category.as_deref(), Some("Tickets"));
        assert_eq!(fm.locale.as_deref(), Some("en"));
        assert_eq!(fm.tags, ["export", "grades"]);
        assert_eq!(body, "Open the grades.\n");
        assert_eq!(fm.summary.as_deref(), Some("Open the grades."));
        assert_eq!(
            kb::check_article(&t.path(), &md).expect("loads"),
            "/help/en/tickets/export-grades-to-a-spreadsheet"
        );
    }

    #[test]
    fn bad_text_is_refused_by_field() {
        let field = |r: Result<DraftText, DraftError>| match r {
            Err(DraftError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(DraftText::parse(" ", "c", "en", &[], "b")), "title");
        assert_eq!(field(DraftText::parse("???", "c", "en", &[], "b")), "title");
        assert_eq!(field(DraftText::parse("t", "", "en", &[], "b")), "category");
        assert_eq!(field(DraftText::parse("t", "c", "xx", &[], "b")), "locale");
        assert_eq!(
            field(DraftText::parse("t", "c", "en", &["a,b".into()], "b")),
            "tags"
        );
        assert_eq!(field(DraftText::parse("t", "c", "en", &[], " \n")), "body");
    }

    #[test]
    fn a_body_without_an_answer_says_where_it_goes() {
        let body = compose_body(Locale::Fr, &["Comment exporter ?".into()], &[]);
        assert!(body.starts_with("Comme on nous l'a demandé :\n\n> Comment exporter ?\n"));
        assert!(unwritten(&body));
        let body = compose_body(Locale::En, &["a".into(), "b".into()], &["Do X.".into()]);
        assert_eq!(
            body,
            "As people asked it:\n\n> a\n>\n> b\n\n## Answer\n\nDo X."
        );
        assert!(!unwritten(&body));
    }

    #[test]
    fn the_summary_is_the_answers_first_sentence() {
        let body = compose_body(
            Locale::En,
            &["q?".into()],
            &["Open **Grading**. Then export.".into()],
        );
        assert_eq!(summary_of(&body).as_deref(), Some("Open Grading."));
        let unwritten_body = compose_body(Locale::En, &["q?".into()], &[]);
        assert_eq!(summary_of(&unwritten_body), None);
    }

    #[test]
    fn titles_come_from_questions() {
        assert_eq!(title_of("  how do I\nexport?"), "How do I export?");
        assert_eq!(title_of(&"x".repeat(400)).chars().count(), TITLE_CHARS);
    }
}
