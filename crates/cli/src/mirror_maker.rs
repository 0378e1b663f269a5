//! MirrorMaker 2's dedicated-mode configuration (Apache's `connect-mirror-maker.properties`):
//! clusters, `A->B.enabled` flows and per-flow keys, turned into each flow's worker configuration
//! and its connectors' configurations as Apache's `MirrorMakerConfig` builds them.

use std::collections::BTreeSet;

use crate::plugins::mirror::is_client_key;
use kconnect_api::ConfigMap;
use kconnect_api::config::with_prefix;

const BYTE_ARRAY: &str = "org.apache.kafka.connect.converters.ByteArrayConverter";
/// Top-level prefixes a flow's worker takes.
const WORKER_PREFIXES: [&str; 10] = [
    "offset.storage",
    "config.storage",
    "status.storage",
    "key.converter",
    "value.converter",
    "header.converter",
    "task",
    "worker",
    "replication.policy",
    "config.providers",
];

/// A replication flow: from cluster `source` to cluster `target`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flow {
    /// The alias of the cluster records come from.
    pub source: String,
    /// The alias of the cluster they go to, where the flow's worker runs.
    pub target: String,
}

/// A MirrorMaker configuration.
#[derive(Debug, Clone)]
pub struct MirrorMakerConfig {
    raw: ConfigMap,
    clusters: Vec<String>,
}

fn is_role_key(key: &str) -> bool {
    key.starts_with("consumer") || key.starts_with("producer") || key.starts_with("admin")
}

