//! Writing files safely, and clearing what interrupted runs left behind.
//!
//! Every output goes to a temporary in the folder it ends in (same file system)
//! and is renamed into place, so an interrupted run never leaves half a file at
//! an output path.
//!
//! # Temporaries and their owners
//!
//! Every temporary anjuan creates is named `.anjuan-tmp-<pid>-<tag>` — `<pid>`
//! the creating process's id (for a person looking at the folder; it decides
//! nothing, since ids are reused), `<tag>` [`TAG_LEN`] random ASCII letters and
//! digits — with one of two shapes ([`TempKind`]):
//!
//! - `<name>.part`, a file being written ([`TempFile`], [`write_atomic`]). Its
//!   writer holds an exclusive advisory lock (`flock`) on the file itself from
//!   creation until the file has been renamed into place.
//! - `<name>/` with `<name>.lock` beside it, a working folder ([`TempDir`]: the
//!   staging folder of `ledger import`, the work folder of `pack`). Its owner
//!   holds an exclusive lock on `<name>.lock` for the folder's whole life; the
//!   lock file is created (and locked) before the folder and removed after it.
//!
//! The lock is the proof of life: the kernel drops it when its process ends,
//! however it ends (SIGKILL included), and no other process can take it while
//! the owner lives (two opens of one file conflict even within one process).
//!
//! [`sweep`] looks at one folder's entries (never below them, never following a
//! symbolic link) and removes the temporaries of runs that are no longer alive:
//! a `.part` file, or a `.lock` file with its folder, whose lock it can take at
//! once (non-blocking). It removes them while holding that lock. Everything else
//! is left alone: other names, entries of another type than the scheme's (a
//! symbolic link named like a temporary is not ours), a lock someone holds, a
//! lock that cannot be taken at all (a file system without locks: liveness
//! cannot be told, so the temporary is kept), and a `<name>/` folder without its
//! `.lock` (anjuan never leaves one: without a lock nothing proves its owner is
//! gone).
//!
//! Between creating a lock file (exclusively) and locking it, a sweeper could
//! take its lock and remove it. So the creator locks it (waiting), then checks
//! that the name still refers to the file it holds (same device and inode); if
//! not, it starts again under a new name. A sweeper removes a name only while
//! holding its lock, so once that check passes the temporary is safe.
//!
//! Files are created with mode 0600 (case files hold personal data); a caller
//! that publishes a file more widely sets its mode itself.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("无法写入 {path} (cannot write): {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The start of every temporary's name.
pub const TEMP_PREFIX: &str = ".anjuan-tmp-";
/// The length of the random tag in a temporary's name.
pub const TAG_LEN: usize = 12;

/// What a name of the temporaries' scheme stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TempKind {
    /// `<name>.part`: a file being written, locked by its writer.
    Part,
    /// `<name>.lock`: the lock of the working folder `<name>/`.
    Lock,
    /// `<name>/`: a working folder (its lock is `<name>.lock`).
    Dir,
}

impl TempKind {
    fn suffix(self) -> &'static str {
        match self {
            TempKind::Part => ".part",
            TempKind::Lock => ".lock",
            TempKind::Dir => "",
        }
    }
}

/// The name of a temporary of process `pid` with random tag `tag` ([`TAG_LEN`]
/// ASCII letters and digits), or `None` if the tag does not fit the scheme.
pub fn temp_name(pid: u32, tag: &str, kind: TempKind) -> Option<String> {
    let ok = tag.len() == TAG_LEN && tag.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then(|| format!("{TEMP_PREFIX}{pid}-{tag}{}", kind.suffix()))
}

/// Reads a file name of the temporaries' scheme: its stem (`.anjuan-tmp-<pid>-<tag>`)
/// and kind. Any other name gives `None`.
pub fn parse_temp_name(name: &str) -> Option<(&str, TempKind)> {
    let rest = name.strip_prefix(TEMP_PREFIX)?;
    let (pid, rest) = rest.split_once('-')?;
    if pid.is_empty() || pid.len() > 10 || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if rest.len() < TAG_LEN || !rest.is_char_boundary(TAG_LEN) {
        return None;
    }
    let (tag, suffix) = rest.split_at(TAG_LEN);
    if !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let kind = [TempKind::Part, TempKind::Lock, TempKind::Dir]
        .into_iter()
        .find(|k| k.suffix() == suffix)?;
    Some((&name[..name.len() - suffix.len()], kind))
}

