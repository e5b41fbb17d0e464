//! Helpers shared by the benchmarks: the binary, synthetic offices, walking
//! folders, and running a command while sampling its peak memory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_anjuan"))
}

/// Writes an office with `n` synthetic cases; returns its folder.
pub fn office(root: &Path, n: usize) -> PathBuf {
    let dir = root.join(format!("office-{n}"));
    std::fs::create_dir_all(dir.join("cases")).unwrap();
    std::fs::write(
        dir.join("anjuan.toml"),
        include_str!("../../examples/demo-office/anjuan.toml"),
    )
    .unwrap();
    for c in anjuan::synth::cases(2026, n, 2026) {
        let text = toml::to_string(&c).unwrap();
        std::fs::write(dir.join("cases").join(format!("{}.toml", c.id)), text).unwrap();
    }
    dir
}

pub fn count_pdfs(dir: &Path) -> usize {
    let mut n = 0;
    for e in walk(dir) {
        if e.extension().is_some_and(|x| x == "pdf") {
            n += 1;
        }
    }
    n
}

pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Runs a command, polling its peak resident memory (VmHWM) until it exits.
pub fn run_measured(args: &[&str], cwd: &Path) -> (Duration, u64) {
    let (t, peak, _) = run_measured_env(args, cwd, &[]);
    (t, peak)
}

/// [`run_measured`] with environment variables; also returns what it wrote to stderr.
pub fn run_measured_env(
    args: &[&str],
    cwd: &Path,
    envs: &[(&str, &str)],
) -> (Duration, u64, String) {
    let start = Instant::now();
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
        s
    });
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_path) {
            if let Some(l) = s.lines().find(|l| l.starts_with("VmHWM:")) {
                let kb: u64 = l
                    .split_whitespace()
                    .nth(1)
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(0);
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            assert!(
                status.success() || status.code() == Some(1),
                "anjuan {args:?} failed: {status}"
            );
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (start.elapsed(), peak_kb, reader.join().unwrap())
}
