//! Locales: parsing language codes at the edge, negotiating from `Accept-Language`,
//! and guessing the language of a question when the caller does not say.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tantivy::tokenizer::Language;

/// A language the help center can hold articles in. Each one has a stemmer,
/// which is why the list is closed: an article or question in an unknown
/// language could not be searched properly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Locale {
    En,
    Fr,
    Ro,
    De,
    Es,
    It,
    Pt,
    Nl,
    Sv,
    Da,
    No,
    Fi,
}

/// The fallback language: articles and answers default to it.
pub const DEFAULT_LOCALE: Locale = Locale::En;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown locale `{0}` (expected a language code such as en, fr or ro)")]
pub struct UnknownLocale(pub String);

impl Locale {
    pub const ALL: [Locale; 12] = [
        Locale::En,
        Locale::Fr,
        Locale::Ro,
        Locale::De,
        Locale::Es,
        Locale::It,
        Locale::Pt,
        Locale::Nl,
        Locale::Sv,
        Locale::Da,
        Locale::No,
        Locale::Fi,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::Ro => "ro",
            Locale::De => "de",
            Locale::Es => "es",
            Locale::It => "it",
            Locale::Pt => "pt",
            Locale::Nl => "nl",
            Locale::Sv => "sv",
            Locale::Da => "da",
            Locale::No => "no",
            Locale::Fi => "fi",
        }
    }

    /// The language's own name, for the language switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Fr => "Français",
            Locale::Ro => "Română",
            Locale::De => "Deutsch",
            Locale::Es => "Español",
            Locale::It => "Italiano",
            Locale::Pt => "Português",
            Locale::Nl => "Nederlands",
            Locale::Sv => "Svenska",
            Locale::Da => "Dansk",
            Locale::No => "Norsk",
            Locale::Fi => "Suomi",
        }
    }

    pub fn stemmer_language(self) -> Language {
        match self {
            Locale::En => Language::English,
            Locale::Fr => Language::French,
            Locale::Ro => Language::Romanian,
            Locale::De => Language::German,
            Locale::Es => Language::Spanish,
            Locale::It => Language::Italian,
            Locale::Pt => Language::Portuguese,
            Locale::Nl => Language::Dutch,
            Locale::Sv => Language::Swedish,
            Locale::Da => Language::Danish,
            Locale::No => Language::Norwegian,
            Locale::Fi => Language::Finnish,
        }
    }

    /// Parses `fr`, `FR`, `fr-CA` or `fr_CA` (the region is ignored).
    pub fn parse(raw: &str) -> Result<Locale, UnknownLocale> {
        let primary = raw
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Locale::ALL
            .into_iter()
            .find(|l| l.code() == primary)
            .ok_or_else(|| UnknownLocale(raw.trim().to_string()))
    }

    /// Picks the best of `available` for an `Accept-Language` header value,
    /// honouring q-values; `None` when nothing matches.
    pub fn negotiate(header: &str, available: &[Locale]) -> Option<Locale> {
        let mut ranked: Vec<(f32, usize, Locale)> = header
            .split(',')
            .enumerate()
            .filter_map(|(pos, part)| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                let locale = Locale::parse(tag).ok()?;
                (q > 0.0 && available.contains(&locale)).then_some((q, pos, locale))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map(|r| r.2)
    }

    /// Guesses the language of a short text from its function words, among
    /// `candidates`. Returns `None` when the text gives no clear signal, so
    /// the caller can fall back to the page's or the default locale.
    pub fn detect(text: &str, candidates: &[Locale]) -> Option<Locale> {
        let lower = text.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .filter(|w| !w.is_empty())
            .collect();
        let mut best: Option<(usize, Locale)> = None;
        let mut second = 0;
        for &locale in candidates {
            let markers = function_words(locale);
            let mut hits = words.iter().filter(|w| markers.contains(w)).count();
            // Diacritics are a strong hint on short questions.
            hits += lower
                .chars()
                .filter(|c| diacritic_hint(*c) == Some(locale))
                .count();
            match best {
                Some((b, _)) if hits <= b => second = second.max(hits),
                _ => {
                    second = best.map(|b| b.0).unwrap_or(0);
                    best = Some((hits, locale));
                }
            }
        }
        best.filter(|(hits, _)| *hits > 0 && *hits > second)
            .map(|(_, l)| l)
    }
}

