//! Rendering end to end: every paper type of the demo office, its text and page
//! count read back from the PDF, determinism, PDF/A metadata, and the errors.
//! Needs poppler-utils and CJK fonts (see README).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anjuan::case::model::{Case, Decision};
use common::*;

/// The demo office rendered once for all tests in this file.
fn rendered() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let o = anjuan(dir.path(), &["demo", "-o", "demo"]);
        assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
        let out = text_of(&o);
        assert!(
            out.contains("demo/office/papers") && out.contains("demo/archive"),
            "demo says where the files are: {out}"
        );
        dir
    })
    .path()
    .join("demo/office/papers")
}

fn cases() -> Vec<Case> {
    let files = anjuan::case::collect_files(&[demo()]).unwrap();
    files
        .iter()
        .map(|f| anjuan::case::load(f).unwrap().unwrap().case)
        .collect()
}

fn pdfs(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    v.sort();
    v
}

fn first(s: &str, n: usize) -> String {
    squash(s).chars().take(n).collect()
}

/// What each paper must show, from the record.
fn expectations(case: &Case, file: &str) -> Vec<String> {
    let mut e: Vec<String> = Vec::new();
    let name = file.split_once('-').map(|x| x.1).unwrap_or(file);
    let office = "青溪县柳河镇人民政府".to_string();
    if name.starts_with("送达回证") {
        // Checked per delivery below.
        return e;
    }
    // Papers addressed to the petitioner speak to them: record text as the paper
    // words it (render::wording, tested on its own in tests/wording.rs).
    let you = anjuan::render::plan::you(case);
    let names: Vec<String> = case.petitioners.iter().map(|p| p.name.clone()).collect();
    let addressed =
        |t: &str, n: usize| first(&anjuan::render::wording::addressed(t, you, &names), n);
    match name.trim_end_matches(".pdf") {
        "受理告知书" => {
            let a = case.acceptance.as_ref().unwrap();
            e.push(case.petitioners[0].name.clone());
            e.push(case.arrival.received.chinese());
            e.extend(case.matter.requests.iter().map(|r| first(r, 12)));
            e.push(a.date.chinese());
            e.push(office);
        }
        "不予受理告知书" => {
            let a = case.acceptance.as_ref().unwrap();
            assert_eq!(a.decision, Decision::Refuse);
            e.push(addressed(a.reason.as_deref().unwrap(), 16));
            // Each basis the clerk gave, by article (a bare mention of the 条例 is
            // cited by article from the citation table instead).
            for b in a.legal_basis.as_deref().unwrap().split('；') {
                if b.contains('第') {
                    e.push(first(b, 12));
                }
            }
            e.push(first(a.redirect_to.as_deref().unwrap(), 6));
            e.push(office);
        }
        "延期告知书" => {
            let x = case.extension().unwrap();
            e.push(addressed(x.reason, 14));
            e.push(x.approved_by.to_string());
        }
        "处理意见书" => {
            let h = case.handling.as_ref().unwrap();
            e.push(addressed(&h.facts, 16));
            e.extend(h.decisions.iter().map(|d| addressed(&d.reason, 12)));
            e.extend(h.decisions.iter().map(|d| d.outcome.zh().to_string()));
            e.push(h.review_body.clone());
            e.push(h.signed_off_by.clone());
        }
        "复查意见书" | "复核意见书" => {
            let r = if name.starts_with("复查") {
                case.review.as_ref()
            } else {
                case.re_review.as_ref()
            }
            .unwrap();
            e.push(addressed(r.findings.as_deref().unwrap(), 12));
            e.push(r.doc_no.clone().unwrap());
            e.push(r.body.clone());
            e.push(r.outcome.unwrap().zh().to_string());
        }
        "办理情况报告" => {
            let a = case.arrival.assignment.as_ref().unwrap();
            e.push(a.number.clone());
            e.push(a.body.clone());
            e.push(case.report_back.as_ref().unwrap().signer.clone());
        }
        "信访事项交办单" => {
            let a = case.arrival.assignment.as_ref().unwrap();
            e.push(a.number.clone());
            e.push(a.body.clone());
            e.push(case.petitioners[0].name.clone());
        }
        "听证笔录" => {
            let h = case.hearing.as_ref().unwrap();
            e.extend(h.participants.iter().map(|p| p.name.clone()));
            e.push(first(&h.conclusion, 12));
            e.extend(h.minutes.iter().map(|m| first(&m.text, 10)));
        }
        "协议书" => {
            let s = case.settlement.as_ref().unwrap();
            e.extend(s.terms.iter().map(|t| first(t, 10)));
            e.extend(s.parties.iter().map(|p| p.name.clone()));
        }
        "信访事项登记表" => {
            e.push(case.petitioners[0].name.clone());
            e.push(case.arrival.received.chinese());
            e.push(first(&case.matter.summary, 12));
            e.extend(case.matter.requests.iter().map(|r| first(r, 12)));
            e.push(case.matter.category.clone());
            e.push("李敏".into());
        }
        "卷内文件目录" => {
            e.push("X012".into());
        }
        "备考表" => {
            e.push("吴晓燕".into());
            e.push("郑国平".into());
        }
        "案卷封面" => {
            e.push("X012".into());
            e.push(first(case.title.as_deref().unwrap(), 14));
        }
        other => panic!("unexpected paper {other}"),
    }
    e
}

