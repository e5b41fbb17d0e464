//! Fuzz the hostile-zip reader: whatever the bytes, `exercise_reader` must
//! return (Ok or Err) — never panic, never allocate without bound, never hang.
//!
//! The input is written to one temporary file per process (truncated and
//! rewritten each run), because the reader works on a `File` by positional
//! reads, exactly as it does on a received bag. Statics are never dropped, so
//! the file outlives the process: `scripts/fuzz.sh` points TMPDIR at
//! `fuzz/target/tmp/` to keep those leftovers out of the way.
#![no_main]

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use anjuan::verify::zipread::Limits;
use libfuzzer_sys::fuzz_target;

struct Scratch {
    path: PathBuf,
    file: File,
}

static SCRATCH: Mutex<Option<Scratch>> = Mutex::new(None);

fn limits() -> Limits {
    Limits {
        // Small enough that every run stays fast; the checks still fire
        // (declared counts, ratios and directory sizes are relative to these).
        max_entries: 10_000,
        max_central_directory: 1 << 20,
        ..Limits::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let mut guard = SCRATCH.lock().unwrap_or_else(|e| e.into_inner());
    let scratch = guard.get_or_insert_with(|| {
        let path = std::env::temp_dir().join(format!(
            "anjuan-fuzz-zip-reader-{}.zip",
            std::process::id()
        ));
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .expect("create scratch file");
        Scratch { path, file }
    });
    scratch.file.set_len(0).expect("truncate scratch file");
    scratch.file.seek(SeekFrom::Start(0)).expect("seek scratch file");
    scratch.file.write_all(data).expect("write scratch file");
    let _ = anjuan::verify::exercise_reader(&scratch.path, limits());
});
