//! `ledger import`: rows of a 台账 spreadsheet → case files.
//!
//! Every row is read cell by cell ([`Entry::parse`]), turned into a case and
//! validated with the same rules as a case file ([`crate::case::validate`]);
//! every problem names the file, sheet, row and column. A row whose case file
//! already exists must agree with it (the file holds more than the ledger
//! shows); agreeing rows are left alone. With `update`, the ledger's working
//! columns ([`UPDATABLE`]: who is responsible, the class, measures, target date,
//! progress, remarks) may differ: they are written into the file with
//! `toml_edit`, keeping its comments and layout, and the edited file must pass
//! the checks it passed before. Nothing is written unless every row passed, or
//! with `keep_going` the good rows are written; every file is first written to
//! one staging folder inside the cases folder (so a failure or a kill while
//! writing leaves no case file, and at most that one folder), then each is
//! renamed into place: a new file never over an existing one, an updated file
//! only over the bytes it was planned from.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::columns::{ColumnMap, Field};
use super::entry::{Cell, Entry};
use super::sheet::{self, Row, SheetError, Table};
use crate::case::{self, validate, Case, Rules};
use crate::diag::{Diagnostic, FieldPath, Seg, Severity};

/// Problems that stop an import before any row is judged.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error(
        "{file}: {}缺少必需的列：{missing}（表头在第 {header_row} 行）",
        sheet::sheet_label(sheet)
    )]
    MissingColumns {
        file: String,
        sheet: String,
        header_row: usize,
        missing: String,
    },
    #[error("{0}")]
    Config(String),
    #[error("无法读取案件目录 {path}: {message}")]
    Cases { path: PathBuf, message: String },
    #[error("无法写入 {path} (cannot write): {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} 在导入期间被修改 (changed while importing)，未写入任何文件")]
    Changed { path: PathBuf },
}

impl ImportError {
    pub fn remedy(&self) -> &'static str {
        match self {
            ImportError::Sheet(e) => e.remedy(),
            ImportError::MissingColumns { .. } => {
                "表头用台账列名（案件编号、登记日期、信访形式、信访人、问题类别、诉求内容），或在 anjuan.toml 的 [ledger.columns] 中写明本单位的列名，如 \"来访日期\" = \"received\""
            }
            ImportError::Config(_) => "改正 anjuan.toml 的 [ledger.columns]",
            ImportError::Cases { .. } => "检查案件目录的权限，或换一个目录",
            ImportError::Write { .. } => "检查磁盘空间和目录权限；未写入任何文件",
            ImportError::Changed { .. } => "确认没有别人在编辑该案件文件后重新导入",
        }
    }
}

/// The ledger's working columns: what `--update` may write into an existing
/// case file. The rest (identity, dates, the matter, 销号) is the case's
/// history, recorded with its papers, and must agree.
pub const UPDATABLE: &[Field] = &[
    Field::Unit,
    Field::Leader,
    Field::Handler,
    Field::Class,
    Field::Measures,
    Field::Due,
    Field::Progress,
    Field::Remarks,
];

/// The columns a row needs to make a case.
pub const REQUIRED: &[Field] = &[
    Field::Id,
    Field::Received,
    Field::Channel,
    Field::Petitioner,
    Field::Category,
    Field::Claim,
];

/// The remedy for a 销号 row whose case has no record of the steps before it.
const CLOSED_HINT: &str = "台账不记载受理、办理、送达等环节，已销号的案件须有这些记录才能建档：先把该行作为在办案件导入（清空销号各列），在案件文件中补录后再结案；或用 --keep-going 先导入其余各行";

/// One problem with one cell of one row.
#[derive(Clone, Debug)]
pub struct Problem {
    /// `file: 工作表“S”第 N 行 D 列“责任单位”（单元格 D6）` (see [`Table::locate`]).
    pub at: String,
    pub line: usize,
    /// The cell's column letter (`D`), when the sheet has the field's column.
    pub column: Option<String>,
    pub field: Field,
    pub severity: Severity,
    pub code: String,
    pub message: String,
    pub hint: String,
}

