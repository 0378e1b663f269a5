#!/usr/bin/env python3
"""PostgreSQL change data capture: kconnect beside Debezium 3.0.7 on Apache Kafka Connect 3.9.

Both run the same Debezium connector file (JsonConverter without schemas: with them a million
events of this table would hold about 3 GB per run in the in-memory broker) on one
`kconnect broker --storage memory` and this machine's PostgreSQL, each with its own slot and
publication, one after the other:

1. snapshot: a table of BENCH_CDC_ROWS rows (10 mixed columns) read by `snapshot.mode=initial`;
2. streaming: the worker is stopped, BENCH_CDC_ROWS single-row updates are made (ten transactions),
   and the worker started again reads them from the slot;
3. latency: with the worker running, pgbench makes single-row updates, one transaction each, at
   BENCH_CDC_RATE a second for BENCH_CDC_SECONDS seconds; each event's time from its commit
   (`source.ts_ms`) to being read from Kafka.

Rates are records ÷ (Kafka timestamp of the last record − of the first), read by
`crates/cli/examples/topic_watch.rs`; CPU s per million records is the worker's user+system CPU
(start-up included) when the last record arrived; peak RSS is its VmHWM.
"""

import datetime
import os
import subprocess
import sys
from pathlib import Path

from bench import APACHE, KCONNECT, TARGET, cpu_seconds, head_commit, free_port, peak_rss_mb, publish, wait_port

ROWS = int(os.environ.get("BENCH_CDC_ROWS", "1000000"))
RATE = int(os.environ.get("BENCH_CDC_RATE", "5000"))
SECONDS = int(os.environ.get("BENCH_CDC_SECONDS", "20"))
TABLE = "bench_cdc"
WATCH = TARGET / "release" / "examples" / "topic_watch"
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-v", "ON_ERROR_STOP=1", "-tAq"]


def psql(sql):
    return subprocess.run([*PSQL, "-c", sql], capture_output=True, text=True, check=True).stdout.strip()


def fill_table():
    psql(f"DROP TABLE IF EXISTS {TABLE}")
    psql(
        f"CREATE TABLE {TABLE} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, email VARCHAR(100), "
        "amount NUMERIC(12,2), qty INT NOT NULL, price DOUBLE PRECISION, active BOOLEAN, "
        "created TIMESTAMP, updated TIMESTAMPTZ, note TEXT)"
    )
    psql(
        f"INSERT INTO {TABLE} SELECT i, 'customer-' || i, 'c' || i || '@example.com', i * 0.25, i % 100, "
        "i * 1.5, i % 2 = 0, TIMESTAMP '2024-01-01' + i * INTERVAL '1 second', "
        f"TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL '1 minute', 'note ' || i "
        f"FROM generate_series(1, {ROWS}) AS i"
    )
    psql(f"VACUUM ANALYZE {TABLE}")


def drop_slot(name):
    psql(f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{name}'")
    psql(f"DROP PUBLICATION IF EXISTS {name}")


def files(workdir, runtime, bootstrap, rest_port):
    worker = workdir / f"{runtime}-worker.properties"
    worker.write_text(
        f"bootstrap.servers={bootstrap}\n"
        "key.converter=org.apache.kafka.connect.json.JsonConverter\nkey.converter.schemas.enable=false\n"
        "value.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=false\n"
        f"offset.storage.file.filename={workdir / (runtime + '.offsets')}\n"
        "offset.flush.interval.ms=10000\n"
        f"listeners=http://127.0.0.1:{rest_port}\n"
        f"plugin.path={workdir}\nplugin.discovery=service_load\n"
    )
    connector = workdir / f"{runtime}.properties"
    connector.write_text(
        f"name={runtime}\nconnector.class=io.debezium.connector.postgresql.PostgresConnector\n"
        "database.hostname=127.0.0.1\ndatabase.port=5432\ndatabase.user=postgres\ndatabase.password=\n"
        f"database.dbname=test\ntopic.prefix={runtime}\nplugin.name=pgoutput\n"
        f"slot.name=bench_{runtime}\npublication.name=bench_{runtime}\npublication.autocreate.mode=filtered\n"
        f"table.include.list=public.{TABLE}\n"
        "topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n"
    )
    return [str(worker), str(connector)]


def watch(bootstrap, topic, offset, count, latency=False):
    command = [str(WATCH), bootstrap, topic, str(offset), str(count), "15"] + (["--latency"] if latency else [])
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def watched(watcher):
    output = watcher.communicate(timeout=3600)[0]
    return {key: float(value) for key, value in (item.split("=") for item in output.split())}


class Worker:
    def __init__(self, workdir, runtime, command):
        env = dict(os.environ, APACHE_CONNECT_DEBEZIUM="1")
        log = open(workdir / f"{runtime}.log", "a")
        self.process = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, env=env)

    def sample(self):
        return cpu_seconds(self.process.pid), peak_rss_mb(self.process.pid)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def phase(watcher, worker, expected):
    seen = watched(watcher)
    cpu, rss = worker.sample()
    if seen["count"] < expected:
        raise RuntimeError(f"only {seen['count']:.0f} of {expected} records")
    span = max(seen["last_ms"] - seen["first_ms"], 1) / 1000
    return {"records_per_s": seen["count"] / span, "cpu_s_per_million": cpu / (seen["count"] / 1e6), "peak_rss_mb": rss}


