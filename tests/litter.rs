//! Interrupted runs leave no litter: a `ledger import` killed at any moment
//! leaves at most its one staging folder and never a partial case file, and the
//! next run removes it; `render`, `ledger import`, `pack` and `receipt` remove
//! the temporaries of dead runs in the folders they write to, and never those
//! of a run still going (whose lock is held), whatever the pid in their name.
//!
//! The temporaries are made with the library's own scheme (`anjuan::fsutil`):
//! by hand from this process, or by a child process (this test binary run again,
//! see [`child_leaves_temporaries`]) that creates them and exits without
//! cleaning up.

mod common;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anjuan::fsutil::{self, parse_temp_name, temp_name, TempKind};
use common::{anjuan, demo, demo_run, text_of};

const AS_OF: &str = "2026-03-10";
const CHILD_ENV: &str = "ANJUAN_LITTER_CHILD";

/// The scheme's temporaries directly in `dir`: name → kind.
fn temporaries(dir: &Path) -> BTreeMap<String, TempKind> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| parse_temp_name(&n).map(|(_, k)| (n.clone(), k)))
        .collect()
}

/// Every case file directly in `dir` with its bytes.
fn case_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    rd.map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn id_number(i: usize) -> String {
    let body = format!(
        "3301221968{:02}{:02}{:03}",
        1 + i % 12,
        1 + i % 28,
        i % 1000
    );
    let check = anjuan::case::idnum::check_char(&body).unwrap();
    format!("{body}{check}")
}

/// A ledger of `n` new open cases as CSV.
fn big_ledger(path: &Path, n: usize) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record([
        "案件编号",
        "登记日期",
        "信访形式",
        "信访人",
        "身份证号码",
        "问题类别",
        "诉求内容",
    ])
    .unwrap();
    for i in 0..n {
        w.write_record([
            format!("XF-2026-{:05}", i + 1),
            format!("2026-03-{:02}", 1 + i % 9),
            "来信".into(),
            "王建国".into(),
            id_number(i),
            "民政".into(),
            format!("恢复低保待遇（第 {i} 件）"),
        ])
        .unwrap();
    }
    w.flush().unwrap();
}

fn office(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(demo().join("anjuan.toml"), dir.join("anjuan.toml")).unwrap();
    dir.to_path_buf()
}

fn import_args<'a>(ledger: &'a str, cases: &'a str) -> Vec<&'a str> {
    vec!["ledger", "import", ledger, "-o", cases, "--as-of", AS_OF]
}

/// The cleanup line's count (0 when there is no such line).
fn cleaned(text: &str) -> usize {
    let label = "已清理 ";
    let Some(at) = text.find(label) else { return 0 };
    let rest = &text[at + label.len()..];
    assert!(
        rest.contains("个中断运行遗留的临时文件"),
        "cleanup line: {text}"
    );
    rest.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// The files in the staging folder (if there is one) and the case files.
fn progress(cases: &Path) -> (Option<usize>, usize) {
    let mut stage = None;
    let mut cases_n = 0;
    let Ok(rd) = std::fs::read_dir(cases) else {
        return (None, 0);
    };
    for e in rd.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if parse_temp_name(&n).is_some_and(|(_, k)| k == TempKind::Dir) {
            stage = Some(std::fs::read_dir(e.path()).map_or(0, |r| r.count()));
        } else if n.ends_with(".toml") {
            cases_n += 1;
        }
    }
    (stage, cases_n)
}

