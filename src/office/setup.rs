//! What the office workflows share: finding the office and its case files, the
//! rules of the day, where output goes by default, the rendering options, the
//! office key, clearing what interrupted runs left, recording in the audit
//! trail — and the errors of all that ([`SetupError`]), each with a remedy.
//!
//! Never reads the terminal or the environment: a passphrase comes from the
//! face through a [`Passphrase`] callback, the acting user as a string.

use std::path::{Path, PathBuf};

use crate::case::date::Date;
use crate::case::{self, CaseError, Rules};
use crate::config::{Config, ConfigError, Loaded};
use crate::fsutil::WriteError;
use crate::office::progress::{Event, Progress};
use crate::render::fonts::FontOptions;
use crate::render::plan::Kind;
use crate::render::RenderError;
use crate::sign::{self, SignError};

/// Fonts, templates and threads for the papers a workflow renders.
#[derive(Clone, Debug, Default)]
pub struct Look {
    /// Extra font folders, searched first.
    pub font_dirs: Vec<PathBuf>,
    /// Leave system fonts out.
    pub no_system_fonts: bool,
    /// A template folder before the office's `templates/`.
    pub templates: Option<PathBuf>,
    /// Also write each paper's Typst source beside its PDF.
    pub keep_typst: bool,
    /// Worker threads (0: one per core).
    pub jobs: usize,
}

/// The errors every workflow can meet before or around its own work.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("{0} 已存在 (already exists)")]
    Exists(PathBuf),
    #[error("没有找到案件文件 (no case files) in {0}")]
    NoCases(String),
    #[error("无法输出 (cannot write output): {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("{path}: {source}")]
    Sign {
        path: PathBuf,
        #[source]
        source: SignError,
    },
    #[error("没有指定私钥 (no secret key): 用 --key，或在 anjuan.toml 的 [signing] 中写 key = \"keys/anjuan.key\"")]
    NoKey,
    #[error("无法读取 {0} (cannot read)")]
    Read(PathBuf),
}

impl SetupError {
    /// What the user can do about it.
    pub fn remedy(&self) -> Option<&'static str> {
        match self {
            SetupError::Config(ConfigError::Invalid(_)) => {
                Some("按上面的位置改正 anjuan.toml；字段说明见 anjuan schema --office")
            }
            SetupError::Config(ConfigError::Read(_)) => Some("检查 --config 给出的路径与权限"),
            SetupError::Case(CaseError::NotFound(_)) => {
                Some("检查路径拼写；案件文件为 .toml 或 .json")
            }
            SetupError::Case(_) => Some("检查文件夹权限"),
            SetupError::Write(_) | SetupError::Io(_) => {
                Some("检查目标文件夹是否存在、是否可写、磁盘是否已满")
            }
            SetupError::Exists(_) => Some("换一个目录，或加 --force 覆盖"),
            SetupError::Render(e) => e.remedy(),
            SetupError::Sign { source, .. } => Some(source.remedy()),
            SetupError::NoKey => Some("先运行 anjuan key new 生成本机关的密钥"),
            SetupError::Read(_) => Some("检查路径与权限"),
            SetupError::NoCases(_) => {
                Some("案件文件为 .toml 或 .json；办公室目录中的案件放在 cases/ 下")
            }
        }
    }
}

/// The passphrase of an encrypted secret key at the path given, asked of the
/// face (an environment variable, the terminal, a form). Called only for a key
/// that has one.
pub type Passphrase<'a> = &'a (dyn Fn(&Path) -> Result<String, SetupError> + Sync);

/// The office configuration for `paths` (`explicit`, else the anjuan.toml at or
/// above the first path, else the built-in defaults).
pub fn load_config(explicit: Option<&Path>, paths: &[PathBuf]) -> Result<Loaded, SetupError> {
    let start = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    Ok(Config::discover(explicit, &start)?)
}

/// The office configuration for `paths` and the case files under them (at least one).
pub fn office_and_files(
    config: Option<&Path>,
    paths: &[PathBuf],
) -> Result<(Loaded, Vec<PathBuf>), SetupError> {
    let loaded = load_config(config, paths)?;
    let files = case::collect_files(paths)?;
    if files.is_empty() {
        return Err(SetupError::NoCases(display_paths(paths)));
    }
    Ok((loaded, files))
}

/// The rules of the office as of `as_of` (else the configured day, else today).
pub fn rules(loaded: &Loaded, as_of: Option<Date>) -> Rules<'_> {
    Rules {
        config: &loaded.config,
        config_is_real: loaded.path.is_some(),
        calendar: loaded.config.calendar(),
        as_of: as_of
            .or(loaded.config.calendar.as_of)
            .unwrap_or_else(Date::today),
        root: Some(loaded.root()),
    }
}

