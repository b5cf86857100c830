//! The rollout buffer: transitions grouped into trajectories (one workflow each).
//!
//! Decisions of different workflows interleave in open workloads, so a step is recorded when it
//! is decided ([`RolloutBuffer::push_step`]) and completed when its outcome arrives
//! ([`RolloutBuffer::complete_step`]), matched by `(trajectory key, step)`. A trajectory moves
//! to the finished storage when its last step completes; only finished trajectories are used by
//! the update. Values and log-probabilities are filled in afterwards by the learner
//! ([`RolloutBuffer::set_estimates`]), then [`RolloutBuffer::compute_advantages`] runs GAE.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::gae::gae;
use super::ppo::PpoBatch;

/// Allowed actions of one transition: `None` means every action.
pub type Allowed = Option<Arc<[u32]>>;

#[derive(Debug, Clone)]
struct PendingStep {
    step: u32,
    obs: Vec<f32>,
    allowed: Allowed,
    action: u32,
    behaviour_log_prob: f32,
    reward: Option<f32>,
}

/// Transitions of finished trajectories, stored flat, plus those still in flight.
#[derive(Debug, Clone)]
pub struct RolloutBuffer {
    obs_dim: usize,
    pending: BTreeMap<u64, Vec<PendingStep>>,
    obs: Vec<f32>,
    allowed: Vec<Allowed>,
    actions: Vec<u32>,
    rewards: Vec<f32>,
    dones: Vec<bool>,
    behaviour_log_probs: Vec<f32>,
    trajectories: Vec<(usize, usize)>,
    values: Vec<f32>,
    log_probs: Vec<f32>,
    advantages: Vec<f32>,
    returns: Vec<f32>,
}

impl RolloutBuffer {
    /// An empty buffer for observations of `obs_dim` features.
    pub fn new(obs_dim: usize) -> Self {
        RolloutBuffer {
            obs_dim,
            pending: BTreeMap::new(),
            obs: Vec::new(),
            allowed: Vec::new(),
            actions: Vec::new(),
            rewards: Vec::new(),
            dones: Vec::new(),
            behaviour_log_probs: Vec::new(),
            trajectories: Vec::new(),
            values: Vec::new(),
            log_probs: Vec::new(),
            advantages: Vec::new(),
            returns: Vec::new(),
        }
    }

    /// Record a decision of trajectory `key` at `step`: its observation, allowed actions, the
    /// action taken and the log-probability under the distribution that drew it.
    pub fn push_step(
        &mut self,
        key: u64,
        step: u32,
        obs: Vec<f32>,
        allowed: Allowed,
        action: u32,
        behaviour_log_prob: f32,
    ) {
        assert_eq!(obs.len(), self.obs_dim, "observation width");
        self.pending.entry(key).or_default().push(PendingStep {
            step,
            obs,
            allowed,
            action,
            behaviour_log_prob,
            reward: None,
        });
    }

    /// Give the reward of `(key, step)`; `done` ends the trajectory, which then moves to the
    /// finished storage (steps still without a reward are dropped with it). Returns false when
    /// no such step was recorded.
    pub fn complete_step(&mut self, key: u64, step: u32, reward: f32, done: bool) -> bool {
        let Some(steps) = self.pending.get_mut(&key) else {
            return false;
        };
        let Some(s) = steps
            .iter_mut()
            .find(|s| s.step == step && s.reward.is_none())
        else {
            return false;
        };
        s.reward = Some(reward);
        if done {
            let mut steps = self.pending.remove(&key).unwrap_or_default();
            steps.retain(|s| s.reward.is_some());
            steps.sort_by_key(|s| s.step);
            self.finish(steps);
        }
        true
    }

    fn finish(&mut self, steps: Vec<PendingStep>) {
        if steps.is_empty() {
            return;
        }
        let start = self.actions.len();
        let last = steps.len() - 1;
        for (i, s) in steps.into_iter().enumerate() {
            self.obs.extend_from_slice(&s.obs);
            self.allowed.push(s.allowed);
            self.actions.push(s.action);
            self.rewards.push(s.reward.unwrap_or(0.0));
            self.dones.push(i == last);
            self.behaviour_log_probs.push(s.behaviour_log_prob);
        }
        self.trajectories.push((start, self.actions.len()));
    }

    /// Drop trajectories still in flight; returns how many there were.
    pub fn drop_pending(&mut self) -> usize {
        let n = self.pending.len();
        self.pending.clear();
        n
    }

