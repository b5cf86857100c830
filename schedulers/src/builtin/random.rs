//! `random`: uniform over the candidate *instances* (a server hosting 4 instances of the type
//! is 4 times as likely as one hosting 1), as the published rule does.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::observation::StepContext;
use crate::params::Params;
use crate::registry::{BuildContext, SchedulerEntry, SchedulerError};
use crate::scheduler::{Decision, Scheduler};

/// Uniform over instances, from its own seeded stream.
#[derive(Debug)]
pub struct RandomScheduler {
    rng: ChaCha8Rng,
}

impl RandomScheduler {
    /// A random scheduler drawing from `seed`.
    pub fn new(seed: u64) -> Self {
        RandomScheduler { rng: ChaCha8Rng::seed_from_u64(seed) }
    }
}

impl Scheduler for RandomScheduler {
    fn name(&self) -> &str {
        "random"
    }

    fn decide(&mut self, ctx: &StepContext<'_>) -> Decision {
        let total = ctx.total_instances();
        if total == 0 {
            return Decision::pick(self.rng.random_range(0..ctx.candidates.len()));
        }
        let u = self.rng.random_range(0..total);
        Decision::pick(ctx.candidates.partition_point(|c| c.cum_instances <= u))
    }
}

pub(super) fn entry() -> SchedulerEntry {
    SchedulerEntry {
        name: "random",
        description: "uniform over the candidate instances (the published Random)",
        params: &[("seed", "extra seed mixed into the run seed (default 0)")],
        privileged: false,
        build,
    }
}

fn build(ctx: &BuildContext<'_>, p: &Params) -> Result<Box<dyn Scheduler>, SchedulerError> {
    let extra: u64 = p.get_or("seed", 0)?;
    Ok(Box::new(RandomScheduler::new(ctx.seed ^ extra.wrapping_mul(0x9E37_79B9_7F4A_7C15))))
}
