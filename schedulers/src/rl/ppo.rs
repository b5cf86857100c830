//! The clipped PPO update on burn's CPU backend: an actor and a critic, two Adam optimisers,
//! per-network gradient-norm clipping and seeded minibatch shuffles.
//!
//! π_old: the log-probabilities the ratio divides by are recomputed by
//! [`PpoLearner::evaluate`] with the current (pre-update) actor, masked exactly as in the
//! update, before the first pass. Whatever exploration bias the behaviour policy added
//! (STAR-PPO's guidance term) is therefore not part of π_old, so the first pass starts at
//! ratio 1 and clipping is measured against the distribution being optimised (the fix of the
//! reference's off-policy ratio). The values used by GAE come from the same call.

use std::sync::Arc;

use burn::backend::ndarray::NdArrayDevice;
use burn::backend::{Autodiff, NdArray};
use burn::module::{AutodiffModule, Module, ModuleVisitor, Param};
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::{Adam, AdamConfig, GradientsParams, Optimizer};
use burn::tensor::activation::log_softmax;
use burn::tensor::{ElementConversion, Int, Tensor, TensorData};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::buffer::Allowed;
use super::dist::MASKED_LOGIT;
use super::fast::FastMlp;
use super::net::{Mlp, MlpSpec};

/// The backend networks are evaluated on (no autodiff).
pub type InnerBackend = NdArray<f32>;
/// The backend the update trains on.
pub type TrainBackend = Autodiff<InnerBackend>;

type Opt = OptimizerAdaptor<Adam, Mlp<TrainBackend>, TrainBackend>;

/// Hyper-parameters of the update (defaults: the reference's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PpoConfig {
    /// Discount γ (0.99).
    pub gamma: f32,
    /// GAE λ (0.95).
    pub lambda: f32,
    /// Ratio clip ε (0.2).
    pub clip: f32,
    /// Value-loss coefficient (0.5).
    pub value_coef: f32,
    /// Passes over the buffer per update (10).
    pub passes: usize,
    /// Minibatch size (1024).
    pub minibatch: usize,
    /// Gradient-norm bound, applied separately to the actor and to the critic (0.5).
    pub max_grad_norm: f32,
    /// Adam ε (1e-8).
    pub adam_eps: f32,
}

impl Default for PpoConfig {
    fn default() -> Self {
        PpoConfig {
            gamma: 0.99,
            lambda: 0.95,
            clip: 0.2,
            value_coef: 0.5,
            passes: 10,
            minibatch: 1024,
            max_grad_norm: 0.5,
            adam_eps: 1e-8,
        }
    }
}

/// What the update reads: finished transitions with π_old, advantages and returns.
#[derive(Debug, Clone, Copy)]
pub struct PpoBatch<'a> {
    /// Observations, `len × obs_dim` row-major.
    pub obs: &'a [f32],
    /// Observation width.
    pub obs_dim: usize,
    /// Allowed actions per transition.
    pub allowed: &'a [Allowed],
    /// Actions taken.
    pub actions: &'a [u32],
    /// π_old log-probabilities of the actions.
    pub old_log_probs: &'a [f32],
    /// GAE advantages (normalised per minibatch by the update).
    pub advantages: &'a [f32],
    /// Value targets.
    pub returns: &'a [f32],
}

impl PpoBatch<'_> {
    /// Number of transitions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

/// Means over the minibatch steps of one update.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateStats {
    /// Clipped surrogate loss.
    pub policy_loss: f64,
    /// Value loss `mean((V − R)²)`.
    pub value_loss: f64,
    /// Mean entropy of the (masked) policy.
    pub entropy: f64,
    /// Approximate KL(π_old ‖ π) = mean(log π_old − log π).
    pub approx_kl: f64,
    /// Share of samples whose ratio left [1 − ε, 1 + ε].
    pub clip_fraction: f64,
    /// Actor gradient norm before clipping.
    pub actor_grad_norm: f64,
    /// Critic gradient norm before clipping.
    pub critic_grad_norm: f64,
    /// Gradient steps taken.
    pub steps: usize,
}

/// Actor and critic together, the unit saved in a checkpoint.
#[derive(Module, Debug)]
pub struct ActorCritic<B: burn::tensor::backend::Backend> {
    /// Policy network: observation → one logit per action.
    pub actor: Mlp<B>,
    /// Value network: observation → V.
    pub critic: Mlp<B>,
}

