//! Verification on receipt (四性检测): reading a bundle as hostile input and
//! checking it. Work in progress (issue 5).

pub mod container;
pub mod names;
pub mod zipread;
