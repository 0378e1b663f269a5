#!/usr/bin/env python3
"""JDBC connectors on this machine's PostgreSQL, on a `kconnect broker --storage memory`.

Source: JdbcSourceConnector in bulk mode reads a table of N rows into a topic (JsonConverter with
schemas); rows/s from the first to the last record written, read off the worker's /metrics.
Sink: JdbcSinkConnector writes that topic into a new table (insert mode, batch.size 3000); rows/s
from the first to the last row counted in the table. Each is printed beside the row's size in
PostgreSQL and the record's size in Kafka. Apache Kafka Connect ships no JDBC connector, so there
is no side-by-side run here.
"""

import datetime
import os
import subprocess
from pathlib import Path

from bench import CEILING, TARGET, free_port, head_commit, measure, metric_total, memory_broker, publish, standalone

ROWS = int(os.environ.get("BENCH_JDBC_ROWS", "1000000"))
URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres"
SOURCE_TABLE = "bench_source"
TARGET_TABLE = "bench_target"
TOPIC = f"bench-{SOURCE_TABLE}"
SINK_RATE = TARGET / "release" / "examples" / "sink_rate"


def psql(sql):
    command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-tAqc", sql]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def table_rows(table):
    try:
        return int(psql(f"SELECT count(*) FROM {table}") or 0)
    except subprocess.CalledProcessError:
        return 0


def worker_files(workdir, name, bootstrap, rest_port, connector):
    converters = (
        "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
        "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
    )
    return standalone(workdir, name, bootstrap, rest_port, {"connection.url": URL, **connector}, converters)


def main():
    workdir = Path(os.environ.get("BENCH_DIR", "/tmp/kconnect-bench-jdbc"))
    subprocess.run(["rm", "-rf", str(workdir)], check=True)
    workdir.mkdir(parents=True)
    psql(f"DROP TABLE IF EXISTS {SOURCE_TABLE}; DROP TABLE IF EXISTS {TARGET_TABLE}")
    psql(
        f"CREATE TABLE {SOURCE_TABLE} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, amount NUMERIC(12,2) NOT NULL, "
        "created TIMESTAMP NOT NULL, active BOOLEAN NOT NULL)"
    )
    psql(
        f"INSERT INTO {SOURCE_TABLE} SELECT i, 'customer-' || i, i * 0.25, "
        f"TIMESTAMP '2024-01-01' + i * INTERVAL '1 second', i % 2 = 0 FROM generate_series(1, {ROWS}) AS i"
    )
    row_bytes = int(psql(f"SELECT avg(pg_column_size(t.*))::int FROM {SOURCE_TABLE} t"))

    broker, bootstrap = memory_broker(workdir)
    try:
        source_port = free_port()
        source = measure(
            "source",
            worker_files(
                workdir,
                "source",
                bootstrap,
                source_port,
                {
                    "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
                    "mode": "bulk",
                    "table.whitelist": SOURCE_TABLE,
                    "topic.prefix": "bench-",
                    "batch.max.rows": "10000",
                    "poll.interval.ms": "3600000",
                    "topic.creation.default.partitions": "1",
                    "topic.creation.default.replication.factor": "1",
                },
            ),
            workdir,
            lambda: metric_total(source_port, "kafka_connect_source_task_metrics_source_record_write_total"),
            ROWS,
        )
        sink = measure(
            "sink",
            worker_files(
                workdir,
                "sink",
                bootstrap,
                free_port(),
                {
                    "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
                    "topics": TOPIC,
                    "table.name.format": TARGET_TABLE,
                    "auto.create": "true",
                    "insert.mode": "insert",
                    "batch.size": "3000",
                },
            ),
            workdir,
            lambda: table_rows(TARGET_TABLE),
            ROWS,
            interval=0.25,
        )
        record_bytes = len(sample_record())
        consumer = run_ceiling(bootstrap, record_bytes)
    finally:
        broker.terminate()
        broker.wait(timeout=30)
    psql("DROP TABLE IF EXISTS bench_task_alone")
    alone = subprocess.run(
        [str(SINK_RATE), URL, "bench_task_alone", str(ROWS), "2000"], capture_output=True, text=True, check=True
    ).stdout
    task_alone = float(alone.strip().split("=")[1])
    report(source, sink, row_bytes, record_bytes, consumer, task_alone)


def run_ceiling(bootstrap, record_bytes):
    """The raw librdkafka consumer's records/s for records of the benchmark's size."""
    output = subprocess.run(
        [str(CEILING), bootstrap, str(min(ROWS, 500_000)), str(record_bytes)], capture_output=True, text=True, check=True
    ).stdout
    return float(dict(item.split("=") for item in output.split())["consumer"])


def sample_record():
    """The JSON (with schema) of a middle row, as the JsonConverter writes it."""
    schema = (
        '{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},'
        '{"type":"string","optional":false,"field":"name"},'
        '{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,'
        '"parameters":{"scale":"2"},"field":"amount"},'
        '{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,'
        '"field":"created"},{"type":"boolean","optional":false,"field":"active"}],'
        f'"optional":false,"name":"{SOURCE_TABLE}"}}'
    )
    payload = '{"id":500000,"name":"customer-500000","amount":"AehI","created":1704567200000,"active":true}'
    return f'{{"schema":{schema},"payload":{payload}}}'


def report(source, sink, row_bytes, record_bytes, consumer, task_alone):
    commit = head_commit()
    lines = [
        f"# JDBC connectors on PostgreSQL, {datetime.date.today()} (commit {commit})",
        "",
        f"{ROWS:,} rows of 5 columns (BIGINT, TEXT, NUMERIC(12,2), TIMESTAMP, BOOLEAN): "
        f"{row_bytes} bytes per row in PostgreSQL, about {record_bytes} bytes per record in Kafka (JsonConverter with schemas).",
        "",
        "| | rows/s | CPU s / million rows | peak RSS |",
        "|---|---:|---:|---:|",
        f"| source, bulk mode, batch.max.rows 10000 | {source['records_per_s']:,.0f} | {source['cpu_s_per_million']:.1f} | {source['peak_rss_mb']:.0f} MB |",
        f"| sink, insert mode, batch.size 3000 | {sink['records_per_s']:,.0f} | {sink['cpu_s_per_million']:.1f} | {sink['peak_rss_mb']:.0f} MB |",
        "",
        f"The worker's sink is bound by the broker: the raw librdkafka consumer reads {record_bytes}-byte records from",
        f"this `kconnect broker --storage memory` at {consumer:,.0f} records/s (`crates/cli/examples/kafka_ceiling.rs`).",
        "The sink task alone, given the same records in batches of 2,000 as the worker gives them",
        f"(`connectors/jdbc/examples/sink_rate.rs`), writes {task_alone:,.0f} rows/s into PostgreSQL.",
        "",
        "Targets (issue 7): sink ≥ 50,000 rows/s, source ≥ 100,000 rows/s.",
    ]
    publish("\n".join(lines) + "\n", f"{datetime.date.today()}-jdbc")


if __name__ == "__main__":
    main()
