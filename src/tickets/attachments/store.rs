//! Streaming uploads to disk, content-addressed by SHA-256.
//!
//! Layout under the root (`<data>/attachments`):
//! `tmp/` holds uploads in progress, `objects/ab/cdef…` the accepted files.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::fs::{self, File};
use tokio::io::AsyncWriteExt;

use super::filename::clean_filename;
use super::ooxml::{self, OfficeKind, PackageError};
use super::sniff::{HEAD_LEN, content_type, expected, sniff};
use super::{AttachmentError, Detected, Policy};

/// A stream of upload chunks (an axum multipart `Field`, or [`VecSource`]).
/// The error is a message for the user, e.g. "connection reset".
pub trait ChunkSource {
    /// The next chunk, or `None` at the end.
    fn next_chunk(&mut self) -> impl Future<Output = Result<Option<Bytes>, String>> + Send;
}

/// An in-memory [`ChunkSource`], for tests and already-buffered data.
#[derive(Debug, Clone, Default)]
pub struct VecSource {
    chunks: VecDeque<Bytes>,
    /// Returned once all chunks are consumed, to simulate a broken upload.
    error: Option<String>,
}

impl VecSource {
    pub fn new(chunks: Vec<Bytes>) -> Self {
        Self {
            chunks: chunks.into(),
            error: None,
        }
    }

    /// `data` split into chunks of `chunk_size` bytes (at least 1).
    pub fn chunked(data: &[u8], chunk_size: usize) -> Self {
        let data = Bytes::copy_from_slice(data);
        let size = chunk_size.max(1);
        let chunks = (0..data.len())
            .step_by(size)
            .map(|i| data.slice(i..(i + size).min(data.len())))
            .collect();
        Self::new(chunks)
    }

    /// Fails with `message` after the chunks, like a dropped connection.
    pub fn failing(chunks: Vec<Bytes>, message: impl Into<String>) -> Self {
        Self {
            chunks: chunks.into(),
            error: Some(message.into()),
        }
    }

    /// Chunks not consumed yet.
    pub fn remaining(&self) -> usize {
        self.chunks.len()
    }
}

impl ChunkSource for VecSource {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, String> {
        match self.chunks.pop_front() {
            Some(chunk) => Ok(Some(chunk)),
            None => self.error.take().map_or(Ok(None), Err),
        }
    }
}

/// An accepted attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Sanitised name to show and to offer as download name.
    pub name: String,
    /// Lowercase extension, checked against the content.
    pub ext: String,
    pub content_type: &'static str,
    pub size: u64,
    /// Lowercase hex; the object's key for [`Store::path_of`].
    pub sha256: String,
}

