//! Reading a ticket or reply submitted as multipart/form-data: text fields
//! collected (bounded), files streamed to the attachment store as they
//! arrive. Shared by the JSON API and the portal's forms.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use bytes::Bytes;
use futures_util::StreamExt;

use crate::tickets::attachments::{
    AttachmentError, ChunkSource, MAX_NAME_CHARS, Policy, Store, Stored,
};

/// Longest text field accepted (a description with pasted logs fits).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;
const MAX_FIELDS: usize = 40;

/// What a form held: its text fields and the files it stored.
#[derive(Default)]
pub struct FormData {
    pub fields: HashMap<String, String>,
    pub files: Vec<Stored>,
}

impl FormData {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

/// The file name in a part's `Content-Disposition` header, read from its
/// raw bytes. multer gives no name when it is not UTF-8, or when
/// `filename*` comes first, and such a file then passed for a text field
/// and was dropped. `filename*` (RFC 5987) wins over `filename`; a name
/// that is not UTF-8 is read as Latin-1, HTTP's historical charset.
/// `Some("")` when the name is given empty, `None` when it is not given.
pub fn disposition_file_name(header: &[u8]) -> Option<String> {
    let mut plain: Option<String> = None;
    for (key, value) in disposition_params(header) {
        if key.eq_ignore_ascii_case(b"filename*") {
            if let Some(name) = extended_value(&value) {
                return Some(name);
            }
        } else if key.eq_ignore_ascii_case(b"filename") && plain.is_none() {
            plain = Some(text_of(&value));
        }
    }
    plain
}

/// The `key=value` parameters after the disposition type; quoted values
/// unquoted (only `\"` is an escape, as browsers do not escape
/// backslashes), an unterminated quote running to the end.
fn disposition_params(header: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut params = Vec::new();
    let mut i = match header.iter().position(|&b| b == b';') {
        Some(semi) => semi + 1,
        None => return params,
    };
    let at = |i: usize| header.get(i).copied();
    while i < header.len() {
        while matches!(at(i), Some(b' ' | b'\t' | b';')) {
            i += 1;
        }
        let key_start = i;
        while !matches!(at(i), None | Some(b'=' | b';')) {
            i += 1;
        }
        let key = header
            .get(key_start..i)
            .unwrap_or_default()
            .trim_ascii()
            .to_vec();
        if at(i) != Some(b'=') {
            continue;
        }
        i += 1;
        while matches!(at(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        let mut value = Vec::new();
        if at(i) == Some(b'"') {
            i += 1;
            while let Some(b) = at(i) {
                i += 1;
                match b {
                    b'"' => break,
                    b'\\' if at(i) == Some(b'"') => {
                        value.push(b'"');
                        i += 1;
                    }
                    _ => value.push(b),
                }
            }
        } else {
            let start = i;
            while !matches!(at(i), None | Some(b';')) {
                i += 1;
            }
            value = header
                .get(start..i)
                .unwrap_or_default()
                .trim_ascii_end()
                .to_vec();
        }
        params.push((key, value));
    }
    params
}

/// An RFC 5987 value, `UTF-8''caf%C3%A9.txt` (or ISO-8859-1); `None` for
/// another charset or a malformed one, so that `filename` is used instead.
fn extended_value(value: &[u8]) -> Option<String> {
    let mut parts = value.splitn(3, |&b| b == b'\'');
    let (charset, _lang, encoded) = (parts.next()?, parts.next()?, parts.next()?);
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut i = 0;
    while let Some(&b) = encoded.get(i) {
        if b == b'%' {
            let hex = encoded.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            bytes.push(b);
            i += 1;
        }
    }
    if charset.eq_ignore_ascii_case(b"utf-8") {
        String::from_utf8(bytes).ok()
    } else if charset.eq_ignore_ascii_case(b"iso-8859-1") {
        Some(bytes.iter().map(|&b| char::from(b)).collect())
    } else {
        None
    }
}

/// UTF-8 if it is, else Latin-1 (every byte is a character there).
fn text_of(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error(transparent)]
    File(#[from] AttachmentError),
    #[error("the field `{0}` is too long (at most 64 KiB)")]
    FieldTooLong(String),
    #[error("too many fields in the form")]
    TooManyFields,
    #[error("the upload could not be read: {0}")]
    Malformed(String),
    /// A part's headers could not be read because of its file name.
    #[error(
        "{0}: the file name has a line break or another control character; rename the file and send it again"
    )]
    UnreadableFileName(String),
    /// A part's headers could not be read, for another reason.
    #[error("{name}: the upload could not be read ({message})")]
    UnreadablePart { name: String, message: String },
}

/// A multipart form whose parts' headers are also kept as they stream
/// past, so that a file whose headers cannot be parsed (a raw line break
/// in its name) is refused by name rather than with a bare parse error.
pub struct Upload {
    form: Multipart,
    log: Arc<Mutex<HeaderLog>>,
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = MultipartRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let boundary = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| boundary_of(v.as_bytes()));
        let log = Arc::new(Mutex::new(HeaderLog::new(boundary)));
        let feed = Arc::clone(&log);
        let req = req.map(|body| {
            Body::from_stream(body.into_data_stream().map(move |chunk| {
                if let (Ok(bytes), Ok(mut log)) = (&chunk, feed.lock()) {
                    log.feed(bytes);
                }
                chunk
            }))
        });
        let form = Multipart::from_request(req, state).await?;
        Ok(Self { form, log })
    }
}

