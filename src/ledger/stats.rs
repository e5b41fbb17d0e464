//! The year's figures for the 信访工作情况 report: totals, breakdowns by channel,
//! category, outcome, 三到位一处理 class and 销号 basis, the on-time rate, month by
//! month, the responsible units, and the open and overdue cases.
//!
//! Definitions (also in README):
//! - a case belongs to the year it was registered (`year`, else the year received);
//! - 按期办结率 = cases whose handling opinion was issued within its limit (60 days
//!   from acceptance, plus any approved extension) ÷ cases whose handling limit
//!   has run out by the report date or whose opinion was issued;
//! - a case's outcome: its decisions' outcome when all agree; 部分支持 when some
//!   requests are supported and some not; 不予受理, 办理中 (accepted, no opinion
//!   yet) and 待受理 (no decision yet) otherwise;
//! - open and overdue are as of the report date (the next statutory step past its
//!   last day is overdue).

use std::collections::BTreeMap;

use chrono::Datelike;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::case::calendar::Calendar;
use crate::case::date::Date;
use crate::case::deadline::{next_step, timeline};
use crate::case::model::{Channel, Class, CloseBasis, Decision, Outcome};
use crate::case::Case;

pub const FORMAT: &str = "anjuan-ledger-report/1";

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Stats {
    pub format: String,
    pub office: String,
    pub year: i32,
    pub as_of: Date,
    pub totals: Totals,
    pub on_time: OnTime,
    pub by_channel: Vec<Share>,
    pub by_category: Vec<Share>,
    pub by_outcome: Vec<Share>,
    pub by_class: Vec<Share>,
    pub by_close_basis: Vec<Share>,
    pub by_month: Vec<Month>,
    pub top_units: Vec<Unit>,
    pub overdue_cases: Vec<Overdue>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Totals {
    /// 登记件数.
    pub cases: usize,
    /// 信访人 named in the records.
    pub petitioners: usize,
    /// 涉及人数 (headcount of collective cases, else petitioners).
    pub people: usize,
    /// 集体访件数.
    pub collective: usize,
    /// 交办/转送件数.
    pub from_above: usize,
    pub accepted: usize,
    pub refused: usize,
    pub pending_acceptance: usize,
    /// 已销号.
    pub closed: usize,
    /// 在办.
    pub open: usize,
    /// 在办且下一法定环节已超期.
    pub overdue: usize,
    /// 在办且临期 (within `warn_days`).
    pub due_soon: usize,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct OnTime {
    /// 应办结件数.
    pub due: usize,
    /// 按期办结件数.
    pub on_time: usize,
    /// 超期办结或超期未办结.
    pub late: usize,
    /// 按期办结率 in percent, one decimal; null when nothing fell due.
    pub rate: Option<f64>,
    /// `94.7%`, or `—`.
    pub rate_text: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Share {
    pub label: String,
    pub count: usize,
    /// Percent of the year's cases (or of the closed cases, for 销号依据), one decimal.
    pub share: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Month {
    pub month: u32,
    pub label: String,
    pub received: usize,
    pub closed: usize,
    pub closed_on_time: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Unit {
    pub unit: String,
    pub cases: usize,
    pub open: usize,
    pub overdue: usize,
    pub closed: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Overdue {
    pub id: String,
    /// Surname and `*` (the report goes outside the office).
    pub petitioner: String,
    pub unit: String,
    pub leader: String,
    pub step: String,
    pub due: Date,
    pub days_over: i64,
}

const NO_UNIT: &str = "未落实责任单位";
const TOP_UNITS: usize = 10;

fn pct(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        (n as f64 * 1000.0 / of as f64).round() / 10.0
    }
}

fn shares(counts: Vec<(String, usize)>, of: usize) -> Vec<Share> {
    counts
        .into_iter()
        .map(|(label, count)| Share {
            share: pct(count, of),
            label,
            count,
        })
        .collect()
}

/// A case's outcome label.
pub fn outcome(case: &Case) -> &'static str {
    match (&case.acceptance, &case.handling) {
        (None, _) => "待受理",
        (Some(a), _) if a.decision == Decision::Refuse => "不予受理",
        (Some(_), None) => "办理中",
        (Some(_), Some(h)) => {
            let has = |o| h.decisions.iter().any(|d| d.outcome == o);
            let all = |o| h.decisions.iter().all(|d| d.outcome == o);
            if h.decisions.is_empty() {
                "办理中"
            } else if all(Outcome::Support) {
                "支持"
            } else if has(Outcome::Support) {
                "部分支持"
            } else if all(Outcome::Reject) {
                "不予支持"
            } else {
                "解释说明"
            }
        }
    }
}

const OUTCOMES: &[&str] = &[
    "支持",
    "部分支持",
    "解释说明",
    "不予支持",
    "不予受理",
    "办理中",
    "待受理",
];

fn masked_name(name: &str) -> String {
    let mut cs = name.chars();
    match cs.next() {
        Some(first) => format!("{first}{}", "*".repeat(cs.count().max(1))),
        None => String::new(),
    }
}

/// Counts the cases registered in `year` as of `as_of`.
pub fn compute(
    cases: &[&Case],
    office: &str,
    year: i32,
    cal: &Calendar,
    as_of: Date,
    warn_days: i64,
) -> Stats {
    let cases: Vec<&Case> = cases
        .iter()
        .copied()
        .filter(|c| c.year.unwrap_or(c.arrival.received.year()) == year)
        .collect();
    let n = cases.len();
    let mut t = Totals {
        cases: n,
        ..Totals::default()
    };
    let mut on = OnTime::default();
    let mut channel: BTreeMap<Channel, usize> = BTreeMap::new();
    let mut category: BTreeMap<String, usize> = BTreeMap::new();
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut class: BTreeMap<Option<Class>, usize> = BTreeMap::new();
    let mut basis: BTreeMap<CloseBasis, usize> = BTreeMap::new();
    let mut months: Vec<Month> = (1..=12)
        .map(|m| Month {
            month: m,
            label: format!("{m}月"),
            received: 0,
            closed: 0,
            closed_on_time: 0,
        })
        .collect();
    let mut units: BTreeMap<String, Unit> = BTreeMap::new();
    let mut overdue = Vec::new();

    for c in &cases {
        t.petitioners += c.petitioners.len();
        t.people += c
            .collective
            .as_ref()
            .map(|x| x.headcount as usize)
            .unwrap_or(c.petitioners.len());
        t.collective += usize::from(c.collective.is_some());
        t.from_above += usize::from(c.arrival.channel.from_above());
        match c.acceptance.as_ref().map(|a| a.decision) {
            Some(Decision::Accept) => t.accepted += 1,
            Some(Decision::Refuse) => t.refused += 1,
            None => t.pending_acceptance += 1,
        }
        *channel.entry(c.arrival.channel).or_default() += 1;
        *category.entry(c.matter.category.clone()).or_default() += 1;
        *outcomes.entry(outcome(c)).or_default() += 1;
        *class
            .entry(c.responsibility.as_ref().and_then(|r| r.class))
            .or_default() += 1;

        // On time: the handling step of the timeline.
        let handled_on_time = timeline(c, cal)
            .into_iter()
            .find(|s| s.id == "handling")
            .and_then(|s| match s.done {
                Some(done) => Some(done <= s.due),
                None if s.due < as_of => Some(false),
                None => None,
            });
        if let Some(ok) = handled_on_time {
            on.due += 1;
            if ok {
                on.on_time += 1;
            } else {
                on.late += 1;
            }
        }

        let received = c.arrival.received;
        if received.year() == year {
            months[received.0.month() as usize - 1].received += 1;
        }
        let unit_name = c
            .responsibility
            .as_ref()
            .map(|r| r.unit.trim().to_string())
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| NO_UNIT.to_string());
        let unit = units.entry(unit_name.clone()).or_insert_with(|| Unit {
            unit: unit_name,
            cases: 0,
            open: 0,
            overdue: 0,
            closed: 0,
        });
        unit.cases += 1;
        match &c.close {
            Some(cl) => {
                t.closed += 1;
                unit.closed += 1;
                *basis.entry(cl.basis).or_default() += 1;
                if cl.date.year() == year {
                    let m = &mut months[cl.date.0.month() as usize - 1];
                    m.closed += 1;
                    if handled_on_time != Some(false) {
                        m.closed_on_time += 1;
                    }
                }
            }
            None => {
                t.open += 1;
                unit.open += 1;
                if let Some(next) = next_step(c, cal, as_of) {
                    match next.days_left {
                        Some(d) if d < 0 => {
                            t.overdue += 1;
                            unit.overdue += 1;
                            let r = c.responsibility.as_ref();
                            overdue.push(Overdue {
                                id: c.id.clone(),
                                petitioner: c
                                    .petitioners
                                    .first()
                                    .map(|p| masked_name(&p.name))
                                    .unwrap_or_default(),
                                unit: r.map(|r| r.unit.clone()).unwrap_or_default(),
                                leader: r.map(|r| r.leader.clone()).unwrap_or_default(),
                                step: next.step.clone(),
                                due: next.due.unwrap_or(as_of),
                                days_over: -d,
                            });
                        }
                        Some(d) if d <= warn_days => t.due_soon += 1,
                        _ => {}
                    }
                }
            }
        }
    }
    on.rate = (on.due > 0).then(|| pct(on.on_time, on.due));
    on.rate_text = on
        .rate
        .map(|r| format!("{r:.1}%"))
        .unwrap_or_else(|| "—".into());

    let mut by_category: Vec<(String, usize)> = category.into_iter().collect();
    by_category.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut top: Vec<Unit> = units.into_values().collect();
    top.sort_by(|a, b| b.cases.cmp(&a.cases).then_with(|| a.unit.cmp(&b.unit)));
    top.truncate(TOP_UNITS);
    overdue.sort_by(|a, b| b.days_over.cmp(&a.days_over).then_with(|| a.id.cmp(&b.id)));

    Stats {
        format: FORMAT.into(),
        office: office.into(),
        year,
        as_of,
        by_channel: shares(
            Channel::ALL
                .iter()
                .map(|ch| (ch.zh().to_string(), channel.get(ch).copied().unwrap_or(0)))
                .collect(),
            n,
        ),
        by_category: shares(by_category, n),
        by_outcome: shares(
            OUTCOMES
                .iter()
                .map(|o| (o.to_string(), outcomes.get(o).copied().unwrap_or(0)))
                .collect(),
            n,
        ),
        by_class: shares(
            Class::ALL
                .iter()
                .map(|k| Some(*k))
                .chain([None])
                .map(|k| {
                    (
                        k.map(Class::zh).unwrap_or("未分类").to_string(),
                        class.get(&k).copied().unwrap_or(0),
                    )
                })
                .collect(),
            n,
        ),
        by_close_basis: shares(
            CloseBasis::ALL
                .iter()
                .map(|b| (b.zh().to_string(), basis.get(b).copied().unwrap_or(0)))
                .collect(),
            t.closed,
        ),
        by_month: months,
        top_units: top,
        overdue_cases: overdue,
        totals: t,
        on_time: on,
    }
}
