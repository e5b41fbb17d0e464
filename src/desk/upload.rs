//! Uploads (a bundle to 接收, a ledger to 台账): the file of a
//! `multipart/form-data` form, or a raw body, streamed chunk by chunk into its
//! own folder in the office's `.anjuan/uploads/` — never held whole in memory,
//! never written outside the office — and capped in size (a `Content-Length`
//! above the cap is refused before a byte is read; the bytes are counted while
//! streaming too). The folder is removed when the [`Upload`] is dropped, on every
//! path (error, refusal, a client gone mid-way), unless the desk [`hold`]s it for
//! a second step (accept, confirm); what a run killed mid-way leaves is cleared
//! when the desk starts ([`crate::office::state::clear_uploads`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, HeaderMap};
use futures_util::StreamExt as _;
use tokio::io::AsyncWriteExt as _;

use super::session;
use super::Desk;

/// The largest bundle received: 16 GiB.
pub const BUNDLE_CAP: u64 = 16 << 30;
/// The largest ledger spreadsheet: 64 MiB.
pub const LEDGER_CAP: u64 = 64 << 20;
/// What multipart parsing may hold besides the file's bytes (part headers, a
/// boundary split over two chunks); a body that makes it hold more is refused.
const SLACK: u64 = 1 << 20;
/// Bytes gathered before each write to the file.
const WRITE_BUFFER: usize = 1 << 20;
/// How long an upload waits for its second step.
const HELD_FOR: Duration = Duration::from_secs(60 * 60);

/// Why an upload was refused.
#[derive(Debug)]
pub(crate) enum UploadError {
    /// Above the cap (the cap).
    TooLarge(u64),
    /// No file in the form, or an empty one.
    NoFile,
    /// A file type the step does not read.
    Kind(String),
    /// A body that is not the form it says it is.
    Malformed,
    /// The client went away, or the office folder could not be written.
    Io(std::io::Error),
}

impl UploadError {
    pub fn text(&self) -> String {
        match self {
            UploadError::TooLarge(cap) => {
                format!("上传的文件超过上限 {} (file too large)", human_bytes(*cap))
            }
            UploadError::NoFile => "没有收到文件，或文件为空 (no file)：请选择文件后再上传".into(),
            UploadError::Kind(k) => format!("不支持的文件类型 (unsupported file type)：{k}"),
            UploadError::Malformed => {
                "上传的内容格式不对 (malformed upload)：请从页面上的表单上传".into()
            }
            UploadError::Io(e) => format!(
                "上传未完成 (upload not completed)：{}",
                crate::diag::terminal_text(&e.to_string())
            ),
        }
    }
}

/// `16 GiB`, `64 MiB`, `12 KB`.
pub(crate) fn human_bytes(n: u64) -> String {
    if n >= 1 << 30 && n.is_multiple_of(1 << 30) {
        format!("{} GiB", n >> 30)
    } else if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20))
    } else {
        format!("{} KB", n.div_ceil(1024))
    }
}

/// A file received, in its own folder under `.anjuan/uploads/`; the folder goes
/// when this is dropped unless [`Upload::keep`] was called.
#[derive(Debug)]
pub(crate) struct Upload {
    pub dir: PathBuf,
    pub file: PathBuf,
    /// The file's name as sent (a plain name), or the default.
    pub name: String,
    pub bytes: u64,
    kept: bool,
}

