//! Small, dependency-free sample files for attachment tests: one per
//! accepted extension, each passing the content sniffing for it. PNG, GIF,
//! PDF and the ZIP-based formats are structurally valid files; the others
//! carry a correct header padded with zeros.

/// A sample file for `ext` (lowercase, no dot). Panics for an extension
/// without a sample, which is a bug in the test calling it.
pub fn sample(ext: &str) -> Vec<u8> {
    match ext {
        "gif" => gif(),
        "jpeg" | "jpg" => jpeg(),
        "png" => png(),
        "heic" => ftyp(b"heic", &[b"mif1", b"heic"], b"meta"),
        "dng" => dng(),
        "pdf" => pdf(),
        "txt" => "Hello from Frontdesk!\nCaf\u{e9} \u{2615}, line two.\r\n"
            .as_bytes()
            .to_vec(),
        "doc" | "xls" | "msi" => ole2(),
        "docx" => office("word/document.xml", DOCX_XML),
        "xlsx" => office("xl/workbook.xml", XLSX_XML),
        "pptx" => office("ppt/presentation.xml", PPTX_XML),
        "mp3" => mp3(),
        "oga" | "ogg" => ogg(),
        "mp4" => ftyp(b"isom", &[b"isom", b"iso2", b"avc1", b"mp41"], b"mdat"),
        "mov" => ftyp(b"qt  ", &[b"qt  "], b"wide"),
        other => panic!("no sample for .{other}"),
    }
}

