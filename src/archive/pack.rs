//! Putting a package together: a closed case's dossier, or the year-end bundle.
//!
//! [`prepare`] checks every paper the cases call for (present, recorded, signed
//! when the office requires it), gives each a 档号 from the register, makes the
//! dossier papers (cover, contents, notes), the catalogue, the metadata, the
//! font record and `bag-info.txt`, and returns the package with its payload
//! listed. [`Prepared::write`] then writes the zip (to a temporary file the
//! caller renames): each paper is read once, hashed (SHA-256, SM3, and the
//! BLAKE2b prehash its signature signs) as it streams in and checked from those
//! digests (unchanged since rendering, signature valid and naming it); the
//! manifests, the handoff form and the tag manifests, which sort after the
//! payload, are made from the digests and written last. Refusals are collected
//! and returned together, so a clerk sees every problem in one run.
//!
//! Memory does not grow with the year: a case is held only while it is worked
//! on ([`CaseRef`] is read again, and must be the text that was checked); what
//! the first pass learns of each paper ([`KeptStore`]), the payload list
//! ([`PayloadList`]), the catalogue's rows and the signatures wait in temporary
//! files of the work folder; the manifests are written line by line as the
//! digests come.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use minisign::{PublicKey, SecretKey};
use rayon::prelude::*;
use serde_json::{json, Value};
use sha2::Digest as _;

use super::bag::{self, Alg, BagInfo, Digests, Manifest};
use super::catalogue::{self, Action, Catalogue, Item, Row};
use super::code::{ArchiveCode, Register};
use super::zipout::{Content, ZipOutError, ZipWriter};
use crate::case::date::Date;
use crate::case::model::Case;
use crate::case::CaseFile;
use crate::config::Config;
use crate::render::plan::{self, Job, Kind};
use crate::render::record::{FontFile, FontHashes, Record};
use crate::render::{Doc, RenderError, Rendered, Renderer};
use crate::sign::{self, Binding, SignError};

/// What is packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One closed case's dossier package.
    Case,
    /// The year-end bundle of every case closed in that year.
    Year(i32),
}

pub struct Options<'a> {
    pub config: &'a Config,
    /// Folder of rendered papers, one sub-folder per case.
    pub papers: PathBuf,
    /// 整理日期 / Bagging-Date: fixed, so the output is reproducible.
    pub date: Date,
    /// The office key: signs the dossier papers made here and the tag manifest.
    pub keys: Option<&'a (SecretKey, PublicKey)>,
    /// The office public key, to check the papers' signatures.
    pub public: Option<&'a PublicKey>,
    /// Every paper must carry a valid signature.
    pub require_signatures: bool,
    /// A private folder for the papers made here (removed by the caller).
    pub work: PathBuf,
    /// The office folder: received files (原件, 来件) are named relative to it.
    pub root: PathBuf,
    pub scope: Scope,
}

/// Why a package cannot be made: one line a clerk can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub case: String,
    pub file: Option<String>,
    pub reason: Reason,
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    NotClosed,
    RecordErrors,
    MissingPaper,
    MissingReceipt,
    NoRenderRecord,
    Changed,
    Unsigned,
    BadSignature,
    WrongPaper,
    Numbering,
    NoOriginal,
    BadOriginal,
    CaseChanged,
}

impl Reason {
    pub fn zh(self) -> &'static str {
        match self {
            Reason::NotClosed => "案件未办结 (case not closed)",
            Reason::RecordErrors => "案件记录有错误 (case record has errors)",
            Reason::MissingPaper => "缺少文书 (missing paper)",
            Reason::MissingReceipt => "缺少送达回证 (missing delivery receipt)",
            Reason::NoRenderRecord => "缺少生成记录 (no render record)",
            Reason::Changed => "文书在生成后被改动 (paper changed after rendering)",
            Reason::Unsigned => "文书未签名 (unsigned paper)",
            Reason::BadSignature => "签名无效 (invalid signature)",
            Reason::WrongPaper => "签名属于另一案件或另一文书 (signature names another paper)",
            Reason::Numbering => "件号不连续或登记不符 (numbering)",
            Reason::NoOriginal => "缺少收到的原件 (no received original)",
            Reason::BadOriginal => "收到的原件不可用 (received file unusable)",
            Reason::CaseChanged => "案件记录在打包过程中被改动 (case record changed while packing)",
        }
    }

    pub fn remedy(self) -> &'static str {
        match self {
            Reason::NotClosed => "办结并在案件记录中填写 [close] 后再归档",
            Reason::RecordErrors => "先用 anjuan check 改正案件记录",
            Reason::MissingPaper | Reason::MissingReceipt | Reason::NoRenderRecord => {
                "用 anjuan render 生成该案件的文书（送达回证随送达记录生成），或用 --papers 指定文书目录"
            }
            Reason::Changed => "文书须与生成时一致：重新生成（anjuan render）并重新签名",
            Reason::Unsigned | Reason::BadSignature => {
                "用办公室私钥签名：配置 [signing] key 后重新生成，或 anjuan sign 文件"
            }
            Reason::WrongPaper => {
                "把该文书放回它所属的案件目录；为本案件重新生成（anjuan render）并签名，勿手改 render-record.json"
            }
            Reason::Numbering => "登记簿中的档号一经编定不能改变：恢复被删除的案件记录或文书，或请档案部门处理",
            Reason::NoOriginal | Reason::BadOriginal => {
                "扫描收到的原件（PDF、JPEG、PNG 或 TIFF），放在办公室目录中（如 originals/），在案件记录的该字段写相对于 anjuan.toml 所在目录的路径；anjuan 生成的参考副本不能代替原件归档"
            }
            Reason::CaseChanged => "打包时不要编辑案件记录和文书：编辑完成后重新运行 anjuan pack",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.case)?;
        if let Some(file) = &self.file {
            write!(f, " {file}")?;
        }
        write!(f, ": {}", self.reason.zh())?;
        if !self.detail.is_empty() {
            write!(f, "：{}", self.detail)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("不能归档 (refused), {} 个问题:\n{}", .0.len(), .0.iter().map(|r| format!("  {r}")).collect::<Vec<_>>().join("\n"))]
    Refused(Vec<Refusal>),
    #[error("没有可归档的案件 (nothing to pack): {0}")]
    Nothing(String),
    #[error("{0}: 未配置接收单位 [archive] receiver (no receiving body): 年度移交登记表须写明接收档案的机关，不能留空或代填")]
    NoReceiver(PathBuf),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("读写失败 (I/O) {path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("签名失败 (signing failed): {0}")]
    Sign(#[from] SignError),
    #[error(transparent)]
    Zip(#[from] ZipOutError),
}

impl PackError {
    pub fn remedy(&self) -> Option<String> {
        match self {
            PackError::Refused(r) => {
                let mut reasons: Vec<Reason> = r.iter().map(|x| x.reason).collect();
                reasons.sort();
                reasons.dedup();
                Some(
                    reasons
                        .iter()
                        .map(|x| format!("{}：{}", x.zh(), x.remedy()))
                        .collect::<Vec<_>>()
                        .join("\n    "),
                )
            }
            PackError::Nothing(_) => Some("检查年度与案件的结案日期 [close] date".into()),
            PackError::NoReceiver(_) => Some(
                "在 anjuan.toml 的 [archive] 中写明接收单位，例如 receiver = \"青溪县档案馆\""
                    .into(),
            ),
            PackError::Render(e) => e.remedy().map(str::to_string),
            PackError::Io { .. } => Some("检查文件是否存在、目录是否可写、磁盘是否已满".into()),
            PackError::Sign(e) => Some(e.remedy().to_string()),
            PackError::Zip(_) => Some("检查输出目录是否可写、磁盘是否已满".into()),
        }
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> PackError + '_ {
    move |e| PackError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A package ready to be written with [`Prepared::write`]: every paper checked
/// but for its bytes, every file made, the payload listed with its sizes.
pub struct Prepared {
    /// The top folder inside the zip, and the zip's name without `.zip`.
    pub name: String,
    /// The figures; the package digests are filled in by [`Prepared::write`].
    pub summary: Summary,
    /// `bag-info.txt` and `bagit.txt`, the zip's first entries.
    head: Vec<(String, Vec<u8>)>,
    /// Sorted by path.
    payload: PayloadList,
    /// The papers' signatures.
    blobs: Blobs,
    description: String,
    years: Vec<i32>,
    all_signed: bool,
}

/// The figures of a package (also printed on the handoff form).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub cases: usize,
    /// 件数.
    pub items: usize,
    pub pages: usize,
    /// Payload files and their bytes (Payload-Oxum).
    pub files: usize,
    pub bytes: u64,
    /// SHA-256 and SM3 of `manifest-sha256.txt` / `manifest-sm3.txt`: the
    /// package digest on the handoff form.
    pub manifest_sha256: String,
    pub manifest_sm3: String,
    /// 档号 ranges, one per series (fonds, year, retention, office).
    pub series: Vec<SeriesRange>,
    pub signed_by: Option<String>,
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct SeriesRange {
    pub prefix: String,
    pub count: usize,
    pub pages: usize,
    pub first: String,
    pub last: String,
}

/// One paper of a case, checked as far as it can be without reading it.
struct Filed {
    job: Job,
    path: PathBuf,
    pages: usize,
    /// Its size when it was planned (the zip's headers, Payload-Oxum and the
    /// metadata give it before its bytes are read; the read must find it).
    size: u64,
    /// SHA-256 from the render record, to compare with the file as read.
    recorded_sha256: String,
    /// A received file's digests, taken when it was read to identify it: the
    /// bytes streamed into the zip must be those.
    sniffed: Option<Digests>,
    /// Places in the [`FontTable`].
    fonts: Box<[u16]>,
    sig: Option<SigFile>,
    code: Option<ArchiveCode>,
    /// A received file (a paper of another body, or an incoming paper), as it
    /// was identified; filed byte for byte, with no render record and no
    /// office signature.
    received: Option<Received>,
}

struct SigFile {
    /// Its text, in [`Blobs`] until the zip is written.
    place: (u64, u64),
    sums: Sums,
    key_id: String,
    comment: String,
    /// 签名时间 as the render record has it (the trusted comment's comes first).
    recorded_time: Option<String>,
}

impl SigFile {
    /// A signature file's text, read.
    fn parse(
        text: &str,
        place: (u64, u64),
        recorded_time: Option<String>,
    ) -> Result<SigFile, String> {
        let b = sign::SigBox::parse(text).map_err(|e| e.to_string())?;
        Ok(SigFile {
            key_id: b.key_id(),
            comment: b.trusted_comment.clone(),
            place,
            sums: Sums::of_bytes(text.as_bytes()),
            recorded_time,
        })
    }

    /// 签名时间 for the metadata: the time in the signed trusted comment, else the
    /// render record's; for a signature made before anjuan recorded times, the
    /// paper's date (all that is known).
    fn time(&self, date: Date) -> String {
        Binding::parse(&self.comment)
            .and_then(|b| b.time)
            .or_else(|| self.recorded_time.clone())
            .filter(|t| sign::is_signing_time(t))
            .unwrap_or_else(|| date.to_string())
    }
}

/// A writer that hashes (SHA-256, SM3) and counts what it writes.
struct Hashing<W> {
    inner: W,
    hasher: bag::Hasher,
    size: u64,
}

impl<W: std::io::Write> std::io::Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A paper made here: its payload, the fonts it embeds, its pages.
type Made = (Payload, Vec<FontFile>, usize);

/// SHA-256 and SM3 of a payload file as bytes (the manifests print them in
/// hex): 64 bytes a file instead of two hex `String`s.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Sums([u8; 64]);

impl Sums {
    fn of(d: &Digests) -> Sums {
        let mut s = [0u8; 64];
        unhex(&d.sha256, &mut s[..32]);
        unhex(&d.sm3, &mut s[32..]);
        Sums(s)
    }

    fn of_bytes(data: &[u8]) -> Sums {
        Sums::of(&Digests::of(data))
    }

    fn hex(&self, alg: Alg) -> String {
        match alg {
            Alg::Sha256 => bag::hex(&self.0[..32]),
            Alg::Sm3 => bag::hex(&self.0[32..]),
        }
    }

    fn digests(&self) -> Digests {
        Digests {
            sha256: self.hex(Alg::Sha256),
            sm3: self.hex(Alg::Sm3),
        }
    }
}

/// Lower-case hex (as [`bag::hex`] writes it) back to bytes.
fn unhex(h: &str, out: &mut [u8]) {
    let v = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    };
    for (o, pair) in out.iter_mut().zip(h.as_bytes().chunks(2)) {
        if let [a, b] = pair {
            *o = (v(*a) << 4) | v(*b);
        }
    }
}

/// The papers' signatures, kept for the zip until their papers are written:
/// appended to one temporary file in the work folder (gone when dropped, also
/// after an error) and read back by place, rather than held in memory.
struct Blobs {
    file: std::sync::Mutex<std::fs::File>,
    len: u64,
}

impl Blobs {
    fn new(work: &Path) -> Result<Blobs, PackError> {
        let file = tempfile::tempfile_in(work).map_err(io(work))?;
        Ok(Blobs {
            file: std::sync::Mutex::new(file),
            len: 0,
        })
    }

    fn file(&self) -> std::io::Result<std::sync::MutexGuard<'_, std::fs::File>> {
        self.file
            .lock()
            .map_err(|_| std::io::Error::other("临时文件不可用 (spill file poisoned)"))
    }

    /// Keeps `data`; returns its place and length.
    fn put(&mut self, data: &[u8]) -> std::io::Result<(u64, u64)> {
        use std::io::{Seek as _, Write as _};
        let at = self.len;
        let mut f = self.file()?;
        f.seek(std::io::SeekFrom::Start(at))?;
        f.write_all(data)?;
        drop(f);
        self.len += data.len() as u64;
        Ok((at, data.len() as u64))
    }

    /// A signature kept with [`Blobs::put`], as text; errors name `path`.
    fn text(&self, place: (u64, u64), path: &Path) -> Result<String, PackError> {
        let failed = |message: String| PackError::Io {
            path: path.to_path_buf(),
            message,
        };
        String::from_utf8(self.get(place).map_err(|e| failed(e.to_string()))?)
            .map_err(|e| failed(e.to_string()))
    }

    fn get(&self, (at, len): (u64, u64)) -> std::io::Result<Vec<u8>> {
        use std::io::{Read as _, Seek as _};
        let mut f = self.file()?;
        f.seek(std::io::SeekFrom::Start(at))?;
        let mut data = vec![0u8; len as usize];
        f.read_exact(&mut data)?;
        Ok(data)
    }
}

/// The catalogue's rows, one JSON line each in a temporary file of the work
/// folder, and in memory only what sorts and counts them (about 40 bytes a
/// row instead of a [`Row`] of a dozen strings).
struct Rows {
    store: Blobs,
    keys: Vec<RowKey>,
    /// Each series of 档号 (the code with item 0) and its number.
    series: BTreeMap<ArchiveCode, u32>,
}

struct RowKey {
    /// The series, or `u32::MAX` for a code that does not parse (sorted first, as
    /// `None` was); [`Rows::sort`] makes it the rank of the series.
    series: u32,
    item: u32,
    year: i32,
    pages: usize,
    place: (u64, u64),
}

impl Rows {
    fn new(work: &Path) -> Result<Rows, PackError> {
        Ok(Rows {
            store: Blobs::new(work)?,
            keys: Vec::new(),
            series: BTreeMap::new(),
        })
    }

    fn push(&mut self, row: &Row) -> std::io::Result<()> {
        let series = match ArchiveCode::parse(&row.code) {
            Ok(mut c) => {
                c.item = 0;
                let n = self.series.len() as u32;
                *self.series.entry(c).or_insert(n)
            }
            Err(_) => u32::MAX,
        };
        let line = serde_json::to_vec(row).map_err(std::io::Error::other)?;
        self.keys.push(RowKey {
            series,
            item: row.item,
            year: row.year,
            pages: row.pages,
            place: self.store.put(&line)?,
        });
        Ok(())
    }

    /// In 档号 order (as the codes compare; rows of equal codes keep their order).
    fn sort(&mut self) {
        let mut rank = vec![0u32; self.series.len()];
        for (r, n) in self.series.values().enumerate() {
            rank[*n as usize] = r as u32 + 1;
        }
        for k in &mut self.keys {
            k.series = rank.get(k.series as usize).copied().unwrap_or(0);
        }
        self.keys.sort_by_key(|k| (k.series, k.item));
    }

    /// The `i`-th row in 档号 order, numbered (序号) from 1.
    fn get(&self, i: usize) -> std::io::Result<Row> {
        let k = self.keys.get(i).ok_or_else(|| {
            std::io::Error::other(format!("目录行 {i} 不存在 (catalogue row out of range)"))
        })?;
        let mut row: Row =
            serde_json::from_slice(&self.store.get(k.place)?).map_err(std::io::Error::other)?;
        row.no = i + 1;
        row.year = k.year;
        row.item = k.item;
        Ok(row)
    }
}

/// The rows of [`Rows`] in 档号 order, read as they are serialised.
struct RowsInOrder<'a>(&'a Rows);

impl serde::Serialize for RowsInOrder<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq as _};
        let mut seq = s.serialize_seq(Some(self.0.keys.len()))?;
        for i in 0..self.0.keys.len() {
            let row = self.0.get(i).map_err(S::Error::custom)?;
            seq.serialize_element(&row)?;
        }
        seq.end()
    }
}

