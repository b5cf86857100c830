//! Tests of STARK's tokens, network, behaviour cloning and checkpoints on a toy topology.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::model::TokenBatch;
use super::tokens::{DecisionTokens, TokenBuilder, SERVER_FEATURES};
use super::*;
use crate::observation::{Candidate, GeoPoint, StepContext, Telemetry, Topology};
use crate::rl::ppo::InnerBackend;
use crate::test_util::{candidates, temp_dir, toy_topology};

fn small_spec(shortlist: usize) -> StarkSpec {
    StarkSpec {
        d_model: 16,
        heads: 2,
        ffn: 32,
        encoder_layers: 1,
        decoder_layers: 1,
        shortlist,
    }
}

fn context<'a>(
    topo: &'a Topology,
    tele: &'a Telemetry,
    cands: &'a [Candidate],
    rng: &mut ChaCha8Rng,
) -> StepContext<'a> {
    StepContext {
        workflow: 0,
        task: 0,
        step: rng.random_range(0..5),
        n_steps: 5,
        model_type: 1,
        tokens: rng.random_range(50..600),
        task_pos: GeoPoint {
            lon: rng.random_range(6.0..10.0),
            lat: rng.random_range(45.0..48.0),
        },
        prev_server: rng
            .random_bool(0.5)
            .then(|| rng.random_range(0..topo.server_count() as u32)),
        now_ms: 0.0,
        candidates: cands,
        candidates_are_all: false,
        topology: topo,
        telemetry: tele,
    }
}

fn telemetry(topo: &Topology) -> Telemetry {
    Telemetry::new(
        topo.server_count(),
        &vec![1; topo.station_server.len()],
        0.0,
    )
}

