//! Seed derivation: every random stream of a run is keyed by the run seed and a purpose.
//!
//! Streams: [`WORKLOAD`] (task sampling and arrival times), [`NETWORK`] (channel, jitter and
//! loss draws; one ChaCha stream per workflow) and [`SCHEDULER`] (the scheduler's own draws).
//! Keeping them apart means a scheduler's choices never shift the network draws of a workflow,
//! and no result depends on what ran before it in the same process.

/// Purpose key of the workload stream.
pub const WORKLOAD: u64 = 1;
/// Purpose key of the network stream.
pub const NETWORK: u64 = 2;
/// Purpose key of the scheduler stream.
pub const SCHEDULER: u64 = 3;
/// Purpose key of training draws (task sampling, shuffles, initialisation).
pub const TRAINING: u64 = 4;
/// Purpose key of the engine runs that validate a model during training.
pub const VALIDATION: u64 = 7;
/// Base of the purpose keys of training epochs' engine runs (epoch `e` uses `base + e`).
pub const TRAINING_EPOCH_BASE: u64 = 1000;

/// Seed of the engine run of training epoch `epoch`.
pub fn training_epoch(seed: u64, epoch: usize) -> u64 {
    derive(seed, TRAINING_EPOCH_BASE + epoch as u64)
}

/// A 64-bit seed for `purpose` derived from `seed` (SplitMix64 finaliser over both).
pub fn derive(seed: u64, purpose: u64) -> u64 {
    let mut z = seed ^ purpose.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    #[test]
    fn purposes_differ() {
        let a = super::derive(42, super::NETWORK);
        let b = super::derive(42, super::WORKLOAD);
        assert_ne!(a, b);
        assert_eq!(a, super::derive(42, super::NETWORK));
    }
}
