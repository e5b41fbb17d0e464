//! Fonts by role (GB/T 9704): found once per process and shared by every compile.
//!
//! Search order: `--font-dir` folders, the office's `fonts/` (and `[fonts] dirs`),
//! then system fonts unless switched off. Each role maps to an ordered list of
//! family names, official fonts first, open fallbacks after; only families that
//! are really present are handed to the templates.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst_kit::fonts::{FontSearcher, FontSlot};

use crate::config::Fonts as FontConfig;

/// The default family lists per role, official names (and their common aliases) first.
pub const TITLE: &[&str] = &[
    "FZXiaoBiaoSong-B05S",
    "方正小标宋简体",
    "FZXiaoBiaoSong-B05",
    "方正小标宋_GBK",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
];
pub const BODY: &[&str] = &[
    "FangSong_GB2312",
    "仿宋_GB2312",
    "FangSong",
    "仿宋",
    "STFangsong",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
];
pub const HEADING: &[&str] = &["SimHei", "黑体", "Noto Sans CJK SC", "Source Han Sans SC"];
pub const KAI: &[&str] = &[
    "KaiTi_GB2312",
    "楷体_GB2312",
    "KaiTi",
    "楷体",
    "STKaiti",
    "LXGW WenKai",
    "AR PL KaitiM GB",
    "Noto Serif CJK SC",
];
pub const SONG: &[&str] = &["SimSun", "宋体", "Noto Serif CJK SC", "Source Han Serif SC"];

/// The open fonts that are only fallbacks (used to tell whether an official font was found).
const OPEN: &[&str] = &[
    "noto serif cjk sc",
    "noto sans cjk sc",
    "source han serif sc",
    "source han sans sc",
    "lxgw wenkai",
    "ar pl kaitim gb",
];

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("没有找到中文字体 (no CJK font found){searched}")]
    NoCjk { searched: String },
    #[error("字体目录不存在 (font folder not found): {0}")]
    NoDir(PathBuf),
}

impl FontError {
    pub fn remedy(&self) -> &'static str {
        match self {
            FontError::NoCjk { .. } => {
                "安装开源中文字体：sudo apt-get install -y fonts-noto-cjk fonts-lxgw-wenkai；\
                 或把本机关的字体（仿宋_GB2312 等）放入办公室目录的 fonts/，或用 --font-dir 指定"
            }
            FontError::NoDir(_) => "检查 --font-dir 或 anjuan.toml [fonts] dirs 中的路径",
        }
    }
}

/// Where to look for fonts.
#[derive(Clone, Debug, Default)]
pub struct FontOptions {
    /// Folders searched first (`--font-dir`, the office `fonts/`, `[fonts] dirs`).
    pub dirs: Vec<PathBuf>,
    pub include_system: bool,
    /// Role lists from `anjuan.toml` replacing the defaults.
    pub overrides: FontConfig,
}

/// The families present for each role, in order of preference.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Roles {
    pub title: Vec<String>,
    pub body: Vec<String>,
    pub heading: Vec<String>,
    pub kai: Vec<String>,
    pub song: Vec<String>,
    /// The title font is an open fallback (set it bold, as 小标宋 is heavy).
    pub title_bold: bool,
}

/// Every font found, loaded lazily, plus the role table.
pub struct FontSet {
    pub book: LazyHash<FontBook>,
    slots: Vec<FontSlot>,
    pub roles: Roles,
    /// Indices of the fonts the roles name first (checked before the rest).
    role_fonts: Vec<usize>,
}

