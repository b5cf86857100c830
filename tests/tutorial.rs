//! The scheduler tutorial's example compiles, runs, and matches the code shown in the doc.

mod common;

#[path = "../examples/least_queue.rs"]
mod least_queue;

#[test]
fn tutorial_example_runs_and_balances_load() {
    let d = common::tempdir();
    common::write_tiny(&d.path().join("tiny"));
    std::fs::write(d.path().join("arr.csv"), "time_ms,task\n0,t0\n1,t0\n2,t0\n").unwrap();
    let s = common::scenario(
        d.path(),
        "s.yaml",
        "data: tiny\nworkload: {kind: open, split: test, arrivals_file: arr.csv}\n",
    );
    let out = d.path().join("out");
    let summary = least_queue::run(&s, &out).unwrap();
    assert_eq!(summary.workflows, 3);
    // ChatGPT stations: A (1 slot) and B (2 slots). The first step goes to A (nearest, both
    // idle), the second to B (A busy), the third to B too (B still has pending work less than
    // A's): no step-0 job waits.
    let trace = std::fs::read_to_string(out.join("trace.csv")).unwrap();
    let step0_servers: Vec<&str> = trace
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(5) == Some("0"))
        .map(|l| l.split(',').nth(7).unwrap())
        .collect();
    assert_eq!(step0_servers.len(), 3);
    assert!(step0_servers.contains(&"A") && step0_servers.contains(&"B"));
}

#[test]
fn doc_code_blocks_are_the_example() {
    let doc = std::fs::read_to_string(common::root().join("docs/writing-a-scheduler.md")).unwrap();
    let example = std::fs::read_to_string(common::root().join("examples/least_queue.rs")).unwrap();
    let mut blocks = 0;
    for block in doc.split("```rust").skip(1) {
        let code = block.split("```").next().unwrap().trim();
        assert!(
            example.contains(code),
            "doc block not in examples/least_queue.rs:\n{code}"
        );
        blocks += 1;
    }
    assert!(blocks >= 3);
}
