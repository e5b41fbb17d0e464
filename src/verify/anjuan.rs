//! The checks that apply to bundles made by anjuan (DA/T 70 四性 beyond BagIt):
//! the signatures, the catalogue and DA/T 46 metadata, 件号 continuity, the
//! delivery receipts, the handoff declaration (handoff.json and the printed
//! form), formats, and the zip as anjuan writes it. For a plain BagIt bag these
//! are reported "not applicable" by [`super::check`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use serde_json::Value;

use super::basis::{check, detail, group_of, is_image_name, Options, Read, ReadFn, Reads};
use super::container::Container;
use super::meta::{CaseMetadata, CatalogueReader, Field, Handoff, Item, Row, Signature, Skip};
use super::pdf;
use super::profile::PROFILE_WRONG;
use super::report::{Check, Detail, Property};
use crate::archive::bag::BagInfo;
use crate::archive::code::ArchiveCode;
use crate::archive::pack::{HANDOFF, HANDOFF_FORMAT, HANDOFF_JSON};
use crate::sign;

/// Tag files an anjuan bundle has at its top.
pub(super) const ANJUAN_TAGS: [&str; 9] = [
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

/// 文书种类 of the items a bundle may hold as received files (来源 = 接收): the
/// papers of other bodies and the incoming papers. They carry no office paper
/// signature (the manifests and the signed tag manifest cover them) and need not
/// be PDF/A. Any other kind marked 接收 is still an office paper and needs both.
pub(super) const RECEIVED_KINDS: [&str; 8] = [
    "信访事项交办单",
    "复查意见书",
    "复核意见书",
    "来信",
    "来访记录",
    "网上信访件",
    "电话记录",
    "其他材料",
];

/// An item filed as received: 来源 = 接收 and a kind that can be received.
fn is_received(it: &Item) -> bool {
    it.source.str() == crate::archive::catalogue::RECEIVED
        && RECEIVED_KINDS.contains(&it.kind.str())
}

/// The anjuan checks, with the ids and names they report under.
pub(super) const ANJUAN_CHECKS: [(&str, Property, &str); 12] = [
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
    (
        "usability.received-format",
        Property::Usability,
        "接收文件的格式 (received files' formats)",
    ),
];

/// The PDF's own metadata against what its signature binds: the subject is
/// the case number, the keywords name the kind of paper first (as anjuan
/// writes them: `受理告知书, XF-2026-0001`), and the title is the item's 题名
/// (an archivist's bracketed title such as `[处理意见书送达回证]` contains it),
/// or the sheet's name for a dossier sheet.
fn pdf_binding(
    pdf: &pdf::PdfFacts,
    b: &sign::Binding,
    item: Option<&Item>,
    title_of: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    let subject = pdf.subject.as_deref().unwrap_or("");
    if subject != b.case {
        out.push(format!(
            "PDF 文档主题（Subject）为“{subject}”，签名绑定案件 {}",
            b.case
        ));
    }
    if let Some(case) = item.map(|it| it.case.str()).filter(|c| *c != subject) {
        out.push(format!(
            "PDF 文档主题（Subject）为“{subject}”，metadata.json 记为案件 {case}"
        ));
    }
    let keywords = pdf.keywords.as_deref().unwrap_or("");
    let kind = keywords.split([',', '，']).next().unwrap_or("").trim();
    if kind != b.paper {
        out.push(format!(
            "PDF 关键词（Keywords）“{keywords}”所写文书种类不是签名绑定的{}",
            b.paper
        ));
    }
    let title = pdf.title.as_deref().unwrap_or("");
    let want = title_of.unwrap_or(b.paper.as_str());
    let bracketed = want.starts_with('[') && want.ends_with(']');
    let agrees = if bracketed {
        !title.is_empty() && want.contains(title)
    } else {
        title == want
    };
    if !agrees {
        out.push(format!(
            "PDF 文档标题（Title）为“{title}”，应为“{want}”（签名绑定{}）",
            b.paper
        ));
    }
    out
}

fn anjuan_check(i: usize, details: Vec<Detail>, ok: String) -> Check {
    let (id, p, n) = ANJUAN_CHECKS[i];
    check(id, p, n, details, ok)
}

/// The anjuan metadata of a bundle, as loaded (loosely: every field is checked
/// where it is used, and a missing one is a finding, not a failure to load).
pub(super) struct Anjuan {
    handoff: Handoff,
    /// catalogue.json's 件数, and how many rows it has. The rows are not
    /// held: they are read again as a stream after the walk (see
    /// [`Anjuan::rows_each`]).
    count: Field,
    rows: usize,
    /// The occurrence of 文件 that is the catalogue's rows, when
    /// catalogue.json could be read; `None`: it has no rows for the checks.
    catalogue: Option<usize>,
    /// What an item's 档号 is set to when a detail is made, until the
    /// catalogue is read again at the end ([`Anjuan::resolve_items`]):
    /// random each run, so no text in a bundle can pass for it.
    pending: String,
    /// The case folders' metadata.json: their folders and fingerprints; the
    /// items themselves are read again, case by case, when checked.
    cases: Cases,
    /// Where catalogue.csv says otherwise than catalogue.json.
    csv_diffs: Vec<Detail>,
}

/// The case folders (`data/<folder>/metadata.json`). A bundle's items are not
/// held: each case's metadata.json is read when its folder is checked and
/// dropped after. Across cases only 64-bit fingerprints (keyed afresh each
/// run) are kept, 16 bytes an item: where each 存储位置 and 档号 is, and which
/// 档号 a delivery receipt serves. A lookup by 存储位置 or 档号 reads the case
/// the fingerprint points to and compares the text itself, so a collision
/// cannot match the wrong item.
#[derive(Default)]
struct Cases {
    /// The folders, in name order (of their metadata.json).
    folders: Vec<Box<str>>,
    /// (fingerprint of 存储位置, case, item), sorted.
    by_loc: Vec<(u64, u32, u32)>,
    /// (fingerprint of 档号, case, item), sorted.
    by_code: Vec<(u64, u32, u32)>,
    /// Fingerprints of the 档号 delivery receipts serve (送达文书), sorted.
    served: Vec<u64>,
    keys: std::collections::hash_map::RandomState,
}

impl Cases {
    fn fp(&self, s: &str) -> u64 {
        use std::hash::BuildHasher as _;
        self.keys.hash_one(s)
    }

    /// The entries of `index` with fingerprint `fp`, by case and item.
    fn candidates(index: &[(u64, u32, u32)], fp: u64) -> &[(u64, u32, u32)] {
        let lo = index.partition_point(|e| e.0 < fp);
        let hi = index.partition_point(|e| e.0 <= fp);
        &index[lo..hi]
    }

    /// Whether some item's 档号 has this text's fingerprint.
    fn has_code(&self, code: &str) -> bool {
        !Cases::candidates(&self.by_code, self.fp(code)).is_empty()
    }

    /// Case `case`'s items, read again (its problems were reported when the
    /// bundle was loaded).
    fn load(&self, c: &Container, case: u32) -> Vec<Item> {
        let Some(folder) = self.folders.get(case as usize) else {
            return Vec::new();
        };
        let name = format!("data/{folder}/metadata.json");
        load_json::<CaseMetadata>(c, &name, &mut Vec::new())
            .map(|m| m.0)
            .unwrap_or_default()
    }
}

/// The case folder a metadata.json names (`data/<folder>/metadata.json`).
fn metadata_folder(k: &str) -> Option<&str> {
    k.strip_prefix("data/")
        .and_then(|r| r.strip_suffix("/metadata.json"))
}

/// How much of a catalogue or metadata file is read at all.
const JSON_MAX: u64 = 256 << 20;
const CATALOGUE_JSON: &str = "data/catalogue.json";
const CATALOGUE_CSV: &str = "data/catalogue.csv";
/// At most this many differing cells of catalogue.csv are listed.
const CSV_DIFFS_LISTED: usize = 50;

/// catalogue.csv read in step with catalogue.json: each JSON row is compared,
/// as it is read, with the next CSV record.
struct CsvSide<R: std::io::Read> {
    rdr: csv::Reader<R>,
    header: Vec<Box<str>>,
    rec: csv::StringRecord,
    /// Records read.
    rows: usize,
    done: bool,
    /// Why the CSV could not be parsed.
    failed: Option<String>,
    /// The first differing cells, and how many differ.
    cells: Vec<Detail>,
    differing: usize,
}

/// What was found comparing catalogue.csv with catalogue.json (the JSON's
/// part still to be judged by whether the JSON could be read at all).
struct CsvFound {
    rows: usize,
    failed: Option<String>,
    cells: Vec<Detail>,
    differing: usize,
}

impl<R: std::io::Read> CsvSide<R> {
    fn new(r: R) -> CsvSide<R> {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(r);
        let (header, failed) = match rdr.headers() {
            Ok(h) => (h.iter().map(Into::into).collect(), None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        CsvSide {
            rdr,
            header,
            rec: csv::StringRecord::new(),
            rows: 0,
            done: false,
            failed,
            cells: Vec::new(),
            differing: 0,
        }
    }

    /// Reads the next record; false at the end or on an error.
    fn next(&mut self) -> bool {
        if self.done || self.failed.is_some() {
            return false;
        }
        match self.rdr.read_record(&mut self.rec) {
            Ok(true) => {
                self.rows += 1;
                true
            }
            Ok(false) => {
                self.done = true;
                false
            }
            Err(e) => {
                self.failed = Some(e.to_string());
                false
            }
        }
    }

    /// The next record against a catalogue.json row (`texts`: the row's text
    /// for each column, `None` where it has no such field).
    fn compare(&mut self, row: &Row, texts: &[Option<String>]) {
        if !self.next() {
            return;
        }
        let line = self.rows + 1;
        for (k, col) in self.header.iter().enumerate() {
            let csv_v = self.rec.get(k).unwrap_or("");
            let json_v = texts.get(k).and_then(|t| t.as_deref()).unwrap_or("");
            if csv_v != json_v {
                self.differing += 1;
                if self.cells.len() < CSV_DIFFS_LISTED {
                    self.cells.push(Detail {
                        code: "meta.catalogue-csv".into(),
                        item: Some(row.code.str().into()),
                        file: Some(CATALOGUE_CSV.into()),
                        message: format!(
                            "第 {line} 行“{col}”为“{csv_v}”，catalogue.json 为“{json_v}”"
                        ),
                    });
                }
            }
        }
    }

    /// Reads the records left (counting them) and says what was found.
    fn finish(mut self) -> CsvFound {
        while self.next() {}
        CsvFound {
            rows: self.rows,
            failed: self.failed,
            cells: self.cells,
            differing: self.differing,
        }
    }
}

/// A leading UTF-8 byte order mark dropped (catalogue.csv has one for
/// spreadsheets).
fn strip_bom(r: &mut dyn std::io::Read) -> impl std::io::Read + '_ {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(3);
    let _ = (&mut *r).take(3).read_to_end(&mut head);
    if head == "\u{feff}".as_bytes() {
        head.clear();
    }
    std::io::Cursor::new(head).chain(r)
}

/// catalogue.json as read: its rows and 件数, or why it could not be parsed.
struct CatalogueRead {
    result: Result<(), serde_json::Error>,
    /// How many rows were read.
    rows: usize,
    count: Field,
    files_keys: usize,
}

/// Parses catalogue.json from `r`, reading only occurrence `target` of 文件,
/// each row compared with catalogue.csv's as it is read.
fn parse_catalogue(
    r: &mut dyn std::io::Read,
    target: usize,
    mut csv: Option<&mut CsvSide<impl std::io::Read>>,
    each: &mut dyn FnMut(&Row),
) -> CatalogueRead {
    use serde::de::DeserializeSeed as _;
    let columns = csv.as_ref().map(|c| c.header.clone()).unwrap_or_default();
    let mut on_row = |row: &Row, texts: &[Option<String>]| {
        if let Some(c) = csv.as_mut() {
            c.compare(row, texts);
        }
        each(row);
    };
    let mut reader = CatalogueReader {
        target,
        columns: &columns,
        on_row: &mut on_row,
        rows: 0,
        count: Field::Absent,
        files_keys: 0,
    };
    let mut de =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(64 << 10, r));
    let result = (&mut reader).deserialize(&mut de).and_then(|()| de.end());
    let (rows, count, files_keys) = (reader.rows, reader.count, reader.files_keys);
    CatalogueRead {
        result,
        rows,
        count,
        files_keys,
    }
}

/// catalogue.json (streamed into typed rows, never held whole) and its
/// printable twin catalogue.csv, read in step.
struct CatalogueLoad {
    /// `None`: no catalogue.json; `Some(Err)`: unreadable.
    json: Option<Result<CatalogueRead, String>>,
    /// `None`: no catalogue.csv, or unreadable (not reported: its digest is).
    csv: Option<CsvFound>,
}

fn load_catalogue(c: &Container, target: usize) -> CatalogueLoad {
    let mut csv = None;
    let mut csv_read = false;
    let json = c.stream(CATALOGUE_JSON, JSON_MAX, |jr| {
        let mut jr = Some(jr);
        let mut parsed = None;
        csv = c
            .stream(CATALOGUE_CSV, JSON_MAX, |cr| {
                let mut side = CsvSide::new(strip_bom(cr));
                if let Some(jr) = jr.take() {
                    parsed = Some(parse_catalogue(jr, target, Some(&mut side), &mut |_| {}));
                }
                side.finish()
            })
            .and_then(Result::ok);
        csv_read = true;
        match (parsed, jr) {
            (Some(p), _) => p,
            (None, Some(jr)) => {
                parse_catalogue(jr, target, None::<&mut CsvSide<&[u8]>>, &mut |_| {})
            }
            (None, None) => unreachable!("catalogue.json is parsed once"),
        }
    });
    if !csv_read {
        csv = c
            .stream(CATALOGUE_CSV, JSON_MAX, |cr| {
                CsvSide::new(strip_bom(cr)).finish()
            })
            .and_then(Result::ok);
    }
    CatalogueLoad { json, csv }
}

/// The printable catalogue (catalogue.csv) must say what catalogue.json says,
/// row by row and column by column: it is unsigned payload that a reader
/// opens in a spreadsheet, so a change to it must be named, not only seen as a
/// broken package signature. `json_rows`: how many rows catalogue.json has
/// (none if it could not be read; then `csv`'s cells are not its).
fn csv_against_json(csv: CsvFound, json_rows: Option<usize>) -> Vec<Detail> {
    let file = Some(CATALOGUE_CSV);
    let mut d = Vec::new();
    let (cells, differing) = match json_rows {
        Some(_) => (csv.cells, csv.differing),
        None => (Vec::new(), 0),
    };
    let json_rows = json_rows.unwrap_or(0);
    if csv.rows != json_rows {
        d.push(detail(
            "meta.catalogue-csv",
            file,
            format!(
                "catalogue.csv 有 {} 行，catalogue.json 有 {json_rows} 条",
                csv.rows
            ),
        ));
    }
    let room = CSV_DIFFS_LISTED - d.len();
    d.extend(cells.into_iter().take(room));
    if differing > CSV_DIFFS_LISTED {
        d.push(detail(
            "meta.catalogue-csv",
            file,
            format!("另有 {} 处不一致未列出", differing - CSV_DIFFS_LISTED),
        ));
    }
    d
}

/// A JSON file read whole and parsed into `T`; its problems go to `readable`.
fn load_json<T: serde::de::DeserializeOwned>(
    c: &Container,
    name: &str,
    readable: &mut Vec<Detail>,
) -> Option<T> {
    match c.read_small(name, JSON_MAX)? {
        Err(m) => {
            readable.push(detail("meta.unreadable", Some(name), m));
            None
        }
        Ok(b) => serde_json::from_slice(&b)
            .map_err(|e| {
                readable.push(detail(
                    "meta.json",
                    Some(name),
                    format!("JSON 无法解析: {e}"),
                ))
            })
            .ok(),
    }
}

impl Anjuan {
    pub(super) fn load(c: &Container, _reads: &Reads, readable: &mut Vec<Detail>) -> Anjuan {
        let handoff = Handoff::of(&load_json(c, HANDOFF_JSON, readable).unwrap_or(Value::Null));
        let mut target = 1;
        let mut cat = load_catalogue(c, target);
        // Where 文件 repeats, the last one is the catalogue's (as in a JSON object).
        if let Some(Ok(CatalogueRead {
            result: Ok(()),
            files_keys,
            ..
        })) = &cat.json
        {
            if *files_keys > 1 {
                target = *files_keys;
                cat = load_catalogue(c, target);
            }
        }
        let (rows, count) = match cat.json {
            None => (None, Field::Absent),
            Some(Err(m)) => {
                readable.push(detail("meta.unreadable", Some(CATALOGUE_JSON), m));
                (None, Field::Absent)
            }
            Some(Ok(CatalogueRead { result: Err(e), .. })) => {
                // The error as parsing the file whole words it: a reader
                // places some errors a column further on. Only a broken
                // catalogue is read whole for this.
                let e = match c.read_small(CATALOGUE_JSON, JSON_MAX) {
                    Some(Ok(b)) => serde_json::from_slice::<Skip>(&b).err(),
                    _ => None,
                }
                .map_or_else(|| e.to_string(), |e| e.to_string());
                readable.push(detail(
                    "meta.json",
                    Some(CATALOGUE_JSON),
                    format!("JSON 无法解析: {e}"),
                ));
                (None, Field::Absent)
            }
            Some(Ok(r)) => (Some(r.rows), r.count),
        };
        // fonts.json: only whether it parses.
        let _ = load_json::<Skip>(c, "data/fonts.json", readable);
        let mut csv_diffs = Vec::new();
        if let Some(csv) = cat.csv {
            match csv.failed {
                Some(e) => readable.push(detail("meta.csv", Some(CATALOGUE_CSV), e)),
                None => csv_diffs = csv_against_json(csv, rows),
            }
        }
        // Each case's metadata.json read once here for its problems and
        // fingerprints, and dropped.
        let mut cases = Cases::default();
        for k in c.files.keys() {
            if let Some(folder) = metadata_folder(k) {
                let case = cases.folders.len() as u32;
                let items = load_json::<CaseMetadata>(c, k, readable)
                    .map(|m| m.0)
                    .unwrap_or_default();
                for (i, it) in items.iter().enumerate() {
                    let i = i as u32;
                    cases.by_loc.push((cases.fp(it.location.str()), case, i));
                    cases.by_code.push((cases.fp(it.code.str()), case, i));
                    if let Some(t) = it.serves.as_str() {
                        cases.served.push(cases.fp(t));
                    }
                }
                cases.folders.push(folder.into());
            }
        }
        cases.by_loc.sort_unstable();
        cases.by_code.sort_unstable();
        cases.served.sort_unstable();
        cases.served.dedup();
        cases.by_loc.shrink_to_fit();
        cases.by_code.shrink_to_fit();
        cases.served.shrink_to_fit();
        cases.folders.shrink_to_fit();
        let pending = format!("\u{0}档号{:016x}", cases.fp("\u{0}"));
        Anjuan {
            handoff,
            count,
            rows: rows.unwrap_or_default(),
            catalogue: rows.map(|_| target),
            pending,
            cases,
            csv_diffs,
        }
    }

    /// The handoff's 移交名称 ("" if none).
    pub(super) fn handoff_name(&self) -> String {
        self.handoff.name.str().to_string()
    }

    /// What the anjuan checks look at, ready.
    fn ctx<'a>(
        &'a self,
        c: &'a Container,
        reads: &'a Reads<'a>,
        read: &'a ReadFn<'a>,
        info: &'a BagInfo,
        name: &'a str,
        opts: &Options,
    ) -> Ctx<'a> {
        Ctx {
            a: self,
            c,
            reads,
            read,
            info,
            name,
            declared: self
                .handoff
                .key
                .as_str()
                .and_then(|t| sign::public_key(t).ok())
                .and_then(|pk| sign::Verifier::new(&pk).ok()),
            trusted: opts
                .trust
                .iter()
                .filter_map(|(_, pk)| sign::Verifier::new(pk).ok())
                .collect(),
            signed: info.get("Anjuan-Signing-Key").is_some()
                || c.files.contains_key("tagmanifest-sha256.txt.minisig"),
        }
    }

    /// Reads the files under `data/`'s folders, one folder at a time, and
    /// checks them case by case (see [`Ctx::walk`]); every read is handed to
    /// `on_read` (the manifests' fixity) before it is dropped. `reads`: the
    /// files read before (those outside the folders); `read` reads any file.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn walk(
        &self,
        c: &Container,
        reads: &Reads,
        read: &ReadFn,
        info: &BagInfo,
        name: &str,
        opts: &Options,
        on_read: &mut (dyn FnMut(&str, &Read) + Send),
    ) -> Walked {
        self.ctx(c, reads, read, info, name, opts).walk(on_read)
    }

    /// Runs the anjuan checks on what [`Anjuan::walk`] found; adds structure
    /// and encryption findings to the generic checks' lists and the keys that
    /// signed to `signers`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn checks(
        &self,
        mut w: Walked,
        c: &Container,
        reads: &Reads,
        read: &ReadFn,
        info: &BagInfo,
        name: &str,
        opts: &Options,
        checks: &mut Vec<Check>,
        structure: &mut Vec<Detail>,
        signers: &mut BTreeSet<String>,
        package_signer: &mut Option<String>,
        no_encryption: &mut Vec<Detail>,
    ) {
        let x = self.ctx(c, reads, read, info, name, opts);
        let mut f = x.row_facts(&w);
        x.structure(structure);
        checks.push(x.package_signature(signers, package_signer));
        checks.push(x.paper_signatures(&mut w, signers));
        checks.push(x.metadata_format(&mut w, &mut f));
        checks.push(x.file_properties(&mut w));
        checks.push(x.handoff_digest());
        checks.push(x.handoff_counts(&f));
        checks.push(x.required_metadata(&mut w));
        checks.push(x.numbering(&f));
        checks.push(x.content_files(&f));
        checks.push(x.receipts(&mut w));
        checks.push(x.formats(&mut w, no_encryption));
        checks.push(x.received_formats(&mut w));
    }

    /// catalogue.json's rows (the occurrence of 文件 that is the catalogue's)
    /// handed to `each` as they are read again, none held; none when it could
    /// not be read at loading.
    fn rows_each(&self, c: &Container, each: &mut dyn FnMut(&Row)) {
        let Some(target) = self.catalogue else {
            return;
        };
        let _ = c.stream(CATALOGUE_JSON, JSON_MAX, |r| {
            parse_catalogue(r, target, None::<&mut CsvSide<&[u8]>>, each)
        });
    }

    /// Fills in what the checks left pending (see [`Ctx::with_item`]) from
    /// one more read of the catalogue's rows, only if there is any: the 档号
    /// of each marked detail's file (the last row with that 存储位置, as a
    /// map of them all would keep), and whose the file is that a signature
    /// is bound to, where the catalogue lists it.
    pub(super) fn resolve_items(&self, c: &Container, checks: &mut [Check]) {
        let p = self.pending.as_str();
        let key = |f: &str| f.strip_suffix(".minisig").unwrap_or(f).to_string();
        let mut wanted: BTreeSet<String> = BTreeSet::new();
        for d in checks.iter().flat_map(|k| &k.details) {
            if d.item.as_deref() == Some(p) {
                wanted.extend(d.file.as_deref().map(key));
            }
            let mut rest = d.message.as_str();
            while let Some((theirs, after)) = rest.split_once(p).and_then(|(_, r)| r.split_once(p))
            {
                wanted.insert(theirs.to_string());
                rest = after;
            }
        }
        if wanted.is_empty() {
            return;
        }
        let mut code_of: HashMap<String, String> = HashMap::new();
        self.rows_each(c, &mut |r| {
            if wanted.contains(r.location.str()) {
                code_of.insert(r.location.str().to_string(), r.code.str().to_string());
            }
        });
        for d in checks.iter_mut().flat_map(|k| k.details.iter_mut()) {
            if d.item.as_deref() == Some(p) {
                d.item = d
                    .file
                    .as_deref()
                    .and_then(|f| code_of.get(&key(f)).cloned());
            }
            let mut out = String::new();
            let mut rest = d.message.as_str();
            while let Some((head, theirs, after)) = rest
                .split_once(p)
                .and_then(|(h, r)| r.split_once(p).map(|(t, a)| (h, t, a)))
            {
                out.push_str(head);
                if let Some(code) = code_of.get(theirs) {
                    out.push_str(&format!("；签名所属的是本包中的 {code}（{theirs}）"));
                }
                rest = after;
            }
            if !out.is_empty() || rest.len() != d.message.len() {
                out.push_str(rest);
                d.message = out;
            }
        }
    }
}

