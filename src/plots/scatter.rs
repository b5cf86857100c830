//! Latency-cost scatter: one large marker per scheduler (means over seeds), small markers for
//! the single seeds, and the Pareto front (no other scheduler is both faster and cheaper)
//! joined by a line and ringed. The latency axis is logarithmic when the means spread by more
//! than a factor of 10. When three or more schedulers crowd near the fastest one while others
//! are far away, a second panel zooms on that group (linear axes), so their markers and labels
//! do not sit on top of each other.

use anyhow::Result;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{color, font, ms_tick, Figure};
use crate::compare::CompareReport;

/// One scheduler in the scatter.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Label.
    pub label: String,
    /// Mean latency over seeds, ms.
    pub latency_ms: f64,
    /// Mean total cost over seeds.
    pub cost: f64,
    /// `(latency, cost)` of each seed.
    pub seeds: Vec<(f64, f64)>,
    /// Palette index of its colour (kept when a panel shows a subset).
    pub color: usize,
}

/// Mean latency, relative to the fastest scheduler's, below which a scheduler joins the zoom
/// panel.
pub const ZOOM_FACTOR: f64 = 1.5;

/// The latency-cost figure.
#[derive(Debug, Clone)]
pub struct LatencyCost {
    /// Title line.
    pub title: String,
    /// One point per scheduler.
    pub points: Vec<Point>,
}

impl LatencyCost {
    /// Means and per-seed values from a comparison.
    pub fn from_report(report: &CompareReport) -> Self {
        let points = report
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| Point {
                label: row.label(),
                latency_ms: row.mean.mean_ms,
                cost: row.mean.total_cost,
                seeds: report
                    .runs
                    .iter()
                    .filter(|r| r.scheduler == row.scheduler)
                    .map(|r| (r.metrics.mean_ms, r.metrics.total_cost))
                    .collect(),
                color: i,
            })
            .collect();
        LatencyCost {
            title: format!(
                "{}: mean latency vs mean total cost per workflow",
                report.scenario
            ),
            points,
        }
    }
}

/// Indices of the Pareto-optimal points (minimising both coordinates), by increasing x.
/// A point is kept unless another is at least as good in both and better in one.
pub fn pareto_front(points: &[(f64, f64)]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].0.is_finite() && points[i].1.is_finite())
        .collect();
    idx.sort_by(|&a, &b| {
        points[a]
            .0
            .total_cmp(&points[b].0)
            .then(points[a].1.total_cmp(&points[b].1))
    });
    let mut front = Vec::new();
    let mut best = f64::INFINITY;
    for i in idx {
        if points[i].1 < best {
            best = points[i].1;
            front.push(i);
        }
    }
    front
}

