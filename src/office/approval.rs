//! The leader's approvals and the clerk's requests that wait for them, written
//! into the case file (the one source of truth) through [`super::edit`]: toml_edit,
//! optimistic concurrency on the version the form was based on, atomic replace,
//! and no save that leaves a new error.
//!
//! - 审签 (sign-off): a handling opinion drafted with an empty `signed_off_by`
//!   awaits the leader; signing off writes `signed_off_by` and `signed_off_on`.
//! - 延期 (extension): the clerk requests it (`[extension]` with `days` and
//!   `reason`, no `approved_by`/`approved_on`); a request does not move the limit.
//!   The head approves it (`approved_by`, `approved_on` = today) before the
//!   original limit runs out, or rejects it (the request is removed).
//!
//! "Today" is the rules' `as_of` (the office's date), as everywhere else.

use std::path::Path;

use crate::case::date::Date;
use crate::case::deadline::{original_handling_due, timeline};
use crate::case::idnum::mask_text;
use crate::case::{Case, Rules};
use crate::diag::FieldPath;
use crate::office::edit::{self, Change, EditError, Saved, Value};

/// Why an approval step was not written.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error("该案件没有待审签的处理意见 (no handling opinion awaiting sign-off)")]
    NothingToSignOff,
    #[error("该案件没有待审批的延期申请 (no extension request pending)")]
    NoRequest,
    #[error("该案件已有延期记录，不能再申请 (an extension is already recorded)")]
    AlreadyExtended,
    #[error("该案件尚未受理或已出具处理意见，不能申请延期 (no handling period running)")]
    NotRunning,
    #[error(
        "原办理期限 {original} 已届满（今日 {today}），依《信访工作条例》第三十六条不能再批准延期 (the original limit has run out)"
    )]
    TooLate { original: Date, today: Date },
    #[error("延长天数须为 1–30 日 (extension days 1–30)，填写的是 {0}")]
    Days(String),
    #[error("无法读取案件文件 (cannot read the case file): {0}")]
    Unreadable(String),
}

impl ApprovalError {
    pub fn remedy(&self) -> &'static str {
        match self {
            ApprovalError::Edit(e) => e.remedy(),
            ApprovalError::NothingToSignOff => "该处理意见可能已由他人签发：刷新审批页查看",
            ApprovalError::NoRequest => "延期申请可能已由他人审批或撤回：刷新审批页查看",
            ApprovalError::AlreadyExtended => "一件事项只能延期一次（不超过 30 日）",
            ApprovalError::NotRunning => "延期只能在受理之后、出具处理意见之前申请",
            ApprovalError::TooLate { .. } => {
                "延期须在原办理期限届满前经本机关负责人批准；请驳回申请，督促承办人尽快办结"
            }
            ApprovalError::Days(_) => "填写 1 到 30 之间的整数",
            ApprovalError::Unreadable(_) => "用 anjuan check 查看并改正该文件",
        }
    }
}

fn load(path: &Path) -> Result<Case, ApprovalError> {
    match crate::case::load(path) {
        Ok(Ok(cf)) => Ok(cf.case),
        Ok(Err(l)) => Err(ApprovalError::Unreadable(mask_text(&l.diag.message))),
        Err(e) => Err(ApprovalError::Unreadable(mask_text(&e.to_string()))),
    }
}

fn change(field: &str, value: Value) -> Change {
    Change {
        field: FieldPath::parse(field),
        value,
    }
}

/// 审签: the leader `leader` signs off the drafted opinion of the case file at
/// `path`, dated today, if the file is still at version `base`.
pub fn sign_off(
    office: &Path,
    path: &Path,
    base: &str,
    leader: &str,
    rules: &Rules,
) -> Result<Saved, ApprovalError> {
    let case = load(path)?;
    if case.awaiting_sign_off().is_none() {
        // A stale form is told so by the version check first.
        check_base(path, base)?;
        return Err(ApprovalError::NothingToSignOff);
    }
    let changes = [
        change("handling.signed_off_by", Value::Text(leader.to_string())),
        change("handling.signed_off_on", Value::Date(rules.as_of)),
    ];
    Ok(edit::save(office, path, base, &changes, rules)?)
}

