//! Workflow-level evaluation metrics of one run, computed with polars from its workflow frame
//! (see [`crate::trace::workflow_frame`]).
//!
//! The formulas follow the reference evaluation: per workflow `e`, latency `L_e` (ms), compute
//! cost, network cost (the corrected formula from the steps' tokens, or the published one from
//! the task's TaskSize, as the scenario's `metrics.network_cost` says), communication cost =
//! 0.3 x network cost, total = compute + network + communication, SLA violation `L_e > sla`
//! (strict), risk `clip(switches_e / 3, 0, 1)`. Over the workflows: mean, P50 / P95 / P99 with
//! linear interpolation between order statistics (NumPy's default), population standard
//! deviation, the means of every part, and the composite QoS score ([`qos_score`]).
//!
//! Everything here is a pure function of the frame, so it is deterministic; wall-clock
//! decision time is kept apart (see [`crate::compare`]).

use polars::prelude::*;

use crate::record::COMM_COST_SHARE;
use crate::scenario::NetworkCostFormula;

/// Region switches at which the per-workflow risk saturates at 1.
pub const RISK_REF_SWITCHES: f64 = 3.0;
/// Mean latency at which the QoS latency term reaches 0, ms.
pub const QOS_LATENCY_REF_MS: f64 = 5000.0;
/// Mean total cost at which the QoS cost term reaches 0.
pub const QOS_COST_REF: f64 = 0.20;
/// QoS weights of the latency, cost, risk and SLA terms.
pub const QOS_WEIGHTS: [f64; 4] = [0.45, 0.35, 0.10, 0.10];

/// Per-workflow risk from its region switches: `clip(switches / 3, 0, 1)`.
pub fn risk(switches: f64) -> f64 {
    (switches / RISK_REF_SWITCHES).clamp(0.0, 1.0)
}

/// The composite QoS score in [0, 100]:
/// `100 [0.45 (1 - clip(L/5000)) + 0.35 (1 - clip(C/0.20)) + 0.10 (1 - risk) + 0.10 (1 - V)]`
/// with `L` the mean latency (ms), `C` the mean total cost, `risk` the mean risk and `V` the
/// share of SLA violations.
pub fn qos_score(
    mean_latency_ms: f64,
    mean_total_cost: f64,
    mean_risk: f64,
    violation: f64,
) -> f64 {
    let [wl, wc, wr, ws] = QOS_WEIGHTS;
    100.0
        * (wl * (1.0 - (mean_latency_ms / QOS_LATENCY_REF_MS).clamp(0.0, 1.0))
            + wc * (1.0 - (mean_total_cost / QOS_COST_REF).clamp(0.0, 1.0))
            + wr * (1.0 - mean_risk)
            + ws * (1.0 - violation))
}

/// The metrics of one run (one scheduler, one seed). Latencies in ms, costs in money units
/// per workflow, shares in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RunMetrics {
    /// Workflows completed.
    pub workflows: f64,
    /// Mean workflow latency, ms.
    pub mean_ms: f64,
    /// Median workflow latency (linear interpolation), ms.
    pub p50_ms: f64,
    /// 95th percentile (linear interpolation), ms.
    pub p95_ms: f64,
    /// 99th percentile (linear interpolation), ms.
    pub p99_ms: f64,
    /// Population standard deviation of workflow latency, ms.
    pub std_ms: f64,
    /// Mean network part of the latency, ms.
    pub network_ms: f64,
    /// Mean queueing part, ms.
    pub queue_ms: f64,
    /// Mean compute (service) part, ms.
    pub compute_ms: f64,
    /// Mean compute cost.
    pub compute_cost: f64,
    /// Mean network cost (formula chosen by the scenario).
    pub network_cost: f64,
    /// Mean communication cost (0.3 x network cost).
    pub comm_cost: f64,
    /// Mean total cost = compute + network + communication.
    pub total_cost: f64,
    /// Share of workflows with latency strictly above the SLA.
    pub sla_violation: f64,
    /// Mean region switches per workflow.
    pub switches: f64,
    /// Mean per-workflow risk `clip(switches / 3, 0, 1)`.
    pub risk: f64,
    /// Composite QoS score, 0..100 ([`qos_score`]).
    pub qos: f64,
    /// Mean trap hits per workflow.
    pub trap_hits: f64,
    /// Mean scalarised reward per workflow.
    pub reward: f64,
}

