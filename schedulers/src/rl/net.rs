//! The policy and value networks as burn modules: one configurable MLP, optionally with a
//! squeeze–excitation gate after its first layer, and a seeded initialisation.
//!
//! STAR-PPO's SE-gated actor, its ReLU critic and standard PPO's tanh actor and critic are all
//! instances of [`Mlp`], described by an [`MlpSpec`]. Weights are drawn from a ChaCha stream
//! (PyTorch's default `U(±1/√fan_in)` for weights and biases), never from the backend's global
//! seed, so two networks built from the same seed are identical even when tests run in
//! parallel.

use burn::module::{Module, Param, ParamId};
use burn::nn::Linear;
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The hidden-layer non-linearity of an [`Mlp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// max(0, x).
    Relu,
    /// tanh(x).
    Tanh,
}

impl Activation {
    /// Apply to a burn tensor.
    pub fn apply<B: Backend, const D: usize>(self, x: Tensor<B, D>) -> Tensor<B, D> {
        match self {
            Activation::Relu => relu(x),
            Activation::Tanh => x.tanh(),
        }
    }

    /// Apply to one value.
    pub fn apply_f32(self, x: f32) -> f32 {
        match self {
            Activation::Relu => x.max(0.0),
            Activation::Tanh => x.tanh(),
        }
    }
}

/// Shape of an [`Mlp`]: `input → hidden[0] (→ SE gate) → hidden[1] → … → output`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MlpSpec {
    /// Input width.
    pub input: usize,
    /// Hidden widths, at least one.
    pub hidden: Vec<usize>,
    /// Output width (no activation on the output).
    pub output: usize,
    /// Width of the squeeze–excitation bottleneck applied after the first hidden layer, if any.
    pub se_width: Option<usize>,
    /// Hidden non-linearity.
    pub activation: Activation,
}

impl MlpSpec {
    /// STAR-PPO's actor: `in → 256`, SE gate `256 → 64 → 256` (sigmoid), `→ 128 → 128 → out`,
    /// ReLU.
    pub fn se_actor(input: usize, output: usize) -> Self {
        MlpSpec {
            input,
            hidden: vec![256, 128, 128],
            output,
            se_width: Some(64),
            activation: Activation::Relu,
        }
    }

    /// A plain MLP `in → 256 → 128 → 128 → out` with the given activation (STAR-PPO's ReLU
    /// critic, PPO's tanh actor and critic).
    pub fn mlp(input: usize, output: usize, activation: Activation) -> Self {
        MlpSpec {
            input,
            hidden: vec![256, 128, 128],
            output,
            se_width: None,
            activation,
        }
    }

    /// Build the network with weights drawn from `rng`.
    pub fn init<B: Backend>(&self, rng: &mut ChaCha8Rng, device: &B::Device) -> Mlp<B> {
        assert!(
            !self.hidden.is_empty(),
            "an MLP needs at least one hidden layer"
        );
        let mut widths = vec![self.input];
        widths.extend(&self.hidden);
        widths.push(self.output);
        let layers = widths
            .windows(2)
            .map(|w| seeded_linear(w[0], w[1], rng, device))
            .collect();
        let se = self.se_width.map(|k| SeGate {
            squeeze: seeded_linear(self.hidden[0], k, rng, device),
            excite: seeded_linear(k, self.hidden[0], rng, device),
        });
        Mlp {
            layers,
            se,
            activation: self.activation,
        }
    }

    /// Number of trainable parameters.
    pub fn param_count(&self) -> usize {
        let mut widths = vec![self.input];
        widths.extend(&self.hidden);
        widths.push(self.output);
        let dense: usize = widths.windows(2).map(|w| (w[0] + 1) * w[1]).sum();
        let se = self
            .se_width
            .map_or(0, |k| (self.hidden[0] + 1) * k + (k + 1) * self.hidden[0]);
        dense + se
    }
}

/// A dense layer `d_in → d_out` with weights and biases drawn from `U(±1/√d_in)`.
pub(crate) fn seeded_linear<B: Backend>(
    d_in: usize,
    d_out: usize,
    rng: &mut ChaCha8Rng,
    device: &B::Device,
) -> Linear<B> {
    let bound = 1.0 / (d_in as f32).sqrt();
    let mut draw =
        |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-bound..bound)).collect() };
    // burn's row layout: weight is [d_in, d_out] and forward computes x · W + b.
    let weight = Tensor::from_data(TensorData::new(draw(d_in * d_out), [d_in, d_out]), device);
    let bias = Tensor::from_data(TensorData::new(draw(d_out), [d_out]), device);
    Linear {
        weight: Param::initialized(seeded_param_id(rng, 0), weight.require_grad()),
        bias: Some(Param::initialized(
            seeded_param_id(rng, 1),
            bias.require_grad(),
        )),
    }
}

/// A parameter id derived from the seeded stream's position (without consuming it), so a saved
/// record is byte-identical for a seed; burn's default ids are random per process. The id mixes
/// the stream's seed, stream number, position and `k`, so parameters of different networks
/// (separate streams) or of one layer (different `k`) never share an id.
pub(crate) fn seeded_param_id(rng: &ChaCha8Rng, k: u64) -> ParamId {
    let seed = rng.get_seed();
    let key = u64::from_le_bytes(seed[..8].try_into().expect("32-byte seed"));
    let (stream, pos) = (rng.get_stream(), rng.get_word_pos() as u64);
    ParamId::from(mix(mix(mix(key ^ k) ^ stream) ^ pos))
}

/// SplitMix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Squeeze–excitation gate: `h ⊙ sigmoid(excite(relu(squeeze(h))))`.
#[derive(Module, Debug)]
pub struct SeGate<B: Backend> {
    /// `width → bottleneck`.
    pub squeeze: Linear<B>,
    /// `bottleneck → width`.
    pub excite: Linear<B>,
}

impl<B: Backend> SeGate<B> {
    /// Gate `h` (shape `[batch, width]`).
    pub fn forward(&self, h: Tensor<B, 2>) -> Tensor<B, 2> {
        let g = sigmoid(self.excite.forward(relu(self.squeeze.forward(h.clone()))));
        h * g
    }
}

/// A multi-layer perceptron with an optional SE gate after the first hidden layer.
#[derive(Module, Debug)]
pub struct Mlp<B: Backend> {
    /// Dense layers, input to output.
    pub layers: Vec<Linear<B>>,
    /// Gate applied after the first hidden layer's activation.
    pub se: Option<SeGate<B>>,
    /// Hidden non-linearity.
    pub activation: Activation,
}

impl<B: Backend> Mlp<B> {
    /// Forward a batch `[batch, input]` to `[batch, output]`.
    pub fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        let last = self.layers.len() - 1;
        let mut h = x;
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(h);
            if i < last {
                h = self.activation.apply(h);
                if i == 0 {
                    if let Some(se) = &self.se {
                        h = se.forward(h);
                    }
                }
            }
        }
        h
    }

    /// All parameters flattened in a fixed order (layers, then the gate; weight before bias).
    /// Used to compare networks bit for bit.
    pub fn flat_params(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.num_params());
        let mut push = |l: &Linear<B>| {
            out.extend(l.weight.val().into_data().iter::<f32>());
            if let Some(b) = &l.bias {
                out.extend(b.val().into_data().iter::<f32>());
            }
        };
        for l in &self.layers {
            push(l);
        }
        if let Some(se) = &self.se {
            push(&se.squeeze);
            push(&se.excite);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::NdArray;
    use rand::SeedableRng;

    #[test]
    fn parameter_counts_match_the_reference() {
        assert_eq!(MlpSpec::se_actor(510, 500).param_count(), 277_812);
        assert_eq!(
            MlpSpec::mlp(510, 1, Activation::Relu).param_count(),
            180_353
        );
        assert_eq!(
            MlpSpec::mlp(7, 500, Activation::Tanh).param_count(),
            115_956
        );
        let net: Mlp<NdArray> =
            MlpSpec::se_actor(20, 9).init(&mut ChaCha8Rng::seed_from_u64(1), &Default::default());
        assert_eq!(net.num_params(), MlpSpec::se_actor(20, 9).param_count());
    }

    #[test]
    fn same_seed_same_weights() {
        let spec = MlpSpec::mlp(5, 3, Activation::Tanh);
        let dev = Default::default();
        let a: Mlp<NdArray> = spec.init(&mut ChaCha8Rng::seed_from_u64(9), &dev);
        let b: Mlp<NdArray> = spec.init(&mut ChaCha8Rng::seed_from_u64(9), &dev);
        let c: Mlp<NdArray> = spec.init(&mut ChaCha8Rng::seed_from_u64(10), &dev);
        assert_eq!(a.flat_params(), b.flat_params());
        assert_ne!(a.flat_params(), c.flat_params());
    }
}
