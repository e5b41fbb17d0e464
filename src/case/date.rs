//! Calendar dates and minute-precision times as they appear in case files.
//!
//! A date may be written as a TOML local date (`received = 2026-03-02`) or as a
//! string (`"2026-03-02"`, also in JSON). A time may be a TOML local date-time or
//! a string such as `"2026-03-06 10:20"` / `"2026-03-06T10:20:00"`. Nothing here
//! knows about deadlines; see [`crate::case::calendar`].

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

    pub fn parse(s: &str) -> Option<Date> {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .ok()
            .map(Date)
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
        None
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
            "format": "date",
            "description": "日期 (date), YYYY-MM-DD; in TOML a bare local date such as 2026-03-02 also works",
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
            "pattern": "^\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}(:\\d{2})?$",
            "description": "时间 (local time to the minute), YYYY-MM-DD HH:MM; in TOML a bare local date-time such as 2026-03-06T10:20:00 also works",
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
