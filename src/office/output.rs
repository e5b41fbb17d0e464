//! What commands report with `--json`: one typed document per command, each with
//! a `schema` field naming it and its version (`anjuan-check/1`), and a JSON
//! Schema that `anjuan schema --output NAME` prints. Personal data is masked in
//! every one of them, as on the terminal.

use schemars::JsonSchema;
use serde::Serialize;

use crate::case::date::Date;
use crate::case::deadline::Next;
use crate::diag::Located;

/// `anjuan check --json`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CheckReport {
    /// `anjuan-check/1`.
    pub schema: String,
    /// The day limits were judged against.
    pub as_of: Date,
    /// The anjuan.toml used, if one was found.
    pub config: Option<String>,
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<Located>,
}

/// One open case in `anjuan deadlines --json`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct DeadlineRow {
    pub case: String,
    pub file: String,
    /// The petitioner (or 朱根土等37人).
    pub petitioner: String,
    /// 包案领导.
    pub leader: Option<String>,
    /// overdue, due-soon or ok.
    pub status: String,
    #[serde(flatten)]
    pub next: Next,
}

/// `anjuan deadlines --json`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DeadlinesReport {
    /// `anjuan-deadlines/1`.
    pub schema: String,
    pub as_of: Date,
    /// Overdue first, then by due date.
    pub open: Vec<DeadlineRow>,
}

/// `anjuan new case --json`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NewCaseReport {
    /// `anjuan-new-case/1`.
    pub schema: String,
    /// The case number given; absent when the answers had errors.
    pub id: Option<String>,
    /// The case file written.
    pub path: Option<String>,
    /// Findings: warnings of a registered case, or the errors that refused it.
    pub findings: Vec<Located>,
}

/// A key pair made by `anjuan key new` or `anjuan init` (`--json`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct KeyReport {
    /// `anjuan-key/1`.
    pub schema: String,
    /// The secret key file (0600).
    pub secret_key: String,
    /// The public key file (0644), for the receiver.
    pub public_key: String,
    /// Whether the secret key is passphrase-protected.
    pub encrypted: bool,
    /// `[signing] key` as anjuan.toml needs it (relative to anjuan.toml).
    pub signing_key: String,
    /// `[signing] public`.
    pub signing_public: String,
}

/// `anjuan init --json`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct InitReport {
    /// `anjuan-init/1`.
    pub schema: String,
    pub office: String,
    /// The files written, relative to the office folder.
    pub files: Vec<String>,
    pub key: KeyReport,
}

/// `anjuan check-receipt --json`: the verdict first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReceiptCheck {
    /// `anjuan-check-receipt/1`.
    pub schema: String,
    /// Signed by the key given, for the bundle given (if one was).
    pub valid: bool,
    /// Valid, and the receiver accepted the bundle.
    pub accepted: bool,
    /// Why it is not valid.
    pub problems: Vec<String>,
    /// What the receipt says; not to be relied on unless `valid`.
    pub receipt: Option<crate::verify::receipt::Receipt>,
}

/// The documents `anjuan schema --output NAME` describes.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Output {
    Check,
    Deadlines,
    NewCase,
    Key,
    Init,
    CheckReceipt,
    Render,
    Pack,
    Report,
    LedgerExport,
    LedgerImport,
    Receipt,
    AuditVerify,
    UserList,
}

impl Output {
    /// The JSON Schema of the document.
    pub fn schema(self) -> schemars::Schema {
        match self {
            Output::Check => schemars::schema_for!(CheckReport),
            Output::Deadlines => schemars::schema_for!(DeadlinesReport),
            Output::NewCase => schemars::schema_for!(NewCaseReport),
            Output::Key => schemars::schema_for!(KeyReport),
            Output::Init => schemars::schema_for!(InitReport),
            Output::CheckReceipt => schemars::schema_for!(ReceiptCheck),
            Output::Render => schemars::schema_for!(RenderReport),
            Output::Pack => schemars::schema_for!(PackReport),
            Output::Report => schemars::schema_for!(YearReport),
            Output::LedgerExport => schemars::schema_for!(LedgerExport),
            Output::LedgerImport => schemars::schema_for!(LedgerImport),
            Output::Receipt => schemars::schema_for!(ReceiptMade),
            Output::AuditVerify => schemars::schema_for!(crate::office::audit::Verified),
            Output::UserList => schemars::schema_for!(UserList),
        }
    }
}

