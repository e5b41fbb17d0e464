//! 档号 (reference codes, DA/T 22-2015) and the register that keeps them stable.
//!
//! `全宗号-门类代码·年度-保管期限-机构代码-件号`, e.g. `X012-WS·2026-D30-XFB-0007`.
//! 件号 runs from 0001 without gaps within one fonds, year, retention and office.
//! A number once given is written in the office's register
//! (`archive/register.toml`) and never given again, so re-running a pack gives
//! the same codes and a case filed later gets the next numbers.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::case::model::Retention;

/// 门类代码 of 文书 (administrative records).
pub const CATEGORY: &str = "WS";

/// One 档号.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArchiveCode {
    pub fonds: String,
    pub year: i32,
    pub retention: Retention,
    pub office: Option<String>,
    pub item: u32,
}

/// The numbering sequence a code belongs to: fonds, year, retention, office.
pub type Series = (String, i32, Retention, Option<String>);

impl ArchiveCode {
    pub fn series(&self) -> Series {
        (
            self.fonds.clone(),
            self.year,
            self.retention,
            self.office.clone(),
        )
    }

    /// The code without its 件号: `X012-WS·2026-D30-XFB`.
    pub fn prefix(&self) -> String {
        let mut s = format!(
            "{}-{CATEGORY}·{}-{}",
            self.fonds,
            self.year,
            self.retention.code()
        );
        if let Some(o) = &self.office {
            s.push('-');
            s.push_str(o);
        }
        s
    }

    /// Parses a 档号; the error says which part is wrong.
    pub fn parse(s: &str) -> Result<ArchiveCode, String> {
        let parts: Vec<&str> = s.split('-').collect();
        if !(parts.len() == 4 || parts.len() == 5) {
            return Err(format!("“{s}”应为 全宗号-WS·年度-保管期限-[机构代码-]件号"));
        }
        let fonds = parts[0];
        if fonds.chars().count() != 4 || !fonds.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!("全宗号“{fonds}”应为 4 位字母或数字"));
        }
        let (cat, year) = parts[1]
            .split_once('·')
            .ok_or_else(|| format!("“{}”应为 WS·年度（以 · 连接）", parts[1]))?;
        if cat != CATEGORY {
            return Err(format!("门类代码“{cat}”应为 {CATEGORY}"));
        }
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("年度“{year}”应为 4 位数字"));
        }
        let retention = match parts[2] {
            "Y" => Retention::Permanent,
            "D30" => Retention::Years30,
            "D10" => Retention::Years10,
            r => return Err(format!("保管期限“{r}”应为 Y、D30 或 D10")),
        };
        let office = if parts.len() == 5 {
            let o = parts[3];
            if o.len() != 3 || !o.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(format!("机构代码“{o}”应为 3 个大写字母"));
            }
            Some(o.to_string())
        } else {
            None
        };
        let item = parts[parts.len() - 1];
        // Four digits, zero-padded (DA/T 22); a series past 9999 items goes on
        // with five digits rather than wrap or stop.
        let digits_ok = item.bytes().all(|b| b.is_ascii_digit())
            && (item.len() == 4 || (item.len() > 4 && !item.starts_with('0')));
        if !digits_ok || item == "0000" {
            return Err(format!("件号“{item}”应为 4 位数字（0001 起）"));
        }
        Ok(ArchiveCode {
            fonds: fonds.to_string(),
            year: year.parse().map_err(|_| format!("年度“{year}”"))?,
            retention,
            office,
            item: item.parse().map_err(|_| format!("件号“{item}”"))?,
        })
    }
}

impl fmt::Display for ArchiveCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:04}", self.prefix(), self.item)
    }
}

/// One line of the register: a 档号 given to one paper of one case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// 档号.
    pub code: String,
    /// 案件编号.
    pub case: String,
    /// 计算机文件名 of the paper.
    pub file: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterFile {
    #[serde(default, rename = "item")]
    pub items: Vec<Entry>,
}

/// The register, parsed and checked. Kept compact (about 40 bytes an
/// entry): a county's registers grow by 90,000 entries a year, and `pack`
/// holds the register for its whole run. Series, case numbers and file names
/// are each kept once; an entry is four numbers.
#[derive(Clone, Debug, Default)]
pub struct Register {
    /// Each series of 档号 once (its code with 件号 0), and its number.
    series: Vec<ArchiveCode>,
    series_no: BTreeMap<Series, u32>,
    /// Case numbers and file names, each once.
    cases: Names,
    files: Names,
    /// The entries in the order given.
    slots: Vec<Slot>,
    /// Each case's entries (by the case's number in `cases`).
    by_case: Vec<Vec<u32>>,
    /// The highest number given in each series (so that numbering a case does
    /// not scan the whole register: that was quadratic in the cases).
    last: BTreeMap<Series, u32>,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    series: u32,
    item: u32,
    case: u32,
    file: u32,
}

