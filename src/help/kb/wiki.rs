//! Wiki-style Markdown found in real help vaults (Obsidian and the like):
//! `[[links]]`, `![[embeds]]`, `> [!note]` callouts and `%%comments%%`,
//! rewritten to plain CommonMark before chunking or rendering.

/// Resolves a wiki link target (`Page` or `Page#Heading`) to a URL.
pub type Resolver<'a> = &'a dyn Fn(&str, Option<&str>) -> Option<String>;

const IMAGE_EXTENSIONS: [&str; 9] = [
    "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "mp4", "webm",
];

/// Rewrites wiki syntax into CommonMark. Links that `resolve` knows become
/// Markdown links; the others become their plain text.
pub fn to_commonmark(markdown: &str, resolve: Resolver<'_>) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut in_fence = false;
    let mut in_comment = false;
    for line in markdown.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            out.push_str(line);
            continue;
        }
        if in_fence {
            out.push_str(line);
            continue;
        }
        let line = strip_comments(line, &mut in_comment);
        let line = callout_title(&line);
        out.push_str(&rewrite_links(&line, resolve));
    }
    out
}

/// Removes `%%…%%` comments, which may span lines.
fn strip_comments(line: &str, in_comment: &mut bool) -> String {
    let mut out = String::new();
    let mut rest = line;
    loop {
        if *in_comment {
            match rest.find("%%") {
                Some(end) => {
                    rest = &rest[end + 2..];
                    *in_comment = false;
                }
                None => {
                    if line.ends_with('\n') && !out.ends_with('\n') {
                        out.push('\n');
                    }
                    return out;
                }
            }
        } else {
            match rest.find("%%") {
                Some(start) => {
                    out.push_str(&rest[..start]);
                    rest = &rest[start + 2..];
                    *in_comment = true;
                }
                None => {
                    out.push_str(rest);
                    return out;
                }
            }
        }
    }
}

/// `> [!tip]- Title` becomes `> **Title**`; a callout without a title
/// shows its kind (`> **Tip**`).
fn callout_title(line: &str) -> String {
    let trimmed = line.trim_start();
    let quote_depth = trimmed
        .chars()
        .take_while(|c| *c == '>' || *c == ' ')
        .count();
    let (prefix, rest) = trimmed.split_at(quote_depth);
    if !prefix.contains('>') {
        return line.to_string();
    }
    let Some(after) = rest.strip_prefix("[!") else {
        return line.to_string();
    };
    let Some(close) = after.find(']') else {
        return line.to_string();
    };
    let kind = &after[..close];
    let title = after[close + 1..].trim_start_matches(['+', '-']).trim();
    let label = if title.is_empty() {
        let mut k = kind.to_string();
        if let Some(first) = k.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        k
    } else {
        title.to_string()
    };
    format!("{prefix}**{label}**\n")
}

fn rewrite_links(line: &str, resolve: Resolver<'_>) -> String {
    if !line.contains("[[") {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("[[") {
        let Some(len) = rest[start + 2..].find("]]") else {
            break;
        };
        let embed = start > 0 && rest.as_bytes()[start - 1] == b'!';
        let before = if embed {
            &rest[..start - 1]
        } else {
            &rest[..start]
        };
        out.push_str(before);
        let inner = &rest[start + 2..start + 2 + len];
        out.push_str(&render_link(inner, embed, resolve));
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    out
}

fn render_link(inner: &str, embed: bool, resolve: Resolver<'_>) -> String {
    let (target, alias) = match inner.split_once('|') {
        Some((t, a)) => (t.trim(), Some(a.trim())),
        None => (inner.trim(), None),
    };
    let (page, heading) = match target.split_once('#') {
        Some((p, h)) => (p.trim(), Some(h.trim_start_matches('^').trim())),
        None => (target, None),
    };
    let extension = page.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    if embed
        && extension
            .as_deref()
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e))
    {
        // Media files are not part of a text help center.
        return String::new();
    }
    let text = alias
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| match (page.is_empty(), heading) {
            (true, Some(h)) => h.to_string(),
            (false, Some(h)) => format!("{page} › {h}"),
            _ => page.to_string(),
        });
    match resolve(page, heading) {
        Some(url) => format!("[{}]({})", escape_link_text(&text), url.replace(' ', "%20")),
        None => text,
    }
}

