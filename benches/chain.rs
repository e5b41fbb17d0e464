//! The whole chain at county scale: `cargo bench --bench chain`.
//!
//! Makes an office as a real one is set up (`anjuan synth N`, an office key,
//! `[signing]` on, papers rendered into the office's `papers/`), then runs each
//! step as its own process of the release binary, under `/usr/bin/time`:
//!
//! 1. `synth` — N cases;
//! 2. `render` — every paper, signed;
//! 3. `render` again, nothing changed (kept: the ratio to the first render);
//! 4. `pack year` — the signed BagIt bundle of the closed cases;
//! 5. `verify` — the full 四性检测 of that bundle, the office key trusted;
//! 6. `check` and `deadlines` of the whole office.
//!
//! For each: wall time, CPU time (user + system) and peak resident memory (the
//! step's process; each is one process). N from `ANJUAN_BENCH_N` (default
//! 1,000); `ANJUAN_BENCH_N=10000 cargo bench --bench chain` for a county year
//! (about half an hour on two cores). `ANJUAN_BENCH_DIR` keeps the office in
//! that folder instead of a temporary one.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use support::*;

/// What `/usr/bin/time` measured of one step.
#[derive(Clone, Copy, Default)]
struct Step {
    wall: f64,
    cpu: f64,
    peak_mb: f64,
}

/// Runs the binary with `args` under `/usr/bin/time`; returns the figures and
/// what it printed (stdout, stderr).
fn measured(args: &[&str], cwd: &Path) -> (Step, String) {
    let times = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%e %U %S %M")
        .arg("-o")
        .arg(times.path())
        .arg(bin())
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .expect("run /usr/bin/time (package `time`)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // 1: findings (late cases, defects) — still measured; 2 and up: could not run.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "anjuan {args:?} failed: {}\n{text}",
        out.status
    );
    if out.status.code() == Some(1) {
        println!("    (anjuan {} exited 1: findings)", args[0]);
    }
    let t = std::fs::read_to_string(times.path()).unwrap();
    let v: Vec<f64> = t
        .lines()
        .last()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    assert_eq!(v.len(), 4, "/usr/bin/time said: {t}");
    (
        Step {
            wall: v[0],
            cpu: v[1] + v[2],
            peak_mb: v[3] / 1024.0,
        },
        text,
    )
}

fn row(name: &str, s: Step, note: &str) {
    println!(
        "{name:<28} {:>9.1} s {:>9.1} s {:>8.0} MB   {note}",
        s.wall, s.cpu, s.peak_mb
    );
}

fn main() {
    let n = env_n("ANJUAN_BENCH_N", 1000);
    let tmp = tempfile::tempdir().unwrap();
    let root = match std::env::var_os("ANJUAN_BENCH_DIR") {
        Some(d) => {
            let d = std::path::PathBuf::from(d);
            std::fs::create_dir_all(&d).unwrap();
            d
        }
        None => tmp.path().to_path_buf(),
    };
    let office = root.join(format!("chain-{n}"));
    let archive = root.join(format!("archive-{n}"));
    let _ = std::fs::remove_dir_all(&office);
    let _ = std::fs::remove_dir_all(&archive);
    let s = |p: &Path| p.display().to_string();
    println!(
        "anjuan chain benchmark — {n} cases, {} cores, load average {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        loadavg()
    );
    println!(
        "{:<28} {:>11} {:>11} {:>11}",
        "step", "wall", "CPU", "peak RSS"
    );
    let (synth, _) = measured(&["synth", &n.to_string(), "-o", &s(&office)], &root);
    row("synth", synth, "");
    // The office key (unencrypted, for the benchmark) and signing required.
    sign_office(&office);
    let papers = office.join("papers");

    let (render1, out1) = measured(&["render", &s(&office), "-o", &s(&papers)], &root);
    let made = count_pdfs(&papers);
    row(
        "render (signed)",
        render1,
        &format!(
            "{made} papers, {:.0} papers/s",
            made as f64 / render1.wall.max(1e-9)
        ),
    );
    let (render2, out2) = measured(&["render", &s(&office), "-o", &s(&papers)], &root);
    row(
        "render again, unchanged",
        render2,
        &format!(
            "{:.2} % of the first   [target ≤ 2 %]",
            100.0 * render2.wall / render1.wall.max(1e-9)
        ),
    );
    for o in [&out1, &out2] {
        if let Some(l) = o.lines().find(|l| l.starts_with("已生成")) {
            println!("    {l}");
        }
    }

    let (pack, _) = measured(
        &[
            "pack",
            "year",
            "--year",
            "2026",
            &s(&office),
            "-o",
            &s(&archive),
        ],
        &root,
    );
    let zip = std::fs::read_dir(&archive)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "zip"))
        .expect("a bundle");
    let zip_mb = std::fs::metadata(&zip).unwrap().len() as f64 / 1e6;
    row("pack year", pack, &format!("{zip_mb:.0} MB zip"));
    let (verify, _) = measured(
        &[
            "verify",
            &s(&zip),
            "--trust",
            &s(&office.join("keys/anjuan.pub")),
            "--json",
        ],
        &root,
    );
    row(
        "verify (full 四性检测)",
        verify,
        &format!("{:.0} MB/s", zip_mb / verify.wall.max(1e-9)),
    );
    let chain = [render1, pack, verify];
    let total = Step {
        wall: chain.iter().map(|s| s.wall).sum(),
        cpu: chain.iter().map(|s| s.cpu).sum(),
        peak_mb: chain.iter().map(|s| s.peak_mb).fold(0.0, f64::max),
    };
    row(
        "chain: render+pack+verify",
        total,
        "peak = the largest step",
    );
    let (check, _) = measured(&["check", &s(&office)], &root);
    row("check", check, "");
    let (deadlines, _) = measured(&["deadlines", &s(&office)], &root);
    row("deadlines", deadlines, "");
    println!("load average after: {}", loadavg());
}
