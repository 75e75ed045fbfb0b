//! The integration tests: one binary, one module a family, all running the real
//! `mdl-fetch` binary (and the fake W&B server) from `support`. One binary links the
//! dependency tree once instead of once per file; `cargo test --test main corpus::` runs
//! one family, `cargo test --test main utf16le` one case.

mod support;

mod bad_input;
mod beyond_notebook;
mod conventions;
mod corpus;
mod data_notes;
mod differential;
mod example_profiles;
mod export_streams;
mod extreme_values;
mod fake_wandb_selftest;
mod fault_matrix;
mod fixtures_generated;
mod fuzz_regressions;
mod incremental;
mod interruption;
mod load;
mod markdown_layout;
mod no_runs_csv;
mod notebook_readings;
mod offline_during_fetch;
mod offline_fallback;
mod online_fetch;
mod output_formats;
mod paths;
#[cfg(unix)]
mod permissions;
mod pieces;
mod readme_layout;
mod real_backend;
mod real_backend_paging;
mod run_filters;
mod scheduled;
mod secrets;
mod seed_golden;
mod selection_properties;
mod serial_server;
mod several_projects;
mod sweep_layouts;
mod terminal_progress;
mod windowed_fetch;
mod write_failures;
