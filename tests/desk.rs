//! The desk (`anjuan serve`), driven over real HTTP on a copy of the demo office:
//! logins and their limit, cookies, CSRF, roles, registering and editing cases,
//! masking, papers confined to their folder, and the refusal of plain HTTP on a
//! network address.

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};

use common::anjuan;
use common::desk::*;

#[test]
fn login_ok_wrong_password_and_rate_limit() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    assert!(
        s.out.contains("工作台 (desk): http://127.0.0.1:"),
        "{}",
        s.out
    );

    let mut c = Client::new(&s);
    assert_eq!(c.get("/").header("location"), Some("/login"));
    let ok = c.login("李静", PW);
    assert_eq!(ok.status, 303);
    assert_eq!(ok.header("location"), Some("/"));
    let home = c.get("/");
    assert_eq!(home.status, 200);
    assert!(home.text().contains("李静（登记员）"));
    assert!(audit_log(&dir).contains("\"login\""));

    let mut x = Client::new(&s);
    let bad = x.login("孙丽华", "wrong-password");
    assert_eq!(bad.status, 401);
    assert!(bad.text().contains("账户名或密码不正确"));
    assert!(audit_log(&dir).contains("login.failed"));
    for _ in 0..4 {
        assert_eq!(x.login("孙丽华", "wrong-password").status, 401);
    }
    // Five failures: refused without looking at the password, even the right one.
    let limited = x.login("孙丽华", PW);
    assert_eq!(limited.status, 429, "{}", limited.text());
    assert!(limited.text().contains("登录失败次数过多"));
    // From the same address, another account too.
    assert_eq!(Client::new(&s).login("赵收", PW).status, 429);
    // The block is audited when it begins (the account and this address
    // together here), not once per attempt.
    for _ in 0..5 {
        assert_eq!(x.login("孙丽华", PW).status, 429);
    }
    let throttled = audit_log(&dir).matches("login.throttled").count();
    assert_eq!(throttled, 1, "{}", audit_log(&dir));
}

#[test]
fn cookies_and_headers_are_strict() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let mut c = Client::new(&s);
    let r = c.login("李静", PW);
    let cookie = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|v| v.starts_with("anjuan_desk="))
        .expect("a session cookie")
        .to_string();
    let id = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("anjuan_desk=");
    assert_eq!(id.len(), 64, "256 bits in hex: {cookie}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP on loopback: {cookie}"
    );
    let home = c.get("/");
    let csp = home.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(home.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(home.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(home.header("x-frame-options"), Some("DENY"));
    assert!(!home.text().contains("<script>"));

    // Logging out (a POST with the token) ends the session and is recorded.
    let token = csrf(&home.text());
    let out = c.post("/logout", &form(&[("csrf", &token)]));
    assert_eq!(out.status, 303);
    assert!(audit_log(&dir).contains("\"logout\""));
    assert_eq!(c.get("/").header("location"), Some("/login"));
}

fn new_case_form(token: &str, id_number: &str) -> String {
    form(&[
        ("csrf", token),
        ("arrival.channel", "来信"),
        ("arrival.received", "2026-11-20"),
        ("petitioners[0].name", "王小明"),
        ("petitioners[0].id_number", id_number),
        ("petitioners[0].address", "青溪县柳河镇新塘村8号"),
        ("matter.summary", "信访人反映村道路灯损坏，夜间出行不便。"),
        ("matter.requests", "修复村道路灯"),
        ("matter.category", "城乡建设"),
    ])
}

fn case_files(office: &Path) -> usize {
    std::fs::read_dir(office.join("cases")).unwrap().count()
}

#[test]
fn a_post_without_the_token_changes_nothing() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "李静");
    let before = case_files(&dir);
    let body = new_case_form(&token, "330122198509234624");
    let without = body.replace(&format!("csrf={token}&"), "");
    let r = c.post("/cases/new", &without);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("安全校验"));
    let wrong = body.replace(&token, &"0".repeat(64));
    assert_eq!(c.post("/cases/new", &wrong).status, 403);
    assert_eq!(case_files(&dir), before, "nothing written");
    // The header works as well as the field.
    let r = c.send(
        "POST",
        "/cases/new",
        Some(&without),
        &[("X-CSRF-Token", &token)],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(case_files(&dir), before + 1);
}

#[test]
fn a_clerk_registers_a_case_after_correcting_a_mistake() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "李静");
    // A wrong check digit: refused, the error at its field, the input kept.
    let r = c.post("/cases/new", &new_case_form(&token, "330122198509234625"));
    assert_eq!(r.status, 422, "{}", r.text());
    let page = r.text();
    assert!(
        page.contains(r#"<div class="error" data-field="petitioners[0].id_number">"#),
        "{page}"
    );
    assert!(page.contains(r#"value="王小明""#), "input kept");
    assert!(page.contains("修复村道路灯"));
    assert!(!dir.join("cases/XF-2026-0009.toml").exists());

    let r = c.post("/cases/new", &new_case_form(&token, "330122198509234624"));
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/cases/XF-2026-0009"));
    let file = std::fs::read_to_string(dir.join("cases/XF-2026-0009.toml")).unwrap();
    assert!(file.contains("王小明") && file.contains("registered_by = \"李静\""));
    let log = audit_log(&dir);
    assert!(
        log.lines()
            .any(|l| l.contains("case.create") && l.contains("XF-2026-0009") && l.contains("李静")),
        "{log}"
    );
    let page = c.get("/cases/XF-2026-0009");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("王小明"));
    // The command line agrees the office is sound.
    let o = anjuan(&dir, &["check", "."]);
    assert!(
        !common::text_of(&o).contains("XF-2026-0009.toml:"),
        "{}",
        common::text_of(&o)
    );
}

#[test]
fn a_receiver_may_not_register() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "赵收");
    let home = c.get("/").text();
    assert!(
        !home.contains(r#"href="/cases/new""#),
        "no 登记 in the receiver's menu"
    );
    let r = c.get("/cases/new");
    assert_eq!(r.status, 403);
    assert!(r.text().contains("无权"));
    let before = case_files(&dir);
    assert_eq!(
        c.post("/cases/new", &new_case_form(&token, "330122198509234624"))
            .status,
        403
    );
    assert_eq!(case_files(&dir), before);
    let log = audit_log(&dir);
    assert!(
        log.lines()
            .any(|l| l.contains("access.denied") && l.contains("赵收") && l.contains("/cases/new")),
        "{log}"
    );
}

