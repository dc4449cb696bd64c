//! Takes personal data out of text that is about to become a public
//! help-center article: email addresses, the names of the people in the
//! ticket, the names after a greeting or a thank-you, numbers long enough
//! to be a phone, order, account or card number, ticket references, and
//! the greeting and sign-off lines of a reply. What is removed is replaced
//! by a visible marker so that the admin editing the draft sees the gap.

pub const EMAIL: &str = "[email]";
pub const NAME: &str = "[name]";
pub const NUMBER: &str = "[number]";

/// A run with this many digits or more is personal (a phone, an order,
/// an account, a card); shorter ones are sizes, versions and counts.
const PERSONAL_DIGITS: usize = 4;

/// Words that open a greeting line (dropped) and that a name follows.
const GREETINGS: &[&str] = &[
    "hi", "hello", "hey", "dear", "bonjour", "salut", "bonsoir", "buna", "bună", "salutare",
];
/// Words after which a capitalised word is a name ("Thanks Marie!").
const NAME_BEFORE: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "dear",
    "thanks",
    "thank",
    "bonjour",
    "salut",
    "merci",
    "buna",
    "bună",
    "mulțumesc",
    "multumesc",
    "mr",
    "mrs",
    "ms",
    "madame",
    "monsieur",
    "doamna",
    "domnul",
];
/// Lines that close a reply; they and what follows them are dropped.
const SIGN_OFFS: &[&str] = &[
    "best",
    "best regards",
    "kind regards",
    "regards",
    "cheers",
    "thanks",
    "thank you",
    "many thanks",
    "cordialement",
    "bien cordialement",
    "bien à vous",
    "merci",
    "cu stimă",
    "cu stima",
    "mulțumesc",
    "multumesc",
    "o zi bună",
];

/// The text without personal data. `names` are the people known to be in
/// the conversation (full names; each part of two letters or more is
/// removed on its own too).
pub fn redact(text: &str, names: &[String]) -> String {
    let lines = drop_greeting_and_sign_off(text);
    let joined = lines.join("\n");
    let words = redact_words(&joined, names);
    redact_numbers(&words).trim().to_string()
}

fn first_word(line: &str) -> String {
    line.split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .to_lowercase()
}

fn word_count(line: &str) -> usize {
    line.split_whitespace().count()
}

/// Drops a short opening greeting line and a short closing sign-off with
/// the lines after it (a signature).
fn drop_greeting_and_sign_off(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().collect();
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    if let Some(first) = lines.first()
        && word_count(first) <= 4
        && GREETINGS.contains(&first_word(first).as_str())
    {
        lines.remove(0);
    }
    // A sign-off within the last four non-empty lines.
    let non_empty: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].trim().is_empty())
        .collect();
    let tail = non_empty.len().saturating_sub(4);
    for &i in &non_empty[tail..] {
        let l = lines[i]
            .trim()
            .trim_end_matches([',', '!', '.', ' '])
            .to_lowercase();
        let starts_with_sign_off = SIGN_OFFS
            .iter()
            .any(|s| l == *s || (l.starts_with(s) && word_count(&l) <= s.split(' ').count() + 2));
        if starts_with_sign_off && i > 0 {
            lines.truncate(i);
            break;
        }
    }
    lines
}

/// The parts of the known names worth matching on their own.
fn name_parts(names: &[String]) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for n in names {
        for p in n.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-') {
            let p = p.trim_matches(['\'', '-']);
            if p.chars().count() >= 2 && p.chars().any(char::is_alphabetic) {
                parts.push(p.to_lowercase());
            }
        }
    }
    parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
    parts.dedup();
    parts
}

fn is_email(word: &str) -> bool {
    match word.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    }
}

/// Emails, known names and the names after greetings, word by word
/// (the text between words is kept as it was).
fn redact_words(text: &str, names: &[String]) -> String {
    let parts = name_parts(names);
    let mut out = String::with_capacity(text.len());
    let mut previous: Option<String> = None;
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        if rest.is_empty() {
            break;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let token = &rest[..end];
        rest = &rest[end..];
        // The word without the punctuation around it.
        let core_start = token
            .find(|c: char| c.is_alphanumeric())
            .unwrap_or(token.len());
        let core_end = token
            .rfind(|c: char| c.is_alphanumeric())
            .map_or(core_start, |i| {
                i + token[i..].chars().next().map_or(1, char::len_utf8)
            });
        let (lead, core, trail) = (
            &token[..core_start],
            &token[core_start..core_end.max(core_start)],
            &token[core_end.max(core_start)..],
        );
        if is_email(core) {
            out.push_str(lead);
            out.push_str(EMAIL);
            out.push_str(trail);
            previous = None;
            continue;
        }
        let lower = core.to_lowercase();
        let known = !lower.is_empty() && parts.contains(&lower);
        let after_greeting = previous
            .as_deref()
            .is_some_and(|p| NAME_BEFORE.contains(&p))
            && core.chars().next().is_some_and(char::is_uppercase)
            && core.chars().skip(1).all(|c| c.is_lowercase() || c == '-');
        let mixed_number = core.chars().filter(char::is_ascii_digit).count() >= PERSONAL_DIGITS
            && core.chars().any(char::is_alphabetic);
        if mixed_number {
            // An order or invoice number with letters in it ("INV20240042").
            out.push_str(lead);
            out.push_str(NUMBER);
            out.push_str(trail);
            previous = None;
            continue;
        }
        if known || after_greeting {
            let spaced = out.trim_end_matches(' ');
            if lead.is_empty() && spaced.len() < out.len() && spaced.ends_with(NAME) {
                // "Alice Martin" → one marker, not two.
                out.truncate(spaced.len());
            } else {
                out.push_str(lead);
                out.push_str(NAME);
            }
            out.push_str(trail);
            previous = Some(lower);
            continue;
        }
        out.push_str(token);
        previous = (!lower.is_empty()).then_some(lower);
    }
    out
}

