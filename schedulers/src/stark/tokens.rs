//! STARK's input tokens: one task token and one token per short-listed candidate server,
//! built only from what a scheduler observes.
//!
//! The reference feeds a token for every server and classifies over server indices. Here the
//! candidates are first short-listed to the `shortlist` lowest [`proposal_ms`] (compute time,
//! expected queue wait, propagation, and a penalty for servers the link table marks as slow to
//! reach), and the transformer ranks those. Attention then costs `O(k²)` per decision instead of `O(N²)`, which
//! is what makes training a minute-scale job on two cores and keeps decisions cheap at
//! thousands of servers. Servers without the step's model type are never tokens, so the mask
//! and the decoded server always agree (the reference's order mismatch cannot happen).
//!
//! Task token ([`TASK_FEATURES`]): `step / n_steps`, task longitude and latitude scaled to
//! `[-1, 1]` over the servers' bounding box, `min(n_steps / 10, 1)`, `tokens / 1000`.
//!
//! Server token ([`SERVER_FEATURES`]): longitude and latitude as above, NormalizedCompute,
//! step cost `× 20`, distance from the origin `/ 300 km` (equirectangular), the link table's
//! base latency of the hop `/ 1000` (0 when unlisted), the server's mean link-table latency
//! `/ 1000`, the expected queue wait `/ 1000`, the observed latency average `/ 1000` and a flag
//! saying whether one was observed, the compute time `/ 1000`, and the short-list proposal
//! `/ 1000`. Every value is clipped to `[-5, 5]`.

use crate::observation::{Candidate, StepContext, Topology};

/// Features of the task token.
pub const TASK_FEATURES: usize = 5;
/// Features of a server token.
pub const SERVER_FEATURES: usize = 12;

/// Tokens of one decision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecisionTokens {
    /// The task token, [`TASK_FEATURES`] values.
    pub task: Vec<f32>,
    /// `shortlist × SERVER_FEATURES` values, row per short-listed candidate, zero-padded.
    pub servers: Vec<f32>,
    /// `shortlist` values: 1 for a real token row, 0 for padding.
    pub valid: Vec<f32>,
    /// Index into the step's candidates of each token row (`len ≤ shortlist`).
    pub candidates: Vec<usize>,
}

impl DecisionTokens {
    /// Number of real (non-padding) server tokens.
    pub fn len(&self) -> usize {
        self.candidates.len()
    }

    /// Whether there is no server token.
    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }
}

/// Builds [`DecisionTokens`] for one topology.
#[derive(Debug, Clone)]
pub struct TokenBuilder {
    shortlist: usize,
    lon: (f64, f64),
    lat: (f64, f64),
    order: Vec<(f64, usize, Proposal)>,
}

/// Mean link-table latency above which a server counts as slow to reach (ms).
pub const SLOW_LINK_MS: f64 = 1000.0;
/// Penalty the short-list adds for such a server (ms).
pub const SLOW_LINK_PENALTY_MS: f64 = 2000.0;

/// The short-list's latency proposal for `cand`, from observable data only: compute time,
/// the station's expected queue wait, propagation at 5 µs/km from the origin, and
/// [`SLOW_LINK_PENALTY_MS`] when the server's mean link-table latency exceeds [`SLOW_LINK_MS`].
pub fn proposal_ms(ctx: &StepContext<'_>, cand: &Candidate) -> f64 {
    let origin = ctx.origin();
    proposal_parts(ctx, cand, origin.lat.to_radians().cos()).total()
}

/// The terms of [`proposal_ms`], kept apart because the tokens use them as features.
#[derive(Debug, Clone, Copy)]
struct Proposal {
    compute_ms: f64,
    wait_ms: f64,
    distance_km: f64,
    slow_penalty_ms: f64,
}

impl Proposal {
    fn total(&self) -> f64 {
        self.compute_ms + self.wait_ms + 0.005 * self.distance_km + self.slow_penalty_ms
    }
}

