//! Turns a notification's content (a list of blocks) into the plain-text and
//! HTML bodies; the HTML is the template `templates/mail/layout.html`. Knows
//! nothing about languages: every string it receives is already translated
//! and cleaned; it only escapes and arranges.

use std::sync::LazyLock;

use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};
use serde::Serialize;

use super::text::{escape_html, is_web_url};

/// One piece of an email body, in reading order.
#[derive(Debug, Clone)]
pub enum Block {
    /// An ordinary paragraph.
    Para(String),
    /// Quoted multi-line text (a reply body); its line breaks are kept.
    Quote(String),
    /// Label/value pairs; labels carry their own punctuation (`"Priority:"`).
    Details(Vec<(String, String)>),
    /// A one-time code shown large.
    Code(String),
    /// The main call to action: a button in HTML, label + URL in text.
    Action { label: String, url: String },
    /// Secondary, smaller text (expiry notices, "ignore this email").
    Note(String),
}

/// Everything around the blocks that depends on the language.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    /// BCP 47 code for the `lang` attribute.
    pub lang: &'a str,
    pub subject: &'a str,
    pub greeting: &'a str,
    pub signature: &'a str,
    /// Small print at the very bottom.
    pub footer: &'a str,
    /// "If the button does not work, copy this link…" (HTML only).
    pub link_fallback: &'a str,
}