fn escape_link_text(text: &str) -> String {
    text.replace('[', "\\[").replace(']', "\\]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(page: &str, heading: Option<&str>) -> Option<String> {
        (page == "Sync").then(|| match heading {
            Some(h) => format!("/help/en/sync#{}", crate::help::kb::slug::slugify(h)),
            None => "/help/en/sync".to_string(),
        })
    }

    #[test]
    fn known_links_become_markdown_links() {
        let out = to_commonmark("See [[Sync]] and [[Sync#Set up|setting up]].\n", &resolver);
        assert_eq!(
            out,
            "See [Sync](/help/en/sync) and [setting up](/help/en/sync#set-up).\n"
        );
    }

    #[test]
    fn unknown_links_become_text_and_images_vanish() {
        let out = to_commonmark("Try [[Unknown page]] ![[shot.png]] now\n", &resolver);
        assert_eq!(out, "Try Unknown page  now\n");
    }

    #[test]
    fn callouts_get_a_bold_title() {
        let out = to_commonmark("> [!warning]- Careful\n> Body\n> [!tip]\n", &resolver);
        assert_eq!(out, "> **Careful**\n> Body\n> **Tip**\n");
    }

    #[test]
    fn comments_are_removed_even_across_lines() {
        let out = to_commonmark("a %%hidden%% b\nc %%start\nmiddle\nend%% d\n", &resolver);
        assert_eq!(out, "a  b\nc \n\n d\n");
    }

    #[test]
    fn code_fences_are_left_alone() {
        let src = "```\n[[Sync]] %%x%%\n```\n";
        assert_eq!(to_commonmark(src, &resolver), src);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Markdown made of the pieces the rewriter looks for.
        fn wiki_text() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                "[a-zA-Z0-9 .#|^-]{0,10}",
                prop::sample::select(vec![
                    "[[",
                    "]]",
                    "![[",
                    "%%",
                    "> [!",
                    "]",
                    "\n",
                    "```",
                    "~~~",
                    "|",
                    "#",
                    "^",
                    ".png",
                    "> ",
                    "é",
                    "\u{1F600}",
                    "!",
                ])
                .prop_map(str::to_string),
                any::<char>().prop_map(String::from),
            ];
            prop::collection::vec(piece, 0..40).prop_map(|p| p.concat())
        }

        fn resolve_all(page: &str, heading: Option<&str>) -> Option<String> {
            Some(format!("/help/{page}#{}", heading.unwrap_or("")))
        }

        fn resolve_none(_: &str, _: Option<&str>) -> Option<String> {
            None
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn never_panics_and_keeps_the_lines(text in wiki_text()) {
                for resolve in [resolve_all as fn(&str, Option<&str>) -> Option<String>, resolve_none] {
                    let out = to_commonmark(&text, &resolve);
                    let lines_in = text.matches('\n').count();
                    let lines_out = out.matches('\n').count();
                    // A callout title on a last line without a newline gets one.
                    prop_assert!(lines_out == lines_in || lines_out == lines_in + 1, "{:?} -> {:?}", text, out);
                }
            }

            #[test]
            fn arbitrary_text_never_panics(text in any::<String>()) {
                let _ = to_commonmark(&text, &resolve_all);
            }

            /// Text without any wiki syntax comes out unchanged.
            #[test]
            fn plain_markdown_is_left_alone(text in "[a-zA-Z0-9 .,*_#>()\n-]{0,300}") {
                prop_assert_eq!(to_commonmark(&text, &resolve_all), text);
            }

            /// A resolved link becomes a Markdown link to the resolver's URL.
            #[test]
            fn resolved_links_point_where_the_resolver_says(page in "[a-zA-Z][a-zA-Z0-9 ]{0,15}") {
                let page = page.trim().to_string();
                let out = to_commonmark(&format!("see [[{page}]]\n"), &resolve_all);
                let url = format!("/help/{page}#").replace(' ', "%20");
                prop_assert_eq!(out, format!("see [{page}]({url})\n"));
            }
        }
    }
}
