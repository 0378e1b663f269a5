//! The compliance run of a source connector.

use std::collections::BTreeSet;
use std::ops::Range;
use std::time::Duration;

use kconnect_api::ConfigMap;

use super::harness::Harness;
use super::validation::{self, Validation};
use super::{Report, compare, distinct, isolation};
use crate::{ConsumedRecord, consume_records};

/// How long the harness keeps reading after the expected count arrived, to catch extras.
const GRACE: Duration = Duration::from_secs(2);
const WRITE_TOTAL: &str = "kafka_connect_source_task_metrics_source_record_write_total";

/// A record as it must arrive in Kafka, its key and value as the worker's schemaless JSON
/// converter writes them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expected {
    /// The key's JSON text; `None` for a null key.
    pub key: Option<String>,
    /// The value's JSON text.
    pub value: String,
    /// Headers the record must carry (it may carry more).
    pub headers: Vec<(String, String)>,
}

/// The external system a source connector reads.
pub trait SourceSystem: Send {
    /// Writes records `numbers` into the system, for the connector to read.
    fn write(&mut self, numbers: Range<usize>) -> impl Future<Output = ()> + Send;
    /// What record `number` must become in Kafka.
    fn expected(&self, number: usize) -> Expected;
}

/// A source connector under test.
#[derive(Debug, Clone)]
pub struct SourceCase {
    /// The connector's name.
    pub name: String,
    /// Its configuration, `connector.class` included, without `name`.
    pub config: ConfigMap,
    /// The topic it writes.
    pub topic: String,
    /// How many partitions the harness gives that topic (KIP-158 keys).
    pub partitions: u32,
    /// The keys the validation check spoils.
    pub validation: Validation,
    /// How many records each phase writes.
    pub batch: usize,
    /// How long records may take to arrive.
    pub arrival: Duration,
    /// Lines the worker's properties add (`plugin.path` for a Java connector); usually none.
    pub worker: String,
}

/// Reads `topic` until `want` records arrived, then a moment longer for any extra.
async fn arrivals(bootstrap: &str, topic: &str, want: usize, arrival: Duration) -> Vec<ConsumedRecord> {
    let records = consume_records(bootstrap, topic, want, arrival).await;
    if records.len() < want {
        return records;
    }
    consume_records(bootstrap, topic, want + 1, GRACE).await
}

/// Reads `topic` until every expected record is there at least once (duplicates allowed).
async fn at_least_once(bootstrap: &str, topic: &str, expected: &[Expected], arrival: Duration) -> Vec<ConsumedRecord> {
    let deadline = std::time::Instant::now() + arrival;
    let mut want = expected.len();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let records = consume_records(bootstrap, topic, want, left.max(GRACE)).await;
        let seen = project(&records, expected);
        let missing = expected.iter().filter(|e| !seen.contains(e)).count();
        if missing == 0 || std::time::Instant::now() >= deadline {
            return records;
        }
        want = records.len() + missing;
    }
}

/// The consumed records as [`Expected`], keeping the headers the expected records name.
fn project(records: &[ConsumedRecord], expected: &[Expected]) -> Vec<Expected> {
    let header_keys: BTreeSet<&str> = expected
        .iter()
        .flat_map(|e| e.headers.iter().map(|(k, _)| k.as_str()))
        .collect();
    records
        .iter()
        .map(|r| Expected {
            key: r.key.clone(),
            value: r.value.clone(),
            headers: header_keys
                .iter()
                .filter_map(|k| r.headers.get(*k).map(|v| (k.to_string(), v.clone())))
                .collect(),
        })
        .collect()
}

/// Checks that exactly `expected` arrived, each once, in order within each partition.
fn check_exactly(phase: &str, records: &[ConsumedRecord], expected: &[Expected], report: &mut Report) {
    let arrived = project(records, expected);
    let (mut sorted_arrived, mut sorted_expected) = (arrived.clone(), expected.to_vec());
    sorted_arrived.sort();
    sorted_expected.sort();
    if let Some(problem) = compare(&sorted_arrived, &sorted_expected) {
        report.fail(format!("{phase}: {problem}"));
        return;
    }
    check_order(phase, records, &arrived, expected, report);
}

