//! Accounts of an office (账号): who may work on it, in which role, and their
//! password hashes. Shared by `anjuan user` and the desk's login.
//!
//! The accounts live in `<office>/.anjuan/users.toml` ([`USERS_FILE`]), a file
//! anjuan writes and reads and a person never needs to edit:
//!
//! ```toml
//! # anjuan 账号 (accounts): written by `anjuan user`; do not edit by hand.
//! schema = "anjuan-users/1"
//!
//! [[user]]
//! name = "李静"
//! role = "管理员"
//! hash = "$argon2id$v=19$m=19456,t=2,p=1$…"
//! disabled = false
//! created = "2026-12-07T05:40:10Z"
//! changed = "2026-12-07T05:40:10Z"
//! ```
//!
//! Passwords are never stored: only an argon2id hash in the PHC string format
//! (salted, the parameters inside the string, so stronger parameters later still
//! verify old hashes). The file is owner-only (0600), written atomically, and
//! changed only under an exclusive lock on `users.lock` beside it, so the command
//! line and the desk can change accounts at the same time without losing either's
//! change. The `.anjuan/` folder is hidden: `check`, `render` and `pack` walk only
//! `cases/` and the papers folder and skip dot-folders, so it is never packed.
//!
//! What this module never does: print a hash, log a password, or tell a caller
//! whether a failed login named an unknown account or gave a wrong password.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};

/// The users file, relative to the office folder.
pub const USERS_FILE: &str = ".anjuan/users.toml";
/// Held (exclusively) while the users file is read, changed and written.
const USERS_LOCK: &str = ".anjuan/users.lock";
const SCHEMA: &str = "anjuan-users/1";
/// Longest account name, in characters.
pub const NAME_MAX: usize = 32;
/// Shortest password, in characters.
pub const PASSWORD_MIN: usize = 8;
/// Longest password, in bytes (hashing cost is bounded by it).
pub const PASSWORD_MAX: usize = 1024;

use super::state::ensure_state_dir;
pub use super::state::state_dir;

/// A role (角色): what an account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// 登记员: registers and edits cases, records deliveries, renders papers.
    Clerk,
    /// 领导: signs off opinions, approves extensions.
    Leader,
    /// 档案员: packs dossiers and the year's bundle.
    Archivist,
    /// 接收员: verifies bundles received and issues receipts.
    Receiver,
    /// 管理员: manages accounts.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Clerk,
        Role::Leader,
        Role::Archivist,
        Role::Receiver,
        Role::Admin,
    ];

    /// The Chinese name, as stored and shown.
    pub fn zh(self) -> &'static str {
        match self {
            Role::Clerk => "登记员",
            Role::Leader => "领导",
            Role::Archivist => "档案员",
            Role::Receiver => "接收员",
            Role::Admin => "管理员",
        }
    }

    /// The English alias accepted on the command line.
    pub fn en(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Leader => "leader",
            Role::Archivist => "archivist",
            Role::Receiver => "receiver",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may do `action`.
    pub fn may(self, action: Action) -> bool {
        use Action::*;
        match action {
            ViewCases | Login => true,
            RegisterCase | EditCase | RecordDelivery | RenderPapers | CloseCase => {
                self == Role::Clerk
            }
            // The clerk who registers and serves, and the 包案领导 who meets the
            // petitioner, need to reach them; the archivist, the receiver and
            // the admin do not.
            ViewIdentity => matches!(self, Role::Clerk | Role::Leader),
            SignOff | ApproveExtension | SignPapers => self == Role::Leader,
            Pack => self == Role::Archivist,
            VerifyBundle | IssueReceipt => self == Role::Receiver,
            // The clerk keeps the 台账; the leader reads it.
            ImportLedger => self == Role::Clerk,
            ExportLedger => matches!(self, Role::Clerk | Role::Leader),
            ManageUsers | ViewAudit => self == Role::Admin,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zh())
    }
}

impl FromStr for Role {
    type Err = UserError;

    /// The Chinese name or the English alias (any case), surrounding spaces ignored.
    fn from_str(s: &str) -> Result<Role, UserError> {
        let t = s.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.zh() == t || r.en().eq_ignore_ascii_case(t))
            .ok_or_else(|| UserError::Role(crate::diag::terminal_text(t)))
    }
}