impl FontSet {
    /// Scans the folders (and the system) once.
    pub fn load(opts: &FontOptions) -> Result<FontSet, FontError> {
        for d in &opts.dirs {
            if !d.is_dir() {
                return Err(FontError::NoDir(d.clone()));
            }
        }
        let fonts = FontSearcher::new()
            .include_system_fonts(opts.include_system)
            .search_with(opts.dirs.iter().map(PathBuf::as_path));
        let book = fonts.book;
        let present = |list: &[String], defaults: &[&str]| -> Vec<String> {
            let wanted: Vec<String> = if list.is_empty() {
                defaults.iter().map(|s| s.to_string()).collect()
            } else {
                list.to_vec()
            };
            let mut seen = BTreeSet::new();
            wanted
                .into_iter()
                .filter(|f| book.select_family(&f.to_lowercase()).next().is_some())
                .filter(|f| seen.insert(f.to_lowercase()))
                .collect()
        };
        let o = &opts.overrides;
        let roles = Roles {
            title: present(&o.title, TITLE),
            body: present(&o.body, BODY),
            heading: present(&o.heading, HEADING),
            kai: present(&o.kai, KAI),
            song: present(&o.song, SONG),
            title_bold: false,
        };
        // A CJK font must cover at least the common ideographs used in every paper.
        let has_cjk = (0..fonts.fonts.len()).any(|i| {
            book.info(i).is_some_and(|info| {
                "信访事项受理告知书"
                    .chars()
                    .all(|c| info.coverage.contains(c as u32))
            })
        });
        if !has_cjk || roles.body.is_empty() {
            let searched = if opts.dirs.is_empty() {
                String::new()
            } else {
                format!(
                    "；已查找 (searched): {}{}",
                    opts.dirs
                        .iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    if opts.include_system {
                        " 及系统字体"
                    } else {
                        "（未查找系统字体）"
                    }
                )
            };
            return Err(FontError::NoCjk { searched });
        }
        // A role with none of its families present takes the body's list.
        let or_body = |l: Vec<String>| if l.is_empty() { roles.body.clone() } else { l };
        let roles = Roles {
            title: or_body(roles.title.clone()),
            heading: or_body(roles.heading.clone()),
            kai: or_body(roles.kai.clone()),
            song: or_body(roles.song.clone()),
            ..roles
        };
        let title_bold = roles
            .title
            .first()
            .is_some_and(|f| OPEN.contains(&f.to_lowercase().as_str()));
        let roles = Roles {
            title_bold,
            ..roles
        };
        let mut role_fonts = Vec::new();
        for fam in roles
            .body
            .iter()
            .chain(&roles.heading)
            .chain(&roles.kai)
            .chain(&roles.title)
        {
            role_fonts.extend(book.select_family(&fam.to_lowercase()));
        }
        role_fonts.sort_unstable();
        role_fonts.dedup();
        Ok(FontSet {
            book: LazyHash::new(book),
            slots: fonts.fonts,
            roles,
            role_fonts,
        })
    }

    /// The font at an index of the book (loaded on first use).
    pub fn font(&self, index: usize) -> Option<Font> {
        self.slots.get(index)?.get()
    }

    /// The file a font came from.
    pub fn path(&self, index: usize) -> Option<&Path> {
        self.slots.get(index)?.path()
    }

    /// A digest of the font set: the role table and every font file found (path,
    /// size, modification time). Another font installed, removed or replaced, or
    /// another role list, changes it.
    pub fn digest(&self) -> String {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        h.update(serde_json::to_vec(&self.roles).unwrap_or_default());
        let files: BTreeSet<&Path> = self.slots.iter().filter_map(FontSlot::path).collect();
        for path in files {
            h.update(b"\0");
            h.update(path.as_os_str().as_encoded_bytes());
            if let Ok(m) = std::fs::metadata(path) {
                let mtime = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| d.as_nanos())
                    .unwrap_or(0);
                h.update(format!(" {} {mtime}", m.len()).as_bytes());
            }
        }
        crate::archive::bag::hex(&h.finalize())
    }

    /// Whether any font found has a glyph for `c` (invisible format characters
    /// need none).
    pub fn covers(&self, c: char) -> bool {
        if is_ignorable(c) {
            return true;
        }
        let cp = c as u32;
        self.role_fonts
            .iter()
            .copied()
            .chain(0..self.slots.len())
            .any(|i| {
                self.book
                    .info(i)
                    .is_some_and(|info| info.coverage.contains(cp))
            })
    }

    /// Whether the first choice of every role is an official font.
    pub fn official(&self) -> bool {
        let r = &self.roles;
        [&r.title, &r.body, &r.heading, &r.kai].iter().all(|l| {
            l.first()
                .is_some_and(|f| !OPEN.contains(&f.to_lowercase().as_str()))
        })
    }
}

/// Default-ignorable and format characters (ZWSP, ZWJ, bidi marks, variation
/// selectors…): they have no glyph and need none.
pub fn is_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
        || c.is_whitespace()
        || c.is_control()
}
