//! STARK's teacher: the reference's "weighted best-fit" expert, and a privileged scheduler that
//! lets it drive episodes while recording what the student would have seen.
//!
//! The expert maximises `−1.0 · latency − 1.5 · cost − 0.2 · switch_ms` over the candidates,
//! with the latency taken from ground truth (expected network delay including trap behaviour,
//! the true queue wait and service time) and `switch_ms` the mean link-table base latency when
//! the step changes region. It is privileged on purpose: it is a teacher. The student only ever
//! sees the observable tokens of [`super::tokens`].

use crate::observation::StepContext;
use crate::scheduler::{Decision, Scheduler};
use crate::truth::GroundTruth;

use super::policy::StarkPolicy;
use super::tokens::{DecisionTokens, TokenBuilder, SERVER_FEATURES};

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

    fn push(&mut self, tokens: &DecisionTokens, shortlist: usize, label: usize) {
        self.task.extend_from_slice(&tokens.task);
        self.servers.extend_from_slice(&tokens.servers);
        debug_assert_eq!(tokens.servers.len(), shortlist * SERVER_FEATURES);
        self.valid
            .extend((0..shortlist).map(|i| if i < tokens.len() { 1.0 } else { 0.0 }));
        self.labels.push(label as u32);
    }
}

/// Counts of one teaching run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TeachingStats {
    /// Decisions the expert made.
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
        let net = truth.expected_network_ms(ctx.prev_server, c.server, ctx.tokens);
        let latency = net
            + truth.wait_ms(c.station, ctx.now_ms + net)
            + truth.service_ms(c.server, ctx.tokens);
        let server = topo.server(c.server);
        let cost = ctx.tokens as f64 / 1000.0 * c.cost_per_ktoken * server.price_multiplier;
        let switch = match prev_region {
            Some(r) if r != server.region => switch_ms,
            _ => 0.0,
        };
        let score = -latency - 1.5 * cost - 0.2 * switch;
        if score > best_score {
            best = i;
            best_score = score;
        }
    }
    best
}

/// The region-switch penalty in ms: the mean link-table base latency over servers with links.
pub fn switch_penalty_ms(topology: &crate::observation::Topology) -> f64 {
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

/// A privileged scheduler that follows the expert, records samples and, given a student,
/// counts how often the student agrees.
#[derive(Debug)]
pub struct Teacher {
    tokens: TokenBuilder,
    scratch: DecisionTokens,
    switch_ms: f64,
    record: bool,
    student: Option<StarkPolicy>,
    /// Recorded samples.
    pub samples: Samples,
    /// Counts since construction or the last [`Teacher::take_stats`].
    stats: TeachingStats,
}

impl Teacher {
    /// A teacher over `topology` short-listing `shortlist` candidates; records samples when
    /// `record`, compares against `student` when given.
    pub fn new(
        topology: &crate::observation::Topology,
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

    /// Without ground truth there is no expert: fall back to the short-list's best estimate.
    fn decide(&mut self, ctx: &StepContext<'_>) -> Decision {
        self.tokens.build(ctx, &mut self.scratch);
        Decision::pick(self.scratch.candidates[0])
    }

    fn decide_privileged(&mut self, ctx: &StepContext<'_>, truth: &dyn GroundTruth) -> Decision {
        let choice = expert_choice(ctx, truth, self.switch_ms);
        self.stats.decisions += 1;
        if let Some(student) = &mut self.student {
            if student.decide(ctx).candidate == choice {
                self.stats.agreed += 1;
            }
        }
        if self.record {
            self.tokens.build(ctx, &mut self.scratch);
            match self.scratch.candidates.iter().position(|&c| c == choice) {
                Some(label) => self
                    .samples
                    .push(&self.scratch, self.tokens.shortlist(), label),
                None => self.stats.outside_shortlist += 1,
            }
        }
        Decision::pick(choice)
    }

    fn privileged(&self) -> bool {
        true
    }
}
