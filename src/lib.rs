//! simrun: a deterministic discrete-event simulator for placing multi-step LLM / MoE inference
//! workflows on geo-distributed edge-cloud servers, with pluggable schedulers.
//!
//! Where things live: [`dataset`] loads the published data format; [`scenario`] reads YAML
//! scenarios; [`world`] derives what a run needs from both; [`workload`] plans arrivals;
//! [`network`] draws message delays; [`engine`] runs the event loop; [`record`] defines the
//! rows a run emits and [`trace`] writes them as CSV and Parquet; [`summary`] aggregates them
//! with polars; [`run`] ties a scenario, a scheduler and an output folder together;
//! [`metrics`] computes the evaluation metrics of a run, [`compare`] runs schedulers over seeds
//! in parallel and [`plots`] draws the comparison figures.
//! Schedulers live in the `simrun-schedulers` crate, re-exported as [`schedulers`].
#![warn(missing_docs)]

pub mod bench;
pub mod candidates;
pub mod compare;
pub mod dataset;
pub mod engine;
pub mod gen;
pub mod metrics;
pub mod network;
pub mod plots;
pub mod record;
pub mod run;
pub mod scenario;
pub mod seeds;
pub mod summary;
pub mod trace;
pub mod train;
pub mod train_stark;
pub mod workload;
pub mod world;

pub use simrun_schedulers as schedulers;

pub mod cli_compare;
pub mod cli_gen;

/// The scheduler registry with every built-in scheduler.
pub fn registry() -> schedulers::Registry {
    schedulers::Registry::with_builtins()
}

/// A listing of the registry: name, description and parameters.
pub fn describe_schedulers(registry: &schedulers::Registry) -> String {
    let mut s = String::new();
    for e in registry.entries() {
        let tag = if e.privileged { " [privileged]" } else { "" };
        s.push_str(&format!("{:<16} {}{}\n", e.name, e.description, tag));
        for (k, d) in e.params {
            s.push_str(&format!("    {k:<24} {d}\n"));
        }
    }
    s
}