/// Runs of digits (with the separators phone and card numbers use) of
/// `PERSONAL_DIGITS` digits or more, and `#12`-style references.
fn redact_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts_run = c.is_ascii_digit()
            || (c == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
            || (c == '#' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        let glued = i > 0 && chars[i - 1].is_alphanumeric();
        if !starts_run || glued {
            out.push(c);
            i += 1;
            continue;
        }
        // The run: digits, and single separators between digits.
        let mut j = i + 1;
        let mut digits = usize::from(c.is_ascii_digit());
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                digits += 1;
                j += 1;
            } else if matches!(chars[j], ' ' | '-' | '.' | '/' | '(' | ')')
                && chars.get(j + 1).is_some_and(char::is_ascii_digit)
            {
                j += 1;
            } else {
                break;
            }
        }
        let followed_by_letter = chars.get(j).is_some_and(|c| c.is_alphabetic());
        if (digits >= PERSONAL_DIGITS || c == '#') && !followed_by_letter {
            out.push_str(NUMBER);
        } else {
            out.extend(&chars[i..j]);
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["Alice Martin".into(), "Bogdan Ionescu".into()]
    }

    #[test]
    fn emails_names_and_numbers_are_removed() {
        let text = "Hi Alice,\n\nI checked order 4711-2208 for alice.martin@example.com: \
                    Bogdan reset it. Call +40 722 123 456 or see ticket #12.\n\nBest regards,\nBogdan Ionescu\nSupport team";
        let out = redact(text, &names());
        assert!(!out.contains("Alice"), "{out}");
        assert!(!out.contains("Bogdan"), "{out}");
        assert!(!out.contains("Ionescu"), "{out}");
        assert!(!out.contains("alice.martin"), "{out}");
        assert!(!out.contains("4711"), "{out}");
        assert!(!out.contains("722"), "{out}");
        assert!(!out.contains("#12"), "{out}");
        assert!(!out.contains("Support team"), "{out}");
        assert!(!out.to_lowercase().contains("regards"), "{out}");
        assert_eq!(
            out,
            "I checked order [number] for [email]: [name] reset it. Call [number] or see ticket [number]."
        );
    }

    #[test]
    fn sizes_versions_and_steps_stay() {
        let text =
            "Files up to 20 MB are accepted since version 2.3. Step 1: open Settings, then step 2.";
        assert_eq!(redact(text, &names()), text);
    }

    #[test]
    fn a_name_after_thanks_goes_even_when_unknown() {
        let out = redact("Open Settings first. Thanks Marie, that helps.", &[]);
        assert_eq!(out, "Open Settings first. Thanks [name], that helps.");
    }

    #[test]
    fn a_full_name_becomes_one_marker() {
        let out = redact("Ask Alice Martin about it.", &names());
        assert_eq!(out, "Ask [name] about it.");
    }

    #[test]
    fn words_that_only_contain_a_name_stay() {
        // "Ali" is a part of no word here; "Alicette" is not "Alice".
        let out = redact("Alicette configured the exam.", &names());
        assert_eq!(out, "Alicette configured the exam.");
    }

    #[test]
    fn french_and_romanian_greetings_and_sign_offs() {
        let out = redact(
            "Bonjour Claire,\nOuvrez les paramètres.\nCordialement,\nJean",
            &[],
        );
        assert_eq!(out, "Ouvrez les paramètres.");
        let out = redact("Bună ziua,\nDeschideți setările.\nCu stimă,\nIon", &[]);
        assert_eq!(out, "Deschideți setările.");
    }

    #[test]
    fn numbers_with_letters_go_too() {
        let out = redact("Invoice INV20240042 and order A-12345 were refunded.", &[]);
        assert_eq!(out, "Invoice [number] and order [number] were refunded.");
    }

    #[test]
    fn arbitrary_text_never_panics() {
        for t in [
            "", "#", "+", "@", "a@b", "ü@ü.ü", "Hi", "Thanks", "1", "é#1é", "[name] ",
        ] {
            let _ = redact(t, &names());
        }
    }
}
