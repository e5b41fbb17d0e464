//! `ledger export`: the office ledger as a print-ready `.xlsx`, one row per case.
//!
//! Every ledger column ([`Field::ALL`]) in the ledger's own order, plus the
//! statutory timeline: the next step, its due date, days left, and a state
//! (超期 / 临期 / 正常 / 待办 / 已销号). Overdue rows are filled red and due-soon
//! rows yellow. A4 landscape, fitted to the page width, header rows frozen and
//! repeated on every printed page, a title row with the office and the date,
//! page numbers in the footer. Written with rust_xlsxwriter (a well-kept,
//! dependency-light writer whose files open in Excel, WPS and LibreOffice);
//! the document's creation time is the ledger's date, so the same cases on the
//! same date give the same bytes.
//!
//! Made to survive Excel: identity numbers and phones are written as text in
//! columns formatted as Text (`@`), rows typed in later included, so Excel
//! never turns an 18-digit number into `3.30122E+17`; the enumerated columns
//! (信访形式, 问题类别, 分类处理情况, 销号) have drop-down lists of exactly the
//! values the import takes. A masked copy ([`Options::masked`]) is for
//! circulation: identity numbers and phones masked, and the title and every
//! printed page say so.

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DocProperties, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};

use super::columns::Field;
use super::entry::{Cell, Entry, NOT_STRUCK_OFF, STRUCK_OFF};
use crate::case::calendar::Calendar;
use crate::case::date::Date;
use crate::case::deadline::next_step;
use crate::case::idnum::{mask_id, mask_phone, mask_text};
use crate::case::model::{Channel, Class};
use crate::case::Case;

/// The worksheet's name.
pub const SHEET: &str = "信访事项台账";

/// The hidden worksheet holding a drop-down list too long for Excel's inline
/// list (255 characters with the commas), such as a long category table.
pub const LISTS_SHEET: &str = "下拉选项";

/// The 销号 column's values, as export writes them and the list offers them.
pub const STRUCK_OFF_STATES: &[&str] = &[NOT_STRUCK_OFF, STRUCK_OFF];

/// Said in the title and the footer of a masked copy.
pub const MASKED_NOTE: &str = "脱敏件，身份证号码和联系电话已隐去，仅供传阅";

/// Excel's built-in number format 49, `@`: Text (what Format Cells → Text sets).
pub const TEXT_FORMAT: u8 = 49;

/// The last row a drop-down list and the Text format reach: Excel's last row,
/// so rows a clerk adds below the cases have them too.
const LAST_ROW: u32 = 1_048_575;

/// How a ledger workbook is written, besides its rows.
#[derive(Clone, Copy, Debug)]
pub struct Options<'a> {
    /// The office's name, in the title.
    pub office: &'a str,
    /// The ledger's date: the title's, and the file's creation time.
    pub as_of: Date,
    /// 问题分类 the office allows (`categories` in anjuan.toml): the drop-down
    /// of 问题类别. Empty: any category, no list.
    pub categories: &'a [String],
    /// A copy for circulation: identity numbers (`1101**********002X`) and
    /// phones (`139****2468`) masked, and any such number in free text; the
    /// title and the printed footer say it is masked.
    pub masked: bool,
}

/// The drop-down lists: each enumerated column with exactly the values the
/// import takes (the terms themselves; the import also reads aliases such as
/// 来电, which the list does not offer).
pub fn drop_downs(categories: &[String]) -> Vec<(Field, Vec<String>)> {
    let terms = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
    let mut out = vec![(
        Field::Channel,
        terms(Channel::ALL.iter().map(|c| c.zh()).collect()),
    )];
    if !categories.is_empty() {
        out.push((Field::Category, categories.to_vec()));
    }
    out.push((
        Field::Class,
        terms(Class::ALL.iter().map(|c| c.zh()).collect()),
    ));
    out.push((Field::StruckOff, terms(STRUCK_OFF_STATES.to_vec())));
    out
}

/// A cell of the masked copy: identity numbers and phones one per line, as
/// export writes them (`无` for a person without one), masked; any long number
/// in other text masked as on a terminal.
fn masked(f: Field, cell: Cell) -> Cell {
    let Cell::Text(t) = cell else {
        return cell;
    };
    let each = |m: fn(&str) -> String| {
        t.split('\n')
            .map(|x| if x == "无" { x.to_string() } else { m(x) })
            .collect::<Vec<_>>()
            .join("\n")
    };
    Cell::Text(match f {
        Field::IdNumber => each(mask_id),
        Field::Phone => each(mask_phone),
        _ => mask_text(&t),
    })
}

