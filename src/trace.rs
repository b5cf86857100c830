//! Trace files: per-step and per-workflow rows as CSV and Parquet, streamed while the run
//! goes (Parquet in row groups of 64k rows), written under `.partial` names and renamed only
//! when the run has finished, so an interrupted run never leaves a file that looks complete.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::dataset::Dataset;
use crate::record::{RecordSink, StepRecord, WorkflowRecord};

const ROW_GROUP: usize = 65_536;

/// Labels written into every row.
#[derive(Debug, Clone)]
pub struct RunLabels {
    /// Scenario name.
    pub scenario: String,
    /// Scheduler spec.
    pub scheduler: String,
    /// Run seed.
    pub seed: u64,
}

/// Step columns in file order.
pub const STEP_COLUMNS: [&str; 25] = [
    "scenario",
    "scheduler",
    "seed",
    "workflow",
    "task",
    "step",
    "model_type",
    "server",
    "instance",
    "tokens",
    "ready_ms",
    "dispatch_ms",
    "arrival_ms",
    "start_ms",
    "finish_ms",
    "network_ms",
    "queue_ms",
    "compute_ms",
    "latency_ms",
    "cost",
    "trap_hit",
    "attempts",
    "region_switch",
    "distance_km",
    "task_id",
];

/// Workflow columns in file order.
pub const WORKFLOW_COLUMNS: [&str; 19] = [
    "scenario",
    "scheduler",
    "seed",
    "workflow",
    "task",
    "task_id",
    "steps",
    "arrival_ms",
    "finish_ms",
    "latency_ms",
    "network_ms",
    "queue_ms",
    "compute_ms",
    "compute_cost",
    "network_cost",
    "network_cost_published",
    "reward",
    "switches",
    "trap_hits",
];

struct Pending {
    path: PathBuf,
    partial: PathBuf,
}

impl Pending {
    fn new(dir: &Path, name: &str) -> Self {
        Pending {
            path: dir.join(name),
            partial: dir.join(format!("{name}.partial")),
        }
    }
    fn create(&self) -> std::io::Result<File> {
        File::create(&self.partial)
    }
    fn commit(&self) -> std::io::Result<()> {
        std::fs::rename(&self.partial, &self.path)
    }
}

#[derive(Default)]
struct StepColumns {
    workflow: Vec<u64>,
    task: Vec<u32>,
    step: Vec<u32>,
    model_type: Vec<String>,
    server: Vec<String>,
    instance: Vec<u32>,
    tokens: Vec<u32>,
    times: [Vec<f64>; 9],
    cost: Vec<f64>,
    trap_hit: Vec<bool>,
    attempts: Vec<u32>,
    region_switch: Vec<bool>,
    distance_km: Vec<f64>,
    task_id: Vec<String>,
}

/// Writes the traces of one run into a folder.
pub struct TraceWriter<'d> {
    ds: &'d Dataset,
    labels: RunLabels,
    steps_csv: BufWriter<File>,
    workflows_csv: BufWriter<File>,
    files: Vec<Pending>,
    parquet: Option<(polars::io::parquet::write::BatchedWriter<File>, StepColumns)>,
    workflows: Vec<WorkflowRecord>,
}

impl<'d> TraceWriter<'d> {
    /// Start writing `trace.csv`, `workflows.csv` (and `trace.parquet` if `parquet`) in `dir`.
    pub fn create(
        ds: &'d Dataset,
        dir: &Path,
        labels: RunLabels,
        parquet: bool,
    ) -> PolarsResult<Self> {
        std::fs::create_dir_all(dir)?;
        let steps = Pending::new(dir, "trace.csv");
        let wfs = Pending::new(dir, "workflows.csv");
        let mut steps_csv = BufWriter::with_capacity(1 << 20, steps.create()?);
        let mut workflows_csv = BufWriter::new(wfs.create()?);
        writeln!(steps_csv, "{}", STEP_COLUMNS.join(","))?;
        writeln!(workflows_csv, "{}", WORKFLOW_COLUMNS.join(","))?;
        let mut files = vec![steps, wfs];
        let parquet = if parquet {
            let p = Pending::new(dir, "trace.parquet");
            let file = p.create()?;
            files.push(p);
            let schema = step_frame(&labels, &mut StepColumns::default())?
                .schema()
                .clone();
            let w = ParquetWriter::new(file).batched(&schema)?;
            Some((w, StepColumns::default()))
        } else {
            None
        };
        Ok(TraceWriter {
            ds,
            labels,
            steps_csv,
            workflows_csv,
            files,
            parquet,
            workflows: Vec::new(),
        })
    }