/// Content-addressed attachment storage.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// `root` is `<data>/attachments`; directories are created on demand.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    fn objects_dir(&self) -> PathBuf {
        self.root.join("objects")
    }

    /// Creates `tmp/` and `objects/`; [`Store::save`] calls it too.
    pub async fn ensure_dirs(&self) -> io::Result<()> {
        fs::create_dir_all(self.tmp_dir()).await?;
        fs::create_dir_all(self.objects_dir()).await
    }

    /// Removes uploads left in `tmp/` by a crash. Call at startup only:
    /// it would also remove uploads in progress. Returns how many.
    pub async fn sweep_tmp(&self) -> io::Result<usize> {
        let mut entries = match fs::read_dir(self.tmp_dir()).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        while let Some(entry) = entries.next_entry().await? {
            if entry.file_type().await?.is_file() {
                fs::remove_file(entry.path()).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Where the object with this hash lives; `None` unless `sha256` is
    /// exactly 64 lowercase hex digits, so no caller input reaches a path.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            return None;
        }
        let (dir, rest) = sha256.split_at(2);
        Some(self.objects_dir().join(dir).join(rest))
    }

    /// Streams one upload into the store; see the module docs for the
    /// checks. On any error nothing is left in `tmp/`. After `TooLarge`
    /// or `ContentMismatch` the source is not read further; the caller
    /// may drain it.
    pub async fn save<S: ChunkSource>(
        &self,
        raw_name: &str,
        source: &mut S,
        policy: &Policy,
    ) -> Result<Stored, AttachmentError> {
        // Refuse on the name alone before reading a byte.
        let clean = clean_filename(raw_name, policy)?;
        let name = clean.full;
        let ext = clean.ext;
        let Some(want) = expected(&ext) else {
            // Unreachable through `Policy::accepts`, kept as a safe default.
            return Err(AttachmentError::NotAllowed {
                name,
                ext,
                allowed: policy.accepted_list(),
            });
        };
        self.ensure_dirs().await?;
        let mut tmp = TempFile::create(&self.tmp_dir())?;

        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut head: Vec<u8> = Vec::with_capacity(HEAD_LEN);
        let mut sniffed = false;
        let result: Result<(), AttachmentError> = async {
            loop {
                let chunk = match source.next_chunk().await {
                    Ok(Some(chunk)) => chunk,
                    Ok(None) => break,
                    Err(message) => {
                        return Err(AttachmentError::Read {
                            name: name.clone(),
                            message,
                        });
                    }
                };
                size = size.saturating_add(chunk.len() as u64);
                if size > policy.max_file_bytes {
                    return Err(AttachmentError::TooLarge {
                        name: name.clone(),
                        limit_bytes: policy.max_file_bytes,
                    });
                }
                if !sniffed {
                    let take = (HEAD_LEN - head.len()).min(chunk.len());
                    head.extend_from_slice(&chunk[..take]);
                    if head.len() == HEAD_LEN {
                        // Refuse a mismatch before writing more of it.
                        check_content(&head, want, &name, &ext)?;
                        sniffed = true;
                    }
                }
                hasher.update(&chunk);
                tmp.file()?.write_all(&chunk).await?;
            }
            if size == 0 {
                return Err(AttachmentError::Empty { name: name.clone() });
            }
            if !sniffed {
                check_content(&head, want, &name, &ext)?;
            }
            let file = tmp.file()?;
            file.flush().await?;
            file.sync_all().await?;
            // An Office file's directory is at its end, so it is checked
            // once the whole file is on disk.
            if let Some(kind) = OfficeKind::for_extension(&ext) {
                check_package(tmp.path.clone(), size, kind, &name, &ext).await?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tmp.remove().await;
            return Err(e);
        }

        let sha256 = to_hex(&hasher.finalize());
        let Some(target) = self.path_of(&sha256) else {
            tmp.remove().await;
            return Err(io::Error::other("invalid object hash").into());
        };
        if let Err(e) = tmp.persist(&target, size).await {
            tmp.remove().await;
            return Err(e.into());
        }
        Ok(Stored {
            name,
            content_type: content_type(&ext),
            ext,
            size,
            sha256,
        })
    }
}

fn check_content(
    head: &[u8],
    want: Detected,
    name: &str,
    ext: &str,
) -> Result<(), AttachmentError> {
    match sniff(head) {
        Some(got) if got == want => Ok(()),
        Some(Detected::Markup) if want == Detected::Text => Err(AttachmentError::ActiveContent {
            name: name.to_owned(),
        }),
        _ => Err(AttachmentError::ContentMismatch {
            name: name.to_owned(),
            ext: ext.to_owned(),
        }),
    }
}

/// Reads the stored upload's ZIP directory back (blocking reads, off the
/// async threads) and checks it is a package of `kind`.
async fn check_package(
    path: PathBuf,
    len: u64,
    kind: OfficeKind,
    name: &str,
    ext: &str,
) -> Result<(), AttachmentError> {
    let outcome = tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path)?;
        Ok::<_, io::Error>(ooxml::check(&mut file, len, kind))
    })
    .await
    .map_err(io::Error::other)??;
    match outcome {
        Ok(_) => Ok(()),
        Err(PackageError::Io(e)) => Err(e.into()),
        Err(PackageError::Bomb(reason)) => Err(AttachmentError::ZipBomb {
            name: name.to_owned(),
            reason,
        }),
        Err(other) => Err(AttachmentError::NotPackage {
            name: name.to_owned(),
            ext: ext.to_owned(),
            reason: other.to_string(),
        }),
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0F)]));
    }
    out
}

/// An upload in progress under `tmp/`. Dropping it (also when the request
/// future is cancelled mid-upload) removes the file.
struct TempFile {
    path: PathBuf,
    file: Option<File>,
    /// False once renamed into place or removed.
    armed: bool,
}

