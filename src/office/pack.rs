//! Packing (`anjuan pack case|year`, the desk's 归档): a closed case's dossier, or
//! the year's bundle for the archive, as a BagIt zip in the office's `archive/`.
//! Numbers (档号) come from the office's register, which one pack at a time
//! holds (a lock beside it) and which is saved once the zip is in place.
//!
//! Progress: a `Prepare` stage with a step per phase (checking the papers, the
//! dossier papers, the catalogue), then a `Write` stage counting the zip's
//! bytes, then a last `Step` (`完成 (done)`). Records the package in the audit
//! trail.

use std::path::{Path, PathBuf};

use crate::archive::code::{NumberingError, Register};
use crate::archive::pack::{self as packing, PackError, Refusal, Scope, Summary};
use crate::case;
use crate::case::date::Date;
use crate::fsutil::{write_atomic, WriteError};
use crate::office::output::PackReport;
use crate::office::progress::{Counter, Event, Progress, Stage, Unit};
use crate::office::setup::{self, Look, Passphrase, SetupError};
use crate::render::{RenderError, Renderer};

/// What to pack, and how.
#[derive(Clone, Debug)]
pub struct PackOptions {
    /// An anjuan.toml to use instead of the one found at or above the path.
    pub config: Option<PathBuf>,
    /// One case's dossier, or the year's bundle.
    pub scope: Scope,
    /// The folder the zip goes to (default: the office's `archive/`, `.` without an office).
    pub output: Option<PathBuf>,
    /// Make the package without the office's signature.
    pub unsigned: bool,
    /// The rendered papers (default: `[archive] papers`).
    pub papers: Option<PathBuf>,
    /// 整理日期 and Bagging-Date (default: the latest closing date among the cases).
    pub date: Option<Date>,
    /// Replace an existing package.
    pub force: bool,
    pub look: Look,
    /// Who packs, for the audit trail.
    pub actor: String,
}

/// A package made.
#[derive(Debug)]
pub struct Packed {
    /// The zip written.
    pub package: PathBuf,
    pub summary: Summary,
    pub zip_bytes: u64,
    /// Whether the office names a receiving body (`[archive] receiver`).
    pub receiver_named: bool,
    pub seconds: f64,
}

impl Packed {
    /// The `--json` document (`anjuan-pack/1`).
    pub fn report(&self) -> PackReport {
        let s = &self.summary;
        PackReport {
            schema: "anjuan-pack/1".into(),
            package: self.package.display().to_string(),
            cases: s.cases,
            items: s.items,
            pages: s.pages,
            files: s.files,
            bytes: s.bytes,
            zip_bytes: self.zip_bytes,
            codes: s
                .series
                .iter()
                .map(|r| (r.first.clone(), r.last.clone(), r.count))
                .collect(),
            manifest_sha256: s.manifest_sha256.clone(),
            signed_by: s.signed_by.clone(),
            seconds: self.seconds,
        }
    }
}

/// Why no package was made. [`PackError::Refused`] (inside `Pack`) lists what
/// the clerk must fix in the cases; the rest stop the run itself.
#[derive(Debug, thiserror::Error)]
pub enum PackFlowError {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Pack(#[from] PackError),
    #[error("没有本机关的签名私钥，不能生成接收方会接受的归档包 (no office key: the bundle would be unsigned)")]
    Unsigned,
    #[error("另一个 anjuan pack 正在为这个办公室编号 (another pack holds the register lock): {0}")]
    Busy(PathBuf),
    #[error("pack case 需要一个案件文件 (expects one case file): {0} 中有 {1} 件")]
    OneCase(PathBuf, usize),
    #[error("{path}: {error}")]
    Register {
        path: PathBuf,
        error: NumberingError,
    },
}

impl PackFlowError {
    /// What the user can do about it.
    pub fn remedy(&self) -> Option<std::borrow::Cow<'static, str>> {
        match self {
            PackFlowError::Setup(e) => e.remedy().map(Into::into),
            PackFlowError::Pack(e) => e.remedy().map(Into::into),
            PackFlowError::Unsigned => Some(
                "运行 anjuan key new -o 办公室目录/keys，并在 anjuan.toml 的 [signing] 中写 key = \"keys/anjuan.key\"；确需不签名时加 --unsigned（接收方将报告并拒收）".into(),
            ),
            PackFlowError::Busy(_) => {
                Some("等另一个打包完成后再运行；同一办公室一次只能打包一个".into())
            }
            PackFlowError::OneCase(..) => Some(
                "给出一个案件文件，如 office/cases/XF-2026-0001.toml；整年的案件用 anjuan pack year".into(),
            ),
            PackFlowError::Register { .. } => Some(
                "档号登记簿由 anjuan pack 维护，请勿手工删改；从备份恢复，或请档案部门处理".into(),
            ),
        }
    }

