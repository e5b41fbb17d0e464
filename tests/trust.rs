//! Trust that holds (issue 12): what a signature says is bound, `--trust` cannot
//! be downgraded, tag files are judged as strictly as RFC 8493 says, and a
//! tampered metadata or tag file is named.
//!
//! Two kinds of fixtures. `tests/fixtures/bad-bags/` (written by its `make.py`)
//! holds small BagIt folders, each wrong in one way, with the finding
//! `expected.tsv` names. The attacks on signed anjuan bundles need the office's
//! key and a real bundle, so they are recipes applied here to a fresh
//! `anjuan demo` office: each recipe says what it does and the finding it must
//! produce. Several re-seal the bag as a modified packing tool would (manifests,
//! tag manifests and the package signature recomputed with the office key), so
//! that only the check under test can catch them.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anjuan::archive::bag::{Alg, Digests, Manifest};
use anjuan::sign;
use anjuan::verify::{self, Options, Profile, Report};
use common::*;

fn unzip(zip: &Path, into: &Path) -> PathBuf {
    unzip_bundle(zip, into)
}

fn opts(trust: &[&Path]) -> Options {
    verify_opts(trust)
}

/// Every detail of every check not passed, as `check: code file — message`.
fn findings(r: &Report) -> Vec<String> {
    r.checks
        .iter()
        .flat_map(|c| {
            c.details.iter().map(move |d| {
                format!(
                    "{}: {} {} [{}] — {}",
                    c.id,
                    d.code,
                    d.file.as_deref().unwrap_or("-"),
                    d.item.as_deref().unwrap_or("-"),
                    d.message
                )
            })
        })
        .collect()
}

/// The finding `code` in check `id` naming `file`; returns its message.
fn expect(r: &Report, id: &str, code: &str, file: &str) -> String {
    assert!(!r.accepted(), "accepted:\n{}", findings(r).join("\n"));
    let c = r.checks.iter().find(|c| c.id == id).expect(id);
    let d = c
        .details
        .iter()
        .find(|d| d.code == code && d.file.as_deref().unwrap_or("-") == file);
    match d {
        Some(d) => d.message.clone(),
        None => panic!(
            "no {code} for {file} in {id}; findings:\n{}",
            findings(r).join("\n")
        ),
    }
}

fn status(r: &Report, id: &str) -> String {
    let c = r.checks.iter().find(|c| c.id == id).expect(id);
    format!("{:?}", c.status)
}

/// Re-seals a bag folder as a packing tool would: payload manifests, tag
/// manifests over every other top-level file, and the package signature with
/// `key` (the office's, so the signature itself is valid).
fn reseal(bag: &Path, key: &Path, leave_out: &[&str]) {
    let mut payload: BTreeMap<String, Digests> = BTreeMap::new();
    for e in walkdir::WalkDir::new(bag.join("data")) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e
                .path()
                .strip_prefix(bag)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            payload.insert(rel, Digests::of(&std::fs::read(e.path()).unwrap()));
        }
    }
    for alg in [Alg::Sha256, Alg::Sm3] {
        let mut m = Manifest::default();
        for (p, d) in &payload {
            m.push(p, d.get(alg));
        }
        std::fs::write(bag.join(alg.manifest()), m.to_text()).unwrap();
    }
    let mut tags: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for e in std::fs::read_dir(bag).unwrap() {
        let e = e.unwrap();
        let n = e.file_name().to_string_lossy().into_owned();
        if e.file_type().unwrap().is_file()
            && !n.starts_with("tagmanifest-")
            && !leave_out.contains(&n.as_str())
        {
            tags.insert(n, std::fs::read(e.path()).unwrap());
        }
    }
    for alg in [Alg::Sha256, Alg::Sm3] {
        let mut m = Manifest::default();
        for (n, b) in &tags {
            m.push(n, Digests::of(b).get(alg));
        }
        std::fs::write(bag.join(alg.tagmanifest()), m.to_text()).unwrap();
    }
    let tm = std::fs::read(bag.join("tagmanifest-sha256.txt")).unwrap();
    let sk = sign::secret_key(&std::fs::read_to_string(key).unwrap(), String::new()).unwrap();
    let pk = sign::public_of(&sk).unwrap();
    let b = sign::Binding {
        case: BUNDLE.into(),
        paper: "tagmanifest".into(),
        file: "tagmanifest-sha256.txt".into(),
        sha256: sign::sha256_hex(&tm),
        time: None,
    };
    std::fs::write(
        bag.join("tagmanifest-sha256.txt.minisig"),
        sign::sign(&sk, Some(&pk), &tm, &b).unwrap(),
    )
    .unwrap();
}

