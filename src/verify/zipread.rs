//! Reading a zip that may be hostile, in place, without extracting anything.
//!
//! The `zip` crate's reader is made to open good archives: it looks entries up
//! by name (so a duplicate name hides its twin), trusts the central directory's
//! offsets and sizes, and stops at the first thing it dislikes. A receiver needs
//! the opposite: every structural lie found and named, and nothing of it acted
//! on. So this reader parses the end records and the central directory itself,
//! bounds every allocation by what the file can really hold, cross-checks each
//! local header against its central record, maps which bytes each entry claims
//! (overlaps, gaps, data outside the file) and only then reads contents —
//! positional reads of the one open file, stored or deflate only, the output
//! bounded by the declared size and a compression-ratio limit, and the CRC-32
//! checked. It never writes anything.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt as _;

use super::names::{self, NameDefect};

/// Bounds that make a bomb a finding instead of an outage.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Entries in one archive (a 5,000-case year bundle has ~90,000).
    pub max_entries: u64,
    /// Uncompressed : compressed, for a deflated entry bigger than `ratio_floor`.
    pub max_ratio: u64,
    pub ratio_floor: u64,
    /// Sum of all declared uncompressed sizes, as a multiple of the archive size.
    pub max_total_ratio: u64,
    /// An archive comment longer than this is a finding (it can carry anything).
    pub max_comment: usize,
    /// The central directory is read into memory; this bounds it.
    pub max_central_directory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 1_000_000,
            max_ratio: 100,
            ratio_floor: 1 << 20,
            max_total_ratio: 100,
            max_comment: 1024,
            max_central_directory: 256 << 20,
        }
    }
}

/// One structural finding about the archive. Each kind is its own defect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// No end-of-central-directory record: not a zip, or cut short.
    NotZip(String),
    /// The central directory ends before the entries it declares.
    Truncated {
        declared: u64,
        read: u64,
    },
    /// More entries than the limit (declared or real).
    TooManyEntries {
        declared: u64,
        limit: u64,
    },
    /// The declared entry count cannot fit in the central directory's bytes.
    CountLie {
        declared: u64,
        fits: u64,
    },
    /// Multi-disk (spanned) archives are not accepted.
    MultiDisk,
    Comment {
        len: usize,
        limit: usize,
    },
    /// Bytes that no entry, directory or end record claims.
    Gap {
        offset: u64,
        len: u64,
    },
    /// Two entries claim the same bytes.
    Overlap {
        a: String,
        b: String,
    },
    /// An entry's data lies (partly) outside the file or over the directory.
    OutOfBounds {
        name: String,
    },
    /// A ZIP64 size or offset that the file cannot hold, or stored sizes differing.
    SizeLie {
        name: String,
        detail: String,
    },
    /// The local header does not say what the central directory says.
    LocalMismatch {
        name: String,
        field: &'static str,
    },
    BadName {
        raw: String,
        defect: NameDefect,
    },
    Duplicate {
        name: String,
    },
    /// Two names that are the same after Unicode NFC normalisation.
    NfcTwins {
        names: Vec<String>,
    },
    Symlink {
        name: String,
    },
    /// Device, FIFO, socket: anything but a file or folder.
    Special {
        name: String,
    },
    Encrypted {
        name: String,
    },
    /// A compression method other than stored or deflate.
    Method {
        name: String,
        method: u16,
    },
    /// Declared ratio or total beyond the limits.
    Bomb {
        name: String,
        detail: String,
    },
    /// Names that collide on Windows, macOS or to the eye (see [`names::Clash`]).
    Clash {
        clash: names::Clash,
        names: Vec<String>,
    },
    /// A data descriptor (flag bit 3) missing, or not saying what the central
    /// record says.
    Descriptor {
        name: String,
        detail: String,
    },
    /// Bytes after the end of an entry's deflate stream, inside its declared
    /// compressed size: what a streaming reader takes for the next entry.
    DeflateTrailing {
        name: String,
        len: u64,
    },
    /// A plausible local header inside an entry's data, where a streaming
    /// extractor that finds the end of the entry itself would read it as a
    /// file of its own.
    EmbeddedHeader {
        name: String,
        offset: u64,
        inner: String,
    },
    /// An extra field whose length runs past the extra area (or a ZIP64 field
    /// too short for the values it must carry).
    ExtraOverrun {
        name: String,
        at: &'static str,
    },
}

impl Finding {
    /// A stable code for the kind of finding (`zip.overlap`, `name.traversal`…).
    pub fn code(&self) -> String {
        match self {
            Finding::NotZip(_) => "zip.not-zip".into(),
            Finding::Truncated { .. } => "zip.truncated".into(),
            Finding::TooManyEntries { .. } => "zip.too-many-entries".into(),
            Finding::CountLie { .. } => "zip.count-lie".into(),
            Finding::MultiDisk => "zip.multi-disk".into(),
            Finding::Comment { .. } => "zip.comment".into(),
            Finding::Gap { .. } => "zip.gap".into(),
            Finding::Overlap { .. } => "zip.overlap".into(),
            Finding::OutOfBounds { .. } => "zip.out-of-bounds".into(),
            Finding::SizeLie { .. } => "zip.size-lie".into(),
            Finding::LocalMismatch { .. } => "zip.local-mismatch".into(),
            Finding::BadName { defect, .. } => format!("name.{}", defect.code()),
            Finding::Duplicate { .. } => "name.duplicate".into(),
            Finding::NfcTwins { .. } => "name.nfc-twins".into(),
            Finding::Symlink { .. } => "zip.symlink".into(),
            Finding::Special { .. } => "zip.special-file".into(),
            Finding::Encrypted { .. } => "zip.encrypted".into(),
            Finding::Method { .. } => "zip.method".into(),
            Finding::Bomb { .. } => "zip.bomb".into(),
            Finding::Clash { clash, .. } => match clash {
                names::Clash::Case => "name.case-twins",
                names::Clash::Ignorable => "name.ignorable-twins",
                names::Clash::FileAndFolder => "name.file-and-folder",
                names::Clash::FolderShadowsFile => "name.folder-shadows-file",
                names::Clash::Confusable => "name.confusable",
            }
            .into(),
            Finding::Descriptor { .. } => "zip.descriptor".into(),
            Finding::DeflateTrailing { .. } => "zip.deflate-trailing".into(),
            Finding::EmbeddedHeader { .. } => "zip.embedded-header".into(),
            Finding::ExtraOverrun { .. } => "zip.extra-overrun".into(),
        }
    }

