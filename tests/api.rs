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
