//! The command layer: runs each subcommand, prints its output, and is the only
//! code that reads the user's folders or writes files.

use std::io::Write;
use std::path::{Path, PathBuf};

use unicode_width::UnicodeWidthStr;

use crate::archive::pack::{self as packing, Scope};
use crate::case::date::Date;
use crate::case::deadline::{next_step, Next};
use crate::case::{self, CaseError, Rules};
use crate::cli::{
    Cli, Command, KeyAction, LedgerAction, LookOptions, NewAction, PackOptions, PackWhat,
    PassOptions,
};

mod audit;
mod ledger;
mod new_case;
mod users;
use crate::config::{Config, ConfigError, Loaded};
use crate::fsutil::{write_atomic, WriteError};
use crate::render::fonts::FontOptions;
use crate::render::plan::Kind;
use crate::render::{RenderError, RenderOptions, Renderer};
use crate::sign::{self, sig_path, SignError};

/// How a command that ran ended: the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0: all good (warnings allowed).
    Clean,
    /// Exit 1: the input has defects.
    Invalid,
}

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Invalid => 1,
        }
    }
}

/// The command could not run (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("{0} 已存在 (already exists)")]
    Exists(PathBuf),
    #[error("没有找到案件文件 (no case files) in {0}")]
    NoCases(String),
    #[error("无法输出 (cannot write output): {0}")]
    Output(#[from] std::io::Error),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("{path}: {source}")]
    Sign {
        path: PathBuf,
        #[source]
        source: SignError,
    },
    #[error("没有指定私钥 (no secret key): 用 --key，或在 anjuan.toml 的 [signing] 中写 key = \"keys/anjuan.key\"")]
    NoKey,
    #[error(transparent)]
    NewCase(crate::office::new_case::NewCaseError),
    #[error("没有本机关的签名私钥，不能生成接收方会接受的归档包 (no office key: the bundle would be unsigned)")]
    PackUnsigned,
    #[error("{0} 是参考副本 (reference copy)，不能用办公室密钥签名：{1}由其出具机关盖章发出，本机关只接收原件归档")]
    ReferenceCopy(PathBuf, String),
    #[error("无法读取 {0} (cannot read)")]
    Read(PathBuf),
    #[error("未知的文书类型 (unknown paper kind) `{0}`")]
    Kind(String),
    #[error(transparent)]
    Pack(#[from] crate::archive::pack::PackError),
    #[error("另一个 anjuan pack 正在为这个办公室编号 (another pack holds the register lock): {0}")]
    Busy(PathBuf),
    #[error("pack case 需要一个案件文件 (expects one case file): {0} 中有 {1} 件")]
    OneCase(PathBuf, usize),
    #[error(transparent)]
    Verify(#[from] crate::verify::VerifyError),
    #[error("不支持的摘要算法 (unsupported algorithm) `{0}`：可用 sha256、sha512、sm3")]
    Alg(String),
    #[error("接收回执需要完整的四性检测，不能与 --bagit 同用 (a receipt needs the full check)")]
    ReceiptBagit,
    #[error("{0}: 未配置接收单位名称 (the receiver is not named): 接收回执须写明接收单位，不能留空或代填")]
    NoReceiverName(String),
    #[error(transparent)]
    Import(crate::ledger::import::ImportError),
    #[error("{0} 个案件文件无法读取 (unreadable case files)")]
    Unreadable(usize),
    #[error("年度 {0} 不是有效年份 (invalid year)")]
    Year(i32),
    #[error("{path}: {error}")]
    Register {
        path: PathBuf,
        error: crate::archive::code::NumberingError,
    },
    #[error(transparent)]
    User(#[from] crate::office::users::UserError),
    #[error(transparent)]
    Audit(#[from] crate::office::audit::AuditError),
    #[error("{0} 不是办公室目录 (not an office folder: no anjuan.toml)")]
    NotOffice(PathBuf),
    #[error("无法取得口令 (no password): {0}")]
    Password(String),
}

impl AppError {
    /// Standard output was a pipe whose reader went away (`anjuan check | head`):
    /// not a failure to report.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, AppError::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// What the user can do about it.
    pub fn remedy(&self) -> Option<std::borrow::Cow<'static, str>> {
        self.remedy_static().map(Into::into).or_else(|| match self {
            AppError::Pack(e) => e.remedy().map(Into::into),
            AppError::Register { .. } => Some(
                "档号登记簿由 anjuan pack 维护，请勿手工删改；从备份恢复，或请档案部门处理".into(),
            ),
            _ => None,
        })
    }

    fn remedy_static(&self) -> Option<&'static str> {
        match self {
            AppError::Pack(_) | AppError::Register { .. } => None,
            AppError::Verify(e) => Some(e.remedy()),
            AppError::User(e) => Some(e.remedy()),
            AppError::Audit(e) => Some(e.remedy()),
            AppError::NotOffice(_) => {
                Some("给出办公室目录（含 anjuan.toml）；新办公室先运行 anjuan init")
            }
            AppError::Password(_) => Some(
                "在终端上运行以输入口令（输入两次，不回显），或用 --password-env 变量名 从环境变量读取",
            ),
            AppError::Import(e) => Some(e.remedy()),
            AppError::Unreadable(_) => Some("按上面的位置改正案件文件（anjuan check 可逐项列出）后再运行"),
            AppError::Year(_) => Some("用 --year 2026 这样的四位年份"),
            AppError::Alg(_) => Some("用 --alg sha256、--alg sm3 或 --alg sha512；不写则校验包中全部清单"),
            AppError::ReceiptBagit => Some("去掉 --bagit 再运行 anjuan receipt"),
            AppError::NoReceiverName(_) => Some(
                "在接收方（本单位）的 anjuan.toml 中写明 [office] name = \"青溪县档案馆\"（及 fonds），在该目录下运行或用 --config 指定",
            ),
            AppError::Busy(_) => Some("等另一个打包完成后再运行；同一办公室一次只能打包一个"),
            AppError::OneCase(..) => Some(
                "给出一个案件文件，如 office/cases/XF-2026-0001.toml；整年的案件用 anjuan pack year",
            ),
            AppError::Config(ConfigError::Invalid(_)) => {
                Some("按上面的位置改正 anjuan.toml；字段说明见 anjuan schema --office")
            }
            AppError::Config(ConfigError::Read(_)) => Some("检查 --config 给出的路径与权限"),
            AppError::Case(CaseError::NotFound(_)) => {
                Some("检查路径拼写；案件文件为 .toml 或 .json")
            }
            AppError::Case(_) => Some("检查文件夹权限"),
            AppError::Write(_) | AppError::Output(_) => {
                Some("检查目标文件夹是否存在、是否可写、磁盘是否已满")
            }
            AppError::Exists(_) => Some("换一个目录，或加 --force 覆盖"),
            AppError::Render(e) => e.remedy(),
            AppError::Sign { source, .. } => Some(source.remedy()),
            AppError::NoKey => Some("先运行 anjuan key new 生成本机关的密钥"),
            AppError::NewCase(e) => Some(e.remedy()),
            AppError::PackUnsigned => Some(
                "运行 anjuan key new -o 办公室目录/keys，并在 anjuan.toml 的 [signing] 中写 key = \"keys/anjuan.key\"；确需不签名时加 --unsigned（接收方将报告并拒收）",
            ),
            AppError::ReferenceCopy(..) => Some(
                "扫描收到的原件，在案件记录中写 original = \"originals/…\"；anjuan pack 归档原件，不归档参考副本",
            ),
            AppError::Read(_) => Some("检查路径与权限"),
            AppError::Kind(_) => Some(KIND_HELP),
            AppError::NoCases(_) => {
                Some("案件文件为 .toml 或 .json；办公室目录中的案件放在 cases/ 下")
            }
        }
    }
}

pub fn run(cli: Cli) -> Result<Outcome, AppError> {
    match cli.command {
        Command::Check { paths, as_of, json } => check(cli.config.as_deref(), &paths, as_of, json),
        Command::Deadlines { paths, as_of, json } => {
            deadlines(cli.config.as_deref(), &paths, as_of, json)
        }
        Command::Render {
            paths,
            output,
            only,
            force,
            json,
            look,
        } => render(
            cli.config.as_deref(),
            &paths,
            output.as_deref(),
            only.as_deref(),
            (force, json),
            &look,
        ),
        Command::Demo { output, look } => demo(&output, &look),
        Command::Schema {
            office,
            report,
            receipt,
            figures,
            output: Some(o),
        } => {
            let _ = (office, report, receipt, figures);
            let text = serde_json::to_string_pretty(&o.schema()).unwrap_or_default();
            print_bytes(format!("{text}\n").as_bytes())
        }
        Command::Schema {
            office,
            report,
            receipt,
            figures,
            output: None,
        } => schema(office, report, receipt, figures),
        Command::Key {
            action:
                KeyAction::New {
                    output,
                    unencrypted,
                    passphrase_env,
                    force,
                    json,
                },
        } => key_new(&output, unencrypted, passphrase_env.as_deref(), force, json),
        Command::Sign { files, key, pass } => {
            sign_files(cli.config.as_deref(), &files, key.as_deref(), &pass)
        }
        Command::VerifySig { files, public } => verify_sigs(&files, &public),
        Command::Verify {
            bundle,
            opts,
            json,
            report,
            look,
        } => verify_bundle(
            cli.config.as_deref(),
            &bundle,
            &opts,
            json,
            report.as_deref(),
            &look,
        ),
        Command::Receipt {
            bundle,
            opts,
            key,
            output,
            json,
            pass,
            look,
        } => receipt(
            cli.config.as_deref(),
            &bundle,
            &opts,
            key.as_deref(),
            (&output, json),
            &pass,
            &look,
        ),
        Command::CheckReceipt {
            receipt,
            public,
            bundle,
            json,
        } => check_receipt(&receipt, &public, bundle.as_deref(), json),
        Command::Synth {
            count,
            output,
            year,
            seed,
        } => synth(count, &output, year, seed),
        Command::Completions { shell } => {
            // Into memory first: clap_complete panics on a write error, and a
            // reader that stops early (`| head`) is not an error of ours.
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "anjuan", &mut out);
            print_bytes(&out)
        }
        Command::Man { output } => man_pages(output.as_deref()),
        Command::New {
            what:
                NewAction::Case {
                    office,
                    answers,
                    json,
                },
        } => new_case::new_case(&office, answers, json),
        Command::User { action } => users::user(action),
        Command::Audit { action } => audit::audit(action),
        Command::Init {
            dir,
            force,
            unencrypted,
            passphrase_env,
            json,
        } => init(&dir, force, unencrypted, passphrase_env.as_deref(), json),
        Command::Ledger { action } => match action {
            LedgerAction::Import {
                ledger,
                output,
                sheet,
                keep_going,
                update,
                as_of,
                json,
            } => ledger::ledger_import(
                cli.config.as_deref(),
                &ledger,
                &output,
                sheet.as_deref(),
                keep_going,
                update,
                as_of,
                json,
            ),
            LedgerAction::Export {
                paths,
                output,
                as_of,
                force,
                mask,
                json,
            } => ledger::ledger_export(
                cli.config.as_deref(),
                &paths,
                output.as_deref(),
                as_of,
                force,
                mask,
                json,
            ),
        },
        Command::Report {
            paths,
            year,
            output,
            as_of,
            force,
            json,
            look,
        } => ledger::report(
            cli.config.as_deref(),
            &paths,
            year,
            output.as_deref(),
            as_of,
            force,
            json,
            &look,
        ),
        Command::Pack { what } => match what {
            PackWhat::Case { path, output, opts } => pack(
                cli.config.as_deref(),
                &path,
                Scope::Case,
                output.as_deref(),
                &opts,
            ),
            PackWhat::Year {
                year,
                office,
                output,
                opts,
            } => pack(
                cli.config.as_deref(),
                &office,
                Scope::Year(year),
                output.as_deref(),
                &opts,
            ),
        },
    }
}

/// Where a command writes by default (one scheme, README "Where things go"):
/// `rel` inside the office folder when an anjuan.toml was found, else `bare` in
/// the current folder.
pub(crate) fn office_place(loaded: &Loaded, rel: &Path, bare: &str) -> PathBuf {
    if loaded.path.is_some() {
        loaded.root().join(rel)
    } else {
        PathBuf::from(bare)
    }
}

fn load_config(explicit: Option<&Path>, paths: &[PathBuf]) -> Result<Loaded, AppError> {
    let start = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    Ok(Config::discover(explicit, &start)?)
}

/// The office configuration for `paths` and the case files under them (at least one).
fn office_and_files(
    config: Option<&Path>,
    paths: &[PathBuf],
) -> Result<(Loaded, Vec<PathBuf>), AppError> {
    let loaded = load_config(config, paths)?;
    let files = case::collect_files(paths)?;
    if files.is_empty() {
        return Err(AppError::NoCases(display_paths(paths)));
    }
    Ok((loaded, files))
}

fn rules(loaded: &Loaded, as_of: Option<Date>) -> Rules<'_> {
    Rules {
        config: &loaded.config,
        config_is_real: loaded.path.is_some(),
        calendar: loaded.config.calendar(),
        as_of: as_of
            .or(loaded.config.calendar.as_of)
            .unwrap_or_else(Date::today),
        root: Some(loaded.root()),
    }
}

