//! The integration tests: one binary, one module a family, all running the real
//! `mdl-fetch` binary (and the fake W&B server) from `support`. One binary links the
//! dependency tree once instead of once per file; `cargo test --test main corpus::` runs
//! one family, `cargo test --test main utf16le` one case.

mod support;

mod bad_input;
mod beyond_notebook;
mod consistent_errors;
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
mod help_and_man;
mod html_report;
mod incremental;
mod interruption;
mod keys_init;
mod latex_paper;
mod load;
mod markdown_layout;
mod no_runs_csv;
mod notebook_readings;
mod offline_during_fetch;
mod offline_fallback;
mod online_fetch;
mod output_formats;
mod own_sweep;
mod paths;
#[cfg(unix)]
mod permissions;
mod pieces;
mod quiet_diffs;
mod readme_layout;
mod real_backend;
mod real_backend_paging;
mod run_filters;
mod run_folder_faults;
mod run_folders;
mod saelens_sweep;
mod schedule_units;
mod scheduled;
mod secrets;
mod seed_golden;
mod selection_properties;
mod serial_server;
mod several_projects;
mod sweep_layouts;
mod terminal_progress;
mod tolerance_outputs;
mod windowed_fetch;
mod write_failures;
