//! AvroFormat objects read by fastavro (a reader nobody here wrote): records with their logical
//! types and optional fields, and a new object where the value schema changes mid-stream; then
//! restored by the S3 source, every record exactly as written. With `schema.compatibility=BACKWARD`,
//! records of an older schema version join the newer version's object, projected onto it.

mod common;

use serde_json::{Value, json};

use common::{assert_restored_as_written, python_read, sink_orders};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_object_storage::plugins());

const BUCKET: &str = "kconnect-avro";
const AVRO: &str = "io.confluent.connect.s3.format.avro.AvroFormat";

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

/// An order under schema version 1 (without `qty`) or 2 (with it), unversioned.
fn order(id: i64, with_qty: bool) -> String {
    versioned_order(id, with_qty, None)
}

/// An order under schema version 1 (without `qty`) or 2 (with it), the schema carrying `version`.
fn versioned_order(id: i64, with_qty: bool, version: Option<i32>) -> String {
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
    let mut schema = json!({"type": "struct", "name": "shop.Order", "fields": fields});
    if let Some(version) = version {
        schema["version"] = json!(version);
    }
    json!({"schema": schema, "payload": payload}).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn avro_objects_read_back_in_fastavro_and_a_schema_change_starts_a_new_one() {
    let records: Vec<String> = (0..7).map(|id| order(id, id >= 3)).collect();
    let (worker, store, objects) = sink_orders(
        BUCKET,
        &records,
        AVRO,
        json!({"avro.codec": "deflate", "flush.size": "4"}),
        2,
    )
    .await;
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
    assert_restored_as_written(&worker, BUCKET, AVRO, &records).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn backward_compatibility_projects_older_versions_onto_the_newer_object() {
    let versions = [1, 1, 2, 1, 2, 1];
    let records: Vec<String> = versions
        .iter()
        .enumerate()
        .map(|(id, &version)| versioned_order(id as i64, version == 2, Some(version)))
        .collect();
    let bucket = "kconnect-avro-backward";
    let keys = json!({"flush.size": "4", "schema.compatibility": "BACKWARD"});
    let (_worker, store, objects) = sink_orders(bucket, &records, AVRO, keys, 2).await;
    assert_eq!(
        objects,
        [
            "topics/orders/partition=0/orders+0+0000000000.avro",
            "topics/orders/partition=0/orders+0+0000000002.avro",
        ]
    );
    let lines = python_read(store.as_ref(), &objects, DUMP).await;
    let expected = vec![
        json!(["id", "note", "price"]),
        json!({"id": 0, "note": null, "price": "12.50"}),
        json!({"id": 1, "note": "n1", "price": "12.50"}),
        json!(["id", "note", "price", "qty"]),
        json!({"id": 2, "note": null, "price": "12.50", "qty": 20}),
        json!({"id": 3, "note": "n3", "price": "12.50", "qty": null}),
        json!({"id": 4, "note": null, "price": "12.50", "qty": 40}),
        json!({"id": 5, "note": "n5", "price": "12.50", "qty": null}),
    ];
    assert_eq!(lines, expected);
}
