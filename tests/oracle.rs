//! The privileged oracle: a bound that a realistic scheduler should not beat.

mod common;

use simrun::dataset::Split;
use simrun::scenario::LoadedScenario;

fn mean_latency(sc: &LoadedScenario, world: &simrun::world::World, spec: &str) -> (f64, bool) {
    let plan = simrun::run::plan_for(world, sc, 42, None).unwrap();
    let mut s = simrun::run::build_scheduler(&simrun::registry(), world, sc, spec, 42).unwrap();
    let mut sink = simrun::record::WorkflowSink::default();
    let opts = simrun::engine::RunOptions {
        seed: 42,
        measure_decisions: false,
    };
    simrun::engine::run(world, &plan, s.as_mut(), &mut sink, opts).unwrap();
    let n = sink.workflows.len() as f64;
    (
        sink.workflows.iter().map(|w| w.latency_ms).sum::<f64>() / n,
        s.privileged(),
    )
}

#[test]
fn oracle_beats_greedy_on_the_published_sample_test_split() {
    let Some(dir) = common::published_sample() else {
        eprintln!("published sample not present: skipped");
        return;
    };
    let mut sc =
        LoadedScenario::load(&common::root().join("scenarios/reference-trap500.yaml")).unwrap();
    sc.spec.workload.split = Split::Test;
    sc.spec.workload.workflows = None;
    let world = simrun::run::load_world(&sc, Some(&dir)).unwrap();
    let (oracle, privileged) = mean_latency(&sc, &world, "oracle");
    assert!(privileged);
    for other in ["greedy", "greedy-compute", "random"] {
        let (l, _) = mean_latency(&sc, &world, other);
        assert!(oracle <= l, "oracle {oracle} ms vs {other} {l} ms");
    }
}

#[test]
fn oracle_avoids_traps_on_the_default_dataset() {
    let sc = LoadedScenario::load(&common::root().join("scenarios/trap500.yaml")).unwrap();
    let world = simrun::run::load_world(&sc, None).unwrap();
    let plan = simrun::run::plan_for(&world, &sc, 42, Some(300)).unwrap();
    let mut s =
        simrun::run::build_scheduler(&simrun::registry(), &world, &sc, "oracle", 42).unwrap();
    let mut sink = simrun::record::MemorySink::default();
    let opts = simrun::engine::RunOptions {
        seed: 42,
        measure_decisions: false,
    };
    simrun::engine::run(&world, &plan, s.as_mut(), &mut sink, opts).unwrap();
    assert_eq!(sink.workflows.len(), 300);
    assert!(sink
        .steps
        .iter()
        .all(|st| !world.dataset.servers[st.server as usize].trap));
}
