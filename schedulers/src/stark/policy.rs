//! The trained STARK student as a scheduler, and its checkpoint on disk.
//!
//! A checkpoint is `stark.best.mpk` (the burn record of [`StarkNet`], named MessagePack, full
//! precision) plus `stark.best.json` ([`StarkMeta`]), both written atomically.

use std::fs;
use std::path::Path;

use burn::backend::ndarray::NdArrayDevice;
use burn::module::Module;
use burn::record::{FullPrecisionSettings, NamedMpkBytesRecorder, Recorder};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::learned::checkpoint::{sidecar_path, write_atomic, CheckpointError};
use crate::observation::{StepContext, Topology};
use crate::registry::SchedulerError;
use crate::rl::ppo::InnerBackend;
use crate::scheduler::{Decision, Scheduler};

use super::model::{StarkNet, StarkSpec, TokenBatch};
use super::tokens::{DecisionTokens, TokenBuilder};

/// Layout version of STARK checkpoints.
pub const STARK_FORMAT: u32 = 1;
/// Name and version of STARK's token layout, stored in checkpoints.
pub const STARK_FEATURE_SET: &str = "stark-tokens-5-12/v1";

/// The JSON sidecar of a STARK checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StarkMeta {
    /// Layout version ([`STARK_FORMAT`]).
    pub format: u32,
    /// Always `stark`.
    pub scheduler: String,
    /// Fingerprint of the dataset it was trained on.
    pub dataset_fingerprint: String,
    /// Number of servers of that dataset.
    pub server_count: usize,
    /// Token layout ([`STARK_FEATURE_SET`]).
    pub feature_set: String,
    /// Training seed.
    pub seed: u64,
    /// Planned epochs.
    pub epochs: usize,
    /// Epochs completed when written.
    pub epochs_completed: usize,
    /// Agreement with the expert on the validation decisions when written.
    pub validation_agreement: f64,
    /// Network shape.
    pub spec: StarkSpec,
    /// Scenario trained in.
    pub scenario: Option<String>,
}

/// Save `net` at `path` with `meta` in the sidecar.
pub fn write_stark_checkpoint(
    path: &Path,
    net: StarkNet<InnerBackend>,
    meta: &StarkMeta,
) -> Result<(), CheckpointError> {
    let bytes = NamedMpkBytesRecorder::<FullPrecisionSettings>::default()
        .record(net.into_record(), ())
        .map_err(|e| CheckpointError::Record {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    write_atomic(path, &bytes)?;
    let sidecar = sidecar_path(path);
    let json = serde_json::to_vec_pretty(meta).map_err(|e| CheckpointError::Meta {
        path: sidecar.clone(),
        message: e.to_string(),
    })?;
    write_atomic(&sidecar, &json)
}

/// Read a STARK checkpoint's sidecar and network.
pub fn read_stark_checkpoint(
    path: &Path,
) -> Result<(StarkMeta, StarkNet<InnerBackend>), CheckpointError> {
    let sidecar = sidecar_path(path);
    let raw = fs::read(&sidecar).map_err(|source| CheckpointError::Io {
        path: sidecar.clone(),
        source,
    })?;
    let meta: StarkMeta = serde_json::from_slice(&raw).map_err(|e| CheckpointError::Meta {
        path: sidecar.clone(),
        message: e.to_string(),
    })?;
    if meta.format != STARK_FORMAT {
        return Err(CheckpointError::Meta {
            path: sidecar,
            message: format!("format {} (this build reads {STARK_FORMAT})", meta.format),
        });
    }
    let bytes = fs::read(path).map_err(|source| CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let device = NdArrayDevice::Cpu;
    let record = NamedMpkBytesRecorder::<FullPrecisionSettings>::default()
        .load(bytes, &device)
        .map_err(|e| CheckpointError::Record {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    // The skeleton's initial weights are overwritten by the record.
    let skeleton: StarkNet<InnerBackend> =
        meta.spec.init(&mut ChaCha8Rng::seed_from_u64(0), &device);
    Ok((meta, skeleton.load_record(record)))
}

/// A trained STARK student: the candidate whose token scores highest.
#[derive(Debug, Clone)]
pub struct StarkPolicy {
    tokens: TokenBuilder,
    net: StarkNet<InnerBackend>,
    scratch: DecisionTokens,
    batch: TokenBatch,
}

impl StarkPolicy {
    /// A policy from a network of shape `spec`.
    pub fn new(topology: &Topology, spec: &StarkSpec, net: StarkNet<InnerBackend>) -> Self {
        StarkPolicy {
            tokens: TokenBuilder::new(topology, spec.shortlist),
            net,
            scratch: DecisionTokens::default(),
            batch: TokenBatch::default(),
        }
    }

    /// Load the checkpoint at `path` and check that it fits this dataset; every failure names
    /// the `simrun train` command that makes a fitting checkpoint.
    pub fn from_checkpoint(
        path: &Path,
        topology: &Topology,
        dataset_fingerprint: &str,
        scenario: &str,
    ) -> Result<Self, SchedulerError> {
        let fail = |what: String| {
            SchedulerError::Other(format!(
                "stark: {what}; run `simrun train {scenario} --scheduler stark`"
            ))
        };
        if !path.exists() {
            return Err(fail(format!("no checkpoint at {}", path.display())));
        }
        let (meta, net) = read_stark_checkpoint(path).map_err(|e| fail(e.to_string()))?;
        if meta.scheduler != "stark" || meta.feature_set != STARK_FEATURE_SET {
            return Err(fail(format!(
                "{} holds a `{}` model with features `{}`, not `stark` with `{STARK_FEATURE_SET}`",
                path.display(),
                meta.scheduler,
                meta.feature_set
            )));
        }
        if meta.dataset_fingerprint != dataset_fingerprint
            || meta.server_count != topology.server_count()
        {
            return Err(fail(format!(
                "checkpoint {} was trained on dataset {} ({} servers) but this run's dataset is \
                 {} ({} servers)",
                path.display(),
                meta.dataset_fingerprint,
                meta.server_count,
                dataset_fingerprint,
                topology.server_count()
            )));
        }
        Ok(StarkPolicy::new(topology, &meta.spec, net))
    }

    /// The student's scores of the short-listed candidates of `ctx`, with their candidate
    /// indices.
    pub fn scores(&mut self, ctx: &StepContext<'_>) -> (Vec<usize>, Vec<f32>) {
        self.tokens.build(ctx, &mut self.scratch);
        let k = self.tokens.shortlist();
        self.batch.rows = 1;
        self.batch.task.clone_from(&self.scratch.task);
        self.batch.servers.clone_from(&self.scratch.servers);
        self.batch.valid.clear();
        self.batch
            .valid
            .extend((0..k).map(|i| if i < self.scratch.len() { 1.0 } else { 0.0 }));
        let logits = self.net.forward(&self.batch, &NdArrayDevice::Cpu);
        let logits: Vec<f32> = logits.into_data().iter::<f32>().collect();
        (
            self.scratch.candidates.clone(),
            logits[..self.scratch.len()].to_vec(),
        )
    }
}

impl Scheduler for StarkPolicy {
    fn name(&self) -> &str {
        "stark"
    }

    fn decide(&mut self, ctx: &StepContext<'_>) -> Decision {
        if ctx.candidates.len() == 1 {
            return Decision::pick(0);
        }
        let (candidates, scores) = self.scores(ctx);
        let mut best = 0;
        for (i, s) in scores.iter().enumerate() {
            if *s > scores[best] {
                best = i;
            }
        }
        Decision::pick(candidates[best])
    }
}
