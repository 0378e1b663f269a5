//! `errors.*`: retrying, tolerating, logging and dead-lettering records that fail in a stage of the
//! pipeline, as Apache's `RetryWithToleranceOperator` and `DeadLetterQueueReporter` do.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use kconnect_api::{ConfigDef, ConfigMap, ConnectError};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};

use crate::error::RuntimeError;
use crate::kafka::producer_config;
use crate::metrics::TaskMetrics;
use crate::topics::{TopicCreator, TopicSettings};
use crate::worker::{TaskSpec, Worker};

const RETRY_TIMEOUT: &str = "errors.retry.timeout";
const RETRY_DELAY_MAX: &str = "errors.retry.delay.max.ms";
const TOLERANCE: &str = "errors.tolerance";
const LOG_ENABLE: &str = "errors.log.enable";
const LOG_INCLUDE_MESSAGES: &str = "errors.log.include.messages";
/// The key naming a sink's dead letter queue topic.
pub const DLQ_TOPIC: &str = "errors.deadletterqueue.topic.name";
const DLQ_REPLICATION: &str = "errors.deadletterqueue.topic.replication.factor";
const DLQ_CONTEXT_HEADERS: &str = "errors.deadletterqueue.context.headers.enable";
const GROUP: &str = "Error Handling";
const INITIAL_BACKOFF: Duration = Duration::from_millis(300);
const DLQ_TIMEOUT: Duration = Duration::from_secs(30);

/// The `errors.*` keys every connector has.
pub fn error_config_def() -> ConfigDef {
    let boolean = |name: &str, order: i32, doc: &str| {
        ConfigKey::new(name, ConfigType::Boolean)
            .default_value(ConfigValue::Boolean(false))
            .importance(Importance::Medium)
            .doc(doc)
            .group(GROUP, order)
    };
    ConfigDef::new()
        .define(
            ConfigKey::new(RETRY_TIMEOUT, ConfigType::Long)
                .default_value(ConfigValue::Long(0))
                .importance(Importance::Medium)
                .doc("The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.")
                .group(GROUP, 1),
        )
        .define(
            ConfigKey::new(RETRY_DELAY_MAX, ConfigType::Long)
                .default_value(ConfigValue::Long(60_000))
                .validator(Validator::AtLeast(1.0))
                .importance(Importance::Medium)
                .doc("The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the delay once this limit is reached to prevent thundering herd issues.")
                .group(GROUP, 2),
        )
        .define(
            ConfigKey::new(TOLERANCE, ConfigType::String)
                .default_value(ConfigValue::String("none".into()))
                .validator(Validator::one_of_ignore_case(&["none", "all"]))
                .importance(Importance::Medium)
                .doc("Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records.")
                .group(GROUP, 3),
        )
        .define(boolean(LOG_ENABLE, 4, "If true, write each error and the details of the failed operation and problematic record to the Connect application log."))
        .define(boolean(LOG_INCLUDE_MESSAGES, 5, "Whether to include in the log the Connect record that resulted in a failure."))
}

/// The dead letter queue keys (Apache's are for sinks; kconnect reads them for sources too).
pub fn dlq_config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(DLQ_TOPIC, ConfigType::String)
                .default_value(ConfigValue::String(String::new()))
                .importance(Importance::Medium)
                .doc("The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector, or its transformations or converters. The topic name is blank by default, which means that no messages are to be recorded in the DLQ.")
                .group(GROUP, 6),
        )
        .define(
            ConfigKey::new(DLQ_REPLICATION, ConfigType::Short)
                .default_value(ConfigValue::Short(3))
                .importance(Importance::Medium)
                .doc("Replication factor used to create the dead letter queue topic when it doesn't already exist.")
                .group(GROUP, 7),
        )
        .define(
            ConfigKey::new(DLQ_CONTEXT_HEADERS, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Medium)
                .doc("If true, add headers containing error context to the messages written to the dead letter queue. To avoid clashing with headers from the original record, all error context header keys, all error context header keys will start with __connect.errors.")
                .group(GROUP, 8),
        )
}

/// Where in the pipeline a record failed, named as Apache's `Stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The key converter.
    KeyConverter,
    /// The value converter.
    ValueConverter,
    /// The header converter.
    HeaderConverter,
    /// A transformation.
    Transformation,
    /// The sink task's `put` (reported through the errant record reporter).
    TaskPut,
}

impl Stage {
    /// Apache's name (`VALUE_CONVERTER`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::KeyConverter => "KEY_CONVERTER",
            Self::ValueConverter => "VALUE_CONVERTER",
            Self::HeaderConverter => "HEADER_CONVERTER",
            Self::Transformation => "TRANSFORMATION",
            Self::TaskPut => "TASK_PUT",
        }
    }
}

