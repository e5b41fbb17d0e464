//! The command line's face of [`crate::office::progress`]: the indicatif bars it
//! has always drawn on standard error (only on a terminal), a step as its
//! spinner's message, a note as a line on standard error.

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::office::progress::{Event, Stage, Unit};

/// The bar of the stage running now.
#[derive(Default)]
pub(crate) struct Bars {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Shows `e`: the progress callback the command layer gives a workflow.
    pub(crate) fn event(&self, e: Event) {
        let Ok(mut bar) = self.bar.lock() else {
            return;
        };
        match e {
            Event::Start { stage, total, unit } => {
                if let Some(old) = bar.take() {
                    old.finish_and_clear();
                }
                *bar = Some(new_bar(stage, total, unit));
            }
            Event::Advance { done, .. } => {
                if let Some(b) = bar.as_ref() {
                    b.set_position(done);
                }
            }
            Event::Step { what, .. } => {
                if let Some(b) = bar.as_ref() {
                    b.set_message(what);
                }
            }
            Event::Finish { .. } => {
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
            }
            Event::Note(text) => match bar.as_ref() {
                Some(b) => b.suspend(|| eprintln!("{text}")),
                None => eprintln!("{text}"),
            },
        }
    }
}

/// The bars the command line has always drawn: cases rendered, the spinner of
/// pack's phases, the bytes of the zip written. Other stages run without one
/// (the terminal output stays as it was).
fn new_bar(stage: Stage, total: u64, unit: Unit) -> ProgressBar {
    let template = match (stage, unit) {
        (Stage::Render, _) => {
            "{spinner} 生成文书 {bar:30} {pos}/{len} 件 已用 {elapsed} 约剩 (ETA) {eta}"
        }
        (Stage::Write, Unit::Bytes) => {
            "写入 {bar:30} {bytes}/{total_bytes} {bytes_per_sec} 约剩 (ETA) {eta}"
        }
        (Stage::Prepare, _) => return ProgressBar::new_spinner(),
        _ => return ProgressBar::hidden(),
    };
    let pb = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(template) {
        pb.set_style(style);
    }
    pb
}
