// The workers: this one's facts, the group's generation and leader, and each worker's version,
// uptime, connectors and tasks.

import { get } from "../api.js";
import { h, replace } from "../dom.js";

function duration(ms) {
  const s = Math.floor(ms / 1000);
  const parts = [[Math.floor(s / 86400), "d"], [Math.floor(s / 3600) % 24, "h"], [Math.floor(s / 60) % 60, "m"], [s % 60, "s"]];
  return parts.filter(([n], i) => n || i === 3).map(([n, u]) => `${n}${u}`).join(" ");
}

/** `#/cluster`. */
export async function render(main) {
  const box = h("div");
  const load = async () => {
    const c = await get("/ui/api/cluster");
    const facts = [
      ["Mode", c.mode],
      ["This worker", c.worker_id],
      ["Version", `${c.version} (${c.commit})`],
      ["Kafka cluster", c.kafka_cluster_id],
      ["Uptime", duration(c.uptime_ms)],
    ];
    if (c.mode === "distributed") {
      facts.push(["Group", c.group_id], ["Generation", c.generation], ["Leader", c.is_leader ? `${c.leader_url} (this worker)` : c.leader_url]);
    }
    replace(
      box,
      h("dl", { class: "summary" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "–")])),
      h("h2", {}, "Workers"),
      h(
        "div",
        { class: "scroll" },
        h(
          "table",
          { class: "workers" },
          h("thead", {}, h("tr", {}, ["Worker", "Version", "Uptime", "Connectors", "Tasks"].map((c) => h("th", {}, c)))),
          h(
            "tbody",
            {},
            c.workers.map((w) =>
              h(
                "tr",
                { "data-worker": w.worker_id },
                h("td", {}, w.worker_id, w.worker_id === c.worker_id ? h("span", { class: "muted" }, " (this one)") : null),
                h("td", {}, w.version ?? h("span", { class: "error" }, "not answering")),
                h("td", {}, w.uptime_ms === undefined ? "–" : duration(w.uptime_ms)),
                h("td", {}, w.connectors.map((n) => h("a", { class: "chip", href: `#/connectors/${encodeURIComponent(n)}` }, n))),
                h("td", {}, w.tasks.join(", ")),
              ),
            ),
          ),
        ),
      ),
    );
  };
  replace(main, h("h1", {}, "Cluster"), box);
  await load();
  const timer = setInterval(() => load().catch(() => {}), 5000);
  return () => clearInterval(timer);
}
