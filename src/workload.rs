//! Workloads: which tasks run, and when they arrive.

use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::dataset::{csvio_public::Table, DataError, Dataset};
use crate::scenario::{TaskOrder, Workload, WorkloadKind};

/// One planned workflow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Planned {
    /// Task index.
    pub task: u32,
    /// Arrival time in ms (open workloads; ignored by episodic ones).
    pub arrival_ms: f64,
}

/// The workflows of a run, in arrival order.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Episodic or open.
    pub kind: WorkloadKind,
    /// The workflows.
    pub workflows: Vec<Planned>,
}

/// Build the plan for `w` on `ds`, drawing from `rng` (the run's workload stream).
pub fn plan(ds: &Dataset, w: &Workload, rng: &mut ChaCha8Rng) -> Result<Plan, DataError> {
    let pool = ds.split(w.split);
    if pool.is_empty() {
        return Err(DataError::file(
            &ds.dir.join("tasks.csv"),
            format!("no `{:?}` tasks: the workload is empty", w.split).to_lowercase(),
        ));
    }
    if let Some(file) = &w.arrivals_file {
        return from_file(ds, file, w.workflows);
    }
    let n = w.workflows.unwrap_or(pool.len() as u64) as usize;
    Ok(from_pool(
        w.kind,
        &pool,
        n,
        w.order,
        w.rate_per_s.unwrap_or(1.0),
        rng,
    ))
}

/// `n` workflows over the task indices in `pool` (non-empty): in order (task i mod len) or
/// sampled uniformly; open workloads get Poisson arrivals at `rate_per_s`.
pub fn from_pool(
    kind: WorkloadKind,
    pool: &[u32],
    n: usize,
    order: TaskOrder,
    rate_per_s: f64,
    rng: &mut ChaCha8Rng,
) -> Plan {
    let mut t = 0.0;
    let mut workflows = Vec::with_capacity(n);
    for i in 0..n {
        let task = match order {
            TaskOrder::Sequential => pool[i % pool.len()],
            TaskOrder::Sample => pool[rng.random_range(0..pool.len())],
        };
        if kind == WorkloadKind::Open {
            t += -(1.0 - rng.random::<f64>()).ln() / rate_per_s * 1000.0;
        }
        workflows.push(Planned {
            task,
            arrival_ms: t,
        });
    }
    Plan { kind, workflows }
}

fn from_file(ds: &Dataset, path: &Path, limit: Option<u64>) -> Result<Plan, DataError> {
    let table = Table::open(path)?;
    let has_task = table.has("task");
    let index: std::collections::HashMap<&str, u32> = ds
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i as u32))
        .collect();
    let mut workflows = Vec::new();
    let mut last = f64::NEG_INFINITY;
    let mut i = 0usize;
    table.for_each(|row| {
        let t = row.f64("time_ms")?;
        if t < 0.0 || t < last {
            return Err(row.bad("time_ms", "arrival times must be >= 0 and non-decreasing"));
        }
        last = t;
        let task = if has_task {
            let id = row.text("task")?;
            *index
                .get(id)
                .ok_or_else(|| row.bad("task", format!("unknown task `{id}`")))?
        } else {
            (i % ds.tasks.len()) as u32
        };
        i += 1;
        workflows.push(Planned {
            task,
            arrival_ms: t,
        });
        Ok(())
    })?;
    if let Some(n) = limit {
        workflows.truncate(n as usize);
    }
    if workflows.is_empty() {
        return Err(DataError::file(path, "has no arrivals (empty workload)"));
    }
    Ok(Plan {
        kind: WorkloadKind::Open,
        workflows,
    })
}
