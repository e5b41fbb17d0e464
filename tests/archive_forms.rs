//! The archive forms as DA/T 22, GB/T 9705 and DA/T 70 lay them out, read from the
//! PDFs the real binary makes (pdftotext, bbox): the 案卷封面 carries the 档号 and the
//! 密级; the 卷内文件目录 has a 档号 column that agrees with metadata.json and the
//! catalogue and 页号 ranges that run on without a gap and match every item's pages;
//! the metadata's 签名时间 has a time and a zone, and stays the same on a repeat
//! render; the 移交登记表 names the configured receiver and has both sides' boxes, and
//! a year bundle is refused without one; the 接收回执 is refused without the
//! receiver's name, has the 接收人's boxes, and says 未检测 for 安全性 unless a
//! scanner ran clean.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The words of a table column: below its header word `header`, horizontally
/// between it and the next header `next` (by word centres), page by page (a
/// header repeated on a later page starts that page's part), top to bottom.
fn column(words: &[Word], header: &str, next: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let pages: std::collections::BTreeSet<usize> = words.iter().map(|w| w.page).collect();
    for page in pages {
        let on: Vec<&Word> = words.iter().filter(|w| w.page == page).collect();
        let (Some(h), Some(n)) = (
            on.iter().find(|w| w.text == header),
            on.iter().find(|w| w.text == next),
        ) else {
            continue;
        };
        let (left, right) = (h.x0 - 3.0, n.x0 - 3.0);
        // The table ends above the total line (本卷共…) and the page number (— 1 —).
        let end = on
            .iter()
            .filter(|w| w.y0 > h.y1 && (w.text.starts_with("本卷共") || w.text == "—"))
            .map(|w| w.y0)
            .fold(f64::INFINITY, f64::min);
        let mut col: Vec<Word> = on
            .iter()
            .filter(|w| {
                w.y0 > h.y1 && w.y1 < end && {
                    let c = (w.x0 + w.x1) / 2.0;
                    c > left && c < right
                }
            })
            .map(|w| (*w).clone())
            .collect();
        col.sort_by(|a, b| a.y0.total_cmp(&b.y0).then(a.x0.total_cmp(&b.x0)));
        out.extend(col);
    }
    out
}

/// A 页号 entry: `4` or `1-3`.
fn range(s: &str) -> (usize, usize, bool) {
    match s.split_once('-') {
        Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap(), true),
        None => {
            let n = s.parse().unwrap_or_else(|_| panic!("页号 `{s}`"));
            (n, n, false)
        }
    }
}

