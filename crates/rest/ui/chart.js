// Small live line charts in SVG: one or more series over the last minutes.

import { h, formatNumber } from "./dom.js";
import { WINDOW_MS } from "./metrics.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 300;
const HEIGHT = 80;

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  return el;
}

/**
 * A chart titled `title` of `series` (`[{label, points: [time, value][], class}]`), the newest
 * value of each beside its label. Time runs from `now - WINDOW_MS` to `now`.
 */
export function lineChart(title, series, now = Date.now()) {
  const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  const top = Math.max(1, ...values) * 1.1;
  const plot = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    preserveAspectRatio: "none",
    class: "chart-plot",
    role: "img",
    "aria-label": title,
  });
  for (const s of series) {
    const points = s.points
      .filter(([, v]) => Number.isFinite(v))
      .map(([t, v]) => {
        const x = ((t - (now - WINDOW_MS)) / WINDOW_MS) * WIDTH;
        const y = HEIGHT - (v / top) * HEIGHT;
        return `${x.toFixed(1)},${y.toFixed(1)}`;
      });
    // A single point is drawn as a short flat stroke: a polyline of one point shows nothing.
    if (points.length === 1) points.unshift(points[0].replace(/^[^,]+/, (x) => String(Math.max(0, Number(x) - 3))));
    if (points.length) plot.append(svg("polyline", { points: points.join(" "), class: `line ${s.class}` }));
  }
  const legend = series.map((s) => {
    const last = s.points.length ? s.points[s.points.length - 1][1] : NaN;
    return h("span", { class: `legend ${s.class}`, "data-series": s.label }, `${s.label} ${formatNumber(last)}`);
  });
  return h(
    "figure",
    { class: "chart" },
    h("figcaption", {}, title, h("span", { class: "chart-top" }, `max ${formatNumber(top / 1.1)}`)),
    plot,
    h("div", { class: "chart-legend" }, legend),
  );
}
