//! 账户 and 审计 (the 管理员's pages): the office's accounts — add one, set a
//! password, disable or enable, withdraw an API token, remove — through
//! [`crate::office::users::change`], which writes the audit line; and the audit
//! trail itself, checked link by link ([`crate::office::audit::verify`]) and
//! shown newest first.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::pages::{base, blocking, error_page, need, render, see_other};
use super::{Desk, Session};
use crate::office::audit;
use crate::office::users::{self, Action, Change, Changed, Role};

type Shared = State<Arc<Desk>>;

#[derive(Serialize)]
struct UserRow {
    name: String,
    role: &'static str,
    disabled: bool,
    token: bool,
    created: String,
    changed: String,
    /// The signed-in admin's own account (not removed or disabled from here).
    me: bool,
}

/// The accounts page, with a message from the last change (`?done=`) or an
/// error to show.
async fn users_page(
    desk: &Arc<Desk>,
    s: &Session,
    status: StatusCode,
    message: Option<String>,
    error: Option<String>,
    token: Option<(String, String)>,
) -> Response {
    let d = desk.clone();
    let listed = match blocking(desk, move || users::list(&d.office)).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let list = match listed {
        Ok(l) => l,
        Err(e) => {
            return error_page(
                desk,
                Some(s),
                StatusCode::SERVICE_UNAVAILABLE,
                "无法读取账户 (cannot read the accounts)",
                &format!("{e}。{}", e.remedy()),
            )
        }
    };
    let rows: Vec<UserRow> = list
        .iter()
        .map(|u| UserRow {
            name: u.name.clone(),
            role: u.role.zh(),
            disabled: u.disabled,
            token: u.has_token(),
            created: u.created.chars().take(10).collect(),
            changed: u
                .changed
                .chars()
                .take(16)
                .collect::<String>()
                .replace('T', " "),
            me: u.name == s.user,
        })
        .collect();
    let mut c = base(desk, Some(s), "/users");
    c.insert("users", &rows);
    c.insert(
        "roles",
        &Role::ALL.iter().map(|r| r.zh()).collect::<Vec<_>>(),
    );
    c.insert("message", &message);
    c.insert("error", &error);
    if let Some((name, t)) = token {
        c.insert("token_for", &name);
        c.insert("token", &t);
    }
    render(desk, status, "users.html", &c)
}

#[derive(Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

