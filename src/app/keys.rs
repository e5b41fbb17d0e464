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

/// The passphrase of an existing key: the named variable, ANJUAN_PASSPHRASE, the
/// terminal, or none for an unencrypted key.
pub(super) fn passphrase_for(
    key_text: &str,
    pass: Option<&PassOptions>,
) -> Result<String, AppError> {
    // An unencrypted key needs none, whatever the environment holds (an office may
    // keep ANJUAN_PASSPHRASE set for its own key while using another's).
    if sign::secret_key(key_text, String::new()).is_ok() {
        return Ok(String::new());
    }
    asked_passphrase(pass).map_err(|(path, source)| AppError::Sign { path, source })
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

/// Loads a secret key and its public key.
pub(super) fn load_key(
    path: &Path,
    pass: Option<&PassOptions>,
) -> Result<(minisign::SecretKey, minisign::PublicKey), AppError> {
    let text = std::fs::read_to_string(path).map_err(|_| AppError::Read(path.to_path_buf()))?;
    let passphrase = passphrase_for(&text, pass)?;
    let err = |source| AppError::Sign {
        path: path.to_path_buf(),
        source,
    };
    let sk = sign::secret_key(&text, passphrase).map_err(err)?;
    let pk = sign::public_of(&sk).map_err(err)?;
    Ok((sk, pk))
}

pub(super) fn sign_files(
    config: Option<&Path>,
    files: &[PathBuf],
    key: Option<&Path>,
    pass: &PassOptions,
) -> Result<Outcome, AppError> {
    let key = match key {
        Some(k) => k.to_path_buf(),
        None => {
            let loaded = load_config(config, files)?;
            let rel = loaded.config.signing.key.clone().ok_or(AppError::NoKey)?;
            loaded.root().join(rel)
        }
    };
    // Reference copies of other bodies' papers are refused before anything is signed.
    let mut datas = Vec::with_capacity(files.len());
    for f in files {
        let data = std::fs::read(f).map_err(|_| AppError::Read(f.clone()))?;
        if let Some(what) = reference_copy(f, &data) {
            return Err(AppError::ReferenceCopy(f.clone(), what));
        }
        datas.push(data);
    }
    let (sk, pk) = load_key(&key, Some(pass))?;
    for (f, data) in files.iter().zip(datas) {
        let binding = sign::binding_for(f, &data);
        let sig = sign::sign(&sk, Some(&pk), &data, &binding).map_err(|source| AppError::Sign {
            path: f.clone(),
            source,
        })?;
        write_atomic(&sig_path(f), sig.as_bytes())?;
        println!(
            "已签名 (signed) {} → {}",
            f.display(),
            sig_path(f).display()
        );
    }
    if let Ok(loaded) = load_config(config, files) {
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        audit::note(
            &loaded,
            crate::office::audit::AuditAction::PaperSign,
            &format!("{} files", files.len()),
            &format!("key {}: {}", sign::key_id(&pk), names.join(", ")),
        );
    }
    Ok(Outcome::Clean)
}

/// A reference copy of another body's paper (复查意见书, 复核意见书, 交办单), by
/// the PDF's keywords (anjuan marks them 参考副本) or by its file name: the kind
/// of paper it is.
pub(super) fn reference_copy(f: &Path, data: &[u8]) -> Option<String> {
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

pub(super) fn verify_sigs(files: &[PathBuf], public: &Path) -> Result<Outcome, AppError> {
    let text = std::fs::read_to_string(public).map_err(|_| AppError::Read(public.to_path_buf()))?;
    let pk = sign::public_key(&text).map_err(|source| AppError::Sign {
        path: public.to_path_buf(),
        source,
    })?;
    let mut bad = 0;
    for f in files {
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
                sign::verify(&pk, &data, &sig, &name).map_err(|e| format!("{e}；{}", e.remedy()))
            });
        match result {
            Ok(v) => match &v.binding {
                Some(b) => println!(
                    "通过 (valid) {}：案件 {}，{}，sha256 {}",
                    f.display(),
                    b.case,
                    b.paper,
                    b.sha256
                ),
                None => println!(
                    "通过 (valid) {}：trusted comment: {}",
                    f.display(),
                    v.trusted_comment
                ),
            },
            Err(e) => {
                bad += 1;
                println!("失败 (INVALID) {}：{e}", f.display());
            }
        }
    }
    Ok(if bad > 0 {
        Outcome::Invalid
    } else {
        Outcome::Clean
    })
}
