//! The receiving office's side (`anjuan verify`, `anjuan receipt`, `anjuan
//! check-receipt`, the desk's 接收): the 四性检测 of a bundle, its PDF report,
//! the signed receipt (接收回执) with the report it names, and the check of a
//! receipt by the office that sent the bundle.
//!
//! Progress: a `Verify` stage (a spinner: the check reports as a whole), then
//! for a receipt a `Receipt` stage counting the four files it writes. Records
//! the receipt in the receiver's audit trail.

use std::path::{Path, PathBuf};

use crate::archive::pack as packing;
use crate::case::date::Date;
use crate::config::Loaded;
use crate::fsutil::{write_atomic, WriteError};
use crate::office::output::ReceiptCheck;
use crate::office::progress::{Counter, Progress, Stage, Unit};
use crate::office::setup::{self, Look, Passphrase, SetupError};
use crate::render::{RenderError, Renderer};
use crate::sign::{self, sig_path};
use crate::verify::receipt::Receipt;
use crate::verify::{Profile, Report, VerifyError};

/// What to check on receipt.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// Public keys the receiver trusts; signatures by any other key fail.
    pub trust: Vec<PathBuf>,
    /// Manifest algorithms to check (sha256, sha512, sm3; empty: all).
    pub algs: Vec<String>,
    /// BagIt-level checks only.
    pub bagit: bool,
    pub profile: Option<Profile>,
    /// A virus scanner run per payload file.
    pub scan: Option<String>,
    /// The date of the check on the report (default: today).
    pub date: Option<Date>,
    /// Worker threads (0: one per core).
    pub jobs: usize,
}

/// What a receipt needs besides the check.
#[derive(Clone, Debug, Default)]
pub struct ReceiptOptions {
    /// The receiver's anjuan.toml (default: the one at or above the current folder).
    pub config: Option<PathBuf>,
    /// The receiver's secret key (default: `[signing] key`).
    pub key: Option<PathBuf>,
    /// The folder the receipt and the report go to.
    pub output: PathBuf,
    pub look: Look,
    /// Who issues it, for the audit trail.
    pub actor: String,
}

/// Why a check or a receipt could not be made (a bundle with defects is a
/// [`Report`] that does not accept it, not an error).
#[derive(Debug, thiserror::Error)]
pub enum VerifyFlowError {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error("不支持的摘要算法 (unsupported algorithm) `{0}`：可用 sha256、sha512、sm3")]
    Alg(String),
    #[error("接收回执需要完整的四性检测，不能与 --bagit 同用 (a receipt needs the full check)")]
    ReceiptBagit,
    #[error("{0}: 未配置接收单位名称 (the receiver is not named): 接收回执须写明接收单位，不能留空或代填")]
    NoReceiverName(String),
    #[error("移交包未通过四性检测，不能接收、不能出具同意接收的回执 (the bundle failed the check: not accepted)")]
    NotAccepted,
    #[error("移交包名称“{0}”不能用作文件夹名 (the bundle's name is not a plain file name)")]
    BadName(String),
    #[error("{0}: 已接收过同名的移交包 (a bundle of this name was received before)")]
    AlreadyReceived(PathBuf),
    #[error("未配置可信公钥，不能出具接收回执 (no trusted key): 签名者未经核实的移交包不能接收")]
    NoTrust,
    #[error("{0}: 可信公钥不存在或不可读 (trusted key missing or unreadable)")]
    TrustedKey(PathBuf),
}

