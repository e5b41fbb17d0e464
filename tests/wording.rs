//! Papers read as written by a person, not filled in from a blank form (issue 13,
//! points 1, 2, 4 and 9): the petitioner addressed as 你 or 你们, no doubled
//! punctuation at the seams between record text and template text, no switch of
//! person after `你反映：`, investigation steps as sentences, one `根据……的规定` a
//! sentence, no 顿号 between bare titles, the 2022 finality clause, reports upward
//! that say 贵局 and only what had happened by their date, one-day hearings dated
//! once, relations stated once.
//!
//! Checked on the text of every PDF of the demo office, and on the Typst source of
//! every paper of 500 synthetic cases (the same templates and context, without the
//! compile, which would take minutes).

mod common;

use std::path::Path;

use anjuan::render::plan;
use anjuan::render::templates::Templates;
use common::{anjuan, demo, pdftotext, squash, text_of};

/// Marks that must never stand side by side (`。；`, `，。`…).
const MARKS: [char; 6] = ['。', '；', '，', '、', '：', '？'];

/// How names of places end (村, 组, 委员会, 项目部, 有限公司…).
const PLACE_ENDS: &str = "村组会所室部局司处院段镇县市路号站场厂校家区街队厅社";

/// What a clerk would send back, found in a paper's text: one line per finding.
fn findings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for bad in ["你（你们）", "你(你们)", "（你们）"] {
        if t.contains(bad) {
            out.push(format!("blank-form address {bad}"));
        }
    }
    let cs: Vec<char> = t.chars().collect();
    for w in cs.windows(2) {
        if MARKS.contains(&w[0]) && MARKS.contains(&w[1]) {
            out.push(format!("doubled punctuation {}{}", w[0], w[1]));
        }
    }
    for you in ["你反映：", "你们反映："] {
        for third in ["信访人", "来信人", "来访人", "该信访人"] {
            if t.contains(&format!("{you}{third}")) {
                out.push(format!("person switch {you}{third}"));
            }
        }
    }
    // `2026年3月5日，徐建平在石桥村：现场查看`: an investigation line as a form row.
    for (i, _) in t.match_indices("日，") {
        let rest = &t[i + "日，".len()..];
        let clause: String = rest
            .chars()
            .take_while(|c| !['。', '；', '，'].contains(c))
            .collect();
        // A colon straight after a place (`在石桥村村民委员会：`); a colon inside the
        // text (`估算修复造价：每户约2500元`) is the clerk's.
        if let (Some(at), Some(colon)) = (clause.find('在'), clause.find('：')) {
            let before = clause[..colon].chars().last();
            if at < colon && before.is_some_and(|c| PLACE_ENDS.contains(c)) {
                out.push(format!("investigation line as a form row: {clause}"));
            }
        }
    }
    for s in t.split(['。', '！', '？']) {
        if s.matches("根据").count() > 1 {
            out.push(format!("根据 twice in one sentence: {s}"));
        }
        if s.matches("的规定").count() > 1 && s.contains("根据") {
            out.push(format!("的规定 twice in one sentence: {s}"));
        }
    }
    // `《A》、《B》` where both are bare titles (GB/T 15834-2011 4.5.3.5).
    for (i, _) in t.match_indices("》、《") {
        let after = &t[i + "》、".len()..];
        if let Some(end) = after.find('》') {
            let next = after[end + "》".len()..].chars().next();
            if next != Some('第') {
                out.push(format!("顿号 between titles: {}", &after[..end + 3]));
            }
        }
    }
    for old in ["各级人民政府信访工作机构", "其他行政机关不再受理"] {
        if t.contains(old) {
            out.push(format!("repealed 2005 wording {old}"));
        }
    }
    if t.contains("你单位") {
        out.push("你单位 in a paper".into());
    }
    if t.contains("以交办形式") || t.contains("以转送形式") {
        out.push("交办 as the petitioner's channel".into());
    }
    // `2026年6月23日9时00分至2026年6月23日11时40分`.
    for (i, _) in t.match_indices("分至") {
        let after = &t[i + "分至".len()..];
        let Some(end) = after.find('日') else {
            continue;
        };
        let day = &after[..end + '日'.len_utf8()];
        if day.contains('年') && t[..i].rfind(day).is_some_and(|at| i - at - day.len() < 16) {
            out.push(format!("time range repeats its date {day}"));
        }
    }
    out
}

