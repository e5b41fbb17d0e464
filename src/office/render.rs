//! Rendering an office's papers (`anjuan render`, the desk's 生成文书): each case
//! whose record has no defects gets the papers its stage calls for in
//! `OUTPUT/<case>/`, signed with the office key when there is one, with a
//! `render-record.json` of what made each paper. A paper made from the same
//! inputs before, and whole on disk, is kept (incremental), unless `force`.
//!
//! Progress: notes for the findings that stop a case, then one `Render` stage
//! counting cases. Records the run in the audit trail.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::case;
use crate::office::output::RenderReport;
use crate::office::progress::{Counter, Event, Progress, Stage, Unit};
use crate::office::setup::{self, Look, Passphrase, SetupError};
use crate::render::plan::{Job, Kind};
use crate::render::record::{self, FontHashes, Inputs, PaperRecord, Record};
use crate::render::{CaseDone, RenderError, Rendered as Paper, Renderer};
use crate::sign::{self, sig_path};

/// What to render, and how.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// An anjuan.toml to use instead of the one found at or above the paths.
    pub config: Option<PathBuf>,
    /// Where the papers go (default: the office's `[archive] papers`, `out` without an office).
    pub output: Option<PathBuf>,
    /// Only this kind of paper.
    pub only: Option<Kind>,
    /// Make every paper again, whatever was kept.
    pub force: bool,
    pub look: Look,
    /// Who renders, for the audit trail (`cli:alice`, `desk:alice`).
    pub actor: String,
}

/// What a render did.
#[derive(Debug)]
pub struct Rendered {
    /// The folder the papers went to.
    pub output: PathBuf,
    /// Cases rendered (those that failed not counted).
    pub cases: usize,
    /// Papers made in this run.
    pub made: usize,
    /// Papers kept: their inputs had not changed.
    pub kept: usize,
    /// Cases whose papers failed, with why.
    pub failed: Vec<(String, RenderError)>,
    /// Case files refused for record errors (the findings came as notes).
    pub refused: Vec<PathBuf>,
    /// Whether every official font was found.
    pub official_fonts: bool,
    /// The body font used.
    pub body_font: Option<String>,
    pub seconds: f64,
}

impl Rendered {
    /// Cases that got no papers (failed or refused).
    pub fn failures(&self) -> usize {
        self.failed.len() + self.refused.len()
    }

    /// The `--json` document (`anjuan-render/1`).
    pub fn report(&self) -> RenderReport {
        RenderReport {
            schema: "anjuan-render/1".into(),
            output: self.output.display().to_string(),
            cases: self.cases,
            made: self.made,
            kept: self.kept,
            failed: self
                .failed
                .iter()
                .map(|(c, e)| format!("{c}: {e}"))
                .chain(
                    self.refused
                        .iter()
                        .map(|f| format!("{}: 案件记录有错误", f.display())),
                )
                .collect(),
            seconds: self.seconds,
        }
    }
}

/// Why a render could not run (a case that fails is in [`Rendered::failed`]).
#[derive(Debug, thiserror::Error)]
pub enum RenderFlowError {
    #[error(transparent)]
    Setup(#[from] SetupError),
}

impl RenderFlowError {
    pub fn remedy(&self) -> Option<&'static str> {
        match self {
            RenderFlowError::Setup(e) => e.remedy(),
        }
    }
}

impl From<RenderError> for RenderFlowError {
    fn from(e: RenderError) -> Self {
        RenderFlowError::Setup(e.into())
    }
}