/// Refuses a save based on another version than the file's now.
fn check_base(path: &Path, base: &str) -> Result<(), ApprovalError> {
    let text = std::fs::read(path).map_err(|e| ApprovalError::Unreadable(e.to_string()))?;
    let now = edit::version_of(&text);
    if now != base {
        return Err(EditError::Conflict {
            path: path.to_path_buf(),
            base: base.to_string(),
            current: now,
            changed: Vec::new(),
        }
        .into());
    }
    Ok(())
}

/// The number of days a request names: 1–30.
pub fn parse_days(s: &str) -> Result<u32, ApprovalError> {
    match s.trim().parse::<u32>() {
        Ok(n) if (1..=30).contains(&n) => Ok(n),
        _ => Err(ApprovalError::Days(s.trim().chars().take(20).collect())),
    }
}

/// Whether an extension can be requested: none recorded yet, and the handling
/// period running (accepted, no signed-off opinion, not closed).
pub fn may_request(case: &Case, rules: &Rules) -> Result<(), ApprovalError> {
    if case.extension_record().is_some() {
        return Err(ApprovalError::AlreadyExtended);
    }
    let running = original_handling_due(case, &rules.calendar).is_some()
        && case.handling.as_ref().is_none_or(|h| !h.signed_off())
        && case.close.is_none();
    if running {
        Ok(())
    } else {
        Err(ApprovalError::NotRunning)
    }
}

/// 申请延期: records the request (`[extension]` with `days` and `reason`, not
/// approved) in the case file.
pub fn request_extension(
    office: &Path,
    path: &Path,
    base: &str,
    days: u32,
    reason: &str,
    rules: &Rules,
) -> Result<Saved, ApprovalError> {
    let case = load(path)?;
    if let Err(e) = may_request(&case, rules) {
        check_base(path, base)?;
        return Err(e);
    }
    let changes = [
        change("extension.days", Value::Int(i64::from(days))),
        change("extension.reason", Value::Text(reason.to_string())),
    ];
    Ok(edit::save(office, path, base, &changes, rules)?)
}

/// 批准延期: the head `leader` approves the pending request, today, if today is
/// not after the original limit.
pub fn approve_extension(
    office: &Path,
    path: &Path,
    base: &str,
    leader: &str,
    rules: &Rules,
) -> Result<Saved, ApprovalError> {
    let case = load(path)?;
    if case.extension_pending().is_none() {
        check_base(path, base)?;
        return Err(ApprovalError::NoRequest);
    }
    if let Some(original) = original_handling_due(&case, &rules.calendar) {
        if rules.as_of > original {
            return Err(ApprovalError::TooLate {
                original,
                today: rules.as_of,
            });
        }
    }
    let at = case.extension_field();
    let changes = [
        change(
            &format!("{at}.approved_by"),
            Value::Text(leader.to_string()),
        ),
        change(&format!("{at}.approved_on"), Value::Date(rules.as_of)),
    ];
    Ok(edit::save(office, path, base, &changes, rules)?)
}

/// 驳回延期: removes the pending request from the case file.
pub fn reject_extension(
    office: &Path,
    path: &Path,
    base: &str,
    rules: &Rules,
) -> Result<Saved, ApprovalError> {
    let case = load(path)?;
    if case.extension_pending().is_none() {
        check_base(path, base)?;
        return Err(ApprovalError::NoRequest);
    }
    let changes = [change(case.extension_field(), Value::Remove)];
    Ok(edit::save(office, path, base, &changes, rules)?)
}

/// A pending extension request as the leader weighs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestView {
    pub days: u32,
    /// The reason, personal numbers masked.
    pub reason: String,
    /// The limit now (the original one: a request does not move it).
    pub limit: Date,
    /// Days from today to the limit (negative: run out).
    pub days_left: i64,
    /// The limit if the request is approved today.
    pub new_limit: Date,
    /// Whether it can still be approved (today not after the limit).
    pub approvable: bool,
}