fn check(
    config: Option<&Path>,
    paths: &[PathBuf],
    as_of: Option<Date>,
    json: bool,
) -> Result<Outcome, AppError> {
    let (loaded, files) = office_and_files(config, paths)?;
    let rules = rules(&loaded, as_of);
    let checked = case::check_files(&files, &rules)?;
    let mut out = std::io::stdout().lock();
    if json {
        let doc = crate::office::output::CheckReport {
            schema: "anjuan-check/1".into(),
            as_of: rules.as_of,
            config: loaded.path.as_ref().map(|p| p.display().to_string()),
            files: checked.files,
            errors: checked.errors(),
            warnings: checked.warnings(),
            findings: checked.findings.clone(),
        };
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )?;
    } else {
        if loaded.path.is_none() {
            eprintln!("注意 (note): 没有找到 anjuan.toml，按内置默认配置检查；用 anjuan init 建立办公室目录，或用 --config 指定");
        }
        if as_of.is_none() {
            if let Some(d) = loaded.config.calendar.as_of {
                eprintln!("注意 (note): 按 anjuan.toml 中的演示日期 {d} 计算期限（[calendar] as_of；真实办公室请删除该行）");
            }
        }
        for f in &checked.findings {
            writeln!(out, "{f}")?;
        }
        if !checked.findings.is_empty() {
            writeln!(out)?;
        }
        writeln!(
            out,
            "检查 {} 个文件 (files checked)：{} 个错误 (errors)，{} 个警告 (warnings)",
            checked.files,
            checked.errors(),
            checked.warnings()
        )?;
    }
    Ok(if checked.errors() > 0 {
        Outcome::Invalid
    } else {
        Outcome::Clean
    })
}

/// One line of the deadline view.
use crate::office::output::DeadlineRow as Row;

fn deadlines(
    config: Option<&Path>,
    paths: &[PathBuf],
    as_of: Option<Date>,
    json: bool,
) -> Result<Outcome, AppError> {
    let (loaded, files) = office_and_files(config, paths)?;
    let rules = rules(&loaded, as_of);
    let warn = i64::from(loaded.config.calendar.warn_days);
    if as_of.is_none() && !json {
        if let Some(d) = loaded.config.calendar.as_of {
            eprintln!("注意 (note): 按 anjuan.toml 中的演示日期 {d} 计算期限（[calendar] as_of；真实办公室请删除该行）");
        }
    }
    let mut rows = Vec::new();
    let mut unreadable = 0;
    // The files load in parallel (a county's year is 10,000 of them); what they
    // say is taken in file order.
    use rayon::prelude::*;
    type Each = Result<Result<Option<(case::Case, Next)>, crate::diag::Located>, CaseError>;
    let loaded_files: Vec<Each> = files
        .par_iter()
        .map(|f| {
            Ok(case::load(f)?.map(|cf| {
                next_step(&cf.case, &rules.calendar, rules.as_of).map(|next| (cf.case, next))
            }))
        })
        .collect();
    for (f, each) in files.iter().zip(loaded_files) {
        let (case, next) = match each? {
            Ok(Some(x)) => x,
            Ok(None) => continue,
            Err(l) => {
                eprintln!("{l}");
                unreadable += 1;
                continue;
            }
        };
        let status = match next.days_left {
            Some(d) if d < 0 => "超期",
            Some(d) if d <= warn => "临期",
            Some(_) => "正常",
            None => "待办",
        };
        let c = &case;
        let mut petitioner = c
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
            petitioner.push_str(&format!("等{n}人"));
        }
        rows.push(Row {
            case: c.id.clone(),
            file: f.display().to_string(),
            petitioner,
            leader: c.responsibility.as_ref().map(|r| r.leader.clone()),
            status: status.to_string(),
            next,
        });
    }
    // Overdue first (most overdue first), then by due date; steps without a limit last.
    rows.sort_by(|a, b| {
        let key = |r: &Row| {
            (
                r.next.due.is_none(),
                r.next.days_left.unwrap_or(i64::MAX),
                r.case.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    let mut out = std::io::stdout().lock();
    if json {
        let doc = crate::office::output::DeadlinesReport {
            schema: "anjuan-deadlines/1".into(),
            as_of: rules.as_of,
            open: rows,
        };
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )?;
    } else {
        writeln!(
            out,
            "截至 {} (as of)，未结案件 {} 件 (open cases)",
            rules.as_of,
            rows.len()
        )?;
        let header = [
            "状态",
            "到期日",
            "剩余",
            "案件编号",
            "信访人",
            "包案领导",
            "下一步 (next step)",
        ];
        let table: Vec<[String; 7]> = rows
            .iter()
            .map(|r| {
                [
                    r.status.to_string(),
                    r.next
                        .due
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "—".into()),
                    r.next
                        .days_left
                        .map(|d| format!("{d}日"))
                        .unwrap_or_else(|| "—".into()),
                    r.case.clone(),
                    r.petitioner.clone(),
                    r.leader.clone().unwrap_or_else(|| "—".into()),
                    match &r.next.extended {
                        Some(x) => format!(
                            "{} ({})，已延期{}日（{}批准）",
                            r.next.step, r.next.en, x.days, x.approved_on
                        ),
                        None => format!("{} ({})", r.next.step, r.next.en),
                    },
                ]
            })
            .collect();
        let mut widths = header.map(UnicodeWidthStr::width);
        for row in &table {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.width());
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                s.push_str(cell);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(w - cell.width() + 2));
                }
            }
            s
        };
        if !rows.is_empty() {
            writeln!(out, "{}", line(&header.map(String::from)))?;
            for row in &table {
                writeln!(out, "{}", line(row))?;
            }
        }
    }
    Ok(if unreadable > 0 {
        Outcome::Invalid
    } else {
        Outcome::Clean
    })
}

/// Writes to standard output; a reader that has gone (a closed pipe) ends the
/// output quietly.
fn print_bytes(bytes: &[u8]) -> Result<Outcome, AppError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(AppError::Output(e)),
        _ => Ok(Outcome::Clean),
    }
}

