//! One ledger row as typed values: what the 台账 carries of a case.
//!
//! [`Entry::of`] projects a case onto the ledger (for export and for comparing a
//! row with an existing case file); [`Entry::parse`] reads a row, cell by cell,
//! with a located problem for every cell it cannot take; [`Entry::to_case`]
//! builds the case record a new row stands for. The columns that are derived from
//! the statutory timeline (next step, due date, days left) are export-only.

use std::collections::BTreeMap;

use super::columns::Field;
use super::sheet::{Row, Table, Value};
use crate::case::date::Date;
use crate::case::model::{
    Arrival, Assignment, Case, Channel, Class, Close, CloseBasis, IdType, Matter, Petitioner,
    Responsibility,
};
use crate::case::validate;

/// A person on the ledger: only what its columns hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duty {
    pub unit: String,
    pub leader: String,
    pub handler: String,
    pub class: Option<Class>,
    pub measures: Option<String>,
    pub due: Option<Date>,
    pub progress: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StruckOff {
    pub basis: CloseBasis,
    pub note: Option<String>,
    pub date: Date,
}

/// What the ledger holds of one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub received: Date,
    pub channel: Channel,
    /// 交办机关, 交办文号, 交办日期.
    pub assignment: Option<(String, String, Date)>,
    pub petitioners: Vec<Person>,
    pub category: String,
    pub summary: String,
    pub requests: Vec<String>,
    pub duty: Option<Duty>,
    pub struck_off: Option<StruckOff>,
    pub remarks: Option<String>,
}

/// A cell as export writes it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Date(Date),
    Number(i64),
}

/// A cell the row could not take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellError {
    pub field: Field,
    pub message: String,
    pub hint: String,
}

/// The columns that hold people's names and particulars.
const PERSON_CELLS: &[Field] = &[
    Field::Petitioner,
    Field::IdNumber,
    Field::Phone,
    Field::Address,
    Field::Leader,
    Field::Unit,
    Field::Handler,
];

/// The 销号 cell of a case struck off, as export writes it (the import also
/// reads 销号, 是, √ …).
pub const STRUCK_OFF: &str = "已销号";
/// The 销号 cell of an open case, as export writes it (the import also reads
/// an empty cell, 否, 在办 …).
pub const NOT_STRUCK_OFF: &str = "未销号";

/// The remedy for an identity number Excel has turned into a number.
pub const AS_TEXT_HINT: &str = "请将该列设置为文本格式（format the column as Text）后重新录入：选中该列 → 设置单元格格式 → 文本，再逐个重新输入号码（已变成数字的号码末几位已丢失，须按身份证原件录入）";

/// Separators between several values in one cell (names, numbers, phones).
const LIST_SEPS: &[char] = &['、', ',', '，', ';', '；', '\n', '/'];
/// Written for a person without a value in a multi-person list.
const NONE: &str = "无";

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn join_opt<'a>(xs: impl Iterator<Item = Option<&'a String>> + Clone, sep: &str) -> Cell {
    if xs.clone().all(|x| x.is_none()) {
        return Cell::Empty;
    }
    Cell::Text(
        xs.map(|x| x.map(String::as_str).unwrap_or(NONE))
            .collect::<Vec<_>>()
            .join(sep),
    )
}

fn text(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_string())
    }
}

fn opt_text(s: &Option<String>) -> Cell {
    s.as_deref().map(text).unwrap_or(Cell::Empty)
}

impl Entry {
    /// The ledger's view of a case.
    pub fn of(case: &Case) -> Entry {
        let a = &case.arrival;
        Entry {
            id: case.id.trim().to_string(),
            received: a.received,
            channel: a.channel,
            assignment: a
                .assignment
                .as_ref()
                .map(|x| (x.body.clone(), x.number.clone(), x.date)),
            petitioners: case
                .petitioners
                .iter()
                .map(|p| Person {
                    name: p.name.clone(),
                    id_number: p.id_number.clone(),
                    phone: p.phone.clone(),
                    address: p.address.clone(),
                })
                .collect(),
            category: case.matter.category.clone(),
            summary: case.matter.summary.clone(),
            requests: case.matter.requests.clone(),
            duty: case.responsibility.as_ref().map(|r| Duty {
                unit: r.unit.clone(),
                leader: r.leader.clone(),
                handler: r.handler.clone(),
                class: r.class,
                measures: r.measures.clone(),
                due: r.due,
                progress: r.progress.clone(),
            }),
            struck_off: case.close.as_ref().map(|c| StruckOff {
                basis: c.basis,
                note: c.note.clone(),
                date: c.date,
            }),
            remarks: case.remarks.clone(),
        }
    }

