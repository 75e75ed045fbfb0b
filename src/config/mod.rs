//! What to do: the command line, the profile file, the name grammar, and the settings
//! resolved from them.

pub mod cli;
pub mod grammar;
pub mod profile;
pub mod settings;
