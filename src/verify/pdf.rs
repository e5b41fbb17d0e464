//! What the verifier reads out of a PDF without rendering it, from the
//! document's structure (hayro-syntax, the parser Typst itself uses for PDF
//! images), never from a byte search:
//!
//! - whether it opens, and its page count;
//! - encryption: an `/Encrypt` key in any trailer (classic or cross-reference
//!   stream), also when hayro-syntax refuses to load the file for it;
//! - its PDF/A identification: `pdfaid:part` / `pdfaid:conformance` in the XMP
//!   packet the catalogue's `/Metadata` names (element or attribute form,
//!   matched by namespace, not by prefix);
//! - an output intent: `/OutputIntents` in the catalogue with a `GTS_PDFA1`
//!   intent carrying a `/DestOutputProfile` stream;
//! - every font embedded: each font dictionary anywhere in the file (Type 3
//!   fonts, drawn by content streams, and Type 0 fonts, whose descendants are
//!   checked themselves, are exempt) has a descriptor with `/FontFile`,
//!   `/FontFile2` or `/FontFile3`;
//! - no active content, anywhere in the file (unreferenced objects count):
//!   JavaScript (`/JS`, `/S /JavaScript`, the `/JavaScript` name tree),
//!   `/Launch` actions, embedded files, XFA forms, `/RichMedia`, additional
//!   actions (`/AA`, run on events), and an `/OpenAction` that does anything
//!   but go to a place in the document (a destination array or a `/GoTo`
//!   action without `/Next` is fine: it is how a viewer is told which page to
//!   open at);
//! - the title and subject (Info dictionary, else XMP `dc:title` /
//!   `dc:description`) and the XMP keywords the handoff form carries its
//!   figures in.
//!
//! Every object is enumerated by scanning the file for `N G obj` headers (and
//! the objects inside each object stream), not through the cross-reference
//! table: `Pdf::objects` in hayro-syntax 0.4 restarts its key iterator on each
//! call (it yields the first object forever), and an object the table does
//! not list is still in the file. Each object is parsed on its own, so the walk
//! follows no references (no cycles); references are resolved through the
//! cross-reference table only where a check needs the target (a font's
//! descriptor, an open action). Nesting deeper than [`MAX_DEPTH`] is refused
//! before hayro-syntax (whose parser recurses) sees the file, and decoded
//! streams are capped at [`MAX_DECODED`] bytes.
//!
//! These are structural checks, not PDF/A conformance: that needs a validator
//! such as veraPDF.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::sync::Arc;

use hayro_syntax::object::FromBytes as _;
use hayro_syntax::object::{Array, Dict, MaybeRef, Name, ObjRef, Object, Stream};
use hayro_syntax::xref::XRef;

/// Bracket nesting (`[`, `<<`) refused before parsing.
pub const MAX_DEPTH: usize = 64;
/// Bytes a stream (XMP packet, object stream) may decode to.
pub const MAX_DECODED: u64 = 32 << 20;
/// Findings kept per file (the rest are counted in the last one).
const MAX_FINDINGS: usize = 20;

/// The structural checks each PDF gets, as the report names them.
pub const STRUCTURAL_CHECKS: [&str; 5] = [
    "未加密 (not encrypted)",
    "元数据声明 PDF/A (XMP pdfaid)",
    "输出意图 (OutputIntent)",
    "字体均已嵌入 (fonts embedded)",
    "无活动内容 (no active content)",
];

/// One structural defect: a stable code (`pdf.xxx`) and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PdfFinding {
    pub code: &'static str,
    pub message: String,
}

#[derive(Clone, Debug, Default)]
pub struct PdfFacts {
    pub pages: usize,
    /// `2B` from the catalogue's XMP `pdfaid:part` / `pdfaid:conformance`.
    pub pdfa: Option<String>,
    pub encrypted: bool,
    /// Info `/Title`, else XMP `dc:title`.
    pub title: Option<String>,
    /// Info `/Subject`, else XMP `dc:description`.
    pub subject: Option<String>,
    /// Info `/Keywords`, else XMP `pdf:Keywords`, as written (anjuan writes the
    /// kind of paper, then the case number: `受理告知书, XF-2026-0001`).
    pub keywords: Option<String>,
    /// The structural defects, in file order, at most one per code and object.
    pub findings: Vec<PdfFinding>,
}

