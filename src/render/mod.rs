//! Papers: case records rendered to PDF/A through Tera templates and Typst.
//!
//! Stage 2 of the flow. [`plan`] decides which papers a case calls for;
//! [`templates`] turns each into Typst source (every value escaped by
//! [`escape`]); [`world`] compiles it in-process with the fonts of [`fonts`],
//! loaded once per process; the result is exported as PDF/A-2b with a fixed
//! identifier and timestamp, so the same inputs give the same bytes. Nothing here
//! writes files: finished papers go to a sink the command layer provides.

pub mod escape;
pub mod fonts;
pub mod plan;
pub mod record;
pub mod templates;
pub mod wording;
pub mod world;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::Value;
use typst::foundations::{Datetime, Dict, Smart};
use typst::layout::{Frame, FrameItem, PagedDocument};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt};
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::case::date::Date;
use crate::case::model::Case;
use crate::config::Config;
use fonts::{FontError, FontOptions, FontSet};
use plan::{Job, Kind};
use templates::{TemplateError, Templates};
use world::{Files, PaperWorld};

/// Typst needs deep stacks for long documents; the default 2 MiB overflows.
const STACK: usize = 64 << 20;
/// Cases per worker pool (see [`Renderer::render_all`]).
pub const CHUNK: usize = 64;
/// China Standard Time, for PDF timestamps.
const CST_MINUTES: i32 = 8 * 60;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Font(#[from] FontError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("无法读取印章图片 {path} (cannot read seal image): {source}")]
    Seal {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("案件 {case} 的 {field} 中有字符“{ch}”(U+{code:04X})，所有字体都没有这个字 (no font has this glyph)")]
    Glyph {
        case: String,
        field: String,
        ch: char,
        code: u32,
    },
    #[error("案件 {case} 的{paper}排版失败 (Typst error) — {template} （生成的 Typst）第 {line} 行: {message}")]
    Compile {
        case: String,
        paper: String,
        template: String,
        line: usize,
        message: String,
    },
    #[error("案件 {case} 的{paper}无法导出 PDF/A (PDF export): {message}")]
    Pdf {
        case: String,
        paper: String,
        message: String,
    },
    #[error("案件 {case} 的{paper}无法写出 (cannot write): {message}")]
    Sink {
        case: String,
        paper: String,
        message: String,
    },
    #[error("无法建立排版线程 (thread pool): {0}")]
    Pool(String),
}

impl RenderError {
    pub fn remedy(&self) -> Option<&'static str> {
        match self {
            RenderError::Font(e) => Some(e.remedy()),
            RenderError::Template(e) => Some(e.remedy()),
            RenderError::Seal { .. } => {
                Some("检查 anjuan.toml 中 [office] seal 的路径（相对于 anjuan.toml 所在目录）")
            }
            RenderError::Glyph { .. } => Some(
                "安装含此字的字体（如 fonts-noto-cjk），或把含此字的字体放入办公室目录的 fonts/；\
                 生僻字也可请字库厂商补字",
            ),
            RenderError::Compile { .. } => Some("若改过模板，按提示检查模板；内置模板出错请报告"),
            RenderError::Pdf { .. } => Some("通常是字体缺字或图片格式不受支持；检查印章图片与字体"),
            RenderError::Sink { .. } => Some("检查输出目录是否可写、磁盘是否已满"),
            RenderError::Pool(_) => None,
        }
    }

    /// Setup problems stop the whole run; the others fail one case.
    pub fn is_setup(&self) -> bool {
        matches!(
            self,
            RenderError::Font(_)
                | RenderError::Template(_)
                | RenderError::Seal { .. }
                | RenderError::Pool(_)
        )
    }
}

/// Where fonts and templates come from.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    pub fonts: FontOptions,
    /// Template folders searched before the built-in set (`--templates`, office `templates/`).
    pub template_dirs: Vec<PathBuf>,
    /// Render only this kind of paper.
    pub only: Option<Kind>,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

/// What is being compiled: for errors, the PDF's ident and its date.
#[derive(Clone, Debug)]
pub struct Doc {
    /// The case number, or the bundle's name.
    pub owner: String,
    /// The paper's name (`处理意见书`, `归档文件目录`).
    pub paper: String,
    /// The template file (`opinion.typ`).
    pub template: String,
    /// The output file name.
    pub file: String,
    /// The paper's date (`today()` and the PDF timestamp).
    pub date: Date,
}

