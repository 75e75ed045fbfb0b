//! `mdl-fetch completions SHELL` and `mdl-fetch man`: a completion script and a roff man
//! page, both made from the command line's own definition so they never drift from it.

use roff::{bold, roman, Roff};

use crate::config::cli::{Cli, AUTHENTICATION, EXAMPLES};

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut command = Cli::command_with_help();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "mdl-fetch", &mut script);
    script
}

/// The man page, in roff: clap_mangen's sections for what the command line defines, and
/// its own for the commands (named as typed: there is no page of their own to point at),
/// authentication, the examples (kept as laid out, not reflowed) and the exit codes.
pub fn man_page() -> anyhow::Result<Vec<u8>> {
    use clap_mangen::Man;
    let command = Cli::command_with_help();
    let man = Man::new(command.clone());
    type Render = fn(&Man, &mut dyn std::io::Write) -> std::io::Result<()>;
    let before: [Render; 5] = [
        Man::render_title,
        Man::render_name_section,
        Man::render_synopsis_section,
        Man::render_description_section,
        Man::render_options_section,
    ];
    let mut own = Roff::new();
    commands_section(&mut own, &command);
    verbatim_section(&mut own, "AUTHENTICATION", AUTHENTICATION);
    verbatim_section(&mut own, "EXAMPLES", EXAMPLES);
    own.control("SH", ["EXIT STATUS"]);
    own.text([roman(crate::error::exit_codes_help())]);
    let mut pieces = Vec::new();
    for render in before {
        let mut piece = Vec::new();
        render(&man, &mut piece)?;
        pieces.push(piece);
    }
    pieces.push(own.render().into_bytes());
    let mut version = Vec::new();
    man.render_version_section(&mut version)?;
    pieces.push(version);
    // Each piece starts by defining the apostrophe: the page does so once.
    let mut page = APOSTROPHE.as_bytes().to_vec();
    for piece in &pieces {
        page.extend_from_slice(piece.strip_prefix(APOSTROPHE.as_bytes()).unwrap_or(piece));
    }
    Ok(page)
}

/// How every roff text from the `roff` crate starts: `\*(Aq` defined as a plain apostrophe.
const APOSTROPHE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

/// COMMANDS: each subcommand as it is typed (`mdl-fetch dl`) and what it does.
fn commands_section(roff: &mut Roff, command: &clap::Command) {
    roff.control("SH", ["COMMANDS"]);
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        roff.control("TP", []);
        roff.text([bold(format!("mdl-fetch {}", sub.get_name()))]);
        if let Some(about) = sub.get_about() {
            roff.text([roman(about.to_string())]);
        }
    }
}

/// A section whose lines are printed as they are (`.nf` ... `.fi`), without their common
/// two-space indent.
fn verbatim_section(roff: &mut Roff, title: &str, text: &str) {
    roff.control("SH", [title]);
    roff.control("nf", []);
    for line in text.lines() {
        roff.text([roman(line.strip_prefix("  ").unwrap_or(line))]);
    }
    roff.control("fi", []);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_completes_the_flags() {
        let bash = String::from_utf8(completions(clap_complete::Shell::Bash)).unwrap();
        assert!(bash.contains("--project") && bash.contains("--offline"), "{bash}");
        assert!(bash.contains("completions") && bash.contains("mdl-fetch"));
        for shell in [
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::PowerShell,
        ] {
            let script = String::from_utf8(completions(shell)).unwrap();
            assert!(script.contains("project"), "{shell}: {script}");
        }
    }

    #[test]
    fn the_man_page_is_roff_with_the_options() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        assert!(page.starts_with(".ie") || page.contains("\n.TH "), "{page}");
        assert!(page.contains(".TH mdl-fetch 1"), "{page}");
        for option in ["project", "offline", "color", "quiet"] {
            assert!(
                page.contains(&format!("\\-\\-{option}")),
                "{option} missing: {page}"
            );
        }
        assert!(page.contains("Exit codes: 0 ok"), "the help's epilogue: {page}");
    }

    /// The lines of `page` under `.SH title`, up to the next section.
    fn section<'a>(page: &'a str, title: &str) -> Vec<&'a str> {
        (page.lines())
            .skip_while(|line| *line != format!(".SH {title}") && *line != format!(".SH \"{title}\""))
            .skip(1)
            .take_while(|line| !line.starts_with(".SH "))
            .collect()
    }

    #[test]
    fn the_examples_and_authentication_are_kept_as_laid_out() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        for (title, text) in [("EXAMPLES", EXAMPLES), ("AUTHENTICATION", AUTHENTICATION)] {
            let lines = section(&page, title);
            assert_eq!(lines.first(), Some(&".nf"), "{title}: {page}");
            assert_eq!(lines.last(), Some(&".fi"), "{title}: {page}");
            let kept: Vec<String> = (text.lines())
                .map(|line| line.strip_prefix("  ").unwrap())
                .map(|line| line.replace('-', "\\-").replace('\'', "\\*(Aq"))
                .collect();
            assert_eq!(lines[1..lines.len() - 1], kept, "{title}");
            // A man page is read 80 columns wide, its text indented by 7.
            for line in text.lines() {
                assert!(
                    line.chars().count() - 2 <= 72,
                    "{title}: too wide for man: {line}"
                );
            }
        }
    }

    #[test]
    fn the_apostrophe_is_defined_once_before_the_title() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        assert!(
            page.starts_with(&format!("{APOSTROPHE}.TH mdl-fetch 1 ")),
            "{page}"
        );
        assert_eq!(page.matches(APOSTROPHE).count(), 1, "{page}");
        assert!(page.contains("\\*(Aq"), "apostrophes are used: {page}");
    }

    #[test]
    fn the_man_page_points_at_no_other_page() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        let reference = regex::Regex::new(r"\(\d[a-z]*\)").unwrap();
        assert!(!reference.is_match(&page), "{:?}", reference.find(&page));
        assert!(page.contains("\n.SH COMMANDS\n"), "{page}");
        for command in ["dl", "completions", "man"] {
            assert!(
                page.contains(&format!("\\fBmdl\\-fetch {command}\\fR")),
                "{command}: {page}"
            );
        }
        assert!(section(&page, "SEE ALSO").is_empty());
    }

    #[test]
    fn the_man_page_says_which_variable_sets_an_option() {
        let page = String::from_utf8(man_page().unwrap()).unwrap();
        for variable in [
            "WANDB_PROJECT",
            "WANDB_ENTITY",
            "MDL_FETCH_OUT",
            "MDL_FETCH_CACHE_DIR",
        ] {
            let note = format!("\\fB{variable}\\fR environment variable");
            assert!(page.contains(&note), "{variable}: {page}");
        }
        let authentication = section(&page, "AUTHENTICATION").join("\n");
        for word in ["WANDB_API_KEY", "netrc", "WANDB_BASE_URL"] {
            assert!(authentication.contains(word), "{word}: {authentication}");
        }
    }
}
