//! One run end to end: scenario + scheduler + seed -> traces and a summary row.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use simrun_schedulers::{BuildContext, Params, Registry, Scheduler};

use crate::dataset;
use crate::engine::{self, RunOptions, RunStats};
use crate::record::WorkflowSink;
use crate::scenario::LoadedScenario;
use crate::summary::{self, Summary};
use crate::trace::{workflow_frame, RunLabels, TraceWriter};
use crate::workload::{self, Plan};
use crate::world::World;

/// Load the dataset of `scenario` (or `data_override`) and build its world.
pub fn load_world(scenario: &LoadedScenario, data_override: Option<&Path>) -> Result<World> {
    let dir = data_override
        .map(Path::to_path_buf)
        .unwrap_or_else(|| scenario.spec.data.clone());
    let ds = dataset::load(&dir)?;
    for w in &ds.warnings {
        eprintln!("warning: {}: {w}", ds.dir.display());
    }
    Ok(World::new(ds, &scenario.spec))
}

/// The workload plan of a run with `seed`, optionally with `workflows` overriding the count.
pub fn plan_for(
    world: &World,
    scenario: &LoadedScenario,
    seed: u64,
    workflows: Option<u64>,
) -> Result<Plan> {
    let mut w = scenario.spec.workload.clone();
    if let Some(n) = workflows {
        anyhow::ensure!(n > 0, "--episodes: must be >= 1 (an empty workload)");
        w.workflows = Some(n);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(crate::seeds::derive(seed, crate::seeds::WORKLOAD));
    Ok(workload::plan(&world.dataset, &w, &mut rng)?)
}

/// Scheduler parameters the scenario gives for scheduler `name`.
pub fn scenario_params(scenario: &LoadedScenario, name: &str) -> Params {
    Params::from_pairs(
        scenario
            .spec
            .scheduler_params
            .get(name)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.to_string())),
    )
}

/// Build the scheduler `spec` for a run with `seed`.
pub fn build_scheduler(
    registry: &Registry,
    world: &World,
    scenario: &LoadedScenario,
    spec: &str,
    seed: u64,
) -> Result<Box<dyn Scheduler>> {
    let (name, _) = Params::parse_spec(spec)?;
    let extra = scenario_params(scenario, &name);
    let dir = checkpoint_dir(world, scenario);
    // What `simrun train` needs to train for this run's world, for the hints in errors.
    let mut train_target = scenario.path.display().to_string();
    if world.dataset.dir != scenario.spec.data {
        train_target.push_str(&format!(" --data {}", world.dataset.dir.display()));
    }
    let ctx = BuildContext {
        seed: crate::seeds::derive(seed, crate::seeds::SCHEDULER),
        topology: &world.topology,
        dataset_fingerprint: &world.dataset.fingerprint,
        scenario: &train_target,
        checkpoint_dir: dir.as_deref(),
    };
    Ok(registry.build(spec, &extra, &ctx)?)
}

/// Where trained checkpoints for this scenario and dataset live:
/// `<scenario checkpoints>/<dataset folder name>/`.
pub fn checkpoint_dir(world: &World, scenario: &LoadedScenario) -> Option<PathBuf> {
    scenario
        .spec
        .checkpoints
        .as_ref()
        .map(|d| d.join(&world.dataset.name))
}

/// Result of [`run_to_dir`].
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The summary row.
    pub summary: Summary,
    /// Engine counters.
    pub stats: RunStats,
    /// Output folder.
    pub out_dir: PathBuf,
    /// The workflow rows as a frame ([`workflow_frame`]), for further metrics.
    pub workflows: polars::prelude::DataFrame,
}

/// Run `spec` with `seed` and write trace.csv, trace.parquet, workflows.*, summary.csv in `out_dir`.
#[allow(clippy::too_many_arguments)]
pub fn run_to_dir(
    registry: &Registry,
    world: &World,
    scenario: &LoadedScenario,
    spec: &str,
    seed: u64,
    workflows: Option<u64>,
    out_dir: &Path,
) -> Result<RunResult> {
    let plan = plan_for(world, scenario, seed, workflows)?;
    let mut sched = build_scheduler(registry, world, scenario, spec, seed)?;
    let labels = RunLabels {
        scenario: scenario.name.clone(),
        scheduler: spec.to_string(),
        seed,
    };
    let opts = RunOptions {
        seed,
        measure_decisions: true,
    };
    let spec_trace = &scenario.spec.trace;
    let (stats, frame) = if spec_trace.enabled {
        let mut writer =
            TraceWriter::create(&world.dataset, out_dir, labels.clone(), spec_trace.parquet)
                .with_context(|| format!("creating traces in {}", out_dir.display()))?;
        let stats = engine::run(world, &plan, sched.as_mut(), &mut writer, opts)?;
        let rows = writer.finish(out_dir)?;
        (stats, workflow_frame(&world.dataset, &labels, &rows)?)
    } else {
        let mut sink = WorkflowSink::default();
        let stats = engine::run(world, &plan, sched.as_mut(), &mut sink, opts)?;
        std::fs::create_dir_all(out_dir)?;
        (
            stats,
            workflow_frame(&world.dataset, &labels, &sink.workflows)?,
        )
    };
    let row = summary::summary_row(
        &scenario.name,
        spec,
        sched.privileged(),
        seed,
        &frame,
        world.sla_ms,
        scenario.spec.metrics.network_cost,
    )?;
    summary::write_csv(std::slice::from_ref(&row), &out_dir.join("summary.csv"))?;
    Ok(RunResult {
        summary: row,
        stats,
        out_dir: out_dir.to_path_buf(),
        workflows: frame,
    })
}
