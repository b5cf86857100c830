//! Candidate sets: which stations a scheduler may choose from for a step.
//!
//! With `candidates: all` (the published protocol) a step of type t sees every station of t,
//! a fixed list built once. With `candidates: k` it sees the k stations of t nearest to the
//! message's origin, found in an R-tree per type (`rstar`), so a step costs O(k log n) even at
//! 100,000 servers.

use rstar::primitives::GeomWithData;
use rstar::RTree;
use simrun_schedulers::Candidate;

use crate::dataset::Dataset;
use crate::scenario::CandidatesSpec;

type Point = GeomWithData<[f64; 2], u32>;

/// Candidate lists per model type, and the spatial index for nearest-k queries.
pub struct CandidateIndex {
    all: Vec<Vec<Candidate>>,
    nearest: Option<(usize, Vec<RTree<Point>>)>,
    cos_lat: f64,
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
        CandidateIndex {
            all,
            nearest,
            cos_lat,
        }
    }

    /// Every station of `model_type`, in order of first instance.
    pub fn all(&self, model_type: u16) -> &[Candidate] {
        &self.all[model_type as usize]
    }

    /// The candidates of a step of `model_type` whose message starts at (lon, lat). Returns the
    /// slice and whether it is the full list. `buf` is reused between calls.
    pub fn candidates<'a>(
        &'a self,
        model_type: u16,
        lon: f64,
        lat: f64,
        buf: &'a mut Vec<Candidate>,
    ) -> (&'a [Candidate], bool) {
        let full = &self.all[model_type as usize];
        match &self.nearest {
            Some((k, trees)) if *k < full.len() => {
                buf.clear();
                let q = [lon * self.cos_lat, lat];
                let mut cum = 0;
                for p in trees[model_type as usize]
                    .nearest_neighbor_iter(&q)
                    .take(*k)
                {
                    let mut c = full[p.data as usize];
                    cum += c.instances;
                    c.cum_instances = cum;
                    buf.push(c);
                }
                (buf.as_slice(), false)
            }
            _ => (full.as_slice(), true),
        }
    }
}