    /// A warning, not a defect: the check it belongs to warns and the bundle
    /// is not rejected for it (look-alike names).
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            Finding::Clash {
                clash: names::Clash::Confusable,
                ..
            }
        )
    }

    /// The entry the finding is about, if one.
    pub fn file(&self) -> Option<String> {
        match self {
            Finding::OutOfBounds { name }
            | Finding::SizeLie { name, .. }
            | Finding::LocalMismatch { name, .. }
            | Finding::Duplicate { name }
            | Finding::Symlink { name }
            | Finding::Special { name }
            | Finding::Encrypted { name }
            | Finding::Method { name, .. }
            | Finding::Bomb { name, .. }
            | Finding::Descriptor { name, .. }
            | Finding::DeflateTrailing { name, .. }
            | Finding::EmbeddedHeader { name, .. }
            | Finding::ExtraOverrun { name, .. } => Some(name.clone()),
            Finding::Clash { names, .. } => names.first().cloned(),
            Finding::BadName { raw, .. } => Some(raw.clone()),
            Finding::Overlap { b, .. } => Some(b.clone()),
            _ => None,
        }
    }

    /// What is wrong, for a clerk (Chinese, with the English term).
    pub fn message(&self) -> String {
        match self {
            Finding::NotZip(m) => format!("不是可读的 zip 文件 (not a zip): {m}"),
            Finding::Truncated { declared, read } => format!(
                "中央目录被截断 (truncated central directory): 声明 {declared} 项，只读到 {read} 项"
            ),
            Finding::TooManyEntries { declared, limit } => {
                format!("条目数 {declared} 超过上限 {limit} (entry-count bomb)")
            }
            Finding::CountLie { declared, fits } => {
                format!("声明 {declared} 个条目，中央目录最多容纳 {fits} 个 (entry count lie)")
            }
            Finding::MultiDisk => "分卷压缩包 (multi-disk archive) 不予接收".into(),
            Finding::Comment { len, limit } => {
                format!("压缩包注释 {len} 字节，超过 {limit} 字节上限 (oversized archive comment)")
            }
            Finding::Gap { offset, len } => {
                format!("偏移 {offset} 起 {len} 字节不属于任何条目 (unaccounted bytes)")
            }
            Finding::Overlap { a, b } => format!("条目数据重叠 (overlapping entries): {a} 与 {b}"),
            Finding::OutOfBounds { .. } => "数据超出文件或压入中央目录 (data out of bounds)".into(),
            Finding::SizeLie { detail, .. } => {
                format!("长度声明不实 (size lie): {detail}")
            }
            Finding::LocalMismatch { field, .. } => {
                format!("本地文件头与中央目录的{field}不一致 (local header mismatch)")
            }
            Finding::BadName { defect, .. } => defect.zh().to_string(),
            Finding::Duplicate { .. } => "重名条目 (duplicate entry)".into(),
            Finding::NfcTwins { names } => format!(
                "Unicode NFC 规范化后同名 (NFC/NFD twins): {}",
                names.join(" / ")
            ),
            Finding::Symlink { .. } => "符号链接 (symlink)，不予接收".into(),
            Finding::Special { .. } => "特殊文件 (device/FIFO)，不予接收".into(),
            Finding::Encrypted { .. } => "加密条目 (encrypted entry)".into(),
            Finding::Method { method, .. } => {
                format!("压缩方法 {method} 不是 stored/deflate (unsupported compression)")
            }
            Finding::Bomb { detail, .. } => format!("疑似压缩炸弹 (zip bomb): {detail}"),
            Finding::Clash { clash, names } => {
                let what = match clash {
                    names::Clash::Case => "仅大小写不同，在 Windows/macOS 上是同一文件 (case-only twins)",
                    names::Clash::Ignorable => {
                        "仅差零宽或其他不可见字符，看上去同名 (differ only by default-ignorable characters)"
                    }
                    names::Clash::FileAndFolder => "同一名称既是文件又是文件夹 (a file and a folder with one name)",
                    names::Clash::FolderShadowsFile => "文件夹条目与文件同名 (a folder entry shadows a file)",
                    names::Clash::Confusable => "形近易混的文件名 (confusable look-alike names, Unicode TR 39)",
                };
                let shown: Vec<String> = names.iter().map(|n| escape_name(n.as_bytes())).collect();
                format!("{what}: {}", shown.join(" / "))
            }
            Finding::Descriptor { detail, .. } => {
                format!("数据描述符 (data descriptor) 与中央目录不符: {detail}")
            }
            Finding::DeflateTrailing { len, .. } => format!(
                "deflate 数据流结束后、声明的压缩长度内还有 {len} 字节 (bytes after the end of the deflate stream)"
            ),
            Finding::EmbeddedHeader { offset, inner, .. } => format!(
                "条目数据内偏移 {offset} 处有一个本地文件头 ({inner})，流式解压工具会把它当作另一个文件 (local header smuggled inside entry data)"
            ),
            Finding::ExtraOverrun { at, .. } => {
                format!("{at}的扩展字段长度超出其范围 (extra field overruns)")
            }
        }
    }
}

/// What the archive says about one entry, after the checks.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The name as text (lossy if it was not UTF-8; such entries are never read).
    pub name: String,
    /// The name passed the name rules.
    pub name_ok: bool,
    pub is_dir: bool,
    pub method: u16,
    pub flags: u16,
    pub crc: u32,
    pub compressed: u64,
    pub size: u64,
    pub local_offset: u64,
    /// Where the data starts (after the local header), once the header was read.
    pub data_offset: Option<u64>,
    /// Header fields kept for profile checks (a deterministic writer's output is fixed).
    pub made_by: u16,
    pub needed: u16,
    pub dos_time: u16,
    pub dos_date: u16,
    pub internal_attr: u16,
    pub external_attr: u32,
    pub extra_len: usize,
    pub comment_len: usize,
    pub local_extra_len: usize,
    /// The extra areas themselves (empty in almost every entry), for the profile check.
    pub extra: Vec<u8>,
    pub local_extra: Vec<u8>,
    /// Bytes of the data descriptor after the data (0 without one).
    pub descriptor_len: u64,
    /// This entry can be read: name, type, method, encryption, bounds all fine.
    pub readable: bool,
}

/// Where an entry's data is and what it must give: all [`read_loc`] needs,
/// kept per file for the whole check instead of the [`Entry`] (24 bytes
/// against ~220 and the name).
#[derive(Clone, Copy, Debug)]
pub struct Loc {
    /// Where the data starts (after the local header); `u64::MAX` when the
    /// local header was not read (the entry is then never readable).
    pub data_offset: u64,
    pub compressed: u64,
    pub crc: u32,
    pub method: u16,
    pub flags: u16,
}

impl Entry {
    /// Where the data is, for [`read_loc`].
    pub fn loc(&self) -> Loc {
        Loc {
            data_offset: self.data_offset.unwrap_or(u64::MAX),
            compressed: self.compressed,
            crc: self.crc,
            method: self.method,
            flags: self.flags,
        }
    }

    pub fn encrypted(&self) -> bool {
        self.flags & 1 != 0 || self.method == 99
    }
    /// The Unix mode in the high half of the external attributes. Read whatever
    /// host the entry claims: unzip honours it for Unix, BeOS, Atari, VMS… alike.
    fn unix_mode(&self) -> Option<u32> {
        let m = self.external_attr >> 16;
        (m != 0).then_some(m)
    }
}

/// The archive as read: its entries (in central-directory order) and findings.
#[derive(Debug)]
pub struct Archive {
    pub len: u64,
    pub entries: Vec<Entry>,
    pub findings: Vec<Finding>,
    pub comment_len: usize,
}

/// Why an entry's content could not be read or did not check out.
#[derive(Debug, thiserror::Error)]
pub enum ReadDefect {
    #[error("CRC-32 不符 (CRC mismatch): 记录 {expected:08x}，实际 {actual:08x}")]
    Crc { expected: u32, actual: u32 },
    #[error("长度不符 (size mismatch): 记录 {declared} 字节，实际 {actual} 字节")]
    Size { declared: u64, actual: u64 },
    #[error("解压数据损坏 (corrupt deflate data): {0}")]
    Corrupt(String),
    #[error("解压比超限 (compression ratio over {limit}:1)，疑似压缩炸弹 (zip bomb)")]
    Bomb { limit: u64 },
    #[error("读取失败 (I/O): {0}")]
    Io(String),
}

const EOCD: u32 = 0x0605_4b50;
const Z64_LOCATOR: u32 = 0x0706_4b50;
const Z64_EOCD: u32 = 0x0606_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const LOCAL: u32 = 0x0403_4b50;
const DESCRIPTOR: u32 = 0x0807_4b50;

