//! FileStreamSource: streams the lines of a file (or standard input) into a topic.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, Connector, ConnectorContext, ExactlyOnceSupport, OffsetMap, RecordCore, Result,
    Schema, SchemaAndValue, SourceConnector, SourceRecord, SourceTask, SourceTaskContext, Value,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt};

use crate::config::{FILE_CONFIG, SourceConfig};

const FILENAME_FIELD: &str = "filename";
const POSITION_FIELD: &str = "position";
/// How long a poll waits when the file has no new complete line.
const IDLE_WAIT: Duration = Duration::from_millis(100);
const READ_CHUNK: usize = 64 * 1024;
/// The longest line the task holds in memory (16 MiB, beyond any broker's default record size): a
/// longer one fails the task, or is skipped with `errors.tolerance=all`.
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
const ERRORS_TOLERANCE: &str = "errors.tolerance";

/// `org.apache.kafka.connect.file.FileStreamSourceConnector`: always one task.
#[derive(Debug, Default)]
pub struct FileStreamSourceConnector {
    config: ConfigMap,
}

#[async_trait]
impl Connector for FileStreamSourceConnector {
    fn config_def(&self) -> ConfigDef {
        SourceConfig::definition()
    }

    async fn start(&mut self, _context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        SourceConfig::parse(&config)?;
        self.config = config;
        Ok(())
    }

    fn task_configs(&self, _max_tasks: usize) -> Result<Vec<ConfigMap>> {
        Ok(vec![self.config.clone()])
    }

    /// Accepts only `{"position": <non-negative integer>}` offsets, as Apache's.
    fn alter_offsets(&self, _config: &ConfigMap, offsets: &[(OffsetMap, Option<OffsetMap>)]) -> Result<bool> {
        for (_, offset) in offsets {
            if let Some(offset) = offset {
                let position = offset.get(POSITION_FIELD).ok_or_else(|| {
                    ConnectError::config(
                        POSITION_FIELD,
                        "Offset objects should either be null or contain the key 'position'",
                    )
                })?;
                if position.as_u64().is_none() {
                    return Err(ConnectError::config(
                        POSITION_FIELD,
                        "The value for the 'position' key in the offset is expected to be a non-negative Long value",
                    ));
                }
            }
        }
        Ok(true)
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SourceConnector for FileStreamSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(FileStreamSourceTask::default())
    }

    /// As Apache's: a file (appended to only) delivers each line once, its position being the
    /// offset written with it; standard input, which keeps no offset, cannot.
    fn exactly_once_support(&self, config: &ConfigMap) -> Option<ExactlyOnceSupport> {
        let file = config.get(FILE_CONFIG).map(|f| f.trim()).unwrap_or_default();
        Some(match file.is_empty() {
            false => ExactlyOnceSupport::Supported,
            true => ExactlyOnceSupport::Unsupported,
        })
    }
}

/// The task reading the file.
#[derive(Default)]
pub struct FileStreamSourceTask {
    filename: Option<String>,
    topic: String,
    batch_size: usize,
    input: Option<Box<dyn AsyncRead + Send + Unpin>>,
    /// Bytes read but not yet emitted as complete lines.
    pending: Vec<u8>,
    /// Byte offset in the file of the first byte of `pending`.
    position: u64,
    /// Scratch space for one read, kept apart from `pending` so a cancelled poll loses nothing.
    chunk: Vec<u8>,
    context: Option<Arc<dyn SourceTaskContext>>,
    /// The source partition of every record.
    partition: Arc<OffsetMap>,
    /// The longest line kept; see [`MAX_LINE_BYTES`].
    max_line_bytes: usize,
    /// Whether a line longer than `max_line_bytes` is skipped (`errors.tolerance=all`) rather than
    /// failing the task.
    skip_long_lines: bool,
    /// Skipping the rest of a line that was too long, up to its newline.
    skipping: bool,
}

impl FileStreamSourceTask {
    /// `{"filename": <file or null>}`, shared by every record of the task.
    fn partition_of(filename: Option<&str>) -> Arc<OffsetMap> {
        let mut partition = OffsetMap::new();
        partition.insert(FILENAME_FIELD.into(), filename.into());
        Arc::new(partition)
    }

