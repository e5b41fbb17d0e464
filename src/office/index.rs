//! An in-memory index of an office's cases, for a face that answers many
//! requests (the desk): one [`Summary`] per case file, kept fresh by walking
//! `cases/` and re-reading only the files whose (length, mtime, inode) changed.
//!
//! The office folder stays the one source of truth: the index is a cache of it,
//! never written anywhere, and the command line may edit files at the same time.
//! A refresh is throttled (at most once per [`Index::MIN_INTERVAL`]) and runs
//! under a lock, so concurrent requests do not all walk the folder; changed files
//! are parsed and checked in parallel (rayon). Personal numbers never enter a
//! summary: the petitioner label and the search text are masked.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::case::date::Date;
use crate::case::idnum::mask_text;
use crate::case::{self, deadline::next_step, Case, Rules};

/// One case as lists show it.
#[derive(Clone, Debug)]
pub struct Summary {
    pub id: String,
    pub file: PathBuf,
    /// The petitioner (`刘堃`, `朱根土等37人`), personal numbers masked.
    pub petitioner: String,
    pub category: String,
    /// 办理阶段: 待受理, 已受理, 不予受理, 已办理, 复查, 复核, 已结案.
    pub stage: &'static str,
    /// 包案领导.
    pub leader: Option<String>,
    /// 责任单位.
    pub unit: Option<String>,
    pub received: Date,
    /// The next statutory step of an open case.
    pub next_step: Option<String>,
    pub due: Option<Date>,
    pub days_left: Option<i64>,
    /// 超期 / 临期 / 正常 / 待办, or 已结案.
    pub status: &'static str,
    /// Errors `check` finds in the file alone (timeliness findings not counted).
    pub errors: usize,
    /// Lower-cased text a search looks in: case number, names, title, the
    /// matter, its requests (masked).
    pub haystack: String,
}

impl Summary {
    pub fn overdue(&self) -> bool {
        self.days_left.is_some_and(|d| d < 0)
    }
}

/// A case file that could not be read, with the first finding that stopped it.
#[derive(Clone, Debug)]
pub struct Unreadable {
    pub file: PathBuf,
    pub message: String,
}

/// What one refresh of the index saw.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Sorted by case number.
    pub cases: Vec<Arc<Summary>>,
    pub unreadable: Vec<Unreadable>,
    /// The date days-left count from.
    pub as_of: Option<Date>,
}

impl Snapshot {
    /// The case with this number.
    pub fn find(&self, id: &str) -> Option<&Arc<Summary>> {
        self.cases
            .binary_search_by(|s| s.id.as_str().cmp(id))
            .ok()
            .and_then(|i| self.cases.get(i))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("无法读取案件目录 {0} (cannot list the cases folder): {1}")]
    Walk(PathBuf, String),
}

impl IndexError {
    pub fn remedy(&self) -> &'static str {
        match self {
            IndexError::Walk(..) => "检查办公室目录下 cases/ 是否存在、是否可读",
        }
    }
}

/// A file's identity as last seen: when any part differs, it is read again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    mtime: Option<SystemTime>,
    inode: u64,
}

fn stamp(meta: &std::fs::Metadata) -> Stamp {
    #[cfg(unix)]
    let inode = {
        use std::os::unix::fs::MetadataExt as _;
        meta.ino()
    };
    #[cfg(not(unix))]
    let inode = 0;
    Stamp {
        len: meta.len(),
        mtime: meta.modified().ok(),
        inode,
    }
}

enum Known {
    Case(Arc<Summary>),
    Bad(Unreadable),
}

struct Inner {
    files: HashMap<PathBuf, (Stamp, Known)>,
    snapshot: Arc<Snapshot>,
    last: Option<Instant>,
}

/// The index of one office's `cases/` folder.
pub struct Index {
    cases_dir: PathBuf,
    inner: Mutex<Inner>,
}

impl Index {
    /// The shortest time between two walks of the folder.
    pub const MIN_INTERVAL: Duration = Duration::from_millis(500);

    pub fn new(cases_dir: PathBuf) -> Index {
        Index {
            cases_dir,
            inner: Mutex::new(Inner {
                files: HashMap::new(),
                snapshot: Arc::new(Snapshot::default()),
                last: None,
            }),
        }
    }

    pub fn cases_dir(&self) -> &Path {
        &self.cases_dir
    }

    /// Makes the next [`Index::current`] walk the folder whatever the throttle
    /// says (after a face wrote a case file itself).
    pub fn invalidate(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).last = None;
    }

    /// The cases as of now: the last snapshot when it is younger than
    /// [`Index::MIN_INTERVAL`] (and of the same day), else a fresh one.
    pub fn current(&self, rules: &Rules<'_>) -> Result<Arc<Snapshot>, IndexError> {
        // A poisoned lock only means another request panicked mid-refresh; the
        // map is still consistent (entries are replaced whole).
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = inner.last.is_some_and(|t| t.elapsed() < Self::MIN_INTERVAL)
            && inner.snapshot.as_of == Some(rules.as_of);
        if fresh {
            return Ok(inner.snapshot.clone());
        }
        if inner.snapshot.as_of != Some(rules.as_of) {
            // Days left count from another day now: read everything again.
            inner.files.clear();
        }
        refresh(&self.cases_dir, &mut inner, rules)?;
        inner.last = Some(Instant::now());
        Ok(inner.snapshot.clone())
    }
}