impl Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.zh())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Role, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Role {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Role".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "enum": Role::ALL.iter().map(|r| r.zh()).collect::<Vec<_>>(),
        })
    }
}

/// What someone does to an office; [`Role::may`] says who may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Sign in to the desk (any enabled account).
    Login,
    /// See cases, deadlines and papers, personal numbers masked (everyone).
    ViewCases,
    /// See full identity numbers and phones on a case's page (登记员, 领导).
    ViewIdentity,
    /// Register a new case (登记).
    RegisterCase,
    /// Edit a case record.
    EditCase,
    /// Record a delivery (送达).
    RecordDelivery,
    /// Render papers.
    RenderPapers,
    /// Close a case (结案/销号).
    CloseCase,
    /// Sign off a handling opinion (领导审签).
    SignOff,
    /// Approve an extension of the handling period (延期).
    ApproveExtension,
    /// Sign papers with the office key.
    SignPapers,
    /// Pack a dossier or the year's bundle.
    Pack,
    /// Verify a bundle received (四性检测).
    VerifyBundle,
    /// Issue a receipt (接收回执).
    IssueReceipt,
    /// Import a ledger spreadsheet into case files (台账导入).
    ImportLedger,
    /// Export the ledger as a workbook (台账导出).
    ExportLedger,
    /// Add, remove, disable accounts, set their passwords.
    ManageUsers,
    /// Read the audit trail.
    ViewAudit,
}

impl Action {
    /// Every action, in the order above.
    pub const ALL: [Action; 18] = [
        Action::Login,
        Action::ViewCases,
        Action::ViewIdentity,
        Action::RegisterCase,
        Action::EditCase,
        Action::RecordDelivery,
        Action::RenderPapers,
        Action::CloseCase,
        Action::SignOff,
        Action::ApproveExtension,
        Action::SignPapers,
        Action::Pack,
        Action::VerifyBundle,
        Action::IssueReceipt,
        Action::ImportLedger,
        Action::ExportLedger,
        Action::ManageUsers,
        Action::ViewAudit,
    ];
}

/// An account.
#[derive(Clone, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// argon2id, PHC string format.
    hash: String,
    #[serde(default)]
    pub disabled: bool,
    /// RFC 3339, UTC.
    pub created: String,
    /// When the password, role or state last changed (RFC 3339, UTC).
    pub changed: String,
    /// The SHA-256 (hex) of the account's API token, when one was issued
    /// ([`issue_token`]). The token itself is shown once and never stored: it is
    /// 256 random bits, so a plain digest is as good as a slow hash here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token_sha256: Option<String>,
}

impl User {
    /// Whether an API token is issued to this account.
    pub fn has_token(&self) -> bool {
        self.token_sha256.is_some()
    }
}

impl fmt::Debug for User {
    /// Never the hash.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct UsersFile {
    schema: String,
    #[serde(default, rename = "user")]
    users: Vec<User>,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("未知的角色 (unknown role) `{0}`：可用 登记员、领导、档案员、接收员、管理员")]
    Role(String),
    #[error("账号名无效 (invalid account name): {0}")]
    Name(String),
    #[error("口令太短 (password too short): 至少 {PASSWORD_MIN} 个字符")]
    Short,
    #[error("口令太长 (password too long): 至多 {PASSWORD_MAX} 字节")]
    Long,
    #[error("账号 {0} 已存在 (account exists)")]
    Exists(String),
    #[error("没有账号 {0} (no such account)")]
    Unknown(String),
    #[error("不能移除或停用最后一个启用的管理员 (the last enabled admin must remain)")]
    LastAdmin,
    #[error("本办公室还没有启用的管理员 (no enabled admin): 第一个账号须为管理员")]
    NoAdmin,
    #[error("账号或口令不对，或账号已停用 (login refused)")]
    Refused,
    #[error("{path}: 无法读写 (cannot read or write): {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: 账号文件已损坏 (users file unreadable): {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("无法计算口令摘要 (cannot hash the password): {0}")]
    Hash(String),
    #[error(transparent)]
    Write(#[from] crate::fsutil::WriteError),
}

