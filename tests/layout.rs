//! GB/T 9704-2012, measured on the PDF (pdftotext -bbox), not eyeballed:
//! margins 37/35/28/26 mm, 22 lines × 28 characters, 16 pt body, 22 pt title,
//! page numbers 7 mm below the text block, outside-aligned one character in,
//! the date four characters from the right, heading fonts by role.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const LEFT: f64 = 28.0 * MM;
const RIGHT: f64 = (210.0 - 26.0) * MM;
const TOP: f64 = 37.0 * MM;
const BOTTOM: f64 = (37.0 + 225.0) * MM;

/// A case whose summary fills more than two pages, rendered to its acceptance notice
/// and handling opinion.
fn long_papers() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(demo().join("anjuan.toml"), dir.path().join("anjuan.toml")).unwrap();
    copy_originals(dir.path());
    let text = std::fs::read_to_string(demo().join("cases/XF-2026-0001.toml")).unwrap();
    let sentence = "经查，石桥村上湾组村道东侧排水沟全长约三百二十米，因上游建房弃土和枯枝淤积，约六十米沟段过水断面不足三成。";
    let long = sentence.repeat(20);
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("summary = ") {
                format!("summary = \"{long}\"")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.path().join("a.toml"), text).unwrap();
    let o = anjuan(dir.path(), &["render", "a.toml", "-o", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let folder = dir.path().join("out/XF-2026-0001");
    let find = |k: &str| {
        std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .ends_with(&format!("-{k}.pdf"))
            })
            .unwrap()
    };
    let a = find("受理告知书");
    let b = find("处理意见书");
    (dir, a, b)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// Body lines of a page: words grouped by their top edge, inside the text block.
fn lines(words: &[Word], page: usize) -> Vec<Vec<Word>> {
    let mut ws: Vec<Word> = words
        .iter()
        .filter(|w| w.page == page && w.y1 <= BOTTOM + 1.0)
        .cloned()
        .collect();
    ws.sort_by(|a, b| {
        a.y0.partial_cmp(&b.y0)
            .unwrap()
            .then(a.x0.partial_cmp(&b.x0).unwrap())
    });
    let mut out: Vec<Vec<Word>> = Vec::new();
    for w in ws {
        match out.last_mut() {
            Some(l) if close(l[0].y0, w.y0, 1.0) => l.push(w),
            _ => out.push(vec![w]),
        }
    }
    out
}

#[test]
fn text_block_is_22_lines_of_28_characters_within_the_margins() {
    let (_d, notice, _) = long_papers();
    let ws = words(&notice);
    assert!(pages(&notice) >= 3);
    // Page 2 is all body text: a full grid.
    let page2 = lines(&ws, 2);
    assert_eq!(page2.len(), 22, "page 2 has {} lines", page2.len());
    let pitch = (page2[21][0].y0 - page2[0][0].y0) / 21.0;
    assert!(
        close(pitch, 225.0 * MM / 22.0, 0.05),
        "line pitch {pitch:.3} pt"
    );
    assert!(
        close(page2[0][0].y0, TOP, 0.5),
        "first line top {:.2} pt, want 37 mm",
        page2[0][0].y0
    );
    // The last line's cell ends at the bottom of the block (35 mm from the page edge).
    // 22 line cells fill the 225 mm block exactly: the 22nd ends at 35 mm from the bottom edge.
    let end = page2[21][0].y0 + pitch;
    assert!(
        close(end, BOTTOM, 0.5),
        "the grid ends at {:.2} pt, the block at {BOTTOM:.2} pt",
        end
    );
    for l in &page2 {
        let x0 = l.first().unwrap().x0;
        let x1 = l.last().unwrap().x1;
        let chars: usize = l.iter().map(|w| w.text.chars().count()).sum();
        assert!(
            close(x0, LEFT, 0.5),
            "line starts at {x0:.2} pt, want 28 mm"
        );
        assert!(
            x1 <= RIGHT + 0.5,
            "line ends at {x1:.2} pt, beyond 26 mm from the right"
        );
        if close(x1, RIGHT, 0.5) {
            let t: String = l.iter().map(|w| w.text.as_str()).collect();
            assert_eq!(chars, 28, "a full line holds {chars} characters: {t}");
            let pitch = (x1 - x0 - (16.0 - 156.0 * MM / 28.0)) / 28.0;
            assert!(
                close(pitch, 156.0 * MM / 28.0, 0.02),
                "character pitch {pitch:.3} pt"
            );
        }
    }
    // Body text is 16 pt (the word box height of a 16 pt line).
    let h = page2[0][0].y1 - page2[0][0].y0;
    assert!(close(h, 16.0, 0.2), "body text is {h:.2} pt");
}

