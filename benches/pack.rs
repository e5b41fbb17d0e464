//! Packing benchmark: `cargo bench --bench pack`.
//!
//! In one run, on generated but realistic cases (`anjuan::synth`), rendered and
//! signed first (not timed here; see the render benchmark):
//! - `anjuan pack year` of a 5,000-case office: wall time, payload MB/s, peak
//!   memory, and its phases (ANJUAN_TIMINGS);
//! - the same at 1,000 cases, to show that memory does not grow with the bundle;
//! - anjuan's hashing (SHA-256 + SM3 in one read) over the bag's payload files,
//!   against SHA-256 alone and SM3 alone (anjuan's, and `openssl dgst -sha256` /
//!   `-sm3` over the same files at the same parallelism: one process per core,
//!   files split evenly), in interleaved rounds (`ANJUAN_BENCH_ROUNDS`, default
//!   5), median and best of each;
//! - `bagit.py` (Library of Congress, PyPI `bagit`) creating a bag of the same
//!   files with the same number of processes.
//!
//! `ANJUAN_BENCH_BIG` / `ANJUAN_BENCH_SMALL` change 5,000 / 1,000.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use support::*;

/// `anjuan pack year` with phase timings; returns (wall, peak KB, phases, zip path).
fn pack(office: &Path, out: &Path) -> (Duration, u64, String, PathBuf) {
    let (wall, peak, err) = run_measured_env(
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
        &[("ANJUAN_TIMINGS", "1")],
    );
    let phases = err
        .lines()
        .filter_map(|l| l.strip_prefix("timing\t"))
        .map(|l| {
            let (name, secs) = l.split_once('\t').unwrap();
            format!("{name} {secs} s")
        })
        .collect::<Vec<_>>()
        .join("; ");
    let zip = walk(out)
        .into_iter()
        .find(|p| p.extension().is_some_and(|x| x == "zip"))
        .unwrap();
    (wall, peak, phases, zip)
}

/// Runs `openssl dgst -<alg>` over `files` in `jobs` parallel processes.
fn openssl(alg: &str, files: &[PathBuf], jobs: usize) -> Duration {
    let start = Instant::now();
    let chunks: Vec<Vec<PathBuf>> = (0..jobs)
        .map(|j| files.iter().skip(j).step_by(jobs).cloned().collect())
        .collect();
    let children: Vec<_> = chunks
        .iter()
        .map(|c| {
            // Files go in batches to stay under the argument-length limit.
            let c = c.clone();
            let alg = alg.to_string();
            std::thread::spawn(move || {
                for batch in c.chunks(2000) {
                    let st = Command::new("openssl")
                        .arg("dgst")
                        .arg(format!("-{alg}"))
                        .args(batch)
                        .stdout(Stdio::null())
                        .status()
                        .expect("openssl");
                    assert!(st.success(), "openssl dgst -{alg} failed");
                }
            })
        })
        .collect();
    for c in children {
        c.join().unwrap();
    }
    start.elapsed()
}

/// Reads a file once through one digest; returns its size.
fn hash_file<D: sha2::Digest>(path: &Path) -> u64 {
    use std::io::Read as _;
    let mut f = std::fs::File::open(path).unwrap();
    let mut d = D::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).unwrap();
        if k == 0 {
            break;
        }
        d.update(&buf[..k]);
        n += k as u64;
    }
    std::hint::black_box(d.finalize());
    n
}

