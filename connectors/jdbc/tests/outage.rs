//! The JDBC sink while PostgreSQL goes away and comes back. A write that fails because the server
//! is away is retriable, `max.retries` times with `retry.backoff.ms` between, and then fails the
//! task with the database's error named; once the server is back the same rows are written.
//!
//! This test binary stops and starts the machine's PostgreSQL, so it holds that one test only:
//! cargo runs test binaries one at a time, and no other test uses the server meanwhile.

mod common;

use std::time::Duration;

use common::{as_sink_records, postgres, read_table, start_sink};
use kconnect_test_kit::{StartPostgresAgain, postgres_cluster};

#[tokio::test(flavor = "multi_thread")]
async fn writes_are_retried_through_an_outage_and_fail_only_after_max_retries() {
    let db = postgres();
    let driver = db.driver().await;
    db.source_table(driver.as_ref(), "outage_source", 20).await;
    db.run(driver.as_ref(), "DROP TABLE IF EXISTS outage_target").await;
    let records = as_sink_records(&read_table(&db, "outage_source", None).await, "outage_target");
    let (mut sink, context) = start_sink(
        &db,
        &[
            ("auto.create", "true"),
            ("max.retries", "1"),
            ("retry.backoff.ms", "200"),
        ],
    )
    .await;
    sink.put(&records[..10]).await.unwrap();

    let _start_again = StartPostgresAgain;
    postgres_cluster("stop");
    let first = sink.put(&records[10..]).await.unwrap_err();
    assert!(first.is_retriable(), "{first}");
    assert_eq!(
        context.take_timeout(),
        Some(Duration::from_millis(200)),
        "retry.backoff.ms"
    );
    let given_up = sink.put(&records[10..]).await.unwrap_err();
    assert!(!given_up.is_retriable(), "{given_up}");
    assert!(given_up.to_string().contains("max.retries=1"), "{given_up}");

    postgres_cluster("start");
    let mut written = false;
    for _ in 0..60 {
        match sink.put(&records[10..]).await {
            Ok(()) => {
                written = true;
                break;
            }
            // The server may still be starting: the sink retries, and gives up again, as before.
            Err(err) if err.is_retriable() || err.to_string().contains("max.retries") => {
                tokio::time::sleep(Duration::from_millis(500)).await
            }
            Err(err) => panic!("after the restart: {err}"),
        }
    }
    assert!(written, "the rows were never written after the restart");
    let driver = db.driver().await;
    assert_eq!(db.count(driver.as_ref(), "outage_target").await, 20);
    sink.stop().await.unwrap();
}
