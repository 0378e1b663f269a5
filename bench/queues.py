#!/usr/bin/env python3
"""Message queue connectors against their servers, on a `kconnect broker --storage memory`.

For each system: the source consumes N messages of 100 bytes waiting on the server into a topic;
messages/s until the worker's /metrics counts N records written (each acknowledged to the server
only after Kafka acknowledged it). The sink writes that topic back to the server; messages/s until
/metrics counts N records sent (each confirmed by the server), then the server is checked to hold
N. Beside each, the ceiling: the system's own client publishing or consuming the same messages as
fast as it can, with no Kafka. Target (issue 24): at least 70% of the ceiling each way.

- RabbitMQ (the machine's): persistent messages, publisher confirms; ceiling lapin, the client the
  connectors use (`connectors/queues/examples/rabbitmq_ceiling.rs`).
- Redis (the machine's): stream entries of one 100-byte field, a consumer group; ceiling redis-rs
  (`connectors/queues/examples/redis_ceiling.rs`), pipelined XADD and XREADGROUP/XACK by 500.
- NATS (the machine's, JetStream): messages on a file-storage stream; the source reads it through a
  durable pull consumer acknowledging each message after Kafka; the sink publishes through
  JetStream; ceiling async-nats (`connectors/queues/examples/nats_ceiling.rs`), publishing with
  acknowledgements awaited per 2,000 and consuming with an acknowledgement each.
- MQTT (a Mosquitto of the benchmark's own, no limit on queued messages, 1,000 in flight): QoS 1
  messages queued for the source task's persistent session, which it resumes; the sink publishes at
  QoS 1 to a topic a persistent session holds; ceiling rumqttc, the client the connectors use
  (`connectors/queues/examples/mqtt_ceiling.rs`), resuming a session and acknowledging each, and
  publishing with 1,000 in flight.
- ActiveMQ (a broker of the benchmark's own, Debian's ActiveMQ with KahaDB, STOMP and OpenWire):
  persistent BytesMessages; kconnect speaks STOMP, the ceiling is ActiveMQ's own Java client over
  OpenWire (`activemq.jar producer` / `consumer`, client acknowledgements), the fastest client
  of the system there is.

`BENCH_SYSTEMS` (rabbitmq,redis,nats,activemq by default; mqtt when named) picks systems; a run of some writes a report
named after them. ActiveMQ moves `BENCH_ACTIVEMQ_RECORDS` (100,000) messages: its own Java producer
sends persistent messages one synchronous round trip each (about 3,000/s here), so a million would
take six minutes per fill.
"""

import datetime
import os
import subprocess
import time
from pathlib import Path

from bench import (
    RECORDS, TARGET, free_port, head_commit, measure, memory_broker, metric_total, publish, standalone, wait_port,
)

EXAMPLES = TARGET / "release" / "examples"
BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"
JSON = "org.apache.kafka.connect.json.JsonConverter"
WORKER = f"key.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter={BYTES}\n"
ACTIVEMQ_JAR = "/usr/share/activemq/bin/activemq.jar"
SOURCE_WRITTEN = "kafka_connect_source_task_metrics_source_record_write_total"
SINK_SENT = "kafka_connect_sink_task_metrics_sink_record_send_total"
TOPIC_CREATION = {"topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1"}


def example(name, mode, target, count):
    """Messages/s a ceiling example printed publishing or consuming `count` messages."""
    output = subprocess.run(
        [str(EXAMPLES / name), mode, target, str(count)], capture_output=True, text=True, check=True
    ).stdout
    return float(output.strip().split("=")[1])


def timed(command, count):
    """Messages/s of a command moving `count` messages, from its wall-clock time."""
    started = time.time()
    subprocess.run(command, check=True, capture_output=True)
    return count / (time.time() - started)


