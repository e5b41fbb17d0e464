//! The hostile-archive corpus (`tests/fixtures/hostile-zips/`, written by its
//! `make.py`): every fixture must produce the finding `expected.tsv` names for
//! it, the reader must get through every fixture without panicking, and
//! nothing may be written anywhere while doing so. `reader-bugs.tsv` lists the
//! fixtures the reader does not handle yet.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anjuan::verify::container::Container;
use anjuan::verify::zipread::Limits;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile-zips")
}

/// One row of `expected.tsv` or `reader-bugs.tsv`: file, code, what it is.
struct Row {
    file: String,
    code: String,
    what: String,
}

/// The rows of `expected.tsv`: what each fixture must produce.
fn rows() -> Vec<Row> {
    table("expected.tsv")
}

/// The rows of `reader-bugs.tsv`: fixtures whose finding the reader does not
/// produce yet (each reader bug reported with its fix). They are kept out of
/// `expected.tsv` so that the other corpus tests stay green; here they must
/// still fail, and once one passes its row belongs in `expected.tsv`.
fn reader_bugs() -> Vec<Row> {
    table("reader-bugs.tsv")
}

/// The rows of `warnings.tsv`: fixtures whose finding is a warning (look-alike
/// names). Each must produce it, and the bag, sound otherwise, is accepted.
fn warnings() -> Vec<Row> {
    table("warnings.tsv")
}

fn table(name: &str) -> Vec<Row> {
    let path = corpus().join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') || (n == 0 && line.starts_with("file\t"))
        {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            cols.len(),
            3,
            "{name} line {}: want file<TAB>code<TAB>what, got {line:?}",
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

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-text panic)".into())
}

/// What opening the container found, then what reading every file it allows
/// found (bytes after a deflate stream, smuggled local headers).
fn all_findings(c: &Container) -> Vec<anjuan::verify::zipread::Finding> {
    for item in c.files.values().filter(|i| i.readable) {
        let _ = c.read(item, &mut |_| {});
    }
    c.findings
        .iter()
        .cloned()
        .chain(c.read_findings())
        .collect()
}

/// Opens one fixture and reads it; what is wrong, if anything.
fn check(row: &Row) -> Vec<String> {
    let path = corpus().join(&row.file);
    if !path.is_file() {
        return vec![format!("{} is listed but missing", row.file)];
    }
    let mut wrong = Vec::new();
    match std::panic::catch_unwind(|| Container::open(&path, Limits::default())) {
        Err(p) => wrong.push(format!(
            "{}: Container::open panicked: {}",
            row.file,
            panic_text(&*p)
        )),
        Ok(Err(e)) => wrong.push(format!("{}: Container::open failed: {e}", row.file)),
        Ok(Ok(c)) => {
            let all = all_findings(&c);
            if !all.iter().any(|f| f.code() == row.code) {
                let found: Vec<String> = all
                    .iter()
                    .map(|f| format!("    {} — {}", f.code(), f.message()))
                    .collect();
                wrong.push(format!(
                    "{} ({}): want {}, found:\n{}",
                    row.file,
                    row.what,
                    row.code,
                    if found.is_empty() {
                        "    (nothing)".to_string()
                    } else {
                        found.join("\n")
                    }
                ));
            }
        }
    }
    match std::panic::catch_unwind(|| anjuan::verify::exercise_reader(&path, Limits::default())) {
        Err(p) => wrong.push(format!(
            "{}: exercise_reader panicked: {}",
            row.file,
            panic_text(&*p)
        )),
        Ok(Err(e)) => wrong.push(format!("{}: exercise_reader failed: {e}", row.file)),
        Ok(Ok(_)) => {}
    }
    wrong
}