fn main() {
    let big = env_n("ANJUAN_BENCH_BIG", 5000);
    let small = env_n("ANJUAN_BENCH_SMALL", 1000);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    println!(
        "anjuan pack benchmark — {cores} cores, load average {}",
        loadavg()
    );

    // Memory at two sizes.
    let office_small = rendered_office(root, small);
    let (ts, peak_small, _, _) = pack(&office_small, &root.join("out-small"));
    let office_big = rendered_office(root, big);
    let (tb, peak_big, phases, zip) = pack(&office_big, &root.join("out-big"));

    // The payload: unzip the bag and take every file under data/.
    let bag = unzip_bag(&zip, &root.join("unzipped"));
    let info = anjuan::archive::bag::BagInfo::parse(
        &std::fs::read_to_string(bag.join("bag-info.txt")).unwrap(),
    )
    .unwrap();
    println!(
        "  bundle: {} closed cases, {} items (件), {} pages",
        info.get("Anjuan-Cases").unwrap_or("?"),
        info.get("Anjuan-Items").unwrap_or("?"),
        info.get("Anjuan-Pages").unwrap_or("?")
    );
    let files: Vec<PathBuf> = walk(&bag.join("data"));
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    let mb = bytes as f64 / 1e6;
    let zip_mb = std::fs::metadata(&zip).unwrap().len() as f64 / 1e6;
    println!(
        "pack year, {big} cases: {} payload files, {mb:.0} MB → zip {zip_mb:.0} MB in {:.1} s = {:.1} MB/s; peak memory {} MB",
        files.len(),
        tb.as_secs_f64(),
        mb / tb.as_secs_f64(),
        peak_big / 1024
    );
    println!("  phases: {phases}");
    println!(
        "pack year, {small} cases: {:.1} s, peak memory {} MB; at {big} cases {} MB ({:.2}× for {:.0}× the cases)",
        ts.as_secs_f64(),
        peak_small / 1024,
        peak_big / 1024,
        peak_big as f64 / peak_small.max(1) as f64,
        big as f64 / small as f64
    );

    // Hashing: anjuan's one-read SHA-256 + SM3 on all cores, against each
    // digest alone (anjuan's and openssl's) at the same parallelism. The page
    // cache is warmed first so every contender reads from memory; the
    // contenders take turns (the order rotating each round) over several
    // rounds, and the median and best of each are printed.
    let _ = openssl("sha256", &files, cores);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cores)
        .build()
        .unwrap();
    let ours = |which: &str| -> Duration {
        let start = Instant::now();
        let n: u64 = pool.install(|| {
            files
                .par_iter()
                .map(|f| match which {
                    "both" => anjuan::archive::bag::Digests::of_file(f).unwrap().1,
                    "sha256" => hash_file::<sha2::Sha256>(f),
                    _ => hash_file::<sm3::Sm3>(f),
                })
                .sum()
        });
        assert_eq!(n, bytes);
        start.elapsed()
    };
    let names = [
        "anjuan SHA-256+SM3 (one read)",
        "anjuan SHA-256 alone",
        "anjuan SM3 alone",
        "openssl dgst -sha256",
        "openssl dgst -sm3",
    ];
    let rounds = env_n("ANJUAN_BENCH_ROUNDS", 5);
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for r in 0..rounds {
        for k in 0..names.len() {
            let i = (k + r) % names.len();
            let t = match i {
                0 => ours("both"),
                1 => ours("sha256"),
                2 => ours("sm3"),
                3 => openssl("sha256", &files, cores),
                _ => openssl("sm3", &files, cores),
            };
            samples[i].push(t.as_secs_f64());
        }
    }
    println!(
        "hashing {mb:.0} MB on {cores} cores, {rounds} interleaved rounds (median / best), load average {}:",
        loadavg()
    );
    let mut med = Vec::new();
    for (name, v) in names.iter().zip(samples.iter_mut()) {
        let best = v.iter().copied().fold(f64::INFINITY, f64::min);
        let m = median(v);
        med.push(m);
        println!(
            "  {name:<30} {m:.2} s = {:.0} MB/s   (best {best:.2} s)",
            mb / m
        );
    }
    println!(
        "  anjuan both / anjuan SM3 alone: {:.2}×; anjuan both / (openssl sha256 + sm3): {:.2}×; anjuan SHA-256 / openssl: {:.2}×; anjuan SM3 / openssl: {:.2}×",
        med[0] / med[2],
        med[0] / (med[3] + med[4]),
        med[1] / med[3],
        med[2] / med[4]
    );

    // bagit.py making a bag of the same files (it moves them into data/).
    let bagit_dir = root.join("bagit-py");
    std::fs::create_dir_all(&bagit_dir).unwrap();
    for f in &files {
        let rel = f.strip_prefix(bag.join("data")).unwrap();
        let to = bagit_dir.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(f, to).unwrap();
    }
    let start = Instant::now();
    let st = Command::new("bagit.py")
        .args(["--processes", &cores.to_string(), "--sha256", "--quiet"])
        .arg(&bagit_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("bagit.py (pip install bagit)");
    assert!(st.success());
    let bp = start.elapsed();
    println!(
        "bagit.py --processes {cores} --sha256 making a bag of the same files: {:.1} s = {:.1} MB/s (no zip, no SM3, no catalogue); anjuan pack (all of it) {:.1} s",
        bp.as_secs_f64(),
        mb / bp.as_secs_f64(),
        tb.as_secs_f64()
    );
}
