//! The README's walkthrough of an office's first day, `examples/first-day.sh`, run as
//! a clerk would run it: in an empty folder, `anjuan` on PATH. Every step must
//! succeed and say what the README shows it saying.

mod common;

use std::process::Command;

#[test]
fn the_first_day_walkthrough_runs_as_the_readme_shows() {
    let dir = tempfile::tempdir().unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_anjuan"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let o = Command::new("bash")
        .arg(common::root().join("examples/first-day.sh"))
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("ANJUAN_PASSPHRASE")
        .output()
        .unwrap();
    let out = common::text_of(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    for want in [
        "已建立办公室目录",
        "已登记 (registered): XF-2026-0003",
        "书面告知是否受理",
        "0 个错误 (errors)",
        "已生成",
        "份未变、沿用",
        "结论 (verdict): 同意接收 (accept)",
        "authenticity.package-signature",
        "接收回执 (receipt): receipts/接收回执-X012-WS-2026-XFB.json（同意接收",
        "✓ 回执有效",
    ] {
        assert!(out.contains(want), "missing `{want}`:\n{out}");
    }
    // Personal data never whole in what anjuan prints (the script's own echo of
    // the command the clerk typed, `$ anjuan new case … --id-number …`, aside).
    let printed: String = out
        .lines()
        .filter(|l| !l.starts_with("$ "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!printed.contains("11010519491231002X"), "{printed}");
    assert!(!printed.contains("13912345678"), "{printed}");
    let zip = dir.path().join("my-office/archive/X012-WS-2026-XFB.zip");
    assert!(zip.is_file());
    assert!(dir.path().join("my-office/papers/XF-2026-0003").is_dir());
}
