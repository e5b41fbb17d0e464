//! The hostile-PDF corpus (`tests/fixtures/hostile-pdfs/`, written by its
//! `make.py`): every fixture must produce the code `expected.tsv` names for it
//! (`-`: no finding at all), nothing may panic, and a real anjuan paper must
//! declare PDF/A-2B, pass every structural check and carry its title and
//! subject.

mod common;

use std::path::{Path, PathBuf};

use anjuan::verify::pdf;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile-pdfs")
}

/// (file, code, what) rows of `expected.tsv`.
fn rows() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(corpus().join("expected.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(
                c.len(),
                3,
                "expected.tsv: want file<TAB>code<TAB>what: {l:?}"
            );
            (c[0].to_string(), c[1].to_string(), c[2].to_string())
        })
        .collect()
}

/// The codes one file produces: its findings', or `format.unreadable` when it
/// cannot be read at all (as `usability.formats` reports it).
fn codes(path: &Path) -> Vec<String> {
    let data = std::fs::read(path).unwrap();
    match std::panic::catch_unwind(|| pdf::facts(data)) {
        Err(_) => panic!("{}: pdf::facts panicked", path.display()),
        Ok(Err(_)) => vec!["format.unreadable".into()],
        Ok(Ok(f)) => f.findings.iter().map(|x| x.code.to_string()).collect(),
    }
}

