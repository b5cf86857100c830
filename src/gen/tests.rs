//! Tests of the dataset generator.

use super::*;
use std::collections::{BTreeMap, BTreeSet};

const FILES: [&str; 6] = [
    "servers.csv",
    "network_links.csv",
    "model_instances.csv",
    "tasks.csv",
    "task_request_mapping.csv",
    "trap_config.json",
];

/// A fresh, empty scratch folder, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let p = std::env::temp_dir().join(format!("simrun-gen-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        Scratch(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn small(seed: u64) -> GenConfig {
    GenConfig {
        servers: 300,
        traps: 30,
        seed,
        country: Country::Switzerland,
        train_tasks: 150,
        test_tasks: 40,
        steps_per_task: 5,
        region: "Gen7".into(),
    }
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// Data rows (header dropped) split on commas.
fn rows(dir: &Path, name: &str) -> Vec<Vec<String>> {
    read(dir, name)
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

struct TrapJson {
    ids: Vec<String>,
    raw: serde_json::Value,
}

fn trap_json(dir: &Path) -> TrapJson {
    let raw: serde_json::Value = serde_json::from_str(&read(dir, "trap_config.json")).unwrap();
    let ids = raw["trap_server_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    TrapJson { ids, raw }
}

/// (TaskID, Split, lon, lat, size, types) from tasks.csv, unquoting the list.
fn tasks(dir: &Path) -> Vec<(String, String, f64, f64, u32, Vec<String>)> {
    read(dir, "tasks.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.splitn(6, ',').collect();
            let cell = f[5];
            assert!(cell.starts_with("\"[") && cell.ends_with("]\""), "{cell}");
            let json = cell[1..cell.len() - 1].replace("\"\"", "\"");
            let types: Vec<String> = serde_json::from_str(&json).unwrap();
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
                types,
            )
        })
        .collect()
}

#[test]
fn same_seed_gives_identical_bytes() {
    let (a, b) = (Scratch::new("same-a"), Scratch::new("same-b"));
    let sa = generate(&small(11), &a.0).unwrap();
    let sb = generate(&small(11), &b.0).unwrap();
    assert_eq!(sa, sb);
    for f in FILES {
        let (x, y) = (
            std::fs::read(a.0.join(f)).unwrap(),
            std::fs::read(b.0.join(f)).unwrap(),
        );
        assert!(!x.is_empty(), "{f} empty");
        assert!(x == y, "{f} differs between identical runs");
    }
    assert!(!a.0.join("request_log.csv").exists());
}

#[test]
fn different_seed_gives_different_files() {
    let (a, b) = (Scratch::new("diff-a"), Scratch::new("diff-b"));
    generate(&small(1), &a.0).unwrap();
    generate(&small(2), &b.0).unwrap();
    for f in FILES {
        assert_ne!(read(&a.0, f), read(&b.0, f), "{f} identical across seeds");
    }
}

#[test]
fn headers_match_published_schema() {
    let d = Scratch::new("headers");
    generate(&small(3), &d.0).unwrap();
    let first = |f: &str| read(&d.0, f).lines().next().unwrap().to_string();
    assert_eq!(
        first("servers.csv"),
        "ServerID,Longitude,Latitude,LinkBandwidth,ComputationCapacity,StorageCapacity,TrafficRate,ClusterID,OriginalID,NormalizedCompute"
    );
    assert_eq!(
        first("network_links.csv"),
        "SrcServerID,DstServerID,BandwidthMbps,BaseLatencyMs"
    );
    assert_eq!(
        first("model_instances.csv"),
        "ModelID,ModelType,ArenaScore,ServerID,ModelTypeName,ModelInstanceID,CostPerToken"
    );
    assert_eq!(
        first("tasks.csv"),
        "TaskID,Split,TaskLongitude,TaskLatitude,TaskSize,RequiredModelTypes"
    );
    assert_eq!(
        first("task_request_mapping.csv"),
        "TaskID,WorkflowStepIndex,MappedRequestID,RequiredModelType"
    );
    let keys: BTreeSet<String> = trap_json(&d.0)
        .raw
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let expect: BTreeSet<String> = [
        "trap_server_ids",
        "trap_cost_multiplier",
        "trap_bandwidth",
        "trap_latency",
        "trap_rate",
    ]
    .map(String::from)
    .into();
    assert_eq!(keys, expect);
    let text = read(&d.0, "trap_config.json");
    let pos: Vec<usize> = [
        "\"trap_server_ids\"",
        "\"trap_cost_multiplier\": 1.2",
        "\"trap_bandwidth\": 1.0",
        "\"trap_latency\": 2000.0",
        "\"trap_rate\": 0.1",
    ]
    .iter()
    .map(|k| text.find(k).unwrap_or_else(|| panic!("{k} missing")))
    .collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "key order {pos:?}");
}

