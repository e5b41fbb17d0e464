//! Reading a ledger (台账) spreadsheet as a table of located cells: `.xlsx` /
//! `.xls` / `.ods` through calamine, `.csv` (UTF-8, with or without BOM, or GBK
//! as Excel writes it on Chinese Windows) through the csv crate. Finds the header
//! row among title rows, fills merged header cells (a group label over its
//! sub-columns, a label merged down over two rows), maps headers to fields with
//! the [`ColumnMap`], and normalises what offices type: full-width digits and
//! letters, ideographic spaces, trailing spaces, Excel date serials.

use std::path::Path;

use calamine::{Data, Reader as _};
use chrono::NaiveDate;

use super::columns::{header_key, normalize, ColumnMap, Field};

/// One cell's value, normalised.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
}

impl Value {
    pub fn is_empty(&self) -> bool {
        matches!(self, Value::Empty)
    }

    /// The value as text (numbers without a trailing `.0`, dates as YYYY-MM-DD).
    pub fn text(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(s) => s.clone(),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Value::Number(n) => n.to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }

    /// The value as a date: a date cell, an Excel serial, or text like
    /// `2026-03-02`, `2026/3/2`, `2026.3.2`, `2026年3月2日`, `20260302`.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            Value::Number(n) => excel_serial_date(*n),
            Value::Text(s) => parse_date_text(s),
            Value::Empty => None,
        }
    }
}

/// A table read from one sheet: the mapped columns and the data rows.
#[derive(Clone, Debug)]
pub struct Table {
    pub file: String,
    pub sheet: String,
    /// 1-based row number of the header row (the bottom one of a two-row header).
    pub header_row: usize,
    /// Each column's header text (after filling merged cells) and its field.
    pub columns: Vec<(String, Option<Field>)>,
    pub rows: Vec<Row>,
}

/// One data row, with its 1-based row number in the sheet.
#[derive(Clone, Debug)]
pub struct Row {
    pub line: usize,
    pub cells: Vec<Value>,
}

impl Table {
    /// The column of a field, if the sheet has it.
    pub fn column(&self, f: Field) -> Option<usize> {
        self.columns.iter().position(|(_, c)| *c == Some(f))
    }

    /// A row's value of a field (Empty when the sheet has no such column).
    pub fn get<'a>(&self, row: &'a Row, f: Field) -> &'a Value {
        const EMPTY: &Value = &Value::Empty;
        self.column(f)
            .and_then(|c| row.cells.get(c))
            .unwrap_or(EMPTY)
    }

    /// Where a field's cell is, for a message: `台账.xlsx: 工作表“S”第 3 行 E 列“身份证号码”（单元格 E3）`.
    /// The column is named as the sheet's header names it, with the ledger's own
    /// name after it when the office uses another (`“化解时限”（处理时限）`).
    pub fn locate(&self, row: &Row, f: Field) -> String {
        let place = format!(
            "{}: {}第 {} 行",
            self.file,
            sheet_label(&self.sheet),
            row.line
        );
        match self.column(f) {
            Some(c) => {
                let col = col_name(c);
                let header = &self.columns[c].0;
                let name = if header.is_empty() {
                    format!("“{}”", f.zh())
                } else if header.starts_with(f.zh()) {
                    format!("“{header}”")
                } else {
                    format!("“{header}”（{}）", f.zh())
                };
                format!("{place} {col} 列{name}（单元格 {col}{}）", row.line)
            }
            None => format!("{place}（“{}”：表中无此列）", f.zh()),
        }
    }
}

/// `工作表“S”` for a workbook's sheet; nothing for a CSV file, which has no sheets
/// (its sheet name is empty).
pub fn sheet_label(sheet: &str) -> String {
    if sheet.is_empty() {
        String::new()
    } else {
        format!("工作表“{sheet}”")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("{file}: 无法打开表格 (cannot open the spreadsheet): {message}")]
    Open { file: String, message: String },
    #[error("{file}: 没有名为“{sheet}”的工作表；有：{available}")]
    NoSheet {
        file: String,
        sheet: String,
        available: String,
    },
    #[error(
        "{file}: {}前 {scanned} 行中找不到表头（至少要认出 3 列，如 诉求内容、包案领导、责任单位）",
        sheet_label(sheet)
    )]
    NoHeader {
        file: String,
        sheet: String,
        scanned: usize,
    },
    #[error("{file}: 不支持的文件类型 (use .xlsx, .xls, .ods or .csv)")]
    Kind { file: String },
    #[error(
        "{file}: {}至少有 {rows} 行、{cols} 列，超过可读取的 {MAX_CELLS} 个单元格 (sheet too large)",
        sheet_label(sheet)
    )]
    TooLarge {
        file: String,
        sheet: String,
        rows: usize,
        cols: usize,
    },
}

