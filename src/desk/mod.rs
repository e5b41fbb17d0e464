//! 工作台 (the desk): the web face of an office, `anjuan serve OFFICE`. It routes a
//! request, checks who may make it, calls the office workflows
//! ([`crate::office`]) and renders a page; it holds no workflow logic of its own.
//!
//! Security model, in short: loopback only unless TLS is given (or the operator
//! says `--insecure-lan`); accounts and the audit trail are the office's
//! ([`crate::office::users`], [`crate::office::audit`]); sessions live in memory
//! (a restart logs everyone out) behind a random 256-bit cookie (`HttpOnly;
//! SameSite=Strict`, `Secure` under TLS) with an idle timeout; every state-changing
//! request carries the session's CSRF token; logins are rate limited by account
//! and by address; every route names the [`Action`] it needs and a refusal is
//! audited; responses carry a strict Content-Security-Policy (no inline script).

mod admin;
mod api;
mod approvals;
mod archive;
mod ledger;
mod pages;
mod receive;
mod session;
mod upload;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::config::{Config, Loaded};
use crate::office::index::Index;
use crate::office::users::Action;

pub use session::{Session, Sessions};

/// The default address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8750";
/// Threads of the blocking pool (file reads, parsing) per core.
const BLOCKING_PER_CORE: usize = 4;
/// The largest request body read (forms are small).
pub const BODY_LIMIT: usize = 256 * 1024;

/// How to serve.
#[derive(Clone, Debug)]
pub struct Options {
    pub office: PathBuf,
    pub listen: SocketAddr,
    /// Certificate chain and private key, PEM.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Serve plain HTTP on a non-loopback address anyway.
    pub insecure_lan: bool,
    /// Minutes of inactivity after which a session ends.
    pub idle_minutes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("{0}: 不是办公室目录（缺少 anjuan.toml）(not an office folder)")]
    NotOffice(PathBuf),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("拒绝在非本机地址 {0} 上以明文 HTTP 提供服务 (refusing plain HTTP on a non-loopback address)")]
    Insecure(SocketAddr),
    #[error("--tls-cert 与 --tls-key 须同时给出 (give both --tls-cert and --tls-key)")]
    TlsHalf,
    #[error("{0}: 无法读取 TLS 证书或私钥 (cannot read the TLS certificate or key): {1}")]
    Tls(PathBuf, String),
    #[error("无法监听 {0} (cannot listen): {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("无法启动服务 (cannot start the server): {0}")]
    Runtime(std::io::Error),
    #[error("模板有误 (desk template error): {0}")]
    Template(String),
}

impl DeskError {
    pub fn remedy(&self) -> &'static str {
        match self {
            DeskError::NotOffice(_) => "给出办公室目录（anjuan init 建立）",
            DeskError::Config(_) => "按提示修改 anjuan.toml",
            DeskError::Insecure(_) => {
                "在本机使用默认地址 127.0.0.1:8750；要在局域网提供服务，给出 --tls-cert 与 --tls-key，或明知风险时加 --insecure-lan"
            }
            DeskError::TlsHalf => "同时给出证书（--tls-cert）与私钥（--tls-key），均为 PEM 格式",
            DeskError::Tls(..) => "检查证书链与私钥文件是否为 PEM 格式、是否可读、是否相配",
            DeskError::Bind(..) => "换一个端口（--listen 127.0.0.1:8751），或先停止占用该端口的程序",
            DeskError::Runtime(_) => "检查系统资源后重试",
            DeskError::Template(_) => "这是 anjuan 的缺陷：请报告",
        }
    }
}

