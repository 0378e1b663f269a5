//! The raw NATS JetStream ceiling for the queue benchmark (`bench/run-queues`), with the client the
//! connectors use (async-nats) and no Kafka: publishes COUNT messages of SIZE bytes to a fresh
//! stream `STREAM` (subject `<stream>.in`, lower case), awaiting its acknowledgements per 2,000 as
//! the sink awaits a batch's, or consumes COUNT messages through a durable pull consumer with an
//! explicit acknowledgement each, as the source does; prints `publish=<messages/s>` or
//! `consume=<messages/s>`. `count` prints how many messages the stream holds.
//!
//! `cargo run --release --example nats_ceiling -- publish|consume|count STREAM COUNT [SIZE]`

use std::time::Instant;

use async_nats::jetstream::{self, consumer::pull};
use futures::StreamExt;

/// Acknowledgements awaited together.
const WINDOW: usize = 2000;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: nats_ceiling publish|consume|count STREAM COUNT [SIZE]";
    let (mode, stream) = (args.get(1).expect(usage), args.get(2).expect(usage).as_str());
    let count: usize = args.get(3).expect(usage).parse().expect("COUNT");
    let size: usize = args.get(4).map_or(100, |n| n.parse().expect("SIZE"));
    let client = async_nats::connect("nats://127.0.0.1:4222")
        .await
        .expect("NATS on 127.0.0.1:4222");
    let js = jetstream::new(client);
    let subject = format!("{}.in", stream.to_lowercase());
    match mode.as_str() {
        "publish" => {
            let _ = js.delete_stream(stream).await;
            js.create_stream(jetstream::stream::Config {
                name: stream.into(),
                subjects: vec![subject.clone()],
                ..Default::default()
            })
            .await
            .expect("create the stream");
            let body = vec![b'x'; size];
            let started = Instant::now();
            let mut sent = 0;
            while sent < count {
                let mut acks = Vec::with_capacity(WINDOW);
                for _ in 0..WINDOW.min(count - sent) {
                    acks.push(js.publish(subject.clone(), body.clone().into()).await.expect("publish"));
                }
                sent += acks.len();
                for ack in acks {
                    ack.await.expect("acknowledged");
                }
            }
            println!("publish={:.0}", count as f64 / started.elapsed().as_secs_f64());
        }
        "consume" => {
            let stream = js.get_stream(stream).await.expect("the stream");
            let config = pull::Config {
                durable_name: Some("ceiling".into()),
                max_ack_pending: 1000,
                ..Default::default()
            };
            let consumer = stream
                .get_or_create_consumer("ceiling", config)
                .await
                .expect("consumer");
            let mut messages = consumer.messages().await.expect("messages");
            let started = Instant::now();
            for _ in 0..count {
                let message = messages.next().await.expect("a message").expect("a message");
                message.ack().await.expect("ack");
            }
            println!("consume={:.0}", count as f64 / started.elapsed().as_secs_f64());
        }
        "count" => {
            let mut stream = js.get_stream(stream).await.expect("the stream");
            println!("count={}", stream.info().await.expect("info").state.messages);
        }
        other => panic!("{usage} (not {other})"),
    }
}