/// A Windows executable ("MZ" DOS header pointing to a "PE" header), as
/// someone would upload it renamed to "report.pdf".
pub fn exe_disguised_as_pdf() -> Vec<u8> {
    let mut v = vec![0u8; 256];
    v[..2].copy_from_slice(b"MZ");
    v[2..4].copy_from_slice(&[0x90, 0x00]);
    // e_lfanew: offset of the PE header.
    v[0x3C..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    v[0x40..0x4E].copy_from_slice(b"This program c");
    v[0x80..0x84].copy_from_slice(b"PE\0\0");
    v[0x84..0x86].copy_from_slice(&0x8664u16.to_le_bytes()); // x86-64
    v
}

/// The classic 1x1 transparent GIF.
fn gif() -> Vec<u8> {
    vec![
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xFF, 0xFF,
        0xFF, 0x00, 0x00, 0x00, 0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ]
}

/// A 1x1 RGBA PNG with correct CRCs and a stored (uncompressed) zlib
/// stream.
fn png() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    // 1x1, 8 bits, RGBA, deflate, no filter method, no interlace.
    chunk(&mut out, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
    let scanline = [0u8, 0x2A, 0x7F, 0xD4, 0xFF]; // filter 0, one pixel
    let mut zlib = vec![0x78, 0x01, 0x01]; // header; final stored block
    zlib.extend_from_slice(&(scanline.len() as u16).to_le_bytes());
    zlib.extend_from_slice(&(!(scanline.len() as u16)).to_le_bytes());
    zlib.extend_from_slice(&scanline);
    zlib.extend_from_slice(&adler32(&scanline).to_be_bytes());
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// SOI, a JFIF APP0 segment, a comment, EOI: enough for a JPEG signature.
fn jpeg() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    v.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
    v.extend_from_slice(b"JFIF\0");
    v.extend_from_slice(&[0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
    let comment = b"Frontdesk test image";
    v.extend_from_slice(&[0xFF, 0xFE]);
    v.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
    v.extend_from_slice(comment);
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

/// Little-endian TIFF header and an empty first IFD, as DNG files start.
fn dng() -> Vec<u8> {
    let mut v = b"II*\0".to_vec();
    v.extend_from_slice(&8u32.to_le_bytes()); // first IFD offset
    v.extend_from_slice(&0u16.to_le_bytes()); // no entries
    v.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    v.resize(256, 0);
    v
}

/// A one-page PDF with a correct cross-reference table.
fn pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for off in offsets {
        out.push_str(&format!("{off:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

/// A Compound File Binary header (version 3, 512-byte sectors) padded to
/// one sector; doc, xls and msi all start this way.
fn ole2() -> Vec<u8> {
    let mut v = vec![0u8; 512];
    v[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    v[24..26].copy_from_slice(&0x003Eu16.to_le_bytes()); // minor version
    v[26..28].copy_from_slice(&3u16.to_le_bytes()); // major version
    v[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes()); // byte order
    v[30..32].copy_from_slice(&9u16.to_le_bytes()); // sector shift
    v[32..34].copy_from_slice(&6u16.to_le_bytes()); // mini sector shift
    v[48..52].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes()); // no directory
    v[56..60].copy_from_slice(&0x1000u32.to_le_bytes()); // mini stream cutoff
    v[60..64].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes()); // no mini FAT
    v[68..72].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes()); // no DIFAT
    for slot in v[76..512].chunks_exact_mut(4) {
        slot.copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes()); // free DIFAT
    }
    v
}

const DOCX_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>"#;
const XLSX_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>"#;
const PPTX_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>"#;
const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#;

/// A minimal Office Open XML package: `[Content_Types].xml` and the main
/// part in the application's folder.
fn office(main: &str, xml: &str) -> Vec<u8> {
    zip(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        (main, xml.as_bytes()),
    ])
}

/// A ZIP archive of stored (uncompressed) entries: local headers and data,
/// central directory, end record.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let entries: Vec<ZipEntry> = entries
        .iter()
        .map(|(name, data)| ZipEntry {
            name: (*name).to_owned(),
            method: 0,
            data: data.to_vec(),
            uncompressed: data.len() as u32,
            crc: crc32(data),
        })
        .collect();
    zip_of(&entries)
}

/// A Word document that is a zip bomb: its `word/document.xml` is a real
/// deflate stream of `mib` MiB of zeros, about 160 times smaller.
pub fn zip_bomb_docx(mib: usize) -> Vec<u8> {
    let n = mib * 1024 * 1024;
    let zeros = vec![0u8; n];
    zip_of(&[
        ZipEntry {
            name: "[Content_Types].xml".into(),
            method: 0,
            data: CONTENT_TYPES.as_bytes().to_vec(),
            uncompressed: CONTENT_TYPES.len() as u32,
            crc: crc32(CONTENT_TYPES.as_bytes()),
        },
        ZipEntry {
            name: "word/document.xml".into(),
            method: 8,
            data: deflate_zeros(n),
            uncompressed: n as u32,
            crc: crc32(&zeros),
        },
    ])
}

/// One entry of [`zip_of`]: `data` as stored in the archive.
pub struct ZipEntry {
    pub name: String,
    /// 0 stored, 8 deflated.
    pub method: u16,
    pub data: Vec<u8>,
    pub uncompressed: u32,
    pub crc: u32,
}

pub fn zip_of(entries: &[ZipEntry]) -> Vec<u8> {
    let common = |v: &mut Vec<u8>, e: &ZipEntry| {
        v.extend_from_slice(&20u16.to_le_bytes()); // version needed
        v.extend_from_slice(&0u16.to_le_bytes()); // flags
        v.extend_from_slice(&e.method.to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes()); // time
        v.extend_from_slice(&0x21u16.to_le_bytes()); // date: 1980-01-01
        v.extend_from_slice(&e.crc.to_le_bytes());
        v.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
        v.extend_from_slice(&e.uncompressed.to_le_bytes());
        v.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes()); // extra length
    };
    let mut v = Vec::new();
    let mut offsets = Vec::new();
    for e in entries {
        offsets.push(v.len() as u32);
        v.extend_from_slice(b"PK\x03\x04");
        common(&mut v, e);
        v.extend_from_slice(e.name.as_bytes());
        v.extend_from_slice(&e.data);
    }
    let central = v.len();
    for (e, offset) in entries.iter().zip(offsets) {
        v.extend_from_slice(b"PK\x01\x02");
        v.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(&mut v, e);
        v.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        v.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        v.extend_from_slice(&offset.to_le_bytes());
        v.extend_from_slice(e.name.as_bytes());
    }
    let central_len = v.len() - central;
    v.extend_from_slice(b"PK\x05\x06");
    v.extend_from_slice(&[0; 4]); // disk numbers
    v.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    v.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    v.extend_from_slice(&(central_len as u32).to_le_bytes());
    v.extend_from_slice(&(central as u32).to_le_bytes());
    v.extend_from_slice(&0u16.to_le_bytes()); // comment length
    v
}

/// A raw deflate stream of `n` zero bytes: one block with the fixed
/// Huffman codes, a literal 0 then copies of 258 bytes at distance 1.
pub fn deflate_zeros(n: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u32,
        len: u32,
    }
    impl Bits {
        /// `n` bits of `value`, least significant first.
        fn put(&mut self, value: u32, n: u32) {
            for i in 0..n {
                self.acc |= ((value >> i) & 1) << self.len;
                self.len += 1;
                if self.len == 8 {
                    self.out.push(self.acc as u8);
                    (self.acc, self.len) = (0, 0);
                }
            }
        }
        /// A Huffman code, which deflate packs most significant bit first.
        fn code(&mut self, code: u32, n: u32) {
            for i in (0..n).rev() {
                self.put((code >> i) & 1, 1);
            }
        }
    }
    let mut b = Bits {
        out: Vec::new(),
        acc: 0,
        len: 0,
    };
    b.put(1, 1); // final block
    b.put(1, 2); // fixed Huffman codes
    let mut left = n;
    if left > 0 {
        b.code(0x30, 8); // literal 0
        left -= 1;
    }
    while left >= 258 {
        b.code(0b1100_0101, 8); // length code 285: 258 bytes
        b.code(0, 5); // distance code 0: distance 1
        left -= 258;
    }
    for _ in 0..left {
        b.code(0x30, 8);
    }
    b.code(0, 7); // end of block
    if b.len > 0 {
        b.out.push(b.acc as u8);
    }
    b.out
}