/// Where a payload file's bytes are. The paths are derived from its name in
/// the bag rather than kept for each file.
enum Source {
    /// A paper of the office: `papers/<case>/<file>` for `data/<case>/<file>`.
    Paper,
    /// Made here into the work folder: `work/<case>/<file>` for `data/<case>/<file>`.
    Made,
    /// Written to the work folder under its name with `/` as `__`.
    Spilled,
    /// A received file, where it lies.
    At(Box<Path>),
    /// In [`Blobs`] (a paper's signature): its place and length.
    Blob(u64, u64),
}

/// A payload file: its place in `data/`, size, where its bytes are.
struct Payload {
    rel: Box<str>,
    size: u64,
    source: Source,
    /// Known for what is made here; for a paper, found as it streams into the
    /// zip (`None` until then).
    sums: Option<Sums>,
    /// A paper: what its bytes must be, checked as they stream.
    check: Option<Box<PaperCheck>>,
    /// The fonts it embeds (places in the [`FontTable`]), for `fonts.json`.
    fonts: Box<[u16]>,
}

/// What a paper's bytes must be, kept small: the rest of [`Check`] (the case
/// and file, the signature's text and comment) is derived when it is read.
struct PaperCheck {
    paper: Box<str>,
    recorded_sha256: Box<str>,
    sniffed: Option<Sums>,
    /// Its signature in [`Blobs`].
    sig: Option<(u64, u64)>,
}

impl Payload {
    /// Where its bytes are on disk (not for a blob).
    fn path(&self, opts: &Options) -> Option<PathBuf> {
        let in_case = || self.rel.strip_prefix("data/").unwrap_or(&self.rel);
        match &self.source {
            Source::Paper => Some(opts.papers.join(in_case())),
            Source::Made => Some(opts.work.join(in_case())),
            Source::Spilled => Some(opts.work.join(self.rel.replace('/', "__"))),
            Source::At(p) => Some(p.to_path_buf()),
            Source::Blob(..) => None,
        }
    }

    /// A generated file written straight to the work folder by `write`, and
    /// hashed as it is written (not read back).
    fn spill_with(
        rel: &str,
        work: &Path,
        write: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<Payload, PackError> {
        let path = work.join(rel.replace('/', "__"));
        let file = std::io::BufWriter::new(std::fs::File::create(&path).map_err(io(&path))?);
        let mut w = Hashing {
            inner: file,
            hasher: bag::Hasher::default(),
            size: 0,
        };
        write(&mut w).map_err(io(&path))?;
        std::io::Write::flush(&mut w).map_err(io(&path))?;
        let (digests, size) = (w.hasher.finish(), w.size);
        Ok(Payload {
            rel: rel.into(),
            size,
            source: Source::Spilled,
            sums: Some(Sums::of(&digests)),
            check: None,
            fonts: Box::default(),
        })
    }

    /// Larger generated files (metadata, catalogues) go to the work folder, so
    /// that memory does not grow with the bundle.
    fn spill(rel: String, data: Vec<u8>, work: &Path) -> Result<Payload, PackError> {
        let path = work.join(rel.replace('/', "__"));
        std::fs::write(&path, &data).map_err(io(&path))?;
        Ok(Payload {
            sums: Some(Sums::of_bytes(&data)),
            size: data.len() as u64,
            source: Source::Spilled,
            rel: rel.into(),
            check: None,
            fonts: Box::default(),
        })
    }

    /// The [`Check`] of a paper, its signature read back from `blobs`.
    fn check(&self, pc: &PaperCheck, blobs: &Blobs) -> Result<Check, PackError> {
        let in_case = self.rel.strip_prefix("data/").unwrap_or(&self.rel);
        let (case, file) = in_case.split_once('/').unwrap_or(("", in_case));
        let sig = match pc.sig {
            Some(place) => {
                let path = PathBuf::from(format!("{}.{}", self.rel, sign::SIG_EXT));
                let text = blobs.text(place, &path)?;
                let comment = sign::SigBox::parse(&text)
                    .map_err(|e| PackError::Io {
                        path,
                        message: e.to_string(),
                    })?
                    .trusted_comment;
                Some((text, comment))
            }
            None => None,
        };
        Ok(Check {
            case: case.to_string(),
            file: file.to_string(),
            paper: pc.paper.to_string(),
            recorded_sha256: pc.recorded_sha256.to_string(),
            sniffed: pc.sniffed.as_ref().map(Sums::digests),
            sig,
        })
    }
}

/// The payload list, kept group by group in a temporary file of the work
/// folder (a case's files are one group, each file at the top of `data/` one
/// of its own), with only each group's name, place and count in memory: as
/// [`Payload`]s a 10,000-case year's 180,000 files would take ~80 MB.
struct PayloadList {
    store: Blobs,
    groups: Vec<Group>,
    /// The received files' paths (few), by number.
    paths: Vec<Box<Path>>,
    files: usize,
    bytes: u64,
}

struct Group {
    /// `data/<case>/`, or the one file's name: groups sort as their files do,
    /// since no file at the top of `data/` is named like a case folder.
    key: Box<str>,
    place: (u64, u64),
}

impl PayloadList {
    fn new(work: &Path) -> Result<PayloadList, PackError> {
        Ok(PayloadList {
            store: Blobs::new(work)?,
            groups: Vec::new(),
            paths: Vec::new(),
            files: 0,
            bytes: 0,
        })
    }

    /// Keeps `items`, all named under `key`, as one group in name order.
    fn push_group(&mut self, key: String, mut items: Vec<Payload>) -> std::io::Result<()> {
        if let Some(p) = items.iter().find(|p| !p.rel.starts_with(key.as_str())) {
            return Err(std::io::Error::other(format!(
                "内部错误：{} 不在 {key} 之下 (not in its group)",
                p.rel
            )));
        }
        items.sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
        let mut buf = Vec::with_capacity(items.len() * 200);
        put_u64(&mut buf, items.len() as u64);
        for p in &items {
            self.encode(p, &mut buf);
            self.files += 1;
            self.bytes += p.size;
        }
        let place = self.store.put(&buf)?;
        self.groups.push(Group {
            key: key.into(),
            place,
        });
        Ok(())
    }

    /// Keeps one file at the top of `data/`.
    fn push(&mut self, p: Payload) -> std::io::Result<()> {
        let key = p.rel.to_string();
        self.push_group(key, vec![p])
    }

    /// Groups in name order (so their files are, across groups).
    fn sort(&mut self) {
        self.groups
            .sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
    }

    /// Each group's files, in name order (after [`PayloadList::sort`]).
    fn groups(&self) -> impl Iterator<Item = std::io::Result<Vec<Payload>>> + '_ {
        self.groups.iter().map(|g| {
            let data = self.store.get(g.place)?;
            let mut r = Reader(&data);
            let n = r.u64()?;
            (0..n).map(|_| self.decode(&mut r)).collect()
        })
    }

    /// Visits every file, in name order (after [`PayloadList::sort`]).
    fn each(&self, f: &mut dyn FnMut(&Payload)) -> std::io::Result<()> {
        for g in self.groups() {
            for p in &g? {
                f(p);
            }
        }
        Ok(())
    }

    fn encode(&mut self, p: &Payload, out: &mut Vec<u8>) {
        put_bytes(out, p.rel.as_bytes());
        put_u64(out, p.size);
        match &p.source {
            Source::Paper => out.push(0),
            Source::Made => out.push(1),
            Source::Spilled => out.push(2),
            Source::At(path) => {
                out.push(3);
                put_u64(out, self.paths.len() as u64);
                self.paths.push(path.clone());
            }
            Source::Blob(at, len) => {
                out.push(4);
                put_u64(out, *at);
                put_u64(out, *len);
            }
        }
        put_sums(out, p.sums.as_ref());
        match &p.check {
            None => out.push(0),
            Some(c) => {
                out.push(1);
                put_bytes(out, c.paper.as_bytes());
                put_bytes(out, c.recorded_sha256.as_bytes());
                put_sums(out, c.sniffed.as_ref());
                put_place(out, c.sig);
            }
        }
        put_fonts(out, &p.fonts);
    }

    fn decode(&self, r: &mut Reader<'_>) -> std::io::Result<Payload> {
        let rel = r.string()?.into_boxed_str();
        let size = r.u64()?;
        let source = match r.u8()? {
            0 => Source::Paper,
            1 => Source::Made,
            2 => Source::Spilled,
            3 => {
                let i = r.u64()? as usize;
                Source::At(self.paths.get(i).cloned().ok_or_else(bad_record)?)
            }
            4 => Source::Blob(r.u64()?, r.u64()?),
            _ => return Err(bad_record()),
        };
        let sums = r.sums()?;
        let check = match r.u8()? {
            0 => None,
            _ => Some(Box::new(PaperCheck {
                paper: r.string()?.into_boxed_str(),
                recorded_sha256: r.string()?.into_boxed_str(),
                sniffed: r.sums()?,
                sig: r.place()?,
            })),
        };
        let fonts = r.fonts()?;
        Ok(Payload {
            rel,
            size,
            source,
            sums,
            check,
            fonts,
        })
    }
}

fn bad_record() -> std::io::Error {
    std::io::Error::other("内部错误：临时清单损坏 (payload list damaged)")
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u64(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// Places in the [`FontTable`].
fn put_fonts(out: &mut Vec<u8>, fonts: &[u16]) {
    put_u64(out, fonts.len() as u64);
    for f in fonts {
        out.extend_from_slice(&f.to_le_bytes());
    }
}

fn put_opt_bytes(out: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        None => out.push(0),
        Some(b) => {
            out.push(1);
            put_bytes(out, b);
        }
    }
}

fn put_place(out: &mut Vec<u8>, p: Option<(u64, u64)>) {
    match p {
        None => out.push(0),
        Some((at, len)) => {
            out.push(1);
            put_u64(out, at);
            put_u64(out, len);
        }
    }
}

fn put_sums(out: &mut Vec<u8>, s: Option<&Sums>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            out.extend_from_slice(&s.0);
        }
    }
}

/// Reads back what the `put_` functions wrote.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> std::io::Result<&[u8]> {
        if self.0.len() < n {
            return Err(bad_record());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }

    fn u8(&mut self) -> std::io::Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u64(&mut self) -> std::io::Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn string(&mut self) -> std::io::Result<String> {
        let n = self.u64()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| bad_record())
    }

    fn fonts(&mut self) -> std::io::Result<Box<[u16]>> {
        let n = self.u64()? as usize;
        (0..n)
            .map(|_| self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]])))
            .collect()
    }

    fn opt_string(&mut self) -> std::io::Result<Option<String>> {
        Ok(match self.u8()? {
            0 => None,
            _ => Some(self.string()?),
        })
    }

    fn place(&mut self) -> std::io::Result<Option<(u64, u64)>> {
        Ok(match self.u8()? {
            0 => None,
            _ => Some((self.u64()?, self.u64()?)),
        })
    }

    fn sums(&mut self) -> std::io::Result<Option<Sums>> {
        Ok(match self.u8()? {
            0 => None,
            _ => {
                let mut s = [0u8; 64];
                s.copy_from_slice(self.take(64)?);
                Some(Sums(s))
            }
        })
    }
}

/// The font files of the package, each once; a file names its fonts by place.
#[derive(Default)]
struct FontTable {
    list: Vec<FontFile>,
    index: BTreeMap<FontFile, u16>,
}

impl FontTable {
    fn intern(&mut self, fonts: Vec<FontFile>) -> Result<Box<[u16]>, PackError> {
        let mut out = Vec::with_capacity(fonts.len());
        for f in fonts {
            let i = match self.index.get(&f) {
                Some(i) => *i,
                None => {
                    let i = u16::try_from(self.list.len()).map_err(|_| PackError::Io {
                        path: "data/fonts.json".into(),
                        message: "字体文件超过 65535 个 (more than 65535 font files)".into(),
                    })?;
                    self.list.push(f.clone());
                    self.index.insert(f, i);
                    i
                }
            };
            if !out.contains(&i) {
                out.push(i);
            }
        }
        Ok(out.into_boxed_slice())
    }
}

