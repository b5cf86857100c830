//! Observation vectors of the learned schedulers, built only from what a scheduler observes.
//!
//! STAR-PPO (`10 + N` features): the 10-dim state of the reference followed by the per-server
//! resource weights `u`. Standard PPO: the 7-dim base state only.
//!
//! State (dims 0–6 shared):
//! - 0 `step / n_steps`;
//! - 1–2 task longitude/latitude, **normalised** to `[-1, 1]` over the bounding box of the
//!   servers (the reference feeds raw degrees, which vary by a few units only);
//! - 3 the first integer in the previous server's region name (0 before the first step), as
//!   the reference does;
//! - 4–6 the current DWA weights `(w_L, w_C, w_S)`;
//! - 7 (STAR-PPO) mean queue pressure of the previous server's link-table neighbours (0 at
//!   step 0);
//! - 8 (STAR-PPO) previous server's mean outbound bandwidth / 10000, clipped to [0, 1]; 0.01 if
//!   it has no links, 1.0 at step 0;
//! - 9 (STAR-PPO) 1 if the previous server has compute > 1.5, else 0.5 if a neighbour has,
//!   else 0; 0.5 at step 0.
//!
//! PF-PPO (`7 + N` features): the 7-dim base state followed by its own resource weights
//! (reference §2): `w1 = 0.35 w_L / 0.33`, `w2 = 0.30 w_L / 0.33`, `w3 = 0.35 w_C / 0.33`
//! (floored at 0); `c_j` = the cheapest CostPerToken x price multiplier over the server's
//! stations (0.132 without any); `ca_j = 1 − clip((c_j − 0.0006) / (0.132 − 0.0006), 0, 1)`;
//! `u_j = (w1 f_j + w3 ca_j) / (1 + w2 q_j)` divided by its max. No network-quality term: PF-PPO
//! gets no link information.
//!
//! Resource weights (§1.2 of the reference): `u_j = f_j / (1 + 0.3 q_j) · (0.5 + 0.5 ca_j) ·
//! nq_j`, divided by `max u` (uniform `1/N` if the max is ≤ 1e-9), with `f` the server's
//! compute, `ca = 1 − clip(price_multiplier / 2, 0, 1)`, `q` the queue pressure — the pending
//! work of the server's stations (from telemetry) / 5000 ms, clipped to [0, 1] — and
//! `nq = exp(−mean link-table base latency / 500)` (1 without links). Nothing here reads the
//! trap list.

use crate::observation::{StepContext, Topology};

use super::LearnedKind;

/// Width of STAR-PPO's state part.
pub const STAR_STATE_DIM: usize = 10;
/// Width of standard PPO's state.
pub const PPO_STATE_DIM: usize = 7;

/// Builds observation vectors for one topology; holds the per-server constants.
#[derive(Debug, Clone)]
pub struct FeatureBuilder {
    kind: LearnedKind,
    lon: (f64, f64),
    lat: (f64, f64),
    region_number: Vec<f32>,
    static_u: Vec<f32>,
    neighbours: Vec<Vec<u32>>,
    bandwidth_feature: Vec<f32>,
    high_compute_feature: Vec<f32>,
    server_stations: Vec<Vec<u32>>,
    queue: Vec<f32>,
    pf_cost_advantage: Vec<f32>,
    compute: Vec<f32>,
}

