//! Scenarios: YAML files with strict keys that say what to simulate.
//!
//! Unknown keys, wrong types and impossible values are errors that name the key. Relative
//! paths in a scenario (`data`, `workload.arrivals_file`, `checkpoints`) are resolved against
//! the folder that holds the scenario file. The YAML crate is `serde-saphyr`: `serde_yaml` is
//! archived and its fork `serde_yml` carries an unsoundness advisory (RUSTSEC-2025-0068), while
//! serde-saphyr is a maintained, pure-Rust parser without `unsafe` that reports line and column.
//! See `docs/scenarios.md` for every key and its default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::dataset::Split;
use crate::network::{OverlayNetwork, ReferenceNetwork};

/// A scenario as written in YAML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Scenario name (used in traces and report folders). Default: the file stem.
    #[serde(default)]
    pub name: Option<String>,
    /// Dataset folder.
    pub data: PathBuf,
    /// Run seed (42).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Default scheduler spec (`greedy`). The command line overrides it.
    #[serde(default = "default_scheduler")]
    pub scheduler: String,
    /// Parameters per scheduler name, e.g. `{random: {seed: 3}}`.
    #[serde(default)]
    pub scheduler_params: BTreeMap<String, BTreeMap<String, serde_yaml_value::Scalar>>,
    /// The workload.
    pub workload: Workload,
    /// The network model.
    #[serde(default)]
    pub network: NetworkSpec,
    /// Server compute.
    #[serde(default)]
    pub compute: ComputeSpec,
    /// Candidate set per step: `all` (the published protocol) or the k nearest stations.
    #[serde(default)]
    pub candidates: CandidatesSpec,
    /// Metric settings.
    #[serde(default)]
    pub metrics: MetricsSpec,
    /// What to write.
    #[serde(default)]
    pub trace: TraceSpec,
    /// Folder with trained checkpoints for this scenario.
    #[serde(default)]
    pub checkpoints: Option<PathBuf>,
    /// Training settings for learned schedulers.
    #[serde(default)]
    pub training: TrainingSpec,
}

/// Scalars accepted as scheduler parameter values.
pub mod serde_yaml_value {
    use serde::Deserialize;

    /// A YAML scalar kept as text.
    #[derive(Debug, Clone, Deserialize, PartialEq)]
    #[serde(untagged)]
    pub enum Scalar {
        /// A boolean.
        Bool(bool),
        /// An integer.
        Int(i64),
        /// A float.
        Float(f64),
        /// A string.
        Text(String),
    }

    impl std::fmt::Display for Scalar {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                Scalar::Bool(b) => write!(f, "{b}"),
                Scalar::Int(i) => write!(f, "{i}"),
                Scalar::Float(x) => write!(f, "{x}"),
                Scalar::Text(s) => f.write_str(s),
            }
        }
    }
}

fn default_seed() -> u64 {
    42
}
fn default_scheduler() -> String {
    "greedy".into()
}

/// How workflows arrive.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// `episodic` (one workflow at a time, queues and telemetry reset: the published protocol)
    /// or `open` (arrivals contend for servers, queues persist).
    pub kind: WorkloadKind,
    /// Task split (`test`).
    #[serde(default = "default_split")]
    pub split: Split,
    /// Number of workflows (episodes). Default: the split's size.
    #[serde(default)]
    pub workflows: Option<u64>,
    /// Task order: `sequential` (task i mod n, the published protocol) or `sample` (uniform with
    /// replacement from the run's workload stream).
    #[serde(default)]
    pub order: TaskOrder,
    /// Open workload: Poisson arrival rate, workflows per second.
    #[serde(default)]
    pub rate_per_s: Option<f64>,
    /// Open workload: CSV of arrivals (`time_ms` and optional `task` columns) instead of Poisson.
    #[serde(default)]
    pub arrivals_file: Option<PathBuf>,
}

fn default_split() -> Split {
    Split::Test
}

