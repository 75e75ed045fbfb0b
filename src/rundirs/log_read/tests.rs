//! Logs the W&B SDK itself wrote (fixtures/run-folders/, made by
//! scripts/sdk_run_folders.py with wandb 0.15.12 and 0.31.0, offline), and logs written
//! here around block boundaries.

use std::path::PathBuf;

use prost::Message;
use serde_json::json;

use super::*;
use crate::rundirs::log_framing::Writer;
use crate::rundirs::log_records::{HistoryRecord, RunExitRecord};

fn fixture(folder: &str) -> PathBuf {
    let id = folder.rsplit('-').next().unwrap();
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/run-folders")
        .join(folder)
        .join(format!("run-{id}.wandb"))
}

const OLD_FINISHED: &str = "offline-run-20261205_050550-os91spfv";
const OLD_CRASHED: &str = "offline-run-20261205_050555-4vzmqz56";
const NEW_FINISHED: &str = "offline-run-20261205_050559-3dbb5yci";

#[test]
fn logs_of_both_sdks_give_the_run_its_config_summary_and_exit() {
    for (folder, name) in [(OLD_FINISHED, "old-finished"), (NEW_FINISHED, "new-finished")] {
        let facts = read_log(&fixture(folder), Want::Everything).unwrap();
        let run = facts.run.as_ref().unwrap();
        assert_eq!(run.display_name, name);
        assert_eq!(run.tags, ["paper", "v2"]);
        assert_eq!(
            (run.run_group.as_str(), run.project.as_str()),
            ("g1", "sae-sweep")
        );
        assert!(run.start_time.as_ref().unwrap().seconds > 1_700_000_000);
        assert_eq!(facts.exit, Some(0), "{folder}");
        assert_eq!(
            Value::Object(facts.config.clone()),
            json!({"hook_layer": 6, "sae_type": "topk", "top_k": 32, "d_sae": 16384}),
            "{folder}"
        );
        assert_eq!(facts.summary["metrics/l0"], json!(35.5), "{folder}");
        assert_eq!(facts.summary["losses/mse_loss"], json!(0.002), "{folder}");
        assert_eq!(facts.summary["_step"], json!(4), "{folder}");
        assert!(facts.summary["_timestamp"].as_f64().unwrap() > 1.7e9, "{folder}");
        assert_eq!(facts.stop, None);
    }
}

#[test]
fn a_crashed_run_has_its_last_logged_values_and_no_exit() {
    let facts = read_log(&fixture(OLD_CRASHED), Want::Everything).unwrap();
    assert_eq!(facts.exit, None);
    assert!(facts.has_data);
    assert_eq!(facts.summary["metrics/l0"], json!(35.5));
    assert_eq!(facts.summary["losses/mse_loss"], json!(0.002));
    assert_eq!(facts.run.unwrap().display_name, "old-crashed");
}

fn encoded(body: Body) -> Vec<u8> {
    Record {
        num: 1,
        body: Some(body),
    }
    .encode_to_vec()
}

fn history(step: i64, loss: f64) -> Vec<u8> {
    let item = |key: &str, value: String| Item {
        key: key.into(),
        nested_key: Vec::new(),
        value_json: value,
    };
    encoded(Body::History(HistoryRecord {
        item: vec![item("loss", loss.to_string()), item("_step", step.to_string())],
        step: None,
    }))
}

/// A record of a kind not read here (field 4, console output), `n` bytes of it.
fn output_record(n: usize) -> Vec<u8> {
    assert!((128..16_384).contains(&n));
    let mut bytes = vec![0x22, (n as u8) | 0x80, (n >> 7) as u8];
    bytes.resize(3 + n, b'x');
    bytes
}

/// A long log: a run record, `steps` history records padded to cross many blocks, an exit.
fn long_log(steps: i64, exit: bool) -> Vec<u8> {
    let mut writer = Writer::default();
    writer.push(&encoded(Body::Run(Box::new(RunRecord {
        run_id: "abc123de".into(),
        display_name: "long".into(),
        ..RunRecord::default()
    }))));
    for step in 0..steps {
        writer.push(&history(step, 1.0 / (step + 1) as f64));
        writer.push(&output_record(900));
    }
    if exit {
        writer.push(&encoded(Body::Exit(RunExitRecord {
            exit_code: 3,
            runtime: 9,
        })));
    }
    writer.into_bytes()
}

#[test]
fn a_long_log_gives_its_run_and_exit_from_its_two_ends_and_everything_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run-abc123de.wandb");
    std::fs::write(&path, long_log(400, true)).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() > 8 * BLOCK);
    let ends = read_log(&path, Want::RunAndExit).unwrap();
    assert_eq!(ends.run.unwrap().display_name, "long");
    assert_eq!(ends.exit, Some(3));
    assert!(ends.summary.is_empty(), "only the ends were read");
    let whole = read_log(&path, Want::Everything).unwrap();
    assert_eq!(whole.exit, Some(3));
    assert_eq!(whole.summary["_step"], json!(399));
    assert_eq!(whole.summary["loss"], json!(1.0 / 400.0));
}

#[test]
fn a_torn_or_damaged_log_gives_what_came_before_and_says_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run-abc123de.wandb");
    let bytes = long_log(20, false);
    std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
    let torn = read_log(&path, Want::Everything).unwrap();
    assert!(matches!(torn.stop, Some(Stop::Torn { .. })), "{:?}", torn.stop);
    assert_eq!(torn.summary["_step"], json!(19));
    let mut damaged = bytes.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xFF;
    std::fs::write(&path, &damaged).unwrap();
    let facts = read_log(&path, Want::Everything).unwrap();
    assert!(
        matches!(facts.stop, Some(Stop::Corrupt { .. })),
        "{:?}",
        facts.stop
    );
    assert!(facts.summary["_step"].as_i64().unwrap() < 19);
    std::fs::write(&path, b"{\"not\": \"a log\"}").unwrap();
    assert!(read_log(&path, Want::Everything)
        .unwrap_err()
        .contains("W&B log header"));
}