/// What an import will do (or did).
#[derive(Debug, Default)]
pub struct Plan {
    pub file: String,
    pub sheet: String,
    pub header_row: usize,
    /// Data rows read (blank rows and notes under the table skipped).
    pub rows: usize,
    /// New case files to write: path, case, sheet row.
    pub new: Vec<(PathBuf, Case, usize)>,
    /// Rows whose case file exists and agrees with the ledger.
    pub unchanged: Vec<String>,
    /// Existing case files the ledger updates (`update` only).
    pub updates: Vec<Update>,
    /// Sheet rows with at least one error.
    pub failed: Vec<usize>,
    /// Errors (blocking) and warnings, by row then column.
    pub problems: Vec<Problem>,
    /// Header cells the map does not know (column letter, header), and
    /// columns naming a field an earlier column already gave: not read.
    pub ignored: Vec<(String, String, Option<Field>)>,
    /// Open statutory steps already past their limit in the new cases (not
    /// blocking: the ledger records what happened; `anjuan deadlines` lists them).
    pub overdue: usize,
}

/// An existing case file whose working columns the ledger changes.
#[derive(Debug)]
pub struct Update {
    pub path: PathBuf,
    /// The sheet row.
    pub line: usize,
    /// The file as read; it is replaced only if it still holds these bytes.
    pub before: String,
    pub after: String,
    /// Each changed column: the file's value, the ledger's.
    pub changes: Vec<(Field, String, String)>,
}

impl Plan {
    pub fn errors(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count()
    }
}

/// Reads the ledger and judges every row against the rules and `cases_dir`.
pub fn plan(
    ledger: &Path,
    cases_dir: &Path,
    rules: &Rules,
    sheet_name: Option<&str>,
    update: bool,
) -> Result<Plan, ImportError> {
    let cfg = rules.config;
    let map = ColumnMap::with(&cfg.ledger.columns).map_err(ImportError::Config)?;
    let sheet_name = sheet_name.or(cfg.ledger.sheet.as_deref());
    let table = sheet::read(ledger, sheet_name, &map)?;
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|f| table.column(**f).is_none())
        .map(|f| f.zh())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns {
            file: table.file.clone(),
            sheet: table.sheet.clone(),
            header_row: table.header_row,
            missing: missing.join("、"),
        });
    }
    let existing = existing_cases(cases_dir)?;
    let mut plan = Plan {
        file: table.file.clone(),
        sheet: table.sheet.clone(),
        header_row: table.header_row,
        ..Plan::default()
    };
    for (i, (header, field)) in table.columns.iter().enumerate() {
        let earlier = field.and_then(|f| table.column(f)).filter(|c| *c < i);
        if (field.is_none() && !header.is_empty()) || earlier.is_some() {
            plan.ignored
                .push((sheet::col_name(i), header.clone(), earlier.and(*field)));
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        if is_blank(&table, row) {
            continue;
        }
        plan.rows += 1;
        let mut problems = Vec::new();
        let mut push = |field: Field, severity, code: &str, message: String, hint: String| {
            problems.push(Problem {
                at: table.locate(row, field),
                line: row.line,
                column: table.column(field).map(sheet::col_name),
                field,
                severity,
                code: code.to_string(),
                message,
                hint,
            })
        };
        match Entry::parse(&table, row) {
            Err(errs) => {
                for e in errs {
                    push(e.field, Severity::Error, "cell", e.message, e.hint);
                }
            }
            Ok(entry) => {
                if let Some(first) = seen.insert(entry.id.clone(), row.line) {
                    push(
                        Field::Id,
                        Severity::Error,
                        "duplicate-case",
                        format!("案件编号与第 {first} 行重复 (duplicate case number)"),
                        "每件案件一行、一个编号".into(),
                    );
                } else if let Some((path, old)) = existing.get(&entry.id) {
                    let old_cells = Entry::of(old).cells();
                    let new_cells = entry.cells();
                    let mut changes = Vec::new();
                    let mut blocked = false;
                    for f in Field::ALL {
                        let (a, b) = (cell(&old_cells, *f), cell(&new_cells, *f));
                        if a == b {
                            continue;
                        }
                        if update && UPDATABLE.contains(f) {
                            changes.push((*f, a, b));
                            continue;
                        }
                        let hint = if UPDATABLE.contains(f) {
                            "案件文件是正式记录，导入不覆盖：加 --update 把台账的这一列写入案件文件，或在案件文件中修改后重新导出台账"
                        } else {
                            "案件文件是正式记录，这一列只能在案件文件中修改（随文书记录）；改后重新导出台账，或把台账改回文件中的值"
                        };
                        blocked = true;
                        push(
                            *f,
                            Severity::Error,
                            "differs",
                            format!(
                                "与案件文件 {} 不一致 (differs from the case file)：文件中为“{a}”，台账中为“{b}”",
                                path.display()
                            ),
                            hint.into(),
                        );
                    }
                    if changes.is_empty() {
                        if !blocked {
                            plan.unchanged.push(entry.id.clone());
                        }
                    } else if !blocked {
                        match updated(path, old, &entry, &changes, rules) {
                            Ok(after) => plan.updates.push(Update {
                                path: path.clone(),
                                line: row.line,
                                before: after.0,
                                after: after.1,
                                changes,
                            }),
                            Err(found) => {
                                for (field, severity, code, message, hint) in found {
                                    push(field, severity, &code, message, hint);
                                }
                            }
                        }
                    }
                } else {
                    let case = entry.to_case();
                    let mut overdue = 0;
                    for d in validate::validate(&case, rules) {
                        if d.code == "overdue" {
                            overdue += 1;
                            continue;
                        }
                        let field = field_of(&d);
                        let hint = if d.code == "prerequisite"
                            && matches!(
                                field,
                                Field::StruckOff | Field::StruckOffBasis | Field::StruckOffDate
                            ) {
                            CLOSED_HINT.to_string()
                        } else {
                            d.hint.clone().unwrap_or_default()
                        };
                        push(field, d.severity, d.code, d.message.clone(), hint);
                    }
                    let path = cases_dir.join(format!("{}.toml", entry.id));
                    if path.exists() {
                        push(
                            Field::Id,
                            Severity::Error,
                            "exists",
                            format!(
                                "{} 已存在，但不是案件 {} 的有效案件文件",
                                path.display(),
                                entry.id
                            ),
                            "先用 anjuan check 改正该文件，或把它移走".into(),
                        );
                    }
                    if !problems.iter().any(|p| p.severity == Severity::Error) {
                        plan.new.push((path, case, row.line));
                        plan.overdue += overdue;
                    }
                }
            }
        }
        if problems.iter().any(|p| p.severity == Severity::Error) {
            plan.failed.push(row.line);
        }
        problems.sort_by_key(|p| table.column(p.field));
        plan.problems.extend(problems);
    }
    Ok(plan)
}