/// Renders the papers of the cases in `paths` (the office folder, or case files
/// and folders in it). `passphrase` is asked if the office key is encrypted.
pub fn render(
    paths: &[PathBuf],
    opts: &RenderOptions,
    passphrase: Passphrase<'_>,
    progress: Progress<'_>,
) -> Result<Rendered, RenderFlowError> {
    let started = std::time::Instant::now();
    let (loaded, files) = setup::office_and_files(opts.config.as_deref(), paths)?;
    // Where `pack` reads them: the office's papers folder, unless told otherwise.
    let default_out = setup::office_place(&loaded, &loaded.config.archive.papers, "out");
    let output = opts.output.as_deref().unwrap_or(&default_out);
    let look = &opts.look;
    let force = opts.force;
    let rules = setup::rules(&loaded, None);
    let checked = case::check_files(&files, &rules).map_err(SetupError::from)?;
    // Cases whose records have defects (other than lateness) get no papers.
    let mut refused: Vec<PathBuf> = Vec::new();
    for f in checked.findings.iter().filter(|f| setup::blocks_case(f)) {
        progress(Event::Note(f.to_string()));
        refused.push(f.file.clone());
    }
    refused.sort();
    refused.dedup();
    // Each case with the digest of its file's text (an input of every paper).
    let mut digests: HashMap<String, String> = HashMap::new();
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
    setup::sweep_stale(
        std::iter::once(output.to_path_buf()).chain(cases.iter().map(|c| output.join(&c.id))),
        progress,
    );
    let renderer = Renderer::new(
        &loaded.config,
        &loaded.root(),
        &setup::render_options(&loaded, look, opts.only),
    )?;
    let counter = Counter::start(progress, Stage::Render, cases.len() as u64, Unit::Items);
    // With an office key, every paper is signed as it is produced.
    let key = match &loaded.config.signing.key {
        Some(rel) => Some(setup::load_key(&loaded.root().join(rel), passphrase)?),
        None if loaded.config.signing.required => return Err(SetupError::NoKey.into()),
        None => None,
    };
    let signer = key.as_ref().map(|(_, pk)| sign::key_id(pk));
    let font_hashes = FontHashes::default();
    let one = |case: &case::Case| -> Result<CaseDone, RenderError> {
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
        let old = std::fs::read_to_string(dir.join(record::FILE_NAME))
            .ok()
            .and_then(|t| Record::parse(&t).ok())
            .unwrap_or_default();
        // A paper is kept when it was made from the same inputs, is on disk whole
        // (with its signature and Typst source when those are wanted), and, for
        // a dossier paper, the papers it lists have the page counts it listed.
        let keep = |_: &case::Case, job: &Job, earlier: &[(String, usize)]| -> Option<usize> {
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
        let sink = |case: &case::Case, job: &Job, out: &Paper| -> Result<(), String> {
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
            .map_err(|e| sink_err(record::FILE_NAME, e.to_string()))?;
        if !made.is_empty() {
            let mut rec = old.clone();
            rec.papers.extend(made);
            let rec_path = dir.join(record::FILE_NAME);
            crate::fsutil::write_atomic_in(&dir, &rec_path, rec.to_text().as_bytes())
                .map_err(|e| sink_err(record::FILE_NAME, e.to_string()))?;
        }
        done
    };
    let report =
        renderer.for_each_case(&cases, &one, &|id| counter.advance(1, Some(id.to_string())));
    counter.finish();
    setup::note(
        &loaded,
        &opts.actor,
        crate::office::audit::AuditAction::PaperRender,
        &output.display().to_string(),
        &format!(
            "made {} kept {} cases {} failed {}",
            report.papers,
            report.kept,
            report.cases - report.failed.len(),
            report.failed.len() + refused.len()
        ),
        progress,
    );
    Ok(Rendered {
        output: output.to_path_buf(),
        cases: report.cases - report.failed.len(),
        made: report.papers,
        kept: report.kept,
        failed: report.failed,
        refused,
        official_fonts: renderer.fonts.official(),
        body_font: renderer.fonts.roles.body.first().cloned(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The record of a freshly made paper. When the paper is signed, its 签名时间 is
/// the one already recorded when the PDF is the same bytes as before (a repeat
/// render changes nothing, so the signature and every package made from it stay
/// the same), else the time now (`SOURCE_DATE_EPOCH` when set).
pub fn paper_record(
    old: &Record,
    job: &Job,
    out: &Paper,
    hashes: &FontHashes,
    signed: bool,
    inputs: Inputs,
) -> Result<PaperRecord, String> {
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
