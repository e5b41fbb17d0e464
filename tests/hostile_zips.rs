//! The hostile-archive corpus (`tests/fixtures/hostile-zips/`): every fixture
//! must produce the finding `expected.tsv` names for it, the reader must get
//! through every fixture without panicking, and nothing may be written
//! anywhere while doing so.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anjuan::verify::container::Container;
use anjuan::verify::zipread::Limits;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile-zips")
}

/// One row of `expected.tsv`: file, code, what it is.
struct Row {
    file: String,
    code: String,
    what: String,
}

fn rows() -> Vec<Row> {
    let path = corpus().join("expected.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') || (n == 0 && line.starts_with("file\t")) {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            cols.len(),
            3,
            "expected.tsv line {}: want file<TAB>code<TAB>what, got {line:?}",
            n + 1
        );
        rows.push(Row {
            file: cols[0].to_string(),
            code: cols[1].to_string(),
            what: cols[2].to_string(),
        });
    }
    rows
}

#[test]
fn every_fixture_produces_its_finding() {
    let rows = rows();
    assert!(rows.len() >= 20, "only {} fixtures in expected.tsv", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        let path = corpus().join(&row.file);
        assert!(path.is_file(), "{} is listed but missing", row.file);
        let c = Container::open(&path, Limits::default())
            .unwrap_or_else(|e| panic!("{}: Container::open failed: {e}", row.file));
        if !c.findings.iter().any(|f| f.code() == row.code) {
            let found: Vec<String> = c
                .findings
                .iter()
                .map(|f| format!("    {} — {}", f.code(), f.message()))
                .collect();
            failures.push(format!(
                "{} ({}): want {}, found:\n{}",
                row.file,
                row.what,
                row.code,
                if found.is_empty() { "    (nothing)".to_string() } else { found.join("\n") }
            ));
        }
        if let Err(e) = anjuan::verify::exercise_reader(&path, Limits::default()) {
            failures.push(format!("{}: exercise_reader failed: {e}", row.file));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_fixture_is_listed() {
    let listed: BTreeSet<String> = rows().into_iter().map(|r| r.file).collect();
    let mut unlisted = Vec::new();
    for entry in std::fs::read_dir(corpus()).expect("read corpus folder") {
        let name = entry.expect("dir entry").file_name().to_string_lossy().into_owned();
        if name.ends_with(".zip") && !listed.contains(&name) {
            unlisted.push(name);
        }
    }
    assert!(unlisted.is_empty(), "fixtures not in expected.tsv: {unlisted:?}");
}

/// Files named `anjuan-escape-*` in the places a hostile entry name would
/// land if anything extracted it: /tmp, the corpus folder and the folders
/// above it (`../../x` relative to the fixtures), and the current directory.
fn escapes() -> Vec<PathBuf> {
    let dir = corpus();
    let places = [
        PathBuf::from("/tmp"),
        dir.clone(),
        dir.join(".."),
        dir.join("../.."),
        dir.join("../../.."),
        std::env::current_dir().expect("current dir"),
    ];
    let mut found = Vec::new();
    for place in places {
        let Ok(entries) = std::fs::read_dir(&place) else { continue };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with("anjuan-escape-") {
                found.push(entry.path());
            }
        }
    }
    // An extractor that took the names literally would also leave the bag's
    // top folder (or a `bag\..\evil.txt` file) next to the fixtures.
    for name in ["bag", "bag\\..\\evil.txt"] {
        let p = dir.join(name);
        if p.symlink_metadata().is_ok() {
            found.push(p);
        }
    }
    found
}

#[test]
fn reading_the_corpus_writes_nothing() {
    let before = escapes();
    assert!(
        before.is_empty(),
        "escape targets exist before the test ran (left by something else; remove them): {before:?}"
    );
    let rows = rows();
    for row in &rows {
        let path = corpus().join(&row.file);
        let _ = anjuan::verify::exercise_reader(&path, Limits::default());
        if let Ok(c) = Container::open(&path, Limits::default()) {
            for item in c.files.values().filter(|i| i.readable) {
                let _ = c.read(item, &mut |_| {});
            }
        }
    }
    let after = escapes();
    assert!(after.is_empty(), "reading the corpus wrote: {after:?}");
}