class RabbitMq:
    name = "RabbitMQ"
    records = RECORDS
    ceilings = ("lapin consuming, acknowledging each", "lapin publishing with confirms")
    connection = {"rabbitmq.host": "127.0.0.1"}

    def prepare(self):
        self.publish_ceiling = example("rabbitmq_ceiling", "publish", "bench-ceiling", RECORDS)
        self.consume_ceiling = example("rabbitmq_ceiling", "consume", "bench-ceiling", RECORDS)
        example("rabbitmq_ceiling", "publish", "bench-source", RECORDS)
        example("rabbitmq_ceiling", "publish", "bench-sink", 0)

    def source(self):
        return {
            "connector.class": "io.confluent.connect.rabbitmq.RabbitMQSourceConnector",
            "rabbitmq.queue": "bench-source",
            "kafka.topic": "bench-from-rabbitmq",
            "value.converter": BYTES,
        }, "bench-from-rabbitmq"

    def sink(self, topic):
        return {
            "connector.class": "io.confluent.connect.rabbitmq.sink.RabbitMQSinkConnector",
            "topics": topic,
            "rabbitmq.exchange": "",
            "rabbitmq.routing.key": "bench-sink",
            "value.converter": BYTES,
        }

    def written(self):
        out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "name", "messages"], capture_output=True, text=True)
        counts = dict(line.split("\t") for line in out.stdout.splitlines() if "\t" in line)
        return int(counts.get("bench-sink", 0))

    def close(self):
        pass


class Redis:
    name = "Redis"
    records = RECORDS
    ceilings = ("redis-rs XREADGROUP and XACK by 500", "redis-rs pipelined XADD by 500")
    connection = {"redis.uri": "redis://127.0.0.1:6379"}

    def prepare(self):
        self.publish_ceiling = example("redis_ceiling", "publish", "bench-ceiling", RECORDS)
        self.consume_ceiling = example("redis_ceiling", "consume", "bench-ceiling", RECORDS)
        example("redis_ceiling", "publish", "bench-source", RECORDS)
        subprocess.run(["redis-cli", "del", "bench-ceiling", "bench-sink"], check=True, capture_output=True)

    def source(self):
        return {
            "connector.class": "com.redis.kafka.connect.RedisStreamSourceConnector",
            "redis.stream.name": "bench-source",
            "topic": "bench-from-redis",
            "value.converter": JSON,
            "value.converter.schemas.enable": "false",
        }, "bench-from-redis"

    def sink(self, topic):
        # The entry's fields back as one stream entry's: {"body": <100 bytes>}.
        return {
            "connector.class": "com.redis.kafka.connect.RedisSinkConnector",
            "topics": topic,
            "redis.key": "bench-sink",
            "value.converter": JSON,
            "value.converter.schemas.enable": "false",
            "transforms": "body",
            "transforms.body.type": "org.apache.kafka.connect.transforms.ExtractField$Value",
            "transforms.body.field": "body",
        }

    def written(self):
        out = subprocess.run(["redis-cli", "xlen", "bench-sink"], capture_output=True, text=True, check=True)
        return int(out.stdout.strip())

    def close(self):
        subprocess.run(["redis-cli", "del", "bench-source", "bench-sink"], capture_output=True)


class Nats:
    name = "NATS"
    records = RECORDS
    ceilings = ("async-nats pull consumer, an acknowledgement each", "async-nats JetStream publish, acks per 2,000")
    connection = {"nats.servers": "nats://127.0.0.1:4222"}

    def prepare(self):
        self.publish_ceiling = example("nats_ceiling", "publish", "BENCH_CEILING", RECORDS)
        self.consume_ceiling = example("nats_ceiling", "consume", "BENCH_CEILING", RECORDS)
        example("nats_ceiling", "publish", "BENCH_SOURCE", RECORDS)
        example("nats_ceiling", "publish", "BENCH_SINK", 0)

    def source(self):
        return {
            "connector.class": "io.kconnect.connect.nats.NatsSourceConnector",
            "nats.stream": "BENCH_SOURCE",
            "nats.subjects": "bench_source.in",
            "kafka.topic": "bench-from-nats",
            "value.converter": BYTES,
        }, "bench-from-nats"

    def sink(self, topic):
        return {
            "connector.class": "io.kconnect.connect.nats.NatsSinkConnector",
            "topics": topic,
            "nats.subject": "bench_sink.in",
            "value.converter": BYTES,
        }

    def written(self):
        output = subprocess.run(
            [str(EXAMPLES / "nats_ceiling"), "count", "BENCH_SINK", "0"], capture_output=True, text=True, check=True
        ).stdout
        return int(output.strip().split("=")[1])

    def close(self):
        pass


