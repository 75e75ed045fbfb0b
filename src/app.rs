//! The top-level script: resolve the settings, choose the inputs, read, select, emit.

use std::io::Write;

use crate::config::cli::{Cli, Command, DlArgs, TableArgs};
use crate::config::settings::{ExportSpec, Settings};
use crate::error::{fail, Kind};
use crate::model::mdl;
use crate::model::table::MdlTable;
use crate::read::replay;
use crate::store::{check, lock, manifest, staging::Staging};
use crate::{emit, fetch, interrupt, store, test_hooks};

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
    let mut settings = Settings::resolve(args)?;
    // `--check` writes nothing: not the artifacts, not the cache, not even a lock file;
    // a fetch it makes lands in a cache folder that is removed when the check ends.
    let fetching = !settings.offline && settings.exports.is_empty();
    let _scratch_cache = if settings.check && fetching {
        let dir = tempfile::tempdir()?;
        let real_root = std::mem::replace(&mut settings.fetch.cache_root, dir.path().to_path_buf());
        settings.fetch.real_cache_root = Some(real_root);
        Some(dir)
    } else {
        None
    };
    let _lock = if settings.check {
        None
    } else {
        Some(lock::lock_dir(
            &settings.out_dir,
            settings.lock_wait,
            settings.quiet,
        )?)
    };
    let mut staging = if settings.check {
        Staging::detached(&settings.out_dir)?
    } else {
        Staging::new(&settings.out_dir)?
    };
    let pricing = settings.pricing();
    // A fetch hands over each layer's export as soon as it is in the cache, to be read
    // while the other layers are still on the network.
    let ahead = replay::ReadAhead::default();
    let read_ahead = |index: usize, spec: ExportSpec| ahead.read(index, &spec, &settings, pricing, &staging);
    let (exports, provenance) = choose_exports(&settings, &read_ahead)?;
    let replayed = replay::replay_ahead(&exports, ahead, &settings, pricing, &staging)?;
    interrupt::check("the artifacts are unchanged")?;
    let table = MdlTable {
        groups: replayed.groups.clone(),
        pricing,
        d_model: settings.d_model,
        tolerances: settings.tolerances.clone(),
        layers: settings.layers.clone(),
        inputs: replayed.files.clone(),
        skips: replayed.skips.clone(),
    };
    report_skips(&settings, &replayed, &table);
    if table.is_empty() {
        return fail(Kind::Empty, nothing_to_tabulate(&settings, &replayed));
    }
    for (name, text, sha256) in render_artifacts(&table) {
        interrupt::check("the artifacts are unchanged")?;
        staging.add_digested_bytes(name, text.as_bytes(), sha256)?;
    }
    match replayed.runs_csv {
        Some((file, sha256)) => staging.add_digested_file(emit::runs_csv::FILE_NAME, file, sha256),
        None => staging.retire(emit::runs_csv::FILE_NAME),
    }
    if settings.check {
        return check::report(&settings.out_dir, &staging, settings.quiet);
    }
    let manifest = manifest::render(&settings, &table, &provenance, &staging)?;
    interrupt::check("the artifacts are unchanged")?;
    staging.add_bytes(manifest::FILE_NAME, manifest.as_bytes())?;
    staging.commit()?;
    if !settings.quiet {
        print_stdout(&emit::Emitter::render(&emit::markdown::Markdown, &table))?;
    }
    Ok(())
}

/// Every table artifact: its file name, its text and that text's sha256, in the order they
/// are written. Rendered a thread each: the large ones (the JSON table, the frontier's CSV
/// and plot) take several milliseconds apiece at a million rows, and nothing else runs now.
fn render_artifacts(table: &MdlTable) -> Vec<(&'static str, String, String)> {
    std::thread::scope(|scope| {
        let rendering: Vec<_> = (emit::table_emitters().into_iter())
            .map(|emitter| {
                scope.spawn(move || {
                    test_hooks::pause("MDL_FETCH_TEST_RENDER_PAUSE_MS");
                    let text = emitter.render(table);
                    let sha256 = store::digest::sha256_hex(text.as_bytes());
                    (emitter.file_name(), text, sha256)
                })
            })
            .collect();
        (rendering.into_iter())
            .map(|thread| thread.join().expect("an artifact's renderer panicked"))
            .collect()
    })
}

/// `--export` files; else offline the project's cache, or its bundled exports; else a fetch
/// (which hands each layer's export to `fetched` as soon as it is staged).
fn choose_exports(
    settings: &Settings,
    fetched: &(dyn Fn(usize, ExportSpec) + Sync),
) -> anyhow::Result<(Vec<ExportSpec>, manifest::Provenance)> {
    use manifest::Provenance;
    if !settings.exports.is_empty() {
        return Ok((settings.exports.clone(), Provenance::Exports));
    }
    if !settings.offline {
        let (cache, mut exports) = fetch::fetch(settings, fetched)?;
        for spec in &mut exports {
            spec.label = store::cache::export_label(&settings.fetch, &spec.path);
        }
        return Ok((exports, Provenance::Fetched(cache)));
    }
    let root = &settings.fetch.cache_root;
    if let Some(dir) = store::cache::find(root, settings.fetch.entity.as_deref(), &settings.project)? {
        if settings.verbose > 0 {
            eprintln!("replaying the cache in {}", dir.display());
        }
        let (cache, exports) = store::cache::load(&dir)?;
        return Ok((exports, Provenance::Cache(cache)));
    }
    if !settings.bundled_exports.is_empty() {
        if settings.verbose > 0 {
            eprintln!(
                "no cache under {}: replaying the profile's bundled exports",
                root.display()
            );
        }
        return Ok((settings.bundled_exports.clone(), Provenance::Bundled));
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

fn report_skips(settings: &Settings, replay: &replay::Replay, table: &MdlTable) {
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
fn nothing_to_tabulate(settings: &Settings, replay: &replay::Replay) -> String {
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
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            fail(Kind::Output, format!("stdout: cannot write the table: {e}"))
        }
        _ => Ok(()),
    }
}
