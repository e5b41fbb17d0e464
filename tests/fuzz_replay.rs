//! The `case_file` and `ledger_csv` fuzz targets' seeds and past crashes, and
//! the test fixtures they start from, replayed on stable through the same
//! library functions the targets call (`anjuan::case::exercise`,
//! `anjuan::ledger::import::exercise`): none may panic. (The `zip_reader`
//! target's are replayed in `tests/hostile_zips.rs`.) Also: the panic hook the
//! binary installs masks personal data.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-text panic)".into())
}

/// The files in `dir` (recursively) that `keep` accepts; none if it is absent.
fn files(dir: &Path, keep: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            out.extend(files(&p, keep));
        } else if keep(&name) {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn case_inputs() -> Vec<PathBuf> {
    let r = root();
    let mut v = files(&r.join("fuzz/corpus/case_file"), &|n| {
        n.starts_with("seed-")
    });
    v.extend(files(&r.join("fuzz/crashes/case_file"), &|_| true));
    v.extend(files(&r.join("tests/fixtures/bad-cases"), &|n| {
        n.ends_with(".toml") || n.ends_with(".json")
    }));
    v.extend(files(&r.join("examples/demo-office/cases"), &|_| true));
    v
}

#[test]
fn case_file_seeds_and_past_crashes_replay_cleanly() {
    let inputs = case_inputs();
    assert!(inputs.len() >= 100, "only {} case inputs", inputs.len());
    let mut failures = Vec::new();
    let mut bad_printed = 0;
    for p in &inputs {
        let bytes = std::fs::read(p).expect("read input");
        match std::panic::catch_unwind(|| anjuan::case::exercise(&bytes)) {
            Ok(n) => {
                if p.to_string_lossy().contains("bad-cases") {
                    bad_printed += usize::from(n > 0);
                }
            }
            Err(e) => failures.push(format!("{}: {}", p.display(), panic_text(&*e))),
        }
    }
    assert!(failures.is_empty(), "panicked:\n{}", failures.join("\n"));
    // It really ran the checks: every bad case gives findings under some syntax.
    assert!(
        bad_printed >= 90,
        "only {bad_printed} bad cases gave findings"
    );
}

#[test]
fn ledger_csv_seeds_and_past_crashes_replay_cleanly() {
    let r = root();
    let mut inputs = files(&r.join("fuzz/corpus/ledger_csv"), &|n| {
        n.starts_with("seed-")
    });
    inputs.extend(files(&r.join("fuzz/crashes/ledger_csv"), &|_| true));
    inputs.extend(files(&r.join("tests/fixtures/bad-ledgers"), &|n| {
        n.ends_with(".csv")
    }));
    assert!(inputs.len() >= 20, "only {} ledger inputs", inputs.len());
    let tmp = tempfile::tempdir().expect("temp dir");
    let ledger = tmp.path().join("ledger.csv");
    let cases = tmp.path().join("cases");
    let mut failures = Vec::new();
    let mut printed = 0;
    for p in &inputs {
        std::fs::copy(p, &ledger).expect("copy input");
        match std::panic::catch_unwind(|| anjuan::ledger::import::exercise(&ledger, &cases)) {
            Ok(n) => printed += n,
            Err(e) => failures.push(format!("{}: {}", p.display(), panic_text(&*e))),
        }
    }
    assert!(failures.is_empty(), "panicked:\n{}", failures.join("\n"));
    assert!(printed >= 20, "only {printed} problems reported");
    assert!(!cases.exists(), "exercise wrote case files");
}

#[test]
fn json_nesting_is_bounded_like_toml() {
    use anjuan::source::{Format, Source, MAX_NESTING};
    for fmt in [Format::Json, Format::Toml] {
        let deep = |d: usize| match fmt {
            Format::Json => format!("{{\"x\": {}{}}}", "[".repeat(d), "]".repeat(d)),
            Format::Toml => format!("x = {}{}\n", "[".repeat(d), "]".repeat(d)),
        };
        let src = Source::from_text("t", deep(100_000), fmt);
        let err = src
            .parse::<anjuan::case::Case>()
            .expect_err("too deep to be a case");
        assert_eq!(err.diag.code, "nesting", "{fmt:?}: {err}");
        // Just inside the bound, the file is judged on its content instead.
        let src = Source::from_text("t", deep(MAX_NESTING - 2), fmt);
        let err = src.parse::<anjuan::case::Case>().expect_err("not a case");
        assert_ne!(err.diag.code, "nesting", "{fmt:?}: {err}");
    }
    // Brackets inside strings do not count.
    let text = format!("{{\"x\": \"{}\"}}", "[".repeat(1000));
    assert_eq!(anjuan::source::json_too_deep(&text), None);
    assert_eq!(
        anjuan::source::json_too_deep(&"[".repeat(MAX_NESTING + 1)),
        Some(MAX_NESTING)
    );
}

const CHILD: &str = "ANJUAN_TEST_PANIC_HOOK_CHILD";

/// Run only as a child of `panic_hook_masks_personal_data` (when `CHILD` is set):
/// installs the binary's panic hook and panics with personal data in the message.
#[test]
fn panic_hook_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    anjuan::diag::install_panic_hook();
    let id = "３３０１２２１９７８０４１５２３１Ｘ";
    let _ = &id[..17]; // the slice panic full-width identity numbers once caused
}

#[test]
fn panic_hook_masks_personal_data() {
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "panic_hook_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run child");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the child did not panic: {err}");
    assert!(err.contains("anjuan: 内部错误 (internal error)"), "{err}");
    assert!(
        err.contains("tests/fuzz_replay.rs:"),
        "location missing: {err}"
    );
    assert!(err.contains("修改建议 (remedy)"), "{err}");
    assert!(
        !err.contains("３３０１２２"),
        "printed the identity number: {err}"
    );
    assert!(
        !err.contains("stack backtrace"),
        "printed a backtrace: {err}"
    );
}
