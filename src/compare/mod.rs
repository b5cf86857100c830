//! `simrun compare`: run every (scheduler, seed) pair of a scenario, in parallel, and report
//! the metrics of each scheduler as mean ± std over the seeds, with plots.
//!
//! The runs share one immutable [`World`] by reference; each run builds its own scheduler.
//! Work is handed out over `jobs` scoped threads, but results are stored at the index of their
//! (scheduler, seed) pair, so the tables never depend on the thread count or completion order.
//! Wall-clock decision time is kept out of `table.csv` and `runs.csv` (it goes to `timing.csv`
//! and a marked column of `table.md`), so those two files are reproducible byte for byte.

pub mod table;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{Context, Result};
use simrun_schedulers::{Registry, SchedulerError};

use crate::metrics::{self, RunMetrics};
use crate::run::{build_scheduler, run_to_dir};
use crate::scenario::{LoadedScenario, NetworkCostFormula};
use crate::world::World;

pub use table::{aggregate, SchedulerRow};

/// What to compare and where to write it.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Scheduler specs, in table order.
    pub schedulers: Vec<String>,
    /// Run seeds.
    pub seeds: Vec<u64>,
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// Workflows per run (default: the scenario's).
    pub episodes: Option<u64>,
    /// Output folder (tables, plots, `runs/<scheduler>/seed<N>/`).
    pub out_dir: PathBuf,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

/// One finished run.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Scheduler spec.
    pub scheduler: String,
    /// Whether the scheduler reads privileged ground truth.
    pub privileged: bool,
    /// Run seed.
    pub seed: u64,
    /// Deterministic metrics of the run.
    pub metrics: RunMetrics,
    /// Workflow latencies, ms, sorted ascending.
    pub latencies_ms: Vec<f64>,
    /// Workflow steps completed.
    pub steps: u64,
    /// Wall-clock decision time per step, µs (not reproducible).
    pub decision_us_per_step: f64,
    /// Wall-clock seconds of the whole run (not reproducible).
    pub wall_s: f64,
    /// Folder with the run's traces.
    pub out_dir: PathBuf,
}

/// A scheduler left out of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Scheduler spec.
    pub scheduler: String,
    /// Why it could not be built.
    pub reason: String,
}

/// Everything a comparison produced.
#[derive(Debug, Clone)]
pub struct CompareReport {
    /// Scenario name.
    pub scenario: String,
    /// Network-cost formula used.
    pub formula: NetworkCostFormula,
    /// SLA threshold, ms.
    pub sla_ms: f64,
    /// Seeds run.
    pub seeds: Vec<u64>,
    /// Every run, ordered by (scheduler as listed, seed as listed).
    pub runs: Vec<RunOutcome>,
    /// One row per scheduler that ran, in the listed order.
    pub rows: Vec<SchedulerRow>,
    /// Schedulers that could not be built.
    pub skipped: Vec<Skipped>,
    /// Output folder.
    pub out_dir: PathBuf,
    /// Plot files written.
    pub plots: Vec<PathBuf>,
}

/// Every non-privileged scheduler of the registry, in registration order.
pub fn default_schedulers(registry: &Registry) -> Vec<String> {
    registry
        .entries()
        .iter()
        .filter(|e| !e.privileged)
        .map(|e| e.name.to_string())
        .collect()
}

/// A scheduler spec turned into a folder name (`greedy[k=8]` -> `greedy_k_8_`).
pub fn dir_name(spec: &str) -> String {
    spec.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The folder of one run's traces under a comparison's output folder.
pub fn run_dir(out_dir: &Path, spec: &str, seed: u64) -> PathBuf {
    out_dir
        .join("runs")
        .join(dir_name(spec))
        .join(format!("seed{seed}"))
}

/// A scheduler spec that builds, with whether it is privileged.
type Runnable = (String, bool);

const fn assert_sync<T: Sync>() {}
const _: () = {
    assert_sync::<World>();
    assert_sync::<LoadedScenario>();
    assert_sync::<Registry>();
};

/// Try to build every scheduler once; those that fail for a reason other than a wrong name or
/// parameter (a missing checkpoint, typically) are returned as skipped.
fn check_schedulers(
    registry: &Registry,
    world: &World,
    scenario: &LoadedScenario,
    specs: &[String],
    seed: u64,
) -> Result<(Vec<Runnable>, Vec<Skipped>)> {
    let mut ok = Vec::new();
    let mut skipped = Vec::new();
    for spec in specs {
        match build_scheduler(registry, world, scenario, spec, seed) {
            Ok(s) => {
                let (name, _) = simrun_schedulers::Params::parse_spec(spec)?;
                let entry_priv = registry.get(&name).is_some_and(|e| e.privileged);
                ok.push((spec.clone(), s.privileged() || entry_priv));
            }
            Err(e) => match e.downcast_ref::<SchedulerError>() {
                Some(SchedulerError::Other(reason)) => skipped.push(Skipped {
                    scheduler: spec.clone(),
                    reason: reason.clone(),
                }),
                _ => return Err(e.context(format!("scheduler `{spec}`"))),
            },
        }
    }
    Ok((ok, skipped))
}

fn progress_bar(n: usize, enabled: bool) -> indicatif::ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(n as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{prefix} [{bar:25}] {pos}/{len} runs, {elapsed}, ETA {eta} {wide_msg}",
    ) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_prefix("compare");
    pb
}

