//! The scheduler side of simrun.
//!
//! This crate owns three things:
//! - [`Scheduler`], the one trait every scheduler implements;
//! - the observation types a scheduler is allowed to see ([`observation`]): the step to place,
//!   its candidates, the static topology and live telemetry. Ground truth that a real scheduler
//!   could not know (which servers are traps, the random draws of the network) is never here;
//! - the built-in schedulers and the [`registry`] that builds any of them from a spec string
//!   such as `random` or `greedy[observed=false]`.
//!
//! The simulation engine depends on this crate, never the other way round, so a scheduler cannot
//! reach into engine internals. Decisions are plain values ([`Decision`]) and outcomes come back
//! as plain values ([`StepOutcome`]), which keeps schedulers easy to log, test and train.
#![warn(missing_docs)]

pub mod builtin;
pub mod learned;
pub mod observation;
pub mod params;
pub mod registry;
pub mod rl;
pub mod scheduler;
pub mod stark;
#[cfg(test)]
mod test_util;
pub mod truth;

pub use learned::{CheckpointMeta, EpochStats, LearnedKind, LearnedPolicy, TrainConfig, Trainer};
pub use observation::{
    Candidate, GeoPoint, ModelTypeId, ServerIdx, ServerInfo, StationIdx, StationTelemetry,
    StepContext, Telemetry, Topology,
};
pub use params::{ParamError, Params};
pub use registry::{BuildContext, Registry, SchedulerEntry, SchedulerError};
pub use scheduler::{Decision, Scheduler, StepOutcome};
pub use truth::GroundTruth;
