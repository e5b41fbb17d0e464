//! Checking an office's case records (`anjuan check`, the desk's 检查): every
//! file read with located findings, the set checked together (duplicate
//! numbers), each limit judged as of the day. Writes nothing.
//!
//! Progress: one `Check` stage over the files (a start and a finish: the files
//! are read in parallel as one step).

use std::path::{Path, PathBuf};

use crate::case::{self, date::Date};
use crate::office::output::CheckReport;
use crate::office::progress::{Counter, Progress, Stage, Unit};
use crate::office::setup::{self, SetupError};

/// What a check found.
#[derive(Debug)]
pub struct Checked {
    /// The `--json` document (`anjuan-check/1`): counts and findings.
    pub report: CheckReport,
    /// Whether an anjuan.toml was found (else the built-in defaults were used).
    pub config_found: bool,
    /// The day `[calendar] as_of` of anjuan.toml fixed (a demo office), when no
    /// day was given.
    pub configured_as_of: Option<Date>,
}

/// Why a check could not run (defects in the records are findings, not errors).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Setup(#[from] SetupError),
}

impl CheckError {
    pub fn remedy(&self) -> Option<&'static str> {
        match self {
            CheckError::Setup(e) => e.remedy(),
        }
    }
}

/// Checks the case files in `paths` (the office folder, or files and folders
/// in it) as of `as_of` (else the configured day, else today).
pub fn check(
    config: Option<&Path>,
    paths: &[PathBuf],
    as_of: Option<Date>,
    progress: Progress<'_>,
) -> Result<Checked, CheckError> {
    let (loaded, files) = setup::office_and_files(config, paths)?;
    let rules = setup::rules(&loaded, as_of);
    let counter = Counter::start(progress, Stage::Check, files.len() as u64, Unit::Items);
    let checked = case::check_files_lean(&files, &rules).map_err(SetupError::from)?;
    counter.advance(files.len() as u64, None);
    counter.finish();
    Ok(Checked {
        report: CheckReport {
            schema: "anjuan-check/1".into(),
            as_of: rules.as_of,
            config: loaded.path.as_ref().map(|p| p.display().to_string()),
            files: checked.files,
            errors: checked.errors(),
            warnings: checked.warnings(),
            findings: checked.findings,
        },
        config_found: loaded.path.is_some(),
        configured_as_of: if as_of.is_none() {
            loaded.config.calendar.as_of
        } else {
            None
        },
    })
}
