//! The year report (`anjuan report`, the desk's 年度报告): the office's figures
//! for a year (`anjuan-ledger-report/1`, JSON) and the 信访工作情况报告 made from
//! them (PDF), in the office's `报告/` folder.
//!
//! Progress: one `Report` stage (a start and a finish), notes for case files
//! that cannot be read.

use std::path::{Path, PathBuf};

use crate::case::date::Date;
use crate::case::Case;
use crate::fsutil::write_atomic;
use crate::ledger::stats::{self, Stats};
use crate::office::ledger::{load_all, LedgerFlowError};
use crate::office::output::YearReport;
use crate::office::progress::{Counter, Progress, Stage, Unit};
use crate::office::setup::{self, Look, SetupError};
use crate::render::Renderer;

/// Which year, and where.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    /// An anjuan.toml to use instead of the one found at or above the paths.
    pub config: Option<PathBuf>,
    pub year: i32,
    /// The folder (default: the office's `报告/`, `.` without an office).
    pub output: Option<PathBuf>,
    /// The day of the figures (default: the configured day, else today but no
    /// later than the year's end).
    pub as_of: Option<Date>,
    /// Replace existing files.
    pub force: bool,
    pub look: Look,
}

/// A report made.
#[derive(Debug)]
pub struct Reported {
    pub year: i32,
    pub pdf: PathBuf,
    /// The figures file.
    pub figures: PathBuf,
    pub stats: Stats,
}

impl Reported {
    /// The `--json` document (`anjuan-report/1`).
    pub fn report(&self) -> YearReport {
        let t = &self.stats.totals;
        YearReport {
            schema: "anjuan-report/1".into(),
            year: self.year,
            pdf: self.pdf.display().to_string(),
            figures: self.figures.display().to_string(),
            cases: t.cases,
            accepted: t.accepted,
            refused: t.refused,
            closed: t.closed,
            open: t.open,
            overdue: t.overdue,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Ledger(#[from] LedgerFlowError),
    #[error("年度 {0} 不是有效年份 (invalid year)")]
    Year(i32),
}

impl ReportError {
    pub fn remedy(&self) -> Option<&'static str> {
        match self {
            ReportError::Setup(e) => e.remedy(),
            ReportError::Ledger(e) => e.remedy(),
            ReportError::Year(_) => Some("用 --year 2026 这样的四位年份"),
        }
    }
}

impl From<crate::render::RenderError> for ReportError {
    fn from(e: crate::render::RenderError) -> Self {
        ReportError::Setup(e.into())
    }
}

/// The report's file names: `信访工作情况报告-2026.pdf` / `.json`.
pub fn report_names(year: i32) -> (String, String) {
    (
        format!("信访工作情况报告-{year}.pdf"),
        format!("信访工作情况报告-{year}.json"),
    )
}

/// Makes the year report of the cases in `paths`.
/// The year's figures of the cases under `paths` (the statistics page of the
/// desk, and the report's content), without writing anything. `as_of` defaults
/// to the configured day, else today but no later than the year's end.
pub fn figures(
    config: Option<&Path>,
    paths: &[PathBuf],
    year: i32,
    as_of: Option<Date>,
    progress: Progress<'_>,
) -> Result<Stats, ReportError> {
    let (loaded, files) = setup::office_and_files(config, paths)?;
    figures_of(&loaded, &files, year, as_of, progress)
}

fn figures_of(
    loaded: &crate::config::Loaded,
    files: &[PathBuf],
    year: i32,
    as_of: Option<Date>,
    progress: Progress<'_>,
) -> Result<Stats, ReportError> {
    let year_end = Date::from_ymd(year, 12, 31).ok_or(ReportError::Year(year))?;
    let as_of = as_of
        .or(loaded.config.calendar.as_of)
        .unwrap_or_else(|| Date::today().min(year_end));
    let rules = setup::rules(loaded, Some(as_of));
    let cases = load_all(files, progress)?;
    let refs: Vec<&Case> = cases.iter().collect();
    let cfg = &loaded.config;
    Ok(stats::compute(
        &refs,
        &cfg.office.name,
        year,
        &rules.calendar,
        as_of,
        i64::from(cfg.calendar.warn_days),
    ))
}

pub fn report(
    paths: &[PathBuf],
    opts: &ReportOptions,
    progress: Progress<'_>,
) -> Result<Reported, ReportError> {
    let year = opts.year;
    let (loaded, files) = setup::office_and_files(opts.config.as_deref(), paths)?;
    // Default: the office's 报告/ folder (the current folder without an office).
    let default_out = setup::office_place(&loaded, Path::new("报告"), ".");
    let output = opts.output.as_deref().unwrap_or(&default_out);
    let (pdf_name, json_name) = report_names(year);
    let (pdf_path, json_path) = (output.join(&pdf_name), output.join(&json_name));
    for p in [&pdf_path, &json_path] {
        if p.exists() && !opts.force {
            return Err(SetupError::Exists(p.clone()).into());
        }
    }
    let counter = Counter::start(progress, Stage::Report, 0, Unit::Items);
    let s = figures_of(&loaded, &files, year, opts.as_of, progress)?;
    let as_of = s.as_of;
    let cfg = &loaded.config;
    let renderer = Renderer::new(
        cfg,
        &loaded.root(),
        &setup::render_options(&loaded, &opts.look, None),
    )?;
    let ctx = serde_json::json!({
        "office": crate::archive::pack::office_context(cfg),
        "date": as_of,
        "s": s,
    });
    let doc = crate::render::Doc {
        owner: cfg.office.name.clone(),
        paper: "信访工作情况报告".into(),
        template: "ledger-report.typ".into(),
        file: pdf_name,
        date: as_of,
    };
    let out = renderer.render_doc(&doc, &ctx)?;
    let figures = serde_json::to_string_pretty(&s)
        .map_err(|e| SetupError::Io(std::io::Error::other(e)))?
        + "\n";
    write_atomic(&json_path, figures.as_bytes()).map_err(SetupError::from)?;
    write_atomic(&pdf_path, &out.pdf).map_err(SetupError::from)?;
    counter.finish();
    Ok(Reported {
        year,
        pdf: pdf_path,
        figures: json_path,
        stats: s,
    })
}
