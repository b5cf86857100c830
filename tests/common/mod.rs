//! Shared test fixtures: a hand-made three-server dataset and helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Write the three-server dataset used by the hand-computed tests into `dir`.
///
/// Servers: A (8.0, 47.0, compute 1.0), B (8.1, 47.0, 0.5), C (8.0, 47.1, 0.25), no traps.
/// One listed link A-B (0.4 ms, 50 Mbps). ChatGPT on A (1 instance) and B (2); GPT-4 on B and C.
/// Tasks: `t0` (test) at A's position, TaskSize 101 (-> 100 tokens), steps ChatGPT then GPT-4.
pub fn write_tiny(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let w = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    w(
        "servers.csv",
        "ServerID,Longitude,Latitude,LinkBandwidth,ComputationCapacity,StorageCapacity,TrafficRate,ClusterID,OriginalID,NormalizedCompute\n\
         A,8.0,47.0,50,59,10,10,R,1,1.0\n\
         B,8.1,47.0,50,30,10,10,R,2,0.5\n\
         C,8.0,47.1,50,15,10,10,R,3,0.25\n",
    );
    w(
        "network_links.csv",
        "SrcServerID,DstServerID,BandwidthMbps,BaseLatencyMs\nA,B,50.0,0.4\nB,A,50.0,0.4\n",
    );
    w(
        "model_instances.csv",
        "ModelID,ModelType,ArenaScore,ServerID,ModelTypeName,ModelInstanceID,CostPerToken\n\
         1,1,0.9,A,ChatGPT,model_A_1,0.0015\n\
         2,1,0.9,B,ChatGPT,model_B_2,0.0015\n\
         3,1,0.9,B,ChatGPT,model_B_3,0.0015\n\
         4,2,0.9,B,GPT-4,model_B_4,0.03\n\
         5,2,0.9,C,GPT-4,model_C_5,0.03\n",
    );
    w(
        "tasks.csv",
        "TaskID,Split,TaskLongitude,TaskLatitude,TaskSize,RequiredModelTypes\n\
         t0,test,8.0,47.0,101,\"[\"\"ChatGPT\"\", \"\"GPT-4\"\"]\"\n\
         t1,train,8.0,47.0,101,\"[\"\"ChatGPT\"\", \"\"GPT-4\"\"]\"\n\
         t2,train,8.1,47.0,201,\"[\"\"GPT-4\"\", \"\"ChatGPT\"\"]\"\n",
    );
    w(
        "task_request_mapping.csv",
        "TaskID,WorkflowStepIndex,MappedRequestID,RequiredModelType\n\
         t0,0,req_1,ChatGPT\nt0,1,req_2,GPT-4\nt1,0,req_3,ChatGPT\nt1,1,req_4,GPT-4\n\
         t2,0,req_5,GPT-4\nt2,1,req_6,ChatGPT\n",
    );
}

/// A fresh temporary folder.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Write a scenario file into `dir` and return its path.
pub fn scenario(dir: &Path, name: &str, yaml: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, yaml).unwrap();
    p
}

/// The published sample, when this checkout has it beside it.
pub fn published_sample() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data1/Server1_Trap");
    p.join("servers.csv").exists().then_some(p)
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the `simrun` binary in `cwd`: (success, stdout, stderr).
pub fn simrun(args: &[&str], cwd: &Path) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_simrun"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
