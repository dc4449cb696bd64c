//! Ticket attachments uploaded by end users.
//!
//! Every upload goes through the same gate: the name is cleaned
//! ([`clean_filename`]), the extension must be accepted by the [`Policy`],
//! the bytes are streamed to disk under the size limit, and the content is
//! sniffed and must match the extension ([`sniff`]): text must not be
//! markup or a script, and an Office file must be a real package that does
//! not expand too much ([`ooxml`]). Accepted files are stored
//! content-addressed ([`Store`]).
//!
//! Nothing uploaded may be served inline except raster images
//! ([`inline_allowed`]); everything else goes out as a download.

mod filename;
pub mod ooxml;
mod sniff;
mod store;

pub use filename::{CleanName, MAX_NAME_CHARS, clean_filename, is_forbidden};
pub use sniff::{Detected, HEAD_LEN, content_type, describe, expected, sniff};
pub use store::{ChunkSource, Store, Stored, VecSource};

#[cfg(test)]
#[path = "../../../tests/common/samples.rs"]
pub(crate) mod samples;

/// The extensions accepted when the configuration says nothing.
pub const DEFAULT_ALLOWED: &[&str] = &[
    "gif", "jpeg", "jpg", "png", "heic", "dng", "pdf", "txt", "doc", "docx", "xls", "xlsx", "mp3",
    "oga", "ogg", "mp4", "mov",
];

/// Extensions accepted only when an administrator opts in by name
/// (`attachment_allow_msi`): a Windows installer runs code when opened.
pub const OPT_IN: &[&str] = &["msi"];

/// Extensions that may be configured (`attachment_types`).
pub const CONFIGURABLE: &[&str] = &[
    "gif", "jpeg", "jpg", "png", "heic", "dng", "pdf", "txt", "doc", "docx", "xls", "xlsx", "pptx",
    "mp3", "oga", "ogg", "mp4", "mov", "msi",
];

/// 20 MiB per file.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// 10 files per message.
pub const DEFAULT_MAX_FILES: usize = 10;

/// What an upload may be. The extension list is configurable, but an
/// extension only counts when its content can be checked ([`expected`]) and
/// it is not SVG or HTML ([`is_forbidden`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Accepted extensions, without the dot; compared case-insensitively.
    pub allowed: Vec<String>,
    pub max_file_bytes: u64,
    pub max_files: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            allowed: DEFAULT_ALLOWED.iter().map(|e| (*e).to_owned()).collect(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_files: DEFAULT_MAX_FILES,
        }
    }
}

impl Policy {
    /// Refuses a message carrying more than `max_files` attachments.
    pub fn check_count(&self, n: usize) -> Result<(), AttachmentError> {
        if n > self.max_files {
            return Err(AttachmentError::TooMany {
                limit: self.max_files,
            });
        }
        Ok(())
    }

    /// Whether files with this extension (without the dot) are accepted.
    pub fn accepts(&self, ext: &str) -> bool {
        !is_forbidden(ext)
            && expected(ext).is_some()
            && self.allowed().any(|a| a.eq_ignore_ascii_case(ext))
    }

    /// The accepted extensions as shown to users, e.g. "gif, jpeg, png".
    pub fn accepted_list(&self) -> String {
        let mut seen: Vec<String> = Vec::new();
        for ext in self.allowed().filter(|e| self.accepts(e)) {
            let ext = ext.to_ascii_lowercase();
            if !seen.contains(&ext) {
                seen.push(ext);
            }
        }
        seen.join(", ")
    }

    /// Configured extensions that will never be accepted (forbidden, or no
    /// content check exists for them), so configuration loading can warn.
    pub fn unsupported(&self) -> Vec<String> {
        self.allowed()
            .filter(|e| !self.accepts(e))
            .map(str::to_owned)
            .collect()
    }

    /// Configured entries, tolerating ".pdf" and surrounding spaces.
    fn allowed(&self) -> impl Iterator<Item = &str> {
        self.allowed
            .iter()
            .map(|e| e.trim().trim_start_matches('.'))
            .filter(|e| !e.is_empty())
    }
}

/// Why an attachment was refused. `Display` is meant for end users: it
/// names the file and the reason, never a server path.
#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    #[error("the file has no name")]
    EmptyName,
    #[error("{name}: the file name has no extension")]
    NoExtension { name: String },
    #[error("{name}: .{ext} files are not accepted (accepted: {allowed})")]
    NotAllowed {
        name: String,
        ext: String,
        allowed: String,
    },
    #[error("{name}: SVG and HTML files are never accepted")]
    Forbidden { name: String, ext: String },
    #[error("{name}: its content is HTML, SVG or a script, which is never accepted")]
    ActiveContent { name: String },
    #[error("{name}: its content is not {} ({reason})", describe(.ext))]
    NotPackage {
        name: String,
        ext: String,
        reason: String,
    },
    #[error("{name}: refused as a possible zip bomb ({reason})")]
    ZipBomb { name: String, reason: String },
    #[error("{name}: larger than the {} limit", human_size(*.limit_bytes))]
    TooLarge { name: String, limit_bytes: u64 },
    #[error("at most {limit} files per message")]
    TooMany { limit: usize },
    #[error("{name}: the file is empty")]
    Empty { name: String },
    #[error("{name}: its content is not {}", describe(.ext))]
    ContentMismatch { name: String, ext: String },
    #[error("{name}: the upload was interrupted ({message})")]
    Read { name: String, message: String },
    /// Server-side failure; the cause stays in `source()` for the logs.
    #[error("the attachment could not be stored")]
    Io(#[from] std::io::Error),
}

