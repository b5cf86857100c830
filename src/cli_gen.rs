//! `simrun gen`: generate a dataset in the published schema.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::gen::{generate, Country, GenConfig};

/// Generate a dataset in the published `data1/<Region>/` schema.
#[derive(Parser, Debug)]
#[command(
    name = "simrun gen",
    about = "Generate a dataset in the published schema at any scale and seed"
)]
struct GenCli {
    /// Number of servers.
    #[arg(long, default_value_t = 500)]
    servers: usize,
    /// Number of trap servers (the highest-compute ones).
    #[arg(long, default_value_t = 50)]
    traps: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Country whose cities the servers cluster around: switzerland, uk, germany.
    #[arg(long, default_value = "switzerland")]
    country: Country,
    /// Training tasks.
    #[arg(long, default_value_t = 1000)]
    train_tasks: usize,
    /// Test tasks.
    #[arg(long, default_value_t = 200)]
    test_tasks: usize,
    /// Steps per task.
    #[arg(long, default_value_t = 5)]
    steps: usize,
    /// Region name (ServerID prefix).
    #[arg(long, default_value = "Gen1")]
    region: String,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
}

/// Entry point of `simrun gen` (arguments include the program name).
pub fn main(args: Vec<String>) -> Result<()> {
    let cli = GenCli::parse_from(args);
    let cfg = GenConfig {
        servers: cli.servers,
        traps: cli.traps,
        seed: cli.seed,
        country: cli.country,
        train_tasks: cli.train_tasks,
        test_tasks: cli.test_tasks,
        steps_per_task: cli.steps,
        region: cli.region,
    };
    let t0 = std::time::Instant::now();
    let s = generate(&cfg, &cli.out)?;
    println!(
        "wrote {}: {} servers ({} traps), {} links, {} instances, {} train + {} test tasks in {:.2} s",
        cli.out.display(),
        s.servers,
        s.traps,
        s.links,
        s.instances,
        s.train_tasks,
        s.test_tasks,
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
