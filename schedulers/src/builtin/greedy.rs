//! `greedy`: the candidate with the lowest latency estimated from what a scheduler observes:
//! propagation over the distance, the link table's base latency and bandwidth for a listed
//! hop, the station's expected queue wait, and the compute time on the server. Where steps
//! have already finished on a server, its observed latency average is a floor on the estimate
//! (so a server that turned out slow is avoided until its average recovers).

use crate::observation::{Candidate, StepContext};
use crate::params::Params;
use crate::registry::{BuildContext, SchedulerEntry, SchedulerError};
use crate::scheduler::{Decision, Scheduler};

/// Lowest estimated latency; ties to the first candidate.
#[derive(Debug, Clone)]
pub struct Greedy {
    ms_per_km: f64,
    unlisted_latency_ms: f64,
    unlisted_bandwidth_mbps: f64,
    use_observed: bool,
}

impl Default for Greedy {
    fn default() -> Self {
        Greedy {
            ms_per_km: 0.005,
            unlisted_latency_ms: 5.0,
            unlisted_bandwidth_mbps: 100.0,
            use_observed: true,
        }
    }
}

/// Estimated step latency (ms) of running the step of `ctx` on `cand`, using only observable
/// data: distance, the topology's link table, the station's queue and the server's compute.
pub fn estimate_latency_ms(ctx: &StepContext<'_>, cand: &Candidate) -> f64 {
    Greedy::default().estimate(ctx, cand, ctx.origin().lat.to_radians().cos())
}

impl Greedy {
    fn estimate(&self, ctx: &StepContext<'_>, cand: &Candidate, cos_lat: f64) -> f64 {
        let topo = ctx.topology;
        let server = topo.server(cand.server);
        let origin = ctx.origin();
        let d = origin.approx_distance_km(server.pos, cos_lat);
        let bits = ctx.tokens as f64 * topo.bytes_per_token * 8.0;
        let (base, bw) = ctx
            .prev_server
            .and_then(|p| topo.link(p, cand.server))
            .unwrap_or((self.unlisted_latency_ms, self.unlisted_bandwidth_mbps));
        let network = base + d * self.ms_per_km + bits / (bw.max(1e-3) * 1e3);
        let wait = ctx.telemetry.stations[cand.station as usize].expected_wait_ms(ctx.now_ms);
        let estimate = network + wait + ctx.compute_ms(cand);
        match ctx.telemetry.latency_observed_ms(cand.server) {
            Some(observed) if self.use_observed => estimate.max(observed),
            _ => estimate,
        }
    }
}

impl Scheduler for Greedy {
    fn name(&self) -> &str {
        "greedy"
    }

    fn decide(&mut self, ctx: &StepContext<'_>) -> Decision {
        let cos_lat = ctx.origin().lat.to_radians().cos();
        let mut best = 0;
        let mut best_est = f64::INFINITY;
        for (i, c) in ctx.candidates.iter().enumerate() {
            let est = self.estimate(ctx, c, cos_lat);
            if est < best_est {
                best = i;
                best_est = est;
            }
        }
        Decision::pick(best)
    }
}

pub(super) fn entry() -> SchedulerEntry {
    SchedulerEntry {
        name: "greedy",
        description:
            "lowest estimated latency from observed data (distance, link table, queue, compute)",
        params: &[
            (
                "ms_per_km",
                "propagation estimate in ms per km (default 0.005)",
            ),
            (
                "unlisted_latency_ms",
                "base latency assumed for a hop not in the link table (default 5)",
            ),
            (
                "unlisted_bandwidth_mbps",
                "bandwidth assumed for such a hop (default 100)",
            ),
            (
                "observed",
                "use observed latency averages as a floor (default true)",
            ),
        ],
        privileged: false,
        build,
    }
}

fn build(_: &BuildContext<'_>, p: &Params) -> Result<Box<dyn Scheduler>, SchedulerError> {
    let d = Greedy::default();
    Ok(Box::new(Greedy {
        ms_per_km: p.get_f64("ms_per_km", d.ms_per_km)?,
        unlisted_latency_ms: p.get_f64("unlisted_latency_ms", d.unlisted_latency_ms)?,
        unlisted_bandwidth_mbps: p.get_f64("unlisted_bandwidth_mbps", d.unlisted_bandwidth_mbps)?,
        use_observed: p.get_or("observed", d.use_observed)?,
    }))
}