/// Workload kinds.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    /// One workflow at a time.
    Episodic,
    /// Arrivals over time with contention.
    Open,
}

/// Task orders.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum TaskOrder {
    /// Task i mod n.
    #[default]
    Sequential,
    /// Uniform with replacement.
    Sample,
}

/// The network model and its parameters.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "model", rename_all = "lowercase", deny_unknown_fields)]
pub enum NetworkSpec {
    /// The published stochastic channel and trap coin.
    Reference(ReferenceNetwork),
    /// Base latency + size/bandwidth + propagation, trap jitter and loss.
    Overlay(OverlayNetwork),
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec::Overlay(OverlayNetwork::default())
    }
}

/// Server compute settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ComputeSpec {
    /// Tokens per second of a server with NormalizedCompute 1.0 (2000).
    pub base_tokens_per_s: f64,
    /// Concurrent jobs per model instance (1).
    pub slots_per_instance: u32,
    /// Service-time factor on trap servers. Default: 2.0 under the reference network (the
    /// reference's reliability 0.5), 1.0 under the overlay.
    pub trap_compute_factor: Option<f64>,
    /// Bytes per token in request messages (4).
    pub bytes_per_token: f64,
}

impl Default for ComputeSpec {
    fn default() -> Self {
        ComputeSpec {
            base_tokens_per_s: 2000.0,
            slots_per_instance: 1,
            trap_compute_factor: None,
            bytes_per_token: 4.0,
        }
    }
}

/// Candidate-set size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CandidatesSpec {
    /// Every station of the step's type.
    #[default]
    All,
    /// The k stations nearest to the message's origin.
    Nearest(usize),
}

impl<'de> Deserialize<'de> for CandidatesSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(0) => Err(serde::de::Error::custom(
                "candidates: must be `all` or >= 1",
            )),
            Raw::N(k) => Ok(CandidatesSpec::Nearest(k as usize)),
            Raw::S(s) if s == "all" => Ok(CandidatesSpec::All),
            Raw::S(s) => Err(serde::de::Error::custom(format!(
                "candidates: expected `all` or a positive integer, got `{s}`"
            ))),
        }
    }
}

/// Metric settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSpec {
    /// SLA threshold on workflow latency, ms (3000).
    pub sla_ms: f64,
    /// Network-cost formula: `corrected` (the step's tokens) or `published` (TaskSize).
    pub network_cost: NetworkCostFormula,
}

impl Default for MetricsSpec {
    fn default() -> Self {
        MetricsSpec {
            sla_ms: 3000.0,
            network_cost: NetworkCostFormula::Corrected,
        }
    }
}

/// Which network-cost formula the metrics use.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum NetworkCostFormula {
    /// Bytes of the step's tokens.
    #[default]
    Corrected,
    /// Bytes of the task's TaskSize, as the reference metrics do.
    Published,
}

/// Output settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TraceSpec {
    /// Write per-step and per-workflow traces (true).
    pub enabled: bool,
    /// Also write Parquet (true).
    pub parquet: bool,
}

impl Default for TraceSpec {
    fn default() -> Self {
        TraceSpec {
            enabled: true,
            parquet: true,
        }
    }
}

/// Training settings for learned schedulers (defaults are the published ones).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TrainingSpec {
    /// Epochs (100).
    pub epochs: usize,
    /// Episodes (workflows) per epoch (200).
    pub episodes: usize,
    /// Validation workflows per epoch, from the test split (50).
    pub validation_episodes: usize,
}

impl Default for TrainingSpec {
    fn default() -> Self {
        TrainingSpec {
            epochs: 100,
            episodes: 200,
            validation_episodes: 50,
        }
    }
}

/// A scenario that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The YAML is malformed or has a bad key or value.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong (names the key, and the line where known).
        message: String,
    },
}

/// A scenario with its paths resolved.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    /// The scenario.
    pub spec: Scenario,
    /// Its name.
    pub name: String,
    /// The file it came from.
    pub path: PathBuf,
}

