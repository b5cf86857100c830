//! simrun's built-in heuristic schedulers.

mod greedy;
mod greedy_compute;
mod oracle;
mod random;

pub use greedy::{estimate_latency_ms, Greedy};
pub use greedy_compute::GreedyCompute;
pub use oracle::Oracle;
pub use random::RandomScheduler;

use crate::registry::SchedulerEntry;

/// Registry entries of the built-ins.
pub fn entries() -> Vec<SchedulerEntry> {
    vec![
        greedy::entry(),
        greedy_compute::entry(),
        random::entry(),
        oracle::entry(),
    ]
}
