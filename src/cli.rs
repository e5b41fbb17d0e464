//! Command-line definitions (clap). No behaviour here: see [`crate::app`].

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "anjuan",
    version,
    about = "案卷 anjuan — case records, papers and archives for petition offices (信访办)",
    long_about = "案卷 anjuan: validate petition case records, track statutory deadlines, \
                  render GB/T 9704 papers and build signed archive bundles.\n\
                  校验信访案件记录、跟踪法定期限、生成公文与归档案卷。"
)]
pub struct Cli {
    /// Office configuration (默认在案件所在目录及其上级目录中查找 anjuan.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 校验案件记录 (validate case files): types, stage prerequisites, identity numbers, time limits.
    Check {
        /// Case files or folders (an office folder: its cases/ is checked).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Judge open time limits as of this date (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<crate::case::date::Date>,
        /// Print findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// 期限一览 (the clerk's daily view): every open case, its next statutory step and due date.
    Deadlines {
        /// Case files or folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Count days left from this date (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<crate::case::date::Date>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// 生成文书 (render papers): every paper each case's stage calls for, as PDF/A.
    Render {
        /// Case files or folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Output folder; each case gets a sub-folder named by its case number
        /// (default: the office's papers folder, `[archive] papers` of anjuan.toml,
        /// `papers/` beside it, where `pack` reads them; `out/` without an office).
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
        /// Only this kind of paper (Chinese name or slug, e.g. 处理意见书 or opinion).
        #[arg(long, value_name = "KIND")]
        only: Option<String>,
        /// Make every paper again, even those whose inputs (case file, template,
        /// fonts, office settings, signing key, anjuan version) have not changed.
        #[arg(long)]
        force: bool,
        /// Print the summary as JSON (schema `anjuan-render/1`).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        look: LookOptions,
    },
    /// 演示 (demo): write the example office and render all its papers.
    Demo {
        /// Where to put the example office and its papers.
        #[arg(short, long, value_name = "OUT", default_value = "anjuan-demo")]
        output: PathBuf,
        #[command(flatten)]
        look: LookOptions,
    },
    /// 生成演示数据 (generate N synthetic but realistic cases into an office folder, for load tests).
    Synth {
        /// How many cases.
        #[arg(value_name = "N")]
        count: usize,
        /// The office folder to create (config and cases/).
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// Year of the cases.
        #[arg(long, default_value_t = 2026)]
        year: i32,
        /// Seed: the same seed gives the same cases.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// 密钥 (keys): make the office's signing key pair.
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// 签名 (sign files): a detached minisign signature `FILE.minisig` beside each file.
    Sign {
        /// Files to sign (rendered papers: `<case>/<NN>-<paper>.pdf`).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Secret key (default: `[signing] key` of anjuan.toml).
        #[arg(long, value_name = "KEY")]
        key: Option<PathBuf>,
        #[command(flatten)]
        pass: PassOptions,
    },
    /// 验签 (check signatures): each FILE against FILE.minisig and a public key.
    VerifySig {
        /// Signed files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The signer's public key.
        #[arg(long = "pub", value_name = "KEY.pub")]
        public: PathBuf,
    },
    /// 接收检测 (verify): the 四性检测 of a received bundle (zip, read in place, or a BagIt folder).
    /// Exit 0: accept; 1: defects found; 2: could not run.
    Verify {
        /// The bundle: `X012-WS-2026-XFB.zip`, or a bag folder.
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        #[command(flatten)]
        opts: VerifyOptions,
        /// Print the report as JSON (schema anjuan-verify-report/1) instead of the table.
        #[arg(long)]
        json: bool,
        /// Also write the report as a PDF 检测报告.
        #[arg(long, value_name = "report.pdf")]
        report: Option<PathBuf>,
        #[command(flatten)]
        look: LookOptions,
    },
    /// 接收回执 (receipt): verify a bundle and write the signed acknowledgement for the sender.
    Receipt {
        /// The bundle received.
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        #[command(flatten)]
        opts: VerifyOptions,
        /// The receiver's secret key (default: signing.key of anjuan.toml).
        #[arg(long, value_name = "KEY")]
        key: Option<PathBuf>,
        /// Folder for 接收回执-NAME.json/.pdf (+ .minisig) and 检测报告-NAME.pdf/.json.
        #[arg(short, long, value_name = "DIR", default_value = ".")]
        output: PathBuf,
        /// Print what was made as JSON (schema `anjuan-receipt-made/1`).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        pass: PassOptions,
        #[command(flatten)]
        look: LookOptions,
    },
    /// 核对回执 (check a receipt): the sender checks the receiver's signed receipt, and that it
    /// names this bundle.
    CheckReceipt {
        /// The receipt: 接收回执-NAME.json (its .minisig beside it).
        #[arg(value_name = "RECEIPT.json")]
        receipt: PathBuf,
        /// The receiver's public key.
        #[arg(long = "pub", value_name = "KEY.pub")]
        public: PathBuf,
        /// The bundle that was sent: its SHA-256 must be the one the receipt names.
        #[arg(long, value_name = "BUNDLE.zip")]
        bundle: Option<PathBuf>,
        /// Print the verdict as JSON (schema `anjuan-check-receipt/1`).
        #[arg(long)]
        json: bool,
    },
    /// 归档打包 (pack): a closed case's dossier package, or the year-end bundle, as a signed BagIt zip.
    Pack {
        #[command(subcommand)]
        what: PackWhat,
    },
    /// 打印 JSON Schema (print the JSON Schema of case files, or of anjuan.toml with --office).
    Schema {
        /// The schema of the office configuration instead of a case file.
        #[arg(long, conflicts_with_all = ["report", "receipt"])]
        office: bool,
        /// The schema of `anjuan verify --json` (anjuan-verify-report/1).
        #[arg(long, conflicts_with = "receipt")]
        report: bool,
        /// The schema of the receipt, 接收回执-NAME.json (anjuan-receipt/1).
        #[arg(long, conflicts_with = "figures")]
        receipt: bool,
        /// The schema of the year report's figures, 信访工作情况报告-YEAR.json
        /// (anjuan-ledger-report/1).
        #[arg(long, conflicts_with_all = ["office", "report"])]
        figures: bool,
        /// The schema of a command's `--json` output (check, deadlines, new-case, key,
        /// init, check-receipt).
        #[arg(long, value_enum, value_name = "NAME", conflicts_with_all = ["office", "report", "receipt", "figures"])]
        output: Option<crate::office::output::Output>,
    },
    /// 台账 (the ledger spreadsheet): import its rows as case files, or export the office ledger.
    Ledger {
        #[command(subcommand)]
        action: LedgerAction,
    },
    /// 年度信访工作情况报告 (the year's report): figures and charts as PDF, the same figures as JSON.
    Report {
        /// The office folder (with anjuan.toml and cases/), or case files/folders.
        #[arg(required = true, value_name = "OFFICE")]
        paths: Vec<PathBuf>,
        /// The registration year reported on.
        #[arg(long)]
        year: i32,
        /// Folder for 信访工作情况报告-YEAR.pdf and .json (default: the office's
        /// `报告/` folder; the current folder without an office).
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Judge open and overdue cases as of this date (default: today, or 31 December
        /// of the year once it is over).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<crate::case::date::Date>,
        /// Replace reports that already exist.
        #[arg(long)]
        force: bool,
        /// Print the summary as JSON (schema `anjuan-report/1`).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        look: LookOptions,
    },
    /// 登记新案件 (register a new case): the next free case number, checked as `check`
    /// checks a file before anything is written.
    New {
        #[command(subcommand)]
        what: NewAction,
    },
    /// 命令行补全 (shell completions): print the completion script for a shell, e.g.
    /// `anjuan completions bash > /etc/bash_completion.d/anjuan`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// 使用手册 (man pages): write anjuan.1 and one page per command into DIR, or print
    /// anjuan.1 without -o. `man -l anjuan.1` reads it.
    Man {
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
    },
    /// 工作台 (the desk): serve the office to browsers. Loopback only by default;
    /// another address needs --tls-cert/--tls-key (or --insecure-lan). Accounts:
    /// anjuan user add. Sessions live in memory: a restart logs everyone out.
    Serve {
        /// The office folder (holding anjuan.toml and cases/).
        #[arg(value_name = "OFFICE")]
        office: PathBuf,
        /// Address and port to listen on (port 0: any free port, printed at start).
        #[arg(long, value_name = "ADDR", default_value = crate::desk::DEFAULT_LISTEN)]
        listen: std::net::SocketAddr,
        /// TLS certificate chain (PEM).
        #[arg(long, value_name = "FILE", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// TLS private key (PEM).
        #[arg(long, value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve plain HTTP on a non-loopback address (passwords and personal data
        /// cross the network unencrypted).
        #[arg(long)]
        insecure_lan: bool,
        /// Minutes without a request after which a session ends.
        #[arg(long, value_name = "MIN", default_value_t = 30)]
        idle_minutes: u64,
    },
    /// 账号 (accounts): who may work on the office through the desk, in which role.
    /// Passwords are stored only as argon2id hashes, in OFFICE/.anjuan/users.toml.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// 操作日志 (audit trail): check or show OFFICE/.anjuan/audit.log, the hash-chained
    /// record of every write.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// 新建办公室目录 (scaffold an office folder: config, example cases, fonts/ and templates/).
    Init {
        /// The folder to create or fill.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Overwrite files that already exist (the office key too).
        #[arg(long)]
        force: bool,
        /// Leave the office's secret key unencrypted, for unattended signing (protect the
        /// file instead). Default: passphrase-protected.
        #[arg(long, conflicts_with = "passphrase_env")]
        unencrypted: bool,
        /// Read the key's passphrase from this environment variable (default:
        /// ANJUAN_PASSPHRASE if set, else ask on the terminal).
        #[arg(long, value_name = "VAR")]
        passphrase_env: Option<String>,
        /// Print what was made as JSON (schema `anjuan-init/1`).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum NewAction {
    /// 登记 (register): writes OFFICE/cases/<next number>.toml from the options; on a
    /// terminal, asks for what is missing. Nothing is written if the new case has
    /// errors. Example: `anjuan new case my-office --channel 来信 --received 2026-11-20
    /// --petitioner 王喆 --id-number 11010519491231002X --phone 13912345678
    /// --summary "…" --request "…" --category 城乡建设`.
    Case {
        /// The office folder (with anjuan.toml and cases/).
        #[arg(value_name = "OFFICE")]
        office: PathBuf,
        #[command(flatten)]
        answers: NewCaseArgs,
        /// Print the result as JSON (schema `anjuan-new-case/1`).
        #[arg(long)]
        json: bool,
    },
}

/// What a clerk registers with `anjuan new case` (what is left out is asked for on a
/// terminal).
#[derive(Debug, Clone, clap::Args)]
pub struct NewCaseArgs {
    /// 信访形式 (channel): 来信 来访 网上 电话 交办 转送 (aliases such as 来电 too).
    #[arg(long)]
    pub channel: Option<String>,
    /// 收到日期 (date received), YYYY-MM-DD.
    #[arg(long, value_parser = parse_date)]
    pub received: Option<crate::case::date::Date>,
    /// 信访人姓名 (petitioner's name; repeat for several).
    #[arg(long, value_name = "NAME")]
    pub petitioner: Vec<String>,
    /// 身份证号码, in the order of --petitioner.
    #[arg(long, value_name = "ID")]
    pub id_number: Vec<String>,
    /// 联系电话, in the order of --petitioner.
    #[arg(long)]
    pub phone: Vec<String>,
    /// 住址, in the order of --petitioner.
    #[arg(long)]
    pub address: Vec<String>,
    /// 信访事项摘要 (summary of the matter).
    #[arg(long)]
    pub summary: Option<String>,
    /// 诉求 (one request; repeat for each).
    #[arg(long)]
    pub request: Vec<String>,
    /// 问题分类 (category, from the office's list).
    #[arg(long)]
    pub category: Option<String>,
    /// 问题发生地 (place).
    #[arg(long)]
    pub place: Option<String>,
    /// 信访件登记编号 (registry number).
    #[arg(long)]
    pub registry_no: Option<String>,
    /// 交办/转送机关 (assigning body), with --assignment-no and --assignment-date.
    #[arg(long, requires_all = ["assignment_no", "assignment_date"])]
    pub assigned_by: Option<String>,
    /// 交办文号.
    #[arg(long)]
    pub assignment_no: Option<String>,
    /// 交办日期, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date)]
    pub assignment_date: Option<crate::case::date::Date>,
    /// 登记人 (who registers it; default: the office contact).
    #[arg(long)]
    pub registered_by: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// 添加账号 (add an account): `anjuan user add office 李静 --role 管理员`. The first
    /// account of an office must be a 管理员.
    Add {
        /// The office folder (with anjuan.toml).
        #[arg(value_name = "OFFICE")]
        office: PathBuf,
        /// The account name (登录名).
        #[arg(value_name = "NAME")]
        name: String,
        /// 登记员|领导|档案员|接收员|管理员 (or clerk, leader, archivist, receiver, admin).
        #[arg(long, value_name = "ROLE", value_parser = parse_role)]
        role: crate::office::users::Role,
        #[command(flatten)]
        password: PasswordOptions,
    },
    /// 删除账号 (remove an account); the last 管理员 cannot be removed.
    Remove {
        #[arg(value_name = "OFFICE")]
        office: PathBuf,
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// 停用账号 (disable an account: it can no longer log in; kept in the audit trail).
    Disable {
        #[arg(value_name = "OFFICE")]
        office: PathBuf,
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// 启用账号 (enable a disabled account again).
    Enable {
        #[arg(value_name = "OFFICE")]
        office: PathBuf,
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// 修改口令 (set an account's password).
    Passwd {
        #[arg(value_name = "OFFICE")]
        office: PathBuf,
        #[arg(value_name = "NAME")]
        name: String,
        #[command(flatten)]
        password: PasswordOptions,
    },
    /// 发放接口令牌 (issue an API token for the desk's /api/v1, shown once;
    /// replaces the account's earlier token), or withdraw it with --revoke.
    Token {
        #[arg(value_name = "OFFICE")]
        office: PathBuf,
        #[arg(value_name = "NAME")]
        name: String,
        /// Withdraw the account's token instead of issuing one.
        #[arg(long)]
        revoke: bool,
    },
    /// 列出账号 (list accounts: name, role, state; never the hashes).
    List {
        #[arg(value_name = "OFFICE")]
        office: PathBuf,
        /// Print as JSON (schema `anjuan-user-list/1`).
        #[arg(long)]
        json: bool,
    },
}

/// Where an account's password comes from.
#[derive(Debug, Clone, clap::Args)]
pub struct PasswordOptions {
    /// Read the password from this environment variable (for scripts) instead of
    /// asking twice on the terminal.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// 校验操作日志 (verify the audit trail): finds edited, removed, reordered and
    /// cut-off lines and names each. Exit 0: intact; 1: problems found.
    Verify {
        #[arg(value_name = "OFFICE")]
        office: PathBuf,
        /// Print the result as JSON (schema `anjuan-audit-verify/1`).
        #[arg(long)]
        json: bool,
        /// A head noted earlier (printed by a previous verify): the log must still
        /// hold line SEQ with this hash. Finds removed last lines, which the file
        /// alone cannot show.
        #[arg(long, value_name = "SEQ:HASH", value_parser = parse_anchor)]
        anchor: Option<(u64, String)>,
    },
    /// 查看操作日志 (show the audit trail), oldest first.
    Show {
        #[arg(value_name = "OFFICE")]
        office: PathBuf,
        /// Only the last N lines.
        #[arg(long, value_name = "N")]
        last: Option<usize>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyAction {
    /// Make a key pair: `anjuan.key` (secret, passphrase-protected) and `anjuan.pub`.
    New {
        /// Folder for the two files.
        #[arg(short, long, value_name = "DIR", default_value = "keys")]
        output: PathBuf,
        /// Leave the secret key unencrypted, for unattended signing (protect the file instead).
        #[arg(long, conflicts_with = "passphrase_env")]
        unencrypted: bool,
        /// Read the passphrase from this environment variable instead of asking.
        #[arg(long, value_name = "VAR")]
        passphrase_env: Option<String>,
        /// Replace existing key files.
        #[arg(long)]
        force: bool,
        /// Print what was made as JSON (schema `anjuan-key/1`).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum LedgerAction {
    /// 导入台账 (import): each row of LEDGER becomes a case file in CASES_DIR. Every row is
    /// validated like a case file; nothing is written if any row fails (see --keep-going).
    /// A row whose case file exists must agree with it, or (with --update) may change the
    /// ledger's working columns in it.
    Import {
        /// The ledger: .xlsx, .xls, .ods or .csv (UTF-8 or GBK).
        #[arg(value_name = "LEDGER")]
        ledger: PathBuf,
        /// The cases folder (e.g. office/cases); rows whose case file exists must agree with it.
        #[arg(short, long, value_name = "CASES_DIR")]
        output: PathBuf,
        /// The worksheet to read (default: [ledger] sheet of anjuan.toml, else the first).
        #[arg(long, value_name = "NAME")]
        sheet: Option<String>,
        /// Write the rows that pass and report the rest (exit 1 when any row failed).
        #[arg(long)]
        keep_going: bool,
        /// Write the ledger's working columns (责任单位, 包案领导, 责任人, 分类处理情况,
        /// 具体工作措施, 处理时限, 办理进展, 备注) into existing case files where they differ,
        /// keeping the files' comments and layout. Other columns must still agree.
        #[arg(long)]
        update: bool,
        /// Judge time limits as of this date instead of today.
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<crate::case::date::Date>,
        /// Print the outcome as JSON (schema `anjuan-ledger-import/1`).
        #[arg(long)]
        json: bool,
    },
    /// 导出台账 (export): the office ledger as .xlsx, one row per case, with the next
    /// statutory step, its due date and days left; overdue rows highlighted.
    Export {
        /// The office folder, or case files/folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The workbook to write (default: the office's `台账/台账-DATE.xlsx`, or
        /// `台账-DATE-脱敏.xlsx` with --mask).
        #[arg(short, long, value_name = "ledger.xlsx")]
        output: Option<PathBuf>,
        /// Count days left from this date instead of today (also the title's date).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<crate::case::date::Date>,
        /// Replace the workbook if it exists.
        #[arg(long)]
        force: bool,
        /// 脱敏 (masked copy for circulation): identity numbers and phones masked; the
        /// title and the printed footer say so.
        #[arg(long)]
        mask: bool,
        /// Print the summary as JSON (schema `anjuan-ledger-export/1`).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PackWhat {
    /// One closed case: `anjuan pack case office/cases/XF-2026-0001.toml -o archive/`.
    Case {
        /// The case file.
        #[arg(value_name = "PATH")]
        path: PathBuf,
        /// Output folder; the package is `<case number>.zip` in it (default: the
        /// office's `archive/`).
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        #[command(flatten)]
        opts: PackOptions,
    },
    /// Every case closed in a year: `anjuan pack year --year 2026 office/ -o archive/`.
    Year {
        /// The year the cases were closed in.
        #[arg(long)]
        year: i32,
        /// The office folder (with anjuan.toml and cases/).
        #[arg(value_name = "OFFICE")]
        office: PathBuf,
        /// Output folder; the bundle is `<fonds>-WS-<year>-<office code>.zip` in it
        /// (default: the office's `archive/`).
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        #[command(flatten)]
        opts: PackOptions,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct PackOptions {
    /// Print the summary as JSON (schema `anjuan-pack/1`).
    #[arg(long)]
    pub json: bool,
    /// Make the package without the office's signature (no [signing] key). A receiver
    /// that checks with --trust will report it (trust.package-unsigned) and refuse it.
    #[arg(long)]
    pub unsigned: bool,
    /// Folder of rendered papers, one sub-folder per case (default: `[archive] papers`
    /// of anjuan.toml, `papers/` beside it).
    #[arg(long, value_name = "DIR")]
    pub papers: Option<PathBuf>,
    /// 整理日期 and Bagging-Date (default: the latest closing date among the cases, so
    /// that the same inputs give the same zip).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub date: Option<crate::case::date::Date>,
    /// Replace an existing package.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub look: LookOptions,
    #[command(flatten)]
    pub pass: PassOptions,
}

/// Where a secret key's passphrase comes from.
#[derive(Debug, Clone, clap::Args)]
pub struct PassOptions {
    /// Read the passphrase from this environment variable (default: ANJUAN_PASSPHRASE if
    /// set, else ask on the terminal; an unencrypted key needs none).
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,
}

/// What to check on receipt.
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyOptions {
    /// A public key the receiver trusts (repeatable); signatures by any other key fail.
    #[arg(long, value_name = "KEY.pub")]
    pub trust: Vec<PathBuf>,
    /// BagIt-level checks only (complete, valid, container safety), as `bagit.py --validate`.
    /// Not with --trust: a receiver that trusts a key checks the whole anjuan profile.
    #[arg(long, conflicts_with_all = ["trust", "profile"])]
    pub bagit: bool,
    /// Require the anjuan bundle profile: its checks must pass rather than be "n/a"
    /// for a plain BagIt bag. Always on with --trust.
    #[arg(long, value_enum, value_name = "PROFILE")]
    pub profile: Option<crate::verify::Profile>,
    /// Check only these manifest algorithms (sha256, sha512, sm3; repeatable; default all).
    #[arg(long = "alg", value_name = "ALG")]
    pub algs: Vec<String>,
    /// Virus scanner run per payload file with the file on its standard input
    /// (exit 0 clean, 1 infected), e.g. "clamdscan --no-summary -".
    #[arg(long, value_name = "CMD")]
    pub scan: Option<String>,
    /// Date of the check on the report (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub date: Option<crate::case::date::Date>,
}

/// Fonts and templates for rendering.
#[derive(Debug, Clone, clap::Args)]
pub struct LookOptions {
    /// Extra font folder, searched first (repeatable).
    #[arg(long = "font-dir", value_name = "DIR")]
    pub font_dirs: Vec<PathBuf>,
    /// Do not use system fonts (only --font-dir and the office fonts/ folder).
    #[arg(long)]
    pub no_system_fonts: bool,
    /// Template folder overriding the built-in templates (before the office's templates/).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Also write the Typst source of each paper beside its PDF (for template authors).
    #[arg(long)]
    pub keep_typst: bool,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub jobs: usize,
}

fn parse_anchor(s: &str) -> Result<(u64, String), String> {
    let bad = || format!("锚点应为 SEQ:HASH (anchor), e.g. 12:9f2c…（64 位十六进制）, got `{s}`");
    let (seq, hash) = s.split_once(':').ok_or_else(bad)?;
    let seq = seq.trim().parse().map_err(|_| bad())?;
    let hash = hash.trim().to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((seq, hash))
}

fn parse_role(s: &str) -> Result<crate::office::users::Role, String> {
    s.parse()
        .map_err(|e: crate::office::users::UserError| e.to_string())
}

fn parse_date(s: &str) -> Result<crate::case::date::Date, String> {
    crate::case::date::Date::parse(s)
        .ok_or_else(|| format!("日期应为 YYYY-MM-DD (date), got `{s}`"))
}
