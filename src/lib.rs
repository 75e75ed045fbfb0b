//! mdl-fetch: W&B sweeps of sparse autoencoders in, description-length tables out.
//!
//! The pipeline, top to bottom, one folder a layer: `config` resolves what to do; `fetch`
//! brings runs from the W&B API into the cache as exports; `read` turns exports into run
//! records; `model` selects and prices them (pure, no I/O); `emit` formats the table;
//! `store` puts artifacts, cache and manifests on disk atomically; `rundirs` turns the W&B
//! SDK's local run folders into an export. `app` is the script
//! that runs them in that order, `inputs` choosing the exports it reads; `error` lists
//! the exit codes.

pub mod about;
pub mod app;
pub mod closing_line;
pub mod config;
pub mod dl;
pub mod emit;
pub mod error;
pub mod fetch;
pub mod human;
pub mod inputs;
pub mod interrupt;
pub mod keys;
pub mod model;
pub mod pynum;
pub mod read;
pub mod run_log;
pub mod rundirs;
pub mod runs_csv_sink;
pub mod schedule;
pub mod shell_docs;
pub mod store;
pub mod style;
pub mod synth;
pub mod terminal_lines;
pub mod test_hooks;
