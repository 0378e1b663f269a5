//! Task configurations that tell each task its number, for systems where the number names
//! something on the server (an MQTT client id, a Redis stream consumer).

use kconnect_api::ConfigMap;

/// `count` (at least one) copies of `raw`, each with its task number (0, 1, …) under `key`.
pub(crate) fn numbered_tasks(raw: &ConfigMap, count: usize, key: &str) -> Vec<ConfigMap> {
    (0..count.max(1))
        .map(|task| {
            let mut config = raw.clone();
            config.insert(key.into(), task.to_string());
            config
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_task_gets_its_number_and_at_least_one_task_runs() {
        let raw: ConfigMap = [("a".to_string(), "b".to_string())].into();
        let configs = numbered_tasks(&raw, 2, "n");
        assert_eq!(configs.len(), 2);
        assert_eq!(configs[1]["n"], "1");
        assert_eq!(configs[0]["a"], "b");
        assert_eq!(numbered_tasks(&raw, 0, "n").len(), 1);
    }
}