fn u16le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn u32le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn u64le(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn read_at(f: &File, off: u64, len: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    f.read_exact_at(&mut buf, off)?;
    Ok(buf)
}

/// Where the central directory is, per the end records.
struct End {
    cd_offset: u64,
    cd_size: u64,
    count: u64,
    /// First byte of the end records (ZIP64 record if any, else the EOCD).
    end_start: u64,
    comment_len: usize,
}

fn find_end(f: &File, len: u64, limits: &Limits, out: &mut Vec<Finding>) -> Result<End, String> {
    if len < 22 {
        return Err(format!("文件只有 {len} 字节，不足一个 zip 结尾记录"));
    }
    let tail_len = len.min(22 + 65_535) as usize;
    let tail_start = len - tail_len as u64;
    let tail = read_at(f, tail_start, tail_len).map_err(|e| e.to_string())?;
    // The last EOCD whose comment runs exactly to the end of the file.
    let mut at = None;
    let mut loose = None;
    for i in (0..=tail_len - 22).rev() {
        if u32le(&tail, i) == EOCD {
            let clen = u16le(&tail, i + 20) as usize;
            if i + 22 + clen == tail_len {
                at = Some(i);
                break;
            }
            loose.get_or_insert(i);
        }
    }
    let i = match (at, loose) {
        (Some(i), _) => i,
        (None, Some(i)) => {
            let clen = u16le(&tail, i + 20) as usize;
            let end = i + 22 + clen;
            if end < tail_len {
                out.push(Finding::Gap {
                    offset: tail_start + end as u64,
                    len: (tail_len - end) as u64,
                });
            } else {
                return Err("结尾记录的注释长度超出文件末尾 (comment runs past the end)".into());
            }
            i
        }
        (None, None) => {
            return Err("找不到 zip 结尾记录 (no end-of-central-directory record)".into())
        }
    };
    let e = &tail[i..];
    let (disk, cd_disk) = (u16le(e, 4), u16le(e, 6));
    let (n_disk, n_total) = (u16le(e, 8) as u64, u16le(e, 10) as u64);
    let mut cd_size = u32le(e, 12) as u64;
    let mut cd_offset = u32le(e, 16) as u64;
    let comment_len = u16le(e, 20) as usize;
    if comment_len > limits.max_comment {
        out.push(Finding::Comment {
            len: comment_len,
            limit: limits.max_comment,
        });
    }
    let eocd_pos = tail_start + i as u64;
    let mut count = n_total;
    let mut end_start = eocd_pos;
    let mut multi = disk != 0 || cd_disk != 0 || n_disk != n_total;
    let z64 = n_total == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF;
    if eocd_pos >= 20 {
        let loc = read_at(f, eocd_pos - 20, 20).map_err(|e| e.to_string())?;
        if u32le(&loc, 0) == Z64_LOCATOR {
            let rec_off = u64le(&loc, 8);
            if u32le(&loc, 4) != 0 || u32le(&loc, 16) > 1 {
                multi = true;
            }
            if rec_off
                .checked_add(56)
                .is_none_or(|end| end > eocd_pos - 20)
            {
                out.push(Finding::SizeLie {
                    name: "ZIP64 结尾记录".into(),
                    detail: format!("定位记录指向偏移 {rec_off}，超出文件"),
                });
            } else {
                let r = read_at(f, rec_off, 56).map_err(|e| e.to_string())?;
                if u32le(&r, 0) != Z64_EOCD {
                    return Err(format!("偏移 {rec_off} 处不是 ZIP64 结尾记录"));
                }
                if u32le(&r, 16) != 0 || u32le(&r, 20) != 0 || u64le(&r, 24) != u64le(&r, 32) {
                    multi = true;
                }
                count = u64le(&r, 32);
                cd_size = u64le(&r, 40);
                cd_offset = u64le(&r, 48);
                end_start = rec_off;
            }
        } else if z64 && n_total != 0xFFFF {
            // 0xFFFFFFFF sizes without a ZIP64 record: take them literally (they will not fit).
        }
    }
    if multi {
        out.push(Finding::MultiDisk);
    }
    Ok(End {
        cd_offset,
        cd_size,
        count,
        end_start,
        comment_len,
    })
}

/// Reads the structure of the archive at `f` (of length `len`). Fails only when
/// there is no structure at all to report on (not a zip); everything else is a
/// finding.
pub fn open(f: &File, limits: &Limits) -> Result<Archive, String> {
    let len = f.metadata().map_err(|e| e.to_string())?.len();
    let mut findings = Vec::new();
    let end = find_end(f, len, limits, &mut findings)?;
    if end.count > limits.max_entries {
        findings.push(Finding::TooManyEntries {
            declared: end.count,
            limit: limits.max_entries,
        });
    }
    // The directory must sit inside the file, before the end records.
    let cd_end = end.cd_offset.checked_add(end.cd_size);
    if cd_end.is_none_or(|e| e > end.end_start) {
        findings.push(Finding::SizeLie {
            name: "中央目录 (central directory)".into(),
            detail: format!(
                "声明偏移 {} 长度 {}，而结尾记录在 {}",
                end.cd_offset, end.cd_size, end.end_start
            ),
        });
    }
    let cd_start = end.cd_offset.min(end.end_start);
    let cd_len = end.end_start.saturating_sub(cd_start).min(end.cd_size);
    if cd_len > limits.max_central_directory {
        findings.push(Finding::Bomb {
            name: "中央目录 (central directory)".into(),
            detail: format!("{cd_len} 字节，超过上限 {}", limits.max_central_directory),
        });
        return Ok(Archive {
            len,
            entries: Vec::new(),
            findings,
            comment_len: end.comment_len,
        });
    }
    let fits = cd_len / 46;
    if end.count > fits {
        findings.push(Finding::CountLie {
            declared: end.count,
            fits,
        });
    }
    let cd = read_at(f, cd_start, cd_len as usize).map_err(|e| e.to_string())?;
    let mut entries = Vec::new();
    let mut p = 0usize;
    let want = end.count.min(limits.max_entries);
    while (entries.len() as u64) < want {
        let Some(n) = record_len(&cd[p..]) else {
            break;
        };
        entries.push(central_entry(&cd[p..p + n], &mut findings));
        p += n;
    }
    if (entries.len() as u64) < want {
        findings.push(Finding::Truncated {
            declared: end.count,
            read: entries.len() as u64,
        });
    }
    check_names(&entries, &mut findings);
    check_sizes(&mut entries, len, limits, &mut findings);
    read_local_headers(f, &mut entries, &mut findings);
    map_bytes(&mut entries, cd_start, cd_len, end.end_start, &mut findings);
    Ok(Archive {
        len,
        entries,
        findings,
        comment_len: end.comment_len,
    })
}

/// The central directory read as a stream of records, a megabyte at a time,
/// instead of whole: [`open_sorted`] and [`central_names`] hold one chunk.
struct CdStream<'f> {
    f: &'f File,
    /// The file offset of the next chunk, and the bytes of the directory left.
    pos: u64,
    left: u64,
    buf: Vec<u8>,
    at: usize,
}

