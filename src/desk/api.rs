//! `/api/v1`: the desk's operations for other 信访 systems, as JSON, with an
//! OpenAPI 3.1 document served at `/api/v1/openapi.json`.
//!
//! Authentication is by API token only (`Authorization: Bearer anjuan_…`,
//! issued with `anjuan user token OFFICE NAME`): the API never reads the
//! session cookie, so a page in a browser cannot make it act (no CSRF), and
//! the desk's CSRF check does not apply to it. Roles are those of the desk:
//! each route names the [`Action`] it needs; a refusal is 403 and audited.
//! Personal numbers are masked in every list, and in a case's record unless
//! the role may see them ([`Action::ViewIdentity`]).
//!
//! Errors are `{"error": "…", "remedy": "…"}` (Chinese, with the English term)
//! with the status that fits: 400 malformed, 401 no or bad token, 403 outside
//! the role, 404 no such case (paper, job, bundle), 409 a stale base version
//! (with the fields changed since), 413 an upload above its cap, 422 a record
//! with errors (with its findings).
//!
//! The workflow routes ([`ops`]) call the same shared steps as the desk's
//! pages, so a write through the API is checked, saved and audited exactly as
//! one through a page.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path as UrlPath, Query, State};
use axum::handler::Handler as _;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Desk;
use crate::case::date::Date;
use crate::case::idnum::mask_text;
use crate::office::audit::{self, AuditAction};
use crate::office::index::Summary;
use crate::office::new_case::{NewCase, NewCaseError, NewPetitioner};
use crate::office::users::{self, Action, User};

mod ops;

/// The routes under `/api/v1`.
pub(crate) fn router() -> Router<Arc<Desk>> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/cases", get(list_cases).post(create_case))
        .route("/cases/{id}", get(get_case))
        .route("/cases/{id}/sections/{section}", post(ops::edit_section))
        .route("/cases/{id}/papers", get(ops::papers).post(ops::render))
        .route("/cases/{id}/papers/{name}", get(ops::paper))
        .route("/cases/{id}/sign-off", post(ops::sign_off))
        .route(
            "/cases/{id}/extension/approve",
            post(ops::approve_extension),
        )
        .route("/cases/{id}/extension/reject", post(ops::reject_extension))
        .route("/deadlines", get(deadlines))
        .route("/stats/{year}", get(ops::stats))
        // Uploads stream to a file under their own cap (see `upload`).
        .route(
            "/ledger",
            get(ops::ledger_export).post(ops::ledger_import.layer(DefaultBodyLimit::disable())),
        )
        .route("/archive/{year}", post(ops::pack))
        .route("/archive/jobs/{id}", get(ops::job))
        .route("/archive/bundles/{name}", get(ops::bundle))
        .route(
            "/bundles",
            post(ops::receive_bundle).layer(DefaultBodyLimit::disable()),
        )
        .route("/bundles/{id}/accept", post(ops::accept))
        .route("/received/{name}/{file}", get(ops::received))
        .route("/me", get(me))
        .fallback(|| async {
            fail(
                StatusCode::NOT_FOUND,
                "没有这个接口 (no such endpoint)",
                "接口见 /api/v1/openapi.json",
            )
        })
}

/// An API error.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ApiError {
    /// What went wrong (Chinese, with the English term).
    pub error: String,
    /// What to do about it.
    pub remedy: String,
    /// Findings of a refused record, each at its field (422 only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<ApiFinding>,
    /// A stale base version (409): the fields changed since that version, when
    /// it is known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// A stale base version (409): the case file's version now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One finding of a refused record.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ApiFinding {
    /// The field, as a path into the case record (`petitioners[0].id_number`).
    pub field: String,
    /// `error` or `warning`.
    pub severity: String,
    /// The finding's code (`E0xx`/`W0xx`).
    pub code: String,
    pub message: String,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// A ledger's finding: the sheet, its row and the cell's column letter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

struct Failure(StatusCode, ApiError);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