/// `fonts.json`: every font file that made a PDF of the package and the PDFs
/// it made (`payload` sorted by name). The bytes of `serde_json::to_vec_pretty`
/// of the record as a JSON value, without holding the lists of users.
fn write_fonts_json(
    fonts: &FontTable,
    payload: &Each<'_>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use serde::ser::SerializeMap as _;
    // The keys in the order a JSON object of serde_json gives them.
    fn order(keys: &[&'static str]) -> Vec<&'static str> {
        let map: serde_json::Map<String, Value> =
            keys.iter().map(|k| (k.to_string(), Value::Null)).collect();
        map.keys()
            .filter_map(|k| keys.iter().find(|x| **x == k.as_str()).copied())
            .collect()
    }
    struct Users<'a>(&'a Each<'a>, u16);
    impl serde::Serialize for Users<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{Error as _, SerializeSeq as _};
            let mut seq = s.serialize_seq(None)?;
            let mut failed = None;
            (self.0)(&mut |p| {
                if failed.is_none() && p.fonts.contains(&self.1) {
                    if let Err(e) = seq.serialize_element(&*p.rel) {
                        failed = Some(e);
                    }
                }
            })
            .map_err(S::Error::custom)?;
            match failed {
                Some(e) => Err(e),
                None => seq.end(),
            }
        }
    }
    struct Font<'a>(&'a FontFile, Users<'a>);
    impl serde::Serialize for Font<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(4))?;
            for k in order(&["字体名称", "文件名", "SHA-256", "文件"]) {
                match k {
                    "字体名称" => m.serialize_entry(k, &self.0.family)?,
                    "文件名" => m.serialize_entry(k, &self.0.file)?,
                    "SHA-256" => m.serialize_entry(k, &self.0.sha256)?,
                    _ => m.serialize_entry(k, &self.1)?,
                }
            }
            m.end()
        }
    }
    struct Record<'a>(Vec<Font<'a>>);
    impl serde::Serialize for Record<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(2))?;
            for k in order(&["说明", "字体"]) {
                match k {
                    "说明" => m.serialize_entry(k, FONTS_NOTE)?,
                    _ => m.serialize_entry(k, &self.0)?,
                }
            }
            m.end()
        }
    }
    // In the order of the font files; a font that made nothing is left out.
    let mut sorted: Vec<(&FontFile, u16)> = fonts.index.iter().map(|(f, i)| (f, *i)).collect();
    let mut used: BTreeSet<u16> = BTreeSet::new();
    payload(&mut |p| used.extend(p.fonts.iter().copied()))?;
    sorted.retain(|(_, i)| used.contains(i));
    let record = Record(
        sorted
            .into_iter()
            .map(|(f, i)| Font(f, Users(payload, i)))
            .collect(),
    );
    let mut w = std::io::BufWriter::new(w);
    serde_json::to_writer_pretty(&mut w, &record)?;
    std::io::Write::write_all(&mut w, b"\n")?;
    std::io::Write::flush(&mut w)
}

/// Visits every payload file in name order.
type Each<'a> = dyn Fn(&mut dyn FnMut(&Payload)) -> std::io::Result<()> + 'a;

/// `说明` of `fonts.json`.
const FONTS_NOTE: &str = "制作本包内各 PDF 所用的字体文件（文件名与 SHA-256）及使用它们的文件";

/// The name of a year bundle: `X012-WS-2026-XFB`.
pub fn bundle_name(cfg: &Config, year: i32) -> String {
    let mut s = format!("{}-WS-{year}", cfg.office.fonds);
    if let Some(o) = &cfg.office.code {
        s.push('-');
        s.push_str(o);
    }
    s
}

/// 接收单位 on the handoff form: `[archive] receiver`, never guessed (a case package
/// without one leaves the line blank to fill in by hand).
pub fn receiver(cfg: &Config) -> Option<String> {
    cfg.archive
        .receiver
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
}

/// The retention of a case: its own, or the office table's.
pub fn retention_of(case: &Case, cfg: &Config) -> crate::case::model::Retention {
    case.retention
        .unwrap_or_else(|| cfg.retention_for(&case.matter.category, case.collective.is_some()))
}

/// Checks, numbers and assembles. `cases` are the cases to pack (for a year
/// bundle: every case of the office; those not closed in that year are left
/// out). `register` gains the new numbers; the caller saves it after the zip is
/// in place.
/// A case to pack, as it was checked. Its file is read again each time the
/// case is needed (twice while packing), so that a county's year is never held
/// in memory at once (a parsed case with its papers is ~16 KB); the text read
/// must be the one that was checked, or the case is refused.
#[derive(Clone, Debug)]
pub struct CaseRef {
    pub path: PathBuf,
    pub id: String,
    /// The date it was closed, if it was.
    pub close: Option<Date>,
    sha256: [u8; 32],
}

impl CaseRef {
    pub fn of(cf: &CaseFile) -> CaseRef {
        CaseRef {
            path: cf.source.path.clone(),
            id: cf.case.id.clone(),
            close: cf.case.close.as_ref().map(|c| c.date),
            sha256: sha2::Sha256::digest(cf.source.text.as_bytes()).into(),
        }
    }

    /// The case read again, as it was checked (its office filled in).
    fn load(&self, cfg: &Config) -> Result<Case, Refusal> {
        let refuse = |detail: String| Refusal {
            case: self.id.clone(),
            file: None,
            reason: Reason::CaseChanged,
            detail,
        };
        let source = match crate::source::Source::read(&self.path) {
            Ok(Ok(s)) => s,
            Ok(Err(l)) => return Err(refuse(l.to_string())),
            Err(e) => return Err(refuse(e.to_string())),
        };
        if <[u8; 32]>::from(sha2::Sha256::digest(source.text.as_bytes())) != self.sha256 {
            return Err(refuse(format!(
                "{} 在检查之后被修改 (changed after it was checked)",
                self.path.display()
            )));
        }
        let mut case: Case = source.parse().map_err(|l| refuse(l.to_string()))?;
        if case.office.is_none() {
            case.office = Some(cfg.office.name.clone());
        }
        Ok(case)
    }
}

/// What the first pass learnt of a paper, for the second: its render record's
/// figures, its signature's place in [`Blobs`], its 件号, or the received file
/// as it was identified. Kept on disk, a case at a time ([`KeptStore`]): the
/// second pass reads no paper, record or signature file again.
#[derive(Clone, Debug, PartialEq)]
struct Kept {
    /// The file's size when it was planned.
    size: u64,
    pages: usize,
    /// SHA-256 from the render record.
    recorded_sha256: String,
    fonts: Box<[u16]>,
    /// 签名时间 as the render record has it.
    signed_at: Option<String>,
    /// Its signature's text, in [`Blobs`].
    sig: Option<(u64, u64)>,
    /// Its 件号 (the rest of its 档号 is the case's series).
    item: u32,
    received: Option<Received>,
}

#[derive(Clone, Debug, PartialEq)]
struct Received {
    path: PathBuf,
    file_name: String,
    pages: usize,
    size: u64,
    digests: Digests,
    format: crate::case::original::Format,
}

const FORMATS: [crate::case::original::Format; 4] = [
    crate::case::original::Format::Pdf,
    crate::case::original::Format::Jpeg,
    crate::case::original::Format::Png,
    crate::case::original::Format::Tiff,
];

/// The [`Kept`] papers of each case, in a temporary file of the work folder;
/// in memory, one place a case.
struct KeptStore {
    store: Blobs,
    /// Received files' paths (few), by number.
    paths: Vec<PathBuf>,
    places: Vec<(u64, u64)>,
}

impl KeptStore {
    fn new(work: &Path) -> Result<KeptStore, PackError> {
        Ok(KeptStore {
            store: Blobs::new(work)?,
            paths: Vec::new(),
            places: Vec::new(),
        })
    }

    /// Keeps the next case's papers.
    fn push(&mut self, kept: &[Kept]) -> std::io::Result<()> {
        let mut out = Vec::with_capacity(kept.len() * 160);
        put_u64(&mut out, kept.len() as u64);
        for k in kept {
            put_u64(&mut out, k.size);
            put_u64(&mut out, k.pages as u64);
            put_bytes(&mut out, k.recorded_sha256.as_bytes());
            put_fonts(&mut out, &k.fonts);
            put_opt_bytes(&mut out, k.signed_at.as_deref().map(str::as_bytes));
            put_place(&mut out, k.sig);
            put_u64(&mut out, k.item as u64);
            match &k.received {
                None => out.push(0),
                Some(r) => {
                    out.push(1);
                    put_u64(&mut out, self.paths.len() as u64);
                    self.paths.push(r.path.clone());
                    put_bytes(&mut out, r.file_name.as_bytes());
                    put_u64(&mut out, r.pages as u64);
                    put_u64(&mut out, r.size);
                    put_sums(&mut out, Some(&Sums::of(&r.digests)));
                    out.push(FORMATS.iter().position(|f| *f == r.format).unwrap_or(0) as u8);
                }
            }
        }
        let place = self.store.put(&out)?;
        self.places.push(place);
        Ok(())
    }

    /// The papers kept of the `i`-th case.
    fn get(&self, i: usize) -> std::io::Result<Vec<Kept>> {
        let place = *self.places.get(i).ok_or_else(bad_record)?;
        let data = self.store.get(place)?;
        let mut r = Reader(&data);
        let n = r.u64()?;
        let mut out = Vec::new();
        for _ in 0..n {
            let size = r.u64()?;
            let pages = r.u64()? as usize;
            let recorded_sha256 = r.string()?;
            let fonts = r.fonts()?;
            let signed_at = r.opt_string()?;
            let sig = r.place()?;
            let item = r.u64()? as u32;
            let received = match r.u8()? {
                0 => None,
                _ => {
                    let path = self
                        .paths
                        .get(r.u64()? as usize)
                        .cloned()
                        .ok_or_else(bad_record)?;
                    Some(Received {
                        path,
                        file_name: r.string()?,
                        pages: r.u64()? as usize,
                        size: r.u64()?,
                        digests: r.sums()?.ok_or_else(bad_record)?.digests(),
                        format: *FORMATS.get(r.u8()? as usize).ok_or_else(bad_record)?,
                    })
                }
            };
            out.push(Kept {
                size,
                pages,
                recorded_sha256,
                fonts,
                signed_at,
                sig,
                item,
                received,
            });
        }
        Ok(out)
    }
}

/// The papers the record of `case` calls for, in filing order, each checked as
/// far as it can be without reading it (received files are read, to identify
/// them; signatures go into `blobs`); what is wrong goes to `refusals`.
fn file_papers(
    case: &Case,
    opts: &Options,
    blobs: &mut Blobs,
    fonts: &mut FontTable,
    refusals: &mut Vec<Refusal>,
) -> Result<Vec<Filed>, PackError> {
    let cfg = opts.config;
    let dir = opts.papers.join(&case.id);
    let record = match std::fs::read_to_string(dir.join(crate::render::record::FILE_NAME)) {
        Ok(t) => Record::parse(&t).map_err(|m| PackError::Io {
            path: dir.join(crate::render::record::FILE_NAME),
            message: m,
        })?,
        Err(_) => Record::default(),
    };
    let jobs = plan::dossier_jobs(case, cfg);
    let mut papers = Vec::new();
    for job in plan::filing_order(&jobs, &cfg.archive.order) {
        if let Some((field, original)) = plan::original_of(case, job) {
            // A paper of another body, or an incoming paper: the received file.
            let field = match job.incoming {
                Some(i) => format!("incoming[{i}].file"),
                None => field.to_string(),
            };
            let refuse = |reason: Reason, detail: String| Refusal {
                case: case.id.clone(),
                file: Some(field.clone()),
                reason,
                detail,
            };
            let Some(rel) = original else {
                refusals.push(refuse(
                    Reason::NoOriginal,
                    format!(
                        "记录有{}（{}），但 {field} 没有写收到的原件；参考副本不作归档",
                        job.kind.name(),
                        plan::author_of(case, job)
                    ),
                ));
                continue;
            };
            // Read once here to identify it (its pages go into the dossier
            // papers, made before the zip); hashed from the same bytes.
            let loaded = crate::case::original::load(&opts.root, rel).and_then(|(path, bytes)| {
                let sniffed = crate::case::original::sniff(&bytes)?;
                // Named like the other items, with the format's extension.
                let stem = job
                    .file_name
                    .rsplit_once('.')
                    .map(|(s, _)| s.to_string())
                    .unwrap_or_else(|| job.file_name.clone());
                Ok(Received {
                    path,
                    file_name: format!("{stem}.{}", sniffed.format.ext()),
                    pages: sniffed.pages,
                    size: bytes.len() as u64,
                    digests: Digests::of(&bytes),
                    format: sniffed.format,
                })
            });
            match loaded {
                Err(m) => refusals.push(refuse(Reason::BadOriginal, m)),
                Ok(r) => papers.push(Filed::received(job, r, None)),
            }
            continue;
        }
        let path = dir.join(&job.file_name);
        let refuse = |reason: Reason, detail: String| Refusal {
            case: case.id.clone(),
            file: Some(job.file_name.clone()),
            reason,
            detail,
        };
        let size = match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => Some(m.len()),
            _ => None,
        };
        let Some(size) = size else {
            refusals.push(match job.delivery {
                Some(d) => refuse(
                    Reason::MissingReceipt,
                    format!(
                        "{}的送达回证（{} 送达）不在 {}",
                        case.deliveries[d].paper.zh(),
                        case.deliveries[d].time.date().chinese(),
                        dir.display()
                    ),
                ),
                None => refuse(Reason::MissingPaper, format!("不在 {}", dir.display())),
            });
            continue;
        };
        let Some(rec) = record.papers.get(&job.file_name) else {
            refusals.push(refuse(
                Reason::NoRenderRecord,
                format!("{} 中没有这份文书", crate::render::record::FILE_NAME),
            ));
            continue;
        };
        let sig_path = sign::sig_path(&path);
        let sig = match std::fs::read_to_string(&sig_path) {
            Ok(text) => match SigFile::parse(&text, (0, 0), rec.signed_at.clone()) {
                Ok(mut s) => {
                    s.place = blobs.put(text.as_bytes()).map_err(io(&sig_path))?;
                    Some(s)
                }
                Err(e) => {
                    refusals.push(refuse(Reason::BadSignature, e));
                    continue;
                }
            },
            Err(_) => None,
        };
        if sig.is_none() && opts.require_signatures {
            refusals.push(refuse(
                Reason::Unsigned,
                format!("没有签名文件 {}", sig_path.display()),
            ));
            continue;
        }
        papers.push(Filed {
            job: job.clone(),
            path,
            pages: rec.pages,
            size,
            recorded_sha256: rec.sha256.clone(),
            sniffed: None,
            fonts: fonts.intern(rec.fonts.clone())?,
            sig,
            code: None,
            received: None,
        });
    }
    Ok(papers)
}

/// The papers of `case` again, from what the first pass kept of them (no file
/// is read but the signatures in `blobs`), numbered in `series`. A case whose
/// papers are not those the first pass found is refused.
fn file_again(
    case: &Case,
    opts: &Options,
    kept: Vec<Kept>,
    series: Option<&ArchiveCode>,
    blobs: &Blobs,
) -> Result<Vec<Filed>, PackError> {
    let cfg = opts.config;
    let dir = opts.papers.join(&case.id);
    let jobs = plan::dossier_jobs(case, cfg);
    let order = plan::filing_order(&jobs, &cfg.archive.order);
    if order.len() != kept.len() {
        return Err(PackError::Refused(vec![Refusal {
            case: case.id.clone(),
            file: None,
            reason: Reason::CaseChanged,
            detail: "文书清单在打包过程中有变 (the papers changed while packing)".into(),
        }]));
    }
    let mut papers = Vec::with_capacity(kept.len());
    for (job, k) in order.into_iter().zip(kept) {
        let code = series.map(|s| ArchiveCode {
            item: k.item,
            ..s.clone()
        });
        if let Some(r) = k.received {
            papers.push(Filed::received(job, r, code));
            continue;
        }
        let path = dir.join(&job.file_name);
        let sig = match k.sig {
            Some(place) => {
                let shown = sign::sig_path(&path);
                let text = blobs.text(place, &shown)?;
                Some(
                    SigFile::parse(&text, place, k.signed_at).map_err(|message| PackError::Io {
                        path: shown,
                        message,
                    })?,
                )
            }
            None => None,
        };
        papers.push(Filed {
            job: job.clone(),
            path,
            pages: k.pages,
            size: k.size,
            recorded_sha256: k.recorded_sha256,
            sniffed: None,
            fonts: k.fonts,
            sig,
            code,
            received: None,
        });
    }
    Ok(papers)
}

