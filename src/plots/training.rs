//! Training-log plots: learning curves (mean return, latency and cost per epoch) and DWA
//! weight trajectories, from `<checkpoints>/<scheduler>.train.csv` logs with the columns
//! `epoch,mean_return,mean_latency_ms,mean_cost,policy_loss,value_loss,entropy,w_latency,
//! w_cost,w_switch,wall_s`. Schedulers without a log are left out silently.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{color, font, Figure};

/// One epoch of a training log.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
pub struct Epoch {
    /// Epoch number.
    pub epoch: u32,
    /// Mean episode return.
    pub mean_return: f64,
    /// Mean workflow latency, ms.
    pub mean_latency_ms: f64,
    /// Mean total cost per workflow.
    pub mean_cost: f64,
    /// Policy loss.
    pub policy_loss: f64,
    /// Value loss.
    pub value_loss: f64,
    /// Policy entropy.
    pub entropy: f64,
    /// DWA weight of the latency reward.
    pub w_latency: f64,
    /// DWA weight of the cost reward.
    pub w_cost: f64,
    /// DWA weight of the region-switch reward.
    pub w_switch: f64,
    /// Wall-clock seconds since training started.
    pub wall_s: f64,
}

/// A scheduler's training log.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainLog {
    /// Scheduler name.
    pub scheduler: String,
    /// Epochs in file order.
    pub epochs: Vec<Epoch>,
}

/// The log file of scheduler `name` (its spec's name part) under `checkpoints`.
pub fn log_path(checkpoints: &Path, name: &str) -> PathBuf {
    checkpoints.join(format!("{name}.train.csv"))
}

/// Read a training log.
pub fn read_log(path: &Path, scheduler: &str) -> Result<TrainLog> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("reading {}", path.display()))?;
    let epochs = r
        .deserialize()
        .collect::<Result<Vec<Epoch>, _>>()
        .with_context(|| format!("parsing {}", path.display()))?;
    Ok(TrainLog {
        scheduler: scheduler.to_string(),
        epochs,
    })
}

/// The logs of `specs` (by name, parameters ignored, each name once) that exist under
/// `checkpoints`; an unreadable log is an error, a missing one or a behaviour-cloning log
/// (STARK's, which has no return curve) is skipped.
pub fn find_logs(checkpoints: &Path, specs: &[String]) -> Result<Vec<TrainLog>> {
    let mut logs: Vec<TrainLog> = Vec::new();
    for spec in specs {
        let name = spec.split('[').next().unwrap_or(spec).trim();
        if logs.iter().any(|l| l.scheduler == name) {
            continue;
        }
        let p = log_path(checkpoints, name);
        if !p.is_file() || is_cloning_log(&p)? {
            continue;
        }
        let log = read_log(&p, name)?;
        if !log.epochs.is_empty() {
            logs.push(log);
        }
    }
    Ok(logs)
}

/// Whether the log at `path` is a behaviour-cloning log (its header has
/// `validation_agreement`).
pub(super) fn is_cloning_log(path: &Path) -> Result<bool> {
    use std::io::BufRead;
    let f = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut header = String::new();
    std::io::BufReader::new(f)
        .read_line(&mut header)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(header.contains("validation_agreement"))
}

fn range_of(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08)
        .max(hi.abs().max(lo.abs()) * 0.02)
        .max(1e-9);
    (lo - pad, hi + pad)
}

fn epoch_range(logs: &[TrainLog]) -> (f64, f64) {
    let max = logs
        .iter()
        .flat_map(|l| l.epochs.iter().map(|e| e.epoch as f64))
        .fold(0.0f64, f64::max);
    (0.0, max.max(1.0))
}

