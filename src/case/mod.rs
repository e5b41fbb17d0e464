//! Cases: the record model, loading with located errors, validation, and the
//! statutory timeline.
//!
//! Stage 1 of the flow. Takes files, returns typed [`Case`] values and located
//! diagnostics; never writes anything.

pub mod calendar;
pub mod date;
pub mod deadline;
pub mod idnum;
pub mod kind;
pub mod law;
pub mod model;
pub mod original;
pub mod validate;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diag::{Diagnostic, FieldPath, Located};
use crate::source::{Format, Locator, Source, SourceError};
pub use model::Case;
use model::{Decision, DocNo, Paper};
pub use validate::Rules;

/// Problems that stop a run (as opposed to findings about a file).
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("路径不存在 (no such file or folder): {0}")]
    NotFound(PathBuf),
    #[error("无法遍历 {path} (cannot list folder): {source}")]
    Walk {
        path: PathBuf,
        #[source]
        source: walkdir::Error,
    },
    #[error(transparent)]
    Read(#[from] SourceError),
}

/// A case file that parsed, with its source kept for locating findings.
#[derive(Clone, Debug)]
pub struct CaseFile {
    pub source: Source,
    pub case: Case,
}

impl CaseFile {
    /// The registration year: `year`, or the year received.
    pub fn year(&self) -> i32 {
        self.case.year.unwrap_or(self.case.arrival.received.year())
    }
}

