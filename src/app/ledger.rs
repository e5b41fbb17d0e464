//! The ledger and report commands: `ledger import`, `ledger export`, `report`;
//! they call `office::ledger` and `office::report` and print what was done.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{bars::Bars, look_of, AppError, Outcome};
use crate::case::date::Date;
use crate::cli::LookOptions;
use crate::diag::terminal_text as mask_text;
use crate::office::ledger::{self as ledgers, ExportOptions, ImportOptions};
use crate::office::report::{self as reports, ReportOptions};

#[allow(clippy::too_many_arguments)]
pub(super) fn ledger_import(
    config: Option<&Path>,
    ledger: &Path,
    cases_dir: &Path,
    sheet: Option<&str>,
    keep_going: bool,
    update: bool,
    as_of: Option<Date>,
    json: bool,
) -> Result<Outcome, AppError> {
    let opts = ImportOptions {
        config: config.map(Path::to_path_buf),
        sheet: sheet.map(str::to_string),
        keep_going,
        update,
        as_of,
        actor: crate::office::audit::cli_actor(),
    };
    let bars = Bars::new();
    let imported = ledgers::import(ledger, cases_dir, &opts, &|e| bars.event(e))?;
    let plan = &imported.plan;
    let mut err = std::io::stderr().lock();
    for (col, header, dup) in &plan.ignored {
        match dup {
            Some(f) => writeln!(
                err,
                "{}: 警告 {col} 列“{header}”与前面的列都对应“{}”，只读取前一列 (duplicate column, ignored)",
                plan.file,
                f.zh()
            )?,
            None => writeln!(
                err,
                "{}: 警告 {col} 列“{header}”不是台账列，未读取 (unknown column, ignored)；如需读取，在 anjuan.toml 的 [ledger.columns] 中写 \"{header}\" = \"字段\"",
                plan.file
            )?,
        }
    }
    for p in &plan.problems {
        writeln!(
            err,
            "{}: {} [{}] {}",
            p.at,
            p.severity.zh(),
            p.code,
            mask_text(&p.message)
        )?;
        if !p.hint.is_empty() {
            writeln!(err, "    修改建议 (remedy): {}", p.hint)?;
        }
    }
    let failed = plan.failed.len();
    let outcome = if failed > 0 {
        Outcome::Invalid
    } else {
        Outcome::Clean
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&imported.report()).unwrap_or_default()
        );
        return Ok(outcome);
    }
    println!(
        "台账 {}{}（表头第 {} 行）：{} 行；新案件 {} 件，{}与案件文件一致 {} 件，有错误 {} 行",
        plan.file,
        match crate::ledger::sheet::sheet_label(&plan.sheet) {
            l if l.is_empty() => l,
            l => format!(" {l}"),
        },
        plan.header_row,
        plan.rows,
        plan.new.len(),
        if update {
            format!("更新 {} 件，", plan.updates.len())
        } else {
            String::new()
        },
        plan.unchanged.len(),
        failed
    );
    for u in &plan.updates {
        println!("更新 {}（第 {} 行）：", u.path.display(), u.line);
        for (f, a, b) in &u.changes {
            println!(
                "    {}：“{}” → “{}”",
                f.zh(),
                mask_text(&one_line(a)),
                mask_text(&one_line(b))
            );
        }
    }
    let Some((written, updated)) = imported.written else {
        println!(
            "未写入任何文件 (nothing written)：改正上列错误后重新导入，或加 --keep-going 只导入无误的行"
        );
        return Ok(Outcome::Invalid);
    };
    println!("已写入 {written} 个案件文件 → {}", cases_dir.display());
    if updated > 0 {
        println!("已更新 {updated} 个案件文件（保留原有注释与格式）");
    }
    if failed > 0 {
        let rows: Vec<String> = plan.failed.iter().map(|r| r.to_string()).collect();
        println!("未导入的行 (rows not imported)：第 {} 行", rows.join("、"));
    }
    if plan.overdue > 0 {
        println!(
            "提示：新案件中有 {} 个法定环节已超期，运行 anjuan deadlines {} 查看",
            plan.overdue,
            cases_dir.display()
        );
    }
    Ok(outcome)
}

/// A cell's text on one line, for a terminal report of a change.
fn one_line(s: &str) -> String {
    s.split('\n').map(str::trim).collect::<Vec<_>>().join(" ⏎ ")
}

pub(super) fn ledger_export(
    config: Option<&Path>,
    paths: &[PathBuf],
    output: Option<&Path>,
    as_of: Option<Date>,
    force: bool,
    mask: bool,
    json: bool,
) -> Result<Outcome, AppError> {
    let opts = ExportOptions {
        config: config.map(Path::to_path_buf),
        output: output.map(Path::to_path_buf),
        as_of,
        force,
        mask,
    };
    let bars = Bars::new();
    let done = ledgers::export(paths, &opts, &|e| bars.event(e))?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&done.report()).unwrap_or_default()
        );
        return Ok(Outcome::Clean);
    }
    println!(
        "已导出{}台账 {} 件 → {}（截至 {}：超期 {} 件，临期 {} 件，已销号 {} 件）",
        if mask { "脱敏" } else { "" },
        done.rows,
        done.path.display(),
        done.as_of,
        done.overdue,
        done.due_soon,
        done.closed
    );
    Ok(Outcome::Clean)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn report(
    config: Option<&Path>,
    paths: &[PathBuf],
    year: i32,
    output: Option<&Path>,
    as_of: Option<Date>,
    force: bool,
    json: bool,
    look: &LookOptions,
) -> Result<Outcome, AppError> {
    let opts = ReportOptions {
        config: config.map(Path::to_path_buf),
        year,
        output: output.map(Path::to_path_buf),
        as_of,
        force,
        look: look_of(look),
    };
    let bars = Bars::new();
    let done = reports::report(paths, &opts, &|e| bars.event(e))?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&done.report()).unwrap_or_default()
        );
        return Ok(Outcome::Clean);
    }
    let s = &done.stats;
    println!(
        "{year} 年度：登记 {} 件，受理 {} 件，不予受理 {} 件，已销号 {} 件，未销号 {} 件（超期 {} 件），按期办结率 {}",
        s.totals.cases,
        s.totals.accepted,
        s.totals.refused,
        s.totals.closed,
        s.totals.open,
        s.totals.overdue,
        s.on_time.rate_text
    );
    println!("报告 (report): {}", done.pdf.display());
    println!("数据 (figures): {}", done.figures.display());
    if s.totals.cases == 0 {
        eprintln!("警告：{year} 年度没有登记的案件 (no cases registered in {year})");
    }
    Ok(Outcome::Clean)
}
