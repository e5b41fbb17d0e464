//! Fuzz `ledger import` on a CSV ledger: whatever the bytes, reading the sheet,
//! every row's cells, validating each new case and printing each problem
//! (`anjuan::ledger::import::exercise`) must return — never panic, overflow the
//! stack or hang. Nothing is written.
//!
//! The reader takes a path (the format comes from the extension), so each input
//! is written to one scratch `.csv` per process, truncated and rewritten each
//! run, as in the `zip_reader` target; `scripts/fuzz.sh` points TMPDIR at
//! `fuzz/target/tmp/`. The case folder it is compared with does not exist, so
//! every row is judged as a new case.
#![no_main]

use std::path::PathBuf;
use std::sync::Mutex;

use libfuzzer_sys::fuzz_target;

static SCRATCH: Mutex<Option<PathBuf>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let mut guard = SCRATCH.lock().unwrap_or_else(|e| e.into_inner());
    let path = guard.get_or_insert_with(|| {
        std::env::temp_dir().join(format!("anjuan-fuzz-ledger-{}.csv", std::process::id()))
    });
    std::fs::write(&*path, data).expect("write scratch file");
    let cases = path.with_extension("no-cases");
    let _ = anjuan::ledger::import::exercise(path, &cases);
});
