//! The `simrun` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser};
use simrun::scenario::LoadedScenario;
use simrun::schedulers::Registry;

/// Run a scenario with a scheduler and write traces and a summary.
#[derive(Parser, Debug)]
#[command(
    name = "simrun",
    version,
    about = "Deterministic simulator for scheduling LLM workflows on edge-cloud servers",
    after_help = "Other commands: simrun compare | gen | bench | schedulers (each with --help)"
)]
struct RunCli {
    /// Scenario YAML file.
    scenario: PathBuf,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
struct Common {
    /// Scheduler spec: a name, optionally with parameters, e.g. `random` or
    /// `greedy[observed=false]` (`simrun schedulers` lists them).
    #[arg(long, short = 's')]
    scheduler: Option<String>,
    /// Run seed (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Dataset folder (default: the scenario's).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Number of workflows (episodes) (default: the scenario's).
    #[arg(long)]
    episodes: Option<u64>,
    /// Output folder (default: reports/<scenario>/<scheduler>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Task split to run (default: the scenario's workload.split).
    #[arg(long, value_enum)]
    split: Option<simrun::dataset::Split>,
}

#[derive(Parser, Debug)]
#[command(
    name = "simrun bench",
    about = "Throughput benchmark (events/s, steps/s, peak memory)"
)]
struct BenchCli {
    /// Scenario YAML file.
    scenario: PathBuf,
    #[command(flatten)]
    common: Common,
    /// Repeat the run this many times and report each.
    #[arg(long, default_value_t = 1)]
    repeat: u32,
}

#[derive(Parser, Debug)]
#[command(
    name = "simrun schedulers",
    about = "List the schedulers and their parameters"
)]
struct SchedulersCli {}

#[derive(Parser, Debug)]
#[command(
    name = "simrun train",
    about = "Train a learned scheduler; prints the best checkpoint's path as the last line"
)]
struct TrainCli {
    /// Scenario YAML file.
    scenario: PathBuf,
    /// Scheduler to train: star-ppo, ppo, pf-ppo or stark.
    #[arg(long, short = 's')]
    scheduler: String,
    /// Epochs (default: the scenario's training.epochs, 100; stark: 50).
    #[arg(long)]
    epochs: Option<usize>,
    /// Episodes per epoch (default: the scenario's training.episodes, 200; stark: 400 expert
    /// workflows).
    #[arg(long)]
    episodes: Option<usize>,
    /// Training seed (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Dataset folder (default: the scenario's).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Checkpoint folder (default: the scenario's checkpoints/<dataset>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

fn main() -> ExitCode {
    match dispatch() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ").replace('\n', " ")
}

fn dispatch() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let registry = simrun::registry();
    match args.get(1).map(String::as_str) {
        Some("bench") => bench(BenchCli::parse_from(skip_first(&args)), &registry),
        Some("schedulers") => {
            SchedulersCli::parse_from(skip_first(&args));
            print!("{}", simrun::describe_schedulers(&registry));
            Ok(())
        }
        Some("gen") => simrun::cli_gen::main(skip_first(&args)),
        Some("train") => train(TrainCli::parse_from(skip_first(&args))),
        Some("compare") => simrun::cli_compare::main(skip_first(&args), &registry),
        _ => run(RunCli::parse(), &registry),
    }
}

fn skip_first(args: &[String]) -> Vec<String> {
    let mut v = vec![format!("{} {}", args[0], args[1])];
    v.extend(args[2..].iter().cloned());
    v
}

fn run(cli: RunCli, registry: &Registry) -> Result<()> {
    let mut scenario = LoadedScenario::load(&cli.scenario)?;
    let c = &cli.common;
    if let Some(split) = c.split {
        scenario.spec.workload.split = split;
    }
    let world = simrun::run::load_world(&scenario, c.data.as_deref())?;
    let spec = c
        .scheduler
        .clone()
        .unwrap_or_else(|| scenario.spec.scheduler.clone());
    let seed = c.seed.unwrap_or(scenario.spec.seed);
    let out = c.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports")
            .join(&scenario.name)
            .join(simrun::compare::dir_name(&spec))
    });
    let t0 = std::time::Instant::now();
    let r = simrun::run::run_to_dir(registry, &world, &scenario, &spec, seed, c.episodes, &out)
        .with_context(|| format!("running `{spec}` on {}", cli.scenario.display()))?;
    println!(
        "{} on {} ({} servers, {} workflows, seed {}) in {:.2} s",
        spec,
        scenario.name,
        world.dataset.servers.len(),
        r.summary.workflows,
        seed,
        t0.elapsed().as_secs_f64()
    );
    print!(
        "{}",
        simrun::summary::format_table(std::slice::from_ref(&r.summary))
    );
    println!(
        "wrote {}/{{trace,workflows}}.{{csv,parquet}} and summary.csv",
        out.display()
    );
    Ok(())
}

