//! The raw MQTT ceiling for the queue benchmark (`bench/run-queues`), with the client the
//! connectors use (rumqttc, MQTT 3.1.1) and no Kafka, against the broker on 127.0.0.1:PORT:
//!
//! - `session PORT TOPIC CLIENT`: makes CLIENT a persistent session subscribed to TOPIC at QoS 1,
//!   so that the broker keeps what is published from then on for it;
//! - `publish PORT TOPIC COUNT [SIZE]`: publishes COUNT messages of SIZE bytes at QoS 1, up to
//!   the client's in-flight window unacknowledged, as the sink publishes a batch; prints
//!   `publish=<messages/s>`;
//! - `consume PORT CLIENT COUNT`: resumes CLIENT's session and takes COUNT messages, acknowledging
//!   each, as the source does; prints `consume=<messages/s>`;
//! - `count PORT CLIENT`: resumes CLIENT's session and prints `count=<messages>` it held, taken
//!   until none comes for two seconds.
//!
//! `cargo run --release --example mqtt_ceiling -- MODE PORT …`

use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};

/// Requests the client queues before its event loop sends them: no limit, since the loop that
/// acknowledges also drives the event loop (a full queue would wait for itself) and a broker may
/// send more than its in-flight window, as the connectors' clients have.
/// (Four billion: flume adds one to a channel's capacity, so not `usize::MAX`.)
const REQUESTS: usize = u32::MAX as usize;

/// A client of the broker on `port`, connected (its CONNACK seen).
async fn connect(port: u16, id: &str, clean: bool) -> (AsyncClient, EventLoop) {
    let mut options = MqttOptions::new(id, "127.0.0.1", port);
    options
        .set_clean_session(clean)
        .set_manual_acks(true)
        .set_keep_alive(Duration::from_secs(60))
        .set_inflight(1000);
    let (client, mut events) = AsyncClient::new(options, REQUESTS);
    loop {
        if let Event::Incoming(Packet::ConnAck(_)) = events.poll().await.expect("the broker answers") {
            return (client, events);
        }
    }
}

/// Takes messages of `events`, acknowledging each, until `count` arrived or, with `idle`, none
/// came for that long; returns how many arrived and when the first did.
async fn take(client: &AsyncClient, events: &mut EventLoop, count: usize, idle: Option<Duration>) -> (usize, Instant) {
    let (mut taken, mut first) = (0, None);
    while taken < count {
        let event = match idle {
            Some(idle) => match tokio::time::timeout(idle, events.poll()).await {
                Ok(event) => event,
                Err(_) => break,
            },
            None => events.poll().await,
        };
        if let Event::Incoming(Packet::Publish(publish)) = event.expect("connected") {
            first.get_or_insert_with(Instant::now);
            client.ack(&publish).await.expect("ack");
            taken += 1;
        }
    }
    (taken, first.unwrap_or_else(Instant::now))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: mqtt_ceiling session|publish|consume|count PORT …";
    let mode = args.get(1).expect(usage).as_str();
    let port: u16 = args.get(2).expect(usage).parse().expect("PORT");
    let arg = |n: usize| args.get(n).expect(usage).as_str();
    match mode {
        "session" => {
            let (client, mut events) = connect(port, arg(4), false).await;
            client.subscribe(arg(3), QoS::AtLeastOnce).await.expect("subscribe");
            loop {
                if let Event::Incoming(Packet::SubAck(_)) = events.poll().await.expect("connected") {
                    break;
                }
            }
            client.disconnect().await.expect("disconnect");
            while events.poll().await.is_ok() {}
        }
        "publish" => {
            let count: usize = arg(4).parse().expect("COUNT");
            let size: usize = args.get(5).map_or(100, |n| n.parse().expect("SIZE"));
            let (client, mut events) = connect(port, "ceiling-publisher", true).await;
            let (topic, body) = (arg(3).to_string(), vec![b'x'; size]);
            let started = Instant::now();
            let publisher = client.clone();
            let sending = tokio::spawn(async move {
                for _ in 0..count {
                    publisher
                        .publish(topic.as_str(), QoS::AtLeastOnce, false, body.clone())
                        .await
                        .expect("publish");
                }
            });
            let mut acknowledged = 0;
            while acknowledged < count {
                if let Event::Incoming(Packet::PubAck(_)) = events.poll().await.expect("connected") {
                    acknowledged += 1;
                }
            }
            sending.await.expect("sent");
            println!("publish={:.0}", count as f64 / started.elapsed().as_secs_f64());
        }
        "consume" => {
            let count: usize = arg(4).parse().expect("COUNT");
            let (client, mut events) = connect(port, arg(3), false).await;
            let (taken, first) = take(&client, &mut events, count, None).await;
            println!("consume={:.0}", taken as f64 / first.elapsed().as_secs_f64());
        }
        "count" => {
            let (client, mut events) = connect(port, arg(3), false).await;
            let (taken, _) = take(&client, &mut events, usize::MAX, Some(Duration::from_secs(2))).await;
            println!("count={taken}");
        }
        other => panic!("{usage} (not {other})"),
    }
}
