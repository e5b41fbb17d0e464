//! 接收 (the receiver's desk): a bundle uploaded ([`super::upload`]), checked
//! by the library's 四性检测 ([`crate::office::verify::verify`]) and shown as a
//! report; one that passes can be accepted, which keeps it in the office's
//! `接收/<name>/` and issues the signed 接收回执 beside it
//! ([`crate::office::verify::accept`]); the receipt and the report can be
//! downloaded from there.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::pages::{self, base, blocking, error_page, need, render, Shared};
use super::upload::{self, Step, UploadError};
use super::{session::Session, Desk};
use crate::diag::terminal_text;
use crate::office::audit::{self, AuditAction, Record};
use crate::office::progress::silent;
use crate::office::users::Action;
use crate::office::verify::{self as verifying, ReceiptOptions, VerifyFlowError, VerifyOptions};
use crate::verify::receipt::Receipt;
use crate::verify::report::{Property, Report, Status};

/// The folder of what the office received.
fn received_dir(desk: &Desk) -> PathBuf {
    desk.office.join(verifying::RECEIVED_DIR)
}

#[derive(Serialize)]
struct ReceivedRow {
    name: String,
    files: Vec<String>,
}

/// What was received: each folder of `接收/` and its files (sorted).
fn received(dir: &FsPath) -> Vec<ReceivedRow> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<ReceivedRow> = rd
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if !pages::plain_name(&name) {
                return None;
            }
            let mut files: Vec<String> = std::fs::read_dir(e.path())
                .ok()?
                .flatten()
                .filter(|f| f.file_type().is_ok_and(|t| t.is_file()))
                .filter_map(|f| f.file_name().into_string().ok())
                .filter(|f| pages::plain_name(f))
                .collect();
            files.sort();
            Some(ReceivedRow { name, files })
        })
        .collect();
    v.sort_by(|a, b| b.name.cmp(&a.name));
    v
}

async fn list(desk: &Arc<Desk>) -> Vec<ReceivedRow> {
    let dir = received_dir(desk);
    blocking(desk, move || received(&dir))
        .await
        .unwrap_or_default()
}

/// The upload page, with what was received before.
pub(crate) async fn page(State(desk): Shared, headers: axum::http::HeaderMap) -> Response {
    let s = match need(&desk, &headers, "/receive", Action::VerifyBundle).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut ctx = base(&desk, Some(&s), "/receive");
    ctx.insert("cap", &upload::human_bytes(upload::BUNDLE_CAP));
    ctx.insert("trusted", &trusting(&desk).trust.len());
    ctx.insert("received", &list(&desk).await);
    render(&desk, StatusCode::OK, "receive.html", &ctx)
}

#[derive(Serialize)]
struct DetailView {
    code: String,
    at: String,
    message: String,
}

#[derive(Serialize)]
struct CheckView {
    id: &'static str,
    name: &'static str,
    status: &'static str,
    class: &'static str,
    summary: String,
    details: Vec<DetailView>,
    more: usize,
}

#[derive(Serialize)]
struct PropertyView {
    zh: &'static str,
    en: &'static str,
    status: &'static str,
    class: &'static str,
    checks: Vec<CheckView>,
}

/// Details shown under one check (the rest counted).
const DETAILS_SHOWN: usize = 50;

fn class(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
        Status::NotApplicable => "na",
        Status::Unchecked => "unchecked",
    }
}

