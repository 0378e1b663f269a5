//! A Java sink task: records written by the JVM's task, its context's requests answered by the
//! runtime.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::sink::CommitOffsets;
use kconnect_api::{ConnectError, Result, SinkRecord, SinkTask, SinkTaskContext, TopicPartition};

use crate::codec::{
    read_partition_offsets, read_partitions, write_partition_offsets, write_partitions, write_sink_record,
};
use crate::connector::JavaPlugin;
use crate::error::JavaError;
use crate::pool::Scope;
use crate::protocol::{Handler, Jvm, op};
use crate::wire::{Reader, Writer};

/// The events `Contexts.java` sends about sink tasks.
const REQUEST_COMMIT: u8 = 3;
const TIMEOUT: u8 = 4;
const SEEK: u8 = 5;
const PAUSE: u8 = 6;
const RESUME: u8 = 7;
const ERRANT: u8 = 8;
/// The call that asks for the task's assignment.
const ASSIGNMENT: u8 = 2;

/// A record the task reported as errant: where Kafka holds it, and why.
struct Errant {
    topic: String,
    partition: i32,
    offset: i64,
    error: String,
}

/// Answers a sink task's context.
struct SinkEvents {
    context: Arc<dyn SinkTaskContext>,
    /// Errant records reported during the `put` under way, handed to the runtime when it ends
    /// (the records are the `put`'s, which the JVM's reader thread cannot reach).
    errant: Mutex<Vec<Errant>>,
}

impl Handler for SinkEvents {
    fn event(&self, event: u8, payload: &mut Reader<'_>) -> Result<(), JavaError> {
        match event {
            REQUEST_COMMIT => self.context.request_commit(),
            TIMEOUT => self
                .context
                .timeout(Duration::from_millis(u64::try_from(payload.i64()?).unwrap_or_default())),
            SEEK => {
                for (partition, offset) in read_partition_offsets(payload)? {
                    self.context.offset(partition, offset);
                }
            }
            PAUSE => self.context.pause(&read_partitions(payload)?),
            RESUME => self.context.resume(&read_partitions(payload)?),
            ERRANT => {
                let errant = Errant {
                    topic: payload.string()?,
                    partition: payload.i32()?,
                    offset: payload.i64()?,
                    error: payload.string()?,
                };
                self.errant.lock().unwrap_or_else(PoisonError::into_inner).push(errant);
            }
            other => return Err(JavaError::Protocol(format!("unknown sink task event {other}"))),
        }
        Ok(())
    }

    fn call(&self, call: u8, _payload: &mut Reader<'_>) -> Result<Writer, JavaError> {
        if call != ASSIGNMENT {
            return Err(JavaError::Protocol(format!("unknown sink task call {call}")));
        }
        let mut answer = Writer::new();
        write_partitions(&mut answer, self.context.assignment().iter());
        Ok(answer)
    }
}

/// A sink task running in the JVM.
pub struct JavaSinkTask {
    plugin: JavaPlugin,
    running: Option<(Arc<Jvm>, u64, Arc<SinkEvents>)>,
}

impl JavaSinkTask {
    /// An unstarted task of `plugin`.
    pub fn new(plugin: JavaPlugin) -> Self {
        Self { plugin, running: None }
    }

    /// Sends request `op` about this task with the payload `fill` writes after the handle.
    async fn request(&self, op: u8, fill: impl FnOnce(&mut Writer)) -> Result<Vec<u8>, JavaError> {
        let (jvm, handle, _) = self
            .running
            .as_ref()
            .ok_or_else(|| JavaError::Protocol("the task is not started".into()))?;
        let mut request = Writer::new();
        request.i64(*handle as i64);
        fill(&mut request);
        jvm.request(op, request).await
    }
}

#[async_trait]
impl SinkTask for JavaSinkTask {
    async fn start(&mut self, context: Arc<dyn SinkTaskContext>) -> Result<()> {
        let (scope, config) = Scope::of_task(context.configs());
        let jvm = self.plugin.pool.jvm(&scope)?;
        let events = Arc::new(SinkEvents {
            context,
            errant: Mutex::new(Vec::new()),
        });
        let handle = jvm
            .start(op::SINK_START, events.clone(), &self.plugin.class, &config)
            .await?;
        self.running = Some((jvm, handle, events));
        Ok(())
    }

    async fn open(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        self.request(op::SINK_OPEN, |request| write_partitions(request, partitions.iter()))
            .await?;
        Ok(())
    }

    async fn put(&mut self, records: &[SinkRecord]) -> Result<()> {
        self.request(op::SINK_PUT, |request| {
            request.count(records.len());
            records.iter().for_each(|record| write_sink_record(request, record));
        })
        .await?;
        let Some((_, _, events)) = &self.running else {
            return Ok(());
        };
        let errant = std::mem::take(&mut *events.errant.lock().unwrap_or_else(PoisonError::into_inner));
        for report in errant {
            let record = records.iter().find(|r| {
                r.original_topic == report.topic
                    && r.original_kafka_partition == report.partition
                    && r.original_kafka_offset == report.offset
            });
            if let Some(record) = record {
                events.context.report_errant(record, ConnectError::data(report.error));
            }
        }
        Ok(())
    }

    async fn pre_commit(&mut self, offsets: CommitOffsets) -> Result<CommitOffsets> {
        let answer = self
            .request(op::SINK_PRE_COMMIT, |request| {
                write_partition_offsets(request, &offsets)
            })
            .await?;
        Ok(read_partition_offsets(&mut Reader::new(&answer))?)
    }

    async fn close(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        self.request(op::SINK_CLOSE, |request| write_partitions(request, partitions.iter()))
            .await?;
        Ok(())
    }

    async fn stop(&mut self) -> Result<()> {
        let Some((jvm, handle, _)) = self.running.take() else {
            return Ok(());
        };
        Ok(jvm.stop(op::TASK_STOP, handle).await?)
    }
}
