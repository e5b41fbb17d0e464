//! The law a paper acts under: the citation table (which provision, by article,
//! each decision rests on) and how cited bases are written in one sentence.
//!
//! The provision a paper acts under comes from the office's citation table
//! ([`Citations`], `[citations]` in `anjuan.toml`); the case's own bases are added
//! after it, without repeating a bare title the table already cites by article.
//! Titles side by side take no 顿号 (GB/T 15834-2011 4.5.3.5).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Text trimmed of the marks a clerk may end a line with (also the `clause`
/// filter of the papers' wording).
pub fn trimmed(text: &str) -> String {
    text.trim()
        .trim_end_matches([
            '。', '；', '，', '、', '：', ';', ',', '.', ':', ' ', '\u{3000}',
        ])
        .to_string()
}

/// One cited basis as the clerk wrote it, reduced to the citation itself: without a
/// leading 根据/依据/依照/按照 and a trailing 的规定/之规定/规定, so that the paper's
/// single `根据……的规定` frames it.
pub fn bare_citation(text: &str) -> String {
    let mut t = trimmed(text);
    for p in ["根据", "依据", "依照", "按照"] {
        if let Some(r) = t.strip_prefix(p) {
            t = r.trim_start().to_string();
        }
    }
    for s in [
        "的有关规定",
        "的相关规定",
        "的规定",
        "之规定",
        "有关规定",
        "规定",
    ] {
        if let Some(r) = t.strip_suffix(s) {
            t = r.trim_end().to_string();
            break;
        }
    }
    trimmed(&t)
}

/// A citation that names a title only (`《中华人民共和国水污染防治法》`).
fn title_only(c: &str) -> bool {
    c.starts_with('《') && c.ends_with('》') && c.matches('《').count() == 1
}

/// The title a citation opens with, if any.
fn title_of(c: &str) -> Option<&str> {
    let end = c.find('》')?;
    c.starts_with('《').then(|| &c[..end + '》'.len_utf8()])
}

/// Whether a citation names an article (`第三十二条`), not only a law.
fn has_article(c: &str) -> bool {
    c.contains('第') && c.contains('条')
}

/// The bases of a decision as one list: the table's citations first, then the
/// case's own, each reduced by [`bare_citation`], split where the clerk put several
/// in one line (`；`, `、`), without duplicates, and without a case basis that only names
/// a law (bare, or `关于…的规定`) the table already cites by article.
pub fn citations<'a>(table: impl IntoIterator<Item = &'a str>, case: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push = |c: String, out: &mut Vec<String>| {
        if !c.is_empty() && !out.contains(&c) {
            out.push(c);
        }
    };
    for t in table {
        for part in t.split(['；', ';', '、']) {
            push(bare_citation(part), &mut out);
        }
    }
    let cited: Vec<String> = out
        .iter()
        .filter(|c| has_article(c))
        .filter_map(|c| title_of(c).map(str::to_string))
        .collect();
    for c in case {
        // Split at 、 too: `《A》、《B》` as one line is two bare titles, joined
        // again below without the 顿号; `第三条、第五条` joins back as it was.
        for part in c.split(['；', ';', '、']) {
            let b = bare_citation(part);
            let redundant =
                !has_article(&b) && title_of(&b).is_some_and(|t| cited.iter().any(|x| x == t));
            if !redundant {
                push(b, &mut out);
            }
        }
    }
    out
}

/// Citations joined for a sentence: `、` between them, none between two bare titles
/// (GB/T 15834-2011 4.5.3.5: 标有书名号的并列成分之间通常不用顿号).
pub fn join_citations(list: &[String]) -> String {
    let mut s = String::new();
    for (i, c) in list.iter().enumerate() {
        if i > 0 && !(title_only(&list[i - 1]) && title_only(c)) {
            s.push('、');
        }
        s.push_str(c);
    }
    s
}

