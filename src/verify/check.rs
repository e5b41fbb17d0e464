//! The checks of 四性检测 over a received bag. Every check runs and records what
//! it found; nothing stops at the first defect. BagIt-level checks apply to
//! every bag; the anjuan checks (signatures, metadata, numbering, receipts, the
//! handoff declaration, formats) apply to bundles made by anjuan and are "not
//! applicable" for plain BagIt bags.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use serde_json::Value;
use sha2::Digest as _;
use unicode_normalization::UnicodeNormalization as _;

use super::container::Container;
use super::report::{BagitState, Bundle, Check, Detail, Property, Report, Status, SCHEMA};
use crate::archive::bag::{self, BagInfo, Manifest};
use crate::archive::code::ArchiveCode;
use crate::archive::pack::{HANDOFF, HANDOFF_FORMAT, HANDOFF_JSON};
use crate::sign;

/// How to verify.
#[derive(Clone, Default)]
pub struct Options {
    /// Keys the receiver trusts (`--trust`): (key id, key).
    pub trust: Vec<(String, minisign::PublicKey)>,
    /// Only these manifest algorithms are checked (empty: all supported).
    pub algs: Vec<String>,
    /// BagIt-level checks only (what `bagit.py --validate` does).
    pub bagit_only: bool,
    /// A virus-scanner command run per file, the file on its standard input.
    pub scan: Option<String>,
    /// The date the report carries.
    pub date: String,
    /// Worker threads (0: all cores).
    pub jobs: usize,
}

/// Payload file types accepted for long-term preservation, and metadata types.
const ACCEPTED: [&str; 7] = ["pdf", "ofd", "json", "csv", "txt", "xml", "minisig"];
/// Tag files an anjuan bundle has at its top.
const ANJUAN_TAGS: [&str; 9] = [
    "bagit.txt",
    "bag-info.txt",
    "manifest-sha256.txt",
    "manifest-sm3.txt",
    "tagmanifest-sha256.txt",
    "tagmanifest-sha256.txt.minisig",
    "tagmanifest-sm3.txt",
    HANDOFF,
    HANDOFF_JSON,
];
const DOSSIER_SHEETS: [&str; 3] = ["案卷封面.pdf", "卷内文件目录.pdf", "备考表.pdf"];
const SUPPORTED: [&str; 3] = ["sha256", "sha512", "sm3"];

/// What reading one file gave.
#[derive(Default)]
struct Read {
    digests: HashMap<&'static str, String>,
    blake2b: Option<Vec<u8>>,
    pdf: Option<Result<PdfFacts, String>>,
    error: Option<String>,
}

#[derive(Clone, Debug)]
struct PdfFacts {
    pages: usize,
    /// `2B` from `pdfaid:part` / `pdfaid:conformance`.
    pdfa: Option<String>,
    encrypted: bool,
}