#[test]
fn every_paper_type_shows_the_case_facts() {
    let out = &rendered();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for case in cases() {
        let dir = out.join(&case.id);
        let files = pdfs(&dir);
        // Every case has its registration form; a case not yet decided has
        // nothing else, every other case has more.
        assert_eq!(
            files.len() == 1,
            case.acceptance.is_none(),
            "{}: {} papers",
            case.id,
            files.len()
        );
        assert!(
            files
                .iter()
                .any(|f| f.to_string_lossy().ends_with("-信访事项登记表.pdf")),
            "{}: no registration form",
            case.id
        );
        let mut receipts = case.deliveries.iter();
        for f in &files {
            let fname = f.file_name().unwrap().to_string_lossy().into_owned();
            let kind = fname
                .split_once('-')
                .unwrap()
                .1
                .trim_end_matches(".pdf")
                .split('（')
                .next()
                .unwrap()
                .to_string();
            *kinds.entry(kind.clone()).or_default() += 1;
            // Without the page numbers, which pdftotext sets between the
            // parts of a paragraph broken across pages.
            let mut text = squash(&pdftotext(f, None));
            for n in 1..=pages(f) {
                text = text.replace(&format!("—{n}—"), "");
            }
            let mut want = expectations(&case, &fname);
            if kind == "送达回证" {
                // Receipts come in the order of the deliveries of each paper; find ours.
                let d = receipts.next().unwrap();
                want.push(d.recipient.clone());
                want.push(first(&d.place, 8));
                want.push(d.method.zh().to_string());
                want.push(d.time.chinese());
                assert_eq!(pages(f), 1, "{fname} of {} is not one page", case.id);
            }
            for w in want {
                assert!(
                    text.contains(&w),
                    "{} {fname}: missing `{w}`\n{text}",
                    case.id
                );
            }
            if ["卷内文件目录", "备考表", "案卷封面"].contains(&kind.as_str()) {
                assert_eq!(pages(f), 1, "{fname} of {} is not one page", case.id);
            }
        }
    }
    for k in [
        "信访事项交办单",
        "受理告知书",
        "不予受理告知书",
        "延期告知书",
        "听证笔录",
        "协议书",
        "处理意见书",
        "办理情况报告",
        "复查意见书",
        "复核意见书",
        "送达回证",
        "卷内文件目录",
        "备考表",
        "案卷封面",
    ] {
        assert!(kinds.contains_key(k), "no {k} rendered: {kinds:?}");
    }
}

#[test]
fn contents_list_the_real_page_counts() {
    let out = &rendered();
    for case in cases().iter().filter(|c| c.close.is_some()) {
        let files = pdfs(&out.join(&case.id));
        let total: usize = files
            .iter()
            .filter(|f| {
                let n = f.file_name().unwrap().to_string_lossy();
                !["卷内文件目录", "备考表", "案卷封面"]
                    .iter()
                    .any(|k| n.contains(k))
            })
            .map(|f| pages(f))
            .sum();
        let contents = files
            .iter()
            .find(|f| f.to_string_lossy().contains("卷内文件目录"))
            .unwrap();
        let text = squash(&pdftotext(contents, None));
        assert!(
            text.contains(&total.to_string()),
            "{}: contents lack the total {total}\n{text}",
            case.id
        );
    }
}

