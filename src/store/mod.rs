//! What lands on disk: artifacts staged and committed atomically, the cache of fetched
//! exports and its readers' lock, the manifests, the folder lock (and why an output folder
//! cannot be used), digests, `--check`'s comparison, and rows sorted on disk (runs.csv's order).

pub mod cache;
pub mod changes;
pub mod check;
pub mod digest;
pub mod digest_aside;
pub mod fs;
pub mod lock;
pub mod manifest;
pub mod out_folder;
pub mod readers;
pub mod spill_sort;
pub mod staging;