fn builder(suffix: &str) -> tempfile::Builder<'_, '_> {
    let mut b = tempfile::Builder::new();
    b.prefix(PID_PREFIX.get_or_init(|| format!("{TEMP_PREFIX}{}-", std::process::id())))
        .rand_bytes(TAG_LEN)
        .suffix(suffix);
    b
}

static PID_PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Creates `path` (which must not exist) with mode 0600 and takes its lock.
/// `AlreadyExists` (a retry under a new name, for `tempfile`) when a sweeper
/// removed the name before the lock was ours.
fn create_locked(path: &Path) -> std::io::Result<File> {
    let f = private_options().open(path)?;
    // A file system without locks: go on unlocked (sweepers cannot take the
    // lock there either, so they keep the file).
    if f.lock().is_ok() && !names(&f, path) {
        return Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists));
    }
    Ok(f)
}

fn private_options() -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(0o600);
    }
    o
}

/// Whether `path` still names the open file `f` (`false` only when it surely
/// does not: the name is gone or names another file).
fn names(f: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        match (f.metadata(), std::fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            (_, Err(e)) if e.kind() == std::io::ErrorKind::NotFound => false,
            _ => true,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = f;
        path.is_file()
    }
}

/// A file being written: `.anjuan-tmp-<pid>-<tag>.part` in the folder it will be
/// renamed into, locked until then; removed if dropped before [`TempFile::persist`].
pub struct TempFile(tempfile::NamedTempFile<File>);

impl TempFile {
    /// A temporary for a file others read (papers, bundles, public keys, receipts):
    /// mode 0644 on Unix, not the 0600 temporaries are made with, so the file keeps
    /// the mode of a file written in place. A secret key is restricted after.
    pub fn new_in(dir: &Path) -> std::io::Result<TempFile> {
        let t = builder(TempKind::Part.suffix())
            .make_in(dir, create_locked)
            .map(TempFile)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            t.file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        Ok(t)
    }