/// `anjuan man`: the pages clap_mangen makes from the command definitions.
fn man_pages(output: Option<&Path>) -> Result<Outcome, AppError> {
    let cmd = <Cli as clap::CommandFactory>::command();
    match output {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .map_err(AppError::Output)?;
            print_bytes(&out)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| {
                AppError::Write(WriteError::Io {
                    path: dir.to_path_buf(),
                    source,
                })
            })?;
            clap_mangen::generate_to(cmd, dir).map_err(AppError::Output)?;
            println!("已写入使用手册 (man pages): {}/anjuan.1 等", dir.display());
        }
    }
    Ok(Outcome::Clean)
}

/// The example office's configuration for an office that counts days as a real one
/// does (from today): without the example's fixed `as_of` and the lines that
/// explain it. For `init` and `synth`.
fn real_office_config() -> String {
    let mut out = String::new();
    let mut skip_comment = false;
    for l in DEMO[0].1.lines() {
        let t = l.trim_start();
        if t.starts_with("# 演示日期") {
            skip_comment = true;
        }
        if t.starts_with("as_of") {
            skip_comment = false;
            continue;
        }
        if skip_comment && t.starts_with('#') {
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

fn synth(count: usize, output: &Path, year: i32, seed: u64) -> Result<Outcome, AppError> {
    write_atomic(&output.join("anjuan.toml"), real_office_config().as_bytes())?;
    // The stand-in for the received originals the cases name (复查, 复核, 交办单).
    write_atomic(
        &output.join(crate::synth::ORIGINAL),
        &crate::synth::original_png(),
    )?;
    for c in crate::synth::cases(seed, count, year) {
        let text = toml::to_string(&c).map_err(|e| AppError::Output(std::io::Error::other(e)))?;
        write_atomic(
            &output.join("cases").join(format!("{}.toml", c.id)),
            text.as_bytes(),
        )?;
    }
    println!(
        "已生成 {count} 件模拟案件 (synthetic cases) → {}",
        output.display()
    );
    Ok(Outcome::Clean)
}

fn key_new(
    dir: &Path,
    unencrypted: bool,
    passphrase_env: Option<&str>,
    force: bool,
    json: bool,
) -> Result<Outcome, AppError> {
    let passphrase = new_passphrase(unencrypted, passphrase_env)?;
    let made = make_key(dir, passphrase, force)?;
    let report = key_report(&made);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
        return Ok(Outcome::Clean);
    }
    println!(
        "已生成密钥 (key pair): 私钥 {}，公钥 {}",
        made.secret.display(),
        made.public.display()
    );
    if !made.encrypted {
        println!("注意 (note): 私钥未加密 (unencrypted)，请妥善保管此文件");
    }
    let toml = crate::config::Config::find(dir)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "anjuan.toml".into());
    println!(
        "把公钥 {} 交给接收方，用于核验签名。",
        made.public.display()
    );
    println!(
        "在 {toml} 中写入以下内容，生成文书时即签名 (add to {toml} to sign as papers are made):"
    );
    println!(
        "[signing]\nkey = \"{}\"\npublic = \"{}\"\nrequired = true",
        report.signing_key, report.signing_public
    );
    Ok(Outcome::Clean)
}

/// The key pair as `--json` reports it, with the `[signing]` paths relative to the
/// anjuan.toml of the office the key folder belongs to (found as every command
/// finds it), or as given when there is none.
fn key_report(made: &MadeKey) -> crate::office::output::KeyReport {
    let dir = made.secret.parent().unwrap_or(Path::new("."));
    let (key, public) = match crate::config::Config::find(dir) {
        Some(cfg) => {
            let base = cfg.parent().unwrap_or(Path::new("."));
            (
                relative_to(&made.secret, base),
                relative_to(&made.public, base),
            )
        }
        None => (
            made.secret.display().to_string(),
            made.public.display().to_string(),
        ),
    };
    crate::office::output::KeyReport {
        schema: "anjuan-key/1".into(),
        secret_key: made.secret.display().to_string(),
        public_key: made.public.display().to_string(),
        encrypted: made.encrypted,
        signing_key: key,
        signing_public: public,
    }
}

/// The passphrase for a new key: none with `unencrypted`; else the named variable,
/// else ANJUAN_PASSPHRASE, else asked twice on the terminal.
fn new_passphrase(unencrypted: bool, passphrase_env: Option<&str>) -> Result<String, AppError> {
    if unencrypted {
        return Ok(String::new());
    }
    match passphrase_env {
        Some(var) => std::env::var(var).map_err(|_| AppError::Sign {
            path: PathBuf::from(format!("${var}")),
            source: SignError::Passphrase(format!("环境变量 {var} 没有设置 (not set)")),
        }),
        None => match std::env::var("ANJUAN_PASSPHRASE") {
            Ok(p) if !p.is_empty() => Ok(p),
            _ => ask_twice(),
        },
    }
}

/// A key pair just written.
struct MadeKey {
    secret: PathBuf,
    public: PathBuf,
    encrypted: bool,
}

/// Makes `anjuan.key` and `anjuan.pub` in `dir`, the secret key under `passphrase`
/// (unencrypted when empty). The secret key is owner-only (0600), the public key 0644.
fn make_key(dir: &Path, passphrase: String, force: bool) -> Result<MadeKey, AppError> {
    let (skp, pkp) = (dir.join("anjuan.key"), dir.join("anjuan.pub"));
    for p in [&skp, &pkp] {
        if p.exists() && !force {
            return Err(AppError::Exists(p.clone()));
        }
    }
    let err = |source| AppError::Sign {
        path: skp.clone(),
        source,
    };
    let (pk, sk) = sign::generate(passphrase.clone()).map_err(err)?;
    crate::fsutil::write_secret(&skp, sk.as_bytes())?;
    write_atomic(&pkp, pk.as_bytes())?;
    Ok(MadeKey {
        secret: skp,
        public: pkp,
        encrypted: !passphrase.is_empty(),
    })
}

/// `path` written relative to `base` where it lies under it (`keys/anjuan.key`),
/// else as it is; always with `/`.
fn relative_to(path: &Path, base: &Path) -> String {
    let abs = |p: &Path| {
        std::fs::canonicalize(p)
            .or_else(|_| std::path::absolute(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let (p, b) = (abs(path), abs(base));
    p.strip_prefix(&b)
        .map(|r| r.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| path.display().to_string())
}

/// Asks for a new passphrase twice on the terminal.
fn ask_twice() -> Result<String, AppError> {
    ask_secret_twice("私钥口令 (passphrase): ").map_err(|m| AppError::Sign {
        path: PathBuf::from("(terminal)"),
        source: SignError::Passphrase(m),
    })
}

/// Asks for a new secret (a key's passphrase, an account's password) twice on the
/// terminal, without echo: the answer, or why there is none.
pub(crate) fn ask_secret_twice(prompt: &str) -> Result<String, String> {
    let ask = |p: &str| {
        rpassword::prompt_password(p)
            .map_err(|e| format!("无法从终端读取口令 (cannot read from the terminal): {e}"))
    };
    let a = ask(prompt)?;
    let b = ask("再输入一次 (again): ")?;
    if a != b {
        return Err("两次输入的口令不同 (the two entries differ)".into());
    }
    Ok(a)
}

/// The passphrase of an existing key: the named variable, ANJUAN_PASSPHRASE, the
/// terminal, or none for an unencrypted key.
fn passphrase_for(key_text: &str, pass: Option<&PassOptions>) -> Result<String, AppError> {
    // An unencrypted key needs none, whatever the environment holds (an office may
    // keep ANJUAN_PASSPHRASE set for its own key while using another's).
    if sign::secret_key(key_text, String::new()).is_ok() {
        return Ok(String::new());
    }
    if let Some(var) = pass.and_then(|p| p.passphrase_env.as_deref()) {
        return std::env::var(var).map_err(|_| AppError::Sign {
            path: PathBuf::from(format!("${var}")),
            source: SignError::Passphrase(format!("环境变量 {var} 没有设置 (not set)")),
        });
    }
    if let Ok(p) = std::env::var("ANJUAN_PASSPHRASE") {
        return Ok(p);
    }
    rpassword::prompt_password("私钥口令 (passphrase): ").map_err(|e| AppError::Sign {
        path: PathBuf::from("(terminal)"),
        source: SignError::Passphrase(format!("无法读取口令 (cannot read passphrase): {e}")),
    })
}

/// Loads a secret key and its public key.
fn load_key(
    path: &Path,
    pass: Option<&PassOptions>,
) -> Result<(minisign::SecretKey, minisign::PublicKey), AppError> {
    let text = std::fs::read_to_string(path).map_err(|_| AppError::Read(path.to_path_buf()))?;
    let passphrase = passphrase_for(&text, pass)?;
    let err = |source| AppError::Sign {
        path: path.to_path_buf(),
        source,
    };
    let sk = sign::secret_key(&text, passphrase).map_err(err)?;
    let pk = sign::public_of(&sk).map_err(err)?;
    Ok((sk, pk))
}

fn sign_files(
    config: Option<&Path>,
    files: &[PathBuf],
    key: Option<&Path>,
    pass: &PassOptions,
) -> Result<Outcome, AppError> {
    let key = match key {
        Some(k) => k.to_path_buf(),
        None => {
            let loaded = load_config(config, files)?;
            let rel = loaded.config.signing.key.clone().ok_or(AppError::NoKey)?;
            loaded.root().join(rel)
        }
    };
    // Reference copies of other bodies' papers are refused before anything is signed.
    let mut datas = Vec::with_capacity(files.len());
    for f in files {
        let data = std::fs::read(f).map_err(|_| AppError::Read(f.clone()))?;
        if let Some(what) = reference_copy(f, &data) {
            return Err(AppError::ReferenceCopy(f.clone(), what));
        }
        datas.push(data);
    }
    let (sk, pk) = load_key(&key, Some(pass))?;
    for (f, data) in files.iter().zip(datas) {
        let binding = sign::binding_for(f, &data);
        let sig = sign::sign(&sk, Some(&pk), &data, &binding).map_err(|source| AppError::Sign {
            path: f.clone(),
            source,
        })?;
        write_atomic(&sig_path(f), sig.as_bytes())?;
        println!(
            "已签名 (signed) {} → {}",
            f.display(),
            sig_path(f).display()
        );
    }
    if let Ok(loaded) = load_config(config, files) {
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        audit::note(
            &loaded,
            crate::office::audit::AuditAction::PaperSign,
            &format!("{} files", files.len()),
            &format!("key {}: {}", sign::key_id(&pk), names.join(", ")),
        );
    }
    Ok(Outcome::Clean)
}

/// A reference copy of another body's paper (复查意见书, 复核意见书, 交办单), by
/// the PDF's keywords (anjuan marks them 参考副本) or by its file name: the kind
/// of paper it is.
fn reference_copy(f: &Path, data: &[u8]) -> Option<String> {
    let marked = data.starts_with(b"%PDF-")
        && crate::verify::pdf::facts(data.to_vec())
            .ok()
            .and_then(|x| x.keywords)
            .is_some_and(|k| k.contains("参考副本"));
    let paper = sign::binding_for(f, data).paper;
    let kind = Kind::ALL
        .into_iter()
        .find(|k| k.is_reference() && k.name() == paper);
    match (marked, kind) {
        (_, Some(k)) => Some(k.name().to_string()),
        (true, None) => Some("其他机关的文书".into()),
        (false, None) => None,
    }
}

fn verify_sigs(files: &[PathBuf], public: &Path) -> Result<Outcome, AppError> {
    let text = std::fs::read_to_string(public).map_err(|_| AppError::Read(public.to_path_buf()))?;
    let pk = sign::public_key(&text).map_err(|source| AppError::Sign {
        path: public.to_path_buf(),
        source,
    })?;
    let mut bad = 0;
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let result = std::fs::read(f)
            .map_err(|e| format!("无法读取文件 (cannot read): {e}"))
            .and_then(|data| {
                let sig = std::fs::read_to_string(sig_path(f)).map_err(|_| {
                    format!("没有签名文件 (no signature) {}", sig_path(f).display())
                })?;
                sign::verify(&pk, &data, &sig, &name).map_err(|e| format!("{e}；{}", e.remedy()))
            });
        match result {
            Ok(v) => match &v.binding {
                Some(b) => println!(
                    "通过 (valid) {}：案件 {}，{}，sha256 {}",
                    f.display(),
                    b.case,
                    b.paper,
                    b.sha256
                ),
                None => println!(
                    "通过 (valid) {}：trusted comment: {}",
                    f.display(),
                    v.trusted_comment
                ),
            },
            Err(e) => {
                bad += 1;
                println!("失败 (INVALID) {}：{e}", f.display());
            }
        }
    }
    Ok(if bad > 0 {
        Outcome::Invalid
    } else {
        Outcome::Clean
    })
}

fn schema(office: bool, report: bool, receipt: bool, figures: bool) -> Result<Outcome, AppError> {
    let schema = if figures {
        schemars::schema_for!(crate::ledger::stats::Stats)
    } else if office {
        schemars::schema_for!(Config)
    } else if report {
        schemars::schema_for!(crate::verify::Report)
    } else if receipt {
        schemars::schema_for!(crate::verify::receipt::Receipt)
    } else {
        schemars::schema_for!(case::Case)
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&schema).unwrap_or_default()
    )?;
    Ok(Outcome::Clean)
}

/// The demo office, compiled in so `anjuan demo` and `anjuan init` work from any folder.
const DEMO: &[(&str, &str)] = &[
    (
        "anjuan.toml",
        include_str!("../examples/demo-office/anjuan.toml"),
    ),
    (
        "cases/XF-2026-0001.toml",
        include_str!("../examples/demo-office/cases/XF-2026-0001.toml"),
    ),
    (
        "cases/XF-2026-0002.toml",
        include_str!("../examples/demo-office/cases/XF-2026-0002.toml"),
    ),
    (
        "cases/XF-2026-0003.toml",
        include_str!("../examples/demo-office/cases/XF-2026-0003.toml"),
    ),
    (
        "cases/XF-2026-0004.toml",
        include_str!("../examples/demo-office/cases/XF-2026-0004.toml"),
    ),
    (
        "cases/XF-2026-0005.toml",
        include_str!("../examples/demo-office/cases/XF-2026-0005.toml"),
    ),
    (
        "cases/XF-2026-0006.toml",
        include_str!("../examples/demo-office/cases/XF-2026-0006.toml"),
    ),
    (
        "cases/XF-2026-0007.toml",
        include_str!("../examples/demo-office/cases/XF-2026-0007.toml"),
    ),
    (
        "cases/XF-2026-0008.toml",
        include_str!("../examples/demo-office/cases/XF-2026-0008.toml"),
    ),
    ("fonts/README.md", include_str!("../fonts/README.md")),
    (
        "templates/README.md",
        include_str!("../templates/README.md"),
    ),
];

/// The demo office's received files (stand-in scans: see
/// examples/demo-office/originals/README.md), written beside its cases.
const DEMO_FILES: &[(&str, &[u8])] = &[
    (
        "originals/XF-2026-0001-letter.png",
        include_bytes!("../examples/demo-office/originals/XF-2026-0001-letter.png"),
    ),
    (
        "originals/XF-2026-0003-assignment-slip.png",
        include_bytes!("../examples/demo-office/originals/XF-2026-0003-assignment-slip.png"),
    ),
    (
        "originals/XF-2026-0005-review.png",
        include_bytes!("../examples/demo-office/originals/XF-2026-0005-review.png"),
    ),
    (
        "originals/XF-2026-0005-re-review.png",
        include_bytes!("../examples/demo-office/originals/XF-2026-0005-re-review.png"),
    ),
    (
        "originals/XF-2026-0005-letter.png",
        include_bytes!("../examples/demo-office/originals/XF-2026-0005-letter.png"),
    ),
];

/// What `anjuan init` writes: the demo's configuration, two example cases (and
/// the received letter the first names), the folders.
const SCAFFOLD: &[&str] = &[
    "anjuan.toml",
    "cases/XF-2026-0001.toml",
    "cases/XF-2026-0002.toml",
    "originals/XF-2026-0001-letter.png",
    "fonts/README.md",
    "templates/README.md",
];

const KIND_HELP: &str = "可选：交办单 信访事项登记表 受理告知书 不予受理告知书 延期告知书 听证笔录 协议书 处理意见书 办理情况报告 复查意见书 复核意见书 送达回证 卷内文件目录 备考表 案卷封面";

/// A record defect that stops a case's papers and its filing (lateness does not).
fn blocks_case(f: &crate::diag::Located) -> bool {
    f.diag.is_error() && !case::TIMELINESS.contains(&f.diag.code)
}

fn render(
    config: Option<&Path>,
    paths: &[PathBuf],
    output: Option<&Path>,
    only: Option<&str>,
    (force, json): (bool, bool),
    look: &LookOptions,
) -> Result<Outcome, AppError> {
    let only = match only {
        Some(s) => Some(Kind::parse(s).ok_or_else(|| AppError::Kind(s.to_string()))?),
        None => None,
    };
    let (loaded, files) = office_and_files(config, paths)?;
    // Where `pack` reads them: the office's papers folder, unless told otherwise.
    let default_out = office_place(&loaded, &loaded.config.archive.papers, "out");
    let output = output.unwrap_or(&default_out);
    let rules = rules(&loaded, None);
    let checked = case::check_files(&files, &rules)?;
    // Cases whose records have defects (other than lateness) get no papers.
    let mut refused: Vec<PathBuf> = Vec::new();
    for f in checked.findings.iter().filter(|f| blocks_case(f)) {
        eprintln!("{f}");
        refused.push(f.file.clone());
    }
    refused.sort();
    refused.dedup();
    // Each case with the digest of its file's text (an input of every paper).
    let mut digests: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let cases: Vec<case::Case> = checked
        .cases
        .iter()
        .filter(|cf| !refused.contains(&cf.source.path))
        .map(|cf| {
            digests.insert(
                cf.case.id.clone(),
                sign::sha256_hex(cf.source.text.as_bytes()),
            );
            cf.case.clone()
        })
        .collect();
    // The parsed sources (text and spans, ~30 KB a case) are not needed any more.
    drop(checked);
    // Papers, their signatures and render-record.json go to OUTPUT/<case>/.
    sweep_stale(
        std::iter::once(output.to_path_buf()).chain(cases.iter().map(|c| output.join(&c.id))),
    );
    let renderer = Renderer::new(
        &loaded.config,
        &loaded.root(),
        &render_options(&loaded, look, only),
    )?;
    let pb = progress_bar(cases.len() as u64);
    let started = std::time::Instant::now();
    // With an office key, every paper is signed as it is produced.
    let key = match &loaded.config.signing.key {
        Some(rel) => Some(load_key(&loaded.root().join(rel), None)?),
        None if loaded.config.signing.required => return Err(AppError::NoKey),
        None => None,
    };
    let signer = key.as_ref().map(|(_, pk)| sign::key_id(pk));
    let font_hashes = crate::render::record::FontHashes::default();
    let one = |case: &case::Case| -> Result<crate::render::CaseDone, RenderError> {
        let sink_err = |file: &str, message: String| RenderError::Sink {
            case: case.id.clone(),
            paper: file.to_string(),
            message,
        };
        let dir = output.join(&case.id);
        let case_digest = digests.get(&case.id).map(String::as_str).unwrap_or("");
        let inputs = |kind: Kind| {
            let signs = !kind.is_reference();
            renderer.inputs(case_digest, kind, signer.as_deref().filter(|_| signs))
        };
        let old = std::fs::read_to_string(dir.join(crate::render::record::FILE_NAME))
            .ok()
            .and_then(|t| crate::render::record::Record::parse(&t).ok())
            .unwrap_or_default();
        // A paper is kept when it was made from the same inputs, is on disk whole
        // (with its signature and Typst source when those are wanted), and, for
        // a dossier paper, the papers it lists have the page counts it listed.
        let keep = |_: &case::Case,
                    job: &crate::render::plan::Job,
                    earlier: &[(String, usize)]|
         -> Option<usize> {
            if force {
                return None;
            }
            let p = old.papers.get(&job.file_name)?;
            if p.kind != job.kind.name() || p.inputs.as_ref() != Some(&inputs(job.kind)) {
                return None;
            }
            let path = dir.join(&job.file_name);
            let len = std::fs::metadata(&path).ok().filter(|m| m.is_file())?.len();
            if p.bytes != Some(len)
                || (signer.is_some() && !job.kind.is_reference() && !sig_path(&path).is_file())
                || (look.keep_typst && !path.with_extension("typ").is_file())
            {
                return None;
            }
            if job.kind.is_dossier()
                && earlier
                    .iter()
                    .any(|(f, n)| old.papers.get(f).map(|q| q.pages) != Some(*n))
            {
                return None;
            }
            Some(p.pages)
        };
        let made = std::sync::Mutex::new(Vec::new());
        let dir_ready: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
        let sink = |case: &case::Case,
                    job: &crate::render::plan::Job,
                    out: &crate::render::Rendered|
         -> Result<(), String> {
            // The case's folder, made once (not once per file).
            dir_ready
                .get_or_init(|| {
                    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))
                })
                .clone()?;
            let path = dir.join(&job.file_name);
            let write = |p: &Path, bytes: &[u8]| {
                crate::fsutil::write_atomic_in(&dir, p, bytes).map_err(|e| e.to_string())
            };
            if look.keep_typst {
                write(&path.with_extension("typ"), out.typst.as_bytes())?;
            }
            write(&path, &out.pdf)?;
            let signs = key.is_some() && !job.kind.is_reference();
            let entry = paper_record(&old, job, out, &font_hashes, signs, inputs(job.kind))?;
            if job.kind.is_reference() {
                // A reference copy of another body's paper is never signed with the
                // office key (a signature left by an older version goes).
                let _ = std::fs::remove_file(sig_path(&path));
            } else if let Some((sk, pk)) = &key {
                let binding = sign::Binding {
                    case: case.id.clone(),
                    paper: job.kind.name().to_string(),
                    file: job.file_name.clone(),
                    sha256: entry.sha256.clone(),
                    time: entry.signed_at.clone(),
                };
                let sig =
                    sign::sign(sk, Some(pk), &out.pdf, &binding).map_err(|e| e.to_string())?;
                write(&sig_path(&path), sig.as_bytes())?;
            }
            made.lock()
                .map_err(|e| e.to_string())?
                .push((job.file_name.clone(), entry));
            Ok(())
        };
        let done = renderer.render_case_keeping(case, &keep, &sink);
        // The record is written once per case, after its papers, with what was
        // made (also when a later paper failed: those made are on disk).
        let made = made
            .into_inner()
            .map_err(|e| sink_err(crate::render::record::FILE_NAME, e.to_string()))?;
        if !made.is_empty() {
            let mut rec = old.clone();
            rec.papers.extend(made);
            let rec_path = dir.join(crate::render::record::FILE_NAME);
            crate::fsutil::write_atomic_in(&dir, &rec_path, rec.to_text().as_bytes())
                .map_err(|e| sink_err(crate::render::record::FILE_NAME, e.to_string()))?;
        }
        done
    };
    let report = renderer.for_each_case(&cases, &one, Some(&pb));
    pb.finish_and_clear();
    audit::note(
        &loaded,
        crate::office::audit::AuditAction::PaperRender,
        &output.display().to_string(),
        &format!(
            "made {} kept {} cases {} failed {}",
            report.papers,
            report.kept,
            report.cases - report.failed.len(),
            report.failed.len() + refused.len()
        ),
    );
    for (_, e) in &report.failed {
        eprintln!("anjuan: {e}");
        if let Some(h) = e.remedy() {
            eprintln!("    修改建议 (remedy): {h}");
        }
    }
    if json {
        let doc = crate::office::output::RenderReport {
            schema: "anjuan-render/1".into(),
            output: output.display().to_string(),
            cases: report.cases - report.failed.len(),
            made: report.papers,
            kept: report.kept,
            failed: report
                .failed
                .iter()
                .map(|(c, e)| format!("{c}: {e}"))
                .chain(
                    refused
                        .iter()
                        .map(|f| format!("{}: 案件记录有错误", f.display())),
                )
                .collect(),
            seconds: started.elapsed().as_secs_f64(),
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        let failed = report.failed.len() + refused.len();
        return Ok(if failed > 0 {
            Outcome::Invalid
        } else {
            Outcome::Clean
        });
    }
    println!(
        "已生成 {} 份文书 (papers made)，{} 份未变、沿用 (kept: inputs unchanged)，{} 件案件 (cases)，用时 {:.1} 秒 → {}",
        report.papers,
        report.kept,
        report.cases - report.failed.len(),
        started.elapsed().as_secs_f64(),
        output.display()
    );
    if !renderer.fonts.official() {
        println!(
            "注意 (note): 未找到全部公文标准字体（方正小标宋简体、仿宋_GB2312、黑体、楷体_GB2312），以开源字体代替；正文用 {}",
            renderer.fonts.roles.body.first().map(String::as_str).unwrap_or("?")
        );
    }
    let failed = report.failed.len() + refused.len();
    if failed > 0 {
        println!("{failed} 件案件未能生成文书 (cases failed)：见上方错误");
        return Ok(Outcome::Invalid);
    }
    Ok(Outcome::Clean)
}

/// The record of a freshly made paper. When the paper is signed, its 签名时间 is
/// the one already recorded when the PDF is the same bytes as before (a repeat
/// render changes nothing, so the signature and every package made from it stay
/// the same), else the time now (`SOURCE_DATE_EPOCH` when set).
fn paper_record(
    old: &crate::render::record::Record,
    job: &crate::render::plan::Job,
    out: &crate::render::Rendered,
    hashes: &crate::render::record::FontHashes,
    signed: bool,
    inputs: crate::render::record::Inputs,
) -> Result<crate::render::record::PaperRecord, String> {
    use crate::render::record::{self, PaperRecord};
    let sha256 = sign::sha256_hex(&out.pdf);
    let signed_at = signed.then(|| {
        old.papers
            .get(&job.file_name)
            .filter(|p| p.sha256 == sha256)
            .and_then(|p| p.signed_at.clone())
            .filter(|t| sign::is_signing_time(t))
            .unwrap_or_else(sign::signing_time_now)
    });
    Ok(PaperRecord {
        kind: job.kind.name().to_string(),
        pages: out.pages,
        sha256,
        fonts: hashes.fonts(out)?,
        generator: record::generator(),
        signed_at,
        bytes: Some(out.pdf.len() as u64),
        inputs: Some(inputs),
    })
}

fn pack(
    config: Option<&Path>,
    path: &Path,
    scope: Scope,
    output: Option<&Path>,
    opts: &PackOptions,
) -> Result<Outcome, AppError> {
    use crate::archive::code::Register;
    let started = std::time::Instant::now();
    let (loaded, files) = office_and_files(config, std::slice::from_ref(&path.to_path_buf()))?;
    let cfg = &loaded.config;
    let root = loaded.root();
    // Default: the office's archive/ folder (the current folder without an office).
    let default_out = office_place(&loaded, Path::new("archive"), ".");
    let output = output.unwrap_or(&default_out);
    if scope == Scope::Case && files.len() != 1 {
        return Err(AppError::OneCase(path.to_path_buf(), files.len()));
    }
    // The year's handoff form names the receiving body: refuse before any work.
    if matches!(scope, Scope::Year(_)) && packing::receiver(cfg).is_none() {
        return Err(packing::PackError::NoReceiver(
            loaded
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from(crate::config::FILE_NAME)),
        )
        .into());
    }
    let rules = rules(&loaded, None);
    let checked = case::check_files(&files, &rules)?;
    // Record errors (other than lateness) stop the cases they touch.
    let mut refusals: Vec<packing::Refusal> = Vec::new();
    let broken: Vec<&PathBuf> = checked
        .findings
        .iter()
        .filter(|f| blocks_case(f))
        .map(|f| &f.file)
        .collect();
    let concerned = |c: &case::Case| match scope {
        Scope::Case => true,
        Scope::Year(y) => c.close.as_ref().is_some_and(|cl| cl.date.year() == y),
    };
    for f in checked.findings.iter().filter(|f| blocks_case(f)) {
        let parsed = checked.cases.iter().find(|cf| cf.source.path == f.file);
        // A file that does not parse may hold a case of the year: it stops a bundle.
        if parsed.is_none_or(|cf| concerned(&cf.case)) {
            eprintln!("{f}");
            refusals.push(packing::Refusal {
                case: parsed
                    .map(|cf| cf.case.id.clone())
                    .unwrap_or_else(|| f.file.display().to_string()),
                file: None,
                reason: packing::Reason::RecordErrors,
                detail: f.diag.message.clone(),
            });
        }
    }
    let cases: Vec<case::Case> = checked
        .cases
        .iter()
        .filter(|cf| !broken.contains(&&cf.source.path))
        .map(|cf| cf.case.clone())
        .collect();
    // The parsed sources (text and spans, ~30 KB a case) are not needed any more.
    drop(broken);
    drop(checked);
    if !refusals.is_empty() {
        return refused(refusals);
    }
    // The name and the final path are known before any work: refuse to overwrite.
    let name = match scope {
        Scope::Case => match cases.first() {
            Some(c) => c.id.clone(),
            None => return Err(AppError::NoCases(display_paths(&files))),
        },
        Scope::Year(y) => packing::bundle_name(cfg, y),
    };
    let target = output.join(format!("{name}.zip"));
    if target.exists() && !opts.force {
        return Err(AppError::Exists(target));
    }
    let date = opts.date.unwrap_or_else(|| {
        cases
            .iter()
            .filter(|c| concerned(c))
            .filter_map(|c| c.close.as_ref().map(|cl| cl.date))
            .max()
            .unwrap_or_else(Date::today)
    });
    // Keys: the office key signs what is made here; its public half checks papers.
    let keys = match &cfg.signing.key {
        Some(rel) => Some(load_key(&root.join(rel), Some(&opts.pass))?),
        None if cfg.signing.required || !opts.unsigned => return Err(AppError::PackUnsigned),
        None => {
            eprintln!(
                "警告 (warning): 本包未签名 (--unsigned)：接收方用 --trust 检测时将报告 trust.package-unsigned 并拒收"
            );
            None
        }
    };
    let public = match (&keys, &cfg.signing.public) {
        (Some((_, pk)), _) => Some(pk.clone()),
        (None, Some(rel)) => {
            let p = root.join(rel);
            let text = std::fs::read_to_string(&p).map_err(|_| AppError::Read(p.clone()))?;
            Some(sign::public_key(&text).map_err(|source| AppError::Sign { path: p, source })?)
        }
        (None, None) => None,
    };
    let reg_path = root.join(&cfg.archive.register);
    // One pack at a time per office: numbers are given from the register, so two
    // runs at once could give one number twice. The kernel drops the lock when the
    // process ends, however it ends.
    let _lock = lock_register(&reg_path)?;
    let mut register = match std::fs::read_to_string(&reg_path) {
        Ok(text) => Register::parse(&text).map_err(|error| AppError::Register {
            path: reg_path.clone(),
            error,
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Register::default(),
        Err(_) => return Err(AppError::Read(reg_path)),
    };
    let before = register.to_text();
    // The work folder and the zip's temporary are in OUTPUT, the register's
    // temporary beside it.
    sweep_stale([output, reg_path.parent().unwrap_or(Path::new("."))]);
    std::fs::create_dir_all(output)?;
    let work = crate::fsutil::TempDir::new_in(output)?;
    let renderer = Renderer::new(cfg, &root, &render_options(&loaded, &opts.look, None))?;
    let popts = packing::Options {
        config: cfg,
        papers: opts
            .papers
            .clone()
            .unwrap_or_else(|| root.join(&cfg.archive.papers)),
        date,
        keys: keys.as_ref(),
        public: public.as_ref(),
        require_signatures: cfg.signing.required,
        work: work.path().to_path_buf(),
        root: root.clone(),
        scope,
    };
    let spinner = indicatif::ProgressBar::new_spinner();
    let to_pack: Vec<case::Case> = cases.into_iter().filter(|c| concerned(c)).collect();
    // Phase timings, printed with ANJUAN_TIMINGS=1 (the benchmark reads them).
    let phases = std::sync::Mutex::new(vec![("载入 (loading)".to_string(), started)]);
    let phase = |m: &str| {
        spinner.set_message(m.to_string());
        if let Ok(mut p) = phases.lock() {
            p.push((m.to_string(), std::time::Instant::now()));
        }
        if std::env::var_os("ANJUAN_TIMINGS").is_some() {
            eprintln!("rss\t{m}\t{} MB", resident_mb());
        }
    };
    let prepared = match packing::prepare(to_pack, &mut register, &renderer, &popts, &phase) {
        Ok(p) => p,
        Err(packing::PackError::Refused(r)) => {
            spinner.finish_and_clear();
            return refused(r);
        }
        Err(e) => return Err(e.into()),
    };
    spinner.finish_and_clear();
    // Streamed to a temporary file beside the target, renamed at the end: an
    // interrupted run leaves nothing at the target path.
    let total: u64 = prepared.bytes();
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "写入 {bar:30} {bytes}/{total_bytes} {bytes_per_sec} 约剩 (ETA) {eta}",
    ) {
        bar.set_style(style);
    }
    phase("写入 zip (writing)");
    // Its lock is held (the file kept open) until it has been renamed.
    let tmp = crate::fsutil::TempFile::new_in(output)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    let writer = std::io::BufWriter::with_capacity(1 << 20, tmp.file());
    // The papers are read once, hashed and checked as they stream in: a paper
    // found changed or badly signed is refused here, and the temporary dropped.
    let (writer, summary) = match prepared.write(writer, &renderer, &popts, &|n| bar.inc(n)) {
        Ok(w) => w,
        Err(packing::PackError::Refused(r)) => {
            bar.finish_and_clear();
            return refused(r);
        }
        Err(e) => return Err(e.into()),
    };
    let file = writer
        .into_inner()
        .map_err(|e| AppError::Output(e.into_error()))?;
    file.sync_all()?;
    let zip_bytes = file.metadata()?.len();
    tmp.persist(&target, opts.force)?;
    bar.finish_and_clear();
    // Best effort: the zip is in place; a folder left over is swept next time.
    drop(work);
    // The register is saved once the package is in place.
    let after = register.to_text();
    if after != before {
        write_atomic(&reg_path, after.as_bytes())?;
    }
    phase("完成 (done)");
    if std::env::var_os("ANJUAN_TIMINGS").is_some() {
        if let Ok(p) = phases.lock() {
            for w in p.windows(2) {
                eprintln!("timing\t{}\t{:.3}", w[0].0, (w[1].1 - w[0].1).as_secs_f64());
            }
        }
    }
    let s = &summary;
    let secs = started.elapsed().as_secs_f64();
    audit::note(
        &loaded,
        crate::office::audit::AuditAction::Pack,
        &target.display().to_string(),
        &format!(
            "cases {} items {} manifest-sha256 {} {}",
            s.cases,
            s.items,
            s.manifest_sha256,
            match &s.signed_by {
                Some(k) => format!("signed {k}"),
                None => "unsigned".into(),
            }
        ),
    );
    if opts.json {
        let doc = crate::office::output::PackReport {
            schema: "anjuan-pack/1".into(),
            package: target.display().to_string(),
            cases: s.cases,
            items: s.items,
            pages: s.pages,
            files: s.files,
            bytes: s.bytes,
            zip_bytes,
            codes: s
                .series
                .iter()
                .map(|r| (r.first.clone(), r.last.clone(), r.count))
                .collect(),
            manifest_sha256: s.manifest_sha256.clone(),
            signed_by: s.signed_by.clone(),
            seconds: secs,
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(Outcome::Clean);
    }
    println!(
        "已打包 (packed) {}：案件 {} 件，文件 {} 件 {} 页",
        target.display(),
        s.cases,
        s.items,
        s.pages,
    );
    for r in &s.series {
        println!("    档号 {} 至 {}（{} 件）", r.first, r.last, r.count);
    }
    println!(
        "    {} 个文件 {} 字节 → zip {} 字节，用时 {:.1} 秒（{:.1} MB/s）",
        s.files,
        s.bytes,
        zip_bytes,
        secs,
        zip_bytes as f64 / 1e6 / secs.max(1e-9)
    );
    println!(
        "    包摘要 (manifest-sha256.txt 的 SHA-256) {}；{}",
        s.manifest_sha256,
        match &s.signed_by {
            Some(k) => format!("已签名，密钥 {k}"),
            None => "未签名（anjuan.toml 中没有 [signing] key）".into(),
        }
    );
    if packing::receiver(cfg).is_none() {
        println!(
            "注意 (note): 未配置接收单位 [archive] receiver，移交登记表的接收单位一栏留空，请手工填写"
        );
    }
    Ok(Outcome::Clean)
}

/// An exclusive lock on the office's register (`.register.lock` beside it).
fn lock_register(reg_path: &Path) -> Result<std::fs::File, AppError> {
    let dir = reg_path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let lock_path = dir.join(".register.lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(AppError::Busy(lock_path)),
        Err(std::fs::TryLockError::Error(e)) => Err(AppError::Output(e)),
    }
}

/// Resident memory of this process now, in MB (Linux; 0 elsewhere).
fn resident_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

fn refused(r: Vec<packing::Refusal>) -> Result<Outcome, AppError> {
    let e = packing::PackError::Refused(r);
    eprintln!("anjuan: {e}");
    if let Some(h) = e.remedy() {
        eprintln!("    修改建议 (remedy): {h}");
    }
    Ok(Outcome::Invalid)
}

fn render_options(loaded: &Loaded, look: &LookOptions, only: Option<Kind>) -> RenderOptions {
    let root = loaded.root();
    let cfg = &loaded.config;
    let mut dirs = look.font_dirs.clone();
    let office_fonts = root.join("fonts");
    if loaded.path.is_some() && office_fonts.is_dir() {
        dirs.push(office_fonts);
    }
    dirs.extend(cfg.fonts.dirs.iter().map(|d| root.join(d)));
    let mut template_dirs: Vec<PathBuf> = look.templates.iter().cloned().collect();
    if loaded.path.is_some() {
        template_dirs.push(root.join("templates"));
    }
    RenderOptions {
        fonts: FontOptions {
            dirs,
            include_system: !(look.no_system_fonts || cfg.fonts.ignore_system),
            overrides: cfg.fonts.clone(),
        },
        template_dirs,
        only,
        threads: look.jobs,
    }
}

fn progress_bar(len: u64) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} 生成文书 {bar:30} {pos}/{len} 件 已用 {elapsed} 约剩 (ETA) {eta}",
    ) {
        pb.set_style(style);
    }
    pb
}

