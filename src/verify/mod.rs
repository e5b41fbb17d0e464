//! Verification on receipt (四性检测): reading a bundle as hostile input and
//! checking it. Work in progress (issue 5): so far the entry-name rules.

pub mod names;
