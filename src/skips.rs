//! Runs skipped on the way in: counted, with the first few kept as examples, never silent.

use std::fmt;

/// How many examples a report keeps.
const EXAMPLES: usize = 5;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Skips {
    pub count: u64,
    /// `file:line: run "name": reason`, for the first few.
    pub examples: Vec<String>,
}

impl Skips {
    pub fn add(&mut self, place: impl fmt::Display, name: &str, reason: &str) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(format!("{place}: run {name:?}: {reason}"));
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
