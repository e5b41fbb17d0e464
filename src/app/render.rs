//! `anjuan render`: the papers of an office's cases, kept when their inputs are unchanged.

use super::*;

/// A record defect that stops a case's papers and its filing (lateness does not).
pub(super) fn blocks_case(f: &crate::diag::Located) -> bool {
    f.diag.is_error() && !case::TIMELINESS.contains(&f.diag.code)
}

pub(super) fn render(
    config: Option<&Path>,
    paths: &[PathBuf],
    output: Option<&Path>,
    only: Option<&str>,
    (force, json): (bool, bool),
    look: &LookOptions,
) -> Result<Outcome, AppError> {
    let only = match only {
        Some(s) => Some(Kind::parse(s).ok_or_else(|| AppError::Kind(s.to_string()))?),
        None => None,
    };
    let (loaded, files) = office_and_files(config, paths)?;
    // Where `pack` reads them: the office's papers folder, unless told otherwise.
    let default_out = office_place(&loaded, &loaded.config.archive.papers, "out");
    let output = output.unwrap_or(&default_out);
    let rules = rules(&loaded, None);
    let checked = case::check_files(&files, &rules)?;
    // Cases whose records have defects (other than lateness) get no papers.
    let mut refused: Vec<PathBuf> = Vec::new();
    for f in checked.findings.iter().filter(|f| blocks_case(f)) {
        eprintln!("{f}");
        refused.push(f.file.clone());
    }
    refused.sort();
    refused.dedup();
    // Each case with the digest of its file's text (an input of every paper).
    let mut digests: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let cases: Vec<case::Case> = checked
        .cases
        .iter()
        .filter(|cf| !refused.contains(&cf.source.path))
        .map(|cf| {
            digests.insert(
                cf.case.id.clone(),
                sign::sha256_hex(cf.source.text.as_bytes()),
            );
            cf.case.clone()
        })
        .collect();
    // The parsed sources (text and spans, ~30 KB a case) are not needed any more.
    drop(checked);
    // Papers, their signatures and render-record.json go to OUTPUT/<case>/.
    sweep_stale(
        std::iter::once(output.to_path_buf()).chain(cases.iter().map(|c| output.join(&c.id))),
    );
    let renderer = Renderer::new(
        &loaded.config,
        &loaded.root(),
        &render_options(&loaded, look, only),
    )?;
    let pb = progress_bar(cases.len() as u64);
    let started = std::time::Instant::now();
    // With an office key, every paper is signed as it is produced.
    let key = match &loaded.config.signing.key {
        Some(rel) => Some(load_key(&loaded.root().join(rel), None)?),
        None if loaded.config.signing.required => return Err(AppError::NoKey),
        None => None,
    };
    let signer = key.as_ref().map(|(_, pk)| sign::key_id(pk));
    let font_hashes = crate::render::record::FontHashes::default();
    let one = |case: &case::Case| -> Result<crate::render::CaseDone, RenderError> {
        let sink_err = |file: &str, message: String| RenderError::Sink {
            case: case.id.clone(),
            paper: file.to_string(),
            message,
        };
        let dir = output.join(&case.id);
        let case_digest = digests.get(&case.id).map(String::as_str).unwrap_or("");
        let inputs = |kind: Kind| {
            let signs = !kind.is_reference();
            renderer.inputs(case_digest, kind, signer.as_deref().filter(|_| signs))
        };
        let old = std::fs::read_to_string(dir.join(crate::render::record::FILE_NAME))
            .ok()
            .and_then(|t| crate::render::record::Record::parse(&t).ok())
            .unwrap_or_default();
        // A paper is kept when it was made from the same inputs, is on disk whole
        // (with its signature and Typst source when those are wanted), and, for
        // a dossier paper, the papers it lists have the page counts it listed.
        let keep = |_: &case::Case,
                    job: &crate::render::plan::Job,
                    earlier: &[(String, usize)]|
         -> Option<usize> {
            if force {
                return None;
            }
            let p = old.papers.get(&job.file_name)?;
            if p.kind != job.kind.name() || p.inputs.as_ref() != Some(&inputs(job.kind)) {
                return None;
            }
            let path = dir.join(&job.file_name);
            let len = std::fs::metadata(&path).ok().filter(|m| m.is_file())?.len();
            if p.bytes != Some(len)
                || (signer.is_some() && !job.kind.is_reference() && !sig_path(&path).is_file())
                || (look.keep_typst && !path.with_extension("typ").is_file())
            {
                return None;
            }
            if job.kind.is_dossier()
                && earlier
                    .iter()
                    .any(|(f, n)| old.papers.get(f).map(|q| q.pages) != Some(*n))
            {
                return None;
            }
            Some(p.pages)
        };
        let made = std::sync::Mutex::new(Vec::new());
        let dir_ready: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
        let sink = |case: &case::Case,
                    job: &crate::render::plan::Job,
                    out: &crate::render::Rendered|
         -> Result<(), String> {
            // The case's folder, made once (not once per file).
            dir_ready
                .get_or_init(|| {
                    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))
                })
                .clone()?;
            let path = dir.join(&job.file_name);
            let write = |p: &Path, bytes: &[u8]| {
                crate::fsutil::write_atomic_in(&dir, p, bytes).map_err(|e| e.to_string())
            };
            if look.keep_typst {
                write(&path.with_extension("typ"), out.typst.as_bytes())?;
            }
            write(&path, &out.pdf)?;
            let signs = key.is_some() && !job.kind.is_reference();
            let entry = paper_record(&old, job, out, &font_hashes, signs, inputs(job.kind))?;
            if job.kind.is_reference() {
                // A reference copy of another body's paper is never signed with the
                // office key (a signature left by an older version goes).
                let _ = std::fs::remove_file(sig_path(&path));
            } else if let Some((sk, pk)) = &key {
                let binding = sign::Binding {
                    case: case.id.clone(),
                    paper: job.kind.name().to_string(),
                    file: job.file_name.clone(),
                    sha256: entry.sha256.clone(),
                    time: entry.signed_at.clone(),
                };
                let sig =
                    sign::sign(sk, Some(pk), &out.pdf, &binding).map_err(|e| e.to_string())?;
                write(&sig_path(&path), sig.as_bytes())?;
            }
            made.lock()
                .map_err(|e| e.to_string())?
                .push((job.file_name.clone(), entry));
            Ok(())
        };
        let done = renderer.render_case_keeping(case, &keep, &sink);
        // The record is written once per case, after its papers, with what was
        // made (also when a later paper failed: those made are on disk).
        let made = made
            .into_inner()
            .map_err(|e| sink_err(crate::render::record::FILE_NAME, e.to_string()))?;
        if !made.is_empty() {
            let mut rec = old.clone();
            rec.papers.extend(made);
            let rec_path = dir.join(crate::render::record::FILE_NAME);
            crate::fsutil::write_atomic_in(&dir, &rec_path, rec.to_text().as_bytes())
                .map_err(|e| sink_err(crate::render::record::FILE_NAME, e.to_string()))?;
        }
        done
    };
    let report = renderer.for_each_case(&cases, &one, Some(&pb));
    pb.finish_and_clear();
    audit::note(
        &loaded,
        crate::office::audit::AuditAction::PaperRender,
        &output.display().to_string(),
        &format!(
            "made {} kept {} cases {} failed {}",
            report.papers,
            report.kept,
            report.cases - report.failed.len(),
            report.failed.len() + refused.len()
        ),
    );
    for (_, e) in &report.failed {
        eprintln!("anjuan: {e}");
        if let Some(h) = e.remedy() {
            eprintln!("    修改建议 (remedy): {h}");
        }
    }
    if json {
        let doc = crate::office::output::RenderReport {
            schema: "anjuan-render/1".into(),
            output: output.display().to_string(),
            cases: report.cases - report.failed.len(),
            made: report.papers,
            kept: report.kept,
            failed: report
                .failed
                .iter()
                .map(|(c, e)| format!("{c}: {e}"))
                .chain(
                    refused
                        .iter()
                        .map(|f| format!("{}: 案件记录有错误", f.display())),
                )
                .collect(),
            seconds: started.elapsed().as_secs_f64(),
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        let failed = report.failed.len() + refused.len();
        return Ok(if failed > 0 {
            Outcome::Invalid
        } else {
            Outcome::Clean
        });
    }
    println!(
        "已生成 {} 份文书 (papers made)，{} 份未变、沿用 (kept: inputs unchanged)，{} 件案件 (cases)，用时 {:.1} 秒 → {}",
        report.papers,
        report.kept,
        report.cases - report.failed.len(),
        started.elapsed().as_secs_f64(),
        output.display()
    );
    if !renderer.fonts.official() {
        println!(
            "注意 (note): 未找到全部公文标准字体（方正小标宋简体、仿宋_GB2312、黑体、楷体_GB2312），以开源字体代替；正文用 {}",
            renderer.fonts.roles.body.first().map(String::as_str).unwrap_or("?")
        );
    }
    let failed = report.failed.len() + refused.len();
    if failed > 0 {
        println!("{failed} 件案件未能生成文书 (cases failed)：见上方错误");
        return Ok(Outcome::Invalid);
    }
    Ok(Outcome::Clean)
}

