//! Reading record files: encoding checks, TOML/JSON parsing with located errors,
//! and a locator from field paths back to `line:column`.
//!
//! Used for case files and for the office configuration alike. Nothing here knows
//! what a case is; it turns bytes into a typed value or a [`Located`] diagnostic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::diag::{Diagnostic, FieldPath, Located, Seg};

/// The syntax of a record file, chosen by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

impl Format {
    pub fn of(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// A record file read into memory as UTF-8 text (a UTF-8 BOM is dropped).
#[derive(Clone, Debug)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
    pub format: Format,
}

/// The file could not be read at all (as opposed to being read and found invalid).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("无法读取 {path} (cannot read file): {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Source {
    /// Reads a file. `Ok(Err(..))` means it was read but is not usable text.
    pub fn read(path: &Path) -> Result<Result<Source, Located>, SourceError> {
        let bytes = std::fs::read(path).map_err(|source| SourceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Source::from_bytes(path, &bytes))
    }

    /// A source from bytes as read from `path` (whose extension picks the format):
    /// the same encoding checks as [`Source::read`], without touching the disk.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Source, Located> {
        let format = Format::of(path).unwrap_or(Format::Toml);
        decode(path, bytes).map(|text| Source {
            path: path.to_path_buf(),
            text,
            format,
        })
    }

    /// A source from memory (tests, templates, generated records).
    pub fn from_text(path: impl Into<PathBuf>, text: impl Into<String>, format: Format) -> Self {
        Source {
            path: path.into(),
            text: text.into(),
            format,
        }
    }

    /// Places a diagnostic at a byte offset of this file.
    pub fn at_offset(&self, offset: usize, diag: Diagnostic) -> Located {
        let (line, column) = line_col(&self.text, offset);
        Located {
            file: self.path.clone(),
            line,
            column,
            diag,
        }
    }

    /// Deserializes the whole file into `T`, or says where and why it does not fit.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Located> {
        match self.format {
            Format::Toml => self.parse_toml(),
            Format::Json => self.parse_json(),
        }
    }

    fn parse_toml<T: DeserializeOwned>(&self) -> Result<T, Located> {
        // The deserializer parses the whole document before it reads a value, so
        // a file it takes is well-formed: the syntax check (a second parse, with
        // toml_edit's own positions) is only needed when it refuses the file.
        // Half the parsing of a 10,000-case office's `check`.
        let de = toml::Deserializer::new(&self.text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            // Syntax first: a broken file cannot be located by key.
            if let Err(syntax) = toml_edit::ImDocument::parse(self.text.as_str()) {
                return self.toml_syntax_error(&syntax);
            }
            let path = convert_path(e.path());
            let inner = e.into_inner();
            let diag = type_diagnostic(inner.message(), path.clone());
            match inner.span() {
                Some(span) => self.at_offset(span.start, diag),
                None => self.locate(diag),
            }
        })
    }

    /// A TOML syntax error, placed where toml_edit found it.
    fn toml_syntax_error(&self, e: &toml_edit::TomlError) -> Located {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        // `received = 2026/3/2`: not TOML at all, and the parser's own words
        // ("expected newline") would send a clerk looking for the wrong thing.
        if let Some((start, token)) = unquoted_date_at(&self.text, offset, Format::Toml) {
            let path = toml_path_at(&self.text, start).unwrap_or_else(FieldPath::root);
            return self.at_offset(start, unquoted_date_diagnostic(token, path, Format::Toml));
        }
        self.at_offset(offset, toml_syntax_diagnostic(&one_line(e.message())))
    }

    fn parse_json<T: DeserializeOwned>(&self) -> Result<T, Located> {
        // Before any parser: the locator's JSON parser recurses without a limit.
        if let Some(offset) = json_too_deep(&self.text) {
            return Err(self.at_offset(offset, nesting_diagnostic()));
        }
        let mut de = serde_json::Deserializer::from_str(&self.text);
        let result: Result<T, (FieldPath, serde_json::Error)> =
            serde_path_to_error::deserialize(&mut de)
                .map_err(|e| (convert_path(e.path()), e.into_inner()))
                .and_then(|v| de.end().map(|_| v).map_err(|e| (FieldPath::root(), e)));
        result.map_err(|(path, inner)| {
            // Syntax first, as for TOML: the value read before the parser met a
            // syntax error (`"received": 2026/3/2` is the number 2026 to serde)
            // is not the problem, and a broken file cannot be located by key.
            let (path, inner) = if inner.is_syntax() || inner.is_eof() {
                (path, inner)
            } else {
                match serde_json::from_str::<serde::de::IgnoredAny>(&self.text) {
                    Err(e) if e.is_syntax() || e.is_eof() => (FieldPath::root(), e),
                    _ => (path, inner),
                }
            };
            let raw = inner.to_string();
            // serde_json appends " at line L column C"; we place it ourselves.
            let msg = raw
                .rfind(" at line ")
                .map(|i| raw[..i].to_string())
                .unwrap_or(raw);
            if inner.is_syntax() || inner.is_eof() {
                // serde_json counts the column in bytes: turn it into characters.
                let line_start: usize = self
                    .text
                    .split_inclusive('\n')
                    .take(inner.line().saturating_sub(1))
                    .map(str::len)
                    .sum();
                let offset = (line_start + inner.column().saturating_sub(1)).min(self.text.len());
                if let Some((start, token)) = unquoted_date_at(&self.text, offset, Format::Json) {
                    let diag = unquoted_date_diagnostic(token, FieldPath::root(), Format::Json);
                    return self.at_offset(start, diag);
                }
                let diag = Diagnostic::error(
                    "syntax",
                    FieldPath::root(),
                    format!("JSON 语法错误 (syntax error): {}", zh_json_syntax(&msg)),
                )
                .hint("检查引号、逗号和括号是否成对、完整；标点须用英文半角");
                return self.at_offset(offset, diag);
            }
            let diag = type_diagnostic(&msg, path);
            let locator = Locator::new(self);
            match locator
                .key_offset(&diag.path)
                .filter(|_| diag.code == "unknown-field")
            {
                Some(off) => self.at_offset(off, diag),
                None => locator.place(self, diag),
            }
        })
    }

    /// Places a diagnostic at its field (or the nearest enclosing one that exists).
    pub fn locate(&self, diag: Diagnostic) -> Located {
        Locator::new(self).place(self, diag)
    }
}