fn fail(status: StatusCode, error: impl Into<String>, remedy: impl Into<String>) -> Failure {
    Failure(
        status,
        ApiError {
            error: error.into(),
            remedy: remedy.into(),
            findings: Vec::new(),
            changed: Vec::new(),
            version: None,
        },
    )
}

/// The account a request's bearer token belongs to, allowed to do `action`.
fn authorize(
    desk: &Desk,
    headers: &HeaderMap,
    action: Action,
    what: &str,
) -> Result<User, Failure> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(token) = token else {
        return Err(fail(
            StatusCode::UNAUTHORIZED,
            "缺少接口令牌 (missing API token)",
            "在请求头中给出 Authorization: Bearer <令牌>；令牌由管理员用 anjuan user token 发放",
        ));
    };
    let user = users::by_token(&desk.office, token).map_err(|_| {
        fail(
            StatusCode::UNAUTHORIZED,
            "接口令牌无效、已收回或账号已停用 (invalid API token)",
            "请管理员用 anjuan user token 重新发放",
        )
    })?;
    if !user.role.may(action) {
        let _ = audit::append(
            &desk.office,
            &audit::Record {
                actor: &user.name,
                action: AuditAction::AccessDenied,
                target: what,
                detail: "api",
            },
        );
        return Err(fail(
            StatusCode::FORBIDDEN,
            format!("{} 无权进行此操作 (forbidden for this role)", user.role),
            "由有相应角色的账号办理，或请管理员调整角色",
        ));
    }
    Ok(user)
}

/// The framework's own refusals under `/api/v1` (a malformed path or query, a
/// wrong method), as the API's JSON errors with their status.
pub(crate) fn refusal(status: StatusCode) -> Response {
    let (error, remedy) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "此接口不支持该请求方法 (method not allowed)",
            "各接口的方法见 /api/v1/openapi.json",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("请求体过大 (request too large)", "缩短请求内容后重试"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "请求体须为 JSON (unsupported media type)",
            "加上 Content-Type: application/json",
        ),
        _ => (
            "请求有误 (bad request)",
            "按 /api/v1/openapi.json 改正地址、参数或请求体",
        ),
    };
    fail(status, error, remedy).into_response()
}

fn index_failure(e: impl std::fmt::Display) -> Failure {
    fail(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("无法读取案件 (cannot read the cases): {e}"),
        "检查办公室目录下 cases/ 是否存在、是否可读",
    )
}

/// Filters of the case list.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// Text to find in the case number, names, title and matter.
    pub q: Option<String>,
    pub stage: Option<String>,
    pub category: Option<String>,
    pub leader: Option<String>,
    pub unit: Option<String>,
    /// Only overdue cases.
    pub overdue: Option<bool>,
    /// 1-based page.
    pub page: Option<u32>,
    /// Cases per page, 1 to 500 (default 50).
    pub per_page: Option<u32>,
}

/// A page of the case list.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CaseList {
    /// `anjuan-api-cases/1`.
    pub schema: String,
    pub as_of: Option<Date>,
    /// Cases matching the filters, over all pages.
    pub total: usize,
    pub page: u32,
    pub per_page: u32,
    pub cases: Vec<Summary>,
}

