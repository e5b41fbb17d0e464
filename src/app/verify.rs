//! `anjuan verify`, `anjuan receipt`, `anjuan check-receipt`: call
//! `office::verify` and print the report, the receipt made, the verdict.

use super::*;
use crate::office::verify::{self as verifying, ReceiptOptions, Receiver};

/// The library's options of a verification from the command line's.
pub(super) fn verify_options(
    opts: &crate::cli::VerifyOptions,
    jobs: usize,
) -> verifying::VerifyOptions {
    verifying::VerifyOptions {
        trust: opts.trust.clone(),
        algs: opts.algs.clone(),
        bagit: opts.bagit,
        profile: opts.profile,
        scan: opts.scan.clone(),
        date: opts.date,
        jobs,
    }
}

pub(super) fn run_verify(
    bundle: &Path,
    opts: &crate::cli::VerifyOptions,
    jobs: usize,
) -> Result<crate::verify::Report, AppError> {
    let bars = bars::Bars::new();
    Ok(verifying::verify(
        bundle,
        &verify_options(opts, jobs),
        &|e| bars.event(e),
    )?)
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
        verifying::report_pdf(&report, config, &look_of(look), p)?;
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
    let ropts = ReceiptOptions {
        config: config.map(Path::to_path_buf),
        key: key.map(Path::to_path_buf),
        output: output.to_path_buf(),
        look: look_of(look),
        actor: crate::office::audit::cli_actor(),
    };
    let vopts = verify_options(opts, look.jobs);
    let bars = bars::Bars::new();
    let progress = |e| bars.event(e);
    let receiver = Receiver::open(&ropts, &vopts, &key_passphrase(Some(pass)), &progress)?;
    let report = verifying::verify(bundle, receiver.verify_options(), &progress)?;
    if !json {
        print!("{}", report.to_text(10));
    }
    let issued = receiver.issue(bundle, &report, &progress)?;
    let outcome = if issued.accepted {
        Outcome::Clean
    } else {
        Outcome::Invalid
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&issued.report()).unwrap_or_default()
        );
        return Ok(outcome);
    }
    println!(
        "接收回执 (receipt): {}（{}，签名密钥 {}）",
        issued.receipt.display(),
        if issued.accepted {
            "同意接收"
        } else {
            "不予接收"
        },
        issued.key_id
    );
    Ok(outcome)
}

pub(super) fn check_receipt(
    receipt: &Path,
    public: &Path,
    bundle: Option<&Path>,
    json: bool,
) -> Result<Outcome, AppError> {
    let checked = verifying::check_receipt(receipt, public, bundle)?;
    let good = checked.doc.accepted;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&checked.doc).unwrap_or_default()
        );
        return Ok(if good {
            Outcome::Clean
        } else {
            Outcome::Invalid
        });
    }
    let problems = &checked.doc.problems;
    let rc = &checked.doc.receipt;
    if good {
        println!("✓ 回执有效：签名核验通过，接收方同意接收 (receipt valid: accepted)");
    } else if problems.is_empty() {
        println!("✗ 回执有效，但接收方不予接收 (receipt valid: NOT accepted)");
    } else {
        println!("✗ 回执不可信 (receipt NOT valid)：");
        for p in problems {
            println!("  ✗ {p}");
        }
    }
    if let Some(rc) = &rc {
        if !checked.signature_ok {
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
