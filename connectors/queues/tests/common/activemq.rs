//! The machine's ActiveMQ (STOMP on 127.0.0.1:61613, `.ci/services`) through stomp.py.

use super::python;

/// The broker's STOMP address, as `activemq.url` names it.
pub const URL: &str = "stomp://127.0.0.1:61613";

/// Sends each body to `/queue/<queue>` as a TextMessage, persistent, waiting for the broker's
/// receipt of the last.
pub fn send_texts(queue: &str, bodies: &[String]) {
    let bodies = serde_json::to_string(bodies).unwrap();
    python(&format!(
        r#"
import json, stomp
c = stomp.Connection([("127.0.0.1", 61613)], auto_content_length=False)
c.connect(wait=True)
for body in json.loads({bodies:?}):
    c.send("/queue/{queue}", body, headers={{"persistent": "true"}})
c.disconnect()
"#
    ));
}

/// Takes every message waiting on `/queue/<queue>` (acknowledging each), until none came for a
/// second; their bodies as text, in order.
pub fn drain(queue: &str) -> Vec<String> {
    let printed = python(&format!(
        r#"
import json, queue, stomp
got = queue.Queue()
class Listener(stomp.ConnectionListener):
    def on_message(self, frame):
        got.put(frame.body if isinstance(frame.body, str) else frame.body.decode("utf-8", "replace"))
c = stomp.Connection([("127.0.0.1", 61613)], auto_decode=False)
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
