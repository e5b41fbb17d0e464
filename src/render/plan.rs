//! The document plan: which papers a case's stage calls for, in what order, with
//! what numbers, file names and template context.

use serde_json::{json, Value};

use crate::case::date::Date;
use crate::case::model::{Case, Decision, DocNo, Paper};
use crate::config::Config;

pub use crate::case::kind::Kind;

/// One paper to render for one case.
#[derive(Clone, Debug)]
pub struct Job {
    pub kind: Kind,
    /// Position in the case's output folder, from 1.
    pub seq: usize,
    /// `03-处理意见书.pdf`.
    pub file_name: String,
    /// The printed title (also the PDF title).
    pub title: String,
    /// The full document number, if the paper has one.
    pub number: Option<String>,
    /// The paper's date (its `today()` and PDF timestamp).
    pub date: Date,
    /// For a delivery receipt: which delivery.
    pub delivery: Option<usize>,
    /// For an incoming paper: which `[[incoming]]` entry.
    pub incoming: Option<usize>,
}

/// The full number of a paper: a serial under the office's issuer code, or as written.
pub fn full_number(cfg: &Config, paper: Paper, doc: Option<&DocNo>, date: Date) -> Option<String> {
    match doc? {
        DocNo::Full(s) => Some(s.clone()),
        DocNo::Serial(n) => cfg
            .doc_number(paper, date.year(), *n)
            .or_else(|| Some(format!("〔{}〕{}号", date.year(), n))),
    }
}

/// The papers the case's record calls for, in procedure order, each served paper
/// followed by its delivery receipts; the dossier papers last (closed cases only).
pub fn plan(case: &Case, cfg: &Config) -> Vec<Job> {
    let mut jobs: Vec<Job> = Vec::new();
    let mut push =
        |kind: Kind, title: String, number: Option<String>, date: Date, delivery: Option<usize>| {
            jobs.push(Job {
                kind,
                seq: 0,
                file_name: String::new(),
                title,
                number,
                date,
                delivery,
                incoming: None,
            });
        };
    let mut main: Vec<(Kind, String, Option<String>, Date)> = Vec::new();
    if let (true, Some(a)) = (case.arrival.channel.from_above(), &case.arrival.assignment) {
        main.push((
            Kind::AssignmentSlip,
            "信访事项交办单".into(),
            Some(a.number.clone()),
            a.date,
        ));
    }
    if let Some(a) = &case.acceptance {
        let (kind, paper, title) = match a.decision {
            Decision::Accept => (
                Kind::AcceptNotice,
                Paper::AcceptNotice,
                "信访事项受理告知书",
            ),
            Decision::Refuse => (
                Kind::RefuseNotice,
                Paper::RefuseNotice,
                "信访事项不予受理告知书",
            ),
        };
        main.push((
            kind,
            title.into(),
            full_number(cfg, paper, a.doc_no.as_ref(), a.date),
            a.date,
        ));
    }
    // An extension is a step of its own: its notice is rendered (and served) while
    // the case is still being handled, wherever the file records it.
    if let Some(e) = case.extension() {
        main.push((
            Kind::ExtensionNotice,
            "信访事项延期办理告知书".into(),
            full_number(cfg, Paper::ExtensionNotice, e.doc_no, e.notified_on),
            e.notified_on,
        ));
    }
    if let Some(hr) = &case.hearing {
        main.push((
            Kind::HearingRecord,
            "信访事项听证笔录".into(),
            None,
            hr.start.date(),
        ));
    }
    if let Some(s) = &case.settlement {
        main.push((
            Kind::Agreement,
            format!("{}协议书", s.kind.zh()),
            full_number(cfg, Paper::Agreement, s.doc_no.as_ref(), s.date),
            s.date,
        ));
    }
    // A drafted opinion awaiting the leader's sign-off (待审签) is not a paper yet:
    // `check` says so, and the opinion is made once it is signed off.
    if let Some(h) = case.handling.as_ref().filter(|h| h.signed_off()) {
        main.push((
            Kind::Opinion,
            "信访事项处理意见书".into(),
            full_number(cfg, Paper::Opinion, h.doc_no.as_ref(), h.date),
            h.date,
        ));
    }
    if let Some(r) = &case.report_back {
        main.push((
            Kind::ReportBack,
            "信访事项办理情况报告".into(),
            full_number(cfg, Paper::ReportBack, r.doc_no.as_ref(), r.date),
            r.date,
        ));
    }
    if let Some((r, d)) = case.review.as_ref().and_then(|r| r.date.map(|d| (r, d))) {
        main.push((
            Kind::ReviewOpinion,
            "信访事项复查意见书".into(),
            r.doc_no.clone(),
            d,
        ));
    }
    if let Some((r, d)) = case.re_review.as_ref().and_then(|r| r.date.map(|d| (r, d))) {
        main.push((
            Kind::ReReviewOpinion,
            "信访事项复核意见书".into(),
            r.doc_no.clone(),
            d,
        ));
    }
    // The registration form, for every case. It files with the incoming papers
    // ([archive] order); in the case's folder it comes after the procedure's
    // papers, so that their file names do not change with it.
    main.push((
        Kind::RegistrationForm,
        "信访事项登记表".into(),
        None,
        case.arrival.received,
    ));
    for (kind, title, number, date) in main {
        push(kind, title, number, date, None);
        if let Some(paper) = kind.served_paper() {
            for (i, d) in case
                .deliveries
                .iter()
                .enumerate()
                .filter(|(_, d)| d.paper == paper)
            {
                push(
                    Kind::DeliveryReceipt,
                    "送达回证".into(),
                    None,
                    d.time.date(),
                    Some(i),
                );
            }
        }
    }
    if let Some(close) = &case.close {
        for kind in [Kind::Contents, Kind::Notes, Kind::Cover] {
            push(kind, kind.name().into(), None, close.date, None);
        }
    }
    // Sequence numbers and readable, stable file names.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, job) in jobs.iter_mut().enumerate() {
        job.seq = i + 1;
        let base = match job.delivery {
            Some(d) => format!("送达回证（{}）", case.deliveries[d].paper.zh()),
            None => job.kind.name().to_string(),
        };
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        let name = if *n > 1 { format!("{base}-{n}") } else { base };
        job.file_name = format!("{:02}-{}.pdf", job.seq, name);
    }
    jobs
}