class Mqtt:
    name = "MQTT"
    records = RECORDS
    ceilings = (
        "rumqttc resuming a persistent session, acknowledging each (QoS 1)",
        "rumqttc publishing at QoS 1, 1,000 in flight",
    )

    def __init__(self, workdir):
        self.port = free_port()
        conf = workdir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "max_queued_messages 0\nmax_inflight_messages 1000\n"
        )
        self.broker = subprocess.Popen(
            ["mosquitto", "-c", str(conf)], stdout=open(workdir / "mosquitto.log", "w"), stderr=subprocess.STDOUT
        )
        wait_port(self.port, timeout=30)
        self.connection = {"mqtt.server.uri": f"tcp://127.0.0.1:{self.port}", "mqtt.qos": "1"}

    def tool(self, *args):
        return subprocess.run(
            [str(EXAMPLES / "mqtt_ceiling"), args[0], str(self.port), *map(str, args[1:])],
            capture_output=True, text=True, check=True,
        ).stdout

    def rate(self, *args):
        return float(self.tool(*args).strip().split("=")[1])

    def prepare(self):
        self.tool("session", "bench/ceiling", "ceiling-consumer")
        self.publish_ceiling = self.rate("publish", "bench/ceiling", RECORDS)
        self.consume_ceiling = self.rate("consume", "ceiling-consumer", RECORDS)
        # The source's task is client `mqtt-source-0`; the sink publishes to its Kafka topic's name.
        self.tool("session", "bench/source", "mqtt-source-0")
        self.tool("publish", "bench/source", RECORDS)
        self.tool("session", "bench-from-mqtt", "sink-check")

    def source(self):
        return {
            "connector.class": "io.confluent.connect.mqtt.MqttSourceConnector",
            "mqtt.topics": "bench/source",
            "mqtt.clean.session.enabled": "false",
            "kafka.topic": "bench-from-mqtt",
            "value.converter": BYTES,
        }, "bench-from-mqtt"

    def sink(self, topic):
        return {
            "connector.class": "io.confluent.connect.mqtt.MqttSinkConnector",
            "topics": topic,
            "value.converter": BYTES,
        }

    def written(self):
        return int(self.tool("count", "sink-check").strip().split("=")[1])

    def close(self):
        self.broker.terminate()
        self.broker.wait(timeout=30)


class ActiveMq:
    name = "ActiveMQ"
    records = int(os.environ.get("BENCH_ACTIVEMQ_RECORDS", "100000"))
    ceilings = (
        "ActiveMQ's Java consumer over OpenWire, client acknowledgements",
        "ActiveMQ's Java producer over OpenWire, persistent",
    )

    def __init__(self, workdir):
        self.base = workdir / "activemq"
        self.base.mkdir()
        self.stomp, self.openwire = free_port(), free_port()
        (self.base / "activemq.xml").write_text(
            f"""<beans xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="bench" useJmx="false" dataDirectory="{self.base}/data">
    <persistenceAdapter><kahaDB directory="{self.base}/data/kahadb"/></persistenceAdapter>
    <transportConnectors>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:{self.stomp}"/>
      <transportConnector name="openwire" uri="tcp://127.0.0.1:{self.openwire}"/>
    </transportConnectors>
  </broker>
</beans>"""
        )
        self.broker = subprocess.Popen(
            ["java", "-Xmx1g", "-Dactivemq.home=/usr/share/activemq", f"-Dactivemq.base={self.base}",
             f"-Dactivemq.conf={self.base}", f"-Dactivemq.data={self.base}/data", "-jar", ACTIVEMQ_JAR,
             "start", f"xbean:file:{self.base}/activemq.xml"],
            stdout=open(self.base / "broker.log", "w"), stderr=subprocess.STDOUT,
        )
        wait_port(self.stomp)
        self.connection = {"activemq.url": f"stomp://127.0.0.1:{self.stomp}"}

    def tool(self, verb, queue, *options):
        return ["java", "-Dactivemq.home=/usr/share/activemq", "-jar", ACTIVEMQ_JAR, verb,
                "--brokerUrl", f"tcp://127.0.0.1:{self.openwire}", "--destination", f"queue://{queue}",
                "--messageCount", str(self.records), *options]

    def prepare(self):
        produce = self.tool("producer", "bench-ceiling", "--messageSize", "100")
        self.publish_ceiling = timed(produce, self.records)
        consume = self.tool("consumer", "bench-ceiling", "--ackMode", "CLIENT_ACKNOWLEDGE")
        self.consume_ceiling = timed(consume, self.records)
        subprocess.run(self.tool("producer", "bench-source", "--messageSize", "100"), check=True, capture_output=True)

    def source(self):
        return {
            "connector.class": "io.confluent.connect.activemq.ActiveMQSourceConnector",
            "jms.destination.name": "bench-source",
            "kafka.topic": "bench-from-activemq",
            "value.converter": BYTES,
            "transforms": "bytes",
            "transforms.bytes.type": "org.apache.kafka.connect.transforms.ExtractField$Value",
            "transforms.bytes.field": "bytes",
        }, "bench-from-activemq"

    def sink(self, topic):
        return {
            "connector.class": "io.confluent.connect.jms.ActiveMqSinkConnector",
            "topics": topic,
            "jms.destination.name": "bench-sink",
            "jms.message.format": "bytes",
            "value.converter": BYTES,
        }

    def written(self):
        """How many the sink's queue holds: its messages taken, all of them within five minutes."""
        try:
            subprocess.run(self.tool("consumer", "bench-sink"), check=True, capture_output=True, timeout=300)
            return self.records
        except subprocess.TimeoutExpired:
            return -1

    def close(self):
        self.broker.terminate()
        self.broker.wait(timeout=30)


