//! Diagnostics: what is wrong, where (file:line:column and field path), and the remedy.
//!
//! Every validation message a clerk reads is built here: Chinese first, the English
//! term in parentheses, personal data masked. The command layer only prints them.

use std::fmt;
use std::path::PathBuf;

use crate::case::idnum::mask_text;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        }
    }
}

/// One step of a field path: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Where in the record a value lives, e.g. `petitioners[0].id_number`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// Parses `a.b[2].c`, the way paths are written in this crate's code.
    pub fn parse(s: &str) -> Self {
        let mut segs = Vec::new();
        for part in s.split('.').filter(|p| !p.is_empty()) {
            let mut rest = part;
            if let Some(i) = rest.find('[') {
                segs.push(Seg::Key(rest[..i].to_string()));
                rest = &rest[i..];
                while let Some(end) = rest.find(']') {
                    if let Ok(n) = rest[1..end].parse() {
                        segs.push(Seg::Index(n));
                    }
                    rest = &rest[end + 1..];
                }
            } else {
                segs.push(Seg::Key(rest.to_string()));
            }
        }
        FieldPath(segs)
    }

    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }

    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn parent(&self) -> Option<FieldPath> {
        if self.0.is_empty() {
            None
        } else {
            Some(FieldPath(self.0[..self.0.len() - 1].to_vec()))
        }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Seg::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// A finding about one field of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable identifier, e.g. `id-checksum`; fixtures and docs refer to it.
    pub code: &'static str,
    pub path: FieldPath,
    /// Chinese, with the English term in parentheses. Masked before printing.
    pub message: String,
    /// What to do about it. Fixed text written by us: never carries personal data,
    /// so it is printed as written (a remedy's example phone stays whole).
    pub hint: Option<String>,
    /// Where to place it when `path` itself is not written in the file (e.g. an
    /// overdue step whose field is still absent is placed where its period starts).
    pub anchor: Option<FieldPath>,
}

impl Diagnostic {
    pub fn error(code: &'static str, path: FieldPath, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            path,
            message: message.into(),
            hint: None,
            anchor: None,
        }
    }

    pub fn warning(code: &'static str, path: FieldPath, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, path, message)
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn anchor(mut self, at: FieldPath) -> Self {
        self.anchor = Some(at);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A diagnostic placed in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub diag: Diagnostic,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.diag;
        write!(
            f,
            "{}:{}:{}: {} [{}] ",
            self.file.display(),
            self.line,
            self.column,
            d.severity.zh(),
            d.code
        )?;
        if !d.path.is_root() {
            write!(f, "{}: ", d.path)?;
        }
        f.write_str(&terminal_text(&d.message))?;
        if let Some(h) = &d.hint {
            write!(f, "\n    修改建议 (remedy): {h}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for Located {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Located", 8)?;
        st.serialize_field("file", &self.file.display().to_string())?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("column", &self.column)?;
        st.serialize_field("severity", &self.diag.severity)?;
        st.serialize_field("code", self.diag.code)?;
        st.serialize_field("field", &self.diag.path.to_string())?;
        st.serialize_field("message", &terminal_text(&self.diag.message))?;
        st.serialize_field("remedy", &self.diag.hint)?;
        st.end()
    }
}

/// How a finding reads in JSON (`--json` of check, new case…): the schema of
/// [`Located`]'s own serialisation.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
struct FindingJson {
    /// The file, as given on the command line.
    file: String,
    line: usize,
    column: usize,
    /// `error` or `warning`.
    severity: Severity,
    /// The finding's code (`id-checksum`, `overdue`…).
    code: String,
    /// The field path (`petitioners[0].id_number`), empty for the whole file.
    field: String,
    /// The message, personal data masked.
    message: String,
    /// What to do (修改建议).
    remedy: Option<String>,
}

impl schemars::JsonSchema for Located {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Finding".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        FindingJson::json_schema(generator)
    }
}