/// A finished paper.
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// The fonts the PDF embeds: (family, file).
    pub fonts: Vec<(String, Option<PathBuf>)>,
    /// The Typst source the template produced (kept with `--keep-typst`).
    pub typst: String,
}

/// Fonts, templates and the Typst library, loaded once and shared by every compile.
pub struct Renderer {
    pub fonts: FontSet,
    library: LazyHash<Library>,
    /// The same library with `anjuan-lines` = 23 and 24 (GB/T 9704 7.3.5.1).
    tight: Vec<(i64, LazyHash<Library>)>,
    pub templates: Templates,
    files: Arc<Files>,
    config: Config,
    seal: Option<String>,
    only: Option<Kind>,
    threads: usize,
    /// Digests of what reaches every page (see [`record::Inputs`]).
    settings_digest: String,
    fonts_digest: String,
    /// Template file name → digest of its effective text with the shared modules.
    template_digests: std::collections::HashMap<String, String>,
}

/// What a batch did.
#[derive(Debug, Default)]
pub struct BatchReport {
    pub cases: usize,
    /// Papers made.
    pub papers: usize,
    /// Papers whose inputs had not changed, left as they were.
    pub kept: usize,
    pub failed: Vec<(String, RenderError)>,
}

impl Renderer {
    /// Loads fonts (once), templates and the seal. `office_root` resolves the seal path.
    pub fn new(
        config: &Config,
        office_root: &Path,
        opts: &RenderOptions,
    ) -> Result<Renderer, RenderError> {
        let fonts = FontSet::load(&opts.fonts)?;
        let templates = Templates::load(&opts.template_dirs)?;
        let mut files = Files::default();
        for (name, text) in &templates.modules {
            files.add_source(&format!("/{name}"), text.clone());
        }
        let mut seal_digest = String::new();
        let seal = match &config.office.seal {
            Some(rel) => {
                let path = office_root.join(rel);
                let bytes = std::fs::read(&path).map_err(|source| RenderError::Seal {
                    path: path.clone(),
                    source,
                })?;
                seal_digest = crate::sign::sha256_hex(&bytes);
                let ext = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or("png")
                    .to_ascii_lowercase();
                let vpath = format!("/seal.{ext}");
                files.add_binary(&vpath, bytes);
                Some(vpath)
            }
            None => None,
        };
        let library = LazyHash::new(Library::builder().with_inputs(font_inputs(&fonts)).build());
        let tight = [23, 24]
            .into_iter()
            .map(|n| {
                let mut inputs = font_inputs(&fonts);
                inputs.insert(
                    "anjuan-lines".into(),
                    typst::foundations::IntoValue::into_value(n),
                );
                (
                    n,
                    LazyHash::new(Library::builder().with_inputs(inputs).build()),
                )
            })
            .collect();
        let threads = if opts.threads == 0 {
            rayon::current_num_threads()
        } else {
            opts.threads
        };
        let settings_digest = settings_digest(config, &seal_digest);
        let fonts_digest = fonts.digest();
        let template_digests = template_digests(&templates);
        Ok(Renderer {
            fonts,
            library,
            tight,
            templates,
            files: Arc::new(files),
            config: config.clone(),
            seal,
            only: opts.only,
            threads,
            settings_digest,
            fonts_digest,
            template_digests,
        })
    }

    /// What a paper of `kind` made now from a case file with text digest `case`
    /// would be made from; `signer` is the key id of the office key that signs it.
    pub fn inputs(&self, case: &str, kind: Kind, signer: Option<&str>) -> record::Inputs {
        record::Inputs {
            case: case.to_string(),
            template: self
                .template_digests
                .get(kind.template())
                .cloned()
                .unwrap_or_default(),
            fonts: self.fonts_digest.clone(),
            settings: self.settings_digest.clone(),
            signer: signer.map(str::to_string),
            tool: record::generator(),
        }
    }

    /// Renders every paper of one case, handing each to `sink` as it is finished.
    pub fn render_case(
        &self,
        case: &Case,
        sink: &(dyn Fn(&Case, &Job, &Rendered) -> Result<(), String> + Sync),
    ) -> Result<usize, RenderError> {
        self.render_case_keeping(case, &|_, _, _| None, sink)
            .map(|d| d.made)
    }

