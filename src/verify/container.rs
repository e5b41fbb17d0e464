//! The bag as received: a zip read in place, or a folder. Both give the same
//! view — the bag's files by their path inside the bag, with sizes — and the
//! same structural findings, so the checks never care which it was.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::names;
use super::zipread::{self, Archive, Finding, Limits, Loc, ReadDefect};

/// Where one file's bytes are.
#[derive(Clone, Debug)]
enum At {
    Zip(Loc),
    Path(PathBuf),
}

/// One file of the bag.
#[derive(Clone, Debug)]
pub struct Item {
    pub size: u64,
    /// False when the structure checks already refused this entry (its reason
    /// is among the findings); its content is then never read.
    pub readable: bool,
    at: At,
}

pub enum Kind {
    /// The zip's entries are not kept: each file's [`Item`] has what reading
    /// it needs, and what the checks need of the rest was taken at opening.
    Zip {
        file: File,
        /// The archive's length in bytes.
        len: u64,
        comment_len: usize,
        /// The entries not as anjuan packs them (see `profile::zip_profile_marks`);
        /// `None` without entries.
        profile: Option<Vec<(Box<str>, u8)>>,
    },
    Dir,
}

/// The bag's files by their path inside the bag, in name order: all the
/// names in one string and, for each file, where its name ends and its
/// [`Item`] — 56 bytes a file besides the name's own bytes, where a
/// `BTreeMap<String, Item>` took ~185 in all.
#[derive(Default)]
pub struct Files {
    names: String,
    items: Vec<(usize, Item)>,
}

impl Files {
    fn name(&self, i: usize) -> &str {
        let start = i.checked_sub(1).map_or(0, |j| self.items[j].0);
        &self.names[start..self.items[i].0]
    }

    fn find(&self, k: &str) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.items.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.name(mid).cmp(k) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// Where `k` is in name order, if it is a file.
    pub fn position(&self, k: &str) -> Option<usize> {
        self.find(k)
    }

    /// The name of the file at `i` in name order.
    pub fn key_at(&self, i: usize) -> Option<&str> {
        (i < self.items.len()).then(|| self.name(i))
    }

