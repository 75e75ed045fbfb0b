//! Records the commit being built for `--version` (`MDL_FETCH_COMMIT_SUFFIX`); a build
//! without git or `.git` gets the bare version, never a failure.

#[path = "build/commit.rs"]
mod commit;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/commit.rs");
    let dir = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let (commit, watched) = commit::describe(&dir);
    for path in watched {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let suffix = commit.map(|commit| format!(" ({commit})")).unwrap_or_default();
    println!("cargo:rustc-env=MDL_FETCH_COMMIT_SUFFIX={suffix}");
}