def run(workdir, runtime, binary, bootstrap):
    print(f"running {runtime} ...", file=sys.stderr, flush=True)
    drop_slot(f"bench_{runtime}")
    topic = f"{runtime}.public.{TABLE}"
    command = [str(binary), "standalone", *files(workdir, runtime, bootstrap, free_port())]
    watcher = watch(bootstrap, topic, 0, ROWS)
    worker = Worker(workdir, runtime, command)
    snapshot = phase(watcher, worker, ROWS)
    worker.stop()
    for start in range(0, ROWS, max(ROWS // 10, 1)):
        psql(f"UPDATE {TABLE} SET qty = qty + 1, updated = now() WHERE id > {start} AND id <= {start + ROWS // 10}")
    watcher = watch(bootstrap, topic, ROWS, ROWS)
    worker = Worker(workdir, runtime, command)
    streaming = phase(watcher, worker, ROWS)
    script = workdir / "update.sql"
    script.write_text(f"\\set id random(1, {ROWS})\nUPDATE {TABLE} SET qty = qty + 1 WHERE id = :id;\n")
    watcher = watch(bootstrap, topic, 2 * ROWS, RATE * SECONDS, latency=True)
    bench = subprocess.run(
        ["pgbench", "-n", "-h", "127.0.0.1", "-U", "postgres", "-c", "4", "-j", "2", "-R", str(RATE),
         "-T", str(SECONDS), "-f", str(script), "test"],
        capture_output=True, text=True, check=True,
    )
    latency = watched(watcher)
    latency["changes_per_s"] = next(
        float(line.split("=")[1].split()[0]) for line in bench.stdout.splitlines() if line.startswith("tps")
    )
    worker.stop()
    drop_slot(f"bench_{runtime}")
    return {"snapshot": snapshot, "streaming": streaming, "latency": latency}


def main():
    workdir = Path(os.environ.get("BENCH_DIR", "/tmp/kconnect-bench-cdc"))
    subprocess.run(["rm", "-rf", str(workdir)], check=True)
    workdir.mkdir(parents=True)
    print(f"filling {TABLE} with {ROWS:,} rows ...", file=sys.stderr, flush=True)
    fill_table()
    broker_port = free_port()
    bootstrap = f"127.0.0.1:{broker_port}"
    broker = subprocess.Popen(
        [str(KCONNECT), "broker", "--listen", bootstrap, "--storage", "memory"],
        stdout=open(workdir / "broker.log", "w"), stderr=subprocess.STDOUT,
    )
    results = {}
    try:
        wait_port(broker_port)
        runtimes = {"debezium": APACHE, "kconnect": KCONNECT}
        for runtime in os.environ.get("BENCH_CDC_RUNTIMES", "debezium,kconnect").split(","):
            results[runtime] = run(workdir, runtime, runtimes[runtime], bootstrap)
    finally:
        broker.terminate()
        broker.wait(timeout=30)
    report(results)


def report(results):
    commit = head_commit()
    names = [r for r in ("debezium", "kconnect") if r in results]
    header = " | ".join({"debezium": "Debezium 3.0.7 on Apache 3.9", "kconnect": "kconnect"}[r] for r in names)
    lines = [
        f"# PostgreSQL CDC: kconnect vs Debezium — {datetime.date.today()}",
        "",
        f"Commit `{commit}`; {ROWS:,} rows of 10 columns; JsonConverter without schemas; one standalone worker per run,",
        "`kconnect broker --storage memory`, this machine's PostgreSQL, 2 cores.",
        "",
        f"| metric | {header} |" + (" kconnect / Debezium |" if len(names) == 2 else ""),
        "|---|" + "---:|" * (len(names) + (1 if len(names) == 2 else 0)),
    ]
    rows = [
        ("snapshot rows/s", "snapshot", "records_per_s", "{:,.0f}"),
        ("snapshot CPU s per million rows", "snapshot", "cpu_s_per_million", "{:,.2f}"),
        ("snapshot peak RSS (MB)", "snapshot", "peak_rss_mb", "{:,.0f}"),
        ("streaming changes/s", "streaming", "records_per_s", "{:,.0f}"),
        ("streaming CPU s per million changes", "streaming", "cpu_s_per_million", "{:,.2f}"),
        ("streaming peak RSS (MB)", "streaming", "peak_rss_mb", "{:,.0f}"),
        (f"latency p50 (ms) at {RATE:,} changes/s", "latency", "p50_ms", "{:,.0f}"),
        (f"latency p99 (ms) at {RATE:,} changes/s", "latency", "p99_ms", "{:,.0f}"),
        ("latency max (ms)", "latency", "max_ms", "{:,.0f}"),
        ("changes/s pgbench made", "latency", "changes_per_s", "{:,.0f}"),
    ]
    for label, group, metric, fmt in rows:
        values = [results[r][group][metric] for r in names]
        line = f"| {label} | " + " | ".join(fmt.format(v) for v in values) + " |"
        if len(values) == 2:
            line += f" {values[1] / values[0]:.2f} |" if values[0] else " — |"
        lines.append(line)
    publish("\n".join(lines) + "\n", f"{datetime.date.today()}-cdc")


if __name__ == "__main__":
    main()