/// What the checks take from catalogue.json's rows, gathered in one read of
/// them after the walk ([`Ctx::row_facts`]) instead of holding the rows:
/// details in row order, counts, and keyed fingerprints (8 bytes a row) where
/// a set of all rows is asked about.
#[derive(Default)]
struct RowFacts {
    rows: usize,
    /// Each row's 档号, date and page-count format; the 档号 that repeat;
    /// each row against its item's metadata.
    formats: Vec<Detail>,
    repeated: Vec<Detail>,
    against: Vec<Detail>,
    /// 页数 (a PDF's own count where it was read), and the distinct 案件编号.
    pages: u64,
    cases: BTreeSet<Box<str>>,
    /// The 件号 of each 档号 series.
    series: BTreeMap<String, Vec<u32>>,
    /// Rows whose file is not in the bag; fingerprints of every row's 存储位置, sorted.
    missing: Vec<Detail>,
    listed: Vec<u64>,
}

/// What the walk over the bag's files, case folder by case folder, found for
/// each check, in the order the checks report it (see [`Ctx::walk`]).
#[derive(Default)]
pub(super) struct Walked {
    /// Items in all metadata.json.
    items: usize,
    /// Each paper signature's result, in file order.
    sigs: Vec<Result<(String, Vec<Detail>), Detail>>,
    /// Unsigned papers, in item order.
    unsigned: Vec<Detail>,
    /// 密级 and 签名时间 of each item.
    meta_items: Vec<Detail>,
    props: Vec<Detail>,
    required: Vec<Detail>,
    /// Papers served without a receipt; receipts for a paper not in the bundle.
    receipts_missing: Vec<Detail>,
    receipts_dangling: Vec<Detail>,
    must_serve: usize,
    /// The formats check's four kinds of details, each in file order: PDFs,
    /// PDFs too large to open, images, received items of no accepted format.
    formats: [Vec<Detail>; 4],
    encrypted: Vec<Detail>,
    pdfs: usize,
    levels: BTreeSet<String>,
    received: usize,
    received_warn: Vec<Detail>,
    /// The page count of each PDF read in the walk that opened, by keyed
    /// fingerprint of its name, sorted (for the declared counts).
    pages: Vec<(u64, u32)>,
}

