//! The rows a run produces: one per workflow step and one per workflow, and the sink trait
//! that receives them as they happen (so traces stream to disk instead of piling up).

/// One finished workflow step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    /// Workflow id (its position in the run's workload).
    pub workflow: u64,
    /// Task index in the dataset.
    pub task: u32,
    /// Step index.
    pub step: u32,
    /// Model type index.
    pub model_type: u16,
    /// Server index.
    pub server: u32,
    /// Instance index (model_instances.csv row) that served the step.
    pub instance: u32,
    /// Tokens processed.
    pub tokens: u32,
    /// When the step became ready (previous step finished, or the workflow arrived), ms.
    pub ready_ms: f64,
    /// When the request message was sent (decisions take no simulated time), ms.
    pub dispatch_ms: f64,
    /// When the message reached the server, ms.
    pub arrival_ms: f64,
    /// When service started, ms.
    pub start_ms: f64,
    /// When service finished, ms.
    pub finish_ms: f64,
    /// Message delay, ms.
    pub network_ms: f64,
    /// Wait in the station queue, ms.
    pub queue_ms: f64,
    /// Service time, ms.
    pub compute_ms: f64,
    /// Step latency = finish - ready, ms.
    pub latency_ms: f64,
    /// Money cost (compute).
    pub cost: f64,
    /// Whether the hop touched a trap server.
    pub trap_hit: bool,
    /// Transmission attempts.
    pub attempts: u32,
    /// Whether the step switched region.
    pub region_switch: bool,
    /// Hop distance, km.
    pub distance_km: f64,
}

/// One finished workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowRecord {
    /// Workflow id.
    pub workflow: u64,
    /// Task index.
    pub task: u32,
    /// Steps run.
    pub steps: u32,
    /// Arrival time, ms.
    pub arrival_ms: f64,
    /// Finish time of the last step, ms.
    pub finish_ms: f64,
    /// Workflow latency = sum of step latencies = finish - arrival, ms.
    pub latency_ms: f64,
    /// Sum of network ms.
    pub network_ms: f64,
    /// Sum of queue ms.
    pub queue_ms: f64,
    /// Sum of compute ms.
    pub compute_ms: f64,
    /// Compute cost.
    pub compute_cost: f64,
    /// Network cost, corrected formula (the steps' tokens).
    pub network_cost: f64,
    /// Network cost, published formula (TaskSize).
    pub network_cost_published: f64,
    /// Scalarised reward with the evaluation weights 0.45 / 0.40 / 0.15.
    pub reward: f64,
    /// Region switches.
    pub switches: u32,
    /// Steps whose hop touched a trap.
    pub trap_hits: u32,
}

/// Network cost per KB per ms (reference metrics).
pub const NETWORK_COST_PER_KB_MS: f64 = 0.00015;
/// Communication cost as a share of network cost (reference metrics).
pub const COMM_COST_SHARE: f64 = 0.3;

/// Where a run's rows go.
pub trait RecordSink {
    /// A step finished.
    fn step(&mut self, row: &StepRecord) -> std::io::Result<()>;
    /// A workflow finished.
    fn workflow(&mut self, row: &WorkflowRecord) -> std::io::Result<()>;
}

/// A sink that keeps everything in memory (tests, small runs).
#[derive(Debug, Default, Clone)]
pub struct MemorySink {
    /// Steps in completion order.
    pub steps: Vec<StepRecord>,
    /// Workflows in completion order.
    pub workflows: Vec<WorkflowRecord>,
}

impl RecordSink for MemorySink {
    fn step(&mut self, row: &StepRecord) -> std::io::Result<()> {
        self.steps.push(row.clone());
        Ok(())
    }
    fn workflow(&mut self, row: &WorkflowRecord) -> std::io::Result<()> {
        self.workflows.push(row.clone());
        Ok(())
    }
}

/// A sink that drops steps and keeps workflows (benchmarks, training).
#[derive(Debug, Default, Clone)]
pub struct WorkflowSink {
    /// Workflows in completion order.
    pub workflows: Vec<WorkflowRecord>,
}

impl RecordSink for WorkflowSink {
    fn step(&mut self, _: &StepRecord) -> std::io::Result<()> {
        Ok(())
    }
    fn workflow(&mut self, row: &WorkflowRecord) -> std::io::Result<()> {
        self.workflows.push(row.clone());
        Ok(())
    }
}
