//! Office workflows: what a clerk, a leader, an archivist or a receiver does to an
//! office folder, as operations with typed results. The command line and the desk
//! are two faces over these; neither holds workflow logic of its own. Each long
//! workflow takes typed options, returns a typed result, reports progress through
//! a callback ([`progress`]) and never prints; what they share is in [`setup`].

pub mod approval;
pub mod audit;
pub mod check;
pub mod edit;
pub mod index;
pub mod ledger;
pub mod new_case;
pub mod output;
pub mod pack;
pub mod progress;
pub mod render;
pub mod report;
pub mod setup;
pub mod sign;
pub mod state;
pub mod users;
pub mod verify;
pub mod views;

pub use setup::rules;
