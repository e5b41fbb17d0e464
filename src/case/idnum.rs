//! Identity numbers (GB 11643-1999) and phone numbers: checks and masking.
//!
//! These are personal data. Nothing in anjuan prints them whole to a terminal or
//! log: every message goes through [`mask_id`], [`mask_phone`] or [`mask_text`].

use super::date::Date;
use super::model::Sex;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// What is wrong with a resident identity number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdProblem {
    /// Not 18 characters (15 = the old first-generation form).
    Length(usize),
    /// A character other than a digit in the first 17, or other than a digit/X last.
    Characters,
    /// The birth date in positions 7–14 is not a real date.
    BirthDate,
    /// The check character does not match; carries the one that would.
    Checksum { expected: char },
}

/// The facts an identity number carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdFacts {
    pub birth: Date,
    pub sex: Sex,
}

/// The GB 11643 check character for the first 17 digits.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(CHECK[(sum % 11) as usize])
}

/// Checks an 18-character resident identity number (a lower-case `x` is accepted).
pub fn check_id(id: &str) -> Result<IdFacts, IdProblem> {
    let n = id.chars().count();
    if n != 18 {
        return Err(IdProblem::Length(n));
    }
    let (body, last) = id.split_at(17);
    let last = last.chars().next().map(|c| c.to_ascii_uppercase());
    if !body.bytes().all(|b| b.is_ascii_digit()) || !matches!(last, Some('0'..='9' | 'X')) {
        return Err(IdProblem::Characters);
    }
    let birth = Date::from_ymd(
        body[6..10].parse().unwrap_or(0),
        body[10..12].parse().unwrap_or(0),
        body[12..14].parse().unwrap_or(0),
    )
    .filter(|d| d.year() >= 1880)
    .ok_or(IdProblem::BirthDate)?;
    let expected = check_char(body).ok_or(IdProblem::Characters)?;
    if Some(expected) != last {
        return Err(IdProblem::Checksum { expected });
    }
    let seq: u32 = body[14..17].parse().unwrap_or(0);
    let sex = if seq % 2 == 1 { Sex::Male } else { Sex::Female };
    Ok(IdFacts { birth, sex })
}

/// `11010519491231002X` → `1101**********002X`: first four and last four kept.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < 4 || i >= n - 4 { *c } else { '*' })
        .collect()
}

/// `13812345678` → `138****5678`; `0571-88123456` → `0571-****3456`.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.chars().filter(|c| c.is_ascii_digit()).count();
    if digits < 7 {
        return phone
            .chars()
            .map(|c| if c.is_ascii_digit() { '*' } else { c })
            .collect();
    }
    // Keep the prefix (area code or the first 3 mobile digits) and the last 4 digits.
    let keep_head = match phone.find('-') {
        Some(i) => i + 1,
        None => 3,
    };
    let mut seen = 0;
    phone
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if i < keep_head || seen > digits - 4 {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Masks every run of 7 or more digits (with an optional trailing `X`) in free text:
/// whatever reaches a terminal from user data goes through this.
pub fn mask_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i < chars.len() && matches!(chars[i], 'X' | 'x') && i - start == 17 {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            if run.len() >= 15 {
                out.push_str(&mask_id(&run));
            } else if run.len() == 11 && run.starts_with('1') {
                out.push_str(&mask_phone(&run));
            } else if run.len() >= 7 {
                // A landline or anything else long: only the last four digits stay.
                out.push_str(&"*".repeat(run.len() - 4));
                out.push_str(&run[run.len() - 4..]);
            } else {
                out.push_str(&run);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// What is wrong with a phone number, if anything.
///
/// Accepted: mobile `1[3-9]` + 9 digits; landline `0` + 2–3 digit area code, a
/// hyphen optional, 7–8 digits, optional `-extension`; either with a `+86` prefix.
pub fn check_phone(phone: &str) -> Result<(), &'static str> {
    let p = phone.trim();
    let p = p.strip_prefix("+86").map(str::trim_start).unwrap_or(p);
    let p = p.strip_prefix('-').unwrap_or(p);
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if p.len() == 11 && digits_only(p) && p.starts_with('1') {
        return if matches!(p.as_bytes()[1], b'3'..=b'9') {
            Ok(())
        } else {
            Err("手机号第二位应为 3–9 (mobile numbers start 13–19)")
        };
    }
    if p.starts_with('1') && digits_only(p) {
        return Err("手机号应为 11 位数字 (a mobile number has 11 digits)");
    }
    let mut parts = p.split('-');
    let (area, local, ext) =
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(l), e, None) => (a, l, e),
            (Some(all), None, None, None) if all.starts_with('0') && all.len() >= 10 => {
                let cut = if all.len() >= 12 { 4 } else { 3 };
                (&all[..cut], &all[cut..], None)
            }
            _ => return Err(
                "应为手机号或带区号的固定电话 (expected a mobile number or area code + landline)",
            ),
        };
    let ok = area.starts_with('0')
        && (3..=4).contains(&area.len())
        && digits_only(area)
        && (7..=8).contains(&local.len())
        && digits_only(local)
        && ext.is_none_or(|e| (1..=6).contains(&e.len()) && digits_only(e));
    if ok {
        Ok(())
    } else {
        Err("应为手机号或带区号的固定电话 (expected a mobile number or area code + landline)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_test_values_pass() {
        let f = check_id("11010519491231002X").unwrap();
        assert_eq!(f.birth, Date::from_ymd(1949, 12, 31).unwrap());
        assert_eq!(f.sex, Sex::Female);
        let f = check_id("440524188001010014").unwrap();
        assert_eq!(f.sex, Sex::Male);
        assert!(check_id("11010519491231002x").is_ok());
    }

    #[test]
    fn problems_are_named() {
        assert_eq!(
            check_id("110105194912310021"),
            Err(IdProblem::Checksum { expected: 'X' })
        );
        assert_eq!(check_id("110105491231002"), Err(IdProblem::Length(15)));
        assert_eq!(check_id("11010519491331002X"), Err(IdProblem::BirthDate));
        assert_eq!(check_id("1101051949123100AX"), Err(IdProblem::Characters));
    }

    #[test]
    fn masks_keep_only_ends() {
        assert_eq!(mask_id("11010519491231002X"), "1101**********002X");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0571-88123456"), "0571-****3456");
        assert_eq!(
            mask_text("号码 11010519491231002X 与 13812345678，第3项"),
            "号码 1101**********002X 与 138****5678，第3项"
        );
        assert_eq!(mask_text("电话 88123456"), "电话 ****3456");
        assert_eq!(mask_text("20260302"), "****0302");
    }

    #[test]
    fn phones() {
        for ok in [
            "13812345678",
            "+86 13812345678",
            "0571-88123456",
            "010-62345678-123",
            "057188123456",
        ] {
            assert!(check_phone(ok).is_ok(), "{ok}");
        }
        for bad in ["1381234567", "12812345678", "88123456", "0571-881", "phone"] {
            assert!(check_phone(bad).is_err(), "{bad}");
        }
    }
}