/// The jobs of a case's dossier: the plan's papers, then one per incoming paper
/// (`[[incoming]]`, received files, numbered after the plan's papers). Dossier
/// sheets are kept (the caller filters them).
pub fn dossier_jobs(case: &Case, cfg: &Config) -> Vec<Job> {
    let mut jobs = plan(case, cfg);
    // Numbered after the case's papers (the dossier sheets are filed unnumbered).
    let mut seq = jobs.iter().filter(|j| !j.kind.is_dossier()).count();
    for (i, x) in case.incoming.iter().enumerate() {
        seq += 1;
        let date = x.date.unwrap_or(case.arrival.received);
        let name = x.kind.zh();
        let ext = std::path::Path::new(&x.file)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        jobs.push(Job {
            kind: Kind::Incoming,
            seq,
            file_name: format!("{seq:02}-{name}.{ext}"),
            title: x.title.clone().unwrap_or_else(|| name.to_string()),
            number: None,
            date,
            delivery: None,
            incoming: Some(i),
        });
    }
    jobs
}

/// The received original of a paper of another body, or of an incoming paper:
/// the field it is named in and the path as written.
pub fn original_of<'a>(case: &'a Case, job: &Job) -> Option<(&'static str, Option<&'a str>)> {
    let f = match job.kind {
        Kind::AssignmentSlip => (
            "arrival.assignment.original",
            case.arrival
                .assignment
                .as_ref()
                .and_then(|a| a.original.as_deref()),
        ),
        Kind::ReviewOpinion => (
            "review.original",
            case.review.as_ref().and_then(|a| a.original.as_deref()),
        ),
        Kind::ReReviewOpinion => (
            "re_review.original",
            case.re_review.as_ref().and_then(|a| a.original.as_deref()),
        ),
        Kind::Incoming => (
            "incoming.file",
            job.incoming
                .and_then(|i| case.incoming.get(i))
                .map(|x| x.file.as_str()),
        ),
        _ => return None,
    };
    Some(f)
}

/// The case's papers in filing order (DOMAIN §5): each paper with the delivery
/// receipts that follow it, the groups sorted by the paper's place in `order`
/// (names of papers, `[archive] order`); kinds not listed keep their procedure
/// order after the listed ones. Dossier papers are left out.
pub fn filing_order<'a>(jobs: &'a [Job], order: &[String]) -> Vec<&'a Job> {
    let mut groups: Vec<Vec<&Job>> = Vec::new();
    for j in jobs.iter().filter(|j| !j.kind.is_dossier()) {
        match groups.last_mut() {
            Some(g) if j.kind == Kind::DeliveryReceipt => g.push(j),
            _ => groups.push(vec![j]),
        }
    }
    let rank = |k: Kind| {
        order
            .iter()
            .position(|n| Kind::parse(n) == Some(k))
            .unwrap_or(usize::MAX)
    };
    groups.sort_by_key(|g| rank(g[0].kind));
    groups.into_iter().flatten().collect()
}

