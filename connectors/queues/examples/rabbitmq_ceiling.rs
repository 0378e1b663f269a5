//! The raw RabbitMQ ceiling for the queue benchmark (`bench/run-queues`), with the client the
//! connectors use (lapin) and no Kafka: publishes COUNT persistent messages of SIZE bytes to a fresh
//! durable queue with publisher confirms (as the sink does), or consumes COUNT messages with manual
//! acknowledgements and the source's prefetch (2000), and prints `publish=<messages/s>` or
//! `consume=<messages/s>`.
//!
//! `cargo run --release --example rabbitmq_ceiling -- publish|consume QUEUE COUNT [SIZE]`

use std::time::Instant;

use futures::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};

/// Confirms awaited together, as the sink awaits a batch's.
const WINDOW: usize = 2000;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: rabbitmq_ceiling publish|consume QUEUE COUNT [SIZE]";
    let (mode, queue) = (args.get(1).expect(usage), args.get(2).expect(usage));
    let count: usize = args.get(3).expect(usage).parse().expect("COUNT");
    let size: usize = args.get(4).map_or(100, |n| n.parse().expect("SIZE"));
    let connection = Connection::connect("amqp://guest:guest@127.0.0.1:5672/%2f", ConnectionProperties::default())
        .await
        .expect("RabbitMQ on 127.0.0.1:5672");
    let channel = connection.create_channel().await.expect("channel");
    let started = Instant::now();
    match mode.as_str() {
        "publish" => {
            channel
                .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                .await
                .expect("delete");
            channel
                .queue_declare(
                    queue.as_str().into(),
                    QueueDeclareOptions::durable(),
                    FieldTable::default(),
                )
                .await
                .expect("declare");
            channel
                .confirm_select(ConfirmSelectOptions::default())
                .await
                .expect("confirms");
            let body = vec![b'x'; size];
            let started = Instant::now();
            let mut sent = 0;
            while sent < count {
                let mut confirms = Vec::with_capacity(WINDOW);
                for _ in 0..WINDOW.min(count - sent) {
                    let properties = BasicProperties::default().with_delivery_mode(2);
                    let confirm = channel
                        .basic_publish(
                            "".into(),
                            queue.as_str().into(),
                            BasicPublishOptions::default(),
                            &body,
                            properties,
                        )
                        .await
                        .expect("publish");
                    confirms.push(confirm);
                }
                sent += confirms.len();
                for confirm in confirms {
                    assert!(confirm.await.expect("confirm").is_ack());
                }
            }
            println!("publish={:.0}", count as f64 / started.elapsed().as_secs_f64());
        }
        "consume" => {
            channel.basic_qos(2000, BasicQosOptions::default()).await.expect("qos");
            let mut consumer = channel
                .basic_consume(
                    queue.as_str().into(),
                    "".into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
                .expect("consume");
            for _ in 0..count {
                let delivery = consumer.next().await.expect("a message").expect("delivery");
                delivery.ack(BasicAckOptions::default()).await.expect("ack");
            }
            println!("consume={:.0}", count as f64 / started.elapsed().as_secs_f64());
        }
        _ => panic!("{usage}"),
    }
    connection.close(200, "done".into()).await.expect("close");
}
