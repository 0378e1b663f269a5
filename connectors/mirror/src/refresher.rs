//! What a mirror connector looks up on the clusters and keeps up to date: the source connector its
//! topic-partitions, the checkpoint connector its consumer groups. The first lookup is waited for
//! (at most `admin.timeout.ms`); a failed one is tried again every 5 seconds, and a successful one
//! every refresh interval, asking the runtime for new task configurations when the set changed.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kconnect_api::{ConfigMap, ConnectorContext, Result};
use tokio::task::JoinHandle;

use crate::config::TASK_INDEX;

/// How soon a lookup that failed is tried again.
const RETRY: Duration = Duration::from_secs(5);

/// A set a connector's task configurations are made of, found by looking it up.
pub(crate) struct Found<T>(Arc<Mutex<BTreeSet<T>>>);

impl<T> Default for Found<T> {
    fn default() -> Self {
        Self(Arc::default())
    }
}

impl<T: Ord + Clone + Send + std::fmt::Debug + 'static> Found<T> {
    /// The set as last found.
    pub fn get(&self) -> BTreeSet<T> {
        self.0.lock().expect("found set").clone()
    }

    /// Whether `found` differs from the set, which it then becomes.
    fn replace(&self, found: BTreeSet<T>) -> bool {
        let mut set = self.0.lock().expect("found set");
        let changed = *set != found;
        *set = found;
        changed
    }

    /// Looks the set up with `find` within `timeout`, then keeps it fresh in the background every
    /// `every` (never when `None`, once a lookup succeeded).
    pub async fn keep_fresh<F, Fut>(
        &self,
        what: &'static str,
        timeout: Duration,
        every: Option<Duration>,
        context: Arc<dyn ConnectorContext>,
        find: F,
    ) -> JoinHandle<()>
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = Result<BTreeSet<T>>> + Send,
    {
        let loaded = match tokio::time::timeout(timeout, find()).await {
            Ok(Ok(found)) => {
                tracing::info!(count = found.len(), "found the {what}");
                self.replace(found);
                true
            }
            Ok(Err(err)) => {
                tracing::warn!(%err, "could not find the {what}; trying again shortly");
                false
            }
            Err(_) => {
                tracing::warn!("finding the {what} timed out; trying again shortly");
                false
            }
        };
        let set = Found(self.0.clone());
        tokio::spawn(async move {
            let mut loaded = loaded;
            loop {
                let wait = match (loaded, every) {
                    (false, _) => RETRY,
                    (true, Some(every)) => every,
                    (true, None) => return,
                };
                tokio::time::sleep(wait).await;
                match find().await {
                    Ok(found) => {
                        loaded = true;
                        if set.replace(found) {
                            tracing::info!("the {what} changed");
                            context.request_task_reconfiguration();
                        }
                    }
                    Err(err) => tracing::warn!(%err, "could not look up the {what}"),
                }
            }
        })
    }
}

/// Deals `items` to at most `max_tasks` tasks round-robin, as Apache deals partitions and groups.
pub(crate) fn round_robin<T: Clone>(items: &BTreeSet<T>, max_tasks: usize) -> Vec<Vec<T>> {
    let tasks = max_tasks.min(items.len());
    let mut dealt = vec![Vec::new(); tasks];
    for (index, item) in items.iter().enumerate() {
        dealt[index % tasks].push(item.clone());
    }
    dealt
}

/// One task configuration per list of `dealt`: the connector's `originals` with the list under
/// `key` (comma-separated) and the task's number under `task.index`.
pub(crate) fn task_configs(originals: &ConfigMap, key: &str, dealt: Vec<Vec<String>>) -> Vec<ConfigMap> {
    dealt
        .into_iter()
        .enumerate()
        .map(|(index, items)| {
            let mut task = originals.clone();
            task.insert(key.into(), items.join(","));
            task.insert(TASK_INDEX.into(), index.to_string());
            task
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_dealt_in_turn_to_no_more_tasks_than_items() {
        let items: BTreeSet<i32> = (0..5).collect();
        assert_eq!(round_robin(&items, 3), [vec![0, 3], vec![1, 4], vec![2]]);
        assert_eq!(round_robin(&items, 10).len(), 5);
        assert!(round_robin(&BTreeSet::<i32>::new(), 2).is_empty());
    }
}
