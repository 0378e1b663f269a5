// Choosing what to create: every connector plugin of `GET /connector-plugins`.

import { get } from "../api.js";
import { h, replace } from "../dom.js";

/** `#/new`. */
export async function render(main) {
  const plugins = await get("/connector-plugins?connectorsOnly=true");
  const filter = h("input", { type: "search", placeholder: "Filter by class", "aria-label": "Filter plugins" });
  const list = h("ul", { class: "plugins" });
  const show = () => {
    const want = filter.value.toLowerCase();
    replace(
      list,
      plugins
        .filter((p) => p.class.toLowerCase().includes(want))
        .map((p) =>
          h(
            "li",
            { "data-plugin": p.class },
            h("a", { href: `#/new/${encodeURIComponent(p.class)}` }, p.class),
            h("span", { class: `badge type-${p.type}` }, p.type),
            h("span", { class: "muted" }, p.version),
          ),
        ),
    );
  };
  filter.addEventListener("input", show);
  show();
  replace(main, h("h1", {}, "New connector"), h("p", {}, "Choose the plugin to configure."), filter, list);
}
