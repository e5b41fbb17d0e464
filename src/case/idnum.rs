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
    /// Full-width digits or letters (０-９, Ｘ), as a Chinese input method types them.
    FullWidth,
    /// A character other than a digit in the first 17, or other than a digit/X last.
    Characters,
    /// The first two digits are not a province code of GB/T 2260; carries them.
    Province(String),
    /// The birth date in positions 7–14 is not a real date.
    BirthDate,
    /// The birth date is a real date, but before [`MIN_BIRTH_YEAR`]; carries the year.
    BirthTooEarly(i32),
    /// The check character does not match; carries the one that would.
    Checksum { expected: char },
}

/// The earliest birth year taken as real: 18-digit numbers have been issued
/// since 1999, and nobody born before 1900 still petitions.
pub const MIN_BIRTH_YEAR: i32 = 1900;

/// The first two digits of a GB 11643 number: the province-level division of
/// GB/T 2260 (11–15 north, 21–23 north-east, 31–37 east, 41–46 south-central,
/// 50–54 south-west, 61–65 north-west, 71 Taiwan, 81 Hong Kong, 82 Macau).
pub fn province_valid(code: u32) -> bool {
    matches!(
        code,
        11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82
    )
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

/// A full-width digit or Latin letter (U+FF10–FF19, FF21–FF3A, FF41–FF5A).
pub fn is_full_width_alnum(c: char) -> bool {
    matches!(c, '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ')
}

/// Checks an 18-character resident identity number (a lower-case `x` is accepted).
/// Works on characters, never byte offsets: any text gives a problem, not a panic.
pub fn check_id(id: &str) -> Result<IdFacts, IdProblem> {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 {
        return Err(IdProblem::Length(chars.len()));
    }
    if chars.iter().any(|c| is_full_width_alnum(*c)) {
        return Err(IdProblem::FullWidth);
    }
    let last = chars[17].to_ascii_uppercase();
    if !chars[..17].iter().all(char::is_ascii_digit) || !matches!(last, '0'..='9' | 'X') {
        return Err(IdProblem::Characters);
    }
    // All 18 are ASCII from here on, so byte offsets are character offsets.
    let body: String = chars[..17].iter().collect();
    let num = |r: std::ops::Range<usize>| body[r].parse::<u32>().unwrap_or(0);
    if !province_valid(num(0..2)) {
        return Err(IdProblem::Province(body[0..2].to_string()));
    }
    let birth =
        Date::from_ymd(num(6..10) as i32, num(10..12), num(12..14)).ok_or(IdProblem::BirthDate)?;
    if birth.year() < MIN_BIRTH_YEAR {
        return Err(IdProblem::BirthTooEarly(birth.year()));
    }
    let expected = check_char(&body).ok_or(IdProblem::Characters)?;
    if expected != last {
        return Err(IdProblem::Checksum { expected });
    }
    let sex = if num(14..17) % 2 == 1 {
        Sex::Male
    } else {
        Sex::Female
    };
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

/// A digit as far as masking goes: ASCII, full-width (０-９) or any other
/// Unicode digit, so personal numbers typed in any of them are hidden alike.
fn digit_like(c: char) -> bool {
    c.is_ascii_digit() || c.is_numeric()
}

/// `13812345678` → `138****5678`; `0571-88123456` → `0571-****3456`.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.chars().filter(|c| digit_like(*c)).count();
    if digits < 7 {
        return phone
            .chars()
            .map(|c| if digit_like(c) { '*' } else { c })
            .collect();
    }
    // Keep the prefix (area code or the first 3 mobile digits) and the last 4 digits.
    // A character index, like `i` below (the text need not be ASCII).
    let keep_head = match phone.chars().position(|c| c == '-') {
        Some(i) => i + 1,
        None => 3,
    };
    let mut seen = 0;
    phone
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if !digit_like(c) {
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
/// whatever reaches a terminal from user data goes through this. Full-width and
/// other Unicode digits count as digits; lengths are in characters.
///
/// A hexadecimal digest (a word of exactly 32, 40, 64 or 128 ASCII hex digits
/// with at least one letter a–f, as MD5, SHA-1, SHA-256, SM3 and SHA-512 are
/// written) is left whole: its digits are no
/// one's number, and a blotted digest can no longer be compared. A personal
/// number is never such a word (an identity number has no a–f; a number run into
/// other letters is not all hex).
pub fn mask_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some(end) = digest_at(&chars, i) {
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        if digit_like(chars[i]) {
            let start = i;
            while i < chars.len() && digit_like(chars[i]) {
                i += 1;
            }
            if i < chars.len() && matches!(chars[i], 'X' | 'x' | 'Ｘ' | 'ｘ') && i - start == 17 {
                i += 1;
            }
            let run = &chars[start..i];
            let n = run.len();
            let s: String = run.iter().collect();
            // A quantity with a decimal point (`458329736.17435`, Payload-Oxum's
            // bytes.files) is no one's number, unless it has an identity
            // number's or a mobile number's shape.
            let decimal = chars.get(i) == Some(&'.')
                && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())
                && n < 15
                && !(n == 11 && matches!(run[0], '1' | '１'));
            if decimal {
                out.push_str(&s);
            } else if n >= 15 {
                out.push_str(&mask_id(&s));
            } else if n == 11 && matches!(run[0], '1' | '１') {
                out.push_str(&mask_phone(&s));
            } else if n >= 7 {
                // A landline or anything else long: only the last four digits stay.
                out.push_str(&"*".repeat(n - 4));
                out.extend(&run[n - 4..]);
            } else {
                out.push_str(&s);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The end of the hex digest that starts at `i` (a maximal word of ASCII letters
/// and digits, all hex, of a digest's length, with a letter a–f), if one does.
fn digest_at(chars: &[char], i: usize) -> Option<usize> {
    if i > 0 && chars[i - 1].is_ascii_alphanumeric() {
        return None;
    }
    let end = i + chars[i..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    let word = &chars[i..end];
    (matches!(word.len(), 32 | 40 | 64 | 128)
        && word.iter().all(char::is_ascii_hexdigit)
        && word.iter().any(|c| c.is_ascii_alphabetic()))
    .then_some(end)
}

/// What is wrong with a phone number, if anything.
///
/// Accepted: mobile `1[3-9]` + 9 digits; landline `0` + 2–3 digit area code, a
/// hyphen optional, 7–8 digits, optional `-extension`; either with a `+86` prefix.
pub fn check_phone(phone: &str) -> Result<(), &'static str> {
    if phone.chars().any(is_full_width_alnum) {
        return Err("含有全角数字或字母，须用半角 (full-width digits)");
    }
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
            (Some(all), None, None, None)
                if all.starts_with('0') && all.len() >= 10 && digits_only(all) =>
            {
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
        assert!(check_id("11010519491231002x").is_ok());
        // GB 11643's own example, born 1880: a real date, but nobody that old petitions.
        assert_eq!(
            check_id("440524188001010014"),
            Err(IdProblem::BirthTooEarly(1880))
        );
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
    fn province_codes() {
        for ok in [11, 15, 21, 23, 31, 37, 41, 46, 50, 54, 61, 65, 71, 81, 82] {
            assert!(province_valid(ok), "{ok}");
        }
        for bad in [
            0, 10, 16, 20, 24, 30, 38, 40, 47, 49, 55, 60, 66, 70, 72, 80, 83, 91, 99,
        ] {
            assert!(!province_valid(bad), "{bad}");
        }
        // 99… with a correct check digit is still refused.
        let body = "99010519491231002";
        let id = format!("{body}{}", check_char(body).unwrap());
        assert_eq!(check_id(&id), Err(IdProblem::Province("99".into())));
    }

    #[test]
    fn any_unicode_gives_a_problem_never_a_panic() {
        for id in [
            "３３０１２２１９７８０４１５２３１Ｘ",
            "33012219780415231Ｘ",
            "3301221978041523１X",
            "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
            "33012219780415231\u{0301}",
            "\u{200B}3301221978041523",
            "مرحبا123456789012",
            "330122197804152é",
            "",
        ] {
            assert!(check_id(id).is_err(), "{id}");
            let _ = mask_id(id);
            let _ = mask_text(id);
        }
        assert_eq!(
            check_id("３３０１２２１９７８０４１５２３１Ｘ"),
            Err(IdProblem::FullWidth)
        );
        for ph in [
            "１３９５７１１２４６８",
            "0５７１８８１２３４５６",
            "00５７１８８１２３４",
            "0😀😀😀😀😀😀",
            "0éééééééééé",
            "+86😀",
            "-",
            "",
        ] {
            assert!(check_phone(ph).is_err(), "{ph}");
            let _ = mask_phone(ph);
        }
    }

    #[test]
    fn full_width_numbers_are_masked_too() {
        assert_eq!(
            mask_text("号码 ３３０１２２１９７８０４１５２３１Ｘ"),
            "号码 ３３０１**********２３１Ｘ"
        );
        assert_eq!(
            mask_text("电话 １３９５７１１２４６８"),
            "电话 １３９****２４６８"
        );
        assert_eq!(mask_phone("电话0571-88123456"), "电话0571-****3456");
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
    fn digests_stay_whole_and_numbers_beside_them_do_not() {
        let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let sm3 = "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b";
        for d in [sha, sm3] {
            assert_eq!(
                mask_text(&format!("manifest-sha256 {d}")),
                format!("manifest-sha256 {d}")
            );
            assert_eq!(mask_text(&format!("（{d}）")), format!("（{d}）"));
        }
        // A personal number stays masked wherever it stands: alone, run into
        // hex-looking text that is too short, into other letters, or an
        // all-digit word of digest length.
        assert_eq!(mask_text("abc13812345678"), "abc138****5678");
        assert_eq!(mask_text("13812345678abcdef"), "138****5678abcdef");
        assert_eq!(
            mask_text("身份证11010519491231002Xdeadbeef"),
            "身份证1101**********002Xdeadbeef"
        );
        assert_eq!(
            mask_text("id 11010519491231002X0000000000000"),
            format!("id {}", mask_text("11010519491231002X0000000000000"))
        );
        let digits64 = "1".repeat(64);
        assert_ne!(mask_text(&digits64), digits64);
        // Hex letters after a number do not make it a digest unless the word has
        // a digest's exact length.
        assert_eq!(
            mask_text("110105194912310020abcdefabcdef1"),
            "1101**********0020abcdefabcdef1"
        );
        // A quantity with a decimal point stays; a phone or an identity number
        // with one does not.
        assert_eq!(
            mask_text("458329736.17435（字节.文件数）"),
            "458329736.17435（字节.文件数）"
        );
        assert_eq!(mask_text("13812345678.5"), "138****5678.5");
        assert_eq!(mask_text("110105194912310028.1"), "1101**********0028.1");
        assert_eq!(mask_text("电话 88123456。"), "电话 ****3456。");
        // A 32-hex word that hides a phone in other letters is not a digest.
        assert_eq!(
            mask_text("tel13812345678zzzzzzzzzzzzzzzzzzzzzzzz"),
            "tel138****5678zzzzzzzzzzzzzzzzzzzzzzzz"
        );
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
