//! The learned schedulers `star-ppo`, `ppo` and `pf-ppo`: features, training, checkpoints and the
//! registry entries that load a trained policy.
//!
//! - [`features`]: observation vectors from observable data only;
//! - [`trainer`]: [`Trainer`], a [`crate::Scheduler`] that samples and learns, driven epoch by
//!   epoch by `simrun train`;
//! - [`policy`]: [`LearnedPolicy`], the evaluation scheduler (masked argmax);
//! - [`checkpoint`]: the burn record plus JSON sidecar on disk.
//!
//! The action is a server index in file order (`0..N`); only the servers among the step's
//! candidates are allowed, in training and in evaluation, and the chosen server is mapped back
//! to its candidate index.

pub mod checkpoint;
pub mod features;
pub mod policy;
pub mod trainer;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::params::Params;
use crate::registry::{default_checkpoint, BuildContext, SchedulerEntry, SchedulerError};
use crate::rl::net::{Activation, MlpSpec};
use crate::scheduler::Scheduler;

pub use checkpoint::{CheckpointError, CheckpointMeta};
pub use policy::LearnedPolicy;
pub use trainer::{EpochStats, TrainConfig, Trainer};

/// Which learned scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LearnedKind {
    /// STAR-PPO: 10-dim state plus per-server resource weights, SE-gated actor, guided sampling.
    StarPpo,
    /// Standard PPO: 7-dim state, tanh actor and critic.
    Ppo,
    /// PF-PPO: 7-dim state plus cost-and-compute resource weights, tanh networks, guided sampling.
    PfPpo,
}

impl LearnedKind {
    /// Every kind.
    pub const ALL: [LearnedKind; 3] = [LearnedKind::StarPpo, LearnedKind::Ppo, LearnedKind::PfPpo];

    /// Registry name.
    pub fn name(self) -> &'static str {
        match self {
            LearnedKind::StarPpo => "star-ppo",
            LearnedKind::Ppo => "ppo",
            LearnedKind::PfPpo => "pf-ppo",
        }
    }

    /// The kind registered as `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        LearnedKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Name and version of the observation layout, stored in checkpoints.
    pub fn feature_set(self) -> &'static str {
        match self {
            LearnedKind::StarPpo => "star-ppo-state10-u/v1",
            LearnedKind::Ppo => "ppo-state7/v1",
            LearnedKind::PfPpo => "pf-ppo-state7-u/v1",
        }
    }

    /// Base learning rate of the reference (3e-4 STAR-PPO, 1e-4 PPO).
    pub fn default_lr(self) -> f64 {
        match self {
            LearnedKind::StarPpo | LearnedKind::PfPpo => 3e-4,
            LearnedKind::Ppo => 1e-4,
        }
    }

    /// Actor and critic shapes for `servers` servers.
    pub fn networks(self, servers: usize) -> (MlpSpec, MlpSpec) {
        match self {
            LearnedKind::StarPpo => {
                let input = features::STAR_STATE_DIM + servers;
                (
                    MlpSpec::se_actor(input, servers),
                    MlpSpec::mlp(input, 1, Activation::Relu),
                )
            }
            LearnedKind::Ppo => {
                let input = features::PPO_STATE_DIM;
                (
                    MlpSpec::mlp(input, servers, Activation::Tanh),
                    MlpSpec::mlp(input, 1, Activation::Tanh),
                )
            }
            LearnedKind::PfPpo => {
                let input = features::PPO_STATE_DIM + servers;
                (
                    MlpSpec::mlp(input, servers, Activation::Tanh),
                    MlpSpec::mlp(input, 1, Activation::Tanh),
                )
            }
        }
    }
}

/// Registry entries of the learned schedulers.
pub fn entries() -> Vec<SchedulerEntry> {
    const PARAMS: &[(&str, &str)] = &[(
        "checkpoint",
        "path of the trained model (default: <checkpoint dir>/<name>.best.mpk)",
    )];
    vec![
        SchedulerEntry {
            name: "star-ppo",
            description: "trained STAR-PPO policy (SE-gated actor over state + resource weights), masked argmax",
            params: PARAMS,
            privileged: false,
            build: build_star_ppo,
        },
        SchedulerEntry {
            name: "ppo",
            description: "trained standard PPO policy (tanh MLP over the 7-dim state), masked argmax",
            params: PARAMS,
            privileged: false,
            build: build_ppo,
        },
        SchedulerEntry {
            name: "pf-ppo",
            description: "trained PF-PPO policy (tanh MLP over state + cost/compute resource weights), masked argmax",
            params: PARAMS,
            privileged: false,
            build: build_pf_ppo,
        },
    ]
}

fn build_star_ppo(
    ctx: &BuildContext<'_>,
    p: &Params,
) -> Result<Box<dyn Scheduler>, SchedulerError> {
    build(LearnedKind::StarPpo, ctx, p)
}

fn build_ppo(ctx: &BuildContext<'_>, p: &Params) -> Result<Box<dyn Scheduler>, SchedulerError> {
    build(LearnedKind::Ppo, ctx, p)
}

fn build_pf_ppo(ctx: &BuildContext<'_>, p: &Params) -> Result<Box<dyn Scheduler>, SchedulerError> {
    build(LearnedKind::PfPpo, ctx, p)
}

fn build(
    kind: LearnedKind,
    ctx: &BuildContext<'_>,
    p: &Params,
) -> Result<Box<dyn Scheduler>, SchedulerError> {
    let path = match p.get_str("checkpoint") {
        Some(path) => PathBuf::from(path),
        None => default_checkpoint(ctx, kind.name()).ok_or_else(|| {
            SchedulerError::Other(format!(
                "{name}: no checkpoint given (checkpoint=PATH) and scenario `{scenario}` has no \
                 checkpoint directory; run `simrun train {scenario} --scheduler {name}`",
                name = kind.name(),
                scenario = ctx.scenario
            ))
        })?,
    };
    let policy = LearnedPolicy::from_checkpoint(
        kind,
        &path,
        ctx.topology,
        ctx.dataset_fingerprint,
        ctx.scenario,
    )?;
    Ok(Box::new(policy))
}
