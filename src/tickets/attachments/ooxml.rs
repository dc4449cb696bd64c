//! Office Open XML packages (docx, xlsx, pptx) checked from their ZIP
//! central directory, without unpacking anything: a real package has
//! `[Content_Types].xml` and its application's folder, and what it
//! declares must not expand beyond [`MAX_TOTAL_UNCOMPRESSED`] or by more
//! than [`MAX_RATIO`] per entry (zip bombs).
//!
//! Everything read is hostile: every offset and length is checked against
//! the file before it is used, and nothing here can panic or allocate more
//! than [`MAX_DIRECTORY_BYTES`]. The sizes checked are the ones the
//! directory declares; whoever unpacks the file later must hold the
//! decompressor to them (every common one does).

use std::collections::HashSet;
use std::io::{self, Read, Seek, SeekFrom};

/// Largest total the entries may declare once unpacked.
pub const MAX_TOTAL_UNCOMPRESSED: u64 = 1024 * 1024 * 1024;
/// Largest uncompressed/compressed ratio of one entry (XML rarely passes
/// 20; deflate's own maximum is about 1032).
pub const MAX_RATIO: u64 = 100;
/// Entries smaller than this once unpacked are not held to [`MAX_RATIO`]:
/// a tiny, very repetitive part is harmless.
pub const RATIO_GRACE_BYTES: u64 = 100 * 1024;
/// Most entries in one package (real documents have tens to hundreds).
pub const MAX_ENTRIES: u64 = 10_000;
/// Largest central directory read.
pub const MAX_DIRECTORY_BYTES: u64 = 8 * 1024 * 1024;

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD_LEN: u64 = 22;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_LEN: u64 = 20;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_EOCD_LEN: u64 = 56;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: u64 = 30;
const MAX_COMMENT: u64 = 0xFFFF;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;

/// Which Office application's package a file must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeKind {
    Word,
    Excel,
    PowerPoint,
}

impl OfficeKind {
    /// The package kind a file with this extension must be, if any.
    pub fn for_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "docx" => Some(Self::Word),
            "xlsx" => Some(Self::Excel),
            "pptx" => Some(Self::PowerPoint),
            _ => None,
        }
    }

    /// The folder holding the application's parts.
    fn folder(self) -> &'static str {
        match self {
            Self::Word => "word/",
            Self::Excel => "xl/",
            Self::PowerPoint => "ppt/",
        }
    }
}

/// Why a file is not an acceptable package. `Display` is for end users.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// Not a well-formed single-disk ZIP archive.
    #[error("{0}")]
    Malformed(&'static str),
    /// A ZIP, but not the package its extension says.
    #[error("it has no {0}")]
    Missing(&'static str),
    /// It would expand too much.
    #[error("{0}")]
    Bomb(String),
    /// Reading the stored file failed (a server fault, not the file's).
    #[error("the file could not be read back")]
    Io(#[source] io::Error),
}

/// What a package declares, once accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub entries: u64,
    pub total_uncompressed: u64,
}

/// Random access to the file being checked: a slice in memory, or the
/// uploaded file on disk.
pub trait ReadAt {
    /// Fills `buf` from `offset`; callers only ask for ranges inside the file.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
}

impl ReadAt for &[u8] {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| eof())?;
        let end = start.checked_add(buf.len()).ok_or_else(eof)?;
        let src = self.get(start..end).ok_or_else(eof)?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

impl ReadAt for std::fs::File {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.seek(SeekFrom::Start(offset))?;
        self.read_exact(buf)
    }
}

fn eof() -> io::Error {
    io::Error::from(io::ErrorKind::UnexpectedEof)
}

/// Checks an in-memory file (tests, property tests).
pub fn check_bytes(data: &[u8], kind: OfficeKind) -> Result<Summary, PackageError> {
    let mut src = data;
    check(&mut src, data.len() as u64, kind)
}

/// Checks the `len`-byte file behind `src` as a package of `kind`.
pub fn check<R: ReadAt>(src: &mut R, len: u64, kind: OfficeKind) -> Result<Summary, PackageError> {
    let dir = locate_directory(src, len)?;
    let size = usize::try_from(dir.size).map_err(|_| too_big_directory())?;
    let mut bytes = vec![0u8; size];
    src.read_at(dir.offset, &mut bytes)
        .map_err(PackageError::Io)?;
    check_directory(&bytes, &dir, kind)
}

