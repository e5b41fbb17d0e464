//! The year's figures for the 信访工作情况 report: totals, breakdowns by channel,
//! category, outcome, 三到位一处理 class and 销号 basis, the on-time rate, month by
//! month, the responsible units, and the open and overdue cases.
//!
//! Definitions (also in README):
//! - a case belongs to the year it was registered (`year`, else the year received);
//! - 按期办结率 = cases whose handling opinion was issued within its limit (60 days
//!   from acceptance, plus any approved extension) ÷ cases whose handling limit
//!   has run out by the report date or whose opinion was issued;
//! - 登记 (registered) is every case of the year; 受理 (accepted) only those whose
//!   acceptance decision is 受理; 不予受理 and 待受理 (no decision yet) are the rest;
//! - a case's outcome: its decisions' outcome when all agree (支持, 解释说明 or
//!   不予支持, the three of 第三十二条); when its requests were decided differently,
//!   the mix of those outcomes (`支持、不予支持（分项）`), never a fourth outcome;
//!   不予受理, 办理中 (accepted, no opinion yet) and 待受理 otherwise; requests are
//!   also counted one by one (`by_request_outcome`);
//! - responsible units rank the accepted cases only (a refused or undecided case
//!   has no unit handling it); accepted cases without a unit are counted apart;
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
    /// The requests (诉求) of the cases with a handling opinion, one by one, by the
    /// three statutory outcomes; shares of those requests.
    #[serde(default)]
    pub by_request_outcome: Vec<Share>,
    pub by_class: Vec<Share>,
    pub by_close_basis: Vec<Share>,
    pub by_month: Vec<Month>,
    pub top_units: Vec<Unit>,
    pub overdue_cases: Vec<Overdue>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Totals {
    /// 登记件数 (registered: every case of the year, whatever its acceptance).
    pub cases: usize,
    /// 信访人 named in the records.
    pub petitioners: usize,
    /// 涉及人数 (headcount of collective cases, else petitioners).
    pub people: usize,
    /// 集体访件数.
    pub collective: usize,
    /// 交办/转送件数.
    pub from_above: usize,
    /// 受理件数 (accepted: acceptance decision 受理).
    pub accepted: usize,
    /// 不予受理件数.
    pub refused: usize,
    /// 待作出受理决定.
    pub pending_acceptance: usize,
    /// 已受理但未落实责任单位 (accepted, no responsible unit recorded).
    #[serde(default)]
    pub accepted_without_unit: usize,
    /// 经批准延期办理 (handling period extended), wherever the file records it.
    #[serde(default)]
    pub extended: usize,
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
    /// 登记 (registered in the month).
    pub received: usize,
    /// Of those, 受理 (accepted).
    #[serde(default)]
    pub accepted: usize,
    /// Of those, 不予受理.
    #[serde(default)]
    pub refused: usize,
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

const TOP_UNITS: usize = 10;

fn accepted_case(c: &Case) -> bool {
    c.acceptance
        .as_ref()
        .is_some_and(|a| a.decision == Decision::Accept)
}

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

/// A case's outcome label: one of the three statutory outcomes when every request
/// got it, the mix (`支持、不予支持（分项）`) when they differ; 不予受理, 办理中, 待受理.
pub fn outcome(case: &Case) -> String {
    match (&case.acceptance, &case.handling) {
        (None, _) => "待受理".into(),
        (Some(a), _) if a.decision == Decision::Refuse => "不予受理".into(),
        (Some(_), None) => "办理中".into(),
        (Some(_), Some(h)) => {
            let present: Vec<&str> = Outcome::ALL
                .iter()
                .filter(|o| h.decisions.iter().any(|d| d.outcome == **o))
                .map(|o| o.zh())
                .collect();
            match present.len() {
                0 => "办理中".into(),
                1 => present[0].into(),
                _ => format!("{}{MIX}", present.join("、")),
            }
        }
    }
}

/// The mark of a mixed outcome: requests of one case decided differently.
pub const MIX: &str = "（分项）";

/// The outcome labels in the report's order: the three statutory outcomes, their
/// mixes, then the cases without an opinion.
fn outcome_order() -> Vec<String> {
    let one: Vec<&str> = Outcome::ALL.iter().map(|o| o.zh()).collect();
    let mut v: Vec<String> = one.iter().map(|s| s.to_string()).collect();
    let (s, e, r) = (one[0], one[1], one[2]);
    for mix in [vec![s, e], vec![s, r], vec![e, r], vec![s, e, r]] {
        v.push(format!("{}{MIX}", mix.join("、")));
    }
    v.extend(["不予受理", "办理中", "待受理"].map(String::from));
    v
}

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
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut requests: BTreeMap<Outcome, usize> = BTreeMap::new();
    let mut class: BTreeMap<Option<Class>, usize> = BTreeMap::new();
    let mut basis: BTreeMap<CloseBasis, usize> = BTreeMap::new();
    let mut months: Vec<Month> = (1..=12)
        .map(|m| Month {
            month: m,
            label: format!("{m}月"),
            received: 0,
            accepted: 0,
            refused: 0,
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
        t.extended += usize::from(accepted_case(c) && c.extension().is_some());
        match c.acceptance.as_ref().map(|a| a.decision) {
            Some(Decision::Accept) => t.accepted += 1,
            Some(Decision::Refuse) => t.refused += 1,
            None => t.pending_acceptance += 1,
        }
        *channel.entry(c.arrival.channel).or_default() += 1;
        *category.entry(c.matter.category.clone()).or_default() += 1;
        *outcomes.entry(outcome(c)).or_default() += 1;
        if accepted_case(c) {
            for d in c.handling.iter().flat_map(|h| h.decisions.iter()) {
                *requests.entry(d.outcome).or_default() += 1;
            }
        }
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
            let m = &mut months[received.0.month() as usize - 1];
            m.received += 1;
            match c.acceptance.as_ref().map(|a| a.decision) {
                Some(Decision::Accept) => m.accepted += 1,
                Some(Decision::Refuse) => m.refused += 1,
                None => {}
            }
        }
        // Only accepted cases have a unit handling them; refused and undecided
        // cases are not ranked as one.
        let unit_name = c
            .responsibility
            .as_ref()
            .map(|r| r.unit.trim().to_string())
            .filter(|u| !u.is_empty());
        if accepted_case(c) && unit_name.is_none() {
            t.accepted_without_unit += 1;
        }
        let mut unit = unit_name.filter(|_| accepted_case(c)).map(|name| {
            units.entry(name.clone()).or_insert_with(|| Unit {
                unit: name,
                cases: 0,
                open: 0,
                overdue: 0,
                closed: 0,
            })
        });
        if let Some(u) = unit.as_deref_mut() {
            u.cases += 1;
        }
        match &c.close {
            Some(cl) => {
                t.closed += 1;
                if let Some(u) = unit.as_deref_mut() {
                    u.closed += 1;
                }
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
                if let Some(u) = unit.as_deref_mut() {
                    u.open += 1;
                }
                if let Some(next) = next_step(c, cal, as_of) {
                    match next.days_left {
                        Some(d) if d < 0 => {
                            t.overdue += 1;
                            if let Some(u) = unit {
                                u.overdue += 1;
                            }
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
    // The first TOP_UNITS, and every unit tied with the last of them.
    if let Some(last) = top.get(TOP_UNITS.saturating_sub(1)).map(|u| u.cases) {
        let keep = top.iter().take_while(|u| u.cases >= last).count();
        top.truncate(keep.max(TOP_UNITS));
    }
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
            outcome_order()
                .into_iter()
                // The mixes only when they occur; the rest always, zeros too.
                .filter(|o| !o.ends_with(MIX) || outcomes.contains_key(o))
                .map(|o| {
                    let k = outcomes.get(&o).copied().unwrap_or(0);
                    (o, k)
                })
                .collect(),
            n,
        ),
        by_request_outcome: {
            let decided: usize = requests.values().sum();
            shares(
                Outcome::ALL
                    .iter()
                    .map(|o| (o.zh().to_string(), requests.get(o).copied().unwrap_or(0)))
                    .collect(),
                decided,
            )
        },
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
