//! Counting statutory periods (期间): calendar days, working days, holiday rolling.
//!
//! Rules (DOMAIN.md §2): the day of the triggering event is not counted; the period
//! starts the next day. A last day on a rest day may roll to the next working day
//! (a setting, default off). A rest day is a weekend day that is not a make-up
//! working day (调休上班), or a listed public holiday.

use std::collections::BTreeSet;

use chrono::{Datelike, Weekday};

use super::date::Date;

#[derive(Clone, Debug, Default)]
pub struct Calendar {
    holidays: BTreeSet<Date>,
    workdays: BTreeSet<Date>,
    roll: bool,
}

impl Calendar {
    pub fn new(
        holidays: impl IntoIterator<Item = Date>,
        workdays: impl IntoIterator<Item = Date>,
        roll: bool,
    ) -> Self {
        Calendar {
            holidays: holidays.into_iter().collect(),
            workdays: workdays.into_iter().collect(),
            roll,
        }
    }

    pub fn rolls(&self) -> bool {
        self.roll
    }

    /// Is this a working day (工作日)?
    pub fn is_working_day(&self, d: Date) -> bool {
        if self.holidays.contains(&d) {
            return false;
        }
        if self.workdays.contains(&d) {
            return true;
        }
        !matches!(d.0.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The last day of a period of `days` calendar days after `event`, rolled to the
    /// next working day when the setting is on.
    pub fn due_after_days(&self, event: Date, days: u32) -> Date {
        let last = event.add_days(i64::from(days));
        if self.roll {
            self.next_working_day_from(last)
        } else {
            last
        }
    }

    /// The last day of a period of `days` working days after `event`.
    pub fn due_after_working_days(&self, event: Date, days: u32) -> Date {
        let mut d = event;
        let mut left = days;
        while left > 0 {
            d = d.add_days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// `d` itself if it is a working day, else the first working day after it.
    pub fn next_working_day_from(&self, d: Date) -> Date {
        let mut d = d;
        // A year never has more than a few weeks of consecutive rest days.
        for _ in 0..60 {
            if self.is_working_day(d) {
                return d;
            }
            d = d.add_days(1);
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    /// The 2026 national holiday schedule as far as the tests need it.
    fn cn2026(roll: bool) -> Calendar {
        let hol = [
            "2026-01-01",
            "2026-01-02",
            "2026-01-03",
            "2026-02-15",
            "2026-02-16",
            "2026-02-17",
            "2026-02-18",
            "2026-02-19",
            "2026-02-20",
            "2026-02-21",
            "2026-02-22",
            "2026-02-23",
            "2026-10-01",
            "2026-10-02",
            "2026-10-03",
            "2026-10-04",
            "2026-10-05",
            "2026-10-06",
            "2026-10-07",
        ];
        let work = [
            "2026-01-04",
            "2026-02-14",
            "2026-02-28",
            "2026-09-20",
            "2026-10-10",
        ];
        Calendar::new(hol.iter().map(|s| d(s)), work.iter().map(|s| d(s)), roll)
    }

    #[test]
    fn event_day_is_not_counted() {
        let c = Calendar::default();
        assert_eq!(c.due_after_days(d("2026-03-02"), 15), d("2026-03-17"));
    }

    #[test]
    fn month_ends() {
        let c = Calendar::default();
        assert_eq!(c.due_after_days(d("2026-01-31"), 30), d("2026-03-02"));
        assert_eq!(c.due_after_days(d("2026-04-30"), 1), d("2026-05-01"));
        assert_eq!(c.due_after_days(d("2026-08-31"), 60), d("2026-10-30"));
    }

    #[test]
    fn leap_day() {
        let c = Calendar::default();
        assert_eq!(c.due_after_days(d("2028-02-14"), 15), d("2028-02-29"));
        assert_eq!(c.due_after_days(d("2028-02-29"), 30), d("2028-03-30"));
        assert_eq!(c.due_after_days(d("2027-02-14"), 15), d("2027-03-01"));
    }

    #[test]
    fn year_end() {
        let c = Calendar::default();
        assert_eq!(c.due_after_days(d("2026-12-20"), 15), d("2027-01-04"));
        assert_eq!(c.due_after_days(d("2026-11-15"), 60), d("2027-01-14"));
    }

    #[test]
    fn rolling_is_off_by_default() {
        // 2026-03-02 + 60 = 2026-05-01, Labour Day: unchanged without rolling.
        assert_eq!(
            Calendar::default().due_after_days(d("2026-03-02"), 60),
            d("2026-05-01")
        );
    }

    #[test]
    fn rolling_skips_holidays_and_weekends() {
        let c = cn2026(true);
        // 2026-01-31 (Sat) + 15 = 2026-02-15, first day of the Spring Festival break → 02-24.
        assert_eq!(c.due_after_days(d("2026-01-31"), 15), d("2026-02-24"));
        // Last day on an ordinary Saturday rolls to Monday.
        assert_eq!(c.due_after_days(d("2026-03-06"), 15), d("2026-03-23"));
        // Last day on a make-up working Saturday does not roll.
        assert_eq!(c.due_after_days(d("2026-02-13"), 15), d("2026-02-28"));
        // Last day on 10-01: the National Day break runs to 10-07, so Thursday 10-08.
        assert_eq!(c.due_after_days(d("2026-09-16"), 15), d("2026-10-08"));
        // Year end: 2026-12-17 + 15 = 2027-01-01 (not in this calendar's holidays: a Friday).
        assert_eq!(c.due_after_days(d("2026-12-17"), 15), d("2027-01-01"));
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let c = cn2026(false);
        // Received Thursday 2026-03-05: Fri, Mon, Tue, Wed, Thu → 2026-03-12.
        assert_eq!(
            c.due_after_working_days(d("2026-03-05"), 5),
            d("2026-03-12")
        );
        // Received 2026-09-28 (Mon): 29, 30, (Oct 1–7 off), 8, 9, 10 (make-up Saturday).
        assert_eq!(
            c.due_after_working_days(d("2026-09-28"), 5),
            d("2026-10-10")
        );
        // Across New Year: received 2025-12-30 (Tue): 31, (Jan 1–3 off), Jan 4 (make-up Sunday), 5, 6.
        assert_eq!(
            c.due_after_working_days(d("2025-12-30"), 4),
            d("2026-01-06")
        );
        assert!(c.is_working_day(d("2026-01-04")));
        assert!(!c.is_working_day(d("2026-01-02")));
    }
}