/// `anjuan render --json`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RenderReport {
    /// `anjuan-render/1`.
    pub schema: String,
    /// The folder the papers went to.
    pub output: String,
    /// Cases whose papers are all in place.
    pub cases: usize,
    /// Papers made in this run.
    pub made: usize,
    /// Papers kept: their inputs had not changed.
    pub kept: usize,
    /// Case files that got no papers (record errors, or a paper that failed), with why.
    pub failed: Vec<String>,
    pub seconds: f64,
}

/// `anjuan pack case|year --json`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PackReport {
    /// `anjuan-pack/1`.
    pub schema: String,
    /// The zip written.
    pub package: String,
    pub cases: usize,
    /// 件 (items filed).
    pub items: usize,
    pub pages: usize,
    /// Files in the bag's payload, and their bytes.
    pub files: usize,
    pub bytes: u64,
    pub zip_bytes: u64,
    /// 档号 ranges: first, last, count.
    pub codes: Vec<(String, String, usize)>,
    /// SHA-256 of manifest-sha256.txt (the digest on the handoff form).
    pub manifest_sha256: String,
    /// The signing key's id; absent for an --unsigned package.
    pub signed_by: Option<String>,
    pub seconds: f64,
}

/// `anjuan report --json`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct YearReport {
    /// `anjuan-report/1`.
    pub schema: String,
    pub year: i32,
    pub pdf: String,
    /// The figures file (`anjuan-ledger-report/1`).
    pub figures: String,
    pub cases: usize,
    pub accepted: usize,
    pub refused: usize,
    pub closed: usize,
    pub open: usize,
    pub overdue: usize,
}

/// `anjuan ledger export --json`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LedgerExport {
    /// `anjuan-ledger-export/1`.
    pub schema: String,
    pub path: String,
    pub rows: usize,
    /// A copy with identity numbers and phones masked.
    pub masked: bool,
    pub as_of: Date,
    pub overdue: usize,
    pub due_soon: usize,
    pub closed: usize,
}

/// `anjuan receipt --json`: the receipt made.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReceiptMade {
    /// `anjuan-receipt-made/1`.
    pub schema: String,
    /// 接收回执-NAME.json (the receipt itself, `anjuan-receipt/1`), signed.
    pub receipt: String,
    pub accepted: bool,
    /// The receiver's key id.
    pub key_id: String,
}

/// A row's problem in `anjuan ledger import --json`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LedgerProblem {
    /// Where: `台账.xlsx 第 6 行 D 列“责任单位”（单元格 D6）`.
    pub at: String,
    /// `error` or `warning`.
    pub severity: crate::diag::Severity,
    pub code: String,
    /// Personal data masked.
    pub message: String,
    pub remedy: String,
}

/// `anjuan ledger import --json`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LedgerImport {
    /// `anjuan-ledger-import/1`.
    pub schema: String,
    pub file: String,
    pub header_row: usize,
    pub rows: usize,
    /// New case files (planned; written unless a row failed without --keep-going).
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Ledger rows with errors.
    pub failed_rows: Vec<usize>,
    /// Case files written and updated by this run.
    pub written: usize,
    pub problems: Vec<LedgerProblem>,
}

/// One account in `anjuan user list --json` (never its hash).
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserRow {
    pub name: String,
    /// 登记员, 领导, 档案员, 接收员 or 管理员.
    pub role: crate::office::users::Role,
    pub disabled: bool,
    /// RFC 3339, UTC.
    pub created: String,
    pub changed: String,
}

/// `anjuan user list --json`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserList {
    /// `anjuan-user-list/1`.
    pub schema: String,
    pub users: Vec<UserRow>,
}
