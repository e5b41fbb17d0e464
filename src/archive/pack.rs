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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use minisign::{PublicKey, SecretKey};
use rayon::prelude::*;
use serde_json::{json, Value};

use super::bag::{self, Alg, BagInfo, Digests, Manifest};
use super::catalogue::{self, Action, Catalogue, Item, Row};
use super::code::{ArchiveCode, Register};
use super::zipout::{Content, ZipOutError, ZipWriter};
use crate::case::date::Date;
use crate::case::model::Case;
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
    payload: Vec<Payload>,
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
    fonts: Vec<FontFile>,
    sig: Option<SigFile>,
    code: Option<ArchiveCode>,
    /// A received file (a paper of another body, or an incoming paper): its
    /// format; filed byte for byte, with no render record and no office signature.
    received: Option<crate::case::original::Format>,
}

struct SigFile {
    text: String,
    key_id: String,
    comment: String,
    /// 签名时间 as the render record has it (the trusted comment's comes first).
    recorded_time: Option<String>,
}

impl SigFile {
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

/// A payload file: its place in `data/` and its bytes.
struct Payload {
    rel: String,
    content: Content,
    /// Known for what is made here; for a paper, found as it streams into the
    /// zip (empty until then).
    digests: Digests,
    /// A paper: what its bytes must be, checked as they stream.
    check: Option<Check>,
}

impl Payload {
    /// Small generated files (signatures) stay in memory.
    fn bytes(rel: String, data: Vec<u8>) -> Payload {
        Payload {
            rel,
            digests: Digests::of(&data),
            content: Content::Bytes(data),
            check: None,
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
            rel: rel.to_string(),
            content: Content::File { path, size },
            digests,
            check: None,
        })
    }

