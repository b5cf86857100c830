//! Loading a dataset folder.

use std::collections::HashMap;
use std::path::Path;

use super::csvio::{is_lfs_pointer, Table};
use super::{
    fallback_tokens, fnv1a, natural_price_multiplier, DataError, Dataset, Instance, Link, Server,
    Split, Station, Task, TaskStep, TrapConfig, FNV_OFFSET,
};

const FILES: [&str; 7] = [
    "servers.csv",
    "network_links.csv",
    "model_instances.csv",
    "tasks.csv",
    "task_request_mapping.csv",
    "request_log.csv",
    "trap_config.json",
];

/// Load and validate the dataset in `dir`.
pub fn load(dir: &Path) -> Result<Dataset, DataError> {
    if !dir.is_dir() {
        return Err(DataError::NoFolder {
            path: dir.to_path_buf(),
        });
    }
    let mut warnings = Vec::new();
    let trap = load_trap_config(&dir.join("trap_config.json"))?;
    let trap_ids: std::collections::HashSet<String> = trap.1.iter().cloned().collect();
    let trap = trap.0;
    let servers = load_servers(&dir.join("servers.csv"), &trap_ids, &trap)?;
    let index: HashMap<&str, u32> = servers
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i as u32))
        .collect();
    for id in &trap_ids {
        if !index.contains_key(id.as_str()) {
            return Err(DataError::file(
                &dir.join("trap_config.json"),
                format!("trap_server_ids: `{id}` is not in servers.csv"),
            ));
        }
    }
    let (links, skipped) = load_links(&dir.join("network_links.csv"), &index)?;
    if skipped > 0 {
        warnings.push(format!(
            "network_links.csv: skipped {skipped} rows with unparsable numbers"
        ));
    }
    let (model_types, instances) = load_instances(&dir.join("model_instances.csv"), &index)?;
    let type_index: HashMap<&str, u16> = model_types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i as u16))
        .collect();

    let log_path = dir.join("request_log.csv");
    // An absent log is the normal case for generated data: tokens come from TaskSize.
    let tokens = if !log_path.exists() {
        None
    } else if is_lfs_pointer(&log_path) {
        warnings.push(
            "request_log.csv is a Git-LFS pointer, treated as absent: tokens fall back to TaskSize"
                .into(),
        );
        None
    } else {
        Some(load_request_log(&log_path)?)
    };
    let tasks = load_tasks(dir, &type_index, tokens.as_ref())?;

    let mut adjacency: Vec<Vec<(u32, f64, f64)>> = vec![Vec::new(); servers.len()];
    let mut sym: HashMap<(u32, u32), (f64, f64)> = HashMap::with_capacity(links.len() * 2);
    for l in &links {
        sym.insert((l.src, l.dst), (l.base_latency_ms, l.bandwidth_mbps));
        sym.insert((l.dst, l.src), (l.base_latency_ms, l.bandwidth_mbps));
    }
    for ((a, b), (lat, bw)) in sym {
        adjacency[a as usize].push((b, lat, bw));
    }
    for row in &mut adjacency {
        row.sort_by_key(|l| l.0);
    }
    let mean_base_latency_ms = if links.is_empty() {
        10.0
    } else {
        links.iter().map(|l| l.base_latency_ms).sum::<f64>() / links.len() as f64
    };
    let stations = build_stations(&instances, model_types.len());

    let mut hash = FNV_OFFSET;
    for f in FILES {
        let p = dir.join(f);
        if p.exists() && !(f == "request_log.csv" && tokens.is_none()) {
            let bytes = std::fs::read(&p).map_err(|source| DataError::Io { path: p, source })?;
            hash = fnv1a(f.as_bytes(), hash);
            hash = fnv1a(&bytes, hash);
        }
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dataset".into());
    Ok(Dataset {
        name,
        dir: dir.to_path_buf(),
        servers,
        links,
        adjacency,
        mean_base_latency_ms,
        model_types,
        instances,
        stations,
        tasks,
        trap,
        tokens_from_log: tokens.is_some(),
        warnings,
        fingerprint: format!("{hash:016x}"),
    })
}

