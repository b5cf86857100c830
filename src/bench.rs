//! Throughput benchmark: runs a scenario without traces and reports events/s, steps/s and
//! peak memory. Figures come from whole runs, never from timed unit tests.

use std::time::Instant;

use anyhow::Result;
use simrun_schedulers::Registry;

use crate::engine::{self, RunOptions};
use crate::run::{build_scheduler, plan_for};
use crate::scenario::LoadedScenario;
use crate::world::World;

/// One benchmark measurement.
#[derive(Debug, Clone)]
pub struct BenchResult {
    /// Scheduler spec.
    pub scheduler: String,
    /// Servers in the dataset.
    pub servers: usize,
    /// Workflow steps simulated.
    pub steps: u64,
    /// Events processed.
    pub events: u64,
    /// Wall-clock seconds of the engine run (world building excluded).
    pub seconds: f64,
    /// Peak resident memory of the process, MiB (Linux; 0 elsewhere).
    pub peak_mib: f64,
}

impl BenchResult {
    /// Steps per second.
    pub fn steps_per_s(&self) -> f64 {
        self.steps as f64 / self.seconds
    }
    /// Events per second.
    pub fn events_per_s(&self) -> f64 {
        self.events as f64 / self.seconds
    }
}

/// Run `spec` on `world` for `workflows` workflows (scenario default if None).
pub fn bench(
    registry: &Registry,
    world: &World,
    scenario: &LoadedScenario,
    spec: &str,
    seed: u64,
    workflows: Option<u64>,
) -> Result<BenchResult> {
    let plan = plan_for(world, scenario, seed, workflows)?;
    let mut sched = build_scheduler(registry, world, scenario, spec, seed)?;
    let mut sink = Counting::default();
    let t0 = Instant::now();
    let stats = engine::run(
        world,
        &plan,
        sched.as_mut(),
        &mut sink,
        RunOptions {
            seed,
            measure_decisions: false,
        },
    )?;
    let seconds = t0.elapsed().as_secs_f64();
    Ok(BenchResult {
        scheduler: spec.to_string(),
        servers: world.dataset.servers.len(),
        steps: stats.steps,
        events: stats.events,
        seconds,
        peak_mib: peak_rss_mib(),
    })
}

#[derive(Default)]
struct Counting(u64);

impl crate::record::RecordSink for Counting {
    fn step(&mut self, _: &crate::record::StepRecord) -> std::io::Result<()> {
        self.0 += 1;
        Ok(())
    }
    fn workflow(&mut self, _: &crate::record::WorkflowRecord) -> std::io::Result<()> {
        Ok(())
    }
}

/// Peak resident set size of this process in MiB (VmHWM), 0 if unknown.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
