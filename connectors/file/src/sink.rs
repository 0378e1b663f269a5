//! FileStreamSink: appends the value of each record, one per line, to a file (or standard output).

use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::sink::CommitOffsets;
use kconnect_api::{
    ConfigDef, ConfigMap, Connector, ConnectorContext, Result, SinkConnector, SinkRecord, SinkTask, SinkTaskContext,
};
use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};

use crate::config::SinkConfig;

/// `org.apache.kafka.connect.file.FileStreamSinkConnector`: `tasks.max` identical tasks.
#[derive(Debug, Default)]
pub struct FileStreamSinkConnector {
    config: ConfigMap,
}

#[async_trait]
impl Connector for FileStreamSinkConnector {
    fn config_def(&self) -> ConfigDef {
        SinkConfig::definition()
    }

    async fn start(&mut self, _context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        SinkConfig::parse(&config)?;
        self.config = config;
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        Ok(vec![self.config.clone(); max_tasks])
    }

    /// The sink keeps no offsets of its own: the consumer group's are the whole story.
    fn alter_offsets(
        &self,
        _config: &ConfigMap,
        _offsets: &[(kconnect_api::OffsetMap, Option<kconnect_api::OffsetMap>)],
    ) -> Result<bool> {
        Ok(true)
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SinkConnector for FileStreamSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(FileStreamSinkTask::default())
    }
}

/// The task writing the file.
#[derive(Default)]
pub struct FileStreamSinkTask {
    output: Option<BufWriter<Box<dyn AsyncWrite + Send + Unpin>>>,
}

#[async_trait]
impl SinkTask for FileStreamSinkTask {
    async fn start(&mut self, context: Arc<dyn SinkTaskContext>) -> Result<()> {
        let output: Box<dyn AsyncWrite + Send + Unpin> = match SinkConfig::parse(context.configs())?.file {
            Some(filename) => Box::new(
                tokio::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(filename)
                    .await?,
            ),
            None => Box::new(tokio::io::stdout()),
        };
        self.output = Some(BufWriter::new(output));
        Ok(())
    }

    async fn put(&mut self, records: &[SinkRecord]) -> Result<()> {
        let Some(output) = self.output.as_mut() else {
            return Ok(());
        };
        let mut text = String::new();
        for record in records {
            use std::fmt::Write;
            let _ = writeln!(text, "{}", record.value.value);
        }
        output.write_all(text.as_bytes()).await?;
        // Make each batch visible at once, as Apache's PrintStream does line by line.
        output.flush().await?;
        Ok(())
    }

    async fn flush(&mut self, _offsets: &CommitOffsets) -> Result<()> {
        if let Some(output) = self.output.as_mut() {
            output.flush().await?;
        }
        Ok(())
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(mut output) = self.output.take() {
            output.flush().await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::record::TimestampType;
    use kconnect_api::{RecordCore, Schema, SchemaAndValue, Value};

    use super::*;

    fn record(value: Value, offset: i64) -> SinkRecord {
        let core = RecordCore::new("t", SchemaAndValue::new(Some(Schema::optional_string()), value));
        SinkRecord::new(core, 0, offset, TimestampType::CreateTime)
    }

    #[tokio::test]
    async fn appends_one_line_per_record_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "existing\n").unwrap();
        let configs: ConfigMap = [("file".to_string(), path.display().to_string())].into();
        let mut task = FileStreamSinkTask::default();
        task.start(kconnect_runtime::task_context::SinkContext::new(configs))
            .await
            .unwrap();
        task.put(&[
            record("a".into(), 0),
            record(Value::Null, 1),
            record(Value::Int32(3), 2),
        ])
        .await
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "existing\na\nnull\n3\n",
            "visible after put"
        );
        task.stop().await.unwrap();
    }
}
