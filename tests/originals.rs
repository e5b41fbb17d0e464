//! Papers of other bodies and incoming papers (issue 13 point 5, 2.3, 9.3),
//! through the real binary on the demo office:
//! - every case gets a 信访事项登记表 with its fields;
//! - the 复查意见书, 复核意见书 and 交办单 anjuan renders are reference copies:
//!   marked on the page and in the keywords, no seal, no `.minisig`, and
//!   `anjuan sign` refuses them;
//! - the bundle files the received originals byte for byte, with the issuing
//!   body as 责任者 and 来源 = 接收, listed in the catalogue, and `verify --trust`
//!   accepts it; an office paper disguised as received is refused;
//! - a review without its original: `check` warns, `pack` refuses naming the
//!   case and the field.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

fn sha256(p: &Path) -> String {
    use sha2::Digest as _;
    let data = std::fs::read(p).unwrap();
    sha2::Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn metadata(bag: &Path, case: &str) -> Vec<Value> {
    let m: Value = serde_json::from_str(
        &std::fs::read_to_string(bag.join("data").join(case).join("metadata.json")).unwrap(),
    )
    .unwrap();
    m["文件"].as_array().unwrap().clone()
}

/// The papers folder of the demo run.
fn papers(root: &Path) -> PathBuf {
    root.join("office/papers")
}

#[test]
fn every_case_has_a_registration_form_with_its_fields() {
    let (_t, root) = demo_run();
    let mut seen = 0;
    for e in std::fs::read_dir(papers(&root)).unwrap() {
        let dir = e.unwrap().path();
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        let form: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with("-信访事项登记表.pdf"))
            .collect();
        assert_eq!(form.len(), 1, "{case}: one registration form");
        let text = squash(&pdftotext(&form[0], None));
        for label in [
            "信访事项登记表",
            "登记编号",
            "收到日期",
            "信访形式",
            "来源",
            "姓名",
            "联系电话",
            "住址",
            "问题分类",
            "信访事项",
            "诉求",
            "拟办意见",
            "登记人",
        ] {
            assert!(text.contains(label), "{case}: no {label} in\n{text}");
        }
        // Signed like the office's other papers.
        assert!(
            form[0].with_extension("pdf.minisig").is_file(),
            "{case}: the registration form is signed"
        );
        seen += 1;
    }
    assert_eq!(seen, 8);
    // XF-2026-0003 came assigned from the county: the form says by whom, with the
    // petitioner's own channel (网上), and prints the identity number whole.
    let f = papers(&root).join("XF-2026-0003/07-信访事项登记表.pdf");
    let t = squash(&pdftotext(&f, None));
    assert!(t.contains("青溪县信访局交办（青信交〔2026〕15号"), "{t}");
    assert!(t.contains("信访形式网上"), "{t}");
    assert!(t.contains("330122197208192710"), "{t}");
    assert!(t.contains("登记人李敏"), "{t}");
    assert!(t.contains("拟办意见受理"), "{t}");
    // A direct letter: 来信, directly to this office.
    let t = squash(&pdftotext(
        &papers(&root).join("XF-2026-0001/05-信访事项登记表.pdf"),
        None,
    ));
    assert!(t.contains("信访形式来信"), "{t}");
    assert!(t.contains("信访人直接向本机关提出"), "{t}");
}

