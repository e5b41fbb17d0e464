//! The case record (信访事项案卷记录): everything every standard paper needs.
//!
//! One file per case, TOML (or JSON). Field names are English; enumerated values
//! are the Chinese terms the papers print (with English aliases accepted). This
//! module only defines the shape; [`super::validate`] decides what is consistent.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::date::{Date, DateTime};

/// Declares a closed list of Chinese terms with English aliases, optionally
/// with a function naming the office aliases it also reads (`aliases f`).
/// Deserialization goes through [`parse`](Channel::parse), so a case file and a
/// ledger cell accept the same spellings; an unknown one is serde's `unknown
/// variant` error listing the terms.
macro_rules! terms {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $zh:literal / $en:literal),+ $(,)? } $(aliases $aliases:path)?) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $zh, alias = $en)] $var),+
        }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// Every name of every value (Chinese, English), as an error lists them.
            pub const NAMES: &'static [&'static str] = &[$($zh, $en),+];
            /// The Chinese term, as printed on papers.
            pub fn zh(self) -> &'static str {
                match self { $($name::$var => $zh),+ }
            }
            /// The English term.
            pub fn en(self) -> &'static str {
                match self { $($name::$var => $en),+ }
            }
            /// The value a text names: its Chinese or English term (spaces at
            /// the ends ignored), or an alias offices use for it.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                if let Some(v) = $name::ALL.iter().copied().find(|v| v.zh() == s || v.en() == s) {
                    return Some(v);
                }
                $(if let Some(v) = $aliases(s) {
                    return Some(v);
                })?
                None
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.zh())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("a string: ")?;
                        for (i, v) in $name::ALL.iter().enumerate() {
                            if i > 0 {
                                f.write_str("、")?;
                            }
                            f.write_str(v.zh())?;
                        }
                        Ok(())
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::parse(v).ok_or_else(|| E::unknown_variant(v, $name::NAMES))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

/// How an alias is matched against what was typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AliasMatch {
    /// The whole text.
    Exact,
    /// The text begins with it (`来信来访` → 来信).
    Prefix,
    /// The text contains it (`网上信访`, `省网上信访信息系统` → 网上).
    Contains,
}

/// The first alias in `table` that matches `s` (already trimmed).
fn by_alias<T: Copy>(table: &[(AliasMatch, &str, T)], s: &str) -> Option<T> {
    table.iter().find_map(|(how, a, v)| {
        let hit = match how {
            AliasMatch::Exact => s == *a,
            AliasMatch::Prefix => s.starts_with(a),
            AliasMatch::Contains => s.contains(a),
        };
        hit.then_some(*v)
    })
}

/// One petition case (一案一卷).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// 案件编号 (case number), unique in the office, e.g. `XF-2026-0007`.
    pub id: String,
    /// 登记年度 (registration year); defaults to the year received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// 承办机关 (office); defaults to the office in `anjuan.toml` and must match it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    /// 案卷题名 (dossier title), e.g. `王喆反映宅基地确权问题`; derived when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// 来源 (arrival): channel, date received, assignment.
    pub arrival: Arrival,
    /// 信访人 (petitioners): one, or several for a collective case.
    pub petitioners: Vec<Petitioner>,
    /// 集体信访 (collective case): set when many people petition on the same matter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collective: Option<Collective>,
    /// 委托代理人 (agents with power of attorney).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<Agent>,
    /// 信访事项 (the matter): summary, itemised requests, category.
    pub matter: Matter,
    /// 受理 (acceptance decision): accept, or refuse with reason, basis and redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<Acceptance>,
    /// 异议 (objection to an assigned matter outside this body's powers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objection: Option<Objection>,
    /// 责任落实 (responsibility): unit, leader in charge, handler, 三到位一处理 class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsibility: Option<Responsibility>,
    /// 延期 (extension of the handling period, at most 30 days): a step of its own,
    /// recorded while the case is still being handled, approved by the body's head
    /// before the 60-day limit runs out. Older files record it as
    /// `[handling.extension]`, which is still read; a file may not have both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
    /// 办理 (handling): facts, investigation, basis, decision per request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handling: Option<Handling>,
    /// 听证 (hearing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hearing: Option<Hearing>,
    /// 和解/调解/息诉息访协议 (settlement agreement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<Settlement>,
    /// 复查 (review by the next level up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    /// 复核 (re-review by the level above the reviewer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub re_review: Option<Review>,
    /// 办理情况报告 (report back to the assigning body), for assigned cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_back: Option<ReportBack>,
    /// 送达 (deliveries): one per served paper.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deliveries: Vec<Delivery>,
    /// 办理过程记录 (events): meetings, visits, calls, leader receptions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    /// 结案销号 (close-out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close: Option<Close>,
    /// 保管期限 (retention period); defaults to the office's retention table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,
    /// 密级 (classification) of the dossier's papers, printed on the 案卷封面 and in the
    /// 密级 column of the catalogue and the metadata; defaults to `[archive] classification`.
    /// Unset: blank, as DA/T 22 has it for papers that carry no classification mark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
    /// 备注 (remarks), carried to the 备考表.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    /// 来件材料 (incoming papers): the petitioner's letter, the visit record, the
    /// online submission, a phone record …, each a received file filed in the dossier.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incoming: Vec<Incoming>,
}

