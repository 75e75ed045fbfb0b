//! Shared test harness: run the real binary in a scrubbed environment inside a temp folder.
#![allow(dead_code)]

pub mod disk;
pub mod fuzz_checks;
pub mod pty;
pub mod run_folders;
pub mod saelens;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fake_wandb::FakeWandb;

/// The artifacts that depend only on the runs and settings: byte-identical however the
/// runs were obtained (online, offline, after transient faults). The manifest records
/// the time and is left out.
pub const TABLE_ARTIFACTS: [&str; 7] = [
    "mdl-table.md",
    "mdl-table.csv",
    "mdl-table.json",
    "mdl-table.tex",
    "frontier.csv",
    "mdl-report.md",
    "runs.csv",
];

/// Every artifact but the manifest, which records the time: byte-identical whenever the
/// runs and settings are (mdl-report.html also names the inputs and their digests).
pub const DETERMINISTIC_ARTIFACTS: [&str; 9] = [
    "mdl-table.md",
    "mdl-table.csv",
    "mdl-table.json",
    "mdl-table.tex",
    "frontier.csv",
    "frontier.svg",
    "mdl-report.md",
    "mdl-report.html",
    "runs.csv",
];

/// A file's bytes; a test failure naming it if it cannot be read.
pub fn read(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// The `DETERMINISTIC_ARTIFACTS` in `dir`, by name.
pub fn artifacts(dir: &Path) -> BTreeMap<&'static str, Vec<u8>> {
    DETERMINISTIC_ARTIFACTS
        .iter()
        .map(|name| (*name, read(dir.join(name))))
        .collect()
}

/// The layer exports of the fake project's cache in `work`, by file name (the names carry
/// their content's hash).
pub fn cache_exports(work: &Workdir) -> BTreeMap<String, Vec<u8>> {
    disk::snapshot(&work.join("cache/fake-entity/fake-project"))
        .into_iter()
        .filter(|(name, _)| name.starts_with("layer-"))
        .map(|(name, (bytes, _))| (name, bytes))
        .collect()
}

/// The crate root, where `config/` and `fixtures/` live.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The seed's three exports in layer order, or `None` (a skip) when `../shared` is absent;
/// with `MDL_FETCH_REQUIRE_SEED=1` (as CI sets) their absence fails the test. A skip says
/// so on stderr past the test harness's capture, so it shows in a passing run too.
pub fn seed_exports() -> Option<[PathBuf; 3]> {
    let dir = root().join("../shared/seed/exports");
    let names = [
        "wandb_export_2025-03-27T13_59_12.395-05_00.csv",
        "wandb_export_2025-03-27T13_59_41.831-05_00.csv",
        "wandb_export_2025-03-27T14_00_03.325-05_00.csv",
    ];
    let paths = names.map(|name| dir.join(name));
    if paths.iter().all(|p| p.is_file()) {
        return Some(paths);
    }
    let test = current_test();
    if std::env::var("MDL_FETCH_REQUIRE_SEED").as_deref() == Ok("1") {
        panic!(
            "{test}: ../shared/seed not found (seed exports looked for under {}) and MDL_FETCH_REQUIRE_SEED=1",
            dir.display()
        );
    }
    // `eprintln!` would be captured and shown only if the test failed.
    let _ = writeln!(std::io::stderr(), "skipping {test}: ../shared/seed not found");
    None
}

/// The running test's name: the test harness names each test's thread after it.
fn current_test() -> String {
    std::thread::current().name().unwrap_or("a test").to_string()
}

pub fn seed_expected_table() -> String {
    std::fs::read_to_string(root().join("../shared/seed/expected-table.md")).unwrap()
}

