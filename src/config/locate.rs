//! Where the profile comes from and which folder default paths belong to: `--config PATH`;
//! else for `--project NAME`, `config/NAME.toml` in the working directory or the nearest
//! folder above it that has one (as cargo finds `Cargo.toml`), or in `MDL_FETCH_CONFIG_DIR`
//! instead when that is set; else `$XDG_CONFIG_HOME/mdl-fetch/NAME.toml` (default
//! `~/.config/mdl-fetch/`). Looks at the file system only to ask whether a file is there.

use std::path::{Path, PathBuf};

use crate::config::cli::TableArgs;
use crate::config::projects::ProjectName;
use crate::config::resolve::Env;
use crate::config::settings::Settings;
use crate::error::{fail, Kind};

/// Where a profile was looked for, and where it was found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// The profile to load, as messages name it: relative when it is in the working
    /// directory's `config/`, else absolute (or as `--config`/the env gave it).
    pub found: Option<PathBuf>,
    /// The project root: the folder holding the `config/` folder the walk up found the
    /// profile in (empty when that is the working directory itself). Default `out/` and
    /// `cache/` go there; without one they go in the working directory.
    pub root: Option<PathBuf>,
    /// Every file looked at, in order (the found one last).
    pub looked: Vec<PathBuf>,
}

/// Finds the profile for `args` from `cwd` (the working directory, absolute); a `--config`
/// that names no file is a usage error saying where it was looked for.
pub fn search(args: &TableArgs, env: &Env, cwd: &Path) -> anyhow::Result<Search> {
    if let Some(path) = &args.config {
        if !cwd.join(path).is_file() {
            let place = match path.is_relative() {
                true => format!(" (looked in {})", cwd.display()),
                false => String::new(),
            };
            return fail(
                Kind::Usage,
                format!("--config {}: no such file{place}", path.display()),
            );
        }
        return Ok(Search {
            found: Some(path.clone()),
            root: None,
            looked: vec![path.clone()],
        });
    }
    let Some(project) = args.project.first() else {
        return Ok(Search::default());
    };
    let file = format!("{}.toml", ProjectName::parse(project)?.name);
    let mut search = Search::default();
    for (candidate, root) in candidates(&file, env, cwd) {
        search.looked.push(candidate.clone());
        if cwd.join(&candidate).is_file() {
            search.found = Some(candidate);
            search.root = root;
            break;
        }
    }
    Ok(search)
}

/// The places a profile named `file` may be, in the order they are tried, each with the
/// project root it gives.
fn candidates(file: &str, env: &Env, cwd: &Path) -> Vec<(PathBuf, Option<PathBuf>)> {
    let var = |key: &str| (env.var)(key).filter(|value| !value.is_empty());
    let mut places = match var("MDL_FETCH_CONFIG_DIR") {
        Some(dir) => vec![(Path::new(&dir).join(file), None)],
        None => (cwd.ancestors().enumerate())
            .map(|(depth, dir)| match depth {
                0 => (Path::new("config").join(file), Some(PathBuf::new())),
                _ => (dir.join("config").join(file), Some(dir.to_path_buf())),
            })
            .collect(),
    };
    // The XDG base directory spec ignores a relative XDG_CONFIG_HOME.
    let user_config = (var("XDG_CONFIG_HOME").map(PathBuf::from))
        .filter(|dir| dir.is_absolute())
        .or_else(|| var("HOME").map(|home| Path::new(&home).join(".config")));
    if let Some(dir) = user_config {
        places.push((dir.join("mdl-fetch").join(file), None));
    }
    places
}

/// "no profile found (looked for A, B, C)": for errors that a profile would have avoided.
pub fn not_found(looked: &[PathBuf]) -> String {
    let places: Vec<String> = looked.iter().map(|p| p.display().to_string()).collect();
    format!("no profile found (looked for {})", places.join(", "))
}