/// The `boundary` parameter of a multipart `Content-Type`.
fn boundary_of(content_type: &[u8]) -> Option<Vec<u8>> {
    disposition_params(content_type)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(b"boundary"))
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && v.len() <= 200)
}

/// Longest header block kept per part.
const MAX_HEADER_BYTES: usize = 2048;
/// Header blocks kept per request (more parts than a form may have).
const MAX_HEADER_BLOCKS: usize = 64;

/// The raw header block of each part, in order, found by the delimiter
/// `--boundary`. Bounded: what is kept is at most 64 blocks of 2 KiB, and
/// the bytes waiting to be searched at most one chunk more than that.
struct HeaderLog {
    delimiter: Option<Vec<u8>>,
    pending: Vec<u8>,
    blocks: Vec<Vec<u8>>,
}

impl HeaderLog {
    fn new(boundary: Option<Vec<u8>>) -> Self {
        Self {
            delimiter: boundary.map(|b| [&b"--"[..], &b].concat()),
            pending: Vec::new(),
            blocks: Vec::new(),
        }
    }

    fn feed(&mut self, chunk: &[u8]) {
        let Some(delimiter) = &self.delimiter else {
            return;
        };
        if self.blocks.len() >= MAX_HEADER_BLOCKS {
            return;
        }
        self.pending.extend_from_slice(chunk);
        loop {
            let Some(at) = memchr::memmem::find(&self.pending, delimiter) else {
                // Keep what could be the start of a delimiter cut by the chunk.
                let keep = delimiter.len().saturating_sub(1).min(self.pending.len());
                self.pending.drain(..self.pending.len() - keep);
                return;
            };
            let start = at + delimiter.len();
            let after = self.pending.get(start..).unwrap_or_default();
            let end = memchr::memmem::find(after, b"\r\n\r\n");
            if end.is_none() && after.len() < MAX_HEADER_BYTES {
                // The block is not all here yet.
                self.pending.drain(..at);
                return;
            }
            let block = &after[..end.unwrap_or(MAX_HEADER_BYTES).min(MAX_HEADER_BYTES)];
            // The closing delimiter `--boundary--` starts no part.
            if !block.starts_with(b"--") {
                self.blocks.push(block.to_vec());
            }
            self.pending.drain(..start);
            if self.blocks.len() >= MAX_HEADER_BLOCKS {
                self.pending = Vec::new();
                return;
            }
        }
    }

    /// The error for part `index`, whose headers multer could not read.
    fn failure(&self, index: usize, message: String) -> FormError {
        let raw_name = self
            .blocks
            .get(index)
            .and_then(|block| disposition_line(block))
            .and_then(disposition_file_name);
        let Some(raw_name) = raw_name else {
            return FormError::Malformed(message);
        };
        let shown: String = raw_name
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(MAX_NAME_CHARS)
            .collect();
        let shown = shown.trim().to_string();
        if raw_name.chars().any(char::is_control) {
            FormError::UnreadableFileName(shown)
        } else {
            FormError::UnreadablePart {
                name: shown,
                message,
            }
        }
    }
}

