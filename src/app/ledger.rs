//! The ledger and report commands: `ledger import`, `ledger export`, `report`;
//! the ledger commands call `office::ledger` and print what was done.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{bars::Bars, office_and_files, render_options, rules, AppError, Outcome};
use crate::case::date::Date;
use crate::case::Case;
use crate::cli::LookOptions;
use crate::diag::terminal_text as mask_text;
use crate::fsutil::write_atomic;
use crate::ledger::stats;
use crate::office::ledger::{self as ledgers, ExportOptions, ImportOptions};
use crate::render::Renderer;

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

/// The report's file names: `信访工作情况报告-2026.pdf` / `.json`.
pub fn report_names(year: i32) -> (String, String) {
    (
        format!("信访工作情况报告-{year}.pdf"),
        format!("信访工作情况报告-{year}.json"),
    )
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
    let (loaded, files) = office_and_files(config, paths)?;
    // Default: the office's 报告/ folder (the current folder without an office).
    let default_out = super::office_place(&loaded, Path::new("报告"), ".");
    let output = output.unwrap_or(&default_out);
    let (pdf_name, json_name) = report_names(year);
    let (pdf_path, json_path) = (output.join(&pdf_name), output.join(&json_name));
    for p in [&pdf_path, &json_path] {
        if p.exists() && !force {
            return Err(AppError::Exists(p.clone()));
        }
    }
    let year_end = Date::from_ymd(year, 12, 31).ok_or(AppError::Year(year))?;
    let as_of = as_of
        .or(loaded.config.calendar.as_of)
        .unwrap_or_else(|| Date::today().min(year_end));
    let rules = rules(&loaded, Some(as_of));
    let cases = crate::office::ledger::load_all(&files, &|e| Bars::new().event(e))?;
    let refs: Vec<&Case> = cases.iter().collect();
    let cfg = &loaded.config;
    let s = stats::compute(
        &refs,
        &cfg.office.name,
        year,
        &rules.calendar,
        as_of,
        i64::from(cfg.calendar.warn_days),
    );
    let renderer = Renderer::new(cfg, &loaded.root(), &render_options(&loaded, look, None))?;
    let ctx = serde_json::json!({
        "office": crate::archive::pack::office_context(cfg),
        "date": as_of,
        "s": s,
    });
    let doc = crate::render::Doc {
        owner: cfg.office.name.clone(),
        paper: "信访工作情况报告".into(),
        template: "ledger-report.typ".into(),
        file: pdf_name,
        date: as_of,
    };
    let out = renderer.render_doc(&doc, &ctx)?;
    let figures = serde_json::to_string_pretty(&s).map_err(std::io::Error::other)? + "\n";
    write_atomic(&json_path, figures.as_bytes())?;
    write_atomic(&pdf_path, &out.pdf)?;
    if json {
        let doc = crate::office::output::YearReport {
            schema: "anjuan-report/1".into(),
            year,
            pdf: pdf_path.display().to_string(),
            figures: json_path.display().to_string(),
            cases: s.totals.cases,
            accepted: s.totals.accepted,
            refused: s.totals.refused,
            closed: s.totals.closed,
            open: s.totals.open,
            overdue: s.totals.overdue,
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(Outcome::Clean);
    }
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
    println!("报告 (report): {}", pdf_path.display());
    println!("数据 (figures): {}", json_path.display());
    if s.totals.cases == 0 {
        eprintln!("警告：{year} 年度没有登记的案件 (no cases registered in {year})");
    }
    Ok(Outcome::Clean)
}