#[test]
fn every_fixture_produces_its_finding() {
    let rows = rows();
    assert!(
        rows.len() >= 20,
        "only {} fixtures in expected.tsv",
        rows.len()
    );
    let failures: Vec<String> = rows.iter().chain(&warnings()).flat_map(check).collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A warning-level finding makes its check warn, never fail: the bag is
/// accepted (these fixtures are sound bags otherwise), and the finding is in
/// the report. Every finding of `expected.tsv` is a defect instead.
#[test]
fn warnings_warn_and_do_not_reject() {
    let warned = warnings();
    assert!(!warned.is_empty(), "no warning fixtures");
    for row in warned {
        let path = corpus().join(&row.file);
        let r = anjuan::verify::verify(&path, &anjuan::verify::Options::default()).expect("verify");
        let with: Vec<_> = r
            .checks
            .iter()
            .filter(|c| c.details.iter().any(|d| d.code == row.code))
            .collect();
        assert_eq!(with.len(), 1, "{}: {:?}", row.file, r.checks);
        assert_eq!(
            with[0].status,
            anjuan::verify::report::Status::Warn,
            "{}",
            row.file
        );
        assert!(r.accepted(), "{}: {}", row.file, r.verdict);
    }
    for row in rows() {
        let c = Container::open(&corpus().join(&row.file), Limits::default()).expect("open");
        assert!(
            all_findings(&c)
                .iter()
                .filter(|f| f.code() == row.code)
                .all(|f| !f.is_warning()),
            "{}: {} is a warning, yet listed in expected.tsv",
            row.file,
            row.code
        );
    }
}

#[test]
fn known_reader_bugs_still_fail() {
    let mut fixed = Vec::new();
    for row in reader_bugs() {
        let wrong = check(&row);
        if wrong.is_empty() {
            fixed.push(row.file);
        } else {
            eprintln!("known reader bug:\n{}", wrong.join("\n"));
        }
    }
    assert!(
        fixed.is_empty(),
        "the reader now handles {fixed:?}: move their rows from reader-bugs.tsv to expected.tsv \
         (in make.py: drop reader_bug=True)"
    );
}

#[test]
fn every_fixture_is_listed() {
    let listed: BTreeSet<String> = rows()
        .into_iter()
        .chain(reader_bugs())
        .chain(warnings())
        .map(|r| r.file)
        .collect();
    let mut unlisted = Vec::new();
    for entry in std::fs::read_dir(corpus()).expect("read corpus folder") {
        let name = entry
            .expect("dir entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".zip") && !listed.contains(&name) {
            unlisted.push(name);
        }
    }
    assert!(
        unlisted.is_empty(),
        "fixtures in none of expected.tsv, reader-bugs.tsv, warnings.tsv: {unlisted:?}"
    );
    let both: Vec<String> = reader_bugs()
        .into_iter()
        .map(|r| r.file)
        .filter(|f| rows().iter().any(|r| r.file == *f))
        .collect();
    assert!(
        both.is_empty(),
        "in both expected.tsv and reader-bugs.tsv: {both:?}"
    );
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
        let Ok(entries) = std::fs::read_dir(&place) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with("anjuan-escape-")
            {
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
    for row in rows().iter().chain(&reader_bugs()).chain(&warnings()) {
        let path = corpus().join(&row.file);
        // A panic is every_fixture_produces_its_finding's business; here only
        // what the reader leaves behind counts.
        let _ = std::panic::catch_unwind(|| {
            let _ = anjuan::verify::exercise_reader(&path, Limits::default());
            if let Ok(c) = Container::open(&path, Limits::default()) {
                for item in c.files.values().filter(|i| i.readable) {
                    let _ = c.read(item, &mut |_| {});
                }
            }
        });
    }
    let after = escapes();
    assert!(after.is_empty(), "reading the corpus wrote: {after:?}");
}

/// `cargo test --test hostile_zips -- --ignored --nocapture` prints every
/// fixture's findings and how many of its files were read.
#[test]
#[ignore]
fn dump_findings() {
    for row in rows().into_iter().chain(reader_bugs()).chain(warnings()) {
        let path = corpus().join(&row.file);
        let Ok(Ok(c)) = std::panic::catch_unwind(|| Container::open(&path, Limits::default()))
        else {
            println!("{} (want {}): open failed or panicked", row.file, row.code);
            continue;
        };
        let (_, read) = anjuan::verify::exercise_reader(&path, Limits::default()).expect("read");
        println!(
            "{} (want {}), {} of {} files read:",
            row.file,
            row.code,
            read,
            c.files.len()
        );
        for f in all_findings(&c) {
            println!("    {} — {}", f.code(), f.message());
        }
    }
}

/// The fuzzer's committed seeds and any crash it ever found (kept in
/// `fuzz/crashes/`) replay through the reader on the stable toolchain in every
/// test run: what once crashed it stays fixed.
#[test]
fn fuzz_seeds_and_past_crashes_replay_cleanly() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut n = 0;
    for dir in ["corpus/zip_reader", "crashes"] {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if dir == "corpus/zip_reader" && !name.starts_with("seed-") {
                continue;
            }
            // fuzz/crashes/<target>/ hold the other targets' crashes (tests/fuzz_replay.rs).
            if !e.path().is_file() {
                continue;
            }
            let r = std::panic::catch_unwind(|| {
                anjuan::verify::exercise_reader(
                    &e.path(),
                    anjuan::verify::zipread::Limits::default(),
                )
            });
            assert!(r.is_ok(), "{dir}/{name}: {}", panic_text(&*r.unwrap_err()));
            n += 1;
        }
    }
    assert!(n >= 6, "only {n} fuzz inputs found");
}

