//! The ledger (台账) through the real binary: a clerk's Excel ledger imported,
//! exported and imported again (same case files, byte for byte); the demo office
//! exported and read back against its own case files; the export's print setup
//! as Excel stores it and as LibreOffice prints it; the same bytes twice.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{anjuan, copy_demo, demo, text_of};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const AS_OF: &str = "2026-11-21";

/// An empty office: the demo's anjuan.toml, no cases.
fn empty_office(dir: &Path) -> PathBuf {
    let office = dir.to_path_buf();
    std::fs::create_dir_all(&office).unwrap();
    std::fs::copy(demo().join("anjuan.toml"), office.join("anjuan.toml")).unwrap();
    office
}

/// Every file under `dir` with its bytes.
/// The office's files, without its audit trail and accounts (`.anjuan/`,
/// checked on its own where a test expects a line there).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".anjuan")
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn id_number(birth: (i32, u32, u32), seq: u32) -> String {
    let body = format!("330122{:04}{:02}{:02}{seq:03}", birth.0, birth.1, birth.2);
    let check = anjuan::case::idnum::check_char(&body).unwrap();
    format!("{body}{check}")
}

/// A ledger as a town clerk keeps it in Excel: a merged title row, a two-row
/// header with a merged group label (责任落实 over its three columns) and labels
/// merged down, the office's own header names, dates as date cells, as bare
/// serial numbers and as typed text, full-width digits, trailing spaces, two
/// petitioners in one row, numbered requests, a blank row and a note under the
/// table.
fn clerk_ledger(path: &Path) -> Vec<String> {
    let id_a = id_number((1968, 5, 14), 31);
    let id_b = id_number((1975, 11, 2), 42);
    let id_c = id_number((1980, 1, 20), 51);
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("2026年台账").unwrap();
    let plain = Format::new();
    let date_fmt = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    // Row 1: title; rows 2–3: header.
    ws.merge_range(0, 0, 0, 15, "柳河镇重点信访事项化解台账", &plain)
        .unwrap();
    let singles = [
        (0, "序号"),
        (1, "编号"),
        (2, "来访日期"),
        (3, "信访方式"),
        (4, "信访人姓名"),
        (5, "身份证号"),
        (6, "联系方式"),
        (7, "问题分类"),
        (8, "诉求内容"),
        (9, "分类处理情况"),
        (10, "具体工作措施"),
    ];
    for (c, h) in singles {
        ws.merge_range(1, c, 2, c, h, &plain).unwrap();
    }
    ws.merge_range(1, 11, 1, 13, "责任落实", &plain).unwrap();
    ws.write_string(2, 11, "包案领导").unwrap();
    ws.write_string(2, 12, "责任单位").unwrap();
    ws.write_string(2, 13, "责任人 ").unwrap();
    ws.merge_range(1, 14, 2, 14, "化解时限", &plain).unwrap();
    ws.merge_range(1, 15, 2, 15, "是否销号", &plain).unwrap();

    // Row 4: a date cell, full-width phone digits, trailing spaces.
    ws.write_number(3, 0, 1).unwrap();
    ws.write_string(3, 1, "LH-2026-001").unwrap();
    ws.write_date_with_format(
        3,
        2,
        ExcelDateTime::from_ymd(2026, 3, 2).unwrap(),
        &date_fmt,
    )
    .unwrap();
    ws.write_string(3, 3, "来访").unwrap();
    ws.write_string(3, 4, "王建国  ").unwrap();
    ws.write_string(3, 5, &id_a).unwrap();
    ws.write_string(3, 6, "１３８５７１６３０５２").unwrap();
    ws.write_string(3, 7, "城乡建设 ").unwrap();
    ws.write_string(3, 8, "要求疏通村道排水沟，防止再次进水")
        .unwrap();
    ws.write_string(3, 9, "诉求合理的解决问题到位").unwrap();
    ws.write_string(3, 10, "现场查看，协调村委会限期清淤")
        .unwrap();
    ws.write_string(3, 11, "周海涛").unwrap();
    ws.write_string(3, 12, "柳河镇建设办").unwrap();
    ws.write_string(3, 13, "徐建平").unwrap();
    ws.write_string(3, 14, "2026.4.30").unwrap();
    ws.write_string(3, 15, "否").unwrap();
    // Row 5: blank.
    // Row 6: a bare serial date, two petitioners, numbered requests.
    ws.write_number(5, 0, 2).unwrap();
    ws.write_string(5, 1, "LH-2026-002").unwrap();
    ws.write_number(5, 2, 46097.0).unwrap(); // 2026-03-16
    ws.write_string(5, 3, "来信").unwrap();
    ws.write_string(5, 4, "李秀英、张国强").unwrap();
    ws.write_string(5, 5, format!("{id_b}\n{id_c}")).unwrap();
    ws.write_string(5, 6, "15068127735").unwrap();
    ws.write_string(5, 7, "劳动社保").unwrap();
    ws.write_string(
        5,
        8,
        "1、督促支付拖欠工资23600元\n2、支付因讨薪产生的误工费",
    )
    .unwrap();
    ws.write_string(5, 9, "帮扶救助到位").unwrap();
    ws.write_string(5, 11, "孙丽华").unwrap();
    ws.write_string(5, 12, "柳河镇劳动保障所").unwrap();
    ws.write_string(5, 13, "黄伟").unwrap();
    ws.write_date_with_format(
        5,
        14,
        ExcelDateTime::from_ymd(2026, 5, 20).unwrap(),
        &date_fmt,
    )
    .unwrap();
    // Row 7: a typed Chinese date, no responsibility yet.
    ws.write_number(6, 0, 3).unwrap();
    ws.write_string(6, 1, "LH-2026-003").unwrap();
    ws.write_string(6, 2, "2026年4月3日").unwrap();
    ws.write_string(6, 3, "网上信访").unwrap();
    ws.write_string(6, 4, "赵敏").unwrap();
    ws.write_string(6, 7, "自然资源").unwrap();
    ws.write_string(6, 8, "反映邻居违章搭建占用宅基地").unwrap();
    // Row 9: a note under the table.
    ws.write_string(8, 0, "填表人：李敏　　审核：陈志远")
        .unwrap();
    book.save(path).unwrap();
    vec![id_a, id_b, id_c]
}

