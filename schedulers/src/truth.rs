//! Ground truth for privileged schedulers.
//!
//! A real scheduler never sees this: which servers are traps, the network model's expected
//! delays and the true queue state. Only schedulers whose [`crate::Scheduler::privileged`]
//! returns true are given it (through [`crate::Scheduler::decide_privileged`]), and every table
//! labels them, so a privileged result reads as a bound, not as a competitor.

use crate::observation::{Candidate, ServerIdx, StationIdx, StepContext};

/// What the engine knows and a real scheduler does not.
pub trait GroundTruth {
    /// Whether server `s` is a trap.
    fn is_trap(&self, s: ServerIdx) -> bool;
    /// Expected message delay in ms from `from` (None: the step's user) to `to` for `tokens`,
    /// under the run's network model (expectation over its random draws).
    fn expected_network_ms(&self, from: Option<ServerIdx>, to: ServerIdx, tokens: u32) -> f64;
    /// Exact service time in ms of `tokens` on server `s`.
    fn service_ms(&self, s: ServerIdx, tokens: u32) -> f64;
    /// Wait in ms a job arriving at `station` at `at_ms` would see, given the jobs there now
    /// (in service and queued; jobs still in flight are not counted).
    fn wait_ms(&self, station: StationIdx, at_ms: f64) -> f64;
}

/// Expected latency in ms of the step of `ctx` on `cand`: the expected message delay, the wait
/// the job would see when it arrives, and the service time.
pub fn expected_step_latency_ms(
    truth: &dyn GroundTruth,
    ctx: &StepContext<'_>,
    cand: &Candidate,
) -> f64 {
    let net = truth.expected_network_ms(ctx.prev_server, cand.server, ctx.tokens);
    net + truth.wait_ms(cand.station, ctx.now_ms + net) + truth.service_ms(cand.server, ctx.tokens)
}