    /// Empty the buffer (finished and pending).
    pub fn clear(&mut self) {
        *self = RolloutBuffer::new(self.obs_dim);
    }

    /// Observation width.
    pub fn obs_dim(&self) -> usize {
        self.obs_dim
    }

    /// Number of finished transitions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether no transition has finished.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// `[start, end)` transition ranges of the finished trajectories.
    pub fn trajectories(&self) -> &[(usize, usize)] {
        &self.trajectories
    }

    /// Observations, `len() × obs_dim()` row-major.
    pub fn obs(&self) -> &[f32] {
        &self.obs
    }

    /// Allowed actions per transition.
    pub fn allowed(&self) -> &[Allowed] {
        &self.allowed
    }

    /// Actions taken.
    pub fn actions(&self) -> &[u32] {
        &self.actions
    }

    /// Scalar rewards.
    pub fn rewards(&self) -> &[f32] {
        &self.rewards
    }

    /// Whether each transition was its trajectory's last.
    pub fn dones(&self) -> &[bool] {
        &self.dones
    }

    /// Log-probabilities under the distribution that drew each action (diagnostics only; the
    /// update uses [`RolloutBuffer::log_probs`]).
    pub fn behaviour_log_probs(&self) -> &[f32] {
        &self.behaviour_log_probs
    }

    /// Critic values (after [`RolloutBuffer::set_estimates`]).
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// π_old log-probabilities used by the update (after [`RolloutBuffer::set_estimates`]).
    pub fn log_probs(&self) -> &[f32] {
        &self.log_probs
    }

    /// Advantages (after [`RolloutBuffer::compute_advantages`]).
    pub fn advantages(&self) -> &[f32] {
        &self.advantages
    }

    /// Returns `A + V` (after [`RolloutBuffer::compute_advantages`]).
    pub fn returns(&self) -> &[f32] {
        &self.returns
    }

    /// Store the critic's values and π_old's log-probabilities of every finished transition.
    pub fn set_estimates(&mut self, values: Vec<f32>, log_probs: Vec<f32>) {
        assert_eq!(values.len(), self.len());
        assert_eq!(log_probs.len(), self.len());
        self.values = values;
        self.log_probs = log_probs;
    }

    /// Run GAE over every finished trajectory (values must be set).
    pub fn compute_advantages(&mut self, gamma: f32, lambda: f32) {
        assert_eq!(self.values.len(), self.len(), "set_estimates first");
        self.advantages = vec![0.0; self.len()];
        self.returns = vec![0.0; self.len()];
        for &(s, e) in &self.trajectories {
            let (a, r) = gae(&self.rewards[s..e], &self.values[s..e], gamma, lambda);
            self.advantages[s..e].copy_from_slice(&a);
            self.returns[s..e].copy_from_slice(&r);
        }
    }

    /// The update's view of the buffer (advantages must be computed).
    pub fn batch(&self) -> PpoBatch<'_> {
        assert_eq!(
            self.advantages.len(),
            self.len(),
            "compute_advantages first"
        );
        PpoBatch {
            obs: &self.obs,
            obs_dim: self.obs_dim,
            allowed: &self.allowed,
            actions: &self.actions,
            old_log_probs: &self.log_probs,
            advantages: &self.advantages,
            returns: &self.returns,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaved_workflows_are_matched_by_key_and_step() {
        let mut b = RolloutBuffer::new(1);
        b.push_step(7, 0, vec![0.0], None, 1, 0.0);
        b.push_step(8, 0, vec![1.0], None, 2, 0.0);
        assert!(b.complete_step(8, 0, -1.0, false));
        b.push_step(8, 1, vec![2.0], None, 3, 0.0);
        assert!(b.complete_step(7, 0, -0.5, true));
        assert!(!b.complete_step(7, 0, -0.5, true), "already finished");
        assert!(b.complete_step(8, 1, -2.0, true));
        assert_eq!(b.trajectories(), &[(0, 1), (1, 3)]);
        assert_eq!(b.actions(), &[1, 2, 3]);
        assert_eq!(b.rewards(), &[-0.5, -1.0, -2.0]);
        assert_eq!(b.dones(), &[true, false, true]);
        b.set_estimates(vec![0.0; 3], vec![0.0; 3]);
        b.compute_advantages(1.0, 1.0);
        assert_eq!(b.returns(), &[-0.5, -3.0, -2.0]);
    }
}
