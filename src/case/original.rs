//! Received files (原件): the papers of other bodies (复查意见书, 复核意见书,
//! 交办单) as the office received them, and the incoming papers of a case (the
//! petitioner's letter, a visit record …). They are named in the case record by
//! a path relative to the office folder, and filed in the dossier byte for byte.
//!
//! This module says whether a path is acceptable (relative, inside the office
//! folder, no symbolic links) and what a file's bytes are: PDF (parsed far
//! enough to count its pages), JPEG, PNG or TIFF (each checked structurally:
//! the header and the chunks or markers that say the image's size). Anything
//! else is refused.

use std::path::{Component, Path, PathBuf};

/// An accepted format of a received file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Jpeg,
    Png,
    Tiff,
}

impl Format {
    /// The 格式信息 recorded in the metadata.
    pub fn label(self) -> &'static str {
        match self {
            Format::Pdf => "PDF",
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Tiff => "TIFF",
        }
    }

    /// The file extension it is filed under.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Tiff => "tif",
        }
    }

    /// The format a 格式信息 label names.
    pub fn from_label(s: &str) -> Option<Format> {
        [Format::Pdf, Format::Jpeg, Format::Png, Format::Tiff]
            .into_iter()
            .find(|f| f.label() == s)
    }
}

/// What a received file is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sniffed {
    pub format: Format,
    /// Pages: a PDF's page count; an image is one page.
    pub pages: usize,
}

/// Received files larger than this are refused (a scan is a few MB).
pub const MAX_SIZE: u64 = 256 << 20;

/// The path as written must be relative and stay inside the office folder.
/// Returns the problem in words.
pub fn path_problem(rel: &str) -> Option<String> {
    let t = rel.trim();
    if t.is_empty() {
        return Some("路径为空 (empty path)".into());
    }
    if t != rel {
        return Some("路径首尾有空格 (spaces around the path)".into());
    }
    let p = Path::new(rel);
    if p.is_absolute() || rel.starts_with('/') || rel.starts_with('\\') || rel.contains(':') {
        return Some(format!(
            "“{rel}”是绝对路径 (absolute path)：应写相对于办公室目录（anjuan.toml 所在目录）的路径"
        ));
    }
    if rel.contains('\\') {
        return Some(format!("“{rel}”含反斜杠 \\ (backslash)：路径分隔用 /"));
    }
    for c in p.components() {
        match c {
            Component::ParentDir => {
                return Some(format!(
                    "“{rel}”含 ..，会指到办公室目录之外 (escapes the office folder)"
                ))
            }
            Component::Normal(_) | Component::CurDir => {}
            _ => return Some(format!("“{rel}”不是相对路径 (not a relative path)")),
        }
    }
    None
}

/// Resolves `rel` under `root`, refusing symbolic links on the way.
pub fn resolve(root: &Path, rel: &str) -> Result<PathBuf, String> {
    if let Some(m) = path_problem(rel) {
        return Err(m);
    }
    let mut at = root.to_path_buf();
    for c in Path::new(rel).components() {
        if let Component::Normal(n) = c {
            at.push(n);
            if let Ok(m) = std::fs::symlink_metadata(&at) {
                if m.file_type().is_symlink() {
                    return Err(format!(
                        "“{}”是符号链接 (symbolic link)：请放入文件本身",
                        at.display()
                    ));
                }
            }
        }
    }
    Ok(at)
}

/// Reads and identifies the file `rel` names under `root`.
pub fn read(root: &Path, rel: &str) -> Result<(PathBuf, Sniffed), String> {
    let (path, bytes) = load(root, rel)?;
    let s = sniff(&bytes)?;
    Ok((path, s))
}

/// Reads the file `rel` names under `root` (a file, at most [`MAX_SIZE`]), not
/// yet identified: for a caller that also hashes the bytes it identifies.
pub fn load(root: &Path, rel: &str) -> Result<(PathBuf, Vec<u8>), String> {
    let path = resolve(root, rel)?;
    let meta = std::fs::metadata(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!("文件不存在 (no such file): {}", path.display())
        } else {
            format!("无法读取 (cannot read) {}: {e}", path.display())
        }
    })?;
    if !meta.is_file() {
        return Err(format!("不是文件 (not a file): {}", path.display()));
    }
    if meta.len() > MAX_SIZE {
        return Err(format!(
            "文件过大 (too large): {} 字节，超过 256 MB",
            meta.len()
        ));
    }
    let bytes = std::fs::read(&path)
        .map_err(|e| format!("无法读取 (cannot read) {}: {e}", path.display()))?;
    Ok((path, bytes))
}

