//! A complete user-written scheduler: send each step to the candidate station with the least
//! pending work, breaking ties by the nearer server. `docs/writing-a-scheduler.md` walks
//! through this file; `tests/tutorial.rs` compiles and runs it, so the tutorial cannot rot.
//!
//! Run it with: `cargo run --release --example least_queue -- scenarios/trap500.yaml`

// -- 1. The scheduler ------------------------------------------------------------------------
use simrun::schedulers::{Decision, Scheduler, StepContext};

/// Least pending work first; ties go to the candidate nearer to the message's origin.
pub struct LeastQueue;

impl Scheduler for LeastQueue {
    fn name(&self) -> &str {
        "least-queue"
    }

    fn decide(&mut self, ctx: &StepContext<'_>) -> Decision {
        let origin = ctx.origin();
        let score = |i: usize| {
            let c = &ctx.candidates[i];
            let pending = ctx.telemetry.stations[c.station as usize].pending_work_ms(ctx.now_ms);
            let pos = ctx.topology.server(c.server).pos;
            let d2 = (pos.lon - origin.lon).powi(2) + (pos.lat - origin.lat).powi(2);
            (pending, d2)
        };
        let best = (0..ctx.candidates.len())
            .min_by(|&a, &b| score(a).partial_cmp(&score(b)).unwrap())
            .unwrap();
        Decision::pick(best)
    }
}

// -- 2. The registry entry -------------------------------------------------------------------
use simrun::schedulers::registry::SchedulerEntry;

/// How the registry builds it by name (`least-queue`), with no parameters.
pub fn entry() -> SchedulerEntry {
    SchedulerEntry {
        name: "least-queue",
        description: "least pending work at the station, then nearest",
        params: &[],
        privileged: false,
        build: |_ctx, _params| Ok(Box::new(LeastQueue)),
    }
}

// -- 3. A run --------------------------------------------------------------------------------
/// Run `least-queue` on a scenario and print the summary table.
pub fn run(
    scenario: &std::path::Path,
    out: &std::path::Path,
) -> anyhow::Result<simrun::summary::Summary> {
    let mut registry = simrun::registry();
    registry.register(entry());
    let sc = simrun::scenario::LoadedScenario::load(scenario)?;
    let world = simrun::run::load_world(&sc, None)?;
    let result = simrun::run::run_to_dir(
        &registry,
        &world,
        &sc,
        "least-queue",
        sc.spec.seed,
        None,
        out,
    )?;
    print!(
        "{}",
        simrun::summary::format_table(std::slice::from_ref(&result.summary))
    );
    Ok(result.summary)
}

#[allow(dead_code)]
fn main() -> anyhow::Result<()> {
    let scenario = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "scenarios/trap500.yaml".into());
    run(scenario.as_ref(), "reports/least-queue".as_ref())?;
    Ok(())
}