    /// Opens the input, positioned after the last committed line; `None` while the file does not
    /// exist yet.
    async fn open(&mut self, context: &dyn SourceTaskContext) -> Result<()> {
        let Some(filename) = self.filename.clone() else {
            self.input = Some(Box::new(tokio::io::stdin()));
            return Ok(());
        };
        let mut file = match tokio::fs::File::open(&filename).await {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(file = %filename, "couldn't find file for FileStreamSourceTask, sleeping to wait for it to be created");
                return Ok(());
            }
            Err(err) => return Err(err.into()),
        };
        let committed = context.offset_storage_reader().offset(&self.partition);
        if let Some(position) = committed.as_ref().and_then(|offset| offset.get(POSITION_FIELD)) {
            let position = position
                .as_u64()
                .ok_or_else(|| ConnectError::data(format!("Offset position is the incorrect type: {position}")))?;
            tracing::debug!(file = %filename, position, "found previous offset, skipping to it");
            file.seek(std::io::SeekFrom::Start(position)).await?;
            self.position = position;
        }
        self.input = Some(Box::new(file));
        Ok(())
    }

    /// Adds `read` bytes to the pending ones, dropping the rest of a line being skipped; a line
    /// that grows past `max_line_bytes` fails, or is skipped when errors are tolerated.
    fn add_pending(&mut self, read: &[u8]) -> Result<()> {
        let mut read = read;
        if self.skipping {
            let Some(newline) = read.iter().position(|b| *b == b'\n') else {
                self.position += read.len() as u64;
                return Ok(());
            };
            self.position += newline as u64 + 1;
            read = &read[newline + 1..];
            self.skipping = false;
        }
        self.pending.extend_from_slice(read);
        let last_line = self.pending.iter().rposition(|b| *b == b'\n').map_or(0, |n| n + 1);
        let partial = self.pending.len() - last_line;
        if partial <= self.max_line_bytes || last_line > 0 {
            return Ok(());
        }
        let start = self.position;
        if !self.skip_long_lines {
            return Err(ConnectError::data(format!(
                "the line at byte {start} is longer than {} bytes; set errors.tolerance=all to skip such lines",
                self.max_line_bytes
            )));
        }
        tracing::error!(
            position = start,
            limit = self.max_line_bytes,
            "skipping a line longer than the limit"
        );
        self.position += self.pending.len() as u64;
        self.pending.clear();
        self.skipping = true;
        Ok(())
    }

    /// Takes up to `batch_size` complete lines from the pending bytes.
    fn take_lines(&mut self) -> Vec<SourceRecord> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let mut records = Vec::new();
        let mut consumed = 0;
        while records.len() < self.batch_size {
            let Some(newline) = self.pending[consumed..].iter().position(|b| *b == b'\n') else {
                break;
            };
            let end = consumed + newline;
            let line_end = if end > consumed && self.pending[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            let bytes = &self.pending[consumed..line_end];
            let line = match std::str::from_utf8(bytes) {
                Ok(text) => text.to_owned(),
                Err(_) => String::from_utf8_lossy(bytes).into_owned(),
            };
            consumed = end + 1;
            let mut offset = OffsetMap::new();
            offset.insert(POSITION_FIELD.into(), (self.position + consumed as u64).into());
            let mut core = RecordCore::new(
                self.topic.clone(),
                SchemaAndValue::new(Some(Schema::string()), Value::String(line)),
            );
            core.timestamp = Some(now);
            records.push(SourceRecord::new(self.partition.clone(), offset, core));
        }
        self.pending.drain(..consumed);
        self.position += consumed as u64;
        records
    }
}

