//! What a scheduler may observe when it places a workflow step.
//!
//! Everything here is either static knowledge a real operator has (server positions, compute,
//! prices, the link table of the topology) or telemetry a real system reports (observed latency,
//! queue lengths, pending work). The trap list and the network's random draws are absent on
//! purpose.

/// Index of a server in dataset file order (`servers.csv` row, 0-based).
pub type ServerIdx = u32;
/// Index of a station: one model type hosted on one server, with all its instances.
pub type StationIdx = u32;
/// Index of a model type in the dataset's type table (see [`Topology::model_types`]).
pub type ModelTypeId = u16;

/// A position in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    /// Longitude in degrees.
    pub lon: f64,
    /// Latitude in degrees.
    pub lat: f64,
}

/// Mean Earth radius, km.
pub const EARTH_RADIUS_KM: f64 = 6371.0;

impl GeoPoint {
    /// Equirectangular distance in km to `to`, with `cos_lat` the cosine of a latitude near
    /// both points (e.g. `self`'s): within well under 1 % of the haversine distance at country
    /// scale, and far cheaper, so schedulers can rank many candidates per decision.
    pub fn approx_distance_km(self, to: GeoPoint, cos_lat: f64) -> f64 {
        let dx = (to.lon - self.lon).to_radians() * cos_lat;
        let dy = (to.lat - self.lat).to_radians();
        EARTH_RADIUS_KM * (dx * dx + dy * dy).sqrt()
    }
}

/// Static facts about one server, as published in the dataset.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    /// The dataset's ServerID.
    pub id: String,
    /// Position of the server.
    pub pos: GeoPoint,
    /// NormalizedCompute: speed factor relative to the fastest server class.
    pub compute: f64,
    /// Price multiplier applied to the per-token cost of every instance on this server.
    pub price_multiplier: f64,
    /// Region index (see [`Topology::regions`]).
    pub region: u16,
    /// Mean BaseLatencyMs over the server's outbound rows of the link table (None if it has none).
    pub mean_link_latency_ms: Option<f64>,
    /// Mean BandwidthMbps over the server's outbound rows of the link table (None if it has none).
    pub mean_link_bandwidth_mbps: Option<f64>,
}

/// The static topology every scheduler may read.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    /// Servers in dataset file order.
    pub servers: Vec<ServerInfo>,
    /// Model type names (`ChatGPT`, `GPT-4`, ...), indexed by [`ModelTypeId`].
    pub model_types: Vec<String>,
    /// Region names, indexed by [`ServerInfo::region`].
    pub regions: Vec<String>,
    /// Outbound links per server: `(destination, base latency ms, bandwidth Mbps)`, sorted by
    /// destination. Use [`Topology::link`] to look one up.
    pub links: Vec<Vec<(ServerIdx, f64, f64)>>,
    /// Server of each station, indexed by [`StationIdx`].
    pub station_server: Vec<ServerIdx>,
    /// Model type of each station, indexed by [`StationIdx`].
    pub station_type: Vec<ModelTypeId>,
    /// Stations of each server, indexed by [`ServerIdx`].
    pub server_stations: Vec<Vec<StationIdx>>,
    /// CostPerToken (price per 1000 tokens, before the multiplier) of each station.
    pub station_cost_per_ktoken: Vec<f64>,
    /// Base inference speed in tokens per second of a server with compute 1.0.
    pub base_tokens_per_s: f64,
    /// Bytes sent per token in a request message.
    pub bytes_per_token: f64,
}

impl Topology {
    /// The link-table entry `(base latency ms, bandwidth Mbps)` from `from` to `to`, if listed.
    pub fn link(&self, from: ServerIdx, to: ServerIdx) -> Option<(f64, f64)> {
        let row = self.links.get(from as usize)?;
        row.binary_search_by_key(&to, |l| l.0)
            .ok()
            .map(|i| (row[i].1, row[i].2))
    }

    /// The server with index `s`.
    pub fn server(&self, s: ServerIdx) -> &ServerInfo {
        &self.servers[s as usize]
    }

    /// Number of servers.
    pub fn server_count(&self) -> usize {
        self.servers.len()
    }
}

/// One place the step can go: a station (a model type on a server) with its instance count.
///
/// Instances of one type on one server behave alike, so they are presented once with their
/// count; a rule that is uniform over instances draws a candidate with probability
/// `instances / total`. `cum_instances` is the running total up to and including this
/// candidate, so such a draw is one binary search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// The station.
    pub station: StationIdx,
    /// The server that hosts it.
    pub server: ServerIdx,
    /// How many instances of the type the server hosts.
    pub instances: u32,
    /// Running total of `instances` over the candidate list, this one included.
    pub cum_instances: u32,
    /// Dataset index (model_instances.csv row) of the first instance of the station.
    pub first_instance: u32,
    /// CostPerToken of the type on this server (price per 1000 tokens before the multiplier).
    pub cost_per_ktoken: f64,
}

/// Live state of one station, as a monitoring system would report it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StationTelemetry {
    /// Jobs waiting in the station's queue.
    pub queued: u32,
    /// Jobs in service.
    pub running: u32,
    /// Concurrent service slots of the station.
    pub slots: u32,
    /// Service time, in ms, of the jobs waiting in the queue.
    pub queued_work_ms: f64,
    /// Sum of the finish times, in ms, of the jobs in service.
    pub running_finish_sum_ms: f64,
    /// Jobs dispatched to the station whose request message is still on the way.
    pub in_flight: u32,
    /// Service time, in ms, of those in-flight jobs.
    pub in_flight_work_ms: f64,
}

