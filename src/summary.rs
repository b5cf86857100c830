//! Summaries: workflow-level metrics aggregated with polars, printed as a table and written
//! as `summary.csv`.
//!
//! The metrics themselves are computed in [`crate::metrics`] (percentiles with linear
//! interpolation, population standard deviation, total cost = compute + network +
//! communication with the network-cost formula the scenario picks); this module keeps the
//! one-row summary of a run, its CSV and its terminal table.

use std::path::Path;

use polars::prelude::*;

use crate::metrics::RunMetrics;

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
    /// The run's metrics.
    pub metrics: RunMetrics,
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
    Ok(Summary {
        scenario: scenario.into(),
        scheduler: scheduler.into(),
        privileged,
        seed,
        workflows: wf.height() as u64,
        metrics: crate::metrics::run_metrics(wf, sla_ms, formula)?,
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
            r.metrics.mean_ms,
            r.metrics.p50_ms,
            r.metrics.p95_ms,
            r.metrics.p99_ms,
            r.metrics.std_ms,
            r.metrics.network_ms,
            r.metrics.queue_ms,
            r.metrics.compute_ms,
            r.metrics.compute_cost,
            r.metrics.total_cost,
            r.metrics.sla_violation,
            r.metrics.trap_hits,
            r.metrics.reward
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
            r.metrics.mean_ms,
            r.metrics.p50_ms,
            r.metrics.p95_ms,
            r.metrics.p99_ms,
            r.metrics.queue_ms,
            r.metrics.total_cost,
            100.0 * r.metrics.sla_violation,
            r.metrics.trap_hits
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
        assert!(
            (s.metrics.p99_ms - 4880.0).abs() < 1e-9,
            "{}",
            s.metrics.p99_ms
        );
        assert!((s.metrics.p50_ms - 400.0).abs() < 1e-9);
        assert!((s.metrics.p95_ms - 4400.0).abs() < 1e-9);
        assert!((s.metrics.mean_ms - 10000.0 / 7.0).abs() < 1e-9);
        // Only 5000 is strictly above 3000.
        assert!((s.metrics.sla_violation - 1.0 / 7.0).abs() < 1e-12);
        // Total cost = compute + network x (1 + 0.3).
        assert!((s.metrics.total_cost - (0.01 + 0.13)).abs() < 1e-12);
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
        assert!((p.metrics.total_cost - (0.01 + 0.26)).abs() < 1e-12);
    }
}
