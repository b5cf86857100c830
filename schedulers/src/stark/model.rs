//! STARK's network: a DETR-style encoder–decoder over the decision's tokens.
//!
//! `task token → Linear, LayerNorm, ReLU, Linear`, each server token the same with its own
//! weights; a post-norm transformer encoder over `[task, server_1..k]`, a post-norm decoder
//! whose single learned query attends to the encoded tokens, a final LayerNorm, and a class head
//! that scores every encoded server token against the decoded query (scaled dot product).
//! Padding tokens are masked out of attention and get a logit of [`MASKED_LOGIT`].
//!
//! Weights come from a ChaCha stream: embeddings with PyTorch's `U(±1/√fan_in)`, every
//! transformer matrix Xavier-uniform with zero biases (as the reference), LayerNorm `1 / 0`,
//! the query `N(0, 1)`-like uniform `U(±√3)`. Parameter ids derive from the seed, so a saved
//! record is byte-identical for a seed. There is no dropout: every training sample is a fresh
//! expert decision, and a deterministic forward keeps training reproducible.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::{relu, softmax};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::tokens::{SERVER_FEATURES, TASK_FEATURES};
use crate::rl::dist::MASKED_LOGIT;
use crate::rl::net::{seeded_linear, seeded_param_id};

/// Shape of a STARK network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarkSpec {
    /// Token width.
    pub d_model: usize,
    /// Attention heads (divides `d_model`).
    pub heads: usize,
    /// Hidden width of the feed-forward blocks.
    pub ffn: usize,
    /// Encoder layers.
    pub encoder_layers: usize,
    /// Decoder layers.
    pub decoder_layers: usize,
    /// Maximum number of server tokens per decision.
    pub shortlist: usize,
}

impl Default for StarkSpec {
    /// 64-wide tokens, 4 heads, FFN 128, 2 encoder and 2 decoder layers, 32 server tokens.
    fn default() -> Self {
        StarkSpec {
            d_model: 64,
            heads: 4,
            ffn: 128,
            encoder_layers: 2,
            decoder_layers: 2,
            shortlist: 32,
        }
    }
}

/// One batch of decisions as the tensors' raw data, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct TokenBatch<'a> {
    /// Rows in the batch.
    pub rows: usize,
    /// `rows × TASK_FEATURES`.
    pub task: &'a [f32],
    /// `rows × shortlist × SERVER_FEATURES`.
    pub servers: &'a [f32],
    /// `rows × shortlist`: 1 for a real token, 0 for padding.
    pub valid: &'a [f32],
}

fn xavier_linear<B: Backend>(
    d_in: usize,
    d_out: usize,
    rng: &mut ChaCha8Rng,
    device: &B::Device,
) -> Linear<B> {
    let bound = (6.0 / (d_in + d_out) as f32).sqrt();
    let w: Vec<f32> = (0..d_in * d_out)
        .map(|_| rng.random_range(-bound..bound))
        .collect();
    let weight = Tensor::from_data(TensorData::new(w, [d_in, d_out]), device);
    let bias = Tensor::zeros([d_out], device);
    Linear {
        weight: Param::initialized(seeded_param_id(rng, 0), weight.require_grad()),
        bias: Some(Param::initialized(
            seeded_param_id(rng, 1),
            bias.require_grad(),
        )),
    }
}

/// Layer normalisation over the last dimension (ε = 1e-5).
#[derive(Module, Debug)]
pub struct Norm<B: Backend> {
    gamma: Param<Tensor<B, 1>>,
    beta: Param<Tensor<B, 1>>,
}

impl<B: Backend> Norm<B> {
    fn new(d: usize, rng: &mut ChaCha8Rng, device: &B::Device) -> Self {
        // Nothing is drawn; advance the stream so the two ids differ from the next layer's.
        let gamma = Param::initialized(
            seeded_param_id(rng, 2),
            Tensor::ones([d], device).require_grad(),
        );
        let beta = Param::initialized(
            seeded_param_id(rng, 3),
            Tensor::zeros([d], device).require_grad(),
        );
        let _: u32 = rng.random();
        Norm { gamma, beta }
    }

    fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        let mean = x.clone().mean_dim(2);
        let centered = x - mean;
        let var = centered.clone().powi_scalar(2).mean_dim(2);
        let normed = centered / var.add_scalar(1e-5).sqrt();
        normed * self.gamma.val().unsqueeze::<3>() + self.beta.val().unsqueeze::<3>()
    }
}

/// Multi-head scaled dot-product attention.
#[derive(Module, Debug)]
pub struct Attention<B: Backend> {
    query: Linear<B>,
    key: Linear<B>,
    value: Linear<B>,
    out: Linear<B>,
    heads: usize,
}

