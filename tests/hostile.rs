//! Every `{{ }}` is escaped for Typst: hostile strings fed through every template
//! print literally in the PDF text and never run as Typst or Tera.

mod common;

use std::path::Path;
use std::sync::Mutex;

use anjuan::case::model::Case;
use anjuan::config::Config;
use anjuan::render::fonts::FontOptions;
use anjuan::render::plan::Job;
use anjuan::render::{RenderOptions, Rendered, Renderer};
use common::*;

/// At least 30 strings that mean something to Typst, Tera, PDF or a terminal.
fn hostile() -> Vec<String> {
    let mut v: Vec<String> = [
        "#set text(fill: red)",
        "#{ panic(\"boom\") }",
        "#read(\"/etc/passwd\")",
        "#import \"layout.typ\": *",
        "#let x = 1; #x",
        "[*bold*] _emph_ `raw`",
        "$x^2 + y_1$",
        "<label> @ref someone@example.com",
        "// line comment",
        "/* block comment",
        "*/ close",
        "C:\\Windows\\ \\n \\u{1F600} \\",
        "{{ tera }} {% if x %}{% endif %} {# c #}",
        "= Heading",
        "- item + enum / term: x",
        "1. enumerated 2) paren",
        "https://example.com/a?b=c&d=e#frag",
        "\"double\" 'single' “中文引号”",
        "~ nbsp -- en --- em ... -? shy",
        ")]} unbalanced ([{",
        "<script>alert(1)</script>",
        "%PDF-1.7 endobj stream",
        "第一行\n第二行\n\n第三段",
        "abc\u{200F}def\u{200E}ghi",
        "😀🚀🎉",
        "* _ $ # @ < > \\ ` ~ ' \"",
        "王#喆[堃]$昇*赟_䶮",
        "\\#not-escaped \\[x\\]",
        "#\"#)\"",
        "'''triple''' \"\"\"",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    // A very long unbroken word, and a 5,000-character string.
    v.push("Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(8));
    let unit = "信访#人[反映]$情况*_";
    v.push(
        unit.repeat(5000 / unit.chars().count() + 1)
            .chars()
            .take(5000)
            .collect(),
    );
    v
}

fn renderer() -> (Renderer, Config) {
    let cfg = Config::load(&demo().join("anjuan.toml")).unwrap();
    let opts = RenderOptions {
        fonts: FontOptions {
            include_system: true,
            ..FontOptions::default()
        },
        ..RenderOptions::default()
    };
    (
        Renderer::new(&cfg, &demo(), &opts).expect("fonts and templates"),
        cfg,
    )
}

fn load(id: &str) -> Case {
    anjuan::case::load(&demo().join(format!("cases/{id}.toml")))
        .unwrap()
        .unwrap()
        .case
}

/// Puts `h` into every free-text field the papers print.
fn fill(case: &mut Case, h: &str) {
    let s = || h.to_string();
    case.title = Some(s());
    case.remarks = Some(s());
    case.matter.summary = s();
    for r in &mut case.matter.requests {
        *r = s();
    }
    case.matter.place = Some(s());
    if let Some(a) = &mut case.arrival.assignment {
        a.instructions = Some(s());
    }
    if let Some(a) = &mut case.acceptance {
        if a.reason.is_some() {
            a.reason = Some(s());
            a.legal_basis = Some(s());
            a.redirect_to = Some(s());
        }
    }
    if let Some(r) = &mut case.responsibility {
        r.measures = Some(s());
    }
    if let Some(h2) = &mut case.handling {
        h2.facts = s();
        for d in &mut h2.decisions {
            d.reason = s();
        }
        for i in &mut h2.investigation {
            i.text = s();
        }
        h2.legal_basis = vec![s()];
        if let Some(e) = &mut h2.extension {
            e.reason = s();
        }
    }
    if let Some(e) = &mut case.extension {
        e.reason = s();
    }
    if let Some(hr) = &mut case.hearing {
        hr.conclusion = s();
        for m in &mut hr.minutes {
            m.text = s();
        }
    }
    if let Some(st) = &mut case.settlement {
        st.facts = s();
        st.terms = vec![s(), "第二条".into()];
        st.performance = s();
        st.breach = s();
    }
    for r in [&mut case.review, &mut case.re_review]
        .into_iter()
        .flatten()
    {
        r.findings = Some(s());
        r.requests = vec![s()];
    }
    for d in &mut case.deliveries {
        d.place = s();
        d.remarks = Some(s());
    }
}

/// The body text of a PDF in content-stream order (`pdftotext -raw`, so a table
/// cell's text is not interleaved with its neighbours), cropped to the text block
/// so page numbers and the hearing record's signature lines are left out.
fn body_text(pdf: &[u8], signer_rows: usize) -> String {
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), pdf).unwrap();
    // The text block: 37 mm from the top, 225 mm tall, less the hearing record's
    // signature lines on its last grid lines (three signers a line, after the label).
    let height = (225.0 - signer_rows as f64 * 225.0 / 22.0) * MM;
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-raw", "-r", "72", "-x", "0", "-y"])
        .arg(format!("{}", (37.0 * MM).floor()))
        .args(["-W", "596", "-H"])
        .arg(format!("{}", height.ceil() + 1.0))
        .arg(tmp.path())
        .arg("-")
        .output()
        .expect("pdftotext");
    squash(&String::from_utf8_lossy(&out.stdout))
}

