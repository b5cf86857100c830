//! Behaviour-cloning curves (STARK): cross-entropy loss, and agreement with the expert on the
//! training samples and on the held-out validation tasks, per epoch, from the
//! `<checkpoints>/<scheduler>.train.csv` logs that `simrun train --scheduler stark` writes.

use std::path::Path;

use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::training::{is_cloning_log, log_path, panel, Line};
use super::{color, Figure};

/// One epoch of a behaviour-cloning log (other columns are ignored).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
pub struct CloningEpoch {
    /// Epoch number.
    pub epoch: u32,
    /// Mean cross-entropy.
    pub loss: f64,
    /// Share of training samples on which the student picked the expert's choice.
    pub train_accuracy: f64,
    /// Share of validation decisions on which the student agreed with the expert.
    pub validation_agreement: f64,
}

/// A scheduler's behaviour-cloning log.
#[derive(Debug, Clone, PartialEq)]
pub struct CloningLog {
    /// Scheduler name.
    pub scheduler: String,
    /// Epochs in file order.
    pub epochs: Vec<CloningEpoch>,
}

/// The behaviour-cloning logs of `specs` (by name, each once) under `checkpoints`.
pub fn find_cloning_logs(checkpoints: &Path, specs: &[String]) -> Result<Vec<CloningLog>> {
    let mut logs: Vec<CloningLog> = Vec::new();
    for spec in specs {
        let name = spec.split('[').next().unwrap_or(spec).trim();
        let p = log_path(checkpoints, name);
        if logs.iter().any(|l| l.scheduler == name) || !p.is_file() || !is_cloning_log(&p)? {
            continue;
        }
        let mut r = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(&p)
            .with_context(|| format!("reading {}", p.display()))?;
        let epochs = r
            .deserialize()
            .collect::<Result<Vec<CloningEpoch>, _>>()
            .with_context(|| format!("parsing {}", p.display()))?;
        if !epochs.is_empty() {
            logs.push(CloningLog {
                scheduler: name.to_string(),
                epochs,
            });
        }
    }
    Ok(logs)
}

/// Loss and agreement per epoch, one line per scheduler (agreement: solid validation, faded
/// training).
#[derive(Debug, Clone)]
pub struct CloningCurves {
    /// The logs drawn.
    pub logs: Vec<CloningLog>,
}

impl Figure for CloningCurves {
    fn size(&self) -> (u32, u32) {
        (1200, 800)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let areas = root.split_evenly((2, 1));
        let last = self
            .logs
            .iter()
            .flat_map(|l| l.epochs.iter().map(|e| e.epoch as f64))
            .fold(1.0f64, f64::max);
        let line = |i: usize, label: String, c: RGBColor, f: fn(&CloningEpoch) -> f64| -> Line {
            let pts = self.logs[i]
                .epochs
                .iter()
                .map(|e| (e.epoch as f64, f(e)))
                .collect();
            (label, c, pts)
        };
        let loss: Vec<Line> = (0..self.logs.len())
            .map(|i| line(i, self.logs[i].scheduler.clone(), color(i), |e| e.loss))
            .collect();
        panel(
            &areas[0],
            "behaviour cloning: cross-entropy loss",
            "loss",
            (0.0, last),
            &loss,
            SeriesLabelPosition::UpperRight,
        )?;
        let mut agreement = Vec::new();
        for (i, l) in self.logs.iter().enumerate() {
            let name = &l.scheduler;
            agreement.push(line(i, format!("{name}: validation"), color(i), |e| {
                e.validation_agreement
            }));
            agreement.push(line(
                i,
                format!("{name}: training samples"),
                towards_white(color(i), 0.45),
                |e| e.train_accuracy,
            ));
        }
        panel(
            &areas[1],
            "agreement with the expert",
            "share of decisions",
            (0.0, last),
            &agreement,
            SeriesLabelPosition::LowerRight,
        )
    }
}

/// `c` blended with white, keeping `keep` of the colour.
fn towards_white(c: RGBColor, keep: f64) -> RGBColor {
    let blend = |v: u8| (255.0 - (255.0 - f64::from(v)) * keep).round() as u8;
    RGBColor(blend(c.0), blend(c.1), blend(c.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloning_logs_are_found_and_rl_logs_are_not() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("stark.train.csv"),
            "epoch,loss,train_accuracy,validation_agreement,samples,outside_shortlist,lr,wall_s\n\
             0,1.2,0.75,0.76,1935,65,0.001,2.1\n\
             1,0.5,0.83,0.83,1964,36,0.0009,4.2\n",
        )
        .unwrap();
        std::fs::write(
            d.path().join("ppo.train.csv"),
            "epoch,mean_return\n0,-1.0\n",
        )
        .unwrap();
        let specs = vec!["ppo".to_string(), "stark[checkpoint=x]".to_string()];
        let logs = find_cloning_logs(d.path(), &specs).unwrap();
        assert_eq!(logs.len(), 1);
        assert_eq!(logs[0].scheduler, "stark");
        assert_eq!(logs[0].epochs[1].validation_agreement, 0.83);
        assert_eq!(
            towards_white(RGBColor(0, 100, 255), 0.5),
            RGBColor(128, 178, 255)
        );
    }
}
