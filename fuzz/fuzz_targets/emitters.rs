#![no_main]
//! Fuzz target `emitters`: see `tests/support/fuzz_checks.rs` for what it checks.

use mdl_fetch_fuzz::checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::emitters(data));
