#![no_main]
//! Fuzz target `graphql_page`: see `tests/support/fuzz_checks.rs` for what it checks.

use mdl_fetch_fuzz::checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::graphql_page(data));