/// A TOML value as text (dates without quotes).
fn t(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `ledger export office -o TO` in `dir`.
fn export(dir: &Path, to: &str) -> std::process::Output {
    anjuan(
        dir,
        &["ledger", "export", "office", "-o", to, "--as-of", AS_OF],
    )
}

fn import(dir: &Path, ledger: &str, cases: &str) -> std::process::Output {
    anjuan(
        dir,
        &["ledger", "import", ledger, "-o", cases, "--as-of", AS_OF],
    )
}

#[test]
fn a_clerks_excel_ledger_imports_and_export_then_import_gives_the_same_case_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ids = clerk_ledger(&dir.join("台账.xlsx"));
    empty_office(&dir.join("a"));

    let out = import(dir, "台账.xlsx", "a/cases");
    let text = text_of(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("3 行；新案件 3 件"), "{text}");
    assert!(text.contains("表头第 3 行"), "{text}");
    for id in &ids {
        assert!(
            !text.contains(id.as_str()),
            "identity numbers are masked: {text}"
        );
    }
    let a = snapshot(&dir.join("a/cases"));
    assert_eq!(
        a.keys().cloned().collect::<Vec<_>>(),
        ["LH-2026-001.toml", "LH-2026-002.toml", "LH-2026-003.toml"]
    );

    // What the cells became.
    let case = |name: &str| -> toml::Value {
        toml::from_str(std::str::from_utf8(&a[name]).unwrap()).unwrap()
    };
    let c1 = case("LH-2026-001.toml");
    assert_eq!(t(&c1["arrival"]["received"]), "2026-03-02");
    assert_eq!(c1["arrival"]["channel"].as_str(), Some("来访"));
    assert_eq!(c1["petitioners"][0]["name"].as_str(), Some("王建国"));
    assert_eq!(c1["petitioners"][0]["phone"].as_str(), Some("13857163052"));
    assert_eq!(
        c1["petitioners"][0]["id_number"].as_str(),
        Some(ids[0].as_str())
    );
    assert_eq!(c1["matter"]["category"].as_str(), Some("城乡建设"));
    let r1 = &c1["responsibility"];
    assert_eq!(r1["class"].as_str(), Some("解决问题到位"));
    assert_eq!(r1["handler"].as_str(), Some("徐建平"));
    assert_eq!(t(&r1["due"]), "2026-04-30");
    assert!(c1.get("close").is_none());
    let c2 = case("LH-2026-002.toml");
    assert_eq!(t(&c2["arrival"]["received"]), "2026-03-16");
    let names: Vec<_> = c2["petitioners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["李秀英", "张国强"]);
    assert_eq!(
        c2["petitioners"][1]["id_number"].as_str(),
        Some(ids[2].as_str())
    );
    assert_eq!(
        c2["matter"]["requests"].as_array().unwrap().len(),
        2,
        "numbered requests split"
    );
    assert_eq!(
        c2["matter"]["requests"][0].as_str(),
        Some("督促支付拖欠工资23600元")
    );
    assert_eq!(t(&c2["responsibility"]["due"]), "2026-05-20");
    let c3 = case("LH-2026-003.toml");
    assert_eq!(t(&c3["arrival"]["received"]), "2026-04-03");
    assert_eq!(c3["arrival"]["channel"].as_str(), Some("网上"));
    assert!(c3.get("responsibility").is_none());

    // The imported files are case files like any other.
    let check = anjuan(dir, &["check", "a/cases", "--as-of", AS_OF, "--json"]);
    let findings: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let codes: Vec<&str> = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.iter().all(|c| *c == "overdue"),
        "only the open limits are findings: {codes:?}"
    );

    // Export, import into an empty office: the same files, byte for byte.
    let out = anjuan(
        dir,
        &["ledger", "export", "a", "-o", "导出.xlsx", "--as-of", AS_OF],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    assert!(text_of(&out).contains("超期 3 件"), "{}", text_of(&out));
    empty_office(&dir.join("b"));
    let out = import(dir, "导出.xlsx", "b/cases");
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    assert_eq!(snapshot(&dir.join("b/cases")), a, "round trip");

    // And back into the first office: every row agrees with its file.
    let out = import(dir, "导出.xlsx", "a/cases");
    assert!(
        text_of(&out).contains("新案件 0 件，与案件文件一致 3 件"),
        "{}",
        text_of(&out)
    );
    assert_eq!(snapshot(&dir.join("a/cases")), a);
}

#[test]
fn the_demo_office_exports_and_reads_back_against_its_own_case_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_demo(&dir.join("office"));
    let before = snapshot(&dir.join("office"));

    let out = export(dir, "台账.xlsx");
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let again = export(dir, "again.xlsx");
    assert_eq!(again.status.code(), Some(0));
    let bytes = std::fs::read(dir.join("台账.xlsx")).unwrap();
    assert_eq!(
        bytes,
        std::fs::read(dir.join("again.xlsx")).unwrap(),
        "deterministic"
    );

    // An existing ledger is not overwritten without --force.
    let out2 = anjuan(dir, &["ledger", "export", "office", "-o", "台账.xlsx"]);
    assert_eq!(out2.status.code(), Some(2), "{}", text_of(&out2));
    assert_eq!(std::fs::read(dir.join("台账.xlsx")).unwrap(), bytes);

    // Every row reads back equal to its case file: every ledger column survives
    // the spreadsheet (dates, multi-person cells, numbered requests, 销号).
    let out = import(dir, "台账.xlsx", "office/cases");
    let text = text_of(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("新案件 0 件，与案件文件一致 8 件，有错误 0 行"),
        "{text}"
    );
    assert_eq!(snapshot(&dir.join("office")), before, "nothing written");

    // Print setup as Excel reads it.
    let sheet = sheet_xml(&dir.join("台账.xlsx"));
    assert!(
        sheet.contains("<pane xSplit=\"2\" ySplit=\"2\""),
        "frozen header"
    );
    assert!(sheet.contains("orientation=\"landscape\""), "landscape");
    assert!(sheet.contains("paperSize=\"9\""), "A4");
    assert!(sheet.contains("<mergeCell ref=\"A1:"), "title row");
    assert!(sheet.contains("<autoFilter"), "filter on the header");
    assert!(sheet.contains("<cols>"), "column widths");
}

