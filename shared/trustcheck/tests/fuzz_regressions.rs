//! Replays the fuzz corpus (`fuzz/corpus/check`) and every crash the fuzzer ever found
//! (`fuzz/artifacts/check`) on the stable toolchain, the way the fuzz target runs them: the
//! engine must neither panic nor fall back to EVALUATION_FAILED on any of them.

use std::{
    path::{Path, PathBuf},
    sync::atomic::{AtomicUsize, Ordering},
};

#[path = "../../../fuzz/fuzz_targets/input.rs"]
mod input;

static PANICS: AtomicUsize = AtomicUsize::new(0);

fn inputs(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz").join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn the_fuzz_corpus_and_every_crash_found_run_clean() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        report(info);
    }));
    let corpus = inputs("corpus/check");
    let crashes = inputs("artifacts/check");
    assert!(
        corpus.len() >= 100,
        "the fuzz corpus lost its seeds: {} inputs",
        corpus.len()
    );
    assert!(
        !crashes.is_empty(),
        "the known crash is no longer kept as a regression case"
    );
    let mut failures = Vec::new();
    for path in corpus.iter().chain(&crashes) {
        let before = PANICS.load(Ordering::SeqCst);
        let outcome = input::run(&std::fs::read(path).unwrap());
        if let Err(what) = outcome {
            failures.push(format!("{}: {what}", path.display()));
        } else if PANICS.load(Ordering::SeqCst) != before {
            failures.push(format!("{}: panicked", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} inputs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
