//! `anjuan audit verify|show`: the hash-chained audit trail in
//! OFFICE/.anjuan/audit.log. An intact log verifies; an edited field, a removed
//! line, two swapped lines and a cut-off last line are each found and named by
//! line; appends from several processes at once keep the chain; the commands
//! that write record themselves, personal numbers masked; and nothing of
//! .anjuan/ is ever packed.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .current_dir(dir)
        .args(args)
        .env("ANJUAN_USER", "tester")
        .env("PW", "correct horse battery")
        .env("ANJUAN_TODAY", "2026-11-21")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// An office with `n` accounts added (`n` + 0 audit lines… one per account).
fn office_with_log(dir: &Path, n: usize) -> PathBuf {
    let o = run(dir, &["init", "--unencrypted", "office"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    for i in 0..n {
        let name = format!("管理员{}", i + 1);
        let o = run(
            dir,
            &[
                "user",
                "add",
                "office",
                &name,
                "--role",
                "admin",
                "--password-env",
                "PW",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    }
    dir.join("office")
}

fn log_path(office: &Path) -> PathBuf {
    office.join(".anjuan/audit.log")
}

fn lines(office: &Path) -> Vec<String> {
    std::fs::read_to_string(log_path(office))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(office: &Path, lines: &[String]) {
    std::fs::write(log_path(office), lines.join("\n") + "\n").unwrap();
}

/// `audit verify`: exit code, terminal text, and the problems of `--json`.
fn verify(dir: &Path) -> (Option<i32>, String, Vec<serde_json::Value>) {
    let o = run(dir, &["audit", "verify", "office"]);
    let j = run(dir, &["audit", "verify", "office", "--json"]);
    assert_eq!(o.status.code(), j.status.code(), "{}", text_of(&j));
    let v: serde_json::Value =
        serde_json::from_slice(&j.stdout).unwrap_or_else(|_| panic!("{}", text_of(&j)));
    assert_eq!(v["schema"], "anjuan-audit-verify/1");
    let problems = v["problems"].as_array().unwrap().clone();
    (o.status.code(), text_of(&o), problems)
}

#[test]
fn an_intact_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_with_log(dir.path(), 3);
    assert_eq!(lines(&office).len(), 3);
    let (code, text, problems) = verify(dir.path());
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("操作日志完整 (audit trail intact): 3 行，最新 seq 3"),
        "{text}"
    );
    assert!(problems.is_empty());
    // No log yet is an intact, empty log.
    std::fs::remove_file(log_path(&office)).unwrap();
    assert_eq!(verify(dir.path()).0, Some(0));
}

#[test]
fn an_edited_field_is_named_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_with_log(dir.path(), 4);
    let mut l = lines(&office);
    l[1] = l[1].replace("\"cli:tester\"", "\"cli:someone\"");
    write_lines(&office, &l);
    let (code, text, problems) = verify(dir.path());
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("第 2 行（seq 2）内容被改动 (edited)"),
        "{text}"
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["kind"], "edited");
    assert_eq!(problems[0]["line"], 2);
}

#[test]
fn a_deleted_line_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_with_log(dir.path(), 4);
    let mut l = lines(&office);
    l.remove(2);
    write_lines(&office, &l);
    let (code, text, problems) = verify(dir.path());
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("第 2 行之后缺少 seq 3 (removed)"), "{text}");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["kind"], "removed");
}

#[test]
fn swapped_lines_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_with_log(dir.path(), 5);
    let mut l = lines(&office);
    l.swap(1, 3);
    write_lines(&office, &l);
    let (code, text, problems) = verify(dir.path());
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("第 2 行（seq 4）顺序不对 (reordered)"),
        "{text}"
    );
    assert!(
        text.contains("第 4 行（seq 2）顺序不对 (reordered)"),
        "{text}"
    );
    assert_eq!(problems.len(), 2, "{problems:?}");
}

#[test]
fn a_truncated_log_is_named_and_every_problem_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_with_log(dir.path(), 5);
    let mut l = lines(&office);
    // Several problems at once: an edit on line 1, and the last line cut off.
    l[0] = l[0].replace("管理员1", "管理员9");
    let last = l.len() - 1;
    l[last].truncate(40);
    std::fs::write(log_path(&office), l.join("\n")).unwrap();
    let (code, text, problems) = verify(dir.path());
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("第 1 行（seq 1）内容被改动 (edited)"),
        "{text}"
    );
    assert!(
        text.contains("第 5 行（最后一行）不完整 (truncated)"),
        "{text}"
    );
    assert_eq!(problems.len(), 2, "{problems:?}");
    // The next write still records, chained to the last intact line; the cut
    // line stays reported.
    let o = run(
        dir.path(),
        &[
            "user",
            "add",
            "office",
            "后来者",
            "--role",
            "admin",
            "--password-env",
            "PW",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let (_, text, _) = verify(dir.path());
    assert!(
        text.contains("第 5 行不是日志记录 (malformed line)"),
        "{text}"
    );
    assert!(!text.contains("removed"), "{text}");
}

#[test]
fn concurrent_appends_from_processes_keep_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_with_log(dir.path(), 1);
    let kids: Vec<_> = (0..6)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_anjuan"))
                .current_dir(dir.path())
                .args([
                    "user",
                    "add",
                    "office",
                    &format!("并发{i}"),
                    "--role",
                    "领导",
                ])
                .args(["--password-env", "PW"])
                .env("PW", "correct horse battery")
                .env("ANJUAN_USER", format!("p{i}"))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for k in kids {
        let o = k.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    }
    let (code, text, _) = verify(dir.path());
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("7 行，最新 seq 7"), "{text}");
    // Every account made it into users.toml too (changes under one lock).
    let users = anjuan::office::users::list(&office).unwrap();
    assert_eq!(users.len(), 7);
}

