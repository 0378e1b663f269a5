// The page's router: `#/…` addresses to pages; each page renders into `<main>` and returns what
// stops its timers when the page is left.

import { get } from "./api.js";
import { h, replace } from "./dom.js";
import * as cluster from "./pages/cluster.js";
import * as connector from "./pages/connector.js";
import * as connectors from "./pages/connectors.js";
import * as dlq from "./pages/dlq.js";
import * as edit from "./pages/edit.js";
import * as loggers from "./pages/loggers.js";
import * as offsets from "./pages/offsets.js";
import * as plugins from "./pages/plugins.js";

/** Address patterns, most specific first: `:name` parts are passed to the page decoded. */
const ROUTES = [
  ["connectors/:name/edit", edit.renderEdit, "connectors"],
  ["connectors/:name/offsets", offsets.render, "connectors"],
  ["connectors/:name/dlq", dlq.render, "connectors"],
  ["connectors/:name", connector.render, "connectors"],
  ["connectors", connectors.render, "connectors"],
  ["new/:plugin", edit.renderCreate, "new"],
  ["new", plugins.render, "new"],
  ["cluster", cluster.render, "cluster"],
  ["loggers", loggers.render, "loggers"],
];

let leave = null;

function match(pattern, path) {
  const want = pattern.split("/");
  const have = path.split("/");
  if (want.length !== have.length) return null;
  const params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return params;
}

async function route() {
  if (leave) leave();
  leave = null;
  const path = location.hash.replace(/^#\/?/, "") || "connectors";
  const main = document.getElementById("main");
  for (const [pattern, render, section] of ROUTES) {
    const params = match(pattern, path);
    if (!params) continue;
    for (const link of document.querySelectorAll("[data-nav]")) {
      link.classList.toggle("active", link.dataset.nav === section);
    }
    document.getElementById("notice").replaceChildren();
    replace(main, h("p", { class: "muted" }, "Loading…"));
    try {
      leave = (await render(main, params)) || null;
    } catch (err) {
      replace(main, h("p", { class: "error", role: "alert" }, err.message));
    }
    return;
  }
  replace(main, h("p", {}, "No such page. ", h("a", { href: "#/connectors" }, "Connectors")));
}

async function showWorker() {
  const box = document.getElementById("worker");
  try {
    const info = await get("/");
    replace(box, `kconnect ${info.version}`, h("span", { class: "muted" }, ` · cluster ${info.kafka_cluster_id}`));
  } catch (err) {
    replace(box, h("span", { class: "error" }, `worker unreachable: ${err.message}`));
  }
}

window.addEventListener("hashchange", route);
route();
showWorker();
