//! Build schedulers by name: `random`, `greedy[observed=false]`, or a user's own.

use std::path::PathBuf;

use crate::observation::Topology;
use crate::params::{ParamError, Params};
use crate::scheduler::Scheduler;

/// Why a scheduler could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// No scheduler of that name is registered.
    #[error("unknown scheduler `{name}` (known: {known})")]
    Unknown {
        /// The name asked for.
        name: String,
        /// Comma-separated registered names.
        known: String,
    },
    /// A parameter is wrong.
    #[error("{0}")]
    Param(#[from] ParamError),
    /// Anything else (a missing or mismatched checkpoint, for instance).
    #[error("{0}")]
    Other(String),
}

/// What a scheduler constructor gets besides its parameters.
#[derive(Debug, Clone, Copy)]
pub struct BuildContext<'a> {
    /// Seed for the scheduler's own random stream.
    pub seed: u64,
    /// The static topology of the run.
    pub topology: &'a Topology,
    /// Fingerprint of the dataset (checks that a checkpoint fits it).
    pub dataset_fingerprint: &'a str,
    /// The scenario file as given on the command line, followed by `--data DIR` when the run's
    /// dataset is not the scenario's own: what `simrun train` needs to train for this run (for
    /// messages such as "run `simrun train <scenario> --scheduler <name>`").
    pub scenario: &'a str,
    /// Directory where shipped checkpoints of this scenario live, if any.
    pub checkpoint_dir: Option<&'a std::path::Path>,
}

/// A constructor: builds a scheduler from the context and its parameters.
pub type Constructor = fn(&BuildContext<'_>, &Params) -> Result<Box<dyn Scheduler>, SchedulerError>;

/// One registered scheduler.
#[derive(Clone)]
pub struct SchedulerEntry {
    /// The name used on the command line and in scenarios.
    pub name: &'static str,
    /// One line on what it does.
    pub description: &'static str,
    /// Its parameters, as `(key, meaning and default)`.
    pub params: &'static [(&'static str, &'static str)],
    /// Whether it reads privileged ground truth.
    pub privileged: bool,
    /// The constructor.
    pub build: Constructor,
}

/// The set of schedulers that can be built by name.
#[derive(Clone, Default)]
pub struct Registry {
    entries: Vec<SchedulerEntry>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// A registry holding simrun's built-in schedulers, the learned ones included.
    pub fn with_builtins() -> Self {
        let mut r = Registry::new();
        for e in crate::builtin::entries()
            .into_iter()
            .chain(crate::learned::entries())
            .chain([crate::stark::entry()])
        {
            r.register(e);
        }
        r
    }

    /// Add (or replace) a scheduler.
    pub fn register(&mut self, entry: SchedulerEntry) {
        self.entries.retain(|e| e.name != entry.name);
        self.entries.push(entry);
    }

    /// All entries, in registration order.
    pub fn entries(&self) -> &[SchedulerEntry] {
        &self.entries
    }

    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&SchedulerEntry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Build the scheduler described by `spec` (`name` or `name[k=v,...]`), with `extra`
    /// parameters (from a scenario file) under the spec's own.
    pub fn build(
        &self,
        spec: &str,
        extra: &Params,
        ctx: &BuildContext<'_>,
    ) -> Result<Box<dyn Scheduler>, SchedulerError> {
        let (name, params) = Params::parse_spec(spec)?;
        let entry = self.get(&name).ok_or_else(|| SchedulerError::Unknown {
            name: name.clone(),
            known: self
                .entries
                .iter()
                .map(|e| e.name)
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        let params = extra.clone().merged(&params);
        let sched = (entry.build)(ctx, &params)?;
        params.finish(&name).map_err(|e| {
            let known: Vec<&str> = entry.params.iter().map(|(k, _)| *k).collect();
            let known = if known.is_empty() {
                "it takes none".to_string()
            } else {
                format!("known: {}", known.join(", "))
            };
            SchedulerError::Param(ParamError(format!("{} ({known})", e.0)))
        })?;
        Ok(sched)
    }
}

/// Default location of a scheduler's shipped checkpoint under a checkpoint directory.
pub fn default_checkpoint(ctx: &BuildContext<'_>, scheduler: &str) -> Option<PathBuf> {
    ctx.checkpoint_dir
        .map(|d| d.join(format!("{scheduler}.best.mpk")))
}
