//! Verification on receipt: the demo bundle is accepted; every kind of tampering
//! is caught with its own finding; a flipped byte anywhere in the zip is caught
//! (500 random positions); plain bags made by `bagit.py` verify at the BagIt
//! level with the anjuan checks not applicable; the signed receipt checks out
//! for the sender and fails for other bytes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use anjuan::archive::bag::Digests;
use anjuan::verify::{self, Options, Report};
use common::*;
use serde_json::Value;

fn zip_of(root: &Path) -> PathBuf {
    root.join(format!("archive/{BUNDLE}.zip"))
}

fn unzip(zip: &Path, into: &Path) -> PathBuf {
    unzip_bundle(zip, into)
}

fn opts(trust: &[&Path]) -> Options {
    verify_opts(trust)
}

/// The failed checks as `id: code` strings.
fn failures(r: &Report) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| c.status == verify::report::Status::Fail)
        .flat_map(|c| {
            let id = c.id;
            c.details.iter().map(move |d| {
                format!(
                    "{id}: {} {} {}",
                    d.code,
                    d.file.clone().unwrap_or_default(),
                    d.message
                )
            })
        })
        .collect()
}

fn has(r: &Report, id: &str, code: &str, file_part: &str) -> bool {
    r.checks.iter().any(|c| {
        c.id == id
            && c.status == verify::report::Status::Fail
            && c.details
                .iter()
                .any(|d| d.code == code && d.file.as_deref().unwrap_or("").contains(file_part))
    })
}

#[track_caller]
fn expect(r: &Report, id: &str, code: &str, file_part: &str) {
    assert!(!r.accepted(), "tampered bundle accepted");
    assert!(
        has(r, id, code, file_part),
        "expected {id} / {code} on {file_part}; failures:\n{}",
        failures(r).join("\n")
    );
}