/// 题名 of a paper in a catalogue: its title, or a self-made title in [ ].
pub fn catalogue_title(case: &Case, job: &Job) -> String {
    match job.delivery {
        Some(d) => format!("[{}送达回证]", case.deliveries[d].paper.zh()),
        None if job.kind == Kind::RegistrationForm => format!("[{}]", job.title),
        None => job.title.clone(),
    }
}

/// The addressee of the case's papers: `王喆`, `王喆、刘堃`, or for a collective
/// case its representatives, every one of them (at most five by 第二十条), and the
/// headcount: `朱根土、周淼、楼建国、王秀英、钟国华等37人`. Without representatives
/// a collective case names its first two petitioners.
pub fn addressee(case: &Case) -> String {
    let reps: Vec<&str> = case
        .petitioners
        .iter()
        .filter(|p| p.representative)
        .map(|p| p.name.as_str())
        .collect();
    let has_reps = !reps.is_empty();
    let names: Vec<&str> = if !has_reps {
        case.petitioners.iter().map(|p| p.name.as_str()).collect()
    } else {
        reps
    };
    match &case.collective {
        Some(c) if c.headcount as usize > names.len() => {
            let named = if has_reps { names.len() } else { 2 };
            format!(
                "{}等{}人",
                names
                    .iter()
                    .take(named)
                    .copied()
                    .collect::<Vec<_>>()
                    .join("、"),
                c.headcount
            )
        }
        _ => names.join("、"),
    }
}

/// How the papers address the petitioner: 你 for one person, 你们 for several
/// petitioners or a collective case. Never the blank-form 你（你们）.
pub fn you(case: &Case) -> &'static str {
    if case.petitioners.len() > 1 || case.collective.is_some() {
        "你们"
    } else {
        "你"
    }
}

/// The petitioner's own channel (来信, 网上…): for a case assigned or transferred from
/// above, the one the assigning body's slip names; `None` when the record does not say.
pub fn channel(case: &Case) -> Option<&'static str> {
    let a = &case.arrival;
    if a.channel.from_above() {
        a.assignment
            .as_ref()
            .and_then(|x| x.channel)
            .filter(|c| !c.from_above())
            .map(|c| c.zh())
    } else {
        Some(a.channel.zh())
    }
}

/// The dossier title: the case's own, or `{first petitioner}反映{summary}问题`.
pub fn dossier_title(case: &Case) -> String {
    if let Some(t) = &case.title {
        return t.clone();
    }
    let who = addressee(case);
    let what: String = case.matter.summary.chars().take(24).collect();
    format!("{who}信访事项（{what}）")
}

/// 密级 of a case's papers: its own, or the office's `[archive] classification`; blank
/// when neither is set (no classification mark, DA/T 22).
pub fn classification(case: &Case, cfg: &Config) -> &'static str {
    case.classification
        .or(cfg.archive.classification)
        .map(|c| c.zh())
        .unwrap_or("")
}