/// A record's failure in one stage.
#[derive(Debug)]
pub struct StageError {
    /// The stage.
    pub stage: Stage,
    /// The plugin class (or transformation alias) that failed.
    pub class: String,
    /// What went wrong.
    pub error: ConnectError,
}

impl std::fmt::Display for StageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Error in stage {} ({}): {}",
            self.stage.name(),
            self.class,
            self.error
        )
    }
}

impl From<StageError> for RuntimeError {
    fn from(err: StageError) -> Self {
        RuntimeError::Connect(ConnectError::Data(format!(
            "Tolerance exceeded in error handler: {err}"
        )))
    }
}

/// The original bytes of a failed sink record, for the dead letter queue.
#[derive(Debug, Clone, Default)]
pub struct FailedRecord {
    /// The topic it was read from.
    pub topic: String,
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Key bytes.
    pub key: Option<Vec<u8>>,
    /// Value bytes.
    pub value: Option<Vec<u8>>,
    /// Header keys and bytes.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// Apache's `task-error-metrics` counters of one task.
#[derive(Debug, Default)]
pub struct ErrorMetrics {
    /// `total-record-failures`.
    pub total_record_failures: AtomicU64,
    /// `total-record-errors`.
    pub total_record_errors: AtomicU64,
    /// `total-records-skipped`.
    pub total_records_skipped: AtomicU64,
    /// `total-retries`.
    pub total_retries: AtomicU64,
    /// `total-errors-logged`.
    pub total_errors_logged: AtomicU64,
    /// `deadletterqueue-produce-requests`.
    pub deadletterqueue_produce_requests: AtomicU64,
    /// `deadletterqueue-produce-failures`.
    pub deadletterqueue_produce_failures: AtomicU64,
    /// `last-error-timestamp`, milliseconds since the epoch.
    pub last_error_timestamp: AtomicI64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

struct DeadLetterQueue {
    producer: FutureProducer,
    topic: String,
    context_headers: bool,
}

/// Applies a connector's `errors.*` settings to failed records of one task.
pub struct ErrorHandler {
    connector: String,
    task: u32,
    tolerate_all: bool,
    retry_timeout: Option<Duration>,
    retry_delay_max: Duration,
    log: bool,
    log_messages: bool,
    dlq: Option<DeadLetterQueue>,
    /// The task's counters.
    pub metrics: Arc<TaskMetrics>,
}

impl ErrorHandler {
    /// The handler for a task, creating the dead letter queue topic when one is named.
    pub async fn new(worker: &Worker, spec: &TaskSpec) -> Result<Self, RuntimeError> {
        let parsed = error_config_def()
            .merge(&dlq_config_def())
            .parse(&spec.connector_config)?;
        let retry = parsed.get_long(RETRY_TIMEOUT)?;
        let dlq_topic = parsed.get_string(DLQ_TOPIC)?.trim().to_string();
        let dlq = if dlq_topic.is_empty() {
            None
        } else {
            let replication = parsed.get_long(DLQ_REPLICATION)? as i32;
            let settings = match worker.config.embedded_broker {
                true => TopicSettings::EMBEDDED,
                false => TopicSettings {
                    partitions: -1,
                    replication,
                },
            };
            let admin = crate::kafka::admin_config(&worker.config, &spec.connector_config);
            TopicCreator::new(&admin, settings)?.ensure(&dlq_topic).await?;
            let client_id = format!("connector-dlq-producer-{}", spec.name());
            Some(DeadLetterQueue {
                producer: producer_config(&worker.config, &spec.connector_config, &client_id).create()?,
                topic: dlq_topic,
                context_headers: parsed.get_boolean(DLQ_CONTEXT_HEADERS)?,
            })
        };
        Ok(Self {
            connector: spec.connector.clone(),
            task: spec.id,
            tolerate_all: parsed.get_string(TOLERANCE)?.eq_ignore_ascii_case("all"),
            retry_timeout: match retry {
                0 => None,
                r if r < 0 => Some(Duration::MAX),
                r => Some(Duration::from_millis(r as u64)),
            },
            retry_delay_max: parsed.get_millis(RETRY_DELAY_MAX)?.max(Duration::from_millis(1)),
            log: parsed.get_boolean(LOG_ENABLE)?,
            log_messages: parsed.get_boolean(LOG_INCLUDE_MESSAGES)?,
            dlq,
            metrics: worker.task_metrics(spec),
        })
    }