/// Removes, directly in each of `dirs` (the folders a command writes to), the
/// temporaries of interrupted runs that are no longer alive, and says so in one
/// line; what could not be removed is named and left (the command goes on).
fn sweep_stale<P: AsRef<Path>>(dirs: impl IntoIterator<Item = P>) {
    let swept = crate::fsutil::sweep_all(dirs);
    if swept.removed > 0 {
        eprintln!(
            "已清理 {} 个中断运行遗留的临时文件 (stale temporaries removed)",
            swept.removed
        );
    }
    for (path, e) in &swept.failed {
        eprintln!(
            "警告：无法清理中断运行遗留的临时文件 {} (cannot remove stale temporary): {e}",
            path.display()
        );
    }
}

/// The whole flow on the example office: an office key (unencrypted, made here),
/// every paper rendered and signed, the 2026 year-end bundle packed.
fn demo(output: &Path, look: &LookOptions) -> Result<Outcome, AppError> {
    let office = output.join("office");
    let keys = office.join("keys");
    let mut config = DEMO[0].1.to_string();
    config.push_str(DEMO_SIGNING);
    for (rel, text) in DEMO {
        let text: &str = if *rel == "anjuan.toml" { &config } else { text };
        write_atomic(&office.join(rel), text.as_bytes())?;
    }
    for (rel, bytes) in DEMO_FILES {
        write_atomic(&office.join(rel), bytes)?;
    }
    println!("示例办公室 (example office): {}", office.display());
    if !keys.join("anjuan.key").exists() {
        let (pk, sk) = sign::generate(String::new()).map_err(|source| AppError::Sign {
            path: keys.clone(),
            source,
        })?;
        crate::fsutil::write_secret(&keys.join("anjuan.key"), sk.as_bytes())?;
        write_atomic(&keys.join("anjuan.pub"), pk.as_bytes())?;
        println!(
            "演示密钥 (demo key, unencrypted): {}",
            keys.join("anjuan.key").display()
        );
    }
    let papers = office.join("papers");
    let rendered = render(
        None,
        std::slice::from_ref(&office),
        Some(&papers),
        None,
        (false, false),
        look,
    )?;
    let archive = output.join("archive");
    let opts = PackOptions {
        json: false,
        unsigned: false,
        papers: None,
        date: None,
        force: true,
        look: look.clone(),
        pass: PassOptions {
            passphrase_env: None,
        },
    };
    let packed = pack(None, &office, Scope::Year(2026), Some(&archive), &opts)?;
    // The receiving side, on the bundle just made: the 四性检测 with the demo key trusted.
    let bundle = archive.join("X012-WS-2026-XFB.zip");
    let vopts = crate::cli::VerifyOptions {
        trust: vec![office.join("keys/anjuan.pub")],
        bagit: false,
        profile: None,
        algs: vec![],
        scan: None,
        date: None,
    };
    let checked = if bundle.is_file() {
        let report = run_verify(&bundle, &vopts, look.jobs)?;
        println!(
            "四性检测 (verify) {}: {}（通过 {}，不通过 {}，警告 {}，未检测 {}）；详见 anjuan verify {}",
            bundle.display(),
            if report.accepted() {
                "同意接收"
            } else {
                "不予接收"
            },
            report.counts.pass,
            report.counts.fail,
            report.counts.warn,
            report.counts.unchecked,
            bundle.display()
        );
        if report.accepted() {
            Outcome::Clean
        } else {
            Outcome::Invalid
        }
    } else {
        Outcome::Invalid
    };
    // The office's ledger and the year's report.
    let office_arg = [office.clone()];
    ledger::ledger_export(
        None,
        &office_arg,
        Some(&output.join("台账.xlsx")),
        None,
        true,
        false,
        false,
    )?;
    ledger::report(
        None,
        &office_arg,
        2026,
        Some(output),
        None,
        true,
        false,
        look,
    )?;
    println!(
        "打开 (open) {} 查看每件案件的文书，{} 查看年度移交包；案件记录在 {}",
        papers.display(),
        archive.display(),
        office.join("cases").display()
    );
    Ok(
        if rendered == Outcome::Clean && packed == Outcome::Clean && checked == Outcome::Clean {
            Outcome::Clean
        } else {
            Outcome::Invalid
        },
    )
}

