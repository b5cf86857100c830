//! Step latencies, costs and queueing checked against values computed by hand.

mod common;

use simrun::engine::{self, RunOptions};
use simrun::record::MemorySink;
use simrun::scenario::LoadedScenario;

fn run(yaml: &str, scheduler: &str) -> MemorySink {
    let dir = common::tempdir();
    common::write_tiny(&dir.path().join("tiny"));
    let path = common::scenario(dir.path(), "s.yaml", yaml);
    let sc = LoadedScenario::load(&path).unwrap();
    let world = simrun::run::load_world(&sc, None).unwrap();
    let plan = simrun::run::plan_for(&world, &sc, 1, None).unwrap();
    let mut sched =
        simrun::run::build_scheduler(&simrun::registry(), &world, &sc, scheduler, 1).unwrap();
    let mut sink = MemorySink::default();
    engine::run(
        &world,
        &plan,
        sched.as_mut(),
        &mut sink,
        RunOptions {
            seed: 1,
            measure_decisions: false,
        },
    )
    .unwrap();
    sink
}

const EPISODIC: &str =
    "data: tiny\nworkload: {kind: episodic, split: test}\nnetwork: {model: overlay}\n";

#[test]
fn overlay_step_latency_matches_hand_computation() {
    let out = run(EPISODIC, "greedy-compute");
    assert_eq!(out.steps.len(), 2);
    let (s0, s1) = (&out.steps[0], &out.steps[1]);
    // Step 0: user at A -> A (highest compute hosting ChatGPT). Unlisted hop: 5 ms base,
    // 0 km, 100 tokens x 4 B x 8 = 3200 bits over 100 Mbps = 0.032 ms; compute 100 / 2000 tok/s.
    assert_eq!(s0.server, 0);
    assert!((s0.network_ms - 5.032).abs() < 1e-12, "{}", s0.network_ms);
    assert!((s0.compute_ms - 50.0).abs() < 1e-9);
    assert!((s0.latency_ms - 55.032).abs() < 1e-9);
    // Cost: 100 tokens / 1000 x 0.0015 x m_A, m_A = (3.5 - 0.75 x 4) x 0.8 = 0.4.
    assert!((s0.cost - 0.00006).abs() < 1e-15);
    // Step 1: A -> B (GPT-4, compute 0.5 beats C's 0.25) over the listed link: 0.4 ms base,
    // 7.583475247052423 km x 0.005 ms/km, 3200 bits over 50 Mbps = 0.064 ms; compute 100 ms.
    assert_eq!(s1.server, 1);
    assert!((s1.distance_km - 7.583475247052423).abs() < 1e-9);
    assert!((s1.network_ms - (0.4 + 0.03791737623526212 + 0.064)).abs() < 1e-9);
    assert!((s1.latency_ms - 100.50191737623527).abs() < 1e-9);
    assert!((s1.cost - 0.1 * 0.03 * 2.0).abs() < 1e-12);
    let wf = &out.workflows[0];
    assert!((wf.latency_ms - 155.53391737623525).abs() < 1e-9);
    assert!((wf.finish_ms - wf.arrival_ms - wf.latency_ms).abs() < 1e-9);
}

#[test]
fn second_arrival_queues_behind_the_first() {
    let dir = common::tempdir();
    std::fs::write(
        dir.path().join("arrivals.csv"),
        "time_ms,task\n0,t0\n1,t0\n",
    )
    .unwrap();
    let yaml = format!(
        "data: tiny\nworkload: {{kind: open, split: test, arrivals_file: {}}}\n",
        dir.path().join("arrivals.csv").display()
    );
    let out = run(&yaml, "greedy-compute");
    let firsts: Vec<_> = out.steps.iter().filter(|s| s.step == 0).collect();
    assert_eq!(firsts.len(), 2);
    // Both go to A (one slot). The second message arrives at 1 + 5.032 ms while A is busy until
    // 55.032 ms, so it waits exactly 49 ms.
    let second = firsts.iter().find(|s| s.workflow == 1).unwrap();
    assert!((second.arrival_ms - 6.032).abs() < 1e-9);
    assert!((second.queue_ms - 49.0).abs() < 1e-9, "{}", second.queue_ms);
    assert!((second.start_ms - 55.032).abs() < 1e-9);
}

#[test]
fn random_draws_instances_not_servers() {
    // ChatGPT: A has 1 instance, B has 2, so random picks B about 2/3 of the time.
    let yaml = "data: tiny\nworkload: {kind: episodic, split: test, workflows: 3000}\n";
    let out = run(yaml, "random");
    let first: Vec<_> = out.steps.iter().filter(|s| s.step == 0).collect();
    let on_b = first.iter().filter(|s| s.server == 1).count() as f64 / first.len() as f64;
    assert!((on_b - 2.0 / 3.0).abs() < 0.03, "{on_b}");
}