impl Filed {
    /// A received file, filed as it was identified.
    fn received(job: &Job, r: Received, code: Option<ArchiveCode>) -> Filed {
        let mut job = job.clone();
        job.file_name = r.file_name.clone();
        Filed {
            job,
            path: r.path.clone(),
            pages: r.pages,
            size: r.size,
            recorded_sha256: String::new(),
            sniffed: Some(r.digests.clone()),
            fonts: Box::default(),
            sig: None,
            code,
            received: Some(r),
        }
    }

    /// What the second pass needs of it.
    fn kept(&self) -> Kept {
        Kept {
            size: self.size,
            pages: self.pages,
            recorded_sha256: self.recorded_sha256.clone(),
            fonts: self.fonts.clone(),
            signed_at: self.sig.as_ref().and_then(|s| s.recorded_time.clone()),
            sig: self.sig.as_ref().map(|s| s.place),
            item: self.code.as_ref().map(|c| c.item).unwrap_or(0),
            received: self.received.clone(),
        }
    }
}

/// The 档号 series of a case (its code with 件号 1).
fn series_of(case: &Case, cfg: &Config) -> Option<ArchiveCode> {
    let close = case.close.as_ref()?;
    Some(ArchiveCode {
        fonds: cfg.office.fonds.clone(),
        year: close.date.year(),
        retention: retention_of(case, cfg),
        office: cfg.office.code.clone(),
        item: 1,
    })
}

/// What the second pass gives of each case, gathered under one lock.
struct Gathered {
    payload: PayloadList,
    rows: Rows,
    fonts: FontTable,
}

