//! What every check of a bag shares: the options a receiver verifies with, what
//! reading one file gave, and how a check and its details are built. Below both
//! the generic BagIt checks ([`super::check`]) and the anjuan ones
//! ([`super::anjuan`]), which use it and not each other's internals.

use super::pdf;
use super::report::{Check, Detail, Property, Status};
use crate::archive::bag;

/// How to verify.
#[derive(Clone, Default)]
pub struct Options {
    /// Keys the receiver trusts (`--trust`): (key id, key).
    pub trust: Vec<(String, minisign::PublicKey)>,
    /// Only these manifest algorithms are checked (empty: all supported).
    pub algs: Vec<String>,
    /// BagIt-level checks only (what `bagit.py --validate` does). Ignored when
    /// the anjuan profile is required ([`Options::anjuan_required`]).
    pub bagit_only: bool,
    /// The profile the bundle must meet.
    pub profile: Profile,
    /// A virus-scanner command run per file, the file on its standard input.
    pub scan: Option<String>,
    /// The date the report carries.
    pub date: String,
    /// Worker threads (0: all cores).
    pub jobs: usize,
}

/// What a receiver requires of a bundle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// The anjuan checks apply when the bundle says it is an anjuan bundle;
    /// a plain BagIt bag gets them "n/a".
    #[default]
    Auto,
    /// The bundle must be an anjuan bundle: every anjuan check must pass, a
    /// plain bag fails them (a bundle stripped to plain BagIt cannot pass).
    Anjuan,
}

impl Options {
    /// The anjuan profile is required: asked for, or implied by trusting a key
    /// (trust means nothing without the signed tag manifest and the paper
    /// signatures, so `--trust` cannot be downgraded to a plain-bag check).
    pub fn anjuan_required(&self) -> bool {
        self.profile == Profile::Anjuan || !self.trust.is_empty()
    }

    /// Only the BagIt-level checks run.
    pub fn bagit_level(&self) -> bool {
        self.bagit_only && !self.anjuan_required()
    }
}

/// What reading one file gave. Kept for every file of the bag until the checks
/// are done, so compact: digests as bytes (hex only where a finding or a
/// signature needs it), the rarer parts in one box.
#[derive(Default)]
pub(super) struct Read {
    pub(super) sha256: Option<[u8; 32]>,
    pub(super) sm3: Option<[u8; 32]>,
    pub(super) sha512: Option<Box<[u8; 64]>>,
    pub(super) blake2b: Option<Box<[u8; 64]>>,
    /// A PDF's or an image's facts, or why the file could not be read.
    pub(super) more: Option<Box<More>>,
}

/// The part of a [`Read`] that only some files have (one of them at most).
pub(super) enum More {
    Pdf(Result<pdf::PdfFacts, String>),
    /// For an image file (a received scan: .png, .jpg, .tif): what its bytes are.
    Image(Result<crate::case::original::Sniffed, String>),
    Error(Box<str>),
}

impl Read {
    /// The file's digest by `alg` (`sha256`, `sha512`, `sm3`), if computed.
    pub(super) fn digest(&self, alg: &str) -> Option<&[u8]> {
        match alg {
            "sha256" => self.sha256.as_ref().map(|d| &d[..]),
            "sm3" => self.sm3.as_ref().map(|d| &d[..]),
            "sha512" => self.sha512.as_deref().map(|d| &d[..]),
            _ => None,
        }
    }

    /// The digest as lowercase hex.
    pub(super) fn hex(&self, alg: &str) -> Option<String> {
        self.digest(alg).map(bag::hex)
    }

    pub(super) fn pdf(&self) -> Option<&Result<pdf::PdfFacts, String>> {
        match self.more.as_deref() {
            Some(More::Pdf(p)) => Some(p),
            _ => None,
        }
    }

    pub(super) fn image(&self) -> Option<&Result<crate::case::original::Sniffed, String>> {
        match self.more.as_deref() {
            Some(More::Image(i)) => Some(i),
            _ => None,
        }
    }

    /// Why the file could not be read.
    pub(super) fn error(&self) -> Option<&str> {
        match self.more.as_deref() {
            Some(More::Error(e)) => Some(e),
            _ => None,
        }
    }
}

/// What the reads gave, by file name: a list sorted by name, looked up by
/// binary search. A hash map of a 3,000-case bundle's 52,000 files took 9 MB
/// (its table a power of two, ~170 bytes a file); this takes the pairs.
pub(super) struct Reads<'a>(Vec<(&'a str, Read)>);

impl<'a> Reads<'a> {
    pub(super) fn new(mut v: Vec<(&'a str, Read)>) -> Reads<'a> {
        // The reads come in name order, each name once (from the bag's sorted
        // file list): a stable sort would still take a scratch buffer of half
        // the list (5.9 MB at 3,000 cases, the read phase's peak).
        if !v.is_sorted_by(|a, b| a.0 < b.0) {
            v.sort_by(|a, b| a.0.cmp(b.0));
            v.dedup_by(|a, b| a.0 == b.0);
        }
        v.shrink_to_fit();
        Reads(v)
    }

    pub(super) fn get(&self, name: &str) -> Option<&Read> {
        self.0
            .binary_search_by(|(k, _)| (*k).cmp(name))
            .ok()
            .map(|i| &self.0[i].1)
    }
}

/// Reads one file of the bag by name, for the digests and facts the checks
/// need of it (`None`: no such file).
pub(super) type ReadFn<'a> = dyn Fn(&str) -> Option<Read> + Sync + 'a;

/// The top folder under `data/` a file lies in (a case folder); the files of
/// one folder are consecutive in name order, and are read and checked
/// together by the anjuan checks.
pub(super) fn group_of(k: &str) -> Option<&str> {
    k.strip_prefix("data/")
        .and_then(|r| r.split_once('/'))
        .map(|(f, _)| f)
}

/// A received scan's file name (the formats anjuan files besides PDF).
pub(super) fn is_image_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".tif", ".tiff"]
        .iter()
        .any(|e| n.ends_with(e))
}

/// Builds a check from its details: fail if any detail, else pass.
pub(super) fn check(
    id: &'static str,
    property: Property,
    name: &'static str,
    details: Vec<Detail>,
    ok: String,
) -> Check {
    let status = if details.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let summary = if details.is_empty() {
        ok
    } else {
        format!("{} 项问题 (defects)", details.len())
    };
    Check {
        id,
        property,
        name,
        status,
        summary,
        details,
    }
}

pub(super) fn detail(code: &str, file: Option<&str>, message: impl Into<String>) -> Detail {
    Detail {
        code: code.to_string(),
        item: None,
        file: file.map(str::to_string),
        message: message.into(),
    }
}