/// A finding about a row: column, severity, code, message, remedy.
type Finding = (Field, Severity, String, String, String);

/// The case file with the row's changed working columns written in, as
/// (before, after). The edited file must read back as a case whose ledger row
/// is the sheet's, and must pass the checks: a finding the file did not have
/// before is reported at the column that caused it.
fn updated(
    path: &Path,
    old: &Case,
    entry: &Entry,
    changes: &[(Field, String, String)],
    rules: &Rules,
) -> Result<(String, String), Vec<Finding>> {
    let fail = |f: Field, message: String| {
        vec![(
            f,
            Severity::Error,
            "update".to_string(),
            message,
            "先用 anjuan check 检查该案件文件，或在案件文件中手工修改这一项".to_string(),
        )]
    };
    let first = changes.first().map_or(Field::Id, |c| c.0);
    let before = std::fs::read_to_string(path)
        .map_err(|e| fail(first, format!("无法读取 {}: {e}", path.display())))?;
    let mut doc: toml_edit::DocumentMut = before
        .parse()
        .map_err(|e| fail(first, format!("{}: {e}", path.display())))?;
    for (f, _, _) in changes {
        set_field(&mut doc, *f, entry).map_err(|m| fail(*f, format!("{}: {m}", path.display())))?;
    }
    let after = doc.to_string();
    let case: Case = toml::from_str(&after).map_err(|e| {
        fail(
            first,
            format!(
                "写入后 {} 无法读取 (unreadable after the update): {e}",
                path.display()
            ),
        )
    })?;
    let (want, got) = (entry.cells(), Entry::of(&case).cells());
    for (f, _, b) in changes {
        let now = cell(&got, *f);
        if now != cell(&want, *f) {
            return Err(fail(
                *f,
                format!("写入后文件中为“{now}”，与台账的“{b}”不符 (update did not take)"),
            ));
        }
    }
    let had: HashSet<(&str, FieldPath)> = validate::validate(old, rules)
        .into_iter()
        .map(|d| (d.code, d.path))
        .collect();
    let found: Vec<Finding> = validate::validate(&case, rules)
        .into_iter()
        .filter(|d| d.code != "overdue" && !had.contains(&(d.code, d.path.clone())))
        .map(|d| {
            (
                field_of(&d),
                d.severity,
                d.code.to_string(),
                d.message,
                d.hint.unwrap_or_default(),
            )
        })
        .collect();
    if found.iter().any(|f| f.1 == Severity::Error) {
        return Err(found);
    }
    Ok((before, after))
}

