//! A task log kept in a file, one value per line, as Debezium's `FileSchemaHistory` keeps its
//! history (`schema.history.internal.file.filename`): what a standalone worker without a Kafka
//! topic of its own uses. Appends are synced before they count as stored.

use std::io::Write;
use std::path::PathBuf;

use async_trait::async_trait;
use kconnect_api::{ConnectError, Result, TopicLog};

/// The log in one file.
#[derive(Debug, Clone)]
pub struct FileLog {
    path: PathBuf,
}

impl FileLog {
    /// The log in `path` (created on the first append).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    fn failed(&self, doing: &str, err: std::io::Error) -> ConnectError {
        ConnectError::Retriable(format!("{doing} {}: {err}", self.path.display()))
    }
}

#[async_trait]
impl TopicLog for FileLog {
    async fn read_all(&self) -> Result<Vec<Vec<u8>>> {
        match tokio::fs::read(&self.path).await {
            Ok(bytes) => Ok(bytes
                .split(|b| *b == b'\n')
                .filter(|line| !line.is_empty())
                .map(<[u8]>::to_vec)
                .collect()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(err) => Err(self.failed("reading", err)),
        }
    }

    async fn append(&self, values: Vec<Vec<u8>>) -> Result<()> {
        let log = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log.path)
                .map_err(|err| log.failed("opening", err))?;
            let mut lines = Vec::new();
            for value in values {
                lines.extend(value);
                lines.push(b'\n');
            }
            file.write_all(&lines).map_err(|err| log.failed("writing", err))?;
            file.sync_data().map_err(|err| log.failed("syncing", err))
        })
        .await
        .map_err(|err| ConnectError::Fatal(format!("writing a task log: {err}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_are_read_back_in_order_after_appends() {
        let dir = tempfile::tempdir().unwrap();
        let log = FileLog::new(dir.path().join("history.dat"));
        assert!(log.read_all().await.unwrap().is_empty(), "no file yet: nothing written");
        log.append(vec![b"{\"a\":1}".to_vec(), b"{\"b\":2}".to_vec()])
            .await
            .unwrap();
        log.append(vec![b"{\"c\":3}".to_vec()]).await.unwrap();
        let read = log.read_all().await.unwrap();
        assert_eq!(
            read,
            [b"{\"a\":1}".to_vec(), b"{\"b\":2}".to_vec(), b"{\"c\":3}".to_vec()]
        );
    }
}
