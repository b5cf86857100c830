//! `greedy-compute`: the published Greedy rule — the candidate whose server has the highest
//! NormalizedCompute, ties to the first met. State-independent, so it is cached per model type
//! when the candidate list is the full static list.

use std::collections::HashMap;

use crate::observation::{ModelTypeId, StepContext};
use crate::params::Params;
use crate::registry::{BuildContext, SchedulerEntry, SchedulerError};
use crate::scheduler::{Decision, Scheduler};

/// Highest NormalizedCompute wins; ties keep the first candidate (lowest instance index).
#[derive(Debug, Default)]
pub struct GreedyCompute {
    cache: HashMap<ModelTypeId, usize>,
}

impl GreedyCompute {
    fn scan(ctx: &StepContext<'_>) -> usize {
        let mut best = 0;
        let mut best_key = (f64::NEG_INFINITY, u32::MAX);
        for (i, c) in ctx.candidates.iter().enumerate() {
            let compute = ctx.topology.server(c.server).compute;
            // Strictly larger compute wins; among equals the lowest first-instance index, which
            // is the first one met in instance-file order.
            if compute > best_key.0 || (compute == best_key.0 && c.first_instance < best_key.1) {
                best = i;
                best_key = (compute, c.first_instance);
            }
        }
        best
    }
}

impl Scheduler for GreedyCompute {
    fn name(&self) -> &str {
        "greedy-compute"
    }

    fn decide(&mut self, ctx: &StepContext<'_>) -> Decision {
        if ctx.candidates_are_all {
            let i = *self
                .cache
                .entry(ctx.model_type)
                .or_insert_with(|| Self::scan(ctx));
            Decision::pick(i)
        } else {
            Decision::pick(Self::scan(ctx))
        }
    }
}

pub(super) fn entry() -> SchedulerEntry {
    SchedulerEntry {
        name: "greedy-compute",
        description: "the published Greedy: the candidate with the highest server compute",
        params: &[],
        privileged: false,
        build,
    }
}

fn build(_: &BuildContext<'_>, _: &Params) -> Result<Box<dyn Scheduler>, SchedulerError> {
    Ok(Box::new(GreedyCompute::default()))
}
