//! Comparison tables: per-seed runs aggregated with polars into one row per scheduler
//! (mean ± population std over seeds), written as `table.csv`, `table.md`, `runs.csv` and
//! `timing.csv`.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use polars::prelude::*;

use super::{CompareReport, RunOutcome};
use crate::metrics::{self, RunMetrics, METRICS, N_METRICS};

/// One scheduler's metrics over the seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerRow {
    /// Scheduler spec.
    pub scheduler: String,
    /// Whether it reads privileged ground truth.
    pub privileged: bool,
    /// Number of seeds (runs) aggregated.
    pub seeds: usize,
    /// Mean over seeds of every run metric.
    pub mean: RunMetrics,
    /// Population standard deviation over seeds of every run metric.
    pub std: RunMetrics,
    /// Mean wall-clock decision time per step over seeds, µs (not reproducible).
    pub decision_us_per_step: f64,
}

impl SchedulerRow {
    /// The scheduler's name as tables show it: `(privileged)` appended where it applies.
    pub fn label(&self) -> String {
        label(&self.scheduler, self.privileged)
    }
}

/// `name` with ` (privileged)` appended when `privileged`.
pub fn label(name: &str, privileged: bool) -> String {
    if privileged {
        format!("{name} (privileged)")
    } else {
        name.to_string()
    }
}