    /// Renders the papers of one case that `keep` does not keep, handing each to
    /// `sink` as it is finished.
    ///
    /// `keep(case, job, earlier)` gives the page count of a paper that need not be
    /// made again (it is left as it is), or `None` to make it; `earlier` holds the
    /// file names and page counts of the case's papers decided so far (the dossier
    /// papers, decided last, list the others with their page counts).
    pub fn render_case_keeping(
        &self,
        case: &Case,
        keep: &Keep,
        sink: &(dyn Fn(&Case, &Job, &Rendered) -> Result<(), String> + Sync),
    ) -> Result<CaseDone, RenderError> {
        let mut case = case.clone();
        if case.office.is_none() {
            case.office = Some(self.config.office.name.clone());
        }
        let case = &case;
        let jobs = plan::plan(case, &self.config);
        let mut base: Option<Value> = None;
        let mut pages: Vec<(usize, usize)> = Vec::new();
        let mut earlier: Vec<(String, usize)> = Vec::new();
        let mut done = CaseDone::default();
        // The dossier papers list the others with their page counts: render them last.
        for phase in [false, true] {
            for job in jobs.iter().filter(|j| j.kind.is_dossier() == phase) {
                let wanted = self.only.is_none_or(|k| k == job.kind);
                if !wanted && (phase || !self.only.is_some_and(Kind::is_dossier)) {
                    continue;
                }
                if let Some(n) = keep(case, job, &earlier) {
                    pages.push((job.seq, n));
                    earlier.push((job.file_name.clone(), n));
                    if wanted {
                        done.kept += 1;
                    }
                    continue;
                }
                let base = match &base {
                    Some(b) => b,
                    None => {
                        let b = plan::base_context(case, &self.config, self.seal.as_deref());
                        self.check_glyphs(case, &b)?;
                        base.insert(b)
                    }
                };
                let ctx =
                    plan::job_context(base, case, job, &jobs, &pages, &self.config.archive.order);
                let out = self.render_job(case, job, &ctx)?;
                pages.push((job.seq, out.pages));
                earlier.push((job.file_name.clone(), out.pages));
                if wanted {
                    sink(case, job, &out).map_err(|message| RenderError::Sink {
                        case: case.id.clone(),
                        paper: job.file_name.clone(),
                        message,
                    })?;
                    done.made += 1;
                }
            }
        }
        Ok(done)
    }

    /// Renders many cases in parallel. A failing case is reported and skipped.
    /// `progress` gets each case's number as it is done (from the worker threads).
    ///
    /// The cases go through in chunks, each on a fresh thread pool: memory that
    /// Typst's compiles leave with their worker threads is given back when the
    /// threads end (measured: without this, peak memory grows by ~0.4 MB per case;
    /// with it, it stays flat). comemo's cache is evicted as the batch goes.
    pub fn render_all(
        &self,
        cases: &[Case],
        sink: &(dyn Fn(&Case, &Job, &Rendered) -> Result<(), String> + Sync),
        progress: &(dyn Fn(&str) + Sync),
    ) -> BatchReport {
        self.for_each_case(
            cases,
            &|case| {
                self.render_case(case, sink)
                    .map(|made| CaseDone { made, kept: 0 })
            },
            progress,
        )
    }

    /// Runs `one` (which renders a case's papers: [`Self::render_case_keeping`]
    /// with what the caller keeps, writes and records) for each case, as
    /// [`Self::render_all`] does: in parallel, in chunks on fresh pools, comemo
    /// evicted as the batch goes, a failing or panicking case reported and skipped.
    pub fn for_each_case(
        &self,
        cases: &[Case],
        one: &(dyn Fn(&Case) -> Result<CaseDone, RenderError> + Sync),
        progress: &(dyn Fn(&str) + Sync),
    ) -> BatchReport {
        let results: Vec<(String, Result<CaseDone, RenderError>)> = self
            .run_chunked(cases, CHUNK, &|case| {
                let r = self.render_case_guarded(case, one);
                progress(&case.id);
                (case.id.clone(), r)
            })
            .unwrap_or_else(|e| {
                let msg = e.to_string();
                cases
                    .iter()
                    .map(|c| (c.id.clone(), Err(RenderError::Pool(msg.clone()))))
                    .collect()
            });
        let mut report = BatchReport {
            cases: cases.len(),
            ..BatchReport::default()
        };
        for (id, r) in results {
            match r {
                Ok(d) => {
                    report.papers += d.made;
                    report.kept += d.kept;
                }
                Err(e) => report.failed.push((id, e)),
            }
        }
        report
    }

