//! The office ledger (台账) as a spreadsheet, and the year's figures.
//!
//! - [`sheet`] reads a spreadsheet into located cells (xlsx/xls/ods/csv), its
//!   columns mapped by [`columns`];
//! - [`entry`] is one row as typed values, to and from a case;
//! - [`import`] turns rows into case files (all or nothing, or `--keep-going`);
//! - [`export`] writes the ledger as a print-ready `.xlsx`;
//! - [`stats`] counts the year for the 信访工作情况 report.

pub mod columns;
pub mod entry;
pub mod export;
pub mod import;
pub mod sheet;
pub mod stats;
