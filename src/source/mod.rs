//! Sources of run records: CSV exports, the W&B API, and the cache between them.

pub mod cache;
pub mod export;
pub mod pieces;
mod plain_row;
pub mod rows;
pub mod wandb;