fn load_trap_config(path: &Path) -> Result<(TrapConfig, Vec<String>), DataError> {
    if !path.exists() {
        return Ok((TrapConfig::default(), Vec::new()));
    }
    let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| DataError::Field {
        path: path.to_path_buf(),
        line: e.line() as u64,
        field: "(json)".into(),
        message: e.to_string(),
    })?;
    let obj = v
        .as_object()
        .ok_or_else(|| DataError::file(path, "must be a JSON object"))?;
    let num = |key: &str, default: f64| -> Result<f64, DataError> {
        match obj.get(key) {
            None | Some(serde_json::Value::Null) => Ok(default),
            Some(x) => x
                .as_f64()
                .filter(|f| f.is_finite())
                .ok_or_else(|| DataError::file(path, format!("`{key}` must be a finite number"))),
        }
    };
    let ids = match obj.get("trap_server_ids") {
        None => Vec::new(),
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str().map(str::to_string).ok_or_else(|| {
                    DataError::file(path, "`trap_server_ids` must be a list of strings")
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(DataError::file(path, "`trap_server_ids` must be a list")),
    };
    let cost_multiplier = match obj.get("trap_cost_multiplier") {
        None | Some(serde_json::Value::Null) => None,
        Some(_) => Some(num("trap_cost_multiplier", 1.0)?),
    };
    let cfg = TrapConfig {
        present: true,
        cost_multiplier,
        latency_ms: num("trap_latency", 500.0)?,
        bandwidth_mbps: num("trap_bandwidth", 1.0)?,
    };
    Ok((cfg, ids))
}

fn load_servers(
    path: &Path,
    traps: &std::collections::HashSet<String>,
    trap: &TrapConfig,
) -> Result<Vec<Server>, DataError> {
    let table = Table::open(path)?;
    let has_compute = table.has("NormalizedCompute");
    let mut servers = Vec::new();
    let mut seen = std::collections::HashSet::new();
    table.for_each(|row| {
        let id = row.text("ServerID")?.to_string();
        let lon = row.f64_in("Longitude", -180.0, 180.0)?;
        let lat = row.f64_in("Latitude", -90.0, 90.0)?;
        let compute = if has_compute {
            let c = row.f64("NormalizedCompute")?;
            if c <= 0.0 {
                return Err(row.bad("NormalizedCompute", format!("{c} must be positive")));
            }
            c
        } else {
            1.0
        };
        if !seen.insert(id.clone()) {
            return Err(row.bad("ServerID", format!("duplicate id `{id}`")));
        }
        let is_trap = traps.contains(&id);
        let mut m = natural_price_multiplier(compute, lon, lat);
        if is_trap {
            if let Some(c) = trap.cost_multiplier {
                m = c;
            }
        }
        servers.push(Server {
            id,
            lon,
            lat,
            compute,
            trap: is_trap,
            price_multiplier: m,
        });
        Ok(())
    })?;
    if servers.is_empty() {
        return Err(DataError::file(path, "has no servers"));
    }
    Ok(servers)
}

fn load_links(path: &Path, index: &HashMap<&str, u32>) -> Result<(Vec<Link>, usize), DataError> {
    let table = Table::open(path)?;
    let src_col = table.require_one(&["SrcServerID", "SourceServerID"])?;
    let dst_col = table.require_one(&["DstServerID", "DestServerID"])?;
    let bw_col = ["BandwidthMbps", "LinkBandwidth"]
        .into_iter()
        .find(|c| table.has(c));
    let lat_col = table.has("BaseLatencyMs").then_some("BaseLatencyMs");
    let mut links = Vec::new();
    let mut skipped = 0;
    table.for_each(|row| {
        let server = |col: &str| -> Result<u32, DataError> {
            let id = row.text(col)?;
            index
                .get(id)
                .copied()
                .ok_or_else(|| row.bad(col, format!("unknown server `{id}`")))
        };
        let src = server(src_col)?;
        let dst = server(dst_col)?;
        let bandwidth_mbps = match bw_col {
            Some(c) => row.f64(c),
            None => Ok(1000.0),
        };
        let base_latency_ms = match lat_col {
            Some(c) => row.f64(c),
            None => Ok(0.5),
        };
        match (bandwidth_mbps, base_latency_ms) {
            (Ok(bw), Ok(lat)) if bw > 0.0 && lat >= 0.0 => {
                links.push(Link {
                    src,
                    dst,
                    bandwidth_mbps: bw,
                    base_latency_ms: lat,
                });
            }
            (Ok(bw), Ok(_)) if bw <= 0.0 => {
                return Err(row.bad(bw_col.unwrap_or("BandwidthMbps"), "must be positive"))
            }
            (Ok(_), Ok(_)) => return Err(row.bad("BaseLatencyMs", "must be non-negative")),
            // The reference skips rows whose numbers do not parse; so do we, with a warning.
            _ => skipped += 1,
        }
        Ok(())
    })?;
    Ok((links, skipped))
}

fn load_instances(
    path: &Path,
    index: &HashMap<&str, u32>,
) -> Result<(Vec<String>, Vec<Instance>), DataError> {
    let table = Table::open(path)?;
    let has_name = table.has("ModelTypeName");
    let mut types: Vec<String> = Vec::new();
    let mut instances = Vec::new();
    table.for_each(|row| {
        let server_id = row.text("ServerID")?;
        let server = *index
            .get(server_id)
            .ok_or_else(|| row.bad("ServerID", format!("unknown server `{server_id}`")))?;
        let name = if has_name && !row.str("ModelTypeName")?.is_empty() {
            row.str("ModelTypeName")?.to_string()
        } else {
            row.text("ModelType")?.to_string()
        };
        let cost = row.f64("CostPerToken")?;
        if cost < 0.0 {
            return Err(row.bad("CostPerToken", format!("{cost} is negative")));
        }
        let model_type = match types.iter().position(|t| *t == name) {
            Some(i) => i as u16,
            None => {
                types.push(name);
                (types.len() - 1) as u16
            }
        };
        instances.push(Instance {
            server,
            model_type,
            cost_per_ktoken: cost,
        });
        Ok(())
    })?;
    if instances.is_empty() {
        return Err(DataError::file(path, "has no model instances"));
    }
    Ok((types, instances))
}

fn load_request_log(path: &Path) -> Result<HashMap<String, u32>, DataError> {
    let table = Table::open(path)?;
    for c in ["RequestID", "RequestLengthTokens", "ResponseLengthTokens"] {
        table.require_one(&[c])?;
    }
    let mut map = HashMap::new();
    table.for_each(|row| {
        let id = row.text("RequestID")?.to_string();
        let tokens = row.u64("RequestLengthTokens")? + row.u64("ResponseLengthTokens")?;
        map.insert(id, tokens.min(u32::MAX as u64) as u32);
        Ok(())
    })?;
    Ok(map)
}

/// Parse a RequiredModelTypes cell: a JSON list, with the reference's fallbacks.
pub(crate) fn parse_type_list(cell: &str) -> Option<Vec<String>> {
    if let Ok(v) = serde_json::from_str::<Vec<String>>(cell) {
        return Some(v);
    }
    if let Ok(v) = serde_json::from_str::<Vec<String>>(&cell.replace("\"\"", "\"")) {
        return Some(v);
    }
    let inner = cell.trim().strip_prefix('[')?.strip_suffix(']')?;
    let items: Vec<String> = inner
        .split(',')
        .map(|p| p.trim().trim_matches('"').trim_matches('\'').to_string())
        .filter(|p| !p.is_empty())
        .collect();
    Some(items)
}

fn load_tasks(
    dir: &Path,
    types: &HashMap<&str, u16>,
    tokens: Option<&HashMap<String, u32>>,
) -> Result<Vec<Task>, DataError> {
    let path = dir.join("tasks.csv");
    let table = Table::open(&path)?;
    let mut tasks: Vec<Task> = Vec::new();
    let mut lists: Vec<Vec<u16>> = Vec::new();
    let mut seen = HashMap::new();
    table.for_each(|row| {
        let id = row.text("TaskID")?.to_string();
        let split = match row.text("Split")? {
            "train" => Split::Train,
            "test" => Split::Test,
            other => return Err(row.bad("Split", format!("`{other}` is neither train nor test"))),
        };
        let lon = row.f64_in("TaskLongitude", -180.0, 180.0)?;
        let lat = row.f64_in("TaskLatitude", -90.0, 90.0)?;
        let size = row.f64("TaskSize")?;
        if size < 0.0 {
            return Err(row.bad("TaskSize", format!("{size} is negative")));
        }
        let cell = row.str("RequiredModelTypes")?;
        let names = parse_type_list(cell)
            .ok_or_else(|| row.bad("RequiredModelTypes", format!("`{cell}` is not a list")))?;
        let list = names
            .iter()
            .map(|n| {
                types.get(n.as_str()).copied().ok_or_else(|| {
                    row.bad("RequiredModelTypes", format!("unknown model type `{n}`"))
                })
            })
            .collect::<Result<Vec<u16>, _>>()?;
        if seen.insert(id.clone(), tasks.len()).is_some() {
            return Err(row.bad("TaskID", format!("duplicate id `{id}`")));
        }
        tasks.push(Task {
            id,
            split,
            lon,
            lat,
            size,
            steps: Vec::new(),
        });
        lists.push(list);
        Ok(())
    })?;
    if tasks.is_empty() {
        return Err(DataError::file(&path, "has no tasks (empty workload)"));
    }

    // Steps come from the mapping (sorted by step index) where a task has one.
    let map_path = dir.join("task_request_mapping.csv");
    let mut mapped: Vec<Vec<(u64, u16, Option<String>)>> = vec![Vec::new(); tasks.len()];
    Table::open(&map_path)?.for_each(|row| {
        let id = row.text("TaskID")?;
        let t = *seen
            .get(id)
            .ok_or_else(|| row.bad("TaskID", format!("unknown task `{id}`")))?;
        let k = row.u64("WorkflowStepIndex")?;
        let name = row.text("RequiredModelType")?;
        let ty = *types
            .get(name)
            .ok_or_else(|| row.bad("RequiredModelType", format!("unknown model type `{name}`")))?;
        let req = row.str("MappedRequestID")?;
        mapped[t].push((k, ty, (!req.is_empty()).then(|| req.to_string())));
        Ok(())
    })?;
    for (t, task) in tasks.iter_mut().enumerate() {
        let fallback = fallback_tokens(task.size);
        let steps: Vec<TaskStep> = if mapped[t].is_empty() {
            lists[t]
                .iter()
                .map(|&ty| TaskStep {
                    model_type: ty,
                    tokens: fallback,
                })
                .collect()
        } else {
            mapped[t].sort_by_key(|s| s.0);
            mapped[t]
                .iter()
                .map(|(_, ty, req)| {
                    let tokens = req
                        .as_ref()
                        .and_then(|r| tokens.and_then(|m| m.get(r)))
                        .copied()
                        .unwrap_or(fallback);
                    TaskStep {
                        model_type: *ty,
                        tokens,
                    }
                })
                .collect()
        };
        if steps.is_empty() {
            return Err(DataError::file(
                &path,
                format!("task `{}` has no steps", task.id),
            ));
        }
        task.steps = steps;
    }
    Ok(tasks)
}

fn build_stations(instances: &[Instance], n_types: usize) -> Vec<Station> {
    let mut by_key: HashMap<(u16, u32), usize> = HashMap::new();
    let mut per_type: Vec<Vec<Station>> = vec![Vec::new(); n_types];
    for (i, inst) in instances.iter().enumerate() {
        let group = &mut per_type[inst.model_type as usize];
        let key = (inst.model_type, inst.server);
        match by_key.get(&key) {
            Some(&j) => group[j].instances.push(i as u32),
            None => {
                by_key.insert(key, group.len());
                group.push(Station {
                    server: inst.server,
                    model_type: inst.model_type,
                    instances: vec![i as u32],
                    cost_per_ktoken: inst.cost_per_ktoken,
                });
            }
        }
    }
    per_type.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::parse_type_list;

    #[test]
    fn type_list_cascade() {
        assert_eq!(
            parse_type_list(r#"["ChatGPT", "GPT-4"]"#).unwrap(),
            ["ChatGPT", "GPT-4"]
        );
        assert_eq!(
            parse_type_list(r#"[""ChatGPT"", ""GPT-4v""]"#).unwrap(),
            ["ChatGPT", "GPT-4v"]
        );
        assert_eq!(
            parse_type_list("[ChatGPT, 'GPT-4']").unwrap(),
            ["ChatGPT", "GPT-4"]
        );
        assert!(parse_type_list("ChatGPT").is_none());
    }
}