/// The worksheet's XML (the xlsx is deflated; Python's zipfile reads it).
fn sheet_xml(xlsx: &Path) -> String {
    xlsx_part(xlsx, "xl/worksheets/sheet1.xml")
}

/// One part of an xlsx, as text.
fn xlsx_part(xlsx: &Path, part: &str) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())",
        ])
        .arg(xlsx)
        .arg(part)
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", text_of(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// Every XML part of an xlsx, concatenated: whatever text the file holds.
fn xlsx_all_text(xlsx: &Path) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); sys.stdout.write('\\n'.join(z.read(n).decode() for n in z.namelist()))",
        ])
        .arg(xlsx)
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", text_of(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// The column letter of an exported ledger column.
fn export_col(f: anjuan::ledger::columns::Field) -> String {
    let i = anjuan::ledger::columns::Field::ALL
        .iter()
        .position(|x| *x == f)
        .unwrap();
    anjuan::ledger::sheet::col_name(i)
}

/// Identity numbers (18 characters) and mobile numbers (11 digits) in a text.
fn personal_numbers(text: &str) -> std::collections::BTreeSet<String> {
    let b = text.as_bytes();
    let mut out = std::collections::BTreeSet::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i - start == 17 && i < b.len() && matches!(b[i], b'X' | b'x') {
            i += 1;
        }
        let run = &text[start..i];
        if run.len() == 18 || (run.len() == 11 && run.starts_with('1')) {
            out.insert(run.to_string());
        }
    }
    out
}

