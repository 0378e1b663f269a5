#!/usr/bin/env python3
"""Side-by-side benchmark of kconnect and Apache Kafka Connect 3.9 on one broker.

Workloads, each run by both runtimes in turn on a `kconnect broker --storage memory` with
identical files: (1+2) the file pipeline, FileStreamSource → topic → FileStreamSink in one worker
with StringConverter; (2) the sink alone, reading the topic the pipeline filled; (3) the pipeline
with JsonConverter (schemas) and HoistField, InsertField, ReplaceField; (4) ten file sources and
ten file sinks at once, for the footprint per connector. For each it measures: records/s and MB/s
until the last line is in the sink files, CPU seconds per million records (user+sys of the worker
process), peak RSS (VmHWM), and the time from process start to the first line delivered.
"""

import datetime
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/kconnect-target"))
KCONNECT = Path(os.environ.get("KCONNECT_BIN", TARGET / "release" / "kconnect"))
APACHE = ROOT.parent / "shared" / "tools" / "apache-connect"
RECORDS = int(os.environ.get("BENCH_RECORDS", "1000000"))
LINE_BYTES = 100
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "300"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
CEILING = TARGET / "release" / "examples" / "kafka_ceiling"


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


def process_tree(pid):
    """A process and its live descendants: a worker and the JVM it hosts Java plugins in."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [p for child in children for p in process_tree(int(child))]


def cpu_seconds(pid):
    """user+sys CPU seconds of a process tree, with its reaped children (JVM threads are in the
    JVM's process)."""
    total = 0
    for process in process_tree(pid):
        fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        total += sum(int(x) for x in fields[11:15])
    return total / CLK_TCK


def peak_rss_mb(pid):
    """The peak RSS (VmHWM) of a process tree: the sum of each process's own peak, an upper bound
    of the tree's."""
    total = 0
    for process in process_tree(pid):
        for line in Path(f"/proc/{process}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) / 1024
    return total


def line_count(path):
    try:
        with open(path, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    except FileNotFoundError:
        return 0


def write_input(path, count=RECORDS):
    body = "x" * (LINE_BYTES - 8)
    with open(path, "w") as f:
        for i in range(count):
            f.write(f"{i:07d} {body}\n")


def metric_total(port, name):
    """The sum of a Prometheus series of the worker, 0 before it exists."""
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    except OSError:
        return 0
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith(name + "{"))


def measure(name, command, workdir, progress, expected, interval=0.02):
    """Starts a worker and polls `progress()` every `interval` s until it reaches `expected`."""
    log = open(workdir / f"{name}.log", "w")
    started = time.time()
    process = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    first = None
    try:
        while True:
            done = progress()
            now = time.time()
            if done and first is None:
                first = now - started
            if done >= expected:
                break
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited early; see {workdir / (name + '.log')}")
            if now - started > TIMEOUT:
                raise RuntimeError(f"{name}: only {done} of {expected} after {TIMEOUT}s")
            time.sleep(interval)
        total = time.time() - started
        elapsed = max(total - (first or 0), 1e-6)
        cpu = cpu_seconds(process.pid)
        rss = peak_rss_mb(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    return {
        "records_per_s": expected / elapsed,
        "mb_per_s": expected * LINE_BYTES / elapsed / 1e6,
        "cpu_s_per_million": cpu / (expected / 1e6),
        "peak_rss_mb": rss,
        "first_record_s": first or total,
        "total_s": total,
    }


def memory_broker(workdir):
    """Starts `kconnect broker --storage memory` on a free port, logging to workdir/broker.log,
    and waits for it: the process and its bootstrap address."""
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    broker = subprocess.Popen(
        [str(KCONNECT), "broker", "--listen", bootstrap, "--storage", "memory"],
        stdout=open(workdir / "broker.log", "w"),
        stderr=subprocess.STDOUT,
    )
    wait_port(port)
    return broker, bootstrap


def standalone(workdir, name, bootstrap, rest_port, connector, worker_extra=""):
    """The command line of a standalone worker on files written to `workdir`: the worker's
    (broker, REST port, offsets file, then `worker_extra` lines) and one connector's."""
    worker = workdir / f"{name}-worker.properties"
    worker.write_text(
        f"bootstrap.servers={bootstrap}\n"
        f"offset.storage.file.filename={workdir / (name + '.offsets')}\n"
        f"listeners=http://127.0.0.1:{rest_port}\n" + worker_extra
    )
    properties = workdir / f"{name}.properties"
    properties.write_text(f"name={name}\n" + "".join(f"{k}={v}\n" for k, v in connector.items()))
    return [str(KCONNECT), "standalone", str(worker), str(properties)]


def head_commit():
    """The commit a report measured (12 hex digits)."""
    return subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def publish(text, name):
    """Prints a report and writes it to bench/results/<name>.md."""
    print(text)
    out = ROOT / "bench" / "results" / f"{name}.md"
    out.write_text(text)
    print(f"written to {out.relative_to(ROOT)}", file=sys.stderr)


def run(name, command, workdir, sinks, expected):
    """Runs a worker until `expected` lines are in the sink files."""
    return measure(name, command, workdir, lambda: sum(line_count(sink) for sink in sinks), expected)


JSON_CONVERTER = "value.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=true\n"
SMTS = (
    "transforms=hoist,insert,rename\n"
    "transforms.hoist.type=org.apache.kafka.connect.transforms.HoistField$Value\ntransforms.hoist.field=line\n"
    "transforms.insert.type=org.apache.kafka.connect.transforms.InsertField$Value\n"
    "transforms.insert.static.field=origin\ntransforms.insert.static.value=bench\n"
    "transforms.rename.type=org.apache.kafka.connect.transforms.ReplaceField$Value\n"
    "transforms.rename.renames=line:text\n"
)
JSON_SMTS = JSON_CONVERTER + SMTS


def worker_file(workdir, name, bootstrap, rest_port):
    """The worker file both runtimes run with. The broker holds every fetch for half of the
    consumer's max wait even when records are ready, so both get the 50 ms wait kconnect's sinks
    use on its own broker; Kafka's 500 ms default would cap either at one fetch per 250 ms."""
    worker = workdir / f"{name}-worker.properties"
    worker.write_text(
        f"bootstrap.servers={bootstrap}\n"
        "consumer.fetch.max.wait.ms=50\n"
        "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
        f"offset.storage.file.filename={workdir / (name + '.offsets')}\n"
        "offset.flush.interval.ms=10000\n"
        f"listeners=http://127.0.0.1:{rest_port}\n"
        f"plugin.path={workdir}\nplugin.discovery=service_load\n"
    )
    return str(worker)


def source_file(workdir, name, input_file, topic, extra=""):
    path = workdir / f"{name}.properties"
    path.write_text(
        f"name={name}\nconnector.class=org.apache.kafka.connect.file.FileStreamSourceConnector\n"
        f"file={input_file}\ntopic={topic}\n"
        "topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n" + extra
    )
    return str(path)


def sink_file(workdir, name, topic, extra=""):
    path = workdir / f"{name}.properties"
    path.write_text(
        f"name={name}\nconnector.class=org.apache.kafka.connect.file.FileStreamSinkConnector\n"
        f"file={workdir / (name + '.txt')}\ntopics={topic}\n" + extra
    )
    return str(path), workdir / f"{name}.txt"


def pipeline(workdir, run_name, extra=""):
    """One source and one sink through topic `<run>-lines`; `extra` configures both."""
    topic = f"{run_name}-lines"
    source = source_file(workdir, f"{run_name}-source", workdir / "input.txt", topic, extra)
    sink, out = sink_file(workdir, f"{run_name}-sink", topic, extra)
    return [source, sink], [out], RECORDS


def sink_only(workdir, run_name, filled_topic):
    sink, out = sink_file(workdir, f"{run_name}-sink", filled_topic)
    return [sink], [out], RECORDS


def many(workdir, run_name, count=10, lines=10_000):
    """`count` sources and `count` sinks, each pair on its own topic and `lines`-line file."""
    files, outs = [], []
    small = workdir / "small.txt"
    if not small.exists():
        write_input(small, lines)
    for i in range(count):
        topic = f"{run_name}-many-{i}"
        files.append(source_file(workdir, f"{run_name}-source-{i}", small, topic))
        sink, out = sink_file(workdir, f"{run_name}-sink-{i}", topic)
        files.append(sink)
        outs.append(out)
    return files, outs, count * lines


WORKLOADS = [
    ("pipeline", "(1+2) FileStreamSource → topic → FileStreamSink, StringConverter", lambda w, n: pipeline(w, n)),
    ("sink", "(2) topic → FileStreamSink alone, StringConverter", lambda w, n: sink_only(w, n, "kconnect-pipeline-lines")),
    ("json", "(3) pipeline with JsonConverter (schemas) + HoistField, InsertField, ReplaceField", lambda w, n: pipeline(w, n, JSON_SMTS)),
    ("many", "(4) 10 FileStreamSources + 10 FileStreamSinks, 10,000 lines each", lambda w, n: many(w, n)),
]


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
        runtimes = {"apache": APACHE, "kconnect": KCONNECT}
        chosen = os.environ.get("BENCH_WORKLOADS", ",".join(w[0] for w in WORKLOADS)).split(",")
        for key, _, build in (w for w in WORKLOADS if w[0] in chosen):
            for runtime, binary in runtimes.items():
                name = f"{runtime}-{key}"
                files, sinks, expected = build(workdir, name)
                worker = worker_file(workdir, name, bootstrap, free_port())
                print(f"running {name} ...", file=sys.stderr, flush=True)
                results[(key, runtime)] = run(name, [str(binary), "standalone", worker, *files], workdir, sinks, expected)
        print("running the raw librdkafka ceiling and kconnect's source alone ...", file=sys.stderr, flush=True)
        results["ceiling"] = ceiling(workdir, bootstrap)
    finally:
        broker.terminate()
        broker.wait(timeout=30)
    report(results)


def ceiling(workdir, bootstrap):
    """The raw producer and consumer rates, and kconnect's FileStreamSource alone (from /metrics)."""
    output = subprocess.run([str(CEILING), bootstrap, str(RECORDS), str(LINE_BYTES)], capture_output=True, text=True, check=True)
    rates = dict(item.split("=") for item in output.stdout.split())
    port = free_port()
    worker = worker_file(workdir, "kconnect-source-only", bootstrap, port)
    source = source_file(workdir, "kconnect-source-only-source", workdir / "input.txt", "source-only-lines")
    alone = measure(
        "kconnect-source-only",
        [str(KCONNECT), "standalone", worker, source],
        workdir,
        lambda: metric_total(port, "kafka_connect_source_task_metrics_source_record_write_total"),
        RECORDS,
    )
    return {"producer": float(rates["producer"]), "consumer": float(rates["consumer"]), "source": alone["records_per_s"]}


def report(results):
    rows = [
        ("records/s", "records_per_s", "{:,.0f}"),
        ("MB/s", "mb_per_s", "{:,.1f}"),
        ("CPU s per million records", "cpu_s_per_million", "{:,.2f}"),
        ("peak RSS (MB)", "peak_rss_mb", "{:,.0f}"),
        ("start to first record (s)", "first_record_s", "{:,.2f}"),
    ]
    commit = head_commit()
    lines = [
        f"# kconnect vs Apache Kafka Connect 3.9 — {datetime.date.today()}",
        "",
        f"Commit `{commit}`; {RECORDS:,} lines of {LINE_BYTES} bytes per pipeline, one standalone worker per run,",
        "`kconnect broker --storage memory`, 2 cores.",
    ]
    for key, title, _ in WORKLOADS:
        if (key, "kconnect") not in results:
            continue
        lines += ["", f"## {title}", "", "| metric | Apache 3.9 | kconnect | kconnect / Apache |", "|---|---:|---:|---:|"]
        for label, metric, fmt in rows:
            a, k = results[(key, "apache")][metric], results[(key, "kconnect")][metric]
            ratio = k / a if a else float("nan")
            lines.append(f"| {label} | {fmt.format(a)} | {fmt.format(k)} | {ratio:.2f} |")
    if "ceiling" in results:
        c = results["ceiling"]
        lines += [
            "",
            "## Ceiling: raw librdkafka on the same broker (`crates/cli/examples/kafka_ceiling.rs`)",
            "",
            "| | records/s |",
            "|---|---:|",
            f"| raw producer (idempotent, acks=all, linger 5 ms) | {c['producer']:,.0f} |",
            f"| raw consumer | {c['consumer']:,.0f} |",
            f"| kconnect FileStreamSource alone (source-record-write-total) | {c['source']:,.0f} ({c['source'] / c['producer']:.0%} of the raw producer) |",
        ]
    publish("\n".join(lines) + "\n", f"{datetime.date.today()}")


if __name__ == "__main__":
    main()