impl SheetError {
    pub fn remedy(&self) -> &'static str {
        match self {
            SheetError::Open { .. } => "用 Excel 或 WPS 打开确认文件完好，另存为 .xlsx 再试",
            SheetError::NoSheet { .. } => "用 --sheet 指定上面列出的一个工作表",
            SheetError::NoHeader { .. } => {
                "表头请用台账的列名（诉求内容、分类处理情况、具体工作措施、包案领导、责任单位、责任人、处理时限、销号），或在 anjuan.toml 的 [ledger.columns] 中写明对应关系"
            }
            SheetError::Kind { .. } => "把台账另存为 .xlsx 或 .csv",
            SheetError::TooLarge { .. } => {
                "台账只需案件的行和台账的列：删除表格右侧和下方多余的行列（或只复制台账部分到新表）后再导入"
            }
        }
    }
}

/// The most cells (rows × widest row) a sheet may have: a ledger of 10,000
/// cases in 40 columns is 400,000. Every row is padded to the widest, so one
/// long row in a CSV of many short ones would otherwise take memory without
/// bound.
pub const MAX_CELLS: usize = 4_000_000;

/// How many rows from the top are searched for the header.
const HEADER_SCAN: usize = 12;

/// Reads `path` (the first sheet, or `sheet`) into a table.
pub fn read(path: &Path, sheet: Option<&str>, map: &ColumnMap) -> Result<Table, SheetError> {
    let file = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let (sheet_name, grid, merged) = match ext.as_str() {
        "csv" => (String::new(), read_csv(path, &file)?, Vec::new()),
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => read_book(path, &file, sheet)?,
        _ => return Err(SheetError::Kind { file }),
    };
    table_of(file, sheet_name, grid, &merged, map)
}

type Grid = Vec<Vec<Value>>;
/// Merged regions: (first row, first col, last row, last col), 0-based, inclusive.
type Merge = (usize, usize, usize, usize);

fn read_book(
    path: &Path,
    file: &str,
    sheet: Option<&str>,
) -> Result<(String, Grid, Vec<Merge>), SheetError> {
    let open = |m: String| SheetError::Open {
        file: file.to_string(),
        message: m,
    };
    let mut book = calamine::open_workbook_auto(path).map_err(|e| open(e.to_string()))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.trim() == s.trim())
            .cloned()
            .ok_or_else(|| SheetError::NoSheet {
                file: file.to_string(),
                sheet: s.to_string(),
                available: names.join("、"),
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| open("没有工作表".into()))?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| open(e.to_string()))?;
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let (r0, c0) = (r0 as usize, c0 as usize);
    // The grid from A1, so row and column numbers are the sheet's own.
    let mut grid: Grid = vec![Vec::new(); r0];
    for row in range.rows() {
        let mut cells = vec![Value::Empty; c0];
        cells.extend(row.iter().map(value_of));
        grid.push(cells);
    }
    let dims = match &mut book {
        calamine::Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        calamine::Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        _ => Vec::new(),
    };
    let merged = dims
        .into_iter()
        .map(|d| {
            (
                d.start.0 as usize,
                d.start.1 as usize,
                d.end.0 as usize,
                d.end.1 as usize,
            )
        })
        .collect();
    Ok((name, grid, merged))
}

fn value_of(d: &Data) -> Value {
    match d {
        Data::Empty | Data::Error(_) => Value::Empty,
        Data::String(s) => text_value(s),
        Data::Int(i) => Value::Number(*i as f64),
        Data::Float(f) => Value::Number(*f),
        Data::Bool(b) => Value::Text(if *b { "是" } else { "否" }.into()),
        // A date-formatted cell: its serial (1904-system books are rare in China).
        Data::DateTime(dt) => excel_serial_date(dt.as_f64())
            .map(Value::Date)
            .unwrap_or(Value::Number(dt.as_f64())),
        Data::DateTimeIso(s) => parse_date_text(s)
            .map(Value::Date)
            .unwrap_or_else(|| text_value(s)),
        Data::DurationIso(s) => text_value(s),
    }
}