/// The case files under the given paths: files as named; folders walked for
/// `.toml`/`.json`. In an office folder (one holding `anjuan.toml`) only `cases/`
/// is walked. Sorted, so output order never depends on the file system.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CaseError> {
    let mut out = Vec::new();
    for path in paths {
        if !path.exists() {
            return Err(CaseError::NotFound(path.clone()));
        }
        if path.is_file() {
            out.push(path.clone());
            continue;
        }
        let root = if path.join(crate::config::FILE_NAME).is_file() && path.join("cases").is_dir() {
            path.join("cases")
        } else {
            path.clone()
        };
        let walker = walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            let entry = entry.map_err(|source| CaseError::Walk {
                path: root.clone(),
                source,
            })?;
            let p = entry.path();
            if entry.file_type().is_file()
                && Format::of(p).is_some()
                && p.file_name().is_some_and(|n| n != crate::config::FILE_NAME)
            {
                out.push(p.to_path_buf());
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Reads and parses one case file: the case, or the one finding that stopped it.
pub fn load(path: &Path) -> Result<Result<CaseFile, Located>, CaseError> {
    let source = match Source::read(path)? {
        Ok(s) => s,
        Err(l) => return Ok(Err(l)),
    };
    Ok(source.parse::<Case>().map(|case| CaseFile { source, case }))
}

/// Codes of findings about timeliness: a late or overdue case is still a case, to
/// be registered and to get its papers; the finding stands in `check`.
pub const TIMELINESS: &[&str] = &["time-limit", "overdue", "due-soon"];

/// Checks the text of a case file not on disk yet (`path` names where it will be
/// written): parsed and validated as [`check_files`] does one file.
pub fn check_text(
    path: &Path,
    text: String,
    rules: &Rules,
) -> Result<(CaseFile, Vec<Located>), Located> {
    let source = Source::from_text(path.to_path_buf(), text, crate::source::Format::Toml);
    let case = source.parse::<Case>()?;
    let cf = CaseFile { source, case };
    let found = place_all(&cf.source, validate::validate(&cf.case, rules));
    Ok((cf, found))
}

/// Places a file's diagnostics at their fields. The locator parses the file a
/// second time (for spans), so it is built only when there is something to place:
/// most files of an office have no finding.
fn place_all(source: &Source, diags: Vec<Diagnostic>) -> Vec<Located> {
    if diags.is_empty() {
        return Vec::new();
    }
    let locator = Locator::new(source);
    diags
        .into_iter()
        .map(|d| locator.place(source, d))
        .collect()
}

/// The outcome of checking a set of files.
#[derive(Debug, Default)]
pub struct Checked {
    pub files: usize,
    pub cases: Vec<CaseFile>,
    /// Sorted by file, line, column.
    pub findings: Vec<Located>,
}

impl Checked {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|l| l.diag.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}

/// Loads, validates and cross-checks every file, keeping the parsed cases in
/// [`Checked::cases`] (for callers that go on to use them, as `pack` does).
pub fn check_files(files: &[PathBuf], rules: &Rules) -> Result<Checked, CaseError> {
    check_files_with(files, rules, true, &|_| ()).map(|(c, _)| c)
}

/// Loads, validates and cross-checks every file, keeping only the findings:
/// each case is dropped once its findings and the keys the cross-file rules
/// need ([`SetKeys`]) are taken, so checking a 10,000-case office holds a few
/// megabytes instead of every parsed case (~20 KB each). A file holding a
/// duplicate is read again to place it.
pub fn check_files_lean(files: &[PathBuf], rules: &Rules) -> Result<Checked, CaseError> {
    check_files_with(files, rules, false, &|_| ()).map(|(c, _)| c)
}

/// As [`check_files_lean`], and for each file that parsed, in the order of
/// `files`, what `key` takes of its case: a caller that goes on to use the
/// cases (`pack`) keeps a small reference to each, not the year's cases.
pub fn check_files_keyed<K: Send>(
    files: &[PathBuf],
    rules: &Rules,
    key: &(dyn Fn(&CaseFile) -> K + Sync),
) -> Result<(Checked, Vec<K>), CaseError> {
    check_files_with(files, rules, false, key)
}

fn check_files_with<K: Send>(
    files: &[PathBuf],
    rules: &Rules,
    keep: bool,
    key: &(dyn Fn(&CaseFile) -> K + Sync),
) -> Result<(Checked, Vec<K>), CaseError> {
    let mut checked = Checked {
        files: files.len(),
        ..Checked::default()
    };
    // Files load and validate in parallel (a county's year is 10,000 files); the
    // results keep the order of `files`.
    use rayon::prelude::*;
    type Each<K> = Result<Result<(Option<CaseFile>, SetKeys, Vec<Located>, K), Located>, CaseError>;
    let each: Vec<Each<K>> = files
        .par_iter()
        .map(|f| {
            Ok(load(f)?.map(|cf| {
                let found = place_all(&cf.source, validate::validate(&cf.case, rules));
                let keys = SetKeys::of(&cf, rules.config);
                let k = key(&cf);
                (keep.then_some(cf), keys, found, k)
            }))
        })
        .collect();
    let mut keys = Vec::new();
    let mut kept = Vec::new();
    for r in each {
        match r? {
            Err(l) => checked.findings.push(l),
            Ok((cf, k, found, mine)) => {
                checked.findings.extend(found);
                checked.cases.extend(cf);
                keys.push(k);
                kept.push(mine);
            }
        }
    }
    let set = if keep {
        let sources: Vec<&Source> = checked.cases.iter().map(|cf| &cf.source).collect();
        check_keys(&keys, rules.config, &|i| Cow::Borrowed(sources[i]))
    } else {
        check_keys(&keys, rules.config, &|i| Cow::Owned(reread(&keys[i].path)))
    };
    checked.findings.extend(set);
    checked.findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.diag.code).cmp(&(&b.file, b.line, b.column, b.diag.code))
    });
    checked.findings.dedup();
    Ok((checked, kept))
}

/// A file read again to place a finding in it. Should it have become unreadable
/// meanwhile, the finding is placed at its first line.
fn reread(path: &Path) -> Source {
    match Source::read(path) {
        Ok(Ok(s)) => s,
        _ => Source::from_text(
            path,
            String::new(),
            Format::of(path).unwrap_or(Format::Toml),
        ),
    }
}

/// One document number an office paper of a case carries.
struct OwnNumber {
    /// The number in full (`柳政信受字〔2026〕3号`).
    key: String,
    path: FieldPath,
    /// The series it is in: the paper and the year.
    series: (Paper, i32),
    /// Its serial in that series, when it can be read.
    serial: Option<u32>,
}

