//! `mdl-fetch keys` lists what a sweep's runs carry (each key's types, how many runs carry
//! it, a few values) and proposes the `--column` flags; `mdl-fetch init` writes them as a
//! profile that loads, refuses to replace one without `--force`, takes `--column` over a
//! guess, and says which roles it could not guess.

use crate::support;

use fake_wandb::*;
use mdl_fetch::config::profile::Profile;
use support::*;

/// A small export: random names, a layer, k only for TopK, a flag, an object cell.
const EXPORT: &str = "\"Name\",\"ID\",\"State\",\"hook_layer\",\"sae_type\",\"top_k\",\"dict_size\",\"normalize\",\"l0_norm\",\"l2_loss\",\"val\"\n\
\"icy-pine-1\",\"a1\",\"finished\",\"6\",\"topk\",\"32\",\"16384\",\"true\",\"31.5\",\"0.002\",\"{\"\"min\"\": 1}\"\n\
\"warm-sun-2\",\"a2\",\"crashed\",\"7\",\"relu\",\"\",\"16384\",\"false\",\"80\",\"NaN\",\"\"\n\
\"dark-sea-3\",\"a3\",\"finished\",\"7\",\"topk\",\"64\",\"24576\",\"true\",\"63\",\"0.001\",\"\"\n";

