//! The `anjuan` binary end to end: check, deadlines, schema, init, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn demo() -> PathBuf {
    root().join("examples/demo-office")
}

/// The demo's received files (`originals/`), beside copies of its cases.
fn copy_originals(office: &Path) {
    std::fs::create_dir_all(office.join("originals")).unwrap();
    for e in std::fs::read_dir(demo().join("originals")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() && p.extension().is_some_and(|x| x == "png") {
            std::fs::copy(&p, office.join("originals").join(p.file_name().unwrap())).unwrap();
        }
    }
}

fn anjuan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run anjuan")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn demo_office_checks_clean() {
    let o = anjuan(
        &root(),
        &["check", "--as-of", "2026-11-21", "examples/demo-office"],
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("0 个错误"), "{out}");
    let n: usize = std::fs::read_dir(demo().join("cases")).unwrap().count();
    assert!(n >= 8, "demo office has {n} cases");
    assert!(out.contains(&format!("检查 {n} 个文件")), "{out}");
}

#[test]
fn check_json_reports_counts_and_locations() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(demo().join("anjuan.toml"), dir.path().join("anjuan.toml")).unwrap();
    copy_originals(dir.path());
    let text = std::fs::read_to_string(demo().join("cases/XF-2026-0001.toml")).unwrap();
    let bad = text.replace("phone = \"13957112468\"", "phone = \"1395711246\"");
    assert_ne!(bad, text);
    std::fs::write(dir.path().join("a.toml"), bad).unwrap();
    let o = anjuan(
        dir.path(),
        &["check", "--json", "--as-of", "2026-11-21", "a.toml"],
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON output");
    assert_eq!(v["errors"], 1);
    let f = &v["findings"][0];
    assert_eq!(f["code"], "phone");
    assert_eq!(f["field"], "petitioners[0].phone");
    assert_eq!(f["file"], "a.toml");
    let line = text
        .lines()
        .position(|l| l.starts_with("phone = \"1395"))
        .unwrap()
        + 1;
    assert_eq!(f["line"], line);
    assert_eq!(f["column"], 9);
    // Personal data is masked in JSON too.
    assert!(!stdout(&o).contains("1395711246"), "{}", stdout(&o));
}