fn proposal_parts(ctx: &StepContext<'_>, cand: &Candidate, cos_lat: f64) -> Proposal {
    let s = ctx.topology.server(cand.server);
    Proposal {
        compute_ms: ctx.compute_ms(cand),
        wait_ms: ctx.telemetry.stations[cand.station as usize].expected_wait_ms(ctx.now_ms),
        distance_km: ctx.origin().approx_distance_km(s.pos, cos_lat),
        slow_penalty_ms: match s.mean_link_latency_ms {
            Some(l) if l > SLOW_LINK_MS => SLOW_LINK_PENALTY_MS,
            _ => 0.0,
        },
    }
}

fn unit(x: f64, (lo, hi): (f64, f64)) -> f32 {
    if hi - lo > 1e-9 {
        clip(2.0 * (x - lo) / (hi - lo) - 1.0)
    } else {
        0.0
    }
}

fn clip(x: f64) -> f32 {
    (x as f32).clamp(-5.0, 5.0)
}

impl TokenBuilder {
    /// A builder keeping at most `shortlist` candidates per decision.
    pub fn new(topology: &Topology, shortlist: usize) -> Self {
        let range = |f: fn(&crate::observation::ServerInfo) -> f64| {
            topology
                .servers
                .iter()
                .map(f)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                })
        };
        TokenBuilder {
            shortlist: shortlist.max(1),
            lon: range(|s| s.pos.lon),
            lat: range(|s| s.pos.lat),
            order: Vec::new(),
        }
    }

    /// Maximum number of server tokens.
    pub fn shortlist(&self) -> usize {
        self.shortlist
    }

    /// Tokens for the step of `ctx`, written into `out`.
    pub fn build(&mut self, ctx: &StepContext<'_>, out: &mut DecisionTokens) {
        let topo = ctx.topology;
        let origin = ctx.origin();
        let cos_lat = origin.lat.to_radians().cos();
        self.order.clear();
        self.order
            .extend(ctx.candidates.iter().enumerate().map(|(i, c)| {
                let p = proposal_parts(ctx, c, cos_lat);
                (p.total(), i, p)
            }));
        let k = self.shortlist.min(self.order.len());
        let by_proposal = |a: &(f64, usize, Proposal), b: &(f64, usize, Proposal)| {
            a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
        };
        if k < self.order.len() {
            self.order.select_nth_unstable_by(k - 1, by_proposal);
            self.order.truncate(k);
        }
        self.order.sort_by(by_proposal);

        out.task.clear();
        out.task.extend([
            ctx.step as f32 / ctx.n_steps.max(1) as f32,
            unit(ctx.task_pos.lon, self.lon),
            unit(ctx.task_pos.lat, self.lat),
            (ctx.n_steps as f32 / 10.0).min(1.0),
            clip(ctx.tokens as f64 / 1000.0),
        ]);
        out.servers.clear();
        out.servers.resize(self.shortlist * SERVER_FEATURES, 0.0);
        out.valid.clear();
        out.valid.resize(self.shortlist, 0.0);
        out.candidates.clear();
        for (row, &(proposal, i, parts)) in self.order.iter().enumerate() {
            let c = &ctx.candidates[i];
            let s = topo.server(c.server);
            let hop = ctx
                .prev_server
                .and_then(|p| topo.link(p, c.server))
                .map_or(0.0, |l| l.0);
            let observed = ctx.telemetry.latency_observed_ms(c.server);
            let values = [
                unit(s.pos.lon, self.lon),
                unit(s.pos.lat, self.lat),
                clip(s.compute),
                clip(ctx.step_cost(c) * 20.0),
                clip(parts.distance_km / 300.0),
                clip(hop / 1000.0),
                clip(s.mean_link_latency_ms.unwrap_or(0.0) / 1000.0),
                clip(parts.wait_ms / 1000.0),
                clip(observed.unwrap_or(0.0) / 1000.0),
                if observed.is_some() { 1.0 } else { 0.0 },
                clip(parts.compute_ms / 1000.0),
                clip(proposal / 1000.0),
            ];
            out.servers[row * SERVER_FEATURES..(row + 1) * SERVER_FEATURES]
                .copy_from_slice(&values);
            out.valid[row] = 1.0;
            out.candidates.push(i);
        }
    }
}
