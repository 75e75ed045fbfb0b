//! File-system helpers every writer shares: the temp files that are renamed into place
//! (their names, so a later run can sweep what a killed one left), and syncing a folder.

use std::fs;
use std::path::Path;

/// Name prefix of an artifact being staged in the output folder.
pub const ARTIFACT_TEMP_PREFIX: &str = ".mdl-fetch-";
/// Name prefix of a cache export (or manifest) being written in the cache folder.
pub const CACHE_TEMP_PREFIX: &str = ".fetch-";
/// Name suffix of every temp file mdl-fetch writes.
const TEMP_SUFFIX: &str = ".tmp";

/// A temp file that will be renamed into an artifact or cache file: created with the
/// permissions any file the user writes gets (0666 less the umask, so usually 0644), not
/// the owner-only 0600 of a temp file, so that a team or a web server can read the tables.
pub fn shared_temp_file(prefix: &str) -> tempfile::Builder<'_, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(TEMP_SUFFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    builder
}

/// Whether a file name is one of mdl-fetch's temp files.
pub fn is_temp_name(name: &str) -> bool {
    [ARTIFACT_TEMP_PREFIX, CACHE_TEMP_PREFIX]
        .iter()
        .any(|prefix| name.starts_with(prefix))
        && name.ends_with(TEMP_SUFFIX)
}

/// Makes renames in `dir` durable (best effort: not every platform can sync a folder).
pub fn sync_dir(dir: &Path) {
    if let Ok(folder) = fs::File::open(dir) {
        let _ = folder.sync_all();
    }
}