#[async_trait]
impl SourceTask for FileStreamSourceTask {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let config = SourceConfig::parse(context.configs())?;
        self.partition = Self::partition_of(config.file.as_deref());
        self.filename = config.file;
        self.topic = config.topic;
        self.batch_size = config.batch_size;
        self.max_line_bytes = MAX_LINE_BYTES;
        self.skip_long_lines = context
            .configs()
            .get(ERRORS_TOLERANCE)
            .is_some_and(|tolerance| tolerance.trim() == "all");
        self.chunk = vec![0; READ_CHUNK];
        self.open(context.as_ref()).await?;
        self.context = Some(context);
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        if self.input.is_none() {
            if let Some(context) = self.context.clone() {
                self.open(context.as_ref()).await?;
            }
            if self.input.is_none() {
                tokio::time::sleep(IDLE_WAIT).await;
                return Ok(Vec::new());
            }
        }
        loop {
            let records = self.take_lines();
            if !records.is_empty() {
                return Ok(records);
            }
            let input = self.input.as_mut().expect("input opened above");
            let read = input.read(&mut self.chunk).await?;
            let chunk = std::mem::take(&mut self.chunk);
            let added = self.add_pending(&chunk[..read]);
            self.chunk = chunk;
            added?;
            if read == 0 {
                tokio::time::sleep(IDLE_WAIT).await;
                return Ok(Vec::new());
            }
        }
    }

    async fn stop(&mut self) -> Result<()> {
        self.input = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    struct Committed(Option<OffsetMap>);

    impl kconnect_api::OffsetStorageReader for Committed {
        fn offset(&self, _partition: &OffsetMap) -> Option<OffsetMap> {
            self.0.clone()
        }
    }

    async fn started(file: &std::path::Path, committed: Option<u64>, batch: &str) -> FileStreamSourceTask {
        started_with(file, committed, batch, "none").await
    }

    async fn started_with(
        file: &std::path::Path,
        committed: Option<u64>,
        batch: &str,
        tolerance: &str,
    ) -> FileStreamSourceTask {
        let configs: ConfigMap = [
            ("file", file.display().to_string()),
            ("topic", "t".into()),
            ("batch.size", batch.into()),
            ("errors.tolerance", tolerance.into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let offset = committed.map(|position| {
            let mut offset = OffsetMap::new();
            offset.insert(POSITION_FIELD.into(), position.into());
            offset
        });
        let mut task = FileStreamSourceTask::default();
        let context = kconnect_runtime::task_context::SourceContext::new(configs, Arc::new(Committed(offset)));
        task.start(context).await.unwrap();
        task
    }

    fn lines(records: &[SourceRecord]) -> Vec<String> {
        records.iter().map(|r| r.value.value.to_string()).collect()
    }

    #[tokio::test]
    async fn emits_complete_lines_with_byte_positions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, "one\r\ntwo\nthr").unwrap();
        let mut task = started(&path, None, "10").await;
        let records = task.poll().await.unwrap();
        assert_eq!(lines(&records), ["one", "two"]);
        assert_eq!(records[0].source_partition["filename"], path.display().to_string());
        assert_eq!(records[0].source_offset["position"], 5);
        assert_eq!(records[1].source_offset["position"], 9);
        assert_eq!(records[0].value.schema, Some(Schema::string()));
        assert!(
            task.poll().await.unwrap().is_empty(),
            "a partial line waits for its newline"
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"ee\n")
            .unwrap();
        let records = task.poll().await.unwrap();
        assert_eq!(lines(&records), ["three"]);
        assert_eq!(records[0].source_offset["position"], 15);
    }

    #[tokio::test]
    async fn resumes_after_the_committed_position_and_honours_batch_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, "a\nb\nc\nd\n").unwrap();
        let mut task = started(&path, Some(2), "2").await;
        assert_eq!(lines(&task.poll().await.unwrap()), ["b", "c"]);
        assert_eq!(lines(&task.poll().await.unwrap()), ["d"]);
    }

    #[tokio::test]
    async fn waits_for_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("later.txt");
        let mut task = started(&path, None, "10").await;
        assert!(task.poll().await.unwrap().is_empty());
        std::fs::write(&path, "late\n").unwrap();
        assert_eq!(lines(&task.poll().await.unwrap()), ["late"]);
    }

    #[tokio::test]
    async fn a_line_over_the_limit_fails_the_task_unless_errors_are_tolerated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, "ok\nthis line is too long\nafter\n").unwrap();
        let mut task = started(&path, None, "10").await;
        task.max_line_bytes = 8;
        task.chunk = vec![0; 4];
        assert_eq!(lines(&task.poll().await.unwrap()), ["ok"]);
        let err = task.poll().await.unwrap_err().to_string();
        assert!(err.contains("byte 3") && err.contains("errors.tolerance=all"), "{err}");

        let mut task = started_with(&path, None, "10", "all").await;
        task.max_line_bytes = 8;
        task.chunk = vec![0; 4];
        let mut seen = Vec::new();
        for _ in 0..20 {
            seen.extend(task.poll().await.unwrap());
            if seen.len() == 2 {
                break;
            }
        }
        assert_eq!(lines(&seen), ["ok", "after"]);
        assert_eq!(
            seen[1].source_offset["position"], 31,
            "positions count the skipped bytes"
        );
    }
}
