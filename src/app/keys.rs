//! `anjuan key`, `anjuan sign`, `anjuan verify-sig`: keys and detached signatures.

use super::*;

pub(super) fn key_new(
    dir: &Path,
    unencrypted: bool,
    passphrase_env: Option<&str>,
    force: bool,
    json: bool,
) -> Result<Outcome, AppError> {
    let passphrase = new_passphrase(unencrypted, passphrase_env)?;
    let made = make_key(dir, passphrase, force)?;
    let report = key_report(&made);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
        return Ok(Outcome::Clean);
    }
    println!(
        "已生成密钥 (key pair): 私钥 {}，公钥 {}",
        made.secret.display(),
        made.public.display()
    );
    if !made.encrypted {
        println!("注意 (note): 私钥未加密 (unencrypted)，请妥善保管此文件");
    }
    let toml = crate::config::Config::find(dir)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "anjuan.toml".into());
    println!(
        "把公钥 {} 交给接收方，用于核验签名。",
        made.public.display()
    );
    println!(
        "在 {toml} 中写入以下内容，生成文书时即签名 (add to {toml} to sign as papers are made):"
    );
    println!(
        "[signing]\nkey = \"{}\"\npublic = \"{}\"\nrequired = true",
        report.signing_key, report.signing_public
    );
    Ok(Outcome::Clean)
}

/// The key pair as `--json` reports it, with the `[signing]` paths relative to the
/// anjuan.toml of the office the key folder belongs to (found as every command
/// finds it), or as given when there is none.
pub(super) fn key_report(made: &MadeKey) -> crate::office::output::KeyReport {
    let dir = made.secret.parent().unwrap_or(Path::new("."));
    let (key, public) = match crate::config::Config::find(dir) {
        Some(cfg) => {
            let base = cfg.parent().unwrap_or(Path::new("."));
            (
                relative_to(&made.secret, base),
                relative_to(&made.public, base),
            )
        }
        None => (
            made.secret.display().to_string(),
            made.public.display().to_string(),
        ),
    };
    crate::office::output::KeyReport {
        schema: "anjuan-key/1".into(),
        secret_key: made.secret.display().to_string(),
        public_key: made.public.display().to_string(),
        encrypted: made.encrypted,
        signing_key: key,
        signing_public: public,
    }
}

/// The passphrase for a new key: none with `unencrypted`; else the named variable,
/// else ANJUAN_PASSPHRASE, else asked twice on the terminal.
pub(super) fn new_passphrase(
    unencrypted: bool,
    passphrase_env: Option<&str>,
) -> Result<String, AppError> {
    if unencrypted {
        return Ok(String::new());
    }
    match passphrase_env {
        Some(var) => std::env::var(var).map_err(|_| AppError::Sign {
            path: PathBuf::from(format!("${var}")),
            source: SignError::Passphrase(format!("环境变量 {var} 没有设置 (not set)")),
        }),
        None => match std::env::var("ANJUAN_PASSPHRASE") {
            Ok(p) if !p.is_empty() => Ok(p),
            _ => ask_twice(),
        },
    }
}

/// A key pair just written.
pub(super) struct MadeKey {
    pub(super) secret: PathBuf,
    pub(super) public: PathBuf,
    pub(super) encrypted: bool,
}

/// Makes `anjuan.key` and `anjuan.pub` in `dir`, the secret key under `passphrase`
/// (unencrypted when empty). The secret key is owner-only (0600), the public key 0644.
pub(super) fn make_key(dir: &Path, passphrase: String, force: bool) -> Result<MadeKey, AppError> {
    let (skp, pkp) = (dir.join("anjuan.key"), dir.join("anjuan.pub"));
    for p in [&skp, &pkp] {
        if p.exists() && !force {
            return Err(AppError::Exists(p.clone()));
        }
    }
    let err = |source| AppError::Sign {
        path: skp.clone(),
        source,
    };
    let (pk, sk) = sign::generate(passphrase.clone()).map_err(err)?;
    crate::fsutil::write_secret(&skp, sk.as_bytes())?;
    write_atomic(&pkp, pk.as_bytes())?;
    Ok(MadeKey {
        secret: skp,
        public: pkp,
        encrypted: !passphrase.is_empty(),
    })
}

