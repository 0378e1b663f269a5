//! `com.redis.kafka.connect.RedisStreamSourceConnector`: reads a Redis stream in a consumer group,
//! each task one consumer (`consumer-<task>`), and acknowledges an entry (XACK) only once Kafka has
//! its record. After a restart or a reconnect the consumer first reads its own pending entries
//! (delivered before, never acknowledged) again, then new ones: at least once.
//!
//! Records as Redis Inc.'s connector writes them: the key the entry id (STRING), the value a
//! `com.redis.kafka.connect.stream.Value` struct (`id`, `body` a map of the entry's fields,
//! `stream`), source partition `{}` and offset `{"offset": <id>}`; a consumer group created for the
//! first time starts after the stored offset (else after `redis.stream.offset`).

use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use kconnect_api::{
    ConfigMap, ConnectError, OffsetMap, OffsetStorageReader, RecordCore, Result, Schema, SchemaAndValue, SchemaBuilder,
    SchemaRef, SourceRecord, Struct, Value,
};
use redis::aio::MultiplexedConnection;
use tokio_util::sync::CancellationToken;

use super::client::{connect, lost};
use super::config::{STREAM_NAME, SourceConfig, TASK_ID};
use super::stream_reply::{Entry, entries};
use crate::batched_acks::{BatchedAck, BatchedAcks};
use crate::inbox::{Acknowledge, Deliveries, Received, deliver};
use crate::queue_source::QueueSource;
use crate::task_numbers::numbered_tasks;

/// The source offset field holding the entry id, as Redis Inc.'s connector names it.
const OFFSET_FIELD: &str = "offset";

/// The record value's schema, as Redis Inc.'s connector declares it.
static VALUE_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    SchemaBuilder::struct_()
        .name("com.redis.kafka.connect.stream.Value")
        .field("id", Schema::string())
        .field("body", SchemaBuilder::map(Schema::string(), Schema::string()).build())
        .field("stream", Schema::string())
        .build()
});

/// The Redis side of the shared queue source.
pub(crate) struct RedisSource;

/// A connection reading the stream, and where its entries are acknowledged (none at most once).
pub(crate) struct Session {
    connection: MultiplexedConnection,
    acknowledger: Option<BatchedAcks>,
}

#[async_trait]
impl QueueSource for RedisSource {
    type Config = SourceConfig;
    type Session = Session;
    type Ack = BatchedAck;

    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn task_configs(raw: &ConfigMap, _config: &SourceConfig, max_tasks: usize) -> Vec<ConfigMap> {
        numbered_tasks(raw, max_tasks, TASK_ID)
    }

    fn resume(config: &mut SourceConfig, offsets: &dyn OffsetStorageReader) {
        let stored = offsets.offset(&OffsetMap::new());
        if let Some(id) = stored.as_ref().and_then(|offset| offset.get(OFFSET_FIELD)?.as_str()) {
            config.start = id.to_string();
        }
    }

    fn capacity(config: &SourceConfig) -> usize {
        config.batch_size
    }

    async fn connect(config: &SourceConfig) -> Result<Session> {
        let mut connection = connect(&config.connection).await?;
        create_group(config, &mut connection).await?;
        let acknowledger = if config.acknowledge {
            let connection = connect(&config.connection).await?;
            Some(acknowledge_with_xack(connection, config))
        } else {
            None
        };
        Ok(Session {
            connection,
            acknowledger,
        })
    }

    async fn consume(
        config: &SourceConfig,
        session: Session,
        deliveries: &Deliveries<BatchedAck>,
        stop: &CancellationToken,
    ) -> Result<()> {
        let Session {
            mut connection,
            acknowledger,
        } = session;
        let partition = Arc::new(OffsetMap::new());
        // First what this consumer was given before and never acknowledged, then new entries.
        let mut pending_after = acknowledger.as_ref().map(|_| "0".to_string());
        'consuming: loop {
            let read = read(
                config,
                &mut connection,
                pending_after.as_deref(),
                acknowledger.is_none(),
            );
            let batch = tokio::select! {
                () = stop.cancelled() => break 'consuming,
                batch = read => batch?,
            };
            if pending_after.is_some() {
                pending_after = batch.last().map(|entry| entry.id.clone());
            }
            for entry in batch {
                let ack = match &acknowledger {
                    Some(acknowledger) => acknowledger.ack(entry.id.clone()),
                    None => BatchedAck::NONE,
                };
                let Some(record) = record(config, &partition, entry) else {
                    // Deleted since it was delivered: nothing to write, nothing to redeliver.
                    ack.acknowledge().await?;
                    continue;
                };
                if !deliver(deliveries, Received { record, ack }, stop).await {
                    break 'consuming;
                }
            }
        }
        if let Some(acknowledger) = acknowledger {
            acknowledger.flush().await;
        }
        Ok(())
    }
}

