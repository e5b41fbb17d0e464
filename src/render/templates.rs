//! The paper templates: Tera templates that produce Typst, escaped for Typst.
//!
//! The built-in set is compiled into the binary. An office overrides any file by
//! putting one of the same name in its `templates/` folder (or `--templates DIR`).
//! Paper templates (listed in [`PAPER_TEMPLATES`]) go through Tera; every other
//! `.typ` file (the shared `layout.typ`) is a plain Typst module the papers import.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde_json::Value;

use super::{escape, wording};

/// The built-in templates, by file name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("layout.typ", include_str!("../../templates/layout.typ")),
    (
        "accept-notice.typ",
        include_str!("../../templates/accept-notice.typ"),
    ),
    (
        "refuse-notice.typ",
        include_str!("../../templates/refuse-notice.typ"),
    ),
    (
        "extension-notice.typ",
        include_str!("../../templates/extension-notice.typ"),
    ),
    ("opinion.typ", include_str!("../../templates/opinion.typ")),
    (
        "review-opinion.typ",
        include_str!("../../templates/review-opinion.typ"),
    ),
    (
        "report-back.typ",
        include_str!("../../templates/report-back.typ"),
    ),
    (
        "assignment-slip.typ",
        include_str!("../../templates/assignment-slip.typ"),
    ),
    (
        "registration-form.typ",
        include_str!("../../templates/registration-form.typ"),
    ),
    (
        "hearing-record.typ",
        include_str!("../../templates/hearing-record.typ"),
    ),
    (
        "agreement.typ",
        include_str!("../../templates/agreement.typ"),
    ),
    (
        "delivery-receipt.typ",
        include_str!("../../templates/delivery-receipt.typ"),
    ),
    ("contents.typ", include_str!("../../templates/contents.typ")),
    ("notes.typ", include_str!("../../templates/notes.typ")),
    ("cover.typ", include_str!("../../templates/cover.typ")),
    (
        "catalogue.typ",
        include_str!("../../templates/catalogue.typ"),
    ),
    (
        "bundle-notes.typ",
        include_str!("../../templates/bundle-notes.typ"),
    ),
    ("handoff.typ", include_str!("../../templates/handoff.typ")),
    (
        "verify-report.typ",
        include_str!("../../templates/verify-report.typ"),
    ),
    (
        "ledger-report.typ",
        include_str!("../../templates/ledger-report.typ"),
    ),
    ("receipt.typ", include_str!("../../templates/receipt.typ")),
];

/// The templates that are Tera templates (one per paper); the rest are Typst modules.
pub const PAPER_TEMPLATES: &[&str] = &[
    "accept-notice.typ",
    "refuse-notice.typ",
    "extension-notice.typ",
    "opinion.typ",
    "review-opinion.typ",
    "report-back.typ",
    "assignment-slip.typ",
    "registration-form.typ",
    "hearing-record.typ",
    "agreement.typ",
    "delivery-receipt.typ",
    "contents.typ",
    "notes.typ",
    "cover.typ",
    "catalogue.typ",
    "bundle-notes.typ",
    "handoff.typ",
    "verify-report.typ",
    "ledger-report.typ",
    "receipt.typ",
];

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("模板语法错误 (template syntax error) in {file}:\n{detail}")]
    Parse { file: String, detail: String },
    #[error("模板 {file}{line} 无法渲染 (template error): {detail}")]
    Render {
        file: String,
        line: String,
        detail: String,
    },
    #[error("无法读取模板目录 {dir} (cannot read templates): {source}")]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl TemplateError {
    pub fn remedy(&self) -> &'static str {
        match self {
            TemplateError::Parse { .. } | TemplateError::Render { .. } => {
                "按提示的行改正模板；或删除办公室 templates/ 中的同名文件以恢复内置模板"
            }
            TemplateError::Io { .. } => "检查 --templates 给出的目录",
        }
    }
}

/// The loaded template set.
pub struct Templates {
    tera: tera::Tera,
    /// Where each file came from (`built-in` or an override path), for messages.
    origin: HashMap<String, String>,
    /// The text of each file, to find lines for render errors.
    text: HashMap<String, String>,
    /// Plain Typst modules served to the compiler by file name.
    pub modules: BTreeMap<String, String>,
}