/// An ID3v2.4 tag with one title frame, then one silent MPEG-1 Layer III
/// frame (128 kbit/s, 44.1 kHz: 417 bytes).
fn mp3() -> Vec<u8> {
    let title = b"\x03Frontdesk"; // encoding UTF-8, then text
    let mut frame = b"TIT2".to_vec();
    frame.extend_from_slice(&(title.len() as u32).to_be_bytes()); // < 128: syncsafe as is
    frame.extend_from_slice(&[0, 0]);
    frame.extend_from_slice(title);
    let mut v = b"ID3\x04\x00\x00".to_vec();
    v.extend_from_slice(&(frame.len() as u32).to_be_bytes());
    v.extend_from_slice(&frame);
    let start = v.len();
    v.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
    v.resize(start + 417, 0);
    v
}

/// A first Ogg page carrying a Vorbis identification header (CRC left
/// zero: players would reject it, sniffing does not look).
fn ogg() -> Vec<u8> {
    let mut packet = b"\x01vorbis".to_vec();
    packet.extend_from_slice(&0u32.to_le_bytes()); // version
    packet.push(1); // channels
    packet.extend_from_slice(&44_100u32.to_le_bytes());
    packet.extend_from_slice(&[0; 12]); // bitrates
    packet.push(0xB8); // block sizes
    packet.push(1); // framing
    let mut v = b"OggS\0\x02".to_vec(); // version 0, beginning of stream
    v.extend_from_slice(&0u64.to_le_bytes()); // granule position
    v.extend_from_slice(&0x4644_534Bu32.to_le_bytes()); // serial
    v.extend_from_slice(&0u32.to_le_bytes()); // page sequence
    v.extend_from_slice(&0u32.to_le_bytes()); // CRC
    v.push(1); // one segment
    v.push(packet.len() as u8);
    v.extend_from_slice(&packet);
    v
}

/// An `ftyp` box with the given brands followed by one more (empty) box.
fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]], next: &[u8; 4]) -> Vec<u8> {
    let size = 16 + 4 * compatible.len();
    let mut v = (size as u32).to_be_bytes().to_vec();
    v.extend_from_slice(b"ftyp");
    v.extend_from_slice(major);
    v.extend_from_slice(&0x200u32.to_be_bytes()); // minor version
    for brand in compatible {
        v.extend_from_slice(*brand);
    }
    v.extend_from_slice(&8u32.to_be_bytes());
    v.extend_from_slice(next);
    v.resize(v.len() + 64, 0);
    v
}

/// CRC-32 (IEEE), as PNG and ZIP use.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}
