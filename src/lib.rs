//! # anjuan 案卷
//!
//! Case records, papers and archives for Chinese petition offices (信访办).
//!
//! The flow, one module per stage; data moves forward only:
//!
//! 1. [`case`]: load case records (TOML/JSON) with located errors, validate them,
//!    compute statutory deadlines ([`case::deadline`]) on the office [`config`]'s calendar.
//! 2. [`render`]: Tera templates → Typst (in-process) → PDF/A in the GB/T 9704 layout.
//! 3. [`sign`]: detached minisign signatures (deterministic ed25519).
//! 4. [`archive`]: BagIt 1.0 dossiers and year-end bundles in deterministic zips.
//! 5. [`verify`]: 四性检测 on receipt — a hostile-input-safe zip reader, BagIt complete
//!    and valid, the anjuan checks of DA/T 70's four properties, the report (table,
//!    JSON, PDF) and the signed receipt.
//!
//! Shared pieces: [`source`] (reading files, field paths → `line:column`),
//! [`diag`] (findings with a remedy, personal data masked), [`fsutil`] (atomic writes; clearing the
//! temporaries of interrupted runs).
//! [`office`] holds the workflows the command line and the desk share (check, render,
//! sign, pack, verify and receipts, ledger, report, deadlines, new case, edit), each with
//! typed options and result and progress through [`office::progress`], among them the
//! office's accounts ([`office::users`]) and its hash-chained audit trail ([`office::audit`]).
//! [`app`] is the command layer: it parses, calls a workflow and prints.
//! [`desk`] is the second face, the web application (`anjuan serve`), over the same library.
#![forbid(unsafe_code)]
// A finding (`diag::Located`) is the error of per-file parsing: a cold path, carried
// by value so callers can collect and sort findings without unboxing.
#![allow(clippy::result_large_err)]

pub mod app;
pub mod archive;
pub mod case;
pub mod cli;
pub mod config;
pub mod desk;
pub mod diag;
pub mod fsutil;
pub mod ledger;
pub mod office;
pub mod render;
pub mod sign;
pub mod source;
pub mod synth;
pub mod verify;