/// The first run of digits in `name`, if any (`Server2_Trap` → 2).
fn first_integer(name: &str) -> Option<u32> {
    let start = name.find(|c: char| c.is_ascii_digit())?;
    let digits: String = name[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// `2 (x − lo) / (hi − lo) − 1`, or 0 for a degenerate range.
fn to_unit(x: f64, (lo, hi): (f64, f64)) -> f32 {
    if hi - lo > 1e-9 {
        (2.0 * (x - lo) / (hi - lo) - 1.0) as f32
    } else {
        0.0
    }
}

impl FeatureBuilder {
    /// Precompute the per-server constants of `topology`.
    pub fn new(kind: LearnedKind, topology: &Topology) -> Self {
        let servers = &topology.servers;
        let neighbours: Vec<Vec<u32>> = (0..servers.len())
            .map(|s| {
                topology
                    .links
                    .get(s)
                    .map_or_else(Vec::new, |l| l.iter().map(|x| x.0).collect())
            })
            .collect();
        let high: Vec<bool> = servers.iter().map(|s| s.compute > 1.5).collect();
        FeatureBuilder {
            kind,
            lon: min_max(servers.iter().map(|s| s.pos.lon)),
            lat: min_max(servers.iter().map(|s| s.pos.lat)),
            region_number: servers
                .iter()
                .map(|s| {
                    let name = topology
                        .regions
                        .get(s.region as usize)
                        .map_or("", String::as_str);
                    first_integer(name).unwrap_or(u32::from(s.region) + 1) as f32
                })
                .collect(),
            static_u: servers
                .iter()
                .map(|s| {
                    let ca = 1.0 - (s.price_multiplier / 2.0).clamp(0.0, 1.0);
                    let nq = s.mean_link_latency_ms.map_or(1.0, |l| (-l / 500.0).exp());
                    (s.compute * (0.5 + 0.5 * ca) * nq) as f32
                })
                .collect(),
            bandwidth_feature: servers
                .iter()
                .map(|s| {
                    (s.mean_link_bandwidth_mbps.unwrap_or(100.0) / 10_000.0).clamp(0.0, 1.0) as f32
                })
                .collect(),
            high_compute_feature: (0..servers.len())
                .map(|s| {
                    if high[s] {
                        1.0
                    } else if neighbours[s]
                        .iter()
                        .any(|&n| high.get(n as usize) == Some(&true))
                    {
                        0.5
                    } else {
                        0.0
                    }
                })
                .collect(),
            neighbours,
            server_stations: topology.server_stations.clone(),
            queue: vec![0.0; servers.len()],
            pf_cost_advantage: (0..servers.len())
                .map(|s| pf_cost_advantage(topology, s) as f32)
                .collect(),
            compute: servers.iter().map(|s| s.compute as f32).collect(),
        }
    }

    /// Which scheduler's features these are.
    pub fn kind(&self) -> LearnedKind {
        self.kind
    }

    /// Number of servers (= actions).
    pub fn server_count(&self) -> usize {
        self.static_u.len()
    }

    /// Width of the state part.
    pub fn state_dim(&self) -> usize {
        match self.kind {
            LearnedKind::StarPpo => STAR_STATE_DIM,
            LearnedKind::Ppo | LearnedKind::PfPpo => PPO_STATE_DIM,
        }
    }

    /// Width of the whole observation.
    pub fn obs_dim(&self) -> usize {
        match self.kind {
            LearnedKind::StarPpo => STAR_STATE_DIM + self.server_count(),
            LearnedKind::Ppo => PPO_STATE_DIM,
            LearnedKind::PfPpo => PPO_STATE_DIM + self.server_count(),
        }
    }

    /// The resource weights `u` inside an observation built by [`FeatureBuilder::build`]
    /// (empty for PPO).
    pub fn resource_weights<'a>(&self, obs: &'a [f32]) -> &'a [f32] {
        match self.kind {
            LearnedKind::StarPpo => &obs[STAR_STATE_DIM..],
            LearnedKind::PfPpo => &obs[PPO_STATE_DIM..],
            LearnedKind::Ppo => &[],
        }
    }

    fn update_queue(&mut self, ctx: &StepContext<'_>) {
        let stations = &ctx.telemetry.stations;
        for (q, st) in self.queue.iter_mut().zip(&self.server_stations) {
            let pending: f64 = st
                .iter()
                .filter_map(|&i| stations.get(i as usize))
                .map(|t| t.pending_work_ms(ctx.now_ms))
                .sum();
            *q = (pending / 5000.0).clamp(0.0, 1.0) as f32;
        }
    }

    /// Write the observation of `ctx` under DWA weights `weights` into `out` (cleared first).
    pub fn build(&mut self, ctx: &StepContext<'_>, weights: [f64; 3], out: &mut Vec<f32>) {
        out.clear();
        out.push(ctx.step as f32 / ctx.n_steps.max(1) as f32);
        out.push(to_unit(ctx.task_pos.lon, self.lon));
        out.push(to_unit(ctx.task_pos.lat, self.lat));
        let prev = ctx
            .prev_server
            .map(|p| p as usize)
            .filter(|&p| p < self.server_count());
        out.push(prev.map_or(0.0, |p| self.region_number[p]));
        out.extend(weights.map(|w| w as f32));
        match self.kind {
            LearnedKind::Ppo => return,
            LearnedKind::PfPpo => {
                self.update_queue(ctx);
                let start = out.len();
                let u = pf_weights(weights, &self.compute, &self.pf_cost_advantage, &self.queue);
                out.extend(u);
                normalise_by_max(&mut out[start..]);
                return;
            }
            LearnedKind::StarPpo => {}
        }
        self.update_queue(ctx);
        match prev {
            None => out.extend([0.0, 1.0, 0.5]),
            Some(p) => {
                let nb = &self.neighbours[p];
                let congestion = if nb.is_empty() {
                    0.0
                } else {
                    nb.iter()
                        .map(|&n| self.queue.get(n as usize).copied().unwrap_or(0.0))
                        .sum::<f32>()
                        / nb.len() as f32
                };
                out.extend([
                    congestion,
                    self.bandwidth_feature[p],
                    self.high_compute_feature[p],
                ]);
            }
        }
        let start = out.len();
        out.extend(
            self.static_u
                .iter()
                .zip(&self.queue)
                .map(|(s, q)| s / (1.0 + 0.3 * q)),
        );
        normalise_by_max(&mut out[start..]);
    }
}

