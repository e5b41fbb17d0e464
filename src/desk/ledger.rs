//! 台账 (the clerk's ledger): a spreadsheet uploaded ([`super::upload`]) and
//! previewed ([`crate::office::ledger::preview`]: every row and cell checked,
//! nothing written); with no errors the clerk confirms and the library imports
//! it ([`crate::office::ledger::import`], case files written atomically). And
//! the ledger's download ([`crate::office::ledger::workbook`]).

use std::path::PathBuf;

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::pages::{base, blocking, error_page, need, render, Shared};
use super::receive::download;
use super::session::Session;
use super::upload::{self, Step, UploadError};
use super::Desk;
use crate::diag::{terminal_text, Severity};
use crate::ledger::import::Plan;
use crate::office::audit::{self, AuditAction, Record};
use crate::office::ledger::{self as ledgers, ExportOptions, ImportOptions};
use crate::office::progress::silent;
use crate::office::users::Action;

/// The spreadsheet kinds the import reads.
pub(super) const KINDS: [&str; 6] = ["xlsx", "xlsm", "xls", "xlsb", "ods", "csv"];

fn cases_dir(desk: &Desk) -> PathBuf {
    desk.index.cases_dir().to_path_buf()
}

/// The import's options for the library's `actor` (`desk:NAME`, `api:NAME`).
pub(super) fn options_for(desk: &Desk, actor: &str) -> ImportOptions {
    ImportOptions {
        config: desk.loaded.path.clone(),
        actor: actor.to_string(),
        ..ImportOptions::default()
    }
}

/// Previews the ledger at `file` (nothing written). Blocking. (Shared with the API.)
pub(super) fn preview_ledger(
    desk: &Desk,
    actor: &str,
    file: &std::path::Path,
) -> Result<Plan, ledgers::LedgerFlowError> {
    ledgers::preview(file, &cases_dir(desk), &options_for(desk, actor), &silent)
}

/// Imports the ledger at `file` (`office::ledger::import`, one save at a
/// time); when written, the `ledger.import` audit line for `who` (`sent`: the
/// file's name as sent) and the index refreshed. Blocking. (Shared with the API.)
pub(super) fn import_ledger(
    desk: &Desk,
    who: &str,
    actor: &str,
    file: &std::path::Path,
    sent: &str,
) -> Result<ledgers::Imported, ledgers::LedgerFlowError> {
    let r = {
        let _one = desk.saving.lock().unwrap_or_else(|p| p.into_inner());
        ledgers::import(file, &cases_dir(desk), &options_for(desk, actor), &silent)
    };
    if let Ok(i) = &r {
        if let Some((written, updated)) = i.written {
            desk.index.invalidate();
            let detail = format!(
                "新案件 {written} 件，更新 {updated} 件，共 {} 行",
                i.plan.rows
            );
            let _ = audit::append(
                &desk.office,
                &Record {
                    actor: who,
                    action: AuditAction::LedgerImport,
                    target: sent,
                    detail: &detail,
                },
            );
        }
    }
    r
}

/// The ledger as a workbook (`office::ledger::workbook`, masked when asked),
/// with its `ledger.export` audit line for `who`. Blocking. (Shared with the API.)
pub(super) fn export_book(
    desk: &Desk,
    who: &str,
    mask: bool,
) -> Result<ledgers::Workbook, ledgers::LedgerFlowError> {
    let opts = ExportOptions {
        config: desk.loaded.path.clone(),
        mask,
        ..ExportOptions::default()
    };
    let book = ledgers::workbook(&[cases_dir(desk)], &opts, &silent)?;
    let detail = format!(
        "{} 件{}（截至 {}）",
        book.summary.rows,
        if mask { "，脱敏" } else { "" },
        book.summary.as_of
    );
    let _ = audit::append(
        &desk.office,
        &Record {
            actor: who,
            action: AuditAction::LedgerExport,
            target: &book.name,
            detail: &detail,
        },
    );
    Ok(book)
}

