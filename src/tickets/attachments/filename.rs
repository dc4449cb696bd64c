//! File name sanitising: the name a user sent is only a label, never a
//! path, and must show the extension that was actually checked.

use unicode_normalization::UnicodeNormalization;

use super::{AttachmentError, Policy};

/// Longest cleaned name, in characters, extension included.
pub const MAX_NAME_CHARS: usize = 150;

/// Longest extension quoted back in an error message.
const MAX_EXT_SHOWN: usize = 20;

/// Active content a browser would run; refused whatever the policy says.
const FORBIDDEN: &[&str] = &[
    "svg", "svgz", "html", "htm", "xhtml", "xht", "mht", "mhtml", "shtml",
];

/// A sanitised file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanName {
    /// The whole name, e.g. "invoice_2024.pdf".
    pub full: String,
    /// The lowercase extension without the dot, e.g. "pdf".
    pub ext: String,
}

/// Whether the extension is SVG or HTML (never accepted).
pub fn is_forbidden(ext: &str) -> bool {
    FORBIDDEN.iter().any(|f| f.eq_ignore_ascii_case(ext))
}

/// Cleans `raw` and checks its extension against `policy`. Errors name
/// the cleaned file.
///
/// In order: invisible and control characters dropped, NFC, characters
/// Windows refuses replaced by '_', only the last `/` or `\` component kept,
/// leading and trailing dots and spaces trimmed, inner dots turned into
/// '_' (one extension only), lowercase extension, at most
/// [`MAX_NAME_CHARS`] characters with the extension kept.
pub fn clean_filename(raw: &str, policy: &Policy) -> Result<CleanName, AttachmentError> {
    // Invisible characters go before NFC so that what they separated can
    // still compose; the rest of the checks then see what a user sees.
    let normalized: String = raw
        .chars()
        .filter(|c| !is_invisible(*c))
        .nfc()
        .map(|c| if is_risky(c) { '_' } else { c })
        .collect();
    let last = normalized.rsplit(['/', '\\']).next().unwrap_or_default();
    // Trailing dots and spaces go too: Windows drops them on download, so
    // "x.exe." would become "x.exe".
    let name = last
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    if name.is_empty() {
        return Err(AttachmentError::EmptyName);
    }
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return Err(AttachmentError::NoExtension {
            name: truncate_chars(name, MAX_NAME_CHARS).to_owned(),
        });
    };
    // Only the final extension counts; inner dots would let "a.pdf.exe"
    // pass for a PDF at a glance.
    let stem = stem.trim_end().replace('.', "_");
    let ext = ext.trim_start().to_lowercase();
    let full = join_capped(&stem, &ext);
    if is_forbidden(&ext) {
        return Err(AttachmentError::Forbidden { name: full, ext });
    }
    if !policy.accepts(&ext) {
        return Err(AttachmentError::NotAllowed {
            name: full,
            ext: truncate_chars(&ext, MAX_EXT_SHOWN).to_owned(),
            allowed: policy.accepted_list(),
        });
    }
    Ok(CleanName { full, ext })
}

/// Zero-width, bidi-control and other invisible or control characters,
/// which can disguise the real extension ("photo\u{202E}gnp.exe").
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'                      // soft hyphen
            | '\u{061C}'                    // Arabic letter mark
            | '\u{200B}'..='\u{200F}'       // zero-width space/joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}'       // embeddings and overrides
            | '\u{2060}'..='\u{2064}'       // word joiner, invisible operators
            | '\u{2066}'..='\u{206F}'       // isolates, deprecated format chars
            | '\u{FEFF}' // zero-width no-break space
        )
}

/// Characters Windows refuses in names or that break header quoting.
fn is_risky(c: char) -> bool {
    matches!(c, '"' | ':' | '*' | '?' | '<' | '>' | '|')
}

/// `stem.ext`, shortening the stem so the whole fits [`MAX_NAME_CHARS`].
fn join_capped(stem: &str, ext: &str) -> String {
    let room = MAX_NAME_CHARS.saturating_sub(ext.chars().count() + 1);
    if room == 0 {
        // Only for absurd extensions, which are refused anyway.
        let whole = format!("{stem}.{ext}");
        return truncate_chars(&whole, MAX_NAME_CHARS).to_owned();
    }
    let stem = truncate_chars(stem, room).trim_end();
    format!("{stem}.{ext}")
}