/// Field path → byte offset of the value, for one file. Build once, place many.
pub struct Locator {
    offsets: HashMap<String, usize>,
    /// JSON only: where each property's key starts.
    keys: HashMap<String, usize>,
}

impl Locator {
    pub fn new(src: &Source) -> Self {
        let mut offsets = HashMap::new();
        let mut keys = HashMap::new();
        match src.format {
            Format::Toml => {
                if let Ok(doc) = toml_edit::ImDocument::parse(src.text.as_str()) {
                    walk_toml_table(doc.as_table(), &FieldPath::root(), &mut offsets);
                }
            }
            Format::Json if json_too_deep(&src.text).is_some() => {}
            Format::Json => {
                if let Ok(parsed) =
                    jsonc_parser::parse_to_ast(&src.text, &Default::default(), &Default::default())
                {
                    if let Some(v) = parsed.value {
                        walk_json(&v, &FieldPath::root(), &mut offsets, &mut keys);
                    }
                }
            }
        }
        Locator { offsets, keys }
    }

    /// The offset of the path, or of its nearest ancestor that is written in the file.
    pub fn offset(&self, path: &FieldPath) -> usize {
        let mut p = Some(path.clone());
        while let Some(cur) = p {
            if let Some(o) = self.offsets.get(&cur.to_string()) {
                return *o;
            }
            p = cur.parent();
        }
        0
    }

    pub fn place(&self, src: &Source, diag: Diagnostic) -> Located {
        let off = match &diag.anchor {
            Some(a) if !self.offsets.contains_key(&diag.path.to_string()) => self.offset(a),
            _ => self.offset(&diag.path),
        };
        src.at_offset(off, diag)
    }

    /// The offset of a JSON property's key (TOML reports keys itself).
    fn key_offset(&self, path: &FieldPath) -> Option<usize> {
        self.keys.get(&path.to_string()).copied()
    }
}

fn walk_toml_table(t: &toml_edit::Table, path: &FieldPath, out: &mut HashMap<String, usize>) {
    for (k, item) in t.iter() {
        let p = path.key(k);
        let key_off = t.key(k).and_then(|k| k.span()).map(|s| s.start);
        walk_toml_item(item, &p, key_off, out);
    }
}

fn walk_toml_item(
    item: &toml_edit::Item,
    path: &FieldPath,
    key_off: Option<usize>,
    out: &mut HashMap<String, usize>,
) {
    use toml_edit::Item;
    match item {
        Item::None => {}
        Item::Value(v) => walk_toml_value(v, path, out),
        Item::Table(t) => {
            if let Some(o) = t.span().map(|s| s.start).or(key_off) {
                out.insert(path.to_string(), o);
            }
            walk_toml_table(t, path, out);
            if !out.contains_key(&path.to_string()) {
                // An implicit table (`[a.b]` defines `a`): use its first placed child.
                if let Some(min) = t
                    .iter()
                    .filter_map(|(k, _)| out.get(&path.key(k).to_string()))
                    .min()
                {
                    out.insert(path.to_string(), *min);
                }
            }
        }
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                let p = path.index(i);
                if let Some(o) = t.span().map(|s| s.start) {
                    out.insert(p.to_string(), o);
                }
                walk_toml_table(t, &p, out);
            }
            if let Some(first) = out.get(&path.index(0).to_string()).copied() {
                out.insert(path.to_string(), first);
            }
        }
    }
}

