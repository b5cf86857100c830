//! A small, seeded reinforcement-learning toolkit on burn's CPU (ndarray) backend.
//!
//! - [`net`]: the actor/critic networks as burn modules with seeded initialisation;
//! - [`fast`]: a hand-written f32 forward pass over exported weights, for acting;
//! - [`dist`]: masked categorical sampling, argmax and log-probabilities;
//! - [`buffer`]: the rollout buffer (one trajectory per workflow);
//! - [`gae`]: generalised advantage estimation;
//! - [`ppo`]: the clipped PPO update with two Adam optimisers;
//! - [`schedule`]: learning-rate, entropy and guidance schedules;
//! - [`dwa`]: Dynamic Weight Adjustment of the reward objectives.
//!
//! Everything random draws from ChaCha streams derived from one seed, so a run is reproducible
//! bit for bit (the ndarray backend runs single-threaded here).

pub mod buffer;
pub mod dist;
pub mod dwa;
pub mod fast;
pub mod gae;
pub mod net;
pub mod ppo;
pub mod schedule;

pub use buffer::{Allowed, RolloutBuffer};
pub use dwa::Dwa;
pub use fast::FastMlp;
pub use net::{Activation, Mlp, MlpSpec};
pub use ppo::{ActorCritic, PpoBatch, PpoConfig, PpoLearner, UpdateStats};
