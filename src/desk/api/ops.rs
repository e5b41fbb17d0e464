//! The API's workflow routes: a section edit, papers, the leader's decisions,
//! the year's figures, the ledger, the archive's pack jobs and bundles, and
//! the receiver's bundles. Each checks the same [`Action`] as its page, calls
//! the same shared step (`pages`, `approvals`, `archive`, `ledger`,
//! `receive`, which call [`crate::office`]) and so writes the same audit line
//! (the account's name as actor; the library's actor is `api:NAME`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{authorize, fail, findings, index_failure, ApiError, ApiFinding, Failure};
use crate::case::idnum::mask_text;
use crate::desk::{approvals, archive, ledger, pages, receive, upload, Desk};
use crate::diag::{terminal_text, Severity};
use crate::office::approval::ApprovalError;
use crate::office::edit::EditError;
use crate::office::index::Summary;
use crate::office::users::{Action, User};

type Shared = State<Arc<Desk>>;

/// Runs blocking work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f).await.map_err(|_| {
        fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "内部错误 (internal error)",
            "未作任何修改；请重试，如再次出现请报告",
        )
    })
}

/// The case with this number, from the index.
async fn case_of(desk: &Arc<Desk>, id: &str) -> Result<Arc<Summary>, Failure> {
    let d = desk.clone();
    let snap = blocking(move || d.index.current(&d.rules()))
        .await?
        .map_err(index_failure)?;
    snap.find(id).cloned().ok_or_else(|| no_case(id))
}

fn no_case(id: &str) -> Failure {
    fail(
        StatusCode::NOT_FOUND,
        format!("没有案件 {} (no such case)", mask_text(id)),
        "用 GET /api/v1/cases 查找案件编号",
    )
}

fn bad_body(e: JsonRejection, what: &str) -> Failure {
    fail(
        StatusCode::BAD_REQUEST,
        format!(
            "请求体不是有效的 JSON (bad request body): {}",
            mask_text(&e.body_text())
        ),
        format!("按 /api/v1/openapi.json 中的 {what} 给出 JSON，Content-Type: application/json"),
    )
}

fn bad_query(e: QueryRejection, known: &str) -> Failure {
    fail(
        StatusCode::BAD_REQUEST,
        format!("查询参数有误 (bad query): {}", e.body_text()),
        format!("可用参数：{known}"),
    )
}

/// A write refused because its base version is stale.
fn stale(changed: Vec<String>, current: String) -> Failure {
    let list = if changed.is_empty() {
        String::new()
    } else {
        format!("；他人改动的字段：{}", changed.join("、"))
    };
    Failure(
        StatusCode::CONFLICT,
        ApiError {
            error: format!(
                "案件文件已被他人修改，未写入 (changed since that version; nothing written){list}"
            ),
            remedy: "重新 GET 该案件，看过改动后以新的 version 再提交".into(),
            findings: Vec::new(),
            changed,
            version: Some(current),
        },
    )
}

fn invalid(found: &[crate::diag::Located]) -> Failure {
    Failure(
        StatusCode::UNPROCESSABLE_ENTITY,
        ApiError {
            error: "修改后的案件记录有错误，未写入 (the change leaves errors; nothing written)"
                .into(),
            remedy: "按 findings 中每条的 field 改正后重新提交".into(),
            findings: findings(found),
            changed: Vec::new(),
            version: None,
        },
    )
}

fn edit_failure(e: EditError) -> Failure {
    match e {
        EditError::Conflict {
            changed, current, ..
        } => stale(changed, current),
        EditError::Invalid(found) => invalid(&found),
        EditError::Gone(_) => fail(StatusCode::NOT_FOUND, "案件文件已被移走 (gone)", e.remedy()),
        EditError::Io(..) => fail(
            StatusCode::SERVICE_UNAVAILABLE,
            mask_text(&e.to_string()),
            e.remedy(),
        ),
        EditError::Field { .. } => fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            mask_text(&e.to_string()),
            e.remedy(),
        ),
    }
}

// ---------------------------------------------------------------- a section

