//! The audit trail (操作日志): every write to an office folder, one line each,
//! hash-chained so that no line can be edited, removed or reordered quietly.
//!
//! The log is `<office>/.anjuan/audit.log` ([`AUDIT_FILE`]), JSON lines (UTF-8,
//! `\n`-terminated), each an object with exactly these fields in this order:
//!
//! ```json
//! {"seq":1,"time":"2026-12-07T05:40:10.123Z","actor":"cli:lijing","action":"user.add","target":"王芳","detail":"角色 登记员","prev":"000…000","hash":"9f2c…"}
//! ```
//!
//! - `seq` counts from 1, one more on each line.
//! - `time` is RFC 3339 in UTC, milliseconds.
//! - `actor` is who did it: an account name (the desk), or `cli:<name>` for the
//!   command line (`$ANJUAN_USER`, else the login name: the command line does not
//!   log in, so this is a claim, marked as such).
//! - `action` is one of [`AuditAction`]'s names (`case.create`, `pack`, …);
//!   `target` what it was done to (a case number, an account, a file);
//!   `detail` free text, personal numbers masked ([`mask_text`]) before writing.
//! - `prev` is the previous line's `hash` ([`GENESIS`] on the first line).
//! - `hash` is the SHA-256 (lower-case hex) of the line's canonical form without
//!   `hash`: `{"seq":…,"time":…,"actor":…,"action":…,"target":…,"detail":…,"prev":…}`
//!   as serde_json writes it compactly (fields in this order, no spaces).
//!
//! A line must be byte for byte its canonical form (with `hash` last): then
//! [`verify`] finds a line whose content was edited (its hash no longer matches),
//! an edit whose hash was recomputed (the next line's `prev` no longer matches),
//! removed lines (a gap in `seq`), lines out of order, duplicates, and a cut-off
//! last line, and names each by line number and `seq`. What the file alone cannot
//! show is the removal of its last lines: compare the head (`anjuan audit show`)
//! with one noted elsewhere.
//!
//! Writers append under an exclusive advisory lock (`flock`) on the log itself,
//! read the last line's hash under it, write one line and sync it to disk, so the
//! command line and the desk can append at the same time. A damaged last line
//! (an interrupted write) is left in place for [`verify`] to report; the next
//! line chains to the last intact one.

use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::case::idnum::mask_text;

/// The log, relative to the office folder.
pub const AUDIT_FILE: &str = ".anjuan/audit.log";
/// `prev` of the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Longest `detail` and `target` kept, in characters (longer text is cut, with `…`).
const TEXT_MAX: usize = 2000;

/// What was done. The log stores [`AuditAction::as_str`]; readers accept any
/// name, so a newer anjuan's actions still verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    CaseCreate,
    CaseEdit,
    PaperRender,
    PaperSign,
    DeliveryRecord,
    CaseClose,
    Pack,
    /// The desk's 归档: a pack job started, done, failed.
    PackStart,
    PackDone,
    PackFailed,
    /// 领导审签 of a handling opinion.
    OpinionSignOff,
    /// 延期: requested by the clerk, approved or rejected by the head.
    ExtensionRequest,
    ExtensionApprove,
    ExtensionReject,
    Receipt,
    /// A bundle received and checked (四性检测) at the desk.
    BundleVerify,
    /// A bundle accepted and kept, its receipt issued.
    BundleAccept,
    /// A ledger spreadsheet imported.
    LedgerImport,
    /// The ledger exported.
    LedgerExport,
    UserAdd,
    UserRemove,
    UserDisable,
    UserEnable,
    UserPassword,
    UserToken,
    UserTokenRevoke,
    Login,
    Logout,
    LoginFailed,
    /// Logins refused by the rate limit (once per blocked account or address
    /// and window, so a flood cannot flood the log).
    LoginThrottled,
    /// A request refused for the account's role (the desk).
    AccessDenied,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::CaseCreate => "case.create",
            AuditAction::CaseEdit => "case.edit",
            AuditAction::PaperRender => "paper.render",
            AuditAction::PaperSign => "paper.sign",
            AuditAction::DeliveryRecord => "delivery.record",
            AuditAction::CaseClose => "case.close",
            AuditAction::Pack => "pack",
            AuditAction::PackStart => "pack.start",
            AuditAction::PackDone => "pack.done",
            AuditAction::PackFailed => "pack.failed",
            AuditAction::OpinionSignOff => "opinion.signoff",
            AuditAction::ExtensionRequest => "extension.request",
            AuditAction::ExtensionApprove => "extension.approve",
            AuditAction::ExtensionReject => "extension.reject",
            AuditAction::Receipt => "receipt",
            AuditAction::BundleVerify => "bundle.verify",
            AuditAction::BundleAccept => "bundle.accept",
            AuditAction::LedgerImport => "ledger.import",
            AuditAction::LedgerExport => "ledger.export",
            AuditAction::UserAdd => "user.add",
            AuditAction::UserRemove => "user.remove",
            AuditAction::UserDisable => "user.disable",
            AuditAction::UserEnable => "user.enable",
            AuditAction::UserPassword => "user.password",
            AuditAction::UserToken => "user.token",
            AuditAction::UserTokenRevoke => "user.token.revoke",
            AuditAction::Login => "login",
            AuditAction::Logout => "logout",
            AuditAction::LoginFailed => "login.failed",
            AuditAction::LoginThrottled => "login.throttled",
            AuditAction::AccessDenied => "access.denied",
        }
    }
}