/// Divide by the maximum, or set every entry to `1/N` when the maximum is ≤ 1e-9.
fn normalise_by_max(u: &mut [f32]) {
    let max = u.iter().copied().fold(0.0f32, f32::max);
    if max > 1e-9 {
        u.iter_mut().for_each(|v| *v /= max);
    } else {
        let uniform = 1.0 / u.len().max(1) as f32;
        u.iter_mut().for_each(|v| *v = uniform);
    }
}

/// PF-PPO's cost advantage of server `s`: `1 − clip((c − 0.0006) / (0.132 − 0.0006), 0, 1)`
/// with `c` its cheapest CostPerToken x price multiplier (0.132 if it hosts nothing).
pub fn pf_cost_advantage(topology: &Topology, s: usize) -> f64 {
    let m = topology.servers[s].price_multiplier;
    let c = topology.server_stations[s]
        .iter()
        .filter_map(|&st| topology.station_cost_per_ktoken.get(st as usize))
        .map(|cpt| cpt * m)
        .fold(f64::INFINITY, f64::min);
    let c = if c.is_finite() { c } else { 0.132 };
    1.0 - ((c - 0.0006) / (0.132 - 0.0006)).clamp(0.0, 1.0)
}

/// PF-PPO's unnormalised resource weights `(w1 f + w3 ca) / (1 + w2 q)` under DWA weights
/// `(w_L, w_C, w_S)`.
pub fn pf_weights<'a>(
    weights: [f64; 3],
    compute: &'a [f32],
    cost_advantage: &'a [f32],
    queue: &'a [f32],
) -> impl Iterator<Item = f32> + 'a {
    let w1 = (0.35 * weights[0] / 0.33).max(0.0) as f32;
    let w2 = (0.30 * weights[0] / 0.33).max(0.0) as f32;
    let w3 = (0.35 * weights[1] / 0.33).max(0.0) as f32;
    compute
        .iter()
        .zip(cost_advantage)
        .zip(queue)
        .map(move |((f, ca), q)| (w1 * f + w3 * ca) / (1.0 + w2 * q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_integer_of_region_names() {
        assert_eq!(first_integer("Server1_Trap"), Some(1));
        assert_eq!(first_integer("Server12"), Some(12));
        assert_eq!(first_integer("edge"), None);
    }

    #[test]
    fn pf_resource_weights_match_a_hand_computed_example() {
        // Weights (0.33, 0.33, 0.34) give w1 = 0.35, w2 = 0.30, w3 = 0.35.
        // Server 0: f = 1.0, c = 0.0015 x 0.4 = 0.0006 -> ca = 1, q = 0: u = 0.35 + 0.35 = 0.70.
        // Server 1: f = 0.5, c = 0.03 x 2.2 = 0.066 -> ca = 1 - 0.0654 / 0.1314 = 0.502283..,
        //           q = 0.5: u = (0.175 + 0.175799..) / 1.15 = 0.305043..
        let u: Vec<f32> = pf_weights(
            [0.33, 0.33, 0.34],
            &[1.0, 0.5],
            &[1.0, 0.502_283_1],
            &[0.0, 0.5],
        )
        .collect();
        assert!((u[0] - 0.70).abs() < 1e-6, "{u:?}");
        assert!(
            (u[1] - (0.175 + 0.35 * 0.502_283_1) / 1.15).abs() < 1e-6,
            "{u:?}"
        );
        assert!((u[1] - 0.305_043).abs() < 1e-5, "{u:?}");
        let mut n = u.clone();
        normalise_by_max(&mut n);
        assert_eq!(n[0], 1.0);
        assert!((n[1] - u[1] / 0.70).abs() < 1e-7);
    }

    #[test]
    fn pf_cost_advantage_uses_the_cheapest_station() {
        use crate::observation::{GeoPoint, ServerInfo};
        let server = |m: f64| ServerInfo {
            id: "s".into(),
            pos: GeoPoint { lon: 0.0, lat: 0.0 },
            compute: 1.0,
            price_multiplier: m,
            region: 0,
            mean_link_latency_ms: None,
            mean_link_bandwidth_mbps: None,
        };
        let topo = Topology {
            servers: vec![server(2.2), server(1.0)],
            server_stations: vec![vec![0, 1], vec![]],
            station_cost_per_ktoken: vec![0.06, 0.03],
            ..Default::default()
        };
        // Server 0: min(0.06, 0.03) x 2.2 = 0.066 -> 1 - 0.0654 / 0.1314.
        assert!((pf_cost_advantage(&topo, 0) - (1.0 - 0.0654 / 0.1314)).abs() < 1e-12);
        // Server 1 hosts nothing: c = 0.132 -> 0.
        assert_eq!(pf_cost_advantage(&topo, 1), 0.0);
    }

    #[test]
    fn unit_range() {
        assert_eq!(to_unit(5.0, (5.0, 7.0)), -1.0);
        assert_eq!(to_unit(7.0, (5.0, 7.0)), 1.0);
        assert_eq!(to_unit(3.0, (3.0, 3.0)), 0.0);
    }
}
