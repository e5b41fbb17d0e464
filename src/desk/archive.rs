//! 归档 (the archivist's page): the years whose closed cases can be packed, a
//! pack of a year's bundle started as a background job (one at a time per
//! office) running [`crate::office::pack::pack`] on a blocking thread, its
//! progress by server-sent events (and on a plain refresh without script), and
//! the bundle's download streamed from disk.
//!
//! The job's state lives in a `watch` channel the progress callback feeds: the
//! page and every event stream read the latest state, so a slow reader skips
//! counts but never the end.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio::sync::watch;

use super::pages::{self, blocking, error_page, need, render, see_other};
use super::Desk;
use crate::archive::pack::Scope;
use crate::case::idnum::mask_text;
use crate::office::audit::{self, AuditAction, Record};
use crate::office::progress::{Event, Stage, Unit};
use crate::office::users::Action;

type Shared = State<Arc<Desk>>;

/// Where a pack job is.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub(crate) struct JobState {
    /// `running`, `done` or `failed`.
    pub status: &'static str,
    /// The stage's Chinese label (整理归档, 写入) and English name.
    pub stage: String,
    pub stage_en: String,
    pub done: u64,
    pub total: u64,
    /// `items` or `bytes`.
    pub unit: &'static str,
    /// The last step (`编号 (numbering)` …) or item.
    pub what: String,
    /// Done: the bundle's file name, size and the manifest's SHA-256.
    pub bundle: String,
    pub size: u64,
    pub sha256: String,
    pub cases: usize,
    /// Failed: what happened and what to do.
    pub error: String,
    pub remedy: String,
    /// Raised on every change (the event's id).
    pub seq: u64,
}

impl JobState {
    pub(super) fn finished(&self) -> bool {
        self.status != "running"
    }
}

/// One pack of a year's bundle.
pub(crate) struct Job {
    pub id: u64,
    pub year: i32,
    pub by: String,
    state: watch::Receiver<JobState>,
}

impl Job {
    /// Where the job is now.
    pub fn state(&self) -> JobState {
        self.state.borrow().clone()
    }
}

/// The office's pack jobs: the one running, and those since the desk started.
#[derive(Default)]
pub(crate) struct Jobs {
    next: AtomicU64,
    all: Mutex<HashMap<u64, Arc<Job>>>,
}

impl Jobs {
    pub(super) fn get(&self, id: u64) -> Option<Arc<Job>> {
        self.all
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
    }

    fn running(all: &HashMap<u64, Arc<Job>>) -> Option<Arc<Job>> {
        all.values().find(|j| !j.state.borrow().finished()).cloned()
    }

    /// The newest job first.
    fn list(&self) -> Vec<Arc<Job>> {
        let mut v: Vec<Arc<Job>> = self
            .all
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        v.sort_by_key(|j| std::cmp::Reverse(j.id));
        v
    }
}

/// Folds one progress event into the state.
fn fold(s: &mut JobState, e: Event) {
    match e {
        Event::Start { stage, total, unit } => {
            set_stage(s, stage);
            s.total = total;
            s.done = 0;
            s.unit = match unit {
                Unit::Items => "items",
                Unit::Bytes => "bytes",
            };
        }
        Event::Advance {
            stage,
            done,
            total,
            item,
        } => {
            set_stage(s, stage);
            s.done = done;
            s.total = total;
            if let Some(i) = item {
                s.what = mask_text(&i);
            }
        }
        Event::Step { stage, what } => {
            set_stage(s, stage);
            s.what = mask_text(&what);
        }
        Event::Finish { stage } => {
            set_stage(s, stage);
            s.done = s.total;
        }
        Event::Note(n) => s.what = mask_text(&n),
    }
    s.seq += 1;
}

fn set_stage(s: &mut JobState, stage: Stage) {
    s.stage = stage.label().to_string();
    s.stage_en = stage.name().to_string();
}

/// The office's archive folder, where `pack` writes the year's bundle.
pub(super) fn archive_dir(desk: &Desk) -> PathBuf {
    crate::office::setup::office_place(&desk.loaded, std::path::Path::new("archive"), "archive")
}

#[derive(Serialize)]
struct YearRow {
    year: i32,
    closed: usize,
    bundle: String,
    /// The bundle already made: its size.
    exists: bool,
    size: String,
}

