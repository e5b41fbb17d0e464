//! Packing: the dossier package of a case and the year-end bundle. A bag that
//! the Library of Congress `bagit.py --validate` accepts (PyPI `bagit`), signed
//! so that stock `minisign` verifies it, byte-identical on re-runs, never half
//! written at its final path, and refused — with every reason named — when a
//! paper, a receipt, a signature or a number is missing.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anjuan::archive::bag::{Digests, Manifest};
use anjuan::archive::code::ArchiveCode;
use common::*;

const BUNDLE: &str = "X012-WS-2026-XFB";

fn pack_year(root: &Path, out: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["pack", "year", "--year", "2026", "office", "-o", out];
    args.extend_from_slice(extra);
    anjuan(root, &args)
}

/// Unzips with the zip crate into a new folder; returns it.
fn unzip(zip: &Path, into: &Path) -> PathBuf {
    let f = std::fs::File::open(zip).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    z.extract(into).unwrap();
    into.to_path_buf()
}

fn zip_names(zip: &Path) -> Vec<String> {
    let z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    z.file_names().map(str::to_string).collect()
}

fn tool(name: &str, args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(name)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{name} is needed for this test ({e}); .ci/run installs it (pip install bagit; apt-get install minisign)")
        })
}

#[test]
fn year_bundle_is_a_valid_signed_bag_with_catalogue_and_metadata() {
    let (_t, root) = demo_run();
    let zip = root.join(format!("archive/{BUNDLE}.zip"));
    // Entries sorted, one top folder, no directories, stored.
    let names = zip_names(&zip);
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(names, sorted, "entries are sorted");
    assert!(names.iter().all(|n| n.starts_with(&format!("{BUNDLE}/"))));
    let x = tempfile::tempdir().unwrap();
    let bag = unzip(&zip, x.path()).join(BUNDLE);

    // The Library of Congress validator accepts it.
    let o = tool("bagit.py", &["--validate", "."], &bag);
    assert!(o.status.success(), "bagit.py: {}", text_of(&o));
    assert!(text_of(&o).contains("is valid"), "{}", text_of(&o));

    // Stock minisign verifies the tag manifest's signature with the office key.
    let pubkey = root.join("office/keys/anjuan.pub");
    let o = tool(
        "minisign",
        &[
            "-Vm",
            "tagmanifest-sha256.txt",
            "-p",
            pubkey.to_str().unwrap(),
        ],
        &bag,
    );
    assert!(o.status.success(), "minisign: {}", text_of(&o));

    // bagit.txt and bag-info.txt.
    assert_eq!(
        std::fs::read_to_string(bag.join("bagit.txt")).unwrap(),
        "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    );
    let info = anjuan::archive::bag::BagInfo::parse(
        &std::fs::read_to_string(bag.join("bag-info.txt")).unwrap(),
    )
    .unwrap();
    for label in [
        "Source-Organization",
        "Bagging-Date",
        "Payload-Oxum",
        "Bag-Count",
        "External-Identifier",
        "Internal-Sender-Identifier",
    ] {
        assert!(info.get(label).is_some(), "bag-info has {label}");
    }
    assert_eq!(
        info.get("Source-Organization"),
        Some("青溪县柳河镇人民政府")
    );
    assert_eq!(
        info.get("Bagging-Date"),
        Some("2026-10-30"),
        "latest closing date"
    );

    // Both manifests list every payload file with the right digest (SM3 too,
    // which bagit.py does not check).
    let mut payload: BTreeSet<String> = BTreeSet::new();
    for e in walkdir::WalkDir::new(bag.join("data")) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(&bag).unwrap();
            payload.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    let oxum = format!(
        "{}.{}",
        payload
            .iter()
            .map(|p| std::fs::metadata(bag.join(p)).unwrap().len())
            .sum::<u64>(),
        payload.len()
    );
    assert_eq!(info.get("Payload-Oxum"), Some(oxum.as_str()));
    for (alg, pick) in [
        (
            "sha256",
            (|d: &Digests| d.sha256.clone()) as fn(&Digests) -> String,
        ),
        ("sm3", |d: &Digests| d.sm3.clone()),
    ] {
        let m = Manifest::parse(
            &std::fs::read_to_string(bag.join(format!("manifest-{alg}.txt"))).unwrap(),
        )
        .unwrap();
        let listed: BTreeSet<String> = m.entries.iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(listed, payload, "manifest-{alg} lists exactly the payload");
        for (p, d) in &m.entries {
            let data = std::fs::read(bag.join(p)).unwrap();
            assert_eq!(&pick(&Digests::of(&data)), d, "{alg} of {p}");
        }
    }
    let tm = std::fs::read_to_string(bag.join("tagmanifest-sha256.txt")).unwrap();
    for t in [
        "bagit.txt",
        "bag-info.txt",
        "manifest-sha256.txt",
        "manifest-sm3.txt",
        "移交登记表.pdf",
    ] {
        assert!(tm.contains(&format!("  {t}\n")), "tagmanifest lists {t}");
    }

    // The catalogue: 40 items of the six closed cases (each with its registration
    // form; two with the petitioner's letter), continuous 件号 per series.
    let cat: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bag.join("data/catalogue.json")).unwrap()).unwrap();
    let items = cat["文件"].as_array().unwrap();
    assert_eq!(cat["案件数"], 6);
    assert_eq!(items.len(), 40);
    let mut series: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut metadata: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for it in items {
        let code = ArchiveCode::parse(it["档号"].as_str().unwrap()).unwrap();
        series.entry(code.prefix()).or_default().push(code.item);
        // The DA/T 22 columns.
        for k in [
            "序号",
            "档号",
            "文号",
            "责任者",
            "题名",
            "日期",
            "密级",
            "页数",
            "备注",
        ] {
            assert!(it.get(k).is_some(), "catalogue row has {k}: {it}");
        }
        assert_eq!(it["日期"].as_str().unwrap().len(), 8);
        // The DA/T 46 metadata of the item, in its case's metadata.json.
        let case = it["案件编号"].as_str().unwrap().to_string();
        let meta = metadata.entry(case.clone()).or_insert_with(|| {
            serde_json::from_slice(
                &std::fs::read(bag.join(format!("data/{case}/metadata.json"))).unwrap(),
            )
            .unwrap()
        });
        let m = meta["文件"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["档号"] == it["档号"])
            .unwrap_or_else(|| panic!("{case} metadata has {}", it["档号"]));
        for k in [
            "题名",
            "文件编号",
            "责任者",
            "日期",
            "密级",
            "页数",
            "格式信息",
            "计算机文件名",
            "计算机文件大小",
            "存储位置",
            "业务行为",
        ] {
            assert!(m.get(k).is_some(), "item has {k}: {m}");
        }
        let loc = m["存储位置"].as_str().unwrap();
        if m["来源"] == "接收" {
            // A received original or incoming paper: filed as received, unsigned.
            assert!(m.get("电子签名").is_none(), "{m}");
            assert!(!bag.join(format!("{loc}.minisig")).exists(), "{loc}");
            continue;
        }
        assert_eq!(m["来源"], "形成", "{m}");
        let sig = &m["电子签名"];
        for k in [
            "签名时间",
            "签名人",
            "签名算法标识",
            "签名结果",
            "证书",
            "签名规则",
        ] {
            assert!(sig.get(k).is_some(), "电子签名 has {k}: {m}");
        }
        let loc = m["存储位置"].as_str().unwrap();
        assert_eq!(loc, it["存储位置"].as_str().unwrap());
        assert_eq!(
            m["计算机文件大小"].as_u64().unwrap(),
            std::fs::metadata(bag.join(loc)).unwrap().len()
        );
        assert!(bag.join(format!("{loc}.minisig")).is_file());
    }
    assert_eq!(series.len(), 2, "永久 and 30年: {series:?}");
    for (s, mut nums) in series {
        nums.sort();
        assert_eq!(nums, (1..=nums.len() as u32).collect::<Vec<_>>(), "{s}");
    }
    // Order inside a case (DOMAIN §5): conclusive papers first, incoming last.
    let kinds: Vec<&str> = items
        .iter()
        .filter(|i| i["案件编号"] == "XF-2026-0004")
        .map(|i| i["文书种类"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "处理意见书",
            "送达回证",
            "协议书",
            "听证笔录",
            "受理告知书",
            "送达回证",
            "信访事项登记表"
        ]
    );
    let review: Vec<&str> = items
        .iter()
        .filter(|i| i["案件编号"] == "XF-2026-0005")
        .map(|i| i["文书种类"].as_str().unwrap())
        .collect();
    assert_eq!(review.first(), Some(&"复核意见书"), "{review:?}");

    // CSV: the DA/T 22 columns, one row per item, readable as UTF-8.
    let csv_bytes = std::fs::read(bag.join("data/catalogue.csv")).unwrap();
    assert!(csv_bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut r = csv::Reader::from_reader(&csv_bytes[3..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        &header[..9],
        [
            "序号",
            "档号",
            "文号",
            "责任者",
            "题名",
            "日期",
            "密级",
            "页数",
            "备注"
        ]
    );
    assert_eq!(r.records().count(), 40);

    // The printed catalogue and the handoff form carry the codes and the digest.
    let mut printed = String::new();
    for e in std::fs::read_dir(bag.join("data")).unwrap() {
        let p = e.unwrap().path();
        let n = p.file_name().unwrap().to_string_lossy().to_string();
        if n.starts_with("归档文件目录") {
            printed += &pdftotext(&p, None);
        }
    }
    assert!(printed.contains("X012-WS·2026-D30-XFB-0026"), "{printed}");
    let form = pdftotext(&bag.join("移交登记表.pdf"), None);
    let manifest_sha = Digests::of(&std::fs::read(bag.join("manifest-sha256.txt")).unwrap()).sha256;
    assert!(
        form.replace(char::is_whitespace, "")
            .contains(&manifest_sha),
        "handoff form names the package digest: {form}"
    );
    assert!(form.contains("40") && form.contains("SHA-256") && form.contains("SM3"));
    // Each case folder has its dossier papers with the codes, and metadata.
    let cover = pdftotext(&bag.join("data/XF-2026-0004/案卷封面.pdf"), None);
    assert!(cover.contains("X012-WS·2026-Y-XFB-0001"), "{cover}");
    assert!(bag.join("data/XF-2026-0004/metadata.json").is_file());
    assert!(bag.join("data/备考表.pdf").is_file());

    // The font record names real font files with their SHA-256.
    let fonts: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bag.join("data/fonts.json")).unwrap()).unwrap();
    let list = fonts["字体"].as_array().unwrap();
    assert!(!list.is_empty());
    let mut matched = 0;
    for f in list {
        let name = f["文件名"].as_str().unwrap();
        let sha = f["SHA-256"].as_str().unwrap();
        assert_eq!(sha.len(), 64);
        for e in walkdir::WalkDir::new("/usr/share/fonts")
            .into_iter()
            .flatten()
        {
            if e.file_name().to_string_lossy() == name {
                let data = std::fs::read(e.path()).unwrap();
                if Digests::of(&data).sha256 == sha {
                    matched += 1;
                    break;
                }
            }
        }
    }
    assert_eq!(
        matched,
        list.len(),
        "every recorded font is a system font with that digest"
    );
}

