//! `simrun compare`: reproducible tables regardless of thread count, skipped schedulers,
//! privileged labels, plots and training-log plots, and the command line.

mod common;

use std::path::{Path, PathBuf};

use simrun::compare::{self, CompareOptions, CompareReport};
use simrun::scenario::LoadedScenario;
use simrun::schedulers::{Registry, SchedulerEntry, SchedulerError};

const YAML: &str = "data: tiny\nseed: 5\nworkload: {kind: open, split: test, workflows: 60, order: sample, rate_per_s: 40}\nnetwork: {model: overlay, trap_loss: 0.3}\ncheckpoints: ckpt\n";

const LOG: &str = "epoch,mean_return,mean_latency_ms,mean_cost,policy_loss,value_loss,entropy,w_latency,w_cost,w_switch,wall_s\n\
0,-4.0,3000,0.06,0.20,1.5,2.1,0.45,0.40,0.15,1.0\n\
1,-3.6,2600,0.055,0.15,1.2,2.0,0.50,0.36,0.14,2.0\n\
2,-3.1,2300,0.050,0.10,1.0,1.8,0.55,0.32,0.13,3.0\n";

/// A tiny dataset (A is a trap so loss and jitter draws happen) and its scenario.
fn setup(dir: &Path) -> PathBuf {
    common::write_tiny(&dir.join("tiny"));
    std::fs::write(
        dir.join("tiny/trap_config.json"),
        r#"{"trap_server_ids": ["A"], "trap_cost_multiplier": 1.2, "trap_latency": 50.0, "trap_bandwidth": 1.0}"#,
    )
    .unwrap();
    common::scenario(dir, "tiny.yaml", YAML)
}

fn options(out: PathBuf, schedulers: &[&str], jobs: usize) -> CompareOptions {
    CompareOptions {
        schedulers: schedulers.iter().map(|s| s.to_string()).collect(),
        seeds: vec![1, 2, 3],
        jobs,
        episodes: None,
        out_dir: out,
        progress: false,
    }
}

fn run(registry: &Registry, scenario: &Path, opts: &CompareOptions) -> CompareReport {
    let sc = LoadedScenario::load(scenario).unwrap();
    let world = simrun::run::load_world(&sc, None).unwrap();
    compare::compare(registry, &world, &sc, opts).unwrap()
}

fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn tables_do_not_depend_on_threads_or_repetition() {
    let d = common::tempdir();
    let sc = setup(d.path());
    let reg = simrun::registry();
    let all = ["greedy", "greedy-compute", "random"];
    let a = run(&reg, &sc, &options(d.path().join("a"), &all, 1));
    let b = run(&reg, &sc, &options(d.path().join("b"), &all, 2));
    let c = run(&reg, &sc, &options(d.path().join("c"), &all, 2));
    let (ta, tb, tc) = (
        read(d.path().join("a/table.csv")),
        read(d.path().join("b/table.csv")),
        read(d.path().join("c/table.csv")),
    );
    assert_eq!(ta, tb, "--jobs 1 and --jobs 2 differ");
    assert_eq!(tb, tc, "the same compare twice differs");
    assert_eq!(
        read(d.path().join("a/runs.csv")),
        read(d.path().join("b/runs.csv"))
    );
    // Rows in the listed order, runs ordered by (scheduler, seed).
    let names: Vec<&str> = a.rows.iter().map(|r| r.scheduler.as_str()).collect();
    assert_eq!(names, all);
    let order: Vec<(String, u64)> = b
        .runs
        .iter()
        .map(|r| (r.scheduler.clone(), r.seed))
        .collect();
    let want: Vec<(String, u64)> = all
        .iter()
        .flat_map(|s| [1, 2, 3].map(|seed| (s.to_string(), seed)))
        .collect();
    assert_eq!(order, want);
    assert_eq!(ta.lines().count(), 4);
    // Mean over seeds in table.csv is the mean of the per-seed rows.
    let g = &c.rows[0];
    let per_seed: Vec<f64> = c.runs[..3].iter().map(|r| r.metrics.mean_ms).collect();
    let m = per_seed.iter().sum::<f64>() / 3.0;
    assert!((g.mean.mean_ms - m).abs() < 1e-9 * m);
    let var = per_seed.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 3.0;
    assert!((g.std.mean_ms - var.sqrt()).abs() < 1e-9 * m.max(1.0));
    // Per-run traces and plots.
    for s in all {
        for seed in [1, 2, 3] {
            let dir = d.path().join(format!("a/runs/{s}/seed{seed}"));
            assert!(dir.join("workflows.csv").is_file(), "{}", dir.display());
        }
    }
    for p in [
        "latency_cdf",
        "latency_cost",
        "cost_breakdown",
        "latency_parts",
    ] {
        for ext in ["png", "svg"] {
            let f = d.path().join(format!("a/plots/{p}.{ext}"));
            assert!(
                std::fs::metadata(&f).unwrap().len() > 1000,
                "{}",
                f.display()
            );
        }
    }
    // No training logs: no learning-curve plots.
    assert!(!d.path().join("a/plots/learning_curves.png").exists());
}