/// Number of values in a [`RunMetrics`].
pub const N_METRICS: usize = 19;

/// Description of one metric: its column name and how tables show it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricInfo {
    /// Column name in CSV files.
    pub key: &'static str,
    /// Header in Markdown tables.
    pub label: &'static str,
    /// Decimals shown in Markdown tables.
    pub decimals: usize,
    /// Factor applied before display (100 for shares shown as %).
    pub scale: f64,
}

const fn info(key: &'static str, label: &'static str, decimals: usize, scale: f64) -> MetricInfo {
    MetricInfo {
        key,
        label,
        decimals,
        scale,
    }
}

/// The metrics in [`RunMetrics::to_array`] order.
pub const METRICS: [MetricInfo; N_METRICS] = [
    info("workflows", "workflows", 0, 1.0),
    info("mean_ms", "mean ms", 1, 1.0),
    info("p50_ms", "P50 ms", 1, 1.0),
    info("p95_ms", "P95 ms", 1, 1.0),
    info("p99_ms", "P99 ms", 1, 1.0),
    info("std_ms", "std ms", 1, 1.0),
    info("network_ms", "network ms", 1, 1.0),
    info("queue_ms", "queue ms", 1, 1.0),
    info("compute_ms", "compute ms", 1, 1.0),
    info("compute_cost", "compute cost", 5, 1.0),
    info("network_cost", "network cost", 5, 1.0),
    info("comm_cost", "comm. cost", 5, 1.0),
    info("total_cost", "total cost", 5, 1.0),
    info("sla_violation", "SLA viol. %", 2, 100.0),
    info("switches", "switches", 3, 1.0),
    info("risk", "risk", 3, 1.0),
    info("qos", "QoS", 2, 1.0),
    info("trap_hits", "trap hits", 3, 1.0),
    info("reward", "reward", 4, 1.0),
];

impl RunMetrics {
    /// The values in [`METRICS`] order.
    pub fn to_array(&self) -> [f64; N_METRICS] {
        [
            self.workflows,
            self.mean_ms,
            self.p50_ms,
            self.p95_ms,
            self.p99_ms,
            self.std_ms,
            self.network_ms,
            self.queue_ms,
            self.compute_ms,
            self.compute_cost,
            self.network_cost,
            self.comm_cost,
            self.total_cost,
            self.sla_violation,
            self.switches,
            self.risk,
            self.qos,
            self.trap_hits,
            self.reward,
        ]
    }

    /// Inverse of [`RunMetrics::to_array`].
    pub fn from_array(v: [f64; N_METRICS]) -> RunMetrics {
        RunMetrics {
            workflows: v[0],
            mean_ms: v[1],
            p50_ms: v[2],
            p95_ms: v[3],
            p99_ms: v[4],
            std_ms: v[5],
            network_ms: v[6],
            queue_ms: v[7],
            compute_ms: v[8],
            compute_cost: v[9],
            network_cost: v[10],
            comm_cost: v[11],
            total_cost: v[12],
            sla_violation: v[13],
            switches: v[14],
            risk: v[15],
            qos: v[16],
            trap_hits: v[17],
            reward: v[18],
        }
    }
}

/// The workflow-frame column holding the network cost of `formula`.
pub fn network_cost_column(formula: NetworkCostFormula) -> &'static str {
    match formula {
        NetworkCostFormula::Corrected => "network_cost",
        NetworkCostFormula::Published => "network_cost_published",
    }
}

/// One line naming the network-cost formula, for table headers and notes.
pub fn describe_formula(formula: NetworkCostFormula) -> &'static str {
    match formula {
        NetworkCostFormula::Corrected => {
            "corrected (step tokens x 4 B / 1024 x network ms x 0.00015)"
        }
        NetworkCostFormula::Published => {
            "published (task TaskSize x 4 B / 1024 x network ms x 0.00015, per step)"
        }
    }
}