impl VerifyFlowError {
    pub fn remedy(&self) -> Option<&'static str> {
        match self {
            VerifyFlowError::Setup(e) => e.remedy(),
            VerifyFlowError::Verify(e) => Some(e.remedy()),
            VerifyFlowError::Alg(_) => {
                Some("用 --alg sha256、--alg sm3 或 --alg sha512；不写则校验包中全部清单")
            }
            VerifyFlowError::ReceiptBagit => Some("去掉 --bagit 再运行 anjuan receipt"),
            VerifyFlowError::NotAccepted => {
                Some("按检测报告所列问题请移交单位改正后重新移交")
            }
            VerifyFlowError::BadName(_) => {
                Some("请移交单位以档号等普通名称（不含 / \\ 或以 . 开头）重新打包")
            }
            VerifyFlowError::AlreadyReceived(_) => Some(
                "如确需再次接收（如移交单位改正后重新移交），先将原接收文件夹移出 接收/ 目录",
            ),
            VerifyFlowError::NoTrust => Some(
                "在本单位 anjuan.toml 的 [signing] 中写明移交单位的公钥：trusted = [\"keys/trusted\"]（放入各移交单位的 .pub 文件），或运行 anjuan receipt 时给出 --trust",
            ),
            VerifyFlowError::TrustedKey(_) => Some(
                "检查 anjuan.toml [signing] trusted 所列路径（相对 anjuan.toml），放入移交单位提供的 .pub 公钥文件",
            ),
            VerifyFlowError::NoReceiverName(_) => Some(
                "在接收方（本单位）的 anjuan.toml 中写明 [office] name = \"青溪县档案馆\"（及 fonds），在该目录下运行或用 --config 指定",
            ),
        }
    }
}

impl From<RenderError> for VerifyFlowError {
    fn from(e: RenderError) -> Self {
        VerifyFlowError::Setup(e.into())
    }
}

impl From<WriteError> for VerifyFlowError {
    fn from(e: WriteError) -> Self {
        VerifyFlowError::Setup(e.into())
    }
}

impl From<std::io::Error> for VerifyFlowError {
    fn from(e: std::io::Error) -> Self {
        VerifyFlowError::Setup(e.into())
    }
}

/// Reads the trusted keys and the options of a verification.
fn options(opts: &VerifyOptions) -> Result<crate::verify::Options, VerifyFlowError> {
    let mut trust = Vec::new();
    for p in &opts.trust {
        let pk = setup::read_public_key(p)?;
        trust.push((sign::key_id(&pk), pk));
    }
    for a in &opts.algs {
        if !["sha256", "sha512", "sm3"].contains(&a.as_str()) {
            return Err(VerifyFlowError::Alg(a.clone()));
        }
    }
    Ok(crate::verify::Options {
        trust,
        algs: opts.algs.clone(),
        bagit_only: opts.bagit,
        profile: opts.profile.unwrap_or_default(),
        scan: opts.scan.clone(),
        date: opts.date.unwrap_or_else(Date::today).to_string(),
        jobs: opts.jobs,
    })
}

/// The 四性检测 of `bundle`: every check, recorded pass or fail.
pub fn verify(
    bundle: &Path,
    opts: &VerifyOptions,
    progress: Progress<'_>,
) -> Result<Report, VerifyFlowError> {
    let vo = options(opts)?;
    if !bundle.exists() {
        return Err(SetupError::Read(bundle.to_path_buf()).into());
    }
    let checking = Counter::start(progress, Stage::Verify, 0, Unit::Items);
    let report = crate::verify::verify(bundle, &vo)?;
    checking.finish();
    Ok(report)
}

/// Renders the PDF 检测报告 of `report` to `path` (atomically), with the
/// receiving office's look (`config`, else the one at or above the current folder).
pub fn report_pdf(
    report: &Report,
    config: Option<&Path>,
    look: &Look,
    path: &Path,
) -> Result<(), VerifyFlowError> {
    let loaded = setup::load_config(config, &[PathBuf::from(".")])?;
    write_report_pdf(&loaded, look, report, path)
}

fn write_report_pdf(
    loaded: &Loaded,
    look: &Look,
    report: &Report,
    path: &Path,
) -> Result<(), VerifyFlowError> {
    let cfg = &loaded.config;
    let renderer = Renderer::new(
        cfg,
        &loaded.root(),
        &setup::render_options(loaded, look, None),
    )?;
    // Without the receiver's anjuan.toml the report names no receiving body (a
    // blank to fill in by hand), never the built-in placeholder.
    let mut office = packing::office_context(cfg);
    if loaded.path.is_none() {
        office["name"] = serde_json::Value::String(String::new());
    }
    let ctx = crate::verify::receipt::report_context(report, &office, 20);
    let doc = crate::render::Doc {
        owner: report.bundle.name.clone(),
        paper: "检测报告".into(),
        template: "verify-report.typ".into(),
        file: path.display().to_string(),
        date: Date::parse(&report.checked_on).unwrap_or_else(Date::today),
    };
    let out = renderer.render_doc(&doc, &ctx)?;
    write_atomic(path, &out.pdf)?;
    Ok(())
}