fn run_one(
    registry: &Registry,
    world: &World,
    scenario: &LoadedScenario,
    opts: &CompareOptions,
    spec: &str,
    privileged: bool,
    seed: u64,
) -> Result<RunOutcome> {
    let dir = run_dir(&opts.out_dir, spec, seed);
    let t0 = std::time::Instant::now();
    let r = run_to_dir(registry, world, scenario, spec, seed, opts.episodes, &dir)
        .with_context(|| format!("running `{spec}` with seed {seed}"))?;
    let wall_s = t0.elapsed().as_secs_f64();
    let m = metrics::run_metrics(
        &r.workflows,
        world.sla_ms,
        scenario.spec.metrics.network_cost,
    )?;
    let decision_us_per_step = if r.stats.steps > 0 {
        r.stats.decision_s / r.stats.steps as f64 * 1e6
    } else {
        f64::NAN
    };
    Ok(RunOutcome {
        scheduler: spec.to_string(),
        privileged: privileged || r.summary.privileged,
        seed,
        metrics: m,
        latencies_ms: metrics::sorted_latencies(&r.workflows)?,
        steps: r.stats.steps,
        decision_us_per_step,
        wall_s,
        out_dir: dir,
    })
}

/// Run every (scheduler, seed) pair over `opts.jobs` threads and collect the outcomes in
/// (scheduler, seed) order. The first failing run (in that order) aborts the comparison.
pub fn run_all(
    registry: &Registry,
    world: &World,
    scenario: &LoadedScenario,
    opts: &CompareOptions,
    schedulers: &[(String, bool)],
) -> Result<Vec<RunOutcome>> {
    let pairs: Vec<(&str, bool, u64)> = schedulers
        .iter()
        .flat_map(|(s, p)| opts.seeds.iter().map(move |&seed| (s.as_str(), *p, seed)))
        .collect();
    let n = pairs.len();
    let slots: Vec<Mutex<Option<Result<RunOutcome>>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let pb = progress_bar(n, opts.progress);
    let jobs = opts.jobs.clamp(1, n.max(1));
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                if failed.load(Ordering::Relaxed) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let (spec, privileged, seed) = pairs[i];
                pb.set_message(format!("{spec} seed {seed}"));
                let r = run_one(registry, world, scenario, opts, spec, privileged, seed);
                if r.is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                pb.inc(1);
            });
        }
    });
    pb.finish_and_clear();
    let mut out = Vec::with_capacity(n);
    for slot in slots {
        match slot.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(Ok(r)) => out.push(r),
            Some(Err(e)) => return Err(e),
            None => {}
        }
    }
    anyhow::ensure!(out.len() == n, "comparison stopped after a failed run");
    Ok(out)
}

/// Run the comparison: check the schedulers (printing a warning for each one skipped), run
/// every pair, aggregate, and write `table.md`, `table.csv`, `runs.csv`, `timing.csv` and the
/// plots under `opts.out_dir`.
pub fn compare(
    registry: &Registry,
    world: &World,
    scenario: &LoadedScenario,
    opts: &CompareOptions,
) -> Result<CompareReport> {
    anyhow::ensure!(!opts.seeds.is_empty(), "--seeds: give at least one seed");
    anyhow::ensure!(
        !opts.schedulers.is_empty(),
        "--schedulers: give at least one scheduler"
    );
    for (i, a) in opts.schedulers.iter().enumerate() {
        if let Some(b) = opts.schedulers[..i]
            .iter()
            .find(|b| dir_name(b) == dir_name(a))
        {
            anyhow::bail!(
                "--schedulers: `{b}` and `{a}` are the same or share the folder name `{}`",
                dir_name(a)
            );
        }
    }
    let (schedulers, skipped) =
        check_schedulers(registry, world, scenario, &opts.schedulers, opts.seeds[0])?;
    for s in &skipped {
        eprintln!(
            "warning: skipping scheduler `{}`: {}",
            s.scheduler, s.reason
        );
    }
    anyhow::ensure!(
        !schedulers.is_empty(),
        "no scheduler could be built (all {} skipped)",
        skipped.len()
    );
    std::fs::create_dir_all(&opts.out_dir)
        .with_context(|| format!("creating {}", opts.out_dir.display()))?;
    let runs = run_all(registry, world, scenario, opts, &schedulers)?;
    let rows = aggregate(&runs)?;
    let mut report = CompareReport {
        scenario: scenario.name.clone(),
        formula: scenario.spec.metrics.network_cost,
        sla_ms: world.sla_ms,
        seeds: opts.seeds.clone(),
        runs,
        rows,
        skipped,
        out_dir: opts.out_dir.clone(),
        plots: Vec::new(),
    };
    table::write_all(&report)?;
    let train_names: Vec<String> = schedulers
        .iter()
        .map(|(s, _)| s.clone())
        .chain(report.skipped.iter().map(|s| s.scheduler.clone()))
        .collect();
    let checkpoints = crate::run::checkpoint_dir(world, scenario);
    report.plots = crate::plots::write_all(
        &report,
        checkpoints.as_deref(),
        &train_names,
        &opts.out_dir.join("plots"),
    )?;
    Ok(report)
}
