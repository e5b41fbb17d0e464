//! Wording: how record text becomes the sentences of a paper.
//!
//! Case records are written by clerks in the register's voice (`信访人称…`), with
//! their own punctuation, and legal bases as they come to mind. A paper addressed to
//! the petitioner speaks to them (你 / 你们); a report upward speaks of them; every
//! junction the template makes (`；`, `。`, `的规定`) must not double what the clerk
//! already wrote. The functions here do exactly that and nothing else: they never
//! invent facts, only change person and punctuation at the seams. Each is a Tera
//! filter (registered in `templates.rs`) so that templates cannot forget the rule.
//!
//! Legal citations are `case::law`'s: the table, and how bases are joined.

/// Record text as a clause the template goes on from: trimmed, without the
/// punctuation it ends with (the template adds its own).
pub fn clause(text: &str) -> String {
    crate::case::law::trimmed(text)
}

/// Record text as a whole sentence: ends with one 。 (or the clerk's ！？).
pub fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() || t.ends_with(['。', '！', '？']) {
        return t.to_string();
    }
    format!("{}。", clause(t))
}

/// Who the register says reported: the petitioner in its voice, or the people of a
/// collective case. Longest first (`信访人们` before `信访人`).
const SUBJECTS: &[&str] = &[
    "信访人们",
    "信访人",
    "来信人",
    "来访人",
    "信访群众",
    "来访群众",
    "群众",
    "村民们",
    "村民",
];

/// The verbs of report that follow the subject (`称`, `反映：`). Longest first.
const VERBS: &[&str] = &["反映称", "诉称", "述称", "反映", "提出", "表示", "称"];

/// The text after a frame `SUBJECT[等N人]VERB` at its start, if it has one.
fn after_frame<'a>(t: &'a str, subject: &str) -> Option<&'a str> {
    let mut rest = t.strip_prefix(subject)?;
    // `朱根土等37人反映`, `朱根土等人称`.
    if let Some(r) = rest.strip_prefix('等') {
        let r = r.trim_start_matches(|c: char| c.is_ascii_digit());
        rest = r.strip_prefix('人').unwrap_or(rest);
    }
    let verb = VERBS.iter().find(|v| rest.starts_with(*v))?;
    let rest = &rest[verb.len()..];
    // `信访人反映的是…`, `信访人提出的请求…`: a noun phrase, not a frame.
    if rest.starts_with('的') {
        return None;
    }
    Some(rest)
}

/// Strips the register's opening frame (`信访人称`, `信访人反映：`, `王喆称`,
/// `朱根土等37人反映`) from record text, so that the paper's own frame (`反映：`) is
/// the only one; a following 其 stays (`反映：其于2025年8月…`, the third person of
/// a report upward). `names` are the petitioners'. Text without a frame is returned
/// as it is.
pub fn unframed(text: &str, names: &[String]) -> String {
    strip_frame(text, names, false)
}

fn strip_frame(text: &str, names: &[String], drop_qi: bool) -> String {
    let t = text.trim();
    let mut subjects: Vec<&str> = names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    subjects.sort_by_key(|n| std::cmp::Reverse(n.len()));
    subjects.extend_from_slice(SUBJECTS);
    for subject in subjects {
        if let Some(rest) = after_frame(t, subject) {
            let rest = rest.trim_start_matches(['：', ':', '，', ',', ' ']);
            // `信访人反映其承包地…`: 其 points back at the frame's subject, which a
            // paper addressed to the petitioner has just named (你反映：承包地…).
            let rest = if drop_qi {
                rest.strip_prefix('其').unwrap_or(rest)
            } else {
                rest
            };
            return rest.to_string();
        }
    }
    t.to_string()
}

