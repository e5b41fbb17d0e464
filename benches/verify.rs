//! Verification benchmark: `cargo bench --bench verify`.
//!
//! In one run, on a bundle packed from generated but realistic cases
//! (`anjuan::synth`), rendered, signed and packed first (not timed here; see the
//! render and pack benchmarks), each contender timed once the page cache is warm
//! (wall time, MB/s over the zip's bytes, peak memory):
//! - `anjuan verify BUNDLE.zip --trust KEY.pub --json`: the full 四性检测
//!   (SHA-256 and SM3 manifests, every signature, every PDF parsed, the whole
//!   zip hashed), which must accept;
//! - `anjuan verify BUNDLE.zip --bagit --alg sha256` and `--alg sm3`: the
//!   BagIt-level checks (complete, valid, container safety) on one algorithm;
//! - `openssl dgst -sha256` and `-sm3` over the unzipped bag's payload and tag
//!   files at the same parallelism (one process per core, the bytes split
//!   evenly): the hashing floor;
//! - `bagit.py --validate` (Library of Congress, PyPI `bagit`) on the unzipped
//!   bag with one process per core, and `anjuan verify --bagit --alg sha256` on
//!   the same folder. bagit.py checks only the SHA-256 manifests here: it skips
//!   manifest-sm3.txt, SM3 not being in `hashlib.algorithms_guaranteed`.
//!
//! Peak memory is the largest sum of VmHWM over the contender's live process
//! tree, sampled every 20 ms (openssl and bagit.py run several processes).
//!
//! `ANJUAN_BENCH_BIG` changes the 5,000 cases; `ANJUAN_BENCH_ROUNDS` (default 1)
//! times every contender that many times, interleaved, and keeps the fastest;
//! `ANJUAN_BENCH_KEEP` keeps the temporary folder (bundle, bag) for profiling.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

fn load1() -> f64 {
    loadavg()
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0)
}

/// `anjuan pack year --year 2026` of `office` into `out`; returns the zip.
fn pack_year(office: &Path, out: &Path) -> PathBuf {
    let t = Instant::now();
    let (_, _) = run_measured(
        &[
            "pack",
            "year",
            "--year",
            "2026",
            office.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        office,
    );
    let zip = walk(out)
        .into_iter()
        .find(|p| p.extension().is_some_and(|x| x == "zip"))
        .expect("pack year wrote no zip");
    println!("  (packed in {:.0} s)", t.elapsed().as_secs_f64());
    zip
}

/// Reads every file once so that every contender reads from the page cache.
fn warm(files: &[PathBuf]) {
    let mut buf = vec![0u8; 1 << 20];
    for f in files {
        let mut r = std::fs::File::open(f).unwrap();
        while std::io::Read::read(&mut r, &mut buf).unwrap() > 0 {}
    }
}

/// Pids of `root` and all its descendants, from the ppid field of /proc/*/stat.
fn process_tree(root: u32) -> Vec<u32> {
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|s| s.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(c) = children.get(&out[i]) {
            out.extend(c);
        }
        i += 1;
    }
    out
}

fn vm_hwm_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|x| x.parse().ok())
        })
        .unwrap_or(0)
}