/// Writes one working column of the row into the case file's TOML, keeping
/// the comment after the value it replaces; an empty optional cell removes
/// the key. `[responsibility]` is made when the file has none.
fn set_field(doc: &mut toml_edit::DocumentMut, f: Field, entry: &Entry) -> Result<(), String> {
    use toml_edit::Value;
    let duty = entry.duty.as_ref();
    let text = |s: Option<&String>| s.filter(|s| !s.is_empty()).map(|s| Value::from(s.as_str()));
    let (key, new): (&str, Option<Value>) = match f {
        Field::Unit => (
            "unit",
            Some(Value::from(duty.map_or("", |d| d.unit.as_str()))),
        ),
        Field::Leader => (
            "leader",
            Some(Value::from(duty.map_or("", |d| d.leader.as_str()))),
        ),
        Field::Handler => (
            "handler",
            Some(Value::from(duty.map_or("", |d| d.handler.as_str()))),
        ),
        Field::Class => (
            "class",
            duty.and_then(|d| d.class).map(|c| Value::from(c.zh())),
        ),
        Field::Measures => ("measures", text(duty.and_then(|d| d.measures.as_ref()))),
        Field::Progress => ("progress", text(duty.and_then(|d| d.progress.as_ref()))),
        Field::Due => (
            "due",
            match duty.and_then(|d| d.due) {
                Some(d) => Some(Value::from(
                    d.to_string()
                        .parse::<toml_edit::Datetime>()
                        .map_err(|e| e.to_string())?,
                )),
                None => None,
            },
        ),
        Field::Remarks => ("remarks", text(entry.remarks.as_ref())),
        other => return Err(format!("“{}”不能由台账更新", other.zh())),
    };
    let table: &mut dyn toml_edit::TableLike = if f == Field::Remarks {
        doc.as_table_mut()
    } else {
        doc.as_table_mut()
            .entry("responsibility")
            .or_insert_with(toml_edit::table)
            .as_table_like_mut()
            .ok_or("responsibility 不是表 (not a table)")?
    };
    match new {
        None => {
            table.remove(key);
        }
        Some(mut v) => match table.get_mut(key).and_then(|i| i.as_value_mut()) {
            Some(old) => {
                *v.decor_mut() = old.decor().clone();
                *old = v;
            }
            None => {
                table.insert(key, toml_edit::Item::Value(v));
            }
        },
    }
    Ok(())
}

fn cell(m: &BTreeMap<Field, Cell>, f: Field) -> String {
    match m.get(&f) {
        None | Some(Cell::Empty) => String::new(),
        Some(Cell::Text(s)) => s.clone(),
        Some(Cell::Date(d)) => d.to_string(),
        Some(Cell::Number(n)) => n.to_string(),
    }
}

/// A row with nothing in the columns a case is made of (blank lines, a
/// `制表人：` note under the table).
fn is_blank(table: &Table, row: &Row) -> bool {
    Field::ALL
        .iter()
        .filter(|f| !f.derived() && **f != Field::No && **f != Field::Remarks)
        .all(|f| table.get(row, *f).is_empty())
}