impl Templates {
    /// The built-in set with the files of `overrides` (searched in order) replacing
    /// the built-in ones of the same name.
    pub fn load(overrides: &[PathBuf]) -> Result<Templates, TemplateError> {
        let mut files: BTreeMap<String, (String, String)> = BUILTIN
            .iter()
            .map(|(n, t)| (n.to_string(), (t.to_string(), "built-in".to_string())))
            .collect();
        for dir in overrides.iter().rev() {
            if !dir.is_dir() {
                continue;
            }
            let entries = std::fs::read_dir(dir).map_err(|source| TemplateError::Io {
                dir: dir.clone(),
                source,
            })?;
            for e in entries {
                let e = e.map_err(|source| TemplateError::Io {
                    dir: dir.clone(),
                    source,
                })?;
                let p = e.path();
                if p.extension().is_some_and(|x| x == "typ") && p.is_file() {
                    let text = std::fs::read_to_string(&p).map_err(|source| TemplateError::Io {
                        dir: dir.clone(),
                        source,
                    })?;
                    let name = p
                        .file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned();
                    files.insert(name, (text, p.display().to_string()));
                }
            }
        }
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".typ"]);
        tera.set_escape_fn(escape::markup);
        register_filters(&mut tera);
        let mut modules = BTreeMap::new();
        let mut origin = HashMap::new();
        let mut text = HashMap::new();
        for (name, (body, from)) in files {
            origin.insert(name.clone(), from.clone());
            if PAPER_TEMPLATES.contains(&name.as_str()) {
                tera.add_raw_template(&name, &body)
                    .map_err(|e| TemplateError::Parse {
                        file: from.clone(),
                        detail: chain(&e),
                    })?;
                text.insert(name, body);
            } else {
                modules.insert(name, body);
            }
        }
        Ok(Templates {
            tera,
            origin,
            text,
            modules,
        })
    }

    /// Renders a paper template to Typst source.
    pub fn render(&self, name: &str, ctx: &tera::Context) -> Result<String, TemplateError> {
        self.tera.render(name, ctx).map_err(|e| {
            let detail = chain(&e);
            let file = self
                .origin
                .get(name)
                .cloned()
                .unwrap_or_else(|| name.to_string());
            let file = if file == "built-in" {
                format!("templates/{name} (built-in)")
            } else {
                file
            };
            // Tera does not say where a render error is: find the first use of the
            // variable or filter it names.
            let line = detail
                .split('`')
                .nth(1)
                .and_then(|needle| {
                    self.text
                        .get(name)?
                        .lines()
                        .position(|l| l.contains(needle))
                        .map(|i| format!(":{}", i + 1))
                })
                .unwrap_or_default();
            TemplateError::Render { file, line, detail }
        })
    }

    /// The effective text of a paper template (override or built-in).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.text.get(name).map(String::as_str)
    }

    /// Where a template came from.
    pub fn origin(&self, name: &str) -> &str {
        self.origin
            .get(name)
            .map(String::as_str)
            .unwrap_or("built-in")
    }
}

/// The error and its causes, one per line (Tera puts the line/column in the cause).
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        out.push('\n');
        out.push_str(&s.to_string());
        src = s.source();
    }
    out
}

/// `str`: a quoted Typst string literal, for code positions (`title: {{ x | str }}`).
struct StrFilter;

