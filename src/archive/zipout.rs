//! Writing a deterministic zip: entries sorted by name, stored (no compression:
//! PDFs are compressed already, and stored entries are readable by any tool for
//! decades), one fixed timestamp, fixed permissions, no extra fields but the ZIP64
//! one where APPNOTE 4.5.3 calls for it. The same entries give the same bytes. File
//! contents are streamed, never held whole.
//!
//! Written here rather than through the `zip` crate, whose writer puts a ZIP64
//! field in both headers of every entry past 4 GiB: APPNOTE asks for the field only
//! where a 32-bit value overflows, with exactly the overflowing values, and for
//! version 4.5 only on those entries. `verify` holds anjuan bundles to this profile.
//!
//! Layout of an entry: local header (version needed 1.0, or 4.5 with ZIP64; flag
//! 0x0800 for UTF-8 names; method 0; the bundle's DOS time), name, the local ZIP64
//! field (both sizes) only when the size is 0xFFFFFFFF or more, then the data. The
//! CRC-32 is computed while the data streams and written back into the local header,
//! so each file is read once. The central record carries a ZIP64 field with, in
//! order, the size, the compressed size and the local header offset — each only if
//! its 32-bit field is 0xFFFFFFFF. The end records: a ZIP64 end record and locator
//! only when the entry count, the directory size or its offset overflow.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use crate::case::date::Date;

/// Where an entry's bytes come from.
#[derive(Clone, Debug)]
pub enum Content {
    Bytes(Vec<u8>),
    /// A file on disk, with the size it was listed with (the header gives it
    /// before the bytes; reading must find exactly that many).
    File {
        path: PathBuf,
        size: u64,
    },
}

