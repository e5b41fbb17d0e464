//! `anjuan verify`, `anjuan receipt`, `anjuan check-receipt`: the receiving office's side.

use super::*;

/// Reads the trusted keys and the options of a verification.
pub(super) fn verify_options(
    opts: &crate::cli::VerifyOptions,
    jobs: usize,
) -> Result<crate::verify::Options, AppError> {
    let mut trust = Vec::new();
    for p in &opts.trust {
        let text = std::fs::read_to_string(p).map_err(|_| AppError::Read(p.clone()))?;
        let pk = sign::public_key(&text).map_err(|source| AppError::Sign {
            path: p.clone(),
            source,
        })?;
        trust.push((sign::key_id(&pk), pk));
    }
    for a in &opts.algs {
        if !["sha256", "sha512", "sm3"].contains(&a.as_str()) {
            return Err(AppError::Alg(a.clone()));
        }
    }
    Ok(crate::verify::Options {
        trust,
        algs: opts.algs.clone(),
        bagit_only: opts.bagit,
        profile: opts.profile.unwrap_or_default(),
        scan: opts.scan.clone(),
        date: opts.date.unwrap_or_else(Date::today).to_string(),
        jobs,
    })
}

pub(super) fn run_verify(
    bundle: &Path,
    opts: &crate::cli::VerifyOptions,
    jobs: usize,
) -> Result<crate::verify::Report, AppError> {
    let vo = verify_options(opts, jobs)?;
    if !bundle.exists() {
        return Err(AppError::Read(bundle.to_path_buf()));
    }
    Ok(crate::verify::verify(bundle, &vo)?)
}

