//! Running the built `trustcheck` binary from the crate directory, so paths in its output are the
//! relative ones the tests pass (and golden files hold no machine paths).

#![allow(dead_code)]

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

use serde_json::Value;

/// Where a test writes its scratch files: the build's own directory for them (`target/tmp`),
/// which `make unit` empties first, not the machine's temporary directory, which the tests'
/// files (written per process, never removed) filled run after run.
pub fn scratch() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&dir).expect("the scratch directory can be made");
    dir
}

pub fn trustcheck(args: &[&str]) -> Output {
    run(args, None, &[])
}

pub fn trustcheck_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    run(args, None, env)
}

/// With `input` on standard input (the `-` file).
pub fn trustcheck_with_stdin(args: &[&str], input: &str) -> Output {
    run(args, Some(input), &[])
}

fn run(args: &[&str], input: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trustcheck"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("the binary runs");
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        // A run that stops before reading its input (a usage error) closes the pipe first: the
        // test then judges what it printed and its exit status, not the write.
        match stdin.write_all(input.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            written => written.expect("stdin accepts the input"),
        }
    }
    child.wait_with_output().expect("the binary finishes")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8 errors")
}

/// Runs with `--format json` appended and parses the one object it prints.
pub fn json_report(args: &[&str]) -> (Option<i32>, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = trustcheck(&all);
    let report = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("one JSON object from {args:?}: {e}; stderr: {}", stderr(&out)));
    (out.status.code(), report)
}

/// The role whose name (`logical_id`, `address` or `name`) is `name`.
pub fn role<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["logical_id"] == name || r["address"] == name || r["name"] == name)
        .unwrap_or_else(|| panic!("no role {name} in {report:#}"))
}

pub fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|f| f["id"].as_str().expect("an id"))
        .collect()
}

/// Compares with `tests/golden/NAME`; `UPDATE_GOLDEN=1` rewrites it after an intended change.
pub fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("golden file is writable");
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(actual, expected, "output differs from {}", path.display());
}
