//! What to do: the command line, the profile file, the name grammar, and the settings
//! resolved from them by role.

pub mod base_url;
pub mod cli;
pub mod cli_keys;
pub mod cli_schedule;
pub mod export_spec;
pub mod filter_check;
pub mod folders_apart;
pub mod grammar;
pub mod locate;
pub mod profile;
pub mod projects;
pub mod record;
pub mod resolve;
pub mod resolve_latex;
pub mod resolve_runs;
pub mod role_keys;
pub mod settings;
pub mod usage_error;
