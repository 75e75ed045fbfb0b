//! The example profiles in `config/` work for the two shapes real sweeps have: the seed's
//! runs named by their layout (`sae-sweeps.toml`), and SAELens-style runs with random names,
//! the layout in config and SAELens' metric names (`saelens.toml`). Each gives the same
//! table through the fake W&B server and through a web-page export of the same runs.

use crate::support;

use fake_wandb::*;
use support::*;

/// One run, in the terms both profiles need.
struct Run {
    id: &'static str,
    name: String,
    state: &'static str,
    layer: i64,
    activation: &'static str,
    k: Option<i64>,
    d_sae: u64,
    l0: f64,
    error: f64,
}

fn seed_named(id: &'static str, layer: i64, activation: &'static str, k: i64, error: f64) -> Run {
    Run {
        id,
        name: format!("blocks.{layer}.hook_resid_pre_12288_{activation}_{k}_0.0"),
        state: "finished",
        layer,
        activation,
        k: Some(k),
        d_sae: 12288,
        l0: k as f64,
        error,
    }
}

fn random_named(
    id: &'static str,
    name: &str,
    state: &'static str,
    layer: i64,
    arch: &'static str,
    k: Option<i64>,
    error: f64,
) -> Run {
    Run {
        id,
        name: name.into(),
        state,
        layer,
        activation: arch,
        k,
        d_sae: 24576,
        l0: k.map_or(90.5, |k| k as f64),
        error,
    }
}

/// The keys each profile reads: (layer, activation, k, dict size, l0, error).
struct Keys {
    config: [&'static str; 4],
    summary: [&'static str; 2],
}

const SEED_KEYS: Keys = Keys {
    config: ["layer", "sae_type", "top_k", "dict_size"],
    summary: ["l0_norm", "l2_loss"],
};

const SAELENS_KEYS: Keys = Keys {
    config: ["hook_layer", "architecture", "k", "d_sae"],
    summary: ["metrics/l0", "losses/mse_loss"],
};

fn server(runs: &[Run], keys: &Keys) -> FakeWandb {
    let mut dataset = Dataset::new();
    for (i, run) in runs.iter().enumerate() {
        let mut fake = FakeRun::new(run.id, &run.name, &format!("2025-04-01T10:{:02}:00", i));
        fake.state = run.state.into();
        let config = [
            serde_json::json!(run.layer),
            serde_json::json!(run.activation),
            run.k.map_or(serde_json::Value::Null, |k| serde_json::json!(k)),
            serde_json::json!(run.d_sae),
        ];
        for (key, value) in keys.config.iter().zip(config) {
            if !value.is_null() {
                fake.config.insert(key.to_string(), value);
            }
        }
        fake.summary.insert(keys.summary[0].into(), run.l0.into());
        fake.summary.insert(keys.summary[1].into(), run.error.into());
        dataset.push(fake);
    }
    FakeWandb::start(FakeConfig::with_dataset(dataset))
}

/// The runs as the W&B page exports them: metadata, config keys, summary keys.
fn export_text(runs: &[Run], keys: &Keys) -> String {
    let quoted = |cells: Vec<String>| {
        cells
            .iter()
            .map(|c| format!("{c:?}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut header = vec!["Name".to_string(), "ID".into(), "State".into()];
    header.extend(keys.config.iter().chain(&keys.summary).map(|key| key.to_string()));
    let mut text = quoted(header);
    for run in runs {
        let k = run.k.map(|k| k.to_string()).unwrap_or_default();
        let cells = [
            &run.name,
            run.id,
            run.state,
            &run.layer.to_string(),
            run.activation,
            &k,
            &run.d_sae.to_string(),
        ]
        .map(str::to_string)
        .into_iter()
        .chain([run.l0.to_string(), run.error.to_string()]);
        text.push('\n');
        text.push_str(&quoted(cells.collect()));
    }
    text
}

/// The layer, activation and tolerance cells of a markdown table's rows.
fn cells(table: &str) -> Vec<[String; 3]> {
    (table.lines().skip(2))
        .map(|row| {
            let cells: Vec<String> = row.split('|').map(|cell| cell.trim().to_string()).collect();
            [cells[1].clone(), cells[2].clone(), cells[3].clone()]
        })
        .collect()
}

/// The table through a fetch and through an export, with `profile`; both must succeed.
fn both_ways(runs: &[Run], keys: &Keys, profile: &str) -> (String, String) {
    let profile = root().join("config").join(profile);
    let profile = profile.to_str().unwrap();
    let server = server(runs, keys);
    let work = Workdir::new();
    let fetched = fetch_command(&work, &server)
        .args(["--config", profile, "--out", "online", "-q"])
        .output()
        .unwrap();
    assert!(fetched.status.success(), "{}", stderr(&fetched));
    work.write("export.csv", export_text(runs, keys));
    let replayed = work.run(&[
        "--config",
        profile,
        "--export",
        "export.csv",
        "--out",
        "offline",
        "-q",
    ]);
    assert!(replayed.status.success(), "{}", stderr(&replayed));
    let read = |out: &str| std::fs::read_to_string(work.join(out).join("mdl-table.md")).unwrap();
    (read("online"), read("offline"))
}

#[test]
fn the_seed_shaped_profile_reads_layouts_from_names() {
    let runs = [
        seed_named("s1", 6, "topk", 32, 0.004),
        seed_named("s2", 6, "topk", 64, 0.002),
        seed_named("s3", 7, "batchtopk", 64, 0.003),
        seed_named("s4", 8, "topafa", 0, 0.005),
    ];
    let (online, offline) = both_ways(&runs, &SEED_KEYS, "sae-sweeps.toml");
    assert_eq!(online, offline);
    assert_eq!(
        cells(&online),
        [
            ["6", "topk", "0.002"],
            ["7", "batchtopk", "0.003"],
            ["8", "topafa", "0.005"]
        ],
        "{online}"
    );
}

#[test]
fn the_saelens_profile_reads_random_names_with_the_layout_in_config() {
    let runs = [
        random_named("a1", "icy-pine-1245", "finished", 6, "topk", Some(32), 0.004),
        random_named("a2", "warm-sun-7", "finished", 6, "topk", Some(64), 0.002),
        random_named("a3", "dark-sea-3", "finished", 6, "standard", None, 0.003),
        random_named("a4", "old-moon-19", "running", 6, "standard", None, 0.001),
        random_named("a5", "cool-fog-88", "finished", 7, "jumprelu", None, 0.0025),
        random_named("a6", "lone-oak-5", "crashed", 8, "topk", Some(128), 0.0005),
        random_named("a7", "wild-elk-40", "finished", 8, "topk", Some(16), 0.006),
    ];
    let (online, offline) = both_ways(&runs, &SAELENS_KEYS, "saelens.toml");
    assert_eq!(online, offline);
    // Finished runs only: a4 (running) and a6 (crashed) stay out; a ReLU SAE has no k.
    assert_eq!(
        cells(&online),
        [
            ["6", "standard", "0.003"],
            ["6", "topk", "0.002"],
            ["7", "jumprelu", "0.0025"],
            ["8", "topk", "0.006"],
        ],
        "{online}"
    );
}
