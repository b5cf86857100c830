//! The shipped default dataset is exactly what `simrun gen` makes from its documented seed.

mod common;

use std::process::Command;

#[test]
fn generator_reproduces_shipped_files_byte_for_byte() {
    let d = common::tempdir();
    let out = d.path().join("trap500");
    let status = Command::new(env!("CARGO_BIN_EXE_simrun"))
        .args([
            "gen",
            "--servers",
            "500",
            "--traps",
            "50",
            "--seed",
            "2026",
            "--country",
            "switzerland",
            "--out",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let shipped = common::root().join("data1/trap500");
    for f in [
        "servers.csv",
        "network_links.csv",
        "model_instances.csv",
        "tasks.csv",
        "task_request_mapping.csv",
        "trap_config.json",
    ] {
        let a = std::fs::read(shipped.join(f)).unwrap();
        let b = std::fs::read(out.join(f)).unwrap();
        assert!(a == b, "{f} differs from the generator's output");
    }
}

#[test]
fn shipped_dataset_loads_with_its_documented_counts() {
    let ds = simrun::dataset::load(&common::root().join("data1/trap500")).unwrap();
    assert_eq!(ds.servers.len(), 500);
    assert_eq!(ds.trap_count(), 50);
    assert_eq!(ds.links.len(), 1811);
    assert_eq!(ds.instances.len(), 4500);
    assert_eq!(ds.split(simrun::dataset::Split::Train).len(), 1000);
    assert_eq!(ds.split(simrun::dataset::Split::Test).len(), 200);
    assert!(ds.tasks.iter().all(|t| t.steps.len() == 5));
}
