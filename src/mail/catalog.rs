//! The words of the emails, one catalog per language in
//! `templates/mail/<lang>.toml`, compiled into the binary so it needs no
//! files beside it. Translators edit those files; this module loads them,
//! fills their `{placeholders}` and picks plural forms. Which texts an email
//! shows, and in which order, is decided in [`super::notification`].

use std::collections::BTreeMap;
use std::sync::LazyLock;

/// A language the emails are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Lang {
    En,
    Fr,
    Ro,
}

impl Lang {
    pub(super) const ALL: [Lang; 3] = [Lang::En, Lang::Fr, Lang::Ro];

    /// `"fr"`, `"FR"`, `"fr-CA"` and `"fr_FR"` are French; anything that is
    /// not French or Romanian falls back to English.
    pub(super) fn parse(locale: &str) -> Lang {
        let primary = locale
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Lang::Fr,
            "ro" => Lang::Ro,
            _ => Lang::En,
        }
    }

    pub(super) fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Ro => "ro",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../../templates/mail/en.toml"),
            Lang::Fr => include_str!("../../templates/mail/fr.toml"),
            Lang::Ro => include_str!("../../templates/mail/ro.toml"),
        }
    }

    /// The plural form of a count, as named in the catalogs' `[hours]` and
    /// `[minutes]` (CLDR's names). Catalogs hold words; the rules that pick
    /// among them are grammar, so they stay here.
    pub(super) fn plural(self, n: i64) -> &'static str {
        match self {
            Lang::En if n == 1 => "one",
            Lang::En => "other",
            // French treats 0 and 1 as singular.
            Lang::Fr if n.unsigned_abs() <= 1 => "one",
            Lang::Fr => "other",
            // Romanian: 1 is singular; 0 and numbers ending in 01–19 take the
            // plural directly ("15 ore"); others take "de" ("24 de ore").
            Lang::Ro if n == 1 => "one",
            Lang::Ro if n == 0 || (1..=19).contains(&(n.unsigned_abs() % 100)) => "few",
            Lang::Ro => "other",
        }
    }
}

/// Why an email could not be written. Catalogs are embedded and tested, so
/// each of these is a bug; the caller falls back to English or gives up on
/// the message, it never panics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum TextError {
    #[error("templates/mail/{0}.toml does not parse: {1}")]
    Parse(&'static str, String),
    #[error("templates/mail/{0}.toml has no text `{1}`")]
    Missing(&'static str, String),
    #[error("templates/mail/{0}.toml, `{1}`: {2}")]
    Placeholder(&'static str, String, String),
    #[error("the email layout does not render: {0}")]
    Layout(String),
}

/// One language's texts, keyed `section.key` (`ticket_created.subject`).
pub(super) struct Catalog {
    lang: Lang,
    texts: BTreeMap<String, String>,
}

impl Catalog {
    fn parse(lang: Lang) -> Result<Catalog, TextError> {
        let parse_error = |e: String| TextError::Parse(lang.code(), e);
        let table: toml::Table =
            toml::from_str(lang.source()).map_err(|e| parse_error(e.to_string()))?;
        let mut texts = BTreeMap::new();
        flatten("", &table, &mut texts).map_err(parse_error)?;
        Ok(Catalog { lang, texts })
    }

    /// Every key, for the tests that compare catalogs.
    #[cfg(test)]
    pub(super) fn keys(&self) -> impl Iterator<Item = &str> {
        self.texts.keys().map(String::as_str)
    }
}

fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    for (key, value) in table {
        let key = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(text) => {
                out.insert(key, text.clone());
            }
            toml::Value::Table(inner) => flatten(&key, inner, out)?,
            _ => return Err(format!("`{key}` is not text (put it in quotes)")),
        }
    }
    Ok(())
}

static CATALOGS: LazyLock<[Result<Catalog, TextError>; 3]> =
    LazyLock::new(|| Lang::ALL.map(Catalog::parse));

pub(super) fn catalog(lang: Lang) -> Result<&'static Catalog, TextError> {
    // `Lang::ALL` lists the languages in declaration order.
    CATALOGS[lang as usize].as_ref().map_err(Clone::clone)
}

