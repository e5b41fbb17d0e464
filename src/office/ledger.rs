//! The office's 台账 (`anjuan ledger import|export`, the desk's 台账): a ledger
//! spreadsheet read into case files (new ones written, existing ones updated
//! in place when asked, every row checked first), and the cases written out as
//! a workbook as of a day (optionally with identity numbers and phones masked).
//!
//! Progress: an `Import` or `Export` stage (a start and a finish), notes for
//! case files that cannot be read. Records what an import wrote in the audit
//! trail.

use std::path::{Path, PathBuf};

use crate::case::date::Date;
use crate::case::{self, Case};
use crate::config::Loaded;
use crate::diag::terminal_text as mask_text;
use crate::fsutil::write_atomic;
use crate::ledger::export;
use crate::ledger::import::{self, ImportError, Plan};
use crate::office::output::{LedgerExport, LedgerImport, LedgerProblem};
use crate::office::progress::{Counter, Event, Progress, Stage, Unit};
use crate::office::setup::{self, SetupError};

#[derive(Debug, thiserror::Error)]
pub enum LedgerFlowError {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("{0} 个案件文件无法读取 (unreadable case files)")]
    Unreadable(usize),
}

impl LedgerFlowError {
    pub fn remedy(&self) -> Option<&'static str> {
        match self {
            LedgerFlowError::Setup(e) => e.remedy(),
            LedgerFlowError::Import(e) => Some(e.remedy()),
            LedgerFlowError::Unreadable(_) => {
                Some("按上面的位置改正案件文件（anjuan check 可逐项列出）后再运行")
            }
        }
    }
}

/// Loads every case file; a file that does not parse stops the workflow (a
/// ledger or a report that silently leaves a case out would mislead): each is
/// a note, then the error.
pub fn load_all(files: &[PathBuf], progress: Progress<'_>) -> Result<Vec<Case>, LedgerFlowError> {
    let mut cases = Vec::with_capacity(files.len());
    let mut bad = Vec::new();
    for f in files {
        match case::load(f).map_err(SetupError::from)? {
            Ok(cf) => cases.push(cf.case),
            Err(l) => bad.push(l),
        }
    }
    if bad.is_empty() {
        return Ok(cases);
    }
    for l in &bad {
        progress(Event::Note(l.to_string()));
    }
    Err(LedgerFlowError::Unreadable(bad.len()))
}

/// How to import a ledger.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// An anjuan.toml to use instead of the one found at or above the cases folder.
    pub config: Option<PathBuf>,
    /// The sheet to read (default: the first that looks like a ledger).
    pub sheet: Option<String>,
    /// Write the rows without errors even when others have some.
    pub keep_going: bool,
    /// Update existing case files from the ledger's working columns.
    pub update: bool,
    /// The day limits are judged against.
    pub as_of: Option<Date>,
    /// Who imports, for the audit trail.
    pub actor: String,
}

/// What an import found and did.
#[derive(Debug)]
pub struct Imported {
    /// Every row read: new cases, updates, unchanged, problems, ignored columns.
    pub plan: Plan,
    /// Case files (written, updated); `None` when rows failed without
    /// `keep_going` and nothing was written.
    pub written: Option<(usize, usize)>,
}

impl Imported {
    /// The `--json` document (`anjuan-ledger-import/1`), personal data masked.
    pub fn report(&self) -> LedgerImport {
        let plan = &self.plan;
        let written = self.written.unwrap_or((0, 0));
        LedgerImport {
            schema: "anjuan-ledger-import/1".into(),
            file: plan.file.to_string(),
            header_row: plan.header_row,
            rows: plan.rows,
            new: plan.new.len(),
            updated: plan.updates.len(),
            unchanged: plan.unchanged.len(),
            failed_rows: plan.failed.clone(),
            written: written.0 + written.1,
            problems: plan
                .problems
                .iter()
                .map(|p| LedgerProblem {
                    at: p.at.to_string(),
                    severity: p.severity,
                    code: p.code.to_string(),
                    message: mask_text(&p.message),
                    remedy: p.hint.to_string(),
                })
                .collect(),
        }
    }
}