    /// Flush everything, write `workflows.parquet`, and rename the files to their final names.
    /// Returns the workflow rows (for the summary).
    pub fn finish(mut self, dir: &Path) -> PolarsResult<Vec<WorkflowRecord>> {
        self.steps_csv.flush()?;
        self.workflows_csv.flush()?;
        if let Some((mut w, mut cols)) = self.parquet.take() {
            if !cols.workflow.is_empty() {
                w.write_batch(&step_frame(&self.labels, &mut cols)?)?;
            }
            w.finish()?;
            let p = Pending::new(dir, "workflows.parquet");
            let mut df = workflow_frame(self.ds, &self.labels, &self.workflows)?;
            ParquetWriter::new(p.create()?).finish(&mut df)?;
            self.files.push(p);
        }
        for f in &self.files {
            f.commit()?;
        }
        Ok(std::mem::take(&mut self.workflows))
    }
}

impl RecordSink for TraceWriter<'_> {
    fn step(&mut self, r: &StepRecord) -> std::io::Result<()> {
        let ds = self.ds;
        let l = &self.labels;
        let task_id = &ds.tasks[r.task as usize].id;
        let mt = &ds.model_types[r.model_type as usize];
        let server = &ds.servers[r.server as usize].id;
        writeln!(
            self.steps_csv,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            l.scenario,
            l.scheduler,
            l.seed,
            r.workflow,
            r.task,
            r.step,
            mt,
            server,
            r.instance,
            r.tokens,
            r.ready_ms,
            r.dispatch_ms,
            r.arrival_ms,
            r.start_ms,
            r.finish_ms,
            r.network_ms,
            r.queue_ms,
            r.compute_ms,
            r.latency_ms,
            r.cost,
            r.trap_hit as u8,
            r.attempts,
            r.region_switch as u8,
            r.distance_km,
            task_id
        )?;
        if let Some((w, c)) = &mut self.parquet {
            c.workflow.push(r.workflow);
            c.task.push(r.task);
            c.step.push(r.step);
            c.model_type.push(mt.clone());
            c.server.push(server.clone());
            c.instance.push(r.instance);
            c.tokens.push(r.tokens);
            let times = [
                r.ready_ms,
                r.dispatch_ms,
                r.arrival_ms,
                r.start_ms,
                r.finish_ms,
                r.network_ms,
                r.queue_ms,
                r.compute_ms,
                r.latency_ms,
            ];
            for (col, v) in c.times.iter_mut().zip(times) {
                col.push(v);
            }
            c.cost.push(r.cost);
            c.trap_hit.push(r.trap_hit);
            c.attempts.push(r.attempts);
            c.region_switch.push(r.region_switch);
            c.distance_km.push(r.distance_km);
            c.task_id.push(task_id.clone());
            if c.workflow.len() >= ROW_GROUP {
                let df = step_frame(l, c).map_err(std::io::Error::other)?;
                w.write_batch(&df).map_err(std::io::Error::other)?;
            }
        }
        Ok(())
    }

    fn workflow(&mut self, r: &WorkflowRecord) -> std::io::Result<()> {
        let l = &self.labels;
        writeln!(
            self.workflows_csv,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            l.scenario,
            l.scheduler,
            l.seed,
            r.workflow,
            r.task,
            self.ds.tasks[r.task as usize].id,
            r.steps,
            r.arrival_ms,
            r.finish_ms,
            r.latency_ms,
            r.network_ms,
            r.queue_ms,
            r.compute_ms,
            r.compute_cost,
            r.network_cost,
            r.network_cost_published,
            r.reward,
            r.switches,
            r.trap_hits
        )?;
        self.workflows.push(r.clone());
        Ok(())
    }
}