pub fn prepare(
    cases: Vec<CaseRef>,
    register: &mut Register,
    renderer: &Renderer,
    opts: &Options,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Prepared, PackError> {
    let cfg = opts.config;
    // A year bundle is handed over to a named body: its form never names nobody.
    if let Scope::Year(_) = opts.scope {
        if receiver(cfg).is_none() {
            return Err(PackError::NoReceiver(PathBuf::from(
                crate::config::FILE_NAME,
            )));
        }
    }
    let mut refusals: Vec<Refusal> = Vec::new();
    // Which cases go in.
    let mut chosen: Vec<CaseRef> = match opts.scope {
        Scope::Case => {
            for c in cases.iter().filter(|c| c.close.is_none()) {
                refusals.push(Refusal {
                    case: c.id.clone(),
                    file: None,
                    reason: Reason::NotClosed,
                    detail: "没有结案记录 [close]".into(),
                });
            }
            cases.into_iter().filter(|c| c.close.is_some()).collect()
        }
        Scope::Year(y) => cases
            .into_iter()
            .filter(|c| c.close.is_some_and(|d| d.year() == y))
            .collect(),
    };
    // Filing order of cases: by the date closed, then case number.
    chosen.sort_by(|a, b| a.close.cmp(&b.close).then_with(|| a.id.cmp(&b.id)));
    if chosen.is_empty() && refusals.is_empty() {
        return Err(PackError::Nothing(match opts.scope {
            Scope::Year(y) => format!("{y} 年没有办结的案件 (no case closed in {y})"),
            Scope::Case => "没有案件".into(),
        }));
    }

    // 1. Every paper the record calls for is there, recorded and (if asked)
    //    signed; and 2. 档号: registered numbers stay, new cases get the next
    //    numbers (before the papers are read: the dossier papers need the
    //    codes, not the digests). One case at a time, read and dropped: what
    //    the second pass needs is kept per paper ([`Kept`]).
    progress("检查文书 (checking papers)");
    let mut numbering: Vec<Refusal> = Vec::new();
    if let Scope::Year(y) = opts.scope {
        let ids: BTreeSet<&str> = chosen.iter().map(|c| c.id.as_str()).collect();
        for (code, e) in register.entries() {
            if code.year == y && !ids.contains(e.case.as_str()) {
                numbering.push(Refusal {
                    case: e.case.clone(),
                    file: Some(e.file.clone()),
                    reason: Reason::Numbering,
                    detail: format!(
                        "档号 {code} 已登记给此件，但该案件不在本年度办结案件中（记录被删除、改为未办结或改了结案日期），件号将出现缺口"
                    ),
                });
            }
        }
    }
    let mut blobs = Blobs::new(&opts.work)?;
    let mut fonts = FontTable::default();
    let mut kept = KeptStore::new(&opts.work)?;
    let mut all_signed = true;
    let mut first_title = String::new();
    for (i, r) in chosen.iter().enumerate() {
        let case = match r.load(cfg) {
            Ok(c) => c,
            Err(refusal) => {
                refusals.push(refusal);
                kept.push(&[]).map_err(io(&opts.work))?;
                continue;
            }
        };
        if i == 0 {
            first_title = plan::dossier_title(&case);
        }
        let before = refusals.len();
        let mut ps = file_papers(&case, opts, &mut blobs, &mut fonts, &mut refusals)?;
        // (Received files carry no office signature: the manifests and the
        // signed tag manifest cover them.)
        all_signed &= ps.iter().all(|p| p.sig.is_some() || p.received.is_some());
        if refusals.len() == before {
            let template = series_of(&case, cfg).expect("chosen cases are closed");
            let files: Vec<String> = ps.iter().map(|p| p.job.file_name.clone()).collect();
            match register.assign(&case.id, &files, &template) {
                Ok(codes) => {
                    for (p, c) in ps.iter_mut().zip(codes) {
                        if c.series() != template.series() {
                            numbering.push(Refusal {
                                case: case.id.clone(),
                                file: Some(p.job.file_name.clone()),
                                reason: Reason::Numbering,
                                detail: format!(
                                    "已登记档号 {c}，但案件现在的年度或保管期限是 {}",
                                    template.prefix()
                                ),
                            });
                        }
                        p.code = Some(c);
                    }
                }
                Err(e) => numbering.push(Refusal {
                    case: case.id.clone(),
                    file: None,
                    reason: Reason::Numbering,
                    detail: e.to_string(),
                }),
            }
        }
        kept.push(&ps.iter().map(Filed::kept).collect::<Vec<_>>())
            .map_err(io(&opts.work))?;
    }
    if !refusals.is_empty() {
        return Err(PackError::Refused(refusals));
    }
    refusals = numbering;

    // 3. The dossier papers with the codes (Typst, on the render pools), and
    //    4. the items and metadata, case by case (each read again). The papers
    //    themselves are read once, later: hashed and checked as they stream
    //    into the zip ([`Prepared::write`]). A package refused for its numbers
    //    is not written, so its papers are read here to name every problem at
    //    once.
    let hashes = FontHashes::default();
    let base_title = match opts.scope {
        Scope::Case => chosen[0].id.clone(),
        Scope::Year(y) => bundle_name(cfg, y),
    };
    let work = &opts.work;
    if !refusals.is_empty() {
        progress("核验文书 (checking the papers)");
        let mut checks: Vec<(Check, PathBuf, u64)> = Vec::new();
        for (i, r) in chosen.iter().enumerate() {
            let case = r.load(cfg).map_err(|r| PackError::Refused(vec![r]))?;
            let k = kept.get(i).map_err(io(work))?;
            for p in file_again(&case, opts, k, None, &blobs)? {
                checks.push((check_of(&p, &case, &blobs)?, p.path.clone(), p.size));
            }
        }
        let found: Vec<Refusal> = checks
            .par_iter()
            .filter_map(|(check, path, size)| {
                let shown = path.display().to_string();
                match read_paper(path, *size, check, opts.sig_check(), &mut |r| {
                    drain(r, *size, &shown)
                }) {
                    Err(Streamed::Refused(r)) => Some(r),
                    // (Nothing is written here.)
                    Err(Streamed::Zip(_)) | Ok(_) => None,
                }
            })
            .collect();
        refusals.extend(found);
        refusals.sort_by(|a, b| a.case.cmp(&b.case).then(a.reason.cmp(&b.reason)));
        return Err(PackError::Refused(refusals));
    }
    progress("生成案卷封面、卷内文件目录、备考表，编制元数据 (dossier papers, metadata)");
    let gathered = std::sync::Mutex::new(Gathered {
        payload: PayloadList::new(work)?,
        rows: Rows::new(work)?,
        fonts,
    });
    let at: Vec<usize> = (0..chosen.len()).collect();
    let done: Vec<Result<(), PackError>> =
        renderer.run_chunked(&at, crate::render::CHUNK, &|i| {
            let case = chosen[*i]
                .load(cfg)
                .map_err(|r| PackError::Refused(vec![r]))?;
            let series = series_of(&case, cfg);
            let k = kept.get(*i).map_err(io(work))?;
            let ps = file_again(&case, opts, k, series.as_ref(), &blobs)?;
            let made = make_dossier_papers(&case, &ps, renderer, opts, &hashes, work)?;
            file_case(&case, ps, made, opts, &gathered)
        })?;
    let mut changed: Vec<Refusal> = Vec::new();
    for d in done {
        match d {
            Ok(()) => {}
            Err(PackError::Refused(r)) => changed.extend(r),
            Err(e) => return Err(e),
        }
    }
    if !changed.is_empty() {
        changed.sort_by(|a, b| a.case.cmp(&b.case).then(a.reason.cmp(&b.reason)));
        return Err(PackError::Refused(changed));
    }
    drop(kept);
    let Gathered {
        mut payload,
        mut rows,
        mut fonts,
    } = gathered.into_inner().map_err(|_| PackError::Io {
        path: work.clone(),
        message: "内部错误 (a worker stopped)".into(),
    })?;
    // From here on only the rows and the payload list are needed.
    progress("编制归档文件目录 (catalogue)");
    let n_cases = chosen.len();
    let first_id = chosen[0].id.clone();
    drop(chosen);
    rows.sort();
    let pages: usize = rows.keys.iter().map(|k| k.pages).sum();
    let mut years: Vec<i32> = rows.keys.iter().map(|k| k.year).collect();
    years.sort();
    years.dedup();
    let catalogue = Catalogue {
        title: format!("{}归档文件目录", cfg.office.name),
        office: cfg.office.name.clone(),
        fonds: cfg.office.fonds.clone(),
        years: years.clone(),
        date: opts.date.to_string(),
        cases: n_cases,
        count: rows.keys.len(),
        pages,
        items: RowsInOrder(&rows),
    };
    payload
        .push(Payload::spill_with("data/catalogue.json", work, &|w| {
            catalogue.write_json(w)
        })?)
        .map_err(io(work))?;
    payload
        .push(Payload::spill_with("data/catalogue.csv", work, &|w| {
            catalogue::write_csv_rows((0..rows.keys.len()).map(|i| rows.get(i)), w)
                .map_err(std::io::Error::other)
        })?)
        .map_err(io(work))?;
    let read_row = |i: usize| rows.get(i).map_err(io(work));
    // The printed catalogue: one volume per series, at most VOLUME rows each, so
    // that no single compile grows with the size of the bundle. (Rows by their
    // place in 档号 order.)
    let mut series: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for i in 0..rows.keys.len() {
        let prefix = ArchiveCode::parse(&read_row(i)?.code)
            .map(|c| c.prefix())
            .unwrap_or_default();
        series.entry(prefix).or_default().push(i);
    }
    let mut ranges: Vec<SeriesRange> = Vec::new();
    for (prefix, at) in &series {
        let code = |i: Option<&usize>| -> Result<String, PackError> {
            Ok(match i {
                Some(i) => read_row(*i)?.code,
                None => String::new(),
            })
        };
        ranges.push(SeriesRange {
            prefix: prefix.clone(),
            count: at.len(),
            pages: at.iter().map(|i| rows.keys[*i].pages).sum(),
            first: code(at.first())?,
            last: code(at.last())?,
        });
    }
    let mut volumes: Vec<(String, String, Vec<usize>)> = Vec::new();
    for (prefix, at) in &series {
        let n = at.len().div_ceil(VOLUME);
        for (v, chunk) in at.chunks(VOLUME).enumerate() {
            let label = if n > 1 {
                format!("{prefix}（第{}册）", v + 1)
            } else {
                prefix.clone()
            };
            let first = read_row(chunk[0])?;
            let retention = ArchiveCode::parse(&first.code)
                .map(|c| c.retention.code())
                .unwrap_or("X");
            let file = if n > 1 {
                format!("归档文件目录-{}-{}-{:02}.pdf", first.year, retention, v + 1)
            } else {
                format!("归档文件目录-{}-{}.pdf", first.year, retention)
            };
            volumes.push((file, label, chunk.to_vec()));
        }
    }
    drop(series);
    let office_ctx = office_context(cfg);
    // Each volume is written to the work folder as soon as it is made. One at a
    // time: a volume's layout (500 rows) is the largest of the run, and two at
    // once set the peak memory of the whole pack (1,000 cases: 354 MB against
    // 272 MB one at a time).
    let rendered: Vec<Result<(Payload, Vec<FontFile>), PackError>> =
        renderer.run_chunked_on(1, &volumes, 2, &|(file, label, at)| {
            // ASCII keys for the template (Tera cannot index by a non-ASCII key).
            let mut rows_ctx: Vec<Value> = Vec::with_capacity(at.len());
            let mut volume_pages = 0;
            for i in at {
                let r = read_row(*i)?;
                volume_pages += r.pages;
                rows_ctx.push(json!({
                    "no": r.no, "item": format!("{:04}", r.item), "code": r.code, "number": r.number, "author": r.author,
                    "title": r.title, "date": r.date, "secrecy": r.secrecy, "pages": r.pages,
                    "case": r.case,
                }));
            }
            let ctx = json!({
                "office": office_ctx,
                "series": label,
                "date": opts.date,
                "items": rows_ctx,
                "pages": volume_pages,
            });
            let doc = Doc {
                owner: base_title.clone(),
                paper: "归档文件目录".into(),
                template: "catalogue.typ".into(),
                file: file.clone(),
                date: opts.date,
            };
            let out = renderer.render_doc(&doc, &ctx);
            // A volume's layout is large and never reused: drop comemo's cache
            // now rather than at the end of the batch.
            comemo::evict(0);
            spill_made(format!("data/{file}"), out?, &hashes, work)
        })?;
    for r in rendered {
        let (mut p, made_fonts) = r?;
        p.fonts = fonts.intern(made_fonts)?;
        payload.push(p).map_err(io(work))?;
    }
    if let Scope::Year(_) = opts.scope {
        let ctx = json!({
            "office": office_ctx,
            "years": years,
            "date": opts.date,
            "cases": n_cases,
            "count": catalogue.count,
            "pages": pages,
            "series": ranges,
            "signed": all_signed,
        });
        let doc = Doc {
            owner: base_title.clone(),
            paper: "备考表".into(),
            template: "bundle-notes.typ".into(),
            file: "备考表.pdf".into(),
            date: opts.date,
        };
        let (mut p, made_fonts) = spill_made(
            "data/备考表.pdf".into(),
            renderer.render_doc(&doc, &ctx)?,
            &hashes,
            work,
        )?;
        p.fonts = fonts.intern(made_fonts)?;
        payload.push(p).map_err(io(work))?;
    }

    // 5. bag-info: counts and sizes only, known now (it is the zip's first
    //    entry). The manifests, the handoff form and the tag manifests sort
    //    after the payload and are made as the payload streams into the zip,
    //    each paper read once ([`Prepared::write`]).
    progress("编制 bag-info (bag info)");
    payload.sort();
    // The font record: every font file that made a paper in this package, and
    // the files it made (read from the sorted payload; it embeds no font).
    let fonts_json = Payload::spill_with("data/fonts.json", work, &|w| {
        write_fonts_json(&fonts, &|each| payload.each(each), w)
    })?;
    drop(fonts);
    payload.push(fonts_json).map_err(io(work))?;
    payload.sort();
    let bytes: u64 = payload.bytes;
    let name = match opts.scope {
        Scope::Case => first_id.clone(),
        Scope::Year(y) => bundle_name(cfg, y),
    };
    let summary = Summary {
        cases: n_cases,
        items: catalogue.count,
        pages,
        files: payload.files,
        bytes,
        manifest_sha256: String::new(),
        manifest_sm3: String::new(),
        series: ranges,
        signed_by: opts.keys.map(|(_, pk)| sign::key_id(pk)),
    };
    let description = match opts.scope {
        Scope::Case => format!(
            "信访事项案卷 {}（{}），文件 {} 件 {} 页",
            first_id, first_title, summary.items, summary.pages
        ),
        Scope::Year(y) => format!(
            "{}{y}年度办结信访事项 {} 件的档案，文件 {} 件 {} 页",
            cfg.office.name, summary.cases, summary.items, summary.pages
        ),
    };
    let mut info = BagInfo::default();
    info.push("Source-Organization", cfg.office.name.clone());
    if let Some(a) = &cfg.office.address {
        info.push("Organization-Address", a.clone());
    }
    if let Some(c) = cfg
        .signers
        .archivist
        .as_ref()
        .or(cfg.office.contact.as_ref())
    {
        info.push("Contact-Name", c.clone());
    }
    if let Some(p) = &cfg.office.phone {
        info.push("Contact-Phone", p.clone());
    }
    info.push("External-Description", description.clone());
    info.push("Bagging-Date", opts.date.to_string());
    info.push("External-Identifier", name.clone());
    let ranges = summary
        .series
        .iter()
        .map(|r| format!("{}～{:04}", r.first, r.count))
        .collect::<Vec<_>>()
        .join("; ");
    info.push(
        "Internal-Sender-Identifier",
        match opts.scope {
            Scope::Case => format!("{first_id} {ranges}"),
            Scope::Year(_) => ranges,
        },
    );
    info.push(
        "Internal-Sender-Description",
        match opts.scope {
            Scope::Case => {
                "anjuan pack case: 一案一卷的案卷包 (dossier package of one closed case)"
                    .to_string()
            }
            Scope::Year(y) => format!("anjuan pack year {y}: 年度移交包 (year-end bundle)"),
        },
    );
    info.push("Bag-Count", "1 of 1");
    info.push("Payload-Oxum", bag::oxum(bytes, payload.files));
    info.push("Bag-Size", human_size(bytes));
    info.push("Anjuan-Cases", summary.cases.to_string());
    info.push("Anjuan-Items", summary.items.to_string());
    info.push("Anjuan-Pages", summary.pages.to_string());
    if let Some(k) = &summary.signed_by {
        info.push("Anjuan-Signing-Key", k.clone());
    }
    info.push("Anjuan-Generator", crate::render::record::generator());

    let head = vec![
        ("bag-info.txt".to_string(), info.to_text().into_bytes()),
        ("bagit.txt".to_string(), bag::BAGIT_TXT.as_bytes().to_vec()),
    ];
    Ok(Prepared {
        name,
        summary,
        head,
        payload,
        blobs,
        description,
        years,
        all_signed,
    })
}

/// Reads a paper's stream to its end and drops it, checking the size: what
/// [`read_paper`] puts the bytes into when they are only checked.
fn drain(r: &mut dyn std::io::Read, size: u64, shown: &str) -> Result<(), ZipOutError> {
    match std::io::copy(r, &mut std::io::sink()) {
        Ok(n) if n == size => Ok(()),
        Ok(_) => Err(ZipOutError::Changed(shown.to_string())),
        Err(source) => Err(ZipOutError::Io {
            path: shown.to_string(),
            source,
        }),
    }
}

impl Prepared {
    /// The bytes of the entries known before writing: all but the tag files
    /// that follow the payload (for a progress bar).
    pub fn bytes(&self) -> u64 {
        self.head.iter().map(|(_, b)| b.len() as u64).sum::<u64>() + self.payload.bytes
    }

    /// Writes the package to `out` (positioned at its start) as a deterministic
    /// zip ([`ZipWriter`]), in name order: `bag-info.txt`, `bagit.txt`, the
    /// payload, then the tag files that describe it. Each paper is read once,
    /// hashed as it streams in and then checked (unchanged since rendering,
    /// signature valid and naming it); a paper that fails is a refusal, and the
    /// papers after it are still read (not written) so that every refusal is
    /// named at once. On any error what was written must be dropped. Returns
    /// the output and the summary with the package digests. `progress` gets
    /// the bytes of each payload entry written.
    pub fn write<W: std::io::Write + std::io::Seek>(
        self,
        out: W,
        renderer: &Renderer,
        opts: &Options,
        progress: &dyn Fn(u64),
    ) -> Result<(W, Summary), PackError> {
        let Prepared {
            name,
            mut summary,
            head,
            payload,
            blobs,
            description,
            years,
            all_signed,
        } = self;
        let cfg = opts.config;
        let mut z = ZipWriter::spilling(out, opts.date, &opts.work, CENTRAL_IN_MEMORY)?;
        for (n, data) in &head {
            z.add_bytes(&format!("{name}/{n}"), data)?;
            progress(data.len() as u64);
        }
        // The papers' bytes are hashed on another thread (two hashes on each
        // core) while this one reads and writes the next chunks: reading, which
        // waits on the disk, and hashing overlap. At most 8 chunks in flight.
        let mut refusals: Vec<Refusal> = Vec::new();
        // The manifests are written to the work folder line by line as the
        // digests become known, in name order (hashed as they are written),
        // and streamed into the zip after the payload: not held in memory.
        let mut lines = ManifestLines::new(&opts.work)?;
        std::thread::scope(|scope| -> Result<(), PackError> {
            let (to_hash, rx) = std::sync::mpsc::sync_channel::<ToHash>(8);
            let (buffers_tx, buffers) = std::sync::mpsc::channel::<Vec<u8>>();
            let (done_tx, done) = std::sync::mpsc::channel();
            let keys = opts.sig_check();
            scope.spawn(move || hash_papers(rx, buffers_tx, done_tx, keys));
            let stopped = || std::io::Error::other("摘要线程已停止 (hashing stopped)");
            let mut i = 0usize;
            for group in payload.groups() {
                for p in group.map_err(io(&opts.work))? {
                    let at = i;
                    i += 1;
                    let entry = format!("{name}/{}", p.rel);
                    let size = p.size;
                    lines.expect(at, &p.rel, p.sums);
                    match (&p.check, p.path(opts)) {
                        (Some(pc), Some(path)) => {
                            let check = std::sync::Arc::new(p.check(pc, &blobs)?);
                            let shown = path.display().to_string();
                            let mut feed = |c: &[u8]| {
                                let mut chunk = buffers.try_recv().unwrap_or_default();
                                chunk.clear();
                                chunk.extend_from_slice(c);
                                to_hash.send(ToHash::Chunk(chunk)).map_err(|_| stopped())
                            };
                            to_hash
                                .send(ToHash::Start(at, check.clone()))
                                .map_err(|_| {
                                    PackError::Zip(ZipOutError::Io {
                                        path: shown.clone(),
                                        source: stopped(),
                                    })
                                })?;
                            let streamed = if refusals.is_empty() {
                                stream_paper(
                                    &path,
                                    size,
                                    &check,
                                    &mut |r| z.add_from(&entry, size, r, &shown),
                                    &mut feed,
                                )
                            } else {
                                // Refused already: only checked, to name every problem.
                                stream_paper(
                                    &path,
                                    size,
                                    &check,
                                    &mut |r| drain(r, size, &shown),
                                    &mut feed,
                                )
                            };
                            let _ = to_hash.send(match streamed {
                                Ok(()) => ToHash::End,
                                Err(_) => ToHash::Abort,
                            });
                            match streamed {
                                Ok(()) => {}
                                Err(Streamed::Refused(r)) => {
                                    refusals.push(r);
                                    lines.refused(at);
                                }
                                Err(Streamed::Zip(e)) => return Err(e.into()),
                            }
                        }
                        _ if refusals.is_empty() => match (&p.source, p.path(opts)) {
                            (Source::Blob(at, len), _) => {
                                let data = blobs.get((*at, *len)).map_err(|e| PackError::Io {
                                    path: p.rel.to_string().into(),
                                    message: e.to_string(),
                                })?;
                                z.add_bytes(&entry, &data)?
                            }
                            (_, Some(path)) => z.add(&entry, &Content::File { path, size })?,
                            (_, None) => {}
                        },
                        _ => {}
                    }
                    progress(size);
                    // The papers checked so far.
                    for (at, r) in done.try_iter() {
                        lines.answer(at, r, &mut refusals);
                    }
                    lines.write_ready().map_err(io(&opts.work))?;
                }
            }
            drop(to_hash);
            for (at, r) in done.iter() {
                lines.answer(at, r, &mut refusals);
            }
            lines.write_ready().map_err(io(&opts.work))?;
            Ok(())
        })?;
        drop(blobs);
        if !refusals.is_empty() {
            refusals.sort_by(|a, b| a.case.cmp(&b.case).then(a.reason.cmp(&b.reason)));
            return Err(PackError::Refused(refusals));
        }
        // Every paper read whole was checked, or the package was refused.
        let manifests = lines.finish(&opts.work)?;
        drop(payload);
        for (alg, tag) in &manifests {
            match alg {
                Alg::Sha256 => summary.manifest_sha256 = tag.digests().sha256,
                Alg::Sm3 => summary.manifest_sm3 = tag.digests().sm3,
            }
        }
        let office_ctx = office_context(cfg);
        let pk_text = public_key_line(opts);
        let handoff_ctx = json!({
            "signed": all_signed,
            "office": office_ctx,
            "receiver": receiver(cfg).unwrap_or_default(),
            "name": name,
            "scope": match opts.scope { Scope::Case => "case", Scope::Year(_) => "year" },
            "description": description,
            "summary": summary,
            "date": opts.date,
            "years": years,
        });
        let doc = Doc {
            owner: name.clone(),
            paper: "移交登记表".into(),
            template: "handoff.typ".into(),
            file: HANDOFF.into(),
            date: opts.date,
        };
        let handoff = renderer.render_doc(&doc, &handoff_ctx)?;
        // The same declaration, machine-readable, for the receiver's checks.
        let handoff_json = json!({
            "格式": HANDOFF_FORMAT,
            "移交名称": name,
            "范围": match opts.scope { Scope::Case => "case", Scope::Year(_) => "year" },
            "内容描述": description,
            "移交单位": cfg.office.name,
            "接收单位": receiver(cfg),
            "移交日期": opts.date.to_string(),
            "案件数": summary.cases,
            "件数": summary.items,
            "页数": summary.pages,
            "文件数": summary.files,
            "数据量": summary.bytes,
            "档号范围": summary.series.iter().map(|r| json!({
                "前缀": r.prefix, "件数": r.count, "页数": r.pages, "起": r.first, "止": r.last,
            })).collect::<Vec<_>>(),
            "包摘要": [
                {"算法": "SHA-256", "对象": Alg::Sha256.manifest(), "值": summary.manifest_sha256},
                {"算法": "SM3", "对象": Alg::Sm3.manifest(), "值": summary.manifest_sm3},
            ],
            "签名密钥": summary.signed_by,
            "签名公钥": if pk_text.is_empty() { serde_json::Value::Null } else { json!(pk_text) },
            "生成工具": crate::render::record::generator(),
        });
        let mut handoff_json =
            serde_json::to_vec_pretty(&handoff_json).expect("handoff serialises");
        handoff_json.push(b'\n');

        // The tag manifests cover the head (already written) too.
        let written = head.len();
        let mut tags: Vec<(String, Tag)> = head
            .into_iter()
            .map(|(n, data)| (n, Tag::Bytes(data)))
            .collect();
        tags.push((HANDOFF.into(), Tag::Bytes(handoff.pdf)));
        tags.push((HANDOFF_JSON.into(), Tag::Bytes(handoff_json)));
        for (alg, tag) in manifests {
            tags.push((alg.manifest(), tag));
        }
        let tag_digests: Vec<Digests> = tags.iter().map(|(_, t)| t.digests()).collect();
        let mut tagmanifests: Vec<(String, Vec<u8>)> = Vec::new();
        for alg in Alg::ALL {
            let mut m = Manifest::default();
            for ((n, _), d) in tags.iter().zip(&tag_digests) {
                m.push(n, d.get(alg));
            }
            tagmanifests.push((alg.tagmanifest(), m.to_text().into_bytes()));
        }
        if let Some((sk, pk)) = opts.keys {
            let (n, data) = &tagmanifests[0];
            let binding = Binding {
                case: name.clone(),
                paper: "tagmanifest".into(),
                file: n.clone(),
                sha256: sign::sha256_hex(data),
                time: None,
            };
            let sig = sign::sign(sk, Some(pk), data, &binding)?;
            tags.push((
                format!("{n}.{}", sign::SIG_EXT),
                Tag::Bytes(sig.into_bytes()),
            ));
        }
        tags.extend(tagmanifests.into_iter().map(|(n, d)| (n, Tag::Bytes(d))));

        // After the payload in name order (handoff.json, manifest-*, tagmanifest-*,
        // 移交登记表.pdf all sort after data/): the writer refuses any other order.
        tags.drain(..written);
        tags.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        for (n, tag) in tags {
            let entry = format!("{name}/{n}");
            match tag {
                Tag::Bytes(data) => z.add_bytes(&entry, &data)?,
                Tag::File(mut f, size, _) => {
                    use std::io::Seek as _;
                    f.seek(std::io::SeekFrom::Start(0))
                        .map_err(io(&opts.work))?;
                    z.add_from(&entry, size, &mut f, &entry)?
                }
            }
        }
        Ok((z.finish()?, summary))
    }
}

/// The office public key's line (its base64), as the metadata and the handoff
/// record it; empty without a key.
fn public_key_line(opts: &Options) -> String {
    opts.public
        .and_then(|pk| pk.to_box().ok())
        .map(|b| {
            b.into_string()
                .lines()
                .nth(1)
                .unwrap_or_default()
                .to_string()
        })
        .unwrap_or_default()
}

/// A PDF made here, written to the work folder, with the fonts it embeds.
fn spill_made(
    rel: String,
    out: Rendered,
    hashes: &FontHashes,
    work: &Path,
) -> Result<(Payload, Vec<FontFile>), PackError> {
    let fonts = hashes.fonts(&out).map_err(|m| PackError::Io {
        path: rel.clone().into(),
        message: m,
    })?;
    Ok((Payload::spill(rel, out.pdf, work)?, fonts))
}

/// The handoff form's file name, a tag file at the top of the bag.
pub const HANDOFF: &str = "移交登记表.pdf";
/// The handoff form's figures as JSON, a tag file beside it.
pub const HANDOFF_JSON: &str = "handoff.json";
/// The `格式` value of `handoff.json`.
pub const HANDOFF_FORMAT: &str = "anjuan-handoff/1";
/// Rows per printed catalogue volume.
pub const VOLUME: usize = 500;
/// Bytes of the zip's central directory kept in memory; the rest waits in a
/// temporary file in the work folder.
const CENTRAL_IN_MEMORY: usize = 1 << 20;

/// The manifests' lines, written in name order as each file's digests become
/// known (a paper's once it has been hashed on the other thread, the rest's
/// before): only the files from the first still waiting to the last listed are
/// held, a few at a time.
struct ManifestLines {
    writers: Vec<(Alg, Hashing<std::io::BufWriter<std::fs::File>>)>,
    /// From the first file whose line is not written yet: its name and digests.
    waiting: std::collections::VecDeque<(Box<str>, Line)>,
    /// The place in the payload of the first in `waiting`.
    first: usize,
}

enum Line {
    Waiting,
    Found(Sums),
    /// Its paper was refused: the package is not written.
    Refused,
}

impl ManifestLines {
    fn new(work: &Path) -> Result<ManifestLines, PackError> {
        let mut writers = Vec::new();
        for alg in Alg::ALL {
            let file = tempfile::tempfile_in(work).map_err(io(work))?;
            writers.push((
                alg,
                Hashing {
                    inner: std::io::BufWriter::new(file),
                    hasher: bag::Hasher::default(),
                    size: 0,
                },
            ));
        }
        Ok(ManifestLines {
            writers,
            waiting: Default::default(),
            first: 0,
        })
    }

    /// The file at `at` (the next in name order), with its digests if known.
    fn expect(&mut self, at: usize, rel: &str, sums: Option<Sums>) {
        debug_assert_eq!(at, self.first + self.waiting.len());
        let line = match sums {
            Some(s) => Line::Found(s),
            None => Line::Waiting,
        };
        self.waiting.push_back((rel.into(), line));
    }

    fn slot(&mut self, at: usize) -> Option<&mut Line> {
        let i = at.checked_sub(self.first)?;
        self.waiting.get_mut(i).map(|(_, l)| l)
    }

    fn found(&mut self, at: usize, sums: Sums) {
        if let Some(l) = self.slot(at) {
            *l = Line::Found(sums);
        }
    }

    fn refused(&mut self, at: usize) {
        if let Some(l) = self.slot(at) {
            *l = Line::Refused;
        }
    }

    /// What the hashing thread found of the paper at `at`: its digests, or
    /// why it is refused.
    fn answer(&mut self, at: usize, r: Result<Digests, Refusal>, refusals: &mut Vec<Refusal>) {
        match r {
            Ok(d) => self.found(at, Sums::of(&d)),
            Err(r) => {
                refusals.push(r);
                self.refused(at);
            }
        }
    }

    /// Writes the lines of the files at the front whose digests are known.
    fn write_ready(&mut self) -> std::io::Result<()> {
        use std::io::Write as _;
        while let Some((_, line)) = self.waiting.front() {
            if let Line::Waiting = line {
                break;
            }
            let (rel, line) = self.waiting.pop_front().expect("a front");
            self.first += 1;
            if let Line::Found(sums) = line {
                let path = bag::encode_path(&rel);
                for (alg, w) in &mut self.writers {
                    w.write_all(sums.hex(*alg).as_bytes())?;
                    w.write_all(b"  ")?;
                    w.write_all(path.as_bytes())?;
                    w.write_all(b"\n")?;
                }
            }
        }
        Ok(())
    }

    /// The manifests, every line written.
    fn finish(self, work: &Path) -> Result<Vec<(Alg, Tag)>, PackError> {
        if let Some((rel, _)) = self.waiting.front() {
            return Err(PackError::Io {
                path: rel.to_string().into(),
                message: "没有得到摘要 (no digests)".into(),
            });
        }
        let mut out = Vec::new();
        for (alg, w) in self.writers {
            let file = w.inner.into_inner().map_err(|e| io(work)(e.into_error()))?;
            out.push((alg, Tag::File(file, w.size, w.hasher.finish())));
        }
        Ok(out)
    }
}

/// A tag file: its bytes, or (a manifest) a temporary file in the work folder
/// with its size and digests.
enum Tag {
    Bytes(Vec<u8>),
    File(std::fs::File, u64, Digests),
}

impl Tag {
    fn digests(&self) -> Digests {
        match self {
            Tag::Bytes(data) => Digests::of(data),
            Tag::File(_, _, d) => d.clone(),
        }
    }
}

fn human_size(b: u64) -> String {
    if b >= 1 << 30 {
        format!("{:.2} GB", b as f64 / (1u64 << 30) as f64)
    } else if b >= 1 << 20 {
        format!("{:.2} MB", b as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.1} KB", b as f64 / 1024.0)
    }
}

pub fn office_context(cfg: &Config) -> Value {
    json!({
        "name": cfg.office.name,
        "fonds": cfg.office.fonds,
        "code": cfg.office.code,
        "parent": cfg.office.parent,
        "archivist": cfg.signers.archivist,
        "checker": cfg.signers.checker,
        "address": cfg.office.address,
        "phone": cfg.office.phone,
    })
}

/// How the papers' signatures are checked: with the office public key, and
/// whether every paper must be signed.
#[derive(Clone, Copy)]
struct SigCheck<'a> {
    public: Option<&'a PublicKey>,
    required: bool,
}

