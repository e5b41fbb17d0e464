//! The checks of 四性检测 over a received bag. Every check runs and records what
//! it found; nothing stops at the first defect. Here: the container findings,
//! BagIt (bagit.txt, manifests, complete, valid per algorithm, tag manifests,
//! Payload-Oxum), unexpected files, the scanner hook, trust — and the one read
//! of every file that feeds all digests. The anjuan checks are in
//! `verify::anjuan`; for a plain BagIt bag they are "not applicable".

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use sha2::Digest as _;
use unicode_normalization::UnicodeNormalization as _;

use super::anjuan::{Anjuan, ANJUAN_CHECKS, ANJUAN_TAGS};
use super::basis::{check, detail, group_of, is_image_name, More, Read, Reads};
pub use super::basis::{Options, Profile};
use super::container::Container;
use super::pdf;
use super::report::{BagitState, Bundle, Check, Detail, Property, Report, Status, SCHEMA};
use super::tagfiles;
use crate::archive::bag::{self, BagInfo, Manifest};
use crate::archive::pack::HANDOFF_JSON;

/// Payload file types accepted for long-term preservation, and metadata types.
/// File types a bundle may hold: papers (PDF, OFD), received scans (JPEG, PNG,
/// TIFF: only as received items, see `anjuan::formats`), metadata and signatures.
const ACCEPTED: [&str; 12] = [
    "pdf", "ofd", "json", "csv", "txt", "xml", "minisig", "png", "jpg", "jpeg", "tif", "tiff",
];
const SUPPORTED: [&str; 3] = ["sha256", "sha512", "sm3"];

/// Whether `want` is the hex of `got` (either case; no digest is "").
fn hex_is(got: Option<&[u8]>, want: &str) -> bool {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let got = got.unwrap_or(&[]);
    want.len() == 2 * got.len()
        && want.as_bytes().chunks(2).zip(got).all(|(h, b)| {
            h[0].eq_ignore_ascii_case(&HEX[(b >> 4) as usize])
                && h[1].eq_ignore_ascii_case(&HEX[(b & 15) as usize])
        })
}

/// One read job's closure, its lifetimes named: each job is a file's name in
/// the bag, its item and the digests wanted (bits), and gives the name back.
fn job<'c, F>(f: F) -> F
where
    F: Fn(&(&'c str, &'c super::container::Item, u8)) -> (&'c str, Read),
{
    f
}

/// A manifest as the checks keep it.
struct Listing<'c> {
    lines: Lines<'c>,
    /// The lines by the file they name, where the lines are not already in
    /// the bag's name order with each path a file's own name: (file, line),
    /// sorted. `None` for a manifest as anjuan writes it.
    by_file: Option<Vec<(&'c str, u32)>>,
}

enum Lines<'c> {
    /// Each line's path — borrowed from the bag's file list when it names
    /// one of its files as written, as it always does in a good bag — and
    /// its digest, as bytes when it is 256 bits.
    General(Vec<(std::borrow::Cow<'c, str>, Want)>),
    /// A payload manifest as anjuan writes it: line `i` names the bag's
    /// payload file `first + i` (every payload file, in name order), with a
    /// 256-bit digest; only the digests are kept (32 bytes a line).
    Exact {
        files: &'c super::container::Files,
        first: usize,
        digests: Vec<[u8; 32]>,
    },
}

/// A manifest line's digest (lowercase hex, as [`Manifest::parse`] leaves it).
#[derive(Clone)]
enum Want {
    D32([u8; 32]),
    Text(Box<str>),
}

impl Want {
    fn of(hex: String) -> Want {
        let bytes = (hex.len() == 64)
            .then(|| {
                (0..32)
                    .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                    .collect::<Option<Vec<u8>>>()
            })
            .flatten();
        match bytes {
            Some(b) => Want::D32(array(&b)),
            None => Want::Text(hex.into()),
        }
    }

    fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Want::D32(d) => bag::hex(d).into(),
            Want::Text(t) => (&**t).into(),
        }
    }

    /// Whether `got` is this digest.
    fn is(&self, got: Option<&[u8]>) -> bool {
        match self {
            Want::D32(d) => got == Some(&d[..]),
            Want::Text(t) => hex_is(got, t),
        }
    }
}

impl<'c> Listing<'c> {
    /// A manifest's text parsed straight into its listing (not through a
    /// [`Manifest`] of owned lines as well: at 3,000 cases those took 3.4 MB
    /// at the peak, while the manifests were parsed).
    fn parse(text: &str, c: &'c Container) -> Result<Listing<'c>, bag::ManifestError> {
        let mut entries = Vec::new();
        Manifest::parse_each(text, |path, digest| {
            let path = match c.files.get_key_value(&path) {
                Some((k, _)) => std::borrow::Cow::Borrowed(k),
                None => std::borrow::Cow::Owned(path),
            };
            entries.push((path, Want::of(digest)));
        })?;
        entries.shrink_to_fit();
        Ok(Listing {
            lines: Lines::General(entries),
            by_file: None,
        })
    }

    fn len(&self) -> usize {
        match &self.lines {
            Lines::General(v) => v.len(),
            Lines::Exact { digests, .. } => digests.len(),
        }
    }

    /// The lines: each path, whether it names a file of the bag as written,
    /// and its digest.
    fn iter(&self) -> impl Iterator<Item = (&str, bool, Want)> + '_ {
        (0..self.len()).map(|i| self.line(i))
    }

    fn line(&self, i: usize) -> (&str, bool, Want) {
        match &self.lines {
            Lines::General(v) => {
                let (p, w) = &v[i];
                let file = matches!(p, std::borrow::Cow::Borrowed(_));
                (&**p, file, w.clone())
            }
            Lines::Exact {
                files,
                first,
                digests,
            } => (
                files.key_at(first + i).unwrap_or_default(),
                true,
                Want::D32(digests[i]),
            ),
        }
    }

