// Building the page from elements, never from HTML strings: every text a connector or a record
// carries is shown as text.

/** An element `tag` with attributes (`on*` functions become listeners) and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name in el && typeof value !== "string") {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? "" : value);
    }
  }
  append(el, children);
  return el;
}

/** Appends children: elements, strings (as text), arrays of either; skips null and false. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces every child of `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** A state as a coloured badge: RUNNING, PAUSED, STOPPED, FAILED, UNASSIGNED, RESTARTING. */
export function badge(state) {
  return h("span", { class: `badge state-${String(state).toLowerCase()}` }, state);
}

/** A message that stays until the next one: `kind` is "ok" or "error". */
export function notify(text, kind = "ok") {
  const box = document.getElementById("notice");
  replace(box, h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, text));
  if (kind === "ok") setTimeout(() => box.replaceChildren(), 4000);
}

/**
 * A button that runs `action`, disabled while it runs (and after, while `lock` holds it);
 * errors become a notice.
 */
export function actionButton(label, action, attrs = {}) {
  const button = h("button", { type: "button", ...attrs }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await action();
    } catch (err) {
      notify(err.message, "error");
    } finally {
      button.disabled = button.dataset.locked === "true";
    }
  });
  return button;
}

/** Disables an action button (until unlocked) when `locked`, e.g. Pause on a paused connector. */
export function lock(button, locked) {
  button.dataset.locked = String(locked);
  button.disabled = locked;
}

/** A number for people: 12,345.6 at most one decimal. */
export function formatNumber(value) {
  if (!Number.isFinite(value)) return "–";
  return value.toLocaleString("en-US", { maximumFractionDigits: value < 10 ? 1 : 0 });
}