/// Strings kept once each, by number.
#[derive(Clone, Debug, Default)]
struct Names {
    list: Vec<Box<str>>,
    index: std::collections::HashMap<Box<str>, u32>,
}

impl Names {
    fn get(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(i) = self.get(s) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(s.into());
        self.index.insert(s.into(), i);
        i
    }

    fn name(&self, i: u32) -> &str {
        &self.list[i as usize]
    }
}

/// What is wrong with a register or with numbering against it.
#[derive(Debug, PartialEq, Eq)]
pub enum NumberingError {
    /// The register text does not parse; the message names the line.
    Syntax(String),
    /// An entry's code is malformed (entry index from 1, reason).
    Code(usize, String),
    /// The same code given twice, or the same paper numbered twice.
    Duplicate(String),
    /// 件号 of a series do not run 1..n.
    Gap { series: String, missing: Vec<u32> },
    /// A case numbered before now has other papers.
    Changed {
        case: String,
        registered: usize,
        now: usize,
    },
}

impl fmt::Display for NumberingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumberingError::Syntax(m) => write!(f, "登记簿格式错误 (register does not parse): {m}"),
            NumberingError::Code(i, m) => write!(f, "登记簿第 {i} 条档号错误 (bad code): {m}"),
            NumberingError::Duplicate(m) => write!(f, "登记簿重复 (duplicate): {m}"),
            NumberingError::Gap { series, missing } => write!(
                f,
                "件号不连续 (gap in numbering): {series} 缺 {}",
                missing
                    .iter()
                    .map(|n| format!("{n:04}"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            NumberingError::Changed {
                case,
                registered,
                now,
            } => write!(
                f,
                "案件 {case} 已编档号 {registered} 件，现有文书 {now} 件 (filed case changed)"
            ),
        }
    }
}

impl Register {
    pub fn parse(text: &str) -> Result<Register, NumberingError> {
        let file: RegisterFile =
            toml::from_str(text).map_err(|e| NumberingError::Syntax(e.to_string()))?;
        let mut reg = Register::default();
        let mut seen = BTreeSet::new();
        for (i, e) in file.items.into_iter().enumerate() {
            let code = ArchiveCode::parse(&e.code).map_err(|m| NumberingError::Code(i + 1, m))?;
            // (The code is kept as numbers and printed again: it must print as written.)
            if code.to_string() != e.code {
                return Err(NumberingError::Code(i + 1, format!("“{}”", e.code)));
            }
            if !seen.insert((reg.series_of(&code), code.item)) {
                return Err(NumberingError::Duplicate(e.code));
            }
            if reg.code_of(&e.case, &e.file).is_some() {
                return Err(NumberingError::Duplicate(format!(
                    "{} {} 有两个档号",
                    e.case, e.file
                )));
            }
            let last = reg.last.entry(code.series()).or_insert(0);
            *last = (*last).max(code.item);
            reg.add(&code, &e.case, &e.file);
        }
        reg.check_continuous()?;
        Ok(reg)
    }

    /// The number of a series, given it if new.
    fn series_of(&mut self, code: &ArchiveCode) -> u32 {
        let key = code.series();
        if let Some(n) = self.series_no.get(&key) {
            return *n;
        }
        let n = self.series.len() as u32;
        self.series.push(ArchiveCode {
            item: 0,
            ..code.clone()
        });
        self.series_no.insert(key, n);
        n
    }

    fn add(&mut self, code: &ArchiveCode, case: &str, file: &str) {
        let slot = Slot {
            series: self.series_of(code),
            item: code.item,
            case: self.cases.intern(case),
            file: self.files.intern(file),
        };
        if self.by_case.len() <= slot.case as usize {
            self.by_case.resize_with(slot.case as usize + 1, Vec::new);
        }
        self.by_case[slot.case as usize].push(self.slots.len() as u32);
        self.slots.push(slot);
    }

    fn code(&self, s: &Slot) -> ArchiveCode {
        ArchiveCode {
            item: s.item,
            ..self.series[s.series as usize].clone()
        }
    }

    fn entry(&self, s: &Slot) -> (ArchiveCode, Entry) {
        let code = self.code(s);
        let entry = Entry {
            code: code.to_string(),
            case: self.cases.name(s.case).to_string(),
            file: self.files.name(s.file).to_string(),
        };
        (code, entry)
    }

