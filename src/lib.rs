//! mdl-fetch: W&B sweeps of sparse autoencoders in, description-length tables out.
//!
//! The pipeline, top to bottom: resolve settings → choose inputs (exports, or a fetch that
//! lands in the cache as exports) → read records → select → price → emit artifacts.

pub mod cli;
pub mod emit;
pub mod error;
pub mod frontier;
pub mod grammar;
pub mod mdl;
pub mod output;
pub mod pipeline;
pub mod profile;
pub mod progress;
pub mod pyfmt;
pub mod record;
pub mod select;
pub mod settings;
pub mod skips;
pub mod source;
pub mod synth;
pub mod table;

use std::io::Write;

use cli::{Cli, Command, DlArgs, TableArgs};
use error::{fail, Kind};
use output::Staging;
use settings::{ExportSpec, Settings};
use table::MdlTable;

/// Runs one command line to completion.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Dl(args)) => print_dl(&args),
        None => tabulate(&cli.table),
    }
}

/// `mdl-fetch dl`: one description length, as the notebook's sanity check prints it.
fn print_dl(args: &DlArgs) -> anyhow::Result<()> {
    if args.dict_size == 0 {
        return fail(Kind::Usage, "--dict-size must be at least 1");
    }
    let bits = mdl::naive_bits(args.l0, args.bits, args.dict_size);
    println!("{bits:.2} bits");
    Ok(())
}

/// The main job: inputs → table → artifacts in the output folder and the table on stdout.
fn tabulate(args: &TableArgs) -> anyhow::Result<()> {
    let settings = Settings::resolve(args)?;
    let exports = choose_exports(&settings)?;
    let mut staging = Staging::new(&settings.out_dir)?;
    let pricing = settings.pricing();
    let replay = pipeline::replay(&exports, &settings, pricing, &staging)?;
    let table = MdlTable {
        groups: replay.groups.clone(),
        pricing,
        d_model: settings.d_model,
        tolerances: settings.tolerances.clone(),
        layers: settings.layers.clone(),
        inputs: replay.files.clone(),
        skips: replay.skips.clone(),
    };
    report_skips(&settings, &replay, &table);
    if table.is_empty() {
        return fail(Kind::Empty, nothing_to_tabulate(&settings, &replay));
    }
    let markdown = emit::markdown::Markdown;
    for emitter in emit::table_emitters() {
        staging.add_bytes(emitter.file_name(), emitter.render(&table).as_bytes())?;
    }
    staging.add_file(emit::runs_csv::FILE_NAME, replay.runs_csv);
    staging.commit()?;
    if !settings.quiet {
        print_stdout(&emit::Emitter::render(&markdown, &table))?;
    }
    Ok(())
}

/// `--export` files; else offline the project's cache, or its bundled exports; else a fetch.
fn choose_exports(settings: &Settings) -> anyhow::Result<Vec<ExportSpec>> {
    if !settings.exports.is_empty() {
        return Ok(settings.exports.clone());
    }
    if !settings.offline {
        return source::wandb::fetch(settings);
    }
    let root = &settings.fetch.cache_root;
    if let Some(dir) = source::cache::find(root, settings.fetch.entity.as_deref(), &settings.project)? {
        if settings.verbose > 0 {
            eprintln!("replaying the cache in {}", dir.display());
        }
        return Ok(source::cache::load(&dir)?.1);
    }
    if !settings.bundled_exports.is_empty() {
        if settings.verbose > 0 {
            eprintln!(
                "no cache under {}: replaying the profile's bundled exports",
                root.display()
            );
        }
        return Ok(settings.bundled_exports.clone());
    }
    fail(
        Kind::Usage,
        format!(
            "project {:?} has no cache under {} and no bundled exports; fetch once without --offline, or name exports with --export LAYER=PATH",
            settings.project,
            root.display()
        ),
    )
}

fn report_skips(settings: &Settings, replay: &pipeline::Replay, table: &MdlTable) {
    if settings.quiet {
        return;
    }
    if !replay.skips.is_empty() {
        eprintln!("warning: {}", replay.skips);
    }
    for group in table.empty_groups() {
        eprintln!(
            "warning: layer {} activation {:?}: none of its {} run(s) has a usable {}; the group is left out",
            group.layer, group.activation, group.runs, settings.columns.error
        );
    }
}

/// Why the table is empty, pointing at the first skipped run when there is one.
fn nothing_to_tabulate(settings: &Settings, replay: &pipeline::Replay) -> String {
    let rows: u64 = replay.files.iter().map(|input| input.rows).sum();
    if let Some(first) = replay.skips.examples.first() {
        return format!(
            "nothing to tabulate: all {} run(s) were skipped; first: {first}",
            replay.skips.count
        );
    }
    if rows == 0 {
        let file = replay.files.first().map_or("", |input| input.file.as_str());
        return format!(
            "{file}:1: the export has a header but no runs; export the runs table again with its rows"
        );
    }
    format!(
        "nothing to tabulate: {rows} run(s) read, none in layers {:?} with a usable {}; check --layers and the exports",
        settings.layers, settings.columns.error
    )
}

/// Prints to stdout; a closed pipe (`| head`) is not an error.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
