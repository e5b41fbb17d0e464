//! The desk's uploads, over real HTTP: 接收 (a bundle streamed into the office,
//! checked by the library's 四性检测, accepted with a signed receipt) and 台账
//! (a spreadsheet previewed cell by cell, imported on confirm, exported). The
//! hostile-zip corpus is replayed through the upload form: every zip refused
//! with a Chinese page, the server's memory bounded, nothing written outside
//! the office.

mod common;

use std::collections::BTreeSet;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use common::desk::*;

fn no_passphrase(p: &Path) -> Result<String, anjuan::office::setup::SetupError> {
    Err(anjuan::office::setup::SetupError::Read(p.to_path_buf()))
}

/// Gives `office` an unencrypted signing key (the receiver signs its receipts
/// with it); returns the public key's path.
fn add_key(office: &Path) -> PathBuf {
    let mut config = std::fs::read_to_string(office.join("anjuan.toml")).unwrap();
    config.push_str("\n[signing]\nkey = \"keys/anjuan.key\"\npublic = \"keys/anjuan.pub\"\n");
    std::fs::write(office.join("anjuan.toml"), config).unwrap();
    let (pk, sk) = anjuan::sign::generate(String::new()).unwrap();
    std::fs::create_dir_all(office.join("keys")).unwrap();
    std::fs::write(office.join("keys/anjuan.key"), sk).unwrap();
    std::fs::write(office.join("keys/anjuan.pub"), pk).unwrap();
    office.join("keys/anjuan.pub")
}

/// The demo office's year bundle, rendered, signed and packed through the
/// library once per test binary.
fn good_bundle() -> &'static [u8] {
    &sent().0
}

/// The sending office's public key (the receiver trusts it, or not).
fn sender_key() -> &'static [u8] {
    &sent().1
}

/// Makes `office` (given its key by [`add_key`], whose `[signing]` table ends
/// anjuan.toml) trust the sender's key, as a receiving office does.
fn trust_sender(office: &Path) {
    std::fs::create_dir_all(office.join("keys/trusted")).unwrap();
    std::fs::write(office.join("keys/trusted/sender.pub"), sender_key()).unwrap();
    let mut config = std::fs::read_to_string(office.join("anjuan.toml")).unwrap();
    assert!(config.trim_end().ends_with("public = \"keys/anjuan.pub\""));
    config.push_str("trusted = [\"keys/trusted\"]\n");
    std::fs::write(office.join("anjuan.toml"), config).unwrap();
}

fn sent() -> &'static (Vec<u8>, Vec<u8>) {
    static BUNDLE: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        let t = tempfile::tempdir().unwrap();
        let office = t.path().join("sender");
        common::copy_demo(&office);
        let public = add_key(&office);
        let opts = anjuan::office::render::RenderOptions {
            actor: "test:sender".into(),
            ..Default::default()
        };
        let r = anjuan::office::render::render(
            std::slice::from_ref(&office),
            &opts,
            &no_passphrase,
            &anjuan::office::progress::silent,
        )
        .unwrap();
        assert_eq!(r.failures(), 0, "{:?}", r.failed);
        let popts = anjuan::office::pack::PackOptions {
            config: None,
            scope: anjuan::archive::pack::Scope::Year(2026),
            output: None,
            unsigned: false,
            papers: None,
            date: None,
            force: false,
            look: Default::default(),
            actor: "test:sender".into(),
        };
        let packed = anjuan::office::pack::pack(
            &office,
            &popts,
            &no_passphrase,
            &anjuan::office::progress::silent,
        )
        .unwrap();
        (
            std::fs::read(&packed.package).unwrap(),
            std::fs::read(public).unwrap(),
        )
    })
}

/// The names in a folder (not recursive), for "nothing written here".
fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn uploads(office: &Path) -> BTreeSet<String> {
    names(&office.join(".anjuan/uploads"))
}

/// The peak resident memory of a process (VmHWM), in kB.
fn peak_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

fn audit_verify(office: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .args(["audit", "verify"])
        .arg(office)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::text_of(&o));
}