async fn list_cases(
    State(desk): State<Arc<Desk>>,
    headers: HeaderMap,
    q: Result<Query<CaseQuery>, QueryRejection>,
) -> Result<Json<CaseList>, Failure> {
    authorize(&desk, &headers, Action::ViewCases, "/api/v1/cases")?;
    let Query(q) = q.map_err(|e| {
        fail(
            StatusCode::BAD_REQUEST,
            format!("查询参数有误 (bad query): {}", e.body_text()),
            "可用参数：q、stage、category、leader、unit、overdue、page、per_page",
        )
    })?;
    let per_page = q.per_page.unwrap_or(50);
    if !(1..=500).contains(&per_page) || q.page == Some(0) {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "page 从 1 起，per_page 在 1 到 500 之间 (page/per_page out of range)",
            "改正查询参数",
        ));
    }
    let page = q.page.unwrap_or(1);
    let desk2 = desk.clone();
    let snap = tokio::task::spawn_blocking(move || desk2.index.current(&desk2.rules()))
        .await
        .map_err(index_failure)?
        .map_err(index_failure)?;
    let needle =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
    let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
    let matching: Vec<&Arc<Summary>> = snap
        .cases
        .iter()
        .filter(|s| needle.as_deref().is_none_or(|n| s.haystack.contains(n)))
        .filter(|s| eq(&q.stage, s.stage) && eq(&q.category, &s.category))
        .filter(|s| eq(&q.leader, s.leader.as_deref().unwrap_or("")))
        .filter(|s| eq(&q.unit, s.unit.as_deref().unwrap_or("")))
        .filter(|s| !q.overdue.unwrap_or(false) || s.overdue())
        .collect();
    let start = (page as usize - 1).saturating_mul(per_page as usize);
    Ok(Json(CaseList {
        schema: "anjuan-api-cases/1".into(),
        as_of: snap.as_of,
        total: matching.len(),
        page,
        per_page,
        cases: matching
            .iter()
            .skip(start)
            .take(per_page as usize)
            .map(|s| Summary::clone(s))
            .collect(),
    }))
}

/// One case: its summary and its whole record.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CaseDetail {
    /// `anjuan-api-case/1`.
    pub schema: String,
    pub summary: Summary,
    /// The case record as its file holds it (the case file's fields), identity
    /// numbers and phones masked unless the role may see them.
    pub record: serde_json::Value,
    /// Whether `record` shows personal numbers whole.
    pub identity_shown: bool,
    /// The case file's version (a hash of its bytes): the base a write names
    /// (`version` of a section edit, a sign-off, an extension decision).
    pub version: String,
}

async fn get_case(
    State(desk): State<Arc<Desk>>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<CaseDetail>, Failure> {
    let user = authorize(&desk, &headers, Action::ViewCases, "/api/v1/cases/{id}")?;
    let desk2 = desk.clone();
    let snap = tokio::task::spawn_blocking(move || desk2.index.current(&desk2.rules()))
        .await
        .map_err(index_failure)?
        .map_err(index_failure)?;
    let Some(s) = snap.find(&id).cloned() else {
        return Err(fail(
            StatusCode::NOT_FOUND,
            format!("没有案件 {} (no such case)", mask_text(&id)),
            "用 GET /api/v1/cases 查找案件编号",
        ));
    };
    let (file, d) = (s.file.clone(), desk.clone());
    // Opened as for an edit: the version a later write names as its base (its
    // text kept, so a stale write can say which fields changed).
    let loaded = tokio::task::spawn_blocking(move || {
        let o = crate::office::edit::open(&d.office, &file)?;
        let version = o.version.clone();
        Ok::<_, crate::office::edit::EditError>(
            crate::case::check_text(&file, o.text, &d.rules()).map(|(cf, _)| (cf.case, version)),
        )
    })
    .await
    .map_err(index_failure)?;
    let (case, version) = match loaded {
        Ok(Ok(x)) => x,
        Ok(Err(l)) => {
            return Err(fail(
                StatusCode::CONFLICT,
                format!(
                    "案件记录无法读取 (the record is unreadable): {}",
                    mask_text(&l.diag.message)
                ),
                "由登记员按 anjuan check 的提示改正案件文件",
            ))
        }
        Err(e) => return Err(index_failure(mask_text(&e.to_string()))),
    };
    let show = user.role.may(Action::ViewIdentity);
    let mut record = serde_json::to_value(&case).unwrap_or_default();
    if !show {
        mask_value(&mut record);
    }
    Ok(Json(CaseDetail {
        schema: "anjuan-api-case/1".into(),
        summary: Summary::clone(&s),
        record,
        identity_shown: show,
        version,
    }))
}

/// Masks identity numbers and phones in every string of a JSON value.
fn mask_value(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => *s = mask_text(s),
        serde_json::Value::Array(a) => a.iter_mut().for_each(mask_value),
        serde_json::Value::Object(o) => o.values_mut().for_each(mask_value),
        _ => {}
    }
}