/// What the leader sees of a pending request: the limit now and the one an
/// approval today would give (the deadline rules themselves, not a copy).
pub fn request_view(case: &Case, rules: &Rules) -> Option<RequestView> {
    let e = case.extension_pending()?;
    let limit = original_handling_due(case, &rules.calendar)?;
    let mut approved = case.clone();
    let x = if approved.extension.is_some() {
        approved.extension.as_mut()
    } else {
        approved
            .handling
            .as_mut()
            .and_then(|h| h.extension.as_mut())
    }?;
    x.approved_by = Some(String::new());
    x.approved_on = Some(rules.as_of);
    let new_limit = timeline(&approved, &rules.calendar)
        .into_iter()
        .find(|s| s.id == "handling")
        .map(|s| s.due)
        .unwrap_or(limit);
    Some(RequestView {
        days: e.days,
        reason: mask_text(&e.reason),
        limit,
        days_left: rules.as_of.days_until(limit),
        new_limit,
        approvable: rules.as_of <= limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Loaded};

    const OPEN: &str = include_str!("../../tests/fixtures/extension/XF-2026-0101.toml");

    /// An office (the demo office's configuration) holding the open case
    /// `XF-2026-0101` as `text`, its "today" `as_of`.
    fn office(text: &str) -> (tempfile::TempDir, Loaded, std::path::PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-office");
        std::fs::create_dir_all(t.path().join("cases")).unwrap();
        let cfg = t.path().join("anjuan.toml");
        std::fs::copy(demo.join("anjuan.toml"), &cfg).unwrap();
        let file = t.path().join("cases/XF-2026-0101.toml");
        std::fs::write(&file, text).unwrap();
        let loaded = Loaded {
            config: Config::load(&cfg).unwrap(),
            path: Some(cfg),
        };
        (t, loaded, file)
    }

    fn rules_on<'a>(loaded: &'a Loaded, day: &str) -> Rules<'a> {
        let mut r = crate::office::rules(loaded, None);
        r.as_of = Date::parse(day).unwrap();
        r
    }

    /// The open case with its extension only requested.
    fn requested() -> String {
        // Its notice is not served before approval: the last delivery goes.
        let open = OPEN.rsplit_once("[[deliveries]]").unwrap().0;
        open.lines()
            .filter(|l| {
                !["approved_by", "approved_on", "notified_on", "doc_no = 7"]
                    .iter()
                    .any(|k| l.starts_with(k))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn handling_due(case: &Case, rules: &Rules) -> Date {
        timeline(case, &rules.calendar)
            .into_iter()
            .find(|s| s.id == "handling")
            .unwrap()
            .due
    }

    fn check(file: &Path, rules: &Rules) -> (Case, Vec<crate::diag::Located>) {
        let text = std::fs::read_to_string(file).unwrap();
        let (cf, found) = crate::case::check_text(file, text, rules).unwrap();
        (cf.case, found)
    }

    #[test]
    fn a_requested_extension_moves_no_limit_until_approved() {
        let (t, loaded, file) = office(&requested());
        let rules = rules_on(&loaded, "2026-11-16");
        let (case, found) = check(&file, &rules);
        assert!(case.extension().is_none(), "a request is not an extension");
        assert_eq!(case.extension_pending().map(|e| e.days), Some(30));
        assert_eq!(handling_due(&case, &rules).to_string(), "2026-11-20");
        assert!(
            found.iter().any(|l| l.diag.code == "extension-pending"
                && !l.diag.is_error()
                && l.diag.message.contains("延期待审批")),
            "{found:?}"
        );
        assert!(!found.iter().any(|l| l.diag.is_error()), "{found:?}");
        // No notice is planned for a request.
        let jobs = crate::render::plan::plan(&case, &loaded.config);
        assert!(!jobs.iter().any(|j| j.title.contains("延期")));

        let v = request_view(&case, &rules).unwrap();
        assert_eq!(
            (v.limit.to_string(), v.new_limit.to_string(), v.days_left),
            ("2026-11-20".into(), "2026-12-20".into(), 4)
        );
        assert!(v.approvable);

        let base = edit::open(t.path(), &file).unwrap().version;
        approve_extension(t.path(), &file, &base, "陈志远", &rules).unwrap();
        let (case, found) = check(&file, &rules);
        let x = case.extension().expect("approved");
        assert_eq!((x.approved_by, x.approved_on), ("陈志远", rules.as_of));
        assert_eq!(x.notified_on, rules.as_of, "the notice dated the approval");
        assert_eq!(handling_due(&case, &rules).to_string(), "2026-12-20");
        assert!(!found.iter().any(|l| l.diag.is_error()), "{found:?}");
        let jobs = crate::render::plan::plan(&case, &loaded.config);
        assert!(jobs.iter().any(|j| j.title.contains("延期")));
    }

    #[test]
    fn an_approval_after_the_limit_is_refused_and_a_rejection_removes_the_request() {
        let (t, loaded, file) = office(&requested());
        let late = rules_on(&loaded, "2026-11-21");
        let base = edit::open(t.path(), &file).unwrap().version;
        let e = approve_extension(t.path(), &file, &base, "陈志远", &late).unwrap_err();
        assert!(matches!(e, ApprovalError::TooLate { .. }), "{e}");
        assert!(e.to_string().contains("2026-11-20"), "{e}");
        assert!(
            !request_view(&check(&file, &late).0, &late)
                .unwrap()
                .approvable
        );
        reject_extension(t.path(), &file, &base, &late).unwrap();
        let (case, _) = check(&file, &late);
        assert!(case.extension_record().is_none());
        // Nothing pending any more.
        let base = edit::open(t.path(), &file).unwrap().version;
        let e = reject_extension(t.path(), &file, &base, &late).unwrap_err();
        assert!(matches!(e, ApprovalError::NoRequest), "{e}");
    }

    #[test]
    fn a_request_is_recorded_without_approval() {
        let text: String = OPEN.split("[extension]").next().unwrap().to_string()
            + &OPEN
                .split("[[deliveries]]")
                .nth(1)
                .map(|d| format!("[[deliveries]]{d}"))
                .unwrap();
        let (t, loaded, file) = office(&text);
        let rules = rules_on(&loaded, "2026-11-10");
        let base = edit::open(t.path(), &file).unwrap().version;
        request_extension(t.path(), &file, &base, 20, "需要第三方评估", &rules).unwrap();
        let (case, _) = check(&file, &rules);
        let e = case.extension_pending().unwrap();
        assert_eq!((e.days, e.reason.as_str()), (20, "需要第三方评估"));
        assert!(e.approved_by.is_none() && e.approved_on.is_none());
        let base = edit::open(t.path(), &file).unwrap().version;
        let again = request_extension(t.path(), &file, &base, 5, "x", &rules).unwrap_err();
        assert!(matches!(again, ApprovalError::AlreadyExtended));
    }

    #[test]
    fn a_drafted_opinion_awaits_sign_off_and_is_not_a_paper() {
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/demo-office/cases/XF-2026-0003.toml");
        let text = std::fs::read_to_string(demo)
            .unwrap()
            .replace("signed_off_by = \"孙丽华\"", "signed_off_by = \"\"");
        let (t, loaded, file) = office(&text);
        let rules = rules_on(&loaded, "2026-11-21");
        let (case, found) = check(&file, &rules);
        assert!(case.awaiting_sign_off().is_some());
        assert!(
            found
                .iter()
                .any(|l| l.diag.code == "opinion-unsigned" && !l.diag.is_error()),
            "{found:?}"
        );
        let jobs = crate::render::plan::plan(&case, &loaded.config);
        assert!(!jobs.iter().any(|j| j.title == "信访事项处理意见书"));

        // Signed off before the opinion's date: refused at the field.
        let early = rules_on(&loaded, "2026-06-01");
        let base = edit::open(t.path(), &file).unwrap().version;
        match sign_off(t.path(), &file, &base, "孙丽华", &early) {
            Err(ApprovalError::Edit(EditError::Invalid(f))) => assert!(
                f.iter()
                    .any(|l| l.diag.path.to_string() == "handling.signed_off_on"),
                "{f:?}"
            ),
            other => panic!("{other:?}"),
        }
        sign_off(t.path(), &file, &base, "孙丽华", &rules).unwrap();
        let (case, _) = check(&file, &rules);
        let h = case.handling.as_ref().unwrap();
        assert_eq!(h.signed_off_by, "孙丽华");
        assert_eq!(h.signed_off_on, Some(rules.as_of));
        let jobs = crate::render::plan::plan(&case, &loaded.config);
        assert!(jobs.iter().any(|j| j.title == "信访事项处理意见书"));
    }

    #[test]
    fn days_are_one_to_thirty() {
        assert_eq!(parse_days(" 30 ").unwrap(), 30);
        assert_eq!(parse_days("1").unwrap(), 1);
        for bad in ["0", "31", "-3", "", "十", "99999999999999999999"] {
            assert!(parse_days(bad).is_err(), "{bad}");
        }
    }
}
