//! The reference protocol against a direct transcription of the published step function.
//!
//! The transcription below follows reference-model §3 line by line (one workflow at a time,
//! the stochastic channel, the 100/200 ms trap coin, compute doubled on traps) with its own
//! random stream. Under `scenarios/reference-trap500.yaml` on the published sample, the engine's
//! `greedy-compute` and `random` rows must agree with it: compute cost exactly (greedy-compute
//! is deterministic), mean workflow latency within four standard errors.

mod common;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use simrun::dataset::{Dataset, Split};
use simrun::network::{haversine_km, ReferenceNetwork};
use simrun::scenario::LoadedScenario;

/// One episode of the published environment; `pick` chooses an instance index.
fn reference_episode(
    ds: &Dataset,
    task: usize,
    rng: &mut ChaCha8Rng,
    pick: &mut dyn FnMut(u16, &mut ChaCha8Rng) -> usize,
) -> (f64, f64) {
    let t = &ds.tasks[task];
    let (mut prev, mut latency, mut cost) = (None::<u32>, 0.0, 0.0);
    for step in &t.steps {
        let inst = ds.instances[pick(step.model_type, rng)];
        let s = &ds.servers[inst.server as usize];
        let (d, link) = match prev {
            None => {
                let d = haversine_km(t.lon, t.lat, s.lon, s.lat);
                (d, if s.trap { coin(rng) } else { 0.0 })
            }
            Some(p) => {
                let ps = &ds.servers[p as usize];
                let d = haversine_km(ps.lon, ps.lat, s.lon, s.lat).max(0.5);
                let link = if ps.trap || s.trap {
                    coin(rng)
                } else {
                    ds.link(p, inst.server).map_or(0.0, |l| l.0)
                };
                (d, link)
            }
        };
        let network = ReferenceNetwork::channel_ms(d, step.tokens, rng) + link;
        let compute = step.tokens as f64 / (s.compute * 2000.0) * 1000.0;
        let eff = if s.trap { compute / 0.5 } else { compute };
        latency += network + eff;
        cost += step.tokens as f64 / 1000.0 * inst.cost_per_ktoken * s.price_multiplier;
        prev = Some(inst.server);
    }
    (latency, cost)
}

fn coin(rng: &mut ChaCha8Rng) -> f64 {
    if rng.random::<f64>() < 0.5 {
        200.0
    } else {
        100.0
    }
}

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (
        m,
        (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt(),
    )
}

fn engine_runs(
    sc: &LoadedScenario,
    world: &simrun::world::World,
    spec: &str,
    seeds: std::ops::Range<u64>,
) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for seed in seeds {
        let plan = simrun::run::plan_for(world, sc, seed, None).unwrap();
        let mut s =
            simrun::run::build_scheduler(&simrun::registry(), world, sc, spec, seed).unwrap();
        let mut sink = simrun::record::WorkflowSink::default();
        let opts = simrun::engine::RunOptions {
            seed,
            measure_decisions: false,
        };
        simrun::engine::run(world, &plan, s.as_mut(), &mut sink, opts).unwrap();
        out.extend(
            sink.workflows
                .iter()
                .map(|w| (w.latency_ms, w.compute_cost)),
        );
    }
    out
}

#[test]
fn reference_protocol_matches_the_published_step_function() {
    let Some(dir) = common::published_sample() else {
        eprintln!("published sample not present: skipped");
        return;
    };
    let sc =
        LoadedScenario::load(&common::root().join("scenarios/reference-trap500.yaml")).unwrap();
    let world = simrun::run::load_world(&sc, Some(&dir)).unwrap();
    let ds = &world.dataset;
    let tasks: Vec<usize> = ds.split(Split::Train)[..200]
        .iter()
        .map(|&t| t as usize)
        .collect();
    let reps = 10u64;

    // greedy-compute: the first instance (file order) of the highest-compute server.
    let best_of = |ty: u16| -> usize {
        let mut best = None::<(f64, usize)>;
        for (i, inst) in ds
            .instances
            .iter()
            .enumerate()
            .filter(|(_, x)| x.model_type == ty)
        {
            let c = ds.servers[inst.server as usize].compute;
            if best.is_none_or(|(bc, _)| c > bc) {
                best = Some((c, i));
            }
        }
        best.unwrap().1
    };
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let mut reference = Vec::new();
    for _ in 0..reps {
        for &t in &tasks {
            reference.push(reference_episode(ds, t, &mut rng, &mut |ty, _| best_of(ty)));
        }
    }
    let engine = engine_runs(&sc, &world, "greedy-compute", 0..reps);
    let (rl, rs) = mean_sd(&reference.iter().map(|x| x.0).collect::<Vec<_>>());
    let (el, _) = mean_sd(&engine.iter().map(|x| x.0).collect::<Vec<_>>());
    let se = rs * (2.0 / reference.len() as f64).sqrt();
    assert!(
        (rl - el).abs() < 4.0 * se,
        "greedy-compute: reference {rl:.2} ms, engine {el:.2} ms, se {se:.2}"
    );
    let rc: f64 = reference.iter().map(|x| x.1).sum::<f64>() / reference.len() as f64;
    let ec: f64 = engine.iter().map(|x| x.1).sum::<f64>() / engine.len() as f64;
    assert!((rc - ec).abs() < 1e-12, "compute cost {rc} vs {ec}");

    // random: uniform over the instances of the type.
    let by_type: Vec<Vec<usize>> = (0..ds.model_types.len() as u16)
        .map(|ty| {
            (0..ds.instances.len())
                .filter(|&i| ds.instances[i].model_type == ty)
                .collect()
        })
        .collect();
    let mut reference = Vec::new();
    for _ in 0..reps {
        for &t in &tasks {
            reference.push(reference_episode(ds, t, &mut rng, &mut |ty, r| {
                let v = &by_type[ty as usize];
                v[r.random_range(0..v.len())]
            }));
        }
    }
    let engine = engine_runs(&sc, &world, "random", 0..reps);
    for (k, name) in [(0usize, "latency"), (1, "compute cost")] {
        let pick = |v: &[(f64, f64)]| {
            v.iter()
                .map(|x| if k == 0 { x.0 } else { x.1 })
                .collect::<Vec<_>>()
        };
        let (rm, rsd) = mean_sd(&pick(&reference));
        let (em, esd) = mean_sd(&pick(&engine));
        let se = ((rsd * rsd + esd * esd) / reference.len() as f64).sqrt();
        assert!(
            (rm - em).abs() < 4.0 * se,
            "random {name}: reference {rm}, engine {em}, se {se}"
        );
    }
}
