//! The desk's HTTP API (`/api/v1`), over real HTTP on a copy of the demo
//! office: token authentication, roles and their audit, registering a case with
//! findings at their fields, masking by role, the OpenAPI document — and
//! schemathesis (PyPI) run against the live server: no 5xx, no response outside
//! the document.

mod common;

use std::path::Path;
use std::process::Command;

use common::desk::*;
use common::text_of;

/// An API token for `name`, issued by the command line.
fn token(office: &Path, name: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .args(["user", "token"])
        .arg(office)
        .arg(name)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text_of(&o));
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

fn call(s: &Server, method: &str, path: &str, token: Option<&str>, json: Option<&str>) -> Resp {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut extra: Vec<(&str, &str)> = Vec::new();
    if let Some(a) = &auth {
        extra.push(("Authorization", a));
    }
    if json.is_some() {
        extra.push(("Content-Type", "application/json"));
    }
    Client::new(s).send(method, path, json, &extra)
}

/// A raw body (an upload) with a token.
fn upload(s: &Server, path: &str, token: &str, body: &[u8]) -> Resp {
    let auth = format!("Bearer {token}");
    Client::new(s).send_bytes(
        "POST",
        path,
        Some(body),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/octet-stream"),
        ],
    )
}

/// A request whose `Content-Length` says `claimed` bytes while none are sent:
/// the status, which must come before the body is read.
fn oversized(s: &Server, path: &str, token: &str, claimed: u64) -> u16 {
    use std::io::{Read as _, Write as _};
    let mut c = std::net::TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        c,
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: {claimed}\r\n\r\n",
        s.addr
    )
    .unwrap();
    let mut head = [0u8; 12];
    c.read_exact(&mut head).expect("an answer without the body");
    String::from_utf8_lossy(&head[9..12]).parse().unwrap()
}

fn denied(office: &Path, what: &str) -> bool {
    audit_log(office)
        .lines()
        .any(|l| l.contains("\"access.denied\"") && l.contains(what))
}

fn value(r: &Resp) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.text()))
}

fn case_files(office: &Path) -> usize {
    std::fs::read_dir(office.join("cases")).unwrap().count()
}

const BAD_CASE: &str = r#"{"channel":"来信","received":"2026-11-20",
  "petitioners":[{"name":"周海燕","id_number":"110101199003071234","phone":"13912345678"}],
  "summary":"请求修复门前道路","requests":["修复道路"],"category":"城乡建设"}"#;

