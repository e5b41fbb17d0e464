//! Archives: a closed case's dossier package and the office's year-end bundle.
//!
//! Stage 4 of the flow. The papers a case's record calls for (rendered and
//! signed by stage 2–3) are filed in the order DOMAIN §5 gives, each as one 件
//! with its 档号 ([`code`]); the dossier's cover, contents list and notes sheet
//! are made here with those codes; the catalogue (归档文件目录) comes as JSON, CSV
//! and PDF with per-item metadata named after DA/T 46 elements ([`catalogue`]);
//! the whole is a BagIt 1.0 bag ([`bag`]) with SHA-256 and SM3 manifests, a
//! handoff form and a signed tag manifest, written as a deterministic zip
//! ([`zipout`]). [`pack`] puts it together; it reads the papers it files and
//! writes only the zip it is given.

pub mod bag;
pub mod catalogue;
pub mod code;
pub mod pack;
pub mod zipout;