    /// Larger generated files (metadata, catalogues) go to the work folder, so
    /// that memory does not grow with the bundle.
    fn spill(rel: String, data: Vec<u8>, work: &Path) -> Result<Payload, PackError> {
        let path = work.join(rel.replace('/', "__"));
        std::fs::write(&path, &data).map_err(io(&path))?;
        Ok(Payload {
            digests: Digests::of(&data),
            content: Content::File {
                path,
                size: data.len() as u64,
            },
            rel,
            check: None,
        })
    }
}

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
pub fn prepare(
    cases: Vec<Case>,
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
    // (Taken by value: a 5,000-case bundle should not hold two copies of the cases.)
    let mut chosen: Vec<Case> = match opts.scope {
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
            .filter(|c| c.close.as_ref().is_some_and(|cl| cl.date.year() == y))
            .collect(),
    };
    for c in &mut chosen {
        if c.office.is_none() {
            c.office = Some(cfg.office.name.clone());
        }
    }
    // Filing order of cases: by the date closed, then case number.
    chosen.sort_by(|a, b| {
        let da = a.close.as_ref().map(|c| c.date);
        let db = b.close.as_ref().map(|c| c.date);
        da.cmp(&db).then_with(|| a.id.cmp(&b.id))
    });
    if chosen.is_empty() && refusals.is_empty() {
        return Err(PackError::Nothing(match opts.scope {
            Scope::Year(y) => format!("{y} 年没有办结的案件 (no case closed in {y})"),
            Scope::Case => "没有案件".into(),
        }));
    }

    // 1. Every paper the record calls for is there, recorded and (if asked) signed.
    progress("检查文书 (checking papers)");
    let mut filed: Vec<Vec<Filed>> = Vec::with_capacity(chosen.len());
    for case in &chosen {
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
                let loaded =
                    crate::case::original::load(&opts.root, rel).and_then(|(path, bytes)| {
                        let sniffed = crate::case::original::sniff(&bytes)?;
                        Ok((path, sniffed, bytes.len() as u64, Digests::of(&bytes)))
                    });
                match loaded {
                    Err(m) => refusals.push(refuse(Reason::BadOriginal, m)),
                    Ok((path, sniffed, size, digests)) => {
                        let mut job = job.clone();
                        // Named like the other items, with the format's extension.
                        let stem = job
                            .file_name
                            .rsplit_once('.')
                            .map(|(s, _)| s.to_string())
                            .unwrap_or_else(|| job.file_name.clone());
                        job.file_name = format!("{stem}.{}", sniffed.format.ext());
                        papers.push(Filed {
                            job,
                            path,
                            pages: sniffed.pages,
                            size,
                            recorded_sha256: String::new(),
                            sniffed: Some(digests),
                            fonts: Vec::new(),
                            sig: None,
                            code: None,
                            received: Some(sniffed.format),
                        });
                    }
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
                Ok(text) => match sign::SigBox::parse(&text) {
                    Ok(b) => Some(SigFile {
                        key_id: b.key_id(),
                        comment: b.trusted_comment.clone(),
                        text,
                        recorded_time: rec.signed_at.clone(),
                    }),
                    Err(e) => {
                        refusals.push(refuse(Reason::BadSignature, e.to_string()));
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
                fonts: rec.fonts.clone(),
                sig,
                code: None,
                received: None,
            });
        }
        filed.push(papers);
    }
    if !refusals.is_empty() {
        return Err(PackError::Refused(refusals));
    }

    // 2. 档号: registered numbers stay; new cases get the next numbers. (Before
    //    the papers are read: the dossier papers need the codes, not the digests.)
    if let Scope::Year(y) = opts.scope {
        let ids: BTreeSet<&str> = chosen.iter().map(|c| c.id.as_str()).collect();
        for (code, e) in register.entries() {
            if code.year == y && !ids.contains(e.case.as_str()) {
                refusals.push(Refusal {
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
    for (case, ps) in chosen.iter().zip(filed.iter_mut()) {
        let close = case.close.as_ref().expect("chosen cases are closed");
        let template = ArchiveCode {
            fonds: cfg.office.fonds.clone(),
            year: close.date.year(),
            retention: retention_of(case, cfg),
            office: cfg.office.code.clone(),
            item: 1,
        };
        let files: Vec<String> = ps.iter().map(|p| p.job.file_name.clone()).collect();
        match register.assign(&case.id, &files, &template) {
            Ok(codes) => {
                for (p, c) in ps.iter_mut().zip(codes) {
                    if c.series() != template.series() {
                        refusals.push(Refusal {
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
            Err(e) => refusals.push(Refusal {
                case: case.id.clone(),
                file: None,
                reason: Reason::Numbering,
                detail: e.to_string(),
            }),
        }
    }
    // 3. The dossier papers with the codes (Typst, on the render pools). The
    //    papers themselves are read once, later: hashed and checked as they
    //    stream into the zip ([`Prepared::write`]). A package refused for its
    //    numbers is not written, so its papers are read here to name every
    //    problem at once.
    let hashes = FontHashes::default();
    let base_title = match opts.scope {
        Scope::Case => chosen[0].id.clone(),
        Scope::Year(y) => bundle_name(cfg, y),
    };
    let work = &opts.work;
    if !refusals.is_empty() {
        progress("核验文书 (checking the papers)");
        let checks: Vec<(Check, PathBuf, u64)> = filed
            .iter()
            .zip(&chosen)
            .flat_map(|(ps, c)| {
                ps.iter()
                    .map(move |p| (check_of(p, c), p.path.clone(), p.size))
            })
            .collect();
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
    progress("生成案卷封面、卷内文件目录、备考表 (dossier papers)");
    let made: Vec<Result<Vec<Made>, PackError>> = renderer.run_chunked(
        &chosen.iter().zip(filed.iter()).collect::<Vec<_>>(),
        crate::render::CHUNK,
        &|(case, ps)| make_dossier_papers(case, ps, renderer, opts, &hashes, work),
    )?;

    // Every paper signed (and checked, when a key is known)?
    // (Received files carry no office signature: the manifests and the signed
    // tag manifest cover them.)
    let all_signed = filed
        .iter()
        .flatten()
        .all(|p| p.sig.is_some() || p.received.is_some());

    let mut payload: Vec<Payload> = Vec::new();
    let mut made_by_case: Vec<Vec<Made>> = Vec::new();
    for m in made {
        made_by_case.push(m?);
    }

    // 4. Items and metadata.
    progress("编制目录与元数据 (catalogue, metadata)");
    let mut items: Vec<Row> = Vec::new();
    let mut fonts_used: BTreeMap<FontFile, BTreeSet<String>> = BTreeMap::new();
    let sig_rule =
        "minisign（Ed25519，对 BLAKE2b-512 预摘要签名；可信注释绑定案件、文书、文件名与 SHA-256）";
    let pk_text = public_key_line(opts);
    for ((case, ps), made) in chosen.iter().zip(&filed).zip(made_by_case) {
        let mut case_items = Vec::new();
        // The latest served paper of each kind, for the receipts after it.
        let mut served: HashMap<crate::case::model::Paper, String> = HashMap::new();
        for p in ps {
            let code = p.code.clone().expect("numbered");
            let must_serve = p.job.kind.served_paper();
            if let Some(paper) = must_serve {
                served.insert(paper, code.to_string());
            }
            let serves = p
                .job
                .delivery
                .and_then(|d| served.get(&case.deliveries[d].paper).cloned());
            let rel = format!("data/{}/{}", case.id, p.job.file_name);
            for f in &p.fonts {
                fonts_used.entry(f.clone()).or_default().insert(rel.clone());
            }
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
                format: match p.received {
                    Some(f) => f.label().into(),
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
                rel: rel.clone(),
                content: Content::File {
                    path: p.path.clone(),
                    size: p.size,
                },
                digests: Digests {
                    sha256: String::new(),
                    sm3: String::new(),
                },
                check: Some(check_of(p, case)),
            });
            if let Some(s) = &p.sig {
                payload.push(Payload::bytes(
                    format!("{rel}.minisig"),
                    s.text.clone().into_bytes(),
                ));
            }
        }
        for (pl, fonts, _) in made {
            for f in fonts {
                fonts_used.entry(f).or_default().insert(pl.rel.clone());
            }
            payload.push(pl);
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
            work,
        )?);
        items.extend(case_items.iter().map(Row::from));
    }
    // From here on only the rows and the payload list are needed.
    let n_cases = chosen.len();
    let first_id = chosen[0].id.clone();
    let first_title = plan::dossier_title(&chosen[0]);
    drop(filed);
    drop(chosen);
    items.sort_by_cached_key(|r| ArchiveCode::parse(&r.code).ok());
    for (i, it) in items.iter_mut().enumerate() {
        it.no = i + 1;
    }
    let pages: usize = items.iter().map(|i| i.pages).sum();
    let mut years: Vec<i32> = items.iter().map(|i| i.year).collect();
    years.sort();
    years.dedup();
    let catalogue = Catalogue {
        title: format!("{}归档文件目录", cfg.office.name),
        office: cfg.office.name.clone(),
        fonds: cfg.office.fonds.clone(),
        years: years.clone(),
        date: opts.date.to_string(),
        cases: n_cases,
        count: items.len(),
        pages,
        items,
    };
    payload.push(Payload::spill_with("data/catalogue.json", work, &|w| {
        catalogue.write_json(w)
    })?);
    payload.push(Payload::spill_with("data/catalogue.csv", work, &|w| {
        catalogue::write_csv(&catalogue.items, w).map_err(std::io::Error::other)
    })?);
    // The printed catalogue: one volume per series, at most VOLUME rows each, so
    // that no single compile grows with the size of the bundle.
    let mut series: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for it in &catalogue.items {
        let prefix = ArchiveCode::parse(&it.code)
            .map(|c| c.prefix())
            .unwrap_or_default();
        series.entry(prefix).or_default().push(it);
    }
    let ranges: Vec<SeriesRange> = series
        .iter()
        .map(|(prefix, rows)| SeriesRange {
            prefix: prefix.clone(),
            count: rows.len(),
            pages: rows.iter().map(|r| r.pages).sum(),
            first: rows.first().map(|r| r.code.clone()).unwrap_or_default(),
            last: rows.last().map(|r| r.code.clone()).unwrap_or_default(),
        })
        .collect();
    let mut volumes: Vec<(String, String, Vec<&Row>)> = Vec::new();
    for (prefix, rows) in &series {
        let n = rows.len().div_ceil(VOLUME);
        for (v, chunk) in rows.chunks(VOLUME).enumerate() {
            let label = if n > 1 {
                format!("{prefix}（第{}册）", v + 1)
            } else {
                prefix.clone()
            };
            let retention = ArchiveCode::parse(&chunk[0].code)
                .map(|c| c.retention.code())
                .unwrap_or("X");
            let file = if n > 1 {
                format!(
                    "归档文件目录-{}-{}-{:02}.pdf",
                    chunk[0].year,
                    retention,
                    v + 1
                )
            } else {
                format!("归档文件目录-{}-{}.pdf", chunk[0].year, retention)
            };
            volumes.push((file, label, chunk.to_vec()));
        }
    }
    let office_ctx = office_context(cfg);
    // Each volume is written to the work folder as soon as it is made.
    let rendered: Vec<Result<(Payload, Vec<FontFile>), PackError>> =
        renderer.run_chunked(&volumes, 2, &|(file, label, rows)| {
            // ASCII keys for the template (Tera cannot index by a non-ASCII key).
            let rows_ctx: Vec<Value> = rows
                .iter()
                .map(|r| {
                    json!({
                        "no": r.no, "item": format!("{:04}", r.item), "code": r.code, "number": r.number, "author": r.author,
                        "title": r.title, "date": r.date, "secrecy": r.secrecy, "pages": r.pages,
                        "case": r.case,
                    })
                })
                .collect();
            let ctx = json!({
                "office": office_ctx,
                "series": label,
                "date": opts.date,
                "items": rows_ctx,
                "pages": rows.iter().map(|r| r.pages).sum::<usize>(),
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
        let (p, fonts) = r?;
        for f in fonts {
            fonts_used.entry(f).or_default().insert(p.rel.clone());
        }
        payload.push(p);
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
        let (p, fonts) = spill_made(
            "data/备考表.pdf".into(),
            renderer.render_doc(&doc, &ctx)?,
            &hashes,
            work,
        )?;
        for f in fonts {
            fonts_used.entry(f).or_default().insert(p.rel.clone());
        }
        payload.push(p);
    }
    // The font record: every font file that made a paper in this package.
    let fonts_json = json!({
        "说明": "制作本包内各 PDF 所用的字体文件（文件名与 SHA-256）及使用它们的文件",
        "字体": fonts_used.iter().map(|(f, users)| json!({
            "字体名称": f.family,
            "文件名": f.file,
            "SHA-256": f.sha256,
            "文件": users,
        })).collect::<Vec<_>>(),
    });
    let mut fonts_bytes = serde_json::to_vec_pretty(&fonts_json).expect("fonts serialise");
    fonts_bytes.push(b'\n');
    payload.push(Payload::spill("data/fonts.json".into(), fonts_bytes, work)?);

    // 5. bag-info: counts and sizes only, known now (it is the zip's first
    //    entry). The manifests, the handoff form and the tag manifests sort
    //    after the payload and are made as the payload streams into the zip,
    //    each paper read once ([`Prepared::write`]).
    progress("编制 bag-info (bag info)");
    payload.sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    let bytes: u64 = payload.iter().map(|p| p.content.len()).sum();
    let name = match opts.scope {
        Scope::Case => first_id.clone(),
        Scope::Year(y) => bundle_name(cfg, y),
    };
    let summary = Summary {
        cases: n_cases,
        items: catalogue.count,
        pages,
        files: payload.len(),
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
    info.push("Payload-Oxum", bag::oxum(bytes, payload.len()));
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
        self.head.iter().map(|(_, b)| b.len() as u64).sum::<u64>()
            + self.payload.iter().map(|p| p.content.len()).sum::<u64>()
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
            mut payload,
            description,
            years,
            all_signed,
        } = self;
        let cfg = opts.config;
        let mut z = ZipWriter::new(out, opts.date)?;
        for (n, data) in &head {
            z.add_bytes(&format!("{name}/{n}"), data)?;
            progress(data.len() as u64);
        }
        // The papers' bytes are hashed on another thread (two hashes on each
        // core) while this one reads and writes the next chunks: reading, which
        // waits on the disk, and hashing overlap. At most 8 chunks in flight.
        let mut refusals: Vec<Refusal> = Vec::new();
        let mut digests: Vec<Option<Digests>> = vec![None; payload.len()];
        std::thread::scope(|scope| -> Result<(), PackError> {
            let (to_hash, rx) = std::sync::mpsc::sync_channel::<ToHash>(8);
            let (buffers_tx, buffers) = std::sync::mpsc::channel::<Vec<u8>>();
            let (done_tx, done) = std::sync::mpsc::channel();
            let keys = opts.sig_check();
            scope.spawn(move || hash_papers(rx, buffers_tx, done_tx, keys));
            let stopped = || std::io::Error::other("摘要线程已停止 (hashing stopped)");
            for (i, p) in payload.iter().enumerate() {
                let entry = format!("{name}/{}", p.rel);
                match (&p.check, &p.content) {
                    (Some(check), Content::File { path, size }) => {
                        let shown = path.display().to_string();
                        let mut feed = |c: &[u8]| {
                            let mut chunk = buffers.try_recv().unwrap_or_default();
                            chunk.clear();
                            chunk.extend_from_slice(c);
                            to_hash.send(ToHash::Chunk(chunk)).map_err(|_| stopped())
                        };
                        to_hash.send(ToHash::Start(i, check)).map_err(|_| {
                            PackError::Zip(ZipOutError::Io {
                                path: shown.clone(),
                                source: stopped(),
                            })
                        })?;
                        let streamed = if refusals.is_empty() {
                            stream_paper(
                                path,
                                *size,
                                check,
                                &mut |r| z.add_from(&entry, *size, r, &shown),
                                &mut feed,
                            )
                        } else {
                            // Refused already: only checked, to name every problem.
                            stream_paper(
                                path,
                                *size,
                                check,
                                &mut |r| drain(r, *size, &shown),
                                &mut feed,
                            )
                        };
                        let _ = to_hash.send(match streamed {
                            Ok(()) => ToHash::End,
                            Err(_) => ToHash::Abort,
                        });
                        match streamed {
                            Ok(()) => {}
                            Err(Streamed::Refused(r)) => refusals.push(r),
                            Err(Streamed::Zip(e)) => return Err(e.into()),
                        }
                    }
                    _ if refusals.is_empty() => z.add(&entry, &p.content)?,
                    _ => continue,
                }
                progress(p.content.len());
                // The papers checked so far.
                for (i, r) in done.try_iter() {
                    match r {
                        Ok(d) => digests[i] = Some(d),
                        Err(r) => refusals.push(r),
                    }
                }
            }
            drop(to_hash);
            for (i, r) in done.iter() {
                match r {
                    Ok(d) => digests[i] = Some(d),
                    Err(r) => refusals.push(r),
                }
            }
            Ok(())
        })?;
        for (p, d) in payload.iter_mut().zip(digests) {
            match d {
                Some(d) => p.digests = d,
                // Every paper read whole was checked, or the package was refused.
                None if p.check.is_some() && refusals.is_empty() => {
                    return Err(PackError::Io {
                        path: p.rel.clone().into(),
                        message: "没有得到摘要 (no digests)".into(),
                    })
                }
                None => {}
            }
        }
        if !refusals.is_empty() {
            refusals.sort_by(|a, b| a.case.cmp(&b.case).then(a.reason.cmp(&b.reason)));
            return Err(PackError::Refused(refusals));
        }

        let mut manifests: BTreeMap<Alg, Manifest> = BTreeMap::new();
        for p in &payload {
            for alg in Alg::ALL {
                manifests
                    .entry(alg)
                    .or_default()
                    .push(&p.rel, p.digests.get(alg));
            }
        }
        drop(payload);
        let manifest_text: BTreeMap<Alg, String> =
            manifests.iter().map(|(a, m)| (*a, m.to_text())).collect();
        summary.manifest_sha256 = Digests::of(manifest_text[&Alg::Sha256].as_bytes()).sha256;
        summary.manifest_sm3 = Digests::of(manifest_text[&Alg::Sm3].as_bytes()).sm3;
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
        let mut tags: Vec<(String, Vec<u8>)> = head;
        tags.push((HANDOFF.into(), handoff.pdf));
        tags.push((HANDOFF_JSON.into(), handoff_json));
        for (alg, text) in &manifest_text {
            tags.push((alg.manifest(), text.clone().into_bytes()));
        }
        let mut tagmanifests: Vec<(String, Vec<u8>)> = Vec::new();
        for alg in Alg::ALL {
            let mut m = Manifest::default();
            for (n, data) in &tags {
                m.push(n, Digests::of(data).get(alg));
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
            tags.push((format!("{n}.{}", sign::SIG_EXT), sig.into_bytes()));
        }
        tags.extend(tagmanifests);

        // After the payload in name order (handoff.json, manifest-*, tagmanifest-*,
        // 移交登记表.pdf all sort after data/): the writer refuses any other order.
        tags.drain(..written);
        tags.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        for (n, data) in &tags {
            z.add_bytes(&format!("{name}/{n}"), data)?;
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

fn check_of(p: &Filed, case: &Case) -> Check {
    Check {
        case: case.id.clone(),
        file: p.job.file_name.clone(),
        paper: p.job.kind.name().to_string(),
        recorded_sha256: p.recorded_sha256.clone(),
        sniffed: p.sniffed.clone(),
        sig: p.sig.as_ref().map(|s| (s.text.clone(), s.comment.clone())),
    }
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
enum ToHash<'a> {
    /// A paper begins: its place in the payload, what to check.
    Start(usize, &'a Check),
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
    let mut current: Option<(usize, &Check, PaperHash)> = None;
    for m in rx {
        match m {
            ToHash::Start(i, check) => current = Some((i, check, PaperHash::new(check))),
            ToHash::Chunk(chunk) => {
                if let Some((_, _, hash)) = &mut current {
                    hash.update(&chunk);
                }
                let _ = buffers.send(chunk);
            }
            ToHash::End => {
                if let Some((i, check, hash)) = current.take() {
                    let _ = done.send((i, hash.finish(check, keys)));
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
            out.push((
                Payload::bytes(format!("{rel}.minisig"), sig.into_bytes()),
                Vec::new(),
                0,
            ));
        }
        out.push((
            Payload {
                rel,
                content: Content::File {
                    path,
                    size: r.pdf.len() as u64,
                },
                digests,
                check: None,
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
