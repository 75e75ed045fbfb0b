//! The commit a build is made from, for `--version`: asked of git when the crate is a git
//! work tree of its own, else read from the `.cargo_vcs_info.json` that `cargo package`
//! leaves; `None` (never a failure) when neither can tell, as in an unpacked tarball.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `c92aae2 2025-03-27` (short hash and commit date) for the crate in `dir`, and the
/// files whose change means another commit (for `cargo:rerun-if-changed`).
pub fn describe(dir: &Path) -> (Option<String>, Vec<PathBuf>) {
    match from_git(dir) {
        Some(found) => found,
        None => (from_vcs_info(dir), Vec::new()),
    }
}

/// Asks git, but only when `dir` is the top of a work tree: a crate unpacked inside some
/// other repository must not take that repository's commit.
fn from_git(dir: &Path) -> Option<(Option<String>, Vec<PathBuf>)> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    let commit = git(dir, &["log", "-1", "--date=short", "--format=%h %cd"])?;
    let mut watched = vec![git(dir, &["rev-parse", "--git-path", "HEAD"])?];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.extend(git(dir, &["rev-parse", "--git-path", &branch]));
    }
    watched.extend(git(dir, &["rev-parse", "--git-path", "packed-refs"]));
    let watched = (watched.into_iter())
        .map(|path| dir.join(path))
        .filter(|path| path.exists())
        .collect();
    Some((Some(commit), watched))
}

/// The first 7 digits of `git.sha1` in `.cargo_vcs_info.json`, if it is there.
fn from_vcs_info(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let after = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let hash = after
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let hash: String = hash.chars().take_while(char::is_ascii_hexdigit).collect();
    (hash.len() >= 7).then(|| hash[..7].to_string())
}

/// A git command's trimmed output, `None` when git is missing or says no.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).current_dir(dir).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (output.status.success() && !text.is_empty()).then(|| text.to_string())
}
