//! The crontab line: every day at the hour given, `cd` to the folder the flags are
//! relative to, then the binary by its absolute path (cron's PATH is `/usr/bin:/bin`, where
//! neither `cargo install` nor a venv puts it).

use super::quote;
use super::Job;

/// Comment lines saying what the line does and how to install it, then the line.
pub fn render(job: &Job) -> String {
    let (hour, minute) = job.at;
    let mut words: Vec<String> = (job.env.iter())
        .map(|(key, value)| format!("{key}={}", quote::shell(value)))
        .collect();
    words.push(quote::shell(&job.exe.display().to_string()));
    words.extend(job.args().iter().map(|arg| quote::shell(arg)));
    let command = format!(
        "cd {} && {}",
        quote::shell(&job.workdir.display().to_string()),
        words.join(" ")
    );
    format!(
        "# {name}: the tables in {out}, every day at {hour:02}:{minute:02}; install with `crontab -e`.\n\
         # Each run appends one line to {log} (time, exit code, what it did). The key comes\n\
         # from ~/.netrc of the user whose crontab this is: cron does not have your shell's WANDB_API_KEY.\n\
         {minute} {hour} * * * {command}\n",
        name = job.name,
        out = job.out_dir.display(),
        log = job.log.display(),
        command = quote::cron(&command),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn the_line_runs_the_binary_by_its_path_in_the_folder_of_the_flags() {
        let job = Job {
            name: "mdl-fetch-sae".into(),
            exe: PathBuf::from("/home/me/.cargo/bin/mdl-fetch"),
            workdir: PathBuf::from("/srv/my paper"),
            out_dir: PathBuf::from("/srv/my paper/out/sae"),
            cache_dir: PathBuf::from("/srv/my paper/cache"),
            log: PathBuf::from("/srv/my paper/mdl-fetch.log"),
            flags: vec![
                "--project".into(),
                "sae".into(),
                "--filter".into(),
                "{\"x\": \"5%\"}".into(),
            ],
            env: vec![("WANDB_BASE_URL".into(), "https://wandb.example.org".into())],
            at: (3, 7),
        };
        let text = render(&job);
        let line = text.lines().find(|line| !line.starts_with('#')).unwrap();
        assert_eq!(
            line,
            "7 3 * * * cd '/srv/my paper' && WANDB_BASE_URL=https://wandb.example.org \
             /home/me/.cargo/bin/mdl-fetch --project sae --filter '{\"x\": \"5\\%\"}' \
             --out '/srv/my paper/out/sae' --cache-dir '/srv/my paper/cache' --quiet \
             --log '/srv/my paper/mdl-fetch.log'"
        );
        assert!(text.contains("every day at 03:07"), "{text}");
    }
}
