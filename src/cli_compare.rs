//! The `simrun compare` command line: parse arguments, load the world once, run
//! [`crate::compare::compare`] and print the Markdown table.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;

use crate::compare::{self, CompareOptions};
use crate::scenario::LoadedScenario;
use crate::schedulers::Registry;

/// Compare schedulers on a scenario over several seeds.
#[derive(Parser, Debug)]
#[command(
    name = "simrun compare",
    about = "Run every (scheduler, seed) pair of a scenario in parallel and write comparison tables and plots"
)]
pub struct CompareCli {
    /// Scenario YAML file.
    pub scenario: PathBuf,
    /// Comma-separated scheduler specs (default: every non-privileged registered scheduler).
    #[arg(long, value_delimiter = ',')]
    pub schedulers: Option<Vec<String>>,
    /// Comma-separated run seeds.
    #[arg(long, value_delimiter = ',', default_value = "42,43,44")]
    pub seeds: Vec<u64>,
    /// Worker threads (default: available cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Dataset folder (default: the scenario's).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Workflows (episodes) per run (default: the scenario's).
    #[arg(long)]
    pub episodes: Option<u64>,
    /// Output folder (default: reports/<scenario>/compare).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Task split to run (default: the scenario's workload.split).
    #[arg(long, value_enum)]
    pub split: Option<crate::dataset::Split>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Run `simrun compare` with `args` (program name first).
pub fn main(args: Vec<String>, registry: &Registry) -> Result<()> {
    let cli = CompareCli::parse_from(args);
    let mut scenario = LoadedScenario::load(&cli.scenario)?;
    if let Some(split) = cli.split {
        scenario.spec.workload.split = split;
    }
    let world = crate::run::load_world(&scenario, cli.data.as_deref())?;
    let schedulers = cli
        .schedulers
        .clone()
        .map(|v| {
            v.into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_else(|| compare::default_schedulers(registry));
    let jobs = cli.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    anyhow::ensure!(jobs >= 1, "--jobs: must be >= 1");
    let out_dir = cli.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports")
            .join(&scenario.name)
            .join("compare")
    });
    let opts = CompareOptions {
        schedulers,
        seeds: cli.seeds.clone(),
        jobs,
        episodes: cli.episodes,
        out_dir: out_dir.clone(),
        progress: !cli.quiet,
    };
    let t0 = std::time::Instant::now();
    let report = compare::compare(registry, &world, &scenario, &opts)
        .with_context(|| format!("comparing schedulers on {}", cli.scenario.display()))?;
    println!("{}", compare::table::markdown(&report));
    println!(
        "{} runs ({} schedulers x {} seeds) on {} servers in {:.2} s with {} threads",
        report.runs.len(),
        report.rows.len(),
        report.seeds.len(),
        world.dataset.servers.len(),
        t0.elapsed().as_secs_f64(),
        jobs
    );
    println!(
        "wrote {0}/table.{{md,csv}}, runs.csv, timing.csv, {1} plot files in {0}/plots, traces in {0}/runs/",
        out_dir.display(),
        report.plots.len()
    );
    Ok(())
}
