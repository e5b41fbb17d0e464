//! The year-end 信访工作情况报告 template (`ledger-report.typ`): rendered from the
//! statistics fixture with the demo office, deterministic, its text read back
//! with pdftotext; and rendered from an all-zero year. Needs poppler-utils and
//! CJK fonts (see README).

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use anjuan::case::date::Date;
use anjuan::config::Config;
use anjuan::render::fonts::FontOptions;
use anjuan::render::{Doc, RenderOptions, Renderer};
use common::*;
use serde_json::{json, Value};

/// The demo office's renderer (system fonts, built-in templates), built once.
fn renderer() -> &'static (Renderer, Value) {
    static R: OnceLock<(Renderer, Value)> = OnceLock::new();
    R.get_or_init(|| {
        let config = demo().join("anjuan.toml");
        let loaded = Config::discover(Some(&config), &demo()).expect("demo office config");
        let cfg = &loaded.config;
        let opts = RenderOptions {
            fonts: FontOptions {
                dirs: Vec::new(),
                include_system: true,
                overrides: cfg.fonts.clone(),
            },
            template_dirs: Vec::new(),
            only: None,
            threads: 1,
        };
        let renderer = Renderer::new(cfg, &loaded.root(), &opts).expect("renderer");
        let office = anjuan::archive::pack::office_context(cfg);
        (renderer, office)
    })
}

