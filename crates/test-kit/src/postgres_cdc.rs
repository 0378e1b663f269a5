//! The machine's PostgreSQL as change data capture tests use it: statements run one by one, and
//! the replication slots and publications a test made dropped after it.

use std::time::Duration;

use sqlx::Connection;

/// The machine's PostgreSQL, as the tests' user.
pub const URL: &str = "postgres://postgres@127.0.0.1:5432/test";

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