impl TempFile {
    fn create(dir: &Path) -> io::Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // create_new makes a collision an error instead of a shared file.
        // The open is synchronous (one short syscall) on purpose: with
        // tokio's, a cancelled request could create a file nobody removes.
        for _ in 0..16 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("{}-{nanos}-{n}.part", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    return Ok(Self {
                        path,
                        file: Some(File::from_std(file)),
                        armed: true,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free temporary file name",
        ))
    }

    fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("temporary file already closed"))
    }

    /// Moves the finished upload to `target`, or drops it if an object
    /// with the same content (same hash and size) is already there.
    async fn persist(&mut self, target: &Path, size: u64) -> io::Result<()> {
        // Close before renaming: required on Windows, harmless elsewhere.
        drop(self.file.take());
        let dir = target.parent().unwrap_or(target);
        fs::create_dir_all(dir).await?;
        if same_size(target, size).await {
            self.remove().await;
            return Ok(());
        }
        if let Err(e) = fs::rename(&self.path, target).await {
            // A concurrent upload of the same content may have won.
            if same_size(target, size).await {
                self.remove().await;
                return Ok(());
            }
            return Err(e);
        }
        self.armed = false;
        sync_dir(dir).await
    }

    async fn remove(&mut self) {
        drop(self.file.take());
        if self.armed {
            // Best effort: an error here must not hide the original one,
            // and `sweep_tmp` catches leftovers.
            let _ = fs::remove_file(&self.path).await;
            self.armed = false;
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            drop(self.file.take());
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

async fn same_size(path: &Path, size: u64) -> bool {
    fs::metadata(path)
        .await
        .is_ok_and(|m| m.is_file() && m.len() == size)
}

/// Makes the rename durable: the new directory entry is on disk too.
#[cfg(unix)]
async fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir).await?.sync_all().await
}