fn swap(a: &Path, b: &Path) {
    let tmp = a.with_extension("swap");
    std::fs::rename(a, &tmp).unwrap();
    std::fs::rename(b, a).unwrap();
    std::fs::rename(&tmp, b).unwrap();
}

fn sig_of(p: &Path) -> PathBuf {
    sign::sig_path(p)
}

/// The 档号 of the item at `loc` in the bag's catalogue.
fn code_at(bag: &Path, loc: &str) -> String {
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bag.join("data/catalogue.json")).unwrap()).unwrap();
    j["文件"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["存储位置"] == loc)
        .map(|r| r["档号"].as_str().unwrap().to_string())
        .unwrap()
}

#[test]
fn bad_bags_give_their_findings() {
    let dir = root().join("tests/fixtures/bad-bags");
    let table = std::fs::read_to_string(dir.join("expected.tsv")).unwrap();
    let mut n = 0;
    for line in table.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, code) = (cols[0], cols[1]);
        let r = verify::verify(&dir.join(name), &opts(&[])).unwrap();
        if code == "-" {
            assert!(
                r.accepted(),
                "{name} must be accepted:\n{}",
                findings(&r).join("\n")
            );
        } else {
            assert!(!r.accepted(), "{name} accepted");
            let all = findings(&r);
            assert!(
                r.checks
                    .iter()
                    .flat_map(|c| &c.details)
                    .any(|d| d.code == code),
                "{name}: no {code}; findings:\n{}",
                all.join("\n")
            );
        }
        n += 1;
    }
    assert!(n >= 20, "only {n} fixtures");
}

