//! The evaluation scheduler of a trained model: masked argmax of the actor's logits.
//!
//! No guidance term, no hand-written score: the action is the candidate server with the
//! highest logit of the trained policy, the observation built exactly as in training, with the
//! DWA weights the model was last trained under in state dims 4–6.

use std::path::Path;

use crate::observation::{StepContext, Topology};
use crate::registry::SchedulerError;
use crate::rl::fast::{FastMlp, Scratch};
use crate::scheduler::{Decision, Scheduler};

use super::checkpoint::{read_meta, read_networks, CheckpointError};
use super::features::FeatureBuilder;
use super::LearnedKind;

/// A trained STAR-PPO or PPO policy acting greedily.
#[derive(Debug, Clone)]
pub struct LearnedPolicy {
    kind: LearnedKind,
    features: FeatureBuilder,
    actor: FastMlp,
    weights: [f64; 3],
    obs: Vec<f32>,
    logits: Vec<f32>,
    scratch: Scratch,
}

/// Index of the candidate whose server has the highest logit (ties to the first candidate).
pub(crate) fn argmax_candidate(ctx: &StepContext<'_>, logits: &[f32]) -> usize {
    let mut best = 0;
    let mut best_logit = f32::NEG_INFINITY;
    for (i, c) in ctx.candidates.iter().enumerate() {
        if let Some(&l) = logits.get(c.server as usize) {
            if l > best_logit {
                best = i;
                best_logit = l;
            }
        }
    }
    best
}

fn retrain_hint(scenario: &str, kind: LearnedKind) -> String {
    format!("run `simrun train {scenario} --scheduler {}`", kind.name())
}

impl LearnedPolicy {
    /// A policy from exported actor weights, acting under DWA weights `weights`.
    pub fn new(kind: LearnedKind, topology: &Topology, actor: FastMlp, weights: [f64; 3]) -> Self {
        LearnedPolicy::from_parts(kind, FeatureBuilder::new(kind, topology), actor, weights)
    }

    /// A policy from an already built feature builder (the trainer's).
    pub(crate) fn from_parts(
        kind: LearnedKind,
        features: FeatureBuilder,
        actor: FastMlp,
        weights: [f64; 3],
    ) -> Self {
        assert_eq!(actor.input(), features.obs_dim(), "actor input width");
        assert_eq!(
            actor.output(),
            features.server_count(),
            "one logit per server"
        );
        LearnedPolicy {
            kind,
            features,
            actor,
            weights,
            obs: Vec::new(),
            logits: Vec::new(),
            scratch: Scratch::default(),
        }
    }

    /// Load the checkpoint at `path` and check that it fits this run: same scheduler, same
    /// dataset fingerprint, same server count. Every failure is a [`SchedulerError::Other`]
    /// naming the `simrun train` command that makes a fitting checkpoint.
    pub fn from_checkpoint(
        kind: LearnedKind,
        path: &Path,
        topology: &Topology,
        dataset_fingerprint: &str,
        scenario: &str,
    ) -> Result<Self, SchedulerError> {
        let hint = retrain_hint(scenario, kind);
        let fail = |what: String| SchedulerError::Other(format!("{}: {what}; {hint}", kind.name()));
        if !path.exists() {
            return Err(fail(format!("no checkpoint at {}", path.display())));
        }
        let meta = read_meta(path).map_err(|e: CheckpointError| fail(e.to_string()))?;
        if meta.scheduler != kind.name() || meta.feature_set != kind.feature_set() {
            return Err(fail(format!(
                "{} holds a `{}` model with features `{}`, not `{}` with `{}`",
                path.display(),
                meta.scheduler,
                meta.feature_set,
                kind.name(),
                kind.feature_set()
            )));
        }
        if meta.dataset_fingerprint != dataset_fingerprint {
            return Err(fail(format!(
                "checkpoint {} was trained on dataset {} but this run's dataset is {}",
                path.display(),
                meta.dataset_fingerprint,
                dataset_fingerprint
            )));
        }
        if meta.server_count != topology.server_count() {
            return Err(fail(format!(
                "checkpoint {} was trained on {} servers but the topology has {}",
                path.display(),
                meta.server_count,
                topology.server_count()
            )));
        }
        let (actor_spec, critic_spec) = kind.networks(topology.server_count());
        if meta.actor != actor_spec || meta.critic != critic_spec {
            return Err(fail(format!(
                "checkpoint {} has a different network shape",
                path.display()
            )));
        }
        let nets = read_networks(path, &meta).map_err(|e| fail(e.to_string()))?;
        Ok(LearnedPolicy::new(
            kind,
            topology,
            FastMlp::from_burn(&nets.actor),
            meta.eval_weights,
        ))
    }

    /// The DWA weights placed in the state.
    pub fn weights(&self) -> [f64; 3] {
        self.weights
    }

    /// The actor's logits (one per server, file order) for `ctx`.
    pub fn logits(&mut self, ctx: &StepContext<'_>) -> &[f32] {
        self.features.build(ctx, self.weights, &mut self.obs);
        self.actor
            .forward(&self.obs, &mut self.scratch, &mut self.logits);
        &self.logits
    }
}

impl Scheduler for LearnedPolicy {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn decide(&mut self, ctx: &StepContext<'_>) -> Decision {
        self.logits(ctx);
        Decision::pick(argmax_candidate(ctx, &self.logits))
    }
}
