//! `anjuan user add|remove|disable|enable|passwd|token|list`: the office's accounts
//! (`office::users`), each change recorded in the audit trail.

use std::path::Path;

use super::audit::office_dir;
use super::{AppError, Outcome};
use crate::cli::{PasswordOptions, UserAction};
use crate::office::users;

/// The password: from the named variable, else asked twice on the terminal.
fn password(opts: &PasswordOptions) -> Result<String, AppError> {
    match &opts.password_env {
        Some(var) => std::env::var(var)
            .map_err(|_| AppError::Password(format!("环境变量 {var} 没有设置 (not set)"))),
        None => super::ask_secret_twice("账号口令 (password): ").map_err(AppError::Password),
    }
}

pub(super) fn user(action: UserAction) -> Result<Outcome, AppError> {
    let actor = crate::office::audit::cli_actor();
    // The change, made and audited by the library; a line the trail could not
    // take is a warning (the change stands).
    let apply = |office: &Path, c: users::Change<'_>| -> Result<users::Changed, AppError> {
        let done = users::change(office, &actor, c)?;
        if let Some(e) = done.unrecorded {
            eprintln!("anjuan: 警告 (warning): 操作已完成，但未记入操作日志 (not recorded in the audit trail): {e}");
            eprintln!("    修改建议 (remedy): {}", e.remedy());
        }
        Ok(done.changed)
    };
    let user_of = |c: users::Changed| match c {
        users::Changed::User(u) => Some(u),
        _ => None,
    };
    match action {
        UserAction::Add {
            office,
            name,
            role,
            password: p,
        } => {
            let office = office_dir(&office)?;
            // The name and role first: no password is asked for a refused account.
            users::check_name(&name)?;
            let pw = password(&p)?;
            let changed = apply(
                office,
                users::Change::Add {
                    name: &name,
                    role,
                    password: &pw,
                },
            )?;
            if let Some(u) = user_of(changed) {
                println!(
                    "已添加账号 (account added): {}（{}）",
                    shown(&u.name),
                    u.role
                );
            }
        }
        UserAction::Remove { office, name } => {
            let office = office_dir(&office)?;
            if let Some(u) = user_of(apply(office, users::Change::Remove { name: &name })?) {
                println!(
                    "已删除账号 (account removed): {}（{}）",
                    shown(&u.name),
                    u.role
                );
            }
        }
        UserAction::Disable { office, name } => {
            let office = office_dir(&office)?;
            apply(office, users::Change::Disable { name: &name })?;
            println!("已停用账号 (account disabled): {}", shown(&name));
        }
        UserAction::Enable { office, name } => {
            let office = office_dir(&office)?;
            apply(office, users::Change::Enable { name: &name })?;
            println!("已启用账号 (account enabled): {}", shown(&name));
        }
        UserAction::Passwd {
            office,
            name,
            password: p,
        } => {
            let office = office_dir(&office)?;
            // An unknown name is refused before the password is asked for.
            if !users::list(office)?.iter().any(|u| u.name == name) {
                return Err(users::UserError::Unknown(shown(&name)).into());
            }
            let pw = password(&p)?;
            apply(
                office,
                users::Change::Password {
                    name: &name,
                    password: &pw,
                },
            )?;
            println!("已修改口令 (password changed): {}", shown(&name));
        }
        UserAction::Token {
            office,
            name,
            revoke,
        } => {
            let office = office_dir(&office)?;
            if revoke {
                match apply(office, users::Change::RevokeToken { name: &name })? {
                    users::Changed::Revoked(true) => {
                        println!("已收回接口令牌 (API token withdrawn): {}", shown(&name))
                    }
                    _ => println!("{} 没有接口令牌 (no API token to withdraw)", shown(&name)),
                }
            } else if let users::Changed::Token(token) =
                apply(office, users::Change::Token { name: &name })?
            {
                eprintln!(
                    "已为 {} 发放接口令牌 (API token issued)；只显示这一次，请妥善保存。旧令牌已失效。\n\
                     用法 (use): Authorization: Bearer <令牌>",
                    shown(&name)
                );
                println!("{token}");
            }
        }
        UserAction::List { office, json } => list(office_dir(&office)?, json)?,
    }
    Ok(Outcome::Clean)
}

fn shown(name: &str) -> String {
    crate::diag::terminal_text(name)
}

fn list(office: &Path, json: bool) -> Result<(), AppError> {
    let all = users::list(office)?;
    if json {
        let doc = crate::office::output::UserList {
            schema: "anjuan-user-list/1".into(),
            users: all
                .iter()
                .map(|u| crate::office::output::UserRow {
                    name: u.name.clone(),
                    role: u.role,
                    disabled: u.disabled,
                    created: u.created.clone(),
                    changed: u.changed.clone(),
                })
                .collect(),
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(());
    }
    if all.is_empty() {
        println!(
            "还没有账号 (no accounts): anjuan user add {} 姓名 --role 管理员",
            office.display()
        );
    }
    for u in &all {
        println!(
            "{}\t{}\t{}\t{}",
            shown(&u.name),
            u.role,
            if u.disabled {
                "停用 (disabled)"
            } else {
                "启用 (enabled)"
            },
            u.changed
        );
    }
    Ok(())
}