/// Text from user data as it may reach a terminal: personal numbers masked
/// ([`mask_text`]) and every hidden character (control, bidi, zero-width) shown
/// as `<U+XXXX>`, so a right-to-left override in a name cannot reorder the
/// line it is printed on. Line breaks stay.
pub fn terminal_text(s: &str) -> String {
    let masked = mask_text(s);
    if !masked.chars().any(|c| c != '\n' && is_hidden_char(c)) {
        return masked;
    }
    let mut out = String::with_capacity(masked.len());
    for c in masked.chars() {
        if c != '\n' && is_hidden_char(c) {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// What the panic hook prints: a short Chinese message, where in anjuan's code,
/// and the panic's own text with every quoted part left out (Rust quotes the
/// values it complains about, e.g. the string a slice was cut from) and the rest
/// masked like any other output. No backtrace, no values.
pub fn panic_report(payload: &str, location: Option<(&str, u32, u32)>) -> String {
    let mut kept = String::new();
    let mut quote: Option<char> = None;
    for c in payload.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                kept.push('…');
                kept.push(q);
            }
            Some(_) => {}
            None => {
                kept.push(c);
                if matches!(c, '`' | '\'' | '"') {
                    quote = Some(c);
                }
            }
        }
    }
    if quote.is_some() {
        kept.push('…');
    }
    let text = terminal_text(&one_line(&kept));
    let place = location
        .map(|(f, l, c)| format!("，位置 {f}:{l}:{c}"))
        .unwrap_or_default();
    format!(
        "anjuan: 内部错误 (internal error){place}：{text}\n    修改建议 (remedy): 这是 anjuan 的缺陷，不是输入的错误；请把此消息和所用命令报告给维护者（消息中的个人信息已隐去）"
    )
}

fn one_line(s: &str) -> String {
    s.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Replaces the default panic hook (which prints the panic's text whole, values
/// included, and on request a backtrace) with [`panic_report`] on standard error.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        // `anjuan check office | head`: the reader went away and `println!` could not
        // write. Not a defect: end quietly, as a Unix tool killed by SIGPIPE does.
        if is_closed_pipe(&payload) {
            std::process::exit(141);
        }
        let loc = info.location().map(|l| (l.file(), l.line(), l.column()));
        eprintln!("{}", panic_report(&payload, loc));
    }));
}

/// The message std's print macros panic with when standard output is a closed pipe.
fn is_closed_pipe(payload: &str) -> bool {
    payload.starts_with("failed printing to std") && payload.contains("Broken pipe")
}

/// A character that shows nothing, or moves the text around, when printed: C0/C1
/// controls, bidirectional controls, and the rest of Unicode's
/// Default_Ignorable_Code_Point (zero-width space and joiners, word joiner,
/// soft hyphen, variation selectors, BOM, Hangul fillers, tags …). Pasted from
/// web pages and chat apps, they make two equal-looking names differ.
pub fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFF8}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_not_a_defect() {
        assert!(is_closed_pipe(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
        assert!(!is_closed_pipe("index out of bounds"));
    }

    #[test]
    fn panic_report_hides_values_and_numbers() {
        // The message std gives for a slice cut inside a full-width identity number.
        let payload = "end byte index 17 is not a char boundary; it is inside '２' (bytes 15..18) of `３３０１２２１９７８０４１５２３１Ｘ`";
        let r = panic_report(payload, Some(("src/case/idnum.rs", 51, 27)));
        assert!(!r.contains("３３０１"), "{r}");
        assert!(r.contains("not a char boundary"), "{r}");
        assert!(r.contains("src/case/idnum.rs:51:27"), "{r}");
        assert!(r.starts_with("anjuan: 内部错误 (internal error)"), "{r}");
        // Unquoted numbers are masked; unterminated quotes cut the rest.
        let r = panic_report("bad id 33012219780415231X for 王喆 `王喆", None);
        assert!(
            !r.contains("33012219780415231X") && r.contains("3301"),
            "{r}"
        );
        assert_eq!(r.matches("王喆").count(), 1, "{r}");
        // Full-width digits are masked too, and a bidi override is shown, not obeyed.
        let r = panic_report("号码 １３９５７１１２４６８ \u{202E}abc", None);
        assert!(
            !r.contains("１３９５７１１２４６８") && !r.contains('\u{202E}'),
            "{r}"
        );
        assert!(r.contains("<U+202E>"), "{r}");
    }

    #[test]
    fn terminal_text_shows_hidden_characters() {
        assert_eq!(terminal_text("王\u{200B}喆"), "王<U+200B>喆");
        assert_eq!(terminal_text("a\nb"), "a\nb");
        assert_eq!(terminal_text("电话 13957112468"), "电话 139****2468");
    }

    #[test]
    fn paths_round_trip() {
        for s in [
            "petitioners[0].id_number",
            "handling.decisions[2].outcome",
            "id",
            "a[1][2].b",
        ] {
            assert_eq!(FieldPath::parse(s).to_string(), s);
        }
    }
}
