//! The checks every fuzz target runs, compiled once for them all: they live in
//! `tests/support/fuzz_checks.rs`, where `cargo test` replays every input a fuzzer found.

#[path = "../../tests/support/fuzz_checks.rs"]
pub mod checks;
