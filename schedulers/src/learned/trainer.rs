//! Training STAR-PPO or PPO through the [`Scheduler`] interface.
//!
//! The engine runs the episodes; the [`Trainer`] only sees `decide` (sample an action, record
//! the transition) and `observe` (scalarise the reward with the epoch's DWA weights, match it to
//! its decision by `(workflow, step)`). The caller drives the epochs:
//!
//! ```text
//! for epoch in 0..E { trainer.begin_epoch(epoch); run episodes with &mut trainer; trainer.end_epoch(); }
//! ```
//!
//! Acting samples from the masked softmax of the actor's logits — for STAR-PPO plus the
//! guidance term `α_g · z(u)` — computed by the fast f32 forward. The update's π_old is
//! recomputed by burn from the unguided actor before the first pass (see [`crate::rl::ppo`]),
//! so the ratio compares the distribution being optimised with itself; the guidance only biases
//! which actions are explored.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::observation::{ModelTypeId, StepContext, Topology};
use crate::rl::buffer::{Allowed, RolloutBuffer};
use crate::rl::dist::{masked_sample, zscore};
use crate::rl::dwa::Dwa;
use crate::rl::fast::{FastMlp, Scratch};
use crate::rl::ppo::{PpoConfig, PpoLearner, UpdateStats};
use crate::rl::schedule;
use crate::scheduler::{Decision, Scheduler, StepOutcome};

use super::checkpoint::{write_checkpoint, CheckpointError, CheckpointMeta, CHECKPOINT_FORMAT};
use super::features::FeatureBuilder;
use super::policy::LearnedPolicy;
use super::LearnedKind;

/// How to train.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Number of epochs `E` (the schedules and the DWA freeze depend on it).
    pub epochs: usize,
    /// Episodes per epoch the caller runs (informational; the trainer counts what it sees).
    pub episodes_per_epoch: usize,
    /// Seed of initialisation, action sampling and minibatch shuffles.
    pub seed: u64,
    /// Base learning rate of both optimisers (decays as `lr · (1 − 0.8 · epoch / E)`).
    pub lr: f64,
    /// Update hyper-parameters.
    pub ppo: PpoConfig,
}

impl TrainConfig {
    /// The reference settings for `kind`: lr 3e-4 (STAR-PPO) or 1e-4 (PPO), γ 0.99, λ 0.95,
    /// clip 0.2, 10 passes of minibatch 1024, gradient-norm bound 0.5.
    pub fn new(kind: LearnedKind, epochs: usize, episodes_per_epoch: usize, seed: u64) -> Self {
        TrainConfig {
            epochs,
            episodes_per_epoch,
            seed,
            lr: kind.default_lr(),
            ppo: PpoConfig::default(),
        }
    }
}

/// What one epoch did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// Epoch index (0-based).
    pub epoch: usize,
    /// Finished workflows (episodes) used by the update.
    pub episodes: usize,
    /// Transitions used by the update.
    pub transitions: usize,
    /// Workflows still unfinished at the end of the epoch (dropped).
    pub dropped_incomplete: usize,
    /// Mean scalarised return per finished workflow.
    pub mean_return: f64,
    /// Mean total latency per finished workflow, ms.
    pub mean_latency_ms: f64,
    /// Mean total cost per finished workflow.
    pub mean_cost: f64,
    /// Mean per-step DWA losses `(−r_L, −r_C, −r_S)` of this epoch.
    pub mean_losses: [f64; 3],
    /// DWA weights used in this epoch.
    pub weights: [f64; 3],
    /// Learning rate of this epoch's update.
    pub lr: f64,
    /// Entropy coefficient of this epoch's update.
    pub entropy_coef: f64,
    /// Guidance weight α_g used when acting (0 for PPO).
    pub guidance_alpha: f64,
    /// Losses and diagnostics of the update.
    pub update: UpdateStats,
}

#[derive(Debug, Default, Clone, Copy)]
struct EpisodeAcc {
    ret: f64,
    latency_ms: f64,
    cost: f64,
}

#[derive(Debug, Default, Clone)]
struct EpochAcc {
    loss_sums: [f64; 3],
    steps: usize,
    episodes: usize,
    ret: f64,
    latency_ms: f64,
    cost: f64,
    dropped: usize,
    open: BTreeMap<u64, EpisodeAcc>,
}

/// Trains a learned scheduler; implements [`Scheduler`] in sampling mode.
#[derive(Debug)]
pub struct Trainer {
    kind: LearnedKind,
    cfg: TrainConfig,
    features: FeatureBuilder,
    learner: PpoLearner,
    actor: FastMlp,
    buffer: RolloutBuffer,
    dwa: Dwa,
    epoch: usize,
    epochs_completed: usize,
    weights: [f64; 3],
    alpha: f64,
    prev_losses: Option<[f64; 3]>,
    acc: EpochAcc,
    rng: ChaCha8Rng,
    allowed_cache: HashMap<ModelTypeId, (Arc<[u32]>, bool)>,
    obs: Vec<f32>,
    logits: Vec<f32>,
    scratch: Scratch,
}