fn pdf_facts(data: Vec<u8>) -> Result<PdfFacts, String> {
    if !data.starts_with(b"%PDF-") {
        return Err("不是 PDF 文件 (no %PDF- header)".into());
    }
    let encrypted = memfind(&data, b"/Encrypt").is_some();
    let pdfa = xmp_value(&data, "pdfaid:part").map(|p| {
        format!(
            "{p}{}",
            xmp_value(&data, "pdfaid:conformance").unwrap_or_default()
        )
    });
    let data: hayro_syntax::PdfData = std::sync::Arc::new(data);
    let pdf = hayro_syntax::Pdf::new(data).map_err(|e| match e {
        hayro_syntax::LoadPdfError::Decryption(_) => "PDF 已加密 (encrypted)".to_string(),
        hayro_syntax::LoadPdfError::Invalid => "PDF 无法解析 (cannot be parsed)".to_string(),
    })?;
    Ok(PdfFacts {
        pages: pdf.pages().len(),
        pdfa,
        encrypted,
    })
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `<pdfaid:part>2</pdfaid:part>` or `pdfaid:part="2"` in the XMP packet.
fn xmp_value(data: &[u8], key: &str) -> Option<String> {
    let i = memfind(data, key.as_bytes())?;
    let rest = &data[i + key.len()..(i + key.len() + 16).min(data.len())];
    let rest = rest
        .strip_prefix(b">")
        .or_else(|| rest.strip_prefix(b"=\""))?;
    let end = rest.iter().position(|&b| b == b'<' || b == b'"')?;
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

struct Hashers {
    sha256: Option<sha2::Sha256>,
    sha512: Option<sha2::Sha512>,
    sm3: Option<sm3::Sm3>,
    blake2b: Option<blake2::Blake2b512>,
}

impl Hashers {
    fn update(&mut self, b: &[u8]) {
        if let Some(h) = &mut self.sha256 {
            h.update(b);
        }
        if let Some(h) = &mut self.sha512 {
            h.update(b);
        }
        if let Some(h) = &mut self.sm3 {
            h.update(b);
        }
        if let Some(h) = &mut self.blake2b {
            h.update(b);
        }
    }
}

/// Builds a check from its details: fail if any detail, else pass.
fn check(
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

fn na(id: &'static str, property: Property, name: &'static str, why: &str) -> Check {
    Check {
        id,
        property,
        name,
        status: Status::NotApplicable,
        summary: why.to_string(),
        details: Vec::new(),
    }
}

fn detail(code: &str, file: Option<&str>, message: impl Into<String>) -> Detail {
    Detail {
        code: code.to_string(),
        item: None,
        file: file.map(str::to_string),
        message: message.into(),
    }
}

fn fixity_id(alg: &str) -> &'static str {
    match alg {
        "sha256" => "authenticity.fixity-sha256",
        "sha512" => "authenticity.fixity-sha512",
        _ => "authenticity.fixity-sm3",
    }
}

fn fixity_name(alg: &str) -> &'static str {
    match alg {
        "sha256" => "内容摘要校验 SHA-256 (fixity)",
        "sha512" => "内容摘要校验 SHA-512 (fixity)",
        _ => "内容摘要校验 SM3 (fixity)",
    }
}

/// Runs every check on `c`.
pub fn run(c: &Container, opts: &Options, bundle_sha256: Option<String>) -> Report {
    let mut checks: Vec<Check> = Vec::new();
    use Property::*;

    // ---- The container: what the structure checks found.
    let finding_details = |pred: &dyn Fn(&str) -> bool| -> Vec<Detail> {
        c.findings
            .iter()
            .filter(|f| pred(&f.code()))
            .map(|f| Detail {
                code: f.code(),
                item: None,
                file: f.file(),
                message: f.message(),
            })
            .collect()
    };
    checks.push(check(
        "security.entry-names",
        Security,
        "文件名安全 (entry names)",
        finding_details(&|c| c.starts_with("name.")),
        "无路径穿越、绝对路径、反斜杠、控制字符、重名或 NFC 同名".into(),
    ));
    checks.push(check(
        "security.links",
        Security,
        "无链接与特殊文件 (no symlinks)",
        finding_details(&|c| c == "zip.symlink" || c == "zip.special-file"),
        "无符号链接、设备或管道文件".into(),
    ));
    checks.push(check(
        "security.container",
        Security,
        "容器结构 (container structure)",
        finding_details(&|c| {
            c.starts_with("zip.")
                && !matches!(
                    c,
                    "zip.symlink"
                        | "zip.special-file"
                        | "zip.bomb"
                        | "zip.too-many-entries"
                        | "zip.encrypted"
                        | "zip.method"
                )
        }),
        if c.is_zip() {
            "结尾记录、中央目录与各本地文件头一致，字节无重叠、无空隙".into()
        } else {
            "目录可完整遍历".into()
        },
    ));
    checks.push(check(
        "security.bombs",
        Security,
        "压缩炸弹防护 (zip bombs)",
        finding_details(&|c| c == "zip.bomb" || c == "zip.too-many-entries"),
        format!(
            "条目数、压缩比（≤{}:1）与总解压量均在限度内",
            c.limits.max_ratio
        ),
    ));
    let mut no_encryption = finding_details(&|c| c == "zip.encrypted" || c == "zip.method");

    // ---- BagIt: bagit.txt, bag-info, manifests.
    let mut structure: Vec<Detail> = Vec::new();
    let mut readable: Vec<Detail> = Vec::new();
    let small = |name: &str| c.read_small(name, 64 << 20);
    let text_of = |name: &str, out: &mut Vec<Detail>| -> Option<String> {
        match small(name)? {
            Ok(b) => match String::from_utf8(b) {
                Ok(t) => Some(t.strip_prefix('\u{feff}').unwrap_or(&t).to_string()),
                Err(_) => {
                    out.push(detail("meta.not-utf8", Some(name), "不是 UTF-8 文本"));
                    None
                }
            },
            Err(m) => {
                out.push(detail("meta.unreadable", Some(name), m));
                None
            }
        }
    };
    match text_of("bagit.txt", &mut readable) {
        None if !c.files.contains_key("bagit.txt") => structure.push(detail(
            "bagit.no-bagit-txt",
            Some("bagit.txt"),
            "缺少 bagit.txt：不是 BagIt 包 (not a BagIt bag)",
        )),
        None => {}
        Some(t) => {
            let info = BagInfo::parse(&t).unwrap_or_default();
            match info.get("BagIt-Version") {
                Some("1.0") | Some("0.97") => {}
                v => structure.push(detail(
                    "bagit.version",
                    Some("bagit.txt"),
                    format!("BagIt-Version 为 {:?}，应为 1.0", v.unwrap_or("")),
                )),
            }
            if !info
                .get("Tag-File-Character-Encoding")
                .is_some_and(|e| e.eq_ignore_ascii_case("UTF-8"))
            {
                structure.push(detail(
                    "bagit.encoding",
                    Some("bagit.txt"),
                    "Tag-File-Character-Encoding 应为 UTF-8",
                ));
            }
        }
    }
    let info = text_of("bag-info.txt", &mut readable)
        .and_then(|t| match BagInfo::parse(&t) {
            Ok(i) => Some(i),
            Err(line) => {
                readable.push(detail(
                    "meta.bag-info",
                    Some("bag-info.txt"),
                    format!("第 {line} 行不是“标签: 值”"),
                ));
                None
            }
        })
        .unwrap_or_default();
    if c.files.contains_key("fetch.txt") {
        structure.push(detail(
            "bagit.fetch",
            Some("fetch.txt"),
            "含 fetch.txt：包内容不全，需从外部获取 (holey bag)",
        ));
    }

    // Manifests at the top of the bag.
    let mut manifests: BTreeMap<String, Manifest> = BTreeMap::new();
    let mut tagmanifests: BTreeMap<String, Manifest> = BTreeMap::new();
    let mut skipped: Vec<String> = Vec::new();
    for name in c.files.keys().filter(|n| !n.contains('/')) {
        let (tag, alg) = if let Some(a) = name
            .strip_prefix("tagmanifest-")
            .and_then(|r| r.strip_suffix(".txt"))
        {
            (true, a)
        } else if let Some(a) = name
            .strip_prefix("manifest-")
            .and_then(|r| r.strip_suffix(".txt"))
        {
            (false, a)
        } else {
            continue;
        };
        if !SUPPORTED.contains(&alg) {
            structure.push(Detail {
                code: "bagit.unsupported-algorithm".into(),
                item: None,
                file: Some(name.clone()),
                message: format!("不支持的摘要算法 {alg}，未校验 (not checked)"),
            });
            continue;
        }
        if !opts.algs.is_empty() && !opts.algs.iter().any(|a| a == alg) {
            skipped.push(name.clone());
            continue;
        }
        let Some(text) = text_of(name, &mut readable) else {
            continue;
        };
        match Manifest::parse(&text) {
            Ok(m) => {
                if tag {
                    tagmanifests.insert(alg.to_string(), m);
                } else {
                    manifests.insert(alg.to_string(), m);
                }
            }
            Err(e) => readable.push(detail("meta.manifest", Some(name), e.to_string())),
        }
    }
    if manifests.is_empty() && skipped.is_empty() {
        structure.push(detail(
            "bagit.no-manifest",
            None,
            "没有可校验的清单 manifest-<alg>.txt (no payload manifest)",
        ));
    }

    // Names as the manifests say them, matched after NFC normalisation.
    let nfc: HashMap<String, &str> = c
        .files
        .keys()
        .map(|k| (k.nfc().collect::<String>(), k.as_str()))
        .collect();
    let resolve = |p: &str| -> Option<&str> {
        if c.files.contains_key(p) {
            return c.files.get_key_value(p).map(|(k, _)| k.as_str());
        }
        nfc.get(&p.nfc().collect::<String>()).copied()
    };

    // ---- Completeness (RFC 8493 §3).
    let mut complete: Vec<Detail> = Vec::new();
    let payload: Vec<&str> = c
        .files
        .keys()
        .filter(|k| k.starts_with("data/"))
        .map(String::as_str)
        .collect();
    for (alg, m) in &manifests {
        let mut listed = BTreeSet::new();
        for (path, _) in &m.entries {
            if !path.starts_with("data/") {
                complete.push(detail(
                    "bagit.outside-payload",
                    Some(path),
                    format!("manifest-{alg}.txt 列出 data/ 以外的文件"),
                ));
                continue;
            }
            match resolve(path) {
                Some(actual) => {
                    listed.insert(actual);
                }
                None => complete.push(detail(
                    "bagit.missing",
                    Some(path),
                    format!("manifest-{alg}.txt 列出的文件不存在 (listed, missing)"),
                )),
            }
        }
        for p in &payload {
            if !listed.contains(p) {
                complete.push(detail(
                    "bagit.unlisted",
                    Some(p),
                    format!("文件未列入 manifest-{alg}.txt (present, unlisted)"),
                ));
            }
        }
    }

    // ---- Read every file once, with every digest it needs.
    let is_anjuan = info.get("Anjuan-Generator").is_some()
        || c.files.contains_key(HANDOFF_JSON)
        || c.files.contains_key("data/catalogue.json");
    let deep = is_anjuan && !opts.bagit_only;
    let mut need: BTreeMap<&str, BTreeSet<&'static str>> = BTreeMap::new();
    for (alg, m) in manifests.iter().chain(tagmanifests.iter()) {
        let a: &'static str = SUPPORTED
            .iter()
            .find(|s| *s == alg)
            .copied()
            .unwrap_or("sha256");
        for (path, _) in &m.entries {
            if let Some(actual) = resolve(path) {
                need.entry(actual).or_default().insert(a);
            }
        }
    }
    if deep {
        for k in c.files.keys() {
            let set = need.entry(k.as_str()).or_default();
            set.insert("sha256");
            if k.ends_with(".txt") {
                set.insert("sm3");
            }
            if c.files.contains_key(&format!("{k}.minisig")) {
                set.insert("blake2b");
            }
        }
    }
    let jobs: Vec<(&str, &super::container::Item, BTreeSet<&'static str>)> = need
        .into_iter()
        .filter_map(|(k, algs)| c.files.get(k).map(|item| (k, item, algs)))
        .collect();
    let read_one =
        |(name, item, algs): &(&str, &super::container::Item, BTreeSet<&'static str>)| {
            let mut r = Read::default();
            if !item.readable {
                r.error = Some("结构检查已拒绝，未读取 (refused by the structure checks)".into());
                return (name.to_string(), r);
            }
            let mut h = Hashers {
                sha256: algs.contains("sha256").then(sha2::Sha256::new),
                sha512: algs.contains("sha512").then(sha2::Sha512::new),
                sm3: algs.contains("sm3").then(sm3::Sm3::new),
                blake2b: algs
                    .contains("blake2b")
                    .then(<blake2::Blake2b512 as sha2::Digest>::new),
            };
            let want_pdf = deep && name.ends_with(".pdf") && item.size <= 256 << 20;
            let mut buf = Vec::new();
            let res = c.read(item, &mut |b| {
                h.update(b);
                if want_pdf {
                    buf.extend_from_slice(b);
                }
            });
            if let Err(e) = res {
                r.error = Some(e.to_string());
                return (name.to_string(), r);
            }
            if let Some(x) = h.sha256 {
                r.digests.insert("sha256", bag::hex(&x.finalize()));
            }
            if let Some(x) = h.sha512 {
                r.digests.insert("sha512", bag::hex(&x.finalize()));
            }
            if let Some(x) = h.sm3 {
                r.digests.insert("sm3", bag::hex(&x.finalize()));
            }
            if let Some(x) = h.blake2b {
                r.blake2b = Some(x.finalize().to_vec());
            }
            if want_pdf {
                r.pdf = Some(pdf_facts(buf));
            }
            (name.to_string(), r)
        };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .ok();
    let reads: HashMap<String, Read> = match &pool {
        Some(p) => p.install(|| jobs.par_iter().map(read_one).collect()),
        None => jobs.iter().map(read_one).collect(),
    };

    // ---- Fixity (valid) per algorithm, and the tag manifests.
    let mut valid = complete.is_empty();
    for (alg, m) in &manifests {
        let mut d = Vec::new();
        for (path, want) in &m.entries {
            let Some(actual) = resolve(path) else {
                continue;
            };
            match reads.get(actual) {
                Some(Read { error: Some(e), .. }) => d.push(detail(
                    "fixity.unreadable",
                    Some(actual),
                    format!("无法读取: {e}"),
                )),
                Some(r) => {
                    let got = r
                        .digests
                        .get(alg.as_str())
                        .map(String::as_str)
                        .unwrap_or("");
                    if !got.eq_ignore_ascii_case(want) {
                        d.push(detail(
                            "fixity.mismatch",
                            Some(actual),
                            format!("{alg} 记录 {want}，实际 {got} (digest mismatch)"),
                        ));
                    }
                }
                None => {}
            }
        }
        valid &= d.is_empty();
        let n = m.entries.len();
        checks.push(check(
            fixity_id(alg),
            Authenticity,
            fixity_name(alg),
            d,
            format!("{n} 个文件的 {alg} 摘要全部相符"),
        ));
    }
    if !manifests.is_empty() || !skipped.is_empty() {
        for s in &skipped {
            let alg = s.trim_start_matches("manifest-").trim_end_matches(".txt");
            if SUPPORTED.contains(&alg) && !manifests.contains_key(alg) {
                checks.push(na(
                    fixity_id(alg),
                    Authenticity,
                    fixity_name(alg),
                    "按 --alg 未校验 (not checked on request)",
                ));
            }
        }
    }
    valid &= !manifests.is_empty();
    let mut tagfix = Vec::new();
    for (alg, m) in &tagmanifests {
        for (path, want) in &m.entries {
            match resolve(path) {
                None => tagfix.push(detail(
                    "tagfixity.missing",
                    Some(path),
                    format!("tagmanifest-{alg}.txt 列出的文件不存在"),
                )),
                Some(actual) => match reads.get(actual) {
                    Some(Read { error: Some(e), .. }) => {
                        tagfix.push(detail("tagfixity.unreadable", Some(actual), e.clone()))
                    }
                    Some(r) => {
                        let got = r
                            .digests
                            .get(alg.as_str())
                            .map(String::as_str)
                            .unwrap_or("");
                        if !got.eq_ignore_ascii_case(want) {
                            tagfix.push(detail(
                                "tagfixity.mismatch",
                                Some(actual),
                                format!("{alg} 记录 {want}，实际 {got} (tag file changed)"),
                            ));
                        }
                    }
                    None => {}
                },
            }
        }
    }
    if tagmanifests.is_empty() {
        checks.push(if is_anjuan {
            check(
                "authenticity.tag-fixity",
                Authenticity,
                "标签文件摘要校验 (tag manifests)",
                vec![detail(
                    "tagfixity.none",
                    None,
                    "缺少 tagmanifest (no tag manifest)",
                )],
                String::new(),
            )
        } else {
            na(
                "authenticity.tag-fixity",
                Authenticity,
                "标签文件摘要校验 (tag manifests)",
                "包中没有 tagmanifest（BagIt 可选）",
            )
        });
    } else {
        checks.push(check(
            "authenticity.tag-fixity",
            Authenticity,
            "标签文件摘要校验 (tag manifests)",
            tagfix,
            format!("{} 份标签清单全部相符", tagmanifests.len()),
        ));
    }

    // ---- Payload-Oxum.
    let payload_bytes: u64 = payload.iter().map(|p| c.files[*p].size).sum();
    let actual_oxum = bag::oxum(payload_bytes, payload.len());
    checks.push(match info.get("Payload-Oxum") {
        None => na(
            "integrity.payload-oxum",
            Integrity,
            "数据量与文件数 (Payload-Oxum)",
            "bag-info.txt 未声明 Payload-Oxum",
        ),
        Some(o) => check(
            "integrity.payload-oxum",
            Integrity,
            "数据量与文件数 (Payload-Oxum)",
            if o == actual_oxum {
                vec![]
            } else {
                vec![detail(
                    "oxum.mismatch",
                    Some("bag-info.txt"),
                    format!("声明 {o}，实际 {actual_oxum}（字节.文件数）"),
                )]
            },
            format!("{actual_oxum}（字节.文件数）与声明一致"),
        ),
    });
    let complete_ok = complete.is_empty() && !manifests.is_empty();
    checks.push(check(
        "integrity.bag-complete",
        Integrity,
        "BagIt 完整 (complete)",
        complete,
        format!(
            "清单所列 {} 个文件齐全，data/ 中无未列入的文件",
            payload.len()
        ),
    ));

    // ---- Unexpected files.
    let mut unexpected: Vec<Detail> = c
        .outside
        .iter()
        .map(|n| {
            detail(
                "files.outside-bag",
                Some(n),
                "包顶层目录之外的条目 (outside the bag)",
            )
        })
        .collect();
    let tag_listed: BTreeSet<&str> = tagmanifests
        .values()
        .flat_map(|m| m.entries.iter().filter_map(|(p, _)| resolve(p)))
        .collect();
    for k in c.files.keys().filter(|k| !k.starts_with("data/")) {
        let known = if is_anjuan {
            ANJUAN_TAGS.contains(&k.as_str()) || tag_listed.contains(k.as_str())
        } else {
            true
        };
        if !known {
            unexpected.push(detail(
                "files.unexpected-tag",
                Some(k),
                "不属于移交包规范的文件，也未列入标签清单 (unexpected file)",
            ));
        }
    }
    if deep {
        for p in &payload {
            let ext = p.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
            if !ext.is_some_and(|e| ACCEPTED.contains(&e.as_str())) {
                unexpected.push(detail(
                    "files.unexpected-type",
                    Some(p),
                    "不是移交包应有的文件类型 (unexpected file type)",
                ));
            }
        }
    }
    checks.push(check(
        "security.unexpected-files",
        Security,
        "无多余文件 (no unexpected files)",
        unexpected,
        "包内只有规范所列的文件".into(),
    ));

    // ---- Virus scan hook.
    checks.push(match &opts.scan {
        None => Check {
            id: "security.malware-scan",
            property: Security,
            name: "病毒扫描 (malware scan)",
            status: Status::Warn,
            summary: "未配置扫描程序 (no scanner; use --scan \"clamdscan -\")".into(),
            details: vec![],
        },
        Some(cmd) => scan(c, cmd, &payload),
    });

    // ---- The anjuan checks.
    let why = if opts.bagit_only {
        "按 --bagit 仅做 BagIt 检查 (BagIt-level only)"
    } else {
        "非 anjuan 移交包，不适用 (plain BagIt bag)"
    };
    let mut signers: BTreeSet<String> = BTreeSet::new();
    let mut name = info
        .get("External-Identifier")
        .map(str::to_string)
        .unwrap_or_else(|| c.top.trim_end_matches('/').to_string());
    if deep {
        let a = Anjuan::load(c, &reads, &mut readable);
        if name.is_empty() {
            name = a.handoff_str("移交名称");
        }
        a.checks(
            c,
            &reads,
            &info,
            &name,
            opts,
            &mut checks,
            &mut structure,
            &mut signers,
            &mut no_encryption,
        );
    } else {
        for (id, p, n) in ANJUAN_CHECKS {
            checks.push(na(id, p, n, why));
        }
    }
    checks.push(Check {
        id: "security.trusted-signer",
        property: Security,
        name: "签名者可信 (trusted signer)",
        ..if !deep {
            na("", Security, "", why)
        } else if signers.is_empty() {
            check(
                "",
                Security,
                "",
                vec![detail("trust.unsigned", None, "移交包未签名 (unsigned)")],
                String::new(),
            )
        } else if opts.trust.is_empty() {
            Check {
                id: "",
                property: Security,
                name: "",
                status: Status::Warn,
                summary: format!(
                    "未指定可信公钥 (--trust)，签名密钥 {} 未经核实",
                    signers.iter().cloned().collect::<Vec<_>>().join("、")
                ),
                details: vec![],
            }
        } else {
            let d = signers
                .iter()
                .filter(|k| !opts.trust.iter().any(|(id, _)| id == *k))
                .map(|k| {
                    detail(
                        "trust.untrusted-key",
                        None,
                        format!("签名密钥 {k} 不在可信公钥之列 (signed with an untrusted key)"),
                    )
                })
                .collect();
            check(
                "",
                Security,
                "",
                d,
                format!(
                    "签名密钥 {} 可信",
                    signers.iter().cloned().collect::<Vec<_>>().join("、")
                ),
            )
        }
    });

    checks.push(check(
        "authenticity.structure",
        Authenticity,
        "包结构符合规范 (structure)",
        structure,
        if is_anjuan {
            "BagIt 1.0 与 anjuan 移交包规范：标签文件齐全，压缩包格式确定".into()
        } else {
            "BagIt 1.0：bagit.txt 与清单齐全".into()
        },
    ));
    checks.push(check(
        "usability.metadata-readable",
        Usability,
        "元数据可读 (metadata readable)",
        readable,
        "标签文件与元数据均为可解析的 UTF-8".into(),
    ));
    checks.push(check(
        "usability.no-encryption",
        Usability,
        "无加密、无专有压缩 (no encryption)",
        no_encryption,
        "条目与文件均未加密，压缩方法为 stored/deflate".into(),
    ));

    let mut report = Report {
        schema: SCHEMA,
        tool: crate::render::record::generator(),
        checked_on: opts.date.clone(),
        bundle: Bundle {
            path: c.path.display().to_string(),
            name,
            container: if c.is_zip() { "zip" } else { "folder" },
            bytes: match &c.kind {
                super::container::Kind::Zip { archive, .. } => archive.len,
                super::container::Kind::Dir => c.files.values().map(|i| i.size).sum(),
            },
            sha256: bundle_sha256,
            sender: info.get("Source-Organization").map(str::to_string),
        },
        profile: if is_anjuan { "anjuan" } else { "bagit" },
        bagit: BagitState {
            complete: complete_ok,
            valid: valid && complete_ok,
        },
        trusted_keys: opts.trust.iter().map(|(id, _)| id.clone()).collect(),
        verdict: "reject",
        counts: Default::default(),
        checks,
    };
    report.finish();
    report
}

/// The anjuan checks, with the ids and names they report under.
const ANJUAN_CHECKS: [(&str, Property, &str); 11] = [
    (
        "authenticity.package-signature",
        Property::Authenticity,
        "移交包签名 (package signature)",
    ),
    (
        "authenticity.paper-signatures",
        Property::Authenticity,
        "文书电子签名 (paper signatures)",
    ),
    (
        "authenticity.metadata-format",
        Property::Authenticity,
        "元数据规范 (metadata well-formed)",
    ),
    (
        "authenticity.file-properties",
        Property::Authenticity,
        "文件属性与元数据一致 (file properties)",
    ),
    (
        "authenticity.handoff-digest",
        Property::Authenticity,
        "移交登记表包摘要 (declared digest)",
    ),
    (
        "integrity.handoff-counts",
        Property::Integrity,
        "数量与移交登记表一致 (declared counts)",
    ),
    (
        "integrity.required-metadata",
        Property::Integrity,
        "必备元数据齐全 (required metadata)",
    ),
    (
        "integrity.numbering",
        Property::Integrity,
        "件号连续 (numbering)",
    ),
    (
        "integrity.content-files",
        Property::Integrity,
        "目录与文件一一对应 (content files)",
    ),
    (
        "integrity.delivery-receipts",
        Property::Integrity,
        "送达文书均有送达回证 (delivery receipts)",
    ),
    (
        "usability.formats",
        Property::Usability,
        "长期保存格式可打开 (formats)",
    ),
];

fn anjuan_check(i: usize, details: Vec<Detail>, ok: String) -> Check {
    let (id, p, n) = ANJUAN_CHECKS[i];
    check(id, p, n, details, ok)
}

fn scan(c: &Container, cmd: &str, payload: &[&str]) -> Check {
    use std::io::Write as _;
    let mut d = Vec::new();
    let mut argv = cmd.split_whitespace();
    let Some(prog) = argv.next() else {
        return check(
            "security.malware-scan",
            Property::Security,
            "病毒扫描 (malware scan)",
            vec![detail("scan.error", None, "扫描命令为空")],
            String::new(),
        );
    };
    let args: Vec<&str> = argv.collect();
    for p in payload {
        let item = &c.files[*p];
        if !item.readable {
            continue;
        }
        let child = std::process::Command::new(prog)
            .args(&args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(ch) => ch,
            Err(e) => {
                d.push(detail(
                    "scan.error",
                    None,
                    format!("无法运行扫描程序 {prog}: {e}"),
                ));
                break;
            }
        };
        let mut stdin = child.stdin.take();
        let _ = c.read(item, &mut |b| {
            if let Some(s) = stdin.as_mut() {
                if s.write_all(b).is_err() {
                    stdin = None;
                }
            }
        });
        drop(stdin);
        match child.wait_with_output() {
            Ok(o) if o.status.code() == Some(0) => {}
            Ok(o) if o.status.code() == Some(1) => d.push(detail(
                "scan.infected",
                Some(p),
                format!(
                    "扫描程序报告恶意内容: {}",
                    String::from_utf8_lossy(&o.stdout).trim()
                ),
            )),
            Ok(o) => d.push(detail(
                "scan.error",
                Some(p),
                format!("扫描程序出错，退出码 {:?}", o.status.code()),
            )),
            Err(e) => d.push(detail("scan.error", Some(p), e.to_string())),
        }
    }
    check(
        "security.malware-scan",
        Property::Security,
        "病毒扫描 (malware scan)",
        d,
        format!("{} 个文件经 {prog} 扫描无恶意内容", payload.len()),
    )
}

/// The anjuan metadata of a bundle, as loaded (loosely: every field is checked
/// where it is used, and a missing one is a finding, not a failure to load).
struct Anjuan {
    handoff: Value,
    catalogue: Value,
    /// metadata.json of each case folder: (folder, items).
    metadata: Vec<(String, Vec<Value>)>,
}

impl Anjuan {
    fn load(c: &Container, _reads: &HashMap<String, Read>, readable: &mut Vec<Detail>) -> Anjuan {
        let json = |name: &str, readable: &mut Vec<Detail>| -> Value {
            match c.read_small(name, 256 << 20) {
                None => Value::Null,
                Some(Err(m)) => {
                    readable.push(detail("meta.unreadable", Some(name), m));
                    Value::Null
                }
                Some(Ok(b)) => serde_json::from_slice(&b).unwrap_or_else(|e| {
                    readable.push(detail(
                        "meta.json",
                        Some(name),
                        format!("JSON 无法解析: {e}"),
                    ));
                    Value::Null
                }),
            }
        };
        let handoff = json(HANDOFF_JSON, readable);
        let catalogue = json("data/catalogue.json", readable);
        let _ = json("data/fonts.json", readable);
        if let Some(Ok(b)) = c.read_small("data/catalogue.csv", 256 << 20) {
            let body = b.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&b);
            let mut r = csv::Reader::from_reader(body);
            if let Some(e) = r.records().find_map(Result::err) {
                readable.push(detail(
                    "meta.csv",
                    Some("data/catalogue.csv"),
                    e.to_string(),
                ));
            }
        }
        let mut metadata = Vec::new();
        for k in c.files.keys() {
            if let Some(folder) = k
                .strip_prefix("data/")
                .and_then(|r| r.strip_suffix("/metadata.json"))
            {
                let v = json(k, readable);
                let items = v
                    .get("文件")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                metadata.push((folder.to_string(), items));
            }
        }
        Anjuan {
            handoff,
            catalogue,
            metadata,
        }
    }

    fn handoff_str(&self, k: &str) -> String {
        self.handoff
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    #[allow(clippy::too_many_arguments)]
    fn checks(
        &self,
        c: &Container,
        reads: &HashMap<String, Read>,
        info: &BagInfo,
        name: &str,
        opts: &Options,
        checks: &mut Vec<Check>,
        structure: &mut Vec<Detail>,
        signers: &mut BTreeSet<String>,
        no_encryption: &mut Vec<Detail>,
    ) {
        let rows: Vec<&Value> = self
            .catalogue
            .get("文件")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let items: Vec<&Value> = self.metadata.iter().flat_map(|(_, v)| v.iter()).collect();
        let s = |v: &Value, k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let n = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64);
        let code_of: HashMap<String, String> = rows
            .iter()
            .map(|r| (s(r, "存储位置"), s(r, "档号")))
            .collect();
        let with_item = |mut d: Detail| {
            if let Some(f) = &d.file {
                let key = f.strip_suffix(".minisig").unwrap_or(f);
                d.item = code_of.get(key).cloned();
            }
            d
        };

        // Structure: the tag files and per-case files an anjuan bundle has.
        for t in ANJUAN_TAGS.iter() {
            if *t == "tagmanifest-sha256.txt.minisig" && info.get("Anjuan-Signing-Key").is_none() {
                continue;
            }
            if !c.files.contains_key(*t) {
                structure.push(detail(
                    "structure.missing-tag",
                    Some(t),
                    "缺少移交包规范要求的文件",
                ));
            }
        }
        for f in [
            "data/catalogue.json",
            "data/catalogue.csv",
            "data/fonts.json",
        ] {
            if !c.files.contains_key(f) {
                structure.push(detail(
                    "structure.missing-file",
                    Some(f),
                    "缺少移交包规范要求的文件",
                ));
            }
        }
        for (folder, _) in &self.metadata {
            for sheet in DOSSIER_SHEETS {
                let p = format!("data/{folder}/{sheet}");
                if !c.files.contains_key(&p) {
                    structure.push(detail(
                        "structure.missing-sheet",
                        Some(&p),
                        "案卷缺少卷内备考/封面/目录",
                    ));
                }
            }
        }
        if self.handoff.get("格式").and_then(Value::as_str) != Some(HANDOFF_FORMAT)
            && !self.handoff.is_null()
        {
            structure.push(detail(
                "structure.handoff-format",
                Some(HANDOFF_JSON),
                format!("格式应为 {HANDOFF_FORMAT}"),
            ));
        }
        if let super::container::Kind::Zip { archive, .. } = &c.kind {
            zip_profile(archive, structure);
        }

        // Keys: the declared one, or a trusted one with the signature's key id.
        let declared = self
            .handoff
            .get("签名公钥")
            .and_then(Value::as_str)
            .and_then(|t| sign::public_key(t).ok());
        let key_for = |sig_text: &str| -> Result<(String, minisign::PublicKey), String> {
            let id = sign::SigBox::parse(sig_text)
                .map_err(|e| e.to_string())?
                .key_id();
            if let Some((tid, pk)) = opts.trust.iter().find(|(tid, _)| *tid == id) {
                return Ok((tid.clone(), pk.clone()));
            }
            match &declared {
                Some(pk) if sign::key_id(pk) == id => Ok((id, pk.clone())),
                Some(pk) => Err(format!(
                    "签名密钥 {id} 既不是声明的公钥 {} 也不在可信公钥中",
                    sign::key_id(pk)
                )),
                None => Err(format!("签名密钥 {id} 的公钥未声明，也不在可信公钥中")),
            }
        };
        let verify_file = |file: &str, binding_name: &str| -> Result<String, String> {
            let sig = c
                .read_small(&format!("{file}.minisig"), 4096)
                .ok_or_else(|| "缺少签名文件 (no .minisig)".to_string())?
                .map_err(|e| format!("签名文件无法读取: {e}"))?;
            let sig = String::from_utf8(sig).map_err(|_| "签名文件不是文本".to_string())?;
            let (id, pk) = key_for(&sig)?;
            let r = reads.get(file).ok_or_else(|| "文件未读取".to_string())?;
            if let Some(e) = &r.error {
                return Err(format!("文件无法读取: {e}"));
            }
            let b2 = r
                .blake2b
                .as_deref()
                .ok_or_else(|| "文件未读取".to_string())?;
            let sha = r.digests.get("sha256").cloned().unwrap_or_default();
            sign::verify_prehashed(&pk, b2, &sha, &sig, binding_name).map_err(|e| e.to_string())?;
            Ok(id)
        };

        // 0. Package signature over tagmanifest-sha256.txt.
        let signed = info.get("Anjuan-Signing-Key").is_some()
            || c.files.contains_key("tagmanifest-sha256.txt.minisig");
        let mut d = Vec::new();
        if signed {
            match verify_file("tagmanifest-sha256.txt", "tagmanifest-sha256.txt") {
                Ok(id) => {
                    signers.insert(id);
                }
                Err(m) => d.push(detail(
                    "signature.package",
                    Some("tagmanifest-sha256.txt.minisig"),
                    m,
                )),
            }
            if let Some(Ok(sig)) = c.read_small("tagmanifest-sha256.txt.minisig", 4096) {
                let text = String::from_utf8_lossy(&sig);
                if let Some(b) = sign::SigBox::parse(&text)
                    .ok()
                    .and_then(|b| sign::Binding::parse(&b.trusted_comment))
                {
                    if b.case != name {
                        d.push(detail(
                            "signature.bound-elsewhere",
                            Some("tagmanifest-sha256.txt.minisig"),
                            format!("签名绑定的是移交包 {}，不是 {name}", b.case),
                        ));
                    }
                }
            }
        } else {
            d.push(detail(
                "signature.unsigned",
                None,
                "移交包未签名 (the tag manifest has no signature)",
            ));
        }
        checks.push(anjuan_check(
            0,
            d,
            "标签清单签名有效（覆盖 bag-info、清单与移交登记表）".into(),
        ));

        // 1. Paper signatures.
        let mut d = Vec::new();
        let mut count = 0;
        for k in c
            .files
            .keys()
            .filter(|k| k.starts_with("data/") && k.ends_with(".minisig"))
        {
            let file = k.trim_end_matches(".minisig");
            let base = file.rsplit('/').next().unwrap_or(file);
            if !c.files.contains_key(file) {
                d.push(with_item(detail(
                    "signature.orphan",
                    Some(k),
                    "签名所对应的文件不存在",
                )));
                continue;
            }
            count += 1;
            match verify_file(file, base) {
                Ok(id) => {
                    signers.insert(id);
                }
                Err(m) => d.push(with_item(detail("signature.invalid", Some(file), m))),
            }
        }
        if signed {
            for it in &items {
                let loc = s(it, "存储位置");
                if it.get("电子签名").is_none() || !c.files.contains_key(&format!("{loc}.minisig"))
                {
                    d.push(Detail {
                        code: "signature.missing".into(),
                        item: Some(s(it, "档号")),
                        file: Some(loc),
                        message: "文件未签名 (unsigned paper)".into(),
                    });
                }
            }
        }
        checks.push(anjuan_check(
            1,
            d,
            format!("{count} 份签名全部有效，且与文件名、SHA-256 绑定一致"),
        ));

        // 2. Metadata well-formed.
        let mut d = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut codes: Vec<(ArchiveCode, String)> = Vec::new();
        if rows.is_empty() {
            d.push(detail(
                "meta.no-items",
                Some("data/catalogue.json"),
                "目录中没有文件条目",
            ));
        }
        for r in &rows {
            let code = s(r, "档号");
            *seen.entry(code.clone()).or_default() += 1;
            match ArchiveCode::parse(&code) {
                Ok(a) => codes.push((a, s(r, "存储位置"))),
                Err(m) => d.push(Detail {
                    code: "meta.code-format".into(),
                    item: Some(code.clone()),
                    file: Some(s(r, "存储位置")),
                    message: format!("档号格式错误: {m}"),
                }),
            }
            let date = s(r, "日期");
            let date_ok =
                date.len() == 8 && chrono::NaiveDate::parse_from_str(&date, "%Y%m%d").is_ok();
            if !date_ok {
                d.push(Detail {
                    code: "meta.date".into(),
                    item: Some(code.clone()),
                    file: None,
                    message: format!("日期“{date}”应为 8 位有效日期 YYYYMMDD"),
                });
            }
            if n(r, "页数").is_none_or(|p| p == 0) {
                d.push(Detail {
                    code: "meta.pages".into(),
                    item: Some(code.clone()),
                    file: None,
                    message: "页数应为正整数".into(),
                });
            }
        }
        for (code, k) in seen.iter().filter(|(_, k)| **k > 1) {
            d.push(Detail {
                code: "meta.duplicate-code".into(),
                item: Some(code.clone()),
                file: None,
                message: format!("档号重复 {k} 次"),
            });
        }
        let meta_by_code: HashMap<String, &Value> =
            items.iter().map(|i| (s(i, "档号"), *i)).collect();
        for r in &rows {
            let code = s(r, "档号");
            match meta_by_code.get(&code) {
                None => d.push(Detail {
                    code: "meta.no-item-metadata".into(),
                    item: Some(code.clone()),
                    file: Some(s(r, "存储位置")),
                    message: "目录条目在案卷 metadata.json 中没有对应元数据".into(),
                }),
                Some(m) => {
                    for k in ["题名", "存储位置", "责任者", "日期"] {
                        if s(m, k) != s(r, k) {
                            d.push(Detail {
                                code: "meta.inconsistent".into(),
                                item: Some(code.clone()),
                                file: Some(s(r, "存储位置")),
                                message: format!("目录与 metadata.json 的{k}不一致"),
                            });
                        }
                    }
                }
            }
        }
        checks.push(anjuan_check(
            2,
            d,
            format!(
                "{} 条目录的档号、日期、页数格式正确且无重复，与案卷元数据一致",
                rows.len()
            ),
        ));

        // 3. File properties match metadata.
        let mut d = Vec::new();
        for it in &items {
            let code = s(it, "档号");
            let loc = s(it, "存储位置");
            let item_d = |code_: &str, m: String| Detail {
                code: code_.into(),
                item: Some(code.clone()),
                file: Some(loc.clone()),
                message: m,
            };
            let Some(f) = c.files.get(&loc) else { continue };
            if n(it, "计算机文件大小") != Some(f.size) {
                d.push(item_d(
                    "props.size",
                    format!(
                        "元数据记录 {} 字节，文件 {} 字节",
                        n(it, "计算机文件大小").unwrap_or(0),
                        f.size
                    ),
                ));
            }
            if loc.rsplit('/').next() != Some(s(it, "计算机文件名").as_str()) {
                d.push(item_d(
                    "props.name",
                    format!("计算机文件名“{}”与存储位置不符", s(it, "计算机文件名")),
                ));
            }
            if let Some(Some(Ok(pdf))) = reads.get(&loc).map(|r| r.pdf.as_ref()) {
                if n(it, "页数") != Some(pdf.pages as u64) {
                    d.push(item_d(
                        "props.pages",
                        format!(
                            "元数据记录 {} 页，文件实有 {} 页",
                            n(it, "页数").unwrap_or(0),
                            pdf.pages
                        ),
                    ));
                }
                let fmt = s(it, "格式信息");
                let want = fmt.strip_prefix("PDF/A-").map(|v| v.to_ascii_uppercase());
                if want.is_some() && want != pdf.pdfa {
                    d.push(item_d(
                        "props.format",
                        format!(
                            "格式信息为 {fmt}，文件声明 {}",
                            pdf.pdfa
                                .as_deref()
                                .map(|p| format!("PDF/A-{p}"))
                                .unwrap_or_else(|| "非 PDF/A".into())
                        ),
                    ));
                }
            }
        }
        checks.push(anjuan_check(
            3,
            d,
            format!("{} 件的文件名、大小、格式、页数与元数据一致", items.len()),
        ));

        // 4. Declared package digest.
        let mut d = Vec::new();
        if self.handoff.is_null() {
            d.push(detail(
                "handoff.missing",
                Some(HANDOFF_JSON),
                "缺少移交登记表数据 (handoff.json)",
            ));
        } else {
            if s(&self.handoff, "移交名称") != name {
                d.push(detail(
                    "handoff.name",
                    Some(HANDOFF_JSON),
                    format!(
                        "移交名称“{}”与包名 {name} 不符",
                        s(&self.handoff, "移交名称")
                    ),
                ));
            }
            for dg in self
                .handoff
                .get("包摘要")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                let obj = s(&dg, "对象");
                let alg = match s(&dg, "算法").as_str() {
                    "SHA-256" => "sha256",
                    "SM3" => "sm3",
                    _ => "",
                };
                let got = reads.get(&obj).and_then(|r| r.digests.get(alg)).cloned();
                match got {
                    Some(g) if g == s(&dg, "值") => {}
                    Some(g) => d.push(detail(
                        "handoff.digest",
                        Some(&obj),
                        format!(
                            "移交登记表声明 {} {}，实际 {g}",
                            s(&dg, "算法"),
                            s(&dg, "值")
                        ),
                    )),
                    None => d.push(detail(
                        "handoff.digest",
                        Some(&obj),
                        format!("无法计算 {} 的 {}", obj, s(&dg, "算法")),
                    )),
                }
            }
            match c.read_small(HANDOFF, 64 << 20) {
                None => d.push(detail(
                    "handoff.no-form",
                    Some(HANDOFF),
                    "缺少移交登记表 PDF",
                )),
                Some(Err(m)) => d.push(detail("handoff.no-form", Some(HANDOFF), m)),
                Some(Ok(pdf)) => {
                    let form = form_keywords(&pdf);
                    for (key, obj) in [
                        ("sha256", "manifest-sha256.txt"),
                        ("sm3", "manifest-sm3.txt"),
                    ] {
                        let got = reads.get(obj).and_then(|r| r.digests.get(key));
                        if form.get(key) != got {
                            d.push(detail(
                                "handoff.form-digest",
                                Some(HANDOFF),
                                format!(
                                    "移交登记表（PDF）载明 {key}={}，{obj} 实际为 {}",
                                    form.get(key).map(String::as_str).unwrap_or("（未载明）"),
                                    got.map(String::as_str).unwrap_or("（无法计算）")
                                ),
                            ));
                        }
                    }
                }
            }
        }
        checks.push(anjuan_check(
            4,
            d,
            "移交登记表所列包摘要（清单的 SHA-256 与 SM3）与包内一致".into(),
        ));

        // The printed form carries the same figures in its XMP keywords.
        let form: Option<BTreeMap<String, String>> = match c.read_small(HANDOFF, 64 << 20) {
            Some(Ok(pdf)) => Some(form_keywords(&pdf)),
            _ => None,
        };
        // 5. Declared counts.
        let mut d = Vec::new();
        let payload: Vec<(&String, u64)> = c
            .files
            .iter()
            .filter(|(k, _)| k.starts_with("data/"))
            .map(|(k, i)| (k, i.size))
            .collect();
        let pages: u64 = rows
            .iter()
            .filter_map(|r| {
                let loc = s(r, "存储位置");
                match reads.get(&loc).and_then(|x| x.pdf.as_ref()) {
                    Some(Ok(p)) => Some(p.pages as u64),
                    _ => n(r, "页数"),
                }
            })
            .sum();
        let cases: BTreeSet<String> = rows.iter().map(|r| s(r, "案件编号")).collect();
        let actual: [(&str, &str, u64); 5] = [
            ("案件数", "Anjuan-Cases", cases.len() as u64),
            ("件数", "Anjuan-Items", rows.len() as u64),
            ("页数", "Anjuan-Pages", pages),
            ("文件数", "", payload.len() as u64),
            ("数据量", "", payload.iter().map(|p| p.1).sum()),
        ];
        for (k, tag, v) in actual {
            match n(&self.handoff, k) {
                Some(x) if x == v => {}
                x => d.push(detail(
                    "counts.handoff",
                    Some(HANDOFF_JSON),
                    format!(
                        "移交登记表{k} {}，实际 {v}",
                        x.map(|x| x.to_string()).unwrap_or_else(|| "未填".into())
                    ),
                )),
            }
            if !tag.is_empty() {
                if let Some(x) = info.get(tag) {
                    if x != v.to_string() {
                        d.push(detail(
                            "counts.bag-info",
                            Some("bag-info.txt"),
                            format!("{tag} 声明 {x}，实际 {v}"),
                        ));
                    }
                }
            }
        }
        if let Some(form) = &form {
            for (key, v) in [
                ("cases", actual[0].2),
                ("items", actual[1].2),
                ("pages", actual[2].2),
                ("files", actual[3].2),
                ("bytes", actual[4].2),
            ] {
                match form.get(key) {
                    Some(x) if *x == v.to_string() => {}
                    x => d.push(detail(
                        "counts.handoff-form",
                        Some(HANDOFF),
                        format!(
                            "移交登记表（PDF）载明 {key}={}，实际 {v}",
                            x.map(String::as_str).unwrap_or("（未载明）")
                        ),
                    )),
                }
            }
        }
        if let Some(x) = n(&self.catalogue, "件数") {
            if x != rows.len() as u64 {
                d.push(detail(
                    "counts.catalogue",
                    Some("data/catalogue.json"),
                    format!("目录声明件数 {x}，实有条目 {}", rows.len()),
                ));
            }
        }
        checks.push(anjuan_check(
            5,
            d,
            format!(
                "案件 {}、件 {}、页 {pages}、文件 {} 与移交登记表一致",
                cases.len(),
                rows.len(),
                payload.len()
            ),
        ));

        // 6. Required metadata (DA/T 46).
        let mut d = Vec::new();
        const REQUIRED: [&str; 12] = [
            "题名",
            "责任者",
            "日期",
            "档号",
            "全宗号",
            "年度",
            "保管期限",
            "页数",
            "格式信息",
            "计算机文件名",
            "计算机文件大小",
            "存储位置",
        ];
        for it in &items {
            let missing: Vec<&str> = REQUIRED
                .iter()
                .copied()
                .filter(|k| match it.get(*k) {
                    None | Some(Value::Null) => true,
                    Some(Value::String(s)) => s.trim().is_empty(),
                    _ => false,
                })
                .collect();
            let mut missing: Vec<String> = missing.into_iter().map(str::to_string).collect();
            if it
                .get("业务行为")
                .and_then(Value::as_array)
                .is_none_or(|a| a.is_empty())
            {
                missing.push("业务行为".into());
            }
            if !missing.is_empty() {
                d.push(Detail {
                    code: "meta.required".into(),
                    item: Some(s(it, "档号")),
                    file: Some(s(it, "存储位置")),
                    message: format!("缺少必备元数据: {}", missing.join("、")),
                });
            }
        }
        checks.push(anjuan_check(
            6,
            d,
            format!("{} 件的 DA/T 46 必备元数据齐全", items.len()),
        ));

        // 7. Numbering.
        let mut d = Vec::new();
        let mut series: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (a, _) in &codes {
            series.entry(a.prefix()).or_default().push(a.item);
        }
        let year_scope = s(&self.handoff, "范围") == "year";
        for (prefix, mut nums) in series.clone() {
            nums.sort_unstable();
            let start = if year_scope { 1 } else { nums[0] };
            let mut expect = start;
            for &x in &nums {
                if x > expect {
                    let gap = if x - expect == 1 {
                        format!("{prefix}-{expect:04}")
                    } else {
                        format!("{prefix}-{expect:04}～{:04}", x - 1)
                    };
                    d.push(Detail {
                        code: "numbering.gap".into(),
                        item: Some(gap.clone()),
                        file: None,
                        message: format!("件号不连续，缺少 {gap} (missing item)"),
                    });
                }
                expect = x + 1;
            }
        }
        for r in self
            .handoff
            .get("档号范围")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let prefix = s(&r, "前缀");
            let got = series.get(&prefix).map(Vec::len).unwrap_or(0) as u64;
            if n(&r, "件数") != Some(got) {
                d.push(detail(
                    "numbering.declared",
                    Some(HANDOFF_JSON),
                    format!(
                        "{prefix} 声明 {} 件，包内 {got} 件",
                        n(&r, "件数").unwrap_or(0)
                    ),
                ));
            }
        }
        checks.push(anjuan_check(
            7,
            d,
            format!("{} 个档号序列的件号连续、无重复", series.len()),
        ));

        // 8. Catalogue entries ↔ files.
        let mut d = Vec::new();
        let listed: BTreeSet<String> = rows.iter().map(|r| s(r, "存储位置")).collect();
        for r in &rows {
            let loc = s(r, "存储位置");
            if !c.files.contains_key(&loc) {
                d.push(Detail {
                    code: "content.missing-file".into(),
                    item: Some(s(r, "档号")),
                    file: Some(loc),
                    message: "目录有条目而包内无此文件 (catalogue entry without a file)".into(),
                });
            }
        }
        let case_folders: BTreeSet<&str> = self.metadata.iter().map(|(f, _)| f.as_str()).collect();
        for k in c.files.keys() {
            let Some(rest) = k.strip_prefix("data/") else {
                continue;
            };
            let Some((folder, file)) = rest.split_once('/') else {
                continue;
            };
            if !k.ends_with(".pdf") || DOSSIER_SHEETS.contains(&file) || listed.contains(k.as_str())
            {
                continue;
            }
            let why = if case_folders.contains(folder) {
                "包内文件在目录中没有条目 (file without a catalogue entry)"
            } else {
                "不属于任何案卷的文件 (file outside every dossier)"
            };
            d.push(detail("content.unlisted-file", Some(k), why));
        }
        checks.push(anjuan_check(
            8,
            d,
            format!("目录 {} 条与包内文件一一对应", rows.len()),
        ));

        // 9. Delivery receipts.
        let mut d = Vec::new();
        let served: BTreeSet<String> = items
            .iter()
            .filter_map(|i| {
                i.get("送达文书")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        let all_codes: BTreeSet<String> = items.iter().map(|i| s(i, "档号")).collect();
        let mut must = 0;
        for it in items
            .iter()
            .filter(|i| i.get("需送达").and_then(Value::as_bool) == Some(true))
        {
            must += 1;
            let code = s(it, "档号");
            if !served.contains(&code) {
                d.push(Detail {
                    code: "receipts.missing".into(),
                    item: Some(code),
                    file: Some(s(it, "存储位置")),
                    message: format!(
                        "{}已送达却无送达回证 (served paper without a delivery receipt)",
                        s(it, "题名")
                    ),
                });
            }
        }
        for it in &items {
            if let Some(target) = it.get("送达文书").and_then(Value::as_str) {
                if !all_codes.contains(target) {
                    d.push(Detail {
                        code: "receipts.dangling".into(),
                        item: Some(s(it, "档号")),
                        file: Some(s(it, "存储位置")),
                        message: format!("送达回证所指文书 {target} 不在包内"),
                    });
                }
            }
        }
        checks.push(anjuan_check(
            9,
            d,
            format!("{must} 份需送达文书均有送达回证"),
        ));

        // 10. Formats.
        let mut d = Vec::new();
        let mut pdfs = 0;
        for (k, r) in reads.iter() {
            let Some(p) = &r.pdf else { continue };
            pdfs += 1;
            match p {
                Err(m) => d.push(with_item(detail("format.unreadable", Some(k), m.clone()))),
                Ok(f) => {
                    if f.pages == 0 {
                        d.push(with_item(detail(
                            "format.no-pages",
                            Some(k),
                            "PDF 没有页面",
                        )));
                    }
                    if f.pdfa.is_none() {
                        d.push(with_item(detail(
                            "format.not-pdfa",
                            Some(k),
                            "不是 PDF/A（无 pdfaid 标识），不宜长期保存",
                        )));
                    }
                    if f.encrypted {
                        no_encryption.push(with_item(detail(
                            "format.encrypted",
                            Some(k),
                            "PDF 已加密",
                        )));
                    }
                }
            }
        }
        for (k, r) in reads.iter() {
            if k.ends_with(".pdf")
                && r.pdf.is_none()
                && r.error.is_none()
                && c.files[k].size > 256 << 20
            {
                d.push(detail(
                    "format.too-large",
                    Some(k),
                    "PDF 超过 256 MB，未打开检查",
                ));
            }
        }
        d.sort_by(|a, b| a.file.cmp(&b.file));
        checks.push(anjuan_check(
            10,
            d,
            format!("{pdfs} 个 PDF 均可打开，均为 PDF/A"),
        ));
    }
}

/// The zip as anjuan writes it: stored entries, no extra fields or comments,
/// one timestamp, regular files 0644, names sorted. Any other header value in
/// an anjuan bundle was not written by anjuan.
fn zip_profile(a: &super::zipread::Archive, out: &mut Vec<Detail>) {
    let Some(first) = a.entries.first() else {
        return;
    };
    let mut prev: Option<&str> = None;
    for e in &a.entries {
        let mut wrong = Vec::new();
        if e.method != 0 {
            wrong.push("压缩方法");
        }
        if e.flags & !0x0800 != 0 {
            wrong.push("标志位");
        }
        if e.extra_len != 0 || e.local_extra_len != 0 {
            wrong.push("扩展字段");
        }
        if e.comment_len != 0 {
            wrong.push("条目注释");
        }
        if (e.dos_time, e.dos_date) != (first.dos_time, first.dos_date) {
            wrong.push("时间");
        }
        if e.made_by != first.made_by || e.needed != first.needed {
            wrong.push("版本");
        }
        if e.internal_attr != 0 || e.external_attr != 0o100644 << 16 {
            wrong.push("文件属性");
        }
        if prev.is_some_and(|p| p.as_bytes() >= e.name.as_bytes()) {
            wrong.push("排序");
        }
        prev = Some(&e.name);
        if !wrong.is_empty() {
            out.push(detail(
                "structure.zip-profile",
                Some(&e.name),
                format!(
                    "压缩条目的{}不是 anjuan 写出的样式 (not as packed)",
                    wrong.join("、")
                ),
            ));
        }
    }
    if a.comment_len != 0 {
        out.push(detail(
            "structure.zip-profile",
            None,
            "压缩包带注释 (archive comment)",
        ));
    }
}

/// `key=value` keywords of a PDF's XMP `pdf:Keywords` (the handoff form's
/// declared figures).
fn form_keywords(pdf: &[u8]) -> BTreeMap<String, String> {
    let (open, close) = (b"<pdf:Keywords>".as_slice(), b"</pdf:Keywords>".as_slice());
    let Some(i) = memfind(pdf, open) else {
        return BTreeMap::new();
    };
    let rest = &pdf[i + open.len()..];
    let Some(j) = memfind(rest, close) else {
        return BTreeMap::new();
    };
    String::from_utf8_lossy(&rest[..j])
        .split(',')
        .filter_map(|kv| kv.trim().split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// SHA-256 of the whole file as received.
pub fn file_sha256(path: &std::path::Path) -> std::io::Result<String> {
    bag::sha256_file(path)
}
