//! `ledger import`: rows of a 台账 spreadsheet → case files.
//!
//! Every row is read cell by cell ([`Entry::parse`]), turned into a case and
//! validated with the same rules as a case file ([`crate::case::validate`]);
//! every problem names the file, sheet, row and column. A row whose case file
//! already exists must agree with it (the ledger never overwrites a case file:
//! the file holds more than the ledger shows); agreeing rows are left alone.
//! Nothing is written unless every row passed, or with `keep_going` the good
//! rows are written; every file is first written to a temporary file beside its
//! place (so a failure while writing leaves no case file), then each is renamed
//! into place, never over an existing file.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::columns::{ColumnMap, Field};
use super::entry::{Cell, Entry};
use super::sheet::{self, Row, SheetError, Table};
use crate::case::{self, validate, Case, Rules};
use crate::diag::{Diagnostic, Seg, Severity};

/// Problems that stop an import before any row is judged.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error("{file}: 工作表“{sheet}”缺少必需的列：{missing}（表头在第 {header_row} 行）")]
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
        }
    }
}

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
    /// `file: 工作表“S”第 N 行 D6 列（责任单位）`.
    pub at: String,
    pub line: usize,
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
                    for f in Field::ALL {
                        let (a, b) = (cell(&old_cells, *f), cell(&new_cells, *f));
                        if a != b {
                            push(
                                *f,
                                Severity::Error,
                                "differs",
                                format!(
                                    "与案件文件 {} 不一致 (differs from the case file)：文件中为“{a}”，台账中为“{b}”",
                                    path.display()
                                ),
                                "案件文件是正式记录，导入不覆盖：在案件文件中修改后重新导出台账；或删除该文件后再导入".into(),
                            );
                        }
                    }
                    if problems.is_empty() {
                        plan.unchanged.push(entry.id.clone());
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

/// The text of a new case file.
pub fn case_text(case: &Case) -> Result<String, toml::ser::Error> {
    Ok(format!(
        "# 由台账导入（anjuan ledger import）。补录受理、办理、送达等信息后即可生成文书；字段说明：anjuan schema\n{}",
        toml::to_string(case)?
    ))
}

/// Writes the plan's new case files: all to temporary files first, then each
/// renamed into place (never over an existing file). Returns how many.
pub fn write(plan: &Plan, cases_dir: &Path) -> Result<usize, ImportError> {
    use std::io::Write as _;
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ImportError::Write { path, source }
    };
    if plan.new.is_empty() {
        return Ok(0);
    }
    std::fs::create_dir_all(cases_dir).map_err(werr(cases_dir))?;
    let mut staged = Vec::with_capacity(plan.new.len());
    for (path, case, _) in &plan.new {
        let text = case_text(case).map_err(|e| ImportError::Write {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".anjuan-")
            .suffix(".part")
            .tempfile_in(cases_dir)
            .map_err(werr(cases_dir))?;
        tmp.write_all(text.as_bytes()).map_err(werr(path))?;
        staged.push((tmp, path));
    }
    for (tmp, _) in &staged {
        tmp.as_file().sync_all().map_err(werr(cases_dir))?;
    }
    let n = staged.len();
    for (tmp, path) in staged {
        tmp.persist_noclobber(path)
            .map_err(|e| werr(path)(e.error))?;
    }
    Ok(n)
}
