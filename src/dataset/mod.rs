//! Datasets in the published `data1/<Region>/` format: loading, validation and derived tables.
//!
//! A dataset folder holds `servers.csv`, `network_links.csv`, `model_instances.csv`,
//! `tasks.csv`, `task_request_mapping.csv`, an optional `request_log.csv` and an optional
//! `trap_config.json`. Every row is validated; errors name the file, the line and the field.
//! A Git-LFS pointer in place of `request_log.csv` is treated as absent (with a warning) and
//! tokens fall back to `trunc(0.6 * TaskSize) + trunc(0.4 * TaskSize)` as the reference does.

pub(crate) mod csvio;
mod error;
mod load;

pub(crate) use csvio as csvio_public;
pub use csvio::{is_lfs_pointer, LFS_POINTER_PREFIX};
pub use error::DataError;
pub use load::load;

use std::path::PathBuf;

/// One server.
#[derive(Debug, Clone)]
pub struct Server {
    /// ServerID.
    pub id: String,
    /// Longitude, degrees.
    pub lon: f64,
    /// Latitude, degrees.
    pub lat: f64,
    /// NormalizedCompute (1.0 when the column is absent).
    pub compute: f64,
    /// Whether the trap config lists this server.
    pub trap: bool,
    /// Price multiplier m_s (reference-model §2.1), trap override applied.
    pub price_multiplier: f64,
}

/// One directed row of the link table.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    /// Source server.
    pub src: u32,
    /// Destination server.
    pub dst: u32,
    /// BandwidthMbps.
    pub bandwidth_mbps: f64,
    /// BaseLatencyMs.
    pub base_latency_ms: f64,
}

/// One model instance (a row of model_instances.csv; its position is its action index).
#[derive(Debug, Clone, Copy)]
pub struct Instance {
    /// Hosting server.
    pub server: u32,
    /// Model type index into [`Dataset::model_types`].
    pub model_type: u16,
    /// CostPerToken (a price per 1000 tokens).
    pub cost_per_ktoken: f64,
}

/// Which split a task belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Training tasks.
    Train,
    /// Test tasks.
    Test,
}

/// One workflow step of a task.
#[derive(Debug, Clone, Copy)]
pub struct TaskStep {
    /// Required model type.
    pub model_type: u16,
    /// Tokens processed (request + response).
    pub tokens: u32,
}

/// One task (a workflow template).
#[derive(Debug, Clone)]
pub struct Task {
    /// TaskID.
    pub id: String,
    /// Split.
    pub split: Split,
    /// User longitude, degrees.
    pub lon: f64,
    /// User latitude, degrees.
    pub lat: f64,
    /// TaskSize.
    pub size: f64,
    /// Steps in order.
    pub steps: Vec<TaskStep>,
}

/// trap_config.json.
#[derive(Debug, Clone, Default)]
pub struct TrapConfig {
    /// Whether the file exists.
    pub present: bool,
    /// Price multiplier forced on traps (None: no override).
    pub cost_multiplier: Option<f64>,
    /// trap_latency (the reference uses it only as an on/off flag).
    pub latency_ms: f64,
    /// trap_bandwidth, Mbps.
    pub bandwidth_mbps: f64,
}

/// A (server, model type) pair with all its instances: the unit that queues and serves jobs.
#[derive(Debug, Clone)]
pub struct Station {
    /// Hosting server.
    pub server: u32,
    /// Model type.
    pub model_type: u16,
    /// Instance indices, ascending.
    pub instances: Vec<u32>,
    /// CostPerToken of the type on this server (of its first instance).
    pub cost_per_ktoken: f64,
}

/// A loaded, validated dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Folder name (the reference's region name).
    pub name: String,
    /// Folder path.
    pub dir: PathBuf,
    /// Servers in file order.
    pub servers: Vec<Server>,
    /// Link rows as parsed, in file order.
    pub links: Vec<Link>,
    /// Symmetric link lookup per server (both directions of every row; later rows win),
    /// `(destination, base latency ms, bandwidth Mbps)` sorted by destination.
    pub adjacency: Vec<Vec<(u32, f64, f64)>>,
    /// Mean BaseLatencyMs over all parsed rows (10.0 if none), as the reference computes it.
    pub mean_base_latency_ms: f64,
    /// Model type names.
    pub model_types: Vec<String>,
    /// Instances in file order.
    pub instances: Vec<Instance>,
    /// Stations, grouped by model type, each group in order of first instance.
    pub stations: Vec<Station>,
    /// Tasks in file order.
    pub tasks: Vec<Task>,
    /// Trap configuration.
    pub trap: TrapConfig,
    /// Whether token counts came from request_log.csv (false: TaskSize fallback).
    pub tokens_from_log: bool,
    /// Warnings raised while loading (pointer files, skipped rows, ...).
    pub warnings: Vec<String>,
    /// FNV-1a fingerprint of the dataset files (hex).
    pub fingerprint: String,
}

impl Dataset {
    /// Number of trap servers.
    pub fn trap_count(&self) -> usize {
        self.servers.iter().filter(|s| s.trap).count()
    }

    /// Tasks of `split`, in file order.
    pub fn split(&self, split: Split) -> Vec<u32> {
        self.tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.split == split)
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// The link row from `a` to `b`, if listed: `(base latency ms, bandwidth Mbps)`.
    pub fn link(&self, a: u32, b: u32) -> Option<(f64, f64)> {
        let row = &self.adjacency[a as usize];
        row.binary_search_by_key(&b, |l| l.0)
            .ok()
            .map(|i| (row[i].1, row[i].2))
    }
}

/// The price multiplier of reference-model §2.1 (before the trap override).
pub fn natural_price_multiplier(compute: f64, lon: f64, lat: f64) -> f64 {
    let cf = 3.5 - (compute - 0.25) * 4.0;
    let h = (lon * 1000.0 + lat * 100.0).rem_euclid(100.0);
    let rf = 0.8 + (h / 100.0) * 0.4;
    (cf * rf).clamp(0.3, 3.5)
}

/// Fallback token count when no request log exists: `trunc(0.6 x) + trunc(0.4 x)`.
pub fn fallback_tokens(task_size: f64) -> u32 {
    ((0.6 * task_size).trunc() + (0.4 * task_size).trunc()).max(0.0) as u32
}

/// 64-bit FNV-1a, used for dataset fingerprints (stable across platforms and Rust versions).
pub fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for b in bytes {
        hash ^= *b as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// FNV-1a offset basis.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_multiplier_matches_reference_examples() {
        // Server1_166 of the published sample: lon 7.9514, lat 47.2455, nc 1.0.
        let m = natural_price_multiplier(1.0, 7.9514, 47.2455);
        assert!((m - 0.5519000000000015).abs() < 1e-12, "{m}");
    }

    #[test]
    fn fallback_tokens_truncate_twice() {
        assert_eq!(fallback_tokens(508.0), 507);
        assert_eq!(fallback_tokens(1.0), 0);
        assert_eq!(fallback_tokens(10.0), 10);
    }
}
