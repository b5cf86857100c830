//! Comparison plots drawn with plotters, each written as PNG and SVG.
//!
//! PNG text is rasterised with DejaVu Sans, embedded in the binary (`assets/fonts/`) and
//! registered as plotters' `sans-serif` family, so no system font is needed at run time.
//! The figures: workflow-latency CDF ([`cdf`]), latency-cost scatter with the Pareto front
//! ([`scatter`]), cost and latency breakdown bars ([`bars`]), and learning curves and DWA
//! weight trajectories from training logs ([`training`]), behaviour-cloning curves
//! ([`cloning`]).

pub mod bars;
pub mod cdf;
pub mod cloning;
pub mod scatter;
pub mod training;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::compare::CompareReport;

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Register the embedded font as `sans-serif` (once per process).
pub fn register_font() -> Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(anyhow!("the embedded plot font could not be loaded"))
    }
}

/// Line and marker colours (the "tab10" palette).
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The colour of series `i`.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A figure that can be drawn on any plotters backend.
pub trait Figure {
    /// Size in pixels (PNG) and user units (SVG).
    fn size(&self) -> (u32, u32) {
        (1200, 750)
    }
    /// Draw the figure on `root` (already filled white).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static;
}

/// Write `fig` as `<stem>.png` and `<stem>.svg`; returns both paths.
pub fn save<F: Figure>(fig: &F, stem: &Path) -> Result<Vec<PathBuf>> {
    register_font()?;
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");
    {
        let root = BitMapBackend::new(&png, fig.size()).into_drawing_area();
        root.fill(&WHITE)?;
        fig.draw(&root)?;
        root.present()?;
    }
    {
        let root = SVGBackend::new(&svg, fig.size()).into_drawing_area();
        root.fill(&WHITE)?;
        fig.draw(&root)?;
        root.present()?;
    }
    Ok(vec![png, svg])
}

/// A caption font of `size` pixels.
pub fn font(size: u32) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, size as f64, FontStyle::Normal)
}

/// Format a latency tick in ms compactly (`250`, `1.5k`, `20k`).
pub fn ms_tick(v: f64) -> String {
    if v >= 1000.0 {
        let k = v / 1000.0;
        if (k - k.round()).abs() < 1e-9 {
            format!("{k:.0}k")
        } else {
            format!("{k:.1}k")
        }
    } else if v >= 10.0 || v == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Draw every comparison plot into `dir`; learning curves and DWA weights only for the
/// schedulers in `train_names` with a `<checkpoints>/<name>.train.csv` log. Returns the files.
pub fn write_all(
    report: &CompareReport,
    checkpoints: Option<&Path>,
    train_names: &[String],
    dir: &Path,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::new();
    files.extend(save(
        &cdf::LatencyCdf::from_report(report),
        &dir.join("latency_cdf"),
    )?);
    files.extend(save(
        &scatter::LatencyCost::from_report(report),
        &dir.join("latency_cost"),
    )?);
    files.extend(save(
        &bars::Breakdown::costs(report),
        &dir.join("cost_breakdown"),
    )?);
    files.extend(save(
        &bars::Breakdown::latency(report),
        &dir.join("latency_parts"),
    )?);
    if let Some(ck) = checkpoints {
        let logs = training::find_logs(ck, train_names)?;
        if !logs.is_empty() {
            files.extend(save(
                &training::LearningCurves::new(&logs),
                &dir.join("learning_curves"),
            )?);
            files.extend(save(
                &training::DwaWeights::new(&logs),
                &dir.join("dwa_weights"),
            )?);
        }
        let cloning = cloning::find_cloning_logs(ck, train_names)?;
        if !cloning.is_empty() {
            files.extend(save(
                &cloning::CloningCurves { logs: cloning },
                &dir.join("cloning_curves"),
            )?);
        }
    }
    Ok(files)
}