/// The texts of one email: a catalog, the values its placeholders may use,
/// and the keys looked up so far (the tests check that none is left unused).
pub(super) struct Texts {
    catalog: &'static Catalog,
    args: Vec<(&'static str, String)>,
    pub(super) used: Vec<String>,
}

impl Texts {
    /// `product` fills `{product}`, which every text may use.
    pub(super) fn new(lang: Lang, product: &str) -> Result<Texts, TextError> {
        Ok(Texts {
            catalog: catalog(lang)?,
            args: vec![("product", product.to_owned())],
            used: Vec::new(),
        })
    }

    /// Gives `{name}` a value for the texts looked up from now on. Values
    /// must already be cleaned: they are copied as they are.
    pub(super) fn set(&mut self, name: &'static str, value: impl Into<String>) {
        let value = value.into();
        match self.args.iter_mut().find(|(n, _)| *n == name) {
            Some(arg) => arg.1 = value,
            None => self.args.push((name, value)),
        }
    }

    /// The text of `key` as written, placeholders unfilled.
    pub(super) fn raw(&mut self, key: &str) -> Result<&'static str, TextError> {
        self.used.push(key.to_owned());
        self.catalog
            .texts
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| TextError::Missing(self.catalog.lang.code(), key.to_owned()))
    }

    /// The text of `key` with its placeholders filled.
    pub(super) fn text(&mut self, key: &str) -> Result<String, TextError> {
        self.text_with(key, &[])
    }

    /// Like [`Texts::text`], with `extra` values taking precedence (a
    /// subject's shortened summary).
    pub(super) fn text_with(
        &mut self,
        key: &str,
        extra: &[(&str, &str)],
    ) -> Result<String, TextError> {
        let template = self.raw(key)?;
        let value = |name: &str| {
            extra
                .iter()
                .map(|(n, v)| (*n, *v))
                .chain(self.args.iter().map(|(n, v)| (*n, v.as_str())))
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v)
        };
        fill(template, value).map_err(|problem| {
            TextError::Placeholder(self.catalog.lang.code(), key.to_owned(), problem)
        })
    }

    /// `n` with its unit in the right plural form: `count("hours", 72)` is
    /// the `hours.other` text with `{n}` = 72 in English.
    pub(super) fn count(&mut self, unit: &str, n: i64) -> Result<String, TextError> {
        let key = format!("{unit}.{}", self.catalog.lang.plural(n));
        self.text_with(&key, &[("n", &n.to_string())])
    }
}

/// Replaces each `{name}` in `template` by `value(name)`. An unknown name or
/// a lone brace is an error rather than text left in an email, so a typo in
/// a catalog fails the tests. Values are not scanned again.
fn fill<'v>(template: &str, value: impl Fn(&str) -> Option<&'v str>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        if rest[at..].starts_with('}') {
            return Err("a `}` without `{`".into());
        }
        let after = &rest[at + 1..];
        let end = after.find('}').ok_or("a `{` without `}`")?;
        let name = &after[..end];
        out.push_str(value(name).ok_or_else(|| format!("unknown placeholder {{{name}}}"))?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(name: &str) -> Option<&'static str> {
        match name {
            "a" => Some("1"),
            "b" => Some("{a}"),
            _ => None,
        }
    }

    #[test]
    fn fill_replaces_known_names_and_refuses_the_rest() {
        assert_eq!(fill("x {a} y {b}", args).as_deref(), Ok("x 1 y {a}"));
        assert_eq!(fill("no braces", args).as_deref(), Ok("no braces"));
        assert!(fill("{c}", args).is_err_and(|e| e.contains("{c}")));
        assert!(fill("{a", args).is_err());
        assert!(fill("a}", args).is_err());
        assert!(fill("{{a}}", args).is_err());
    }

    #[test]
    fn plural_rules() {
        let forms = |lang: Lang| [-1, 0, 1, 2, 19, 20, 101, 120].map(|n| lang.plural(n));
        assert_eq!(
            forms(Lang::En),
            [
                "other", "other", "one", "other", "other", "other", "other", "other"
            ]
        );
        assert_eq!(
            forms(Lang::Fr),
            [
                "one", "one", "one", "other", "other", "other", "other", "other"
            ]
        );
        assert_eq!(
            forms(Lang::Ro),
            ["few", "few", "one", "few", "few", "other", "few", "other"]
        );
    }

    #[test]
    fn every_catalog_parses() {
        for lang in Lang::ALL {
            if let Err(e) = catalog(lang) {
                panic!("{e}");
            }
        }
    }
}
