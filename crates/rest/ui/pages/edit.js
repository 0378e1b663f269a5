// Creating and editing a connector: a form built from the plugin's ConfigDef as the validate
// endpoint describes it (groups, order, types, defaults, docs, recommended values), each change
// validated live with the errors beside the field; or the configuration as raw JSON.

import { request, get, connectorPath } from "../api.js";
import { h, replace, notify } from "../dom.js";

/** Apache's rendering of a secret the REST API will not show; sent back, it keeps the stored value. */
const HIDDEN = "[hidden]";
const VALIDATE_DELAY_MS = 400;

function validatePath(plugin) {
  return `/connector-plugins/${encodeURIComponent(plugin)}/config/validate`;
}

/** The input of one key, by its type: a secret as a password field that never shows its value. */
function input(definition, value, recommended, onChange) {
  const attrs = { name: definition.name, id: `field-${definition.name}`, "aria-describedby": `doc-${definition.name}` };
  if (definition.type === "BOOLEAN") {
    const choice = (v, label) => h("option", { value: v, selected: value === v }, label);
    const fallback = definition.default_value === null ? "unset" : `default: ${definition.default_value}`;
    const el = h("select", attrs, choice("", fallback), choice("true", "true"), choice("false", "false"));
    el.addEventListener("change", () => onChange(el.value));
    return el;
  }
  if (definition.type === "PASSWORD") {
    const el = h("input", {
      ...attrs,
      type: "password",
      autocomplete: "new-password",
      placeholder: value === HIDDEN ? "unchanged (type to replace)" : "",
      value: value === HIDDEN ? "" : value || "",
    });
    el.addEventListener("input", () => onChange(el.value || (value === HIDDEN ? HIDDEN : "")));
    return el;
  }
  const list = recommended.length ? `choices-${definition.name}` : undefined;
  const el = h("input", {
    ...attrs,
    type: "text",
    value: value || "",
    placeholder: definition.default_value ?? "",
    list,
    spellcheck: "false",
  });
  el.addEventListener("input", () => onChange(el.value));
  return list ? [el, h("datalist", { id: list }, recommended.map((r) => h("option", { value: r })))] : el;
}

function fieldOf(config, value, onChange) {
  const { definition } = config;
  const recommended = config.value?.recommended_values || [];
  return h(
    "div",
    { class: "field", "data-key": definition.name, hidden: config.value?.visible === false },
    h(
      "label",
      { for: `field-${definition.name}` },
      definition.display_name || definition.name,
      definition.required ? h("span", { class: "required", title: "required" }, " *") : null,
      h("code", { class: "key" }, definition.name),
    ),
    input(definition, value, recommended, onChange),
    h("p", { class: "field-error", "data-error-for": definition.name, role: "alert" }),
    definition.documentation ? h("p", { class: "doc", id: `doc-${definition.name}` }, definition.documentation) : null,
  );
}

/** The configs of a validate answer in groups, in the answer's group order, each by `order`. */
function grouped(infos) {
  const groups = new Map((infos.groups || []).map((g) => [g, []]));
  for (const config of infos.configs) {
    const group = config.definition.group || "Other";
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(config);
  }
  for (const configs of groups.values()) {
    configs.sort((a, b) => (a.definition.order ?? 0) - (b.definition.order ?? 0) || a.definition.name.localeCompare(b.definition.name));
  }
  return [...groups].filter(([, configs]) => configs.length);
}

/**
 * The form for `plugin` with `initial` values; `submit(config)` saves. `locked` keys (the name
 * of an existing connector) are shown but not editable.
 */