/// The receiving office, ready to issue receipts: its name, its key, where the
/// receipts go. Opened before the check, so a missing name or key (or a
/// passphrase) is asked for before the long work.
pub struct Receiver {
    loaded: Loaded,
    name: String,
    key: (minisign::SecretKey, minisign::PublicKey),
    opts: ReceiptOptions,
    /// The check a receipt stands on: the options given, the trusted keys
    /// completed from the receiver's anjuan.toml.
    verify: VerifyOptions,
}

/// The public keys `[signing] trusted` of an office's anjuan.toml names: each
/// `.pub` file as listed, each folder's `.pub` files in name order.
pub fn configured_trust(loaded: &Loaded) -> Result<Vec<PathBuf>, VerifyFlowError> {
    let root = loaded.root();
    let mut keys = Vec::new();
    for p in &loaded.config.signing.trusted {
        let path = root.join(p);
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|_| VerifyFlowError::TrustedKey(path.clone()))?
                .flatten()
                .map(|e| e.path())
                .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "pub"))
                .collect();
            found.sort();
            keys.extend(found);
        } else if path.is_file() {
            keys.push(path);
        } else {
            return Err(VerifyFlowError::TrustedKey(path));
        }
    }
    Ok(keys)
}

/// A receipt issued.
#[derive(Debug)]
pub struct Issued {
    /// 接收回执-NAME.json, signed (its PDF and the 检测报告 beside it).
    pub receipt: PathBuf,
    pub accepted: bool,
    /// The receiver's key id.
    pub key_id: String,
}

impl Issued {
    /// The `--json` document (`anjuan-receipt-made/1`).
    pub fn report(&self) -> crate::office::output::ReceiptMade {
        crate::office::output::ReceiptMade {
            schema: "anjuan-receipt-made/1".into(),
            receipt: self.receipt.display().to_string(),
            accepted: self.accepted,
            key_id: self.key_id.clone(),
        }
    }
}

impl Receiver {
    /// The receiver of `opts`: its anjuan.toml must name it; its key is loaded
    /// (`passphrase` asked if encrypted); what interrupted runs left in the
    /// output folder is cleared. `verify` is refused if it is BagIt-only.
    pub fn open(
        opts: &ReceiptOptions,
        verify: &VerifyOptions,
        passphrase: Passphrase<'_>,
        progress: Progress<'_>,
    ) -> Result<Receiver, VerifyFlowError> {
        if verify.bagit {
            return Err(VerifyFlowError::ReceiptBagit);
        }
        let loaded = setup::load_config(opts.config.as_deref(), &[PathBuf::from(".")])?;
        // The receipt is the receiver's: it names the receiving body as configured in
        // the receiver's own anjuan.toml ([office] name), never a placeholder.
        let name = match &loaded.path {
            None => {
                return Err(VerifyFlowError::NoReceiverName(format!(
                    "没有找到接收方的 {} (no anjuan.toml here or above)",
                    crate::config::FILE_NAME
                )))
            }
            Some(p) if loaded.config.office.name.trim().is_empty() => {
                return Err(VerifyFlowError::NoReceiverName(format!(
                    "{} [office] name",
                    p.display()
                )))
            }
            Some(_) => loaded.config.office.name.trim().to_string(),
        };
        let key = match &opts.key {
            Some(k) => k.clone(),
            None => loaded
                .root()
                .join(loaded.config.signing.key.clone().ok_or(SetupError::NoKey)?),
        };
        // A receipt says the bundle's signer was checked: against the keys
        // given, else the office's configured ones; with none, no receipt.
        let mut checked = verify.clone();
        if checked.trust.is_empty() {
            checked.trust = configured_trust(&loaded)?;
        }
        if checked.trust.is_empty() {
            return Err(VerifyFlowError::NoTrust);
        }
        let key = setup::load_key(&key, passphrase)?;
        setup::sweep_stale([&opts.output], progress);
        Ok(Receiver {
            loaded,
            name,
            key,
            opts: opts.clone(),
            verify: checked,
        })
    }

