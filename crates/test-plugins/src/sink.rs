//! The scripted sink: appends each record it is given to a file, one JSON line each.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, Connector, ConnectorContext, Result, SinkConnector, SinkRecord, SinkTask,
    SinkTaskContext, TopicPartition,
};
use tokio::io::AsyncWriteExt;

use crate::script::{
    CONNECTOR_START_CONFIG, FAIL_AT_CONFIG, PANIC_AT_CONFIG, START_CONFIG, StartBehaviour, misbehave_at,
    record_number_key,
};

/// `output.file`: where the sink appends what it is given.
pub const SINK_OUTPUT_FILE: &str = "output.file";
const REJECT_VALUE_CONFIG: &str = "reject.value";
const REPORT_REJECTED_CONFIG: &str = "report.rejected";
const PUT_DELAY_CONFIG: &str = "put.delay.ms";
const PAUSE_ON_VALUE_CONFIG: &str = "pause.on.value";
const RESUME_ON_VALUE_CONFIG: &str = "resume.on.value";
const RETRY_AT_CONFIG: &str = "retry.at.record";
const RETRY_TIMES_CONFIG: &str = "retry.times";
const RETRY_TIMEOUT_CONFIG: &str = "retry.timeout.ms";

/// A `STRING` key defaulting to empty (never).
fn value_key(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .default_value(ConfigValue::String(String::new()))
        .importance(Importance::Medium)
        .doc(doc)
}

/// The value of `key`, unless empty.
fn optional_value(parsed: &ParsedConfig, key: &str) -> Option<String> {
    parsed.string(key).filter(|v| !v.is_empty()).map(str::to_string)
}

fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(SINK_OUTPUT_FILE, ConfigType::String)
                .validator(Validator::NonEmptyString)
                .importance(Importance::High)
                .doc("The file each record is appended to, as a JSON line."),
        )
        .define(value_key(
            REJECT_VALUE_CONFIG,
            "A value the sink refuses to write, as an external system rejects a record.",
        ))
        .define(value_key(
            PAUSE_ON_VALUE_CONFIG,
            "A value after whose record the sink pauses that record's partition (SinkTaskContext::pause).",
        ))
        .define(value_key(
            RESUME_ON_VALUE_CONFIG,
            "A value whose record makes the sink resume every partition it paused.",
        ))
        .define(
            ConfigKey::new(REPORT_REJECTED_CONFIG, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(true))
                .importance(Importance::Medium)
                .doc("Whether a rejected record goes to the errant record reporter (else it is dropped silently)."),
        )
        .define(
            ConfigKey::new(PUT_DELAY_CONFIG, ConfigType::Long)
                .default_value(ConfigValue::Long(0))
                .importance(Importance::Low)
                .doc("How long each put sleeps first."),
        )
        .define(StartBehaviour::key(START_CONFIG))
        .define(StartBehaviour::key(CONNECTOR_START_CONFIG))
        .define(record_number_key(
            PANIC_AT_CONFIG,
            "Put panics on the record at this Kafka offset.",
        ))
        .define(record_number_key(
            FAIL_AT_CONFIG,
            "Put fails on the record at this Kafka offset.",
        ))
        .define(record_number_key(
            RETRY_AT_CONFIG,
            "Put fails retriably (RetriableException) on the record at this Kafka offset, retry.times times.",
        ))
        .define(
            ConfigKey::new(RETRY_TIMES_CONFIG, ConfigType::Int)
                .default_value(ConfigValue::Int(1))
                .importance(Importance::Low)
                .doc("How many puts fail retriably at retry.at.record."),
        )
        .define(
            ConfigKey::new(RETRY_TIMEOUT_CONFIG, ConfigType::Long)
                .default_value(ConfigValue::Long(100))
                .importance(Importance::Low)
                .doc("The redelivery timeout a retriable failure asks for (SinkTaskContext::timeout)."),
        )
}

/// The sink's configuration, parsed once.
#[derive(Debug, Clone)]
struct SinkScript {
    output: String,
    reject_value: Option<String>,
    pause_on_value: Option<String>,
    resume_on_value: Option<String>,
    report_rejected: bool,
    put_delay: Duration,
    start: StartBehaviour,
    connector_start: StartBehaviour,
    panic_at: i64,
    fail_at: i64,
    retry_at: i64,
    retry_times: u32,
    retry_timeout: Duration,
}