/// Adds the drop-down list of one column, from row `first` down.
fn add_drop_down(
    ws: &mut Worksheet,
    lists: &mut Vec<(Field, Vec<String>)>,
    col: u16,
    first: u32,
    field: Field,
    values: &[String],
) -> Result<(), XlsxError> {
    let shown = values.join("、");
    let message = format!("{}只能填：{shown}（从下拉列表中选择）", field.zh());
    let message = if message.chars().count() > 120 {
        format!(
            "{}只能填下拉列表中的值（本单位 anjuan.toml 所列）",
            field.zh()
        )
    } else {
        message
    };
    let inline_fits = values
        .iter()
        .all(|v| !v.contains([',', '"']) && !v.is_empty())
        && values
            .iter()
            .map(|v| v.encode_utf16().count() + 1)
            .sum::<usize>()
            <= 256;
    let dv = if inline_fits {
        DataValidation::new().allow_list_strings(values)?
    } else {
        // Too long for an inline list: the values go on the hidden sheet, one
        // column per list, and the list refers to them.
        let c = lists.len() as u16;
        lists.push((field, values.to_vec()));
        let col_letter = super::sheet::col_name(usize::from(c));
        DataValidation::new().allow_list_formula(Formula::new(format!(
            "='{LISTS_SHEET}'!${col_letter}$2:${col_letter}${}",
            values.len() + 1
        )))
    };
    let dv = dv
        .set_error_style(DataValidationErrorStyle::Stop)
        .set_error_title(format!("{}不在列表中", field.zh()))?
        .set_error_message(message)?;
    ws.add_data_validation(first, col, LAST_ROW, col, &dv)?;
    Ok(())
}

/// One exported row: the stored cells and the timeline.
#[derive(Clone, Debug)]
pub struct Line {
    pub entry: Entry,
    pub next_step: String,
    pub due: Option<Date>,
    pub days_left: Option<i64>,
    pub status: &'static str,
}

/// The timeline columns of a case as of a date.
pub fn line(case: &Case, cal: &Calendar, as_of: Date, warn_days: i64) -> Line {
    let entry = Entry::of(case);
    match next_step(case, cal, as_of) {
        None => Line {
            entry,
            next_step: "—".into(),
            due: None,
            days_left: None,
            status: "已销号",
        },
        Some(n) => Line {
            entry,
            status: match n.days_left {
                Some(d) if d < 0 => "超期",
                Some(d) if d <= warn_days => "临期",
                Some(_) => "正常",
                None => "待办",
            },
            // 法定期限 is the moved limit; the step says it was extended (and by how
            // much), since 处理时限 is the office's own target and read back by import.
            next_step: match &n.extended {
                Some(x) => format!("{}（已延期{}日）", n.step, x.days),
                None => n.step,
            },
            due: n.due,
            days_left: n.days_left,
        },
    }
}

/// Column width (Excel character units) per column: the left half (the case)
/// and the right half (the work on it) each fit an A4 landscape page at 80%.
fn width(f: Field) -> f64 {
    match f {
        Field::No | Field::Channel => 5.0,
        Field::DaysLeft | Field::Status | Field::StruckOff => 6.0,
        Field::Leader | Field::Handler | Field::Category => 7.0,
        Field::Petitioner => 8.0,
        Field::Class | Field::StruckOffBasis => 9.0,
        Field::AssignBody | Field::AssignNo | Field::Unit => 10.0,
        Field::Received
        | Field::AssignDate
        | Field::Due
        | Field::StatutoryDue
        | Field::StruckOffDate
        | Field::NextStep => 11.0,
        Field::Address | Field::Remarks => 12.0,
        Field::Id | Field::Phone => 13.0,
        Field::Summary => 14.0,
        Field::Progress => 16.0,
        Field::IdNumber => 21.0,
        Field::Measures => 20.0,
        Field::Claim => 22.0,
    }
}

/// Print scale (percent) at which each half of the ledger fits A4 landscape.
const SCALE: u16 = 70;
/// Height of one line of 10-point text, in points.
const LINE_HEIGHT: f64 = 13.0;