#[test]
fn title_is_22_pt_and_centred() {
    let (_d, notice, _) = long_papers();
    let ws = words(&notice);
    let first = lines(&ws, 1);
    let title = &first[0];
    let h = title[0].y1 - title[0].y0;
    assert!(close(h, 22.0, 0.3), "title is {h:.2} pt");
    assert!(
        close(title[0].y0, TOP, 0.5),
        "title starts {:.2} pt, want the top of the block",
        title[0].y0
    );
    let mid = (title.first().unwrap().x0 + title.last().unwrap().x1) / 2.0;
    assert!(
        close(mid, (LEFT + RIGHT) / 2.0, 1.0),
        "title centre {mid:.1} pt"
    );
}

#[test]
fn page_numbers_sit_7mm_below_the_block_outside_one_character_in() {
    let (_d, notice, _) = long_papers();
    let ws = words(&notice);
    for page in 1..=pages(&notice) {
        let num: Vec<&Word> = ws
            .iter()
            .filter(|w| w.page == page && w.y0 > BOTTOM)
            .collect();
        let text: String = num.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(
            text,
            format!("—{page}—"),
            "page {page} number reads `{text}`"
        );
        // The dash line's cap height top is 7 mm under the block (±1 pt).
        let cap_top = num[0].y0 + (0.88 - 0.733) * 14.0;
        assert!(
            close(cap_top, BOTTOM + 7.0 * MM, 1.0),
            "page {page}: number top at {:.1} mm below block",
            (cap_top - BOTTOM) / MM
        );
        let h = num[0].y1 - num[0].y0;
        assert!(
            close(h, 14.0, 0.2),
            "page number is {h:.1} pt (4号 = 14 pt)"
        );
        if page % 2 == 1 {
            assert!(
                close(num.last().unwrap().x1, RIGHT - 14.0, 1.0),
                "odd page {page}: number not one character in from the right"
            );
        } else {
            assert!(
                close(num[0].x0, LEFT + 14.0, 1.0),
                "even page {page}: number not one character in from the left"
            );
        }
    }
}

#[test]
fn date_is_four_characters_from_the_right_and_office_centred_over_it() {
    let (_d, notice, _) = long_papers();
    let ws = words(&notice);
    let last = pages(&notice);
    let date = ws
        .iter()
        .find(|w| w.page == last && w.text.starts_with("2026年3月9日"))
        .expect("the date");
    let pitch = 156.0 * MM / 28.0;
    assert!(
        close(date.x1, RIGHT - 4.0 * pitch, 1.0),
        "date ends {:.1} pt from the right margin, want 4 characters",
        RIGHT - date.x1
    );
    let office = ws
        .iter()
        .find(|w| w.page == last && w.text.contains("青溪县柳河镇人民政府") && w.y0 < date.y0)
        .expect("the office name");
    let mid_o = (office.x0 + office.x1) / 2.0;
    let mid_d = (date.x0 + date.x1) / 2.0;
    assert!(
        close(mid_o, mid_d, 1.0),
        "office name centre {mid_o:.1} vs date centre {mid_d:.1}"
    );
}

#[test]
fn headings_use_hei_and_kai_and_the_body_song_or_fangsong() {
    let (_d, _, opinion) = long_papers();
    let out = Command::new("pdffonts")
        .arg(&opinion)
        .output()
        .expect("pdffonts");
    let fonts = String::from_utf8_lossy(&out.stdout);
    let has = |any: &[&str]| any.iter().any(|f| fonts.contains(f));
    assert!(
        has(&["SimHei", "NotoSansCJK", "SourceHanSans"]),
        "no 黑体-role font in the opinion:\n{fonts}"
    );
    assert!(
        has(&["KaiTi", "LXGWWenKai", "Kaiti"]),
        "no 楷体-role font in the opinion:\n{fonts}"
    );
    assert!(
        has(&["FangSong", "NotoSerifCJK", "SourceHanSerif"]),
        "no body font in the opinion:\n{fonts}"
    );
    let _ = Path::new("");
}