impl PluginConfig for SinkScript {
    fn definition() -> ConfigDef {
        config_def()
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let long = |key| parsed.get_long(key);
        Ok(Self {
            output: parsed.get_string(SINK_OUTPUT_FILE)?.to_string(),
            reject_value: optional_value(parsed, REJECT_VALUE_CONFIG),
            pause_on_value: optional_value(parsed, PAUSE_ON_VALUE_CONFIG),
            resume_on_value: optional_value(parsed, RESUME_ON_VALUE_CONFIG),
            report_rejected: parsed.get_boolean(REPORT_REJECTED_CONFIG)?,
            put_delay: parsed.get_millis(PUT_DELAY_CONFIG)?,
            start: StartBehaviour::named(parsed.get_string(START_CONFIG)?),
            connector_start: StartBehaviour::named(parsed.get_string(CONNECTOR_START_CONFIG)?),
            panic_at: long(PANIC_AT_CONFIG)?,
            fail_at: long(FAIL_AT_CONFIG)?,
            retry_at: long(RETRY_AT_CONFIG)?,
            retry_times: parsed.get_int(RETRY_TIMES_CONFIG)?.max(0) as u32,
            retry_timeout: parsed.get_millis(RETRY_TIMEOUT_CONFIG)?,
        })
    }
}

/// `io.kconnect.test.ScriptedSinkConnector`: `tasks.max` identical tasks.
#[derive(Debug, Default)]
pub struct ScriptedSinkConnector {
    config: ConfigMap,
}

#[async_trait]
impl Connector for ScriptedSinkConnector {
    fn config_def(&self) -> ConfigDef {
        config_def()
    }

    async fn start(&mut self, _context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        SinkScript::parse(&config)?.connector_start.run().await?;
        self.config = config;
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        Ok(vec![self.config.clone(); max_tasks])
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SinkConnector for ScriptedSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(ScriptedSinkTask::default())
    }
}

#[derive(Default)]
struct ScriptedSinkTask {
    script: Option<SinkScript>,
    context: Option<Arc<dyn SinkTaskContext>>,
    /// Retriable failures at `retry.at.record` so far.
    retried: u32,
}

/// One record as the sink writes it: a JSON line.
fn line(record: &SinkRecord) -> String {
    let headers: serde_json::Map<String, serde_json::Value> = record
        .headers
        .iter()
        .map(|h| (h.key.clone(), h.value.to_string().into()))
        .collect();
    let line = serde_json::json!({
        "topic": record.topic,
        "partition": record.kafka_partition,
        "offset": record.kafka_offset,
        "key": record.key.value.to_string(),
        "value": record.value.value.to_string(),
        "headers": headers,
    });
    format!("{line}\n")
}

#[async_trait]
impl SinkTask for ScriptedSinkTask {
    async fn start(&mut self, context: Arc<dyn SinkTaskContext>) -> Result<()> {
        let script = SinkScript::parse(context.configs())?;
        script.start.run().await?;
        self.script = Some(script);
        self.context = Some(context);
        Ok(())
    }

    async fn put(&mut self, records: &[SinkRecord]) -> Result<()> {
        let (Some(script), Some(context)) = (&self.script, &self.context) else {
            return Ok(());
        };
        if !script.put_delay.is_zero() {
            tokio::time::sleep(script.put_delay).await;
        }
        let mut text = String::new();
        for record in records {
            misbehave_at(record.kafka_offset, script.panic_at, script.fail_at)?;
            if record.kafka_offset == script.retry_at && self.retried < script.retry_times {
                self.retried += 1;
                context.timeout(script.retry_timeout);
                return Err(ConnectError::Retriable(format!(
                    "scripted retriable failure {} at record {}",
                    self.retried, script.retry_at
                )));
            }
            let value = Some(record.value.value.to_string());
            if script.reject_value == value {
                if script.report_rejected {
                    context.report_errant(record, ConnectError::data("scripted rejection of this record"));
                }
                continue;
            }
            text.push_str(&line(record));
            if script.pause_on_value == value {
                context.pause(&[TopicPartition::new(
                    &record.original_topic,
                    record.original_kafka_partition,
                )]);
            }
            if script.resume_on_value == value {
                context.resume(&context.assignment().into_iter().collect::<Vec<_>>());
            }
        }
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&script.output)
            .await?;
        file.write_all(text.as_bytes()).await?;
        file.flush().await?;
        Ok(())
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}