/// The serial of a full number: the digits between `〕` and `号`.
fn serial_of(full: &str) -> Option<u32> {
    let after = full.rsplit_once('〕')?.1;
    after.strip_suffix('号')?.trim().parse().ok()
}

/// The office's own papers of a case that carry a document number.
fn own_numbers(cf: &CaseFile, cfg: &Config) -> Vec<OwnNumber> {
    let c = &cf.case;
    let mut v: Vec<(Paper, i32, &DocNo, &str)> = Vec::new();
    if let Some(a) = &c.acceptance {
        let paper = if a.decision == Decision::Accept {
            Paper::AcceptNotice
        } else {
            Paper::RefuseNotice
        };
        v.extend(
            a.doc_no
                .as_ref()
                .map(|d| (paper, a.date.year(), d, "acceptance.doc_no")),
        );
    }
    if let Some(h) = &c.handling {
        v.extend(
            h.doc_no
                .as_ref()
                .map(|d| (Paper::Opinion, h.date.year(), d, "handling.doc_no")),
        );
    }
    if let Some(e) = c.extension() {
        let year = e.notified_on.year();
        let field = if c.extension.is_some() {
            "extension.doc_no"
        } else {
            "handling.extension.doc_no"
        };
        v.extend(e.doc_no.map(|d| (Paper::ExtensionNotice, year, d, field)));
    }
    if let Some(s) = &c.settlement {
        v.extend(
            s.doc_no
                .as_ref()
                .map(|d| (Paper::Agreement, s.date.year(), d, "settlement.doc_no")),
        );
    }
    if let Some(r) = &c.report_back {
        v.extend(
            r.doc_no
                .as_ref()
                .map(|d| (Paper::ReportBack, r.date.year(), d, "report_back.doc_no")),
        );
    }
    v.into_iter()
        .map(|(paper, year, doc, field)| {
            let (key, serial) = match doc {
                DocNo::Full(s) => (s.trim().to_string(), serial_of(s.trim())),
                DocNo::Serial(n) => (
                    cfg.doc_number(paper, year, *n)
                        .unwrap_or_else(|| format!("{}〔{year}〕{n}号", paper.zh())),
                    Some(*n),
                ),
            };
            OwnNumber {
                key,
                path: FieldPath::parse(field),
                series: (paper, year),
                serial,
            }
        })
        .collect()
}

/// The next serial free in each series (paper and year): one past the highest in
/// use across the office's cases.
fn next_free(numbers: &[(usize, &OwnNumber)]) -> HashMap<(Paper, i32), u32> {
    let mut max: HashMap<(Paper, i32), u32> = HashMap::new();
    for (_, n) in numbers {
        if let Some(s) = n.serial {
            let m = max.entry(n.series).or_insert(0);
            *m = (*m).max(s);
        }
    }
    max.into_iter()
        .filter_map(|(k, m)| m.checked_add(1).map(|n| (k, n)))
        .collect()
}

/// The next serial free in each series among the numbers the case files
/// `files` use (one past the highest; 1 when none is used): what a form can
/// suggest for a new document number. The files are read once, whatever
/// series are asked for after; files that cannot be read are `check`'s to
/// report.
pub fn next_serials(files: &[PathBuf], cfg: &Config) -> NextSerials {
    use rayon::prelude::*;
    let keys: Vec<SetKeys> = files
        .par_iter()
        .filter_map(|p| load(p).ok().and_then(Result::ok))
        .map(|o| SetKeys::of(&o, cfg))
        .collect();
    let numbers: Vec<(usize, &OwnNumber)> = keys
        .iter()
        .enumerate()
        .flat_map(|(i, k)| k.numbers.iter().map(move |n| (i, n)))
        .collect();
    NextSerials(next_free(&numbers))
}

/// The next free serial of each series (paper and year) in an office, from
/// one read of its files ([`next_serials`]).
pub struct NextSerials(HashMap<(Paper, i32), u32>);

impl NextSerials {
    /// The next free serial of `paper`'s numbers in `year` (1 for a series not
    /// begun).
    pub fn of(&self, paper: Paper, year: i32) -> u32 {
        self.0.get(&(paper, year)).copied().unwrap_or(1)
    }
}