    /// The cases refused and why, when that is what stopped the package.
    pub fn refusals(&self) -> Option<&[Refusal]> {
        match self {
            PackFlowError::Pack(PackError::Refused(r)) => Some(r),
            _ => None,
        }
    }
}

impl From<std::io::Error> for PackFlowError {
    fn from(e: std::io::Error) -> Self {
        PackFlowError::Setup(e.into())
    }
}

impl From<WriteError> for PackFlowError {
    fn from(e: WriteError) -> Self {
        PackFlowError::Setup(e.into())
    }
}

impl From<RenderError> for PackFlowError {
    fn from(e: RenderError) -> Self {
        PackFlowError::Setup(e.into())
    }
}

/// Packs the case file `path` (`Scope::Case`) or the cases of the office at
/// `path` closed in the year (`Scope::Year`). `passphrase` is asked if the
/// office key is encrypted.
pub fn pack(
    path: &Path,
    opts: &PackOptions,
    passphrase: Passphrase<'_>,
    progress: Progress<'_>,
) -> Result<Packed, PackFlowError> {
    let started = std::time::Instant::now();
    let scope = opts.scope;
    let (loaded, files) = setup::office_and_files(
        opts.config.as_deref(),
        std::slice::from_ref(&path.to_path_buf()),
    )?;
    let cfg = &loaded.config;
    let root = loaded.root();
    // Default: the office's archive/ folder (the current folder without an office).
    let default_out = setup::office_place(&loaded, Path::new("archive"), ".");
    let output = opts.output.as_deref().unwrap_or(&default_out);
    if scope == Scope::Case && files.len() != 1 {
        return Err(PackFlowError::OneCase(path.to_path_buf(), files.len()));
    }
    // The year's handoff form names the receiving body: refuse before any work.
    if matches!(scope, Scope::Year(_)) && packing::receiver(cfg).is_none() {
        return Err(PackError::NoReceiver(
            loaded
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from(crate::config::FILE_NAME)),
        )
        .into());
    }
    let rules = setup::rules(&loaded, None);
    // Each case is kept as a small reference (its file, id, date closed and the
    // digest of the text checked): the pack reads it again when it is needed.
    let (checked, refs) =
        case::check_files_keyed(&files, &rules, &packing::CaseRef::of).map_err(SetupError::from)?;
    // Record errors (other than lateness) stop the cases they touch.
    let mut refusals: Vec<Refusal> = Vec::new();
    let broken: Vec<&PathBuf> = checked
        .findings
        .iter()
        .filter(|f| setup::blocks_case(f))
        .map(|f| &f.file)
        .collect();
    let concerned = |c: &packing::CaseRef| match scope {
        Scope::Case => true,
        Scope::Year(y) => c.close.is_some_and(|d| d.year() == y),
    };
    for f in checked.findings.iter().filter(|f| setup::blocks_case(f)) {
        let parsed = refs.iter().find(|r| r.path == f.file);
        // A file that does not parse may hold a case of the year: it stops a bundle.
        if parsed.is_none_or(concerned) {
            progress(Event::Note(f.to_string()));
            refusals.push(Refusal {
                case: parsed
                    .map(|r| r.id.clone())
                    .unwrap_or_else(|| f.file.display().to_string()),
                file: None,
                reason: packing::Reason::RecordErrors,
                detail: f.diag.message.clone(),
            });
        }
    }
    let cases: Vec<packing::CaseRef> = refs
        .into_iter()
        .filter(|r| !broken.contains(&&r.path))
        .collect();
    drop(broken);
    drop(checked);
    if !refusals.is_empty() {
        return Err(PackError::Refused(refusals).into());
    }
    // The name and the final path are known before any work: refuse to overwrite.
    let name = match scope {
        Scope::Case => match cases.first() {
            Some(c) => c.id.clone(),
            None => return Err(SetupError::NoCases(setup::display_paths(&files)).into()),
        },
        Scope::Year(y) => packing::bundle_name(cfg, y),
    };
    let target = output.join(format!("{name}.zip"));
    if target.exists() && !opts.force {
        return Err(SetupError::Exists(target).into());
    }
    let date = opts.date.unwrap_or_else(|| {
        cases
            .iter()
            .filter(|c| concerned(c))
            .filter_map(|c| c.close)
            .max()
            .unwrap_or_else(Date::today)
    });
    // Keys: the office key signs what is made here; its public half checks papers.
    let keys = match &cfg.signing.key {
        Some(rel) => Some(setup::load_key(&root.join(rel), passphrase)?),
        None if cfg.signing.required || !opts.unsigned => return Err(PackFlowError::Unsigned),
        None => {
            progress(Event::Note(
                "警告 (warning): 本包未签名 (--unsigned)：接收方用 --trust 检测时将报告 trust.package-unsigned 并拒收".into(),
            ));
            None
        }
    };
    let public = match (&keys, &cfg.signing.public) {
        (Some((_, pk)), _) => Some(pk.clone()),
        (None, Some(rel)) => Some(setup::read_public_key(&root.join(rel))?),
        (None, None) => None,
    };
    let reg_path = root.join(&cfg.archive.register);
    // One pack at a time per office: numbers are given from the register, so two
    // runs at once could give one number twice. The kernel drops the lock when the
    // process ends, however it ends.
    let _lock = lock_register(&reg_path)?;
    let mut register = match std::fs::read_to_string(&reg_path) {
        Ok(text) => Register::parse(&text).map_err(|error| PackFlowError::Register {
            path: reg_path.clone(),
            error,
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Register::default(),
        Err(_) => return Err(SetupError::Read(reg_path).into()),
    };
    // Its digest, not its text, is kept to compare at the end (the text grows
    // with the cases; the pack holds it for its whole run).
    let before = register_digest(&register.to_text());
    // The work folder and the zip's temporary are in OUTPUT, the register's
    // temporary beside it.
    setup::sweep_stale(
        [output, reg_path.parent().unwrap_or(Path::new("."))],
        progress,
    );
    std::fs::create_dir_all(output)?;
    let work = crate::fsutil::TempDir::new_in(output)?;
    let renderer = Renderer::new(
        cfg,
        &root,
        &setup::render_options(&loaded, &opts.look, None),
    )?;
    let popts = packing::Options {
        config: cfg,
        papers: opts
            .papers
            .clone()
            .unwrap_or_else(|| root.join(&cfg.archive.papers)),
        date,
        keys: keys.as_ref(),
        public: public.as_ref(),
        require_signatures: cfg.signing.required,
        work: work.path().to_path_buf(),
        root: root.clone(),
        scope,
    };
    let to_pack: Vec<packing::CaseRef> = cases.into_iter().filter(|c| concerned(c)).collect();
    let preparing = Counter::start(progress, Stage::Prepare, 0, Unit::Items);
    let prepared = packing::prepare(to_pack, &mut register, &renderer, &popts, &|m| {
        preparing.step(m)
    })?;
    preparing.finish();
    // Streamed to a temporary file beside the target, renamed at the end: an
    // interrupted run leaves nothing at the target path.
    let writing = Counter::start(progress, Stage::Write, prepared.bytes(), Unit::Bytes);
    writing.step("写入 zip (writing)");
    // Its lock is held (the file kept open) until it has been renamed.
    let tmp = crate::fsutil::TempFile::new_in(output)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    let writer = std::io::BufWriter::with_capacity(1 << 20, tmp.file());
    // The papers are read once, hashed and checked as they stream in: a paper
    // found changed or badly signed is refused here, and the temporary dropped.
    let (writer, summary) =
        prepared.write(writer, &renderer, &popts, &|n| writing.advance(n, None))?;
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    let zip_bytes = file.metadata()?.len();
    tmp.persist(&target, opts.force)?;
    writing.finish();
    // Best effort: the zip is in place; a folder left over is swept next time.
    drop(work);
    // The register is saved once the package is in place.
    let after = register.to_text();
    if register_digest(&after) != before {
        write_atomic(&reg_path, after.as_bytes())?;
    }
    progress(Event::Step {
        stage: Stage::Write,
        what: "完成 (done)".into(),
    });
    let s = &summary;
    setup::note(
        &loaded,
        &opts.actor,
        crate::office::audit::AuditAction::Pack,
        &target.display().to_string(),
        &format!(
            "cases {} items {} manifest-sha256 {} {}",
            s.cases,
            s.items,
            s.manifest_sha256,
            match &s.signed_by {
                Some(k) => format!("signed {k}"),
                None => "unsigned".into(),
            }
        ),
        progress,
    );
    Ok(Packed {
        package: target,
        summary,
        zip_bytes,
        receiver_named: packing::receiver(cfg).is_some(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// SHA-256 of the register's text.
fn register_digest(text: &str) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes()).into()
}

/// An exclusive lock on the office's register (`.register.lock` beside it).
fn lock_register(reg_path: &Path) -> Result<std::fs::File, PackFlowError> {
    let dir = reg_path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let lock_path = dir.join(".register.lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(PackFlowError::Busy(lock_path)),
        Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
    }
}
