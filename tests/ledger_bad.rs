//! Every bad ledger in `tests/fixtures/bad-ledgers/` must be refused by
//! `anjuan ledger import` with the exit code, finding code and cell location in
//! `expected.tsv`, a remedy, nothing written, and no personal data in full.
//! `README.md` in that folder describes the corpus.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const AS_OF: &str = "2026-11-21";
const REMEDY: &str = "    修改建议 (remedy): ";

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-ledgers")
}

fn demo_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-office/anjuan.toml")
}

struct Expected {
    file: String,
    exit: i32,
    /// `-` for a whole-file error without a `[code]`.
    code: String,
    location: String,
}

fn expected() -> Vec<Expected> {
    let text = std::fs::read_to_string(fixtures_dir().join("expected.tsv")).expect("expected.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "expected.tsv: four tab-separated fields: {l}");
            Expected {
                file: f[0].to_string(),
                exit: f[1].parse().expect("exit code"),
                code: f[2].to_string(),
                location: f[3].to_string(),
            }
        })
        .collect()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn anjuan(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .current_dir(dir)
        .env("RUST_BACKTRACE", "0")
        .args(args)
        .output()
        .expect("run anjuan");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A fresh folder holding the fixture and the demo office's `anjuan.toml`.
fn office_with(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(fixtures_dir().join(fixture), dir.path().join(fixture)).expect("copy fixture");
    std::fs::copy(demo_config(), dir.path().join("anjuan.toml")).expect("copy anjuan.toml");
    dir
}

fn import(dir: &Path, fixture: &str, extra: &[&str]) -> Run {
    let mut args = vec!["ledger", "import", fixture, "-o", "cases", "--as-of", AS_OF];
    args.extend_from_slice(extra);
    anjuan(dir, &args)
}

/// Identity numbers (18 characters) and mobile numbers (11 digits) in a
/// fixture. Works on the raw bytes, so a GBK file needs no decoding: GBK
/// never uses ASCII bytes inside a Chinese character.
fn personal_numbers(bytes: &[u8]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i - start == 17 && i < bytes.len() && matches!(bytes[i], b'X' | b'x') {
            i += 1;
        }
        let run = String::from_utf8_lossy(&bytes[start..i]).into_owned();
        if run.len() == 18 || (run.len() == 11 && run.starts_with('1')) {
            out.insert(run);
        }
    }
    out
}

/// Files left under `cases/` (none, and the folder need not exist).
fn written(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir.join("cases")) {
        Err(_) => Vec::new(),
        Ok(rd) => {
            let mut v: Vec<String> = rd
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        }
    }
}

/// What is wrong with one fixture's run, if anything.
fn judge(want: &Expected) -> Vec<String> {
    let dir = office_with(&want.file);
    let run = import(dir.path(), &want.file, &[]);
    let mut bad = Vec::new();
    if run.code != want.exit {
        bad.push(format!("exit {} (want {})", run.code, want.exit));
    }
    let lines: Vec<&str> = run.stderr.lines().collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains(": 错误 ["))
        .collect();
    let want_errors = usize::from(want.code != "-");
    if errors.len() != want_errors {
        bad.push(format!(
            "{} error line(s) in the `[code]` format (want {want_errors})",
            errors.len()
        ));
    }
    // The location follows the file's name directly: a CSV file has no sheet.
    let tag = format!("[{}]", want.code);
    let place = format!("{}: {}", want.file, want.location);
    let at = lines
        .iter()
        .position(|l| l.contains(&place) && (want.code == "-" || l.contains(&tag)));
    match at {
        None => bad.push(format!(
            "no stderr line has both “{place}” and {}",
            if want.code == "-" { "(no code)" } else { &tag }
        )),
        Some(i) => {
            let remedy = lines.get(i + 1).and_then(|l| l.strip_prefix(REMEDY));
            if remedy.is_none_or(|r| r.trim().is_empty()) {
                bad.push("no remedy line under the finding".into());
            }
        }
    }
    let files = written(dir.path());
    if !files.is_empty() {
        bad.push(format!("files written under cases/: {files:?}"));
    }
    let fixture = std::fs::read(dir.path().join(&want.file)).expect("read fixture");
    for n in personal_numbers(&fixture) {
        if run.stdout.contains(&n) || run.stderr.contains(&n) {
            bad.push(format!("printed {n} unmasked"));
        }
    }
    if bad.is_empty() {
        return bad;
    }
    vec![format!(
        "== {}: {}\n-- stdout:\n{}-- stderr:\n{}",
        want.file,
        bad.join("; "),
        run.stdout,
        run.stderr
    )]
}