impl Options<'_> {
    fn sig_check(&self) -> SigCheck<'_> {
        SigCheck {
            public: self.public,
            required: self.require_signatures,
        }
    }
}

/// What is checked of a paper as it is read (the one time it is read).
struct Check {
    case: String,
    /// The item's file name, for a refusal.
    file: String,
    /// The kind of paper its signature must name.
    paper: String,
    /// SHA-256 from the render record (a paper made by anjuan).
    recorded_sha256: String,
    /// A received file: the digests its bytes had when it was identified.
    sniffed: Option<Digests>,
    /// The signature: its text and trusted comment.
    sig: Option<(String, String)>,
}

fn check_of(p: &Filed, case: &Case, blobs: &Blobs) -> Result<Check, PackError> {
    let sig = match &p.sig {
        Some(s) => Some((
            blobs.text(s.place, &sign::sig_path(&p.path))?,
            s.comment.clone(),
        )),
        None => None,
    };
    Ok(Check {
        case: case.id.clone(),
        file: p.job.file_name.clone(),
        paper: p.job.kind.name().to_string(),
        recorded_sha256: p.recorded_sha256.clone(),
        sniffed: p.sniffed.clone(),
        sig,
    })
}

/// Why a paper could not be streamed: the paper (a refusal, located), or the
/// zip being written (the output).
enum Streamed {
    Refused(Refusal),
    Zip(ZipOutError),
}

/// The hashes of one paper's bytes: SHA-256 and SM3, and the BLAKE2b-512
/// prehash that its minisign signature signs when it has one.
struct PaperHash {
    hasher: bag::Hasher,
    prehash: Option<blake2::Blake2b512>,
}

impl PaperHash {
    fn new(check: &Check) -> PaperHash {
        PaperHash {
            hasher: bag::Hasher::default(),
            prehash: check
                .sig
                .is_some()
                .then(<blake2::Blake2b512 as blake2::Digest>::new),
        }
    }

    fn update(&mut self, chunk: &[u8]) {
        match &mut self.prehash {
            Some(b2) => self
                .hasher
                .update_also(chunk, &mut |c| blake2::Digest::update(b2, c)),
            None => self.hasher.update(chunk),
        }
    }

    /// The digests, once the paper's bytes are checked with them ([`judge`]).
    fn finish(self, check: &Check, keys: SigCheck) -> Result<Digests, Refusal> {
        let prehash = self
            .prehash
            .map(|b2| blake2::Digest::finalize(b2).to_vec())
            .unwrap_or_default();
        let digests = self.hasher.finish();
        judge(check, &digests, &prehash, keys)?;
        Ok(digests)
    }
}

/// A reader that hands every chunk it reads to `feed` (the hashes).
struct Tap<'a, R> {
    inner: R,
    feed: &'a mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    /// Reading `inner` failed (not writing the zip).
    failed: bool,
}

impl<R: std::io::Read> std::io::Read for Tap<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf).inspect_err(|_| self.failed = true)?;
        (self.feed)(&buf[..n])?;
        Ok(n)
    }
}

/// Reads one paper, once: `put` takes its bytes (into the zip, or nowhere when
/// only checking) while `feed` gets them too (the hashes). A paper that cannot
/// be opened or read, or whose size is not the one it was planned with (the
/// zip's header gives it already), is a refusal naming its case and file.
fn stream_paper(
    path: &Path,
    size: u64,
    check: &Check,
    put: &mut dyn FnMut(&mut dyn std::io::Read) -> Result<(), ZipOutError>,
    feed: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
) -> Result<(), Streamed> {
    let refuse = |reason: Reason, detail: String| {
        Streamed::Refused(Refusal {
            case: check.case.clone(),
            file: Some(check.file.clone()),
            reason,
            detail,
        })
    };
    let changed = if check.sniffed.is_some() {
        Reason::BadOriginal
    } else {
        Reason::Changed
    };
    let f = std::fs::File::open(path)
        .map_err(|e| refuse(Reason::MissingPaper, format!("无法读取: {e}")))?;
    let mut tap = Tap {
        inner: f,
        feed,
        failed: false,
    };
    match put(&mut tap) {
        Ok(()) => Ok(()),
        Err(ZipOutError::Changed(_)) => {
            let now = std::fs::metadata(path)
                .map(|m| format!("{} 字节", m.len()))
                .unwrap_or_else(|e| format!("无法读取 ({e})"));
            Err(refuse(
                changed,
                format!("打包过程中被改动 (changed while packing)：检查时 {size} 字节，写入时 {now}；请重新运行 anjuan pack"),
            ))
        }
        Err(ZipOutError::Io { source, .. }) if tap.failed => {
            Err(refuse(Reason::MissingPaper, format!("无法读取: {source}")))
        }
        Err(e) => Err(Streamed::Zip(e)),
    }
}

/// [`stream_paper`] hashing on this thread, then the checks: returns the
/// paper's digests.
fn read_paper(
    path: &Path,
    size: u64,
    check: &Check,
    keys: SigCheck,
    put: &mut dyn FnMut(&mut dyn std::io::Read) -> Result<(), ZipOutError>,
) -> Result<Digests, Streamed> {
    let mut hash = PaperHash::new(check);
    stream_paper(path, size, check, put, &mut |c| {
        hash.update(c);
        Ok(())
    })?;
    hash.finish(check, keys).map_err(Streamed::Refused)
}

/// What the writing thread sends the hashing thread of [`Prepared::write`].
enum ToHash {
    /// A paper begins: its place in the payload, what to check.
    Start(usize, std::sync::Arc<Check>),
    Chunk(Vec<u8>),
    /// It was read whole: check it, send back its digests or refusal.
    End,
    /// It could not be read (refused already).
    Abort,
}

/// The hashing thread of [`Prepared::write`]: hashes each paper's chunks as
/// they come (SHA-256 beside SM3 and BLAKE2b, [`bag::Hasher::update_also`]),
/// hands the emptied buffers back, and checks each paper at its end.
fn hash_papers(
    rx: std::sync::mpsc::Receiver<ToHash>,
    buffers: std::sync::mpsc::Sender<Vec<u8>>,
    done: std::sync::mpsc::Sender<(usize, Result<Digests, Refusal>)>,
    keys: SigCheck,
) {
    let mut current: Option<(usize, std::sync::Arc<Check>, PaperHash)> = None;
    for m in rx {
        match m {
            ToHash::Start(i, check) => {
                let hash = PaperHash::new(&check);
                current = Some((i, check, hash));
            }
            ToHash::Chunk(chunk) => {
                if let Some((_, _, hash)) = &mut current {
                    hash.update(&chunk);
                }
                let _ = buffers.send(chunk);
            }
            ToHash::End => {
                if let Some((i, check, hash)) = current.take() {
                    let _ = done.send((i, hash.finish(&check, keys)));
                }
            }
            ToHash::Abort => current = None,
        }
    }
}

/// Checks a paper's bytes as read (their digests and, for a signed paper, the
/// BLAKE2b-512 prehash its signature signs):
/// unchanged since rendering (or since a received file was identified), the
/// signature valid and naming this paper of this case.
fn judge(check: &Check, digests: &Digests, prehash: &[u8], keys: SigCheck) -> Result<(), Refusal> {
    let refuse = |reason: Reason, detail: String| Refusal {
        case: check.case.clone(),
        file: Some(check.file.clone()),
        reason,
        detail,
    };
    if let Some(sniffed) = &check.sniffed {
        // Filed as received: no render record, no office signature; the bytes
        // must be those that were identified.
        if sniffed != digests {
            return Err(refuse(
                Reason::BadOriginal,
                format!(
                    "打包过程中被改动 (changed while packing)：识别时 SHA-256 {}…，写入时 {}…；请重新运行 anjuan pack",
                    &sniffed.sha256[..16],
                    &digests.sha256[..16]
                ),
            ));
        }
        return Ok(());
    }
    if digests.sha256 != check.recorded_sha256 {
        return Err(refuse(
            Reason::Changed,
            format!(
                "生成时 SHA-256 {}…，现在 {}…",
                &check.recorded_sha256[..check.recorded_sha256.len().min(16)],
                &digests.sha256[..16]
            ),
        ));
    }
    if let Some((text, comment)) = &check.sig {
        // What the signature says it signs must be this paper of this case,
        // whatever the render record says (it is not signed). With a key the
        // signature (and so its trusted comment) is verified first; without
        // one the comment is read as written.
        match keys.public {
            Some(pk) => {
                sign::verify_prehashed(pk, prehash, &digests.sha256, text, &check.file)
                    .map_err(|e| refuse(Reason::BadSignature, e.to_string()))?;
                check_binding(comment, &check.case, &check.paper)
                    .map_err(|m| refuse(Reason::WrongPaper, m))?;
            }
            None if keys.required => {
                return Err(refuse(
                    Reason::BadSignature,
                    "没有办公室公钥，无法核验签名（配置 [signing] public 或 key）".into(),
                ))
            }
            None => {
                check_binding(comment, &check.case, &check.paper)
                    .map_err(|m| refuse(Reason::WrongPaper, m))?;
            }
        }
    }
    Ok(())
}

/// 文书种类 of an item: the paper's name; for an incoming paper its kind (来信 …).
fn item_kind(case: &Case, job: &Job) -> String {
    match job.incoming.and_then(|i| case.incoming.get(i)) {
        Some(x) => x.kind.zh().to_string(),
        None => job.kind.name().to_string(),
    }
}

/// The trusted comment of a paper's signature names this case and this kind
/// of paper (its file name and digest are checked with the signature).
fn check_binding(comment: &str, case: &str, paper: &str) -> Result<(), String> {
    let Some(b) = Binding::parse(comment) else {
        return Err(format!(
            "签名的可信注释不是 anjuan 的绑定（应为 case=… paper=… file=… sha256=…），无法确认它属于哪个案件的哪份文书：{comment}"
        ));
    };
    if b.case != case || b.paper != paper {
        return Err(format!(
            "签名绑定的是案件 {} 的{}，这里是案件 {case} 的{paper}（文书可能被调换或复制）",
            b.case, b.paper
        ));
    }
    Ok(())
}

