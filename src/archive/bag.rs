//! BagIt 1.0 (RFC 8493) tag files as types that print and parse themselves:
//! `bagit.txt`, `bag-info.txt`, `manifest-<alg>.txt` and `tagmanifest-<alg>.txt`.
//! Also the digests anjuan keeps: SHA-256 and SM3 (GB/T 32905).

use std::io::Read;
use std::path::Path;

use sha2::{Digest as _, Sha256};

/// The checksum algorithms of an anjuan bag, in manifest-name form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Alg {
    Sha256,
    Sm3,
}

impl Alg {
    pub const ALL: [Alg; 2] = [Alg::Sha256, Alg::Sm3];

    /// `sha256`, `sm3`: as in `manifest-sha256.txt`.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Sha256 => "sha256",
            Alg::Sm3 => "sm3",
        }
    }

    /// How people write it: `SHA-256`, `SM3`.
    pub fn label(self) -> &'static str {
        match self {
            Alg::Sha256 => "SHA-256",
            Alg::Sm3 => "SM3",
        }
    }

    pub fn manifest(self) -> String {
        format!("manifest-{}.txt", self.name())
    }

    pub fn tagmanifest(self) -> String {
        format!("tagmanifest-{}.txt", self.name())
    }

    pub fn from_name(s: &str) -> Option<Alg> {
        match s {
            "sha256" => Some(Alg::Sha256),
            "sm3" => Some(Alg::Sm3),
            _ => None,
        }
    }
}

/// The two digests of one byte stream, lower-case hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digests {
    pub sha256: String,
    pub sm3: String,
}

impl Digests {
    pub fn get(&self, alg: Alg) -> &str {
        match alg {
            Alg::Sha256 => &self.sha256,
            Alg::Sm3 => &self.sm3,
        }
    }

    pub fn of(data: &[u8]) -> Digests {
        let mut h = Hasher::default();
        h.update(data);
        h.finish()
    }

    /// Reads a file through both hashes in 256 KiB steps; returns (digests, size).
    pub fn of_file(path: &Path) -> std::io::Result<(Digests, u64)> {
        Digests::of_file_with(path, &mut |_| {})
    }

    /// [`Digests::of_file`], handing every chunk also to `also` (another hash),
    /// so that a file is read once for all its digests.
    pub fn of_file_with(
        path: &Path,
        also: &mut dyn FnMut(&[u8]),
    ) -> std::io::Result<(Digests, u64)> {
        let mut f = std::fs::File::open(path)?;
        let mut h = Hasher::default();
        let mut buf = vec![0u8; 256 * 1024];
        let mut size = 0u64;
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            size += n as u64;
            h.update(&buf[..n]);
            also(&buf[..n]);
        }
        Ok((h.finish(), size))
    }
}

/// SHA-256 and SM3 fed together.
#[derive(Default, Clone)]
pub struct Hasher {
    sha256: Sha256,
    sm3: sm3::Sm3,
}

impl Hasher {
    pub fn update(&mut self, data: &[u8]) {
        self.sha256.update(data);
        self.sm3.update(data);
    }

    /// [`Hasher::update`], and `also` (another hash) on the same bytes: SHA-256
    /// on one core, SM3 and `also` on another, for chunks large enough to be
    /// worth it. One stream's digests can then keep up with a disk while the
    /// stream is read only once.
    pub fn update_also(&mut self, data: &[u8], also: &mut (dyn FnMut(&[u8]) + Send)) {
        if data.len() < 64 * 1024 {
            self.update(data);
            also(data);
            return;
        }
        let (sha256, sm3) = (&mut self.sha256, &mut self.sm3);
        rayon::join(
            || sha256.update(data),
            || {
                sm3.update(data);
                also(data);
            },
        );
    }

    pub fn finish(self) -> Digests {
        Digests {
            sha256: hex(&self.sha256.finalize()),
            sm3: hex(&self.sm3.finalize()),
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

/// SHA-256 of a file, lower-case hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex(&h.finalize()))
}

/// `bagit.txt`: the version and the tag-file encoding.
pub const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";

/// A manifest (`manifest-<alg>.txt` or `tagmanifest-<alg>.txt`): `digest  path`
/// per file, paths relative to the bag with `/`, sorted by path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub entries: Vec<(String, String)>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("第 {line} 行格式错误 (line {line} is not `digest  path`)")]
    Line { line: usize },
    #[error("第 {line} 行摘要不是十六进制 (digest is not hex)")]
    Digest { line: usize },
}

impl Manifest {
    /// Adds an entry (the order is fixed when printing).
    pub fn push(&mut self, path: &str, digest: &str) {
        self.entries.push((path.to_string(), digest.to_string()));
    }

