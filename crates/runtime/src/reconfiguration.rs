//! Connectors that asked for their task configurations to be computed again
//! (`ConnectorContext::request_task_reconfiguration`), waiting for their herder to do it.

use std::collections::BTreeSet;
use std::sync::Mutex;

use tokio::sync::Notify;

/// The connectors whose requests the herder has not yet taken.
#[derive(Debug, Default)]
pub struct TaskReconfigurations {
    pending: Mutex<BTreeSet<String>>,
    requested: Notify,
}

impl TaskReconfigurations {
    /// Records that `connector` wants its task configurations computed again; repeated requests
    /// before the herder gets to them count once.
    pub fn request(&self, connector: &str) {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(connector.to_string());
        self.requested.notify_one();
    }

    /// Waits until at least one connector asked, and takes every request made so far.
    pub async fn next(&self) -> BTreeSet<String> {
        loop {
            let taken = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
            if !taken.is_empty() {
                return taken;
            }
            self.requested.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_made_before_the_herder_waits_are_taken_once_each() {
        let requests = TaskReconfigurations::default();
        requests.request("jdbc");
        requests.request("jdbc");
        requests.request("files");
        let taken: Vec<String> = requests.next().await.into_iter().collect();
        assert_eq!(taken, ["files", "jdbc"]);
        let again = tokio::time::timeout(std::time::Duration::from_millis(50), requests.next()).await;
        assert!(again.is_err(), "nothing more was asked");
    }

    #[tokio::test]
    async fn a_waiting_herder_wakes_on_a_request() {
        let requests = std::sync::Arc::new(TaskReconfigurations::default());
        let waiter = tokio::spawn({
            let requests = requests.clone();
            async move { requests.next().await }
        });
        tokio::task::yield_now().await;
        requests.request("jdbc");
        let taken = tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await;
        assert_eq!(taken.unwrap().unwrap().into_iter().collect::<Vec<_>>(), ["jdbc"]);
    }
}