pub(crate) async fn users(
    State(desk): Shared,
    headers: HeaderMap,
    q: Result<Query<Done>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let s = match need(&desk, &headers, "/users", Action::ManageUsers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let message = q.ok().and_then(|Query(d)| d.done).map(|d| {
        // Only the page's own messages come back through the address.
        match d.as_str() {
            "add" => "已添加账户 (account added)。",
            "remove" => "已删除账户 (account removed)。",
            "disable" => "已停用账户 (account disabled)。",
            "enable" => "已启用账户 (account enabled)。",
            "password" => "已重设口令 (password set)。请当面或另行告知本人。",
            "revoke" => "已收回接口令牌 (API token withdrawn)。",
            _ => "",
        }
        .to_string()
    });
    users_page(
        &desk,
        &s,
        StatusCode::OK,
        message.filter(|m| !m.is_empty()),
        None,
        None,
    )
    .await
}

/// One account change from the page's forms: `op` names it; `name`, `role`,
/// `password` and `password2` as the change needs them.
pub(crate) async fn change(
    State(desk): Shared,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let s = match need(&desk, &headers, "/users", Action::ManageUsers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form: HashMap<String, String> = super::serde_urlencoded_pairs(&body).into_iter().collect();
    let get = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let (op, name) = (get("op"), get("name"));
    let password = form.get("password").cloned().unwrap_or_default();
    let refuse = |msg: &str| {
        let (desk, s, msg) = (desk.clone(), s.clone(), msg.to_string());
        async move {
            users_page(
                &desk,
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(msg),
                None,
            )
            .await
        }
    };
    if name.is_empty() {
        return refuse("请填写账户名 (name)。").await;
    }
    // The admin's own account stays: locking oneself out from the page is
    // never what was meant (the command line can still do it).
    if name == s.user && matches!(op.as_str(), "remove" | "disable") {
        return refuse("不能在此停用或删除自己正在使用的账户。").await;
    }
    if matches!(op.as_str(), "add" | "password")
        && password != form.get("password2").cloned().unwrap_or_default()
    {
        return refuse("两次输入的口令不一致 (passwords differ)。").await;
    }
    let role = match op.as_str() {
        "add" => match get("role").parse::<Role>() {
            Ok(r) => Some(r),
            Err(_) => return refuse("请选择角色 (role)。").await,
        },
        _ => None,
    };
    let (d, actor, op2) = (desk.clone(), format!("desk:{}", s.user), op.clone());
    let done = blocking(&desk, move || {
        let c = match (op2.as_str(), role) {
            ("add", Some(role)) => Change::Add {
                name: &name,
                role,
                password: &password,
            },
            ("remove", _) => Change::Remove { name: &name },
            ("disable", _) => Change::Disable { name: &name },
            ("enable", _) => Change::Enable { name: &name },
            ("password", _) => Change::Password {
                name: &name,
                password: &password,
            },
            ("token", _) => Change::Token { name: &name },
            ("revoke", _) => Change::RevokeToken { name: &name },
            _ => return None,
        };
        Some((name.clone(), users::change(&d.office, &actor, c)))
    })
    .await;
    let (name, result) = match done {
        Ok(Some(x)) => x,
        Ok(None) => return refuse("未知的操作 (unknown operation)。").await,
        Err(r) => return r,
    };
    match result {
        Err(e) => refuse(&format!("{e}。{}", e.remedy())).await,
        Ok(c) if c.unrecorded.is_some() => {
            error_page(
                &desk,
                Some(&s),
                StatusCode::SERVICE_UNAVAILABLE,
                "已修改，但未记入审计记录 (change not recorded)",
                "账户已按要求修改，但审计记录写不进去：请检查办公室目录 .anjuan/ 的权限与磁盘空间，并运行 anjuan audit verify。",
            )
        }
        Ok(c) => match c.changed {
            // A token is shown once, on this answer, never stored.
            Changed::Token(t) => users_page(&desk, &s, StatusCode::OK, None, None, Some((name, t))).await,
            _ => see_other(&format!("/users?done={op}")),
        },
    }
}

#[derive(Serialize)]
struct AuditRow {
    seq: u64,
    time: String,
    actor: String,
    action: String,
    target: String,
    detail: String,
}

#[derive(Deserialize)]
pub(crate) struct AuditQuery {
    q: Option<String>,
}

/// Lines shown at most (newest first); the whole trail is checked.
const AUDIT_SHOWN: usize = 500;

pub(crate) async fn audit_page(
    State(desk): Shared,
    headers: HeaderMap,
    q: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let s = match need(&desk, &headers, "/audit", Action::ViewAudit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let filter = q
        .ok()
        .and_then(|Query(a)| a.q)
        .unwrap_or_default()
        .trim()
        .to_string();
    let d = desk.clone();
    let read = blocking(&desk, move || {
        let verified = audit::verify(&d.office)?;
        let entries = audit::read(&d.office)?;
        Ok::<_, audit::AuditError>((verified, entries))
    })
    .await;
    let (verified, entries) = match read {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => {
            return error_page(
                &desk,
                Some(&s),
                StatusCode::SERVICE_UNAVAILABLE,
                "无法读取审计记录 (cannot read the audit trail)",
                &format!("{e}。{}", e.remedy()),
            )
        }
        Err(r) => return r,
    };
    let total = entries.len();
    let rows: Vec<AuditRow> = entries
        .into_iter()
        .rev()
        .filter(|e| {
            filter.is_empty()
                || [&e.actor, &e.action, &e.target, &e.detail]
                    .iter()
                    .any(|f| f.contains(filter.as_str()))
        })
        .take(AUDIT_SHOWN)
        .map(|e| AuditRow {
            seq: e.seq,
            time: e.time.replace('T', " "),
            actor: e.actor,
            action: e.action,
            target: e.target,
            detail: e.detail,
        })
        .collect();
    let problems: Vec<String> = verified
        .problems
        .iter()
        .map(|p| format!("第 {} 行 (line {}): {}", p.line(), p.line(), p.message()))
        .collect();
    let mut c = base(&desk, Some(&s), "/audit");
    c.insert("rows", &rows);
    c.insert("total", &total);
    c.insert("shown_max", &AUDIT_SHOWN);
    c.insert("filter", &filter);
    c.insert("intact", &verified.intact());
    c.insert("problems", &problems);
    c.insert("head", &verified.head_hash.unwrap_or_default());
    render(&desk, StatusCode::OK, "audit.html", &c)
}
