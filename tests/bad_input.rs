//! Bad input gives a one-line error naming the file, line and field, and a non-zero exit.

mod common;

use std::path::Path;

fn simrun(args: &[&str], cwd: &Path) -> (bool, String) {
    let (ok, _, err) = common::simrun(args, cwd);
    (ok, err)
}

fn setup() -> tempfile::TempDir {
    let d = common::tempdir();
    common::write_tiny(&d.path().join("tiny"));
    common::scenario(
        d.path(),
        "s.yaml",
        "data: tiny\nworkload: {kind: episodic, split: test}\n",
    );
    d
}

fn replace(path: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(s.contains(from));
    std::fs::write(path, s.replacen(from, to, 1)).unwrap();
}

fn fails_with(d: &tempfile::TempDir, args: &[&str], needles: &[&str]) {
    let (ok, err) = simrun(args, d.path());
    assert!(!ok, "expected failure, stderr: {err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("no error line in {err}"));
    for n in needles {
        assert!(line.contains(n), "`{n}` missing from `{line}`");
    }
    assert!(
        !d.path().join("out/summary.csv").exists(),
        "no output on failure"
    );
}

#[test]
fn good_run_succeeds() {
    let d = setup();
    let (ok, err) = simrun(
        &["s.yaml", "--scheduler", "greedy", "--out", "out"],
        d.path(),
    );
    assert!(ok, "{err}");
    assert!(d.path().join("out/trace.csv").exists() && d.path().join("out/trace.parquet").exists());
}

#[test]
fn missing_file() {
    let d = setup();
    std::fs::remove_file(d.path().join("tiny/tasks.csv")).unwrap();
    fails_with(&d, &["s.yaml", "--out", "out"], &["tasks.csv", "missing"]);
    fails_with(&d, &["nope.yaml"], &["nope.yaml"]);
}

#[test]
fn malformed_row_names_line_and_field() {
    let d = setup();
    replace(
        &d.path().join("tiny/servers.csv"),
        "B,8.1,47.0",
        "B,east,47.0",
    );
    fails_with(
        &d,
        &["s.yaml", "--out", "out"],
        &["servers.csv:3", "Longitude", "east"],
    );
}

#[test]
fn nan_is_rejected() {
    let d = setup();
    replace(&d.path().join("tiny/servers.csv"), ",0.5\n", ",NaN\n");
    fails_with(
        &d,
        &["s.yaml", "--out", "out"],
        &["servers.csv:3", "NormalizedCompute"],
    );
}

#[test]
fn unknown_model_type() {
    let d = setup();
    replace(
        &d.path().join("tiny/task_request_mapping.csv"),
        "t0,1,req_2,GPT-4",
        "t0,1,req_2,GPT-5",
    );
    fails_with(
        &d,
        &["s.yaml", "--out", "out"],
        &["task_request_mapping.csv:3", "RequiredModelType", "GPT-5"],
    );
}

#[test]
fn pointer_file_is_a_warning_for_the_log_and_an_error_for_a_table() {
    let d = setup();
    let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n";
    std::fs::write(d.path().join("tiny/request_log.csv"), pointer).unwrap();
    let (ok, err) = simrun(&["s.yaml", "--out", "out"], d.path());
    assert!(ok, "{err}");
    assert!(err.contains("Git-LFS pointer"), "{err}");
    std::fs::remove_dir_all(d.path().join("out")).unwrap();
    std::fs::write(d.path().join("tiny/servers.csv"), pointer).unwrap();
    fails_with(
        &d,
        &["s.yaml", "--out", "out"],
        &["servers.csv", "Git-LFS pointer"],
    );
}

#[test]
fn unknown_yaml_key_and_bad_values() {
    let d = setup();
    common::scenario(
        d.path(),
        "bad.yaml",
        "data: tiny\nworkload: {kind: episodic, split: test}\nnetwrk: {model: overlay}\n",
    );
    fails_with(&d, &["bad.yaml", "--out", "out"], &["bad.yaml", "netwrk"]);
    common::scenario(
        d.path(),
        "bad2.yaml",
        "data: tiny\nworkload: {kind: open, split: test, rate_per_s: -3}\n",
    );
    fails_with(
        &d,
        &["bad2.yaml", "--out", "out"],
        &["bad2.yaml", "workload.rate_per_s"],
    );
    common::scenario(d.path(), "bad3.yaml", "data: tiny\nworkload: {kind: episodic, split: test}\nnetwork: {model: overlay, trap_loss: 2}\n");
    fails_with(&d, &["bad3.yaml", "--out", "out"], &["network.trap_loss"]);
}

#[test]
fn unknown_scheduler_and_parameter() {
    let d = setup();
    fails_with(
        &d,
        &["s.yaml", "--scheduler", "gredy", "--out", "out"],
        &["unknown scheduler `gredy`", "greedy"],
    );
    fails_with(
        &d,
        &["s.yaml", "--scheduler", "random[sed=3]", "--out", "out"],
        &["sed"],
    );
}

#[test]
fn empty_workload() {
    let d = setup();
    fails_with(
        &d,
        &["s.yaml", "--episodes", "0", "--out", "out"],
        &["episodes"],
    );
    std::fs::write(d.path().join("arr.csv"), "time_ms,task\n").unwrap();
    common::scenario(
        d.path(),
        "e.yaml",
        "data: tiny\nworkload: {kind: open, split: test, arrivals_file: arr.csv}\n",
    );
    fails_with(
        &d,
        &["e.yaml", "--out", "out"],
        &["arr.csv", "empty workload"],
    );
}