/// How many files the walk reads at a time (whole folders).
const WALK_BATCH: usize = 256;

/// Cases read for one folder's files: (case, its items).
type Loaded = Vec<(u32, Vec<Item>)>;

/// What every anjuan check looks at.
struct Ctx<'a> {
    a: &'a Anjuan,
    c: &'a Container,
    /// The files read before the walk (outside the folders under `data/`).
    reads: &'a Reads<'a>,
    /// Reads a file again (one the walk is not at: a hostile bundle's item
    /// filed in another folder, a declared digest of a payload file).
    read: &'a ReadFn<'a>,
    info: &'a BagInfo,
    name: &'a str,
    /// The public key the bundle declares (handoff.json 签名公钥), and the
    /// trusted ones (`--trust`), ready to verify.
    declared: Option<sign::Verifier>,
    trusted: Vec<sign::Verifier>,
    signed: bool,
}

impl Ctx<'_> {
    /// Marks a detail for the 档号 of the file it names (the catalogue
    /// row's whose 存储位置 it is), which [`Anjuan::resolve_items`] fills in.
    fn with_item(&self, mut d: Detail) -> Detail {
        if d.file.is_some() {
            d.item = Some(self.a.pending.clone());
        }
        d
    }

    /// The key to check a signature with: a trusted one with its key id, else
    /// the one the bundle declares.
    fn key_for(&self, sig_text: &str) -> Result<&sign::Verifier, String> {
        let id = sign::SigBox::parse(sig_text)
            .map_err(|e| e.to_string())?
            .key_id();
        if let Some(v) = self.trusted.iter().find(|v| v.key_id() == id) {
            return Ok(v);
        }
        match &self.declared {
            Some(v) if v.key_id() == id => Ok(v),
            Some(v) => Err(format!(
                "签名密钥 {id} 既不是声明的公钥 {} 也不在可信公钥中",
                v.key_id()
            )),
            None => Err(format!("签名密钥 {id} 的公钥未声明，也不在可信公钥中")),
        }
    }

    /// Checks `file`'s `.minisig` (digests from the one read); returns the key
    /// id and what the signature says it signs.
    fn verify_file(
        &self,
        file: &str,
        binding_name: &str,
        group: &Reads,
    ) -> Result<(String, sign::Verified), String> {
        let sig = self
            .c
            .read_small(&format!("{file}.minisig"), 4096)
            .ok_or_else(|| "缺少签名文件 (no .minisig)".to_string())?
            .map_err(|e| format!("签名文件无法读取: {e}"))?;
        let sig = String::from_utf8(sig).map_err(|_| "签名文件不是文本".to_string())?;
        let key = self.key_for(&sig)?;
        self.with_read(file, group, |r| {
            let r = r.ok_or_else(|| "文件未读取".to_string())?;
            if let Some(e) = r.error() {
                return Err(format!("文件无法读取: {e}"));
            }
            let b2 = r
                .blake2b
                .as_deref()
                .ok_or_else(|| "文件未读取".to_string())?;
            let sha = r.hex("sha256").unwrap_or_default();
            let v = key
                .verify_prehashed(b2, &sha, &sig, binding_name)
                .map_err(|e| e.to_string())?;
            Ok((key.key_id(), v))
        })
    }

    /// What reading `name` gave: from the folder being walked (`group`), the
    /// files read before the walk, or read now.
    fn with_read<T>(&self, name: &str, group: &Reads, f: impl FnOnce(Option<&Read>) -> T) -> T {
        match group.get(name).or_else(|| self.reads.get(name)) {
            Some(r) => f(Some(r)),
            None => f((self.read)(name).as_ref()),
        }
    }

    /// A paper's signature names the case and the paper it signs; these must be
    /// the case folder it lies in, its item's metadata (case number, kind of
    /// paper, the trusted comment recorded) and the PDF's own metadata (subject
    /// = case number, title naming the paper). A paper moved or copied between
    /// cases is named with the item its signature belongs to.
    fn binding_details(
        &self,
        file: &str,
        v: &sign::Verified,
        item: Option<&Item>,
        group: &Reads,
    ) -> Vec<Detail> {
        let mut d = Vec::new();
        let push = |d: &mut Vec<Detail>, code: &str, m: String| {
            d.push(self.with_item(detail(code, Some(file), m)));
        };
        let Some(b) = &v.binding else {
            push(
                &mut d,
                "signature.unbound",
                format!(
                    "签名的可信注释未绑定案件与文书 (no anjuan binding)：{}",
                    v.trusted_comment
                ),
            );
            return d;
        };
        let rel = file.strip_prefix("data/").unwrap_or(file);
        let folder = rel.rsplit_once('/').map(|(f, _)| f).unwrap_or("");
        if b.case != folder {
            let theirs = format!("data/{}/{}", b.case, b.file);
            // Whose it is (if the catalogue has a row at `theirs`): filled
            // in by `Anjuan::resolve_items`.
            let other = format!("{p}{theirs}{p}", p = self.a.pending);
            push(
                &mut d,
                "signature.case-mismatch",
                format!(
                    "签名绑定案件 {} 的{}，文件却在案件 {} 的案卷中（文书被调换或复制）{other}",
                    b.case,
                    b.paper,
                    if folder.is_empty() {
                        "（包顶层）"
                    } else {
                        folder
                    }
                ),
            );
        }
        match item {
            Some(it) => {
                for (k, want, got) in [
                    ("案件编号", &b.case, it.case.str()),
                    ("文书种类", &b.paper, it.kind.str()),
                ] {
                    if got != want {
                        push(
                            &mut d,
                            "signature.metadata-mismatch",
                            format!("签名绑定{k}“{want}”，metadata.json 记为“{got}”"),
                        );
                    }
                }
                let recorded = match &it.signature {
                    Signature::Object { comment, .. } => comment.str(),
                    _ => "",
                };
                if recorded != v.trusted_comment {
                    push(
                        &mut d,
                        "signature.metadata-mismatch",
                        "metadata.json 记录的可信注释与签名文件中的不同".into(),
                    );
                }
            }
            None => {
                // The dossier sheets are not items: their name is their kind.
                let stem = rel.rsplit('/').next().unwrap_or(rel);
                let stem = stem.strip_suffix(".pdf").unwrap_or(stem);
                if DOSSIER_SHEETS
                    .iter()
                    .any(|x| x.strip_suffix(".pdf") == Some(stem))
                    && b.paper != stem
                {
                    push(
                        &mut d,
                        "signature.metadata-mismatch",
                        format!("签名绑定文书“{}”，文件是{stem}", b.paper),
                    );
                }
            }
        }
        self.with_read(file, group, |r| {
            if let Some(Ok(pdf)) = r.and_then(|r| r.pdf()) {
                d.extend(
                    pdf_binding(pdf, b, item, item.map(|it| it.title.str()))
                        .into_iter()
                        .map(|m| self.with_item(detail("signature.pdf-mismatch", Some(file), m))),
                );
            }
        });
        d
    }

    /// The tag files and per-case files an anjuan bundle has; the zip profile.
    fn structure(&self, structure: &mut Vec<Detail>) {
        let (c, info) = (self.c, self.info);
        // Structure: the tag files and per-case files an anjuan bundle has.
        for t in ANJUAN_TAGS.iter() {
            if *t == "tagmanifest-sha256.txt.minisig" && info.get("Anjuan-Signing-Key").is_none() {
                continue;
            }
            if !c.files.contains_key(t) {
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
        for folder in &self.a.cases.folders {
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
        if self.a.handoff.format.as_str() != Some(HANDOFF_FORMAT) && self.a.handoff.present {
            structure.push(detail(
                "structure.handoff-format",
                Some(HANDOFF_JSON),
                format!("格式应为 {HANDOFF_FORMAT}"),
            ));
        }
        if let super::container::Kind::Zip {
            profile,
            comment_len,
            ..
        } = &c.kind
        {
            zip_profile(profile.as_deref(), *comment_len, structure);
        }
    }

    /// Every tag file (each file outside `data/` but the tag manifests and the
    /// signature itself) must be listed in the signed tag manifest: what it
    /// leaves out is not covered by the signature (RFC 8493 §2.2.1 lets a tag
    /// manifest list any subset; a receiver that trusts the signature cannot).
    fn uncovered_tag_files(&self) -> Vec<Detail> {
        let signed = "tagmanifest-sha256.txt";
        let listed: BTreeSet<String> = match self.c.read_small(signed, 64 << 20) {
            Some(Ok(b)) => crate::archive::bag::Manifest::parse(&String::from_utf8_lossy(&b))
                .map(|m| m.entries.into_iter().map(|(p, _)| p).collect())
                .unwrap_or_default(),
            _ => BTreeSet::new(),
        };
        self.c
            .files
            .keys()
            .filter(|k| !k.starts_with("data/"))
            .filter(|k| {
                let tagmanifest = !k.contains('/')
                    && k.starts_with("tagmanifest-")
                    && (k.ends_with(".txt") || k.ends_with(".txt.minisig"));
                !tagmanifest && !listed.contains(*k)
            })
            .map(|k| {
                detail(
                    "signature.tag-uncovered",
                    Some(k),
                    format!("标签文件未列入已签名的 {signed}，不受签名保护 (not covered by the package signature)"),
                )
            })
            .collect()
    }

    /// The minisign signature over tagmanifest-sha256.txt, bound to this bundle,
    /// covering every tag file.
    fn package_signature(
        &self,
        signers: &mut BTreeSet<String>,
        package_signer: &mut Option<String>,
    ) -> Check {
        let (c, name) = (self.c, self.name);
        let mut d = Vec::new();
        if self.signed {
            let none = Reads::new(Vec::new());
            match self.verify_file("tagmanifest-sha256.txt", "tagmanifest-sha256.txt", &none) {
                Ok((id, v)) => {
                    if v.binding.as_ref().is_none_or(|b| b.paper != "tagmanifest") {
                        d.push(detail(
                            "signature.bound-elsewhere",
                            Some("tagmanifest-sha256.txt.minisig"),
                            format!(
                                "签名不是移交包标签清单的签名 (not a package signature)：{}",
                                v.trusted_comment
                            ),
                        ));
                    }
                    d.extend(self.uncovered_tag_files());
                    *package_signer = Some(id.clone());
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
        anjuan_check(
            0,
            d,
            "标签清单签名有效（覆盖 bag-info、清单与移交登记表）".into(),
        )
    }

    /// Every paper's `.minisig`; an unsigned paper in a signed bundle.
    fn paper_signatures(&self, w: &mut Walked, signers: &mut BTreeSet<String>) -> Check {
        let results = std::mem::take(&mut w.sigs);
        let mut d = Vec::new();
        let mut count = 0;
        for r in results {
            match r {
                Ok((id, bound)) => {
                    count += 1;
                    signers.insert(id);
                    d.extend(bound);
                }
                Err(e) => {
                    if e.code == "signature.invalid" {
                        count += 1;
                    }
                    d.push(e);
                }
            }
        }
        d.append(&mut w.unsigned);
        anjuan_check(
            1,
            d,
            format!(
                "{count} 份签名全部有效；所绑定的案件、文书、文件名与 SHA-256 与所在案卷、元数据及 PDF 元数据一致"
            ),
        )
    }

    /// 档号 format, dates, page counts, duplicates; catalogue ↔ case metadata.
    fn metadata_format(&self, w: &mut Walked, f: &mut RowFacts) -> Check {
        let mut d = self.a.csv_diffs.clone();
        if f.rows == 0 && self.a.rows == 0 {
            d.push(detail(
                "meta.no-items",
                Some("data/catalogue.json"),
                "目录中没有文件条目",
            ));
        } else if f.rows != self.a.rows {
            // (The rows are read again rather than held: a second read that
            // does not give what the first did is a finding, never a pass.)
            d.push(detail(
                "meta.catalogue-reread",
                Some("data/catalogue.json"),
                format!(
                    "目录再次读取得到 {} 条，初次读取为 {} 条 (catalogue.json read differently the second time)",
                    f.rows, self.a.rows
                ),
            ));
        }
        d.append(&mut f.formats);
        d.append(&mut w.meta_items);
        d.append(&mut f.repeated);
        d.append(&mut f.against);
        anjuan_check(
            2,
            d,
            format!(
                "{} 条目录的档号、日期、页数格式正确且无重复，与案卷元数据一致",
                f.rows
            ),
        )
    }

    /// One read of catalogue.json's rows for all the checks that look at
    /// them (see [`RowFacts`]); a second only if two rows' 档号 share a
    /// fingerprint, to count the 档号 that repeat by their text.
    fn row_facts(&self, w: &Walked) -> RowFacts {
        let (c, reads, cases) = (self.c, self.reads, &self.a.cases);
        // A PDF's pages: read before the walk, or as the walk found them.
        let pdf_pages = |loc: &str| -> Option<u64> {
            match reads.get(loc) {
                Some(r) => match r.pdf() {
                    Some(Ok(p)) => Some(p.pages as u64),
                    _ => None,
                },
                None => {
                    let fp = cases.fp(loc);
                    let i = w.pages.partition_point(|e| e.0 < fp);
                    w.pages.get(i).filter(|e| e.0 == fp).map(|e| e.1 as u64)
                }
            }
        };
        let mut f = RowFacts::default();
        let mut codes: Vec<u64> = Vec::with_capacity(self.a.rows);
        f.listed.reserve_exact(self.a.rows);
        // Each row's item by 档号 (the last item with it, as a map of all
        // items would keep): its case read again, one case kept at a time.
        let mut cached: Option<(u32, Vec<Item>)> = None;
        self.a.rows_each(c, &mut |r| {
            f.rows += 1;
            let code = r.code.str();
            codes.push(cases.fp(code));
            match ArchiveCode::parse(code) {
                Err(m) => f.formats.push(Detail {
                    code: "meta.code-format".into(),
                    item: Some(code.into()),
                    file: Some(r.location.str().into()),
                    message: format!("档号格式错误: {m}"),
                }),
                Ok(a) => f.series.entry(a.prefix()).or_default().push(a.item),
            }
            let date = r.date.str();
            let date_ok =
                date.len() == 8 && chrono::NaiveDate::parse_from_str(date, "%Y%m%d").is_ok();
            if !date_ok {
                f.formats.push(Detail {
                    code: "meta.date".into(),
                    item: Some(code.into()),
                    file: None,
                    message: format!("日期“{date}”应为 8 位有效日期 YYYYMMDD"),
                });
            }
            if r.pages.u64().is_none_or(|p| p == 0) {
                f.formats.push(Detail {
                    code: "meta.pages".into(),
                    item: Some(code.into()),
                    file: None,
                    message: "页数应为正整数".into(),
                });
            }
            let mut found = None;
            for &(_, case, i) in Cases::candidates(&cases.by_code, cases.fp(code))
                .iter()
                .rev()
            {
                if cached.as_ref().is_none_or(|(k, _)| *k != case) {
                    cached = Some((case, cases.load(c, case)));
                }
                let hit = cached
                    .as_ref()
                    .and_then(|(_, items)| items.get(i as usize))
                    .is_some_and(|it| it.code.str() == code);
                if hit {
                    found = Some((case, i));
                    break;
                }
            }
            let m = found.and_then(|(_, i)| cached.as_ref().and_then(|(_, v)| v.get(i as usize)));
            match m {
                None => f.against.push(Detail {
                    code: "meta.no-item-metadata".into(),
                    item: Some(code.into()),
                    file: Some(r.location.str().into()),
                    message: "目录条目在案卷 metadata.json 中没有对应元数据".into(),
                }),
                Some(m) => {
                    for (k, a, b) in [
                        ("题名", &m.title, &r.title),
                        ("存储位置", &m.location, &r.location),
                        ("责任者", &m.creator, &r.creator),
                        ("日期", &m.date, &r.date),
                        ("密级", &m.secrecy, &r.secrecy),
                    ] {
                        if a.str() != b.str() {
                            f.against.push(Detail {
                                code: "meta.inconsistent".into(),
                                item: Some(code.into()),
                                file: Some(r.location.str().into()),
                                message: format!("目录与 metadata.json 的{k}不一致"),
                            });
                        }
                    }
                }
            }
            let loc = r.location.str();
            f.pages += pdf_pages(loc).or(r.pages.u64()).unwrap_or(0);
            if !f.cases.contains(r.case.str()) {
                f.cases.insert(r.case.str().into());
            }
            if !c.files.contains_key(loc) {
                f.missing.push(Detail {
                    code: "content.missing-file".into(),
                    item: Some(code.into()),
                    file: Some(loc.into()),
                    message: "目录有条目而包内无此文件 (catalogue entry without a file)".into(),
                });
            }
            f.listed.push(cases.fp(loc));
        });
        f.listed.sort_unstable();
        f.listed.dedup();
        // 档号 that repeat: found by fingerprint, then counted by their text
        // (in the order they first appear).
        codes.sort_unstable();
        let mut twice: Vec<u64> = codes
            .windows(2)
            .filter(|p| p[0] == p[1])
            .map(|p| p[0])
            .collect();
        drop(codes);
        twice.dedup();
        if !twice.is_empty() {
            let mut counts: Vec<(String, usize)> = Vec::new();
            let mut at: HashMap<String, usize> = HashMap::new();
            self.a.rows_each(c, &mut |r| {
                let code = r.code.str();
                if twice.binary_search(&cases.fp(code)).is_ok() {
                    let i = *at.entry(code.to_string()).or_insert_with(|| {
                        counts.push((code.to_string(), 0));
                        counts.len() - 1
                    });
                    counts[i].1 += 1;
                }
            });
            for (code, k) in counts.into_iter().filter(|(_, k)| *k > 1) {
                f.repeated.push(Detail {
                    code: "meta.duplicate-code".into(),
                    item: Some(code),
                    file: None,
                    message: format!("档号重复 {k} 次"),
                });
            }
        }
        f
    }

    /// Each item's file name, size, page count and PDF/A level against its metadata.
    fn file_properties(&self, w: &mut Walked) -> Check {
        anjuan_check(
            3,
            std::mem::take(&mut w.props),
            format!("{} 件的文件名、大小、格式、页数与元数据一致", w.items),
        )
    }

    /// The package digest declared in handoff.json and on the printed form.
    fn handoff_digest(&self) -> Check {
        let (c, name) = (self.c, self.name);
        let none = Reads::new(Vec::new());
        let hex_of =
            |obj: &str, alg: &str| self.with_read(obj, &none, |r| r.and_then(|r| r.hex(alg)));
        let mut d = Vec::new();
        if !self.a.handoff.present {
            d.push(detail(
                "handoff.missing",
                Some(HANDOFF_JSON),
                "缺少移交登记表数据 (handoff.json)",
            ));
        } else {
            if self.a.handoff.name.str() != name {
                d.push(detail(
                    "handoff.name",
                    Some(HANDOFF_JSON),
                    format!("移交名称“{}”与包名 {name} 不符", self.a.handoff.name.str()),
                ));
            }
            for (obj, alg_f, value) in &self.a.handoff.digests {
                let (obj, value) = (obj.str(), value.str());
                let alg = match alg_f.str() {
                    "SHA-256" => "sha256",
                    "SM3" => "sm3",
                    _ => "",
                };
                let got = hex_of(obj, alg);
                match got {
                    Some(g) if g == value => {}
                    Some(g) => d.push(detail(
                        "handoff.digest",
                        Some(obj),
                        format!("移交登记表声明 {} {value}，实际 {g}", alg_f.str()),
                    )),
                    None => d.push(detail(
                        "handoff.digest",
                        Some(obj),
                        format!("无法计算 {} 的 {}", obj, alg_f.str()),
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
                    let form = pdf::keywords(&pdf);
                    for (key, obj) in [
                        ("sha256", "manifest-sha256.txt"),
                        ("sm3", "manifest-sm3.txt"),
                    ] {
                        let got = hex_of(obj, key);
                        if form.get(key) != got.as_ref() {
                            d.push(detail(
                                "handoff.form-digest",
                                Some(HANDOFF),
                                format!(
                                    "移交登记表（PDF）载明 {key}={}，{obj} 实际为 {}",
                                    form.get(key).map(String::as_str).unwrap_or("（未载明）"),
                                    got.as_deref().unwrap_or("（无法计算）")
                                ),
                            ));
                        }
                    }
                }
            }
        }
        anjuan_check(
            4,
            d,
            "移交登记表所列包摘要（清单的 SHA-256 与 SM3）与包内一致".into(),
        )
    }

    /// Cases, items, pages, files and bytes against the handoff declaration and bag-info.
    fn handoff_counts(&self, f: &RowFacts) -> Check {
        let (c, info) = (self.c, self.info);
        // The printed form carries the same figures in its XMP keywords.
        let form: Option<BTreeMap<String, String>> = match c.read_small(HANDOFF, 64 << 20) {
            Some(Ok(pdf)) => Some(pdf::keywords(&pdf)),
            _ => None,
        };
        let mut d = Vec::new();
        let payload: Vec<(&str, u64)> = c
            .files
            .iter()
            .filter(|(k, _)| k.starts_with("data/"))
            .map(|(k, i)| (k, i.size))
            .collect();
        let (pages, cases) = (f.pages, &f.cases);
        let actual: [(&str, &str, u64); 5] = [
            ("案件数", "Anjuan-Cases", cases.len() as u64),
            ("件数", "Anjuan-Items", f.rows as u64),
            ("页数", "Anjuan-Pages", pages),
            ("文件数", "", payload.len() as u64),
            ("数据量", "", payload.iter().map(|p| p.1).sum()),
        ];
        for (k, tag, v) in actual {
            match self.a.handoff.count(k) {
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
        if let Some(x) = self.a.count.u64() {
            if x != f.rows as u64 {
                d.push(detail(
                    "counts.catalogue",
                    Some("data/catalogue.json"),
                    format!("目录声明件数 {x}，实有条目 {}", f.rows),
                ));
            }
        }
        anjuan_check(
            5,
            d,
            format!(
                "案件 {}、件 {}、页 {pages}、文件 {} 与移交登记表一致",
                cases.len(),
                f.rows,
                payload.len()
            ),
        )
    }

    /// The DA/T 46 elements every item must have.
    fn required_metadata(&self, w: &mut Walked) -> Check {
        let d = std::mem::take(&mut w.required);
        anjuan_check(6, d, format!("{} 件的 DA/T 46 必备元数据齐全", w.items))
    }

    /// 件号 continuous and unique in each series (from 0001 in a year bundle), as declared.
    fn numbering(&self, f: &RowFacts) -> Check {
        let mut d = Vec::new();
        let series = &f.series;
        let year_scope = self.a.handoff.scope.str() == "year";
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
                } else if x < expect {
                    d.push(Detail {
                        code: "numbering.duplicate".into(),
                        item: Some(format!("{prefix}-{x:04}")),
                        file: None,
                        message: "件号重复 (duplicate item number)".into(),
                    });
                }
                expect = expect.max(x + 1);
            }
        }
        for (prefix, count) in &self.a.handoff.ranges {
            let prefix = prefix.str();
            let got = series.get(prefix).map(Vec::len).unwrap_or(0) as u64;
            if count.u64() != Some(got) {
                d.push(detail(
                    "numbering.declared",
                    Some(HANDOFF_JSON),
                    format!(
                        "{prefix} 声明 {} 件，包内 {got} 件",
                        count.u64().unwrap_or(0)
                    ),
                ));
            }
        }
        anjuan_check(
            7,
            d,
            format!("{} 个档号序列的件号连续、无重复", series.len()),
        )
    }

    /// A catalogue entry without a file; a file without a catalogue entry.
    fn content_files(&self, f: &RowFacts) -> Check {
        let (c, cases) = (self.c, &self.a.cases);
        let mut d = f.missing.clone();
        // Listed: a row's 存储位置 has the file's fingerprint (keyed afresh
        // each run).
        let listed = |k: &str| f.listed.binary_search(&cases.fp(k)).is_ok();
        let case_folders: BTreeSet<&str> = self.a.cases.folders.iter().map(|f| &**f).collect();
        for k in c.files.keys() {
            let Some(rest) = k.strip_prefix("data/") else {
                continue;
            };
            let Some((folder, file)) = rest.split_once('/') else {
                continue;
            };
            let paper_file = k.ends_with(".pdf") || is_image_name(k);
            if !paper_file || DOSSIER_SHEETS.contains(&file) || listed(k) {
                continue;
            }
            let why = if case_folders.contains(folder) {
                "包内文件在目录中没有条目 (file without a catalogue entry)"
            } else {
                "不属于任何案卷的文件 (file outside every dossier)"
            };
            d.push(detail("content.unlisted-file", Some(k), why));
        }
        anjuan_check(8, d, format!("目录 {} 条与包内文件一一对应", f.rows))
    }

    /// Every paper that must be served has a delivery receipt naming its 档号.
    fn receipts(&self, w: &mut Walked) -> Check {
        let mut d = std::mem::take(&mut w.receipts_missing);
        d.append(&mut w.receipts_dangling);
        anjuan_check(9, d, format!("{} 份需送达文书均有送达回证", w.must_serve))
    }

    /// Every PDF opens, has pages, declares PDF/A and passes the structural
    /// checks of [`pdf::facts`] (not full PDF/A conformance: that takes a
    /// validator such as veraPDF).
    fn formats(&self, w: &mut Walked, no_encryption: &mut Vec<Detail>) -> Check {
        let mut d = Vec::new();
        for part in &mut w.formats {
            d.append(part);
        }
        no_encryption.append(&mut w.encrypted);
        let (pdfs, levels) = (w.pdfs, &w.levels);
        d.sort_by(|a, b| a.file.cmp(&b.file));
        let levels: Vec<String> = levels
            .iter()
            .filter(|l| !l.is_empty())
            .map(|l| format!("PDF/A-{l}"))
            .collect();
        anjuan_check(
            10,
            d,
            format!(
                "{pdfs} 份 PDF 均可打开，声明 {}；每份 {} 项结构检查通过（{}）；完整 PDF/A 符合性需用 veraPDF 等验证器 (not a conformance check)",
                levels.join("、"),
                pdf::STRUCTURAL_CHECKS.len(),
                pdf::STRUCTURAL_CHECKS.join("、"),
            ),
        )
    }
}

impl Ctx<'_> {
    /// Received PDFs that are not PDF/A: kept as received (they are not the
    /// office's to convert), with a warning that they are less fit for long-term
    /// keeping.
    fn received_formats(&self, w: &mut Walked) -> Check {
        let (d, n) = (std::mem::take(&mut w.received_warn), w.received);
        let mut c = anjuan_check(
            11,
            d,
            format!("{n} 件接收的原件与来件按原样保存，格式可打开"),
        );
        if c.status == super::report::Status::Fail {
            c.status = super::report::Status::Warn;
        }
        c
    }
}

impl Ctx<'_> {
    /// One walk over the bag's files in name order, a folder under `data/` at
    /// a time: the cases whose metadata.json lies there, and the cases the
    /// folder's files are filed under, are read; their items checked; the
    /// folder's paper signatures verified (in parallel) and its files' formats
    /// judged; then all of it is dropped. What each check reports is kept in
    /// the order it reports it.
    fn walk(&self, on_read: &mut (dyn FnMut(&str, &Read) + Send)) -> Walked {
        let c = self.c;
        let mut w = Walked::default();
        let mut keys = c.files.keys().peekable();
        let mut next_case = 0u32;
        // The folders come in batches of a few hundred files: a batch is read
        // (in parallel) while the one before it is checked, so that both
        // cores stay busy and no more than two batches are held.
        let mut next_batch = || {
            let mut batch: Vec<Vec<&str>> = Vec::new();
            let mut files = 0;
            while files < WALK_BATCH {
                let Some(first) = keys.next() else { break };
                let g = group_of(first);
                let mut group = vec![first];
                while let Some(&k) = keys.peek() {
                    if g.is_none() || group_of(k) != g {
                        break;
                    }
                    group.push(k);
                    keys.next();
                }
                files += group.len();
                batch.push(group);
            }
            batch
        };
        let mut batch = next_batch();
        let mut read = self.read_batch(&batch);
        while !batch.is_empty() {
            let following = next_batch();
            let (next_read, ()) = rayon::join(
                || self.read_batch(&following),
                || self.check_batch(&batch, read, &mut w, &mut next_case, on_read),
            );
            (batch, read) = (following, next_read);
        }
        w.pages.sort_unstable();
        w
    }

    /// Reads the files of a batch's folders under `data/` (the files outside
    /// them were read before the walk).
    fn read_batch<'k>(&self, batch: &[Vec<&'k str>]) -> Vec<(&'k str, Read)> {
        let files: Vec<&'k str> = batch
            .iter()
            .filter(|g| g.first().is_some_and(|k| group_of(k).is_some()))
            .flatten()
            .copied()
            .collect();
        files
            .par_iter()
            .filter_map(|k| Some((*k, (self.read)(k)?)))
            .collect()
    }

    /// Checks a batch of folders, in order, with what reading their files
    /// gave (each read handed to `on_read` first).
    fn check_batch(
        &self,
        batch: &[Vec<&str>],
        read: Vec<(&str, Read)>,
        w: &mut Walked,
        next_case: &mut u32,
        on_read: &mut (dyn FnMut(&str, &Read) + Send),
    ) {
        let (c, cases) = (self.c, &self.a.cases);
        for (k, r) in &read {
            on_read(k, r);
            if let Some(Ok(p)) = r.pdf() {
                w.pages.push((cases.fp(k), p.pages as u32));
            }
        }
        let greads = Reads::new(read);
        for group in batch {
            // The cases to read: those whose metadata.json is here, and any
            // a file here (or the file a signature here is for) is filed under.
            let mut own = Vec::new();
            let mut need = Vec::new();
            for k in group {
                if metadata_folder(k).is_some() {
                    own.push(*next_case);
                    need.push(*next_case);
                    *next_case += 1;
                }
                for f in [k, k.trim_end_matches(".minisig")] {
                    need.extend(
                        Cases::candidates(&cases.by_loc, cases.fp(f))
                            .iter()
                            .map(|e| e.1),
                    );
                }
            }
            need.sort_unstable();
            need.dedup();
            let loaded: Loaded = need.into_iter().map(|k| (k, cases.load(c, k))).collect();
            for case in &own {
                if let Some((_, items)) = loaded.iter().find(|(k, _)| k == case) {
                    for it in items {
                        self.item_checks(it, w, &greads);
                    }
                }
            }
            let sigs: Vec<&str> = group
                .iter()
                .copied()
                .filter(|k| k.starts_with("data/") && k.ends_with(".minisig"))
                .collect();
            if !sigs.is_empty() {
                let results: Vec<_> = sigs
                    .par_iter()
                    .map(|k| self.one_signature(k, &loaded, &greads))
                    .collect();
                w.sigs.extend(results);
            }
            for k in group {
                if let Some(r) = greads.get(k).or_else(|| self.reads.get(k)) {
                    self.file_format(k, r, &loaded, w);
                }
            }
        }
    }

    /// The item filed at `file` (the last, as a map of all items would keep
    /// it), among the cases read for its folder.
    fn item_at<'x>(&self, file: &str, loaded: &'x Loaded) -> Option<&'x Item> {
        let cases = &self.a.cases;
        Cases::candidates(&cases.by_loc, cases.fp(file))
            .iter()
            .rev()
            .find_map(|&(_, case, i)| {
                loaded
                    .iter()
                    .find(|(k, _)| *k == case)?
                    .1
                    .get(i as usize)
                    .filter(|it| it.location.str() == file)
            })
    }

    /// A paper signature `k` (a `.minisig` under `data/`): valid, and bound to
    /// what its paper is.
    fn one_signature(
        &self,
        k: &str,
        loaded: &Loaded,
        group: &Reads,
    ) -> Result<(String, Vec<Detail>), Detail> {
        let file = k.trim_end_matches(".minisig");
        let base = file.rsplit('/').next().unwrap_or(file);
        if !self.c.files.contains_key(file) {
            return Err(self.with_item(detail(
                "signature.orphan",
                Some(k),
                "签名所对应的文件不存在",
            )));
        }
        match self.verify_file(file, base, group) {
            Ok((id, v)) => Ok((
                id,
                self.binding_details(file, &v, self.item_at(file, loaded), group),
            )),
            Err(m) => Err(self.with_item(detail("signature.invalid", Some(file), m))),
        }
    }

    /// What the checks say of one item of a case's metadata.json.
    fn item_checks(&self, it: &Item, w: &mut Walked, group: &Reads) {
        let c = self.c;
        w.items += 1;
        let code = it.code.str();
        let loc = it.location.str();
        let received = is_received(it);
        // An unsigned paper in a signed bundle.
        if self.signed
            && !received
            && (matches!(it.signature, Signature::Absent)
                || !c.files.contains_key(&format!("{loc}.minisig")))
        {
            w.unsigned.push(Detail {
                code: "signature.missing".into(),
                item: Some(code.into()),
                file: Some(loc.into()),
                message: "文件未签名 (unsigned paper)".into(),
            });
        }
        // 密级 from the GB/T 7156 terms, or blank; 签名时间 a date-time with zone
        // (a bare date from signatures made before anjuan recorded times), the same
        // as the time the signature's trusted comment carries.
        let secrecy = it.secrecy.str();
        if !secrecy.is_empty()
            && !crate::case::model::Classification::ALL
                .iter()
                .any(|c| c.zh() == secrecy)
        {
            w.meta_items.push(Detail {
                code: "meta.classification".into(),
                item: Some(code.into()),
                file: None,
                message: format!("密级“{secrecy}”应为 公开、内部、秘密、机密、绝密 之一或空"),
            });
        }
        if let Signature::Object { time, comment } = &it.signature {
            let time = time.str();
            let bare_date = chrono::NaiveDate::parse_from_str(time, "%Y-%m-%d").is_ok();
            if !sign::is_signing_time(time) && !bare_date {
                w.meta_items.push(Detail {
                    code: "meta.signing-time".into(),
                    item: Some(code.into()),
                    file: None,
                    message: format!(
                        "签名时间“{time}”应为带时区的日期时间，如 2026-07-10T09:30:00+08:00"
                    ),
                });
            }
            if let Some(t) = sign::Binding::parse(comment.str()).and_then(|b| b.time) {
                if t != time {
                    w.meta_items.push(Detail {
                        code: "meta.signing-time".into(),
                        item: Some(code.into()),
                        file: None,
                        message: format!("签名时间“{time}”与签名可信注释中的 {t} 不一致"),
                    });
                }
            }
        }
        // The file's name, size, pages and PDF/A level against the item.
        let item_d = |code_: &str, m: String| Detail {
            code: code_.into(),
            item: Some(code.into()),
            file: Some(loc.into()),
            message: m,
        };
        if let Some(f) = c.files.get(loc) {
            if it.size.u64() != Some(f.size) {
                w.props.push(item_d(
                    "props.size",
                    format!(
                        "元数据记录 {} 字节，文件 {} 字节",
                        it.size.u64().unwrap_or(0),
                        f.size
                    ),
                ));
            }
            if loc.rsplit('/').next() != Some(it.file_name.str()) {
                w.props.push(item_d(
                    "props.name",
                    format!("计算机文件名“{}”与存储位置不符", it.file_name.str()),
                ));
            }
            self.with_read(loc, group, |r| {
                // The pages the metadata records against those the file has.
                let pages = |actual: usize, has: &str| {
                    (it.pages.u64() != Some(actual as u64)).then(|| {
                        item_d(
                            "props.pages",
                            format!(
                                "元数据记录 {} 页，{has} {actual} 页",
                                it.pages.u64().unwrap_or(0)
                            ),
                        )
                    })
                };
                if let Some(Ok(img)) = r.and_then(|r| r.image()) {
                    w.props.extend(pages(img.pages, "图像文件为"));
                }
                if let Some(Ok(pdf)) = r.and_then(|r| r.pdf()) {
                    w.props.extend(pages(pdf.pages, "文件实有"));
                    let fmt = it.format.str();
                    let want = fmt.strip_prefix("PDF/A-").map(|v| v.to_ascii_uppercase());
                    if want.is_some() && want != pdf.pdfa {
                        w.props.push(item_d(
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
            });
        }
        // The DA/T 46 elements.
        let mut missing: Vec<&str> = it.missing();
        if !it.actions {
            missing.push("业务行为");
        }
        if !missing.is_empty() {
            w.required.push(Detail {
                code: "meta.required".into(),
                item: Some(code.into()),
                file: Some(loc.into()),
                message: format!("缺少必备元数据: {}", missing.join("、")),
            });
        }
        // Delivery receipts: a served paper's 档号 named by a receipt (by
        // fingerprint), a receipt's paper in the bundle.
        let cases = &self.a.cases;
        if it.must_serve.bool() == Some(true) {
            w.must_serve += 1;
            if cases.served.binary_search(&cases.fp(code)).is_err() {
                w.receipts_missing.push(Detail {
                    code: "receipts.missing".into(),
                    item: Some(code.into()),
                    file: Some(loc.into()),
                    message: format!(
                        "{}已送达却无送达回证 (served paper without a delivery receipt)",
                        it.title.str()
                    ),
                });
            }
        }
        if let Some(target) = it.serves.as_str() {
            if !cases.has_code(target) {
                w.receipts_dangling.push(Detail {
                    code: "receipts.dangling".into(),
                    item: Some(code.into()),
                    file: Some(loc.into()),
                    message: format!("送达回证所指文书 {target} 不在包内"),
                });
            }
        }
        // A received item's format; a received PDF that is not PDF/A.
        if received {
            let accepted = loc.ends_with(".pdf") || is_image_name(loc);
            if !accepted && c.files.contains_key(loc) {
                w.formats[3].push(self.with_item(detail(
                    "format.received-unsupported",
                    Some(loc),
                    "接收的文件须为 PDF、JPEG、PNG 或 TIFF (unsupported format)",
                )));
            }
            w.received += 1;
            self.with_read(loc, group, |r| {
                if let Some(Ok(pdf)) = r.and_then(|r| r.pdf()) {
                    if pdf.pdfa.is_none() {
                        w.received_warn.push(self.with_item(detail(
                            "usability.received-format",
                            Some(loc),
                            "接收的 PDF 不是 PDF/A，按原样保存；长期保存宜另存 PDF/A 副本 (received PDF is not PDF/A)",
                        )));
                    }
                }
            });
        }
    }

    /// One file's format: a PDF opens, has pages and passes the structural
    /// checks; an image is a received item's and what it says it is.
    fn file_format(&self, k: &str, r: &super::basis::Read, loaded: &Loaded, w: &mut Walked) {
        if let Some(p) = r.pdf() {
            w.pdfs += 1;
            match p {
                Err(m) => w.formats[0].push(self.with_item(detail(
                    "format.unreadable",
                    Some(k),
                    m.clone(),
                ))),
                Ok(f) => {
                    if f.pages == 0 && !f.encrypted {
                        w.formats[0].push(self.with_item(detail(
                            "format.no-pages",
                            Some(k),
                            "PDF 没有页面",
                        )));
                    }
                    let received = self.item_at(k, loaded).is_some_and(is_received);
                    if !received && !w.levels.contains(f.pdfa.as_deref().unwrap_or("")) {
                        w.levels.insert(f.pdfa.clone().unwrap_or_default());
                    }
                    for x in &f.findings {
                        // A received PDF need not be PDF/A: reported by
                        // `received_formats` as a warning.
                        if received && matches!(x.code, "pdf.no-pdfa-id" | "pdf.no-output-intent") {
                            continue;
                        }
                        let x = self.with_item(detail(x.code, Some(k), x.message.clone()));
                        if x.code == "pdf.encrypted" {
                            w.encrypted.push(x);
                        } else {
                            w.formats[0].push(x);
                        }
                    }
                }
            }
        }
        if k.ends_with(".pdf")
            && r.pdf().is_none()
            && r.error().is_none()
            && self.c.files.get(k).is_some_and(|f| f.size > 256 << 20)
        {
            w.formats[1].push(detail(
                "format.too-large",
                Some(k),
                "PDF 超过 256 MB，未打开检查",
            ));
        }
        // Images: only as received items, and they must be what they say.
        if let Some(img) = r.image() {
            match self.item_at(k, loaded) {
                Some(it) if is_received(it) => match img {
                    Err(m) => w.formats[2].push(self.with_item(detail(
                        "format.unreadable",
                        Some(k),
                        m.clone(),
                    ))),
                    Ok(x) if x.format.label() != it.format.str() => {
                        w.formats[2].push(self.with_item(detail(
                            "format.mismatch",
                            Some(k),
                            format!(
                                "文件是 {}，元数据格式信息为“{}”",
                                x.format.label(),
                                it.format.str()
                            ),
                        )))
                    }
                    Ok(_) => {}
                },
                Some(_) => w.formats[2].push(self.with_item(detail(
                    "format.not-received",
                    Some(k),
                    "图像文件只能是接收的原件或来件（元数据 来源 = 接收）；本机关文书应为 PDF/A",
                ))),
                None => {}
            }
        }
    }
}

/// The details of [`super::profile::zip_profile_marks`], and of an archive comment (a zip
/// without entries has none).
fn zip_profile(marks: Option<&[(Box<str>, u8)]>, comment_len: usize, out: &mut Vec<Detail>) {
    let Some(marks) = marks else {
        return;
    };
    for (name, wrong) in marks {
        let wrong: Vec<&str> = PROFILE_WRONG
            .iter()
            .enumerate()
            .filter(|(i, _)| wrong & (1 << i) != 0)
            .map(|(_, w)| *w)
            .collect();
        out.push(detail(
            "structure.zip-profile",
            Some(name),
            format!(
                "压缩条目的{}不是 anjuan 写出的样式 (not as packed)",
                wrong.join("、")
            ),
        ));
    }
    if comment_len != 0 {
        out.push(detail(
            "structure.zip-profile",
            None,
            "压缩包带注释 (archive comment)",
        ));
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn profile_of(bytes: &[u8]) -> Vec<Detail> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("z.zip");
        std::fs::write(&p, bytes).unwrap();
        let f = std::fs::File::open(&p).unwrap();
        let a = super::super::zipread::open(&f, &Default::default()).unwrap();
        let mut out = Vec::new();
        zip_profile(
            super::super::profile::zip_profile_marks(&a.entries).as_deref(),
            a.comment_len,
            &mut out,
        );
        out
    }

    fn zip_crate(large_file: bool) -> Vec<u8> {
        let when = zip::DateTime::from_date_and_time(2026, 12, 31, 0, 0, 0).unwrap();
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (n, b) in [("t/a.txt", &b"a"[..]), ("t/b.txt", b"b")] {
            let o = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .last_modified_time(when)
                .unix_permissions(0o644)
                .large_file(large_file && n == "t/b.txt");
            z.start_file(n, o).unwrap();
            z.write_all(b).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    /// A ZIP64 field where nothing overflows (with version 4.5) is not anjuan's
    /// profile; the same entries without it are.
    #[test]
    fn zip64_only_where_needed() {
        assert!(profile_of(&zip_crate(false)).is_empty());
        let found = profile_of(&zip_crate(true));
        assert_eq!(found.len(), 1, "{found:?}");
        let d = format!("{:?}", found[0]);
        assert!(
            d.contains("t/b.txt") && d.contains("扩展字段") && d.contains("版本"),
            "{d}"
        );
    }
}
