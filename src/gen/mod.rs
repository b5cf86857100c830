//! Synthetic dataset generator for `data1/<Region>/` folders.
//!
//! [`generate`] writes a complete topology-plus-workload dataset with the
//! published schema (see `shared/docs/reference-model.md` §1): `servers.csv`,
//! `network_links.csv`, `model_instances.csv`, `tasks.csv`,
//! `task_request_mapping.csv` and `trap_config.json`. No `request_log.csv`
//! is written, so a loader falls back to tokens derived from `TaskSize`.
//! Servers are clustered around real cities of the chosen [`Country`];
//! compute is heterogeneous and the `traps` highest-compute servers are
//! "lures" whose links are slow (1 Mbps, 2000 ms). Each server links to its
//! 1–8 nearest neighbours (k-d tree, `O(n log n)`); all rows are streamed
//! to buffered writers, so 100,000 servers take a fraction of a second per
//! table and little memory. Output is byte-for-byte deterministic: every
//! random draw comes from a `ChaCha8Rng` seeded with [`GenConfig::seed`]
//! (one stream per table), only IEEE-exact arithmetic (`+ - * / sqrt`)
//! feeds the written values, and floats are printed in Rust's shortest
//! round-trip form.

mod cities;
mod spatial;

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use cities::{BBox, City, CityPicker};
use spatial::KdTree;

/// A country whose real cities anchor the generated servers and users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Country {
    /// Switzerland (the published sample's country); 24 cities.
    #[default]
    Switzerland,
    /// Great Britain and Northern Ireland; 24 urban areas.
    UnitedKingdom,
    /// Germany; its 25 largest cities.
    Germany,
}

impl Country {
    /// Canonical lower-case name, accepted by [`Country::from_str`].
    pub fn name(self) -> &'static str {
        match self {
            Country::Switzerland => "switzerland",
            Country::UnitedKingdom => "uk",
            Country::Germany => "germany",
        }
    }

    fn cities(self) -> &'static [City] {
        match self {
            Country::Switzerland => cities::SWITZERLAND,
            Country::UnitedKingdom => cities::UNITED_KINGDOM,
            Country::Germany => cities::GERMANY,
        }
    }

    fn bbox(self) -> BBox {
        match self {
            Country::Switzerland => cities::SWITZERLAND_BBOX,
            Country::UnitedKingdom => cities::UNITED_KINGDOM_BBOX,
            Country::Germany => cities::GERMANY_BBOX,
        }
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error of [`Country::from_str`]: the name is not a supported country.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown country `{input}`: expected one of switzerland (ch), uk (united-kingdom, gb), germany (de)"
)]
pub struct ParseCountryError {
    /// The rejected input.
    pub input: String,
}

impl FromStr for Country {
    type Err = ParseCountryError;

    /// Case-insensitive; accepts `switzerland`/`ch`/`swiss`,
    /// `uk`/`united-kingdom`/`unitedkingdom`/`gb`/`great-britain`, `germany`/`de`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        match key.as_str() {
            "switzerland" | "ch" | "swiss" => Ok(Country::Switzerland),
            "uk" | "united-kingdom" | "unitedkingdom" | "gb" | "great-britain" => {
                Ok(Country::UnitedKingdom)
            }
            "germany" | "de" => Ok(Country::Germany),
            _ => Err(ParseCountryError {
                input: s.to_string(),
            }),
        }
    }
}

/// Generator settings; `Default` = the shipped default dataset
/// (500 servers, 50 traps, seed 2026, Switzerland, 1000 train + 200 test
/// tasks of 5 steps, region `Gen1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenConfig {
    /// Number of servers (`>= 1`).
    pub servers: usize,
    /// Number of trap servers (`<= servers`); they are the highest-compute ones.
    pub traps: usize,
    /// Seed of all random streams.
    pub seed: u64,
    /// Country whose cities anchor servers and users.
    pub country: Country,
    /// Number of `train` tasks (`>= 1`).
    pub train_tasks: usize,
    /// Number of `test` tasks (may be 0); written before the train tasks.
    pub test_tasks: usize,
    /// Workflow length of every task (`>= 1`; the reference loader drops
    /// tasks with fewer than 2 steps).
    pub steps_per_task: usize,
    /// ServerID prefix and ClusterID, e.g. `Gen1` → `Gen1_1`, `Gen1_2`, …;
    /// ASCII letters, digits, `-` and `_` only.
    pub region: String,
}