impl PdfFacts {
    /// How many of [`STRUCTURAL_CHECKS`] found nothing.
    pub fn checks_passed(&self) -> usize {
        let failed: BTreeSet<usize> = self.findings.iter().map(|f| check_of(f.code)).collect();
        STRUCTURAL_CHECKS.len() - failed.len()
    }
}

/// Which of [`STRUCTURAL_CHECKS`] a finding code belongs to.
fn check_of(code: &str) -> usize {
    match code {
        "pdf.encrypted" => 0,
        "pdf.no-pdfa-id" => 1,
        "pdf.no-output-intent" => 2,
        "pdf.font-not-embedded" => 3,
        _ => 4,
    }
}

pub fn facts(data: Vec<u8>) -> Result<PdfFacts, String> {
    if !data.starts_with(b"%PDF-") {
        return Err("不是 PDF 文件 (no %PDF- header)".into());
    }
    if let Some(at) = too_deep(&data, MAX_DEPTH) {
        return Err(format!(
            "PDF 嵌套超过 {MAX_DEPTH} 层（偏移 {at}），未解析 (nesting too deep)"
        ));
    }
    let data: hayro_syntax::PdfData = Arc::new(data);
    let bytes: &[u8] = (*data).as_ref();
    let pdf = match hayro_syntax::Pdf::new(data.clone()) {
        Ok(p) => Some(p),
        Err(hayro_syntax::LoadPdfError::Decryption(_)) => None,
        Err(hayro_syntax::LoadPdfError::Invalid) => {
            return Err("PDF 无法解析 (cannot be parsed)".to_string())
        }
    };
    let xref = pdf.as_ref().map(|p| p.xref());
    let mut scan = Scan {
        xref,
        findings: Vec::new(),
        seen: BTreeSet::new(),
        trailers: Vec::new(),
        more: 0,
    };
    scan.file(bytes);
    let mut f = PdfFacts {
        pages: pdf.as_ref().map_or(0, |p| p.pages().len()),
        ..PdfFacts::default()
    };
    // Encryption: hayro refuses a file it cannot decrypt; one it can (an empty
    // user password) loads, so the trailers are looked at either way.
    f.encrypted = pdf.is_none()
        || scan
            .trailers
            .iter()
            .any(|t| t.contains_key(&b"Encrypt"[..]));
    if f.encrypted {
        scan.push("pdf.encrypted", None, "PDF 已加密 (encrypted)".into());
    }
    let xmp = xref.and_then(catalogue_xmp);
    let ids = xmp.as_deref().map(Xmp::parse).unwrap_or_default();
    f.pdfa = ids.pdfa.clone();
    if let Some(xref) = xref {
        if f.pdfa.is_none() {
            let why = match &xmp {
                None => "文档目录无 XMP 元数据 (no catalogue /Metadata)",
                Some(_) => "XMP 元数据无 pdfaid 标识 (no pdfaid:part)",
            };
            scan.push(
                "pdf.no-pdfa-id",
                None,
                format!("未声明 PDF/A：{why}，不宜长期保存"),
            );
        }
        if !has_output_intent(xref) {
            scan.push(
                "pdf.no-output-intent",
                None,
                "文档目录无 PDF/A 输出意图 (no /OutputIntents GTS_PDFA1 with /DestOutputProfile)"
                    .into(),
            );
        }
        let info = scan
            .trailers
            .iter()
            .rev()
            .find_map(|t| resolve_dict(xref, t, b"Info"));
        f.title = info.as_ref().and_then(|i| text(i, b"Title")).or(ids.title);
        f.subject = info
            .as_ref()
            .and_then(|i| text(i, b"Subject"))
            .or(ids.description);
        f.keywords = info
            .as_ref()
            .and_then(|i| text(i, b"Keywords"))
            .or(ids.keywords);
    }
    if scan.more > 0 {
        scan.findings.push(PdfFinding {
            code: scan.findings.last().map_or("pdf.javascript", |l| l.code),
            message: format!("另有 {} 处同类问题未列出 (more)", scan.more),
        });
    }
    f.findings = scan.findings;
    Ok(f)
}