impl<'f> CdStream<'f> {
    fn new(f: &'f File, start: u64, len: u64) -> CdStream<'f> {
        CdStream {
            f,
            pos: start,
            left: len,
            buf: Vec::new(),
            at: 0,
        }
    }

    /// The next whole record; `None` at the end of the directory, at bytes
    /// that are not a record, or when the file cannot be read.
    fn next_record(&mut self) -> Option<&[u8]> {
        let n = loop {
            if let Some(n) = record_len(&self.buf[self.at..]) {
                break n;
            }
            if self.left == 0 {
                return None;
            }
            self.buf.drain(..self.at);
            self.at = 0;
            let want = self.left.min(1 << 20) as usize;
            let have = self.buf.len();
            self.buf.resize(have + want, 0);
            std::os::unix::fs::FileExt::read_exact_at(self.f, &mut self.buf[have..], self.pos)
                .ok()?;
            self.pos += want as u64;
            self.left -= want as u64;
        };
        let at = self.at;
        self.at += n;
        Some(&self.buf[at..at + n])
    }
}

/// Where the central directory of a zip laid out as anjuan writes it is, and
/// its end: `None` for anything [`open`] would have a finding about before
/// reading the entries (or no entries).
fn sorted_end(f: &File, limits: &Limits) -> Option<(u64, End)> {
    let len = f.metadata().ok()?.len();
    let mut findings = Vec::new();
    let end = find_end(f, len, limits, &mut findings).ok()?;
    let fits = end.cd_size / 46;
    let plain = findings.is_empty()
        && end.count > 0
        && end.count <= limits.max_entries
        && end.count <= fits
        && end.cd_size <= limits.max_central_directory
        && end.cd_offset.checked_add(end.cd_size) == Some(end.end_start);
    plain.then_some((len, end))
}

/// The names in the central directory of a zip [`open_sorted`] may take, each
/// as [`Entry::name`] has it, in directory order, read as a stream; false when
/// it may not take the zip.
pub fn central_names(f: &File, limits: &Limits, each: &mut dyn FnMut(&str)) -> bool {
    let Some((_, end)) = sorted_end(f, limits) else {
        return false;
    };
    let mut cd = CdStream::new(f, end.cd_offset, end.cd_size);
    for _ in 0..end.count {
        let Some(r) = cd.next_record() else {
            return false;
        };
        let nlen = u16le(r, 28) as usize;
        each(&String::from_utf8_lossy(&r[46..46 + nlen]));
    }
    true
}

/// [`open`] for a zip laid out as anjuan writes it (`archive::zipout`): names
/// strictly ascending, each entry's local header, data and descriptor
/// directly after the one before it from offset 0, then the central directory
/// and the end records — without holding the entries. The central directory
/// is read as a stream and each entry, checked as [`open`] checks it, is handed
/// to `each` in turn and dropped; overlaps, gaps and duplicate names are ruled
/// out against the entry before. Only the names are kept to the end, for the
/// NFC, case and look-alike checks over the whole set.
///
/// `Some` only when [`open`] would find nothing at all: then the archive it
/// gives (without entries) and the entries handed to `each` are what [`open`]
/// would give. `None` at the first thing that is not so — the caller then
/// forgets what `each` was given and calls [`open`], whose general path (all
/// entries held) says what is wrong; an unordered or foreign zip goes the same
/// way.
pub fn open_sorted(f: &File, limits: &Limits, each: &mut dyn FnMut(&Entry)) -> Option<Archive> {
    let (len, end) = sorted_end(f, limits)?;
    let cd_start = end.cd_offset;
    let mut cd = CdStream::new(f, cd_start, end.cd_size);
    let mut out = Vec::new();
    // The accepted names, one after another, and where each ends.
    let mut names = String::new();
    let mut ends: Vec<usize> = Vec::new();
    let mut cursor = 0u64;
    let mut total = 0u64;
    for _ in 0..end.count {
        let mut e = central_entry(cd.next_record()?, &mut out);
        // The entry before's name ("" before the first).
        let prev = &names[ends.len().checked_sub(2).map_or(0, |i| ends[i])..];
        if !out.is_empty() || !e.name_ok || (!ends.is_empty() && prev >= e.name.as_str()) {
            return None;
        }
        if check_size(&mut e, len, limits, &mut out) {
            total = total.saturating_add(e.size);
        }
        if !out.is_empty() {
            return None;
        }
        read_local_header(f, &mut e, &mut out);
        let data = e.data_offset?;
        let span_end = data
            .saturating_add(e.compressed)
            .saturating_add(e.descriptor_len);
        if !out.is_empty() || !e.readable || e.local_offset != cursor || span_end > cd_start {
            return None;
        }
        cursor = span_end;
        names.push_str(&e.name);
        ends.push(names.len());
        each(&e);
    }
    if cursor != cd_start || whole_bomb(total, len, limits) {
        return None;
    }
    let mut findings = Vec::new();
    {
        let mut ok = Vec::with_capacity(ends.len());
        let mut from = 0;
        for &to in &ends {
            ok.push(&names[from..to]);
            from = to;
        }
        name_set_findings(&ok, &mut findings);
    }
    findings.is_empty().then_some(Archive {
        len,
        entries: Vec::new(),
        findings,
        comment_len: end.comment_len,
    })
}

/// The length of the central-directory record at the start of `b`, if a
/// whole one is there.
fn record_len(b: &[u8]) -> Option<usize> {
    if b.len() < 46 || u32le(b, 0) != CENTRAL {
        return None;
    }
    let n = 46 + u16le(b, 28) as usize + u16le(b, 30) as usize + u16le(b, 32) as usize;
    (n <= b.len()).then_some(n)
}

/// One central-directory record (whole, see [`record_len`]) as an entry, with
/// the findings the record alone shows.
fn central_entry(r: &[u8], out: &mut Vec<Finding>) -> Entry {
    let nlen = u16le(r, 28) as usize;
    let xlen = u16le(r, 30) as usize;
    let clen = u16le(r, 32) as usize;
    let raw_name = &r[46..46 + nlen];
    let extra = &r[46 + nlen..46 + nlen + xlen];
    let mut e = Entry {
        name: String::from_utf8_lossy(raw_name).into_owned(),
        name_ok: true,
        is_dir: false,
        made_by: u16le(r, 4),
        needed: u16le(r, 6),
        flags: u16le(r, 8),
        method: u16le(r, 10),
        dos_time: u16le(r, 12),
        dos_date: u16le(r, 14),
        crc: u32le(r, 16),
        compressed: u32le(r, 20) as u64,
        size: u32le(r, 24) as u64,
        internal_attr: u16le(r, 36),
        external_attr: u32le(r, 38),
        local_offset: u32le(r, 42) as u64,
        data_offset: None,
        extra_len: xlen,
        comment_len: clen,
        local_extra_len: 0,
        extra: extra.to_vec(),
        local_extra: Vec::new(),
        descriptor_len: 0,
        readable: true,
    };
    if u16le(r, 34) != 0 && u16le(r, 34) != 0xFFFF && !out.contains(&Finding::MultiDisk) {
        out.push(Finding::MultiDisk);
    }
    if !zip64_fields(extra, &mut e) {
        out.push(Finding::ExtraOverrun {
            name: e.name.clone(),
            at: "中央目录记录",
        });
        e.readable = false;
    }
    match names::check(raw_name) {
        Ok(_) => {}
        Err(defect) => {
            e.name_ok = false;
            e.readable = false;
            out.push(Finding::BadName {
                raw: escape_name(raw_name),
                defect,
            });
        }
    }
    // Info-ZIP's Unicode Path field gives a second name that unzip and the
    // zip crate use instead of the header's: it must say the same.
    if let Some(alt) = unicode_path(extra) {
        if alt != raw_name {
            e.name_ok = false;
            e.readable = false;
            out.push(match names::check(alt) {
                Err(defect) => Finding::BadName {
                    raw: escape_name(alt),
                    defect,
                },
                Ok(_) => Finding::LocalMismatch {
                    name: e.name.clone(),
                    field: "Unicode 路径扩展字段 (0x7075)",
                },
            });
        }
    }
    e.is_dir = e.name.ends_with('/');
    match e.unix_mode().map(|m| m & 0o170000) {
        Some(0o120000) => {
            out.push(Finding::Symlink {
                name: e.name.clone(),
            });
            e.readable = false;
        }
        Some(0) | Some(0o100000) | Some(0o040000) | None => {}
        Some(_) => {
            out.push(Finding::Special {
                name: e.name.clone(),
            });
            e.readable = false;
        }
    }
    if e.encrypted() {
        out.push(Finding::Encrypted {
            name: e.name.clone(),
        });
        e.readable = false;
    } else if e.method != 0 && e.method != 8 {
        out.push(Finding::Method {
            name: e.name.clone(),
            method: e.method,
        });
        e.readable = false;
    }
    e
}

/// The ZIP64 extended-information extra field replaces the 32-bit values that
/// are all ones, in the order size, compressed size, offset. False when a field
/// of the extra area runs past its end, or the ZIP64 field is too short for the
/// values it must replace: readers then disagree on what the entry is.
fn zip64_fields(extra: &[u8], e: &mut Entry) -> bool {
    let mut sizes = [e.size, e.compressed, e.local_offset];
    let ok = zip64_values(extra, &mut sizes);
    [e.size, e.compressed, e.local_offset] = sizes;
    ok
}

/// [`zip64_fields`] over any list of 32-bit values (all ones: take the next
/// 8 bytes of the ZIP64 field).
fn zip64_values(mut extra: &[u8], values: &mut [u64]) -> bool {
    let mut ok = true;
    while !extra.is_empty() {
        if extra.len() < 4 {
            // 1–3 bytes of padding after the last field: some aligners write
            // them; no reader takes them for a field.
            break;
        }
        let (id, n) = (u16le(extra, 0), u16le(extra, 2) as usize);
        if 4 + n > extra.len() {
            return false;
        }
        let body = &extra[4..4 + n];
        if id == 0x0001 {
            let mut q = 0;
            for v in values.iter_mut().filter(|v| **v == 0xFFFF_FFFF) {
                if q + 8 > body.len() {
                    ok = false;
                    break;
                }
                *v = u64le(body, q);
                q += 8;
            }
        }
        extra = &extra[4 + n..];
    }
    ok
}

/// Whether the extra area holds a ZIP64 field (its data descriptor then has
/// 8-byte sizes).
fn has_zip64(mut extra: &[u8]) -> bool {
    while extra.len() >= 4 {
        let (id, n) = (u16le(extra, 0), u16le(extra, 2) as usize);
        if id == 0x0001 {
            return true;
        }
        extra = &extra[(4 + n).min(extra.len())..];
    }
    false
}

/// The name in an Info-ZIP Unicode Path extra field (0x7075, version 1).
fn unicode_path(mut extra: &[u8]) -> Option<&[u8]> {
    while extra.len() >= 4 {
        let (id, n) = (u16le(extra, 0), u16le(extra, 2) as usize);
        let body = &extra[4..(4 + n).min(extra.len())];
        if id == 0x7075 && body.len() >= 5 && body[0] == 1 {
            return Some(&body[5..]);
        }
        extra = &extra[(4 + n).min(extra.len())..];
    }
    None
}

/// A raw name for a report: control and invisible characters and bytes that
/// are not UTF-8 shown as `\xNN` / `\u{…}`, so a clerk sees what is there.
pub fn escape_name(raw: &[u8]) -> String {
    let mut s = String::new();
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                s.push_str(&format!("\\x{:02X}", c as u32));
            } else if names::is_bidi(c) || names::is_default_ignorable(c) {
                s.push_str(&format!("\\u{{{:04X}}}", c as u32));
            } else {
                s.push(c);
            }
        }
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02X}"));
        }
    }
    s
}

