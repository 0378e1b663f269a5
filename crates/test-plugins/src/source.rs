//! The scripted source: numbered records `0..records`, spread over the topic's partitions; with
//! `transaction.size` it defines its transactions (`transaction.boundary=connector`), aborting
//! every `transaction.abort.every`-th.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{
    ConfigDef, ConfigMap, Connector, ConnectorContext, OffsetMap, RecordCore, Result, Schema, SchemaAndValue,
    SourceConnector, SourceRecord, SourceTask, SourceTaskContext, TransactionContext, Value,
};

use crate::script::{
    CONNECTOR_START_CONFIG, FAIL_AT_CONFIG, PANIC_AT_CONFIG, START_CONFIG, StartBehaviour, misbehave_at,
    record_number_key,
};

const TOPIC_CONFIG: &str = "topic";
const RECORDS_CONFIG: &str = "records";
const RECORDS_FILE_CONFIG: &str = "records.file";
const PARTITIONS_CONFIG: &str = "topic.partitions";
const BATCH_SIZE_CONFIG: &str = "batch.size";
const POLL_DELAY_CONFIG: &str = "poll.delay.ms";
const SKIP_CONFIG: &str = "skip.record";
const REPLAY_CONFIG: &str = "replay.on.restart";
const TASK_ID_CONFIG: &str = "task.id";
const TRANSACTION_SIZE_CONFIG: &str = "transaction.size";
const ABORT_EVERY_CONFIG: &str = "transaction.abort.every";
const NEXT_FIELD: &str = "next";
const TASK_FIELD: &str = "task";
/// How long a poll waits once every record was sent.
const IDLE_WAIT: Duration = Duration::from_millis(100);

fn config_def() -> ConfigDef {
    let int = |name: &str, default: i32, doc: &str| {
        ConfigKey::new(name, ConfigType::Int)
            .default_value(ConfigValue::Int(default))
            .validator(Validator::AtLeast(1.0))
            .importance(Importance::Medium)
            .doc(doc)
    };
    ConfigDef::new()
        .define(
            ConfigKey::new(TOPIC_CONFIG, ConfigType::String)
                .validator(Validator::NonEmptyString)
                .importance(Importance::High)
                .doc("The topic to write to."),
        )
        .define(
            ConfigKey::new(RECORDS_CONFIG, ConfigType::Long)
                .default_value(ConfigValue::Long(1000))
                .importance(Importance::High)
                .doc("How many records each task writes in all."),
        )
        .define(
            ConfigKey::new(RECORDS_FILE_CONFIG, ConfigType::String)
                .default_value(ConfigValue::String(String::new()))
                .importance(Importance::Medium)
                .doc("A file holding how many records exist so far, read instead of records (a test writes it)."),
        )
        .define(int(PARTITIONS_CONFIG, 1, "Record i goes to partition i modulo this."))
        .define(int(BATCH_SIZE_CONFIG, 100, "Records per poll."))
        .define(
            ConfigKey::new(POLL_DELAY_CONFIG, ConfigType::Long)
                .default_value(ConfigValue::Long(0))
                .importance(Importance::Low)
                .doc("How long each poll sleeps first."),
        )
        .define(StartBehaviour::key(START_CONFIG))
        .define(StartBehaviour::key(CONNECTOR_START_CONFIG))
        .define(record_number_key(
            PANIC_AT_CONFIG,
            "Poll panics when it reaches this record.",
        ))
        .define(record_number_key(
            FAIL_AT_CONFIG,
            "Poll fails when it reaches this record.",
        ))
        .define(record_number_key(
            SKIP_CONFIG,
            "This record is never written (a connector that loses one).",
        ))
        .define(
            ConfigKey::new(REPLAY_CONFIG, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Low)
                .doc("Resume one record before the committed offset (a connector that duplicates one)."),
        )
        .define(
            ConfigKey::new(TRANSACTION_SIZE_CONFIG, ConfigType::Int)
                .default_value(ConfigValue::Int(0))
                .validator(Validator::AtLeast(0.0))
                .importance(Importance::Low)
                .doc("Records per transaction the task defines (records n*size..(n+1)*size-1); 0: it defines none."),
        )
        .define(
            ConfigKey::new(ABORT_EVERY_CONFIG, ConfigType::Int)
                .default_value(ConfigValue::Int(0))
                .validator(Validator::AtLeast(0.0))
                .importance(Importance::Low)
                .doc("Every this many transactions the task defines, it aborts the last; 0: never."),
        )
}

/// The source's configuration, parsed once.
#[derive(Debug, Clone)]
struct SourceScript {
    topic: String,
    records: i64,
    records_file: Option<String>,
    partitions: i32,
    batch_size: i64,
    poll_delay: Duration,
    start: StartBehaviour,
    connector_start: StartBehaviour,
    panic_at: i64,
    fail_at: i64,
    skip: i64,
    replay_on_restart: bool,
    transaction_size: i64,
    abort_every: i64,
}

impl SourceScript {
    /// How many records exist so far: `records`, or the number in `records.file`.
    async fn available(&self) -> i64 {
        let Some(file) = &self.records_file else {
            return self.records;
        };
        let text = tokio::fs::read_to_string(file).await.unwrap_or_default();
        text.trim().parse().unwrap_or(0)
    }
}

