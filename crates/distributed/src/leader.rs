//! Leader duties: the session key, and task configurations (computed by a connector's owner, written
//! to the config topic only by the leader; followers send them over signed internal requests).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kconnect_api::record::now_millis;
use kconnect_runtime::{ConfigMap, RuntimeError};

use crate::cluster::Cluster;
use crate::config_records::{SessionKey, session_key_record, task_records};
use crate::signing::{ALGORITHM, ALGORITHM_HEADER, SIGNATURE_HEADER, sign};
use crate::work::NewTaskConfigs;

/// The first wait before task configurations are sent again; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Numbers each connector's task-configuration submissions, so that a retry stops once a newer
/// submission for the same connector exists and can never write stale configurations over it.
#[derive(Default)]
pub struct TaskSubmissions(Mutex<BTreeMap<String, u64>>);

impl TaskSubmissions {
    fn next(&self, name: &str) -> u64 {
        let mut latest = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let number = latest.entry(name.to_string()).or_default();
        *number += 1;
        *number
    }

    fn is_latest(&self, name: &str, number: u64) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(name) == Some(&number)
    }
}

/// Writes a new session key when there is none or it is older than `inter.worker.key.ttl.ms`.
pub async fn ensure_session_key(cluster: &Cluster) {
    let ttl = cluster.settings.key_ttl.as_millis() as i64;
    let current = cluster.snapshot().session_key;
    if current.is_some_and(|key| now_millis() - key.created < ttl) {
        return;
    }
    let mut key = Vec::with_capacity(32);
    key.extend(uuid::Uuid::new_v4().as_bytes());
    key.extend(uuid::Uuid::new_v4().as_bytes());
    let record = session_key_record(&SessionKey {
        key,
        algorithm: ALGORITHM.to_string(),
        created: now_millis(),
    });
    match cluster.write_config(vec![record]).await {
        Ok(()) => tracing::info!("wrote a new session key"),
        Err(err) => tracing::warn!(error = %err, "could not write a session key"),
    }
}

/// Writes `tasks` of connector `name` unless the config topic already has exactly them (leader only).
pub async fn write_task_configs(cluster: &Cluster, name: &str, tasks: Vec<ConfigMap>) -> Result<(), RuntimeError> {
    let snapshot = cluster.snapshot();
    if !snapshot.connectors.contains_key(name) {
        return Err(RuntimeError::NotFound(name.to_string()));
    }
    if snapshot.tasks.get(name) == Some(&tasks) {
        return Ok(());
    }
    tracing::info!(connector = %name, tasks = tasks.len(), "writing task configurations");
    cluster.write_config(task_records(name, &tasks)).await
}

/// Sends new task configurations to the leader in the background: written directly when this
/// worker leads, else by a signed `POST /connectors/{c}/tasks`. They are sent again, with
/// exponential back-off, until accepted, unless the connector is deleted, newer configurations
/// for it are submitted, or the worker stops.
pub fn submit_task_configs(cluster: &Arc<Cluster>, publish: NewTaskConfigs) {
    for (name, tasks) in publish {
        let number = cluster.task_submissions.next(&name);
        let cluster = cluster.clone();
        tokio::spawn(async move {
            let mut backoff = FIRST_BACKOFF;
            let wanted = |cluster: &Cluster| {
                cluster.task_submissions.is_latest(&name, number)
                    && !cluster.stop.is_cancelled()
                    && cluster.snapshot().connectors.contains_key(&name)
            };
            for attempt in 1.. {
                if !wanted(&cluster) {
                    return;
                }
                match submit(&cluster, &name, tasks.clone()).await {
                    Ok(()) => return,
                    Err(err) => {
                        tracing::warn!(connector = %name, attempt, retry_in_ms = backoff.as_millis() as u64, error = %err, "task configurations not accepted yet");
                        tokio::select! {
                            () = tokio::time::sleep(backoff) => {}
                            () = cluster.stop.cancelled() => return,
                        }
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                }
            }
        });
    }
}

async fn submit(cluster: &Cluster, name: &str, tasks: Vec<ConfigMap>) -> Result<(), RuntimeError> {
    if cluster.leader().is_me {
        return write_task_configs(cluster, name, tasks).await;
    }
    let body = serde_json::to_vec(&tasks).map_err(|err| RuntimeError::BadRequest(err.to_string()))?;
    call_leader(
        cluster,
        reqwest::Method::POST,
        &format!("connectors/{name}/tasks?forward=false"),
        body,
    )
    .await
}

/// Sends an internal request, signed with the session key, to the leader's REST `path`; an answer
/// other than success is an error that quotes it.
pub async fn call_leader(
    cluster: &Cluster,
    method: reqwest::Method,
    path: &str,
    body: Vec<u8>,
) -> Result<(), RuntimeError> {
    let url = cluster
        .leader()
        .url
        .ok_or_else(|| RuntimeError::Kafka("the group has no leader yet".into()))?;
    let key = cluster
        .snapshot()
        .session_key
        .ok_or_else(|| RuntimeError::Kafka("no session key to sign with yet".into()))?;
    let response = cluster
        .http
        .request(method, format!("{}/{path}", url.trim_end_matches('/')))
        .header("Content-Type", "application/json")
        .header(SIGNATURE_HEADER, sign(&key, &body))
        .header(ALGORITHM_HEADER, ALGORITHM)
        .body(body)
        .send()
        .await
        .map_err(|err| RuntimeError::Kafka(format!("leader {url}: {err}")))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(RuntimeError::Kafka(format!(
            "leader {url} answered {}: {}",
            response.status(),
            response.text().await.unwrap_or_default()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_submission_of_a_connector_is_current() {
        let submissions = TaskSubmissions::default();
        let first = submissions.next("c");
        let other = submissions.next("d");
        assert!(submissions.is_latest("c", first) && submissions.is_latest("d", other));
        let second = submissions.next("c");
        assert!(!submissions.is_latest("c", first));
        assert!(submissions.is_latest("c", second));
    }
}