/// One line of the log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub seq: u64,
    /// RFC 3339, UTC.
    pub time: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    /// The previous line's hash.
    pub prev: String,
    /// SHA-256 of this line's canonical form without `hash`.
    pub hash: String,
}

/// The hashed part of a line: [`Entry`] without `hash`, in the same order.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: u64,
    time: &'a str,
    actor: &'a str,
    action: &'a str,
    target: &'a str,
    detail: &'a str,
    prev: &'a str,
}

impl Entry {
    /// The hash this line's content calls for.
    pub fn content_hash(&self) -> String {
        let h = Hashed {
            seq: self.seq,
            time: &self.time,
            actor: &self.actor,
            action: &self.action,
            target: &self.target,
            detail: &self.detail,
            prev: &self.prev,
        };
        let bytes = serde_json::to_vec(&h).unwrap_or_default();
        hex(&Sha256::digest(&bytes))
    }

    /// The line as written (without its `\n`).
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("{path}: 无法写入操作日志 (cannot append to the audit log): {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: 无法读取操作日志 (cannot read the audit log): {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl AuditError {
    pub fn remedy(&self) -> &'static str {
        match self {
            AuditError::Io { .. } => {
                "检查办公室目录中 .anjuan/ 的权限与磁盘空间；已完成的操作不受影响，但未记入日志，请告知管理员"
            }
            AuditError::Read { .. } => "检查路径与权限：给出办公室目录（含 .anjuan/audit.log）",
        }
    }
}

/// What to record.
#[derive(Clone, Debug)]
pub struct Record<'a> {
    pub actor: &'a str,
    pub action: AuditAction,
    pub target: &'a str,
    pub detail: &'a str,
}

/// Text as the log keeps it: personal numbers masked, at most [`TEXT_MAX`] characters.
fn clean(s: &str) -> String {
    let m = mask_text(s);
    if m.chars().count() <= TEXT_MAX {
        return m;
    }
    let mut t: String = m.chars().take(TEXT_MAX).collect();
    t.push('…');
    t
}

/// The command line's actor: `cli:` and `$ANJUAN_USER`, else the login name.
pub fn cli_actor() -> String {
    let name = ["ANJUAN_USER", "USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .or_else(os_user)
        .unwrap_or_else(|| "unknown".into());
    let name: String = name
        .trim()
        .chars()
        .filter(|c| !crate::case::validate::is_hidden_char(*c))
        .take(64)
        .collect();
    format!("cli:{name}")
}

/// The login name of the process's user where the environment does not say
/// (a service, cron): its uid (the owner of `/proc/self`) looked up in
/// `/etc/passwd`, else `uid<N>`.
fn os_user() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt as _;
        let uid = std::fs::metadata("/proc/self").ok()?.uid();
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        let name = passwd.lines().find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            (f.nth(1)?.parse::<u32>().ok()? == uid).then(|| name.to_string())
        });
        Some(name.unwrap_or_else(|| format!("uid{uid}")))
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Appends one line to the office's log and returns it.
pub fn append(office: &Path, r: &Record<'_>) -> Result<Entry, AuditError> {
    let mut v = append_all(office, std::slice::from_ref(r))?;
    // One record in, one entry out.
    Ok(v.pop().unwrap_or_default())
}

