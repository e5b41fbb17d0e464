//! The statutory timeline of a case: each time-limited step, when its period
//! started, when it ends, and whether (and when) it was done.
//!
//! Used by `check` (a step done late, or an open step past its limit, is an error)
//! and by `deadlines` (the clerk's daily list). Limits are DOMAIN.md §2.

use serde::Serialize;

use super::calendar::Calendar;
use super::date::Date;
use super::model::{Case, Channel, Decision, Paper, Procedure};
use crate::diag::FieldPath;

/// Who must act before the limit runs out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Actor {
    /// This office: a missed limit is a finding against it.
    Office,
    /// The body hearing a review or re-review.
    Reviewer,
    /// The petitioner's own window (to ask for review): informational.
    Petitioner,
}

#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// Stable identifier, e.g. `accept-notice`.
    pub id: &'static str,
    /// 中文名称, e.g. `书面告知受理与否`.
    pub name: &'static str,
    /// English term.
    pub en: &'static str,
    /// The event the period counts from (not itself counted).
    pub from: Date,
    /// The period, e.g. `15日` or `5个工作日`.
    pub period: String,
    /// The last day.
    pub due: Date,
    /// When it was done, if it was.
    pub done: Option<Date>,
    pub actor: Actor,
    /// The field that records completion (where a late step is reported).
    #[serde(skip)]
    pub field: FieldPath,
    /// The field holding the event the period counts from (where an open step is placed).
    #[serde(skip)]
    pub start_field: FieldPath,
    /// The approved extension that moved this step's limit (the handling step only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended: Option<Extended>,
}

/// An approved extension of a limit: by how many days, approved when and by whom,
/// and the limit it replaced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Extended {
    pub days: u32,
    pub approved_on: Date,
    pub approved_by: String,
    /// The limit before the extension.
    pub original_due: Date,
}

/// The handling limit before any extension: 60 days from acceptance, or 10
/// working days under the short form (None when the case was not accepted).
pub fn original_handling_due(case: &Case, cal: &Calendar) -> Option<Date> {
    let acc = case
        .acceptance
        .as_ref()
        .filter(|a| a.decision == Decision::Accept)?;
    let simple = case
        .handling
        .as_ref()
        .is_some_and(|h| h.procedure == Procedure::Simple);
    Some(if simple {
        cal.due_after_working_days(acc.date, 10)
    } else {
        cal.due_after_days(acc.date, 60)
    })
}

/// The day a paper was first served (signed-for date for mail), if it was.
pub fn served_on(case: &Case, paper: Paper) -> Option<Date> {
    case.deliveries
        .iter()
        .filter(|d| d.paper == paper)
        .map(|d| d.served_date())
        .min()
}

/// Every time-limited step the case has reached, in the order of the procedure.
pub fn timeline(case: &Case, cal: &Calendar) -> Vec<Step> {
    let mut steps = Vec::new();
    let received = case.arrival.received;
    let days = |from: Date, n: u32| (format!("{n}日"), cal.due_after_days(from, n));

    let (period, due) = days(received, 15);
    steps.push(Step {
        id: "accept-notice",
        name: "书面告知是否受理",
        en: "written acceptance decision",
        from: received,
        period,
        due,
        done: case.acceptance.as_ref().map(|a| a.date),
        actor: Actor::Office,
        field: FieldPath::parse("acceptance.date"),
        start_field: FieldPath::parse("arrival.received"),
        extended: None,
    });

    if let Some(obj) = &case.objection {
        if case.arrival.channel == Channel::Assigned || case.arrival.channel == Channel::Transferred
        {
            steps.push(Step {
                id: "objection",
                name: "对交办事项提出异议",
                en: "objection to an assigned matter",
                from: received,
                period: "5个工作日".into(),
                due: cal.due_after_working_days(received, 5),
                done: Some(obj.date),
                actor: Actor::Office,
                field: FieldPath::parse("objection.date"),
                start_field: FieldPath::parse("arrival.received"),
                extended: None,
            });
        }
    }

    let accepted = case
        .acceptance
        .as_ref()
        .filter(|a| a.decision == Decision::Accept);
    if let Some(acc) = accepted {
        let h = case.handling.as_ref();
        let simple = h.is_some_and(|h| h.procedure == Procedure::Simple);
        let extension = case.extension();
        let ext = extension.map(|e| e.days).unwrap_or(0);
        let original = original_handling_due(case, cal).unwrap_or(acc.date);
        let (mut period, mut due) = if simple {
            (
                "10个工作日".to_string(),
                cal.due_after_working_days(acc.date, 10),
            )
        } else {
            days(acc.date, 60 + ext)
        };
        if ext > 0 && !simple {
            period = format!("60日，延长{ext}日");
        } else if ext > 0 {
            due = cal.due_after_days(due, ext);
            period = format!("10个工作日，延长{ext}日");
        }
        steps.push(Step {
            id: "handling",
            name: "办结并出具处理意见",
            en: "handling opinion issued",
            from: acc.date,
            period,
            due,
            // A drafted opinion awaiting sign-off (待审签) is not issued yet.
            done: h.filter(|h| h.signed_off()).map(|h| h.date),
            actor: Actor::Office,
            field: FieldPath::parse("handling.date"),
            start_field: FieldPath::parse("acceptance.date"),
            extended: extension.filter(|e| e.days > 0).map(|e| Extended {
                days: e.days,
                approved_on: e.approved_on,
                approved_by: e.approved_by.to_string(),
                original_due: original,
            }),
        });
    }

    if let Some(a) = &case.arrival.assignment {
        if let Some(rd) = a.report_due {
            steps.push(Step {
                id: "report-back",
                name: "向交办机关报送办理情况",
                en: "report back to the assigning body",
                from: a.date,
                period: "交办单所定期限".into(),
                due: rd,
                done: case.report_back.as_ref().map(|r| r.date),
                actor: Actor::Office,
                field: FieldPath::parse("report_back.date"),
                start_field: FieldPath::parse("arrival.assignment.report_due"),
                extended: None,
            });
        }
    }

    if let Some(served) = served_on(case, Paper::Opinion) {
        let (period, due) = days(served, 30);
        steps.push(Step {
            id: "review-request",
            name: "信访人申请复查",
            en: "petitioner's window to ask for review",
            from: served,
            period,
            due,
            done: case.review.as_ref().map(|r| r.requested_on),
            actor: Actor::Petitioner,
            field: FieldPath::parse("review.requested_on"),
            start_field: FieldPath::parse("deliveries"),
            extended: None,
        });
    }
    if let Some(r) = &case.review {
        let (period, due) = days(r.requested_on, 30);
        steps.push(Step {
            id: "review-opinion",
            name: "出具复查意见",
            en: "review opinion issued",
            from: r.requested_on,
            period,
            due,
            done: r.date,
            actor: Actor::Reviewer,
            field: FieldPath::parse("review.date"),
            start_field: FieldPath::parse("review.requested_on"),
            extended: None,
        });
    }
    if let Some(served) = served_on(case, Paper::ReviewOpinion) {
        let (period, due) = days(served, 30);
        steps.push(Step {
            id: "re-review-request",
            name: "信访人申请复核",
            en: "petitioner's window to ask for re-review",
            from: served,
            period,
            due,
            done: case.re_review.as_ref().map(|r| r.requested_on),
            actor: Actor::Petitioner,
            field: FieldPath::parse("re_review.requested_on"),
            start_field: FieldPath::parse("deliveries"),
            extended: None,
        });
    }
    if let Some(r) = &case.re_review {
        let extra = r.hearing_days;
        let (mut period, due) = days(r.requested_on, 30 + extra);
        if extra > 0 {
            period = format!("30日，听证{extra}日不计入");
        }
        steps.push(Step {
            id: "re-review-opinion",
            name: "出具复核意见",
            en: "re-review opinion issued",
            from: r.requested_on,
            period,
            due,
            done: r.date,
            actor: Actor::Reviewer,
            field: FieldPath::parse("re_review.date"),
            start_field: FieldPath::parse("re_review.requested_on"),
            extended: None,
        });
    }
    steps
}