/// The template context shared by every paper of a case.
pub fn base_context(case: &Case, cfg: &Config, seal: Option<&str>) -> Value {
    let num = |paper, doc: Option<&DocNo>, date| full_number(cfg, paper, doc, date);
    let decisions: Vec<Value> = case
        .handling
        .iter()
        .flat_map(|h| h.decisions.iter())
        .map(|d| {
            json!({
                "n": d.request,
                "request": case.matter.requests.get((d.request as usize).saturating_sub(1)).cloned().unwrap_or_default(),
                "outcome": d.outcome.zh(),
                "reason": d.reason,
            })
        })
        .collect();
    let numbers = json!({
        "accept": case.acceptance.as_ref().and_then(|a| {
            let p = if a.decision == Decision::Accept { Paper::AcceptNotice } else { Paper::RefuseNotice };
            num(p, a.doc_no.as_ref(), a.date)
        }),
        "extension": case.extension().and_then(|e| num(Paper::ExtensionNotice, e.doc_no, e.notified_on)),
        "opinion": case.handling.as_ref().and_then(|h| num(Paper::Opinion, h.doc_no.as_ref(), h.date)),
        "agreement": case.settlement.as_ref().and_then(|s| num(Paper::Agreement, s.doc_no.as_ref(), s.date)),
        "report_back": case.report_back.as_ref().and_then(|r| num(Paper::ReportBack, r.doc_no.as_ref(), r.date)),
        "review": case.review.as_ref().and_then(|r| r.doc_no.clone()),
        "re_review": case.re_review.as_ref().and_then(|r| r.doc_no.clone()),
    });
    // The provisions each decision rests on, as one list for `根据……的规定`: the
    // office's citation table first, then the case's own bases (case::law).
    let law = &cfg.citations;
    let cite = |table: &str, own: &[String]| {
        crate::case::law::join_citations(&crate::case::law::citations([table], own))
    };
    let bases = json!({
        "refusal": case.acceptance.as_ref().map(|a| cite(
            law.refusal(a.reason_kind),
            &a.legal_basis.iter().cloned().collect::<Vec<_>>(),
        )),
        "opinion": case.handling.as_ref().map(|h| cite(&law.opinion, &h.legal_basis)),
        "review": case.review.as_ref().map(|r| cite(&law.review, &r.legal_basis)),
        "re_review": case.re_review.as_ref().map(|r| cite(&law.re_review, &r.legal_basis)),
    });
    let o = &cfg.office;
    json!({
        "office": {
            "name": o.name,
            "address": o.address,
            "postcode": o.postcode,
            "phone": o.phone,
            "contact": o.contact,
            "parent": o.parent,
            "fonds": o.fonds,
            "code": o.code,
            "head": cfg.signers.head,
            "head_title": cfg.signers.head_title,
            "archivist": cfg.signers.archivist,
            "checker": cfg.signers.checker,
        },
        "case": case,
        "seal": seal,
        "addressee": addressee(case),
        "you": you(case),
        // The petitioners' names, for the wording filters (a record may open `王喆称…`).
        "names": case.petitioners.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        // The citation table, entry by entry (`law.accept`…), and the joined bases.
        "law": law.context(),
        "bases": bases,
        "channel": channel(case),
        // The approved extension, wherever the file records it (`[extension]`, or
        // the older `[handling.extension]`): days, approved_by, approved_on, reason,
        // notified_on, doc_no.
        "extension": case.extension(),
        // 登记人 of the registration form: the record's, else the office contact.
        "registrar": case.arrival.registered_by.clone().or_else(|| o.contact.clone()),
        "dossier_title": dossier_title(case),
        "classification": classification(case, cfg),
        "decisions": decisions,
        "numbers": numbers,
        "retention": case.retention.unwrap_or_else(|| cfg.retention_for(&case.matter.category, case.collective.is_some())).zh(),
        // The statutory limits on the office's calendar, by step id (`handling`…).
        "due": crate::case::deadline::timeline(case, &cfg.calendar())
            .into_iter()
            .map(|s| (s.id.to_string(), json!(s.due)))
            .collect::<serde_json::Map<String, Value>>(),
        // When each paper was first served (signed-for date for mail), by the paper's
        // English name with underscores (Tera cannot index by a non-ASCII key).
        "served": crate::case::model::Paper::ALL
            .iter()
            .filter_map(|p| crate::case::deadline::served_on(case, *p).map(|d| (p.en().replace('-', "_"), json!(d))))
            .collect::<serde_json::Map<String, Value>>(),
    })
}

