//! Ledger benchmark: `cargo bench --bench ledger`.
//!
//! In one run, on a ledger of generated but realistic cases (`anjuan synth`):
//! - `anjuan ledger export OFFICE -o ledger.xlsx --as-of 2026-12-31`;
//! - `anjuan ledger import ledger.xlsx` into an empty office (`--keep-going`):
//!   synthetic cases are closed, and a ledger row cannot carry the acceptance and
//!   handling a closed case needs, so every row is read, parsed, validated and
//!   refused (by design) and nothing is written;
//! - the same ledger imported back into the office's own `cases/`: every row is
//!   compared with its existing case file (与案件文件一致 N 件), nothing written;
//! - a ledger of N open cases (made here, with independently computed GB 11643
//!   identity numbers) as .csv and as .xlsx, imported into an empty office: the
//!   full path, all N case files written (each fsynced, then renamed into place);
//! - the floor: just reading each spreadsheet in-process (calamine
//!   `open_workbook_auto` + `worksheet_range` over every cell for .xlsx, the csv
//!   crate over every field for .csv), timed on the same files in the same run.
//!
//! Every anjuan command is first run once unmeasured to check its exit code, its
//! printed counts and the files it wrote (the bench panics if the import did not
//! do the work); then it is timed K times, interleaved with the others, the
//! fastest kept, with peak memory (VmHWM, see `support::run_measured`). After
//! every timed import the case files in its output folder are counted again.
//!
//! `ANJUAN_BENCH_N` (default 10000) rows; `ANJUAN_BENCH_ROUNDS` (default 2) = K;
//! `ANJUAN_BENCH_KEEP` keeps the temporary folder.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anjuan::synth::{HANDLERS, LEADERS, UNITS};
use calamine::{Data, Reader as _};
use chrono::{Datelike as _, Days, NaiveDate};
use support::*;

const AS_OF: &str = "2026-12-31";

/// The open-cases ledger's columns (the ledger's own headers).
const HEADERS: [&str; 16] = [
    "案件编号",
    "登记日期",
    "信访形式",
    "信访人",
    "身份证号码",
    "联系电话",
    "住址",
    "问题类别",
    "诉求内容",
    "分类处理情况",
    "具体工作措施",
    "包案领导",
    "责任单位",
    "责任人",
    "处理时限",
    "销号",
];
/// Columns of [`HEADERS`] written as Excel dates in the .xlsx.
const DATE_COLS: [usize; 2] = [1, 14];

/// `categories` of examples/demo-office/anjuan.toml (what `anjuan synth` writes).
const CATEGORIES: &[&str] = &[
    "农村农业",
    "自然资源",
    "城乡建设",
    "劳动社保",
    "民政",
    "卫生健康",
    "教育",
    "交通运输",
    "生态环境",
    "市场监管",
    "政法",
    "咨询",
    "其他",
];
const CHANNELS: &[&str] = &["来信", "来访", "网上", "电话"];
const CLASSES: &[&str] = &["解决问题到位", "思想教育到位", "帮扶救助到位", "依法处理"];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
];
const GIVEN: &[&str] = &[
    "建国", "秀英", "志强", "丽华", "海涛", "晓燕", "根土", "金花", "文斌", "玉兰", "春梅", "德胜",
];
const VILLAGES: &[&str] = &["石桥村", "新塘村", "柳河村", "上塘村", "枫林村", "溪口村"];
const REQUESTS: &[&str] = &[
    "尽快疏通村道排水沟，防止雨水再次倒灌进屋",
    "督促施工单位支付拖欠的四个月工资",
    "恢复家庭最低生活保障待遇并补发停发期间的低保金",
    "责令邻户退还被占用的承包地，重新测量确认四至界址",
    "责令养猪场停止直排污水，赔偿鱼塘损失",
    "尽快审批宅基地建房申请，说明审批程序和办理时限",
];
const MEASURES: &[&str] = &[
    "现场核查，督促村民委员会限期清淤疏通",
    "约谈施工总承包单位，督促按考勤记录结清工资",
    "入户核查家庭收入，按程序重新认定",
    "组织双方现场指界，由村民委员会调处",
];