impl Content {
    pub fn len(&self) -> u64 {
        match self {
            Content::Bytes(b) => b.len() as u64,
            Content::File { size, .. } => *size,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One zip entry: its full name inside the zip (`top/data/…`) and its bytes.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub content: Content,
}

#[derive(Debug, thiserror::Error)]
pub enum ZipOutError {
    #[error("读写失败 (I/O) {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("文件在打包过程中被改动 (file changed while packing): {0}")]
    Changed(String),
    #[error("日期超出 zip 可表示的范围 (1980–2107): {0}")]
    Date(String),
    #[error("条目名过长 (entry name longer than 65535 bytes): {0}")]
    Name(String),
    #[error("条目未按名称顺序写入 (entries out of name order): {0}")]
    Order(String),
}

/// Version made by: Unix (3), and the version the entry needs (as the `zip`
/// crate, which wrote earlier bundles, sets it).
pub fn made_by(needed: u16) -> u16 {
    (3 << 8) | needed
}
/// Version needed to extract a stored entry.
pub const NEEDED: u16 = 10;
/// Version needed for an entry that carries a ZIP64 field.
pub const NEEDED_ZIP64: u16 = 45;
/// File attributes: a regular file, mode 0644.
pub const EXTERNAL_ATTR: u32 = 0o100644 << 16;
const MAX32: u64 = 0xFFFF_FFFF;

/// The ZIP64 extended information field of a central record: the values among
/// (size, compressed size, local header offset) that do not fit 32 bits, in that
/// order; empty when none overflows.
pub fn central_zip64(size: u64, offset: u64) -> Vec<u8> {
    let mut vals = Vec::new();
    if size >= MAX32 {
        vals.push(size);
        vals.push(size); // stored: compressed size = size
    }
    if offset >= MAX32 {
        vals.push(offset);
    }
    field(&vals)
}

/// The ZIP64 field of a local header: both sizes, when the size overflows.
pub fn local_zip64(size: u64) -> Vec<u8> {
    if size >= MAX32 {
        field(&[size, size])
    } else {
        Vec::new()
    }
}

fn field(vals: &[u64]) -> Vec<u8> {
    if vals.is_empty() {
        return Vec::new();
    }
    let mut f = Vec::with_capacity(4 + 8 * vals.len());
    f.extend_from_slice(&1u16.to_le_bytes());
    f.extend_from_slice(&((8 * vals.len()) as u16).to_le_bytes());
    for v in vals {
        f.extend_from_slice(&v.to_le_bytes());
    }
    f
}

fn clamp32(v: u64) -> u32 {
    v.min(MAX32) as u32
}

/// A writer that counts the bytes written.
struct Counting<W> {
    inner: W,
    pos: u64,
}

impl<W: Write> Counting<W> {
    fn put(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(b)?;
        self.pos += b.len() as u64;
        Ok(())
    }
}

/// The central directory as it is written: each entry's record encoded when
/// the entry is added, held in memory up to `limit` bytes and beyond that
/// appended to a temporary file in `dir` (deleted when dropped, also after an
/// error), so that a zip of many entries does not hold them all.
struct Central {
    buf: Vec<u8>,
    spill: Option<std::fs::File>,
    dir: Option<PathBuf>,
    limit: usize,
    count: u64,
    size: u64,
}

impl Central {
    fn push(&mut self, record: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(record);
        self.count += 1;
        self.size += record.len() as u64;
        if self.buf.len() >= self.limit {
            if let Some(dir) = &self.dir {
                let f = match &mut self.spill {
                    Some(f) => f,
                    None => self.spill.insert(tempfile::tempfile_in(dir)?),
                };
                f.write_all(&self.buf)?;
                self.buf.clear();
            }
        }
        Ok(())
    }
}

/// The central record of an entry (APPNOTE 4.3.12).
fn central_record(
    name: &[u8],
    flags: u16,
    crc: u32,
    size: u64,
    offset: u64,
    (dos_time, dos_date): (u16, u16),
) -> Vec<u8> {
    let extra = central_zip64(size, offset);
    let needed = if extra.is_empty() && local_zip64(size).is_empty() {
        NEEDED
    } else {
        NEEDED_ZIP64
    };
    let mut h = Vec::with_capacity(46 + name.len() + extra.len());
    h.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    h.extend_from_slice(&made_by(needed).to_le_bytes());
    h.extend_from_slice(&needed.to_le_bytes());
    h.extend_from_slice(&flags.to_le_bytes());
    h.extend_from_slice(&0u16.to_le_bytes());
    h.extend_from_slice(&dos_time.to_le_bytes());
    h.extend_from_slice(&dos_date.to_le_bytes());
    h.extend_from_slice(&crc.to_le_bytes());
    h.extend_from_slice(&clamp32(size).to_le_bytes());
    h.extend_from_slice(&clamp32(size).to_le_bytes());
    h.extend_from_slice(&(name.len() as u16).to_le_bytes());
    h.extend_from_slice(&(extra.len() as u16).to_le_bytes());
    h.extend_from_slice(&0u16.to_le_bytes()); // comment
    h.extend_from_slice(&0u16.to_le_bytes()); // disk
    h.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
    h.extend_from_slice(&EXTERNAL_ATTR.to_le_bytes());
    h.extend_from_slice(&clamp32(offset).to_le_bytes());
    h.extend_from_slice(name);
    h.extend_from_slice(&extra);
    h
}

/// Writes `entries` (any order; they are sorted here) to `out`, every entry
/// dated `date` 00:00. Calls `progress` with the bytes of each entry written.
/// `out` must be positioned at its start (the offsets are counted from there).
pub fn write<W: Write + Seek>(
    out: W,
    mut entries: Vec<Entry>,
    date: Date,
    progress: &dyn Fn(u64),
) -> Result<W, ZipOutError> {
    entries.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    let mut z = ZipWriter::new(out, date)?;
    for e in &entries {
        z.add(&e.name, &e.content)?;
        progress(e.content.len());
    }
    z.finish()
}

/// A zip written one entry at a time, in name order: what [`write`] does, for a
/// caller that learns some entries' bytes only from the entries before them (a
/// bag's manifests come after the payload they describe, and the payload is
/// hashed as it streams in). The bytes are those [`write`] gives for the same
/// entries.
pub struct ZipWriter<W: Write + Seek> {
    w: Counting<W>,
    central: Central,
    dos_time: u16,
    dos_date: u16,
    buf: Vec<u8>,
    /// The name of the entry written last: names must come in byte order.
    last: Option<String>,
}

impl<W: Write + Seek> ZipWriter<W> {
    /// `out` must be positioned at its start (the offsets are counted from there).
    pub fn new(out: W, date: Date) -> Result<ZipWriter<W>, ZipOutError> {
        ZipWriter::with_central(out, date, None, usize::MAX)
    }

    /// [`ZipWriter::new`], keeping at most `limit` bytes of the central
    /// directory in memory: the rest waits in a temporary file in `dir` until
    /// [`ZipWriter::finish`] copies it out. The bytes are the same.
    pub fn spilling(
        out: W,
        date: Date,
        dir: &std::path::Path,
        limit: usize,
    ) -> Result<ZipWriter<W>, ZipOutError> {
        ZipWriter::with_central(out, date, Some(dir.to_path_buf()), limit)
    }

    fn with_central(
        out: W,
        date: Date,
        dir: Option<PathBuf>,
        limit: usize,
    ) -> Result<ZipWriter<W>, ZipOutError> {
        let (dos_time, dos_date) = dos(date)?;
        Ok(ZipWriter {
            w: Counting { inner: out, pos: 0 },
            central: Central {
                buf: Vec::new(),
                spill: None,
                dir,
                limit: limit.max(1),
                count: 0,
                size: 0,
            },
            dos_time,
            dos_date,
            buf: vec![0u8; 256 * 1024],
            last: None,
        })
    }

    /// Adds the entry `name`: its bytes, or the file it names (read once, in
    /// 256 KiB steps; it must still have the size it was listed with).
    pub fn add(&mut self, name: &str, content: &Content) -> Result<(), ZipOutError> {
        match content {
            Content::Bytes(b) => self.add_bytes(name, b),
            Content::File { path, size } => {
                let shown = path.display().to_string();
                let mut f = std::fs::File::open(path).map_err(|source| ZipOutError::Io {
                    path: shown.clone(),
                    source,
                })?;
                self.add_from(name, *size, &mut f, &shown)
            }
        }
    }

    /// Adds the entry `name` with the bytes `data`.
    pub fn add_bytes(&mut self, name: &str, data: &[u8]) -> Result<(), ZipOutError> {
        self.add_from(name, data.len() as u64, &mut &data[..], name)
    }

    /// Adds the entry `name` of `size` bytes read from `src` (named `src_name` in
    /// errors) to its end. Reading past `size`, or ending short of it, is
    /// [`ZipOutError::Changed`]; an error reading `src` is [`ZipOutError::Io`]
    /// with `src_name`. After an error the zip is unfinished and must be dropped.
    pub fn add_from(
        &mut self,
        name: &str,
        size: u64,
        src: &mut dyn Read,
        src_name: &str,
    ) -> Result<(), ZipOutError> {
        let name_bytes = name.as_bytes().to_vec();
        if name_bytes.len() > u16::MAX as usize {
            return Err(ZipOutError::Name(name.to_string()));
        }
        if let Some(last) = &self.last {
            if last.as_bytes() >= name.as_bytes() {
                return Err(ZipOutError::Order(format!("{last} → {name}")));
            }
        }
        let io = |source| ZipOutError::Io {
            path: name.to_string(),
            source,
        };
        let flags: u16 = if name.is_ascii() { 0 } else { 0x0800 };
        let w = &mut self.w;
        let offset = w.pos;
        let extra = local_zip64(size);
        let zip64 = !extra.is_empty() || !central_zip64(size, offset).is_empty();
        let mut h = Vec::with_capacity(30 + name_bytes.len() + extra.len());
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&(if zip64 { NEEDED_ZIP64 } else { NEEDED }).to_le_bytes());
        h.extend_from_slice(&flags.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // stored
        h.extend_from_slice(&self.dos_time.to_le_bytes());
        h.extend_from_slice(&self.dos_date.to_le_bytes());
        let crc_at = h.len() as u64;
        h.extend_from_slice(&0u32.to_le_bytes()); // CRC, written back below
        h.extend_from_slice(&clamp32(size).to_le_bytes());
        h.extend_from_slice(&clamp32(size).to_le_bytes());
        h.extend_from_slice(&(name_bytes.len() as u16).to_le_bytes());
        h.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        h.extend_from_slice(&name_bytes);
        h.extend_from_slice(&extra);
        w.put(&h).map_err(io)?;
        let mut crc = crc32fast::Hasher::new();
        let mut n_total = 0u64;
        loop {
            let n = src.read(&mut self.buf).map_err(|source| ZipOutError::Io {
                path: src_name.to_string(),
                source,
            })?;
            if n == 0 {
                break;
            }
            n_total += n as u64;
            if n_total > size {
                return Err(ZipOutError::Changed(src_name.to_string()));
            }
            crc.update(&self.buf[..n]);
            w.put(&self.buf[..n]).map_err(io)?;
        }
        if n_total != size {
            return Err(ZipOutError::Changed(src_name.to_string()));
        }
        let crc = crc.finalize();
        let end = w.pos;
        w.inner
            .seek(SeekFrom::Start(offset + crc_at))
            .and_then(|_| w.inner.write_all(&crc.to_le_bytes()))
            .and_then(|_| w.inner.seek(SeekFrom::Start(end)))
            .map_err(io)?;
        let record = central_record(
            &name_bytes,
            flags,
            crc,
            size,
            offset,
            (self.dos_time, self.dos_date),
        );
        self.central
            .push(&record)
            .map_err(|source| ZipOutError::Io {
                path: "central directory".into(),
                source,
            })?;
        self.last = Some(name.to_string());
        Ok(())
    }

    /// Writes the central directory and the end records; returns the output.
    pub fn finish(self) -> Result<W, ZipOutError> {
        let mut central = self.central;
        let mut w = self.w;
        let io = |source| ZipOutError::Io {
            path: "central directory".into(),
            source,
        };
        let cd_start = w.pos;
        if let Some(mut f) = central.spill.take() {
            f.seek(SeekFrom::Start(0)).map_err(io)?;
            let mut buf = vec![0u8; 256 * 1024];
            loop {
                let n = f.read(&mut buf).map_err(io)?;
                if n == 0 {
                    break;
                }
                w.put(&buf[..n]).map_err(io)?;
            }
        }
        w.put(&central.buf).map_err(io)?;
        let cd_end = w.pos;
        let cd_size = cd_end - cd_start;
        if cd_size != central.size {
            return Err(io(std::io::Error::other(
                "中央目录长度不符 (central directory size mismatch)",
            )));
        }
        let count = central.count;
        let mut t = Vec::new();
        if count >= 0xFFFF || cd_size >= MAX32 || cd_start >= MAX32 {
            // ZIP64 end of central directory record (APPNOTE 4.3.14) and locator (4.3.15).
            t.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            t.extend_from_slice(&44u64.to_le_bytes());
            t.extend_from_slice(&made_by(NEEDED_ZIP64).to_le_bytes());
            t.extend_from_slice(&NEEDED_ZIP64.to_le_bytes());
            t.extend_from_slice(&0u32.to_le_bytes());
            t.extend_from_slice(&0u32.to_le_bytes());
            t.extend_from_slice(&count.to_le_bytes());
            t.extend_from_slice(&count.to_le_bytes());
            t.extend_from_slice(&cd_size.to_le_bytes());
            t.extend_from_slice(&cd_start.to_le_bytes());
            t.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            t.extend_from_slice(&0u32.to_le_bytes());
            t.extend_from_slice(&cd_end.to_le_bytes());
            t.extend_from_slice(&1u32.to_le_bytes());
        }
        let count16 = count.min(0xFFFF) as u16;
        t.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        t.extend_from_slice(&0u16.to_le_bytes());
        t.extend_from_slice(&0u16.to_le_bytes());
        t.extend_from_slice(&count16.to_le_bytes());
        t.extend_from_slice(&count16.to_le_bytes());
        t.extend_from_slice(&clamp32(cd_size).to_le_bytes());
        t.extend_from_slice(&clamp32(cd_start).to_le_bytes());
        t.extend_from_slice(&0u16.to_le_bytes());
        w.put(&t).map_err(io)?;
        w.inner.flush().map_err(io)?;
        Ok(w.inner)
    }
}

/// The MS-DOS time and date of `date` 00:00.
fn dos(date: Date) -> Result<(u16, u16), ZipOutError> {
    use chrono::Datelike as _;
    let y = date.0.year();
    if !(1980..=2107).contains(&y) {
        return Err(ZipOutError::Date(date.to_string()));
    }
    let d = (((y - 1980) as u16) << 9) | ((date.0.month() as u16) << 5) | date.0.day() as u16;
    Ok((0, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_entries_same_bytes_in_any_order() {
        let d = Date::parse("2026-12-31").unwrap();
        let a = vec![
            Entry {
                name: "b/x.txt".into(),
                content: Content::Bytes(b"x".to_vec()),
            },
            Entry {
                name: "b/a.txt".into(),
                content: Content::Bytes(b"a".to_vec()),
            },
        ];
        let mut rev = a.clone();
        rev.reverse();
        let one = write(std::io::Cursor::new(Vec::new()), a, d, &|_| {})
            .unwrap()
            .into_inner();
        let two = write(std::io::Cursor::new(Vec::new()), rev, d, &|_| {})
            .unwrap()
            .into_inner();
        assert_eq!(one, two);
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(one)).unwrap();
        assert_eq!(z.by_index(0).unwrap().name(), "b/a.txt");
        let mut s = String::new();
        z.by_name("b/x.txt")
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, "x");
    }

    /// For small bundles the bytes are those the `zip` crate wrote before (same
    /// profile, so bundles packed by earlier versions verify the same way).
    #[test]
    fn small_entries_match_the_zip_crate() {
        use std::io::Write as _;
        use zip::write::SimpleFileOptions;
        let d = Date::parse("2026-12-31").unwrap();
        let items = [
            ("t/bagit.txt", &b"BagIt-Version: 1.0\n"[..]),
            ("t/data/甲.pdf", b"%PDF-1.7 x"),
            ("t/z", b""),
        ];
        let ours = write(
            std::io::Cursor::new(Vec::new()),
            items
                .iter()
                .map(|(n, b)| Entry {
                    name: n.to_string(),
                    content: Content::Bytes(b.to_vec()),
                })
                .collect(),
            d,
            &|_| {},
        )
        .unwrap()
        .into_inner();
        let when = zip::DateTime::from_date_and_time(2026, 12, 31, 0, 0, 0).unwrap();
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (n, b) in items {
            let o = SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .last_modified_time(when)
                .unix_permissions(0o644);
            z.start_file(n, o).unwrap();
            z.write_all(b).unwrap();
        }
        let theirs = z.finish().unwrap().into_inner();
        assert_eq!(ours, theirs);
    }

    /// A central directory spilled to a temporary file (here after every few
    /// records, more than the buffer holds) gives the bytes of one kept in
    /// memory, and leaves nothing in the folder.
    #[test]
    fn a_spilled_central_directory_gives_the_same_bytes() {
        let d = Date::parse("2026-12-31").unwrap();
        let names: Vec<String> = (0..300).map(|i| format!("t/data/{i:04}/甲.pdf")).collect();
        let write_with = |mut z: ZipWriter<std::io::Cursor<Vec<u8>>>| {
            for (i, n) in names.iter().enumerate() {
                z.add_bytes(n, format!("{i}").as_bytes()).unwrap();
            }
            z.finish().unwrap().into_inner()
        };
        let kept = write_with(ZipWriter::new(std::io::Cursor::new(Vec::new()), d).unwrap());
        let dir = tempfile::tempdir().unwrap();
        for limit in [1, 200, 4096, 1 << 20] {
            let spilled = write_with(
                ZipWriter::spilling(std::io::Cursor::new(Vec::new()), d, dir.path(), limit)
                    .unwrap(),
            );
            assert!(spilled == kept, "limit {limit}: the same bytes");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let z = zip::ZipArchive::new(std::io::Cursor::new(kept)).unwrap();
        assert_eq!(z.len(), 300);
    }

    #[test]
    fn zip64_fields_only_for_what_overflows() {
        assert!(central_zip64(10, 10).is_empty());
        assert!(local_zip64(0xFFFF_FFFE).is_empty());
        // Offset past 4 GiB: one 8-byte value.
        let f = central_zip64(10, 0x1_0000_0000);
        assert_eq!(f.len(), 12);
        assert_eq!(&f[..4], &[1, 0, 8, 0]);
        assert_eq!(
            u64::from_le_bytes(f[4..12].try_into().unwrap()),
            0x1_0000_0000
        );
        // A huge entry: both sizes, then the offset if it also overflows.
        assert_eq!(central_zip64(0xFFFF_FFFF, 0).len(), 20);
        assert_eq!(central_zip64(0x1_0000_0000, 0x1_0000_0000).len(), 28);
        assert_eq!(local_zip64(0x1_0000_0000).len(), 20);
    }
}
