//! The 检测报告: every check with its id, Chinese name, status and details,
//! grouped by the four properties of DA/T 70. Printed as a terminal table, as
//! JSON (schema `anjuan-verify-report/1`, documented in README) and, through the
//! render stage, as a PDF.

use schemars::JsonSchema;
use serde::Serialize;

/// JSON schema name and version; bumped on any incompatible change.
pub const SCHEMA: &str = "anjuan-verify-report/1";

/// The four properties (四性) of DA/T 70-2018.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub enum Property {
    #[serde(rename = "真实性")]
    Authenticity,
    #[serde(rename = "完整性")]
    Integrity,
    #[serde(rename = "可用性")]
    Usability,
    #[serde(rename = "安全性")]
    Security,
}

impl Property {
    pub const ALL: [Property; 4] = [
        Property::Authenticity,
        Property::Integrity,
        Property::Usability,
        Property::Security,
    ];
    pub fn zh(self) -> &'static str {
        match self {
            Property::Authenticity => "真实性",
            Property::Integrity => "完整性",
            Property::Usability => "可用性",
            Property::Security => "安全性",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Property::Authenticity => "authenticity",
            Property::Integrity => "integrity",
            Property::Usability => "usability",
            Property::Security => "security",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    /// Not applicable to this bag (e.g. anjuan checks on a plain BagIt bag).
    #[serde(rename = "n/a")]
    NotApplicable,
    /// Applies, but was not run (no virus scanner configured): neither a pass nor a
    /// defect, and never reported as 通过.
    Unchecked,
}

impl Status {
    pub fn zh(self) -> &'static str {
        match self {
            Status::Pass => "通过",
            Status::Warn => "警告",
            Status::Fail => "不通过",
            Status::NotApplicable => "不适用",
            Status::Unchecked => "未检测",
        }
    }
}

/// One thing found by a check.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Detail {
    /// Stable code of the kind of finding (`fixity.mismatch`, `zip.overlap`…).
    pub code: String,
    /// The item's 档号, when the file belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The file inside the bag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub message: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Check {
    /// Stable id: `<property>.<name>`, e.g. `authenticity.fixity-sha256`.
    pub id: &'static str,
    pub property: Property,
    /// Chinese name of the check.
    pub name: &'static str,
    pub status: Status,
    /// One line: what was checked and the outcome.
    pub summary: String,
    pub details: Vec<Detail>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Bundle {
    pub path: String,
    /// The bag's name (its top folder, or External-Identifier).
    pub name: String,
    /// `zip` or `folder`.
    pub container: &'static str,
    pub bytes: u64,
    /// SHA-256 of the zip file as received (None for folders and `--bagit` runs).
    pub sha256: Option<String>,
    /// Source-Organization of bag-info.txt: who sent it.
    pub sender: Option<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct BagitState {
    /// RFC 8493 §3: every manifest entry present, nothing unlisted in data/.
    pub complete: bool,
    /// Complete, and every digest matches.
    pub valid: bool,
}

#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
pub struct Counts {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    #[serde(rename = "n/a")]
    pub not_applicable: usize,
    /// Checks that apply but were not run (`unchecked`).
    pub unchecked: usize,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Report {
    pub schema: &'static str,
    pub tool: String,
    /// Date of the check (YYYY-MM-DD).
    pub checked_on: String,
    pub bundle: Bundle,
    /// `anjuan` (a bundle made by anjuan: every check applies) or `bagit`.
    pub profile: &'static str,
    pub bagit: BagitState,
    /// Key ids trusted for this run (`--trust`).
    pub trusted_keys: Vec<String>,
    /// `accept` when no check failed, else `reject`.
    pub verdict: &'static str,
    pub counts: Counts,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn accepted(&self) -> bool {
        self.verdict == "accept"
    }

    pub fn finish(&mut self) {
        let mut c = Counts::default();
        for ch in &self.checks {
            match ch.status {
                Status::Pass => c.pass += 1,
                Status::Warn => c.warn += 1,
                Status::Fail => c.fail += 1,
                Status::NotApplicable => c.not_applicable += 1,
                Status::Unchecked => c.unchecked += 1,
            }
        }
        self.verdict = if c.fail == 0 { "accept" } else { "reject" };
        self.counts = c;
        self.checks.sort_by_key(|c| c.property);
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("report serialises");
        s.push('\n');
        s
    }

    /// The terminal table: one line per check, the first details under a failed
    /// or warned check, then the verdict.
    pub fn to_text(&self, max_details: usize) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "四性检测 (verification) — {} [{}, {} 字节]",
            self.bundle.name, self.bundle.container, self.bundle.bytes
        );
        if let Some(h) = &self.bundle.sha256 {
            let _ = writeln!(s, "SHA-256 {h}");
        }
        let _ = writeln!(
            s,
            "BagIt: {}，{}；类型 (profile): {}",
            if self.bagit.complete {
                "完整 complete"
            } else {
                "不完整 incomplete"
            },
            if self.bagit.valid {
                "有效 valid"
            } else {
                "无效 invalid"
            },
            self.profile
        );
        for p in Property::ALL {
            let _ = writeln!(s, "\n{} ({})", p.zh(), p.en());
            for c in self.checks.iter().filter(|c| c.property == p) {
                let mark = match c.status {
                    Status::Pass => "✓",
                    Status::Warn => "!",
                    Status::Fail => "✗",
                    Status::NotApplicable => "-",
                    Status::Unchecked => "?",
                };
                let _ = writeln!(
                    s,
                    "  {mark} {:<6} {:<34} {}  {}",
                    c.status.zh(),
                    c.id,
                    c.name,
                    c.summary
                );
                if matches!(c.status, Status::Fail | Status::Warn) {
                    for d in c.details.iter().take(max_details) {
                        let at = match (&d.item, &d.file) {
                            (Some(i), Some(f)) => format!("{i} {f}: "),
                            (None, Some(f)) => format!("{f}: "),
                            (Some(i), None) => format!("{i}: "),
                            (None, None) => String::new(),
                        };
                        let _ = writeln!(s, "        [{}] {at}{}", d.code, d.message);
                    }
                    if c.details.len() > max_details {
                        let _ = writeln!(
                            s,
                            "        …另有 {} 项 (more; see --json)",
                            c.details.len() - max_details
                        );
                    }
                }
            }
        }
        let _ = writeln!(
            s,
            "\n结论 (verdict): {} — 通过 {}，不通过 {}，警告 {}，未检测 {}，不适用 {}",
            if self.accepted() {
                "同意接收 (accept)"
            } else {
                "不予接收 (reject)"
            },
            self.counts.pass,
            self.counts.fail,
            self.counts.warn,
            self.counts.unchecked,
            self.counts.not_applicable
        );
        s
    }
}
