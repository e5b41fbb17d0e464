//! 审批 (the leader's page): drafted handling opinions awaiting sign-off
//! (领导审签) and extension requests awaiting approval (延期审批), each with a
//! form based on the case file's version; the writes are
//! [`crate::office::approval`]'s, audited here.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;

use super::pages::{self, blocking, error_page, mask_or, need, render, see_other};
use super::{Desk, Session};
use crate::case::idnum::mask_text;
use crate::office::approval::{self, ApprovalError};
use crate::office::audit::{self, AuditAction, Record};
use crate::office::edit::{self, EditError};
use crate::office::users::Action;

type Shared = State<Arc<Desk>>;

#[derive(Serialize)]
struct DecisionRow {
    request: String,
    outcome: &'static str,
    reason: String,
}

#[derive(Serialize)]
struct SignOffRow {
    id: String,
    petitioner: String,
    leader: String,
    date: String,
    facts: String,
    legal_basis: Vec<String>,
    decisions: Vec<DecisionRow>,
    version: String,
}

#[derive(Serialize)]
struct ExtensionRow {
    id: String,
    petitioner: String,
    days: u32,
    reason: String,
    limit: String,
    days_left: i64,
    new_limit: String,
    approvable: bool,
    version: String,
}

/// What one pending case shows, read from its file now.
enum Pending {
    SignOff(SignOffRow),
    Extension(ExtensionRow),
}

fn read_pending(desk: &Desk, file: &std::path::Path, petitioner: &str) -> Vec<Pending> {
    let Ok(o) = edit::open(&desk.office, file) else {
        return Vec::new();
    };
    let rules = desk.rules();
    let Ok((cf, _)) = crate::case::check_text(file, o.text, &rules) else {
        return Vec::new();
    };
    let c = &cf.case;
    let mut out = Vec::new();
    if let Some(h) = c.awaiting_sign_off() {
        out.push(Pending::SignOff(SignOffRow {
            id: c.id.clone(),
            petitioner: petitioner.to_string(),
            leader: c
                .responsibility
                .as_ref()
                .map(|r| r.leader.clone())
                .unwrap_or_default(),
            date: h.date.to_string(),
            facts: mask_text(&h.facts),
            legal_basis: h.legal_basis.clone(),
            decisions: h
                .decisions
                .iter()
                .map(|d| DecisionRow {
                    request: c
                        .matter
                        .requests
                        .get((d.request as usize).wrapping_sub(1))
                        .map(|r| mask_or(r, false))
                        .unwrap_or_else(|| format!("第{}项诉求", d.request)),
                    outcome: d.outcome.zh(),
                    reason: mask_text(&d.reason),
                })
                .collect(),
            version: o.version.clone(),
        }));
    }
    if let Some(v) = approval::request_view(c, &rules) {
        out.push(Pending::Extension(ExtensionRow {
            id: c.id.clone(),
            petitioner: petitioner.to_string(),
            days: v.days,
            reason: v.reason,
            limit: v.limit.to_string(),
            days_left: v.days_left,
            new_limit: v.new_limit.to_string(),
            approvable: v.approvable,
            version: o.version,
        }));
    }
    out
}

/// GET /approvals.
pub(crate) async fn page(State(desk): Shared, headers: HeaderMap) -> Response {
    let s = match need(&desk, &headers, "/approvals", Action::SignOff).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let snap = match pages::snapshot(&desk, &s).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let wanted: Vec<(PathBuf, String)> = snap
        .cases
        .iter()
        .filter(|c| c.awaiting_sign_off || c.extension_pending)
        .map(|c| (c.file.clone(), c.petitioner.clone()))
        .collect();
    let d = desk.clone();
    let read = blocking(&desk, move || {
        wanted
            .iter()
            .flat_map(|(f, p)| read_pending(&d, f, p))
            .collect::<Vec<_>>()
    })
    .await;
    let all = match read {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (mut sign, mut ext) = (Vec::new(), Vec::new());
    for p in all {
        match p {
            Pending::SignOff(r) => sign.push(r),
            Pending::Extension(r) => ext.push(r),
        }
    }
    let mut c = pages::base(&desk, Some(&s), "/approvals");
    c.insert("signoffs", &sign);
    c.insert("extensions", &ext);
    c.insert("today", &desk.rules().as_of.to_string());
    render(&desk, StatusCode::OK, "approvals.html", &c)
}

/// What the leader asked for.
#[derive(Clone, Copy)]
pub(super) enum Step {
    SignOff,
    Approve,
    Reject,
}

impl Step {
    pub(super) fn action(self) -> Action {
        match self {
            Step::SignOff => Action::SignOff,
            Step::Approve | Step::Reject => Action::ApproveExtension,
        }
    }
    fn audit(self) -> AuditAction {
        match self {
            Step::SignOff => AuditAction::OpinionSignOff,
            Step::Approve => AuditAction::ExtensionApprove,
            Step::Reject => AuditAction::ExtensionReject,
        }
    }
    pub(super) fn path(self) -> &'static str {
        match self {
            Step::SignOff => "sign-off",
            Step::Approve => "extension/approve",
            Step::Reject => "extension/reject",
        }
    }
}