impl Default for GenConfig {
    fn default() -> Self {
        Self {
            servers: 500,
            traps: 50,
            seed: 2026,
            country: Country::Switzerland,
            train_tasks: 1000,
            test_tasks: 200,
            steps_per_task: 5,
            region: "Gen1".to_string(),
        }
    }
}

/// Largest accepted server count (keeps ids in `u32` and memory bounded).
pub const MAX_SERVERS: usize = 10_000_000;
/// Largest accepted workflow length.
pub const MAX_STEPS_PER_TASK: usize = 1_000;
/// Largest accepted total number of workflow steps (tasks × steps).
pub const MAX_TOTAL_STEPS: usize = 1_000_000_000;

impl GenConfig {
    /// Checks every field; the error names the first offending field.
    pub fn validate(&self) -> Result<(), GenError> {
        let bad =
            |field: &'static str, reason: String| Err(GenError::InvalidConfig { field, reason });
        if self.servers == 0 {
            return bad("servers", "must be at least 1 (got 0)".into());
        }
        if self.servers > MAX_SERVERS {
            return bad(
                "servers",
                format!("must be at most {MAX_SERVERS} (got {})", self.servers),
            );
        }
        if self.traps > self.servers {
            return bad(
                "traps",
                format!(
                    "must not exceed servers = {} (got {})",
                    self.servers, self.traps
                ),
            );
        }
        if self.steps_per_task == 0 {
            return bad("steps_per_task", "must be at least 1 (got 0)".into());
        }
        if self.steps_per_task > MAX_STEPS_PER_TASK {
            return bad(
                "steps_per_task",
                format!(
                    "must be at most {MAX_STEPS_PER_TASK} (got {})",
                    self.steps_per_task
                ),
            );
        }
        if self.train_tasks == 0 {
            return bad("train_tasks", "must be at least 1 (got 0)".into());
        }
        let total = self
            .train_tasks
            .checked_add(self.test_tasks)
            .and_then(|t| t.checked_mul(self.steps_per_task));
        if total.is_none_or(|t| t > MAX_TOTAL_STEPS) {
            return bad(
                "test_tasks",
                format!(
                    "(train_tasks + test_tasks) * steps_per_task must be at most {MAX_TOTAL_STEPS}"
                ),
            );
        }
        if self.region.is_empty() || self.region.len() > 64 {
            return bad("region", "must be 1 to 64 characters long".into());
        }
        if let Some(ch) = self
            .region
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return bad(
                "region",
                format!(
                    "may contain only ASCII letters, digits, '-' and '_' (found {ch:?} in {:?})",
                    self.region
                ),
            );
        }
        Ok(())
    }
}

/// Row counts of a generated dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenSummary {
    /// Rows of `servers.csv`.
    pub servers: usize,
    /// Trap servers listed in `trap_config.json`.
    pub traps: usize,
    /// Rows of `network_links.csv` (directed; self-loops counted once).
    pub links: usize,
    /// Rows of `model_instances.csv` (= the number of actions).
    pub instances: usize,
    /// `train` rows of `tasks.csv`.
    pub train_tasks: usize,
    /// `test` rows of `tasks.csv`.
    pub test_tasks: usize,
}

