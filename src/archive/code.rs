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

/// The register, parsed and checked.
#[derive(Clone, Debug, Default)]
pub struct Register {
    entries: Vec<(ArchiveCode, Entry)>,
    by_paper: BTreeMap<(String, String), usize>,
    /// The highest number given in each series (so that numbering a case does
    /// not scan the whole register: that was quadratic in the cases).
    last: BTreeMap<Series, u32>,
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
            if !seen.insert(code.clone()) {
                return Err(NumberingError::Duplicate(e.code));
            }
            let key = (e.case.clone(), e.file.clone());
            if reg.by_paper.insert(key, reg.entries.len()).is_some() {
                return Err(NumberingError::Duplicate(format!(
                    "{} {} 有两个档号",
                    e.case, e.file
                )));
            }
            let last = reg.last.entry(code.series()).or_insert(0);
            *last = (*last).max(code.item);
            reg.entries.push((code, e));
        }
        reg.check_continuous()?;
        Ok(reg)
    }

    /// Every series runs 1..n.
    fn check_continuous(&self) -> Result<(), NumberingError> {
        let mut series: BTreeMap<Series, (String, BTreeSet<u32>)> = BTreeMap::new();
        for (c, _) in &self.entries {
            series
                .entry(c.series())
                .or_insert_with(|| (c.prefix(), BTreeSet::new()))
                .1
                .insert(c.item);
        }
        for (_, (prefix, items)) in series {
            let max = items.iter().copied().max().unwrap_or(0);
            let missing: Vec<u32> = (1..=max).filter(|n| !items.contains(n)).collect();
            if !missing.is_empty() {
                return Err(NumberingError::Gap {
                    series: prefix,
                    missing,
                });
            }
        }
        Ok(())
    }

    pub fn entries(&self) -> impl Iterator<Item = &(ArchiveCode, Entry)> {
        self.entries.iter()
    }

    pub fn code_of(&self, case: &str, file: &str) -> Option<&ArchiveCode> {
        self.by_paper
            .get(&(case.to_string(), file.to_string()))
            .map(|&i| &self.entries[i].0)
    }

    /// Entries of one case, by file name.
    pub fn of_case<'a>(&'a self, case: &'a str) -> impl Iterator<Item = &'a (ArchiveCode, Entry)> {
        self.by_paper
            .range((case.to_string(), String::new())..)
            .take_while(move |((c, _), _)| c == case)
            .filter_map(|(_, &i)| self.entries.get(i))
    }

    /// Codes for a case's papers (in filing order): the registered ones, or the
    /// next numbers of the series. A case numbered before must have the same papers.
    pub fn assign(
        &mut self,
        case: &str,
        papers: &[String],
        template: &ArchiveCode,
    ) -> Result<Vec<ArchiveCode>, NumberingError> {
        let registered: Vec<&(ArchiveCode, Entry)> = self.of_case(case).collect();
        if !registered.is_empty() {
            let codes: Option<Vec<ArchiveCode>> = papers
                .iter()
                .map(|f| self.code_of(case, f).cloned())
                .collect();
            return match codes {
                Some(c) if registered.len() == papers.len() => Ok(c),
                _ => Err(NumberingError::Changed {
                    case: case.to_string(),
                    registered: registered.len(),
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
            self.by_paper
                .insert((case.to_string(), f.clone()), self.entries.len());
            self.entries.push((
                code.clone(),
                Entry {
                    code: code.to_string(),
                    case: case.to_string(),
                    file: f.clone(),
                },
            ));
            out.push(code);
        }
        if let Some(code) = out.last() {
            self.last.insert(series, code.item);
        }
        Ok(out)
    }

    /// The register as written to disk: entries by series and number.
    pub fn to_text(&self) -> String {
        let mut items: Vec<&(ArchiveCode, Entry)> = self.entries.iter().collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        let file = RegisterFile {
            items: items.into_iter().map(|(_, e)| e.clone()).collect(),
        };
        let body = toml::to_string(&file).expect("register serialises");
        format!(
            "# 档号登记簿 (register of reference codes), kept by `anjuan pack`.\n\
             # 档号一经编定不再改变；请勿手工删改 (numbers once given never change).\n\n{body}"
        )
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