#[test]
fn every_bad_ledger_is_refused_at_its_cell() {
    let all = expected();
    assert!(all.len() >= 16, "only {} bad-ledger fixtures", all.len());
    let failures: Vec<String> = all.iter().flat_map(judge).collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixture(s) misbehave:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn every_fixture_has_an_expected_line_and_every_line_a_fixture() {
    let listed: BTreeSet<String> = expected().into_iter().map(|e| e.file).collect();
    let present: BTreeSet<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "expected.tsv" && n != "README.md")
        .collect();
    let unlisted: Vec<_> = present.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&present).collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "fixtures without an expected.tsv line: {unlisted:?}; lines without a fixture: {missing:?}"
    );
    assert_eq!(
        expected().len(),
        listed.len(),
        "a fixture is listed twice in expected.tsv"
    );
}

/// The codes of the errors `anjuan check` prints (`FILE:L:C: 错误 [code] …`).
fn check_error_codes(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.split_once(": 错误 [")?.1.split_once(']'))
        .map(|(code, _)| code.to_string())
        .collect()
}

/// Rows 2 and 4 of `01-id-checksum.csv` are good; row 3 has a wrong checksum.
const KEEP_GOING: &str = "01-id-checksum.csv";

#[test]
fn keep_going_writes_the_good_rows_and_they_pass_check() {
    let dir = office_with(KEEP_GOING);
    let run = import(dir.path(), KEEP_GOING, &["--keep-going"]);
    let all = format!("-- stdout:\n{}-- stderr:\n{}", run.stdout, run.stderr);
    assert_eq!(run.code, 1, "a failed row still exits 1\n{all}");
    assert!(
        run.stderr
            .contains("第 3 行 E 列“身份证号码”（单元格 E3）: 错误 [id-checksum]"),
        "{all}"
    );
    assert!(
        run.stdout
            .contains("未导入的行 (rows not imported)：第 3 行"),
        "{all}"
    );
    assert_eq!(
        written(dir.path()),
        ["XF-2026-0101.toml", "XF-2026-0105.toml"],
        "the good rows' case files, and nothing else (not the bad row's, no temporary files)\n{all}"
    );

    let check = anjuan(dir.path(), &["check", "--as-of", AS_OF, "cases"]);
    let codes = check_error_codes(&check.stdout);
    let other: Vec<&String> = codes.iter().filter(|c| *c != "overdue").collect();
    assert!(
        other.is_empty() && check.code <= 1,
        "imported case files fail `anjuan check` beyond time limits: {other:?} (exit {})\n-- stdout:\n{}-- stderr:\n{}",
        check.code,
        check.stdout,
        check.stderr
    );
    assert!(
        check.stdout.contains("检查 2 个文件"),
        "check saw both files:\n{}",
        check.stdout
    );
    for n in personal_numbers(&std::fs::read(dir.path().join(KEEP_GOING)).unwrap()) {
        assert!(
            !run.stdout.contains(&n) && !run.stderr.contains(&n),
            "printed {n} unmasked\n{all}"
        );
    }
}

/// The hint after a `--keep-going` import counts the overdue statutory steps
/// of the case files it wrote: the same number `anjuan check` then reports.
#[test]
fn keep_going_overdue_hint_counts_only_the_written_cases() {
    let dir = office_with(KEEP_GOING);
    let run = import(dir.path(), KEEP_GOING, &["--keep-going"]);
    let check = anjuan(dir.path(), &["check", "--as-of", AS_OF, "cases"]);
    let overdue = check_error_codes(&check.stdout)
        .iter()
        .filter(|c| *c == "overdue")
        .count();
    let hint = format!("提示：新案件中有 {overdue} 个法定环节已超期");
    assert!(
        run.stdout.contains(&hint),
        "want “{hint}” (check finds {overdue} overdue in the written files)\n-- import stdout:\n{}-- check stdout:\n{}",
        run.stdout,
        check.stdout
    );
}
