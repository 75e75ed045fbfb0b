//! The output folder and the cache folder kept apart: each is locked by a file beside it,
//! so one inside the other would make a run wait on its own lock, or mix tables with exports.

use std::path::{Component, Path, PathBuf};

use crate::error::{fail, Kind};

/// Refuses (as a usage error naming both) an output folder `out` inside the cache folder
/// `cache`, or the cache inside the output folder; the same folder is inside itself.
/// Compared by real path: symlinks, `./` and absolute spellings are one folder.
pub fn refuse_nested(out: &Path, cache: &Path) -> anyhow::Result<()> {
    let (real_out, real_cache) = (real_path(out), real_path(cache));
    let (shown_out, shown_cache) = (out.display(), cache.display());
    if real_out.starts_with(&real_cache) {
        return fail(
            Kind::Usage,
            format!("the output folder {shown_out} is inside the cache folder {shown_cache} (--cache-dir); give --out a folder outside it"),
        );
    }
    if real_cache.starts_with(&real_out) {
        return fail(
            Kind::Usage,
            format!("the cache folder {shown_cache} (--cache-dir) is inside the output folder {shown_out}; give --cache-dir a folder outside it"),
        );
    }
    Ok(())
}

/// `path` made absolute and resolved as far as it exists: its longest existing ancestor's
/// real path, with the rest of its components appended (`.` dropped, `..` taken back).
pub fn real_path(path: &Path) -> PathBuf {
    let absolute = std::env::current_dir().unwrap_or_default().join(path);
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    let mut real = loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            break real;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => break existing.to_path_buf(),
        }
    };
    for component in rest.into_iter().rev() {
        match component {
            Component::ParentDir => {
                real.pop();
            }
            Component::Normal(name) => real.push(name),
            _ => {}
        }
    }
    real
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_paths_resolve_symlinks_and_the_parts_that_do_not_exist_yet() {
        let root = tempfile::tempdir().unwrap();
        let real_root = std::fs::canonicalize(root.path()).unwrap();
        std::fs::create_dir(root.path().join("cache")).unwrap();
        std::os::unix::fs::symlink(root.path().join("cache"), root.path().join("link")).unwrap();
        assert_eq!(
            real_path(&root.path().join("link/./new/gone/../tables/")),
            real_root.join("cache/new/tables")
        );
        assert_eq!(real_path(&root.path().join("cache")), real_root.join("cache"));
    }

    #[test]
    fn either_folder_inside_the_other_is_refused_with_both_named() {
        let root = tempfile::tempdir().unwrap();
        let at = |name: &str| root.path().join(name);
        std::fs::create_dir(at("cache")).unwrap();
        std::os::unix::fs::symlink(at("cache"), at("link")).unwrap();
        for (out, cache) in [
            ("link/entity/project", "cache"),
            ("cache", "cache/"),
            ("out", "out/cache"),
        ] {
            let error = refuse_nested(&at(out), &at(cache)).unwrap_err();
            assert_eq!(crate::error::exit_code_of(&error), 2, "{out} {cache}");
            let text = error.to_string();
            assert!(text.contains(&*at(out).display().to_string()), "{text}");
            assert!(text.contains(&*at(cache).display().to_string()), "{text}");
        }
        for (out, cache) in [("out/project", "cache"), ("cache-out", "cache"), ("out", "outer")] {
            refuse_nested(&at(out), &at(cache)).unwrap();
        }
    }
}