/// A paper whose signature names another case, or another kind of paper, is
/// refused by `pack` even when render-record.json has been edited to agree.
#[test]
fn pack_refuses_a_paper_signed_for_another_case_or_kind() {
    let (_t, root) = demo_run();
    let papers = root.join("office/papers");
    let (a, b) = ("XF-2026-0001", "XF-2026-0005");
    let file = "03-处理意见书.pdf";
    let fix_record = |case: &str, file: &str| {
        let p = papers.join(case).join("render-record.json");
        let mut j: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        let pdf = std::fs::read(papers.join(case).join(file)).unwrap();
        j["papers"][file]["sha256"] = sign::sha256_hex(&pdf).into();
        j["papers"][file]["pages"] = pdfinfo(&papers.join(case).join(file))["Pages"]
            .parse::<u64>()
            .unwrap()
            .into();
        std::fs::write(&p, serde_json::to_vec_pretty(&j).unwrap()).unwrap();
    };

    // Swapped between two cases' folders, both validly signed by the office key.
    let (pa, pb) = (papers.join(a).join(file), papers.join(b).join(file));
    swap(&pa, &pb);
    swap(&sig_of(&pa), &sig_of(&pb));
    fix_record(a, file);
    fix_record(b, file);
    let o = anjuan(
        &root,
        &["pack", "year", "--year", "2026", "office", "-o", "swapped"],
    );
    let text = text_of(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    for want in [
        "签名属于另一案件或另一文书",
        &format!("签名绑定的是案件 {b} 的处理意见书，这里是案件 {a} 的处理意见书"),
        &format!("签名绑定的是案件 {a} 的处理意见书，这里是案件 {b} 的处理意见书"),
        "修改建议 (remedy)",
    ] {
        assert!(text.contains(want), "expected “{want}” in:\n{text}");
    }
    assert!(
        !root.join(format!("swapped/{BUNDLE}.zip")).exists(),
        "nothing written"
    );
    swap(&pa, &pb);
    swap(&sig_of(&pa), &sig_of(&pb));
    fix_record(a, file);
    fix_record(b, file);

    // Re-signed by the office key for the right case and file, but as another
    // kind of paper.
    let key = root.join("office/keys/anjuan.key");
    let sk = sign::secret_key(&std::fs::read_to_string(&key).unwrap(), String::new()).unwrap();
    let pk = sign::public_of(&sk).unwrap();
    let target = papers.join(a).join("01-受理告知书.pdf");
    let data = std::fs::read(&target).unwrap();
    let wrong = sign::Binding {
        case: a.into(),
        paper: "处理意见书".into(),
        file: "01-受理告知书.pdf".into(),
        sha256: sign::sha256_hex(&data),
        time: None,
    };
    let good = std::fs::read(sig_of(&target)).unwrap();
    std::fs::write(
        sig_of(&target),
        sign::sign(&sk, Some(&pk), &data, &wrong).unwrap(),
    )
    .unwrap();
    let o = anjuan(
        &root,
        &["pack", "year", "--year", "2026", "office", "-o", "kind"],
    );
    let text = text_of(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "签名绑定的是案件 {a} 的处理意见书，这里是案件 {a} 的受理告知书"
        )),
        "{text}"
    );

    // A signature with a foreign trusted comment (stock minisign's) binds nothing.
    let foreign = sign::sign_comment(&sk, Some(&pk), &data, "timestamp:1 file:x").unwrap();
    std::fs::write(sig_of(&target), foreign).unwrap();
    let o = anjuan(
        &root,
        &["pack", "year", "--year", "2026", "office", "-o", "foreign"],
    );
    let text = text_of(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("不是 anjuan 的绑定"), "{text}");

    // Put back, it packs.
    std::fs::write(sig_of(&target), good).unwrap();
    let o = anjuan(
        &root,
        &["pack", "year", "--year", "2026", "office", "-o", "ok"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
}

/// Packed by a modified tool (re-sealed and re-signed with the office key), a
/// paper swapped between two cases is caught by `verify`, naming both items;
/// so is a paper whose PDF metadata names another case.
#[test]
fn verify_names_both_items_of_a_swapped_paper() {
    let (t, root) = demo_run();
    let zip = root.join(format!("archive/{BUNDLE}.zip"));
    let key = root.join("office/keys/anjuan.key");
    let public = root.join("office/keys/anjuan.pub");
    let bag = unzip(&zip, &t.path().join("swap"));
    let (a, b) = (
        "data/XF-2026-0001/03-处理意见书.pdf",
        "data/XF-2026-0005/03-处理意见书.pdf",
    );
    let (code_a, code_b) = (code_at(&bag, a), code_at(&bag, b));
    swap(&bag.join(a), &bag.join(b));
    swap(&sig_of(&bag.join(a)), &sig_of(&bag.join(b)));
    reseal(&bag, &key, &[]);
    let r = verify::verify(&bag, &opts(&[&public])).unwrap();
    assert_eq!(
        status(&r, "authenticity.package-signature"),
        "Pass",
        "{}",
        findings(&r).join("\n")
    );
    let m = expect(
        &r,
        "authenticity.paper-signatures",
        "signature.case-mismatch",
        a,
    );
    assert!(m.contains(&code_b) && m.contains(b), "{m}");
    let m = expect(
        &r,
        "authenticity.paper-signatures",
        "signature.case-mismatch",
        b,
    );
    assert!(m.contains(&code_a) && m.contains(a), "{m}");
    // The item metadata and the PDF also disagree with the signature.
    expect(
        &r,
        "authenticity.paper-signatures",
        "signature.metadata-mismatch",
        a,
    );
    expect(
        &r,
        "authenticity.paper-signatures",
        "signature.pdf-mismatch",
        a,
    );
    let item_a = r
        .checks
        .iter()
        .flat_map(|c| &c.details)
        .find(|d| d.code == "signature.case-mismatch" && d.file.as_deref() == Some(a))
        .and_then(|d| d.item.clone());
    assert_eq!(item_a.as_deref(), Some(code_a.as_str()));
}

/// `--trust` requires the anjuan profile and a trusted package signature over
/// every tag file: a stripped-down plain bag, an unsigned bundle and a signed
/// tag manifest that leaves a tag file out are all refused.
#[test]
fn trust_cannot_be_downgraded() {
    let (t, root) = demo_run();
    let zip = root.join(format!("archive/{BUNDLE}.zip"));
    let key = root.join("office/keys/anjuan.key");
    let public = root.join("office/keys/anjuan.pub");

    // Stripped to a plain bag: the papers only, bagged afresh by bagit.py-like
    // means (our own manifests), no anjuan tag file or bag-info line.
    let bag = unzip(&zip, &t.path().join("plain"));
    for f in [
        "handoff.json",
        "移交登记表.pdf",
        "tagmanifest-sha256.txt.minisig",
        "data/catalogue.json",
        "data/catalogue.csv",
        "data/fonts.json",
    ] {
        std::fs::remove_file(bag.join(f)).unwrap();
    }
    for e in walkdir::WalkDir::new(bag.join("data")) {
        let e = e.unwrap();
        let n = e.file_name().to_string_lossy();
        if n.ends_with(".minisig") || n == "metadata.json" {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    let info = std::fs::read_to_string(bag.join("bag-info.txt")).unwrap();
    let mut bytes = 0u64;
    let mut count = 0usize;
    for e in walkdir::WalkDir::new(bag.join("data")) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            bytes += e.metadata().unwrap().len();
            count += 1;
        }
    }
    let kept: Vec<String> = info
        .lines()
        .filter(|l| !l.starts_with("Anjuan-") && !l.starts_with("Payload-Oxum"))
        .map(str::to_string)
        .chain([format!("Payload-Oxum: {bytes}.{count}")])
        .collect();
    std::fs::write(bag.join("bag-info.txt"), kept.join("\n") + "\n").unwrap();
    reseal(&bag, &key, &[]);
    std::fs::remove_file(bag.join("tagmanifest-sha256.txt.minisig")).unwrap();
    // Without trust it is a plain bag, accepted as BagIt.
    let r = verify::verify(&bag, &opts(&[])).unwrap();
    assert!(r.accepted(), "{}", findings(&r).join("\n"));
    assert_eq!(r.profile, "bagit");
    // With trust, or asked for the anjuan profile, it is not.
    let r = verify::verify(&bag, &opts(&[&public])).unwrap();
    assert_eq!(r.profile, "anjuan");
    expect(
        &r,
        "authenticity.package-signature",
        "signature.unsigned",
        "-",
    );
    expect(&r, "security.trusted-signer", "trust.unsigned", "-");
    assert!(r
        .checks
        .iter()
        .filter(|c| c.id.starts_with("integrity.") || c.id.starts_with("authenticity."))
        .all(|c| format!("{:?}", c.status) != "NotApplicable"));
    let mut o = opts(&[]);
    o.profile = Profile::Anjuan;
    assert!(!verify::verify(&bag, &o).unwrap().accepted());
    // --bagit cannot be combined with --trust on the command line…
    let out = anjuan(
        t.path(),
        &[
            "verify",
            "--bagit",
            "--trust",
            public.to_str().unwrap(),
            bag.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text_of(&out));
    // …and in the library, trust overrides it.
    let mut o = opts(&[&public]);
    o.bagit_only = true;
    assert!(!verify::verify(&bag, &o).unwrap().accepted());

    // The full bundle, its signature removed (bag-info says nothing of a key).
    let bag = unzip(&zip, &t.path().join("unsigned"));
    std::fs::remove_file(bag.join("tagmanifest-sha256.txt.minisig")).unwrap();
    let info = std::fs::read_to_string(bag.join("bag-info.txt")).unwrap();
    let info: String = info
        .lines()
        .filter(|l| !l.starts_with("Anjuan-Signing-Key"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(bag.join("bag-info.txt"), info).unwrap();
    reseal(&bag, &key, &[]);
    std::fs::remove_file(bag.join("tagmanifest-sha256.txt.minisig")).unwrap();
    let r = verify::verify(&bag, &opts(&[&public])).unwrap();
    assert!(!r.accepted());
    expect(
        &r,
        "security.trusted-signer",
        "trust.package-unsigned",
        "tagmanifest-sha256.txt.minisig",
    );

    // Signed by the office key, but the tag manifest leaves handoff.json out.
    let bag = unzip(&zip, &t.path().join("partial"));
    reseal(&bag, &key, &["handoff.json"]);
    let r = verify::verify(&bag, &opts(&[&public])).unwrap();
    expect(
        &r,
        "authenticity.package-signature",
        "signature.tag-uncovered",
        "handoff.json",
    );

    // A tag file added and listed in a re-signed tag manifest is still named,
    // as is a manifest of another algorithm added beside the signed ones.
    let bag = unzip(&zip, &t.path().join("added"));
    std::fs::write(bag.join("notes.txt"), "x\n").unwrap();
    reseal(&bag, &key, &[]);
    std::fs::write(bag.join("manifest-sha512.txt"), "").unwrap();
    let r = verify::verify(&bag, &opts(&[&public])).unwrap();
    expect(
        &r,
        "security.unexpected-files",
        "files.unexpected-tag",
        "notes.txt",
    );
    expect(
        &r,
        "authenticity.package-signature",
        "signature.tag-uncovered",
        "manifest-sha512.txt",
    );

    // `--alg sm3` does not skip the signed SHA-256 tag manifest.
    let bag = unzip(&zip, &t.path().join("alg"));
    let info = bag.join("bag-info.txt");
    let text = std::fs::read_to_string(&info).unwrap();
    std::fs::write(&info, text.replace("Anjuan-Items: 40", "Anjuan-Items: 39")).unwrap();
    let mut o = opts(&[&public]);
    o.algs = vec!["sm3".into()];
    let r = verify::verify(&bag, &o).unwrap();
    expect(
        &r,
        "authenticity.tag-fixity",
        "tagfixity.mismatch",
        "bag-info.txt",
    );
}

/// A changed catalogue.csv is named by the file and row, even when the
/// manifests have been recomputed so that only the signature breaks.
#[test]
fn a_changed_catalogue_csv_is_named() {
    let (t, root) = demo_run();
    let zip = root.join(format!("archive/{BUNDLE}.zip"));
    let key = root.join("office/keys/anjuan.key");
    let public = root.join("office/keys/anjuan.pub");
    let bag = unzip(&zip, &t.path().join("csv"));
    let p = bag.join("data/catalogue.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let edited = text.replacen("信访事项处理意见书", "信访事项处理意见", 1);
    assert_ne!(text, edited);
    std::fs::write(&p, edited).unwrap();
    reseal(&bag, &key, &[]);
    let r = verify::verify(&bag, &opts(&[&public])).unwrap();
    let m = expect(
        &r,
        "authenticity.metadata-format",
        "meta.catalogue-csv",
        "data/catalogue.csv",
    );
    assert!(m.contains("题名") && m.contains("第 2 行"), "{m}");
}