/// The ledger column a finding about the record belongs to.
fn field_of(d: &Diagnostic) -> Field {
    let path = d.anchor.as_ref().unwrap_or(&d.path);
    let keys: Vec<&str> = path
        .0
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect();
    match keys.as_slice() {
        ["arrival", "received", ..] => Field::Received,
        ["arrival", "assignment", "number", ..] => Field::AssignNo,
        ["arrival", "assignment", "date", ..] => Field::AssignDate,
        ["arrival", "assignment", ..] => Field::AssignBody,
        ["arrival", ..] => Field::Channel,
        ["petitioners", "id_number" | "sex" | "id_type", ..] => Field::IdNumber,
        ["petitioners", "phone", ..] => Field::Phone,
        ["petitioners", "address", ..] => Field::Address,
        ["petitioners", ..] => Field::Petitioner,
        ["matter", "category", ..] => Field::Category,
        ["matter", "summary", ..] => Field::Summary,
        ["matter", ..] => Field::Claim,
        ["responsibility", "unit", ..] => Field::Unit,
        ["responsibility", "leader", ..] => Field::Leader,
        ["responsibility", "class", ..] => Field::Class,
        ["responsibility", "measures", ..] => Field::Measures,
        ["responsibility", "due", ..] => Field::Due,
        ["responsibility", "progress", ..] => Field::Progress,
        ["responsibility", ..] => Field::Handler,
        ["close", "date", ..] => Field::StruckOffDate,
        ["close", "basis" | "note", ..] => Field::StruckOffBasis,
        ["close", ..] => Field::StruckOff,
        ["remarks", ..] => Field::Remarks,
        _ => Field::Id,
    }
}

/// The cases already in the folder, by case number.
fn existing_cases(dir: &Path) -> Result<HashMap<String, (PathBuf, Case)>, ImportError> {
    let mut out = HashMap::new();
    if !dir.exists() {
        return Ok(out);
    }
    let err = |message: String| ImportError::Cases {
        path: dir.to_path_buf(),
        message,
    };
    let files = case::collect_files(&[dir.to_path_buf()]).map_err(|e| err(e.to_string()))?;
    for f in files {
        // A file that does not parse cannot be compared; a row naming its
        // path is refused when it comes (`exists`).
        if let Ok(Ok(cf)) = case::load(&f) {
            out.insert(cf.case.id.trim().to_string(), (f, cf.case));
        }
    }
    Ok(out)
}

/// Runs a ledger file through `ledger import` without writing anything: reading
/// the sheet, every row's cells, validating each new case, printing each problem
/// (masked), and the text of each new case file read back as a case. `cases_dir`
/// holds the existing case files rows are compared with (it may be absent).
/// Returns how many problems were printed.
///
/// For the `ledger_csv` fuzz target and its replay test: whatever the bytes,
/// this must return, never panic, overflow the stack or hang.
pub fn exercise(ledger: &Path, cases_dir: &Path) -> usize {
    let config = crate::config::Config::builtin();
    let rules = Rules {
        config: &config,
        config_is_real: false,
        calendar: config.calendar(),
        as_of: crate::case::date::Date::from_ymd(2026, 11, 21)
            .unwrap_or_else(crate::case::date::Date::today),
        root: None,
    };
    let plan = match plan(ledger, cases_dir, &rules, None, false) {
        Ok(p) => p,
        Err(e) => return usize::from(!e.to_string().is_empty()),
    };
    let mut printed = 0;
    for p in &plan.problems {
        printed +=
            usize::from(!crate::case::idnum::mask_text(&p.message).is_empty() || !p.at.is_empty());
    }
    for (path, case, _) in &plan.new {
        if let Ok(text) = case_text(case) {
            let src =
                crate::source::Source::from_text(path.clone(), text, crate::source::Format::Toml);
            let _ = src.parse::<Case>();
        }
    }
    printed
}

/// The text of a new case file.
pub fn case_text(case: &Case) -> Result<String, toml::ser::Error> {
    Ok(format!(
        "# 由台账导入（anjuan ledger import）。补录受理、办理、送达等信息后即可生成文书；字段说明：anjuan schema\n{}",
        toml::to_string(case)?
    ))
}