/// Identity-number and phone columns are Text and hold strings, in the rows
/// written and (as the column's format) in rows typed in later; the
/// enumerated columns have drop-down lists of exactly what the import takes.
#[test]
fn the_export_keeps_numbers_as_text_and_offers_drop_down_lists() {
    use anjuan::case::model::{Channel, Class};
    use anjuan::ledger::columns::Field;
    use calamine::{Data, Reader as _};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_demo(&dir.join("office"));
    let out = export(dir, "台账.xlsx");
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let xlsx = dir.join("台账.xlsx");

    // Cell values: strings, never numbers (calamine reads what Excel would).
    let mut book = calamine::open_workbook_auto(&xlsx).unwrap();
    let range = book.worksheet_range(anjuan::ledger::export::SHEET).unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    let header = rows[1];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| matches!(h, Data::String(s) if s == name))
            .unwrap()
    };
    let (id_c, phone_c) = (col("身份证号码"), col("联系电话"));
    let mut ids = 0;
    for r in &rows[2..] {
        for c in [id_c, phone_c] {
            match &r[c] {
                Data::String(s) => ids += usize::from(c == id_c && s.len() >= 18),
                Data::Empty => {}
                other => panic!("a number cell in column {c}: {other:?}"),
            }
        }
    }
    assert!(ids >= 8, "identity numbers read back as strings: {ids}");

    // Formats: Excel's built-in Text (numFmtId 49) on each such cell and on the
    // columns themselves.
    let styles = xlsx_part(&xlsx, "xl/styles.xml");
    let styles = roxmltree::Document::parse(&styles).unwrap();
    let xfs: Vec<String> = styles
        .descendants()
        .find(|n| n.has_tag_name("cellXfs"))
        .unwrap()
        .children()
        .filter(|n| n.has_tag_name("xf"))
        .map(|n| n.attribute("numFmtId").unwrap_or("0").to_string())
        .collect();
    let fmt_of = |style: Option<&str>| xfs[style.unwrap_or("0").parse::<usize>().unwrap()].clone();
    let sheet = sheet_xml(&xlsx);
    let doc = roxmltree::Document::parse(&sheet).unwrap();
    for f in [Field::IdNumber, Field::Phone] {
        let letter = export_col(f);
        let n = Field::ALL.iter().position(|x| *x == f).unwrap() + 1;
        let col = doc
            .descendants()
            .filter(|c| c.has_tag_name("col"))
            .find(|c| {
                let min: usize = c.attribute("min").unwrap().parse().unwrap();
                let max: usize = c.attribute("max").unwrap().parse().unwrap();
                (min..=max).contains(&n)
            })
            .unwrap();
        assert_eq!(
            fmt_of(col.attribute("style")),
            "49",
            "column {letter} is Text"
        );
        let cells: Vec<_> = doc
            .descendants()
            .filter(|c| c.has_tag_name("c"))
            .filter(|c| {
                let r = c.attribute("r").unwrap();
                r.strip_prefix(letter.as_str())
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|n| n >= 3)
            })
            .collect();
        assert_eq!(cells.len(), 8, "a cell per case in column {letter}");
        for c in cells {
            assert_eq!(
                fmt_of(c.attribute("s")),
                "49",
                "{:?} is Text",
                c.attribute("r")
            );
            assert_ne!(c.attribute("t"), Some("n"), "{:?}", c.attribute("r"));
        }
    }

    // Drop-down lists: the values the import takes, over every row from the
    // first case down.
    let cfg: toml::Value =
        toml::from_str(&std::fs::read_to_string(demo().join("anjuan.toml")).unwrap()).unwrap();
    let categories: Vec<String> = cfg["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(t)
        .collect();
    let want: Vec<(Field, Vec<String>)> = vec![
        (
            Field::Channel,
            Channel::ALL.iter().map(|c| c.zh().to_string()).collect(),
        ),
        (Field::Category, categories.clone()),
        (
            Field::Class,
            Class::ALL.iter().map(|c| c.zh().to_string()).collect(),
        ),
        (Field::StruckOff, vec!["未销号".into(), "已销号".into()]),
    ];
    let lists: BTreeMap<String, (String, Vec<String>)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("dataValidation"))
        .map(|n| {
            assert_eq!(n.attribute("type"), Some("list"));
            assert_eq!(n.attribute("allowBlank"), Some("1"));
            assert!(n.attribute("error").is_some_and(|e| e.contains("只能填")));
            let formula = n
                .children()
                .find(|c| c.has_tag_name("formula1"))
                .and_then(|c| c.text())
                .unwrap();
            let values = formula
                .trim_matches('"')
                .split(',')
                .map(String::from)
                .collect();
            let sqref = n.attribute("sqref").unwrap().to_string();
            let letter: String = sqref
                .chars()
                .take_while(|c| c.is_ascii_uppercase())
                .collect();
            (letter, (sqref, values))
        })
        .collect();
    assert_eq!(lists.len(), want.len(), "{lists:?}");
    for (f, values) in &want {
        let letter = export_col(*f);
        let (sqref, got) = &lists[&letter];
        assert_eq!(sqref, &format!("{letter}3:{letter}1048576"), "{}", f.zh());
        assert_eq!(got, values, "{}", f.zh());
    }
    // Each listed value is one the import reads as itself.
    for v in &want[0].1 {
        assert_eq!(Channel::parse(v).map(|c| c.zh()), Some(v.as_str()));
    }
    for v in &want[2].1 {
        assert_eq!(Class::parse(v).map(|c| c.zh()), Some(v.as_str()));
    }
}

/// `--mask`: a copy for circulation holds no identity number or mobile number
/// in full, says it is masked, and is refused by the import at its first
/// masked cell.
#[test]
fn a_masked_copy_holds_no_full_identity_number_and_is_not_imported() {
    use anjuan::ledger::columns::Field;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_demo(&dir.join("office"));
    let before = snapshot(&dir.join("office"));
    let mut numbers = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(demo().join("cases")).unwrap() {
        numbers.extend(personal_numbers(
            &std::fs::read_to_string(e.unwrap().path()).unwrap(),
        ));
    }
    assert!(numbers.len() >= 16, "{numbers:?}");

    let full = export(dir, "台账.xlsx");
    assert_eq!(full.status.code(), Some(0), "{}", text_of(&full));
    let full_text = xlsx_all_text(&dir.join("台账.xlsx"));
    let shown: Vec<_> = numbers.iter().filter(|n| full_text.contains(*n)).collect();
    assert!(shown.len() >= 16, "the full ledger holds them: {shown:?}");

    let out = anjuan(
        dir,
        &[
            "ledger",
            "export",
            "office",
            "-o",
            "台账-脱敏.xlsx",
            "--as-of",
            AS_OF,
            "--mask",
        ],
    );
    let text = text_of(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("已导出脱敏台账 8 件"), "{text}");
    let masked = dir.join("台账-脱敏.xlsx");
    let all = xlsx_all_text(&masked);
    for n in &numbers {
        assert!(!all.contains(n.as_str()), "{n} in full in the masked copy");
    }
    assert!(
        all.contains("3301**********231X"),
        "identity numbers masked"
    );
    assert!(all.contains("139****2468"), "phones masked");
    assert!(all.contains("脱敏件"), "title and footer say it is masked");
    let grid = export_grid(&masked);
    assert!(grid[0][0].contains("脱敏件"), "{}", grid[0][0]);

    // Imported back, it is refused at the first masked cell; nothing written.
    let out = import(dir, "台账-脱敏.xlsx", "office/cases");
    let text = text_of(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let id_col = export_col(Field::IdNumber);
    assert!(
        text.contains(&format!(
            "第 3 行 {id_col} 列“身份证号码”（单元格 {id_col}3）: 错误 [cell] 身份证号码“3301**********231X”已打码 (masked)"
        )),
        "{text}"
    );
    assert!(text.contains("未写入任何文件"), "{text}");
    assert_eq!(snapshot(&dir.join("office")), before, "nothing written");
}

/// An ID column Excel has already turned into numbers (a numeric cell:
/// 330122198302154512 kept as 3.30122E+17) is refused at its cell with the
/// remedy, before any checksum is computed on digits that are no longer there.
#[test]
fn an_id_column_excel_turned_into_numbers_is_refused_at_its_cell() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    empty_office(&dir.join("office"));
    let good = id_number((1975, 11, 2), 42);
    let lost = id_number((1983, 2, 15), 451);
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let header = [
        "案件编号",
        "登记日期",
        "信访形式",
        "信访人",
        "身份证号码",
        "联系电话",
        "问题类别",
        "诉求内容",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (id, name)) in [("XF-2026-0201", "王志强"), ("XF-2026-0202", "李红梅")]
        .iter()
        .enumerate()
    {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *id).unwrap();
        ws.write_string(r, 1, "2026-11-03").unwrap();
        ws.write_string(r, 2, "来访").unwrap();
        ws.write_string(r, 3, *name).unwrap();
        ws.write_string(r, 5, "18857130962").unwrap();
        ws.write_string(r, 6, "城乡建设").unwrap();
        ws.write_string(r, 7, "要求维修小区漏水的公共排水管")
            .unwrap();
    }
    // Row 2: typed into a General column, kept by Excel as a float.
    ws.write_number(1, 4, lost.parse::<f64>().unwrap()).unwrap();
    ws.write_string(2, 4, &good).unwrap();
    book.save(dir.join("台账.xlsx")).unwrap();

    let out = import(dir, "台账.xlsx", "office/cases");
    let text = text_of(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "台账.xlsx: 工作表“Sheet1”第 2 行 E 列“身份证号码”（单元格 E2）: 错误 [cell] 身份证号码被 Excel 存成了数字 3.30122E+17"
        ),
        "{text}"
    );
    assert!(
        text.contains("请将该列设置为文本格式（format the column as Text）后重新录入"),
        "{text}"
    );
    assert_eq!(
        text.matches(": 错误 [").count(),
        1,
        "one error, no checksum error on top: {text}"
    );
    assert!(!text.contains(&lost[..15]), "{text}");
    assert!(!dir.join("office/cases").exists() || snapshot(&dir.join("office/cases")).is_empty());
}