/// Cover, contents list and notes of one case, with the codes; written to the
/// work folder (not held in memory), signed when the office has a key.
/// A case's items and metadata, and its payload (the papers, their
/// signatures, the dossier papers made for it, `metadata.json`), gathered.
fn file_case(
    case: &Case,
    ps: Vec<Filed>,
    made: Vec<Made>,
    opts: &Options,
    gathered: &std::sync::Mutex<Gathered>,
) -> Result<(), PackError> {
    let cfg = opts.config;
    let sig_rule =
        "minisign（Ed25519，对 BLAKE2b-512 预摘要签名；可信注释绑定案件、文书、文件名与 SHA-256）";
    let pk_text = public_key_line(opts);
    let mut case_items = Vec::new();
    let mut payload: Vec<Payload> = Vec::new();
    // The latest served paper of each kind, for the receipts after it.
    let mut served: HashMap<crate::case::model::Paper, String> = HashMap::new();
    for p in ps {
        let code = p.code.clone().ok_or_else(|| PackError::Io {
            path: p.path.clone(),
            message: "没有档号 (not numbered)".into(),
        })?;
        let must_serve = p.job.kind.served_paper();
        if let Some(paper) = must_serve {
            served.insert(paper, code.to_string());
        }
        let serves = p
            .job
            .delivery
            .and_then(|d| served.get(&case.deliveries[d].paper).cloned());
        let rel = format!("data/{}/{}", case.id, p.job.file_name);
        let mut actions = vec![match p.received {
            Some(_) => Action {
                time: p.job.date.to_string(),
                basis: "《信访工作条例》".into(),
                description: format!(
                    "接收{}原件（{}）",
                    item_kind(case, &p.job),
                    plan::author_of(case, &p.job)
                ),
            },
            None => Action {
                time: p.job.date.to_string(),
                basis: "《信访工作条例》".into(),
                description: format!("形成{}", p.job.kind.name()),
            },
        }];
        if let Some(d) = p.job.delivery {
            let dl = &case.deliveries[d];
            actions.push(Action {
                time: dl.time.to_string(),
                basis: "《信访工作条例》送达规定".into(),
                description: format!(
                    "{}送达{}，受送达人{}",
                    dl.method.zh(),
                    dl.paper.zh(),
                    dl.recipient
                ),
            });
        }
        actions.push(Action {
            time: opts.date.to_string(),
            basis: "DA/T 22-2015《归档文件整理规则》".into(),
            description: format!("归档，档号 {code}"),
        });
        case_items.push(Item {
            // Within the case's metadata: the place in the dossier; the
            // catalogue renumbers in 档号 order.
            no: case_items.len() + 1,
            code: code.to_string(),
            fonds: code.fonds.clone(),
            year: code.year,
            retention: code.retention.zh().to_string(),
            office_code: code.office.clone().unwrap_or_default(),
            item: code.item,
            number: p.job.number.clone().unwrap_or_default(),
            author: plan::author_of(case, &p.job),
            title: plan::catalogue_title(case, &p.job),
            date: p.job.date.compact(),
            secrecy: plan::classification(case, cfg).to_string(),
            pages: p.pages,
            remarks: String::new(),
            case: case.id.clone(),
            kind: item_kind(case, &p.job),
            format: match &p.received {
                Some(r) => r.format.label().into(),
                None => "PDF/A-2b".into(),
            },
            source: match p.received {
                Some(_) => catalogue::RECEIVED.into(),
                None => catalogue::MADE.into(),
            },
            file: p.job.file_name.clone(),
            size: p.size,
            location: rel.clone(),
            must_serve: must_serve.is_some(),
            serves,
            signature: p.sig.as_ref().map(|s| catalogue::Signature {
                rule: sig_rule.into(),
                time: s.time(p.job.date),
                signer: format!("{}（密钥 {}）", cfg.office.name, s.key_id),
                result: format!("{rel}.minisig"),
                certificate: pk_text.clone(),
                algorithm: "Ed25519ph-BLAKE2b-512 (minisign ED)".into(),
                trusted_comment: s.comment.clone(),
            }),
            actions,
        });
        payload.push(Payload {
            rel: rel.clone().into(),
            size: p.size,
            source: match p.received {
                Some(_) => Source::At(p.path.into_boxed_path()),
                None => Source::Paper,
            },
            sums: None,
            check: Some(Box::new(PaperCheck {
                paper: p.job.kind.name().into(),
                recorded_sha256: p.recorded_sha256.into(),
                sniffed: p.sniffed.as_ref().map(Sums::of),
                sig: p.sig.as_ref().map(|s| s.place),
            })),
            fonts: p.fonts,
        });
        if let Some(s) = &p.sig {
            payload.push(Payload {
                rel: format!("{rel}.{}", sign::SIG_EXT).into(),
                size: s.place.1,
                source: Source::Blob(s.place.0, s.place.1),
                sums: Some(s.sums),
                check: None,
                fonts: Box::default(),
            });
        }
    }
    let meta = json!({
        "案件编号": case.id,
        "案卷题名": plan::dossier_title(case),
        "立卷单位": cfg.office.name,
        "起止日期": format!("{}-{}", case.arrival.received.compact(), case.close.as_ref().map(|c| c.date.compact()).unwrap_or_default()),
        "保管期限": retention_of(case, cfg).zh(),
        "结案依据": case.close.as_ref().map(|c| c.basis.zh()),
        "件数": case_items.len(),
        "页数": case_items.iter().map(|i| i.pages).sum::<usize>(),
        "文件": case_items,
    });
    let mut meta_bytes = serde_json::to_vec_pretty(&meta).expect("metadata serialises");
    meta_bytes.push(b'\n');
    payload.push(Payload::spill(
        format!("data/{}/metadata.json", case.id),
        meta_bytes,
        &opts.work,
    )?);
    let rows: Vec<Row> = case_items.iter().map(Row::from).collect();
    let mut g = gathered.lock().map_err(|_| PackError::Io {
        path: opts.work.clone(),
        message: "内部错误 (a worker stopped)".into(),
    })?;
    let g = &mut *g;
    for (mut pl, made_fonts, _) in made {
        pl.fonts = g.fonts.intern(made_fonts)?;
        payload.push(pl);
    }
    g.payload
        .push_group(format!("data/{}/", case.id), payload)
        .map_err(io(&opts.work))?;
    for row in &rows {
        g.rows.push(row).map_err(io(&opts.work))?;
    }
    Ok(())
}