/// Adam with β = (0.9, 0.999) and the given ε.
fn adam(eps: f32) -> Opt {
    AdamConfig::new()
        .with_beta_1(0.9)
        .with_beta_2(0.999)
        .with_epsilon(eps)
        .init::<TrainBackend, Mlp<TrainBackend>>()
}

/// Sum of squared gradients of one network.
struct SquaredNorm<'a> {
    grads: &'a GradientsParams,
    total: f64,
}

impl ModuleVisitor<TrainBackend> for SquaredNorm<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<TrainBackend, D>>) {
        if let Some(g) = self.grads.get::<InnerBackend, D>(param.id) {
            self.total += g.square().sum().into_scalar().elem::<f64>();
        }
    }
}

/// Multiply every gradient of one network by a factor.
struct ScaleGrads<'a> {
    grads: &'a mut GradientsParams,
    factor: f32,
}

impl ModuleVisitor<TrainBackend> for ScaleGrads<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<TrainBackend, D>>) {
        if let Some(g) = self.grads.remove::<InnerBackend, D>(param.id) {
            self.grads
                .register::<InnerBackend, D>(param.id, g.mul_scalar(self.factor));
        }
    }
}

/// Clip the gradients of `net` to a global L2 norm of `max_norm` (as `clip_grad_norm_` does over
/// one network's parameters); returns the norm before clipping.
pub fn clip_grad_norm(net: &Mlp<TrainBackend>, grads: &mut GradientsParams, max_norm: f32) -> f64 {
    let mut v = SquaredNorm { grads, total: 0.0 };
    net.visit(&mut v);
    let norm = v.total.sqrt();
    let coef = f64::from(max_norm) / (norm + 1e-6);
    if coef < 1.0 {
        net.visit(&mut ScaleGrads {
            grads,
            factor: coef as f32,
        });
    }
    norm
}

/// Row-major `[rows, n_actions]` additive bias: 0 where allowed, [`MASKED_LOGIT`] elsewhere;
/// `None` when every row allows every action.
fn mask_bias(allowed: &[&Allowed], n_actions: usize) -> Option<Vec<f32>> {
    if allowed.iter().all(|a| a.is_none()) {
        return None;
    }
    let mut bias = vec![0.0f32; allowed.len() * n_actions];
    for (r, a) in allowed.iter().enumerate() {
        if let Some(list) = a {
            let row = &mut bias[r * n_actions..(r + 1) * n_actions];
            row.fill(MASKED_LOGIT);
            for &i in list.iter() {
                row[i as usize] = 0.0;
            }
        }
    }
    Some(bias)
}

/// One minibatch gathered from a [`PpoBatch`].
struct Minibatch {
    rows: usize,
    obs: Vec<f32>,
    actions: Vec<i64>,
    bias: Option<Vec<f32>>,
    old_log_probs: Vec<f32>,
    advantages: Vec<f32>,
    returns: Vec<f32>,
}

impl Minibatch {
    fn gather(batch: &PpoBatch<'_>, idx: &[usize], n_actions: usize) -> Self {
        let d = batch.obs_dim;
        let mut obs = Vec::with_capacity(idx.len() * d);
        for &i in idx {
            obs.extend_from_slice(&batch.obs[i * d..(i + 1) * d]);
        }
        let allowed: Vec<&Allowed> = idx.iter().map(|&i| &batch.allowed[i]).collect();
        let mut adv: Vec<f32> = idx.iter().map(|&i| batch.advantages[i]).collect();
        normalise(&mut adv);
        Minibatch {
            rows: idx.len(),
            obs,
            actions: idx.iter().map(|&i| i64::from(batch.actions[i])).collect(),
            bias: mask_bias(&allowed, n_actions),
            old_log_probs: idx.iter().map(|&i| batch.old_log_probs[i]).collect(),
            advantages: adv,
            returns: idx.iter().map(|&i| batch.returns[i]).collect(),
        }
    }
}

/// `(A − mean) / (std_unbiased + 1e-8)`; a single sample becomes 0.
fn normalise(a: &mut [f32]) {
    let n = a.len();
    if n == 0 {
        return;
    }
    let mean = a.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
    let std = if n > 1 {
        (a.iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / (n - 1) as f64)
            .sqrt()
    } else {
        0.0
    };
    for v in a.iter_mut() {
        *v = ((f64::from(*v) - mean) / (std + 1e-8)) as f32;
    }
}

