//! The desk's test harness, shared by `tests/desk.rs`, `tests/api.rs` and
//! `tests/browser.rs`: a demo office with one account per role, `anjuan serve`
//! on a free loopback port (killed when dropped), and a small HTTP/1.1 client
//! over a raw `TcpStream` that keeps cookies (no client crate: nothing to hide
//! what goes over the wire).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The password of every account [`office`] makes.
pub const PW: &str = "geheim-123";

/// A copy of the demo office with a clerk 李静, a leader 孙丽华, a receiver 赵收,
/// an archivist 钱档 (and the admin the first account must be).
pub fn office() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("office");
    super::copy_demo(&dir);
    add_accounts(&dir);
    (t, dir)
}

/// The office `anjuan demo` makes (its key, papers rendered and signed, ready
/// to pack), with the accounts of [`office`]. Returns (tempdir, office folder).
#[allow(dead_code)]
pub fn demo_office() -> (tempfile::TempDir, PathBuf) {
    let (t, root) = super::demo_run();
    let dir = root.join("office");
    add_accounts(&dir);
    (t, dir)
}

fn add_accounts(dir: &Path) {
    for (name, role) in [
        ("管理员甲", "管理员"),
        ("李静", "登记员"),
        ("孙丽华", "领导"),
        ("赵收", "接收员"),
        ("钱档", "档案员"),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_anjuan"))
            .args(["user", "add"])
            .arg(dir)
            .args([name, "--role", role, "--password-env", "DESK_PW"])
            .env("DESK_PW", PW)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", super::text_of(&o));
    }
}

/// A running `anjuan serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub out: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(office: &Path, extra: &[&str]) -> Server {
    serve_with(office, extra, None, &[])
}

/// [`serve`] run in `cwd` (else the test's), with `env` set.
pub fn serve_with(
    office: &Path,
    extra: &[&str],
    cwd: Option<&Path>,
    env: &[(&str, &std::ffi::OsStr)],
) -> Server {
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_anjuan"));
    cmd.arg("serve")
        .arg(office)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut out = String::new();
    let addr = loop {
        let Some(Ok(l)) = lines.next() else {
            let _ = child.kill();
            panic!("serve printed no address: {out}");
        };
        out.push_str(&l);
        out.push('\n');
        if let Some(u) = l.split("http://").nth(1) {
            break u.trim_end_matches('/').to_string();
        }
    };
    // Keep reading so the pipe never fills.
    std::thread::spawn(move || for _ in lines {});
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "slow start: {:?}",
        started.elapsed()
    );
    Server { child, addr, out }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A browser of sorts: keeps cookies, speaks HTTP/1.1 with `Connection: close`.
pub struct Client {
    pub addr: String,
    pub cookies: BTreeMap<String, String>,
}

impl Client {
    pub fn new(s: &Server) -> Client {
        Client {
            addr: s.addr.clone(),
            cookies: BTreeMap::new(),
        }
    }

    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Resp {
        self.send_bytes(method, path, body.map(str::as_bytes), extra)
    }

    /// [`Client::send`] with a body of any bytes (an upload).
    pub fn send_bytes(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req.push_str(&format!("Cookie: {}\r\n", c.join("; ")));
        }
        for (k, v) in extra {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        let typed = extra
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if let Some(b) = body {
            if !typed {
                req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
            }
            req.push_str(&format!("Content-Length: {}\r\n", b.len()));
        }
        req.push_str("\r\n");
        let mut req = req.into_bytes();
        if let Some(b) = body {
            req.extend_from_slice(b);
        }
        // A server that refuses early may close before the body is all sent:
        // its answer is still there to read.
        let _ = s.write_all(&req);
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a response head");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let body = raw[split + 4..].to_vec();
        let mut lines = head.lines();
        let status: u16 = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let chunked = headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
        });
        let body = if chunked { dechunk(&body) } else { body };
        let r = Resp {
            status,
            headers,
            body,
        };
        for c in r.headers_named("set-cookie") {
            let kv = c.split(';').next().unwrap();
            if let Some((k, v)) = kv.split_once('=') {
                if c.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
        r
    }

    pub fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, None, &[])
    }

    pub fn post(&mut self, path: &str, body: &str) -> Resp {
        self.send("POST", path, Some(body), &[])
    }

    pub fn login(&mut self, name: &str, pw: &str) -> Resp {
        let page = self.get("/login");
        let token = csrf(&page.text());
        self.post(
            "/login",
            &form(&[("csrf", &token), ("name", name), ("password", pw)]),
        )
    }

    /// Logged in; the CSRF token of the session (from the dashboard's logout form).
    pub fn signed_in(s: &Server, name: &str) -> (Client, String) {
        let mut c = Client::new(s);
        let r = c.login(name, PW);
        assert_eq!(r.status, 303, "{}", r.text());
        let home = c.get("/");
        assert_eq!(home.status, 200);
        let token = csrf(&home.text());
        (c, token)
    }
}

/// The body of a `Transfer-Encoding: chunked` response.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&raw[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .expect("a chunk size");
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&raw[start..start + size]);
        raw = &raw[start + size + 2..];
    }
    out
}

pub fn csrf(html: &str) -> String {
    attr_after(html, r#"name="csrf" value=""#)
}

pub fn attr_after(html: &str, marker: &str) -> String {
    let i = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"))
        + marker.len();
    html[i..].split('"').next().unwrap().to_string()
}

pub fn audit_log(office: &Path) -> String {
    std::fs::read_to_string(office.join(".anjuan/audit.log")).unwrap_or_default()
}

/// A `multipart/form-data` body with one file field `file`: (content type, body).
pub fn multipart(file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----anjuan-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Client {
    /// Uploads `bytes` as the file of the form at `path` (the CSRF token in the
    /// query, as the desk's upload forms send it).
    pub fn upload(&mut self, path: &str, token: &str, file_name: &str, bytes: &[u8]) -> Resp {
        let (ct, body) = multipart(file_name, bytes);
        let sep = if path.contains('?') { '&' } else { '?' };
        self.send_bytes(
            "POST",
            &format!("{path}{sep}csrf={token}"),
            Some(&body),
            &[("Content-Type", &ct)],
        )
    }
}