    /// The options the bundle is to be checked with for this receipt (the
    /// trusted keys completed from the configuration).
    pub fn verify_options(&self) -> &VerifyOptions {
        &self.verify
    }

    /// Issues the receipt for `bundle` checked as `report`: the report as JSON
    /// and PDF, then the receipt (JSON and PDF), each signed.
    pub fn issue(
        &self,
        bundle: &Path,
        report: &Report,
        progress: Progress<'_>,
    ) -> Result<Issued, VerifyFlowError> {
        let output = &self.opts.output;
        let (sk, pk) = &self.key;
        let loaded = &self.loaded;
        std::fs::create_dir_all(output)?;
        let writing = Counter::start(progress, Stage::Receipt, 4, Unit::Items);
        let name = &report.bundle.name;
        let rc = Receipt::from_report(report, &self.name, Some(sign::key_id(pk)));
        let sign_to = |file: &str, data: &[u8], paper: &str| -> Result<(), VerifyFlowError> {
            let path = output.join(file);
            let binding = sign::Binding {
                case: name.clone(),
                paper: paper.into(),
                file: file.into(),
                sha256: sign::sha256_hex(data),
                time: Some(sign::signing_time_now()),
            };
            let sig =
                sign::sign(sk, Some(pk), data, &binding).map_err(|source| SetupError::Sign {
                    path: path.clone(),
                    source,
                })?;
            write_atomic(&path, data)?;
            write_atomic(&sig_path(&path), sig.as_bytes())?;
            writing.advance(1, Some(file.to_string()));
            Ok(())
        };
        // The full report as JSON and PDF, then the receipt that names them.
        let report_json = format!("检测报告-{name}.json");
        sign_to(&report_json, report.to_json().as_bytes(), "检测报告")?;
        let report_pdf = output.join(format!("检测报告-{name}.pdf"));
        write_report_pdf(loaded, &self.opts.look, report, &report_pdf)?;
        writing.advance(1, Some(format!("检测报告-{name}.pdf")));
        let rc_json = format!("接收回执-{name}.json");
        sign_to(&rc_json, rc.to_json().as_bytes(), "接收回执")?;
        let renderer = Renderer::new(
            &loaded.config,
            &loaded.root(),
            &setup::render_options(loaded, &self.opts.look, None),
        )?;
        let doc = crate::render::Doc {
            owner: name.clone(),
            paper: "接收回执".into(),
            template: "receipt.typ".into(),
            file: format!("接收回执-{name}.pdf"),
            date: Date::parse(&report.checked_on).unwrap_or_else(Date::today),
        };
        let pdf =
            renderer.render_doc(&doc, &rc.context(&packing::office_context(&loaded.config)))?;
        sign_to(&doc.file, &pdf.pdf, "接收回执")?;
        writing.finish();
        let receipt = output.join(&rc_json);
        setup::note(
            loaded,
            &self.opts.actor,
            crate::office::audit::AuditAction::Receipt,
            &receipt.display().to_string(),
            &format!(
                "{} bundle {}",
                if report.accepted() {
                    "accepted"
                } else {
                    "refused"
                },
                bundle.display()
            ),
            progress,
        );
        Ok(Issued {
            receipt,
            accepted: report.accepted(),
            key_id: sign::key_id(pk),
        })
    }
}

