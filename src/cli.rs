//! Command-line definitions (clap). No behaviour here: see [`crate::app`].

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "anjuan",
    version,
    about = "案卷 anjuan — case records, papers and archives for petition offices (信访办)",
    long_about = "案卷 anjuan: validate petition case records, track statutory deadlines, \
                  render GB/T 9704 papers and build signed archive bundles.\n\
                  校验信访案件记录、跟踪法定期限、生成公文与归档案卷。"
)]
pub struct Cli {
    /// Office configuration (默认在案件所在目录及其上级目录中查找 anjuan.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 校验案件记录 (validate case files): types, stage prerequisites, identity numbers, time limits.
    Check {
        /// Case files or folders (an office folder: its cases/ is checked).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Judge open time limits as of this date (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<crate::case::date::Date>,
        /// Print findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// 期限一览 (the clerk's daily view): every open case, its next statutory step and due date.
    Deadlines {
        /// Case files or folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Count days left from this date (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<crate::case::date::Date>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// 打印 JSON Schema (print the JSON Schema of case files, or of anjuan.toml with --office).
    Schema {
        /// The schema of the office configuration instead of a case file.
        #[arg(long)]
        office: bool,
    },
    /// 新建办公室目录 (scaffold an office folder: config, example cases, fonts/ and templates/).
    Init {
        /// The folder to create or fill.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Overwrite files that already exist.
        #[arg(long)]
        force: bool,
    },
}

fn parse_date(s: &str) -> Result<crate::case::date::Date, String> {
    crate::case::date::Date::parse(s)
        .ok_or_else(|| format!("日期应为 YYYY-MM-DD (date), got `{s}`"))
}