/// The record of a freshly made paper. When the paper is signed, its 签名时间 is
/// the one already recorded when the PDF is the same bytes as before (a repeat
/// render changes nothing, so the signature and every package made from it stay
/// the same), else the time now (`SOURCE_DATE_EPOCH` when set).
pub(super) fn paper_record(
    old: &crate::render::record::Record,
    job: &crate::render::plan::Job,
    out: &crate::render::Rendered,
    hashes: &crate::render::record::FontHashes,
    signed: bool,
    inputs: crate::render::record::Inputs,
) -> Result<crate::render::record::PaperRecord, String> {
    use crate::render::record::{self, PaperRecord};
    let sha256 = sign::sha256_hex(&out.pdf);
    let signed_at = signed.then(|| {
        old.papers
            .get(&job.file_name)
            .filter(|p| p.sha256 == sha256)
            .and_then(|p| p.signed_at.clone())
            .filter(|t| sign::is_signing_time(t))
            .unwrap_or_else(sign::signing_time_now)
    });
    Ok(PaperRecord {
        kind: job.kind.name().to_string(),
        pages: out.pages,
        sha256,
        fonts: hashes.fonts(out)?,
        generator: record::generator(),
        signed_at,
        bytes: Some(out.pdf.len() as u64),
        inputs: Some(inputs),
    })
}
