//! Issue 13 point 8: layout a clerk would not send back, measured on the PDF
//! (pdftotext -bbox for text, pdftoppm for the red ink of seals):
//! headings and leads are never the last line of a page; punctuation keeps its
//! cell of the 28-character grid and never leaves the 156 mm block; a signature
//! never stands alone on a last page (tightened to 23–24 lines, or carried with
//! kept lines); the hearing record keeps its grid, its page number and its
//! signature lines inside the block; seals stay in their cells and off other
//! lines; every witness of an agreement has a signature line.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const LEFT: f64 = 28.0 * MM;
const RIGHT: f64 = (210.0 - 26.0) * MM;
const TOP: f64 = 37.0 * MM;
const BOTTOM: f64 = (37.0 + 225.0) * MM;
const PITCH: f64 = 156.0 * MM / 28.0;

const CLOSING: &str = "，。、：；？！”’》）』」】〗〕〉］｝";
const OPENING: &str = "“‘《（『「【〖〔〈［｛";

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// The baseline of a word (Noto CJK: the box is 0.88 em above, 0.12 em below).
fn base(w: &Word) -> f64 {
    w.y1 - 0.12 * (w.y1 - w.y0)
}

/// Body lines (16 pt words inside the block) of one page, grouped by baseline,
/// each sorted left to right.
fn body_lines(words: &[Word], page: usize) -> Vec<Vec<Word>> {
    let mut ws: Vec<Word> = words
        .iter()
        .filter(|w| w.page == page && w.y1 <= BOTTOM + 1.0 && close(w.y1 - w.y0, 16.0, 0.3))
        .cloned()
        .collect();
    ws.sort_by(|a, b| base(a).total_cmp(&base(b)).then(a.x0.total_cmp(&b.x0)));
    let mut out: Vec<Vec<Word>> = Vec::new();
    for w in ws {
        match out.last_mut() {
            Some(l) if close(base(&l[0]), base(&w), 1.0) => l.push(w),
            _ => out.push(vec![w]),
        }
    }
    out
}

fn text(l: &[Word]) -> String {
    l.iter().map(|w| w.text.as_str()).collect()
}

fn is_full_width(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0x3400..=0x9FFF | 0xFF01..=0xFF60)
        || CLOSING.contains(c)
        || OPENING.contains(c)
}

/// The grid pitch (225 mm / 22, 23 or 24) on which every line of a page lies.
fn page_pitch(lines: &[Vec<Word>]) -> Option<f64> {
    let first = base(&lines.first()?[0]);
    [22.0, 23.0, 24.0]
        .into_iter()
        .map(|n| 225.0 * MM / n)
        .find(|p| {
            lines.iter().all(|l| {
                let k = (base(&l[0]) - first) / p;
                close(k, k.round(), 0.3 / p)
            })
        })
}

