//! ActiveMQ through stomp.py: the machine's (STOMP on 127.0.0.1:61613, `.ci/services`), or a
//! broker of a test's own.

use std::process::Command;

use super::own_server::OwnServer;
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
/// port, messages kept in KahaDB in the server's directory.
pub async fn own_broker() -> OwnServer {
    OwnServer::start(|dir, port| {
        let data = dir.join("data");
        let config = format!(
            r#"<beans xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="test" useJmx="false" dataDirectory="{data}">
    <persistenceAdapter><kahaDB directory="{data}/kahadb"/></persistenceAdapter>
    <transportConnectors><transportConnector name="stomp" uri="stomp://127.0.0.1:{port}"/></transportConnectors>
  </broker>
</beans>"#,
            data = data.display()
        );
        std::fs::write(dir.join("activemq.xml"), config).unwrap();
        let mut command = Command::new("java");
        command
            .arg("-Xmx256m")
            .arg("-Dactivemq.home=/usr/share/activemq")
            .arg(format!("-Dactivemq.base={}", dir.display()))
            .arg(format!("-Dactivemq.conf={}", dir.display()))
            .arg(format!("-Dactivemq.data={}", data.display()))
            .args(["-jar", "/usr/share/activemq/bin/activemq.jar", "start"])
            .arg(format!("xbean:file:{}", dir.join("activemq.xml").display()));
        command
    })
    .await
}