/// The plain-text part. Lines are joined with `\n`; lettre converts them to
/// CRLF when it encodes the body.
pub fn to_text(frame: &Frame, blocks: &[Block]) -> String {
    let mut parts: Vec<String> = vec![frame.greeting.to_owned()];
    for block in blocks {
        parts.push(match block {
            Block::Para(p) | Block::Note(p) => p.clone(),
            Block::Quote(q) => q
                .lines()
                .map(|l| {
                    if l.is_empty() {
                        ">".to_owned()
                    } else {
                        format!("> {l}")
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Block::Details(rows) => rows
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
            Block::Code(code) => format!("    {code}"),
            Block::Action { label, url } => format!("{label}\n{url}"),
        });
    }
    parts.push(frame.signature.to_owned());
    // "-- " is the conventional signature delimiter: clients fold what follows.
    format!("{}\n\n-- \n{}\n", parts.join("\n\n"), frame.footer)
}

/// The HTML part, from `templates/mail/layout.html`. An error here is a bug
/// in that template (the tests render it); the caller handles it.
pub fn to_html(frame: &Frame, blocks: &[Block]) -> Result<String, minijinja::Error> {
    let blocks: Vec<HtmlBlock> = blocks.iter().map(HtmlBlock::from).collect();
    ENV.get_template(LAYOUT)?.render(minijinja::context! {
        lang => frame.lang,
        subject => frame.subject,
        greeting => frame.greeting,
        signature => frame.signature,
        footer => frame.footer,
        link_fallback => frame.link_fallback,
        blocks => blocks,
    })
}

const LAYOUT: &str = "mail/layout.html";

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // A misspelt variable is an error, not an empty string in an email.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Lines holding only `{% … %}` leave nothing behind, so the template can
    // be indented by blocks and still give the exact markup.
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    // minijinja's own escaping also turns `/` into `&#x2f;`, which would make
    // every link read `https:&#x2f;&#x2f;…`; the help center's escaping is
    // what HTML needs.
    env.set_formatter(|out, state, value| {
        if state.auto_escape() == AutoEscape::Html && !value.is_safe() && !value.is_none() {
            out.write_str(&escape_html(&value.to_string()))
                .map_err(|e| minijinja::Error::new(ErrorKind::WriteFailure, e.to_string()))
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    if let Err(e) = env.add_template(LAYOUT, include_str!("../../templates/mail/layout.html")) {
        // Rendering then fails with "template not found", which the caller
        // handles; the tests catch it first.
        tracing::error!("{LAYOUT} does not compile: {e}");
    }
    env
});

/// A block as the template sees it: plain strings, with what the template
/// must not decide (whether a URL may be a link) decided here.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum HtmlBlock<'a> {
    Para {
        text: &'a str,
    },
    Note {
        text: &'a str,
    },
    /// Split on `\n`: each line is escaped, then joined with `<br>`.
    Quote {
        lines: Vec<&'a str>,
    },
    Details {
        rows: Vec<Row<'a>>,
    },
    Code {
        code: &'a str,
    },
    Action {
        label: &'a str,
        url: &'a str,
        clickable: bool,
    },
}

#[derive(Serialize)]
struct Row<'a> {
    label: &'a str,
    value: &'a str,
}

impl<'a> From<&'a Block> for HtmlBlock<'a> {
    fn from(block: &'a Block) -> Self {
        match block {
            Block::Para(text) => HtmlBlock::Para { text },
            Block::Note(text) => HtmlBlock::Note { text },
            Block::Quote(q) => HtmlBlock::Quote {
                lines: q.split('\n').collect(),
            },
            Block::Details(rows) => HtmlBlock::Details {
                rows: rows
                    .iter()
                    .map(|(label, value)| Row { label, value })
                    .collect(),
            },
            Block::Code(code) => HtmlBlock::Code { code },
            Block::Action { label, url } => HtmlBlock::Action {
                label,
                url,
                clickable: is_web_url(url),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame<'static> {
        Frame {
            lang: "en",
            subject: "S <b>",
            greeting: "Hello,",
            signature: "The team",
            footer: "Sent automatically.",
            link_fallback: "Copy this link:",
        }
    }

    #[test]
    fn quote_keeps_line_breaks_in_both_parts() {
        let blocks = [Block::Quote("one\n\n<b>two</b>".into())];
        let text = to_text(&frame(), &blocks);
        assert!(text.contains("> one\n>\n> <b>two</b>"), "{text}");
        let html = to_html(&frame(), &blocks).expect("layout renders");
        assert!(
            html.contains("one<br>\n<br>\n&lt;b&gt;two&lt;/b&gt;"),
            "{html}"
        );
        assert!(html.contains("<title>S &lt;b&gt;</title>"));
    }

    #[test]
    fn unsafe_urls_are_not_links() {
        let blocks = [Block::Action {
            label: "Open".into(),
            url: "javascript:alert(1)".into(),
        }];
        let html = to_html(&frame(), &blocks).expect("layout renders");
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(html.contains("javascript:alert(1)"));
    }

    #[test]
    fn action_is_a_button_with_escaped_href() {
        let blocks = [Block::Action {
            label: "View".into(),
            url: "https://x.test/t/1?a=1&b=\"2\"".into(),
        }];
        let html = to_html(&frame(), &blocks).expect("layout renders");
        assert!(
            html.contains("href=\"https://x.test/t/1?a=1&amp;b=&quot;2&quot;\""),
            "{html}"
        );
        let text = to_text(&frame(), &blocks);
        assert!(text.contains("View\nhttps://x.test/t/1?a=1&b=\"2\""));
    }

    #[test]
    fn every_block_kind_reaches_the_html() {
        let blocks = [
            Block::Para("para <1>".into()),
            Block::Note("note <2>".into()),
            Block::Quote("quote <3>".into()),
            Block::Details(vec![("label <4>".into(), "value <5>".into())]),
            Block::Code("code <6>".into()),
            Block::Action {
                label: "action <7>".into(),
                url: "https://x.test/8".into(),
            },
        ];
        let html = to_html(&frame(), &blocks).expect("layout renders");
        for i in 1..=7 {
            assert!(html.contains(&format!("&lt;{i}&gt;")), "{i}: {html}");
        }
        assert!(html.contains("Copy this link:<br><a href=\"https://x.test/8\""));
        assert!(html.starts_with("<!DOCTYPE html>\n") && html.ends_with("</html>\n"));
        assert!(!html.contains("{{") && !html.contains("{%"), "{html}");
    }
}