    /// [`Self::render_case`], with a panic inside a dependency (a template engine
    /// bug, say) failing this case rather than the batch.
    fn render_case_guarded(
        &self,
        case: &Case,
        one: &(dyn Fn(&Case) -> Result<CaseDone, RenderError> + Sync),
    ) -> Result<CaseDone, RenderError> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| one(case))).unwrap_or_else(|p| {
            let what = panic_text(&p);
            Err(RenderError::Pdf {
                case: case.id.clone(),
                paper: "文书".into(),
                message: format!("内部错误 (internal error): {what}"),
            })
        })
    }

    /// One paper: Tera → Typst source → compile → PDF/A.
    pub fn render_job(&self, case: &Case, job: &Job, ctx: &Value) -> Result<Rendered, RenderError> {
        let tctx = tera::Context::from_value(ctx.clone()).map_err(|e| RenderError::Compile {
            case: case.id.clone(),
            paper: job.kind.name().into(),
            template: job.kind.template().into(),
            line: 0,
            message: e.to_string(),
        })?;
        let source = self.templates.render(job.kind.template(), &tctx)?;
        self.compile(case, job, source)
    }

    /// Compiles Typst source for a job and exports PDF/A-2b.
    pub fn compile(&self, case: &Case, job: &Job, source: String) -> Result<Rendered, RenderError> {
        self.compile_doc(
            &Doc {
                owner: case.id.clone(),
                paper: job.kind.name().into(),
                template: job.kind.template().into(),
                file: job.file_name.clone(),
                date: job.date,
            },
            source,
        )
    }

    /// Renders a template that is not one case's paper (a catalogue, a handoff
    /// form) with `ctx`.
    pub fn render_doc(&self, doc: &Doc, ctx: &Value) -> Result<Rendered, RenderError> {
        let tctx = tera::Context::from_value(ctx.clone()).map_err(|e| RenderError::Compile {
            case: doc.owner.clone(),
            paper: doc.paper.clone(),
            template: doc.template.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        let source = self.templates.render(&doc.template, &tctx)?;
        self.compile_doc(doc, source)
    }

    /// Runs `f` over `items` on the render workers and returns the results in
    /// the items' order.
    ///
    /// Each worker is a thread with its own one-thread rayon pool (deep stacks:
    /// Typst overflows the default 2 MiB), taking the next item from a shared
    /// cursor. One pool per worker, not one pool for all: Typst's PDF writer
    /// (krilla) hands each font's and page's serialisation to the current rayon
    /// pool and waits for it; in a shared pool another worker often took that
    /// job while the waiting one had nothing else to do and slept (the two
    /// cores were 77 % busy in a 1,000-case render). In its own pool the waiting
    /// thread runs the job itself. A worker makes a fresh pool every `chunk`
    /// items, so the memory Typst's compiles leave with their threads is given
    /// back as the batch goes (heavy documents, a 500-row catalogue, want small
    /// chunks; a case's papers, [`CHUNK`]), and comemo's cache is aged every
    /// few items and emptied at the end.
    pub fn run_chunked<T: Sync, R: Send>(
        &self,
        items: &[T],
        chunk: usize,
        f: &(dyn Fn(&T) -> R + Sync),
    ) -> Result<Vec<R>, RenderError> {
        run_workers(self.threads, items, chunk, f)
    }

    /// As [`Renderer::run_chunked`], on at most `threads` workers: for compiles
    /// so large that two at once would set the peak memory of the run (the
    /// printed catalogue's volumes of 500 rows).
    pub fn run_chunked_on<T: Sync, R: Send>(
        &self,
        threads: usize,
        items: &[T],
        chunk: usize,
        f: &(dyn Fn(&T) -> R + Sync),
    ) -> Result<Vec<R>, RenderError> {
        run_workers(threads.clamp(1, self.threads.max(1)), items, chunk, f)
    }

    /// Compiles Typst source and exports PDF/A-2b.
    pub fn compile_doc(&self, id: &Doc, source: String) -> Result<Rendered, RenderError> {
        let date = id.date;
        let today = typst_date(date);
        let world = PaperWorld::new(
            &self.library,
            &self.fonts,
            &self.files,
            source.clone(),
            today,
        );
        let compiled = typst::compile::<PagedDocument>(&world).output;
        // A signature that would stand alone at the top of a page (or carry
        // only its kept lines there) is tried with 23, then 24 lines a page.
        let compiled = match compiled {
            Ok(doc) if signature_moved(&doc) => {
                let better = self.tight.iter().find_map(|(_, library)| {
                    let world =
                        PaperWorld::new(library, &self.fonts, &self.files, source.clone(), today);
                    typst::compile::<PagedDocument>(&world)
                        .output
                        .ok()
                        .filter(|d| !signature_moved(d))
                });
                Ok(better.unwrap_or(doc))
            }
            other => other,
        };
        let doc = compiled.map_err(|diags| {
            // Where the first error is: the generated main source, or a module
            // such as layout.typ.
            use typst::World as _;
            let first = diags.first();
            let located = first.and_then(|d| {
                let src = world.source(d.span.id()?).ok()?;
                let range = src.range(d.span)?;
                Some((
                    src.id(),
                    src.text()[..range.start].matches('\n').count() + 1,
                ))
            });
            let (in_main, line) = match located {
                Some((id, line)) => (id == world.main.id(), line),
                None => (true, 0),
            };
            let module = located
                .filter(|_| !in_main)
                .map(|(id, _)| id.vpath().as_rootless_path().display().to_string());
            let message = diags
                .iter()
                .map(|d| d.message.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            RenderError::Compile {
                case: id.owner.clone(),
                paper: id.paper.clone(),
                template: match module {
                    Some(m) => format!("{} 引用的 {m}", self.template_label(&id.template)),
                    None => self.template_label(&id.template),
                },
                line,
                message,
            }
        })?;
        let pdf_err = |message: String| RenderError::Pdf {
            case: id.owner.clone(),
            paper: id.paper.clone(),
            message,
        };
        let ident = format!("anjuan/{}/{}", id.owner, id.file);
        let options = PdfOptions {
            ident: Smart::Custom(&ident),
            timestamp: Timestamp::new_local(today, CST_MINUTES),
            page_ranges: None,
            standards: PdfStandards::new(&[PdfStandard::A_2b])
                .map_err(|e| pdf_err(e.to_string()))?,
            tagged: true,
        };
        let pdf = typst_pdf::pdf(&doc, &options).map_err(|diags| {
            pdf_err(
                diags
                    .iter()
                    .map(|d| d.message.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        let mut used = BTreeSet::new();
        for page in &doc.pages {
            collect_fonts(&page.frame, &mut used);
        }
        let fonts = used
            .into_iter()
            .map(|(family, variant)| {
                let path = self
                    .fonts
                    .book
                    .select(&family.to_lowercase(), variant)
                    .and_then(|i| self.fonts.path(i).map(Path::to_path_buf));
                (family, path)
            })
            .collect();
        Ok(Rendered {
            pages: doc.pages.len(),
            pdf,
            fonts,
            typst: source,
        })
    }

    /// `templates/x.typ (built-in)` or the override's path.
    fn template_label(&self, name: &str) -> String {
        match self.templates.origin(name) {
            "built-in" => format!("templates/{name} (built-in)"),
            path => path.to_string(),
        }
    }

    /// Every character of the case must be in some font: say which one is not, where.
    fn check_glyphs(&self, case: &Case, ctx: &Value) -> Result<(), RenderError> {
        let mut strings = Vec::new();
        collect_strings(
            ctx.get("case").unwrap_or(&Value::Null),
            String::new(),
            &mut strings,
        );
        for (field, s) in strings {
            if let Some(ch) = s.chars().find(|c| !self.fonts.covers(*c)) {
                return Err(RenderError::Glyph {
                    case: case.id.clone(),
                    field,
                    ch,
                    code: ch as u32,
                });
            }
        }
        Ok(())
    }
}

/// Decides whether a paper is kept: see [`Renderer::render_case_keeping`].
pub type Keep<'a> = dyn Fn(&Case, &Job, &[(String, usize)]) -> Option<usize> + Sync + 'a;

/// What rendering one case did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaseDone {
    /// Papers made.
    pub made: usize,
    /// Papers kept as they were (their inputs had not changed).
    pub kept: usize,
}

/// [`Renderer::run_chunked`] with `threads` workers.
fn run_workers<T: Sync, R: Send>(
    threads: usize,
    items: &[T],
    chunk: usize,
    f: &(dyn Fn(&T) -> R + Sync),
) -> Result<Vec<R>, RenderError> {
    let chunk = chunk.max(1);
    let every = chunk.min(8);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let workers = threads.max(1).min(items.len().max(1));
    let parts: Vec<Result<Vec<(usize, R)>, RenderError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|n| {
                let (next, done) = (&next, &done);
                s.spawn(move || {
                    let mut mine: Vec<(usize, R)> = Vec::new();
                    while next.load(Ordering::Relaxed) < items.len() {
                        let pool = pool(n).map_err(|e| RenderError::Pool(e.to_string()))?;
                        let chunk_out = pool.install(|| {
                            let mut out = Vec::new();
                            for _ in 0..chunk {
                                let i = next.fetch_add(1, Ordering::Relaxed);
                                let Some(x) = items.get(i) else { break };
                                let r =
                                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(x)));
                                if done.fetch_add(1, Ordering::Relaxed) % every == every - 1 {
                                    comemo::evict(4);
                                }
                                out.push((i, r));
                            }
                            out
                        });
                        drop(pool);
                        for (i, r) in chunk_out {
                            mine.push((
                                i,
                                r.map_err(|p| RenderError::Pdf {
                                    case: "-".into(),
                                    paper: "-".into(),
                                    message: format!(
                                        "内部错误 (internal error): {}",
                                        panic_text(&p)
                                    ),
                                })?,
                            ));
                        }
                    }
                    Ok(mine)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|p| {
                    Err(RenderError::Pool(format!(
                        "内部错误 (internal error): {}",
                        panic_text(&p)
                    )))
                })
            })
            .collect()
    });
    comemo::evict(0);
    let mut all: Vec<(usize, R)> = Vec::with_capacity(items.len());
    for part in parts {
        all.extend(part?);
    }
    all.sort_unstable_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, r)| r).collect())
}