#[cfg(not(unix))]
async fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::attachments::samples::{exe_disguised_as_pdf, sample};
    use crate::tickets::attachments::{CONFIGURABLE, DEFAULT_MAX_FILE_BYTES};

    fn setup() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::new(dir.path().join("attachments"));
        (dir, store)
    }

    async fn tmp_entries(store: &Store) -> usize {
        let mut n = 0;
        if let Ok(mut rd) = fs::read_dir(store.tmp_dir()).await {
            while rd.next_entry().await.expect("read dir").is_some() {
                n += 1;
            }
        }
        n
    }

    async fn save_bytes(
        store: &Store,
        name: &str,
        data: &[u8],
        policy: &Policy,
    ) -> Result<Stored, AttachmentError> {
        store
            .save(name, &mut VecSource::chunked(data, 1000), policy)
            .await
    }

    fn sha256_hex(data: &[u8]) -> String {
        to_hex(&Sha256::digest(data))
    }

    #[tokio::test]
    async fn every_accepted_extension_round_trips() {
        let (_dir, store) = setup();
        let policy = Policy {
            allowed: CONFIGURABLE.iter().map(|e| (*e).to_owned()).collect(),
            ..Policy::default()
        };
        for ext in CONFIGURABLE {
            let data = sample(ext);
            let stored = save_bytes(&store, &format!("file.{ext}"), &data, &policy)
                .await
                .unwrap_or_else(|e| panic!("{ext}: {e}"));
            assert_eq!(stored.name, format!("file.{ext}"));
            assert_eq!(stored.ext, *ext);
            assert_eq!(stored.content_type, content_type(ext));
            assert_eq!(stored.size, data.len() as u64);
            assert_eq!(stored.sha256, sha256_hex(&data));
            let path = store.path_of(&stored.sha256).expect("valid hash");
            assert_eq!(
                fs::read(&path).await.expect("object readable"),
                data,
                "{ext}"
            );
        }
        assert_eq!(tmp_entries(&store).await, 0);
    }

    #[tokio::test]
    async fn mismatched_content_is_refused_per_family() {
        let (_dir, store) = setup();
        let policy = Policy {
            allowed: CONFIGURABLE.iter().map(|e| (*e).to_owned()).collect(),
            ..Policy::default()
        };
        // One wrong pairing per family, each with a valid sample of another.
        let cases = [
            ("png", "gif"),
            ("gif", "png"),
            ("jpg", "png"),
            ("heic", "mp4"),
            ("mp4", "heic"),
            ("mov", "mp4"),
            ("dng", "jpeg"),
            ("pdf", "txt"),
            ("txt", "png"),
            ("doc", "docx"),
            ("docx", "doc"),
            ("xlsx", "pdf"),
            ("pptx", "png"),
            ("msi", "pdf"),
            ("mp3", "ogg"),
            ("ogg", "mp3"),
        ];
        for (declared, actual) in cases {
            let name = format!("x.{declared}");
            let err = save_bytes(&store, &name, &sample(actual), &policy)
                .await
                .expect_err("must be refused");
            assert!(
                matches!(&err, AttachmentError::ContentMismatch { ext, .. } if ext == declared),
                "{declared} <- {actual}: {err}"
            );
            assert_eq!(err.code(), "content_mismatch");
        }
        let err = save_bytes(&store, "report.pdf", &exe_disguised_as_pdf(), &policy)
            .await
            .expect_err("must be refused");
        assert_eq!(err.to_string(), "report.pdf: its content is not a PDF");
        assert_eq!(tmp_entries(&store).await, 0);
    }

    #[tokio::test]
    async fn office_files_must_be_real_packages_that_do_not_explode() {
        use crate::tickets::attachments::samples::{zip, zip_bomb_docx};
        let (_dir, store) = setup();
        let policy = Policy::default();
        let plain = zip(&[("notes.txt", b"not a document")]);
        let err = save_bytes(&store, "letter.docx", &plain, &policy)
            .await
            .expect_err("must be refused");
        assert_eq!(
            err.to_string(),
            "letter.docx: its content is not a Word document (it has no [Content_Types].xml)"
        );
        assert_eq!(err.code(), "content_mismatch");
        // A Word document's parts are no spreadsheet.
        let err = save_bytes(&store, "sheet.xlsx", &sample("docx"), &policy)
            .await
            .expect_err("must be refused");
        assert_eq!(
            err.to_string(),
            "sheet.xlsx: its content is not an Excel spreadsheet (it has no xl/ folder)"
        );
        let err = save_bytes(&store, "bomb.docx", &zip_bomb_docx(20), &policy)
            .await
            .expect_err("must be refused");
        assert_eq!(
            err.to_string(),
            "bomb.docx: refused as a possible zip bomb (an entry would expand more than 100 times)"
        );
        assert_eq!((err.code(), err.status()), ("zip_bomb", 400));
        assert_eq!(tmp_entries(&store).await, 0);
    }

    #[tokio::test]
    async fn markup_and_scripts_named_txt_are_refused() {
        let (_dir, store) = setup();
        let policy = Policy::default();
        for text in [
            "<!DOCTYPE html><p>hi",
            "\u{feff}  <svg xmlns='http://www.w3.org/2000/svg'/>",
            "<?xml version='1.0'?><svg/>",
            "#!/bin/sh\nrm -rf ~",
            "Notes\n\nsee <script>alert(1)</script>",
        ] {
            let err = save_bytes(&store, "notes.txt", text.as_bytes(), &policy)
                .await
                .expect_err(text);
            assert_eq!(
                err.to_string(),
                "notes.txt: its content is HTML, SVG or a script, which is never accepted"
            );
            assert_eq!(err.code(), "type_forbidden");
        }
        // Angle brackets alone are not markup.
        save_bytes(
            &store,
            "notes.txt",
            b"if a<b and c>d: <alice> said so",
            &policy,
        )
        .await
        .expect("plain text");
        assert_eq!(tmp_entries(&store).await, 0);
    }

    #[tokio::test]
    async fn mismatch_is_found_before_reading_everything() {
        let (_dir, store) = setup();
        let mut data = exe_disguised_as_pdf();
        data.resize(HEAD_LEN * 4, 0);
        let mut source = VecSource::chunked(&data, HEAD_LEN);
        let err = store
            .save("report.pdf", &mut source, &Policy::default())
            .await
            .expect_err("must be refused");
        assert!(matches!(err, AttachmentError::ContentMismatch { .. }));
        assert_eq!(source.remaining(), 3);
        assert_eq!(tmp_entries(&store).await, 0);
    }

    #[tokio::test]
    async fn size_limit_is_exact_and_enforced_while_streaming() {
        let (_dir, store) = setup();
        let policy = Policy {
            max_file_bytes: 10_000,
            ..Policy::default()
        };
        let mut data = b"plain text line\n".repeat(1000);
        data.truncate(10_000);
        let ok = save_bytes(&store, "notes.txt", &data, &policy)
            .await
            .expect("accepted");
        assert_eq!(ok.size, 10_000);

        data.push(b'x');
        let mut source = VecSource::chunked(&data, 1000);
        source.chunks.push_back(Bytes::from_static(b"never read"));
        let err = store
            .save("notes.txt", &mut source, &policy)
            .await
            .expect_err("must be refused");
        assert!(
            matches!(
                err,
                AttachmentError::TooLarge {
                    limit_bytes: 10_000,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(err.code(), "too_large");
        // It stopped at the chunk that crossed the limit.
        assert_eq!(source.remaining(), 1);
        assert_eq!(tmp_entries(&store).await, 0);
    }

    #[tokio::test]
    async fn default_limit_message() {
        let (_dir, store) = setup();
        let mut data = sample("mp4");
        data.resize(DEFAULT_MAX_FILE_BYTES as usize + 1, 0);
        let mut source = VecSource::new(vec![Bytes::from(data)]);
        let err = store
            .save("video.mp4", &mut source, &Policy::default())
            .await
            .expect_err("must be refused");
        assert_eq!(err.to_string(), "video.mp4: larger than the 20 MiB limit");
        assert_eq!(tmp_entries(&store).await, 0);
    }

    #[tokio::test]
    async fn empty_files_are_refused() {
        let (_dir, store) = setup();
        let mut source = VecSource::new(vec![Bytes::new(), Bytes::new()]);
        let err = store
            .save("empty.txt", &mut source, &Policy::default())
            .await
            .expect_err("must be refused");
        assert_eq!(err.to_string(), "empty.txt: the file is empty");
        assert_eq!(err.code(), "empty_file");
        assert_eq!(tmp_entries(&store).await, 0);
    }

    #[tokio::test]
    async fn read_errors_remove_the_temp_file() {
        let (_dir, store) = setup();
        let png = sample("png");
        let mut source = VecSource::failing(vec![Bytes::from(png)], "connection reset");
        let err = store
            .save("a.png", &mut source, &Policy::default())
            .await
            .expect_err("must be refused");
        assert_eq!(
            err.to_string(),
            "a.png: the upload was interrupted (connection reset)"
        );
        assert_eq!(err.code(), "read_failed");
        assert_eq!(tmp_entries(&store).await, 0);
    }

    #[tokio::test]
    async fn cancelled_upload_removes_the_temp_file() {
        struct Stalls(bool);
        impl ChunkSource for Stalls {
            async fn next_chunk(&mut self) -> Result<Option<Bytes>, String> {
                if std::mem::replace(&mut self.0, true) {
                    std::future::pending::<()>().await;
                }
                Ok(Some(Bytes::from_static(b"half of a text file")))
            }
        }
        let (_dir, store) = setup();
        let policy = Policy::default();
        let mut source = Stalls(false);
        // Boxed so that drop() really drops the future.
        let mut save = Box::pin(store.save("a.txt", &mut source, &policy));
        // Drive the save until its temp file exists, then cancel it.
        for _ in 0..100_000 {
            tokio::select! {
                biased;
                _ = &mut save => panic!("save cannot finish"),
                _ = tokio::task::yield_now() => {}
            }
            if tmp_entries(&store).await == 1 {
                break;
            }
        }
        assert_eq!(tmp_entries(&store).await, 1);
        drop(save);
        assert_eq!(tmp_entries(&store).await, 0);
    }

    #[tokio::test]
    async fn names_are_refused_before_reading() {
        let (_dir, store) = setup();
        let mut policy = Policy::default();
        policy.allowed.push("svg".into());
        for (name, code) in [
            ("setup.exe", "type_not_allowed"),
            ("invoice.pdf.exe", "type_not_allowed"),
            ("photo\u{202E}gnp.exe", "type_not_allowed"),
            ("page.svg", "type_forbidden"),
            ("index.html", "type_forbidden"),
            ("", "bad_name"),
            ("README", "bad_name"),
        ] {
            let mut source = VecSource::new(vec![Bytes::from(sample("png"))]);
            let err = store
                .save(name, &mut source, &policy)
                .await
                .expect_err("must be refused");
            assert_eq!(err.code(), code, "{name:?}");
            assert_eq!(source.remaining(), 1, "{name:?} was read");
        }
        // Nothing was even created.
        assert!(!fs::try_exists(store.tmp_dir()).await.expect("stat"));
    }

    #[tokio::test]
    async fn traversal_names_are_stored_by_content_only() {
        let (dir, store) = setup();
        let data = sample("png");
        let stored = save_bytes(&store, "../../etc/passwd.png", &data, &Policy::default())
            .await
            .expect("accepted");
        assert_eq!(stored.name, "passwd.png");
        assert!(!dir.path().join("etc").exists());
        let path = store.path_of(&stored.sha256).expect("valid hash");
        assert!(path.starts_with(store.root().join("objects")));
    }

    #[tokio::test]
    async fn identical_content_is_stored_once() {
        let (_dir, store) = setup();
        let policy = Policy::default();
        let data = sample("pdf");
        let a = save_bytes(&store, "a.pdf", &data, &policy)
            .await
            .expect("accepted");
        let b = save_bytes(&store, "b.pdf", &data, &policy)
            .await
            .expect("accepted");
        assert_eq!(a.sha256, b.sha256);
        assert_eq!((a.name.as_str(), b.name.as_str()), ("a.pdf", "b.pdf"));
        let shard = store.path_of(&a.sha256).expect("valid hash");
        let mut rd = fs::read_dir(shard.parent().expect("shard dir"))
            .await
            .expect("read dir");
        let mut n = 0;
        while rd.next_entry().await.expect("read dir").is_some() {
            n += 1;
        }
        assert_eq!(n, 1);
        assert_eq!(tmp_entries(&store).await, 0);
        assert_eq!(fs::read(shard).await.expect("object readable"), data);
    }

    #[tokio::test]
    async fn chunking_does_not_change_the_result() {
        let (_dir, store) = setup();
        let policy = Policy::default();
        let mut data = sample("txt");
        // Spans the sniff window, with a multi-byte char on its edge.
        while data.len() < HEAD_LEN + 100 {
            data.extend_from_slice("é".as_bytes());
        }
        let want = sha256_hex(&data);
        for chunk in [1, 7, HEAD_LEN - 1, HEAD_LEN, HEAD_LEN + 1, data.len()] {
            let mut source = VecSource::chunked(&data, chunk);
            let stored = store
                .save("t.txt", &mut source, &policy)
                .await
                .expect("accepted");
            assert_eq!(stored.sha256, want, "chunk {chunk}");
            assert_eq!(stored.size, data.len() as u64);
        }
        assert_eq!(sniff(&data[..HEAD_LEN]), Some(Detected::Text));
    }

    #[test]
    fn path_of_accepts_only_lowercase_hex() {
        let store = Store::new("/data/attachments");
        let good = "ab".to_owned() + &"0123456789abcdef".repeat(4)[..62];
        assert_eq!(
            store.path_of(&good),
            Some(PathBuf::from("/data/attachments/objects/ab").join(&good[2..]))
        );
        let bad = [
            String::new(),
            good.to_uppercase(),
            good[..63].to_owned(),
            good.clone() + "0",
            "../".to_owned() + &good[3..],
            "g".to_owned() + &good[1..],
            "/".repeat(64),
            "..".repeat(32),
            "é".to_owned() + &good[2..],
        ];
        for b in &bad {
            assert_eq!(store.path_of(b), None, "{b:?}");
        }
    }

    #[tokio::test]
    async fn sweep_tmp_removes_leftovers() {
        let (_dir, store) = setup();
        assert_eq!(store.sweep_tmp().await.expect("sweep"), 0);
        store.ensure_dirs().await.expect("create dirs");
        fs::write(store.tmp_dir().join("1-2-3.part"), b"x")
            .await
            .expect("write");
        assert_eq!(store.sweep_tmp().await.expect("sweep"), 1);
        assert_eq!(tmp_entries(&store).await, 0);
    }

    #[test]
    fn save_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let store = Store::new("/nonexistent");
        let policy = Policy::default();
        let mut source = VecSource::default();
        let fut = store.save("a.png", &mut source, &policy);
        assert_send(&fut);
    }
}
