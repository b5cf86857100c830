//! STARK: the shipped student agrees with its expert on held-out decisions, and the command
//! line trains and evaluates it.

mod common;

use common::simrun;
use simrun::dataset::Split;
use simrun::scenario::LoadedScenario;
use simrun_schedulers::stark::StarkPolicy;

#[test]
fn shipped_student_agrees_with_its_expert_on_the_test_split() {
    let sc = LoadedScenario::load(&common::root().join("scenarios/trap500.yaml")).unwrap();
    let world = simrun::run::load_world(&sc, None).unwrap();
    let ck = simrun::run::checkpoint_dir(&world, &sc)
        .expect("trap500 has a checkpoint folder")
        .join("stark.best.mpk");
    let student = StarkPolicy::from_checkpoint(
        &ck,
        &world.topology,
        &world.dataset.fingerprint,
        "scenarios/trap500.yaml",
    )
    .unwrap();
    // The test split is never used in training or checkpoint selection.
    let mut sc = sc;
    sc.spec.workload.split = Split::Test;
    sc.spec.workload.workflows = None;
    let plan = simrun::run::plan_for(&world, &sc, 42, None).unwrap();
    assert!(plan.workflows.len() >= 100);
    let agreement = simrun::train_stark::agreement(&world, &plan, student, 42).unwrap();
    assert!(agreement >= 0.8, "agreement with the expert {agreement:.3}");
}

#[test]
fn train_then_evaluate_stark() {
    let d = common::tempdir();
    common::write_tiny(&d.path().join("tiny"));
    common::scenario(
        d.path(),
        "s.yaml",
        "data: tiny\nworkload: {kind: episodic, split: test}\ncheckpoints: ck\ntraining: {validation_episodes: 1}\n",
    );
    let (ok, out, err) = simrun(
        &[
            "train",
            "s.yaml",
            "--scheduler",
            "stark",
            "--epochs",
            "2",
            "--episodes",
            "5",
            "--quiet",
        ],
        d.path(),
    );
    assert!(ok, "{err}");
    let last = out.lines().last().unwrap();
    assert!(last.ends_with("stark.best.mpk"), "{last}");
    let log = std::fs::read_to_string(d.path().join("ck/tiny/stark.train.csv")).unwrap();
    assert_eq!(log.lines().count(), 3, "header + 2 epochs");
    assert!(log.starts_with("epoch,loss,train_accuracy,validation_agreement"));
    let (ok, _, err) = simrun(&["s.yaml", "--scheduler", "stark", "--out", "st"], d.path());
    assert!(ok, "{err}");
    assert!(d.path().join("st/trace.parquet").exists());
}
