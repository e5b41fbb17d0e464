//! The `anjuan` binary: parse arguments, run, print the error, choose the exit code.

use std::process::ExitCode;

use clap::Parser;

// mimalloc returns freed memory to the system where glibc's allocator keeps it:
// packing 3,000 cases with glibc malloc grew ~110 KB per case (the PDF buffers of
// the dossier papers, freed between long-lived small allocations, pinned the
// heap); measured in benches/pack.rs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process.
///
/// mimalloc advises its segments MADV_HUGEPAGE, and it gives freed memory back to
/// the system within milliseconds; each time it touches that memory again the
/// kernel zeroes a whole 2 MB page. `perf` of `anjuan render` (150 cases) put 27 %
/// of all samples in the kernel's `clear_page_erms` under
/// `do_huge_pmd_anonymous_page`: 9.8 s of system time in 31.6 s of CPU. With THP
/// off for the process, the same render took 19.2 s of CPU (1.5 s system) and
/// 12.5 s instead of 22.2 s of wall time; verify of 1,000 cases peaked at 58–62
/// instead of 84 MB. (mimalloc makes the same call when `MIMALLOC_ALLOW_THP=0`.)
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes integer arguments only and
    // changes a flag of this process; its failure (old kernels) is harmless.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    no_transparent_huge_pages();
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
