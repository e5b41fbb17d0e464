//! `anjuan render`: calls `office::render` and prints what it did.

use super::*;
use crate::office::render::{self as rendering, RenderOptions as Options};

pub(super) fn render(
    config: Option<&Path>,
    paths: &[PathBuf],
    output: Option<&Path>,
    only: Option<&str>,
    (force, json): (bool, bool),
    look: &LookOptions,
) -> Result<Outcome, AppError> {
    let only = match only {
        Some(s) => Some(Kind::parse(s).ok_or_else(|| AppError::Kind(s.to_string()))?),
        None => None,
    };
    let opts = Options {
        config: config.map(Path::to_path_buf),
        output: output.map(Path::to_path_buf),
        only,
        force,
        look: look_of(look),
        actor: crate::office::audit::cli_actor(),
    };
    let bars = bars::Bars::new();
    let done = rendering::render(paths, &opts, &key_passphrase(None), &|e| bars.event(e))?;
    for (_, e) in &done.failed {
        eprintln!("anjuan: {e}");
        if let Some(h) = e.remedy() {
            eprintln!("    修改建议 (remedy): {h}");
        }
    }
    let outcome = if done.failures() > 0 {
        Outcome::Invalid
    } else {
        Outcome::Clean
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&done.report()).unwrap_or_default()
        );
        return Ok(outcome);
    }
    println!(
        "已生成 {} 份文书 (papers made)，{} 份未变、沿用 (kept: inputs unchanged)，{} 件案件 (cases)，用时 {:.1} 秒 → {}",
        done.made,
        done.kept,
        done.cases,
        done.seconds,
        done.output.display()
    );
    if !done.official_fonts {
        println!(
            "注意 (note): 未找到全部公文标准字体（方正小标宋简体、仿宋_GB2312、黑体、楷体_GB2312），以开源字体代替；正文用 {}",
            done.body_font.as_deref().unwrap_or("?")
        );
    }
    if done.failures() > 0 {
        println!(
            "{} 件案件未能生成文书 (cases failed)：见上方错误",
            done.failures()
        );
    }
    Ok(outcome)
}
