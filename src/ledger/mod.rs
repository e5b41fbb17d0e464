//! The office ledger (台账) as a spreadsheet: reading one into located cells
//! ([`sheet`]) with its columns mapped ([`columns`]). Work in progress (issue 6):
//! rows → case files, export, the year report come next.

pub mod columns;
pub mod sheet;