/// The citation table: which provision each paper acts under, by article. Defaults
/// are the 2022 信访工作条例 (中共中央、国务院 2022-02-25, in force 2022-05-01), each
/// number checked against the published text (source: the text as published,
/// transcribed in LawRefBook/Laws `行政法规/信访工作条例.md`; 第三十六条 also against
/// the Guangdong 信访局 Q&A gdwsxf.gd.gov.cn post_3962125). An office overrides any
/// entry in `anjuan.toml` `[citations]`, e.g. to add its province's 信访条例;
/// several citations go in one value separated by `；`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Citations {
    /// 受理（信访人直接提出）: 第二十三条第二款 — written notice within 15 days.
    pub accept: String,
    /// 受理（转送、交办）: 第二十三条第三款 — assigned matters, notice within 15 days.
    pub accept_assigned: String,
    /// 不予受理·超出职权: 第二十三条第一款 — tell the petitioner the body that has the power.
    pub refuse_outside_powers: String,
    /// 不予受理·法定途径: 第三十一条 第（一）至（四）项 — litigation, arbitration,
    /// administrative procedures.
    pub refuse_procedure: String,
    /// 不予受理·已终结: 第三十六条第三款 — after 复核 not accepted again.
    pub refuse_concluded: String,
    /// 不予受理·超过期限: 第三十五条 — the 30 days to ask for 复查.
    pub refuse_window_missed: String,
    /// 不予受理·其他: none by default; the case's own basis is cited alone.
    pub refuse_other: String,
    /// 办理期限: 第三十四条 — 60 days from acceptance, extension ≤ 30 days.
    pub period: String,
    /// 处理意见: 第三十二条 — 支持 / 解释说明 / 不予支持.
    pub opinion: String,
    /// 复查: 第三十五条.
    pub review: String,
    /// 复核: 第三十六条 (hearing: its second paragraph; finality: its third).
    pub re_review: String,
    /// 听证: 第三十一条第六项.
    pub hearing: String,
    /// 调解、和解协议: 第三十三条.
    pub settlement: String,
}

impl Default for Citations {
    fn default() -> Self {
        let a = |s: &str| format!("《信访工作条例》{s}");
        Citations {
            accept: a("第二十三条第二款"),
            accept_assigned: a("第二十三条第三款"),
            refuse_outside_powers: a("第二十三条第一款"),
            refuse_procedure: a("第三十一条"),
            refuse_concluded: a("第三十六条第三款"),
            refuse_window_missed: a("第三十五条"),
            refuse_other: String::new(),
            period: a("第三十四条"),
            opinion: a("第三十二条"),
            review: a("第三十五条"),
            re_review: a("第三十六条"),
            hearing: a("第三十一条第六项"),
            settlement: a("第三十三条"),
        }
    }
}

impl Citations {
    /// The table for the templates: each entry reduced to its citations and joined
    /// (`law.accept`).
    pub fn context(&self) -> serde_json::Value {
        let v = serde_json::to_value(self).unwrap_or_default();
        let map = v
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, x)| {
                        let list = citations([x.as_str().unwrap_or("")], &[]);
                        (k.clone(), serde_json::Value::String(join_citations(&list)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        serde_json::Value::Object(map)
    }

    /// The entry a refusal of this kind acts under.
    pub fn refusal(&self, kind: Option<super::model::RefusalKind>) -> &str {
        use super::model::RefusalKind as K;
        match kind {
            Some(K::OutsidePowers) => &self.refuse_outside_powers,
            Some(K::OtherProcedure) => &self.refuse_procedure,
            Some(K::Concluded) => &self.refuse_concluded,
            Some(K::WindowMissed) => &self.refuse_window_missed,
            Some(K::Other) | None => &self.refuse_other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_once_and_without_enumeration_comma_between_titles() {
        let table = Citations::default();
        let l = citations(
            [table.refuse_procedure.as_str()],
            &["《信访工作条例》关于应当通过诉讼途径解决的事项不予受理的规定；《中华人民共和国民事诉讼法》第三条".into()],
        );
        assert_eq!(
            join_citations(&l),
            "《信访工作条例》第三十一条、《中华人民共和国民事诉讼法》第三条"
        );
        let l = citations(
            [table.opinion.as_str()],
            &[
                "《中华人民共和国土地管理法》、《浙江省土地管理条例》第二十条、第二十一条".into(),
                "《信访工作条例》第三十二条".into(),
                "《中华人民共和国噪声污染防治法》".into(),
                "《中华人民共和国水污染防治法》".into(),
                "根据《民法典》第二百八十八条的规定".into(),
            ],
        );
        assert_eq!(
            join_citations(&l),
            "《信访工作条例》第三十二条、《中华人民共和国土地管理法》、《浙江省土地管理条例》第二十条、第二十一条、《中华人民共和国噪声污染防治法》《中华人民共和国水污染防治法》、《民法典》第二百八十八条"
        );
    }
}
