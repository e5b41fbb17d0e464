//! The office configuration, `anjuan.toml`: who the office is, how its papers are
//! numbered, who signs, which fonts, how long files are kept, and its calendar.
//!
//! Found by walking up from the case files (like Cargo finds `Cargo.toml`), or
//! named with `--config`. Without one, checking still works on built-in defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::case::calendar::Calendar;
use crate::case::date::Date;
use crate::case::model::{Paper, Retention};
use crate::diag::{Diagnostic, FieldPath, Located};
use crate::source::{Source, SourceError};

pub const FILE_NAME: &str = "anjuan.toml";

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// 机关信息 (the office).
    pub office: Office,
    /// 发文机关代字 (issuer code per paper), e.g. `受理告知书 = "青信受字"`.
    #[serde(default)]
    pub issuers: BTreeMap<Paper, String>,
    /// 签发与整理人员 (the people who sign off and file).
    #[serde(default)]
    pub signers: Signers,
    /// 字体 (fonts by role).
    #[serde(default)]
    pub fonts: Fonts,
    /// 保管期限表 (retention table).
    #[serde(default)]
    pub retention: RetentionTable,
    /// 节假日与期限计算 (calendar and time-limit settings).
    #[serde(default)]
    pub calendar: CalendarSettings,
    /// 问题分类 (categories allowed in `matter.category`); empty = any.
    #[serde(default)]
    pub categories: Vec<String>,
    /// 电子签名 (signing): the office key; papers are signed as they are rendered.
    #[serde(default)]
    pub signing: Signing,
    /// 归档 (filing): order of papers in a dossier, where papers and the register live.
    #[serde(default)]
    pub archive: ArchiveSettings,
    /// 台账 (the ledger spreadsheet): extra header names for `ledger import`.
    #[serde(default)]
    pub ledger: LedgerSettings,
    /// 法律依据引用表 (the provision each paper acts under, by article): defaults are
    /// the 2022 信访工作条例; an office adds or corrects its province's, e.g.
    /// `accept = "《信访工作条例》第二十三条第二款；《某省信访条例》第二十条"`.
    #[serde(default)]
    pub citations: crate::case::law::Citations,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LedgerSettings {
    /// 列名对应 (header → column), added to the default ledger map, e.g.
    /// `"化解责任领导" = "leader"`. Columns: no, id, received, channel, assign_body,
    /// assign_no, assign_date, petitioner, id_number, phone, address, category,
    /// summary, claim, class, measures, leader, unit, handler, due, progress,
    /// struck_off, struck_off_basis, struck_off_date, remarks (or their Chinese names).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
    /// 工作表 (the sheet to read; default the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveSettings {
    /// 件内排列顺序 (filing order of a case's papers, by paper name); each served
    /// paper is followed by its delivery receipts. Default: conclusive papers
    /// first (复核, 复查, 处理意见), then handling papers, then incoming papers.
    #[serde(default = "default_order")]
    pub order: Vec<String>,
    /// 文书目录 (folder of rendered papers, one sub-folder per case), relative to this file.
    #[serde(default = "default_papers")]
    pub papers: PathBuf,
    /// 档号登记簿 (register of reference codes), relative to this file.
    #[serde(default = "default_register")]
    pub register: PathBuf,
    /// 接收单位 (the archive that receives the bundles), e.g. `青溪县档案馆`, printed on
    /// the 移交登记表. Required for `pack year`; a case package without it leaves the
    /// line blank to fill in by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<String>,
    /// 密级 (classification) of cases that do not set their own `classification`;
    /// unset: blank (no classification mark, DA/T 22).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<crate::case::model::Classification>,
}

pub fn default_order() -> Vec<String> {
    [
        "复核意见书",
        "复查意见书",
        "处理意见书",
        "办理情况报告",
        "协议书",
        "听证笔录",
        "延期告知书",
        "受理告知书",
        "不予受理告知书",
        "信访事项交办单",
        "信访事项登记表",
        "来信来访材料",
    ]
    .map(String::from)
    .to_vec()
}

fn default_papers() -> PathBuf {
    PathBuf::from("papers")
}

fn default_register() -> PathBuf {
    PathBuf::from("archive/register.toml")
}