    /// The stored (not derived) cells, as export writes them.
    pub fn cells(&self) -> BTreeMap<Field, Cell> {
        let ps = &self.petitioners;
        let mut m = BTreeMap::new();
        m.insert(Field::Id, text(&self.id));
        m.insert(Field::Received, Cell::Date(self.received));
        m.insert(Field::Channel, text(self.channel.zh()));
        if let Some((body, number, date)) = &self.assignment {
            m.insert(Field::AssignBody, text(body));
            m.insert(Field::AssignNo, text(number));
            m.insert(Field::AssignDate, Cell::Date(*date));
        }
        m.insert(
            Field::Petitioner,
            text(
                &ps.iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
        );
        m.insert(
            Field::IdNumber,
            join_opt(ps.iter().map(|p| p.id_number.as_ref()), "\n"),
        );
        m.insert(
            Field::Phone,
            join_opt(ps.iter().map(|p| p.phone.as_ref()), "\n"),
        );
        m.insert(
            Field::Address,
            join_opt(ps.iter().map(|p| p.address.as_ref()), "\n"),
        );
        m.insert(Field::Category, text(&self.category));
        m.insert(Field::Summary, text(&self.summary));
        let claim = match self.requests.as_slice() {
            [one] => one.clone(),
            many => many
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{}. {r}", i + 1))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        m.insert(Field::Claim, text(&claim));
        if let Some(d) = &self.duty {
            m.insert(Field::Class, text(d.class.map(Class::zh).unwrap_or("")));
            m.insert(Field::Measures, opt_text(&d.measures));
            m.insert(Field::Leader, text(&d.leader));
            m.insert(Field::Unit, text(&d.unit));
            m.insert(Field::Handler, text(&d.handler));
            m.insert(Field::Due, d.due.map(Cell::Date).unwrap_or(Cell::Empty));
            m.insert(Field::Progress, opt_text(&d.progress));
        }
        match &self.struck_off {
            Some(s) => {
                m.insert(Field::StruckOff, text(STRUCK_OFF));
                let basis = match &s.note {
                    Some(n) => format!("{}：{n}", s.basis.zh()),
                    None => s.basis.zh().to_string(),
                };
                m.insert(Field::StruckOffBasis, text(&basis));
                m.insert(Field::StruckOffDate, Cell::Date(s.date));
            }
            None => {
                m.insert(Field::StruckOff, text(NOT_STRUCK_OFF));
            }
        }
        m.insert(Field::Remarks, opt_text(&self.remarks));
        m
    }

    /// Reads one data row. Every cell that cannot be taken is reported.
    pub fn parse(table: &Table, row: &Row) -> Result<Entry, Vec<CellError>> {
        let mut errs = Vec::new();
        let mut err = |field: Field, message: String, hint: &str| {
            errs.push(CellError {
                field,
                message,
                hint: hint.to_string(),
            })
        };
        let get = |f: Field| table.get(row, f);
        let txt = |f: Field| get(f).text();
        let required = |f: Field, err: &mut dyn FnMut(Field, String, &str)| {
            let t = txt(f);
            if t.is_empty() {
                err(
                    f,
                    format!("{}不能为空 (required)", f.zh()),
                    &format!("填写{}", f.zh()),
                );
            }
            t
        };
        let date = |f: Field, err: &mut dyn FnMut(Field, String, &str)| -> Option<Date> {
            let v = get(f);
            if v.is_empty() {
                return None;
            }
            match v.date() {
                Some(d) => Some(Date(d)),
                None => {
                    err(
                        f,
                        format!("“{}”不是日期 (not a date)", v.text()),
                        "写成 2026-03-02 或 2026年3月2日，或设为 Excel 日期格式",
                    );
                    None
                }
            }
        };

        // People's particulars as typed: a hidden character (zero-width, bidi
        // control …) is a problem at its cell, not a mismatch with the case file
        // or a name that matches nobody later. Spaces at the ends and full-width
        // digits were already normalised away by the sheet reader.
        for f in PERSON_CELLS {
            let t = txt(*f);
            if let Some(why) = validate::hidden_char_problem(&t, true) {
                err(
                    *f,
                    format!("{}“{t}”{why}", f.zh()),
                    validate::HIDDEN_CHAR_HINT,
                );
            }
        }
        let id = required(Field::Id, &mut err);
        if id.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|']) || id.starts_with('.') {
            err(
                Field::Id,
                format!("案件编号“{id}”不能用作文件名 (unsafe case number)"),
                "案件编号只用字母、数字、汉字和连字符，例如 XF-2026-0007",
            );
        }
        let received = date(Field::Received, &mut err);
        if get(Field::Received).is_empty() {
            err(
                Field::Received,
                "登记日期不能为空 (required)".into(),
                "填写收到信访事项的日期",
            );
        }
        let channel_text = required(Field::Channel, &mut err);
        let channel = if channel_text.is_empty() {
            None
        } else {
            let c = parse_channel(&channel_text);
            if c.is_none() {
                err(
                    Field::Channel,
                    format!("不认识的信访形式“{channel_text}” (unknown channel)"),
                    "可填：来信、来访、网上、电话、交办、转送",
                );
            }
            c
        };
        let body = txt(Field::AssignBody);
        let number = txt(Field::AssignNo);
        let adate = date(Field::AssignDate, &mut err);
        let assignment = if body.is_empty() && number.is_empty() && adate.is_none() {
            None
        } else {
            for (f, blank) in [
                (Field::AssignBody, body.is_empty()),
                (Field::AssignNo, number.is_empty()),
                (
                    Field::AssignDate,
                    adate.is_none() && get(Field::AssignDate).is_empty(),
                ),
            ] {
                if blank {
                    err(
                        f,
                        format!("填写了交办信息，但{}为空 (incomplete assignment)", f.zh()),
                        "交办机关、交办文号、交办日期三项一并填写",
                    );
                }
            }
            adate.map(|d| (body.clone(), number.clone(), d))
        };

        // A number Excel already changed: an ID column left in the General
        // format keeps 15 significant digits of an 18-digit number. Whatever
        // it holds now is not the number typed, so it is refused, not checked.
        // And a masked copy (`ledger export --mask`) is for reading, not import.
        let id_cell = get(Field::IdNumber);
        let id_lost = match id_cell {
            Value::Number(n) => Some(excel_general(*n)),
            Value::Text(t) if is_scientific(t) => Some(t.clone()),
            _ => None,
        };
        if let Some(shown) = &id_lost {
            err(
                Field::IdNumber,
                format!(
                    "身份证号码被 Excel 存成了数字 {shown}，不是文本 (identity number stored as a number)：Excel 的数字只有 15 位有效数字，18 位号码的末几位已经丢失"
                ),
                AS_TEXT_HINT,
            );
        }
        for f in [Field::IdNumber, Field::Phone] {
            let t = txt(f);
            if id_lost.is_none() && t.contains(['*', '＊']) {
                err(
                    f,
                    format!("{}“{t}”已打码 (masked)：这是脱敏台账，不能导入", f.zh()),
                    "用未脱敏的台账导入（anjuan ledger export 不加 --mask 导出的，或本单位的原台账）",
                );
            }
        }
        if let Value::Text(t) = get(Field::Phone) {
            if is_scientific(t) {
                err(
                    Field::Phone,
                    format!("联系电话被 Excel 显示成了科学计数 {t} (phone stored as a number)"),
                    "请将该列设置为文本格式（format the column as Text）后重新录入",
                );
            }
        }
        let names = split_list(&required(Field::Petitioner, &mut err));
        let n = names.len();
        let mut per_person = |f: Field, cell: String, lines_only: bool| -> Vec<Option<String>> {
            let parts: Vec<String> = if lines_only {
                cell.lines()
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty())
                    .collect()
            } else {
                split_list(&cell)
            };
            let vals: Vec<Option<String>> = parts
                .into_iter()
                .map(|p| (!matches!(p.as_str(), NONE | "-" | "—" | "／")).then_some(p))
                .collect();
            match vals.len() {
                0 => vec![None; n],
                // One value for several people: the first-named petitioner's.
                1 => {
                    let mut v = vals;
                    v.resize(n.max(1), None);
                    v
                }
                k if k == n => vals,
                k => {
                    err(
                        f,
                        format!("{}有 {k} 项，信访人有 {n} 人 (count mismatch)", f.zh()),
                        "每人一项，按信访人顺序换行填写；没有的写“无”",
                    );
                    vec![None; n]
                }
            }
        };
        let ids = per_person(Field::IdNumber, txt(Field::IdNumber), false);
        let phones = per_person(Field::Phone, txt(Field::Phone), false);
        let addresses = per_person(Field::Address, txt(Field::Address), true);
        let petitioners = names
            .iter()
            .enumerate()
            .map(|(i, name)| Person {
                name: name.clone(),
                id_number: ids.get(i).cloned().flatten().map(|s| s.to_uppercase()),
                phone: phones.get(i).cloned().flatten(),
                address: addresses.get(i).cloned().flatten(),
            })
            .collect();

        let category = required(Field::Category, &mut err);
        let requests = split_requests(&required(Field::Claim, &mut err));
        let summary = match opt(&txt(Field::Summary)) {
            Some(s) => s,
            None => requests.first().map(|r| summary_of(r)).unwrap_or_default(),
        };

        let class_text = txt(Field::Class);
        let class = if class_text.is_empty() {
            None
        } else {
            let c = parse_class(&class_text);
            if c.is_none() {
                err(
                    Field::Class,
                    format!("不认识的分类“{class_text}” (三到位一处理 class)"),
                    "可填：解决问题到位、思想教育到位、帮扶救助到位、依法处理",
                );
            }
            c
        };
        let (unit, leader, handler) = (txt(Field::Unit), txt(Field::Leader), txt(Field::Handler));
        let measures = opt(&txt(Field::Measures));
        let due = date(Field::Due, &mut err);
        let progress = opt(&txt(Field::Progress));
        let any_duty = !unit.is_empty()
            || !leader.is_empty()
            || !handler.is_empty()
            || !class_text.is_empty()
            || measures.is_some()
            || progress.is_some()
            || !get(Field::Due).is_empty();
        let duty = if any_duty {
            for (f, v) in [
                (Field::Leader, &leader),
                (Field::Unit, &unit),
                (Field::Handler, &handler),
            ] {
                if v.is_empty() {
                    err(
                        f,
                        format!(
                            "已落实责任的案件{}不能为空 (required with responsibility)",
                            f.zh()
                        ),
                        "包案领导、责任单位、责任人一并填写（一个问题、一名领导、一套班子）",
                    );
                }
            }
            Some(Duty {
                unit,
                leader,
                handler,
                class,
                measures,
                due,
                progress,
            })
        } else {
            None
        };

        let struck_off = parse_struck_off(table, row, &mut err);
        let remarks = opt(&txt(Field::Remarks));

        match (received, channel) {
            (Some(received), Some(channel)) if errs.is_empty() => Ok(Entry {
                id,
                received,
                channel,
                assignment,
                petitioners,
                category,
                summary,
                requests,
                duty,
                struck_off,
                remarks,
            }),
            _ => Err(errs),
        }
    }

