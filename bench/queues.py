#!/usr/bin/env python3
"""Message queue connectors against the machine's RabbitMQ, on a `kconnect broker --storage memory`.

Source: RabbitMQSourceConnector consumes a queue holding N persistent messages of 100 bytes into a
topic (ByteArrayConverter); messages/s until the worker's /metrics counts N records written (each
acknowledged to RabbitMQ only after Kafka acknowledged it). Sink: RabbitMQSinkConnector publishes
that topic to another queue (persistent, publisher confirms); messages/s until the worker's
/metrics counts N records sent, then the queue is checked to hold N. Beside each, the ceiling: the
same client (lapin) publishing with confirms or consuming with acknowledgements as fast as it can,
with no Kafka (`connectors/queues/examples/rabbitmq_ceiling.rs`). Target (issue 24): at least 70%
of the ceiling each way.
"""

import datetime
import os
import subprocess
from pathlib import Path

from bench import RECORDS, TARGET, free_port, head_commit, measure, memory_broker, metric_total, publish, standalone

RABBITMQ_CEILING = TARGET / "release" / "examples" / "rabbitmq_ceiling"
BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"
WORKER = f"key.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter={BYTES}\n"
TOPIC = "bench-from-rabbitmq"


def ceiling(mode, queue):
    """Messages/s of the raw client publishing (to a fresh queue) or consuming RECORDS messages."""
    output = subprocess.run(
        [str(RABBITMQ_CEILING), mode, queue, str(RECORDS)], capture_output=True, text=True, check=True
    ).stdout
    return float(output.strip().split("=")[1])


def queue_length(queue):
    out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "name", "messages"], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        name, _, count = line.partition("\t")
        if name == queue:
            return int(count)
    return 0


def main():
    workdir = Path(os.environ.get("BENCH_DIR", "/tmp/kconnect-bench-queues"))
    subprocess.run(["rm", "-rf", str(workdir)], check=True)
    workdir.mkdir(parents=True)
    publish_ceiling = ceiling("publish", "bench-ceiling")
    consume_ceiling = ceiling("consume", "bench-ceiling")
    ceiling("publish", "bench-source")
    subprocess.run([str(RABBITMQ_CEILING), "publish", "bench-sink", "0"], check=True, capture_output=True)
    broker, bootstrap = memory_broker(workdir)
    try:
        source_port = free_port()
        source = measure(
            "rabbitmq-source",
            standalone(
                workdir,
                "rabbitmq-source",
                bootstrap,
                source_port,
                {
                    "connector.class": "io.confluent.connect.rabbitmq.RabbitMQSourceConnector",
                    "rabbitmq.host": "127.0.0.1",
                    "rabbitmq.queue": "bench-source",
                    "kafka.topic": TOPIC,
                    "value.converter": BYTES,
                    "topic.creation.default.partitions": "1",
                    "topic.creation.default.replication.factor": "1",
                },
                WORKER,
            ),
            workdir,
            lambda: metric_total(source_port, "kafka_connect_source_task_metrics_source_record_write_total"),
            RECORDS,
        )
        sink_port = free_port()
        sink = measure(
            "rabbitmq-sink",
            standalone(
                workdir,
                "rabbitmq-sink",
                bootstrap,
                sink_port,
                {
                    "connector.class": "io.confluent.connect.rabbitmq.sink.RabbitMQSinkConnector",
                    "rabbitmq.host": "127.0.0.1",
                    "topics": TOPIC,
                    "rabbitmq.exchange": "",
                    "rabbitmq.routing.key": "bench-sink",
                    "value.converter": BYTES,
                },
                WORKER,
            ),
            workdir,
            lambda: metric_total(sink_port, "kafka_connect_sink_task_metrics_sink_record_send_total"),
            RECORDS,
        )
    finally:
        broker.terminate()
        broker.wait(timeout=30)
    published = queue_length("bench-sink")
    report(source, sink, consume_ceiling, publish_ceiling, published)


def report(source, sink, consume_ceiling, publish_ceiling, published):
    commit = head_commit()
    rows = [
        ("RabbitMQ → Kafka (source)", source, consume_ceiling, "lapin consuming, acknowledging each"),
        ("Kafka → RabbitMQ (sink)", sink, publish_ceiling, "lapin publishing with confirms"),
    ]
    lines = [
        f"# Message queue connectors — {datetime.date.today()} (commit {commit})",
        "",
        f"{RECORDS:,} persistent messages of 100 bytes, the machine's RabbitMQ, `kconnect broker --storage memory`,",
        "ByteArrayConverter; one task each. The ceiling is the same client with no Kafka (bench/README.md).",
        "",
        "| direction | messages/s | ceiling (messages/s) | share of ceiling | CPU s / M messages | peak RSS (MB) | start to first record (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, result, ceiling_rate, _ in rows:
        lines.append(
            f"| {label} | {result['records_per_s']:,.0f} | {ceiling_rate:,.0f} | "
            f"{result['records_per_s'] / ceiling_rate:.0%} | {result['cpu_s_per_million']:,.2f} | "
            f"{result['peak_rss_mb']:,.0f} | {result['first_record_s']:,.2f} |"
        )
    lines += [
        "",
        "Ceilings: " + "; ".join(f"{label.split(' (')[0]}: {what}" for label, _, _, what in rows) + ".",
        f"The sink's queue held {published:,} messages afterwards (expected {RECORDS:,}).",
        "",
    ]
    publish("\n".join(lines), f"{datetime.date.today()}-queues")


if __name__ == "__main__":
    main()
