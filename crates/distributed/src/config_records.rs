//! The config topic's records, byte for byte as Apache's `KafkaConfigBackingStore` writes them, and
//! the snapshot every worker builds by reading them in order.

use std::collections::{BTreeMap, BTreeSet};

use kconnect_runtime::connector_config::CONNECTOR_CLASS;
use kconnect_runtime::{ConfigMap, RestartRequest, TargetState};
use serde_json::{Value, json};

/// A key and its value bytes (`None`: tombstone).
pub type Record = (Vec<u8>, Option<Vec<u8>>);

/// The inter-worker signing key (`session-key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKey {
    /// The raw key.
    pub key: Vec<u8>,
    /// The MAC algorithm, e.g. `HmacSHA256`.
    pub algorithm: String,
    /// When it was made, in ms since the epoch.
    pub created: i64,
}

/// What the config topic says, up to `offset`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigSnapshot {
    /// The next offset after the last record read (the group protocol's config offset).
    pub offset: i64,
    /// Connector configurations.
    pub connectors: BTreeMap<String, ConfigMap>,
    /// Target states (missing means STARTED).
    pub targets: BTreeMap<String, TargetState>,
    /// Committed task configurations.
    pub tasks: BTreeMap<String, Vec<ConfigMap>>,
    /// Task records not yet committed.
    pending: BTreeMap<String, BTreeMap<u32, ConfigMap>>,
    /// Connectors whose last commit named tasks that were never written.
    pub inconsistent: BTreeSet<String>,
    /// The current session key.
    pub session_key: Option<SessionKey>,
    /// Restart requests seen, in order (KIP-745).
    pub restarts: Vec<(String, RestartRequest)>,
    /// The task counts of the `tasks-fencing-<name>` records the leader writes after fencing out
    /// a connector's earlier tasks (exactly-once sources, KIP-618).
    pub fenced_task_counts: BTreeMap<String, u64>,
    /// Connectors whose latest task configurations came after their last `tasks-fencing-<name>`
    /// record: with exactly-once sources, their tasks start only after a round of zombie fencing.
    pub pending_fencing: BTreeSet<String>,
}

fn properties(config: &ConfigMap) -> Vec<u8> {
    serde_json::to_vec(&json!({ "properties": config })).expect("string maps serialise")
}

/// `connector-<name>`.
pub fn connector_record(name: &str, config: Option<&ConfigMap>) -> Record {
    (format!("connector-{name}").into_bytes(), config.map(properties))
}

/// `target-state-<name>`; STOPPED is written as PAUSED in `state` for older workers.
pub fn target_state_record(name: &str, target: Option<TargetState>) -> Record {
    let value = target.map(|target| {
        let legacy = match target {
            TargetState::Stopped => TargetState::Paused,
            other => other,
        };
        serde_json::to_vec(&json!({"state": legacy.name(), "state.v2": target.name()})).expect("serialises")
    });
    (format!("target-state-{name}").into_bytes(), value)
}

/// `task-<name>-<n>` for every task, then `commit-<name>`.
pub fn task_records(name: &str, tasks: &[ConfigMap]) -> Vec<Record> {
    let mut records: Vec<Record> = tasks
        .iter()
        .enumerate()
        .map(|(id, config)| (format!("task-{name}-{id}").into_bytes(), Some(properties(config))))
        .collect();
    let commit = serde_json::to_vec(&json!({ "tasks": tasks.len() })).expect("serialises");
    records.push((format!("commit-{name}").into_bytes(), Some(commit)));
    records
}

/// `tasks-fencing-<name>`: the tasks of connector `name` before the current `count` are fenced out.
pub fn fencing_record(name: &str, count: usize) -> Record {
    let value = serde_json::to_vec(&json!({ "task-count": count })).expect("serialises");
    (format!("tasks-fencing-{name}").into_bytes(), Some(value))
}

/// `session-key`.
pub fn session_key_record(key: &SessionKey) -> Record {
    use base64::Engine;
    let value = json!({
        "key": base64::engine::general_purpose::STANDARD.encode(&key.key),
        "algorithm": key.algorithm,
        "creation-timestamp": key.created,
    });
    (
        b"session-key".to_vec(),
        Some(serde_json::to_vec(&value).expect("serialises")),
    )
}

/// `restart-connector-<name>`.
pub fn restart_record(name: &str, request: RestartRequest) -> Record {
    let value = json!({"include-tasks": request.include_tasks, "only-failed": request.only_failed});
    (
        format!("restart-connector-{name}").into_bytes(),
        Some(serde_json::to_vec(&value).expect("serialises")),
    )
}

fn config_of(value: &Value) -> Option<ConfigMap> {
    let props = value.get("properties")?.as_object()?;
    Some(
        props
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
            .collect(),
    )
}

/// `<name>-<n>`, split on the last `-`.
fn task_key(rest: &str) -> Option<(&str, u32)> {
    let (name, id) = rest.rsplit_once('-')?;
    Some((name, id.parse().ok()?))
}

