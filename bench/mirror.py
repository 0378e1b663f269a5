#!/usr/bin/env python3
"""MirrorMaker 2's source connector between two brokers, beside the raw ceiling.

Two `kconnect broker --storage memory` processes: the source holds a topic of `BENCH_RECORDS`
(1,000,000) records of `BENCH_RECORD_BYTES` (1,024) bytes with a 16-byte key and one header, in
one partition. kconnect runs MirrorSourceConnector (one task, ByteArrayConverter for keys, values
and headers, offset syncs on) in a standalone worker on the target broker; records/s from the first
record written to the last, as the worker's /metrics counts them, CPU seconds per million (the
worker's user + system, start-up included), peak RSS. The ceiling is a raw consume-and-produce loop
with the same client, librdkafka (`connectors/mirror/examples/mirror_ceiling.rs`: the source task's
producer settings, every record copied with its key, headers, partition and timestamp), measured
the same way by itself. Target (issue 25): at least 80% of the ceiling. The same flow runs again
exactly once: a distributed worker with `exactly.once.source.support=enabled`, the source consumer
reading committed records, records and offsets in a transaction per poll, onto a third broker
(target: at least 60% of the ceiling).

Apache's MirrorMaker is not run beside it: its connect-mirror jars come only from Maven Central,
which this machine cannot reach (the Apache Connect bundle the other benchmarks use lacks them).
"""

import datetime
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from bench import KCONNECT, RECORDS, TARGET, free_port, head_commit, measure, memory_broker, metric_total, publish, standalone

RECORD_BYTES = int(os.environ.get("BENCH_RECORD_BYTES", "1024"))
EXAMPLE = TARGET / "release" / "examples" / "mirror_ceiling"
BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"
WRITTEN = "kafka_connect_source_task_metrics_source_record_write_total"
TOPIC = "bench"


def broker(workdir, name):
    """A memory broker of its own directory."""
    directory = workdir / name
    directory.mkdir()
    return memory_broker(directory)


def ceiling(source, target):
    """The raw loop's figures, as it prints them."""
    output = subprocess.run(
        [str(EXAMPLE), "copy", source, target, TOPIC, str(RECORDS)], capture_output=True, text=True, check=True
    ).stdout
    figures = dict(pair.split("=") for pair in output.split())
    rate = float(figures["records_per_s"])
    return {
        "records_per_s": rate,
        "mb_per_s": rate * RECORD_BYTES / 1e6,
        "cpu_s_per_million": float(figures["cpu_s"]) / (RECORDS / 1e6),
        "peak_rss_mb": float(figures["peak_rss_mb"]),
    }


def kconnect(workdir, source, target):
    """kconnect's MirrorSourceConnector copying the topic to the target."""
    rest = free_port()
    connector = connector_config(source)
    command = standalone(workdir, "mirror", target, rest, connector, "key.converter=" + BYTES + "\nvalue.converter=" + BYTES + "\n")
    result = measure("mirror", command, workdir, lambda: metric_total(rest, WRITTEN), RECORDS)
    result["mb_per_s"] = result["records_per_s"] * RECORD_BYTES / 1e6
    return result


def connector_config(source):
    """MirrorSourceConnector copying the topic from `source`: one task, bytes through."""
    return {
        "connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector",
        "tasks.max": "1",
        "source.cluster.alias": "A",
        "target.cluster.alias": "B",
        "source.cluster.bootstrap.servers": source,
        "topics": TOPIC,
        "replication.factor": "1",
        "offset-syncs.topic.replication.factor": "1",
        "source.consumer.fetch.max.wait.ms": "50",
        "key.converter": BYTES,
        "value.converter": BYTES,
        "header.converter": BYTES,
    }


