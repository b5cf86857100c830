//! Stacked horizontal bars per scheduler: the cost breakdown (compute / network /
//! communication) and the latency parts (network / queue / compute), means over seeds, with
//! the total printed at the end of each bar.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{color, font, ms_tick, Figure};
use crate::compare::CompareReport;
use crate::metrics::RunMetrics;

/// A stacked-bar figure.
#[derive(Debug, Clone)]
pub struct Breakdown {
    /// Title line.
    pub title: String,
    /// Value-axis description (with unit).
    pub axis: String,
    /// Names of the stacked parts, in stacking order.
    pub parts: Vec<String>,
    /// `(label, part values)` per scheduler, top to bottom.
    pub bars: Vec<(String, Vec<f64>)>,
    /// Decimals of the printed totals.
    pub decimals: usize,
}

impl Breakdown {
    fn from_report(
        report: &CompareReport,
        title: &str,
        axis: &str,
        parts: &[&str],
        decimals: usize,
        values: fn(&RunMetrics) -> Vec<f64>,
    ) -> Self {
        Breakdown {
            title: format!("{}: {title}", report.scenario),
            axis: axis.into(),
            parts: parts.iter().map(|s| s.to_string()).collect(),
            bars: report
                .rows
                .iter()
                .map(|r| (r.label(), values(&r.mean)))
                .collect(),
            decimals,
        }
    }

    /// Mean cost per workflow split into compute, network and communication.
    pub fn costs(report: &CompareReport) -> Self {
        Self::from_report(
            report,
            "mean cost per workflow by part",
            "mean cost per workflow",
            &["compute", "network", "communication (0.3 × network)"],
            4,
            |m| vec![m.compute_cost, m.network_cost, m.comm_cost],
        )
    }

    /// Mean workflow latency split into network, queue and compute time.
    pub fn latency(report: &CompareReport) -> Self {
        Self::from_report(
            report,
            "mean workflow latency by part",
            "mean workflow latency (ms)",
            &["network", "queue", "compute"],
            0,
            |m| vec![m.network_ms, m.queue_ms, m.compute_ms],
        )
    }
}

impl Figure for Breakdown {
    fn size(&self) -> (u32, u32) {
        (1200, (260 + 70 * self.bars.len() as u32).max(480))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let n = self.bars.len().max(1);
        let total = |v: &[f64]| v.iter().filter(|x| x.is_finite()).sum::<f64>();
        let max = self
            .bars
            .iter()
            .map(|(_, v)| total(v))
            .fold(0.0f64, f64::max);
        let xmax = if max > 0.0 { max * 1.22 } else { 1.0 };
        let label_w = self
            .bars
            .iter()
            .map(|(l, _)| l.chars().count() as u32 * 10 + 30)
            .max()
            .unwrap_or(100)
            .clamp(100, 420);
        let body = root.titled(&self.title, font(26))?;
        let (legend, body) = body.split_vertically(40);
        let mut x = 40;
        for (k, part) in self.parts.iter().enumerate() {
            legend.draw(&Rectangle::new([(x, 12), (x + 20, 28)], color(k).filled()))?;
            legend.draw(&Text::new(part.clone(), (x + 28, 11), font(18)))?;
            x += 28 + 11 * part.chars().count() as i32 + 40;
        }
        let mut chart = ChartBuilder::on(&body)
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(label_w)
            .build_cartesian_2d(0.0..xmax, -0.5..(n as f64 - 0.5))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc(self.axis.as_str())
            .x_label_formatter(&|v| {
                if self.decimals == 0 {
                    ms_tick(*v)
                } else {
                    format!("{v:.2}")
                }
            })
            .axis_desc_style(font(20))
            .label_style(font(16))
            .draw()?;
        let row_y = |i: usize| (n - 1 - i) as f64;
        for k in 0..self.parts.len() {
            let c = color(k);
            let rects: Vec<_> = self
                .bars
                .iter()
                .enumerate()
                .map(|(i, (_, v))| {
                    let x0 = total(&v[..k]);
                    let x1 = x0 + v.get(k).copied().filter(|x| x.is_finite()).unwrap_or(0.0);
                    let y = row_y(i);
                    Rectangle::new([(x0, y - 0.32), (x1, y + 0.32)], c.filled())
                })
                .collect();
            chart.draw_series(rects)?;
        }
        let value_style = font(16)
            .into_text_style(root)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let name_style = font(17)
            .into_text_style(root)
            .pos(Pos::new(HPos::Right, VPos::Center));
        for (i, (label, v)) in self.bars.iter().enumerate() {
            let t = total(v);
            let (px, py) = chart.backend_coord(&(t, row_y(i)));
            root.draw(&Text::new(
                format!("{:.*}", self.decimals, t),
                (px + 8, py),
                value_style.clone(),
            ))?;
            let (lx, ly) = chart.backend_coord(&(0.0, row_y(i)));
            root.draw(&Text::new(label.clone(), (lx - 10, ly), name_style.clone()))?;
        }
        Ok(())
    }
}