    /// The case record a new row stands for.
    pub fn to_case(&self) -> Case {
        Case {
            id: self.id.clone(),
            year: None,
            office: None,
            title: None,
            arrival: Arrival {
                channel: self.channel,
                received: self.received,
                registry_no: None,
                assignment: self
                    .assignment
                    .as_ref()
                    .map(|(body, number, date)| Assignment {
                        body: body.clone(),
                        number: number.clone(),
                        date: *date,
                        instructions: None,
                        report_due: None,
                        channel: None,
                        original: None,
                    }),
                registered_by: None,
            },
            petitioners: self
                .petitioners
                .iter()
                .map(|p| Petitioner {
                    name: p.name.clone(),
                    sex: None,
                    id_type: IdType::Resident,
                    id_number: p.id_number.clone(),
                    phone: p.phone.clone(),
                    address: p.address.clone(),
                    employer: None,
                    representative: false,
                })
                .collect(),
            collective: None,
            agents: Vec::new(),
            matter: Matter {
                summary: self.summary.clone(),
                requests: self.requests.clone(),
                category: self.category.clone(),
                place: None,
            },
            acceptance: None,
            objection: None,
            responsibility: self.duty.as_ref().map(|d| Responsibility {
                unit: d.unit.clone(),
                leader: d.leader.clone(),
                leader_title: None,
                handler: d.handler.clone(),
                handler_phone: None,
                team: Vec::new(),
                class: d.class,
                measures: d.measures.clone(),
                due: d.due,
                progress: d.progress.clone(),
            }),
            extension: None,
            handling: None,
            hearing: None,
            settlement: None,
            review: None,
            re_review: None,
            report_back: None,
            deliveries: Vec::new(),
            events: Vec::new(),
            close: self.struck_off.as_ref().map(|s| Close {
                date: s.date,
                basis: s.basis,
                note: s.note.clone(),
            }),
            retention: None,
            classification: None,
            remarks: self.remarks.clone(),
            incoming: Vec::new(),
        }
    }
}

