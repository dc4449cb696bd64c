//! Content identification by magic bytes, and the extension ↔ content
//! table (expected content, MIME type, human description).

/// How many leading bytes [`sniff`] looks at.
pub const HEAD_LEN: usize = 4096;

/// A file family recognised from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    Gif,
    Jpeg,
    Png,
    Heic,
    /// TIFF container, which DNG is.
    Tiff,
    Pdf,
    Text,
    /// UTF-8 text a browser would render or run: HTML, SVG, an XML
    /// stylesheet, or a script (see [`is_markup`]).
    Markup,
    /// Compound File Binary: doc, xls, msi.
    Ole2,
    /// docx, xlsx, pptx (the package itself is checked by `ooxml`).
    Zip,
    Mp3,
    Ogg,
    Mp4,
    QuickTime,
}

/// extension, expected content, MIME type, description for error messages.
const FORMATS: &[(&str, Detected, &str, &str)] = &[
    ("gif", Detected::Gif, "image/gif", "a GIF image"),
    ("jpeg", Detected::Jpeg, "image/jpeg", "a JPEG image"),
    ("jpg", Detected::Jpeg, "image/jpeg", "a JPEG image"),
    ("png", Detected::Png, "image/png", "a PNG image"),
    ("heic", Detected::Heic, "image/heic", "a HEIC image"),
    ("dng", Detected::Tiff, "image/x-adobe-dng", "a DNG image"),
    ("pdf", Detected::Pdf, "application/pdf", "a PDF"),
    (
        "txt",
        Detected::Text,
        "text/plain; charset=utf-8",
        "plain UTF-8 text",
    ),
    (
        "doc",
        Detected::Ole2,
        "application/msword",
        "a Word document",
    ),
    (
        "docx",
        Detected::Zip,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "a Word document",
    ),
    (
        "xls",
        Detected::Ole2,
        "application/vnd.ms-excel",
        "an Excel spreadsheet",
    ),
    (
        "xlsx",
        Detected::Zip,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "an Excel spreadsheet",
    ),
    (
        "pptx",
        Detected::Zip,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "a PowerPoint presentation",
    ),
    ("mp3", Detected::Mp3, "audio/mpeg", "an MP3 audio file"),
    ("oga", Detected::Ogg, "audio/ogg", "an Ogg audio file"),
    ("ogg", Detected::Ogg, "audio/ogg", "an Ogg file"),
    ("mp4", Detected::Mp4, "video/mp4", "an MP4 video"),
    (
        "mov",
        Detected::QuickTime,
        "video/quicktime",
        "a QuickTime video",
    ),
    (
        "msi",
        Detected::Ole2,
        "application/x-msi",
        "a Windows installer",
    ),
];

fn format(ext: &str) -> Option<&'static (&'static str, Detected, &'static str, &'static str)> {
    FORMATS.iter().find(|f| f.0.eq_ignore_ascii_case(ext))
}

/// The content a file with this extension must have; `None` when the
/// extension is unknown, so it can never be accepted.
pub fn expected(ext: &str) -> Option<Detected> {
    format(ext).map(|f| f.1)
}

/// MIME type to serve a file with this extension as.
pub fn content_type(ext: &str) -> &'static str {
    format(ext).map_or("application/octet-stream", |f| f.2)
}

/// What a file with this extension should contain, for messages such as
/// "report.pdf: its content is not a PDF".
pub fn describe(ext: &str) -> &'static str {
    format(ext).map_or("what its extension says", |f| f.3)
}

const HEIC_BRANDS: &[&[u8; 4]] = &[b"heic", b"heix", b"mif1", b"msf1", b"hevc"];
const MP4_BRANDS: &[&[u8; 4]] = &[
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"M4A ",
    b"dash", b"3gp4", b"3gp5",
];
const QT_BRAND: &[u8; 4] = b"qt  ";
/// AVIF also lists `mif1`; it is not HEIC.
const AVIF_BRANDS: &[&[u8; 4]] = &[b"avif", b"avis"];
/// Atoms that may open a QuickTime file written before `ftyp` existed.
const QT_FIRST_ATOMS: &[&[u8; 4]] = &[b"moov", b"mdat", b"wide", b"free", b"skip"];