/// The value of the `Content-Disposition` line of a raw header block. Only
/// CRLF ends it: a bare line feed is what broke the block.
fn disposition_line(block: &[u8]) -> Option<&[u8]> {
    let mut rest = block;
    loop {
        let line_end = memchr::memmem::find(rest, b"\r\n").unwrap_or(rest.len());
        let line = &rest[..line_end];
        if let Some(colon) = line.iter().position(|&b| b == b':')
            && line[..colon]
                .trim_ascii()
                .eq_ignore_ascii_case(CONTENT_DISPOSITION.as_str().as_bytes())
        {
            return Some(&line[colon + 1..]);
        }
        rest = rest.get(line_end + 2..)?;
    }
}

struct FieldSource<'a, 'b> {
    field: &'b mut Field<'a>,
}

impl ChunkSource for FieldSource<'_, '_> {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, String> {
        self.field.chunk().await.map_err(|e| e.body_text())
    }
}

/// Reads the whole form. File parts are those with a file name; an empty
/// file input (no name, no bytes) is ignored. On a refused file the rest
/// of the request is drained so the client gets the answer, not a reset.
pub async fn read(upload: Upload, store: &Store, policy: &Policy) -> Result<FormData, FormError> {
    let Upload { mut form, log } = upload;
    let mut data = FormData::default();
    let mut file_parts = 0usize;
    let mut parts = 0usize;
    let mut failure: Option<FormError> = None;
    loop {
        let next = form.next_field().await.map_err(|e| match log.lock() {
            Ok(log) => log.failure(parts, e.body_text()),
            Err(_) => FormError::Malformed(e.body_text()),
        });
        let mut field = match next {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(failure.unwrap_or(e)),
        };
        parts += 1;
        if failure.is_some() {
            // Drain what is left of a refused request.
            while let Ok(Some(_)) = field.chunk().await {}
            continue;
        }
        let name = field.name().unwrap_or("").to_string();
        let file_name = field
            .headers()
            .get(CONTENT_DISPOSITION)
            .and_then(|v| disposition_file_name(v.as_bytes()));
        match file_name {
            Some(file_name) if !file_name.is_empty() => {
                file_parts += 1;
                if let Err(e) = policy.check_count(file_parts) {
                    failure = Some(e.into());
                    while let Ok(Some(_)) = field.chunk().await {}
                    continue;
                }
                let mut source = FieldSource { field: &mut field };
                match store.save(&file_name, &mut source, policy).await {
                    Ok(stored) => data.files.push(stored),
                    Err(e) => {
                        while let Ok(Some(_)) = field.chunk().await {}
                        failure = Some(e.into());
                    }
                }
            }
            Some(_) => while let Ok(Some(_)) = field.chunk().await {},
            None => {
                if data.fields.len() >= MAX_FIELDS {
                    failure = Some(FormError::TooManyFields);
                    continue;
                }
                let mut value = Vec::new();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| FormError::Malformed(e.body_text()))?
                {
                    if value.len() + chunk.len() > MAX_FIELD_BYTES {
                        failure = Some(FormError::FieldTooLong(name.clone()));
                        break;
                    }
                    value.extend_from_slice(&chunk);
                }
                if failure.is_none() {
                    let text = String::from_utf8(value)
                        .map_err(|_| FormError::Malformed(format!("`{name}` is not UTF-8 text")))?;
                    data.fields.insert(name, text);
                }
            }
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn file_name(header: &[u8]) -> Option<String> {
        disposition_file_name(header)
    }

    #[test]
    fn file_names_from_raw_headers() {
        assert_eq!(
            file_name(b"form-data; name=\"files\"; filename=\"a b.png\""),
            Some("a b.png".into())
        );
        assert_eq!(file_name(b"form-data; name=\"files\""), None);
        assert_eq!(
            file_name(b"form-data; name=\"f\"; filename=\"\""),
            Some("".into())
        );
        assert_eq!(
            file_name(b"form-data; filename=plain.txt; name=f"),
            Some("plain.txt".into())
        );
        assert_eq!(
            file_name(b"form-data; name=\"f\"; filename=\"caf\xe9.txt\""),
            Some("caf\u{e9}.txt".into())
        );
        assert_eq!(
            file_name(b"form-data; filename=\"say \\\"hi\\\".txt\""),
            Some("say \"hi\".txt".into())
        );
        assert_eq!(
            file_name(b"form-data; filename*=UTF-8''%E2%82%AC.txt; filename=\"eur.txt\""),
            Some("\u{20ac}.txt".into())
        );
        // A broken extended value falls back to the plain one.
        assert_eq!(
            file_name(b"form-data; filename*=UTF-8''%E2%8.txt; filename=\"eur.txt\""),
            Some("eur.txt".into())
        );
        assert_eq!(
            file_name(b"form-data; filename*=iso-8859-1'en'caf%E9.txt"),
            Some("caf\u{e9}.txt".into())
        );
        // `name` is not `filename`, nor is `xfilename`.
        assert_eq!(
            file_name(b"form-data; name=\"filename\"; xfilename=\"a\""),
            None
        );
    }

    fn body(parts: &[(String, Vec<u8>)], boundary: &str) -> Vec<u8> {
        let mut v = b"preamble\r\n".to_vec();
        for (disposition, content) in parts {
            v.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes(),
            );
            v.extend_from_slice(content);
            v.extend_from_slice(b"\r\n");
        }
        v.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        v
    }

    #[test]
    fn a_broken_part_is_named() {
        let boundary = "XyZ";
        let mut log = HeaderLog::new(Some(boundary.as_bytes().to_vec()));
        let parts = vec![
            ("form-data; name=\"type\"".to_string(), b"bug".to_vec()),
            (
                "form-data; name=\"files\"; filename=\"two\nlines.txt\"".to_string(),
                b"x".to_vec(),
            ),
        ];
        log.feed(&body(&parts, boundary));
        assert!(matches!(
            log.failure(1, "bad".into()),
            FormError::UnreadableFileName(n) if n == "two lines.txt"
        ));
        assert!(matches!(
            log.failure(0, "bad".into()),
            FormError::Malformed(_)
        ));
        assert!(matches!(
            log.failure(5, "bad".into()),
            FormError::Malformed(_)
        ));
        assert_eq!(
            boundary_of(b"multipart/form-data; boundary=\"a b\""),
            Some(b"a b".to_vec())
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_headers_never_panic(header in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = file_name(&header);
            let _ = boundary_of(&header);
            if let Some(line) = disposition_line(&header) {
                prop_assert!(line.len() < header.len());
            }
        }

        /// Quoted names come back as written, quotes escaped or not.
        #[test]
        fn quoted_names_round_trip(name in "[^\"\\\\\r\n]{0,40}", quote in any::<bool>()) {
            let name = if quote { format!("{name}\"x") } else { name };
            let quoted = name.replace('"', "\\\"");
            let header = format!("form-data; name=\"files\"; filename=\"{quoted}\"");
            prop_assert_eq!(file_name(header.as_bytes()), Some(name));
        }

        /// RFC 5987 names: any text, percent-encoded, comes back.
        #[test]
        fn extended_names_round_trip(name in any::<String>()) {
            let encoded: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
            let header = format!("form-data; name=\"f\"; filename*=UTF-8''{encoded}");
            prop_assert_eq!(file_name(header.as_bytes()), Some(name));
        }

        /// However the body is cut into chunks, the same header blocks are
        /// found, one per part.
        #[test]
        fn header_blocks_do_not_depend_on_chunking(
            names in prop::collection::vec("[a-z .\n\u{e9}]{0,20}", 1..6),
            content in prop::collection::vec(any::<u8>(), 0..300),
            cuts in prop::collection::vec(1usize..200, 0..20),
        ) {
            let boundary = "----bound4ry";
            let parts: Vec<(String, Vec<u8>)> = names
                .iter()
                .map(|n| (format!("form-data; name=\"files\"; filename=\"{n}\""), content.clone()))
                .collect();
            prop_assume!(!content.windows(boundary.len()).any(|w| w == boundary.as_bytes()));
            let data = body(&parts, boundary);
            let mut whole = HeaderLog::new(Some(boundary.as_bytes().to_vec()));
            whole.feed(&data);
            let mut chunked = HeaderLog::new(Some(boundary.as_bytes().to_vec()));
            let mut rest = &data[..];
            for cut in cuts.iter().cycle().take(1000) {
                if rest.is_empty() {
                    break;
                }
                let (a, b) = rest.split_at((*cut).min(rest.len()));
                chunked.feed(a);
                rest = b;
            }
            chunked.feed(rest);
            prop_assert_eq!(&whole.blocks, &chunked.blocks);
            prop_assert_eq!(whole.blocks.len(), names.len());
            for (i, n) in names.iter().enumerate() {
                let line = disposition_line(&whole.blocks[i]).expect("a disposition line");
                prop_assert_eq!(file_name(line), Some(n.clone()));
            }
        }
    }
}
