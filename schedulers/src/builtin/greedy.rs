//! `greedy`: the candidate with the lowest latency estimated from what a scheduler observes:
//! propagation over the distance, the link table's base latency and bandwidth for a listed
//! hop, the station's expected queue wait, and the compute time on the server.

use crate::observation::{Candidate, StepContext};
use crate::params::Params;
use crate::registry::{BuildContext, SchedulerEntry, SchedulerError};
use crate::scheduler::{Decision, Scheduler};

const EARTH_RADIUS_KM: f64 = 6371.0;

/// Lowest estimated latency; ties to the first candidate.
#[derive(Debug, Clone)]
pub struct Greedy {
    ms_per_km: f64,
    unlisted_latency_ms: f64,
    unlisted_bandwidth_mbps: f64,
}

impl Default for Greedy {
    fn default() -> Self {
        Greedy { ms_per_km: 0.005, unlisted_latency_ms: 5.0, unlisted_bandwidth_mbps: 100.0 }
    }
}

/// Equirectangular distance in km, accurate to well under 1 % at country scale and far cheaper
/// than the haversine formula.
fn approx_distance_km(lon1: f64, lat1: f64, lon2: f64, lat2: f64, cos_lat: f64) -> f64 {
    let dx = (lon2 - lon1).to_radians() * cos_lat;
    let dy = (lat2 - lat1).to_radians();
    EARTH_RADIUS_KM * (dx * dx + dy * dy).sqrt()
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
        let d = approx_distance_km(origin.lon, origin.lat, server.pos.lon, server.pos.lat, cos_lat);
        let bits = ctx.tokens as f64 * topo.bytes_per_token * 8.0;
        let (base, bw) = ctx
            .prev_server
            .and_then(|p| topo.link(p, cand.server))
            .unwrap_or((self.unlisted_latency_ms, self.unlisted_bandwidth_mbps));
        let network = base + d * self.ms_per_km + bits / (bw.max(1e-3) * 1e3);
        let wait = ctx.telemetry.stations[cand.station as usize].expected_wait_ms(ctx.now_ms);
        let compute =
            ctx.tokens as f64 / (server.compute.max(1e-6) * topo.base_tokens_per_s) * 1000.0;
        network + wait + compute
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
        description: "lowest estimated latency from observed data (distance, link table, queue, compute)",
        params: &[
            ("ms_per_km", "propagation estimate in ms per km (default 0.005)"),
            ("unlisted_latency_ms", "base latency assumed for a hop not in the link table (default 5)"),
            ("unlisted_bandwidth_mbps", "bandwidth assumed for such a hop (default 100)"),
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
    }))
}