/// GB 11643 check character, computed here rather than by anjuan so that the
/// bench's rows are an independent test of the import's validation.
fn gb11643(body17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body17
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

/// Row `i` of the open-cases ledger, cells in [`HEADERS`] order (dates as
/// YYYY-MM-DD). Every tenth row has two petitioners (names `、`-separated,
/// numbers, phones and addresses one a line), every third two requests.
fn open_row(rng: &mut anjuan::synth::Rng, i: usize) -> Vec<String> {
    let received = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + Days::new(rng.below(300) as u64);
    let due = received + Days::new(30 + rng.below(60) as u64);
    let people = if i % 10 == 9 { 2 } else { 1 };
    let mut names = Vec::new();
    let mut ids = Vec::new();
    let mut phones = Vec::new();
    let mut addrs = Vec::new();
    for _ in 0..people {
        names.push(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN)));
        let birth = NaiveDate::from_ymd_opt(
            1950 + rng.below(50) as i32,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        )
        .unwrap();
        let body = format!(
            "330122{:04}{:02}{:02}{:03}",
            birth.year(),
            birth.month(),
            birth.day(),
            rng.below(1000)
        );
        ids.push(format!("{body}{}", gb11643(&body)));
        phones.push(format!(
            "1{}{:09}",
            [3, 5, 8, 9][rng.below(4)],
            rng.next_u64() % 1_000_000_000
        ));
        addrs.push(format!(
            "青溪县柳河镇{}{}号",
            rng.pick(VILLAGES),
            1 + rng.below(80)
        ));
    }
    let r1 = rng.pick(REQUESTS);
    let claim = if i % 3 == 2 {
        format!("1. {r1}\n2. {}", rng.pick(REQUESTS))
    } else {
        r1.to_string()
    };
    vec![
        format!("XF-2026-{:05}", i + 1),
        received.to_string(),
        rng.pick(CHANNELS).into(),
        names.join("、"),
        ids.join("\n"),
        phones.join("\n"),
        addrs.join("\n"),
        CATEGORIES[i % CATEGORIES.len()].into(),
        claim,
        rng.pick(CLASSES).into(),
        rng.pick(MEASURES).into(),
        rng.pick(LEADERS).into(),
        rng.pick(UNITS).into(),
        rng.pick(HANDLERS).into(),
        due.to_string(),
        "未销号".into(),
    ]
}

fn write_open_csv(rows: &[Vec<String>], path: &Path) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(HEADERS).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

/// The same rows as .xlsx: header in row 1, dates as date cells, the rest text
/// (identity numbers must stay text: 18 digits do not fit a double).
fn write_open_xlsx(rows: &[Vec<String>], path: &Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = book.add_worksheet();
    ws.set_name("台账").unwrap();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            if DATE_COLS.contains(&c) {
                let d = NaiveDate::parse_from_str(v, "%Y-%m-%d").unwrap();
                let x = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                    .unwrap();
                ws.write_datetime_with_format(r, c as u16, x, &date)
                    .unwrap();
            } else {
                ws.write_string(r, c as u16, v).unwrap();
            }
        }
    }
    book.save(path).unwrap();
}

/// The floor for .xlsx: open the workbook, read its first sheet, visit every
/// cell. Returns (time, sheet rows, non-empty cells).
fn read_floor_xlsx(path: &Path) -> (Duration, usize, usize) {
    let t = Instant::now();
    let mut book = calamine::open_workbook_auto(path).unwrap();
    let name = book.sheet_names().first().cloned().expect("a worksheet");
    let range = book.worksheet_range(&name).unwrap();
    let (mut cells, mut bytes) = (0usize, 0usize);
    for row in range.rows() {
        for c in row {
            match c {
                Data::Empty => {}
                Data::String(s) => {
                    cells += 1;
                    bytes += s.len();
                }
                _ => cells += 1,
            }
        }
    }
    std::hint::black_box(bytes);
    (t.elapsed(), range.height(), cells)
}

/// The floor for .csv: read the file, parse every record (UTF-8 checked),
/// visit every field. Returns (time, records, non-empty fields).
fn read_floor_csv(path: &Path) -> (Duration, usize, usize) {
    let t = Instant::now();
    let bytes = std::fs::read(path).unwrap();
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let (mut records, mut cells, mut len) = (0usize, 0usize, 0usize);
    for rec in r.records() {
        let rec = rec.unwrap();
        records += 1;
        for f in rec.iter() {
            if !f.is_empty() {
                cells += 1;
                len += f.len();
            }
        }
    }
    std::hint::black_box(len);
    (t.elapsed(), records, cells)
}