    /// Every series runs 1..n.
    fn check_continuous(&self) -> Result<(), NumberingError> {
        let mut items: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); self.series.len()];
        for s in &self.slots {
            items[s.series as usize].insert(s.item);
        }
        let mut gaps: Vec<(&ArchiveCode, Vec<u32>)> = Vec::new();
        for (series, items) in self.series.iter().zip(&items) {
            let max = items.iter().copied().max().unwrap_or(0);
            let missing: Vec<u32> = (1..=max).filter(|n| !items.contains(n)).collect();
            if !missing.is_empty() {
                gaps.push((series, missing));
            }
        }
        // The first series in code order, as before.
        match gaps.into_iter().min_by(|a, b| a.0.cmp(b.0)) {
            Some((series, missing)) => Err(NumberingError::Gap {
                series: series.prefix(),
                missing,
            }),
            None => Ok(()),
        }
    }

    /// Every entry, in the order given.
    pub fn entries(&self) -> impl Iterator<Item = (ArchiveCode, Entry)> + '_ {
        self.slots.iter().map(|s| self.entry(s))
    }

    pub fn code_of(&self, case: &str, file: &str) -> Option<ArchiveCode> {
        let f = self.files.get(file)?;
        self.slots_of(case)
            .find(|s| s.file == f)
            .map(|s| self.code(s))
    }

    fn slots_of<'a>(&'a self, case: &str) -> impl Iterator<Item = &'a Slot> + 'a {
        let at = self
            .cases
            .get(case)
            .and_then(|c| self.by_case.get(c as usize));
        at.into_iter().flatten().map(|&i| &self.slots[i as usize])
    }

    /// Entries of one case, by file name.
    pub fn of_case(&self, case: &str) -> impl Iterator<Item = (ArchiveCode, Entry)> + '_ {
        let mut slots: Vec<&Slot> = self.slots_of(case).collect();
        slots.sort_by(|a, b| self.files.name(a.file).cmp(self.files.name(b.file)));
        slots.into_iter().map(|s| self.entry(s))
    }

    /// Codes for a case's papers (in filing order): the registered ones, or the
    /// next numbers of the series. A case numbered before must have the same papers.
    pub fn assign(
        &mut self,
        case: &str,
        papers: &[String],
        template: &ArchiveCode,
    ) -> Result<Vec<ArchiveCode>, NumberingError> {
        let registered = self.slots_of(case).count();
        if registered > 0 {
            let codes: Option<Vec<ArchiveCode>> =
                papers.iter().map(|f| self.code_of(case, f)).collect();
            return match codes {
                Some(c) if registered == papers.len() => Ok(c),
                _ => Err(NumberingError::Changed {
                    case: case.to_string(),
                    registered,
                    now: papers.len(),
                }),
            };
        }
        let series = template.series();
        let last = self.last.get(&series).copied().unwrap_or(0);
        let mut out = Vec::with_capacity(papers.len());
        for (next, f) in (last + 1..).zip(papers) {
            let code = ArchiveCode {
                item: next,
                ..template.clone()
            };
            self.add(&code, case, f);
            out.push(code);
        }
        if let Some(code) = out.last() {
            self.last.insert(series, code.item);
        }
        Ok(out)
    }

    /// The register as written to disk: entries by series and number.
    pub fn to_text(&self) -> String {
        // In code order: by series (as their codes compare), then 件号.
        let mut order: Vec<u32> = (0..self.series.len() as u32).collect();
        order.sort_by(|a, b| self.series[*a as usize].cmp(&self.series[*b as usize]));
        let mut rank = vec![0u32; order.len()];
        for (r, s) in order.into_iter().enumerate() {
            rank[s as usize] = r as u32;
        }
        let mut slots: Vec<&Slot> = self.slots.iter().collect();
        slots.sort_by_key(|s| (rank[s.series as usize], s.item));
        let mut out = String::from(
            "# 档号登记簿 (register of reference codes), kept by `anjuan pack`.\n\
             # 档号一经编定不再改变；请勿手工删改 (numbers once given never change).\n\n",
        );
        // Entry by entry: the TOML of the whole register as one document is a
        // tree of tables, tens of megabytes for a county's year, made at the
        // end of a pack when its memory is highest. The text is the same
        // (`the_register_text_is_the_toml_of_the_whole`).
        for (i, s) in slots.into_iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let one = RegisterFile {
                items: vec![self.entry(s).1],
            };
            out.push_str(&toml::to_string(&one).expect("register serialises"));
        }
        if self.slots.is_empty() {
            let none = RegisterFile::default();
            out.push_str(&toml::to_string(&none).expect("register serialises"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> ArchiveCode {
        ArchiveCode::parse("X012-WS·2026-D30-XFB-0001").unwrap()
    }

    #[test]
    fn codes_print_and_parse() {
        let c = ArchiveCode::parse("X012-WS·2026-D30-XFB-0007").unwrap();
        assert_eq!(c.item, 7);
        assert_eq!(c.to_string(), "X012-WS·2026-D30-XFB-0007");
        let big = ArchiveCode::parse("X012-WS·2026-D30-XFB-10000").unwrap();
        assert_eq!(big.to_string(), "X012-WS·2026-D30-XFB-10000");
        assert!(ArchiveCode::parse("X012-WS·2026-D30-XFB-01000").is_err());
        let no_office = ArchiveCode::parse("X012-WS·2026-Y-0012").unwrap();
        assert_eq!(no_office.office, None);
        assert_eq!(no_office.to_string(), "X012-WS·2026-Y-0012");
        for bad in [
            "X012-WS2026-D30-XFB-0007",
            "X12-WS·2026-D30-XFB-0007",
            "X012-WS·2026-D20-XFB-0007",
            "X012-WS·2026-D30-XFB-7",
            "X012-WS·2026-D30-xfb-0007",
            "X012-WS·2026-D30-XFB-0000",
        ] {
            assert!(ArchiveCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_are_stable_and_continue() {
        let mut r = Register::default();
        let a = r
            .assign("XF-1", &["01-a.pdf".into(), "02-b.pdf".into()], &t())
            .unwrap();
        assert_eq!(a.iter().map(|c| c.item).collect::<Vec<_>>(), [1, 2]);
        let b = r.assign("XF-2", &["01-a.pdf".into()], &t()).unwrap();
        assert_eq!(b[0].item, 3);
        // Round trip through the file, then the same case again: same numbers.
        let mut back = Register::parse(&r.to_text()).unwrap();
        let again = back
            .assign("XF-1", &["01-a.pdf".into(), "02-b.pdf".into()], &t())
            .unwrap();
        assert_eq!(again, a);
        // A new case continues the series as the file left it, and a case
        // whose number begins with another's ("XF-1" in "XF-10") is its own.
        assert_eq!(
            back.assign("XF-10", &["01-a.pdf".into()], &t()).unwrap()[0].item,
            4
        );
        assert_eq!(back.of_case("XF-1").count(), 2);
        // Another retention is its own series.
        let mut other = t();
        other.retention = Retention::Permanent;
        assert_eq!(
            back.assign("XF-3", &["x.pdf".into()], &other).unwrap()[0].item,
            1
        );
        // A numbered case with another paper is refused.
        assert!(matches!(
            back.assign("XF-2", &["01-a.pdf".into(), "02-new.pdf".into()], &t()),
            Err(NumberingError::Changed { .. })
        ));
    }

    /// The register written entry by entry is the TOML of the whole register
    /// as one document, strings that need quoting or escaping included.
    #[test]
    fn the_register_text_is_the_toml_of_the_whole() {
        let mut r = Register::default();
        let names = [
            "01-受理告知书.pdf",
            "quote\"d.pdf",
            "back\\slash.pdf",
            "both'\"\\.pdf",
            "tab\tand\u{7f}.pdf",
            "line\nbreak.pdf",
        ];
        let files: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        r.assign("XF-2", &files, &t()).unwrap();
        let mut other = t();
        other.retention = Retention::Permanent;
        other.office = None;
        r.assign("XF-1 '甲'", &files[..2], &other).unwrap();
        let text = r.to_text();
        let mut slots: Vec<(ArchiveCode, Entry)> = r.entries().collect();
        slots.sort_by(|a, b| a.0.cmp(&b.0));
        let whole = toml::to_string(&RegisterFile {
            items: slots.into_iter().map(|(_, e)| e).collect(),
        })
        .unwrap();
        assert!(text.ends_with(&whole), "{text}\n---\n{whole}");
        assert_eq!(Register::parse(&text).unwrap().to_text(), text);
        let empty = toml::to_string(&RegisterFile::default()).unwrap();
        assert!(Register::default().to_text().ends_with(&empty));
        assert!(Register::parse(&Register::default().to_text()).is_ok());
    }

    #[test]
    fn gaps_and_duplicates_are_refused() {
        let gap = "[[item]]\ncode = \"X012-WS·2026-D30-XFB-0001\"\ncase = \"A\"\nfile = \"a\"\n\
                   [[item]]\ncode = \"X012-WS·2026-D30-XFB-0003\"\ncase = \"B\"\nfile = \"b\"\n";
        assert_eq!(
            Register::parse(gap).unwrap_err(),
            NumberingError::Gap {
                series: "X012-WS·2026-D30-XFB".into(),
                missing: vec![2]
            }
        );
        let dup = "[[item]]\ncode = \"X012-WS·2026-D30-XFB-0001\"\ncase = \"A\"\nfile = \"a\"\n\
                   [[item]]\ncode = \"X012-WS·2026-D30-XFB-0001\"\ncase = \"B\"\nfile = \"b\"\n";
        assert!(matches!(
            Register::parse(dup),
            Err(NumberingError::Duplicate(_))
        ));
    }
}
