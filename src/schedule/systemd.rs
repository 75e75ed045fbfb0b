//! A systemd user service (one run, `Type=oneshot`) and the timer that starts it every
//! day; `Persistent=true` runs a day missed while the machine was off at the next boot.

use std::path::Path;

use super::quote;
use super::Job;
use crate::error::output_error;

/// The `.service` and the `.timer`: each file's name and text.
pub fn render(job: &Job) -> Vec<(String, String)> {
    let (hour, minute) = job.at;
    let mut exec = vec![quote::systemd(&job.exe.display().to_string())];
    exec.extend(job.args().iter().map(|arg| quote::systemd(arg)));
    let environment: String = (job.env.iter())
        .map(|(key, value)| format!("Environment={}\n", quote::systemd(&format!("{key}={value}"))))
        .collect();
    let service = format!(
        "# {name}.service: the tables in {out}; started by {name}.timer.\n\
         # Each run appends one line to {log}. The key comes from ~/.netrc: a service does\n\
         # not have your shell's WANDB_API_KEY.\n\
         [Unit]\n\
         Description=mdl-fetch: regenerate the tables in {out}\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         WorkingDirectory={workdir}\n\
         {environment}\
         ExecStart={exec}\n",
        name = job.name,
        out = job.out_dir.display(),
        log = job.log.display(),
        // A path, not a command line: no quotes, only specifiers escaped.
        workdir = job.workdir.display().to_string().replace('%', "%%"),
        exec = exec.join(" "),
    );
    let timer = format!(
        "# {name}.timer: starts {name}.service every day at {hour:02}:{minute:02}.\n\
         [Unit]\n\
         Description=mdl-fetch: the tables in {out} every day at {hour:02}:{minute:02}\n\
         \n\
         [Timer]\n\
         OnCalendar=*-*-* {hour:02}:{minute:02}:00\n\
         Persistent=true\n\
         Unit={name}.service\n\
         \n\
         [Install]\n\
         WantedBy=timers.target\n",
        name = job.name,
        out = job.out_dir.display().to_string().replace('%', "%%"),
    );
    vec![
        (format!("{}.service", job.name), service),
        (format!("{}.timer", job.name), timer),
    ]
}

/// Both units as printed: each after a line naming where it goes, then how to start it.
pub fn print_form(units: &[(String, String)]) -> String {
    let mut text = String::new();
    for (file, unit) in units {
        text += &format!("### {file}: save as ~/.config/systemd/user/{file}\n{unit}\n");
    }
    text + &enable_hint(units)
}

/// Writes the units into `dir` (made if need be) and says what to run next.
pub fn write(dir: &Path, units: &[(String, String)]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| output_error(dir, &e))?;
    for (file, unit) in units {
        let path = dir.join(file);
        std::fs::write(&path, unit).map_err(|e| output_error(&path, &e))?;
        eprintln!("wrote {}", path.display());
    }
    eprint!("{}", enable_hint(units));
    Ok(())
}

/// The commands that start the timer (and keep it running when the user is logged out).
fn enable_hint(units: &[(String, String)]) -> String {
    let timer = units.last().map_or("", |(file, _)| file.as_str());
    format!(
        "# then: systemctl --user daemon-reload && systemctl --user enable --now {timer}\n\
         # and, to run while you are logged out: loginctl enable-linger \"$USER\"\n"
    )
}