/// Renders the PDF 检测报告 to `path` (atomically).
pub(super) fn write_report_pdf(
    loaded: &Loaded,
    look: &LookOptions,
    report: &crate::verify::Report,
    path: &Path,
) -> Result<(), AppError> {
    let cfg = &loaded.config;
    let renderer = Renderer::new(cfg, &loaded.root(), &render_options(loaded, look, None))?;
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

pub(super) fn verify_bundle(
    config: Option<&Path>,
    bundle: &Path,
    opts: &crate::cli::VerifyOptions,
    json: bool,
    report_pdf: Option<&Path>,
    look: &LookOptions,
) -> Result<Outcome, AppError> {
    let report = run_verify(bundle, opts, look.jobs)?;
    if json {
        print!("{}", report.to_json());
    } else {
        print!("{}", report.to_text(10));
    }
    if let Some(p) = report_pdf {
        let loaded = load_config(config, &[PathBuf::from(".")])?;
        write_report_pdf(&loaded, look, &report, p)?;
        eprintln!("检测报告 (report): {}", p.display());
    }
    Ok(if report.accepted() {
        Outcome::Clean
    } else {
        Outcome::Invalid
    })
}

pub(super) fn receipt(
    config: Option<&Path>,
    bundle: &Path,
    opts: &crate::cli::VerifyOptions,
    key: Option<&Path>,
    (output, json): (&Path, bool),
    pass: &PassOptions,
    look: &LookOptions,
) -> Result<Outcome, AppError> {
    if opts.bagit {
        return Err(AppError::ReceiptBagit);
    }
    let loaded = load_config(config, &[PathBuf::from(".")])?;
    // The receipt is the receiver's: it names the receiving body as configured in
    // the receiver's own anjuan.toml ([office] name), never a placeholder.
    let receiver = match &loaded.path {
        None => {
            return Err(AppError::NoReceiverName(format!(
                "没有找到接收方的 {} (no anjuan.toml here or above)",
                crate::config::FILE_NAME
            )))
        }
        Some(p) if loaded.config.office.name.trim().is_empty() => {
            return Err(AppError::NoReceiverName(format!(
                "{} [office] name",
                p.display()
            )))
        }
        Some(_) => loaded.config.office.name.trim().to_string(),
    };
    let key = match key {
        Some(k) => k.to_path_buf(),
        None => loaded
            .root()
            .join(loaded.config.signing.key.clone().ok_or(AppError::NoKey)?),
    };
    let (sk, pk) = load_key(&key, Some(pass))?;
    sweep_stale([output]);
    let report = run_verify(bundle, opts, look.jobs)?;
    if !json {
        print!("{}", report.to_text(10));
    }
    std::fs::create_dir_all(output).map_err(AppError::Output)?;
    let name = &report.bundle.name;
    let rc =
        crate::verify::receipt::Receipt::from_report(&report, &receiver, Some(sign::key_id(&pk)));
    let sign_to = |file: &str, data: &[u8], paper: &str| -> Result<(), AppError> {
        let path = output.join(file);
        let binding = sign::Binding {
            case: name.clone(),
            paper: paper.into(),
            file: file.into(),
            sha256: sign::sha256_hex(data),
            time: Some(sign::signing_time_now()),
        };
        let sig = sign::sign(&sk, Some(&pk), data, &binding).map_err(|source| AppError::Sign {
            path: path.clone(),
            source,
        })?;
        write_atomic(&path, data)?;
        write_atomic(&sig_path(&path), sig.as_bytes())?;
        Ok(())
    };
    // The full report as JSON and PDF, then the receipt that names them.
    let report_json = format!("检测报告-{name}.json");
    sign_to(&report_json, report.to_json().as_bytes(), "检测报告")?;
    let report_pdf = output.join(format!("检测报告-{name}.pdf"));
    write_report_pdf(&loaded, look, &report, &report_pdf)?;
    let rc_json = format!("接收回执-{name}.json");
    sign_to(&rc_json, rc.to_json().as_bytes(), "接收回执")?;
    let renderer = Renderer::new(
        &loaded.config,
        &loaded.root(),
        &render_options(&loaded, look, None),
    )?;
    let doc = crate::render::Doc {
        owner: name.clone(),
        paper: "接收回执".into(),
        template: "receipt.typ".into(),
        file: format!("接收回执-{name}.pdf"),
        date: Date::parse(&report.checked_on).unwrap_or_else(Date::today),
    };
    let pdf = renderer.render_doc(&doc, &rc.context(&packing::office_context(&loaded.config)))?;
    sign_to(&doc.file, &pdf.pdf, "接收回执")?;
    audit::note(
        &loaded,
        crate::office::audit::AuditAction::Receipt,
        &output.join(&rc_json).display().to_string(),
        &format!(
            "{} bundle {}",
            if report.accepted() {
                "accepted"
            } else {
                "refused"
            },
            bundle.display()
        ),
    );
    if json {
        let doc = crate::office::output::ReceiptMade {
            schema: "anjuan-receipt-made/1".into(),
            receipt: output.join(&rc_json).display().to_string(),
            accepted: report.accepted(),
            key_id: sign::key_id(&pk),
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(if report.accepted() {
            Outcome::Clean
        } else {
            Outcome::Invalid
        });
    }
    println!(
        "接收回执 (receipt): {}（{}，签名密钥 {}）",
        output.join(&rc_json).display(),
        if report.accepted() {
            "同意接收"
        } else {
            "不予接收"
        },
        sign::key_id(&pk)
    );
    Ok(if report.accepted() {
        Outcome::Clean
    } else {
        Outcome::Invalid
    })
}

pub(super) fn check_receipt(
    receipt: &Path,
    public: &Path,
    bundle: Option<&Path>,
    json: bool,
) -> Result<Outcome, AppError> {
    let text = std::fs::read_to_string(public).map_err(|_| AppError::Read(public.to_path_buf()))?;
    let pk = sign::public_key(&text).map_err(|source| AppError::Sign {
        path: public.to_path_buf(),
        source,
    })?;
    let data = std::fs::read(receipt).map_err(|_| AppError::Read(receipt.to_path_buf()))?;
    let sig = std::fs::read_to_string(sig_path(receipt))
        .map_err(|_| AppError::Read(sig_path(receipt)))?;
    let file = receipt
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut problems = Vec::new();
    let signed = sign::verify(&pk, &data, &sig, &file);
    if let Err(e) = &signed {
        problems.push(format!("回执签名无效 (bad signature): {e}"));
    }
    let rc: Option<crate::verify::receipt::Receipt> = serde_json::from_slice(&data).ok();
    match &rc {
        None => problems.push("回执不是 anjuan-receipt/1 格式的 JSON".into()),
        Some(rc) => {
            if let Some(b) = bundle {
                let got = crate::archive::bag::sha256_file(b)
                    .map_err(|_| AppError::Read(b.to_path_buf()))?;
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
    if json {
        let doc = crate::office::output::ReceiptCheck {
            schema: "anjuan-check-receipt/1".into(),
            valid: problems.is_empty(),
            accepted: good,
            problems,
            receipt: rc,
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(if good {
            Outcome::Clean
        } else {
            Outcome::Invalid
        });
    }
    if good {
        println!("✓ 回执有效：签名核验通过，接收方同意接收 (receipt valid: accepted)");
    } else if problems.is_empty() {
        println!("✗ 回执有效，但接收方不予接收 (receipt valid: NOT accepted)");
    } else {
        println!("✗ 回执不可信 (receipt NOT valid)：");
        for p in &problems {
            println!("  ✗ {p}");
        }
    }
    if let Some(rc) = &rc {
        if signed.is_err() {
            println!("以下为回执自称的内容，签名无效，不可作为接收凭证 (unverified content):");
        }
        println!(
            "接收回执：{} 于 {} 检测 {}（SHA-256 {}）：{}",
            rc.receiver,
            rc.date,
            rc.name,
            rc.sha256,
            if rc.verdict == "accept" {
                "同意接收"
            } else {
                "不予接收"
            }
        );
        for p in &rc.properties {
            println!(
                "  {} {}{}",
                p.property,
                p.status.zh(),
                if p.failed.is_empty() {
                    String::new()
                } else {
                    format!("：{}", p.failed.join("、"))
                }
            );
        }
    }
    Ok(if good {
        Outcome::Clean
    } else {
        Outcome::Invalid
    })
}
