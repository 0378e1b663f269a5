//! ParquetFormat objects read by pyarrow (a reader nobody here wrote): Confluent's object names
//! with the codec before `.parquet`, and every Connect type the sink maps (decimal, timestamp,
//! optional values, arrays, maps, nested structs) as Parquet's; then restored by the S3 source,
//! every record exactly as written.

mod common;

use serde_json::{Value, json};

use common::{assert_restored_as_written, python_read, sink_orders};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_object_storage::plugins());

const BUCKET: &str = "kconnect-parquet";
const PARQUET: &str = "io.confluent.connect.s3.format.parquet.ParquetFormat";

/// Prints each row of each Parquet file as JSON, one line each.
const DUMP: &str = r#"
import json, sys
import pyarrow.parquet as pq
for path in sys.argv[1:]:
    for row in pq.read_table(path).to_pylist():
        print(json.dumps(row, default=str))
"#;

fn order(id: i64) -> String {
    let schema = json!({"type": "struct", "name": "shop.Order", "fields": [
        {"field": "id", "type": "int64", "optional": false},
        {"field": "note", "type": "string", "optional": true},
        {"field": "price", "type": "bytes", "optional": false,
         "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": {"scale": "2"}},
        {"field": "at", "type": "int64", "optional": false,
         "name": "org.apache.kafka.connect.data.Timestamp", "version": 1},
        {"field": "tags", "type": "array", "items": {"type": "string", "optional": false}, "optional": true},
        {"field": "attrs", "type": "map", "keys": {"type": "string", "optional": false},
         "values": {"type": "int32", "optional": false}, "optional": false},
        {"field": "address", "type": "struct", "optional": true, "fields": [
            {"field": "city", "type": "string", "optional": false}
        ]}
    ]});
    let odd = id % 2 == 1;
    let payload = json!({
        "id": id,
        "note": if odd { json!(format!("n{id}")) } else { Value::Null },
        "price": "BOI=",
        "at": 1_709_251_200_000_i64 + id * 1000,
        "tags": if odd { json!(["a", "b"]) } else { Value::Null },
        "attrs": {"k": id},
        "address": if odd { json!({"city": "Lyon"}) } else { Value::Null },
    });
    json!({"schema": schema, "payload": payload}).to_string()
}

fn row(id: i64) -> Value {
    let odd = id % 2 == 1;
    json!({
        "id": id,
        "note": if odd { json!(format!("n{id}")) } else { Value::Null },
        "price": "12.50",
        "at": format!("2024-03-01 00:00:0{id}+00:00"),
        "tags": if odd { json!(["a", "b"]) } else { Value::Null },
        "attrs": [["k", id]],
        "address": if odd { json!({"city": "Lyon"}) } else { Value::Null },
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn parquet_objects_read_back_in_pyarrow_with_their_types() {
    let records: Vec<String> = (0..6).map(order).collect();
    let (worker, store, objects) = sink_orders(BUCKET, &records, PARQUET, json!({"flush.size": "3"}), 2).await;
    assert_eq!(
        objects,
        [
            "topics/orders/partition=0/orders+0+0000000000.snappy.parquet",
            "topics/orders/partition=0/orders+0+0000000003.snappy.parquet",
        ]
    );
    let rows = python_read(store.as_ref(), &objects, DUMP).await;
    assert_eq!(rows, (0..6).map(row).collect::<Vec<_>>());

    // Restored, every record is the one written, with its types.
    assert_restored_as_written(&worker, BUCKET, PARQUET, &records).await;
}
