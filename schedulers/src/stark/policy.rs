//! The trained STARK student as a scheduler, and its checkpoint on disk.
//!
//! A checkpoint is `stark.best.mpk` (the burn record of [`StarkNet`], named MessagePack, full
//! precision) plus `stark.best.json` ([`StarkMeta`]), both written atomically.

use std::path::Path;

use burn::backend::ndarray::NdArrayDevice;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::learned::checkpoint::{
    load_module, read_sidecar, sidecar_path, write_module, CheckpointError,
};
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
    write_module(path, net, meta)
}

/// Read a STARK checkpoint's sidecar and network; a sidecar whose format or network shape this
/// build cannot use is an error.
pub fn read_stark_checkpoint(
    path: &Path,
) -> Result<(StarkMeta, StarkNet<InnerBackend>), CheckpointError> {
    let meta: StarkMeta = read_sidecar(path)?;
    let bad = |message: String| CheckpointError::Meta {
        path: sidecar_path(path),
        message,
    };
    if meta.format != STARK_FORMAT {
        return Err(bad(format!(
            "format {} (this build reads {STARK_FORMAT})",
            meta.format
        )));
    }
    let spec = &meta.spec;
    if spec.heads == 0 || !spec.d_model.is_multiple_of(spec.heads) || spec.shortlist == 0 {
        return Err(bad(format!(
            "impossible network shape (d_model {}, heads {}, shortlist {})",
            spec.d_model, spec.heads, spec.shortlist
        )));
    }
    // The skeleton's initial weights are overwritten by the record.
    let skeleton = spec.init(&mut ChaCha8Rng::seed_from_u64(0), &NdArrayDevice::Cpu);
    let net = load_module(path, skeleton)?;
    Ok((meta, net))
}

/// A trained STARK student: the candidate whose token scores highest.
#[derive(Debug, Clone)]
pub struct StarkPolicy {
    tokens: TokenBuilder,
    net: StarkNet<InnerBackend>,
    scratch: DecisionTokens,
}

impl StarkPolicy {
    /// A policy from a network of shape `spec`.
    pub fn new(topology: &Topology, spec: &StarkSpec, net: StarkNet<InnerBackend>) -> Self {
        StarkPolicy {
            tokens: TokenBuilder::new(topology, spec.shortlist),
            net,
            scratch: DecisionTokens::default(),
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
        let batch = TokenBatch {
            rows: 1,
            task: &self.scratch.task,
            servers: &self.scratch.servers,
            valid: &self.scratch.valid,
        };
        let logits = self.net.forward(batch, &NdArrayDevice::Cpu);
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
