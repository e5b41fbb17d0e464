//! The receiver's side after the checks: the 接收回执 (a signed acknowledgement
//! naming the bundle by its SHA-256 and giving the result of each property) and
//! the contexts the report and receipt templates print.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::report::{Property, Report, Status};

/// The `格式` of a receipt.
pub const FORMAT: &str = "anjuan-receipt/1";

/// A property's result on the receipt.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// 通过: every check of the property ran and passed.
    Pass,
    /// 通过（有警告）: passed, with warnings.
    Warn,
    /// 不通过: a check failed.
    Fail,
    /// 未检测: no check failed, but one that applies was not run (no virus scanner):
    /// the property is not known to pass, so it is never printed as 通过.
    Unchecked,
}

impl Outcome {
    pub fn zh(self) -> &'static str {
        match self {
            Outcome::Pass => "通过",
            Outcome::Warn => "通过（有警告）",
            Outcome::Fail => "不通过",
            Outcome::Unchecked => "未检测",
        }
    }
}

/// One property's outcome on the receipt.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct PropertyResult {
    #[serde(rename = "检测项")]
    pub property: String,
    /// `pass`, `warn`, `fail`, or `unchecked` (a check that applies was not run).
    #[serde(rename = "结果")]
    pub status: Outcome,
    #[serde(rename = "不通过项")]
    pub failed: Vec<String>,
    #[serde(rename = "警告项")]
    pub warned: Vec<String>,
    /// Checks that apply but were not run (e.g. `security.malware-scan` without a scanner).
    #[serde(rename = "未检测项", default)]
    pub unchecked: Vec<String>,
}

/// 接收回执, as JSON.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct Receipt {
    #[serde(rename = "格式")]
    pub format: String,
    #[serde(rename = "移交名称")]
    pub name: String,
    #[serde(rename = "文件")]
    pub file: String,
    #[serde(rename = "字节")]
    pub bytes: u64,
    #[serde(rename = "SHA-256")]
    pub sha256: String,
    #[serde(rename = "移交单位")]
    pub sender: String,
    #[serde(rename = "接收单位")]
    pub receiver: String,
    #[serde(rename = "检测日期")]
    pub date: String,
    /// `accept` or `reject`.
    #[serde(rename = "结论")]
    pub verdict: String,
    #[serde(rename = "四性")]
    pub properties: Vec<PropertyResult>,
    #[serde(rename = "可信公钥")]
    pub trusted_keys: Vec<String>,
    #[serde(rename = "检测工具")]
    pub tool: String,
    #[serde(rename = "签名密钥")]
    pub key: Option<String>,
}