/// Error of [`generate`].
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// A [`GenConfig`] field has an unusable value.
    #[error("invalid generator config field `{field}`: {reason}")]
    InvalidConfig {
        /// Name of the offending field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Creating the output folder or writing a file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The folder or file concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Serialising `trap_config.json` failed.
    #[error("cannot write {}: {source}", path.display())]
    Json {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
}

// ---------------------------------------------------------------------------
// Constants of the model (fitted to the published Server1_Trap sample).

/// Model types: (ModelType, ModelTypeName, CostPerToken text, ArenaScore mean, sd).
const MODEL_TYPES: [(u8, &str, &str, f64, f64); 3] = [
    (1, "ChatGPT", "0.0015", 0.58, 0.20),
    (2, "GPT-4", "0.03", 0.61, 0.235),
    (3, "GPT-4v", "0.06", 0.63, 0.165),
];
/// Instances per server of ChatGPT: (count, weight); mean 191/25 = 7.64.
const CHATGPT_COUNTS: [(u8, u32); 12] = [
    (2, 1),
    (4, 1),
    (5, 5),
    (6, 5),
    (7, 1),
    (8, 3),
    (9, 4),
    (10, 1),
    (11, 1),
    (12, 1),
    (14, 1),
    (16, 1),
];
/// Probability that a server hosts GPT-4, and its count weights (mean 30/14).
const GPT4_HOST_P: f64 = 0.56;
const GPT4_COUNTS: [(u8, u32); 4] = [(1, 5), (2, 4), (3, 3), (4, 2)];
/// Probability that a server hosts GPT-4v; its count is uniform in 1..=3.
const GPT4V_HOST_P: f64 = 0.12;
/// Servers per block of `model_instances.csv` (the sample has 20 blocks of 25).
const INSTANCE_BLOCK: u32 = 25;

const COMPUTE_MIN: u8 = 15;
const COMPUTE_MAX: u8 = 59;

const MAX_DEGREE: usize = 8;
/// Nearest neighbours considered as link candidates.
const LINK_CANDIDATES: usize = 12;
/// Desired out-degree: (degree, weight), tuned so that the final degree
/// distribution resembles the sample's (1–8, mean ≈ 3.6).
const DEGREE_TARGET: [(u8, u32); 8] = [
    (1, 90),
    (2, 145),
    (3, 140),
    (4, 80),
    (5, 30),
    (6, 12),
    (7, 5),
    (8, 2),
];
/// Chance to pass over a candidate neighbour (links are not strictly the nearest).
const LINK_SKIP_P: f64 = 0.3;
const SELF_LOOP_P: f64 = 0.02;
const LATENCY_BASE_MS: f64 = 0.33;
const LATENCY_PER_KM_MS: f64 = 0.004;
const LATENCY_NOISE_SD_MS: f64 = 0.035;
const LATENCY_MIN_MS: f64 = 0.25;
const TRAP_LATENCY_MS: f64 = 2000.0;
const TRAP_BANDWIDTH_MBPS: f64 = 1.0;
const TRAP_COST_MULTIPLIER: f64 = 1.2;

/// Mean Earth radius × π / 180: km per degree of latitude.
const KM_PER_DEG: f64 = 111.194_926_644_558_73;

const STREAM_SERVERS: u64 = 1;
const STREAM_LINKS: u64 = 2;
const STREAM_INSTANCES: u64 = 3;
const STREAM_TEST: u64 = 4;
const STREAM_TRAIN: u64 = 5;
const STREAM_REQUESTS: u64 = 6;

const SERVERS_HEADER: &str = "ServerID,Longitude,Latitude,LinkBandwidth,ComputationCapacity,StorageCapacity,TrafficRate,ClusterID,OriginalID,NormalizedCompute";
const LINKS_HEADER: &str = "SrcServerID,DstServerID,BandwidthMbps,BaseLatencyMs";
const INSTANCES_HEADER: &str =
    "ModelID,ModelType,ArenaScore,ServerID,ModelTypeName,ModelInstanceID,CostPerToken";
const TASKS_HEADER: &str = "TaskID,Split,TaskLongitude,TaskLatitude,TaskSize,RequiredModelTypes";
const MAPPING_HEADER: &str = "TaskID,WorkflowStepIndex,MappedRequestID,RequiredModelType";

// ---------------------------------------------------------------------------
// Deterministic numeric helpers.

fn stream_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Approximately standard-normal draw (Irwin–Hall sum of 12 uniforms).
fn gauss(rng: &mut ChaCha8Rng) -> f64 {
    let mut s = 0.0;
    for _ in 0..12 {
        s += rng.random::<f64>();
    }
    s - 6.0
}

/// cos of an angle in degrees by its Taylor series (`|deg| <= 90`), using
/// only `+` and `*` so that results are identical on every platform.
fn cos_deg(deg: f64) -> f64 {
    let x = deg * (std::f64::consts::PI / 180.0);
    let x2 = x * x;
    // Horner form of sum_{k=0}^{11} (-1)^k x^(2k) / (2k)!.
    let mut term = 1.0;
    for k in (1..=11u32).rev() {
        let n = f64::from(2 * k);
        term = 1.0 - x2 / (n * (n - 1.0)) * term;
    }
    term
}

/// Equirectangular distance in km between two nearby points (degrees).
fn distance_km(lon_a: f64, lat_a: f64, lon_b: f64, lat_b: f64) -> f64 {
    let kx = KM_PER_DEG * cos_deg(0.5 * (lat_a + lat_b));
    let dx = (lon_a - lon_b) * kx;
    let dy = (lat_a - lat_b) * KM_PER_DEG;
    (dx * dx + dy * dy).sqrt()
}

const POW10: [f64; 11] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/// `x` rounded to `decimals` (<= 10) decimal places; never `-0.0`.
fn round_dec(x: f64, decimals: usize) -> f64 {
    let p = POW10[decimals];
    (x * p).round() / p + 0.0
}

/// `x` rounded to 10 significant digits (for `|x| < 1e10`), like `%.10g`.
fn round_sig10(x: f64) -> f64 {
    let a = x.abs();
    let int_digits = POW10.iter().take_while(|&&p| a >= p).count();
    round_dec(x, 10usize.saturating_sub(int_digits))
}

/// Prints an `f64` in shortest round-trip form, always with a decimal point
/// (`2000.0`, `0.3481358083358699`), matching Python's `repr` for the
/// magnitudes used here.
struct F(f64);

impl fmt::Display for F {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        if x.is_finite() && x == x.trunc() && x.abs() < 1e15 {
            write!(f, "{x:.1}")
        } else {
            write!(f, "{x}")
        }
    }
}