/// Where a workflow writes by default (one scheme, README "Where things go"):
/// `rel` inside the office folder when an anjuan.toml was found, else `bare` in
/// the current folder.
pub fn office_place(loaded: &Loaded, rel: &Path, bare: &str) -> PathBuf {
    if loaded.path.is_some() {
        loaded.root().join(rel)
    } else {
        PathBuf::from(bare)
    }
}

/// The rendering options of the office with `look`: font folders (given, the
/// office's `fonts/`, configured), template folders (given, the office's).
pub fn render_options(
    loaded: &Loaded,
    look: &Look,
    only: Option<Kind>,
) -> crate::render::RenderOptions {
    let root = loaded.root();
    let cfg = &loaded.config;
    let mut dirs = look.font_dirs.clone();
    let office_fonts = root.join("fonts");
    if loaded.path.is_some() && office_fonts.is_dir() {
        dirs.push(office_fonts);
    }
    dirs.extend(cfg.fonts.dirs.iter().map(|d| root.join(d)));
    let mut template_dirs: Vec<PathBuf> = look.templates.iter().cloned().collect();
    if loaded.path.is_some() {
        template_dirs.push(root.join("templates"));
    }
    crate::render::RenderOptions {
        fonts: FontOptions {
            dirs,
            include_system: !(look.no_system_fonts || cfg.fonts.ignore_system),
            overrides: cfg.fonts.clone(),
        },
        template_dirs,
        only,
        threads: look.jobs,
    }
}

/// Loads a secret key and its public key; `passphrase` is asked only when the
/// key is encrypted.
pub fn load_key(
    path: &Path,
    passphrase: Passphrase<'_>,
) -> Result<(minisign::SecretKey, minisign::PublicKey), SetupError> {
    let text = std::fs::read_to_string(path).map_err(|_| SetupError::Read(path.to_path_buf()))?;
    // An unencrypted key needs none, whatever the face would say.
    let pass = if sign::secret_key(&text, String::new()).is_ok() {
        String::new()
    } else {
        passphrase(path)?
    };
    let err = |source| SetupError::Sign {
        path: path.to_path_buf(),
        source,
    };
    let sk = sign::secret_key(&text, pass).map_err(err)?;
    let pk = sign::public_of(&sk).map_err(err)?;
    Ok((sk, pk))
}

/// A public key file.
pub fn read_public_key(path: &Path) -> Result<minisign::PublicKey, SetupError> {
    let text = std::fs::read_to_string(path).map_err(|_| SetupError::Read(path.to_path_buf()))?;
    sign::public_key(&text).map_err(|source| SetupError::Sign {
        path: path.to_path_buf(),
        source,
    })
}

/// Removes, directly in each of `dirs` (the folders a workflow writes to), the
/// temporaries of interrupted runs that are no longer alive, and says so in one
/// note; what could not be removed is named and left (the workflow goes on).
pub fn sweep_stale<P: AsRef<Path>>(dirs: impl IntoIterator<Item = P>, progress: Progress<'_>) {
    let swept = crate::fsutil::sweep_all(dirs);
    if swept.removed > 0 {
        progress(Event::Note(format!(
            "已清理 {} 个中断运行遗留的临时文件 (stale temporaries removed)",
            swept.removed
        )));
    }
    for (path, e) in &swept.failed {
        progress(Event::Note(format!(
            "警告：无法清理中断运行遗留的临时文件 {} (cannot remove stale temporary): {e}",
            path.display()
        )));
    }
}

/// Records a write in the office's audit trail as `actor` (nothing outside an
/// office). A failure to record does not undo the write: it is a note, with
/// what to do, and the workflow goes on.
pub fn note(
    loaded: &Loaded,
    actor: &str,
    action: crate::office::audit::AuditAction,
    target: &str,
    detail: &str,
    progress: Progress<'_>,
) {
    note_all(
        loaded,
        actor,
        &[(action, target.into(), detail.into())],
        progress,
    );
}

/// [`note`] for several lines (action, target, detail) at once: one lock, one sync.
pub fn note_all(
    loaded: &Loaded,
    actor: &str,
    lines: &[(crate::office::audit::AuditAction, String, String)],
    progress: Progress<'_>,
) {
    use crate::office::audit::{self, Record};
    if loaded.path.is_none() || lines.is_empty() {
        return;
    }
    let records: Vec<Record<'_>> = lines
        .iter()
        .map(|(action, target, detail)| Record {
            actor,
            action: *action,
            target,
            detail,
        })
        .collect();
    if let Err(e) = audit::append_all(&loaded.root(), &records) {
        progress(Event::Note(format!(
            "anjuan: 警告 (warning): 操作已完成，但未记入操作日志 (not recorded in the audit trail): {e}\n    修改建议 (remedy): {}",
            e.remedy()
        )));
    }
}

/// The paths, as a message lists them.
pub fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A record defect that stops a case's papers and its filing (lateness does not).
pub fn blocks_case(f: &crate::diag::Located) -> bool {
    f.diag.is_error() && !case::TIMELINESS.contains(&f.diag.code)
}