/// Worker `n`'s one-thread pool, with a deep stack (Typst overflows the default 2 MiB).
fn pool(n: usize) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .stack_size(STACK)
        .thread_name(move |_| format!("anjuan-render-{n}"))
        .build()
}

/// The office settings that reach the page (see [`record::Inputs::settings`]),
/// with the seal image's digest.
fn settings_digest(cfg: &Config, seal: &str) -> String {
    let v = serde_json::json!({
        "office": cfg.office,
        "issuers": cfg.issuers,
        "signers": cfg.signers,
        "fonts": cfg.fonts,
        "retention": cfg.retention,
        "calendar": cfg.calendar,
        "archive": {
            "order": cfg.archive.order,
            "classification": cfg.archive.classification,
        },
        "seal": seal,
    });
    crate::sign::sha256_hex(v.to_string().as_bytes())
}

/// Each paper template's digest: its effective text and every shared module
/// (`layout.typ`), which any paper may import.
fn template_digests(t: &Templates) -> std::collections::HashMap<String, String> {
    use sha2::Digest as _;
    let mut shared = sha2::Sha256::new();
    for (name, text) in &t.modules {
        shared.update(name.as_bytes());
        shared.update(b"\0");
        shared.update(text.as_bytes());
        shared.update(b"\0");
    }
    templates::PAPER_TEMPLATES
        .iter()
        .map(|name| {
            let mut h = shared.clone();
            h.update(name.as_bytes());
            h.update(b"\0");
            h.update(t.text(name).unwrap_or_default().as_bytes());
            (name.to_string(), crate::archive::bag::hex(&h.finalize()))
        })
        .collect()
}

