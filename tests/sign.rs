//! Keys and signatures in the minisign format, checked against the stock
//! `minisign` tool both ways (Debian package `minisign`).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn minisign(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("minisign")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("minisign (apt-get install minisign)")
}

#[test]
fn stock_minisign_verifies_our_signatures_and_we_verify_its() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = anjuan(d, &["key", "new", "--unencrypted", "-o", "keys"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    std::fs::create_dir_all(d.join("XF-2026-0001")).unwrap();
    std::fs::write(
        d.join("XF-2026-0001/03-处理意见书.pdf"),
        b"%PDF-1.7 test paper",
    )
    .unwrap();
    let o = anjuan(
        d,
        &[
            "sign",
            "--key",
            "keys/anjuan.key",
            "XF-2026-0001/03-处理意见书.pdf",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    // Stock minisign accepts it, and the trusted comment binds case, paper, file and digest.
    let m = minisign(
        d,
        &[
            "-Vm",
            "XF-2026-0001/03-处理意见书.pdf",
            "-p",
            "keys/anjuan.pub",
        ],
    );
    let out = String::from_utf8_lossy(&m.stdout).into_owned() + &String::from_utf8_lossy(&m.stderr);
    assert!(m.status.success(), "{out}");
    assert!(
        out.contains("case=XF-2026-0001 paper=处理意见书 file=03-处理意见书.pdf sha256="),
        "{out}"
    );
    // A signature by stock minisign verifies with anjuan …
    assert!(minisign(d, &["-G", "-W", "-p", "m.pub", "-s", "m.key"])
        .status
        .success());
    std::fs::write(d.join("letter.txt"), "来信原件扫描").unwrap();
    assert!(minisign(
        d,
        &["-Sm", "letter.txt", "-s", "m.key", "-t", "scanned by clerk"]
    )
    .status
    .success());
    let o = anjuan(d, &["verify-sig", "letter.txt", "--pub", "m.pub"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(text_of(&o).contains("scanned by clerk"));
    // … and tampering, or the wrong key, is refused.
    std::fs::write(d.join("letter.txt"), "来信原件扫描（改）").unwrap();
    let o = anjuan(d, &["verify-sig", "letter.txt", "--pub", "m.pub"]);
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    let o = anjuan(
        d,
        &[
            "verify-sig",
            "XF-2026-0001/03-处理意见书.pdf",
            "--pub",
            "m.pub",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    // A signature moved to another file with the same bytes is refused by its binding.
    std::fs::copy(
        d.join("XF-2026-0001/03-处理意见书.pdf"),
        d.join("XF-2026-0001/04-其他.pdf"),
    )
    .unwrap();
    std::fs::copy(
        d.join("XF-2026-0001/03-处理意见书.pdf.minisig"),
        d.join("XF-2026-0001/04-其他.pdf.minisig"),
    )
    .unwrap();
    let o = anjuan(
        d,
        &[
            "verify-sig",
            "XF-2026-0001/04-其他.pdf",
            "--pub",
            "keys/anjuan.pub",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    assert!(text_of(&o).contains("签名与文件不符"), "{}", text_of(&o));
}

#[test]
fn secret_keys_are_passphrase_protected() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .current_dir(d)
        .env("MY_PASS", "信访 passphrase 2026")
        .args(["key", "new", "--passphrase-env", "MY_PASS", "-o", "keys"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let key = std::fs::read_to_string(d.join("keys/anjuan.key")).unwrap();
    // Stock minisign sees an encrypted key (it asks for the password and fails without one).
    std::fs::write(d.join("a.txt"), "x").unwrap();
    let sign = |pass: &str| {
        Command::new(env!("CARGO_BIN_EXE_anjuan"))
            .current_dir(d)
            .env("ANJUAN_PASSPHRASE", pass)
            .args(["sign", "--key", "keys/anjuan.key", "a.txt"])
            .output()
            .unwrap()
    };
    let o = sign("wrong");
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(text_of(&o).contains("口令"), "{}", text_of(&o));
    assert!(!d.join("a.txt.minisig").exists());
    let o = sign("信访 passphrase 2026");
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(minisign(d, &["-Vm", "a.txt", "-p", "keys/anjuan.pub"])
        .status
        .success());
    assert!(key.lines().count() >= 2);
    // A second `key new` does not overwrite the office key.
    let o = anjuan(d, &["key", "new", "--unencrypted", "-o", "keys"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn rendering_signs_every_paper_when_the_office_has_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(
        anjuan(d, &["key", "new", "--unencrypted", "-o", "keys"])
            .status
            .code(),
        Some(0)
    );
    let cfg = std::fs::read_to_string(demo().join("anjuan.toml")).unwrap()
        + "\n[signing]\nkey = \"keys/anjuan.key\"\npublic = \"keys/anjuan.pub\"\n";
    std::fs::write(d.join("anjuan.toml"), cfg).unwrap();
    std::fs::create_dir_all(d.join("cases")).unwrap();
    std::fs::copy(
        demo().join("cases/XF-2026-0002.toml"),
        d.join("cases/XF-2026-0002.toml"),
    )
    .unwrap();
    let o = anjuan(d, &["render", ".", "-o", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let folder = d.join("out/XF-2026-0002");
    let pdfs: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    assert!(!pdfs.is_empty());
    for p in &pdfs {
        let rel = p.strip_prefix(d).unwrap().to_string_lossy().into_owned();
        let m = minisign(d, &["-Vm", &rel, "-p", "keys/anjuan.pub"]);
        let out = String::from_utf8_lossy(&m.stdout).into_owned();
        assert!(m.status.success(), "{rel}: {out}");
        assert!(out.contains("case=XF-2026-0002"), "{out}");
    }
}

/// A key made by stock `minisign -G -W` (unencrypted: no KDF, no checksum) signs
/// without asking for a passphrase, and stock minisign verifies what it signed.
#[test]
fn a_stock_minisign_unencrypted_key_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = minisign(d, &["-G", "-W", "-p", "stock.pub", "-s", "stock.key"]);
    assert!(o.status.success(), "{}", text_of(&o));
    std::fs::write(d.join("paper.pdf"), b"%PDF-1.7 stock key test").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .current_dir(d)
        .env_remove("ANJUAN_PASSPHRASE")
        .args(["sign", "--key", "stock.key", "paper.pdf"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let o = minisign(d, &["-V", "-p", "stock.pub", "-m", "paper.pdf"]);
    assert!(o.status.success(), "{}", text_of(&o));
    // Public keys and signatures are for others to read: 0644.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("paper.pdf.minisig"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}
