//! kconnect's change events equal Debezium's: Debezium 3.0.7's PostgreSQL connector on Apache
//! Kafka Connect 3.9 (`../shared/tools/apache-connect` with `APACHE_CONNECT_DEBEZIUM=1`) and
//! kconnect capture the same table of many column types, through their own slots, onto one
//! broker; with JsonConverter and schemas on, every key, value schema and payload is the same, but
//! for what depends on when each ran (timestamps, the version, and the snapshot's position).

mod common;

use std::time::Duration;

use kconnect_test_kit::debezium::{assert_same_events, debezium_event, start_debezium};
use kconnect_test_kit::{TestWorker, consume_records};

use common::{drop_slots, sql};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_postgres::plugins());

const WAIT: Duration = Duration::from_secs(120);

/// Debezium's unwrap, as most pipelines configure it.
const UNWRAP: &str = "transforms=unwrap\ntransforms.unwrap.type=io.debezium.transforms.ExtractNewRecordState\n\
                      transforms.unwrap.delete.tombstone.handling.mode=rewrite\n\
                      transforms.unwrap.add.fields=op,table,source.ts_ms\ntransforms.unwrap.add.headers=op,db\n";

/// The connector's properties for `prefix`, with its own slot and publication, and `extra` ones.
fn connector(prefix: &str, extra: &str) -> String {
    connector_of("parity_types", prefix, extra)
}

/// The connector's properties for `prefix`, capturing `table`.
fn connector_of(table: &str, prefix: &str, extra: &str) -> String {
    format!(
        "name={prefix}\nconnector.class=io.debezium.connector.postgresql.PostgresConnector\n\
         database.hostname=127.0.0.1\ndatabase.port=5432\ndatabase.user=postgres\ndatabase.password=\n\
         database.dbname=test\ntopic.prefix={prefix}\nplugin.name=pgoutput\nslot.name={prefix}_parity\n\
         publication.name={prefix}_parity\npublication.autocreate.mode=filtered\n\
         table.include.list=public.{table}\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\n\
         topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n{extra}"
    )
}

/// The value modes compared beside the defaults: every other choice of `time.precision.mode`,
/// `binary.handling.mode`, `interval.handling.mode` and `decimal.handling.mode`, by the prefix of
/// kconnect's connector and Debezium's.
const MODES: [(&str, &str, &str); 2] = [
    (
        "kcm",
        "dbzm",
        "time.precision.mode=connect\nbinary.handling.mode=base64\ninterval.handling.mode=string\n\
         decimal.handling.mode=string\nhstore.handling.mode=map\n",
    ),
    (
        "kcn",
        "dbzn",
        "time.precision.mode=adaptive_time_microseconds\nbinary.handling.mode=hex\ndecimal.handling.mode=double\n",
    ),
];

/// Every connector's prefix: Debezium's and kconnect's, as they are, unwrapped and in other modes.
const PREFIXES: [&str; 8] = ["dbz", "kc", "dbzu", "kcu", "dbzm", "kcm", "dbzn", "kcn"];