impl UserError {
    pub fn remedy(&self) -> &'static str {
        match self {
            UserError::Role(_) => "用 --role 登记员|领导|档案员|接收员|管理员（或 clerk、leader、archivist、receiver、admin）",
            UserError::Name(_) => "账号名不能为空、不能含控制字符或首尾空格，至多 32 个字符",
            UserError::Short | UserError::Long => "换一个口令：8 个字符以上，建议用几个词组成的长句",
            UserError::Exists(_) => "换一个账号名；改口令用 anjuan user passwd",
            UserError::Unknown(_) => "anjuan user list 列出本办公室的账号",
            UserError::LastAdmin => "先用 anjuan user add --role 管理员 添加另一个管理员",
            UserError::NoAdmin => "先用 anjuan user add 办公室 姓名 --role 管理员 添加管理员",
            UserError::Refused => "检查账号名与口令；账号停用时请管理员处理",
            UserError::Io { .. } | UserError::Write(_) => "检查办公室目录（及其中 .anjuan/）的路径与权限",
            UserError::Corrupt { .. } => {
                "账号文件由 anjuan user 维护，请勿手工编辑；从备份恢复 .anjuan/users.toml"
            }
            UserError::Hash(_) => "再试一次；若一再出现，请报告此问题",
        }
    }
}

/// Checks an account name: not empty, no control or invisible characters, no
/// spaces at either end, at most [`NAME_MAX`] characters.
pub fn check_name(name: &str) -> Result<(), UserError> {
    let shown = || crate::diag::terminal_text(name);
    if name.is_empty() {
        return Err(UserError::Name("空 (empty)".into()));
    }
    if name.chars().count() > NAME_MAX {
        return Err(UserError::Name(format!(
            "{} 超过 {NAME_MAX} 个字符 (too long)",
            shown()
        )));
    }
    if name.chars().any(crate::case::validate::is_hidden_char) {
        return Err(UserError::Name(format!(
            "{} 含控制或不可见字符 (hidden characters)",
            shown()
        )));
    }
    if name.trim() != name {
        return Err(UserError::Name(format!(
            "`{}` 首尾有空格 (spaces at the ends)",
            shown()
        )));
    }
    Ok(())
}

fn check_password(pw: &str) -> Result<(), UserError> {
    if pw.len() > PASSWORD_MAX {
        return Err(UserError::Long);
    }
    if pw.chars().count() < PASSWORD_MIN {
        return Err(UserError::Short);
    }
    Ok(())
}

/// The argon2id hash of `pw` as a PHC string (a new random salt each time).
pub fn hash_password(pw: &str) -> Result<String, UserError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pw.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UserError::Hash(e.to_string()))
}

/// Whether `pw` matches the PHC string `phc` (a malformed string matches nothing).
fn matches(phc: &str, pw: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A hash to check against when the account does not exist, so that an unknown
/// name costs as long as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("anjuan-dummy-password").unwrap_or_default())
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> UserError + '_ {
    move |source| UserError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The accounts of the office (none when the users file does not exist).
pub fn list(office: &Path) -> Result<Vec<User>, UserError> {
    read(&office.join(USERS_FILE))
}

fn read(path: &Path) -> Result<Vec<User>, UserError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(path)(e)),
    };
    let corrupt = |message: String| UserError::Corrupt {
        path: path.to_path_buf(),
        message,
    };
    let file: UsersFile = toml::from_str(&text).map_err(|e| corrupt(e.message().to_string()))?;
    if file.schema != SCHEMA {
        return Err(corrupt(format!(
            "schema `{}`, expected {SCHEMA}",
            file.schema
        )));
    }
    Ok(file.users)
}

fn write(path: &Path, users: &[User]) -> Result<(), UserError> {
    let file = UsersFile {
        schema: SCHEMA.into(),
        users: users.to_vec(),
    };
    let body = toml::to_string(&file).map_err(|e| UserError::Hash(e.to_string()))?;
    let text = format!(
        "# anjuan 账号 (accounts): written by `anjuan user`; do not edit by hand.\n\
         # Passwords are stored only as argon2id hashes.\n{body}"
    );
    crate::fsutil::write_secret(path, text.as_bytes())?;
    Ok(())
}

