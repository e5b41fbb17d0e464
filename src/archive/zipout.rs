//! Writing a deterministic zip: entries sorted by name, stored (no compression:
//! PDFs are compressed already, and stored entries are readable by any tool for
//! decades), one fixed timestamp, fixed permissions, no extra fields. The same
//! entries give the same bytes. File contents are streamed, never held whole.

use std::io::{Read, Seek, Write};
use std::path::PathBuf;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::case::date::Date;

/// Where an entry's bytes come from.
#[derive(Clone, Debug)]
pub enum Content {
    Bytes(Vec<u8>),
    /// A file on disk, with the size it had when it was hashed.
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
    #[error("写入压缩包失败 (zip write failed): {0}")]
    Zip(#[from] zip::result::ZipError),
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
}

/// Writes `entries` (any order; they are sorted here) to `out`, every entry
/// dated `date` 00:00. Calls `progress` with the bytes of each entry written.
pub fn write<W: Write + Seek>(
    out: W,
    mut entries: Vec<Entry>,
    date: Date,
    progress: &dyn Fn(u64),
) -> Result<W, ZipOutError> {
    entries.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    let when = {
        use chrono::Datelike as _;
        DateTime::from_date_and_time(
            date.0.year() as u16,
            date.0.month() as u8,
            date.0.day() as u8,
            0,
            0,
            0,
        )
    }
    .map_err(|_| ZipOutError::Date(date.to_string()))?;
    let mut zip = ZipWriter::new(out);
    let mut buf = vec![0u8; 256 * 1024];
    for e in entries {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .last_modified_time(when)
            .unix_permissions(0o644)
            .large_file(e.content.len() >= 0xFFFF_FFFF);
        zip.start_file(e.name.as_str(), options)?;
        match &e.content {
            Content::Bytes(b) => {
                zip.write_all(b).map_err(|source| ZipOutError::Io {
                    path: e.name.clone(),
                    source,
                })?;
            }
            Content::File { path, size } => {
                let io = |source| ZipOutError::Io {
                    path: path.display().to_string(),
                    source,
                };
                let mut f = std::fs::File::open(path).map_err(io)?;
                let mut n_total = 0u64;
                loop {
                    let n = f.read(&mut buf).map_err(io)?;
                    if n == 0 {
                        break;
                    }
                    n_total += n as u64;
                    zip.write_all(&buf[..n]).map_err(io)?;
                }
                if n_total != *size {
                    return Err(ZipOutError::Changed(path.display().to_string()));
                }
            }
        }
        progress(e.content.len());
    }
    Ok(zip.finish()?)
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
}