/// The ledger page: the import form (clerk) and the downloads.
pub(crate) async fn page(State(desk): Shared, headers: HeaderMap) -> Response {
    let s = match need(&desk, &headers, "/ledger", Action::ExportLedger).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut ctx = base(&desk, Some(&s), "/ledger");
    ctx.insert("may_import", &s.role.may(Action::ImportLedger));
    ctx.insert("cap", &upload::human_bytes(upload::LEDGER_CAP));
    render(&desk, StatusCode::OK, "ledger.html", &ctx)
}

#[derive(Serialize)]
struct ProblemRow {
    sheet: String,
    row: usize,
    column: String,
    field: &'static str,
    error: bool,
    severity: &'static str,
    code: String,
    message: String,
    hint: String,
}

#[derive(Serialize)]
struct NewRow {
    row: usize,
    id: String,
    name: String,
}

/// The plan as the page shows it (personal numbers masked in every message).
fn plan_context(ctx: &mut tera::Context, plan: &Plan, sent: &str) {
    let sheet = crate::ledger::sheet::sheet_label(&plan.sheet);
    let problems: Vec<ProblemRow> = plan
        .problems
        .iter()
        .map(|p| ProblemRow {
            sheet: terminal_text(&plan.sheet),
            row: p.line,
            column: p.column.clone().unwrap_or_default(),
            field: p.field.zh(),
            error: p.severity == Severity::Error,
            severity: p.severity.zh(),
            code: p.code.clone(),
            message: terminal_text(&p.message),
            hint: p.hint.clone(),
        })
        .collect();
    let new: Vec<NewRow> = plan
        .new
        .iter()
        .map(|(path, c, row)| NewRow {
            row: *row,
            id: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            name: terminal_text(c.title.as_deref().unwrap_or_default()),
        })
        .collect();
    let ignored: Vec<String> = plan
        .ignored
        .iter()
        .map(|(col, header, dup)| match dup {
            Some(f) => format!(
                "{col} 列“{}”与前面的列都对应“{}”，只读取前一列 (duplicate column)",
                terminal_text(header),
                f.zh()
            ),
            None => format!(
                "{col} 列“{}”不是台账列，未读取 (unknown column)",
                terminal_text(header)
            ),
        })
        .collect();
    ctx.insert("sent", &terminal_text(sent));
    ctx.insert("sheet", &terminal_text(&sheet));
    ctx.insert("header_row", &plan.header_row);
    ctx.insert("rows", &plan.rows);
    ctx.insert("problems", &problems);
    ctx.insert("new", &new);
    ctx.insert("unchanged", &plan.unchanged.len());
    ctx.insert("failed", &plan.failed);
    ctx.insert("ignored", &ignored);
    ctx.insert("overdue", &plan.overdue);
}

