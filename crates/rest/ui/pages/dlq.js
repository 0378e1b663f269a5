// A connector's dead letter queue, newest first: Apache's `__connect.errors.*` headers decoded and
// the original key and value as text, JSON or hex; filtered by error class.

import { get } from "../api.js";
import { h, replace } from "../dom.js";

const ERROR_HEADER = "__connect.errors.";

function bytesOf(base64) {
  if (base64 === null || base64 === undefined) return null;
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

const text = (bytes) => new TextDecoder().decode(bytes);

/** `bytes` shown as `mode`: "text", "json" (pretty when it parses) or "hex". */
export function show(bytes, mode) {
  if (bytes === null) return "null";
  if (mode === "hex") return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  if (mode === "json") {
    try {
      return JSON.stringify(JSON.parse(text(bytes)), null, 2);
    } catch {
      return `${text(bytes)}\n(not JSON)`;
    }
  }
  return text(bytes);
}

function errorsOf(record) {
  const errors = {};
  const others = [];
  for (const header of record.headers) {
    const value = header.value === null ? null : text(bytesOf(header.value));
    if (header.key.startsWith(ERROR_HEADER)) errors[header.key.slice(ERROR_HEADER.length)] = value;
    else others.push([header.key, value]);
  }
  return { errors, others };
}

function card(record, mode) {
  const { errors, others } = errorsOf(record);
  const fact = (label, value) => (value ? [h("dt", {}, label), h("dd", {}, value)] : null);
  return h(
    "article",
    { class: "dlq-record", "data-offset": `${record.partition}:${record.offset}` },
    h("header", {}, h("strong", {}, errors["exception.class.name"] || "no error headers"), h("span", { class: "muted" }, ` ${new Date(record.timestamp).toLocaleString()} · partition ${record.partition} offset ${record.offset}`)),
    h(
      "dl",
      { class: "summary" },
      fact("Stage", errors.stage),
      fact("Class", errors["class.name"]),
      fact("Message", errors["exception.message"]),
      fact("Original", errors.topic ? `${errors.topic} [${errors.partition}] @ ${errors.offset}` : null),
      fact("Connector", errors["connector.name"]),
      fact("Task", errors["task.id"]),
    ),
    h("h4", {}, "Key"),
    h("pre", { class: "dlq-key" }, show(bytesOf(record.key), mode)),
    h("h4", {}, "Value"),
    h("pre", { class: "dlq-value" }, show(bytesOf(record.value), mode)),
    errors["exception.stacktrace"] ? h("details", { class: "trace" }, h("summary", {}, "Stack trace"), h("pre", {}, errors["exception.stacktrace"])) : null,
    others.length ? h("details", {}, h("summary", {}, "Other headers"), h("pre", {}, others.map(([k, v]) => `${k}: ${v}`).join("\n"))) : null,
  );
}

/** `#/connectors/:name/dlq`. */
export async function render(main, { name }) {
  const list = h("div", { class: "dlq-records" });
  const mode = h("select", { name: "mode", "aria-label": "Show key and value as" }, ["text", "json", "hex"].map((m) => h("option", { value: m }, m)));
  const byClass = h("select", { name: "class", "aria-label": "Filter by error class" });
  const heading = h("p", { class: "muted" });
  let records = [];
  const show = () => {
    const want = byClass.value;
    const shown = records.filter((r) => !want || errorsOf(r).errors["exception.class.name"] === want);
    replace(list, shown.length ? shown.map((r) => card(r, mode.value)) : h("p", { class: "muted" }, "No records."));
  };
  const load = async () => {
    const dlq = await get(`/ui/api/connectors/${encodeURIComponent(name)}/dlq?limit=100`);
    records = dlq.records;
    replace(heading, `Topic ${dlq.topic}: the newest ${records.length} records.`);
    const classes = [...new Set(records.map((r) => errorsOf(r).errors["exception.class.name"]).filter(Boolean))].sort();
    const chosen = byClass.value;
    replace(byClass, h("option", { value: "" }, "every error class"), classes.map((c) => h("option", { value: c, selected: c === chosen }, c)));
    show();
  };
  mode.addEventListener("change", show);
  byClass.addEventListener("change", show);
  replace(
    main,
    h("h1", {}, h("a", { href: `#/connectors/${encodeURIComponent(name)}` }, name), " · dead letter queue"),
    heading,
    h("div", { class: "inline" }, byClass, mode, h("button", { type: "button", onclick: () => load() }, "Refresh")),
    list,
  );
  await load();
}
