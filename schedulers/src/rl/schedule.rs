//! Per-epoch schedules of the reference trainers: learning rate, entropy coefficient and
//! STAR-PPO's guidance strength.

/// `lr · (1 − 0.8 · epoch / epochs)`: the rate used by the update of `epoch` (0-based).
pub fn learning_rate(base: f64, epoch: usize, epochs: usize) -> f64 {
    base * (1.0 - 0.8 * epoch as f64 / epochs.max(1) as f64)
}

/// `max(0.002, 0.03 − 0.028 · epoch / (0.9 · epochs))`: 0.03 falling linearly to 0.002 at
/// 90 % of training, flat afterwards.
pub fn entropy_coef(epoch: usize, epochs: usize) -> f64 {
    (0.03 - 0.028 * epoch as f64 / (0.9 * epochs.max(1) as f64)).max(0.002)
}

/// PF-PPO's effective guidance weight `2.5 · (0.7 + 0.3 · epoch / epochs)` (1.75 → 2.5).
pub fn pf_guidance_alpha(epoch: usize, epochs: usize) -> f64 {
    2.5 * (0.7 + 0.3 * epoch as f64 / epochs.max(1) as f64)
}

/// STAR-PPO's guidance weight `α_g = 0.6 + 0.6 · epoch / epochs` (0.6 → 1.194 for 100 epochs).
pub fn guidance_alpha(epoch: usize, epochs: usize) -> f64 {
    0.6 + 0.6 * epoch as f64 / epochs.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_match_the_reference() {
        assert!((learning_rate(3e-4, 0, 100) - 3e-4).abs() < 1e-12);
        assert!((learning_rate(3e-4, 99, 100) - 6.24e-5).abs() < 1e-10);
        assert!((entropy_coef(0, 100) - 0.03).abs() < 1e-12);
        assert!((entropy_coef(90, 100) - 0.002).abs() < 1e-9);
        assert_eq!(entropy_coef(99, 100), 0.002);
        assert!((entropy_coef(45, 100) - 0.016).abs() < 1e-9);
        assert!((guidance_alpha(99, 100) - 1.194).abs() < 1e-12);
    }
}
