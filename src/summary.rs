//! Summaries: workflow-level metrics aggregated with polars, printed as a table and written
//! as `summary.csv`.
//!
//! Percentiles use linear interpolation between order statistics (NumPy's default, as the
//! published metrics do); the standard deviation is the population one. Total cost is compute
//! + network + communication (0.3 x network), with the network-cost formula the scenario picks.

use std::path::Path;

use polars::prelude::*;

use crate::record::COMM_COST_SHARE;
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
    let net = match formula {
        NetworkCostFormula::Corrected => col("network_cost"),
        NetworkCostFormula::Published => col("network_cost_published"),
    };
    let lat = || col("latency_ms");
    let out = wf
        .clone()
        .lazy()
        .select([
            lat().mean().alias("mean"),
            lat()
                .quantile(lit(0.50), QuantileMethod::Linear)
                .alias("p50"),
            lat()
                .quantile(lit(0.95), QuantileMethod::Linear)
                .alias("p95"),
            lat()
                .quantile(lit(0.99), QuantileMethod::Linear)
                .alias("p99"),
            lat().std(0).alias("std"),
            col("network_ms").mean().alias("network"),
            col("queue_ms").mean().alias("queue"),
            col("compute_ms").mean().alias("compute"),
            col("compute_cost").mean().alias("compute_cost"),
            (col("compute_cost") + net * lit(1.0 + COMM_COST_SHARE))
                .mean()
                .alias("total_cost"),
            lat()
                .gt(lit(sla_ms))
                .cast(DataType::Float64)
                .mean()
                .alias("sla"),
            col("trap_hits")
                .cast(DataType::Float64)
                .mean()
                .alias("traps"),
            col("reward").mean().alias("reward"),
        ])
        .collect()?;
    let g = |name: &str| -> PolarsResult<f64> {
        Ok(out.column(name)?.f64()?.get(0).unwrap_or(f64::NAN))
    };
    Ok(Summary {
        scenario: scenario.into(),
        scheduler: scheduler.into(),
        privileged,
        seed,
        workflows: wf.height() as u64,
        mean_ms: g("mean")?,
        p50_ms: g("p50")?,
        p95_ms: g("p95")?,
        p99_ms: g("p99")?,
        std_ms: g("std")?,
        network_ms: g("network")?,
        queue_ms: g("queue")?,
        compute_ms: g("compute")?,
        compute_cost: g("compute_cost")?,
        total_cost: g("total_cost")?,
        sla_violation: g("sla")?,
        trap_hits: g("traps")?,
        reward: g("reward")?,
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