pub(crate) async fn sign_off(
    state: Shared,
    headers: HeaderMap,
    id: Path<String>,
    body: axum::body::Bytes,
) -> Response {
    act(state, headers, id, body, Step::SignOff).await
}

pub(crate) async fn approve(
    state: Shared,
    headers: HeaderMap,
    id: Path<String>,
    body: axum::body::Bytes,
) -> Response {
    act(state, headers, id, body, Step::Approve).await
}

pub(crate) async fn reject(
    state: Shared,
    headers: HeaderMap,
    id: Path<String>,
    body: axum::body::Bytes,
) -> Response {
    act(state, headers, id, body, Step::Reject).await
}

async fn act(
    State(desk): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
    step: Step,
) -> Response {
    let path = format!("/approvals/{id}/{}", step.path());
    let s = match need(&desk, &headers, &path, step.action()).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let file = match pages::case_file(&desk, &s, &id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let form: HashMap<String, String> = super::serde_urlencoded_pairs(&body).into_iter().collect();
    let base = form.get("version").cloned().unwrap_or_default();
    let (d, who, target) = (desk.clone(), s.user.clone(), id.clone());
    let done = blocking(&desk, move || decide(&d, &file, &base, &who, &target, step)).await;
    match done {
        Ok(Ok(_)) => see_other("/approvals"),
        Ok(Err(e)) => refused(&desk, &s, &id, e),
        Err(r) => r,
    }
}

/// The leader's step on the case file at `file`, if it is still at version
/// `base` (one save at a time); audited for `who` and the index refreshed when
/// written. Blocking. (Shared with the API.)
pub(super) fn decide(
    d: &Desk,
    file: &std::path::Path,
    base: &str,
    who: &str,
    id: &str,
    step: Step,
) -> Result<edit::Saved, ApprovalError> {
    let _one = d.saving.lock().unwrap_or_else(|p| p.into_inner());
    let rules = d.rules();
    let r = match step {
        Step::SignOff => approval::sign_off(&d.office, file, base, who, &rules),
        Step::Approve => approval::approve_extension(&d.office, file, base, who, &rules),
        Step::Reject => approval::reject_extension(&d.office, file, base, &rules),
    };
    if let Ok(sv) = &r {
        let detail = format!("{} on {}", sv.changed.join(", "), rules.as_of);
        let _ = audit::append(
            &d.office,
            &Record {
                actor: who,
                action: step.audit(),
                target: id,
                detail: &detail,
            },
        );
        d.index.invalidate();
    }
    r
}

fn refused(desk: &Desk, s: &Session, id: &str, e: ApprovalError) -> Response {
    let (status, title) = match &e {
        ApprovalError::Edit(EditError::Conflict { .. }) => (
            StatusCode::CONFLICT,
            "案件已被他人修改，未写入 (changed since you opened it)",
        ),
        ApprovalError::TooLate { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "不能批准延期 (extension refused)",
        ),
        ApprovalError::NothingToSignOff | ApprovalError::NoRequest => {
            (StatusCode::CONFLICT, "无待审批事项 (nothing pending)")
        }
        _ => (StatusCode::UNPROCESSABLE_ENTITY, "未能写入 (not written)"),
    };
    let mut detail = format!("{id}：{}。", mask_text(&e.to_string()));
    if let ApprovalError::Edit(EditError::Invalid(found)) = &e {
        for l in found {
            detail.push_str(&format!(
                "{}: {}；",
                l.diag.path,
                mask_text(&l.diag.message)
            ));
        }
    }
    detail.push_str(e.remedy());
    detail.push_str("。请返回审批页刷新后再办理。");
    error_page(desk, Some(s), status, title, &detail)
}