/// A field's new value: text, an integer, or a list of texts (one per line).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FieldValue {
    Text(String),
    Number(i64),
    Lines(Vec<String>),
}

impl FieldValue {
    /// As the desk's form would send it.
    fn form_text(&self) -> String {
        match self {
            FieldValue::Text(t) => t.clone(),
            FieldValue::Number(n) => n.to_string(),
            FieldValue::Lines(v) => v.join("\n"),
        }
    }
}

/// A section edit: the base version and the fields to change.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionEdit {
    /// The case file's version this edit is based on (`version` of
    /// `GET /cases/{id}`); a stale one is refused with 409.
    #[schemars(length(min = 1))]
    pub version: String,
    /// New values by field path as the section names them
    /// (`matter.summary`, `petitioners[0].phone`, `deliveries[N].method` for
    /// the delivery to add, `extension.days`, `close.date`). Fields not given
    /// keep their value; an empty text removes an optional field. Dates as
    /// `2026-11-21`, a delivery's time as `2026-11-20 10:30`.
    pub fields: BTreeMap<String, FieldValue>,
}

/// A write that was made.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Written {
    /// `anjuan-api-written/1`.
    pub schema: String,
    pub id: String,
    /// The case file's version now (the base of the next write).
    pub version: String,
    /// The fields whose value changed (none: the file was left as it was).
    pub changed: Vec<String>,
    /// What `check` says of the file now that did not refuse the write.
    pub warnings: Vec<ApiFinding>,
}

fn written(id: &str, sv: crate::office::edit::Saved) -> Json<Written> {
    Json(Written {
        schema: "anjuan-api-written/1".into(),
        id: id.to_string(),
        version: sv.version,
        changed: sv.changed,
        warnings: findings(
            &sv.warnings
                .into_iter()
                .filter(|l| !l.diag.is_error())
                .collect::<Vec<_>>(),
        ),
    })
}

/// The sections, as the desk's edit pages name them.
pub const SECTIONS: [&str; 7] = [
    "matter",
    "petitioners",
    "acceptance",
    "responsibility",
    "delivery",
    "extension",
    "close",
];

pub(super) async fn edit_section(
    State(desk): Shared,
    headers: HeaderMap,
    UrlPath((id, section)): UrlPath<(String, String)>,
    body: Result<Json<SectionEdit>, JsonRejection>,
) -> Result<Json<Written>, Failure> {
    let user = authorize(
        &desk,
        &headers,
        pages::section_action(&section),
        "/api/v1/cases/{id}/sections/{section}",
    )?;
    // The 处理意见 draft is the desk's form (steps, decisions per request);
    // the API edits the sections listed.
    if pages::section_title(&section).is_none() || !SECTIONS.contains(&section.as_str()) {
        return Err(fail(
            StatusCode::NOT_FOUND,
            "没有这一部分 (no such section)",
            format!("可修改的部分：{}", SECTIONS.join("、")),
        ));
    }
    let Json(b) = body.map_err(|e| bad_body(e, "SectionEdit"))?;
    let file = case_of(&desk, &id).await?.file.clone();
    let f2 = file.clone();
    let current = blocking(move || crate::case::load(&f2).ok().and_then(Result::ok))
        .await?
        .ok_or_else(|| {
            fail(
                StatusCode::CONFLICT,
                "案件记录无法读取 (the record is unreadable)",
                "由登记员按 anjuan check 的提示改正案件文件",
            )
        })?
        .case;
    if let Some(e) = pages::section_closed(&desk, &section, &current) {
        return Err(fail(
            StatusCode::CONFLICT,
            format!("不能申请延期 (no extension possible): {e}"),
            e.remedy(),
        ));
    }
    let (d, sec, c2) = (desk.clone(), section.clone(), current.clone());
    let ctx = blocking(move || pages::form_ctx(&d, &sec, &c2)).await?;
    let mut fields = pages::section_fields(&section, &current, &ctx);
    // The fields given over those the file has now.
    let mut values: BTreeMap<String, String> = fields
        .iter()
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect();
    let mut unknown = Vec::new();
    for (k, v) in &b.fields {
        match values.get_mut(k) {
            Some(slot) => *slot = v.form_text(),
            None => unknown.push(k.clone()),
        }
    }
    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    let (changes, parsed) = pages::section_changes(&mut fields, &values, &current, &section);
    let mut found: Vec<ApiFinding> = unknown
        .iter()
        .map(|k| ApiFinding {
            field: terminal_text(k),
            severity: "error".into(),
            code: "unknown-field".into(),
            message: "不是这一部分的字段 (not a field of this section)".into(),
            hint: Some(format!("可用字段：{}", names.join("、"))),
            sheet: None,
            row: None,
            column: None,
        })
        .collect();
    if !parsed {
        for f in &fields {
            for e in &f.errors {
                found.push(ApiFinding {
                    field: f.name.clone(),
                    severity: "error".into(),
                    code: "format".into(),
                    message: e.clone(),
                    hint: None,
                    sheet: None,
                    row: None,
                    column: None,
                });
            }
        }
    }
    if !found.is_empty() {
        return Err(Failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            ApiError {
                error: "有字段无法写入，未作修改 (fields refused; nothing written)".into(),
                remedy: "按 findings 中每条的 field 改正后重新提交".into(),
                findings: found,
                changed: Vec::new(),
                version: None,
            },
        ));
    }
    let (d, who, target) = (desk.clone(), user.name.clone(), id.clone());
    let saved = blocking(move || {
        pages::save_section(&d, &file, &b.version, &changes, &who, &section, &target)
    })
    .await?;
    saved.map(|sv| written(&id, sv)).map_err(edit_failure)
}