fn check_names(entries: &[Entry], out: &mut Vec<Finding>) {
    let mut seen = std::collections::HashSet::new();
    let mut dups = std::collections::BTreeSet::new();
    for e in entries.iter().filter(|e| e.name_ok) {
        if !seen.insert(e.name.as_str()) {
            dups.insert(e.name.clone());
        }
    }
    for name in dups {
        out.push(Finding::Duplicate { name });
    }
    let ok: Vec<&str> = entries
        .iter()
        .filter(|e| e.name_ok)
        .map(|e| e.name.as_str())
        .collect();
    name_set_findings(&ok, out);
}

/// The findings about a set of accepted names: NFC twins and the other
/// clashes (case, invisible characters, file and folder, look-alikes).
pub fn name_set_findings(ok: &[&str], out: &mut Vec<Finding>) {
    for group in names::nfc_collisions(ok.iter().copied()) {
        out.push(Finding::NfcTwins { names: group });
    }
    for (clash, names) in names::clashes(ok) {
        out.push(Finding::Clash { clash, names });
    }
}

/// One entry's sizes against the file's length and the limits; whether its
/// size counts toward the whole archive's (see [`check_sizes`]).
fn check_size(e: &mut Entry, len: u64, limits: &Limits, out: &mut Vec<Finding>) -> bool {
    if e.compressed > len || e.local_offset >= len {
        out.push(Finding::SizeLie {
            name: e.name.clone(),
            detail: format!(
                "声明压缩长度 {} 字节、偏移 {}，而整个文件只有 {len} 字节",
                e.compressed, e.local_offset
            ),
        });
        e.readable = false;
        return false;
    }
    if e.method == 0 && !e.encrypted() && e.compressed != e.size {
        out.push(Finding::SizeLie {
            name: e.name.clone(),
            detail: format!(
                "未压缩存储，但声明原长 {} 字节、存储长度 {} 字节",
                e.size, e.compressed
            ),
        });
        e.readable = false;
        return false;
    }
    if e.method == 8 && e.size > limits.ratio_floor {
        let ratio = e.size / e.compressed.max(1);
        if ratio > limits.max_ratio {
            out.push(Finding::Bomb {
                name: e.name.clone(),
                detail: format!(
                    "{} 字节压缩为 {} 字节（{ratio}:1，上限 {}:1）",
                    e.size, e.compressed, limits.max_ratio
                ),
            });
            e.readable = false;
        }
    }
    true
}

/// Whether `total` declared bytes are a zip bomb for an archive of `len` bytes.
fn whole_bomb(total: u64, len: u64, limits: &Limits) -> bool {
    total > len.saturating_mul(limits.max_total_ratio) && total > limits.ratio_floor
}

fn check_sizes(entries: &mut [Entry], len: u64, limits: &Limits, out: &mut Vec<Finding>) {
    let mut total: u64 = 0;
    for e in entries.iter_mut() {
        if check_size(e, len, limits, out) {
            total = total.saturating_add(e.size);
        }
    }
    if whole_bomb(total, len, limits) {
        out.push(Finding::Bomb {
            name: "整个压缩包 (whole archive)".into(),
            detail: format!(
                "声明解压后共 {total} 字节，是压缩包 {len} 字节的 {} 倍以上",
                limits.max_total_ratio
            ),
        });
        for e in entries.iter_mut() {
            e.readable = false;
        }
    }
}

fn read_local_headers(f: &File, entries: &mut [Entry], out: &mut Vec<Finding>) {
    for e in entries.iter_mut() {
        read_local_header(f, e, out);
    }
}

/// One entry's local header (and data descriptor) against its central record.
fn read_local_header(f: &File, e: &mut Entry, out: &mut Vec<Finding>) {
    let h = match read_at(f, e.local_offset, 30) {
        Ok(h) if u32le(&h, 0) == LOCAL => h,
        _ => {
            out.push(Finding::LocalMismatch {
                name: e.name.clone(),
                field: "本地文件头 (local header)",
            });
            e.readable = false;
            return;
        }
    };
    let nlen = u16le(&h, 26) as usize;
    let xlen = u16le(&h, 28) as usize;
    e.local_extra_len = xlen;
    let tail = read_at(f, e.local_offset + 30, nlen + xlen).unwrap_or_default();
    let (name, extra) = if tail.len() == nlen + xlen {
        tail.split_at(nlen)
    } else {
        (&[][..], &[][..])
    };
    e.local_extra = extra.to_vec();
    let descriptor = e.flags & 8 != 0;
    // What a streaming reader takes for the sizes: the local header's,
    // through its own ZIP64 field when they are all ones.
    let mut local = [u32le(&h, 22) as u64, u32le(&h, 18) as u64];
    if !zip64_values(extra, &mut local) {
        out.push(Finding::ExtraOverrun {
            name: e.name.clone(),
            at: "本地文件头",
        });
        e.readable = false;
    }
    let [local_size, local_compressed] = local;
    let mut wrong: Option<&'static str> = None;
    if name != e.name.as_bytes() && e.name_ok {
        wrong = Some("文件名 (name)");
    } else if u16le(&h, 6) != e.flags {
        wrong = Some("标志位 (flags)");
    } else if u16le(&h, 8) != e.method {
        wrong = Some("压缩方法 (method)");
    } else if u16le(&h, 4) != e.needed {
        wrong = Some("所需版本 (version needed)");
    } else if u16le(&h, 10) != e.dos_time || u16le(&h, 12) != e.dos_date {
        wrong = Some("修改时间 (time)");
    } else if u32le(&h, 14) != e.crc && !(descriptor && u32le(&h, 14) == 0) {
        // With a data descriptor the local CRC and sizes may be left zero;
        // anything else must be the central record's.
        wrong = Some("CRC-32");
    } else if (local_compressed != e.compressed || local_size != e.size)
        && !(descriptor && local_compressed == 0 && local_size == 0)
    {
        wrong = Some("长度 (sizes)");
    }
    if let Some(field) = wrong {
        out.push(Finding::LocalMismatch {
            name: e.name.clone(),
            field,
        });
        e.readable = false;
    }
    let data = e.local_offset + 30 + nlen as u64 + xlen as u64;
    e.data_offset = Some(data);
    if descriptor {
        check_descriptor(f, e, data, has_zip64(extra), out);
    }
}

/// The data descriptor after a flag-bit-3 entry's data: an optional
/// signature, the CRC-32, then the compressed and uncompressed sizes in 4
/// bytes each (8 when the local header has a ZIP64 field). It must say what
/// the central record says; a streaming reader has nothing else to go by.
fn check_descriptor(f: &File, e: &mut Entry, data: u64, zip64: bool, out: &mut Vec<Finding>) {
    let at = data.saturating_add(e.compressed);
    let mut b = read_at(f, at, 24).ok();
    if b.is_none() {
        // Near the end of the file: what there is of it.
        b = (4..24).rev().find_map(|n| {
            read_at(f, at, n).ok().map(|mut v| {
                v.resize(24, 0);
                v
            })
        });
    }
    let b = b.unwrap_or_else(|| vec![0; 24]);
    let signed = u32le(&b, 0) == DESCRIPTOR;
    let widths = if zip64 { [8, 4] } else { [4, 8] };
    let says = |skip: usize, wide: usize| -> (u32, u64, u64) {
        let crc = u32le(&b, skip);
        let (c, s) = if wide == 8 {
            (u64le(&b, skip + 4), u64le(&b, skip + 12))
        } else {
            (u32le(&b, skip + 4) as u64, u32le(&b, skip + 8) as u64)
        };
        (crc, c, s)
    };
    let skips: &[usize] = if signed { &[4, 0] } else { &[0] };
    for &skip in skips {
        for wide in widths {
            if says(skip, wide) == (e.crc, e.compressed, e.size) {
                e.descriptor_len = (skip + 4 + 2 * wide) as u64;
                return;
            }
        }
    }
    // A signature, or an unsigned descriptor with the right CRC: a descriptor
    // is there (its bytes are its own), saying something else.
    let skip = if signed { 4 } else { 0 };
    let detail = if signed || u32le(&b, 0) == e.crc {
        let wide = widths[0];
        e.descriptor_len = (skip + 4 + 2 * wide) as u64;
        let (crc, c, s) = says(skip, wide);
        format!(
            "描述符记 CRC {crc:08x}、压缩长度 {c}、原长 {s}，中央目录记 CRC {:08x}、{}、{}",
            e.crc, e.compressed, e.size
        )
    } else {
        format!(
            "偏移 {at} 处没有与中央目录相符的数据描述符 (missing descriptor; 中央目录记 CRC {:08x}、{}、{})",
            e.crc, e.compressed, e.size
        )
    };
    out.push(Finding::Descriptor {
        name: e.name.clone(),
        detail,
    });
    e.readable = false;
}

