//! Fuzz reading and checking a case file: whatever the bytes, parsing them as
//! TOML and as JSON, validating the case, placing and printing every finding
//! (`anjuan::case::exercise`) must return — never panic, overflow the stack or
//! hang. Everything happens in memory: no scratch file is needed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = anjuan::case::exercise(data);
});
