//! Dynamic Weight Adjustment of the three reward objectives (latency, cost, switch), exactly as
//! the reference trainers do it.
//!
//! `w_e = norm(clip(0.3 · softmax(3 · softmax(clip(L / m, 0.7, 1.3) / T)) + 0.7 · w_{e−1},
//! 0.15, 0.7))`, where `L` is the previous epoch's mean per-objective loss `(−r_L, −r_C, −r_S)`
//! and `m` an EMA of it; active from epoch 3 until the freeze epoch `int(0.8 E)`.
use serde::{Deserialize, Serialize};

/// DWA state: current weights, the loss EMA and the schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dwa {
    /// Current weights `(w_L, w_C, w_S)`, summing to 1.
    pub weights: [f64; 3],
    ema: [f64; 3],
    temperature: f64,
    start_epoch: usize,
    freeze_epoch: usize,
}

/// The reference's initial weights.
pub const DWA_INITIAL_WEIGHTS: [f64; 3] = [0.45, 0.40, 0.15];

fn softmax(x: [f64; 3]) -> [f64; 3] {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e = x.map(|v| (v - m).exp());
    let s: f64 = e.iter().sum();
    e.map(|v| v / s)
}

impl Dwa {
    /// DWA for a run of `epochs` epochs: weights [0.45, 0.40, 0.15], T = 3, start epoch 3,
    /// frozen from `int(0.8 · epochs)`.
    pub fn new(epochs: usize) -> Self {
        Dwa {
            weights: DWA_INITIAL_WEIGHTS,
            ema: [0.0; 3],
            temperature: 3.0,
            start_epoch: 3,
            freeze_epoch: (0.8 * epochs as f64) as usize,
        }
    }

    /// Whether `begin_epoch(epoch, ..)` changes the weights.
    pub fn is_active(&self, epoch: usize) -> bool {
        epoch >= self.start_epoch && epoch < self.freeze_epoch
    }

    /// Start the loss average from `losses` if it is still empty (PF-PPO seeds it with the
    /// first epoch's losses, so its first active update is a real average step).
    pub fn prime(&mut self, losses: [f64; 3]) {
        if self.ema.iter().all(|&m| m == 0.0) {
            self.ema = losses.map(|v| v + 1e-6);
        }
    }

    /// Start `epoch`: update the weights from the previous epoch's mean losses
    /// `(mean −r_L, mean −r_C, mean −r_S)` if DWA is active; returns the weights to use.
    pub fn begin_epoch(&mut self, epoch: usize, prev_losses: Option<[f64; 3]>) -> [f64; 3] {
        let Some(l) = prev_losses else {
            return self.weights;
        };
        if !self.is_active(epoch) {
            return self.weights;
        }
        if self.ema.iter().all(|&m| m == 0.0) {
            self.ema = l.map(|v| v + 1e-6);
        } else {
            for (m, li) in self.ema.iter_mut().zip(l) {
                *m = 0.15 * li + 0.85 * *m;
            }
        }
        if l.iter().map(|v| v.abs()).sum::<f64>() / 3.0 > 1e-5 {
            let ratio: [f64; 3] =
                std::array::from_fn(|i| (l[i] / (self.ema[i] + 1e-7)).clamp(0.7, 1.3));
            let e = ratio.map(|r| (r / self.temperature).exp());
            let denom: f64 = e.iter().sum::<f64>() + 1e-8;
            let k = e.map(|v| 3.0 * v / denom);
            let target = softmax(k);
            let mut w: [f64; 3] = std::array::from_fn(|i| {
                (0.3 * target[i] + 0.7 * self.weights[i]).clamp(0.15, 0.70)
            });
            let s: f64 = w.iter().sum();
            w.iter_mut().for_each(|v| *v /= s);
            self.weights = w;
        }
        self.weights
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_update_with_constant_losses() {
        let mut dwa = Dwa::new(100);
        let losses = Some([1.2, 0.6, 0.3]);
        for e in 0..3 {
            assert_eq!(
                dwa.begin_epoch(e, losses),
                DWA_INITIAL_WEIGHTS,
                "inactive before epoch 3"
            );
        }
        let w = dwa.begin_epoch(3, losses);
        for (got, want) in w.iter().zip([0.415, 0.380, 0.205]) {
            assert!((got - want).abs() < 1e-3, "{w:?}");
        }
    }

    #[test]
    fn converges_to_uniform_and_freezes() {
        let mut dwa = Dwa::new(100);
        let losses = Some([2.0, 1.0, 0.5]);
        let mut w = [0.0; 3];
        for e in 0..=10 {
            w = dwa.begin_epoch(e, losses);
        }
        for (got, want) in w.iter().zip([0.340, 0.337, 0.323]) {
            assert!((got - want).abs() < 2e-3, "{w:?}");
        }
        for e in 11..80 {
            w = dwa.begin_epoch(e, losses);
        }
        assert!(w.iter().all(|v| (v - 1.0 / 3.0).abs() < 1e-4), "{w:?}");
        assert_eq!(
            dwa.begin_epoch(85, Some([9.0, 0.0, 0.0])),
            w,
            "frozen after int(0.8 E)"
        );
    }

    #[test]
    fn zero_switch_loss_fixed_point() {
        let mut dwa = Dwa::new(100);
        let mut w = [0.0; 3];
        for e in 0..80 {
            w = dwa.begin_epoch(e, Some([1.0, 0.5, 0.0]));
        }
        for (got, want) in w.iter().zip([0.3441, 0.3441, 0.3119]) {
            assert!((got - want).abs() < 1e-3, "{w:?}");
        }
    }
}
