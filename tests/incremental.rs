//! Incremental render (issue 14, point 2), through the binary on the signed demo
//! office: a second render keeps every paper; an edited case file makes only
//! that case's papers again; an office template override makes only that kind
//! of paper again; `--force` makes all, and the bytes stay the same throughout;
//! an office setting that reaches the page makes all.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;

/// Every file under the papers folder: (inode, modification time) and bytes.
type Snapshot = BTreeMap<PathBuf, ((u64, i128), Vec<u8>)>;

fn snapshot(papers: &Path) -> Snapshot {
    use std::os::unix::fs::MetadataExt as _;
    let mut out = BTreeMap::new();
    for case in std::fs::read_dir(papers).unwrap() {
        let case = case.unwrap().path();
        if !case.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&case).unwrap() {
            let f = f.unwrap().path();
            let m = std::fs::metadata(&f).unwrap();
            let mtime = m.mtime() as i128 * 1_000_000_000 + m.mtime_nsec() as i128;
            let rel = f.strip_prefix(papers).unwrap().to_path_buf();
            out.insert(rel, ((m.ino(), mtime), std::fs::read(&f).unwrap()));
        }
    }
    out
}

/// The PDFs written again between two snapshots (another inode or time).
fn remade(a: &Snapshot, b: &Snapshot) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = b
        .iter()
        .filter(|(p, _)| p.extension().is_some_and(|x| x == "pdf"))
        .filter(|(p, (id, _))| a.get(*p).map(|(i, _)| i) != Some(id))
        .map(|(p, _)| p.clone())
        .collect();
    v.sort();
    v
}

/// The same files with the same bytes; render records too when `records`.
fn same_bytes(a: &Snapshot, b: &Snapshot, records: bool) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (p, (_, bytes)) in a {
        if !records && p.ends_with("render-record.json") {
            continue;
        }
        assert!(&b[p].1 == bytes, "{} changed its bytes", p.display());
    }
}

/// (made, kept) from the summary line.
fn counts(out: &str) -> (usize, usize) {
    let line = out
        .lines()
        .find(|l| l.starts_with("已生成"))
        .unwrap_or_else(|| panic!("no summary line: {out}"));
    let num = |after: &str| -> usize {
        let i = line.find(after).unwrap() + after.len();
        line[i..]
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    };
    let made = num("已生成");
    let kept = num("(papers made)，");
    (made, kept)
}

fn render(dir: &Path, extra: &[&str]) -> (usize, usize) {
    let mut args = vec!["render", "d/office", "-o", "d/office/papers"];
    args.extend_from_slice(extra);
    let o = anjuan(dir, &args);
    let text = text_of(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    counts(&text)
}

/// The PDFs of one kind of paper, by the render records.
fn of_kind(papers: &Path, kind: &str) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for case in std::fs::read_dir(papers).unwrap() {
        let case = case.unwrap().path();
        let Ok(text) = std::fs::read_to_string(case.join("render-record.json")) else {
            continue;
        };
        let rec = anjuan::render::record::Record::parse(&text).unwrap();
        for (file, p) in rec.papers {
            if p.kind == kind {
                v.push(case.strip_prefix(papers).unwrap().join(file));
            }
        }
    }
    v.sort();
    v
}

#[test]
fn render_again_makes_only_what_changed() {
    let (tmp, root) = demo_run();
    let dir = tmp.path();
    let papers = root.join("office/papers");
    let first = snapshot(&papers);
    let all = first
        .keys()
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .count();
    assert!(all > 40, "only {all} papers");

    // Nothing changed: every paper kept, no file written.
    assert_eq!(render(dir, &[]), (0, all));
    let second = snapshot(&papers);
    assert_eq!(remade(&first, &second), Vec::<PathBuf>::new());
    same_bytes(&first, &second, true);
    for (p, (id, _)) in &first {
        assert_eq!(&second[p].0, id, "{} was written again", p.display());
    }

    // One case file edited (a comment: the papers come out the same): only
    // that case's papers are made again, to the same bytes and signatures.
    let case = root.join("office/cases/XF-2026-0007.toml");
    let mut text = std::fs::read_to_string(&case).unwrap();
    text.push_str("\n# 核对过 (checked again)\n");
    std::fs::write(&case, text).unwrap();
    let (made, kept) = render(dir, &[]);
    let third = snapshot(&papers);
    let changed = remade(&second, &third);
    assert!(!changed.is_empty());
    assert!(
        changed.iter().all(|p| p.starts_with("XF-2026-0007")),
        "{changed:?}"
    );
    let of_case = first
        .keys()
        .filter(|p| p.starts_with("XF-2026-0007") && p.extension().is_some_and(|x| x == "pdf"))
        .count();
    assert_eq!(changed.len(), of_case);
    assert_eq!((made, kept), (of_case, all - of_case));
    same_bytes(&first, &third, false);

    // The office overrides one template (the opinion, with a Typst comment
    // added): only the opinions are made again.
    let builtin = std::fs::read_to_string(root_dir().join("templates/opinion.typ")).unwrap();
    std::fs::create_dir_all(root.join("office/templates")).unwrap();
    std::fs::write(
        root.join("office/templates/opinion.typ"),
        format!("{builtin}\n// 本办公室的模板 (the office's copy)\n"),
    )
    .unwrap();
    let opinions = of_kind(&papers, "处理意见书");
    assert!(!opinions.is_empty());
    let (made, kept) = render(dir, &[]);
    let fourth = snapshot(&papers);
    assert_eq!(remade(&third, &fourth), opinions);
    assert_eq!((made, kept), (opinions.len(), all - opinions.len()));

    // Unchanged again: all kept.
    assert_eq!(render(dir, &[]), (0, all));

    // --force: every paper made, to the same bytes (signatures and records too).
    assert_eq!(render(dir, &["--force"]), (all, 0));
    let fifth = snapshot(&papers);
    assert_eq!(remade(&fourth, &fifth).len(), all);
    same_bytes(&fourth, &fifth, true);

    // An office setting that reaches the page (the phone number): every paper.
    let cfg_path = root.join("office/anjuan.toml");
    let cfg = std::fs::read_to_string(&cfg_path).unwrap();
    assert!(cfg.contains("0571-64821234"));
    std::fs::write(&cfg_path, cfg.replace("0571-64821234", "0571-64829999")).unwrap();
    assert_eq!(render(dir, &[]), (all, 0));
    assert_eq!(render(dir, &[]), (0, all));
}

fn root_dir() -> PathBuf {
    common::root()
}