/// The runs as a polars frame: `scheduler`, `privileged`, `seed`, every metric of
/// [`METRICS`], and `decision_us_per_step`.
pub fn runs_frame(runs: &[RunOutcome]) -> PolarsResult<DataFrame> {
    let mut cols = vec![
        Column::new(
            "scheduler".into(),
            runs.iter()
                .map(|r| r.scheduler.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "privileged".into(),
            runs.iter().map(|r| r.privileged).collect::<Vec<_>>(),
        ),
        Column::new(
            "seed".into(),
            runs.iter().map(|r| r.seed).collect::<Vec<_>>(),
        ),
    ];
    for (i, m) in METRICS.iter().enumerate() {
        cols.push(Column::new(
            m.key.into(),
            runs.iter()
                .map(|r| r.metrics.to_array()[i])
                .collect::<Vec<f64>>(),
        ));
    }
    cols.push(Column::new(
        "decision_us_per_step".into(),
        runs.iter()
            .map(|r| r.decision_us_per_step)
            .collect::<Vec<f64>>(),
    ));
    DataFrame::new(runs.len(), cols)
}

/// Aggregate the runs per scheduler (in first-appearance order) with polars.
pub fn aggregate(runs: &[RunOutcome]) -> PolarsResult<Vec<SchedulerRow>> {
    let mut aggs = vec![
        col("privileged").first().alias("privileged"),
        col("seed").count().alias("seeds"),
        col("decision_us_per_step")
            .mean()
            .alias("decision_us_per_step"),
    ];
    for m in METRICS {
        aggs.push(col(m.key).mean().alias(format!("{}_mean", m.key)));
        aggs.push(col(m.key).std(0).alias(format!("{}_std", m.key)));
    }
    let out = runs_frame(runs)?
        .lazy()
        .group_by_stable([col("scheduler")])
        .agg(aggs)
        .collect()?;
    let f = |name: &str, i: usize| -> PolarsResult<f64> {
        Ok(out
            .column(name)?
            .cast(&DataType::Float64)?
            .f64()?
            .get(i)
            .unwrap_or(f64::NAN))
    };
    let names = out.column("scheduler")?.str()?.clone();
    let privileged = out.column("privileged")?.bool()?.clone();
    let mut rows = Vec::with_capacity(out.height());
    for i in 0..out.height() {
        let mut mean = [0.0; N_METRICS];
        let mut std = [0.0; N_METRICS];
        for (j, m) in METRICS.iter().enumerate() {
            mean[j] = f(&format!("{}_mean", m.key), i)?;
            std[j] = f(&format!("{}_std", m.key), i)?;
        }
        rows.push(SchedulerRow {
            scheduler: names.get(i).unwrap_or_default().to_string(),
            privileged: privileged.get(i).unwrap_or(false),
            seeds: f("seeds", i)? as usize,
            mean: RunMetrics::from_array(mean),
            std: RunMetrics::from_array(std),
            decision_us_per_step: f("decision_us_per_step", i)?,
        });
    }
    Ok(rows)
}

/// The scheduler used as the improvement baseline when present (the published Greedy).
pub const BASELINE: &str = "greedy-compute";

/// `100 (L_base - L) / L_base` on mean latency over seeds, when the baseline ran.
pub fn improvement_pct(rows: &[SchedulerRow], row: &SchedulerRow) -> Option<f64> {
    let base = rows.iter().find(|r| r.scheduler == BASELINE)?;
    // `+ 0.0` turns a negative zero into a positive one for display.
    Some(100.0 * (base.mean.mean_ms - row.mean.mean_ms) / base.mean.mean_ms + 0.0)
}

/// `table.csv`: one row per scheduler, `<metric>_mean` and `<metric>_std` columns.
/// Deterministic: no wall-clock values.
pub fn table_csv(report: &CompareReport) -> String {
    let mut s = String::from("scheduler,privileged,seeds,network_cost_formula");
    for m in METRICS {
        let _ = write!(s, ",{0}_mean,{0}_std", m.key);
    }
    s.push('\n');
    let formula = formula_key(report);
    for r in &report.rows {
        let _ = write!(
            s,
            "{},{},{},{}",
            csv_field(&r.scheduler),
            r.privileged,
            r.seeds,
            formula
        );
        for (m, sd) in r.mean.to_array().iter().zip(r.std.to_array()) {
            let _ = write!(s, ",{m},{sd}");
        }
        s.push('\n');
    }
    s
}

/// `runs.csv`: one row per (scheduler, seed) run. Deterministic: no wall-clock values.
pub fn runs_csv(report: &CompareReport) -> String {
    let mut s = String::from("scenario,scheduler,privileged,seed");
    for m in METRICS {
        let _ = write!(s, ",{}", m.key);
    }
    s.push('\n');
    for r in &report.runs {
        let _ = write!(
            s,
            "{},{},{},{}",
            csv_field(&report.scenario),
            csv_field(&r.scheduler),
            r.privileged,
            r.seed
        );
        for v in r.metrics.to_array() {
            let _ = write!(s, ",{v}");
        }
        s.push('\n');
    }
    s
}

/// `timing.csv`: wall-clock decision time and run time per run (not reproducible).
pub fn timing_csv(report: &CompareReport) -> String {
    let mut s = String::from("scheduler,seed,steps,decision_us_per_step,wall_s\n");
    for r in &report.runs {
        let _ = writeln!(
            s,
            "{},{},{},{:.3},{:.3}",
            csv_field(&r.scheduler),
            r.seed,
            r.steps,
            r.decision_us_per_step,
            r.wall_s
        );
    }
    s
}

/// Keys of [`METRICS`] shown in the Markdown table, in order.
pub const MARKDOWN_METRICS: [&str; 17] = [
    "mean_ms",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "std_ms",
    "network_ms",
    "queue_ms",
    "compute_ms",
    "compute_cost",
    "network_cost",
    "comm_cost",
    "total_cost",
    "sla_violation",
    "switches",
    "risk",
    "trap_hits",
    "qos",
];

/// The Markdown report: a header naming scenario, seeds, SLA and network-cost formula, the
/// table (mean ± std over seeds), and notes. The decision-time column is wall clock.
pub fn markdown(report: &CompareReport) -> String {
    let mut s = String::new();
    let seeds: Vec<String> = report.seeds.iter().map(u64::to_string).collect();
    let workflows = report
        .rows
        .first()
        .map(|r| format!("{}", r.mean.workflows))
        .unwrap_or_default();
    let _ = writeln!(s, "## Scheduler comparison: {}\n", report.scenario);
    let _ = writeln!(
        s,
        "Seeds {} · {} workflows per run · SLA {} ms (violation: latency > SLA) · network cost: {}\n",
        seeds.join(", "),
        workflows,
        report.sla_ms,
        metrics::describe_formula(report.formula)
    );
    let has_base = report.rows.iter().any(|r| r.scheduler == BASELINE);
    let infos: Vec<_> = MARKDOWN_METRICS
        .iter()
        .filter_map(|k| METRICS.iter().find(|m| m.key == *k))
        .collect();
    s.push_str("| scheduler |");
    for m in &infos {
        let _ = write!(s, " {} |", m.label);
    }
    if has_base {
        let _ = write!(s, " Δ mean vs {BASELINE} % |");
    }
    s.push_str(" decision µs/step † |\n|---|");
    for _ in 0..infos.len() + 1 + has_base as usize {
        s.push_str("---:|");
    }
    s.push('\n');
    for r in &report.rows {
        let (mean, std) = (r.mean.to_array(), r.std.to_array());
        let _ = write!(s, "| {} |", r.label());
        for m in &infos {
            let j = METRICS.iter().position(|x| x.key == m.key).unwrap_or(0);
            let _ = write!(
                s,
                " {:.*} ± {:.*} |",
                m.decimals,
                mean[j] * m.scale,
                m.decimals,
                std[j] * m.scale
            );
        }
        if has_base {
            match improvement_pct(&report.rows, r) {
                Some(v) => {
                    let _ = write!(s, " {v:.1} |");
                }
                None => s.push_str(" – |"),
            }
        }
        let _ = writeln!(s, " {:.2} |", r.decision_us_per_step);
    }
    s.push_str(
        "\nValues: mean ± population std over seeds of per-run metrics. Latencies in ms per \
         workflow (P50/P95/P99 with linear interpolation); costs per workflow; comm. cost = 0.3 × \
         network cost; total = compute + network + comm.; risk = mean clip(switches/3, 0, 1); \
         QoS = 100·[0.45·(1−clip(mean/5000)) + 0.35·(1−clip(total cost/0.20)) + 0.10·(1−risk) + \
         0.10·(1−SLA share)].\n",
    );
    if has_base {
        let _ = writeln!(
            s,
            "Δ mean vs {BASELINE}: 100·(L_{BASELINE} − L)/L_{BASELINE} on the mean latencies over seeds."
        );
    }
    s.push_str("† Wall-clock time, not reproducible; kept out of table.csv and runs.csv.\n");
    for sk in &report.skipped {
        let _ = writeln!(s, "Skipped `{}`: {}", sk.scheduler, sk.reason);
    }
    s
}

fn formula_key(report: &CompareReport) -> &'static str {
    match report.formula {
        crate::scenario::NetworkCostFormula::Corrected => "corrected",
        crate::scenario::NetworkCostFormula::Published => "published",
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}

/// Write `table.md`, `table.csv`, `runs.csv` and `timing.csv` into the report's folder.
pub fn write_all(report: &CompareReport) -> Result<()> {
    let d = &report.out_dir;
    write_atomic(&d.join("table.md"), &markdown(report))?;
    write_atomic(&d.join("table.csv"), &table_csv(report))?;
    write_atomic(&d.join("runs.csv"), &runs_csv(report))?;
    write_atomic(&d.join("timing.csv"), &timing_csv(report))?;
    Ok(())
}