/// Runs `change` on the accounts under the users lock, and writes them back if it
/// succeeds.
fn modify<T>(
    office: &Path,
    change: impl FnOnce(&mut Vec<User>) -> Result<T, UserError>,
) -> Result<T, UserError> {
    let dir = state_dir(office);
    ensure_state_dir(office).map_err(io(&dir))?;
    let lock_path = office.join(USERS_LOCK);
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(0o600);
    }
    let lock = o.open(&lock_path).map_err(io(&lock_path))?;
    lock.lock().map_err(io(&lock_path))?;
    // Temporaries of writers that died mid-write (never a live one's).
    crate::fsutil::sweep(&dir);
    let path = office.join(USERS_FILE);
    let mut users = read(&path)?;
    let out = change(&mut users)?;
    write(&path, &users)?;
    drop(lock);
    Ok(out)
}

fn enabled_admins(users: &[User]) -> usize {
    users
        .iter()
        .filter(|u| u.role == Role::Admin && !u.disabled)
        .count()
}

fn find<'a>(users: &'a mut [User], name: &str) -> Result<&'a mut User, UserError> {
    users
        .iter_mut()
        .find(|u| u.name == name)
        .ok_or_else(|| UserError::Unknown(crate::diag::terminal_text(name)))
}

/// Adds an account. The first account of an office must be a 管理员, so that
/// someone can manage the rest.
pub fn add(office: &Path, name: &str, role: Role, password: &str) -> Result<User, UserError> {
    check_name(name)?;
    check_password(password)?;
    let hash = hash_password(password)?;
    modify(office, |users| {
        if users.iter().any(|u| u.name == name) {
            return Err(UserError::Exists(crate::diag::terminal_text(name)));
        }
        if role != Role::Admin && enabled_admins(users) == 0 {
            return Err(UserError::NoAdmin);
        }
        let t = now();
        let u = User {
            name: name.to_string(),
            role,
            hash,
            disabled: false,
            created: t.clone(),
            changed: t,
            token_sha256: None,
        };
        users.push(u.clone());
        Ok(u)
    })
}

/// Removes an account; the last enabled 管理员 cannot be removed.
pub fn remove(office: &Path, name: &str) -> Result<User, UserError> {
    modify(office, |users| {
        let i = users
            .iter()
            .position(|u| u.name == name)
            .ok_or_else(|| UserError::Unknown(crate::diag::terminal_text(name)))?;
        let u = users.remove(i);
        if u.role == Role::Admin && !u.disabled && enabled_admins(users) == 0 {
            return Err(UserError::LastAdmin);
        }
        Ok(u)
    })
}

/// Disables (or enables again) an account: a disabled account cannot log in.
/// The last enabled 管理员 cannot be disabled.
pub fn set_disabled(office: &Path, name: &str, disabled: bool) -> Result<User, UserError> {
    modify(office, |users| {
        let u = find(users, name)?;
        u.disabled = disabled;
        u.changed = now();
        let u = u.clone();
        if enabled_admins(users) == 0 {
            return Err(UserError::LastAdmin);
        }
        Ok(u)
    })
}

/// Sets an account's password.
pub fn set_password(office: &Path, name: &str, password: &str) -> Result<User, UserError> {
    check_password(password)?;
    let hash = hash_password(password)?;
    modify(office, |users| {
        let u = find(users, name)?;
        u.hash = hash;
        u.changed = now();
        Ok(u.clone())
    })
}

/// Checks a login: the account when `name` exists, is enabled and `password` is
/// its password; [`UserError::Refused`] otherwise, the same error whichever it
/// was, and the same work (one argon2 verification) for an unknown name.
pub fn verify_password(office: &Path, name: &str, password: &str) -> Result<User, UserError> {
    let users = list(office)?;
    let user = users.into_iter().find(|u| u.name == name);
    let phc = user.as_ref().map_or(dummy_hash(), |u| u.hash.as_str());
    // Over-long input is refused after the same work, not before it.
    let pw = if password.len() > PASSWORD_MAX {
        ""
    } else {
        password
    };
    let ok = matches(phc, pw) && password.len() <= PASSWORD_MAX;
    match user {
        Some(u) if ok && !u.disabled => Ok(u),
        _ => Err(UserError::Refused),
    }
}

/// The prefix of every API token, so a leaked one is recognisable (secret
/// scanners) and never mistaken for a password.
pub const TOKEN_PREFIX: &str = "anjuan_";