/// The context of one paper: the base plus `paper` (and `delivery` for receipts).
pub fn job_context(
    base: &Value,
    case: &Case,
    job: &Job,
    jobs: &[Job],
    pages: &[(usize, usize)],
    order: &[String],
) -> Value {
    let mut ctx = base.clone();
    let map = ctx.as_object_mut().expect("base context is an object");
    map.insert(
        "paper".into(),
        json!({
            "kind": job.kind.name(),
            "title": job.title,
            "number": job.number.clone().unwrap_or_default(),
            "date": job.date,
            "file": job.file_name,
            "seq": job.seq,
        }),
    );
    // What had happened by the paper's own date: a paper reports nothing later
    // (the report back is dated before the case's last follow-up visits).
    let upto = |d: Option<Date>| d.is_some_and(|d| d <= job.date);
    map.insert(
        "events_upto".into(),
        json!(case
            .events
            .iter()
            .filter(|e| upto(Some(e.date)))
            .collect::<Vec<_>>()),
    );
    map.insert(
        "investigation_upto".into(),
        json!(case
            .handling
            .iter()
            .flat_map(|h| h.investigation.iter())
            .filter(|i| upto(Some(i.date)))
            .collect::<Vec<_>>()),
    );
    map.insert(
        "served_upto".into(),
        crate::case::model::Paper::ALL
            .iter()
            .filter_map(|p| {
                crate::case::deadline::served_on(case, *p)
                    .filter(|d| upto(Some(*d)))
                    .map(|d| (p.en().replace('-', "_"), json!(d)))
            })
            .collect::<serde_json::Map<String, Value>>()
            .into(),
    );
    if let Some(i) = job.delivery {
        let d = &case.deliveries[i];
        // The served paper is the nearest earlier job of the served kind.
        let served = jobs[..job.seq - 1]
            .iter()
            .rev()
            .find(|j| j.delivery.is_none() && j.kind.served_paper() == Some(d.paper));
        map.insert(
            "delivery".into(),
            json!({
                "record": d,
                "paper_title": served.map(|j| j.title.clone()).unwrap_or_else(|| d.paper.zh().to_string()),
                "paper_number": served.and_then(|j| j.number.clone()).unwrap_or_default(),
            }),
        );
    }
    if job.kind.is_dossier() {
        // Made by `render` for the office's own use; the filed ones are made by `pack`
        // with the same rows and the 档号 (which only the register gives).
        let entries: Vec<ContentsEntry> = filing_order(jobs, order)
            .into_iter()
            .map(|j| ContentsEntry {
                job: j,
                pages: pages
                    .iter()
                    .find(|(seq, _)| *seq == j.seq)
                    .map(|x| x.1)
                    .unwrap_or(0),
                code: None,
            })
            .collect();
        let (items, total) = contents_items(case, &entries);
        map.insert("items".into(), Value::Array(items));
        map.insert("total_pages".into(), json!(total));
    }
    ctx
}

/// One filed paper of a dossier, as its 卷内文件目录 lists it.
pub struct ContentsEntry<'a> {
    pub job: &'a Job,
    /// Its page count (0 when not known: not rendered in this run).
    pub pages: usize,
    /// Its 档号, once `pack` has given one.
    pub code: Option<crate::archive::code::ArchiveCode>,
}

/// The rows of a dossier's 卷内文件目录 (GB/T 9705, DA/T 22 columns: 序号, 档号, 文号,
/// 责任者, 题名, 日期, 页号, 备注), in the order given (the filing order), and the
/// total of pages. 页号 counts the filed papers' pages from 1 through the dossier (the
/// cover, the list itself and the 备考表 are not numbered): a one-page item shows its
/// page (`4`), a longer one its range (`1-3`), and the last item always its range
/// (`12-12`), as GB/T 9705 has it, so the list says where the dossier ends. Whatever
/// the plan files (every kind, in `filing_order`) flows through; no kind is special.
pub fn contents_items(case: &Case, entries: &[ContentsEntry]) -> (Vec<Value>, usize) {
    let mut next = 1usize;
    let n = entries.len();
    let items = entries
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let (first, last) = (next, next + e.pages.saturating_sub(1));
            next += e.pages;
            let range = match e.pages {
                0 => String::new(),
                1 if k + 1 < n => first.to_string(),
                _ => format!("{first}-{last}"),
            };
            json!({
                "no": k + 1,
                "code": e.code.as_ref().map(|c| c.to_string()).unwrap_or_default(),
                "item": e.code.as_ref().map(|c| format!("{:04}", c.item)).unwrap_or_default(),
                "number": e.job.number.clone().unwrap_or_default(),
                "author": author_of(case, e.job),
                "title": catalogue_title(case, e.job),
                "date": e.job.date.compact(),
                "pages": e.pages,
                "page_range": range,
                "first_page": if e.pages > 0 { json!(first) } else { Value::Null },
                "last_page": if e.pages > 0 { json!(last) } else { Value::Null },
                "remarks": "",
            })
        })
        .collect();
    (items, next - 1)
}

/// 责任者 of a paper: the office, or the body that issued it.
pub fn author_of(case: &Case, job: &Job) -> String {
    match job.kind {
        Kind::AssignmentSlip => case
            .arrival
            .assignment
            .as_ref()
            .map(|a| a.body.clone())
            .unwrap_or_default(),
        Kind::ReviewOpinion => case
            .review
            .as_ref()
            .map(|r| r.body.clone())
            .unwrap_or_default(),
        Kind::ReReviewOpinion => case
            .re_review
            .as_ref()
            .map(|r| r.body.clone())
            .unwrap_or_default(),
        Kind::Incoming => {
            let made_by_office = job
                .incoming
                .and_then(|i| case.incoming.get(i))
                .is_some_and(|x| x.kind.made_by_office());
            if made_by_office {
                case.office.clone().unwrap_or_default()
            } else {
                addressee(case)
            }
        }
        _ => case.office.clone().unwrap_or_default(),
    }
}