#[test]
fn numbers_are_masked_in_lists_and_for_other_roles() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (mut receiver, _) = Client::signed_in(&s, "赵收");
    let list = receiver.get("/cases").text();
    assert!(list.contains("XF-2026-0002"));
    assert!(!list.contains("330122198509234624") && !list.contains("15068127735"));
    let found = receiver.get(&format!("/cases?q={}", enc("刘堃"))).text();
    assert!(found.contains("XF-2026-0002") && !found.contains("XF-2026-0001"));
    let page = receiver.get("/cases/XF-2026-0002").text();
    assert!(
        !page.contains("330122198509234624") && !page.contains("15068127735"),
        "{page}"
    );
    assert!(page.contains("已遮蔽"));

    // The clerk and the 包案领导 see them whole on the case's page only.
    for who in ["李静", "孙丽华"] {
        let (mut c, _) = Client::signed_in(&s, who);
        assert!(!c.get("/cases").text().contains("330122198509234624"));
        let page = c.get("/cases/XF-2026-0002").text();
        assert!(
            page.contains("330122198509234624") && page.contains("15068127735"),
            "{who}"
        );
    }
}

#[test]
fn a_stale_edit_is_refused_and_the_file_kept() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "李静");
    let path = dir.join("cases/XF-2026-0002.toml");
    let page = c.get("/cases/XF-2026-0002/edit/matter");
    assert_eq!(page.status, 200, "{}", page.text());
    let version = attr_after(&page.text(), r#"name="version" value=""#);
    // Someone else changes the file meanwhile.
    let theirs = std::fs::read_to_string(&path)
        .unwrap()
        .replace("约定一年归还", "约定半年归还");
    std::fs::write(&path, &theirs).unwrap();
    let mine = |version: &str| {
        form(&[
            ("csrf", &token),
            ("version", version),
            ("matter.summary", "我的新摘要：信访人要求还款。"),
            ("matter.requests", "责令钱某某归还借款8万元及利息"),
            ("matter.category", "政法"),
            ("matter.place", ""),
        ])
    };
    let r = c.post("/cases/XF-2026-0002/edit/matter", &mine(&version));
    assert_eq!(r.status, 409, "{}", r.text());
    let t = r.text();
    assert!(
        t.contains("已被他人修改") && t.contains("matter.summary"),
        "{t}"
    );
    assert!(t.contains("我的新摘要"), "the input is kept");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        theirs,
        "file unchanged"
    );

    // Opened again, the same edit saves, and is recorded with its fields.
    let page = c.get("/cases/XF-2026-0002/edit/matter");
    let version = attr_after(&page.text(), r#"name="version" value=""#);
    let r = c.post("/cases/XF-2026-0002/edit/matter", &mine(&version));
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("我的新摘要"));
    assert!(audit_log(&dir)
        .lines()
        .any(|l| l.contains("case.edit") && l.contains("matter.summary")));
}

