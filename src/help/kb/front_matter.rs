//! YAML front matter: splitting it from the body and reading the keys we
//! use, tolerant of the many shapes real help vaults put there.

use serde_yaml::Value;

/// The keys Frontdesk reads; every other key is ignored.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub locale: Option<String>,
    pub pages: Vec<String>,
    pub summary: Option<String>,
    /// Links translations of one article (`permalink` in Obsidian vaults).
    pub translation_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct FrontMatterError {
    /// 1-based line in the file.
    pub line: usize,
    pub message: String,
}

/// Splits `---`-delimited front matter from the body. Returns the parsed
/// keys, the body, and the 1-based line where the body starts.
pub fn split(source: &str) -> Result<(FrontMatter, &str, usize), FrontMatterError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let Some(rest) = source
        .strip_prefix("---\n")
        .or_else(|| source.strip_prefix("---\r\n"))
    else {
        return Ok((FrontMatter::default(), source, 1));
    };
    let mut offset = 0;
    let mut yaml_end = None;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" || line.trim_end() == "..." {
            yaml_end = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((yaml_len, body_start)) = yaml_end else {
        return Err(FrontMatterError {
            line: 1,
            message: "front matter opened with `---` is never closed".into(),
        });
    };
    let yaml = &rest[..yaml_len];
    let body = &rest[body_start..];
    let body_line = 2 + yaml.lines().count() + 1;
    let fm = parse_yaml(yaml)?;
    Ok((fm, body, body_line))
}

fn parse_yaml(yaml: &str) -> Result<FrontMatter, FrontMatterError> {
    if yaml.trim().is_empty() {
        return Ok(FrontMatter::default());
    }
    let value: Value = serde_yaml::from_str(yaml).map_err(|e| FrontMatterError {
        // +1 for the opening `---` line.
        line: e.location().map(|l| l.line() + 1).unwrap_or(1),
        message: format!("invalid YAML front matter: {e}"),
    })?;
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => return Ok(FrontMatter::default()),
        _ => {
            return Err(FrontMatterError {
                line: 2,
                message: "front matter must be a mapping of `key: value` lines".into(),
            });
        }
    };
    let get = |key: &str| map.get(Value::String(key.to_string()));
    Ok(FrontMatter {
        title: get("title").and_then(scalar),
        category: get("category").and_then(scalar),
        tags: get("tags").map(list).unwrap_or_default(),
        locale: get("locale").or_else(|| get("lang")).and_then(scalar),
        pages: get("pages").map(list).unwrap_or_default(),
        summary: get("summary")
            .or_else(|| get("description"))
            .and_then(scalar),
        translation_key: get("translation_key")
            .or_else(|| get("permalink"))
            .and_then(scalar),
    })
}

fn scalar(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// A list, or a single comma-separated string (both occur in the wild).
fn list(v: &Value) -> Vec<String> {
    match v {
        Value::Sequence(items) => items.iter().filter_map(scalar).collect(),
        other => scalar(other)
            .map(|s| {
                s.split(',')
                    .map(|p| p.trim().trim_start_matches('#').to_string())
                    .filter(|p| !p.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_known_keys_and_ignores_others() {
        let src = "---\ntitle: Create a ticket\ncategory: Tickets\ntags: [tickets, help]\nlocale: en\npages: [\"/exams/*/settings\"]\nsummary: How to.\ncssclasses: wide\n---\nBody here\n";
        let (fm, body, line) = split(src).expect("valid");
        assert_eq!(fm.title.as_deref(), Some("Create a ticket"));
        assert_eq!(fm.category.as_deref(), Some("Tickets"));
        assert_eq!(fm.tags, vec!["tickets", "help"]);
        assert_eq!(fm.locale.as_deref(), Some("en"));
        assert_eq!(fm.pages, vec!["/exams/*/settings"]);
        assert_eq!(fm.summary.as_deref(), Some("How to."));
        assert_eq!(body, "Body here\n");
        assert_eq!(line, 10);
    }

    #[test]
    fn no_front_matter_is_fine() {
        let (fm, body, line) = split("# Title\ntext").expect("valid");
        assert_eq!(fm, FrontMatter::default());
        assert_eq!(body, "# Title\ntext");
        assert_eq!(line, 1);
    }

    #[test]
    fn tags_as_a_comma_separated_string() {
        let (fm, _, _) = split("---\ntags: sync, mobile\npermalink: sync\n---\n").expect("valid");
        assert_eq!(fm.tags, vec!["sync", "mobile"]);
        assert_eq!(fm.translation_key.as_deref(), Some("sync"));
    }

    #[test]
    fn broken_yaml_reports_its_line() {
        let err = split("---\ntitle: ok\ntags: [unclosed\n---\nbody").expect_err("broken");
        assert!(err.line >= 3, "line was {}", err.line);
        assert!(err.message.contains("YAML"));
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let err = split("---\ntitle: x\nbody").expect_err("unclosed");
        assert_eq!(err.line, 1);
    }

    #[test]
    fn non_mapping_front_matter_is_an_error() {
        assert!(split("---\n- a\n- b\n---\n").is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn words() -> impl Strategy<Value = String> {
            "[a-zA-Z0-9][a-zA-Z0-9 ?!'éü-]{0,20}[a-zA-Z0-9]".prop_map(|s| s.trim().to_string())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn arbitrary_text_never_panics(text in any::<String>()) {
                let _ = split(&text);
                let _ = split(&format!("---\n{text}"));
                let _ = split(&format!("---\n{text}\n---\nbody"));
            }

            /// YAML-ish lines in any order and shape: an error has a line
            /// inside the front matter, never a panic.
            #[test]
            fn yaml_like_lines_never_panic(
                lines in prop::collection::vec(
                    "(title|tags|pages|- |  |[a-z]{1,5}):? ?[a-zA-Z0-9 \\[\\]{},:'\"#&*!|>-]{0,20}",
                    0..10,
                ),
            ) {
                let src = format!("---\n{}\n---\nbody\n", lines.join("\n"));
                if let Err(e) = split(&src) {
                    prop_assert!(e.line >= 1 && e.line <= lines.len() + 2, "{:?}", e);
                }
            }

            /// What is written with a YAML serialiser is read back.
            #[test]
            fn serialised_front_matter_round_trips(
                title in words(),
                category in proptest::option::of(words()),
                tags in prop::collection::vec("[a-z0-9]{1,10}", 0..5),
                body in "[a-zA-Z0-9 #\n-]{0,100}",
            ) {
                let mut map = serde_yaml::Mapping::new();
                map.insert("title".into(), title.clone().into());
                if let Some(c) = &category {
                    map.insert("category".into(), c.clone().into());
                }
                map.insert(
                    "tags".into(),
                    Value::Sequence(tags.iter().map(|t| t.clone().into()).collect()),
                );
                map.insert("cssclasses".into(), "ignored".into());
                let yaml = serde_yaml::to_string(&map).expect("serialisable");
                let src = format!("---\n{yaml}---\n{body}");
                let (fm, got_body, line) = split(&src).expect("valid");
                prop_assert_eq!(fm.title, Some(title));
                prop_assert_eq!(fm.category, category);
                prop_assert_eq!(fm.tags, tags);
                prop_assert_eq!(got_body, body.as_str());
                prop_assert_eq!(line, 2 + yaml.lines().count() + 1);
            }
        }
    }
}
