//! The compliance run of a sink connector.

use std::ops::Range;
use std::time::Duration;

use kconnect_api::ConfigMap;

use super::harness::Harness;
use super::validation::{self, Validation};
use super::{Report, compare, distinct, isolation};
use crate::{consume_records, create_topic, produce_values};

const DLQ_TOPIC: &str = "harness-dlq";
const READ_TOTAL: &str = "kafka_connect_sink_task_metrics_sink_record_read_total";
/// How long the harness keeps reading the system after the expected count arrived, for extras.
const GRACE: Duration = Duration::from_secs(2);

/// The external system a sink connector writes.
pub trait SinkSystem: Send {
    /// The Kafka record value (as text) of record `number`.
    fn record(&self, number: usize) -> String;
    /// What record `number` becomes in the system, as [`SinkSystem::read`] gives it.
    fn entry(&self, number: usize) -> String;
    /// A record value the system rejects, if it can reject one.
    fn rejected(&self) -> Option<String>;
    /// What the system holds now, one entry per record written, in the order written.
    fn read(&mut self) -> impl Future<Output = Vec<String>> + Send;
}

/// A sink connector under test.
#[derive(Debug, Clone)]
pub struct SinkCase {
    /// The connector's name.
    pub name: String,
    /// Its configuration, `connector.class` included, without `name`, `topics` and `errors.*`.
    pub config: ConfigMap,
    /// The topic it reads (one partition, made by the harness).
    pub topic: String,
    /// The keys the validation check spoils.
    pub validation: Validation,
    /// How many records each phase produces.
    pub batch: usize,
    /// How long records may take to arrive.
    pub arrival: Duration,
    /// Lines the worker's properties add (`plugin.path` for a Java connector); usually none.
    pub worker: String,
}

/// What records `0..count` become.
fn first_entries(system: &impl SinkSystem, count: usize) -> Vec<String> {
    (0..count).map(|n| system.entry(n)).collect()
}

