//! `simrun train`: train a learned scheduler in a scenario's world.
//!
//! Each epoch runs `episodes` workflows through the engine with the trainer as scheduler
//! (tasks sampled from the train split minus a held-out validation set), then updates the
//! policy. The validation set is the first `validation_episodes` tasks of the train split, run
//! in order with the greedy (argmax) policy after each epoch; the test split is never used for
//! training or selection. Checkpoints: `<dir>/<name>.last.mpk` after every epoch and
//! `<dir>/<name>.best.mpk` whenever the validation return improves, each with a JSON sidecar;
//! the training log goes to `<dir>/<name>.train.csv` and `.parquet`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use polars::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use simrun_schedulers::learned::{EpochStats, LearnedKind, TrainConfig, Trainer};

use crate::dataset::Split;
use crate::engine::{self, RunOptions};
use crate::record::WorkflowSink;
use crate::scenario::{LoadedScenario, TaskOrder};
use crate::seeds;
use crate::workload::{self, Plan};
use crate::world::World;

/// What to train.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// Scheduler name (`star-ppo`, `ppo`).
    pub scheduler: String,
    /// Epochs.
    pub epochs: usize,
    /// Episodes (workflows) per epoch.
    pub episodes: usize,
    /// Validation workflows per epoch.
    pub validation: usize,
    /// Training seed.
    pub seed: u64,
    /// Where checkpoints and logs go.
    pub out_dir: PathBuf,
    /// Show a progress bar.
    pub progress: bool,
}

/// One row of the training log.
#[derive(Debug, Clone)]
pub struct LogRow {
    /// The trainer's statistics.
    pub stats: EpochStats,
    /// Mean validation return (greedy policy).
    pub validation_return: f64,
    /// Mean validation workflow latency, ms.
    pub validation_latency_ms: f64,
    /// Wall-clock seconds since training started.
    pub wall_s: f64,
}

/// Result of a training run.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// Path of the best checkpoint.
    pub best: PathBuf,
    /// Path of the last checkpoint.
    pub last: PathBuf,
    /// The log.
    pub log: Vec<LogRow>,
    /// Total wall-clock seconds.
    pub seconds: f64,
}

/// Header of the training log.
pub const LOG_HEADER: &str = "epoch,mean_return,mean_latency_ms,mean_cost,policy_loss,value_loss,entropy,w_latency,w_cost,w_switch,wall_s,validation_return,validation_latency_ms,lr,entropy_coef,guidance_alpha,approx_kl,clip_fraction,transitions";