impl Upload {
    /// Keeps the folder past this value (the caller owns its removal now).
    pub fn keep(mut self) -> Held {
        self.kept = true;
        Held {
            dir: self.dir.clone(),
            file: self.file.clone(),
            name: self.name.clone(),
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// An upload kept for a second step.
#[derive(Clone, Debug)]
pub(crate) struct Held {
    pub dir: PathBuf,
    pub file: PathBuf,
    pub name: String,
}

impl Held {
    pub fn remove(&self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The step an upload waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// A bundle that passed, waiting to be accepted.
    Accept,
    /// A ledger previewed, waiting to be confirmed.
    Confirm,
}

/// Uploads waiting for their second step, by random id, each bound to the
/// session that made it.
#[derive(Default)]
pub(crate) struct Waiting {
    map: std::sync::Mutex<HashMap<String, (String, Step, Instant, Held)>>,
}

impl Waiting {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Step, Instant, Held)>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Holds `up` for `step` of `session`: returns its id. The session's earlier
/// upload waiting for the same step, and any waiting longer than an hour, are
/// removed.
pub(crate) fn hold(desk: &Desk, session: &str, step: Step, up: Upload) -> String {
    let id = session::token();
    let held = up.keep();
    let mut gone = Vec::new();
    {
        let mut m = desk.waiting.lock();
        m.retain(|_, (s, st, at, h)| {
            let stale = (s == session && *st == step) || at.elapsed() > HELD_FOR;
            if stale {
                gone.push(h.clone());
            }
            !stale
        });
        m.insert(
            id.clone(),
            (session.to_string(), step, Instant::now(), held),
        );
    }
    for h in gone {
        h.remove();
    }
    id
}

/// The upload `id` held for `step` of `session`, taken out of the waiting list
/// (the caller removes its folder when done).
pub(crate) fn take(desk: &Desk, session: &str, step: Step, id: &str) -> Option<Held> {
    let mut m = desk.waiting.lock();
    let ok = m
        .get(id)
        .is_some_and(|(s, st, at, _)| s == session && *st == step && at.elapsed() <= HELD_FOR);
    if ok {
        m.remove(id).map(|(_, _, _, h)| h)
    } else {
        None
    }
}

/// Removes every upload `session` left waiting (it logged out).
pub(crate) fn forget(desk: &Desk, session: &str) {
    let mut gone = Vec::new();
    desk.waiting.lock().retain(|_, (s, _, _, h)| {
        let mine = s == session;
        if mine {
            gone.push(h.clone());
        }
        !mine
    });
    for h in gone {
        h.remove();
    }
}

/// The request's `Content-Length`, if it gives one.
pub(crate) fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// A file name as sent, if it is a plain one: its last component, no control
/// characters, not hidden, at most 120 characters.
fn plain(sent: &str) -> Option<String> {
    let last = sent.rsplit(['/', '\\']).next()?.trim();
    let ok = !last.is_empty()
        && last.chars().count() <= 120
        && !last.starts_with('.')
        && !last.chars().any(|c| c.is_control() || c == ':');
    ok.then(|| last.to_string())
}

/// The lower-case extension of `name`.
fn extension(name: &str) -> String {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default()
}

/// Streams the file of `req` (the first file part of a multipart form, else
/// the raw body) into a new folder in `<office>/.anjuan/uploads/`, refusing
/// more than `cap` bytes. Its name is the one sent when plain and of one of
/// `kinds` (extensions; empty: any, the name `default` always used), else
/// `default`; a sent name of another kind is refused.
pub(crate) async fn store(
    office: &Path,
    req: Request,
    cap: u64,
    default: &str,
    kinds: &[&str],
) -> Result<Upload, UploadError> {
    let (parts, body) = req.into_parts();
    if content_length(&parts.headers).is_some_and(|n| n > cap) {
        return Err(UploadError::TooLarge(cap));
    }
    let office = office.to_path_buf();
    let dir = tokio::task::spawn_blocking(move || {
        let root = crate::office::state::ensure_uploads_dir(&office)?;
        let dir = root.join(session::token());
        std::fs::create_dir(&dir)?;
        Ok::<_, std::io::Error>(dir)
    })
    .await
    .map_err(|e| UploadError::Io(std::io::Error::other(e)))?
    .map_err(UploadError::Io)?;
    let mut up = Upload {
        file: dir.join(default),
        dir,
        name: default.to_string(),
        bytes: 0,
        kept: false,
    };
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    // Bytes taken from the connection, and the file's (or other parts') bytes
    // handed on: the difference is what the multipart parser holds.
    let pulled = Arc::new(AtomicU64::new(0));
    let delivered = Arc::new(AtomicU64::new(0));
    let over = Arc::new(AtomicBool::new(false));
    let counted = {
        let (pulled, delivered, over) = (pulled.clone(), delivered.clone(), over.clone());
        body.into_data_stream().map(move |chunk| {
            let b = chunk?;
            let n = b.len() as u64;
            let total = pulled.fetch_add(n, Ordering::Relaxed) + n;
            if total > cap.saturating_add(SLACK) {
                over.store(true, Ordering::Relaxed);
                return Err(axum::Error::new(std::io::Error::other("too large")));
            }
            if multipart && total.saturating_sub(delivered.load(Ordering::Relaxed)) > SLACK {
                return Err(axum::Error::new(std::io::Error::other("malformed")));
            }
            Ok(b)
        })
    };
    let too_large = |over: &AtomicBool| over.load(Ordering::Relaxed);
    if !multipart {
        let mut out = Sink::create(&up.file).await?;
        let mut stream = Box::pin(counted);
        while let Some(chunk) = stream.next().await {
            let b = chunk.map_err(|_| {
                if too_large(&over) {
                    UploadError::TooLarge(cap)
                } else {
                    UploadError::Io(std::io::Error::other("连接中断 (connection closed)"))
                }
            })?;
            up.bytes += b.len() as u64;
            if up.bytes > cap {
                return Err(UploadError::TooLarge(cap));
            }
            out.write(&b).await?;
        }
        out.finish().await?;
        if up.bytes == 0 {
            return Err(UploadError::NoFile);
        }
        return Ok(up);
    }
    let req = Request::from_parts(parts, Body::from_stream(counted));
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|_| UploadError::Malformed)?;
    let mut got = false;
    let refused = |over: &AtomicBool| {
        if too_large(over) {
            UploadError::TooLarge(cap)
        } else {
            UploadError::Malformed
        }
    };
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(refused(&over)),
        };
        let sent = field.file_name().map(str::to_string);
        match sent {
            Some(sent) if !got => {
                got = true;
                if let Some(name) = plain(&sent) {
                    if kinds.is_empty() {
                        // The name sent is shown, never used on disk.
                        up.name = name;
                    } else if kinds.contains(&extension(&name).as_str()) {
                        up.file = up.dir.join(&name);
                        up.name = name;
                    } else {
                        return Err(UploadError::Kind(crate::diag::terminal_text(&name)));
                    }
                }
                let mut out = Sink::create(&up.file).await?;
                loop {
                    let chunk = match field.chunk().await {
                        Ok(Some(c)) => c,
                        Ok(None) => break,
                        Err(_) => return Err(refused(&over)),
                    };
                    let n = chunk.len() as u64;
                    delivered.fetch_add(n, Ordering::Relaxed);
                    up.bytes += n;
                    if up.bytes > cap {
                        return Err(UploadError::TooLarge(cap));
                    }
                    out.write(&chunk).await?;
                }
                out.finish().await?;
            }
            // Other fields (and a second file) are read and dropped.
            _ => loop {
                match field.chunk().await {
                    Ok(Some(c)) => {
                        delivered.fetch_add(c.len() as u64, Ordering::Relaxed);
                    }
                    Ok(None) => break,
                    Err(_) => return Err(refused(&over)),
                }
            },
        }
    }
    if !got || up.bytes == 0 {
        return Err(UploadError::NoFile);
    }
    Ok(up)
}

/// The upload's file, written through a buffer and synced when finished.
struct Sink {
    out: tokio::io::BufWriter<tokio::fs::File>,
}

impl Sink {
    async fn create(path: &Path) -> Result<Sink, UploadError> {
        let f = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .await
            .map_err(UploadError::Io)?;
        Ok(Sink {
            out: tokio::io::BufWriter::with_capacity(WRITE_BUFFER, f),
        })
    }

    async fn write(&mut self, b: &[u8]) -> Result<(), UploadError> {
        self.out.write_all(b).await.map_err(UploadError::Io)
    }

    async fn finish(mut self) -> Result<(), UploadError> {
        self.out.flush().await.map_err(UploadError::Io)?;
        self.out.get_mut().sync_all().await.map_err(UploadError::Io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_kept() {
        assert_eq!(plain("台账.xlsx").as_deref(), Some("台账.xlsx"));
        assert_eq!(plain("C:\\Users\\x\\台账.csv").as_deref(), Some("台账.csv"));
        assert_eq!(plain("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(plain("..").as_deref(), None);
        assert_eq!(plain(".hidden").as_deref(), None);
        assert_eq!(plain("a\u{0}b").as_deref(), None);
        assert_eq!(plain("").as_deref(), None);
        assert_eq!(extension("X.XLSX"), "xlsx");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_bytes(BUNDLE_CAP), "16 GiB");
        assert_eq!(human_bytes(LEDGER_CAP), "64.0 MiB");
        assert_eq!(human_bytes(1000), "1 KB");
    }
}
