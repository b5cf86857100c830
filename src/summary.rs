//! Summaries: workflow-level metrics aggregated with polars, printed as a table and written
//! as `summary.csv`.
//!
//! The metrics themselves are computed in [`crate::metrics`] (percentiles with linear
//! interpolation, population standard deviation, total cost = compute + network +
//! communication with the network-cost formula the scenario picks); this module keeps the
//! one-row summary of a run, its CSV and its terminal table.

use std::path::Path;

use polars::prelude::*;

use crate::scenario::NetworkCostFormula;

/// One summary row: a scheduler on a scenario with a seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Scheduler spec.
    pub scheduler: String,
    /// Whether the scheduler reads privileged ground truth.
    pub privileged: bool,
    /// Run seed.
    pub seed: u64,
    /// Workflows completed.
    pub workflows: u64,
    /// Mean workflow latency, ms.
    pub mean_ms: f64,
    /// Median workflow latency, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Population standard deviation, ms.
    pub std_ms: f64,
    /// Mean network part, ms.
    pub network_ms: f64,
    /// Mean queue part, ms.
    pub queue_ms: f64,
    /// Mean compute part, ms.
    pub compute_ms: f64,
    /// Mean compute cost.
    pub compute_cost: f64,
    /// Mean total cost.
    pub total_cost: f64,
    /// Share of workflows with latency above the SLA.
    pub sla_violation: f64,
    /// Mean trap hits per workflow.
    pub trap_hits: f64,
    /// Mean scalarised reward per workflow.
    pub reward: f64,
}

/// Summarise a workflow frame (see [`crate::trace::workflow_frame`]) into a [`Summary`].
pub fn summary_row(
    scenario: &str,
    scheduler: &str,
    privileged: bool,
    seed: u64,
    wf: &DataFrame,
    sla_ms: f64,
    formula: NetworkCostFormula,
) -> PolarsResult<Summary> {
    let m = crate::metrics::run_metrics(wf, sla_ms, formula)?;
    Ok(Summary {
        scenario: scenario.into(),
        scheduler: scheduler.into(),
        privileged,
        seed,
        workflows: wf.height() as u64,
        mean_ms: m.mean_ms,
        p50_ms: m.p50_ms,
        p95_ms: m.p95_ms,
        p99_ms: m.p99_ms,
        std_ms: m.std_ms,
        network_ms: m.network_ms,
        queue_ms: m.queue_ms,
        compute_ms: m.compute_ms,
        compute_cost: m.compute_cost,
        total_cost: m.total_cost,
        sla_violation: m.sla_violation,
        trap_hits: m.trap_hits,
        reward: m.reward,
    })
}

/// Summary CSV header.
pub const SUMMARY_HEADER: &str = "scenario,scheduler,privileged,seed,workflows,mean_ms,p50_ms,p95_ms,p99_ms,std_ms,network_ms,queue_ms,compute_ms,compute_cost,total_cost,sla_violation_rate,trap_hits_per_workflow,reward";

/// Write rows as CSV.
pub fn write_csv(rows: &[Summary], path: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("csv.partial");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    writeln!(f, "{SUMMARY_HEADER}")?;
    for r in rows {
        writeln!(
            f,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.scenario,
            r.scheduler,
            r.privileged,
            r.seed,
            r.workflows,
            r.mean_ms,
            r.p50_ms,
            r.p95_ms,
            r.p99_ms,
            r.std_ms,
            r.network_ms,
            r.queue_ms,
            r.compute_ms,
            r.compute_cost,
            r.total_cost,
            r.sla_violation,
            r.trap_hits,
            r.reward
        )?;
    }
    f.flush()?;
    drop(f);
    std::fs::rename(tmp, path)
}

/// A fixed-width table for the terminal.
pub fn format_table(rows: &[Summary]) -> String {
    let mut s = format!(
        "{:<22} {:>5} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>7} {:>6}\n",
        "scheduler",
        "seed",
        "wfs",
        "mean_ms",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "queue_ms",
        "cost",
        "sla%",
        "traps"
    );
    for r in rows {
        let name = if r.privileged {
            format!("{} (privileged)", r.scheduler)
        } else {
            r.scheduler.clone()
        };
        s.push_str(&format!(
            "{:<22} {:>5} {:>6} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>10.5} {:>7.2} {:>6.2}\n",
            name,
            r.seed,
            r.workflows,
            r.mean_ms,
            r.p50_ms,
            r.p95_ms,
            r.p99_ms,
            r.queue_ms,
            r.total_cost,
            100.0 * r.sla_violation,
            r.trap_hits
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(lat: &[f64]) -> DataFrame {
        let n = lat.len();
        let c = |name: &str, v: Vec<f64>| Column::new(name.into(), v);
        DataFrame::new(
            n,
            vec![
                c("latency_ms", lat.to_vec()),
                c("network_ms", vec![10.0; n]),
                c("queue_ms", vec![0.0; n]),
                c("compute_ms", vec![5.0; n]),
                c("compute_cost", vec![0.01; n]),
                c("network_cost", vec![0.1; n]),
                c("network_cost_published", vec![0.2; n]),
                c("reward", vec![-1.0; n]),
                Column::new("trap_hits".into(), vec![1u32; n]),
                Column::new("switches".into(), vec![0u32; n]),
            ],
        )
        .unwrap()
    }

    #[test]
    fn quantiles_interpolate_linearly_and_sla_is_strict() {
        let df = frame(&[100.0, 200.0, 300.0, 400.0, 1000.0, 5000.0, 3000.0]);
        let s = summary_row(
            "s",
            "x",
            false,
            1,
            &df,
            3000.0,
            NetworkCostFormula::Corrected,
        )
        .unwrap();
        // Sorted: 100 200 300 400 1000 3000 5000; P99 at rank 0.99 x 6 = 5.94 between
        // 3000 and 5000: 3000 + 0.94 x 2000 = 4880. P50 = 400. P95 at 5.7: 3000 + 0.7 x 2000.
        assert!((s.p99_ms - 4880.0).abs() < 1e-9, "{}", s.p99_ms);
        assert!((s.p50_ms - 400.0).abs() < 1e-9);
        assert!((s.p95_ms - 4400.0).abs() < 1e-9);
        assert!((s.mean_ms - 10000.0 / 7.0).abs() < 1e-9);
        // Only 5000 is strictly above 3000.
        assert!((s.sla_violation - 1.0 / 7.0).abs() < 1e-12);
        // Total cost = compute + network x (1 + 0.3).
        assert!((s.total_cost - (0.01 + 0.13)).abs() < 1e-12);
        let p = summary_row(
            "s",
            "x",
            false,
            1,
            &df,
            3000.0,
            NetworkCostFormula::Published,
        )
        .unwrap();
        assert!((p.total_cost - (0.01 + 0.26)).abs() < 1e-12);
    }
}