/// Reads `ledger` and checks every row against the cases in `cases_dir`,
/// writing nothing: what [`import`] would do (the desk's preview before the
/// clerk confirms).
pub fn preview(
    ledger: &Path,
    cases_dir: &Path,
    opts: &ImportOptions,
    progress: Progress<'_>,
) -> Result<Plan, LedgerFlowError> {
    let loaded = office_of(ledger, cases_dir, opts)?;
    let rules = setup::rules(&loaded, opts.as_of);
    let counter = Counter::start(progress, Stage::Import, 0, Unit::Items);
    let plan = import::plan(
        ledger,
        cases_dir,
        &rules,
        opts.sheet.as_deref(),
        opts.update,
    )?;
    counter.finish();
    Ok(plan)
}

/// The office an import works in (the ledger must be a file).
fn office_of(
    ledger: &Path,
    cases_dir: &Path,
    opts: &ImportOptions,
) -> Result<Loaded, LedgerFlowError> {
    if !ledger.is_file() {
        return Err(SetupError::Read(ledger.to_path_buf()).into());
    }
    Ok(setup::load_config(
        opts.config.as_deref(),
        &[cases_dir.to_path_buf()],
    )?)
}

/// Reads `ledger` into case files in `cases_dir`: every row checked; written
/// when no row has errors (or with `keep_going`, the rows without).
pub fn import(
    ledger: &Path,
    cases_dir: &Path,
    opts: &ImportOptions,
    progress: Progress<'_>,
) -> Result<Imported, LedgerFlowError> {
    let loaded = office_of(ledger, cases_dir, opts)?;
    let rules = setup::rules(&loaded, opts.as_of);
    // The staging folder of a killed import is in the cases folder.
    setup::sweep_stale([cases_dir], progress);
    let counter = Counter::start(progress, Stage::Import, 0, Unit::Items);
    let plan = import::plan(
        ledger,
        cases_dir,
        &rules,
        opts.sheet.as_deref(),
        opts.update,
    )?;
    let written = if !plan.failed.is_empty() && !opts.keep_going {
        None
    } else {
        let w = import::write(&plan, cases_dir)?;
        note_import(&loaded, &opts.actor, &plan, ledger, progress);
        Some(w)
    };
    counter.finish();
    Ok(Imported { plan, written })
}

/// Records what an import wrote: a `case.create` line per new case file and a
/// `case.edit` line per updated one, naming the fields changed (not their values).
fn note_import(loaded: &Loaded, actor: &str, plan: &Plan, ledger: &Path, progress: Progress<'_>) {
    use crate::office::audit::AuditAction;
    let id = |p: &Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let from = ledger
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut lines: Vec<(AuditAction, String, String)> = plan
        .new
        .iter()
        .map(|(path, _, row)| {
            (
                AuditAction::CaseCreate,
                id(path),
                format!("台账导入 {from} 第 {row} 行"),
            )
        })
        .collect();
    lines.extend(plan.updates.iter().map(|u| {
        let fields: Vec<&str> = u.changes.iter().map(|(f, _, _)| f.zh()).collect();
        (
            AuditAction::CaseEdit,
            id(&u.path),
            format!(
                "台账导入 {from} 第 {} 行，字段 {}",
                u.line,
                fields.join("、")
            ),
        )
    }));
    setup::note_all(loaded, actor, &lines, progress);
}

/// How to export the ledger.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// An anjuan.toml to use instead of the one found at or above the paths.
    pub config: Option<PathBuf>,
    /// The workbook (default: the office's `台账/台账-YYYYMMDD[-脱敏].xlsx`).
    pub output: Option<PathBuf>,
    pub as_of: Option<Date>,
    /// Replace an existing workbook.
    pub force: bool,
    /// Mask identity numbers and phones.
    pub mask: bool,
}

/// A ledger written.
#[derive(Debug)]
pub struct Exported {
    pub path: PathBuf,
    pub rows: usize,
    pub masked: bool,
    pub as_of: Date,
    pub overdue: usize,
    pub due_soon: usize,
    pub closed: usize,
}