    /// The manifest text: sorted by path, LF line ends, paths percent-encoded for
    /// CR, LF and `%` as RFC 8493 §2.1.3 asks.
    pub fn to_text(&self) -> String {
        let mut e: Vec<&(String, String)> = self.entries.iter().collect();
        e.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut s = String::new();
        for (path, digest) in e {
            s.push_str(digest);
            s.push_str("  ");
            s.push_str(&encode_path(path));
            s.push('\n');
        }
        s
    }

    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let mut m = Manifest::default();
        Manifest::parse_each(text, |path, digest| m.entries.push((path, digest)))?;
        Ok(m)
    }

    /// Parses the manifest text line by line, handing each entry (path,
    /// lowercase digest) to `each` as it is read, so that a caller keeping
    /// its own form of the lines need not hold them twice; the errors of
    /// [`Manifest::parse`].
    pub fn parse_each(
        text: &str,
        mut each: impl FnMut(String, String),
    ) -> Result<(), ManifestError> {
        for (i, line) in text.lines().enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() {
                continue;
            }
            let (digest, path) = line
                .split_once(char::is_whitespace)
                .ok_or(ManifestError::Line { line: i + 1 })?;
            let path = path.trim_start_matches([' ', '\t']);
            if path.is_empty() {
                return Err(ManifestError::Line { line: i + 1 });
            }
            if digest.is_empty() || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ManifestError::Digest { line: i + 1 });
            }
            each(decode_path(path), digest.to_ascii_lowercase());
        }
        Ok(())
    }
}

/// A path as a manifest line gives it: `%`, LF and CR percent-encoded (RFC 8493 §2.1.3).
pub fn encode_path(p: &str) -> String {
    p.replace('%', "%25")
        .replace('\n', "%0A")
        .replace('\r', "%0D")
}

fn decode_path(p: &str) -> String {
    p.replace("%0A", "\n")
        .replace("%0a", "\n")
        .replace("%0D", "\r")
        .replace("%0d", "\r")
        .replace("%25", "%")
}

/// `bag-info.txt`: ordered `Label: value` lines (labels may repeat).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BagInfo {
    pub fields: Vec<(String, String)>,
}

impl BagInfo {
    pub fn push(&mut self, label: &str, value: impl Into<String>) {
        let v: String = value.into();
        // One line per value: tag values are single lines in anjuan bags.
        self.fields
            .push((label.to_string(), v.replace(['\r', '\n'], " ")));
    }

    pub fn get(&self, label: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(label))
            .map(|(_, v)| v.as_str())
    }

    pub fn to_text(&self) -> String {
        self.fields
            .iter()
            .map(|(l, v)| format!("{l}: {v}\n"))
            .collect()
    }

    /// Parses `Label: value` lines; continuation lines (leading space or tab)
    /// join the previous value.
    pub fn parse(text: &str) -> Result<BagInfo, usize> {
        let mut info = BagInfo::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            if line.starts_with([' ', '\t']) {
                let last = info.fields.last_mut().ok_or(i + 1)?;
                last.1.push(' ');
                last.1.push_str(line.trim());
                continue;
            }
            let (l, v) = line.split_once(':').ok_or(i + 1)?;
            if l.trim().is_empty() {
                return Err(i + 1);
            }
            info.fields
                .push((l.trim().to_string(), v.trim().to_string()));
        }
        Ok(info)
    }
}

/// `Payload-Oxum`: `octets.count`.
pub fn oxum(bytes: u64, count: usize) -> String {
    format!("{bytes}.{count}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        // GB/T 32905 example: SM3("abc").
        let d = Digests::of(b"abc");
        assert_eq!(
            d.sm3,
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn manifest_round_trip_sorted_and_encoded() {
        let mut m = Manifest::default();
        m.push("data/b.pdf", "00ff");
        m.push("data/a 1%\n.pdf", "aa");
        let text = m.to_text();
        assert_eq!(text, "aa  data/a 1%25%0A.pdf\n00ff  data/b.pdf\n");
        let back = Manifest::parse(&text).unwrap();
        assert_eq!(back.entries[0].0, "data/a 1%\n.pdf");
        assert_eq!(
            Manifest::parse("zz  x").unwrap_err(),
            ManifestError::Digest { line: 1 }
        );
        assert_eq!(
            Manifest::parse("abc").unwrap_err(),
            ManifestError::Line { line: 1 }
        );
    }

    #[test]
    fn bag_info_round_trip() {
        let mut b = BagInfo::default();
        b.push("Source-Organization", "青溪县柳河镇人民政府");
        b.push("Payload-Oxum", oxum(10, 2));
        let t = b.to_text();
        let p = BagInfo::parse(&t).unwrap();
        assert_eq!(p, b);
        assert_eq!(p.get("payload-oxum"), Some("10.2"));
        assert_eq!(BagInfo::parse("no colon").unwrap_err(), 1);
    }
}
