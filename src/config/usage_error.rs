//! A command-line mistake as one `error:` line (clap's message, with its tip folded in),
//! followed by clap's `--help` hint only when a person is reading stderr.

use std::io::IsTerminal;

/// clap's hint after a usage error, as clap words it.
pub const HELP_HINT: &str = "For more information, try '--help'.";

/// The one line for clap's rendered (plain) error `text`, without its `error:` prefix:
/// the message's lines joined, then any `tip:`; the usage and the hint are left out.
pub fn one_line(text: &str) -> String {
    let mut paragraphs = text.split("\n\n");
    let message = paragraphs.next().unwrap_or_default();
    let message = (message.lines())
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut line = message
        .strip_prefix("error:")
        .unwrap_or(&message)
        .trim()
        .to_string();
    let tips = paragraphs
        .flat_map(str::lines)
        .map(str::trim)
        .filter(|line| line.starts_with("tip:"));
    for tip in tips {
        line.push_str("; ");
        line.push_str(tip);
    }
    line
}

/// Prints help or the version (clap's own output), or else the usage error as one line
/// (and the hint, on a terminal), and exits as clap would (2 for a usage error).
pub fn exit(error: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        error.exit()
    }
    let line = crate::style::error(&one_line(&error.render().to_string()));
    match std::io::stderr().is_terminal() {
        true => eprintln!("{line}\n\n{HELP_HINT}"),
        false => eprintln!("{line}"),
    }
    std::process::exit(error.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::cli::Cli;
    use clap::Parser;

    fn line_for(args: &[&str]) -> String {
        let error = Cli::try_parse_from(args).unwrap_err();
        one_line(&error.render().to_string())
    }

    #[test]
    fn a_bad_flag_is_one_line_with_its_tip() {
        let line = line_for(&["mdl-fetch", "--projec", "x"]);
        assert!(!line.contains('\n'), "{line}");
        assert!(line.starts_with("unexpected argument '--projec' found"), "{line}");
        assert!(
            line.contains("tip: a similar argument exists: '--project'"),
            "{line}"
        );
        assert!(!line.contains("Usage") && !line.contains("--help"), "{line}");
    }

    #[test]
    fn a_list_of_missing_arguments_folds_into_the_line() {
        let line = line_for(&["mdl-fetch", "dl", "--bits", "3"]);
        assert_eq!(
            line,
            "the following required arguments were not provided: --l0 <L0> --dict-size <DICT_SIZE>"
        );
        let line = line_for(&["mdl-fetch", "--bits", "many"]);
        assert!(
            line.starts_with("invalid value 'many' for '--bits <B>'"),
            "{line}"
        );
        assert!(!line.contains('\n'), "{line}");
    }
}
