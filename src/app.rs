//! The command layer: runs each subcommand and prints its output. One file per
//! command group under `app/` (views: check and deadlines; render; pack; verify
//! and receipts; keys and signatures; office: init, demo, synth; ledger; new
//! case; users; audit); this file holds the dispatch, the errors and what the
//! groups share. Workflows move down into `crate::office` one by one, until
//! this layer only parses, calls and prints.

use std::io::Write;
use std::path::{Path, PathBuf};

use unicode_width::UnicodeWidthStr;

use crate::archive::pack::{self as packing, Scope};
use crate::case::date::Date;
use crate::case::{self, CaseError, Rules};
use crate::cli::{
    Cli, Command, KeyAction, LedgerAction, LookOptions, NewAction, PackOptions, PackWhat,
    PassOptions,
};

mod audit;
mod bars;
mod keys;
mod ledger;
mod new_case;
mod office;
mod pack;
mod render;
mod serve;
mod users;
mod verify;
mod views;
use crate::config::{Config, ConfigError, Loaded};
use crate::fsutil::{write_atomic, WriteError};
use crate::office::setup::{self, Look, SetupError};
use crate::render::plan::Kind;
use crate::render::RenderError;
use crate::sign::{self, SignError};
use keys::*;
use office::*;
use pack::*;
use render::*;
use verify::*;
use views::*;

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
    #[error(transparent)]
    NewCase(crate::office::new_case::NewCaseError),
    #[error("未知的文书类型 (unknown paper kind) `{0}`")]
    Kind(String),
    #[error(transparent)]
    Pack(#[from] crate::archive::pack::PackError),
    #[error(transparent)]
    Verify(#[from] crate::verify::VerifyError),
    #[error(transparent)]
    User(#[from] crate::office::users::UserError),
    #[error(transparent)]
    Audit(#[from] crate::office::audit::AuditError),
    #[error("{0} 不是办公室目录 (not an office folder: no anjuan.toml)")]
    NotOffice(PathBuf),
    #[error("无法取得口令 (no password): {0}")]
    Password(String),
    #[error(transparent)]
    Desk(#[from] crate::desk::DeskError),
    #[error(transparent)]
    Check(#[from] crate::office::check::CheckError),
    #[error(transparent)]
    Report(#[from] crate::office::report::ReportError),
    #[error(transparent)]
    Ledger(#[from] crate::office::ledger::LedgerFlowError),
    #[error(transparent)]
    VerifyFlow(#[from] crate::office::verify::VerifyFlowError),
    #[error(transparent)]
    SignFlow(#[from] crate::office::sign::SignFlowError),
    #[error(transparent)]
    PackFlow(#[from] crate::office::pack::PackFlowError),
    #[error(transparent)]
    RenderFlow(#[from] crate::office::render::RenderFlowError),
    #[error(transparent)]
    Setup(#[from] SetupError),
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
            AppError::PackFlow(e) => e.remedy(),
            _ => None,
        })
    }

    fn remedy_static(&self) -> Option<&'static str> {
        match self {
            AppError::Pack(_) | AppError::PackFlow(_) => None,
            AppError::Setup(e) => e.remedy(),
            AppError::RenderFlow(e) => e.remedy(),
            AppError::SignFlow(e) => e.remedy(),
            AppError::VerifyFlow(e) => e.remedy(),
            AppError::Ledger(e) => e.remedy(),
            AppError::Report(e) => e.remedy(),
            AppError::Check(e) => e.remedy(),
            AppError::Verify(e) => Some(e.remedy()),
            AppError::User(e) => Some(e.remedy()),
            AppError::Desk(e) => Some(e.remedy()),
            AppError::Audit(e) => Some(e.remedy()),
            AppError::NotOffice(_) => {
                Some("给出办公室目录（含 anjuan.toml）；新办公室先运行 anjuan init")
            }
            AppError::Password(_) => Some(
                "在终端上运行以输入口令（输入两次，不回显），或用 --password-env 变量名 从环境变量读取",
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
            AppError::NewCase(e) => Some(e.remedy()),
            AppError::Kind(_) => Some(KIND_HELP),
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
        Command::Serve {
            office,
            listen,
            tls_cert,
            tls_key,
            insecure_lan,
            idle_minutes,
        } => serve::serve(crate::desk::Options {
            office,
            listen,
            tls: tls_cert.zip(tls_key),
            insecure_lan,
            idle_minutes,
        }),
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

fn load_config(explicit: Option<&Path>, paths: &[PathBuf]) -> Result<Loaded, AppError> {
    Ok(setup::load_config(explicit, paths)?)
}

/// The office configuration for `paths` and the case files under them (at least one).
fn office_and_files(
    config: Option<&Path>,
    paths: &[PathBuf],
) -> Result<(Loaded, Vec<PathBuf>), AppError> {
    Ok(setup::office_and_files(config, paths)?)
}

fn rules(loaded: &Loaded, as_of: Option<Date>) -> Rules<'_> {
    setup::rules(loaded, as_of)
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

const KIND_HELP: &str = "可选：交办单 信访事项登记表 受理告知书 不予受理告知书 延期告知书 听证笔录 协议书 处理意见书 办理情况报告 复查意见书 复核意见书 送达回证 卷内文件目录 备考表 案卷封面";

/// The library's rendering look from the command line's options.
fn look_of(look: &LookOptions) -> Look {
    Look {
        font_dirs: look.font_dirs.clone(),
        no_system_fonts: look.no_system_fonts,
        templates: look.templates.clone(),
        keep_typst: look.keep_typst,
        jobs: look.jobs,
    }
}