fn make_dossier_papers(
    case: &Case,
    ps: &[Filed],
    renderer: &Renderer,
    opts: &Options,
    hashes: &FontHashes,
    work: &Path,
) -> Result<Vec<Made>, PackError> {
    let cfg = opts.config;
    let base = plan::base_context(case, cfg, None);
    let codes: Vec<ArchiveCode> = ps.iter().filter_map(|p| p.code.clone()).collect();
    let first = codes.first().map(|c| c.to_string()).unwrap_or_default();
    let last = codes
        .last()
        .map(|c| format!("{:04}", c.item))
        .unwrap_or_default();
    let entries: Vec<plan::ContentsEntry> = ps
        .iter()
        .map(|p| plan::ContentsEntry {
            job: &p.job,
            pages: p.pages,
            code: p.code.clone(),
        })
        .collect();
    let (items, total) = plan::contents_items(case, &entries);
    let dir = work.join(&case.id);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let mut out = Vec::new();
    for (kind, file) in [
        (Kind::Cover, "案卷封面.pdf"),
        (Kind::Contents, "卷内文件目录.pdf"),
        (Kind::Notes, "备考表.pdf"),
    ] {
        let job = Job {
            kind,
            seq: 0,
            file_name: file.into(),
            title: kind.name().into(),
            number: None,
            date: opts.date,
            delivery: None,
            incoming: None,
        };
        let mut ctx = base.clone();
        let map = ctx.as_object_mut().expect("object");
        map.insert(
            "paper".into(),
            json!({"kind": kind.name(), "title": kind.name(), "number": "", "date": opts.date, "file": file, "seq": 0}),
        );
        map.insert("items".into(), Value::Array(items.clone()));
        map.insert("total_pages".into(), json!(total));
        map.insert(
            "archive".into(),
            json!({
                "first": first,
                "last": last,
                "range": if codes.len() > 1 { format!("{first}～{last}") } else { first.clone() },
                "retention_code": codes.first().map(|c| c.retention.code()),
                "year": codes.first().map(|c| c.year),
            }),
        );
        let r = renderer.render_job(case, &job, &ctx)?;
        let rel = format!("data/{}/{file}", case.id);
        let path = dir.join(file);
        std::fs::write(&path, &r.pdf).map_err(io(&path))?;
        let fonts = hashes.fonts(&r).map_err(|m| PackError::Io {
            path: path.clone(),
            message: m,
        })?;
        let digests = Digests::of(&r.pdf);
        if let Some((sk, pk)) = opts.keys {
            // No time in what pack signs: the package stays byte-identical on re-runs
            // (its date is the 整理日期 in bag-info and the metadata).
            let binding = Binding {
                case: case.id.clone(),
                paper: kind.name().into(),
                file: file.into(),
                sha256: digests.sha256.clone(),
                time: None,
            };
            let sig = sign::sign(sk, Some(pk), &r.pdf, &binding)?;
            // Beside the paper in the work folder, not held until the zip.
            let sig_path = sign::sig_path(&path);
            std::fs::write(&sig_path, sig.as_bytes()).map_err(io(&sig_path))?;
            out.push((
                Payload {
                    rel: format!("{rel}.{}", sign::SIG_EXT).into(),
                    size: sig.len() as u64,
                    source: Source::Made,
                    sums: Some(Sums::of_bytes(sig.as_bytes())),
                    check: None,
                    fonts: Box::default(),
                },
                Vec::new(),
                0,
            ));
        }
        out.push((
            Payload {
                rel: rel.into(),
                size: r.pdf.len() as u64,
                source: Source::Made,
                sums: Some(Sums::of(&digests)),
                check: None,
                fonts: Box::default(),
            },
            fonts,
            r.pages,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::zipout::{self, Entry};

    const CASE: &str = "XF-2026-0001";
    const FILE: &str = "01-受理告知书.pdf";
    const PAPER: &str = "受理告知书";

    /// Bytes of several read chunks, the last one short.
    fn paper_bytes() -> Vec<u8> {
        (0..700 * 1024 + 17).map(|i| (i * 7 % 251) as u8).collect()
    }

    fn check(data: &[u8], sig: Option<(String, String)>) -> Check {
        Check {
            case: CASE.into(),
            file: FILE.into(),
            paper: PAPER.into(),
            recorded_sha256: Digests::of(data).sha256,
            sniffed: None,
            sig,
        }
    }

    fn date() -> Date {
        Date::parse("2026-12-31").unwrap()
    }

    /// Streams `path` through [`read_paper`] into a one-entry zip; returns
    /// what it gave and the zip as far as it was written.
    fn stream(
        path: &Path,
        size: u64,
        check: &Check,
        keys: SigCheck,
    ) -> (Result<Digests, Streamed>, Vec<u8>) {
        let mut z = ZipWriter::new(std::io::Cursor::new(Vec::new()), date()).unwrap();
        let shown = path.display().to_string();
        let r = read_paper(path, size, check, keys, &mut |r| {
            z.add_from("t/data/x.pdf", size, r, &shown)
        });
        let bytes = match &r {
            Ok(_) => z.finish().unwrap().into_inner(),
            Err(_) => Vec::new(),
        };
        (r, bytes)
    }

    fn refusal(r: Result<Digests, Streamed>) -> Refusal {
        match r {
            Err(Streamed::Refused(r)) => r,
            Err(Streamed::Zip(e)) => panic!("not a refusal: {e}"),
            Ok(_) => panic!("not refused"),
        }
    }

    fn unsigned() -> SigCheck<'static> {
        SigCheck {
            public: None,
            required: false,
        }
    }

    #[test]
    fn a_paper_streams_once_with_its_digests_and_the_zip_write_gives() {
        let dir = tempfile::tempdir().unwrap();
        let data = paper_bytes();
        let path = dir.path().join(FILE);
        std::fs::write(&path, &data).unwrap();
        let (r, zip) = stream(&path, data.len() as u64, &check(&data, None), unsigned());
        let digests = r.ok().expect("streams");
        assert_eq!(digests, Digests::of(&data));
        let expected = zipout::write(
            std::io::Cursor::new(Vec::new()),
            vec![Entry {
                name: "t/data/x.pdf".into(),
                content: Content::Bytes(data),
            }],
            date(),
            &|_| {},
        )
        .unwrap()
        .into_inner();
        assert!(zip == expected, "the same bytes as zipout::write");
    }

    #[test]
    fn a_signed_paper_is_verified_from_the_bytes_it_streams() {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let data = paper_bytes();
        let path = dir.path().join(FILE);
        std::fs::write(&path, &data).unwrap();
        let signed = |case: &str, paper: &str| {
            let b = Binding {
                case: case.into(),
                paper: paper.into(),
                file: FILE.into(),
                sha256: Digests::of(&data).sha256,
                time: None,
            };
            let text = sign::sign(&kp.sk, Some(&kp.pk), &data, &b).unwrap();
            Some((text, b.comment()))
        };
        let keys = SigCheck {
            public: Some(&kp.pk),
            required: true,
        };
        let size = data.len() as u64;
        let (r, _) = stream(&path, size, &check(&data, signed(CASE, PAPER)), keys);
        assert!(r.is_ok(), "a good signature verifies");
        // Bound to another case: named as such.
        let r = refusal(
            stream(
                &path,
                size,
                &check(&data, signed("XF-2026-0002", PAPER)),
                keys,
            )
            .0,
        );
        assert_eq!(r.reason, Reason::WrongPaper, "{r}");
        // Another key's signature.
        let other = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let keys = SigCheck {
            public: Some(&other.pk),
            required: true,
        };
        let r = refusal(stream(&path, size, &check(&data, signed(CASE, PAPER)), keys).0);
        assert_eq!(r.reason, Reason::BadSignature, "{r}");
    }

    /// `fonts.json` written from the font table and the sorted payload has the
    /// bytes of the record built as a JSON value (as it was before).
    #[test]
    fn the_font_record_is_the_json_value_it_was() {
        let font = |family: &str, file: &str| FontFile {
            family: family.into(),
            file: file.into(),
            sha256: Digests::of(file.as_bytes()).sha256,
        };
        let (a, b, c) = (
            font("Noto Serif CJK SC", "NotoSerifCJK-Regular.ttc"),
            font("Noto Sans CJK SC", "NotoSansCJK-Bold.ttc"),
            font("unused", "unused.ttf"),
        );
        let mut table = FontTable::default();
        let entry = |rel: &str, fonts: Box<[u16]>| Payload {
            rel: rel.into(),
            size: 0,
            source: Source::Spilled,
            sums: None,
            check: None,
            fonts,
        };
        // (Through the payload list as pack keeps it: groups pushed out of order.)
        let dir = tempfile::tempdir().unwrap();
        let mut payload = PayloadList::new(dir.path()).unwrap();
        let xf2 = table.intern(vec![a.clone()]).unwrap();
        payload
            .push_group("data/XF-2/".into(), vec![entry("data/XF-2/a.pdf", xf2)])
            .unwrap();
        let xf1 = table.intern(vec![b.clone(), a.clone(), b.clone()]).unwrap();
        payload
            .push_group(
                "data/XF-1/".into(),
                vec![
                    entry("data/XF-1/a.pdf.minisig", Box::default()),
                    entry("data/XF-1/a.pdf", xf1),
                ],
            )
            .unwrap();
        let catalogue = table.intern(vec![b.clone()]).unwrap();
        payload
            .push(entry("data/归档文件目录-2026-Y.pdf", catalogue))
            .unwrap();
        table.intern(vec![c]).unwrap();
        payload.sort();
        let mut ours = Vec::new();
        write_fonts_json(&table, &|each| payload.each(each), &mut ours).unwrap();
        let mut used: BTreeMap<FontFile, BTreeSet<String>> = BTreeMap::new();
        for (f, rel) in [
            (&a, "data/XF-2/a.pdf"),
            (&b, "data/XF-1/a.pdf"),
            (&a, "data/XF-1/a.pdf"),
            (&b, "data/归档文件目录-2026-Y.pdf"),
        ] {
            used.entry(f.clone()).or_default().insert(rel.to_string());
        }
        let record = json!({
            "说明": FONTS_NOTE,
            "字体": used.iter().map(|(f, users)| json!({
                "字体名称": f.family,
                "文件名": f.file,
                "SHA-256": f.sha256,
                "文件": users,
            })).collect::<Vec<_>>(),
        });
        let mut theirs = serde_json::to_vec_pretty(&record).unwrap();
        theirs.push(b'\n');
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(theirs).unwrap()
        );
    }

    /// The catalogue from rows kept in the work folder has the bytes of the
    /// catalogue of rows held in memory and sorted by their parsed codes (as
    /// before): JSON and CSV, with codes of two series, out of order, and one
    /// that does not parse.
    #[test]
    fn spilled_rows_give_the_catalogue_of_rows_in_memory() {
        let row = |code: &str, title: &str| {
            let c = ArchiveCode::parse(code).ok();
            Row {
                no: 0,
                code: code.into(),
                number: String::new(),
                author: "青溪县信访局".into(),
                title: title.into(),
                date: "20261231".into(),
                secrecy: "无".into(),
                pages: title.len(),
                remarks: String::new(),
                case: "XF-2026-0001".into(),
                kind: "受理告知书".into(),
                file: "01-受理告知书.pdf".into(),
                location: "data/XF-2026-0001/01-受理告知书.pdf".into(),
                year: c.as_ref().map(|c| c.year).unwrap_or(0),
                item: c.as_ref().map(|c| c.item).unwrap_or(0),
            }
        };
        let input = vec![
            row("X012-WS·2026-Y-XFB-0002", "乙"),
            row("X012-WS·2026-D30-XFB-0010", "丙, \"quoted\""),
            row("not a code", "坏"),
            row("X012-WS·2026-D30-XFB-0002", "丁"),
            row("X012-WS·2026-Y-XFB-0001", "甲"),
            row("X012-WS·2026-D30-XFB-0002", "戊 (same code, kept in order)"),
        ];
        let dir = tempfile::tempdir().unwrap();
        let mut rows = Rows::new(dir.path()).unwrap();
        for r in &input {
            rows.push(r).unwrap();
        }
        rows.sort();
        let mut items = input.clone();
        items.sort_by_cached_key(|r| ArchiveCode::parse(&r.code).ok());
        for (i, it) in items.iter_mut().enumerate() {
            it.no = i + 1;
        }
        fn header<I: serde::Serialize>(count: usize, items: I) -> Catalogue<I> {
            Catalogue {
                title: "目录".into(),
                office: "青溪县".into(),
                fonds: "X012".into(),
                years: vec![2026],
                date: "2026-12-31".into(),
                cases: 1,
                count,
                pages: 9,
                items,
            }
        }
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        header(input.len(), RowsInOrder(&rows))
            .write_json(&mut ours)
            .unwrap();
        header(input.len(), items.clone())
            .write_json(&mut theirs)
            .unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(theirs).unwrap()
        );
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        catalogue::write_csv_rows((0..rows.keys.len()).map(|i| rows.get(i)), &mut ours).unwrap();
        catalogue::write_csv(&items, &mut theirs).unwrap();
        assert_eq!(ours, theirs);
        for (i, it) in items.iter().enumerate() {
            let r = rows.get(i).unwrap();
            assert_eq!(
                (r.no, r.year, r.item, &r.code),
                (it.no, it.year, it.item, &it.code)
            );
        }
    }

    /// A payload as text, every field, to compare what the list gives back.
    fn shown(p: &Payload) -> String {
        let source = match &p.source {
            Source::Paper => "paper".to_string(),
            Source::Made => "made".to_string(),
            Source::Spilled => "spilled".to_string(),
            Source::At(path) => format!("at {}", path.display()),
            Source::Blob(a, l) => format!("blob {a} {l}"),
        };
        let sums = |s: Option<&Sums>| s.map(|s| s.hex(Alg::Sm3)).unwrap_or_default();
        let check = p.check.as_ref().map(|c| {
            format!(
                "{} {} {} {:?}",
                c.paper,
                c.recorded_sha256,
                sums(c.sniffed.as_ref()),
                c.sig
            )
        });
        format!(
            "{} {} {source} {} {check:?} {:?}",
            p.rel,
            p.size,
            sums(p.sums.as_ref()),
            p.fonts
        )
    }

    /// The payload list kept on disk gives back every file, every field, in
    /// name order across groups: case folders whose names are prefixes of
    /// one another, and files at the top of `data/` beside them.
    #[test]
    fn the_payload_list_gives_back_every_file_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut list = PayloadList::new(dir.path()).unwrap();
        let file = |rel: &str, source: Source, n: u8| Payload {
            rel: rel.into(),
            size: n as u64 * 1000,
            source,
            sums: n.is_multiple_of(2).then_some(Sums([n; 64])),
            check: n.is_multiple_of(3).then(|| {
                Box::new(PaperCheck {
                    paper: "受理告知书".into(),
                    recorded_sha256: format!("{n:064x}").into(),
                    sniffed: (!n.is_multiple_of(2)).then_some(Sums([n + 1; 64])),
                    sig: Some((n as u64, 7)),
                })
            }),
            fonts: vec![n as u16, 3].into_boxed_slice(),
        };
        let mut all = Vec::new();
        let mut n = 0u8;
        for (key, names) in [
            ("data/X-1a/", vec!["b.pdf", "a.pdf", "a.pdf.minisig"]),
            (
                "data/X-1/",
                vec!["metadata.json", "01-甲.pdf", "01-甲.pdf.minisig"],
            ),
            ("data/X-10/", vec!["来件.png"]),
        ] {
            let mut group = Vec::new();
            for name in names {
                n += 1;
                let source = match n % 5 {
                    0 => Source::Paper,
                    1 => Source::Made,
                    2 => Source::Spilled,
                    3 => Source::At(Path::new("originals/扫描 1.pdf").into()),
                    _ => Source::Blob(n as u64 * 10, 99),
                };
                let p = file(&format!("{key}{name}"), source, n);
                all.push(shown(&p));
                group.push(p);
            }
            list.push_group(key.into(), group).unwrap();
        }
        for rel in ["data/catalogue.json", "data/X-1.pdf", "data/备考表.pdf"] {
            n += 1;
            let p = file(rel, Source::Spilled, n);
            all.push(shown(&p));
            list.push(p).unwrap();
        }
        list.sort();
        let mut back = Vec::new();
        list.each(&mut |p| back.push((p.rel.to_string(), shown(p))))
            .unwrap();
        let mut names: Vec<String> = back.iter().map(|(r, _)| r.clone()).collect();
        let given = names.clone();
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        assert_eq!(given, names, "name order across groups");
        let mut back: Vec<String> = back.into_iter().map(|(_, s)| s).collect();
        back.sort();
        all.sort();
        assert_eq!(back, all);
        assert_eq!(list.files, 10);
        assert_eq!(list.bytes, (1..=10u64).map(|n| n * 1000).sum::<u64>());
        // A file outside its group is an error, not a misplaced entry.
        assert!(list
            .push_group(
                "data/X-2/".into(),
                vec![file("data/X-3/a.pdf", Source::Made, 1)]
            )
            .is_err());
    }

    /// What pass 1 keeps of each paper on disk comes back as it went in, case
    /// by case, received files and signatures included.
    #[test]
    fn the_kept_store_gives_back_each_case_as_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = KeptStore::new(dir.path()).unwrap();
        let paper = |n: u8| Kept {
            size: 1000 + n as u64,
            pages: n as usize,
            recorded_sha256: format!("{n:064x}"),
            fonts: vec![n as u16, 7].into_boxed_slice(),
            signed_at: n
                .is_multiple_of(2)
                .then(|| format!("2026-03-0{n}T10:00:00+08:00")),
            sig: (n != 3).then_some((n as u64 * 100, 180)),
            item: 40 + n as u32,
            received: None,
        };
        let scan = Kept {
            received: Some(Received {
                path: PathBuf::from("originals/复查意见 扫描.tif"),
                file_name: "05-复查意见书.tif".into(),
                pages: 3,
                size: 123_456,
                digests: Digests::of(b"scan"),
                format: crate::case::original::Format::Tiff,
            }),
            sig: None,
            signed_at: None,
            ..paper(5)
        };
        let cases: Vec<Vec<Kept>> = vec![
            vec![paper(1), paper(2), scan],
            vec![],
            vec![paper(3), paper(4)],
        ];
        for c in &cases {
            store.push(c).unwrap();
        }
        for (i, c) in cases.iter().enumerate().rev() {
            assert_eq!(&store.get(i).unwrap(), c, "case {i}");
        }
        assert!(store.get(3).is_err(), "no fourth case");
    }

    /// Manifest lines are written in name order, each once its digests are
    /// known, whatever order the digests come in.
    #[test]
    fn manifest_lines_wait_for_the_digests_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut lines = ManifestLines::new(dir.path()).unwrap();
        let s = |n: u8| Sums([n; 64]);
        lines.expect(0, "data/a", Some(s(1)));
        lines.expect(1, "data/b c\n", None);
        lines.expect(2, "data/c", Some(s(3)));
        lines.expect(3, "data/d", None);
        lines.write_ready().unwrap();
        assert_eq!(lines.first, 1, "only the first is ready");
        lines.found(3, s(4));
        lines.write_ready().unwrap();
        assert_eq!(lines.first, 1, "the second still waits");
        lines.found(1, s(2));
        // (A late answer for a line already written changes nothing.)
        lines.found(0, s(9));
        lines.write_ready().unwrap();
        assert!(lines.waiting.is_empty());
        let tags = lines.finish(dir.path()).unwrap();
        let mut text = String::new();
        for (alg, tag) in tags {
            let Tag::File(mut f, size, d) = tag else {
                panic!("a file")
            };
            use std::io::{Read as _, Seek as _};
            f.seek(std::io::SeekFrom::Start(0)).unwrap();
            let mut t = String::new();
            f.read_to_string(&mut t).unwrap();
            assert_eq!(t.len() as u64, size);
            assert_eq!(Digests::of(t.as_bytes()), d);
            if alg == Alg::Sha256 {
                text = t;
            }
        }
        let want: String = [
            (1, "data/a"),
            (2, "data/b c\n"),
            (3, "data/c"),
            (4, "data/d"),
        ]
        .iter()
        .map(|(n, p)| format!("{}  {}\n", s(*n).hex(Alg::Sha256), bag::encode_path(p)))
        .collect();
        assert_eq!(text, want);
        // A file whose digests never came stops the package.
        let mut lines = ManifestLines::new(dir.path()).unwrap();
        lines.expect(0, "data/a", None);
        lines.write_ready().unwrap();
        assert!(lines.finish(dir.path()).is_err());
    }

    /// A case whose file changed after it was checked is refused when it is
    /// read again, not packed as it now is.
    #[test]
    fn a_case_changed_after_it_was_checked_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-office/cases");
        let first = crate::case::collect_files(&[cases]).unwrap()[0].clone();
        let path = dir.path().join(first.file_name().unwrap());
        std::fs::copy(&first, &path).unwrap();
        let files = [path];
        let loaded = crate::case::load(&files[0]).unwrap().unwrap();
        let r = CaseRef::of(&loaded);
        let cfg = Config::builtin();
        assert_eq!(r.load(&cfg).unwrap().id, loaded.case.id);
        let mut text = std::fs::read_to_string(&files[0]).unwrap();
        text.push_str("\n# 改动\n");
        std::fs::write(&files[0], text).unwrap();
        let refusal = r.load(&cfg).unwrap_err();
        assert_eq!(refusal.reason, Reason::CaseChanged);
        assert_eq!(refusal.case, loaded.case.id);
        assert!(refusal.detail.contains("被修改"), "{}", refusal.detail);
    }

    /// Signatures kept in the blob file come back as they went in.
    #[test]
    fn blobs_give_back_what_they_keep() {
        let dir = tempfile::tempdir().unwrap();
        let mut blobs = Blobs::new(dir.path()).unwrap();
        let one = blobs.put(b"untrusted comment: one\n").unwrap();
        let two = blobs.put(b"").unwrap();
        let three = blobs.put("签名 three".as_bytes()).unwrap();
        assert_eq!(blobs.get(three).unwrap(), "签名 three".as_bytes());
        assert_eq!(blobs.get(one).unwrap(), b"untrusted comment: one\n");
        assert_eq!(blobs.get(two).unwrap(), b"");
        drop(blobs);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let d = Digests::of(b"x");
        assert_eq!(Sums::of(&d).digests(), d);
    }

    #[test]
    fn a_paper_changed_or_gone_after_planning_is_a_located_refusal() {
        let dir = tempfile::tempdir().unwrap();
        let data = paper_bytes();
        let path = dir.path().join(FILE);
        let planned = data.len() as u64;
        let c = check(&data, None);
        let located = |r: &Refusal, reason: Reason| {
            assert_eq!(r.reason, reason, "{r}");
            assert_eq!(r.case, CASE);
            assert_eq!(r.file.as_deref(), Some(FILE));
            assert!(!reason.remedy().is_empty());
        };
        // Grown, shrunk: the size the zip's header already gives is not met.
        for len in [data.len() + 1, data.len() - 1, 0] {
            let mut other = data.clone();
            other.resize(len, b'x');
            std::fs::write(&path, &other).unwrap();
            let r = refusal(stream(&path, planned, &c, unsigned()).0);
            located(&r, Reason::Changed);
            assert!(r.detail.contains("打包过程中被改动"), "{r}");
        }
        // The same size, other bytes: not what was rendered.
        let mut other = data.clone();
        other[1000] ^= 1;
        std::fs::write(&path, &other).unwrap();
        located(
            &refusal(stream(&path, planned, &c, unsigned()).0),
            Reason::Changed,
        );
        // Gone.
        std::fs::remove_file(&path).unwrap();
        located(
            &refusal(stream(&path, planned, &c, unsigned()).0),
            Reason::MissingPaper,
        );
        // A received file whose bytes are not those identified.
        std::fs::write(&path, &other).unwrap();
        let received = Check {
            sniffed: Some(Digests::of(&data)),
            ..check(&data, None)
        };
        located(
            &refusal(stream(&path, planned, &received, unsigned()).0),
            Reason::BadOriginal,
        );
        // Only checked (a refused package): the same refusals, nothing written.
        let shown = path.display().to_string();
        let r = read_paper(&path, planned, &c, unsigned(), &mut |r| {
            drain(r, planned, &shown)
        });
        located(&refusal(r), Reason::Changed);
    }
}