impl Exported {
    /// The `--json` document (`anjuan-ledger-export/1`).
    pub fn report(&self) -> LedgerExport {
        LedgerExport {
            schema: "anjuan-ledger-export/1".into(),
            path: self.path.display().to_string(),
            rows: self.rows,
            masked: self.masked,
            as_of: self.as_of,
            overdue: self.overdue,
            due_soon: self.due_soon,
            closed: self.closed,
        }
    }
}

/// The default name of a ledger workbook: `台账-YYYYMMDD[-脱敏].xlsx`.
fn workbook_name(as_of: Date, mask: bool) -> String {
    format!(
        "台账-{}{}.xlsx",
        as_of.compact(),
        if mask { "-脱敏" } else { "" }
    )
}

/// A ledger made in memory (the desk's download): its default file name,
/// its bytes, and what it holds (`summary.path` is the file name).
#[derive(Debug)]
pub struct Workbook {
    pub name: String,
    pub bytes: Vec<u8>,
    pub summary: Exported,
}

/// The 台账 of the cases in `paths` as of the day, as workbook bytes; nothing
/// is written (`opts.output` and `opts.force` do not apply).
pub fn workbook(
    paths: &[PathBuf],
    opts: &ExportOptions,
    progress: Progress<'_>,
) -> Result<Workbook, LedgerFlowError> {
    let (loaded, files) = setup::office_and_files(opts.config.as_deref(), paths)?;
    let rules = setup::rules(&loaded, opts.as_of);
    let name = workbook_name(rules.as_of, opts.mask);
    let (bytes, summary) = build(
        &loaded,
        &rules,
        &files,
        opts.mask,
        Path::new(&name),
        progress,
    )?;
    Ok(Workbook {
        name,
        bytes,
        summary,
    })
}

/// The workbook of `files` and what it holds (named `path`).
fn build(
    loaded: &Loaded,
    rules: &case::Rules<'_>,
    files: &[PathBuf],
    mask: bool,
    path: &Path,
    progress: Progress<'_>,
) -> Result<(Vec<u8>, Exported), LedgerFlowError> {
    let counter = Counter::start(progress, Stage::Export, files.len() as u64, Unit::Items);
    let cases = load_all(files, progress)?;
    let refs: Vec<&Case> = cases.iter().collect();
    let warn = i64::from(loaded.config.calendar.warn_days);
    let lines = export::lines(&refs, &rules.calendar, rules.as_of, warn);
    let eopts = export::Options {
        office: &loaded.config.office.name,
        as_of: rules.as_of,
        categories: &loaded.config.categories,
        masked: mask,
    };
    let bytes =
        export::workbook(&lines, &eopts).map_err(|e| SetupError::Io(std::io::Error::other(e)))?;
    counter.advance(files.len() as u64, None);
    counter.finish();
    let count = |s: &str| lines.iter().filter(|l| l.status == s).count();
    Ok((
        bytes,
        Exported {
            path: path.to_path_buf(),
            rows: lines.len(),
            masked: mask,
            as_of: rules.as_of,
            overdue: count("超期"),
            due_soon: count("临期"),
            closed: count("已销号"),
        },
    ))
}

/// Writes the 台账 of the cases in `paths` as of the day.
pub fn export(
    paths: &[PathBuf],
    opts: &ExportOptions,
    progress: Progress<'_>,
) -> Result<Exported, LedgerFlowError> {
    let (loaded, files) = setup::office_and_files(opts.config.as_deref(), paths)?;
    let rules = setup::rules(&loaded, opts.as_of);
    // Default: the office's 台账/ folder, dated, the masked copy named as such.
    let name = workbook_name(rules.as_of, opts.mask);
    let default_out = setup::office_place(&loaded, &Path::new("台账").join(&name), &name);
    let output = opts.output.as_deref().unwrap_or(&default_out);
    if output.exists() && !opts.force {
        return Err(SetupError::Exists(output.to_path_buf()).into());
    }
    let (bytes, done) = build(&loaded, &rules, &files, opts.mask, output, progress)?;
    write_atomic(output, &bytes).map_err(SetupError::from)?;
    Ok(done)
}