impl AttachmentError {
    /// Short machine-readable code for JSON error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyName | Self::NoExtension { .. } => "bad_name",
            Self::NotAllowed { .. } => "type_not_allowed",
            Self::Forbidden { .. } | Self::ActiveContent { .. } => "type_forbidden",
            Self::NotPackage { .. } => "content_mismatch",
            Self::ZipBomb { .. } => "zip_bomb",
            Self::TooLarge { .. } => "too_large",
            Self::TooMany { .. } => "too_many_files",
            Self::Empty { .. } => "empty_file",
            Self::ContentMismatch { .. } => "content_mismatch",
            Self::Read { .. } => "read_failed",
            Self::Io(_) => "io",
        }
    }

    /// Suggested HTTP status: 413 for size limits, 500 for server
    /// failures, 400 otherwise (the client sent something unacceptable).
    pub fn status(&self) -> u16 {
        match self {
            Self::TooLarge { .. } => 413,
            Self::Io(_) => 500,
            _ => 400,
        }
    }
}

/// True only for raster images that browsers cannot execute; every other
/// upload must be served with `Content-Disposition: attachment`.
pub fn inline_allowed(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    ["image/gif", "image/jpeg", "image/png"]
        .iter()
        .any(|t| essence.eq_ignore_ascii_case(t))
}

/// "20 MiB", "1.5 MiB", "500 KiB", "10 bytes": binary units, named as
/// such, since the limits are multiples of 1024.
fn human_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        if bytes.is_multiple_of(MIB) {
            format!("{} MiB", bytes / MIB)
        } else {
            format!("{:.1} MiB", bytes as f64 / MIB as f64)
        }
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_issue() {
        let p = Policy::default();
        assert_eq!(p.max_file_bytes, 20 * 1024 * 1024);
        assert_eq!(p.max_files, 10);
        assert_eq!(p.allowed.len(), 17);
        assert!(p.unsupported().is_empty());
        assert_eq!(
            p.accepted_list(),
            "gif, jpeg, jpg, png, heic, dng, pdf, txt, doc, docx, xls, xlsx, mp3, oga, ogg, mp4, mov"
        );
        // Installers only on an administrator's say-so.
        assert!(!p.accepts("msi"));
        for ext in DEFAULT_ALLOWED.iter().chain(OPT_IN) {
            assert!(CONFIGURABLE.contains(ext), "{ext}");
            assert!(expected(ext).is_some(), "{ext}");
        }
    }

    #[test]
    fn check_count_limits_files_per_message() {
        let p = Policy::default();
        assert!(p.check_count(0).is_ok());
        assert!(p.check_count(10).is_ok());
        let err = p.check_count(11).expect_err("must be refused");
        assert_eq!(err.to_string(), "at most 10 files per message");
        assert_eq!(err.code(), "too_many_files");
    }

    #[test]
    fn accepts_is_case_insensitive_and_ignores_unsupported_entries() {
        let p = Policy {
            allowed: vec![
                " .PDF".into(),
                "pdf".into(),
                "svg".into(),
                "html".into(),
                "csv".into(),
            ],
            ..Policy::default()
        };
        assert!(p.accepts("pdf"));
        assert!(p.accepts("PDF"));
        assert!(!p.accepts("svg"));
        assert!(!p.accepts("csv"));
        assert!(!p.accepts("png"));
        assert_eq!(p.accepted_list(), "pdf");
        assert_eq!(p.unsupported(), vec!["svg", "html", "csv"]);
    }

    #[test]
    fn inline_only_for_raster_images() {
        assert!(inline_allowed("image/png"));
        assert!(inline_allowed("image/gif"));
        assert!(inline_allowed("IMAGE/JPEG; charset=binary"));
        for ct in [
            "image/svg+xml",
            "image/heic",
            "image/x-adobe-dng",
            "text/html",
            "text/plain; charset=utf-8",
            "application/pdf",
            "video/mp4",
            "image/pngx",
            "",
        ] {
            assert!(!inline_allowed(ct), "{ct}");
        }
    }

    #[test]
    fn messages_name_the_file_and_reason() {
        let too_large = AttachmentError::TooLarge {
            name: "video.mp4".into(),
            limit_bytes: DEFAULT_MAX_FILE_BYTES,
        };
        assert_eq!(
            too_large.to_string(),
            "video.mp4: larger than the 20 MiB limit"
        );
        assert_eq!(too_large.code(), "too_large");
        assert_eq!(too_large.status(), 413);
        let mismatch = AttachmentError::ContentMismatch {
            name: "report.pdf".into(),
            ext: "pdf".into(),
        };
        assert_eq!(mismatch.to_string(), "report.pdf: its content is not a PDF");
        let forbidden = AttachmentError::Forbidden {
            name: "page.svg".into(),
            ext: "svg".into(),
        };
        assert_eq!(
            forbidden.to_string(),
            "page.svg: SVG and HTML files are never accepted"
        );
        let io = AttachmentError::from(std::io::Error::other("/secret/path"));
        assert!(!io.to_string().contains("/secret"));
        assert_eq!(io.code(), "io");
        assert_eq!(io.status(), 500);
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_size(20 * 1024 * 1024), "20 MiB");
        assert_eq!(human_size(1024 * 1024 + 512 * 1024), "1.5 MiB");
        assert_eq!(human_size(500 * 1024), "500 KiB");
        assert_eq!(human_size(10), "10 bytes");
    }
}
