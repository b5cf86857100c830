//! A hand-written f32 forward pass over weights exported from an [`Mlp`], for acting.
//!
//! Running burn for one decision at a time costs far more than the arithmetic (tensor
//! allocation, dispatch); this plain loop over contiguous rows gives the same logits up to float
//! rounding and is what rollouts and evaluation use. The update itself always runs in burn.

use burn::nn::Linear;
use burn::tensor::backend::Backend;

use super::net::{Activation, Mlp};

/// One dense layer, stored output-major (`w[o * d_in + i]`) so each output is one dot product
/// over a contiguous row.
#[derive(Debug, Clone, PartialEq)]
struct FastLinear {
    d_in: usize,
    d_out: usize,
    w: Vec<f32>,
    b: Vec<f32>,
}

impl FastLinear {
    fn from_burn<B: Backend>(l: &Linear<B>) -> Self {
        let [d_in, d_out] = l.weight.val().dims();
        let src: Vec<f32> = l.weight.val().into_data().iter::<f32>().collect();
        let mut w = vec![0.0; d_in * d_out];
        for i in 0..d_in {
            for o in 0..d_out {
                w[o * d_in + i] = src[i * d_out + o];
            }
        }
        let b = match &l.bias {
            Some(b) => b.val().into_data().iter::<f32>().collect(),
            None => vec![0.0; d_out],
        };
        FastLinear { d_in, d_out, w, b }
    }

    fn forward_into(&self, x: &[f32], out: &mut Vec<f32>) {
        debug_assert_eq!(x.len(), self.d_in);
        out.clear();
        out.extend(
            self.w
                .chunks_exact(self.d_in)
                .zip(&self.b)
                .map(|(row, b)| dot(row, x) + b),
        );
    }
}

/// Dot product with eight independent accumulators, which the compiler vectorises.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// An [`Mlp`]'s weights as plain f32 arrays, with the same forward pass.
#[derive(Debug, Clone, PartialEq)]
pub struct FastMlp {
    layers: Vec<FastLinear>,
    se: Option<(FastLinear, FastLinear)>,
    activation: Activation,
}

/// Scratch buffers reused across forward passes (no allocation per decision).
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    a: Vec<f32>,
    b: Vec<f32>,
    g: Vec<f32>,
}

impl FastMlp {
    /// Copy the weights of a burn network.
    pub fn from_burn<B: Backend>(net: &Mlp<B>) -> Self {
        FastMlp {
            layers: net.layers.iter().map(FastLinear::from_burn).collect(),
            se: net.se.as_ref().map(|se| {
                (
                    FastLinear::from_burn(&se.squeeze),
                    FastLinear::from_burn(&se.excite),
                )
            }),
            activation: net.activation,
        }
    }

    /// Input width.
    pub fn input(&self) -> usize {
        self.layers[0].d_in
    }

    /// Output width.
    pub fn output(&self) -> usize {
        self.layers.last().map_or(0, |l| l.d_out)
    }

    /// Forward one input vector; the output is left in `out`.
    pub fn forward(&self, x: &[f32], scratch: &mut Scratch, out: &mut Vec<f32>) {
        let last = self.layers.len() - 1;
        let Scratch { a, b, g } = scratch;
        a.clear();
        a.extend_from_slice(x);
        for (i, layer) in self.layers.iter().enumerate() {
            if i == last {
                layer.forward_into(a, out);
                return;
            }
            layer.forward_into(a, b);
            for v in b.iter_mut() {
                *v = self.activation.apply_f32(*v);
            }
            if i == 0 {
                if let Some((squeeze, excite)) = &self.se {
                    squeeze.forward_into(b, g);
                    for v in g.iter_mut() {
                        *v = v.max(0.0);
                    }
                    excite.forward_into(g, a);
                    for (h, z) in b.iter_mut().zip(a.iter()) {
                        *h *= 1.0 / (1.0 + (-z).exp());
                    }
                }
            }
            std::mem::swap(a, b);
        }
    }

    /// Forward one input and return a fresh output vector (convenience for tests and tools).
    pub fn forward_vec(&self, x: &[f32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.output());
        self.forward(x, &mut Scratch::default(), &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rl::net::MlpSpec;
    use burn::backend::NdArray;
    use burn::tensor::{Tensor, TensorData};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn matches_burn_forward() {
        let dev = Default::default();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for spec in [
            MlpSpec::se_actor(37, 11),
            MlpSpec::mlp(7, 13, Activation::Tanh),
        ] {
            let net: Mlp<NdArray> = spec.init(&mut rng, &dev);
            let fast = FastMlp::from_burn(&net);
            let rows = 4;
            let x: Vec<f32> = (0..rows * spec.input)
                .map(|_| rng.random_range(-2.0..2.0))
                .collect();
            let y = net.forward(Tensor::from_data(
                TensorData::new(x.clone(), [rows, spec.input]),
                &dev,
            ));
            let y: Vec<f32> = y.into_data().iter::<f32>().collect();
            for r in 0..rows {
                let f = fast.forward_vec(&x[r * spec.input..(r + 1) * spec.input]);
                for (o, v) in f.iter().enumerate() {
                    let want = y[r * spec.output + o];
                    assert!(
                        (v - want).abs() < 1e-4 * (1.0 + want.abs()),
                        "{v} vs {want}"
                    );
                }
            }
        }
    }
}
