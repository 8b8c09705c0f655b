// @ts-check
/** Small DOM and formatting helpers shared by the views. */
import { dateTime, money, t } from "./i18n.js";

/**
 * Creates an element. `attrs`: `class`, `text`, `title`, `href`, `on<event>` handlers, `data-*`, anything else as
 * an attribute (false / null / undefined: left out). Children: nodes, strings, or arrays of them.
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** @param {Element} el @param {unknown[]} children */
function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the content of `el`. @param {Element} el @param {...unknown} children */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * An amount of the API (decimal yuan) as ¥, in 万 where large (i18n.js: money), the exact figure in its title.
 * @param {string | null | undefined} text
 */
export function amount(text) {
  const { shown, exact } = money(text);
  return shown === exact ? shown : h("span", { title: exact }, shown);
}

/**
 * A decimal string in minor units, as BigInt (for the conservation check): "12.50" with 2 decimals → 1250n.
 * @param {string} text @param {number} decimals
 */
export function minor(text, decimals) {
  const negative = text.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? text.slice(1) : text).split(".");
  const value = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0").slice(0, decimals) || "0");
  return negative ? -value : value;
}

/** Minor units as a decimal string. @param {bigint} value @param {number} decimals */
export function major(value, decimals) {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const scale = 10n ** BigInt(decimals);
  const text = decimals === 0 ? String(abs) : `${abs / scale}.${String(abs % scale).padStart(decimals, "0")}`;
  return negative ? `-${text}` : text;
}

/** Number of decimals of an amount string ("600000000.00" → 2). @param {string} text */
export const decimalsOf = (text) => (text.split(".")[1] ?? "").length;

/** An ISO time as `2026-12-01 15:20` in Asia/Shanghai. @param {string | null | undefined} iso */
export const time = (iso) => dateTime(iso);

/** "0x1234…abcd" for a hash or an address. @param {string} value */
export const short = (value) => (value.length > 14 ? `${value.slice(0, 6)}…${value.slice(-4)}` : value);

/** A monospace shortened hash or address, the whole value in its title. @param {string | null | undefined} value */
export function hash(value) {
  if (value === null || value === undefined) return "—";
  return h("code", { title: value, class: "hash" }, short(value));
}

/** A link inside the dashboard (hash route). @param {string} route @param {...unknown} children */
export const link = (route, ...children) => h("a", { href: `#${route}` }, ...children);

/** A route with a query string, leaving out empty values. @param {string} path @param {Record<string, unknown>} [query] */
export function route(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

/** The block, a link to the events of that block. @param {number} block */
export const blockLink = (block) =>
  h("a", { href: `#${route("/events", { fromBlock: block, toBlock: block })}`, class: "num", title: t("provenance.blockTitle", { block }) }, String(block));

/** The transaction, a link to its events (the block's events, this transaction's marked). @param {number} block @param {string} tx */
export const txLink = (block, tx) =>
  h("a", { href: `#${route("/events", { fromBlock: block, toBlock: block, tx })}`, title: tx, class: "hash" }, short(tx));

/** `final` as a badge. @param {boolean} final */
export const finalBadge = (final) =>
  h("span", { class: final ? "badge ok" : "badge pending", title: t(final ? "provenance.finalTitle" : "provenance.pendingTitle") }, t(final ? "provenance.final" : "provenance.pending"));

/** The block, transaction and finality cells of an event-derived row. @param {{blockNumber:number, transactionHash:string, final:boolean, timestamp:string}} rec */
export const provenanceCells = (rec) => [
  h("td", { class: "time" }, time(rec.timestamp)),
  h("td", {}, blockLink(rec.blockNumber)),
  h("td", {}, txLink(rec.blockNumber, rec.transactionHash)),
  h("td", {}, finalBadge(rec.final)),
];
/** The headers of provenanceCells. @returns {string[]} */
export const provenanceHeaders = () => [t("provenance.time"), t("provenance.block"), t("provenance.transaction"), t("provenance.finalHeader")];

/**
 * A table: a caption (read out by screen readers), headers, rows (arrays of cells: nodes/strings, or `td`
 * elements), optional class per column. Each cell carries its header in data-label, which the phone layout shows.
 * @param {string[]} headers @param {unknown[][]} rows
 * @param {{caption: string, numeric?: number[], empty?: string, testid?: string}} options
 */
export function table(headers, rows, options) {
  const numeric = new Set(options.numeric ?? []);
  const cell = (/** @type {unknown} */ value, /** @type {number} */ i) => {
    const td = value instanceof HTMLTableCellElement ? value : h("td", { class: numeric.has(i) ? "num" : undefined }, value);
    td.setAttribute("data-label", headers[i] ?? "");
    return td;
  };
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { "data-testid": options.testid },
      h("caption", { class: "sr-only" }, options.caption),
      h("thead", {}, h("tr", {}, headers.map((text, i) => h("th", { scope: "col", class: numeric.has(i) ? "num" : undefined }, text)))),
      h("tbody", {}, rows.length === 0 ? h("tr", {}, h("td", { colspan: headers.length, class: "empty" }, options.empty ?? t("list.nothing"))) : rows.map((row) => h("tr", {}, row.map(cell)))),
    ),
  );
}

/** A figure with its label. @param {string} label @param {unknown} value @param {string} [testid] */
export const stat = (label, value, testid) => h("div", { class: "stat", "data-testid": testid }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));

/** A text reference (bytes32) as text when it is one, else the shortened hex. @param {string | null} text @param {string} hex */
export const refText = (text, hex) => (text !== null && text !== undefined ? h("span", { title: hex }, text) : hash(hex));

/** A form control with its visible label. @param {string} id @param {string} label @param {HTMLElement} control @param {string} [cls] */
export const field = (id, label, control, cls) => h("span", { class: cls === undefined ? "field" : `field ${cls}` }, h("label", { for: id }, label), control);
