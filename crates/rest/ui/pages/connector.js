// One connector: its state and tasks (a FAILED one's trace in full), live charts per task, its
// topics, and the actions: pause, resume, stop, restart, delete.

import { get, request, connectorPath } from "../api.js";
import { h, replace, badge, actionButton, lock, notify } from "../dom.js";
import { lineChart } from "../chart.js";
import { watchMetrics } from "../metrics.js";

/** Every how many metric scrapes the topics and a sink's lag are read again. */
const TOPICS_EVERY = 5;

/** The actions that would change nothing in a state: pause a PAUSED connector, and so on. */
const NEEDLESS = { pause: "PAUSED", resume: "RUNNING", stop: "STOPPED" };

function trace(text) {
  return text ? h("details", { class: "trace", open: true }, h("summary", {}, "Trace"), h("pre", {}, text)) : null;
}

function lifecycle(name, refresh) {
  const includeTasks = h("input", { type: "checkbox", name: "includeTasks" });
  const onlyFailed = h("input", { type: "checkbox", name: "onlyFailed" });
  const act = (label, method, rest, done) =>
    actionButton(
      label,
      async () => {
        await request(method, connectorPath(name, rest));
        notify(done);
        await refresh();
      },
      { "data-action": rest.slice(1) },
    );
  const restart = actionButton("Restart", async () => {
    const query = `?includeTasks=${includeTasks.checked}&onlyFailed=${onlyFailed.checked}`;
    await request("POST", connectorPath(name, `/restart${query}`));
    notify(`Restarting ${name}`);
    await refresh();
  });
  const remove = actionButton(
    "Delete",
    async () => {
      if (!confirm(`Delete the connector ${name}? Its offsets stay.`)) return;
      await request("DELETE", connectorPath(name));
      notify(`Deleted ${name}`);
      location.hash = "#/connectors";
    },
    { class: "danger" },
  );
  return h(
    "div",
    { class: "actions" },
    act("Pause", "PUT", "/pause", `Pausing ${name}`),
    act("Resume", "PUT", "/resume", `Resuming ${name}`),
    act("Stop", "PUT", "/stop", `Stopping ${name}`),
    h("span", { class: "restart" }, restart, h("label", {}, includeTasks, "with tasks"), h("label", {}, onlyFailed, "only failed")),
    remove,
  );
}

function taskRows(name, status, refresh) {
  return status.tasks.map((task) =>
    h(
      "tr",
      { "data-task": task.id },
      h("td", {}, task.id),
      h("td", {}, badge(task.state)),
      h("td", {}, task.worker_id),
      h(
        "td",
        {},
        actionButton("Restart task", async () => {
          await request("POST", connectorPath(name, `/tasks/${task.id}/restart`));
          notify(`Restarting task ${task.id}`);
          await refresh();
        }),
      ),
      h("td", { class: "wide" }, trace(task.trace)),
    ),
  );
}

function charts(name, status, history) {
  const sink = status.type === "sink";
  return status.tasks.map((task) => {
    const series = history.task(name, task.id);
    const points = (key) => series[key] || [];
    return h(
      "div",
      { class: "task-charts", "data-task": task.id },
      h("h3", {}, `Task ${task.id}`),
      lineChart("Records/s", [
        { label: "in", points: points("in"), class: "s-in" },
        { label: "out", points: points("out"), class: "s-out" },
      ]),
      sink ? lineChart("Lag (records)", [{ label: "lag", points: points("lag"), class: "s-lag" }]) : null,
      lineChart("Errors and DLQ (total)", [
        { label: "errors", points: points("errors"), class: "s-errors" },
        { label: "dlq", points: points("dlq"), class: "s-dlq" },
      ]),
    );
  });
}