/// What `-v` says about the paths a run uses: the profile (or where none was), and the
/// folder it writes the artifacts in.
pub fn describe(settings: &Settings) -> Vec<String> {
    let mut lines = Vec::new();
    match (&settings.profile_path, settings.profile_looked.is_empty()) {
        (Some(path), _) => lines.push(format!("profile: {}", path.display())),
        (None, false) => lines.push(format!("profile: none, {}", not_found(&settings.profile_looked))),
        (None, true) => lines.push("profile: none (built-in defaults)".into()),
    }
    let output = &settings.output;
    lines.push(match output.mode {
        crate::config::settings::Mode::Print => "artifacts: none (--out -): the table goes to stdout".into(),
        _ => format!("artifacts: {}", output.out_dir.display()),
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(line: &[&str]) -> TableArgs {
        let line = std::iter::once("mdl-fetch").chain(line.iter().copied());
        crate::config::cli::Cli::try_parse_from(line).unwrap().table
    }

    fn search_with(line: &[&str], vars: &[(&str, &Path)], cwd: &Path) -> anyhow::Result<Search> {
        let vars: Vec<(String, String)> = (vars.iter())
            .map(|(key, value)| (key.to_string(), value.display().to_string()))
            .collect();
        let lookup = move |key: &str| vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let env = Env {
            var: &lookup,
            cores: 1,
        };
        search(&args(line), &env, cwd)
    }

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }

    #[test]
    fn the_walk_up_finds_the_nearest_config_folder_and_makes_it_the_root() {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().join("lab");
        let deep = top.join("analysis/notebooks");
        std::fs::create_dir_all(&deep).unwrap();
        touch(&top.join("config/sweep.toml"));
        // A `config/` folder without the project's profile is walked past.
        touch(&top.join("analysis/config/other.toml"));
        let found = search_with(&["--project", "sweep"], &[], &deep).unwrap();
        assert_eq!(found.found, Some(top.join("config/sweep.toml")));
        assert_eq!(found.root, Some(top.clone()));
        assert_eq!(
            found.looked,
            [
                PathBuf::from("config/sweep.toml"),
                top.join("analysis/config/sweep.toml"),
                top.join("config/sweep.toml"),
            ]
        );
        // From the root itself the profile and the root are named as today: relative.
        let here = search_with(&["--project", "lab/sweep"], &[], &top).unwrap();
        assert_eq!(here.found, Some(PathBuf::from("config/sweep.toml")));
        assert_eq!(here.root, Some(PathBuf::new()));
    }

    #[test]
    fn the_user_config_folder_comes_after_the_walk_up_and_gives_no_root() {
        let tmp = tempfile::tempdir().unwrap();
        let (cwd, xdg, home) = (tmp.path().join("w"), tmp.path().join("xdg"), tmp.path().join("h"));
        std::fs::create_dir_all(&cwd).unwrap();
        touch(&xdg.join("mdl-fetch/sweep.toml"));
        touch(&home.join(".config/mdl-fetch/sweep.toml"));
        let vars = [("XDG_CONFIG_HOME", xdg.as_path()), ("HOME", home.as_path())];
        let found = search_with(&["--project", "sweep"], &vars, &cwd).unwrap();
        assert_eq!(found.found, Some(xdg.join("mdl-fetch/sweep.toml")));
        assert_eq!(found.root, None);
        // Without XDG_CONFIG_HOME (or with a relative one): ~/.config.
        for vars in [&vars[1..], &[("XDG_CONFIG_HOME", Path::new("rel")), vars[1]]] {
            let found = search_with(&["--project", "sweep"], vars, &cwd).unwrap();
            assert_eq!(found.found, Some(home.join(".config/mdl-fetch/sweep.toml")));
        }
        // The walk up wins over the user's folder.
        touch(&cwd.join("config/sweep.toml"));
        let found = search_with(&["--project", "sweep"], &vars, &cwd).unwrap();
        assert_eq!(found.found, Some(PathBuf::from("config/sweep.toml")));
    }

    #[test]
    fn nothing_found_lists_every_place_looked_and_config_dir_replaces_the_walk() {
        let tmp = tempfile::tempdir().unwrap();
        let cwd = tmp.path().join("a/b");
        std::fs::create_dir_all(&cwd).unwrap();
        let home = tmp.path().join("h");
        let none = search_with(&["--project", "nope"], &[("HOME", &home)], &cwd).unwrap();
        assert_eq!((none.found.clone(), none.root.clone()), (None, None));
        assert_eq!(none.looked.len(), cwd.ancestors().count() + 1);
        let message = not_found(&none.looked);
        for place in [
            "config/nope.toml",
            "/a/config/nope.toml",
            "h/.config/mdl-fetch/nope.toml",
        ] {
            assert!(message.contains(place), "{place} in {message}");
        }
        let dir = tmp.path().join("profiles");
        let moved = search_with(&["--project", "nope"], &[("MDL_FETCH_CONFIG_DIR", &dir)], &cwd).unwrap();
        assert_eq!(moved.looked, [dir.join("nope.toml")]);
    }

    #[test]
    fn a_missing_config_file_says_where_it_was_looked_for() {
        let tmp = tempfile::tempdir().unwrap();
        let error = search_with(&["--config", "my.toml"], &[], tmp.path()).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "--config my.toml: no such file (looked in {})",
                tmp.path().display()
            )
        );
        assert_eq!(crate::error::exit_code_of(&error), 2);
        touch(&tmp.path().join("my.toml"));
        let found = search_with(&["--config", "my.toml"], &[], tmp.path()).unwrap();
        assert_eq!((found.found, found.root), (Some(PathBuf::from("my.toml")), None));
        // No --project and no --config: nothing is looked for.
        let none = search_with(&["--export", "6=a.csv"], &[], tmp.path()).unwrap();
        assert_eq!(none, Search::default());
    }
}