#[test]
fn every_fixture_produces_its_code() {
    let mut wrong = Vec::new();
    let rows = rows();
    for (file, code, what) in &rows {
        let got = codes(&corpus().join(file));
        let ok = if code == "-" {
            got.is_empty()
        } else {
            got.contains(code)
        };
        if !ok {
            wrong.push(format!("{file} ({what}): want {code}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Every .pdf here is listed, and there are hostile ones besides the clean.
    let listed: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    for e in std::fs::read_dir(corpus()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".pdf") {
            assert!(
                listed.contains(&name.as_str()),
                "{name} not in expected.tsv"
            );
        }
    }
    assert!(rows.iter().filter(|r| r.1 != "-").count() >= 15);
}

#[test]
fn the_clean_fixture_reads_as_declared() {
    let f = pdf::facts(std::fs::read(corpus().join("00-clean.pdf")).unwrap()).unwrap();
    assert_eq!(f.pdfa.as_deref(), Some("2B"));
    assert_eq!(f.pages, 1);
    assert!(!f.encrypted);
    assert_eq!(f.title.as_deref(), Some("测试"));
    assert_eq!(f.subject.as_deref(), Some("XF-2026-0001"));
    assert_eq!(f.checks_passed(), pdf::STRUCTURAL_CHECKS.len());
    let kw = pdf::keywords(&std::fs::read(corpus().join("00-clean.pdf")).unwrap());
    assert_eq!(kw.get("a").map(String::as_str), Some("1"));
    assert_eq!(kw.get("b").map(String::as_str), Some("2"));
    // Without an Info dictionary the XMP dc:title stands in.
    let f = pdf::facts(std::fs::read(corpus().join("12-no-xmp.pdf")).unwrap()).unwrap();
    assert_eq!(f.pdfa, None);
    assert_eq!(f.title.as_deref(), Some("测试"), "from Info");
}

#[test]
fn real_papers_declare_2b_pass_every_check_and_name_their_case() {
    let (_t, root) = common::demo_run();
    let mut n = 0;
    let papers = root.join("office/papers");
    for case in std::fs::read_dir(&papers).unwrap() {
        let case = case.unwrap().path();
        let number = case.file_name().unwrap().to_string_lossy().into_owned();
        for p in std::fs::read_dir(&case).unwrap() {
            let p = p.unwrap().path();
            if p.extension().is_none_or(|e| e != "pdf") {
                continue;
            }
            let f = pdf::facts(std::fs::read(&p).unwrap()).unwrap();
            assert!(f.findings.is_empty(), "{}: {:?}", p.display(), f.findings);
            assert_eq!(f.pdfa.as_deref(), Some("2B"), "{}", p.display());
            assert!(f.pages > 0);
            assert!(!f.encrypted);
            assert_eq!(
                f.subject.as_deref(),
                Some(number.as_str()),
                "{}",
                p.display()
            );
            let info = common::pdfinfo(&p);
            assert_eq!(
                f.title.as_deref(),
                Some(info["Title"].as_str()),
                "{}",
                p.display()
            );
            n += 1;
        }
    }
    assert!(n > 20, "only {n} papers");
}

/// Everything each fixture produces:
/// `cargo test --test hostile_pdfs -- --ignored --nocapture dump_findings`
#[test]
#[ignore]
fn dump_findings() {
    for (file, _, _) in rows() {
        match pdf::facts(std::fs::read(corpus().join(&file)).unwrap()) {
            Err(e) => println!("{file}: error {e}"),
            Ok(f) => {
                println!(
                    "{file}: pdfa {:?} pages {} title {:?}",
                    f.pdfa, f.pages, f.title
                );
                for x in f.findings {
                    println!("    {} {}", x.code, x.message);
                }
            }
        }
    }
}

/// Hostile papers swapped into the demo bundle: `anjuan verify` (the binary)
/// names each in `usability.formats` (encryption in `usability.no-encryption`),
/// besides the fixity and signature failures the swap causes, and the clean
/// bundle's formats summary says what was checked, not "is PDF/A".
#[test]
fn hostile_papers_in_a_bundle_fail_formats_in_the_binary() {
    let (t, root) = common::demo_run();
    let zip = root.join("archive/X012-WS-2026-XFB.zip");
    let key = root.join("office/keys/anjuan.pub");
    let verify = |bag: &Path| -> serde_json::Value {
        let o = common::anjuan(
            t.path(),
            &[
                "verify",
                bag.to_str().unwrap(),
                "--trust",
                key.to_str().unwrap(),
                "--json",
                "--date",
                "2026-11-21",
            ],
        );
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", common::text_of(&o)))
    };
    let check = |j: &serde_json::Value, id: &str| -> serde_json::Value {
        j["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no check {id}"))
            .clone()
    };
    let clean = verify(&zip);
    let formats = check(&clean, "usability.formats");
    assert_eq!(formats["status"], "pass", "{formats}");
    let summary = formats.to_string();
    assert!(
        summary.contains("PDF/A-2B") && summary.contains("veraPDF"),
        "{summary}"
    );
    assert!(!summary.contains("均为 PDF/A"), "{summary}");

    let into = t.path().join("bag");
    zip::ZipArchive::new(std::fs::File::open(&zip).unwrap())
        .unwrap()
        .extract(&into)
        .unwrap();
    let bag = into.join("X012-WS-2026-XFB");
    let swaps = [
        (
            "data/XF-2026-0001/03-处理意见书.pdf",
            "02-js-open-action.pdf",
        ),
        (
            "data/XF-2026-0001/01-受理告知书.pdf",
            "09-font-not-embedded.pdf",
        ),
        (
            "data/XF-2026-0002/01-不予受理告知书.pdf",
            "15-encrypted-empty-password.pdf",
        ),
    ];
    for (paper, fixture) in swaps {
        std::fs::copy(corpus().join(fixture), bag.join(paper)).unwrap();
    }
    let j = verify(&bag);
    assert_eq!(j["verdict"], "reject");
    let has = |id: &str, code: &str, file: &str| {
        let c = check(&j, id);
        c["status"] == "fail"
            && c["details"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["code"] == code && d["file"].as_str().unwrap_or("").ends_with(file))
    };
    assert!(
        has("usability.formats", "pdf.open-action", swaps[0].0),
        "{}",
        check(&j, "usability.formats")
    );
    assert!(has("usability.formats", "pdf.javascript", swaps[0].0));
    assert!(has(
        "usability.formats",
        "pdf.font-not-embedded",
        swaps[1].0
    ));
    assert!(
        has("usability.no-encryption", "pdf.encrypted", swaps[2].0),
        "{}",
        check(&j, "usability.no-encryption")
    );
}
