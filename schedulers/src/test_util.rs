//! Fixtures shared by the crate's unit tests: a toy topology, its candidate lists and a
//! per-process temporary folder.

use std::path::PathBuf;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::observation::{Candidate, GeoPoint, ServerInfo, Topology};

/// `n` servers, two model types (type 0 on every server, type 1 on the even ones), a few links.
pub fn toy_topology(n: usize, seed: u64) -> Topology {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let servers = (0..n)
        .map(|i| ServerInfo {
            id: format!("S{i}"),
            pos: GeoPoint {
                lon: rng.random_range(6.0..10.0),
                lat: rng.random_range(45.0..48.0),
            },
            compute: rng.random_range(0.2..1.0),
            price_multiplier: rng.random_range(0.5..2.0),
            region: 0,
            mean_link_latency_ms: Some(rng.random_range(5.0..2000.0)),
            mean_link_bandwidth_mbps: Some(1000.0),
        })
        .collect();
    let links = (0..n)
        .map(|i| {
            let mut l: Vec<(u32, f64, f64)> = (1..4)
                .map(|k| (((i + k * 7) % n) as u32, 10.0 * k as f64, 1000.0))
                .collect();
            l.sort_by_key(|x| x.0);
            l.dedup_by_key(|x| x.0);
            l
        })
        .collect();
    let mut station_server = Vec::new();
    let mut station_type = Vec::new();
    let mut server_stations = vec![Vec::new(); n];
    for (s, stations) in server_stations.iter_mut().enumerate() {
        for t in 0..2u16 {
            if t == 0 || s % 2 == 0 {
                stations.push(station_server.len() as u32);
                station_server.push(s as u32);
                station_type.push(t);
            }
        }
    }
    let station_cost_per_ktoken = station_server.iter().map(|_| 0.0015).collect();
    Topology {
        servers,
        model_types: vec!["A".into(), "B".into()],
        regions: vec!["Region1".into()],
        links,
        station_server,
        station_type,
        station_cost_per_ktoken,
        server_stations,
        base_tokens_per_s: 100.0,
        bytes_per_token: 4.0,
    }
}

/// The stations of `model_type` on the servers `keep` accepts, as candidates.
pub fn candidates(
    topo: &Topology,
    model_type: u16,
    mut keep: impl FnMut(u32) -> bool,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (st, (&server, &t)) in topo
        .station_server
        .iter()
        .zip(&topo.station_type)
        .enumerate()
    {
        if t == model_type && keep(server) {
            let cum = out.len() as u32 + 1;
            out.push(Candidate {
                station: st as u32,
                server,
                instances: 1,
                cum_instances: cum,
                first_instance: st as u32,
                cost_per_ktoken: 0.01,
            });
        }
    }
    out
}

/// A fresh folder under the system's temporary directory, unique to `tag` and this process.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("simrun-rl-test-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