    pub fn file(&self) -> &File {
        self.0.as_file()
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// Renames the file to `target` (over an existing file only if `replace`),
    /// then lets go of its lock.
    pub fn persist(self, target: &Path, replace: bool) -> std::io::Result<()> {
        let kept = if replace {
            self.0.persist(target)
        } else {
            self.0.persist_noclobber(target)
        };
        kept.map(drop).map_err(|e| e.error)
    }
}

/// A working folder: `.anjuan-tmp-<pid>-<tag>/` with its lock file
/// `.anjuan-tmp-<pid>-<tag>.lock` beside it, held while this value lives. Both
/// are removed when it is dropped (the folder first).
pub struct TempDir {
    path: PathBuf,
    lock: Option<tempfile::NamedTempFile<File>>,
}

impl TempDir {
    pub fn new_in(dir: &Path) -> std::io::Result<TempDir> {
        let lock = builder(TempKind::Lock.suffix()).make_in(dir, create_locked)?;
        // Our names are ASCII: `<stem>.lock` → `<stem>`.
        let name = lock
            .path()
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        let stem = name.strip_suffix(TempKind::Lock.suffix()).unwrap_or(name);
        let path = lock.path().with_file_name(stem);
        // The name is new (its lock file was created exclusively); a folder of
        // that name would be someone else's.
        std::fs::create_dir(&path)?;
        Ok(TempDir {
            path,
            lock: Some(lock),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the folder, then its lock file; an error names what was left.
    pub fn close(mut self) -> std::io::Result<()> {
        self.remove()
    }

    fn remove(&mut self) -> std::io::Result<()> {
        let Some(lock) = self.lock.take() else {
            return Ok(());
        };
        match std::fs::remove_dir_all(&self.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                // Keep the lock file: the folder is still there, and a later
                // sweep finds it through its lock.
                let _ = lock.into_temp_path().keep();
                return Err(e);
            }
        }
        lock.close()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = self.remove();
    }
}

/// Creates `path` (which must not exist) with `bytes`, mode 0600, synced.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = private_options().open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Renames `from` to `to`, failing (`AlreadyExists`) if `to` exists.
pub fn rename_noclobber(from: &Path, to: &Path) -> std::io::Result<()> {
    let p = tempfile::TempPath::try_from_path(from)?;
    p.persist_noclobber(to).map_err(|e| {
        // Not ours to delete on failure: the caller decides.
        let _ = e.path.keep();
        e.error
    })
}

/// Writes `bytes` to `path` atomically (temporary file + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_file(path, bytes, None, true)
}

/// [`write_atomic`] into a folder the caller knows exists (`dir`, the parent of
/// `path`): one temporary created, written, flushed to disk once (fsync) and
/// renamed into place once; no `mkdir`.
pub fn write_atomic_in(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = TempFile::new_in(dir).map_err(err)?;
    tmp.file().write_all(bytes).map_err(err)?;
    tmp.file().sync_all().map_err(err)?;
    tmp.persist(path, true).map_err(err)
}

/// [`write_atomic`] for a secret (a private key): owner-only (0600 on Unix) from
/// the moment it exists, never readable by others even for an instant.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_file(path, bytes, Some(0o600), true)
}

/// [`write_atomic`] for a file that must not exist yet (a new case file): the
/// rename never replaces one another run made meanwhile; that run's file stays and
/// the error's kind is `AlreadyExists`.
pub fn write_atomic_new(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_file(path, bytes, None, false)
}

/// A temporary beside `path` (its folder made if need be), given `mode` (else
/// 0644), written, synced once and renamed onto `path` (over a file there only if
/// `replace`).
fn write_file(
    path: &Path,
    bytes: &[u8],
    mode: Option<u32>,
    replace: bool,
) -> Result<(), WriteError> {
    let err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let tmp = TempFile::new_in(dir).map_err(err)?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        tmp.file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(err)?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.file().write_all(bytes).map_err(err)?;
    tmp.file().sync_all().map_err(err)?;
    tmp.persist(path, replace).map_err(err)
}

/// What [`sweep`] did.
#[derive(Debug, Default)]
pub struct Swept {
    /// Temporaries of dead runs removed (a folder with its lock counts once).
    pub removed: usize,
    /// What could not be looked at or removed, and why.
    pub failed: Vec<(PathBuf, std::io::Error)>,
}

impl Swept {
    fn add(&mut self, other: Swept) {
        self.removed += other.removed;
        self.failed.extend(other.failed);
    }
}

/// Removes the temporaries of dead runs directly in each of `dirs` (see the
/// module documentation). A folder that does not exist has none.
pub fn sweep_all<P: AsRef<Path>>(dirs: impl IntoIterator<Item = P>) -> Swept {
    let mut out = Swept::default();
    for d in dirs {
        out.add(sweep(d.as_ref()));
    }
    out
}

/// Removes the temporaries of dead runs directly in `dir` (see the module
/// documentation).
pub fn sweep(dir: &Path) -> Swept {
    let mut out = Swept::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
        Err(e) => {
            out.failed.push((dir.to_path_buf(), e));
            return out;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((stem, kind)) = name.to_str().and_then(parse_temp_name) else {
            continue;
        };
        // The entry itself, not what a link points to.
        let Ok(ft) = entry.file_type() else { continue };
        let path = entry.path();
        let result = match kind {
            TempKind::Part if ft.is_file() => sweep_part(&path),
            TempKind::Lock if ft.is_file() => sweep_lock(&path, &dir.join(stem)),
            _ => Ok(false),
        };
        match result {
            Ok(true) => out.removed += 1,
            Ok(false) => {}
            Err((p, e)) => out.failed.push((p, e)),
        }
    }
    out
}

/// The lock of `path` if it can be had at once: then its owner is gone.
fn take_lock(path: &Path) -> Option<File> {
    let f = File::open(path).ok()?;
    f.try_lock().ok().map(|()| f)
}

type SweepResult = Result<bool, (PathBuf, std::io::Error)>;

fn remove_found(path: &Path, r: std::io::Result<()>) -> SweepResult {
    match r {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err((path.to_path_buf(), e)),
    }
}

fn sweep_part(path: &Path) -> SweepResult {
    let Some(_held) = take_lock(path) else {
        return Ok(false);
    };
    remove_found(path, std::fs::remove_file(path))
}

fn sweep_lock(lock: &Path, dir: &Path) -> SweepResult {
    let Some(_held) = take_lock(lock) else {
        return Ok(false);
    };
    let mut removed = false;
    // Only a real folder (a link named like one is not ours; remove_dir_all
    // never follows links inside it).
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        removed = remove_found(dir, std::fs::remove_dir_all(dir))?;
    }
    Ok(remove_found(lock, std::fs::remove_file(lock))? || removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_in(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn names_of_the_scheme_and_only_those_are_read() {
        let stem = temp_name(42, "abcDEF012345", TempKind::Dir).unwrap();
        assert_eq!(stem, ".anjuan-tmp-42-abcDEF012345");
        assert_eq!(parse_temp_name(&stem), Some((stem.as_str(), TempKind::Dir)));
        let lock = format!("{stem}.lock");
        assert_eq!(
            parse_temp_name(&lock),
            Some((stem.as_str(), TempKind::Lock))
        );
        let part = format!("{stem}.part");
        assert_eq!(
            parse_temp_name(&part),
            Some((stem.as_str(), TempKind::Part))
        );
        for bad in [
            ".anjuan-tmp-42-abcDEF01234",       // tag too short
            ".anjuan-tmp-42-abcDEF0123456",     // tag too long
            ".anjuan-tmp-42-abcDEF01234_",      // not alphanumeric
            ".anjuan-tmp--abcDEF012345",        // no pid
            ".anjuan-tmp-4x-abcDEF012345",      // pid not a number
            ".anjuan-tmp-42-abcDEF012345.toml", // other suffix
            ".anjuan-tmp-42-abcDEF012345.part.x",
            ".anjuan-tmp-42-abcDEF01234é",
            ".anjuan-Xy12ab.part", // tempfile's old names: no owner, kept
            "XF-2026-0001.toml",
        ] {
            assert_eq!(parse_temp_name(bad), None, "{bad}");
        }
        assert_eq!(temp_name(1, "short", TempKind::Part), None);
        assert_eq!(temp_name(1, "abcDEF01234-", TempKind::Part), None);
    }

    #[test]
    fn the_library_names_its_temporaries_by_the_scheme_and_cleans_up() {
        let t = tempfile::tempdir().unwrap();
        let f = TempFile::new_in(t.path()).unwrap();
        let name = f.path().file_name().unwrap().to_str().unwrap().to_string();
        let (stem, kind) = parse_temp_name(&name).unwrap();
        assert_eq!(kind, TempKind::Part);
        assert!(stem.starts_with(&format!("{TEMP_PREFIX}{}-", std::process::id())));
        let d = TempDir::new_in(t.path()).unwrap();
        let dname = d.path().file_name().unwrap().to_str().unwrap().to_string();
        assert_eq!(parse_temp_name(&dname).unwrap().1, TempKind::Dir);
        assert!(t.path().join(format!("{dname}.lock")).is_file());
        std::fs::write(d.path().join("x"), b"x").unwrap();
        // Both alive: a sweep in this very process leaves them alone.
        let s = sweep(t.path());
        assert_eq!((s.removed, s.failed.len()), (0, 0));
        assert_eq!(names_in(t.path()).len(), 3);
        f.file().write_all(b"done").unwrap();
        f.persist(&t.path().join("out"), false).unwrap();
        d.close().unwrap();
        assert_eq!(names_in(t.path()), ["out"]);
        assert_eq!(std::fs::read(t.path().join("out")).unwrap(), b"done");
        write_atomic(&t.path().join("out"), b"again").unwrap();
        assert_eq!(names_in(t.path()), ["out"]);
    }

    #[test]
    fn a_sweep_removes_what_no_one_holds_and_keeps_what_someone_does() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path();
        let stem = |tag: &str, kind| temp_name(7, tag, kind).unwrap();
        // Held: a part and a folder (the lock taken from this process).
        let held_part = dir.join(stem("heldPart0001", TempKind::Part));
        let hp = File::create(&held_part).unwrap();
        hp.lock().unwrap();
        let held_lock = dir.join(stem("heldDir00001", TempKind::Lock));
        let hl = File::create(&held_lock).unwrap();
        hl.lock().unwrap();
        std::fs::create_dir(dir.join(stem("heldDir00001", TempKind::Dir))).unwrap();
        // Not held: a part, a folder with files and a subfolder, a lock alone.
        std::fs::write(dir.join(stem("deadPart0001", TempKind::Part)), b"half").unwrap();
        std::fs::write(dir.join(stem("deadDir00001", TempKind::Lock)), b"").unwrap();
        let dead = dir.join(stem("deadDir00001", TempKind::Dir));
        std::fs::create_dir_all(dead.join("sub")).unwrap();
        std::fs::write(dead.join("sub/1.toml"), b"x").unwrap();
        std::fs::write(dir.join(stem("deadLock0001", TempKind::Lock)), b"").unwrap();
        // Not ours: other names, a folder without a lock, a link to a user
        // folder named like a temporary's folder, with a stale lock beside it.
        std::fs::write(dir.join(".anjuan-Xy12ab.part"), b"old").unwrap();
        std::fs::write(dir.join("XF-2026-0001.toml"), b"case").unwrap();
        std::fs::create_dir(dir.join(stem("orphan000001", TempKind::Dir))).unwrap();
        let user = tempfile::tempdir().unwrap();
        std::fs::write(user.path().join("keep.pdf"), b"pdf").unwrap();
        #[cfg(unix)]
        {
            let link = dir.join(stem("linkDir00001", TempKind::Dir));
            std::os::unix::fs::symlink(user.path(), &link).unwrap();
            std::fs::write(dir.join(stem("linkDir00001", TempKind::Lock)), b"").unwrap();
            let plink = dir.join(stem("linkPart0001", TempKind::Part));
            std::os::unix::fs::symlink(user.path().join("keep.pdf"), plink).unwrap();
        }
        let s = sweep(dir);
        assert!(s.failed.is_empty(), "{:?}", s.failed);
        // deadPart, deadDir (+lock), deadLock, and the link's stale lock.
        assert_eq!(s.removed, if cfg!(unix) { 4 } else { 3 });
        let mut left = vec![
            ".anjuan-Xy12ab.part".to_string(),
            stem("heldDir00001", TempKind::Dir),
            stem("heldDir00001", TempKind::Lock),
            stem("heldPart0001", TempKind::Part),
            stem("orphan000001", TempKind::Dir),
            "XF-2026-0001.toml".into(),
        ];
        if cfg!(unix) {
            left.push(stem("linkDir00001", TempKind::Dir));
            left.push(stem("linkPart0001", TempKind::Part));
        }
        left.sort();
        assert_eq!(names_in(dir), left);
        assert_eq!(std::fs::read(user.path().join("keep.pdf")).unwrap(), b"pdf");
        // Let go: the next sweep removes them.
        drop((hp, hl));
        let s = sweep(dir);
        assert_eq!(s.removed, 2);
        assert!(!names_in(dir).iter().any(|n| n.contains("held")));
        // A folder that does not exist has nothing to sweep.
        let s = sweep(&dir.join("missing"));
        assert_eq!((s.removed, s.failed.len()), (0, 0));
    }

    #[test]
    fn a_name_removed_before_its_lock_was_taken_is_given_up() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("x.lock");
        let f = private_options().open(&p).unwrap();
        std::fs::remove_file(&p).unwrap();
        f.lock().unwrap();
        assert!(!names(&f, &p));
        let g = private_options().open(t.path().join("y.lock")).unwrap();
        assert!(names(&g, &t.path().join("y.lock")));
        // Another file under the name (removed, then made again by someone else).
        std::fs::remove_file(t.path().join("y.lock")).unwrap();
        std::fs::write(t.path().join("y.lock"), b"").unwrap();
        assert!(!names(&g, &t.path().join("y.lock")));
    }
}