struct Run {
    wall: Duration,
    peak_kb: u64,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` to the end: wall time, peak memory of its process tree, exit
/// code and output. [`run_measured`] does this for one anjuan process only and
/// drops the output and the exit code; openssl and bagit.py run several
/// processes, and the full verify's verdict is on stdout.
fn measure(cmd: &mut Command) -> Run {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).unwrap();
        s
    });
    let mut peak_kb = 0u64;
    let mut tree = vec![child.id()];
    let mut tick = 0u32;
    let status = loop {
        // Rescan for new processes every 100 ms; read their peaks every 20 ms.
        if tick.is_multiple_of(5) {
            tree = process_tree(child.id());
        }
        tick += 1;
        peak_kb = peak_kb.max(tree.iter().map(|&p| vm_hwm_kb(p)).sum());
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        wall: start.elapsed(),
        peak_kb,
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// `files` in `jobs` lists of about equal bytes (largest first, each to the
/// lightest list), so that no openssl process waits on another.
fn split_even(files: &[(PathBuf, u64)], jobs: usize) -> Vec<Vec<PathBuf>> {
    let mut sorted: Vec<_> = files.to_vec();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut lists = vec![(0u64, Vec::new()); jobs];
    for (f, len) in sorted {
        let l = lists.iter_mut().min_by_key(|l| l.0).unwrap();
        l.0 += len;
        l.1.push(f);
    }
    lists.into_iter().map(|l| l.1).collect()
}

/// One shell starting `openssl dgst -<alg>` per list (through `xargs`, which
/// keeps each command line under the limit), all at once.
fn openssl_cmd(alg: &str, lists: &[PathBuf]) -> Command {
    let script = lists
        .iter()
        .map(|l| {
            format!(
                "xargs -0 -a '{}' openssl dgst -{alg} > /dev/null &",
                l.display()
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
        + " wait";
    let mut c = Command::new("sh");
    c.args(["-c", &script]);
    c
}

/// A row of the table: its letter, what it runs, and how to start it.
type Contender<'a> = (&'static str, String, Box<dyn Fn() -> Command + 'a>);

fn anjuan_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args).env("RUST_BACKTRACE", "0");
    c
}

fn main() {
    let n = env_n("ANJUAN_BENCH_BIG", 5000);
    let rounds = env_n("ANJUAN_BENCH_ROUNDS", 1).max(1);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let tmp = tempfile::Builder::new()
        .prefix("anjuan-bench-verify-")
        .tempdir_in("/tmp")
        .unwrap();
    let root = tmp.path();
    let keep = std::env::var_os("ANJUAN_BENCH_KEEP").is_some();
    println!(
        "anjuan verify benchmark — {n} cases; nproc {cores}; load {}",
        loadavg()
    );

    // Setup, not timed: office, papers, bundle, and the bag unzipped beside it.
    let office = rendered_office(root, n);
    let zip = pack_year(&office, &root.join("out"));
    let key = office.join("keys/anjuan.pub");
    let bag = unzip_bag(&zip, &root.join("unzipped"));
    // The office's own copies are no longer needed; the cache is better spent
    // on the zip and the bag.
    std::fs::remove_dir_all(office.join("papers")).ok();

    let zip_bytes = std::fs::metadata(&zip).unwrap().len();
    let files: Vec<(PathBuf, u64)> = walk(&bag)
        .into_iter()
        .map(|f| {
            let len = std::fs::metadata(&f).unwrap().len();
            (f, len)
        })
        .collect();
    let bag_bytes: u64 = files.iter().map(|f| f.1).sum();
    let payload = files
        .iter()
        .filter(|f| f.0.starts_with(bag.join("data")))
        .count();
    let zip_mb = zip_bytes as f64 / 1e6;
    println!(
        "  bundle {}: {zip_mb:.0} MB zip; unzipped {} files ({payload} payload, {} tag), {:.0} MB",
        zip.file_name().unwrap().to_string_lossy(),
        files.len(),
        files.len() - payload,
        bag_bytes as f64 / 1e6
    );

    // The openssl contenders' file lists, split evenly by bytes.
    let lists: Vec<PathBuf> = split_even(&files, cores)
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let p = root.join(format!("openssl-{i}.list"));
            let mut w = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
            for f in l {
                w.write_all(f.as_os_str().as_encoded_bytes()).unwrap();
                w.write_all(b"\0").unwrap();
            }
            p
        })
        .collect();

    // Wait (up to 5 minutes) for the setup's load to settle, then warm the cache.
    let wait = Instant::now();
    while load1() > 1.5 && wait.elapsed() < Duration::from_secs(300) {
        std::thread::sleep(Duration::from_secs(10));
    }
    let waited = wait.elapsed();
    warm(std::slice::from_ref(&zip));
    warm(&files.iter().map(|f| f.0.clone()).collect::<Vec<_>>());
    println!(
        "  page cache warmed, not dropped (that needs root): the zip and every unzipped file read once before timing; waited {:.0} s for load ≤ 1.5",
        waited.as_secs_f64()
    );

    let z = zip.to_str().unwrap();
    let b = bag.to_str().unwrap();
    let k = key.to_str().unwrap();
    let p = cores.to_string();
    let contenders: Vec<Contender> = vec![
        (
            "a",
            "anjuan verify ZIP --trust KEY.pub --json (full 四性检测)".into(),
            Box::new(|| anjuan_cmd(&["verify", z, "--trust", k, "--json"])),
        ),
        (
            "b",
            "anjuan verify ZIP --bagit --alg sha256".into(),
            Box::new(|| anjuan_cmd(&["verify", z, "--bagit", "--alg", "sha256"])),
        ),
        (
            "c",
            "anjuan verify ZIP --bagit --alg sm3".into(),
            Box::new(|| anjuan_cmd(&["verify", z, "--bagit", "--alg", "sm3"])),
        ),
        (
            "d",
            format!("openssl dgst -sha256, {cores} processes, bag files"),
            Box::new(|| openssl_cmd("sha256", &lists)),
        ),
        (
            "e",
            format!("openssl dgst -sm3, {cores} processes, bag files"),
            Box::new(|| openssl_cmd("sm3", &lists)),
        ),
        (
            "f",
            format!("bagit.py --validate --processes {cores} BAGDIR"),
            Box::new(|| {
                let mut c = Command::new("bagit.py");
                c.args(["--validate", "--processes", &p, b]);
                c
            }),
        ),
        (
            "g",
            "anjuan verify BAGDIR --bagit --alg sha256".into(),
            Box::new(|| anjuan_cmd(&["verify", b, "--bagit", "--alg", "sha256"])),
        ),
    ];

    let load_before = loadavg();
    let mut best: BTreeMap<&str, (Duration, u64)> = BTreeMap::new();
    let mut said = BTreeSet::new();
    for _ in 0..rounds {
        for (id, name, cmd) in &contenders {
            let r = measure(&mut cmd());
            match *id {
                "a" => {
                    assert_eq!(r.code, Some(0), "{name}: not accepted\n{}", r.stderr);
                    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
                    assert_eq!(v["verdict"], "accept", "{name}");
                    if said.insert(*id) {
                        println!(
                            "  full verify: verdict {}, counts {}",
                            v["verdict"], v["counts"]
                        );
                    }
                }
                "f" => {
                    assert_eq!(r.code, Some(0), "{name}\n{}", r.stderr);
                    assert!(r.stderr.contains("is valid"), "{name}\n{}", r.stderr);
                }
                _ => assert_eq!(r.code, Some(0), "{name}\n{}", r.stderr),
            }
            let e = best.entry(id).or_insert((r.wall, r.peak_kb));
            if r.wall < e.0 {
                *e = (r.wall, r.peak_kb);
            }
        }
    }
    let load_after = loadavg();

    println!(
        "\n{:<2} {:<56} {:>8} {:>8} {:>8}",
        "", "contender (page cache warm)", "wall s", "MB/s", "peak MB"
    );
    for (id, name, _) in &contenders {
        let (t, kb) = best[id];
        // Pad by display width: 四性检测 takes two columns a character.
        let pad = " "
            .repeat(56usize.saturating_sub(unicode_width::UnicodeWidthStr::width(name.as_str())));
        println!(
            "{id:<2} {name}{pad} {:>8.2} {:>8.0} {:>8.0}",
            t.as_secs_f64(),
            zip_mb / t.as_secs_f64(),
            kb as f64 / 1024.0
        );
    }
    println!(
        "   (MB/s over the zip's {zip_mb:.0} MB for every row; {} round(s), fastest kept; load before {load_before}, after {load_after})",
        rounds
    );

    let s = |id: &str| best[id].0.as_secs_f64();
    let verdict = |r: f64, target: f64| if r >= target { "PASS" } else { "BELOW" };
    println!();
    let r = s("d") / s("b");
    println!(
        "SHA-256 path (b) vs openssl sha256 (d): {r:.2}× [target ≥ 0.8×] {}",
        verdict(r, 0.8)
    );
    println!(
        "SM3 path (c) vs openssl sm3 (e): {:.2}× (reported)",
        s("e") / s("c")
    );
    let r = s("f") / s("g");
    println!(
        "bagit.py (f) vs anjuan on the same folder (g): {r:.2}× [target ≥ 3×] {}",
        verdict(r, 3.0)
    );
    let r = s("f") / s("b");
    println!(
        "bagit.py (f) vs anjuan on the zip (b): {r:.2}× [target ≥ 3×] {}",
        verdict(r, 3.0)
    );
    println!(
        "full verify (a) vs bagit.py (f): {:.2}× (reported; bagit.py checks SHA-256 only)",
        s("f") / s("a")
    );
    if keep {
        println!("\nkept {} (ANJUAN_BENCH_KEEP)", tmp.keep().display());
    }
}
