//! The table flags `schedule` was given, as arguments again: every option set on the
//! command line or by its environment variable (a scheduler has neither the shell's
//! environment nor its history), in the command's order, less those the units set
//! themselves (the folders, the log, `--quiet`) and `schedule`'s own.

use std::path::Path;

use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches};

use crate::config::cli::Cli;
use crate::error::{Error, Kind};

/// Options the units set, and `schedule`'s own, by clap id.
const LEFT_OUT: [&str; 10] = [
    "scheduler",
    "at",
    "to",
    "git",
    "pip",
    "out",
    "cache_dir",
    "log",
    "quiet",
    "color",
];

/// The table flags of this process's `mdl-fetch schedule ...` command line, `--config`
/// made absolute against `workdir`.
pub fn table_flags(workdir: &Path) -> anyhow::Result<Vec<String>> {
    let command = Cli::command_with_help();
    let matches = command
        .clone()
        .try_get_matches_from(std::env::args_os())
        .map_err(|e| Error::new(Kind::Usage, format!("schedule: {}", e.kind())))?;
    let (Some(schedule), Some(sub)) = (
        command.find_subcommand("schedule"),
        matches.subcommand_matches("schedule"),
    ) else {
        return Err(Error::new(Kind::Usage, "schedule: the command line has no schedule").into());
    };
    Ok(flags_of(schedule, sub, workdir))
}

/// The options of `matches` (parsed by `command`) as arguments.
pub fn flags_of(command: &clap::Command, matches: &ArgMatches, workdir: &Path) -> Vec<String> {
    let mut flags = Vec::new();
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        let given = matches!(
            matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        );
        let Some(long) = arg.get_long().filter(|_| given && !LEFT_OUT.contains(&id)) else {
            continue;
        };
        let flag = format!("--{long}");
        match arg.get_action() {
            ArgAction::SetTrue => flags.push(flag),
            ArgAction::Count => {
                let times = matches.get_count(id);
                flags.extend(std::iter::repeat_n(flag, usize::from(times)));
            }
            _ => {
                for value in matches.get_raw(id).into_iter().flatten() {
                    let value = value.to_string_lossy();
                    let value = match id {
                        "config" => workdir.join(value.as_ref()).display().to_string(),
                        _ => value.into_owned(),
                    };
                    flags.extend([flag.clone(), value]);
                }
            }
        }
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(args: &[&str]) -> Vec<String> {
        let command = Cli::command_with_help();
        let matches = command.clone().try_get_matches_from(args).unwrap();
        let schedule = command.find_subcommand("schedule").unwrap();
        let sub = matches.subcommand_matches("schedule").unwrap();
        flags_of(schedule, sub, Path::new("/srv/paper"))
    }

    #[test]
    fn the_table_flags_come_back_as_typed_less_the_ones_units_set() {
        let given = flags(&[
            "mdl-fetch",
            "schedule",
            "cron",
            "--at",
            "04:00",
            "-p",
            "sae-sweeps",
            "--incremental",
            "-vv",
            "--tolerance",
            "2e-4",
            "--tolerance",
            "1e-3",
            "--out",
            "tables",
            "-q",
            "--config",
            "config/x.toml",
            "--state",
            "finished,crashed",
            "--column",
            "k=top_k",
            "--log",
            "x.log",
            "--cache-dir",
            "c",
        ]);
        let expected = [
            "--project",
            "sae-sweeps",
            "--config",
            "/srv/paper/config/x.toml",
            "--tolerance",
            "2e-4",
            "--tolerance",
            "1e-3",
            "--column",
            "k=top_k",
            "--state",
            "finished",
            "--state",
            "crashed",
            "--incremental",
            "--verbose",
            "--verbose",
        ];
        assert_eq!(given, expected);
    }

    #[test]
    fn defaults_are_left_to_the_run() {
        assert_eq!(
            flags(&["mdl-fetch", "schedule", "github", "--offline"]),
            ["--offline"]
        );
    }
}