/// A tick label without trailing zeros (`3000`, `0.055`, `-1.5`).
fn compact(v: f64) -> String {
    let s = if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A labelled, coloured polyline.
pub(super) type Line = (String, RGBColor, Vec<(f64, f64)>);

/// Reads one value of an epoch.
type Field = fn(&Epoch) -> f64;

/// Draw one panel: `series` of `(label, colour, points)`.
pub(super) fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    x: (f64, f64),
    series: &[Line],
    legend: SeriesLabelPosition,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let y = range_of(series.iter().flat_map(|s| s.2.iter().map(|p| p.1)));
    let mut chart = ChartBuilder::on(area)
        .caption(title, font(20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(90)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(y_desc)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| compact(*v))
        .axis_desc_style(font(16))
        .label_style(font(14))
        .draw()?;
    for (label, c, pts) in series {
        let c = *c;
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(legend)
        .label_font(font(14))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// Learning curves: mean return, latency (ms) and cost per epoch, one line per scheduler.
#[derive(Debug, Clone)]
pub struct LearningCurves {
    /// The logs drawn.
    pub logs: Vec<TrainLog>,
}

impl LearningCurves {
    /// Curves of `logs`.
    pub fn new(logs: &[TrainLog]) -> Self {
        LearningCurves {
            logs: logs.to_vec(),
        }
    }
}

impl Figure for LearningCurves {
    fn size(&self) -> (u32, u32) {
        (1200, 1100)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let areas = root.split_evenly((3, 1));
        let x = epoch_range(&self.logs);
        type Panel = (
            &'static str,
            &'static str,
            fn(&Epoch) -> f64,
            SeriesLabelPosition,
        );
        let panels: [Panel; 3] = [
            (
                "mean episode return",
                "return",
                |e| e.mean_return,
                SeriesLabelPosition::LowerRight,
            ),
            (
                "mean workflow latency",
                "latency (ms)",
                |e| e.mean_latency_ms,
                SeriesLabelPosition::UpperRight,
            ),
            (
                "mean total cost per workflow",
                "cost",
                |e| e.mean_cost,
                SeriesLabelPosition::UpperRight,
            ),
        ];
        for (area, (title, desc, f, legend)) in areas.iter().zip(panels) {
            let series: Vec<_> = self
                .logs
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    (
                        l.scheduler.clone(),
                        color(i),
                        l.epochs.iter().map(|e| (e.epoch as f64, f(e))).collect(),
                    )
                })
                .collect();
            panel(area, title, desc, x, &series, legend)?;
        }
        Ok(())
    }
}

/// DWA weight trajectories (latency, cost, switch weights per epoch), one panel per scheduler.
#[derive(Debug, Clone)]
pub struct DwaWeights {
    /// The logs drawn.
    pub logs: Vec<TrainLog>,
}

impl DwaWeights {
    /// Trajectories of `logs`.
    pub fn new(logs: &[TrainLog]) -> Self {
        DwaWeights {
            logs: logs.to_vec(),
        }
    }
}

impl Figure for DwaWeights {
    fn size(&self) -> (u32, u32) {
        (1200, (380 * self.logs.len() as u32).max(450))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let areas = root.split_evenly((self.logs.len().max(1), 1));
        for (area, log) in areas.iter().zip(&self.logs) {
            let x = epoch_range(std::slice::from_ref(log));
            let weights: [(&str, Field); 3] = [
                ("w_latency", |e| e.w_latency),
                ("w_cost", |e| e.w_cost),
                ("w_switch", |e| e.w_switch),
            ];
            let series: Vec<_> = weights
                .iter()
                .enumerate()
                .map(|(i, (name, f))| {
                    (
                        name.to_string(),
                        color(i),
                        log.epochs.iter().map(|e| (e.epoch as f64, f(e))).collect(),
                    )
                })
                .collect();
            panel(
                area,
                &format!("{}: DWA reward weights", log.scheduler),
                "weight",
                x,
                &series,
                SeriesLabelPosition::UpperRight,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_are_found_by_name_and_parsed() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("star-ppo.train.csv"),
            "epoch,mean_return,mean_latency_ms,mean_cost,policy_loss,value_loss,entropy,w_latency,w_cost,w_switch,wall_s\n\
             1,-3.5,2500,0.05,0.1,1.2,2.0,0.45,0.40,0.15,1.5\n\
             2,-3.0,2200,0.045,0.08,1.0,1.9,0.50,0.35,0.15,3.0\n",
        )
        .unwrap();
        let specs = vec!["greedy".to_string(), "star-ppo[lr=0.1]".to_string()];
        let logs = find_logs(d.path(), &specs).unwrap();
        assert_eq!(logs.len(), 1);
        assert_eq!(logs[0].scheduler, "star-ppo");
        assert_eq!(logs[0].epochs.len(), 2);
        assert_eq!(logs[0].epochs[1].mean_latency_ms, 2200.0);
        assert_eq!(logs[0].epochs[0].w_switch, 0.15);
        // A behaviour-cloning log has no returns: skipped, not an error.
        std::fs::write(
            d.path().join("stark.train.csv"),
            "epoch,loss,train_accuracy,validation_agreement\n0,1.2,0.7,0.8\n",
        )
        .unwrap();
        let with_stark = vec!["stark".to_string(), "star-ppo".to_string()];
        assert_eq!(find_logs(d.path(), &with_stark).unwrap().len(), 1);
        std::fs::write(d.path().join("greedy.train.csv"), "epoch\nx\n").unwrap();
        assert!(find_logs(d.path(), &specs).is_err());
    }
}