impl MirrorMakerConfig {
    /// The configuration `raw` holds; an error names `clusters` when it lists none.
    pub fn new(raw: ConfigMap) -> anyhow::Result<Self> {
        let clusters: Vec<String> = raw
            .get("clusters")
            .map(|c| {
                c.split(',')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        anyhow::ensure!(clusters.len() >= 2, "clusters: name at least two cluster aliases");
        Ok(Self { raw, clusters })
    }

    fn flag(&self, key: &str) -> Option<bool> {
        self.raw.get(key).map(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// Every flow a herder runs for: the enabled ones (`A->B.enabled=true`), and every other pair
    /// that emits heartbeats (`emit.heartbeats.enabled`, on unless turned off), as Apache's.
    pub fn flows(&self) -> Vec<Flow> {
        let heartbeats = self.flag("emit.heartbeats.enabled").unwrap_or(true);
        let mut flows = BTreeSet::new();
        for source in &self.clusters {
            for target in self.clusters.iter().filter(|t| *t != source) {
                let pair = format!("{source}->{target}.");
                let enabled = self.flag(&format!("{pair}enabled")).unwrap_or(false);
                let beats = self
                    .flag(&format!("{pair}emit.heartbeats.enabled"))
                    .unwrap_or(heartbeats);
                if enabled || beats {
                    flows.insert(Flow {
                        source: source.clone(),
                        target: target.clone(),
                    });
                }
            }
        }
        flows.into_iter().collect()
    }

    /// A cluster's settings (`<alias>.*`), its client keys also given to each client role, and
    /// the top-level client keys under them.
    fn cluster_props(&self, cluster: &str) -> ConfigMap {
        let mut props = with_prefix(&self.raw, &format!("{cluster}."));
        let inherited: Vec<(String, String)> = props
            .iter()
            .filter(|(k, _)| is_client_key(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (key, value) in inherited {
            for role in ["producer.", "consumer.", "admin."] {
                props.entry(format!("{role}{key}")).or_insert_with(|| value.clone());
            }
        }
        for (key, value) in self.raw.iter().filter(|(k, _)| is_client_key(k)) {
            for role in ["producer.", "consumer.", "admin.", ""] {
                props.entry(format!("{role}{key}")).or_insert_with(|| value.clone());
            }
        }
        props
    }

    /// The worker of `flow`: on the target cluster, in group `<source>-mm2`, with the flow's own
    /// internal topics and ByteArrayConverter unless set.
    pub fn worker_config(&self, flow: &Flow) -> ConfigMap {
        let mut props = self.cluster_props(&flow.target);
        for prefix in WORKER_PREFIXES {
            props.extend(
                self.raw
                    .iter()
                    .filter(|(k, _)| k.starts_with(prefix))
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
        }
        let source = &flow.source;
        let defaults = [
            ("client.id", format!("{source}->{}", flow.target)),
            ("group.id", format!("{source}-mm2")),
            ("offset.storage.topic", format!("mm2-offsets.{source}.internal")),
            ("status.storage.topic", format!("mm2-status.{source}.internal")),
            ("config.storage.topic", format!("mm2-configs.{source}.internal")),
            ("key.converter", BYTE_ARRAY.to_string()),
            ("value.converter", BYTE_ARRAY.to_string()),
            ("header.converter", BYTE_ARRAY.to_string()),
        ];
        for (key, value) in defaults {
            props.entry(key.to_string()).or_insert(value);
        }
        props
    }

    /// The configuration of connector `class` of `flow`: the mirror keys set at the top level,
    /// both clusters' settings as `source.cluster.*` / `target.cluster.*` (client roles as
    /// `source.consumer.*` …), then the flow's own `A->B.*` keys; off unless the flow is enabled.
    pub fn connector_config(&self, flow: &Flow, class: &str, mirror_keys: &BTreeSet<String>) -> ConfigMap {
        let mut props: ConfigMap = self
            .raw
            .iter()
            .filter(|(k, _)| {
                mirror_keys.contains(k.as_str())
                    || k.starts_with("config.providers")
                    || k.starts_with("replication.policy")
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (cluster, side) in [(&flow.source, "source"), (&flow.target, "target")] {
            for (key, value) in self.cluster_props(cluster) {
                let name = match is_role_key(&key) {
                    true => format!("{side}.{key}"),
                    false => format!("{side}.cluster.{key}"),
                };
                props.insert(name, value);
            }
        }
        let simple = class.rsplit('.').next().unwrap_or(class);
        props.entry("name".into()).or_insert_with(|| simple.to_string());
        props
            .entry("connector.class".into())
            .or_insert_with(|| class.to_string());
        props
            .entry("source.cluster.alias".into())
            .or_insert_with(|| flow.source.clone());
        props
            .entry("target.cluster.alias".into())
            .or_insert_with(|| flow.target.clone());
        props.extend(with_prefix(&self.raw, &format!("{}->{}.", flow.source, flow.target)));
        props.entry("enabled".into()).or_insert_with(|| "false".into());
        props
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> MirrorMakerConfig {
        MirrorMakerConfig::new(kconnect_api::config::parse_properties(text)).unwrap()
    }

    const MM2: &str = "clusters = A, B\nA.bootstrap.servers = a:9092\nB.bootstrap.servers = b:9092\n\
        A->B.enabled = true\nA->B.topics = orders\nreplication.factor = 1\n\
        B.security.protocol = SSL\nconfig.storage.replication.factor = 1\n";

    #[test]
    fn enabled_flows_and_their_heartbeat_reverses_run() {
        let flows = config(MM2).flows();
        let pairs: Vec<(&str, &str)> = flows.iter().map(|f| (f.source.as_str(), f.target.as_str())).collect();
        assert_eq!(pairs, [("A", "B"), ("B", "A")]);
        let quiet = config(&format!("{MM2}emit.heartbeats.enabled = false\n"));
        assert_eq!(quiet.flows().len(), 1);
        assert!(MirrorMakerConfig::new(ConfigMap::from([("clusters".into(), "A".into())])).is_err());
    }

    #[test]
    fn a_flows_worker_runs_on_its_target_with_its_own_topics() {
        let worker = config(MM2).worker_config(&Flow {
            source: "A".into(),
            target: "B".into(),
        });
        assert_eq!(worker["bootstrap.servers"], "b:9092");
        assert_eq!(worker["security.protocol"], "SSL");
        assert_eq!(worker["group.id"], "A-mm2");
        assert_eq!(worker["offset.storage.topic"], "mm2-offsets.A.internal");
        assert_eq!(worker["config.storage.replication.factor"], "1");
        assert_eq!(worker["header.converter"], BYTE_ARRAY);
    }

    const MIRROR_SOURCE: &str = "org.apache.kafka.connect.mirror.MirrorSourceConnector";

    #[test]
    fn a_connector_gets_both_clusters_and_its_flows_keys() {
        let mm2 = config(MM2);
        let keys: BTreeSet<String> = ["replication.factor".to_string()].into();
        let flow = Flow {
            source: "A".into(),
            target: "B".into(),
        };
        let source = mm2.connector_config(&flow, MIRROR_SOURCE, &keys);
        assert_eq!(source["name"], "MirrorSourceConnector");
        assert_eq!(source["source.cluster.bootstrap.servers"], "a:9092");
        assert_eq!(source["target.cluster.security.protocol"], "SSL");
        assert_eq!(source["target.admin.security.protocol"], "SSL");
        assert_eq!(source["topics"], "orders");
        assert_eq!(source["enabled"], "true");
        assert_eq!(source["replication.factor"], "1");
        let reverse = Flow {
            source: "B".into(),
            target: "A".into(),
        };
        assert_eq!(mm2.connector_config(&reverse, MIRROR_SOURCE, &keys)["enabled"], "false");
    }
}
