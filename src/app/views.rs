//! `anjuan check` and `anjuan deadlines`: the whole office at a glance.

use super::*;

pub(super) fn check(
    config: Option<&Path>,
    paths: &[PathBuf],
    as_of: Option<Date>,
    json: bool,
) -> Result<Outcome, AppError> {
    let bars = bars::Bars::new();
    let checked = crate::office::check::check(config, paths, as_of, &|e| bars.event(e))?;
    let doc = &checked.report;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(doc).unwrap_or_default()
        )?;
    } else {
        if !checked.config_found {
            eprintln!("注意 (note): 没有找到 anjuan.toml，按内置默认配置检查；用 anjuan init 建立办公室目录，或用 --config 指定");
        }
        if let Some(d) = checked.configured_as_of {
            eprintln!("注意 (note): 按 anjuan.toml 中的演示日期 {d} 计算期限（[calendar] as_of；真实办公室请删除该行）");
        }
        for f in &doc.findings {
            writeln!(out, "{f}")?;
        }
        if !doc.findings.is_empty() {
            writeln!(out)?;
        }
        writeln!(
            out,
            "检查 {} 个文件 (files checked)：{} 个错误 (errors)，{} 个警告 (warnings)",
            doc.files, doc.errors, doc.warnings
        )?;
    }
    Ok(if doc.errors > 0 {
        Outcome::Invalid
    } else {
        Outcome::Clean
    })
}

pub(super) fn deadlines(
    config: Option<&Path>,
    paths: &[PathBuf],
    as_of: Option<Date>,
    json: bool,
) -> Result<Outcome, AppError> {
    let (loaded, files) = office_and_files(config, paths)?;
    let rules = rules(&loaded, as_of);
    if as_of.is_none() && !json {
        if let Some(d) = loaded.config.calendar.as_of {
            eprintln!("注意 (note): 按 anjuan.toml 中的演示日期 {d} 计算期限（[calendar] as_of；真实办公室请删除该行）");
        }
    }
    let found = crate::office::views::deadlines(&files, &rules)?;
    for l in &found.unreadable {
        eprintln!("{l}");
    }
    let unreadable = found.unreadable.len();
    let rows = found.rows;
    let mut out = std::io::stdout().lock();
    if json {
        let doc = crate::office::output::DeadlinesReport {
            schema: "anjuan-deadlines/1".into(),
            as_of: rules.as_of,
            open: rows,
        };
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )?;
    } else {
        writeln!(
            out,
            "截至 {} (as of)，未结案件 {} 件 (open cases)",
            rules.as_of,
            rows.len()
        )?;
        let header = [
            "状态",
            "到期日",
            "剩余",
            "案件编号",
            "信访人",
            "包案领导",
            "下一步 (next step)",
        ];
        let table: Vec<[String; 7]> = rows
            .iter()
            .map(|r| {
                [
                    r.status.to_string(),
                    r.next
                        .due
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "—".into()),
                    r.next
                        .days_left
                        .map(|d| format!("{d}日"))
                        .unwrap_or_else(|| "—".into()),
                    r.case.clone(),
                    r.petitioner.clone(),
                    r.leader.clone().unwrap_or_else(|| "—".into()),
                    match &r.next.extended {
                        Some(x) => format!(
                            "{} ({})，已延期{}日（{}批准）",
                            r.next.step, r.next.en, x.days, x.approved_on
                        ),
                        None => format!("{} ({})", r.next.step, r.next.en),
                    },
                ]
            })
            .collect();
        let mut widths = header.map(UnicodeWidthStr::width);
        for row in &table {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.width());
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                s.push_str(cell);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(w - cell.width() + 2));
                }
            }
            s
        };
        if !rows.is_empty() {
            writeln!(out, "{}", line(&header.map(String::from)))?;
            for row in &table {
                writeln!(out, "{}", line(row))?;
            }
        }
    }
    Ok(if unreadable > 0 {
        Outcome::Invalid
    } else {
        Outcome::Clean
    })
}