/// `key=value` keywords of a PDF's XMP `pdf:Keywords` (the handoff form's
/// declared figures), from the packet the catalogue names.
pub fn keywords(pdf: &[u8]) -> BTreeMap<String, String> {
    if too_deep(pdf, MAX_DEPTH).is_some() {
        return Default::default();
    }
    let Ok(doc) = hayro_syntax::Pdf::new(Arc::new(pdf.to_vec())) else {
        return Default::default();
    };
    let Some(xmp) = catalogue_xmp(doc.xref()) else {
        return Default::default();
    };
    Xmp::parse(&xmp)
        .keywords
        .unwrap_or_default()
        .split(',')
        .filter_map(|kv| kv.trim().split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The walk over every object: what it found, and the trailers it met.
struct Scan<'x> {
    xref: Option<&'x XRef>,
    findings: Vec<PdfFinding>,
    /// (code, object) pairs already reported.
    seen: BTreeSet<(&'static str, Option<(i32, i32)>)>,
    /// Raw bytes of each trailer dictionary (classic or XRef stream), in file order.
    trailers: Vec<OwnedDict>,
    more: usize,
}

/// A trailer's keys and the references they hold (parsed without an xref).
struct OwnedDict {
    keys: BTreeSet<Vec<u8>>,
    refs: BTreeMap<Vec<u8>, ObjRef>,
}

impl OwnedDict {
    fn of(d: &Dict) -> OwnedDict {
        let mut o = OwnedDict {
            keys: BTreeSet::new(),
            refs: BTreeMap::new(),
        };
        for (k, v) in d.entries() {
            if let MaybeRef::Ref(r) = v {
                o.refs.insert(k.to_vec(), r);
            }
            o.keys.insert(k.to_vec());
        }
        o
    }
    fn contains_key(&self, k: &[u8]) -> bool {
        self.keys.contains(k)
    }
}

fn resolve_dict<'x>(xref: &'x XRef, t: &OwnedDict, key: &[u8]) -> Option<Dict<'x>> {
    xref.get::<Dict>((*t.refs.get(key)?).into())
}

/// Where an object is, for a message.
fn at(obj: Option<(i32, i32)>) -> String {
    match obj {
        Some((n, g)) => format!("对象 {n} {g} R"),
        None => "文件尾 (trailer)".into(),
    }
}

impl<'x> Scan<'x> {
    fn push(&mut self, code: &'static str, obj: Option<(i32, i32)>, message: String) {
        if !self.seen.insert((code, obj)) {
            return;
        }
        if self.findings.len() >= MAX_FINDINGS {
            self.more += 1;
            return;
        }
        self.findings.push(PdfFinding { code, message });
    }

    /// Every `N G obj` and every `trailer` in the file.
    fn file(&mut self, data: &[u8]) {
        for i in memchr::memmem::find_iter(data, b"obj") {
            let Some((n, g, _)) = object_header(data, i) else {
                continue;
            };
            if let Some(obj) = Object::from_bytes(skip_space(data, i + 3)) {
                self.object(&obj, Some((n, g)));
            }
        }
        for i in memchr::memmem::find_iter(data, b"trailer") {
            if let Some(d) = Dict::from_bytes(skip_space(data, i + 7)) {
                self.dict(&d, None);
                self.trailers.push(OwnedDict::of(&d));
            }
        }
    }

    /// One indirect object of the file.
    fn object(&mut self, obj: &Object, id: Option<(i32, i32)>) {
        if let Object::Stream(s) = obj {
            let d = s.dict();
            if name(d, b"Type").as_deref() == Some(b"XRef".as_slice()) {
                self.trailers.push(OwnedDict::of(d));
            }
            if name(d, b"Type").as_deref() == Some(b"ObjStm".as_slice()) {
                self.object_stream(s, id);
            }
        }
        self.walk(obj, id, 0);
    }