/// What every request shares.
pub(crate) struct Desk {
    pub office: PathBuf,
    pub loaded: Loaded,
    pub index: Index,
    pub sessions: Sessions,
    pub limiter: session::Limiter,
    pub tera: tera::Tera,
    /// Cookies get `Secure` (served over TLS).
    pub secure: bool,
    /// The desk's saves, one at a time (edit::save's last look before the rename).
    pub saving: std::sync::Mutex<()>,
    /// The 统计 page's figures of the last year asked for.
    pub stats: Memo<i32, crate::ledger::stats::Stats>,
    /// The API's deadlines as of the last day asked for.
    pub deadlines: Memo<crate::case::date::Date, Vec<crate::office::output::DeadlineRow>>,
    /// Uploads waiting for their second step (accept a bundle, confirm a ledger).
    pub waiting: upload::Waiting,
    /// The archivist's pack jobs (one running at a time).
    pub jobs: archive::Jobs,
}

/// A result computed from every case file, kept while the index's snapshot of
/// the cases stays the same one (the index replaces its snapshot whenever a file
/// changes), so a page asked for again and again reads the files once.
pub(crate) struct Memo<K, V> {
    slot: std::sync::Mutex<Option<Kept<K, V>>>,
    /// Held while the value is computed, so that requests arriving together
    /// wait for one computation instead of each reading every file (awaited,
    /// so no thread is held while waiting).
    gate: tokio::sync::Mutex<()>,
}

/// A kept value: the snapshot it was computed from, its key, the value.
type Kept<K, V> = (std::sync::Weak<crate::office::index::Snapshot>, K, Arc<V>);

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo {
            slot: std::sync::Mutex::new(None),
            gate: tokio::sync::Mutex::new(()),
        }
    }
}

impl<K: PartialEq, V> Memo<K, V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Kept<K, V>>> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The value kept for `key`, if it was computed from `snapshot`.
    pub fn get(&self, snapshot: &Arc<crate::office::index::Snapshot>, key: &K) -> Option<Arc<V>> {
        match &*self.lock() {
            Some((w, k, v)) if k == key && std::ptr::eq(w.as_ptr(), Arc::as_ptr(snapshot)) => {
                Some(v.clone())
            }
            _ => None,
        }
    }

    /// The value kept for `key` from `snapshot`, else `compute`d and kept. One
    /// computation at a time: a request that waited looks again (another may
    /// have computed the value meanwhile). An error is not kept.
    pub async fn get_or_compute<E, F>(
        &self,
        snapshot: &Arc<crate::office::index::Snapshot>,
        key: K,
        compute: impl FnOnce() -> F,
    ) -> Result<Arc<V>, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(v) = self.get(snapshot, &key) {
            return Ok(v);
        }
        let _one = self.gate.lock().await;
        if let Some(v) = self.get(snapshot, &key) {
            return Ok(v);
        }
        let value = compute().await?;
        Ok(self.put(snapshot, key, value))
    }

    /// Keeps `value`, computed for `key` from the files `snapshot` describes.
    pub fn put(&self, snapshot: &Arc<crate::office::index::Snapshot>, key: K, value: V) -> Arc<V> {
        let v = Arc::new(value);
        *self.lock() = Some((Arc::downgrade(snapshot), key, v.clone()));
        v
    }
}

impl Desk {
    pub fn rules(&self) -> crate::case::Rules<'_> {
        crate::office::rules(&self.loaded, None)
    }

    pub fn office_name(&self) -> &str {
        &self.loaded.config.office.name
    }

    /// The folder of a case's rendered papers.
    pub fn papers_dir(&self, id: &str) -> PathBuf {
        self.loaded
            .root()
            .join(&self.loaded.config.archive.papers)
            .join(id)
    }
}

