//! The top-level script: resolve the settings, choose the inputs, read, select, emit.

use std::io::Write;

use crate::closing_line::{closing_line, RunCounts};
use crate::config::cli::{Cli, Command, TableArgs};
use crate::config::folders_apart;
use crate::config::locate;
use crate::config::resolve::Env;
use crate::config::settings::{Mode, Settings};
use crate::error::{fail, Kind};
use crate::inputs::{choose_exports, Chosen};
use crate::model::notes::DataNote;
use crate::model::table::MdlTable;
use crate::read::replay::{Replay, Replayer};
use crate::runs_csv_sink::RunsCsvSink;
use crate::store::cache::CacheSite;
use crate::store::{check, lock, manifest, out_folder, staging::Staging};
use crate::{emit, interrupt, store, test_hooks};

/// Runs one command line to completion.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Dl(args)) => crate::dl::print(&args),
        Some(Command::Keys(args)) => crate::keys::command::keys(&args),
        Some(Command::Init(args)) => crate::keys::command::init(&args),
        Some(Command::Schedule(args)) => crate::schedule::schedule(&args),
        Some(Command::Completions { shell }) => {
            print_bytes(&crate::shell_docs::completions(shell), "the completions")
        }
        Some(Command::Man) => print_bytes(&crate::shell_docs::man_page()?, "the man page"),
        None => tabulate(&cli.table),
    }
}

/// The main job: inputs → table → artifacts in the output folder and the table on stdout.
fn tabulate(args: &TableArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    if let Some(log) = &args.log {
        crate::run_log::open(log)?;
    }
    let mut settings = Settings::load(args, &Env::process())?;
    if settings.verbose > 0 {
        say_settings(&settings);
    }
    if uses_cache(&settings) && settings.output.mode != Mode::Print {
        folders_apart::refuse_nested(&settings.output.out_dir, &settings.fetch.cache_root)?;
    }
    // Stdin and pipes are copied once, before anything reads them (reading opens a file
    // more than once); the copies are removed when the run ends.
    let _spooled = crate::read::spool::spool_streams(&mut settings.inputs.exports)?;
    let checking = settings.output.mode == Mode::Check;
    // `--check` writes nothing: not the artifacts, not the cache, not even a lock file; a
    // fetch it makes lands in a cache folder that is removed when the check ends.
    let scratch = (checking && fetches(&settings))
        .then(tempfile::tempdir)
        .transpose()?;
    let site = match &scratch {
        Some(dir) => CacheSite::stand_in(dir.path(), &settings.fetch.cache_root),
        None => CacheSite::real(&settings.fetch.cache_root),
    };
    let (_lock, mut staging) = lock_and_stage(&settings)?;
    let (table, replayed, provenance) = make_table(&settings, &site, &staging)?;
    match settings.output.mode {
        Mode::Print => {
            print_stdout(&stdout_text(&settings, &table))?;
            crate::run_log::record(0, "printed the table on stdout (--out -)");
            Ok(())
        }
        Mode::Check => {
            let presentation = presentation(&settings, &provenance)?;
            stage_artifacts(
                &mut staging,
                &table,
                replayed.runs_csv,
                &presentation,
                settings.output.png,
            )?;
            let line = check::report(&settings.output.out_dir, &staging)?;
            closing(&line, settings.quiet);
            Ok(())
        }
        Mode::Write => write_artifacts(&settings, &table, replayed, &provenance, staging, started),
    }
}

/// What the artifacts show beyond the table: the LaTeX style, and the provenance the HTML
/// report shows (as the manifest records it: the settings and their digest, the profile's).
fn presentation(
    settings: &Settings,
    provenance: &manifest::Provenance,
) -> anyhow::Result<emit::Presentation> {
    let record = crate::config::record::settings_record(settings);
    let profile = match settings.profile_path.as_deref() {
        Some(path) => {
            let name = path.file_name().unwrap_or(path.as_os_str()).to_string_lossy();
            Some((name.into_owned(), crate::store::cache::sha256_of(path)?))
        }
        None => None,
    };
    let provenance = emit::html_report::Provenance {
        source: provenance.in_words(),
        settings_sha256: manifest::settings_sha256(&record),
        settings: record,
        profile,
    };
    Ok(emit::Presentation {
        latex: settings.output.latex.clone(),
        provenance,
    })
}

/// The run's last line: on stderr unless `--quiet` (with the time off a terminal), and in
/// the `--log` whatever.
fn closing(line: &str, quiet: bool) {
    if !quiet {
        crate::closing_line::say(line);
    }
    crate::run_log::record(0, line);
}

