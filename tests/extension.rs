//! The extension of the handling period (延期) as a step of its own (issue 13 point 3),
//! through the real binary: an open case (no `[handling]`) records `[extension]`;
//! `check` and `deadlines` move the handling limit; `render` makes the 延期告知书 and
//! its delivery receipt; older files' `[handling.extension]` still work; both forms,
//! more than 30 days or an approval after the limit are errors.
//!
//! The open case (tests/fixtures/extension/XF-2026-0101.toml) was accepted on
//! 2026-09-21: the original limit is 2026-11-20 (day 60), extended by 30 days to
//! 2026-12-20 (day 90).

mod common;

use std::path::{Path, PathBuf};

use common::*;

const OPEN: &str = "XF-2026-0101.toml";

/// An office folder (the demo office's anjuan.toml) holding `cases`.
fn office(cases: &[(&str, String)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("office");
    std::fs::create_dir_all(root.join("cases")).unwrap();
    std::fs::copy(demo().join("anjuan.toml"), root.join("anjuan.toml")).unwrap();
    for (name, text) in cases {
        std::fs::write(root.join("cases").join(name), text).unwrap();
    }
    (dir, root)
}

fn open_case() -> String {
    std::fs::read_to_string(root().join("tests/fixtures/extension").join(OPEN)).unwrap()
}

fn check(root: &Path, as_of: &str) -> (Option<i32>, String) {
    let o = anjuan(root, &["check", "--as-of", as_of, "."]);
    (o.status.code(), text_of(&o))
}

#[test]
fn an_extended_open_case_is_not_overdue_on_day_70_but_is_on_day_91() {
    let (_d, root) = office(&[(OPEN, open_case())]);
    // Day 70 (2026-11-30): past the original 60 days, inside the extension.
    let (code, out) = check(&root, "2026-11-30");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("0 个错误"), "{out}");
    assert!(!out.contains("overdue"), "{out}");
    // Day 91 (2026-12-21): one day past the extended limit.
    let (code, out) = check(&root, "2026-12-21");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("[overdue]"), "{out}");
    assert!(
        out.contains("60日，延长30日，期限至 2026-12-20"),
        "the finding names the extended limit: {out}"
    );
    // Without the extension the same case is overdue on day 70.
    let bare: String = open_case().split("[extension]").next().unwrap().to_string() + "\n";
    let (_d2, root2) = office(&[(OPEN, bare)]);
    let (code, out) = check(&root2, "2026-11-30");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("[overdue]"), "{out}");
}