/// A petitioner of a new case.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiPetitioner {
    /// 姓名.
    pub name: String,
    /// 公民身份号码 (18 characters, check digit verified).
    pub id_number: Option<String>,
    /// 联系电话.
    pub phone: Option<String>,
    /// 住址.
    pub address: Option<String>,
}

/// A case to register (登记), as `anjuan new case` takes it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiNewCase {
    /// 信访形式.
    #[schemars(extend("enum" = ["来信", "来访", "网上", "电话", "交办", "转送"]))]
    pub channel: String,
    /// 收到日期 (YYYY-MM-DD).
    pub received: Date,
    /// At least one.
    #[schemars(length(min = 1))]
    pub petitioners: Vec<ApiPetitioner>,
    /// 信访事项摘要.
    #[serde(default)]
    pub summary: String,
    /// 诉求, one per item; at least one.
    #[schemars(length(min = 1))]
    pub requests: Vec<String>,
    /// 问题分类 (from the office's list).
    #[serde(default)]
    pub category: String,
    /// 问题发生地.
    pub place: Option<String>,
    /// 信访件登记编号.
    pub registry_no: Option<String>,
    /// For 交办 and 转送: who sent it, under which document number, when.
    pub assignment: Option<ApiAssignment>,
}

/// 交办/转送: the body that sent the case down, its document number and date.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiAssignment {
    /// 交办/转送机关.
    pub by: String,
    /// 文号.
    pub doc_no: String,
    /// 日期 (YYYY-MM-DD).
    pub date: Date,
}

/// A case registered.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ApiCreated {
    /// `anjuan-api-created/1`.
    pub schema: String,
    /// 案件编号 given.
    pub id: String,
    /// What `check` says of the new record that does not refuse it.
    pub warnings: Vec<ApiFinding>,
}

fn findings(found: &[crate::diag::Located]) -> Vec<ApiFinding> {
    found
        .iter()
        .map(|l| ApiFinding {
            field: l.diag.path.to_string(),
            severity: if l.diag.is_error() {
                "error"
            } else {
                "warning"
            }
            .into(),
            code: l.diag.code.to_string(),
            message: mask_text(&l.diag.message),
            hint: l.diag.hint.clone(),
            sheet: None,
            row: None,
            column: None,
        })
        .collect()
}

async fn create_case(
    State(desk): State<Arc<Desk>>,
    headers: HeaderMap,
    body: Result<Json<ApiNewCase>, JsonRejection>,
) -> Result<(StatusCode, Json<ApiCreated>), Failure> {
    let user = authorize(&desk, &headers, Action::RegisterCase, "/api/v1/cases")?;
    let Json(b) = body.map_err(|e| {
        fail(
            StatusCode::BAD_REQUEST,
            format!(
                "请求体不是有效的案件 JSON (bad request body): {}",
                mask_text(&e.body_text())
            ),
            "按 /api/v1/openapi.json 中的 ApiNewCase 给出 JSON，Content-Type: application/json",
        )
    })?;
    let c = NewCase {
        channel: b.channel,
        received: Some(b.received),
        petitioners: b
            .petitioners
            .into_iter()
            .map(|p| NewPetitioner {
                name: p.name,
                id_number: p.id_number,
                phone: p.phone,
                address: p.address,
            })
            .collect(),
        summary: b.summary,
        requests: b.requests,
        category: b.category,
        place: b.place,
        registry_no: b.registry_no,
        assignment: b.assignment.map(|a| (a.by, a.doc_no, a.date)),
        registered_by: Some(user.name.clone()),
    };
    let desk2 = desk.clone();
    let made = tokio::task::spawn_blocking(move || {
        let _one = desk2.saving.lock();
        crate::office::new_case::create(desk2.index.cases_dir(), &c, &desk2.rules())
    })
    .await
    .map_err(index_failure)?;
    match made {
        Ok(created) => {
            desk.index.invalidate();
            let _ = audit::append(
                &desk.office,
                &audit::Record {
                    actor: &user.name,
                    action: AuditAction::CaseCreate,
                    target: &created.id,
                    detail: "api",
                },
            );
            Ok((
                StatusCode::CREATED,
                Json(ApiCreated {
                    schema: "anjuan-api-created/1".into(),
                    id: created.id,
                    warnings: findings(&created.warnings),
                }),
            ))
        }
        Err(NewCaseError::Invalid(found)) => Err(Failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            ApiError {
                error: "案件记录有错误，未写入 (the new case has errors; nothing written)".into(),
                remedy: "按 findings 中每条的 field 改正后重新提交".into(),
                findings: findings(&found),
                changed: Vec::new(),
                version: None,
            },
        )),
        Err(e) => {
            let status = match e {
                NewCaseError::Missing(_) => StatusCode::UNPROCESSABLE_ENTITY,
                NewCaseError::Exists(_) => StatusCode::CONFLICT,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            Err(fail(status, mask_text(&e.to_string()), e.remedy()))
        }
    }
}