fn step_frame(l: &RunLabels, c: &mut StepColumns) -> PolarsResult<DataFrame> {
    let n = c.workflow.len();
    let t = std::mem::take(&mut c.times);
    let cols = vec![
        Column::new("scenario".into(), vec![l.scenario.as_str(); n]),
        Column::new("scheduler".into(), vec![l.scheduler.as_str(); n]),
        Column::new("seed".into(), vec![l.seed; n]),
        Column::new("workflow".into(), std::mem::take(&mut c.workflow)),
        Column::new("task".into(), std::mem::take(&mut c.task)),
        Column::new("step".into(), std::mem::take(&mut c.step)),
        Column::new("model_type".into(), std::mem::take(&mut c.model_type)),
        Column::new("server".into(), std::mem::take(&mut c.server)),
        Column::new("instance".into(), std::mem::take(&mut c.instance)),
        Column::new("tokens".into(), std::mem::take(&mut c.tokens)),
        Column::new("ready_ms".into(), t[0].clone()),
        Column::new("dispatch_ms".into(), t[1].clone()),
        Column::new("arrival_ms".into(), t[2].clone()),
        Column::new("start_ms".into(), t[3].clone()),
        Column::new("finish_ms".into(), t[4].clone()),
        Column::new("network_ms".into(), t[5].clone()),
        Column::new("queue_ms".into(), t[6].clone()),
        Column::new("compute_ms".into(), t[7].clone()),
        Column::new("latency_ms".into(), t[8].clone()),
        Column::new("cost".into(), std::mem::take(&mut c.cost)),
        Column::new("trap_hit".into(), std::mem::take(&mut c.trap_hit)),
        Column::new("attempts".into(), std::mem::take(&mut c.attempts)),
        Column::new("region_switch".into(), std::mem::take(&mut c.region_switch)),
        Column::new("distance_km".into(), std::mem::take(&mut c.distance_km)),
        Column::new("task_id".into(), std::mem::take(&mut c.task_id)),
    ];
    DataFrame::new(n, cols)
}

/// The workflow rows as a DataFrame.
pub fn workflow_frame(
    ds: &Dataset,
    l: &RunLabels,
    rows: &[WorkflowRecord],
) -> PolarsResult<DataFrame> {
    let n = rows.len();
    let f = |g: fn(&WorkflowRecord) -> f64| rows.iter().map(g).collect::<Vec<f64>>();
    let cols = vec![
        Column::new("scenario".into(), vec![l.scenario.as_str(); n]),
        Column::new("scheduler".into(), vec![l.scheduler.as_str(); n]),
        Column::new("seed".into(), vec![l.seed; n]),
        Column::new(
            "workflow".into(),
            rows.iter().map(|r| r.workflow).collect::<Vec<_>>(),
        ),
        Column::new(
            "task".into(),
            rows.iter().map(|r| r.task).collect::<Vec<_>>(),
        ),
        Column::new(
            "task_id".into(),
            rows.iter()
                .map(|r| ds.tasks[r.task as usize].id.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "steps".into(),
            rows.iter().map(|r| r.steps).collect::<Vec<_>>(),
        ),
        Column::new("arrival_ms".into(), f(|r| r.arrival_ms)),
        Column::new("finish_ms".into(), f(|r| r.finish_ms)),
        Column::new("latency_ms".into(), f(|r| r.latency_ms)),
        Column::new("network_ms".into(), f(|r| r.network_ms)),
        Column::new("queue_ms".into(), f(|r| r.queue_ms)),
        Column::new("compute_ms".into(), f(|r| r.compute_ms)),
        Column::new("compute_cost".into(), f(|r| r.compute_cost)),
        Column::new("network_cost".into(), f(|r| r.network_cost)),
        Column::new(
            "network_cost_published".into(),
            f(|r| r.network_cost_published),
        ),
        Column::new("reward".into(), f(|r| r.reward)),
        Column::new(
            "switches".into(),
            rows.iter().map(|r| r.switches).collect::<Vec<_>>(),
        ),
        Column::new(
            "trap_hits".into(),
            rows.iter().map(|r| r.trap_hits).collect::<Vec<_>>(),
        ),
    ];
    DataFrame::new(n, cols)
}
