//! The authors' published 500-server sample: counts and reference values (reference-model §10).
//! Skipped (with a note) when the sample is not beside this checkout.

mod common;

use simrun::dataset::{self, Split};

#[test]
fn loads_with_published_counts_and_values() {
    let Some(dir) = common::published_sample() else {
        eprintln!("published sample not present: skipped");
        return;
    };
    let ds = dataset::load(&dir).unwrap();
    assert_eq!(ds.servers.len(), 500);
    assert_eq!(ds.trap_count(), 50);
    assert_eq!(ds.links.len(), 1780);
    assert_eq!(ds.instances.len(), 4540);
    assert_eq!(ds.split(Split::Train).len(), 1000);
    assert_eq!(ds.split(Split::Test).len(), 200);
    assert!(ds.tasks.iter().all(|t| t.steps.len() == 5));
    assert!((ds.mean_base_latency_ms - 393.5450484100616).abs() < 1e-9);
    // Symmetric link table: 1780 directed keys.
    assert_eq!(ds.adjacency.iter().map(Vec::len).sum::<usize>(), 1780);
    // First train task: TaskSize 508 -> 507 tokens.
    let first = ds.split(Split::Train)[0] as usize;
    assert_eq!(ds.tasks[first].id, "task_Server1_train_0_0");
    assert_eq!(ds.tasks[first].steps[0].tokens, 507);
    // Fallback tokens over the first 200 train tasks: mean 248.195, min 1, max 520.
    let toks: Vec<u32> = ds.split(Split::Train)[..200]
        .iter()
        .map(|&t| ds.tasks[t as usize].steps[0].tokens)
        .collect();
    let mean = toks.iter().map(|&t| t as f64).sum::<f64>() / 200.0;
    assert!((mean - 248.195).abs() < 1e-9, "{mean}");
    assert_eq!(*toks.iter().min().unwrap(), 1);
    assert_eq!(*toks.iter().max().unwrap(), 520);
    // Price multipliers (reference-model §2.1).
    let m = |id: &str| {
        ds.servers
            .iter()
            .find(|s| s.id == id)
            .unwrap()
            .price_multiplier
    };
    assert_eq!(m("Server1_166"), 1.2); // a trap: overridden
    assert!((m("Server1_100") - 1.2456915254237269).abs() < 1e-12);
    assert!((m("Server1_250") - 3.370896610169502).abs() < 1e-12);
    assert!((m("Server1_500") - 2.014155932203393).abs() < 1e-12);
    assert!(!ds.tokens_from_log);
}

#[test]
fn greedy_compute_reproduces_the_published_rule() {
    let Some(dir) = common::published_sample() else {
        eprintln!("published sample not present: skipped");
        return;
    };
    let sc = simrun::scenario::LoadedScenario::load(
        &common::root().join("scenarios/reference-trap500.yaml"),
    )
    .unwrap();
    let world = simrun::run::load_world(&sc, Some(&dir)).unwrap();
    let plan = simrun::run::plan_for(&world, &sc, 42, Some(1)).unwrap();
    let mut sched =
        simrun::run::build_scheduler(&simrun::registry(), &world, &sc, "greedy-compute", 42)
            .unwrap();
    let mut sink = simrun::record::MemorySink::default();
    let opts = simrun::engine::RunOptions {
        seed: 42,
        measure_decisions: false,
    };
    simrun::engine::run(&world, &plan, sched.as_mut(), &mut sink, opts).unwrap();
    // Every step lands on Server1_46; the instances are actions 423 (GPT-4) and 237 (ChatGPT).
    let ids: Vec<&str> = sink
        .steps
        .iter()
        .map(|s| world.dataset.servers[s.server as usize].id.as_str())
        .collect();
    assert_eq!(ids, ["Server1_46"; 5]);
    let inst: Vec<u32> = sink.steps.iter().map(|s| s.instance).collect();
    assert_eq!(inst, [423, 423, 237, 237, 237]);
    // Compute on nc = 1 for 507 tokens is 253.5 ms, doubled on a trap under the reference model.
    assert!(sink
        .steps
        .iter()
        .all(|s| (s.compute_ms - 507.0).abs() < 1e-9));
    // Compute cost of the episode: 0.0392418 (reference-model §10).
    assert!((sink.workflows[0].compute_cost - 0.0392418).abs() < 1e-9);
    // The first hop is 159.38511700408117 km, later hops on the same server use the 0.5 km floor.
    assert!((sink.steps[0].distance_km - 159.38511700408117).abs() < 1e-9);
    assert!(sink.steps[1..].iter().all(|s| s.distance_km == 0.5));
    // Trap coin: every hop touches the trap, so 100 or 200 ms plus a channel of ~5 ms.
    for s in &sink.steps {
        let link = s.network_ms - 5.0 - s.distance_km * 0.005;
        assert!(s.trap_hit);
        assert!(
            (link > 100.0 && link < 101.0) || (link > 200.0 && link < 201.0),
            "{link}"
        );
    }
}