#[test]
fn demo_bundle_is_accepted_by_the_binary_with_every_check_and_json_and_pdf() {
    let (t, root) = demo_run();
    let zip = zip_of(&root);
    let key = root.join("office/keys/anjuan.pub");
    let report = t.path().join("检测报告.pdf");
    let o = anjuan(
        t.path(),
        &[
            "verify",
            zip.to_str().unwrap(),
            "--trust",
            key.to_str().unwrap(),
            "--json",
            "--report",
            report.to_str().unwrap(),
            "--date",
            "2026-11-21",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["schema"], "anjuan-verify-report/1");
    assert_eq!(j["verdict"], "accept");
    assert_eq!(j["profile"], "anjuan");
    assert_eq!(j["bagit"]["complete"], true);
    assert_eq!(j["bagit"]["valid"], true);
    let sha = Digests::of(&std::fs::read(&zip).unwrap()).sha256;
    assert_eq!(j["bundle"]["sha256"], sha.as_str());
    let checks = j["checks"].as_array().unwrap();
    // Every property has checks; ids are unique and prefixed by their property.
    let mut ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    for p in ["authenticity.", "integrity.", "usability.", "security."] {
        assert!(ids.iter().filter(|i| i.starts_with(p)).count() >= 3, "{p}");
    }
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "check ids are unique");
    for must in [
        "authenticity.fixity-sha256",
        "authenticity.fixity-sm3",
        "authenticity.package-signature",
        "authenticity.paper-signatures",
        "authenticity.handoff-digest",
        "integrity.handoff-counts",
        "integrity.numbering",
        "integrity.content-files",
        "integrity.delivery-receipts",
        "usability.formats",
        "usability.no-encryption",
        "security.entry-names",
        "security.bombs",
        "security.trusted-signer",
    ] {
        let c = checks
            .iter()
            .find(|c| c["id"] == must)
            .unwrap_or_else(|| panic!("{must}"));
        assert_eq!(c["status"], "pass", "{must}: {c}");
        assert!(
            c["name"]
                .as_str()
                .unwrap()
                .chars()
                .any(|ch| ch > '\u{2e80}'),
            "Chinese name"
        );
    }
    // No warning; only the virus-scan hook is 未检测 (no scanner here), never a pass.
    let warned: Vec<&Value> = checks.iter().filter(|c| c["status"] == "warn").collect();
    assert!(warned.is_empty(), "{warned:?}");
    let unchecked: Vec<&Value> = checks
        .iter()
        .filter(|c| c["status"] == "unchecked")
        .collect();
    assert_eq!(unchecked.len(), 1, "{unchecked:?}");
    assert_eq!(unchecked[0]["id"], "security.malware-scan");
    assert_eq!(j["counts"]["unchecked"], 1);
    // The PDF report is a PDF/A with the verdict in it.
    let pdf = std::fs::read(&report).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdftotext(&report);
    assert!(text.contains("同意接收"), "{text}");
    assert!(text.contains(&sha[..16]), "bundle digest printed");
    // Terminal table: the verdict line and a check line.
    let o = anjuan(t.path(), &["verify", zip.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let out = text_of(&o);
    assert!(
        out.contains("同意接收 (accept)") && out.contains("integrity.numbering"),
        "{out}"
    );
    // Nothing was extracted: the working folder holds only what was there.
    let mut names: Vec<String> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["d", "检测报告.pdf"]);
}

fn pdftotext(p: &Path) -> String {
    let o = Command::new("pdftotext")
        .args([p.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is needed");
    String::from_utf8_lossy(&o.stdout).replace(['\n', ' '], "")
}

#[test]
fn every_kind_of_tampering_is_named() {
    let (t, root) = demo_run();
    let zip = zip_of(&root);
    let key = root.join("office/keys/anjuan.pub");
    let fresh = |name: &str| -> PathBuf {
        let into = t.path().join(name);
        unzip(&zip, &into)
    };
    let run = |bag: &Path| verify::verify(bag, &opts(&[&key])).unwrap();
    // The untouched folder passes.
    let bag = fresh("clean");
    let r = run(&bag);
    assert!(r.accepted(), "{}", failures(&r).join("\n"));

    let paper = "data/XF-2026-0001/03-处理意见书.pdf";
    // One byte flipped in a paper.
    let bag = fresh("flip");
    let p = bag.join(paper);
    let mut b = std::fs::read(&p).unwrap();
    let i = b.len() / 2;
    b[i] ^= 0x01;
    std::fs::write(&p, b).unwrap();
    let r = run(&bag);
    expect(&r, "authenticity.fixity-sha256", "fixity.mismatch", paper);
    expect(&r, "authenticity.fixity-sm3", "fixity.mismatch", paper);
    expect(
        &r,
        "authenticity.paper-signatures",
        "signature.invalid",
        paper,
    );
    assert!(!r.bagit.valid && r.bagit.complete);

    // A file dropped.
    let bag = fresh("drop");
    std::fs::remove_file(bag.join(paper)).unwrap();
    let r = run(&bag);
    expect(&r, "integrity.bag-complete", "bagit.missing", paper);
    expect(&r, "integrity.content-files", "content.missing-file", paper);
    assert!(!r.bagit.complete);

    // A file added.
    let bag = fresh("add");
    std::fs::write(bag.join("data/XF-2026-0001/99-补充.pdf"), b"%PDF-1.7\n").unwrap();
    let r = run(&bag);
    expect(
        &r,
        "integrity.bag-complete",
        "bagit.unlisted",
        "99-补充.pdf",
    );
    expect(
        &r,
        "integrity.content-files",
        "content.unlisted-file",
        "99-补充.pdf",
    );

    // A manifest line edited (digest of one paper changed).
    let bag = fresh("manifest");
    let m = bag.join("manifest-sha256.txt");
    let text = std::fs::read_to_string(&m).unwrap();
    let line = text
        .lines()
        .find(|l| l.ends_with(paper))
        .unwrap()
        .to_string();
    let edited = format!("{}{}", "0".repeat(64), &line[64..]);
    std::fs::write(&m, text.replace(&line, &edited)).unwrap();
    let r = run(&bag);
    expect(&r, "authenticity.fixity-sha256", "fixity.mismatch", paper);
    expect(
        &r,
        "authenticity.tag-fixity",
        "tagfixity.mismatch",
        "manifest-sha256.txt",
    );
    expect(
        &r,
        "authenticity.handoff-digest",
        "handoff.digest",
        "manifest-sha256.txt",
    );

    // bag-info edited.
    let bag = fresh("baginfo");
    let m = bag.join("bag-info.txt");
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(&m, text.replace("Anjuan-Items: 40", "Anjuan-Items: 39")).unwrap();
    let r = run(&bag);
    expect(
        &r,
        "authenticity.tag-fixity",
        "tagfixity.mismatch",
        "bag-info.txt",
    );
    expect(
        &r,
        "integrity.handoff-counts",
        "counts.bag-info",
        "bag-info.txt",
    );

    // Missing papers: a catalogue row removed (a gap in 件号, and its file now
    // has no entry); a receipt that no longer names the paper it served.
    let bag = fresh("gap");
    let cat = bag.join("data/catalogue.json");
    let mut j: Value = serde_json::from_slice(&std::fs::read(&cat).unwrap()).unwrap();
    let rows = j["文件"].as_array_mut().unwrap();
    let gone = rows.remove(1);
    std::fs::write(&cat, serde_json::to_vec_pretty(&j).unwrap()).unwrap();
    let r = run(&bag);
    let code = gone["档号"].as_str().unwrap();
    assert!(
        r.checks.iter().any(|c| c.id == "integrity.numbering"
            && c.details
                .iter()
                .any(|d| d.code == "numbering.gap" && d.item.as_deref() == Some(code))),
        "gap at {code}: {}",
        failures(&r).join("\n")
    );
    expect(
        &r,
        "integrity.content-files",
        "content.unlisted-file",
        gone["存储位置"].as_str().unwrap(),
    );
    let bag = fresh("receipt");
    let meta = bag.join("data/XF-2026-0001/metadata.json");
    let mut j: Value = serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
    let items = j["文件"].as_array_mut().unwrap();
    let receipt = items
        .iter_mut()
        .find(|i| i.get("送达文书").is_some())
        .unwrap();
    let served = receipt["送达文书"].as_str().unwrap().to_string();
    receipt.as_object_mut().unwrap().remove("送达文书");
    std::fs::write(&meta, serde_json::to_vec_pretty(&j).unwrap()).unwrap();
    let r = run(&bag);
    assert!(
        r.checks
            .iter()
            .any(|c| c.id == "integrity.delivery-receipts"
                && c.details
                    .iter()
                    .any(|d| d.code == "receipts.missing"
                        && d.item.as_deref() == Some(served.as_str()))),
        "{}",
        failures(&r).join("\n")
    );

    // The package signature replaced by a paper's (valid, but for another file).
    let bag = fresh("sigswap");
    std::fs::copy(
        bag.join(format!("{paper}.minisig")),
        bag.join("tagmanifest-sha256.txt.minisig"),
    )
    .unwrap();
    let r = run(&bag);
    expect(
        &r,
        "authenticity.package-signature",
        "signature.package",
        "tagmanifest-sha256.txt",
    );

    // Re-signed with another key: tag manifests rebuilt, handoff.json naming the
    // new key — every signature valid, but the key is not the trusted one.
    let bag = fresh("resign");
    let o = anjuan(t.path(), &["key", "new", "--unencrypted", "-o", "mallory"]);
    assert!(o.status.success(), "{}", text_of(&o));
    let mpub = std::fs::read_to_string(t.path().join("mallory/anjuan.pub")).unwrap();
    let mline = mpub.lines().nth(1).unwrap();
    let hj = bag.join("handoff.json");
    let mut h: Value = serde_json::from_slice(&std::fs::read(&hj).unwrap()).unwrap();
    h["签名公钥"] = Value::String(mline.into());
    std::fs::write(&hj, serde_json::to_vec_pretty(&h).unwrap()).unwrap();
    for (alg, pick) in [("sha256", 0), ("sm3", 1)] {
        let tm = bag.join(format!("tagmanifest-{alg}.txt"));
        let mut out = String::new();
        for l in std::fs::read_to_string(&tm).unwrap().lines() {
            let (_, name) = l.split_once("  ").unwrap();
            let d = Digests::of(&std::fs::read(bag.join(name)).unwrap());
            out += &format!("{}  {name}\n", if pick == 0 { d.sha256 } else { d.sm3 });
        }
        std::fs::write(&tm, out).unwrap();
    }
    let sk = anjuan::sign::secret_key(
        &std::fs::read_to_string(t.path().join("mallory/anjuan.key")).unwrap(),
        String::new(),
    )
    .unwrap();
    let tm = std::fs::read(bag.join("tagmanifest-sha256.txt")).unwrap();
    let binding = anjuan::sign::Binding {
        case: BUNDLE.into(),
        paper: "tagmanifest".into(),
        file: "tagmanifest-sha256.txt".into(),
        sha256: anjuan::sign::sha256_hex(&tm),
        time: None,
    };
    let sig = anjuan::sign::sign(&sk, None, &tm, &binding).unwrap();
    std::fs::write(bag.join("tagmanifest-sha256.txt.minisig"), sig).unwrap();
    let r = run(&bag);
    let mk = anjuan::sign::key_id(&anjuan::sign::public_key(&mpub).unwrap());
    assert!(
        r.checks.iter().any(|c| c.id == "security.trusted-signer"
            && c.details
                .iter()
                .any(|d| d.code == "trust.untrusted-key" && d.message.contains(&mk))),
        "{}",
        failures(&r).join("\n")
    );
    // Without --trust the same bundle is not rejected for trust, only warned.
    let r = verify::verify(&bag, &opts(&[])).unwrap();
    let c = r
        .checks
        .iter()
        .find(|c| c.id == "security.trusted-signer")
        .unwrap();
    assert_eq!(c.status, verify::report::Status::Warn);
}

/// A tiny deterministic generator (xorshift64*), so failures replay.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn a_byte_flipped_at_any_of_500_random_positions_is_caught() {
    let (t, root) = demo_run();
    let zip = std::fs::read(zip_of(&root)).unwrap();
    let key = root.join("office/keys/anjuan.pub");
    let o = opts(&[&key]);
    let mut rng = Rng(0x5EED_A17A_2026_1121);
    let positions: Vec<(usize, u8)> = (0..500)
        .map(|_| {
            let pos = (rng.next() % zip.len() as u64) as usize;
            let mask = (rng.next() % 255 + 1) as u8;
            (pos, mask)
        })
        .collect();
    let missed = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for part in positions.chunks(250) {
            let (zip, o, missed, dir) = (&zip, &o, &missed, t.path());
            s.spawn(move || {
                let path = dir.join(format!("flip-{}.zip", part[0].0));
                for &(pos, mask) in part {
                    let mut z = zip.clone();
                    z[pos] ^= mask;
                    std::fs::write(&path, &z).unwrap();
                    let r = verify::verify(&path, o).unwrap();
                    if r.accepted() {
                        missed.lock().unwrap().push(pos);
                    }
                }
            });
        }
    });
    let missed = missed.into_inner().unwrap();
    assert!(missed.is_empty(), "flips not caught at offsets {missed:?}");
}