fn refused(desk: &Desk, s: &Session, e: &UploadError) -> Response {
    let status = match e {
        UploadError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        UploadError::Kind(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        _ => StatusCode::BAD_REQUEST,
    };
    let extra = match e {
        UploadError::Kind(_) => "：台账可为 .xlsx .xlsm .xls .xlsb .ods 或 .csv 文件",
        _ => "",
    };
    error_page(
        desk,
        Some(s),
        status,
        "上传未被接受 (upload refused)",
        &format!("{}{extra}。未保存任何内容。", e.text()),
    )
}

fn unreadable(desk: &Desk, s: &Session, e: &ledgers::LedgerFlowError) -> Response {
    error_page(
        desk,
        Some(s),
        StatusCode::UNPROCESSABLE_ENTITY,
        "台账无法读取 (cannot read the ledger)",
        &format!(
            "{}。{}。未导入任何案件。",
            terminal_text(&e.to_string()),
            e.remedy().unwrap_or("请检查台账文件后重新上传")
        ),
    )
}

/// The ledger uploaded and previewed: every finding by sheet, row and column;
/// with no errors and new cases to write, it waits (bound to the session) for
/// the clerk to confirm.
pub(crate) async fn upload(State(desk): Shared, req: Request) -> Response {
    let s = match need(&desk, req.headers(), "/ledger/import", Action::ImportLedger).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let up = match upload::store(&desk.office, req, upload::LEDGER_CAP, "台账.xlsx", &KINDS).await
    {
        Ok(u) => u,
        Err(e) => return refused(&desk, &s, &e),
    };
    let (d, actor) = (desk.clone(), format!("desk:{}", s.user));
    let previewed = blocking(&desk, move || {
        let r = preview_ledger(&d, &actor, &up.file);
        (up, r)
    })
    .await;
    let (up, plan) = match previewed {
        Ok((up, Ok(p))) => (up, p),
        Ok((_, Err(e))) => return unreadable(&desk, &s, &e),
        Err(r) => return r,
    };
    let sent = up.name.clone();
    let ok = plan.failed.is_empty() && !plan.new.is_empty();
    let id = ok.then(|| upload::hold(&desk, &s.id, Step::Confirm, up));
    let mut ctx = base(&desk, Some(&s), "/ledger");
    plan_context(&mut ctx, &plan, &sent);
    ctx.insert("id", &id);
    ctx.insert("done", &false);
    let status = if plan.failed.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(&desk, status, "ledger_preview.html", &ctx)
}

/// Imports the ledger previewed: checked again by the library and written
/// when still without errors.
pub(crate) async fn confirm(
    State(desk): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match need(&desk, &headers, "/ledger/import", Action::ImportLedger).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(held) = upload::take(&desk, &s.id, Step::Confirm, &id) else {
        return error_page(
            &desk,
            Some(&s),
            StatusCode::NOT_FOUND,
            "没有待导入的台账 (nothing to import)",
            "该台账已导入、有错误未能预览通过，或等待超过一小时已被清除。请重新上传。",
        );
    };
    let (d, who) = (desk.clone(), s.user.clone());
    let done = blocking(&desk, move || {
        let name = held.name.clone();
        let r = import_ledger(&d, &who, &format!("desk:{who}"), &held.file, &name);
        held.remove();
        (name, r)
    })
    .await;
    let (sent, imported) = match done {
        Ok((n, Ok(i))) => (n, i),
        Ok((_, Err(e))) => return unreadable(&desk, &s, &e),
        Err(r) => return r,
    };
    let mut ctx = base(&desk, Some(&s), "/ledger");
    plan_context(&mut ctx, &imported.plan, &sent);
    ctx.insert("id", &None::<String>);
    let Some((written, _)) = imported.written else {
        ctx.insert("done", &false);
        return render(
            &desk,
            StatusCode::UNPROCESSABLE_ENTITY,
            "ledger_preview.html",
            &ctx,
        );
    };
    ctx.insert("done", &true);
    ctx.insert("written", &written);
    render(&desk, StatusCode::OK, "ledger_preview.html", &ctx)
}

#[derive(Deserialize, Default)]
pub(crate) struct ExportQuery {
    mask: Option<String>,
}

/// The ledger as a workbook, as of today (`?mask=1`: identity numbers and
/// phones masked).
pub(crate) async fn export(
    State(desk): Shared,
    headers: HeaderMap,
    q: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let s = match need(&desk, &headers, "/ledger/export", Action::ExportLedger).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mask = q.is_ok_and(|Query(q)| q.mask.is_some_and(|m| !m.is_empty() && m != "0"));
    let (d, who) = (desk.clone(), s.user.clone());
    let made = blocking(&desk, move || export_book(&d, &who, mask)).await;
    let book = match made {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => {
            return error_page(
                &desk,
                Some(&s),
                StatusCode::UNPROCESSABLE_ENTITY,
                "台账未能导出 (ledger not exported)",
                &format!(
                    "{}。{}",
                    terminal_text(&e.to_string()),
                    e.remedy().unwrap_or("请检查办公室目录后重试")
                ),
            )
        }
        Err(r) => return r,
    };
    download(
        book.bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &book.name,
    )
}