/// Identifies `head` (the first up to [`HEAD_LEN`] bytes of a file).
/// Binary signatures win over text, so "%PDF-…" is a PDF, not text.
pub fn sniff(head: &[u8]) -> Option<Detected> {
    let head = &head[..head.len().min(HEAD_LEN)];
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(Detected::Gif)
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(Detected::Jpeg)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(Detected::Png)
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Some(Detected::Tiff)
    } else if starts(b"%PDF-") {
        Some(Detected::Pdf)
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some(Detected::Ole2)
    } else if starts(b"PK\x03\x04") {
        Some(Detected::Zip)
    } else if starts(b"OggS") {
        Some(Detected::Ogg)
    } else if let Some(d) = ftyp(head) {
        Some(d)
    } else if is_id3(head) || is_mp3_frame(head) {
        Some(Detected::Mp3)
    } else if is_text(head) {
        if is_markup(head) {
            Some(Detected::Markup)
        } else {
            Some(Detected::Text)
        }
    } else if is_legacy_quicktime(head) {
        // After text: "Get free stuff" has "free" at offset 4 too.
        Some(Detected::QuickTime)
    } else {
        None
    }
}

/// ISO base media `ftyp` box (HEIC, MP4, QuickTime). The major brand
/// decides, else the first known compatible brand, so HEIC and MP4 never
/// pass as each other.
fn ftyp(head: &[u8]) -> Option<Detected> {
    if head.get(4..8)? != b"ftyp" {
        return None;
    }
    let size = box_size(head)? as usize;
    if size < 16 {
        return None;
    }
    let box_end = size.min(head.len());
    let major = head.get(8..12)?;
    // Compatible brands follow the 4-byte minor version.
    let compatible = head.get(16..box_end).unwrap_or_default().chunks_exact(4);
    let mut brands = std::iter::once(major).chain(compatible);
    if brands.clone().any(|b| AVIF_BRANDS.iter().any(|a| b == *a)) {
        return None;
    }
    brands.find_map(classify_brand)
}

/// A QuickTime file written before `ftyp` existed: a known first atom with
/// a valid size (0 = to end of file, 1 = 64-bit size follows).
fn is_legacy_quicktime(head: &[u8]) -> bool {
    let (Some(size), Some(atom)) = (box_size(head), head.get(4..8)) else {
        return false;
    };
    (size == 0 || size == 1 || size >= 8) && QT_FIRST_ATOMS.iter().any(|a| atom == *a)
}

fn box_size(head: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(head.get(0..4)?.try_into().ok()?))
}

fn classify_brand(brand: &[u8]) -> Option<Detected> {
    if HEIC_BRANDS.iter().any(|b| brand == *b) {
        Some(Detected::Heic)
    } else if MP4_BRANDS.iter().any(|b| brand == *b) {
        Some(Detected::Mp4)
    } else if brand == QT_BRAND {
        Some(Detected::QuickTime)
    } else {
        None
    }
}

/// ID3v2 tag: "ID3", version 2–4, then a syncsafe size (high bits clear).
fn is_id3(head: &[u8]) -> bool {
    match head.get(..10) {
        Some([b'I', b'D', b'3', major, minor, _flags, size @ ..]) => {
            (2..=4).contains(major) && *minor != 0xFF && size.iter().all(|b| b & 0x80 == 0)
        }
        _ => false,
    }
}