/// Rules every page of a body paper must keep. `heads` are lines that must not
/// end a page. Returns the pitch of the paper's grid.
fn check_paper(pdf: &Path, heads: &[&str]) -> f64 {
    let ws = words(pdf);
    let n = pages(pdf);
    let name = pdf.file_name().unwrap().to_string_lossy().to_string();
    let mut pitches = Vec::new();
    for page in 1..=n {
        let lines = body_lines(&ws, page);
        // Every glyph inside the block: nothing hangs out on either side.
        for w in ws.iter().filter(|w| w.page == page && w.y1 <= BOTTOM + 1.0) {
            assert!(
                w.x1 <= RIGHT + 0.5 && w.x0 >= LEFT - 0.5,
                "{name} p{page}: `{}` at {:.2}–{:.2} pt leaves the block ({LEFT:.2}–{RIGHT:.2})",
                w.text,
                w.x0,
                w.x1
            );
        }
        for l in &lines {
            let t = text(l);
            // 避头尾: a closing mark never starts a line, an opening one never ends it.
            let first = t.chars().next().unwrap();
            let last = t.chars().last().unwrap();
            assert!(
                !CLOSING.contains(first),
                "{name} p{page}: line starts with {first}: {t}"
            );
            assert!(
                !OPENING.contains(last),
                "{name} p{page}: line ends with {last}: {t}"
            );
            // A line starts on the grid: at the margin or two characters in.
            let x0 = l[0].x0;
            let k = (x0 - LEFT) / PITCH;
            if is_full_width(first) && x0 < LEFT + 3.0 * PITCH {
                assert!(
                    close(k, k.round(), 0.3 / PITCH),
                    "{name} p{page}: line starts {:.2} pt off the grid: {t}",
                    (k - k.round()) * PITCH
                );
            }
            // Every character of a full-width word keeps its cell: a word of n
            // such characters spans n − 1 pitches plus one glyph (16 pt).
            for w in l {
                let c = w.text.chars().count();
                if c >= 2 && w.text.chars().all(is_full_width) {
                    let pitch = (w.x1 - w.x0 - 16.0) / (c - 1) as f64;
                    assert!(
                        close(pitch, PITCH, 0.35 / (c - 1) as f64 + 0.01),
                        "{name} p{page}: `{}` is set at {pitch:.3} pt a character, want {PITCH:.3} (a squeezed mark?)",
                        w.text
                    );
                }
            }
        }
        // Headings and leads are followed by a line on the same page.
        if let Some(last) = lines.last() {
            let t = squash(&text(last));
            for h in heads {
                assert!(
                    t != *h,
                    "{name} p{page}: the heading `{h}` is the last line of the page"
                );
            }
        }
        if lines.len() >= 3 {
            let p = page_pitch(&lines)
                .unwrap_or_else(|| panic!("{name} p{page}: lines off a regular grid"));
            pitches.push(p);
        }
    }
    assert!(
        pitches.windows(2).all(|w| close(w[0], w[1], 0.01)),
        "{name}: pages on different grids {pitches:?}"
    );
    pitches.first().copied().unwrap_or(225.0 * MM / 22.0)
}

/// Where the closing and signature block lies: (page, lines of text above the
/// kept paragraphs on that page). `kept` is the first kept line's text.
fn signature_page(pdf: &Path, closing: &str, kept: &str) -> (usize, usize, usize) {
    let ws = words(pdf);
    for page in (1..=pages(pdf)).rev() {
        let lines = body_lines(&ws, page);
        if let Some(i) = lines
            .iter()
            .position(|l| squash(&text(l)).starts_with(closing))
        {
            let k = lines
                .iter()
                .position(|l| squash(&text(l)).starts_with(kept))
                .unwrap_or(i);
            return (page, i, k);
        }
    }
    panic!("{}: no `{closing}`", pdf.display());
}

