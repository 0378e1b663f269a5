#!/usr/bin/env python3
"""Side-by-side benchmark of kconnect and Apache Kafka Connect 3.9 on one broker.

Workload "file pipeline": FileStreamSource reads N lines of 100 bytes into a topic and
FileStreamSink writes them to a file, both in one standalone worker, StringConverter, on a
`kconnect broker --storage memory`. For each runtime it measures: records/s and MB/s until the
last line is in the sink file, CPU seconds per million records (user+sys of the worker process),
peak RSS (VmHWM), and the time from process start to the first line in the sink file.
"""

import datetime
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/kconnect-target"))
KCONNECT = Path(os.environ.get("KCONNECT_BIN", TARGET / "release" / "kconnect"))
APACHE = ROOT.parent / "shared" / "tools" / "apache-connect"
RECORDS = int(os.environ.get("BENCH_RECORDS", "1000000"))
LINE_BYTES = 100
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "300"))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def cpu_seconds(pid):
    """user+sys CPU seconds of a process and its reaped children (JVM threads are in the process)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / CLK_TCK


def peak_rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def line_count(path):
    try:
        with open(path, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    except FileNotFoundError:
        return 0


def write_input(path):
    body = "x" * (LINE_BYTES - 8)
    with open(path, "w") as f:
        for i in range(RECORDS):
            f.write(f"{i:07d} {body}\n")


def run(name, command, workdir, sink):
    """Starts a worker, waits for every line in the sink file, returns the measurements."""
    log = open(workdir / f"{name}.log", "w")
    started = time.time()
    process = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    first = None
    try:
        while True:
            count = line_count(sink)
            now = time.time()
            if count and first is None:
                first = now - started
            if count >= RECORDS:
                break
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited early; see {workdir / (name + '.log')}")
            if now - started > TIMEOUT:
                raise RuntimeError(f"{name}: only {count} of {RECORDS} lines after {TIMEOUT}s")
            time.sleep(0.02)
        elapsed = time.time() - started - (first or 0)
        total = time.time() - started
        cpu = cpu_seconds(process.pid)
        rss = peak_rss_mb(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    return {
        "records_per_s": RECORDS / max(elapsed, 1e-6),
        "mb_per_s": RECORDS * LINE_BYTES / max(elapsed, 1e-6) / 1e6,
        "cpu_s_per_million": cpu / (RECORDS / 1e6),
        "peak_rss_mb": rss,
        "first_record_s": first or total,
        "total_s": total,
    }


def configs(workdir, name, bootstrap, rest_port):
    worker = workdir / f"{name}-worker.properties"
    worker.write_text(
        f"bootstrap.servers={bootstrap}\n"
        "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
        f"offset.storage.file.filename={workdir / (name + '.offsets')}\n"
        "offset.flush.interval.ms=10000\n"
        f"listeners=http://127.0.0.1:{rest_port}\n"
        f"plugin.path={workdir}\nplugin.discovery=service_load\n"
    )
    source = workdir / f"{name}-source.properties"
    source.write_text(
        f"name={name}-source\nconnector.class=org.apache.kafka.connect.file.FileStreamSourceConnector\n"
        f"file={workdir / 'input.txt'}\ntopic={name}-lines\n"
        "topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n"
    )
    sink = workdir / f"{name}-sink.properties"
    sink.write_text(
        f"name={name}-sink\nconnector.class=org.apache.kafka.connect.file.FileStreamSinkConnector\n"
        f"file={workdir / (name + '.sink.txt')}\ntopics={name}-lines\n"
    )
    return [str(worker), str(source), str(sink)], workdir / f"{name}.sink.txt"


def main():
    workdir = Path(os.environ.get("BENCH_DIR", "/tmp/kconnect-bench"))
    subprocess.run(["rm", "-rf", str(workdir)], check=True)
    workdir.mkdir(parents=True)
    write_input(workdir / "input.txt")
    broker_port = free_port()
    broker = subprocess.Popen(
        [str(KCONNECT), "broker", "--listen", f"127.0.0.1:{broker_port}", "--storage", "memory"],
        stdout=subprocess.DEVNULL, stderr=open(workdir / "broker.log", "w"),
    )
    results = {}
    try:
        wait_port(broker_port)
        bootstrap = f"127.0.0.1:{broker_port}"
        runtimes = {
            "apache": lambda files: [str(APACHE), "standalone", *files],
            "kconnect": lambda files: [str(KCONNECT), "standalone", *files],
        }
        for name, command in runtimes.items():
            files, sink = configs(workdir, name, bootstrap, free_port())
            print(f"running {name} ...", file=sys.stderr, flush=True)
            results[name] = run(name, command(files), workdir, sink)
    finally:
        broker.terminate()
        broker.wait(timeout=30)
    report(results)


def report(results):
    rows = [
        ("records/s", "records_per_s", "{:,.0f}", True),
        ("MB/s", "mb_per_s", "{:,.1f}", True),
        ("CPU s per million records", "cpu_s_per_million", "{:,.2f}", False),
        ("peak RSS (MB)", "peak_rss_mb", "{:,.0f}", False),
        ("start to first record (s)", "first_record_s", "{:,.2f}", False),
    ]
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    lines = [
        f"# kconnect vs Apache Kafka Connect 3.9 — {datetime.date.today()}",
        "",
        f"Commit `{commit}`; workload: FileStreamSource → topic → FileStreamSink in one standalone worker,",
        f"{RECORDS:,} lines of {LINE_BYTES} bytes, StringConverter, `kconnect broker --storage memory`, 2 cores.",
        "",
        "| metric | Apache 3.9 | kconnect | kconnect / Apache |",
        "|---|---:|---:|---:|",
    ]
    for label, key, fmt, _ in rows:
        a, k = results["apache"][key], results["kconnect"][key]
        ratio = k / a if a else float("nan")
        lines.append(f"| {label} | {fmt.format(a)} | {fmt.format(k)} | {ratio:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results" / f"{datetime.date.today()}.md"
    out.write_text(text)
    print(f"written to {out.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
