//! A ticket's title made from what the user wrote: the first sentence, cut
//! at a word to about 80 characters, so lists stay scannable and the whole
//! text stays in the description.

/// The longest title made from a text, in characters (an ellipsis included).
pub const TITLE_CHARS: usize = 80;

/// The title for a ticket whose user wrote `text` (empty if it has no words).
pub fn title_from(text: &str) -> String {
    let first = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let sentence = first_sentence(&first);
    if sentence.chars().count() <= TITLE_CHARS {
        return sentence.to_string();
    }
    // Cut at the last space that leaves room for the ellipsis; a single
    // word longer than that is cut inside it.
    let room: String = sentence.chars().take(TITLE_CHARS - 1).collect();
    let cut = match room.rfind(' ') {
        Some(i) if i >= TITLE_CHARS / 3 => &room[..i],
        _ => room.as_str(),
    };
    let cut = cut.trim_end_matches([',', ';', ':', '-', '–', ' ']);
    format!("{cut}…")
}

/// Up to the first `.`, `!` or `?` that ends a sentence (followed by a space
/// and not inside a number such as "2.4" or an abbreviation such as "e.g.").
fn first_sentence(text: &str) -> &str {
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let next = bytes.get(i + 1).copied();
        if next != Some(b' ') {
            continue;
        }
        // "e.g. " or "i.e. ": a dot two characters back means an abbreviation.
        if c == '.' && i >= 2 && bytes[i - 2] == b'.' {
            continue;
        }
        // Too short to stand alone ("Hi! ...", "Hello. ..."): keep going.
        if text[..i].chars().count() < 12 {
            continue;
        }
        return &text[..=i];
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_text_is_its_own_title() {
        assert_eq!(title_from("Grade export is empty"), "Grade export is empty");
        assert_eq!(title_from("  spaced\n out  "), "spaced out");
        assert_eq!(title_from(""), "");
    }

    #[test]
    fn the_first_sentence_is_the_title() {
        assert_eq!(
            title_from(
                "The grade export is empty. I tried twice since Monday and nothing changed."
            ),
            "The grade export is empty."
        );
        assert_eq!(
            title_from("Why does version 2.4 crash on start? It worked in 2.3."),
            "Why does version 2.4 crash on start?"
        );
        assert_eq!(
            title_from("Exports fail for big files, e.g. the 2 GB one. Help"),
            "Exports fail for big files, e.g. the 2 GB one."
        );
        // A greeting alone is not a title.
        assert_eq!(
            title_from("Hi! My invoice is wrong."),
            "Hi! My invoice is wrong."
        );
    }

    #[test]
    fn a_long_sentence_is_cut_at_a_word() {
        let long = "when I try to upload the scanned copies of the signed contracts from our office the page keeps spinning forever and never finishes";
        let t = title_from(long);
        assert!(t.chars().count() <= TITLE_CHARS, "{t}");
        assert!(t.ends_with('…'), "{t}");
        let kept = t.trim_end_matches('…');
        assert!(long.starts_with(kept), "{t}");
        assert!(
            long[kept.len()..].starts_with(' '),
            "cut at a word boundary: {t}"
        );
    }

    #[test]
    fn one_endless_word_is_cut_inside_it() {
        let t = title_from(&"a".repeat(300));
        assert_eq!(t.chars().count(), TITLE_CHARS);
        assert!(t.ends_with('…'));
        let t = title_from(&"é".repeat(300));
        assert_eq!(t.chars().count(), TITLE_CHARS);
    }
}