def run_system(system, workdir, bootstrap):
    """The source's and the sink's results for one system."""
    system.prepare()
    source_config, topic = system.source()
    results = []
    for role, config, metric in (
        ("source", {**source_config, **TOPIC_CREATION}, SOURCE_WRITTEN),
        ("sink", system.sink(topic), SINK_SENT),
    ):
        name = f"{system.name.lower()}-{role}"
        port = free_port()
        command = standalone(workdir, name, bootstrap, port, {**system.connection, **config}, WORKER)
        progress = lambda port=port, metric=metric: metric_total(port, metric)  # noqa: E731
        results.append(measure(name, command, workdir, progress, system.records))
    return results[0], results[1], system.written()


def main():
    workdir = Path(os.environ.get("BENCH_DIR", "/tmp/kconnect-bench-queues"))
    subprocess.run(["rm", "-rf", str(workdir)], check=True)
    workdir.mkdir(parents=True)
    chosen = os.environ.get("BENCH_SYSTEMS", "rabbitmq,redis,nats,mqtt,activemq").split(",")
    makers = {
        "rabbitmq": RabbitMq,
        "redis": Redis,
        "nats": Nats,
        "mqtt": lambda: Mqtt(workdir),
        "activemq": lambda: ActiveMq(workdir),
    }
    broker, bootstrap = memory_broker(workdir)
    rows = []
    try:
        for key in chosen:
            system = makers[key]()
            try:
                source, sink, written = run_system(system, workdir, bootstrap)
            finally:
                system.close()
            rows.append((system, source, sink, written))
    finally:
        broker.terminate()
        broker.wait(timeout=30)
    report(rows, "" if set(chosen) == set(makers) else "-" + "-".join(chosen))


def report(rows, suffix):
    lines = [
        f"# Message queue connectors — {datetime.date.today()} (commit {head_commit()})",
        "",
        "Messages of 100 bytes each way, `kconnect broker --storage memory`, one task each;",
        "the ceiling is the system's own client with no Kafka (bench/README.md, bench/queues.py).",
        "",
        "| system | direction | messages/s | ceiling (messages/s) | share of ceiling | CPU s / M messages | peak RSS (MB) | start to first record (s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for system, source, sink, written in rows:
        for direction, result, ceiling in (
            ("→ Kafka (source)", source, system.consume_ceiling),
            ("Kafka → (sink)", sink, system.publish_ceiling),
        ):
            lines.append(
                f"| {system.name} | {direction} | {result['records_per_s']:,.0f} | {ceiling:,.0f} | "
                f"{result['records_per_s'] / ceiling:.0%} | {result['cpu_s_per_million']:,.2f} | "
                f"{result['peak_rss_mb']:,.0f} | {result['first_record_s']:,.2f} |"
            )
        notes.append(
            f"- {system.name}: {system.records:,} messages; ceilings {system.ceilings[0]} / {system.ceilings[1]}; "
            f"the sink's side held {written:,} messages afterwards (expected {system.records:,})."
        )
    lines += ["", *notes, ""]
    publish("\n".join(lines), f"{datetime.date.today()}-queues{suffix}")


if __name__ == "__main__":
    main()