impl Default for ArchiveSettings {
    fn default() -> Self {
        ArchiveSettings {
            order: default_order(),
            papers: default_papers(),
            register: default_register(),
            receiver: None,
            classification: None,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signing {
    /// 私钥 (secret key file, minisign format), relative to this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<PathBuf>,
    /// 公钥 (public key file), relative to this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<PathBuf>,
    /// 必须签名 (every paper must be signed).
    #[serde(default)]
    pub required: bool,
    /// 可信公钥 (the public keys of the offices this office receives bundles
    /// from): `.pub` files, or folders of them, relative to this file. A receipt
    /// (`anjuan receipt`, the desk's 接收) is issued only for a bundle checked
    /// against trusted keys: these, or `--trust`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted: Vec<PathBuf>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// 机关名称 (office name), as printed on papers.
    pub name: String,
    /// 全宗号 (fonds code, 4 characters), e.g. `X012`.
    pub fonds: String,
    /// 机构代码 (office code, 3 letters), e.g. `XFB`; optional in 档号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// 印章图片 (seal image, PNG or SVG), relative to this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<PathBuf>,
    /// 地址 (address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// 邮编 (postcode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// 联系人 (default contact on notices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// 联系电话 (office phone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// 上级机关 (the body above, which hears 复查 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signers {
    /// 机关负责人 (head of the body): approves extensions, signs off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// 负责人职务 (head's title), e.g. `局长`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_title: Option<String>,
    /// 分管领导 (leaders who may sign off papers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leaders: Vec<String>,
    /// 整理人 (archivist who files dossiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archivist: Option<String>,
    /// 检查人 (who checks the dossiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checker: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fonts {
    /// 字体目录 (extra font folders), relative to this file; `fonts/` is always searched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dirs: Vec<PathBuf>,
    /// 忽略系统字体 (ignore system fonts, for reproducible output).
    #[serde(default)]
    pub ignore_system: bool,
    /// 标题字体 (title role), family names in order of preference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub title: Vec<String>,
    /// 正文字体 (body role).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<String>,
    /// 一级标题 黑体 (heading role).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heading: Vec<String>,
    /// 二级标题 楷体 (kai role).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kai: Vec<String>,
    /// 页码 宋体 (page-number role).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub song: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionTable {
    /// 默认保管期限 (default retention).
    #[serde(default = "default_retention")]
    pub default: Retention,
    /// 按问题分类 (retention by category), e.g. `"征地拆迁" = "永久"`.
    #[serde(default)]
    pub by_category: BTreeMap<String, Retention>,
    /// 集体信访 (retention for collective cases), if different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collective: Option<Retention>,
}

fn default_retention() -> Retention {
    Retention::Years30
}

impl Default for RetentionTable {
    fn default() -> Self {
        RetentionTable {
            default: default_retention(),
            by_category: BTreeMap::new(),
            collective: None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarSettings {
    /// 期限末日顺延 (roll a last day that falls on a rest day to the next working day).
    #[serde(default)]
    pub roll_to_working_day: bool,
    /// 法定节假日 (public holidays).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<Date>,
    /// 调休上班日 (weekend days that are working days).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workdays: Vec<Date>,
    /// 简易程序 (the province allows the 10-working-day short-form procedure).
    #[serde(default)]
    pub short_form: bool,
    /// 临期预警天数 (warn when a limit is this many days away or fewer).
    #[serde(default = "default_warn_days")]
    pub warn_days: u32,
    /// 演示日期 (a fixed "today" for an example or training office, so that its open
    /// cases do not age): check, deadlines, the ledger and the report count days from
    /// it. A real office leaves it out; `--as-of` still overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
}

fn default_warn_days() -> u32 {
    5
}

impl Default for CalendarSettings {
    fn default() -> Self {
        CalendarSettings {
            roll_to_working_day: false,
            holidays: Vec::new(),
            workdays: Vec::new(),
            short_form: false,
            warn_days: default_warn_days(),
            as_of: None,
        }
    }
}

/// The configuration could not be loaded: the command cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Read(#[from] SourceError),
    #[error("办公室配置无效 (invalid office configuration):\n{}", .0.iter().map(|l| l.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Located>),
}

/// A configuration together with where it lives (relative paths resolve there).
#[derive(Clone, Debug)]
pub struct Loaded {
    pub config: Config,
    /// The file, or `None` for built-in defaults.
    pub path: Option<PathBuf>,
}

impl Loaded {
    /// The folder that relative paths in the configuration are taken from.
    pub fn root(&self) -> PathBuf {
        self.path
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

impl Config {
    /// Built-in defaults, used when no `anjuan.toml` is found.
    pub fn builtin() -> Config {
        Config {
            office: Office {
                name: "（未配置机关名称）".into(),
                fonds: "X000".into(),
                code: None,
                seal: None,
                address: None,
                postcode: None,
                contact: None,
                phone: None,
                parent: None,
            },
            issuers: BTreeMap::new(),
            signers: Signers::default(),
            fonts: Fonts::default(),
            retention: RetentionTable::default(),
            calendar: CalendarSettings::default(),
            categories: Vec::new(),
            signing: Signing::default(),
            archive: ArchiveSettings::default(),
            ledger: LedgerSettings::default(),
            citations: Default::default(),
        }
    }

    /// Loads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let src = match Source::read(path)? {
            Ok(s) => s,
            Err(l) => return Err(ConfigError::Invalid(vec![l])),
        };
        let cfg: Config = src.parse().map_err(|l| ConfigError::Invalid(vec![l]))?;
        let problems: Vec<Located> = cfg.check().into_iter().map(|d| src.locate(d)).collect();
        if problems.is_empty() {
            Ok(cfg)
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }

    /// Finds `anjuan.toml` in `start` or the folders above it.
    pub fn find(start: &Path) -> Option<PathBuf> {
        // A folder about to be created (`ledger import -o office/cases`) is
        // searched from its nearest existing ancestor.
        let abs = std::path::absolute(start).ok()?;
        let existing = abs.ancestors().find(|a| a.exists())?;
        let start = std::fs::canonicalize(existing).ok()?;
        let mut dir = if start.is_dir() {
            Some(start.as_path())
        } else {
            start.parent()
        };
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                // Show it relative to the working folder when it is below it.
                let cwd = std::env::current_dir().ok();
                let rel = cwd.and_then(|c| candidate.strip_prefix(c).ok().map(Path::to_path_buf));
                return Some(rel.unwrap_or(candidate));
            }
            dir = d.parent();
        }
        None
    }

    /// Loads `explicit`, or the one found above `start`, or the built-in defaults.
    pub fn discover(explicit: Option<&Path>, start: &Path) -> Result<Loaded, ConfigError> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => Config::find(start),
        };
        match path {
            Some(p) => Ok(Loaded {
                config: Config::load(&p)?,
                path: Some(p),
            }),
            None => Ok(Loaded {
                config: Config::builtin(),
                path: None,
            }),
        }
    }

    /// Consistency checks beyond types.
    pub fn check(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let fonds = &self.office.fonds;
        if fonds.chars().count() != 4 || !fonds.chars().all(|c| c.is_ascii_alphanumeric()) {
            out.push(
                Diagnostic::error(
                    "config",
                    FieldPath::parse("office.fonds"),
                    format!("全宗号应为 4 位字母或数字 (fonds code), 实际为 `{fonds}`"),
                )
                .hint("向档案馆查询本机关的全宗号，例如 X012"),
            );
        }
        if let Some(code) = &self.office.code {
            if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
                out.push(
                    Diagnostic::error(
                        "config",
                        FieldPath::parse("office.code"),
                        format!("机构代码应为 3 个大写字母 (office code), 实际为 `{code}`"),
                    )
                    .hint("例如 XFB；不用时删除此行"),
                );
            }
        }
        for (i, name) in self.archive.order.iter().enumerate() {
            if crate::case::kind::Kind::parse(name)
                .is_none_or(|k| k.is_dossier() || k == crate::case::kind::Kind::DeliveryReceipt)
            {
                out.push(
                    Diagnostic::error(
                        "config",
                        FieldPath::parse("archive.order").index(i),
                        format!("不是可排列的文书名称 (unknown paper): `{name}`"),
                    )
                    .hint("可用：复核意见书 复查意见书 处理意见书 办理情况报告 协议书 听证笔录 延期告知书 受理告知书 不予受理告知书 信访事项交办单 信访事项登记表 来信来访材料"),
                );
            }
        }
        for (paper, code) in &self.issuers {
            if code.trim().is_empty() || code.contains(['〔', '〕', '[', ']']) {
                out.push(
                    Diagnostic::error(
                        "config",
                        FieldPath::parse("issuers").key(paper.zh()),
                        format!("发文机关代字无效 (issuer code) `{code}`"),
                    )
                    .hint("只写代字，例如 \"青信受字\"；年份和序号由程序生成"),
                );
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, d) in self.calendar.holidays.iter().enumerate() {
            if self.calendar.workdays.contains(d) {
                out.push(Diagnostic::error(
                    "config",
                    FieldPath::parse("calendar.holidays").index(i),
                    format!("{d} 同时列为节假日和调休上班日 (holiday and workday)"),
                ));
            }
            if !seen.insert(*d) {
                out.push(Diagnostic::warning(
                    "config",
                    FieldPath::parse("calendar.holidays").index(i),
                    format!("{d} 重复列出 (listed twice)"),
                ));
            }
        }
        out
    }

    /// The holiday calendar built from the settings.
    pub fn calendar(&self) -> Calendar {
        Calendar::new(
            self.calendar.holidays.iter().copied(),
            self.calendar.workdays.iter().copied(),
            self.calendar.roll_to_working_day,
        )
    }

    /// The retention period for a category (collective cases may differ).
    pub fn retention_for(&self, category: &str, collective: bool) -> Retention {
        if let Some(r) = self.retention.by_category.get(category) {
            return *r;
        }
        if collective {
            if let Some(r) = self.retention.collective {
                return r;
            }
        }
        self.retention.default
    }

    /// The full document number for a serial: `青信受字〔2026〕12号`.
    pub fn doc_number(&self, paper: Paper, year: i32, serial: u32) -> Option<String> {
        self.issuers
            .get(&paper)
            .map(|code| format!("{code}〔{year}〕{serial}号"))
    }
}