/// Record text for a paper addressed to the petitioner: the register's frame
/// removed and `信访人` (the petitioner, in the register's voice) turned into the
/// paper's address, 你 or 你们; `names` are the petitioners' (a frame may name
/// them: `王喆称…`). `信访人员` (staff) and `信访人代表` keep their sense:
/// the first is left alone, the second becomes `你们的代表`.
pub fn addressed(text: &str, you: &str, names: &[String]) -> String {
    let t = strip_frame(text, names, true);
    let mut out = String::with_capacity(t.len());
    let mut rest = t.as_str();
    while let Some(i) = rest.find("信访人") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "信访人".len()..];
        if after.starts_with('员') {
            out.push_str("信访人");
        } else if let Some(a) = after.strip_prefix("代表") {
            out.push_str(you);
            out.push_str("的代表");
            rest = a;
            continue;
        } else {
            out.push_str(you);
            // `信访人房屋` is the petitioner's household's: `你家房屋`, `你们的房屋`.
            if ["房屋", "住房", "住宅", "房子", "承包地", "宅基地"]
                .iter()
                .any(|h| after.starts_with(h))
            {
                out.push(if you == "你" { '家' } else { '的' });
            }
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// How a subordinate body names the superior one it reports to: 贵局, 贵委, 贵办,
/// 贵厅 by the kind of body, else the body's own name (`青溪县人民政府`).
pub fn honorific(body: &str) -> String {
    let b = body.trim();
    for (end, h) in [
        ("局", "贵局"),
        ("厅", "贵厅"),
        ("委员会", "贵委"),
        ("委", "贵委"),
        ("办公室", "贵办"),
        ("办", "贵办"),
    ] {
        if b.ends_with(end) {
            return h.to_string();
        }
    }
    b.to_string()
}

/// A time range as a record writes it: the date once when both ends fall on one day
/// (`2026年6月5日9时30分至11时40分`).
pub fn time_range(start: &str, end: &str) -> String {
    use crate::case::date::DateTime;
    match (DateTime::parse(start), DateTime::parse(end)) {
        (Some(a), Some(b)) if a.date() == b.date() => {
            let e = b.chinese();
            let day = b.date().chinese();
            format!("{}至{}", a.chinese(), e.strip_prefix(&day).unwrap_or(&e))
        }
        (Some(a), Some(b)) => format!("{}至{}", a.chinese(), b.chinese()),
        _ => format!("{start}至{end}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_person() {
        assert_eq!(
            addressed("信访人称2024年5月借给同村村民钱某某8万元。", "你", &[]),
            "2024年5月借给同村村民钱某某8万元。"
        );
        assert_eq!(
            addressed("信访人反映其承包地被邻户占用。", "你", &[]),
            "承包地被邻户占用。"
        );
        assert_eq!(
            addressed(
                "雨水倒灌，致信访人房屋进水，信访人代表到场，信访人员登记。",
                "你们",
                &[]
            ),
            "雨水倒灌，致你们的房屋进水，你们的代表到场，信访人员登记。"
        );
        assert_eq!(
            unframed("信访人反映：养猪场污水直排", &[]),
            "养猪场污水直排"
        );
        let names = ["王喆".to_string(), "朱根土".to_string()];
        assert_eq!(addressed("王喆称其房屋漏水", "你", &names), "房屋漏水");
        assert_eq!(
            addressed("朱根土等37人反映：道路施工致房屋开裂", "你们", &names),
            "道路施工致房屋开裂"
        );
        assert_eq!(addressed("村民反映：噪声扰民", "你们", &names), "噪声扰民");
        assert_eq!(
            addressed("村民委员会已组织清淤", "你们", &names),
            "村民委员会已组织清淤"
        );
        assert_eq!(
            addressed("王喆之父王某到场", "你", &names),
            "王喆之父王某到场"
        );
        assert_eq!(
            unframed("信访人称其于2025年8月务工", &[]),
            "其于2025年8月务工"
        );
        assert_eq!(
            addressed("信访人反映的是民间借贷纠纷", "你", &[]),
            "你反映的是民间借贷纠纷"
        );
    }

    #[test]
    fn punctuation_at_seams() {
        assert_eq!(clause("已清淤。"), "已清淤");
        assert_eq!(clause("已清淤；"), "已清淤");
        assert_eq!(sentence("已清淤"), "已清淤。");
        assert_eq!(sentence("已清淤。"), "已清淤。");
        assert_eq!(sentence("已清淤；"), "已清淤。");
    }

    #[test]
    fn one_day_range_names_the_date_once() {
        assert_eq!(
            time_range("2026-06-05 09:30", "2026-06-05 11:40"),
            "2026年6月5日9时30分至11时40分"
        );
        assert_eq!(
            time_range("2026-06-05 09:30", "2026-06-06 11:40"),
            "2026年6月5日9时30分至2026年6月6日11时40分"
        );
    }
}