impl LoadedScenario {
    /// Read, parse, validate and resolve the scenario at `path`.
    pub fn load(path: &Path) -> Result<LoadedScenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let invalid = |message: String| ScenarioError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let mut spec: Scenario =
            serde_saphyr::from_str(&text).map_err(|e| invalid(one_line(&e.to_string())))?;
        spec.validate().map_err(invalid)?;
        let base = path.parent().unwrap_or(Path::new("."));
        spec.data = resolve(base, &spec.data);
        if let Some(f) = &spec.workload.arrivals_file {
            spec.workload.arrivals_file = Some(resolve(base, f));
        }
        if let Some(c) = &spec.checkpoints {
            spec.checkpoints = Some(resolve(base, c));
        }
        let name = spec.name.clone().unwrap_or_else(|| {
            path.file_stem()
                .map_or("scenario".into(), |s| s.to_string_lossy().into_owned())
        });
        Ok(LoadedScenario {
            spec,
            name,
            path: path.to_path_buf(),
        })
    }
}

/// `base/p`, with `dir/..` pairs removed lexically (so `scenarios/../data1` reads `data1`).
fn resolve(base: &Path, p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in base.join(p).components() {
        match c {
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// The first line of a parser message, without its source snippet.
fn one_line(s: &str) -> String {
    let first = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid YAML");
    let first = first.split(" --> ").next().unwrap_or(first);
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

impl Scenario {
    /// Check values that parse but are impossible; errors name the key.
    pub fn validate(&self) -> Result<(), String> {
        let w = &self.workload;
        if w.workflows == Some(0) {
            return Err("workload.workflows: must be >= 1 (an empty workload)".into());
        }
        match w.kind {
            WorkloadKind::Open => match (w.rate_per_s, &w.arrivals_file) {
                (None, None) => {
                    return Err(
                        "workload: an open workload needs `rate_per_s` or `arrivals_file`".into(),
                    )
                }
                (Some(r), _) if !(r.is_finite() && r > 0.0) => {
                    return Err(format!("workload.rate_per_s: must be > 0, got {r}"))
                }
                _ => {}
            },
            WorkloadKind::Episodic => {
                if w.rate_per_s.is_some() || w.arrivals_file.is_some() {
                    return Err(
                        "workload: `rate_per_s`/`arrivals_file` only apply to kind: open".into(),
                    );
                }
            }
        }
        let c = &self.compute;
        if !(c.base_tokens_per_s.is_finite() && c.base_tokens_per_s > 0.0) {
            return Err("compute.base_tokens_per_s: must be > 0".into());
        }
        if c.slots_per_instance == 0 {
            return Err("compute.slots_per_instance: must be >= 1".into());
        }
        if let Some(f) = c.trap_compute_factor {
            if !(f.is_finite() && f > 0.0) {
                return Err("compute.trap_compute_factor: must be > 0".into());
            }
        }
        if !(c.bytes_per_token.is_finite() && c.bytes_per_token >= 0.0) {
            return Err("compute.bytes_per_token: must be >= 0".into());
        }
        if !(self.metrics.sla_ms.is_finite() && self.metrics.sla_ms > 0.0) {
            return Err("metrics.sla_ms: must be > 0".into());
        }
        match &self.network {
            NetworkSpec::Overlay(o) => o.validate()?,
            NetworkSpec::Reference(r) => {
                if !(0.0..=1.0).contains(&r.trap_bad_probability) {
                    return Err("network.trap_bad_probability: must be in [0, 1]".into());
                }
            }
        }
        if self.training.epochs == 0 || self.training.episodes == 0 {
            return Err("training.epochs / training.episodes: must be >= 1".into());
        }
        Ok(())
    }

    /// The service-time factor on trap servers after defaults.
    pub fn trap_compute_factor(&self) -> f64 {
        self.compute
            .trap_compute_factor
            .unwrap_or(match self.network {
                NetworkSpec::Reference(_) => 2.0,
                NetworkSpec::Overlay(_) => 1.0,
            })
    }
}