/// Checks `bundle` and issues its receipt (for a face that shows the report
/// afterwards; the command line prints it between [`verify`] and
/// [`Receiver::issue`]).
pub fn receipt(
    bundle: &Path,
    opts: &ReceiptOptions,
    verify_opts: &VerifyOptions,
    passphrase: Passphrase<'_>,
    progress: Progress<'_>,
) -> Result<(Report, Issued), VerifyFlowError> {
    let receiver = Receiver::open(opts, verify_opts, passphrase, progress)?;
    let report = verify(bundle, receiver.verify_options(), progress)?;
    let issued = receiver.issue(bundle, &report, progress)?;
    Ok((report, issued))
}

/// The folder of an office's received bundles (`<office>/接收/`): each accepted
/// bundle in `接收/<name>/<name>.zip`, its receipt and report beside it.
pub const RECEIVED_DIR: &str = "接收";

/// A bundle accepted into the office.
#[derive(Debug)]
pub struct Accepted {
    /// `<office>/接收/<name>/`.
    pub dir: PathBuf,
    /// The bundle kept, `<dir>/<name>.zip`.
    pub bundle: PathBuf,
    pub issued: Issued,
}

/// Whether `name` can name a folder and files: one plain component, no
/// separators, control characters or leading dot, at most 120 characters.
fn plain_component(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 120
        && !name.starts_with('.')
        && !name
            .chars()
            .any(|c| c.is_control() || matches!(c, '/' | '\\' | ':' | '\0'))
}