/// Checks the options and loads the office, without listening yet.
fn prepare(opts: &Options) -> Result<Arc<Desk>, DeskError> {
    let cfg = opts.office.join(crate::config::FILE_NAME);
    if !cfg.is_file() {
        return Err(DeskError::NotOffice(opts.office.clone()));
    }
    if opts.tls.is_none() && !opts.listen.ip().is_loopback() && !opts.insecure_lan {
        return Err(DeskError::Insecure(opts.listen));
    }
    let loaded = Loaded {
        config: Config::load(&cfg)?,
        path: Some(cfg),
    };
    let tera = pages::templates().map_err(|e| DeskError::Template(e.to_string()))?;
    // Uploads wait only as long as the sessions that made them: none survive a restart.
    if let Err(e) = crate::office::state::clear_uploads(&opts.office) {
        eprintln!(
            "警告：无法清理上次遗留的上传文件 (cannot clear old uploads) {}: {e}",
            crate::office::state::uploads_dir(&opts.office).display()
        );
    }
    Ok(Arc::new(Desk {
        office: opts.office.clone(),
        index: Index::new(opts.office.join("cases")),
        loaded,
        sessions: Sessions::new(Duration::from_secs(opts.idle_minutes.max(1) * 60)),
        limiter: session::Limiter::default(),
        tera,
        secure: opts.tls.is_some(),
        saving: std::sync::Mutex::new(()),
        stats: Memo::default(),
        deadlines: Memo::default(),
        waiting: upload::Waiting::default(),
        jobs: archive::Jobs::default(),
    }))
}