impl tera::Filter for StrFilter {
    fn filter(&self, value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
        let s = match value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        Ok(Value::String(escape::string(&s)))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The `names=` argument of a wording filter: the petitioners' names.
fn names_arg(args: &HashMap<String, Value>) -> Vec<String> {
    match args.get("names") {
        Some(Value::Array(a)) => a.iter().map(as_text).collect(),
        _ => Vec::new(),
    }
}

fn register_filters(tera: &mut tera::Tera) {
    tera.register_filter("str", StrFilter);
    // `cn_date`: 2026-03-02 → 2026年3月2日.
    tera.register_filter("cn_date", |v: &Value, _: &HashMap<String, Value>| {
        let s = as_text(v);
        Ok(Value::String(
            crate::case::date::Date::parse(&s)
                .map(|d| d.chinese())
                .unwrap_or(s),
        ))
    });
    // `cn_time`: 2026-03-06 10:20 → 2026年3月6日10时20分.
    tera.register_filter("cn_time", |v: &Value, _: &HashMap<String, Value>| {
        let s = as_text(v);
        Ok(Value::String(
            crate::case::date::DateTime::parse(&s)
                .map(|d| d.chinese())
                .unwrap_or(s),
        ))
    });
    // `cn_num`: 12 → 十二.
    tera.register_filter("cn_num", |v: &Value, _: &HashMap<String, Value>| {
        let n = v.as_u64().or_else(|| as_text(v).parse().ok()).unwrap_or(0);
        Ok(Value::String(cn_number(n)))
    });
    // Wording at the seams between record text and the template's own words
    // (render::wording): `clause` drops the clerk's final mark where the template
    // adds one; `sentence` ends the text with one 。; `addressed(you=…)` turns the
    // register's 信访人 into the paper's 你/你们 and drops its 信访人称 frame;
    // `unframed` only drops the frame (papers that speak of the petitioner).
    tera.register_filter("clause", |v: &Value, _: &HashMap<String, Value>| {
        Ok(Value::String(wording::clause(&as_text(v))))
    });
    tera.register_filter("sentence", |v: &Value, _: &HashMap<String, Value>| {
        Ok(Value::String(wording::sentence(&as_text(v))))
    });
    tera.register_filter("unframed", |v: &Value, args: &HashMap<String, Value>| {
        Ok(Value::String(wording::unframed(
            &as_text(v),
            &names_arg(args),
        )))
    });
    tera.register_filter("addressed", |v: &Value, args: &HashMap<String, Value>| {
        let you = args.get("you").map(as_text).unwrap_or_else(|| "你".into());
        Ok(Value::String(wording::addressed(
            &as_text(v),
            &you,
            &names_arg(args),
        )))
    });
    // `cites(case=list)`: the table's citation(s) and the case's own bases as one
    // list for `根据……的规定`, joined without 顿号 between bare titles.
    tera.register_filter("cites", |v: &Value, args: &HashMap<String, Value>| {
        let own: Vec<String> = match args.get("case") {
            Some(Value::Array(a)) => a.iter().map(as_text).collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(x) => vec![as_text(x)],
        };
        let table = as_text(v);
        let list = crate::case::law::citations([table.as_str()], &own);
        Ok(Value::String(crate::case::law::join_citations(&list)))
    });
    // `honorific`: 青溪县信访局 → 贵局 (how a report upward names its addressee).
    tera.register_filter("honorific", |v: &Value, _: &HashMap<String, Value>| {
        Ok(Value::String(wording::honorific(&as_text(v))))
    });
    // `time_range(end=…)`: 2026年6月5日9时30分至11时40分 (the date once for one day).
    tera.register_filter("time_range", |v: &Value, args: &HashMap<String, Value>| {
        let end = args.get("end").map(as_text).unwrap_or_default();
        Ok(Value::String(wording::time_range(&as_text(v), &end)))
    });
    // `mask_id`: identity number with only its ends shown.
    tera.register_filter("mask_id", |v: &Value, _: &HashMap<String, Value>| {
        Ok(Value::String(crate::case::idnum::mask_id(&as_text(v))))
    });
}

/// Chinese numerals up to 99 (heading and term numbers): 1 → 一, 10 → 十, 21 → 二十一.
pub fn cn_number(n: u64) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    // The units digit after 十, or nothing for a round ten.
    let units = if n.is_multiple_of(10) {
        ""
    } else {
        D[(n % 10) as usize]
    };
    match n {
        0..=9 => D[n as usize].to_string(),
        10..=19 => format!("十{units}"),
        20..=99 => format!("{}十{units}", D[(n / 10) as usize]),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers() {
        assert_eq!(cn_number(1), "一");
        assert_eq!(cn_number(10), "十");
        assert_eq!(cn_number(12), "十二");
        assert_eq!(cn_number(20), "二十");
        assert_eq!(cn_number(35), "三十五");
    }
}