/// A temp folder to run in, removed when dropped.
pub struct Workdir {
    pub dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// The binary, run in this folder with no user config, key or W&B settings leaking in
    /// (`HOME` is this folder, so the user's profiles are looked for in its `.config/`).
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mdl-fetch"));
        command.current_dir(self.path());
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            let user_config = key == "NETRC" || key == "XDG_CONFIG_HOME";
            if key.starts_with("WANDB_") || key.starts_with("MDL_FETCH_") || user_config {
                command.env_remove(&key);
            }
        }
        command.env("HOME", self.path());
        command.env("MDL_FETCH_WEB_URL", WEB_URL);
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }
}

/// The binary in `work` against the fake W&B server: its URL and key in the environment,
/// `--project fake-project --entity fake-entity` (the fake's defaults) on the command line,
/// and layers 6-8 of its sweeps (`MDL_FETCH_LAYERS`, which `--layers` overrides).
pub fn fetch_command(work: &Workdir, server: &FakeWandb) -> Command {
    let mut command = work.command();
    command
        .env("WANDB_BASE_URL", server.base_url())
        .env("WANDB_API_KEY", server.api_key())
        .env("MDL_FETCH_LAYERS", "6-8")
        .args(["--project", "fake-project", "--entity", "fake-entity"]);
    command
}

/// The web address fetches in tests link run pages to: the same whatever port the fake
/// server was given, so that two fetches' artifacts can be compared byte for byte.
pub const WEB_URL: &str = "https://wandb.test";

/// The binary against `server` with its key in a netrc file of `text` (mode `mode`), not in
/// `WANDB_API_KEY`; quiet, for `--project fake-project --entity fake-entity`.
pub fn netrc_fetch(work: &Workdir, server: &FakeWandb, text: &str, mode: u32) -> Output {
    use std::os::unix::fs::PermissionsExt;
    let netrc = work.write("netrc", text);
    std::fs::set_permissions(&netrc, std::fs::Permissions::from_mode(mode)).unwrap();
    work.command()
        .env("WANDB_BASE_URL", server.base_url())
        .env("NETRC", &netrc)
        .args(["--project", "fake-project", "--entity", "fake-entity", "-q"])
        .output()
        .unwrap()
}

/// An export of one seed-named run written to `work/layer6.csv`; its `--export` spec.
pub fn one_run_export(work: &Workdir) -> String {
    let export = work.write(
        "layer6.csv",
        "\"Name\",\"l0_norm\",\"l2_loss\"\n\"a_12288_topk_64_0\",\"10\",\"0.5\"\n",
    );
    format!("6={}", export.display())
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `--export LAYER=PATH` arguments for the seed's exports as layers 6, 7, 8.
pub fn seed_export_args(paths: &[PathBuf; 3]) -> Vec<String> {
    [6, 7, 8]
        .iter()
        .zip(paths)
        .flat_map(|(layer, path)| ["--export".to_string(), format!("{layer}={}", path.display())])
        .collect()
}

/// Whether the binary has its debug builds' test hooks (`MDL_FETCH_TEST_*`: pauses, forced
/// pieces, a forced panic); says so on stderr when it has not (`cargo test --release`).
pub fn has_test_hooks(test: &str) -> bool {
    if !cfg!(debug_assertions) {
        // `eprintln!` would be captured and shown only if the test failed.
        let _ = writeln!(
            std::io::stderr(),
            "skipping {test}: it needs the MDL_FETCH_TEST_* hooks of a debug build"
        );
    }
    cfg!(debug_assertions)
}

/// Fails the test, with the exit code and stderr, unless the run succeeded.
pub fn ok(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstderr: {}",
        output.status.code(),
        stderr(output)
    );
}

/// The fake W&B backend the online test families run against: the kind fake, or with
/// `MDL_FETCH_FAKE_BACKEND=real` every behaviour of the real backend that a kind fake
/// hides (`RealBackend::all()`); CI runs those families both ways.
pub fn fake_backend() -> fake_wandb::RealBackend {
    match std::env::var("MDL_FETCH_FAKE_BACKEND").as_deref() {
        Ok("real") => fake_wandb::RealBackend::all(),
        _ => fake_wandb::RealBackend::default(),
    }
}
