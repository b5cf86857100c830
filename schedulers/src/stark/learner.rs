//! Behaviour cloning of the STARK student: cross-entropy between the student's masked logits and
//! the expert's choice, AdamW (weight decay 1e-4), cosine-annealed learning rate, seeded
//! minibatch shuffles.

use burn::backend::ndarray::NdArrayDevice;
use burn::module::AutodiffModule;
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::{AdamW, AdamWConfig, GradientsParams, Optimizer};
use burn::tensor::activation::log_softmax;
use burn::tensor::{ElementConversion, Int, Tensor, TensorData};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::rl::ppo::{InnerBackend, TrainBackend};

use super::expert::Samples;
use super::model::{StarkNet, StarkSpec, TokenBatch};
use super::tokens::{SERVER_FEATURES, TASK_FEATURES};

type Opt = OptimizerAdaptor<AdamW, StarkNet<TrainBackend>, TrainBackend>;

/// Behaviour-cloning hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BcConfig {
    /// Peak learning rate, cosine-annealed towards 0 over the epochs (see [`cosine_lr`]).
    pub lr: f64,
    /// Minibatch size.
    pub batch: usize,
    /// Passes over each epoch's samples.
    pub passes: usize,
}

impl Default for BcConfig {
    /// lr 1e-3, batch 128, 1 pass.
    fn default() -> Self {
        BcConfig {
            lr: 1e-3,
            batch: 128,
            passes: 1,
        }
    }
}

/// What one epoch of fitting did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct FitStats {
    /// Mean cross-entropy over the minibatches.
    pub loss: f64,
    /// Share of samples the student ranked the expert's choice first on (last pass).
    pub accuracy: f64,
    /// Learning rate used.
    pub lr: f64,
}

/// The student and its optimiser.
pub struct StarkLearner {
    spec: StarkSpec,
    cfg: BcConfig,
    net: StarkNet<TrainBackend>,
    opt: Opt,
    rng: ChaCha8Rng,
    device: NdArrayDevice,
}

impl std::fmt::Debug for StarkLearner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StarkLearner")
            .field("spec", &self.spec)
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

/// Cosine annealing: `lr · (1 + cos(π · epoch / epochs)) / 2`.
pub fn cosine_lr(lr: f64, epoch: usize, epochs: usize) -> f64 {
    let t = epoch as f64 / epochs.max(1) as f64;
    lr * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
}

impl StarkLearner {
    /// A fresh student from `seed` (initialisation and shuffles use separate streams).
    pub fn new(spec: StarkSpec, cfg: BcConfig, seed: u64) -> Self {
        let device = NdArrayDevice::Cpu;
        let mut init = ChaCha8Rng::seed_from_u64(seed);
        init.set_stream(1);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(2);
        StarkLearner {
            net: spec.init(&mut init, &device),
            spec,
            cfg,
            opt: AdamWConfig::new().with_weight_decay(1e-4).init(),
            rng,
            device,
        }
    }

    /// The network's shape.
    pub fn spec(&self) -> &StarkSpec {
        &self.spec
    }

    /// The current network without autodiff.
    pub fn network(&self) -> StarkNet<InnerBackend> {
        self.net.valid()
    }

    /// Fit the student to `samples` for epoch `epoch` of `epochs`.
    pub fn fit(&mut self, samples: &Samples, epoch: usize, epochs: usize) -> FitStats {
        let lr = cosine_lr(self.cfg.lr, epoch, epochs);
        let mut stats = FitStats {
            lr,
            ..FitStats::default()
        };
        if samples.is_empty() {
            return stats;
        }
        let mut idx: Vec<usize> = (0..samples.len()).collect();
        let mut steps = 0usize;
        for pass in 0..self.cfg.passes.max(1) {
            idx.shuffle(&mut self.rng);
            let mut correct = 0usize;
            for chunk in idx.chunks(self.cfg.batch.max(1)) {
                let (loss, hits) = self.step(samples, chunk, lr);
                stats.loss += loss;
                steps += 1;
                correct += hits;
            }
            if pass + 1 == self.cfg.passes.max(1) {
                stats.accuracy = correct as f64 / samples.len() as f64;
            }
        }
        stats.loss /= steps.max(1) as f64;
        stats
    }

    fn step(&mut self, samples: &Samples, rows: &[usize], lr: f64) -> (f64, usize) {
        let k = self.spec.shortlist;
        let width = k * SERVER_FEATURES;
        let mut task = Vec::with_capacity(rows.len() * TASK_FEATURES);
        let mut servers = Vec::with_capacity(rows.len() * width);
        let mut valid = Vec::with_capacity(rows.len() * k);
        let mut labels = Vec::with_capacity(rows.len());
        for &r in rows {
            task.extend_from_slice(&samples.task[r * TASK_FEATURES..(r + 1) * TASK_FEATURES]);
            servers.extend_from_slice(&samples.servers[r * width..(r + 1) * width]);
            valid.extend_from_slice(&samples.valid[r * k..(r + 1) * k]);
            labels.push(samples.labels[r] as i64);
        }
        let batch = TokenBatch {
            rows: rows.len(),
            task: &task,
            servers: &servers,
            valid: &valid,
        };
        let logits = self.net.forward(batch, &self.device);
        let hits = {
            let argmax: Vec<i64> = logits
                .clone()
                .inner()
                .argmax(1)
                .into_data()
                .iter::<i64>()
                .collect();
            argmax.iter().zip(&labels).filter(|(a, b)| a == b).count()
        };
        let target = Tensor::<TrainBackend, 2, Int>::from_data(
            TensorData::new(labels, [rows.len(), 1]),
            &self.device,
        );
        let loss = log_softmax(logits, 1).gather(1, target).mean().neg();
        let value = loss.clone().inner().into_scalar().elem::<f64>();
        let grads = GradientsParams::from_grads(loss.backward(), &self.net);
        self.net = self.opt.step(lr, self.net.clone(), grads);
        (value, hits)
    }
}
