//! The `anjuan` binary: parse arguments, run, print the error, choose the exit code.

use std::process::ExitCode;

use clap::Parser;

// mimalloc returns freed memory to the system where glibc's allocator keeps it:
// packing 3,000 cases with glibc malloc grew ~110 KB per case (the PDF buffers of
// the dossier papers, freed between long-lived small allocations, pinned the
// heap); measured in benches/pack.rs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A panic prints a short Chinese message with personal data masked, never
    // the values it was about (see `diag::panic_report`).
    anjuan::diag::install_panic_hook();
    let cli = anjuan::cli::Cli::parse();
    match anjuan::app::run(cli) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        // The reader of our output went away: end quietly, as SIGPIPE would.
        Err(e) if e.is_closed_pipe() => ExitCode::from(141),
        Err(e) => {
            eprintln!("anjuan: {e}");
            if let Some(hint) = e.remedy() {
                eprintln!("    修改建议 (remedy): {hint}");
            }
            ExitCode::from(2)
        }
    }
}