/// Every string in a JSON value with its field path (`petitioners[0].name`).
fn collect_strings<'a>(v: &'a Value, path: String, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::String(s) => out.push((path, s)),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect_strings(x, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                collect_strings(x, p, out);
            }
        }
        _ => {}
    }
}

/// Whether the signature block (`<anjuan-sig>` in layout.typ), with the
/// paragraphs kept with it (`<anjuan-keep>`), begins at the top of a page after
/// the first (moved there whole because it did not fit below the text), or the
/// 版记 (`<anjuan-banji>`) was pushed to a page after the signature's.
fn signature_moved(doc: &PagedDocument) -> bool {
    use typst::foundations::{Label, Selector};
    use typst::utils::PicoStr;
    let intro = &doc.introspector;
    let at = |name: &str| -> Vec<typst::layout::Position> {
        let Some(label) = Label::new(PicoStr::intern(name)) else {
            return Vec::new();
        };
        intro
            .query(&Selector::Label(label))
            .iter()
            .filter_map(|c| c.location())
            .map(|l| intro.position(l))
            .collect()
    };
    let Some(sig) = at("anjuan-sig").into_iter().next_back() else {
        return false;
    };
    // The top of the text block (GB/T 9704: 37 mm) in points.
    let top = 37.0 * 72.0 / 25.4;
    let start = at("anjuan-keep")
        .into_iter()
        .filter(|k| k.page == sig.page && k.point.y <= sig.point.y)
        .map(|k| k.point.y.to_pt())
        .fold(sig.point.y.to_pt(), f64::min);
    let banji_after = at("anjuan-banji").iter().any(|b| b.page > sig.page);
    (sig.page.get() > 1 && start < top + 1.0) || banji_after
}

