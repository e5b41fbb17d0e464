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
    // The received original the synthetic reviews and assignments name.
    let original = dir.join(anjuan::synth::ORIGINAL);
    std::fs::create_dir_all(original.parent().unwrap()).unwrap();
    std::fs::write(&original, anjuan::synth::original_png()).unwrap();
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

/// A count from the environment, or the default.
pub fn env_n(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// An office of `n` synthetic cases with an unencrypted office key and
/// `[signing]` on (required), as a real office is set up: every paper it
/// renders is signed.
pub fn signed_office(root: &Path, n: usize) -> PathBuf {
    let dir = office(root, n);
    sign_office(&dir);
    dir
}

/// Gives an office folder an unencrypted key and turns signing on.
pub fn sign_office(dir: &Path) {
    let ok = Command::new(bin())
        .args(["key", "new", "--unencrypted", "-o"])
        .arg(dir.join("keys"))
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    let mut cfg = std::fs::read_to_string(dir.join("anjuan.toml")).unwrap();
    cfg.push_str(
        "\n[signing]\nkey = \"keys/anjuan.key\"\npublic = \"keys/anjuan.pub\"\nrequired = true\n",
    );
    std::fs::write(dir.join("anjuan.toml"), cfg).unwrap();
}

/// An office of `n` synthetic cases with an unencrypted key, every paper
/// rendered and signed into its `papers/`.
pub fn rendered_office(root: &Path, n: usize) -> PathBuf {
    let dir = signed_office(root, n);
    let t = Instant::now();
    let st = Command::new(bin())
        .arg("render")
        .arg(&dir)
        .arg("-o")
        .arg(dir.join("papers"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success() || st.code() == Some(1));
    println!(
        "  (rendered and signed {n} cases in {:.0} s)",
        t.elapsed().as_secs_f64()
    );
    dir
}

/// Unzips a bundle into `into` (the zip crate; not timed); returns the bag folder.
pub fn unzip_bag(zip: &Path, into: &Path) -> PathBuf {
    zip::ZipArchive::new(std::fs::File::open(zip).unwrap())
        .unwrap()
        .extract(into)
        .unwrap();
    std::fs::read_dir(into)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
}

/// The median of some samples (sorted here).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The load averages (1, 5, 15 minutes) from /proc/loadavg, for the record.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}