/// Actor, critic and their optimisers; runs [`PpoLearner::update`].
pub struct PpoLearner {
    actor: Mlp<TrainBackend>,
    critic: Mlp<TrainBackend>,
    actor_opt: Opt,
    critic_opt: Opt,
    cfg: PpoConfig,
    n_actions: usize,
    rng: ChaCha8Rng,
    device: NdArrayDevice,
}

impl std::fmt::Debug for PpoLearner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PpoLearner")
            .field("cfg", &self.cfg)
            .field("n_actions", &self.n_actions)
            .finish_non_exhaustive()
    }
}

impl PpoLearner {
    /// Fresh networks from `seed` (initialisation and shuffles use separate ChaCha streams).
    pub fn new(actor: &MlpSpec, critic: &MlpSpec, cfg: PpoConfig, seed: u64) -> Self {
        assert_eq!(critic.output, 1, "the critic outputs one value");
        assert_eq!(
            actor.input, critic.input,
            "actor and critic read the same observation"
        );
        let device = NdArrayDevice::Cpu;
        let mut init = ChaCha8Rng::seed_from_u64(seed);
        init.set_stream(1);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(2);
        PpoLearner {
            actor: actor.init(&mut init, &device),
            critic: critic.init(&mut init, &device),
            actor_opt: adam(cfg.adam_eps),
            critic_opt: adam(cfg.adam_eps),
            n_actions: actor.output,
            cfg,
            rng,
            device,
        }
    }

    /// The update's hyper-parameters.
    pub fn config(&self) -> &PpoConfig {
        &self.cfg
    }

    /// Width of the action space.
    pub fn n_actions(&self) -> usize {
        self.n_actions
    }

    /// The current networks (no autodiff), e.g. to save them.
    pub fn networks(&self) -> ActorCritic<InnerBackend> {
        ActorCritic {
            actor: self.actor.valid(),
            critic: self.critic.valid(),
        }
    }

    /// The current actor's weights for fast acting.
    pub fn fast_actor(&self) -> FastMlp {
        FastMlp::from_burn(&self.actor.valid())
    }

    /// The current critic's weights for fast evaluation.
    pub fn fast_critic(&self) -> FastMlp {
        FastMlp::from_burn(&self.critic.valid())
    }

    fn tensor2(&self, data: Vec<f32>, rows: usize, cols: usize) -> Tensor<InnerBackend, 2> {
        Tensor::from_data(TensorData::new(data, [rows, cols]), &self.device)
    }

    /// Critic values and masked log-probabilities of `actions` under the current actor, for
    /// every row of `obs` (`actions.len()` rows). These are the values GAE uses and the π_old
    /// of the next update.
    pub fn evaluate(
        &self,
        obs: &[f32],
        obs_dim: usize,
        allowed: &[Allowed],
        actions: &[u32],
    ) -> (Vec<f32>, Vec<f32>) {
        let n = actions.len();
        assert_eq!(obs.len(), n * obs_dim);
        let actor = self.actor.valid();
        let critic = self.critic.valid();
        let mut values = Vec::with_capacity(n);
        let mut log_probs = Vec::with_capacity(n);
        let chunk = self.cfg.minibatch.max(1);
        for start in (0..n).step_by(chunk) {
            let end = (start + chunk).min(n);
            let rows = end - start;
            let x = self.tensor2(obs[start * obs_dim..end * obs_dim].to_vec(), rows, obs_dim);
            values.extend(critic.forward(x.clone()).into_data().iter::<f32>());
            let mut logits = actor.forward(x);
            let allowed_rows: Vec<&Allowed> = allowed[start..end].iter().collect();
            if let Some(bias) = mask_bias(&allowed_rows, self.n_actions) {
                logits = logits + self.tensor2(bias, rows, self.n_actions);
            }
            let idx: Vec<i64> = actions[start..end].iter().map(|&a| i64::from(a)).collect();
            let idx = Tensor::<InnerBackend, 2, Int>::from_data(
                TensorData::new(idx, [rows, 1]),
                &self.device,
            );
            log_probs.extend(
                log_softmax(logits, 1)
                    .gather(1, idx)
                    .into_data()
                    .iter::<f32>(),
            );
        }
        (values, log_probs)
    }

