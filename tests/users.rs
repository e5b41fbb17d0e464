//! `anjuan user`: accounts in OFFICE/.anjuan/users.toml, passwords only as
//! argon2id hashes, roles parsed in Chinese and English, the last 管理员 kept,
//! every change in the audit trail, and the accounts never packed.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anjuan::office::users;
use common::*;

const PW: &str = "correct horse battery";

fn office(dir: &Path) -> PathBuf {
    let o = anjuan(dir, &["init", "--unencrypted", "office"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    dir.join("office")
}

/// `anjuan ARGS` with the password in $PW (no terminal).
fn run(dir: &Path, args: &[&str], pw: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_anjuan"));
    c.current_dir(dir)
        .args(args)
        .env("ANJUAN_USER", "tester")
        .stdin(Stdio::null());
    match pw {
        Some(p) => c.env("PW", p),
        None => c.env_remove("PW"),
    };
    c.output().unwrap()
}

fn add(dir: &Path, name: &str, role: &str) -> Output {
    run(
        dir,
        &[
            "user",
            "add",
            "office",
            name,
            "--role",
            role,
            "--password-env",
            "PW",
        ],
        Some(PW),
    )
}

fn users_text(office: &Path) -> String {
    std::fs::read_to_string(office.join(users::USERS_FILE)).unwrap()
}

#[test]
fn the_password_is_hashed_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    let office = office(dir.path());
    let o = add(dir.path(), "李静", "管理员");
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(text_of(&o).contains("李静（管理员）"), "{}", text_of(&o));
    let text = users_text(&office);
    assert!(!text.contains(PW), "plain password in users.toml:\n{text}");
    assert!(text.contains("hash = \"$argon2id$v=19$"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&office.join(users::USERS_FILE)), 0o600);
        assert_eq!(mode(&office.join(".anjuan")), 0o700);
    }
    // The stored hash checks the password, and only it.
    assert_eq!(
        users::verify_password(&office, "李静", PW).unwrap().role,
        users::Role::Admin
    );
    assert!(users::verify_password(&office, "李静", "correct horse batterY").is_err());
    assert!(users::verify_password(&office, "王芳", PW).is_err());
    // Listing never shows a hash.
    let l = run(dir.path(), &["user", "list", "office", "--json"], None);
    assert_eq!(l.status.code(), Some(0), "{}", text_of(&l));
    let out = text_of(&l);
    assert!(out.contains("\"schema\": \"anjuan-user-list/1\""), "{out}");
    assert!(
        out.contains("\"role\": \"管理员\"") && !out.contains("argon2"),
        "{out}"
    );
}

#[test]
fn roles_parse_in_chinese_and_english_and_unknown_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let office = office(dir.path());
    assert_eq!(add(dir.path(), "李静", "admin").status.code(), Some(0));
    for (name, role, zh) in [
        ("王芳", "clerk", "登记员"),
        ("赵", "领导", "领导"),
        ("钱", "Archivist", "档案员"),
        ("孙", "接收员", "接收员"),
    ] {
        let o = add(dir.path(), name, role);
        assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
        assert!(text_of(&o).contains(zh), "{}", text_of(&o));
    }
    let o = add(dir.path(), "周", "boss");
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(
        text_of(&o).contains("未知的角色 (unknown role) `boss`"),
        "{}",
        text_of(&o)
    );
    assert!(!users_text(&office).contains("周"));
}

#[test]
fn the_last_admin_cannot_be_removed_or_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let office = office(dir.path());
    // The first account must be an admin.
    let o = add(dir.path(), "王芳", "登记员");
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(
        text_of(&o).contains("第一个账号须为管理员"),
        "{}",
        text_of(&o)
    );
    assert_eq!(add(dir.path(), "李静", "管理员").status.code(), Some(0));
    assert_eq!(add(dir.path(), "王芳", "登记员").status.code(), Some(0));
    let before = users_text(&office);
    for verb in ["remove", "disable"] {
        let o = run(dir.path(), &["user", verb, "office", "李静"], None);
        assert_eq!(o.status.code(), Some(2), "{verb}: {}", text_of(&o));
        assert!(
            text_of(&o).contains("last enabled admin"),
            "{}",
            text_of(&o)
        );
        assert_eq!(users_text(&office), before, "{verb} changed the file");
    }
    // With a second admin, the first can go.
    assert_eq!(add(dir.path(), "赵", "管理员").status.code(), Some(0));
    let o = run(dir.path(), &["user", "remove", "office", "李静"], None);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(!users_text(&office).contains("李静"));
    let o = run(dir.path(), &["user", "remove", "office", "李静"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(text_of(&o).contains("没有账号 李静"), "{}", text_of(&o));
}

#[test]
fn passwd_and_disable_change_who_can_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let office = office(dir.path());
    assert_eq!(add(dir.path(), "李静", "管理员").status.code(), Some(0));
    assert_eq!(add(dir.path(), "王芳", "登记员").status.code(), Some(0));
    let o = run(
        dir.path(),
        &["user", "passwd", "office", "王芳", "--password-env", "PW"],
        Some("a new passphrase"),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(users::verify_password(&office, "王芳", PW).is_err());
    assert!(users::verify_password(&office, "王芳", "a new passphrase").is_ok());
    let o = run(dir.path(), &["user", "disable", "office", "王芳"], None);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(users::verify_password(&office, "王芳", "a new passphrase").is_err());
    let o = run(dir.path(), &["user", "enable", "office", "王芳"], None);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(users::verify_password(&office, "王芳", "a new passphrase").is_ok());
    // Each change is in the audit trail, by the actor named, hash-chained.
    let log = std::fs::read_to_string(office.join(".anjuan/audit.log")).unwrap();
    let actions: Vec<String> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| format!("{} {} {}", v["actor"], v["action"], v["target"]))
        .collect();
    assert_eq!(
        actions,
        [
            r#""cli:tester" "user.add" "李静""#,
            r#""cli:tester" "user.add" "王芳""#,
            r#""cli:tester" "user.password" "王芳""#,
            r#""cli:tester" "user.disable" "王芳""#,
            r#""cli:tester" "user.enable" "王芳""#,
        ]
    );
    assert!(!log.contains(PW) && !log.contains("a new passphrase"));
    let v = run(dir.path(), &["audit", "verify", "office"], None);
    assert_eq!(v.status.code(), Some(0), "{}", text_of(&v));
}