/// Where the central directory is, from the end records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Directory {
    offset: u64,
    size: u64,
    entries: u64,
}

fn locate_directory<R: ReadAt>(src: &mut R, len: u64) -> Result<Directory, PackageError> {
    if len < EOCD_LEN {
        return Err(PackageError::Malformed(
            "it is too short to be a ZIP archive",
        ));
    }
    // The end record is in the last 22 + 65535 (comment) bytes.
    let tail_len = len.min(EOCD_LEN + MAX_COMMENT);
    let tail_start = len - tail_len;
    let mut tail = vec![0u8; usize::try_from(tail_len).map_err(|_| no_end_record())?];
    src.read_at(tail_start, &mut tail)
        .map_err(PackageError::Io)?;
    let at = find_end_record(&tail).ok_or_else(no_end_record)?;
    let eocd_pos = tail_start + at as u64;
    let r = Reader::new(&tail[at..]);
    let disk = r.u16(4)?;
    let cd_disk = r.u16(6)?;
    let on_disk = r.u16(8)?;
    let total = r.u16(10)?;
    let mut dir = Directory {
        size: u64::from(r.u32(12)?),
        offset: u64::from(r.u32(16)?),
        entries: u64::from(total),
    };
    if disk != 0 || cd_disk != 0 || on_disk != total {
        return Err(multi_disk());
    }
    // Where the directory must end: the end record, or the ZIP64 record.
    let mut directory_end = eocd_pos;
    if let Some(locator_pos) = eocd_pos.checked_sub(ZIP64_LOCATOR_LEN) {
        let mut locator = [0u8; ZIP64_LOCATOR_LEN as usize];
        src.read_at(locator_pos, &mut locator)
            .map_err(PackageError::Io)?;
        let l = Reader::new(&locator);
        if l.u32(0)? == ZIP64_LOCATOR_SIG {
            if l.u32(4)? != 0 || l.u32(16)? > 1 {
                return Err(multi_disk());
            }
            let record_pos = l.u64(8)?;
            if record_pos
                .checked_add(ZIP64_EOCD_LEN)
                .is_none_or(|end| end > locator_pos)
            {
                return Err(PackageError::Malformed(
                    "its ZIP64 end record is outside the file",
                ));
            }
            let mut record = [0u8; ZIP64_EOCD_LEN as usize];
            src.read_at(record_pos, &mut record)
                .map_err(PackageError::Io)?;
            let z = Reader::new(&record);
            if z.u32(0)? != ZIP64_EOCD_SIG {
                return Err(PackageError::Malformed("its ZIP64 end record is damaged"));
            }
            if z.u32(16)? != 0 || z.u32(20)? != 0 || z.u64(24)? != z.u64(32)? {
                return Err(multi_disk());
            }
            dir = Directory {
                entries: z.u64(32)?,
                size: z.u64(40)?,
                offset: z.u64(48)?,
            };
            directory_end = record_pos;
        }
    }
    if dir.entries == 0 {
        return Err(PackageError::Malformed("the archive is empty"));
    }
    if dir.entries > MAX_ENTRIES {
        return Err(PackageError::Bomb(format!(
            "it has more than {MAX_ENTRIES} entries"
        )));
    }
    if dir.size > MAX_DIRECTORY_BYTES {
        return Err(too_big_directory());
    }
    if dir
        .offset
        .checked_add(dir.size)
        .is_none_or(|end| end > directory_end)
    {
        return Err(PackageError::Malformed(
            "its central directory is outside the file",
        ));
    }
    Ok(dir)
}

/// The last end-of-central-directory record whose comment ends exactly at
/// the end of the file (a signature inside a comment does not count).
fn find_end_record(tail: &[u8]) -> Option<usize> {
    let last = tail.len().checked_sub(EOCD_LEN as usize)?;
    (0..=last).rev().find(|&i| {
        let r = Reader::new(&tail[i..]);
        r.u32(0).ok() == Some(EOCD_SIG)
            && r.u16(20)
                .is_ok_and(|comment| i + EOCD_LEN as usize + usize::from(comment) == tail.len())
    })
}

