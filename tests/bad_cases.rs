//! Every broken case file in `tests/fixtures/bad-cases/` must produce exactly the
//! findings in its `.expected` file, and `anjuan check` must exit 1.
//!
//! A fixture is `NAME.toml`, `NAME.json`, or a folder `NAME/` (for rules across
//! files), beside `NAME.expected`: the exact standard output of
//! `anjuan check --as-of 2026-11-21 NAME…` run inside the fixtures folder (whose
//! own `anjuan.toml` is the office configuration). `README.md` indexes them.

use std::path::{Path, PathBuf};
use std::process::Command;

const AS_OF: &str = "2026-11-21";

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-cases")
}

fn run_check(dir: &Path, target: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .current_dir(dir)
        .args(["check", "--as-of", AS_OF, target])
        .output()
        .expect("run anjuan");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_bad_case_gives_its_exact_error() {
    let dir = fixtures_dir();
    let mut expected: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "expected"))
        .collect();
    expected.sort();
    assert!(
        expected.len() >= 25,
        "only {} bad-case fixtures",
        expected.len()
    );
    let mut failures = Vec::new();
    for exp in &expected {
        let stem = exp.file_stem().unwrap().to_string_lossy().into_owned();
        let target = ["toml", "json"]
            .iter()
            .map(|ext| format!("{stem}.{ext}"))
            .chain(std::iter::once(stem.clone()))
            .find(|t| dir.join(t).exists())
            .unwrap_or_else(|| panic!("{stem}.expected has no fixture beside it"));
        let want = std::fs::read_to_string(exp).expect("read expected");
        let (code, got, err) = run_check(&dir, &target);
        // A fixture whose only findings are warnings (a petitioner's late request the
        // reviewer accepted anyway) exits 0; every other fixture exits 1.
        let want_code = if want.contains("：0 个错误") {
            0
        } else {
            1
        };
        if code != want_code || got != want {
            failures.push(format!(
                "== {target}: exit {code} (want {want_code})\n-- want:\n{want}-- got:\n{got}-- stderr:\n{err}"
            ));
        }
        // Whatever else happens, personal data never reaches the terminal whole.
        for id in ["33012219780415231X", "330122198509234624", "13957112468"] {
            assert!(
                !got.contains(id) && !err.contains(id),
                "{target} printed {id} unmasked"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_fixture_has_an_expected_file() {
    let dir = fixtures_dir();
    for e in std::fs::read_dir(&dir).expect("fixtures folder") {
        let p = e.expect("entry").path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        // `originals/` holds the received files the fixtures name.
        if name == "anjuan.toml"
            || name == "README.md"
            || name == "originals"
            || name.ends_with(".expected")
        {
            continue;
        }
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        let stem = if p.is_dir() { name.clone() } else { stem };
        assert!(
            dir.join(format!("{stem}.expected")).exists(),
            "{name} has no .expected file"
        );
    }
}

/// Case files typed the way clerks type them (`tests/fixtures/clerk-typed/`):
/// quoted dates as `2026/4/8`, `2026.4.8`, `2026年4月14日`, a time as
/// `2026年4月15日10时05分`, the channel as `网上信访`, in TOML and JSON. Each
/// reads as exactly the case of the demo file of the same name, and `check`
/// finds nothing wrong with it.
#[test]
fn clerk_typed_case_files_read_as_the_demo_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/fixtures/clerk-typed");
    let demo = root.join("examples/demo-office");
    let mut seen = 0;
    for e in std::fs::read_dir(&dir).expect("clerk-typed folder") {
        let p = e.expect("entry").path();
        if !p.extension().is_some_and(|x| x == "toml" || x == "json") {
            continue;
        }
        seen += 1;
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        let typed = anjuan::case::load(&p)
            .expect("read")
            .unwrap_or_else(|l| panic!("{} does not read: {l}", p.display()));
        let canonical = anjuan::case::load(&demo.join(format!("cases/{stem}.toml")))
            .expect("read")
            .expect("demo case reads");
        assert_eq!(
            serde_json::to_value(&typed.case).unwrap(),
            serde_json::to_value(&canonical.case).unwrap(),
            "{} reads as the demo's {stem}",
            p.display()
        );
        let out = Command::new(env!("CARGO_BIN_EXE_anjuan"))
            .current_dir(&dir)
            .args(["--config"])
            .arg(demo.join("anjuan.toml"))
            .args(["check", "--as-of", AS_OF])
            .arg(&p)
            .output()
            .expect("run anjuan");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{}: {text}", p.display());
        assert!(text.contains("0 个错误 (errors)，0 个警告"), "{text}");
    }
    assert!(seen >= 2, "clerk-typed fixtures: {seen}");
}