#[test]
fn json_case_files_are_accepted_and_located() {
    // The same case as JSON, produced through the library's own model.
    let src = anjuan::source::Source::read(&demo().join("cases/XF-2026-0001.toml"))
        .unwrap()
        .unwrap();
    let case: anjuan::case::Case = src.parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(demo().join("anjuan.toml"), dir.path().join("anjuan.toml")).unwrap();
    copy_originals(dir.path());
    let json = serde_json::to_string_pretty(&case).unwrap();
    std::fs::write(dir.path().join("a.json"), &json).unwrap();
    let o = anjuan(dir.path(), &["check", "--as-of", "2026-11-21", "a.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // Break one nested value and expect its JSON line and column.
    let broken = json.replacen("\"outcome\": \"支持\"", "\"outcome\": \"同意\"", 1);
    std::fs::write(dir.path().join("a.json"), &broken).unwrap();
    let o = anjuan(dir.path(), &["check", "--as-of", "2026-11-21", "a.json"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let line = broken.lines().position(|l| l.contains("\"同意\"")).unwrap() + 1;
    assert!(out.starts_with(&format!("a.json:{line}:")), "{out}");
    assert!(out.contains("handling.decisions[0].outcome"), "{out}");
}

#[test]
fn deadlines_lists_open_cases_overdue_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(demo().join("anjuan.toml"), dir.path().join("anjuan.toml")).unwrap();
    // An accepted case with no opinion, received long ago: overdue.
    let text = std::fs::read_to_string(demo().join("cases/XF-2026-0001.toml")).unwrap();
    let cut = text.find("[handling]").unwrap();
    let overdue = text[..cut].replace("XF-2026-0001", "XF-2026-0101");
    std::fs::write(dir.path().join("overdue.toml"), &overdue).unwrap();
    // Just received: the acceptance notice is due in 15 days.
    let fresh = text[..text.find("[acceptance]").unwrap()]
        .replace("XF-2026-0001", "XF-2026-0102")
        .replace("received = 2026-03-02", "received = 2026-11-20");
    std::fs::write(dir.path().join("fresh.toml"), &fresh).unwrap();
    // A closed case is not listed.
    std::fs::copy(
        demo().join("cases/XF-2026-0002.toml"),
        dir.path().join("closed.toml"),
    )
    .unwrap();

    let o = anjuan(dir.path(), &["deadlines", "--as-of", "2026-11-21", "."]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("未结案件 2 件"), "{out}");
    let a = out.find("XF-2026-0101").expect("overdue case listed");
    let b = out.find("XF-2026-0102").expect("fresh case listed");
    assert!(a < b, "overdue first:\n{out}");
    assert!(!out.contains("XF-2026-0002"), "{out}");
    // 2026-03-09 + 60 days = 2026-05-08; on 2026-11-21 that is 197 days late.
    assert!(
        out.contains("2026-05-08") && out.contains("-197日") && out.contains("超期"),
        "{out}"
    );
    assert!(out.contains("2026-12-05") && out.contains("14日"), "{out}");

    let o = anjuan(
        dir.path(),
        &["deadlines", "--json", "--as-of", "2026-11-21", "."],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let open = v["open"].as_array().unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(open[0]["case"], "XF-2026-0101");
    assert_eq!(open[0]["due"], "2026-05-08");
    assert_eq!(open[0]["days_left"], -197);
    assert_eq!(open[0]["status"], "超期");
    assert_eq!(open[1]["due"], "2026-12-05");
}

#[test]
fn check_flags_overdue_and_due_soon() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(demo().join("anjuan.toml"), dir.path().join("anjuan.toml")).unwrap();
    copy_originals(dir.path());
    let text = std::fs::read_to_string(demo().join("cases/XF-2026-0001.toml")).unwrap();
    let open = text[..text.find("[acceptance]").unwrap()].to_string();
    // Received 2026-11-08: due 2026-11-23, two days after the as-of date → warning only.
    std::fs::write(
        dir.path().join("soon.toml"),
        open.replace("2026-03-02", "2026-11-08"),
    )
    .unwrap();
    let o = anjuan(dir.path(), &["check", "--as-of", "2026-11-21", "soon.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("警告 [due-soon] acceptance.date"),
        "{}",
        stdout(&o)
    );
    // The same case a week later is overdue → error.
    let o = anjuan(dir.path(), &["check", "--as-of", "2026-11-28", "soon.toml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("错误 [overdue] acceptance.date"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn holiday_rolling_is_a_setting() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = std::fs::read_to_string(demo().join("anjuan.toml")).unwrap();
    let text = std::fs::read_to_string(demo().join("cases/XF-2026-0001.toml")).unwrap();
    // Received 2026-09-16: 15 days end on 2026-10-01 (National Day); notice sent 10-08.
    let case = text
        .replace("received = 2026-03-02", "received = 2026-09-16")
        .replacen("date = 2026-03-09", "date = 2026-10-08", 1);
    let case = case[..case.find("[responsibility]").unwrap()].to_string();
    std::fs::write(dir.path().join("a.toml"), &case).unwrap();
    std::fs::write(dir.path().join("anjuan.toml"), &cfg).unwrap();
    let o = anjuan(dir.path(), &["check", "--as-of", "2026-11-21", "a.toml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("[time-limit] acceptance.date"),
        "{}",
        stdout(&o)
    );
    std::fs::write(
        dir.path().join("anjuan.toml"),
        cfg.replace("roll_to_working_day = false", "roll_to_working_day = true"),
    )
    .unwrap();
    let o = anjuan(dir.path(), &["check", "--as-of", "2026-11-21", "a.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn schema_describes_every_section() {
    let o = anjuan(&root(), &["schema"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("schema is JSON");
    let props = v["properties"].as_object().unwrap();
    for key in [
        "id",
        "arrival",
        "petitioners",
        "collective",
        "agents",
        "matter",
        "acceptance",
        "objection",
        "responsibility",
        "extension",
        "handling",
        "hearing",
        "settlement",
        "review",
        "re_review",
        "report_back",
        "deliveries",
        "events",
        "close",
        "retention",
    ] {
        assert!(props.contains_key(key), "schema lacks {key}");
    }
    let required: Vec<&str> = v["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(required, ["id", "arrival", "petitioners", "matter"]);
    assert!(
        stdout(&o).contains("解释说明"),
        "enumerated outcomes are listed"
    );

    let o = anjuan(&root(), &["schema", "--office"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("office schema is JSON");
    assert!(v["properties"]["issuers"].is_object());
}

/// `anjuan init` with a passphrase from ANJUAN_PASSPHRASE, as scripts run it.
fn init_with(dir: &Path, args: &[&str], pass: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_anjuan"));
    c.current_dir(dir)
        .arg("init")
        .args(args)
        .env_remove("ANJUAN_PASSPHRASE");
    if let Some(p) = pass {
        c.env("ANJUAN_PASSPHRASE", p);
    }
    c.output().expect("run anjuan")
}

#[test]
fn init_scaffolds_a_working_office_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let office = dir.path().join("office");
    // No passphrase and no terminal: refused before anything is written, with a
    // remedy that fits (the passphrase, not "check the folder is writable").
    let o = init_with(dir.path(), &["office"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("ANJUAN_PASSPHRASE"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--unencrypted"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("可写"), "{}", stderr(&o));
    assert!(!office.exists(), "a refused init wrote {office:?}");

    let o = init_with(dir.path(), &["office"], Some("correct horse"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in [
        "anjuan.toml",
        "fonts/README.md",
        "templates/README.md",
        "keys/anjuan.key",
        "keys/anjuan.pub",
    ] {
        assert!(office.join(f).is_file(), "{f} missing");
    }
    // The key is passphrase-protected, and anjuan.toml signs with it.
    let key = std::fs::read_to_string(office.join("keys/anjuan.key")).unwrap();
    assert!(
        anjuan::sign::secret_key(&key, String::new()).is_err(),
        "key is not encrypted"
    );
    assert!(anjuan::sign::secret_key(&key, "correct horse".into()).is_ok());
    let cfg = anjuan::config::Config::load(&office.join("anjuan.toml")).unwrap();
    assert_eq!(
        cfg.signing.key.as_deref(),
        Some(Path::new("keys/anjuan.key"))
    );
    assert_eq!(
        cfg.signing.public.as_deref(),
        Some(Path::new("keys/anjuan.pub"))
    );
    assert!(cfg.signing.required);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |f: &str| {
            std::fs::metadata(office.join(f))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("keys/anjuan.key"), 0o600);
        assert_eq!(mode("keys/anjuan.pub"), 0o644);
        assert_eq!(mode("anjuan.toml"), 0o644);
    }
    let cases: Vec<_> = std::fs::read_dir(office.join("cases")).unwrap().collect();
    assert!(cases.len() >= 2);
    let o = anjuan(dir.path(), &["check", "--as-of", "2026-11-21", "office"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A second init refuses to overwrite, and says how.
    let o = init_with(dir.path(), &["office"], Some("x"));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("已存在") && stderr(&o).contains("--force"),
        "{}",
        stderr(&o)
    );
    let o = init_with(dir.path(), &["--force", "--unencrypted", "office"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let key = std::fs::read_to_string(office.join("keys/anjuan.key")).unwrap();
    assert!(anjuan::sign::secret_key(&key, String::new()).is_ok());
    // No temporary files are left behind.
    let leftovers: Vec<_> = walk(&office)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// `key new` prints the [signing] lines relative to anjuan.toml, honours
/// ANJUAN_PASSPHRASE, and writes the public key 0644.
#[test]
fn key_new_prints_paths_relative_to_the_office_and_takes_the_passphrase_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let o = init_with(dir.path(), &["--unencrypted", "my-office"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_anjuan"))
        .current_dir(dir.path())
        .args(["key", "new", "--force", "-o", "my-office/keys"])
        .env("ANJUAN_PASSPHRASE", "s3cret")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("key = \"keys/anjuan.key\""), "{out}");
    assert!(out.contains("public = \"keys/anjuan.pub\""), "{out}");
    assert!(!out.contains("key = \"my-office/"), "{out}");
    let key = std::fs::read_to_string(dir.path().join("my-office/keys/anjuan.key")).unwrap();
    assert!(
        anjuan::sign::secret_key(&key, "s3cret".into()).is_ok(),
        "ANJUAN_PASSPHRASE ignored"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn could_not_run_exits_2() {
    let o = anjuan(&root(), &["check", "no/such/path.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("路径不存在"), "{}", stderr(&o));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("anjuan.toml"),
        "[office]\nname = \"某镇\"\nfonds = \"X1\"\n",
    )
    .unwrap();
    std::fs::copy(
        demo().join("cases/XF-2026-0002.toml"),
        dir.path().join("a.toml"),
    )
    .unwrap();
    let o = anjuan(dir.path(), &["check", "a.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("anjuan.toml:3:9") && err.contains("office.fonds"),
        "{err}"
    );

    let o = anjuan(dir.path(), &["check", "--as-of", "2026-13-01", "a.toml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn identity_numbers_and_phones_are_masked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(demo().join("anjuan.toml"), dir.path().join("anjuan.toml")).unwrap();
    copy_originals(dir.path());
    let text = std::fs::read_to_string(demo().join("cases/XF-2026-0001.toml")).unwrap();
    // Wrong sex for a valid number, and the number also given where a date belongs.
    let bad = text
        .replace("sex = \"男\"", "sex = \"女\"")
        .replace("received = 2026-03-02", "received = \"33012219780415231X\"");
    std::fs::write(dir.path().join("a.toml"), bad).unwrap();
    let o = anjuan(dir.path(), &["check", "--as-of", "2026-11-21", "a.toml"]);
    let all = stdout(&o) + &stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(!all.contains("33012219780415231X"), "{all}");
    assert!(all.contains("3301**********231X"), "{all}");
}

/// The bundled example office does not age: a year from now (a faked clock,
/// ANJUAN_TODAY) its first commands still pass, counted from its labelled date.
#[test]
fn the_example_office_holds_a_year_ahead() {
    for today in ["2026-12-07", "2027-12-07", "2030-02-28"] {
        for cmd in ["check", "deadlines"] {
            let o = Command::new(env!("CARGO_BIN_EXE_anjuan"))
                .current_dir(root())
                .env("ANJUAN_TODAY", today)
                .args([cmd, "examples/demo-office"])
                .output()
                .unwrap();
            assert_eq!(
                o.status.code(),
                Some(0),
                "{cmd} on {today}: {}{}",
                stdout(&o),
                stderr(&o)
            );
            assert!(
                stderr(&o).contains("2026-11-21"),
                "{cmd} does not say which day it counts from"
            );
        }
    }
    // A real office (init) counts from today, and says nothing of a fixed date.
    let dir = tempfile::tempdir().unwrap();
    let o = init_with(dir.path(), &["--unencrypted", "office"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let toml = std::fs::read_to_string(dir.path().join("office/anjuan.toml")).unwrap();
    assert!(!toml.contains("as_of"), "{toml}");
}

/// Completions for the four shells and man pages, made from the command
/// definitions: every command is in them.
#[test]
fn completions_and_man_pages_cover_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = anjuan(&root(), &["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let text = stdout(&o);
        for cmd in ["check-receipt", "deadlines", "ledger", "pack", "new"] {
            assert!(text.contains(cmd), "{shell} completion lacks {cmd}");
        }
    }
    let o = anjuan(&root(), &["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let o = anjuan(dir.path(), &["man", "-o", "man"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(dir.path().join("man/anjuan.1")).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH anjuan 1"),
        "{page}"
    );
    for sub in [
        "anjuan-check.1",
        "anjuan-pack-year.1",
        "anjuan-new-case.1",
        "anjuan-key-new.1",
    ] {
        assert!(dir.path().join("man").join(sub).is_file(), "{sub}");
    }
}

/// A reader that goes away (`anjuan check office | head -1`) is not a defect: no
/// "internal error", the quiet end of a Unix tool whose pipe closed.
#[test]
fn a_closed_pipe_ends_output_quietly() {
    for args in [
        &["check", "examples/demo-office"][..],
        &["deadlines", "examples/demo-office"][..],
        &["schema"][..],
        &["completions", "bash"][..],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = Command::new(env!("CARGO_BIN_EXE_anjuan"))
            .current_dir(root())
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let err = stderr(&o);
        assert!(!err.contains("内部错误"), "{args:?}: {err}");
        assert!(
            matches!(o.status.code(), Some(0) | Some(141)),
            "{args:?}: {:?} {err}",
            o.status
        );
    }
}

/// `--json` documents carry their schema's name, and `anjuan schema --output NAME`
/// describes every field they have.
#[test]
fn json_outputs_name_their_schema_and_the_schema_covers_them() {
    let dir = tempfile::tempdir().unwrap();
    let runs: Vec<(&str, Output)> = vec![
        (
            "check",
            anjuan(&root(), &["check", "--json", "examples/demo-office"]),
        ),
        (
            "deadlines",
            anjuan(&root(), &["deadlines", "--json", "examples/demo-office"]),
        ),
        (
            "init",
            init_with(dir.path(), &["--unencrypted", "--json", "office"], None),
        ),
        (
            "key",
            anjuan(
                dir.path(),
                &["key", "new", "--unencrypted", "--json", "-o", "office/k2"],
            ),
        ),
        (
            "render",
            anjuan(dir.path(), &["render", "office", "--json"]),
        ),
        (
            "pack",
            anjuan(
                dir.path(),
                &["pack", "year", "--year", "2026", "office", "--json"],
            ),
        ),
        (
            "report",
            anjuan(
                dir.path(),
                &["report", "--year", "2026", "office", "--json"],
            ),
        ),
        (
            "ledger-export",
            anjuan(dir.path(), &["ledger", "export", "office", "--json"]),
        ),
    ];
    for (name, o) in runs {
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect(name);
        let want = format!("anjuan-{name}/1");
        assert_eq!(doc["schema"], want.as_str(), "{name}");
        let s = anjuan(&root(), &["schema", "--output", name]);
        assert_eq!(s.status.code(), Some(0), "{}", stderr(&s));
        let schema: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
        let props = schema["properties"].as_object().expect("properties");
        for key in doc.as_object().unwrap().keys() {
            assert!(
                props.contains_key(key),
                "{name}: `{key}` is not in its schema"
            );
        }
    }
    // The ledger just exported, imported back into the office: every row agrees.
    let ledger = std::fs::read_dir(dir.path().join("office/台账"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .next()
        .unwrap();
    let o = anjuan(
        dir.path(),
        &[
            "ledger",
            "import",
            ledger.to_str().unwrap(),
            "-o",
            "office/cases",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["schema"], "anjuan-ledger-import/1");
    assert_eq!(doc["new"], 0);
    let s = anjuan(&root(), &["schema", "--output", "ledger-import"]);
    let schema: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    for key in doc.as_object().unwrap().keys() {
        assert!(
            schema["properties"].get(key).is_some(),
            "ledger-import: `{key}`"
        );
    }
    // The key's [signing] paths are relative to the office's anjuan.toml.
    let o = anjuan(
        dir.path(),
        &[
            "key",
            "new",
            "--unencrypted",
            "--json",
            "--force",
            "-o",
            "office/k2",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["signing_key"], "k2/anjuan.key");
}

/// Defaults that chain: in a new office, render, pack, report and the ledger
/// export write inside the office with no -o, pack finds the papers render made,
/// and the bundle is signed so the receiver's --trust check accepts it.
#[test]
fn defaults_chain_from_init_to_a_bundle_the_receiver_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = init_with(d, &["--unencrypted", "office"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let office = d.join("office");
    let o = anjuan(d, &["render", "office"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(office.join("papers/XF-2026-0001").is_dir());
    assert!(!d.join("out").exists());
    let o = anjuan(d, &["pack", "year", "--year", "2026", "office"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let zip = office.join("archive/X012-WS-2026-XFB.zip");
    assert!(zip.is_file(), "{}", stdout(&o));
    let o = anjuan(
        d,
        &[
            "verify",
            zip.to_str().unwrap(),
            "--trust",
            "office/keys/anjuan.pub",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let o = anjuan(d, &["report", "--year", "2026", "office"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(office.join("报告/信访工作情况报告-2026.pdf").is_file());
    let o = anjuan(d, &["ledger", "export", "office", "--as-of", "2026-11-21"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(office.join("台账/台账-20261121.xlsx").is_file());
    let o = anjuan(
        d,
        &[
            "ledger",
            "export",
            "office",
            "--as-of",
            "2026-11-21",
            "--mask",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(office.join("台账/台账-20261121-脱敏.xlsx").is_file());
}