/// One central directory entry, as far as the checks need it.
struct Entry {
    local_offset: u64,
    /// Local header and data: from `local_offset`, at least this many bytes.
    min_span: u64,
}

fn check_directory(
    bytes: &[u8],
    dir: &Directory,
    kind: OfficeKind,
) -> Result<Summary, PackageError> {
    let mut names: HashSet<Vec<u8>> = HashSet::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut has_types = false;
    let mut has_folder = false;
    let mut total: u64 = 0;
    let mut pos = 0usize;
    for _ in 0..dir.entries {
        let r = Reader::new(bytes.get(pos..).ok_or_else(truncated_directory)?);
        if r.u32(0).map_err(|_| truncated_directory())? != CENTRAL_SIG {
            return Err(PackageError::Malformed("its central directory is damaged"));
        }
        let flags = r.u16(8)?;
        let method = r.u16(10)?;
        let name_len = usize::from(r.u16(28)?);
        let extra_len = usize::from(r.u16(30)?);
        let comment_len = usize::from(r.u16(32)?);
        let disk = r.u16(34)?;
        let name = r.bytes(CENTRAL_LEN, name_len)?;
        let extra = r.bytes(CENTRAL_LEN + name_len, extra_len)?;
        let mut compressed = u64::from(r.u32(20)?);
        let mut uncompressed = u64::from(r.u32(24)?);
        let mut local_offset = u64::from(r.u32(42)?);
        zip64_sizes(extra, &mut uncompressed, &mut compressed, &mut local_offset)?;
        if disk != 0 {
            return Err(multi_disk());
        }
        if flags & 1 != 0 {
            return Err(PackageError::Malformed("it has encrypted entries"));
        }
        match method {
            STORED if compressed != uncompressed => {
                return Err(PackageError::Malformed("its entry sizes do not agree"));
            }
            STORED | DEFLATED => {}
            _ => {
                return Err(PackageError::Malformed(
                    "it uses a compression method Office does not",
                ));
            }
        }
        if uncompressed > RATIO_GRACE_BYTES && uncompressed / MAX_RATIO > compressed {
            return Err(PackageError::Bomb(format!(
                "an entry would expand more than {MAX_RATIO} times"
            )));
        }
        total = total.saturating_add(uncompressed);
        if total > MAX_TOTAL_UNCOMPRESSED {
            return Err(PackageError::Bomb(format!(
                "it would expand to more than {} MiB",
                MAX_TOTAL_UNCOMPRESSED / (1024 * 1024)
            )));
        }
        let lower: Vec<u8> = name.to_ascii_lowercase();
        if !names.insert(lower.clone()) {
            return Err(PackageError::Malformed("it has two entries with one name"));
        }
        has_types |= lower == b"[content_types].xml";
        has_folder |=
            lower.len() > kind.folder().len() && lower.starts_with(kind.folder().as_bytes());
        entries.push(Entry {
            local_offset,
            min_span: LOCAL_LEN
                .saturating_add(name_len as u64)
                .saturating_add(compressed),
        });
        pos = pos
            .checked_add(CENTRAL_LEN + name_len + extra_len + comment_len)
            .ok_or_else(truncated_directory)?;
    }
    // Entries must lie one after the other before the directory: entries
    // sharing bytes are how non-recursive zip bombs multiply their data.
    entries.sort_by_key(|e| e.local_offset);
    for (i, e) in entries.iter().enumerate() {
        let next = entries.get(i + 1).map_or(dir.offset, |n| n.local_offset);
        if e.local_offset
            .checked_add(e.min_span)
            .is_none_or(|end| end > next)
        {
            return Err(PackageError::Malformed(
                "its entries overlap or run past the directory",
            ));
        }
    }
    if !has_types {
        return Err(PackageError::Missing("[Content_Types].xml"));
    }
    if !has_folder {
        return Err(PackageError::Missing(match kind {
            OfficeKind::Word => "word/ folder",
            OfficeKind::Excel => "xl/ folder",
            OfficeKind::PowerPoint => "ppt/ folder",
        }));
    }
    Ok(Summary {
        entries: dir.entries,
        total_uncompressed: total,
    })
}

