//! ε-MDL and the Pareto frontier checked against brute force on generated sweeps.

use std::sync::Arc;

use mdl_fetch::model::layers::LayerSet;
use mdl_fetch::model::mdl::Code;
use mdl_fetch::model::mdl::Pricing;
use mdl_fetch::model::record::{RecordSink, RunRef};
use mdl_fetch::model::select::Selector;
use proptest::prelude::*;

/// A generated run: few distinct values, so ties and duplicates are common.
#[derive(Debug, Clone)]
struct Run {
    layer: i64,
    activation: &'static str,
    error: f64,
    l0: f64,
    dict_size: Option<u64>,
}

fn run_strategy() -> impl Strategy<Value = Run> {
    (
        6i64..9,
        prop::sample::select(vec!["topk", "batchtopk", "topafa"]),
        prop_oneof![Just(f64::NAN), (1u32..8).prop_map(|e| e as f64 * 1e-4)],
        prop_oneof![Just(f64::NAN), (1u32..10).prop_map(|l| l as f64 * 100.0)],
        prop::option::of(prop::sample::select(vec![6144u64, 12288, 24576])),
    )
        .prop_map(|(layer, activation, error, l0, dict_size)| Run {
            layer,
            activation,
            error,
            l0,
            dict_size,
        })
}

fn feed(runs: &[Run], pricing: Pricing, tolerances: &[f64]) -> Vec<mdl_fetch::model::select::GroupResult> {
    let file: Arc<str> = "gen.csv".into();
    let mut selector = Selector::new(&LayerSet::Only(vec![6, 7]), tolerances, pricing);
    for (line, run) in runs.iter().enumerate() {
        let name = format!("run{line}");
        selector
            .accept(&RunRef {
                dict_size: run.dict_size,
                ..RunRef::plain(
                    &name,
                    &file,
                    line as u64 + 2,
                    run.layer,
                    run.activation,
                    run.l0,
                    run.error,
                )
            })
            .unwrap();
    }
    selector.finish()
}

/// Brute force: indices of one group's runs, priced.
fn group_runs(runs: &[Run], pricing: Pricing, layer: i64, activation: &str) -> Vec<(usize, f64, f64)> {
    runs.iter()
        .enumerate()
        .filter(|(_, r)| r.layer == layer && r.activation == activation)
        .map(|(i, r)| {
            let d = pricing.dict_for(r.dict_size);
            (i, r.error, pricing.code.bits(r.l0, pricing.bits, d))
        })
        .collect()
}

fn pricing(code: Code) -> Pricing {
    Pricing {
        code,
        bits: 7.0,
        dict_size: 12288,
        fixed_dict_size: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn eps_mdl_is_the_cheapest_run_within_tolerance(
        runs in prop::collection::vec(run_strategy(), 0..60),
        binomial in any::<bool>(),
    ) {
        let pricing = pricing(if binomial { Code::Binomial } else { Code::Naive });
        let tolerances = [2e-4, 4.5e-4, 1e-9];
        for group in feed(&runs, pricing, &tolerances) {
            let members = group_runs(&runs, pricing, group.layer, &group.activation);
            for (slot, eps) in group.at_tolerance.iter().zip(tolerances) {
                let mut best: Option<(usize, f64)> = None;
                for &(i, error, dl) in &members {
                    if error <= eps && !dl.is_nan() && best.is_none_or(|(_, b)| dl < b) {
                        best = Some((i, dl));
                    }
                }
                let expected = best.map(|(i, _)| format!("run{i}"));
                prop_assert_eq!(slot.as_ref().map(|p| p.run.name.clone()), expected);
            }
        }
    }

    #[test]
    fn frontier_is_exactly_the_undominated_runs(
        runs in prop::collection::vec(run_strategy(), 0..60),
        binomial in any::<bool>(),
    ) {
        let pricing = pricing(if binomial { Code::Binomial } else { Code::Naive });
        for group in feed(&runs, pricing, &[]) {
            let members: Vec<_> = group_runs(&runs, pricing, group.layer, &group.activation)
                .into_iter()
                .filter(|(_, e, d)| !e.is_nan() && !d.is_nan())
                .collect();
            let mut expected: Vec<String> = members
                .iter()
                .filter(|(i, e, d)| {
                    !members.iter().any(|(j, oe, od)| {
                        let dominates = oe <= e && od <= d && (oe < e || od < d);
                        let earlier_twin = oe == e && od == d && j < i;
                        dominates || earlier_twin
                    })
                })
                .map(|(i, _, _)| format!("run{i}"))
                .collect();
            let mut got: Vec<String> = group.frontier.iter().map(|p| p.run.name.clone()).collect();
            let errors: Vec<f64> = group.frontier.iter().map(|p| p.run.error).collect();
            prop_assert!(errors.windows(2).all(|w| w[0] < w[1]), "sorted by error: {:?}", errors);
            expected.sort();
            got.sort();
            prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn merging_split_inputs_equals_one_pass(
        runs in prop::collection::vec(run_strategy(), 0..60),
        split in 0usize..60,
    ) {
        let pricing = pricing(Code::Naive);
        let tolerances = [3e-4];
        let whole = feed(&runs, pricing, &tolerances);
        let split = split.min(runs.len());
        let file: Arc<str> = "gen.csv".into();
        let mut parts = [
            Selector::new(&LayerSet::Only(vec![6, 7]), &tolerances, pricing),
            Selector::new(&LayerSet::Only(vec![6, 7]), &tolerances, pricing),
        ];
        for (line, run) in runs.iter().enumerate() {
            let name = format!("run{line}");
            parts[usize::from(line >= split)]
                .accept(&RunRef {
                    dict_size: run.dict_size,
                    ..RunRef::plain(&name, &file, line as u64 + 2, run.layer, run.activation, run.l0, run.error)
                })
                .unwrap();
        }
        let [mut first, second] = parts;
        first.merge(second);
        // Debug text compares NaN metrics as equal, which `==` would not.
        prop_assert_eq!(format!("{:?}", first.finish()), format!("{whole:?}"));
    }
}