fn diacritic_hint(c: char) -> Option<Locale> {
    match c {
        'ș' | 'ş' | 'ț' | 'ţ' | 'ă' => Some(Locale::Ro),
        'ç' | 'è' | 'ê' | 'à' | 'ù' | 'œ' => Some(Locale::Fr),
        'ß' | 'ü' => Some(Locale::De),
        'ñ' => Some(Locale::Es),
        _ => None,
    }
}

fn function_words(locale: Locale) -> &'static [&'static str] {
    match locale {
        Locale::En => &[
            "the", "how", "what", "my", "is", "do", "i", "to", "can", "and", "of", "why", "where",
            "it", "you", "a", "in", "when", "does", "with",
        ],
        Locale::Fr => &[
            "le", "la", "les", "comment", "mon", "ma", "mes", "je", "est", "pourquoi", "une",
            "des", "du", "pour", "avec", "ne", "pas", "que", "quoi", "dans", "sur", "et", "où",
            "c'est", "j'ai", "puis", "bonjour", "merci", "salut", "bonsoir",
        ],
        Locale::Ro => &[
            "cum",
            "este",
            "nu",
            "pot",
            "de",
            "la",
            "și",
            "si",
            "meu",
            "mea",
            "unde",
            "ce",
            "care",
            "în",
            "sa",
            "să",
            "am",
            "un",
            "o",
            "pentru",
            "cu",
            "mi",
            "se",
            "parola",
            "tichet",
            "bună",
            "mulțumesc",
            "multumesc",
            "mersi",
        ],
        Locale::De => &[
            "wie", "ich", "der", "die", "das", "ist", "nicht", "mein", "und", "warum", "kann",
        ],
        Locale::Es => &[
            "cómo", "como", "el", "los", "mi", "es", "por", "qué", "que", "puedo", "una", "del",
        ],
        Locale::It => &[
            "come", "il", "gli", "mio", "non", "perché", "posso", "una", "della", "che",
        ],
        Locale::Pt => &[
            "como", "o", "os", "meu", "não", "por", "que", "posso", "uma", "da", "do",
        ],
        Locale::Nl => &[
            "hoe", "de", "het", "mijn", "niet", "ik", "waarom", "kan", "een",
        ],
        Locale::Sv => &[
            "hur", "jag", "min", "inte", "varför", "kan", "en", "och", "det",
        ],
        Locale::Da => &[
            "hvordan", "jeg", "min", "ikke", "hvorfor", "kan", "en", "og", "det",
        ],
        Locale::No => &[
            "hvordan", "jeg", "min", "ikke", "hvorfor", "kan", "en", "og", "det",
        ],
        Locale::Fi => &["miten", "minä", "minun", "ei", "miksi", "voin", "ja", "on"],
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Locale {
    type Err = UnknownLocale;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Locale::parse(s)
    }
}

impl TryFrom<String> for Locale {
    type Error = UnknownLocale;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Locale::parse(&s)
    }
}

impl From<Locale> for String {
    fn from(l: Locale) -> String {
        l.code().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_with_regions_and_case() {
        assert_eq!(Locale::parse("fr"), Ok(Locale::Fr));
        assert_eq!(Locale::parse("FR-ca"), Ok(Locale::Fr));
        assert_eq!(Locale::parse("ro_RO"), Ok(Locale::Ro));
        assert!(Locale::parse("xx").is_err());
        assert!(Locale::parse("").is_err());
    }

    #[test]
    fn negotiates_accept_language_by_quality() {
        let have = [Locale::En, Locale::Fr, Locale::Ro];
        assert_eq!(
            Locale::negotiate("de-DE,ro;q=0.8,en;q=0.5", &have),
            Some(Locale::Ro)
        );
        assert_eq!(Locale::negotiate("fr-FR, en", &have), Some(Locale::Fr));
        assert_eq!(Locale::negotiate("de, ja", &have), None);
        assert_eq!(
            Locale::negotiate("fr;q=0, en;q=0.1", &have),
            Some(Locale::En)
        );
    }

    #[test]
    fn detects_the_language_of_questions() {
        let c = [Locale::En, Locale::Fr, Locale::Ro];
        assert_eq!(
            Locale::detect("comment je crée un ticket ?", &c),
            Some(Locale::Fr)
        );
        assert_eq!(
            Locale::detect("cum îmi resetez parola?", &c),
            Some(Locale::Ro)
        );
        assert_eq!(
            Locale::detect("how do I attach a file", &c),
            Some(Locale::En)
        );
        assert_eq!(Locale::detect("ticket", &c), None);
    }
}
