//! The desk's pages: each handler checks the session and the [`Action`] its route
//! needs, calls the office workflows, and renders a Tera template (HTML
//! autoescaped). Personal numbers are masked in every list; whole only on the
//! case page, for roles that may see them.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Component, Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::session::{self, Session};
use super::Desk;
use crate::case::date::Date;
use crate::case::idnum::{mask_id, mask_phone, mask_text};
use crate::case::{self, Case};
use crate::diag::{FieldPath, Located};
use crate::office::audit::{self, AuditAction, Record};
use crate::office::index::{Snapshot, Summary, STAGES};
use crate::office::users::{self, Action};
use crate::office::{edit, new_case};

pub(super) type Shared = State<Arc<Desk>>;

/// The desk's templates, embedded; `.html` names turn Tera's HTML escaping on.
pub(crate) fn templates() -> Result<tera::Tera, tera::Error> {
    let mut t = tera::Tera::default();
    t.add_raw_templates(vec![
        ("base.html", include_str!("../../templates/desk/base.html")),
        (
            "login.html",
            include_str!("../../templates/desk/login.html"),
        ),
        (
            "error.html",
            include_str!("../../templates/desk/error.html"),
        ),
        (
            "dashboard.html",
            include_str!("../../templates/desk/dashboard.html"),
        ),
        (
            "stats.html",
            include_str!("../../templates/desk/stats.html"),
        ),
        (
            "cases.html",
            include_str!("../../templates/desk/cases.html"),
        ),
        ("case.html", include_str!("../../templates/desk/case.html")),
        ("form.html", include_str!("../../templates/desk/form.html")),
        (
            "receive.html",
            include_str!("../../templates/desk/receive.html"),
        ),
        (
            "verify.html",
            include_str!("../../templates/desk/verify.html"),
        ),
        (
            "received.html",
            include_str!("../../templates/desk/received.html"),
        ),
        (
            "ledger.html",
            include_str!("../../templates/desk/ledger.html"),
        ),
        (
            "ledger_preview.html",
            include_str!("../../templates/desk/ledger_preview.html"),
        ),
        (
            "archive.html",
            include_str!("../../templates/desk/archive.html"),
        ),
        (
            "archive_job.html",
            include_str!("../../templates/desk/archive_job.html"),
        ),
        (
            "approvals.html",
            include_str!("../../templates/desk/approvals.html"),
        ),
        (
            "users.html",
            include_str!("../../templates/desk/users.html"),
        ),
        (
            "audit.html",
            include_str!("../../templates/desk/audit.html"),
        ),
    ])?;
    t.autoescape_on(vec![".html"]);
    // Tera's own urlencode comes with its `builtins` feature (and its crates);
    // a path segment or query value needs only this.
    t.register_filter(
        "urlencode",
        |v: &tera::Value, _: &std::collections::HashMap<String, tera::Value>| {
            let s = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            Ok(tera::Value::String(percent(&s)))
        },
    );
    Ok(t)
}

pub(crate) async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../templates/desk/desk.css"),
    )
        .into_response()
}

// ---------------------------------------------------------------- rendering

#[derive(Serialize)]
struct NavItem {
    href: &'static str,
    label: &'static str,
    current: bool,
}

fn nav(s: &Session, here: &str) -> Vec<NavItem> {
    let mut v = vec![
        ("/", "工作台", Action::ViewCases),
        ("/cases", "案件", Action::ViewCases),
    ];
    v.push(("/cases/new", "登记", Action::RegisterCase));
    v.push(("/approvals", "审批", Action::SignOff));
    v.push(("/archive", "归档", Action::Pack));
    v.push(("/stats", "统计", Action::ViewCases));
    v.push(("/ledger", "台账", Action::ExportLedger));
    v.push(("/receive", "接收", Action::VerifyBundle));
    v.push(("/users", "账户", Action::ManageUsers));
    v.push(("/audit", "审计", Action::ViewAudit));
    v.into_iter()
        .filter(|(_, _, a)| s.role.may(*a))
        .map(|(href, label, _)| NavItem {
            href,
            label,
            current: href == here,
        })
        .collect()
}

pub(super) fn base(desk: &Desk, s: Option<&Session>, here: &str) -> tera::Context {
    let mut c = tera::Context::new();
    c.insert("office", desk.office_name());
    if let Some(s) = s {
        c.insert("user", &s.user);
        c.insert("role", s.role.zh());
        c.insert("csrf", &s.csrf);
        c.insert("nav", &nav(s, here));
    }
    c
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

pub(super) fn render(desk: &Desk, status: StatusCode, name: &str, ctx: &tera::Context) -> Response {
    match desk.tera.render(name, ctx) {
        Ok(body) => html(status, body),
        Err(e) => {
            eprintln!("工作台模板错误 (template error) {name}: {e:?}");
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><meta charset=utf-8><title>内部错误</title><p>页面生成失败 (internal error)。请报告此问题。</p>".into(),
            )
        }
    }
}

/// A Chinese error page with its status.
pub(crate) fn error_page(
    desk: &Desk,
    s: Option<&Session>,
    status: StatusCode,
    title: &str,
    detail: &str,
) -> Response {
    let mut c = base(desk, s, "");
    c.insert("title", title);
    c.insert("detail", detail);
    c.insert("status", &status.as_u16());
    render(desk, status, "error.html", &c)
}

pub(crate) async fn not_found(State(desk): Shared, headers: HeaderMap) -> Response {
    let s = current(&desk, &headers).ok();
    error_page(
        &desk,
        s.as_ref(),
        StatusCode::NOT_FOUND,
        "页面不存在 (not found)",
        "地址有误，或所找的案件、文书已不在办公室目录中。",
    )
}

pub(super) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Runs blocking work (files, argon2) off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    desk: &Desk,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(f).await.map_err(|_| {
        error_page(
            desk,
            None,
            StatusCode::INTERNAL_SERVER_ERROR,
            "内部错误 (internal error)",
            "处理请求时出错，未作任何修改。请重试；如再次出现请报告。",
        )
    })
}

// ---------------------------------------------------------------- who is asking

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| session::cookie(h, name))
}

/// The session of the request: `Err(true)` when it ended for idleness.
pub(super) fn current(desk: &Desk, headers: &HeaderMap) -> Result<Session, bool> {
    let id = cookie_value(headers, session::COOKIE).ok_or(false)?;
    desk.sessions.touch(id)
}

/// The session, if its role may do `action`; else the login page, or a 403
/// page and an audit line naming the account and the path.
pub(super) async fn need(
    desk: &Arc<Desk>,
    headers: &HeaderMap,
    path: &str,
    action: Action,
) -> Result<Session, Response> {
    let s = match current(desk, headers) {
        Ok(s) => s,
        Err(true) => return Err(see_other("/login?expired=1")),
        Err(false) => return Err(see_other("/login")),
    };
    if s.role.may(action) {
        return Ok(s);
    }
    let (d, who, role, p) = (desk.clone(), s.user.clone(), s.role, path.to_string());
    let _ = blocking(desk, move || {
        let detail = format!("角色 {} 无权{}", role.zh(), super::action_name(action));
        audit::append(
            &d.office,
            &Record {
                actor: &who,
                action: AuditAction::AccessDenied,
                target: &p,
                detail: &detail,
            },
        )
    })
    .await;
    Err(error_page(
        desk,
        Some(&s),
        StatusCode::FORBIDDEN,
        "无权访问 (forbidden)",
        &format!(
            "您的角色（{}）不能{}。如需办理，请联系有此权限的同事或管理员。此次访问已记录。",
            s.role.zh(),
            super::action_name(action)
        ),
    ))
}

fn client(addr: &SocketAddr) -> String {
    format!("desk {}", addr.ip())
}

// ---------------------------------------------------------------- login

#[derive(Deserialize, Default)]
pub(crate) struct LoginQuery {
    expired: Option<String>,
}

