//! What lands on disk: artifacts staged and committed atomically, the cache of fetched
//! exports and its readers' lock, the manifests, the folder lock (and why an output folder
//! cannot be used), digests, and `--check`'s comparison.

pub mod cache;
pub mod check;
pub mod digest;
pub mod fs;
pub mod lock;
pub mod manifest;
pub mod out_folder;
pub mod readers;
pub mod staging;