/// Acknowledges entries with XACK on `connection`, many ids per command.
fn acknowledge_with_xack(connection: MultiplexedConnection, config: &SourceConfig) -> BatchedAcks {
    let (stream, group) = (config.stream.clone(), config.group.clone());
    BatchedAcks::start(move |ids| {
        let mut connection = connection.clone();
        let command = redis::cmd("XACK").arg(&stream).arg(&group).arg(ids).clone();
        async move {
            if let Err(error) = command.query_async::<i64>(&mut connection).await {
                tracing::debug!(%error, "cannot acknowledge; the entries stay pending and are read again");
            }
        }
    })
}

/// Creates the consumer group at the configured start (and the stream, if missing); a group that
/// exists keeps its place.
async fn create_group(config: &SourceConfig, connection: &mut MultiplexedConnection) -> Result<()> {
    let created: redis::RedisResult<()> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&config.stream)
        .arg(&config.group)
        .arg(&config.start)
        .arg("MKSTREAM")
        .query_async(connection)
        .await;
    match created {
        Ok(()) => Ok(()),
        Err(error) if error.code() == Some("BUSYGROUP") => Ok(()),
        Err(error) if error.is_io_error() || error.is_timeout() => Err(lost(error)),
        Err(error) => Err(ConnectError::config(
            STREAM_NAME,
            format!(
                "cannot read stream {:?} in group {:?}: {error}",
                config.stream, config.group
            ),
        )),
    }
}

/// One XREADGROUP: this consumer's pending entries after `pending_after`, or (with `None`) new
/// entries, waiting up to `redis.stream.block` for them.
async fn read(
    config: &SourceConfig,
    connection: &mut MultiplexedConnection,
    pending_after: Option<&str>,
    no_ack: bool,
) -> Result<Vec<Entry>> {
    let mut command = redis::cmd("XREADGROUP");
    command
        .arg("GROUP")
        .arg(&config.group)
        .arg(&config.consumer)
        .arg("COUNT")
        .arg(config.batch_size);
    if pending_after.is_none() {
        command.arg("BLOCK").arg(config.block.as_millis() as u64);
    }
    if no_ack {
        command.arg("NOACK");
    }
    command
        .arg("STREAMS")
        .arg(&config.stream)
        .arg(pending_after.unwrap_or(">"));
    let reply = command.query_async(connection).await.map_err(lost)?;
    entries(reply)
}

/// An entry as a record, as Redis Inc.'s connector writes it; `None` for a deleted entry.
fn record(config: &SourceConfig, partition: &Arc<OffsetMap>, entry: Entry) -> Option<SourceRecord> {
    let Entry { id, fields } = entry;
    let body = fields?
        .into_iter()
        .map(|(field, value)| (Value::String(field), Value::String(value)))
        .collect();
    let value = Struct::with_values(
        VALUE_SCHEMA.clone(),
        vec![
            Value::String(id.clone()),
            Value::Map(body),
            Value::String(config.stream.clone()),
        ],
    )
    .expect("the values follow the schema");
    let mut core = RecordCore::new(
        config.topic.as_str(),
        SchemaAndValue::new(Some(VALUE_SCHEMA.clone()), Value::Struct(value)),
    );
    core.key = SchemaAndValue::new(Some(Schema::string()), Value::String(id.clone()));
    core.timestamp = Some(kconnect_api::record::now_millis());
    let mut offset = OffsetMap::new();
    offset.insert(OFFSET_FIELD.into(), id.into());
    Some(SourceRecord::new(partition.clone(), offset, core))
}
