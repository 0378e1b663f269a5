//! AvroFormat objects read by fastavro (a reader nobody here wrote): records with their logical
//! types and optional fields, and a new object where the value schema changes mid-stream; then
//! restored by the S3 source, every record exactly as written.

mod common;

use std::time::Duration;

use kconnect_test_kit::{TestWorker, consume_values, create_topic, produce_values};
use serde_json::{Value, json};

use common::{fresh_bucket, python_read, s3_restore, s3_sink, wait_for_objects};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_object_storage::plugins());

const BUCKET: &str = "kconnect-avro";

/// Prints each Avro file's field names, then its records as JSON, one line each.
const DUMP: &str = r#"
import fastavro, json, sys
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        reader = fastavro.reader(f)
        print(json.dumps([field["name"] for field in reader.writer_schema["fields"]]))
        for record in reader:
            print(json.dumps(record, default=str))
"#;

/// An order under schema version 1 (without `qty`) or 2 (with it).
fn order(id: i64, with_qty: bool) -> String {
    let mut fields = vec![
        json!({"field": "id", "type": "int64", "optional": false}),
        json!({"field": "note", "type": "string", "optional": true}),
        json!({"field": "price", "type": "bytes", "optional": false,
               "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": {"scale": "2"}}),
    ];
    let mut payload =
        json!({"id": id, "note": if id % 2 == 0 { Value::Null } else { json!(format!("n{id}")) }, "price": "BOI="});
    if with_qty {
        fields.push(json!({"field": "qty", "type": "int32", "optional": true}));
        payload["qty"] = json!(id * 10);
    }
    json!({"schema": {"type": "struct", "name": "shop.Order", "fields": fields}, "payload": payload}).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn avro_objects_read_back_in_fastavro_and_a_schema_change_starts_a_new_one() {
    let store = fresh_bucket(BUCKET).await;
    let worker = TestWorker::start(true).await;
    create_topic(&worker.bootstrap, "orders").await;
    let values = (0..7).map(|id| order(id, id >= 3));
    produce_values(&worker.bootstrap, "orders", values).await;
    let config = s3_sink(
        BUCKET,
        "orders",
        json!({
            "format.class": "io.confluent.connect.s3.format.avro.AvroFormat",
            "avro.codec": "deflate",
            "flush.size": "4",
            "value.converter.schemas.enable": "true",
        }),
    );
    worker.create("avro", config).await;

    let objects = wait_for_objects(store.as_ref(), "topics", 2, Duration::from_secs(60)).await;
    assert_eq!(
        objects,
        [
            "topics/orders/partition=0/orders+0+0000000000.avro",
            "topics/orders/partition=0/orders+0+0000000003.avro",
        ]
    );
    let lines = python_read(store.as_ref(), &objects, DUMP).await;
    let expected = vec![
        json!(["id", "note", "price"]),
        json!({"id": 0, "note": null, "price": "12.50"}),
        json!({"id": 1, "note": "n1", "price": "12.50"}),
        json!({"id": 2, "note": null, "price": "12.50"}),
        json!(["id", "note", "price", "qty"]),
        json!({"id": 3, "note": "n3", "price": "12.50", "qty": 30}),
        json!({"id": 4, "note": null, "price": "12.50", "qty": 40}),
        json!({"id": 5, "note": "n5", "price": "12.50", "qty": 50}),
        json!({"id": 6, "note": null, "price": "12.50", "qty": 60}),
    ];
    assert_eq!(lines, expected);

    // Restored, every record is the one written, with its types.
    create_topic(&worker.bootstrap, "orders-restored").await;
    worker
        .create(
            "restore",
            s3_restore(
                BUCKET,
                json!({"format.class": "io.confluent.connect.s3.format.avro.AvroFormat"}),
            ),
        )
        .await;
    let restored: Vec<Value> = consume_values(&worker.bootstrap, "orders-restored", 7, Duration::from_secs(60))
        .await
        .iter()
        .map(|value| serde_json::from_str(value).unwrap())
        .collect();
    let written: Vec<Value> = (0..7)
        .map(|id| serde_json::from_str::<Value>(&order(id, id >= 3)).unwrap()["payload"].clone())
        .collect();
    assert_eq!(restored, written);
}