/// Appends one line per record, consecutive, under one lock and one sync (a
/// ledger import of thousands of cases), and returns them.
pub fn append_all(office: &Path, records: &[Record<'_>]) -> Result<Vec<Entry>, AuditError> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let path = office.join(AUDIT_FILE);
    let io = |source| AuditError::Io {
        path: path.clone(),
        source,
    };
    super::state::ensure_state_dir(office).map_err(io)?;
    let mut o = std::fs::OpenOptions::new();
    o.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(0o600);
    }
    let mut f = o.open(&path).map_err(io)?;
    f.lock().map_err(io)?;
    let (last, ends_clean) = last_entry(&mut f).map_err(io)?;
    let (mut seq, mut prev) = match last {
        Some(e) => (e.seq + 1, e.hash),
        None => (1, GENESIS.to_string()),
    };
    let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut text = String::new();
    if !ends_clean {
        // An interrupted write left a line without its end: close it, so that it
        // stays a (reported) line of its own.
        text.push('\n');
    }
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        let mut e = Entry {
            seq,
            time: time.clone(),
            actor: clean(r.actor),
            action: r.action.as_str().to_string(),
            target: clean(r.target),
            detail: clean(r.detail),
            prev,
            hash: String::new(),
        };
        e.hash = e.content_hash();
        text.push_str(&e.canonical());
        text.push('\n');
        seq += 1;
        prev = e.hash.clone();
        out.push(e);
    }
    f.write_all(text.as_bytes()).map_err(io)?;
    f.sync_data().map_err(io)?;
    Ok(out)
}

/// The last line that parses (scanning back from the end), and whether the file
/// is empty or ends with `\n`.
fn last_entry(f: &mut File) -> std::io::Result<(Option<Entry>, bool)> {
    let len = f.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok((None, true));
    }
    let mut chunk = 64 * 1024u64;
    loop {
        let start = len.saturating_sub(chunk);
        f.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity((len - start) as usize);
        std::io::Read::by_ref(f)
            .take(len - start)
            .read_to_end(&mut buf)?;
        let ends_clean = buf.last() == Some(&b'\n');
        let mut lines: Vec<&[u8]> = buf.split(|b| *b == b'\n').collect();
        // The first piece may be cut, unless the chunk starts the file.
        let whole_from = usize::from(start > 0);
        lines.drain(..whole_from.min(lines.len()));
        for l in lines.iter().rev() {
            if let Ok(e) = serde_json::from_slice::<Entry>(l) {
                return Ok((Some(e), ends_clean));
            }
        }
        if start == 0 {
            return Ok((None, ends_clean));
        }
        chunk = chunk.saturating_mul(4);
    }
}

/// All lines of the log that parse, in file order (none when there is no log).
pub fn read(office: &Path) -> Result<Vec<Entry>, AuditError> {
    let path = office.join(AUDIT_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(AuditError::Read { path, source }),
    };
    Ok(bytes
        .split(|b| *b == b'\n')
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect())
}

/// What [`verify`] can find.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Problem {
    /// Not a log line (not JSON, missing or extra fields, blank).
    Malformed { line: usize },
    /// The last line has no end: a write was cut off, or the file truncated.
    Truncated { line: usize },
    /// A line that is not exactly its canonical form (spacing, field order,
    /// escapes changed): edited, even if its values still hash right.
    NotCanonical { line: usize, seq: u64 },
    /// The line's content does not give its hash: edited after it was written.
    Edited { line: usize, seq: u64 },
    /// The line's `prev` is not the hash of the line before it in the chain
    /// (`seq - 1`, on line `prev_line`): that line was edited and re-hashed, or
    /// replaced.
    ChainBroken {
        line: usize,
        seq: u64,
        prev_line: usize,
    },
    /// Lines `from`..=`to` (by `seq`) are missing; `after_line` is the line
    /// before the gap (0: the start of the file).
    Removed {
        from: u64,
        to: u64,
        after_line: usize,
    },
    /// The line is out of order (`seq` not in its place).
    Reordered { line: usize, seq: u64 },
    /// A second line with a `seq` already seen on `first_line`.
    Duplicate {
        line: usize,
        seq: u64,
        first_line: usize,
    },
    /// The line with the anchor's `seq` (`--anchor SEQ:HASH`, a head noted
    /// elsewhere) has another hash.
    AnchorMismatch { line: usize, seq: u64 },
}