/// Draws an index from integer weights.
fn pick_weighted<T: Copy>(rng: &mut ChaCha8Rng, table: &[(T, u32)]) -> T {
    let total: u32 = table.iter().map(|&(_, w)| w).sum();
    let mut u = rng.random_range(0..total);
    for &(v, w) in table {
        if u < w {
            return v;
        }
        u -= w;
    }
    table[table.len() - 1].0
}

/// Fisher–Yates shuffle with `u64` draws (portable across pointer widths).
fn shuffle<T>(rng: &mut ChaCha8Rng, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i as u64) as usize;
        v.swap(i, j);
    }
}

/// Smallest prime `>= m` (trial division; `m` stays below ~2^32 here).
fn next_prime(m: u64) -> u64 {
    let is_prime = |n: u64| {
        if n < 2 {
            return false;
        }
        if n.is_multiple_of(2) {
            return n == 2;
        }
        let mut d = 3;
        while d * d <= n {
            if n.is_multiple_of(d) {
                return false;
            }
            d += 2;
        }
        true
    };
    let mut n = m.max(2);
    while !is_prime(n) {
        n += 1;
    }
    n
}

/// A bijection of `0..p` (`p` prime) onto itself: `k -> (a k + b) mod p`.
#[derive(Debug, Clone, Copy)]
struct Scramble {
    p: u64,
    a: u64,
    b: u64,
}

impl Scramble {
    fn new(rng: &mut ChaCha8Rng, min_size: u64) -> Self {
        let p = next_prime(min_size);
        let a = rng.random_range(1..p);
        let b = rng.random_range(0..p);
        Self { p, a, b }
    }

    fn map(self, k: u64) -> u64 {
        ((u128::from(self.a) * u128::from(k) + u128::from(self.b)) % u128::from(self.p)) as u64
    }
}