#[test]
fn a_killed_import_leaves_at_most_its_staging_folder_and_the_next_run_removes_it() {
    const N: usize = 2000;
    let t = tempfile::tempdir().unwrap();
    let d = office(t.path());
    big_ledger(&d.join("big.csv"), N);
    let o = anjuan(&d, &import_args("big.csv", "ref"));
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let reference = case_files(&d.join("ref"));
    assert_eq!(reference.len(), N);
    assert!(
        temporaries(&d.join("ref")).is_empty(),
        "a full run cleans up"
    );

    // When to kill: as soon as the staging folder appears, part-way through and
    // at the end of staging, and part-way through the renames.
    type When = fn(Option<usize>, usize) -> bool;
    let moments: [(&str, When); 5] = [
        ("staging folder made", |s, _| s.is_some()),
        ("a third staged", |s, _| s.is_some_and(|s| s >= N / 3)),
        ("all staged", |s, _| s.is_some_and(|s| s >= N)),
        ("some renamed", |_, c| c >= 1),
        ("half renamed", |_, c| c >= N / 2),
    ];
    let mut left_a_folder = 0;
    for (k, (label, when)) in moments.iter().enumerate() {
        let out = format!("k{k}");
        let cases = d.join(&out);
        let mut child = Command::new(env!("CARGO_BIN_EXE_anjuan"))
            .current_dir(&d)
            .args(import_args("big.csv", &out))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (s, c) = progress(&cases);
            if when(s, c) || child.try_wait().unwrap().is_some() || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().ok(); // SIGKILL: no destructors, no clean-up
        child.wait().unwrap();

        let temps = temporaries(&cases);
        eprintln!(
            "killed at “{label}”: {} case files, staging {:?}",
            case_files(&cases).len(),
            progress(&cases).0
        );
        let folders: Vec<_> = temps.iter().filter(|(_, k)| **k == TempKind::Dir).collect();
        assert!(folders.len() <= 1, "{label}: {temps:?}");
        assert!(
            !temps.values().any(|k| *k == TempKind::Part),
            "{label}: no staged file beside the case files: {temps:?}"
        );
        if let Some((f, _)) = folders.first() {
            left_a_folder += 1;
            assert!(
                temps.contains_key(&format!("{f}.lock")),
                "{label}: {temps:?}"
            );
            assert_eq!(temps.len(), 2, "{label}: {temps:?}");
        } else {
            // A folder's lock never outlives it in a killed run either.
            assert!(temps.is_empty(), "{label}: {temps:?}");
        }
        // Every case file at its place is whole: the bytes of a complete run.
        for (name, bytes) in case_files(&cases) {
            assert!(
                reference.get(&name) == Some(&bytes),
                "{label}: {name} differs from a complete run's"
            );
        }
        // Nothing else was left anywhere in the output folder.
        for e in walkdir::WalkDir::new(&cases).min_depth(1).max_depth(1) {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                n.ends_with(".toml") || temps.contains_key(&n),
                "{label}: unexpected {n}"
            );
        }

        // The next run removes the dead run's folder and completes the import.
        let o = anjuan(&d, &import_args("big.csv", &out));
        let text = text_of(&o);
        assert_eq!(o.status.code(), Some(0), "{label}: {text}");
        assert_eq!(
            cleaned(&text),
            usize::from(!folders.is_empty()),
            "{label}: {text}"
        );
        assert!(temporaries(&cases).is_empty(), "{label}");
        assert!(
            case_files(&cases) == reference,
            "{label}: same files as a complete run"
        );
    }
    assert!(
        left_a_folder >= 3,
        "the kills landed while staging or renaming ({left_a_folder} of {})",
        moments.len()
    );
}