/// Applies a ZIP64 extended-information field (id 1): it holds, in this
/// order, the 64-bit values of those fields whose 32-bit value is all ones.
fn zip64_sizes(
    mut extra: &[u8],
    uncompressed: &mut u64,
    compressed: &mut u64,
    local_offset: &mut u64,
) -> Result<(), PackageError> {
    while extra.len() >= 4 {
        let r = Reader::new(extra);
        let id = r.u16(0)?;
        let len = usize::from(r.u16(2)?);
        let body = r.bytes(4, len)?;
        if id == 1 {
            let b = Reader::new(body);
            let mut at = 0;
            for field in [uncompressed, compressed, local_offset] {
                if *field == u64::from(u32::MAX) {
                    *field = b.u64(at)?;
                    at += 8;
                }
            }
            return Ok(());
        }
        extra = extra.get(4 + len..).unwrap_or_default();
    }
    Ok(())
}

/// Little-endian reads that fail instead of panicking.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn bytes(&self, at: usize, len: usize) -> Result<&'a [u8], PackageError> {
        at.checked_add(len)
            .and_then(|end| self.bytes.get(at..end))
            .ok_or_else(truncated_directory)
    }

    fn array<const N: usize>(&self, at: usize) -> Result<[u8; N], PackageError> {
        self.bytes(at, N)?
            .try_into()
            .map_err(|_| truncated_directory())
    }

    fn u16(&self, at: usize) -> Result<u16, PackageError> {
        self.array(at).map(u16::from_le_bytes)
    }

    fn u32(&self, at: usize) -> Result<u32, PackageError> {
        self.array(at).map(u32::from_le_bytes)
    }

    fn u64(&self, at: usize) -> Result<u64, PackageError> {
        self.array(at).map(u64::from_le_bytes)
    }
}

fn no_end_record() -> PackageError {
    PackageError::Malformed("it is not a complete ZIP archive")
}

fn truncated_directory() -> PackageError {
    PackageError::Malformed("its central directory is truncated")
}

fn too_big_directory() -> PackageError {
    PackageError::Bomb("its central directory is too large".into())
}