/// What the bytes are: PDF, JPEG, PNG or TIFF, checked to parse; else the problem.
pub fn sniff(b: &[u8]) -> Result<Sniffed, String> {
    let one = |format| Ok(Sniffed { format, pages: 1 });
    if b.starts_with(b"%PDF-") {
        let f = crate::verify::pdf::facts(b.to_vec())
            .map_err(|m| format!("PDF 无法解析 (PDF does not parse): {m}"))?;
        if f.encrypted {
            return Err("PDF 已加密 (encrypted)：请提供未加密的扫描件".into());
        }
        if f.pages == 0 {
            return Err("PDF 没有页面 (no pages)".into());
        }
        return Ok(Sniffed {
            format: Format::Pdf,
            pages: f.pages,
        });
    }
    if b.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        png(b)?;
        return one(Format::Png);
    }
    if b.starts_with(&[0xff, 0xd8, 0xff]) {
        jpeg(b)?;
        return one(Format::Jpeg);
    }
    if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        tiff(b)?;
        return one(Format::Tiff);
    }
    Err("不是 PDF、JPEG、PNG 或 TIFF 文件 (not a PDF, JPEG, PNG or TIFF file)".into())
}

/// PNG: chunks with valid CRCs, IHDR first with a non-zero size, IDAT, IEND.
fn png(b: &[u8]) -> Result<(), String> {
    let bad = |m: &str| Err(format!("PNG 文件损坏 (broken PNG): {m}"));
    let mut i = 8;
    let (mut ihdr, mut idat) = (false, false);
    loop {
        if i + 12 > b.len() {
            return bad("没有 IEND (truncated)");
        }
        let len = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        let ty = &b[i + 4..i + 8];
        let end = match (i + 8).checked_add(len) {
            Some(e) if e + 4 <= b.len() => e,
            _ => return bad("块超出文件 (chunk past the end)"),
        };
        let crc = u32::from_be_bytes([b[end], b[end + 1], b[end + 2], b[end + 3]]);
        if crc32fast::hash(&b[i + 4..end]) != crc {
            return bad("块校验错 (chunk CRC)");
        }
        if !ihdr && ty != b"IHDR" {
            return bad("第一块不是 IHDR");
        }
        match ty {
            b"IHDR" => {
                if len != 13 {
                    return bad("IHDR 长度错");
                }
                let w = u32::from_be_bytes([b[i + 8], b[i + 9], b[i + 10], b[i + 11]]);
                let h = u32::from_be_bytes([b[i + 12], b[i + 13], b[i + 14], b[i + 15]]);
                if w == 0 || h == 0 {
                    return bad("宽或高为 0");
                }
                ihdr = true;
            }
            b"IDAT" => idat = true,
            b"IEND" => {
                return if idat {
                    Ok(())
                } else {
                    bad("没有图像数据 (no IDAT)")
                };
            }
            _ => {}
        }
        i = end + 4;
    }
}