/// A point near a weighted-random city (unrounded degrees). With
/// probability `rural_p` the spread is tripled. Points outside the country
/// box are redrawn a few times, then clamped.
fn place_near_city(
    rng: &mut ChaCha8Rng,
    picker: &CityPicker,
    bbox: &BBox,
    spread_factor: f64,
    rural_p: f64,
) -> (f64, f64) {
    let city = picker.pick(rng.random_range(0..picker.total()));
    let rural = rng.random_bool(rural_p);
    let sd = city.spread_km * spread_factor * if rural { 3.0 } else { 1.0 };
    let km_per_deg_lon = KM_PER_DEG * cos_deg(city.lat);
    let mut point = (city.lon, city.lat);
    for _ in 0..8 {
        let dx = gauss(rng) * sd;
        let dy = gauss(rng) * sd;
        point = (city.lon + dx / km_per_deg_lon, city.lat + dy / KM_PER_DEG);
        if bbox.clamp(point.0, point.1) == point {
            return point;
        }
    }
    bbox.clamp(point.0, point.1)
}

// ---------------------------------------------------------------------------
// Output plumbing.

/// A buffered output file whose write errors carry the file's path.
struct Sink {
    w: BufWriter<File>,
    path: PathBuf,
}

impl Sink {
    fn create(dir: &Path, name: &str) -> Result<Self, GenError> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|source| GenError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(Self {
            w: BufWriter::with_capacity(1 << 20, file),
            path,
        })
    }

    fn err(&self, source: io::Error) -> GenError {
        GenError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Lets `write!`/`writeln!` target a `Sink` and return [`GenError`].
    fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<(), GenError> {
        self.w.write_fmt(args).map_err(|e| self.err(e))
    }

    fn finish(mut self) -> Result<(), GenError> {
        self.w.flush().map_err(|e| self.err(e))
    }
}

// ---------------------------------------------------------------------------
// Tables.

/// One generated server (file order = descending compute).
#[derive(Debug, Clone)]
struct Server {
    /// The `n` of ServerID `<region>_<n>`, 1-based.
    num: u32,
    lon: f64,
    lat: f64,
    cap: u8,
    storage: u8,
    traffic: u8,
    original_id: u64,
    /// Random tie-break among equal compute.
    tie: u32,
}

fn make_servers(cfg: &GenConfig) -> Vec<Server> {
    let mut rng = stream_rng(cfg.seed, STREAM_SERVERS);
    let picker = CityPicker::new(cfg.country.cities());
    let bbox = cfg.country.bbox();
    let ids = Scramble::new(&mut rng, (cfg.servers as u64).max(30_000_000));
    let mut servers: Vec<Server> = (1..=cfg.servers as u32)
        .map(|num| {
            let (lon, lat) = place_near_city(&mut rng, &picker, &bbox, 1.0, 0.1);
            Server {
                num,
                lon: round_dec(lon, 4),
                lat: round_dec(lat, 4),
                cap: rng.random_range(COMPUTE_MIN..=COMPUTE_MAX),
                storage: rng.random_range(15..=37u8),
                traffic: rng.random_range(20..=47u8),
                original_id: 2_500_000 + ids.map(u64::from(num)),
                tie: rng.random(),
            }
        })
        .collect();
    servers.sort_by(|a, b| {
        b.cap
            .cmp(&a.cap)
            .then(a.tie.cmp(&b.tie))
            .then(a.num.cmp(&b.num))
    });
    servers
}

fn write_servers(cfg: &GenConfig, servers: &[Server], dir: &Path) -> Result<(), GenError> {
    let mut out = Sink::create(dir, "servers.csv")?;
    writeln!(out, "{SERVERS_HEADER}")?;
    let region = &cfg.region;
    for s in servers {
        writeln!(
            out,
            "{region}_{},{},{},50,{},{},{},{region},{},{}",
            s.num,
            F(s.lon),
            F(s.lat),
            s.cap,
            s.storage,
            s.traffic,
            s.original_id,
            F(f64::from(s.cap) / f64::from(COMPUTE_MAX)),
        )?;
    }
    out.finish()
}