#[test]
fn no_password_no_account() {
    let dir = tempfile::tempdir().unwrap();
    let office = office(dir.path());
    // The variable named is not set.
    let o = run(
        dir.path(),
        &[
            "user",
            "add",
            "office",
            "李静",
            "--role",
            "管理员",
            "--password-env",
            "PW",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(
        text_of(&o).contains("环境变量 PW 没有设置"),
        "{}",
        text_of(&o)
    );
    // Too short.
    let o = run(
        dir.path(),
        &[
            "user",
            "add",
            "office",
            "李静",
            "--role",
            "管理员",
            "--password-env",
            "PW",
        ],
        Some("short"),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(text_of(&o).contains("口令太短"), "{}", text_of(&o));
    // A name with a control character.
    let o = add(dir.path(), "李\u{7}静", "管理员");
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(text_of(&o).contains("账号名无效"), "{}", text_of(&o));
    assert!(!office.join(users::USERS_FILE).exists());
    // Not an office folder.
    std::fs::create_dir(dir.path().join("elsewhere")).unwrap();
    let o = run(
        dir.path(),
        &[
            "user",
            "add",
            "elsewhere",
            "李静",
            "--role",
            "管理员",
            "--password-env",
            "PW",
        ],
        Some(PW),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(text_of(&o).contains("不是办公室目录"), "{}", text_of(&o));
    assert!(!dir.path().join("elsewhere/.anjuan").exists());
}

#[test]
fn check_ignores_the_accounts_folder() {
    let dir = tempfile::tempdir().unwrap();
    let office = office(dir.path());
    assert_eq!(add(dir.path(), "李静", "管理员").status.code(), Some(0));
    // check walks cases/ of an office; a folder of cases walks everything but
    // dot-folders: neither reads .anjuan/users.toml as a case.
    let o = run(dir.path(), &["check", "office"], None);
    assert_ne!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(!text_of(&o).contains("users.toml"), "{}", text_of(&o));
    std::fs::remove_file(office.join("anjuan.toml")).unwrap();
    let o = run(dir.path(), &["check", "office"], None);
    assert!(!text_of(&o).contains("users.toml"), "{}", text_of(&o));
}

#[test]
fn an_api_token_is_shown_once_kept_as_a_digest_and_can_be_withdrawn() {
    let dir = tempfile::tempdir().unwrap();
    let office = office(dir.path());
    assert_eq!(add(dir.path(), "李静", "管理员").status.code(), Some(0));
    assert_eq!(add(dir.path(), "王芳", "登记员").status.code(), Some(0));
    let o = run(dir.path(), &["user", "token", "office", "王芳"], None);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let token = String::from_utf8(o.stdout.clone())
        .unwrap()
        .trim()
        .to_string();
    assert!(token.starts_with(users::TOKEN_PREFIX), "{token}");
    assert!(token.len() >= 40, "{token}");
    // Never stored, never logged: only its digest is kept.
    assert!(!users_text(&office).contains(&token));
    let log = std::fs::read_to_string(office.join(".anjuan/audit.log")).unwrap();
    assert!(
        log.contains("\"user.token\"") && !log.contains(&token),
        "{log}"
    );
    assert_eq!(users::by_token(&office, &token).unwrap().name, "王芳");
    // Wrong, truncated or foreign tokens are refused alike.
    for bad in [
        &token[..token.len() - 1],
        "anjuan_",
        "",
        "Bearer x",
        &format!("{token}x"),
    ] {
        assert!(matches!(
            users::by_token(&office, bad),
            Err(users::UserError::Refused)
        ));
    }
    // A second token replaces the first.
    let o = run(dir.path(), &["user", "token", "office", "王芳"], None);
    let second = String::from_utf8(o.stdout.clone())
        .unwrap()
        .trim()
        .to_string();
    assert_ne!(second, token);
    assert!(users::by_token(&office, &token).is_err());
    assert!(users::by_token(&office, &second).is_ok());
    // A disabled account's token does not work; withdrawn, it is gone.
    assert_eq!(
        run(dir.path(), &["user", "disable", "office", "王芳"], None)
            .status
            .code(),
        Some(0)
    );
    assert!(users::by_token(&office, &second).is_err());
    let o = run(
        dir.path(),
        &["user", "token", "office", "王芳", "--revoke"],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(!users::list(&office).unwrap()[1].has_token());
    // An unknown account gets no token.
    let o = run(dir.path(), &["user", "token", "office", "无此人"], None);
    assert_ne!(o.status.code(), Some(0));
}