terms! {
    /// 来件材料种类 (kind of incoming paper).
    IncomingKind {
        Letter = "来信" / "letter",
        VisitRecord = "来访记录" / "visit-record",
        Online = "网上信访件" / "online-submission",
        PhoneRecord = "电话记录" / "phone-record",
        Other = "其他材料" / "other",
    }
}

impl IncomingKind {
    /// Made by the office itself (a visit or phone record it wrote down), not
    /// by the petitioner.
    pub fn made_by_office(self) -> bool {
        matches!(self, IncomingKind::VisitRecord | IncomingKind::PhoneRecord)
    }
}

/// One incoming paper of the case: a received file (PDF, JPEG, PNG or TIFF).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Incoming {
    /// 种类 (来信 / 来访记录 / 网上信访件 / 电话记录 / 其他材料).
    pub kind: IncomingKind,
    /// 文件 (the file, relative to the office folder), e.g. `originals/XF-2026-0001-来信.png`.
    pub file: String,
    /// 日期 (date of the paper); default the date received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// 题名 (title); default the kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

terms! {
    /// 信访形式 (how the matter reached the office). Also read as offices write it:
    /// 来电 / 12345 (电话), 信件 (来信), 网上信访 (网上) … — `CHANNEL_ALIASES`.
    Channel {
        Letter = "来信" / "letter",
        Visit = "来访" / "visit",
        Online = "网上" / "online",
        Phone = "电话" / "phone",
        Assigned = "交办" / "assigned",
        Transferred = "转送" / "transferred",
    } aliases channel_alias
}

/// 信访形式 as offices write it, beyond the terms themselves: one table for the
/// ledger import and case files alike, first match wins. Papers and the
/// exported ledger print the term (`来电` → 电话).
pub const CHANNEL_ALIASES: &[(AliasMatch, &str, Channel)] = &[
    (AliasMatch::Prefix, "来信", Channel::Letter),
    (AliasMatch::Exact, "信件", Channel::Letter),
    (AliasMatch::Exact, "书信", Channel::Letter),
    (AliasMatch::Prefix, "来访", Channel::Visit),
    (AliasMatch::Contains, "网", Channel::Online),
    (AliasMatch::Contains, "电话", Channel::Phone),
    (AliasMatch::Exact, "来电", Channel::Phone),
    (AliasMatch::Exact, "12345", Channel::Phone),
    (AliasMatch::Contains, "交办", Channel::Assigned),
    (AliasMatch::Contains, "转送", Channel::Transferred),
    (AliasMatch::Contains, "转交", Channel::Transferred),
];

fn channel_alias(s: &str) -> Option<Channel> {
    by_alias(CHANNEL_ALIASES, s)
}

