//! The `anjuan` binary: parse arguments, run, print the error, choose the exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = anjuan::cli::Cli::parse();
    match anjuan::app::run(cli) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(e) => {
            eprintln!("anjuan: {e}");
            if let Some(hint) = e.remedy() {
                eprintln!("    修改建议 (remedy): {hint}");
            }
            ExitCode::from(2)
        }
    }
}