/// Every byte of the file belongs to exactly one thing: an entry (header, data,
/// descriptor), the central directory, or the end records.
fn map_bytes(
    entries: &mut [Entry],
    cd_start: u64,
    cd_len: u64,
    end_start: u64,
    out: &mut Vec<Finding>,
) {
    let mut spans: Vec<(u64, u64, usize)> = Vec::new();
    for (i, e) in entries.iter_mut().enumerate() {
        let Some(data) = e.data_offset else { continue };
        let end = data
            .saturating_add(e.compressed)
            .saturating_add(e.descriptor_len);
        if end > cd_start {
            out.push(Finding::OutOfBounds {
                name: e.name.clone(),
            });
            e.readable = false;
            // Its bytes before the directory are still its own, not a gap.
            if e.local_offset < cd_start {
                spans.push((e.local_offset, cd_start, i));
            }
            continue;
        }
        spans.push((e.local_offset, end, i));
    }
    spans.sort();
    let mut cursor = 0u64;
    let mut last: Option<usize> = None;
    for &(start, end, i) in &spans {
        if start < cursor {
            if let Some(j) = last {
                out.push(Finding::Overlap {
                    a: entries[j].name.clone(),
                    b: entries[i].name.clone(),
                });
                entries[i].readable = false;
                entries[j].readable = false;
            }
        } else if start > cursor {
            out.push(Finding::Gap {
                offset: cursor,
                len: start - cursor,
            });
        }
        if end > cursor {
            cursor = end;
            last = Some(i);
        }
    }
    if cd_start > cursor {
        out.push(Finding::Gap {
            offset: cursor,
            len: cd_start - cursor,
        });
    }
    let cd_end = cd_start + cd_len;
    if end_start > cd_end {
        out.push(Finding::Gap {
            offset: cd_end,
            len: end_start - cd_end,
        });
    }
}

/// Streams an entry's uncompressed bytes to `sink`, checking its size and CRC.
/// Only called for entries marked `readable`. What only reading the data can
/// show about the structure goes to `found`: bytes after the end of a deflate
/// stream, and local headers a streaming extractor would meet inside the data
/// (see [`HeaderScan`]).
pub fn read_entry(
    f: &File,
    e: &Entry,
    limits: &Limits,
    sink: &mut dyn FnMut(&[u8]),
    found: &mut dyn FnMut(Finding),
) -> Result<u64, ReadDefect> {
    read_loc(f, &e.loc(), e.size, &e.name, limits, sink, found)
}

/// [`read_entry`] from what [`Entry::loc`] kept of the entry, its declared
/// size and its name (for the findings).
pub fn read_loc(
    f: &File,
    e: &Loc,
    size: u64,
    name: &str,
    limits: &Limits,
    sink: &mut dyn FnMut(&[u8]),
    found: &mut dyn FnMut(Finding),
) -> Result<u64, ReadDefect> {
    let start = e.data_offset;
    if start == u64::MAX {
        return Err(ReadDefect::Io("no data offset".into()));
    }
    let raw = Positioned {
        f,
        pos: start,
        left: e.compressed,
    };
    let mut crc = crc32fast::Hasher::new();
    let mut total = 0u64;
    // Most entries are a few tens of KB: a buffer of their size, not 256 KiB
    // zeroed per entry (88,000 entries in a year bundle).
    let want = if e.method == 0 { size } else { 64 * 1024 };
    let mut buf = vec![0u8; want.clamp(1, 256 * 1024) as usize];
    // Output allowed: the declared size, and never more than the ratio limit.
    let cap = size.min(
        e.compressed
            .saturating_mul(limits.max_ratio)
            .max(limits.ratio_floor),
    );
    // A stored entry with a data descriptor: a streaming reader cannot know
    // where it ends and looks for the next signature in its bytes.
    let mut scan = (e.method == 0 && e.flags & 8 != 0).then(|| HeaderScan::new(f, start));
    let mut pump = |r: &mut dyn Read| -> Result<(), ReadDefect> {
        loop {
            let n = r.read(&mut buf).map_err(|err| {
                if err.kind() == std::io::ErrorKind::InvalidInput
                    || err.kind() == std::io::ErrorKind::InvalidData
                {
                    ReadDefect::Corrupt(err.to_string())
                } else {
                    ReadDefect::Io(err.to_string())
                }
            })?;
            if n == 0 {
                return Ok(());
            }
            total += n as u64;
            if total > cap {
                return Err(if total > size {
                    ReadDefect::Size {
                        declared: size,
                        actual: total,
                    }
                } else {
                    ReadDefect::Bomb {
                        limit: limits.max_ratio,
                    }
                });
            }
            crc.update(&buf[..n]);
            if let Some(s) = &mut scan {
                s.feed(&buf[..n]);
            }
            sink(&buf[..n]);
        }
    };
    match e.method {
        0 => pump(&mut { raw })?,
        8 => {
            let mut d = flate2::read::DeflateDecoder::new(raw);
            pump(&mut d)?;
            // The stream ended (or its input ran out) here; a streaming reader
            // takes what follows for the descriptor or the next entry.
            let used = d.total_in().min(e.compressed);
            if used < e.compressed {
                let len = e.compressed - used;
                found(Finding::DeflateTrailing {
                    name: name.to_string(),
                    len,
                });
                let mut s = HeaderScan::new(f, start + used);
                let mut rest = Positioned {
                    f,
                    pos: start + used,
                    left: len,
                };
                let mut chunk = vec![0u8; len.min(64 * 1024) as usize];
                loop {
                    let n = rest
                        .read(&mut chunk)
                        .map_err(|err| ReadDefect::Io(err.to_string()))?;
                    if n == 0 || s.found.is_some() {
                        break;
                    }
                    s.feed(&chunk[..n]);
                }
                scan = Some(s);
            }
        }
        m => return Err(ReadDefect::Corrupt(format!("method {m}"))),
    }
    if let Some((offset, inner)) = scan.and_then(|s| s.found) {
        found(Finding::EmbeddedHeader {
            name: name.to_string(),
            offset: offset - start,
            inner,
        });
    }
    if total != size {
        return Err(ReadDefect::Size {
            declared: size,
            actual: total,
        });
    }
    let actual = crc.finalize();
    if actual != e.crc {
        return Err(ReadDefect::Crc {
            expected: e.crc,
            actual,
        });
    }
    Ok(total)
}

/// Looks for local headers inside an entry's data as it streams past: a
/// `PK\x03\x04` that also has a version a zip tool writes (≤ 6.3), only
/// defined flag bits, a known compression method and a name of 1–4,095 bytes
/// without NUL or control bytes. By chance (random or compressed data) that
/// is about one position in 2^60; a bare signature alone is one in 2^32,
/// which a 4.6 GB bundle would meet. Candidates are confirmed by positional
/// reads of the file, so a header split across two chunks is still seen.
pub struct HeaderScan<'a> {
    f: &'a File,
    /// File offset of the next byte fed.
    pos: u64,
    /// The last bytes of the previous chunk (a signature may straddle two).
    carry: Vec<u8>,
    /// The first plausible header: its file offset and what it says.
    pub found: Option<(u64, String)>,
}