fn case_dirs(bag: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(bag.join("data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("metadata.json").is_file())
        .collect();
    v.sort();
    assert!(v.len() >= 5, "the demo bundle has its cases: {v:?}");
    v
}

#[test]
fn cover_contents_metadata_and_catalogue_agree_on_codes_classification_and_pages() {
    let (_t, root) = demo_run();
    let x = tempfile::tempdir().unwrap();
    let bag = unzip_bundle(&root.join(format!("archive/{BUNDLE}.zip")), x.path());
    let catalogue = json(&bag.join("data/catalogue.json"));
    let rows = catalogue["文件"].as_array().unwrap();
    for dir in case_dirs(&bag) {
        let meta = json(&dir.join("metadata.json"));
        let case = meta["案件编号"].as_str().unwrap();
        let items = meta["文件"].as_array().unwrap();
        let codes: Vec<&str> = items.iter().map(|i| i["档号"].as_str().unwrap()).collect();
        let pages: Vec<usize> = items
            .iter()
            .map(|i| i["页数"].as_u64().unwrap() as usize)
            .collect();
        // Each item's 页数 is its PDF's page count.
        for i in items {
            let f = bag.join(i["存储位置"].as_str().unwrap());
            // A received scan (an image) counts one page.
            let is_pdf = f.extension().is_some_and(|x| x == "pdf");
            assert_eq!(
                if is_pdf { common::pages(&f) } else { 1 },
                i["页数"].as_u64().unwrap() as usize,
                "{}",
                f.display()
            );
        }
        // The demo office files under `[archive] classification = "内部"`.
        for i in items {
            assert_eq!(i["密级"], "内部", "{case}: metadata 密级");
        }
        // The catalogue lists the same items with the same 档号, pages and 密级.
        let mut in_cat: Vec<(&str, usize, &str)> = rows
            .iter()
            .filter(|r| r["案件编号"] == case)
            .map(|r| {
                (
                    r["档号"].as_str().unwrap(),
                    r["页数"].as_u64().unwrap() as usize,
                    r["密级"].as_str().unwrap(),
                )
            })
            .collect();
        let mut in_meta: Vec<(&str, usize, &str)> = codes
            .iter()
            .zip(&pages)
            .map(|(c, p)| (*c, *p, "内部"))
            .collect();
        in_cat.sort();
        in_meta.sort();
        assert_eq!(in_cat, in_meta, "{case}: catalogue and metadata differ");

        // 案卷封面: 档号 (the dossier's range) and 密级, at the head and in the table.
        let mut sorted = codes.clone();
        sorted.sort();
        let range_text = if sorted.len() > 1 {
            format!(
                "{}～{}",
                sorted[0],
                &sorted[sorted.len() - 1][sorted[0].len() - 4..]
            )
        } else {
            sorted[0].to_string()
        };
        let cover = squash(&pdftotext(&dir.join("案卷封面.pdf"), None));
        assert!(
            cover.contains(&format!("档号：{range_text}")),
            "{case}: cover lacks 档号：{range_text}\n{cover}"
        );
        assert!(cover.contains("密级：内部"), "{case}: cover 密级\n{cover}");
        assert!(cover.contains("密级内部"), "{case}: cover table 密级");

        // 卷内文件目录: the 档号 column, in filing order, is the metadata's.
        let contents = dir.join("卷内文件目录.pdf");
        let w = words(&contents);
        let code_col: String = column(&w, "档号", "文号")
            .iter()
            .map(|w| w.text.as_str())
            .collect();
        assert_eq!(code_col, codes.concat(), "{case}: 档号 column");
        // 页号: continuous from 1, each item's range as long as its pages, the last
        // item a range (GB/T 9705), ending at the total.
        let page_col: Vec<String> = column(&w, "页号", "备注")
            .iter()
            .map(|w| w.text.clone())
            .collect();
        assert_eq!(page_col.len(), items.len(), "{case}: 页号 {page_col:?}");
        let mut next = 1;
        for (k, (p, n)) in page_col.iter().zip(&pages).enumerate() {
            let (a, b, dashed) = range(p);
            assert_eq!(a, next, "{case}: item {} starts at {a}, not {next}", k + 1);
            assert_eq!(
                b + 1 - a,
                *n,
                "{case}: item {} 页号 {p} vs {n} pages",
                k + 1
            );
            assert_eq!(dashed, *n > 1 || k + 1 == items.len(), "{case}: `{p}`");
            next = b + 1;
        }
        let total: usize = pages.iter().sum();
        assert_eq!(next - 1, total);
        assert_eq!(meta["页数"], total);
        assert!(squash(&pdftotext(&contents, None)).contains(&format!("{total}页")));

        // 签名时间: date and time with the zone, the one inside the signed trusted comment.
        for i in items {
            // Received originals (来源 接收) carry no signature of the office.
            if i["来源"] == "接收" {
                assert!(i.get("电子签名").is_none_or(|s| s.is_null()), "{i}");
                continue;
            }
            let sig = &i["电子签名"];
            let t = sig["签名时间"].as_str().unwrap();
            assert!(
                chrono::DateTime::parse_from_rfc3339(t).is_ok() && t.contains('T'),
                "{case}: 签名时间 `{t}` is not a date-time with zone"
            );
            assert!(t.ends_with("+08:00"), "{t}");
            assert!(
                sig["可信注释"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!(" time={t}")),
                "{case}: the signed comment carries the time: {sig}"
            );
        }
    }
}

/// The receiver's metadata check knows the 签名时间 and 密级: a time that is not a
/// date-time, or differs from the signed comment's, and a 密级 the catalogue does not
/// share, are named.
#[test]
fn verify_names_a_bad_signing_time_and_a_classification_mismatch() {
    let (t, root) = demo_run();
    let bag = unzip_bundle(&root.join(format!("archive/{BUNDLE}.zip")), t.path());
    let meta_path = bag.join("data/XF-2026-0004/metadata.json");
    let mut meta = json(&meta_path);
    meta["文件"][0]["电子签名"]["签名时间"] = "2026-07-10 09:30".into();
    meta["文件"][1]["密级"] = "公开".into();
    std::fs::write(&meta_path, serde_json::to_vec_pretty(&meta).unwrap()).unwrap();
    let o = anjuan(t.path(), &["verify", bag.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let found: Vec<(String, String)> = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["details"].as_array().unwrap().iter())
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |code: &str, text: &str| found.iter().any(|(c, m)| c == code && m.contains(text));
    assert!(has("meta.signing-time", "2026-07-10 09:30"), "{found:?}");
    assert!(has("meta.inconsistent", "密级"), "{found:?}");
}

#[test]
fn signing_time_is_kept_on_a_repeat_render_and_taken_from_source_date_epoch() {
    let (_t, root) = demo_run();
    let case = root.join("office/papers/XF-2026-0004");
    let sig = case.join("05-处理意见书.pdf.minisig");
    let rec = case.join("render-record.json");
    let before = std::fs::read(&sig).unwrap();
    let recorded = json(&rec)["papers"]["05-处理意见书.pdf"]["signed_at"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        chrono::DateTime::parse_from_rfc3339(&recorded).is_ok(),
        "{recorded}"
    );
    // Rendered again (same bytes): the same time, so the same signature.
    let render = |epoch: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_anjuan"));
        c.current_dir(&root).args([
            "render",
            "office/cases/XF-2026-0004.toml",
            "-o",
            "office/papers",
        ]);
        match epoch {
            Some(e) => c.env("SOURCE_DATE_EPOCH", e),
            None => c.env_remove("SOURCE_DATE_EPOCH"),
        };
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    };
    render(Some("1"));
    assert_eq!(
        std::fs::read(&sig).unwrap(),
        before,
        "repeat render re-signed"
    );
    // A paper signed anew (no recorded time): SOURCE_DATE_EPOCH, in +08:00.
    std::fs::remove_file(&rec).unwrap();
    render(Some("1783647000"));
    let t = json(&rec)["papers"]["05-处理意见书.pdf"]["signed_at"].clone();
    assert_eq!(t, "2026-07-10T09:30:00+08:00");
    let text = std::fs::read_to_string(&sig).unwrap();
    assert!(text.contains("time=2026-07-10T09:30:00+08:00"), "{text}");
    // Packed: the metadata says so.
    let o = anjuan(
        &root,
        &["pack", "case", "office/cases/XF-2026-0004.toml", "-o", "c"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let x = tempfile::tempdir().unwrap();
    let f = std::fs::File::open(root.join("c/XF-2026-0004.zip")).unwrap();
    zip::ZipArchive::new(f).unwrap().extract(x.path()).unwrap();
    let meta = json(
        &x.path()
            .join("XF-2026-0004/data/XF-2026-0004/metadata.json"),
    );
    let item = meta["文件"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["计算机文件名"] == "05-处理意见书.pdf")
        .unwrap();
    assert_eq!(item["电子签名"]["签名时间"], "2026-07-10T09:30:00+08:00");
}

/// The words on the same line as the first word `label` (within 3 pt).
fn row_of<'a>(w: &'a [Word], label: &str) -> Vec<&'a str> {
    let l = w
        .iter()
        .find(|x| x.text == label)
        .unwrap_or_else(|| panic!("no `{label}`"));
    let c = (l.y0 + l.y1) / 2.0;
    w.iter()
        .filter(|x| x.page == l.page && ((x.y0 + x.y1) / 2.0 - c).abs() < 3.0)
        .map(|x| x.text.as_str())
        .collect()
}

#[test]
fn handoff_names_the_configured_receiver_with_both_sides_boxes_and_is_refused_without_one() {
    let (_t, root) = demo_run();
    let x = tempfile::tempdir().unwrap();
    let bag = unzip_bundle(&root.join(format!("archive/{BUNDLE}.zip")), x.path());
    let form = bag.join("移交登记表.pdf");
    assert_eq!(pages(&form), 1, "the handoff form fits one page");
    let w = words(&form);
    let count = |t: &str| w.iter().filter(|x| x.text == t).count();
    // Both sides: the body, 经办人, 负责人, and a seal cell over the date.
    assert_eq!(
        row_of(&w, "移交单位"),
        [
            "移交单位",
            "青溪县柳河镇人民政府",
            "接收单位",
            "青溪县档案馆"
        ]
    );
    for t in ["经办人", "负责人", "（盖章）"] {
        assert_eq!(count(t), 2, "`{t}` on both sides");
    }
    let r = row_of(&w, "经办人");
    assert_eq!(
        r,
        ["经办人", "经办人"],
        "the 经办人 boxes are empty, to sign by hand"
    );
    // The sender ran no scanner: its 安全性 self-check is 未检测, not 通过.
    let sec = row_of(&w, "安全性");
    assert!(sec.contains(&"未检测") && !sec.contains(&"通过"), "{sec:?}");
    assert_eq!(json(&bag.join("handoff.json"))["接收单位"], "青溪县档案馆");

    // Without `[archive] receiver`: the year bundle is refused before any work,
    // naming the file and the key, with the remedy; a case package leaves the
    // line blank and says so.
    let cfg = root.join("office/anjuan.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let without: String = text
        .lines()
        // (and no default 密级: blank, DA/T 22)
        .filter(|l| !l.starts_with("receiver") && !l.starts_with("classification"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without, text);
    std::fs::write(&cfg, &without).unwrap();
    let o = anjuan(
        &root,
        &["pack", "year", "--year", "2026", "office", "-o", "y2"],
    );
    let out = text_of(&o);
    assert_ne!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("anjuan.toml") && out.contains("[archive] receiver"),
        "{out}"
    );
    assert!(out.contains("receiver = \"青溪县档案馆\""), "remedy: {out}");
    assert!(!root.join(format!("y2/{BUNDLE}.zip")).exists());
    let o = anjuan(
        &root,
        &["pack", "case", "office/cases/XF-2026-0004.toml", "-o", "c"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(text_of(&o).contains("接收单位一栏留空"), "{}", text_of(&o));
    let y = tempfile::tempdir().unwrap();
    let f = std::fs::File::open(root.join("c/XF-2026-0004.zip")).unwrap();
    zip::ZipArchive::new(f).unwrap().extract(y.path()).unwrap();
    let b = y.path().join("XF-2026-0004");
    assert_eq!(json(&b.join("handoff.json"))["接收单位"], Value::Null);
    let w = words(&b.join("移交登记表.pdf"));
    assert_eq!(
        row_of(&w, "移交单位"),
        ["移交单位", "青溪县柳河镇人民政府", "接收单位"]
    );
    assert!(
        !w.iter().any(|x| x.text.contains("青溪县人民政府")),
        "no guessed body"
    );
    // No 密级 configured: blank on the cover and in the metadata and catalogue.
    let cover = squash(&pdftotext(&b.join("data/XF-2026-0004/案卷封面.pdf"), None));
    assert!(
        cover.contains("密级：") && !cover.contains("内部"),
        "{cover}"
    );
    let meta = json(&b.join("data/XF-2026-0004/metadata.json"));
    assert!(meta["文件"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["密级"] == ""));
    let cat = json(&b.join("data/catalogue.json"));
    assert!(cat["文件"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["密级"] == ""));
}

#[test]
fn receipt_needs_the_receivers_name_has_its_boxes_and_says_unchecked_without_a_scanner() {
    let (t, root) = demo_run();
    let zip = root.join(format!("archive/{BUNDLE}.zip"));
    let trust = root.join("office/keys/anjuan.pub");
    let o = anjuan(t.path(), &["key", "new", "--unencrypted", "-o", "recv"]);
    assert!(o.status.success(), "{}", text_of(&o));
    // `pre`: global options (before the command); `post`: the command's own.
    let receipt = |pre: &[&str], post: &[&str], out: &str| {
        let mut args = vec![];
        args.extend_from_slice(pre);
        args.extend_from_slice(&[
            "receipt",
            zip.to_str().unwrap(),
            "--key",
            "recv/anjuan.key",
            "--trust",
            trust.to_str().unwrap(),
            "-o",
            out,
            "--date",
            "2026-11-21",
        ]);
        args.extend_from_slice(post);
        anjuan(t.path(), &args)
    };
    // No anjuan.toml of the receiver: refused, located, with the remedy; nothing written.
    let o = receipt(&[], &[], "none");
    let out = text_of(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("anjuan.toml") && out.contains("接收单位"),
        "{out}"
    );
    assert!(out.contains("[office] name"), "remedy: {out}");
    assert!(!t.path().join("none").exists());
    // A blank name: refused too.
    std::fs::write(
        t.path().join("recv/blank.toml"),
        "[office]\nname = \"  \"\nfonds = \"X001\"\n",
    )
    .unwrap();
    let o = receipt(&["--config", "recv/blank.toml"], &[], "blank");
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(
        text_of(&o).contains("recv/blank.toml [office] name"),
        "{}",
        text_of(&o)
    );

    std::fs::write(
        t.path().join("recv/anjuan.toml"),
        "[office]\nname = \"青溪县档案馆\"\nfonds = \"X001\"\n",
    )
    .unwrap();
    let read = |dir: &str| {
        let d = t.path().join(dir);
        let j = json(&d.join(format!("接收回执-{BUNDLE}.json")));
        let pdf = d.join(format!("接收回执-{BUNDLE}.pdf"));
        let report = d.join(format!("检测报告-{BUNDLE}.pdf"));
        (j, words(&pdf), squash(&pdftotext(&report, None)))
    };
    let security = |j: &Value| {
        j["四性"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["检测项"] == "安全性")
            .unwrap()
            .clone()
    };
    // No scanner: 安全性 未检测 on paper and `unchecked` in the JSON; the report agrees.
    let o = receipt(&["--config", "recv/anjuan.toml"], &[], "rc");
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let (j, w, report) = read("rc");
    assert_eq!(j["接收单位"], "青溪县档案馆");
    let s = security(&j);
    assert_eq!(s["结果"], "unchecked", "{s}");
    assert_eq!(s["未检测项"][0], "security.malware-scan");
    let sec = row_of(&w, "安全性");
    assert!(sec.iter().any(|x| x.starts_with("未检测")), "{sec:?}");
    assert!(!sec.iter().any(|x| x.contains("通过")), "{sec:?}");
    for t in ["接收人（签名）", "负责人（签名）", "接收单位（盖章）"] {
        assert!(w.iter().any(|x| x.text == t), "receipt lacks `{t}`");
    }
    assert!(w.iter().any(|x| x.text == "青溪县档案馆"));
    // (Status cell, then the summary cell of the malware-scan row.)
    assert!(
        report.contains("未检测未检测：未配置病毒扫描程序"),
        "{report}"
    );
    assert!(report.contains("未检测1项"), "{report}");

    // A scanner that ran clean on every file: 通过.
    std::fs::write(t.path().join("clean.sh"), "cat >/dev/null\nexit 0\n").unwrap();
    let o = receipt(
        &["--config", "recv/anjuan.toml"],
        &["--scan", "sh clean.sh"],
        "rc2",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let (j, w, report) = read("rc2");
    let s = security(&j);
    assert_eq!(s["结果"], "pass", "{s}");
    let sec = row_of(&w, "安全性");
    assert_eq!(sec, ["安全性", "通过"]);
    let at = report
        .find("个文件经sh扫描无恶意内容")
        .expect("scan summary");
    let before = report[..at].trim_end_matches(|c: char| c.is_ascii_digit());
    assert!(before.ends_with("通过"), "{report}");
    assert!(!report.contains("未配置病毒扫描程序"), "{report}");
    assert!(report.contains("未检测0项"), "{report}");
}