fn token_digest(token: &str) -> String {
    use sha2::{Digest as _, Sha256};
    let d = Sha256::digest(token.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Issues a new API token to an enabled account (for `Authorization: Bearer` on
/// the desk's `/api/v1`), replacing any earlier one. Returns the token: it is
/// shown once; only its digest is kept.
pub fn issue_token(office: &Path, name: &str) -> Result<String, UserError> {
    use argon2::password_hash::rand_core::RngCore as _;
    use base64::Engine as _;
    let mut raw = [0u8; 32];
    OsRng.fill_bytes(&mut raw);
    let token = format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    );
    let digest = token_digest(&token);
    modify(office, |users| {
        let u = find(users, name)?;
        if u.disabled {
            return Err(UserError::Refused);
        }
        u.token_sha256 = Some(digest);
        u.changed = now();
        Ok(())
    })?;
    Ok(token)
}

/// Withdraws an account's API token; true when it had one.
pub fn revoke_token(office: &Path, name: &str) -> Result<bool, UserError> {
    modify(office, |users| {
        let u = find(users, name)?;
        let had = u.token_sha256.take().is_some();
        if had {
            u.changed = now();
        }
        Ok(had)
    })
}

/// The enabled account an API token belongs to; [`UserError::Refused`] for a
/// token that is unknown, withdrawn, malformed or of a disabled account.
pub fn by_token(office: &Path, token: &str) -> Result<User, UserError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Err(UserError::Refused);
    }
    let digest = token_digest(token);
    let found = list(office)?.into_iter().find(|u| {
        u.token_sha256
            .as_deref()
            .is_some_and(|d| constant_time_eq(d.as_bytes(), digest.as_bytes()))
    });
    match found {
        Some(u) if !u.disabled => Ok(u),
        _ => Err(UserError::Refused),
    }
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A change to the office's accounts, as a face asks for it.
#[derive(Clone, Copy, Debug)]
pub enum Change<'a> {
    Add {
        name: &'a str,
        role: Role,
        password: &'a str,
    },
    Remove {
        name: &'a str,
    },
    Disable {
        name: &'a str,
    },
    Enable {
        name: &'a str,
    },
    Password {
        name: &'a str,
        password: &'a str,
    },
    Token {
        name: &'a str,
    },
    RevokeToken {
        name: &'a str,
    },
}

/// What a [`Change`] made.
#[derive(Debug)]
pub enum Changed {
    /// The account as it is now (or as it was, when removed).
    User(User),
    /// A new API token: shown once, never stored.
    Token(String),
    /// Whether a token was withdrawn.
    Revoked(bool),
}

/// A change made, and whether its audit line could not be written.
#[derive(Debug)]
pub struct ChangeDone {
    pub changed: Changed,
    pub unrecorded: Option<crate::office::audit::AuditError>,
}

/// Makes an account change and writes its audit line (`user.add`,
/// `user.remove`, `user.disable`, `user.enable`, `user.password`, `user.token`,
/// `user.token.revoke`) as `actor`: the command line and the desk's 账户 page
/// both change accounts through this.
pub fn change(office: &Path, actor: &str, c: Change<'_>) -> Result<ChangeDone, UserError> {
    use crate::office::audit::{append, AuditAction, Record};
    let (changed, action, target, detail) = match c {
        Change::Add {
            name,
            role,
            password,
        } => {
            let u = add(office, name, role, password)?;
            let d = format!("角色 {}", u.role);
            (Changed::User(u), AuditAction::UserAdd, name, d)
        }
        Change::Remove { name } => {
            let u = remove(office, name)?;
            let d = format!("角色 {}", u.role);
            (Changed::User(u), AuditAction::UserRemove, name, d)
        }
        Change::Disable { name } => (
            Changed::User(set_disabled(office, name, true)?),
            AuditAction::UserDisable,
            name,
            String::new(),
        ),
        Change::Enable { name } => (
            Changed::User(set_disabled(office, name, false)?),
            AuditAction::UserEnable,
            name,
            String::new(),
        ),
        Change::Password { name, password } => (
            Changed::User(set_password(office, name, password)?),
            AuditAction::UserPassword,
            name,
            String::new(),
        ),
        Change::Token { name } => (
            Changed::Token(issue_token(office, name)?),
            AuditAction::UserToken,
            name,
            String::new(),
        ),
        Change::RevokeToken { name } => (
            Changed::Revoked(revoke_token(office, name)?),
            AuditAction::UserTokenRevoke,
            name,
            String::new(),
        ),
    };
    let r = Record {
        actor,
        action,
        target,
        detail: &detail,
    };
    Ok(ChangeDone {
        changed,
        unrecorded: append(office, &r).err(),
    })
}

