//! `anjuan new case`: gathers the answers (options, or the terminal for what is
//! missing), calls `office::new_case`, prints the result.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::Path;

use super::{load_config, rules, AppError, Outcome};
use crate::case::date::Date;
use crate::cli::NewCaseArgs;
use crate::office::new_case::{self, NewCase, NewCaseError, NewPetitioner};
use crate::office::output::NewCaseReport;

/// Asks on the terminal; `None` when there is no terminal or the answer is empty.
fn ask(prompt: &str) -> Option<String> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    eprint!("{prompt}：");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    Some(line.trim().to_string()).filter(|s| !s.is_empty())
}

fn need(v: Option<String>, prompt: &str, what: &'static str) -> Result<String, AppError> {
    v.filter(|s| !s.trim().is_empty())
        .or_else(|| ask(prompt))
        .ok_or(AppError::NewCase(NewCaseError::Missing(what)))
}

pub(super) fn new_case(office: &Path, a: NewCaseArgs, json: bool) -> Result<Outcome, AppError> {
    let loaded = load_config(None, &[office.to_path_buf()])?;
    let rules = rules(&loaded, None);
    let cfg = &loaded.config;
    let channel = need(
        a.channel,
        "信访形式（来信/来访/网上/电话/交办/转送）",
        "--channel 信访形式",
    )?;
    let received = match a.received {
        Some(d) => d,
        None => {
            let s = need(None, "收到日期（如 2026-11-20）", "--received 收到日期")?;
            Date::parse(&s).ok_or(AppError::NewCase(NewCaseError::Missing(
                "--received 收到日期（YYYY-MM-DD）",
            )))?
        }
    };
    let mut names = a.petitioner;
    if names.is_empty() {
        names.push(need(None, "信访人姓名", "--petitioner 信访人姓名")?);
    }
    let one = names.len() == 1;
    let petitioners = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let pick = |v: &Vec<String>, prompt: &str| {
                v.get(i)
                    .cloned()
                    .or_else(|| if one { ask(prompt) } else { None })
            };
            NewPetitioner {
                name: n.clone(),
                id_number: pick(&a.id_number, "身份证号码（可空）"),
                phone: pick(&a.phone, "联系电话（可空）"),
                address: pick(&a.address, "住址（可空）"),
            }
        })
        .collect();
    let summary = need(a.summary, "信访事项摘要", "--summary 信访事项摘要")?;
    let mut requests = a.request;
    if requests.is_empty() {
        while let Some(r) = ask(&format!("诉求{}（空行结束）", requests.len() + 1)) {
            requests.push(r);
        }
    }
    if requests.is_empty() {
        return Err(AppError::NewCase(NewCaseError::Missing("--request 诉求")));
    }
    let category = need(
        a.category,
        &format!("问题分类（{}）", cfg.categories.join("/")),
        "--category 问题分类",
    )?;
    let c = NewCase {
        channel,
        received: Some(received),
        petitioners,
        summary,
        requests,
        category,
        place: a.place,
        registry_no: a.registry_no,
        assignment: match (a.assigned_by, a.assignment_no, a.assignment_date) {
            (Some(b), Some(n), Some(d)) => Some((b, n, d)),
            _ => None,
        },
        registered_by: a.registered_by.or_else(|| cfg.office.contact.clone()),
    };
    let cases_dir = loaded.root().join("cases");
    match new_case::create(&cases_dir, &c, &rules) {
        Ok(done) => {
            super::audit::note(
                &loaded,
                crate::office::audit::AuditAction::CaseCreate,
                &done.id,
                &format!(
                    "登记 {} {} {}，文件 {}",
                    c.channel,
                    received,
                    c.category,
                    done.path.file_name().unwrap_or_default().to_string_lossy()
                ),
            );
            if json {
                let doc = NewCaseReport {
                    schema: "anjuan-new-case/1".into(),
                    id: Some(done.id.clone()),
                    path: Some(done.path.display().to_string()),
                    findings: done.warnings.clone(),
                };
                println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            } else {
                for w in &done.warnings {
                    println!("{w}");
                }
                println!("已登记 (registered): {} → {}", done.id, done.path.display());
                println!(
                    "下一步 (next): 补录受理决定后 anjuan render {}；期限见 anjuan deadlines {}",
                    loaded.root().display(),
                    loaded.root().display()
                );
            }
            Ok(Outcome::Clean)
        }
        Err(NewCaseError::Invalid(found)) => {
            if json {
                let doc = NewCaseReport {
                    schema: "anjuan-new-case/1".into(),
                    id: None,
                    path: None,
                    findings: found.clone(),
                };
                println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            } else {
                for f in &found {
                    println!("{f}");
                }
                println!("未登记 (not registered): 新案件有错误，未写入任何文件");
            }
            Ok(Outcome::Invalid)
        }
        Err(e) => Err(AppError::NewCase(e)),
    }
}
