//! The `mdl-fetch` binary: parse the command line, run, print the error chain, exit with its code.

use mdl_fetch::config::cli::Cli;
use mdl_fetch::error::exit_code_of;

fn main() {
    let cli = Cli::parse_with_help();
    mdl_fetch::interrupt::install();
    if let Err(error) = mdl_fetch::app::run(cli) {
        let line = mdl_fetch::style::error(&format!("{error:#}"));
        mdl_fetch::interrupt::exit_with(exit_code_of(&error), Some(&line));
    }
}