#[test]
fn same_inputs_give_the_same_zip() {
    let (_t, root) = demo_run();
    let first = std::fs::read(root.join(format!("archive/{BUNDLE}.zip"))).unwrap();
    let o = pack_year(&root, "again", &["--jobs", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let second = std::fs::read(root.join(format!("again/{BUNDLE}.zip"))).unwrap();
    assert!(first == second, "year bundle differs between runs");
    // Re-rendering the papers (same fonts) and packing again: still the same.
    let o = anjuan(&root, &["render", "office", "-o", "office/papers"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let o = pack_year(&root, "third", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(first == std::fs::read(root.join(format!("third/{BUNDLE}.zip"))).unwrap());
    // A case package, twice.
    let case = "office/cases/XF-2026-0004.toml";
    let a = anjuan(&root, &["pack", "case", case, "-o", "c1"]);
    assert_eq!(a.status.code(), Some(0), "{}", text_of(&a));
    let b = anjuan(&root, &["pack", "case", case, "-o", "c2"]);
    assert_eq!(b.status.code(), Some(0), "{}", text_of(&b));
    let (a, b) = (
        std::fs::read(root.join("c1/XF-2026-0004.zip")).unwrap(),
        std::fs::read(root.join("c2/XF-2026-0004.zip")).unwrap(),
    );
    assert!(a == b);
    // The case keeps the numbers the year bundle gave it.
    let x = tempfile::tempdir().unwrap();
    let bag = unzip(&root.join("c1/XF-2026-0004.zip"), x.path()).join("XF-2026-0004");
    let o = tool("bagit.py", &["--validate", "."], &bag);
    assert!(o.status.success(), "{}", text_of(&o));
    let cat = std::fs::read_to_string(bag.join("data/catalogue.json")).unwrap();
    assert!(cat.contains("X012-WS·2026-Y-XFB-0001") && cat.contains("X012-WS·2026-Y-XFB-0006"));
}

/// Runs a refused pack and checks: exit 1, the message, nothing at the target.
fn refused(root: &Path, args: &[&str], target: &str, expect: &[&str]) {
    let o = anjuan(root, args);
    let text = text_of(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    for e in expect {
        assert!(text.contains(e), "expected “{e}” in:\n{text}");
    }
    assert!(text.contains("修改建议 (remedy)"), "{text}");
    assert!(!root.join(target).exists(), "nothing written at {target}");
}

#[test]
fn refusals_name_every_problem_and_write_nothing() {
    let (_t, root) = demo_run();
    let year = ["pack", "year", "--year", "2026", "office", "-o", "out"];
    let target = format!("out/{BUNDLE}.zip");
    let papers = root.join("office/papers");

    // A case that is not closed.
    refused(
        &root,
        &[
            "pack",
            "case",
            "office/cases/XF-2026-0007.toml",
            "-o",
            "out",
        ],
        "out/XF-2026-0007.zip",
        &["XF-2026-0007", "案件未办结 (case not closed)"],
    );

    // Two missing delivery receipts and a missing paper, all named at once.
    let r1 = papers.join("XF-2026-0004/06-送达回证（处理意见书）.pdf");
    let r2 = papers.join("XF-2026-0001/02-送达回证（受理告知书）.pdf");
    let p1 = papers.join("XF-2026-0002/01-不予受理告知书.pdf");
    let saved: Vec<(PathBuf, Vec<u8>)> = [&r1, &r2, &p1]
        .iter()
        .map(|p| ((*p).clone(), std::fs::read(p).unwrap()))
        .collect();
    for p in [&r1, &r2, &p1] {
        std::fs::remove_file(p).unwrap();
    }
    refused(
        &root,
        &year,
        &target,
        &[
            "3 个问题",
            "XF-2026-0004 06-送达回证（处理意见书）.pdf: 缺少送达回证 (missing delivery receipt)",
            "XF-2026-0001 02-送达回证（受理告知书）.pdf: 缺少送达回证",
            "XF-2026-0002 01-不予受理告知书.pdf: 缺少文书 (missing paper)",
        ],
    );
    for (p, b) in &saved {
        std::fs::write(p, b).unwrap();
    }

    // An unsigned paper when the office requires signatures.
    let sig = papers.join("XF-2026-0003/02-受理告知书.pdf.minisig");
    let sig_bytes = std::fs::read(&sig).unwrap();
    std::fs::remove_file(&sig).unwrap();
    refused(
        &root,
        &year,
        &target,
        &["XF-2026-0003 02-受理告知书.pdf: 文书未签名 (unsigned paper)"],
    );
    // Another paper's signature in its place.
    std::fs::copy(
        papers.join("XF-2026-0003/03-送达回证（受理告知书）.pdf.minisig"),
        &sig,
    )
    .unwrap();
    refused(
        &root,
        &year,
        &target,
        &["XF-2026-0003 02-受理告知书.pdf: 签名无效"],
    );
    std::fs::write(&sig, &sig_bytes).unwrap();

    // A paper changed after it was rendered and signed.
    let paper = papers.join("XF-2026-0006/01-受理告知书.pdf");
    let good = std::fs::read(&paper).unwrap();
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x20;
    std::fs::write(&paper, &bad).unwrap();
    refused(
        &root,
        &year,
        &target,
        &["XF-2026-0006 01-受理告知书.pdf: 文书在生成后被改动 (paper changed after rendering)"],
    );
    std::fs::write(&paper, &good).unwrap();

    // A numbered case gone from the year: a gap in 件号.
    let case = root.join("office/cases/XF-2026-0001.toml");
    let case_text = std::fs::read(&case).unwrap();
    std::fs::remove_file(&case).unwrap();
    refused(
        &root,
        &year,
        &target,
        &[
            "XF-2026-0001",
            "件号不连续或登记不符 (numbering)",
            "X012-WS·2026-D30-XFB-0004",
        ],
    );
    std::fs::write(&case, &case_text).unwrap();

    // A closed case whose record has an error (a broken identity-number checksum).
    let c6 = root.join("office/cases/XF-2026-0006.toml");
    let c6_text = std::fs::read_to_string(&c6).unwrap();
    std::fs::write(
        &c6,
        c6_text.replace("330122198707162844", "330122198707162845"),
    )
    .unwrap();
    refused(
        &root,
        &year,
        &target,
        &["XF-2026-0006", "案件记录有错误 (case record has errors)"],
    );
    std::fs::write(&c6, &c6_text).unwrap();

    // All restored: it packs; a second time the output exists (exit 2) unless --force.
    let o = anjuan(&root, &year);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let o = anjuan(&root, &year);
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(
        text_of(&o).contains("已存在 (already exists)"),
        "{}",
        text_of(&o)
    );
    let mut forced = year.to_vec();
    forced.push("--force");
    let o = anjuan(&root, &forced);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
}

#[test]
fn killed_at_any_moment_leaves_nothing_at_the_final_path() {
    // A bigger office so that packing takes a while: 120 synthetic cases.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = anjuan(d, &["synth", "120", "-o", "office"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let o = anjuan(d, &["render", "office", "-o", "office/papers"]);
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "{}",
        text_of(&o)
    );
    let name = "X012-WS-2026-XFB.zip";
    let reference = anjuan(
        d,
        &[
            "pack",
            "year",
            "--year",
            "2026",
            "office",
            "-o",
            "ref",
            "--unsigned",
        ],
    );
    assert_eq!(reference.status.code(), Some(0), "{}", text_of(&reference));
    let reference = std::fs::read(d.join("ref").join(name)).unwrap();
    let started = std::time::Instant::now();
    let o = anjuan(
        d,
        &[
            "pack",
            "year",
            "--year",
            "2026",
            "office",
            "-o",
            "timing",
            "--unsigned",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let full = started.elapsed();
    let mut interrupted = 0;
    for k in 0..12u32 {
        let out = format!("kill{k}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_anjuan"))
            .current_dir(d)
            .args([
                "pack",
                "year",
                "--year",
                "2026",
                "office",
                "-o",
                &out,
                "--unsigned",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills over the run, from start-up on (the first three
        // quarters of a full run's time, which a loaded machine stretches).
        std::thread::sleep(full * k / 16);
        child.kill().unwrap(); // SIGKILL: no destructors, no clean-up
        child.wait().unwrap();
        let target = d.join(&out).join(name);
        match std::fs::read(&target) {
            Ok(bytes) => assert!(
                bytes == reference,
                "kill {k}: a zip at the final path differs from a complete run"
            ),
            Err(_) => interrupted += 1,
        }
    }
    assert!(
        interrupted >= 4,
        "kills landed before the rename ({interrupted} of 12)"
    );
    // The register was never left half-written: a normal run still gives the same zip.
    let o = anjuan(
        d,
        &[
            "pack",
            "year",
            "--year",
            "2026",
            "office",
            "-o",
            "after",
            "--unsigned",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(std::fs::read(d.join("after").join(name)).unwrap() == reference);
}

#[test]
fn sm3_matches_the_standard_vector_and_files_hash_as_their_bytes() {
    // GB/T 32905-2016 appendix A, example 2 (512-bit message).
    let msg = "abcd".repeat(16);
    assert_eq!(
        Digests::of(msg.as_bytes()).sm3,
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    );
    let mut f = std::fs::File::open(root().join("Cargo.toml")).unwrap();
    let mut data = Vec::new();
    f.read_to_end(&mut data).unwrap();
    let (d, n) = Digests::of_file(&root().join("Cargo.toml")).unwrap();
    assert_eq!(n as usize, data.len());
    assert_eq!(d, Digests::of(&data));
}

#[test]
fn an_office_without_a_key_packs_only_when_told_to_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let office = d.join("office");
    std::fs::create_dir_all(office.join("cases")).unwrap();
    std::fs::copy(demo().join("anjuan.toml"), office.join("anjuan.toml")).unwrap();
    for e in std::fs::read_dir(demo().join("cases")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, office.join("cases").join(p.file_name().unwrap())).unwrap();
    }
    // The received originals the cases name.
    std::fs::create_dir_all(office.join("originals")).unwrap();
    for e in std::fs::read_dir(demo().join("originals")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, office.join("originals").join(p.file_name().unwrap())).unwrap();
        }
    }
    let o = anjuan(d, &["render", "office", "-o", "office/papers"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    // Without a key, pack refuses to make a bundle the receiver will reject, and
    // says what to do; nothing is written.
    let o = pack_year(d, "out", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(
        text_of(&o).contains("key new") && text_of(&o).contains("--unsigned"),
        "{}",
        text_of(&o)
    );
    assert!(!d.join(format!("out/{BUNDLE}.zip")).exists());
    // With --unsigned, as the explicit choice, it is made, with the warning.
    let o = pack_year(d, "out", &["--unsigned"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(text_of(&o).contains("未签名"), "{}", text_of(&o));
    assert!(
        text_of(&o).contains("trust.package-unsigned"),
        "{}",
        text_of(&o)
    );
    let zip = d.join(format!("out/{BUNDLE}.zip"));
    assert!(!zip_names(&zip).iter().any(|n| n.ends_with(".minisig")));
    let x = tempfile::tempdir().unwrap();
    let bag = unzip(&zip, x.path()).join(BUNDLE);
    let o = tool("bagit.py", &["--validate", "."], &bag);
    assert!(o.status.success(), "{}", text_of(&o));
    let form = pdftotext(&bag.join("移交登记表.pdf"), None);
    assert!(form.contains("未签名"), "{form}");
    let notes = pdftotext(&bag.join("data/备考表.pdf"), None);
    assert!(
        notes
            .replace(char::is_whitespace, "")
            .contains("文书未作电子签名"),
        "{notes}"
    );
}

#[test]
fn one_pack_at_a_time_per_office() {
    let (_t, root) = demo_run();
    // Another process holds the register lock: refused, nothing written.
    let lock = std::fs::File::options()
        .write(true)
        .open(root.join("office/archive/.register.lock"))
        .unwrap();
    lock.lock().unwrap();
    let o = pack_year(&root, "busy", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(
        text_of(&o).contains("正在为这个办公室编号"),
        "{}",
        text_of(&o)
    );
    assert!(!root.join(format!("busy/{BUNDLE}.zip")).exists());
    // Released (as the kernel does when a holder dies): it packs.
    drop(lock);
    let o = pack_year(&root, "busy", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
}

/// `strace -ff -y` output (one file per thread, so no call is split): for every
/// path, how many times it was opened and how many bytes were read from it.
fn traced_io(dir: &Path) -> BTreeMap<PathBuf, (usize, u64)> {
    // strace writes a path's non-ASCII bytes as octal escapes.
    fn unescape(s: &str) -> PathBuf {
        use std::os::unix::ffi::OsStringExt as _;
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\'
                && i + 3 < b.len()
                && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
            {
                out.push(u8::from_str_radix(&s[i + 1..i + 4], 8).unwrap());
                i += 4;
            } else if b[i] == b'\\' && i + 1 < b.len() {
                out.push(b[i + 1]);
                i += 2;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        PathBuf::from(std::ffi::OsString::from_vec(out))
    }
    let mut io: BTreeMap<PathBuf, (usize, u64)> = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for line in text.lines() {
            let Some((call, result)) = line.rsplit_once(") = ") else {
                continue;
            };
            if call.starts_with("openat(") {
                // `= 5</abs/path>`: the descriptor, with the file it names.
                if let Some(p) = result
                    .split_once('<')
                    .and_then(|(_, p)| p.strip_suffix('>'))
                {
                    io.entry(unescape(p)).or_default().0 += 1;
                }
            } else if ["read(", "pread64(", "readv(", "preadv("]
                .iter()
                .any(|c| call.starts_with(c))
            {
                let (Some(p), Ok(n)) = (
                    call.split_once('<').and_then(|(_, r)| r.split_once(">,")),
                    result.trim().parse::<u64>(),
                ) else {
                    continue;
                };
                io.entry(unescape(p.0)).or_default().1 += n;
            }
        }
    }
    io
}

/// Packing reads each paper once: hashed, checked and zipped from the same
/// read. Run under `strace`, every file of the office's `papers/` that `pack`
/// touches is opened once and read for exactly its size, and they are the
/// papers the bundle holds. (A received file in `originals/` is read three
/// times: when the case records are checked, which opens it to see that it is a
/// usable scan; when pack plans, to count its pages for the dossier papers made
/// before the zip, hashing it from the same bytes; and into the zip, where the
/// bytes must hash as they did when planned.) The zip is the one packed
/// without strace.
#[test]
fn each_paper_is_read_once() {
    let (_t, root) = demo_run();
    let traces = root.join("trace");
    std::fs::create_dir(&traces).unwrap();
    let o = Command::new("strace")
        .current_dir(&root)
        .args([
            "-ff",
            "-y",
            "-s0",
            "-e",
            "trace=openat,read,pread64,readv,preadv",
            "-o",
        ])
        .arg(traces.join("t"))
        .arg(env!("CARGO_BIN_EXE_anjuan"))
        .args(["pack", "year", "--year", "2026", "office", "-o", "traced"])
        .output()
        .unwrap_or_else(|e| panic!("strace is needed for this test ({e}); .ci/run installs it"));
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let zip = root.join(format!("traced/{BUNDLE}.zip"));
    assert!(
        std::fs::read(&zip).unwrap()
            == std::fs::read(root.join(format!("archive/{BUNDLE}.zip"))).unwrap(),
        "the same zip as without strace"
    );
    let io = traced_io(&traces);
    let root = root.canonicalize().unwrap();
    let papers = root.join("office/papers");
    let mut read: BTreeSet<String> = BTreeSet::new();
    for (path, (opens, bytes)) in &io {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if let Ok(rel) = path.strip_prefix(&papers) {
            assert_eq!(*opens, 1, "{} opened {opens} times", path.display());
            assert_eq!(
                *bytes,
                size,
                "{} read {bytes} bytes of {size}",
                path.display()
            );
            read.insert(rel.to_string_lossy().into_owned());
        } else if path.starts_with(root.join("office/originals")) {
            assert!(
                *opens <= 3 && *bytes <= 3 * size,
                "{}: {opens} opens, {bytes} bytes",
                path.display()
            );
        }
    }
    // The papers the bundle files (not made by pack, not received): each was read.
    let filed: BTreeSet<String> = zip_names(&zip)
        .into_iter()
        .filter_map(|n| {
            n.strip_prefix(&format!("{BUNDLE}/data/"))
                .map(str::to_string)
        })
        .filter(|n| papers.join(n).is_file())
        .collect();
    let pdfs: BTreeSet<String> = read
        .iter()
        .filter(|n| n.ends_with(".pdf"))
        .cloned()
        .collect();
    assert!(
        filed.iter().filter(|n| n.ends_with(".pdf")).count() >= 20,
        "{filed:?}"
    );
    assert_eq!(
        pdfs,
        filed
            .iter()
            .filter(|n| n.ends_with(".pdf"))
            .cloned()
            .collect(),
        "the PDFs read are those filed"
    );
    assert!(
        filed.is_subset(&read),
        "every filed paper and signature was read"
    );
}