/// The 销号 columns: state, basis (with an optional note after `：`), date.
fn parse_struck_off(
    table: &Table,
    row: &Row,
    err: &mut dyn FnMut(Field, String, &str),
) -> Option<StruckOff> {
    let state = table.get(row, Field::StruckOff).text();
    let basis_text = table.get(row, Field::StruckOffBasis).text();
    let date_v = table.get(row, Field::StruckOffDate);
    // The state cell may itself name the basis: `已销号（息诉息访协议）`.
    let in_state = CloseBasis::ALL
        .iter()
        .copied()
        .find(|b| state.contains(b.zh()));
    let yes = in_state.is_some()
        || matches!(
            state.trim_end_matches(['。', '.']),
            "已销号" | "销号" | "是" | "已" | "√" | "✓" | "Y" | "y" | "yes" | "已结案"
        );
    let no = matches!(
        state.as_str(),
        "" | "未销号" | "否" | "未" | "在办" | "N" | "n" | "no" | "×"
    );
    if !yes && !no {
        err(
            Field::StruckOff,
            format!("不认识的销号状态“{state}”"),
            "填“已销号”或“未销号”；已销号的同时填写销号依据和销号日期",
        );
        return None;
    }
    if !yes && basis_text.is_empty() && date_v.is_empty() {
        return None;
    }
    if !yes && !state.is_empty() {
        err(
            Field::StruckOff,
            format!("销号状态为“{state}”，但填写了销号依据或销号日期 (contradiction)"),
            "已销号的填“已销号”；未销号的清空销号依据和销号日期",
        );
        return None;
    }
    let (head, note) = match basis_text.split_once(['：', ':']) {
        Some((h, n)) => (h.trim().to_string(), opt(n)),
        None => (basis_text.trim().to_string(), None),
    };
    let basis = if head.is_empty() {
        in_state
    } else {
        CloseBasis::ALL
            .iter()
            .copied()
            .find(|b| b.zh() == head || b.en() == head)
    };
    let basis = match basis {
        Some(b) => Some(b),
        None => {
            let shown = if head.is_empty() {
                "销号须注明依据 (basis for striking off)".to_string()
            } else {
                format!("不认识的销号依据“{head}”")
            };
            err(
                Field::StruckOffBasis,
                shown,
                "可填：办结、不予受理、息诉息访协议、三级终结、行政复议、诉讼程序、依法处理；需要说明的写在“：”之后，如“行政复议：青政复〔2026〕3号”",
            );
            None
        }
    };
    let date = if date_v.is_empty() {
        err(
            Field::StruckOffDate,
            "已销号的案件须填写销号日期 (date struck off)".into(),
            "填写销号（结案）日期",
        );
        None
    } else {
        match date_v.date() {
            Some(d) => Some(Date(d)),
            None => {
                err(
                    Field::StruckOffDate,
                    format!("“{}”不是日期 (not a date)", date_v.text()),
                    "写成 2026-03-02 或 2026年3月2日，或设为 Excel 日期格式",
                );
                None
            }
        }
    };
    Some(StruckOff {
        basis: basis?,
        note,
        date: date?,
    })
}