fn fixture() -> Value {
    let path = root().join("tests/fixtures/ledger-report/stats.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Renders the report for `stats`, dated `as_of`.
fn render(stats: &Value) -> Vec<u8> {
    let (renderer, office) = renderer();
    let as_of = stats["as_of"].as_str().unwrap();
    let ctx = json!({ "office": office, "date": as_of, "s": stats });
    let doc = Doc {
        owner: format!("{}年度", stats["year"]),
        paper: "信访工作情况报告".into(),
        template: "ledger-report.typ".into(),
        file: "信访工作情况报告.pdf".into(),
        date: Date::parse(as_of).unwrap(),
    };
    match renderer.render_doc(&doc, &ctx) {
        Ok(out) => out.pdf,
        Err(e) => {
            // The generated Typst, to find the line the error names.
            let tctx = tera::Context::from_value(ctx).unwrap();
            let src = renderer.templates.render(&doc.template, &tctx);
            let dump = write(
                &format!("ledger-report-{}.typ", stats["year"]),
                src.unwrap_or_default().as_bytes(),
            );
            panic!("render failed: {e}\n(Typst source: {})", dump.display())
        }
    }
}

fn write(name: &str, pdf: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(name);
    std::fs::write(&path, pdf).unwrap();
    path
}

/// A year with no cases: every count 0, the fixed rows (channels, outcomes,
/// classes, months) present with zeros, the others empty.
fn zero_year() -> Value {
    let s = fixture();
    let zero_rows = |key: &str| -> Value {
        s[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| json!({ "label": r["label"], "count": 0, "share": 0.0 }))
            .collect()
    };
    let months: Value = (1..=12)
        .map(|m| json!({ "month": m, "label": format!("{m}月"), "received": 0, "closed": 0, "closed_on_time": 0 }))
        .collect();
    let totals: serde_json::Map<String, Value> = s["totals"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| (k.clone(), json!(0)))
        .collect();
    json!({
        "format": s["format"],
        "office": s["office"],
        "year": 2027,
        "as_of": "2027-12-31",
        "totals": totals,
        "on_time": { "due": 0, "on_time": 0, "late": 0, "rate": null, "rate_text": "—" },
        "by_channel": zero_rows("by_channel"),
        "by_category": [],
        "by_outcome": zero_rows("by_outcome"),
        "by_class": zero_rows("by_class"),
        "by_close_basis": [],
        "by_month": months,
        "top_units": [],
        "overdue_cases": [],
    })
}

#[test]
fn renders_the_year_report() {
    let stats = fixture();
    let pdf = render(&stats);
    assert!(pdf.starts_with(b"%PDF-"));
    // Left in the temporary folder (/tmp/ledger-report.pdf) to look at.
    let path = write("ledger-report.pdf", &pdf);

    let text = squash(&pdftotext(&path, None));
    for want in [
        "青溪县柳河镇人民政府",
        "2026年度信访工作情况报告",
        "青溪县人民政府：",
        "全年共登记信访事项120件",
        "登记的事项中，依法受理100件，不予受理8件，尚待作出受理决定12件",
        "按期办结率92.0%",
        "一、总体情况",
        "八、在办与超期事项",
        // Chart labels, counts and shares.
        "来访",
        "36件（30.0%）",
        "自然资源",
        "34件（28.3%）",
        "解释说明",
        "31.7%",
        "思想教育到位",
        "息诉息访协议",
        "12月",
        // Tables.
        "柳河镇自然资源所",
        "XF-2026-0031",
        "2026年11月20日",
        "特此报告。",
        "2026年12月31日",
    ] {
        assert!(text.contains(want), "report lacks {want:?}:\n{text}");
    }
    assert!(pages(&path) >= 3, "the report runs to several pages");
}

#[test]
fn rendering_is_deterministic() {
    let stats = fixture();
    let a = render(&stats);
    let b = render(&stats);
    assert!(a == b, "two renders of the same statistics differ");
}

#[test]
fn renders_an_empty_year() {
    let pdf = render(&zero_year());
    let path = write("ledger-report-empty.pdf", &pdf);
    let text = squash(&pdftotext(&path, None));
    for want in [
        "2027年度信访工作情况报告",
        "全年共登记信访事项0件",
        "不计算按期办结率",
        "无数据",
        "无超期未办结的信访事项",
    ] {
        assert!(text.contains(want), "empty report lacks {want:?}:\n{text}");
    }
}

#[test]
fn large_counts_and_hostile_labels_render() {
    // Tens of thousands of cases, a single 100% outcome, and labels that would
    // be Typst code if they were not escaped.
    let mut s = fixture();
    for r in s["by_channel"].as_array_mut().unwrap() {
        let c = r["count"].as_u64().unwrap();
        r["count"] = json!(c * 397);
    }
    s["by_category"][0]["label"] = json!("#panic(\"x\") [a] $b$ \\ \"q\"");
    s["by_outcome"] = json!([
        { "label": "支持", "count": 47640, "share": 100.0 },
        { "label": "解释说明", "count": 0, "share": 0.0 },
    ]);
    s["top_units"][0]["unit"] = json!("*单位* _x_ #set text(red)");
    let pdf = render(&s);
    let path = write("ledger-report-large.pdf", &pdf);
    let text = squash(&pdftotext(&path, None));
    assert!(text.contains("14292件"), "{text}");
    assert!(text.contains("#panic(\"x\")"), "{text}");
    assert!(text.contains("*单位*_x_#settext(red)"), "{text}");
    assert!(text.contains("100.0%"), "{text}");
}

#[test]
fn ties_are_named_as_ties() {
    // Two channels share the most, months tie for the peak, and the third
    // category ties with the fourth and fifth.
    let mut s = fixture();
    s["by_channel"][0]["count"] = json!(36);
    s["by_channel"][0]["share"] = json!(30.0);
    for (m, n) in [(2, 10), (6, 10), (4, 14), (10, 14), (11, 14)] {
        s["by_month"][m]["received"] = json!(n);
    }
    for m in s["by_month"].as_array_mut().unwrap() {
        let r = m["received"].as_u64().unwrap();
        m["accepted"] = json!(r.min(7));
    }
    let cats = s["by_category"].as_array_mut().unwrap();
    for c in &mut cats[2..5] {
        c["count"] = json!(14);
        c["share"] = json!(11.7);
    }
    let pdf = render(&s);
    let path = write("ledger-report-ties.pdf", &pdf);
    let text = squash(&pdftotext(&path, None));
    for want in [
        "其中来信、来访最多，各36件，各占30.0%",
        "登记量以5月、11月、12月最多，各14件",
        "主要集中在自然资源（34件，占28.3%），城乡建设（22件，占18.3%），",
    ] {
        assert!(text.contains(want), "report lacks {want:?}:\n{text}");
    }
    let c = &s["by_category"];
    let tied = format!(
        "{}、{}、{}各14件（各占11.7%）",
        c[2]["label"].as_str().unwrap(),
        c[3]["label"].as_str().unwrap(),
        c[4]["label"].as_str().unwrap()
    );
    assert!(text.contains(&tied), "report lacks {tied:?}:\n{text}");
    // Every month accepted at most 7: the months with 7 or more registered tie.
    assert!(text.contains("最多，各7件"), "{text}");
    assert!(
        !text.contains("受理登记"),
        "登记 and 受理 are not conflated: {text}"
    );
}
