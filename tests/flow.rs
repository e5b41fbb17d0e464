//! The office workflows called as a library, not through the binary (the desk
//! calls them so): render (incremental), pack, verify and the receipt return
//! typed results, and their progress events arrive in order with consistent
//! totals.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anjuan::archive::pack::Scope;
use anjuan::office::pack::{self, PackOptions};
use anjuan::office::progress::{Event, Stage, Unit};
use anjuan::office::render::{self, RenderOptions};
use anjuan::office::setup::SetupError;
use anjuan::office::verify::{self, ReceiptOptions, VerifyOptions};

fn demo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/demo-office")
}

/// The demo office in `dir`, with an unencrypted office key that signs.
fn office(dir: &Path) -> PathBuf {
    let office = dir.join("office");
    for sub in ["cases", "originals"] {
        std::fs::create_dir_all(office.join(sub)).unwrap();
        for e in std::fs::read_dir(demo().join(sub)).unwrap() {
            let p = e.unwrap().path();
            if !p.is_file() {
                continue;
            }
            std::fs::copy(&p, office.join(sub).join(p.file_name().unwrap())).unwrap();
        }
    }
    let mut config = std::fs::read_to_string(demo().join("anjuan.toml")).unwrap();
    config.push_str(
        "\n[signing]\nkey = \"keys/anjuan.key\"\npublic = \"keys/anjuan.pub\"\nrequired = true\n",
    );
    std::fs::write(office.join("anjuan.toml"), config).unwrap();
    let (pk, sk) = anjuan::sign::generate(String::new()).unwrap();
    std::fs::create_dir_all(office.join("keys")).unwrap();
    std::fs::write(office.join("keys/anjuan.key"), sk).unwrap();
    std::fs::write(office.join("keys/anjuan.pub"), pk).unwrap();
    office
}

/// Records the events a workflow sends.
#[derive(Default)]
struct Recorder(Mutex<Vec<Event>>);

impl Recorder {
    fn sink(&self) -> impl Fn(Event) + Sync + '_ {
        |e| self.0.lock().unwrap().push(e)
    }

    fn take(&self) -> Vec<Event> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

fn no_passphrase(p: &Path) -> Result<String, SetupError> {
    Err(SetupError::Read(p.to_path_buf()))
}

/// The events of `stage`: a Start first, a Finish last, Advances (never above
/// the total) and Steps between; the total and the last `done`.
fn stage_events(events: &[Event], stage: Stage) -> (u64, u64, usize) {
    let of: Vec<&Event> = events
        .iter()
        .filter(|e| match e {
            Event::Start { stage: s, .. }
            | Event::Advance { stage: s, .. }
            | Event::Step { stage: s, .. }
            | Event::Finish { stage: s } => *s == stage,
            Event::Note(_) => false,
        })
        .collect();
    let Some(Event::Start { total, .. }) = of.first() else {
        panic!("{stage:?} does not start first: {of:?}");
    };
    let finishes: Vec<usize> = of
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e, Event::Finish { .. }))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(finishes.len(), 1, "one Finish of {stage:?}: {of:?}");
    let mut last = 0;
    let mut advances = 0;
    for e in &of[1..finishes[0]] {
        match e {
            Event::Advance { done, total: t, .. } => {
                assert_eq!(t, total, "{stage:?}: the same total throughout");
                assert!(done <= total, "{stage:?}: {done} of {total}");
                last = last.max(*done);
                advances += 1;
            }
            Event::Step { .. } => {}
            other => panic!("{stage:?}: {other:?} between Start and Finish"),
        }
    }
    (*total, last, advances)
}

