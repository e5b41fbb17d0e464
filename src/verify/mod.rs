//! Verification on receipt (四性检测): reading a bundle as hostile input and
//! checking it. Work in progress (issue 5).

pub mod container;
pub mod names;
pub mod zipread;

/// Opens `path` as a received bag and reads every file the structure checks
/// allow, discarding the bytes; returns (findings, files read). The fuzz target
/// and the hostile-archive tests drive the reader through this.
pub fn exercise_reader(
    path: &std::path::Path,
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