fn login_form(desk: &Desk, status: StatusCode, name: &str, message: Option<&str>) -> Response {
    let token = session::token();
    let mut c = base(desk, None, "/login");
    c.insert("login_csrf", &token);
    c.insert("name", name);
    c.insert("message", &message);
    let mut res = render(desk, status, "login.html", &c);
    let cookie = format!(
        "{}={token}; HttpOnly; SameSite=Strict; Path=/login{}",
        session::LOGIN_COOKIE,
        if desk.secure { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub(crate) async fn login_page(
    State(desk): Shared,
    headers: HeaderMap,
    q: Result<Query<LoginQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if current(&desk, &headers).is_ok() {
        return see_other("/");
    }
    let expired = q.is_ok_and(|Query(q)| q.expired.is_some());
    login_form(
        &desk,
        StatusCode::OK,
        "",
        expired.then_some("长时间未操作，已自动退出，请重新登录 (session expired)。"),
    )
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

pub(crate) async fn login(
    State(desk): Shared,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    form: Result<axum::Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(axum::Form(f)) = form else {
        return login_form(
            &desk,
            StatusCode::BAD_REQUEST,
            "",
            Some("请填写账户名与密码。"),
        );
    };
    let name = f.name.trim().to_string();
    let ip = addr.ip().to_string();
    if let Some(b) = desk.limiter.blocked(&name, &ip) {
        if b.first {
            let (d, who, from) = (desk.clone(), name.clone(), client(&addr));
            let _ = blocking(&desk, move || {
                audit::append(
                    &d.office,
                    &Record {
                        actor: &who,
                        action: AuditAction::LoginThrottled,
                        target: &from,
                        detail: "登录失败次数过多，15 分钟内不再受理 (rate limited)",
                    },
                )
            })
            .await;
        }
        return login_form(
            &desk,
            StatusCode::TOO_MANY_REQUESTS,
            &name,
            Some("登录失败次数过多，请 15 分钟后再试 (too many attempts)。"),
        );
    }
    let (d, n, from) = (desk.clone(), name.clone(), client(&addr));
    let attempt = match blocking(&desk, move || {
        users::login(&d.office, &n, &f.password, &from)
    })
    .await
    {
        Ok(a) => a,
        Err(r) => return r,
    };
    let user = match attempt.result {
        Ok(u) if attempt.unrecorded.is_none() => u,
        Ok(_) => {
            return error_page(
                &desk,
                None,
                StatusCode::SERVICE_UNAVAILABLE,
                "无法记录登录 (cannot write the audit trail)",
                "审计记录写不进去，为安全起见不能登录。请管理员检查办公室目录 .anjuan/ 的权限与磁盘空间。",
            )
        }
        Err(_) => {
            desk.limiter.failed(&name, &ip);
            return login_form(
                &desk,
                StatusCode::UNAUTHORIZED,
                &name,
                Some("账户名或密码不正确，或账户已停用 (login refused)。"),
            );
        }
    };
    let s = desk.sessions.start(&user.name, user.role);
    let mut res = see_other("/");
    let cookie = format!(
        "{}={}; HttpOnly; SameSite=Strict; Path=/{}",
        session::COOKIE,
        s.id,
        if desk.secure { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub(crate) async fn logout(
    State(desk): Shared,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if let Some(s) = cookie_value(&headers, session::COOKIE).and_then(|id| desk.sessions.end(id)) {
        let (d, from) = (desk.clone(), client(&addr));
        let _ = blocking(&desk, move || {
            super::upload::forget(&d, &s.id);
            users::logout(&d.office, &s.user, &from)
        })
        .await;
    }
    let mut res = see_other("/login");
    let gone = format!(
        "{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        session::COOKIE,
        if desk.secure { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&gone) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

// ---------------------------------------------------------------- the index

pub(super) async fn snapshot(desk: &Arc<Desk>, s: &Session) -> Result<Arc<Snapshot>, Response> {
    let d = desk.clone();
    match blocking(desk, move || d.index.current(&d.rules())).await? {
        Ok(snap) => Ok(snap),
        Err(e) => Err(error_page(
            desk,
            Some(s),
            StatusCode::SERVICE_UNAVAILABLE,
            &e.to_string(),
            e.remedy(),
        )),
    }
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    petitioner: &'a str,
    category: &'a str,
    stage: &'a str,
    leader: &'a str,
    unit: &'a str,
    received: String,
    next_step: &'a str,
    due: String,
    days_left: Option<i64>,
    status: &'a str,
    errors: usize,
}

fn row(s: &Summary) -> Row<'_> {
    Row {
        id: &s.id,
        petitioner: &s.petitioner,
        category: &s.category,
        stage: s.stage,
        leader: s.leader.as_deref().unwrap_or(""),
        unit: s.unit.as_deref().unwrap_or(""),
        received: s.received.to_string(),
        next_step: s.next_step.as_deref().unwrap_or(""),
        due: s.due.map(|d| d.to_string()).unwrap_or_default(),
        days_left: s.days_left,
        status: s.status,
        errors: s.errors,
    }
}

#[derive(Serialize)]
struct Count {
    label: String,
    count: usize,
}

pub(crate) async fn dashboard(State(desk): Shared, headers: HeaderMap) -> Response {
    let s = match need(&desk, &headers, "/", Action::ViewCases).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let snap = match snapshot(&desk, &s).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let due = &snap.due_soon;
    let overdue: Vec<Row> = due.iter().filter(|c| c.overdue()).map(|c| row(c)).collect();
    let today: Vec<Row> = due
        .iter()
        .filter(|c| c.days_left == Some(0))
        .map(|c| row(c))
        .collect();
    let week: Vec<Row> = due
        .iter()
        .filter(|c| c.days_left.is_some_and(|d| (1..=7).contains(&d)))
        .map(|c| row(c))
        .collect();
    let by_stage: Vec<Count> = snap
        .by_stage
        .iter()
        .map(|(label, count)| Count {
            label: label.to_string(),
            count: *count,
        })
        .collect();
    let by_leader: Vec<Count> = snap
        .by_leader
        .iter()
        .map(|(l, count)| Count {
            label: l.clone().unwrap_or_else(|| "（未定包案领导）".into()),
            count: *count,
        })
        .collect();
    let mut c = base(&desk, Some(&s), "/");
    c.insert("overdue", &overdue);
    c.insert("today", &today);
    c.insert("week", &week);
    c.insert("by_stage", &by_stage);
    c.insert("by_leader", &by_leader);
    c.insert("total", &snap.cases.len());
    c.insert(
        "as_of",
        &snap.as_of.map(|d| d.to_string()).unwrap_or_default(),
    );
    c.insert("unreadable", &snap.unreadable.len());
    // The leader's block: what waits for the leader (待审签, 延期待批).
    c.insert("may_approve", &s.role.may(Action::SignOff));
    c.insert(
        "awaiting_sign_off",
        &snap.cases.iter().filter(|c| c.awaiting_sign_off).count(),
    );
    c.insert(
        "extension_pending",
        &snap.cases.iter().filter(|c| c.extension_pending).count(),
    );
    render(&desk, StatusCode::OK, "dashboard.html", &c)
}

// ---------------------------------------------------------------- statistics

#[derive(Deserialize, Default)]
pub(crate) struct StatsQuery {
    year: Option<i32>,
}

/// 统计: the year's figures (`office::report::figures`, the same as the year
/// report's), as tables with bars; the overdue list names petitioners by
/// surname only, as the report does.
pub(crate) async fn stats(
    State(desk): Shared,
    headers: HeaderMap,
    q: Result<Query<StatsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let s = match need(&desk, &headers, "/stats", Action::ViewCases).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let this_year = desk.rules().as_of.year();
    let year = match q {
        Ok(Query(q)) => q.year.unwrap_or(this_year),
        Err(_) => 0,
    };
    if !(2000..=2100).contains(&year) {
        return error_page(
            &desk,
            Some(&s),
            StatusCode::BAD_REQUEST,
            "年份有误 (bad year)",
            "年份应在 2000 到 2100 之间。",
        );
    }
    let snap = match snapshot(&desk, &s).await {
        Ok(snap) => snap,
        Err(r) => return r,
    };
    let st = match year_figures(&desk, &snap, year).await {
        Ok(Ok(st)) => st,
        Ok(Err(e)) => {
            return error_page(
                &desk,
                Some(&s),
                StatusCode::SERVICE_UNAVAILABLE,
                "无法统计 (cannot count the year)",
                &format!(
                    "{}。{}",
                    mask_text(&e.to_string()),
                    e.remedy().unwrap_or("请检查办公室目录后重试")
                ),
            )
        }
        Err(r) => return r,
    };
    let mut c = base(&desk, Some(&s), "/stats");
    c.insert("year", &year);
    c.insert(
        "years",
        &((this_year - 4)..=this_year).rev().collect::<Vec<_>>(),
    );
    c.insert("s", &*st);
    let peak = st
        .by_month
        .iter()
        .map(|m| m.received)
        .max()
        .unwrap_or(0)
        .max(1);
    c.insert("month_peak", &peak);
    let parts = [
        ("信访形式 (channel)", &st.by_channel),
        ("问题类别 (category)", &st.by_category),
        ("办理结果 (outcome)", &st.by_outcome),
        ("销号依据 (basis of closing)", &st.by_close_basis),
    ];
    c.insert("parts", &parts);
    render(&desk, StatusCode::OK, "stats.html", &c)
}

/// The year's figures (`office::report::figures`), kept in `desk.stats` while
/// the snapshot of the cases stays the same. (Shared with the API.)
pub(super) async fn year_figures(
    desk: &Arc<Desk>,
    snap: &Arc<Snapshot>,
    year: i32,
) -> Result<Result<Arc<crate::ledger::stats::Stats>, crate::office::report::ReportError>, Response>
{
    // The outer error is the page's (the worker failed), the inner the report's;
    // neither is kept.
    let kept = desk
        .stats
        .get_or_compute(snap, year, || async {
            let d = desk.clone();
            match blocking(desk, move || {
                crate::office::report::figures(
                    d.loaded.path.as_deref(),
                    &[d.index.cases_dir().to_path_buf()],
                    year,
                    None,
                    &crate::office::progress::silent,
                )
            })
            .await
            {
                Ok(Ok(st)) => Ok(st),
                Ok(Err(e)) => Err(Ok(e)),
                Err(page) => Err(Err(page)),
            }
        })
        .await;
    match kept {
        Ok(st) => Ok(Ok(st)),
        Err(Ok(e)) => Ok(Err(e)),
        Err(Err(page)) => Err(page),
    }
}

// ---------------------------------------------------------------- the case list

#[derive(Deserialize, Default, Serialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    leader: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    page: Option<String>,
}

const PAGE: usize = 50;

pub(crate) async fn cases(
    State(desk): Shared,
    headers: HeaderMap,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let s = match need(&desk, &headers, "/cases", Action::ViewCases).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let snap = match snapshot(&desk, &s).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let needle = mask_text(q.q.trim()).to_lowercase();
    // One searcher for the 5,000 haystacks (memchr's, built once per request).
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let hits: Vec<&Arc<Summary>> = snap
        .cases
        .iter()
        .filter(|c| needle.is_empty() || finder.find(c.haystack.as_bytes()).is_some())
        .filter(|c| q.stage.is_empty() || c.stage == q.stage)
        .filter(|c| q.category.is_empty() || c.category == q.category)
        .filter(|c| q.leader.is_empty() || c.leader.as_deref() == Some(q.leader.as_str()))
        .filter(|c| q.unit.is_empty() || c.unit.as_deref() == Some(q.unit.as_str()))
        .filter(|c| q.overdue.is_empty() || c.overdue())
        .collect();
    let pages = hits.len().div_ceil(PAGE).max(1);
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let rows: Vec<Row> = hits
        .iter()
        .skip((page - 1) * PAGE)
        .take(PAGE)
        .map(|c| row(c))
        .collect();
    let link = |p: usize| {
        let mut v: Vec<(&str, &str)> = Vec::new();
        for (k, x) in [
            ("q", &q.q),
            ("stage", &q.stage),
            ("category", &q.category),
            ("leader", &q.leader),
            ("unit", &q.unit),
            ("overdue", &q.overdue),
        ] {
            if !x.is_empty() {
                v.push((k, x));
            }
        }
        let ps = p.to_string();
        v.push(("page", &ps));
        format!(
            "/cases?{}",
            serde_urlencoded::to_string(&v).unwrap_or_default()
        )
    };
    let mut c = base(&desk, Some(&s), "/cases");
    c.insert("rows", &rows);
    c.insert("q", &q);
    c.insert("found", &hits.len());
    c.insert("page", &page);
    c.insert("pages", &pages);
    c.insert("prev", &(page > 1).then(|| link(page - 1)));
    c.insert("next", &(page < pages).then(|| link(page + 1)));
    c.insert("stages", &STAGES);
    c.insert("categories", &snap.categories);
    c.insert("leaders", &snap.leaders);
    c.insert("units", &snap.units);
    render(&desk, StatusCode::OK, "cases.html", &c)
}

// ---------------------------------------------------------------- one case

/// 生成文书: renders the papers the case's stage calls for into the office's
/// papers folder (`office::render`, incremental: unchanged papers are kept),
/// signed when the office signs. An encrypted office key needs its passphrase
/// in `ANJUAN_PASSPHRASE` when the desk starts.
pub(crate) async fn render_case(
    State(desk): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/cases/{id}/render");
    let s = match need(&desk, &headers, &path, Action::RenderPapers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let file = match case_file(&desk, &s, &id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (d, actor) = (desk.clone(), format!("desk:{}", s.user));
    let done = blocking(&desk, move || render_papers(&d, &actor, file)).await;
    match done {
        Ok(Ok(r)) if r.failed.is_empty() && r.refused.is_empty() => {
            see_other(&format!("/cases/{id}#papers"))
        }
        Ok(Ok(r)) => {
            let why =
                r.failed
                    .iter()
                    .map(|(_, e)| mask_text(&e.to_string()))
                    .chain(r.refused.iter().map(|_| {
                        "案件记录有错误，未生成文书；请先按案件页上的提示改正".to_string()
                    }))
                    .collect::<Vec<_>>()
                    .join("；");
            error_page(
                &desk,
                Some(&s),
                StatusCode::UNPROCESSABLE_ENTITY,
                "文书未能生成 (papers not made)",
                &why,
            )
        }
        Ok(Err(e)) => error_page(
            &desk,
            Some(&s),
            StatusCode::SERVICE_UNAVAILABLE,
            "文书未能生成 (papers not made)",
            &format!(
                "{}。{}",
                mask_text(&e.to_string()),
                e.remedy().unwrap_or("请检查办公室目录后重试")
            ),
        ),
        Err(r) => r,
    }
}

/// Renders one case's papers (`office::render`, signed with the office key,
/// its passphrase from [`env_passphrase`]); `actor` is the library's
/// (`desk:NAME`). Blocking. (Shared with the API.)
pub(super) fn render_papers(
    desk: &Desk,
    actor: &str,
    file: PathBuf,
) -> Result<crate::office::render::Rendered, crate::office::render::RenderFlowError> {
    let opts = crate::office::render::RenderOptions {
        config: desk.loaded.path.clone(),
        actor: actor.to_string(),
        ..Default::default()
    };
    crate::office::render::render(
        &[file],
        &opts,
        &|p: &std::path::Path| env_passphrase(p),
        &crate::office::progress::silent,
    )
}

/// The office key's passphrase, from `ANJUAN_PASSPHRASE` as the desk was
/// started (the desk never asks for it).
pub(super) fn env_passphrase(
    key: &std::path::Path,
) -> Result<String, crate::office::setup::SetupError> {
    std::env::var("ANJUAN_PASSPHRASE").map_err(|_| crate::office::setup::SetupError::Sign {
        path: key.to_path_buf(),
        source: crate::sign::SignError::Passphrase(
            "本机关私钥有口令，工作台启动时未给出 ANJUAN_PASSPHRASE (the key is encrypted)".into(),
        ),
    })
}

pub(super) async fn case_file(
    desk: &Arc<Desk>,
    s: &Session,
    id: &str,
) -> Result<PathBuf, Response> {
    let snap = snapshot(desk, s).await?;
    snap.find(id).map(|c| c.file.clone()).ok_or_else(|| {
        error_page(
            desk,
            Some(s),
            StatusCode::NOT_FOUND,
            "案件不存在 (no such case)",
            "没有这个案件编号，或案件文件已被移走。请回到案件列表查找。",
        )
    })
}

#[derive(Serialize)]
struct StepRow {
    name: &'static str,
    en: &'static str,
    period: String,
    from: String,
    due: String,
    done: String,
    days_left: Option<i64>,
    status: &'static str,
}

#[derive(Serialize)]
struct PersonRow {
    name: String,
    id_number: String,
    phone: String,
    address: String,
}

#[derive(Serialize)]
struct DeliveryRow {
    paper: &'static str,
    method: &'static str,
    time: String,
    place: String,
    recipient: String,
    servers: String,
}

#[derive(Serialize)]
struct PaperRow {
    name: String,
    size: String,
    /// A detached signature lies beside it (电子签名).
    signed: bool,
}

#[derive(Serialize)]
struct Finding {
    field: String,
    message: String,
    hint: String,
    error: bool,
}

fn finding(l: &Located) -> Finding {
    Finding {
        field: l.diag.path.to_string(),
        message: mask_text(&l.diag.message),
        hint: l.diag.hint.clone().unwrap_or_default(),
        error: l.diag.is_error(),
    }
}

fn papers(dir: &FsPath) -> Vec<PaperRow> {
    paper_files(dir)
        .into_iter()
        .map(|p| PaperRow {
            size: format!("{} KB", p.bytes.div_ceil(1024)),
            signed: p.signed,
            name: p.name,
        })
        .collect()
}

/// A rendered paper of a case.
pub(super) struct PaperFile {
    pub name: String,
    pub bytes: u64,
    /// Its detached signature (`NAME.minisig`) lies beside it.
    pub signed: bool,
}

/// The PDFs of a case's papers folder, by name. Blocking. (Shared with the API.)
pub(super) fn paper_files(dir: &FsPath) -> Vec<PaperFile> {
    let mut v: Vec<PaperFile> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter_map(|e| {
                    let name = e.file_name().into_string().ok()?;
                    (name.ends_with(".pdf") && !name.starts_with('.')).then(|| PaperFile {
                        bytes: e.metadata().map(|m| m.len()).unwrap_or(0),
                        signed: crate::sign::sig_path(&e.path()).is_file(),
                        name,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

pub(crate) async fn case_page(
    State(desk): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match need(&desk, &headers, &format!("/cases/{id}"), Action::ViewCases).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let file = match case_file(&desk, &s, &id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let d = desk.clone();
    let whole = s.role.may(Action::ViewIdentity);
    let id2 = id.clone();
    let loaded = blocking(&desk, move || {
        let rules = d.rules();
        let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
        let (cf, found) =
            case::check_text(&file, text, &rules).map_err(|l| mask_text(&l.diag.message))?;
        let steps = case::deadline::timeline(&cf.case, &rules.calendar);
        let warn = i64::from(rules.config.calendar.warn_days);
        let steps: Vec<StepRow> = steps
            .iter()
            .map(|st| {
                let left = st.done.is_none().then(|| rules.as_of.days_until(st.due));
                StepRow {
                    name: st.name,
                    en: st.en,
                    period: st.period.clone(),
                    from: st.from.to_string(),
                    due: st.due.to_string(),
                    done: st.done.map(|d| d.to_string()).unwrap_or_default(),
                    days_left: left,
                    status: if st.done.is_some() {
                        "已办"
                    } else {
                        crate::office::views::status(left, warn)
                    },
                }
            })
            .collect();
        let papers = papers(&d.papers_dir(&id2));
        Ok::<_, String>((cf.case, steps, found, papers))
    })
    .await;
    let (c, steps, found, papers) = match loaded {
        Ok(Ok(x)) => x,
        Ok(Err(msg)) => {
            return error_page(
                &desk,
                Some(&s),
                StatusCode::UNPROCESSABLE_ENTITY,
                "案件文件无法读取 (cannot read the case file)",
                &format!("{msg}。请用 anjuan check 查看并改正该文件。"),
            )
        }
        Err(r) => return r,
    };
    let people: Vec<PersonRow> = c
        .petitioners
        .iter()
        .map(|p| {
            let idn = p.id_number.clone().unwrap_or_default();
            let ph = p.phone.clone().unwrap_or_default();
            PersonRow {
                name: p.name.clone(),
                id_number: if whole { idn } else { mask_id(&idn) },
                phone: if whole { ph } else { mask_phone(&ph) },
                address: p.address.clone().unwrap_or_default(),
            }
        })
        .collect();
    let findings: Vec<Finding> = found
        .iter()
        .filter(|l| !case::TIMELINESS.contains(&l.diag.code))
        .map(finding)
        .collect();
    let mut ctx = base(&desk, Some(&s), "/cases");
    ctx.insert("id", &c.id);
    ctx.insert("title", &c.title.clone().unwrap_or_default());
    ctx.insert("channel", c.arrival.channel.zh());
    ctx.insert("received", &c.arrival.received.to_string());
    ctx.insert("category", &c.matter.category);
    ctx.insert("summary", &mask_or(&c.matter.summary, whole));
    ctx.insert(
        "requests",
        &c.matter
            .requests
            .iter()
            .map(|r| mask_or(r, whole))
            .collect::<Vec<_>>(),
    );
    ctx.insert("place", &c.matter.place.clone().unwrap_or_default());
    ctx.insert("stage", crate::office::index::stage(&c));
    ctx.insert(
        "leader",
        &c.responsibility
            .as_ref()
            .map(|r| r.leader.clone())
            .unwrap_or_default(),
    );
    ctx.insert(
        "unit",
        &c.responsibility
            .as_ref()
            .map(|r| r.unit.clone())
            .unwrap_or_default(),
    );
    ctx.insert("steps", &steps);
    ctx.insert("people", &people);
    ctx.insert("whole", &whole);
    ctx.insert("findings", &findings);
    ctx.insert("papers", &papers);
    ctx.insert("may_edit", &s.role.may(Action::EditCase));
    ctx.insert("may_deliver", &s.role.may(Action::RecordDelivery));
    ctx.insert("may_render", &s.role.may(Action::RenderPapers));
    ctx.insert(
        "may_request_extension",
        &(s.role.may(Action::EditCase)
            && crate::office::approval::may_request(&c, &desk.rules()).is_ok()),
    );
    ctx.insert("may_close", &s.role.may(Action::CloseCase));
    ctx.insert("closed", &c.close.is_some());
    ctx.insert("extension_pending", &c.extension_pending().map(|e| e.days));
    ctx.insert("awaiting_sign_off", &c.awaiting_sign_off().is_some());
    let accepted = c
        .acceptance
        .as_ref()
        .is_some_and(|a| a.decision == crate::case::model::Decision::Accept);
    ctx.insert("accepted", &accepted);
    ctx.insert(
        "acceptance",
        &c.acceptance.as_ref().map(|a| {
            format!(
                "{}，{}{}",
                a.decision.zh(),
                a.date,
                a.doc_no
                    .as_ref()
                    .map(|d| match d {
                        crate::case::model::DocNo::Serial(n) => format!("，第 {n} 号"),
                        crate::case::model::DocNo::Full(f) => format!("，{f}"),
                    })
                    .unwrap_or_default()
            )
        }),
    );
    ctx.insert("responsibility", &c.responsibility.is_some());
    ctx.insert(
        "opinion",
        &c.handling.as_ref().map(|h| opinion_view(&c, h, whole)),
    );
    ctx.insert("csrf", &s.csrf);
    let deliveries: Vec<DeliveryRow> = c
        .deliveries
        .iter()
        .map(|d| DeliveryRow {
            paper: d.paper.zh(),
            method: d.method.zh(),
            time: d.time.to_string(),
            place: d.place.clone(),
            recipient: d.recipient.clone(),
            servers: d.servers.join("、"),
        })
        .collect();
    ctx.insert("deliveries", &deliveries);
    render(&desk, StatusCode::OK, "case.html", &ctx)
}

#[derive(Serialize)]
struct OpinionView {
    date: String,
    doc_no: String,
    signed_off_by: String,
    signed_off_on: String,
    decisions: Vec<(String, &'static str)>,
}

/// The handling opinion as the case page shows it: its state (待审签, or
/// signed off by whom and when) and the outcome per request.
fn opinion_view(c: &Case, h: &crate::case::model::Handling, whole: bool) -> OpinionView {
    use crate::case::model::DocNo;
    let signed = h.signed_off();
    OpinionView {
        date: h.date.to_string(),
        doc_no: match &h.doc_no {
            Some(DocNo::Serial(n)) => n.to_string(),
            Some(DocNo::Full(s)) => s.clone(),
            None => String::new(),
        },
        signed_off_by: if signed {
            h.signed_off_by.trim().to_string()
        } else {
            String::new()
        },
        signed_off_on: if signed {
            h.signed_off_date().to_string()
        } else {
            String::new()
        },
        decisions: h
            .decisions
            .iter()
            .map(|d| {
                let req = (d.request as usize)
                    .checked_sub(1)
                    .and_then(|i| c.matter.requests.get(i))
                    .map(|r| mask_or(r, whole))
                    .unwrap_or_else(|| format!("（第 {} 项诉求不存在）", d.request));
                (req, d.outcome.zh())
            })
            .collect(),
    }
}

pub(super) fn mask_or(t: &str, whole: bool) -> String {
    if whole {
        t.to_string()
    } else {
        mask_text(t)
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct PaperQuery {
    inline: Option<String>,
}

/// Whether `name` is one plain file name (no folder, no `..`, not hidden).
pub(super) fn plain_name(name: &str) -> bool {
    let p = FsPath::new(name);
    let mut comps = p.components();
    matches!(comps.next(), Some(Component::Normal(_)))
        && comps.next().is_none()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
}

pub(crate) async fn paper(
    State(desk): Shared,
    headers: HeaderMap,
    Path((id, name)): Path<(String, String)>,
    q: Result<Query<PaperQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let s = match need(
        &desk,
        &headers,
        &format!("/cases/{id}/papers"),
        Action::ViewCases,
    )
    .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    let refused = |desk: &Desk| {
        error_page(
            desk,
            Some(&s),
            StatusCode::NOT_FOUND,
            "文书不存在 (no such paper)",
            "该案件的文书目录中没有这个文件。",
        )
    };
    if !plain_name(&name) || !name.ends_with(".pdf") {
        return refused(&desk);
    }
    if let Err(r) = case_file(&desk, &s, &id).await {
        return r;
    }
    let d = desk.clone();
    let read = blocking(&desk, move || read_paper(&d, &id, &name).map(|b| (b, name))).await;
    let (bytes, name) = match read {
        Ok(Some(x)) => x,
        Ok(None) => return refused(&desk),
        Err(r) => return r,
    };
    let inline = q.is_ok_and(|Query(q)| q.inline.is_some());
    file_response(bytes, "application/pdf", &name, inline)
}

/// A file answered whole: its bytes, its type, its name in both forms
/// ([`attachment`]), shown inline or downloaded, never cached.
pub(super) fn file_response(
    bytes: Vec<u8>,
    kind: &'static str,
    name: &str,
    inline: bool,
) -> Response {
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&attachment(name, inline)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

/// A paper of case `id` by its plain name (`*.pdf`), confined to the case's
/// papers folder. Blocking. (Shared with the API.)
pub(super) fn read_paper(desk: &Desk, id: &str, name: &str) -> Option<Vec<u8>> {
    if !plain_name(name) || !name.ends_with(".pdf") {
        return None;
    }
    let dir = desk.papers_dir(id);
    // Confined: the file's real path must lie in the case's papers folder.
    let root = std::fs::canonicalize(&dir).ok()?;
    let file = std::fs::canonicalize(dir.join(name)).ok()?;
    if file.parent() != Some(root.as_path()) || !file.is_file() {
        return None;
    }
    std::fs::read(&file).ok()
}

/// The `Content-Disposition` of a file sent by name (ASCII fallback and RFC 5987).
pub(super) fn attachment(name: &str, inline: bool) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        percent(name)
    )
}

pub(super) fn percent(s: &str) -> String {
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

// ---------------------------------------------------------------- forms

#[derive(Serialize, Clone)]
pub(super) struct Field {
    pub name: String,
    label: String,
    /// text, date, datetime, number, textarea, lines, select, docno (a serial
    /// or a full 文号), steps (调查核实, one per line), readonly (shown, not
    /// read from the form)
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<String>,
    /// A select that starts at “（请选择）” and must be chosen.
    choose: bool,
    pub required: bool,
    hint: String,
    pub errors: Vec<String>,
    /// What a readonly field writes on save, if anything.
    #[serde(skip)]
    set: Option<edit::Value>,
}

fn field(name: &str, label: &str, kind: &'static str, value: String, required: bool) -> Field {
    Field {
        name: name.to_string(),
        label: label.to_string(),
        kind,
        value,
        options: Vec::new(),
        choose: false,
        required,
        hint: String::new(),
        errors: Vec::new(),
        set: None,
    }
}

/// Which line of a one-per-line field (`lines`, `steps`) a finding's path
/// names (`matter.requests[1]` → 2), so the message can say 第 2 行.
fn line_of(f: &Field, path: &str) -> Option<usize> {
    if !matches!(f.kind, "lines" | "steps") {
        return None;
    }
    let rest = path.strip_prefix(f.name.as_str())?.strip_prefix('[')?;
    let n: usize = rest.split(']').next()?.parse().ok()?;
    n.checked_add(1)
}

/// Puts each finding at the field it concerns (the longest field name its path
/// starts with); the rest are returned for the top of the form.
fn place(fields: &mut [Field], found: &[Located]) -> Vec<String> {
    let mut rest = Vec::new();
    for l in found.iter().filter(|l| l.diag.is_error()) {
        let path = l.diag.path.to_string();
        let text = match &l.diag.hint {
            Some(h) => format!("{}（{}）", mask_text(&l.diag.message), h),
            None => mask_text(&l.diag.message),
        };
        let at = fields
            .iter_mut()
            .filter(|f| {
                path == f.name
                    || path.starts_with(&format!("{}.", f.name))
                    || path.starts_with(&format!("{}[", f.name))
            })
            .max_by_key(|f| f.name.len());
        // A finding about the whole section (`close`) goes to its first field.
        let at = match at {
            Some(f) => Some(f),
            None => fields
                .iter_mut()
                .find(|f| f.name.starts_with(&format!("{path}."))),
        };
        match at {
            Some(f) => match line_of(f, &path) {
                Some(n) => f.errors.push(format!("第 {n} 行 (line {n})：{text}")),
                None => f.errors.push(text),
            },
            None => rest.push(format!("{path}: {text}")),
        }
    }
    rest
}

struct FormPage<'a> {
    title: String,
    action: String,
    back: String,
    fields: &'a [Field],
    version: Option<&'a str>,
    message: Option<String>,
    notes: Vec<String>,
    submit: &'a str,
}

fn form_page(desk: &Desk, s: &Session, status: StatusCode, here: &str, p: FormPage) -> Response {
    let mut c = base(desk, Some(s), here);
    c.insert("title", &p.title);
    c.insert("action", &p.action);
    c.insert("back", &p.back);
    c.insert("fields", p.fields);
    c.insert("version", &p.version);
    c.insert("message", &p.message);
    c.insert("notes", &p.notes);
    c.insert("submit", p.submit);
    render(desk, status, "form.html", &c)
}

fn pairs(body: &[u8]) -> BTreeMap<String, String> {
    super::serde_urlencoded_pairs(body).into_iter().collect()
}

fn new_case_fields(values: &BTreeMap<String, String>) -> Vec<Field> {
    let v = |k: &str| values.get(k).cloned().unwrap_or_default();
    let mut channel = field(
        "arrival.channel",
        "信访形式 (channel)",
        "select",
        v("arrival.channel"),
        true,
    );
    channel.options = crate::case::model::Channel::ALL
        .iter()
        .map(|c| c.zh().to_string())
        .collect();
    let mut received = field(
        "arrival.received",
        "收到日期 (received)",
        "date",
        v("arrival.received"),
        true,
    );
    if received.value.is_empty() {
        received.value = Date::today().to_string();
    }
    let mut idn = field(
        "petitioners[0].id_number",
        "公民身份号码 (identity number)",
        "text",
        v("petitioners[0].id_number"),
        false,
    );
    idn.hint = "18 位，末位可为 X".into();
    let mut reqs = field(
        "matter.requests",
        "诉求 (requests)",
        "lines",
        v("matter.requests"),
        true,
    );
    reqs.hint = "每行一项".into();
    vec![
        channel,
        received,
        field(
            "arrival.registry_no",
            "登记号 (registry number)",
            "text",
            v("arrival.registry_no"),
            false,
        ),
        field(
            "petitioners[0].name",
            "信访人姓名 (petitioner)",
            "text",
            v("petitioners[0].name"),
            true,
        ),
        idn,
        field(
            "petitioners[0].phone",
            "联系电话 (phone)",
            "text",
            v("petitioners[0].phone"),
            false,
        ),
        field(
            "petitioners[0].address",
            "住址 (address)",
            "text",
            v("petitioners[0].address"),
            false,
        ),
        field(
            "matter.summary",
            "事项摘要 (summary)",
            "textarea",
            v("matter.summary"),
            true,
        ),
        reqs,
        field(
            "matter.category",
            "问题类别 (category)",
            "text",
            v("matter.category"),
            true,
        ),
        field(
            "matter.place",
            "问题发生地 (place)",
            "text",
            v("matter.place"),
            false,
        ),
    ]
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn opt(s: Option<&String>) -> Option<String> {
    s.map(|x| x.trim().to_string()).filter(|x| !x.is_empty())
}

pub(crate) async fn new_case_page(State(desk): Shared, headers: HeaderMap) -> Response {
    let s = match need(&desk, &headers, "/cases/new", Action::RegisterCase).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let fields = new_case_fields(&BTreeMap::new());
    form_page(
        &desk,
        &s,
        StatusCode::OK,
        "/cases/new",
        FormPage {
            title: "登记新案件 (register a case)".into(),
            action: "/cases/new".into(),
            back: "/cases".into(),
            fields: &fields,
            version: None,
            message: None,
            notes: Vec::new(),
            submit: "登记",
        },
    )
}

pub(crate) async fn new_case(
    State(desk): Shared,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let s = match need(&desk, &headers, "/cases/new", Action::RegisterCase).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let values = pairs(&body);
    let mut fields = new_case_fields(&values);
    let received_text = values
        .get("arrival.received")
        .map(|x| x.trim())
        .unwrap_or("");
    let received = Date::parse(received_text);
    if received.is_none() {
        if let Some(f) = fields.iter_mut().find(|f| f.name == "arrival.received") {
            f.errors
                .push("请填写有效日期，格式 YYYY-MM-DD (a date)".into());
        }
    }
    let result = match received {
        None => None,
        Some(received) => {
            let nc = new_case::NewCase {
                channel: values.get("arrival.channel").cloned().unwrap_or_default(),
                received: Some(received),
                petitioners: vec![new_case::NewPetitioner {
                    name: values
                        .get("petitioners[0].name")
                        .cloned()
                        .unwrap_or_default(),
                    id_number: opt(values.get("petitioners[0].id_number")),
                    phone: opt(values.get("petitioners[0].phone")),
                    address: opt(values.get("petitioners[0].address")),
                }],
                summary: values.get("matter.summary").cloned().unwrap_or_default(),
                requests: lines(
                    values
                        .get("matter.requests")
                        .map(String::as_str)
                        .unwrap_or(""),
                ),
                category: values.get("matter.category").cloned().unwrap_or_default(),
                place: opt(values.get("matter.place")),
                registry_no: opt(values.get("arrival.registry_no")),
                assignment: None,
                registered_by: Some(s.user.clone()),
            };
            let d = desk.clone();
            let who = s.user.clone();
            match blocking(&desk, move || {
                let _one = d.saving.lock().unwrap_or_else(|p| p.into_inner());
                let r = new_case::create(&d.office.join("cases"), &nc, &d.rules());
                if let Ok(c) = &r {
                    let _ = audit::append(
                        &d.office,
                        &Record {
                            actor: &who,
                            action: AuditAction::CaseCreate,
                            target: &c.id,
                            detail: "工作台登记 (desk)",
                        },
                    );
                    d.index.invalidate();
                }
                r
            })
            .await
            {
                Ok(r) => Some(r),
                Err(resp) => return resp,
            }
        }
    };
    let (message, notes) = match result {
        Some(Ok(created)) => return see_other(&format!("/cases/{}", created.id)),
        Some(Err(new_case::NewCaseError::Invalid(found))) => {
            let rest = place(&mut fields, &found);
            (
                "案件记录有错误，未登记：请按各栏下的提示改正后重新提交。".to_string(),
                rest,
            )
        }
        Some(Err(e)) => (format!("{e}。{}", e.remedy()), Vec::new()),
        None => (
            "案件记录有错误，未登记：请按各栏下的提示改正后重新提交。".to_string(),
            Vec::new(),
        ),
    };
    form_page(
        &desk,
        &s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "/cases/new",
        FormPage {
            title: "登记新案件 (register a case)".into(),
            action: "/cases/new".into(),
            back: "/cases".into(),
            fields: &fields,
            version: None,
            message: Some(message),
            notes,
            submit: "登记",
        },
    )
}

// ---------------------------------------------------------------- editing a section

/// The sections a clerk edits, by their path name.
pub(super) fn section_title(section: &str) -> Option<&'static str> {
    match section {
        "matter" => Some("事项 (the matter)"),
        "petitioners" => Some("信访人 (petitioners)"),
        "delivery" => Some("送达 (record a delivery)"),
        "extension" => Some("申请延期 (request an extension)"),
        "close" => Some("结案 (close the case)"),
        "handling" => Some("处理意见 (handling opinion)"),
        "acceptance" => Some("受理告知 (acceptance decision)"),
        "responsibility" => Some("责任落实 (responsibility)"),
        _ => None,
    }
}

/// The key of the case file a section writes under (`delivery` →
/// `deliveries`), for the findings shown at the top of its form.
fn section_root(section: &str) -> &str {
    match section {
        "delivery" => "deliveries",
        s => s,
    }
}

/// What a section's form needs beyond the case: the office's day, its
/// superior body (the default 复查机关), and the next free serial of the
/// handling opinion's 文号 with its full form.
pub(super) struct FormCtx {
    today: Date,
    parent: Option<String>,
    next_doc: Option<(i32, u32, Option<String>)>,
    /// For the acceptance decision: the next free serials of the 受理告知书
    /// and of the 不予受理告知书 (each its own series).
    next_accept: Option<[(i32, u32, Option<String>); 2]>,
}

pub(super) fn form_ctx(desk: &Desk, section: &str, c: &Case) -> FormCtx {
    use crate::case::model::Paper;
    let rules = desk.rules();
    let cfg = rules.config;
    // The office's files are read once, and only for the forms that offer a number.
    let serials = matches!(section, "handling" | "acceptance").then(|| {
        let files =
            case::collect_files(&[desk.index.cases_dir().to_path_buf()]).unwrap_or_default();
        case::next_serials(&files, cfg)
    });
    let offer = |paper: Paper, year: i32| {
        let n = serials.as_ref().map_or(1, |s| s.of(paper, year));
        (year, n, cfg.doc_number(paper, year, n))
    };
    let next_doc = (section == "handling").then(|| {
        let year = c
            .handling
            .as_ref()
            .map(|h| h.date.year())
            .unwrap_or(rules.as_of.year());
        offer(Paper::Opinion, year)
    });
    let next_accept = (section == "acceptance").then(|| {
        let year = c
            .acceptance
            .as_ref()
            .map(|a| a.date.year())
            .unwrap_or(rules.as_of.year());
        [Paper::AcceptNotice, Paper::RefuseNotice].map(|paper| offer(paper, year))
    });
    FormCtx {
        today: rules.as_of,
        parent: cfg.office.parent.clone(),
        next_doc,
        next_accept,
    }
}

/// One investigation step as the 调查核实 field writes it:
/// `2026-11-13 上塘村 蒋晓东、杨爱琴：入户核查……` (`-` for a place or an
/// investigator not recorded; line breaks inside the text become spaces).
fn step_line(i: &crate::case::model::Investigation) -> String {
    let or_dash = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .unwrap_or("-")
            .to_string()
    };
    let text: String = i.text.split_whitespace().collect::<Vec<_>>().join(" ");
    format!(
        "{} {} {}：{}",
        i.date,
        or_dash(&i.place),
        or_dash(&i.by),
        text
    )
}

/// A step parsed from one line of the 调查核实 field.
#[derive(Debug, PartialEq)]
struct Step {
    date: Date,
    place: Option<String>,
    by: Option<String>,
    text: String,
}

const STEP_FORM: &str =
    "每行一条：日期 地点 调查人：内容，如 2026-11-13 上塘村后畈组 蒋晓东、杨爱琴：入户核查家庭收入";

/// Parses the 调查核实 field strictly: each non-blank line `日期 地点 调查人：内容`
/// (the investigator is the last word before the colon; several are joined with
/// 、; `-` when not recorded). Errors name their line.
fn parse_steps(text: &str) -> Result<Vec<Step>, Vec<String>> {
    let mut steps = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            continue;
        }
        let at = |m: &str| format!("第 {n} 行 (line {n})：{m}");
        let Some((head, body)) = line.split_once(['：', ':']) else {
            errors.push(at(
                "缺少冒号“：”及调查内容 (no colon); 写作 日期 地点 调查人：内容",
            ));
            continue;
        };
        let words: Vec<&str> = head.split_whitespace().collect();
        let body = body.trim();
        let Some(date) = words.first().and_then(|d| Date::parse(d)) else {
            errors.push(at(&format!(
                "行首应为日期，如 2026-11-13 (date)；现为“{}”",
                words.first().copied().unwrap_or("")
            )));
            continue;
        };
        if words.len() < 3 {
            errors.push(at(
                "日期之后应有地点和调查人，以空格分开 (place and investigator)；不详的写 -",
            ));
            continue;
        }
        if body.is_empty() {
            errors.push(at("冒号之后应写调查内容 (what was done and found)"));
            continue;
        }
        let dash = |s: String| (!matches!(s.as_str(), "-" | "－" | "—")).then_some(s);
        steps.push(Step {
            date,
            place: dash(words[1..words.len() - 1].join(" ")),
            by: dash(words[words.len() - 1].to_string()),
            text: body.to_string(),
        });
    }
    if errors.is_empty() {
        Ok(steps)
    } else {
        Err(errors)
    }
}

/// The changes that write `steps` as `[[handling.investigation]]` (`name`), in
/// place of the `had` steps the file has.
fn step_changes(name: &str, steps: &[Step], had: usize) -> Vec<edit::Change> {
    let at = |i: usize, k: &str| FieldPath::parse(&format!("{name}[{i}].{k}"));
    let mut v = Vec::new();
    if steps.is_empty() {
        v.push(edit::Change {
            field: FieldPath::parse(name),
            value: edit::Value::Remove,
        });
        return v;
    }
    let text = |o: &Option<String>| match o {
        Some(s) => edit::Value::Text(s.clone()),
        None => edit::Value::Remove,
    };
    for (i, st) in steps.iter().enumerate() {
        v.push(edit::Change {
            field: at(i, "date"),
            value: edit::Value::Date(st.date),
        });
        v.push(edit::Change {
            field: at(i, "place"),
            value: text(&st.place),
        });
        v.push(edit::Change {
            field: at(i, "by"),
            value: text(&st.by),
        });
        v.push(edit::Change {
            field: at(i, "text"),
            value: edit::Value::Text(st.text.clone()),
        });
    }
    for i in (steps.len()..had).rev() {
        v.push(edit::Change {
            field: FieldPath::parse(&format!("{name}[{i}]")),
            value: edit::Value::Remove,
        });
    }
    v
}

/// The file's findings about its decisions, placed as the form shows them: the
/// form has the decision for request k at `handling.decisions[k-1]`, the file
/// may have them in another order. A finding about a decision for a request
/// the case does not have (or a second one for a request) has no place in the
/// form: it is said above it (the save rewrites the decisions request by
/// request, and that one goes).
fn decisions_in_form_order(c: &Case, found: Vec<Located>) -> (Vec<Located>, Vec<String>) {
    let Some(h) = &c.handling else {
        return (found, Vec::new());
    };
    let n = c.matter.requests.len();
    let mut kept = Vec::new();
    let mut notes = Vec::new();
    for mut l in found {
        let path = l.diag.path.to_string();
        let Some((i, rest)) = path
            .strip_prefix("handling.decisions[")
            .and_then(|r| r.split_once(']'))
            .and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest.to_string())))
        else {
            kept.push(l);
            continue;
        };
        let k = h.decisions.get(i).map_or(0, |d| d.request as usize);
        let first = h.decisions.iter().position(|d| d.request as usize == k);
        if (1..=n).contains(&k) && first == Some(i) {
            l.diag.path = FieldPath::parse(&format!("handling.decisions[{}]{rest}", k - 1));
            kept.push(l);
        } else if l.diag.is_error() {
            notes.push(format!(
                "文件中的第 {} 条处理结果（request = {k}）：{}。保存时按诉求逐项重写处理结果，此条将删除",
                i + 1,
                mask_text(&l.diag.message)
            ));
        }
    }
    (kept, notes)
}

/// What a section's save writes besides its fields: for the handling opinion,
/// the decisions beyond the case's requests taken out (each request has its
/// decision at its place) and no sign-off date (a draft goes to the leader).
fn section_tail(section: &str, c: &Case) -> Vec<edit::Change> {
    if section != "handling" {
        return Vec::new();
    }
    let had = c.handling.as_ref().map_or(0, |h| h.decisions.len());
    let n = c.matter.requests.len();
    let mut v: Vec<edit::Change> = (n..had)
        .rev()
        .map(|i| edit::Change {
            field: FieldPath::parse(&format!("handling.decisions[{i}]")),
            value: edit::Value::Remove,
        })
        .collect();
    v.push(edit::Change {
        field: FieldPath::parse("handling.signed_off_on"),
        value: edit::Value::Remove,
    });
    v
}

/// What editing a section needs: recording a delivery is its own action.
pub(super) fn section_action(section: &str) -> Action {
    match section {
        "delivery" => Action::RecordDelivery,
        "close" => Action::CloseCase,
        _ => Action::EditCase,
    }
}

/// The audit line a section's save writes.
pub(super) fn section_audit(section: &str) -> AuditAction {
    match section {
        "delivery" => AuditAction::DeliveryRecord,
        "close" => AuditAction::CaseClose,
        "extension" => AuditAction::ExtensionRequest,
        _ => AuditAction::CaseEdit,
    }
}

fn handling_fields(c: &Case, ctx: &FormCtx) -> Vec<Field> {
    use crate::case::model::{DocNo, Outcome, Procedure};
    let h = c.handling.as_ref();
    let mut procedure = field(
        "handling.procedure",
        "办理程序 (procedure)",
        "select",
        h.map_or(Procedure::Ordinary, |h| h.procedure)
            .zh()
            .to_string(),
        true,
    );
    procedure.options = Procedure::ALL.iter().map(|p| p.zh().to_string()).collect();
    procedure.hint = "普通程序 60 日；简易程序须本机关在 anjuan.toml 中启用".into();
    let mut date = field(
        "handling.date",
        "意见书日期 (date of the opinion)",
        "date",
        h.map_or(ctx.today, |h| h.date).to_string(),
        true,
    );
    date.hint = "如 2026-11-20；在受理日期之后，不得晚于今天".into();
    // A new draft is offered the office's next free serial (with an issuer
    // code configured); the save refuses a number another case uses.
    let mut doc_no = field(
        "handling.doc_no",
        "文号 (document number)",
        "docno",
        match h.and_then(|h| h.doc_no.as_ref()) {
            Some(DocNo::Serial(n)) => n.to_string(),
            Some(DocNo::Full(s)) => s.clone(),
            None => match &ctx.next_doc {
                Some((_, n, Some(_))) => n.to_string(),
                _ => String::new(),
            },
        },
        true,
    );
    doc_no.hint = match &ctx.next_doc {
        Some((year, n, Some(full))) => format!(
            "填本机关序号（如 {n}，印作 {full}）或完整文号；本机关 {year} 年处理意见书下一个未用的序号是 {n}"
        ),
        Some((year, n, None)) => format!(
            "填完整文号，如 某信处字〔{year}〕{n}号（anjuan.toml 的 [issuers] 未配置处理意见书的发文机关代字，不能只填序号）"
        ),
        None => "填本机关序号或完整文号".into(),
    };
    let mut facts = field(
        "handling.facts",
        "查明事实 (facts found)",
        "textarea",
        h.map(|h| h.facts.clone()).unwrap_or_default(),
        true,
    );
    facts.hint = "时间、地点、主要事实".into();
    let mut steps = field(
        "handling.investigation",
        "调查核实 (investigation)",
        "steps",
        h.map(|h| {
            h.investigation
                .iter()
                .map(step_line)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default(),
        false,
    );
    steps.hint = format!("{STEP_FORM}；地点或调查人不详的写 -，多名调查人用顿号“、”分隔");
    let mut basis = field(
        "handling.legal_basis",
        "法律政策依据 (legal basis)",
        "lines",
        h.map(|h| h.legal_basis.join("\n")).unwrap_or_default(),
        true,
    );
    basis.hint =
        "每行一条，按条引用，如《社会救助暂行办法》第九条；《信访工作条例》第三十二条由意见书自动引用"
            .into();
    let mut v = vec![procedure, date, doc_no, facts, steps, basis];
    for (i, req) in c.matter.requests.iter().enumerate() {
        let k = i + 1;
        let d = h.and_then(|h| h.decisions.iter().find(|d| d.request as usize == k));
        let mut shown = field(
            &format!("handling.decisions[{i}].request"),
            &format!("第 {k} 项诉求 (request {k})"),
            "readonly",
            req.clone(),
            false,
        );
        shown.set = Some(edit::Value::Int(k as i64));
        let mut outcome = field(
            &format!("handling.decisions[{i}].outcome"),
            &format!("第 {k} 项 处理结果 (outcome)"),
            "select",
            d.map(|d| d.outcome.zh().to_string()).unwrap_or_default(),
            true,
        );
        outcome.options = Outcome::ALL.iter().map(|o| o.zh().to_string()).collect();
        outcome.choose = true;
        let mut reason = field(
            &format!("handling.decisions[{i}].reason"),
            &format!("第 {k} 项 理由 (reason)"),
            "textarea",
            d.map(|d| d.reason.clone()).unwrap_or_default(),
            true,
        );
        reason.hint = "支持的写明如何解决；解释说明、不予支持的写明理由和依据".into();
        v.extend([shown, outcome, reason]);
    }
    let mut review = field(
        "handling.review_body",
        "复查机关 (review body)",
        "text",
        h.map(|h| h.review_body.clone())
            .filter(|b| !b.trim().is_empty())
            .or_else(|| ctx.parent.clone())
            .unwrap_or_default(),
        true,
    );
    review.hint = "写入救济告知：信访人可自收到意见书之日起 30 日内向其申请复查".into();
    let mut signer = field(
        "handling.signed_off_by",
        "签发领导 (signed off by)",
        "readonly",
        "待领导审签 (awaiting the leader's sign-off)".into(),
        false,
    );
    signer.hint = "保存后由领导在“审批”页审签；审签前不生成处理意见书".into();
    signer.set = Some(edit::Value::Text(String::new()));
    v.extend([review, signer]);
    v
}

/// 受理告知: the decision (受理 or 不予受理) within 15 days of receipt, its
/// 文号 (the next free serial of its series offered), the contact named on
/// the notice, and for a refusal its kind, reason, basis and where to go.
fn acceptance_fields(c: &Case, ctx: &FormCtx) -> Vec<Field> {
    use crate::case::model::{Decision, DocNo, RefusalKind};
    let a = c.acceptance.as_ref();
    let mut decision = field(
        "acceptance.decision",
        "受理决定 (decision)",
        "select",
        a.map(|a| a.decision.zh().to_string()).unwrap_or_default(),
        true,
    );
    decision.options = Decision::ALL.iter().map(|d| d.zh().to_string()).collect();
    decision.choose = true;
    let mut date = field(
        "acceptance.date",
        "告知日期 (date of the notice)",
        "date",
        a.map_or(ctx.today, |a| a.date).to_string(),
        true,
    );
    date.hint = "收到之日起 15 日内书面告知；不得晚于今天".into();
    let mut doc_no = field(
        "acceptance.doc_no",
        "文号 (document number)",
        "docno",
        match a.and_then(|a| a.doc_no.as_ref()) {
            Some(DocNo::Serial(n)) => n.to_string(),
            Some(DocNo::Full(s)) => s.clone(),
            None => String::new(),
        },
        true,
    );
    doc_no.hint = match &ctx.next_accept {
        Some([(_, n, full), (_, m, rfull)]) => format!(
            "填本机关序号或完整文号。受理告知书下一个未用的序号 {n}{}；不予受理告知书下一个未用的序号 {m}{}",
            full.as_ref().map(|f| format!("（{f}）")).unwrap_or_default(),
            rfull.as_ref().map(|f| format!("（{f}）")).unwrap_or_default()
        ),
        None => "填本机关序号或完整文号".into(),
    };
    let mut kind = field(
        "acceptance.reason_kind",
        "不予受理理由类别 (refusal kind)",
        "select",
        a.and_then(|a| a.reason_kind)
            .map(|k| k.zh().to_string())
            .unwrap_or_default(),
        false,
    );
    kind.options = std::iter::once(String::new())
        .chain(RefusalKind::ALL.iter().map(|k| k.zh().to_string()))
        .collect();
    kind.hint = "不予受理时必填".into();
    let text = |name: &str, label: &str, kind: &'static str, v: Option<&String>, hint: &str| {
        let mut f = field(name, label, kind, v.cloned().unwrap_or_default(), false);
        f.hint = hint.into();
        f
    };
    vec![
        decision,
        date,
        doc_no,
        text(
            "acceptance.contact",
            "联系人 (contact)",
            "text",
            a.and_then(|a| a.contact.as_ref()),
            "告知书上写明的联系人",
        ),
        text(
            "acceptance.contact_phone",
            "联系电话 (contact phone)",
            "text",
            a.and_then(|a| a.contact_phone.as_ref()),
            "",
        ),
        kind,
        text(
            "acceptance.reason",
            "不予受理理由 (reason)",
            "textarea",
            a.and_then(|a| a.reason.as_ref()),
            "不予受理时必填",
        ),
        text(
            "acceptance.legal_basis",
            "不予受理依据 (legal basis)",
            "text",
            a.and_then(|a| a.legal_basis.as_ref()),
            "不予受理时必填，按条引用",
        ),
        text(
            "acceptance.redirect_to",
            "告知去向 (where to go instead)",
            "text",
            a.and_then(|a| a.redirect_to.as_ref()),
            "如应通过诉讼、仲裁、行政复议等法定途径解决的，写明途径",
        ),
    ]
}

/// 责任落实: the responsible unit, the 包案领导 and the handler.
fn responsibility_fields(c: &Case) -> Vec<Field> {
    let r = c.responsibility.as_ref();
    let get = |f: fn(&crate::case::model::Responsibility) -> Option<String>| {
        r.and_then(f).unwrap_or_default()
    };
    let mut leader = field(
        "responsibility.leader",
        "包案领导 (leader in charge)",
        "text",
        get(|r| Some(r.leader.clone())),
        true,
    );
    leader.hint = "与领导的账户名一致时，其工作台按包案领导统计".into();
    vec![
        field(
            "responsibility.unit",
            "责任单位 (responsible unit)",
            "text",
            get(|r| Some(r.unit.clone())),
            true,
        ),
        leader,
        field(
            "responsibility.leader_title",
            "领导职务 (title)",
            "text",
            get(|r| r.leader_title.clone()),
            false,
        ),
        field(
            "responsibility.handler",
            "承办人 (handler)",
            "text",
            get(|r| Some(r.handler.clone())),
            true,
        ),
        field(
            "responsibility.handler_phone",
            "承办人电话 (handler's phone)",
            "text",
            get(|r| r.handler_phone.clone()),
            false,
        ),
    ]
}

pub(super) fn section_fields(section: &str, c: &Case, ctx: &FormCtx) -> Vec<Field> {
    match section {
        "handling" => handling_fields(c, ctx),
        "acceptance" => acceptance_fields(c, ctx),
        "responsibility" => responsibility_fields(c),
        "matter" => {
            let mut reqs = field(
                "matter.requests",
                "诉求 (requests)",
                "lines",
                c.matter.requests.join("\n"),
                true,
            );
            reqs.hint = "每行一项".into();
            vec![
                field(
                    "matter.summary",
                    "事项摘要 (summary)",
                    "textarea",
                    c.matter.summary.clone(),
                    true,
                ),
                reqs,
                field(
                    "matter.category",
                    "问题类别 (category)",
                    "text",
                    c.matter.category.clone(),
                    true,
                ),
                field(
                    "matter.place",
                    "问题发生地 (place)",
                    "text",
                    c.matter.place.clone().unwrap_or_default(),
                    false,
                ),
            ]
        }
        "petitioners" => {
            let mut v = Vec::new();
            for (i, p) in c.petitioners.iter().enumerate() {
                let n = i + 1;
                v.push(field(
                    &format!("petitioners[{i}].name"),
                    &format!("信访人{n} 姓名 (name)"),
                    "text",
                    p.name.clone(),
                    true,
                ));
                v.push(field(
                    &format!("petitioners[{i}].id_number"),
                    &format!("信访人{n} 公民身份号码 (identity number)"),
                    "text",
                    p.id_number.clone().unwrap_or_default(),
                    false,
                ));
                v.push(field(
                    &format!("petitioners[{i}].phone"),
                    &format!("信访人{n} 联系电话 (phone)"),
                    "text",
                    p.phone.clone().unwrap_or_default(),
                    false,
                ));
                v.push(field(
                    &format!("petitioners[{i}].address"),
                    &format!("信访人{n} 住址 (address)"),
                    "text",
                    p.address.clone().unwrap_or_default(),
                    false,
                ));
            }
            v
        }
        "delivery" => {
            // A new entry at the end of [[deliveries]].
            let n = c.deliveries.len();
            let k = |f: &str| format!("deliveries[{n}].{f}");
            let mut paper = field(
                &k("paper"),
                "送达文书 (paper)",
                "select",
                String::new(),
                true,
            );
            paper.options = crate::case::model::Paper::ALL
                .iter()
                .map(|p| p.zh().to_string())
                .collect();
            let mut method = field(
                &k("method"),
                "送达方式 (method)",
                "select",
                String::new(),
                true,
            );
            method.options = crate::case::model::Method::ALL
                .iter()
                .map(|m| m.zh().to_string())
                .collect();
            let mut time = field(
                &k("time"),
                "送达时间 (time)",
                "datetime",
                String::new(),
                true,
            );
            time.hint = "如 2026-11-20 10:30".into();
            let recipient = c
                .petitioners
                .first()
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let mut servers = field(
                &k("servers"),
                "送达人 (servers)",
                "lines",
                String::new(),
                true,
            );
            servers.hint = "每行一人，至少一人".into();
            let mut tracking = field(
                &k("tracking_number"),
                "邮件号码 (tracking number)",
                "text",
                String::new(),
                false,
            );
            tracking.hint = "邮寄送达必填".into();
            let mut witness = field(
                &k("witness"),
                "见证人 (witness)",
                "text",
                String::new(),
                false,
            );
            witness.hint = "留置送达必填（并填拒收理由、拍照录像记录）".into();
            vec![
                paper,
                method,
                time,
                field(&k("place"), "送达地点 (place)", "text", String::new(), true),
                field(
                    &k("recipient"),
                    "受送达人/签收人 (recipient)",
                    "text",
                    recipient,
                    true,
                ),
                field(
                    &k("relation"),
                    "与受送达人关系 (relation)",
                    "text",
                    String::new(),
                    false,
                ),
                servers,
                tracking,
                witness,
                field(
                    &k("refusal_reason"),
                    "拒收理由 (refusal reason)",
                    "text",
                    String::new(),
                    false,
                ),
                field(
                    &k("evidence"),
                    "拍照/录像记录 (evidence)",
                    "text",
                    String::new(),
                    false,
                ),
            ]
        }
        "extension" => {
            // A request: days and reason; the head's approval is the leader's page.
            let e = c.extension_pending();
            let mut days = field(
                "extension.days",
                "延长天数 (days)",
                "number",
                e.map(|e| e.days.to_string()).unwrap_or_default(),
                true,
            );
            days.hint = "1–30 日；经本机关负责人批准前，办理期限不变".into();
            vec![
                days,
                field(
                    "extension.reason",
                    "延期理由 (reason)",
                    "textarea",
                    e.map(|e| e.reason.clone()).unwrap_or_default(),
                    true,
                ),
            ]
        }
        "close" => {
            let cl = c.close.as_ref();
            let mut date = field(
                "close.date",
                "结案日期 (date closed)",
                "date",
                cl.map(|x| x.date.to_string()).unwrap_or_default(),
                true,
            );
            date.hint = "如 2026-11-21；不得晚于今天".into();
            let mut basis = field(
                "close.basis",
                "销号依据 (basis)",
                "select",
                cl.map(|x| x.basis.zh().to_string()).unwrap_or_default(),
                true,
            );
            basis.options = crate::case::model::CloseBasis::ALL
                .iter()
                .map(|b| b.zh().to_string())
                .collect();
            let mut note = field(
                "close.note",
                "说明 (note)",
                "textarea",
                cl.and_then(|x| x.note.clone()).unwrap_or_default(),
                false,
            );
            note.hint = "以行政复议、诉讼程序、依法处理销号的，写明案号或处理文书".into();
            vec![date, basis, note]
        }
        _ => Vec::new(),
    }
}

fn edit_page_of(
    desk: &Desk,
    s: &Session,
    status: StatusCode,
    (id, section): (&str, &str),
    fields: &[Field],
    version: &str,
    (message, notes): (Option<String>, Vec<String>),
) -> Response {
    form_page(
        desk,
        s,
        status,
        "/cases",
        FormPage {
            title: format!("{id} · 修改{}", section_title(section).unwrap_or("")),
            action: format!("/cases/{id}/edit/{section}"),
            back: format!("/cases/{id}"),
            fields,
            version: Some(version),
            message,
            notes,
            submit: "保存",
        },
    )
}

fn no_section(desk: &Desk, s: &Session) -> Response {
    error_page(
        desk,
        Some(s),
        StatusCode::NOT_FOUND,
        "没有这一部分 (no such section)",
        "可修改的部分：信访人（petitioners）、事项（matter）、受理告知（acceptance）、责任落实（responsibility）、送达（delivery）、申请延期（extension）、处理意见（handling）、结案（close）。",
    )
}

/// Why the section cannot be edited in the case's state, if it cannot: an
/// extension can be requested only while the handling period runs and none is
/// recorded (or the request is still pending). (Shared with the API.)
pub(super) fn section_closed(
    desk: &Desk,
    section: &str,
    c: &Case,
) -> Option<crate::office::approval::ApprovalError> {
    if section != "extension" || c.extension_pending().is_some() {
        return None;
    }
    crate::office::approval::may_request(c, &desk.rules()).err()
}

fn section_allowed(desk: &Desk, s: &Session, section: &str, c: &Case) -> Result<(), Response> {
    if section == "handling" {
        return handling_allowed(desk, s, c);
    }
    match section_closed(desk, section, c) {
        None => Ok(()),
        Some(e) => Err(error_page(
            desk,
            Some(s),
            StatusCode::CONFLICT,
            "不能申请延期 (no extension possible)",
            &format!("{e}。{}", e.remedy()),
        )),
    }
}

/// A handling opinion is drafted for an accepted case, and edited only while
/// it awaits the leader's sign-off: a signed-off opinion is what the leader
/// approved, so the desk refuses to change it (the sign-off would have to be
/// withdrawn first).
fn handling_allowed(desk: &Desk, s: &Session, c: &Case) -> Result<(), Response> {
    let refuse = |title: &str, detail: String| {
        Err(error_page(
            desk,
            Some(s),
            StatusCode::CONFLICT,
            title,
            &detail,
        ))
    };
    if let Some(h) = c.handling.as_ref().filter(|h| h.signed_off()) {
        return refuse(
            "处理意见已签发，不能修改 (signed off)",
            format!(
                "处理意见已由 {} 于 {} 签发。签发后的意见书是领导审定的文本，工作台不再修改；确需改动的，须先由签发领导撤回签发（清空案件文件中的 signed_off_by 与 signed_off_on），改后重新送审。",
                h.signed_off_by.trim(),
                h.signed_off_date()
            ),
        );
    }
    let accepted = c
        .acceptance
        .as_ref()
        .is_some_and(|a| a.decision == crate::case::model::Decision::Accept);
    if !accepted {
        return refuse(
            "尚未受理，不能起草处理意见 (not accepted)",
            "处理意见只对已受理的信访事项出具：请先记录受理决定（受理告知书）。".into(),
        );
    }
    Ok(())
}

/// The changes the section's `fields` take from `values` (by field name; a
/// field not given is emptied, as a form sends it): each parsed by its kind; a
/// value that does not parse gets its error at the field, and `false` is
/// returned with the changes. (Shared with the API.)
pub(super) fn section_changes(
    fields: &mut [Field],
    values: &BTreeMap<String, String>,
    current: &Case,
    section: &str,
) -> (Vec<edit::Change>, bool) {
    let mut changes = Vec::new();
    let mut unparsed = false;
    for f in fields.iter_mut() {
        if f.kind == "readonly" {
            if let Some(v) = &f.set {
                changes.push(edit::Change {
                    field: FieldPath::parse(&f.name),
                    value: v.clone(),
                });
            }
            continue;
        }
        let given = values.get(&f.name).cloned().unwrap_or_default();
        if f.kind == "steps" {
            let had = current
                .handling
                .as_ref()
                .map_or(0, |h| h.investigation.len());
            match parse_steps(&given) {
                Ok(steps) => changes.extend(step_changes(&f.name, &steps, had)),
                Err(errors) => {
                    f.errors.extend(errors);
                    unparsed = true;
                }
            }
            f.value = given;
            continue;
        }
        let value = match f.kind {
            "select" if f.choose && !f.options.iter().any(|o| o == given.trim()) => {
                f.errors
                    .push(format!("请选择{} (choose one)", f.options.join("、")));
                unparsed = true;
                edit::Value::Remove
            }
            "docno" => match given.trim() {
                "" => edit::Value::Remove,
                t if t.chars().all(|c| c.is_ascii_digit()) => match t.parse::<i64>() {
                    Ok(n) if (1..=999_999).contains(&n) => edit::Value::Int(n),
                    _ => {
                        f.errors
                            .push("序号应为正整数，如 12；或填完整文号 (serial)".into());
                        unparsed = true;
                        edit::Value::Remove
                    }
                },
                t => edit::Value::Text(t.to_string()),
            },
            "lines" => edit::Value::List(lines(&given)),
            "datetime" => match crate::case::date::DateTime::parse(&given) {
                Some(t) => edit::Value::DateTime(t),
                None => {
                    f.errors
                        .push("请填写日期与时间，如 2026-11-20 10:30 (date and time)".into());
                    unparsed = true;
                    edit::Value::Remove
                }
            },
            _ if given.trim().is_empty() && !f.required => edit::Value::Remove,
            "date" => match Date::parse(given.trim()) {
                Some(d) => edit::Value::Date(d),
                None => {
                    f.errors.push("请填写日期，如 2026-11-21 (date)".into());
                    unparsed = true;
                    edit::Value::Remove
                }
            },
            "number" => match given.trim().parse::<i64>() {
                Ok(n) if (0..=100_000).contains(&n) => edit::Value::Int(n),
                _ => {
                    f.errors.push("请填写整数，如 30 (number)".into());
                    unparsed = true;
                    edit::Value::Remove
                }
            },
            _ => edit::Value::Text(given.trim().to_string()),
        };
        f.value = given;
        changes.push(edit::Change {
            field: FieldPath::parse(&f.name),
            value,
        });
    }
    changes.extend(section_tail(section, current));
    (changes, !unparsed)
}

/// Saves a section's changes (`edit::save`, one save at a time) and, when a
/// field changed, writes the section's audit line for `who` and refreshes the
/// index. Blocking. (Shared with the API.)
pub(super) fn save_section(
    desk: &Desk,
    file: &FsPath,
    base: &str,
    changes: &[edit::Change],
    who: &str,
    section: &str,
    id: &str,
) -> Result<edit::Saved, edit::EditError> {
    let _one = desk.saving.lock().unwrap_or_else(|p| p.into_inner());
    // A handling opinion's 文号 must not be another case's: checked against
    // the office's other files (the desk's saves are one at a time).
    let others = if section == "handling" {
        case::collect_files(&[desk.index.cases_dir().to_path_buf()]).unwrap_or_default()
    } else {
        Vec::new()
    };
    let r = edit::save_among(&desk.office, file, base, changes, &desk.rules(), &others);
    if let Ok(sv) = &r {
        if !sv.changed.is_empty() {
            let detail = sv.changed.join(", ");
            let _ = audit::append(
                &desk.office,
                &Record {
                    actor: who,
                    action: section_audit(section),
                    target: id,
                    detail: &detail,
                },
            );
            desk.index.invalidate();
        }
    }
    r
}

/// The session and the case file of an edit request, once the role, the
/// section's name and the case are checked.
async fn section_of(
    desk: &Arc<Desk>,
    headers: &HeaderMap,
    id: &str,
    section: &str,
) -> Result<(Session, std::path::PathBuf), Response> {
    let s = need(
        desk,
        headers,
        &format!("/cases/{id}/edit/{section}"),
        section_action(section),
    )
    .await?;
    if section_title(section).is_none() {
        return Err(no_section(desk, &s));
    }
    let file = case_file(desk, &s, id).await?;
    Ok((s, file))
}

pub(crate) async fn edit_page(
    State(desk): Shared,
    headers: HeaderMap,
    Path((id, section)): Path<(String, String)>,
) -> Response {
    let (s, file) = match section_of(&desk, &headers, &id, &section).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let d = desk.clone();
    let sec = section.clone();
    let opened = blocking(&desk, move || {
        let o = edit::open(&d.office, &file).map_err(|e| format!("{e}。{}", e.remedy()))?;
        let rules = d.rules();
        let (cf, found) = case::check_text(&file, o.text.clone(), &rules).map_err(|l| {
            format!(
                "{}。请用 anjuan check 查看并改正该文件。",
                mask_text(&l.diag.message)
            )
        })?;
        let ctx = form_ctx(&d, &sec, &cf.case);
        Ok::<_, String>((o.version, cf.case, found, ctx))
    })
    .await;
    let (version, c, found, ctx) = match opened {
        Ok(Ok(x)) => x,
        Ok(Err(msg)) => {
            return error_page(
                &desk,
                Some(&s),
                StatusCode::UNPROCESSABLE_ENTITY,
                "无法打开案件 (cannot open the case)",
                &msg,
            )
        }
        Err(r) => return r,
    };
    if let Err(r) = section_allowed(&desk, &s, &section, &c) {
        return r;
    }
    let mut fields = section_fields(&section, &c, &ctx);
    let found: Vec<Located> = found
        .into_iter()
        .filter(|l| !case::TIMELINESS.contains(&l.diag.code))
        .collect();
    let (found, mut notes) = if section == "handling" {
        decisions_in_form_order(&c, found)
    } else {
        (found, Vec::new())
    };
    // What the file has wrong in this section but at no field of the form is
    // listed above the form.
    let root = section_root(&section);
    notes.extend(
        place(&mut fields, &found)
            .into_iter()
            .filter(|n| n.starts_with(&format!("{root}.")) || n.starts_with(&format!("{root}["))),
    );
    edit_page_of(
        &desk,
        &s,
        StatusCode::OK,
        (&id, &section),
        &fields,
        &version,
        (None, notes),
    )
}

pub(crate) async fn edit(
    State(desk): Shared,
    headers: HeaderMap,
    Path((id, section)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let (s, file) = match section_of(&desk, &headers, &id, &section).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let values = pairs(&body);
    let base_version = values.get("version").cloned().unwrap_or_default();
    // The fields of the section as the file has them now (for their names and kinds).
    let d = desk.clone();
    let f2 = file.clone();
    let (d2, sec) = (desk.clone(), section.clone());
    let now = blocking(&desk, move || {
        case::load(&f2).ok().and_then(Result::ok).map(|cf| {
            let ctx = form_ctx(&d2, &sec, &cf.case);
            (cf.case, ctx)
        })
    })
    .await;
    let (current, ctx) = match now {
        Ok(Some(c)) => c,
        Ok(None) => {
            return error_page(
                &desk,
                Some(&s),
                StatusCode::UNPROCESSABLE_ENTITY,
                "无法打开案件 (cannot open the case)",
                "案件文件现在无法读取：请用 anjuan check 查看并改正。您的输入未保存。",
            )
        }
        Err(r) => return r,
    };
    if let Err(r) = section_allowed(&desk, &s, &section, &current) {
        return r;
    }
    let mut fields = section_fields(&section, &current, &ctx);
    let (changes, parsed) = section_changes(&mut fields, &values, &current, &section);
    let unparsed = !parsed;
    let version = values.get("version").cloned().unwrap_or_default();
    if unparsed {
        return edit_page_of(
            &desk,
            &s,
            StatusCode::UNPROCESSABLE_ENTITY,
            (&id, &section),
            &fields,
            &version,
            (
                Some("有字段填写有误，未写入：请按各栏下的提示改正后再保存。".into()),
                Vec::new(),
            ),
        );
    }
    let who = s.user.clone();
    let (target, sec) = (id.clone(), section.clone());
    let saved = blocking(&desk, move || {
        save_section(&d, &file, &base_version, &changes, &who, &sec, &target)
    })
    .await;
    match saved {
        Ok(Ok(_)) => see_other(&format!("/cases/{id}")),
        Ok(Err(edit::EditError::Conflict { changed, .. })) => {
            let list = if changed.is_empty() {
                String::new()
            } else {
                format!("他人改动的字段：{}。", changed.join("、"))
            };
            let msg = format!(
                "案件文件在您打开之后已被他人修改，本次保存未写入 (changed since you opened it)。{list}您填写的内容仍保留在下方：请先重新打开案件查看他人的改动，再修改、保存。"
            );
            edit_page_of(
                &desk,
                &s,
                StatusCode::CONFLICT,
                (&id, &section),
                &fields,
                &version,
                (
                    Some(msg),
                    vec![format!("重新打开：/cases/{id}/edit/{section}")],
                ),
            )
        }
        Ok(Err(edit::EditError::Invalid(found))) => {
            let rest = place(&mut fields, &found);
            edit_page_of(
                &desk,
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                (&id, &section),
                &fields,
                &version,
                (
                    Some("修改后的案件记录有错误，未写入：请按各栏下的提示改正后再保存。".into()),
                    rest,
                ),
            )
        }
        Ok(Err(e)) => {
            let msg = format!("{e}。{}", e.remedy());
            edit_page_of(
                &desk,
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                (&id, &section),
                &fields,
                &version,
                (Some(mask_text(&msg)), Vec::new()),
            )
        }
        Err(r) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_papers() {
        assert!(plain_name("01-受理告知书.pdf"));
        for bad in [
            "../x.pdf",
            "a/b.pdf",
            "..",
            ".",
            ".hidden.pdf",
            "/etc/passwd",
            "a\\b.pdf",
            "",
        ] {
            assert!(!plain_name(bad), "{bad}");
        }
    }

    #[test]
    fn investigation_steps_are_read_strictly_by_line() {
        let steps = parse_steps(
            "2026-11-13 上塘村 后畈组 蒋晓东、杨爱琴：入户核查：收入属实\n\n  2026-11-16 - -:调取登记  ",
        )
        .unwrap();
        assert_eq!(
            steps,
            vec![
                Step {
                    date: Date::parse("2026-11-13").unwrap(),
                    place: Some("上塘村 后畈组".into()),
                    by: Some("蒋晓东、杨爱琴".into()),
                    text: "入户核查：收入属实".into(),
                },
                Step {
                    date: Date::parse("2026-11-16").unwrap(),
                    place: None,
                    by: None,
                    text: "调取登记".into(),
                },
            ]
        );
        let errors = parse_steps(
            "2026-11-13 上塘村 蒋晓东：入户核查\n2026-13-01 上塘村 蒋晓东：x\n2026-11-14 蒋晓东：x\n2026-11-15 上塘村 蒋晓东\n2026-11-16 上塘村 蒋晓东：",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        for (e, line) in errors
            .iter()
            .zip(["第 2 行", "第 3 行", "第 4 行", "第 5 行"])
        {
            assert!(e.starts_with(line), "{e}");
        }
        assert!(parse_steps("").unwrap().is_empty());
        // What the form shows parses back to the same step.
        let inv = crate::case::model::Investigation {
            date: Date::parse("2026-03-12").unwrap(),
            place: None,
            by: Some("徐建平".into()),
            text: "现场查看，\n拍照14张。".into(),
        };
        let back = parse_steps(&step_line(&inv)).unwrap();
        assert_eq!(back[0].by.as_deref(), Some("徐建平"));
        assert_eq!(back[0].place, None);
        assert_eq!(back[0].text, "现场查看， 拍照14张。");
    }

    #[test]
    fn templates_parse() {
        templates().unwrap();
    }
}
