//! ActiveMQ through stomp.py: the machine's (STOMP on 127.0.0.1:61613, `.ci/services`), or a
//! broker of a test's own.

use std::process::{Child, Command};
use std::time::Duration;

use super::python;

/// The machine's broker's STOMP port.
pub const PORT: u16 = 61613;
/// The machine's broker, as `activemq.url` names it.
pub const URL: &str = "stomp://127.0.0.1:61613";

/// Sends each body to `/queue/<queue>` of the broker on `port` as a persistent TextMessage.
pub fn send_texts(port: u16, queue: &str, bodies: &[String]) {
    let bodies = serde_json::to_string(bodies).unwrap();
    python(&format!(
        r#"
import json, stomp
c = stomp.Connection([("127.0.0.1", {port})], auto_content_length=False)
c.connect(wait=True)
for body in json.loads({bodies:?}):
    c.send("/queue/{queue}", body, headers={{"persistent": "true"}})
c.disconnect()
"#
    ));
}

/// Takes every message waiting on `/queue/<queue>` of the broker on `port` (acknowledging each),
/// until none came for a second; their bodies as text, in order.
pub fn drain(port: u16, queue: &str) -> Vec<String> {
    let printed = python(&format!(
        r#"
import json, queue, stomp
got = queue.Queue()
class Listener(stomp.ConnectionListener):
    def on_message(self, frame):
        got.put(frame.body if isinstance(frame.body, str) else frame.body.decode("utf-8", "replace"))
c = stomp.Connection([("127.0.0.1", {port})], auto_decode=False)
c.set_listener("", Listener())
c.connect(wait=True)
c.subscribe("/queue/{queue}", id=1, ack="auto")
bodies = []
while True:
    try:
        bodies.append(got.get(timeout=1))
    except queue.Empty:
        break
c.disconnect()
print(json.dumps(bodies))
"#
    ));
    serde_json::from_str(printed.trim()).unwrap()
}

/// An ActiveMQ of the test's own (Debian's, as `.ci/services` runs it): STOMP only, on a free
/// port, messages kept in KahaDB in a directory of its own.
pub struct Broker {
    pub port: u16,
    dir: tempfile::TempDir,
    process: Option<Child>,
}

impl Broker {
    pub async fn start() -> Self {
        let mut broker = Self {
            port: kconnect_test_kit::free_port(),
            dir: tempfile::tempdir().unwrap(),
            process: None,
        };
        let data = broker.dir.path().join("data");
        std::fs::write(
            broker.dir.path().join("activemq.xml"),
            format!(
                r#"<beans xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="test" useJmx="false" dataDirectory="{data}">
    <persistenceAdapter><kahaDB directory="{data}/kahadb"/></persistenceAdapter>
    <transportConnectors><transportConnector name="stomp" uri="stomp://127.0.0.1:{port}"/></transportConnectors>
  </broker>
</beans>"#,
                data = data.display(),
                port = broker.port
            ),
        )
        .unwrap();
        broker.run().await;
        broker
    }

    /// `activemq.url` for this broker.
    pub fn url(&self) -> String {
        format!("stomp://127.0.0.1:{}", self.port)
    }

    async fn run(&mut self) {
        let base = self.dir.path();
        let child = Command::new("java")
            .arg("-Xmx256m")
            .arg("-Dactivemq.home=/usr/share/activemq")
            .arg(format!("-Dactivemq.base={}", base.display()))
            .arg(format!("-Dactivemq.conf={}", base.display()))
            .arg(format!("-Dactivemq.data={}", base.join("data").display()))
            .args(["-jar", "/usr/share/activemq/bin/activemq.jar", "start"])
            .arg(format!("xbean:file:{}", base.join("activemq.xml").display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("java and Debian's activemq (.ci/services)");
        self.process = Some(child);
        for _ in 0..300 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("ActiveMQ on {} did not start", self.port);
    }

    /// Kills the broker (persistent messages are in KahaDB) and starts it again.
    pub async fn restart(&mut self) {
        self.stop();
        self.run().await;
    }

    fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}
