//! What the CDC tests share: SQL on the machine's PostgreSQL, and dropping the slots a test made
//! so that the server keeps no WAL for them.

#![allow(dead_code, reason = "each test binary uses a part of it")]

use std::time::Duration;

use sqlx::Connection;

/// The machine's PostgreSQL, as the tests' user.
pub const URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The properties of CDC connector `name` (also its topic prefix) with its own slot and
/// publication `slot`, capturing `tables`, writing JSON without schemas, and `extra` lines.
pub fn schemaless_connector(name: &str, slot: &str, tables: &str, extra: &str) -> String {
    format!(
        "name={name}\nconnector.class=io.debezium.connector.postgresql.PostgresConnector\n\
         database.hostname=127.0.0.1\ndatabase.user=postgres\ndatabase.dbname=test\ntopic.prefix={name}\n\
         slot.name={slot}\npublication.name={slot}\npublication.autocreate.mode=filtered\n\
         table.include.list={tables}\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\nkey.converter.schemas.enable=false\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=false\n\
         topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n{extra}"
    )
}

/// Runs `change` once a second until a record arrives on `topic` (the connector streams once its
/// slot exists), at most a minute; the records read then.
pub async fn first_streamed(bootstrap: &str, topic: &str, change: &str) -> Vec<kconnect_test_kit::ConsumedRecord> {
    for _ in 0..60 {
        sql(&[change]).await;
        let streamed = kconnect_test_kit::consume_records(bootstrap, topic, 1, Duration::from_secs(1)).await;
        if !streamed.is_empty() {
            return streamed;
        }
    }
    Vec::new()
}

/// Runs each statement (one each), failing the test with the one that failed.
pub async fn sql(statements: &[&str]) {
    let mut connection = sqlx::PgConnection::connect(URL).await.expect("PostgreSQL on 127.0.0.1");
    for statement in statements {
        let ran = sqlx::query(statement).execute(&mut connection).await;
        ran.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

/// Drops `slots` and `publications` once no session holds the slots any more (after the test's
/// workers were stopped), waiting up to ten seconds.
pub async fn drop_slots(slots: &[&str], publications: &[&str]) {
    let mut connection = sqlx::PgConnection::connect(URL).await.expect("PostgreSQL on 127.0.0.1");
    for slot in slots {
        for _ in 0..100 {
            let dropped = sqlx::query(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots \
                 WHERE slot_name = $1 AND NOT active",
            )
            .bind(slot)
            .execute(&mut connection)
            .await;
            let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1")
                .bind(slot)
                .fetch_one(&mut connection)
                .await
                .unwrap_or(1);
            if dropped.is_ok() && left == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    for publication in publications {
        let _ = sqlx::raw_sql(&format!("DROP PUBLICATION IF EXISTS {publication}"))
            .execute(&mut connection)
            .await;
    }
}