    /// Clipped PPO over `batch`: `passes` shuffled passes of minibatches, each one gradient step
    /// of `L_clip + value_coef · L_V − entropy_coef · H` at learning rate `lr`.
    pub fn update(&mut self, batch: &PpoBatch<'_>, lr: f64, entropy_coef: f32) -> UpdateStats {
        let mut stats = UpdateStats::default();
        if batch.is_empty() {
            return stats;
        }
        let mut idx: Vec<usize> = (0..batch.len()).collect();
        for _ in 0..self.cfg.passes {
            idx.shuffle(&mut self.rng);
            for chunk in idx.chunks(self.cfg.minibatch.max(1)) {
                let mb = Minibatch::gather(batch, chunk, self.n_actions);
                let s = self.step(&mb, lr, entropy_coef);
                stats.policy_loss += s.policy_loss;
                stats.value_loss += s.value_loss;
                stats.entropy += s.entropy;
                stats.approx_kl += s.approx_kl;
                stats.clip_fraction += s.clip_fraction;
                stats.actor_grad_norm += s.actor_grad_norm;
                stats.critic_grad_norm += s.critic_grad_norm;
                stats.steps += 1;
            }
        }
        let k = stats.steps as f64;
        stats.policy_loss /= k;
        stats.value_loss /= k;
        stats.entropy /= k;
        stats.approx_kl /= k;
        stats.clip_fraction /= k;
        stats.actor_grad_norm /= k;
        stats.critic_grad_norm /= k;
        stats
    }

    fn step(&mut self, mb: &Minibatch, lr: f64, entropy_coef: f32) -> UpdateStats {
        let dev = &self.device;
        let rows = mb.rows;
        let t1 = |v: &[f32]| {
            Tensor::<TrainBackend, 1>::from_data(TensorData::new(v.to_vec(), [rows]), dev)
        };
        let x = Tensor::<TrainBackend, 2>::from_data(
            TensorData::new(mb.obs.clone(), [rows, mb.obs.len() / rows]),
            dev,
        );
        let mut logits = self.actor.forward(x.clone());
        if let Some(bias) = &mb.bias {
            logits = logits
                + Tensor::<TrainBackend, 2>::from_data(
                    TensorData::new(bias.clone(), [rows, self.n_actions]),
                    dev,
                );
        }
        let logp_all = log_softmax(logits, 1);
        let idx = Tensor::<TrainBackend, 2, Int>::from_data(
            TensorData::new(mb.actions.clone(), [rows, 1]),
            dev,
        );
        let logp = logp_all.clone().gather(1, idx).reshape([rows]);
        let entropy = (logp_all.clone().exp() * logp_all).sum_dim(1).mean().neg();

        let old = t1(&mb.old_log_probs);
        let adv = t1(&mb.advantages);
        let log_ratio = logp - old;
        let ratio = log_ratio.clone().exp();
        let clip = self.cfg.clip;
        let surr1 = ratio.clone() * adv.clone();
        let surr2 = ratio.clone().clamp(1.0 - clip, 1.0 + clip) * adv;
        let policy_loss = surr1.min_pair(surr2).mean().neg();

        let v = self.critic.forward(x).reshape([rows]);
        let value_loss = (v - t1(&mb.returns)).square().mean();

        let loss = policy_loss.clone() + value_loss.clone().mul_scalar(self.cfg.value_coef)
            - entropy.clone().mul_scalar(entropy_coef);
        let mut grads = loss.backward();
        let mut ga = GradientsParams::from_module(&mut grads, &self.actor);
        let mut gc = GradientsParams::from_module(&mut grads, &self.critic);
        let actor_grad_norm = clip_grad_norm(&self.actor, &mut ga, self.cfg.max_grad_norm);
        let critic_grad_norm = clip_grad_norm(&self.critic, &mut gc, self.cfg.max_grad_norm);
        self.actor = self.actor_opt.step(lr, self.actor.clone(), ga);
        self.critic = self.critic_opt.step(lr, self.critic.clone(), gc);

        let ratios: Vec<f32> = ratio.inner().into_data().iter::<f32>().collect();
        let log_ratios: Vec<f32> = log_ratio.inner().into_data().iter::<f32>().collect();
        let scalar = |t: Tensor<TrainBackend, 1>| t.inner().into_scalar().elem::<f64>();
        UpdateStats {
            policy_loss: scalar(policy_loss),
            value_loss: scalar(value_loss),
            entropy: scalar(entropy),
            approx_kl: -log_ratios.iter().map(|&v| f64::from(v)).sum::<f64>() / rows as f64,
            clip_fraction: ratios.iter().filter(|r| (**r - 1.0).abs() > clip).count() as f64
                / rows as f64,
            actor_grad_norm,
            critic_grad_norm,
            steps: 1,
        }
    }

