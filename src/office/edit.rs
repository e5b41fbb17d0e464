//! Editing a case file (the desk's forms, an integrator's API call): changes go
//! into the file's text through toml_edit, so the clerk's comments, order and
//! layout survive, and the file is replaced atomically.
//!
//! **Nothing is overwritten quietly.** Every save names the version it was based
//! on (the digest of the file as it was read). If the file changed meanwhile —
//! another clerk's save, `anjuan` on the command line, an editor — the save is
//! refused with the fields that changed, and nothing is written. The versions a
//! save may be based on are kept as snapshots (`<office>/.anjuan/versions/`,
//! by digest) so the fields can be named; without the snapshot the save is still
//! refused.
//!
//! A save that leaves the record with a new error (a field the office rules
//! refuse) is refused with findings placed at their fields; errors the file
//! already had do not block fixing another field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use toml_edit::{DocumentMut, Item, Table};

use crate::case::date::Date;
use crate::case::{self, Rules};
use crate::diag::{FieldPath, Located, Seg};

/// A case file's version: the SHA-256 of its bytes, in hex (first 128 bits).
pub fn version_of(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// A value to put in a field.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Bool(bool),
    Date(Date),
    /// A date and time of day (送达时间), written as a TOML local date-time.
    DateTime(crate::case::date::DateTime),
    /// A list of texts (诉求).
    List(Vec<String>),
    /// Take the field out of the file.
    Remove,
}

/// One field's change: `petitioners[0].phone` = `13800000000`.
#[derive(Clone, Debug)]
pub struct Change {
    pub field: FieldPath,
    pub value: Value,
}

/// A case file as opened for editing.
#[derive(Debug)]
pub struct Opened {
    pub path: PathBuf,
    pub text: String,
    /// What a save of this text names as its base.
    pub version: String,
}

/// A save that was written.
#[derive(Debug)]
pub struct Saved {
    pub version: String,
    /// The fields whose value is now different (a change to the same value is
    /// no change).
    pub changed: Vec<String>,
    /// What `check` says of the saved file that did not refuse it.
    pub warnings: Vec<Located>,
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error(
        "{path}: 案件文件已被他人修改，本次保存未写入 (changed since you opened it; nothing written){}",
        changed_list(.changed)
    )]
    Conflict {
        path: PathBuf,
        base: String,
        current: String,
        /// The fields that differ between the base and the file now; empty when
        /// the base version is not known any more.
        changed: Vec<String>,
    },
    #[error("修改后的案件记录有错误，未写入 (the edit leaves errors; nothing written)")]
    Invalid(Vec<Located>),
    #[error("{field}: 无法修改 (cannot set this field): {reason}")]
    Field { field: String, reason: String },
    #[error("{0}: 案件文件不存在 (no such case file)")]
    Gone(PathBuf),
    #[error("{0}: 无法读写 (cannot read or write): {1}")]
    Io(PathBuf, std::io::Error),
}

fn changed_list(changed: &[String]) -> String {
    if changed.is_empty() {
        String::new()
    } else {
        format!("；他人改动的字段 (fields changed)：{}", changed.join("、"))
    }
}

impl EditError {
    pub fn remedy(&self) -> &'static str {
        match self {
            EditError::Conflict { .. } => {
                "重新打开案件，看过他人的改动后再修改、保存；你的输入没有写入文件"
            }
            EditError::Invalid(_) => "按每条修改建议改正所在字段后再保存",
            EditError::Field { .. } => "检查字段名与序号（anjuan schema 列出案件记录的字段）",
            EditError::Gone(_) => "案件文件已被移走或改名：回到案件列表重新打开",
            EditError::Io(..) => "检查办公室目录的路径与权限",
        }
    }
}

/// Where snapshots of opened versions are kept: `<office>/.anjuan/versions`.
pub fn versions_dir(office: &Path) -> PathBuf {
    super::state::state_dir(office).join("versions")
}

