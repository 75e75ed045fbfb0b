//! Where profiles are found and where paths lead: `config/NAME.toml` walking up from a
//! subfolder, the user's config folder, paths relative to the profile, `--out -`, and failed
//! runs that leave the tree as they found it.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Output;

use fake_wandb::{Dataset, FakeConfig, FakeWandb, SweepOptions};
use support::*;

/// One layer's export: two seed-named runs.
const EXPORT: &str = "\"Name\",\"l0_norm\",\"l2_loss\"\n\
                      \"a_12288_topk_64_0\",\"10\",\"0.5\"\n\
                      \"b_12288_topk_32_0\",\"5\",\"0.7\"\n";

/// A profile for layer 6 bundling `export` (relative to the profile's folder), plus `extra`.
fn profile(export: &str, extra: &str) -> String {
    format!("layers = [6]\n{extra}\n[[exports]]\nlayer = 6\npath = \"{export}\"\n")
}

/// Every folder (ending in `/`) and file under `dir`, relative to it, with the files' bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            if path.is_dir() {
                found.push((name + "/", Vec::new()));
                stack.push(path);
            } else {
                found.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
}

/// The names in `tree(dir)`.
fn names(dir: &Path) -> Vec<String> {
    tree(dir).into_iter().map(|(name, _)| name).collect()
}

