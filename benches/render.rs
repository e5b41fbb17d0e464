//! Rendering benchmark: `cargo bench --bench render`.
//!
//! In one run, on generated but realistic cases (`anjuan::synth`):
//! - papers per second rendering 1,000 cases in one process (the anjuan way);
//! - the same kind of papers rendered one process per paper (the usual
//!   script-around-a-CLI way), on a sample, and the ratio;
//! - peak memory (VmHWM) rendering 5,000 cases;
//! - the wall time of a cold run that renders one paper.
//!
//! Set `ANJUAN_BENCH_CASES` / `ANJUAN_BENCH_BIG` to change 1,000 / 5,000.

mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use support::*;

fn main() {
    let n: usize = std::env::var("ANJUAN_BENCH_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let big: usize = std::env::var("ANJUAN_BENCH_BIG")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    println!(
        "anjuan render benchmark — {} cores, load average {}; every office signs (an office key, [signing] required), as a real one does",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        loadavg()
    );

    // 1. Cold start: one process rendering one paper.
    let one = signed_office(root, 1);
    let case1 = one.join("cases/XF-2026-00001.toml");
    let mut cold = Vec::new();
    for i in 0..5 {
        let out = root.join(format!("cold-{i}"));
        let (t, _) = run_measured(
            &[
                "render",
                case1.to_str().unwrap(),
                "--only",
                "受理告知书",
                "-o",
                out.to_str().unwrap(),
            ],
            root,
        );
        assert_eq!(count_pdfs(&out), 1);
        cold.push(t);
    }
    cold.sort();
    let cold_ms = cold[2].as_secs_f64() * 1000.0;
    println!("cold run, first paper (process start to PDF on disk, median of 5): {cold_ms:.0} ms   [target ≤ 300 ms]");

    // 2. The anjuan way: one process, all papers of n cases.
    let office_n = signed_office(root, n);
    let out = root.join("batch");
    let (t, peak_n) = run_measured(
        &[
            "render",
            office_n.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        root,
    );
    let papers = count_pdfs(&out);
    let sigs = walk(&out)
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "minisig"))
        .count();
    assert!(sigs > 0, "the papers are signed");
    let rate = papers as f64 / t.as_secs_f64();
    println!(
        "in-process batch: {n} cases, {papers} papers in {:.1} s = {rate:.0} papers/s, peak memory {} MB   [target ≥ 150 papers/s]",
        t.as_secs_f64(),
        peak_n / 1024
    );

    // 3. The script-around-a-CLI way: one process per paper, on a sample of the same papers.
    let sample: Vec<(PathBuf, &str)> = walk(&office_n.join("cases"))
        .into_iter()
        .take(12)
        .flat_map(|c| ["受理告知书", "处理意见书", "卷内文件目录"].map(|k| (c.clone(), k)))
        .collect();
    let out1 = root.join("one-by-one");
    let start = Instant::now();
    for (case, kind) in &sample {
        let status = Command::new(bin())
            .args([
                "render",
                case.to_str().unwrap(),
                "--only",
                kind,
                "-o",
                out1.to_str().unwrap(),
            ])
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success() || status.code() == Some(1));
    }
    let per_process = count_pdfs(&out1) as f64 / start.elapsed().as_secs_f64();
    println!(
        "one process per paper: {} papers in {:.1} s = {per_process:.1} papers/s; in-process is {:.1}× faster   [target ≥ 10×]",
        count_pdfs(&out1),
        start.elapsed().as_secs_f64(),
        rate / per_process
    );

    // 4. Memory at scale.
    let office_big = signed_office(root, big);
    let outb = root.join("big");
    let (tb, peak_big) = run_measured(
        &[
            "render",
            office_big.to_str().unwrap(),
            "-o",
            outb.to_str().unwrap(),
        ],
        root,
    );
    let papers_big = count_pdfs(&outb);
    println!(
        "{big} cases: {papers_big} papers in {:.1} s = {:.0} papers/s, peak memory {} MB   [target < 1024 MB]",
        tb.as_secs_f64(),
        papers_big as f64 / tb.as_secs_f64(),
        peak_big / 1024
    );
    println!("load average after: {}", loadavg());
}
