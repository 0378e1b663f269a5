//! What the exactly-once CDC tests of every database write and check: numbered database
//! transactions of 1 to 12 rows (`id`, `txn`), and, read back `read_committed`, that every row
//! arrived once, in order, and that the transaction markers between the records (each takes an
//! offset) split them exactly where the database transactions ended.

use std::ops::Range;
use std::time::Duration;

use serde_json::Value;

use crate::{PartitionRecord, read_partition};

/// The settings of a distributed worker delivering exactly once, whose successor after a kill
/// waits out a short session.
pub const EXACTLY_ONCE_WORKER: &str = "exactly.once.source.support=enabled\nscheduled.rebalance.max.delay.ms=0\n\
                                       session.timeout.ms=6000\nheartbeat.interval.ms=1000\n";

/// Database transactions in each of the three rounds a test writes: before the worker is
/// killed, while it is down, and after it started again.
pub const ROUND: usize = 40;

/// How many rows database transaction `n` inserts: 1 to 12.
pub fn rows_in(n: usize) -> usize {
    n * 7 % 12 + 1
}

/// One `INSERT` into `table` (`id`, `txn`) per database transaction of `transactions`, with
/// [`rows_in`] rows each, their ids going on from `next_id`.
pub fn inserts(table: &str, transactions: Range<usize>, next_id: &mut usize) -> Vec<String> {
    transactions
        .map(|n| {
            let rows: Vec<String> = (0..rows_in(n))
                .map(|row| format!("({}, {n})", *next_id + row))
                .collect();
            *next_id += rows.len();
            format!("INSERT INTO {table} (id, txn) VALUES {}", rows.join(", "))
        })
        .collect()
}

/// The first `rows` change events of `topic`'s one partition, read `read_committed`.
pub async fn read_committed_rows(bootstrap: &str, topic: &str, rows: usize) -> Vec<PartitionRecord> {
    let (bootstrap, topic) = (bootstrap.to_string(), topic.to_string());
    let read = move || read_partition(&bootstrap, &topic, 0, "read_committed", rows, Duration::from_secs(120));
    tokio::task::spawn_blocking(read).await.expect("reader")
}

/// The `after.id` and `after.txn` of a change event written without schemas.
fn row(record: &PartitionRecord) -> (usize, usize) {
    let event: Value = serde_json::from_str(&record.value).expect("a JSON change event");
    let field = |name: &str| event["after"][name].as_u64().expect("a number") as usize;
    (field("id"), field("txn"))
}

/// Asserts that `records` are the rows of `transactions` (ids from 1), each once, in order, and
/// that every run of records between two transaction markers is one whole database transaction.
pub fn assert_one_kafka_transaction_each(records: &[PartitionRecord], transactions: Range<usize>, log: &str) {
    let rows: usize = transactions.clone().map(rows_in).sum();
    let ids: Vec<usize> = records.iter().map(|record| row(record).0).collect();
    assert_eq!(ids, (1..=rows).collect::<Vec<_>>(), "every row once, in order\n{log}");
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (at, record) in records.iter().enumerate() {
        let txn = row(record).1;
        match runs.last_mut() {
            Some((last, count)) if record.offset == records[at - 1].offset + 1 => {
                assert_eq!(
                    *last, txn,
                    "one Kafka transaction held rows of two database transactions\n{log}"
                );
                *count += 1;
            }
            _ => runs.push((txn, 1)),
        }
    }
    let expected: Vec<(usize, usize)> = transactions.map(|n| (n, rows_in(n))).collect();
    assert_eq!(
        runs, expected,
        "(database transaction, rows) per Kafka transaction\n{log}"
    );
}
