//! Text hygiene shared by the mail modules: cleaning untrusted strings before
//! they reach a header or a body, and escaping them for HTML.

/// Characters that end a line somewhere: ASCII controls (CR, LF, NUL, ESC…),
/// C1 controls, and the Unicode line and paragraph separators. Any of them in
/// a header could start a new header line in some parser.
fn is_line_breaking(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}')
}

/// One line of text for a header or an inline value: every control character
/// (including CR and LF) becomes a space, runs of whitespace collapse, and the
/// ends are trimmed. `"a\r\nBcc: x"` becomes `"a Bcc: x"`, harmless text.
pub fn single_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if is_line_breaking(c) || c.is_whitespace() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Multi-line text (a reply body): line endings are normalised to `\n`, tabs
/// are kept, other control characters are dropped, trailing blank lines go.
pub fn multi_line(s: &str) -> String {
    let normalised = s.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(normalised.len());
    for c in normalised.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\u{2028}' | '\u{2029}' | '\u{85}' => out.push('\n'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    let trimmed_len = out.trim_end().len();
    out.truncate(trimmed_len);
    out
}

/// Shortens `s` to at most `max` characters, marking the cut with `…`.
/// Subjects stay readable in inbox lists even for very long summaries.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    let kept = out.trim_end().len();
    out.truncate(kept);
    out.push('…');
    out
}

/// Escapes text for HTML element content and quoted attribute values
/// (the same escaping as the help center's pages).
pub fn escape_html(s: &str) -> String {
    crate::help::search::html_escape(s)
}

/// Whether a URL may be used as a link target: only absolute http(s) URLs,
/// so that a `javascript:` or `data:` URL can never become clickable.
pub fn is_web_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_strips_breaks_and_controls() {
        assert_eq!(
            single_line("  a\r\nBcc: evil@x\t b\u{0}c  "),
            "a Bcc: evil@x b c"
        );
        assert_eq!(single_line("x\u{2028}y\u{85}z"), "x y z");
        assert_eq!(single_line("\r\n"), "");
    }

    #[test]
    fn multi_line_keeps_lines_and_drops_controls() {
        assert_eq!(multi_line("a\r\nb\rc\u{7}\n\n"), "a\nb\nc");
    }

    #[test]
    fn truncate_marks_cut() {
        assert_eq!(truncate("abcdef", 10), "abcdef");
        assert_eq!(truncate("abc def ghi", 5), "abc…");
        assert_eq!(truncate("éééééé", 4), "ééé…");
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn only_http_urls_are_links() {
        assert!(is_web_url("https://help.example.test/t/1001"));
        assert!(is_web_url("HTTP://localhost:8080/t/1"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("https://x.test/a b"));
    }
}
