#!/usr/bin/env python3
"""The object storage sinks into an S3 server (moto, run by .ci/services), on a
`kconnect broker --storage memory`.

A FileStreamSource fills a topic of 16 partitions with N records of ~1 KB (JsonConverter envelopes:
an id, a customer, an amount, a timestamp and a 900-byte note). Then, for JSON, Avro and Parquet
(snappy) in turn, a standalone worker runs the S3 sink on that topic (flush.size 10,000, the
default 64 MiB memory budget, scheduled rotation every 10 s for the partitions' tails) until its
committed offsets cover every record, which it commits only for records in uploaded objects.
Measured: records/s from worker start to the last commit and, steady, the rate records are handed
to the sink (`sink-record-send-total`, from the first to 90%); the MB uploaded, CPU seconds per
million records, and peak RSS. Two ceilings: the same client uploading the JSON run's bytes raw
(`connectors/object-storage/examples/upload_ceiling.rs`), and a FileStreamSink to /dev/null
reading the same topic with the same JsonConverter (what the runtime and the broker deliver to a
sink that does nothing).
"""

import datetime
import json
import os
import subprocess
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

from bench import TARGET, cpu_seconds, free_port, head_commit, memory_broker, metric_total, peak_rss_mb, publish, standalone

RECORDS = int(os.environ.get("BENCH_STORAGE_RECORDS", "1000000"))
S3 = os.environ.get("KCONNECT_S3_URL", "http://127.0.0.1:9000")
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "600"))
PARTITIONS = 16
TOPIC = "bench-objects"
FORMATS = {"JSON": "JsonFormat", "Avro": "AvroFormat", "Parquet (snappy)": "ParquetFormat"}
CEILING = TARGET / "release" / "examples" / "upload_ceiling"
# Extra consumer settings of the sink worker (librdkafka keys), e.g. BENCH_STORAGE_CONSUMER=queued.max.messages.kbytes=16384
CONSUMER = {
    f"consumer.override.{k}": v
    for k, v in (kv.split("=", 1) for kv in os.environ.get("BENCH_STORAGE_CONSUMER", "").split(",") if kv)
}
SCHEMA = {
    "type": "struct",
    "name": "bench.Order",
    "fields": [
        {"field": "id", "type": "int64", "optional": False},
        {"field": "customer", "type": "string", "optional": False},
        {"field": "amount", "type": "double", "optional": False},
        {"field": "created", "type": "int64", "optional": False, "name": "org.apache.kafka.connect.data.Timestamp", "version": 1},
        {"field": "note", "type": "string", "optional": True},
    ],
}


def payload(i):
    return {"id": i, "customer": f"customer-{i % 10000}", "amount": i * 0.25, "created": 1_700_000_000_000 + i, "note": "n" * 900}


def write_input(path):
    with open(path, "w") as f:
        for i in range(RECORDS):
            f.write(json.dumps({"schema": SCHEMA, "payload": payload(i)}, separators=(",", ":")) + "\n")


def s3(method, path, data=None):
    request = urllib.request.Request(f"{S3}{path}", data=data, method=method)
    return urllib.request.urlopen(request, timeout=60).read()


def bucket_bytes(bucket):
    """Objects and bytes in a bucket, by the server's ListObjectsV2 (moto answers unsigned calls)."""
    namespace = "{http://s3.amazonaws.com/doc/2006-03-01/}"
    objects, size, token = 0, 0, None
    while True:
        query = "?list-type=2" + (f"&continuation-token={urllib.parse.quote(token)}" if token else "")
        root = ET.fromstring(s3("GET", f"/{bucket}{query}"))
        for item in root.iter(f"{namespace}Contents"):
            objects += 1
            size += int(item.find(f"{namespace}Size").text)
        token_node = root.find(f"{namespace}NextContinuationToken")
        if token_node is None:
            return objects, size
        token = token_node.text


def committed(port, name):
    """The sum of the sink's committed consumer offsets, by Apache's GET offsets call."""
    try:
        body = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/connectors/{name}/offsets", timeout=5).read())
    except OSError:
        return 0
    return sum(entry["offset"]["kafka_offset"] for entry in body.get("offsets", []))


def worker(workdir, name, bootstrap, port, connector):
    extra = (
        "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "offset.flush.interval.ms=1000\n"
        "consumer.fetch.max.wait.ms=50\n"
    )
    return standalone(workdir, name, bootstrap, port, connector, extra)


SENT = "kafka_connect_sink_task_metrics_sink_record_send_total"


def run(workdir, name, command, progress, port=None):
    """Runs a worker until progress() reaches RECORDS: its time, CPU and peak RSS, and the steady
    rate from the first record to 90%: of the records sent to the sink when `port` (its REST
    port) is given, of progress() otherwise (start-up and the last partial objects left out)."""
    started = time.time()
    process = subprocess.Popen(command, cwd=workdir, stdout=open(workdir / f"{name}.log", "w"), stderr=subprocess.STDOUT)
    first = ninety = None
    try:
        while (done := progress()) < RECORDS:
            now = time.time()
            rate_of = metric_total(port, SENT) if port else done
            if rate_of and first is None:
                first = (now, rate_of)
            if rate_of >= 0.9 * RECORDS and ninety is None:
                ninety = (now, rate_of)
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited early; see {workdir / (name + '.log')}")
            if now - started > TIMEOUT:
                raise RuntimeError(f"{name}: {done} of {RECORDS} after {TIMEOUT}s")
            time.sleep(0.1)
        elapsed = time.time() - started
        ninety = ninety or (time.time(), RECORDS)
        first = first or (started, 0)
        steady = (ninety[1] - first[1]) / max(ninety[0] - first[0], 1e-6)
        return {"seconds": elapsed, "steady": steady, "cpu": cpu_seconds(process.pid), "rss": peak_rss_mb(process.pid)}
    finally:
        process.terminate()
        process.wait(timeout=30)