/// The routes: each handler names the action it needs (see `pages`).
fn router(desk: Arc<Desk>) -> Router {
    Router::new()
        .route("/", get(pages::dashboard))
        .route("/login", get(pages::login_page).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/cases", get(pages::cases))
        .route(
            "/cases/new",
            get(pages::new_case_page).post(pages::new_case),
        )
        .route("/cases/{id}", get(pages::case_page))
        .route("/cases/{id}/papers/{name}", get(pages::paper))
        .route("/cases/{id}/render", post(pages::render_case))
        .route("/stats", get(pages::stats))
        .route(
            "/cases/{id}/edit/{section}",
            get(pages::edit_page).post(pages::edit),
        )
        .route("/ledger", get(ledger::page))
        // Uploads stream to a file under their own cap (see `upload`), not
        // the forms' limit.
        .route(
            "/ledger/import",
            post(ledger::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/ledger/import/{id}", post(ledger::confirm))
        .route("/ledger/export", get(ledger::export))
        .route(
            "/receive",
            post(receive::upload)
                .layer(DefaultBodyLimit::disable())
                .get(receive::page),
        )
        .route("/receive/{id}/accept", post(receive::accept))
        .route("/received/{name}/{file}", get(receive::file))
        .route("/approvals", get(approvals::page))
        .route("/approvals/{id}/sign-off", post(approvals::sign_off))
        .route(
            "/approvals/{id}/extension/approve",
            post(approvals::approve),
        )
        .route("/approvals/{id}/extension/reject", post(approvals::reject))
        .route("/archive", get(archive::page))
        .route("/archive/pack", post(archive::start))
        .route("/archive/jobs/{id}", get(archive::job_page))
        .route("/archive/jobs/{id}/events", get(archive::events))
        .route("/archive/bundles/{name}", get(archive::download))
        .route("/users", get(admin::users).post(admin::change))
        .route("/audit", get(admin::audit_page))
        .route("/assets/desk.css", get(pages::css))
        .route("/assets/archive.js", get(archive::script))
        .nest("/api/v1", api::router())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(desk.clone(), guard))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(desk)
}

/// Every request: the CSRF check of a state-changing request of the pages
/// (before any handler sees it), and the security headers of every response.
async fn guard(State(desk): State<Arc<Desk>>, req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The API authenticates by bearer token only and never reads the session
    // cookie, so a page cannot make a browser act through it: no CSRF token.
    let api = req.uri().path().starts_with("/api/");
    let mut res = if unsafe_method && !api {
        match csrf_checked(&desk, req).await {
            Ok(req) => next.run(req).await,
            Err(res) => res,
        }
    } else {
        next.run(req).await
    };
    // The framework's own refusals (a malformed path or query, a wrong method)
    // come as bare text: every answer a clerk sees is a Chinese page.
    // The API answers in JSON, its refusals included.
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bare = res.status().is_client_error()
        && !content_type.starts_with(if api { "application/json" } else { "text/html" });
    if bare && api {
        res = api::refusal(res.status());
    } else if bare {
        let status = res.status();
        res = pages::error_page(
            &desk,
            None,
            status,
            "请求有误 (bad request)",
            "地址或提交的内容格式不对：请从页面上的链接和按钮进入，不要手工修改地址。",
        );
    }
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    if desk.secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    res
}

/// The request back with its body, if it carries the right token: the session's
/// (or, for the login form, the login cookie's) in the `X-CSRF-Token` header,
/// the query field `csrf` (an upload form: its body is never buffered to find
/// the token) or the form field `csrf` of a url-encoded body (read up to
/// [`BODY_LIMIT`]). Any other body without the token is refused unread.
async fn csrf_checked(desk: &Desk, req: Request) -> Result<Request, Response> {
    let (parts, body) = req.into_parts();
    let cookies = parts
        .headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let expected = if parts.uri.path() == "/login" {
        session::cookie(cookies, session::LOGIN_COOKIE).map(str::to_string)
    } else {
        session::cookie(cookies, session::COOKIE)
            .and_then(|id| desk.sessions.touch(id).ok())
            .map(|s| s.csrf)
    };
    let outside = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            parts
                .uri
                .query()
                .and_then(|q| form_urlencoded_field(q.as_bytes(), "csrf"))
        });
    let form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| {
            t.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let (body, given) = match outside {
        Some(g) => (body, Some(g)),
        None if form => {
            let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
                Ok(b) => b,
                Err(_) => {
                    return Err(pages::error_page(
                        desk,
                        None,
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "提交的内容过大 (request too large)",
                        "请缩短所填内容后重试。",
                    ))
                }
            };
            let given = form_urlencoded_field(&bytes, "csrf");
            (Body::from(bytes), given)
        }
        None => (Body::empty(), None),
    };
    match (expected, given) {
        (Some(e), Some(g)) if !e.is_empty() && session::same(&e, &g) => {
            Ok(Request::from_parts(parts, body))
        }
        _ => Err(pages::error_page(
            desk,
            None,
            StatusCode::FORBIDDEN,
            "请求未通过安全校验 (CSRF check failed)",
            "页面可能已过期或会话已结束：请返回重新打开页面后再提交。本次提交未作任何修改。",
        )),
    }
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded_pairs(body)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The pairs of an `application/x-www-form-urlencoded` body.
pub(crate) fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// Serves until Ctrl-C or SIGTERM. `ready` is told the address bound (a port 0
/// becomes the one the system gave) before the first request is taken.
pub fn serve(opts: &Options, ready: impl FnOnce(SocketAddr, bool)) -> Result<(), DeskError> {
    let desk = prepare(opts)?;
    let tls = match &opts.tls {
        Some((cert, key)) => Some(tls_config(cert, key)?),
        None => None,
    };
    let listener =
        std::net::TcpListener::bind(opts.listen).map_err(|e| DeskError::Bind(opts.listen, e))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| DeskError::Bind(opts.listen, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| DeskError::Bind(opts.listen, e))?;
    // File reads and case parsing run on tokio's blocking pool. Left at its
    // default (512 threads) a burst of 50 clients grew it to hundreds of threads,
    // each with its own allocator heap: 863 MB at 5,000 cases. A few per core
    // keep the disk busy and memory flat; extra requests queue.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(BLOCKING_PER_CORE * cores)
        .build()
        .map_err(DeskError::Runtime)?;
    let app = router(desk.clone()).into_make_service_with_connect_info::<SocketAddr>();
    ready(addr, tls.is_some());
    // The index is built in the background: the first page need not wait for it.
    {
        let desk = desk.clone();
        std::thread::spawn(move || {
            let _ = desk.index.current(&desk.rules());
        });
    }
    rt.block_on(async move {
        let handle = axum_server::Handle::new();
        let h = handle.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            h.graceful_shutdown(Some(Duration::from_secs(5)));
        });
        let served = match tls {
            Some(cfg) => {
                axum_server::from_tcp_rustls(listener, cfg)
                    .map_err(DeskError::Runtime)?
                    .handle(handle)
                    .serve(app)
                    .await
            }
            None => {
                axum_server::from_tcp(listener)
                    .map_err(DeskError::Runtime)?
                    .handle(handle)
                    .serve(app)
                    .await
            }
        };
        served.map_err(DeskError::Runtime)
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// The TLS settings from PEM files, with rustls' ring provider.
fn tls_config(cert: &Path, key: &Path) -> Result<axum_server::tls_rustls::RustlsConfig, DeskError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| DeskError::Tls(cert.to_path_buf(), e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| DeskError::Tls(cert.to_path_buf(), e.to_string()))?;
    if certs.is_empty() {
        return Err(DeskError::Tls(
            cert.to_path_buf(),
            "没有证书 (no certificate)".into(),
        ));
    }
    let key_der = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| DeskError::Tls(key.to_path_buf(), e.to_string()))?;
    // ring, not aws-lc-rs: no cmake, a fraction of the build time. (rustls marks
    // ring's provider deprecated for lacking post-quantum key exchange.)
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DeskError::Tls(cert.to_path_buf(), e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| DeskError::Tls(key.to_path_buf(), e.to_string()))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(axum_server::tls_rustls::RustlsConfig::from_config(
        Arc::new(cfg),
    ))
}