#[test]
fn a_receiver_checks_accepts_and_downloads_the_receipt() {
    let bundle = good_bundle();
    let (_t, dir) = office();
    let public = add_key(&dir);
    trust_sender(&dir);
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "赵收");
    let home = c.get("/");
    // (Tera writes `/` in attributes as `&#x2F;`.)
    assert!(
        home.text().contains(r#"href="&#x2F;receive""#),
        "menu: 接收"
    );
    assert!(
        !home.text().contains(r#"href="&#x2F;ledger""#),
        "no 台账 for a receiver"
    );
    let page = c.get("/receive");
    assert_eq!(page.status, 200);
    assert!(page.text().contains(r#"enctype="multipart/form-data""#));

    let r = c.upload("/receive", &token, "X012-WS-2026-XFB.zip", bundle);
    let text = r.text();
    assert_eq!(r.status, 200, "{text}");
    for p in [
        "真实性",
        "完整性",
        "可用性",
        "安全性",
        "通过，可以接收",
        "X012-WS-2026-XFB",
    ] {
        assert!(text.contains(p), "{p} missing: {text}");
    }
    assert_eq!(uploads(&dir).len(), 1, "held for the receiver to accept");
    let action = format!(
        "/receive/{}",
        attr_after(&text, r#"<form method="post" action="/receive/"#)
    );
    assert!(action.ends_with("/accept"), "{action}");
    let log = audit_log(&dir);
    assert!(log.contains("\"bundle.verify\"") && log.contains("通过：SHA-256"));

    let done = c.post(&action, &form(&[("csrf", &token)]));
    let text = done.text();
    assert_eq!(done.status, 200, "{text}");
    assert!(text.contains("已出具接收回执"), "{text}");
    assert!(uploads(&dir).is_empty(), "the upload moved into 接收/");
    let kept = dir.join("接收/X012-WS-2026-XFB");
    assert_eq!(
        std::fs::read(kept.join("X012-WS-2026-XFB.zip")).unwrap(),
        bundle
    );
    // The receipt, downloaded, checks out with the receiver's key for these bytes.
    let link = attr_after(&text, r#"<p><a href=""#);
    let got = c.get(&link);
    assert_eq!(got.status, 200, "{link}");
    assert!(got
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment"));
    let sig = c.get(&format!("{link}.minisig"));
    assert_eq!(sig.status, 200);
    let t = tempfile::tempdir().unwrap();
    let receipt = t.path().join("接收回执-X012-WS-2026-XFB.json");
    std::fs::write(&receipt, &got.body).unwrap();
    std::fs::write(
        t.path().join("接收回执-X012-WS-2026-XFB.json.minisig"),
        &sig.body,
    )
    .unwrap();
    let zip = t.path().join("X012-WS-2026-XFB.zip");
    std::fs::write(&zip, bundle).unwrap();
    let checked = anjuan::office::verify::check_receipt(&receipt, &public, Some(&zip)).unwrap();
    assert!(
        checked.signature_ok && checked.doc.valid && checked.doc.accepted,
        "{:?}",
        checked.doc.problems
    );
    let log = audit_log(&dir);
    for a in ["\"bundle.accept\"", "\"receipt\"", "desk:赵收"] {
        assert!(log.contains(a), "{a} missing: {log}");
    }
    audit_verify(&dir);

    // The same id again: nothing waits any more. The list shows what was received.
    assert_eq!(c.post(&action, &form(&[("csrf", &token)])).status, 404);
    assert!(c
        .get("/receive")
        .text()
        .contains("接收回执-X012-WS-2026-XFB.pdf"));
    // Confined to its folder.
    assert_eq!(c.get("/received/..%2F..%2Fanjuan.toml/x").status, 404);
    assert_eq!(
        c.get("/received/X012-WS-2026-XFB/..%2F..%2Fanjuan.toml")
            .status,
        404
    );
}

#[test]
fn a_tampered_bundle_fails_and_gets_no_receipt() {
    let mut bundle = good_bundle().to_vec();
    let mid = bundle.len() / 2;
    bundle[mid] ^= 0x55;
    let (_t, dir) = office();
    add_key(&dir);
    trust_sender(&dir);
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "赵收");
    let r = c.upload("/receive", &token, "X012-WS-2026-XFB.zip", &bundle);
    let text = r.text();
    assert_eq!(r.status, 422, "{text}");
    assert!(
        text.contains("不予接收") && text.contains("不通过"),
        "{text}"
    );
    assert!(!text.contains("/accept"), "no accept form: {text}");
    assert!(
        uploads(&dir).is_empty(),
        "a failed upload is removed at once"
    );
    assert!(audit_log(&dir).contains("不通过"));
    // Accepting anyway, with a made-up id: refused server-side, nothing kept.
    let forged = c.post(
        &format!("/receive/{}/accept", "0".repeat(64)),
        &form(&[("csrf", &token)]),
    );
    assert_eq!(forged.status, 404);
    assert!(names(&dir.join("接收")).is_empty());
    audit_verify(&dir);
}

#[test]
fn hostile_zips_are_refused_in_bounded_memory_writing_nothing_outside() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile-zips");
    let warnings: BTreeSet<String> = std::fs::read_to_string(corpus.join("warnings.tsv"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split('\t').next())
        .map(str::to_string)
        .collect();
    let (t, dir) = office();
    let scratch = t.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let s = serve_with(
        &dir,
        &[],
        Some(&scratch),
        &[("TMPDIR", scratch.as_os_str())],
    );
    let pid = s.child.id();
    let outside_before = names(t.path());
    let corpus_before = names(&corpus);
    let parent_of_corpus = names(corpus.parent().unwrap());
    let (mut c, token) = Client::signed_in(&s, "赵收");
    let before = peak_kb(pid);
    let mut zips: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .collect();
    zips.sort();
    assert!(zips.len() >= 60, "only {} fixtures", zips.len());
    for z in &zips {
        let file = z.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(z).unwrap();
        let r = c.upload("/receive", &token, &file, &bytes);
        let text = r.text();
        assert!(r.status < 500, "{file}: {} {text}", r.status);
        assert!(
            r.header("content-type")
                .is_some_and(|t| t.starts_with("text/html")),
            "{file}: a page"
        );
        if warnings.contains(&file) {
            assert!(matches!(r.status, 200 | 422), "{file}: {}", r.status);
        } else {
            assert_eq!(r.status, 422, "{file}: {text}");
            assert!(text.contains("不予接收"), "{file}: {text}");
            assert!(!text.contains("/accept"), "{file}: no accept form");
        }
    }
    let after = peak_kb(pid);
    eprintln!("server VmHWM: {before} kB before, {after} kB after the corpus");
    assert!(after < 300 * 1024, "server peak memory {after} kB");
    // 96 MiB that are no zip: streamed to disk, refused, the memory flat.
    let mut big = vec![0u8; 96 << 20];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for b in big.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    let r = c.upload("/receive", &token, "big.zip", &big);
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("不予接收"));
    drop(big);
    let big_peak = peak_kb(pid);
    eprintln!("server VmHWM: {big_peak} kB after a 96 MiB upload");
    assert!(
        big_peak < after + 48 * 1024,
        "a 96 MiB upload raised the peak from {after} to {big_peak} kB"
    );
    // Logging out drops what waits (the look-alike names that pass).
    let out = c.post("/logout", &form(&[("csrf", &token)]));
    assert_eq!(out.status, 303);
    assert!(uploads(&dir).is_empty(), "{:?}", uploads(&dir));
    assert!(names(&scratch).is_empty(), "scratch: {:?}", names(&scratch));
    assert_eq!(names(t.path()), outside_before);
    assert_eq!(names(&corpus), corpus_before);
    assert_eq!(names(corpus.parent().unwrap()), parent_of_corpus);
    assert!(names(&dir.join("接收")).is_empty());
    audit_verify(&dir);
}

#[test]
fn an_oversized_upload_is_refused_before_its_body_and_one_without_the_token() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (c, token) = Client::signed_in(&s, "赵收");
    let cookie: Vec<String> = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    // 16 GiB and one byte announced, not a byte sent: the answer comes at once.
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST /receive?csrf={token} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\n\r\n",
        s.addr,
        cookie.join("; "),
        (16u64 << 30) + 1
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("超过上限 16 GiB"), "{text}");
    assert!(uploads(&dir).is_empty());

    // Without the token: 403, the body never read, nothing stored.
    let mut c = c;
    let (ct, body) = multipart("a.zip", b"PK\x03\x04 not really");
    let r = c.send_bytes("POST", "/receive", Some(&body), &[("Content-Type", &ct)]);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("CSRF"));
    let r = c.upload("/receive", "0000", "a.zip", b"PK");
    assert_eq!(r.status, 403);
    assert!(uploads(&dir).is_empty());
}

#[test]
fn the_roles_are_kept_apart() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (mut clerk, ct) = Client::signed_in(&s, "李静");
    let home = clerk.get("/").text();
    assert!(home.contains(r#"href="&#x2F;ledger""#) && !home.contains(r#"href="&#x2F;receive""#));
    assert_eq!(clerk.get("/receive").status, 403);
    let r = clerk.upload("/receive", &ct, "a.zip", b"PK");
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(
        uploads(&dir).is_empty(),
        "refused before the body is stored"
    );
    let (mut receiver, rt) = Client::signed_in(&s, "赵收");
    assert_eq!(receiver.get("/ledger").status, 403);
    assert_eq!(receiver.get("/ledger/export").status, 403);
    let r = receiver.upload("/ledger/import", &rt, "台账.csv", b"a,b\n");
    assert_eq!(r.status, 403);
    let (mut leader, _) = Client::signed_in(&s, "孙丽华");
    let page = leader.get("/ledger");
    assert_eq!(page.status, 200);
    assert!(
        !page.text().contains("/ledger/import"),
        "the leader exports only"
    );
    assert_eq!(leader.get("/ledger/export").status, 200);
    let log = audit_log(&dir);
    let denied: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("access.denied"))
        .collect();
    for (who, path) in [
        ("李静", "/receive"),
        ("赵收", "/ledger"),
        ("赵收", "/ledger/export"),
        ("赵收", "/ledger/import"),
    ] {
        assert!(
            denied
                .iter()
                .any(|l| l.contains(who) && l.contains(&format!("\"{path}\""))),
            "{who} {path}: {denied:?}"
        );
    }
    audit_verify(&dir);
}

#[test]
fn a_clerk_previews_a_ledger_then_imports_it_and_exports_the_ledger() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "李静");

    // A bad cell: shown at its row and column, nothing written, nothing kept.
    let bad =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-ledgers/01-id-checksum.csv");
    let csv = std::fs::read(&bad).unwrap();
    let before = names(&dir.join("cases"));
    let r = c.upload("/ledger/import", &token, "01-id-checksum.csv", &csv);
    let text = r.text();
    assert_eq!(r.status, 422, "{text}");
    let row = r#"<td class="num">3</td><td>E</td><td>身份证号码</td><td>错误</td>"#;
    assert!(text.contains(row), "finding at row 3, column E: {text}");
    assert!(text.contains("id-checksum"), "{text}");
    assert!(!text.contains("确认导入"), "no confirm with errors");
    for id in regex_like_ids(&String::from_utf8_lossy(&csv)) {
        assert!(!text.contains(&id), "identity number {id} shown unmasked");
    }
    assert_eq!(names(&dir.join("cases")), before);
    assert!(uploads(&dir).is_empty());

    // The export: a workbook of every case, audited.
    let x = c.get("/ledger/export");
    assert_eq!(x.status, 200);
    assert!(x.header("content-type").unwrap().contains("spreadsheetml"));
    assert!(x.body.starts_with(b"PK"), "an xlsx is a zip");
    assert!(x.header("content-disposition").unwrap().contains(".xlsx"));
    assert!(audit_log(&dir).contains("\"ledger.export\""));
    let masked = c.get("/ledger/export?mask=1");
    assert_eq!(masked.status, 200);
    assert!(masked
        .header("content-disposition")
        .unwrap()
        .contains("%E8%84%B1%E6%95%8F"));

    // The same ledger with the number corrected: previewed, then imported on confirm.
    let text = String::from_utf8(csv).unwrap();
    let wrong = "330122197009063132";
    let body = &wrong[..17];
    let right = format!("{body}{}", anjuan::case::idnum::check_char(body).unwrap());
    let good = text.replace(wrong, &right);
    let cases = dir.join("cases");
    let r = c.upload("/ledger/import", &token, "台账.csv", good.as_bytes());
    let text = r.text();
    assert_eq!(r.status, 200, "{text}");
    assert!(text.contains("确认导入 3 件"), "{text}");
    assert!(!text.contains(&right), "identity numbers masked");
    assert_eq!(names(&cases), before, "a preview writes nothing");
    assert_eq!(uploads(&dir).len(), 1);
    let action = format!(
        "/ledger/import/{}",
        attr_after(&text, r#"<form method="post" action="/ledger/import/"#)
    );
    let done = c.post(&action, &form(&[("csrf", &token)]));
    let text = done.text();
    assert_eq!(done.status, 200, "{text}");
    assert!(
        text.contains("台账已导入") && text.contains("已写入 3 个案件文件"),
        "{text}"
    );
    let after = names(&cases);
    for id in ["XF-2026-0101", "XF-2026-0102", "XF-2026-0105"] {
        assert!(after.contains(&format!("{id}.toml")), "{id}: {after:?}");
    }
    assert_eq!(after.len(), before.len() + 3);
    assert!(uploads(&dir).is_empty());
    let log = audit_log(&dir);
    assert!(log.contains("\"ledger.import\"") && log.contains("新案件 3 件"));
    assert!(log.contains("\"case.create\"") && log.contains("desk:李静"));
    // Once only.
    assert_eq!(c.post(&action, &form(&[("csrf", &token)])).status, 404);
    // The new cases are listed.
    assert!(c.get("/cases").text().contains("XF-2026-0105"));
    audit_verify(&dir);
}

