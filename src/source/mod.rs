//! Sources of run records: CSV exports (and the cache, which is written as exports).

pub mod export;