/// What a streaming extractor lists: `bsdtar -tf -` reading the zip from a
/// pipe (from a redirected file it would seek to the central directory).
fn bsdtar_streaming_list(path: &Path) -> String {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let bytes = std::fs::read(path).expect("read fixture");
    let mut child = Command::new("bsdtar")
        .args(["-tf", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bsdtar (apt-get install libarchive-tools)");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        // bsdtar may stop reading early; a broken pipe is not our concern.
        let _ = stdin.write_all(&bytes);
    });
    let out = child.wait_with_output().expect("bsdtar output");
    writer.join().expect("writer");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// For every fixture whose finding is a smuggled local header, a real
/// streaming extractor lists the very name the reader reports, and that name
/// is not among the central directory's entries: the reader and streaming
/// readers are shown to disagree exactly where the finding says.
#[test]
fn smuggled_headers_are_what_a_streaming_extractor_lists() {
    use anjuan::verify::zipread::Finding;
    let rows: Vec<Row> = rows()
        .into_iter()
        .filter(|r| r.code == "zip.embedded-header")
        .collect();
    assert!(rows.len() >= 2, "only {} smuggling fixtures", rows.len());
    for row in rows {
        let path = corpus().join(&row.file);
        let c = Container::open(&path, Limits::default()).expect("open");
        let inner: Vec<String> = all_findings(&c)
            .into_iter()
            .filter_map(|f| match f {
                Finding::EmbeddedHeader { inner, .. } => Some(inner),
                _ => None,
            })
            .collect();
        assert_eq!(inner.len(), 1, "{}: {inner:?}", row.file);
        assert!(c.is_zip(), "{} is not read as a zip", row.file);
        // The container keeps no entry list: the central directory read again.
        let file = std::fs::File::open(&path).expect("reopen");
        let archive = anjuan::verify::zipread::open(&file, &Limits::default()).expect("zip");
        assert!(
            !archive.entries.iter().any(|e| e.name == inner[0]),
            "{}: {} is a central-directory entry",
            row.file,
            inner[0]
        );
        let listed = bsdtar_streaming_list(&path);
        assert!(
            listed.lines().any(|l| l == inner[0]),
            "{}: bsdtar lists {listed:?}, not the flagged {}",
            row.file,
            inner[0]
        );
    }
}

/// What only reading shows (bytes after a deflate stream, a smuggled local
/// header) is kept by data offset while reading and named after its entry
/// when reported: the container keeps no entry list.
#[test]
fn read_findings_name_their_entry() {
    for (file, codes) in [
        (
            "46-stored-descriptor-smuggle.zip",
            &["zip.embedded-header"][..],
        ),
        ("47-deflate-trailing.zip", &["zip.deflate-trailing"]),
        (
            "48-deflate-descriptor-smuggle.zip",
            &["zip.deflate-trailing", "zip.embedded-header"],
        ),
    ] {
        let c = Container::open(&corpus().join(file), Limits::default()).expect("open");
        for item in c.files.values().filter(|i| i.readable) {
            let _ = c.read(item, &mut |_| {});
            // Read twice: still one finding.
            let _ = c.read(item, &mut |_| {});
        }
        let found: Vec<(String, Option<String>)> = c
            .read_findings()
            .iter()
            .map(|f| (f.code(), f.file()))
            .collect();
        let want: Vec<(String, Option<String>)> = codes
            .iter()
            .map(|c| (c.to_string(), Some("bag/data/a.txt".to_string())))
            .collect();
        assert_eq!(found, want, "{file}");
    }
}