// ---------------------------------------------------------------- the leader

/// A leader's decision on the case file at a version.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The case file's version the decision was made on (`version` of
    /// `GET /cases/{id}`); a stale one is refused with 409.
    #[schemars(length(min = 1))]
    pub version: String,
}

async fn decide(
    desk: Arc<Desk>,
    headers: HeaderMap,
    id: String,
    body: Result<Json<Decision>, JsonRejection>,
    step: approvals::Step,
) -> Result<Json<Written>, Failure> {
    let what = format!("/api/v1/cases/{{id}}/{}", step.path());
    let user = authorize(&desk, &headers, step.action(), &what)?;
    let Json(b) = body.map_err(|e| bad_body(e, "Decision"))?;
    let file = case_of(&desk, &id).await?.file.clone();
    let (d, who, target) = (desk.clone(), user.name.clone(), id.clone());
    let done =
        blocking(move || approvals::decide(&d, &file, &b.version, &who, &target, step)).await?;
    match done {
        Ok(sv) => Ok(written(&id, sv)),
        Err(ApprovalError::Edit(e)) => Err(edit_failure(e)),
        Err(e) => {
            let status = match e {
                ApprovalError::NothingToSignOff | ApprovalError::NoRequest => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            Err(fail(status, mask_text(&e.to_string()), e.remedy()))
        }
    }
}

pub(super) async fn sign_off(
    State(desk): Shared,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    body: Result<Json<Decision>, JsonRejection>,
) -> Result<Json<Written>, Failure> {
    decide(desk, headers, id, body, approvals::Step::SignOff).await
}

pub(super) async fn approve_extension(
    State(desk): Shared,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    body: Result<Json<Decision>, JsonRejection>,
) -> Result<Json<Written>, Failure> {
    decide(desk, headers, id, body, approvals::Step::Approve).await
}

pub(super) async fn reject_extension(
    State(desk): Shared,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    body: Result<Json<Decision>, JsonRejection>,
) -> Result<Json<Written>, Failure> {
    decide(desk, headers, id, body, approvals::Step::Reject).await
}

// ---------------------------------------------------------------- papers

/// A rendered paper.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ApiPaper {
    /// The file name (`01-受理告知书.pdf`).
    pub name: String,
    pub bytes: u64,
    /// Its detached signature (`NAME.minisig`) lies beside it.
    pub signed: bool,
    /// Where to download it.
    pub url: String,
}

/// A case's papers.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PaperList {
    /// `anjuan-api-papers/1`.
    pub schema: String,
    pub id: String,
    pub papers: Vec<ApiPaper>,
    /// Render only: papers made in this run, and those kept unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub made: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<usize>,
}

