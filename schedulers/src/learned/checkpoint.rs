//! Checkpoints: the burn record of actor and critic (named MessagePack, full precision) plus a
//! JSON sidecar with what the model was trained on.
//!
//! For a checkpoint at `dir/star-ppo.best.mpk` the sidecar is `dir/star-ppo.best.json`. Both
//! files are written to a temporary name and renamed into place, so a reader never sees a
//! half-written file.

use std::fs;
use std::path::{Path, PathBuf};

use burn::backend::ndarray::NdArrayDevice;
use burn::module::Module;
use burn::record::{FullPrecisionSettings, NamedMpkBytesRecorder, Recorder};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::rl::net::MlpSpec;
use crate::rl::ppo::{ActorCritic, InnerBackend};

/// Version of the checkpoint layout written by this crate.
pub const CHECKPOINT_FORMAT: u32 = 1;

/// The JSON sidecar of a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    /// Layout version ([`CHECKPOINT_FORMAT`]).
    pub format: u32,
    /// Registry name of the scheduler (`star-ppo`, `ppo`).
    pub scheduler: String,
    /// Fingerprint of the dataset it was trained on.
    pub dataset_fingerprint: String,
    /// Number of servers (= policy outputs).
    pub server_count: usize,
    /// Name and version of the observation layout (see [`super::LearnedKind::feature_set`]).
    pub feature_set: String,
    /// Training seed.
    pub seed: u64,
    /// Planned number of epochs `E` (the schedules depend on it).
    pub epochs: usize,
    /// Epochs completed when the checkpoint was written.
    pub epochs_completed: usize,
    /// Best validation return seen so far, if the caller validates.
    pub best_validation_return: Option<f64>,
    /// DWA weights the policy is evaluated with (the weights it was last trained under).
    pub eval_weights: [f64; 3],
    /// Architecture of the actor.
    pub actor: MlpSpec,
    /// Architecture of the critic.
    pub critic: MlpSpec,
    /// Scenario the model was trained in, if the caller records it.
    pub scenario: Option<String>,
}

/// Why a checkpoint could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The sidecar is not valid JSON for [`CheckpointMeta`].
    #[error("{path}: bad checkpoint metadata: {message}")]
    Meta {
        /// The sidecar.
        path: PathBuf,
        /// The cause.
        message: String,
    },
    /// The burn record could not be encoded or decoded.
    #[error("{path}: bad model record: {message}")]
    Record {
        /// The record file.
        path: PathBuf,
        /// The cause.
        message: String,
    },
    /// The metadata does not describe the networks being saved.
    #[error("checkpoint metadata does not match the model: {0}")]
    Mismatch(String),
}

/// Path of the JSON sidecar of the checkpoint at `path` (`x.best.mpk` → `x.best.json`).
pub fn sidecar_path(path: &Path) -> PathBuf {
    path.with_extension("json")
}

/// Write `bytes` to `path` atomically: a temporary file next to it, then a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CheckpointError> {
    let io = |source| CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(io)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    fs::write(&tmp, bytes).map_err(io)?;
    fs::rename(&tmp, path).map_err(io)
}

/// Save `module` at `path` as a burn record (named MessagePack, full precision) with `meta` as
/// its JSON sidecar, both written atomically.
pub(crate) fn write_module<M: Module<InnerBackend>, T: Serialize>(
    path: &Path,
    module: M,
    meta: &T,
) -> Result<(), CheckpointError> {
    let bytes = NamedMpkBytesRecorder::<FullPrecisionSettings>::default()
        .record(module.into_record(), ())
        .map_err(|e| CheckpointError::Record {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    write_atomic(path, &bytes)?;
    let sidecar = sidecar_path(path);
    let json = serde_json::to_vec_pretty(meta).map_err(|e| CheckpointError::Meta {
        path: sidecar.clone(),
        message: e.to_string(),
    })?;
    write_atomic(&sidecar, &json)
}

/// Read the JSON sidecar of the checkpoint at `path`.
pub(crate) fn read_sidecar<T: DeserializeOwned>(path: &Path) -> Result<T, CheckpointError> {
    let sidecar = sidecar_path(path);
    let raw = fs::read(&sidecar).map_err(|source| CheckpointError::Io {
        path: sidecar.clone(),
        source,
    })?;
    serde_json::from_slice(&raw).map_err(|e| CheckpointError::Meta {
        path: sidecar,
        message: e.to_string(),
    })
}

/// Load the record at `path` into `skeleton` (a module of the recorded shape).
pub(crate) fn load_module<M: Module<InnerBackend>>(
    path: &Path,
    skeleton: M,
) -> Result<M, CheckpointError> {
    let bytes = fs::read(path).map_err(|source| CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let record = NamedMpkBytesRecorder::<FullPrecisionSettings>::default()
        .load(bytes, &NdArrayDevice::Cpu)
        .map_err(|e| CheckpointError::Record {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    Ok(skeleton.load_record(record))
}

/// Save `nets` at `path` with `meta` in the sidecar.
pub fn write_checkpoint(
    path: &Path,
    nets: ActorCritic<InnerBackend>,
    meta: &CheckpointMeta,
) -> Result<(), CheckpointError> {
    write_module(path, nets, meta)
}

/// Read only the sidecar of the checkpoint at `path`.
pub fn read_meta(path: &Path) -> Result<CheckpointMeta, CheckpointError> {
    let meta: CheckpointMeta = read_sidecar(path)?;
    if meta.format != CHECKPOINT_FORMAT {
        return Err(CheckpointError::Meta {
            path: sidecar_path(path),
            message: format!(
                "format {} (this build reads {CHECKPOINT_FORMAT})",
                meta.format
            ),
        });
    }
    Ok(meta)
}

/// Read the networks of the checkpoint at `path`, shaped as its sidecar says.
pub fn read_networks(
    path: &Path,
    meta: &CheckpointMeta,
) -> Result<ActorCritic<InnerBackend>, CheckpointError> {
    let device = NdArrayDevice::Cpu;
    // The skeleton's initial weights are overwritten by the record.
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let skeleton = ActorCritic {
        actor: meta.actor.init(&mut rng, &device),
        critic: meta.critic.init(&mut rng, &device),
    };
    load_module(path, skeleton)
}
