//! The SAELens-style sweep of `mdl_fetch::synth::saelens` served by the fake W&B server,
//! and its committed export and expected table: `support::saelens` in a test.
#![allow(dead_code)]

use std::path::PathBuf;

use fake_wandb::{Dataset, FakeConfig, FakeRun, FakeWandb, SummaryValue};
use mdl_fetch::synth::saelens::{SaelensRun, SWEEP_ID};

/// The project the fixture's runs are served as, and the name its profile gets.
pub const PROJECT: &str = "saelens-sweep";

/// The committed export, `fixtures/saelens-sweep/export.csv`.
pub fn export_path() -> PathBuf {
    super::root().join("fixtures/saelens-sweep/export.csv")
}

/// A file of `fixtures/saelens-sweep/`, as text.
pub fn fixture_text(name: &str) -> String {
    let path = super::root().join("fixtures/saelens-sweep").join(name);
    String::from_utf8(super::read(path)).unwrap()
}

/// A fake W&B server holding `runs` in the project `PROJECT` of `fake-entity`.
pub fn server(runs: &[SaelensRun]) -> FakeWandb {
    let mut dataset = Dataset::new();
    for run in runs {
        dataset.push(fake_run(run));
    }
    FakeWandb::start(FakeConfig {
        projects: vec![PROJECT.into()],
        real: super::fake_backend(),
        ..FakeConfig::with_dataset(dataset)
    })
}

/// The run as the server stores it: its config and summary keys as the generator gives
/// them.
pub fn fake_run(run: &SaelensRun) -> FakeRun {
    let mut fake = FakeRun::new(&run.id, &run.name, &run.created_at);
    fake.state = run.state.into();
    fake.sweep_name = Some(SWEEP_ID.into());
    for (key, value) in run.config() {
        fake.config.insert(key.into(), value);
    }
    for (key, value) in run.summary() {
        let value = match value.as_i64() {
            Some(whole) => SummaryValue::Int(whole),
            None => SummaryValue::Float(value.as_f64().expect("summaries are numbers")),
        };
        fake.summary.insert(key.into(), value);
    }
    fake
}

/// The binary in `work` against `server`: its URL and key in the environment, no project.
pub fn online(work: &super::Workdir, server: &FakeWandb) -> std::process::Command {
    let mut command = work.command();
    command
        .env("WANDB_BASE_URL", server.base_url())
        .env("WANDB_API_KEY", server.api_key());
    command
}
