#![no_main]
//! Fuzz target `profile`: see `tests/support/fuzz_checks.rs` for what it checks.

#[path = "../../tests/support/fuzz_checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::profile(data));