    /// A manifest as anjuan writes it, streamed: every line as
    /// [`tagfiles::plain_manifest_line`] accepts it (so the general path would
    /// find no problem in it), in strictly ascending path order. Neither its
    /// bytes nor its text are held, only the listing. `None` when a line is
    /// not so, or the file cannot be read: the general path then reads and
    /// judges it whole.
    fn plain(c: &'c Container, name: &str, alg: &str, payload: bool) -> Option<Listing<'c>> {
        use std::io::BufRead as _;
        let size = c.files.get(name)?.size;
        let files = &c.files;
        let first = files.rank("data/");
        // The lines so far as general ones (those of an exact listing).
        let general = |digests: &[[u8; 32]]| -> Vec<(std::borrow::Cow<'c, str>, Want)> {
            let names = (first..).map(|j| files.key_at(j).unwrap_or_default());
            names
                .zip(digests)
                .map(|(k, d)| (std::borrow::Cow::Borrowed(k), Want::D32(*d)))
                .collect()
        };
        let listing = c.stream(name, 64 << 20, |r| {
            let mut r = std::io::BufReader::with_capacity(64 << 10, r);
            let mut line = Vec::new();
            let mut prev = String::new();
            // Room for about as many lines as a manifest of this size has.
            let lines = (size / 120) as usize;
            let mut exact = payload.then(|| Vec::with_capacity(lines));
            let mut entries = Vec::new();
            loop {
                line.clear();
                if r.read_until(b'\n', &mut line).ok()? == 0 {
                    break;
                }
                let l = line.strip_suffix(b"\n").unwrap_or(&line);
                let (digest, path) = tagfiles::plain_manifest_line(l, alg, payload, &prev)?;
                let want = Want::of(digest.to_ascii_lowercase());
                prev.clear();
                prev.push_str(path);
                if let Some(digests) = &mut exact {
                    match (&want, files.key_at(first + digests.len())) {
                        (Want::D32(d), Some(k)) if k == path => {
                            digests.push(*d);
                            continue;
                        }
                        _ => entries = general(&std::mem::take(digests)),
                    }
                    exact = None;
                }
                let listed = match files.get_key_value(path) {
                    Some((k, _)) => std::borrow::Cow::Borrowed(k),
                    None => std::borrow::Cow::Owned(path.to_string()),
                };
                entries.push((listed, want));
            }
            // Exact only if it lists every payload file.
            let lines = match exact {
                Some(digests)
                    if !files
                        .key_at(first + digests.len())
                        .is_some_and(|k| k.starts_with("data/")) =>
                {
                    let mut digests = digests;
                    digests.shrink_to_fit();
                    Lines::Exact {
                        files,
                        first,
                        digests,
                    }
                }
                Some(digests) => Lines::General(general(&digests)),
                None => {
                    entries.shrink_to_fit();
                    Lines::General(entries)
                }
            };
            Some(Listing {
                lines,
                by_file: None,
            })
        })?;
        listing.ok().flatten()
    }

    /// Indexes the lines by the file they name (`resolve`: the bag's file a
    /// path names), unless they already are.
    fn index(&mut self, resolve: &dyn Fn(&str) -> Option<&'c str>) {
        let Lines::General(entries) = &self.lines else {
            return;
        };
        let in_order = entries
            .windows(2)
            .all(|w| w[0].0.as_bytes() < w[1].0.as_bytes())
            && entries.iter().all(|(p, _)| match p {
                std::borrow::Cow::Borrowed(_) => true,
                std::borrow::Cow::Owned(p) => resolve(p).is_none(),
            });
        if in_order {
            return;
        }
        let mut v: Vec<(&'c str, u32)> = entries
            .iter()
            .enumerate()
            .filter_map(|(i, (p, _))| Some((resolve(p)?, i as u32)))
            .collect();
        v.sort_unstable();
        self.by_file = Some(v);
    }

    /// The lines naming `file`, in line order.
    fn lines(&self, file: &str) -> Vec<u32> {
        match (&self.by_file, &self.lines) {
            (
                None,
                Lines::Exact {
                    files,
                    first,
                    digests,
                },
            ) => files
                .position(file)
                .filter(|i| (*first..first + digests.len()).contains(i))
                .map(|i| vec![(i - first) as u32])
                .unwrap_or_default(),
            (None, Lines::General(entries)) => entries
                .binary_search_by(|(p, _)| p.as_ref().cmp(file))
                .ok()
                .filter(|&i| matches!(entries[i].0, std::borrow::Cow::Borrowed(_)))
                .map(|i| vec![i as u32])
                .unwrap_or_default(),
            (Some(v), _) => {
                let lo = v.partition_point(|e| e.0 < file);
                v[lo..]
                    .iter()
                    .take_while(|e| e.0 == file)
                    .map(|e| e.1)
                    .collect()
            }
        }
    }
}

/// A digest's bytes as an array.
fn array<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(b);
    a
}

/// The digests a file is read for, one bit each.
const SHA256: u8 = 1;
const SHA512: u8 = 2;
const SM3: u8 = 4;
const BLAKE2B: u8 = 8;

fn alg_bit(alg: &str) -> u8 {
    match alg {
        "sha512" => SHA512,
        "sm3" => SM3,
        _ => SHA256,
    }
}

struct Hashers {
    sha256: Option<sha2::Sha256>,
    sha512: Option<sha2::Sha512>,
    sm3: Option<sm3::Sm3>,
    blake2b: Option<blake2::Blake2b512>,
}

impl Hashers {
    fn update(&mut self, b: &[u8]) {
        if let Some(h) = &mut self.sha256 {
            h.update(b);
        }
        if let Some(h) = &mut self.sha512 {
            h.update(b);
        }
        if let Some(h) = &mut self.sm3 {
            h.update(b);
        }
        if let Some(h) = &mut self.blake2b {
            h.update(b);
        }
    }
}

fn na(id: &'static str, property: Property, name: &'static str, why: &str) -> Check {
    Check {
        id,
        property,
        name,
        status: Status::NotApplicable,
        summary: why.to_string(),
        details: Vec::new(),
    }
}

/// A container finding as a report detail.
fn finding_detail(f: &super::zipread::Finding) -> Detail {
    Detail {
        code: f.code(),
        item: None,
        file: f.file(),
        message: f.message(),
    }
}

/// A manifest line naming a file outside `data/`.
fn outside_payload(alg: &str, path: &str) -> Detail {
    detail(
        "bagit.outside-payload",
        Some(path),
        format!("manifest-{alg}.txt 列出 data/ 以外的文件"),
    )
}

fn fixity_id(alg: &str) -> &'static str {
    match alg {
        "sha256" => "authenticity.fixity-sha256",
        "sha512" => "authenticity.fixity-sha512",
        _ => "authenticity.fixity-sm3",
    }
}

