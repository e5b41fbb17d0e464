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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use crate::case::date::Date;
use crate::case::idnum::mask_text;
use crate::case::{self, deadline::next_step, Case, Rules};

/// One case as lists show it (the desk's pages and its API alike).
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Summary {
    /// 案件编号.
    pub id: String,
    #[serde(skip)]
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
    /// 结案日期 (closed on), for the years the archive can pack.
    #[serde(skip)]
    pub closed: Option<Date>,
    /// A drafted handling opinion awaits the leader's sign-off (待审签).
    pub awaiting_sign_off: bool,
    /// An extension request awaits the head's approval (延期待审批).
    pub extension_pending: bool,
    /// Lower-cased text a search looks in: case number, names, title, the
    /// matter, its requests (masked).
    #[serde(skip)]
    pub haystack: String,
}

impl Summary {
    pub fn overdue(&self) -> bool {
        self.days_left.is_some_and(|d| d < 0)
    }

    /// Still open (not closed).
    pub fn close_pending(&self) -> bool {
        self.stage != "已结案"
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
    /// Open cases due within a week or overdue, most overdue first.
    pub due_soon: Vec<Arc<Summary>>,
    /// How many cases are at each stage, in the order of [`STAGES`].
    pub by_stage: Vec<(&'static str, usize)>,
    /// Open cases per 包案领导 (None: not yet assigned), most first.
    pub by_leader: Vec<(Option<String>, usize)>,
    /// The values the list can be filtered by, sorted.
    pub categories: Vec<String>,
    pub leaders: Vec<String>,
    pub units: Vec<String>,
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

/// The files as last seen, each with what it said.
type Files = HashMap<PathBuf, (Stamp, Known)>;

/// The snapshot requests read, with when and for which generation it was made.
struct Published {
    snapshot: Arc<Snapshot>,
    at: Option<Instant>,
    generation: u64,
}

/// The index of one office's `cases/` folder.
pub struct Index {
    cases_dir: PathBuf,
    /// Held while the folder is walked: one walk at a time.
    files: Mutex<Files>,
    published: RwLock<Published>,
    /// Raised by [`Index::invalidate`]: a snapshot older than this is not served.
    generation: AtomicU64,
}

impl Index {
    /// The shortest time between two walks of the folder.
    pub const MIN_INTERVAL: Duration = Duration::from_millis(500);

    pub fn new(cases_dir: PathBuf) -> Index {
        Index {
            cases_dir,
            files: Mutex::new(HashMap::new()),
            published: RwLock::new(Published {
                snapshot: Arc::new(Snapshot::default()),
                at: None,
                generation: 0,
            }),
            generation: AtomicU64::new(0),
        }
    }

    pub fn cases_dir(&self) -> &Path {
        &self.cases_dir
    }

    /// Makes the next [`Index::current`] walk the folder whatever the throttle
    /// says, and wait for that walk (after a face wrote a case file itself, so
    /// the page it shows next sees the file).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn read_published(&self) -> std::sync::RwLockReadGuard<'_, Published> {
        // A poisoned lock only means a request panicked; the value is replaced whole.
        self.published.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The cases as of now. The last snapshot while it is younger than
    /// [`Index::MIN_INTERVAL`]; else one request walks the folder while the
    /// others keep being served the last snapshot (a request after
    /// [`Index::invalidate`], or on a new day, waits for the walk instead).
    pub fn current(&self, rules: &Rules<'_>) -> Result<Arc<Snapshot>, IndexError> {
        let wanted = self.generation.load(Ordering::SeqCst);
        let usable = |p: &Published| {
            p.at.is_some() && p.generation >= wanted && p.snapshot.as_of == Some(rules.as_of)
        };
        let fresh =
            |p: &Published| usable(p) && p.at.is_some_and(|t| t.elapsed() < Self::MIN_INTERVAL);
        let stale_ok = {
            let p = self.read_published();
            if fresh(&p) {
                return Ok(p.snapshot.clone());
            }
            usable(&p)
        };
        let mut files = if stale_ok {
            match self.files.try_lock() {
                Ok(g) => g,
                Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => {
                    return Ok(self.read_published().snapshot.clone())
                }
            }
        } else {
            self.files.lock().unwrap_or_else(|p| p.into_inner())
        };
        // Another request may have walked while this one waited.
        {
            let p = self.read_published();
            if fresh(&p) {
                return Ok(p.snapshot.clone());
            }
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let old = self.read_published().snapshot.clone();
        if old.as_of != Some(rules.as_of) {
            // Days left count from another day now: read everything again.
            files.clear();
        }
        let snapshot = refresh(&self.cases_dir, &mut files, &old, rules)?;
        let mut p = self.published.write().unwrap_or_else(|p| p.into_inner());
        *p = Published {
            snapshot: snapshot.clone(),
            at: Some(Instant::now()),
            generation,
        };
        Ok(snapshot)
    }
}

fn refresh(
    dir: &Path,
    files: &mut Files,
    old: &Arc<Snapshot>,
    rules: &Rules<'_>,
) -> Result<Arc<Snapshot>, IndexError> {
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
        .filter(|(p, s)| files.get(p).is_none_or(|(was, _)| was != s))
        .collect();
    let read: Vec<(PathBuf, Stamp, Known)> = changed
        .par_iter()
        .map(|(p, s)| (p.clone(), *s, summarise(p, rules)))
        .collect();
    let keep: std::collections::HashSet<&PathBuf> = seen.iter().map(|(p, _)| p).collect();
    files.retain(|p, _| keep.contains(p));
    let same = read.is_empty()
        && files.len() == old.cases.len() + old.unreadable.len()
        && old.as_of == Some(rules.as_of);
    if same {
        return Ok(old.clone());
    }
    for (p, s, k) in read {
        files.insert(p, (s, k));
    }
    let mut cases = Vec::with_capacity(files.len());
    let mut unreadable = Vec::new();
    for (_, k) in files.values() {
        match k {
            Known::Case(s) => cases.push(s.clone()),
            Known::Bad(u) => unreadable.push(u.clone()),
        }
    }
    cases.sort_by(|a, b| (&a.id, &a.file).cmp(&(&b.id, &b.file)));
    unreadable.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(Arc::new(Snapshot::of(cases, unreadable, rules.as_of)))
}

impl Snapshot {
    /// A snapshot of `cases` (sorted by number) with the figures pages show,
    /// counted once here rather than on every request.
    fn of(cases: Vec<Arc<Summary>>, unreadable: Vec<Unreadable>, as_of: Date) -> Snapshot {
        use std::collections::{BTreeMap, BTreeSet};
        let mut due_soon: Vec<Arc<Summary>> = cases
            .iter()
            .filter(|c| c.days_left.is_some_and(|d| d <= 7))
            .cloned()
            .collect();
        due_soon.sort_by(|a, b| (a.days_left, &a.id).cmp(&(b.days_left, &b.id)));
        let mut stages: BTreeMap<&str, usize> = BTreeMap::new();
        let mut leaders: BTreeMap<Option<&str>, usize> = BTreeMap::new();
        let (mut cats, mut leads, mut units) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for c in &cases {
            *stages.entry(c.stage).or_default() += 1;
            if c.close_pending() {
                *leaders.entry(c.leader.as_deref()).or_default() += 1;
            }
            cats.insert(c.category.as_str());
            if let Some(l) = c.leader.as_deref() {
                leads.insert(l);
            }
            if let Some(u) = c.unit.as_deref() {
                units.insert(u);
            }
        }
        let mut by_leader: Vec<(Option<String>, usize)> = leaders
            .into_iter()
            .map(|(l, n)| (l.map(str::to_string), n))
            .collect();
        by_leader.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let owned = |s: BTreeSet<&str>| -> Vec<String> {
            s.into_iter()
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        };
        Snapshot {
            due_soon,
            by_stage: STAGES
                .iter()
                .map(|s| (*s, stages.get(s).copied().unwrap_or(0)))
                .collect(),
            by_leader,
            categories: owned(cats),
            leaders: owned(leads),
            units: owned(units),
            cases,
            unreadable,
            as_of: Some(as_of),
        }
    }
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
        closed: c.close.as_ref().map(|cl| cl.date),
        awaiting_sign_off: c.awaiting_sign_off().is_some(),
        extension_pending: c.extension_pending().is_some(),
        haystack: mask_text(&hay).to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Loaded};

    fn office() -> (tempfile::TempDir, Loaded) {
        let t = tempfile::tempdir().unwrap();
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-office");
        std::fs::create_dir_all(t.path().join("cases")).unwrap();
        for e in std::fs::read_dir(demo.join("cases")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), t.path().join("cases").join(e.file_name())).unwrap();
        }
        let cfg = t.path().join("anjuan.toml");
        std::fs::copy(demo.join("anjuan.toml"), &cfg).unwrap();
        let loaded = Loaded {
            config: Config::load(&cfg).unwrap(),
            path: Some(cfg),
        };
        (t, loaded)
    }

    #[test]
    fn the_index_follows_the_folder() {
        let (t, loaded) = office();
        let rules = crate::office::rules(&loaded, None);
        let ix = Index::new(t.path().join("cases"));
        let a = ix.current(&rules).unwrap();
        assert_eq!(a.cases.len(), 8);
        let c = a.find("XF-2026-0002").unwrap();
        assert_eq!(c.petitioner, "刘堃");
        assert_eq!(c.stage, "已结案");
        assert!(!c.haystack.contains("330122198509234624"), "numbers masked");
        // Within the interval, the same snapshot.
        assert!(Arc::ptr_eq(&a, &ix.current(&rules).unwrap()));

        // A changed file is read again, a removed one dropped, a broken one listed.
        let p = t.path().join("cases/XF-2026-0002.toml");
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, text.replace("name = \"刘堃\"", "name = \"刘某\"")).unwrap();
        std::fs::remove_file(t.path().join("cases/XF-2026-0001.toml")).unwrap();
        std::fs::write(t.path().join("cases/XF-2026-0099.toml"), "id = [").unwrap();
        ix.invalidate();
        let b = ix.current(&rules).unwrap();
        assert_eq!(b.cases.len(), 7);
        assert_eq!(b.find("XF-2026-0002").unwrap().petitioner, "刘某");
        assert!(b.find("XF-2026-0001").is_none());
        assert_eq!(b.unreadable.len(), 1);
        // Unchanged summaries are shared, not re-read.
        assert!(Arc::ptr_eq(
            a.find("XF-2026-0003").unwrap(),
            b.find("XF-2026-0003").unwrap()
        ));
        assert_eq!(b.by_stage.iter().map(|(_, n)| n).sum::<usize>(), 7);
    }
}
