//! `simrun train SCENARIO --scheduler stark`: behaviour cloning of STARK in a scenario's world.
//!
//! Each epoch the privileged expert runs `episodes` workflows of the train split (minus the
//! held-out validation tasks) through the engine while the teacher records the student's
//! tokens and the expert's choice; the learner then fits those samples. After each epoch the
//! expert runs the validation tasks again with the student shadowing it, and the share of
//! decisions on which they agree selects the best checkpoint. Outputs, in the checkpoint
//! folder: `stark.best.mpk` / `stark.last.mpk` with JSON sidecars and `stark.train.csv` /
//! `.parquet` (epoch, loss, train accuracy, validation agreement, samples, lr, wall time).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use simrun_schedulers::stark::{
    write_stark_checkpoint, BcConfig, StarkLearner, StarkMeta, StarkPolicy, StarkSpec, Teacher,
    STARK_FEATURE_SET, STARK_FORMAT,
};

use crate::engine::{self, RunOptions};
use crate::record::WorkflowSink;
use crate::scenario::LoadedScenario;
use crate::seeds;
use crate::train::{progress_bar, write_table, TrainRequest, TrainingWorkload};
use crate::workload::Plan;
use crate::world::World;

/// Default epochs of STARK training (the reference's 50).
pub const DEFAULT_EPOCHS: usize = 50;
/// Default expert workflows per epoch (400 five-step tasks, about the reference's 2000 samples).
pub const DEFAULT_EPISODES: usize = 400;

/// Header of STARK's training log.
pub const STARK_LOG_HEADER: &str =
    "epoch,loss,train_accuracy,validation_agreement,samples,outside_shortlist,lr,wall_s";

/// Result of a STARK training run.
#[derive(Debug, Clone)]
pub struct StarkOutcome {
    /// Path of the best checkpoint.
    pub best: PathBuf,
    /// Best validation agreement.
    pub best_agreement: f64,
    /// Final epoch's training loss.
    pub final_loss: f64,
    /// Total wall-clock seconds.
    pub seconds: f64,
}

/// Agreement of `student` with the expert over the workflows of `plan`.
pub fn agreement(world: &World, plan: &Plan, student: StarkPolicy, seed: u64) -> Result<f64> {
    let mut teacher = Teacher::judging(&world.topology, student);
    let opts = RunOptions {
        seed,
        measure_decisions: false,
    };
    engine::run(
        world,
        plan,
        &mut teacher,
        &mut WorkflowSink::default(),
        opts,
    )?;
    Ok(teacher.take_stats().agreement())
}

/// Train STARK in `world`.
pub fn train_stark(
    world: &World,
    scenario: &LoadedScenario,
    req: &TrainRequest,
) -> Result<StarkOutcome> {
    let mut work = TrainingWorkload::new(world, scenario, req)?;
    let best = req.out_dir.join("stark.best.mpk");
    let last = req.out_dir.join("stark.last.mpk");
    let spec = StarkSpec::default();
    let train_seed = seeds::derive(req.seed, seeds::TRAINING);
    let mut learner = StarkLearner::new(spec.clone(), BcConfig::default(), train_seed);
    let mut teacher = Teacher::recording(&world.topology, spec.shortlist);
    let bar = progress_bar(req.progress, req.epochs as u64);
    let t0 = Instant::now();
    let mut rows = Vec::with_capacity(req.epochs);
    let mut best_agreement = f64::NEG_INFINITY;
    let mut final_loss = f64::NAN;
    for epoch in 0..req.epochs {
        work.run_epoch(world, &mut teacher, req.seed, epoch)?;
        let samples = teacher.take_samples();
        let taught = teacher.take_stats();
        let fit = learner.fit(&samples, epoch, req.epochs);
        final_loss = fit.loss;
        let student = StarkPolicy::new(&world.topology, &spec, learner.network());
        let validation_seed = seeds::derive(req.seed, seeds::VALIDATION);
        let agree = agreement(world, &work.validation, student, validation_seed)?;
        let meta = StarkMeta {
            format: STARK_FORMAT,
            scheduler: "stark".into(),
            dataset_fingerprint: world.dataset.fingerprint.clone(),
            server_count: world.topology.server_count(),
            feature_set: STARK_FEATURE_SET.into(),
            seed: train_seed,
            epochs: req.epochs,
            epochs_completed: epoch + 1,
            validation_agreement: agree,
            spec: spec.clone(),
            scenario: Some(scenario.name.clone()),
        };
        if agree > best_agreement {
            best_agreement = agree;
            write_stark_checkpoint(&best, learner.network(), &meta)?;
        }
        write_stark_checkpoint(&last, learner.network(), &meta)?;
        rows.push(format!(
            "{epoch},{},{},{agree},{},{},{},{:.3}",
            fit.loss,
            fit.accuracy,
            samples.len(),
            taught.outside_shortlist,
            fit.lr,
            t0.elapsed().as_secs_f64()
        ));
        if let Some(b) = &bar {
            b.set_message(format!(
                "loss {:.3} train acc {:.3} val agreement {agree:.3} ({} samples)",
                fit.loss,
                fit.accuracy,
                samples.len()
            ));
            b.inc(1);
        }
    }
    if let Some(b) = bar {
        b.finish();
    }
    write_table(&req.out_dir, "stark", STARK_LOG_HEADER, &rows)?;
    Ok(StarkOutcome {
        best,
        best_agreement,
        final_loss,
        seconds: t0.elapsed().as_secs_f64(),
    })
}
