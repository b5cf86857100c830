//! The world of a run: the dataset with everything derived from it once (the topology that
//! schedulers see, the candidate index, service parameters) plus the scenario's models.

use simrun_schedulers::{GeoPoint, ServerInfo, Topology};

use crate::candidates::CandidateIndex;
use crate::dataset::Dataset;
use crate::scenario::{NetworkSpec, Scenario};

/// Everything a run needs that does not change while it runs.
pub struct World {
    /// The dataset.
    pub dataset: Dataset,
    /// What schedulers see of it.
    pub topology: Topology,
    /// Candidate lists and the spatial index.
    pub candidates: CandidateIndex,
    /// The network model.
    pub network: NetworkSpec,
    /// Service-time factor on trap servers.
    pub trap_compute_factor: f64,
    /// Concurrent jobs per instance.
    pub slots_per_instance: u32,
    /// SLA threshold, ms.
    pub sla_ms: f64,
    /// Initial latency average per server (5 x mean link base latency, as the reference).
    pub ema_initial_ms: f64,
}

impl World {
    /// Build the world of `scenario` on `dataset`.
    pub fn new(dataset: Dataset, scenario: &Scenario) -> World {
        let topology = topology_of(&dataset, scenario);
        let candidates = CandidateIndex::build(&dataset, scenario.candidates);
        World {
            ema_initial_ms: 5.0 * dataset.mean_base_latency_ms,
            dataset,
            topology,
            candidates,
            network: scenario.network.clone(),
            trap_compute_factor: scenario.trap_compute_factor(),
            slots_per_instance: scenario.compute.slots_per_instance,
            sla_ms: scenario.metrics.sla_ms,
        }
    }

    /// Service time in ms of `tokens` on `server`.
    pub fn service_ms(&self, server: u32, tokens: u32) -> f64 {
        let s = &self.dataset.servers[server as usize];
        let base = tokens as f64 / (s.compute.max(1e-6) * self.topology.base_tokens_per_s) * 1000.0;
        if s.trap {
            base * self.trap_compute_factor
        } else {
            base
        }
    }

    /// Concurrent slots of each station.
    pub fn station_slots(&self) -> Vec<u32> {
        self.dataset
            .stations
            .iter()
            .map(|s| s.instances.len() as u32 * self.slots_per_instance)
            .collect()
    }
}

fn topology_of(ds: &Dataset, scenario: &Scenario) -> Topology {
    let mut server_stations = vec![Vec::new(); ds.servers.len()];
    for (i, st) in ds.stations.iter().enumerate() {
        server_stations[st.server as usize].push(i as u32);
    }
    // Means over the symmetric link table (both directions of every row), as the reference's
    // per-server features read it.
    let out_lat: Vec<(f64, f64, usize)> = ds
        .adjacency
        .iter()
        .map(|row| {
            let lat = row.iter().map(|l| l.1).sum();
            let bw = row.iter().map(|l| l.2).sum();
            (lat, bw, row.len())
        })
        .collect();
    let servers = ds
        .servers
        .iter()
        .zip(&out_lat)
        .map(|(s, &(lat, bw, n))| ServerInfo {
            id: s.id.clone(),
            pos: GeoPoint {
                lon: s.lon,
                lat: s.lat,
            },
            compute: s.compute,
            price_multiplier: s.price_multiplier,
            region: 0,
            mean_link_latency_ms: (n > 0).then(|| lat / n as f64),
            mean_link_bandwidth_mbps: (n > 0).then(|| bw / n as f64),
        })
        .collect();
    Topology {
        servers,
        model_types: ds.model_types.clone(),
        regions: vec![ds.name.clone()],
        links: ds.adjacency.clone(),
        station_server: ds.stations.iter().map(|s| s.server).collect(),
        station_type: ds.stations.iter().map(|s| s.model_type).collect(),
        server_stations,
        station_cost_per_ktoken: ds.stations.iter().map(|s| s.cost_per_ktoken).collect(),
        base_tokens_per_s: scenario.compute.base_tokens_per_s,
        bytes_per_token: scenario.compute.bytes_per_token,
    }
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("dataset", &self.dataset.name)
            .field("servers", &self.dataset.servers.len())
            .finish()
    }
}