/// Signing settings appended to the demo office's configuration.
const DEMO_SIGNING: &str = "
# 电子签名：演示办公室用 anjuan demo 生成的未加密密钥；每份文书生成时即签名
[signing]
key = \"keys/anjuan.key\"
public = \"keys/anjuan.pub\"
required = true
";

/// Signing settings written into a new office's configuration by `init`.
const INIT_SIGNING: &str = "
# 电子签名：anjuan init 生成的机关密钥；每份文书生成时即签名。公钥 keys/anjuan.pub 交给接收方。
[signing]
key = \"keys/anjuan.key\"
public = \"keys/anjuan.pub\"
required = true
";

fn init(
    dir: &Path,
    force: bool,
    unencrypted: bool,
    passphrase_env: Option<&str>,
    json: bool,
) -> Result<Outcome, AppError> {
    if !force {
        for rel in SCAFFOLD
            .iter()
            .chain(&["keys/anjuan.key", "keys/anjuan.pub"])
        {
            let target = dir.join(rel);
            if target.exists() {
                return Err(AppError::Exists(target));
            }
        }
    }
    // The passphrase first: a run that cannot get one writes nothing.
    let passphrase = new_passphrase(unencrypted, passphrase_env)?;
    for (rel, text) in DEMO.iter().filter(|(rel, _)| SCAFFOLD.contains(rel)) {
        if *rel == "anjuan.toml" {
            continue;
        }
        write_atomic(&dir.join(rel), text.as_bytes())?;
    }
    for (rel, bytes) in DEMO_FILES.iter().filter(|(rel, _)| SCAFFOLD.contains(rel)) {
        write_atomic(&dir.join(rel), bytes)?;
    }
    // The office key, and [signing] pointing at it: papers are signed from the
    // first render, and `pack` makes bundles a receiver accepts.
    let made = make_key(&dir.join("keys"), passphrase, force)?;
    let mut text = real_office_config();
    text.push_str(INIT_SIGNING);
    write_atomic(&dir.join("anjuan.toml"), text.as_bytes())?;
    if json {
        let report = crate::office::output::InitReport {
            schema: "anjuan-init/1".into(),
            office: dir.display().to_string(),
            files: SCAFFOLD
                .iter()
                .map(|s| s.to_string())
                .chain(["keys/anjuan.key".into(), "keys/anjuan.pub".into()])
                .collect(),
            key: key_report(&made),
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
        return Ok(Outcome::Clean);
    }
    println!(
        "已建立办公室目录 (office folder created): {}",
        dir.display()
    );
    println!(
        "  {}  机关名称、全宗号、发文代字、签发人、节假日 — 请先修改",
        dir.join("anjuan.toml").display()
    );
    println!(
        "  {}  案件记录，每件一个文件（两个样例）",
        dir.join("cases").display()
    );
    println!(
        "  {}  放入本机关的字体（仿宋_GB2312 等）",
        dir.join("fonts").display()
    );
    println!(
        "  {}  放入自定义模板以覆盖内置模板",
        dir.join("templates").display()
    );
    println!(
        "  {}  机关签名私钥（{}），{} 交给接收方",
        made.secret.display(),
        if made.encrypted {
            "口令保护；无人值守时设 ANJUAN_PASSPHRASE"
        } else {
            "未加密，请妥善保管"
        },
        made.public.display()
    );
    println!("下一步 (next): anjuan check {}", dir.display());
    Ok(Outcome::Clean)
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads the trusted keys and the options of a verification.
fn verify_options(
    opts: &crate::cli::VerifyOptions,
    jobs: usize,
) -> Result<crate::verify::Options, AppError> {
    let mut trust = Vec::new();
    for p in &opts.trust {
        let text = std::fs::read_to_string(p).map_err(|_| AppError::Read(p.clone()))?;
        let pk = sign::public_key(&text).map_err(|source| AppError::Sign {
            path: p.clone(),
            source,
        })?;
        trust.push((sign::key_id(&pk), pk));
    }
    for a in &opts.algs {
        if !["sha256", "sha512", "sm3"].contains(&a.as_str()) {
            return Err(AppError::Alg(a.clone()));
        }
    }
    Ok(crate::verify::Options {
        trust,
        algs: opts.algs.clone(),
        bagit_only: opts.bagit,
        profile: opts.profile.unwrap_or_default(),
        scan: opts.scan.clone(),
        date: opts.date.unwrap_or_else(Date::today).to_string(),
        jobs,
    })
}

fn run_verify(
    bundle: &Path,
    opts: &crate::cli::VerifyOptions,
    jobs: usize,
) -> Result<crate::verify::Report, AppError> {
    let vo = verify_options(opts, jobs)?;
    if !bundle.exists() {
        return Err(AppError::Read(bundle.to_path_buf()));
    }
    Ok(crate::verify::verify(bundle, &vo)?)
}

/// Renders the PDF 检测报告 to `path` (atomically).
fn write_report_pdf(
    loaded: &Loaded,
    look: &LookOptions,
    report: &crate::verify::Report,
    path: &Path,
) -> Result<(), AppError> {
    let cfg = &loaded.config;
    let renderer = Renderer::new(cfg, &loaded.root(), &render_options(loaded, look, None))?;
    // Without the receiver's anjuan.toml the report names no receiving body (a
    // blank to fill in by hand), never the built-in placeholder.
    let mut office = packing::office_context(cfg);
    if loaded.path.is_none() {
        office["name"] = serde_json::Value::String(String::new());
    }
    let ctx = crate::verify::receipt::report_context(report, &office, 20);
    let doc = crate::render::Doc {
        owner: report.bundle.name.clone(),
        paper: "检测报告".into(),
        template: "verify-report.typ".into(),
        file: path.display().to_string(),
        date: Date::parse(&report.checked_on).unwrap_or_else(Date::today),
    };
    let out = renderer.render_doc(&doc, &ctx)?;
    write_atomic(path, &out.pdf)?;
    Ok(())
}

fn verify_bundle(
    config: Option<&Path>,
    bundle: &Path,
    opts: &crate::cli::VerifyOptions,
    json: bool,
    report_pdf: Option<&Path>,
    look: &LookOptions,
) -> Result<Outcome, AppError> {
    let report = run_verify(bundle, opts, look.jobs)?;
    if json {
        print!("{}", report.to_json());
    } else {
        print!("{}", report.to_text(10));
    }
    if let Some(p) = report_pdf {
        let loaded = load_config(config, &[PathBuf::from(".")])?;
        write_report_pdf(&loaded, look, &report, p)?;
        eprintln!("检测报告 (report): {}", p.display());
    }
    Ok(if report.accepted() {
        Outcome::Clean
    } else {
        Outcome::Invalid
    })
}

fn receipt(
    config: Option<&Path>,
    bundle: &Path,
    opts: &crate::cli::VerifyOptions,
    key: Option<&Path>,
    (output, json): (&Path, bool),
    pass: &PassOptions,
    look: &LookOptions,
) -> Result<Outcome, AppError> {
    if opts.bagit {
        return Err(AppError::ReceiptBagit);
    }
    let loaded = load_config(config, &[PathBuf::from(".")])?;
    // The receipt is the receiver's: it names the receiving body as configured in
    // the receiver's own anjuan.toml ([office] name), never a placeholder.
    let receiver = match &loaded.path {
        None => {
            return Err(AppError::NoReceiverName(format!(
                "没有找到接收方的 {} (no anjuan.toml here or above)",
                crate::config::FILE_NAME
            )))
        }
        Some(p) if loaded.config.office.name.trim().is_empty() => {
            return Err(AppError::NoReceiverName(format!(
                "{} [office] name",
                p.display()
            )))
        }
        Some(_) => loaded.config.office.name.trim().to_string(),
    };
    let key = match key {
        Some(k) => k.to_path_buf(),
        None => loaded
            .root()
            .join(loaded.config.signing.key.clone().ok_or(AppError::NoKey)?),
    };
    let (sk, pk) = load_key(&key, Some(pass))?;
    sweep_stale([output]);
    let report = run_verify(bundle, opts, look.jobs)?;
    if !json {
        print!("{}", report.to_text(10));
    }
    std::fs::create_dir_all(output).map_err(AppError::Output)?;
    let name = &report.bundle.name;
    let rc =
        crate::verify::receipt::Receipt::from_report(&report, &receiver, Some(sign::key_id(&pk)));
    let sign_to = |file: &str, data: &[u8], paper: &str| -> Result<(), AppError> {
        let path = output.join(file);
        let binding = sign::Binding {
            case: name.clone(),
            paper: paper.into(),
            file: file.into(),
            sha256: sign::sha256_hex(data),
            time: Some(sign::signing_time_now()),
        };
        let sig = sign::sign(&sk, Some(&pk), data, &binding).map_err(|source| AppError::Sign {
            path: path.clone(),
            source,
        })?;
        write_atomic(&path, data)?;
        write_atomic(&sig_path(&path), sig.as_bytes())?;
        Ok(())
    };
    // The full report as JSON and PDF, then the receipt that names them.
    let report_json = format!("检测报告-{name}.json");
    sign_to(&report_json, report.to_json().as_bytes(), "检测报告")?;
    let report_pdf = output.join(format!("检测报告-{name}.pdf"));
    write_report_pdf(&loaded, look, &report, &report_pdf)?;
    let rc_json = format!("接收回执-{name}.json");
    sign_to(&rc_json, rc.to_json().as_bytes(), "接收回执")?;
    let renderer = Renderer::new(
        &loaded.config,
        &loaded.root(),
        &render_options(&loaded, look, None),
    )?;
    let doc = crate::render::Doc {
        owner: name.clone(),
        paper: "接收回执".into(),
        template: "receipt.typ".into(),
        file: format!("接收回执-{name}.pdf"),
        date: Date::parse(&report.checked_on).unwrap_or_else(Date::today),
    };
    let pdf = renderer.render_doc(&doc, &rc.context(&packing::office_context(&loaded.config)))?;
    sign_to(&doc.file, &pdf.pdf, "接收回执")?;
    audit::note(
        &loaded,
        crate::office::audit::AuditAction::Receipt,
        &output.join(&rc_json).display().to_string(),
        &format!(
            "{} bundle {}",
            if report.accepted() {
                "accepted"
            } else {
                "refused"
            },
            bundle.display()
        ),
    );
    if json {
        let doc = crate::office::output::ReceiptMade {
            schema: "anjuan-receipt-made/1".into(),
            receipt: output.join(&rc_json).display().to_string(),
            accepted: report.accepted(),
            key_id: sign::key_id(&pk),
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(if report.accepted() {
            Outcome::Clean
        } else {
            Outcome::Invalid
        });
    }
    println!(
        "接收回执 (receipt): {}（{}，签名密钥 {}）",
        output.join(&rc_json).display(),
        if report.accepted() {
            "同意接收"
        } else {
            "不予接收"
        },
        sign::key_id(&pk)
    );
    Ok(if report.accepted() {
        Outcome::Clean
    } else {
        Outcome::Invalid
    })
}

fn check_receipt(
    receipt: &Path,
    public: &Path,
    bundle: Option<&Path>,
    json: bool,
) -> Result<Outcome, AppError> {
    let text = std::fs::read_to_string(public).map_err(|_| AppError::Read(public.to_path_buf()))?;
    let pk = sign::public_key(&text).map_err(|source| AppError::Sign {
        path: public.to_path_buf(),
        source,
    })?;
    let data = std::fs::read(receipt).map_err(|_| AppError::Read(receipt.to_path_buf()))?;
    let sig = std::fs::read_to_string(sig_path(receipt))
        .map_err(|_| AppError::Read(sig_path(receipt)))?;
    let file = receipt
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut problems = Vec::new();
    let signed = sign::verify(&pk, &data, &sig, &file);
    if let Err(e) = &signed {
        problems.push(format!("回执签名无效 (bad signature): {e}"));
    }
    let rc: Option<crate::verify::receipt::Receipt> = serde_json::from_slice(&data).ok();
    match &rc {
        None => problems.push("回执不是 anjuan-receipt/1 格式的 JSON".into()),
        Some(rc) => {
            if let Some(b) = bundle {
                let got = crate::archive::bag::sha256_file(b)
                    .map_err(|_| AppError::Read(b.to_path_buf()))?;
                if got != rc.sha256 {
                    problems.push(format!(
                        "回执所列包 SHA-256 {} 与 {} 的 {got} 不符 (receipt is for other bytes)",
                        rc.sha256,
                        b.display()
                    ));
                }
            }
        }
    }
    // The verdict first: a receipt that does not check out is said to be so before
    // anything it says (its 同意接收 included) is shown.
    let good = problems.is_empty() && rc.as_ref().is_some_and(|r| r.verdict == "accept");
    if json {
        let doc = crate::office::output::ReceiptCheck {
            schema: "anjuan-check-receipt/1".into(),
            valid: problems.is_empty(),
            accepted: good,
            problems,
            receipt: rc,
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(if good {
            Outcome::Clean
        } else {
            Outcome::Invalid
        });
    }
    if good {
        println!("✓ 回执有效：签名核验通过，接收方同意接收 (receipt valid: accepted)");
    } else if problems.is_empty() {
        println!("✗ 回执有效，但接收方不予接收 (receipt valid: NOT accepted)");
    } else {
        println!("✗ 回执不可信 (receipt NOT valid)：");
        for p in &problems {
            println!("  ✗ {p}");
        }
    }
    if let Some(rc) = &rc {
        if signed.is_err() {
            println!("以下为回执自称的内容，签名无效，不可作为接收凭证 (unverified content):");
        }
        println!(
            "接收回执：{} 于 {} 检测 {}（SHA-256 {}）：{}",
            rc.receiver,
            rc.date,
            rc.name,
            rc.sha256,
            if rc.verdict == "accept" {
                "同意接收"
            } else {
                "不予接收"
            }
        );
        for p in &rc.properties {
            println!(
                "  {} {}{}",
                p.property,
                p.status.zh(),
                if p.failed.is_empty() {
                    String::new()
                } else {
                    format!("：{}", p.failed.join("、"))
                }
            );
        }
    }
    Ok(if good {
        Outcome::Clean
    } else {
        Outcome::Invalid
    })
}
