//! An output folder that cannot be used, said as such: a file where the folder should be,
//! or a folder this user cannot write (or cannot write beside, where its lock file goes),
//! rather than as whichever file operation happened to fail first.

use std::io::ErrorKind;
use std::path::Path;

use crate::error::{exit_code_of, fail, Error, Kind};
use crate::store::fs::shared_temp_file;
use crate::store::fs::ARTIFACT_TEMP_PREFIX;
use crate::store::lock::lock_path;

/// What `--out` is told to change to.
const NAME_ANOTHER: &str = "name a folder you can write with --out, or - for stdout";

/// Refuses an output folder that is a file, or would be made inside one (exit 2: the
/// setting names no folder).
pub fn refuse_file(dir: &Path) -> anyhow::Result<()> {
    let existing = (dir.ancestors())
        .filter(|path| !path.as_os_str().is_empty())
        .find_map(|path| std::fs::metadata(path).ok().map(|meta| (path, meta.is_dir())));
    let shown = dir.display();
    match existing {
        Some((path, false)) if path == dir => fail(
            Kind::Usage,
            format!("--out {shown} is a file, not a folder: name a folder, or - for stdout"),
        ),
        Some((path, false)) => fail(
            Kind::Usage,
            format!(
                "--out {shown}: {} is a file, not a folder: name a folder, or - for stdout",
                path.display()
            ),
        ),
        _ => Ok(()),
    }
}

/// `error`, from locking the output folder `dir`, said as what it is when the folder, or
/// the folder its lock goes in, cannot be written by this user; otherwise as it was.
pub fn explain_lock_failure(dir: &Path, error: anyhow::Error) -> anyhow::Error {
    if exit_code_of(&error) != Kind::Output.exit_code() {
        return error;
    }
    match unwritable(dir) {
        Some(message) => Error::new(Kind::Output, message).into(),
        None => error,
    }
}

/// Why the output folder `dir` cannot be written, or made, or locked; `None` when it can
/// (then something else failed).
fn unwritable(dir: &Path) -> Option<String> {
    let shown = dir.display();
    if !dir.is_dir() {
        // Not made yet: it would be made in the nearest folder above that exists.
        let above = (dir.ancestors().skip(1)).find(|path| path.as_os_str().is_empty() || path.is_dir())?;
        let above = shown_folder(above);
        let why = cannot_write_in(above)?;
        let above = above.display();
        return Some(format!(
            "cannot create the output folder {shown}: cannot write to {above} ({why}): {NAME_ANOTHER}"
        ));
    }
    if let Some(why) = cannot_write_in(dir) {
        return Some(format!(
            "cannot write to the output folder {shown} ({why}): {NAME_ANOTHER}"
        ));
    }
    // The folder is writable; its lock goes beside it.
    let lock = lock_path(&std::fs::canonicalize(dir).ok()?);
    let why = cannot_write_in(lock.parent()?)?;
    let parent = shown_folder(dir.parent().unwrap_or(Path::new(""))).display();
    let lock_name = lock.file_name()?.to_string_lossy();
    Some(format!(
        "cannot write to {parent}, beside the output folder {shown}, where its lock file {lock_name} goes ({why}): \
         make {parent} writable, or name another folder with --out, or - for stdout"
    ))
}

/// `.` for the working directory, which a relative path's parent spells as nothing.
fn shown_folder(path: &Path) -> &Path {
    match path.as_os_str().is_empty() {
        true => Path::new("."),
        false => path,
    }
}

/// Why a file cannot be made in `dir` (tried with a temp file, removed at once), when the
/// reason is this user's rights or a read-only file system.
fn cannot_write_in(dir: &Path) -> Option<&'static str> {
    let error = shared_temp_file(ARTIFACT_TEMP_PREFIX).tempfile_in(dir).err()?;
    match error.kind() {
        ErrorKind::PermissionDenied => Some("permission denied"),
        ErrorKind::ReadOnlyFilesystem => Some("read-only file system"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_no_output_folder_nor_a_folder_above_one() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("notes");
        std::fs::write(&file, "x").unwrap();
        let error = refuse_file(&file).unwrap_err();
        assert_eq!(exit_code_of(&error), 2);
        assert!(error
            .to_string()
            .ends_with("notes is a file, not a folder: name a folder, or - for stdout"));
        let below = refuse_file(&file.join("a/b")).unwrap_err().to_string();
        let expected = format!(
            "--out {}: {} is a file",
            file.join("a/b").display(),
            file.display()
        );
        assert!(below.starts_with(&expected), "{below}");
        refuse_file(root.path()).unwrap();
        refuse_file(&root.path().join("new/tables")).unwrap();
    }

    #[test]
    fn a_writable_folder_explains_nothing() {
        let root = tempfile::tempdir().unwrap();
        let original = Error::new(Kind::Output, "something else").into();
        let kept = explain_lock_failure(root.path(), original);
        assert_eq!(kept.to_string(), "something else");
        assert_eq!(
            std::fs::read_dir(root.path()).unwrap().count(),
            0,
            "the probe is removed"
        );
        let busy = explain_lock_failure(root.path(), Error::new(Kind::Busy, "busy").into());
        assert_eq!(exit_code_of(&busy), 11);
    }
}
