//! Progress of a long workflow (render, sign, pack, verify, ledger, report), as
//! events sent to a callback the face supplies: the command line draws its
//! indicatif bars and prints notes on standard error; the desk streams them to a
//! page; a test records them or passes [`silent`].
//!
//! Owns the event and stage types and a counter safe to share between rayon
//! threads. Never prints, never reads the terminal: a workflow says what is
//! happening, the face decides how to show it.
//!
//! Event text (an [`Event::Advance`] item, a [`Event::Step`], a [`Event::Note`])
//! names cases, papers and files; it never carries identity numbers or phones —
//! what a workflow reports of a record goes through the masking of
//! [`crate::diag`] first.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// A stage of a workflow: the part a progress bar stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Reading and checking the case records.
    Check,
    /// Rendering papers, one step a case.
    Render,
    /// Signing files.
    Sign,
    /// Pack: checking the papers, numbering, the dossier papers, the catalogue.
    Prepare,
    /// Pack: writing the zip, counted in bytes.
    Write,
    /// The 四性检测 of a bundle on receipt.
    Verify,
    /// Making and signing the receipt and its report.
    Receipt,
    /// Reading a 台账 and writing its case files.
    Import,
    /// Writing the 台账 workbook.
    Export,
    /// The year report's figures and paper.
    Report,
}

impl Stage {
    /// The label a face shows (Chinese, as every user-facing text).
    pub fn label(self) -> &'static str {
        match self {
            Stage::Check => "检查案件",
            Stage::Render => "生成文书",
            Stage::Sign => "签名",
            Stage::Prepare => "整理归档",
            Stage::Write => "写入",
            Stage::Verify => "四性检测",
            Stage::Receipt => "出具回执",
            Stage::Import => "导入台账",
            Stage::Export => "导出台账",
            Stage::Report => "年度报告",
        }
    }

    /// A stable English name, for logs and JSON (`render`, `write`, …).
    pub fn name(self) -> &'static str {
        match self {
            Stage::Check => "check",
            Stage::Render => "render",
            Stage::Sign => "sign",
            Stage::Prepare => "prepare",
            Stage::Write => "write",
            Stage::Verify => "verify",
            Stage::Receipt => "receipt",
            Stage::Import => "import",
            Stage::Export => "export",
            Stage::Report => "report",
        }
    }
}

/// What a stage counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// Cases, papers or files.
    Items,
    /// Bytes (a zip being written).
    Bytes,
}

/// One thing a workflow reports while it runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", content = "data", rename_all = "kebab-case")]
pub enum Event {
    /// A stage begins; `total` is 0 when it is not known (a spinner).
    Start {
        stage: Stage,
        total: u64,
        unit: Unit,
    },
    /// `done` of `total` are done (cumulative; from parallel threads the values
    /// may arrive slightly out of order, never above `total`). `item` names what
    /// was just done (a case number), when there is one.
    Advance {
        stage: Stage,
        done: u64,
        total: u64,
        item: Option<String>,
    },
    /// A stage without a count moves to its next step (`检查文书 (checking papers)`).
    Step { stage: Stage, what: String },
    /// A stage is over (also when it failed part-way).
    Finish { stage: Stage },
    /// Something the user should read now (a warning, a finding that stops a
    /// case): the text as the terminal prints it, personal data masked.
    Note(String),
}

/// A progress callback: cheap to call, callable from any thread.
pub type Progress<'a> = &'a (dyn Fn(Event) + Sync);

/// The callback that ignores everything (tests, batch callers).
pub fn silent(_: Event) {}

/// A counted stage shared by the threads working on it: [`Counter::start`]
/// sends `Start`, each [`Counter::advance`] one `Advance`, [`Counter::finish`]
/// (or dropping it) one `Finish`.
pub struct Counter<'a> {
    progress: Progress<'a>,
    stage: Stage,
    total: u64,
    done: AtomicU64,
    finished: std::sync::atomic::AtomicBool,
}

impl<'a> Counter<'a> {
    pub fn start(progress: Progress<'a>, stage: Stage, total: u64, unit: Unit) -> Self {
        progress(Event::Start { stage, total, unit });
        Counter {
            progress,
            stage,
            total,
            done: AtomicU64::new(0),
            finished: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// `n` more done; `item` names the last one.
    pub fn advance(&self, n: u64, item: Option<String>) {
        let done = (self.done.fetch_add(n, Ordering::Relaxed) + n).min(self.total);
        (self.progress)(Event::Advance {
            stage: self.stage,
            done,
            total: self.total,
            item,
        });
    }

    /// The stage moves to its next step.
    pub fn step(&self, what: &str) {
        (self.progress)(Event::Step {
            stage: self.stage,
            what: what.to_string(),
        });
    }

    pub fn finish(self) {}
}

impl Drop for Counter<'_> {
    fn drop(&mut self) {
        if !self.finished.swap(true, Ordering::Relaxed) {
            (self.progress)(Event::Finish { stage: self.stage });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn a_counter_sends_start_advances_and_one_finish() {
        let seen = Mutex::new(Vec::new());
        let sink = |e: Event| seen.lock().unwrap().push(e);
        let c = Counter::start(&sink, Stage::Render, 3, Unit::Items);
        use rayon::prelude::*;
        (0..3)
            .into_par_iter()
            .for_each(|i| c.advance(1, Some(format!("XF-{i}"))));
        c.finish();
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.len(), 5);
        assert_eq!(
            seen[0],
            Event::Start {
                stage: Stage::Render,
                total: 3,
                unit: Unit::Items
            }
        );
        assert_eq!(
            seen[4],
            Event::Finish {
                stage: Stage::Render
            }
        );
        let mut done: Vec<u64> = seen[1..4]
            .iter()
            .map(|e| match e {
                Event::Advance { done, total: 3, .. } => *done,
                other => panic!("{other:?}"),
            })
            .collect();
        done.sort();
        assert_eq!(done, [1, 2, 3]);
        silent(Event::Note("x".into()));
    }

    #[test]
    fn every_stage_has_a_chinese_label() {
        for s in [
            Stage::Check,
            Stage::Render,
            Stage::Sign,
            Stage::Prepare,
            Stage::Write,
            Stage::Verify,
            Stage::Receipt,
            Stage::Import,
            Stage::Export,
            Stage::Report,
        ] {
            assert!(s.label().chars().all(|c| !c.is_ascii()), "{}", s.name());
        }
    }
}