#[tokio::test(flavor = "multi_thread")]
async fn events_equal_debeziums_for_every_column_type() {
    let slots = PREFIXES.map(|prefix| format!("{prefix}_parity"));
    let slots: Vec<&str> = slots.iter().map(String::as_str).collect();
    drop_slots(&slots, &slots).await;
    sql(&[
        "DROP TABLE IF EXISTS parity_types",
        "DROP TYPE IF EXISTS parity_mood",
        "CREATE TYPE parity_mood AS ENUM ('sad', 'ok', 'happy')",
        "CREATE EXTENSION IF NOT EXISTS hstore",
        "DROP DOMAIN IF EXISTS parity_positive, parity_price",
        "CREATE DOMAIN parity_positive AS INTEGER CHECK (VALUE > 0)",
        "CREATE DOMAIN parity_price AS NUMERIC(10,2)",
        "CREATE TABLE parity_types (id INT PRIMARY KEY, small SMALLINT NOT NULL DEFAULT 7, big BIGINT, \
         flag BOOLEAN, r REAL, d DOUBLE PRECISION, amount NUMERIC(10,2), anynum NUMERIC, note TEXT NOT NULL, \
         code VARCHAR(20), ch CHAR(3), blob BYTEA, day DATE, t TIME, t3 TIME(3), ts TIMESTAMP, ts3 TIMESTAMP(3), \
         tstz TIMESTAMPTZ, ttz TIMETZ, iv INTERVAL, doc JSONB, js JSON, uid UUID, m parity_mood, tags TEXT[], \
         ints INT[], pos parity_positive, price parity_price, attrs HSTORE)",
        "INSERT INTO parity_types VALUES (1, 3, 9000000000, true, 1.5, 2.25, 12.34, 3.14159, 'hello', 'code1', \
         'ab', '\\x0102ff', '2024-02-29', '12:34:56.789123', '12:34:56.789', '2024-02-29 12:34:56.789123', \
         '2024-02-29 12:34:56.789', '2024-02-29 12:34:56.789123+02', '12:34:56+02', \
         '1 year 2 mons 3 days 04:05:06.5', '{\"a\": 1}', '{\"b\": 2}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', \
         'happy', '{x,\"y z\"}', '{1,2}', 5, 12.5, 'b=>2, a=>NULL, \"key two\"=>\"x y\"')",
        "INSERT INTO parity_types (id, note) VALUES (2, 'second')",
    ])
    .await;
    let mut ours = vec![connector("kc", ""), connector("kcu", UNWRAP)];
    ours.extend(MODES.map(|(prefix, _, modes)| connector(prefix, modes)));
    let ours: Vec<&str> = ours.iter().map(String::as_str).collect();
    let worker = TestWorker::start_with(false, "", &ours).await;
    let mut theirs = vec![connector("dbz", ""), connector("dbzu", UNWRAP)];
    theirs.extend(MODES.map(|(_, prefix, modes)| connector(prefix, modes)));
    let debezium = start_debezium(worker.dir(), &worker.bootstrap, &theirs);
    let logs = || format!("{}\n--- debezium ---\n{}", worker.process.log(), debezium.log());
    for topic in PREFIXES.map(|prefix| format!("{prefix}.public.parity_types")) {
        let snapshot = consume_records(&worker.bootstrap, &topic, 2, WAIT).await;
        assert_eq!(snapshot.len(), 2, "{topic}: the snapshot\n{}", logs());
    }
    sql(&[
        "UPDATE parity_types SET note = 'changed', amount = 99.99, tags = '{}' WHERE id = 1",
        "DELETE FROM parity_types WHERE id = 2",
        "INSERT INTO parity_types (id, note, m) VALUES (3, 'third', 'sad')",
        "UPDATE parity_types SET id = 4 WHERE id = 3",
    ])
    .await;
    // A TOASTed value an update leaves alone is not sent: both write the placeholder. A column
    // added while streaming is in the next event's schema, with its default.
    sql(&[
        "UPDATE parity_types SET note = (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 400) i) \
         WHERE id = 1",
        "UPDATE parity_types SET big = 2 WHERE id = 1",
        "ALTER TABLE parity_types ADD COLUMN extra INT DEFAULT 5",
        "INSERT INTO parity_types (id, note) VALUES (5, 'fifth')",
    ])
    .await;
    let theirs = consume_records(&worker.bootstrap, "dbz.public.parity_types", 12, WAIT).await;
    let ours = consume_records(&worker.bootstrap, "kc.public.parity_types", 12, WAIT).await;
    assert_eq!(ours.len(), theirs.len(), "as many records\n{}", logs());
    assert_eq!(theirs.len(), 12, "{}", logs());
    let toasted = debezium_event(Some(&ours[10].value), "kc");
    assert_eq!(toasted["payload"]["after"]["note"], "__debezium_unavailable_value");
    let added = debezium_event(Some(&ours[11].value), "kc");
    assert_eq!(added["payload"]["after"]["extra"], 5);
    assert_same_events(&theirs, &ours, "kc", "dbz");
    for (prefix, their_prefix, _) in MODES {
        let theirs = consume_records(
            &worker.bootstrap,
            &format!("{their_prefix}.public.parity_types"),
            12,
            WAIT,
        )
        .await;
        let ours = consume_records(&worker.bootstrap, &format!("{prefix}.public.parity_types"), 12, WAIT).await;
        assert_eq!((theirs.len(), ours.len()), (12, 12), "{prefix}\n{}", logs());
        assert_same_events(&theirs, &ours, prefix, their_prefix);
    }
    let theirs = consume_records(&worker.bootstrap, "dbzu.public.parity_types", 9, WAIT).await;
    let ours = consume_records(&worker.bootstrap, "kcu.public.parity_types", 9, WAIT).await;
    assert_eq!((theirs.len(), ours.len()), (9, 9), "unwrapped\n{}", logs());
    assert_same_events(&theirs, &ours, "kcu", "dbzu");
    drop(debezium);
    drop(worker);
    drop_slots(&slots, &slots).await;
}