/// Writes the symmetric link table; returns the number of rows.
fn write_links(
    cfg: &GenConfig,
    servers: &[Server],
    is_trap: &[bool],
    dir: &Path,
) -> Result<usize, GenError> {
    let mut rng = stream_rng(cfg.seed, STREAM_LINKS);
    let kx = KM_PER_DEG * cos_deg(cfg.country.bbox().mid_lat());
    let tree = KdTree::new(
        servers
            .iter()
            .map(|s| [s.lon * kx, s.lat * KM_PER_DEG])
            .collect(),
    );
    let n = servers.len();
    let mut deg = vec![0u8; n];
    let mut adj = vec![[u32::MAX; MAX_DEGREE]; n];
    let linked = |adj: &[[u32; MAX_DEGREE]], deg: &[u8], a: usize, b: u32| {
        adj[a][..deg[a] as usize].contains(&b)
    };
    let mut out = Sink::create(dir, "network_links.csv")?;
    writeln!(out, "{LINKS_HEADER}")?;
    let mut rows = 0usize;
    let mut cand = Vec::with_capacity(LINK_CANDIDATES);

    let mut emit = |out: &mut Sink,
                    rng: &mut ChaCha8Rng,
                    adj: &mut [[u32; MAX_DEGREE]],
                    deg: &mut [u8],
                    a: usize,
                    b: usize|
     -> Result<(), GenError> {
        adj[a][deg[a] as usize] = b as u32;
        deg[a] += 1;
        if a != b {
            adj[b][deg[b] as usize] = a as u32;
            deg[b] += 1;
        }
        let (sa, sb) = (&servers[a], &servers[b]);
        let region = &cfg.region;
        let (bw, lat) = if is_trap[a] || is_trap[b] {
            (TRAP_BANDWIDTH_MBPS, TRAP_LATENCY_MS)
        } else {
            let km = distance_km(sa.lon, sa.lat, sb.lon, sb.lat);
            let noise = gauss(rng) * LATENCY_NOISE_SD_MS;
            let ms = LATENCY_BASE_MS + LATENCY_PER_KM_MS * km + noise;
            // Reflect the rare draws below the floor instead of piling them on it.
            let ms = if ms < LATENCY_MIN_MS {
                2.0 * LATENCY_MIN_MS - ms
            } else {
                ms
            };
            (50.0, ms)
        };
        writeln!(
            out,
            "{region}_{},{region}_{},{},{}",
            sa.num,
            sb.num,
            F(bw),
            F(lat)
        )?;
        rows += 1;
        if a != b {
            writeln!(
                out,
                "{region}_{},{region}_{},{},{}",
                sb.num,
                sa.num,
                F(bw),
                F(lat)
            )?;
            rows += 1;
        }
        Ok(())
    };

    for a in 0..n {
        if (deg[a] as usize) < MAX_DEGREE && rng.random_bool(SELF_LOOP_P) {
            emit(&mut out, &mut rng, &mut adj, &mut deg, a, a)?;
        }
        let target = pick_weighted(&mut rng, &DEGREE_TARGET) as usize;
        tree.nearest(a as u32, LINK_CANDIDATES, &mut cand);
        for &(_, b) in &cand {
            if deg[a] as usize >= target {
                break;
            }
            let bi = b as usize;
            if deg[bi] as usize >= MAX_DEGREE || linked(&adj, &deg, a, b) {
                continue;
            }
            if rng.random_bool(LINK_SKIP_P) {
                continue;
            }
            emit(&mut out, &mut rng, &mut adj, &mut deg, a, bi)?;
        }
        if deg[a] == 0 {
            // Guarantee at least one link: nearest free neighbour, else a self-loop.
            let b = cand
                .iter()
                .map(|&(_, b)| b as usize)
                .find(|&b| (deg[b] as usize) < MAX_DEGREE)
                .unwrap_or(a);
            emit(&mut out, &mut rng, &mut adj, &mut deg, a, b)?;
        }
    }
    out.finish()?;
    Ok(rows)
}