/// JPEG: markers from SOI to a frame header (SOFn) with a non-zero size, and EOI.
fn jpeg(b: &[u8]) -> Result<(), String> {
    let bad = |m: &str| Err(format!("JPEG 文件损坏 (broken JPEG): {m}"));
    // EOI at the end (some scanners pad a few bytes after it).
    if !b[b.len().saturating_sub(64)..]
        .windows(2)
        .any(|w| w == [0xff, 0xd9])
    {
        return bad("没有结束标记 EOI (truncated)");
    }
    let mut i = 2;
    while i + 4 <= b.len() {
        if b[i] != 0xff {
            return bad("标记错 (bad marker)");
        }
        let m = b[i + 1];
        if m == 0xff {
            i += 1;
            continue;
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if len < 2 || i + 2 + len > b.len() {
            return bad("段超出文件 (segment past the end)");
        }
        if matches!(m, 0xc0..=0xcf) && !matches!(m, 0xc4 | 0xc8 | 0xcc) {
            if len < 8 {
                return bad("帧头过短");
            }
            let h = u16::from_be_bytes([b[i + 5], b[i + 6]]);
            let w = u16::from_be_bytes([b[i + 7], b[i + 8]]);
            if w == 0 || h == 0 {
                return bad("宽或高为 0");
            }
            return Ok(());
        }
        if m == 0xda {
            break;
        }
        i += 2 + len;
    }
    bad("没有帧头 SOF (no frame header)")
}

/// TIFF: the first IFD in the file, with entries, and ImageWidth/ImageLength.
fn tiff(b: &[u8]) -> Result<(), String> {
    let bad = |m: &str| Err(format!("TIFF 文件损坏 (broken TIFF): {m}"));
    let le = b[0] == b'I';
    let u16_at = |i: usize| -> Option<u16> {
        let x = b.get(i..i + 2)?;
        Some(if le {
            u16::from_le_bytes([x[0], x[1]])
        } else {
            u16::from_be_bytes([x[0], x[1]])
        })
    };
    let u32_at = |i: usize| -> Option<u32> {
        let x = b.get(i..i + 4)?;
        Some(if le {
            u32::from_le_bytes([x[0], x[1], x[2], x[3]])
        } else {
            u32::from_be_bytes([x[0], x[1], x[2], x[3]])
        })
    };
    let Some(ifd) = u32_at(4).map(|x| x as usize) else {
        return bad("文件过短");
    };
    let Some(n) = u16_at(ifd).filter(|n| *n > 0) else {
        return bad("IFD 超出文件或为空");
    };
    let (mut w, mut h) = (false, false);
    for k in 0..n as usize {
        let e = ifd + 2 + 12 * k;
        let Some(tag) = u16_at(e) else {
            return bad("IFD 条目超出文件");
        };
        match tag {
            256 => w = true,
            257 => h = true,
            _ => {}
        }
    }
    if !(w && h) {
        return bad("没有图像宽高 (no ImageWidth/ImageLength)");
    }
    Ok(())
}

/// A minimal valid greyscale PNG of `w` × `h` pixels (white, with a grey frame
/// and grey "text" lines), for synthetic cases and tests.
pub fn stand_in_png(w: u32, h: u32) -> Vec<u8> {
    use std::io::Write as _;
    let mut raw = Vec::with_capacity(((w + 1) * h) as usize);
    for y in 0..h {
        raw.push(0u8);
        for x in 0..w {
            let frame = x < 2 || y < 2 || x + 2 >= w || y + 2 >= h;
            let line = y > h / 6 && y % 12 < 2 && x > w / 10 && x < w - w / 10;
            raw.push(if frame || line { 96 } else { 255 });
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(&raw);
    let data = z.finish().unwrap_or_default();
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut chunk = |ty: &[u8; 4], body: &[u8]| {
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        let mut c = ty.to_vec();
        c.extend_from_slice(body);
        out.extend_from_slice(&c);
        out.extend_from_slice(&crc32fast::hash(&c).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &data);
    chunk(b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert!(path_problem("originals/a.png").is_none());
        assert!(path_problem("./originals/a.png").is_none());
        assert!(path_problem("../a.png").is_some());
        assert!(path_problem("originals/../../a.png").is_some());
        assert!(path_problem("/etc/passwd").is_some());
        assert!(path_problem("C:/x.png").is_some());
        assert!(path_problem("").is_some());
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_refused() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("originals")).unwrap();
        std::fs::write(d.path().join("originals/a.png"), stand_in_png(20, 20)).unwrap();
        assert!(read(d.path(), "originals/a.png").is_ok());
        std::os::unix::fs::symlink("a.png", d.path().join("originals/b.png")).unwrap();
        let e = read(d.path(), "originals/b.png").unwrap_err();
        assert!(e.contains("符号链接"), "{e}");
        std::os::unix::fs::symlink("originals", d.path().join("linked")).unwrap();
        assert!(
            read(d.path(), "linked/a.png").is_err(),
            "a linked folder too"
        );
        assert!(read(d.path(), "originals/c.png")
            .unwrap_err()
            .contains("不存在"));
    }

    #[test]
    fn formats() {
        let p = stand_in_png(40, 50);
        assert_eq!(sniff(&p).unwrap().format, Format::Png);
        let mut broken = p.clone();
        let n = broken.len();
        broken[n - 20] ^= 0xff;
        assert!(sniff(&broken).is_err());
        assert!(sniff(b"hello, this is text").is_err());
        assert!(sniff(b"%PDF-1.7\nnot really").is_err());
        assert!(sniff(&[0xff, 0xd8, 0xff, 0xe0, 0, 2, 0xff, 0xd9]).is_err());
        assert!(sniff(b"II*\0\x08\0\0\0\0\0").is_err());
        // A TIFF with width and height.
        let mut t = b"II*\0\x08\0\0\0".to_vec();
        t.extend_from_slice(&2u16.to_le_bytes());
        for tag in [256u16, 257] {
            t.extend_from_slice(&tag.to_le_bytes());
            t.extend_from_slice(&3u16.to_le_bytes());
            t.extend_from_slice(&1u32.to_le_bytes());
            t.extend_from_slice(&10u32.to_le_bytes());
        }
        t.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(sniff(&t).unwrap().format, Format::Tiff);
    }
}
