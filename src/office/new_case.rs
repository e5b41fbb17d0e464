//! Registering a new case (登记): a clerk's answers become a case file under the
//! office's `cases/`, with the next free case number, checked exactly as `anjuan
//! check` checks a file before anything is written. Shared by `anjuan new case`
//! and the desk's 登记 form.
//!
//! The file is written as text a clerk can read and edit (toml_edit: tables in the
//! order of the case model, a header comment), then parsed back through the same
//! loader and validated with the office's rules; a new file never replaces one that
//! exists (no-clobber rename).

use std::path::{Path, PathBuf};

use toml_edit::{value, Array, ArrayOfTables, DocumentMut, Item, Table};

use crate::case::date::Date;
use crate::case::{self, Rules};
use crate::diag::Located;

/// What a clerk registers.
#[derive(Clone, Debug, Default)]
pub struct NewCase {
    /// 信访形式, as typed (来信, 来访, 网上, 电话/来电, 交办, 转送).
    pub channel: String,
    /// 收到日期.
    pub received: Option<Date>,
    pub petitioners: Vec<NewPetitioner>,
    /// 信访事项摘要.
    pub summary: String,
    /// 诉求, one per item.
    pub requests: Vec<String>,
    /// 问题分类 (from the office's list).
    pub category: String,
    /// 问题发生地.
    pub place: Option<String>,
    /// 信访件登记编号 (the national system's number).
    pub registry_no: Option<String>,
    /// 交办/转送机关, 文号, 日期, for a case from above.
    pub assignment: Option<(String, String, Date)>,
    /// 登记人.
    pub registered_by: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct NewPetitioner {
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// A case registered.
#[derive(Debug)]
pub struct Created {
    pub id: String,
    pub path: PathBuf,
    /// What `check` says of the new file that does not refuse it: warnings, and
    /// lateness (a case registered after its acceptance limit is still registered).
    pub warnings: Vec<Located>,
}

#[derive(Debug, thiserror::Error)]
pub enum NewCaseError {
    #[error("案件记录有错误，未写入 (the new case has errors; nothing written)")]
    Invalid(Vec<Located>),
    #[error("{0}: 无法读写 (cannot read or write): {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0} 已存在 (exists)")]
    Exists(PathBuf),
    #[error("缺少 {0} (missing {0})")]
    Missing(&'static str),
}

impl NewCaseError {
    pub fn remedy(&self) -> &'static str {
        match self {
            NewCaseError::Invalid(_) => "按上面每条修改建议改正后重新登记",
            NewCaseError::Io(..) => "检查办公室目录的路径与权限",
            NewCaseError::Exists(_) => "另一登记同时写入了该编号：重新运行即取下一个编号",
            NewCaseError::Missing(_) => {
                "用选项给出（anjuan new case --help），或在终端上运行以逐项输入"
            }
        }
    }
}

/// The next free case number in `cases_dir` for `year`: `XF-2026-0009` after the
/// highest `XF-2026-NNNN` there, keeping the office's prefix and width when its
/// files use another (`QX-2026-00012`).
pub fn next_case_id(cases_dir: &Path, year: i32) -> String {
    let mut prefix = "XF".to_string();
    let mut width = 4usize;
    let mut max = 0u32;
    let tag = format!("-{year}-");
    if let Ok(rd) = std::fs::read_dir(cases_dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(stem) = name
                .strip_suffix(".toml")
                .or_else(|| name.strip_suffix(".json"))
            else {
                continue;
            };
            let Some((p, n)) = stem.split_once(&tag) else {
                continue;
            };
            if let Ok(v) = n.parse::<u32>() {
                if v >= max {
                    max = v;
                    prefix = p.to_string();
                    width = n.len();
                }
            }
        }
    }
    format!("{prefix}-{year}-{:0width$}", max + 1)
}

/// The case file's text.
pub fn case_text(id: &str, c: &NewCase) -> Result<String, NewCaseError> {
    let received = c
        .received
        .ok_or(NewCaseError::Missing("收到日期 (received)"))?;
    let mut doc = DocumentMut::new();
    doc["id"] = value(id);
    let mut arrival = Table::new();
    // The term, whatever alias the clerk typed (来电 → 电话): the file reads as the
    // papers print it.
    let channel = crate::case::model::Channel::parse(c.channel.trim())
        .map(|ch| ch.zh().to_string())
        .unwrap_or_else(|| c.channel.trim().to_string());
    arrival["channel"] = value(channel);
    arrival["received"] = value(toml_date(received));
    if let Some(r) = c.registry_no.as_deref().filter(|s| !s.trim().is_empty()) {
        arrival["registry_no"] = value(r.trim());
    }
    if let Some(r) = c.registered_by.as_deref().filter(|s| !s.trim().is_empty()) {
        arrival["registered_by"] = value(r.trim());
    }
    if let Some((body, number, date)) = &c.assignment {
        let mut a = Table::new();
        a["body"] = value(body.trim());
        a["number"] = value(number.trim());
        a["date"] = value(toml_date(*date));
        arrival["assignment"] = Item::Table(a);
    }
    doc["arrival"] = Item::Table(arrival);
    let mut ps = ArrayOfTables::new();
    for p in &c.petitioners {
        let mut t = Table::new();
        t["name"] = value(p.name.trim());
        for (k, v) in [
            ("id_number", &p.id_number),
            ("phone", &p.phone),
            ("address", &p.address),
        ] {
            if let Some(v) = v.as_deref().filter(|s| !s.trim().is_empty()) {
                t[k] = value(v.trim());
            }
        }
        ps.push(t);
    }
    doc["petitioners"] = Item::ArrayOfTables(ps);
    let mut m = Table::new();
    m["summary"] = value(c.summary.trim());
    let mut reqs = Array::new();
    for r in c.requests.iter().filter(|r| !r.trim().is_empty()) {
        reqs.push(r.trim());
    }
    m["requests"] = value(reqs);
    m["category"] = value(c.category.trim());
    if let Some(p) = c.place.as_deref().filter(|s| !s.trim().is_empty()) {
        m["place"] = value(p.trim());
    }
    doc["matter"] = Item::Table(m);
    Ok(format!(
        "# 登记（anjuan new case）。补录受理、办理、送达等信息后即可生成文书；字段说明：anjuan schema\n\n{doc}"
    ))
}

fn toml_date(d: Date) -> toml_edit::Datetime {
    // Date prints as YYYY-MM-DD, which TOML reads as a local date.
    d.to_string()
        .parse()
        .expect("a date prints as a TOML local date")
}

/// Registers `c` in `cases_dir` under the next free number: the file is checked as
/// `anjuan check` would (with every other case of the office, for duplicate numbers)
/// and written only if it has no errors.
pub fn create(cases_dir: &Path, c: &NewCase, rules: &Rules) -> Result<Created, NewCaseError> {
    let year = c
        .received
        .ok_or(NewCaseError::Missing("收到日期 (received)"))?
        .year();
    let id = next_case_id(cases_dir, year);
    let path = cases_dir.join(format!("{id}.toml"));
    let text = case_text(&id, c)?;
    let (cf, mut found) =
        case::check_text(&path, text.clone(), rules).map_err(|l| NewCaseError::Invalid(vec![l]))?;
    // Duplicates against the office's other cases.
    let others = case::collect_files(&[cases_dir.to_path_buf()]).unwrap_or_default();
    found.extend(case::check_against(&cf, &others, rules.config));
    // Lateness is the office's finding to act on, not a defect of the record: a
    // case received weeks ago is still registered (and reported as overdue).
    if found
        .iter()
        .any(|l| l.diag.is_error() && !case::TIMELINESS.contains(&l.diag.code))
    {
        return Err(NewCaseError::Invalid(found));
    }
    crate::fsutil::write_atomic_new(&path, text.as_bytes()).map_err(|e| match e {
        crate::fsutil::WriteError::Io { source, .. }
            if source.kind() == std::io::ErrorKind::AlreadyExists =>
        {
            NewCaseError::Exists(path.clone())
        }
        crate::fsutil::WriteError::Io { source, .. } => NewCaseError::Io(path.clone(), source),
    })?;
    Ok(Created {
        id,
        path,
        warnings: found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_number_follows_the_office() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(next_case_id(d.path(), 2026), "XF-2026-0001");
        for n in [
            "XF-2026-0007.toml",
            "XF-2026-0012.toml",
            "XF-2025-0044.toml",
            "notes.txt",
        ] {
            std::fs::write(d.path().join(n), "").unwrap();
        }
        assert_eq!(next_case_id(d.path(), 2026), "XF-2026-0013");
        assert_eq!(next_case_id(d.path(), 2025), "XF-2025-0045");
        assert_eq!(next_case_id(d.path(), 2027), "XF-2027-0001");
    }
}