/// The 18-character identity numbers in a text.
fn regex_like_ids(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 18 <= chars.len() {
        let w = &chars[i..i + 18];
        let ok = w[..17].iter().all(|c| c.is_ascii_digit())
            && (w[17].is_ascii_digit() || w[17] == 'X')
            && (i == 0 || !chars[i - 1].is_ascii_digit());
        if ok {
            out.push(w.iter().collect());
            i += 18;
        } else {
            i += 1;
        }
    }
    out
}

/// A receipt says who signed the bundle was checked: with no trusted key
/// configured the bundle can be checked but not accepted, and a bundle signed
/// by a key the office does not trust fails the check.
#[test]
fn a_receipt_needs_the_senders_key_trusted() {
    let bundle = good_bundle();
    let (_t, dir) = office();
    add_key(&dir);
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "赵收");
    let page = c.get("/receive").text();
    assert!(page.contains("id=\"no-trust\""), "{page}");
    let r = c.upload("/receive", &token, "X012-WS-2026-XFB.zip", bundle);
    let text = r.text();
    assert_eq!(r.status, 200, "{text}");
    let action = format!(
        "/receive/{}",
        attr_after(&text, r#"<form method="post" action="/receive/"#)
    );
    let refused = c.post(&action, &form(&[("csrf", &token)]));
    let text = refused.text();
    assert_eq!(refused.status, 409, "{text}");
    assert!(text.contains("未配置可信公钥"), "{text}");
    assert!(
        text.contains("[signing]"),
        "the remedy names the setting: {text}"
    );
    assert!(names(&dir.join("接收")).is_empty(), "nothing received");
    assert!(uploads(&dir).is_empty());
    drop(s);

    // Trusting another office's key: the bundle's signer is not trusted.
    let (other, _) = anjuan::sign::generate(String::new()).unwrap();
    std::fs::create_dir_all(dir.join("keys/trusted")).unwrap();
    std::fs::write(dir.join("keys/trusted/other.pub"), other).unwrap();
    let mut config = std::fs::read_to_string(dir.join("anjuan.toml")).unwrap();
    config.push_str("trusted = [\"keys/trusted\"]\n");
    std::fs::write(dir.join("anjuan.toml"), config).unwrap();
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "赵收");
    let r = c.upload("/receive", &token, "X012-WS-2026-XFB.zip", bundle);
    let text = r.text();
    assert_eq!(r.status, 422, "{text}");
    assert!(text.contains("不在可信公钥之列"), "{text}");
    assert!(!text.contains("/accept"), "no accept form: {text}");
    assert!(uploads(&dir).is_empty(), "a failing bundle is not kept");
}