    /// The objects packed in an object stream (not nested further).
    fn object_stream(&mut self, s: &Stream, id: Option<(i32, i32)>) {
        let Some(data) = decode(s) else { return };
        if too_deep(&data, MAX_DEPTH).is_some() {
            self.push(
                "pdf.malformed",
                id,
                format!("{} 对象流嵌套过深，未解析 (nesting too deep)", at(id)),
            );
            return;
        }
        let d = s.dict();
        let first = d.get::<i32>(&b"First"[..]).unwrap_or(-1);
        let count = d.get::<i32>(&b"N"[..]).unwrap_or(0);
        if first < 0 || first as usize > data.len() {
            return;
        }
        let (head, body) = data.split_at(first as usize);
        let nums: Vec<i64> = head
            .split(|b| b.is_ascii_whitespace())
            .filter(|t| !t.is_empty())
            .filter_map(|t| std::str::from_utf8(t).ok()?.parse().ok())
            .collect();
        for pair in nums.chunks(2).take(count.max(0) as usize) {
            let [n, off] = pair else { break };
            let Some(slice) = usize::try_from(*off).ok().and_then(|o| body.get(o..)) else {
                continue;
            };
            if let Some(obj) = Object::from_bytes(skip_space(slice, 0)) {
                // Objects in a stream are never streams themselves.
                self.walk(&obj, Some((*n as i32, 0)), 0);
            }
        }
    }

    fn walk(&mut self, obj: &Object, id: Option<(i32, i32)>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let (dict, array) = match obj {
            Object::Dict(d) => (Some(d.clone()), None),
            Object::Stream(s) => (Some(s.dict().clone()), None),
            Object::Array(a) => (None, Some(a.clone())),
            _ => (None, None),
        };
        if let Some(d) = dict {
            self.dict(&d, id);
            for (_, v) in d.entries() {
                if let MaybeRef::NotRef(o) = v {
                    self.walk(&o, id, depth + 1);
                }
            }
        }
        if let Some(a) = array {
            for v in a.raw_iter() {
                if let MaybeRef::NotRef(o) = v {
                    self.walk(&o, id, depth + 1);
                }
            }
        }
    }

    /// The checks on one dictionary (or stream dictionary).
    fn dict(&mut self, d: &Dict, id: Option<(i32, i32)>) {
        let w = at(id);
        let ty = name(d, b"Type");
        let sub = name(d, b"Subtype");
        let s = name(d, b"S");
        let is = |n: &Option<Vec<u8>>, v: &[u8]| n.as_deref() == Some(v);
        if d.contains_key(&b"JS"[..]) || is(&s, b"JavaScript") {
            self.push(
                "pdf.javascript",
                id,
                format!("{w} 含 JavaScript 动作 (/JS)"),
            );
        }
        if d.contains_key(&b"JavaScript"[..]) {
            self.push(
                "pdf.javascript",
                id,
                format!("{w} 含 JavaScript 名称树 (/Names /JavaScript)"),
            );
        }
        if is(&s, b"Launch") {
            self.push(
                "pdf.launch",
                id,
                format!("{w} 含启动外部程序的动作 (/Launch)"),
            );
        }
        if d.contains_key(&b"EmbeddedFiles"[..])
            || is(&ty, b"EmbeddedFile")
            || (d.contains_key(&b"EF"[..]) && is(&ty, b"Filespec"))
        {
            self.push(
                "pdf.embedded-file",
                id,
                format!("{w} 含嵌入文件 (embedded file)"),
            );
        }
        if d.contains_key(&b"XFA"[..]) {
            self.push("pdf.xfa", id, format!("{w} 含 XFA 表单 (/XFA)"));
        }
        if is(&sub, b"RichMedia")
            || d.contains_key(&b"RichMediaContent"[..])
            || d.contains_key(&b"RichMediaSettings"[..])
        {
            self.push("pdf.rich-media", id, format!("{w} 含富媒体 (/RichMedia)"));
        }
        if d.contains_key(&b"AA"[..]) {
            self.push(
                "pdf.additional-actions",
                id,
                format!("{w} 含事件触发的附加动作 (/AA)"),
            );
        }
        if d.contains_key(&b"OpenAction"[..]) {
            if let Some(kind) = self.open_action(d) {
                self.push(
                    "pdf.open-action",
                    id,
                    format!("{w} 打开文档即执行动作 (/OpenAction {kind})"),
                );
            }
        }
        self.font(d, id, ty.as_deref(), sub.as_deref());
    }

