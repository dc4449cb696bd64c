//! Text analysis per locale: the same tokenizer chain is used to index the
//! sections and to read a question, so their terms always line up.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter,
    TextAnalyzer, TokenStream,
};

use crate::locale::Locale;

/// Name under which a locale's analyzer is registered in the index.
pub fn analyzer_name(locale: Locale) -> String {
    format!("fd_{}", locale.code())
}

/// Lowercase, drop stop words, stem, then fold accents (after stemming, as
/// the stemmers expect accented input; folding lets `parola` find `parolă`).
pub fn build(locale: Locale) -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .dynamic();
    let builder = match stop_words(locale) {
        Some(filter) => builder.filter_dynamic(filter),
        None => builder,
    };
    builder
        .filter_dynamic(Stemmer::new(locale.stemmer_language()))
        .filter_dynamic(AsciiFoldingFilter)
        .build()
}

fn stop_words(locale: Locale) -> Option<StopWordFilter> {
    match locale {
        // tantivy ships no Romanian list, and its English one (Lucene's) is
        // too short for questions ("how do I…").
        Locale::Ro => Some(StopWordFilter::remove(
            ROMANIAN_STOP_WORDS.iter().map(|w| w.to_string()),
        )),
        Locale::En => Some(StopWordFilter::remove(
            ENGLISH_STOP_WORDS.iter().map(|w| w.to_string()),
        )),
        other => StopWordFilter::new(other.stemmer_language()),
    }
}

/// Runs `text` through `analyzer` and returns its terms in order.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// The Snowball English list, less the words that carry meaning in
/// support questions (negations, "off", "again", "before", "after").
const ENGLISH_STOP_WORDS: &[&str] = &[
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "would",
    "should",
    "could",
    "ought",
    "i'm",
    "you're",
    "he's",
    "she's",
    "it's",
    "we're",
    "they're",
    "i've",
    "you've",
    "we've",
    "they've",
    "i'd",
    "you'd",
    "he'd",
    "she'd",
    "we'd",
    "they'd",
    "i'll",
    "you'll",
    "he'll",
    "she'll",
    "we'll",
    "they'll",
    "let's",
    "that's",
    "who's",
    "what's",
    "here's",
    "there's",
    "when's",
    "where's",
    "why's",
    "how's",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "between",
    "into",
    "through",
    "during",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "on",
    "over",
    "under",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "s",
    "t",
    "can",
    "will",
    "just",
    "don",
    "now",
    "m",
    "ll",
    "ve",
    "re",
    "d",
];

const ROMANIAN_STOP_WORDS: &[&str] = &[
    "a", "acea", "aceasta", "această", "acel", "acest", "acesta", "acum", "ai", "al", "ale", "am",
    "ar", "are", "as", "aș", "au", "care", "ce", "cu", "cum", "da", "dacă", "daca", "de", "din",
    "după", "e", "ea", "el", "este", "eu", "fi", "fie", "în", "in", "la", "le", "lui", "mai", "mă",
    "ma", "meu", "mea", "mi", "mie", "mult", "ne", "nici", "nu", "o", "ori", "pe", "pentru",
    "poate", "pot", "prin", "sa", "să", "se", "si", "și", "sunt", "te", "tu", "un", "una", "unde",
    "unei", "unui", "va", "vă", "voi", "îmi", "imi", "îl", "il", "ți", "ti",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_stems_and_drops_stop_words() {
        let mut a = build(Locale::En);
        assert_eq!(
            terms(&mut a, "How do I attach the files?"),
            vec!["attach", "file"]
        );
    }

    #[test]
    fn french_stems_and_folds_accents() {
        let mut a = build(Locale::Fr);
        let t = terms(&mut a, "Créer les tickets");
        assert_eq!(t, vec!["cre", "ticket"]);
        assert_eq!(terms(&mut a, "créé"), terms(&mut a, "cree"));
    }

    #[test]
    fn romanian_has_stop_words_and_stemming() {
        let mut a = build(Locale::Ro);
        let with = terms(&mut a, "Cum îmi resetez parola?");
        assert!(!with.iter().any(|t| t == "cum"), "{with:?}");
        assert_eq!(terms(&mut a, "parolă"), terms(&mut a, "parola"));
    }
}