#[test]
fn hearing_record_has_every_signature_line_on_every_page() {
    let out = &rendered();
    let case = cases().into_iter().find(|c| c.hearing.is_some()).unwrap();
    let f = pdfs(&out.join(&case.id))
        .into_iter()
        .find(|f| f.to_string_lossy().contains("听证笔录"))
        .unwrap();
    let n = pages(&f);
    assert!(
        n >= 2,
        "the demo hearing record should flow across pages ({n})"
    );
    let words = words(&f);
    for page in 1..=n {
        // The last lines of the text block, above the page number `— N —`:
        // the signature lines (issue 13 point 8: inside the block).
        let number = words
            .iter()
            .filter(|w| w.page == page && w.text.starts_with('—') && w.y0 > 200.0 * MM)
            .map(|w| w.y0)
            .fold(f64::MAX, f64::min);
        assert!(number < f64::MAX, "page {page} has no page number");
        let label = words
            .iter()
            .find(|w| w.page == page && w.text.starts_with("参加人签名"))
            .map(|w| w.y0)
            .unwrap_or(number);
        let foot: String = words
            .iter()
            .filter(|w| w.page == page && w.y0 >= label - 1.0 && w.y0 < number)
            .inspect(|w| {
                assert!(
                    w.y1 <= 262.0 * MM,
                    "page {page}: `{}` below the text block",
                    w.text
                )
            })
            .map(|w| w.text.as_str())
            .collect();
        assert!(
            foot.contains("参加人签名"),
            "page {page}: no signature block: {foot}"
        );
        for p in &case.hearing.as_ref().unwrap().participants {
            let line = format!("{}{}", p.role.zh(), p.name);
            assert!(
                foot.contains(&line),
                "page {page}: no signature line for {line}: {foot}"
            );
        }
    }
}

#[test]
fn papers_are_pdfa_with_metadata() {
    let out = &rendered();
    let f = out.join("XF-2026-0001/05-处理意见书.pdf");
    let f = if f.exists() {
        f
    } else {
        pdfs(&out.join("XF-2026-0001"))
            .into_iter()
            .find(|p| p.to_string_lossy().contains("处理意见书"))
            .unwrap()
    };
    let info = pdfinfo(&f);
    assert_eq!(info["Title"], "信访事项处理意见书");
    assert_eq!(info["Author"], "青溪县柳河镇人民政府");
    assert_eq!(info["Subject"], "XF-2026-0001");
    assert!(info["Keywords"].contains("处理意见书"), "{info:?}");
    assert_eq!(
        info["Page size"].split(" pts").next().unwrap(),
        "595.276 x 841.89"
    );
    let bytes = std::fs::read(&f).unwrap();
    let xmp = String::from_utf8_lossy(&bytes);
    assert!(xmp.contains("<pdfaid:part>2</pdfaid:part>"), "not PDF/A-2");
    assert!(
        xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
        "not PDF/A-2b"
    );
    // The timestamp is the paper's date, not the clock.
    assert!(info["CreationDate"].contains("2026"), "{info:?}");
}

#[test]
fn same_inputs_give_identical_bytes() {
    let a = &rendered();
    let dir = tempfile::tempdir().unwrap();
    let o = anjuan(
        dir.path(),
        &[
            "render",
            &demo().display().to_string(),
            "-o",
            "again",
            "--jobs",
            "1",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let mut n = 0;
    for case in cases() {
        for f in pdfs(&a.join(&case.id)) {
            let other = dir
                .path()
                .join("again")
                .join(&case.id)
                .join(f.file_name().unwrap());
            assert_eq!(
                std::fs::read(&f).unwrap(),
                std::fs::read(&other).unwrap(),
                "{} differs between runs",
                f.display()
            );
            n += 1;
        }
    }
    assert!(n > 40, "only {n} papers compared");
}
