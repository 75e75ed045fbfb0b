//! The seed's table, byte for byte, from the seed's own exports.

use crate::support;

use support::*;

#[test]
fn seed_exports_reproduce_the_notebooks_table_byte_for_byte() {
    let Some(paths) = seed_exports() else { return };
    let work = Workdir::new();
    let mut args = seed_export_args(&paths);
    args.extend(["--out".into(), "tables".into()]);
    let output = work.command().args(&args).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let expected = seed_expected_table();
    assert_eq!(
        std::fs::read_to_string(work.join("tables/mdl-table.md")).unwrap(),
        expected
    );
    assert_eq!(stdout(&output), expected);
}

/// `--format latex` prints mdl-table.tex, which for the seed is the golden file byte for byte.
#[test]
fn seed_exports_give_the_golden_latex_table() {
    let Some(paths) = seed_exports() else { return };
    let work = Workdir::new();
    let mut args = seed_export_args(&paths);
    args.extend(["--out".into(), "tables".into(), "--format".into(), "latex".into()]);
    let output = work.command().args(&args).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let golden = String::from_utf8(read(root().join("tests/golden/seed-mdl-table.tex"))).unwrap();
    assert_eq!(
        std::fs::read_to_string(work.join("tables/mdl-table.tex")).unwrap(),
        golden
    );
    assert_eq!(stdout(&output), golden);
}

#[test]
fn the_name_rule_finds_the_layers_without_being_told() {
    let Some(paths) = seed_exports() else { return };
    let work = Workdir::new();
    let config = support::root().join("config/sae-sweeps.toml");
    let mut args = vec![
        "--config".to_string(),
        config.display().to_string(),
        "--quiet".into(),
    ];
    for path in &paths {
        args.extend(["--export".into(), path.display().to_string()]);
    }
    let output = work.command().args(&args).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "", "--quiet prints no table");
    let table = std::fs::read_to_string(work.join("out/sae-sweeps/mdl-table.md")).unwrap();
    assert_eq!(table, seed_expected_table());
}

/// With no profile at all, run names that carry a TransformerLens hook (`blocks.7.`) say
/// their layer: the layer-7 export given as layer 6 is refused naming both layers, and the
/// three exports given without layers give the notebook's table.
#[test]
fn without_a_profile_the_names_say_the_layer_and_check_a_given_one() {
    let Some(paths) = seed_exports() else { return };
    let work = Workdir::new();
    let wrong = work
        .command()
        .arg("--export")
        .arg(format!("6={}", paths[1].display()))
        .args(["--out", "out", "-q"])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(3), "{}", stderr(&wrong));
    let err = stderr(&wrong);
    assert!(
        err.contains("is in layer 7 by its name") && err.contains("given as layer 6"),
        "{err}"
    );
    assert!(!work.join("out").exists(), "nothing written");
    let mut command = work.command();
    for path in &paths {
        command.arg("--export").arg(path);
    }
    let output = command.args(["--out", "out", "-q"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let table = std::fs::read_to_string(work.join("out/mdl-table.md")).unwrap();
    assert_eq!(table, seed_expected_table());
}

#[test]
fn dl_prints_the_papers_gpt2_sanity_check() {
    let work = Workdir::new();
    let output = work.run(&["dl", "--l0", "65", "--bits", "7", "--dict-size", "25000"]);
    assert!(output.status.success());
    assert_eq!(stdout(&output), "1404.63 bits\n");
    // B defaults to 7, as in a profile; the binomial code names the set, not each index.
    let output = work.run(&["dl", "--l0", "65", "--dict-size", "25000"]);
    assert_eq!(stdout(&output), "1404.63 bits\n", "{}", stderr(&output));
    let binomial = work.run(&["dl", "--l0", "65", "--dict-size", "25000", "--code", "binomial"]);
    let expected = 65.0 * 7.0 + mdl_fetch::model::mdl::log2_binomial(25000.0, 65.0);
    assert_eq!(stdout(&binomial), format!("{expected:.2} bits\n"));
    let log2_orders: f64 = (2..=65).map(|n| f64::from(n).log2()).sum();
    assert!(
        (1404.63 - expected - log2_orders).abs() < 1.0,
        "an unordered set costs about log2 65! bits less: {expected}"
    );
    let too_many = work.run(&[
        "dl",
        "--l0",
        "30000",
        "--dict-size",
        "25000",
        "--code",
        "binomial",
    ]);
    assert_eq!(too_many.status.code(), Some(2));
    assert!(
        stderr(&too_many).contains("--l0 30000 is more than --dict-size 25000"),
        "{}",
        stderr(&too_many)
    );
}