async fn deadlines(
    State(desk): State<Arc<Desk>>,
    headers: HeaderMap,
) -> Result<Json<crate::office::output::DeadlinesReport>, Failure> {
    authorize(&desk, &headers, Action::ViewCases, "/api/v1/deadlines")?;
    let desk2 = desk.clone();
    let (snap, as_of) = tokio::task::spawn_blocking(move || {
        let rules = desk2.rules();
        let snap = desk2.index.current(&rules).map_err(index_failure)?;
        Ok::<_, Failure>((snap, rules.as_of))
    })
    .await
    .map_err(index_failure)??;
    let rows = desk
        .deadlines
        .get_or_compute(&snap, as_of, || async {
            let desk2 = desk.clone();
            tokio::task::spawn_blocking(move || {
                let rules = desk2.rules();
                let files = crate::case::collect_files(&[desk2.index.cases_dir().to_path_buf()])
                    .map_err(index_failure)?;
                let d = crate::office::views::deadlines(&files, &rules).map_err(index_failure)?;
                Ok::<_, Failure>(
                    d.rows
                        .into_iter()
                        .map(|mut r| {
                            r.petitioner = mask_text(&r.petitioner);
                            r.file = std::path::Path::new(&r.file)
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            r
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .await
            .map_err(index_failure)?
        })
        .await?;
    Ok(Json(crate::office::output::DeadlinesReport {
        schema: "anjuan-deadlines/1".into(),
        as_of,
        open: (*rows).clone(),
    }))
}

/// Who the token belongs to.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Me {
    pub name: String,
    /// 角色: 登记员, 领导, 档案员, 接收员, 管理员.
    pub role: String,
    /// What this role may do, as the API's action names.
    pub may: Vec<String>,
}

async fn me(State(desk): State<Arc<Desk>>, headers: HeaderMap) -> Result<Json<Me>, Failure> {
    let u = authorize(&desk, &headers, Action::ViewCases, "/api/v1/me")?;
    Ok(Json(Me {
        name: u.name.clone(),
        role: u.role.to_string(),
        may: Action::ALL
            .into_iter()
            .filter(|a| u.role.may(*a))
            .map(|a| format!("{a:?}"))
            .collect(),
    }))
}

/// The OpenAPI 3.1 document of this API, its schemas generated from the same
/// types the handlers use (schemars), so it cannot drift from them.
pub fn openapi_document() -> serde_json::Value {
    use schemars::generate::SchemaSettings;
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    let list = generator.subschema_for::<CaseList>().to_value();
    let detail = generator.subschema_for::<CaseDetail>().to_value();
    let new_case = generator.subschema_for::<ApiNewCase>().to_value();
    let created = generator.subschema_for::<ApiCreated>().to_value();
    let dl = generator
        .subschema_for::<crate::office::output::DeadlinesReport>()
        .to_value();
    let me = generator.subschema_for::<Me>().to_value();
    let section_edit = generator.subschema_for::<ops::SectionEdit>().to_value();
    let written = generator.subschema_for::<ops::Written>().to_value();
    let decision = generator.subschema_for::<ops::Decision>().to_value();
    let papers = generator.subschema_for::<ops::PaperList>().to_value();
    let stats = generator
        .subschema_for::<crate::ledger::stats::Stats>()
        .to_value();
    let plan = generator.subschema_for::<ops::LedgerPlan>().to_value();
    let job = generator.subschema_for::<ops::ApiJob>().to_value();
    let checked = generator.subschema_for::<ops::BundleChecked>().to_value();
    let accepted = generator.subschema_for::<ops::BundleAccepted>().to_value();
    let err = generator.subschema_for::<ApiError>().to_value();
    let schemas = generator.take_definitions(true);
    let json =
        |schema: &serde_json::Value| serde_json::json!({"application/json": {"schema": schema}});
    let errors = |codes: &[&str]| {
        let mut m = BTreeMap::new();
        for c in codes {
            m.insert(
                c.to_string(),
                serde_json::json!({"description": describe(c), "content": json(&err)}),
            );
        }
        m
    };
    let with = |ok_code: &str, ok: serde_json::Value, codes: &[&str]| {
        let mut m = errors(codes);
        m.insert(ok_code.to_string(), ok);
        serde_json::to_value(m).unwrap_or_default()
    };
    let str_param = |name: &str, desc: &str| serde_json::json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": "string"}});
    let path_param = |name: &str, desc: &str| serde_json::json!({"name": name, "in": "path", "required": true, "description": desc, "schema": {"type": "string"}});
    let bool_param = |name: &str, desc: &str| serde_json::json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": "boolean"}});
    let id = path_param("id", "案件编号");
    let binary = |kind: &str, desc: &str| serde_json::json!({"description": desc, "content": {kind: {"schema": {"type": "string", "format": "binary"}}}});
    let raw_body = |desc: &str| serde_json::json!({"required": true, "description": desc, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}});
    let decision_op = |op: &str, summary: &str| {
        serde_json::json!({
            "operationId": op,
            "summary": summary,
            "parameters": [id.clone()],
            "requestBody": {"required": true, "content": json(&decision)},
            "responses": with("200", serde_json::json!({"description": "已写入", "content": json(&written)}), &["400", "401", "403", "404", "409", "422", "503"])
        })
    };
    serde_json::json!({
        "openapi": "3.1.0",
        "info": {
            "title": "anjuan 工作台接口 (desk API)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "信访案件的登记、查询、修改、文书、审批、统计、台账、归档与接收，与工作台相同的操作。令牌由管理员用 `anjuan user token OFFICE NAME` 发放；身份证号与电话在列表中一律遮蔽。"
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer", "description": "anjuan user token 发放的接口令牌"}},
            "schemas": schemas,
        },
        "paths": {
            "/cases": {
                "get": {
                    "operationId": "listCases",
                    "summary": "案件列表 (the case list, masked)",
                    "parameters": [
                        str_param("q", "在案件编号、姓名、题名、事项中查找"),
                        str_param("stage", "办理阶段"),
                        str_param("category", "问题分类"),
                        str_param("leader", "包案领导"),
                        str_param("unit", "责任单位"),
                        {"name": "overdue", "in": "query", "required": false, "schema": {"type": "boolean"}},
                        {"name": "page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 4294967295u64}},
                        {"name": "per_page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 500}}
                    ],
                    "responses": with("200", serde_json::json!({"description": "一页案件", "content": json(&list)}), &["400", "401", "403", "503"])
                },
                "post": {
                    "operationId": "createCase",
                    "summary": "登记新案件 (register a case; 登记员)",
                    "requestBody": {"required": true, "content": json(&new_case)},
                    "responses": with("201", serde_json::json!({"description": "已登记", "content": json(&created)}), &["400", "401", "403", "409", "422", "503"])
                }
            },
            "/cases/{id}": {
                "get": {
                    "operationId": "getCase",
                    "summary": "一件案件 (one case with its record)",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": with("200", serde_json::json!({"description": "案件", "content": json(&detail)}), &["401", "403", "404", "409", "503"])
                }
            },
            "/cases/{id}/sections/{section}": {
                "post": {
                    "operationId": "editSection",
                    "summary": "修改案件的一部分 (edit a section: matter, petitioners, record a delivery, request an extension, close; 登记员)",
                    "description": "与工作台的修改页相同：以 GET /cases/{id} 的 version 为基准；文件其后被改动则 409（changed 列出改动的字段），修改后有错误则 422（findings 各在其字段）。",
                    "parameters": [id.clone(), {"name": "section", "in": "path", "required": true, "schema": {"type": "string", "enum": ops::SECTIONS}}],
                    "requestBody": {"required": true, "content": json(&section_edit)},
                    "responses": with("200", serde_json::json!({"description": "已写入（或无改动）", "content": json(&written)}), &["400", "401", "403", "404", "409", "422", "503"])
                }
            },
            "/cases/{id}/papers": {
                "get": {
                    "operationId": "listPapers",
                    "summary": "案件的文书 (the case's rendered papers)",
                    "parameters": [id.clone()],
                    "responses": with("200", serde_json::json!({"description": "文书", "content": json(&papers)}), &["401", "403", "404", "503"])
                },
                "post": {
                    "operationId": "renderPapers",
                    "summary": "生成文书 (render the papers the case's stage calls for, signed; 登记员)",
                    "parameters": [id.clone()],
                    "responses": with("200", serde_json::json!({"description": "已生成", "content": json(&papers)}), &["401", "403", "404", "422", "503"])
                }
            },
            "/cases/{id}/papers/{name}": {
                "get": {
                    "operationId": "getPaper",
                    "summary": "一份文书 (one paper, PDF/A)",
                    "parameters": [id.clone(), path_param("name", "文书文件名 (*.pdf)")],
                    "responses": with("200", binary("application/pdf", "PDF"), &["401", "403", "404", "503"])
                }
            },
            "/cases/{id}/sign-off": {"post": decision_op("signOff", "领导审签处理意见 (sign off the drafted opinion; 领导)")},
            "/cases/{id}/extension/approve": {"post": decision_op("approveExtension", "批准延期 (approve the extension request; 领导)")},
            "/cases/{id}/extension/reject": {"post": decision_op("rejectExtension", "不批准延期 (reject the extension request; 领导)")},
            "/stats/{year}": {
                "get": {
                    "operationId": "stats",
                    "summary": "年度统计 (the year's figures, as the year report's)",
                    "parameters": [{"name": "year", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 2000, "maximum": 2100}}],
                    "responses": with("200", serde_json::json!({"description": "统计", "content": json(&stats)}), &["400", "401", "403", "503"])
                }
            },
            "/ledger": {
                "get": {
                    "operationId": "exportLedger",
                    "summary": "导出台账 (the ledger as a workbook; 登记员、领导)",
                    "parameters": [bool_param("mask", "身份证号与电话脱敏")],
                    "responses": with("200", binary(ops::XLSX, "xlsx"), &["400", "401", "403", "422", "503"])
                },
                "post": {
                    "operationId": "importLedger",
                    "summary": "导入台账 (import a ledger, the file as the raw body; 登记员)",
                    "description": "请求体为台账文件本身（上限 64 MiB，超过则 413，Content-Length 超限时不读请求体）。dry_run=true 只检查不写入；有错误的行则 422，findings 各在 sheet、row、column。",
                    "parameters": [bool_param("dry_run", "只检查（预览），不写入"), {"name": "format", "in": "query", "required": false, "description": "请求体的格式", "schema": {"type": "string", "enum": ["xlsx", "xlsm", "xls", "xlsb", "ods", "csv"]}}],
                    "requestBody": raw_body("台账文件 (xlsx xlsm xls xlsb ods csv)"),
                    "responses": with("200", serde_json::json!({"description": "预览或已导入", "content": json(&plan)}), &["400", "401", "403", "413", "415", "422", "503"])
                }
            },
            "/archive/{year}": {
                "post": {
                    "operationId": "pack",
                    "summary": "归档：打包一个年度 (start packing a year's bundle; 档案员)",
                    "parameters": [{"name": "year", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1949, "maximum": 9999}}, bool_param("replace", "已有该年度的包时重新打包")],
                    "responses": with("202", serde_json::json!({"description": "已开始；Location 为任务地址", "content": json(&job)}), &["400", "401", "403", "409", "422"])
                }
            },
            "/archive/jobs/{id}": {
                "get": {
                    "operationId": "packJob",
                    "summary": "归档任务的进度 (a pack job's state)",
                    "parameters": [path_param("id", "任务编号")],
                    "responses": with("200", serde_json::json!({"description": "任务", "content": json(&job)}), &["401", "403", "404"])
                }
            },
            "/archive/bundles/{name}": {
                "get": {
                    "operationId": "getBundle",
                    "summary": "下载归档包 (a bundle, streamed)",
                    "parameters": [path_param("name", "包文件名 (*.zip)")],
                    "responses": with("200", binary("application/zip", "zip"), &["401", "403", "404", "503"])
                }
            },
            "/bundles": {
                "post": {
                    "operationId": "receiveBundle",
                    "summary": "接收检测 (check a bundle, the zip as the raw body; 接收员)",
                    "description": "请求体为移交包本身（上限 16 GiB，超过则 413，Content-Length 超限时不读请求体），流式写入办公室目录后做四性检测。通过时给出 id，以 POST /bundles/{id}/accept 接收。",
                    "requestBody": raw_body("移交包 (zip)"),
                    "responses": with("200", serde_json::json!({"description": "检测报告（accepted 为是否通过）", "content": json(&checked)}), &["400", "401", "403", "413", "422", "503"])
                }
            },
            "/bundles/{id}/accept": {
                "post": {
                    "operationId": "acceptBundle",
                    "summary": "接收并出具回执 (accept a bundle that passed; issue the signed receipt; 接收员)",
                    "parameters": [path_param("id", "检测通过时给出的 id")],
                    "responses": with("201", serde_json::json!({"description": "已接收", "content": json(&accepted)}), &["401", "403", "404", "409", "422", "503"])
                }
            },
            "/received/{name}/{file}": {
                "get": {
                    "operationId": "getReceived",
                    "summary": "接收目录中的文件 (the bundle, its receipt, the report)",
                    "parameters": [path_param("name", "接收的包"), path_param("file", "文件名")],
                    "responses": with("200", serde_json::json!({"description": "文件（类型按扩展名）", "content": {
                        "application/zip": {"schema": {"type": "string", "format": "binary"}},
                        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                        "application/json": {"schema": {}},
                        "text/plain": {"schema": {"type": "string"}},
                        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                    }}), &["401", "403", "404", "503"])
                }
            },
            "/deadlines": {
                "get": {
                    "operationId": "deadlines",
                    "summary": "未结案件的下一步与期限 (open cases, overdue first)",
                    "responses": with("200", serde_json::json!({"description": "期限", "content": json(&dl)}), &["401", "403", "503"])
                }
            },
            "/me": {
                "get": {
                    "operationId": "me",
                    "summary": "令牌所属账号与权限 (who the token is)",
                    "responses": with("200", serde_json::json!({"description": "账号", "content": json(&me)}), &["401", "403"])
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "本文档 (this document)",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}
                }
            }
        }
    })
}

fn describe(code: &str) -> &'static str {
    match code {
        "400" => "请求有误 (bad request)",
        "401" => "缺少或无效的令牌 (unauthorized)",
        "403" => "角色无权 (forbidden)",
        "404" => "没有该案件、文书、任务或文件 (not found)",
        "413" => "请求体超过上限 (too large)",
        "415" => "不支持的文件类型 (unsupported media type)",
        "409" => "冲突 (conflict)",
        "422" => "记录有错误 (unprocessable)",
        _ => "暂时无法办理 (unavailable)",
    }
}

async fn openapi() -> Response {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = DOC.get_or_init(|| openapi_document().to_string());
    ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response()
}