#[test]
fn shortlist_keeps_the_lowest_estimates_and_pads() {
    let topo = toy_topology(40, 3);
    let tele = telemetry(&topo);
    let cands = candidates(&topo, 1, |_| true);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let ctx = context(&topo, &tele, &cands, &mut rng);
    let mut tb = TokenBuilder::new(&topo, 8);
    let mut out = DecisionTokens::default();
    tb.build(&ctx, &mut out);
    assert_eq!(out.len(), 8);
    let est = |i: usize| super::tokens::proposal_ms(&ctx, &cands[i]);
    let worst_kept = out.candidates.iter().map(|&i| est(i)).fold(0.0, f64::max);
    for i in 0..cands.len() {
        if !out.candidates.contains(&i) {
            assert!(est(i) >= worst_kept, "a better candidate was dropped");
        }
    }
    // Fewer candidates than the short-list: zero rows after the real ones.
    let few = &cands[..3];
    let ctx = context(&topo, &tele, few, &mut rng);
    tb.build(&ctx, &mut out);
    assert_eq!(out.len(), 3);
    assert!(out.servers[3 * SERVER_FEATURES..].iter().all(|&v| v == 0.0));
    assert_eq!(out.valid, [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
}

#[test]
fn masked_decoding_never_leaves_the_candidates() {
    let topo = toy_topology(30, 5);
    let tele = telemetry(&topo);
    let spec = small_spec(12);
    let net: StarkNet<InnerBackend> =
        spec.init(&mut ChaCha8Rng::seed_from_u64(9), &Default::default());
    let mut policy = StarkPolicy::new(&topo, &spec, net);
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for _ in 0..200 {
        // Type 1 lives only on even servers; keep a random subset of them.
        let p = rng.random_range(0.05..1.0);
        let mut cands = candidates(&topo, 1, |_| rng.random_bool(p));
        if cands.is_empty() {
            cands = candidates(&topo, 1, |_| true)[..1].to_vec();
        }
        let ctx = context(&topo, &tele, &cands, &mut rng);
        let d = crate::Scheduler::decide(&mut policy, &ctx);
        assert!(d.candidate < cands.len());
        let server = cands[d.candidate].server;
        assert!(server % 2 == 0, "server {server} does not host type 1");
        let (idx, scores) = policy.scores(&ctx);
        assert_eq!(idx.len(), scores.len());
        assert!(scores.iter().all(|s| s.is_finite() && *s > -1e8));
    }
}

#[test]
fn padding_tokens_get_the_masked_logit() {
    let spec = small_spec(4);
    let net: StarkNet<InnerBackend> =
        spec.init(&mut ChaCha8Rng::seed_from_u64(1), &Default::default());
    let servers = vec![0.3; 4 * SERVER_FEATURES];
    let batch = TokenBatch {
        rows: 1,
        task: &[0.1; 5],
        servers: &servers,
        valid: &[1.0, 1.0, 0.0, 0.0],
    };
    let logits: Vec<f32> = net
        .forward(batch, &Default::default())
        .into_data()
        .iter::<f32>()
        .collect();
    assert!(logits[0] > -1e8 && logits[1] > -1e8);
    assert!(logits[2] < -1e8 && logits[3] < -1e8);
}

/// Samples whose label is the token with the highest compute feature (feature 2).
fn synthetic_samples(n: usize, k: usize, rng: &mut ChaCha8Rng) -> Samples {
    let mut s = Samples::default();
    for _ in 0..n {
        let real = rng.random_range(2..=k);
        s.task
            .extend((0..5).map(|_| rng.random_range(-1.0..1.0f32)));
        let mut best = (f32::NEG_INFINITY, 0);
        for i in 0..k {
            for f in 0..SERVER_FEATURES {
                let v = if i < real {
                    rng.random_range(0.0..1.0f32)
                } else {
                    0.0
                };
                if f == 2 && i < real && v > best.0 {
                    best = (v, i);
                }
                s.servers.push(v);
            }
            s.valid.push(if i < real { 1.0 } else { 0.0 });
        }
        s.labels.push(best.1 as u32);
    }
    s
}

#[test]
fn behaviour_cloning_learns_a_simple_expert() {
    let k = 6;
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let train = synthetic_samples(1024, k, &mut rng);
    let held_out = synthetic_samples(256, k, &mut rng);
    let cfg = BcConfig {
        lr: 3e-3,
        batch: 64,
        passes: 1,
    };
    let mut learner = StarkLearner::new(small_spec(k), cfg, 7);
    let first = learner.fit(&train, 0, 30);
    let mut last = first;
    for epoch in 1..30 {
        last = learner.fit(&train, epoch, 30);
    }
    assert!(last.loss < 0.5 * first.loss, "{first:?} -> {last:?}");
    let net = learner.network();
    let batch = TokenBatch {
        rows: held_out.len(),
        task: &held_out.task,
        servers: &held_out.servers,
        valid: &held_out.valid,
    };
    let pred: Vec<i64> = net
        .forward(batch, &Default::default())
        .argmax(1)
        .into_data()
        .iter::<i64>()
        .collect();
    let hits = pred
        .iter()
        .zip(&held_out.labels)
        .filter(|(p, l)| **p == **l as i64)
        .count();
    assert!(
        hits as f64 / held_out.len() as f64 > 0.8,
        "held-out accuracy {hits}/{}",
        held_out.len()
    );
}

#[test]
fn same_seed_same_training_and_checkpoint_round_trip() {
    let k = 5;
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let samples = synthetic_samples(200, k, &mut rng);
    let train = |seed| {
        let mut l = StarkLearner::new(small_spec(k), BcConfig::default(), seed);
        l.fit(&samples, 0, 2);
        l.fit(&samples, 1, 2);
        l.network()
    };
    let dir = temp_dir("stark-roundtrip");
    let meta = StarkMeta {
        format: STARK_FORMAT,
        scheduler: "stark".into(),
        dataset_fingerprint: "toy".into(),
        server_count: 30,
        feature_set: STARK_FEATURE_SET.into(),
        seed: 1,
        epochs: 2,
        epochs_completed: 2,
        validation_agreement: 0.5,
        spec: small_spec(k),
        scenario: None,
    };
    let (a, b, c) = (dir.join("a.mpk"), dir.join("b.mpk"), dir.join("c.mpk"));
    write_stark_checkpoint(&a, train(1), &meta).expect("write a");
    write_stark_checkpoint(&b, train(1), &meta).expect("write b");
    write_stark_checkpoint(&c, train(2), &meta).expect("write c");
    let bytes = |p: &std::path::Path| std::fs::read(p).expect("read");
    assert_eq!(bytes(&a), bytes(&b), "same seed, same record");
    assert_ne!(bytes(&a), bytes(&c), "another seed, another record");

    let (read_meta, net) = read_stark_checkpoint(&a).expect("read back");
    assert_eq!(read_meta, meta);
    let topo = toy_topology(30, 5);
    let tele = telemetry(&topo);
    let cands = candidates(&topo, 1, |_| true);
    let mut original = StarkPolicy::new(&topo, &meta.spec, train(1));
    let mut loaded = StarkPolicy::new(&topo, &meta.spec, net);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..20 {
        let ctx = context(&topo, &tele, &cands, &mut rng);
        assert_eq!(original.scores(&ctx), loaded.scores(&ctx));
    }
}

#[test]
fn cosine_schedule_values() {
    assert!((cosine_lr(1e-3, 0, 50) - 1e-3).abs() < 1e-15);
    assert!((cosine_lr(1e-3, 25, 50) - 5e-4).abs() < 1e-12);
    assert!(cosine_lr(1e-3, 50, 50).abs() < 1e-15);
}
