// A connector's offsets (KIP-875): shown, altered and reset; both writes need the connector
// STOPPED, which one click does.

import { get, request, connectorPath } from "../api.js";
import { h, replace, badge, actionButton, notify } from "../dom.js";

/** `#/connectors/:name/offsets`. */
export async function render(main, { name }) {
  const stateBox = h("div", { class: "offsets-state" });
  const current = h("pre", { class: "offsets" });
  const editor = h("textarea", { class: "json", name: "offsets", rows: 12, spellcheck: "false" });
  const writes = [];
  const load = async () => {
    const [status, offsets] = await Promise.all([get(connectorPath(name, "/status")), get(connectorPath(name, "/offsets"))]);
    const stopped = status.connector.state === "STOPPED";
    replace(
      stateBox,
      h("p", {}, "State: ", badge(status.connector.state)),
      stopped
        ? h("p", { class: "muted" }, "The connector is stopped: its offsets can be altered or reset. Resume it to go on from them.")
        : h(
            "p",
            { class: "explain" },
            "Offsets can be altered or reset only while the connector is STOPPED, so that no task is writing them. ",
            actionButton("Stop the connector", async () => {
              await request("PUT", connectorPath(name, "/stop"));
              notify(`Stopping ${name}`);
              await waitForStopped();
            }),
          ),
    );
    for (const button of writes) button.disabled = !stopped;
    current.textContent = JSON.stringify(offsets, null, 2);
    if (!editor.value) editor.value = current.textContent;
  };
  const waitForStopped = async () => {
    for (let i = 0; i < 40; i++) {
      const status = await get(connectorPath(name, "/status"));
      if (status.connector.state === "STOPPED") break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await load();
  };
  const alter = actionButton("Alter offsets", async () => {
    const body = JSON.parse(editor.value);
    const answer = await request("PATCH", connectorPath(name, "/offsets"), body);
    notify(answer?.message || "Offsets altered");
    editor.value = "";
    await load();
  });
  const reset = actionButton(
    "Reset offsets",
    async () => {
      if (!confirm(`Reset every offset of ${name}? It starts over when resumed.`)) return;
      const answer = await request("DELETE", connectorPath(name, "/offsets"));
      notify(answer?.message || "Offsets reset");
      editor.value = "";
      await load();
    },
    { class: "danger" },
  );
  writes.push(alter, reset);
  replace(
    main,
    h("h1", {}, h("a", { href: `#/connectors/${encodeURIComponent(name)}` }, name), " · offsets"),
    stateBox,
    h("h2", {}, "Committed offsets"),
    current,
    h("h2", {}, "Alter"),
    h("p", { class: "muted" }, 'The body of PATCH /connectors/{name}/offsets: {"offsets": [{"partition": {…}, "offset": {…}}]}; a null offset removes a partition\'s.'),
    editor,
    h("div", { class: "actions" }, alter, reset, actionButton("Resume", async () => {
      await request("PUT", connectorPath(name, "/resume"));
      notify(`Resuming ${name}`);
      location.hash = `#/connectors/${encodeURIComponent(name)}`;
    })),
  );
  await load();
}