fn walk_toml_value(v: &toml_edit::Value, path: &FieldPath, out: &mut HashMap<String, usize>) {
    if let Some(s) = v.span() {
        out.insert(path.to_string(), s.start);
    }
    match v {
        toml_edit::Value::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                walk_toml_value(e, &path.index(i), out);
            }
        }
        toml_edit::Value::InlineTable(t) => {
            for (k, e) in t.iter() {
                walk_toml_value(e, &path.key(k), out);
            }
        }
        _ => {}
    }
}

fn walk_json(
    v: &jsonc_parser::ast::Value,
    path: &FieldPath,
    out: &mut HashMap<String, usize>,
    keys: &mut HashMap<String, usize>,
) {
    use jsonc_parser::common::Ranged;
    out.insert(path.to_string(), v.range().start);
    match v {
        jsonc_parser::ast::Value::Object(o) => {
            for prop in &o.properties {
                let p = path.key(prop.name.as_str());
                keys.insert(p.to_string(), prop.name.range().start);
                walk_json(&prop.value, &p, out, keys);
            }
        }
        jsonc_parser::ast::Value::Array(a) => {
            for (i, e) in a.elements.iter().enumerate() {
                walk_json(e, &path.index(i), out, keys);
            }
        }
        _ => {}
    }
}

fn convert_path(p: &serde_path_to_error::Path) -> FieldPath {
    use serde_path_to_error::Segment;
    FieldPath(
        p.iter()
            .filter_map(|s| match s {
                Segment::Seq { index } => Some(Seg::Index(*index)),
                Segment::Map { key } => Some(Seg::Key(key.clone())),
                Segment::Enum { variant } => Some(Seg::Key(variant.clone())),
                Segment::Unknown => None,
            })
            .collect(),
    )
}

/// `(line, column)`, both from 1; the column counts characters, not bytes.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, text[line_start..offset].chars().count() + 1)
}

/// How deeply arrays and tables may nest in a record file: toml_edit's own
/// recursion limit, applied to JSON too (a case file needs about five).
pub const MAX_NESTING: usize = 80;

/// The byte offset of the first `[` or `{` nested deeper than [`MAX_NESTING`]
/// in JSON text (strings and their escapes skipped), if any. A linear scan, so
/// no parser ever sees a file deep enough to overflow the stack.
pub fn json_too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn nesting_diagnostic() -> Diagnostic {
    Diagnostic::error(
        "nesting",
        FieldPath::root(),
        format!("数组或表嵌套超过 {MAX_NESTING} 层 (nesting too deep)"),
    )
    .hint("案件记录只有几层嵌套；检查多余的括号 [ { ，或文件是否被错误生成")
}

/// A TOML syntax error as a finding, with a remedy that fits the mistake.
fn toml_syntax_diagnostic(msg: &str) -> Diagnostic {
    let root = FieldPath::root();
    if msg.contains("recursion limit exceeded") {
        return nesting_diagnostic();
    }
    if let Some(rest) = msg.split("duplicate key `").nth(1) {
        let key = rest.split('`').next().unwrap_or("");
        let what = if msg.contains("in document root") || msg.starts_with("invalid table header") {
            format!("表 [{key}] 写了两次 (duplicate table)")
        } else {
            format!("字段 `{key}` 写了两次 (duplicate key)")
        };
        return Diagnostic::error("duplicate-key", root, what)
            .hint("同一字段或表只能写一次；删除或合并多余的部分");
    }
    if msg.starts_with("invalid date-time; value is out of range") {
        return Diagnostic::error("date", root, "日期或时间不存在 (invalid date)")
            .hint("日期写作 YYYY-MM-DD，且须是日历上存在的日期");
    }
    if msg.starts_with("invalid date-time") {
        return Diagnostic::error(
            "date",
            root,
            format!("日期或时间格式错误 (invalid date-time): {msg}"),
        )
        .hint("日期写作 2026-03-02，时间写作 2026-03-02T09:30:00 或 \"2026-03-02 09:30\"");
    }
    Diagnostic::error(
        "syntax",
        root,
        format!("TOML 语法错误 (syntax error): {}", zh_syntax(msg)),
    )
    .hint("检查引号、括号和等号是否成对、完整；字符串须用英文双引号 \"…\"")
}