def main():
    workdir = Path(os.environ.get("BENCH_DIR", "/tmp/kconnect-bench-storage"))
    subprocess.run(["rm", "-rf", str(workdir)], check=True)
    workdir.mkdir(parents=True)
    input_file = workdir / "input.jsonl"
    write_input(input_file)
    record_bytes = input_file.stat().st_size / RECORDS
    broker, bootstrap = memory_broker(workdir)
    results = {}
    try:
        port = free_port()
        fill = {
            "connector.class": "FileStreamSource",
            "file": str(input_file),
            "topic": TOPIC,
            "topic.creation.default.partitions": str(PARTITIONS),
            "topic.creation.default.replication.factor": "1",
        }
        run(workdir, "fill", worker(workdir, "fill", bootstrap, port, fill),
            lambda: metric_total(port, "kafka_connect_source_task_metrics_source_record_write_total"))
        for label, format_class in FORMATS.items():
            s3("POST", "/moto-api/reset")
            bucket = "bench-" + format_class.lower()
            s3("PUT", f"/{bucket}")
            port = free_port()
            sink = {
                **CONSUMER,
                "connector.class": "io.confluent.connect.s3.S3SinkConnector",
                "topics": TOPIC,
                "s3.bucket.name": bucket,
                "s3.region": "us-east-1",
                "store.url": S3,
                "aws.access.key.id": "bench",
                "aws.secret.access.key": "bench",
                "format.class": format_class,
                "flush.size": "10000",
                "rotate.schedule.interval.ms": "10000",
                "timezone": "UTC",
                "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable": "true",
            }
            name = f"s3-{format_class.lower()}"
            measured = run(workdir, name, worker(workdir, name, bootstrap, port, sink), lambda: committed(port, name), port)
            measured["objects"], measured["uploaded"] = bucket_bytes(bucket)
            results[label] = measured
        port = free_port()
        null_sink = {
            "connector.class": "FileStreamSink",
            "topics": TOPIC,
            "file": "/dev/null",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "true",
        }
        consumed = run(workdir, "file-sink", worker(workdir, "file-sink", bootstrap, port, null_sink),
                       lambda: metric_total(port, SENT), port)
        s3("POST", "/moto-api/reset")
        s3("PUT", "/bench-ceiling")
        ceiling_mb = results["JSON"]["uploaded"] / 1e6
        output = subprocess.run([str(CEILING), S3, "bench-ceiling", str(int(ceiling_mb))], capture_output=True, text=True, check=True)
        ceiling = float(output.stdout.strip().split("=")[1])
        s3("POST", "/moto-api/reset")
    finally:
        broker.terminate()
        broker.wait(timeout=30)
    report(results, record_bytes, ceiling, consumed)


def report(results, record_bytes, ceiling, consumed):
    commit = head_commit()
    today = datetime.date.today().isoformat()
    lines = [
        f"# Object storage sinks into S3 (moto) — {today}",
        "",
        f"Commit `{commit}`; {RECORDS:,} records of {record_bytes:,.0f} bytes (JsonConverter envelopes) in "
        f"{PARTITIONS} partitions, one standalone worker per format, `kconnect broker --storage memory`, "
        "moto on 127.0.0.1, 2 cores. The sink commits a record only once its object is uploaded; the whole "
        "run lasts from worker start to the commit of the last record (its tail waits for the 10 s scheduled "
        "rotation), the steady rate is that of records sent to the sink, from the first to 90%.",
        "",
        "| format | records/s, whole run | records/s, steady | of the FileStreamSink's | input MB/s, steady | uploaded MB (objects) | upload MB/s, steady | share of raw upload | CPU s per million | peak RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in results.items():
        upload_rate = r["uploaded"] / RECORDS * r["steady"] / 1e6
        lines.append(
            f"| {label} | {RECORDS / r['seconds']:,.0f} | {r['steady']:,.0f} | {r['steady'] / consumed['steady']:.0%} | "
            f"{r['steady'] * record_bytes / 1e6:,.1f} | "
            f"{r['uploaded'] / 1e6:,.0f} ({r['objects']}) | {upload_rate:,.1f} | {upload_rate / ceiling:.0%} | "
            f"{r['cpu'] / (RECORDS / 1e6):.2f} | {r['rss']:,.0f} |"
        )
    lines += [
        "",
        f"Raw upload ceiling (`upload_ceiling`: the JSON run's bytes as 16 concurrent multipart uploads "
        f"of 25 MiB parts, same client, same server): {ceiling:,.1f} MB/s.",
        "",
        f"FileStreamSink to /dev/null on the same topic with the same JsonConverter: {consumed['steady']:,.0f} "
        f"records/s steady ({consumed['steady'] * record_bytes / 1e6:,.1f} MB/s), {consumed['cpu'] / (RECORDS / 1e6):.2f} "
        f"CPU s per million, peak RSS {consumed['rss']:,.0f} MB.",
        "",
    ]
    publish("\n".join(lines), f"{today}-storage")


if __name__ == "__main__":
    main()