fn needs_checkpoint(
    _: &simrun::schedulers::BuildContext<'_>,
    _: &simrun::schedulers::Params,
) -> Result<Box<dyn simrun::schedulers::Scheduler>, SchedulerError> {
    Err(SchedulerError::Other(
        "checkpoint ckpt/learned.best.mpk not found".into(),
    ))
}

#[test]
fn missing_checkpoints_are_skipped_privileged_are_labelled_and_logs_plotted() {
    let d = common::tempdir();
    let sc = setup(d.path());
    let mut reg = simrun::registry();
    let random = reg.get("random").unwrap().clone();
    reg.register(SchedulerEntry {
        name: "learned",
        description: "needs a checkpoint",
        params: &[],
        privileged: false,
        build: needs_checkpoint,
    });
    reg.register(SchedulerEntry {
        name: "oracle",
        description: "reads ground truth",
        params: &[],
        privileged: true,
        ..random
    });
    let defaults = compare::default_schedulers(&reg);
    assert!(defaults.contains(&"learned".to_string()));
    assert!(!defaults.contains(&"oracle".to_string()));
    // Training logs live in the scenario's checkpoint folder, per dataset.
    std::fs::create_dir_all(d.path().join("ckpt/tiny")).unwrap();
    std::fs::write(d.path().join("ckpt/tiny/greedy.train.csv"), LOG).unwrap();
    std::fs::write(d.path().join("ckpt/tiny/learned.train.csv"), LOG).unwrap();
    let mut opts = options(d.path().join("o"), &["greedy", "learned", "oracle"], 2);
    opts.seeds = vec![7];
    let r = run(&reg, &sc, &opts);
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].scheduler, "learned");
    assert!(r.skipped[0].reason.contains("checkpoint"));
    let names: Vec<&str> = r.rows.iter().map(|r| r.scheduler.as_str()).collect();
    assert_eq!(names, ["greedy", "oracle"]);
    let md = read(d.path().join("o/table.md"));
    assert!(md.contains("| oracle (privileged) |"), "{md}");
    assert!(md.contains("Skipped `learned`"), "{md}");
    assert!(md.contains("network cost: corrected"), "{md}");
    let csv = read(d.path().join("o/table.csv"));
    assert!(csv.contains("\noracle,true,1,corrected,"), "{csv}");
    for p in ["learning_curves", "dwa_weights"] {
        assert!(d.path().join(format!("o/plots/{p}.png")).is_file());
        assert!(d.path().join(format!("o/plots/{p}.svg")).is_file());
    }
    // A misspelt scheduler is an error, not a skip.
    let sc2 = LoadedScenario::load(&sc).unwrap();
    let world = simrun::run::load_world(&sc2, None).unwrap();
    let bad = options(d.path().join("bad"), &["greedy", "nope"], 1);
    let e = compare::compare(&reg, &world, &sc2, &bad).unwrap_err();
    assert!(
        format!("{e:#}").contains("unknown scheduler `nope`"),
        "{e:#}"
    );
}

#[test]
fn command_line_prints_the_table_and_writes_the_files() {
    let d = common::tempdir();
    let sc = setup(d.path());
    let out = d.path().join("cli");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_simrun"))
        .args(["compare", sc.to_str().unwrap()])
        .args([
            "--schedulers",
            "greedy,random",
            "--seeds",
            "3,4",
            "--jobs",
            "2",
        ])
        .args([
            "--episodes",
            "20",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("| greedy |"), "{stdout}");
    assert!(stdout.contains("| random |"), "{stdout}");
    assert!(
        stdout.contains("4 runs (2 schedulers x 2 seeds)"),
        "{stdout}"
    );
    let runs = read(out.join("runs.csv"));
    assert_eq!(runs.lines().count(), 5);
    assert!(runs
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("tiny,greedy,false,3,20,"));
    assert!(read(out.join("timing.csv")).starts_with("scheduler,seed,steps,decision_us_per_step"));
}
