//! RabbitMQ channels, queues and messages through lapin.

use std::time::Duration;

use lapin::options::{
    BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};

pub const AMQP: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// A channel with publisher confirms on the machine's RabbitMQ.
pub async fn channel() -> Channel {
    let connection = Connection::connect(AMQP, ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel.confirm_select(ConfirmSelectOptions::default()).await.unwrap();
    // The connection closes when dropped; the channel keeps it alive for the test.
    std::mem::forget(connection);
    channel
}

/// Deletes and declares durable queue `name`.
pub async fn fresh_queue(channel: &Channel, name: &str) {
    channel
        .queue_delete(name.into(), QueueDeleteOptions::default())
        .await
        .unwrap();
    channel
        .queue_declare(name.into(), QueueDeclareOptions::durable(), FieldTable::default())
        .await
        .unwrap();
}

/// Publishes persistent messages to `queue` (default exchange) and waits for RabbitMQ's confirms.
/// They are mandatory: one RabbitMQ returns (its queue not recovered yet after a restart) is
/// published again.
pub async fn publish(channel: &Channel, queue: &str, bodies: impl IntoIterator<Item = String>) {
    let mut pending: Vec<String> = bodies.into_iter().collect();
    for _ in 0..100 {
        let mut confirms = Vec::new();
        for body in pending.drain(..) {
            let properties = BasicProperties::default().with_delivery_mode(2);
            let mandatory = BasicPublishOptions {
                mandatory: true,
                ..BasicPublishOptions::default()
            };
            let confirm = channel
                .basic_publish("".into(), queue.into(), mandatory, body.as_bytes(), properties)
                .await
                .unwrap();
            confirms.push((body, confirm));
        }
        for (body, confirm) in confirms {
            let confirmation = confirm.await.unwrap();
            assert!(confirmation.is_ack());
            if confirmation.take_message().is_some() {
                pending.push(body);
            }
        }
        if pending.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("RabbitMQ kept returning messages for {queue}");
}

/// Takes every message now in `queue`, as text.
pub async fn drain(channel: &Channel, queue: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    while let Some(message) = channel
        .basic_get(queue.into(), BasicGetOptions { no_ack: true })
        .await
        .unwrap()
    {
        bodies.push(String::from_utf8(message.delivery.data.clone()).unwrap());
    }
    bodies
}