impl<B: Backend> Attention<B> {
    fn new(d: usize, heads: usize, rng: &mut ChaCha8Rng, device: &B::Device) -> Self {
        Attention {
            query: xavier_linear(d, d, rng, device),
            key: xavier_linear(d, d, rng, device),
            value: xavier_linear(d, d, rng, device),
            out: xavier_linear(d, d, rng, device),
            heads,
        }
    }

    fn split(&self, x: Tensor<B, 3>) -> Tensor<B, 4> {
        let [b, t, d] = x.dims();
        x.reshape([b, t, self.heads, d / self.heads])
            .swap_dims(1, 2)
    }

    /// `q` `[b, tq, d]` attends to `kv` `[b, tk, d]`; `key_bias` `[b, 1, 1, tk]` is added to the
    /// scores (0 for a real key, [`MASKED_LOGIT`] for padding).
    fn forward(
        &self,
        q: Tensor<B, 3>,
        kv: Tensor<B, 3>,
        key_bias: Option<Tensor<B, 4>>,
    ) -> Tensor<B, 3> {
        let [b, tq, d] = q.dims();
        let dh = d / self.heads;
        let q = self.split(self.query.forward(q));
        let k = self.split(self.key.forward(kv.clone()));
        let v = self.split(self.value.forward(kv));
        let mut scores = q.matmul(k.swap_dims(2, 3)).div_scalar((dh as f32).sqrt());
        if let Some(bias) = key_bias {
            scores = scores + bias;
        }
        let ctx = softmax(scores, 3).matmul(v);
        self.out.forward(ctx.swap_dims(1, 2).reshape([b, tq, d]))
    }
}

/// Position-wise `d → ffn → d` with ReLU.
#[derive(Module, Debug)]
pub struct FeedForward<B: Backend> {
    up: Linear<B>,
    down: Linear<B>,
}

impl<B: Backend> FeedForward<B> {
    fn new(d: usize, ffn: usize, rng: &mut ChaCha8Rng, device: &B::Device) -> Self {
        FeedForward {
            up: xavier_linear(d, ffn, rng, device),
            down: xavier_linear(ffn, d, rng, device),
        }
    }

    fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        self.down.forward(relu(self.up.forward(x)))
    }
}

/// Post-norm encoder layer: self-attention, then feed-forward.
#[derive(Module, Debug)]
pub struct EncoderLayer<B: Backend> {
    attn: Attention<B>,
    norm1: Norm<B>,
    ff: FeedForward<B>,
    norm2: Norm<B>,
}

impl<B: Backend> EncoderLayer<B> {
    fn forward(&self, x: Tensor<B, 3>, key_bias: &Tensor<B, 4>) -> Tensor<B, 3> {
        let h = self
            .norm1
            .forward(x.clone() + self.attn.forward(x.clone(), x, Some(key_bias.clone())));
        self.norm2.forward(h.clone() + self.ff.forward(h))
    }
}

/// Post-norm decoder layer: self-attention over the queries, cross-attention to the encoded
/// tokens, then feed-forward. With STARK's single query the self-attention is a linear map of
/// it (softmax over one key); it is kept to match the reference's layer.
#[derive(Module, Debug)]
pub struct DecoderLayer<B: Backend> {
    self_attn: Attention<B>,
    norm1: Norm<B>,
    cross_attn: Attention<B>,
    norm2: Norm<B>,
    ff: FeedForward<B>,
    norm3: Norm<B>,
}

impl<B: Backend> DecoderLayer<B> {
    fn forward(
        &self,
        q: Tensor<B, 3>,
        memory: Tensor<B, 3>,
        key_bias: &Tensor<B, 4>,
    ) -> Tensor<B, 3> {
        let h = self
            .norm1
            .forward(q.clone() + self.self_attn.forward(q.clone(), q, None));
        let h = self
            .norm2
            .forward(h.clone() + self.cross_attn.forward(h, memory, Some(key_bias.clone())));
        self.norm3.forward(h.clone() + self.ff.forward(h))
    }
}

/// Token embedding `features → d → LayerNorm → ReLU → d`.
#[derive(Module, Debug)]
pub struct Embed<B: Backend> {
    first: Linear<B>,
    norm: Norm<B>,
    second: Linear<B>,
}

impl<B: Backend> Embed<B> {
    fn new(features: usize, d: usize, rng: &mut ChaCha8Rng, device: &B::Device) -> Self {
        Embed {
            first: seeded_linear(features, d, rng, device),
            norm: Norm::new(d, rng, device),
            second: seeded_linear(d, d, rng, device),
        }
    }

    fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        self.second
            .forward(relu(self.norm.forward(self.first.forward(x))))
    }
}

/// The STARK network.
#[derive(Module, Debug)]
pub struct StarkNet<B: Backend> {
    task_embed: Embed<B>,
    server_embed: Embed<B>,
    encoder: Vec<EncoderLayer<B>>,
    query: Param<Tensor<B, 1>>,
    decoder: Vec<DecoderLayer<B>>,
    final_norm: Norm<B>,
    head: Linear<B>,
    d_model: usize,
    shortlist: usize,
}

impl StarkSpec {
    /// Build the network with weights drawn from `rng`.
    pub fn init<B: Backend>(&self, rng: &mut ChaCha8Rng, device: &B::Device) -> StarkNet<B> {
        assert!(
            self.heads > 0 && self.d_model.is_multiple_of(self.heads),
            "heads must divide d_model"
        );
        let d = self.d_model;
        let task_embed = Embed::new(TASK_FEATURES, d, rng, device);
        let server_embed = Embed::new(SERVER_FEATURES, d, rng, device);
        let encoder = (0..self.encoder_layers)
            .map(|_| EncoderLayer {
                attn: Attention::new(d, self.heads, rng, device),
                norm1: Norm::new(d, rng, device),
                ff: FeedForward::new(d, self.ffn, rng, device),
                norm2: Norm::new(d, rng, device),
            })
            .collect();
        let bound = 3f32.sqrt();
        let q: Vec<f32> = (0..d).map(|_| rng.random_range(-bound..bound)).collect();
        let query = Param::initialized(
            seeded_param_id(rng, 4),
            Tensor::from_data(TensorData::new(q, [d]), device).require_grad(),
        );
        let decoder = (0..self.decoder_layers)
            .map(|_| DecoderLayer {
                self_attn: Attention::new(d, self.heads, rng, device),
                norm1: Norm::new(d, rng, device),
                cross_attn: Attention::new(d, self.heads, rng, device),
                norm2: Norm::new(d, rng, device),
                ff: FeedForward::new(d, self.ffn, rng, device),
                norm3: Norm::new(d, rng, device),
            })
            .collect();
        StarkNet {
            task_embed,
            server_embed,
            encoder,
            query,
            decoder,
            final_norm: Norm::new(d, rng, device),
            head: xavier_linear(d, d, rng, device),
            d_model: d,
            shortlist: self.shortlist,
        }
    }
}

impl<B: Backend> StarkNet<B> {
    /// Logits `[rows, shortlist]` of a batch; padding tokens get [`MASKED_LOGIT`].
    pub fn forward(&self, batch: TokenBatch<'_>, device: &B::Device) -> Tensor<B, 2> {
        let (b, k, d) = (batch.rows, self.shortlist, self.d_model);
        let task = Tensor::<B, 3>::from_data(
            TensorData::new(batch.task.to_vec(), [b, 1, TASK_FEATURES]),
            device,
        );
        let servers = Tensor::<B, 3>::from_data(
            TensorData::new(batch.servers.to_vec(), [b, k, SERVER_FEATURES]),
            device,
        );
        // Additive masks: 0 for real tokens (the task token always), MASKED_LOGIT for padding.
        let mut keys = Vec::with_capacity(b * (k + 1));
        let mut pad = Vec::with_capacity(b * k);
        for row in batch.valid.chunks(k) {
            keys.push(0.0);
            for &v in row {
                let bias = if v > 0.5 { 0.0 } else { MASKED_LOGIT };
                keys.push(bias);
                pad.push(bias);
            }
        }
        let key_bias = Tensor::<B, 4>::from_data(TensorData::new(keys, [b, 1, 1, k + 1]), device);
        let pad = Tensor::<B, 2>::from_data(TensorData::new(pad, [b, k]), device);

        let mut x = Tensor::cat(
            vec![
                self.task_embed.forward(task),
                self.server_embed.forward(servers),
            ],
            1,
        );
        for layer in &self.encoder {
            x = layer.forward(x, &key_bias);
        }
        let mut q = self.query.val().reshape([1, 1, d]).repeat_dim(0, b);
        for layer in &self.decoder {
            q = layer.forward(q, x.clone(), &key_bias);
        }
        let q = self.head.forward(self.final_norm.forward(q));
        let tokens = x.slice([0..b, 1..k + 1, 0..d]);
        let scores = q
            .matmul(tokens.swap_dims(1, 2))
            .reshape([b, k])
            .div_scalar((d as f32).sqrt());
        scores + pad
    }
}