/// The rows of a `keys` table: each line's words, by its first word (the key).
fn table_rows(text: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    (text.lines())
        .map(|line| line.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter(|words| words.len() >= 3)
        .map(|words| (words[0].clone(), words[1..].to_vec()))
        .collect()
}

#[test]
fn keys_lists_an_exports_columns_with_types_counts_and_values() {
    let work = Workdir::new();
    work.write("runs.csv", EXPORT);
    let output = work.run(&["keys", "--export", "runs.csv"]);
    ok(&output);
    let text = stdout(&output);
    assert!(
        text.starts_with("runs.csv: 3 runs read; 1 crashed, 2 finished\n"),
        "{text}"
    );
    assert!(text.contains("W&B's own columns: ID, Name, State"), "{text}");
    let rows = table_rows(&text);
    assert_eq!(rows["top_k"][..3], ["integer", "2", "32,"], "{text}");
    assert_eq!(rows["hook_layer"][..4], ["integer", "3", "6,", "7"], "{text}");
    assert_eq!(rows["l2_loss"][..2], ["number", "3"], "{text}");
    assert_eq!(rows["normalize"][..2], ["bool", "3"], "{text}");
    assert_eq!(rows["val"][..2], ["object", "1"], "{text}");
    assert_eq!(
        rows["sae_type"][..4],
        ["string", "3", "\"topk\",", "\"relu\""],
        "{text}"
    );
    for flag in [
        "--column layer=hook_layer",
        "--column dict_size=dict_size",
        "--column activation=sae_type",
        "--column k=top_k",
        "--column l0=l0_norm",
        "--column error=l2_loss",
    ] {
        assert!(text.contains(flag), "{flag}: {text}");
    }
    assert!(text.contains("layers 6, 7"), "{text}");
    // The same as JSON.
    let json = work.run(&["keys", "--export", "runs.csv", "--format", "json"]);
    ok(&json);
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["schema"], "mdl-fetch/keys/v1");
    assert_eq!(value["runs"], 3);
    let key = |name: &str| {
        value["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|key| key["key"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(key("top_k")["runs"], 2);
    assert_eq!(key("l0_norm")["types"], serde_json::json!(["integer", "number"]));
    assert_eq!(key("Name")["place"], "W&B column");
    let layer = &value["proposals"][0];
    assert_eq!(
        (layer["role"].as_str(), layer["key"].as_str()),
        (Some("layer"), Some("hook_layer"))
    );
    assert_eq!(layer["layers"], serde_json::json!([6, 7]));
}

/// A server of four runs whose keys vary: a layer logged once as text, an object summary.
fn varied_server() -> FakeWandb {
    let mut dataset = Dataset::new();
    for (i, id) in ["r1", "r2", "r3", "r4"].into_iter().enumerate() {
        let mut run = FakeRun::new(id, &format!("run-{i}"), &format!("2025-04-01T10:00:0{i}"));
        let layer = match i {
            3 => serde_json::json!("7"),
            _ => serde_json::json!(6),
        };
        run.config.insert("layer".into(), layer);
        run.config.insert("d_sae".into(), serde_json::json!(16384));
        if i == 0 {
            run.state = "crashed".into();
            let min = [("min".to_string(), SummaryValue::Float(0.5))]
                .into_iter()
                .collect();
            run.summary.insert("mse".into(), SummaryValue::Object(min));
        } else {
            run.summary
                .insert("mse".into(), SummaryValue::Float(0.1 * i as f64));
        }
        run.summary
            .insert("metrics/l0".into(), SummaryValue::Float(f64::NAN));
        dataset.push(run);
    }
    FakeWandb::start(FakeConfig {
        real: fake_backend(),
        page_cap: 2,
        ..FakeConfig::with_dataset(dataset)
    })
}

#[test]
fn keys_online_reads_whole_configs_and_summaries_of_the_newest_runs() {
    let server = varied_server();
    let work = Workdir::new();
    let keys = work
        .command()
        .env("WANDB_BASE_URL", server.base_url())
        .env("WANDB_API_KEY", server.api_key())
        .args([
            "keys",
            "--project",
            "fake-project",
            "--entity",
            "fake-entity",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    ok(&keys);
    let value: serde_json::Value = serde_json::from_str(&stdout(&keys)).unwrap();
    assert_eq!(value["runs"], 4);
    assert_eq!(value["states"], serde_json::json!({"crashed": 1, "finished": 3}));
    let key = |name: &str| {
        value["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|key| key["key"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(key("layer")["place"], "config");
    assert_eq!(key("layer")["types"], serde_json::json!(["integer", "string"]));
    assert_eq!(key("mse")["types"], serde_json::json!(["number", "object"]));
    assert_eq!(key("mse.min")["runs"], 1);
    assert_eq!(key("metrics/l0")["types"], serde_json::json!(["number"]));
    // The whole config and summary were asked for, a page at a time, and no cursor.
    let asked = server.runs_requests();
    assert!(asked.len() >= 2, "{}", asked.len());
    for request in &asked {
        let query = request.query.clone().unwrap_or_default();
        assert!(
            query.contains("config summaryMetrics") && !query.contains("keys:"),
            "{query}"
        );
        assert!(request.variables["cursor"].is_null());
    }
    // --runs 2: the newest two, of the four the project holds.
    let two = work
        .command()
        .env("WANDB_BASE_URL", server.base_url())
        .env("WANDB_API_KEY", server.api_key())
        .args(["keys", "--project", "fake-entity/fake-project", "--runs", "2"])
        .output()
        .unwrap();
    ok(&two);
    assert!(
        stdout(&two).starts_with("fake-entity/fake-project: 2 runs read (the newest 2 of 4); 2 finished\n"),
        "{}",
        stdout(&two)
    );
}

#[test]
fn init_refuses_to_replace_a_profile_without_force() {
    let work = Workdir::new();
    work.write("runs.csv", EXPORT);
    let mine = work.write("config/sweep.toml", "# my own profile\nbits = 8\n");
    let refused = work.run(&["init", "--project", "sweep", "--export", "runs.csv"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("config/sweep.toml exists; pass --force to replace it"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        "# my own profile\nbits = 8\n"
    );
    let forced = work.run(&["init", "--project", "sweep", "--export", "runs.csv", "--force"]);
    ok(&forced);
    let profile = Profile::load(&mine).unwrap();
    assert_eq!(profile.columns.layer.as_deref(), Some("hook_layer"));
    assert_eq!(profile.bits, Some(7.0));
    let leftovers: Vec<_> = std::fs::read_dir(work.join("config"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(leftovers.len(), 1, "a temp file was left: {leftovers:?}");
}

#[test]
fn the_profile_init_writes_loads_and_the_table_reads_with_it() {
    let work = Workdir::new();
    work.write("runs.csv", EXPORT);
    let init = work.run(&["init", "--project", "sweep", "--export", "runs.csv"]);
    ok(&init);
    assert!(
        stderr(&init).contains("wrote config/sweep.toml (layer=hook_layer, dict_size=dict_size"),
        "{}",
        stderr(&init)
    );
    let profile = Profile::load(&work.join("config/sweep.toml")).unwrap();
    assert_eq!(
        profile.layers.as_ref().and_then(|layers| layers.listed()),
        Some(&[6, 7][..])
    );
    assert_eq!(profile.columns.k.as_deref(), Some("top_k"));
    assert_eq!(
        profile.wandb.states.as_deref(),
        Some(&["finished".to_string()][..])
    );
    let table = work.run(&["--project", "sweep", "--export", "runs.csv", "--out", "-"]);
    ok(&table);
    // The crashed run stays out: layer 7 has only dark-sea-3's topk.
    let printed = stdout(&table);
    assert!(
        printed.contains("|       6 | topk         |       0.002 |"),
        "{printed}"
    );
    assert!(
        printed.contains("|       7 | topk         |       0.001 |"),
        "{printed}"
    );
    assert!(!printed.contains("relu"), "{printed}");
}

#[test]
fn init_takes_a_column_over_a_guess_and_refuses_a_key_no_run_carries() {
    let work = Workdir::new();
    work.write("runs.csv", EXPORT);
    let typo = work.run(&[
        "init",
        "--project",
        "sweep",
        "--export",
        "runs.csv",
        "--column",
        "error=L2_los",
    ]);
    assert_eq!(typo.status.code(), Some(2), "{}", stderr(&typo));
    let message = stderr(&typo);
    assert!(
        message.contains(
            "--column error=L2_los: no export column \"L2_los\" in the 3 runs read; nearest: l2_loss"
        ),
        "{message}"
    );
    assert!(!work.join("config/sweep.toml").exists());
    let chosen = work.run(&[
        "init",
        "--project",
        "sweep",
        "--export",
        "runs.csv",
        "--column",
        "l0=val",
    ]);
    ok(&chosen);
    assert!(
        stderr(&chosen).contains("val holds object values"),
        "{}",
        stderr(&chosen)
    );
    let profile = Profile::load(&work.join("config/sweep.toml")).unwrap();
    assert_eq!(profile.columns.l0.as_deref(), Some("val"));
}

#[test]
fn roles_init_cannot_guess_are_written_commented_out_and_said() {
    let work = Workdir::new();
    let header = "\"Name\",\"l0_norm\",\"l2_loss\"\n";
    let rows = "\"blocks.6.hook_resid_pre_12288_topk_64_0.0\",\"60\",\"0.002\"\n\
                \"blocks.6.hook_resid_pre_12288_topk_32_0.0\",\"30\",\"0.004\"\n";
    work.write("seed.csv", format!("{header}{rows}"));
    let init = work.run(&["init", "--project", "seedlike", "--export", "seed.csv"]);
    ok(&init);
    let said = stderr(&init);
    for role in ["layer", "dict_size", "activation", "k"] {
        assert!(
            said.contains(&format!("no {role} key guessed"))
                && said.contains(&format!("--column {role}=KEY")),
            "{role}: {said}"
        );
    }
    let text = std::fs::read_to_string(work.join("config/seedlike.toml")).unwrap();
    assert!(text.contains("# activation = \"KEY\""), "{text}");
    assert!(text.contains("# states = [\"finished\"]"), "{text}");
    let profile = Profile::load(&work.join("config/seedlike.toml")).unwrap();
    assert_eq!(profile.columns.activation, None);
    assert_eq!(profile.columns.l0.as_deref(), Some("l0_norm"));
    // The names still say the layout: the table reads them.
    let table = work.run(&["--project", "seedlike", "--export", "seed.csv", "--out", "-"]);
    ok(&table);
    assert!(
        stdout(&table).contains("|       6 | topk         |       0.002 |"),
        "{}",
        stdout(&table)
    );
}

#[test]
fn a_layer_only_in_a_hook_name_is_proposed_with_the_layer_regex() {
    let work = Workdir::new();
    let text = "\"Name\",\"hook_name\",\"l0\",\"mse\"\n\"a\",\"blocks.4.hook_resid_pre\",\"1\",\"0.1\"\n\"b\",\"blocks.9.hook_resid_post\",\"2\",\"0.2\"\n";
    work.write("hooks.csv", text);
    let keys = work.run(&["keys", "--export", "hooks.csv"]);
    ok(&keys);
    assert!(
        stdout(&keys).contains(r"--column layer=hook_name --layer-regex 'blocks\.(\d+)\.'"),
        "{}",
        stdout(&keys)
    );
    ok(&work.run(&["init", "--project", "hooks", "--export", "hooks.csv"]));
    let profile = Profile::load(&work.join("config/hooks.toml")).unwrap();
    assert_eq!(profile.columns.layer.as_deref(), Some("hook_name"));
    assert_eq!(profile.name.layer_regex.as_deref(), Some(r"blocks\.(\d+)\."));
    assert_eq!(
        profile.layers.as_ref().and_then(|layers| layers.listed()),
        Some(&[4, 9][..])
    );
}

#[test]
fn keys_and_init_say_what_they_need_and_show_examples() {
    let work = Workdir::new();
    let bare = work.run(&["keys"]);
    assert_eq!(bare.status.code(), Some(2), "{}", stderr(&bare));
    assert!(
        stderr(&bare).contains("--project NAME (from W&B) or --export FILES"),
        "{}",
        stderr(&bare)
    );
    work.write("runs.csv", EXPORT);
    let nameless = work.run(&["init", "--export", "runs.csv"]);
    assert_eq!(nameless.status.code(), Some(2), "{}", stderr(&nameless));
    assert!(
        stderr(&nameless).contains("name the project with --project NAME"),
        "{}",
        stderr(&nameless)
    );
    for (command, example) in [
        ("keys", "mdl-fetch keys --project"),
        ("init", "mdl-fetch init --project"),
    ] {
        let help = work.run(&[command, "--help"]);
        ok(&help);
        assert!(
            stdout(&help).contains("Examples:") && stdout(&help).contains(example),
            "{}",
            stdout(&help)
        );
    }
}