#[test]
fn counts_match_config() {
    let d = Scratch::new("counts");
    let cfg = GenConfig {
        steps_per_task: 7,
        ..small(4)
    };
    let sum = generate(&cfg, &d.0).unwrap();
    let servers = rows(&d.0, "servers.csv");
    assert_eq!(servers.len(), cfg.servers);
    assert_eq!(sum.servers, cfg.servers);
    let ids: BTreeSet<&str> = servers.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids.len(), cfg.servers);
    for n in 1..=cfg.servers {
        assert!(ids.contains(format!("Gen7_{n}").as_str()));
    }
    assert!(servers.iter().all(|r| r[7] == "Gen7" && r[3] == "50"));

    let traps = trap_json(&d.0);
    assert_eq!(traps.ids.len(), cfg.traps);
    assert_eq!(sum.traps, cfg.traps);
    assert_eq!(traps.raw["trap_rate"].as_f64().unwrap(), 0.1);

    assert_eq!(rows(&d.0, "network_links.csv").len(), sum.links);
    assert_eq!(rows(&d.0, "model_instances.csv").len(), sum.instances);

    let t = tasks(&d.0);
    assert_eq!(t.len(), cfg.train_tasks + cfg.test_tasks);
    assert_eq!((sum.train_tasks, sum.test_tasks), (150, 40));
    // Test tasks first, then train, numbered in order.
    for (i, task) in t.iter().enumerate() {
        let (split, k) = if i < cfg.test_tasks {
            ("test", i)
        } else {
            ("train", i - cfg.test_tasks)
        };
        assert_eq!(task.0, format!("task_Gen7_{split}_0_{k}"));
        assert_eq!(task.1, split);
        assert_eq!(task.5.len(), cfg.steps_per_task);
        assert!((1..=521).contains(&task.4));
    }
    let map = rows(&d.0, "task_request_mapping.csv");
    assert_eq!(map.len(), t.len() * cfg.steps_per_task);
    for (j, r) in map.iter().enumerate() {
        let task = &t[j / cfg.steps_per_task];
        let step = j % cfg.steps_per_task;
        assert_eq!(r[0], task.0);
        assert_eq!(r[1], step.to_string());
        assert!(r[2].starts_with("req_") && r[2][4..].parse::<u64>().is_ok());
        assert_eq!(r[3], task.5[step]);
    }
    let reqs: BTreeSet<&str> = map.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(reqs.len(), map.len(), "request ids are unique");
}

#[test]
fn every_link_has_its_reverse_and_trap_links_are_slow() {
    let d = Scratch::new("links");
    generate(&small(5), &d.0).unwrap();
    let traps: BTreeSet<String> = trap_json(&d.0).ids.into_iter().collect();
    let links = rows(&d.0, "network_links.csv");
    let mut bag: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
    for r in &links {
        bag.entry((r[0].clone(), r[1].clone()))
            .or_default()
            .push((r[2].clone(), r[3].clone()));
    }
    assert_eq!(bag.len(), links.len(), "no duplicate rows");
    let mut out_deg: BTreeMap<&str, usize> = BTreeMap::new();
    let mut self_loops = 0;
    for r in &links {
        let rev = &bag[&(r[1].clone(), r[0].clone())];
        assert_eq!(rev, &vec![(r[2].clone(), r[3].clone())], "reverse of {r:?}");
        *out_deg.entry(&r[0]).or_default() += 1;
        self_loops += usize::from(r[0] == r[1]);
        if traps.contains(&r[0]) || traps.contains(&r[1]) {
            assert_eq!((r[2].as_str(), r[3].as_str()), ("1.0", "2000.0"));
        } else {
            assert_eq!(r[2], "50.0");
            let ms: f64 = r[3].parse().unwrap();
            assert!((0.25..1.0).contains(&ms), "latency {ms}");
        }
    }
    assert!(self_loops >= 1, "a few self-loops expected");
    assert_eq!(out_deg.len(), 300, "every server has a link");
    assert!(out_deg.values().all(|&k| (1..=8).contains(&k)));
}