impl ConfigSnapshot {
    /// Applies one record read at `offset`. Records kconnect does not know are skipped, and so,
    /// with a warning, are records that are not JSON and connector configs without
    /// `connector.class`: a malformed record never deletes nor replaces what is there.
    pub fn apply(&mut self, offset: i64, key: &str, value: Option<&[u8]>) {
        self.offset = offset + 1;
        let json: Option<Value> = match value.map(serde_json::from_slice::<Value>) {
            None => None,
            Some(Ok(json)) => Some(json),
            Some(Err(err)) => {
                tracing::warn!(key, offset, error = %err, "skipping a config topic record that is not JSON");
                return;
            }
        };
        if let Some(name) = key.strip_prefix("connector-") {
            let Some(json) = json else {
                self.connectors.remove(name);
                self.targets.remove(name);
                self.tasks.remove(name);
                self.pending.remove(name);
                self.pending_fencing.remove(name);
                return;
            };
            match config_of(&json).filter(|config| config.contains_key(CONNECTOR_CLASS)) {
                Some(config) => {
                    self.connectors.insert(name.to_string(), config);
                }
                None => tracing::warn!(
                    connector = name,
                    offset,
                    "skipping a connector config record without properties or connector.class"
                ),
            }
        } else if let Some(name) = key.strip_prefix("target-state-") {
            let state = json.as_ref().and_then(|v| {
                let state = v.get("state.v2").or_else(|| v.get("state"))?;
                state.as_str()?.parse().ok()
            });
            match state {
                Some(state) => self.targets.insert(name.to_string(), state),
                None => self.targets.remove(name),
            };
        } else if let Some(rest) = key.strip_prefix("task-") {
            if let (Some((name, id)), Some(config)) = (task_key(rest), json.as_ref().and_then(config_of)) {
                self.pending.entry(name.to_string()).or_default().insert(id, config);
            }
        } else if let Some(name) = key.strip_prefix("commit-") {
            self.commit(name, json.as_ref().and_then(|v| v.get("tasks")?.as_u64()));
        } else if key == "session-key" {
            self.session_key = json.as_ref().and_then(parse_session_key);
        } else if let Some(name) = key.strip_prefix("tasks-fencing-") {
            match json.as_ref().and_then(|v| v.get("task-count")?.as_u64()) {
                Some(count) => {
                    self.fenced_task_counts.insert(name.to_string(), count);
                    self.pending_fencing.remove(name);
                }
                None => {
                    self.fenced_task_counts.remove(name);
                }
            };
        } else if let Some(name) = key.strip_prefix("restart-connector-")
            && let Some(v) = json
        {
            let flag = |k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
            let request = RestartRequest {
                include_tasks: flag("include-tasks"),
                only_failed: flag("only-failed"),
            };
            self.restarts.push((name.to_string(), request));
        }
    }

    fn commit(&mut self, name: &str, count: Option<u64>) {
        let Some(count) = count else { return };
        let pending = self.pending.remove(name).unwrap_or_default();
        let tasks: Option<Vec<ConfigMap>> = (0..count as u32).map(|id| pending.get(&id).cloned()).collect();
        match tasks {
            Some(tasks) => {
                self.inconsistent.remove(name);
                self.tasks.insert(name.to_string(), tasks);
                self.pending_fencing.insert(name.to_string());
            }
            None => {
                tracing::warn!(connector = %name, "config topic commit names tasks that were not written");
                self.inconsistent.insert(name.to_string());
            }
        }
    }

    /// A connector's target state.
    pub fn target(&self, name: &str) -> TargetState {
        self.targets.get(name).copied().unwrap_or_default()
    }
}

