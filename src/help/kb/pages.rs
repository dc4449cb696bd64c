//! Page patterns: which product pages an article is relevant to.
//!
//! A pattern is a URL path such as `/exams/*/settings`: `*` stands for one
//! path segment and `**` for any number of them. A pattern matches the end
//! of the page's path, so a product mounted under a prefix (`/app/exams/42/
//! settings`, or our own `/demo/...`) still matches.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagePattern {
    raw: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    One,
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid page pattern `{0}`: it must be a path starting with `/`")]
pub struct InvalidPattern(pub String);

impl PagePattern {
    pub fn parse(raw: &str) -> Result<PagePattern, InvalidPattern> {
        let trimmed = raw.trim();
        if !trimmed.starts_with('/') || trimmed.contains(char::is_whitespace) {
            return Err(InvalidPattern(raw.to_string()));
        }
        let segments = split_path(trimmed)
            .map(|s| match s {
                "*" => Segment::One,
                "**" => Segment::Any,
                lit => Segment::Literal(lit.to_ascii_lowercase()),
            })
            .collect();
        Ok(PagePattern {
            raw: trimmed.to_string(),
            segments,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// How specific the pattern is (its literal segments): a more specific
    /// match is a stronger signal of relevance.
    pub fn specificity(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count()
    }

    /// Whether the pattern matches the end of `path`.
    pub fn matches(&self, path: &str) -> bool {
        let parts: Vec<String> = split_path(path).map(str::to_ascii_lowercase).collect();
        if self.segments.is_empty() {
            return parts.is_empty();
        }
        (0..=parts.len()).any(|start| match_from(&self.segments, &parts[start..]))
    }
}

fn split_path(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn match_from(pattern: &[Segment], parts: &[String]) -> bool {
    match pattern.split_first() {
        None => parts.is_empty(),
        Some((Segment::Any, rest)) => (0..=parts.len()).any(|i| match_from(rest, &parts[i..])),
        Some((seg, rest)) => match parts.split_first() {
            None => false,
            Some((part, more)) => {
                let ok = match seg {
                    Segment::One => true,
                    Segment::Literal(l) => l == part,
                    Segment::Any => unreachable!("handled above"),
                };
                ok && match_from(rest, more)
            }
        },
    }
}

/// The path of a page URL, without scheme, host, query or fragment.
/// Accepts absolute URLs and bare paths; `None` for anything else.
pub fn path_of(page_url: &str) -> Option<String> {
    let s = page_url.trim();
    let after_scheme = match s.find("://") {
        Some(i) => {
            let rest = &s[i + 3..];
            match rest.find('/') {
                Some(j) => &rest[j..],
                None => "/",
            }
        }
        None if s.starts_with('/') => s,
        None => return None,
    };
    let end = after_scheme.find(['?', '#']).unwrap_or(after_scheme.len());
    Some(after_scheme[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PagePattern {
        PagePattern::parse(s).expect("valid pattern")
    }

    #[test]
    fn matches_table() {
        let cases = [
            ("/exams/*/settings", "/exams/42/settings", true),
            ("/exams/*/settings", "/demo/exams/42/settings", true),
            ("/exams/*/settings", "/exams/42/grading", false),
            ("/exams/*/settings", "/exams/settings", false),
            ("/exams", "/exams", true),
            ("/exams", "/demo/exams", true),
            ("/exams", "/exams/42", false),
            ("/bookings/**", "/bookings/3/edit", true),
            ("/bookings/**", "/bookings", true),
            ("/Students", "/students/", true),
        ];
        for (pattern, path, expected) in cases {
            assert_eq!(p(pattern).matches(path), expected, "{pattern} vs {path}");
        }
    }

    #[test]
    fn rejects_non_paths() {
        assert!(PagePattern::parse("exams/*").is_err());
        assert!(PagePattern::parse("/a b").is_err());
    }

    #[test]
    fn extracts_paths_from_urls() {
        assert_eq!(
            path_of("https://x.test/exams/4/settings?tab=1#top").as_deref(),
            Some("/exams/4/settings")
        );
        assert_eq!(path_of("http://x.test").as_deref(), Some("/"));
        assert_eq!(path_of("/students").as_deref(), Some("/students"));
        assert_eq!(path_of("not a url"), None);
    }

    #[test]
    fn specificity_counts_literals() {
        assert_eq!(p("/exams/*/settings").specificity(), 2);
        assert_eq!(p("/**").specificity(), 0);
    }
}
