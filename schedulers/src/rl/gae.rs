//! Generalised advantage estimation over one finished trajectory.

/// Advantages and returns of one trajectory that ended in a terminal state.
///
/// With rewards `r_t`, values `V_t` and `V_T = 0` after the last step:
/// `δ_t = r_t + γ V_{t+1} − V_t`, `A_t = δ_t + γλ A_{t+1}`, `R_t = A_t + V_t`.
/// Returns `(advantages, returns)`, each as long as `rewards`.
pub fn gae(rewards: &[f32], values: &[f32], gamma: f32, lambda: f32) -> (Vec<f32>, Vec<f32>) {
    assert_eq!(rewards.len(), values.len(), "one value per reward");
    let n = rewards.len();
    let mut adv = vec![0.0f32; n];
    let mut next_value = 0.0f32;
    let mut next_adv = 0.0f32;
    for t in (0..n).rev() {
        let delta = rewards[t] + gamma * next_value - values[t];
        next_adv = delta + gamma * lambda * next_adv;
        adv[t] = next_adv;
        next_value = values[t];
    }
    let ret = adv.iter().zip(values).map(|(a, v)| a + v).collect();
    (adv, ret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-5, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn three_step_episode_by_hand() {
        // γ = 0.5, λ = 0.5 (γλ = 0.25), r = [1, 2, 3], V = [1, 1, 1], V_3 = 0.
        // t = 2: δ = 3 + 0.5·0 − 1 = 2;   A = 2
        // t = 1: δ = 2 + 0.5·1 − 1 = 1.5; A = 1.5 + 0.25·2 = 2
        // t = 0: δ = 1 + 0.5·1 − 1 = 0.5; A = 0.5 + 0.25·2 = 1
        // R = A + V = [2, 3, 3]
        let (a, r) = gae(&[1.0, 2.0, 3.0], &[1.0, 1.0, 1.0], 0.5, 0.5);
        close(&a, &[1.0, 2.0, 2.0]);
        close(&r, &[2.0, 3.0, 3.0]);
    }

    #[test]
    fn three_step_episode_with_default_constants() {
        // γ = 0.99, λ = 0.95 (γλ = 0.9405), r = [-1, -1, -2], V = [-3, -2, -1], V_3 = 0.
        // t = 2: δ = -2 + 0 + 1 = -1;                 A = -1
        // t = 1: δ = -1 + 0.99·(-1) + 2 = 0.01;        A = 0.01 − 0.9405 = -0.9305
        // t = 0: δ = -1 + 0.99·(-2) + 3 = 0.02;        A = 0.02 + 0.9405·(-0.9305) = -0.85513525
        // R = A + V = [-3.85513525, -2.9305, -2]
        let (a, r) = gae(&[-1.0, -1.0, -2.0], &[-3.0, -2.0, -1.0], 0.99, 0.95);
        close(&a, &[-0.855_135_25, -0.9305, -1.0]);
        close(&r, &[-3.855_135_3, -2.9305, -2.0]);
    }

    #[test]
    fn gamma_zero_is_one_step_advantage() {
        let (a, _) = gae(&[1.0, 2.0], &[0.5, 0.5], 0.0, 0.95);
        close(&a, &[0.5, 1.5]);
    }
}