impl Problem {
    /// The line the problem is on (or after).
    pub fn line(&self) -> usize {
        match *self {
            Problem::Malformed { line }
            | Problem::Truncated { line }
            | Problem::NotCanonical { line, .. }
            | Problem::Edited { line, .. }
            | Problem::ChainBroken { line, .. }
            | Problem::Reordered { line, .. }
            | Problem::Duplicate { line, .. }
            | Problem::AnchorMismatch { line, .. } => line,
            Problem::Removed { after_line, .. } => after_line,
        }
    }

    /// One line for the terminal, in Chinese with the English term.
    pub fn message(&self) -> String {
        match *self {
            Problem::Malformed { line } => {
                format!("第 {line} 行不是日志记录 (malformed line)")
            }
            Problem::Truncated { line } => {
                format!("第 {line} 行（最后一行）不完整 (truncated): 写入被中断或文件被截断")
            }
            Problem::NotCanonical { line, seq } => format!(
                "第 {line} 行（seq {seq}）格式被改动 (not canonical): 与写入时的字节不同"
            ),
            Problem::Edited { line, seq } => {
                format!("第 {line} 行（seq {seq}）内容被改动 (edited): 摘要不符")
            }
            Problem::ChainBroken {
                line,
                seq,
                prev_line,
            } => format!(
                "第 {line} 行（seq {seq}）的 prev 与第 {prev_line} 行的摘要不符 (chain broken): 第 {prev_line} 行被改动后重算了摘要，或被替换"
            ),
            Problem::Removed {
                from,
                to,
                after_line,
            } => {
                let which = if from == to {
                    format!("seq {from}")
                } else {
                    format!("seq {from}–{to}")
                };
                if after_line == 0 {
                    format!("文件开头缺少 {which} (removed)")
                } else {
                    format!("第 {after_line} 行之后缺少 {which} (removed)")
                }
            }
            Problem::Reordered { line, seq } => {
                format!("第 {line} 行（seq {seq}）顺序不对 (reordered)")
            }
            Problem::Duplicate {
                line,
                seq,
                first_line,
            } => format!("第 {line} 行（seq {seq}）与第 {first_line} 行重复 (duplicate)"),
            Problem::AnchorMismatch { line, seq } => format!(
                "第 {line} 行（seq {seq}）的摘要与记下的锚点不符 (anchor mismatch): 日志在该行或之前被改写"
            ),
        }
    }
}

/// What [`verify`] found.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Verified {
    /// `anjuan-audit-verify/1`.
    pub schema: String,
    pub file: String,
    /// Lines in the file.
    pub lines: usize,
    /// The highest `seq` and its hash (the head, to note elsewhere).
    pub head_seq: u64,
    pub head_hash: Option<String>,
    /// Every problem, in line order; empty when the log is intact.
    pub problems: Vec<Problem>,
    /// seq → (line, hash), for [`Verified::check_anchor`].
    #[serde(skip)]
    #[schemars(skip)]
    hashes: std::collections::BTreeMap<u64, (usize, String)>,
}

impl Verified {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }

    /// Checks a head noted earlier (`seq` and its `hash`): the log must still
    /// hold that line with that hash. Finds what the file alone cannot: its last
    /// lines removed (all of them, even). `None` when the anchor holds.
    pub fn check_anchor(&self, seq: u64, hash: &str) -> Option<Problem> {
        match self.hashes.get(&seq) {
            Some((_, h)) if h == hash => None,
            Some((line, _)) => Some(Problem::AnchorMismatch { line: *line, seq }),
            None => Some(Problem::Removed {
                from: self.head_seq + 1,
                to: seq,
                after_line: self.lines,
            }),
        }
    }

    /// [`Verified::check_anchor`], its problem added to [`Verified::problems`].
    pub fn anchor(&mut self, seq: u64, hash: &str) {
        if let Some(p) = self.check_anchor(seq, hash) {
            self.problems.push(p);
            self.problems.sort_by_key(|p| p.line());
        }
    }
}

/// Checks the office's whole log (an absent log is intact and empty).
pub fn verify(office: &Path) -> Result<Verified, AuditError> {
    let path = office.join(AUDIT_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => return Err(AuditError::Read { path, source }),
    };
    let mut v = verify_bytes(&bytes);
    v.file = path.display().to_string();
    Ok(v)
}

