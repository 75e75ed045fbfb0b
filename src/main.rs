//! The `mdl-fetch` binary: parse the command line, run, print the error chain, exit with its code.

use mdl_fetch::config::cli::Cli;
use mdl_fetch::error::exit_code_of;

fn main() {
    let cli = Cli::parse_with_help();
    mdl_fetch::interrupt::install();
    // A forced exit skips destructors: the folders' lock and temp files and the copies of
    // piped exports are swept by these instead.
    mdl_fetch::interrupt::on_forced_exit(mdl_fetch::store::lock::sweep_locked_dirs);
    mdl_fetch::interrupt::on_forced_exit(mdl_fetch::read::spool::sweep_spooled);
    // A run ended by the watchdog still gets its --log line.
    mdl_fetch::interrupt::on_forced_exit_tell(mdl_fetch::run_log::record);
    // A panic (a bug) is exit 101 as ever, and the --log line says so too.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mdl_fetch::app::run(cli)));
    let outcome = outcome.unwrap_or_else(|panic| {
        let what = (panic.downcast_ref::<&str>().map(|text| text.to_string()))
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        mdl_fetch::run_log::record(101, &format!("panic (a bug; please report it): {what}"));
        std::process::exit(101)
    });
    if let Err(error) = outcome {
        let code = exit_code_of(&error);
        mdl_fetch::run_log::record(code, &format!("error: {error:#}"));
        let line = mdl_fetch::style::error(&format!("{error:#}"));
        mdl_fetch::interrupt::exit_with(code, Some(&line));
    }
}