fn truncate_chars(s: &str, max: usize) -> &str {
    s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(raw: &str) -> Result<CleanName, AttachmentError> {
        clean_filename(raw, &Policy::default())
    }

    fn full(raw: &str) -> String {
        match clean(raw) {
            Ok(n) => n.full,
            Err(e) => panic!("{raw:?} refused: {e}"),
        }
    }

    #[test]
    fn keeps_ordinary_names() {
        let n = clean("Report 2024.pdf").expect("accepted");
        assert_eq!(n.full, "Report 2024.pdf");
        assert_eq!(n.ext, "pdf");
        assert_eq!(full("IMG_0001.HEIC"), "IMG_0001.heic");
        assert_eq!(full("Ünïcødé 東京.jpg"), "Ünïcødé 東京.jpg");
    }

    #[test]
    fn only_the_final_extension_counts() {
        let err = clean("invoice.pdf.exe").expect_err("must be refused");
        assert!(matches!(
            &err,
            AttachmentError::NotAllowed { name, ext, .. } if name == "invoice_pdf.exe" && ext == "exe"
        ));
        assert!(
            err.to_string()
                .starts_with("invoice_pdf.exe: .exe files are not accepted (accepted: gif, jpeg, ")
        );
        assert_eq!(err.code(), "type_not_allowed");
        assert_eq!(full("archive.tar.pdf"), "archive_tar.pdf");
        let exe = clean("setup.exe").expect_err("must be refused").to_string();
        assert!(exe.starts_with("setup.exe: .exe files are not accepted (accepted: gif,"));
        assert!(exe.ends_with("mp4, mov)"));
    }

    #[test]
    fn path_components_are_dropped() {
        assert_eq!(full("../../etc/passwd.png"), "passwd.png");
        assert_eq!(full("..\\..\\Windows\\System32\\evil.png"), "evil.png");
        assert_eq!(full("C:\\Users\\me\\Desktop/photo.jpg"), "photo.jpg");
        assert_eq!(full("/absolute/path/doc.docx"), "doc.docx");
        assert_eq!(full(".hidden.pdf"), "hidden.pdf");
        assert_eq!(full("...pdf.pdf"), "pdf.pdf");
        assert!(matches!(clean("dir/"), Err(AttachmentError::EmptyName)));
        assert!(matches!(clean(".."), Err(AttachmentError::EmptyName)));
    }

    #[test]
    fn empty_and_extensionless_names_are_refused() {
        for raw in ["", "   ", "...", "\u{200B}\u{202E}", "\0\n"] {
            let err = clean(raw).expect_err("must be refused");
            assert!(matches!(err, AttachmentError::EmptyName), "{raw:?}");
            assert_eq!(err.code(), "bad_name");
        }
        for raw in ["README", ".png", "..pdf", "dir.d/README"] {
            assert!(
                matches!(clean(raw), Err(AttachmentError::NoExtension { .. })),
                "{raw:?}"
            );
        }
        assert_eq!(
            clean("README").expect_err("must be refused").to_string(),
            "README: the file name has no extension"
        );
    }

    #[test]
    fn bidi_and_zero_width_cannot_disguise_the_extension() {
        let err = clean("photo\u{202E}gnp.exe").expect_err("must be refused");
        assert!(matches!(
            err,
            AttachmentError::NotAllowed { ref name, ref ext, .. } if name == "photognp.exe" && ext == "exe"
        ));
        assert_eq!(full("pho\u{200B}to.p\u{200D}ng\u{FEFF}"), "photo.png");
        assert_eq!(
            full("\u{2066}a\u{2069}\u{200E}\u{200F}\u{061C}b.pdf"),
            "ab.pdf"
        );
        assert_eq!(full("x\u{202A}\u{202B}\u{202C}\u{202D}y.gif"), "xy.gif");
        assert_eq!(full("a\u{2060}\u{200C}b.txt"), "ab.txt");
        // Control characters, including C1 and DEL, disappear.
        assert_eq!(full("a\0b\nc\u{7f}\u{85}d.png"), "abcd.png");
        // A hidden character cannot smuggle an SVG past the check.
        assert!(matches!(
            clean("logo.s\u{200B}vg"),
            Err(AttachmentError::Forbidden { .. })
        ));
    }

    #[test]
    fn names_are_nfc() {
        let decomposed = full("Caf\u{65}\u{301}.png");
        assert_eq!(decomposed, "Caf\u{e9}.png");
        assert_eq!(decomposed, full("Caf\u{e9}.png"));
        // Composition still happens across a removed invisible character.
        assert_eq!(full("Cafe\u{200B}\u{301}.png"), "Caf\u{e9}.png");
    }

    #[test]
    fn svg_and_html_are_never_accepted() {
        let mut policy = Policy::default();
        for ext in FORBIDDEN {
            policy.allowed.push((*ext).to_owned());
        }
        for ext in FORBIDDEN {
            let raw = format!("page.{}", ext.to_uppercase());
            let err = clean_filename(&raw, &policy).expect_err("must be refused");
            assert!(
                matches!(&err, AttachmentError::Forbidden { ext: e, .. } if e == ext),
                "{raw}"
            );
            assert_eq!(err.code(), "type_forbidden");
        }
        assert_eq!(
            clean_filename("page.svg", &policy)
                .expect_err("must be refused")
                .to_string(),
            "page.svg: SVG and HTML files are never accepted"
        );
    }

    #[test]
    fn extension_compared_lowercase_and_trimmed() {
        assert_eq!(clean("A.PDF").expect("accepted").ext, "pdf");
        assert_eq!(full("photo.png."), "photo.png");
        assert_eq!(full("photo . png "), "photo.png");
        assert!(matches!(
            clean("evil.exe. "),
            Err(AttachmentError::NotAllowed { ref ext, .. }) if ext == "exe"
        ));
        let custom = Policy {
            allowed: vec!["PDF".into()],
            ..Policy::default()
        };
        assert_eq!(
            clean_filename("x.pdf", &custom).expect("accepted").ext,
            "pdf"
        );
        assert!(clean_filename("x.png", &custom).is_err());
    }

    #[test]
    fn risky_characters_are_replaced() {
        assert_eq!(full("a:b*c?d\"e<f>g|h.png"), "a_b_c_d_e_f_g_h.png");
    }

    #[test]
    fn long_names_are_capped_keeping_the_extension() {
        let long = format!("{}.docx", "é".repeat(400));
        let n = full(&long);
        assert_eq!(n.chars().count(), MAX_NAME_CHARS);
        assert!(n.ends_with("é.docx"));
        let exact = format!("{}.pdf", "a".repeat(MAX_NAME_CHARS - 4));
        assert_eq!(full(&exact), exact);
        // An absurd extension is refused with a bounded name and extension.
        let err = clean(&format!("a.{}", "x".repeat(500))).expect_err("must be refused");
        match err {
            AttachmentError::NotAllowed { name, ext, .. } => {
                assert_eq!(name.chars().count(), MAX_NAME_CHARS);
                assert_eq!(ext.chars().count(), MAX_EXT_SHOWN);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Names as people and attackers write them: letters, digits,
        /// dots, separators, invisible and control characters, accents.
        fn name() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                "[a-zA-Z0-9 _-]{0,12}",
                Just(".".to_string()),
                Just("/".to_string()),
                Just("\\".to_string()),
                Just("..".to_string()),
                prop::sample::select(vec![".pdf", ".PNG", ".txt", ".exe", ".svg", ".docx"])
                    .prop_map(str::to_string),
                any::<char>().prop_map(String::from),
                prop::sample::select(vec![
                    '\u{301}', '\u{200B}', '\u{202E}', '\u{FEFF}', '\n', '\0', '\u{85}', '"', ':',
                    '<', '\u{338}', 'e', '\u{1100}', '\u{1161}',
                ])
                .prop_map(String::from),
            ];
            prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn never_panics_and_accepted_names_are_safe(raw in name()) {
                if let Ok(n) = clean(&raw) {
                    prop_assert!(n.full.chars().count() <= MAX_NAME_CHARS);
                    prop_assert!(n.full.ends_with(&format!(".{}", n.ext)), "{:?}", n);
                    prop_assert_eq!(n.ext.to_lowercase(), n.ext.clone());
                    prop_assert!(Policy::default().accepts(&n.ext));
                    prop_assert!(!n.full.contains(['/', '\\']), "{:?}", n);
                    prop_assert!(!n.full.chars().any(|c| is_invisible(c) || is_risky(c)), "{:?}", n);
                    // One dot only: the extension shown is the one checked.
                    prop_assert_eq!(n.full.matches('.').count(), 1, "{:?}", n);
                    prop_assert!(!n.full.starts_with([' ', '.']), "{:?}", n);
                }
            }

            #[test]
            fn cleaning_is_idempotent(raw in name()) {
                if let Ok(once) = clean(&raw) {
                    let twice = clean(&once.full);
                    prop_assert_eq!(twice.ok(), Some(once));
                }
            }

            #[test]
            fn any_string_never_panics(raw in any::<String>()) {
                let _ = clean(&raw);
            }
        }
    }
}
