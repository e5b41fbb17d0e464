//! `anjuan new case`: a clerk registers a case without writing TOML. The next free
//! number, a file `check` passes, nothing written when the answers have errors; and
//! `check` names the next free document number when one is used twice.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;

fn office(dir: &Path) -> std::path::PathBuf {
    let o = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .current_dir(dir)
        .args(["init", "--unencrypted", "office"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    dir.join("office")
}

fn new_case(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "new",
        "case",
        "office",
        "--channel",
        "来信",
        "--received",
        "2026-11-20",
        "--summary",
        "村道排水沟堵塞，雨水倒灌进屋。",
        "--request",
        "疏通排水沟",
        "--request",
        "赔偿损失",
        "--category",
        "城乡建设",
    ];
    if extra.contains(&"--channel") {
        // The caller's channel instead of the default 来信.
        args.drain(3..5);
    }
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .current_dir(dir)
        .env("ANJUAN_TODAY", "2026-11-21")
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn registers_the_next_number_as_a_file_check_passes() {
    let dir = tempfile::tempdir().unwrap();
    let office = office(dir.path());
    let o = new_case(
        dir.path(),
        &[
            "--petitioner",
            "王喆",
            "--id-number",
            "11010519491231002X",
            "--phone",
            "13912345678",
            "--address",
            "青溪县柳河镇石桥村",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    // init's two example cases are 0001 and 0002.
    let path = office.join("cases/XF-2026-0003.toml");
    assert!(path.is_file(), "{}", text_of(&o));
    // Personal data is masked in what is printed, whole in the file.
    assert!(
        !text_of(&o).contains("11010519491231002X"),
        "{}",
        text_of(&o)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    for want in [
        "id = \"XF-2026-0003\"",
        "channel = \"来信\"",
        "received = 2026-11-20",
        "11010519491231002X",
        "疏通排水沟",
        "赔偿损失",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    let o = anjuan(dir.path(), &["check", "--as-of", "2026-11-21", "office"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    // The next one is 0004; JSON output carries its schema. A channel typed as
    // clerks say it (来电) is written as the term (电话).
    let mut args = vec!["--petitioner", "刘堃", "--json"];
    args.extend(["--channel", "来电"]);
    let o = new_case(dir.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema"], "anjuan-new-case/1");
    assert_eq!(v["id"], "XF-2026-0004");
    let text = std::fs::read_to_string(office.join("cases/XF-2026-0004.toml")).unwrap();
    assert!(text.contains("channel = \"电话\""), "{text}");
}

#[test]
fn answers_with_errors_write_nothing_and_say_where() {
    let dir = tempfile::tempdir().unwrap();
    let office = office(dir.path());
    let before: Vec<_> = std::fs::read_dir(office.join("cases")).unwrap().collect();
    let o = new_case(
        dir.path(),
        &["--petitioner", "王喆", "--id-number", "110105194912310021"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    assert!(text_of(&o).contains("id_number"), "{}", text_of(&o));
    assert!(text_of(&o).contains("未登记"), "{}", text_of(&o));
    let after: Vec<_> = std::fs::read_dir(office.join("cases")).unwrap().collect();
    assert_eq!(before.len(), after.len());
    // Without a terminal, a missing answer is named with its option.
    let o = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .current_dir(dir.path())
        .args(["new", "case", "office", "--channel", "来信"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(text_of(&o).contains("--received"), "{}", text_of(&o));
}

#[test]
fn a_duplicate_document_number_names_the_next_free_one() {
    let dir = tempfile::tempdir().unwrap();
    let office = dir.path().join("office");
    std::fs::create_dir_all(office.join("cases")).unwrap();
    std::fs::copy(demo().join("anjuan.toml"), office.join("anjuan.toml")).unwrap();
    copy_originals(&office);
    for c in ["XF-2026-0001", "XF-2026-0003", "XF-2026-0004"] {
        let mut text = std::fs::read_to_string(demo().join(format!("cases/{c}.toml"))).unwrap();
        if c == "XF-2026-0003" {
            // Its acceptance notice takes 0001's number, 柳政信受字〔2026〕3号.
            text = text.replacen("doc_no = 5 ", "doc_no = 3 ", 1);
        }
        std::fs::write(office.join(format!("cases/{c}.toml")), text).unwrap();
    }
    let o = anjuan(dir.path(), &["check", "office"]);
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    let out = text_of(&o);
    assert!(out.contains("duplicate-number"), "{out}");
    // 受字 numbers in use: 3 and 8 → the next free is 9.
    assert!(out.contains("下一个未用的序号是 9"), "{out}");
    assert!(out.contains("柳政信受字〔2026〕9号"), "{out}");
}