/// The action a path needs, for the audit line of a refusal.
pub(crate) fn action_name(a: Action) -> &'static str {
    match a {
        Action::Login => "登录",
        Action::ViewCases => "查看案件",
        Action::ViewIdentity => "查看完整身份信息",
        Action::RegisterCase => "登记案件",
        Action::EditCase => "修改案件",
        Action::RecordDelivery => "记录送达",
        Action::RenderPapers => "生成文书",
        Action::CloseCase => "结案",
        Action::SignOff => "审签",
        Action::ApproveExtension => "批准延期",
        Action::SignPapers => "签名",
        Action::Pack => "归档",
        Action::VerifyBundle => "接收检测",
        Action::IssueReceipt => "出具回执",
        Action::ImportLedger => "导入台账",
        Action::ExportLedger => "导出台账",
        Action::ManageUsers => "管理账户",
        Action::ViewAudit => "查看审计记录",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Fifty requests for a value not kept yet compute it once (the others wait
    /// at the gate and find it); a new snapshot of the cases computes it again.
    #[test]
    fn requests_together_compute_a_kept_value_once() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_time()
            .build()
            .unwrap();
        let memo: Arc<Memo<i32, usize>> = Arc::new(Memo::default());
        let computed = Arc::new(AtomicUsize::new(0));
        let snap = Arc::new(crate::office::index::Snapshot::default());
        let ask = |snap: Arc<crate::office::index::Snapshot>| {
            let (memo, computed) = (memo.clone(), computed.clone());
            async move {
                let v = memo
                    .get_or_compute(&snap, 2026, || async {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok::<_, ()>(computed.fetch_add(1, Ordering::SeqCst) + 1)
                    })
                    .await
                    .unwrap();
                *v
            }
        };
        let values = rt.block_on(async {
            let tasks: Vec<_> = (0..50).map(|_| tokio::spawn(ask(snap.clone()))).collect();
            let mut v = Vec::new();
            for t in tasks {
                v.push(t.await.unwrap());
            }
            v
        });
        assert!(values.iter().all(|&v| v == 1), "{values:?}");
        assert_eq!(computed.load(Ordering::SeqCst), 1);
        let other = Arc::new(crate::office::index::Snapshot::default());
        assert_eq!(rt.block_on(ask(other)), 2);
        assert!(
            memo.get(&snap, &2026).is_none(),
            "the old snapshot's value is gone"
        );
    }
}
