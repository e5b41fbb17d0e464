//! The render record: what made each paper, kept beside the papers of a case
//! (`<case>/render-record.json`) so the archive can say which font files (name and
//! SHA-256) made each PDF, and how many pages it has, without re-reading the PDF.
//!
//! It also says what each paper was made from ([`Inputs`]: digests of the case
//! file, the effective template, the font set, the office settings that reach
//! the page, the signing key, and the tool's version), so that `render` makes a
//! paper again only when one of them changed.
//!
//! Pure data: the command layer reads and writes the file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The record's file name inside a case's papers folder.
pub const FILE_NAME: &str = "render-record.json";

/// One font file that a paper embeds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FontFile {
    /// Family name, as Typst selected it.
    pub family: String,
    /// The font file's name (no folders: those differ between machines).
    pub file: String,
    /// SHA-256 of the font file, lower-case hex.
    pub sha256: String,
}

/// What made one paper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperRecord {
    /// 文书种类 (kind of paper).
    pub kind: String,
    /// 页数.
    pub pages: usize,
    /// SHA-256 of the PDF as written.
    pub sha256: String,
    /// The fonts embedded.
    pub fonts: Vec<FontFile>,
    /// The anjuan version that rendered it.
    pub generator: String,
    /// 签名时间 (when the office key signed it), ISO 8601 with zone; also in the
    /// signature's trusted comment. Kept across renders that give the same bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
    /// Size of the PDF in bytes (a kept paper must still be on disk, whole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// What made it; absent in records of older versions (then it is made again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Inputs>,
}

/// The inputs of one paper, each as a SHA-256 (lower-case hex) unless said otherwise.
/// Two renders with equal inputs give the same bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// The case file's text.
    pub case: String,
    /// The paper's effective template (an office override or the built-in one),
    /// with the shared Typst modules it imports (`layout.typ`).
    pub template: String,
    /// The font set found: the role table and every font file's path, size and
    /// modification time.
    pub fonts: String,
    /// The office settings that reach the page (`anjuan.toml`: office, issuers,
    /// signers, fonts, retention, calendar, archive order and classification) and
    /// the seal image.
    pub settings: String,
    /// The office key that signed it (key id); absent when unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// The anjuan version.
    pub tool: String,
}

/// A case's record: file name → what made it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub papers: BTreeMap<String, PaperRecord>,
}

impl Record {
    /// Parses a record; `None` when the text is not one (the caller says where).
    pub fn parse(text: &str) -> Result<Record, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The record as written to disk (sorted keys, stable bytes).
    pub fn to_text(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("record serialises");
        s.push('\n');
        s
    }
}

/// SHA-256 of font files, each file hashed once per run.
#[derive(Default)]
pub struct FontHashes(std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, String>>);

impl FontHashes {
    pub fn get(&self, path: &std::path::Path) -> Result<String, String> {
        if let Some(h) = self.0.lock().map_err(|e| e.to_string())?.get(path) {
            return Ok(h.clone());
        }
        let h = crate::archive::bag::sha256_file(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        self.0
            .lock()
            .map_err(|e| e.to_string())?
            .insert(path.to_path_buf(), h.clone());
        Ok(h)
    }

    /// The record of a rendered paper's fonts (files not found on disk are left out).
    pub fn fonts(&self, out: &super::Rendered) -> Result<Vec<FontFile>, String> {
        let mut fonts = Vec::new();
        for (family, path) in &out.fonts {
            let Some(path) = path else { continue };
            fonts.push(FontFile {
                family: family.clone(),
                file: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                sha256: self.get(path)?,
            });
        }
        fonts.sort();
        fonts.dedup();
        Ok(fonts)
    }
}

pub fn generator() -> String {
    format!("anjuan {}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut r = Record::default();
        r.papers.insert(
            "05-处理意见书.pdf".into(),
            PaperRecord {
                kind: "处理意见书".into(),
                pages: 4,
                sha256: "ab".repeat(32),
                fonts: vec![FontFile {
                    family: "Noto Serif CJK SC".into(),
                    file: "NotoSerifCJK-Regular.ttc".into(),
                    sha256: "cd".repeat(32),
                }],
                generator: generator(),
                signed_at: Some("2026-07-10T09:30:00+08:00".into()),
                bytes: Some(51234),
                inputs: Some(Inputs {
                    case: "01".repeat(32),
                    template: "02".repeat(32),
                    fonts: "03".repeat(32),
                    settings: "04".repeat(32),
                    signer: Some("0123456789ABCDEF".into()),
                    tool: generator(),
                }),
            },
        );
        assert_eq!(Record::parse(&r.to_text()).unwrap(), r);
        assert!(Record::parse("{").is_err());
    }

    #[test]
    fn older_records_read_without_inputs() {
        let text = r#"{"papers":{"01-a.pdf":{"kind":"k","pages":1,"sha256":"x","fonts":[],"generator":"anjuan 0.1.0"}}}"#;
        let r = Record::parse(text).unwrap();
        assert_eq!(r.papers["01-a.pdf"].inputs, None);
        assert_eq!(r.papers["01-a.pdf"].bytes, None);
    }
}
