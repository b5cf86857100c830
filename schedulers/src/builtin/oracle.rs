//! `oracle`: a privileged bound. It reads the engine's ground truth (trap list, the network
//! model's expected delays, true service times and queues) and picks the candidate with the
//! best expected step reward 0.45 r_L + 0.40 r_C, i.e. the lowest expected latency-plus-cost.

use crate::observation::StepContext;
use crate::params::Params;
use crate::registry::{BuildContext, SchedulerEntry, SchedulerError};
use crate::scheduler::{Decision, Scheduler};
use crate::truth::{expected_step_latency_ms, GroundTruth};

/// Best expected latency-plus-cost from ground truth.
#[derive(Debug, Clone)]
pub struct Oracle {
    latency_weight: f64,
    cost_weight: f64,
}

impl Oracle {
    /// Expected penalty (negated expected reward) of running the step on candidate `i`.
    fn penalty(&self, ctx: &StepContext<'_>, truth: &dyn GroundTruth, i: usize) -> f64 {
        let c = &ctx.candidates[i];
        let latency = expected_step_latency_ms(truth, ctx, c);
        let cost = ctx.step_cost(c);
        let r_l = (latency / 5000.0).clamp(0.0, 1.0);
        let r_c = ((cost - 0.00045) / (0.15 - 0.00045)).clamp(0.0, 1.0);
        // Beyond the reward's clip, keep ordering by latency so saturated choices still differ.
        self.latency_weight * (r_l + latency * 1e-9) + self.cost_weight * r_c
    }
}

impl Scheduler for Oracle {
    fn name(&self) -> &str {
        "oracle"
    }

    /// Without ground truth (a host that does not provide it) the oracle degrades to the
    /// observed-latency estimate of `greedy`.
    fn decide(&mut self, ctx: &StepContext<'_>) -> Decision {
        let est = |i: usize| super::estimate_latency_ms(ctx, &ctx.candidates[i]);
        let best = (0..ctx.candidates.len())
            .min_by(|&a, &b| est(a).total_cmp(&est(b)))
            .unwrap_or(0);
        Decision::pick(best)
    }

    fn decide_privileged(&mut self, ctx: &StepContext<'_>, truth: &dyn GroundTruth) -> Decision {
        let mut best = 0;
        let mut best_p = f64::INFINITY;
        for i in 0..ctx.candidates.len() {
            let p = self.penalty(ctx, truth, i);
            if p < best_p {
                best = i;
                best_p = p;
            }
        }
        Decision::pick(best)
    }

    fn privileged(&self) -> bool {
        true
    }
}

pub(super) fn entry() -> SchedulerEntry {
    SchedulerEntry {
        name: "oracle",
        description:
            "ground-truth bound: best expected 0.45 r_L + 0.40 r_C (trap list, true queues)",
        params: &[
            (
                "latency_weight",
                "weight of the latency reward (default 0.45)",
            ),
            ("cost_weight", "weight of the cost reward (default 0.40)"),
        ],
        privileged: true,
        build,
    }
}

fn build(_: &BuildContext<'_>, p: &Params) -> Result<Box<dyn Scheduler>, SchedulerError> {
    Ok(Box::new(Oracle {
        latency_weight: p.get_f64("latency_weight", 0.45)?,
        cost_weight: p.get_f64("cost_weight", 0.40)?,
    }))
}