/// Writes the plan: every new and updated case file first into one staging
/// folder inside `cases_dir` ([`TempDir`](crate::fsutil::TempDir): same file
/// system, so the renames are atomic; a killed run leaves at most that folder,
/// which the next run's sweep removes), each synced; then, if no file to update
/// has changed since it was read, renames them into place (a new file never over
/// an existing one) and removes the folder. Returns (written, updated).
pub fn write(plan: &Plan, cases_dir: &Path) -> Result<(usize, usize), ImportError> {
    use crate::fsutil;
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ImportError::Write { path, source }
    };
    if plan.new.is_empty() && plan.updates.is_empty() {
        return Ok((0, 0));
    }
    std::fs::create_dir_all(cases_dir).map_err(werr(cases_dir))?;
    let mut texts = Vec::with_capacity(plan.new.len() + plan.updates.len());
    for (path, case, _) in &plan.new {
        let text = case_text(case).map_err(|e| ImportError::Write {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        texts.push((path, text, false));
    }
    for u in &plan.updates {
        texts.push((&u.path, u.after.clone(), true));
    }
    let stage = fsutil::TempDir::new_in(cases_dir).map_err(werr(cases_dir))?;
    let mut staged = Vec::with_capacity(texts.len());
    for (i, (path, text, replace)) in texts.into_iter().enumerate() {
        let tmp = stage.path().join(format!("{i}.toml"));
        fsutil::write_new(&tmp, text.as_bytes()).map_err(werr(path))?;
        staged.push((tmp, path, replace));
    }
    for u in &plan.updates {
        if std::fs::read_to_string(&u.path).ok().as_deref() != Some(u.before.as_str()) {
            return Err(ImportError::Changed {
                path: u.path.clone(),
            });
        }
    }
    let (mut written, mut updated) = (0, 0);
    for (tmp, path, replace) in staged {
        let moved = if replace {
            std::fs::rename(&tmp, path)
        } else {
            fsutil::rename_noclobber(&tmp, path)
        };
        match moved {
            Ok(()) => {}
            // A case file in a subfolder on another file system: written beside it.
            Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
                let bytes = std::fs::read(&tmp).map_err(werr(&tmp))?;
                let dir = path.parent().unwrap_or(cases_dir);
                let t = fsutil::TempFile::new_in(dir).map_err(werr(dir))?;
                std::io::Write::write_all(&mut t.file(), &bytes).map_err(werr(path))?;
                t.file().sync_all().map_err(werr(path))?;
                t.persist(path, replace).map_err(werr(path))?;
            }
            Err(e) => return Err(werr(path)(e)),
        }
        if replace {
            updated += 1;
        } else {
            written += 1;
        }
    }
    // Best effort: every file is in place; a folder left over is swept next time.
    drop(stage);
    Ok((written, updated))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        let case: Case = toml::from_str(include_str!(
            "../../examples/demo-office/cases/XF-2026-0007.toml"
        ))
        .unwrap();
        Entry::of(&case)
    }

    fn edit(text: &str, entry: &Entry, fields: &[Field]) -> String {
        let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
        for f in fields {
            set_field(&mut doc, *f, entry).unwrap();
        }
        doc.to_string()
    }

    #[test]
    fn a_replaced_value_keeps_its_comment_and_its_neighbours() {
        let mut e = entry();
        let d = e.duty.as_mut().unwrap();
        d.measures = Some("新的措施".into());
        d.progress = Some("一\n二".into());
        let text = "[responsibility] # 责任\nunit = \"甲\"   # 责任单位\nmeasures = \"旧\"   # 措施\n\n[close]\n";
        let out = edit(text, &e, &[Field::Measures, Field::Progress]);
        assert!(out.contains("measures = \"新的措施\"   # 措施\n"), "{out}");
        assert!(out.contains("unit = \"甲\"   # 责任单位\n"), "{out}");
        assert!(out.starts_with("[responsibility] # 责任\n"), "{out}");
        let v: toml::Value = toml::from_str(&out).unwrap();
        assert_eq!(v["responsibility"]["progress"].as_str(), Some("一\n二"));
        assert!(v.get("close").is_some());
    }

    #[test]
    fn an_empty_cell_removes_an_optional_key_and_inline_tables_are_edited_in_place() {
        let mut e = entry();
        let d = e.duty.as_mut().unwrap();
        d.measures = None;
        d.due = Some(crate::case::date::Date::parse("2026-12-01").unwrap());
        let text = "id = \"X\"\nresponsibility = { unit = \"甲\", measures = \"旧\" }\n";
        let out = edit(text, &e, &[Field::Measures, Field::Due]);
        let v: toml::Value = toml::from_str(&out).unwrap();
        let r = &v["responsibility"];
        assert!(r.get("measures").is_none(), "{out}");
        assert_eq!(r["due"].as_datetime().unwrap().to_string(), "2026-12-01");
        assert!(out.contains("responsibility = {"), "still inline: {out}");
    }

    #[test]
    fn history_columns_cannot_be_set() {
        let mut doc: toml_edit::DocumentMut = "id = \"X\"\n".parse().unwrap();
        assert!(set_field(&mut doc, Field::Claim, &entry()).is_err());
        assert!(!UPDATABLE.contains(&Field::Claim));
    }
}
