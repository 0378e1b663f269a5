//! MQTT clients of the machine's Mosquitto through rumqttc.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::{AsyncClient, ConnectionError, Event, MqttOptions, Outgoing, Packet, QoS};

/// A client of the machine's Mosquitto, its event loop driven in the background; every message
/// it receives is kept, in order.
pub struct Client {
    client: AsyncClient,
    received: Arc<Mutex<Vec<String>>>,
}

impl Client {
    pub async fn connect(id: &str, clean: bool) -> Self {
        let mut options = MqttOptions::new(id, "127.0.0.1", 1883);
        options.set_clean_session(clean).set_keep_alive(Duration::from_secs(30));
        let (client, mut events) = AsyncClient::new(options, 1000);
        let received = Arc::new(Mutex::new(Vec::new()));
        let (connected, mut ready) = tokio::sync::watch::channel(false);
        let kept = received.clone();
        tokio::spawn(async move {
            // Polling again after an error reconnects (and resumes a persistent session); the
            // loop ends when the client disconnects or is dropped.
            loop {
                match events.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        let _ = connected.send(true);
                    }
                    Ok(Event::Incoming(Packet::Publish(publish))) => {
                        let text = String::from_utf8_lossy(&publish.payload).into_owned();
                        kept.lock().unwrap().push(text);
                    }
                    Ok(Event::Outgoing(Outgoing::Disconnect)) | Err(ConnectionError::RequestsDone) => break,
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        });
        ready.wait_for(|up| *up).await.unwrap();
        Self { client, received }
    }

    /// Makes client `id` a fresh persistent session subscribed to `filter` at QoS 1, as a
    /// deployment has once its connector first ran: the broker keeps what is published from then
    /// on for the task. (MQTT delivers nothing published before a subscription exists, and a
    /// task reports RUNNING before it has subscribed.)
    pub async fn prepare_session(id: &str, filter: &str) {
        let forget = Self::connect(id, true).await;
        forget.client.disconnect().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let session = Self::connect(id, false).await;
        session.subscribe(filter).await;
        session.client.disconnect().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    pub async fn publish(&self, topic: &str, bodies: impl IntoIterator<Item = String>) {
        for body in bodies {
            self.client.publish(topic, QoS::AtLeastOnce, false, body).await.unwrap();
        }
    }

    pub async fn subscribe(&self, filter: &str) {
        self.client.subscribe(filter, QoS::AtLeastOnce).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    pub fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}
