//! Masked categorical distributions over logits: sampling, argmax and log-probabilities.
//!
//! A mask is a list of allowed action indices; every other action has probability zero. The
//! same rule is used when acting and, as an additive `-1e9` bias, inside the PPO update, so the
//! distribution that produced an action is the one the update evaluates.

use rand::Rng;

/// Additive logit bias for a disallowed action in burn (finite, so `0 · bias` stays 0).
pub const MASKED_LOGIT: f32 = -1e9;

/// Index of the largest logit among `allowed` (ties to the first listed); `None` if empty.
pub fn masked_argmax(logits: &[f32], allowed: &[u32]) -> Option<u32> {
    let mut best: Option<(u32, f32)> = None;
    for &a in allowed {
        let v = logits[a as usize];
        if best.is_none_or(|(_, b)| v > b) {
            best = Some((a, v));
        }
    }
    best.map(|(a, _)| a)
}

/// Draw an action among `allowed` with probability `softmax(logits)` restricted to them.
/// Returns the action and its log-probability. `None` if `allowed` is empty.
pub fn masked_sample<R: Rng>(logits: &[f32], allowed: &[u32], rng: &mut R) -> Option<(u32, f64)> {
    let max = allowed
        .iter()
        .map(|&a| logits[a as usize])
        .fold(f32::NEG_INFINITY, f32::max);
    if !max.is_finite() {
        return None;
    }
    let weights: Vec<f64> = allowed
        .iter()
        .map(|&a| f64::from(logits[a as usize] - max).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    let mut u = rng.random::<f64>() * total;
    let mut pick = allowed.len() - 1;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            pick = i;
            break;
        }
        u -= w;
    }
    Some((allowed[pick], (weights[pick] / total).ln()))
}

/// Log-probability of `action` under the masked softmax of `logits`.
pub fn masked_log_prob(logits: &[f32], allowed: &[u32], action: u32) -> f64 {
    let max = allowed
        .iter()
        .map(|&a| logits[a as usize])
        .fold(f32::NEG_INFINITY, f32::max);
    let lse: f64 = allowed
        .iter()
        .map(|&a| f64::from(logits[a as usize] - max).exp())
        .sum::<f64>()
        .ln();
    f64::from(logits[action as usize] - max) - lse
}

/// `z(u) = (u − mean(u)) / (std(u) + 1e-6)` with the unbiased (n−1) standard deviation;
/// all zeros when `u` has fewer than two entries.
pub fn zscore(u: &[f32]) -> Vec<f32> {
    let n = u.len();
    if n < 2 {
        return vec![0.0; n];
    }
    let mean = u.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
    let var = u
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / (n - 1) as f64;
    let denom = var.sqrt() + 1e-6;
    u.iter()
        .map(|&v| ((f64::from(v) - mean) / denom) as f32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn sampling_stays_inside_random_masks() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 40;
        for _ in 0..2000 {
            let logits: Vec<f32> = (0..n).map(|_| rng.random_range(-5.0..5.0)).collect();
            let mut allowed: Vec<u32> = (0..n as u32).filter(|_| rng.random_bool(0.2)).collect();
            if allowed.is_empty() {
                allowed.push(rng.random_range(0..n as u32));
            }
            let (a, lp) = masked_sample(&logits, &allowed, &mut rng).unwrap();
            assert!(allowed.contains(&a));
            assert!((lp - masked_log_prob(&logits, &allowed, a)).abs() < 1e-6);
            assert!(allowed.contains(&masked_argmax(&logits, &allowed).unwrap()));
        }
    }

    #[test]
    fn zscore_uses_unbiased_std() {
        let z = zscore(&[1.0, 2.0, 3.0]);
        // mean 2, unbiased std 1 → [-1, 0, 1] (less the 1e-6 in the denominator).
        assert!((z[0] + 1.0).abs() < 1e-5 && z[1].abs() < 1e-6 && (z[2] - 1.0).abs() < 1e-5);
        assert_eq!(zscore(&[4.0, 4.0]), vec![0.0, 0.0]);
    }
}