impl<'a> HeaderScan<'a> {
    pub fn new(f: &'a File, pos: u64) -> Self {
        HeaderScan {
            f,
            pos,
            carry: Vec::new(),
            found: None,
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        if self.found.is_some() || chunk.is_empty() {
            self.pos += chunk.len() as u64;
            return;
        }
        const SIG: &[u8] = b"PK\x03\x04";
        // Straddling: the carry's tail and the chunk's head.
        let mut joint = std::mem::take(&mut self.carry);
        let back = joint.len() as u64;
        joint.extend_from_slice(&chunk[..chunk.len().min(3)]);
        for i in memchr::memmem::find_iter(&joint, SIG) {
            if self.found.is_none() {
                self.try_at(self.pos - back + i as u64);
            }
        }
        for i in memchr::memmem::find_iter(chunk, SIG) {
            if self.found.is_some() {
                break;
            }
            self.try_at(self.pos + i as u64);
        }
        self.carry = chunk[chunk.len().saturating_sub(3)..].to_vec();
        self.pos += chunk.len() as u64;
    }

    fn try_at(&mut self, at: u64) {
        let Ok(h) = read_at(self.f, at, 30) else {
            return;
        };
        let (needed, flags, method) = (u16le(&h, 4), u16le(&h, 6), u16le(&h, 8));
        let nlen = u16le(&h, 26) as usize;
        let known_method = matches!(
            method,
            0 | 1 | 6 | 8 | 9 | 12 | 14 | 19 | 93 | 95 | 96 | 97 | 98 | 99
        );
        if needed > 63
            || flags & !0x287F != 0
            || !known_method
            || nlen == 0
            || nlen > names::MAX_NAME
        {
            return;
        }
        let Ok(name) = read_at(self.f, at + 30, nlen) else {
            return;
        };
        if name.iter().any(|&b| b < 0x20 || b == 0x7F) {
            return;
        }
        self.found = Some((at, escape_name(&name)));
    }
}

/// A `Read` over a byte range of the file, by positional reads.
struct Positioned<'a> {
    f: &'a File,
    pos: u64,
    left: u64,
}