fn train(cli: TrainCli) -> Result<()> {
    let scenario = LoadedScenario::load(&cli.scenario)?;
    let world = simrun::run::load_world(&scenario, cli.data.as_deref())?;
    let t = &scenario.spec.training;
    let out = match (cli.out, simrun::run::checkpoint_dir(&world, &scenario)) {
        (Some(o), _) => o,
        (None, Some(d)) => d,
        (None, None) => anyhow::bail!(
            "{}: no `checkpoints` folder in the scenario; pass --out DIR",
            cli.scenario.display()
        ),
    };
    let stark = cli.scheduler == "stark";
    let (epochs, episodes) = if stark {
        (
            simrun::train_stark::DEFAULT_EPOCHS,
            simrun::train_stark::DEFAULT_EPISODES,
        )
    } else {
        (t.epochs, t.episodes)
    };
    let req = simrun::train::TrainRequest {
        scheduler: cli.scheduler.clone(),
        epochs: cli.epochs.unwrap_or(epochs),
        episodes: cli.episodes.unwrap_or(episodes),
        validation: t.validation_episodes,
        seed: cli.seed.unwrap_or(scenario.spec.seed),
        out_dir: out.clone(),
        progress: !cli.quiet,
    };
    anyhow::ensure!(
        req.epochs > 0 && req.episodes > 0,
        "--epochs and --episodes must be >= 1"
    );
    if stark {
        let r = simrun::train_stark::train_stark(&world, &scenario, &req)?;
        println!(
            "trained stark on {} ({} servers): {} epochs x {} expert workflows in {:.1} s ({:.2} s/epoch); final loss {:.4}, best validation agreement {:.3}",
            scenario.name,
            world.dataset.servers.len(),
            req.epochs,
            req.episodes,
            r.seconds,
            r.seconds / req.epochs as f64,
            r.final_loss,
            r.best_agreement
        );
        println!("log: {}", out.join("stark.train.csv").display());
        println!("{}", r.best.display());
        return Ok(());
    }
    let r = simrun::train::train(&world, &scenario, &req)?;
    let last = r.log.last().expect("at least one epoch");
    println!(
        "trained {} on {} ({} servers): {} epochs x {} episodes in {:.1} s ({:.2} s/epoch); final return {:.4}, validation return {:.4}",
        req.scheduler,
        scenario.name,
        world.dataset.servers.len(),
        req.epochs,
        req.episodes,
        r.seconds,
        r.seconds / req.epochs as f64,
        last.stats.mean_return,
        last.validation_return
    );
    println!(
        "log: {}",
        out.join(format!("{}.train.csv", req.scheduler)).display()
    );
    println!("{}", r.best.display());
    Ok(())
}

fn bench(cli: BenchCli, registry: &Registry) -> Result<()> {
    let scenario = LoadedScenario::load(&cli.scenario)?;
    let c = &cli.common;
    let t0 = std::time::Instant::now();
    let world = simrun::run::load_world(&scenario, c.data.as_deref())?;
    let load_s = t0.elapsed().as_secs_f64();
    let spec = c
        .scheduler
        .clone()
        .unwrap_or_else(|| scenario.spec.scheduler.clone());
    let seed = c.seed.unwrap_or(scenario.spec.seed);
    println!(
        "world: {} servers, {} stations, loaded in {load_s:.2} s",
        world.dataset.servers.len(),
        world.dataset.stations.len()
    );
    for i in 0..cli.repeat {
        let r = simrun::bench::bench(registry, &world, &scenario, &spec, seed, c.episodes)?;
        println!(
            "run {}: {} steps, {} events in {:.3} s: {:.0} steps/s, {:.0} events/s, peak {:.0} MiB",
            i + 1,
            r.steps,
            r.events,
            r.seconds,
            r.steps_per_s(),
            r.events_per_s(),
            r.peak_mib
        );
    }
    Ok(())
}