/// Debezium's outbox router, with an additional column in a header and one in the envelope, each
/// runtime routing to topics under its own prefix.
fn outbox(prefix: &str) -> String {
    connector_of(
        "parity_outbox",
        &format!("{prefix}o"),
        &format!(
            "transforms=outbox\ntransforms.outbox.type=io.debezium.transforms.outbox.EventRouter\n\
             transforms.outbox.route.topic.replacement={prefix}o.outbox.${{routedByValue}}\n\
             transforms.outbox.table.fields.additional.placement=type:header:eventType,aggregatetype:envelope:kind\n"
        ),
    )
}

/// Debezium's logical table router, sending two shards' events to one topic.
fn shards(prefix: &str) -> String {
    connector_of(
        "parity_shard_.*",
        &format!("{prefix}r"),
        &format!(
            "transforms=route\ntransforms.route.type=io.debezium.transforms.ByLogicalTableRouter\n\
             transforms.route.topic.regex={prefix}r\\.public\\.parity_shard_(.*)\n\
             transforms.route.topic.replacement={prefix}r.public.parity_shards\n\
             transforms.route.key.field.regex=.*_(\\d+)\ntransforms.route.key.field.replacement=shard-$1\n"
        ),
    )
}

/// A column left out, a custom message key and unchanged updates skipped.
fn filtered(prefix: &str) -> String {
    connector_of(
        "parity_cols",
        &format!("{prefix}c"),
        "column.exclude.list=public.parity_cols.secret\nmessage.key.columns=public.parity_cols:code\n\
         skip.messages.without.change=true\n",
    )
}

/// Transaction metadata: BEGIN and END records, and each event's transaction block.
fn with_transactions(prefix: &str) -> String {
    connector_of(
        "parity_tx",
        &format!("{prefix}t"),
        "provide.transaction.metadata=true\n",
    )
}

/// Asserts that `count` records of kconnect's topic `<kc prefix>.<topic>` are Debezium's.
async fn assert_topic_same(bootstrap: &str, prefixes: (&str, &str), topic: &str, count: usize, logs: &str) {
    let (ours, theirs) = prefixes;
    let their_records = consume_records(bootstrap, &format!("{theirs}.{topic}"), count, WAIT).await;
    let our_records = consume_records(bootstrap, &format!("{ours}.{topic}"), count, WAIT).await;
    assert_eq!(
        (their_records.len(), our_records.len()),
        (count, count),
        "{topic}\n{logs}"
    );
    assert_same_events(&their_records, &our_records, ours, theirs);
}