/// Train `req.scheduler` in `world`.
pub fn train(world: &World, scenario: &LoadedScenario, req: &TrainRequest) -> Result<TrainOutcome> {
    let Some(kind) = LearnedKind::from_name(&req.scheduler) else {
        bail!(
            "`{}` is not a trainable scheduler here (trainable: star-ppo, ppo, pf-ppo; stark \
             has its own driver)",
            req.scheduler
        );
    };
    let mut work = TrainingWorkload::new(world, scenario, req)?;
    let name = kind.name();
    let best = req.out_dir.join(format!("{name}.best.mpk"));
    let last = req.out_dir.join(format!("{name}.last.mpk"));
    let cfg = TrainConfig::new(
        kind,
        req.epochs,
        req.episodes,
        seeds::derive(req.seed, seeds::TRAINING),
    );
    let mut trainer = Trainer::new(kind, &world.topology, cfg);
    let bar = progress_bar(req.progress, req.epochs as u64);
    let t0 = Instant::now();
    let mut log = Vec::with_capacity(req.epochs);
    let mut best_return = f64::NEG_INFINITY;
    for epoch in 0..req.epochs {
        trainer.begin_epoch(epoch);
        work.run_epoch(world, &mut trainer, req.seed, epoch)?;
        let stats = trainer.end_epoch();
        let mut policy = trainer.policy();
        let mut sink = WorkflowSink::default();
        let vopts = RunOptions {
            seed: seeds::derive(req.seed, seeds::VALIDATION),
            measure_decisions: false,
        };
        engine::run(world, &work.validation, &mut policy, &mut sink, vopts)?;
        let n = sink.workflows.len().max(1) as f64;
        let validation_return = sink.workflows.iter().map(|r| r.reward).sum::<f64>() / n;
        let validation_latency_ms = sink.workflows.iter().map(|r| r.latency_ms).sum::<f64>() / n;
        let mut meta = trainer.checkpoint_meta(&world.dataset.fingerprint);
        meta.scenario = Some(scenario.name.clone());
        if validation_return > best_return {
            best_return = validation_return;
            meta.best_validation_return = Some(best_return);
            trainer.save_checkpoint(&best, &meta)?;
        }
        meta.best_validation_return = Some(best_return);
        trainer.save_checkpoint(&last, &meta)?;
        let row = LogRow {
            stats,
            validation_return,
            validation_latency_ms,
            wall_s: t0.elapsed().as_secs_f64(),
        };
        if let Some(b) = &bar {
            let s = &row.stats;
            b.set_message(format!(
                "return {:.3} lat {:.0} ms cost {:.4} w [{:.3} {:.3} {:.3}] val {:.3}",
                s.mean_return,
                s.mean_latency_ms,
                s.mean_cost,
                s.weights[0],
                s.weights[1],
                s.weights[2],
                validation_return
            ));
            b.inc(1);
        }
        log.push(row);
    }
    if let Some(b) = bar {
        b.finish();
    }
    write_log(&req.out_dir, name, &log)?;
    Ok(TrainOutcome {
        best,
        last,
        log,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// The workloads of a training run: the held-out validation plan (the first
/// `validation` tasks of the train split, in order) and a fresh plan per epoch sampled from the
/// rest of the train split. The test split is never touched.
pub(crate) struct TrainingWorkload {
    fit_pool: Vec<u32>,
    kind: crate::scenario::WorkloadKind,
    rate: f64,
    episodes: usize,
    rng: ChaCha8Rng,
    /// The validation plan.
    pub validation: Plan,
}

impl TrainingWorkload {
    /// Split the train split of `world` as `req` asks and create the output folder.
    pub(crate) fn new(
        world: &World,
        scenario: &LoadedScenario,
        req: &TrainRequest,
    ) -> Result<Self> {
        let train_pool = world.dataset.split(Split::Train);
        if train_pool.len() < 2 {
            bail!(
                "the train split has {} task(s): nothing to train on",
                train_pool.len()
            );
        }
        let v = req.validation.clamp(1, train_pool.len() / 2);
        let (valid_pool, fit_pool) = train_pool.split_at(v);
        std::fs::create_dir_all(&req.out_dir)
            .with_context(|| format!("creating {}", req.out_dir.display()))?;
        let w = &scenario.spec.workload;
        let rate = w.rate_per_s.unwrap_or(1.0);
        let mut rng = ChaCha8Rng::seed_from_u64(seeds::derive(req.seed, seeds::WORKLOAD));
        let validation =
            workload::from_pool(w.kind, valid_pool, v, TaskOrder::Sequential, rate, &mut rng);
        Ok(TrainingWorkload {
            fit_pool: fit_pool.to_vec(),
            kind: w.kind,
            rate,
            episodes: req.episodes,
            rng,
            validation,
        })
    }

    /// Run training epoch `epoch` of a run seeded `seed`: `episodes` workflows sampled from
    /// the fit pool, through the engine with `scheduler` (which learns or records).
    pub(crate) fn run_epoch(
        &mut self,
        world: &World,
        scheduler: &mut dyn simrun_schedulers::Scheduler,
        seed: u64,
        epoch: usize,
    ) -> Result<()> {
        let plan = workload::from_pool(
            self.kind,
            &self.fit_pool,
            self.episodes,
            TaskOrder::Sample,
            self.rate,
            &mut self.rng,
        );
        let opts = RunOptions {
            seed: seeds::training_epoch(seed, epoch),
            measure_decisions: false,
        };
        engine::run(world, &plan, scheduler, &mut WorkflowSink::default(), opts)?;
        Ok(())
    }
}

pub(crate) fn progress_bar(enabled: bool, len: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !enabled || !std::io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new(len);
    b.set_style(
        indicatif::ProgressStyle::with_template(
            "epoch {pos}/{len} [{elapsed_precise}] {bar:30} {msg}",
        )
        .expect("valid template"),
    );
    Some(b)
}

/// Write the log as `<name>.train.csv` and `<name>.train.parquet` in `dir`.
pub fn write_log(dir: &Path, name: &str, log: &[LogRow]) -> Result<()> {
    let rows: Vec<String> = log
        .iter()
        .map(|r| {
            let s = &r.stats;
            format!(
                "{},{},{},{},{},{},{},{},{},{},{:.3},{},{},{},{},{},{},{},{}",
                s.epoch,
                s.mean_return,
                s.mean_latency_ms,
                s.mean_cost,
                s.update.policy_loss,
                s.update.value_loss,
                s.update.entropy,
                s.weights[0],
                s.weights[1],
                s.weights[2],
                r.wall_s,
                r.validation_return,
                r.validation_latency_ms,
                s.lr,
                s.entropy_coef,
                s.guidance_alpha,
                s.update.approx_kl,
                s.update.clip_fraction,
                s.transitions
            )
        })
        .collect();
    write_table(dir, name, LOG_HEADER, &rows)
}

/// Write CSV `rows` under `header` as `<name>.train.csv`, then the same table as
/// `<name>.train.parquet`, each through a temporary file renamed into place.
pub fn write_table(dir: &Path, name: &str, header: &str, rows: &[String]) -> Result<()> {
    let csv_path = dir.join(format!("{name}.train.csv"));
    let tmp = csv_path.with_extension("csv.partial");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    writeln!(f, "{header}")?;
    for r in rows {
        writeln!(f, "{r}")?;
    }
    f.flush()?;
    drop(f);
    std::fs::rename(&tmp, &csv_path)?;
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(csv_path.clone()))?
        .finish()?;
    let pq = dir.join(format!("{name}.train.parquet"));
    let tmp = pq.with_extension("parquet.partial");
    ParquetWriter::new(std::fs::File::create(&tmp)?).finish(&mut df)?;
    std::fs::rename(tmp, pq)?;
    Ok(())
}