def distributed(workdir, name, bootstrap, rest_port, worker_extra=""):
    """The command line of a distributed worker of its own group on `bootstrap` (internal topics of
    one replica), with `worker_extra` lines."""
    worker = workdir / f"{name}-worker.properties"
    worker.write_text(
        f"bootstrap.servers={bootstrap}\ngroup.id={name}\nlisteners=http://127.0.0.1:{rest_port}\n"
        f"config.storage.topic={name}-configs\noffset.storage.topic={name}-offsets\n"
        f"status.storage.topic={name}-status\nconfig.storage.replication.factor=1\n"
        "offset.storage.replication.factor=1\nstatus.storage.replication.factor=1\n" + worker_extra
    )
    return [str(KCONNECT), "distributed", str(worker)]


def create_when_up(rest, name, connector):
    """PUTs `connector` as `name` once the worker's REST API takes it (409 while it joins)."""
    body = json.dumps(connector).encode()
    deadline = time.time() + 60
    while time.time() < deadline:
        request = urllib.request.Request(
            f"http://127.0.0.1:{rest}/connectors/{name}/config",
            data=body,
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        try:
            urllib.request.urlopen(request, timeout=5)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"connector {name} was not created")


def kconnect_exactly_once(workdir, source, target):
    """The same flow on a distributed worker with exactly-once sources: records and upstream
    offsets written in transactions (one per poll), the source consumer reading committed records."""
    rest = free_port()
    connector = dict(connector_config(source), **{
        "source.consumer.isolation.level": "read_committed",
        "exactly.once.support": "required",
    })
    worker = f"key.converter={BYTES}\nvalue.converter={BYTES}\nexactly.once.source.support=enabled\n"
    command = distributed(workdir, "mirror-eos", target, rest, worker)
    threading.Thread(target=create_when_up, args=(rest, "mirror-eos", connector), daemon=True).start()
    result = measure("mirror-eos", command, workdir, lambda: metric_total(rest, WRITTEN), RECORDS)
    result["mb_per_s"] = result["records_per_s"] * RECORD_BYTES / 1e6
    return result


def main():
    workdir = Path(os.environ.get("BENCH_DIR", "/tmp/kconnect-bench-mirror"))
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    processes = []
    try:
        source_broker, source = broker(workdir, "source")
        target_broker, target = broker(workdir, "target")
        processes += [source_broker, target_broker]
        subprocess.run([str(EXAMPLE), "fill", source, TOPIC, str(RECORDS), str(RECORD_BYTES)], check=True)
        raw = ceiling(source, target)
        ours = kconnect(workdir, source, target)
        eos_broker, eos_target = broker(workdir, "target-eos")
        processes.append(eos_broker)
        exactly_once = kconnect_exactly_once(workdir, source, eos_target)
    finally:
        for process in processes:
            process.terminate()
    share = ours["records_per_s"] / raw["records_per_s"]
    eos_share = exactly_once["records_per_s"] / raw["records_per_s"]
    rows = [
        ("raw librdkafka consume → produce (ceiling)", raw),
        ("kconnect MirrorSourceConnector, 1 task", ours),
        ("kconnect MirrorSourceConnector, 1 task, exactly once (distributed)", exactly_once),
    ]
    lines = [
        f"# MirrorMaker 2 benchmark, {datetime.date.today()}",
        "",
        f"Commit `{head_commit()}`; {RECORDS:,} records of {RECORD_BYTES} bytes (16-byte key, one header), one partition,",
        "between two `kconnect broker --storage memory` processes on one machine (`bench/run-mirror`).",
        "",
        "| run | records/s | MB/s | CPU s per million | peak RSS MB |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['records_per_s']:,.0f} | {r['mb_per_s']:,.1f} | {r['cpu_s_per_million']:.2f} | {r['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        f"kconnect reaches {share:.0%} of the ceiling (target ≥ 80%), {eos_share:.0%} exactly once (target ≥ 60%).",
        "",
    ]
    publish("\n".join(lines), f"{datetime.date.today()}-mirror")


if __name__ == "__main__":
    main()