#[tokio::test(flavor = "multi_thread")]
async fn transforms_and_filters_equal_debeziums() {
    let slots = [
        "dbzo_parity",
        "kco_parity",
        "dbzr_parity",
        "kcr_parity",
        "dbzc_parity",
        "kcc_parity",
        "dbzt_parity",
        "kct_parity",
    ];
    drop_slots(&slots, &slots).await;
    sql(&[
        "DROP TABLE IF EXISTS parity_outbox, parity_shard_1, parity_shard_2, parity_cols, parity_tx",
        "CREATE TABLE parity_tx (id INT PRIMARY KEY, v TEXT)",
        "INSERT INTO parity_tx VALUES (1, 'a')",
        "CREATE TABLE parity_cols (id INT PRIMARY KEY, code TEXT NOT NULL, secret TEXT, note TEXT)",
        "ALTER TABLE parity_cols REPLICA IDENTITY FULL",
        "INSERT INTO parity_cols VALUES (1, 'a', 's1', 'n1')",
        "CREATE TABLE parity_outbox (id UUID PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL, \
         aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL, payload JSONB)",
        "INSERT INTO parity_outbox VALUES ('11111111-1111-1111-1111-111111111111', 'Order', 'o-1', \
         'OrderCreated', '{\"total\": 10}')",
        "CREATE TABLE parity_shard_1 (id INT PRIMARY KEY, name TEXT)",
        "CREATE TABLE parity_shard_2 (id INT PRIMARY KEY, name TEXT)",
        "INSERT INTO parity_shard_1 VALUES (1, 'a')",
        "INSERT INTO parity_shard_2 VALUES (1, 'b')",
    ])
    .await;
    let ours = [outbox("kc"), shards("kc"), filtered("kc"), with_transactions("kc")];
    let ours: Vec<&str> = ours.iter().map(String::as_str).collect();
    let worker = TestWorker::start_with(false, "", &ours).await;
    let theirs = [outbox("dbz"), shards("dbz"), filtered("dbz"), with_transactions("dbz")];
    let debezium = start_debezium(worker.dir(), &worker.bootstrap, &theirs);
    let logs = || format!("{}\n--- debezium ---\n{}", worker.process.log(), debezium.log());
    for prefix in ["dbz", "kc"] {
        let snapshot = consume_records(&worker.bootstrap, &format!("{prefix}o.outbox.Order"), 1, WAIT).await;
        assert_eq!(snapshot.len(), 1, "{prefix}: the outbox snapshot\n{}", logs());
        let snapshot = consume_records(&worker.bootstrap, &format!("{prefix}r.public.parity_shards"), 2, WAIT).await;
        assert_eq!(snapshot.len(), 2, "{prefix}: both shards' snapshots\n{}", logs());
        for table in ["c.public.parity_cols", "t.public.parity_tx"] {
            let snapshot = consume_records(&worker.bootstrap, &format!("{prefix}{table}"), 1, WAIT).await;
            assert_eq!(snapshot.len(), 1, "{prefix}{table}: the snapshot\n{}", logs());
        }
    }
    sql(&[
        "INSERT INTO parity_outbox VALUES ('22222222-2222-2222-2222-222222222222', 'Customer', 'c-1', \
         'CustomerCreated', '{\"name\": \"Ann\"}')",
        "UPDATE parity_outbox SET type = 'Changed' WHERE aggregateid = 'o-1'",
        "DELETE FROM parity_outbox WHERE aggregateid = 'c-1'",
        "INSERT INTO parity_outbox VALUES ('33333333-3333-3333-3333-333333333333', 'Order', 'o-2', \
         'OrderShipped', NULL)",
        "INSERT INTO parity_shard_2 VALUES (2, 'c')",
        "UPDATE parity_shard_1 SET name = 'z' WHERE id = 1",
        "DELETE FROM parity_shard_2 WHERE id = 1",
        "UPDATE parity_cols SET secret = 's2' WHERE id = 1",
        "UPDATE parity_cols SET note = 'n2' WHERE id = 1",
        "INSERT INTO parity_cols VALUES (2, 'b', 's3', 'n3')",
        "DELETE FROM parity_cols WHERE id = 2",
        "INSERT INTO parity_tx VALUES (2, 'b'), (3, 'c')",
        "DELETE FROM parity_tx WHERE id = 2",
    ])
    .await;
    let logs = logs();
    assert_topic_same(&worker.bootstrap, ("kco", "dbzo"), "outbox.Order", 2, &logs).await;
    assert_topic_same(&worker.bootstrap, ("kco", "dbzo"), "outbox.Customer", 1, &logs).await;
    assert_topic_same(&worker.bootstrap, ("kcr", "dbzr"), "public.parity_shards", 6, &logs).await;
    // The update of the left-out column is skipped: snapshot, update, insert, delete, tombstone.
    assert_topic_same(&worker.bootstrap, ("kcc", "dbzc"), "public.parity_cols", 5, &logs).await;
    // Two transactions: a BEGIN and an END each; the events carry their transaction blocks.
    assert_topic_same(&worker.bootstrap, ("kct", "dbzt"), "transaction", 4, &logs).await;
    assert_topic_same(&worker.bootstrap, ("kct", "dbzt"), "public.parity_tx", 5, &logs).await;
    drop(debezium);
    drop(worker);
    drop_slots(&slots, &slots).await;
}