#[test]
fn the_checker_finds_each_class() {
    for (text, what) in [
        ("你（你们）于2026年3月2日提出", "blank-form"),
        ("已清淤。；", "doubled"),
        ("你反映：信访人称排水沟", "person switch"),
        ("2026年3月5日，徐建平在石桥村：现场查看", "form row"),
        ("根据《A》第一条的规定，根据《B》的规定，决定", "根据 twice"),
        ("《水污染防治法》、《噪声污染防治法》", "顿号"),
        ("各级人民政府信访工作机构和其他行政机关不再受理", "2005"),
        ("你单位交办的", "你单位"),
        ("以交办形式提出", "交办"),
        ("2026年6月23日9时00分至2026年6月23日11时40分", "repeats"),
    ] {
        assert!(!findings(text).is_empty(), "{what}: {text}");
    }
    for fine in [
        "你于2026年3月2日以来信形式提出的信访事项，本机关已收悉。",
        "根据《信访工作条例》第三十二条、《中华人民共和国民法典》第二百八十八条的规定，本机关提出如下处理意见。",
        "《噪声污染防治法》《水污染防治法》、《民法典》第二百八十八条",
        "2026年6月23日9时00分至11时40分",
        "2026年3月5日，徐建平在石桥村现场查看。",
    ] {
        assert!(findings(fine).is_empty(), "{fine}: {:?}", findings(fine));
    }
}

