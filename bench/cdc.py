#!/usr/bin/env python3
"""Change data capture: kconnect beside Debezium 3.0.7 on Apache Kafka Connect 3.9.

Both run the same Debezium connector file (JsonConverter without schemas: with them a million
events of this table would hold about 3 GB per run in the in-memory broker) on one
`kconnect broker --storage memory` and this machine's PostgreSQL (BENCH_CDC_DATABASE=postgres,
each with its own slot and publication) or MariaDB (=mariadb, each a replica of its own), one
after the other:

1. snapshot: a table of BENCH_CDC_ROWS rows (10 mixed columns) read by `snapshot.mode=initial`;
2. streaming: the worker is stopped, BENCH_CDC_ROWS single-row updates are made (ten transactions),
   and the worker started again reads them from the slot or the binary log;
3. latency: with the worker running, single-row updates, one transaction each (pgbench; on MariaDB
   a stored procedure in several sessions), at BENCH_CDC_RATE a second for BENCH_CDC_SECONDS
   seconds; each event's time from its commit (`source.ts_ms`; on MariaDB, whose binary log times
   events in whole seconds, the update's own time the row carries) to being read from Kafka.

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
from cdc_databases import DATABASES, TABLE

ROWS = int(os.environ.get("BENCH_CDC_ROWS", "1000000"))
RATE = int(os.environ.get("BENCH_CDC_RATE", "5000"))
SECONDS = int(os.environ.get("BENCH_CDC_SECONDS", "20"))
WATCH = TARGET / "release" / "examples" / "topic_watch"
DATABASE = DATABASES[os.environ.get("BENCH_CDC_DATABASE", "postgres")]


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
        f"name={runtime}\ntopic.prefix={runtime}\n{DATABASE.connector(runtime, workdir)}"
        "topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n"
    )
    return [str(worker), str(connector)]


def watch(bootstrap, topic, offset, count, latency=False):
    command = [str(WATCH), bootstrap, topic, str(offset), str(count), "15"] + (DATABASE.latency_args if latency else [])
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
    DATABASE.reset(runtime)
    topic = f"{runtime}.{DATABASE.namespace}.{TABLE}"
    command = [str(binary), "standalone", *files(workdir, runtime, bootstrap, free_port())]
    watcher = watch(bootstrap, topic, 0, ROWS)
    worker = Worker(workdir, runtime, command)
    snapshot = phase(watcher, worker, ROWS)
    worker.stop()
    DATABASE.update_all(ROWS)
    watcher = watch(bootstrap, topic, ROWS, ROWS)
    worker = Worker(workdir, runtime, command)
    streaming = phase(watcher, worker, ROWS)
    watcher = watch(bootstrap, topic, 2 * ROWS, RATE * SECONDS, latency=True)
    made = DATABASE.steady_load(workdir, ROWS, RATE, SECONDS)
    latency = watched(watcher)
    latency["changes_per_s"] = made
    worker.stop()
    DATABASE.reset(runtime)
    return {"snapshot": snapshot, "streaming": streaming, "latency": latency}


def main():
    workdir = Path(os.environ.get("BENCH_DIR", "/tmp/kconnect-bench-cdc"))
    subprocess.run(["rm", "-rf", str(workdir)], check=True)
    workdir.mkdir(parents=True)
    print(f"filling {TABLE} with {ROWS:,} rows ...", file=sys.stderr, flush=True)
    DATABASE.fill(ROWS)
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
        f"# {DATABASE.name} CDC: kconnect vs Debezium — {datetime.date.today()}",
        "",
        f"Commit `{commit}`; {ROWS:,} rows of 10 columns; JsonConverter without schemas; one standalone worker per run,",
        f"`kconnect broker --storage memory`, this machine's {DATABASE.name}, 2 cores.",
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
        (f"changes/s {DATABASE.load_name} made", "latency", "changes_per_s", "{:,.0f}"),
    ]
    for label, group, metric, fmt in rows:
        values = [results[r][group][metric] for r in names]
        line = f"| {label} | " + " | ".join(fmt.format(v) for v in values) + " |"
        if len(values) == 2:
            line += f" {values[1] / values[0]:.2f} |" if values[0] else " — |"
        lines.append(line)
    publish("\n".join(lines) + "\n", f"{datetime.date.today()}-cdc{DATABASE.results_suffix}")


if __name__ == "__main__":
    main()
