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
    if let Err(error) = mdl_fetch::app::run(cli) {
        let line = mdl_fetch::style::error(&format!("{error:#}"));
        mdl_fetch::interrupt::exit_with(exit_code_of(&error), Some(&line));
    }
}
