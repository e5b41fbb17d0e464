//! `anjuan pack`: a closed case's dossier, or the year's bundle.

use super::*;

pub(super) fn pack(
    config: Option<&Path>,
    path: &Path,
    scope: Scope,
    output: Option<&Path>,
    opts: &PackOptions,
) -> Result<Outcome, AppError> {
    use crate::archive::code::Register;
    let started = std::time::Instant::now();
    let (loaded, files) = office_and_files(config, std::slice::from_ref(&path.to_path_buf()))?;
    let cfg = &loaded.config;
    let root = loaded.root();
    // Default: the office's archive/ folder (the current folder without an office).
    let default_out = office_place(&loaded, Path::new("archive"), ".");
    let output = output.unwrap_or(&default_out);
    if scope == Scope::Case && files.len() != 1 {
        return Err(AppError::OneCase(path.to_path_buf(), files.len()));
    }
    // The year's handoff form names the receiving body: refuse before any work.
    if matches!(scope, Scope::Year(_)) && packing::receiver(cfg).is_none() {
        return Err(packing::PackError::NoReceiver(
            loaded
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from(crate::config::FILE_NAME)),
        )
        .into());
    }
    let rules = rules(&loaded, None);
    let checked = case::check_files(&files, &rules)?;
    // Record errors (other than lateness) stop the cases they touch.
    let mut refusals: Vec<packing::Refusal> = Vec::new();
    let broken: Vec<&PathBuf> = checked
        .findings
        .iter()
        .filter(|f| blocks_case(f))
        .map(|f| &f.file)
        .collect();
    let concerned = |c: &case::Case| match scope {
        Scope::Case => true,
        Scope::Year(y) => c.close.as_ref().is_some_and(|cl| cl.date.year() == y),
    };
    for f in checked.findings.iter().filter(|f| blocks_case(f)) {
        let parsed = checked.cases.iter().find(|cf| cf.source.path == f.file);
        // A file that does not parse may hold a case of the year: it stops a bundle.
        if parsed.is_none_or(|cf| concerned(&cf.case)) {
            eprintln!("{f}");
            refusals.push(packing::Refusal {
                case: parsed
                    .map(|cf| cf.case.id.clone())
                    .unwrap_or_else(|| f.file.display().to_string()),
                file: None,
                reason: packing::Reason::RecordErrors,
                detail: f.diag.message.clone(),
            });
        }
    }
    let cases: Vec<case::Case> = checked
        .cases
        .iter()
        .filter(|cf| !broken.contains(&&cf.source.path))
        .map(|cf| cf.case.clone())
        .collect();
    // The parsed sources (text and spans, ~30 KB a case) are not needed any more.
    drop(broken);
    drop(checked);
    if !refusals.is_empty() {
        return refused(refusals);
    }
    // The name and the final path are known before any work: refuse to overwrite.
    let name = match scope {
        Scope::Case => match cases.first() {
            Some(c) => c.id.clone(),
            None => return Err(AppError::NoCases(display_paths(&files))),
        },
        Scope::Year(y) => packing::bundle_name(cfg, y),
    };
    let target = output.join(format!("{name}.zip"));
    if target.exists() && !opts.force {
        return Err(AppError::Exists(target));
    }
    let date = opts.date.unwrap_or_else(|| {
        cases
            .iter()
            .filter(|c| concerned(c))
            .filter_map(|c| c.close.as_ref().map(|cl| cl.date))
            .max()
            .unwrap_or_else(Date::today)
    });
    // Keys: the office key signs what is made here; its public half checks papers.
    let keys = match &cfg.signing.key {
        Some(rel) => Some(load_key(&root.join(rel), Some(&opts.pass))?),
        None if cfg.signing.required || !opts.unsigned => return Err(AppError::PackUnsigned),
        None => {
            eprintln!(
                "警告 (warning): 本包未签名 (--unsigned)：接收方用 --trust 检测时将报告 trust.package-unsigned 并拒收"
            );
            None
        }
    };
    let public = match (&keys, &cfg.signing.public) {
        (Some((_, pk)), _) => Some(pk.clone()),
        (None, Some(rel)) => {
            let p = root.join(rel);
            let text = std::fs::read_to_string(&p).map_err(|_| AppError::Read(p.clone()))?;
            Some(sign::public_key(&text).map_err(|source| AppError::Sign { path: p, source })?)
        }
        (None, None) => None,
    };
    let reg_path = root.join(&cfg.archive.register);
    // One pack at a time per office: numbers are given from the register, so two
    // runs at once could give one number twice. The kernel drops the lock when the
    // process ends, however it ends.
    let _lock = lock_register(&reg_path)?;
    let mut register = match std::fs::read_to_string(&reg_path) {
        Ok(text) => Register::parse(&text).map_err(|error| AppError::Register {
            path: reg_path.clone(),
            error,
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Register::default(),
        Err(_) => return Err(AppError::Read(reg_path)),
    };
    let before = register.to_text();
    // The work folder and the zip's temporary are in OUTPUT, the register's
    // temporary beside it.
    sweep_stale([output, reg_path.parent().unwrap_or(Path::new("."))]);
    std::fs::create_dir_all(output)?;
    let work = crate::fsutil::TempDir::new_in(output)?;
    let renderer = Renderer::new(cfg, &root, &render_options(&loaded, &opts.look, None))?;
    let popts = packing::Options {
        config: cfg,
        papers: opts
            .papers
            .clone()
            .unwrap_or_else(|| root.join(&cfg.archive.papers)),
        date,
        keys: keys.as_ref(),
        public: public.as_ref(),
        require_signatures: cfg.signing.required,
        work: work.path().to_path_buf(),
        root: root.clone(),
        scope,
    };
    let spinner = indicatif::ProgressBar::new_spinner();
    let to_pack: Vec<case::Case> = cases.into_iter().filter(|c| concerned(c)).collect();
    // Phase timings, printed with ANJUAN_TIMINGS=1 (the benchmark reads them).
    let phases = std::sync::Mutex::new(vec![("载入 (loading)".to_string(), started)]);
    let phase = |m: &str| {
        spinner.set_message(m.to_string());
        if let Ok(mut p) = phases.lock() {
            p.push((m.to_string(), std::time::Instant::now()));
        }
        if std::env::var_os("ANJUAN_TIMINGS").is_some() {
            eprintln!("rss\t{m}\t{} MB", resident_mb());
        }
    };
    let prepared = match packing::prepare(to_pack, &mut register, &renderer, &popts, &phase) {
        Ok(p) => p,
        Err(packing::PackError::Refused(r)) => {
            spinner.finish_and_clear();
            return refused(r);
        }
        Err(e) => return Err(e.into()),
    };
    spinner.finish_and_clear();
    // Streamed to a temporary file beside the target, renamed at the end: an
    // interrupted run leaves nothing at the target path.
    let total: u64 = prepared.bytes();
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "写入 {bar:30} {bytes}/{total_bytes} {bytes_per_sec} 约剩 (ETA) {eta}",
    ) {
        bar.set_style(style);
    }
    phase("写入 zip (writing)");
    // Its lock is held (the file kept open) until it has been renamed.
    let tmp = crate::fsutil::TempFile::new_in(output)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    let writer = std::io::BufWriter::with_capacity(1 << 20, tmp.file());
    // The papers are read once, hashed and checked as they stream in: a paper
    // found changed or badly signed is refused here, and the temporary dropped.
    let (writer, summary) = match prepared.write(writer, &renderer, &popts, &|n| bar.inc(n)) {
        Ok(w) => w,
        Err(packing::PackError::Refused(r)) => {
            bar.finish_and_clear();
            return refused(r);
        }
        Err(e) => return Err(e.into()),
    };
    let file = writer
        .into_inner()
        .map_err(|e| AppError::Output(e.into_error()))?;
    file.sync_all()?;
    let zip_bytes = file.metadata()?.len();
    tmp.persist(&target, opts.force)?;
    bar.finish_and_clear();
    // Best effort: the zip is in place; a folder left over is swept next time.
    drop(work);
    // The register is saved once the package is in place.
    let after = register.to_text();
    if after != before {
        write_atomic(&reg_path, after.as_bytes())?;
    }
    phase("完成 (done)");
    if std::env::var_os("ANJUAN_TIMINGS").is_some() {
        if let Ok(p) = phases.lock() {
            for w in p.windows(2) {
                eprintln!("timing\t{}\t{:.3}", w[0].0, (w[1].1 - w[0].1).as_secs_f64());
            }
        }
    }
    let s = &summary;
    let secs = started.elapsed().as_secs_f64();
    audit::note(
        &loaded,
        crate::office::audit::AuditAction::Pack,
        &target.display().to_string(),
        &format!(
            "cases {} items {} manifest-sha256 {} {}",
            s.cases,
            s.items,
            s.manifest_sha256,
            match &s.signed_by {
                Some(k) => format!("signed {k}"),
                None => "unsigned".into(),
            }
        ),
    );
    if opts.json {
        let doc = crate::office::output::PackReport {
            schema: "anjuan-pack/1".into(),
            package: target.display().to_string(),
            cases: s.cases,
            items: s.items,
            pages: s.pages,
            files: s.files,
            bytes: s.bytes,
            zip_bytes,
            codes: s
                .series
                .iter()
                .map(|r| (r.first.clone(), r.last.clone(), r.count))
                .collect(),
            manifest_sha256: s.manifest_sha256.clone(),
            signed_by: s.signed_by.clone(),
            seconds: secs,
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(Outcome::Clean);
    }
    println!(
        "已打包 (packed) {}：案件 {} 件，文件 {} 件 {} 页",
        target.display(),
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
    if packing::receiver(cfg).is_none() {
        println!(
            "注意 (note): 未配置接收单位 [archive] receiver，移交登记表的接收单位一栏留空，请手工填写"
        );
    }
    Ok(Outcome::Clean)
}

/// An exclusive lock on the office's register (`.register.lock` beside it).
pub(super) fn lock_register(reg_path: &Path) -> Result<std::fs::File, AppError> {
    let dir = reg_path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let lock_path = dir.join(".register.lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(AppError::Busy(lock_path)),
        Err(std::fs::TryLockError::Error(e)) => Err(AppError::Output(e)),
    }
}

/// Resident memory of this process now, in MB (Linux; 0 elsewhere).
pub(super) fn resident_mb() -> u64 {
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

pub(super) fn refused(r: Vec<packing::Refusal>) -> Result<Outcome, AppError> {
    let e = packing::PackError::Refused(r);
    eprintln!("anjuan: {e}");
    if let Some(h) = e.remedy() {
        eprintln!("    修改建议 (remedy): {h}");
    }
    Ok(Outcome::Invalid)
}