/// A date or date-time typed without quotes on the line of a syntax error at
/// `offset`, if the error is inside it (or just after it): its byte offset and
/// text. TOML reads `2026-03-02` and `2026-03-02T09:30:00` bare, but not
/// `2026/3/2`, `2026.3.2`, `2026年3月2日`, `2026-3-2` or `2026-03-02 09:30`;
/// JSON reads no date bare.
fn unquoted_date_at(text: &str, offset: usize, format: Format) -> Option<(usize, &str)> {
    let offset = offset.min(text.len());
    let line_start = text[..floor_char(text, offset)]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let line = &text[line_start..line_end];
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        if let Some(q) = quote {
            match c {
                _ if escaped => escaped = false,
                '\\' if q == '"' => escaped = true,
                _ if c == q => quote = None,
                _ => {}
            }
            prev = c;
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '#' if format == Format::Toml => return None,
            '0'..='9' if matches!(prev, '=' | ':' | '[' | ',' | ' ' | '\t') => {
                if let Some(len) = date_token(&line[i..]) {
                    let (start, end) = (line_start + i, line_start + i + len);
                    let token = &text[start..end];
                    let toml_literal = format == Format::Toml && is_toml_date_literal(token);
                    if (start..=end).contains(&offset) && !toml_literal {
                        return Some((start, token));
                    }
                }
            }
            _ => {}
        }
        prev = c;
    }
    None
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The length in bytes of a date (with an optional time) at the start of `s`:
/// `2026-3-2`, `2026/03/02`, `2026.3.2`, `2026年3月2日`, then optionally
/// ` 09:30`, `T09:30:00`, `9时30分` (right after `日`, or after a space).
fn date_token(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digits = |from: usize, max: usize| {
        b[from..]
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    if digits(0, 5) != 4 {
        return None;
    }
    let mut i = 4;
    let sep = s[i..].chars().next()?;
    let (sep2, end): (char, Option<char>) = match sep {
        '-' | '/' | '.' => (sep, None),
        '年' => ('月', Some('日')),
        _ => return None,
    };
    i += sep.len_utf8();
    let n = digits(i, 3);
    if !(1..=2).contains(&n) {
        return None;
    }
    i += n;
    if !s[i..].starts_with(sep2) {
        return None;
    }
    i += sep2.len_utf8();
    let n = digits(i, 3);
    if !(1..=2).contains(&n) {
        return None;
    }
    i += n;
    let mut after_day = false;
    if let Some(e) = end {
        for close in [e, '号'] {
            if s[i..].starts_with(close) {
                i += close.len_utf8();
                after_day = true;
                break;
            }
        }
    }
    // A time after the date, taken only if it is complete.
    let t = match s[i..].chars().next() {
        Some(c @ (' ' | 'T')) => i + c.len_utf8(),
        Some(_) if after_day => i + s[i..].len() - s[i..].trim_start_matches(' ').len(),
        _ => return Some(i),
    };
    Some(time_token(&s[t..]).map_or(i, |n| t + n))
}

/// The length of a time of day at the start of `s`: `9:30`, `09:30:00`,
/// `9时30分`, `9点30分`, `9时`.
fn time_token(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digits = |from: usize| {
        b.get(from..)
            .unwrap_or(&[])
            .iter()
            .take(3)
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let n = digits(0);
    if !(1..=2).contains(&n) {
        return None;
    }
    let mut i = n;
    if s[i..].starts_with(':') {
        for _ in 0..2 {
            if !s[i..].starts_with(':') || digits(i + 1) != 2 {
                break;
            }
            i += 3;
        }
        return (i > n).then_some(i);
    }
    let unit = s[i..].chars().next().filter(|c| matches!(c, '时' | '点'))?;
    i += unit.len_utf8();
    for u in ['分', '秒'] {
        let n = digits(i);
        if !(1..=2).contains(&n) || !s[i + n..].starts_with(u) {
            break;
        }
        i += n + u.len_utf8();
    }
    Some(i)
}

/// `2026-03-02` or `2026-03-02T09:30:00` / `2026-03-02 09:30:00`: what TOML
/// itself reads bare (a syntax error there is about something else, such as
/// a date that does not exist).
fn is_toml_date_literal(t: &str) -> bool {
    let shape = |s: &str, pat: &str| {
        s.len() == pat.len()
            && s.bytes().zip(pat.bytes()).all(|(c, p)| match p {
                b'9' => c.is_ascii_digit(),
                b'_' => c == b'T' || c == b' ',
                _ => c == p,
            })
    };
    shape(t, "9999-99-99")
        || shape(t, "9999-99-99_99:99:99")
        || (t.get(..19).is_some_and(|h| shape(h, "9999-99-99_99:99:99"))
            && t[19..].starts_with('.'))
}

/// The finding for a date typed without quotes: say plainly how to write it.
fn unquoted_date_diagnostic(token: &str, path: FieldPath, format: Format) -> Diagnostic {
    let time = crate::case::date::DateTime::parse(token);
    let date = crate::case::date::Date::parse(token);
    let is_time = time.is_some() || (date.is_none() && token.contains([':', '时', '点']));
    let (what, en) = if is_time {
        ("时间", "unquoted date-time")
    } else {
        ("日期", "unquoted date")
    };
    if format == Format::Json {
        return Diagnostic::error(
            "date",
            path,
            format!("{what}请加引号：\"{token}\" ({en})"),
        )
        .hint("JSON 中日期和时间都写成带英文双引号的文字，如 \"2026-03-02\"、\"2026/3/2\"、\"2026-03-02 09:30\"");
    }
    let iso = match (time, date) {
        (Some(t), _) => t.0.format("%Y-%m-%dT%H:%M:%S").to_string(),
        (None, Some(d)) => d.to_string(),
        (None, None) if is_time => "YYYY-MM-DDTHH:MM:SS".to_string(),
        (None, None) => "YYYY-MM-DD".to_string(),
    };
    let hint = if is_time {
        "TOML 中不加引号的时间只能写作 2026-03-02T09:30:00；其他写法（\"2026/3/2 9:30\"、\"2026年3月2日9时30分\"）须用英文双引号括起"
    } else {
        "TOML 中不加引号的日期只能写作 2026-03-02；其他写法（\"2026/3/2\"、\"2026.3.2\"、\"2026年3月2日\"）须用英文双引号括起"
    };
    let exists = if time.is_none() && date.is_none() {
        "，且须是日历上存在的日期"
    } else {
        ""
    };
    Diagnostic::error(
        "date",
        path,
        format!("{what}请写成 {iso} 或加引号 \"{token}\"{exists} ({en})"),
    )
    .hint(hint)
}

/// The field path of the `key = value` line starting at or before `offset`,
/// under the last table header above it (`[arrival]` → `arrival.received`;
/// `[[deliveries]]` counted → `deliveries[1].time`). Only for plain layouts:
/// `None` for quoted keys, inline tables and anything else unusual.
fn toml_path_at(text: &str, offset: usize) -> Option<FieldPath> {
    let offset = floor_char(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..offset];
    let key = line.split_once('=')?.0.trim();
    let bare = |k: &str| {
        !k.is_empty()
            && k.split('.').all(|p| {
                !p.trim().is_empty()
                    && p.trim()
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            })
    };
    if !bare(key) {
        return None;
    }
    let mut table: Vec<Seg> = Vec::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for l in text[..line_start].lines() {
        let l = l.trim();
        let (name, array) = if let Some(r) = l.strip_prefix("[[") {
            (r.split("]]").next()?.trim(), true)
        } else if let Some(r) = l.strip_prefix('[') {
            (r.split(']').next()?.trim(), false)
        } else {
            continue;
        };
        if !bare(name) {
            return None;
        }
        let name: Vec<&str> = name.split('.').map(str::trim).collect();
        let joined = name.join(".");
        // Rebuild the path: parents keep their current array index.
        let mut segs = Vec::new();
        for (k, part) in name.iter().enumerate() {
            segs.push(Seg::Key(part.to_string()));
            let prefix = name[..=k].join(".");
            if k + 1 < name.len() {
                if let Some(n) = counts.get(&prefix) {
                    segs.push(Seg::Index(n.saturating_sub(1)));
                }
            }
        }
        if array {
            let n = counts.entry(joined.clone()).or_insert(0);
            *n += 1;
            segs.push(Seg::Index(*n - 1));
            // A new element starts its own nested arrays afresh.
            let nested = format!("{joined}.");
            counts.retain(|k, _| !k.starts_with(&nested));
        }
        table = segs;
    }
    let mut path = FieldPath(table);
    for part in key.split('.') {
        path = path.key(part.trim());
    }
    Some(path)
}

/// The common serde_json syntax messages in Chinese.
fn zh_json_syntax(msg: &str) -> String {
    let table = [
        ("expected `,` or `}`", "缺少逗号或右花括号 }"),
        ("expected `,` or `]`", "缺少逗号或右方括号 ]"),
        ("expected `:`", "缺少冒号 :"),
        ("expected value", "此处应为一个值"),
        ("expected ident", "此处应为 true、false 或 null"),
        ("trailing comma", "多余的逗号"),
        ("key must be a string", "字段名须用英文双引号括起"),
        (
            "EOF while parsing",
            "文件在结构完整之前就结束了（缺少右括号？）",
        ),
        (
            "control character",
            "字符串中有未转义的控制字符（换行须写作 \\n）",
        ),
        ("invalid escape", "无效的转义字符"),
        ("trailing characters", "结构结束后还有多余的内容"),
    ];
    match table.iter().find(|(en, _)| msg.starts_with(en)) {
        Some((_, zh)) => format!("{zh} ({msg})"),
        None => msg.to_string(),
    }
}

/// The common TOML parser messages in Chinese, the original kept for the English term.
fn zh_syntax(msg: &str) -> String {
    let table = [
        (
            "invalid date-time; value is out of range",
            "日期或时间不存在",
        ),
        ("invalid date-time", "日期或时间格式错误"),
        ("invalid basic string", "字符串没有正确结束（缺少右引号？）"),
        (
            "invalid literal string",
            "字符串没有正确结束（缺少右单引号？）",
        ),
        ("invalid key", "字段名无效"),
        ("duplicate key", "字段重复"),
        ("invalid table header", "表头无效"),
        ("invalid array", "数组没有正确结束（缺少 ] 或逗号？）"),
        (
            "invalid inline table",
            "内联表没有正确结束（缺少 } 或逗号？）",
        ),
        ("expected newline", "一行只能写一个字段"),
        (
            "invalid string",
            "值须为带英文引号的字符串、数字、日期或 true/false",
        ),
        ("invalid integer", "整数格式错误"),
    ];
    match table.iter().find(|(en, _)| msg.starts_with(en)) {
        Some((_, zh)) => format!("{zh} ({msg})"),
        None => msg.to_string(),
    }
}

fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Decodes file bytes as UTF-8, or explains which encoding they seem to be in.
fn decode(path: &Path, bytes: &[u8]) -> Result<String, Located> {
    let fail = |offset_text: &str, offset: usize, code, msg: String, hint: &str| {
        let (line, column) = line_col(offset_text, offset);
        Err(Located {
            file: path.to_path_buf(),
            line,
            column,
            diag: Diagnostic::error(code, FieldPath::root(), msg).hint(hint),
        })
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return fail(
            "",
            0,
            "encoding",
            "文件为 UTF-16 编码 (UTF-16 encoding)，须为 UTF-8".into(),
            "用记事本或 WPS“另存为”，编码选 UTF-8",
        );
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return fail(
            "",
            0,
            "empty",
            "文件为空 (empty file)".into(),
            "写入案件记录，或删除此文件",
        );
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            if let Some(i) = text.find('\0') {
                return fail(
                    text,
                    i,
                    "encoding",
                    "文件含有 NUL 字节，不是文本文件 (binary file)".into(),
                    "案件记录须为 UTF-8 文本文件 (.toml 或 .json)",
                );
            }
            Ok(text.to_string())
        }
        Err(e) => {
            let valid = e.valid_up_to();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let (gbk, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            let looks_gbk =
                !had_errors && gbk.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            if looks_gbk {
                fail(
                    &prefix,
                    valid,
                    "encoding",
                    "文件不是 UTF-8 编码，看来是 GBK/GB18030 (wrong encoding: GBK)".into(),
                    "用记事本或 WPS“另存为”并选 UTF-8，或运行 iconv -f GB18030 -t UTF-8",
                )
            } else {
                fail(
                    &prefix,
                    valid,
                    "encoding",
                    "文件含有无效的 UTF-8 字节 (invalid UTF-8)".into(),
                    "用文本编辑器将文件另存为 UTF-8",
                )
            }
        }
    }
}

/// Turns a serde message into a Chinese one with the English term kept.
fn type_diagnostic(msg: &str, path: FieldPath) -> Diagnostic {
    let msg = one_line(msg);
    let tick = |s: &str| s.split('`').nth(1).unwrap_or("").to_string();
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let f = tick(rest);
        let p = path.key(&f);
        return Diagnostic::error(
            "missing-field",
            p,
            format!("缺少必填字段 (missing field) `{f}`"),
        )
        .hint("补上此字段；字段说明见 anjuan schema 或 examples/ 中的样例");
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let f = tick(rest);
        let expected = rest.split_once(", expected ").map(|x| x.1).unwrap_or("");
        let mut p = path;
        if !matches!(p.0.last(), Some(Seg::Key(k)) if *k == f) {
            p = p.key(&f);
        }
        let known = ticked(expected);
        let guess = match nearest(&f, &known) {
            Some(g) => format!("：是否想写 `{g}`？(did you mean `{g}`?)"),
            None => String::new(),
        };
        let d = Diagnostic::error(
            "unknown-field",
            p,
            format!("未知字段 (unknown field) `{f}`{guess}"),
        );
        return if expected.is_empty() {
            d.hint("此处不应有字段；检查缩进或所在的表")
        } else {
            d.hint(format!(
                "检查拼写；此处可用的字段：{}",
                expected.replace("one of ", "")
            ))
        };
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let v = tick(rest);
        let expected = rest.split_once(", expected ").map(|x| x.1).unwrap_or("");
        // Show the Chinese terms; their English aliases are accepted too.
        let all: Vec<&str> = expected.trim_start_matches("one of ").split(", ").collect();
        let zh: Vec<&str> = all.iter().copied().filter(|t| !t.is_ascii()).collect();
        let shown = if zh.is_empty() { all } else { zh };
        let guess = match nearest(&v, &ticked(expected)) {
            Some(g) => format!("：是否想写“{g}”？(did you mean `{g}`?)"),
            None => String::new(),
        };
        return Diagnostic::error(
            "unknown-value",
            path,
            format!("取值无效 (unknown value) `{v}`{guess}"),
        )
        .hint(format!("可选值：{}", shown.join("、").replace('`', "")));
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let d = Diagnostic::error(
            "type",
            path,
            format!(
                "类型错误 (invalid type)：应为{}，实际为{}",
                zh_type(expected),
                zh_type(got)
            ),
        );
        return if expected.starts_with("date") {
            d.hint(
                "日期写作 2026-03-02（不加引号或加英文双引号均可），时间写作 2026-03-02T09:30:00",
            )
        } else if expected.contains("string") {
            d.hint("文字和号码都要用英文双引号括起，例如 phone = \"13812345678\"")
        } else {
            d
        };
    }
    if msg.starts_with("data did not match any variant of untagged enum DocNo") {
        return Diagnostic::error(
            "type",
            path,
            "文号格式错误 (invalid document number)：应为序号（整数）或完整文号字符串",
        )
        .hint("例如 doc_no = 12，或 doc_no = \"青信受字〔2026〕12号\"");
    }
    if let Some(rest) = msg.strip_prefix("invalid date (YYYY-MM-DD): ") {
        return Diagnostic::error("date", path, format!("日期无效 (invalid date)：{rest}")).hint(
            "日期写作 2026-03-02（或 \"2026/3/2\"、\"2026年3月2日\"），且须是日历上存在的日期",
        );
    }
    if let Some(rest) = msg.strip_prefix("invalid date-time (YYYY-MM-DD HH:MM): ") {
        return Diagnostic::error(
            "date",
            path,
            format!("时间无效 (invalid date-time)：{rest}"),
        )
        .hint("时间写作 \"2026-03-06 10:20\"（或 \"2026/3/6 10:20\"、\"2026年3月6日10时20分\"），且须是存在的日期和时刻");
    }
    if msg.starts_with("duplicate key") || msg.starts_with("duplicate field") {
        return Diagnostic::error(
            "duplicate-key",
            path,
            format!("字段重复 (duplicate key)：{}", tick(&msg)),
        )
        .hint("同一字段只能写一次；删除多余的一行");
    }
    if let Some(rest) = msg.strip_prefix("invalid value: ") {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return Diagnostic::error(
            "value",
            path,
            format!(
                "取值无效 (invalid value)：应为{}，实际为{}",
                zh_type(expected),
                zh_type(got)
            ),
        );
    }
    Diagnostic::error(
        "type",
        path,
        format!("无法读取此字段 (invalid field)：{msg}"),
    )
}

/// The names between backticks in a serde message's list:
/// "one of `id`, `year`" → `["id", "year"]`.
fn ticked(list: &str) -> Vec<&str> {
    list.split('`').skip(1).step_by(2).collect()
}

/// The known name a misspelt one most likely meant, if one is near enough
/// and nearer than every other: an edit or two (a transposition counts as
/// one: `titel` → `title`), or the same beginning (`tracking_no` →
/// `tracking_number`); letter case ignored.
fn nearest<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    let t = typed.to_lowercase();
    let n = t.chars().count();
    if n == 0 {
        return None;
    }
    let limit = match n {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    let mut scored: Vec<((usize, usize), &str)> = known
        .iter()
        .filter(|k| **k != typed)
        .filter_map(|k| {
            let kl = k.to_lowercase();
            let d = strsim::osa_distance(&t, &kl);
            let prefix = t
                .chars()
                .zip(kl.chars())
                .take_while(|(a, b)| a == b)
                .count();
            let shorter = n.min(kl.chars().count());
            let close = d <= limit || prefix >= 4.max(shorter.saturating_sub(2));
            close.then_some(((d, usize::MAX - prefix), *k))
        })
        .collect();
    scored.sort();
    match scored.as_slice() {
        [(best, k), rest @ ..] if rest.first().is_none_or(|(s, _)| s != best) => Some(k),
        _ => None,
    }
}

fn zh_type(s: &str) -> String {
    let s = s.trim();
    let table = [
        ("a string", "字符串 (string)"),
        ("a borrowed string", "字符串 (string)"),
        ("string ", "字符串 "),
        ("a sequence", "数组 (array)"),
        ("sequence", "数组 (array)"),
        ("a boolean", "布尔值 true/false (boolean)"),
        ("boolean ", "布尔值 "),
        ("integer ", "整数 "),
        ("u32", "非负整数 (integer)"),
        ("i32", "整数 (integer)"),
        ("floating point ", "小数 "),
        ("map", "表 (table)"),
        ("struct ", "表 (table) "),
        ("date (YYYY-MM-DD)", "日期 YYYY-MM-DD (date)"),
        (
            "date-time (YYYY-MM-DD HH:MM)",
            "时间 YYYY-MM-DD HH:MM (date-time)",
        ),
    ];
    for (en, zh) in table {
        if let Some(rest) = s.strip_prefix(en) {
            return format!("{zh}{rest}");
        }
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let t = "a = 1\nname = \"王喆\" x\n";
        let off = t.find(" x").unwrap() + 1;
        assert_eq!(line_col(t, off), (2, 13));
        assert_eq!(line_col(t, 0), (1, 1));
    }

    #[test]
    fn locator_finds_nested_paths() {
        let text = "id = \"A\"\n[[people]]\nname = \"x\"\n[[people]]\nname = \"y\"\n[arrival.assignment]\nbody = \"z\"\n";
        let src = Source::from_text("t.toml", text, Format::Toml);
        let loc = Locator::new(&src);
        let place = |p: &str| line_col(text, loc.offset(&FieldPath::parse(p)));
        assert_eq!(place("people[1].name"), (5, 8));
        assert_eq!(place("people[1].missing"), (4, 1));
        assert_eq!(place("arrival.assignment.body"), (7, 8));
        assert_eq!(place("arrival"), (6, 2)); // the key inside the header `[arrival.assignment]`
    }

    #[test]
    fn unquoted_dates_are_found_at_the_error() {
        let find = |t: &str, at: &str, f| {
            let off = t.find(at).unwrap();
            unquoted_date_at(t, off, f).map(|(o, tok)| (line_col(t, o), tok.to_string()))
        };
        let t = "[arrival]\nreceived = 2026/3/2  # 收到\n";
        assert_eq!(
            find(t, "/3", Format::Toml),
            Some(((2, 12), "2026/3/2".into()))
        );
        let t = "time = 2026年4月22日 9时30分\n";
        assert_eq!(
            find(t, "年", Format::Toml).map(|x| x.1),
            Some("2026年4月22日 9时30分".into())
        );
        // What TOML reads bare is not the problem (an impossible date is).
        assert_eq!(find("d = 2026-02-30\n", "30", Format::Toml), None);
        // Inside a string, or after a comment: not a bare value.
        assert_eq!(find("d = \"x 2026/3/2\" y\n", "y", Format::Toml), None);
        assert_eq!(find("d = 1 # 2026/3/2\n", "/3", Format::Toml), None);
        // JSON reads no date bare, ISO included.
        let t = "{\"received\": 2026-03-02}";
        assert_eq!(
            find(t, "-03", Format::Json).map(|x| x.1),
            Some("2026-03-02".into())
        );
        // Any offset, any text: an answer or none, never a panic.
        for t in [
            "a = 2026年3月\n",
            "a = 2026/",
            "a = 2026年3月2日9时",
            "a = ２０２６/3/2",
            "a = [2026.3.2, \"x\"]",
            "🙂 = 2026/3/2日🙂",
            "x = '2026/3/2",
            "",
        ] {
            for off in 0..=t.len() + 1 {
                let _ = unquoted_date_at(t, off, Format::Toml);
                let _ = unquoted_date_at(t, off, Format::Json);
                let _ = toml_path_at(t, off);
            }
        }
    }

    #[test]
    fn misspelt_names_find_the_one_meant() {
        let fields = [
            "paper",
            "method",
            "time",
            "place",
            "tracking_number",
            "signed_on",
            "id",
            "title",
            "received",
            "registry_no",
            "id_number",
            "id_type",
            "phone",
        ];
        for (typed, want) in [
            ("titel", Some("title")),
            ("recieved", Some("received")),
            ("tracking_no", Some("tracking_number")),
            ("Phone", Some("phone")),
            ("phone_number", Some("phone")),
            ("id_no", Some("id_number")),
            ("metod", Some("method")),
            ("signed", Some("signed_on")),
            ("xyz", None),
            ("电话", None),
            ("", None),
        ] {
            assert_eq!(nearest(typed, &fields), want, "{typed}");
        }
        let channels = ["来信", "letter", "来访", "visit", "交办", "assigned"];
        assert_eq!(nearest("交半", &channels), Some("交办"));
        assert_eq!(nearest("来件", &channels), None, "来信 or 来访: no guess");
        assert_eq!(nearest("leter", &channels), Some("letter"));
        assert_eq!(
            ticked("one of `id`, `year` or `x`"),
            vec!["id", "year", "x"]
        );
    }

    #[test]
    fn toml_paths_count_arrays_of_tables() {
        let t = "id = 1\n[[a]]\nx = 1\n[[a.b]]\ny = 1\n[[a]]\n[[a.b]]\ny = 2/3\n[c.d]\nz = 1\n";
        // At the value, as for the token of an unquoted date.
        let at = |s: &str| {
            let off = t.find(s).unwrap() + s.len();
            toml_path_at(t, off).map(|p| p.to_string())
        };
        assert_eq!(at("y = 2"), Some("a[1].b[0].y".into()));
        assert_eq!(at("y = 1"), Some("a[0].b[0].y".into()));
        assert_eq!(at("z = 1"), Some("c.d.z".into()));
        assert_eq!(at("id = "), Some("id".into()));
        assert_eq!(toml_path_at("\"a b\" = 1", 8), None);
    }

    #[test]
    fn json_locator() {
        let text = "{\n  \"people\": [\n    {\"name\": \"x\"}\n  ]\n}";
        let src = Source::from_text("t.json", text, Format::Json);
        let loc = Locator::new(&src);
        assert_eq!(
            line_col(text, loc.offset(&FieldPath::parse("people[0].name"))),
            (3, 14)
        );
    }
}
