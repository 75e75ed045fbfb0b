//! Failure kinds and the exit code each one maps to, so scripts can tell them apart.

use std::fmt;

/// What went wrong, coarsely enough for a cron job to react to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad command line or settings (exit 2, as clap uses).
    Usage,
    /// An export, profile or cache could not be read or made no sense (exit 3).
    Input,
    /// Artifacts could not be written (exit 4).
    Output,
    /// The inputs left nothing to put in the table (exit 5).
    Empty,
    /// The API key is missing, wrong, or lacks permission (exit 6).
    Auth,
    /// The entity/project does not exist or is not visible to this key (exit 7).
    NotFound,
    /// The server kept failing or could not be reached; retries ran out (exit 8).
    Network,
    /// The server answered something that is not the W&B API we know (exit 9).
    Protocol,
    /// Fewer runs arrived than the server counted (exit 10).
    Incomplete,
    /// Another mdl-fetch held the output folder for longer than `--lock-wait` (exit 11).
    Busy,
    /// `--check` found artifacts that differ from what would be written (exit 20).
    Stale,
    /// Interrupted by SIGINT (exit 130) or SIGTERM (exit 143).
    Interrupted(i32),
}

impl Kind {
    /// The process exit code documented in the README.
    pub fn exit_code(self) -> i32 {
        match self {
            Kind::Usage => 2,
            Kind::Input => 3,
            Kind::Output => 4,
            Kind::Empty => 5,
            Kind::Auth => 6,
            Kind::NotFound => 7,
            Kind::Network => 8,
            Kind::Protocol => 9,
            Kind::Incomplete => 10,
            Kind::Busy => 11,
            Kind::Stale => 20,
            Kind::Interrupted(signal) => 128 + signal,
        }
    }
}

impl Kind {
    /// Every kind with a word for `--help`, in exit-code order: the one list of exit codes.
    pub const ALL: [(Kind, &'static str); 12] = [
        (Kind::Usage, "usage"),
        (Kind::Input, "bad input"),
        (Kind::Output, "cannot write"),
        (Kind::Empty, "nothing to tabulate"),
        (Kind::Auth, "auth"),
        (Kind::NotFound, "project not found"),
        (Kind::Network, "network"),
        (Kind::Protocol, "protocol"),
        (Kind::Incomplete, "runs lost"),
        (Kind::Busy, "folder busy"),
        (Kind::Stale, "--check: stale"),
        (Kind::Interrupted(2), "SIGINT"),
    ];
}

/// The codes no `Kind` gives, both bugs: an error left unclassified (`exit_code_of`'s 1)
/// and a panic (Rust's 101).
pub const BUG_CODES: [(i32, &str); 2] = [(1, "unclassified error"), (101, "panic")];

/// The exit codes as `--help` lists them, made from `Kind::ALL` (SIGTERM beside SIGINT),
/// then the codes of bugs.
pub fn exit_codes_help() -> String {
    let mut text = String::from("Exit codes: 0 ok");
    for (kind, word) in Kind::ALL {
        text.push_str(&format!(", {} {word}", kind.exit_code()));
    }
    text.push_str(&format!(", {} SIGTERM", Kind::Interrupted(15).exit_code()));
    let bugs: Vec<String> = BUG_CODES
        .iter()
        .map(|(code, word)| format!("{code} {word}"))
        .collect();
    text.push_str(&format!("; {}: bugs, please report them.", bugs.join(", ")));
    text
}

/// A typed leaf error: a kind for the exit code and one line for the user.
#[derive(Debug)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
}

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Shorthand for returning a typed failure from any stage.
pub fn fail<T>(kind: Kind, message: impl Into<String>) -> anyhow::Result<T> {
    Err(Error::new(kind, message).into())
}

/// The exit code for an error chain: the first typed error in it decides, else 1.
pub fn exit_code_of(error: &anyhow::Error) -> i32 {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<Error>())
        .map_or(1, |typed| typed.kind.exit_code())
}

/// A write failure (exit 4) naming the file it was for.
pub fn output_error(path: &std::path::Path, error: &std::io::Error) -> anyhow::Error {
    Error::new(
        Kind::Output,
        format!(
            "{}: cannot write: {error}; check the --out folder and free space",
            path.display()
        ),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_distinct_code_in_the_help() {
        let help = exit_codes_help();
        let mut codes: Vec<i32> = Kind::ALL.iter().map(|(kind, _)| kind.exit_code()).collect();
        codes.push(Kind::Interrupted(15).exit_code());
        for code in &codes {
            assert!(help.contains(&format!(" {code} ")), "{code} missing from {help}");
        }
        codes.extend(BUG_CODES.map(|(code, _)| code));
        for code in &codes {
            assert!(help.contains(&format!(" {code} ")), "{code} missing from {help}");
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Kind::ALL.len() + 1 + BUG_CODES.len());
        assert!(
            help.contains("11 folder busy") && help.contains("20 --check: stale"),
            "{help}"
        );
    }

    #[test]
    fn the_readme_table_lists_exactly_these_codes() {
        let readme = include_str!("../README.md");
        let table = readme
            .split("## Exit codes")
            .nth(1)
            .expect("an Exit codes section");
        let mut listed: Vec<i32> = (table.lines().skip(1))
            .take_while(|line| line.is_empty() || line.starts_with('|'))
            .filter_map(|line| line.split('|').nth(1))
            .flat_map(|cell| {
                cell.split(',')
                    .filter_map(|code| code.trim().parse().ok())
                    .collect::<Vec<i32>>()
            })
            .collect();
        listed.sort_unstable();
        let mut codes: Vec<i32> = Kind::ALL.iter().map(|(kind, _)| kind.exit_code()).collect();
        codes.extend([0, Kind::Interrupted(15).exit_code()]);
        codes.extend(BUG_CODES.map(|(code, _)| code));
        codes.sort_unstable();
        assert_eq!(listed, codes);
    }
}