/// Writes every artifact and the manifest, then (unless `--quiet`) prints the table and the
/// closing line, which `--log` gets in any case.
fn write_artifacts(
    settings: &Settings,
    table: &MdlTable,
    replayed: Replay,
    provenance: &manifest::Provenance,
    mut staging: Staging,
    started: std::time::Instant,
) -> anyhow::Result<()> {
    let runs = RunCounts {
        read: replayed.files.iter().map(|input| input.rows).sum(),
        tabulated: table.groups.iter().map(|group| group.runs).sum(),
    };
    let presentation = presentation(settings, provenance)?;
    stage_artifacts(
        &mut staging,
        table,
        replayed.runs_csv,
        &presentation,
        settings.output.png,
    )?;
    let record = crate::config::record::settings_record(settings);
    let profile = settings.profile_path.as_deref();
    let manifest = manifest::render(record, profile, table, provenance, &staging)?;
    interrupt::check("the artifacts are unchanged")?;
    staging.add_bytes(manifest::FILE_NAME, manifest.as_bytes())?;
    let written = staging.commit()?;
    if !settings.quiet {
        print_stdout(&stdout_text(settings, table))?;
    }
    let out_dir = &settings.output.out_dir;
    closing(
        &closing_line(out_dir, &written, runs, started.elapsed()),
        settings.quiet,
    );
    Ok(())
}

/// The inputs chosen, read and priced: the finished table (its data notes said), what
/// reading gave, and where the inputs came from.
fn make_table(
    settings: &Settings,
    site: &CacheSite,
    staging: &Staging,
) -> anyhow::Result<(MdlTable, Replay, manifest::Provenance)> {
    let runs_csv = RunsCsvSink { staging };
    let replayer = Replayer::new(settings.read_job(), &runs_csv);
    let Chosen {
        exports,
        provenance,
        reading,
        spooled: _spooled,
    } = choose_exports(settings, site, &replayer)?;
    let replayed = replayer.finish(&exports)?;
    // The cache files are read: a fetch may now remove those its manifest no longer names.
    drop(reading);
    interrupt::check("the artifacts are unchanged")?;
    let mut table = table_of(settings, &replayed);
    report_notes(settings, &mut table)?;
    emit::markdown::check_printable(&table)?;
    if table.is_empty() {
        return fail(Kind::Empty, nothing_to_tabulate(settings, &replayed));
    }
    Ok((table, replayed, provenance))
}

/// `-v`: the profile used (or where none was), the artifacts' folder, the server asked
/// (or not, offline), the entity and the cache folder; each project's cache is said once
/// known.
fn say_settings(settings: &Settings) {
    for line in locate::describe(settings) {
        eprintln!("{line}");
    }
    let base_url = crate::config::base_url::redact(&settings.fetch.base_url);
    match (fetches(settings), settings.inputs.exports.is_empty()) {
        (true, _) => eprintln!("base URL: {base_url}"),
        _ if settings.inputs.folders_only => eprintln!("base URL: {base_url} (run folders: not asked)"),
        (false, true) => eprintln!("base URL: {base_url} (offline: not asked)"),
        (false, false) => eprintln!("base URL: {base_url} (--export: not asked)"),
    }
    if !uses_cache(settings) {
        return;
    }
    let root = settings.fetch.cache_root.display();
    match &settings.fetch.entity {
        Some(entity) => eprintln!("entity: {entity}; cache folder: {root}"),
        None if fetches(settings) => eprintln!("entity: the API key's default; cache folder: {root}"),
        None => eprintln!("entity: any with a cache; cache folder: {root}"),
    }
}

/// The output folder locked and staged into; under `--check` and `--out -`, no lock and a
/// staging folder of its own, so that nothing in the output folder changes. A folder that
/// is a file, or cannot be written, is said to be so.
fn lock_and_stage(settings: &Settings) -> anyhow::Result<(Option<lock::DirLock>, Staging)> {
    let output = &settings.output;
    if output.mode != Mode::Print {
        out_folder::refuse_file(&output.out_dir)?;
    }
    if matches!(settings.output.mode, Mode::Check | Mode::Print) {
        return Ok((None, Staging::detached(&output.out_dir)?));
    }
    let lock = lock::lock_dir(&output.out_dir, output.lock_wait, settings.quiet)
        .map_err(|error| out_folder::explain_lock_failure(&output.out_dir, error))?;
    Ok((Some(lock), Staging::new(&output.out_dir)?))
}

/// Whether the inputs come from the cache folder: a fetch, or `--offline` (no `--export`,
/// and not run folders alone).
fn uses_cache(settings: &Settings) -> bool {
    settings.inputs.exports.is_empty() && !settings.inputs.folders_only
}

/// Whether the inputs come from a fetch (no `--export`, not `--offline`, not run folders
/// alone).
fn fetches(settings: &Settings) -> bool {
    !settings.inputs.offline && uses_cache(settings)
}

/// The finished table: the replay's groups priced under the settings.
fn table_of(settings: &Settings, replayed: &Replay) -> MdlTable {
    MdlTable {
        groups: replayed.groups.clone(),
        pricing: settings.table.pricing,
        d_model: settings.table.d_model,
        tolerances: settings.table.tolerances.clone(),
        layers: settings.table.layers.clone(),
        left_out: replayed.left_out.clone(),
        dict_size_like: replayed.dict_size_like.clone(),
        inputs: replayed.files.clone(),
        skips: replayed.skips.clone(),
        notes: Vec::new(),
    }
}