impl PluginConfig for SourceScript {
    fn definition() -> ConfigDef {
        config_def()
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let long = |key| parsed.get_long(key);
        Ok(Self {
            topic: parsed.get_string(TOPIC_CONFIG)?.to_string(),
            records: long(RECORDS_CONFIG)?,
            records_file: parsed
                .string(RECORDS_FILE_CONFIG)
                .filter(|f| !f.is_empty())
                .map(str::to_string),
            partitions: parsed.get_int(PARTITIONS_CONFIG)?,
            batch_size: parsed.get_long(BATCH_SIZE_CONFIG)?,
            poll_delay: parsed.get_millis(POLL_DELAY_CONFIG)?,
            start: StartBehaviour::named(parsed.get_string(START_CONFIG)?),
            connector_start: StartBehaviour::named(parsed.get_string(CONNECTOR_START_CONFIG)?),
            panic_at: long(PANIC_AT_CONFIG)?,
            fail_at: long(FAIL_AT_CONFIG)?,
            skip: long(SKIP_CONFIG)?,
            replay_on_restart: parsed.get_boolean(REPLAY_CONFIG)?,
            transaction_size: parsed.get_int(TRANSACTION_SIZE_CONFIG)?.into(),
            abort_every: parsed.get_int(ABORT_EVERY_CONFIG)?.into(),
        })
    }
}

/// `io.kconnect.test.ScriptedSourceConnector`: `tasks.max` tasks, each with its own source
/// partition `{"task": id}`.
#[derive(Debug, Default)]
pub struct ScriptedSourceConnector {
    config: ConfigMap,
}

#[async_trait]
impl Connector for ScriptedSourceConnector {
    fn config_def(&self) -> ConfigDef {
        config_def()
    }

    async fn start(&mut self, _context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        SourceScript::parse(&config)?.connector_start.run().await?;
        self.config = config;
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        Ok((0..max_tasks)
            .map(|id| {
                let mut config = self.config.clone();
                config.insert(TASK_ID_CONFIG.into(), id.to_string());
                config
            })
            .collect())
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SourceConnector for ScriptedSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(ScriptedSourceTask::default())
    }

    fn can_define_transaction_boundaries(&self, config: &ConfigMap) -> bool {
        SourceScript::parse(config).is_ok_and(|script| script.transaction_size > 0)
    }
}

/// The value of record `number` of task `task`.
pub fn record_value(task: u32, number: i64) -> String {
    format!("task-{task}-record-{number}")
}

#[derive(Default)]
struct ScriptedSourceTask {
    script: Option<SourceScript>,
    task: u32,
    partition: Arc<OffsetMap>,
    next: i64,
    transactions: Option<Arc<dyn TransactionContext>>,
}

#[async_trait]
impl SourceTask for ScriptedSourceTask {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let script = SourceScript::parse(context.configs())?;
        script.start.run().await?;
        self.task = context
            .configs()
            .get(TASK_ID_CONFIG)
            .and_then(|id| id.parse().ok())
            .unwrap_or(0);
        let mut partition = OffsetMap::new();
        partition.insert(TASK_FIELD.into(), self.task.into());
        self.partition = Arc::new(partition);
        let committed = context.offset_storage_reader().offset(&self.partition);
        self.next = committed
            .as_ref()
            .and_then(|offset| offset.get(NEXT_FIELD))
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0);
        if script.replay_on_restart && self.next > 0 {
            self.next -= 1;
        }
        self.script = Some(script);
        self.transactions = context.transaction_context();
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let Some(script) = self.script.clone() else {
            return Ok(Vec::new());
        };
        if !script.poll_delay.is_zero() {
            tokio::time::sleep(script.poll_delay).await;
        }
        let available = script.available().await;
        if self.next >= available {
            tokio::time::sleep(IDLE_WAIT).await;
            return Ok(Vec::new());
        }
        let end = (self.next + script.batch_size).min(available);
        let mut records = Vec::new();
        for number in self.next..end {
            misbehave_at(number, script.panic_at, script.fail_at)?;
            if number == script.skip {
                continue;
            }
            let mut core = RecordCore::new(
                script.topic.clone(),
                SchemaAndValue::new(Some(Schema::string()), Value::String(record_value(self.task, number))),
            );
            core.kafka_partition = Some((number % i64::from(script.partitions)) as i32);
            core.key = SchemaAndValue::new(Some(Schema::int64()), Value::Int64(number));
            core.headers.add_string("record", number.to_string());
            let mut offset = OffsetMap::new();
            offset.insert(NEXT_FIELD.into(), (number + 1).into());
            records.push(SourceRecord::new(self.partition.clone(), offset, core));
            self.end_transaction_at(&script, number, records.len() - 1);
        }
        self.next = end;
        Ok(records)
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl ScriptedSourceTask {
    /// Ends the transaction after record `number`, at `index` of the batch, when it is the last of
    /// one: aborted every `transaction.abort.every`-th, else committed.
    fn end_transaction_at(&self, script: &SourceScript, number: i64, index: usize) {
        let Some(context) = &self.transactions else {
            return;
        };
        if script.transaction_size == 0 || (number + 1) % script.transaction_size != 0 {
            return;
        }
        let transaction = number / script.transaction_size;
        if script.abort_every > 0 && (transaction + 1) % script.abort_every == 0 {
            context.abort_transaction_at(index);
        } else {
            context.commit_transaction_at(index);
        }
    }
}