fn render(r: &Renderer, case: &Case) -> Vec<(String, Vec<u8>)> {
    let got: Mutex<Vec<(String, Vec<u8>)>> = Mutex::new(Vec::new());
    let sink = |_: &Case, job: &Job, out: &Rendered| {
        got.lock()
            .unwrap()
            .push((job.file_name.clone(), out.pdf.clone()));
        Ok(())
    };
    r.render_case(case, &sink)
        .unwrap_or_else(|e| panic!("{}: {e}", case.id));
    got.into_inner().unwrap()
}

#[test]
fn hostile_strings_print_literally_in_every_template() {
    let (r, _) = renderer();
    let all = hostile();
    assert!(all.len() >= 30);
    // All strings at once, separated, into every field of cases that together
    // have every kind of paper.
    let joined = all.join("｜");
    let mut kinds = std::collections::BTreeSet::new();
    for id in [
        "XF-2026-0001",
        "XF-2026-0002",
        "XF-2026-0003",
        "XF-2026-0004",
        "XF-2026-0005",
        "XF-2026-0006",
    ] {
        let mut case = load(id);
        fill(&mut case, &joined);
        for (file, pdf) in render(&r, &case) {
            kinds.insert(
                file.split_once('-')
                    .unwrap()
                    .1
                    .split(['（', '.'])
                    .next()
                    .unwrap()
                    .to_string(),
            );
            let signer_rows = match &case.hearing {
                Some(h) if file.contains("听证笔录") => (h.participants.len() + 1).div_ceil(3),
                _ => 0,
            };
            let text = body_text(&pdf, signer_rows);
            if let Some(dir) = std::env::var_os("ANJUAN_DEBUG_HOSTILE") {
                std::fs::write(Path::new(&dir).join(format!("{id}-{file}")), &pdf).unwrap();
            }
            for h in &all {
                assert!(
                    text.contains(&squash(h)),
                    "{id} {file}: `{}` does not print literally",
                    h.chars().take(60).collect::<String>()
                );
            }
        }
    }
    // (15 with the registration form.)
    assert_eq!(kinds.len(), 15, "every kind of paper was fed: {kinds:?}");
}

#[test]
fn each_hostile_string_alone_prints_literally() {
    let (r, _) = renderer();
    for h in hostile() {
        let mut case = load("XF-2026-0001");
        case.matter.requests = vec![h.clone()];
        case.handling = None;
        case.close = None;
        case.deliveries
            .retain(|d| d.paper == anjuan::case::model::Paper::AcceptNotice);
        let papers = render(&r, &case);
        let (_, pdf) = papers
            .iter()
            .find(|(f, _)| f.contains("受理告知书") && !f.contains("送达"))
            .unwrap();
        let text = body_text(pdf, 0);
        assert!(
            text.contains(&squash(&h)),
            "`{}` does not print literally:\n{text}",
            h.chars().take(60).collect::<String>()
        );
    }
}