/// The report as the page shows it: per property its outcome (as on the
/// receipt) and every check with its findings.
fn report_view(r: &Report) -> Vec<PropertyView> {
    let outcomes = Receipt::from_report(r, "", None).properties;
    Property::ALL
        .iter()
        .zip(outcomes)
        .map(|(p, o)| {
            use crate::verify::receipt::Outcome;
            PropertyView {
                zh: p.zh(),
                en: p.en(),
                status: o.status.zh(),
                class: match o.status {
                    Outcome::Pass => "pass",
                    Outcome::Warn => "warn",
                    Outcome::Fail => "fail",
                    Outcome::Unchecked => "unchecked",
                },
                checks: r
                    .checks
                    .iter()
                    .filter(|c| c.property == *p)
                    .map(|c| CheckView {
                        id: c.id,
                        name: c.name,
                        status: c.status.zh(),
                        class: class(c.status),
                        summary: terminal_text(&c.summary),
                        details: c
                            .details
                            .iter()
                            .take(DETAILS_SHOWN)
                            .map(|d| DetailView {
                                code: terminal_text(&d.code),
                                at: terminal_text(&match (&d.item, &d.file) {
                                    (Some(i), Some(f)) => format!("{i} {f}"),
                                    (None, Some(f)) => f.clone(),
                                    (Some(i), None) => i.clone(),
                                    (None, None) => String::new(),
                                }),
                                message: terminal_text(&d.message),
                            })
                            .collect(),
                        more: c.details.len().saturating_sub(DETAILS_SHOWN),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn upload_refused(desk: &Desk, s: &Session, e: &UploadError) -> Response {
    let status = match e {
        UploadError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        UploadError::Kind(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        _ => StatusCode::BAD_REQUEST,
    };
    error_page(
        desk,
        Some(s),
        status,
        "上传未被接受 (upload refused)",
        &format!("{}。未保存任何内容。", e.text()),
    )
}

/// The check of a received bundle: the full 四性检测 against the office's
/// trusted keys (`[signing] trusted`; a key listed but missing trusts nothing,
/// and accepting then says why).
pub(super) fn trusting(desk: &Desk) -> VerifyOptions {
    VerifyOptions {
        trust: verifying::configured_trust(&desk.loaded).unwrap_or_default(),
        ..VerifyOptions::default()
    }
}

/// Checks an uploaded bundle (`office::verify::verify`) and writes the
/// `bundle.verify` audit line for `who`, passed or not. An unreadable bundle's
/// upload is removed here. Blocking. (Shared with the API.)
pub(super) fn check_upload(
    desk: &Desk,
    who: &str,
    up: upload::Upload,
) -> (upload::Upload, Result<Report, VerifyFlowError>) {
    let note = |target: &str, detail: &str| {
        let _ = audit::append(
            &desk.office,
            &Record {
                actor: who,
                action: AuditAction::BundleVerify,
                target,
                detail,
            },
        );
    };
    match verifying::verify(&up.file, &trusting(desk), &silent) {
        Ok(report) => {
            let detail = format!(
                "{}：SHA-256 {}，{} 字节，文件 {}，通过 {}，不通过 {}，警告 {}",
                if report.accepted() {
                    "通过"
                } else {
                    "不通过"
                },
                report.bundle.sha256.as_deref().unwrap_or("-"),
                report.bundle.bytes,
                up.name,
                report.counts.pass,
                report.counts.fail,
                report.counts.warn
            );
            note(&report.bundle.name, &detail);
            (up, Ok(report))
        }
        Err(e) => {
            let msg = crate::diag::terminal_text(&e.to_string());
            let detail = format!(
                "不通过：无法作为移交包读取 (unreadable) {msg}；{} 字节",
                up.bytes
            );
            let sent = up.name.clone();
            let _ = std::fs::remove_dir_all(&up.dir);
            note(&sent, &detail);
            (up, Err(e))
        }
    }
}

/// Receives a bundle: streamed into `.anjuan/uploads/`, checked, reported. One
/// that fails is removed at once; one that passes waits (bound to the session)
/// for the receiver to accept it.
pub(crate) async fn upload(State(desk): Shared, req: Request) -> Response {
    let s = match need(&desk, req.headers(), "/receive", Action::VerifyBundle).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let up = match upload::store(&desk.office, req, upload::BUNDLE_CAP, "upload.zip", &[]).await {
        Ok(u) => u,
        Err(e) => return upload_refused(&desk, &s, &e),
    };
    let d = desk.clone();
    let who = s.user.clone();
    let checked = blocking(&desk, move || check_upload(&d, &who, up)).await;
    let (up, report) = match checked {
        Ok((up, Ok(r))) => (up, r),
        Ok((_, Err(e))) => {
            let msg = crate::diag::terminal_text(&e.to_string());
            return error_page(
                &desk,
                Some(&s),
                StatusCode::UNPROCESSABLE_ENTITY,
                "不予接收：无法读取移交包 (cannot read the bundle)",
                &format!(
                    "{msg}。{}。上传的文件已删除。",
                    e.remedy().unwrap_or("请移交单位重新打包后移交")
                ),
            );
        }
        Err(r) => return r,
    };
    let accepted = report.accepted();
    let sent = up.name.clone();
    let id = if accepted && s.role.may(Action::IssueReceipt) {
        Some(upload::hold(&desk, &s.id, Step::Accept, up))
    } else {
        drop(up);
        None
    };
    let mut ctx = base(&desk, Some(&s), "/receive");
    ctx.insert("sent", &terminal_text(&sent));
    ctx.insert("name", &terminal_text(&report.bundle.name));
    ctx.insert("bytes", &report.bundle.bytes);
    ctx.insert("size", &upload::human_bytes(report.bundle.bytes));
    ctx.insert("sha256", &report.bundle.sha256.clone().unwrap_or_default());
    ctx.insert(
        "sender",
        &terminal_text(report.bundle.sender.as_deref().unwrap_or_default()),
    );
    ctx.insert("checked_on", &report.checked_on);
    ctx.insert("profile", report.profile);
    ctx.insert("complete", &report.bagit.complete);
    ctx.insert("valid", &report.bagit.valid);
    ctx.insert("accepted", &accepted);
    ctx.insert("counts", &report.counts);
    ctx.insert("properties", &report_view(&report));
    ctx.insert("id", &id);
    let status = if accepted {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(&desk, status, "verify.html", &ctx)
}

/// Accepts a held upload that passed (`office::verify::accept`: checked again,
/// kept in `接收/<name>/`, the receipt issued and signed); the upload is
/// removed either way. `actor` is the library's (`desk:NAME`). Blocking.
/// (Shared with the API.)
pub(super) fn accept_held(
    d: &Desk,
    actor: &str,
    held: upload::Held,
) -> Result<(Report, verifying::Accepted), VerifyFlowError> {
    let opts = ReceiptOptions {
        config: d.loaded.path.clone(),
        key: None,
        output: PathBuf::new(),
        look: Default::default(),
        actor: actor.to_string(),
    };
    let r = verifying::accept(
        &held.file,
        &d.office,
        &opts,
        &trusting(d),
        &|p: &FsPath| pages::env_passphrase(p),
        &silent,
    );
    held.remove();
    r
}

/// The plain file names in a folder, sorted.
pub(super) fn folder_files(dir: &FsPath) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|f| pages::plain_name(f))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Accepts a bundle that passed: checked again, kept in `接收/<name>/`, its
/// receipt issued (signed with the office key). Refused for an id this
/// session does not hold — a bundle that failed is never held.
pub(crate) async fn accept(
    State(desk): Shared,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match need(&desk, &headers, "/receive/accept", Action::IssueReceipt).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(held) = upload::take(&desk, &s.id, Step::Accept, &id) else {
        return error_page(
            &desk,
            Some(&s),
            StatusCode::NOT_FOUND,
            "没有待接收的移交包 (nothing to accept)",
            "该移交包未通过检测、已经接收，或等待超过一小时已被清除。请重新上传检测。",
        );
    };
    let (d, user) = (desk.clone(), s.user.clone());
    let done = blocking(&desk, move || {
        accept_held(&d, &format!("desk:{user}"), held)
    })
    .await;
    let (report, acc) = match done {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => {
            let status = match e {
                VerifyFlowError::NotAccepted | VerifyFlowError::BadName(_) => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                VerifyFlowError::AlreadyReceived(_)
                | VerifyFlowError::NoTrust
                | VerifyFlowError::TrustedKey(_) => StatusCode::CONFLICT,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            return error_page(
                &desk,
                Some(&s),
                status,
                "未能接收 (not accepted)",
                &format!(
                    "{}。{}。上传的文件已删除，未出具回执。",
                    crate::diag::terminal_text(&e.to_string()),
                    e.remedy().unwrap_or("请检查办公室目录后重试")
                ),
            );
        }
        Err(r) => return r,
    };
    let folder = acc
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let files = {
        let dir = acc.dir.clone();
        blocking(&desk, move || folder_files(&dir))
            .await
            .unwrap_or_default()
    };
    let receipt = acc
        .issued
        .receipt
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut ctx = base(&desk, Some(&s), "/receive");
    ctx.insert("name", &report.bundle.name);
    ctx.insert("folder", &folder);
    ctx.insert("receipt", &receipt);
    ctx.insert("key_id", &acc.issued.key_id);
    ctx.insert("sha256", &report.bundle.sha256.clone().unwrap_or_default());
    ctx.insert("files", &files);
    render(&desk, StatusCode::OK, "received.html", &ctx)
}

/// A file of what was received (the bundle, its receipt, the report), confined
/// to its folder in `接收/`.
pub(crate) async fn file(
    State(desk): Shared,
    headers: axum::http::HeaderMap,
    Path((name, file)): Path<(String, String)>,
) -> Response {
    let s = match need(&desk, &headers, "/received", Action::VerifyBundle).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let missing = |desk: &Desk| {
        error_page(
            desk,
            Some(&s),
            StatusCode::NOT_FOUND,
            "文件不存在 (no such file)",
            "接收目录中没有这个文件。",
        )
    };
    let d = desk.clone();
    let f2 = file.clone();
    let opened = blocking(&desk, move || open_received(&d, &name, &f2)).await;
    match opened {
        Ok(Some((f, len))) => super::archive::stream_file(f, len, &file, file_kind(&file)),
        Ok(None) => missing(&desk),
        Err(r) => r,
    }
}

/// A file of `接收/<name>/`, opened, with its length; confined to that folder.
/// Blocking. (Shared with the API.)
pub(super) fn open_received(desk: &Desk, name: &str, file: &str) -> Option<(std::fs::File, u64)> {
    if !pages::plain_name(name) || !pages::plain_name(file) {
        return None;
    }
    let dir = received_dir(desk).join(name);
    let root = std::fs::canonicalize(&dir).ok()?;
    let path = std::fs::canonicalize(dir.join(file)).ok()?;
    if path.parent() != Some(root.as_path()) {
        return None;
    }
    let f = std::fs::File::open(&path).ok()?;
    let meta = f.metadata().ok().filter(|m| m.is_file())?;
    Some((f, meta.len()))
}

/// The media type of a received file, by its extension.
pub(super) fn file_kind(file: &str) -> &'static str {
    match file.rsplit('.').next().unwrap_or("") {
        "pdf" => "application/pdf",
        "json" => "application/json",
        "zip" => "application/zip",
        "minisig" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A download: the bytes, their type, a file name in both forms.
pub(super) fn download(bytes: Vec<u8>, kind: &'static str, name: &str) -> Response {
    pages::file_response(bytes, kind, name, false)
}
