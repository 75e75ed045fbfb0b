//! `mdl-fetch schedule cron|systemd|github`: a ready unit that makes this table every day,
//! made from the same flags as the table run, with the binary, the folders and the log
//! given by absolute path (a scheduler's working directory and PATH are not the shell's).
//!
//! `flags.rs` gives back the table flags as typed, `quote.rs` quotes them for each
//! scheduler's own syntax, and `cron.rs`, `systemd.rs` and `github.rs` write the units.

mod cron;
mod flags;
mod github;
pub mod quote;
mod systemd;

use std::path::{Path, PathBuf};

use crate::config::cli_schedule::{ScheduleArgs, Scheduler};
use crate::config::resolve::Env;
use crate::config::settings::{Mode, Settings};
use crate::error::{fail, Kind};

/// What every unit runs: the table run, made self-contained.
#[derive(Debug, Clone)]
pub struct Job {
    /// What units are named by: `mdl-fetch-<this>`, from the output folder's name.
    pub name: String,
    /// The binary, by absolute path.
    pub exe: PathBuf,
    /// The folder the run starts in (relative paths among the flags are relative to it).
    pub workdir: PathBuf,
    pub out_dir: PathBuf,
    pub cache_dir: PathBuf,
    pub log: PathBuf,
    /// The table flags as given, less the folders and the log, which the units set.
    pub flags: Vec<String>,
    /// Environment the run needs that is no flag (a self-hosted server's address).
    pub env: Vec<(String, String)>,
    /// The time of day it starts, hour and minute.
    pub at: (u8, u8),
}

impl Job {
    /// The table run's arguments after the binary: the flags, the absolute folders, and
    /// `--quiet --log FILE` (a good night prints nothing, and every night logs a line).
    pub fn args(&self) -> Vec<String> {
        let mut args = self.flags.clone();
        for (flag, path) in [("--out", &self.out_dir), ("--cache-dir", &self.cache_dir)] {
            args.extend([flag.to_string(), path.display().to_string()]);
        }
        args.extend([
            "--quiet".to_string(),
            "--log".to_string(),
            self.log.display().to_string(),
        ]);
        args
    }
}

/// Prints (or for systemd with `--to`, writes) the unit `args` asks for.
pub fn schedule(args: &ScheduleArgs) -> anyhow::Result<()> {
    let job = job(args)?;
    let text = match args.scheduler {
        Scheduler::Cron => cron::render(&job),
        Scheduler::Systemd => {
            let units = systemd::render(&job);
            match &args.to {
                Some(dir) => return systemd::write(dir, &units),
                None => systemd::print_form(&units),
            }
        }
        Scheduler::Github => {
            let install = github::Install::from_flags(args.git.as_deref(), args.pip.as_deref());
            github::render(&job, &install)?
        }
    };
    print!("{text}");
    Ok(())
}

/// The job the flags describe, its folders as the table run would resolve them.
fn job(args: &ScheduleArgs) -> anyhow::Result<Job> {
    let settings = Settings::load(&args.table, &Env::process())?;
    if settings.output.mode == Mode::Print {
        return fail(
            Kind::Usage,
            "schedule: --out - writes no artifact; give the scheduled run a folder with --out DIR",
        );
    }
    let workdir = std::env::current_dir()
        .map_err(|e| crate::error::Error::new(Kind::Usage, format!("schedule: no working folder: {e}")))?;
    let exe = std::env::current_exe().map_err(|e| {
        crate::error::Error::new(
            Kind::Usage,
            format!("schedule: cannot tell where this binary is: {e}"),
        )
    })?;
    let absolute = |path: &Path| workdir.join(path);
    let out_dir = absolute(&settings.output.out_dir);
    let log = absolute(args.table.log.as_deref().unwrap_or(Path::new("mdl-fetch.log")));
    let env = ["WANDB_BASE_URL", "MDL_FETCH_WEB_URL", "MDL_FETCH_ALLOW_HTTP"]
        .into_iter()
        .filter_map(|key| std::env::var(key).ok().map(|value| (key.to_string(), value)))
        .collect();
    Ok(Job {
        name: unit_name(&out_dir),
        exe,
        cache_dir: absolute(&settings.fetch.cache_root),
        out_dir,
        log,
        flags: flags::table_flags(&workdir)?,
        env,
        at: args.at,
        workdir,
    })
}

/// `mdl-fetch-<output folder>`, in the letters a systemd unit name may hold.
fn unit_name(out_dir: &Path) -> String {
    let folder = out_dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned());
    let folder: String = (folder.unwrap_or_default().chars())
        .map(|c| match c.is_ascii_alphanumeric() || "-_.".contains(c) {
            true => c,
            false => '-',
        })
        .collect();
    match folder.trim_matches('-').is_empty() {
        true => "mdl-fetch".into(),
        false => format!("mdl-fetch-{folder}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_named_by_the_output_folder_in_a_units_letters() {
        assert_eq!(
            unit_name(Path::new("/srv/out/sae-sweeps")),
            "mdl-fetch-sae-sweeps"
        );
        assert_eq!(
            unit_name(Path::new("out/sweep-a+sweep-b")),
            "mdl-fetch-sweep-a-sweep-b"
        );
        assert_eq!(unit_name(Path::new("/")), "mdl-fetch");
    }
}