/// An office folder with `cases` (file name, TOML) written into cases/.
fn office(cases: &[(String, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(demo().join("anjuan.toml"), dir.path().join("anjuan.toml")).unwrap();
    std::fs::create_dir(dir.path().join("cases")).unwrap();
    common::copy_originals(dir.path());
    // Cases made from demo copies under other numbers name their received files
    // under those numbers: give them a stand-in scan of the demo's.
    let stand_in = std::fs::read_dir(demo().join("originals"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "png"))
        .unwrap();
    for (name, text) in cases {
        std::fs::write(dir.path().join("cases").join(name), text).unwrap();
        for l in text.lines() {
            let l = l.trim();
            if let Some(rest) = l
                .strip_prefix("file = \"")
                .or_else(|| l.strip_prefix("original = \""))
            {
                let rel = rest.split('"').next().unwrap();
                let to = dir.path().join(rel);
                if !to.exists() {
                    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                    std::fs::copy(&stand_in, &to).unwrap();
                }
            }
        }
    }
    dir
}

fn render(dir: &Path, only: Option<&str>) {
    let mut args = vec!["render", "cases", "-o", "out"];
    if let Some(o) = only {
        args.extend(["--only", o]);
    }
    let o = anjuan(dir, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
}

fn find(dir: &Path, id: &str, kind: &str) -> PathBuf {
    let folder = dir.join("out").join(id);
    std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|e| e.unwrap().path())
        .find(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.ends_with(&format!("-{kind}.pdf"))
        })
        .unwrap_or_else(|| panic!("no {kind} in {}", folder.display()))
}

/// Demo case `file` under a new id, with the `key = "…"` lines replaced and
/// its document numbers made its own.
fn variant(file: &str, id: &str, set: &[(&str, String)]) -> String {
    let text = std::fs::read_to_string(demo().join("cases").join(file)).unwrap();
    let old_id = text
        .lines()
        .find_map(|l| l.strip_prefix("id = \""))
        .and_then(|l| l.split('"').next())
        .unwrap()
        .to_string();
    // Document numbers stay unique across the variants: 文号 from the id.
    let serial: usize = id.rsplit('-').next().unwrap().parse().unwrap();
    let mut nth = 0;
    text.lines()
        .map(|l| {
            if l.starts_with("doc_no = ") {
                nth += 1;
                return format!("doc_no = {}", serial * 10 + nth);
            }
            for (k, v) in set {
                if l.starts_with(&format!("{k} = \"")) {
                    return format!("{k} = \"{v}\"");
                }
            }
            l.replace(&old_id, id)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text with punctuation at every offset: runs of marks, quotes, brackets, titles.
fn filler(len: usize) -> String {
    let s = "经查，村道（上湾组段）排水沟“长期淤堵”。《青溪县农村公共基础设施管护办法》规定：村民委员会负责日常维护；镇村镇建设办公室负责监督检查，“汛前集中清理”。";
    s.chars().cycle().take(len).collect::<String>() + "。"
}

/// The sweep: one handling opinion whose summary and facts grow by 17
/// characters a step over 40 steps (more than a page of lines), so that headings,
/// punctuation and the signature fall on every position of a page. Every render
/// keeps every rule; the edge cases are seen (a heading moved to a page top, a
/// tightened grid, a carried signature).
#[test]
fn sweep_of_body_lengths_keeps_every_rule() {
    let cases: Vec<(String, String)> = (0..40)
        .map(|i| {
            let id = format!("XF-2026-{:04}", 101 + i);
            let t = variant(
                "XF-2026-0001.toml",
                &id,
                &[
                    ("summary", filler(60 + 17 * i)),
                    ("facts", filler(120 + 9 * i)),
                ],
            );
            (format!("{id}.toml"), t)
        })
        .collect();
    let dir = office(&cases);
    render(dir.path(), Some("处理意见书"));
    let heads = [
        "一、信访事项",
        "二、查明的事实",
        "三、处理依据",
        "四、处理意见",
        "本机关调查核实的情况如下：",
        "（一）关于第一项请求",
        "（二）关于第二项请求",
    ];
    let (mut tight, mut carried, mut heading_top) = (0, 0, 0);
    for i in 0..40 {
        let id = format!("XF-2026-{:04}", 101 + i);
        let pdf = find(dir.path(), &id, "处理意见书");
        let pitch = check_paper(&pdf, &heads);
        if !close(pitch, 225.0 * MM / 22.0, 0.01) {
            tight += 1;
        }
        let (page, closing, kept) = signature_page(&pdf, "特此告知。", "如对本处理意见不服");
        // Never the closing and signature alone: at least two lines of text
        // (the kept paragraph, or more) above the closing on its page.
        assert!(
            closing >= 2,
            "{id}: only {closing} lines of text above the closing on page {page}"
        );
        if kept == 0 && page > 1 {
            carried += 1;
        }
        let ws = words(&pdf);
        // The 版记 stays on the signature's page.
        let banji = ws
            .iter()
            .find(|w| w.text.contains("印发"))
            .map(|w| w.page)
            .expect("the 版记");
        assert_eq!(
            banji, page,
            "{id}: the 版记 is on page {banji}, the signature on {page}"
        );
        for p in 2..=pages(&pdf) {
            let first = squash(&text(&body_lines(&ws, p)[0]));
            if heads.contains(&first.as_str()) {
                heading_top += 1;
            }
        }
    }
    eprintln!("sweep: tightened {tight}, carried {carried}, headings at a page top {heading_top}");
    assert!(tight > 0, "no render of the sweep needed a tightened grid");
    assert!(heading_top > 0, "no heading of the sweep starts a page");
}

/// A closing and signature that would stand alone on page 2 by one line is
/// pulled back onto page 1 with 23 lines a page, all pages on one grid.
#[test]
fn a_signature_one_line_over_is_kept_by_tightening() {
    // Find, by summary length, the render where 22 lines would leave the
    // signature alone: the first length whose 22-line render would end on page 2.
    let cases: Vec<(String, String)> = (0..28)
        .map(|i| {
            let id = format!("XF-2026-{:04}", 201 + i);
            (
                format!("{id}.toml"),
                variant(
                    "XF-2026-0002.toml",
                    &id,
                    &[("summary", filler(40 + 14 * i))],
                ),
            )
        })
        .collect();
    let dir = office(&cases);
    render(dir.path(), Some("不予受理告知书"));
    let mut seen = 0;
    for i in 0..28 {
        let id = format!("XF-2026-{:04}", 201 + i);
        let pdf = find(dir.path(), &id, "不予受理告知书");
        let pitch = check_paper(&pdf, &["你的请求是：", "你（你们）的请求是："]);
        let (page, closing, _) = signature_page(&pdf, "特此告知。", "本告知书一式二份");
        assert!(
            closing >= 2,
            "{id}: the signature stands alone on page {page}"
        );
        if !close(pitch, 225.0 * MM / 22.0, 0.01) {
            seen += 1;
            // Tightened only when needed: the page uses a line past the 22nd.
            let lines = body_lines(&words(&pdf), page);
            let lowest = base(&lines.last().unwrap()[0]);
            let index = ((lowest - TOP - 0.88 * 16.0) / pitch).round() as usize;
            assert!(
                index >= 22,
                "{id}: tightened, but its last line is line {}",
                index + 1
            );
        }
    }
    assert!(seen > 0, "no length needed tightening");
}

/// pdftoppm at 72 dpi (1 px = 1 pt): (width, height, RGB bytes) of one page.
fn raster(pdf: &Path, page: usize) -> (usize, usize, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    let st = Command::new("pdftoppm")
        .args([
            "-r",
            "72",
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
            "-singlefile",
        ])
        .arg(pdf)
        .arg(&out)
        .status()
        .expect("pdftoppm");
    assert!(st.success());
    let bytes = std::fs::read(out.with_extension("ppm")).unwrap();
    // P6 <w> <h> <max>\n<data>
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let s = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[s..i]).to_string());
    }
    let w: usize = fields[1].parse().unwrap();
    let h: usize = fields[2].parse().unwrap();
    (w, h, bytes[i + 1..].to_vec())
}

fn is_red(px: &[u8]) -> bool {
    px[0] > 150 && px[1] < 110 && px[2] < 110
}

/// Red pixels inside a box (points).
fn red_in(img: &(usize, usize, Vec<u8>), x0: f64, y0: f64, x1: f64, y1: f64) -> usize {
    let (w, h, data) = img;
    let mut n = 0;
    for y in (y0.max(0.0) as usize)..(y1.ceil() as usize).min(*h) {
        for x in (x0.max(0.0) as usize)..(x1.ceil() as usize).min(*w) {
            if is_red(&data[(y * w + x) * 3..]) {
                n += 1;
            }
        }
    }
    n
}

/// Bounding box of all red pixels: (x0, y0, x1, y1) in points.
fn red_box(img: &(usize, usize, Vec<u8>)) -> Option<(f64, f64, f64, f64)> {
    let (w, h, data) = img;
    let mut b: Option<(usize, usize, usize, usize)> = None;
    for y in 0..*h {
        for x in 0..*w {
            if is_red(&data[(y * w + x) * 3..]) {
                b = Some(match b {
                    None => (x, y, x, y),
                    Some((a, c, d, e)) => (a.min(x), c.min(y), d.max(x), e.max(y)),
                });
            }
        }
    }
    b.map(|(a, c, d, e)| (a as f64, c as f64, d as f64 + 1.0, e as f64 + 1.0))
}

/// Rows (points) where a dark rule runs across at least `min` pixels.
fn rules(img: &(usize, usize, Vec<u8>), min: usize) -> Vec<usize> {
    let (w, h, data) = img;
    (0..*h)
        .filter(|y| {
            (0..*w)
                .filter(|x| {
                    let p = &data[(y * w + x) * 3..];
                    p[0] < 90 && p[1] < 90 && p[2] < 90
                })
                .count()
                >= min
        })
        .collect()
}

#[test]
fn seals_stay_in_their_cells_and_off_other_lines() {
    let (_d, root) = demo_run();
    let papers = root.join("office/papers");
    let pick = |case: &str, kind: &str| -> PathBuf {
        std::fs::read_dir(papers.join(case))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let n = p.file_name().unwrap().to_string_lossy().to_string();
                n.ends_with(".pdf") && n.contains(kind)
            })
            .unwrap_or_else(|| panic!("no {kind} in {case}"))
    };

    // 送达回证: the seal inside the 送达机关（印章） cell, between its rules and
    // right of the label column.
    let receipt = pick("XF-2026-0001", "送达回证");
    let img = raster(&receipt, 1);
    let ws = words(&receipt);
    let label = ws
        .iter()
        .find(|w| w.text.starts_with("送达机关（印"))
        .expect("the seal row");
    let (x0, y0, x1, y1) = red_box(&img).expect("a seal on the receipt");
    let rs = rules(&img, 300);
    let above = rs
        .iter()
        .rev()
        .find(|&&r| (r as f64) < label.y0)
        .copied()
        .unwrap() as f64;
    let below = rs
        .iter()
        .find(|&&r| (r as f64) > label.y1)
        .copied()
        .unwrap() as f64;
    assert!(
        y0 > above && y1 < below,
        "receipt seal {y0:.0}–{y1:.0} pt leaves its row {above:.0}–{below:.0}"
    );
    assert!(
        x0 > label.x1 && x1 < RIGHT,
        "receipt seal {x0:.0}–{x1:.0} pt leaves its cell"
    );

    // 协议书: the body's seal touches none of the other parties' or witnesses'
    // lines, nor the closing paragraph.
    let agreement = pick("XF-2026-0004", "协议书");
    let last = pages(&agreement);
    let img = raster(&agreement, last);
    let ws = words(&agreement);
    assert!(
        red_box(&img).is_some(),
        "no seal on the agreement's last page"
    );
    let others: Vec<&Word> = ws
        .iter()
        .filter(|w| w.page == last)
        .filter(|w| {
            w.text.contains("乙方")
                || w.text.contains("见证人")
                || w.text.starts_with("（")
                || w.text.contains("本协议")
        })
        .collect();
    assert!(others.len() >= 8, "the other signers' lines: {others:?}");
    for w in others {
        let n = red_in(&img, w.x0, w.y0, w.x1, w.y1);
        assert_eq!(n, 0, "the seal covers `{}` ({n} red pixels)", w.text);
    }

    // 办理情况报告: the seal covers the office name and the date, not the
    // contact line under them.
    let report = pick("XF-2026-0003", "办理情况报告");
    let last = pages(&report);
    let img = raster(&report, last);
    let ws = words(&report);
    let contact = ws
        .iter()
        .find(|w| w.page == last && w.text.contains("联系人"))
        .expect("the contact line");
    assert_eq!(
        red_in(&img, contact.x0, contact.y0, contact.x1, contact.y1),
        0,
        "the seal covers the contact line"
    );
    let date = ws
        .iter()
        .find(|w| w.page == last && w.text.starts_with("2026年") && w.x0 > 300.0)
        .expect("the date");
    assert!(
        red_in(&img, date.x0, date.y0, date.x1, date.y1) > 0,
        "the seal does not reach the date"
    );
}