    /// Runs `operation`, retrying retriable failures with exponential backoff and jitter for up to
    /// `errors.retry.timeout`.
    /// The clock starts at the first failure, so that the common case (no failure) reads no clock.
    pub async fn retry<T>(&self, mut operation: impl FnMut() -> Result<T, StageError>) -> Result<T, StageError> {
        let mut failing_since = None;
        let mut backoff = INITIAL_BACKOFF;
        loop {
            let failure = match operation() {
                Err(err) if err.error.is_retriable() => err,
                result => return result,
            };
            let since = *failing_since.get_or_insert_with(tokio::time::Instant::now);
            if self.retry_timeout.is_none_or(|t| since.elapsed() >= t) {
                return Err(failure);
            }
            bump(&self.metrics.errors.total_retries);
            let jitter = Duration::from_millis(u64::from(since.elapsed().subsec_nanos() % 100));
            tokio::time::sleep(backoff.min(self.retry_delay_max) + jitter).await;
            backoff = backoff.saturating_mul(2);
        }
    }

    /// Deals with a record that failed: fails the task under `errors.tolerance=none`; otherwise
    /// logs it if asked, writes the original bytes to the dead letter queue if one is named, and
    /// skips it.
    pub async fn handle(&self, failure: StageError, original: Option<&FailedRecord>) -> Result<(), RuntimeError> {
        bump(&self.metrics.errors.total_record_failures);
        bump(&self.metrics.errors.total_record_errors);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        self.metrics.errors.last_error_timestamp.store(now, Ordering::Relaxed);
        if !self.tolerate_all {
            return Err(failure.into());
        }
        if self.log {
            bump(&self.metrics.errors.total_errors_logged);
            let location = original.map_or_else(String::new, |o| {
                format!(
                    " where consumed record is {{topic='{}', partition={}, offset={}}}",
                    o.topic, o.partition, o.offset
                )
            });
            let content = match (self.log_messages, original) {
                (true, Some(o)) => format!(
                    " value={}",
                    o.value.as_deref().map(String::from_utf8_lossy).unwrap_or_default()
                ),
                _ => String::new(),
            };
            tracing::error!(
                connector = %self.connector,
                task = self.task,
                "Error encountered in task {}-{}. Executing stage '{}' with class '{}'{location}.{content} {}",
                self.connector, self.task, failure.stage.name(), failure.class, failure.error
            );
        }
        if let (Some(dlq), Some(original)) = (&self.dlq, original) {
            self.dead_letter(dlq, &failure, original).await;
        }
        bump(&self.metrics.errors.total_records_skipped);
        Ok(())
    }

    async fn dead_letter(&self, dlq: &DeadLetterQueue, failure: &StageError, original: &FailedRecord) {
        bump(&self.metrics.errors.deadletterqueue_produce_requests);
        let mut headers = original.headers.iter().fold(OwnedHeaders::new(), |h, (key, value)| {
            h.insert(Header {
                key,
                value: value.as_deref(),
            })
        });
        if dlq.context_headers {
            let exception = match failure.error {
                ConnectError::Data(_) => "org.apache.kafka.connect.errors.DataException",
                ConnectError::Retriable(_) => "org.apache.kafka.connect.errors.RetriableException",
                _ => "org.apache.kafka.connect.errors.ConnectException",
            };
            let message = failure.error.to_string();
            let context = [
                ("__connect.errors.topic", original.topic.clone()),
                ("__connect.errors.partition", original.partition.to_string()),
                ("__connect.errors.offset", original.offset.to_string()),
                ("__connect.errors.connector.name", self.connector.clone()),
                ("__connect.errors.task.id", self.task.to_string()),
                ("__connect.errors.stage", failure.stage.name().to_string()),
                ("__connect.errors.class.name", failure.class.clone()),
                ("__connect.errors.exception.class.name", exception.to_string()),
                ("__connect.errors.exception.message", message.clone()),
                (
                    "__connect.errors.exception.stacktrace",
                    format!("{exception}: {message}"),
                ),
            ];
            for (key, value) in &context {
                headers = headers.insert(Header {
                    key,
                    value: Some(value.as_bytes()),
                });
            }
        }
        let mut record = FutureRecord::to(&dlq.topic).headers(headers);
        if let Some(key) = &original.key {
            record = record.key(key.as_slice());
        }
        if let Some(value) = &original.value {
            record = record.payload(value.as_slice());
        }
        if let Err((err, _)) = dlq.producer.send(record, DLQ_TIMEOUT).await {
            bump(&self.metrics.errors.deadletterqueue_produce_failures);
            tracing::error!(connector = %self.connector, error = %err, "could not write a failed record to the dead letter queue {}", dlq.topic);
        }
    }
}

/// The configuration keys a connector's error handling reads, for validation.
pub fn error_keys(config: &ConfigMap) -> Vec<kconnect_api::config::ConfigInfo> {
    error_config_def().merge(&dlq_config_def()).validate(config)
}
