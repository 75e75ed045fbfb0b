//! One 1,000-run GraphQL page decoded into cache rows, as a fetch decodes each page: the
//! program `scripts/instruction_guard.sh` runs under callgrind, counting the instructions of
//! `decode_page_under_guard` alone (its page is built before, and checked after).
//!
//! The page has the shape W&B's answers have: per run its id, display name, state, creation
//! and update times, and the projected config and summary keys as JSON text (the config's
//! values wrapped in `{"value": ..., "desc": null}`). `cargo bench --bench decode_page` runs it
//! once and prints what it decoded.

use std::hint::black_box;

use mdl_fetch::fetch::graphql::columns::CacheLayout;
use mdl_fetch::fetch::graphql::decode::DecodeError;
use mdl_fetch::fetch::graphql::page;
use serde_json::json;

/// Runs on the page: a full page, as a fetch asks for.
const RUNS: usize = 1_000;

/// The answer to one runs query: `RUNS` runs of one sweep, built the same way every time.
fn page_body() -> Vec<u8> {
    let activations = ["topk", "batchtopk", "jumprelu", "topafa"];
    let edges: Vec<_> = (0..RUNS)
        .map(|i| {
            let k = 16 << (i % 8);
            let activation = activations[i % activations.len()];
            let config = json!({
                "layer": {"value": 6, "desc": null},
                "dict_size": {"value": 12288, "desc": null},
            });
            let summary = json!({
                "l0_norm": k as f64 * (1.0 - 1e-4 * (i % 97) as f64),
                "l2_loss": 0.07 / (1.0 + (i % 89) as f64) + 1e-9 * i as f64,
            });
            json!({"node": {
                "name": format!("r{i:07x}"),
                "displayName": format!("blocks.6.hook_resid_pre_12288_{activation}_{k}_0.0"),
                "state": "finished",
                "createdAt": format!("2025-03-01T{:02}:{:02}:{:02}", i / 3600, i / 60 % 60, i % 60),
                "updatedAt": format!("2025-03-02T{:02}:{:02}:{:02}.5Z", i / 3600, i / 60 % 60, i % 60),
                "config": config.to_string(),
                "summaryMetrics": summary.to_string(),
            }})
        })
        .collect();
    let answer = json!({"data": {"project": {
        "runCount": RUNS,
        "runs": {"edges": edges, "pageInfo": {"hasNextPage": true}},
    }}});
    answer.to_string().into_bytes()
}

/// What the pager and the cache take of a page: the run ids, their creation times, the
/// newest update, and every run's cache row. The instructions the guard counts.
#[inline(never)]
fn decode_page_under_guard(
    body: &[u8],
    layout: &CacheLayout,
) -> Result<(usize, usize, Vec<Vec<String>>), DecodeError> {
    let project = page::decode(body)?.project.expect("a project");
    let names = project.names().len();
    let created = project.created().len();
    black_box(project.newest_update());
    Ok((names, created, project.rows(layout)?))
}

fn main() {
    let body = page_body();
    let layout = CacheLayout {
        name_column: "Name".into(),
        config_keys: vec!["layer".into(), "dict_size".into()],
        summary_keys: vec!["l0_norm".into(), "l2_loss".into()],
    };
    let (names, created, rows) =
        decode_page_under_guard(black_box(&body), &layout).expect("the page decodes");
    // A page that decodes to anything else would make the count meaningless.
    assert_eq!((names, created, rows.len()), (RUNS, RUNS, RUNS));
    assert_eq!(
        rows[9][..5],
        [
            "blocks.6.hook_resid_pre_12288_batchtopk_32_0.0",
            "r0000009",
            "finished",
            "2025-03-01T00:00:09",
            "6"
        ]
    );
    assert!(rows
        .iter()
        .all(|row| row.len() == 8 && row[5] == "12288" && !row[7].is_empty()));
    println!("decoded {RUNS} runs from a {} KB page", body.len() / 1000);
}