/// A login attempt and its audit line.
pub struct Login {
    /// The account, or why it was refused.
    pub result: Result<User, UserError>,
    /// Set when the attempt could not be recorded (the caller decides whether to
    /// let the user in regardless; the desk should not).
    pub unrecorded: Option<crate::office::audit::AuditError>,
}

/// Checks a login ([`verify_password`]) and records it in the audit trail:
/// `login` by the account, or `login.failed`. A failed attempt names the account
/// only when one of that name exists: a password typed into the name field must
/// not end up in the log. `from` says where the attempt came from (`desk
/// 192.0.2.7`), kept in `detail`.
pub fn login(office: &Path, name: &str, password: &str, from: &str) -> Login {
    use crate::office::audit::{append, AuditAction, Record};
    let result = verify_password(office, name, password);
    let known = match &result {
        Ok(_) => true,
        Err(_) => list(office).is_ok_and(|us| us.iter().any(|u| u.name == name)),
    };
    let target = if known { name } else { "(unknown account)" };
    let (actor, action) = match &result {
        Ok(_) => (name, AuditAction::Login),
        Err(_) => ("(anonymous)", AuditAction::LoginFailed),
    };
    let r = Record {
        actor,
        action,
        target,
        detail: from,
    };
    Login {
        unrecorded: append(office, &r).err(),
        result,
    }
}