/// [`verify`] on the log's bytes.
pub fn verify_bytes(bytes: &[u8]) -> Verified {
    let mut problems = Vec::new();
    let mut raw: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // The piece after the last `\n` is empty in a whole file.
    let cut = raw.last().is_some_and(|l| !l.is_empty());
    if !cut {
        raw.pop();
    }
    let n = raw.len();
    // (line number from 1, entry)
    let mut entries: Vec<(usize, Entry)> = Vec::new();
    for (i, l) in raw.iter().enumerate() {
        let line = i + 1;
        match serde_json::from_slice::<Entry>(l) {
            Ok(e) if !(cut && line == n) => {
                if e.content_hash() != e.hash {
                    problems.push(Problem::Edited { line, seq: e.seq });
                } else if e.canonical().as_bytes() != *l {
                    problems.push(Problem::NotCanonical { line, seq: e.seq });
                }
                entries.push((line, e));
            }
            _ if cut && line == n => problems.push(Problem::Truncated { line }),
            _ => problems.push(Problem::Malformed { line }),
        }
    }
    // seq → (line, hash) of its first line.
    let mut by_seq: std::collections::BTreeMap<u64, (usize, &str)> = Default::default();
    for (line, e) in &entries {
        match by_seq.get(&e.seq) {
            Some(&(first_line, _)) => problems.push(Problem::Duplicate {
                line: *line,
                seq: e.seq,
                first_line,
            }),
            None => {
                by_seq.insert(e.seq, (*line, e.hash.as_str()));
            }
        }
    }
    // The chain: each line's prev against the hash of seq - 1, wherever it is.
    for (line, e) in &entries {
        if e.seq == 1 || e.seq == 0 {
            if e.prev != GENESIS {
                problems.push(Problem::ChainBroken {
                    line: *line,
                    seq: e.seq,
                    prev_line: 0,
                });
            }
        } else if let Some(&(prev_line, h)) = by_seq.get(&(e.seq - 1)) {
            if e.prev != h {
                problems.push(Problem::ChainBroken {
                    line: *line,
                    seq: e.seq,
                    prev_line,
                });
            }
        }
    }
    // Gaps: seqs missing from 1 to the highest.
    let mut expect = 1u64;
    let mut after_line = 0usize;
    for (&seq, &(line, _)) in &by_seq {
        if seq > expect {
            problems.push(Problem::Removed {
                from: expect,
                to: seq - 1,
                after_line,
            });
        }
        expect = seq.saturating_add(1);
        after_line = line;
    }
    // Order: the lines (first of each seq) out of place. Two explanations: the
    // lines whose seq's rank is not their position (names both lines of a swap),
    // and the lines off one longest increasing run of seq (names a line moved
    // far with one report, not every line it passed). The shorter, unless the
    // first is at most twice as long.
    let firsts: Vec<(usize, u64)> = entries
        .iter()
        .filter(|(line, e)| by_seq.get(&e.seq).is_some_and(|(l, _)| l == line))
        .map(|(line, e)| (*line, e.seq))
        .collect();
    let seqs: Vec<u64> = firsts.iter().map(|x| x.1).collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    let by_rank: Vec<bool> = seqs.iter().zip(&sorted).map(|(a, b)| a == b).collect();
    let by_run = longest_increasing(&seqs);
    let off = |keep: &[bool]| keep.iter().filter(|k| !**k).count();
    let keep = if off(&by_rank) <= 2 * off(&by_run) {
        by_rank
    } else {
        by_run
    };
    for (i, (line, seq)) in firsts.iter().enumerate() {
        if !keep[i] {
            problems.push(Problem::Reordered {
                line: *line,
                seq: *seq,
            });
        }
    }
    problems.sort_by_key(|p| p.line());
    let head = by_seq.iter().next_back();
    Verified {
        schema: "anjuan-audit-verify/1".into(),
        file: String::new(),
        lines: n,
        head_seq: head.map_or(0, |(s, _)| *s),
        head_hash: head.map(|(_, (_, h))| h.to_string()),
        hashes: by_seq
            .iter()
            .map(|(s, (l, h))| (*s, (*l, h.to_string())))
            .collect(),
        problems,
    }
}

