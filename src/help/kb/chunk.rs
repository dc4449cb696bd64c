//! Chunking: an article body becomes sections at its headings, each with
//! plain text fit for indexing and for quoting in an answer.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::slug::AnchorSet;

/// Longer sections are split at paragraph boundaries into passages of about
/// this many words: a long section otherwise dilutes both keyword scoring
/// and the answer quoted from it.
pub const MAX_PASSAGE_WORDS: usize = 220;

/// One passage of an article, the unit that is searched and quoted.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The heading (`None` for the introduction before the first heading).
    pub heading: Option<String>,
    /// Anchor of the heading in the rendered article (empty for the intro).
    pub anchor: String,
    /// Plain text: paragraphs separated by blank lines, list items as
    /// `- ` or `1. ` lines.
    pub text: String,
}

pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// The text of a leading H1, if the body starts with one (used as the
/// title when the front matter has none).
pub fn leading_h1(markdown: &str) -> Option<(String, usize)> {
    let mut parser = Parser::new_ext(markdown, markdown_options()).into_offset_iter();
    let (first, _) = parser.next()?;
    if !matches!(
        first,
        Event::Start(Tag::Heading {
            level: HeadingLevel::H1,
            ..
        })
    ) {
        return None;
    }
    let mut title = String::new();
    for (event, range) in parser {
        match event {
            Event::Text(t) | Event::Code(t) => title.push_str(&t),
            Event::End(TagEnd::Heading(_)) => {
                let title = title.trim().to_string();
                return (!title.is_empty()).then_some((title, range.end));
            }
            _ => {}
        }
    }
    None
}

/// Splits a CommonMark body into sections at H1–H3 headings.
pub fn chunk(markdown: &str) -> Vec<Section> {
    struct Cut {
        heading: Option<String>,
        body_start: usize,
        next_start: usize,
    }
    let mut cuts: Vec<Cut> = vec![Cut {
        heading: None,
        body_start: 0,
        next_start: markdown.len(),
    }];
    let mut heading_text: Option<String> = None;
    for (event, range) in Parser::new_ext(markdown, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) if level <= HeadingLevel::H3 => {
                if let Some(last) = cuts.last_mut() {
                    last.next_start = range.start;
                }
                heading_text = Some(String::new());
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading_text.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(level)) if level <= HeadingLevel::H3 => {
                let heading = heading_text.take().map(|h| h.trim().to_string());
                cuts.push(Cut {
                    heading,
                    body_start: range.end,
                    next_start: markdown.len(),
                });
            }
            _ => {}
        }
    }
    let mut anchors = AnchorSet::default();
    let mut sections = Vec::new();
    for cut in cuts {
        let anchor = cut
            .heading
            .as_deref()
            .map(|h| anchors.anchor_for(h))
            .unwrap_or_default();
        let text = plain_text(&markdown[cut.body_start..cut.next_start]);
        if text.is_empty() && cut.heading.is_none() {
            continue;
        }
        for passage in split_passages(&text) {
            sections.push(Section {
                heading: cut.heading.clone(),
                anchor: anchor.clone(),
                text: passage,
            });
        }
    }
    sections
}

fn split_passages(text: &str) -> Vec<String> {
    if text.split_whitespace().count() <= MAX_PASSAGE_WORDS {
        return vec![text.to_string()];
    }
    let mut passages = Vec::new();
    let mut current = String::new();
    let mut words = 0;
    for paragraph in text.split("\n\n") {
        let n = paragraph.split_whitespace().count();
        if words > 0 && words + n > MAX_PASSAGE_WORDS {
            passages.push(std::mem::take(&mut current));
            words = 0;
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(paragraph);
        words += n;
    }
    if !current.is_empty() {
        passages.push(current);
    }
    passages
}

/// Markdown to plain text that keeps paragraphs and list items apart.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::new();
    let mut lists: Vec<Option<u64>> = Vec::new();
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Start(Tag::List(start)) => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
                out.push('\n');
            }
            Event::Start(Tag::Item) => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                let indent = "  ".repeat(lists.len().saturating_sub(1));
                out.push_str(&indent);
                match lists.last_mut() {
                    Some(Some(n)) => {
                        out.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => out.push_str("- "),
                }
            }
            Event::End(TagEnd::Item) => out.push('\n'),
            Event::End(TagEnd::Paragraph) => {
                if lists.is_empty() {
                    out.push_str("\n\n");
                } else {
                    out.push('\n');
                }
            }
            Event::End(TagEnd::Heading(_)) | Event::End(TagEnd::CodeBlock) => out.push_str("\n\n"),
            Event::End(TagEnd::TableCell) => out.push_str(" | "),
            Event::End(TagEnd::TableRow) | Event::End(TagEnd::TableHead) => out.push('\n'),
            Event::End(TagEnd::Table) | Event::End(TagEnd::BlockQuote(_)) => out.push('\n'),
            Event::TaskListMarker(done) => out.push_str(if done { "[x] " } else { "[ ] " }),
            _ => {}
        }
    }
    tidy(&out)
}

/// Trims each line's end and collapses runs of blank lines.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_headings_with_intro_first() {
        let md = "Intro text.\n\n## First step\n\nDo **this**.\n\n### Detail\n\nMore.\n\n#### Small\n\nKept inside.\n";
        let s = chunk(md);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].heading, None);
        assert_eq!(s[0].text, "Intro text.");
        assert_eq!(s[1].heading.as_deref(), Some("First step"));
        assert_eq!(s[1].anchor, "first-step");
        assert_eq!(s[1].text, "Do this.");
        assert_eq!(s[2].heading.as_deref(), Some("Detail"));
        assert_eq!(s[2].text, "More.\n\nSmall\n\nKept inside.");
    }

    #[test]
    fn headings_inside_code_blocks_do_not_split() {
        let md = "## Real\n\n```\n## not a heading\n```\n";
        let s = chunk(md);
        assert_eq!(s.len(), 1);
        assert!(s[0].text.contains("## not a heading"));
    }

    #[test]
    fn lists_keep_their_markers() {
        let text = plain_text("Steps:\n\n1. Open **Help**.\n2. Click *Send*.\n\n- a\n- b\n");
        assert_eq!(text, "Steps:\n\n1. Open Help.\n2. Click Send.\n\n- a\n- b");
    }

    #[test]
    fn long_sections_are_split_into_passages() {
        let paragraph = "word ".repeat(100);
        let md = format!("## Long\n\n{p}\n\n{p}\n\n{p}\n", p = paragraph.trim());
        let s = chunk(&md);
        assert_eq!(s.len(), 2);
        assert!(s.iter().all(|p| p.heading.as_deref() == Some("Long")));
        assert!(
            s.iter()
                .all(|p| p.text.split_whitespace().count() <= MAX_PASSAGE_WORDS)
        );
    }

    #[test]
    fn empty_intro_is_skipped_but_empty_headed_sections_kept() {
        let s = chunk("## A\n\n## B\n\ntext\n");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].text, "");
    }

    #[test]
    fn leading_h1_is_found() {
        assert_eq!(
            leading_h1("# My title\n\nBody").map(|t| t.0),
            Some("My title".to_string())
        );
        assert_eq!(leading_h1("Body\n# Late"), None);
    }
}