    /// What an `/OpenAction` does, if more than go to a place in the document.
    fn open_action(&self, d: &Dict) -> Option<String> {
        let v = d.get_raw::<Object>(&b"OpenAction"[..])?;
        let obj = match v {
            MaybeRef::NotRef(o) => o,
            MaybeRef::Ref(r) => match self.xref.and_then(|x| x.get::<Object>(r.into())) {
                Some(o) => o,
                // Unresolvable: say so rather than guess it harmless.
                None => return Some("（引用无法解析 unresolvable）".into()),
            },
        };
        match obj {
            Object::Array(_) => None,
            Object::Dict(a) => {
                let s = name(&a, b"S");
                if s.as_deref() == Some(b"GoTo".as_slice()) && !a.contains_key(&b"Next"[..]) {
                    None
                } else {
                    Some(format!(
                        "/{}",
                        String::from_utf8_lossy(s.as_deref().unwrap_or(b"?"))
                    ))
                }
            }
            _ => Some("?".into()),
        }
    }

    /// A font dictionary must name an embedded font program.
    fn font(&mut self, d: &Dict, id: Option<(i32, i32)>, ty: Option<&[u8]>, sub: Option<&[u8]>) {
        const SIMPLE: [&[u8]; 5] = [
            b"Type1",
            b"MMType1",
            b"TrueType",
            b"CIDFontType0",
            b"CIDFontType2",
        ];
        let Some(sub) = sub else { return };
        let font = ty == Some(b"Font".as_slice())
            || (d.contains_key(&b"BaseFont"[..]) && (SIMPLE.contains(&sub) || sub == b"Type0"));
        if !font || sub == b"Type3" || sub == b"Type0" {
            return;
        }
        let descriptor = match d.get_raw::<Dict>(&b"FontDescriptor"[..]) {
            Some(MaybeRef::NotRef(fd)) => Some(fd),
            Some(MaybeRef::Ref(r)) => match self.xref {
                Some(x) => x.get::<Dict>(r.into()),
                // No cross-reference table (an encrypted file the parser
                // refused): the descriptor cannot be looked at.
                None => return,
            },
            None => None,
        };
        let embedded = descriptor.is_some_and(|fd| {
            [b"FontFile".as_slice(), b"FontFile2", b"FontFile3"]
                .iter()
                .any(|k| fd.contains_key(*k))
        });
        if !embedded {
            let base = name(d, b"BaseFont")
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_else(|| "?".into());
            self.push(
                "pdf.font-not-embedded",
                id,
                format!("{} 字体 {base} 未嵌入 (font not embedded)", at(id)),
            );
        }
    }
}

/// A name entry (direct only: the walk has no xref for dummy-parsed objects).
fn name(d: &Dict, key: &[u8]) -> Option<Vec<u8>> {
    d.get::<Name>(key).map(|n| n.to_vec())
}

/// `N G obj` ending at `i` (the `o` of `obj`): (N, G, start of N).
fn object_header(data: &[u8], i: usize) -> Option<(i32, i32, usize)> {
    let delim = |b: u8| b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b);
    if i > 0 && !delim(data[i - 1]) && !data[i - 1].is_ascii_digit() {
        return None; // "endobj"
    }
    if data.get(i + 3).is_some_and(|&b| !delim(b)) {
        return None;
    }
    let mut j = i;
    let mut nums = [0i64; 2];
    for slot in (0..2).rev() {
        let end = j;
        while j > 0 && data[j - 1].is_ascii_whitespace() {
            j -= 1;
        }
        if j == end && slot == 1 {
            return None; // "0obj" is not a header
        }
        let digits_end = j;
        while j > 0 && data[j - 1].is_ascii_digit() && digits_end - j < 10 {
            j -= 1;
        }
        if j == digits_end {
            return None;
        }
        nums[slot] = std::str::from_utf8(&data[j..digits_end])
            .ok()?
            .parse()
            .ok()?;
        if slot == 0 && j > 0 && !delim(data[j - 1]) {
            return None;
        }
    }
    Some((
        i32::try_from(nums[0]).ok()?,
        i32::try_from(nums[1]).ok()?,
        j,
    ))
}

fn skip_space(data: &[u8], mut i: usize) -> &[u8] {
    while i < data.len() && data[i].is_ascii_whitespace() {
        i += 1;
    }
    &data[i.min(data.len())..]
}

