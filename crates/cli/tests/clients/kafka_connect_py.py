"""A connector's whole life through kafka-connect-py, as its README shows: every call the client
offers, against the worker at argv[1], with a FileStream source reading argv[2]. Exits non-zero on
the first call that does not behave as on Apache Kafka Connect."""

import sys
import time

from kafka_connect import KafkaConnect

url, source_file = sys.argv[1], sys.argv[2]
connect = KafkaConnect(url=url)
config = {
    "name": "py-source",
    "config": {
        "connector.class": "FileStreamSource",
        "tasks.max": "1",
        "file": source_file,
        "topic": "py-lines",
    },
}


def wait_for(what, check, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def state():
    return connect.get_connector_status("py-source")["connector"]["state"]


assert "version" in connect.get_cluster_info()
created = connect.create_connector(config)
assert created["name"] == "py-source", created
assert "py-source" in connect.list_connectors()
assert connect.list_connectors(expand="status")["py-source"]["status"]["name"] == "py-source"
assert connect.list_connectors(expand="info")["py-source"]["info"]["type"] == "source"
assert connect.list_connectors(pattern="py-.*", state="running") == ["py-source"]
assert connect.get_connector("py-source")["config"]["file"] == source_file
assert connect.get_connector_config("py-source")["topic"] == "py-lines"
wait_for("the task to run", lambda: connect.get_connector_status("py-source")["tasks"])
updated = dict(config["config"], **{"topic": "py-lines-2"})
assert connect.update_connector("py-source", updated)["config"]["topic"] == "py-lines-2"
tasks = wait_for("the task", lambda: connect.list_connector_tasks("py-source"))
assert tasks[0]["id"] == {"connector": "py-source", "task": 0}, tasks
assert "state" in connect.get_connector_task_status("py-source", 0)
restarted = connect.restart_connector("py-source", include_tasks=True, only_failed=False)
assert restarted["name"] == "py-source", restarted
connect.restart_connector_task("py-source", 0)
connect.pause_connector("py-source")
wait_for("PAUSED", lambda: state() == "PAUSED")
connect.resume_connector("py-source")
wait_for("RUNNING", lambda: state() == "RUNNING")
assert "py-source" in connect.list_connector_topics("py-source")
connect.reset_connector_topics("py-source")
plugins = connect.list_connector_plugins()
assert any(p["class"].endswith("FileStreamSourceConnector") for p in plugins), plugins
validation = connect.validate_connector_config("FileStreamSourceConnector", dict(config["config"], name="py-source"))
assert validation["error_count"] == 0, validation
connect.stop_connector("py-source")
wait_for("STOPPED", lambda: state() == "STOPPED")
connect.restart_all_connectors(include_tasks=True, only_failed=True)
connect.resume_all_connectors()
wait_for("RUNNING again", lambda: state() == "RUNNING")
connect.pause_all_connectors()
connect.delete_connector("py-source")
assert connect.list_connectors() == []
print("every call behaved as on Apache Kafka Connect")
