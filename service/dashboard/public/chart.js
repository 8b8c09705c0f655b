// @ts-check
/** A small cumulative line chart as inline SVG (no library). */

const SVG = "http://www.w3.org/2000/svg";

/** @param {string} tag @param {Record<string, string | number>} attrs @param {string} [text] */
function s(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * Cumulative step lines over time.
 * @param {{name: string, cls: string, points: {t: number, v: number}[]}[]} series  points: time (ms) and increment, any order
 * @param {{width?: number, height?: number, title: string, empty: string, yLabel: (v: number) => string, tLabel: (t: number) => string}} options  labels of the axes: amounts, instants (ms)
 */
export function cumulativeChart(series, options) {
  const width = options.width ?? 720;
  const height = options.height ?? 220;
  const pad = { left: 96, right: 40, top: 12, bottom: 28 };
  const lines = series.map((serie) => {
    const sorted = [...serie.points].sort((a, b) => a.t - b.t);
    let total = 0;
    return { ...serie, steps: sorted.map((p) => ({ t: p.t, v: (total += p.v) })) };
  });
  const all = lines.flatMap((l) => l.steps);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": options.title });
  svg.append(s("title", {}, options.title));
  if (all.length === 0) {
    svg.append(s("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "axis" }, options.empty));
    return svg;
  }
  let t0 = Math.min(...all.map((p) => p.t));
  let t1 = Math.max(...all.map((p) => p.t), Date.now());
  if (t1 - t0 < 60_000) t0 = t1 - 60_000;
  const vMax = Math.max(...all.map((p) => p.v), 1);
  const x = (/** @type {number} */ t) => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = (/** @type {number} */ v) => height - pad.bottom - (v / vMax) * (height - pad.top - pad.bottom);
  for (let i = 0; i <= 4; i += 1) {
    const v = (vMax * i) / 4;
    svg.append(s("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(s("text", { x: pad.left - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }, options.yLabel(v)));
  }
  for (const [t, anchor] of /** @type {const} */ ([[t0, "start"], [(t0 + t1) / 2, "middle"], [t1, "end"]])) {
    svg.append(s("text", { x: x(t), y: height - 8, "text-anchor": anchor, class: "axis" }, options.tLabel(t)));
  }
  for (const line of lines) {
    const first = line.steps[0];
    if (first === undefined) continue;
    let d = `M${x(first.t).toFixed(1)},${y(0).toFixed(1)}`;
    let last = 0;
    for (const p of line.steps) {
      d += `V${y(last).toFixed(1)}H${x(p.t).toFixed(1)}V${y(p.v).toFixed(1)}`;
      last = p.v;
    }
    d += `H${x(t1).toFixed(1)}`;
    svg.append(s("path", { d, class: `line ${line.cls}` }));
  }
  return svg;
}
