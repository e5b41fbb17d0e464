//! `anjuan pack`: calls `office::pack` and prints what it made (or why not).

use super::*;
use crate::office::pack::{self as packer, PackFlowError};
use crate::office::progress::Event;

pub(super) fn pack(
    config: Option<&Path>,
    path: &Path,
    scope: Scope,
    output: Option<&Path>,
    opts: &PackOptions,
) -> Result<Outcome, AppError> {
    let started = std::time::Instant::now();
    let popts = packer::PackOptions {
        config: config.map(Path::to_path_buf),
        scope,
        output: output.map(Path::to_path_buf),
        unsigned: opts.unsigned,
        papers: opts.papers.clone(),
        date: opts.date,
        force: opts.force,
        look: look_of(&opts.look),
        actor: crate::office::audit::cli_actor(),
    };
    let bars = bars::Bars::new();
    // Phase timings, printed with ANJUAN_TIMINGS=1 (the benchmark reads them).
    let timings = std::env::var_os("ANJUAN_TIMINGS").is_some();
    let phases = std::sync::Mutex::new(vec![("载入 (loading)".to_string(), started)]);
    let progress = |e: Event| {
        if let Event::Step { what, .. } = &e {
            if let Ok(mut p) = phases.lock() {
                p.push((what.clone(), std::time::Instant::now()));
            }
            if timings {
                eprintln!("rss\t{what}\t{} MB", resident_mb());
            }
        }
        bars.event(e);
    };
    let pass = key_passphrase(Some(&opts.pass));
    let packed = match packer::pack(path, &popts, &pass, &progress) {
        Ok(p) => p,
        Err(PackFlowError::Pack(e @ packing::PackError::Refused(_))) => return refused(e),
        Err(e) => return Err(e.into()),
    };
    if timings {
        if let Ok(p) = phases.lock() {
            for w in p.windows(2) {
                eprintln!("timing\t{}\t{:.3}", w[0].0, (w[1].1 - w[0].1).as_secs_f64());
            }
        }
    }
    if opts.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&packed.report()).unwrap_or_default()
        );
        return Ok(Outcome::Clean);
    }
    let s = &packed.summary;
    let secs = packed.seconds;
    let zip_bytes = packed.zip_bytes;
    println!(
        "已打包 (packed) {}：案件 {} 件，文件 {} 件 {} 页",
        packed.package.display(),
        s.cases,
        s.items,
        s.pages,
    );
    for r in &s.series {
        println!("    档号 {} 至 {}（{} 件）", r.first, r.last, r.count);
    }
    println!(
        "    {} 个文件 {} 字节 → zip {} 字节，用时 {:.1} 秒（{:.1} MB/s）",
        s.files,
        s.bytes,
        zip_bytes,
        secs,
        zip_bytes as f64 / 1e6 / secs.max(1e-9)
    );
    println!(
        "    包摘要 (manifest-sha256.txt 的 SHA-256) {}；{}",
        s.manifest_sha256,
        match &s.signed_by {
            Some(k) => format!("已签名，密钥 {k}"),
            None => "未签名（anjuan.toml 中没有 [signing] key）".into(),
        }
    );
    if !packed.receiver_named {
        println!(
            "注意 (note): 未配置接收单位 [archive] receiver，移交登记表的接收单位一栏留空，请手工填写"
        );
    }
    Ok(Outcome::Clean)
}

/// Resident memory of this process now, in MB (Linux; 0 elsewhere).
fn resident_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

/// A package refused for what its cases lack: said on standard error, exit 1.
fn refused(e: packing::PackError) -> Result<Outcome, AppError> {
    eprintln!("anjuan: {e}");
    if let Some(h) = e.remedy() {
        eprintln!("    修改建议 (remedy): {h}");
    }
    Ok(Outcome::Invalid)
}
