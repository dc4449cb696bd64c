//! URL slugs and heading anchors, shared by chunking (anchors in sources)
//! and rendering (ids on headings) so the two always agree.

/// Lowercase ASCII slug: `Créer un ticket` → `creer-un-ticket`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let mapped = fold_accent(c);
        if mapped.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(mapped);
        } else if c.is_alphanumeric() {
            // A letter outside Latin (e.g. Cyrillic) is kept as is: URLs carry it encoded.
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
    }
    out
}

/// Folds the accented Latin letters of the supported languages to ASCII.
pub fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ă' => 'a',
        'ç' | 'č' | 'ć' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ę' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ș' | 'ş' | 'š' | 'ś' => 's',
        'ț' | 'ţ' => 't',
        'ž' | 'ź' | 'ż' => 'z',
        'ł' => 'l',
        'æ' => 'a',
        'œ' => 'o',
        'ß' => 's',
        other => other,
    }
}

/// Gives each heading of one article a unique anchor, in document order.
#[derive(Default)]
pub struct AnchorSet {
    seen: std::collections::HashMap<String, usize>,
}

impl AnchorSet {
    pub fn anchor_for(&mut self, heading: &str) -> String {
        let base = match slugify(heading) {
            s if s.is_empty() => "section".to_string(),
            s => s,
        };
        let count = self.seen.entry(base.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            base
        } else {
            format!("{base}-{count}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_fold_accents_and_punctuation() {
        assert_eq!(slugify("Créer un ticket"), "creer-un-ticket");
        assert_eq!(
            slugify("  Obsidian Sync / Set up!  "),
            "obsidian-sync-set-up"
        );
        assert_eq!(slugify("Resetează parola"), "reseteaza-parola");
        assert_eq!(slugify("???"), "");
    }

    #[test]
    fn repeated_headings_get_distinct_anchors() {
        let mut a = AnchorSet::default();
        assert_eq!(a.anchor_for("Steps"), "steps");
        assert_eq!(a.anchor_for("Steps"), "steps-2");
        assert_eq!(a.anchor_for("!!"), "section");
    }
}