/// Reads the system until it holds `want` entries, then a moment longer for any extra.
async fn arrivals(system: &mut impl SinkSystem, want: usize, arrival: Duration) -> Vec<String> {
    let mut entries = Vec::new();
    let deadline = std::time::Instant::now() + arrival;
    while std::time::Instant::now() < deadline {
        entries = system.read().await;
        if entries.len() >= want {
            tokio::time::sleep(GRACE).await;
            return system.read().await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    entries
}

/// Reads the system until every expected entry is there at least once (duplicates allowed).
async fn at_least_once(system: &mut impl SinkSystem, expected: &[String], arrival: Duration) -> Vec<String> {
    let mut entries = Vec::new();
    let deadline = std::time::Instant::now() + arrival;
    while std::time::Instant::now() < deadline {
        entries = system.read().await;
        if expected.iter().all(|e| entries.contains(e)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    entries
}

async fn produce(harness: &Harness, topic: &str, system: &impl SinkSystem, numbers: Range<usize>) {
    produce_values(&harness.bootstrap, topic, numbers.map(|n| system.record(n))).await;
}

/// Checks that the rejected record reached the dead letter queue with Apache's context headers
/// and that the task kept running.
async fn check_dead_letter(harness: &Harness, case: &SinkCase, offset: usize, report: &mut Report) {
    let dlq = consume_records(&harness.bootstrap, DLQ_TOPIC, 1, case.arrival).await;
    let Some(record) = dlq.first() else {
        report.fail("dead letter queue: the rejected record never reached it (no errant record reported)".into());
        return;
    };
    let offset = offset.to_string();
    for (header, value) in [
        ("topic", Some(case.topic.as_str())),
        ("partition", Some("0")),
        ("offset", Some(offset.as_str())),
        ("connector.name", Some(case.name.as_str())),
        ("stage", Some("TASK_PUT")),
        ("exception.class.name", None),
        ("exception.message", None),
    ] {
        let found = record.headers.get(&format!("__connect.errors.{header}"));
        let good = match value {
            Some(value) => found.map(String::as_str) == Some(value),
            None => found.is_some(),
        };
        if !good {
            report.fail(format!(
                "dead letter queue: header __connect.errors.{header} is {found:?}, expected {value:?}"
            ));
        }
    }
    let state = harness.rest.state(&case.name).await;
    if state["tasks"][0]["state"] != "RUNNING" {
        report.fail(format!("dead letter queue: the task did not keep running: {state}"));
    }
}

/// Runs every compliance check on a sink connector writing `system`.
pub async fn check_sink(case: SinkCase, system: &mut impl SinkSystem) -> Report {
    let mut report = Report::default();
    let mut config = case.config.clone();
    for (key, value) in [
        ("topics", case.topic.as_str()),
        ("errors.tolerance", "all"),
        ("errors.deadletterqueue.topic.name", DLQ_TOPIC),
        ("errors.deadletterqueue.context.headers.enable", "true"),
    ] {
        config.insert(key.into(), value.into());
    }
    let harness = Harness::new(&case.name, &config, &case.worker).await;
    let (topic, b) = (case.topic.clone(), case.batch);
    create_topic(&harness.bootstrap, &topic).await;
    create_topic(&harness.bootstrap, DLQ_TOPIC).await;

    produce(&harness, &topic, system, 0..b).await;
    let rejected = system.rejected();
    if let Some(value) = &rejected {
        produce_values(&harness.bootstrap, &topic, [value.clone()]).await;
    }
    let records_read = b + usize::from(rejected.is_some());
    let first = harness.start().await;
    validation::check(&harness, &config, &case.validation, &mut report).await;
    let want = first_entries(&*system, b);
    let entries = arrivals(system, want.len(), case.arrival).await;
    if let Some(problem) = compare(&entries, &want) {
        report.fail(format!("the first records: {problem}"));
    }
    match rejected {
        Some(_) => check_dead_letter(&harness, &case, b, &mut report).await,
        None => report
            .not_applicable
            .push("dead letter queue: the system rejects no record".into()),
    }
    let read = harness.task_metric(READ_TOTAL, records_read as f64, case.arrival).await;
    if read != records_read as f64 {
        report.fail(format!(
            "metrics: {READ_TOTAL} is {read}, {records_read} records were read"
        ));
    }

    if !harness.stop_gracefully(first) {
        report.fail("graceful restart: the worker did not exit cleanly on SIGTERM".into());
    }
    produce(&harness, &topic, system, b..2 * b).await;
    let second = harness.start().await;
    let want = first_entries(&*system, 2 * b);
    let entries = arrivals(system, want.len(), case.arrival).await;
    if let Some(problem) = compare(&entries, &want) {
        report.fail(format!("after a graceful restart: {problem}"));
    }

    produce(&harness, &topic, system, 2 * b..3 * b).await;
    at_least_once(system, &first_entries(&*system, 3 * b), case.arrival).await;
    harness.kill(second).await;
    produce(&harness, &topic, system, 3 * b..4 * b).await;
    let third = harness.start().await;
    let want = first_entries(&*system, 4 * b);
    let entries = at_least_once(system, &want, case.arrival).await;
    report.duplicates_after_kill = entries.len().saturating_sub(distinct(&entries).len());
    let firsts: Vec<String> = distinct(&entries).into_iter().cloned().collect();
    if let Some(problem) = compare(&firsts, &want) {
        report.fail(format!("after a SIGKILL: {problem}"));
    }

    isolation::misbehave_beside(&harness, &mut report).await;
    produce(&harness, &topic, system, 4 * b..5 * b).await;
    let want = first_entries(&*system, 5 * b);
    let entries = at_least_once(system, &want, case.arrival).await;
    if let Some(lost) = want.iter().find(|e| !entries.contains(e)) {
        report.fail(format!("beside misbehaving connectors: {lost:?} did not arrive"));
    }
    drop(third);
    report.log_tail = harness.log_tail();
    report
}