/// What the rules across files need of one case: where it is, its number and
/// the numbers of its own papers. A few hundred bytes, where the parsed case is
/// tens of kilobytes.
pub struct SetKeys {
    path: PathBuf,
    id: String,
    numbers: Vec<OwnNumber>,
}

impl SetKeys {
    pub fn of(cf: &CaseFile, cfg: &Config) -> SetKeys {
        SetKeys {
            path: cf.source.path.clone(),
            id: cf.case.id.trim().to_string(),
            numbers: own_numbers(cf, cfg),
        }
    }
}

/// Rules across files: case numbers and document numbers are unique in the office.
///
/// One pass over the cases' parsed values; a file is parsed again for field
/// positions only when it holds a duplicate (or is the first of one), so a
/// 10,000-case office without duplicates costs no second parse.
pub fn check_set(cases: &[CaseFile], cfg: &Config) -> Vec<Located> {
    let keys: Vec<SetKeys> = cases.iter().map(|cf| SetKeys::of(cf, cfg)).collect();
    check_keys(&keys, cfg, &|i| Cow::Borrowed(&cases[i].source))
}

/// The findings of the rules across files that concern `cf` (a case not on disk
/// yet, or changed) among the office's case files `others`: the others are read
/// in parallel for their keys only, never held whole, and read again only to
/// place a duplicate. Files that cannot be read are `check`'s to report.
pub fn check_against(cf: &CaseFile, others: &[PathBuf], cfg: &Config) -> Vec<Located> {
    use rayon::prelude::*;
    let mut keys: Vec<SetKeys> = others
        .par_iter()
        .filter(|p| **p != cf.source.path)
        .filter_map(|p| load(p).ok().and_then(Result::ok))
        .map(|o| SetKeys::of(&o, cfg))
        .collect();
    keys.push(SetKeys::of(cf, cfg));
    let mine = keys.len() - 1;
    let paths: Vec<PathBuf> = keys.iter().map(|k| k.path.clone()).collect();
    check_keys(&keys, cfg, &|i| {
        if i == mine {
            Cow::Borrowed(&cf.source)
        } else {
            Cow::Owned(reread(&paths[i]))
        }
    })
    .into_iter()
    .filter(|l| l.file == cf.source.path)
    .collect()
}

/// [`check_set`] over the keys of the cases; `source(i)` gives the text of the
/// `i`th case when a finding is to be placed in it.
fn check_keys<'a>(
    keys: &[SetKeys],
    cfg: &Config,
    source: &dyn Fn(usize) -> Cow<'a, Source>,
) -> Vec<Located> {
    let numbers: Vec<(usize, &OwnNumber)> = keys
        .iter()
        .enumerate()
        .flat_map(|(i, k)| k.numbers.iter().map(move |n| (i, n)))
        .collect();
    // (case index, field path, the diagnostic) of each duplicate found.
    let mut dups: Vec<(usize, Diagnostic)> = Vec::new();
    // Where the first of each duplicate is: placed once, when needed.
    let mut firsts: HashMap<(usize, String), (PathBuf, usize)> = HashMap::new();
    let mut first_place = |i: usize, path: &FieldPath| -> (PathBuf, usize) {
        firsts
            .entry((i, path.to_string()))
            .or_insert_with(|| {
                let l = source(i).locate(Diagnostic::error("duplicate", path.clone(), ""));
                (l.file, l.line)
            })
            .clone()
    };

    let id_path = FieldPath::parse("id");
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        match ids.get(k.id.as_str()) {
            Some(&first) => {
                let (file, line) = first_place(first, &id_path);
                dups.push((
                    i,
                    Diagnostic::error(
                        "duplicate-case",
                        id_path.clone(),
                        format!(
                            "案件编号 {} 与 {}:{} 重复 (duplicate case number)",
                            k.id,
                            file.display(),
                            line
                        ),
                    )
                    .hint("每件案件一个编号；同一事项的后续材料写入原案件文件"),
                ));
            }
            None => {
                ids.insert(k.id.as_str(), i);
            }
        }
    }
    let free = next_free(&numbers);
    let mut seen: HashMap<&str, (usize, &FieldPath)> = HashMap::new();
    for &(i, n) in &numbers {
        match seen.get(n.key.as_str()) {
            Some(&(first, first_path)) => {
                let (file, line) = first_place(first, first_path);
                let num = &n.key;
                dups.push((
                    i,
                    Diagnostic::error(
                        "duplicate-number",
                        n.path.clone(),
                        format!(
                            "文号 {num} 与 {}:{} 重复 (duplicate document number)",
                            file.display(),
                            line
                        ),
                    )
                    .hint(match free.get(&n.series) {
                        Some(&next) => format!(
                            "同一机关同一年度的文号不得重复；下一个未用的序号是 {next}（doc_no = {next}{}）",
                            cfg.doc_number(n.series.0, n.series.1, next)
                                .map(|f| format!("，即 {f}"))
                                .unwrap_or_default()
                        ),
                        None => "同一机关同一年度的文号不得重复；改用下一个未用的序号".into(),
                    }),
                ));
            }
            None => {
                seen.insert(n.key.as_str(), (i, &n.path));
            }
        }
    }

    // Place each file's duplicates with one locator per file.
    let mut by_case: std::collections::BTreeMap<usize, Vec<Diagnostic>> = Default::default();
    for (i, d) in dups {
        by_case.entry(i).or_default().push(d);
    }
    by_case
        .into_iter()
        .flat_map(|(i, diags)| place_all(&source(i), diags))
        .collect()
}

