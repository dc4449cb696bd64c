//! Turns a notification's content (a list of blocks) into the plain-text and
//! HTML bodies. Knows nothing about languages: every string it receives is
//! already translated and cleaned; it only escapes and arranges.

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

const FONT: &str = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";
const MUTED: &str = "#57606a";
const ACCENT: &str = "#1f6feb";

/// The HTML part: a single centred card with inline styles only, because
/// most mail clients drop `<style>` blocks and external stylesheets.
pub fn to_html(frame: &Frame, blocks: &[Block]) -> String {
    let mut body = String::new();
    body.push_str(&para(frame.greeting));
    for block in blocks {
        body.push_str(&match block {
            Block::Para(p) => para(p),
            Block::Note(n) => format!(
                "<p style=\"margin:0 0 16px;font-size:13px;color:{MUTED};\">{}</p>\n",
                escape_html(n)
            ),
            Block::Quote(q) => format!(
                "<div style=\"margin:0 0 16px;padding:12px 16px;border-left:4px solid #d0d7de;\
                 background:#f6f8fa;\">{}</div>\n",
                escape_html(q).replace('\n', "<br>\n")
            ),
            Block::Details(rows) => details(rows),
            Block::Code(code) => format!(
                "<p style=\"margin:8px 0 24px;font-size:30px;font-weight:700;letter-spacing:6px;\
                 font-family:Menlo,Consolas,'Courier New',monospace;\">{}</p>\n",
                escape_html(code)
            ),
            Block::Action { label, url } => action(label, url, frame.link_fallback),
        });
    }
    body.push_str(&para(frame.signature));

    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n</head>\n\
         <body style=\"margin:0;padding:0;background:#f4f5f7;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         style=\"background:#f4f5f7;\"><tr><td align=\"center\" style=\"padding:24px 12px;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         style=\"max-width:600px;background:#ffffff;border:1px solid #e1e4e8;border-radius:6px;\">\
         <tr><td style=\"padding:28px 32px;{FONT}font-size:15px;line-height:1.55;color:#1f2328;\">\n\
         {body}</td></tr></table>\n\
         <p style=\"margin:16px 0 0;{FONT}font-size:12px;color:{MUTED};\">{footer}</p>\n\
         </td></tr></table>\n</body>\n</html>\n",
        lang = escape_html(frame.lang),
        title = escape_html(frame.subject),
        footer = escape_html(frame.footer),
    )
}

fn para(text: &str) -> String {
    format!("<p style=\"margin:0 0 16px;\">{}</p>\n", escape_html(text))
}

fn details(rows: &[(String, String)]) -> String {
    let mut html = String::from(
        "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" \
         style=\"margin:0 0 16px;border-collapse:collapse;\">\n",
    );
    for (label, value) in rows {
        html.push_str(&format!(
            "<tr><td style=\"padding:2px 16px 2px 0;color:{MUTED};vertical-align:top;\">{}</td>\
             <td style=\"padding:2px 0;font-weight:600;\">{}</td></tr>\n",
            escape_html(label),
            escape_html(value)
        ));
    }
    html.push_str("</table>\n");
    html
}

fn action(label: &str, url: &str, fallback: &str) -> String {
    if !is_web_url(url) {
        // Not a link we are willing to make clickable: show it as text.
        return format!(
            "<p style=\"margin:0 0 16px;\">{}<br>{}</p>\n",
            escape_html(label),
            escape_html(url)
        );
    }
    let href = escape_html(url);
    format!(
        "<p style=\"margin:24px 0;\"><a href=\"{href}\" style=\"display:inline-block;\
         padding:12px 22px;background:{ACCENT};color:#ffffff;text-decoration:none;\
         border-radius:6px;font-weight:600;\">{label}</a></p>\n\
         <p style=\"margin:0 0 16px;font-size:13px;color:{MUTED};\">{fallback}<br>\
         <a href=\"{href}\" style=\"color:{ACCENT};word-break:break-all;\">{href}</a></p>\n",
        label = escape_html(label),
        fallback = escape_html(fallback),
    )
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
        let html = to_html(&frame(), &blocks);
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
        let html = to_html(&frame(), &blocks);
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(html.contains("javascript:alert(1)"));
    }

    #[test]
    fn action_is_a_button_with_escaped_href() {
        let blocks = [Block::Action {
            label: "View".into(),
            url: "https://x.test/t/1?a=1&b=\"2\"".into(),
        }];
        let html = to_html(&frame(), &blocks);
        assert!(
            html.contains("href=\"https://x.test/t/1?a=1&amp;b=&quot;2&quot;\""),
            "{html}"
        );
        let text = to_text(&frame(), &blocks);
        assert!(text.contains("View\nhttps://x.test/t/1?a=1&b=\"2\""));
    }
}