/// A stale-looking folder and `.part` whose locks this process holds (its pid
/// is in their names, and it is alive): kept. Released while the pid is still
/// alive: removed — the lock decides, not the pid.
#[test]
fn a_live_runs_temporaries_are_kept_and_removed_once_its_lock_is_free() {
    let t = tempfile::tempdir().unwrap();
    let d = office(t.path());
    big_ledger(&d.join("small.csv"), 3);
    let cases = d.join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    let pid = std::process::id();
    let stem = temp_name(pid, "liveDir00001", TempKind::Dir).unwrap();
    let lock = File::create(cases.join(format!("{stem}.lock"))).unwrap();
    lock.lock().unwrap();
    std::fs::create_dir(cases.join(&stem)).unwrap();
    std::fs::write(cases.join(&stem).join("0.toml"), b"staged").unwrap();
    let part = temp_name(pid, "livePart0001", TempKind::Part).unwrap();
    let part_file = File::create(cases.join(&part)).unwrap();
    part_file.lock().unwrap();
    // And one made by the library itself, held for the whole test.
    let held = fsutil::TempDir::new_in(&cases).unwrap();
    let held_name = held
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();

    let o = anjuan(&d, &import_args("small.csv", "cases"));
    let text = text_of(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert_eq!(cleaned(&text), 0, "{text}");
    let temps = temporaries(&cases);
    assert_eq!(temps.len(), 5, "{temps:?}");
    assert_eq!(
        std::fs::read(cases.join(&stem).join("0.toml")).unwrap(),
        b"staged"
    );
    assert_eq!(case_files(&cases).len(), 3);

    drop((lock, part_file));
    let o = anjuan(&d, &import_args("small.csv", "cases"));
    let text = text_of(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert_eq!(cleaned(&text), 2, "{text}");
    let temps = temporaries(&cases);
    assert_eq!(
        temps.keys().cloned().collect::<Vec<_>>(),
        [held_name.clone(), format!("{held_name}.lock")],
        "only the held folder is left"
    );
    held.close().unwrap();
    assert!(temporaries(&cases).is_empty());
}

/// Run by the tests below in a child process: in every folder named in
/// `ANJUAN_LITTER_CHILD` (one a line), a working folder with a file in it and a
/// half-written `.part`, made by the library; then the process ends without
/// cleaning up, as a killed run does.
#[test]
#[ignore = "helper: run in a child process by the tests of this file"]
fn child_leaves_temporaries() {
    let Some(dirs) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    for d in dirs.to_string_lossy().lines() {
        let dir = fsutil::TempDir::new_in(Path::new(d)).unwrap();
        std::fs::write(dir.path().join("half.pdf"), b"%PDF-1.7 half").unwrap();
        let part = fsutil::TempFile::new_in(Path::new(d)).unwrap();
        std::io::Write::write_all(&mut part.file(), b"half").unwrap();
        std::mem::forget((dir, part));
    }
    std::process::exit(0);
}

/// Leaves the temporaries of a dead run (two in each folder: a working folder
/// with its lock, and a `.part`); returns their names per folder.
fn dead_run_in(dirs: &[PathBuf]) -> Vec<BTreeMap<String, TempKind>> {
    for d in dirs {
        std::fs::create_dir_all(d).unwrap();
    }
    let list: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    let o = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_leaves_temporaries"])
        .env(CHILD_ENV, list.join("\n"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text_of(&o));
    dirs.iter()
        .map(|d| {
            let t = temporaries(d);
            assert_eq!(
                t.len(),
                3,
                "the child left its temporaries in {}: {t:?}",
                d.display()
            );
            t
        })
        .collect()
}

/// Runs `args` in `cwd` with the temporaries of a dead run and of a live one
/// (held here) in each of `dirs`, and of a dead run in `others` (folders the
/// command does not write to): the dead ones in `dirs` are removed and counted,
/// everything else is kept.
fn sweeps(cwd: &Path, args: &[&str], dirs: &[PathBuf], others: &[PathBuf]) -> String {
    let dead = dead_run_in(dirs);
    let elsewhere = dead_run_in(others);
    let live: Vec<fsutil::TempDir> = dirs
        .iter()
        .map(|d| fsutil::TempDir::new_in(d).unwrap())
        .collect();
    let o = anjuan(cwd, args);
    let text = text_of(&o);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {text}");
    assert_eq!(cleaned(&text), 2 * dirs.len(), "{args:?}: {text}");
    for ((d, before), l) in dirs.iter().zip(&dead).zip(&live) {
        let now = temporaries(d);
        for name in before.keys() {
            assert!(
                !now.contains_key(name),
                "{args:?}: {name} left in {}",
                d.display()
            );
        }
        let live_name = l.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            now.contains_key(&live_name),
            "{args:?}: a live run's folder removed"
        );
        assert!(l.path().is_dir());
    }
    for (d, before) in others.iter().zip(&elsewhere) {
        assert_eq!(
            &temporaries(d),
            before,
            "{args:?}: {} not its to sweep",
            d.display()
        );
    }
    drop(live);
    for d in dirs {
        assert!(temporaries(d).is_empty(), "{}", d.display());
    }
    text
}

#[test]
fn render_pack_and_receipt_remove_dead_runs_temporaries_where_they_write() {
    let (t, root) = demo_run();
    let case = "office/cases/XF-2026-0004.toml";
    let papers = root.join("office/papers");
    // render: the output folder and the case's own folder; another case's
    // folder is not written by this run.
    sweeps(
        &root,
        &["render", case, "-o", "office/papers"],
        &[papers.clone(), papers.join("XF-2026-0004")],
        &[papers.join("XF-2026-0001")],
    );
    // pack: its output (work folder, zip) and the register's folder.
    sweeps(
        &root,
        &["pack", "case", case, "-o", "out"],
        &[root.join("out"), root.join("office/archive")],
        &[papers.join("XF-2026-0004")],
    );
    assert!(root.join("out/XF-2026-0004.zip").is_file());
    // receipt: its output folder.
    let o = anjuan(t.path(), &["key", "new", "--unencrypted", "-o", "recv"]);
    assert!(o.status.success(), "{}", text_of(&o));
    std::fs::write(
        t.path().join("recv/anjuan.toml"),
        "[office]\nname = \"青溪县档案馆\"\nfonds = \"X001\"\n",
    )
    .unwrap();
    let zip = root.join("archive/X012-WS-2026-XFB.zip");
    let trust = root.join("office/keys/anjuan.pub");
    sweeps(
        t.path(),
        &[
            "--config",
            "recv/anjuan.toml",
            "receipt",
            zip.to_str().unwrap(),
            "--key",
            "recv/anjuan.key",
            "--trust",
            trust.to_str().unwrap(),
            "-o",
            "rc",
            "--date",
            "2026-11-21",
        ],
        &[t.path().join("rc")],
        &[root.join("archive")],
    );
    assert!(t.path().join("rc/接收回执-X012-WS-2026-XFB.json").is_file());
}