fn fixity_name(alg: &str) -> &'static str {
    match alg {
        "sha256" => "内容摘要校验 SHA-256 (fixity)",
        "sha512" => "内容摘要校验 SHA-512 (fixity)",
        _ => "内容摘要校验 SM3 (fixity)",
    }
}

/// Runs every check on `c`.
pub fn run(c: &Container, opts: &Options, bundle_sha256: Option<String>) -> Report {
    let mut checks: Vec<Check> = Vec::new();
    use Property::*;

    // ---- The container: what the structure checks found.
    let finding_details = |pred: &dyn Fn(&str) -> bool| -> Vec<Detail> {
        c.findings
            .iter()
            .filter(|f| !f.is_warning() && pred(&f.code()))
            .map(finding_detail)
            .collect()
    };
    let mut names_check = check(
        "security.entry-names",
        Security,
        "文件名安全 (entry names)",
        finding_details(&|c| c.starts_with("name.")),
        "无路径穿越、绝对路径、反斜杠、控制字符、Windows 保留名、重名、NFC/大小写同名".into(),
    );
    // Look-alike names warn: a defect, if any, still fails the check.
    let look_alike: Vec<Detail> = c
        .findings
        .iter()
        .filter(|f| f.is_warning() && f.code().starts_with("name."))
        .map(finding_detail)
        .collect();
    if !look_alike.is_empty() {
        if names_check.status == Status::Pass {
            names_check.status = Status::Warn;
            names_check.summary = format!("{} 组形近文件名 (confusable names)", look_alike.len());
        }
        names_check.details.extend(look_alike);
    }
    checks.push(names_check);
    checks.push(check(
        "security.links",
        Security,
        "无链接与特殊文件 (no symlinks)",
        finding_details(&|c| c == "zip.symlink" || c == "zip.special-file"),
        "无符号链接、设备或管道文件".into(),
    ));
    checks.push(check(
        "security.container",
        Security,
        "容器结构 (container structure)",
        finding_details(&|c| {
            c.starts_with("zip.")
                && !matches!(
                    c,
                    "zip.symlink"
                        | "zip.special-file"
                        | "zip.bomb"
                        | "zip.too-many-entries"
                        | "zip.encrypted"
                        | "zip.method"
                )
        }),
        if c.is_zip() {
            "结尾记录、中央目录与各本地文件头一致，字节无重叠、无空隙".into()
        } else {
            "目录可完整遍历".into()
        },
    ));
    checks.push(check(
        "security.bombs",
        Security,
        "压缩炸弹防护 (zip bombs)",
        finding_details(&|c| c == "zip.bomb" || c == "zip.too-many-entries"),
        format!(
            "条目数、压缩比（≤{}:1）与总解压量均在限度内",
            c.limits.max_ratio
        ),
    ));
    let mut no_encryption = finding_details(&|c| c == "zip.encrypted" || c == "zip.method");

    // ---- BagIt: bagit.txt, bag-info, manifests.
    let mut structure: Vec<Detail> = Vec::new();
    let mut readable: Vec<Detail> = Vec::new();
    let small = |name: &str| c.read_small(name, 64 << 20);
    // A tag file's text, line endings made `\n`; its shape problems (BOM,
    // encoding, mixed line endings, control characters) and those of its
    // kind (bagit.txt, bag-info.txt, manifests) go to the structure check.
    let lint = std::cell::RefCell::new(Vec::<Detail>::new());
    let text_of = |name: &str, out: &mut Vec<Detail>| -> Option<String> {
        match small(name)? {
            Ok(b) => {
                let (mut problems, t) = tagfiles::text(&b);
                if name == "bagit.txt" {
                    problems = tagfiles::bagit_txt(&b);
                }
                // The bytes are not needed beside their text (a manifest's
                // is as long as the bag has files).
                drop(b);
                if let Some(t) = &t {
                    if name == "bag-info.txt" {
                        problems.extend(tagfiles::bag_info(t));
                    } else if let Some(alg) = name
                        .strip_prefix("manifest-")
                        .and_then(|r| r.strip_suffix(".txt"))
                    {
                        problems.extend(tagfiles::manifest(t, alg, true));
                    } else if let Some(alg) = name
                        .strip_prefix("tagmanifest-")
                        .and_then(|r| r.strip_suffix(".txt"))
                    {
                        problems.extend(tagfiles::manifest(t, alg, false));
                    }
                }
                lint.borrow_mut().extend(
                    problems
                        .into_iter()
                        .map(|p| detail(p.code, Some(name), p.message)),
                );
                if t.is_none() {
                    out.push(detail("meta.not-utf8", Some(name), "不是 UTF-8 文本"));
                }
                t.map(|mut t| {
                    if t.starts_with('\u{feff}') {
                        t.drain(..'\u{feff}'.len_utf8());
                    }
                    t
                })
            }
            Err(m) => {
                out.push(detail("meta.unreadable", Some(name), m));
                None
            }
        }
    };
    match text_of("bagit.txt", &mut readable) {
        None if !c.files.contains_key("bagit.txt") => structure.push(detail(
            "bagit.no-bagit-txt",
            Some("bagit.txt"),
            "缺少 bagit.txt：不是 BagIt 包 (not a BagIt bag)",
        )),
        None => {}
        Some(t) => {
            let info = BagInfo::parse(&t).unwrap_or_default();
            match info.get("BagIt-Version") {
                Some("1.0") | Some("0.97") => {}
                v => structure.push(detail(
                    "bagit.version",
                    Some("bagit.txt"),
                    format!("BagIt-Version 为 {:?}，应为 1.0", v.unwrap_or("")),
                )),
            }
            if !info
                .get("Tag-File-Character-Encoding")
                .is_some_and(|e| e.eq_ignore_ascii_case("UTF-8"))
            {
                structure.push(detail(
                    "bagit.encoding",
                    Some("bagit.txt"),
                    "Tag-File-Character-Encoding 应为 UTF-8",
                ));
            }
        }
    }
    let info = text_of("bag-info.txt", &mut readable)
        .and_then(|t| match BagInfo::parse(&t) {
            Ok(i) => Some(i),
            Err(line) => {
                readable.push(detail(
                    "meta.bag-info",
                    Some("bag-info.txt"),
                    format!("第 {line} 行不是“标签: 值”"),
                ));
                None
            }
        })
        .unwrap_or_default();
    if c.files.contains_key("fetch.txt") {
        structure.push(detail(
            "bagit.fetch",
            Some("fetch.txt"),
            "含 fetch.txt：包内容不全，需从外部获取 (holey bag)",
        ));
    }

    // Manifests at the top of the bag.
    let mut manifests: BTreeMap<String, Listing> = BTreeMap::new();
    let mut tagmanifests: BTreeMap<String, Listing> = BTreeMap::new();
    let mut skipped: Vec<String> = Vec::new();
    let mut unchecked: Vec<Detail> = Vec::new();
    for name in c.files.keys().filter(|n| !n.contains('/')) {
        let (tag, alg) = if let Some(a) = name
            .strip_prefix("tagmanifest-")
            .and_then(|r| r.strip_suffix(".txt"))
        {
            (true, a)
        } else if let Some(a) = name
            .strip_prefix("manifest-")
            .and_then(|r| r.strip_suffix(".txt"))
        {
            (false, a)
        } else {
            continue;
        };
        if !SUPPORTED.contains(&alg) {
            // md5/sha1 manifests of older bags: a warning while another
            // manifest is checked (none at all is `bagit.no-manifest`).
            unchecked.push(detail(
                "bagit.unsupported-algorithm",
                Some(name),
                format!("不支持的摘要算法 {alg}，未校验 (not checked)"),
            ));
            continue;
        }
        // The signed tag manifest is always checked: the signature's cover of
        // the manifests and tag files rests on it, whatever `--alg` says.
        let signed = name == "tagmanifest-sha256.txt";
        if !signed && !opts.algs.is_empty() && !opts.algs.iter().any(|a| a == alg) {
            skipped.push(name.to_string());
            continue;
        }
        // A manifest as anjuan writes it is taken line by line as it is
        // read; any other is read whole and judged by the general path.
        let parsed = match Listing::plain(c, name, alg, !tag) {
            Some(m) => Ok(m),
            None => {
                let Some(text) = text_of(name, &mut readable) else {
                    continue;
                };
                Listing::parse(&text, c)
            }
        };
        match parsed {
            Ok(m) => {
                if tag {
                    tagmanifests.insert(alg.to_string(), m);
                } else {
                    manifests.insert(alg.to_string(), m);
                }
            }
            Err(e) => readable.push(detail("meta.manifest", Some(name), e.to_string())),
        }
    }
    if manifests.is_empty() {
        structure.push(if skipped.is_empty() {
            detail(
                "bagit.no-manifest",
                None,
                "没有可校验的清单 manifest-<alg>.txt (no payload manifest)",
            )
        } else {
            detail(
                "bagit.alg-absent",
                None,
                format!("包中没有 --alg {} 所指的清单", opts.algs.join("/")),
            )
        });
    }

    // Names as the manifests say them, matched after NFC normalisation (the
    // table made only if a name is not found as it is).
    let nfc: std::cell::OnceCell<HashMap<String, &str>> = std::cell::OnceCell::new();
    let resolve = |p: &str| -> Option<&str> {
        if let Some((k, _)) = c.files.get_key_value(p) {
            return Some(k);
        }
        nfc.get_or_init(|| {
            c.files
                .keys()
                .map(|k| (k.nfc().collect::<String>(), k))
                .collect()
        })
        .get(&p.nfc().collect::<String>())
        .copied()
    };

    // ---- Completeness (RFC 8493 §3).
    for m in manifests.values_mut().chain(tagmanifests.values_mut()) {
        m.index(&resolve);
    }

    let mut complete: Vec<Detail> = Vec::new();
    // The payload files, in name order (not held: a bag has as many as it
    // has files).
    let payload = || c.files.keys().filter(|k| k.starts_with("data/"));
    for (alg, m) in &manifests {
        if m.by_file.is_none() {
            // The lines in name order, each naming a file as written or none
            // (see `Listing::index`): the files listed come in the order the
            // payload files do, and are compared with them as both go.
            let mut unlisted = Vec::new();
            let mut files = payload().peekable();
            for (path, names_file, _) in m.iter() {
                if !path.starts_with("data/") {
                    complete.push(outside_payload(alg, path));
                    continue;
                }
                if !names_file {
                    complete.push(detail(
                        "bagit.missing",
                        Some(path),
                        format!("manifest-{alg}.txt 列出的文件不存在 (listed, missing)"),
                    ));
                    continue;
                }
                while let Some(p) = files.next_if(|p| *p < path) {
                    unlisted.push(p);
                }
                files.next_if(|p| *p == path);
            }
            unlisted.extend(files);
            for p in unlisted {
                complete.push(detail(
                    "bagit.unlisted",
                    Some(p),
                    format!("文件未列入 manifest-{alg}.txt (present, unlisted)"),
                ));
            }
            continue;
        }
        let mut listed = BTreeSet::new();
        for (path, _, _) in m.iter() {
            if !path.starts_with("data/") {
                complete.push(outside_payload(alg, path));
                continue;
            }
            match resolve(path) {
                Some(actual) => {
                    listed.insert(actual);
                }
                None => complete.push(detail(
                    "bagit.missing",
                    Some(path),
                    format!("manifest-{alg}.txt 列出的文件不存在 (listed, missing)"),
                )),
            }
        }
        for p in payload() {
            if !listed.contains(p) {
                complete.push(detail(
                    "bagit.unlisted",
                    Some(p),
                    format!("文件未列入 manifest-{alg}.txt (present, unlisted)"),
                ));
            }
        }
    }

    // ---- Read every file once, with every digest it needs.
    let is_anjuan = opts.anjuan_required()
        || info.get("Anjuan-Generator").is_some()
        || c.files.contains_key(HANDOFF_JSON)
        || c.files.contains_key("data/catalogue.json");
    let deep = is_anjuan && !opts.bagit_level();
    // The digests a file is read for: those of the manifests that list it,
    // and for the anjuan checks SHA-256, SM3 of a text file, and BLAKE2b of
    // a signed file. None: the file is not read.
    let bits_of = |k: &str| -> u8 {
        let mut b = 0;
        for (alg, m) in manifests.iter().chain(tagmanifests.iter()) {
            if !m.lines(k).is_empty() {
                b |= alg_bit(alg);
            }
        }
        if deep {
            b |= SHA256;
            if k.ends_with(".txt") {
                b |= SM3;
            }
            if c.files.contains_key(&format!("{k}.minisig")) {
                b |= BLAKE2B;
            }
        }
        b
    };
    // The anjuan checks read the files of each folder under data/ as they
    // come to it (see `Anjuan::walk`): only the rest is read here.
    let jobs: Vec<(&str, &super::container::Item, u8)> = c
        .files
        .iter()
        .filter(|(k, _)| !deep || group_of(k).is_none())
        .filter_map(|(k, item)| {
            let b = bits_of(k);
            (b != 0).then_some((k, item, b))
        })
        .collect();
    let read_one = job(|&(name, item, algs)| {
        let mut r = Read::default();
        if !item.readable {
            r.more = Some(Box::new(More::Error(
                "结构检查已拒绝，未读取 (refused by the structure checks)".into(),
            )));
            return (name, r);
        }
        let mut h = Hashers {
            sha256: (algs & SHA256 != 0).then(sha2::Sha256::new),
            sha512: (algs & SHA512 != 0).then(sha2::Sha512::new),
            sm3: (algs & SM3 != 0).then(sm3::Sm3::new),
            blake2b: (algs & BLAKE2B != 0).then(<blake2::Blake2b512 as sha2::Digest>::new),
        };
        let want_pdf = deep && name.ends_with(".pdf") && item.size <= 256 << 20;
        let want_image = deep && is_image_name(name) && item.size <= 256 << 20;
        let mut buf = Vec::with_capacity(if want_pdf || want_image {
            item.size as usize
        } else {
            0
        });
        let res = c.read(item, &mut |b| {
            h.update(b);
            if want_pdf || want_image {
                buf.extend_from_slice(b);
            }
        });
        if let Err(e) = res {
            r.more = Some(Box::new(More::Error(e.to_string().into())));
            return (name, r);
        }
        r.sha256 = h.sha256.map(|x| array(&x.finalize()));
        r.sha512 = h.sha512.map(|x| Box::new(array(&x.finalize())));
        r.sm3 = h.sm3.map(|x| array(&x.finalize()));
        r.blake2b = h.blake2b.map(|x| Box::new(array(&x.finalize())));
        if want_pdf {
            r.more = Some(Box::new(More::Pdf(pdf::facts(buf))));
        } else if want_image {
            r.more = Some(Box::new(More::Image(crate::case::original::sniff(&buf))));
        }
        (name, r)
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .ok();
    let reads = Reads::new(match &pool {
        Some(p) => p.install(|| jobs.par_iter().map(read_one).collect()),
        None => jobs.iter().map(read_one).collect(),
    });
    // What is kept per file from here on is what the reads gave.
    drop(jobs);
    let read_file = |k: &str| -> Option<Read> {
        let (k, item) = c.files.get_key_value(k)?;
        Some(read_one(&(k, item, bits_of(k))).1)
    };

    // The anjuan checks' walk over the case folders, which reads their files:
    // each read's digests compared with the manifests' lines as it is read,
    // (manifest, line, detail) kept for what differs.
    let mut name = info
        .get("External-Identifier")
        .map(str::to_string)
        .unwrap_or_else(|| c.top.trim_end_matches('/').to_string());
    let mut found: Vec<(usize, u32, Detail)> = Vec::new();
    let walked = if deep {
        let a = Anjuan::load(c, &reads, &mut readable);
        if name.is_empty() {
            name = a.handoff_name();
        }
        let listings: Vec<(&String, &Listing)> =
            manifests.iter().chain(tagmanifests.iter()).collect();
        let payload_listings = manifests.len();
        let mut on_read = |k: &str, r: &Read| {
            for (i, (alg, m)) in listings.iter().enumerate() {
                let kind = if i < payload_listings {
                    "fixity"
                } else {
                    "tagfixity"
                };
                for line in m.lines(k) {
                    if let Some(d) = compare_read(r, alg, k, &m.line(line as usize).2, kind) {
                        found.push((i, line, d));
                    }
                }
            }
        };
        let mut go = || a.walk(c, &reads, &read_file, &info, &name, opts, &mut on_read);
        let w = match &pool {
            Some(p) => p.install(go),
            None => go(),
        };
        Some((a, w))
    } else {
        None
    };
    found.sort_by_key(|e| (e.0, e.1));
    // A line's finding: compared now if its file was read above, else as the
    // walk found it.
    let line_finding = |i: usize, line: usize, alg: &str, file: &str, want: &Want, kind: &str| {
        if reads.get(file).is_some() {
            compare(&reads, alg, file, want, kind)
        } else {
            found
                .binary_search_by_key(&(i, line as u32), |e| (e.0, e.1))
                .ok()
                .map(|j| found[j].2.clone())
        }
    };

    // ---- What reading the entries showed about the container (bytes after a
    // deflate stream, smuggled local headers): the container check's too.
    let late: Vec<Detail> = c.read_findings().iter().map(finding_detail).collect();
    if !late.is_empty() {
        if let Some(k) = checks.iter_mut().find(|k| k.id == "security.container") {
            k.status = Status::Fail;
            k.details.extend(late);
            k.summary = format!("{} 项问题 (defects)", k.details.len());
        }
    }

    // ---- Fixity (valid) per algorithm, and the tag manifests.
    let mut valid = complete.is_empty();
    for (i, (alg, m)) in manifests.iter().enumerate() {
        let mut d = Vec::new();
        for (line, (path, _, want)) in m.iter().enumerate() {
            let Some(actual) = resolve(path) else {
                continue;
            };
            d.extend(line_finding(i, line, alg, actual, &want, "fixity"));
        }
        valid &= d.is_empty();
        let n = m.len();
        checks.push(check(
            fixity_id(alg),
            Authenticity,
            fixity_name(alg),
            d,
            format!("{n} 个文件的 {alg} 摘要全部相符"),
        ));
    }
    if !manifests.is_empty() || !skipped.is_empty() {
        for s in &skipped {
            let alg = s.trim_start_matches("manifest-").trim_end_matches(".txt");
            if SUPPORTED.contains(&alg) && !manifests.contains_key(alg) {
                checks.push(na(
                    fixity_id(alg),
                    Authenticity,
                    fixity_name(alg),
                    "按 --alg 未校验 (not checked on request)",
                ));
            }
        }
    }
    valid &= !manifests.is_empty();
    let mut tagfix = Vec::new();
    for (t, (alg, m)) in tagmanifests.iter().enumerate() {
        let i = manifests.len() + t;
        for (line, (path, _, want)) in m.iter().enumerate() {
            match resolve(path) {
                None => tagfix.push(detail(
                    "tagfixity.missing",
                    Some(path),
                    format!("tagmanifest-{alg}.txt 列出的文件不存在"),
                )),
                Some(actual) => {
                    tagfix.extend(line_finding(i, line, alg, actual, &want, "tagfixity"))
                }
            }
        }
    }
    if tagmanifests.is_empty() {
        checks.push(if is_anjuan {
            check(
                "authenticity.tag-fixity",
                Authenticity,
                "标签文件摘要校验 (tag manifests)",
                vec![detail(
                    "tagfixity.none",
                    None,
                    "缺少 tagmanifest (no tag manifest)",
                )],
                String::new(),
            )
        } else {
            na(
                "authenticity.tag-fixity",
                Authenticity,
                "标签文件摘要校验 (tag manifests)",
                "包中没有 tagmanifest（BagIt 可选）",
            )
        });
    } else {
        checks.push(check(
            "authenticity.tag-fixity",
            Authenticity,
            "标签文件摘要校验 (tag manifests)",
            tagfix,
            format!("{} 份标签清单全部相符", tagmanifests.len()),
        ));
    }
    // The manifests' lines are kept: a file read again by the anjuan checks
    // (`read_file`) is read for the digests of the manifests that list it.

    // ---- Payload-Oxum.
    let (payload_files, payload_bytes) = c
        .files
        .iter()
        .filter(|(k, _)| k.starts_with("data/"))
        .fold((0, 0u64), |(n, b), (_, i)| (n + 1, b + i.size));
    let actual_oxum = bag::oxum(payload_bytes, payload_files);
    checks.push(match info.get("Payload-Oxum") {
        None => na(
            "integrity.payload-oxum",
            Integrity,
            "数据量与文件数 (Payload-Oxum)",
            "bag-info.txt 未声明 Payload-Oxum",
        ),
        Some(o) => check(
            "integrity.payload-oxum",
            Integrity,
            "数据量与文件数 (Payload-Oxum)",
            if o == actual_oxum {
                vec![]
            } else {
                vec![detail(
                    "oxum.mismatch",
                    Some("bag-info.txt"),
                    format!("声明 {o}，实际 {actual_oxum}（字节.文件数）"),
                )]
            },
            format!("{actual_oxum}（字节.文件数）与声明一致"),
        ),
    });
    let complete_ok = complete.is_empty() && !manifests.is_empty();
    checks.push(check(
        "integrity.bag-complete",
        Integrity,
        "BagIt 完整 (complete)",
        complete,
        format!(
            "清单所列 {} 个文件齐全，data/ 中无未列入的文件",
            payload_files
        ),
    ));

    // ---- Unexpected files.
    let mut unexpected: Vec<Detail> = c
        .outside
        .iter()
        .map(|n| {
            detail(
                "files.outside-bag",
                Some(n),
                "包顶层目录之外的条目 (outside the bag)",
            )
        })
        .collect();
    for k in c.files.keys().filter(|k| !k.starts_with("data/")) {
        // An anjuan bundle has exactly its tag files: one added among them is
        // named even when a tag manifest lists it (whoever added it could
        // list it, but not re-sign the manifest).
        let known = if is_anjuan {
            ANJUAN_TAGS.contains(&k)
        } else {
            true
        };
        if !known {
            unexpected.push(detail(
                "files.unexpected-tag",
                Some(k),
                "不属于移交包规范的文件，也未列入标签清单 (unexpected file)",
            ));
        }
    }
    if deep {
        for p in payload() {
            let ext = p.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
            if !ext.is_some_and(|e| ACCEPTED.contains(&e.as_str())) {
                unexpected.push(detail(
                    "files.unexpected-type",
                    Some(p),
                    "不是移交包应有的文件类型 (unexpected file type)",
                ));
            }
        }
    }
    checks.push(check(
        "security.unexpected-files",
        Security,
        "无多余文件 (no unexpected files)",
        unexpected,
        "包内只有规范所列的文件".into(),
    ));

    // ---- Virus scan hook.
    checks.push(match &opts.scan {
        None => Check {
            id: "security.malware-scan",
            property: Security,
            name: "病毒扫描 (malware scan)",
            status: Status::Unchecked,
            summary:
                "未检测：未配置病毒扫描程序 (not checked: no scanner; use --scan \"clamdscan -\")"
                    .into(),
            details: vec![],
        },
        Some(cmd) => scan(c, cmd, &payload().collect::<Vec<_>>()),
    });

    // ---- The anjuan checks.
    let why = if opts.bagit_level() {
        "按 --bagit 仅做 BagIt 检查 (BagIt-level only)"
    } else {
        "非 anjuan 移交包，不适用 (plain BagIt bag)"
    };
    let mut signers: BTreeSet<String> = BTreeSet::new();
    let mut package_signer: Option<String> = None;
    let mut anjuan = None;
    if let Some((a, w)) = walked {
        let run_checks = || {
            a.checks(
                w,
                c,
                &reads,
                &read_file,
                &info,
                &name,
                opts,
                &mut checks,
                &mut structure,
                &mut signers,
                &mut package_signer,
                &mut no_encryption,
            )
        };
        match &pool {
            Some(p) => p.install(run_checks),
            None => run_checks(),
        }
        anjuan = Some(a);
    } else {
        for (id, p, n) in ANJUAN_CHECKS {
            checks.push(na(id, p, n, why));
        }
    }
    checks.push(Check {
        id: "security.trusted-signer",
        property: Security,
        name: "签名者可信 (trusted signer)",
        ..if !deep {
            na("", Security, "", why)
        } else if signers.is_empty() {
            check(
                "",
                Security,
                "",
                vec![detail("trust.unsigned", None, "移交包未签名 (unsigned)")],
                String::new(),
            )
        } else if opts.trust.is_empty() {
            Check {
                id: "",
                property: Security,
                name: "",
                status: Status::Warn,
                summary: format!(
                    "未指定可信公钥 (--trust)，签名密钥 {} 未经核实",
                    signers.iter().cloned().collect::<Vec<_>>().join("、")
                ),
                details: vec![],
            }
        } else {
            let mut d: Vec<Detail> = signers
                .iter()
                .filter(|k| !opts.trust.iter().any(|(id, _)| id == *k))
                .map(|k| {
                    detail(
                        "trust.untrusted-key",
                        None,
                        format!("签名密钥 {k} 不在可信公钥之列 (signed with an untrusted key)"),
                    )
                })
                .collect();
            // Trust rests on the package signature: valid papers alone do not
            // vouch for the bag's tag files and manifests.
            if package_signer.is_none() {
                d.push(detail(
                    "trust.package-unsigned",
                    Some("tagmanifest-sha256.txt.minisig"),
                    "没有可信密钥对标签清单的有效签名：移交包整体未经可信签名 (no valid trusted package signature)",
                ));
            }
            check(
                "",
                Security,
                "",
                d,
                format!(
                    "签名密钥 {} 可信",
                    signers.iter().cloned().collect::<Vec<_>>().join("、")
                ),
            )
        }
    });

    structure.extend(lint.into_inner());
    let mut structure_check = check(
        "authenticity.structure",
        Authenticity,
        "包结构符合规范 (structure)",
        structure,
        if is_anjuan {
            "BagIt 1.0 与 anjuan 移交包规范：标签文件齐全，压缩包格式确定".into()
        } else {
            "BagIt 1.0：bagit.txt 与清单齐全".into()
        },
    );
    if !unchecked.is_empty() {
        if structure_check.status == Status::Pass {
            structure_check.status = Status::Warn;
            structure_check.summary = "有不支持其算法的清单，未校验 (manifest not checked)".into();
        }
        structure_check.details.extend(unchecked);
    }
    checks.push(structure_check);
    checks.push(check(
        "usability.metadata-readable",
        Usability,
        "元数据可读 (metadata readable)",
        readable,
        "标签文件与元数据均为可解析的 UTF-8".into(),
    ));
    checks.push(check(
        "usability.no-encryption",
        Usability,
        "无加密、无专有压缩 (no encryption)",
        no_encryption,
        "条目与文件均未加密，压缩方法为 stored/deflate".into(),
    ));

    // The 档号 the anjuan checks' details name, from the catalogue read again.
    if let Some(a) = &anjuan {
        a.resolve_items(c, &mut checks);
    }

    let mut report = Report {
        schema: SCHEMA,
        tool: crate::render::record::generator(),
        checked_on: opts.date.clone(),
        bundle: Bundle {
            path: c.path.display().to_string(),
            name,
            container: if c.is_zip() { "zip" } else { "folder" },
            bytes: match &c.kind {
                super::container::Kind::Zip { len, .. } => *len,
                super::container::Kind::Dir => c.files.values().map(|i| i.size).sum(),
            },
            sha256: bundle_sha256,
            sender: info.get("Source-Organization").map(str::to_string),
        },
        profile: if is_anjuan { "anjuan" } else { "bagit" },
        bagit: BagitState {
            complete: complete_ok,
            valid: valid && complete_ok,
        },
        trusted_keys: opts.trust.iter().map(|(id, _)| id.clone()).collect(),
        verdict: "reject",
        counts: Default::default(),
        checks,
    };
    report.finish();
    report
}

/// One manifest line against what was read: a `<kind>.unreadable` or
/// `<kind>.mismatch` detail, or nothing when the digest matches.
fn compare(reads: &Reads, alg: &str, file: &str, want: &Want, kind: &str) -> Option<Detail> {
    compare_read(reads.get(file)?, alg, file, want, kind)
}

/// One manifest line against what reading its file gave.
fn compare_read(r: &Read, alg: &str, file: &str, want: &Want, kind: &str) -> Option<Detail> {
    if let Some(e) = r.error() {
        return Some(detail(
            &format!("{kind}.unreadable"),
            Some(file),
            format!("无法读取: {e}"),
        ));
    }
    (!want.is(r.digest(alg))).then(|| {
        let got = r.hex(alg).unwrap_or_default();
        detail(
            &format!("{kind}.mismatch"),
            Some(file),
            format!("{alg} 记录 {}，实际 {got} (digest mismatch)", want.text()),
        )
    })
}

fn scan(c: &Container, cmd: &str, payload: &[&str]) -> Check {
    use std::io::Write as _;
    let mut d = Vec::new();
    let mut argv = cmd.split_whitespace();
    let Some(prog) = argv.next() else {
        return check(
            "security.malware-scan",
            Property::Security,
            "病毒扫描 (malware scan)",
            vec![detail("scan.error", None, "扫描命令为空")],
            String::new(),
        );
    };
    let args: Vec<&str> = argv.collect();
    for p in payload {
        let Some(item) = c.files.get(p).filter(|i| i.readable) else {
            continue;
        };
        let child = std::process::Command::new(prog)
            .args(&args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(ch) => ch,
            Err(e) => {
                d.push(detail(
                    "scan.error",
                    None,
                    format!("无法运行扫描程序 {prog}: {e}"),
                ));
                break;
            }
        };
        let mut stdin = child.stdin.take();
        let _ = c.read(item, &mut |b| {
            if let Some(s) = stdin.as_mut() {
                if s.write_all(b).is_err() {
                    stdin = None;
                }
            }
        });
        drop(stdin);
        match child.wait_with_output() {
            Ok(o) if o.status.code() == Some(0) => {}
            Ok(o) if o.status.code() == Some(1) => d.push(detail(
                "scan.infected",
                Some(p),
                format!(
                    "扫描程序报告恶意内容: {}",
                    String::from_utf8_lossy(&o.stdout).trim()
                ),
            )),
            Ok(o) => d.push(detail(
                "scan.error",
                Some(p),
                format!("扫描程序出错，退出码 {:?}", o.status.code()),
            )),
            Err(e) => d.push(detail("scan.error", Some(p), e.to_string())),
        }
    }
    check(
        "security.malware-scan",
        Property::Security,
        "病毒扫描 (malware scan)",
        d,
        format!("{} 个文件经 {prog} 扫描无恶意内容", payload.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest's lines as a listing keeps them: (path, borrowed?, digest).
    fn lines(l: &Listing) -> Vec<(String, bool, String)> {
        l.iter()
            .map(|(p, file, w)| (p.to_string(), file, w.text().into_owned()))
            .collect()
    }

    /// A manifest as anjuan writes it is streamed into the listing the
    /// general path would make of it; any other is left to the general path.
    #[test]
    fn a_plain_manifest_streams_to_the_general_listing_and_others_step_aside() {
        let t = tempfile::tempdir().unwrap();
        let d = "ab".repeat(32);
        std::fs::create_dir_all(t.path().join("data/x")).unwrap();
        for f in ["data/a.pdf", "data/x/b.pdf", "data/x/c.pdf"] {
            std::fs::write(t.path().join(f), b"x").unwrap();
        }
        let write = |name: &str, text: &str| std::fs::write(t.path().join(name), text).unwrap();
        let plain = format!(
            "{d}  data/a.pdf\n{}  data/gone.pdf\n{d} data/x/b.pdf\n{d}\tdata/x/c.pdf",
            d.to_uppercase()
        );
        write("manifest-sha256.txt", &plain);
        write("tagmanifest-sha256.txt", &format!("{d}  bag-info.txt\n"));
        let c = Container::open(t.path(), Default::default()).unwrap();
        for (name, payload) in [
            ("manifest-sha256.txt", true),
            ("tagmanifest-sha256.txt", false),
        ] {
            let streamed = Listing::plain(&c, name, "sha256", payload).expect(name);
            let text = String::from_utf8(std::fs::read(t.path().join(name)).unwrap()).unwrap();
            assert!(tagfiles::manifest(&text, "sha256", payload).is_empty());
            let general = Listing::parse(&text, &c).unwrap();
            assert_eq!(lines(&streamed), lines(&general));
        }
        let l = Listing::plain(&c, "manifest-sha256.txt", "sha256", true).unwrap();
        assert!(matches!(l.lines, Lines::General(_)));
        assert_eq!(lines(&l)[1], ("data/gone.pdf".into(), false, d.clone()));
        assert!(lines(&l)[2].1);
        // Every payload file listed, in order: only the digests are kept, and
        // the lines are those the general path gives; one file left out (or
        // the tag manifest) keeps the paths.
        let all = format!(
            "{d}  data/a.pdf\n{d}  data/x/b.pdf\n{}  data/x/c.pdf\n",
            "cd".repeat(32)
        );
        let some = format!("{d}  data/a.pdf\n{d}  data/x/b.pdf\n");
        for (text, exact) in [(all, true), (some, false)] {
            write("manifest-sha256.txt", &text);
            let c = Container::open(t.path(), Default::default()).unwrap();
            let l = Listing::plain(&c, "manifest-sha256.txt", "sha256", true).unwrap();
            assert_eq!(matches!(l.lines, Lines::Exact { .. }), exact, "{text}");
            assert_eq!(lines(&l), lines(&Listing::parse(&text, &c).unwrap()));
            assert_eq!(l.lines("data/x/b.pdf"), [1]);
            assert!(l.lines("data/x").is_empty() && l.lines("manifest-sha256.txt").is_empty());
        }
        // Each of these has a problem, or may have: the general path judges it.
        for bad in [
            format!("{d}  data/x/b.pdf\n{d}  data/a.pdf\n"),
            format!("{d}  data/a.pdf\n{d}  data/a.pdf\n"),
            format!("{d}  data/a.pdf\r\n{d}  data/x/b.pdf\r\n"),
            format!("\u{feff}{d}  data/a.pdf\n"),
            format!("{d}  data/e\u{301}.pdf\n"),
            format!("{d}  data/100%25.pdf\n"),
            format!("{d}  data/a.pdf\n\n{d}  data/x/b.pdf\n"),
            format!("{}  data/a.pdf\n", &d[1..]),
            format!("{d}  bag-info.txt\n"),
            format!("{d}  data/./a.pdf\n"),
            format!("{d}  data/a\u{202e}.pdf\n"),
        ] {
            write("manifest-sha256.txt", &bad);
            let c = Container::open(t.path(), Default::default()).unwrap();
            assert!(
                Listing::plain(&c, "manifest-sha256.txt", "sha256", true).is_none(),
                "{bad:?}"
            );
        }
        let mut latin1 = format!("{d}  data/").into_bytes();
        latin1.extend_from_slice(b"\xe9.pdf\n");
        std::fs::write(t.path().join("manifest-sha256.txt"), latin1).unwrap();
        let c = Container::open(t.path(), Default::default()).unwrap();
        assert!(Listing::plain(&c, "manifest-sha256.txt", "sha256", true).is_none());
    }
}