fn multi_disk() -> PackageError {
    PackageError::Malformed("it is a multi-part archive")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::attachments::samples::{ZipEntry, sample, zip, zip_bomb_docx, zip_of};

    fn put_u16(v: &mut [u8], at: usize, x: u16) {
        v[at..at + 2].copy_from_slice(&x.to_le_bytes());
    }

    fn put_u32(v: &mut [u8], at: usize, x: u32) {
        v[at..at + 4].copy_from_slice(&x.to_le_bytes());
    }

    /// Offset of the central directory of an archive without a comment.
    fn central(v: &[u8]) -> usize {
        let eocd = v.len() - 22;
        u32::from_le_bytes(v[eocd + 16..eocd + 20].try_into().expect("4 bytes")) as usize
    }

    fn err(v: &[u8], kind: OfficeKind) -> String {
        match check_bytes(v, kind) {
            Ok(s) => panic!("accepted: {s:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn entry(name: &str, method: u16, data: Vec<u8>, uncompressed: u32) -> ZipEntry {
        ZipEntry {
            name: name.into(),
            method,
            data,
            uncompressed,
            crc: 0,
        }
    }

    fn types() -> ZipEntry {
        entry("[Content_Types].xml", 0, b"<Types/>".to_vec(), 8)
    }

    #[test]
    fn real_packages_pass() {
        for (ext, kind) in [
            ("docx", OfficeKind::Word),
            ("xlsx", OfficeKind::Excel),
            ("pptx", OfficeKind::PowerPoint),
        ] {
            let s = check_bytes(&sample(ext), kind).unwrap_or_else(|e| panic!("{ext}: {e}"));
            assert_eq!(s.entries, 2, "{ext}");
            assert_eq!(OfficeKind::for_extension(ext), Some(kind));
        }
        assert_eq!(OfficeKind::for_extension("DOCX"), Some(OfficeKind::Word));
        assert_eq!(OfficeKind::for_extension("doc"), None);
        // Part names are case-insensitive in OPC.
        let v = zip(&[("[content_types].XML", b"x"), ("Word/document.xml", b"x")]);
        assert!(check_bytes(&v, OfficeKind::Word).is_ok());
    }

    #[test]
    fn any_zip_is_not_a_package() {
        let v = zip(&[("photo.jpg", b"jpeg")]);
        assert_eq!(err(&v, OfficeKind::Word), "it has no [Content_Types].xml");
        let v = zip(&[("[Content_Types].xml", b"x"), ("photo.jpg", b"jpeg")]);
        assert_eq!(err(&v, OfficeKind::Excel), "it has no xl/ folder");
        assert_eq!(
            err(&sample("docx"), OfficeKind::PowerPoint),
            "it has no ppt/ folder"
        );
        // The folder itself, empty, is not a part.
        let v = zip(&[("[Content_Types].xml", b"x"), ("word/", b"")]);
        assert_eq!(err(&v, OfficeKind::Word), "it has no word/ folder");
    }

    #[test]
    fn bombs_are_found_from_the_directory() {
        // A real deflate stream: 20 MiB of zeros in 130 KiB.
        assert_eq!(
            err(&zip_bomb_docx(20), OfficeKind::Word),
            "an entry would expand more than 100 times"
        );
        // Each entry under the ratio, the whole over 1 GiB: 11 MiB of data
        // declared to expand 98 times.
        let data = vec![0u8; 11 * 1024 * 1024];
        let v = zip_of(&[
            types(),
            entry("word/document.xml", 8, data, 98 * 11 * 1024 * 1024),
        ]);
        assert_eq!(
            err(&v, OfficeKind::Word),
            "it would expand to more than 1024 MiB"
        );
        // Small, very repetitive parts are fine.
        let v = zip_of(&[
            types(),
            entry("word/document.xml", 8, vec![0; 100], 100 * 1024),
        ]);
        assert!(check_bytes(&v, OfficeKind::Word).is_ok());
    }

    #[test]
    fn overlapping_entries_are_refused() {
        // Two directory entries for the same bytes: how non-recursive bombs
        // multiply one compressed kernel.
        let mut v = zip_of(&[
            types(),
            entry("word/a.xml", 0, vec![b'a'; 64], 64),
            entry("word/b.xml", 0, vec![b'b'; 64], 64),
        ]);
        let cd = central(&v);
        let second = cd + 46 + "[Content_Types].xml".len();
        let third = second + 46 + "word/a.xml".len();
        let a_offset = u32::from_le_bytes(v[second + 42..second + 46].try_into().expect("4"));
        put_u32(&mut v, third + 42, a_offset);
        assert_eq!(
            err(&v, OfficeKind::Word),
            "its entries overlap or run past the directory"
        );
        // An entry claiming more compressed bytes than there are.
        let mut v = sample("docx");
        let cd = central(&v);
        let second = cd + 46 + "[Content_Types].xml".len();
        put_u32(&mut v, second + 20, 10_000);
        put_u32(&mut v, second + 24, 10_000);
        assert_eq!(
            err(&v, OfficeKind::Word),
            "its entries overlap or run past the directory"
        );
    }

    type Damage = Box<dyn Fn(&mut Vec<u8>)>;

    #[test]
    fn hostile_structures_are_refused_without_panicking() {
        let good = sample("docx");
        let cd = central(&good);
        let eocd = good.len() - 22;
        let cases: Vec<(&str, Damage)> = vec![
            (
                "it is too short to be a ZIP archive",
                Box::new(|v| v.truncate(10)),
            ),
            (
                "it is not a complete ZIP archive",
                Box::new(|v| v.truncate(v.len() - 1)),
            ),
            ("it is not a complete ZIP archive", Box::new(|v| v.push(0))),
            (
                "the archive is empty",
                Box::new(move |v| {
                    put_u16(v, eocd + 8, 0);
                    put_u16(v, eocd + 10, 0);
                }),
            ),
            (
                "it is a multi-part archive",
                Box::new(move |v| put_u16(v, eocd + 4, 1)),
            ),
            (
                "it is a multi-part archive",
                Box::new(move |v| put_u16(v, eocd + 8, 1)),
            ),
            (
                "it has more than 10000 entries",
                Box::new(move |v| {
                    put_u16(v, eocd + 8, 10_001);
                    put_u16(v, eocd + 10, 10_001);
                }),
            ),
            (
                "its central directory is truncated",
                Box::new(move |v| {
                    put_u16(v, eocd + 8, 3);
                    put_u16(v, eocd + 10, 3);
                }),
            ),
            (
                "its central directory is outside the file",
                Box::new(move |v| {
                    put_u32(v, eocd + 16, u32::MAX - 2);
                }),
            ),
            (
                "its central directory is outside the file",
                Box::new(move |v| {
                    put_u32(v, eocd + 12, 1_000_000);
                }),
            ),
            (
                "its central directory is too large",
                Box::new(move |v| {
                    put_u32(v, eocd + 12, u32::MAX);
                }),
            ),
            (
                "its central directory is damaged",
                Box::new(move |v| put_u32(v, cd, 0)),
            ),
            (
                "it has encrypted entries",
                Box::new(move |v| put_u16(v, cd + 8, 1)),
            ),
            (
                "it uses a compression method Office does not",
                Box::new(move |v| {
                    put_u16(v, cd + 10, 12);
                }),
            ),
            (
                "its entry sizes do not agree",
                Box::new(move |v| put_u32(v, cd + 24, 9)),
            ),
            (
                "its central directory is truncated",
                Box::new(move |v| put_u16(v, cd + 28, 60_000)),
            ),
        ];
        for (want, damage) in cases {
            let mut v = good.clone();
            damage(&mut v);
            assert_eq!(err(&v, OfficeKind::Word), want);
        }
        let v = zip(&[
            ("[Content_Types].xml", b"x"),
            ("word/a.xml", b"x"),
            ("WORD/A.xml", b"y"),
        ]);
        assert_eq!(
            err(&v, OfficeKind::Word),
            "it has two entries with one name"
        );
    }

    #[test]
    fn a_signature_in_the_comment_is_not_the_end_record() {
        let mut v = sample("docx");
        let real_end = v[v.len() - 22..].to_vec();
        // A comment holding a fake end record pointing nowhere.
        let mut fake = real_end.clone();
        put_u32(&mut fake, 16, 1);
        let comment_len = (fake.len() + 3) as u16;
        let n = v.len();
        put_u16(&mut v, n - 2, comment_len);
        v.extend_from_slice(&fake);
        v.extend_from_slice(b"end");
        assert!(check_bytes(&v, OfficeKind::Word).is_ok());
    }

    /// The sample Word document rewritten as ZIP64: sizes and offsets in
    /// extra fields, ZIP64 end record and locator.
    fn zip64(declared_uncompressed: Option<u64>) -> Vec<u8> {
        let entries = [
            ("[Content_Types].xml", b"<Types/>".to_vec()),
            ("word/document.xml", b"<w:document/>".to_vec()),
        ];
        let mut v = Vec::new();
        let mut offsets = Vec::new();
        for (name, data) in &entries {
            offsets.push(v.len() as u64);
            v.extend_from_slice(b"PK\x03\x04");
            v.extend_from_slice(&[45, 0, 0, 0, 0, 0, 0, 0, 0x21, 0, 0, 0, 0, 0]);
            v.extend_from_slice(&(data.len() as u32).to_le_bytes());
            v.extend_from_slice(&(data.len() as u32).to_le_bytes());
            v.extend_from_slice(&(name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes());
            v.extend_from_slice(name.as_bytes());
            v.extend_from_slice(data);
        }
        let cd = v.len() as u64;
        for ((name, data), offset) in entries.iter().zip(offsets) {
            let uncompressed = match declared_uncompressed {
                Some(n) if name.starts_with("word/") => n,
                _ => data.len() as u64,
            };
            v.extend_from_slice(b"PK\x01\x02");
            v.extend_from_slice(&[45, 0, 45, 0, 0, 0, 8, 0, 0, 0, 0x21, 0, 0, 0, 0, 0]);
            v.extend_from_slice(&u32::MAX.to_le_bytes()); // compressed
            v.extend_from_slice(&u32::MAX.to_le_bytes()); // uncompressed
            v.extend_from_slice(&(name.len() as u16).to_le_bytes());
            v.extend_from_slice(&28u16.to_le_bytes()); // extra
            v.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
            v.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            v.extend_from_slice(&u32::MAX.to_le_bytes()); // offset
            v.extend_from_slice(name.as_bytes());
            v.extend_from_slice(&1u16.to_le_bytes());
            v.extend_from_slice(&24u16.to_le_bytes());
            v.extend_from_slice(&uncompressed.to_le_bytes());
            v.extend_from_slice(&(data.len() as u64).to_le_bytes());
            v.extend_from_slice(&offset.to_le_bytes());
        }
        let cd_len = v.len() as u64 - cd;
        let record = v.len() as u64;
        v.extend_from_slice(b"PK\x06\x06");
        v.extend_from_slice(&44u64.to_le_bytes());
        v.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        v.extend_from_slice(&2u64.to_le_bytes());
        v.extend_from_slice(&2u64.to_le_bytes());
        v.extend_from_slice(&cd_len.to_le_bytes());
        v.extend_from_slice(&cd.to_le_bytes());
        v.extend_from_slice(b"PK\x06\x07");
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&record.to_le_bytes());
        v.extend_from_slice(&1u32.to_le_bytes());
        v.extend_from_slice(b"PK\x05\x06");
        v.extend_from_slice(&[0; 4]);
        v.extend_from_slice(&[0xFF; 12]); // counts, size and offset: see ZIP64
        v.extend_from_slice(&0u16.to_le_bytes());
        v
    }

    #[test]
    fn zip64_archives_are_read_too() {
        let s = check_bytes(&zip64(None), OfficeKind::Word).expect("a valid ZIP64 package");
        assert_eq!(s.entries, 2);
        // The 64-bit sizes are the ones checked.
        assert_eq!(
            err(&zip64(Some(5 << 30)), OfficeKind::Word),
            "an entry would expand more than 100 times"
        );
        let mut v = zip64(None);
        let at = v.len() - 22 - 20 + 8;
        v[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(
            err(&v, OfficeKind::Word),
            "its ZIP64 end record is outside the file"
        );
    }

    #[test]
    fn files_on_disk_are_read_the_same() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.docx");
        let data = sample("docx");
        std::fs::write(&path, &data).expect("write");
        let mut file = std::fs::File::open(&path).expect("open");
        let s = check(&mut file, data.len() as u64, OfficeKind::Word).expect("valid");
        assert_eq!(s, check_bytes(&data, OfficeKind::Word).expect("valid"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
                let _ = check_bytes(&data, OfficeKind::Word);
            }

            /// Damage to a valid package anywhere (most of all in its
            /// directory) is refused or accepted, never a panic.
            #[test]
            fn damaged_packages_never_panic(
                edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                cut in 0usize..64,
                zip64_form in any::<bool>(),
            ) {
                let mut v = if zip64_form { zip64(None) } else { sample("docx") };
                for (at, byte) in edits {
                    let i = at.index(v.len());
                    v[i] = byte;
                }
                v.truncate(v.len().saturating_sub(cut));
                if let Ok(s) = check_bytes(&v, OfficeKind::Word) {
                    prop_assert!(s.entries > 0);
                    prop_assert!(s.total_uncompressed <= MAX_TOTAL_UNCOMPRESSED);
                }
            }

            /// Whatever a valid package's entries declare, the verdict
            /// follows the limits.
            #[test]
            fn declared_sizes_decide(compressed in 0u32..2000, uncompressed in any::<u32>()) {
                let v = zip_of(&[
                    types(),
                    entry("word/document.xml", 8, vec![0; compressed as usize], uncompressed),
                ]);
                let bomb = u64::from(uncompressed) > RATIO_GRACE_BYTES
                    && u64::from(uncompressed) / MAX_RATIO > u64::from(compressed);
                match check_bytes(&v, OfficeKind::Word) {
                    Ok(s) => {
                        prop_assert!(!bomb);
                        prop_assert_eq!(s.total_uncompressed, u64::from(uncompressed) + 8);
                    }
                    Err(e) => {
                        prop_assert!(bomb, "{}", e);
                        prop_assert!(matches!(e, PackageError::Bomb(_)), "{}", e);
                    }
                }
            }
        }
    }
}