/// Compute the [`RunMetrics`] of a workflow frame with SLA threshold `sla_ms` (strict `>`)
/// and the network-cost `formula`. An empty frame gives NaN for every mean.
pub fn run_metrics(
    wf: &DataFrame,
    sla_ms: f64,
    formula: NetworkCostFormula,
) -> PolarsResult<RunMetrics> {
    let lat = || col("latency_ms");
    let net = || col(network_cost_column(formula));
    let f64col = |name: &str| col(name).cast(DataType::Float64);
    let out = wf
        .clone()
        .lazy()
        .select([
            lat().mean().alias("mean_ms"),
            lat()
                .quantile(lit(0.50), QuantileMethod::Linear)
                .alias("p50_ms"),
            lat()
                .quantile(lit(0.95), QuantileMethod::Linear)
                .alias("p95_ms"),
            lat()
                .quantile(lit(0.99), QuantileMethod::Linear)
                .alias("p99_ms"),
            lat().std(0).alias("std_ms"),
            col("network_ms").mean().alias("network_ms"),
            col("queue_ms").mean().alias("queue_ms"),
            col("compute_ms").mean().alias("compute_ms"),
            col("compute_cost").mean().alias("compute_cost"),
            net().mean().alias("network_cost"),
            (net() * lit(COMM_COST_SHARE)).mean().alias("comm_cost"),
            (col("compute_cost") + net() * lit(1.0 + COMM_COST_SHARE))
                .mean()
                .alias("total_cost"),
            lat()
                .gt(lit(sla_ms))
                .cast(DataType::Float64)
                .mean()
                .alias("sla_violation"),
            f64col("switches").mean().alias("switches"),
            clip01(f64col("switches") / lit(RISK_REF_SWITCHES))
                .mean()
                .alias("risk"),
            f64col("trap_hits").mean().alias("trap_hits"),
            col("reward").mean().alias("reward"),
        ])
        .collect()?;
    let g = |name: &str| -> PolarsResult<f64> {
        Ok(out
            .column(name)?
            .cast(&DataType::Float64)?
            .f64()?
            .get(0)
            .unwrap_or(f64::NAN))
    };
    let mut m = RunMetrics {
        workflows: wf.height() as f64,
        mean_ms: g("mean_ms")?,
        p50_ms: g("p50_ms")?,
        p95_ms: g("p95_ms")?,
        p99_ms: g("p99_ms")?,
        std_ms: g("std_ms")?,
        network_ms: g("network_ms")?,
        queue_ms: g("queue_ms")?,
        compute_ms: g("compute_ms")?,
        compute_cost: g("compute_cost")?,
        network_cost: g("network_cost")?,
        comm_cost: g("comm_cost")?,
        total_cost: g("total_cost")?,
        sla_violation: g("sla_violation")?,
        switches: g("switches")?,
        risk: g("risk")?,
        qos: f64::NAN,
        trap_hits: g("trap_hits")?,
        reward: g("reward")?,
    };
    m.qos = qos_score(m.mean_ms, m.total_cost, m.risk, m.sla_violation);
    Ok(m)
}

/// `clip(x, 0, 1)` as a polars expression (without the `round_series` feature).
fn clip01(x: Expr) -> Expr {
    when(x.clone().lt(lit(0.0)))
        .then(lit(0.0))
        .when(x.clone().gt(lit(1.0)))
        .then(lit(1.0))
        .otherwise(x)
}

