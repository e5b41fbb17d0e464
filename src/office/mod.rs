//! Office workflows: what a clerk, a leader, an archivist or a receiver does to an
//! office folder, as operations with typed results. The command line and the desk
//! are two faces over these; neither holds workflow logic of its own. (Workflows
//! still in `app` move here one by one.)

pub mod audit;
pub mod edit;
pub mod index;
pub mod new_case;
pub mod output;
pub mod state;
pub mod users;
pub mod views;

/// The rules a check runs by, from an office's configuration: its calendar, and
/// today (or `as_of`, or the configuration's fixed `as_of`) as the day periods
/// count to. Shared by the command line and the desk.
pub fn rules(
    loaded: &crate::config::Loaded,
    as_of: Option<crate::case::date::Date>,
) -> crate::case::Rules<'_> {
    crate::case::Rules {
        config: &loaded.config,
        config_is_real: loaded.path.is_some(),
        calendar: loaded.config.calendar(),
        as_of: as_of
            .or(loaded.config.calendar.as_of)
            .unwrap_or_else(crate::case::date::Date::today),
        root: Some(loaded.root()),
    }
}
