// The worker's loggers and their levels (`/admin/loggers`), changeable.

import { get, request } from "../api.js";
import { h, replace, notify } from "../dom.js";

const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF"];

function levelSelect(name, level, onChange) {
  const select = h("select", { name, "aria-label": `level of ${name}` }, LEVELS.map((l) => h("option", { value: l, selected: l === level }, l)));
  select.addEventListener("change", () => onChange(select.value));
  return select;
}

/** `#/loggers`. */
export async function render(main) {
  const body = h("tbody");
  const scope = h("select", { name: "scope" }, h("option", { value: "worker" }, "this worker"), h("option", { value: "cluster" }, "every worker"));
  const set = async (name, level) => {
    try {
      await request("PUT", `/admin/loggers/${encodeURIComponent(name)}?scope=${scope.value}`, { level });
      notify(`${name}: ${level}`);
      await load();
    } catch (err) {
      notify(err.message, "error");
    }
  };
  const load = async () => {
    const loggers = await get("/admin/loggers");
    replace(
      body,
      Object.entries(loggers)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, { level, last_modified }]) =>
          h(
            "tr",
            { "data-logger": name },
            h("td", {}, name),
            h("td", {}, levelSelect(name, level, (l) => set(name, l))),
            h("td", { class: "muted" }, last_modified ? new Date(last_modified).toLocaleString() : ""),
          ),
        ),
    );
  };
  try {
    await load();
  } catch (err) {
    if (err.status !== 404) throw err;
    replace(main, h("h1", {}, "Logging"), h("p", {}, "This listener does not serve /admin: the worker's admin.listeners does."));
    return;
  }
  const newName = h("input", { type: "text", name: "logger", placeholder: "logger, e.g. org.apache.kafka.connect", spellcheck: "false" });
  const newLevel = levelSelect("new-level", "DEBUG", () => {});
  replace(
    main,
    h("h1", {}, "Logging"),
    h("p", {}, "Apply to ", scope),
    h("div", { class: "scroll" }, h("table", { class: "loggers" }, h("thead", {}, h("tr", {}, h("th", {}, "Logger"), h("th", {}, "Level"), h("th", {}, "Changed"))), body)),
    h("h2", {}, "Set a logger"),
    h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); if (newName.value) set(newName.value, newLevel.value); } }, newName, newLevel, h("button", { type: "submit" }, "Set")),
  );
}
