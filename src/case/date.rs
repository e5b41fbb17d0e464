//! Calendar dates and minute-precision times as they appear in case files.
//!
//! A date may be written as a TOML local date (`received = 2026-03-02`) or as a
//! string (`"2026-03-02"`, also in JSON), and as clerks type dates: `"2026/3/2"`,
//! `"2026.3.2"`, `"2026年3月2日"`, `"20260302"` — the forms the ledger import
//! reads from a spreadsheet cell, through the same [`parse_date_text`]. A time
//! may be a TOML local date-time or a string such as `"2026-03-06 10:20"`,
//! `"2026-03-06T10:20:00"`, `"2026/3/6 10:20"` or `"2026年3月6日10时20分"`.
//! Whatever was typed, a date prints as ISO `2026-03-02` (and a time as
//! `2026-03-06 10:20`). Nothing here knows about deadlines; see
//! [`crate::case::calendar`].

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date (no time zone): `2026-03-02`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

/// A local time to the minute: `2026-03-06 10:20`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub NaiveDateTime);

impl Date {
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        NaiveDate::from_ymd_opt(y, m, d).map(Date)
    }

    /// A date as offices type it (see [`parse_date_text`]).
    pub fn parse(s: &str) -> Option<Date> {
        parse_date_text(s).map(Date)
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }

    /// Days from `self` to `other` (positive when `other` is later).
    pub fn days_until(self, other: Date) -> i64 {
        (other.0 - self.0).num_days()
    }

    pub fn add_days(self, n: i64) -> Date {
        Date(self.0 + chrono::Duration::days(n))
    }

    /// `2026年3月10日`: the form GB/T 9704 uses on papers (no leading zeros).
    pub fn chinese(self) -> String {
        format!("{}年{}月{}日", self.0.year(), self.0.month(), self.0.day())
    }

    /// `20260310`: the form DA/T 22 catalogues use.
    pub fn compact(self) -> String {
        self.0.format("%Y%m%d").to_string()
    }

    /// Today's date; `ANJUAN_TODAY=YYYY-MM-DD` fixes it (for tests that run the
    /// tool on another day, and for rehearsing a date ahead).
    pub fn today() -> Date {
        std::env::var("ANJUAN_TODAY")
            .ok()
            .and_then(|s| Date::parse(&s))
            .unwrap_or_else(|| Date(chrono::Local::now().date_naive()))
    }
}

impl DateTime {
    /// A date and a time of day: `2026-03-06 10:20`, `2026-03-06T10:20:00`, the
    /// date in any form of [`parse_date_text`], the time as `10:20`, `10:20:00`,
    /// `10时20分` or `10点20分` (after `日`, the space may be left out:
    /// `2026年3月6日10时20分`).
    pub fn parse(s: &str) -> Option<DateTime> {
        let s = s.trim();
        for fmt in [
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
        ] {
            if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
                return Some(DateTime(t));
            }
        }
        let t = half_width(s);
        let (date, time) = match t.find(['日', '号']) {
            Some(i) => t.split_at(i + '日'.len_utf8()),
            None => t.split_at(t.find([' ', 'T'])?),
        };
        let date = parse_date_text(date)?;
        let time = parse_time_text(time.trim_start_matches([' ', 'T']))?;
        Some(DateTime(date.and_time(time)))
    }

    pub fn date(self) -> Date {
        Date(self.0.date())
    }

    /// `2026年3月6日10时20分`, as a delivery receipt writes it.
    pub fn chinese(self) -> String {
        format!(
            "{}{}时{:02}分",
            self.date().chinese(),
            self.0.hour(),
            self.0.minute()
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d %H:%M"))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Full-width digits and the full-width forms of `-` `/` `.` `:` to ASCII,
/// ideographic and non-breaking spaces to spaces; trimmed.
fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' | '－' | '／' | '．' | '：' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '\u{3000}' | '\u{00A0}' => ' ',
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// A date as offices type it, in a case file or a ledger cell: `2026-03-02`,
/// `2026/3/2`, `2026.3.2`, `2026年3月2日` (or `2号`), `20260302`; full-width
/// digits and separators too. The whole text must be the date (a time after it
/// is not dropped here: see [`DateTime::parse`]), and the date must exist.
pub fn parse_date_text(s: &str) -> Option<NaiveDate> {
    let t = half_width(s);
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(&t, "%Y%m%d").ok();
    }
    let parts: Vec<&str> = t
        .split(['-', '/', '.', '年', '月', '日', '号'])
        .filter(|p| !p.is_empty())
        .collect();
    let digits = |p: &&str| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() != 3 || parts[0].len() != 4 || !parts.iter().all(digits) {
        return None;
    }
    let n: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    (n.len() == 3)
        .then(|| NaiveDate::from_ymd_opt(n[0] as i32, n[1], n[2]))
        .flatten()
}

/// A time of day: `10:20`, `10:20:00`, `10时20分`, `10时20分30秒`, `10点20分`,
/// `10时` (whole hours).
fn parse_time_text(s: &str) -> Option<NaiveTime> {
    let num = |p: &str| -> Option<u32> {
        (!p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    let parts: Vec<&str> = if s.contains(':') {
        s.split(':').collect()
    } else {
        if !s.contains(['时', '点']) {
            return None;
        }
        let s = s.strip_suffix(['时', '点', '分', '秒']).unwrap_or(s);
        s.split(['时', '点', '分']).collect()
    };
    let hms: Vec<u32> = parts.iter().map(|p| num(p)).collect::<Option<_>>()?;
    match hms.as_slice() {
        [h] if !s.contains(':') => NaiveTime::from_hms_opt(*h, 0, 0),
        [h, m] => NaiveTime::from_hms_opt(*h, *m, 0),
        [h, m, sec] => NaiveTime::from_hms_opt(*h, *m, *sec),
        _ => None,
    }
}

/// The key under which the `toml` crate hands a native datetime to a visitor.
const TOML_DATETIME_KEY: &str = "$__toml_private_datetime";

/// Reads either a plain string or a TOML native datetime, then parses it with `parse`.
struct TextVisitor<T> {
    expecting: &'static str,
    parse: fn(&str) -> Option<T>,
}

impl<'de, T> Visitor<'de> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).ok_or_else(|| E::custom(format!("invalid {}: `{}`", self.expecting, v)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        match map.next_key::<String>()? {
            Some(k) if k == TOML_DATETIME_KEY => {
                let raw: String = map.next_value()?;
                self.visit_str(&raw)
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor {
            expecting: "date (YYYY-MM-DD)",
            parse: Date::parse,
        })
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor {
            expecting: "date-time (YYYY-MM-DD HH:MM)",
            parse: DateTime::parse,
        })
    }
}

impl schemars::JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            // Not `"format": "date"`: editors that assert it would flag the
            // forms clerks type, which anjuan reads.
            "pattern": "^\\s*(\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}|\\d{4}年\\d{1,2}月\\d{1,2}[日号]?|\\d{8})\\s*$",
            "examples": ["2026-03-02"],
            "description": "日期 (date), YYYY-MM-DD; also \"2026/3/2\", \"2026.3.2\", \"2026年3月2日\", \"20260302\"; in TOML a bare local date such as 2026-03-02 also works",
        })
    }
}

