#!/usr/bin/env python3
"""Java connectors hosted by kconnect, side by side: bench.py's file pipeline (FileStreamSource →
topic → FileStreamSink in one standalone worker, StringConverter) run by kconnect's built-in
FileStream connectors, by kconnect hosting Apache's own connect-file jar in its JVM
(`kconnect.plugins.prefer=java`), and by Apache Kafka Connect 3.9 running the same jar, all on one
`kconnect broker --storage memory`. Measured as bench.py measures, over the worker's whole process
tree (kconnect and the JVM it starts): records/s, CPU seconds per million records, peak RSS (the
sum of each process's peak) and time to the first record.
"""

import datetime
import os
import subprocess
import sys
from pathlib import Path

from bench import (
    APACHE, KCONNECT, RECORDS, free_port, head_commit, memory_broker, pipeline, publish, run, worker_file, write_input,
)

ROWS = [
    ("records/s", "records_per_s", "{:,.0f}"),
    ("CPU s per million records", "cpu_s_per_million", "{:,.2f}"),
    ("peak RSS (MB), worker + JVM", "peak_rss_mb", "{:,.0f}"),
    ("start to first record (s)", "first_record_s", "{:,.2f}"),
]
# The Connect API the host JVM needs, as Kafka's libs directory gives it.
HOST_JARS = ("connect-api-", "kafka-clients-", "slf4j-api-")


def apache_jars():
    out = subprocess.run([str(APACHE), "classpath"], capture_output=True, text=True, check=True).stdout
    return [Path(jar) for jar in out.strip().split(":")]


def hosted_worker_lines(workdir):
    """plugin.path with Apache's connect-file jar in a plugin directory, the Connect API on the
    JVM's class path, and the jar's classes preferred to the built-in ones."""
    jars = apache_jars()
    plugin = workdir / "plugins" / "connect-file"
    plugin.mkdir(parents=True, exist_ok=True)
    for jar in jars:
        if jar.name.startswith("connect-file-"):
            (plugin / jar.name).write_bytes(jar.read_bytes())
    host = ",".join(str(jar) for jar in jars if jar.name.startswith(HOST_JARS))
    return (
        f"plugin.path={workdir / 'plugins'}\nkconnect.java.classpath={host}\n"
        "kconnect.plugins.prefer=java\n"
    )


def main():
    workdir = Path(os.environ.get("BENCH_DIR", "/tmp/kconnect-bench-java"))
    subprocess.run(["rm", "-rf", str(workdir)], check=True)
    workdir.mkdir(parents=True)
    write_input(workdir / "input.txt")
    hosted = hosted_worker_lines(workdir)
    broker, bootstrap = memory_broker(workdir)
    runs = {
        "kconnect, built-in FileStream": ("native", KCONNECT, ""),
        "kconnect hosting connect-file-3.9.0.jar": ("hosted", KCONNECT, hosted),
        "Apache Kafka Connect 3.9": ("apache", APACHE, ""),
    }
    results = {}
    try:
        for label, (name, binary, extra) in runs.items():
            files, sinks, expected = pipeline(workdir, name)
            worker = worker_file(workdir, name, bootstrap, free_port())
            with open(worker, "a") as f:
                f.write(extra)
            print(f"running {label} ...", file=sys.stderr, flush=True)
            results[label] = run(name, [str(binary), "standalone", worker, *files], workdir, sinks, expected)
    finally:
        broker.terminate()
        broker.wait(timeout=30)
    report(results)


def report(results):
    commit = head_commit()
    labels = list(results)
    apache = results["Apache Kafka Connect 3.9"]
    lines = [
        f"# Java connectors hosted by kconnect — {datetime.date.today()}",
        "",
        f"Commit `{commit}`; {RECORDS:,} lines of 100 bytes, FileStreamSource → topic → FileStreamSink in",
        "one standalone worker with StringConverter, `kconnect broker --storage memory`, 2 cores. CPU and",
        "RSS cover the worker's process tree: kconnect and the JVM it hosts the jar in.",
        "",
        "| metric | " + " | ".join(labels) + " | hosted / Apache |",
        "|---|" + "---:|" * (len(labels) + 1),
    ]
    hosted = results["kconnect hosting connect-file-3.9.0.jar"]
    for label, metric, fmt in ROWS:
        cells = [fmt.format(results[name][metric]) for name in labels]
        ratio = hosted[metric] / apache[metric] if apache[metric] else float("nan")
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    publish("\n".join(lines) + "\n", f"{datetime.date.today()}-java")


if __name__ == "__main__":
    main()