    /// Replace the networks (e.g. from a checkpoint); optimiser state starts afresh.
    pub fn load_networks(&mut self, nets: ActorCritic<InnerBackend>) {
        self.actor = Mlp::from_inner(nets.actor);
        self.critic = Mlp::from_inner(nets.critic);
        self.actor_opt = adam(self.cfg.adam_eps);
        self.critic_opt = adam(self.cfg.adam_eps);
    }
}

/// Shared allowed-action list (for building [`Allowed`] values).
pub fn allowed_list(actions: impl IntoIterator<Item = u32>) -> Allowed {
    Some(actions.into_iter().collect::<Arc<[u32]>>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rl::buffer::RolloutBuffer;
    use crate::rl::dist::{masked_argmax, masked_sample};
    use crate::rl::net::Activation;

    /// Train on a 5-armed bandit with fixed rewards through the real buffer → evaluate → GAE →
    /// update path; returns the greedy arm among `allowed`.
    fn train_bandit(allowed: &[u32], seed: u64) -> u32 {
        let rewards = [0.1f32, 0.5, 0.9, 0.3, 0.2];
        let spec = |out| MlpSpec {
            input: 2,
            hidden: vec![16, 16],
            output: out,
            se_width: None,
            activation: Activation::Tanh,
        };
        let cfg = PpoConfig {
            minibatch: 64,
            passes: 4,
            ..PpoConfig::default()
        };
        let mut learner = PpoLearner::new(&spec(5), &spec(1), cfg, seed);
        let mask = allowed_list(allowed.iter().copied());
        let obs = [1.0f32, -0.5];
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xB4D1);
        for _ in 0..40 {
            let logits = learner.fast_actor().forward_vec(&obs);
            let mut buf = RolloutBuffer::new(2);
            for k in 0..128u64 {
                let (a, lp) = masked_sample(&logits, allowed, &mut rng).unwrap();
                buf.push_step(k, 0, obs.to_vec(), mask.clone(), a, lp as f32);
                assert!(buf.complete_step(k, 0, rewards[a as usize], true));
            }
            let (v, lp) = learner.evaluate(buf.obs(), 2, buf.allowed(), buf.actions());
            for (mine, burn) in buf.behaviour_log_probs().iter().zip(&lp) {
                assert!(
                    (mine - burn).abs() < 1e-4,
                    "π_old matches the acting distribution"
                );
            }
            buf.set_estimates(v, lp);
            buf.compute_advantages(0.99, 0.95);
            let stats = learner.update(&buf.batch(), 3e-3, 0.0);
            assert_eq!(stats.steps, 8);
        }
        masked_argmax(&learner.fast_actor().forward_vec(&obs), allowed).unwrap()
    }

    #[test]
    fn ppo_learns_the_best_arm_of_a_bandit() {
        assert_eq!(train_bandit(&[0, 1, 2, 3, 4], 1), 2);
    }

    #[test]
    fn ppo_learns_the_best_allowed_arm_under_a_mask() {
        assert_eq!(train_bandit(&[0, 1, 3, 4], 2), 1);
    }

    #[test]
    fn first_pass_ratio_is_one() {
        let spec = |out| MlpSpec {
            input: 3,
            hidden: vec![8],
            output: out,
            se_width: Some(4),
            activation: Activation::Relu,
        };
        let cfg = PpoConfig {
            passes: 1,
            ..PpoConfig::default()
        };
        let mut learner = PpoLearner::new(&spec(6), &spec(1), cfg, 3);
        let obs: Vec<f32> = (0..30).map(|i| (i as f32 * 0.37).sin()).collect();
        let allowed: Vec<Allowed> = (0..10)
            .map(|i| allowed_list([i % 6, (i + 2) % 6]))
            .collect();
        let actions: Vec<u32> = (0..10).map(|i| (i + 2) % 6).collect();
        let (v, lp) = learner.evaluate(&obs, 3, &allowed, &actions);
        let adv: Vec<f32> = (0..10).map(|i| i as f32 - 4.5).collect();
        let batch = PpoBatch {
            obs: &obs,
            obs_dim: 3,
            allowed: &allowed,
            actions: &actions,
            old_log_probs: &lp,
            advantages: &adv,
            returns: &v,
        };
        let s = learner.update(&batch, 1e-3, 0.01);
        assert!(s.approx_kl.abs() < 1e-6 && s.clip_fraction == 0.0, "{s:?}");
    }
}