async fn paper_list(desk: &Arc<Desk>, id: &str) -> Result<PaperList, Failure> {
    let dir = desk.papers_dir(id);
    let files = blocking(move || pages::paper_files(&dir)).await?;
    Ok(PaperList {
        schema: "anjuan-api-papers/1".into(),
        id: id.to_string(),
        papers: files
            .into_iter()
            .map(|p| ApiPaper {
                url: format!(
                    "/api/v1/cases/{}/papers/{}",
                    pages::percent(id),
                    pages::percent(&p.name)
                ),
                name: p.name,
                bytes: p.bytes,
                signed: p.signed,
            })
            .collect(),
        made: None,
        kept: None,
    })
}

pub(super) async fn papers(
    State(desk): Shared,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<PaperList>, Failure> {
    authorize(
        &desk,
        &headers,
        Action::ViewCases,
        "/api/v1/cases/{id}/papers",
    )?;
    case_of(&desk, &id).await?;
    Ok(Json(paper_list(&desk, &id).await?))
}

pub(super) async fn paper(
    State(desk): Shared,
    headers: HeaderMap,
    UrlPath((id, name)): UrlPath<(String, String)>,
) -> Result<Response, Failure> {
    authorize(
        &desk,
        &headers,
        Action::ViewCases,
        "/api/v1/cases/{id}/papers/{name}",
    )?;
    case_of(&desk, &id).await?;
    let (d, n2) = (desk.clone(), name.clone());
    let bytes = blocking(move || pages::read_paper(&d, &id, &n2))
        .await?
        .ok_or_else(|| {
            fail(
                StatusCode::NOT_FOUND,
                "文书不存在 (no such paper)",
                "用 GET /api/v1/cases/{id}/papers 列出该案件的文书",
            )
        })?;
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&pages::attachment(&name, false)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

pub(super) async fn render(
    State(desk): Shared,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<PaperList>, Failure> {
    let user = authorize(
        &desk,
        &headers,
        Action::RenderPapers,
        "/api/v1/cases/{id}/papers",
    )?;
    let file = case_of(&desk, &id).await?.file.clone();
    let (d, actor) = (desk.clone(), format!("api:{}", user.name));
    let done = blocking(move || pages::render_papers(&d, &actor, file)).await?;
    let r = match done {
        Ok(r) => r,
        Err(e) => {
            return Err(fail(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "文书未能生成 (papers not made): {}",
                    mask_text(&e.to_string())
                ),
                e.remedy().unwrap_or("请检查办公室目录后重试"),
            ))
        }
    };
    if !r.refused.is_empty() {
        return Err(fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "案件记录有错误，未生成文书 (the record has errors; no papers)",
            "先按 anjuan check 或案件页上的提示改正案件记录",
        ));
    }
    if !r.failed.is_empty() {
        let why: Vec<String> = r
            .failed
            .iter()
            .map(|(_, e)| mask_text(&e.to_string()))
            .collect();
        return Err(fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("文书未能生成 (papers not made): {}", why.join("；")),
            "按提示处理后重试",
        ));
    }
    let mut list = paper_list(&desk, &id).await?;
    list.made = Some(r.made);
    list.kept = Some(r.kept);
    Ok(Json(list))
}

// ---------------------------------------------------------------- figures

pub(super) async fn stats(
    State(desk): Shared,
    headers: HeaderMap,
    UrlPath(year): UrlPath<String>,
) -> Result<Json<crate::ledger::stats::Stats>, Failure> {
    authorize(&desk, &headers, Action::ViewCases, "/api/v1/stats/{year}")?;
    let Some(year) = year
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
    else {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "年份有误 (bad year)",
            "年份应在 2000 到 2100 之间",
        ));
    };
    let d = desk.clone();
    let snap = blocking(move || d.index.current(&d.rules()))
        .await?
        .map_err(index_failure)?;
    match pages::year_figures(&desk, &snap, year).await {
        Ok(Ok(st)) => Ok(Json((*st).clone())),
        Ok(Err(e)) => Err(fail(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "无法统计 (cannot count the year): {}",
                mask_text(&e.to_string())
            ),
            e.remedy().unwrap_or("请检查办公室目录后重试"),
        )),
        Err(_) => Err(fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "内部错误 (internal error)",
            "请重试，如再次出现请报告",
        )),
    }
}