impl Receipt {
    pub fn from_report(r: &Report, receiver: &str, key: Option<String>) -> Receipt {
        let properties = Property::ALL
            .iter()
            .map(|p| {
                let of = |s: Status| {
                    r.checks
                        .iter()
                        .filter(|c| c.property == *p && c.status == s)
                        .map(|c| c.id.to_string())
                        .collect::<Vec<_>>()
                };
                let failed = of(Status::Fail);
                let warned = of(Status::Warn);
                let unchecked = of(Status::Unchecked);
                PropertyResult {
                    property: p.zh().to_string(),
                    status: if !failed.is_empty() {
                        Outcome::Fail
                    } else if !unchecked.is_empty() {
                        Outcome::Unchecked
                    } else if !warned.is_empty() {
                        Outcome::Warn
                    } else {
                        Outcome::Pass
                    },
                    failed,
                    warned,
                    unchecked,
                }
            })
            .collect();
        Receipt {
            format: FORMAT.into(),
            name: r.bundle.name.clone(),
            file: std::path::Path::new(&r.bundle.path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes: r.bundle.bytes,
            sha256: r.bundle.sha256.clone().unwrap_or_default(),
            sender: r.bundle.sender.clone().unwrap_or_default(),
            receiver: receiver.to_string(),
            date: r.checked_on.clone(),
            verdict: r.verdict.to_string(),
            properties,
            trusted_keys: r.trusted_keys.clone(),
            tool: r.tool.clone(),
            key,
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("receipt serialises");
        s.push('\n');
        s
    }

    /// The receipt template's context (ASCII keys: Tera cannot index others).
    pub fn context(&self, office: &Value) -> Value {
        json!({
            "office": office,
            "date": self.date,
            "rc": {
                "name": self.name, "file": self.file, "bytes": self.bytes,
                "sha256": self.sha256, "sender": self.sender,
                "accepted": self.verdict == "accept", "key": self.key,
                "unchecked": self.properties.iter().filter(|p| p.status == Outcome::Unchecked).map(|p| p.property.as_str()).collect::<Vec<_>>().join("、"),
                "properties": self.properties.iter().map(|p| json!({
                    "zh": p.property, "status": p.status, "result": p.status.zh(),
                    "failed": p.failed.join("、"), "warned": p.warned.join("、"),
                    "unchecked": p.unchecked.join("、"),
                })).collect::<Vec<_>>(),
            }
        })
    }
}

/// The report template's context: the report, its checks grouped by property,
/// at most `max_details` details per check on paper (the JSON has them all).
pub fn report_context(r: &Report, office: &Value, max_details: usize) -> Value {
    let mut rv = serde_json::to_value(r).expect("report serialises");
    if let Some(o) = rv.as_object_mut() {
        o.remove("checks");
    }
    let props: Vec<Value> = Property::ALL
        .iter()
        .map(|p| {
            json!({
                "zh": p.zh(), "en": p.en(),
                "checks": r.checks.iter().filter(|c| c.property == *p).map(|c| json!({
                    "id": c.id, "name": c.name, "status": c.status, "summary": c.summary,
                    "details": c.details.iter().take(max_details).collect::<Vec<_>>(),
                    "more": c.details.len().saturating_sub(max_details),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "r": rv,
        "props": props,
        "office": office,
        "date": r.checked_on,
        "file_name": std::path::Path::new(&r.bundle.path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        "sha256": r.bundle.sha256.clone().unwrap_or_else(|| "（未计算）".into()),
        "total": r.checks.len(),
        "na": r.counts.not_applicable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::report::{BagitState, Bundle, Check, Counts, Detail, SCHEMA};

    fn report(statuses: &[(&'static str, Property, Status)]) -> Report {
        let mut r = Report {
            schema: SCHEMA,
            tool: "anjuan test".into(),
            checked_on: "2026-11-21".into(),
            bundle: Bundle {
                path: "/in/X012-WS-2026-XFB.zip".into(),
                name: "X012-WS-2026-XFB".into(),
                container: "zip",
                bytes: 10,
                sha256: Some("ab".repeat(32)),
                sender: Some("青溪县柳河镇人民政府".into()),
            },
            profile: "anjuan",
            bagit: BagitState {
                complete: true,
                valid: true,
            },
            trusted_keys: vec![],
            verdict: "reject",
            counts: Counts::default(),
            checks: statuses
                .iter()
                .map(|(id, p, s)| Check {
                    id,
                    property: *p,
                    name: "检查",
                    status: *s,
                    summary: String::new(),
                    details: vec![Detail {
                        code: "x".into(),
                        item: None,
                        file: None,
                        message: "m".into(),
                    }],
                })
                .collect(),
        };
        r.finish();
        r
    }

    #[test]
    fn verdict_and_per_property_results_follow_the_checks() {
        let ok = report(&[
            ("authenticity.a", Property::Authenticity, Status::Pass),
            ("security.s", Property::Security, Status::Warn),
        ]);
        assert!(ok.accepted());
        let rc = Receipt::from_report(&ok, "青溪县档案馆", Some("K".into()));
        assert_eq!(rc.verdict, "accept");
        assert_eq!(rc.file, "X012-WS-2026-XFB.zip");
        assert_eq!(rc.sender, "青溪县柳河镇人民政府");
        let by: Vec<(&str, Outcome)> = rc
            .properties
            .iter()
            .map(|p| (p.property.as_str(), p.status))
            .collect();
        assert_eq!(
            by,
            [
                ("真实性", Outcome::Pass),
                ("完整性", Outcome::Pass),
                ("可用性", Outcome::Pass),
                ("安全性", Outcome::Warn)
            ]
        );
        assert_eq!(rc.properties[3].warned, ["security.s"]);
        // A check that was not run makes its property 未检测, never 通过, even
        // beside warnings; a failure still wins.
        let unscanned = report(&[
            (
                "security.malware-scan",
                Property::Security,
                Status::Unchecked,
            ),
            ("security.s", Property::Security, Status::Warn),
        ]);
        assert!(unscanned.accepted());
        assert_eq!(unscanned.counts.unchecked, 1);
        let rc = Receipt::from_report(&unscanned, "r", None);
        assert_eq!(rc.properties[3].status, Outcome::Unchecked);
        assert_eq!(rc.properties[3].unchecked, ["security.malware-scan"]);
        assert!(rc.to_json().contains("\"结果\": \"unchecked\""));
        let infected = report(&[
            ("security.malware-scan", Property::Security, Status::Fail),
            ("security.x", Property::Security, Status::Unchecked),
        ]);
        let rc = Receipt::from_report(&infected, "r", None);
        assert_eq!(rc.properties[3].status, Outcome::Fail);

        let bad = report(&[
            ("integrity.numbering", Property::Integrity, Status::Fail),
            (
                "usability.formats",
                Property::Usability,
                Status::NotApplicable,
            ),
        ]);
        assert!(!bad.accepted());
        assert_eq!(bad.counts.fail, 1);
        assert_eq!(bad.counts.not_applicable, 1);
        let rc = Receipt::from_report(&bad, "r", None);
        assert_eq!(rc.verdict, "reject");
        assert_eq!(rc.properties[1].failed, ["integrity.numbering"]);
        // Round trip through its JSON.
        let back: Receipt = serde_json::from_str(&rc.to_json()).unwrap();
        assert_eq!(back, rc);
        // The terminal table says why, with the code.
        let text = bad.to_text(5);
        assert!(
            text.contains("不予接收") && text.contains("[x] m"),
            "{text}"
        );
    }
}