#[test]
fn tokens_roles_findings_and_masking() {
    let (_t, office) = office();
    let s = serve(&office, &[]);
    let clerk = token(&office, "李静");
    let receiver = token(&office, "赵收");

    // No token, a wrong one, a session cookie instead: 401, JSON.
    let r = call(&s, "GET", "/api/v1/cases", None, None);
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert!(value(&r)["error"].as_str().unwrap().contains("令牌"));
    let r = call(&s, "GET", "/api/v1/cases", Some("anjuan_forged"), None);
    assert_eq!(r.status, 401);
    let (mut browser, _) = Client::signed_in(&s, "李静");
    assert_eq!(
        browser.get("/api/v1/cases").status,
        401,
        "the API must not take the session cookie"
    );

    // The list: masked, paged, filtered.
    let r = call(
        &s,
        "GET",
        "/api/v1/cases?per_page=3&page=1",
        Some(&clerk),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = value(&r);
    assert_eq!(v["schema"], "anjuan-api-cases/1");
    assert_eq!(v["cases"].as_array().unwrap().len(), 3);
    let total = v["total"].as_u64().unwrap();
    assert_eq!(total as usize, case_files(&office));
    let r = call(&s, "GET", "/api/v1/cases?per_page=0", Some(&clerk), None);
    assert_eq!(r.status, 400);
    let r = call(&s, "GET", "/api/v1/cases?stage=已结案", Some(&clerk), None);
    let closed = value(&r)["cases"].as_array().unwrap().clone();
    assert!(!closed.is_empty() && closed.iter().all(|c| c["stage"] == "已结案"));

    // A receiver may read but not register: 403, audited, nothing written.
    let before = case_files(&office);
    let r = call(&s, "POST", "/api/v1/cases", Some(&receiver), Some(BAD_CASE));
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(case_files(&office), before);
    assert!(audit_log(&office).contains("\"access.denied\""));

    // The clerk's case with a wrong check digit: 422, the finding at its field.
    let r = call(&s, "POST", "/api/v1/cases", Some(&clerk), Some(BAD_CASE));
    assert_eq!(r.status, 422, "{}", r.text());
    let v = value(&r);
    let at_id: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["field"] == "petitioners[0].id_number")
        .collect();
    assert!(!at_id.is_empty(), "{v}");
    assert!(
        !r.text().contains("110101199003071234"),
        "a whole number in an error: {}",
        r.text()
    );
    assert_eq!(case_files(&office), before);

    // Corrected: 201, the file, the audit line.
    let good = BAD_CASE.replace("110101199003071234", "110101199003071233");
    let r = call(&s, "POST", "/api/v1/cases", Some(&clerk), Some(&good));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = value(&r)["id"].as_str().unwrap().to_string();
    assert!(office.join("cases").join(format!("{id}.toml")).is_file());
    assert_eq!(case_files(&office), before + 1);
    assert!(audit_log(&office).contains(&format!("\"{id}\"")));

    // The record: whole numbers for the clerk, masked for the receiver.
    let r = call(
        &s,
        "GET",
        &format!("/api/v1/cases/{id}"),
        Some(&clerk),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("110101199003071233") && r.text().contains("13912345678"));
    assert_eq!(value(&r)["identity_shown"], true);
    let r = call(
        &s,
        "GET",
        &format!("/api/v1/cases/{id}"),
        Some(&receiver),
        None,
    );
    assert_eq!(r.status, 200);
    assert!(!r.text().contains("110101199003071233") && !r.text().contains("13912345678"));
    assert_eq!(value(&r)["identity_shown"], false);
    // …and masked in every list, whoever asks.
    let r = call(&s, "GET", "/api/v1/cases?per_page=500", Some(&clerk), None);
    assert!(!r.text().contains("110101199003071233"));
    let r = call(&s, "GET", "/api/v1/deadlines", Some(&clerk), None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.text().contains("110101199003071233") && !r.text().contains("13912345678"));

    // Unknown case, unknown endpoint, malformed body.
    assert_eq!(
        call(&s, "GET", "/api/v1/cases/XF-1999-0001", Some(&clerk), None).status,
        404
    );
    assert_eq!(
        call(&s, "GET", "/api/v1/nothing", Some(&clerk), None).status,
        404
    );
    let r = call(
        &s,
        "POST",
        "/api/v1/cases",
        Some(&clerk),
        Some("{\"channel\":"),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    let r = call(
        &s,
        "POST",
        "/api/v1/cases",
        Some(&clerk),
        Some("{\"extra\":1}"),
    );
    assert_eq!(r.status, 400, "{}", r.text());

    // A withdrawn token stops working at once.
    let o = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .args(["user", "token"])
        .arg(&office)
        .args(["赵收", "--revoke"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(
        call(&s, "GET", "/api/v1/me", Some(&receiver), None).status,
        401
    );

    // The audit trail is intact after all of it.
    let v = common::anjuan(
        office.parent().unwrap(),
        &["audit", "verify", office.to_str().unwrap()],
    );
    assert_eq!(v.status.code(), Some(0), "{}", text_of(&v));
}

/// The case's version from `GET /cases/{id}`.
fn version(s: &Server, token: &str, id: &str) -> String {
    let r = call(s, "GET", &format!("/api/v1/cases/{id}"), Some(token), None);
    assert_eq!(r.status, 200, "{}", r.text());
    value(&r)["version"].as_str().unwrap().to_string()
}

#[test]
fn a_section_edit_names_its_base_and_is_refused_when_stale_or_wrong() {
    let (_t, office) = office();
    let path = office.join("cases/XF-2026-0007.toml");
    let s = serve(&office, &[]);
    let clerk = token(&office, "李静");
    let receiver = token(&office, "赵收");
    let url = "/api/v1/cases/XF-2026-0007/sections/matter";
    let v0 = version(&s, &clerk, "XF-2026-0007");
    assert_eq!(v0.len(), 32);

    // The receiver may not edit: 403, audited, nothing written.
    let before = std::fs::read_to_string(&path).unwrap();
    let body = format!(r#"{{"version":"{v0}","fields":{{"matter.place":"青溪县城关镇"}}}}"#);
    let r = call(&s, "POST", url, Some(&receiver), Some(&body));
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(denied(&office, "/sections/"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);

    // The clerk's edit: written, the other fields kept, audited as on the desk.
    let r = call(&s, "POST", url, Some(&clerk), Some(&body));
    assert_eq!(r.status, 200, "{}", r.text());
    let w = value(&r);
    assert_eq!(w["changed"], serde_json::json!(["matter.place"]), "{w}");
    let v1 = w["version"].as_str().unwrap().to_string();
    assert_ne!(v1, v0);
    assert_eq!(version(&s, &clerk, "XF-2026-0007"), v1);
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.contains("青溪县城关镇"), "{after}");
    assert_eq!(
        before.lines().filter(|l| l.contains("summary")).count(),
        after.lines().filter(|l| l.contains("summary")).count()
    );
    assert!(audit_log(&office)
        .lines()
        .any(|l| l.contains("\"case.edit\"") && l.contains("XF-2026-0007") && l.contains("李静")));

    // The old base again: 409, naming the field changed since; nothing written.
    let body = format!(r#"{{"version":"{v0}","fields":{{"matter.place":"别处"}}}}"#);
    let r = call(&s, "POST", url, Some(&clerk), Some(&body));
    assert_eq!(r.status, 409, "{}", r.text());
    let e = value(&r);
    assert_eq!(e["changed"], serde_json::json!(["matter.place"]), "{e}");
    assert_eq!(e["version"], v1.as_str());
    assert!(e["remedy"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after);

    // A future closing date: 422, the finding at its field.
    let close = format!(
        r#"{{"version":"{v1}","fields":{{"close.date":"2026-12-01","close.basis":"依法处理","close.note":"已移交县民政局依法处理"}}}}"#
    );
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-2026-0007/sections/close",
        Some(&clerk),
        Some(&close),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let f = value(&r)["findings"].as_array().unwrap().clone();
    assert!(f.iter().any(|x| x["field"] == "close.date"), "{f:?}");
    // A value that is no date, a field the section has not: 422 at each.
    let bad = format!(r#"{{"version":"{v1}","fields":{{"extension.days":"三十","nothing":"x"}}}}"#);
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-2026-0007/sections/extension",
        Some(&clerk),
        Some(&bad),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let f = value(&r)["findings"].as_array().unwrap().clone();
    assert!(f.iter().any(|x| x["field"] == "extension.days"), "{f:?}");
    assert!(f.iter().any(|x| x["field"] == "nothing"), "{f:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after);

    // Unknown case or section: 404; no base: 400.
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-1999-0001/sections/matter",
        Some(&clerk),
        Some(&body),
    );
    assert_eq!(r.status, 404, "{}", r.text());
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-2026-0007/sections/handling",
        Some(&clerk),
        Some(&body),
    );
    assert_eq!(r.status, 404, "{}", r.text());
    let r = call(&s, "POST", url, Some(&clerk), Some(r#"{"fields":{}}"#));
    assert_eq!(r.status, 400, "{}", r.text());

    // A delivery recorded: a new entry, audited as delivery.record.
    let d = format!(
        r#"{{"version":"{v1}","fields":{{"deliveries[N].paper":"受理告知书","deliveries[N].method":"直接","deliveries[N].time":"2026-11-12T09:30","deliveries[N].place":"青溪县柳河镇上塘村后畈组22号","deliveries[N].recipient":"杨翀","deliveries[N].servers":["蒋晓东","李敏"]}}}}"#
    );
    let n = {
        let text = std::fs::read_to_string(&path).unwrap();
        text.matches("[[deliveries]]").count()
    };
    let d = d.replace("[N]", &format!("[{n}]"));
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-2026-0007/sections/delivery",
        Some(&clerk),
        Some(&d),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(audit_log(&office)
        .lines()
        .any(|l| l.contains("\"delivery.record\"") && l.contains("XF-2026-0007")));

    // The list shows the workflow flags.
    let r = call(
        &s,
        "GET",
        "/api/v1/cases?q=XF-2026-0007",
        Some(&clerk),
        None,
    );
    let c = &value(&r)["cases"][0];
    assert_eq!(c["awaiting_sign_off"], false, "{c}");
    assert_eq!(c["extension_pending"], false, "{c}");
}

const DRAFT: &str = r#"
[handling]
date = 2026-11-20
facts = "经入户核查，信访人之子常年在杭州务工，所购车辆价值不足3万元。"
legal_basis = ["《社会救助暂行办法》第九条"]
review_body = "青溪县人民政府"
signed_off_by = ""

[[handling.decisions]]
request = 1
outcome = "支持"
reason = "车辆不影响家庭经济状况认定，恢复低保待遇。"

[[handling.decisions]]
request = 2
outcome = "支持"
reason = "自2026年10月起补发。"
"#;

#[test]
fn the_leader_signs_off_and_decides_extensions_on_a_base_version() {
    let (_t, office) = office();
    let path = office.join("cases/XF-2026-0007.toml");
    let s = serve(&office, &[]);
    let clerk = token(&office, "李静");
    let leader = token(&office, "孙丽华");

    // An extension requested through the API: pending, the limit unmoved.
    let v = version(&s, &clerk, "XF-2026-0007");
    let req = format!(
        r#"{{"version":"{v}","fields":{{"extension.days":20,"extension.reason":"需调取其子在杭州的务工收入证明。"}}}}"#
    );
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-2026-0007/sections/extension",
        Some(&clerk),
        Some(&req),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(audit_log(&office).contains("\"extension.request\""));
    let r = call(&s, "GET", "/api/v1/cases/XF-2026-0007", Some(&clerk), None);
    assert_eq!(value(&r)["summary"]["extension_pending"], true);

    // The clerk may not approve: 403, audited.
    let v = version(&s, &leader, "XF-2026-0007");
    let body = format!(r#"{{"version":"{v}"}}"#);
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-2026-0007/extension/approve",
        Some(&clerk),
        Some(&body),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(denied(&office, "/extension/approve"));
    // Stale: 409.
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-2026-0007/extension/approve",
        Some(&leader),
        Some(r#"{"version":"00000000000000000000000000000000"}"#),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-2026-0007/extension/approve",
        Some(&leader),
        Some(&body),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(r#"approved_by = "孙丽华""#), "{text}");
    assert!(audit_log(&office).contains("\"extension.approve\""));
    // Nothing pending any more: 409.
    let v = version(&s, &leader, "XF-2026-0007");
    let body = format!(r#"{{"version":"{v}"}}"#);
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-2026-0007/extension/reject",
        Some(&leader),
        Some(&body),
    );
    assert_eq!(r.status, 409, "{}", r.text());

    // A drafted opinion: awaiting sign-off in the list, signed off by the leader.
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(DRAFT);
    std::fs::write(&path, &text).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let r = call(&s, "GET", "/api/v1/cases/XF-2026-0007", Some(&leader), None);
    let c = value(&r);
    assert_eq!(c["summary"]["awaiting_sign_off"], true, "{c}");
    let body = format!(r#"{{"version":"{}"}}"#, c["version"].as_str().unwrap());
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-2026-0007/sign-off",
        Some(&clerk),
        Some(&body),
    );
    assert_eq!(r.status, 403);
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-1999-0001/sign-off",
        Some(&leader),
        Some(&body),
    );
    assert_eq!(r.status, 404);
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-2026-0007/sign-off",
        Some(&leader),
        Some(&body),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains(r#"signed_off_by = "孙丽华""#));
    assert!(audit_log(&office)
        .lines()
        .any(|l| l.contains("\"opinion.signoff\"") && l.contains("孙丽华")));
}

#[test]
fn papers_figures_and_the_ledger() {
    let (_t, office) = office();
    let s = serve(&office, &[]);
    let clerk = token(&office, "李静");
    let receiver = token(&office, "赵收");

    // Render (the clerk's), list, download.
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-2026-0007/papers",
        Some(&receiver),
        None,
    );
    assert_eq!(r.status, 403);
    assert!(denied(&office, "/papers"));
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-1999-0001/papers",
        Some(&clerk),
        None,
    );
    assert_eq!(r.status, 404);
    let r = call(
        &s,
        "POST",
        "/api/v1/cases/XF-2026-0007/papers",
        Some(&clerk),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let made = value(&r);
    let papers = made["papers"].as_array().unwrap().clone();
    assert!(!papers.is_empty(), "{made}");
    let r = call(
        &s,
        "GET",
        "/api/v1/cases/XF-2026-0007/papers",
        Some(&receiver),
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(value(&r)["papers"].as_array().unwrap().len(), papers.len());
    let p = &papers[0];
    assert!(p["bytes"].as_u64().unwrap() > 0 && p["signed"].is_boolean());
    let r = call(&s, "GET", p["url"].as_str().unwrap(), Some(&receiver), None);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert!(r.body.starts_with(b"%PDF"));
    assert_eq!(r.body.len() as u64, p["bytes"].as_u64().unwrap());
    for bad in ["nope.pdf", "..%2F..%2Fanjuan.toml"] {
        let r = call(
            &s,
            "GET",
            &format!("/api/v1/cases/XF-2026-0007/papers/{bad}"),
            Some(&clerk),
            None,
        );
        assert_eq!(r.status, 404, "{bad}");
        assert!(value(&r)["error"].is_string());
    }

    // The year's figures.
    let r = call(&s, "GET", "/api/v1/stats/2026", Some(&receiver), None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(value(&r)["by_month"].is_array(), "{}", r.text());
    assert_eq!(
        call(&s, "GET", "/api/v1/stats/1999", Some(&clerk), None).status,
        400
    );
    assert_eq!(
        call(&s, "GET", "/api/v1/stats/x", Some(&clerk), None).status,
        400
    );

    // The ledger's export: not the receiver's; the clerk's, masked on asking.
    assert_eq!(
        call(&s, "GET", "/api/v1/ledger", Some(&receiver), None).status,
        403
    );
    assert!(denied(&office, "/api/v1/ledger"));
    let r = call(&s, "GET", "/api/v1/ledger", Some(&clerk), None);
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().contains("spreadsheetml"));
    assert!(r.body.starts_with(b"PK"));
    let r = call(&s, "GET", "/api/v1/ledger?mask=true", Some(&clerk), None);
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-disposition")
        .unwrap()
        .contains("%E8%84%B1%E6%95%8F"));
    assert!(audit_log(&office).contains("\"ledger.export\""));

    // The import: findings at sheet, row and column; a dry run writes nothing.
    let bad =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-ledgers/01-id-checksum.csv");
    let csv = std::fs::read(&bad).unwrap();
    let cases = case_files(&office);
    let r = upload(
        &s,
        "/api/v1/ledger?format=csv&dry_run=true",
        &receiver,
        &csv,
    );
    assert_eq!(r.status, 403);
    let r = upload(&s, "/api/v1/ledger?format=csv&dry_run=true", &clerk, &csv);
    assert_eq!(r.status, 422, "{}", r.text());
    let f = value(&r)["findings"].as_array().unwrap().clone();
    assert!(
        f.iter()
            .any(|x| x["row"] == 3 && x["column"] == "E" && x["severity"] == "error"),
        "{f:?}"
    );
    assert!(!r.text().contains("330122197009063132"), "masked");
    let text = String::from_utf8(csv).unwrap();
    let wrong = "330122197009063132";
    let right = format!(
        "{}{}",
        &wrong[..17],
        anjuan::case::idnum::check_char(&wrong[..17]).unwrap()
    );
    let good = text.replace(wrong, &right);
    let r = upload(
        &s,
        "/api/v1/ledger?format=csv&dry_run=true",
        &clerk,
        good.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let plan = value(&r);
    assert_eq!(plan["new"].as_array().unwrap().len(), 3, "{plan}");
    assert_eq!(plan["dry_run"], true);
    assert_eq!(case_files(&office), cases);
    let r = upload(&s, "/api/v1/ledger?format=csv", &clerk, good.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(value(&r)["written"], 3);
    assert_eq!(case_files(&office), cases + 3);
    assert!(audit_log(&office).contains("\"ledger.import\""));
    // Not a ledger kind; too large by its Content-Length, refused unread.
    let r = upload(&s, "/api/v1/ledger?format=pdf", &clerk, b"x");
    assert_eq!(r.status, 400);
    assert_eq!(oversized(&s, "/api/v1/ledger", &clerk, (64 << 20) + 1), 413);
    assert!(std::fs::read_dir(office.join(".anjuan/uploads"))
        .map(|d| d.count() == 0)
        .unwrap_or(true));
}

#[test]
fn the_archivist_packs_and_the_receiver_checks_and_accepts_through_the_api() {
    let (_t, office) = demo_office();
    let s = serve(&office, &[]);
    let clerk = token(&office, "李静");
    let archivist = token(&office, "钱档");
    let receiver = token(&office, "赵收");

    assert_eq!(
        call(&s, "POST", "/api/v1/archive/2026", Some(&clerk), None).status,
        403
    );
    assert!(denied(&office, "/api/v1/archive/"));
    assert_eq!(
        call(&s, "POST", "/api/v1/archive/1900", Some(&archivist), None).status,
        422
    );
    let r = call(&s, "POST", "/api/v1/archive/2026", Some(&archivist), None);
    assert_eq!(r.status, 202, "{}", r.text());
    let job = value(&r);
    let url = job["url"].as_str().unwrap().to_string();
    assert_eq!(r.header("location"), Some(url.as_str()));
    let started = std::time::Instant::now();
    let done = loop {
        let r = call(&s, "GET", &url, Some(&archivist), None);
        assert_eq!(r.status, 200, "{}", r.text());
        let j = value(&r);
        if j["state"]["status"] != "running" {
            break j;
        }
        assert!(started.elapsed().as_secs() < 300, "the pack did not finish");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(done["state"]["status"], "done", "{done}");
    let name = done["state"]["bundle"].as_str().unwrap().to_string();
    assert_eq!(done["state"]["sha256"].as_str().unwrap().len(), 64);
    assert!(audit_log(&office)
        .lines()
        .any(|l| l.contains("\"pack.done\"") && l.contains(&name)));
    assert_eq!(
        call(
            &s,
            "GET",
            "/api/v1/archive/jobs/999",
            Some(&archivist),
            None
        )
        .status,
        404
    );
    assert_eq!(
        call(&s, "GET", "/api/v1/archive/jobs/x", Some(&archivist), None).status,
        404
    );
    let r = call(
        &s,
        "GET",
        &format!("/api/v1/archive/bundles/{name}"),
        Some(&archivist),
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/zip"));
    let zip = r.body;
    assert_eq!(
        zip,
        std::fs::read(office.join("archive").join(&name)).unwrap()
    );
    assert_eq!(
        call(
            &s,
            "GET",
            "/api/v1/archive/bundles/nope.zip",
            Some(&archivist),
            None
        )
        .status,
        404
    );
    assert_eq!(
        call(
            &s,
            "GET",
            &format!("/api/v1/archive/bundles/{name}"),
            Some(&clerk),
            None
        )
        .status,
        403
    );

    // The receiver: a zip that is none, 422; too large, 413 unread; not the clerk's.
    assert_eq!(upload(&s, "/api/v1/bundles", &clerk, &zip).status, 403);
    assert!(denied(&office, "/api/v1/bundles"));
    // Not a zip: a report that says so, no id; nothing kept.
    let r = upload(&s, "/api/v1/bundles", &receiver, b"PK not a zip");
    assert_eq!(r.status, 200, "{}", r.text());
    let v = value(&r);
    assert_eq!(v["accepted"], false);
    assert!(
        v["id"].is_null() && v["report"]["verdict"] == "reject",
        "{v}"
    );
    assert!(!r.text().contains(".anjuan/uploads"), "no server path");
    assert_eq!(
        oversized(&s, "/api/v1/bundles", &receiver, (16u64 << 30) + 1),
        413
    );
    let r = upload(&s, "/api/v1/bundles", &receiver, &zip);
    assert_eq!(r.status, 200, "{}", r.text());
    let checked = value(&r);
    assert_eq!(checked["accepted"], true, "{checked}");
    assert!(checked["report"]["checks"].is_array());
    let id = checked["id"].as_str().unwrap().to_string();
    assert!(audit_log(&office).contains("\"bundle.verify\""));
    assert_eq!(
        call(
            &s,
            "POST",
            "/api/v1/bundles/nope/accept",
            Some(&receiver),
            None
        )
        .status,
        404
    );
    let r = call(
        &s,
        "POST",
        &format!("/api/v1/bundles/{id}/accept"),
        Some(&receiver),
        None,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let acc = value(&r);
    let receipt = acc["receipt"].as_str().unwrap();
    assert!(receipt.starts_with("接收回执"), "{acc}");
    let files = acc["files"].as_array().unwrap();
    let at = files.iter().find(|f| f["name"] == receipt).unwrap()["url"]
        .as_str()
        .unwrap();
    let r = call(&s, "GET", at, Some(&receiver), None);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    // Accepted once: the id is spent.
    let r = call(
        &s,
        "POST",
        &format!("/api/v1/bundles/{id}/accept"),
        Some(&receiver),
        None,
    );
    assert_eq!(r.status, 404);
    let r = call(
        &s,
        "GET",
        &format!(
            "/api/v1/received/{}/nope.pdf",
            acc["folder"].as_str().unwrap()
        ),
        Some(&receiver),
        None,
    );
    assert_eq!(r.status, 404);
    let v = common::anjuan(
        office.parent().unwrap(),
        &["audit", "verify", office.to_str().unwrap()],
    );
    assert_eq!(v.status.code(), Some(0), "{}", text_of(&v));
}

#[test]
fn the_openapi_document_is_served_and_describes_every_route() {
    let (_t, office) = office();
    let s = serve(&office, &[]);
    let r = call(&s, "GET", "/api/v1/openapi.json", None, None);
    assert_eq!(r.status, 200);
    let v = value(&r);
    assert_eq!(v["openapi"], "3.1.0");
    for (path, method) in [
        ("/cases", "get"),
        ("/cases", "post"),
        ("/cases/{id}", "get"),
        ("/deadlines", "get"),
        ("/me", "get"),
        ("/cases/{id}/sections/{section}", "post"),
        ("/cases/{id}/papers", "get"),
        ("/cases/{id}/papers", "post"),
        ("/cases/{id}/papers/{name}", "get"),
        ("/cases/{id}/sign-off", "post"),
        ("/cases/{id}/extension/approve", "post"),
        ("/cases/{id}/extension/reject", "post"),
        ("/stats/{year}", "get"),
        ("/ledger", "get"),
        ("/ledger", "post"),
        ("/archive/{year}", "post"),
        ("/archive/jobs/{id}", "get"),
        ("/archive/bundles/{name}", "get"),
        ("/bundles", "post"),
        ("/bundles/{id}/accept", "post"),
        ("/received/{name}/{file}", "get"),
    ] {
        assert!(
            v["paths"][path][method].is_object(),
            "{method} {path} not described"
        );
    }
    for schema in [
        "CaseList",
        "CaseDetail",
        "ApiNewCase",
        "ApiError",
        "DeadlinesReport",
        "SectionEdit",
        "Written",
        "Decision",
        "PaperList",
        "Stats",
        "LedgerPlan",
        "ApiJob",
        "JobState",
        "BundleChecked",
        "BundleAccepted",
        "Report",
    ] {
        assert!(
            v["components"]["schemas"][schema].is_object(),
            "no schema {schema}"
        );
    }
}

/// schemathesis against the live server. CI installs it (`.ci/run`); run
/// locally after `pip install schemathesis==4.32.5`.
#[test]
fn schemathesis_finds_no_server_error_and_no_schema_violation() {
    let st = which("st").unwrap_or_else(|| {
        panic!("schemathesis is not installed: pip install schemathesis==4.32.5 (README: Tests)")
    });
    let (t, office) = office();
    let s = serve(&office, &[]);
    let clerk = token(&office, "李静");
    let o = Command::new(st)
        .current_dir(t.path())
        .args(["run", &format!("http://{}/api/v1/openapi.json", s.addr)])
        .args(["--header", &format!("Authorization: Bearer {clerk}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection,ignored_auth",
        ])
        .args(["--max-examples", "60", "--seed", "2026", "--generation-database", "none"])
        .args(["--no-color", "--output-truncate", "false", "--workers", "1"])
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .output()
        .unwrap();
    let text = text_of(&o);
    assert!(o.status.success(), "schemathesis found failures:\n{text}");
    assert!(text.contains("passed"), "{text}");
    // Whatever it registered went through the audit trail, which holds.
    let v = common::anjuan(t.path(), &["audit", "verify", office.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", text_of(&v));
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}