// ---------------------------------------------------------------- the ledger

/// The ledger's export.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Identity numbers and phones masked (脱敏).
    pub mask: Option<bool>,
}

pub(super) async fn ledger_export(
    State(desk): Shared,
    headers: HeaderMap,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let user = authorize(&desk, &headers, Action::ExportLedger, "/api/v1/ledger")?;
    let Query(q) = q.map_err(|e| bad_query(e, "mask"))?;
    let (d, who, mask) = (desk.clone(), user.name.clone(), q.mask.unwrap_or(false));
    let book = blocking(move || ledger::export_book(&d, &who, mask))
        .await?
        .map_err(|e| {
            fail(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "台账未能导出 (ledger not exported): {}",
                    terminal_text(&e.to_string())
                ),
                e.remedy().unwrap_or("请检查办公室目录后重试"),
            )
        })?;
    let mut res = (StatusCode::OK, book.bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    if let Ok(v) = HeaderValue::from_str(&pages::attachment(&book.name, false)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A ledger's import.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Only check (预览): every row and cell, nothing written.
    pub dry_run: Option<bool>,
    /// The body's kind: xlsx (default), xlsm, xls, xlsb, ods or csv.
    pub format: Option<String>,
}

/// A new case of a ledger.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LedgerNew {
    /// The sheet row.
    pub row: usize,
    pub id: String,
    pub title: String,
}

/// What a ledger's import will do (dry run) or did.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LedgerPlan {
    /// `anjuan-api-ledger/1`.
    pub schema: String,
    pub sheet: String,
    pub header_row: usize,
    /// Data rows read.
    pub rows: usize,
    /// New cases (to be) written.
    pub new: Vec<LedgerNew>,
    /// Rows whose case file exists and agrees.
    pub unchanged: usize,
    /// Warnings, each at its sheet, row and column (errors refuse with 422).
    pub findings: Vec<ApiFinding>,
    /// Columns not read.
    pub ignored: Vec<String>,
    /// Open steps already past their limit in the new cases.
    pub overdue: usize,
    pub dry_run: bool,
    /// Not a dry run: case files written and updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<usize>,
}

fn ledger_findings(plan: &crate::ledger::import::Plan) -> Vec<ApiFinding> {
    plan.problems
        .iter()
        .map(|p| ApiFinding {
            field: p.field.zh().to_string(),
            severity: if p.severity == Severity::Error {
                "error"
            } else {
                "warning"
            }
            .into(),
            code: p.code.clone(),
            message: mask_text(&terminal_text(&p.message)),
            hint: (!p.hint.is_empty()).then(|| p.hint.clone()),
            sheet: Some(terminal_text(&plan.sheet)),
            row: Some(p.line),
            column: p.column.clone(),
        })
        .collect()
}

fn ledger_plan(plan: &crate::ledger::import::Plan, dry_run: bool) -> LedgerPlan {
    LedgerPlan {
        schema: "anjuan-api-ledger/1".into(),
        sheet: terminal_text(&plan.sheet),
        header_row: plan.header_row,
        rows: plan.rows,
        new: plan
            .new
            .iter()
            .map(|(path, c, row)| LedgerNew {
                row: *row,
                id: path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                title: mask_text(&terminal_text(c.title.as_deref().unwrap_or_default())),
            })
            .collect(),
        unchanged: plan.unchanged.len(),
        findings: ledger_findings(plan),
        ignored: plan
            .ignored
            .iter()
            .map(|(col, h, _)| format!("{col} {}", terminal_text(h)))
            .collect(),
        overdue: plan.overdue,
        dry_run,
        written: None,
        updated: None,
    }
}