#[test]
fn new_case_is_recorded_with_personal_numbers_masked() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_with_log(dir.path(), 0);
    let o = run(
        dir.path(),
        &[
            "new",
            "case",
            "office",
            "--channel",
            "来信",
            "--received",
            "2026-11-20",
            "--petitioner",
            "王喆",
            "--id-number",
            "11010519491231002X",
            "--phone",
            "13912345678",
            "--summary",
            "村道排水沟堵塞，电话13912345678。",
            "--request",
            "疏通排水沟",
            "--category",
            "城乡建设",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let log = std::fs::read_to_string(log_path(&office)).unwrap();
    assert!(log.contains("\"action\":\"case.create\""), "{log}");
    assert!(log.contains("\"actor\":\"cli:tester\""), "{log}");
    assert!(
        !log.contains("11010519491231002X") && !log.contains("13912345678"),
        "{log}"
    );
    let s = run(dir.path(), &["audit", "show", "office", "--last", "1"]);
    assert_eq!(s.status.code(), Some(0), "{}", text_of(&s));
    assert!(text_of(&s).contains("case.create"), "{}", text_of(&s));
    assert_eq!(verify(dir.path()).0, Some(0));
}

#[test]
fn render_pack_and_receipt_are_recorded_and_the_log_is_never_packed() {
    let (dir, root) = demo_run();
    let log = std::fs::read_to_string(log_path(&root.join("office"))).unwrap();
    assert!(log.contains("\"action\":\"paper.render\""), "{log}");
    assert!(log.contains("\"action\":\"pack\""), "{log}");
    // Accounts too, then pack again: the bundle holds nothing of .anjuan/.
    let o = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .current_dir(dir.path())
        .args([
            "user",
            "add",
            "d/office",
            "李静",
            "--role",
            "管理员",
            "--password-env",
            "PW",
        ])
        .env("PW", "correct horse battery")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let o = anjuan(
        dir.path(),
        &["pack", "year", "--year", "2026", "d/office", "-o", "again"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let zip = dir.path().join(format!("again/{BUNDLE}.zip"));
    let mut z = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let names: Vec<String> = (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().to_string())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains(".anjuan")
            || n.ends_with("users.toml")
            || n.ends_with("audit.log")),
        "{names:?}"
    );
    // The receiving office records the receipt it issues.
    let o = anjuan(dir.path(), &["init", "--unencrypted", "recv"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let bundle = format!("../d/archive/{BUNDLE}.zip");
    let o = anjuan(
        &dir.path().join("recv"),
        &[
            "receipt",
            &bundle,
            "--trust",
            "../d/office/keys/anjuan.pub",
            "-o",
            "out",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let log = std::fs::read_to_string(log_path(&dir.path().join("recv"))).unwrap();
    assert!(log.contains("\"action\":\"receipt\""), "{log}");
    assert!(log.contains("accepted bundle"), "{log}");
    let v = anjuan(dir.path(), &["audit", "verify", "d/office"]);
    assert!(text_of(&v).contains("4 行"), "{}", text_of(&v)); // render, pack, user.add, pack
    assert_eq!(v.status.code(), Some(0), "{}", text_of(&v));
}

#[test]
fn the_json_documents_have_schemas() {
    let dir = tempfile::tempdir().unwrap();
    for (name, field) in [("audit-verify", "problems"), ("user-list", "users")] {
        let o = anjuan(dir.path(), &["schema", "--output", name]);
        assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
        let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(s["properties"][field].is_object(), "{name}: {s}");
    }
}

#[test]
fn an_anchor_finds_removed_last_lines() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_with_log(dir.path(), 3);
    let o = run(dir.path(), &["audit", "verify", "office"]);
    let text = text_of(&o);
    let anchor = text
        .split("--anchor ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no anchor printed: {text}"))
        .to_string();
    assert!(anchor.starts_with("3:"), "{anchor}");
    let mut l = lines(&office);
    l.pop();
    write_lines(&office, &l);
    // Without the anchor the shorter log looks whole; with it, the loss shows.
    assert_eq!(verify(dir.path()).0, Some(0));
    let o = run(
        dir.path(),
        &["audit", "verify", "office", "--anchor", &anchor],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    assert!(
        text_of(&o).contains("第 2 行之后缺少 seq 3 (removed)"),
        "{}",
        text_of(&o)
    );
    let o = run(
        dir.path(),
        &["audit", "verify", "office", "--anchor", "3:xyz"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
}