impl schemars::JsonSchema for DateTime {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DateTime".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "时间 (local time to the minute), YYYY-MM-DD HH:MM; also \"2026/3/6 10:20\", \"2026年3月6日10时20分\"; in TOML a bare local date-time such as 2026-03-06T10:20:00 also works",
        })
    }
}

/// Midnight of a date, for comparing dates with times.
pub fn start_of(d: Date) -> DateTime {
    DateTime(d.0.and_time(NaiveTime::MIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms() {
        assert_eq!(Date::parse("2026-03-02"), Date::from_ymd(2026, 3, 2));
        assert!(Date::parse("2026-02-30").is_none());
        let t = DateTime::parse("2026-03-06 10:20").unwrap();
        assert_eq!(t, DateTime::parse("2026-03-06T10:20:00").unwrap());
        assert_eq!(t.chinese(), "2026年3月6日10时20分");
        assert_eq!(
            Date::parse("2026-03-10").unwrap().chinese(),
            "2026年3月10日"
        );
    }

    #[test]
    fn dates_and_times_as_clerks_type_them() {
        let d = Date::from_ymd(2026, 11, 20);
        for s in [
            "2026-11-20",
            "2026/11/20",
            "2026.11.20",
            "2026年11月20日",
            "2026年11月20号",
            "20261120",
            "２０２６／１１／２０",
            " 2026-11-20 ",
        ] {
            assert_eq!(Date::parse(s), d, "{s}");
        }
        assert_eq!(Date::parse("2026/3/2"), Date::from_ymd(2026, 3, 2));
        for s in [
            "2026/02/30",
            "26/11/20",
            "2026-11",
            "2026-11-20 14:30",
            "2026年11月+1日",
            "",
        ] {
            assert_eq!(Date::parse(s), None, "{s}");
        }
        let t = DateTime::parse("2026-11-20 14:30");
        assert!(t.is_some());
        for s in [
            "2026/11/20 14:30",
            "2026.11.20 14:30:00",
            "2026年11月20日14时30分",
            "2026年11月20日 14:30",
            "2026年11月20日14点30分",
            "2026/11/20T14:30",
            "2026-11-20 14：30",
        ] {
            assert_eq!(DateTime::parse(s), t, "{s}");
        }
        assert_eq!(
            DateTime::parse("2026年11月20日9时").map(|t| t.to_string()),
            Some("2026-11-20 09:00".into())
        );
        for s in [
            "2026/11/20",
            "2026/11/20 25:00",
            "2026/11/20 14",
            "2026年11月20日14时61分",
            "2026-11-20T14:30:00+08:00",
        ] {
            assert_eq!(DateTime::parse(s), None, "{s}");
        }
        // What anjuan writes back is ISO, whatever was typed.
        assert_eq!(
            Date::parse("2026年3月2日").unwrap().to_string(),
            "2026-03-02"
        );
    }

    #[test]
    fn toml_native_and_string_dates_agree() {
        #[derive(Deserialize)]
        struct T {
            a: Date,
            b: Date,
            c: DateTime,
        }
        let t: T =
            toml::from_str("a = 2026-03-02\nb = \"2026-03-02\"\nc = 2026-03-06T10:20:00").unwrap();
        assert_eq!(t.a, t.b);
        assert_eq!(t.c.to_string(), "2026-03-06 10:20");
    }
}