fn ledger_refused(plan: &crate::ledger::import::Plan) -> Failure {
    Failure(
        StatusCode::UNPROCESSABLE_ENTITY,
        ApiError {
            error: format!(
                "台账有 {} 行有错误，未导入任何案件 (rows with errors; nothing imported)",
                plan.failed.len()
            ),
            remedy: "按 findings 中每条的 sheet、row、column 改正台账后重新提交".into(),
            findings: ledger_findings(plan),
            changed: Vec::new(),
            version: None,
        },
    )
}

fn upload_failure(e: &upload::UploadError) -> Failure {
    let status = match e {
        upload::UploadError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        upload::UploadError::Kind(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        _ => StatusCode::BAD_REQUEST,
    };
    fail(
        status,
        format!("上传未被接受 (upload refused): {}", e.text()),
        "以请求体原样发送文件（Content-Type: application/octet-stream），不超过上限；未保存任何内容",
    )
}

pub(super) async fn ledger_import(
    State(desk): Shared,
    q: Result<Query<ImportQuery>, QueryRejection>,
    req: Request,
) -> Result<Response, Failure> {
    let user = authorize(&desk, req.headers(), Action::ImportLedger, "/api/v1/ledger")?;
    let Query(q) = q.map_err(|e| bad_query(e, "dry_run、format"))?;
    let format = q
        .format
        .unwrap_or_else(|| "xlsx".into())
        .to_ascii_lowercase();
    if !ledger::KINDS.contains(&format.as_str()) {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "不支持的台账格式 (unsupported format)",
            format!("format 可为 {}", ledger::KINDS.join("、")),
        ));
    }
    let default = format!("台账.{format}");
    let up = upload::store(
        &desk.office,
        req,
        upload::LEDGER_CAP,
        &default,
        &ledger::KINDS,
    )
    .await
    .map_err(|e| upload_failure(&e))?;
    let dry_run = q.dry_run.unwrap_or(false);
    let (d, who, actor) = (
        desk.clone(),
        user.name.clone(),
        format!("api:{}", user.name),
    );
    let unreadable = |e: crate::office::ledger::LedgerFlowError| {
        fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "台账无法读取 (cannot read the ledger): {}",
                terminal_text(&e.to_string())
            ),
            e.remedy().unwrap_or("请检查台账文件后重新提交"),
        )
    };
    if dry_run {
        let plan = blocking(move || ledger::preview_ledger(&d, &actor, &up.file))
            .await?
            .map_err(unreadable)?;
        if !plan.failed.is_empty() {
            return Err(ledger_refused(&plan));
        }
        return Ok(Json(ledger_plan(&plan, true)).into_response());
    }
    let imported = blocking(move || {
        let name = up.name.clone();
        ledger::import_ledger(&d, &who, &actor, &up.file, &name)
    })
    .await?
    .map_err(unreadable)?;
    let Some((written, updated)) = imported.written else {
        return Err(ledger_refused(&imported.plan));
    };
    let mut plan = ledger_plan(&imported.plan, false);
    plan.written = Some(written);
    plan.updated = Some(updated);
    Ok(Json(plan).into_response())
}

// ---------------------------------------------------------------- the archive

/// A pack job's options.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackQuery {
    /// Replace the year's bundle if it was made before (重新打包).
    pub replace: Option<bool>,
}

/// A pack job.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ApiJob {
    /// `anjuan-api-job/1`.
    pub schema: String,
    pub id: u64,
    pub year: i32,
    /// Who started it.
    pub by: String,
    /// Where to follow it.
    pub url: String,
    pub state: archive::JobState,
}

fn api_job(j: &archive::Job) -> ApiJob {
    ApiJob {
        schema: "anjuan-api-job/1".into(),
        id: j.id,
        year: j.year,
        by: j.by.clone(),
        url: format!("/api/v1/archive/jobs/{}", j.id),
        state: j.state(),
    }
}