/// A category table too long for Excel's inline list (255 characters) goes
/// on a hidden sheet the list refers to; the ledger still imports back from
/// its first sheet.
#[test]
fn a_long_category_table_becomes_a_hidden_list_sheet() {
    use anjuan::ledger::columns::Field;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_demo(&dir.join("office"));
    let cfg_path = dir.join("office/anjuan.toml");
    let cfg = std::fs::read_to_string(&cfg_path).unwrap();
    let extra: Vec<String> = (1..=40).map(|i| format!("\"专项分类第{i}号\"")).collect();
    let cfg = cfg.replacen(
        "categories = [",
        &format!("categories = [\n  {},", extra.join(", ")),
        1,
    );
    std::fs::write(&cfg_path, cfg).unwrap();
    let before = snapshot(&dir.join("office"));

    let out = export(dir, "台账.xlsx");
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let xlsx = dir.join("台账.xlsx");
    let workbook = xlsx_part(&xlsx, "xl/workbook.xml");
    assert!(
        workbook.contains("name=\"下拉选项\" sheetId=\"2\" state=\"hidden\""),
        "{workbook}"
    );
    let sheet = sheet_xml(&xlsx);
    let letter = export_col(Field::Category);
    assert!(
        sheet.contains(&format!(
            "sqref=\"{letter}3:{letter}1048576\"><formula1>'下拉选项'!$A$2:$A$54</formula1>"
        )),
        "{sheet}"
    );
    let lists = xlsx_part(&xlsx, "xl/sharedStrings.xml");
    assert!(
        lists.contains("专项分类第40号"),
        "the values are in the file"
    );

    let out = import(dir, "台账.xlsx", "office/cases");
    let text = text_of(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("与案件文件一致 8 件"), "{text}");
    assert_eq!(snapshot(&dir.join("office")), before);
}