/// Writes `model_instances.csv`; returns the number of rows.
fn write_instances(cfg: &GenConfig, dir: &Path) -> Result<usize, GenError> {
    let mut rng = stream_rng(cfg.seed, STREAM_INSTANCES);
    let n = cfg.servers;
    // counts[num - 1] = instances of (ChatGPT, GPT-4, GPT-4v).
    let mut counts: Vec<[u8; 3]> = (0..n)
        .map(|_| {
            let c1 = pick_weighted(&mut rng, &CHATGPT_COUNTS);
            let c2 = if rng.random_bool(GPT4_HOST_P) {
                pick_weighted(&mut rng, &GPT4_COUNTS)
            } else {
                0
            };
            let c3 = if rng.random_bool(GPT4V_HOST_P) {
                rng.random_range(1..=3u8)
            } else {
                0
            };
            [c1, c2, c3]
        })
        .collect();
    // Every type must be servable somewhere.
    for t in 1..3 {
        if counts.iter().all(|c| c[t] == 0) {
            let s = rng.random_range(0..n as u64) as usize;
            counts[s][t] = 1;
        }
    }

    let mut out = Sink::create(dir, "model_instances.csv")?;
    writeln!(out, "{INSTANCES_HEADER}")?;
    let region = &cfg.region;
    let mut model_id = 0usize;
    let mut hosts: Vec<u32> = Vec::new();
    let mut scores: Vec<u16> = Vec::new();
    let mut block_start = 1u32;
    while (block_start as usize) <= n {
        let block_end = (block_start + INSTANCE_BLOCK - 1).min(n as u32);
        for (t, &(type_id, type_name, cost, mean, sd)) in MODEL_TYPES.iter().enumerate() {
            hosts.clear();
            for num in block_start..=block_end {
                for _ in 0..counts[num as usize - 1][t] {
                    hosts.push(num);
                }
            }
            shuffle(&mut rng, &mut hosts);
            scores.clear();
            scores.extend(hosts.iter().map(|_| {
                ((mean + sd * gauss(&mut rng)) * 1000.0)
                    .round()
                    .clamp(0.0, 1000.0) as u16
            }));
            scores.sort_unstable_by(|a, b| b.cmp(a));
            for (&num, &score) in hosts.iter().zip(&scores) {
                model_id += 1;
                writeln!(
                    out,
                    "{model_id},{type_id},{},{region}_{num},{type_name},model_{region}_{num}_{model_id},{cost}",
                    F(f64::from(score) / 1000.0),
                )?;
            }
        }
        block_start = block_end + 1;
    }
    out.finish()?;
    Ok(model_id)
}

/// Probabilities of (ChatGPT, GPT-4) at relative position `f` in `0..=1` of
/// a workflow; GPT-4v takes the rest. Fitted to the sample: ChatGPT stays
/// near 51 %, GPT-4 falls from 49 % to 2 %, GPT-4v rises from 0 to 47 %.
fn step_type_probs(f: f64) -> (f64, f64) {
    (0.51, 0.49 - 0.47 * f)
}