/// Accepts an uploaded bundle into `office` (the desk's 接收): checks it again
/// (the receipt names this check, not an earlier one), refuses one that fails,
/// then moves the upload into a new `<office>/接收/<name>/` as `<name>.zip` (a
/// rename: the upload must lie on the same file system, e.g. in
/// `.anjuan/uploads/`) and issues the receipt beside it. On any failure the new
/// folder is removed and the upload put back where it was. Records `bundle.accept` (and the
/// receipt's own line) in the audit trail.
pub fn accept(
    upload: &Path,
    office: &Path,
    opts: &ReceiptOptions,
    verify_opts: &VerifyOptions,
    passphrase: Passphrase<'_>,
    progress: Progress<'_>,
) -> Result<(Report, Accepted), VerifyFlowError> {
    let received = office.join(RECEIVED_DIR);
    let mut receiver = Receiver::open(
        &ReceiptOptions {
            output: received.clone(),
            ..opts.clone()
        },
        verify_opts,
        passphrase,
        progress,
    )?;
    let report = verify(upload, receiver.verify_options(), progress)?;
    if !report.accepted() {
        return Err(VerifyFlowError::NotAccepted);
    }
    let name = report.bundle.name.clone();
    if !plain_component(&name) {
        return Err(VerifyFlowError::BadName(crate::diag::terminal_text(&name)));
    }
    let dir = received.join(&name);
    std::fs::create_dir_all(&received)?;
    match std::fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(VerifyFlowError::AlreadyReceived(dir))
        }
        Err(e) => return Err(e.into()),
    }
    let bundle = dir.join(format!("{name}.zip"));
    if let Err(e) = std::fs::rename(upload, &bundle) {
        let _ = std::fs::remove_dir(&dir);
        return Err(e.into());
    }
    // The same bytes, where they are kept now: the report and the receipt
    // name this file.
    let mut report = report;
    report.bundle.path = bundle.display().to_string();
    receiver.opts.output = dir.clone();
    let issued = match receiver.issue(&bundle, &report, progress) {
        Ok(i) => i,
        Err(e) => {
            let _ = std::fs::rename(&bundle, upload);
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    setup::note(
        &receiver.loaded,
        &opts.actor,
        crate::office::audit::AuditAction::BundleAccept,
        &bundle.display().to_string(),
        &format!(
            "SHA-256 {}，{} 字节，移交单位 {}",
            report.bundle.sha256.as_deref().unwrap_or("-"),
            report.bundle.bytes,
            report.bundle.sender.as_deref().unwrap_or("-")
        ),
        progress,
    );
    Ok((
        report,
        Accepted {
            dir,
            bundle,
            issued,
        },
    ))
}

/// A receipt checked by the office that sent the bundle.
#[derive(Debug)]
pub struct CheckedReceipt {
    /// The `--json` document: the verdict first.
    pub doc: ReceiptCheck,
    /// Whether the receipt's signature is good (what it says is shown as
    /// unverified otherwise).
    pub signature_ok: bool,
}

/// Checks a receipt: its signature by `public`, its form, and (with `bundle`)
/// that it is for those bytes.
pub fn check_receipt(
    receipt: &Path,
    public: &Path,
    bundle: Option<&Path>,
) -> Result<CheckedReceipt, VerifyFlowError> {
    let pk = setup::read_public_key(public)?;
    let data = std::fs::read(receipt).map_err(|_| SetupError::Read(receipt.to_path_buf()))?;
    let sig = std::fs::read_to_string(sig_path(receipt))
        .map_err(|_| SetupError::Read(sig_path(receipt)))?;
    let file = receipt
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut problems = Vec::new();
    let signed = sign::verify(&pk, &data, &sig, &file);
    if let Err(e) = &signed {
        problems.push(format!("回执签名无效 (bad signature): {e}"));
    }
    let rc: Option<Receipt> = serde_json::from_slice(&data).ok();
    match &rc {
        None => problems.push("回执不是 anjuan-receipt/1 格式的 JSON".into()),
        Some(rc) => {
            if let Some(b) = bundle {
                let got = crate::archive::bag::sha256_file(b)
                    .map_err(|_| SetupError::Read(b.to_path_buf()))?;
                if got != rc.sha256 {
                    problems.push(format!(
                        "回执所列包 SHA-256 {} 与 {} 的 {got} 不符 (receipt is for other bytes)",
                        rc.sha256,
                        b.display()
                    ));
                }
            }
        }
    }
    // The verdict first: a receipt that does not check out is said to be so before
    // anything it says (its 同意接收 included) is shown.
    let good = problems.is_empty() && rc.as_ref().is_some_and(|r| r.verdict == "accept");
    Ok(CheckedReceipt {
        doc: ReceiptCheck {
            schema: "anjuan-check-receipt/1".into(),
            valid: problems.is_empty(),
            accepted: good,
            problems,
            receipt: rc,
        },
        signature_ok: signed.is_ok(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_bundle_names_become_folders() {
        assert!(plain_component("X012-WS-2026-XFB"));
        assert!(plain_component("青溪县-2026"));
        for bad in [
            "", ".", "..", "../x", "a/b", "a\\b", "C:x", ".hidden", "a\u{0}b", "a\nb",
        ] {
            assert!(!plain_component(bad), "{bad:?}");
        }
        assert!(!plain_component(&"长".repeat(121)));
    }

    #[test]
    fn a_bundle_that_cannot_be_read_is_not_accepted_and_stays_put() {
        let t = tempfile::tempdir().unwrap();
        let office = t.path().join("office");
        std::fs::create_dir_all(&office).unwrap();
        std::fs::write(
            office.join(crate::config::FILE_NAME),
            "[office]\nname = \"青溪县档案馆\"\nfonds = \"X012\"\n[signing]\nkey = \"k.key\"\n",
        )
        .unwrap();
        let (_, sk) = crate::sign::generate(String::new()).unwrap();
        std::fs::write(office.join("k.key"), sk).unwrap();
        let upload = office.join("upload.zip");
        std::fs::write(&upload, b"not a zip").unwrap();
        let opts = ReceiptOptions {
            config: Some(office.join(crate::config::FILE_NAME)),
            actor: "test".into(),
            ..ReceiptOptions::default()
        };
        let no_pass = |p: &Path| Err(SetupError::Read(p.to_path_buf()));
        let r = accept(
            &upload,
            &office,
            &opts,
            &VerifyOptions::default(),
            &no_pass,
            &crate::office::progress::silent,
        );
        assert!(r.is_err());
        assert!(upload.is_file(), "the upload is left where it was");
        let kept: Vec<_> = std::fs::read_dir(office.join(RECEIVED_DIR))
            .map(|rd| rd.flatten().collect())
            .unwrap_or_default();
        assert!(kept.is_empty(), "nothing kept in 接收/");
    }
}