#[test]
fn an_edit_with_an_error_is_shown_at_its_field() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "李静");
    let path = dir.join("cases/XF-2026-0002.toml");
    let before = std::fs::read_to_string(&path).unwrap();
    let page = c.get("/cases/XF-2026-0002/edit/petitioners").text();
    let version = attr_after(&page, r#"name="version" value=""#);
    let r = c.post(
        "/cases/XF-2026-0002/edit/petitioners",
        &form(&[
            ("csrf", &token),
            ("version", &version),
            ("petitioners[0].name", "刘堃"),
            ("petitioners[0].id_number", "330122198509234625"),
            ("petitioners[0].phone", "15068127735"),
            ("petitioners[0].address", "青溪县柳河镇新塘村新塘街41号"),
        ]),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r
        .text()
        .contains(r#"data-field="petitioners[0].id_number""#));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
}

#[test]
fn papers_download_and_traversal_is_refused() {
    let (_t, dir) = office();
    let papers = dir.join("papers/XF-2026-0002");
    std::fs::create_dir_all(&papers).unwrap();
    std::fs::write(papers.join("01-不予受理告知书.pdf"), b"%PDF-1.7\n% test\n").unwrap();
    std::fs::write(dir.join("secret.pdf"), b"%PDF-1.7 secret").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("secret.pdf"), papers.join("02-link.pdf")).unwrap();
    let s = serve(&dir, &[]);
    let (mut c, _) = Client::signed_in(&s, "赵收");
    let page = c.get("/cases/XF-2026-0002").text();
    assert!(page.contains("01-不予受理告知书.pdf"));
    let name = enc("01-不予受理告知书.pdf");
    let r = c.get(&format!("/cases/XF-2026-0002/papers/{name}"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    let cd = r.header("content-disposition").unwrap();
    assert!(
        cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''"),
        "{cd}"
    );
    assert!(r.body.starts_with(b"%PDF"));
    let r = c.get(&format!("/cases/XF-2026-0002/papers/{name}?inline=1"));
    assert!(r
        .header("content-disposition")
        .unwrap()
        .starts_with("inline;"));

    for bad in [
        "..%2F..%2Fsecret.pdf",
        "..%2F..%2Fanjuan.toml",
        "%2E%2E%2F%2E%2E%2Fsecret.pdf",
        "..%5C..%5Csecret.pdf",
        "02-link.pdf",
    ] {
        let r = c.get(&format!("/cases/XF-2026-0002/papers/{bad}"));
        assert_eq!(r.status, 404, "{bad}: {}", r.text());
        assert!(!r.text().contains("secret"));
    }
    let r = c.get("/cases/XF-2026-0002/papers/../../secret.pdf");
    assert_ne!(r.status, 200);
    let r = c.get("/cases/..%2F..%2F/papers/secret.pdf");
    assert_eq!(r.status, 404);
}

#[test]
fn plain_http_on_a_network_address_is_refused() {
    let (_t, dir) = office();
    let o = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .arg("serve")
        .arg(&dir)
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let t = common::text_of(&o);
    assert!(
        t.contains("拒绝在非本机地址") && t.contains("--tls-cert"),
        "{t}"
    );

    // --insecure-lan serves, with a warning.
    let mut child = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .arg("serve")
        .arg(&dir)
        .args(["--listen", "0.0.0.0:0", "--insecure-lan"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.contains("警告") && line.contains("明文"), "{line}");
}

#[test]
fn a_clerk_records_a_delivery() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "李静");
    let path = dir.join("cases/XF-2026-0007.toml");
    let page = c.get("/cases/XF-2026-0007/edit/delivery");
    assert_eq!(page.status, 200, "{}", page.text());
    let version = attr_after(&page.text(), r#"name="version" value=""#);
    let delivery = |method: &str, time: &str| {
        form(&[
            ("csrf", &token),
            ("version", &version),
            ("deliveries[1].paper", "受理告知书"),
            ("deliveries[1].method", method),
            ("deliveries[1].time", time),
            ("deliveries[1].place", "青溪县柳河镇上塘村后畈组22号"),
            ("deliveries[1].recipient", "杨翀"),
            ("deliveries[1].servers", "蒋晓东\n李敏"),
        ])
    };
    let before = std::fs::read_to_string(&path).unwrap();
    let r = c.post(
        "/cases/XF-2026-0007/edit/delivery",
        &delivery("直接", "昨天"),
    );
    assert_eq!(r.status, 422);
    assert!(r.text().contains(r#"data-field="deliveries[1].time""#));
    // By mail without a tracking number: the finding at its field.
    let r = c.post(
        "/cases/XF-2026-0007/edit/delivery",
        &delivery("邮寄", "2026-11-12T09:30"),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("deliveries[1]"), "{}", r.text());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    let r = c.post(
        "/cases/XF-2026-0007/edit/delivery",
        &delivery("直接", "2026-11-12T09:30"),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(
        after.contains("2026-11-12T09:30:00") && after.contains(r#"servers = ["蒋晓东", "李敏"]"#),
        "{after}"
    );
    assert!(audit_log(&dir)
        .lines()
        .any(|l| l.contains("delivery.record") && l.contains("XF-2026-0007")));
    assert!(c
        .get("/cases/XF-2026-0007")
        .text()
        .contains("2026-11-12 09:30"));
    // A leader may not record one.
    let (mut l, _) = Client::signed_in(&s, "孙丽华");
    assert_eq!(l.get("/cases/XF-2026-0007/edit/delivery").status, 403);
}

/// Accepts the test's self-signed certificate: what is tested is the desk, not PKI.
#[derive(Debug)]
struct AnyCert(rustls::crypto::CryptoProvider);

impl rustls::client::danger::ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[test]
#[allow(deprecated)]
fn tls_serves_a_network_address_with_secure_cookies() {
    let (t, dir) = office();
    let (cert, key) = (t.path().join("cert.pem"), t.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    if !made.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!("openssl not available: TLS test skipped");
        return;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .arg("serve")
        .arg(&dir)
        .args(["--listen", "0.0.0.0:0", "--tls-cert"])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    // Keep reading: the server prints a second line, and a closed pipe would end it.
    std::thread::spawn(move || for _ in out.lines() {});
    let server = Server {
        child,
        addr: String::new(),
        out: line.clone(),
    };
    let port = line
        .trim()
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    assert!(line.contains("https://"), "{}", server.out);

    let provider = rustls::crypto::ring::default_provider();
    let cfg = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(provider.clone()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(AnyCert(provider)))
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(std::sync::Arc::new(cfg), name).unwrap();
    let tcp = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(b"GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    let _ = tls.read_to_end(&mut raw);
    let head = String::from_utf8_lossy(&raw);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let cookie = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap();
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert!(head
        .to_ascii_lowercase()
        .contains("strict-transport-security"));
    drop(server);
}

#[test]
fn malformed_requests_get_chinese_pages() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (mut c, _) = Client::signed_in(&s, "李静");
    for (method, path, want) in [
        ("GET", "/cases/%FF%FE", 400),
        ("DELETE", "/cases", 403),
        ("GET", "/nowhere", 404),
        ("GET", "/cases?page=abc&overdue=1", 200),
    ] {
        let r = c.send(method, path, None, &[]);
        assert_eq!(r.status, want, "{method} {path}: {}", r.text());
        assert!(
            r.header("content-type").unwrap().starts_with("text/html"),
            "{path}"
        );
        assert!(r.text().contains("lang=\"zh-CN\""), "{path}");
    }
    let big = "x".repeat(300 * 1024);
    let r = c.post("/cases/new", &format!("csrf=1&a={big}"));
    assert_eq!(r.status, 413);
}

#[test]
fn a_clerk_renders_a_case_from_its_page() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    // Outside the role: refused, audited, nothing made.
    let (mut r, rtoken) = Client::signed_in(&s, "赵收");
    let page = r.get("/cases/XF-2026-0002").text();
    assert!(!page.contains("/cases/XF-2026-0002/render"), "{page}");
    let refused = r.post("/cases/XF-2026-0002/render", &form(&[("csrf", &rtoken)]));
    assert_eq!(refused.status, 403);
    assert!(!dir.join("papers/XF-2026-0002").exists());
    assert!(audit_log(&dir).contains("/cases/XF-2026-0002/render"));
    // Without the CSRF token: refused before anything runs.
    let (mut c, token) = Client::signed_in(&s, "李静");
    assert_eq!(c.post("/cases/XF-2026-0002/render", "").status, 403);
    assert!(!dir.join("papers/XF-2026-0002").exists());
    // The clerk: the papers of the case's stage, as `anjuan render` makes them.
    let page = c.get("/cases/XF-2026-0002").text();
    assert!(page.contains("生成文书"), "{page}");
    let made = c.post("/cases/XF-2026-0002/render", &form(&[("csrf", &token)]));
    assert_eq!(made.status, 303, "{}", made.text());
    let pdfs: Vec<_> = std::fs::read_dir(dir.join("papers/XF-2026-0002"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        .collect();
    assert!(!pdfs.is_empty());
    let page = c.get("/cases/XF-2026-0002").text();
    for p in &pdfs {
        assert!(page.contains(&*p.file_name().to_string_lossy()), "{page}");
    }
    let log = audit_log(&dir);
    assert!(
        log.contains("\"paper.render\"") && log.contains("desk:李静"),
        "{log}"
    );
    // Again, nothing changed: every paper kept, byte for byte.
    let before: Vec<Vec<u8>> = pdfs
        .iter()
        .map(|p| std::fs::read(p.path()).unwrap())
        .collect();
    assert_eq!(
        c.post("/cases/XF-2026-0002/render", &form(&[("csrf", &token)]))
            .status,
        303
    );
    let after: Vec<Vec<u8>> = pdfs
        .iter()
        .map(|p| std::fs::read(p.path()).unwrap())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn the_statistics_page_shows_the_year_report_figures() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (mut c, _) = Client::signed_in(&s, "赵收");
    let page = c.get("/stats?year=2026");
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    // The same counting as `anjuan report`, through the same library call.
    let st = anjuan::office::report::figures(
        None,
        &[dir.join("cases")],
        2026,
        None,
        &anjuan::office::progress::silent,
    )
    .unwrap();
    assert!(st.totals.cases > 0);
    for (id, v) in [
        ("t-cases", st.totals.cases.to_string()),
        ("t-closed", st.totals.closed.to_string()),
        ("t-rate", st.on_time.rate_text.clone()),
    ] {
        assert!(
            html.contains(&format!("id=\"{id}\">{v}<")),
            "{id} should be {v}: {html}"
        );
    }
    for x in &st.by_category {
        assert!(html.contains(&x.label), "{}", x.label);
    }
    // Whole identity numbers and phones never appear.
    assert!(!html.contains("330122198509234624") && !html.contains("15068127735"));
    assert!(html.contains(">统计</a>"), "统计 in the menu");
    // A year out of range is a clear 400, not a crash.
    assert_eq!(c.get("/stats?year=99999").status, 400);
    assert_eq!(c.get("/stats?year=abc").status, 400);

    // The figures are kept between requests only while no case file changes: a
    // case the CLI (or anyone) adds to the folder is counted on the next visit.
    let first = std::fs::read_dir(dir.join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .min()
        .unwrap();
    let text = std::fs::read_to_string(&first).unwrap();
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("id = \""))
        .and_then(|l| l.split('"').next())
        .unwrap()
        .to_string();
    let copy = text.replacen(&format!("id = \"{id}\""), "id = \"XF-2026-09999\"", 1);
    std::fs::write(dir.join("cases/XF-2026-09999.toml"), copy).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(600));
    let again = c.get("/stats?year=2026").text();
    let more = format!("id=\"t-cases\">{}<", st.totals.cases + 1);
    assert!(again.contains(&more), "{more}: {again}");
}

// ---------------------------------------------------------------- 归档, 审批, 结案

/// The server-sent events of a finished stream: (event, data) in order.
fn sse_events(text: &str) -> Vec<(String, serde_json::Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data = String::new();
            for l in block.lines() {
                if let Some(v) = l.strip_prefix("event:") {
                    name = Some(v.trim().to_string());
                } else if let Some(v) = l.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            Some((name?, serde_json::from_str(&data).unwrap()))
        })
        .collect()
}

#[test]
fn the_archivist_packs_a_year_follows_it_and_downloads_a_bundle_that_verifies() {
    let (_t, dir) = demo_office();
    let s = serve(&dir, &[]);

    // Not the clerk: 403, audited.
    let (mut clerk, token) = Client::signed_in(&s, "李静");
    assert_eq!(clerk.get("/archive").status, 403);
    let r = clerk.post(
        "/archive/pack",
        &form(&[("csrf", &token), ("year", "2026")]),
    );
    assert_eq!(r.status, 403);
    assert!(audit_log(&dir)
        .lines()
        .any(|l| l.contains("access.denied") && l.contains("/archive")));
    assert!(!clerk.get("/").text().contains(">归档</a>"));

    let (mut a, token) = Client::signed_in(&s, "钱档");
    let home = a.get("/");
    assert!(home.text().contains(">归档</a>"), "menu entry");
    let page = a.get("/archive");
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(
        page.text().contains("X012-WS-2026-XFB.zip"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("尚未打包"));

    let start = a.post(
        "/archive/pack",
        &form(&[("csrf", &token), ("year", "2026")]),
    );
    assert_eq!(start.status, 303, "{}", start.text());
    let job = start.header("location").unwrap().to_string();
    assert_eq!(job, "/archive/jobs/1");
    // One at a time: a second start while it runs is told so.
    let again = a.post(
        "/archive/pack",
        &form(&[("csrf", &token), ("year", "2026")]),
    );
    assert_eq!(again.status, 409, "{}", again.text());
    assert!(again.text().contains("已有归档正在进行"));
    // Without script, the page shows the state as of now.
    let now = a.get(&job);
    assert_eq!(now.status, 200);
    assert!(now.text().contains("/assets/archive.js"));

    let ev = a.get(&format!("{job}/events"));
    assert_eq!(ev.status, 200);
    assert!(ev
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/event-stream")));
    let events = sse_events(&ev.text());
    assert!(events.len() >= 2, "{}", ev.text());
    let (last, body) = events.last().unwrap();
    assert_eq!(last, "done", "{}", ev.text());
    assert!(events[..events.len() - 1]
        .iter()
        .all(|(n, _)| n == "progress"));
    // Progress in order: the ids rise, the stages go 整理归档 before 写入.
    let seqs: Vec<u64> = events
        .iter()
        .map(|(_, d)| d["seq"].as_u64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(body["bundle"], "X012-WS-2026-XFB.zip");
    assert!(body["size"].as_u64().unwrap() > 0);
    let sha = body["sha256"].as_str().unwrap().to_string();
    assert_eq!(sha.len(), 64);

    let done = a.get(&job).text();
    assert!(done.contains("完成") && done.contains(&sha), "{done}");
    let log = audit_log(&dir);
    assert!(log
        .lines()
        .any(|l| l.contains("pack.start") && l.contains("钱档")));
    // The digest whole (the trail's masking of personal numbers leaves digests be).
    assert!(
        log.lines().any(|l| l.contains("pack.done")
            && l.contains(&sha)
            && l.contains("X012-WS-2026-XFB.zip")),
        "{log}"
    );

    // The download: streamed, named, the file's bytes; it verifies.
    let d = a.get("/archive/bundles/X012-WS-2026-XFB.zip");
    assert_eq!(d.status, 200);
    assert_eq!(d.header("content-type"), Some("application/zip"));
    assert!(d
        .header("content-disposition")
        .is_some_and(|v| v.starts_with("attachment") && v.contains("X012-WS-2026-XFB.zip")));
    let on_disk = std::fs::read(dir.join("archive/X012-WS-2026-XFB.zip")).unwrap();
    assert_eq!(d.body.len(), on_disk.len());
    assert!(d.body == on_disk);
    let got = dir.join("downloaded.zip");
    std::fs::write(&got, &d.body).unwrap();
    let report =
        anjuan::verify::verify(&got, &common::verify_opts(&[&dir.join("keys/anjuan.pub")]))
            .unwrap();
    assert!(report.accepted(), "{report:?}");
    // Only names in the archive folder.
    for bad in ["..%2Fanjuan.toml", "x.pdf", "nope.zip"] {
        assert_eq!(
            a.get(&format!("/archive/bundles/{bad}")).status,
            404,
            "{bad}"
        );
    }
    assert_eq!(
        clerk.get("/archive/bundles/X012-WS-2026-XFB.zip").status,
        403
    );
    assert_eq!(a.get("/assets/archive.js").status, 200);
    assert!(a.get("/archive").text().contains("重新打包"));
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

fn check_text(dir: &Path) -> String {
    let o = anjuan(dir, &["check", "."]);
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_drafted_opinion_awaits_the_leaders_sign_off() {
    let (_t, dir) = office();
    let path = dir.join("cases/XF-2026-0007.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(DRAFT);
    std::fs::write(&path, &text).unwrap();
    let found = check_text(&dir);
    assert!(found.contains("处理意见待审签"), "{found}");
    assert!(
        !found.contains("handling.signed_off_by: 签发领导"),
        "not an error: {found}"
    );

    let s = serve(&dir, &[]);
    let (mut l, token) = Client::signed_in(&s, "孙丽华");
    let home = l.get("/").text();
    assert!(home.contains(">审批</a>"), "menu entry");
    assert!(home.contains("待审签"), "{home}");
    let page = l.get("/approvals");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(
        html.contains("XF-2026-0007") && html.contains("所购车辆价值不足3万元"),
        "{html}"
    );
    assert!(html.contains("恢复家庭最低生活保障待遇"));
    let version = attr_after(&html, r#"name="version" value=""#);

    // Stale: the file changed after the page was read.
    std::fs::write(&path, format!("{text}\n# 李静补注\n")).unwrap();
    let before = std::fs::read_to_string(&path).unwrap();
    let r = l.post(
        "/approvals/XF-2026-0007/sign-off",
        &form(&[("csrf", &token), ("version", &version)]),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("已被他人修改"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);

    // The clerk may not sign off.
    let (mut c, ctoken) = Client::signed_in(&s, "李静");
    let r = c.post(
        "/approvals/XF-2026-0007/sign-off",
        &form(&[("csrf", &ctoken), ("version", &version)]),
    );
    assert_eq!(r.status, 403);
    assert_eq!(c.get("/approvals").status, 403);

    let page = l.get("/approvals").text();
    let version = attr_after(&page, r#"name="version" value=""#);
    let r = l.post(
        "/approvals/XF-2026-0007/sign-off",
        &form(&[("csrf", &token), ("version", &version)]),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.contains(r#"signed_off_by = "孙丽华""#), "{after}");
    assert!(after.contains("signed_off_on = 2026-11-21"), "{after}");
    assert!(after.contains("# 李静补注"), "comments kept");
    assert!(audit_log(&dir)
        .lines()
        .any(|l| l.contains("opinion.signoff") && l.contains("XF-2026-0007")));
    assert!(!check_text(&dir).contains("待审签"));
    assert!(l.get("/approvals").text().contains("没有待审签的处理意见"));
}

#[test]
fn an_extension_moves_the_limit_only_once_approved() {
    let (_t, dir) = office();
    let path = dir.join("cases/XF-2026-0007.toml");
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "李静");
    let case = c.get("/cases/XF-2026-0007").text();
    assert!(
        case.contains("/cases/XF-2026-0007/edit/extension"),
        "{case}"
    );
    assert!(case.contains("2027-01-08"));
    let page = c.get("/cases/XF-2026-0007/edit/extension");
    assert_eq!(page.status, 200, "{}", page.text());
    let version = attr_after(&page.text(), r#"name="version" value=""#);
    let request = |days: &str| {
        form(&[
            ("csrf", &token),
            ("version", &version),
            ("extension.days", days),
            ("extension.reason", "需调取其子在杭州的务工收入证明。"),
        ])
    };
    let r = c.post("/cases/XF-2026-0007/edit/extension", &request("31"));
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text().contains(r#"data-field="extension.days""#),
        "{}",
        r.text()
    );
    let r = c.post("/cases/XF-2026-0007/edit/extension", &request("20"));
    assert_eq!(r.status, 303, "{}", r.text());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("[extension]") && text.contains("days = 20"),
        "{text}"
    );
    assert!(!text.contains("approved_by"));
    assert!(audit_log(&dir)
        .lines()
        .any(|l| l.contains("extension.request") && l.contains("XF-2026-0007")));
    // Requested: the limit stands.
    let case = c.get("/cases/XF-2026-0007").text();
    assert!(
        case.contains("2027-01-08") && !case.contains("2027-01-28"),
        "{case}"
    );
    assert!(case.contains("延期待审批"), "{case}");
    assert!(check_text(&dir).contains("延期待审批"));

    let (mut l, ltoken) = Client::signed_in(&s, "孙丽华");
    assert!(l.get("/").text().contains("延期待批"));
    let page = l.get("/approvals").text();
    assert!(
        page.contains("2027-01-08") && page.contains("2027-01-28"),
        "{page}"
    );
    let version = attr_after(&page, r#"name="version" value=""#);
    let r = l.post(
        "/approvals/XF-2026-0007/extension/approve",
        &form(&[("csrf", &ltoken), ("version", &version)]),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains(r#"approved_by = "孙丽华""#) && text.contains("approved_on = 2026-11-21"),
        "{text}"
    );
    assert!(audit_log(&dir)
        .lines()
        .any(|l| l.contains("extension.approve") && l.contains("XF-2026-0007")));
    let case = c.get("/cases/XF-2026-0007").text();
    assert!(case.contains("2027-01-28"), "{case}");
    assert!(!check_text(&dir).contains("延期待审批"));
}

#[test]
fn an_approval_after_the_original_limit_is_refused_and_the_request_rejected() {
    let (_t, dir) = office();
    // The office's day after the limit (2027-01-08) of XF-2026-0007.
    let cfg = dir.join("anjuan.toml");
    let t = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, t.replace("as_of = 2026-11-21", "as_of = 2027-01-09")).unwrap();
    let path = dir.join("cases/XF-2026-0007.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n[extension]\ndays = 10\nreason = \"待补充材料\"\n");
    std::fs::write(&path, &text).unwrap();
    let s = serve(&dir, &[]);
    let (mut l, token) = Client::signed_in(&s, "孙丽华");
    let page = l.get("/approvals").text();
    assert!(page.contains("原期限已届满，不能批准"), "{page}");
    let version = attr_after(&page, r#"name="version" value=""#);
    let r = l.post(
        "/approvals/XF-2026-0007/extension/approve",
        &form(&[("csrf", &token), ("version", &version)]),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text().contains("2027-01-08") && r.text().contains("已届满"),
        "{}",
        r.text()
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    let r = l.post(
        "/approvals/XF-2026-0007/extension/reject",
        &form(&[("csrf", &token), ("version", &version)]),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(!std::fs::read_to_string(&path)
        .unwrap()
        .contains("[extension]"));
    assert!(audit_log(&dir)
        .lines()
        .any(|l| l.contains("extension.reject") && l.contains("XF-2026-0007")));
}

#[test]
fn a_clerk_closes_a_case_and_a_future_date_is_refused_at_its_field() {
    let (_t, dir) = office();
    let path = dir.join("cases/XF-2026-0007.toml");
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "李静");
    assert!(c
        .get("/cases/XF-2026-0007")
        .text()
        .contains("/cases/XF-2026-0007/edit/close"));
    let page = c.get("/cases/XF-2026-0007/edit/close");
    assert_eq!(page.status, 200, "{}", page.text());
    let version = attr_after(&page.text(), r#"name="version" value=""#);
    let close = |date: &str, basis: &str| {
        form(&[
            ("csrf", &token),
            ("version", &version),
            ("close.date", date),
            ("close.basis", basis),
            ("close.note", "已移交县民政局依法处理（青民〔2026〕88号）"),
        ])
    };
    let before = std::fs::read_to_string(&path).unwrap();
    let r = c.post(
        "/cases/XF-2026-0007/edit/close",
        &close("2026-12-01", "依法处理"),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let html = r.text();
    let at = html.find(r#"id="f-close.date""#).unwrap();
    let next = html[at..].find(r#"id="f-close.basis""#).unwrap() + at;
    assert!(html[at..next].contains("date in the future"), "{html}");
    // 办结 without a handling opinion: at the basis.
    let r = c.post(
        "/cases/XF-2026-0007/edit/close",
        &close("2026-11-21", "办结"),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text().contains(r#"data-field="close.basis""#),
        "{}",
        r.text()
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    let r = c.post(
        "/cases/XF-2026-0007/edit/close",
        &close("2026-11-21", "依法处理"),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(
        after.contains("[close]")
            && after.contains("date = 2026-11-21")
            && after.contains(r#"basis = "依法处理""#),
        "{after}"
    );
    assert!(audit_log(&dir)
        .lines()
        .any(|l| l.contains("case.close") && l.contains("XF-2026-0007")));
    // Not the leader's to do.
    let (mut l, _) = Client::signed_in(&s, "孙丽华");
    assert_eq!(l.get("/cases/XF-2026-0007/edit/close").status, 403);
}

#[test]
fn a_pack_that_fails_says_why_and_what_to_do() {
    // The demo office copy has no key: the desk does not make unsigned bundles.
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (mut a, token) = Client::signed_in(&s, "钱档");
    let r = a.post(
        "/archive/pack",
        &form(&[("csrf", &token), ("year", "2026")]),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let job = r.header("location").unwrap().to_string();
    let events = sse_events(&a.get(&format!("{job}/events")).text());
    let (last, body) = events.last().unwrap();
    assert_eq!(last, "failed");
    assert!(body["error"].as_str().unwrap().contains("私钥"), "{body}");
    assert!(
        body["remedy"].as_str().unwrap().contains("anjuan key new"),
        "{body}"
    );
    // Without script: the page says the same.
    let page = a.get(&job).text();
    assert!(
        page.contains("失败") && page.contains("anjuan key new"),
        "{page}"
    );
    assert!(audit_log(&dir)
        .lines()
        .any(|l| l.contains("pack.failed") && l.contains("钱档")));
    assert!(!dir.join("archive/X012-WS-2026-XFB.zip").exists());
    // A year out of range is refused before any work.
    let r = a.post(
        "/archive/pack",
        &form(&[("csrf", &token), ("year", "20x6")]),
    );
    assert_eq!(r.status, 422);
}

/// The 管理员 manages accounts from the desk, each change audited through the
/// library (the same lines as `anjuan user`), and reads the audit trail, checked.
#[test]
fn the_admin_manages_accounts_and_reads_the_checked_audit_trail() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    // Only the admin.
    let (mut clerk, _) = Client::signed_in(&s, "李静");
    assert_eq!(clerk.get("/users").status, 403);
    assert_eq!(clerk.get("/audit").status, 403);
    let (mut a, token) = Client::signed_in(&s, "管理员甲");
    let page = a.get("/users");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("李静") && html.contains("登记员"), "{html}");
    assert!(html.contains(r#"href="&#x2F;audit""#), "审计 in the menu");

    // Two different passwords, a duplicate name: refused, nothing changed.
    let differ = a.post(
        "/users",
        &form(&[
            ("csrf", &token),
            ("op", "add"),
            ("name", "周新"),
            ("role", "登记员"),
            ("password", "geheim-456"),
            ("password2", "geheim-457"),
        ]),
    );
    assert_eq!(differ.status, 422);
    assert!(differ.text().contains("两次输入的口令不一致"));
    let dup = a.post(
        "/users",
        &form(&[
            ("csrf", &token),
            ("op", "add"),
            ("name", "李静"),
            ("role", "登记员"),
            ("password", "geheim-456"),
            ("password2", "geheim-456"),
        ]),
    );
    assert_eq!(dup.status, 422, "{}", dup.text());
    // Added: the new clerk can log in; disabled: cannot; enabled again.
    let added = a.post(
        "/users",
        &form(&[
            ("csrf", &token),
            ("op", "add"),
            ("name", "周新"),
            ("role", "登记员"),
            ("password", "geheim-456"),
            ("password2", "geheim-456"),
        ]),
    );
    assert_eq!(added.status, 303, "{}", added.text());
    assert_eq!(Client::new(&s).login("周新", "geheim-456").status, 303);
    let op = |a: &mut Client, op: &str, name: &str| {
        a.post(
            "/users",
            &form(&[("csrf", &token), ("op", op), ("name", name)]),
        )
    };
    assert_eq!(op(&mut a, "disable", "周新").status, 303);
    assert_eq!(Client::new(&s).login("周新", "geheim-456").status, 401);
    assert_eq!(op(&mut a, "enable", "周新").status, 303);
    // A token is shown once, on the answer; withdrawn again.
    let t = op(&mut a, "token", "周新");
    assert_eq!(t.status, 200);
    let shown = attr_after(&t.text(), r#"<code id="token-value">"#);
    let value: String = shown.chars().take_while(|c| *c != '<').collect();
    assert!(value.starts_with("anjuan_") && value.len() > 40, "{shown}");
    assert!(!a.get("/users").text().contains(&value), "shown once only");
    assert_eq!(op(&mut a, "revoke", "周新").status, 303);
    // The admin's own account is not disabled or removed from here.
    let own = op(&mut a, "remove", "管理员甲");
    assert_eq!(own.status, 422);
    assert_eq!(op(&mut a, "remove", "周新").status, 303);
    assert!(!a.get("/users").text().contains("周新（"));

    let log = audit_log(&dir);
    for action in [
        "user.add",
        "user.disable",
        "user.enable",
        "user.token",
        "user.token.revoke",
        "user.remove",
    ] {
        assert!(
            log.lines()
                .any(|l| l.contains(&format!("\"{action}\"")) && l.contains("desk:管理员甲")),
            "{action}: {log}"
        );
    }
    // The trail, checked and shown newest first.
    let audit = a.get("/audit").text();
    assert!(audit.contains("id=\"intact\""), "{audit}");
    assert!(
        audit.find("user.remove") < audit.find("user.add"),
        "newest first"
    );
    assert!(a
        .get("/audit?q=user.token")
        .text()
        .contains("user.token.revoke"));
    // An edited line is found and named.
    let path = dir.join(anjuan::office::audit::AUDIT_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("周新", "周旧", 1)).unwrap();
    let broken = a.get("/audit").text();
    assert!(
        broken.contains("id=\"broken\"") && broken.contains("第 "),
        "{broken}"
    );
}

/// The 处理意见 form of XF-2026-0007 (accepted 2026-11-09, two requests), as a
/// clerk fills it in.
fn opinion_form(token: &str, version: &str, date: &str, steps: &str, reason2: &str) -> String {
    opinion_numbered(token, version, "32", date, steps, reason2)
}

fn opinion_numbered(
    token: &str,
    version: &str,
    doc_no: &str,
    date: &str,
    steps: &str,
    reason2: &str,
) -> String {
    form(&[
        ("csrf", token),
        ("version", version),
        ("handling.procedure", "普通"),
        ("handling.date", date),
        ("handling.doc_no", doc_no),
        (
            "handling.facts",
            "经入户核查，信访人之子常年在杭州务工，所购车辆系二手车，价值不足3万元。",
        ),
        ("handling.investigation", steps),
        (
            "handling.legal_basis",
            "《社会救助暂行办法》第九条\n《最低生活保障审核确认办法》第十三条",
        ),
        ("handling.decisions[0].outcome", "支持"),
        (
            "handling.decisions[0].reason",
            "车辆不影响家庭经济状况认定，恢复低保待遇。",
        ),
        ("handling.decisions[1].outcome", "支持"),
        ("handling.decisions[1].reason", reason2),
        ("handling.review_body", "青溪县人民政府"),
    ])
}

const STEPS: &str = "2026-11-13 上塘村后畈组 蒋晓东、杨爱琴：入户核查，信访人之子常年在杭州务工。\n2026-11-16 柳河镇社会事务办公室 蒋晓东：调取车辆登记和购车贷款合同，车辆购置价2.8万元。";

/// The error messages the form shows at `field` (between its block and the next).
fn errors_at(html: &str, field: &str) -> String {
    let marker = format!(r#"id="f-{field}""#);
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {field} in {html}"));
    let rest = &html[at + marker.len()..];
    let end = rest.find(r#"<div class="field"#).unwrap_or(rest.len());
    rest[..end].to_string()
}

#[test]
fn a_clerk_drafts_an_opinion_the_leader_signs_it_off_and_the_paper_is_made() {
    let (_t, dir) = office();
    let path = dir.join("cases/XF-2026-0007.toml");
    let form_path = "/cases/XF-2026-0007/edit/handling";
    let s = serve(&dir, &[]);

    // Not the receiver's nor the leader's to draft: refused and audited.
    let (mut r, rtoken) = Client::signed_in(&s, "赵收");
    assert_eq!(r.get(form_path).status, 403);
    let (mut l, ltoken) = Client::signed_in(&s, "孙丽华");
    assert_eq!(l.get(form_path).status, 403);
    let before = std::fs::read_to_string(&path).unwrap();
    let r2 = l.post(
        form_path,
        &opinion_form(&ltoken, "x", "2026-11-20", STEPS, "自2026年10月起补发。"),
    );
    assert_eq!(r2.status, 403);
    assert_eq!(r.post(form_path, &form(&[("csrf", &rtoken)])).status, 403);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    let denied = audit_log(&dir)
        .lines()
        .filter(|x| x.contains("access.denied") && x.contains(form_path))
        .count();
    assert!(denied >= 4, "{}", audit_log(&dir));
    assert!(!l.get("/cases/XF-2026-0007").text().contains(form_path));

    // The clerk: the case page offers the draft; the form has one decision per request.
    let (mut c, token) = Client::signed_in(&s, "李静");
    let case = c.get("/cases/XF-2026-0007").text();
    assert!(
        case.contains("起草处理意见") && case.contains(form_path),
        "{case}"
    );
    let page = c.get(form_path);
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    for want in [
        "恢复家庭最低生活保障待遇",
        "补发2026年10月起停发的低保金",
        r#"name="handling.decisions[1].reason""#,
        r#"value="青溪县人民政府""#,
        "待领导审签",
        "下一个未用的序号是 32",
        "柳政信处字〔2026〕32号",
        r#"name="handling.doc_no" value="32""#,
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }
    let version = attr_after(&html, r#"name="version" value=""#);

    // A step not in the form: refused at its line, the input kept.
    let bad_steps =
        "2026-11-13 上塘村后畈组 蒋晓东、杨爱琴：入户核查。\n2026-11-16 蒋晓东 调取车辆登记";
    let r = c.post(
        form_path,
        &opinion_form(
            &token,
            &version,
            "2026-11-20",
            bad_steps,
            "自2026年10月起补发。",
        ),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let html = r.text();
    let at = errors_at(&html, "handling.investigation");
    assert!(at.contains("第 2 行") && at.contains("冒号"), "{at}");
    assert!(html.contains("调取车辆登记"), "input kept");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);

    // A request without a reason and a date before acceptance: at their fields.
    let r = c.post(
        form_path,
        &opinion_form(&token, &version, "2026-11-05", STEPS, ""),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains(r#"data-field="handling.decisions[1].reason""#),
        "{html}"
    );
    assert!(
        errors_at(&html, "handling.date").contains("受理日期"),
        "{html}"
    );
    assert!(
        html.contains("车辆不影响家庭经济状况认定") && html.contains("入户核查，信访人之子"),
        "input kept"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);

    // Another case's 文号 (XF-2026-0006 has 31): refused at the number.
    let r = c.post(
        form_path,
        &opinion_numbered(
            &token,
            &version,
            "31",
            "2026-11-20",
            STEPS,
            "自2026年10月起补发。",
        ),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let at = errors_at(&r.text(), "handling.doc_no");
    assert!(at.contains("重复") && at.contains("32"), "{at}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);

    // Corrected: saved as a draft for the leader, comments kept.
    let r = c.post(
        form_path,
        &opinion_form(
            &token,
            &version,
            "2026-11-20",
            STEPS,
            "自2026年10月起补发。",
        ),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let text = std::fs::read_to_string(&path).unwrap();
    for want in [
        "# 样例（未结）",
        "# → 柳政信受字〔2026〕21号",
        "[handling]",
        "date = 2026-11-20",
        "doc_no = 32",
        r#"signed_off_by = """#,
        r#"review_body = "青溪县人民政府""#,
        "[[handling.decisions]]",
        "request = 2",
        r#"outcome = "支持""#,
        "[[handling.investigation]]",
        r#"place = "柳河镇社会事务办公室""#,
        r#"by = "蒋晓东、杨爱琴""#,
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    let found = check_text(&dir);
    assert!(found.contains("处理意见待审签"), "{found}");
    assert!(
        found.contains("0 个错误") && found.contains("1 个警告"),
        "{found}"
    );
    assert!(audit_log(&dir)
        .lines()
        .any(|x| x.contains("case.edit") && x.contains("XF-2026-0007") && x.contains("handling")));
    let case = c.get("/cases/XF-2026-0007").text();
    assert!(
        case.contains("待审签") && case.contains("修改草稿"),
        "{case}"
    );
    assert!(!case.contains("起草处理意见"), "{case}");

    // A stale save is refused and the file kept.
    let page = c.get(form_path).text();
    let version = attr_after(&page, r#"name="version" value=""#);
    assert!(
        page.contains("2026-11-13 上塘村后畈组 蒋晓东、杨爱琴：入户核查"),
        "{page}"
    );
    let theirs = format!("{text}\n# 孙丽华：请补充车辆评估情况\n");
    std::fs::write(&path, &theirs).unwrap();
    let r = c.post(
        form_path,
        &opinion_form(
            &token,
            &version,
            "2026-11-20",
            STEPS,
            "自2026年10月起补发，一次性发放。",
        ),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("已被他人修改"), "{}", r.text());
    assert!(r.text().contains("一次性发放"), "input kept");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), theirs);

    // The leader signs it off on 审批.
    let page = l.get("/approvals").text();
    assert!(page.contains("XF-2026-0007"), "{page}");
    let version = attr_after(&page, r#"name="version" value=""#);
    let r = l.post(
        "/approvals/XF-2026-0007/sign-off",
        &form(&[("csrf", &ltoken), ("version", &version)]),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let case = c.get("/cases/XF-2026-0007").text();
    assert!(
        case.contains("已签发") && case.contains("孙丽华") && case.contains("2026-11-21"),
        "{case}"
    );
    assert!(!case.contains("修改草稿"), "{case}");
    // Signed off: no more edits from the desk.
    let signed = std::fs::read_to_string(&path).unwrap();
    let r = c.get(form_path);
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("已签发") && r.text().contains("撤回签发"));
    let r = c.post(
        form_path,
        &opinion_form(&token, &version, "2026-11-20", STEPS, "改过的理由"),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), signed);

    // The clerk renders: the 处理意见书 is among the case's papers.
    let made = c.post("/cases/XF-2026-0007/render", &form(&[("csrf", &token)]));
    assert_eq!(made.status, 303, "{}", made.text());
    let names: Vec<String> = std::fs::read_dir(dir.join("papers/XF-2026-0007"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pdf"))
        .collect();
    let opinion = names
        .iter()
        .find(|n| n.contains("处理意见书"))
        .unwrap_or_else(|| panic!("{names:?}"));
    assert!(c
        .get("/cases/XF-2026-0007")
        .text()
        .contains(opinion.as_str()));
}

#[test]
fn a_draft_in_the_file_is_edited_request_by_request() {
    let (_t, dir) = office();
    let path = dir.join("cases/XF-2026-0007.toml");
    // The decisions out of order, the second for a request the case does not have.
    let draft = DRAFT
        .replacen("request = 1", "request = 9", 1)
        .replacen("request = 2", "request = 1", 1)
        .replacen("request = 9", "request = 2", 1)
        .replace(
            "reason = \"自2026年10月起补发。\"",
            "reason = \"自2026年10月起补发。\"\n\n[[handling.decisions]]\nrequest = 3\noutcome = \"不予支持\"\nreason = \"\"",
        );
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&draft);
    std::fs::write(&path, &text).unwrap();
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "李静");
    let page = c.get("/cases/XF-2026-0007/edit/handling");
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    // Each request's decision at its place, the stray one named above the form.
    let at = errors_at(&html, "handling.decisions[0].reason");
    assert!(at.contains("自2026年10月起补发"), "{at}");
    assert!(
        html.contains("request = 3") && html.contains("第 3 项诉求不存在"),
        "{html}"
    );
    assert!(html.contains("文号"), "{html}");
    let version = attr_after(&html, r#"name="version" value=""#);
    let r = c.post(
        "/cases/XF-2026-0007/edit/handling",
        &opinion_form(&token, &version, "2026-11-20", "", "自2026年10月起补发。"),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let after = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        after.matches("[[handling.decisions]]").count(),
        2,
        "{after}"
    );
    assert!(
        !after.contains("request = 3") && !after.contains("不予支持"),
        "{after}"
    );
    assert!(!after.contains("[[handling.investigation]]"), "{after}");
    let found = check_text(&dir);
    assert!(found.contains("0 个错误"), "{found}");
}

/// The clerk records the acceptance decision of a registered case (受理告知) and
/// its responsibility (责任落实) on the case page: the findings of `check` at
/// their fields, the next free 文号 offered, and then the opinion can be drafted.
#[test]
fn a_clerk_records_the_acceptance_decision_and_the_responsibility() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let (mut c, token) = Client::signed_in(&s, "李静");
    let id = "XF-2026-0008";
    let path = dir.join(format!("cases/{id}.toml"));
    let page = c.get(&format!("/cases/{id}")).text();
    assert!(page.contains("记录受理决定"), "{page}");
    assert!(
        !page.contains("起草处理意见 (draft"),
        "not before acceptance"
    );
    let form_page = c.get(&format!("/cases/{id}/edit/acceptance"));
    assert_eq!(form_page.status, 200, "{}", form_page.text());
    let html = form_page.text();
    assert!(html.contains("受理告知书下一个未用的序号"), "{html}");
    let version = attr_after(&html, r#"name="version" value=""#);
    let before = std::fs::read_to_string(&path).unwrap();
    let post = |c: &mut Client, pairs: &[(&str, &str)]| {
        let mut all = vec![("csrf", token.as_str()), ("version", version.as_str())];
        all.extend_from_slice(pairs);
        c.post(&format!("/cases/{id}/edit/acceptance"), &form(&all))
    };
    // A refusal without its reason: the finding stands at the field.
    let r = post(
        &mut c,
        &[
            ("acceptance.decision", "不予受理"),
            ("acceptance.date", "2026-11-21"),
            ("acceptance.doc_no", "9"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text().contains(r#"data-field="acceptance.reason"#),
        "{}",
        r.text()
    );
    // No decision chosen: refused at its field.
    let r = post(&mut c, &[("acceptance.date", "2026-11-21")]);
    assert_eq!(r.status, 422);
    assert!(r.text().contains(r#"data-field="acceptance.decision""#));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    let r = post(
        &mut c,
        &[
            ("acceptance.decision", "受理"),
            ("acceptance.date", "2026-11-21"),
            ("acceptance.doc_no", "9"),
            ("acceptance.contact", "李静"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(
        after.contains("[acceptance]") && after.contains("decision = \"受理\""),
        "{after}"
    );
    assert!(audit_log(&dir).contains("acceptance.decision"));

    // Responsibility, then the opinion can be drafted.
    let html = c.get(&format!("/cases/{id}/edit/responsibility")).text();
    let version = attr_after(&html, r#"name="version" value=""#);
    let r = c.post(
        &format!("/cases/{id}/edit/responsibility"),
        &form(&[
            ("csrf", &token),
            ("version", &version),
            ("responsibility.unit", "柳河镇社会事务办公室"),
            ("responsibility.leader", "孙丽华"),
            ("responsibility.leader_title", "副镇长"),
            ("responsibility.handler", "蒋晓东"),
        ]),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let page = c.get(&format!("/cases/{id}")).text();
    assert!(page.contains("受理，2026-11-21"), "{page}");
    assert!(
        page.contains(&format!("/cases/{id}/edit/handling")),
        "{page}"
    );
    // Not for the receiver.
    let (mut r2, _) = Client::signed_in(&s, "赵收");
    assert_eq!(r2.get(&format!("/cases/{id}/edit/acceptance")).status, 403);
}

/// The binary turns transparent huge pages off for itself (src/main.rs): with
/// them on, mimalloc's purged memory was zeroed again 2 MB at a time, a third of
/// a render's CPU. The kernel shows the setting in /proc (Linux 6.x).
#[cfg(target_os = "linux")]
#[test]
fn the_process_runs_without_transparent_huge_pages() {
    let (_t, dir) = office();
    let s = serve(&dir, &[]);
    let status = std::fs::read_to_string(format!("/proc/{}/status", s.child.id())).unwrap();
    match status.lines().find(|l| l.starts_with("THP_enabled:")) {
        Some(l) => assert_eq!(l.split_whitespace().nth(1), Some("0"), "{l}"),
        None => eprintln!("this kernel does not show THP_enabled; not checked"),
    }
}