#[derive(Serialize)]
struct JobRow {
    id: u64,
    year: i32,
    by: String,
    state: JobState,
}

fn size_text(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / (1u64 << 20) as f64)
    } else {
        format!("{} KB", n.div_ceil(1024))
    }
}

/// GET /archive: the years that can be packed, and the jobs.
pub(crate) async fn page(State(desk): Shared, headers: HeaderMap) -> Response {
    let s = match need(&desk, &headers, "/archive", Action::Pack).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let snap = match pages::snapshot(&desk, &s).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut years: BTreeMap<i32, usize> = BTreeMap::new();
    for d in snap.cases.iter().filter_map(|c| c.closed) {
        *years.entry(d.year()).or_default() += 1;
    }
    let dir = archive_dir(&desk);
    let cfg = &desk.loaded.config;
    let rows: Vec<YearRow> = years
        .into_iter()
        .rev()
        .map(|(year, closed)| {
            let bundle = format!("{}.zip", crate::archive::pack::bundle_name(cfg, year));
            let meta = std::fs::metadata(dir.join(&bundle))
                .ok()
                .filter(|m| m.is_file());
            YearRow {
                year,
                closed,
                exists: meta.is_some(),
                size: meta.map(|m| size_text(m.len())).unwrap_or_default(),
                bundle,
            }
        })
        .collect();
    let jobs: Vec<JobRow> = desk
        .jobs
        .list()
        .into_iter()
        .map(|j| JobRow {
            id: j.id,
            year: j.year,
            by: j.by.clone(),
            state: j.state.borrow().clone(),
        })
        .collect();
    let mut c = pages::base(&desk, Some(&s), "/archive");
    c.insert("years", &rows);
    c.insert("jobs", &jobs);
    c.insert("receiver", &crate::archive::pack::receiver(cfg));
    render(&desk, StatusCode::OK, "archive.html", &c)
}

/// POST /archive/pack: starts the pack of a year (form: `year`, `replace`).
pub(crate) async fn start(
    State(desk): Shared,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let s = match need(&desk, &headers, "/archive/pack", Action::Pack).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form: HashMap<String, String> = super::serde_urlencoded_pairs(&body).into_iter().collect();
    let Some(year) = form
        .get("year")
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (1949..=9999).contains(y))
    else {
        return error_page(
            &desk,
            Some(&s),
            StatusCode::UNPROCESSABLE_ENTITY,
            "年度有误 (bad year)",
            "请从归档页上的按钮选择要打包的年度。",
        );
    };
    let force = form.get("replace").is_some_and(|v| v == "1");
    match start_job(&desk, &s.user, "desk", year, force) {
        Ok(id) => see_other(&format!("/archive/jobs/{id}")),
        Err(j) => error_page(
            &desk,
            Some(&s),
            StatusCode::CONFLICT,
            "已有归档正在进行 (a pack is running)",
            &format!(
                "{} 年度的打包（{} 发起）尚未完成；同一办公室一次只能打包一个。请到 /archive/jobs/{} 查看进度，完成后再开始。",
                j.year, j.by, j.id
            ),
        ),
    }
}

/// Starts the pack of `year` for `who` as a background job: its id, or the job
/// already running (one at a time per office). (Shared with the API.)
/// `via` names the face (`desk`, `api`) in the library's actor.
pub(super) fn start_job(
    desk: &Arc<Desk>,
    who: &str,
    via: &'static str,
    year: i32,
    force: bool,
) -> Result<u64, Arc<Job>> {
    let job = {
        let mut all = desk.jobs.all.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(j) = Jobs::running(&all) {
            return Err(j);
        }
        let id = desk.jobs.next.fetch_add(1, Ordering::SeqCst) + 1;
        let (tx, rx) = watch::channel(JobState {
            status: "running",
            stage: "准备".into(),
            stage_en: "starting".into(),
            unit: "items",
            ..Default::default()
        });
        let job = Arc::new(Job {
            id,
            year,
            by: who.to_string(),
            state: rx,
        });
        all.insert(id, job.clone());
        (job, tx)
    };
    let (job, tx) = job;
    let (d, who) = (desk.clone(), who.to_string());
    let id = job.id;
    // The job runs on its own, whether or not anyone watches.
    tokio::spawn(async move {
        let d2 = d.clone();
        let who2 = who.clone();
        let tx = Arc::new(tx);
        let tx2 = tx.clone();
        let done =
            tokio::task::spawn_blocking(move || run(&d2, &who2, via, year, force, &tx2)).await;
        if done.is_err() {
            // The blocking task itself failed: the job says so.
            tx.send_modify(|s| {
                s.status = "failed";
                s.error = "打包过程意外中止 (the pack stopped unexpectedly)".into();
                s.remedy = "请重试；如再次出现请报告".into();
                s.seq += 1;
            });
        }
        d.index.invalidate();
    });
    Ok(id)
}

