// The scrape parser and the per-task history behind the live charts.

import { test } from "node:test";
import assert from "node:assert/strict";

import { parsePrometheus, TaskHistory, WINDOW_MS } from "../metrics.js";

const SCRAPE = `# TYPE kafka_connect_source_task_metrics_source_record_poll_rate gauge
kafka_connect_source_task_metrics_source_record_poll_rate{connector="a \\"quoted\\" one",task="0"} 12.5
kafka_connect_source_task_metrics_source_record_poll_rate{connector="b",task="1"} 7
kafka_connect_sink_task_metrics_sink_record_lag_max{connector="s",task="0"} +Inf
kafka_connect_source_task_metrics_kconnect_time_since_last_poll_ms{connector="b",task="1"} NaN
kafka_connect_connect_worker_metrics_connector_count 3
`;

test("a scrape parses into names, unescaped labels and values", () => {
  const samples = parsePrometheus(SCRAPE);
  assert.equal(samples.length, 5);
  assert.deepEqual(samples[0], {
    name: "kafka_connect_source_task_metrics_source_record_poll_rate",
    labels: { connector: 'a "quoted" one', task: "0" },
    value: 12.5,
  });
  assert.equal(samples[2].value, Infinity);
  assert.ok(Number.isNaN(samples[3].value));
  assert.deepEqual(samples[4].labels, {});
});

test("the history keeps each task's series for the window and sums a connector's", () => {
  const history = new TaskHistory();
  const at = 1_000_000;
  history.add(parsePrometheus(SCRAPE), at);
  history.add(parsePrometheus(SCRAPE.replace("} 7", "} 9")), at + 2000);
  assert.deepEqual(history.task("b", 1).in, [[at, 7], [at + 2000, 9]]);
  assert.equal(history.latest("b", "in"), 9);
  assert.ok(Number.isNaN(history.latest("nobody", "in")));
  history.add([], at + WINDOW_MS + 1000);
  assert.deepEqual(history.task("b", 1).in, [[at + 2000, 9]]);
});
