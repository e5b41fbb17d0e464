//! Signatures: detached ed25519 signatures in the minisign format (prehashed), so
//! the stock `minisign` tool verifies ours and we verify its.
//!
//! Stage 3 of the flow. Keys and signatures are text "boxes" as minisign writes
//! them (the `minisign` crate parses and prints them). The trusted comment of an
//! anjuan signature binds the case number, the paper, the file name and the
//! file's SHA-256: `anjuan case=XF-2026-0001 paper=处理意见书 file=03-处理意见书.pdf sha256=…`.
//! Nothing here touches files; the command layer reads and writes them.

use std::io::Cursor;

use minisign::{KeyPair, PublicKey, PublicKeyBox, SecretKey, SecretKeyBox, SignatureBox};
use sha2::{Digest, Sha256};

/// The extension of a detached signature, beside the signed file.
pub const SIG_EXT: &str = "minisig";

/// `FILE.minisig`: where a file's detached signature lives.
pub fn sig_path(f: &std::path::Path) -> std::path::PathBuf {
    let mut s = f.as_os_str().to_owned();
    s.push(".");
    s.push(SIG_EXT);
    std::path::PathBuf::from(s)
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("无法生成密钥 (key generation failed): {0}")]
    Generate(String),
    #[error("私钥无法读取或口令错误 (cannot open secret key): {0}")]
    SecretKey(String),
    #[error("无法取得口令 (no passphrase): {0}")]
    Passphrase(String),
    #[error("公钥格式错误 (invalid public key): {0}")]
    PublicKey(String),
    #[error("签名格式错误 (invalid signature file): {0}")]
    Format(String),
    #[error("签名无效 (signature does not verify): {0}")]
    Invalid(String),
    #[error(
        "签名与文件不符 (signature is for another file): 签名写的是 {signed}，文件是 {actual}"
    )]
    Binding { signed: String, actual: String },
}

impl SignError {
    pub fn remedy(&self) -> &'static str {
        match self {
            SignError::Generate(_) => "生成密钥失败：请重试；仍失败时检查系统随机数源",
            SignError::Passphrase(_) => {
                "设置环境变量 ANJUAN_PASSPHRASE，或用 --passphrase-env 指定变量名，或在终端上运行以输入口令；不要口令时用 --unencrypted"
            }
            SignError::SecretKey(_) => {
                "核对口令（ANJUAN_PASSPHRASE 或 --passphrase-env 指定的环境变量）和私钥文件"
            }
            SignError::PublicKey(_) => {
                "公钥文件应为 minisign 格式的两行文本（untrusted comment 与 base64）"
            }
            SignError::Format(_) => "签名文件应为 minisign 格式（.minisig）；文件可能已损坏",
            SignError::Invalid(_) | SignError::Binding { .. } => {
                "文件在签名后被改动，或签名用的不是这把钥匙：请向发送方核实，勿接收"
            }
        }
    }
}

/// A new key pair as (public key box, secret key box) text. An empty passphrase
/// leaves the secret key unencrypted (for unattended use), as `minisign -W` does.
pub fn generate(passphrase: String) -> Result<(String, String), SignError> {
    let kp = KeyPair::generate_encrypted_keypair(Some(passphrase))
        .map_err(|e| SignError::Generate(e.to_string()))?;
    let pk = kp
        .pk
        .to_box()
        .map_err(|e| SignError::Generate(e.to_string()))?
        .into_string();
    let sk = kp
        .sk
        .to_box(Some("anjuan secret key (minisign format)"))
        .map_err(|e| SignError::Generate(e.to_string()))?
        .into_string();
    Ok((pk, sk))
}

/// A secret key from its box text; `passphrase` is empty for an unencrypted key.
pub fn secret_key(text: &str, passphrase: String) -> Result<SecretKey, SignError> {
    if let Some(sk) = stock_unencrypted(text)? {
        return Ok(sk);
    }
    let b = SecretKeyBox::from_string(text).map_err(|e| SignError::SecretKey(e.to_string()))?;
    b.into_secret_key(Some(passphrase))
        .map_err(|e| SignError::SecretKey(e.to_string()))
}