fn parse_session_key(value: &Value) -> Option<SessionKey> {
    use base64::Engine;
    Some(SessionKey {
        key: base64::engine::general_purpose::STANDARD
            .decode(value.get("key")?.as_str()?)
            .ok()?,
        algorithm: value.get("algorithm")?.as_str()?.to_string(),
        created: value.get("creation-timestamp")?.as_i64()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn apply_all(snapshot: &mut ConfigSnapshot, records: Vec<Record>) {
        for (key, value) in records {
            let offset = snapshot.offset;
            snapshot.apply(offset, std::str::from_utf8(&key).unwrap(), value.as_deref());
        }
    }

    #[test]
    fn malformed_connector_records_are_skipped_and_keep_what_was_there() {
        let mut snapshot = ConfigSnapshot::default();
        let good = config(&[("connector.class", "FileStreamSource")]);
        apply_all(&mut snapshot, vec![connector_record("c", Some(&good))]);
        let without_class = connector_record("c", Some(&config(&[("topic", "t")])));
        let not_json = (b"connector-c".to_vec(), Some(b"{not json".to_vec()));
        let no_properties = (b"connector-d".to_vec(), Some(b"{}".to_vec()));
        apply_all(&mut snapshot, vec![without_class, not_json, no_properties]);
        assert_eq!(snapshot.connectors, BTreeMap::from([("c".to_string(), good)]));
        assert_eq!(snapshot.offset, 4, "every record read counts");
        apply_all(&mut snapshot, vec![connector_record("c", None)]);
        assert!(snapshot.connectors.is_empty(), "a tombstone deletes");
    }

    #[test]
    fn records_are_apaches_bytes() {
        let (key, value) = connector_record("c", Some(&config(&[("connector.class", "X"), ("name", "c")])));
        assert_eq!(key, b"connector-c");
        assert_eq!(value.unwrap(), br#"{"properties":{"connector.class":"X","name":"c"}}"#);
        let (_, value) = target_state_record("c", Some(TargetState::Stopped));
        assert_eq!(value.unwrap(), br#"{"state":"PAUSED","state.v2":"STOPPED"}"#);
        let records = task_records("c", &[config(&[("task.class", "T")])]);
        assert_eq!(records[0].0, b"task-c-0");
        assert_eq!(records[1], (b"commit-c".to_vec(), Some(br#"{"tasks":1}"#.to_vec())));
    }

    #[test]
    fn tasks_apply_only_on_a_complete_commit() {
        let mut snapshot = ConfigSnapshot::default();
        apply_all(
            &mut snapshot,
            vec![connector_record("my-conn", Some(&config(&[("connector.class", "X")])))],
        );
        let tasks = vec![config(&[("t", "0")]), config(&[("t", "1")])];
        let mut records = task_records("my-conn", &tasks);
        let commit = records.pop().unwrap();
        apply_all(&mut snapshot, records);
        assert!(snapshot.tasks.is_empty());
        apply_all(&mut snapshot, vec![commit]);
        assert_eq!(snapshot.tasks["my-conn"], tasks);
        assert_eq!(snapshot.offset, 4);
        apply_all(
            &mut snapshot,
            vec![(b"commit-my-conn".to_vec(), Some(br#"{"tasks":3}"#.to_vec()))],
        );
        assert!(snapshot.inconsistent.contains("my-conn"));
        assert_eq!(snapshot.tasks["my-conn"], tasks);
    }

    #[test]
    fn target_states_prefer_v2_and_tombstones_delete() {
        let mut snapshot = ConfigSnapshot::default();
        apply_all(
            &mut snapshot,
            vec![
                connector_record("c", Some(&config(&[("connector.class", "X")]))),
                target_state_record("c", Some(TargetState::Stopped)),
            ],
        );
        assert_eq!(snapshot.target("c"), TargetState::Stopped);
        snapshot.apply(9, "target-state-c", Some(br#"{"state":"PAUSED"}"#));
        assert_eq!(snapshot.target("c"), TargetState::Paused);
        apply_all(&mut snapshot, vec![connector_record("c", None)]);
        assert!(snapshot.connectors.is_empty());
        assert_eq!(snapshot.target("c"), TargetState::Started);
    }

    #[test]
    fn session_keys_and_restarts_round_trip() {
        let mut snapshot = ConfigSnapshot::default();
        let key = SessionKey {
            key: vec![1, 2, 3],
            algorithm: "HmacSHA256".into(),
            created: 42,
        };
        let request = RestartRequest {
            include_tasks: true,
            only_failed: false,
        };
        apply_all(
            &mut snapshot,
            vec![session_key_record(&key), restart_record("c", request)],
        );
        assert_eq!(snapshot.session_key, Some(key));
        assert_eq!(snapshot.restarts, vec![("c".to_string(), request)]);
    }

    #[test]
    fn fencing_records_of_exactly_once_sources_are_read() {
        let mut snapshot = ConfigSnapshot::default();
        snapshot.apply(0, "tasks-fencing-c", Some(br#"{"task-count":3}"#));
        assert_eq!(snapshot.fenced_task_counts["c"], 3);
        assert!(snapshot.tasks.is_empty(), "not mistaken for a task record");
        snapshot.apply(1, "tasks-fencing-c", None);
        assert!(snapshot.fenced_task_counts.is_empty());
        assert_eq!(
            fencing_record("c", 2),
            (b"tasks-fencing-c".to_vec(), Some(br#"{"task-count":2}"#.to_vec()))
        );
    }

    #[test]
    fn new_task_configs_wait_for_a_fencing_record() {
        let mut snapshot = ConfigSnapshot::default();
        let connector = connector_record("c", Some(&config(&[("connector.class", "X")])));
        apply_all(&mut snapshot, vec![connector]);
        apply_all(&mut snapshot, task_records("c", &[config(&[("t", "0")])]));
        assert!(snapshot.pending_fencing.contains("c"));
        apply_all(&mut snapshot, vec![fencing_record("c", 1)]);
        assert!(snapshot.pending_fencing.is_empty());
        apply_all(&mut snapshot, task_records("c", &[config(&[("t", "1")])]));
        assert!(
            snapshot.pending_fencing.contains("c"),
            "each new set of tasks is fenced again"
        );
        apply_all(&mut snapshot, vec![connector_record("c", None)]);
        assert!(snapshot.pending_fencing.is_empty());
    }
}