impl Channel {
    /// Assigned or transferred from another body (交办/转送).
    pub fn from_above(self) -> bool {
        matches!(self, Channel::Assigned | Channel::Transferred)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Arrival {
    /// 信访形式 (channel).
    pub channel: Channel,
    /// 收到日期 (date received by this office); deadlines count from the next day.
    pub received: Date,
    /// 信访件编号 in the national petition information system, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_no: Option<String>,
    /// 交办/转送 (assignment or transfer): required when the channel is 交办 or 转送.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<Assignment>,
    /// 登记人 (who registered the matter); default the office contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_by: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// 交办机关 (assigning body), e.g. `青溪县人民政府信访局`.
    pub body: String,
    /// 交办文号 (its document number), e.g. `青信交〔2026〕15号`.
    pub number: String,
    /// 交办日期 (date of the assignment slip).
    pub date: Date,
    /// 交办意见 (what the assigning body asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// 报结期限 (date by which the report back is due), if the slip sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_due: Option<Date>,
    /// 信访形式 (the petitioner's own channel at the assigning body: 来信, 来访, 网上, 电话),
    /// which the papers print instead of 交办/转送. The slip names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// 原件 (the received slip, scanned: PDF, JPEG, PNG or TIFF), relative to the
    /// office folder. The dossier files this file, not a re-typeset copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
}

terms! {
    /// 性别 (sex).
    Sex { Male = "男" / "male", Female = "女" / "female" }
}

terms! {
    /// 证件类型 (identity document type).
    IdType {
        Resident = "居民身份证" / "resident-id",
        HkMacau = "港澳居民来往内地通行证" / "hk-macau-permit",
        Taiwan = "台湾居民来往大陆通行证" / "taiwan-permit",
        Passport = "护照" / "passport",
        Other = "其他" / "other",
    }
}

#[allow(clippy::derivable_impls)] // the enum comes from the `terms!` macro
impl Default for IdType {
    fn default() -> Self {
        IdType::Resident
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Petitioner {
    /// 姓名 (name).
    pub name: String,
    /// 性别 (sex); checked against the identity number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// 证件类型 (document type); default 居民身份证.
    #[serde(default)]
    pub id_type: IdType,
    /// 证件号码 (identity number); for 居民身份证 the GB 11643 checksum is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// 联系电话 (phone): mobile `13812345678` or landline `0571-88123456`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// 住址 (address for service of papers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// 工作单位 (employer), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<String>,
    /// 代表人 (elected representative of a collective case).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub representative: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Collective {
    /// 涉及人数 (number of people involved).
    pub headcount: u32,
    /// 群体名称 (how the group is described), e.g. `某村被征地农户`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    /// 姓名 (name).
    pub name: String,
    /// 与委托人关系 (relation), e.g. `律师`, `儿子`.
    pub relation: String,
    /// 委托人 (the petitioners this agent acts for), by name.
    pub principals: Vec<String>,
    /// 证件号码 (identity number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// 联系电话 (phone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// 工作单位 (employer or law firm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<String>,
    /// 授权委托书 (power of attorney).
    pub power_of_attorney: PowerOfAttorney,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PowerOfAttorney {
    /// 签署日期 (date signed).
    pub date: Date,
    /// 委托权限 (scope), e.g. `一般授权` or `特别授权：代为陈述、签收文书`.
    pub scope: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Matter {
    /// 事项摘要 (summary).
    pub summary: String,
    /// 诉求 (itemised requests): one per item, referred to by number (1, 2, …).
    pub requests: Vec<String>,
    /// 问题分类 (category), from the office's list in `anjuan.toml`.
    pub category: String,
    /// 问题发生地 (place where the matter arose).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

terms! {
    /// 受理决定 (acceptance decision).
    Decision { Accept = "受理" / "accept", Refuse = "不予受理" / "refuse" }
}

terms! {
    /// 不予受理理由 (kind of refusal reason).
    RefusalKind {
        OutsidePowers = "超出职权" / "outside-powers",
        OtherProcedure = "法定途径" / "statutory-procedure",
        Concluded = "已终结" / "already-concluded",
        WindowMissed = "超过期限" / "window-missed",
        Other = "其他" / "other",
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// 受理 or 不予受理.
    pub decision: Decision,
    /// 告知日期 (date of the written notice); within 15 days of receipt.
    pub date: Date,
    /// 文号 (document number): a serial under the office's issuer code, or a full number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_no: Option<DocNo>,
    /// 联系人 (contact person named on the notice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// 联系电话 (contact phone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
    /// 不予受理理由类别 (refusal kind): required when refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_kind: Option<RefusalKind>,
    /// 不予受理理由 (the reason, in words): required when refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// 法律依据 (legal basis by article): required when refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// 告知去向 (the body or procedure to go to instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_to: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Objection {
    /// 提出日期 (date raised); within 5 working days of receipt.
    pub date: Date,
    /// 异议理由 (reasons).
    pub reason: String,
    /// 结果 (how the assigning body answered), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
}

terms! {
    /// 三到位一处理 (classification of a key case). Also read as the policy's full
    /// phrases, e.g. 诉求合理的解决问题到位 — `CLASS_ALIASES`.
    Class {
        Solve = "解决问题到位" / "solve",
        Educate = "思想教育到位" / "educate",
        Assist = "帮扶救助到位" / "assist",
        Enforce = "依法处理" / "enforce",
    } aliases class_alias
}

/// 三到位一处理 as offices write it (the full phrases of the policy, `诉求合理的
/// 解决问题到位`, and short forms): one table for the ledger import and case
/// files, first match wins.
pub const CLASS_ALIASES: &[(AliasMatch, &str, Class)] = &[
    (AliasMatch::Contains, "解决问题", Class::Solve),
    (AliasMatch::Contains, "思想教育", Class::Educate),
    (AliasMatch::Contains, "教育疏导", Class::Educate),
    (AliasMatch::Contains, "帮扶", Class::Assist),
    (AliasMatch::Contains, "救助", Class::Assist),
    (AliasMatch::Contains, "依法处理", Class::Enforce),
];

fn class_alias(s: &str) -> Option<Class> {
    by_alias(CLASS_ALIASES, s)
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Responsibility {
    /// 责任单位 (responsible unit).
    pub unit: String,
    /// 包案领导 (leader in charge).
    pub leader: String,
    /// 领导职务 (leader's title), e.g. `副镇长`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader_title: Option<String>,
    /// 责任人/承办人 (handler).
    pub handler: String,
    /// 承办人电话 (handler's phone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler_phone: Option<String>,
    /// 工作专班 (team members), if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub team: Vec<String>,
    /// 三到位一处理 class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<Class>,
    /// 具体工作措施 (measures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measures: Option<String>,
    /// 处理时限 (the date the ledger sets for resolving the case; the office's own
    /// target, beside the statutory limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
    /// 办理进展 (progress, as the ledger records it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
}

terms! {
    /// 办理程序 (procedure): ordinary (60 days) or short form (10 working days).
    Procedure { Ordinary = "普通" / "ordinary", Simple = "简易" / "short-form" }
}

#[allow(clippy::derivable_impls)] // the enum comes from the `terms!` macro
impl Default for Procedure {
    fn default() -> Self {
        Procedure::Ordinary
    }
}

terms! {
    /// 处理结果 (outcome for one request, 第三十二条).
    Outcome {
        Support = "支持" / "support",
        Explain = "解释说明" / "explain",
        Reject = "不予支持" / "reject",
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Handling {
    /// 办理程序 (procedure); default 普通.
    #[serde(default)]
    pub procedure: Procedure,
    /// 处理意见书日期 (date of the handling opinion).
    pub date: Date,
    /// 文号 (document number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_no: Option<DocNo>,
    /// 查明事实 (facts found: time, place, main facts).
    pub facts: String,
    /// 调查核实 (investigation steps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub investigation: Vec<Investigation>,
    /// 法律政策依据 (laws and policies relied on).
    pub legal_basis: Vec<String>,
    /// 处理意见 (decision per request).
    pub decisions: Vec<RequestDecision>,
    /// 签发领导 (leader who signed off). Empty (or absent) while the drafted
    /// opinion awaits the leader's sign-off (待审签): no 处理意见书 is made for it.
    #[serde(default)]
    pub signed_off_by: String,
    /// 签发日期 (date signed off); default the opinion's date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_off_on: Option<Date>,
    /// 复查机关 (the body to ask for review), named in the remedy clause.
    pub review_body: String,
    /// 延期 (extension of the handling period), as older files record it; new files
    /// write the top-level `[extension]`, which an open case can carry. Not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Investigation {
    /// 日期 (date).
    pub date: Date,
    /// 地点 (place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// 调查人 (by whom).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// 调查内容 (what was done and found).
    pub text: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestDecision {
    /// 诉求序号 (number of the request in `matter.requests`, from 1).
    pub request: u32,
    /// 支持 / 解释说明 / 不予支持.
    pub outcome: Outcome,
    /// 理由 (reasons).
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    /// 延长天数 (days added, at most 30).
    pub days: u32,
    /// 批准人 (the body's head who approved). Absent while the request awaits
    /// approval (延期待审批): a requested extension does not move any limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// 批准日期 (approved on): before the original limit ran out. Absent while
    /// the request awaits approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_on: Option<Date>,
    /// 延期理由 (reason).
    pub reason: String,
    /// 告知信访人日期 (date the 延期告知书 was issued to the petitioner); default
    /// the approval date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notified_on: Option<Date>,
    /// 延期告知书文号 (document number of the extension notice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_no: Option<DocNo>,
}

terms! {
    /// 听证参加人角色 (hearing participant role).
    Role {
        Presiding = "主持人" / "presiding",
        Member = "听证员" / "member",
        Petitioner = "信访人" / "petitioner",
        Agent = "代理人" / "agent",
        Handler = "承办人" / "handler",
        Recorder = "记录员" / "recorder",
        ThirdParty = "第三人" / "third-party",
        Observer = "旁听人员" / "observer",
    }
}

terms! {
    /// 阶段 (the stage a hearing belongs to).
    Stage { Handling = "办理" / "handling", ReReview = "复核" / "re-review" }
}

#[allow(clippy::derivable_impls)] // the enum comes from the `terms!` macro
impl Default for Stage {
    fn default() -> Self {
        Stage::Handling
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hearing {
    /// 阶段 (办理 or 复核); default 办理.
    #[serde(default)]
    pub stage: Stage,
    /// 开始时间 (start).
    pub start: DateTime,
    /// 结束时间 (end).
    pub end: DateTime,
    /// 地点 (place).
    pub place: String,
    /// 参加人 (participants by role).
    pub participants: Vec<Participant>,
    /// 听证经过 (the proceedings, in order).
    pub minutes: Vec<Minute>,
    /// 听证结论 (conclusion).
    pub conclusion: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Participant {
    /// 角色 (role).
    pub role: Role,
    /// 姓名 (name).
    pub name: String,
    /// 单位/职务 (unit or title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Minute {
    /// 发言人 (speaker), by name or role.
    pub speaker: String,
    /// 内容 (what was said or done).
    pub text: String,
}

terms! {
    /// 协议类型 (kind of agreement).
    SettlementKind {
        Reconcile = "和解" / "reconciliation",
        Mediate = "调解" / "mediation",
        Cease = "息诉息访" / "cease-petitioning",
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settlement {
    /// 和解 / 调解 / 息诉息访.
    pub kind: SettlementKind,
    /// 签订日期 (date signed).
    pub date: Date,
    /// 编号 (document number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_no: Option<DocNo>,
    /// 协议各方 (parties).
    pub parties: Vec<Party>,
    /// 争议事实 (the request and facts).
    pub facts: String,
    /// 协议条款 (agreed terms, numbered in order).
    pub terms: Vec<String>,
    /// 履行方式 (how and when the terms are performed).
    pub performance: String,
    /// 违约责任 (what happens on breach).
    pub breach: String,
    /// 息诉罢访承诺 (the petitioner undertakes to stop petitioning on this matter).
    #[serde(default)]
    pub undertaking: bool,
    /// 份数 (number of copies).
    pub copies: u32,
    /// 见证人 (witnesses), if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// 甲方 / 乙方 / 丙方.
    pub side: String,
    /// 姓名或名称 (name of the person or body).
    pub name: String,
    /// 证件号码 (identity number of a person).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// 住址 (address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// 代表人 (the body's representative), for a body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representative: Option<String>,
}

terms! {
    /// 复查/复核结果 (review outcome).
    ReviewOutcome {
        Uphold = "维持" / "uphold",
        Change = "变更" / "change",
        Redo = "撤销重办" / "revoke-and-redo",
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// 申请日期 (date the petitioner asked); within 30 days of receiving the earlier opinion.
    pub requested_on: Date,
    /// 复查/复核机关 (reviewing body).
    pub body: String,
    /// 请求事项 (what the petitioner asks the reviewer).
    pub requests: Vec<String>,
    /// 意见书日期 (date of the opinion); absent while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// 文号 (the reviewing body's own document number, in full).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_no: Option<String>,
    /// 结果 (维持 / 变更 / 撤销重办).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<ReviewOutcome>,
    /// 复查/复核认定 (findings and reasons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<String>,
    /// 法律依据 (legal basis).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal_basis: Vec<String>,
    /// 复核机关 (for a 复查: the body to ask for 复核), named in the remedy clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_body: Option<String>,
    /// 听证天数 (days taken by a hearing; not counted toward a 复核 limit).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hearing_days: u32,
    /// 原件 (the opinion as received from the reviewing body, scanned: PDF, JPEG,
    /// PNG or TIFF), relative to the office folder. The dossier files this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBack {
    /// 报告日期 (date).
    pub date: Date,
    /// 文号 (document number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_no: Option<DocNo>,
    /// 签发人 (signer).
    pub signer: String,
    /// 联系人 (contact).
    pub contact: String,
    /// 联系电话 (contact phone).
    pub phone: String,
}

terms! {
    /// 文书 (papers of a case), as named on deliveries and in the dossier.
    Paper {
        AcceptNotice = "受理告知书" / "acceptance-notice",
        RefuseNotice = "不予受理告知书" / "non-acceptance-notice",
        ExtensionNotice = "延期告知书" / "extension-notice",
        Opinion = "处理意见书" / "handling-opinion",
        ReviewOpinion = "复查意见书" / "review-opinion",
        ReReviewOpinion = "复核意见书" / "re-review-opinion",
        HearingRecord = "听证笔录" / "hearing-record",
        Agreement = "协议书" / "agreement",
        AssignmentSlip = "交办单" / "assignment-slip",
        ReportBack = "办理情况报告" / "report-back",
        DeliveryReceipt = "送达回证" / "delivery-receipt",
    }
}

terms! {
    /// 送达方式 (method of service).
    Method {
        InPerson = "直接" / "in-person",
        LeftAfterRefusal = "留置" / "left-after-refusal",
        Mail = "邮寄" / "registered-mail",
        Entrusted = "委托" / "entrusted",
        Forwarded = "转交" / "forwarded",
        Notice = "公告" / "public-notice",
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// 送达文书 (paper served).
    pub paper: Paper,
    /// 送达方式 (method).
    pub method: Method,
    /// 送达时间 (time, to the minute).
    pub time: DateTime,
    /// 送达地点 (place).
    pub place: String,
    /// 受送达人/签收人 (who signed for it).
    pub recipient: String,
    /// 与受送达人关系 (relation to the addressee when someone else signed), e.g. `配偶`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    /// 送达人 (servers), at least one.
    pub servers: Vec<String>,
    /// 见证人 (witness): required for 留置.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<String>,
    /// 拒收理由 (reason given for refusing): required for 留置.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal_reason: Option<String>,
    /// 拍照/录像记录 (photo or video noted): required for 留置.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// 邮件号码 (tracking number): required for 邮寄.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// 签收日期 (date the addressee signed for a mailed paper); periods that run from
    /// service (the petitioner's review window) count from this date when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_on: Option<Date>,
    /// 备注 (remarks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// 日期 (date).
    pub date: Date,
    /// 类型 (kind), e.g. `接访`, `走访`, `约谈`, `包案领导接访`, `电话回访`.
    pub kind: String,
    /// 经过 (what happened).
    pub text: String,
    /// 经办人 (by whom).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

terms! {
    /// 销号依据 (basis for striking the case off).
    CloseBasis {
        Concluded = "办结" / "concluded",
        Refused = "不予受理" / "refused",
        Agreement = "息诉息访协议" / "cease-agreement",
        FinalReview = "三级终结" / "final-after-re-review",
        AdminReview = "行政复议" / "administrative-review",
        Court = "诉讼程序" / "court-procedure",
        LawEnforced = "依法处理" / "dealt-with-by-law",
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Close {
    /// 结案日期 (date closed).
    pub date: Date,
    /// 销号依据 (basis).
    pub basis: CloseBasis,
    /// 说明 (note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

terms! {
    /// 保管期限 (retention period), DA/T 22 codes.
    Retention {
        Permanent = "永久" / "Y",
        Years30 = "30年" / "D30",
        Years10 = "10年" / "D10",
    }
}

terms! {
    /// 密级 (classification), the GB/T 7156 terms a petition office uses. A paper with no
    /// classification mark has none (blank, DA/T 22), which is the usual case.
    Classification {
        Public = "公开" / "public",
        Internal = "内部" / "internal",
        Confidential = "秘密" / "confidential",
        Secret = "机密" / "secret",
        TopSecret = "绝密" / "top-secret",
    }
}

impl Case {
    /// The approved extension of the handling period, wherever the file records it:
    /// the top-level `[extension]`, else the older `[handling.extension]`. Every
    /// consumer that counts it (deadlines, papers, ledger, report) reads it here:
    /// a request not yet approved is not an extension.
    pub fn extension(&self) -> Option<ApprovedExtension<'_>> {
        self.extension_record().and_then(Extension::approved)
    }

    /// The extension as the file records it, approved or only requested.
    pub fn extension_record(&self) -> Option<&Extension> {
        self.extension
            .as_ref()
            .or_else(|| self.handling.as_ref().and_then(|h| h.extension.as_ref()))
    }

    /// The extension requested and awaiting the head's approval (延期待审批).
    pub fn extension_pending(&self) -> Option<&Extension> {
        self.extension_record().filter(|e| e.approved().is_none())
    }

    /// The handling opinion drafted and awaiting the leader's sign-off (待审签).
    pub fn awaiting_sign_off(&self) -> Option<&Handling> {
        self.handling.as_ref().filter(|h| !h.signed_off())
    }

    /// The field path of [`Case::extension`] (`extension` or `handling.extension`),
    /// where findings about it are placed.
    pub fn extension_field(&self) -> &'static str {
        if self.extension.is_some() {
            "extension"
        } else {
            "handling.extension"
        }
    }
}

impl Handling {
    /// Signed off by a leader (签发领导 named).
    pub fn signed_off(&self) -> bool {
        !self.signed_off_by.trim().is_empty()
    }

    /// 签发日期: as recorded, else the opinion's date.
    pub fn signed_off_date(&self) -> Date {
        self.signed_off_on.unwrap_or(self.date)
    }
}

/// An approved extension (延期), as the papers and the deadlines read it: the
/// fields of [`Extension`] with the approval present and the notice dated.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ApprovedExtension<'a> {
    pub days: u32,
    pub approved_by: &'a str,
    pub approved_on: Date,
    pub reason: &'a str,
    /// As recorded, else the approval date.
    pub notified_on: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc_no: Option<&'a DocNo>,
}

impl Extension {
    /// The approval, when both the approver and the date are recorded.
    pub fn approved(&self) -> Option<ApprovedExtension<'_>> {
        let (by, on) = (self.approved_by.as_deref()?, self.approved_on?);
        Some(ApprovedExtension {
            days: self.days,
            approved_by: by,
            approved_on: on,
            reason: &self.reason,
            notified_on: self.notified_on.unwrap_or(on),
            doc_no: self.doc_no.as_ref(),
        })
    }
}

impl Delivery {
    /// The day the paper counts as served: the signed-for date of a mailed paper,
    /// otherwise the day of the delivery.
    pub fn served_date(&self) -> Date {
        self.signed_on.unwrap_or(self.time.date())
    }
}

impl Retention {
    /// The code used in 档号: `Y`, `D30`, `D10`.
    pub fn code(self) -> &'static str {
        self.en()
    }
}

/// 发文字号 (document number): a serial under the office's issuer code for the paper
/// (`12` → `青信受字〔2026〕12号`), or a full number as issued (`青信受字〔2026〕12号`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum DocNo {
    Serial(u32),
    Full(String),
}

#[cfg(test)]
mod alias_tests {
    use super::*;

    #[test]
    fn channel_and_class_aliases_read_in_case_files_as_in_the_ledger() {
        for (typed, want) in [
            ("来电", Channel::Phone),
            ("电话来访", Channel::Phone),
            ("12345", Channel::Phone),
            ("信件", Channel::Letter),
            ("来信来访", Channel::Letter),
            ("网上信访", Channel::Online),
            ("online", Channel::Online),
            (" 交办 ", Channel::Assigned),
            ("上级转交", Channel::Transferred),
        ] {
            assert_eq!(Channel::parse(typed), Some(want), "{typed}");
            let t: toml::Value = toml::from_str(&format!("c = {typed:?}")).unwrap();
            let c: Channel = t["c"].clone().try_into().unwrap();
            assert_eq!(c, want, "{typed} from TOML");
            let j: Channel = serde_json::from_str(&format!("{typed:?}")).unwrap();
            assert_eq!(j, want, "{typed} from JSON");
        }
        assert_eq!(Channel::parse("传真"), None);
        let e = serde_json::from_str::<Channel>("\"传真\"").unwrap_err();
        assert!(e.to_string().starts_with("unknown variant `传真`"), "{e}");
        assert_eq!(Class::parse("诉求合理的解决问题到位"), Some(Class::Solve));
        assert_eq!(Class::parse("教育疏导"), Some(Class::Educate));
        assert_eq!(Class::parse("其他"), None);
        // Written back as the term.
        assert_eq!(serde_json::to_string(&Channel::Phone).unwrap(), "\"电话\"");
    }
}
