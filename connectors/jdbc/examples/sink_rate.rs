//! The JDBC sink's own write rate, without Kafka (used by `bench/run-jdbc`): gives ROWS records of
//! the benchmark's shape (id, name, amount NUMERIC(12,2), created TIMESTAMP, active) to a sink
//! task in batches of BATCH, as the runtime would, and prints `rows_per_s=<n>`.
//!
//! `cargo run --release -p kconnect-jdbc --example sink_rate -- URL TABLE [ROWS] [BATCH]`

use std::time::Instant;

use kconnect_api::logical::{Decimal, decimal_schema, timestamp_schema};
use kconnect_api::record::TimestampType;
use kconnect_api::{
    ConfigMap, RecordCore, Schema, SchemaAndValue, SchemaBuilder, SinkConnector, SinkRecord, Struct, Value,
};
use kconnect_jdbc::JdbcSinkConnector;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).expect("usage: sink_rate URL TABLE [ROWS] [BATCH]");
    let table = args.get(2).expect("TABLE");
    let rows: usize = args.get(3).map_or(1_000_000, |n| n.parse().expect("ROWS"));
    let batch: usize = args.get(4).map_or(2000, |n| n.parse().expect("BATCH"));
    let schema = SchemaBuilder::struct_()
        .name("bench_source")
        .field("id", Schema::int64())
        .field("name", Schema::string())
        .field("amount", decimal_schema(2).build())
        .field("created", timestamp_schema().build())
        .field("active", Schema::boolean())
        .build();
    let records: Vec<SinkRecord> = (1..=rows as i64)
        .map(|id| {
            let value = Struct::new(schema.clone())
                .and_then(|s| s.put("id", id))
                .and_then(|s| s.put("name", format!("customer-{id}")))
                .and_then(|s| s.put("amount", Value::Decimal(Decimal::new((id * 25).into(), 2))))
                .and_then(|s| s.put("created", Value::Timestamp(1_704_067_200_000 + id * 1000)))
                .and_then(|s| s.put("active", id % 2 == 0))
                .expect("record");
            let core = RecordCore::new("bench", SchemaAndValue::new(Some(schema.clone()), Value::Struct(value)));
            SinkRecord::new(core, 0, id, TimestampType::CreateTime)
        })
        .collect();
    let config: ConfigMap = [
        ("connection.url", url.as_str()),
        ("table.name.format", table.as_str()),
        ("auto.create", "true"),
        ("batch.size", "3000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut task = JdbcSinkConnector::default().create_task();
    task.start(kconnect_runtime::task_context::SinkContext::new(config))
        .await
        .expect("start");
    let started = Instant::now();
    for chunk in records.chunks(batch) {
        task.put(chunk).await.expect("put");
    }
    let rate = rows as f64 / started.elapsed().as_secs_f64();
    task.stop().await.expect("stop");
    println!("rows_per_s={rate:.0}");
}