/// A stream's bytes, decoded, at most [`MAX_DECODED`] (else none). Flate and
/// unfiltered streams are decoded here with the cap; other filters by
/// hayro-syntax.
fn decode(s: &Stream) -> Option<Vec<u8>> {
    let d = s.dict();
    let filter = d.get::<Name>(&b"Filter"[..]).map(|n| n.to_vec());
    let filters = d.get::<Array>(&b"Filter"[..]);
    let raw = s.raw_data();
    let out = match (
        filter.as_deref(),
        filters,
        d.contains_key(&b"DecodeParms"[..]),
    ) {
        (None, None, _) => raw.into_owned(),
        (Some(b"FlateDecode"), _, false) => {
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(&raw[..])
                .take(MAX_DECODED + 1)
                .read_to_end(&mut out)
                .ok()?;
            out
        }
        _ => s.decoded().ok()?,
    };
    (out.len() as u64 <= MAX_DECODED).then_some(out)
}

/// The XMP packet of the catalogue's `/Metadata` stream.
fn catalogue_xmp(xref: &XRef) -> Option<String> {
    let cat = xref.get::<Dict>(xref.root_id())?;
    let meta = cat.get::<Stream>(&b"Metadata"[..])?;
    let data = decode(&meta)?;
    Some(String::from_utf8_lossy(&data).into_owned())
}

fn has_output_intent(xref: &XRef) -> bool {
    let Some(cat) = xref.get::<Dict>(xref.root_id()) else {
        return false;
    };
    let Some(intents) = cat.get::<Array>(&b"OutputIntents"[..]) else {
        return false;
    };
    intents.iter::<Dict>().any(|i| {
        name(&i, b"S").as_deref() == Some(b"GTS_PDFA1".as_slice())
            && i.get::<Stream>(&b"DestOutputProfile"[..]).is_some()
    })
}

/// A text string entry of a dictionary (Info `/Title`, `/Subject`).
fn text(d: &Dict, key: &[u8]) -> Option<String> {
    let s = d.get::<hayro_syntax::object::String>(key)?;
    let t = pdf_text(&s.get());
    (!t.trim().is_empty()).then_some(t)
}

/// A PDF text string: UTF-16BE or UTF-8 with a byte-order mark, else
/// PDFDocEncoding (ISO 32000-1 Annex D).
pub fn pdf_text(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = b.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    const HIGH: [char; 32] = [
        '•', '†', '‡', '…', '—', '–', 'ƒ', '⁄', '‹', '›', '−', '‰', '„', '“', '”', '‘', '’', '‚',
        '™', 'ﬁ', 'ﬂ', 'Ł', 'Œ', 'Š', 'Ÿ', 'Ž', 'ı', 'ł', 'œ', 'š', 'ž', '\u{FFFD}',
    ];
    const LOW: [char; 8] = ['˘', 'ˇ', 'ˆ', '˙', '˝', '˛', '˚', '˜'];
    b.iter()
        .map(|&c| match c {
            0x18..=0x1F => LOW[(c - 0x18) as usize],
            0x80..=0x9F => HIGH[(c - 0x80) as usize],
            0xA0 => '€',
            0x7F | 0xAD => '\u{FFFD}',
            _ => c as char,
        })
        .collect()
}

/// What the XMP packet says, read as XML by namespace.
#[derive(Default)]
struct Xmp {
    pdfa: Option<String>,
    title: Option<String>,
    description: Option<String>,
    keywords: Option<String>,
}

const PDFAID: &str = "http://www.aiim.org/pdfa/ns/id/";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const PDF_NS: &str = "http://ns.adobe.com/pdf/1.3/";