/// The pack itself, on a blocking thread: audited `pack.start`, then
/// `pack.done` or `pack.failed`.
fn run(desk: &Desk, who: &str, via: &str, year: i32, force: bool, tx: &watch::Sender<JobState>) {
    let note = |action: AuditAction, target: &str, detail: &str| {
        let _ = audit::append(
            &desk.office,
            &Record {
                actor: who,
                action,
                target,
                detail,
            },
        );
    };
    let name = crate::archive::pack::bundle_name(&desk.loaded.config, year);
    note(
        AuditAction::PackStart,
        &name,
        &format!("year {year}{}", if force { " replace" } else { "" }),
    );
    let opts = crate::office::pack::PackOptions {
        config: desk.loaded.path.clone(),
        scope: Scope::Year(year),
        output: None,
        unsigned: false,
        papers: None,
        date: None,
        force,
        look: crate::office::setup::Look::default(),
        actor: format!("{via}:{who}"),
    };
    let passphrase = |p: &std::path::Path| pages::env_passphrase(p);
    let progress = |e: Event| tx.send_modify(|s| fold(s, e));
    let root = desk.loaded.root();
    match crate::office::pack::pack(&root, &opts, &passphrase, &progress) {
        Ok(p) => {
            let file = p
                .package
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            note(
                AuditAction::PackDone,
                &file,
                &format!(
                    "size {} manifest-sha256 {} cases {}",
                    p.zip_bytes, p.summary.manifest_sha256, p.summary.cases
                ),
            );
            tx.send_modify(|s| {
                s.status = "done";
                s.bundle = file;
                s.size = p.zip_bytes;
                s.sha256 = p.summary.manifest_sha256.clone();
                s.cases = p.summary.cases;
                s.seq += 1;
            });
        }
        Err(e) => {
            let mut msg = mask_text(&e.to_string());
            if let Some(r) = e.refusals() {
                let list: Vec<String> = r
                    .iter()
                    .take(20)
                    .map(|r| mask_text(&format!("{}: {}", r.case, r.detail)))
                    .collect();
                msg = format!("{msg}：{}", list.join("；"));
            }
            let remedy = e
                .remedy()
                .map(|r| r.into_owned())
                .unwrap_or_else(|| "请检查办公室目录后重试".into());
            note(AuditAction::PackFailed, &name, &msg);
            tx.send_modify(|s| {
                s.status = "failed";
                s.error = msg;
                s.remedy = remedy;
                s.seq += 1;
            });
        }
    }
}

fn job_id(id: &str) -> Option<u64> {
    id.parse().ok()
}

fn no_job(desk: &Desk, s: &super::Session) -> Response {
    error_page(
        desk,
        Some(s),
        StatusCode::NOT_FOUND,
        "没有这个归档任务 (no such job)",
        "任务编号有误，或工作台重启后任务记录已清除；打包结果见归档页与归档包目录。",
    )
}

/// The archivist's session and the job `id` names (403 for another role, 404
/// for no such job).
async fn job_of(
    desk: &Arc<Desk>,
    headers: &HeaderMap,
    id: &str,
) -> Result<(super::Session, Arc<Job>), Response> {
    let s = need(desk, headers, "/archive/jobs", Action::Pack).await?;
    match job_id(id).and_then(|n| desk.jobs.get(n)) {
        Some(job) => Ok((s, job)),
        None => Err(no_job(desk, &s)),
    }
}