/// 信访形式 as typed: the case model's terms and its alias table
/// ([`crate::case::model::CHANNEL_ALIASES`]), shared with case files.
fn parse_channel(s: &str) -> Option<Channel> {
    Channel::parse(s)
}

/// 三到位一处理 as typed ([`crate::case::model::CLASS_ALIASES`]).
fn parse_class(s: &str) -> Option<Class> {
    Class::parse(s)
}

/// A number as Excel's General format shows it in a cell: 15 significant
/// digits at most, large ones in scientific notation (`3.30122E+17`).
fn excel_general(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e11 {
        return format!("{}", n as i64);
    }
    let s = format!("{n:.5E}");
    let (mantissa, exp) = s.split_once('E').unwrap_or((&s, "0"));
    let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
    match exp.strip_prefix('-') {
        Some(e) => format!("{mantissa}E-{e:0>2}"),
        None => format!("{mantissa}E+{exp:0>2}"),
    }
}

/// Text that is a number in scientific notation (`3.30122E+17`, `1.39571e10`):
/// what a CSV saved from Excel holds for a long number in a General column.
fn is_scientific(t: &str) -> bool {
    let t = t.trim();
    let Some((m, e)) = t.split_once(['E', 'e']) else {
        return false;
    };
    let e = e.strip_prefix('+').unwrap_or(e);
    let (int, frac) = m.split_once('.').unwrap_or((m, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !e.is_empty()
        && e.bytes().all(|b| b.is_ascii_digit())
}

/// Names, numbers or phones typed into one cell.
fn split_list(s: &str) -> Vec<String> {
    s.split(LIST_SEPS)
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The requests of a 诉求内容 cell: one per line, numbering (`1.`, `1、`,
/// `（1）`, `①`) taken off; a cell without line breaks is one request.
fn split_requests(s: &str) -> Vec<String> {
    let lines: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.len() <= 1 {
        return lines.iter().map(|l| l.to_string()).collect();
    }
    lines.iter().map(|l| strip_number(l).to_string()).collect()
}

fn strip_number(l: &str) -> &str {
    let circled = |c: char| ('①'..='⑳').contains(&c);
    if let Some(c) = l.chars().next().filter(|c| circled(*c)) {
        return l[c.len_utf8()..].trim_start();
    }
    let (open, rest) = match l.strip_prefix(['（', '(']) {
        Some(r) => (true, r),
        None => (false, l),
    };
    let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return l;
    }
    let after = &rest[digits..];
    let after = if open {
        match after.strip_prefix(['）', ')']) {
            Some(a) => a,
            None => return l,
        }
    } else {
        match after.strip_prefix(['.', '、', '．', ')', '）']) {
            Some(a) => a,
            None => return l,
        }
    };
    after.trim_start()
}

/// A summary for a row without one: the first request, up to its first full stop
/// or 40 characters.
fn summary_of(request: &str) -> String {
    let first = request
        .split(['。', '；', ';'])
        .next()
        .unwrap_or(request)
        .trim();
    first.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_numbering_is_taken_off_each_line() {
        assert_eq!(split_requests("退还押金"), vec!["退还押金"]);
        assert_eq!(
            split_requests("1. 确权\n2、补偿\n（3）道歉\n④ 公开"),
            vec!["确权", "补偿", "道歉", "公开"]
        );
        assert_eq!(
            split_requests("2026年的事\n其二"),
            vec!["2026年的事", "其二"]
        );
        assert_eq!(
            split_list("张三、李四，王五\n赵六"),
            ["张三", "李四", "王五", "赵六"]
        );
    }

    #[test]
    fn numbers_excel_made_of_identity_numbers_are_recognised() {
        assert_eq!(excel_general(330122195403072133.0), "3.30122E+17");
        assert_eq!(excel_general(13957112468.0), "13957112468");
        assert_eq!(excel_general(123456789012.0), "1.23457E+11");
        assert_eq!(excel_general(12345.0), "12345");
        assert!(is_scientific("3.30122E+17"));
        assert!(is_scientific("3.30122195403072e17"));
        assert!(is_scientific("1E+17"));
        assert!(!is_scientific("33012219540307213X"));
        assert!(!is_scientific("E+17"));
        assert!(!is_scientific("3.3E"));
        assert!(!is_scientific("无"));
    }

    #[test]
    fn channels_and_classes_as_offices_type_them() {
        assert_eq!(parse_channel("网上信访"), Some(Channel::Online));
        assert_eq!(parse_channel("来访"), Some(Channel::Visit));
        assert_eq!(parse_channel("assigned"), Some(Channel::Assigned));
        assert_eq!(parse_channel("飞鸽"), None);
        assert_eq!(parse_class("诉求合理的解决问题到位"), Some(Class::Solve));
        assert_eq!(parse_class("生活困难的帮扶救助到位"), Some(Class::Assist));
        assert_eq!(parse_class("其他"), None);
    }
}