#[test]
fn render_pack_verify_and_receipt_through_the_library() {
    let tmp = tempfile::tempdir().unwrap();
    let office = office(tmp.path());
    let rec = Recorder::default();
    let sink = rec.sink();

    // Render: every paper made, then (nothing changed) every paper kept.
    let opts = RenderOptions {
        actor: "test:flow".into(),
        ..RenderOptions::default()
    };
    let paths = [office.clone()];
    let first = render::render(&paths, &opts, &no_passphrase, &sink).unwrap();
    assert_eq!(first.output, office.join("papers"));
    assert_eq!(first.failures(), 0, "{:?}", first.failed);
    assert!(first.made > 40, "only {} papers", first.made);
    assert_eq!(first.kept, 0);
    let events = rec.take();
    let (total, done, advances) = stage_events(&events, Stage::Render);
    assert_eq!(total, first.cases as u64);
    assert_eq!((done, advances), (total, first.cases));
    assert!(matches!(
        events.first(),
        Some(Event::Start {
            stage: Stage::Render,
            unit: Unit::Items,
            ..
        })
    ));
    let second = render::render(&paths, &opts, &no_passphrase, &sink).unwrap();
    assert_eq!((second.made, second.kept), (0, first.made));
    assert_eq!(second.report().kept, first.made);
    rec.take();

    // Pack the year: the numbered, signed bundle in the office's archive/.
    let popts = PackOptions {
        config: None,
        scope: Scope::Year(2026),
        output: None,
        unsigned: false,
        papers: None,
        date: None,
        force: false,
        look: Default::default(),
        actor: "test:flow".into(),
    };
    let packed = pack::pack(&office, &popts, &no_passphrase, &sink).unwrap();
    assert_eq!(packed.package, office.join("archive/X012-WS-2026-XFB.zip"));
    assert!(packed.package.is_file());
    assert_eq!(
        packed.zip_bytes,
        std::fs::metadata(&packed.package).unwrap().len()
    );
    assert!(packed.summary.signed_by.is_some());
    assert_eq!(packed.report().schema, "anjuan-pack/1");
    let events = rec.take();
    let (_, _, advances) = stage_events(&events, Stage::Prepare);
    assert_eq!(advances, 0, "preparing is counted in steps");
    let (total, done, _) = stage_events(&events, Stage::Write);
    assert!(total > 0);
    assert_eq!(done, total, "every byte announced is written");
    let prepare_start = events
        .iter()
        .position(|e| {
            matches!(
                e,
                Event::Start {
                    stage: Stage::Prepare,
                    ..
                }
            )
        })
        .unwrap();
    let write_start = events
        .iter()
        .position(|e| {
            matches!(
                e,
                Event::Start {
                    stage: Stage::Write,
                    ..
                }
            )
        })
        .unwrap();
    assert!(prepare_start < write_start);
    assert!(matches!(
        events.last(),
        Some(Event::Step { stage: Stage::Write, what }) if what == "完成 (done)"
    ));
    // A second pack without force is refused before any work.
    let again = pack::pack(&office, &popts, &no_passphrase, &sink).unwrap_err();
    assert!(matches!(
        again,
        pack::PackFlowError::Setup(SetupError::Exists(_))
    ));
    rec.take();

    // Verify on receipt, trusting the office key: accepted.
    let vopts = VerifyOptions {
        trust: vec![office.join("keys/anjuan.pub")],
        date: anjuan::case::date::Date::parse("2026-12-01"),
        jobs: 1,
        ..VerifyOptions::default()
    };
    let report = verify::verify(&packed.package, &vopts, &sink).unwrap();
    assert!(report.accepted(), "{}", report.to_text(10));
    let events = rec.take();
    assert_eq!(stage_events(&events, Stage::Verify).2, 0);

    // The receipt (the office receives its own bundle here), checked back.
    let ropts = ReceiptOptions {
        config: Some(office.join("anjuan.toml")),
        key: None,
        output: tmp.path().join("receipts"),
        look: Default::default(),
        actor: "test:flow".into(),
    };
    let (report, issued) =
        verify::receipt(&packed.package, &ropts, &vopts, &no_passphrase, &sink).unwrap();
    assert!(report.accepted() && issued.accepted);
    assert!(issued.receipt.is_file());
    let events = rec.take();
    assert_eq!(stage_events(&events, Stage::Receipt), (4, 4, 4));
    let checked = verify::check_receipt(
        &issued.receipt,
        &office.join("keys/anjuan.pub"),
        Some(&packed.package),
    )
    .unwrap();
    assert!(checked.signature_ok && checked.doc.valid && checked.doc.accepted);

    // A receipt is never issued on a BagIt-only check.
    let bagit = VerifyOptions {
        bagit: true,
        trust: vec![],
        ..vopts.clone()
    };
    let refused = verify::receipt(&packed.package, &ropts, &bagit, &no_passphrase, &sink);
    assert!(matches!(
        refused,
        Err(verify::VerifyFlowError::ReceiptBagit)
    ));
}

#[test]
fn a_render_outside_an_office_says_there_are_no_cases() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let err = render::render(
        &[tmp.path().to_path_buf()],
        &RenderOptions::default(),
        &no_passphrase,
        &rec.sink(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("没有找到案件文件"), "{err}");
    assert!(err.remedy().is_some());
    assert!(rec.take().is_empty(), "nothing started");
}
