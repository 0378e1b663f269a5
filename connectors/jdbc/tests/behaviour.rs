//! What a user of the connectors checks in the database: upserts update rows in place, tombstones
//! delete rows, a bad record is reported with its table and column while the good ones are
//! written, and the timestamp modes resume exactly after the last row read.

mod common;

use common::{Database, Offsets, mariadb, postgres, sqlite, start_sink};
use kconnect_api::record::TimestampType;
use kconnect_api::{RecordCore, Schema, SchemaAndValue, SchemaBuilder, SinkRecord, SourceConnector, Struct, Value};
use kconnect_jdbc::JdbcSourceConnector;
use kconnect_runtime::task_context::SourceContext;

fn person(topic: &str, offset: i64, id: i64, name: Option<&str>) -> SinkRecord {
    let key = SchemaAndValue::new(Some(Schema::int64()), Value::Int64(id));
    let value = name.map_or(SchemaAndValue::NULL, |name| {
        let schema = SchemaBuilder::struct_()
            .name("person")
            .field("id", Schema::int64())
            .field("name", Schema::optional_string())
            .build();
        let person = Struct::new(schema.clone())
            .unwrap()
            .put("id", id)
            .unwrap()
            .put("name", name)
            .unwrap();
        SchemaAndValue::new(Some(schema), Value::Struct(person))
    });
    let mut core = RecordCore::new(topic, value);
    core.key = key;
    SinkRecord::new(core, 0, offset, TimestampType::CreateTime)
}

fn names(rows: &[Vec<Value>]) -> Vec<(i64, String)> {
    rows.iter()
        .map(|row| match (&row[0], &row[1]) {
            (Value::Int64(id), Value::String(name)) => (*id, name.clone()),
            (Value::Int32(id), Value::String(name)) => ((*id).into(), name.clone()),
            other => panic!("unexpected row {other:?}"),
        })
        .collect()
}

