#!/usr/bin/env python3
"""The serialization formats side by side: bench.py's JSON+3 SMT pipeline (FileStreamSource →
HoistField, InsertField, ReplaceField → topic → the same SMTs → FileStreamSink, one standalone
worker) run with JsonConverter (schemas) and then with Confluent's AvroConverter and
ProtobufConverter against `kconnect registry`, all on one `kconnect broker --storage memory`.
Measured as bench.py measures: records/s, CPU seconds per million records, peak RSS and time to the
first record, and each format's ratio to JSON. Apache Kafka Connect with Confluent's converters
would be the peer, but Confluent's
jars cannot be had on this machine (no Confluent Maven repository): the report says so.
"""

import datetime
import os
import subprocess
import sys

from bench import (
    JSON_CONVERTER, KCONNECT, RECORDS, SMTS, free_port, head_commit, memory_broker, pipeline, publish, run,
    wait_port, worker_file, write_input,
)
from pathlib import Path

ROWS = [
    ("records/s", "records_per_s", "{:,.0f}"),
    ("CPU s per million records", "cpu_s_per_million", "{:,.2f}"),
    ("peak RSS (MB)", "peak_rss_mb", "{:,.0f}"),
    ("start to first record (s)", "first_record_s", "{:,.2f}"),
]


def start_registry(workdir, bootstrap):
    """`kconnect registry` on the bench broker, logging to workdir/registry.log: the process and URL."""
    port = free_port()
    registry = subprocess.Popen(
        [str(KCONNECT), "registry", "--listen", f"127.0.0.1:{port}", "--bootstrap-servers", bootstrap],
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "registry.log", "w"),
    )
    wait_port(port)
    return registry, f"http://127.0.0.1:{port}"


def main():
    workdir = Path(os.environ.get("BENCH_DIR", "/tmp/kconnect-bench-formats"))
    subprocess.run(["rm", "-rf", str(workdir)], check=True)
    workdir.mkdir(parents=True)
    write_input(workdir / "input.txt")
    broker, bootstrap = memory_broker(workdir)
    registry, url = start_registry(workdir, bootstrap)
    registered = lambda cls: f"value.converter={cls}\nvalue.converter.schema.registry.url={url}\n"
    converters = {
        "JsonConverter (schemas)": ("json", JSON_CONVERTER),
        "AvroConverter": ("avro", registered("io.confluent.connect.avro.AvroConverter")),
        "ProtobufConverter": ("protobuf", registered("io.confluent.connect.protobuf.ProtobufConverter")),
    }
    results = {}
    try:
        for label, (name, converter) in converters.items():
            files, sinks, expected = pipeline(workdir, name, converter + SMTS)
            worker = worker_file(workdir, name, bootstrap, free_port())
            print(f"running {label} ...", file=sys.stderr, flush=True)
            results[label] = run(name, [str(KCONNECT), "standalone", worker, *files], workdir, sinks, expected)
    finally:
        for process in (registry, broker):
            process.terminate()
            process.wait(timeout=30)
    report(results)


def report(results):
    commit = head_commit()
    json_run = results["JsonConverter (schemas)"]
    formats = [label for label in results if label != "JsonConverter (schemas)"]
    lines = [
        f"# Serialization formats — {datetime.date.today()}",
        "",
        f"Commit `{commit}`; {RECORDS:,} lines of 100 bytes, FileStreamSource → HoistField, InsertField,",
        "ReplaceField → topic → FileStreamSink in one standalone worker, `kconnect broker --storage memory`,",
        "the schema'd converters on `kconnect registry` (the same broker), 2 cores.",
        "",
        "| metric | JsonConverter (schemas) | " + " | ".join(f"{f} | / JSON" for f in formats) + " |",
        "|---|---:|" + "---:|---:|" * len(formats),
    ]
    for label, metric, fmt in ROWS:
        base = json_run[metric]
        cells = [fmt.format(base)]
        for name in formats:
            value = results[name][metric]
            cells += [fmt.format(value), f"{value / base if base else float('nan'):.2f}"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "The peer, Apache Kafka Connect 3.9 with Confluent's converters, is not run: Confluent's",
        "converter jars come only from Confluent's Maven repository, which this machine cannot reach.",
    ]
    publish("\n".join(lines) + "\n", f"{datetime.date.today()}-formats")


if __name__ == "__main__":
    main()