fn text_value(s: &str) -> Value {
    let t = normalize(s);
    if t.is_empty() {
        Value::Empty
    } else {
        Value::Text(t)
    }
}

/// Excel's 1900 date system: serial 1 is 1900-01-01, and serial 60 the
/// 1900-02-29 that never was; from 61 on, days since 1899-12-30.
pub fn excel_serial_date(n: f64) -> Option<NaiveDate> {
    if !(61.0..=2_958_465.0).contains(&n) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(n.floor() as u64))
}

/// A date typed into a cell, in any form a case file accepts
/// ([`crate::case::date::parse_date_text`]); a time after it (`2026-03-02
/// 00:00:00`, as a date-time cell exported to text reads) is dropped.
fn parse_date_text(s: &str) -> Option<NaiveDate> {
    let t = normalize(s);
    let t = t.split([' ', 'T']).next().unwrap_or("");
    crate::case::date::parse_date_text(t)
}

fn read_csv(path: &Path, file: &str) -> Result<Grid, SheetError> {
    let bytes = std::fs::read(path).map_err(|e| SheetError::Open {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    let text = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(b) => String::from_utf8_lossy(b).into_owned(),
        None => match std::str::from_utf8(&bytes) {
            Ok(t) => t.to_string(),
            // Excel on Chinese Windows saves CSV in GBK.
            Err(_) => encoding_rs::GBK.decode(&bytes).0.into_owned(),
        },
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    let mut width = 0;
    for rec in r.records() {
        let rec = rec.map_err(|e| SheetError::Open {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        // Stop as soon as the padded table would be too large (see `table_of`).
        width = width.max(rec.len());
        if width.saturating_mul(grid.len() + 1) > MAX_CELLS {
            return Err(SheetError::TooLarge {
                file: file.to_string(),
                sheet: String::new(),
                rows: grid.len() + 1,
                cols: width,
            });
        }
        grid.push(rec.iter().map(text_value).collect());
    }
    Ok(grid)
}

/// Finds the header row, fills merged header cells, maps the columns.
fn table_of(
    file: String,
    sheet: String,
    mut grid: Grid,
    merged: &[Merge],
    map: &ColumnMap,
) -> Result<Table, SheetError> {
    let width = grid.iter().map(Vec::len).max().unwrap_or(0);
    if width.saturating_mul(grid.len()) > MAX_CELLS {
        return Err(SheetError::TooLarge {
            file,
            sheet,
            rows: grid.len(),
            cols: width,
        });
    }
    for row in &mut grid {
        row.resize(width, Value::Empty);
    }
    // A merged cell's value belongs to every cell it covers — except a title
    // merged across (nearly) the whole sheet, which labels no column.
    let scan = grid.len().min(HEADER_SCAN);
    let mut head: Vec<Vec<String>> = grid[..scan]
        .iter()
        .map(|r| r.iter().map(|v| header_key(&v.text())).collect())
        .collect();
    for &(r1, c1, r2, c2) in merged {
        if r1 >= scan || (c2 + 1 - c1) * 5 >= width * 4 && width > 2 {
            continue;
        }
        let v = head[r1].get(c1).cloned().unwrap_or_default();
        for row in head.iter_mut().take((r2 + 1).min(scan)).skip(r1) {
            for cell in row.iter_mut().take((c2 + 1).min(width)).skip(c1) {
                if cell.is_empty() {
                    *cell = v.clone();
                }
            }
        }
    }
    let score = |r: &Vec<String>| r.iter().filter(|h| map.field(h).is_some()).count();
    let (hr, best) = head
        .iter()
        .enumerate()
        .map(|(i, r)| (i, score(r)))
        .max_by_key(|&(i, s)| (s, std::cmp::Reverse(i)))
        .unwrap_or((0, 0));
    if best < 3 {
        return Err(SheetError::NoHeader {
            file,
            sheet,
            scanned: scan,
        });
    }
    // A column the header row leaves blank takes the label above it (a
    // two-row header whose upper row is merged down).
    let columns = (0..width)
        .map(|c| {
            let mut h = head[hr][c].clone();
            if h.is_empty() && hr > 0 {
                h = head[hr - 1][c].clone();
            }
            let f = map.field(&h);
            (h, f)
        })
        .collect();
    // Data: every row below the header with anything in it.
    let rows = grid
        .into_iter()
        .enumerate()
        .skip(hr + 1)
        .filter(|(_, r)| r.iter().any(|v| !v.is_empty()))
        .map(|(i, cells)| Row { line: i + 1, cells })
        .collect();
    Ok(Table {
        file,
        sheet,
        header_row: hr + 1,
        columns,
        rows,
    })
}

/// `A`, `B`, … `Z`, `AA`, … for a 0-based column.
pub fn col_name(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_wide_row_does_not_pad_the_sheet_without_bound() {
        // 2,001 columns in the first row, then 2,000 one-cell rows: 4,002,001 cells padded.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("wide.csv");
        std::fs::write(&p, format!("{}\n{}", ",".repeat(2000), "a\n".repeat(2000))).unwrap();
        let map = ColumnMap::with(&Default::default()).unwrap();
        match read(&p, None, &map) {
            Err(e @ SheetError::TooLarge { .. }) => {
                assert!(e.to_string().contains("sheet too large"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn full_width_digits_spaces_and_dates_are_normalised() {
        assert_eq!(normalize("　２０２６年３月 "), "2026年3月");
        assert_eq!(header_key("处理\n时限 "), "处理时限");
        assert_eq!(header_key("包 案 领 导"), "包案领导");
        assert_eq!(normalize("王喆，男。"), "王喆，男。");
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        // 2026-03-02 is Excel serial 46083.
        assert_eq!(excel_serial_date(46083.0), Some(d));
        assert_eq!(excel_serial_date(46083.75), Some(d), "time of day dropped");
        assert_eq!(excel_serial_date(60.0), None, "the fictitious 1900-02-29");
        for t in [
            "2026-03-02",
            "2026/3/2",
            "2026.3.2",
            "2026年3月2日",
            "20260302",
            "２０２６年３月２日",
        ] {
            assert_eq!(Value::Text(t.into()).date(), Some(d), "{t}");
        }
        assert_eq!(Value::Text("下周".into()).date(), None);
        assert_eq!(Value::Number(12.0).text(), "12");
        assert_eq!(col_name(0), "A");
        assert_eq!(col_name(25), "Z");
        assert_eq!(col_name(26), "AA");
        assert_eq!(col_name(27), "AB");
    }

    #[test]
    fn header_found_below_a_title_with_a_merged_group_over_sub_columns() {
        let t = |s: &str| text_value(s);
        let grid: Grid = vec![
            vec![
                t("柳河镇信访事项台账"),
                Value::Empty,
                Value::Empty,
                Value::Empty,
                Value::Empty,
            ],
            vec![
                t("序号"),
                t("诉求内容"),
                t("责任落实"),
                Value::Empty,
                t("处理时限"),
            ],
            vec![
                Value::Empty,
                Value::Empty,
                t("包案领导"),
                t("责任单位 "),
                Value::Empty,
            ],
            vec![
                t("１"),
                t("宅基地确权"),
                t("张三"),
                t("镇国土所"),
                Value::Number(46083.0),
            ],
            vec![Value::Empty; 5],
            vec![
                t("2"),
                t("拖欠工资"),
                t("李四"),
                t("劳动保障所"),
                t("2026/4/1"),
            ],
        ];
        // Title across A1:E1; 序号, 诉求内容, 处理时限 merged down over rows 2–3;
        // 责任落实 across C2:D2.
        let merged = [
            (0, 0, 0, 4),
            (1, 0, 2, 0),
            (1, 1, 2, 1),
            (1, 4, 2, 4),
            (1, 2, 1, 3),
        ];
        let table = table_of(
            "t.xlsx".into(),
            "台账".into(),
            grid,
            &merged,
            &ColumnMap::default(),
        )
        .unwrap();
        assert_eq!(table.header_row, 3);
        let fields: Vec<Option<Field>> = table.columns.iter().map(|c| c.1).collect();
        assert_eq!(
            fields,
            [
                Some(Field::No),
                Some(Field::Claim),
                Some(Field::Leader),
                Some(Field::Unit),
                Some(Field::Due)
            ]
        );
        assert_eq!(table.rows.len(), 2, "the blank row is skipped");
        assert_eq!(table.rows[1].line, 6);
        let due = table.get(&table.rows[0], Field::Due).date();
        assert_eq!(due, NaiveDate::from_ymd_opt(2026, 3, 2));
        assert_eq!(table.get(&table.rows[0], Field::No).text(), "1");
        assert!(table
            .locate(&table.rows[1], Field::Unit)
            .contains("第 6 行 D 列“责任单位”（单元格 D6）"));
    }

    #[test]
    fn a_sheet_without_ledger_headers_is_refused_with_the_reason() {
        let grid: Grid = vec![vec![text_value("姓名"), text_value("年龄")]];
        let e = table_of(
            "x.csv".into(),
            String::new(),
            grid,
            &[],
            &ColumnMap::default(),
        )
        .unwrap_err();
        assert!(matches!(e, SheetError::NoHeader { .. }));
        assert!(e.remedy().contains("诉求内容"));
    }
}

#[cfg(test)]
mod xlsx_tests {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    /// A ledger as offices make them in Excel: a title merged across, a
    /// two-row header with a merged group, a date cell, a date typed as text
    /// with full-width digits, a trailing space, a blank row.
    #[test]
    fn an_excel_ledger_reads_with_merged_headers_date_cells_and_full_width_digits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("台账.xlsx");
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("2026年台账").unwrap();
        let plain = Format::new();
        let date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
        ws.merge_range(0, 0, 0, 5, "柳河镇重点信访事项台账", &plain)
            .unwrap();
        ws.merge_range(1, 0, 2, 0, "序号", &plain).unwrap();
        ws.merge_range(1, 1, 2, 1, "诉求内容", &plain).unwrap();
        ws.merge_range(1, 2, 1, 4, "责任落实", &plain).unwrap();
        ws.write_string(2, 2, "包案领导").unwrap();
        ws.write_string(2, 3, "责任单位").unwrap();
        ws.write_string(2, 4, "责任人 ").unwrap();
        ws.merge_range(1, 5, 2, 5, "处理\n时限", &plain).unwrap();
        ws.write_number(3, 0, 1).unwrap();
        ws.write_string(3, 1, "要求确认宅基地使用权，").unwrap();
        ws.write_string(3, 2, "张三").unwrap();
        ws.write_string(3, 3, "镇自然资源所 ").unwrap();
        ws.write_string(3, 4, "李四").unwrap();
        ws.write_datetime_with_format(3, 5, ExcelDateTime::from_ymd(2026, 3, 2).unwrap(), &date)
            .unwrap();
        ws.write_string(5, 0, "２").unwrap();
        ws.write_string(5, 1, "拖欠工资").unwrap();
        ws.write_string(5, 5, "２０２６年４月１日").unwrap();
        wb.save(&path).unwrap();

        let t = read(&path, None, &ColumnMap::default()).unwrap();
        assert_eq!(t.sheet, "2026年台账");
        assert_eq!(t.header_row, 3);
        let f: Vec<Option<Field>> = t.columns.iter().map(|c| c.1).collect();
        assert_eq!(
            f,
            [
                Some(Field::No),
                Some(Field::Claim),
                Some(Field::Leader),
                Some(Field::Unit),
                Some(Field::Handler),
                Some(Field::Due)
            ]
        );
        assert_eq!(t.rows.len(), 2);
        let (a, b) = (&t.rows[0], &t.rows[1]);
        assert_eq!(t.get(a, Field::Unit).text(), "镇自然资源所");
        assert_eq!(t.get(a, Field::Claim).text(), "要求确认宅基地使用权，");
        assert_eq!(
            t.get(a, Field::Due).date(),
            NaiveDate::from_ymd_opt(2026, 3, 2)
        );
        assert_eq!(b.line, 6);
        assert_eq!(t.get(b, Field::No).text(), "2");
        assert_eq!(
            t.get(b, Field::Due).date(),
            NaiveDate::from_ymd_opt(2026, 4, 1)
        );
        // A named sheet that is not there: the error lists the ones that are.
        let e = read(&path, Some("2025"), &ColumnMap::default()).unwrap_err();
        assert!(e.to_string().contains("2026年台账"), "{e}");
    }

    #[test]
    fn a_gbk_csv_from_excel_reads_like_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let text =
            "序号,诉求内容,包案领导,责任单位,处理时限\r\n1,宅基地确权,张三,镇国土所,2026/3/2\r\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let p = dir.path().join("ledger.csv");
        std::fs::write(&p, &gbk).unwrap();
        let t = read(&p, None, &ColumnMap::default()).unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.get(&t.rows[0], Field::Leader).text(), "张三");
        let p = dir.path().join("bom.csv");
        std::fs::write(&p, format!("\u{feff}{text}")).unwrap();
        let t = read(&p, None, &ColumnMap::default()).unwrap();
        assert_eq!(t.columns[0].1, Some(Field::No), "BOM stripped");
    }
}