#[test]
fn deadlines_json_shows_the_moved_limit() {
    let (_d, root) = office(&[(OPEN, open_case())]);
    let o = anjuan(
        &root,
        &["deadlines", "--as-of", "2026-11-30", "--json", "."],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = &v["open"][0];
    assert_eq!(row["case"], "XF-2026-0101");
    assert_eq!(row["step"], "办结并出具处理意见");
    assert_eq!(row["due"], "2026-12-20");
    assert_eq!(row["days_left"], 20);
    assert_eq!(row["status"], "正常");
    let x = &row["extended"];
    assert_eq!(x["days"], 30, "{row}");
    assert_eq!(x["approved_on"], "2026-11-16");
    assert_eq!(x["approved_by"], "陈志远");
    assert_eq!(x["original_due"], "2026-11-20");
    // The text list says the same due date.
    let o = anjuan(&root, &["deadlines", "--as-of", "2026-11-30", "."]);
    let t = text_of(&o);
    assert!(t.contains("2026-12-20") && t.contains("20日"), "{t}");
    assert!(t.contains("已延期30日（2026-11-16批准）"), "{t}");
}

#[test]
fn render_makes_the_extension_notice_of_an_open_case() {
    let (_d, root) = office(&[(OPEN, open_case())]);
    let o = anjuan(&root, &["render", ".", "-o", "papers"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let dir = root.join("papers/XF-2026-0101");
    let notice = dir.join("03-延期告知书.pdf");
    assert!(
        notice.is_file(),
        "{:?}",
        std::fs::read_dir(&dir).unwrap().collect::<Vec<_>>()
    );
    // No opinion yet: the case is still being handled.
    assert!(!dir.join("05-处理意见书.pdf").exists());
    let text = squash(&pdftotext(&notice, None));
    // Each value on its own (helper-owned wording around them may change): the
    // days, the approver and the day approved, the reason, the new limit, the
    // notice's own date.
    for want in [
        "信访事项延期办理告知书",
        "柳政信延字〔2026〕7号",
        "30日",
        "陈志远",
        "2026年11月16日",
        "需委托第三方评估受损财物价值，评估报告预计12月上旬出具",
        "2026年12月20日",
        "2026年11月17日",
    ] {
        assert!(text.contains(want), "notice lacks {want:?}:\n{text}");
    }
    // Its delivery receipt, as for every served paper.
    let receipt = dir.join("04-送达回证（延期告知书）.pdf");
    let r = squash(&pdftotext(&receipt, None));
    assert!(
        r.contains("信访事项延期办理告知书（柳政信延字〔2026〕7号）"),
        "{r}"
    );
    assert!(r.contains("2026年11月17日10时00分"), "{r}");
}

/// The demo's extended case (XF-2026-0006) written the old way, `[handling.extension]`.
fn demo_old_form() -> String {
    let text = std::fs::read_to_string(demo().join("cases/XF-2026-0006.toml")).unwrap();
    assert!(
        text.contains("\n[extension]"),
        "the demo case records [extension]"
    );
    text.replace("\n[extension]", "\n[handling.extension]")
}

#[test]
fn the_older_handling_extension_still_works() {
    let (_d, root) = office(&[("XF-2026-0006.toml", demo_old_form())]);
    let (code, out) = check(&root, "2026-11-21");
    assert_eq!(code, Some(0), "{out}");
    let o = anjuan(&root, &["render", ".", "-o", "papers"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let dir = root.join("papers/XF-2026-0006");
    let notice = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-延期告知书.pdf"))
        .expect("extension notice");
    let text = squash(&pdftotext(&notice, None));
    assert!(
        text.contains("30日") && text.contains("2026年9月27日"),
        "{text}"
    );
    let opinion = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-处理意见书.pdf"))
        .expect("opinion");
    let text = squash(&pdftotext(&opinion, None));
    // The opinion says the period was extended (read from the older form too).
    assert!(text.contains("延长") && text.contains("30日"), "{text}");
}

#[test]
fn both_forms_more_than_30_days_and_a_late_approval_are_errors() {
    let both = demo_old_form().replace(
        "\n[handling]\n",
        "\n[extension]\ndays = 30\napproved_by = \"陈志远\"\napproved_on = 2026-08-24\nreason = \"复测\"\nnotified_on = 2026-08-25\n\n[handling]\n",
    );
    let (_d, root) = office(&[("XF-2026-0006.toml", both)]);
    let (code, out) = check(&root, "2026-11-21");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("[extension] handling.extension: 延期记录了两次"),
        "{out}"
    );
    assert!(
        out.contains("只保留顶层的 [extension]"),
        "the finding carries a remedy: {out}"
    );

    let over = open_case().replace("days = 30", "days = 31");
    let (_d, root) = office(&[(OPEN, over)]);
    let (code, out) = check(&root, "2026-11-30");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("extension.days: 延长 31 日不符合规定"),
        "{out}"
    );

    let late = open_case()
        .replace("approved_on = 2026-11-16", "approved_on = 2026-11-21")
        .replace("notified_on = 2026-11-17", "notified_on = 2026-11-21")
        .replace("time = 2026-11-17T10:00:00", "time = 2026-11-21T10:00:00");
    let (_d, root) = office(&[(OPEN, late)]);
    let (code, out) = check(&root, "2026-11-30");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("extension.approved_on: 延期在原办理期限 2026-11-20 届满后才批准"),
        "{out}"
    );
}

#[test]
fn the_ledger_shows_the_moved_limit_and_reads_back_unchanged() {
    use calamine::{Data, Reader as _};
    let (d, root) = office(&[(OPEN, open_case())]);
    let o = anjuan(
        d.path(),
        &[
            "ledger",
            "export",
            "office",
            "-o",
            "台账.xlsx",
            "--as-of",
            "2026-11-30",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let xlsx = d.path().join("台账.xlsx");
    let mut book = calamine::open_workbook_auto(&xlsx).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let header: Vec<String> = rows[1].iter().map(|c| c.to_string()).collect();
    let col = |h: &str| header.iter().position(|x| x == h).unwrap();
    let row = &rows[2];
    assert_eq!(
        row[col("下一法定环节")].to_string(),
        "办结并出具处理意见（已延期30日）"
    );
    // 2026-12-20 as an Excel serial day.
    let due = match &row[col("法定期限")] {
        Data::DateTime(dt) => dt.as_f64(),
        other => panic!("法定期限 is {other:?}"),
    };
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    let want = (chrono::NaiveDate::from_ymd_opt(2026, 12, 20).unwrap() - epoch).num_days();
    assert_eq!(due as i64, want);
    assert_eq!(row[col("剩余天数")].to_string(), "20");
    assert_eq!(row[col("期限状态")].to_string(), "正常");
    // Read back against the case file: nothing to change.
    let before = std::fs::read(root.join("cases").join(OPEN)).unwrap();
    let o = anjuan(
        d.path(),
        &[
            "ledger",
            "import",
            "台账.xlsx",
            "-o",
            "office/cases",
            "--as-of",
            "2026-11-30",
        ],
    );
    let t = text_of(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("与案件文件一致 1 件"), "{t}");
    assert_eq!(
        std::fs::read(root.join("cases").join(OPEN)).unwrap(),
        before
    );
}