#[test]
fn traps_are_the_top_compute_servers() {
    let d = Scratch::new("traps");
    let cfg = small(6);
    generate(&cfg, &d.0).unwrap();
    let servers = rows(&d.0, "servers.csv");
    let traps: BTreeSet<String> = trap_json(&d.0).ids.into_iter().collect();
    let cap = |r: &Vec<String>| r[4].parse::<u32>().unwrap();
    let min_trap = servers
        .iter()
        .filter(|r| traps.contains(&r[0]))
        .map(cap)
        .min()
        .unwrap();
    let max_other = servers
        .iter()
        .filter(|r| !traps.contains(&r[0]))
        .map(cap)
        .max()
        .unwrap();
    assert!(min_trap >= max_other, "{min_trap} < {max_other}");
    // File order: descending compute, traps first.
    let caps: Vec<u32> = servers.iter().map(cap).collect();
    assert!(caps.windows(2).all(|w| w[0] >= w[1]));
    for r in &servers[..cfg.traps] {
        assert!(traps.contains(&r[0]));
    }
    for r in &servers {
        let c = cap(r);
        assert!((15..=59).contains(&c));
        assert_eq!(r[9].parse::<f64>().unwrap(), c as f64 / 59.0);
    }
}

#[test]
fn task_steps_use_known_types_and_are_quoted_like_the_sample() {
    let d = Scratch::new("types");
    generate(&small(7), &d.0).unwrap();
    let known = ["ChatGPT", "GPT-4", "GPT-4v"];
    for t in tasks(&d.0) {
        for ty in &t.5 {
            assert!(known.contains(&ty.as_str()), "{ty}");
        }
    }
    let line = read(&d.0, "tasks.csv").lines().nth(1).unwrap().to_string();
    let cell = line.splitn(6, ',').nth(5).unwrap();
    assert!(
        cell.starts_with("\"[\"\"") && cell.contains("\"\", \"\"") && cell.ends_with("\"\"]\"")
    );
    // Instances: types consistent, ids as in the sample.
    for (i, r) in rows(&d.0, "model_instances.csv").iter().enumerate() {
        assert_eq!(r[0], (i + 1).to_string());
        let (ty, cost) = match r[1].as_str() {
            "1" => ("ChatGPT", "0.0015"),
            "2" => ("GPT-4", "0.03"),
            "3" => ("GPT-4v", "0.06"),
            other => panic!("type {other}"),
        };
        assert_eq!((r[4].as_str(), r[6].as_str()), (ty, cost));
        assert_eq!(r[5], format!("model_{}_{}", r[3], r[0]));
        let score: f64 = r[2].parse().unwrap();
        assert!((0.0..=1.0).contains(&score));
    }
}

