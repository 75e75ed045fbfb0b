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
