//! Candidate sets: which stations a scheduler may choose from for a step.
//!
//! With `candidates: all` (the published protocol) a step of type t sees every station of t,
//! a fixed list built once. With `candidates: k` it sees the k stations of t nearest to the
//! message's origin, found in an R-tree per type (`rstar`), so a step costs O(k log n) even at
//! 100,000 servers. When the origin is a server (every step after the first) the answer depends
//! only on (server, type), so it is computed once and cached (thread-safe, so parallel runs
//! over one world share it).

use rstar::primitives::GeomWithData;
use rstar::RTree;
use simrun_schedulers::Candidate;
use std::sync::OnceLock;

use crate::dataset::Dataset;
use crate::scenario::CandidatesSpec;

type Point = GeomWithData<[f64; 2], u32>;

/// Candidate lists per model type, and the spatial index for nearest-k queries.
pub struct CandidateIndex {
    all: Vec<Vec<Candidate>>,
    nearest: Option<(usize, Vec<RTree<Point>>)>,
    cos_lat: f64,
    n_types: usize,
    per_server: Vec<OnceLock<Box<[u32]>>>,
}

impl CandidateIndex {
    /// Build the index for `ds` (station order is the dataset's; see [`Dataset::stations`]).
    pub fn build(ds: &Dataset, spec: CandidatesSpec) -> Self {
        let n_types = ds.model_types.len();
        let mut all: Vec<Vec<Candidate>> = vec![Vec::new(); n_types];
        for (i, st) in ds.stations.iter().enumerate() {
            let list = &mut all[st.model_type as usize];
            let cum = list.last().map_or(0, |c| c.cum_instances) + st.instances.len() as u32;
            list.push(Candidate {
                station: i as u32,
                server: st.server,
                instances: st.instances.len() as u32,
                cum_instances: cum,
                first_instance: st.instances[0],
                cost_per_ktoken: st.cost_per_ktoken,
            });
        }
        let mean_lat = ds.servers.iter().map(|s| s.lat).sum::<f64>() / ds.servers.len() as f64;
        let cos_lat = mean_lat.to_radians().cos();
        let nearest = match spec {
            CandidatesSpec::All => None,
            CandidatesSpec::Nearest(k) => {
                let trees = all
                    .iter()
                    .map(|list| {
                        let pts = list
                            .iter()
                            .enumerate()
                            .map(|(j, c)| {
                                let s = &ds.servers[c.server as usize];
                                Point::new([s.lon * cos_lat, s.lat], j as u32)
                            })
                            .collect();
                        RTree::bulk_load(pts)
                    })
                    .collect();
                Some((k, trees))
            }
        };
        let per_server = match nearest {
            Some(_) => (0..ds.servers.len() * n_types)
                .map(|_| OnceLock::new())
                .collect(),
            None => Vec::new(),
        };
        CandidateIndex {
            all,
            nearest,
            cos_lat,
            n_types,
            per_server,
        }
    }

    /// Every station of `model_type`, in order of first instance.
    pub fn all(&self, model_type: u16) -> &[Candidate] {
        &self.all[model_type as usize]
    }

    /// The candidates of a step of `model_type` whose message starts at `from_server` (if the
    /// origin is a server) or at (lon, lat). Returns the slice and whether it is the full list.
    /// `buf` is reused between calls.
    pub fn candidates<'a>(
        &'a self,
        model_type: u16,
        from_server: Option<u32>,
        lon: f64,
        lat: f64,
        buf: &'a mut Vec<Candidate>,
    ) -> (&'a [Candidate], bool) {
        let full = &self.all[model_type as usize];
        let Some((k, trees)) = &self.nearest else {
            return (full.as_slice(), true);
        };
        if *k >= full.len() {
            return (full.as_slice(), true);
        }
        let query = || -> Box<[u32]> {
            let q = [lon * self.cos_lat, lat];
            trees[model_type as usize]
                .nearest_neighbor_iter(&q)
                .take(*k)
                .map(|p| p.data)
                .collect()
        };
        buf.clear();
        let mut cum = 0;
        let mut push = |j: u32| {
            let mut c = full[j as usize];
            cum += c.instances;
            c.cum_instances = cum;
            buf.push(c);
        };
        match from_server {
            Some(s) => {
                let slot = &self.per_server[s as usize * self.n_types + model_type as usize];
                slot.get_or_init(query).iter().for_each(|&j| push(j));
            }
            None => query().iter().for_each(|&j| push(j)),
        }
        (buf.as_slice(), false)
    }
}