/// Every paper of the demo office, as rendered through the binary.
#[test]
fn demo_papers_read_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = anjuan(
        dir.path(),
        &[
            "render",
            demo().join("cases").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let mut all = Vec::new();
    let mut n = 0;
    for e in walkdir::WalkDir::new(&out) {
        let p = e.unwrap().into_path();
        if p.extension().is_some_and(|x| x == "pdf") {
            n += 1;
            let text = pdftotext(&p, None);
            for f in findings(&text) {
                all.push(format!("{}: {f}", p.display()));
            }
            check_paper(&p, &squash(&text));
            if p.to_string_lossy().contains("听证笔录") && squash(&text).contains("）（") {
                all.push(format!(
                    "{}: a participant's relation stated twice",
                    p.display()
                ));
            }
        }
    }
    assert!(n >= 40, "only {n} papers");
    assert!(all.is_empty(), "{}", all.join("\n"));
}

/// What particular papers of the demo office must say.
fn check_paper(p: &Path, t: &str) {
    let file = p.file_stem().unwrap().to_string_lossy().into_owned();
    // `03-处理意见书` → `处理意见书`; receipts (`送达回证（…）`) match no paper name.
    let name = file
        .split_once('-')
        .map(|x| x.1)
        .unwrap_or(&file)
        .to_string();
    let case = p
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    if name == "受理告知书" {
        assert!(t.contains("根据《信访工作条例》第二十三条"), "{name}: {t}");
    }
    if name == "不予受理告知书" {
        assert!(
            t.contains("根据《信访工作条例》第三十一条、《中华人民共和国民事诉讼法》第三条的规定"),
            "{t}"
        );
    }
    if name == "处理意见书" {
        assert!(t.contains("根据《信访工作条例》第三十二条"), "{t}");
        assert!(t.contains("《信访工作条例》第三十五条"), "{t}");
    }
    if name == "延期告知书" {
        assert!(t.contains("《信访工作条例》第三十四条"), "{t}");
    }
    if name == "办理情况报告" {
        assert!(t.contains("贵局"), "{t}");
        assert!(t.contains("附件："), "{t}");
    }
    if case == "XF-2026-0004" && name == "受理告知书" {
        // A collective case: 你们, and all five representatives named.
        assert!(t.contains("你们于"), "{t}");
        assert!(
            t.contains("朱根土、周淼、楼建国、王秀英、钟国华等37人"),
            "{t}"
        );
    }
    if case == "XF-2026-0002" && name == "不予受理告知书" {
        assert!(t.contains("你于"), "{t}");
    }
}

/// The Typst source of every paper of 500 synthetic cases.
#[test]
fn synthetic_papers_read_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let o = anjuan(
        dir.path(),
        &["synth", "500", "-o", "office", "--seed", "13"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let office = dir.path().join("office");
    let cfg = anjuan::config::Config::load(&office.join("anjuan.toml")).unwrap();
    let templates = Templates::load(&[]).unwrap();
    let files = anjuan::case::collect_files(&[office.join("cases")]).unwrap();
    assert_eq!(files.len(), 500);
    let mut all = Vec::new();
    let mut papers = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for f in files {
        let mut case = anjuan::case::load(&f).unwrap().unwrap().case;
        case.office.get_or_insert(cfg.office.name.clone());
        let jobs = plan::plan(&case, &cfg);
        let base = plan::base_context(&case, &cfg, None);
        for job in jobs.iter().filter(|j| !j.kind.is_dossier()) {
            if job.kind == plan::Kind::Incoming {
                continue;
            }
            let ctx = plan::job_context(&base, &case, job, &jobs, &[], &cfg.archive.order);
            let src = templates
                .render(
                    job.kind.template(),
                    &tera::Context::from_value(ctx).unwrap(),
                )
                .unwrap();
            papers += 1;
            kinds.insert(job.kind);
            if job.kind == plan::Kind::HearingRecord && prose(&src).contains("）（") {
                all.push(format!(
                    "{} 听证笔录: a participant's relation stated twice",
                    case.id
                ));
            }
            for finding in findings(&prose(&src)) {
                all.push(format!("{} {}: {finding}", case.id, job.kind.name()));
            }
        }
    }
    assert!(papers > 2000, "{papers}");
    assert!(kinds.len() >= 10, "{kinds:?}");
    all.truncate(40);
    assert!(all.is_empty(), "{}", all.join("\n"));
}

/// The prose of a Typst source: the lines after the `#show` header, without Typst's
/// escapes and the markup brackets of our own functions (`#keep[`, `]`).
fn prose(src: &str) -> String {
    let body = src.split("#title").nth(1).unwrap_or(src);
    body.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| {
            l.replace("\\#", "＃")
                .replace(['\\'], "")
                .replace("#keep[", "")
                .replace("#lead[", "")
                .replace("#flush[", "")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Other instances of each class, made from the demo cases: summaries framed with
/// the petitioner's own name (`王喆称：`, `朱根土等37人反映：`) or `群众反映`,
/// bases written as one line with 顿号 between titles and a 根据…的规定 of their own,
/// reasons and facts ending with a stray `；`. The papers still read as written.
#[test]
fn record_text_in_other_shapes_reads_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let office = dir.path().join("office");
    std::fs::create_dir_all(office.join("cases")).unwrap();
    std::fs::copy(demo().join("anjuan.toml"), office.join("anjuan.toml")).unwrap();
    common::copy_originals(&office);
    let mut k = 0;
    for e in std::fs::read_dir(demo().join("cases")).unwrap() {
        let p = e.unwrap().path();
        let mut v: toml::Value = toml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        k += 1;
        let name = v["petitioners"][0]["name"].as_str().unwrap().to_string();
        let collective = v.get("collective").is_some();
        let m = v["matter"].as_table_mut().unwrap();
        let summary = m["summary"]
            .as_str()
            .unwrap()
            .trim_start_matches("信访人称")
            .to_string();
        let frame = match (k % 3, collective) {
            (_, true) => format!("{name}等37人反映："),
            (0, _) => format!("{name}称"),
            (1, _) => "信访群众反映：".to_string(),
            _ => format!("{name}反映："),
        };
        m.insert(
            "summary".into(),
            toml::Value::String(format!("{frame}{summary}")),
        );
        if let Some(h) = v.get_mut("handling").and_then(|h| h.as_table_mut()) {
            let facts = h["facts"].as_str().unwrap().to_string();
            h.insert("facts".into(), toml::Value::String(format!("{facts}；")));
            let bases = h["legal_basis"].as_array_mut().unwrap();
            bases.push(toml::Value::String(
                "根据《中华人民共和国土地管理法》、《中华人民共和国城乡规划法》的规定".into(),
            ));
            for d in h["decisions"].as_array_mut().unwrap() {
                let r = d["reason"].as_str().unwrap().to_string();
                d.as_table_mut()
                    .unwrap()
                    .insert("reason".into(), toml::Value::String(format!("{r}；")));
            }
        }
        if let Some(a) = v.get_mut("acceptance").and_then(|a| a.as_table_mut()) {
            if let Some(r) = a.get("reason").and_then(|r| r.as_str()).map(str::to_string) {
                a.insert("reason".into(), toml::Value::String(format!("{r}；")));
            }
        }
        std::fs::write(
            office.join("cases").join(p.file_name().unwrap()),
            toml::to_string(&v).unwrap(),
        )
        .unwrap();
    }
    let o = anjuan(dir.path(), &["render", "office", "-o", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let mut all = Vec::new();
    let mut n = 0;
    for e in walkdir::WalkDir::new(dir.path().join("out")) {
        let p = e.unwrap().into_path();
        if p.extension().is_some_and(|x| x == "pdf") {
            n += 1;
            let text = pdftotext(&p, None);
            for f in findings(&text) {
                all.push(format!("{}: {f}", p.display()));
            }
            let t = squash(&text);
            // No paper repeats the frame after its own (`你反映：王喆称`).
            for bad in [
                "反映：王",
                "反映：朱",
                "反映：叶",
                "反映：信访群众",
                "反映：刘",
            ] {
                if t.contains(bad) && !p.to_string_lossy().contains("登记表") {
                    all.push(format!("{}: frame kept: {bad}", p.display()));
                }
            }
            if p.to_string_lossy().ends_with("处理意见书.pdf") {
                assert!(
                    t.contains("《中华人民共和国土地管理法》《中华人民共和国城乡规划法》的规定"),
                    "{}: {t}",
                    p.display()
                );
            }
        }
    }
    assert!(n >= 40, "{n}");
    assert!(all.is_empty(), "{}", all.join("\n"));
}