/// A secret key as stock `minisign -G -W` writes it: KDF algorithm 0 (none) and,
/// since minisign 0.11, no checksum (zeros), which the `minisign` crate reads as a
/// wrong password. Read as it is; the key proves itself by a signature its own
/// public half verifies. `None` for any other key (encrypted, or anjuan's own
/// unencrypted keys, which carry a checksum and read the ordinary way).
fn stock_unencrypted(text: &str) -> Result<Option<SecretKey>, SignError> {
    use base64::Engine;
    let Some(line) = text.lines().map(str::trim).filter(|l| !l.is_empty()).nth(1) else {
        return Ok(None);
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(line) else {
        return Ok(None);
    };
    if bytes.len() < 4 || bytes[2..4] != [0, 0] {
        return Ok(None);
    }
    let bad =
        |e: String| SignError::SecretKey(format!("未加密私钥无法读取 (unencrypted key): {e}"));
    let sk = SecretKey::from_bytes(&bytes).map_err(|e| bad(e.to_string()))?;
    // Signing checks that the seed gives the public half the key carries.
    sign_comment(&sk, None, b"anjuan key self-test", "self-test")
        .map_err(|_| bad("私钥与其公钥不符（文件可能已损坏）".into()))?;
    Ok(Some(sk))
}

/// The public key matching a secret key.
pub fn public_of(sk: &SecretKey) -> Result<PublicKey, SignError> {
    PublicKey::from_secret_key(sk).map_err(|e| SignError::SecretKey(e.to_string()))
}

/// A public key from its box text (or a bare base64 line).
pub fn public_key(text: &str) -> Result<PublicKey, SignError> {
    let text = text.trim();
    if text.lines().count() == 1 {
        return PublicKey::from_base64(text).map_err(|e| SignError::PublicKey(e.to_string()));
    }
    PublicKeyBox::from_string(text)
        .and_then(|b| b.into_public_key())
        .map_err(|e| SignError::PublicKey(e.to_string()))
}

/// The SHA-256 of some bytes, lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    let d = Sha256::digest(data);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// What an anjuan signature says about the file it signs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Binding {
    pub case: String,
    pub paper: String,
    pub file: String,
    pub sha256: String,
    /// 签名时间 (signing time), ISO 8601 with zone (`2026-07-10T09:30:00+08:00`);
    /// inside the trusted comment, so the signature vouches for it. `None` in
    /// signatures made before anjuan recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

impl Binding {
    /// The trusted comment: one line, `key=value` fields, values without spaces.
    pub fn comment(&self) -> String {
        let clean = |s: &str| s.replace(char::is_whitespace, "_");
        let mut c = format!(
            "anjuan case={} paper={} file={} sha256={}",
            clean(&self.case),
            clean(&self.paper),
            clean(&self.file),
            self.sha256
        );
        if let Some(t) = &self.time {
            c.push_str(" time=");
            c.push_str(&clean(t));
        }
        c
    }

    /// The bound digest and file name are those of this file.
    pub fn check(&self, sha256: &str, file_name: &str) -> Result<(), SignError> {
        if self.sha256 != sha256 {
            return Err(SignError::Binding {
                signed: format!("sha256={}", self.sha256),
                actual: format!("sha256={sha256}"),
            });
        }
        if self.file != file_name.replace(char::is_whitespace, "_") {
            return Err(SignError::Binding {
                signed: self.file.clone(),
                actual: file_name.to_string(),
            });
        }
        Ok(())
    }

    /// Parses an anjuan trusted comment (None for a foreign one).
    pub fn parse(comment: &str) -> Option<Binding> {
        let rest = comment.strip_prefix("anjuan ")?;
        let field = |k: &str| {
            rest.split(' ')
                .find_map(|kv| kv.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
                .map(str::to_string)
        };
        Some(Binding {
            case: field("case")?,
            paper: field("paper")?,
            file: field("file")?,
            sha256: field("sha256")?,
            time: field("time"),
        })
    }
}

/// The zone of signing times: China Standard Time.
const CST_SECONDS: i32 = 8 * 3600;

/// The time to record for a signature made now: `SOURCE_DATE_EPOCH` (seconds since
/// 1970, the reproducible-builds convention) when set, otherwise the clock; in China
/// Standard Time, ISO 8601 with the zone (`2026-07-10T09:30:00+08:00`).
pub fn signing_time_now() -> String {
    let zone = chrono::FixedOffset::east_opt(CST_SECONDS).expect("+08:00 is a valid offset");
    let utc = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .unwrap_or_else(chrono::Utc::now);
    utc.with_timezone(&zone)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// A signing time as recorded is well-formed: ISO 8601 date and time with a zone.
pub fn is_signing_time(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

/// Signs `data` (prehashed ed25519), binding it to `binding`; returns the
/// signature box text to write beside the file.
pub fn sign(
    sk: &SecretKey,
    pk: Option<&PublicKey>,
    data: &[u8],
    binding: &Binding,
) -> Result<String, SignError> {
    sign_comment(sk, pk, data, &binding.comment())
}

/// Signs `data` with any trusted comment.
///
/// The signature is plain RFC 8032 ed25519, which is deterministic: the same key,
/// data and comment give the same bytes, so a signature inside an archive keeps
/// the archive reproducible. (The `minisign` crate hedges its nonces with random
/// bytes; its signatures are equally valid but differ on every run.) The box is
/// the minisign format: `ED` + key id + signature over BLAKE2b-512 of the data,
/// then a global signature over that signature and the trusted comment.
pub fn sign_comment(
    sk: &SecretKey,
    pk: Option<&PublicKey>,
    data: &[u8],
    trusted_comment: &str,
) -> Result<String, SignError> {
    use base64::Engine as _;
    use blake2::Blake2b512;
    use ed25519_dalek::Signer as _;
    if trusted_comment.contains(['\n', '\r']) {
        return Err(SignError::Format("trusted comment must be one line".into()));
    }
    // SecretKey::to_bytes: sig_alg(2) kdf_alg(2) chk_alg(2) salt(32) ops(8) mem(8)
    // keynum(8) sk(64 = seed 32 + public 32) chk(32); decrypted once loaded.
    let raw = sk.to_bytes();
    if raw.len() != 158 {
        return Err(SignError::SecretKey(format!(
            "unexpected secret key length {}",
            raw.len()
        )));
    }
    let keynum: [u8; 8] = raw[54..62].try_into().expect("8 bytes");
    let seed: [u8; 32] = raw[62..94].try_into().expect("32 bytes");
    let signer = ed25519_dalek::SigningKey::from_bytes(&seed);
    if signer.verifying_key().as_bytes()[..] != raw[94..126] {
        return Err(SignError::SecretKey(
            "secret key is damaged (public half does not match)".into(),
        ));
    }
    if let Some(pk) = pk {
        if pk.keynum() != &keynum[..] {
            return Err(SignError::SecretKey(
                "public key does not belong to this secret key".into(),
            ));
        }
    }
    let prehash = Blake2b512::digest(data);
    let sig = signer.sign(&prehash).to_bytes();
    let mut bones = Vec::with_capacity(74);
    bones.extend_from_slice(b"ED");
    bones.extend_from_slice(&keynum);
    bones.extend_from_slice(&sig);
    let mut global = Vec::with_capacity(64 + trusted_comment.len());
    global.extend_from_slice(&sig);
    global.extend_from_slice(trusted_comment.as_bytes());
    let global_sig = signer.sign(&global).to_bytes();
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(format!(
        "untrusted comment: signature from anjuan secret key\n{}\ntrusted comment: {}\n{}\n",
        b64.encode(&bones),
        trusted_comment,
        b64.encode(global_sig)
    ))
}

/// The key id of a public key, as minisign prints it (16 hex digits).
pub fn key_id(pk: &PublicKey) -> String {
    keynum_hex(pk.keynum())
}

/// A key number (little-endian bytes) as minisign prints it.
fn keynum_hex(keynum: &[u8]) -> String {
    keynum.iter().rev().map(|b| format!("{b:02X}")).collect()
}

/// The outcome of checking one signature.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Verified {
    pub trusted_comment: String,
    /// Present when the signature was made by anjuan.
    pub binding: Option<Binding>,
}

/// Verifies `sig_text` over `data` with `pk`; for an anjuan signature, also that
/// the bound file name and SHA-256 are those of this file.
pub fn verify(
    pk: &PublicKey,
    data: &[u8],
    sig_text: &str,
    file_name: &str,
) -> Result<Verified, SignError> {
    if SigBox::parse(sig_text)?.prehashed {
        return verify_prehashed(pk, &blake2b(data), &sha256_hex(data), sig_text, file_name);
    }
    // A legacy signature over the raw data (minisign before 0.10, or `-l`).
    let sig = SignatureBox::from_string(sig_text).map_err(|e| SignError::Format(e.to_string()))?;
    minisign::verify(pk, &sig, Cursor::new(data), true, false, true)
        .map_err(|e| SignError::Invalid(e.to_string()))?;
    let trusted_comment = sig
        .trusted_comment()
        .map_err(|e| SignError::Format(e.to_string()))?;
    let binding = Binding::parse(&trusted_comment);
    if let Some(b) = &binding {
        b.check(&sha256_hex(data), file_name)?;
    }
    Ok(Verified {
        trusted_comment,
        binding,
    })
}

/// A signature box taken apart.
#[derive(Clone, Debug)]
pub struct SigBox {
    /// `ED` (prehashed, current minisign) or `Ed` (legacy, over the raw data).
    pub prehashed: bool,
    pub keynum: [u8; 8],
    pub sig: [u8; 64],
    pub trusted_comment: String,
    pub global: [u8; 64],
}

impl SigBox {
    pub fn parse(text: &str) -> Result<SigBox, SignError> {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let bad = |m: &str| SignError::Format(m.to_string());
        let mut lines = text.lines();
        let first = lines.next().ok_or_else(|| bad("empty"))?;
        if !first.starts_with("untrusted comment:") {
            return Err(bad("first line must be `untrusted comment:`"));
        }
        let raw = b64
            .decode(lines.next().ok_or_else(|| bad("no signature line"))?.trim())
            .map_err(|e| bad(&e.to_string()))?;
        if raw.len() != 74 {
            return Err(bad("signature line has the wrong length"));
        }
        let prehashed = match &raw[..2] {
            b"ED" => true,
            b"Ed" => false,
            _ => return Err(bad("unknown signature algorithm")),
        };
        let tc = lines
            .next()
            .and_then(|l| l.strip_prefix("trusted comment: "))
            .ok_or_else(|| bad("no `trusted comment:` line"))?;
        let global = b64
            .decode(
                lines
                    .next()
                    .ok_or_else(|| bad("no global signature"))?
                    .trim(),
            )
            .map_err(|e| bad(&e.to_string()))?;
        Ok(SigBox {
            prehashed,
            keynum: raw[2..10].try_into().expect("8 bytes"),
            sig: raw[10..74].try_into().expect("64 bytes"),
            trusted_comment: tc.to_string(),
            global: global
                .as_slice()
                .try_into()
                .map_err(|_| bad("global signature has the wrong length"))?,
        })
    }

    /// The signing key's id as minisign prints it.
    pub fn key_id(&self) -> String {
        keynum_hex(&self.keynum)
    }
}

/// Verifies a prehashed signature given the file's BLAKE2b-512 and SHA-256
/// (computed in the same read as its other digests), and the binding.
pub fn verify_prehashed(
    pk: &PublicKey,
    blake2b: &[u8],
    sha256: &str,
    sig_text: &str,
    file_name: &str,
) -> Result<Verified, SignError> {
    Verifier::new(pk)?.verify_prehashed(blake2b, sha256, sig_text, file_name)
}

/// A public key made ready once (its curve point decompressed) to verify many
/// signatures: a year bundle carries ~40,000.
#[derive(Clone, Debug)]
pub struct Verifier {
    keynum: [u8; 8],
    vk: ed25519_dalek::VerifyingKey,
}

impl Verifier {
    pub fn new(pk: &PublicKey) -> Result<Verifier, SignError> {
        let pkb = pk.to_bytes();
        if pkb.len() != 42 {
            return Err(SignError::PublicKey(
                "public key has the wrong length".into(),
            ));
        }
        let vk = ed25519_dalek::VerifyingKey::from_bytes(pkb[10..42].try_into().expect("32 bytes"))
            .map_err(|e| SignError::PublicKey(e.to_string()))?;
        Ok(Verifier {
            keynum: pkb[2..10].try_into().expect("8 bytes"),
            vk,
        })
    }

    /// The key id as minisign prints it.
    pub fn key_id(&self) -> String {
        keynum_hex(&self.keynum)
    }

    /// [`verify_prehashed`] with this key.
    pub fn verify_prehashed(
        &self,
        blake2b: &[u8],
        sha256: &str,
        sig_text: &str,
        file_name: &str,
    ) -> Result<Verified, SignError> {
        let sb = SigBox::parse(sig_text)?;
        if self.keynum != sb.keynum {
            return Err(SignError::Invalid(format!(
                "签名密钥 {} 不是所给公钥 (signed by another key)",
                sb.key_id()
            )));
        }
        if !sb.prehashed {
            return Err(SignError::Format(
                "legacy (non-prehashed) signature; re-sign with current minisign".into(),
            ));
        }
        let sig = ed25519_dalek::Signature::from_bytes(&sb.sig);
        self.vk.verify_strict(blake2b, &sig).map_err(|_| {
            SignError::Invalid("签名与文件内容不符 (signature does not match the file)".into())
        })?;
        let mut global = sb.sig.to_vec();
        global.extend_from_slice(sb.trusted_comment.as_bytes());
        self.vk
            .verify_strict(&global, &ed25519_dalek::Signature::from_bytes(&sb.global))
            .map_err(|_| {
                SignError::Invalid("可信注释被改动 (trusted comment was altered)".into())
            })?;
        let binding = Binding::parse(&sb.trusted_comment);
        if let Some(b) = &binding {
            b.check(sha256, file_name)?;
        }
        Ok(Verified {
            trusted_comment: sb.trusted_comment,
            binding,
        })
    }
}

/// BLAKE2b-512 of some bytes (minisign's prehash).
pub fn blake2b(data: &[u8]) -> Vec<u8> {
    use blake2::Digest as _;
    blake2::Blake2b512::digest(data).to_vec()
}

/// The case and paper of a rendered file from its path: `<case>/<NN>-<paper>.pdf`.
pub fn binding_for(path: &std::path::Path, data: &[u8]) -> Binding {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let case = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "-".into());
    let stem = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let paper = match stem.split_once('-') {
        Some((n, rest)) if n.chars().all(|c| c.is_ascii_digit()) => rest.to_string(),
        _ => stem,
    };
    // `送达回证（受理告知书）`: the kind is 送达回证; the bracket says which paper
    // it served (as `anjuan render` binds it).
    let paper = match paper.strip_suffix('）').and_then(|p| p.split_once('（')) {
        Some((kind, _)) if !kind.is_empty() => kind.to_string(),
        _ => paper,
    };
    Binding {
        case,
        paper,
        file,
        sha256: sha256_hex(data),
        time: Some(signing_time_now()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (PublicKey, SecretKey) {
        let (pk, sk) = generate(String::new()).unwrap();
        (
            public_key(&pk).unwrap(),
            secret_key(&sk, String::new()).unwrap(),
        )
    }

    /// A key as stock `minisign -G -W` (0.11) writes it: KDF 0, zero checksum.
    #[test]
    fn stock_unencrypted_keys_are_read() {
        let kp = KeyPair::generate_unencrypted_keypair().unwrap();
        let mut bytes = kp.sk.to_bytes();
        bytes[2] = 0;
        bytes[3] = 0;
        use base64::Engine;
        let text = format!(
            "untrusted comment: minisign encrypted secret key\n{}\n",
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        );
        let sk = secret_key(&text, String::new()).unwrap();
        let pk = public_of(&sk).unwrap();
        let sig = sign_comment(&sk, Some(&pk), b"x", "t").unwrap();
        assert!(verify(&pk, b"x", &sig, "x").is_ok());
        // A damaged one is refused, not used.
        let mut bad = bytes.clone();
        bad[70] ^= 1;
        let text = format!(
            "untrusted comment: k\n{}\n",
            base64::engine::general_purpose::STANDARD.encode(&bad)
        );
        assert!(secret_key(&text, String::new()).is_err());
    }

    #[test]
    fn round_trip_and_binding() {
        let (pk, sk) = pair();
        let data = b"%PDF-1.7 paper".to_vec();
        let b = binding_for(
            std::path::Path::new("out/XF-2026-0001/03-处理意见书.pdf"),
            &data,
        );
        assert_eq!(
            (b.case.as_str(), b.paper.as_str()),
            ("XF-2026-0001", "处理意见书")
        );
        // A receipt binds its kind, as `render` does; the bracket names what it served.
        let r = binding_for(
            std::path::Path::new("out/XF-2026-0001/02-送达回证（受理告知书）.pdf"),
            &data,
        );
        assert_eq!(r.paper, "送达回证");
        let sig = sign(&sk, Some(&pk), &data, &b).unwrap();
        assert_eq!(
            sig,
            sign(&sk, Some(&pk), &data, &b).unwrap(),
            "deterministic"
        );
        let v = verify(&pk, &data, &sig, "03-处理意见书.pdf").unwrap();
        assert_eq!(v.binding, Some(b));
        // Another file name, other bytes, another key: each refused.
        assert!(matches!(
            verify(&pk, &data, &sig, "04-x.pdf"),
            Err(SignError::Binding { .. })
        ));
        let mut other = data.clone();
        other[0] ^= 1;
        assert!(matches!(
            verify(&pk, &other, &sig, "03-处理意见书.pdf"),
            Err(SignError::Invalid(_))
        ));
        let (pk2, _) = pair();
        assert!(verify(&pk2, &data, &sig, "03-处理意见书.pdf").is_err());
    }

    #[test]
    fn encrypted_keys_need_their_passphrase() {
        let (_, sk) = generate("正确口令 correct".into()).unwrap();
        assert!(secret_key(&sk, "正确口令 correct".into()).is_ok());
        assert!(matches!(
            secret_key(&sk, "wrong".into()),
            Err(SignError::SecretKey(_))
        ));
    }
}