pub(super) async fn pack(
    State(desk): Shared,
    headers: HeaderMap,
    UrlPath(year): UrlPath<String>,
    q: Result<Query<PackQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let user = authorize(&desk, &headers, Action::Pack, "/api/v1/archive/{year}")?;
    let Query(q) = q.map_err(|e| bad_query(e, "replace"))?;
    let Some(year) = year
        .parse::<i32>()
        .ok()
        .filter(|y| (1949..=9999).contains(y))
    else {
        return Err(fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "年度有误 (bad year)",
            "给出要打包的年度，如 2026",
        ));
    };
    match archive::start_job(&desk, &user.name, "api", year, q.replace.unwrap_or(false)) {
        Ok(id) => {
            let job = desk.jobs.get(id).map(|j| api_job(&j)).ok_or_else(|| {
                fail(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "内部错误 (internal error)",
                    "请重试",
                )
            })?;
            let mut res = (StatusCode::ACCEPTED, Json(job)).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/archive/jobs/{id}")) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            Ok(res)
        }
        Err(j) => Err(fail(
            StatusCode::CONFLICT,
            format!(
                "已有归档正在进行 (a pack is running): {} 年度，{} 发起，任务 {}",
                j.year, j.by, j.id
            ),
            format!(
                "同一办公室一次只能打包一个：GET /api/v1/archive/jobs/{} 查看进度，完成后再开始",
                j.id
            ),
        )),
    }
}

pub(super) async fn job(
    State(desk): Shared,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<ApiJob>, Failure> {
    authorize(&desk, &headers, Action::Pack, "/api/v1/archive/jobs/{id}")?;
    id.parse::<u64>()
        .ok()
        .and_then(|n| desk.jobs.get(n))
        .map(|j| Json(api_job(&j)))
        .ok_or_else(|| {
            fail(
                StatusCode::NOT_FOUND,
                "没有这个归档任务 (no such job)",
                "任务编号有误，或工作台重启后任务记录已清除；打包结果见归档包目录",
            )
        })
}

pub(super) async fn bundle(
    State(desk): Shared,
    headers: HeaderMap,
    UrlPath(name): UrlPath<String>,
) -> Result<Response, Failure> {
    authorize(
        &desk,
        &headers,
        Action::Pack,
        "/api/v1/archive/bundles/{name}",
    )?;
    let d = desk.clone();
    let (file, len, name) = blocking(move || archive::open_bundle(&d, &name))
        .await?
        .ok_or_else(|| {
            fail(
                StatusCode::NOT_FOUND,
                "归档包不存在 (no such bundle)",
                "先以 POST /api/v1/archive/{year} 打包该年度；包名见任务的 state.bundle",
            )
        })?;
    Ok(archive::stream_file(file, len, &name, "application/zip"))
}

// ---------------------------------------------------------------- receiving

/// A bundle received and checked (四性检测).
#[derive(Debug, Serialize, JsonSchema)]
pub struct BundleChecked {
    /// `anjuan-api-bundle/1`.
    pub schema: String,
    /// It passed: it can be accepted.
    pub accepted: bool,
    /// Passed, and the role may issue receipts: the id to accept it with
    /// (`POST /bundles/{id}/accept`, within an hour; a later upload by the same
    /// account replaces it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The check's report, as `anjuan verify --json` gives it.
    pub report: crate::verify::report::Report,
}

/// A bundle accepted, its receipt issued.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BundleAccepted {
    /// `anjuan-api-received/1`.
    pub schema: String,
    /// The bundle's name.
    pub name: String,
    /// Its folder under `接收/`.
    pub folder: String,
    /// The receipt's file name (`接收回执-NAME.json`).
    pub receipt: String,
    /// The key that signed the receipt.
    pub key_id: String,
    pub sha256: String,
    /// The folder's files, each with where to download it.
    pub files: Vec<ReceivedFile>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ReceivedFile {
    pub name: String,
    pub url: String,
}

/// What a held upload is bound to: the account (the API has no session).
fn holder(user: &User) -> String {
    format!("api:{}", user.name)
}

pub(super) async fn receive_bundle(
    State(desk): Shared,
    req: Request,
) -> Result<Json<BundleChecked>, Failure> {
    let user = authorize(
        &desk,
        req.headers(),
        Action::VerifyBundle,
        "/api/v1/bundles",
    )?;
    let up = upload::store(&desk.office, req, upload::BUNDLE_CAP, "upload.zip", &[])
        .await
        .map_err(|e| upload_failure(&e))?;
    let (d, who) = (desk.clone(), user.name.clone());
    let (up, checked) = blocking(move || receive::check_upload(&d, &who, up)).await?;
    let mut report = checked.map_err(|e| {
        fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "不予接收：无法读取移交包 (cannot read the bundle): {}",
                terminal_text(&e.to_string())
            ),
            format!(
                "{}；上传的文件已删除",
                e.remedy().unwrap_or("请移交单位重新打包后移交")
            ),
        )
    })?;
    // The upload's place in the office is the server's business: the name sent.
    report.bundle.path = terminal_text(&up.name);
    let accepted = report.accepted();
    let id = if accepted && user.role.may(Action::IssueReceipt) {
        Some(upload::hold(
            &desk,
            &holder(&user),
            upload::Step::Accept,
            up,
        ))
    } else {
        drop(up);
        None
    };
    Ok(Json(BundleChecked {
        schema: "anjuan-api-bundle/1".into(),
        accepted,
        id,
        report,
    }))
}

