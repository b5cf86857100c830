//! STARK's teacher: the reference's "weighted best-fit" expert, and a privileged scheduler that
//! lets it drive episodes while recording what the student would have seen.
//!
//! The expert maximises `−1.0 · latency − 1.5 · cost − 0.2 · switch_ms` over the candidates,
//! with the latency taken from ground truth (expected network delay including trap behaviour,
//! the true queue wait and service time) and `switch_ms` the mean link-table base latency when
//! the step changes region. It is privileged on purpose: it is a teacher. The student only ever
//! sees the observable tokens of [`super::tokens`].

use crate::observation::{StepContext, Topology};
use crate::scheduler::{Decision, Scheduler};
use crate::truth::{expected_step_latency_ms, GroundTruth};

use super::policy::StarkPolicy;
use super::tokens::{DecisionTokens, TokenBuilder};

/// Expert decisions recorded as training samples (flat, batch-ready).
#[derive(Debug, Clone, Default)]
pub struct Samples {
    /// `n × TASK_FEATURES`.
    pub task: Vec<f32>,
    /// `n × shortlist × SERVER_FEATURES`.
    pub servers: Vec<f32>,
    /// `n × shortlist`, 1 for a real token.
    pub valid: Vec<f32>,
    /// Token index of the expert's choice, per sample.
    pub labels: Vec<u32>,
}

impl Samples {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    fn push(&mut self, tokens: &DecisionTokens, label: usize) {
        self.task.extend_from_slice(&tokens.task);
        self.servers.extend_from_slice(&tokens.servers);
        self.valid.extend_from_slice(&tokens.valid);
        self.labels.push(label as u32);
    }
}

/// Counts of one teaching run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TeachingStats {
    /// Decisions the expert made among two or more candidates (a single candidate leaves
    /// nothing to choose and is not counted).
    pub decisions: usize,
    /// Decisions whose expert choice was outside the short-list (not learnable).
    pub outside_shortlist: usize,
    /// Decisions on which the student (if any) chose what the expert chose.
    pub agreed: usize,
}

impl TeachingStats {
    /// Share of decisions the student agreed with the expert on.
    pub fn agreement(&self) -> f64 {
        self.agreed as f64 / self.decisions.max(1) as f64
    }
}

/// The candidate index the expert picks.
pub fn expert_choice(ctx: &StepContext<'_>, truth: &dyn GroundTruth, switch_ms: f64) -> usize {
    let topo = ctx.topology;
    let prev_region = ctx.prev_server.map(|p| topo.server(p).region);
    let mut best = 0;
    let mut best_score = f64::NEG_INFINITY;
    for (i, c) in ctx.candidates.iter().enumerate() {
        let latency = expected_step_latency_ms(truth, ctx, c);
        let switch = match prev_region {
            Some(r) if r != topo.server(c.server).region => switch_ms,
            _ => 0.0,
        };
        let score = -latency - 1.5 * ctx.step_cost(c) - 0.2 * switch;
        if score > best_score {
            best = i;
            best_score = score;
        }
    }
    best
}

/// The region-switch penalty in ms: the mean link-table base latency over servers with links.
pub fn switch_penalty_ms(topology: &Topology) -> f64 {
    let means: Vec<f64> = topology
        .servers
        .iter()
        .filter_map(|s| s.mean_link_latency_ms)
        .collect();
    if means.is_empty() {
        0.0
    } else {
        means.iter().sum::<f64>() / means.len() as f64
    }
}

/// A privileged scheduler that follows the expert and either records training samples or
/// counts how often a student agrees with it.
#[derive(Debug)]
pub struct Teacher {
    tokens: TokenBuilder,
    scratch: DecisionTokens,
    switch_ms: f64,
    record: bool,
    student: Option<StarkPolicy>,
    samples: Samples,
    stats: TeachingStats,
}

impl Teacher {
    /// A teacher that records the expert's decisions as samples over a `shortlist`-token
    /// short-list.
    pub fn recording(topology: &Topology, shortlist: usize) -> Self {
        Teacher::new(topology, shortlist, true, None)
    }

    /// A teacher that counts how often `student` chooses what the expert chooses.
    pub fn judging(topology: &Topology, student: StarkPolicy) -> Self {
        Teacher::new(topology, 1, false, Some(student))
    }

    fn new(
        topology: &Topology,
        shortlist: usize,
        record: bool,
        student: Option<StarkPolicy>,
    ) -> Self {
        Teacher {
            tokens: TokenBuilder::new(topology, shortlist),
            scratch: DecisionTokens::default(),
            switch_ms: switch_penalty_ms(topology),
            record,
            student,
            samples: Samples::default(),
            stats: TeachingStats::default(),
        }
    }

    /// The counts so far, resetting them.
    pub fn take_stats(&mut self) -> TeachingStats {
        std::mem::take(&mut self.stats)
    }

    /// The recorded samples, leaving none.
    pub fn take_samples(&mut self) -> Samples {
        std::mem::take(&mut self.samples)
    }
}

impl Scheduler for Teacher {
    fn name(&self) -> &str {
        "stark-expert"
    }

    /// Without ground truth there is no expert: fall back to the best short-list proposal.
    fn decide(&mut self, ctx: &StepContext<'_>) -> Decision {
        self.tokens.build(ctx, &mut self.scratch);
        Decision::pick(self.scratch.candidates.first().copied().unwrap_or(0))
    }

    fn decide_privileged(&mut self, ctx: &StepContext<'_>, truth: &dyn GroundTruth) -> Decision {
        let choice = expert_choice(ctx, truth, self.switch_ms);
        if ctx.candidates.len() < 2 {
            return Decision::pick(choice);
        }
        self.stats.decisions += 1;
        if let Some(student) = &mut self.student {
            if student.decide(ctx).candidate == choice {
                self.stats.agreed += 1;
            }
        }
        if self.record {
            self.tokens.build(ctx, &mut self.scratch);
            match self.scratch.candidates.iter().position(|&c| c == choice) {
                Some(label) => self.samples.push(&self.scratch, label),
                None => self.stats.outside_shortlist += 1,
            }
        }
        Decision::pick(choice)
    }

    fn privileged(&self) -> bool {
        true
    }
}