#[test]
fn statistics_resemble_the_sample() {
    let d = Scratch::new("stats");
    let cfg = GenConfig {
        servers: 3000,
        traps: 300,
        train_tasks: 3000,
        test_tasks: 0,
        ..GenConfig::default()
    };
    generate(&cfg, &d.0).unwrap();
    let n = cfg.servers as f64;
    let inst = rows(&d.0, "model_instances.csv");
    let per_type = |t: &str| inst.iter().filter(|r| r[1] == t).count() as f64 / n;
    let hosts = |t: &str| {
        inst.iter()
            .filter(|r| r[1] == t)
            .map(|r| r[3].as_str())
            .collect::<BTreeSet<_>>()
            .len() as f64
            / n
    };
    assert!((7.0..8.3).contains(&per_type("1")), "{}", per_type("1"));
    assert!((1.0..1.4).contains(&per_type("2")), "{}", per_type("2"));
    assert!((0.17..0.31).contains(&per_type("3")), "{}", per_type("3"));
    assert_eq!(hosts("1"), 1.0);
    assert!((0.5..0.62).contains(&hosts("2")));
    assert!((0.09..0.15).contains(&hosts("3")));

    let links = rows(&d.0, "network_links.csv");
    let mean_deg = links.len() as f64 / n;
    assert!((2.8..4.4).contains(&mean_deg), "mean degree {mean_deg}");
    let normal: Vec<f64> = links
        .iter()
        .filter(|r| r[2] == "50.0")
        .map(|r| r[3].parse().unwrap())
        .collect();
    let mean_lat = normal.iter().sum::<f64>() / normal.len() as f64;
    assert!((0.32..0.40).contains(&mean_lat), "mean latency {mean_lat}");

    let t = tasks(&d.0);
    let mean_size = t.iter().map(|t| t.4 as f64).sum::<f64>() / t.len() as f64;
    assert!((235.0..270.0).contains(&mean_size), "{mean_size}");
    let steps = (t.len() * cfg.steps_per_task) as f64;
    let freq = |ty: &str| t.iter().flat_map(|t| &t.5).filter(|x| *x == ty).count() as f64 / steps;
    assert!(
        (0.49..0.53).contains(&freq("ChatGPT")),
        "{}",
        freq("ChatGPT")
    );
    assert!((0.23..0.27).contains(&freq("GPT-4")), "{}", freq("GPT-4"));
    assert!((0.22..0.26).contains(&freq("GPT-4v")), "{}", freq("GPT-4v"));

    // Coordinates: inside Switzerland's box, at most 4 decimals.
    let bbox = Country::Switzerland.bbox();
    for r in rows(&d.0, "servers.csv") {
        let (lon, lat): (f64, f64) = (r[1].parse().unwrap(), r[2].parse().unwrap());
        assert!((bbox.lon_min..=bbox.lon_max).contains(&lon));
        assert!((bbox.lat_min..=bbox.lat_max).contains(&lat));
        for v in [&r[1], &r[2]] {
            let dec = v.split('.').nth(1).unwrap();
            assert!((1..=4).contains(&dec.len()), "{v}");
        }
    }
}

#[test]
fn other_countries_stay_in_their_boxes() {
    for country in [Country::UnitedKingdom, Country::Germany] {
        let d = Scratch::new(country.name());
        let cfg = GenConfig {
            servers: 400,
            traps: 0,
            country,
            train_tasks: 50,
            test_tasks: 10,
            ..GenConfig::default()
        };
        let sum = generate(&cfg, &d.0).unwrap();
        assert_eq!(sum.traps, 0);
        assert!(trap_json(&d.0).ids.is_empty());
        let bbox = country.bbox();
        for r in rows(&d.0, "servers.csv") {
            let (lon, lat): (f64, f64) = (r[1].parse().unwrap(), r[2].parse().unwrap());
            assert!((bbox.lon_min..=bbox.lon_max).contains(&lon), "{lon}");
            assert!((bbox.lat_min..=bbox.lat_max).contains(&lat), "{lat}");
        }
        for t in tasks(&d.0) {
            assert!((bbox.lon_min..=bbox.lon_max).contains(&t.2));
            assert!((bbox.lat_min..=bbox.lat_max).contains(&t.3));
        }
    }
}

#[test]
fn tiny_configs_work() {
    let d = Scratch::new("tiny");
    let cfg = GenConfig {
        servers: 1,
        traps: 1,
        train_tasks: 1,
        test_tasks: 0,
        steps_per_task: 1,
        ..GenConfig::default()
    };
    let sum = generate(&cfg, &d.0).unwrap();
    assert_eq!(sum.links, 1, "a lone server gets a self-loop");
    // Every model type is hosted somewhere.
    let types: BTreeSet<String> = rows(&d.0, "model_instances.csv")
        .into_iter()
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(types.len(), 3);
    assert_eq!(trap_json(&d.0).raw["trap_rate"].as_f64().unwrap(), 1.0);
}

