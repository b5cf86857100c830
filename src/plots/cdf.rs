//! Empirical CDF of workflow latency per scheduler (all seeds pooled), log-scaled x axis in
//! ms, with the SLA threshold marked.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{color, font, ms_tick, Figure};
use crate::compare::CompareReport;

/// Points drawn per curve at most (the curve is sampled at evenly spaced ranks).
const MAX_POINTS: usize = 800;

/// The latency CDF figure.
#[derive(Debug, Clone)]
pub struct LatencyCdf {
    /// Title line.
    pub title: String,
    /// `(label, sorted latencies in ms)` per scheduler.
    pub series: Vec<(String, Vec<f64>)>,
    /// SLA threshold, ms.
    pub sla_ms: f64,
}

impl LatencyCdf {
    /// Pool every seed's workflow latencies per scheduler.
    pub fn from_report(report: &CompareReport) -> Self {
        let series = report
            .rows
            .iter()
            .map(|row| {
                let mut v: Vec<f64> = report
                    .runs
                    .iter()
                    .filter(|r| r.scheduler == row.scheduler)
                    .flat_map(|r| r.latencies_ms.iter().copied())
                    .filter(|x| x.is_finite() && *x > 0.0)
                    .collect();
                v.sort_by(f64::total_cmp);
                (row.label(), v)
            })
            .collect();
        LatencyCdf {
            title: format!(
                "{}: workflow latency CDF ({} seeds pooled)",
                report.scenario,
                report.seeds.len()
            ),
            series,
            sla_ms: report.sla_ms,
        }
    }
}

/// `(x, F(x))` points of the empirical CDF of sorted `v`, at most `MAX_POINTS` of them.
pub fn cdf_points(v: &[f64]) -> Vec<(f64, f64)> {
    let n = v.len();
    if n == 0 {
        return Vec::new();
    }
    let k = n.min(MAX_POINTS);
    (0..k)
        .map(|j| {
            let i = if k == 1 { n - 1 } else { j * (n - 1) / (k - 1) };
            (v[i], (i + 1) as f64 / n as f64)
        })
        .collect()
}

impl Figure for LatencyCdf {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let all = self.series.iter().flat_map(|(_, v)| v.iter().copied());
        let (mut lo, mut hi) = all.fold((f64::INFINITY, 0.0f64), |(a, b), x| (a.min(x), b.max(x)));
        if !lo.is_finite() || hi <= 0.0 {
            (lo, hi) = (1.0, 10.0);
        }
        lo = lo.min(self.sla_ms) * 0.8;
        hi = hi.max(self.sla_ms) * 1.25;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, font(26))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(80)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_desc("workflow latency (ms, log scale)")
            .y_desc("share of workflows ≤ latency")
            .axis_desc_style(font(20))
            .label_style(font(16))
            .x_label_formatter(&|v| ms_tick(*v))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .draw()?;
        for (i, (label, v)) in self.series.iter().enumerate() {
            let c = color(i);
            chart
                .draw_series(LineSeries::new(cdf_points(v), c.stroke_width(3)))?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
        }
        let sla = self.sla_ms;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(sla, 0.0), (sla, 1.0)],
                8,
                6,
                BLACK.stroke_width(2),
            ))?
            .label(format!("SLA {sla} ms"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], BLACK.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(font(18))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_points_end_at_one_and_are_capped() {
        let v: Vec<f64> = (1..=5).map(f64::from).collect();
        assert_eq!(
            cdf_points(&v),
            vec![(1.0, 0.2), (2.0, 0.4), (3.0, 0.6), (4.0, 0.8), (5.0, 1.0)]
        );
        let big: Vec<f64> = (1..=10_000).map(f64::from).collect();
        let p = cdf_points(&big);
        assert_eq!(p.len(), MAX_POINTS);
        assert_eq!(p[0], (1.0, 1e-4));
        assert_eq!(*p.last().unwrap(), (10_000.0, 1.0));
        assert!(cdf_points(&[]).is_empty());
    }
}