function lagTable(lag) {
  const rows = lag.partitions.map((p) =>
    h(
      "tr",
      { "data-partition": `${p.topic}-${p.partition}` },
      h("td", {}, p.topic),
      h("td", { class: "num" }, p.partition),
      h("td", { class: "num" }, p.committed ?? "none"),
      h("td", { class: "num" }, p.end),
      h("td", { class: "num lag" }, p.lag),
    ),
  );
  return h(
    "div",
    { class: "scroll" },
    h("p", { class: "muted" }, `Consumer group ${lag.group}`),
    h(
      "table",
      { class: "lag" },
      h("thead", {}, h("tr", {}, ["Topic", "Partition", "Committed", "End", "Lag"].map((c) => h("th", {}, c)))),
      h("tbody", {}, rows),
    ),
  );
}

/** `#/connectors/:name`. */
export async function render(main, { name }) {
  const state = h("span");
  const summary = h("dl", { class: "summary" });
  const tasks = h("tbody");
  const chartBox = h("div", { class: "charts" });
  const topics = h("div");
  const config = h("tbody");
  const dlqLink = h("a", { hidden: true }, "Dead letter queue");
  let status = null;
  const actions = lifecycle(name, () => refresh());
  const refresh = async () => {
    status = await get(connectorPath(name, "/status"));
    replace(state, badge(status.connector.state));
    replace(
      summary,
      h("dt", {}, "Type"), h("dd", {}, status.type),
      h("dt", {}, "Worker"), h("dd", {}, status.connector.worker_id),
    );
    if (status.connector.trace) summary.append(h("dt", {}, "Trace"), h("dd", {}, trace(status.connector.trace)));
    replace(tasks, taskRows(name, status, refresh));
    for (const [action, when] of Object.entries(NEEDLESS)) {
      const button = actions.querySelector(`[data-action="${action}"]`);
      if (button) lock(button, status.connector.state === when);
    }
  };
  const showTopics = async () => {
    const active = await get(connectorPath(name, "/topics"));
    const list = active[name]?.topics || [];
    const lag = status.type === "sink" ? await get(`/ui/api/connectors/${encodeURIComponent(name)}/lag`) : null;
    replace(
      topics,
      list.length ? h("ul", { class: "topics" }, list.map((t) => h("li", {}, t))) : h("p", { class: "muted" }, "No active topics."),
      lag ? lagTable(lag) : null,
      actionButton("Refresh", showTopics),
      actionButton("Reset active topics", async () => {
        await request("PUT", connectorPath(name, "/topics/reset"));
        notify("Active topics reset");
        await showTopics();
      }),
    );
  };
  const info = await get(connectorPath(name));
  replace(config, Object.entries(info.config).sort().map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", {}, v))));
  const dlqTopic = info.config["errors.deadletterqueue.topic.name"];
  if (dlqTopic) {
    dlqLink.href = `#/connectors/${encodeURIComponent(name)}/dlq`;
    dlqLink.hidden = false;
  }
  await refresh();
  replace(
    main,
    h("h1", {}, name, " ", state),
    h(
      "p",
      { class: "links" },
      h("a", { href: `#/connectors/${encodeURIComponent(name)}/edit` }, "Edit configuration"),
      h("a", { href: `#/connectors/${encodeURIComponent(name)}/offsets` }, "Offsets"),
      dlqLink,
    ),
    summary,
    actions,
    h("h2", {}, "Tasks"),
    h("div", { class: "scroll" }, h("table", { class: "tasks" }, h("thead", {}, h("tr", {}, ["Task", "State", "Worker", "", "Trace"].map((c) => h("th", {}, c)))), tasks)),
    h("h2", {}, "Throughput"),
    chartBox,
    h("h2", {}, "Topics"),
    topics,
    h("h2", {}, "Configuration"),
    h("div", { class: "scroll" }, h("table", { class: "config" }, config)),
  );
  await showTopics();
  let scrapes = 0;
  return watchMetrics((history) => {
    refresh()
      .then(() => replace(chartBox, charts(name, status, history)))
      .catch(() => {});
    if (++scrapes % TOPICS_EVERY === 0) showTopics().catch(() => {});
  });
}