fn bagit_py(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new("bagit.py")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("bagit.py is needed (pip install bagit; .ci/run installs it)")
}

#[test]
fn plain_bagit_py_bags_verify_complete_and_valid_with_anjuan_checks_not_applicable() {
    let t = tempfile::tempdir().unwrap();
    let bag = t.path().join("plain");
    std::fs::create_dir_all(bag.join("sub")).unwrap();
    std::fs::write(bag.join("a.txt"), "hello\n").unwrap();
    std::fs::write(bag.join("sub/b.csv"), "x,y\n1,2\n").unwrap();
    let o = bagit_py(
        &["--sha256", "--sha512", "--contact-name", "Test", "plain"],
        t.path(),
    );
    assert!(o.status.success(), "{}", text_of(&o));
    let o = anjuan(t.path(), &["verify", "plain", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["profile"], "bagit");
    assert_eq!(j["bagit"]["complete"], true);
    assert_eq!(j["bagit"]["valid"], true);
    let status = |id: &str| {
        j["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("authenticity.fixity-sha256"), "pass");
    assert_eq!(status("authenticity.fixity-sha512"), "pass");
    assert_eq!(status("authenticity.tag-fixity"), "pass");
    for id in [
        "authenticity.package-signature",
        "integrity.numbering",
        "integrity.delivery-receipts",
        "usability.formats",
        "security.trusted-signer",
    ] {
        assert_eq!(status(id), "n/a", "{id}");
    }
    // An older bag with an MD5 manifest beside SHA-256: accepted, the MD5
    // manifest named as not checked (a warning), not failed.
    let old = t.path().join("old");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("a.txt"), "hello\n").unwrap();
    assert!(bagit_py(&["--md5", "--sha256", "old"], t.path())
        .status
        .success());
    let o = anjuan(t.path(), &["verify", "old", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let jo: Value = serde_json::from_slice(&o.stdout).unwrap();
    let st = jo["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "authenticity.structure")
        .unwrap();
    assert_eq!(st["status"], "warn", "{st}");
    assert_eq!(st["details"][0]["code"], "bagit.unsupported-algorithm");
    // Zipped (by Python's zipfile, deflated): the same result, read in place.
    let o = Command::new("python3")
        .current_dir(t.path())
        .args([
            "-c",
            "import zipfile,os\nz=zipfile.ZipFile('plain.zip','w',zipfile.ZIP_DEFLATED)\nfor d,_,fs in sorted(os.walk('plain')):\n  for f in sorted(fs): z.write(os.path.join(d,f))\nz.close()",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text_of(&o));
    let o = anjuan(t.path(), &["verify", "plain.zip", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    // Valid vs complete: a changed payload byte is complete but invalid; a
    // removed file is incomplete.
    std::fs::write(bag.join("data/a.txt"), "hellO\n").unwrap();
    let o = anjuan(t.path(), &["verify", "plain", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (j["bagit"]["complete"].clone(), j["bagit"]["valid"].clone()),
        (Value::Bool(true), Value::Bool(false))
    );
    std::fs::remove_file(bag.join("data/sub/b.csv")).unwrap();
    let o = anjuan(t.path(), &["verify", "plain", "--json"]);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["bagit"]["complete"], false);
    // --bagit on the anjuan side: the BagIt result, anjuan checks n/a.
}

#[test]
fn receipt_is_signed_names_the_bundle_and_the_sender_can_check_it() {
    let (t, root) = demo_run();
    let zip = zip_of(&root);
    let key = root.join("office/keys/anjuan.key");
    let pubk = root.join("office/keys/anjuan.pub");
    // The receiver's own key and its own name (anjuan.toml).
    let o = anjuan(t.path(), &["key", "new", "--unencrypted", "-o", "recv"]);
    assert!(o.status.success());
    std::fs::write(
        t.path().join("recv/anjuan.toml"),
        "[office]\nname = \"青溪县档案馆\"\nfonds = \"X001\"\n",
    )
    .unwrap();
    let receipt = |trust: &[&str]| {
        let mut args = vec![
            "--config",
            "recv/anjuan.toml",
            "receipt",
            zip.to_str().unwrap(),
            "--key",
            "recv/anjuan.key",
            "-o",
            "out",
            "--date",
            "2026-11-21",
        ];
        args.extend_from_slice(trust);
        anjuan(t.path(), &args)
    };
    // No trusted key, given or configured: no receipt (the signer would be unchecked).
    let o = receipt(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(text_of(&o).contains("未配置可信公钥"), "{}", text_of(&o));
    assert!(!t
        .path()
        .join("out")
        .join(format!("接收回执-{BUNDLE}.json"))
        .exists());
    // The receiver's anjuan.toml names the sender's key: that is enough.
    std::fs::create_dir_all(t.path().join("recv/trusted")).unwrap();
    std::fs::copy(&pubk, t.path().join("recv/trusted/sender.pub")).unwrap();
    std::fs::write(
        t.path().join("recv/anjuan.toml"),
        "[office]\nname = \"青溪县档案馆\"\nfonds = \"X001\"\n\n[signing]\ntrusted = [\"trusted\"]\n",
    )
    .unwrap();
    let o = receipt(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let o = receipt(&["--trust", pubk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let rc = t.path().join(format!("out/接收回执-{BUNDLE}.json"));
    let j: Value = serde_json::from_slice(&std::fs::read(&rc).unwrap()).unwrap();
    assert_eq!(j["格式"], "anjuan-receipt/1");
    assert_eq!(j["结论"], "accept");
    assert_eq!(j["接收单位"], "青溪县档案馆");
    assert_eq!(
        j["SHA-256"],
        Digests::of(&std::fs::read(&zip).unwrap()).sha256.as_str()
    );
    for f in ["接收回执-", "检测报告-"] {
        assert!(t.path().join(format!("out/{f}{BUNDLE}.pdf")).is_file());
    }
    // The sender checks it with the receiver's public key and its own zip.
    let check = |pubkey: &str, bundle: &Path| {
        anjuan(
            t.path(),
            &[
                "check-receipt",
                rc.to_str().unwrap(),
                "--pub",
                pubkey,
                "--bundle",
                bundle.to_str().unwrap(),
            ],
        )
    };
    let o = check("recv/anjuan.pub", &zip);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    // Wrong key: refused. Other bytes: refused.
    let o = check(pubk.to_str().unwrap(), &zip);
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    let other = t.path().join("other.zip");
    let mut b = std::fs::read(&zip).unwrap();
    b[100] ^= 1;
    std::fs::write(&other, b).unwrap();
    let o = check("recv/anjuan.pub", &other);
    assert_eq!(o.status.code(), Some(1));
    assert!(text_of(&o).contains("不符"), "{}", text_of(&o));
    // A receipt edited after signing: refused, and the verdict comes first: the
    // bad signature is printed before anything the receipt claims.
    let text = std::fs::read_to_string(&rc).unwrap();
    std::fs::write(
        &rc,
        text.replace("\"sha256\"", "\"sha256\" ")
            .replace("\"accept\"", "\"accept\" "),
    )
    .unwrap();
    let o = check("recv/anjuan.pub", &zip);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let bad = out.find("回执签名无效").expect(&out);
    let first_line = out.lines().next().unwrap_or("");
    assert!(
        first_line.contains("✗") && first_line.contains("不可信"),
        "{out}"
    );
    if let Some(claim) = out.find("同意接收") {
        assert!(bad < claim, "the claim is shown before the verdict:\n{out}");
        assert!(out.contains("签名无效，不可作为接收凭证"), "{out}");
    }
    let _ = key;
}

#[test]
fn exit_2_when_the_bundle_cannot_be_read() {
    let t = tempfile::tempdir().unwrap();
    let o = anjuan(t.path(), &["verify", "no-such.zip"]);
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(text_of(&o).contains("no-such.zip"));
}

/// Every hostile fixture through the binary: its own finding in the JSON report,
/// exit 1 (a defect, not a crash), peak memory bounded, and nothing written —
/// the working folder (also HOME and TMPDIR) stays empty and no escape target
/// appears.
#[test]
fn hostile_zips_through_the_binary_write_nothing_and_stay_small() {
    let dir = common::root().join("tests/fixtures/hostile-zips");
    let table = std::fs::read_to_string(dir.join("expected.tsv")).unwrap();
    let mut n = 0;
    for line in table.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let mut cols = line.split('\t');
        let (file, code) = (cols.next().unwrap(), cols.next().unwrap());
        let work = tempfile::tempdir().unwrap();
        let o = Command::new("/usr/bin/time")
            .args(["-f", "peak-kb %M"])
            .arg(env!("CARGO_BIN_EXE_anjuan"))
            .args(["verify", "--json"])
            .arg(dir.join(file))
            .current_dir(work.path())
            .env("HOME", work.path())
            .env("TMPDIR", work.path())
            .output()
            .expect("/usr/bin/time (Debian package `time`) is needed");
        assert_eq!(o.status.code(), Some(1), "{file}: {}", text_of(&o));
        let j: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{file}: {e}: {}", text_of(&o)));
        let codes: Vec<&str> = j["checks"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["details"].as_array().unwrap().iter())
            .filter_map(|d| d["code"].as_str())
            .collect();
        assert!(
            codes.contains(&code),
            "{file}: expected {code}, got {codes:?}"
        );
        let stderr = String::from_utf8_lossy(&o.stderr);
        let kb: u64 = stderr
            .lines()
            .find_map(|l| l.strip_prefix("peak-kb "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{file}: no peak in {stderr}"));
        assert!(kb < 150_000, "{file}: peak memory {kb} KB");
        let left: Vec<_> = std::fs::read_dir(work.path()).unwrap().collect();
        assert!(left.is_empty(), "{file}: wrote {left:?}");
        n += 1;
    }
    assert!(n >= 20, "{n} fixtures");
    for p in [
        "/tmp/anjuan-escape-traversal.txt",
        "/tmp/anjuan-escape-absolute.txt",
    ] {
        assert!(!Path::new(p).exists(), "{p}");
    }
    let escaped = glob_escapes(&dir);
    assert!(escaped.is_empty(), "escape targets exist: {escaped:?}");
}

/// Files named `anjuan-escape-*` in the fixture folder's parents or /tmp.
fn glob_escapes(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for d in [
        dir.to_path_buf(),
        dir.join(".."),
        dir.join("../.."),
        dir.join("../../.."),
        PathBuf::from("/tmp"),
    ] {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                if e.file_name().to_string_lossy().starts_with("anjuan-escape") {
                    found.push(e.path());
                }
            }
        }
    }
    found
}

/// The JSON report has exactly the fields its published schema
/// (`anjuan schema --report`) names, down to the details.
#[test]
fn json_report_matches_its_published_schema() {
    let t = tempfile::tempdir().unwrap();
    let o = anjuan(t.path(), &["schema", "--report"]);
    assert!(o.status.success());
    let schema: Value = serde_json::from_slice(&o.stdout).unwrap();
    let dir = common::root().join("tests/fixtures/hostile-zips/10-duplicate.zip");
    let o = anjuan(t.path(), &["verify", "--json", dir.to_str().unwrap()]);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let props = |s: &Value| -> Vec<String> {
        let mut k: Vec<String> = s["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    assert_eq!(keys(&report), props(&schema));
    let defs = &schema["$defs"];
    let check = &report["checks"][0];
    assert_eq!(keys(check), props(&defs["Check"]));
    let detail = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|c| c["details"].as_array().unwrap().first().cloned())
        .unwrap();
    for k in keys(&detail) {
        assert!(props(&defs["Detail"]).contains(&k), "{k}");
    }
    assert_eq!(keys(&report["bundle"]), props(&defs["Bundle"]));
}

/// `--scan CMD` runs the scanner on every payload file; exit 1 from it is a
/// finding naming the file.
#[test]
fn virus_scanner_hook_names_the_infected_file() {
    let t = tempfile::tempdir().unwrap();
    let bag = t.path().join("b");
    std::fs::create_dir_all(&bag).unwrap();
    std::fs::write(bag.join("clean.txt"), "nothing here\n").unwrap();
    std::fs::write(
        bag.join("eicar.txt"),
        "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n",
    )
    .unwrap();
    assert!(bagit_py(&["--sha256", "b"], t.path()).status.success());
    std::fs::write(
        t.path().join("scan.sh"),
        "if grep -q EICAR-STANDARD; then echo 'Eicar-Test-Signature FOUND'; exit 1; fi\nexit 0\n",
    )
    .unwrap();
    let o = anjuan(t.path(), &["verify", "b", "--json", "--scan", "sh scan.sh"]);
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let c = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "security.malware-scan")
        .unwrap();
    assert_eq!(c["status"], "fail");
    let d = c["details"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["file"], "data/eicar.txt");
    assert!(d[0]["message"].as_str().unwrap().contains("FOUND"));
}

/// A plain bag zipped by another tool: its manifest lines in reverse name
/// order (the zip's entries are in name order).
/// `drop` leaves a listed file out of the zip, `extra` adds an unlisted one.
fn plain_zip(dir: &Path, drop: Option<&str>, extra: Option<&str>) -> PathBuf {
    use sha2::Digest as _;
    use std::io::Write as _;
    let files: Vec<(String, Vec<u8>)> = (0..40)
        .map(|i| {
            (
                format!("data/d{}/f{i:02}.txt", i % 3),
                format!("file {i}\n").into_bytes(),
            )
        })
        .collect();
    let mut manifest = String::new();
    for (name, body) in files.iter().rev() {
        manifest.push_str(&format!("{:x}  {name}\n", sha2::Sha256::digest(body)));
    }
    let oxum_bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let mut entries: Vec<(String, Vec<u8>)> = vec![
        (
            "bagit.txt".into(),
            b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".to_vec(),
        ),
        (
            "bag-info.txt".into(),
            format!("Payload-Oxum: {oxum_bytes}.{}\n", files.len()).into_bytes(),
        ),
        ("manifest-sha256.txt".into(), manifest.into_bytes()),
    ];
    entries.extend(files.into_iter().filter(|(n, _)| Some(n.as_str()) != drop));
    if let Some(x) = extra {
        entries.push((x.to_string(), b"not listed\n".to_vec()));
    }
    entries.sort();
    let path = dir.join("plain.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, body) in &entries {
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file(format!("plain/{name}"), o).unwrap();
        z.write_all(body).unwrap();
    }
    z.finish().unwrap();
    path
}

#[test]
fn a_zipped_bag_with_its_manifest_out_of_order_is_verified_and_names_what_is_missing_or_extra() {
    let t = tempfile::tempdir().unwrap();
    let o = Options::default();
    let r = verify::verify(&plain_zip(t.path(), None, None), &o).unwrap();
    assert!(
        r.bagit.complete && r.bagit.valid,
        "{}",
        failures(&r).join("\n")
    );
    assert!(r.accepted(), "{}", failures(&r).join("\n"));
    let fixity = r
        .checks
        .iter()
        .find(|c| c.id == "authenticity.fixity-sha256")
        .unwrap();
    assert!(fixity.summary.starts_with("40 "), "{}", fixity.summary);

    let gone = "data/d1/f07.txt";
    let added = "data/d2/zz-extra.txt";
    let r = verify::verify(&plain_zip(t.path(), Some(gone), Some(added)), &o).unwrap();
    assert!(!r.accepted() && !r.bagit.complete);
    expect(&r, "integrity.bag-complete", "bagit.missing", gone);
    expect(&r, "integrity.bag-complete", "bagit.unlisted", added);
    let complete = r
        .checks
        .iter()
        .find(|c| c.id == "integrity.bag-complete")
        .unwrap();
    assert_eq!(complete.details.len(), 2, "{}", failures(&r).join("\n"));
}

/// Every check and detail of the report but those of the container's own
/// shape (the structure check judges the zip as anjuan writes it; the
/// container check's summary names a zip or a folder):
/// `id code file item message`.
fn details_but_structure(r: &Report) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| !matches!(c.id, "authenticity.structure" | "security.container"))
        .flat_map(|c| {
            let head = format!("{} {:?} {}", c.id, c.status, c.summary);
            std::iter::once(head).chain(c.details.iter().map(move |d| {
                format!(
                    "{} {} {} {} {}",
                    c.id,
                    d.code,
                    d.file.clone().unwrap_or_default(),
                    d.item.clone().unwrap_or_default(),
                    d.message
                )
            }))
        })
        .collect()
}

/// The anjuan checks go case folder by case folder, each case's metadata.json
/// read when its folder is checked and dropped after: a change to the
/// metadata of a case in the middle of the bundle is still found (against the
/// catalogue, by 档号 across cases), an item filed under another case's file
/// is still found (its case read for that file), and a zip whose entries are
/// not in name order gives the same findings as the folder it was made from.
#[test]
fn case_by_case_checks_find_a_middle_case_tampered_and_do_not_depend_on_zip_order() {
    use std::io::Write as _;
    let (t, root) = demo_run();
    let key = root.join("office/keys/anjuan.pub");
    let bag = unzip(&zip_of(&root), &t.path().join("mid"));
    let mut metas: Vec<PathBuf> = std::fs::read_dir(bag.join("data"))
        .unwrap()
        .map(|e| e.unwrap().path().join("metadata.json"))
        .filter(|p| p.is_file())
        .collect();
    metas.sort();
    assert!(metas.len() >= 3, "{metas:?}");
    let mid = &metas[metas.len() / 2];
    let other_file = {
        let j: Value = serde_json::from_slice(&std::fs::read(&metas[0]).unwrap()).unwrap();
        j["文件"][0]["存储位置"].as_str().unwrap().to_string()
    };
    let mut j: Value = serde_json::from_slice(&std::fs::read(mid).unwrap()).unwrap();
    let items = j["文件"].as_array_mut().unwrap();
    assert!(items.len() >= 2);
    items[0]["题名"] = Value::from("被改动的题名");
    items[0]["页数"] = Value::from(99);
    let changed = items[0]["档号"].as_str().unwrap().to_string();
    items[1]["密级"] = Value::from("特级");
    let secret = items[1]["档号"].as_str().unwrap().to_string();
    // An item of the middle case filed at the first case's first file (the
    // later item filed at a file is the one its checks use, as before).
    let mut moved = items[1].clone();
    moved["档号"] = Value::from("X012-WS·2026-D30-XFB-9999");
    moved["存储位置"] = Value::from(other_file.as_str());
    moved["文书种类"] = Value::from("别的文书");
    items.push(moved);
    std::fs::write(mid, serde_json::to_vec_pretty(&j).unwrap()).unwrap();
    let r = verify::verify(&bag, &opts(&[&key])).unwrap();
    assert!(!r.accepted());
    let found = |id: &str, code: &str, item: &str| {
        r.checks.iter().any(|c| {
            c.id == id
                && c.details
                    .iter()
                    .any(|d| d.code == code && d.item.as_deref() == Some(item))
        })
    };
    assert!(
        found(
            "authenticity.metadata-format",
            "meta.inconsistent",
            &changed
        ),
        "{}",
        failures(&r).join("\n")
    );
    assert!(
        found(
            "authenticity.metadata-format",
            "meta.classification",
            &secret
        ),
        "{}",
        failures(&r).join("\n")
    );
    assert!(
        found("authenticity.file-properties", "props.pages", &changed),
        "{}",
        failures(&r).join("\n")
    );
    expect(
        &r,
        "authenticity.paper-signatures",
        "signature.metadata-mismatch",
        &other_file,
    );

    // The same bag zipped with its entries in reverse name order.
    let mut entries: Vec<PathBuf> = walkdir::WalkDir::new(&bag)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    entries.reverse();
    let zip_path = t.path().join(format!("{BUNDLE}.zip"));
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for p in &entries {
        let rel = p.strip_prefix(&bag).unwrap().to_str().unwrap();
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file(format!("{BUNDLE}/{rel}"), o).unwrap();
        z.write_all(&std::fs::read(p).unwrap()).unwrap();
    }
    z.finish().unwrap();
    let from_zip = verify::verify(&zip_path, &opts(&[&key])).unwrap();
    assert_eq!(details_but_structure(&from_zip), details_but_structure(&r));
    assert!(from_zip
        .checks
        .iter()
        .any(|c| c.id == "security.container" && c.status == verify::report::Status::Pass));
    let structure = from_zip
        .checks
        .iter()
        .find(|c| c.id == "authenticity.structure")
        .unwrap();
    assert!(
        structure.details.iter().any(|d| d.message.contains("排序")),
        "{:?}",
        structure.details
    );
}

/// The bag zipped again in name order (as anjuan lays a zip out, so the
/// central directory is streamed) with `edit` applied to its folder first.
fn rezip_sorted(bag: &Path, to: &Path) -> PathBuf {
    use std::io::Write as _;
    let mut entries: Vec<PathBuf> = walkdir::WalkDir::new(bag)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    let mut z = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for p in &entries {
        let rel = p.strip_prefix(bag).unwrap().to_str().unwrap();
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file(format!("{BUNDLE}/{rel}"), o).unwrap();
        z.write_all(&std::fs::read(p).unwrap()).unwrap();
    }
    z.finish().unwrap();
    to.to_path_buf()
}

/// The payload manifest of a bundle as anjuan writes it is checked line by
/// line as it is read, and one out of name order by the general path: a
/// wrong digest in the middle of it is found either way, with the same
/// findings, from the zip and from the folder alike.
#[test]
fn a_wrong_middle_line_is_found_whether_the_manifest_is_in_order_or_not() {
    let (t, root) = demo_run();
    let key = root.join("office/keys/anjuan.pub");
    let bag = unzip(&zip_of(&root), &t.path().join("m"));
    let manifest = bag.join("manifest-sha256.txt");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let path_of = |l: &String| l.split_once("  ").unwrap().1.to_string();
    assert!(lines.len() > 10 && lines.windows(2).all(|w| path_of(&w[0]) < path_of(&w[1])));
    let mid = lines.len() / 2;
    let victim = path_of(&lines[mid]);
    let flipped = if lines[mid].starts_with('0') {
        "1"
    } else {
        "0"
    };
    lines[mid].replace_range(0..1, flipped);
    let judged = |lines: &[String], name: &str| {
        std::fs::write(&manifest, lines.join("\n") + "\n").unwrap();
        let from_dir = verify::verify(&bag, &opts(&[&key])).unwrap();
        let zip = rezip_sorted(&bag, &t.path().join(name));
        let from_zip = verify::verify(&zip, &opts(&[&key])).unwrap();
        assert!(!from_zip.accepted());
        expect(
            &from_zip,
            "authenticity.fixity-sha256",
            "fixity.mismatch",
            &victim,
        );
        assert_eq!(
            details_but_structure(&from_zip),
            details_but_structure(&from_dir)
        );
        let of = |r: &Report, id: &str| -> Vec<String> {
            r.checks
                .iter()
                .filter(|c| c.id == id)
                .flat_map(|c| c.details.iter().map(|d| format!("{} {:?}", d.code, d.file)))
                .collect()
        };
        let kept = [
            "authenticity.fixity-sha256",
            "integrity.bag-complete",
            "authenticity.fixity-sm3",
        ];
        kept.map(|id| of(&from_zip, id))
    };
    let in_order = judged(&lines, "in-order.zip");
    assert_eq!(in_order[0].len(), 1, "{in_order:?}");
    assert!(
        in_order[1].is_empty() && in_order[2].is_empty(),
        "{in_order:?}"
    );
    lines.reverse();
    assert_eq!(judged(&lines, "reversed.zip"), in_order);
}

/// The catalogue's rows are read as a stream (twice when a 档号 repeats):
/// a repeated 档号 is named with how often it occurs, a row whose file is
/// not in the bag and a paper without a row are named, and the counts come
/// out as the rows say.
#[test]
fn catalogue_rows_streamed_still_name_repeats_and_missing_files() {
    let (t, root) = demo_run();
    let key = root.join("office/keys/anjuan.pub");
    let bag = unzip(&zip_of(&root), &t.path().join("rows"));
    let cat = bag.join("data/catalogue.json");
    let mut j: Value = serde_json::from_slice(&std::fs::read(&cat).unwrap()).unwrap();
    let rows = j["文件"].as_array_mut().unwrap();
    assert!(rows.len() > 6);
    let first = rows[0]["档号"].as_str().unwrap().to_string();
    let last = rows.len() - 1;
    rows[last]["档号"] = Value::from(first.as_str());
    rows[3]["档号"] = Value::from(first.as_str());
    let moved = rows[2]["存储位置"].as_str().unwrap().to_string();
    rows[2]["存储位置"] = Value::from("data/nowhere/x.pdf");
    std::fs::write(&cat, serde_json::to_vec_pretty(&j).unwrap()).unwrap();
    let r = verify::verify(&bag, &opts(&[&key])).unwrap();
    let repeated: Vec<(Option<String>, String)> = r
        .checks
        .iter()
        .flat_map(|c| &c.details)
        .filter(|d| d.code == "meta.duplicate-code")
        .map(|d| (d.item.clone(), d.message.clone()))
        .collect();
    assert_eq!(
        repeated,
        [(Some(first.clone()), "档号重复 3 次".to_string())]
    );
    expect(
        &r,
        "integrity.content-files",
        "content.missing-file",
        "data/nowhere/x.pdf",
    );
    expect(
        &r,
        "integrity.content-files",
        "content.unlisted-file",
        &moved,
    );
}
