// Every connector at a glance: state, tasks, records/s in and out, a sink's lag (its tasks'
// sink-record-lag-max summed), errors and DLQ counts, live.

import { get } from "../api.js";
import { h, replace, badge, formatNumber } from "../dom.js";
import { watchMetrics } from "../metrics.js";

function shortClass(name) {
  return String(name || "").split(".").pop();
}

function row(name, { status, info }, history) {
  const tasks = status.tasks.map((t) => h("span", { title: `task ${t.id} on ${t.worker_id}` }, badge(t.state)));
  const latest = (series) => formatNumber(history.latest(name, series));
  return h(
    "tr",
    { "data-connector": name },
    h("td", {}, h("a", { href: `#/connectors/${encodeURIComponent(name)}` }, name)),
    h("td", {}, status.type),
    h("td", { class: "class", title: info.config["connector.class"] }, shortClass(info.config["connector.class"])),
    h("td", {}, badge(status.connector.state)),
    h("td", { class: "tasks" }, tasks.length ? tasks : h("span", { class: "muted" }, "none")),
    h("td", { class: "num", "data-metric": "in" }, latest("in")),
    h("td", { class: "num", "data-metric": "out" }, latest("out")),
    h("td", { class: "num", "data-metric": "lag" }, status.type === "sink" ? latest("lag") : ""),
    h("td", { class: "num", "data-metric": "errors" }, latest("errors")),
    h("td", { class: "num", "data-metric": "dlq" }, latest("dlq")),
  );
}

/** `#/connectors`. */
export async function render(main) {
  const body = h("tbody");
  const table = h(
    "table",
    { class: "connectors" },
    h(
      "thead",
      {},
      h("tr", {}, ["Name", "Type", "Class", "State", "Tasks", "In/s", "Out/s", "Lag", "Errors", "DLQ"].map((c) => h("th", {}, c))),
    ),
    body,
  );
  const empty = h("p", { class: "muted" }, "No connectors yet. ", h("a", { href: "#/new" }, "Create one"), ".");
  replace(main, h("h1", {}, "Connectors"), h("div", { class: "scroll" }, table), empty);
  let latestHistory = { latest: () => NaN };
  const refresh = async () => {
    const all = await get("/connectors?expand=status&expand=info");
    const names = Object.keys(all).sort();
    replace(body, names.map((name) => row(name, all[name], latestHistory)));
    empty.hidden = names.length > 0;
    table.hidden = names.length === 0;
  };
  await refresh();
  return watchMetrics((history) => {
    latestHistory = history;
    refresh().catch(() => {});
  });
}