impl Trainer {
    /// A trainer with fresh networks for `topology`, ready for epoch 0.
    pub fn new(kind: LearnedKind, topology: &Topology, cfg: TrainConfig) -> Self {
        let features = FeatureBuilder::new(kind, topology);
        let (actor_spec, critic_spec) = kind.networks(topology.server_count());
        let learner = PpoLearner::new(&actor_spec, &critic_spec, cfg.ppo.clone(), cfg.seed);
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        rng.set_stream(3);
        let mut t = Trainer {
            kind,
            actor: learner.fast_actor(),
            buffer: RolloutBuffer::new(features.obs_dim()),
            dwa: Dwa::new(cfg.epochs),
            features,
            learner,
            epoch: 0,
            epochs_completed: 0,
            weights: crate::rl::dwa::DWA_INITIAL_WEIGHTS,
            alpha: 0.0,
            prev_losses: None,
            acc: EpochAcc::default(),
            rng,
            allowed_cache: HashMap::new(),
            obs: Vec::new(),
            logits: Vec::new(),
            scratch: Scratch::default(),
            cfg,
        };
        t.begin_epoch(0);
        t
    }

    /// The scheduler being trained.
    pub fn kind(&self) -> LearnedKind {
        self.kind
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    /// DWA weights of the current epoch.
    pub fn weights(&self) -> [f64; 3] {
        self.weights
    }

    /// Epochs whose update has run.
    pub fn epochs_completed(&self) -> usize {
        self.epochs_completed
    }

    /// The rollout buffer of the current epoch.
    pub fn buffer(&self) -> &RolloutBuffer {
        &self.buffer
    }

    /// The underlying learner (networks and optimisers).
    pub fn learner(&self) -> &PpoLearner {
        &self.learner
    }

    /// Start `epoch`: update the DWA weights from the previous epoch's losses, set the
    /// schedules and empty the buffer.
    pub fn begin_epoch(&mut self, epoch: usize) {
        self.epoch = epoch;
        if let (LearnedKind::PfPpo, Some(l)) = (self.kind, self.prev_losses) {
            // PF-PPO's DWA starts its loss average from the first epoch's losses.
            self.dwa.prime(l);
        }
        self.weights = self.dwa.begin_epoch(epoch, self.prev_losses);
        self.alpha = match self.kind {
            LearnedKind::StarPpo => schedule::guidance_alpha(epoch, self.cfg.epochs),
            LearnedKind::PfPpo => schedule::pf_guidance_alpha(epoch, self.cfg.epochs),
            LearnedKind::Ppo => 0.0,
        };
        self.buffer.clear();
        self.acc = EpochAcc::default();
    }

    /// End the epoch: GAE over the finished workflows, the PPO update, fresh acting weights.
    pub fn end_epoch(&mut self) -> EpochStats {
        let dropped = self.buffer.drop_pending() + self.acc.dropped;
        let lr = schedule::learning_rate(self.cfg.lr, self.epoch, self.cfg.epochs);
        let entropy_coef = schedule::entropy_coef(self.epoch, self.cfg.epochs);
        let update = if self.buffer.is_empty() {
            UpdateStats::default()
        } else {
            let (values, log_probs) = self.learner.evaluate(
                self.buffer.obs(),
                self.buffer.obs_dim(),
                self.buffer.allowed(),
                self.buffer.actions(),
            );
            self.buffer.set_estimates(values, log_probs);
            self.buffer
                .compute_advantages(self.cfg.ppo.gamma, self.cfg.ppo.lambda);
            self.learner
                .update(&self.buffer.batch(), lr, entropy_coef as f32)
        };
        self.actor = self.learner.fast_actor();
        let acc = &self.acc;
        let steps = acc.steps.max(1) as f64;
        let mean_losses = acc.loss_sums.map(|s| s / steps);
        if acc.steps > 0 {
            self.prev_losses = Some(mean_losses);
        }
        let eps = acc.episodes.max(1) as f64;
        let stats = EpochStats {
            epoch: self.epoch,
            episodes: acc.episodes,
            transitions: self.buffer.len(),
            dropped_incomplete: dropped,
            mean_return: acc.ret / eps,
            mean_latency_ms: acc.latency_ms / eps,
            mean_cost: acc.cost / eps,
            mean_losses,
            weights: self.weights,
            lr,
            entropy_coef,
            guidance_alpha: self.alpha,
            update,
        };
        self.epochs_completed = self.epoch + 1;
        self.buffer.clear();
        stats
    }

    /// An evaluation scheduler (masked argmax, no guidance) from the current weights, with the
    /// current DWA weights in the state.
    pub fn policy(&self) -> LearnedPolicy {
        LearnedPolicy::from_parts(
            self.kind,
            self.features.clone(),
            self.actor.clone(),
            self.weights,
        )
    }

    /// Metadata describing the current model, for [`Trainer::save_checkpoint`]; the caller may
    /// set `best_validation_return` and `scenario`.
    pub fn checkpoint_meta(&self, dataset_fingerprint: &str) -> CheckpointMeta {
        let (actor, critic) = self.kind.networks(self.features.server_count());
        CheckpointMeta {
            format: CHECKPOINT_FORMAT,
            scheduler: self.kind.name().to_string(),
            dataset_fingerprint: dataset_fingerprint.to_string(),
            server_count: self.features.server_count(),
            feature_set: self.kind.feature_set().to_string(),
            seed: self.cfg.seed,
            epochs: self.cfg.epochs,
            epochs_completed: self.epochs_completed,
            best_validation_return: None,
            eval_weights: self.weights,
            actor,
            critic,
            scenario: None,
        }
    }

    /// Write actor and critic to `path` (burn named MessagePack record) and `meta` to the JSON
    /// sidecar, each atomically (temporary file, then rename). Fails if `meta` does not describe
    /// this trainer's model (scheduler, server count, features, network shapes).
    pub fn save_checkpoint(
        &self,
        path: &Path,
        meta: &CheckpointMeta,
    ) -> Result<(), CheckpointError> {
        let mine = self.checkpoint_meta(&meta.dataset_fingerprint);
        let checks = [
            (meta.scheduler == mine.scheduler, "scheduler"),
            (meta.server_count == mine.server_count, "server_count"),
            (meta.feature_set == mine.feature_set, "feature_set"),
            (
                meta.actor == mine.actor && meta.critic == mine.critic,
                "network shapes",
            ),
            (meta.format == CHECKPOINT_FORMAT, "format"),
        ];
        if let Some((_, field)) = checks.iter().find(|(ok, _)| !ok) {
            return Err(CheckpointError::Mismatch(format!(
                "`{field}` differs from the trainer's"
            )));
        }
        write_checkpoint(path, self.learner.networks(), meta)
    }

    /// The candidate servers of `ctx` as an action list, and whether they cover every server
    /// (then the buffer stores "all allowed" and the update skips the mask).
    fn allowed_for(&mut self, ctx: &StepContext<'_>) -> (Arc<[u32]>, bool) {
        let n = self.features.server_count();
        let build = || -> (Arc<[u32]>, bool) {
            let list: Arc<[u32]> = ctx
                .candidates
                .iter()
                .map(|c| c.server)
                .filter(|&s| (s as usize) < n)
                .collect();
            let mut seen = vec![false; n];
            list.iter().for_each(|&s| seen[s as usize] = true);
            let all = seen.iter().all(|&b| b);
            (list, all)
        };
        if ctx.candidates_are_all {
            self.allowed_cache
                .entry(ctx.model_type)
                .or_insert_with(build)
                .clone()
        } else {
            build()
        }
    }
}

impl Scheduler for Trainer {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn decide(&mut self, ctx: &StepContext<'_>) -> Decision {
        self.features.build(ctx, self.weights, &mut self.obs);
        self.actor
            .forward(&self.obs, &mut self.scratch, &mut self.logits);
        if self.alpha != 0.0 {
            let z = zscore(self.features.resource_weights(&self.obs));
            let a = self.alpha as f32;
            self.logits
                .iter_mut()
                .zip(&z)
                .for_each(|(l, z)| *l += a * z);
        }
        let (list, all) = self.allowed_for(ctx);
        let Some((server, log_prob)) = masked_sample(&self.logits, &list, &mut self.rng) else {
            return Decision::pick(0);
        };
        let allowed: Allowed = if all { None } else { Some(list) };
        self.buffer.push_step(
            ctx.workflow,
            ctx.step,
            self.obs.clone(),
            allowed,
            server,
            log_prob as f32,
        );
        self.acc.open.entry(ctx.workflow).or_default();
        let idx = ctx
            .candidates
            .iter()
            .position(|c| c.server == server)
            .unwrap_or(0);
        Decision::pick(idx)
    }

    fn observe(&mut self, o: &StepOutcome) {
        let w = self.weights;
        let r = w[0] * o.r_latency + w[1] * o.r_cost + w[2] * o.r_switch;
        if !self
            .buffer
            .complete_step(o.workflow, o.step, r as f32, o.done)
        {
            return;
        }
        self.acc.loss_sums[0] -= o.r_latency;
        self.acc.loss_sums[1] -= o.r_cost;
        self.acc.loss_sums[2] -= o.r_switch;
        self.acc.steps += 1;
        let ep = self.acc.open.entry(o.workflow).or_default();
        ep.ret += r;
        ep.latency_ms += o.latency_ms;
        ep.cost += o.cost;
        if o.done {
            let ep = self.acc.open.remove(&o.workflow).unwrap_or_default();
            self.acc.episodes += 1;
            self.acc.ret += ep.ret;
            self.acc.latency_ms += ep.latency_ms;
            self.acc.cost += ep.cost;
        }
    }

    fn begin_episode(&mut self) {
        // Workflows of the previous episode that never finished cannot finish now.
        self.acc.dropped += self.buffer.drop_pending();
        self.acc.open.clear();
    }
}