async function form(main, { title, plugin, initial, locked, submit }) {
  const values = new Map(Object.entries(initial));
  const fieldsBox = h("div", { class: "groups" });
  const extraBox = h("div", { class: "extra" });
  const errorCount = h("span", { class: "error-count", "aria-live": "polite" });
  const json = h("textarea", { class: "json", name: "json", rows: 20, spellcheck: "false" });
  const known = new Set();
  let timer = null;
  let generation = 0;

  const current = () => Object.fromEntries([...values].filter(([, v]) => v !== ""));

  const change = (key) => (value) => {
    if (locked.includes(key)) return;
    if (value === "") values.delete(key);
    else values.set(key, value);
    clearTimeout(timer);
    timer = setTimeout(validate, VALIDATE_DELAY_MS);
  };

  const showErrors = (infos) => {
    let count = 0;
    for (const config of infos.configs) {
      const key = config.definition.name;
      const box = fieldsBox.querySelector(`[data-error-for="${CSS.escape(key)}"]`);
      const errors = config.value?.errors || [];
      count += errors.length;
      if (box) replace(box, errors.join(" "));
      const field = fieldsBox.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (field) {
        field.classList.toggle("invalid", errors.length > 0);
        field.hidden = config.value?.visible === false;
      }
    }
    replace(errorCount, count ? `${count} error${count === 1 ? "" : "s"}` : "no errors");
    errorCount.classList.toggle("error", count > 0);
  };

  const addFields = (infos) => {
    for (const [group, configs] of grouped(infos)) {
      let section = [...fieldsBox.children].find((s) => s.dataset.group === group);
      if (!section) {
        section = h("fieldset", { "data-group": group }, h("legend", {}, group));
        fieldsBox.append(section);
      }
      for (const config of configs) {
        const key = config.definition.name;
        if (known.has(key)) continue;
        known.add(key);
        const field = fieldOf(config, values.get(key), change(key));
        if (locked.includes(key)) field.querySelector("input,select").disabled = true;
        section.append(field);
      }
    }
    showExtra();
  };

  const showExtra = () => {
    const rows = [...values.keys()].filter((k) => !known.has(k)).sort();
    replace(
      extraBox,
      rows.map((key) => {
        const el = h("input", { type: "text", name: key, value: values.get(key), spellcheck: "false" });
        el.addEventListener("input", () => change(key)(el.value));
        return h("div", { class: "field", "data-key": key }, h("label", {}, h("code", { class: "key" }, key)), el);
      }),
    );
  };

  async function validate() {
    const mine = ++generation;
    const infos = await request("PUT", validatePath(plugin), current());
    if (mine !== generation) return infos;
    addFields(infos);
    showErrors(infos);
    return infos;
  }

  const newKey = h("input", { type: "text", name: "new-key", placeholder: "key", spellcheck: "false" });
  const newValue = h("input", { type: "text", name: "new-value", placeholder: "value", spellcheck: "false" });
  const addKey = h("button", { type: "button", onclick: () => {
    if (!newKey.value) return;
    change(newKey.value)(newValue.value);
    newKey.value = "";
    newValue.value = "";
    showExtra();
  } }, "Add key");

  const save = async (config) => {
    try {
      await submit(config);
    } catch (err) {
      notify(err.message, "error");
      await validate().catch(() => {});
    }
  };

  const formTab = h(
    "form",
    { class: "config-form", onsubmit: (e) => { e.preventDefault(); save(current()); } },
    fieldsBox,
    h("fieldset", {}, h("legend", {}, "Other keys"), extraBox, h("div", { class: "add-key" }, newKey, newValue, addKey)),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Save"), errorCount),
  );
  const jsonTab = h(
    "form",
    {
      class: "json-form",
      hidden: true,
      onsubmit: (e) => {
        e.preventDefault();
        let parsed;
        try {
          parsed = JSON.parse(json.value);
        } catch (err) {
          notify(`Not JSON: ${err.message}`, "error");
          return;
        }
        save(Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)])));
      },
    },
    h("p", { class: "muted" }, `The configuration as JSON. Secrets read back as ${HIDDEN}; left so, they keep their stored value.`),
    json,
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Save JSON")),
  );
  const tab = (label, show) =>
    h("button", { type: "button", role: "tab", onclick: (e) => {
      for (const b of e.target.parentNode.children) b.setAttribute("aria-selected", b === e.target);
      show();
    } }, label);
  const tabs = h(
    "div",
    { class: "tabs", role: "tablist" },
    tab("Form", () => { formTab.hidden = false; jsonTab.hidden = true; }),
    tab("JSON", () => {
      json.value = JSON.stringify(current(), null, 2);
      formTab.hidden = true;
      jsonTab.hidden = false;
    }),
  );
  tabs.firstChild.setAttribute("aria-selected", "true");
  replace(main, h("h1", {}, title), h("p", { class: "muted" }, h("code", {}, plugin)), tabs, formTab, jsonTab);
  await validate();
}

/** `#/new/:plugin`. */
export async function renderCreate(main, { plugin }) {
  await form(main, {
    title: "New connector",
    plugin,
    initial: { "connector.class": plugin },
    locked: ["connector.class"],
    submit: async (config) => {
      const { name, ...rest } = config;
      const created = await request("POST", "/connectors", { name, config: { ...rest, name } });
      notify(`Created ${created.name}`);
      location.hash = `#/connectors/${encodeURIComponent(created.name)}`;
    },
  });
}

/** `#/connectors/:name/edit`. */
export async function renderEdit(main, { name }) {
  const info = await get(connectorPath(name));
  await form(main, {
    title: `Edit ${name}`,
    plugin: info.config["connector.class"],
    initial: { ...info.config, name },
    locked: ["name", "connector.class"],
    submit: async (config) => {
      await request("PUT", connectorPath(name, "/config"), { ...config, name });
      notify(`Saved ${name}`);
      location.hash = `#/connectors/${encodeURIComponent(name)}`;
    },
  });
}