/// The `latency_ms` column of a workflow frame, sorted ascending (for CDFs).
pub fn sorted_latencies(wf: &DataFrame) -> PolarsResult<Vec<f64>> {
    let mut v: Vec<f64> = wf
        .column("latency_ms")?
        .as_materialized_series()
        .f64()?
        .downcast_iter()
        .flat_map(|a| a.iter().flatten().copied())
        .collect();
    v.sort_by(f64::total_cmp);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five workflows, hand-made so every metric has a known value.
    fn frame() -> DataFrame {
        let c = |name: &str, v: &[f64]| Column::new(name.into(), v.to_vec());
        DataFrame::new(
            5,
            vec![
                c("latency_ms", &[1000.0, 2000.0, 3000.0, 4000.0, 10000.0]),
                c("network_ms", &[100.0, 200.0, 300.0, 400.0, 500.0]),
                c("queue_ms", &[0.0, 0.0, 0.0, 100.0, 400.0]),
                c("compute_ms", &[900.0, 1800.0, 2700.0, 3500.0, 9100.0]),
                c("compute_cost", &[0.01, 0.02, 0.03, 0.04, 0.05]),
                c("network_cost", &[0.10, 0.10, 0.10, 0.10, 0.10]),
                c("network_cost_published", &[0.20, 0.20, 0.20, 0.20, 0.20]),
                c("reward", &[-1.0, -2.0, -3.0, -4.0, -5.0]),
                Column::new("switches".into(), vec![0u32, 1, 3, 6, 0]),
                Column::new("trap_hits".into(), vec![0u32, 0, 1, 1, 3]),
            ],
        )
        .unwrap()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "{a} != {b}");
    }

    #[test]
    fn latency_statistics_interpolate_linearly() {
        let m = run_metrics(&frame(), 3000.0, NetworkCostFormula::Corrected).unwrap();
        close(m.workflows, 5.0);
        close(m.mean_ms, 4000.0);
        // Ranks 0..4; P50 at rank 2 = 3000; P95 at 3.8 = 4000 + 0.8 x 6000 = 8800;
        // P99 at 3.96 = 4000 + 0.96 x 6000 = 9760.
        close(m.p50_ms, 3000.0);
        close(m.p95_ms, 8800.0);
        close(m.p99_ms, 9760.0);
        // Deviations -3000 -2000 -1000 0 6000: squares sum 50e6, / 5 = 10e6.
        close(m.std_ms, 10e6f64.sqrt());
        close(m.network_ms, 300.0);
        close(m.queue_ms, 100.0);
        close(m.compute_ms, 3600.0);
    }

    #[test]
    fn sla_is_strict_costs_add_up_and_risk_clips() {
        let m = run_metrics(&frame(), 3000.0, NetworkCostFormula::Corrected).unwrap();
        // 3000 is not a violation; 4000 and 10000 are.
        close(m.sla_violation, 0.4);
        close(m.compute_cost, 0.03);
        close(m.network_cost, 0.10);
        close(m.comm_cost, 0.03);
        close(m.total_cost, 0.16);
        close(m.switches, 2.0);
        // Risks 0, 1/3, 1, 1 (6 clipped), 0.
        close(m.risk, (1.0 / 3.0 + 2.0) / 5.0);
        close(m.trap_hits, 1.0);
        close(m.reward, -3.0);
        let p = run_metrics(&frame(), 3000.0, NetworkCostFormula::Published).unwrap();
        close(p.network_cost, 0.20);
        close(p.comm_cost, 0.06);
        close(p.total_cost, 0.29);
        // A higher threshold: only 10000 violates.
        let q = run_metrics(&frame(), 5000.0, NetworkCostFormula::Corrected).unwrap();
        close(q.sla_violation, 0.2);
    }

    #[test]
    fn qos_score_matches_the_formula() {
        let m = run_metrics(&frame(), 3000.0, NetworkCostFormula::Corrected).unwrap();
        // 0.45 (1 - 0.8) + 0.35 (1 - 0.8) + 0.10 (1 - 7/15) + 0.10 (1 - 0.4)
        let want = 100.0 * (0.45 * 0.2 + 0.35 * 0.2 + 0.10 * (8.0 / 15.0) + 0.10 * 0.6);
        close(m.qos, want);
        close(qos_score(0.0, 0.0, 0.0, 0.0), 100.0);
        // Latency and cost terms clip at their references.
        close(qos_score(1e9, 5.0, 1.0, 1.0), 0.0);
        close(
            qos_score(2500.0, 0.1, 0.5, 0.5),
            100.0 * (0.225 + 0.175 + 0.05 + 0.05),
        );
    }

    #[test]
    fn arrays_round_trip_and_latencies_sort() {
        let m = run_metrics(&frame(), 3000.0, NetworkCostFormula::Corrected).unwrap();
        assert_eq!(RunMetrics::from_array(m.to_array()), m);
        assert_eq!(METRICS.len(), m.to_array().len());
        let df = DataFrame::new(
            3,
            vec![Column::new("latency_ms".into(), vec![30.0, 10.0, 20.0])],
        )
        .unwrap();
        let v = sorted_latencies(&df).unwrap();
        assert_eq!(v, vec![10.0, 20.0, 30.0]);
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
    }
}