/// Runs one case file's bytes through everything `anjuan check` does to a single
/// file, first as TOML and then as JSON: decoding, parsing, validation with the
/// statutory timeline, placing each finding and printing it (masking included),
/// and the ledger's view of the case. Returns how many findings were printed.
///
/// For the `case_file` fuzz target and its replay test: whatever the bytes, this
/// must return, never panic, overflow the stack or hang.
pub fn exercise(bytes: &[u8]) -> usize {
    let config = Config::builtin();
    let rules = Rules {
        config: &config,
        config_is_real: false,
        calendar: config.calendar(),
        as_of: date::Date::from_ymd(2026, 11, 21).unwrap_or_else(date::Date::today),
        root: None,
    };
    let mut printed = 0;
    for name in ["fuzz.toml", "fuzz.json"] {
        let path = Path::new(name);
        let mut findings = Vec::new();
        match Source::from_bytes(path, bytes) {
            Err(l) => findings.push(l),
            Ok(source) => match source.parse::<Case>() {
                Err(l) => findings.push(l),
                Ok(case) => {
                    let locator = Locator::new(&source);
                    for d in validate::validate(&case, &rules) {
                        findings.push(locator.place(&source, d));
                    }
                    let cf = CaseFile { source, case };
                    findings.extend(check_set(std::slice::from_ref(&cf), &config));
                    let _ = crate::ledger::entry::Entry::of(&cf.case).cells();
                }
            },
        }
        for l in &findings {
            printed += usize::from(!l.to_string().is_empty());
        }
    }
    printed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lean check (cases dropped, duplicates placed by reading the file
    /// again) finds exactly what the full one finds, placed alike.
    #[test]
    fn the_lean_check_finds_what_the_full_check_finds() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-cases");
        let files = collect_files(&[dir]).expect("the bad cases");
        let config = Config::builtin();
        let rules = Rules {
            config: &config,
            config_is_real: false,
            calendar: config.calendar(),
            as_of: date::Date::from_ymd(2026, 11, 21).expect("a day"),
            root: None,
        };
        let full = check_files(&files, &rules).expect("full");
        let lean = check_files_lean(&files, &rules).expect("lean");
        assert!(lean.cases.is_empty());
        assert!(!full.cases.is_empty());
        let show = |c: &Checked| c.findings.iter().map(|l| l.to_string()).collect::<Vec<_>>();
        assert!(
            full.findings
                .iter()
                .any(|l| l.diag.code == "duplicate-number" && l.line > 1),
            "the corpus holds a placed duplicate"
        );
        assert_eq!(show(&full), show(&lean));
    }
}
