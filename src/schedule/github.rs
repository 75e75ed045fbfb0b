//! A GitHub Actions workflow: every day it installs the tool, restores the cache of fetched
//! runs (actions/cache), runs `--check`, and when the tables are stale (exit 20) makes them
//! and commits what changed. Paths are the repository's: the checkout is not this folder.

use std::path::{Path, PathBuf};

use super::quote;
use super::Job;
use crate::error::{fail, Kind};

/// What `cargo install --git` is given when no `--git` was: to be filled in.
pub const GIT_PLACEHOLDER: &str = "REPLACE-WITH-THE-GIT-URL-OF-MDL-FETCH";

/// How the workflow gets the binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Install {
    /// `cargo install --locked --git URL mdl-fetch`.
    Cargo(String),
    /// `pip install SPEC`.
    Pip(String),
}

impl Install {
    /// From `schedule --git URL` or `--pip SPEC`; cargo with a placeholder without either.
    pub fn from_flags(git: Option<&str>, pip: Option<&str>) -> Install {
        match (git, pip) {
            (_, Some(spec)) => Install::Pip(spec.to_string()),
            (url, None) => Install::Cargo(url.unwrap_or(GIT_PLACEHOLDER).to_string()),
        }
    }

    /// The steps that install it, as YAML list items.
    fn steps(&self) -> String {
        match self {
            Install::Cargo(url) => {
                let fill = match url == GIT_PLACEHOLDER {
                    true => "        # fill in the git URL of mdl-fetch (or: mdl-fetch schedule github --git URL)\n",
                    false => "",
                };
                let command = quote::shell_line(&["cargo", "install", "--locked", "--git", url, "mdl-fetch"]);
                format!(
                    "      - name: install mdl-fetch\n{fill}        run: {}\n",
                    yaml_text(&command)
                )
            }
            Install::Pip(spec) => format!(
                "      - uses: actions/setup-python@v5\n        with:\n          python-version: '3.12'\n\
                 \x20     - name: install mdl-fetch\n        run: {}\n",
                yaml_text(&quote::shell_line(&["python", "-m", "pip", "install", spec]))
            ),
        }
    }
}

/// The workflow's text.
pub fn render(job: &Job, install: &Install) -> anyhow::Result<String> {
    let root = repository_root(&job.workdir);
    let place = |path: &Path, what: &str| in_checkout(path, &job.workdir, &root, what);
    let (out, cache) = (
        place(&job.out_dir, "--out")?,
        place(&job.cache_dir, "--cache-dir")?,
    );
    let cache_in_repo = relative(&job.cache_dir, &root).expect("placed in the checkout");
    let workdir = relative(&job.workdir, &root).unwrap_or_default();
    let mut table = vec!["mdl-fetch".to_string()];
    table.extend(job.flags.iter().filter(|flag| *flag != "--check").cloned());
    table.extend(["--out".into(), out.clone(), "--cache-dir".into(), cache]);
    let table = quote::shell_line(&table);
    let (hour, minute) = job.at;
    let mut text = format!(
        "# {name}: the tables in {out}, every day at {hour:02}:{minute:02} UTC.\n\
         # Save as .github/workflows/{name}.yml and add the repository secret WANDB_API_KEY.\n\
         name: {name}\n\
         on:\n  schedule:\n    - cron: '{minute} {hour} * * *'\n  workflow_dispatch:\n\
         permissions:\n  contents: write\n\
         concurrency:\n  group: {name}\n\
         jobs:\n  tables:\n    runs-on: ubuntu-latest\n    timeout-minutes: 60\n\
         \x20   env:\n      WANDB_API_KEY: ${{{{ secrets.WANDB_API_KEY }}}}\n",
        name = job.name,
    );
    for (key, value) in &job.env {
        text += &format!("      {key}: {}\n", yaml_text(value));
    }
    if !workdir.is_empty() {
        text += &format!(
            "    defaults:\n      run:\n        working-directory: {}\n",
            yaml_text(&workdir)
        );
    }
    text += "    steps:\n      - uses: actions/checkout@v4\n";
    text += &install.steps();
    text += &format!(
        "      - name: restore the cache of fetched runs\n        uses: actions/cache@v4\n        with:\n\
         \x20         path: {cache}\n          key: {name}-cache-${{{{ github.run_id }}}}\n          restore-keys: {name}-cache-\n\
         \x20     - name: check the committed tables\n        id: check\n        run: |\n\
         \x20         status=0\n          {table} --check || status=$?\n\
         \x20         echo \"status=$status\" >> \"$GITHUB_OUTPUT\"\n\
         \x20         # 0: up to date; 20: stale, made and committed below; any other code fails the job\n\
         \x20         test \"$status\" = 0 || test \"$status\" = 20\n\
         \x20     - name: make the tables\n        if: steps.check.outputs.status == '20'\n        run: {table_yaml}\n\
         \x20     - name: commit the changed tables\n        if: steps.check.outputs.status == '20'\n        run: |\n\
         \x20         git config user.name 'github-actions[bot]'\n\
         \x20         git config user.email '41898282+github-actions[bot]@users.noreply.github.com'\n\
         \x20         git add -- {out_word}\n\
         \x20         if ! git diff --cached --quiet; then\n\
         \x20           git commit -m 'tables: regenerated by mdl-fetch'\n\
         \x20           git push\n\
         \x20         fi\n",
        cache = yaml_text(&cache_in_repo),
        name = job.name,
        table_yaml = yaml_text(&table),
        out_word = quote::shell(&out),
    );
    Ok(text)
}

/// The git work tree `dir` is in (the nearest folder above holding `.git`), else `dir`.
fn repository_root(dir: &Path) -> PathBuf {
    (dir.ancestors())
        .find(|folder| folder.join(".git").exists())
        .unwrap_or(dir)
        .to_path_buf()
}

/// `path` relative to `base`, when it is inside it (`""` for `base` itself).
fn relative(path: &Path, base: &Path) -> Option<String> {
    path.strip_prefix(base)
        .ok()
        .map(|rest| rest.display().to_string())
}

/// How the workflow names `path` (a folder of this machine): relative to the working
/// folder when inside it, else from the checkout's root; outside the repository it is an
/// error naming the flag (`what`).
fn in_checkout(path: &Path, workdir: &Path, root: &Path, what: &str) -> anyhow::Result<String> {
    if let Some(inside) = relative(path, workdir).filter(|inside| !inside.is_empty()) {
        return Ok(inside);
    }
    match relative(path, root) {
        Some(in_repo) => Ok(format!("${{{{ github.workspace }}}}/{in_repo}")),
        None => fail(
            Kind::Usage,
            format!(
                "schedule github: {what} {} is outside the repository {}; a workflow writes only in its checkout, so give {what} a folder inside it",
                path.display(),
                root.display()
            ),
        ),
    }
}

/// `text` as a YAML plain or single-quoted scalar on one line.
fn yaml_text(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./ =+@".contains(c);
    let starts_plain = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '/');
    match starts_plain && text.chars().all(plain) && !text.ends_with(' ') {
        true => text.to_string(),
        false => format!("'{}'", text.replace('\'', "''")),
    }
}