/// GET /archive/jobs/{id}: the job's state now (refresh to follow it without script).
pub(crate) async fn job_page(
    State(desk): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (s, job) = match job_of(&desk, &headers, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let state = job.state.borrow().clone();
    let mut c = pages::base(&desk, Some(&s), "/archive");
    c.insert(
        "job",
        &JobRow {
            id: job.id,
            year: job.year,
            by: job.by.clone(),
            state: state.clone(),
        },
    );
    c.insert("size", &size_text(state.size));
    let percent = (state.total > 0).then(|| state.done.min(state.total) * 100 / state.total);
    c.insert("percent", &percent);
    render(&desk, StatusCode::OK, "archive_job.html", &c)
}

/// GET /archive/jobs/{id}/events: the job's progress as server-sent events
/// (`progress`, then one `done` or `failed`), the stream ending with the job.
pub(crate) async fn events(
    State(desk): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (_, job) = match job_of(&desk, &headers, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let rx = job.state.clone();
    // (receiver, whether the last state was sent)
    let stream = futures_util::stream::unfold((rx, false), |(mut rx, ended)| async move {
        if ended {
            return None;
        }
        let state = rx.borrow_and_update().clone();
        let event = sse_event(&state);
        if state.finished() {
            return Some((Ok::<_, std::convert::Infallible>(event), (rx, true)));
        }
        // Wait for the next change (a dropped sender ends the job as it was).
        let next = if rx.changed().await.is_err() {
            (rx, true)
        } else {
            (rx, false)
        };
        Some((Ok(event), next))
    });
    let mut res = Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn sse_event(state: &JobState) -> SseEvent {
    let name = match state.status {
        "done" => "done",
        "failed" => "failed",
        _ => "progress",
    };
    let data = serde_json::to_string(state).unwrap_or_else(|_| "{}".into());
    SseEvent::default()
        .event(name)
        .id(state.seq.to_string())
        .data(data)
}

/// GET /archive/bundles/{name}: the bundle, streamed from disk in chunks.
pub(crate) async fn download(
    State(desk): Shared,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let s = match need(&desk, &headers, "/archive/bundles", Action::Pack).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let refused = |desk: &Desk| {
        error_page(
            desk,
            Some(&s),
            StatusCode::NOT_FOUND,
            "归档包不存在 (no such bundle)",
            "归档包目录中没有这个文件：请先在归档页打包该年度。",
        )
    };
    let opened = match blocking(&desk, {
        let d = desk.clone();
        move || open_bundle(&d, &name)
    })
    .await
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    match opened {
        Some((file, len, name)) => stream_file(file, len, &name, "application/zip"),
        None => refused(&desk),
    }
}

/// A bundle of the archive folder by its plain name (`*.zip`), opened, with
/// its length. Blocking. (Shared with the API.)
pub(super) fn open_bundle(desk: &Desk, name: &str) -> Option<(std::fs::File, u64, String)> {
    if !pages::plain_name(name) || !name.ends_with(".zip") {
        return None;
    }
    let dir = archive_dir(desk);
    // Confined: the file's real path must lie in the archive folder.
    let root = std::fs::canonicalize(&dir).ok()?;
    let path = std::fs::canonicalize(dir.join(name)).ok()?;
    if path.parent() != Some(root.as_path()) {
        return None;
    }
    let f = std::fs::File::open(&path).ok()?;
    let meta = f.metadata().ok().filter(|m| m.is_file())?;
    Some((f, meta.len(), name.to_string()))
}

/// A file sent as a download, streamed from disk in chunks.
pub(super) fn stream_file(
    file: std::fs::File,
    len: u64,
    name: &str,
    kind: &'static str,
) -> Response {
    // A reader thread sends chunks into a small bounded channel: at most a few
    // chunks are held however large the file, and a client that stops
    // reading stops the reader.
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
    std::thread::spawn(move || {
        use std::io::Read as _;
        let mut file = file;
        loop {
            let mut buf = vec![0u8; 256 * 1024];
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.blocking_send(Ok(buf)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let mut res = axum::body::Body::from_stream(stream).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&len.to_string()) {
        h.insert(header::CONTENT_LENGTH, v);
    }
    if let Ok(v) = HeaderValue::from_str(&pages::attachment(name, false)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

pub(crate) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../templates/desk/archive.js"),
    )
        .into_response()
}