/// The work folder as the binary sees it (its working directory, resolved).
fn real(work: &Workdir) -> PathBuf {
    std::fs::canonicalize(work.path()).unwrap()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// A fake W&B project: the seed-like sweep over layers 6-8.
fn server() -> FakeWandb {
    FakeWandb::start(FakeConfig::with_dataset(Dataset::sweep(SweepOptions::default())))
}

#[test]
fn a_profile_above_the_working_directory_is_found_and_its_folder_holds_out() {
    let work = Workdir::new();
    work.write("config/demo.toml", profile("../data/layer6.csv", ""));
    work.write("data/layer6.csv", EXPORT);
    let deep = work.join("analysis/notes");
    std::fs::create_dir_all(&deep).unwrap();
    let output = work
        .command()
        .current_dir(&deep)
        .args(["--project", "demo", "--offline", "-v"])
        .output()
        .unwrap();
    ok(&output);
    let root = real(&work);
    let table = std::fs::read_to_string(work.join("out/demo/mdl-table.md")).unwrap();
    assert_eq!(stdout(&output), table);
    assert!(table.contains("topk"), "{table}");
    assert_eq!(names(&work.join("analysis")), ["notes/"], "nothing scattered");
    let said = stderr(&output);
    for line in [
        format!("profile: {}", root.join("config/demo.toml").display()),
        format!("artifacts: {}", root.join("out/demo").display()),
        format!(
            "entity: any with a cache; cache folder: {}",
            root.join("cache").display()
        ),
    ] {
        assert!(said.lines().any(|l| l == line), "{line:?} in {said}");
    }
    // From the root itself, everything is named as it always was: relative.
    let here = work.run(&["--project", "demo", "--offline", "-v", "--out", "again"]);
    ok(&here);
    assert!(
        stderr(&here).lines().any(|l| l == "profile: config/demo.toml"),
        "{}",
        stderr(&here)
    );
    assert_eq!(stdout(&here), table);
}

#[test]
fn the_users_config_folder_holds_profiles_for_every_folder() {
    let work = Workdir::new();
    let xdg = work.join("xdg");
    work.write("xdg/mdl-fetch/demo.toml", profile("layer6.csv", ""));
    work.write("xdg/mdl-fetch/layer6.csv", EXPORT);
    std::fs::create_dir_all(work.join("w")).unwrap();
    let output = work
        .command()
        .current_dir(work.join("w"))
        .env("XDG_CONFIG_HOME", &xdg)
        .args(["--project", "demo", "--offline", "-v"])
        .output()
        .unwrap();
    ok(&output);
    let said = stderr(&output);
    let shown = format!("profile: {}", xdg.join("mdl-fetch/demo.toml").display());
    assert!(said.contains(&shown), "{said}");
    // No project root: the default out/ is in the working directory.
    assert!(work.join("w/out/demo/mdl-table.md").is_file());
    assert!(!work.join("xdg/mdl-fetch/out").exists());
    // Without XDG_CONFIG_HOME: ~/.config/mdl-fetch (HOME is the work folder).
    work.write(".config/mdl-fetch/other.toml", profile("layer6.csv", ""));
    work.write(".config/mdl-fetch/layer6.csv", EXPORT);
    ok(&work.run(&["--project", "other", "--offline"]));
    assert!(work.join("out/other/mdl-table.md").is_file());
}

#[test]
fn a_needed_profile_that_is_nowhere_is_an_error_listing_every_place_looked() {
    let work = Workdir::new();
    let cwd = work.join("a/b");
    std::fs::create_dir_all(&cwd).unwrap();
    let root = real(&work);
    let output = work
        .command()
        .current_dir(&cwd)
        .args(["--project", "nope", "--offline"])
        .output()
        .unwrap();
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let said = stderr(&output);
    assert_eq!(said.lines().count(), 1, "{said}");
    let mut places = vec!["config/nope.toml".to_string()];
    for dir in root.join("a/b").ancestors().skip(1) {
        places.push(dir.join("config/nope.toml").display().to_string());
    }
    places.push(work.join(".config/mdl-fetch/nope.toml").display().to_string());
    let listed = format!("(looked for {})", places.join(", "));
    assert!(said.contains(&listed), "{listed} in {said}");
    let missing = work
        .command()
        .current_dir(&cwd)
        .args(["--config", "my.toml", "--offline"])
        .output()
        .unwrap();
    assert_eq!(code(&missing), 2);
    let expected = format!(
        "--config my.toml: no such file (looked in {})",
        root.join("a/b").display()
    );
    assert!(stderr(&missing).contains(&expected), "{}", stderr(&missing));
    assert_eq!(names(work.path()), ["a/", "a/b/"], "nothing written");
}

#[test]
fn profile_paths_are_relative_to_the_profile_and_defaults_to_the_project_root() {
    let server = server();
    let work = Workdir::new();
    let sub = work.join("sub/deeper");
    std::fs::create_dir_all(&sub).unwrap();
    work.write("config/fake-project.toml", "layers = [6, 7, 8]\n");
    let run = || {
        fetch_command(&work, &server)
            .current_dir(&sub)
            .arg("-q")
            .output()
            .unwrap()
    };
    ok(&run());
    assert!(work.join("out/fake-project/mdl-table.md").is_file());
    assert!(work
        .join("cache/fake-entity/fake-project/cache-manifest.json")
        .is_file());
    work.write(
        "config/fake-project.toml",
        "layers = [6, 7, 8]\nout_dir = \"../tables\"\n[wandb]\ncache_dir = \"../runs\"\n",
    );
    ok(&run());
    assert!(work.join("tables/mdl-table.md").is_file());
    assert!(work
        .join("runs/fake-entity/fake-project/cache-manifest.json")
        .is_file());
    assert_eq!(
        names(&work.join("sub")),
        ["deeper/"],
        "nothing in the working directory"
    );
    assert!(!work.join("config/tables").exists() && !work.join("config/runs").exists());
}

#[test]
fn out_dash_prints_what_a_run_prints_and_writes_no_artifact() {
    let config = root().join("config/sae-sweeps.toml").display().to_string();
    let args = ["--config", &config, "--offline", "--tolerance", "3e-3"];
    let work = Workdir::new();
    let printed = work.command().args(args).args(["--out", "-"]).output().unwrap();
    ok(&printed);
    assert!(names(work.path()).is_empty(), "wrote {:?}", names(work.path()));
    // --quiet silences the table a run prints beside its artifacts, not the one asked for.
    let quiet = work
        .command()
        .args(args)
        .args(["--out", "-", "-q"])
        .output()
        .unwrap();
    assert_eq!(stdout(&quiet), stdout(&printed));
    let normal = work.command().args(args).output().unwrap();
    ok(&normal);
    assert_eq!(stdout(&printed), stdout(&normal));
    assert!(stdout(&printed).contains("## MDL at tolerance ε = 0.003"));
    let check = work
        .command()
        .args(args)
        .args(["--out", "-", "--check"])
        .output()
        .unwrap();
    assert_eq!(code(&check), 2, "{}", stderr(&check));
    // Online, the fetch's cache is written as always; the artifacts are not.
    let server = server();
    let fetched = Workdir::new();
    let output = fetch_command(&fetched, &server)
        .args(["--out", "-"])
        .output()
        .unwrap();
    ok(&output);
    assert!(
        stdout(&output).starts_with("|   layer | activation "),
        "{}",
        stdout(&output)
    );
    let left: Vec<String> = names(fetched.path())
        .into_iter()
        .filter(|name| !name.starts_with("cache/fake-entity/fake-project/layer-"))
        .collect();
    assert_eq!(
        left,
        [
            "cache/",
            "cache/fake-entity/",
            "cache/fake-entity/fake-project/",
            // What `--offline` runs lock while they read (see the README's cache section).
            "cache/fake-entity/fake-project/.readers.mdl-fetch.lock",
            "cache/fake-entity/fake-project/cache-manifest.json"
        ]
    );
}

#[test]
fn failed_runs_leave_the_tree_as_they_found_it() {
    let server = server();
    let bad_export = "\"Name\",\"l0_norm\",\"l2_loss\"\n\"a_12288_topk_64_0\",\"10\",\"0.5\n";
    // Each failure, from an empty folder and from one whose out/ and cache/ already exist.
    for existing in [&[][..], &["out/", "cache/", "out/fake-project/"][..]] {
        let cases: [(&str, Vec<&str>, i32); 4] = [
            ("a fetch refused with 401", vec!["-q"], 6),
            ("an export that does not parse", vec!["--export", "6=bad.csv"], 3),
            ("no cache under --offline", vec!["--offline"], 3),
            (
                "no cache under --offline, --cache-dir named",
                vec!["--offline", "--cache-dir", "c/d"],
                3,
            ),
        ];
        for (what, args, expected) in cases {
            let work = Workdir::new();
            work.write("bad.csv", bad_export);
            for folder in existing {
                std::fs::create_dir_all(work.join(folder)).unwrap();
            }
            let before = tree(work.path());
            let mut command = fetch_command(&work, &server);
            if what.contains("401") {
                command.env("WANDB_API_KEY", "not-the-key-0123456789");
            }
            let output = command.args(args).output().unwrap();
            assert_eq!(code(&output), expected, "{what}: {}", stderr(&output));
            let after = tree(work.path());
            let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
            assert_eq!(names(&after), names(&before), "{what}, with {existing:?}");
            assert_eq!(after, before, "{what}, with {existing:?}");
        }
    }
}

/// The output folder and the cache folder hold their locks beside themselves, so one inside
/// the other (here the cache's project folder itself, by any spelling) would have a fetch
/// wait on its own lock, and an offline run write tables among the cache's exports. Both
/// are refused at once as usage errors naming the two folders, touching nothing; `--export`
/// reads no cache, and may write there.
#[test]
fn an_output_folder_inside_the_cache_or_holding_it_is_refused() {
    let server = server();
    let work = Workdir::new();
    ok(&fetch_command(&work, &server)
        .args(["-q", "--cache-dir", "c", "--out", "tables"])
        .output()
        .unwrap());
    std::os::unix::fs::symlink(work.join("c"), work.join("clink")).unwrap();
    let before = tree(work.path());
    let absolute = work.join("c/fake-entity/fake-project").display().to_string();
    let cases: [(&str, &str, &[&str]); 5] = [
        ("c", "c/fake-entity/fake-project", &[]),
        ("c", "c/fake-entity/fake-project", &["--offline"]),
        ("./c/", &absolute, &["--offline"]),
        ("c", "clink/fake-entity/new/tables", &[]),
        ("tables/c", "tables", &["--offline"]),
    ];
    for (cache, out, extra) in cases {
        let started = std::time::Instant::now();
        let output = fetch_command(&work, &server)
            .args(["-q", "--lock-wait", "1", "--cache-dir", cache, "--out", out])
            .args(extra)
            .output()
            .unwrap();
        let what = format!("--cache-dir {cache} --out {out} {extra:?}");
        assert_eq!(code(&output), 2, "{what}: {}", stderr(&output));
        let err = stderr(&output);
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
        assert_eq!(errors.len(), 1, "{what}: {err}");
        assert!(
            errors[0].contains(cache) && errors[0].contains(out),
            "{what}: {err}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_millis(900),
            "{what}: waited"
        );
        assert_eq!(tree(work.path()), before, "{what}: touched the tree");
    }
    let spec = one_run_export(&work);
    let export = work.run(&["--export", &spec, "--cache-dir", "c", "--out", "c/tables", "-q"]);
    ok(&export);
}