impl LatencyCost {
    fn body<DB, X>(
        &self,
        root: &DrawingArea<DB, Shift>,
        x: X,
        y: RangedCoordf64,
        log: bool,
        labelled: &dyn Fn(&Point) -> bool,
    ) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let yspan = y.range().end - y.range().start;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, font(26))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(100)
            .build_cartesian_2d(x, y)?;
        let xdesc = if log {
            "mean workflow latency (ms, log scale)"
        } else {
            "mean workflow latency (ms)"
        };
        chart
            .configure_mesh()
            .x_desc(xdesc)
            .y_desc("mean total cost per workflow")
            .axis_desc_style(font(20))
            .label_style(font(16))
            .x_label_formatter(&|v| ms_tick(*v))
            .y_label_formatter(&|v| cost_tick(*v, yspan))
            .draw()?;
        let xy: Vec<(f64, f64)> = self.points.iter().map(|p| (p.latency_ms, p.cost)).collect();
        let front = pareto_front(&xy);
        if front.len() > 1 {
            chart.draw_series(LineSeries::new(
                front.iter().map(|&i| xy[i]),
                BLACK.mix(0.6).stroke_width(2),
            ))?;
        }
        chart
            .draw_series(
                front
                    .iter()
                    .map(|&i| Circle::new(xy[i], 16, BLACK.stroke_width(2))),
            )?
            .label("Pareto front")
            .legend(|(x, y)| Circle::new((x + 12, y), 8, BLACK.stroke_width(2)));
        let mut placed: Vec<(i32, i32, i32)> = Vec::new();
        for p in &self.points {
            let c = color(p.color);
            chart.draw_series(
                p.seeds
                    .iter()
                    .map(|&s| Circle::new(s, 4, c.mix(0.5).filled())),
            )?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (p.latency_ms, p.cost),
                    9,
                    c.filled(),
                )))?
                .label(p.label.as_str())
                .legend(move |(x, y)| Circle::new((x + 12, y), 7, c.filled()));
            if !labelled(p) {
                continue;
            }
            // Chart coordinates are the backend's; text on `root` is relative to its corner.
            let (px, py) = chart.backend_coord(&(p.latency_ms, p.cost));
            let (bx, by) = root.get_base_pixel();
            let (px, py) = (px - bx, py - by);
            let pos = free_spot(
                &mut placed,
                (px + 14, py - 24),
                p.label.chars().count() as i32 * 10,
            );
            root.draw(&Text::new(p.label.clone(), pos, font(17)))?;
        }
        let (w, h) = root.dim_in_pixel();
        let (bx, by) = root.get_base_pixel();
        let pixels: Vec<(i32, i32)> = xy
            .iter()
            .map(|&q| {
                let (x, y) = chart.backend_coord(&q);
                (x - bx, y - by)
            })
            .collect();
        chart
            .configure_series_labels()
            .position(emptiest_corner(&pixels, (w as i32, h as i32)))
            .label_font(font(18))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        root.draw(&Text::new(
            "large markers: mean over seeds; small: single seeds",
            (30, h as i32 - 22),
            font(15),
        ))?;
        Ok(())
    }
}

/// Move a label of width `w` at `at` down until it clears the labels in `placed`; record it.
fn free_spot(placed: &mut Vec<(i32, i32, i32)>, at: (i32, i32), w: i32) -> (i32, i32) {
    let (x, mut y) = at;
    while placed
        .iter()
        .any(|&(px, py, pw)| (y - py).abs() < 20 && x < px + pw && px < x + w)
    {
        y += 20;
    }
    placed.push((x, y, w));
    (x, y)
}

/// A cost tick with enough decimals to tell ticks apart on an axis spanning `span`.
fn cost_tick(v: f64, span: f64) -> String {
    let decimals = if span > 0.0 {
        (1 - (span.log10().floor() as i32)).clamp(2, 8) as usize
    } else {
        3
    };
    format!("{v:.decimals$}")
}

/// The chart corner (for the legend) with the fewest points in its quarter of the image.
fn emptiest_corner(pixels: &[(i32, i32)], size: (i32, i32)) -> SeriesLabelPosition {
    let corners = [
        (SeriesLabelPosition::UpperRight, true, false),
        (SeriesLabelPosition::UpperLeft, false, false),
        (SeriesLabelPosition::LowerRight, true, true),
        (SeriesLabelPosition::LowerLeft, false, true),
    ];
    let count = |right: bool, lower: bool| {
        pixels
            .iter()
            .filter(|(x, y)| (*x > size.0 / 2) == right && (*y > size.1 / 2) == lower)
            .count()
    };
    corners
        .into_iter()
        .min_by_key(|(_, r, l)| count(*r, *l))
        .map(|(p, _, _)| p)
        .unwrap_or(SeriesLabelPosition::UpperRight)
}

fn padded(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let span = (hi - lo).abs().max(hi.abs() * 0.1).max(1e-9);
    (lo - frac * span, hi + frac * span)
}

impl LatencyCost {
    /// The schedulers crowding near the fastest one, when they deserve a zoom panel: at least
    /// three within [`ZOOM_FACTOR`] of the fastest mean, and at least one far beyond it.
    pub fn zoom_group(&self) -> Option<LatencyCost> {
        let finite = self.points.iter().filter(|p| p.latency_ms.is_finite());
        let fastest = finite
            .clone()
            .map(|p| p.latency_ms)
            .fold(f64::INFINITY, f64::min);
        let slowest = finite.map(|p| p.latency_ms).fold(0.0, f64::max);
        if !fastest.is_finite() || fastest <= 0.0 || slowest < 3.0 * fastest {
            return None;
        }
        let near: Vec<Point> = self
            .points
            .iter()
            .filter(|p| p.latency_ms <= ZOOM_FACTOR * fastest)
            .cloned()
            .collect();
        (near.len() >= 3).then(|| LatencyCost {
            title: format!("zoom: within {ZOOM_FACTOR}x of the fastest mean"),
            points: near,
        })
    }

