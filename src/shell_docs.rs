//! `mdl-fetch completions SHELL` and `mdl-fetch man`: a completion script and a roff man
//! page, both made from the command line's own definition so they never drift from it.

use crate::config::cli::Cli;

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut command = Cli::command_with_help();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "mdl-fetch", &mut script);
    script
}

/// The man page, in roff.
pub fn man_page() -> anyhow::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command_with_help()).render(&mut page)?;
    Ok(page)
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
}
