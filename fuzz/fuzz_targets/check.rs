//! `check` and `suggested_policy` on raw bytes. libFuzzer's panic hook aborts on every panic,
//! also one that `check` would catch and report as EVALUATION_FAILED, so any engine defect is a
//! crash here.
#![no_main]

mod input;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(defect) = input::run(data) {
        panic!("{defect}");
    }
});
