// The worker's `/metrics` (Prometheus text) read into per-task series, kept in the page for the
// last minutes so the charts move without a reload.

import { get } from "./api.js";

/** How long the charts look back, in milliseconds. */
export const WINDOW_MS = 5 * 60 * 1000;

/** How often the page scrapes `/metrics`, in milliseconds. */
export const SCRAPE_MS = 2000;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** A sample's value: a float, `+Inf`, `-Inf` or `NaN`. */
function number(text) {
  return { "+Inf": Infinity, "-Inf": -Infinity }[text] ?? Number(text);
}

/** Every sample of a Prometheus text scrape: `{name, labels, value}`. */
export function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line.trim());
    if (!match) continue;
    const labels = {};
    for (const [, name, value] of (match[2] || "").matchAll(LABEL)) {
      labels[name] = value.replace(/\\(.)/g, "$1");
    }
    samples.push({ name: match[1], labels, value: number(match[3]) });
  }
  return samples;
}

/** What a task's chart shows, by the metric each comes from (sources, then sinks). */
export const TASK_SERIES = {
  in: ["kafka_connect_source_task_metrics_source_record_poll_rate", "kafka_connect_sink_task_metrics_sink_record_read_rate"],
  out: ["kafka_connect_source_task_metrics_source_record_write_rate", "kafka_connect_sink_task_metrics_sink_record_send_rate"],
  lag: ["kafka_connect_sink_task_metrics_sink_record_lag_max"],
  errors: ["kafka_connect_task_error_metrics_total_record_errors"],
  dlq: ["kafka_connect_task_error_metrics_deadletterqueue_produce_requests"],
};

const SERIES_OF = new Map(
  Object.entries(TASK_SERIES).flatMap(([series, names]) => names.map((name) => [name, series])),
);

/** Each task's series over the last `WINDOW_MS`: `connector/task` → series → `[time, value][]`. */
export class TaskHistory {
  constructor() {
    this.tasks = new Map();
  }

  /** Adds one scrape taken at `now`. */
  add(samples, now = Date.now()) {
    for (const { name, labels, value } of samples) {
      const series = SERIES_OF.get(name);
      if (!series || labels.task === undefined) continue;
      const key = `${labels.connector}/${labels.task}`;
      if (!this.tasks.has(key)) this.tasks.set(key, {});
      const task = this.tasks.get(key);
      (task[series] ||= []).push([now, value]);
    }
    for (const task of this.tasks.values()) {
      for (const points of Object.values(task)) {
        while (points.length && points[0][0] < now - WINDOW_MS) points.shift();
      }
    }
  }

  /** The series of one task, `{}` when the worker reports none. */
  task(connector, task) {
    return this.tasks.get(`${connector}/${task}`) || {};
  }

  /** The latest value of `series` summed over a connector's tasks. */
  latest(connector, series) {
    let sum = 0;
    let seen = false;
    for (const [key, task] of this.tasks) {
      if (!key.startsWith(`${connector}/`) || !task[series]?.length) continue;
      sum += task[series][task[series].length - 1][1];
      seen = true;
    }
    return seen ? sum : NaN;
  }
}

/** The page's one history, scraped every `SCRAPE_MS` while any page listens. */
export const history = new TaskHistory();

const listeners = new Set();
let timer = null;

/** Calls `listener` after every scrape until the returned function is called. */
export function watchMetrics(listener) {
  listeners.add(listener);
  if (!timer) {
    scrape();
    timer = setInterval(scrape, SCRAPE_MS);
  }
  return () => {
    listeners.delete(listener);
    if (!listeners.size) {
      clearInterval(timer);
      timer = null;
    }
  };
}

async function scrape() {
  try {
    history.add(parsePrometheus(await get("/metrics")));
  } catch {
    return; // the next scrape tries again; the status line shows whether the worker answers
  }
  for (const listener of listeners) listener(history);
}
