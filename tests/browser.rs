//! The desk in a real browser: `anjuan serve` on a copy of the demo office,
//! driven by the scripts of `tests/e2e/` (`desk.mjs`, `archive.mjs`,
//! `chain.mjs`, sharing `lib.mjs`; playwright-core from npm, Debian's chromium). Needs `npm ci --prefix tests/e2e` and the
//! `chromium` package (`.ci/run` installs both; README: Tests). Screenshots of
//! the main pages go to `$ANJUAN_SHOTS` when it is set (the README's come from
//! there).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::desk::*;
use common::{anjuan, root, text_of};

/// Runs `tests/e2e/SCRIPT` in Debian's chromium against `server` (the office
/// folder and the accounts in its environment, with `more`), screenshots to
/// `$ANJUAN_SHOTS` when set; prints what it said and fails the test on a failed
/// step.
fn browse(script: &str, server: &Server, office: &Path, more: &[(&str, &Path)]) {
    let e2e = root().join("tests/e2e");
    assert!(
        e2e.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `npm ci --prefix tests/e2e` (README: Tests)"
    );
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        chromium.is_file(),
        "no browser at {}: install Debian's chromium (README: Tests) or set CHROMIUM",
        chromium.display()
    );
    let mut node = Command::new("node");
    node.arg(e2e.join(script))
        .current_dir(&e2e)
        .env("DESK_URL", format!("http://{}", server.addr))
        .env("OFFICE", office)
        .env("PW", PW)
        .env("CLERK", "李静")
        .env("LEADER", "孙丽华")
        .env("ARCHIVIST", "钱档")
        .env("RECEIVER", "赵收")
        .env("ADMIN", "管理员甲")
        .env("CHROMIUM", &chromium);
    for (k, v) in more {
        node.env(k, v);
    }
    if let Some(shots) = std::env::var_os("ANJUAN_SHOTS") {
        node.env("SHOTS", shots);
    }
    let o = node.output().expect("run node (Node.js 18 or newer)");
    let text = text_of(&o);
    println!("{text}");
    assert!(o.status.success(), "the browser run failed:\n{text}");
}

/// The office's audit trail verifies and holds each of `actions`.
fn audited(dir: &Path, office: &Path, actions: &[&str]) {
    let v = anjuan(dir, &["audit", "verify", office.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", text_of(&v));
    let log = audit_log(office);
    for action in actions {
        assert!(
            log.contains(&format!("\"{action}\"")),
            "no {action} in the audit trail:\n{log}"
        );
    }
}

#[test]
fn the_desk_end_to_end_in_chromium() {
    let (t, office) = office();
    let server = serve(&office, &[]);
    browse("desk.mjs", &server, &office, &[]);
    drop(server);
    // Every write the desk made is in the audit trail, and the trail is intact.
    audited(
        t.path(),
        &office,
        &[
            "login",
            "login.failed",
            "case.create",
            "paper.render",
            "access.denied",
            "logout",
        ],
    );
}

#[test]
fn the_archive_page_follows_a_pack_live_in_chromium() {
    let (t, office) = demo_office();
    let server = serve(&office, &[]);
    browse("archive.mjs", &server, &office, &[]);
    drop(server);
    audited(t.path(), &office, &["pack.start", "pack.done"]);
}

/// A case through the whole chain, each person at their own desk
/// (`tests/e2e/chain.mjs`): drafted, signed off, rendered, served, closed,
/// packed, received, accepted with a receipt; the audit trail intact after.
#[test]
fn a_case_goes_from_draft_to_receipt_in_chromium() {
    let (t, office) = demo_office();
    let work = t.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let server = serve(&office, &[]);
    browse("chain.mjs", &server, &office, &[("WORK", &work)]);
    drop(server);
    // The case file as the command line sees it: no error.
    let c = anjuan(
        t.path(),
        &[
            "check",
            office.join("cases/XF-2026-0007.toml").to_str().unwrap(),
        ],
    );
    assert!(
        text_of(&c).contains("0 个错误"),
        "the closed case has errors:\n{}",
        text_of(&c)
    );
    audited(
        t.path(),
        &office,
        &[
            "case.edit",
            "opinion.signoff",
            "paper.render",
            "delivery.record",
            "case.close",
            "pack.start",
            "pack.done",
            "bundle.verify",
            "bundle.accept",
            "receipt",
        ],
    );
}