/// LibreOffice (another implementation) opens the export, reads every cell and
/// prints it on A4 landscape.
#[test]
fn libreoffice_opens_the_export_and_prints_it_on_a4_landscape() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = anjuan(
        dir,
        &[
            "ledger",
            "export",
            demo().to_str().unwrap(),
            "-o",
            "ledger.xlsx",
            "--as-of",
            AS_OF,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let soffice = |args: &[&str]| {
        let o = Command::new("soffice")
            .current_dir(dir)
            .env("HOME", dir)
            .args(["--headless", "--norestore"])
            .args(args)
            .output()
            .expect("soffice (apt-get install libreoffice-calc-nogui)");
        assert!(o.status.success(), "{}", text_of(&o));
    };
    soffice(&["--convert-to", "pdf", "ledger.xlsx", "--outdir", "."]);
    let info = common::pdfinfo(&dir.join("ledger.pdf"));
    let size = &info["Page size"];
    assert!(size.starts_with("841.89 x 595.3"), "A4 landscape: {size}");
    let pages = common::pages(&dir.join("ledger.pdf"));
    assert!(
        pages >= 2 && pages.is_multiple_of(2),
        "two halves per row band: {pages}"
    );
    let text = common::squash(&common::pdftotext(&dir.join("ledger.pdf"), None));
    for needle in [
        "青溪县柳河镇人民政府信访事项台账",
        "诉求内容",
        "包案领导",
        "处理时限",
        "下一法定环节",
        "XF-2026-0001",
        "XF-2026-0008",
        "已销号",
    ] {
        assert!(text.contains(needle), "{needle} printed");
    }
    soffice(&[
        "--convert-to",
        "csv:Text - txt - csv (StarCalc):44,34,76",
        "ledger.xlsx",
        "--outdir",
        ".",
    ]);
    let csv = std::fs::read_to_string(dir.join("ledger.csv")).unwrap();
    let header = csv.lines().nth(1).unwrap();
    for f in anjuan::ledger::columns::Field::ALL {
        assert!(header.contains(f.zh()), "{} in the header row", f.zh());
    }
    assert!(csv.contains("2026-03-02"), "dates read as dates");
}

/// The year's report from the demo office: figures that match the case files
/// counted here independently, the same figures in the PDF, the same bytes twice.
#[test]
fn the_year_report_counts_the_case_files_and_prints_the_same_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let demo_dir = demo();
    let report = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "report",
            "--year",
            "2026",
            demo_dir.to_str().unwrap(),
            "-o",
            out,
        ];
        args.extend_from_slice(extra);
        anjuan(dir, &args)
    };
    for out in ["r1", "r2"] {
        let o = report(out, &["--as-of", "2026-12-31"]);
        assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    }
    let (pdf, json) = ("信访工作情况报告-2026.pdf", "信访工作情况报告-2026.json");
    for f in [pdf, json] {
        assert_eq!(
            std::fs::read(dir.join("r1").join(f)).unwrap(),
            std::fs::read(dir.join("r2").join(f)).unwrap(),
            "{f} deterministic"
        );
    }
    let again = report("r1", &[]);
    assert_eq!(again.status.code(), Some(2), "no overwrite without --force");

    // Count the case files here, without the library.
    let mut cases = Vec::new();
    for e in std::fs::read_dir(demo().join("cases")).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        cases.push(toml::from_str::<toml::Value>(&text).unwrap());
    }
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("r1").join(json)).unwrap()).unwrap();
    assert_eq!(s["format"], "anjuan-ledger-report/1");
    let n = cases.len();
    let closed = cases.iter().filter(|c| c.get("close").is_some()).count();
    assert_eq!(s["totals"]["cases"], n);
    assert_eq!(s["totals"]["closed"], closed);
    assert_eq!(s["totals"]["open"], n - closed);
    let count = |key: &str, label: &str| -> usize {
        s[key]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["label"] == label)
            .map(|x| x["count"].as_u64().unwrap() as usize)
            .unwrap_or(0)
    };
    for ch in ["来信", "来访", "网上", "电话", "交办", "转送"] {
        let here = cases
            .iter()
            .filter(|c| c["arrival"]["channel"].as_str() == Some(ch))
            .count();
        assert_eq!(count("by_channel", ch), here, "channel {ch}");
    }
    for key in ["by_channel", "by_outcome", "by_class"] {
        let sum: u64 = s[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["count"].as_u64().unwrap())
            .sum();
        assert_eq!(sum as usize, n, "{key} adds up");
    }
    let refused = cases
        .iter()
        .filter(|c| c.get("acceptance").and_then(|a| a["decision"].as_str()) == Some("不予受理"))
        .count();
    assert_eq!(count("by_outcome", "不予受理"), refused);
    let months: u64 = s["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["received"].as_u64().unwrap())
        .sum();
    assert_eq!(months as usize, n);

    // The JSON has exactly the fields of its published schema.
    let schema = anjuan(dir, &["schema", "--figures"]);
    let schema: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    let mut declared: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    let mut written: Vec<&String> = s.as_object().unwrap().keys().collect();
    declared.sort();
    written.sort();
    assert_eq!(declared, written);

    // The PDF says the same.
    let text = common::squash(&common::pdftotext(&dir.join("r1").join(pdf), None));
    assert!(text.contains("2026年度信访工作情况报告"), "{text}");
    assert!(
        text.contains(&format!(
            "按期办结率{}",
            s["on_time"]["rate_text"].as_str().unwrap()
        )),
        "{text}"
    );
    assert!(text.contains(&format!("登记信访事项{n}件")), "{text}");
    for label in [
        "信访渠道",
        "问题类别",
        "办理结果",
        "三到位一处理",
        "责任单位",
    ] {
        assert!(text.contains(label), "{label}");
    }
}