/// Marks the members of one longest strictly increasing subsequence of `v`
/// (patience sorting, O(n log n)).
fn longest_increasing(v: &[u64]) -> Vec<bool> {
    // tails[k]: index into v of the smallest tail of an increasing run of length k+1.
    let mut tails: Vec<usize> = Vec::new();
    let mut parent: Vec<Option<usize>> = vec![None; v.len()];
    for (i, &x) in v.iter().enumerate() {
        let k = tails.partition_point(|&t| v[t] < x);
        parent[i] = k.checked_sub(1).map(|p| tails[p]);
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut keep = vec![false; v.len()];
    let mut at = tails.last().copied();
    while let Some(i) = at {
        keep[i] = true;
        at = parent[i];
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_of(n: usize) -> (tempfile::TempDir, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..n {
            append(
                dir.path(),
                &Record {
                    actor: "cli:test",
                    action: AuditAction::CaseCreate,
                    target: &format!("XF-2026-{:04}", i + 1),
                    detail: "登记",
                },
            )
            .unwrap();
        }
        let text = std::fs::read_to_string(dir.path().join(AUDIT_FILE)).unwrap();
        let lines = text.lines().map(str::to_string).collect();
        (dir, lines)
    }

    fn check(lines: &[String]) -> Vec<Problem> {
        let mut text = lines.join("\n");
        text.push('\n');
        verify_bytes(text.as_bytes()).problems
    }

    #[test]
    fn an_intact_log_verifies() {
        let (dir, lines) = log_of(5);
        let v = verify(dir.path()).unwrap();
        assert!(v.intact(), "{:?}", v.problems);
        assert_eq!((v.lines, v.head_seq), (5, 5));
        assert!(lines[0].contains(GENESIS));
        assert!(verify_bytes(b"").intact());
    }

    #[test]
    fn personal_numbers_are_masked() {
        let dir = tempfile::tempdir().unwrap();
        append(
            dir.path(),
            &Record {
                actor: "cli:test",
                action: AuditAction::CaseEdit,
                target: "XF-2026-0001",
                detail: "身份证 11010519491231002X 电话 13912345678",
            },
        )
        .unwrap();
        let text = std::fs::read_to_string(dir.path().join(AUDIT_FILE)).unwrap();
        assert!(!text.contains("11010519491231002X") && !text.contains("13912345678"));
        assert!(text.contains("1101**********002X"), "{text}");
    }

    #[test]
    fn an_edited_field_is_named() {
        let (_d, mut lines) = log_of(5);
        lines[2] = lines[2].replace("XF-2026-0003", "XF-2026-0009");
        assert_eq!(check(&lines), vec![Problem::Edited { line: 3, seq: 3 }]);
    }

    #[test]
    fn an_edit_with_its_hash_recomputed_breaks_the_chain() {
        let (_d, mut lines) = log_of(5);
        let mut e: Entry = serde_json::from_str(&lines[1]).unwrap();
        e.target = "XF-2026-0099".into();
        e.hash = e.content_hash();
        lines[1] = e.canonical();
        assert_eq!(
            check(&lines),
            vec![Problem::ChainBroken {
                line: 3,
                seq: 3,
                prev_line: 2
            }]
        );
    }

    #[test]
    fn a_removed_line_is_named() {
        let (_d, mut lines) = log_of(5);
        lines.remove(2);
        assert_eq!(
            check(&lines),
            vec![Problem::Removed {
                from: 3,
                to: 3,
                after_line: 2
            }]
        );
        let (_d, mut lines) = log_of(3);
        lines.remove(0);
        assert_eq!(
            check(&lines),
            vec![Problem::Removed {
                from: 1,
                to: 1,
                after_line: 0
            }]
        );
    }

    #[test]
    fn swapped_lines_are_named() {
        let (_d, mut lines) = log_of(5);
        lines.swap(1, 3);
        let p = check(&lines);
        assert_eq!(
            p,
            vec![
                Problem::Reordered { line: 2, seq: 4 },
                Problem::Reordered { line: 4, seq: 2 }
            ]
        );
    }

    #[test]
    fn a_truncated_last_line_is_named_and_the_next_append_chains_past_it() {
        let (dir, _) = log_of(3);
        let path = dir.path().join(AUDIT_FILE);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 20]).unwrap();
        let v = verify(dir.path()).unwrap();
        assert_eq!(v.problems, vec![Problem::Truncated { line: 3 }]);
        let e = append(
            dir.path(),
            &Record {
                actor: "cli:test",
                action: AuditAction::Pack,
                target: "x",
                detail: "",
            },
        )
        .unwrap();
        assert_eq!(e.seq, 3);
        let v = verify(dir.path()).unwrap();
        assert_eq!(v.problems, vec![Problem::Malformed { line: 3 }]);
        assert_eq!(v.lines, 4);
    }

    #[test]
    fn reformatting_a_line_is_found() {
        let (_d, mut lines) = log_of(2);
        lines[0] = lines[0].replace(",\"time\"", ", \"time\"");
        assert_eq!(
            check(&lines),
            vec![Problem::NotCanonical { line: 1, seq: 1 }]
        );
    }

    #[test]
    fn duplicates_and_junk_are_named() {
        let (_d, mut lines) = log_of(3);
        lines.push(lines[2].clone());
        lines.insert(1, "not json".into());
        assert_eq!(
            check(&lines),
            vec![
                Problem::Malformed { line: 2 },
                Problem::Duplicate {
                    line: 5,
                    seq: 3,
                    first_line: 4
                }
            ]
        );
    }

    #[test]
    fn concurrent_appends_from_threads_keep_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        let office = dir.path().to_path_buf();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let office = office.clone();
                std::thread::spawn(move || {
                    for i in 0..20 {
                        append(
                            &office,
                            &Record {
                                actor: &format!("t{t}"),
                                action: AuditAction::PaperRender,
                                target: &i.to_string(),
                                detail: "",
                            },
                        )
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let v = verify(&office).unwrap();
        assert!(v.intact(), "{:?}", v.problems);
        assert_eq!((v.lines, v.head_seq), (160, 160));
    }

    #[test]
    fn adjacent_swaps_and_far_moves_are_named() {
        let (_d, mut lines) = log_of(4);
        lines.swap(1, 2);
        assert_eq!(
            check(&lines),
            vec![
                Problem::Reordered { line: 2, seq: 3 },
                Problem::Reordered { line: 3, seq: 2 }
            ]
        );
        let (_d, mut lines) = log_of(8);
        let moved = lines.remove(1);
        lines.push(moved);
        assert_eq!(check(&lines), vec![Problem::Reordered { line: 8, seq: 2 }]);
    }

    #[test]
    fn a_batch_is_consecutive_and_chained() {
        let (dir, _) = log_of(2);
        let targets: Vec<String> = (0..50).map(|i| format!("XF-2026-{i:04}")).collect();
        let records: Vec<Record<'_>> = targets
            .iter()
            .map(|t| Record {
                actor: "cli:test",
                action: AuditAction::CaseCreate,
                target: t,
                detail: "台账导入",
            })
            .collect();
        let out = append_all(dir.path(), &records).unwrap();
        assert_eq!((out[0].seq, out[49].seq), (3, 52));
        assert!(append_all(dir.path(), &[]).unwrap().is_empty());
        let v = verify(dir.path()).unwrap();
        assert!(v.intact(), "{:?}", v.problems);
        assert_eq!(v.head_seq, 52);
    }

    #[test]
    fn every_single_byte_change_is_found() {
        let (_d, lines) = log_of(3);
        let text = lines.join("\n") + "\n";
        for i in 0..text.len() {
            let mut b = text.clone().into_bytes();
            b[i] ^= 1;
            let v = verify_bytes(&b);
            assert!(!v.intact(), "byte {i} changed, not found");
        }
        // Dropping the last line is the one change the file alone cannot show;
        // an anchor noted elsewhere can.
        let head: Entry = serde_json::from_str(&lines[2]).unwrap();
        let cut = lines[..2].join("\n") + "\n";
        let v = verify_bytes(cut.as_bytes());
        assert!(v.intact());
        let p = v.check_anchor(head.seq, &head.hash);
        assert_eq!(
            p,
            Some(Problem::Removed {
                from: 3,
                to: 3,
                after_line: 2
            })
        );
        assert_eq!(
            verify_bytes(text.as_bytes()).check_anchor(3, &head.hash),
            None
        );
        assert!(matches!(
            verify_bytes(text.as_bytes()).check_anchor(3, GENESIS),
            Some(Problem::AnchorMismatch { seq: 3, line: 3 })
        ));
    }

    #[test]
    fn longest_increasing_keeps_one_run() {
        let keep = longest_increasing(&[1, 2, 5, 3, 4, 6]);
        assert_eq!(keep, vec![true, true, false, true, true, true]);
        assert!(longest_increasing(&[]).is_empty());
    }
}