/// `path` written relative to `base` where it lies under it (`keys/anjuan.key`),
/// else as it is; always with `/`.
pub(super) fn relative_to(path: &Path, base: &Path) -> String {
    let abs = |p: &Path| {
        std::fs::canonicalize(p)
            .or_else(|_| std::path::absolute(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let (p, b) = (abs(path), abs(base));
    p.strip_prefix(&b)
        .map(|r| r.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| path.display().to_string())
}

/// Asks for a new passphrase twice on the terminal.
pub(super) fn ask_twice() -> Result<String, AppError> {
    ask_secret_twice("私钥口令 (passphrase): ").map_err(|m| AppError::Sign {
        path: PathBuf::from("(terminal)"),
        source: SignError::Passphrase(m),
    })
}

/// Asks for a new secret (a key's passphrase, an account's password) twice on the
/// terminal, without echo: the answer, or why there is none.
pub(crate) fn ask_secret_twice(prompt: &str) -> Result<String, String> {
    let ask = |p: &str| {
        rpassword::prompt_password(p)
            .map_err(|e| format!("无法从终端读取口令 (cannot read from the terminal): {e}"))
    };
    let a = ask(prompt)?;
    let b = ask("再输入一次 (again): ")?;
    if a != b {
        return Err("两次输入的口令不同 (the two entries differ)".into());
    }
    Ok(a)
}

/// The passphrase of an encrypted key: the named variable, ANJUAN_PASSPHRASE, or
/// the terminal; else where it was looked for and why there is none.
pub(super) fn asked_passphrase(pass: Option<&PassOptions>) -> Result<String, (PathBuf, SignError)> {
    if let Some(var) = pass.and_then(|p| p.passphrase_env.as_deref()) {
        return std::env::var(var).map_err(|_| {
            (
                PathBuf::from(format!("${var}")),
                SignError::Passphrase(format!("环境变量 {var} 没有设置 (not set)")),
            )
        });
    }
    if let Ok(p) = std::env::var("ANJUAN_PASSPHRASE") {
        return Ok(p);
    }
    rpassword::prompt_password("私钥口令 (passphrase): ").map_err(|e| {
        (
            PathBuf::from("(terminal)"),
            SignError::Passphrase(format!("无法读取口令 (cannot read passphrase): {e}")),
        )
    })
}

/// [`asked_passphrase`] as the library's passphrase callback: asked only for an
/// encrypted key.
pub(super) fn key_passphrase(
    pass: Option<&PassOptions>,
) -> impl Fn(&Path) -> Result<String, SetupError> + Sync + '_ {
    move |_| asked_passphrase(pass).map_err(|(path, source)| SetupError::Sign { path, source })
}

pub(super) fn sign_files(
    config: Option<&Path>,
    files: &[PathBuf],
    key: Option<&Path>,
    pass: &PassOptions,
) -> Result<Outcome, AppError> {
    let opts = crate::office::sign::SignOptions {
        config: config.map(Path::to_path_buf),
        key: key.map(Path::to_path_buf),
        actor: crate::office::audit::cli_actor(),
    };
    let bars = bars::Bars::new();
    let signed = crate::office::sign::sign(files, &opts, &key_passphrase(Some(pass)), &|e| {
        bars.event(e)
    })?;
    for (f, sig) in &signed.signatures {
        println!("已签名 (signed) {} → {}", f.display(), sig.display());
    }
    Ok(Outcome::Clean)
}

pub(super) fn verify_sigs(files: &[PathBuf], public: &Path) -> Result<Outcome, AppError> {
    let mut bad = 0;
    for c in crate::office::sign::verify_signatures(files, public)? {
        match c.result {
            Ok(v) => match &v.binding {
                Some(b) => println!(
                    "通过 (valid) {}：案件 {}，{}，sha256 {}",
                    c.file.display(),
                    b.case,
                    b.paper,
                    b.sha256
                ),
                None => println!(
                    "通过 (valid) {}：trusted comment: {}",
                    c.file.display(),
                    v.trusted_comment
                ),
            },
            Err(e) => {
                bad += 1;
                println!("失败 (INVALID) {}：{e}", c.file.display());
            }
        }
    }
    Ok(if bad > 0 {
        Outcome::Invalid
    } else {
        Outcome::Clean
    })
}