    /// Draw this figure's single panel on `root`, writing labels next to the points
    /// `labelled` accepts (the legend names them all).
    fn draw_panel<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        labelled: &dyn Fn(&Point) -> bool,
    ) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let all: Vec<(f64, f64)> = self
            .points
            .iter()
            .flat_map(|p| p.seeds.iter().copied().chain([(p.latency_ms, p.cost)]))
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .collect();
        let min = |f: fn(&(f64, f64)) -> f64| all.iter().map(f).fold(f64::INFINITY, f64::min);
        let max = |f: fn(&(f64, f64)) -> f64| all.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
        let (x0, x1) = (min(|p| p.0), max(|p| p.0));
        let (y0, y1) = padded(min(|p| p.1), max(|p| p.1), 0.15);
        let y = RangedCoordf64::from(y0.max(0.0)..y1);
        if x0 > 0.0 && x1 / x0 > 10.0 {
            self.body(
                root,
                LogCoord::from((x0 * 0.7..x1 * 1.4).log_scale()),
                y,
                true,
                labelled,
            )
        } else {
            let (a, b) = padded(x0, x1, 0.15);
            self.body(
                root,
                RangedCoordf64::from(a.max(0.0)..b),
                y,
                false,
                labelled,
            )
        }
    }
}

impl Figure for LatencyCost {
    fn size(&self) -> (u32, u32) {
        if self.zoom_group().is_some() {
            (1900, 750)
        } else {
            (1200, 750)
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        match self.zoom_group() {
            Some(zoom) => {
                // The zoomed schedulers are labelled in the zoom panel only.
                let zoomed = |p: &Point| zoom.points.iter().any(|z| z.label == p.label);
                let (left, right) = root.split_horizontally(1150);
                self.draw_panel(&left, &|p| !zoomed(p))?;
                zoom.draw_panel(&right, &|_| true)
            }
            None => self.draw_panel(root, &|_| true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pareto_front_keeps_only_non_dominated_points() {
        // (latency, cost): 1 dominates 3; 0, 1 and 2 trade off; 4 ties 1 on latency but costs more.
        let p = [
            (100.0, 0.5),
            (200.0, 0.2),
            (400.0, 0.1),
            (300.0, 0.3),
            (200.0, 0.25),
        ];
        assert_eq!(pareto_front(&p), vec![0, 1, 2]);
        assert_eq!(pareto_front(&[(5.0, 5.0)]), vec![0]);
        assert!(pareto_front(&[]).is_empty());
    }

    #[test]
    fn cost_ticks_tell_close_values_apart() {
        assert_eq!(cost_tick(2.5, 2.4), "2.50");
        assert_eq!(cost_tick(0.0285, 0.005), "0.0285");
        assert_ne!(cost_tick(0.0285, 0.005), cost_tick(0.0290, 0.005));
    }

    fn point(label: &str, latency_ms: f64, color: usize) -> Point {
        Point {
            label: label.into(),
            latency_ms,
            cost: 0.1,
            seeds: vec![],
            color,
        }
    }

    #[test]
    fn crowded_fast_schedulers_get_a_zoom_panel() {
        let crowded = LatencyCost {
            title: "t".into(),
            points: vec![
                point("slow", 5000.0, 0),
                point("a", 700.0, 1),
                point("b", 750.0, 2),
                point("c", 1000.0, 3),
                point("d", 1100.0, 4),
            ],
        };
        let zoom = crowded.zoom_group().expect("a zoom panel");
        let labels: Vec<&str> = zoom.points.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["a", "b", "c"]);
        assert_eq!(zoom.points[2].color, 3, "colours follow the schedulers");
        assert_eq!(crowded.size(), (1900, 750));
        // Nothing far away: one panel.
        let close = LatencyCost {
            title: "t".into(),
            points: crowded.points[1..].to_vec(),
        };
        assert!(close.zoom_group().is_none());
        assert_eq!(close.size(), (1200, 750));
    }
}