/// Runs anjuan once, unmeasured: (exit code, stdout, stderr).
fn checked(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(bin())
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The number right after `label` in `s`.
fn number_after(s: &str, label: &str) -> Option<usize> {
    let rest = &s[s.find(label)? + label.len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// What `ledger import` printed.
#[derive(Debug, PartialEq)]
struct Counts {
    rows: usize,
    new: usize,
    same: usize,
    failed: usize,
    written: usize,
}

fn import_counts(stdout: &str) -> Counts {
    let get = |label| {
        number_after(stdout, label)
            .unwrap_or_else(|| panic!("no “{label}” count in ledger import's output:\n{stdout}"))
    };
    Counts {
        rows: get("行）："),
        new: get("新案件"),
        same: get("与案件文件一致"),
        failed: get("有错误"),
        written: get("已写入"),
    }
}

fn count_cases(dir: &Path) -> usize {
    walk(dir)
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .count()
}

/// An office folder with the demo config and no cases.
fn empty_office(root: &Path, name: &str, config: &Path) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(config, dir.join("anjuan.toml")).unwrap();
    dir
}

/// Empties `dir/cases` (not timed): each import into an empty office starts empty.
fn clear_cases(office: &Path) {
    let c = office.join("cases");
    if c.exists() {
        std::fs::remove_dir_all(&c).unwrap();
    }
}

struct Import {
    label: &'static str,
    ledger: PathBuf,
    office: PathBuf,
    /// Empty the cases folder before each run.
    fresh: bool,
    expect: Counts,
    /// Index of its floor in the floors table.
    floor: usize,
}

impl Import {
    fn args(&self) -> Vec<String> {
        vec![
            "ledger".into(),
            "import".into(),
            self.ledger.display().to_string(),
            "-o".into(),
            self.office.join("cases").display().to_string(),
            "--as-of".into(),
            AS_OF.into(),
            "--keep-going".into(),
        ]
    }
    fn cases_after(&self) -> usize {
        if self.fresh {
            self.expect.written
        } else {
            // Comparing against the office's own files writes nothing.
            self.expect.same + self.expect.written
        }
    }
}

struct Floor {
    label: String,
    path: PathBuf,
    csv: bool,
    best: Duration,
}

/// CPU seconds (user + system) of this process's waited-for children, from
/// /proc/self/stat (cutime, cstime; in USER_HZ = 100 ticks a second).
fn children_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    // After "pid (comm)": state is field 3, cutime 16 and cstime 17.
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        f.get(i - 3)
            .and_then(|x| x.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (tick(16) + tick(17)) as f64 / 100.0
}

/// One timed anjuan run: wall time, peak memory (KB), CPU seconds.
#[derive(Clone, Copy)]
struct Timed {
    wall: Duration,
    peak_kb: u64,
    cpu: f64,
}

impl Timed {
    const NONE: Timed = Timed {
        wall: Duration::MAX,
        peak_kb: 0,
        cpu: 0.0,
    };

    /// [`run_measured`], plus the CPU time the child used.
    fn run(args: &[&str], cwd: &Path) -> Timed {
        let cpu0 = children_cpu();
        let (wall, peak_kb) = run_measured(args, cwd);
        Timed {
            wall,
            peak_kb,
            cpu: children_cpu() - cpu0,
        }
    }

    fn keep_faster(&mut self, other: Timed) {
        if other.wall < self.wall {
            *self = other;
        }
    }
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn main() {
    let n = env_n("ANJUAN_BENCH_N", 10_000);
    let rounds = env_n("ANJUAN_BENCH_ROUNDS", 2).max(1);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let tmp = tempfile::Builder::new()
        .prefix("anjuan-bench-ledger-")
        .tempdir_in("/tmp")
        .unwrap();
    let root = tmp.path();
    let s = |p: &Path| p.display().to_string();
    println!(
        "anjuan ledger benchmark — {n} rows; {rounds} round(s), fastest kept; nproc {cores}; load {}",
        loadavg()
    );

    // (1) The office: `anjuan synth N -o DIR/office`.
    let office = root.join("office");
    let (t_synth, peak_synth) = run_measured(&["synth", &n.to_string(), "-o", &s(&office)], root);
    assert_eq!(
        count_cases(&office.join("cases")),
        n,
        "anjuan synth did not write {n} cases"
    );
    let config = office.join("anjuan.toml");
    println!(
        "  synth: {n} cases in {:.2} s, peak {:.0} MB (setup)",
        t_synth.as_secs_f64(),
        mb(peak_synth)
    );

    // (2) The ledger: `anjuan ledger export`, checked once (this is the file
    // every xlsx import below reads), then timed into another file.
    let ledger = root.join("ledger.xlsx");
    let (code, out, err) = checked(&[
        "ledger",
        "export",
        &s(&office),
        "-o",
        &s(&ledger),
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(code, Some(0), "ledger export failed:\n{out}\n{err}");
    assert_eq!(
        number_after(&out, "已导出台账"),
        Some(n),
        "ledger export did not export {n} rows:\n{out}"
    );
    let closed = number_after(&out, "已销号").expect("export's 已销号 count");
    println!(
        "  ledger.xlsx: {n} rows ({closed} 已销号), {:.1} MB",
        std::fs::metadata(&ledger).unwrap().len() as f64 / 1e6
    );
    let export_timed = root.join("export-timed.xlsx");
    let export_args: Vec<String> = vec![
        "ledger".into(),
        "export".into(),
        s(&office),
        "-o".into(),
        s(&export_timed),
        "--as-of".into(),
        AS_OF.into(),
        "--force".into(),
    ];

    // (5) The open-cases ledger, as .csv and .xlsx (not timed).
    let t = Instant::now();
    let mut rng = anjuan::synth::Rng::new(11643);
    let rows: Vec<Vec<String>> = (0..n).map(|i| open_row(&mut rng, i)).collect();
    let open_csv = root.join("open.csv");
    let open_xlsx = root.join("open.xlsx");
    write_open_csv(&rows, &open_csv);
    write_open_xlsx(&rows, &open_xlsx);
    drop(rows);
    println!(
        "  open.csv {:.1} MB, open.xlsx {:.1} MB: {n} open cases (written in {:.2} s, setup)",
        std::fs::metadata(&open_csv).unwrap().len() as f64 / 1e6,
        std::fs::metadata(&open_xlsx).unwrap().len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let mut floors = vec![
        Floor {
            label: "read floor: calamine, ledger.xlsx".into(),
            path: ledger.clone(),
            csv: false,
            best: Duration::MAX,
        },
        Floor {
            label: "read floor: calamine, open.xlsx".into(),
            path: open_xlsx.clone(),
            csv: false,
            best: Duration::MAX,
        },
        Floor {
            label: "read floor: csv crate, open.csv".into(),
            path: open_csv.clone(),
            csv: true,
            best: Duration::MAX,
        },
    ];
    let imports = vec![
        Import {
            label: "(3) import ledger.xlsx -> empty office",
            ledger: ledger.clone(),
            office: empty_office(root, "fresh", &config),
            fresh: true,
            expect: Counts {
                rows: n,
                new: n - closed,
                same: 0,
                failed: closed,
                written: n - closed,
            },
            floor: 0,
        },
        Import {
            label: "(4) import ledger.xlsx -> office/cases",
            ledger: ledger.clone(),
            office: office.clone(),
            fresh: false,
            expect: Counts {
                rows: n,
                new: 0,
                same: n,
                failed: 0,
                written: 0,
            },
            floor: 0,
        },
        Import {
            label: "(5a) import open.xlsx -> empty office",
            ledger: open_xlsx.clone(),
            office: empty_office(root, "fresh-xlsx", &config),
            fresh: true,
            expect: Counts {
                rows: n,
                new: n,
                same: 0,
                failed: 0,
                written: n,
            },
            floor: 1,
        },
        Import {
            label: "(5b) import open.csv -> empty office",
            ledger: open_csv.clone(),
            office: empty_office(root, "fresh-csv", &config),
            fresh: true,
            expect: Counts {
                rows: n,
                new: n,
                same: 0,
                failed: 0,
                written: n,
            },
            floor: 2,
        },
    ];

    // The floors see what they read: every sheet's rows and cells.
    for f in &floors {
        let (_, rows, cells) = if f.csv {
            read_floor_csv(&f.path)
        } else {
            read_floor_xlsx(&f.path)
        };
        // ledger.xlsx has a title row above its header; the others do not.
        assert!(
            rows == n + 1 || rows == n + 2,
            "{}: {rows} rows, expected {n} and the header",
            f.label
        );
        assert!(cells >= n * 6, "{}: only {cells} cells", f.label);
    }

    // Every import checked once, unmeasured: exit code, printed counts, files.
    for imp in &imports {
        if imp.fresh {
            clear_cases(&imp.office);
        }
        let args = imp.args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = checked(&args);
        let want_code = if imp.expect.failed > 0 { 1 } else { 0 };
        assert_eq!(
            code,
            Some(want_code),
            "{}: exit code\n{out}\n{}",
            imp.label,
            err.lines().take(20).collect::<Vec<_>>().join("\n")
        );
        let got = import_counts(&out);
        assert_eq!(
            got,
            imp.expect,
            "{}: printed counts\n{out}\n{}",
            imp.label,
            err.lines().take(20).collect::<Vec<_>>().join("\n")
        );
        if imp.expect.failed > 0 {
            // Refused for the reason the design gives, not for a parse error.
            let prereq = err.lines().filter(|l| l.contains("[prerequisite]")).count();
            assert!(
                prereq >= imp.expect.failed,
                "{}: {prereq} prerequisite errors for {} refused rows\n{}",
                imp.label,
                imp.expect.failed,
                err.lines().take(20).collect::<Vec<_>>().join("\n")
            );
        }
        assert_eq!(
            count_cases(&imp.office.join("cases")),
            imp.cases_after(),
            "{}: case files after import",
            imp.label
        );
        println!(
            "  checked {}: exit {want_code}; {} rows, new {}, 与案件文件一致 {}, 有错误 {}, 已写入 {}",
            imp.label, got.rows, got.new, got.same, got.failed, got.written
        );
    }

    // The timed rounds: export, the floors and the imports, interleaved.
    let load_before = loadavg();
    let mut export_best = Timed::NONE;
    let mut start_best = Duration::MAX;
    let mut best = vec![Timed::NONE; imports.len()];
    for _ in 0..rounds {
        // What every anjuan row pays before reading a cell: starting the process.
        let (t, _) = run_measured(&["--help"], root);
        start_best = start_best.min(t);
        let a: Vec<&str> = export_args.iter().map(String::as_str).collect();
        export_best.keep_faster(Timed::run(&a, root));
        assert!(export_timed.is_file(), "timed export wrote nothing");
        for f in &mut floors {
            let (t, _, _) = if f.csv {
                read_floor_csv(&f.path)
            } else {
                read_floor_xlsx(&f.path)
            };
            f.best = f.best.min(t);
        }
        for (i, imp) in imports.iter().enumerate() {
            if imp.fresh {
                clear_cases(&imp.office);
            }
            let args = imp.args();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = Timed::run(&args, root);
            assert_eq!(
                count_cases(&imp.office.join("cases")),
                imp.cases_after(),
                "{}: case files after a timed import",
                imp.label
            );
            best[i].keep_faster(r);
        }
    }
    let load_after = loadavg();

    println!(
        "\n{:<42} {:>7} {:>8} {:>9} {:>8} {:>7} {:>13}",
        "", "rows", "best s", "rows/s", "peak MB", "CPU s", "× read floor"
    );
    let line = |label: &str, secs: f64, run: Option<Timed>, floor: Option<f64>| {
        let dash = || "—".to_string();
        println!(
            "{label:<42} {n:>7} {secs:>8.4} {:>9.0} {:>8} {:>7} {:>13}",
            n as f64 / secs,
            run.map(|r| format!("{:.0}", mb(r.peak_kb)))
                .unwrap_or_else(dash),
            run.map(|r| format!("{:.2}", r.cpu)).unwrap_or_else(dash),
            floor
                .map(|f| format!("{:.1}×", secs / f))
                .unwrap_or_else(dash),
        )
    };
    line(
        "(2) export office -> ledger.xlsx",
        export_best.wall.as_secs_f64(),
        Some(export_best),
        None,
    );
    for f in &floors {
        line(&f.label, f.best.as_secs_f64(), None, None);
    }
    for (imp, r) in imports.iter().zip(&best) {
        line(
            imp.label,
            r.wall.as_secs_f64(),
            Some(*r),
            Some(floors[imp.floor].best.as_secs_f64()),
        );
    }
    println!(
        "  rows/s counts every row read; (3) refuses all {closed} closed rows by design (a ledger row has no 受理/办理 to close on) and writes {}; (4) compares every row with its case file and writes 0; (5a) and (5b) write {n} case files each.",
        n - closed
    );
    println!(
        "  anjuan runs are separate processes (peak = VmHWM, sampled every 20 ms; CPU s = its user + system time, so wall − CPU is mostly waiting on fsync of the written case files); read floors are in-process, so × read floor includes process start ({:.1} ms for `anjuan --help`) and config load. Load before {load_before}, after {load_after}.",
        start_best.as_secs_f64() * 1e3
    );
    if std::env::var_os("ANJUAN_BENCH_KEEP").is_some() {
        println!("\nkept {} (ANJUAN_BENCH_KEEP)", tmp.keep().display());
    }
}
