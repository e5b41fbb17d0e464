//! `anjuan init`, `anjuan demo` and `anjuan synth`: making an office folder.

use super::*;

/// The example office's configuration for an office that counts days as a real one
/// does (from today): without the example's fixed `as_of` and the lines that
/// explain it. For `init` and `synth`.
pub(super) fn real_office_config() -> String {
    let mut out = String::new();
    let mut skip_comment = false;
    for l in DEMO[0].1.lines() {
        let t = l.trim_start();
        if t.starts_with("# 演示日期") {
            skip_comment = true;
        }
        if t.starts_with("as_of") {
            skip_comment = false;
            continue;
        }
        if skip_comment && t.starts_with('#') {
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

pub(super) fn synth(
    count: usize,
    output: &Path,
    year: i32,
    seed: u64,
) -> Result<Outcome, AppError> {
    write_atomic(&output.join("anjuan.toml"), real_office_config().as_bytes())?;
    // The stand-in for the received originals the cases name (复查, 复核, 交办单).
    write_atomic(
        &output.join(crate::synth::ORIGINAL),
        &crate::synth::original_png(),
    )?;
    for c in crate::synth::cases(seed, count, year) {
        let text = toml::to_string(&c).map_err(|e| AppError::Output(std::io::Error::other(e)))?;
        write_atomic(
            &output.join("cases").join(format!("{}.toml", c.id)),
            text.as_bytes(),
        )?;
    }
    println!(
        "已生成 {count} 件模拟案件 (synthetic cases) → {}",
        output.display()
    );
    Ok(Outcome::Clean)
}

/// The demo office, compiled in so `anjuan demo` and `anjuan init` work from any folder.
pub(super) const DEMO: &[(&str, &str)] = &[
    (
        "anjuan.toml",
        include_str!("../../examples/demo-office/anjuan.toml"),
    ),
    (
        "cases/XF-2026-0001.toml",
        include_str!("../../examples/demo-office/cases/XF-2026-0001.toml"),
    ),
    (
        "cases/XF-2026-0002.toml",
        include_str!("../../examples/demo-office/cases/XF-2026-0002.toml"),
    ),
    (
        "cases/XF-2026-0003.toml",
        include_str!("../../examples/demo-office/cases/XF-2026-0003.toml"),
    ),
    (
        "cases/XF-2026-0004.toml",
        include_str!("../../examples/demo-office/cases/XF-2026-0004.toml"),
    ),
    (
        "cases/XF-2026-0005.toml",
        include_str!("../../examples/demo-office/cases/XF-2026-0005.toml"),
    ),
    (
        "cases/XF-2026-0006.toml",
        include_str!("../../examples/demo-office/cases/XF-2026-0006.toml"),
    ),
    (
        "cases/XF-2026-0007.toml",
        include_str!("../../examples/demo-office/cases/XF-2026-0007.toml"),
    ),
    (
        "cases/XF-2026-0008.toml",
        include_str!("../../examples/demo-office/cases/XF-2026-0008.toml"),
    ),
    ("fonts/README.md", include_str!("../../fonts/README.md")),
    (
        "templates/README.md",
        include_str!("../../templates/README.md"),
    ),
];

/// The demo office's received files (stand-in scans: see
/// examples/demo-office/originals/README.md), written beside its cases.
pub(super) const DEMO_FILES: &[(&str, &[u8])] = &[
    (
        "originals/XF-2026-0001-letter.png",
        include_bytes!("../../examples/demo-office/originals/XF-2026-0001-letter.png"),
    ),
    (
        "originals/XF-2026-0003-assignment-slip.png",
        include_bytes!("../../examples/demo-office/originals/XF-2026-0003-assignment-slip.png"),
    ),
    (
        "originals/XF-2026-0005-review.png",
        include_bytes!("../../examples/demo-office/originals/XF-2026-0005-review.png"),
    ),
    (
        "originals/XF-2026-0005-re-review.png",
        include_bytes!("../../examples/demo-office/originals/XF-2026-0005-re-review.png"),
    ),
    (
        "originals/XF-2026-0005-letter.png",
        include_bytes!("../../examples/demo-office/originals/XF-2026-0005-letter.png"),
    ),
];

/// What `anjuan init` writes: the demo's configuration, two example cases (and
/// the received letter the first names), the folders.
pub(super) const SCAFFOLD: &[&str] = &[
    "anjuan.toml",
    "cases/XF-2026-0001.toml",
    "cases/XF-2026-0002.toml",
    "originals/XF-2026-0001-letter.png",
    "fonts/README.md",
    "templates/README.md",
];

/// The whole flow on the example office: an office key (unencrypted, made here),
/// every paper rendered and signed, the 2026 year-end bundle packed.
pub(super) fn demo(output: &Path, look: &LookOptions) -> Result<Outcome, AppError> {
    let office = output.join("office");
    let keys = office.join("keys");
    let mut config = DEMO[0].1.to_string();
    config.push_str(DEMO_SIGNING);
    for (rel, text) in DEMO {
        let text: &str = if *rel == "anjuan.toml" { &config } else { text };
        write_atomic(&office.join(rel), text.as_bytes())?;
    }
    for (rel, bytes) in DEMO_FILES {
        write_atomic(&office.join(rel), bytes)?;
    }
    println!("示例办公室 (example office): {}", office.display());
    if !keys.join("anjuan.key").exists() {
        let (pk, sk) = sign::generate(String::new()).map_err(|source| AppError::Sign {
            path: keys.clone(),
            source,
        })?;
        crate::fsutil::write_secret(&keys.join("anjuan.key"), sk.as_bytes())?;
        write_atomic(&keys.join("anjuan.pub"), pk.as_bytes())?;
        println!(
            "演示密钥 (demo key, unencrypted): {}",
            keys.join("anjuan.key").display()
        );
    }
    let papers = office.join("papers");
    let rendered = render(
        None,
        std::slice::from_ref(&office),
        Some(&papers),
        None,
        (false, false),
        look,
    )?;
    let archive = output.join("archive");
    let opts = PackOptions {
        json: false,
        unsigned: false,
        papers: None,
        date: None,
        force: true,
        look: look.clone(),
        pass: PassOptions {
            passphrase_env: None,
        },
    };
    let packed = pack(None, &office, Scope::Year(2026), Some(&archive), &opts)?;
    // The receiving side, on the bundle just made: the 四性检测 with the demo key trusted.
    let bundle = archive.join("X012-WS-2026-XFB.zip");
    let vopts = crate::cli::VerifyOptions {
        trust: vec![office.join("keys/anjuan.pub")],
        bagit: false,
        profile: None,
        algs: vec![],
        scan: None,
        date: None,
    };
    let checked = if bundle.is_file() {
        let report = run_verify(&bundle, &vopts, look.jobs)?;
        println!(
            "四性检测 (verify) {}: {}（通过 {}，不通过 {}，警告 {}，未检测 {}）；详见 anjuan verify {}",
            bundle.display(),
            if report.accepted() {
                "同意接收"
            } else {
                "不予接收"
            },
            report.counts.pass,
            report.counts.fail,
            report.counts.warn,
            report.counts.unchecked,
            bundle.display()
        );
        if report.accepted() {
            Outcome::Clean
        } else {
            Outcome::Invalid
        }
    } else {
        Outcome::Invalid
    };
    // The office's ledger and the year's report.
    let office_arg = [office.clone()];
    ledger::ledger_export(
        None,
        &office_arg,
        Some(&output.join("台账.xlsx")),
        None,
        true,
        false,
        false,
    )?;
    ledger::report(
        None,
        &office_arg,
        2026,
        Some(output),
        None,
        true,
        false,
        look,
    )?;
    println!(
        "打开 (open) {} 查看每件案件的文书，{} 查看年度移交包；案件记录在 {}",
        papers.display(),
        archive.display(),
        office.join("cases").display()
    );
    Ok(
        if rendered == Outcome::Clean && packed == Outcome::Clean && checked == Outcome::Clean {
            Outcome::Clean
        } else {
            Outcome::Invalid
        },
    )
}

/// Signing settings appended to the demo office's configuration.
pub(super) const DEMO_SIGNING: &str = "
# 电子签名：演示办公室用 anjuan demo 生成的未加密密钥；每份文书生成时即签名
[signing]
key = \"keys/anjuan.key\"
public = \"keys/anjuan.pub\"
required = true
# 接收方信任的移交单位公钥：演示办公室也接收自己打的包，故信任自己的公钥
trusted = [\"keys/anjuan.pub\"]
";

/// Signing settings written into a new office's configuration by `init`.
pub(super) const INIT_SIGNING: &str = "
# 电子签名：anjuan init 生成的机关密钥；每份文书生成时即签名。公钥 keys/anjuan.pub 交给接收方。
[signing]
key = \"keys/anjuan.key\"
public = \"keys/anjuan.pub\"
required = true
# 作为接收方时：把各移交单位交来的公钥（.pub）放进 keys/trusted/，再启用下一行
# trusted = [\"keys/trusted\"]
";

pub(super) fn init(
    dir: &Path,
    force: bool,
    unencrypted: bool,
    passphrase_env: Option<&str>,
    json: bool,
) -> Result<Outcome, AppError> {
    if !force {
        for rel in SCAFFOLD
            .iter()
            .chain(&["keys/anjuan.key", "keys/anjuan.pub"])
        {
            let target = dir.join(rel);
            if target.exists() {
                return Err(AppError::Exists(target));
            }
        }
    }
    // The passphrase first: a run that cannot get one writes nothing.
    let passphrase = new_passphrase(unencrypted, passphrase_env)?;
    for (rel, text) in DEMO.iter().filter(|(rel, _)| SCAFFOLD.contains(rel)) {
        if *rel == "anjuan.toml" {
            continue;
        }
        write_atomic(&dir.join(rel), text.as_bytes())?;
    }
    for (rel, bytes) in DEMO_FILES.iter().filter(|(rel, _)| SCAFFOLD.contains(rel)) {
        write_atomic(&dir.join(rel), bytes)?;
    }
    // The office key, and [signing] pointing at it: papers are signed from the
    // first render, and `pack` makes bundles a receiver accepts.
    let made = make_key(&dir.join("keys"), passphrase, force)?;
    let mut text = real_office_config();
    text.push_str(INIT_SIGNING);
    write_atomic(&dir.join("anjuan.toml"), text.as_bytes())?;
    if json {
        let report = crate::office::output::InitReport {
            schema: "anjuan-init/1".into(),
            office: dir.display().to_string(),
            files: SCAFFOLD
                .iter()
                .map(|s| s.to_string())
                .chain(["keys/anjuan.key".into(), "keys/anjuan.pub".into()])
                .collect(),
            key: key_report(&made),
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
        return Ok(Outcome::Clean);
    }
    println!(
        "已建立办公室目录 (office folder created): {}",
        dir.display()
    );
    println!(
        "  {}  机关名称、全宗号、发文代字、签发人、节假日 — 请先修改",
        dir.join("anjuan.toml").display()
    );
    println!(
        "  {}  案件记录，每件一个文件（两个样例）",
        dir.join("cases").display()
    );
    println!(
        "  {}  放入本机关的字体（仿宋_GB2312 等）",
        dir.join("fonts").display()
    );
    println!(
        "  {}  放入自定义模板以覆盖内置模板",
        dir.join("templates").display()
    );
    println!(
        "  {}  机关签名私钥（{}），{} 交给接收方",
        made.secret.display(),
        if made.encrypted {
            "口令保护；无人值守时设 ANJUAN_PASSPHRASE"
        } else {
            "未加密，请妥善保管"
        },
        made.public.display()
    );
    println!("下一步 (next): anjuan check {}", dir.display());
    Ok(Outcome::Clean)
}