pub(super) async fn accept(
    State(desk): Shared,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<(StatusCode, Json<BundleAccepted>), Failure> {
    let user = authorize(
        &desk,
        &headers,
        Action::IssueReceipt,
        "/api/v1/bundles/{id}/accept",
    )?;
    let Some(held) = upload::take(&desk, &holder(&user), upload::Step::Accept, &id) else {
        return Err(fail(
            StatusCode::NOT_FOUND,
            "没有待接收的移交包 (nothing to accept)",
            "该移交包未通过检测、已经接收、被同一账号后来的上传替代，或等待超过一小时已被清除：请重新 POST /api/v1/bundles",
        ));
    };
    let (d, actor) = (desk.clone(), holder(&user));
    let (report, acc) = blocking(move || receive::accept_held(&d, &actor, held))
        .await?
        .map_err(|e| {
            use crate::office::verify::VerifyFlowError as E;
            let status = match e {
                E::NotAccepted | E::BadName(_) => StatusCode::UNPROCESSABLE_ENTITY,
                E::AlreadyReceived(_) | E::NoTrust | E::TrustedKey(_) => StatusCode::CONFLICT,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            fail(
                status,
                format!("未能接收 (not accepted): {}", terminal_text(&e.to_string())),
                format!(
                    "{}；上传的文件已删除，未出具回执",
                    e.remedy().unwrap_or("请检查办公室目录后重试")
                ),
            )
        })?;
    let name_of = |p: &std::path::Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let folder = name_of(&acc.dir);
    let dir = acc.dir.clone();
    let files = blocking(move || receive::folder_files(&dir)).await?;
    Ok((
        StatusCode::CREATED,
        Json(BundleAccepted {
            schema: "anjuan-api-received/1".into(),
            name: report.bundle.name.clone(),
            receipt: name_of(&acc.issued.receipt),
            key_id: acc.issued.key_id.clone(),
            sha256: report.bundle.sha256.clone().unwrap_or_default(),
            files: files
                .into_iter()
                .map(|f| ReceivedFile {
                    url: format!(
                        "/api/v1/received/{}/{}",
                        pages::percent(&folder),
                        pages::percent(&f)
                    ),
                    name: f,
                })
                .collect(),
            folder,
        }),
    ))
}

pub(super) async fn received(
    State(desk): Shared,
    headers: HeaderMap,
    UrlPath((name, file)): UrlPath<(String, String)>,
) -> Result<Response, Failure> {
    authorize(
        &desk,
        &headers,
        Action::VerifyBundle,
        "/api/v1/received/{name}/{file}",
    )?;
    let (d, f2) = (desk.clone(), file.clone());
    let (f, len) = blocking(move || receive::open_received(&d, &name, &f2))
        .await?
        .ok_or_else(|| {
            fail(
                StatusCode::NOT_FOUND,
                "文件不存在 (no such file)",
                "接收目录中没有这个文件；文件名见接收的 files",
            )
        })?;
    Ok(archive::stream_file(
        f,
        len,
        &file,
        receive::file_kind(&file),
    ))
}
