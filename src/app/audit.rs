//! `anjuan audit verify|show`, and [`note`]: how the other commands record their
//! writes in the office's audit trail (`office::audit`).

use std::path::Path;

use super::{AppError, Outcome};
use crate::cli::AuditCommand;
use crate::config::Loaded;
use crate::office::audit::{self, AuditAction, Record};

/// Records a write of this command in the office's audit trail, as `cli:<user>`.
/// A failure to record does not undo the write: it is reported on standard error
/// with what to do, and the command goes on.
pub(crate) fn note_in(office: &Path, action: AuditAction, target: &str, detail: &str) {
    let actor = audit::cli_actor();
    let r = Record {
        actor: &actor,
        action,
        target,
        detail,
    };
    if let Err(e) = audit::append(office, &r) {
        eprintln!("anjuan: 警告 (warning): 操作已完成，但未记入操作日志 (not recorded in the audit trail): {e}");
        eprintln!("    修改建议 (remedy): {}", e.remedy());
    }
}

/// [`note_in`] for a command that found an office (an anjuan.toml); nothing outside one.
pub(crate) fn note(loaded: &Loaded, action: AuditAction, target: &str, detail: &str) {
    if loaded.path.is_some() {
        note_in(&loaded.root(), action, target, detail);
    }
}

/// The office folder given: it must hold an anjuan.toml.
pub(crate) fn office_dir(office: &Path) -> Result<&Path, AppError> {
    if office.join(crate::config::FILE_NAME).is_file() {
        Ok(office)
    } else {
        Err(AppError::NotOffice(office.to_path_buf()))
    }
}

pub(super) fn audit(cmd: AuditCommand) -> Result<Outcome, AppError> {
    match cmd {
        AuditCommand::Verify {
            office,
            json,
            anchor,
        } => verify(office_dir(&office)?, json, anchor),
        AuditCommand::Show { office, last } => show(office_dir(&office)?, last),
    }
}

fn verify(office: &Path, json: bool, anchor: Option<(u64, String)>) -> Result<Outcome, AppError> {
    let mut v = audit::verify(office)?;
    if let Some((seq, hash)) = &anchor {
        v.anchor(*seq, hash);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        for p in &v.problems {
            println!("{}: {}", v.file, p.message());
        }
        if v.intact() {
            println!(
                "操作日志完整 (audit trail intact): {} 行，最新 seq {}{}",
                v.lines,
                v.head_seq,
                v.head_hash
                    .as_deref()
                    .map(|h| format!("，摘要 (head hash) {h}"))
                    .unwrap_or_default()
            );
            if let Some(h) = &v.head_hash {
                println!(
                    "    记下此锚点，下次核对末尾是否被删 (note this anchor): --anchor {}:{h}",
                    v.head_seq
                );
            }
        } else {
            println!(
                "操作日志有 {} 处问题 (audit trail damaged)：{} 行，见上；日志由 anjuan 追加写入，任何改动都会被发现",
                v.problems.len(),
                v.lines
            );
        }
    }
    Ok(if v.intact() {
        Outcome::Clean
    } else {
        Outcome::Invalid
    })
}

fn show(office: &Path, last: Option<usize>) -> Result<Outcome, AppError> {
    let entries = audit::read(office)?;
    let skip = last.map_or(0, |n| entries.len().saturating_sub(n));
    let mut out = std::io::stdout().lock();
    for e in &entries[skip..] {
        use std::io::Write as _;
        writeln!(
            out,
            "{:>5}  {}  {}  {}  {}  {}",
            e.seq,
            e.time,
            crate::diag::terminal_text(&e.actor),
            e.action,
            crate::diag::terminal_text(&e.target),
            crate::diag::terminal_text(&e.detail),
        )?;
    }
    if entries.is_empty() {
        println!("操作日志为空 (no audit entries)");
    }
    Ok(Outcome::Clean)
}