impl Xmp {
    fn parse(xml: &str) -> Xmp {
        // The packet may be wrapped in <?xpacket?> processing instructions and
        // padding; roxmltree takes those.
        let xml = xml.trim_matches(|c: char| c == '\u{feff}' || c.is_whitespace() || c == '\0');
        let opts = roxmltree::ParsingOptions {
            allow_dtd: false,
            ..Default::default()
        };
        let Ok(doc) = roxmltree::Document::parse_with_options(xml, opts) else {
            return Xmp::default();
        };
        // A property as an element (<pdfaid:part>2</pdfaid:part>) or as an
        // attribute of an rdf:Description (pdfaid:part="2"); for dc:title and
        // dc:description the x-default (or first) rdf:li of the rdf:Alt.
        let prop = |ns: &str, local: &str| -> Option<String> {
            for n in doc.descendants().filter(|n| n.is_element()) {
                if let Some(v) = n.attribute((ns, local)) {
                    return Some(v.trim().to_string());
                }
                if n.tag_name().namespace() == Some(ns) && n.tag_name().name() == local {
                    let lis: Vec<_> = n
                        .descendants()
                        .filter(|c| c.is_element() && c.tag_name().name() == "li")
                        .collect();
                    let pick = lis
                        .iter()
                        .find(|li| {
                            li.attribute(("http://www.w3.org/XML/1998/namespace", "lang"))
                                == Some("x-default")
                        })
                        .or(lis.first());
                    let t: String = match pick {
                        Some(li) => li
                            .descendants()
                            .filter(|c| c.is_text())
                            .filter_map(|c| c.text())
                            .collect(),
                        None => n
                            .descendants()
                            .filter(|c| c.is_text())
                            .filter_map(|c| c.text())
                            .collect(),
                    };
                    return Some(t.trim().to_string());
                }
            }
            None
        };
        let part =
            prop(PDFAID, "part").filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
        let conf = prop(PDFAID, "conformance").unwrap_or_default();
        Xmp {
            pdfa: part.map(|p| format!("{p}{}", conf.to_ascii_uppercase())),
            title: prop(DC, "title").filter(|t| !t.is_empty()),
            description: prop(DC, "description").filter(|t| !t.is_empty()),
            keywords: prop(PDF_NS, "Keywords"),
        }
    }
}

