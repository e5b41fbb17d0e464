//! Edits of a case file through the library (the desk's saves): comments
//! survive, a save on an older version is refused with the fields that
//! changed, a save that adds an error is refused at its field, and nothing is
//! written when a save is refused.

use std::path::{Path, PathBuf};

use anjuan::case::date::Date;
use anjuan::case::Rules;
use anjuan::config::Config;
use anjuan::diag::FieldPath;
use anjuan::office::edit::{self, Change, EditError, Value};

/// A copy of the demo office in a temporary folder.
fn office() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-office");
    for e in walkdir::WalkDir::new(&src).into_iter().flatten() {
        let rel = e.path().strip_prefix(&src).unwrap();
        let to = d.path().join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    let case = d.path().join("cases/XF-2026-0001.toml");
    (d, case)
}

fn with_rules<T>(office: &Path, f: impl FnOnce(&Rules) -> T) -> T {
    let config = Config::load(&office.join("anjuan.toml")).unwrap();
    let rules = Rules {
        config: &config,
        config_is_real: true,
        calendar: config.calendar(),
        as_of: Date::from_ymd(2026, 11, 21).unwrap(),
        root: Some(office.to_path_buf()),
    };
    f(&rules)
}

fn set(field: &str, value: Value) -> Change {
    Change {
        field: FieldPath::parse(field),
        value,
    }
}

#[test]
fn a_save_keeps_comments_and_changes_only_what_it_names() {
    let (d, case) = office();
    let opened = edit::open(d.path(), &case).unwrap();
    let saved = with_rules(d.path(), |r| {
        edit::save(
            d.path(),
            &case,
            &opened.version,
            &[
                set(
                    "petitioners[0].address",
                    Value::Text("青溪县柳河镇石桥村上湾组28号".into()),
                ),
                set("matter.requests[1]", Value::Text("赔偿损失约6000元".into())),
                set("arrival.registered_by", Value::Text("李敏".into())),
            ],
            r,
        )
    })
    .unwrap();
    let text = std::fs::read_to_string(&case).unwrap();
    assert_eq!(
        saved.changed,
        [
            "arrival.registered_by",
            "matter.requests[1]",
            "petitioners[0].address"
        ]
    );
    assert_ne!(saved.version, opened.version);
    assert_eq!(saved.version, edit::version_of(text.as_bytes()));
    // Every comment of the clerk's file is still there, the trailing ones too.
    for line in opened.text.lines().filter(|l| l.contains('#')) {
        let comment = &line[line.find('#').unwrap()..];
        assert!(text.contains(comment), "lost comment {comment:?}");
    }
    assert!(
        text.contains("address = \"青溪县柳河镇石桥村上湾组28号\"\n")
            || text.contains("address = \"青溪县柳河镇石桥村上湾组28号\"")
    );
    assert!(text.contains("赔偿损失约6000元"));
    assert!(!text.contains("赔偿房屋进水造成的家具、粮食损失约5000元"));
    // Only the three fields differ.
    assert_eq!(
        edit::changed_fields(&opened.text, &text),
        saved.changed,
        "{text}"
    );
}

