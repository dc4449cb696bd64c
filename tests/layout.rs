//! The crate's layout as a rule: every module belongs to one layer, and
//! imports go to its own layer or below, never up; and no module imports
//! itself through others (no circle). Read from the source's `crate::`
//! paths, the way a reader follows them; test modules (`#[cfg(test)] mod
//! tests`, which close each file) and `test_support` are left out, since
//! tests may reach anywhere. ARCHITECTURE.md explains the layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// From the bottom up. A module is in the layer of the longest prefix
/// listed here; a module no prefix matches is an error, so a new area must
/// be placed.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "values",
        &[
            "locale",
            "ids",
            "tickets::fields",
            "tickets::status",
            "tickets::timing",
            "tickets::title",
            "progress",
            "metrics",
            "accounts::role",
            "accounts::email",
        ],
    ),
    ("store", &["store"]),
    ("help", &["help"]),
    ("mail", &["mail"]),
    ("webhooks", &["webhooks"]),
    ("accounts", &["accounts"]),
    ("operators", &["operators"]),
    ("tickets", &["tickets"]),
    ("live", &["live"]),
    ("reports", &["reports"]),
    ("config", &["config"]),
    ("http", &["http"]),
    ("app", &["app"]),
    ("tools", &["tools"]),
    ("main", &["main"]),
];

/// The module path of a file under `src/` (`help/bot/mod.rs` → `help::bot`).
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
        parts.pop();
    }
    parts.join("::")
}

fn layer_of(module: &str) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, (_, prefixes)) in LAYERS.iter().enumerate() {
        for p in *prefixes {
            let matches = module == *p || module.starts_with(&format!("{p}::"));
            if matches && best.is_none_or(|(len, _)| p.len() > len) {
                best = Some((p.len(), i));
            }
        }
    }
    best.map(|(_, i)| i)
}

/// The code a module runs, without comments and without its test module.
fn code(text: &str) -> String {
    let end = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    text[..end]
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path named after `root::` (`crate::` or, in `main.rs`,
/// `frontdesk::`), with `{a, b::c}` groups expanded.
fn paths(code: &str, root: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(root) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + root.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        expand("", rest, &mut out);
    }
    out
}

/// Reads one path (and its group, if any) at the start of `s`.
fn expand(prefix: &str, s: &str, out: &mut Vec<String>) {
    let ident: String = s
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    let path = format!("{prefix}{ident}");
    let after = &s[ident.len()..];
    if ident.ends_with("::") && after.starts_with('{') {
        let mut depth = 0;
        let mut item_start = 1;
        for (i, c) in after.char_indices() {
            match c {
                '{' => depth += 1,
                '}' | ',' if depth == 1 => {
                    let item = after[item_start..i].trim();
                    if item == "self" {
                        out.push(path.trim_end_matches("::").to_string());
                    } else if !item.is_empty() {
                        expand(&path, item, out);
                    }
                    item_start = i + 1;
                    if c == '}' {
                        return;
                    }
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
    } else {
        out.push(path.trim_end_matches("::").to_string());
    }
}

/// The module a path names: its longest prefix that is a module.
fn target(path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let segments: Vec<&str> = path.split("::").collect();
    (1..=segments.len())
        .rev()
        .map(|n| segments[..n].join("::"))
        .find(|m| modules.contains(m))
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// module → the modules it imports.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut texts = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&src).expect("under src");
        let module = module_of(rel);
        if module.is_empty() || module == "test_support" {
            continue;
        }
        let text = std::fs::read_to_string(f).expect("read");
        texts.insert(module, text);
    }
    let modules: BTreeSet<String> = texts.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (module, text) in &texts {
        let root = if module == "main" {
            "frontdesk::"
        } else {
            "crate::"
        };
        let to: BTreeSet<String> = paths(&code(text), root)
            .iter()
            .filter_map(|p| target(p, &modules))
            .filter(|t| t != module)
            .collect();
        graph.insert(module.clone(), to);
    }
    graph
}

#[test]
fn every_module_has_a_layer_and_imports_only_its_own_or_lower_ones() {
    let graph = imports();
    assert!(graph.len() > 50, "the source was not read: {graph:?}");
    let mut wrong = Vec::new();
    for (from, tos) in &graph {
        let Some(lf) = layer_of(from) else {
            wrong.push(format!("{from} is in no layer (add it to LAYERS)"));
            continue;
        };
        for to in tos {
            let lt = layer_of(to).unwrap_or(usize::MAX);
            if lt > lf {
                wrong.push(format!(
                    "{from} ({}) imports {to} ({}), a higher layer",
                    LAYERS[lf].0,
                    LAYERS.get(lt).map_or("none", |l| l.0)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn no_module_imports_itself_through_others() {
    let graph = imports();
    // Depth-first search; a module met again while still on the path
    // closes a circle.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        circles: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|p| *p == m) {
            circles.push(format!("{} -> {m}", path[at..].join(" -> ")));
            return;
        }
        if !done.insert(m) {
            return;
        }
        path.push(m);
        for to in graph.get(m).into_iter().flatten() {
            visit(to, graph, path, done, circles);
        }
        path.pop();
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(circles.is_empty(), "\n{}", circles.join("\n"));
}

#[test]
fn the_reader_sees_imports_as_written() {
    // The parser itself: a group, a nested path, `self`, and a name that
    // only ends in the root word.
    let found = paths(
        "use crate::a::{b, c::d, self};\nlet x = crate::e::f(1); mycrate::g;",
        "crate::",
    );
    assert_eq!(found, ["a::b", "a::c::d", "a", "e::f"]);
    let modules: BTreeSet<String> = ["a", "a::c", "e"].map(String::from).into();
    assert_eq!(target("a::c::d", &modules).as_deref(), Some("a::c"));
    assert_eq!(target("e::f", &modules).as_deref(), Some("e"));
    assert_eq!(layer_of("tickets::status"), Some(0));
    assert_eq!(layer_of("tickets::workflow"), layer_of("tickets"));
    assert_eq!(layer_of("nowhere"), None);
}
