//! Whole-office views: the open cases and their next statutory step (台账 of
//! deadlines), as typed rows. The command line prints them as a table or JSON;
//! the desk shows them on its dashboard and case list.

use std::path::PathBuf;

use crate::case::{self, deadline::next_step, CaseError, Rules};
use crate::diag::Located;
use crate::office::output::DeadlineRow;

/// What [`deadlines`] found.
#[derive(Debug)]
pub struct Deadlines {
    /// Open cases: overdue first (most overdue first), then by due date; steps
    /// without a limit last.
    pub rows: Vec<DeadlineRow>,
    /// Case files that could not be read, each with where and why.
    pub unreadable: Vec<Located>,
}

/// 超期 / 临期 / 正常 / 待办 for a step with `days_left`, warning `warn_days`
/// ahead.
pub fn status(days_left: Option<i64>, warn_days: i64) -> &'static str {
    match days_left {
        Some(d) if d < 0 => "超期",
        Some(d) if d <= warn_days => "临期",
        Some(_) => "正常",
        None => "待办",
    }
}

/// The open cases among `files` with their next step as of `rules.as_of`. The
/// files load in parallel (a county's year is 10,000 of them); what they say is
/// taken in file order, then sorted.
pub fn deadlines(files: &[PathBuf], rules: &Rules<'_>) -> Result<Deadlines, CaseError> {
    use rayon::prelude::*;
    let warn = i64::from(rules.config.calendar.warn_days);
    type Each = Result<Result<Option<DeadlineRow>, Located>, CaseError>;
    let each: Vec<Each> = files
        .par_iter()
        .map(|f| {
            Ok(case::load(f)?.map(|cf| {
                next_step(&cf.case, &rules.calendar, rules.as_of)
                    .map(|next| row(f, &cf.case, next, warn))
            }))
        })
        .collect();
    let mut rows = Vec::new();
    let mut unreadable = Vec::new();
    for e in each {
        match e? {
            Ok(Some(r)) => rows.push(r),
            Ok(None) => {}
            Err(l) => unreadable.push(l),
        }
    }
    rows.sort_by(|a, b| {
        let key = |r: &DeadlineRow| {
            (
                r.next.due.is_none(),
                r.next.days_left.unwrap_or(i64::MAX),
                r.case.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    Ok(Deadlines { rows, unreadable })
}

/// The petitioner as a list shows it: the first name, with 等N人 for several.
pub fn petitioner_label(c: &case::Case) -> String {
    let mut p = c
        .petitioners
        .first()
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let n = c
        .collective
        .as_ref()
        .map(|x| x.headcount as usize)
        .unwrap_or(c.petitioners.len());
    if n > 1 {
        p.push_str(&format!("等{n}人"));
    }
    p
}

fn row(f: &std::path::Path, c: &case::Case, next: case::deadline::Next, warn: i64) -> DeadlineRow {
    DeadlineRow {
        case: c.id.clone(),
        file: f.display().to_string(),
        petitioner: petitioner_label(c),
        leader: c.responsibility.as_ref().map(|r| r.leader.clone()),
        status: status(next.days_left, warn).to_string(),
        next,
    }
}
