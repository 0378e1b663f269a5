//! A Java source task: polled in the JVM, its records carried back as Connect data.

use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::{RecordMetadata, Result, SourceRecord, SourceTask, SourceTaskContext};
use tokio::sync::oneshot;

use crate::codec::{read_offset_map, read_source_record, write_offset_map};
use crate::connector::JavaPlugin;
use crate::error::JavaError;
use crate::pool::Scope;
use crate::protocol::{Handler, Jvm, op};
use crate::wire::{Reader, Writer};

/// The call `Contexts.java` makes to read a committed offset.
const OFFSET: u8 = 1;

/// Answers a source task's offset reads from the runtime's offset store.
struct SourceCalls {
    context: Arc<dyn SourceTaskContext>,
}

impl Handler for SourceCalls {
    fn event(&self, event: u8, _payload: &mut Reader<'_>) -> Result<(), JavaError> {
        Err(JavaError::Protocol(format!("unknown source task event {event}")))
    }

    fn call(&self, call: u8, payload: &mut Reader<'_>) -> Result<Writer, JavaError> {
        if call != OFFSET {
            return Err(JavaError::Protocol(format!("unknown source task call {call}")));
        }
        let partition = read_offset_map(payload)?.unwrap_or_default();
        let mut answer = Writer::new();
        match self.context.offset_storage_reader().offset(&partition) {
            Some(offset) => write_offset_map(&mut answer, &offset),
            None => {
                answer.u8(0);
            }
        }
        Ok(answer)
    }
}

type Answer = oneshot::Receiver<Result<Vec<u8>, JavaError>>;

/// A source task running in the JVM.
pub struct JavaSourceTask {
    plugin: JavaPlugin,
    running: Option<(Arc<Jvm>, u64)>,
    /// Records Kafka acknowledged since the last request, in the order they were polled: the
    /// JVM hands them to the task's `commitRecord` with the next request.
    acknowledged: Vec<Option<RecordMetadata>>,
    /// A poll sent and not yet answered: `poll` is cancel-safe, so a poll dropped by the runtime
    /// is picked up, not lost, by the next.
    in_flight: Option<Answer>,
}

impl JavaSourceTask {
    /// An unstarted task of `plugin`.
    pub fn new(plugin: JavaPlugin) -> Self {
        Self {
            plugin,
            running: None,
            acknowledged: Vec::new(),
            in_flight: None,
        }
    }

    fn running(&self) -> Result<&(Arc<Jvm>, u64), JavaError> {
        self.running
            .as_ref()
            .ok_or_else(|| JavaError::Protocol("the task is not started".into()))
    }

    /// A request about this task carrying the acknowledged records.
    fn request_with_acks(&mut self) -> Result<Writer, JavaError> {
        let handle = self.running()?.1;
        let mut request = Writer::new();
        request.i64(handle as i64).count(self.acknowledged.len());
        for metadata in self.acknowledged.drain(..) {
            request.bool(metadata.is_some());
            if let Some(metadata) = metadata {
                request
                    .string(&metadata.topic)
                    .i32(metadata.partition)
                    .i64(metadata.offset);
            }
        }
        Ok(request)
    }
}

#[async_trait]
impl SourceTask for JavaSourceTask {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let (scope, config) = Scope::of_task(context.configs());
        let jvm = self.plugin.pool.jvm(&scope)?;
        let calls = Arc::new(SourceCalls { context });
        let handle = jvm.start(op::SOURCE_START, calls, &self.plugin.class, &config).await?;
        self.running = Some((jvm, handle));
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        if self.in_flight.is_none() {
            let request = self.request_with_acks()?;
            self.in_flight = Some(self.running()?.0.send(op::SOURCE_POLL, request)?);
        }
        let answer = match self.in_flight.as_mut() {
            Some(in_flight) => in_flight.await,
            None => return Ok(Vec::new()),
        };
        self.in_flight = None;
        let bytes = answer.unwrap_or_else(|_| Err(JavaError::Gone("the JVM went away mid-poll".into())))?;
        let mut input = Reader::new(&bytes);
        let records = (0..input.count()?)
            .map(|_| read_source_record(&mut input))
            .collect::<Result<Vec<_>, JavaError>>()?;
        Ok(records)
    }

    async fn commit(&mut self) -> Result<()> {
        let request = self.request_with_acks()?;
        self.running()?.0.request(op::SOURCE_COMMIT, request).await?;
        Ok(())
    }

    async fn commit_record(&mut self, _record: &SourceRecord, metadata: Option<RecordMetadata>) -> Result<()> {
        self.acknowledged.push(metadata);
        Ok(())
    }

    async fn stop(&mut self) -> Result<()> {
        let Some((jvm, handle)) = self.running.take() else {
            return Ok(());
        };
        Ok(jvm.stop(op::TASK_STOP, handle).await?)
    }
}