/// An MPEG audio Layer III frame header with no reserved field values;
/// requiring Layer III keeps e.g. a UTF-16 BOM (FF FE) from matching.
fn is_mp3_frame(head: &[u8]) -> bool {
    match head.get(..3) {
        Some(&[0xFF, b1, b2]) => {
            b1 & 0xE0 == 0xE0
                && (b1 >> 3) & 0b11 != 0b01 // reserved MPEG version
                && (b1 >> 1) & 0b11 == 0b01 // Layer III
                && b2 >> 4 != 0xF // bad bitrate
                && (b2 >> 2) & 0b11 != 0b11 // reserved sample rate
        }
        _ => false,
    }
}

/// Non-empty UTF-8 (BOM allowed) without control bytes other than tab,
/// newlines and form feed. A character cut by the end of `head` is fine.
fn is_text(head: &[u8]) -> bool {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if body.is_empty() {
        return false;
    }
    let valid = match std::str::from_utf8(body) {
        Ok(s) => s,
        // error_len() is None only for an incomplete sequence at the end.
        Err(e) if e.error_len().is_none() => match std::str::from_utf8(&body[..e.valid_up_to()]) {
            Ok(s) => s,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    valid
        .bytes()
        .all(|b| !(b < 0x20 || b == 0x7F) || matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
}

/// Tags that make a text an HTML page when it starts with one (after a
/// BOM and white space): the list browsers use to sniff HTML, plus SVG.
const MARKUP_STARTS: &[&str] = &[
    "!doctype",
    "html",
    "head",
    "script",
    "iframe",
    "h1",
    "div",
    "font",
    "table",
    "a",
    "style",
    "title",
    "b",
    "body",
    "br",
    "p",
    "!--",
    "svg",
    "?xml-stylesheet",
    "xsl:stylesheet",
];

/// Tags that are active content wherever they are in the first
/// [`HEAD_LEN`] bytes.
const MARKUP_ANYWHERE: &[&str] = &[
    "!doctype html",
    "html",
    "script",
    "svg",
    "iframe",
    "frameset",
    "object",
    "embed",
    "body",
    "?xml-stylesheet",
    "xsl:stylesheet",
];

/// Namespaces of documents a browser renders.
const MARKUP_NAMESPACES: &[&str] = &["http://www.w3.org/1999/xhtml", "http://www.w3.org/2000/svg"];

/// Whether text (already known to be UTF-8) is HTML, SVG or a script in
/// disguise: it starts with a shebang or a markup tag, or has an active
/// tag or an XHTML/SVG namespace near the start. A text attachment is
/// always served as plain text, but the file could still run once saved
/// and opened from disk.
fn is_markup(head: &[u8]) -> bool {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let body = body.trim_ascii_start();
    if body.starts_with(b"#!") {
        return true;
    }
    let lower = body.to_ascii_lowercase();
    let tag_at = |at: &[u8], tag: &str| {
        at.strip_prefix(tag.as_bytes())
            // A tag name ends there: "<b>" and "<b " are tags, "<bold" is not.
            .is_some_and(|rest| {
                tag.ends_with(['-', ' '])
                    || rest.first().is_none_or(|c| {
                        matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0C | b'>' | b'/')
                    })
            })
    };
    if let Some(first) = lower.strip_prefix(b"<")
        && MARKUP_STARTS.iter().any(|t| tag_at(first, t))
    {
        return true;
    }
    let opens = lower.iter().enumerate().filter(|(_, c)| **c == b'<');
    for (i, _) in opens {
        let at = lower.get(i + 1..).unwrap_or_default();
        if MARKUP_ANYWHERE.iter().any(|t| tag_at(at, t)) {
            return true;
        }
    }
    MARKUP_NAMESPACES
        .iter()
        .any(|ns| lower.windows(ns.len()).any(|w| w == ns.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::attachments::DEFAULT_ALLOWED;
    use crate::tickets::attachments::samples::{exe_disguised_as_pdf, sample};

    fn ftyp_box(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut v = (size as u32).to_be_bytes().to_vec();
        v.extend_from_slice(b"ftyp");
        v.extend_from_slice(major);
        v.extend_from_slice(&[0, 0, 0, 0]);
        for b in compatible {
            v.extend_from_slice(*b);
        }
        v.extend_from_slice(&[0, 0, 0, 8, b'f', b'r', b'e', b'e']);
        v
    }

    #[test]
    fn every_sample_sniffs_as_its_extension() {
        for ext in DEFAULT_ALLOWED {
            let bytes = sample(ext);
            assert!(bytes.len() >= 16, "{ext} sample too small");
            assert_eq!(sniff(&bytes), expected(ext), "{ext}");
            assert!(expected(ext).is_some(), "{ext}");
        }
    }

    #[test]
    fn every_default_extension_has_a_content_type() {
        for ext in DEFAULT_ALLOWED {
            assert_ne!(content_type(ext), "application/octet-stream", "{ext}");
        }
        assert_eq!(content_type("PNG"), "image/png");
        assert_eq!(content_type("txt"), "text/plain; charset=utf-8");
        assert_eq!(content_type("mov"), "video/quicktime");
        assert_eq!(content_type("msi"), "application/x-msi");
        assert_eq!(content_type("exe"), "application/octet-stream");
    }

    #[test]
    fn exe_is_not_anything_accepted() {
        assert_eq!(sniff(&exe_disguised_as_pdf()), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn heic_and_mp4_do_not_pass_as_each_other() {
        assert_eq!(
            sniff(&ftyp_box(b"heic", &[b"mif1", b"heic"])),
            Some(Detected::Heic)
        );
        assert_eq!(sniff(&ftyp_box(b"mif1", &[b"heic"])), Some(Detected::Heic));
        assert_eq!(
            sniff(&ftyp_box(b"isom", &[b"isom", b"mp41"])),
            Some(Detected::Mp4)
        );
        assert_eq!(sniff(&ftyp_box(b"M4A ", &[])), Some(Detected::Mp4));
        assert_eq!(
            sniff(&ftyp_box(b"qt  ", &[b"qt  "])),
            Some(Detected::QuickTime)
        );
        // Unknown major brand: the first known compatible brand decides.
        assert_eq!(
            sniff(&ftyp_box(b"abcd", &[b"xxxx", b"mp42"])),
            Some(Detected::Mp4)
        );
        assert_eq!(sniff(&ftyp_box(b"abcd", &[b"msf1"])), Some(Detected::Heic));
        // AVIF and unknown brands are not accepted as anything.
        assert_eq!(
            sniff(&ftyp_box(b"avif", &[b"avif", b"mif1", b"miaf"])),
            None
        );
        // Brands beyond the declared box size do not count.
        let mut short = ftyp_box(b"abcd", &[b"mp42"]);
        short[3] = 16;
        assert_eq!(sniff(&short), None);
    }

    #[test]
    fn quicktime_without_ftyp() {
        for atom in [b"moov", b"mdat", b"wide", b"free", b"skip"] {
            let mut v = vec![0, 0, 0, 8];
            v.extend_from_slice(atom);
            assert_eq!(sniff(&v), Some(Detected::QuickTime));
        }
        assert_eq!(sniff(b"\0\0\0\x08junk"), None);
        assert_eq!(sniff(b"\0\0\0\x04free"), None);
        assert_eq!(sniff(b"Get free stuff"), Some(Detected::Text));
    }

    #[test]
    fn mp3_variants() {
        assert_eq!(sniff(b"ID3\x04\0\0\0\0\0\x0a"), Some(Detected::Mp3));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x64]), Some(Detected::Mp3));
        assert_eq!(sniff(&[0xFF, 0xF3, 0x48, 0xC4]), Some(Detected::Mp3));
        // UTF-16 BOM, Layer I, bad bitrate: not MP3.
        assert_eq!(sniff(&[0xFF, 0xFE, 0x41, 0x00]), None);
        assert_eq!(sniff(&[0xFF, 0xFF, 0x90, 0x00]), None);
        assert_eq!(sniff(&[0xFF, 0xFB, 0xF0, 0x00]), None);
        // Text starting with "ID3" is text.
        assert_eq!(sniff(b"ID3 tags explained"), Some(Detected::Text));
    }

    #[test]
    fn text_rules() {
        assert_eq!(sniff(b"hello\tworld\r\n\x0c"), Some(Detected::Text));
        assert_eq!(sniff("\u{feff}caf\u{e9}".as_bytes()), Some(Detected::Text));
        assert_eq!(sniff(b"\xEF\xBB\xBF"), None);
        assert_eq!(sniff(b"nul\0byte"), None);
        assert_eq!(sniff(b"escape\x1b[31m"), None);
        assert_eq!(sniff(b"latin1 caf\xe9 ok"), None);
        // A multi-byte character cut by the end of the head is fine...
        let mut head = vec![b'a'; HEAD_LEN - 1];
        head.push(0xC3);
        assert_eq!(sniff(&head), Some(Detected::Text));
        // ...but an invalid sequence is not.
        head[10] = 0xC3;
        assert_eq!(sniff(&head), None);
    }

    #[test]
    fn lookalike_prefixes_are_not_matches() {
        assert_eq!(sniff(b"GIF88a"), Some(Detected::Text));
        assert_eq!(sniff(b"PK\x05\x06\0\0"), None);
        assert_eq!(sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0, 0, 0]), None);
        assert_eq!(sniff(b"MZ\x90\0"), None);
    }

    #[test]
    fn markup_in_text_is_found() {
        for text in [
            "<!doctype html>",
            "  \n<HTML lang=en>",
            "\u{feff}<svg/>",
            "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\">",
            "<?xml-stylesheet href=\"x.xsl\"?>",
            "<p>Hello",
            "<b>bold</b>",
            "<!-- comment -->",
            "Dear support,\n\n<script src=//evil></script>",
            "log line\n<iframe src=x>",
            "#!/usr/bin/env python\nprint(1)",
        ] {
            assert_eq!(sniff(text.as_bytes()), Some(Detected::Markup), "{text:?}");
        }
        for text in [
            "a < b and b > c",
            "<alice> hello",
            "use Vec<String> here",
            "price <5 EUR",
            "the <bold> claim",
            "# heading\n#!not a shebang",
            "<?xml version=\"1.0\"?><invoice/>",
        ] {
            assert_eq!(sniff(text.as_bytes()), Some(Detected::Text), "{text:?}");
        }
        // Beyond the head, nothing is looked at.
        let mut long = "a".repeat(HEAD_LEN);
        long.push_str("<script>");
        assert_eq!(sniff(long.as_bytes()), Some(Detected::Text));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..HEAD_LEN + 64)) {
                let got = sniff(&data);
                // Only the head counts.
                prop_assert_eq!(got, sniff(&data[..data.len().min(HEAD_LEN)]));
            }

            /// Prose without angle brackets or binary signatures is text.
            #[test]
            fn plain_prose_is_text(text in "[a-zA-Z0-9 ,.;:!?()'\n\t\u{e9}\u{4e2d}-]{1,400}") {
                prop_assume!(!["GIF8", "%PDF-", "OggS", "#!"].iter().any(|m| text.trim_start().starts_with(m)));
                prop_assume!(text.get(4..8) != Some("ftyp"));
                prop_assert_eq!(sniff(text.as_bytes()), Some(Detected::Text));
            }

            /// An active tag anywhere in the head makes text markup.
            #[test]
            fn active_tags_anywhere_are_markup(
                before in "[a-zA-Z0-9 ,.\n]{0,2000}",
                tag in prop::sample::select(vec!["<script>", "<SVG ", "<iframe/", "<html>", "<object\n", "<body>"]),
                after in "[a-zA-Z0-9 ,.\n]{0,200}",
            ) {
                let text = format!("{before}{tag}{after}");
                prop_assert_eq!(sniff(text.as_bytes()), Some(Detected::Markup));
            }
        }
    }
}
