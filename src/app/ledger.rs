//! The ledger and report commands: `ledger import`, `ledger export`, `report`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{load_config, office_and_files, render_options, rules, AppError, Outcome};
use crate::case::date::Date;
use crate::case::{self, Case};
use crate::cli::LookOptions;
use crate::diag::terminal_text as mask_text;
use crate::fsutil::write_atomic;
use crate::ledger::{export, import, stats};
use crate::render::Renderer;

/// Loads every case file; a file that does not parse stops the command (a
/// ledger or a report that silently leaves a case out would mislead).
fn load_all(files: &[PathBuf]) -> Result<Vec<Case>, AppError> {
    let mut cases = Vec::with_capacity(files.len());
    let mut bad = Vec::new();
    for f in files {
        match case::load(f)? {
            Ok(cf) => cases.push(cf.case),
            Err(l) => bad.push(l),
        }
    }
    if bad.is_empty() {
        return Ok(cases);
    }
    for l in &bad {
        eprintln!("{l}");
    }
    Err(AppError::Unreadable(bad.len()))
}

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
    if !ledger.is_file() {
        return Err(AppError::Read(ledger.to_path_buf()));
    }
    let loaded = load_config(config, &[cases_dir.to_path_buf()])?;
    let rules = rules(&loaded, as_of);
    // The staging folder of a killed import is in the cases folder.
    super::sweep_stale([cases_dir]);
    let plan = import::plan(ledger, cases_dir, &rules, sheet, update)?;
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
    if json {
        let written = if failed > 0 && !keep_going {
            (0, 0)
        } else {
            let w = import::write(&plan, cases_dir)?;
            note_import(&loaded, &plan, ledger);
            w
        };
        let doc = crate::office::output::LedgerImport {
            schema: "anjuan-ledger-import/1".into(),
            file: plan.file.to_string(),
            header_row: plan.header_row,
            rows: plan.rows,
            new: plan.new.len(),
            updated: plan.updates.len(),
            unchanged: plan.unchanged.len(),
            failed_rows: plan.failed.clone(),
            written: written.0 + written.1,
            problems: plan
                .problems
                .iter()
                .map(|p| crate::office::output::LedgerProblem {
                    at: p.at.to_string(),
                    severity: p.severity,
                    code: p.code.to_string(),
                    message: mask_text(&p.message),
                    remedy: p.hint.to_string(),
                })
                .collect(),
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(if failed > 0 {
            Outcome::Invalid
        } else {
            Outcome::Clean
        });
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
    if failed > 0 && !keep_going {
        println!(
            "未写入任何文件 (nothing written)：改正上列错误后重新导入，或加 --keep-going 只导入无误的行"
        );
        return Ok(Outcome::Invalid);
    }
    let (written, updated) = import::write(&plan, cases_dir)?;
    note_import(&loaded, &plan, ledger);
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
    Ok(if failed > 0 {
        Outcome::Invalid
    } else {
        Outcome::Clean
    })
}

/// Records what an import wrote: a `case.create` line per new case file and a
/// `case.edit` line per updated one, naming the fields changed (not their values).
fn note_import(loaded: &crate::config::Loaded, plan: &import::Plan, ledger: &Path) {
    use crate::office::audit::AuditAction;
    let id = |p: &Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let from = ledger
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut lines: Vec<(AuditAction, String, String)> = plan
        .new
        .iter()
        .map(|(path, _, row)| {
            (
                AuditAction::CaseCreate,
                id(path),
                format!("台账导入 {from} 第 {row} 行"),
            )
        })
        .collect();
    lines.extend(plan.updates.iter().map(|u| {
        let fields: Vec<&str> = u.changes.iter().map(|(f, _, _)| f.zh()).collect();
        (
            AuditAction::CaseEdit,
            id(&u.path),
            format!(
                "台账导入 {from} 第 {} 行，字段 {}",
                u.line,
                fields.join("、")
            ),
        )
    }));
    super::audit::note_all(loaded, &lines);
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
    let (loaded, files) = office_and_files(config, paths)?;
    let rules = rules(&loaded, as_of);
    // Default: the office's 台账/ folder, dated, the masked copy named as such.
    let name = format!(
        "台账-{}{}.xlsx",
        rules.as_of.compact(),
        if mask { "-脱敏" } else { "" }
    );
    let default_out = super::office_place(&loaded, &Path::new("台账").join(&name), &name);
    let output = output.unwrap_or(&default_out);
    if output.exists() && !force {
        return Err(AppError::Exists(output.to_path_buf()));
    }
    let cases = load_all(&files)?;
    let refs: Vec<&Case> = cases.iter().collect();
    let warn = i64::from(loaded.config.calendar.warn_days);
    let lines = export::lines(&refs, &rules.calendar, rules.as_of, warn);
    let opts = export::Options {
        office: &loaded.config.office.name,
        as_of: rules.as_of,
        categories: &loaded.config.categories,
        masked: mask,
    };
    let bytes =
        export::workbook(&lines, &opts).map_err(|e| AppError::Output(std::io::Error::other(e)))?;
    write_atomic(output, &bytes)?;
    let count = |s: &str| lines.iter().filter(|l| l.status == s).count();
    if json {
        let doc = crate::office::output::LedgerExport {
            schema: "anjuan-ledger-export/1".into(),
            path: output.display().to_string(),
            rows: lines.len(),
            masked: mask,
            as_of: rules.as_of,
            overdue: count("超期"),
            due_soon: count("临期"),
            closed: count("已销号"),
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(Outcome::Clean);
    }
    println!(
        "已导出{}台账 {} 件 → {}（截至 {}：超期 {} 件，临期 {} 件，已销号 {} 件）",
        if mask { "脱敏" } else { "" },
        lines.len(),
        output.display(),
        rules.as_of,
        count("超期"),
        count("临期"),
        count("已销号")
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
    let cases = load_all(&files)?;
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

impl From<import::ImportError> for AppError {
    fn from(e: import::ImportError) -> Self {
        AppError::Import(e)
    }
}
