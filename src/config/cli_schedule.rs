//! Command-line types (clap derive) of `mdl-fetch schedule`, and nothing else: which
//! scheduler, when, how a CI job installs the tool, and the table run's own flags.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::cli::TableArgs;

pub const SCHEDULE_AFTER_HELP: &str = "\
Examples:
  mdl-fetch schedule cron --project sae-sweeps --incremental
      a crontab line: paste it with `crontab -e`
  mdl-fetch schedule systemd --project sae-sweeps --incremental --to ~/.config/systemd/user
      then: systemctl --user daemon-reload && systemctl --user enable --now mdl-fetch-sae-sweeps.timer
  mdl-fetch schedule github --project sae-sweeps --git https://github.com/ORG/mdl-fetch
      save as .github/workflows/mdl-fetch.yml; the key is the secret WANDB_API_KEY

The unit runs this binary by its absolute path, in this folder, with the flags given here
and the output and cache folders made absolute (cron and systemd; the workflow runs in the
repository's checkout). Each run appends one line to --log [default: mdl-fetch.log here]:
the time, the exit code, and the closing line or the error. The key is not written into
any unit: a fetch reads WANDB_API_KEY or the netrc file of the user that runs it.";

/// `mdl-fetch schedule`.
#[derive(Debug, Args)]
#[command(after_help = SCHEDULE_AFTER_HELP)]
pub struct ScheduleArgs {
    /// The scheduler: cron (a crontab line), systemd (a .service and a .timer) or github
    /// (a GitHub Actions workflow that commits changed tables).
    #[arg(value_enum)]
    pub scheduler: Scheduler,

    /// When the run starts each day, HH:MM: local time for cron and systemd, UTC for
    /// GitHub. Example: --at 03:17
    #[arg(long, value_name = "HH:MM", default_value = "03:17", value_parser = parse_at)]
    pub at: (u8, u8),

    /// systemd: write the .service and .timer into DIR instead of printing them. Example:
    /// --to ~/.config/systemd/user
    #[arg(long, value_name = "DIR")]
    pub to: Option<PathBuf>,

    /// github: install the tool with `cargo install --locked --git URL` [default: a
    /// placeholder to fill in]. Example: --git https://github.com/ORG/mdl-fetch
    #[arg(long, value_name = "URL", conflicts_with = "pip")]
    pub git: Option<String>,

    /// github: install the tool with `pip install SPEC` instead. Example:
    /// --pip 'mdl-fetch @ git+https://github.com/ORG/mdl-fetch'
    #[arg(long, value_name = "SPEC")]
    pub pip: Option<String>,

    /// The table run the unit makes: the flags of `mdl-fetch` itself.
    #[command(flatten)]
    pub table: TableArgs,
}

/// Which scheduler `mdl-fetch schedule` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scheduler {
    Cron,
    Systemd,
    Github,
}

/// `HH:MM`, a time of day.
fn parse_at(text: &str) -> Result<(u8, u8), String> {
    let wrong = || format!("{text:?} is no time of day; give HH:MM, e.g. --at 03:17");
    let (hour, minute) = text.split_once(':').ok_or_else(wrong)?;
    let hour: u8 = hour.parse().map_err(|_| wrong())?;
    let minute: u8 = minute.parse().map_err(|_| wrong())?;
    match hour < 24 && minute < 60 && text.len() <= 5 {
        true => Ok((hour, minute)),
        false => Err(wrong()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_of_day_is_hours_and_minutes() {
        assert_eq!(parse_at("03:17"), Ok((3, 17)));
        assert_eq!(parse_at("23:59"), Ok((23, 59)));
        assert_eq!(parse_at("7:05"), Ok((7, 5)));
        for wrong in ["24:00", "03:60", "0317", "3pm", "03:17:00", ""] {
            assert!(parse_at(wrong).is_err(), "{wrong}");
        }
    }
}
