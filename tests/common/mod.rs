//! Helpers shared by the integration tests: running the binary, reading PDFs
//! with poppler-utils (pdftotext, pdfinfo).

#![allow(dead_code)]

pub mod desk;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo() -> PathBuf {
    root().join("examples/demo-office")
}

/// What commands run on the example office leave in it (ignored by git, see
/// .gitignore): its state folder with accounts and the audit trail, papers,
/// archives, reports, ledgers. A copy of the office leaves them out, so a test
/// never sees what another test or an earlier run wrote there.
const DEMO_OUTPUTS: [&str; 5] = [".anjuan", "papers", "archive", "报告", "台账"];

/// Copies the example office, as git has it, to `to`.
pub fn copy_demo(to: &Path) {
    copy_tree(&demo(), to, &DEMO_OUTPUTS);
}

/// Copies a folder, leaving out the top-level entries named in `skip`.
pub fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if skip.iter().any(|s| e.file_name() == *s) {
            continue;
        }
        let p = e.path();
        if p.is_dir() {
            copy_tree(&p, &to.join(e.file_name()), &[]);
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

pub fn anjuan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run anjuan")
}

pub fn text_of(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The text of a PDF (pdftotext), optionally cropped to a rectangle in points.
pub fn pdftotext(pdf: &Path, crop: Option<(f64, f64, f64, f64)>) -> String {
    let mut cmd = Command::new("pdftotext");
    cmd.args(["-enc", "UTF-8"]);
    if let Some((x, y, w, h)) = crop {
        cmd.args([
            "-r",
            "72",
            "-x",
            &fmt(x),
            "-y",
            &fmt(y),
            "-W",
            &fmt(w),
            "-H",
            &fmt(h),
        ]);
    }
    let out = cmd
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (apt-get install poppler-utils)");
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fmt(v: f64) -> String {
    format!("{}", v.round() as i64)
}

/// Text with all white space and invisible format characters removed, so that
/// line wrapping does not matter when looking for a value.
pub fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(*c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFEFF))
        .collect()
}

/// pdfinfo's fields.
pub fn pdfinfo(pdf: &Path) -> std::collections::BTreeMap<String, String> {
    let out = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo (apt-get install poppler-utils)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

pub fn pages(pdf: &Path) -> usize {
    pdfinfo(pdf)
        .get("Pages")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

/// One word of `pdftotext -bbox`: page index and box in points (origin top left).
#[derive(Clone, Debug)]
pub struct Word {
    pub page: usize,
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    pub text: String,
}

pub fn words(pdf: &Path) -> Vec<Word> {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-bbox"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let html = String::from_utf8_lossy(&out.stdout);
    let mut page = 0;
    let mut words = Vec::new();
    for line in html.lines() {
        let l = line.trim();
        if l.starts_with("<page ") {
            page += 1;
        }
        if let Some(rest) = l.strip_prefix("<word ") {
            let attr = |name: &str| -> f64 {
                let key = format!("{name}=\"");
                let i = rest.find(&key).map(|i| i + key.len()).unwrap_or(0);
                rest[i..]
                    .split('"')
                    .next()
                    .unwrap_or("0")
                    .parse()
                    .unwrap_or(0.0)
            };
            let text = rest
                .split('>')
                .nth(1)
                .unwrap_or("")
                .split('<')
                .next()
                .unwrap_or("")
                .to_string();
            words.push(Word {
                page,
                x0: attr("xMin"),
                y0: attr("yMin"),
                x1: attr("xMax"),
                y1: attr("yMax"),
                // XML entities last-to-first so `&amp;lt;` stays `&lt;`.
                text: text
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&#39;", "'")
                    .replace("&amp;", "&"),
            });
        }
    }
    words
}

pub const MM: f64 = 72.0 / 25.4;

/// `anjuan demo -o d` in a fresh folder: the office with its key, papers
/// rendered and signed, the 2026 bundle packed. Returns (tempdir, demo root).
pub fn demo_run() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let o = anjuan(dir.path(), &["demo", "-o", "d"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let root = dir.path().join("d");
    assert!(root.join("archive/X012-WS-2026-XFB.zip").is_file());
    (dir, root)
}

/// The demo office's year bundle.
pub const BUNDLE: &str = "X012-WS-2026-XFB";

/// Unzips a bundle (with the zip crate) into `into`; returns its bag folder.
pub fn unzip_bundle(zip: &Path, into: &Path) -> PathBuf {
    let f = std::fs::File::open(zip).unwrap();
    zip::ZipArchive::new(f).unwrap().extract(into).unwrap();
    into.join(BUNDLE)
}

/// Verification options trusting the keys in these files, dated as the tests are.
pub fn verify_opts(trust: &[&Path]) -> anjuan::verify::Options {
    anjuan::verify::Options {
        trust: trust
            .iter()
            .map(|p| {
                let pk = anjuan::sign::public_key(&std::fs::read_to_string(p).unwrap()).unwrap();
                (anjuan::sign::key_id(&pk), pk)
            })
            .collect(),
        date: "2026-11-21".into(),
        jobs: 1,
        ..anjuan::verify::Options::default()
    }
}

/// The demo office's received files (`originals/`, named by its cases'
/// `original = …` and `[[incoming]] file = …`), copied into another office folder
/// that holds copies of its cases.
#[allow(dead_code)]
pub fn copy_originals(office: &Path) {
    std::fs::create_dir_all(office.join("originals")).unwrap();
    for e in std::fs::read_dir(demo().join("originals")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() && p.extension().is_some_and(|x| x == "png") {
            std::fs::copy(&p, office.join("originals").join(p.file_name().unwrap())).unwrap();
        }
    }
}