/// The table in the format `--format` asks for, as stdout shows it.
fn stdout_text(settings: &Settings, table: &MdlTable) -> String {
    let links = crate::style::stdout_links();
    emit::stdout::text(table, settings.output.format, &settings.output.latex, links)
}

/// Renders every table artifact the table gets into staging (removing those it does not),
/// with runs.csv and frontier.png (or their removal).
fn stage_artifacts(
    staging: &mut Staging,
    table: &MdlTable,
    runs_csv: Option<(tempfile::NamedTempFile, String)>,
    presentation: &emit::Presentation,
    png: bool,
) -> anyhow::Result<()> {
    let (emitters, left_out) = emit::emitters_for(table, presentation);
    let rendered = render_artifacts(table, emitters);
    for name in left_out {
        staging.retire(name);
    }
    for (name, text, sha256) in &rendered {
        interrupt::check("the artifacts are unchanged")?;
        staging.add_digested_bytes(name, text.as_bytes(), sha256.clone())?;
    }
    stage_png(staging, &rendered, png)?;
    match runs_csv {
        Some((file, sha256)) => staging.add_digested_file(emit::runs_csv::FILE_NAME, file, sha256),
        None => staging.retire(emit::runs_csv::FILE_NAME),
    }
    Ok(())
}

/// frontier.png, the staged frontier.svg rasterized, under `--png`; else an earlier one is
/// removed, since it would show other numbers than the artifacts beside it.
fn stage_png(staging: &mut Staging, rendered: &[(&str, String, String)], png: bool) -> anyhow::Result<()> {
    let name = emit::png::FILE_NAME;
    if !png {
        staging.retire(name);
        return Ok(());
    }
    let svg = (rendered.iter())
        .find(|(file, _, _)| *file == emit::plot::FILE_NAME)
        .map(|(_, text, _)| text.as_str())
        .expect("frontier.svg is a table artifact");
    let bytes = emit::png::rasterize(svg)?;
    interrupt::check("the artifacts are unchanged")?;
    staging.add_bytes(name, &bytes)
}

/// The table artifacts of `emitters`: each one's file name, text and sha256, in the order they
/// are written. Rendered a thread each: the large ones (the JSON table, the frontier's CSV
/// and plot) take several milliseconds apiece at a million rows, and nothing else runs now.
fn render_artifacts(
    table: &MdlTable,
    emitters: Vec<Box<dyn emit::Emitter>>,
) -> Vec<(&'static str, String, String)> {
    std::thread::scope(|scope| {
        let rendering: Vec<_> = (emitters.into_iter())
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

/// Prints the data notes on stderr, `--quiet` or not: lost data is never silent. Under
/// `--strict` the first is the error (exit 5), each note said once; skipped runs already
/// stopped the read there.
fn report_notes(settings: &Settings, table: &mut MdlTable) -> anyhow::Result<()> {
    let notes = DataNote::of(table, &settings.rules.columns.error, &settings.rules.columns.l0);
    table.notes = notes
        .iter()
        .map(|note| note.to_string().replace("\n  ", "; "))
        .collect();
    // Under --strict the first note is the error, said once: not a warning as well.
    let strict = settings.rules.strict && !table.is_empty() && !notes.is_empty();
    for note in notes.iter().skip(usize::from(strict)) {
        crate::style::warn(&note.to_string());
    }
    if strict {
        return fail(Kind::Empty, format!("--strict: {}", notes[0]));
    }
    if let Some(left_out) = crate::model::notes::left_out(table).filter(|_| !table.is_empty()) {
        crate::style::note(&left_out);
        table.notes.push(left_out);
    }
    Ok(())
}

/// Why the table is empty, pointing at the first skipped run when there is one.
fn nothing_to_tabulate(settings: &Settings, replay: &Replay) -> String {
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
    let mut message = format!(
        "nothing to tabulate: {rows} run(s) read, none in layers {} with a usable {}",
        settings.table.layers, settings.rules.columns.error
    );
    match replay.left_out.is_empty() {
        true => message += "; check --layers and the exports",
        false => {
            let found = crate::model::layers::LayerSet::only(replay.left_out.keys().copied());
            message += &format!(
                "; the runs read are in layers {found}: check --layers (--layers all takes every layer)"
            );
        }
    }
    message
}

/// Prints to stdout; a closed pipe (`| head`) is not an error.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    print_bytes(text.as_bytes(), "the table")
}

/// Prints `bytes` (`what`, to messages) to stdout; a closed pipe (`| head`) is not an error.
fn print_bytes(bytes: &[u8], what: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            fail(Kind::Output, format!("stdout: cannot write {what}: {e}"))
        }
        _ => Ok(()),
    }
}