fn refresh(dir: &Path, inner: &mut Inner, rules: &Rules<'_>) -> Result<(), IndexError> {
    use rayon::prelude::*;
    let paths = if dir.is_dir() {
        case::collect_files(&[dir.to_path_buf()])
            .map_err(|e| IndexError::Walk(dir.to_path_buf(), e.to_string()))?
    } else {
        Vec::new()
    };
    let mut seen: Vec<(PathBuf, Stamp)> = Vec::with_capacity(paths.len());
    for p in paths {
        // A file removed between the walk and here is simply not there.
        if let Ok(m) = std::fs::metadata(&p) {
            seen.push((p, stamp(&m)));
        }
    }
    let changed: Vec<&(PathBuf, Stamp)> = seen
        .iter()
        .filter(|(p, s)| inner.files.get(p).is_none_or(|(old, _)| old != s))
        .collect();
    let read: Vec<(PathBuf, Stamp, Known)> = changed
        .par_iter()
        .map(|(p, s)| (p.clone(), *s, summarise(p, rules)))
        .collect();
    let keep: std::collections::HashSet<&PathBuf> = seen.iter().map(|(p, _)| p).collect();
    inner.files.retain(|p, _| keep.contains(p));
    let rebuilt = !read.is_empty()
        || inner.files.len() != inner.snapshot.cases.len() + inner.snapshot.unreadable.len();
    for (p, s, k) in read {
        inner.files.insert(p, (s, k));
    }
    if !rebuilt && inner.snapshot.as_of == Some(rules.as_of) {
        return Ok(());
    }
    let mut cases = Vec::with_capacity(inner.files.len());
    let mut unreadable = Vec::new();
    for (_, k) in inner.files.values() {
        match k {
            Known::Case(s) => cases.push(s.clone()),
            Known::Bad(u) => unreadable.push(u.clone()),
        }
    }
    cases.sort_by(|a, b| (&a.id, &a.file).cmp(&(&b.id, &b.file)));
    unreadable.sort_by(|a, b| a.file.cmp(&b.file));
    inner.snapshot = Arc::new(Snapshot {
        cases,
        unreadable,
        as_of: Some(rules.as_of),
    });
    Ok(())
}

fn summarise(path: &Path, rules: &Rules<'_>) -> Known {
    let bad = |message: String| {
        Known::Bad(Unreadable {
            file: path.to_path_buf(),
            message: mask_text(&message),
        })
    };
    let cf = match case::load(path) {
        Ok(Ok(cf)) => cf,
        Ok(Err(l)) => return bad(l.diag.message),
        Err(e) => return bad(e.to_string()),
    };
    let errors = case::validate::validate(&cf.case, rules)
        .iter()
        .filter(|d| d.is_error() && !case::TIMELINESS.contains(&d.code))
        .count();
    Known::Case(Arc::new(summary(path, &cf.case, rules, errors)))
}

/// The stage a case has reached, by the sections it has.
pub fn stage(c: &Case) -> &'static str {
    use crate::case::model::Decision;
    if c.close.is_some() {
        "已结案"
    } else if c.re_review.is_some() {
        "复核"
    } else if c.review.is_some() {
        "复查"
    } else if c.handling.is_some() {
        "已办理"
    } else {
        match c.acceptance.as_ref().map(|a| a.decision) {
            Some(Decision::Accept) => "已受理",
            Some(_) => "不予受理",
            None => "待受理",
        }
    }
}

/// Every stage name [`stage`] gives, in the order of a case's life.
pub const STAGES: [&str; 7] = [
    "待受理",
    "已受理",
    "不予受理",
    "已办理",
    "复查",
    "复核",
    "已结案",
];

fn summary(path: &Path, c: &Case, rules: &Rules<'_>, errors: usize) -> Summary {
    let next = next_step(c, &rules.calendar, rules.as_of);
    let warn = i64::from(rules.config.calendar.warn_days);
    let status = if c.close.is_some() {
        "已结案"
    } else {
        super::views::status(next.as_ref().and_then(|n| n.days_left), warn)
    };
    let mut hay = String::new();
    for t in [c.id.as_str(), c.title.as_deref().unwrap_or("")] {
        hay.push_str(t);
        hay.push('\n');
    }
    for p in &c.petitioners {
        hay.push_str(&p.name);
        hay.push('\n');
    }
    hay.push_str(&c.matter.summary);
    hay.push('\n');
    for r in &c.matter.requests {
        hay.push_str(r);
        hay.push('\n');
    }
    hay.push_str(&c.matter.category);
    Summary {
        id: c.id.clone(),
        file: path.to_path_buf(),
        petitioner: mask_text(&super::views::petitioner_label(c)),
        category: c.matter.category.clone(),
        stage: stage(c),
        leader: c.responsibility.as_ref().map(|r| r.leader.clone()),
        unit: c.responsibility.as_ref().map(|r| r.unit.clone()),
        received: c.arrival.received,
        next_step: next.as_ref().map(|n| n.step.clone()),
        due: next.as_ref().and_then(|n| n.due),
        days_left: next.as_ref().and_then(|n| n.days_left),
        status,
        errors,
        haystack: mask_text(&hay).to_lowercase(),
    }
}