#[test]
fn invalid_configs_name_the_field() {
    let d = Scratch::new("invalid");
    let cases: Vec<(GenConfig, &str)> = vec![
        (
            GenConfig {
                servers: 0,
                traps: 0,
                ..GenConfig::default()
            },
            "servers",
        ),
        (
            GenConfig {
                traps: 501,
                ..GenConfig::default()
            },
            "traps",
        ),
        (
            GenConfig {
                steps_per_task: 0,
                ..GenConfig::default()
            },
            "steps_per_task",
        ),
        (
            GenConfig {
                train_tasks: 0,
                ..GenConfig::default()
            },
            "train_tasks",
        ),
        (
            GenConfig {
                region: String::new(),
                ..GenConfig::default()
            },
            "region",
        ),
        (
            GenConfig {
                region: "a,b".into(),
                ..GenConfig::default()
            },
            "region",
        ),
    ];
    for (cfg, field) in cases {
        match generate(&cfg, &d.0) {
            Err(e @ GenError::InvalidConfig { field: f, .. }) => {
                assert_eq!(f, field);
                assert!(e.to_string().contains(field), "{e}");
            }
            other => panic!("expected InvalidConfig({field}), got {other:?}"),
        }
    }
    assert!(!d.0.exists(), "nothing written for an invalid config");
}

#[test]
fn country_parses_with_aliases() {
    for (s, c) in [
        ("switzerland", Country::Switzerland),
        ("CH", Country::Switzerland),
        ("uk", Country::UnitedKingdom),
        ("United Kingdom", Country::UnitedKingdom),
        ("gb", Country::UnitedKingdom),
        ("Germany", Country::Germany),
        ("de", Country::Germany),
    ] {
        assert_eq!(s.parse::<Country>().unwrap(), c, "{s}");
        assert_eq!(c.name().parse::<Country>().unwrap(), c);
    }
    let err = "france".parse::<Country>().unwrap_err();
    assert!(err.to_string().contains("france") && err.to_string().contains("switzerland"));
}

#[test]
fn numeric_helpers_are_exact_enough() {
    assert_eq!(F(2000.0).to_string(), "2000.0");
    assert_eq!(F(1.0).to_string(), "1.0");
    assert_eq!(F(0.0015).to_string(), "0.0015");
    assert_eq!(F(36.0 / 59.0).to_string(), "0.6101694915254238");
    assert_eq!(F(round_dec(47.33, 4)).to_string(), "47.33");
    assert_eq!(F(round_dec(-0.00001, 4)).to_string(), "0.0");
    assert_eq!(F(round_sig10(7.7248771254321)).to_string(), "7.724877125");
    assert_eq!(F(round_sig10(46.465804151)).to_string(), "46.46580415");
    assert_eq!(F(round_sig10(-0.127634)).to_string(), "-0.127634");
    for deg in [0.0f64, 30.0, 46.8, 60.0, 89.0] {
        let exact = deg.to_radians().cos();
        assert!((cos_deg(deg) - exact).abs() < 1e-12, "{deg}");
    }
    let d = distance_km(8.5417, 47.3769, 7.4474, 46.9480); // Zurich–Bern ≈ 95 km
    assert!((90.0..100.0).contains(&d), "{d}");
    assert_eq!(next_prime(5_000_000), 5_000_011);
    let s = Scramble {
        p: 101,
        a: 37,
        b: 5,
    };
    let img: BTreeSet<u64> = (0..101).map(|k| s.map(k)).collect();
    assert_eq!(img.len(), 101);
}

#[test]
fn twenty_thousand_servers_generate() {
    let d = Scratch::new("large");
    let cfg = GenConfig {
        servers: 20_000,
        traps: 2_000,
        train_tasks: 2_000,
        test_tasks: 500,
        ..GenConfig::default()
    };
    let sum = generate(&cfg, &d.0).unwrap();
    assert_eq!(sum.servers, 20_000);
    assert_eq!(sum.traps, 2_000);
    assert_eq!(rows(&d.0, "servers.csv").len(), 20_000);
    assert!(sum.links >= 20_000);
    assert!(sum.instances > 20_000 * 8);
    assert_eq!(trap_json(&d.0).ids.len(), 2_000);
}