/// Writes `tasks.csv` and `task_request_mapping.csv` (test tasks first).
fn write_tasks(cfg: &GenConfig, dir: &Path) -> Result<(), GenError> {
    let picker = CityPicker::new(cfg.country.cities());
    let bbox = cfg.country.bbox();
    let steps = cfg.steps_per_task;
    let total_steps = ((cfg.train_tasks + cfg.test_tasks) * steps) as u64;
    let req_ids = Scramble::new(
        &mut stream_rng(cfg.seed, STREAM_REQUESTS),
        (2 * total_steps).max(5_000_000),
    );
    let mut tasks = Sink::create(dir, "tasks.csv")?;
    let mut mapping = Sink::create(dir, "task_request_mapping.csv")?;
    writeln!(tasks, "{TASKS_HEADER}")?;
    writeln!(mapping, "{MAPPING_HEADER}")?;
    let region = &cfg.region;
    let mut step_counter = 0u64;
    let mut types: Vec<&str> = Vec::with_capacity(steps);
    for (split, count, stream) in [
        ("test", cfg.test_tasks, STREAM_TEST),
        ("train", cfg.train_tasks, STREAM_TRAIN),
    ] {
        let mut rng = stream_rng(cfg.seed, stream);
        for i in 0..count {
            let (lon, lat) = place_near_city(&mut rng, &picker, &bbox, 2.5, 0.3);
            let size: u32 = if rng.random_bool(0.975) {
                rng.random_range(1..=490)
            } else {
                rng.random_range(491..=521)
            };
            types.clear();
            for k in 0..steps {
                let f = if steps > 1 {
                    k as f64 / (steps - 1) as f64
                } else {
                    0.5
                };
                let (p_chat, p_gpt4) = step_type_probs(f);
                let u: f64 = rng.random();
                let t = if u < p_chat {
                    0
                } else if u < p_chat + p_gpt4 {
                    1
                } else {
                    2
                };
                types.push(MODEL_TYPES[t].1);
            }
            let task_id = format!("task_{region}_{split}_0_{i}");
            write!(
                tasks,
                "{task_id},{split},{},{},{size},\"[",
                F(round_sig10(lon)),
                F(round_sig10(lat)),
            )?;
            for (k, t) in types.iter().enumerate() {
                let sep = if k == 0 { "" } else { ", " };
                write!(tasks, "{sep}\"\"{t}\"\"")?;
            }
            writeln!(tasks, "]\"")?;
            for (k, t) in types.iter().enumerate() {
                let req = req_ids.map(step_counter) + 1;
                step_counter += 1;
                writeln!(mapping, "{task_id},{k},req_{req},{t}")?;
            }
        }
    }
    tasks.finish()?;
    mapping.finish()
}

/// Contents of `trap_config.json`, keys in the sample's order.
#[derive(Serialize)]
struct TrapConfig {
    trap_server_ids: Vec<String>,
    trap_cost_multiplier: f64,
    trap_bandwidth: f64,
    trap_latency: f64,
    trap_rate: f64,
}

fn write_trap_config(cfg: &GenConfig, servers: &[Server], dir: &Path) -> Result<(), GenError> {
    let conf = TrapConfig {
        trap_server_ids: servers[..cfg.traps]
            .iter()
            .map(|s| format!("{}_{}", cfg.region, s.num))
            .collect(),
        trap_cost_multiplier: TRAP_COST_MULTIPLIER,
        trap_bandwidth: TRAP_BANDWIDTH_MBPS,
        trap_latency: TRAP_LATENCY_MS,
        trap_rate: cfg.traps as f64 / cfg.servers as f64,
    };
    let mut out = Sink::create(dir, "trap_config.json")?;
    serde_json::to_writer_pretty(&mut out.w, &conf).map_err(|source| GenError::Json {
        path: out.path.clone(),
        source,
    })?;
    out.finish()
}

/// Generates a dataset folder from `cfg` into `out_dir` (created if
/// missing; existing files of the same names are overwritten, other files
/// such as a stale `request_log.csv` are left alone). Deterministic: the
/// same config yields byte-identical files on every platform.
pub fn generate(cfg: &GenConfig, out_dir: &Path) -> Result<GenSummary, GenError> {
    cfg.validate()?;
    std::fs::create_dir_all(out_dir).map_err(|source| GenError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let servers = make_servers(cfg);
    let is_trap: Vec<bool> = (0..servers.len()).map(|i| i < cfg.traps).collect();
    write_servers(cfg, &servers, out_dir)?;
    write_trap_config(cfg, &servers, out_dir)?;
    let links = write_links(cfg, &servers, &is_trap, out_dir)?;
    drop(servers);
    let instances = write_instances(cfg, out_dir)?;
    write_tasks(cfg, out_dir)?;
    Ok(GenSummary {
        servers: cfg.servers,
        traps: cfg.traps,
        links,
        instances,
        train_tasks: cfg.train_tasks,
        test_tasks: cfg.test_tasks,
    })
}

#[cfg(test)]
mod tests;