    /// How many files are named before `k`.
    pub fn rank(&self, k: &str) -> usize {
        let (mut lo, mut hi) = (0, self.items.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.name(mid) < k {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    pub fn get(&self, k: &str) -> Option<&Item> {
        self.find(k).map(|i| &self.items[i].1)
    }

    /// The file's name as the bag holds it, and its item.
    pub fn get_key_value(&self, k: &str) -> Option<(&str, &Item)> {
        self.find(k).map(|i| (self.name(i), &self.items[i].1))
    }

    pub fn contains_key(&self, k: &str) -> bool {
        self.find(k).is_some()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Item)> + Clone {
        (0..self.items.len()).map(|i| (self.name(i), &self.items[i].1))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> + Clone {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &Item> + Clone {
        self.items.iter().map(|(_, i)| i)
    }

    /// Adds a file named after every file so far; false (and nothing added)
    /// if it is not.
    fn push(&mut self, k: &str, item: Item) -> bool {
        if self
            .items
            .last()
            .is_some_and(|_| self.name(self.items.len() - 1) >= k)
        {
            return false;
        }
        self.names.push_str(k);
        self.items.push((self.names.len(), item));
        true
    }

    fn shrink_to_fit(&mut self) {
        self.names.shrink_to_fit();
        self.items.shrink_to_fit();
    }
}

impl From<BTreeMap<String, Item>> for Files {
    fn from(map: BTreeMap<String, Item>) -> Files {
        let mut f = Files::default();
        for (k, item) in map {
            f.push(&k, item);
        }
        f.shrink_to_fit();
        f
    }
}

/// A received bag.
pub struct Container {
    pub kind: Kind,
    /// The path the user gave.
    pub path: PathBuf,
    /// The bag's top folder inside a zip (`X012-WS-2026-XFB/`), or empty.
    pub top: String,
    /// Files by their path inside the bag (`bagit.txt`, `data/…`).
    pub files: Files,
    /// Entries outside the bag's top folder.
    pub outside: Vec<String>,
    pub findings: Vec<Finding>,
    /// Structural findings that only reading an entry's data shows (bytes
    /// after a deflate stream, smuggled local headers), by the entry's data
    /// offset (its name is found when they are reported); see
    /// [`Container::read_findings`].
    read_found: Mutex<Vec<(u64, Finding)>>,
    pub limits: Limits,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("无法读取 {path}: {message}")]
    Io { path: String, message: String },
}

impl Container {
    pub fn open(path: &Path, limits: Limits) -> Result<Container, OpenError> {
        let io = |e: std::io::Error| OpenError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let meta = std::fs::symlink_metadata(path).map_err(io)?;
        if meta.is_dir() {
            return Ok(Container::open_dir(path, limits));
        }
        let file = File::open(path).map_err(io)?;
        let file = match Container::open_sorted(path, file, limits) {
            Ok(c) => return Ok(c),
            Err(file) => file,
        };
        let archive = match zipread::open(&file, &limits) {
            Ok(a) => a,
            Err(message) => Archive {
                len: meta.len(),
                entries: Vec::new(),
                findings: vec![Finding::NotZip(message)],
                comment_len: 0,
            },
        };
        let mut c = Container::empty(path, String::new(), limits);
        // The bag root: the folder holding bagit.txt — the zip's top level, or its one top folder.
        let named: Vec<&str> = archive
            .entries
            .iter()
            .filter(|e| e.name_ok)
            .map(|e| e.name.as_str())
            .collect();
        if !named.contains(&"bagit.txt") {
            if let Some(top) = named
                .iter()
                .filter_map(|n| n.strip_suffix("bagit.txt"))
                .filter(|p| p.ends_with('/') && p.matches('/').count() == 1)
                .min()
            {
                c.top = top.to_string();
            }
        }
        let mut files = BTreeMap::new();
        for e in archive.entries.iter().filter(|e| e.name_ok) {
            if let Some((rel, item)) = c.add_entry(e) {
                files.entry(rel).or_insert(item);
            }
        }
        c.files = files.into();
        let profile = super::profile::zip_profile_marks(&archive.entries);
        let Archive {
            len,
            findings,
            comment_len,
            entries,
        } = archive;
        drop(entries);
        c.findings.splice(0..0, findings);
        c.kind = Kind::Zip {
            file,
            len,
            comment_len,
            profile,
        };
        Ok(c)
    }

    /// A zip as anjuan writes it, its entries streamed (see
    /// [`zipread::open_sorted`]): the same container as the general path
    /// gives, without holding the central directory or the entries while the
    /// file list is made. The file back when the zip is not such: the general
    /// path then opens it.
    /// A container of `path` with no files yet, its bag root at `top` (a
    /// folder until the caller says it is a zip).
    fn empty(path: &Path, top: String, limits: Limits) -> Container {
        Container {
            path: path.to_path_buf(),
            top,
            files: Files::default(),
            outside: Vec::new(),
            findings: Vec::new(),
            read_found: Mutex::new(Vec::new()),
            limits,
            kind: Kind::Dir,
        }
    }

    fn open_sorted(path: &Path, file: File, limits: Limits) -> Result<Container, File> {
        // The bag root, as the general path finds it: from the names alone.
        let (mut at_root, mut top) = (false, None::<String>);
        let named = zipread::central_names(&file, &limits, &mut |n| {
            at_root |= n == "bagit.txt";
            if let Some(p) = n.strip_suffix("bagit.txt") {
                if p.ends_with('/')
                    && p.matches('/').count() == 1
                    && top.as_deref().is_none_or(|t| p < t)
                {
                    top = Some(p.to_string());
                }
            }
        });
        if !named {
            return Err(file);
        }
        let top = if at_root {
            String::new()
        } else {
            top.unwrap_or_default()
        };
        let mut c = Container::empty(path, top, limits);
        let mut profile = super::profile::ProfileMarks::default();
        let mut in_order = true;
        let archive = zipread::open_sorted(&file, &limits, &mut |e| {
            profile.push(e);
            if let Some((rel, item)) = c.add_entry(e) {
                in_order &= c.files.push(&rel, item);
            }
        });
        let Some(archive) = archive.filter(|_| in_order) else {
            return Err(file);
        };
        c.files.shrink_to_fit();
        c.findings.splice(0..0, archive.findings);
        c.kind = Kind::Zip {
            file,
            len: archive.len,
            comment_len: archive.comment_len,
            profile: profile.finish(),
        };
        Ok(c)
    }

    /// One entry of a zip (with a name that passed the checks): a file of the
    /// bag, by its path inside the bag, for the caller to add; or one outside
    /// the bag, or a folder (its bytes judged), taken here.
    fn add_entry(&mut self, e: &zipread::Entry) -> Option<(String, Item)> {
        let Some(rel) = e.name.strip_prefix(&self.top) else {
            self.outside.push(e.name.clone());
            return None;
        };
        if e.is_dir || rel.is_empty() {
            // Folders are never read: their bytes are judged here. An
            // empty deflate stream takes 2 bytes (5 as a stored block).
            if e.size > 0 || e.compressed > 5 {
                self.findings.push(Finding::SizeLie {
                    name: e.name.clone(),
                    detail: format!(
                        "目录项却有 {} 字节数据（压缩后 {} 字节）",
                        e.size, e.compressed
                    ),
                });
            }
            return None;
        }
        let loc = e.loc();
        Some((
            rel.to_string(),
            Item {
                size: e.size,
                readable: e.readable && loc.data_offset != u64::MAX,
                at: At::Zip(loc),
            },
        ))
    }

    fn open_dir(root: &Path, limits: Limits) -> Container {
        let mut c = Container::empty(root, String::new(), limits);
        let mut seen = Vec::new();
        let mut files = BTreeMap::new();
        for entry in walkdir::WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .min_depth(1)
        {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    c.findings
                        .push(Finding::NotZip(format!("无法遍历目录: {e}")));
                    continue;
                }
            };
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            let raw = {
                use std::os::unix::ffi::OsStrExt as _;
                rel.as_os_str().as_bytes().to_vec()
            };
            let ft = entry.file_type();
            let name = String::from_utf8_lossy(&raw).into_owned();
            if ft.is_dir() {
                continue;
            }
            if ft.is_symlink() {
                c.findings.push(Finding::Symlink { name });
                continue;
            }
            if !ft.is_file() {
                c.findings.push(Finding::Special { name });
                continue;
            }
            if let Err(defect) = names::check(&raw) {
                c.findings.push(Finding::BadName {
                    raw: zipread::escape_name(&raw),
                    defect,
                });
                continue;
            }
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            seen.push(name.clone());
            files.insert(
                name,
                Item {
                    size,
                    readable: true,
                    at: At::Path(entry.path().to_path_buf()),
                },
            );
        }
        c.files = files.into();
        let seen: Vec<&str> = seen.iter().map(String::as_str).collect();
        zipread::name_set_findings(&seen, &mut c.findings);
        c
    }

    /// The structural findings the reads so far turned up, in a fixed order
    /// (reads run in parallel): by file, then code. Each entry is reported
    /// once however often it was read.
    pub fn read_findings(&self) -> Vec<Finding> {
        let found = self
            .read_found
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        // The entries' names, by data offset: one pass over the files, for
        // the few entries with a finding.
        let wanted: std::collections::BTreeSet<u64> = found.iter().map(|(at, _)| *at).collect();
        let mut names = BTreeMap::new();
        if !wanted.is_empty() {
            for (k, item) in self.files.iter() {
                if let At::Zip(loc) = &item.at {
                    if wanted.contains(&loc.data_offset) {
                        names
                            .entry(loc.data_offset)
                            .or_insert_with(|| format!("{}{k}", self.top));
                    }
                }
            }
        }
        let mut v: Vec<Finding> = found
            .into_iter()
            .map(|(at, mut f)| {
                let name = names.get(&at).cloned().unwrap_or_default();
                match &mut f {
                    Finding::DeflateTrailing { name: n, .. }
                    | Finding::EmbeddedHeader { name: n, .. } => *n = name,
                    _ => {}
                }
                f
            })
            .collect();
        v.sort_by_key(|f| (f.file(), f.code(), f.message()));
        v
    }

    pub fn is_zip(&self) -> bool {
        matches!(self.kind, Kind::Zip { .. })
    }

    /// Streams one file's bytes to `sink`; for a zip entry the size and CRC are checked.
    pub fn read(&self, item: &Item, sink: &mut dyn FnMut(&[u8])) -> Result<u64, ReadDefect> {
        match (&self.kind, &item.at) {
            (Kind::Zip { file, .. }, At::Zip(loc)) => {
                // The name goes in when the findings are reported.
                zipread::read_loc(file, loc, item.size, "", &self.limits, sink, &mut |f| {
                    let mut found = self.read_found.lock().unwrap_or_else(|p| p.into_inner());
                    let f = (loc.data_offset, f);
                    if !found.contains(&f) {
                        found.push(f);
                    }
                })
            }
            (_, At::Path(p)) => {
                use std::io::Read as _;
                let mut f = File::open(p).map_err(|e| ReadDefect::Io(e.to_string()))?;
                let mut buf = vec![0u8; item.size.clamp(1, 256 * 1024) as usize + 1];
                let mut n_total = 0u64;
                loop {
                    let n = f
                        .read(&mut buf)
                        .map_err(|e| ReadDefect::Io(e.to_string()))?;
                    if n == 0 {
                        return Ok(n_total);
                    }
                    n_total += n as u64;
                    sink(&buf[..n]);
                }
            }
            _ => Err(ReadDefect::Io("entry not in this container".into())),
        }
    }

    /// A file that may be read whole: `None` if there is none, or why it may not.
    fn readable_item(&self, name: &str, max: u64) -> Option<Result<&Item, String>> {
        let item = self.files.get(name)?;
        if !item.readable {
            return Some(Err(
                "结构检查已拒绝该文件 (refused by the structure checks)".into(),
            ));
        }
        if item.size > max {
            return Some(Err(format!("{} 字节，超过上限 {max}", item.size)));
        }
        Some(Ok(item))
    }

    /// A file of up to `max` bytes streamed to `consume` as a [`std::io::Read`],
    /// never held whole: a reader thread feeds it through a bounded channel (a
    /// few chunks of at most 256 KiB), with the checks and limits of
    /// [`Container::read`]. The file is read to its end whatever `consume`
    /// takes, and `consume`'s result is returned only if that read succeeded:
    /// what [`Container::read_small`] would say about the file, it says.
    pub fn stream<T>(
        &self,
        name: &str,
        max: u64,
        consume: impl FnOnce(&mut dyn std::io::Read) -> T,
    ) -> Option<Result<T, String>> {
        let item = match self.readable_item(name, max)? {
            Ok(item) => item,
            Err(m) => return Some(Err(m)),
        };
        Some(std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
            let reader = s.spawn(move || {
                let mut tx = Some(tx);
                self.read(item, &mut |b| {
                    // Once the consumer has stopped, the rest is only checked.
                    if tx.as_ref().is_some_and(|t| t.send(b.to_vec()).is_err()) {
                        tx = None;
                    }
                })
            });
            let out = consume(&mut Pipe {
                rx,
                chunk: Vec::new(),
                at: 0,
            });
            match reader.join() {
                Ok(Ok(_)) => Ok(out),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err("读取失败 (reader failed)".into()),
            }
        }))
    }

    /// A small file read whole (tag files, metadata), up to `max` bytes.
    pub fn read_small(&self, name: &str, max: u64) -> Option<Result<Vec<u8>, String>> {
        let item = match self.readable_item(name, max)? {
            Ok(item) => item,
            Err(m) => return Some(Err(m)),
        };
        let mut out = Vec::with_capacity(item.size as usize);
        Some(
            self.read(item, &mut |b| out.extend_from_slice(b))
                .map(|_| out)
                .map_err(|e| e.to_string()),
        )
    }
}

/// The receiving end of [`Container::stream`].
struct Pipe {
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
}

impl std::io::Read for Pipe {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.rx.recv() {
                Ok(c) => (self.chunk, self.at) = (c, 0),
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