/// Lines a text takes in a column `width` characters wide (a Chinese character
/// is two widths, Latin one), counting its own line breaks.
fn text_lines(text: &str, width: f64) -> usize {
    let per_line = (width - 1.0).max(2.0);
    text.split('\n')
        .map(|line| {
            let units: f64 = line
                .chars()
                .map(|c| if c.is_ascii() { 1.0 } else { 2.0 })
                .sum();
            ((units / per_line).ceil() as usize).max(1)
        })
        .sum()
}

fn excel_date(d: Date) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    ExcelDateTime::from_ymd(d.0.year() as u16, d.0.month() as u8, d.0.day() as u8)
}

/// The ledger's rows for `cases` as of `as_of`, sorted by case number.
pub fn lines(cases: &[&Case], cal: &Calendar, as_of: Date, warn_days: i64) -> Vec<Line> {
    let mut sorted: Vec<&Case> = cases.to_vec();
    sorted.sort_by(|a, b| a.id.trim().cmp(b.id.trim()));
    sorted
        .iter()
        .map(|c| line(c, cal, as_of, warn_days))
        .collect()
}

/// Writes the ledger workbook of `lines` (see [`lines`]).
pub fn workbook(lines: &[Line], opts: &Options) -> Result<Vec<u8>, XlsxError> {
    let (office, as_of) = (opts.office, opts.as_of);
    let mut book = Workbook::new();
    let created = excel_date(as_of)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(if opts.masked {
                format!("{office}信访事项台账（脱敏件）")
            } else {
                format!("{office}信访事项台账")
            })
            .set_author(office)
            .set_company(office)
            .set_comment(if opts.masked {
                "anjuan ledger export, masked (脱敏件)"
            } else {
                "anjuan ledger export"
            })
            .set_creation_datetime(&created),
    );
    let ws = book.add_worksheet();
    ws.set_name(SHEET)?;

    let font = |f: Format| f.set_font_name("宋体").set_font_size(10);
    let title = Format::new()
        .set_font_name("方正小标宋简体")
        .set_font_size(18)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let header = font(Format::new())
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0xD9D9D9));
    let derived_header = header.clone().set_background_color(Color::RGB(0xBDD7EE));
    let base = font(Format::new())
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin);
    let fills: [(&str, Option<u32>); 3] = [
        ("normal", None),
        ("overdue", Some(0xFFC7CE)),
        ("soon", Some(0xFFEB9C)),
    ];
    let styled = |f: &Format, fill: Option<u32>| match fill {
        Some(rgb) => f.clone().set_background_color(Color::RGB(rgb)),
        None => f.clone(),
    };
    let n_cols = Field::ALL.len() as u16;

    // Title row and header row.
    ws.set_row_height(0, 36)?;
    // The title spans the left half: the part printed first, and what the
    // screen shows on opening.
    let split = Field::ALL
        .iter()
        .position(|f| *f == Field::Class)
        .unwrap_or(Field::ALL.len() - 1) as u16;
    let title_text = if opts.masked {
        format!(
            "{office}信访事项台账（截至{}）（{MASKED_NOTE}）",
            as_of.chinese()
        )
    } else {
        format!("{office}信访事项台账（截至{}）", as_of.chinese())
    };
    ws.merge_range(0, 0, 0, split - 1, &title_text, &title)?;
    ws.set_row_height(1, 30)?;
    // Identity numbers and phones are text: the cells written here, and the
    // column's own format for rows typed in later (Excel's General format
    // would keep 15 digits of an 18-digit number and show 3.30122E+17).
    let as_text = |f: Field| matches!(f, Field::IdNumber | Field::Phone);
    let text_column = font(Format::new()).set_num_format_index(TEXT_FORMAT);
    for (c, f) in Field::ALL.iter().enumerate() {
        let c = c as u16;
        ws.set_column_width(c, width(*f))?;
        if as_text(*f) {
            ws.set_column_format(c, &text_column)?;
        }
        let h = if f.derived() {
            &derived_header
        } else {
            &header
        };
        ws.write_string_with_format(1, c, f.zh(), h)?;
    }

    for (i, l) in lines.iter().enumerate() {
        let r = (i + 2) as u32;
        let fill = match l.status {
            "超期" => fills[1].1,
            "临期" => fills[2].1,
            _ => fills[0].1,
        };
        let text_f = styled(&base, fill);
        let number_as_text_f = styled(&base, fill).set_num_format_index(TEXT_FORMAT);
        let center_f = styled(&base, fill).set_align(FormatAlign::Center);
        let date_f = styled(&base, fill)
            .set_num_format("yyyy-mm-dd")
            .set_align(FormatAlign::Center);
        let status_f = match l.status {
            "超期" => center_f
                .clone()
                .set_bold()
                .set_font_color(Color::RGB(0x9C0006)),
            "临期" => center_f
                .clone()
                .set_bold()
                .set_font_color(Color::RGB(0x9C5700)),
            _ => center_f.clone(),
        };
        let cells = l.entry.cells();
        let cells = if opts.masked {
            cells.into_iter().map(|(f, c)| (f, masked(f, c))).collect()
        } else {
            cells
        };
        // Rows are given their height: Excel, WPS and LibreOffice do not all
        // grow a row for wrapped text they did not lay out themselves.
        let lines = Field::ALL
            .iter()
            .filter_map(|f| match cells.get(f) {
                Some(Cell::Text(t)) => Some(text_lines(t, width(*f))),
                _ => None,
            })
            .max()
            .unwrap_or(1);
        // A tenth more for fonts wider than the estimate.
        ws.set_row_height(r, (LINE_HEIGHT * lines as f64 * 1.1).ceil() + 3.0)?;
        for (c, f) in Field::ALL.iter().enumerate() {
            let c = c as u16;
            let value = match f {
                Field::No => Cell::Number(i as i64 + 1),
                Field::NextStep => Cell::Text(l.next_step.clone()),
                Field::StatutoryDue => l.due.map(Cell::Date).unwrap_or(Cell::Empty),
                Field::DaysLeft => l.days_left.map(Cell::Number).unwrap_or(Cell::Empty),
                Field::Status => Cell::Text(l.status.into()),
                _ => cells.get(f).cloned().unwrap_or(Cell::Empty),
            };
            let fmt = match f {
                _ if as_text(*f) => &number_as_text_f,
                Field::Status => &status_f,
                Field::No
                | Field::Channel
                | Field::DaysLeft
                | Field::StruckOff
                | Field::Category => &center_f,
                _ => &text_f,
            };
            match value {
                Cell::Empty => ws.write_blank(r, c, fmt)?,
                Cell::Text(s) => ws.write_string_with_format(r, c, &s, fmt)?,
                Cell::Number(n) => ws.write_number_with_format(r, c, n as f64, fmt)?,
                Cell::Date(d) => ws.write_date_with_format(r, c, &excel_date(d)?, &date_f)?,
            };
        }
    }

    // Ready to print: frozen header and the first two columns; A4 landscape at
    // 80%, two pages across (the case | the work on it, 序号 and 案件编号
    // repeated on both), printed over then down so a row's halves are
    // consecutive sheets; title and header rows on every page; page numbers.
    ws.set_freeze_panes(2, 2)?;
    let last = (lines.len() + 1) as u32;
    ws.autofilter(1, 0, last.max(2), n_cols - 1)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_scale(SCALE);
    ws.set_vertical_page_breaks(&[u32::from(split)])?;
    ws.set_page_order(false);
    ws.set_repeat_rows(1, 1)?;
    ws.set_repeat_columns(0, 1)?;
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    ws.set_print_center_horizontally(true);
    if opts.masked {
        ws.set_footer(format!("&L{MASKED_NOTE}&C第 &P 页，共 &N 页"));
    } else {
        ws.set_footer("&C第 &P 页，共 &N 页");
    }

    // Drop-down lists of the enumerated columns, over the rows below as well.
    let mut lists = Vec::new();
    for (field, values) in drop_downs(opts.categories) {
        if let Some(c) = Field::ALL.iter().position(|f| *f == field) {
            add_drop_down(ws, &mut lists, c as u16, 2, field, &values)?;
        }
    }
    if !lists.is_empty() {
        let ls = book.add_worksheet();
        ls.set_name(LISTS_SHEET)?;
        for (c, (field, values)) in lists.iter().enumerate() {
            let c = c as u16;
            ls.write_string(0, c, field.zh())?;
            for (r, v) in values.iter().enumerate() {
                ls.write_string(r as u32 + 1, c, v)?;
            }
        }
        ls.set_hidden(true);
    }
    book.save_to_buffer()
}