/// The offset where `[` / `<<` nesting first exceeds `max`, outside strings,
/// comments and stream data.
fn too_deep(data: &[u8], max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'%' => {
                while i < data.len() && data[i] != b'\n' && data[i] != b'\r' {
                    i += 1;
                }
            }
            b'(' => {
                let mut paren = 0usize;
                while i < data.len() {
                    match data[i] {
                        b'\\' => i += 1,
                        b'(' => paren += 1,
                        b')' => {
                            paren -= 1;
                            if paren == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'[' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' => depth = depth.saturating_sub(1),
            b'<' if data.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b'>' if data.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b's' if data[i..].starts_with(b"stream")
                && data[i + 6..]
                    .first()
                    .is_some_and(|&b| b == b'\r' || b == b'\n') =>
            {
                // Stream data is not PDF syntax; a stream is never inside a
                // dictionary or array, so the nesting restarts after it.
                match memchr::memmem::find(&data[i..], b"endstream") {
                    Some(j) => i += j + 8,
                    None => return None,
                }
                depth = 0;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PDF of the given objects (numbered from 1) with a correct xref.
    fn mini(objs: &[&str], trailer: &str) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offs = Vec::new();
        for (i, o) in objs.iter().enumerate() {
            offs.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f\r\n", objs.len() + 1).as_bytes(),
        );
        for o in offs {
            out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} {trailer} >>\nstartxref\n{xref}\n%%EOF\n",
                objs.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    fn codes(f: &PdfFacts) -> Vec<&'static str> {
        f.findings.iter().map(|x| x.code).collect()
    }

    #[test]
    fn reference_cycles_end() {
        // The page tree lists itself, the open action is the catalogue itself
        // (whose /OpenAction is itself ...), the font's descriptor is the font.
        let pdf = mini(
            &[
                "<< /Type /Catalog /Pages 2 0 R /OpenAction 1 0 R >>",
                "<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 1 /Parent 2 0 R >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Resources << /Font << /F 4 0 R >> >> >>",
                "<< /Type /Font /Subtype /TrueType /BaseFont /X /FontDescriptor 4 0 R >>",
            ],
            "/Root 1 0 R",
        );
        let f = facts(pdf).unwrap();
        let c = codes(&f);
        assert!(c.contains(&"pdf.open-action"), "{c:?}");
        assert!(c.contains(&"pdf.font-not-embedded"), "{c:?}");
        assert!(c.contains(&"pdf.no-pdfa-id") && c.contains(&"pdf.no-output-intent"));
        assert_eq!(f.checks_passed(), 1, "only encryption passes");
    }

    #[test]
    fn a_goto_open_action_is_navigation() {
        let cat = |action: &str| {
            let pdf = mini(
                &[
                    &format!("<< /Type /Catalog /Pages 2 0 R /OpenAction {action} >>"),
                    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>",
                ],
                "/Root 1 0 R",
            );
            codes(&facts(pdf).unwrap()).contains(&"pdf.open-action")
        };
        assert!(!cat("[3 0 R /Fit]"));
        assert!(!cat("<< /S /GoTo /D [3 0 R /Fit] >>"));
        assert!(cat(
            "<< /S /GoTo /D [3 0 R /Fit] /Next << /S /URI /URI (http://x) >> >>"
        ));
        assert!(cat("<< /S /URI /URI (http://x) >>"));
        assert!(cat("<< /S /SubmitForm /F (http://x) >>"));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let pdf = mini(
            &[
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [] /Count 0 >>",
                &deep,
            ],
            "/Root 1 0 R",
        );
        assert!(facts(pdf).unwrap_err().contains("nesting too deep"));
        // Brackets in strings, comments and stream data do not count.
        let fine = format!(
            "({0}) %{0}\n<< /Length 70 >>\nstream\n{0}\nendstream",
            "[".repeat(70)
        );
        assert_eq!(too_deep(fine.as_bytes(), MAX_DEPTH), None);
        assert_eq!(too_deep(b"[[[ ]]] << << >> >>", 3), None);
        assert_eq!(too_deep(b"[[[[ ]]]]", 3), Some(3));
    }

    #[test]
    fn object_headers_and_not_endobj() {
        let d = b"12 0 obj\n<<>>\nendobj 3 1 obj";
        assert_eq!(object_header(d, 5), Some((12, 0, 0)));
        assert_eq!(object_header(d, 18), None, "endobj");
        assert_eq!(object_header(d, 25), Some((3, 1, 21)));
        assert_eq!(object_header(b"x12 0 obj", 6), None);
        assert_eq!(object_header(b"0obj", 1), None);
    }

    #[test]
    fn pdf_text_strings() {
        assert_eq!(pdf_text(&[0xFE, 0xFF, 0x4F, 0xE1, 0x8B, 0xBF]), "信访");
        assert_eq!(pdf_text(b"XF-2026-0001"), "XF-2026-0001");
        assert_eq!(pdf_text(&[0x80, 0x93, 0xA0, 0xE9]), "•ﬁ€é");
        assert_eq!(pdf_text(&[0xEF, 0xBB, 0xBF, 0xE4, 0xBF, 0xA1]), "信");
        assert_eq!(
            pdf_text(&[0xFE, 0xFF, 0x4F]),
            "\u{4F00}",
            "odd length: no panic"
        );
    }

    #[test]
    fn pdfa_identification_in_either_xmp_form_by_namespace() {
        let wrap = |body: &str| {
            format!(
                "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">{body}</rdf:RDF></x:xmpmeta>"
            )
        };
        let el = wrap("<rdf:Description xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"><pdfaid:part>2</pdfaid:part><pdfaid:conformance>b</pdfaid:conformance></rdf:Description>");
        assert_eq!(Xmp::parse(&el).pdfa.as_deref(), Some("2B"));
        let attr = wrap("<rdf:Description xmlns:id=\"http://www.aiim.org/pdfa/ns/id/\" id:part=\"3\" id:conformance=\"A\"/>");
        assert_eq!(Xmp::parse(&attr).pdfa.as_deref(), Some("3A"), "any prefix");
        let other_ns =
            wrap("<rdf:Description xmlns:pdfaid=\"http://example.com/\" pdfaid:part=\"2\"/>");
        assert_eq!(
            Xmp::parse(&other_ns).pdfa,
            None,
            "the prefix alone is not the namespace"
        );
        assert_eq!(
            Xmp::parse("not xml <pdfaid:part>2</pdfaid:part>").pdfa,
            None
        );
        let dc = wrap("<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title><rdf:Alt><rdf:li xml:lang=\"en\">x</rdf:li><rdf:li xml:lang=\"x-default\">处理意见书</rdf:li></rdf:Alt></dc:title></rdf:Description>");
        assert_eq!(Xmp::parse(&dc).title.as_deref(), Some("处理意见书"));
    }
}
