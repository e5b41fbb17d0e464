//! Verification on receipt (四性检测). A received bundle is hostile input: the
//! zip is read in place by our own strict reader ([`zipread`]), seen as a bag
//! ([`container`]) whether zip or folder, checked ([`check`]: BagIt complete and
//! valid, then the anjuan checks of DA/T 70's four properties) and reported
//! ([`report`]). Nothing is extracted; nothing is written but the report.

mod anjuan;
mod basis;
pub mod check;
pub mod container;
mod meta;
pub mod names;
pub mod pdf;
mod profile;
pub mod receipt;
pub mod report;
pub mod tagfiles;
pub mod zipread;

use std::path::Path;

pub use check::{Options, Profile};
pub use report::Report;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Open(#[from] container::OpenError),
}

impl VerifyError {
    pub fn remedy(&self) -> &'static str {
        match self {
            VerifyError::Open(_) => {
                "检查路径是否正确、文件是否可读 (check the path and permissions)"
            }
        }
    }
}

/// Runs every check on the bundle (a zip or a bag folder) at `path`. Defects are
/// in the report; an error means the bundle could not be looked at at all.
pub fn verify(path: &Path, opts: &Options) -> Result<Report, VerifyError> {
    let c = container::Container::open(path, zipread::Limits::default())?;
    let whole = c.is_zip() && !opts.bagit_level();
    Ok(std::thread::scope(|s| {
        let digest = whole.then(|| s.spawn(|| crate::archive::bag::sha256_file(path).ok()));
        let mut r = check::run(&c, opts, None);
        if let Some(h) = digest {
            r.bundle.sha256 = h.join().ok().flatten();
        }
        r
    }))
}

/// Opens `path` as a received bag and reads every file the structure checks
/// allow, discarding the bytes; returns (findings, files read). The fuzz target
/// and the hostile-archive tests drive the reader through this.
pub fn exercise_reader(
    path: &Path,
    limits: zipread::Limits,
) -> Result<(usize, usize), container::OpenError> {
    let c = container::Container::open(path, limits)?;
    let mut read = 0;
    for item in c.files.values().filter(|i| i.readable) {
        if c.read(item, &mut |_| {}).is_ok() {
            read += 1;
        }
    }
    Ok((c.findings.len(), read))
}
