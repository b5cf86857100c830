//! Training and evaluating learned schedulers through the command line.

mod common;

use common::simrun;

fn setup() -> tempfile::TempDir {
    let d = common::tempdir();
    common::write_tiny(&d.path().join("tiny"));
    common::scenario(
        d.path(),
        "s.yaml",
        "data: tiny\nworkload: {kind: episodic, split: test}\ncheckpoints: ck\ntraining: {epochs: 3, episodes: 20, validation_episodes: 1}\n",
    );
    d
}

#[test]
fn train_then_evaluate_and_refuse_other_datasets() {
    let d = setup();
    for name in ["star-ppo", "ppo"] {
        let (ok, out, err) = simrun(
            &["train", "s.yaml", "--scheduler", name, "--quiet"],
            d.path(),
        );
        assert!(ok, "{err}");
        let last = out.lines().last().unwrap();
        assert!(last.ends_with(&format!("{name}.best.mpk")), "{last}");
        assert!(d.path().join(last).exists(), "{last}");
        let log =
            std::fs::read_to_string(d.path().join(format!("ck/tiny/{name}.train.csv"))).unwrap();
        assert_eq!(log.lines().count(), 4, "header + 3 epochs");
        assert!(d
            .path()
            .join(format!("ck/tiny/{name}.train.parquet"))
            .exists());
        // The shipped-checkpoint path is found from the scenario.
        let (ok, _, err) = simrun(&["s.yaml", "--scheduler", name, "--out", name], d.path());
        assert!(ok, "{err}");
        assert!(d.path().join(format!("{name}/trace.parquet")).exists());
    }
    // Same data with one server changed: a different fingerprint, refused with the command to run.
    let other = d.path().join("other");
    common::write_tiny(&other);
    let servers = std::fs::read_to_string(other.join("servers.csv")).unwrap();
    std::fs::write(
        other.join("servers.csv"),
        servers.replace("C,8.0,47.1", "C,8.0,47.2"),
    )
    .unwrap();
    let ck = d.path().join("ck/tiny/star-ppo.best.mpk");
    let spec = format!("star-ppo[checkpoint={}]", ck.display());
    let (ok, _, err) = simrun(
        &[
            "s.yaml",
            "--data",
            "other",
            "--scheduler",
            &spec,
            "--out",
            "x",
        ],
        d.path(),
    );
    assert!(!ok);
    assert!(err.contains("simrun train"), "{err}");
    assert!(!d.path().join("x/summary.csv").exists());
    // Without an explicit checkpoint the hint trains for the run's own dataset.
    let (ok, _, err) = simrun(
        &[
            "s.yaml",
            "--data",
            "other",
            "--scheduler",
            "ppo",
            "--out",
            "y",
        ],
        d.path(),
    );
    assert!(!ok);
    assert!(
        err.contains("simrun train s.yaml --data other --scheduler ppo"),
        "{err}"
    );
}

#[test]
fn missing_checkpoint_names_the_train_command() {
    let d = setup();
    let (ok, _, err) = simrun(
        &["s.yaml", "--scheduler", "star-ppo", "--out", "x"],
        d.path(),
    );
    assert!(!ok);
    assert!(
        err.contains("simrun train") && err.contains("star-ppo"),
        "{err}"
    );
}

#[test]
fn training_is_deterministic() {
    let d = setup();
    for out in ["a", "b"] {
        let (ok, _, err) = simrun(
            &["train", "s.yaml", "-s", "ppo", "--quiet", "--out", out],
            d.path(),
        );
        assert!(ok, "{err}");
    }
    let a = std::fs::read(d.path().join("a/ppo.best.mpk")).unwrap();
    let b = std::fs::read(d.path().join("b/ppo.best.mpk")).unwrap();
    assert!(a == b, "same seed must give the same weights");
}