/// The role table as `sys.inputs.anjuan-fonts`, read by `layout.typ`.
fn font_inputs(fonts: &FontSet) -> Dict {
    use typst::foundations::{Array, IntoValue};
    let list = |v: &Vec<String>| -> typst::foundations::Value {
        v.iter()
            .map(|s| s.as_str().into_value())
            .collect::<Array>()
            .into_value()
    };
    let r = &fonts.roles;
    let mut roles = Dict::new();
    roles.insert("title".into(), list(&r.title));
    roles.insert("body".into(), list(&r.body));
    roles.insert("heading".into(), list(&r.heading));
    roles.insert("kai".into(), list(&r.kai));
    roles.insert("song".into(), list(&r.song));
    roles.insert("title-bold".into(), r.title_bold.into_value());
    let mut inputs = Dict::new();
    inputs.insert("anjuan-fonts".into(), roles.into_value());
    inputs
}

fn collect_fonts(frame: &Frame, out: &mut BTreeSet<(String, typst::text::FontVariant)>) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(g) => collect_fonts(&g.frame, out),
            FrameItem::Text(t) => {
                let info = t.font.info();
                out.insert((info.family.clone(), info.variant));
            }
            _ => {}
        }
    }
}

/// The message of a caught panic.
fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// The date as Typst's `Datetime`.
pub fn typst_date(d: Date) -> Datetime {
    use chrono::Datelike;
    Datetime::from_ymd(d.0.year(), d.0.month() as u8, d.0.day() as u8)
        .expect("a valid calendar date")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_return_every_result_in_the_items_order() {
        let items: Vec<usize> = (0..203).collect();
        for (threads, chunk) in [(1, 1), (2, 3), (2, 64), (3, 7), (8, 2)] {
            let got = run_workers(threads, &items, chunk, &|x| x * 10).unwrap();
            assert_eq!(got, items.iter().map(|x| x * 10).collect::<Vec<_>>());
        }
        assert!(run_workers(2, &[] as &[usize], 4, &|x| *x)
            .unwrap()
            .is_empty());
    }

    /// The pattern of Typst's PDF writer: work handed to the current rayon pool
    /// and then waited for. In a worker's own pool it runs on the worker's
    /// thread, so the worker never sleeps while another one computes it.
    #[test]
    fn work_spawned_inside_a_worker_runs_on_that_worker() {
        let items: Vec<usize> = (0..40).collect();
        let got = run_workers(2, &items, 5, &|_| {
            let here = std::thread::current().id();
            let cell = std::sync::Arc::new(std::sync::OnceLock::new());
            let c = cell.clone();
            rayon::spawn(move || {
                let _ = c.set(std::thread::current().id());
            });
            while let Some(rayon::Yield::Executed) = rayon::yield_now() {}
            let ran_on = *cell.wait();
            (rayon::current_num_threads(), ran_on == here)
        })
        .unwrap();
        assert!(got.iter().all(|&(n, same)| n == 1 && same), "{got:?}");
    }

    #[test]
    fn a_panicking_item_is_an_error_not_a_crash() {
        let items: Vec<usize> = (0..20).collect();
        let r = run_workers(2, &items, 4, &|x| {
            if *x == 13 {
                panic!("boom at {x}");
            }
            *x
        });
        match r {
            Err(RenderError::Pdf { message, .. }) => assert!(message.contains("boom at 13")),
            other => panic!("expected an error, got {:?}", other.map(|v| v.len())),
        }
    }
}