/// The export read back as a grid of text (calamine), header on row 2, dates
/// as YYYY-MM-DD: what a clerk's edited copy saved as CSV holds.
fn export_grid(xlsx: &Path) -> Vec<Vec<String>> {
    use calamine::{Data, Reader as _};
    let mut book = calamine::open_workbook_auto(xlsx).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|d| match d {
                    Data::DateTime(dt) => (epoch + chrono::Days::new(dt.as_f64().floor() as u64))
                        .format("%Y-%m-%d")
                        .to_string(),
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn write_csv(path: &Path, grid: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    for r in grid {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

/// The file's lines without those of the given keys (a multi-line string
/// value's lines included).
fn without_keys<'a>(text: &'a str, keys: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut in_value = false;
    for l in text.lines() {
        if in_value {
            in_value = !l.contains("\"\"\"");
            continue;
        }
        if keys.iter().any(|k| l.starts_with(&format!("{k} ="))) {
            in_value = l.matches("\"\"\"").count() == 1;
            continue;
        }
        out.push(l);
    }
    out
}

/// Sets a cell of the case's row by header name.
fn set(grid: &mut [Vec<String>], case: &str, header: &str, value: &str) {
    let col = grid[1].iter().position(|h| h == header).expect(header);
    let row = grid
        .iter()
        .position(|r| r.iter().any(|c| c == case))
        .expect(case);
    grid[row][col] = value.to_string();
}

/// `--update`: the ledger's working columns edited in the spreadsheet go into
/// the case files, keeping their comments and every other line; history columns
/// must still agree; an edit that breaks a check is refused at its cell.
#[test]
fn update_writes_the_working_columns_into_case_files_and_keeps_their_comments() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_demo(&dir.join("office"));
    let out = export(dir, "台账.xlsx");
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let grid = export_grid(&dir.join("台账.xlsx"));
    let cases = dir.join("office/cases");
    let before = snapshot(&dir.join("office"));
    let file7 = std::fs::read_to_string(cases.join("XF-2026-0007.toml")).unwrap();
    let file8 = std::fs::read_to_string(cases.join("XF-2026-0008.toml")).unwrap();
    let checked_before = anjuan(dir, &["check", "office", "--as-of", AS_OF]);

    // The clerk's edits: progress and a target date for case 7, new measures;
    // case 8 (no one responsible yet) gets a unit, a leader and a handler.
    let mut edited = grid.clone();
    set(
        &mut edited,
        "XF-2026-0007",
        "办理进展",
        "已入户核查，待民政办复核\n下周答复",
    );
    set(&mut edited, "XF-2026-0007", "处理时限", "2026-12-15");
    set(
        &mut edited,
        "XF-2026-0007",
        "具体工作措施",
        "入户核查收入；协调民政办复核低保资格。",
    );
    set(
        &mut edited,
        "XF-2026-0008",
        "责任单位",
        "柳河镇社会事务办公室",
    );
    set(&mut edited, "XF-2026-0008", "包案领导", "周海涛");
    set(&mut edited, "XF-2026-0008", "责任人", "何文斌");
    write_csv(&dir.join("edited.csv"), &edited);

    // Without --update the ledger never changes a case file.
    let out = import(dir, "edited.csv", "office/cases");
    let text = text_of(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(text.matches("[differs]").count(), 6, "{text}");
    assert!(text.contains("加 --update"), "{text}");
    assert_eq!(snapshot(&dir.join("office")), before, "nothing written");

    // With --update: the two files change, the other six are left alone.
    let update = |csv: &str| {
        anjuan(
            dir,
            &[
                "ledger",
                "import",
                csv,
                "-o",
                "office/cases",
                "--as-of",
                AS_OF,
                "--update",
            ],
        )
    };
    let out = update("edited.csv");
    let text = text_of(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("新案件 0 件，更新 2 件，与案件文件一致 6 件，有错误 0 行"),
        "{text}"
    );
    assert!(
        text.contains("办理进展：“” → “已入户核查，待民政办复核 ⏎ 下周答复”"),
        "{text}"
    );
    assert!(text.contains("已更新 2 个案件文件"), "{text}");
    let after = snapshot(&dir.join("office"));
    let changed: Vec<&String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        changed,
        ["cases/XF-2026-0007.toml", "cases/XF-2026-0008.toml"],
        "only the two edited cases"
    );
    assert_eq!(after.len(), before.len(), "no stray temporary files");
    // The audit trail names the two cases and the fields changed, not the values.
    let log = std::fs::read_to_string(dir.join("office/.anjuan/audit.log")).unwrap();
    let edits: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(edits.len(), 2, "{log}");
    assert_eq!(edits[0]["action"], "case.edit");
    assert_eq!(edits[0]["target"], "XF-2026-0007");
    let d = edits[0]["detail"].as_str().unwrap();
    assert!(d.starts_with("台账导入 edited.csv 第 "), "{d}");
    assert!(
        d.contains("办理进展") && d.contains("处理时限") && !d.contains("下周答复"),
        "{d}"
    );
    assert_eq!(edits[1]["target"], "XF-2026-0008");

    // Case 7: the values are there, and every line of the file that does not
    // hold a changed key is as it was (comments, order, layout).
    let new7 = std::fs::read_to_string(cases.join("XF-2026-0007.toml")).unwrap();
    let v: toml::Value = toml::from_str(&new7).unwrap();
    let r = &v["responsibility"];
    assert_eq!(t(&r["progress"]), "已入户核查，待民政办复核\n下周答复");
    assert_eq!(r["due"].as_datetime().unwrap().to_string(), "2026-12-15");
    assert_eq!(t(&r["measures"]), "入户核查收入；协调民政办复核低保资格。");
    let old_rest = without_keys(&file7, &["progress", "due", "measures"]);
    let new_rest = without_keys(&new7, &["progress", "due", "measures"]);
    assert_eq!(new_rest, old_rest, "the rest of the file unchanged");
    let comment = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("measures"))
            .and_then(|l| l.rsplit_once(" # ").map(|c| c.1.to_string()))
    };
    assert_eq!(
        comment(&new7),
        comment(&file7),
        "the comment after the value kept"
    );
    // Case 8: a [responsibility] table made; the file's text before it unchanged.
    let new8 = std::fs::read_to_string(cases.join("XF-2026-0008.toml")).unwrap();
    assert!(new8.starts_with(file8.trim_end()), "{new8}");
    let v: toml::Value = toml::from_str(&new8).unwrap();
    assert_eq!(t(&v["responsibility"]["unit"]), "柳河镇社会事务办公室");
    assert_eq!(t(&v["responsibility"]["handler"]), "何文斌");

    // The updated office still checks as before, and its new export reads back
    // equal: a second --update finds nothing to do.
    let check = anjuan(dir, &["check", "office", "--as-of", AS_OF]);
    assert_eq!(check.status.code(), checked_before.status.code());
    assert_eq!(
        text_of(&check).matches("错误").count(),
        text_of(&checked_before).matches("错误").count(),
        "{}",
        text_of(&check)
    );
    let out = update("edited.csv");
    assert!(
        text_of(&out).contains("新案件 0 件，更新 0 件，与案件文件一致 8 件"),
        "{}",
        text_of(&out)
    );
    assert_eq!(snapshot(&dir.join("office")), after, "nothing rewritten");

    // History columns are not the ledger's to change, even with --update; an
    // edit that breaks a check is refused at its cell. Nothing is written.
    let mut bad = grid.clone();
    set(&mut bad, "XF-2026-0007", "诉求内容", "另一项诉求");
    set(&mut bad, "XF-2026-0005", "处理时限", "2025-01-01");
    write_csv(&dir.join("bad.csv"), &bad);
    let out = update("bad.csv");
    let text = text_of(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("列“诉求内容”") && text.contains("[differs]"),
        "{text}"
    );
    assert!(text.contains("只能在案件文件中修改"), "{text}");
    assert!(
        text.contains("列“处理时限”") && text.contains("[date-order]"),
        "{text}"
    );
    assert_eq!(snapshot(&dir.join("office")), after, "nothing written");
}

