//! ZIP64 as APPNOTE 4.5.3 writes it: a bundle past 4 GiB, written by
//! `archive::zipout` into a sparse file (no 4 GiB of disk), read back by our strict
//! reader, the `zip` crate, Python's zipfile, Info-ZIP unzip, bsdtar and 7-Zip
//! (each where installed; .ci/run installs them).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::Command;

use anjuan::archive::zipout::{self, Content, Entry};
use anjuan::case::date::Date;

/// Output that skips runs of zeros with a seek, so the file stays sparse.
struct Sparse {
    f: File,
    pos: u64,
    len: u64,
}

impl Write for Sparse {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if b.len() >= 4096 && b.iter().all(|&x| x == 0) {
            self.f.seek(SeekFrom::Current(b.len() as i64))?;
        } else {
            self.f.write_all(b)?;
        }
        self.pos += b.len() as u64;
        self.len = self.len.max(self.pos);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.f.set_len(self.len)?;
        self.f.flush()
    }
}

impl Seek for Sparse {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.pos = self.f.seek(to)?;
        Ok(self.pos)
    }
}

const BIG: u64 = (4 << 30) + (1 << 20); // 4 GiB + 1 MiB

/// A zip whose first entry is a sparse 4 GiB + 1 MiB file, so the three small
/// entries after it start past 4 GiB; returns its path.
fn big_zip(dir: &Path) -> std::path::PathBuf {
    let big = dir.join("big.bin");
    File::create(&big).unwrap().set_len(BIG).unwrap();
    let out = dir.join("big.zip");
    let entries = vec![
        Entry {
            name: "b/data/0-big.bin".into(),
            content: Content::File {
                path: big.clone(),
                size: BIG,
            },
        },
        Entry {
            name: "b/data/1-小.txt".into(),
            content: Content::Bytes("第一件\n".as_bytes().to_vec()),
        },
        Entry {
            name: "b/data/2.txt".into(),
            content: Content::Bytes(b"two\n".to_vec()),
        },
        Entry {
            name: "b/manifest.txt".into(),
            content: Content::Bytes(b"m\n".to_vec()),
        },
    ];
    let f = File::create(&out).unwrap();
    let w = Sparse { f, pos: 0, len: 0 };
    let mut w = zipout::write(w, entries, Date::parse("2026-12-31").unwrap(), &|_| {}).unwrap();
    w.flush().unwrap();
    out
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_bundle_past_4_gib_reads_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let zip = big_zip(dir.path());
    let len = std::fs::metadata(&zip).unwrap().len();
    assert!(len > BIG, "{len}");

    // Our strict reader: no structural finding, offsets past 4 GiB, the ZIP64
    // field exactly where APPNOTE calls for it, version 4.5 only there.
    let f = File::open(&zip).unwrap();
    let a = anjuan::verify::zipread::open(&f, &Default::default()).unwrap();
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    assert_eq!(a.entries.len(), 4);
    let big = &a.entries[0];
    assert_eq!(big.size, BIG);
    assert_eq!(big.needed, 45);
    assert_eq!(big.extra.len(), 4 + 16, "sizes only: the offset is 0");
    assert_eq!(big.local_extra.len(), 4 + 16);
    for e in &a.entries[1..] {
        assert!(
            e.local_offset > 0xFFFF_FFFF,
            "{} at {}",
            e.name,
            e.local_offset
        );
        assert_eq!(e.needed, 45, "{}", e.name);
        assert_eq!(e.made_by, (3 << 8) | 45);
        assert_eq!(e.extra.len(), 4 + 8, "{}: the offset alone", e.name);
        assert!(
            e.local_extra.is_empty(),
            "{}: nothing overflows locally",
            e.name
        );
    }
    let mut s = String::new();
    zipread_text(&f, &a.entries[1], &mut s);
    assert_eq!(s, "第一件\n");

    // The zip crate (another Rust implementation).
    let mut z = zip::ZipArchive::new(File::open(&zip).unwrap()).unwrap();
    assert_eq!(z.len(), 4);
    let mut s = String::new();
    z.by_name("b/data/2.txt")
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    assert_eq!(s, "two\n");

    // Python's zipfile: every CRC, the 4 GiB entry included.
    let py = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, zipfile\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             assert z.testzip() is None\n\
             print(len(z.infolist()), z.read('b/data/1-小.txt').decode(), end='')",
        )
        .arg(&zip)
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&py.stdout), "4 第一件\n");

    // Info-ZIP unzip: test every entry.
    if have("unzip") {
        let o = Command::new("unzip").arg("-tq").arg(&zip).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    }
    if have("bsdtar") {
        let o = Command::new("bsdtar")
            .arg("-tf")
            .arg(&zip)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 4);
    }
    if have("7z") {
        let o = Command::new("7z").arg("t").arg(&zip).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
        assert!(String::from_utf8_lossy(&o.stdout).contains("Everything is Ok"));
    }
}

fn zipread_text(f: &File, e: &anjuan::verify::zipread::Entry, out: &mut String) {
    let off = e.data_offset.expect("data offset");
    let mut f = f.try_clone().unwrap();
    f.seek(SeekFrom::Start(off)).unwrap();
    let mut b = vec![0u8; e.size as usize];
    f.read_exact(&mut b).unwrap();
    out.push_str(std::str::from_utf8(&b).unwrap());
}
