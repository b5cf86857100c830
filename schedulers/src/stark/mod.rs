//! `stark`: an imitation-learned transformer scheduler (reference-schedulers §4).
//!
//! - [`tokens`]: the task token and the short-listed server tokens, observable data only;
//! - [`model`]: the encoder–decoder network with one learned query and a token-scoring head;
//! - [`expert`]: the privileged teacher ("weighted best-fit") and the scheduler that records
//!   its decisions;
//! - [`learner`]: behaviour cloning with AdamW and a cosine schedule;
//! - [`policy`]: the trained student as a scheduler, and its checkpoint.
//!
//! `simrun train SCENARIO --scheduler stark` drives the epochs: the teacher runs episodes of
//! the scenario and records samples, the learner fits them, and the student's agreement with the
//! teacher on held-out train tasks selects the best checkpoint.

pub mod expert;
pub mod learner;
pub mod model;
pub mod policy;
pub mod tokens;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use expert::{expert_choice, Samples, Teacher, TeachingStats};
pub use learner::{cosine_lr, BcConfig, FitStats, StarkLearner};
pub use model::{StarkNet, StarkSpec};
pub use policy::{
    read_stark_checkpoint, write_stark_checkpoint, StarkMeta, StarkPolicy, STARK_FEATURE_SET,
    STARK_FORMAT,
};

use crate::params::Params;
use crate::registry::{default_checkpoint, BuildContext, SchedulerEntry, SchedulerError};
use crate::scheduler::Scheduler;

/// Registry entry of `stark`.
pub fn entry() -> SchedulerEntry {
    SchedulerEntry {
        name: "stark",
        description: "trained STARK transformer (behaviour-cloned from a ground-truth expert), \
                      ranks a short-list of candidates",
        params: &[(
            "checkpoint",
            "path of the trained model (default: <checkpoint dir>/stark.best.mpk)",
        )],
        privileged: false,
        build,
    }
}

fn build(ctx: &BuildContext<'_>, p: &Params) -> Result<Box<dyn Scheduler>, SchedulerError> {
    let path = match p.get_str("checkpoint") {
        Some(path) => PathBuf::from(path),
        None => default_checkpoint(ctx, "stark").ok_or_else(|| {
            SchedulerError::Other(format!(
                "stark: no checkpoint given (checkpoint=PATH) and scenario `{s}` has no \
                 checkpoint directory; run `simrun train {s} --scheduler stark`",
                s = ctx.scenario
            ))
        })?,
    };
    Ok(Box::new(StarkPolicy::from_checkpoint(
        &path,
        ctx.topology,
        ctx.dataset_fingerprint,
        ctx.scenario,
    )?))
}