async fn upserts_and_deletes(db: Database, table: &str) {
    let driver = db.driver().await;
    db.run(driver.as_ref(), &format!("DROP TABLE IF EXISTS {table}")).await;
    let (mut sink, context) = start_sink(
        &db,
        &[
            ("auto.create", "true"),
            ("insert.mode", "upsert"),
            ("pk.mode", "record_key"),
            ("pk.fields", "id"),
            ("delete.enabled", "true"),
        ],
    )
    .await;
    let first: Vec<SinkRecord> = (1..=10).map(|id| person(table, id, id, Some("a"))).collect();
    sink.put(&first).await.unwrap();
    let second: Vec<SinkRecord> = (5..=15).map(|id| person(table, 10 + id, id, Some("b"))).collect();
    sink.put(&second).await.unwrap();
    let expected: Vec<(i64, String)> = (1..=15)
        .map(|id| (id, if id < 5 { "a" } else { "b" }.to_string()))
        .collect();
    assert_eq!(
        names(&db.rows(driver.as_ref(), table).await),
        expected,
        "upserts update in place"
    );

    let tombstones = [
        person(table, 30, 2, None),
        person(table, 31, 4, None),
        person(table, 32, 15, None),
    ];
    sink.put(&tombstones).await.unwrap();
    let remaining: Vec<i64> = names(&db.rows(driver.as_ref(), table).await)
        .iter()
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(remaining, [1, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    assert!(context.take_errant().is_empty());
    sink.stop().await.unwrap();
}

#[tokio::test]
async fn postgres_upserts_and_deletes() {
    upserts_and_deletes(postgres(), "people_upsert").await;
}

#[tokio::test]
async fn mariadb_upserts_and_deletes() {
    upserts_and_deletes(mariadb(), "people_upsert").await;
}

#[tokio::test]
async fn sqlite_upserts_and_deletes() {
    upserts_and_deletes(sqlite(), "people_upsert").await;
}

#[tokio::test]
async fn bad_records_are_reported_with_table_and_column_and_the_rest_written() {
    let db = postgres();
    let driver = db.driver().await;
    db.run(driver.as_ref(), "DROP TABLE IF EXISTS typed_people").await;
    db.run(driver.as_ref(), "DROP TABLE IF EXISTS missing_people").await;
    db.run(
        driver.as_ref(),
        "CREATE TABLE typed_people (id BIGINT PRIMARY KEY, name INT)",
    )
    .await;
    let (mut sink, context) = start_sink(&db, &[("pk.mode", "record_key"), ("pk.fields", "id")]).await;
    sink.put(&[person("missing_people", 0, 1, Some("x"))]).await.unwrap();
    let errant = context.take_errant();
    assert_eq!(errant.len(), 1);
    assert_eq!(
        errant[0].1.to_string(),
        "table missing_people does not exist and auto.create is disabled"
    );

    sink.put(&[person("typed_people", 1, 1, Some("x"))]).await.unwrap();
    let errant = context.take_errant();
    assert!(
        errant[0]
            .1
            .to_string()
            .contains("table typed_people column name is Int32"),
        "{}",
        errant[0].1
    );

    db.run(driver.as_ref(), "DROP TABLE typed_people").await;
    db.run(
        driver.as_ref(),
        "CREATE TABLE typed_people (id BIGINT PRIMARY KEY, name TEXT)",
    )
    .await;
    let (mut sink, context) = start_sink(&db, &[("pk.mode", "record_key"), ("pk.fields", "id")]).await;
    let batch = [
        person("typed_people", 2, 1, Some("one")),
        person("typed_people", 3, 1, Some("duplicate key")),
        person("typed_people", 4, 2, Some("two")),
    ];
    sink.put(&batch).await.unwrap();
    let errant = context.take_errant();
    assert_eq!(errant.len(), 1, "only the duplicate key fails");
    assert_eq!(errant[0].0.kafka_offset, 3);
    assert!(errant[0].1.to_string().contains("duplicate key"), "{}", errant[0].1);
    assert_eq!(
        names(&db.rows(driver.as_ref(), "typed_people").await),
        [(1, "one".to_string()), (2, "two".to_string())]
    );
    sink.stop().await.unwrap();
}

/// Reads `table` in `mode` until a poll returns nothing, at most `batch.max.rows` rows a poll;
/// returns the ids and the last offset.
async fn read_ids(
    db: &Database,
    table: &str,
    mode: &str,
    committed: Option<kconnect_api::OffsetMap>,
) -> (Vec<i64>, Option<kconnect_api::OffsetMap>) {
    let mut task = JdbcSourceConnector::default().create_task();
    let configs = db.config(&[
        ("mode", mode),
        ("incrementing.column.name", "id"),
        ("timestamp.column.name", "changed"),
        ("topic.prefix", ""),
        ("batch.max.rows", "3"),
        ("poll.interval.ms", "10"),
        ("tables", table),
    ]);
    task.start(SourceContext::new(
        configs,
        std::sync::Arc::new(Offsets(committed.clone())),
    ))
    .await
    .unwrap();
    let mut ids = Vec::new();
    let mut last = committed;
    loop {
        let batch = task.poll().await.unwrap();
        if batch.is_empty() {
            break;
        }
        assert!(batch.len() <= 3, "{mode}: a poll returns at most batch.max.rows rows");
        for record in batch {
            let Value::Struct(row) = &record.value.value else {
                panic!("struct")
            };
            ids.push(match row.get("id") {
                Some(Value::Int64(id)) => *id,
                Some(Value::Int32(id)) => (*id).into(),
                other => panic!("id {other:?}"),
            });
            last = Some((*record.source_offset).clone());
        }
    }
    task.stop().await.unwrap();
    (ids, last)
}

async fn timestamp_modes_resume(db: Database, changed_type: &str) {
    let driver = db.driver().await;
    for mode in ["timestamp", "timestamp+incrementing"] {
        let table = "changing";
        db.run(driver.as_ref(), &format!("DROP TABLE IF EXISTS {table}")).await;
        db.run(
            driver.as_ref(),
            &format!("CREATE TABLE {table} (id INT PRIMARY KEY, changed {changed_type} NOT NULL)"),
        )
        .await;
        let insert = |ids: std::ops::RangeInclusive<i32>, at: &str| {
            let values: Vec<String> = ids.map(|id| format!("({id}, '{at}')")).collect();
            format!("INSERT INTO {table} VALUES {}", values.join(","))
        };
        db.run(driver.as_ref(), &insert(1..=4, "2024-01-01 00:00:00.000100"))
            .await;
        db.run(driver.as_ref(), &insert(5..=5, "2024-01-01 00:00:00.000200"))
            .await;
        let (ids, offset) = read_ids(&db, table, mode, None).await;
        assert_eq!(ids, [1, 2, 3, 4, 5], "{mode}");
        db.run(driver.as_ref(), &insert(6..=7, "2024-01-01 00:00:00.000300"))
            .await;
        let (ids, _) = read_ids(&db, table, mode, offset).await;
        assert_eq!(ids, [6, 7], "{mode}: resumes after the last row, microseconds included");
    }
}

#[tokio::test]
async fn postgres_timestamp_modes_resume_exactly() {
    timestamp_modes_resume(postgres(), "TIMESTAMP(6)").await;
}

#[tokio::test]
async fn mariadb_timestamp_modes_resume_exactly() {
    timestamp_modes_resume(mariadb(), "DATETIME(6)").await;
}

/// Bulk mode reads two tables of 25 rows in chunks of `batch.max.rows` (4) on one connection:
/// every row of each table arrives once per pass, and the next pass reads them all again.
async fn bulk_reads_stream_every_row_once_per_pass(db: Database) {
    let driver = db.driver().await;
    let tables = ["bulk_streamed_a", "bulk_streamed_b"];
    for table in tables {
        db.source_table(driver.as_ref(), table, 25).await;
    }
    let mut task = JdbcSourceConnector::default().create_task();
    let configs = db.config(&[
        ("mode", "bulk"),
        ("topic.prefix", ""),
        ("batch.max.rows", "4"),
        ("poll.interval.ms", "10"),
        ("tables", &tables.join(",")),
    ]);
    task.start(SourceContext::new(configs, std::sync::Arc::new(Offsets(None))))
        .await
        .unwrap();
    let mut ids: std::collections::BTreeMap<String, Vec<i64>> = std::collections::BTreeMap::new();
    for _ in 0..1_000 {
        if ids.len() == 2 && ids.values().all(|ids| ids.len() >= 50) {
            break;
        }
        let batch = task.poll().await.unwrap();
        assert!(batch.len() <= 4, "a poll returns at most batch.max.rows records");
        for record in batch {
            let Value::Struct(row) = &record.value.value else {
                panic!("struct")
            };
            let id = match row.get("id") {
                Some(Value::Int64(id)) => *id,
                Some(Value::Int32(id)) => (*id).into(),
                other => panic!("id {other:?}"),
            };
            ids.entry(record.topic.clone()).or_default().push(id);
        }
    }
    task.stop().await.unwrap();
    for table in tables {
        let read = &ids[table];
        for pass in [&read[..25], &read[25..50]] {
            let mut pass = pass.to_vec();
            pass.sort_unstable();
            assert_eq!(pass, (1..=25).collect::<Vec<_>>(), "{table}: each row once per pass");
        }
    }
}

#[tokio::test]
async fn postgres_bulk_reads_stream_every_row_once_per_pass() {
    bulk_reads_stream_every_row_once_per_pass(postgres()).await;
}

#[tokio::test]
async fn mariadb_bulk_reads_stream_every_row_once_per_pass() {
    bulk_reads_stream_every_row_once_per_pass(mariadb()).await;
}

#[tokio::test]
async fn sqlite_bulk_reads_stream_every_row_once_per_pass() {
    bulk_reads_stream_every_row_once_per_pass(sqlite()).await;
}