impl StationTelemetry {
    /// Work in ms that is still pending at `now`: in-flight and queued service plus the
    /// remainder of running jobs.
    pub fn pending_work_ms(&self, now_ms: f64) -> f64 {
        let remaining = self.running_finish_sum_ms - self.running as f64 * now_ms;
        self.in_flight_work_ms + self.queued_work_ms + remaining.max(0.0)
    }

    /// A simple estimate of the wait a new job would see: pending work spread over the slots,
    /// zero while a slot is free.
    pub fn expected_wait_ms(&self, now_ms: f64) -> f64 {
        if self.running < self.slots {
            0.0
        } else {
            self.pending_work_ms(now_ms) / self.slots.max(1) as f64
        }
    }
}

/// Telemetry for the whole system.
#[derive(Debug, Clone, Default)]
pub struct Telemetry {
    /// Per-station queue state, indexed by [`StationIdx`].
    pub stations: Vec<StationTelemetry>,
    ema: Vec<f64>,
    ema_stamp: Vec<u32>,
    ema_seen: Vec<bool>,
    stamp: u32,
    ema_initial_ms: f64,
}

impl Telemetry {
    /// Telemetry for `servers` servers and `stations` idle stations with `slots` each; every
    /// latency average starts at `ema_initial_ms`.
    pub fn new(servers: usize, station_slots: &[u32], ema_initial_ms: f64) -> Self {
        Telemetry {
            stations: station_slots
                .iter()
                .map(|&slots| StationTelemetry {
                    slots,
                    ..Default::default()
                })
                .collect(),
            ema: vec![ema_initial_ms; servers],
            ema_stamp: vec![0; servers],
            ema_seen: vec![false; servers],
            stamp: 0,
            ema_initial_ms,
        }
    }

    /// Exponential moving average (alpha 0.5) of the step latency observed at server `s`, ms.
    pub fn latency_ema_ms(&self, s: ServerIdx) -> f64 {
        let s = s as usize;
        if self.ema_stamp[s] == self.stamp {
            self.ema[s]
        } else {
            self.ema_initial_ms
        }
    }

    /// The latency average of server `s` if a step finished there since the last reset.
    pub fn latency_observed_ms(&self, s: ServerIdx) -> Option<f64> {
        (self.ema_stamp[s as usize] == self.stamp && self.ema_seen[s as usize])
            .then(|| self.ema[s as usize])
    }

    /// Fold an observed step latency at server `s` into its average.
    pub fn observe_latency(&mut self, s: ServerIdx, latency_ms: f64) {
        let prev = self.latency_ema_ms(s);
        self.ema[s as usize] = 0.5 * latency_ms + 0.5 * prev;
        self.ema_stamp[s as usize] = self.stamp;
        self.ema_seen[s as usize] = true;
    }

    /// Reset every latency average to its initial value in O(1) (episodic workloads).
    pub fn reset_latency(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.ema_stamp.iter_mut().for_each(|x| *x = u32::MAX);
        }
    }
}

/// Everything a scheduler is told when one workflow step is ready to be placed.
#[derive(Debug, Clone, Copy)]
pub struct StepContext<'a> {
    /// Identifier of the workflow (unique within a run).
    pub workflow: u64,
    /// Index of the task in the dataset's task table.
    pub task: u32,
    /// Step index within the workflow (0-based).
    pub step: u32,
    /// Number of steps of the workflow.
    pub n_steps: u32,
    /// Model type the step requires.
    pub model_type: ModelTypeId,
    /// Tokens the step will process.
    pub tokens: u32,
    /// Where the user who submitted the task is.
    pub task_pos: GeoPoint,
    /// Server that ran the previous step (None for step 0).
    pub prev_server: Option<ServerIdx>,
    /// Simulation time, ms.
    pub now_ms: f64,
    /// The candidates; a decision indexes into this slice. Never empty.
    pub candidates: &'a [Candidate],
    /// True when `candidates` is the full, fixed list of stations of `model_type` (so a
    /// scheduler may cache per-type results that depend only on static data).
    pub candidates_are_all: bool,
    /// Static topology.
    pub topology: &'a Topology,
    /// Live telemetry.
    pub telemetry: &'a Telemetry,
}

impl StepContext<'_> {
    /// Total instance count over the candidates.
    pub fn total_instances(&self) -> u32 {
        self.candidates.last().map_or(0, |c| c.cum_instances)
    }

    /// Service time in ms of this step on `cand`'s server: tokens over the server's speed
    /// (`compute x base tokens/s`), from static data only.
    pub fn compute_ms(&self, cand: &Candidate) -> f64 {
        let server = self.topology.server(cand.server);
        self.tokens as f64 / (server.compute.max(1e-6) * self.topology.base_tokens_per_s) * 1000.0
    }

    /// Money cost of this step on `cand`: tokens / 1000 x CostPerToken x price multiplier.
    pub fn step_cost(&self, cand: &Candidate) -> f64 {
        let price = self.topology.server(cand.server).price_multiplier;
        self.tokens as f64 / 1000.0 * cand.cost_per_ktoken * price
    }

    /// Where the request message comes from: the previous server, or the user for step 0.
    pub fn origin(&self) -> GeoPoint {
        match self.prev_server {
            Some(p) => self.topology.server(p).pos,
            None => self.task_pos,
        }
    }
}