#[test]
fn a_save_on_an_older_version_is_refused_with_what_changed() {
    let (d, case) = office();
    let opened = edit::open(d.path(), &case).unwrap();
    // Another clerk (or the command line, or an editor) changes the file.
    let theirs = opened
        .text
        .replace("phone = \"13957112468\"", "phone = \"13957112469\"")
        .replace("contact = \"李敏\"", "contact = \"王芳\"");
    assert_ne!(theirs, opened.text);
    std::fs::write(&case, &theirs).unwrap();
    let err = with_rules(d.path(), |r| {
        edit::save(
            d.path(),
            &case,
            &opened.version,
            &[set("matter.place", Value::Text("石桥村".into()))],
            r,
        )
    })
    .unwrap_err();
    match &err {
        EditError::Conflict { changed, .. } => {
            assert_eq!(changed, &["acceptance.contact", "petitioners[0].phone"])
        }
        other => panic!("not a conflict: {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("已被他人修改") && msg.contains("acceptance.contact"),
        "{msg}"
    );
    // Theirs stands, untouched.
    assert_eq!(std::fs::read_to_string(&case).unwrap(), theirs);
}

#[test]
fn without_the_base_snapshot_a_stale_save_is_still_refused() {
    let (d, case) = office();
    let opened = edit::open(d.path(), &case).unwrap();
    std::fs::remove_dir_all(edit::versions_dir(d.path())).unwrap();
    std::fs::write(&case, opened.text.replace("李敏", "王芳")).unwrap();
    let err = with_rules(d.path(), |r| {
        edit::save(
            d.path(),
            &case,
            &opened.version,
            &[set("matter.place", Value::Text("石桥村".into()))],
            r,
        )
    })
    .unwrap_err();
    assert!(matches!(&err, EditError::Conflict { changed, .. } if changed.is_empty()));
    // A made-up version is no path into the office either.
    let err = with_rules(d.path(), |r| {
        edit::save(
            d.path(),
            &case,
            "../../../etc/passwd",
            &[set("matter.place", Value::Text("石桥村".into()))],
            r,
        )
    })
    .unwrap_err();
    assert!(matches!(&err, EditError::Conflict { changed, .. } if changed.is_empty()));
}

#[test]
fn a_save_that_adds_an_error_is_refused_at_its_field() {
    let (d, case) = office();
    let opened = edit::open(d.path(), &case).unwrap();
    for (field, value, code) in [
        (
            "petitioners[0].id_number",
            Value::Text("330122197804152310".into()),
            "id-checksum",
        ),
        (
            "acceptance.date",
            Value::Date(Date::from_ymd(2026, 2, 1).unwrap()),
            "",
        ),
    ] {
        let err = with_rules(d.path(), |r| {
            edit::save(
                d.path(),
                &case,
                &opened.version,
                &[set(field, value.clone())],
                r,
            )
        })
        .unwrap_err();
        let EditError::Invalid(found) = &err else {
            panic!("{field}: not refused as invalid: {err:?}");
        };
        assert!(
            found
                .iter()
                .any(|l| l.diag.path.to_string() == field || l.diag.code == code),
            "{field}: {found:?}"
        );
        // Personal data stays masked in what the clerk is shown.
        assert!(!found.iter().any(|l| l.to_string().contains("197804152310")));
        assert_eq!(std::fs::read_to_string(&case).unwrap(), opened.text);
    }
}

#[test]
fn impossible_fields_are_named_and_nothing_is_written() {
    let (d, case) = office();
    let opened = edit::open(d.path(), &case).unwrap();
    for field in ["id.sub", "petitioners[5].name", "matter.requests[9]"] {
        let err = with_rules(d.path(), |r| {
            edit::save(
                d.path(),
                &case,
                &opened.version,
                &[set(field, Value::Text("x".into()))],
                r,
            )
        })
        .unwrap_err();
        assert!(
            matches!(&err, EditError::Field { field: f, .. } if f == field),
            "{field}: {err:?}"
        );
        assert_eq!(std::fs::read_to_string(&case).unwrap(), opened.text);
    }
}

#[test]
fn removing_and_resaving() {
    let (d, case) = office();
    let opened = edit::open(d.path(), &case).unwrap();
    let saved = with_rules(d.path(), |r| {
        edit::save(
            d.path(),
            &case,
            &opened.version,
            &[set("arrival.registry_no", Value::Remove)],
            r,
        )
    })
    .unwrap();
    assert_eq!(saved.changed, ["arrival.registry_no"]);
    let text = std::fs::read_to_string(&case).unwrap();
    assert!(!text.contains("330122-2026-000187"));
    // The next save is based on the saved version; the same value is no change.
    let again = with_rules(d.path(), |r| {
        edit::save(
            d.path(),
            &case,
            &saved.version,
            &[set(
                "matter.place",
                Value::Text("青溪县柳河镇石桥村上湾组".into()),
            )],
            r,
        )
    })
    .unwrap();
    assert!(again.changed.is_empty());
    assert_eq!(std::fs::read_to_string(&case).unwrap(), text);
}