/// Records a logout by `name`.
pub fn logout(
    office: &Path,
    name: &str,
    from: &str,
) -> Result<(), crate::office::audit::AuditError> {
    use crate::office::audit::{append, AuditAction, Record};
    append(
        office,
        &Record {
            actor: name,
            action: AuditAction::Logout,
            target: name,
            detail: from,
        },
    )
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_in_chinese_and_english() {
        for r in Role::ALL {
            assert_eq!(r.zh().parse::<Role>().unwrap(), r);
            assert_eq!(r.en().parse::<Role>().unwrap(), r);
            assert_eq!(r.en().to_uppercase().parse::<Role>().unwrap(), r);
            assert_eq!(r.to_string(), r.zh());
        }
        assert!(matches!("boss".parse::<Role>(), Err(UserError::Role(_))));
        assert!("".parse::<Role>().is_err());
    }

    #[test]
    fn permissions_follow_the_roles() {
        assert!(Role::Clerk.may(Action::RegisterCase));
        assert!(Role::Clerk.may(Action::ViewIdentity));
        assert!(!Role::Clerk.may(Action::Pack));
        assert!(Role::Leader.may(Action::SignOff));
        assert!(Role::Leader.may(Action::ViewIdentity));
        assert!(!Role::Archivist.may(Action::ViewIdentity));
        assert!(!Role::Receiver.may(Action::ViewIdentity));
        assert!(!Role::Admin.may(Action::ViewIdentity));
        assert!(Role::Archivist.may(Action::Pack));
        assert!(Role::Receiver.may(Action::IssueReceipt));
        assert!(!Role::Receiver.may(Action::ManageUsers));
        assert!(Role::Admin.may(Action::ManageUsers));
        assert!(!Role::Admin.may(Action::RegisterCase));
        assert!(Role::Clerk.may(Action::ImportLedger) && Role::Clerk.may(Action::ExportLedger));
        assert!(!Role::Leader.may(Action::ImportLedger) && Role::Leader.may(Action::ExportLedger));
        assert!(!Role::Receiver.may(Action::ExportLedger));
        assert!(!Role::Clerk.may(Action::VerifyBundle));
        for r in Role::ALL {
            assert!(r.may(Action::Login) && r.may(Action::ViewCases));
        }
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("李静").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name(" 李静").is_err());
        assert!(check_name("李\u{202E}静").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"长".repeat(NAME_MAX + 1)).is_err());
        assert!(check_name(&"长".repeat(NAME_MAX)).is_ok());
    }

    #[test]
    fn hashed_never_plain_and_verified() {
        let dir = tempfile::tempdir().unwrap();
        let office = dir.path();
        add(office, "李静", Role::Admin, "correct horse battery").unwrap();
        let text = std::fs::read_to_string(office.join(USERS_FILE)).unwrap();
        assert!(!text.contains("correct horse battery"), "{text}");
        assert!(text.contains("$argon2id$"), "{text}");
        assert!(verify_password(office, "李静", "correct horse battery").is_ok());
        assert!(matches!(
            verify_password(office, "李静", "wrong horse battery"),
            Err(UserError::Refused)
        ));
        assert!(matches!(
            verify_password(office, "nobody", "correct horse battery"),
            Err(UserError::Refused)
        ));
        assert!(format!("{:?}", list(office).unwrap())
            .find("argon2")
            .is_none());
    }

    #[test]
    fn the_last_admin_remains() {
        let dir = tempfile::tempdir().unwrap();
        let office = dir.path();
        assert!(matches!(
            add(office, "王", Role::Clerk, "password1"),
            Err(UserError::NoAdmin)
        ));
        add(office, "李静", Role::Admin, "password1").unwrap();
        add(office, "王", Role::Clerk, "password1").unwrap();
        assert!(matches!(remove(office, "李静"), Err(UserError::LastAdmin)));
        assert!(matches!(
            set_disabled(office, "李静", true),
            Err(UserError::LastAdmin)
        ));
        // Refused changes leave the file as it was.
        assert_eq!(list(office).unwrap().len(), 2);
        assert!(!list(office).unwrap()[0].disabled);
        add(office, "赵", Role::Admin, "password2").unwrap();
        remove(office, "李静").unwrap();
        assert!(matches!(remove(office, "李静"), Err(UserError::Unknown(_))));
    }

    #[test]
    fn disabled_accounts_cannot_log_in() {
        let dir = tempfile::tempdir().unwrap();
        let office = dir.path();
        add(office, "李静", Role::Admin, "password1").unwrap();
        add(office, "王", Role::Clerk, "password1").unwrap();
        set_disabled(office, "王", true).unwrap();
        assert!(verify_password(office, "王", "password1").is_err());
        set_disabled(office, "王", false).unwrap();
        assert!(verify_password(office, "王", "password1").is_ok());
        set_password(office, "王", "another pw").unwrap();
        assert!(verify_password(office, "王", "password1").is_err());
        assert!(verify_password(office, "王", "another pw").is_ok());
    }

    #[test]
    fn logins_are_recorded_without_what_was_typed_for_unknown_names() {
        let dir = tempfile::tempdir().unwrap();
        let office = dir.path();
        add(office, "李静", Role::Admin, "password1").unwrap();
        let ok = login(office, "李静", "password1", "desk 192.0.2.7");
        assert!(ok.result.is_ok() && ok.unrecorded.is_none());
        assert!(login(office, "李静", "wrong one", "desk").result.is_err());
        // A password typed into the name field.
        assert!(login(office, "hunter2-secret", "x", "desk").result.is_err());
        logout(office, "李静", "desk").unwrap();
        let log = std::fs::read_to_string(office.join(crate::office::audit::AUDIT_FILE)).unwrap();
        assert!(!log.contains("hunter2-secret"), "{log}");
        let actions: Vec<String> = crate::office::audit::read(office)
            .unwrap()
            .into_iter()
            .map(|e| format!("{} {} {}", e.actor, e.action, e.target))
            .collect();
        assert_eq!(
            actions,
            [
                "李静 login 李静",
                "(anonymous) login.failed 李静",
                "(anonymous) login.failed (unknown account)",
                "李静 logout 李静",
            ]
        );
        assert!(crate::office::audit::verify(office).unwrap().intact());
    }

    #[test]
    fn weak_passwords_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            add(dir.path(), "李静", Role::Admin, "short"),
            Err(UserError::Short)
        ));
        assert!(matches!(
            add(
                dir.path(),
                "李静",
                Role::Admin,
                &"x".repeat(PASSWORD_MAX + 1)
            ),
            Err(UserError::Long)
        ));
    }

    #[test]
    fn a_damaged_file_is_an_error_not_an_empty_list() {
        let dir = tempfile::tempdir().unwrap();
        let office = dir.path();
        std::fs::create_dir(office.join(".anjuan")).unwrap();
        std::fs::write(office.join(USERS_FILE), "schema = 3\n[[").unwrap();
        assert!(matches!(list(office), Err(UserError::Corrupt { .. })));
        assert!(matches!(
            add(office, "李静", Role::Admin, "password1"),
            Err(UserError::Corrupt { .. })
        ));
    }
}