/// The demo office's year: 8 cases registered, 6 accepted, 1 refused, 1 awaiting a
/// decision; registered in 3月 1, 4月 2, 5月 2, 6月 1, 11月 2 (a three-way tie),
/// accepted 3月 1, 4月 1, 5月 2, 6月 1, 11月 1. The report says 登记 and 受理 apart,
/// names ties as ties, ranks only accepted cases by unit, and shows mixed
/// decisions as mixes of the three statutory outcomes.
#[test]
fn the_year_report_counts_registered_and_accepted_apart_and_names_ties() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let demo_dir = demo();
    let o = anjuan(
        dir,
        &[
            "report",
            "--year",
            "2026",
            demo_dir.to_str().unwrap(),
            "-o",
            "r",
            "--as-of",
            "2026-12-31",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(
        text_of(&o).contains("登记 8 件，受理 6 件，不予受理 1 件"),
        "{}",
        text_of(&o)
    );
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("r/信访工作情况报告-2026.json")).unwrap())
            .unwrap();
    let t = &s["totals"];
    assert_eq!(
        (t["cases"].as_u64(), t["accepted"].as_u64()),
        (Some(8), Some(6))
    );
    assert_eq!(
        (t["refused"].as_u64(), t["pending_acceptance"].as_u64()),
        (Some(1), Some(1))
    );
    let months: Vec<(u64, u64)> = s["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["received"].as_u64().unwrap(),
                m["accepted"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        months,
        [
            (0, 0),
            (0, 0),
            (1, 1),
            (2, 1),
            (2, 2),
            (1, 1),
            (0, 0),
            (0, 0),
            (0, 0),
            (0, 0),
            (2, 1),
            (0, 0)
        ]
    );
    // Units: the accepted cases only (the refused 0002 and the undecided 0008 are
    // not a unit), so no 未落实责任单位 row.
    let units: Vec<&str> = s["top_units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["unit"].as_str().unwrap())
        .collect();
    assert!(!units.iter().any(|u| u.contains("未落实")), "{units:?}");
    let ranked: u64 = s["top_units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["cases"].as_u64().unwrap())
        .sum();
    assert_eq!(ranked, 6, "every accepted case, and only those");
    // Outcomes: no fourth outcome; the mixes named by their parts.
    let outcomes: Vec<(&str, u64)> = s["by_outcome"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["label"].as_str().unwrap(), x["count"].as_u64().unwrap()))
        .collect();
    assert!(
        !outcomes.iter().any(|(l, _)| *l == "部分支持"),
        "{outcomes:?}"
    );
    assert!(
        outcomes.contains(&("支持、解释说明（分项）", 2)),
        "{outcomes:?}"
    );
    assert!(
        outcomes.contains(&("支持、解释说明、不予支持（分项）", 1)),
        "{outcomes:?}"
    );
    let requests: Vec<(&str, u64)> = s["by_request_outcome"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["label"].as_str().unwrap(), x["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(requests, [("支持", 6), ("解释说明", 3), ("不予支持", 3)]);

    let text = common::squash(&common::pdftotext(
        &dir.join("r/信访工作情况报告-2026.pdf"),
        None,
    ));
    for want in [
        "全年共登记信访事项8件",
        "登记的事项中，依法受理6件，不予受理1件，尚待作出受理决定1件",
        "登记量以4月、5月、11月最多，各2件",
        "依法受理6件，以5月最多，为2件",
        "其中来访最多，为4件，占50.0%",
        "农村农业、劳动社保、政法、民政、生态环境、自然资源各1件（各占12.5%）",
        "支持、解释说明（分项）2件",
        "共有诉求12项，其中支持6项（50.0%），解释说明3项（25.0%），不予支持3项（25.0%）",
        "不予受理和尚待受理的事项不计入责任单位",
        "经本机关负责人批准延长办理期限的1件，按延长后的期限计算",
    ] {
        assert!(text.contains(want), "report lacks {want:?}:\n{text}");
    }
    for never in ["受理登记", "部分支持", "未落实责任单位"] {
        assert!(!text.contains(never), "report says {never:?}:\n{text}");
    }
}
