//! The [`Scheduler`] trait and the values that flow through it.

use crate::observation::{ServerIdx, StationIdx, StepContext};
use crate::truth::GroundTruth;

/// A placement decision: which of the step's candidates runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Index into [`StepContext::candidates`].
    pub candidate: usize,
}

impl Decision {
    /// Choose the candidate at `index`.
    pub fn pick(index: usize) -> Self {
        Decision { candidate: index }
    }
}

/// What happened to a step once it finished; given to [`Scheduler::observe`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepOutcome {
    /// Workflow identifier, as in [`StepContext::workflow`].
    pub workflow: u64,
    /// Step index within the workflow.
    pub step: u32,
    /// Number of steps of the workflow.
    pub n_steps: u32,
    /// Server that ran the step.
    pub server: ServerIdx,
    /// Station that ran the step.
    pub station: StationIdx,
    /// Message delay from the origin to the server, ms (retransmissions included).
    pub network_ms: f64,
    /// Time spent waiting in the station's queue, ms.
    pub queue_ms: f64,
    /// Service time, ms.
    pub compute_ms: f64,
    /// Step latency = network + queue + compute, ms.
    pub latency_ms: f64,
    /// Money cost of the step.
    pub cost: f64,
    /// Whether the step switched region relative to the previous step.
    pub region_switch: bool,
    /// Latency reward component r_L = -4 clip(latency / 5000, 0, 1).
    pub r_latency: f64,
    /// Cost reward component r_C.
    pub r_cost: f64,
    /// Region-switch reward component r_S.
    pub r_switch: f64,
    /// Whether this was the workflow's last step.
    pub done: bool,
}

/// A scheduler: places each ready workflow step on one of its candidates.
///
/// The engine calls [`decide`](Scheduler::decide) when a step is ready and
/// [`observe`](Scheduler::observe) when it has finished. Between the two, other workflows' steps
/// may be decided (open workloads interleave them). A scheduler must be deterministic given its
/// construction seed: all randomness comes from the RNG it was built with.
pub trait Scheduler {
    /// The registry name of this scheduler (for traces and tables).
    fn name(&self) -> &str;

    /// Choose a candidate for the ready step. `ctx.candidates` is never empty and the returned
    /// index must be within it.
    fn decide(&mut self, ctx: &StepContext<'_>) -> Decision;

    /// Choose a candidate with access to ground truth. Called instead of
    /// [`decide`](Scheduler::decide) only for schedulers whose [`privileged`](Scheduler::privileged)
    /// is true; the default ignores the truth.
    fn decide_privileged(&mut self, ctx: &StepContext<'_>, _truth: &dyn GroundTruth) -> Decision {
        self.decide(ctx)
    }

    /// Learn the outcome of a step this scheduler placed. The default ignores it.
    fn observe(&mut self, _outcome: &StepOutcome) {}

    /// Called before each episode of an episodic workload (queues and telemetry are reset).
    fn begin_episode(&mut self) {}

    /// Whether the scheduler reads ground truth that a real scheduler cannot know. Privileged
    /// schedulers are labelled in every table.
    fn privileged(&self) -> bool {
        false
    }
}