#[test]
fn reference_copies_are_marked_unsealed_unsigned_and_sign_refuses_them() {
    let (_t, root) = demo_run();
    let copies = [
        ("XF-2026-0003/01-信访事项交办单.pdf", "青溪县信访局"),
        ("XF-2026-0005/05-复查意见书.pdf", "青溪县人民政府"),
        ("XF-2026-0005/07-复核意见书.pdf", "江州市人民政府"),
    ];
    for (rel, body) in copies {
        let pdf = papers(&root).join(rel);
        assert!(pdf.is_file(), "{rel} rendered for the office's own use");
        let text = squash(&pdftotext(&pdf, None));
        let banner =
            format!("参考副本（据记录生成，非原件，不作为正式文书使用；以{body}出具的原件为准）");
        assert!(text.contains(&banner), "{rel}: no banner in\n{text}");
        assert_eq!(text.matches("参考副本").count(), 1, "{rel}: banner once");
        // No seal of any kind: neither a seal image nor the drawn placeholder (样章).
        assert!(!text.contains("样章"), "{rel}: a placeholder seal");
        let images = std::process::Command::new("pdfimages")
            .arg("-list")
            .arg(&pdf)
            .output();
        if let Ok(o) = images {
            let list = String::from_utf8_lossy(&o.stdout);
            assert!(
                list.lines().count() <= 2,
                "{rel}: images on the page\n{list}"
            );
        }
        let info = pdfinfo(&pdf);
        assert!(
            info.get("Keywords").is_some_and(|k| k.contains("参考副本")),
            "{rel}: keywords {info:?}"
        );
        assert!(
            !pdf.with_extension("pdf.minisig").exists(),
            "{rel} must not be signed with the office key"
        );
        let o = anjuan(
            &root.join("office"),
            &["sign", pdf.to_str().unwrap(), "--key", "keys/anjuan.key"],
        );
        let out = text_of(&o);
        assert_ne!(o.status.code(), Some(0), "sign accepted {rel}: {out}");
        assert!(out.contains("参考副本") && out.contains("原件"), "{out}");
        assert!(!pdf.with_extension("pdf.minisig").exists());
    }
    // An office paper still signs.
    let own = papers(&root).join("XF-2026-0005/03-处理意见书.pdf");
    std::fs::remove_file(own.with_extension("pdf.minisig")).unwrap();
    let o = anjuan(
        &root.join("office"),
        &["sign", own.to_str().unwrap(), "--key", "keys/anjuan.key"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
}

#[test]
fn re_review_states_finality_once_in_the_2022_wording_and_slip_shows_the_channel() {
    let (_t, root) = demo_run();
    let t = squash(&pdftotext(
        &papers(&root).join("XF-2026-0005/07-复核意见书.pdf"),
        None,
    ));
    let clause = "信访人对复核意见不服，仍然以同一事实和理由提出投诉请求的，各级党委和政府信访部门和其他机关、单位不再受理。";
    assert_eq!(t.matches(clause).count(), 1, "{t}");
    assert_eq!(t.matches("不再受理").count(), 1, "{t}");
    assert!(
        !t.contains("信访工作机构") && !t.contains("其他行政机关"),
        "{t}"
    );
    assert!(!t.contains("你（你们）"), "{t}");
    // The repealed 2005 wording is nowhere in the code, templates or examples.
    for dir in ["src", "templates", "examples", "README.md"] {
        let o = std::process::Command::new("grep")
            .args(["-rl", "各级人民政府信访工作机构"])
            .arg(root_dir().join(dir))
            .output()
            .unwrap();
        assert!(
            o.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    let slip = squash(&pdftotext(
        &papers(&root).join("XF-2026-0003/01-信访事项交办单.pdf"),
        None,
    ));
    assert!(slip.contains("信访形式网上"), "{slip}");
    assert!(!slip.contains("信访形式交办"), "{slip}");
}

fn root_dir() -> PathBuf {
    common::root()
}

#[test]
fn bundle_files_received_originals_as_received_and_verify_accepts_it() {
    let (t, root) = demo_run();
    let bag = unzip_bundle(
        &root.join("archive/X012-WS-2026-XFB.zip"),
        &t.path().join("unzipped"),
    );
    let originals = root.join("office/originals");
    let want = [
        (
            "XF-2026-0003",
            "01-信访事项交办单.png",
            "XF-2026-0003-assignment-slip.png",
            "信访事项交办单",
            "青溪县信访局",
            "青信交〔2026〕15号",
        ),
        (
            "XF-2026-0005",
            "05-复查意见书.png",
            "XF-2026-0005-review.png",
            "复查意见书",
            "青溪县人民政府",
            "青政信复查〔2026〕17号",
        ),
        (
            "XF-2026-0005",
            "07-复核意见书.png",
            "XF-2026-0005-re-review.png",
            "复核意见书",
            "江州市人民政府",
            "江政信复核〔2026〕9号",
        ),
        (
            "XF-2026-0005",
            "10-来信.png",
            "XF-2026-0005-letter.png",
            "来信",
            "邵赟",
            "",
        ),
        (
            "XF-2026-0001",
            "06-来信.png",
            "XF-2026-0001-letter.png",
            "来信",
            "王喆",
            "",
        ),
    ];
    let catalogue: Value =
        serde_json::from_str(&std::fs::read_to_string(bag.join("data/catalogue.json")).unwrap())
            .unwrap();
    let rows = catalogue["文件"].as_array().unwrap();
    for (case, file, office_file, kind, author, number) in want {
        let filed = bag.join("data").join(case).join(file);
        assert!(filed.is_file(), "{case}/{file} not in the bundle");
        assert_eq!(
            sha256(&filed),
            sha256(&originals.join(office_file)),
            "{file} is not the received file byte for byte"
        );
        assert!(
            !filed.with_extension("png.minisig").exists(),
            "{file}: a received file carries no office signature"
        );
        let items = metadata(&bag, case);
        let it = items
            .iter()
            .find(|i| i["计算机文件名"] == file)
            .unwrap_or_else(|| panic!("{case}/{file}: no metadata item"));
        assert_eq!(it["责任者"], author, "{file}");
        assert_eq!(it["来源"], "接收", "{file}");
        assert_eq!(it["格式信息"], "PNG", "{file}");
        assert_eq!(it["文书种类"], kind, "{file}");
        assert_eq!(it["文件编号"], number, "{file}");
        assert_eq!(it["页数"], 1, "{file}");
        assert!(it.get("电子签名").is_none(), "{file}");
        let loc = format!("data/{case}/{file}");
        let row = rows
            .iter()
            .find(|r| r["存储位置"] == loc)
            .unwrap_or_else(|| panic!("{loc} not in the catalogue"));
        assert_eq!(row["责任者"], author);
        assert_eq!(row["页数"], 1);
    }
    // No reference copy is packed.
    for case in ["XF-2026-0003", "XF-2026-0005"] {
        for e in std::fs::read_dir(bag.join("data").join(case)).unwrap() {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            let reference = ["交办单.pdf", "复查意见书.pdf", "复核意见书.pdf"]
                .iter()
                .any(|k| n.ends_with(k) && !n.contains("送达回证"));
            assert!(!reference, "{case}/{n}: a reference copy in the bundle");
        }
    }
    // Office papers are 形成 and signed; the registration form is among them.
    let items = metadata(&bag, "XF-2026-0005");
    let reg = items
        .iter()
        .find(|i| i["文书种类"] == "信访事项登记表")
        .expect("registration form filed");
    assert_eq!(reg["来源"], "形成");
    assert!(reg.get("电子签名").is_some());
    // Filing order (DOMAIN §5): 复核, 复查, 处理意见 … then the incoming papers.
    let kinds: Vec<&str> = items
        .iter()
        .map(|i| i["文书种类"].as_str().unwrap())
        .collect();
    let pos = |k: &str| kinds.iter().position(|x| *x == k).unwrap();
    assert!(pos("复核意见书") < pos("复查意见书"), "{kinds:?}");
    assert!(pos("复查意见书") < pos("处理意见书"), "{kinds:?}");
    assert!(pos("受理告知书") < pos("信访事项登记表"), "{kinds:?}");
    assert!(pos("信访事项登记表") < pos("来信"), "{kinds:?}");
    // The contents list of the dossier lists the received items.
    let contents = squash(&pdftotext(
        &bag.join("data/XF-2026-0005/卷内文件目录.pdf"),
        None,
    ));
    // 责任者 wraps inside its column (28 + 10 + 27 + 23 mm from the left edge, 21 mm wide).
    let author_column = squash(&pdftotext(
        &bag.join("data/XF-2026-0005/卷内文件目录.pdf"),
        Some((88.0 * 72.0 / 25.4, 0.0, 21.0 * 72.0 / 25.4, 842.0)),
    ));
    assert!(author_column.contains("江州市人民政府"), "{author_column}");
    assert!(contents.contains("江政信复核〔2026〕9号"), "{contents}");
    // The receiving side accepts it.
    let o = anjuan(
        &root,
        &[
            "verify",
            "archive/X012-WS-2026-XFB.zip",
            "--trust",
            "office/keys/anjuan.pub",
            "--json",
        ],
    );
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["verdict"], "accept", "{}", text_of(&o));
    let check = |id: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no check {id}"))
            .clone()
    };
    assert_eq!(check("authenticity.paper-signatures")["status"], "pass");
    assert_eq!(check("usability.formats")["status"], "pass");
    assert_eq!(check("usability.received-format")["status"], "pass");
}

/// Rewrites one case's metadata.json in an unzipped bundle, re-hashes the
/// manifests and the tag manifest (the signature of the tag manifest is then
/// invalid: the point is what the item checks say).
fn edit_item(bag: &Path, case: &str, file: &str, edit: &dyn Fn(&mut Value)) {
    let p = bag.join("data").join(case).join("metadata.json");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    for it in m["文件"].as_array_mut().unwrap() {
        if it["计算机文件名"] == file {
            edit(it);
        }
    }
    let mut text = serde_json::to_vec_pretty(&m).unwrap();
    text.push(b'\n');
    std::fs::write(&p, text).unwrap();
}

#[test]
fn an_office_paper_disguised_as_received_still_needs_its_signature() {
    let (t, root) = demo_run();
    let bag = unzip_bundle(
        &root.join("archive/X012-WS-2026-XFB.zip"),
        &t.path().join("unzipped"),
    );
    let case = "XF-2026-0001";
    let file = "03-处理意见书.pdf";
    // The office paper's signature is removed and its item says 接收, with and
    // without the kind of a received paper kept.
    std::fs::remove_file(bag.join("data").join(case).join(format!("{file}.minisig"))).unwrap();
    edit_item(&bag, case, file, &|it| {
        it["来源"] = "接收".into();
        it.as_object_mut().unwrap().remove("电子签名");
    });
    let opts = verify_opts(&[&root.join("office/keys/anjuan.pub")]);
    let r = anjuan::verify::verify(&bag, &opts).unwrap();
    let sigs = r
        .checks
        .iter()
        .find(|c| c.id == "authenticity.paper-signatures")
        .unwrap();
    assert!(
        sigs.details.iter().any(|d| d.code == "signature.missing"
            && d.file.as_deref() == Some(&format!("data/{case}/{file}")[..])),
        "{:?}",
        sigs.details
    );
    assert!(!r.accepted());
    // A registration form (an office paper) marked 接收 is refused the same way.
    let reg = "05-信访事项登记表.pdf";
    std::fs::remove_file(bag.join("data").join(case).join(format!("{reg}.minisig"))).unwrap();
    edit_item(&bag, case, reg, &|it| {
        it["来源"] = "接收".into();
        it.as_object_mut().unwrap().remove("电子签名");
    });
    let r = anjuan::verify::verify(&bag, &opts).unwrap();
    let sigs = r
        .checks
        .iter()
        .find(|c| c.id == "authenticity.paper-signatures")
        .unwrap();
    assert!(
        sigs.details.iter().any(|d| d.code == "signature.missing"
            && d.file.as_deref() == Some(&format!("data/{case}/{reg}")[..])),
        "{:?}",
        sigs.details
    );
}

#[test]
fn a_review_without_its_original_is_warned_by_check_and_refused_by_pack() {
    let dir = tempfile::tempdir().unwrap();
    let office = dir.path().join("office");
    let o = anjuan(dir.path(), &["demo", "-o", "d"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    std::fs::rename(dir.path().join("d/office"), &office).unwrap();
    let case = office.join("cases/XF-2026-0005.toml");
    let text = std::fs::read_to_string(&case).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("original = \"originals/XF-2026-0005-review.png\""))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(text, without);
    std::fs::write(&case, without).unwrap();
    let o = anjuan(
        &office,
        &["check", "--as-of", "2026-11-21", "cases/XF-2026-0005.toml"],
    );
    let out = text_of(&o);
    assert_eq!(o.status.code(), Some(0), "a warning, not an error: {out}");
    assert!(out.contains("[no-original] review.original"), "{out}");
    assert!(out.contains("警告"), "{out}");
    let o = anjuan(
        &office,
        &["pack", "case", "cases/XF-2026-0005.toml", "-o", "../out"],
    );
    let out = text_of(&o);
    assert_ne!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("XF-2026-0005 review.original") && out.contains("缺少收到的原件"),
        "{out}"
    );
    assert!(out.contains("扫描收到的原件"), "remedy: {out}");
    assert!(!dir.path().join("out/XF-2026-0005.zip").exists());
    // The year bundle is refused too, for the same case and field.
    let o = anjuan(
        &office,
        &["pack", "year", "--year", "2026", ".", "-o", "../out"],
    );
    let out = text_of(&o);
    assert_ne!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("XF-2026-0005 review.original"), "{out}");
    // A file that is not a scan is refused by pack as well, located.
    let scan = office.join("originals/XF-2026-0005-re-review.png");
    std::fs::write(&scan, b"not a scan").unwrap();
    let o = anjuan(
        &office,
        &["pack", "case", "cases/XF-2026-0005.toml", "-o", "../out"],
    );
    let out = text_of(&o);
    assert!(out.contains("re_review.original"), "{out}");
}

#[test]
fn synthetic_office_with_originals_packs_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let o = anjuan(dir.path(), &["synth", "12", "-o", "office", "--seed", "5"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let office = dir.path().join("office");
    assert!(office.join("originals/synthetic-original.png").is_file());
    let o = anjuan(&office, &["check", "--as-of", "2026-12-31", "."]);
    assert!(!text_of(&o).contains("no-original"), "{}", text_of(&o));
    let o = anjuan(&office, &["render", ".", "-o", "papers"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let o = anjuan(
        &office,
        &[
            "pack",
            "year",
            "--year",
            "2026",
            ".",
            "-o",
            "../archive",
            "--unsigned",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let zip = std::fs::read_dir(dir.path().join("archive"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "zip"))
        .unwrap();
    // Unsigned (the synthetic office has no key), but every item, the received
    // originals among them, checks out.
    let o = anjuan(dir.path(), &["verify", zip.to_str().unwrap(), "--json"]);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    for c in report["checks"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        if id.starts_with("usability.")
            || id.starts_with("integrity.")
            || id == "authenticity.file-properties"
            || id == "authenticity.metadata-format"
        {
            assert_ne!(c["status"], "fail", "{id}: {c}");
        }
    }
}