/// Where an open case stands: the step to watch, or the next action without a limit.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Next {
    pub step: String,
    pub en: String,
    pub due: Option<Date>,
    pub days_left: Option<i64>,
    pub actor: Option<Actor>,
    /// The extension that moved the step's limit, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended: Option<Extended>,
}

/// The next thing to do on an open case as of `as_of` (None when closed).
pub fn next_step(case: &Case, cal: &Calendar, as_of: Date) -> Option<Next> {
    if case.close.is_some() {
        return None;
    }
    let steps = timeline(case, cal);
    let pending = |actor: Actor| {
        steps
            .iter()
            .filter(|s| s.done.is_none() && s.actor == actor)
            .min_by_key(|s| s.due)
    };
    let pick = pending(Actor::Office)
        .or_else(|| pending(Actor::Reviewer))
        .or_else(|| pending(Actor::Petitioner).filter(|s| s.due >= as_of));
    if let Some(s) = pick {
        return Some(Next {
            step: s.name.to_string(),
            en: s.en.to_string(),
            due: Some(s.due),
            days_left: Some(as_of.days_until(s.due)),
            actor: Some(s.actor),
            extended: s.extended.clone(),
        });
    }
    // No running limit: say what the clerk does next.
    let served = |p| served_on(case, p).is_some();
    let (step, en) = match (&case.acceptance, &case.handling) {
        (Some(a), _) if a.decision == Decision::Refuse && !served(Paper::RefuseNotice) => {
            ("送达不予受理告知书", "serve the non-acceptance notice")
        }
        (Some(a), _) if a.decision == Decision::Refuse => ("结案销号", "close the case"),
        (Some(_), None) if !served(Paper::AcceptNotice) => {
            ("送达受理告知书", "serve the acceptance notice")
        }
        (Some(_), Some(_)) if !served(Paper::Opinion) => {
            ("送达处理意见书", "serve the handling opinion")
        }
        _ if case.review.as_ref().is_some_and(|r| r.date.is_some())
            && !served(Paper::ReviewOpinion) =>
        {
            ("送达复查意见书", "serve the review opinion")
        }
        _ if case.re_review.as_ref().is_some_and(|r| r.date.is_some())
            && !served(Paper::ReReviewOpinion) =>
        {
            ("送达复核意见书", "serve the re-review opinion")
        }
        _ if case.arrival.channel.from_above()
            && case.report_back.is_none()
            && case.handling.is_some() =>
        {
            (
                "向交办机关报送办理情况",
                "report back to the assigning body",
            )
        }
        _ => ("结案销号", "close the case"),
    };
    Some(Next {
        step: step.into(),
        en: en.into(),
        due: None,
        days_left: None,
        actor: None,
        extended: None,
    })
}
