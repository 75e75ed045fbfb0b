//! Runs skipped on the way in: counted, with the first few kept as examples, never silent.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How many examples a report keeps.
const EXAMPLES: usize = 5;

/// `text` as `{:?}` shows it, cut after 120 characters: a run name or a header column of
/// megabytes (hostile or broken exports have them) would make a one-line message as long.
pub fn shown(text: &str) -> String {
    const MAX_CHARS: usize = 120;
    match text.char_indices().nth(MAX_CHARS) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!("{:?}... ({} bytes)", &text[..cut], text.len()),
    }
}

/// The skipped runs, as `manifest.json` and `mdl-table.json` write them under `skipped`.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skips {
    pub count: u64,
    /// `file:line: run "name": reason`, for the first few.
    pub examples: Vec<String>,
}

impl Skips {
    pub fn add(&mut self, place: impl fmt::Display, name: &str, reason: &str) {
        self.add_example(|| format!("{place}: run {}: {reason}", shown(name)));
    }

    /// Counts one skipped run, keeping the example `said` makes while there is room.
    pub fn add_example(&mut self, said: impl FnOnce() -> String) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(said());
        }
    }

    /// Folds another report in, keeping input order of the examples.
    pub fn merge(&mut self, other: Skips) {
        self.count += other.count;
        let room = EXAMPLES.saturating_sub(self.examples.len());
        self.examples.extend(other.examples.into_iter().take(room));
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

impl fmt::Display for Skips {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "skipped {} run(s)", self.count)?;
        for example in &self.examples {
            write!(f, "\n  {example}")?;
        }
        if self.count > self.examples.len() as u64 {
            write!(f, "\n  ... and {} more", self.count - self.examples.len() as u64)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_on_a_character_boundary() {
        assert_eq!(shown("a_topk_32_0"), "\"a_topk_32_0\"");
        let long = "é".repeat(200);
        assert_eq!(shown(&long), format!("{:?}... (400 bytes)", "é".repeat(120)));
    }
}