/// Checks that within each partition the records arrived in the order they were written.
fn check_order(
    phase: &str,
    records: &[ConsumedRecord],
    arrived: &[Expected],
    expected: &[Expected],
    report: &mut Report,
) {
    let partitions: BTreeSet<i32> = records.iter().map(|r| r.partition).collect();
    for partition in partitions {
        let in_partition: Vec<&Expected> = distinct(
            &records
                .iter()
                .zip(arrived)
                .filter(|(r, _)| r.partition == partition)
                .map(|(_, a)| a)
                .collect::<Vec<_>>(),
        )
        .into_iter()
        .copied()
        .collect();
        let written: Vec<&Expected> = expected.iter().filter(|e| in_partition.contains(e)).collect();
        if in_partition != written {
            report.fail(format!("{phase}: partition {partition} is out of order"));
        }
    }
}

/// What records `0..count` must become.
fn first_records(system: &impl SourceSystem, count: usize) -> Vec<Expected> {
    (0..count).map(|n| system.expected(n)).collect()
}

/// Runs every compliance check on a source connector reading `system`.
pub async fn check_source(case: SourceCase, system: &mut impl SourceSystem) -> Report {
    let mut report = Report::default();
    let mut config = case.config.clone();
    config.insert("topic.creation.default.partitions".into(), case.partitions.to_string());
    config.insert("topic.creation.default.replication.factor".into(), "1".into());
    let harness = Harness::new(&case.name, &config, &case.worker).await;
    let (bootstrap, topic, b) = (harness.bootstrap.clone(), case.topic.clone(), case.batch);

    system.write(0..b).await;
    let first = harness.start().await;
    validation::check(&harness, &config, &case.validation, &mut report).await;
    let want = first_records(&*system, b);
    let records = arrivals(&bootstrap, &topic, want.len(), case.arrival).await;
    check_exactly("the first records", &records, &want, &mut report);
    let written = harness.task_metric(WRITE_TOTAL, b as f64, case.arrival).await;
    if written != b as f64 {
        report.fail(format!("metrics: {WRITE_TOTAL} is {written}, {b} records were written"));
    }

    if !harness.stop_gracefully(first) {
        report.fail("graceful restart: the worker did not exit cleanly on SIGTERM".into());
    }
    system.write(b..2 * b).await;
    let second = harness.start().await;
    let want = first_records(&*system, 2 * b);
    let records = arrivals(&bootstrap, &topic, want.len(), case.arrival).await;
    check_exactly("after a graceful restart", &records, &want, &mut report);

    system.write(2 * b..3 * b).await;
    let want = first_records(&*system, 3 * b);
    at_least_once(&bootstrap, &topic, &want, case.arrival).await;
    harness.kill(second).await;
    system.write(3 * b..4 * b).await;
    let third = harness.start().await;
    let want = first_records(&*system, 4 * b);
    let records = at_least_once(&bootstrap, &topic, &want, case.arrival).await;
    let arrived = project(&records, &want);
    report.duplicates_after_kill = arrived.len() - distinct(&arrived).len();
    if let Some(lost) = want.iter().find(|e| !arrived.contains(e)) {
        report.fail(format!("after a SIGKILL: lost {lost:?}"));
    }
    check_order("after a SIGKILL", &records, &arrived, &want, &mut report);

    isolation::misbehave_beside(&harness, &mut report).await;
    system.write(4 * b..5 * b).await;
    let want = first_records(&*system, 5 * b);
    let records = at_least_once(&bootstrap, &topic, &want, case.arrival).await;
    let arrived = project(&records, &want);
    if let Some(lost) = want.iter().find(|e| !arrived.contains(e)) {
        report.fail(format!("beside misbehaving connectors: {lost:?} did not arrive"));
    }
    drop(third);
    report.log_tail = harness.log_tail();
    report
}
