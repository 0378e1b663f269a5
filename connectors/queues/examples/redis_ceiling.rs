//! The raw Redis ceiling for the queue benchmark (`bench/run-queues`), with the client the
//! connectors use (redis-rs) and no Kafka: adds COUNT entries of one SIZE-byte field to a fresh
//! stream, pipelined as the sink writes a batch, or reads COUNT entries in a consumer group and
//! acknowledges them (XREADGROUP and XACK, 500 at a time, as the source does), and prints
//! `publish=<entries/s>` or `consume=<entries/s>`.
//!
//! `cargo run --release --example redis_ceiling -- publish|consume STREAM COUNT [SIZE]`

use std::time::Instant;

use redis::streams::{StreamReadOptions, StreamReadReply};
use redis::{AsyncCommands, RedisResult};

/// Entries per pipeline or read.
const BATCH: usize = 500;

#[tokio::main]
async fn main() -> RedisResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: redis_ceiling publish|consume STREAM COUNT [SIZE]";
    let (mode, stream) = (args.get(1).expect(usage), args.get(2).expect(usage).as_str());
    let count: usize = args.get(3).expect(usage).parse().expect("COUNT");
    let size: usize = args.get(4).map_or(100, |n| n.parse().expect("SIZE"));
    let client = redis::Client::open("redis://127.0.0.1:6379")?;
    let mut redis = client.get_multiplexed_async_connection().await?;
    match mode.as_str() {
        "publish" => {
            let _: () = redis.del(stream).await?;
            let body = "x".repeat(size);
            let started = Instant::now();
            for start in (0..count).step_by(BATCH) {
                let mut pipeline = redis::pipe();
                for _ in start..(start + BATCH).min(count) {
                    pipeline.xadd(stream, "*", &[("body", body.as_str())]).ignore();
                }
                let () = pipeline.query_async(&mut redis).await?;
            }
            println!("publish={:.0}", count as f64 / started.elapsed().as_secs_f64());
        }
        "consume" => {
            let group = "bench-ceiling";
            let _: RedisResult<()> = redis.xgroup_destroy(stream, group).await;
            let () = redis.xgroup_create(stream, group, "0").await?;
            let options = StreamReadOptions::default()
                .group(group, "ceiling")
                .count(BATCH)
                .block(100);
            let started = Instant::now();
            let mut read = 0;
            while read < count {
                let reply: StreamReadReply = redis.xread_options(&[stream], &[">"], &options).await?;
                let ids: Vec<String> = reply
                    .keys
                    .into_iter()
                    .flat_map(|key| key.ids)
                    .map(|entry| entry.id)
                    .collect();
                if !ids.is_empty() {
                    let _: i64 = redis.xack(stream, group, &ids).await?;
                }
                read += ids.len();
            }
            println!("consume={:.0}", count as f64 / started.elapsed().as_secs_f64());
        }
        other => panic!("{usage} (not {other})"),
    }
    Ok(())
}
