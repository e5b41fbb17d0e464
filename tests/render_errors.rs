//! Rendering when things go wrong: no CJK font, a character no font has, broken
//! or overridden templates, a failing case among good ones; fonts by role.

mod common;

use std::path::Path;

use common::*;

fn office_with(cases: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(demo().join("anjuan.toml"), dir.path().join("anjuan.toml")).unwrap();
    std::fs::create_dir_all(dir.path().join("cases")).unwrap();
    copy_originals(dir.path());
    for (name, text) in cases {
        std::fs::write(dir.path().join("cases").join(name), text).unwrap();
    }
    dir
}

fn demo_case(id: &str) -> String {
    std::fs::read_to_string(demo().join(format!("cases/{id}.toml"))).unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn no_cjk_font_says_how_to_install_one() {
    let dir = office_with(&[("a.toml", demo_case("XF-2026-0002"))]);
    let o = anjuan(
        dir.path(),
        &["render", "--no-system-fonts", ".", "-o", "out"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    let err = stderr(&o);
    assert!(
        err.contains("没有找到中文字体") && err.contains("apt-get install -y fonts-noto-cjk"),
        "{err}"
    );
    assert!(
        !dir.path().join("out").exists(),
        "nothing is written when fonts are missing"
    );
}

#[test]
fn font_dir_alone_is_enough() {
    let fonts = tempfile::tempdir().unwrap();
    let noto = [
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    ];
    for f in noto {
        std::fs::copy(f, fonts.path().join(Path::new(f).file_name().unwrap()))
            .expect("fonts-noto-cjk is installed");
    }
    let dir = office_with(&[("a.toml", demo_case("XF-2026-0002"))]);
    let fd = fonts.path().display().to_string();
    let o = anjuan(
        dir.path(),
        &[
            "render",
            "--no-system-fonts",
            "--font-dir",
            &fd,
            ".",
            "-o",
            "out",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(dir
        .path()
        .join("out/XF-2026-0002/01-不予受理告知书.pdf")
        .is_file());
}

#[test]
fn a_character_no_font_has_names_itself_its_field_and_its_case_and_spares_the_others() {
    let bad =
        demo_case("XF-2026-0001").replacen("summary = \"石桥村", "summary = \"\u{E000}石桥村", 1);
    let dir = office_with(&[("a.toml", bad), ("b.toml", demo_case("XF-2026-0002"))]);
    let o = anjuan(dir.path(), &["render", ".", "-o", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    let err = stderr(&o);
    assert!(
        err.contains("U+E000") && err.contains("matter.summary") && err.contains("XF-2026-0001"),
        "{err}"
    );
    assert!(
        !dir.path().join("out/XF-2026-0001").exists()
            || std::fs::read_dir(dir.path().join("out/XF-2026-0001"))
                .unwrap()
                .count()
                == 0
    );
    // The other case still got its papers.
    assert!(
        dir.path()
            .join("out/XF-2026-0002/01-不予受理告知书.pdf")
            .is_file(),
        "{}",
        text_of(&o)
    );
}

#[test]
fn an_invalid_case_gets_no_papers_and_says_why() {
    let bad = demo_case("XF-2026-0002").replace("330122198509234624", "330122198509234625");
    let dir = office_with(&[("a.toml", bad), ("b.toml", demo_case("XF-2026-0001"))]);
    let o = anjuan(dir.path(), &["render", ".", "-o", "out"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("[id-checksum]"), "{}", stderr(&o));
    assert!(!dir.path().join("out/XF-2026-0002").exists());
    assert!(dir.path().join("out/XF-2026-0001").is_dir());
}

#[test]
fn office_templates_override_the_built_in_ones() {
    let dir = office_with(&[("a.toml", demo_case("XF-2026-0002"))]);
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    let builtin = std::fs::read_to_string(root().join("templates/refuse-notice.typ")).unwrap();
    let custom = format!("{builtin}\n本告知书由本机关自定义模板生成。\n");
    std::fs::write(dir.path().join("templates/refuse-notice.typ"), custom).unwrap();
    let o = anjuan(dir.path(), &["render", ".", "-o", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let text = squash(&pdftotext(
        &dir.path().join("out/XF-2026-0002/01-不予受理告知书.pdf"),
        None,
    ));
    assert!(text.contains("本告知书由本机关自定义模板生成。"), "{text}");
}

#[test]
fn a_template_syntax_error_names_the_file_and_line() {
    let dir = office_with(&[("a.toml", demo_case("XF-2026-0002"))]);
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/refuse-notice.typ"),
        "#import \"layout.typ\": *\n正文\n{% if %}\n",
    )
    .unwrap();
    let o = anjuan(dir.path(), &["render", ".", "-o", "out"]);
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    let err = stderr(&o);
    assert!(
        err.contains("templates/refuse-notice.typ") && err.contains("3:"),
        "{err}"
    );
}

#[test]
fn a_template_render_error_names_the_file_and_line() {
    let dir = office_with(&[("a.toml", demo_case("XF-2026-0002"))]);
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/refuse-notice.typ"),
        "#import \"layout.typ\": *\n\n\n\n{{ case.no_such_field }}\n",
    )
    .unwrap();
    let o = anjuan(dir.path(), &["render", ".", "-o", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    let err = stderr(&o);
    assert!(
        err.contains("templates/refuse-notice.typ:5") && err.contains("no_such_field"),
        "{err}"
    );
}

#[test]
fn role_fonts_come_from_the_office_configuration() {
    let dir = office_with(&[("a.toml", demo_case("XF-2026-0002"))]);
    let cfg = std::fs::read_to_string(dir.path().join("anjuan.toml")).unwrap();
    let cfg = cfg.replace(
        "ignore_system = false",
        "ignore_system = false\nbody = [\"LXGW WenKai\"]",
    );
    std::fs::write(dir.path().join("anjuan.toml"), cfg).unwrap();
    let o = anjuan(dir.path(), &["render", ".", "-o", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let out = std::process::Command::new("pdffonts")
        .arg(dir.path().join("out/XF-2026-0002/01-不予受理告知书.pdf"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("LXGWWenKai"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_office_seal_image_replaces_the_placeholder() {
    let dir = office_with(&[("a.toml", demo_case("XF-2026-0002"))]);
    let o = anjuan(
        dir.path(),
        &["render", ".", "--only", "不予受理告知书", "-o", "plain"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let plain = dir.path().join("plain/XF-2026-0002/01-不予受理告知书.pdf");
    assert!(
        squash(&pdftotext(&plain, None)).contains("样章"),
        "no placeholder seal marked 样章"
    );
    // With a seal image configured (relative to anjuan.toml), no placeholder.
    std::fs::create_dir_all(dir.path().join("seal")).unwrap();
    std::fs::write(
        dir.path().join("seal/seal.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="420" height="420"><circle cx="210" cy="210" r="200" fill="none" stroke="#e60012" stroke-width="12"/></svg>"##,
    )
    .unwrap();
    let cfg = std::fs::read_to_string(dir.path().join("anjuan.toml")).unwrap();
    let cfg = cfg.replace(
        "# seal = \"seal/信访工作专用章.png\"",
        "seal = \"seal/seal.svg\"",
    );
    assert!(cfg.contains("seal = \"seal/seal.svg\""));
    std::fs::write(dir.path().join("anjuan.toml"), cfg).unwrap();
    let o = anjuan(
        dir.path(),
        &["render", ".", "--only", "refuse-notice", "-o", "sealed"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    let sealed = dir.path().join("sealed/XF-2026-0002/01-不予受理告知书.pdf");
    let text = squash(&pdftotext(&sealed, None));
    assert!(
        !text.contains("样章") && text.contains("青溪县柳河镇人民政府"),
        "{text}"
    );
    // --only renders just that paper (beside it: the render record).
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("sealed/XF-2026-0002"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["01-不予受理告知书.pdf", "render-record.json"]);
    // A seal path that does not exist stops the run before anything is written.
    let cfg = std::fs::read_to_string(dir.path().join("anjuan.toml"))
        .unwrap()
        .replace("seal/seal.svg", "seal/none.png");
    std::fs::write(dir.path().join("anjuan.toml"), cfg).unwrap();
    let o = anjuan(dir.path(), &["render", ".", "-o", "broken"]);
    assert_eq!(o.status.code(), Some(2), "{}", text_of(&o));
    assert!(
        stderr(&o).contains("印章图片") && !dir.path().join("broken").exists(),
        "{}",
        stderr(&o)
    );
}