#[test]
fn every_witness_of_an_agreement_has_a_signature_line() {
    let case = std::fs::read_to_string(demo().join("cases/XF-2026-0004.toml")).unwrap();
    assert!(
        case.contains("witnesses = [\"钱卫东（柳河司法所所长）\", \"俞志强（柳河村党支部书记）\"]")
    );
    let dir = office(&[("XF-2026-0004.toml".into(), case)]);
    render(dir.path(), Some("协议书"));
    let pdf = find(dir.path(), "XF-2026-0004", "协议书");
    let last = pages(&pdf);
    let page = squash(pdftotext(&pdf, None).split('\u{c}').nth(last - 1).unwrap());
    assert_eq!(
        page.matches("见证人（签字）：").count(),
        2,
        "two witness signature lines on the signature page: {page}"
    );
    for name in ["钱卫东，柳河司法所所长", "俞志强，柳河村党支部书记"] {
        assert!(
            page.contains(name),
            "no signature line names {name}: {page}"
        );
    }
}

/// 听证笔录 with eleven participants over several pages: every page has the
/// 22-line grid (body lines and signature lines together), the participants'
/// signature lines inside the block on every page, the number 7 mm below it.
#[test]
fn hearing_record_keeps_grid_number_and_signature_lines_inside_the_block() {
    let case = std::fs::read_to_string(demo().join("cases/XF-2026-0004.toml")).unwrap();
    let dir = office(&[("XF-2026-0004.toml".into(), case)]);
    render(dir.path(), Some("听证笔录"));
    let pdf = find(dir.path(), "XF-2026-0004", "听证笔录");
    let n = pages(&pdf);
    assert!(n >= 2, "the record should run over pages ({n})");
    let ws = words(&pdf);
    let pitch = 225.0 * MM / 22.0;
    for page in 1..=n {
        let on: Vec<&Word> = ws.iter().filter(|w| w.page == page).collect();
        // The signature lines: 参加人签名 and every role, inside the block.
        let label = on
            .iter()
            .find(|w| w.text.starts_with("参加人签名"))
            .unwrap_or_else(|| panic!("page {page}: no signature lines"));
        let signers: Vec<&&Word> = on
            .iter()
            .filter(|w| (w.y1 - w.y0) < 13.0 && w.y0 >= label.y0 - 1.0)
            .collect();
        assert!(
            signers.len() >= 12,
            "page {page}: {} signer words",
            signers.len()
        );
        for w in &signers {
            assert!(w.y1 <= BOTTOM, "page {page}: `{}` below the block", w.text);
        }
        // Rows of the page: body lines and signer rows, by baseline.
        let mut bases: Vec<f64> = on
            .iter()
            .filter(|w| w.y1 <= BOTTOM + 1.0 && w.y0 >= TOP - 1.0 && w.y1 - w.y0 < 17.0)
            .map(|w| base(w))
            .collect();
        bases.sort_by(f64::total_cmp);
        bases.dedup_by(|a, b| close(*a, *b, 1.0));
        for b in &bases {
            let k = (b - (TOP + 0.88 * 16.0)) / pitch;
            assert!(
                close(k, k.round(), 0.5 / pitch),
                "page {page}: a line at {b:.2} pt is off the 22-line grid"
            );
        }
        // A full page uses every line of the grid from its first line (under
        // the title on page 1) to the 22nd.
        let index = |b: f64| ((b - (TOP + 0.88 * 16.0)) / pitch).round() as usize;
        if page < n {
            let first = index(bases[0]);
            assert_eq!(
                bases.len(),
                22 - first,
                "page {page}: {} lines from line {}, want all to the 22nd",
                bases.len(),
                first + 1
            );
            if page > 1 {
                assert_eq!(first, 0);
            }
        }
        // The last signer row is the block's last line.
        let last_row = bases.last().copied().unwrap();
        assert!(close(last_row, TOP + 0.88 * 16.0 + 21.0 * pitch, 0.5));
        // The page number: 7 mm below the block.
        let num: Vec<&&Word> = on.iter().filter(|w| w.y0 > BOTTOM).collect();
        assert_eq!(
            num.iter().map(|w| w.text.as_str()).collect::<String>(),
            format!("—{page}—")
        );
        let cap_top = num[0].y0 + (0.88 - 0.733) * 14.0;
        assert!(
            close(cap_top, BOTTOM + 7.0 * MM, 1.0),
            "page {page}: number {:.1} mm below the block",
            (cap_top - BOTTOM) / MM
        );
    }
}

/// The rules hold on the papers of 30 synthetic cases (`anjuan synth`: every
/// shape of case the generator makes), not only on the demo office.
#[test]
fn synthetic_papers_keep_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = anjuan(d, &["synth", "30", "-o", "office"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let o = anjuan(d, &["render", "office", "-o", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let heads = [
        "一、信访事项",
        "二、查明的事实",
        "三、处理依据",
        "四、处理意见",
        "你的请求是：",
        "你们的请求是：",
        "你（你们）的请求是：",
        "本机关调查核实的情况如下：",
    ];
    let mut checked = 0;
    for case in std::fs::read_dir(d.join("out")).unwrap() {
        let case = case.unwrap().path();
        if !case.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&case).unwrap() {
            let f = f.unwrap().path();
            let n = f.file_name().unwrap().to_string_lossy().to_string();
            let body = ["告知书", "意见书", "办理情况报告"]
                .iter()
                .any(|k| n.ends_with(&format!("{k}.pdf")))
                && !n.contains("送达回证");
            if body {
                check_paper(&f, &heads);
                checked += 1;
            }
        }
    }
    assert!(checked >= 60, "only {checked} papers checked");
}
