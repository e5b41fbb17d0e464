//! Signing files with the office key (`anjuan sign`, the desk's 签名) and
//! checking detached signatures (`anjuan verify-sig`). A reference copy of
//! another body's paper (复查意见书, 复核意见书, 交办单) is never signed with
//! the office key: the whole run is refused before anything is signed.
//!
//! Progress: one `Sign` stage counting the files. Records the signing in the
//! audit trail.

use std::path::{Path, PathBuf};

use crate::fsutil::write_atomic;
use crate::office::progress::{Counter, Progress, Stage, Unit};
use crate::office::setup::{self, Passphrase, SetupError};
use crate::render::plan::Kind;
use crate::sign::{self, sig_path, Verified};

/// Which key signs.
#[derive(Clone, Debug, Default)]
pub struct SignOptions {
    /// An anjuan.toml to use instead of the one found at or above the files.
    pub config: Option<PathBuf>,
    /// The secret key (default: the office's `[signing] key`).
    pub key: Option<PathBuf>,
    /// Who signs, for the audit trail.
    pub actor: String,
}

/// Files signed.
#[derive(Debug)]
pub struct Signed {
    /// Each file with its signature file, in the order given.
    pub signatures: Vec<(PathBuf, PathBuf)>,
    /// The signing key's id.
    pub key_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SignFlowError {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error("{0} 是参考副本 (reference copy)，不能用办公室密钥签名：{1}由其出具机关盖章发出，本机关只接收原件归档")]
    ReferenceCopy(PathBuf, String),
}

impl SignFlowError {
    pub fn remedy(&self) -> Option<&'static str> {
        match self {
            SignFlowError::Setup(e) => e.remedy(),
            SignFlowError::ReferenceCopy(..) => Some(
                "扫描收到的原件，在案件记录中写 original = \"originals/…\"；anjuan pack 归档原件，不归档参考副本",
            ),
        }
    }
}

/// Signs each of `files` (a detached `.minisig` beside it) with the key of
/// `opts`; `passphrase` is asked if it is encrypted.
pub fn sign(
    files: &[PathBuf],
    opts: &SignOptions,
    passphrase: Passphrase<'_>,
    progress: Progress<'_>,
) -> Result<Signed, SignFlowError> {
    let key = match &opts.key {
        Some(k) => k.clone(),
        None => {
            let loaded = setup::load_config(opts.config.as_deref(), files)?;
            let rel = loaded.config.signing.key.clone().ok_or(SetupError::NoKey)?;
            loaded.root().join(rel)
        }
    };
    // Reference copies of other bodies' papers are refused before anything is signed.
    let mut datas = Vec::with_capacity(files.len());
    for f in files {
        let data = std::fs::read(f).map_err(|_| SetupError::Read(f.clone()))?;
        if let Some(what) = reference_copy(f, &data) {
            return Err(SignFlowError::ReferenceCopy(f.clone(), what));
        }
        datas.push(data);
    }
    let (sk, pk) = setup::load_key(&key, passphrase)?;
    let counter = Counter::start(progress, Stage::Sign, files.len() as u64, Unit::Items);
    let mut signatures = Vec::with_capacity(files.len());
    for (f, data) in files.iter().zip(datas) {
        let binding = sign::binding_for(f, &data);
        let sig =
            sign::sign(&sk, Some(&pk), &data, &binding).map_err(|source| SetupError::Sign {
                path: f.clone(),
                source,
            })?;
        write_atomic(&sig_path(f), sig.as_bytes()).map_err(SetupError::from)?;
        signatures.push((f.clone(), sig_path(f)));
        counter.advance(1, f.file_name().map(|n| n.to_string_lossy().into_owned()));
    }
    counter.finish();
    if let Ok(loaded) = setup::load_config(opts.config.as_deref(), files) {
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        setup::note(
            &loaded,
            &opts.actor,
            crate::office::audit::AuditAction::PaperSign,
            &format!("{} files", files.len()),
            &format!("key {}: {}", sign::key_id(&pk), names.join(", ")),
            progress,
        );
    }
    Ok(Signed {
        signatures,
        key_id: sign::key_id(&pk),
    })
}

/// A reference copy of another body's paper (复查意见书, 复核意见书, 交办单), by
/// the PDF's keywords (anjuan marks them 参考副本) or by its file name: the kind
/// of paper it is.
pub fn reference_copy(f: &Path, data: &[u8]) -> Option<String> {
    let marked = data.starts_with(b"%PDF-")
        && crate::verify::pdf::facts(data.to_vec())
            .ok()
            .and_then(|x| x.keywords)
            .is_some_and(|k| k.contains("参考副本"));
    let paper = sign::binding_for(f, data).paper;
    let kind = Kind::ALL
        .into_iter()
        .find(|k| k.is_reference() && k.name() == paper);
    match (marked, kind) {
        (_, Some(k)) => Some(k.name().to_string()),
        (true, None) => Some("其他机关的文书".into()),
        (false, None) => None,
    }
}

/// One file's signature checked.
#[derive(Debug)]
pub struct SignatureCheck {
    pub file: PathBuf,
    /// What the signature binds, or why it does not hold (with the remedy).
    pub result: Result<Verified, String>,
}

/// Checks the detached signature of each of `files` against the public key
/// in `public`. A file that fails is a result, not an error.
pub fn verify_signatures(
    files: &[PathBuf],
    public: &Path,
) -> Result<Vec<SignatureCheck>, SignFlowError> {
    let pk = setup::read_public_key(public)?;
    Ok(files
        .iter()
        .map(|f| {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let result = std::fs::read(f)
                .map_err(|e| format!("无法读取文件 (cannot read): {e}"))
                .and_then(|data| {
                    let sig = std::fs::read_to_string(sig_path(f)).map_err(|_| {
                        format!("没有签名文件 (no signature) {}", sig_path(f).display())
                    })?;
                    sign::verify(&pk, &data, &sig, &name)
                        .map_err(|e| format!("{e}；{}", e.remedy()))
                });
            SignatureCheck {
                file: f.clone(),
                result,
            }
        })
        .collect())
}
