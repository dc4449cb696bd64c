//! Rendering an article to safe HTML: Markdown with heading anchors that
//! match the sections' anchors, wiki links resolved, sanitised by ammonia.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Parser, Tag, TagEnd, html};

use super::chunk::markdown_options;
use super::slug::{AnchorSet, slugify};
use super::{Article, KnowledgeBase};

pub fn article_html(kb: &KnowledgeBase, article: &Article) -> String {
    let resolve = |page: &str, heading: Option<&str>| -> Option<String> {
        let target = if page.is_empty() {
            Some(article)
        } else {
            kb.resolve_wiki_link(article.locale, page)
        }?;
        Some(match heading {
            Some(h) => format!("{}#{}", target.url(), slugify(h)),
            None => target.url(),
        })
    };
    let markdown = super::wiki::to_commonmark(&article.body, &resolve);
    markdown_to_safe_html(&markdown)
}

/// Renders CommonMark with ids on H1–H3 (the same anchors as the chunker)
/// and sanitises the result.
pub fn markdown_to_safe_html(markdown: &str) -> String {
    let mut events: Vec<Event> = Parser::new_ext(markdown, markdown_options()).collect();
    let mut anchors = AnchorSet::default();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, .. }) = &events[i]
            && *level <= HeadingLevel::H3
        {
            let level = *level;
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            let id = anchors.anchor_for(text.trim());
            events[i] = Event::Start(Tag::Heading {
                level,
                id: Some(CowStr::from(id)),
                classes: Vec::new(),
                attrs: Vec::new(),
            });
            i = j;
        }
        i += 1;
    }
    let mut raw = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut raw, events.into_iter());
    sanitize(&raw)
}

fn sanitize(raw: &str) -> String {
    ammonia::Builder::default()
        .add_tag_attributes("h1", &["id"])
        .add_tag_attributes("h2", &["id"])
        .add_tag_attributes("h3", &["id"])
        .add_tag_attributes("input", &["type", "checked", "disabled"])
        .add_tags(&["input"])
        .link_rel(Some("noopener"))
        .clean(raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_ids_and_scripts_are_removed() {
        let html = markdown_to_safe_html(
            "## Create a ticket\n\nText <script>alert(1)</script>\n\n## Create a ticket\n\n[x](javascript:alert(1))",
        );
        assert!(html.contains("<h2 id=\"create-a-ticket\">"), "{html}");
        assert!(html.contains("<h2 id=\"create-a-ticket-2\">"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }
}