impl Read for Positioned<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = (buf.len() as u64).min(self.left) as usize;
        if want == 0 {
            return Ok(0);
        }
        let n = self.f.read_at(&mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "entry data runs past the end of the file",
            ));
        }
        self.pos += n as u64;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    /// A minimal zip builder: one stored and one deflated entry, as any tool writes them.
    fn build(files: &[(String, Vec<u8>, u16)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data, method) in files {
            let body = if *method == 8 {
                let mut e =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            } else {
                data.clone()
            };
            let crc = crc32fast::hash(data);
            let off = out.len() as u32;
            let head = |sig: u32| {
                let mut h = sig.to_le_bytes().to_vec();
                if sig == CENTRAL {
                    h.extend_from_slice(&0x031Eu16.to_le_bytes());
                }
                for v in [20u16, 0, *method, 0, 0x5B21] {
                    h.extend_from_slice(&v.to_le_bytes());
                }
                for v in [crc, body.len() as u32, data.len() as u32] {
                    h.extend_from_slice(&v.to_le_bytes());
                }
                h.extend_from_slice(&(name.len() as u16).to_le_bytes());
                h.extend_from_slice(&0u16.to_le_bytes());
                h
            };
            out.extend(head(LOCAL));
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&body);
            central.extend(head(CENTRAL));
            for v in [0u16, 0, 0] {
                central.extend_from_slice(&v.to_le_bytes());
            }
            central.extend_from_slice(&(0o100644u32 << 16).to_le_bytes());
            central.extend_from_slice(&off.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_off = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(&EOCD.to_le_bytes());
        for v in [0u16, 0, files.len() as u16, files.len() as u16] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_off.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    fn sample() -> (tempfile::NamedTempFile, Vec<(String, Vec<u8>)>) {
        let files = vec![
            ("bag/a.txt".to_string(), b"hello\n".to_vec(), 0),
            ("bag/data/z.bin".to_string(), vec![7u8; 100_000], 8),
        ];
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&build(&files)).unwrap();
        f.flush().unwrap();
        (f, files.into_iter().map(|(n, d, _)| (n, d)).collect())
    }

    fn contents(f: &File, a: &Archive, i: usize) -> Result<Vec<u8>, ReadDefect> {
        let mut out = Vec::new();
        read_entry(
            f,
            &a.entries[i],
            &Limits::default(),
            &mut |b| out.extend_from_slice(b),
            &mut |x| panic!("{x:?}"),
        )?;
        Ok(out)
    }

    #[test]
    fn a_good_zip_has_no_findings_and_reads_back_exactly() {
        let (f, files) = sample();
        let a = open(f.as_file(), &Limits::default()).unwrap();
        assert!(a.findings.is_empty(), "{:?}", a.findings);
        assert_eq!(a.entries.len(), 2);
        for (i, (name, data)) in files.iter().enumerate() {
            assert_eq!(&a.entries[i].name, name);
            assert!(a.entries[i].readable);
            assert_eq!(&contents(f.as_file(), &a, i).unwrap(), data);
        }
        assert_eq!(a.entries[1].method, 8);
    }

    #[test]
    fn a_flipped_data_byte_fails_the_crc_and_a_tight_ratio_limit_stops_inflating() {
        let (f, _) = sample();
        let a = open(f.as_file(), &Limits::default()).unwrap();
        let at = a.entries[0].data_offset.unwrap() + 2;
        let mut bytes = std::fs::read(f.path()).unwrap();
        bytes[at as usize] ^= 0x20;
        std::fs::write(f.path(), &bytes).unwrap();
        let file = File::open(f.path()).unwrap();
        let a = open(&file, &Limits::default()).unwrap();
        assert!(matches!(
            contents(&file, &a, 0),
            Err(ReadDefect::Crc { .. })
        ));
        // 100,000 bytes from a few hundred: over 10:1 with a 1 KiB floor.
        let tight = Limits {
            max_ratio: 10,
            ratio_floor: 1024,
            ..Limits::default()
        };
        let a = open(&file, &tight).unwrap();
        assert!(a.findings.iter().any(|f| f.code() == "zip.bomb"));
        assert!(!a.entries[1].readable);
        let mut n = 0u64;
        let r = read_entry(
            &file,
            &a.entries[1],
            &tight,
            &mut |b| n += b.len() as u64,
            &mut |_| {},
        );
        assert!(matches!(r, Err(ReadDefect::Bomb { .. })), "{r:?}");
        assert!(n <= 10 * a.entries[1].compressed.max(1024));
    }

    fn temp_zip(files: &[(String, Vec<u8>, u16)]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&build(files)).unwrap();
        f.flush().unwrap();
        f
    }

    /// What the streaming path hands over, or `None` where it steps aside.
    fn sorted(f: &File, limits: &Limits) -> Option<(Archive, Vec<String>)> {
        let mut seen = Vec::new();
        let a = open_sorted(f, limits, &mut |e| seen.push(format!("{e:?}")))?;
        Some((a, seen))
    }

    /// A zip laid out as anjuan writes it is taken as a stream, with exactly
    /// the entries and (no) findings the general path gives — also when the
    /// central directory spans several of the megabyte chunks it is read in.
    #[test]
    fn a_sorted_zip_streams_to_what_the_general_path_gives() {
        let files: Vec<(String, Vec<u8>, u16)> = (0..20_000)
            .map(|i| {
                let body = if i % 1000 == 7 {
                    vec![i as u8; 3000]
                } else {
                    Vec::new()
                };
                (format!("bag/data/c{:03}/f{i:05}.txt", i / 100), body, 0)
            })
            .chain([("bag/data/z.bin".to_string(), vec![7u8; 100_000], 8)])
            .collect();
        let f = temp_zip(&files);
        let general = open(f.as_file(), &Limits::default()).unwrap();
        assert!(general.findings.is_empty(), "{:?}", general.findings);
        let (a, seen) = sorted(f.as_file(), &Limits::default()).expect("streamed");
        assert!(a.findings.is_empty() && a.entries.is_empty());
        assert_eq!((a.len, a.comment_len), (general.len, general.comment_len));
        let want: Vec<String> = general.entries.iter().map(|e| format!("{e:?}")).collect();
        assert_eq!(seen, want);
        let mut names = Vec::new();
        assert!(central_names(f.as_file(), &Limits::default(), &mut |n| {
            names.push(n.to_string())
        }));
        assert_eq!(names.len(), files.len());
        assert_eq!(names[12_345], files[12_345].0);
    }

    /// Anything the general path would have a finding about, or that is not
    /// in name and offset order, makes the streaming path step aside (the
    /// general path then says what is wrong).
    #[test]
    fn the_streaming_path_steps_aside_for_anything_not_as_anjuan_writes_it() {
        let entry = |n: &str| (n.to_string(), b"x\n".to_vec(), 0u16);
        type Files = Vec<(String, Vec<u8>, u16)>;
        let cases: Vec<(&str, Files)> = vec![
            ("names out of order", vec![entry("b/2"), entry("b/1")]),
            ("a duplicate name", vec![entry("b/1"), entry("b/1")]),
            ("case twins", vec![entry("b/A"), entry("b/a")]),
            ("a bad name", vec![entry("b/../x")]),
            ("no entries", vec![]),
        ];
        for (what, files) in cases {
            let f = temp_zip(&files);
            assert!(sorted(f.as_file(), &Limits::default()).is_none(), "{what}");
        }
        // Too many entries for the limits; a gap between entries; a flipped
        // CRC in the central directory (the local header then differs).
        let files = vec![entry("b/1"), entry("b/2")];
        let f = temp_zip(&files);
        assert!(sorted(f.as_file(), &Limits::default()).is_some());
        let one = Limits {
            max_entries: 1,
            ..Limits::default()
        };
        assert!(sorted(f.as_file(), &one).is_none());
        let bytes = build(&files);
        let local = 30 + 3 + 2;
        let mut gap = bytes[..local].to_vec();
        gap.extend_from_slice(b"GAP");
        gap.extend_from_slice(&bytes[local..]);
        // The second entry's offset and the directory's, moved by the gap.
        let cd = u32le(&bytes, bytes.len() - 6) as usize;
        let second = cd + 46 + 3 + 42;
        let moved = |v: &mut Vec<u8>, at: usize| {
            let x = u32le(v, at) + 3;
            v[at..at + 4].copy_from_slice(&x.to_le_bytes());
        };
        moved(&mut gap, second + 3);
        let n = gap.len();
        moved(&mut gap, n - 6);
        let mut g = tempfile::NamedTempFile::new().unwrap();
        g.write_all(&gap).unwrap();
        g.flush().unwrap();
        let general = open(g.as_file(), &Limits::default()).unwrap();
        assert!(
            general
                .findings
                .iter()
                .any(|f| matches!(f, Finding::Gap { .. })),
            "{:?}",
            general.findings
        );
        assert!(sorted(g.as_file(), &Limits::default()).is_none());
        let mut crc = bytes.clone();
        crc[cd + 16] ^= 1;
        let mut h = tempfile::NamedTempFile::new().unwrap();
        h.write_all(&crc).unwrap();
        h.flush().unwrap();
        assert!(!open(h.as_file(), &Limits::default())
            .unwrap()
            .findings
            .is_empty());
        assert!(sorted(h.as_file(), &Limits::default()).is_none());
    }

    #[test]
    fn more_entries_than_the_limit_is_a_finding_before_reading() {
        let (f, _) = sample();
        let lim = Limits {
            max_entries: 1,
            ..Limits::default()
        };
        let a = open(f.as_file(), &lim).unwrap();
        assert!(a.findings.iter().any(|f| matches!(
            f,
            Finding::TooManyEntries {
                declared: 2,
                limit: 1
            }
        )));
        assert!(a.entries.len() <= 1);
    }

    /// One stored entry with flag bit 3, its local CRC and sizes zero, and a
    /// descriptor (signed or not, 4- or 8-byte sizes; ZIP64 local field for 8).
    fn streamed_zip(data: &[u8], signed: bool, wide: bool) -> Vec<u8> {
        let name = b"bag/data/a.txt";
        let crc = crc32fast::hash(data);
        let n = data.len() as u64;
        let extra: Vec<u8> = if wide {
            [1u16.to_le_bytes(), 16u16.to_le_bytes()]
                .concat()
                .into_iter()
                .chain([0u8; 16])
                .collect()
        } else {
            Vec::new()
        };
        let mut out = LOCAL.to_le_bytes().to_vec();
        for v in [if wide { 45u16 } else { 10 }, 8, 0, 0, 0x5B21] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let z = if wide { 0xFFFF_FFFFu32 } else { 0 };
        for v in [0u32, z, z] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(&extra);
        out.extend_from_slice(data);
        if signed {
            out.extend_from_slice(&DESCRIPTOR.to_le_bytes());
        }
        out.extend_from_slice(&crc.to_le_bytes());
        if wide {
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
        } else {
            out.extend_from_slice(&(n as u32).to_le_bytes());
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        let cd_off = out.len() as u32;
        let mut cd = CENTRAL.to_le_bytes().to_vec();
        for v in [0x031Eu16, if wide { 45 } else { 10 }, 8, 0, 0, 0x5B21] {
            cd.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, n as u32, n as u32] {
            cd.extend_from_slice(&v.to_le_bytes());
        }
        for v in [name.len() as u16, 0, 0, 0, 0] {
            cd.extend_from_slice(&v.to_le_bytes());
        }
        cd.extend_from_slice(&(0o100644u32 << 16).to_le_bytes());
        cd.extend_from_slice(&0u32.to_le_bytes());
        cd.extend_from_slice(name);
        out.extend_from_slice(&cd);
        out.extend_from_slice(&EOCD.to_le_bytes());
        for v in [0u16, 0, 1, 1] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_off.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    fn temp(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f.flush().unwrap();
        f
    }

    #[test]
    fn a_correct_descriptor_in_any_layout_is_accounted_and_silent() {
        let data = b"hello, descriptor\n".repeat(50);
        for signed in [true, false] {
            for wide in [false, true] {
                let f = temp(&streamed_zip(&data, signed, wide));
                let a = open(f.as_file(), &Limits::default()).unwrap();
                assert!(a.findings.is_empty(), "{signed} {wide}: {:?}", a.findings);
                let want = (signed as u64) * 4 + 4 + if wide { 16 } else { 8 };
                assert_eq!(a.entries[0].descriptor_len, want);
                assert_eq!(contents(f.as_file(), &a, 0).unwrap(), data);
            }
        }
        // One byte of the descriptor's size changed: a finding, and unreadable.
        let mut bytes = streamed_zip(&data, true, false);
        let at = bytes.len() - 22 - 60 - 8; // the compressed size in the descriptor
        bytes[at] ^= 1;
        let f = temp(&bytes);
        let a = open(f.as_file(), &Limits::default()).unwrap();
        assert_eq!(
            a.findings.iter().map(Finding::code).collect::<Vec<_>>(),
            ["zip.descriptor"]
        );
        assert!(!a.entries[0].readable);
    }

    /// Scans `data` fed in chunks of `step` (the file holds the same bytes).
    fn scan(data: &[u8], step: usize) -> Option<(u64, String)> {
        let f = temp(data);
        let mut s = HeaderScan::new(f.as_file(), 0);
        for c in data.chunks(step) {
            s.feed(c);
        }
        s.found
    }

    #[test]
    fn a_plausible_header_is_found_across_chunks_and_bare_signatures_are_not() {
        // Pseudo-random bytes (an LCG) with 2,000 bare signatures and 2,000
        // signatures followed by a sane version and flags but a junk method.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut data: Vec<u8> = (0..400_000)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 56) as u8
            })
            .collect();
        for i in 0..4000 {
            let at = 97 + i * 97;
            data[at..at + 4].copy_from_slice(b"PK\x03\x04");
            if i % 2 == 1 {
                data[at + 4..at + 10].copy_from_slice(&[20, 0, 0, 0, 0x77, 0x77]);
            }
        }
        assert_eq!(scan(&data, 65536), None);
        // A real header, placed to straddle two chunks.
        let mut h = b"PK\x03\x04".to_vec();
        // version, flags, method, time, date, CRC and sizes (6 halves), name and extra lengths
        for v in [20u16, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0] {
            h.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(h.len(), 30);
        h.extend_from_slice(b"../../x.z");
        let at = 65536 * 3 - 2;
        data[at..at + h.len()].copy_from_slice(&h);
        for step in [65536, 4096, 1000, 7] {
            assert_eq!(
                scan(&data, step),
                Some((at as u64, "../../x.z".to_string())),
                "step {step}"
            );
        }
    }
}