fn read(path: &Path) -> Result<String, EditError> {
    match std::fs::read(path) {
        Ok(b) => String::from_utf8(b).map_err(|_| EditError::Field {
            field: path.display().to_string(),
            reason: "文件不是 UTF-8 文本".into(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(EditError::Gone(path.to_path_buf()))
        }
        Err(e) => Err(EditError::Io(path.to_path_buf(), e)),
    }
}

/// Keeps `text` as the snapshot of its version (written once; content-addressed).
fn keep_snapshot(office: &Path, version: &str, text: &str) -> Result<(), EditError> {
    let dir = versions_dir(office);
    let file = dir.join(format!("{version}.toml"));
    if file.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(&dir).map_err(|e| EditError::Io(dir.clone(), e))?;
    crate::fsutil::write_atomic(&file, text.as_bytes())
        .map_err(|e| EditError::Io(file.clone(), std::io::Error::other(e.to_string())))
}

fn snapshot(office: &Path, version: &str) -> Option<String> {
    if !version.chars().all(|c| c.is_ascii_hexdigit()) || version.len() != 32 {
        return None;
    }
    std::fs::read_to_string(versions_dir(office).join(format!("{version}.toml"))).ok()
}

/// Opens a case file for editing: its text and version (kept as a snapshot, so
/// a refused save can name what changed).
pub fn open(office: &Path, path: &Path) -> Result<Opened, EditError> {
    let text = read(path)?;
    let version = version_of(text.as_bytes());
    keep_snapshot(office, &version, &text)?;
    Ok(Opened {
        path: path.to_path_buf(),
        text,
        version,
    })
}

/// Every value of a TOML document by its field path (`petitioners[0].name`), as
/// text without comments or layout.
fn flatten(text: &str) -> BTreeMap<String, String> {
    fn item(i: &Item, path: &FieldPath, out: &mut BTreeMap<String, String>) {
        match i {
            Item::None => {}
            Item::Value(v) => value(v, path, out),
            Item::Table(t) => table(t, path, out),
            Item::ArrayOfTables(a) => {
                for (n, t) in a.iter().enumerate() {
                    table(t, &path.index(n), out);
                }
            }
        }
    }
    fn table(t: &Table, path: &FieldPath, out: &mut BTreeMap<String, String>) {
        for (k, i) in t.iter() {
            item(i, &path.key(k), out);
        }
    }
    fn value(v: &toml_edit::Value, path: &FieldPath, out: &mut BTreeMap<String, String>) {
        match v {
            toml_edit::Value::InlineTable(t) => {
                for (k, v) in t.iter() {
                    value(v, &path.key(k), out);
                }
            }
            toml_edit::Value::Array(a) => {
                for (n, v) in a.iter().enumerate() {
                    value(v, &path.index(n), out);
                }
                if a.is_empty() {
                    out.insert(path.to_string(), "[]".into());
                }
            }
            v => {
                let mut v = v.clone();
                v.decor_mut().clear();
                out.insert(path.to_string(), v.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    if let Ok(doc) = text.parse::<DocumentMut>() {
        table(doc.as_table(), &FieldPath::root(), &mut out);
    }
    out
}

/// The fields (top two levels: `handling.date`, `petitioners[0]`) whose values
/// differ between two texts of a file.
pub fn changed_fields(before: &str, after: &str) -> Vec<String> {
    let (a, b) = (flatten(before), flatten(after));
    let mut out: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

fn field_err(field: &FieldPath, reason: impl Into<String>) -> EditError {
    EditError::Field {
        field: field.to_string(),
        reason: reason.into(),
    }
}

fn toml_value(v: &Value, field: &FieldPath) -> Result<toml_edit::Value, EditError> {
    Ok(match v {
        Value::Text(s) => s.trim().into(),
        Value::Int(n) => (*n).into(),
        Value::Bool(b) => (*b).into(),
        Value::Date(d) => d
            .to_string()
            .parse::<toml_edit::Datetime>()
            .map_err(|e| field_err(field, e.to_string()))?
            .into(),
        Value::DateTime(t) => format!("{}:00", t.to_string().replacen(' ', "T", 1))
            .parse::<toml_edit::Datetime>()
            .map_err(|e| field_err(field, e.to_string()))?
            .into(),
        Value::List(items) => {
            let mut a = toml_edit::Array::new();
            for s in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                a.push(s);
            }
            a.into()
        }
        Value::Remove => return Err(field_err(field, "内部错误：删除不是值")),
    })
}

/// Puts `new` where `slot` is, keeping the comments around the old value.
fn replace_value(slot: &mut Item, new: toml_edit::Value) {
    let mut new = new;
    if let Some(old) = slot.as_value() {
        let d = old.decor().clone();
        *new.decor_mut() = d;
    }
    *slot = Item::Value(new);
}

/// Applies one change to the document.
fn apply(doc: &mut DocumentMut, c: &Change) -> Result<(), EditError> {
    let segs = &c.field.0;
    let Some((last, parents)) = segs.split_last() else {
        return Err(field_err(&c.field, "字段为空"));
    };
    if let Seg::Index(n) = last {
        return apply_item(doc, c, *n);
    }
    let mut table: &mut Table = doc.as_table_mut();
    let mut at = FieldPath::root();
    let mut i = 0;
    while i < parents.len() {
        let Seg::Key(k) = &parents[i] else {
            return Err(field_err(&c.field, format!("{at} 不是表")));
        };
        at = at.key(k);
        // `petitioners[0]`: a table of an array of tables.
        if let Some(Seg::Index(n)) = parents.get(i + 1) {
            let n = *n;
            // The first table of a list not in the file yet (`[[handling.decisions]]`
            // of a new opinion) starts the list; a removal from it is no change.
            if !table.contains_key(k) {
                if c.value == Value::Remove {
                    return Ok(());
                }
                if n == 0 {
                    table.insert(k, Item::ArrayOfTables(toml_edit::ArrayOfTables::new()));
                }
            }
            let Some(arr) = table.get_mut(k).and_then(Item::as_array_of_tables_mut) else {
                return Err(field_err(&c.field, format!("{at} 不是一组表")));
            };
            let len = arr.len();
            if n > len || (n == len && c.value == Value::Remove) {
                return Err(field_err(&c.field, format!("{at} 只有 {len} 项")));
            }
            if n == len {
                arr.push(Table::new());
            }
            at = at.index(n);
            table = arr
                .get_mut(n)
                .ok_or_else(|| field_err(&c.field, format!("{at} 不存在")))?;
            i += 2;
            continue;
        }
        if c.value == Value::Remove && !table.contains_key(k) {
            return Ok(());
        }
        let entry = table.entry(k).or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(false);
            Item::Table(t)
        });
        table = match entry {
            Item::Table(t) => t,
            _ => return Err(field_err(&c.field, format!("{at} 不是表"))),
        };
        i += 1;
    }
    match last {
        Seg::Key(k) => {
            if c.value == Value::Remove {
                table.remove(k);
                return Ok(());
            }
            let v = toml_value(&c.value, &c.field)?;
            match table.get_mut(k) {
                Some(slot) if slot.is_value() => replace_value(slot, v),
                Some(_) => return Err(field_err(&c.field, "该字段是表，不能设为单个值")),
                None => {
                    table.insert(k, Item::Value(v));
                }
            }
        }
        Seg::Index(_) => unreachable_index(&c.field)?,
    }
    Ok(())
}

/// A change to the `n`th item of a list: a text of an inline list
/// (`matter.requests[1]`), or a whole table of an array of tables
/// (`petitioners[1]`, which can only be removed this way).
fn apply_item(doc: &mut DocumentMut, c: &Change, n: usize) -> Result<(), EditError> {
    let field = &c.field;
    let mut parent = field.clone();
    parent.0.pop();
    let mut item: &mut Item = doc.as_item_mut();
    for s in &parent.0 {
        let next = match s {
            Seg::Key(k) => item.get_mut(k.as_str()),
            Seg::Index(i) => item.get_mut(*i),
        };
        item = match next {
            Some(i) => i,
            None if c.value == Value::Remove => return Ok(()),
            None => return Err(field_err(field, format!("{parent} 不存在"))),
        };
    }
    // Indexing a table by a key it does not have leaves an empty slot: a list
    // that is not there has no item to remove.
    if item.is_none() {
        return match c.value {
            Value::Remove => Ok(()),
            _ => Err(field_err(field, format!("{parent} 不存在"))),
        };
    }
    if let Some(tables) = item.as_array_of_tables_mut() {
        return match &c.value {
            Value::Remove if n < tables.len() => {
                tables.remove(n);
                Ok(())
            }
            Value::Remove => Ok(()),
            _ => Err(field_err(field, "这是一组表中的一项：逐个字段修改")),
        };
    }
    let arr = item
        .as_array_mut()
        .ok_or_else(|| field_err(field, format!("{parent} 不是列表")))?;
    let len = arr.len();
    match &c.value {
        Value::Remove if n < len => {
            arr.remove(n);
        }
        Value::Remove => {}
        v => {
            let v = toml_value(v, field)?;
            if n < len {
                arr.replace(n, v);
            } else if n == len {
                arr.push(v);
            } else {
                return Err(field_err(field, format!("只有 {len} 项")));
            }
        }
    }
    Ok(())
}

fn unreachable_index(field: &FieldPath) -> Result<(), EditError> {
    Err(field_err(field, "内部错误：序号应已处理"))
}

/// The error findings of a text (code and field), for telling new from old.
fn error_keys(found: &[Located]) -> Vec<(String, String)> {
    found
        .iter()
        .filter(|l| l.diag.is_error() && !case::TIMELINESS.contains(&l.diag.code))
        .map(|l| (l.diag.code.to_string(), l.diag.path.to_string()))
        .collect()
}

/// Saves `changes` into the case file at `path`, if it is still at version
/// `base`. Refuses (writing nothing) when the file changed meanwhile, when a
/// change cannot be made, or when the result has a new error.
pub fn save(
    office: &Path,
    path: &Path,
    base: &str,
    changes: &[Change],
    rules: &Rules,
) -> Result<Saved, EditError> {
    save_among(office, path, base, changes, rules, &[])
}

/// [`save`], with the result also checked against the office's other case
/// files `others` for duplicate case and document numbers (a save that gives
/// a paper a 文号 another case uses is refused; a duplicate the file already
/// had does not block it).
pub fn save_among(
    office: &Path,
    path: &Path,
    base: &str,
    changes: &[Change],
    rules: &Rules,
    others: &[PathBuf],
) -> Result<Saved, EditError> {
    let current = read(path)?;
    let current_version = version_of(current.as_bytes());
    let conflict = |current: &str, current_version: String| EditError::Conflict {
        path: path.to_path_buf(),
        base: base.to_string(),
        current: current_version,
        changed: snapshot(office, base)
            .map(|b| changed_fields(&b, current))
            .unwrap_or_default(),
    };
    if current_version != base {
        return Err(conflict(&current, current_version));
    }
    let mut doc: DocumentMut = current.parse().map_err(|e: toml_edit::TomlError| {
        EditError::Invalid(vec![crate::source::Source::from_text(
            path.to_path_buf(),
            current.clone(),
            crate::source::Format::Toml,
        )
        .locate(crate::diag::Diagnostic::error(
            "syntax",
            FieldPath::root(),
            format!("TOML 语法错误 (syntax error): {}", e.message().trim()),
        ))])
    })?;
    for c in changes {
        apply(&mut doc, c)?;
    }
    let text = doc.to_string();
    let before = case::check_text(path, current.clone(), rules);
    let mut before_errors = match &before {
        Ok((_, found)) => error_keys(found),
        Err(l) => error_keys(std::slice::from_ref(l)),
    };
    let (cf, mut found) =
        case::check_text(path, text.clone(), rules).map_err(|l| EditError::Invalid(vec![l]))?;
    if !others.is_empty() {
        let dups = case::check_against(&cf, others, rules.config);
        if dups.iter().any(|l| l.diag.is_error()) {
            // Only now the file as it was: a duplicate it had is not new.
            if let Ok((old, _)) = &before {
                before_errors.extend(error_keys(&case::check_against(old, others, rules.config)));
            }
        }
        found.extend(dups);
    }
    let new_errors: Vec<Located> = found
        .iter()
        .filter(|l| {
            l.diag.is_error()
                && !case::TIMELINESS.contains(&l.diag.code)
                && !before_errors.contains(&(l.diag.code.to_string(), l.diag.path.to_string()))
        })
        .cloned()
        .collect();
    if !new_errors.is_empty() {
        return Err(EditError::Invalid(new_errors));
    }
    let changed = changed_fields(&current, &text);
    let version = version_of(text.as_bytes());
    if changed.is_empty() {
        return Ok(Saved {
            version: current_version,
            changed,
            warnings: found,
        });
    }
    // The last look before the rename: a write that landed while we checked is
    // not overwritten. (A writer between this read and the rename is the window
    // a rename cannot close; the desk's own saves are serialised per file.)
    let now = read(path)?;
    let now_version = version_of(now.as_bytes());
    if now_version != base {
        return Err(conflict(&now, now_version));
    }
    keep_snapshot(office, &version, &text)?;
    crate::fsutil::write_atomic(path, text.as_bytes())
        .map_err(|e| EditError::Io(path.to_path_buf(), std::io::Error::other(e.to_string())))?;
    Ok(Saved {
        version,
        changed,
        warnings: found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Loaded};

    /// The demo office's configuration with its cases XF-2026-0006 (opinion
    /// 文号 31) and XF-2026-0007 (accepted, no opinion yet).
    fn office() -> (tempfile::TempDir, Loaded, PathBuf, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-office");
        std::fs::create_dir_all(t.path().join("cases")).unwrap();
        let cfg = t.path().join("anjuan.toml");
        std::fs::copy(demo.join("anjuan.toml"), &cfg).unwrap();
        let mut files = Vec::new();
        for id in ["XF-2026-0006", "XF-2026-0007"] {
            let f = t.path().join(format!("cases/{id}.toml"));
            std::fs::copy(demo.join(format!("cases/{id}.toml")), &f).unwrap();
            files.push(f);
        }
        let loaded = Loaded {
            config: Config::load(&cfg).unwrap(),
            path: Some(cfg),
        };
        let other = files.remove(0);
        (t, loaded, other, files.remove(0))
    }

    fn set(field: &str, value: Value) -> Change {
        Change {
            field: FieldPath::parse(field),
            value,
        }
    }

    fn opinion(doc_no: i64) -> Vec<Change> {
        let t = |s: &str| Value::Text(s.into());
        vec![
            set(
                "handling.date",
                Value::Date(Date::parse("2026-11-20").unwrap()),
            ),
            set("handling.doc_no", Value::Int(doc_no)),
            set("handling.facts", t("经核查属实。")),
            set(
                "handling.legal_basis",
                Value::List(vec!["《社会救助暂行办法》第九条".into()]),
            ),
            set("handling.review_body", t("青溪县人民政府")),
            set("handling.signed_off_by", t("")),
            set(
                "handling.investigation[0].date",
                Value::Date(Date::parse("2026-11-13").unwrap()),
            ),
            set("handling.investigation[0].text", t("入户核查。")),
            set("handling.decisions[0].request", Value::Int(1)),
            set("handling.decisions[0].outcome", t("支持")),
            set("handling.decisions[0].reason", t("恢复低保。")),
            set("handling.decisions[1].request", Value::Int(2)),
            set("handling.decisions[1].outcome", t("支持")),
            set("handling.decisions[1].reason", t("补发。")),
        ]
    }

    #[test]
    fn a_new_opinion_starts_its_lists_and_keeps_the_comments() {
        let (t, loaded, other, file) = office();
        let rules = crate::office::rules(&loaded, None);
        let o = open(t.path(), &file).unwrap();
        let saved =
            save_among(t.path(), &file, &o.version, &opinion(32), &rules, &[other]).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("# 样例（未结）"), "{text}");
        assert_eq!(text.matches("[[handling.decisions]]").count(), 2, "{text}");
        assert_eq!(text.matches("[[handling.investigation]]").count(), 1);
        assert!(saved.changed.iter().any(|c| c.starts_with("handling")));
        // The only finding: the draft awaits the leader.
        let errors: Vec<_> = saved
            .warnings
            .iter()
            .filter(|l| l.diag.is_error())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        // Taking the list out again: removing a list that is not there is no error.
        let o = open(t.path(), &file).unwrap();
        let gone = [
            set("handling.investigation", Value::Remove),
            set("handling.hearings[0]", Value::Remove),
        ];
        save(t.path(), &file, &o.version, &gone, &rules).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("[[handling.investigation]]"), "{text}");
    }

    #[test]
    fn another_cases_document_number_is_refused_among_the_office_files() {
        let (t, loaded, other, file) = office();
        let rules = crate::office::rules(&loaded, None);
        let before = std::fs::read_to_string(&file).unwrap();
        let o = open(t.path(), &file).unwrap();
        match save_among(t.path(), &file, &o.version, &opinion(31), &rules, &[other]) {
            Err(EditError::Invalid(found)) => assert!(
                found.iter().any(|l| l.diag.code == "duplicate-number"
                    && l.diag.path.to_string() == "handling.doc_no"),
                "{found:?}"
            ),
            r => panic!("{r:?}"),
        }
        assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
        // Without the other files (the plain save) the number is not compared.
        save(t.path(), &file, &o.version, &opinion(31), &rules).unwrap();
    }
}
