// @ts-check
/**
 * The chart of issued and redeemed per day or month, drawn by Apache ECharts from the API's aggregates
 * (GET /v1/aggregates), never from the raw event log. A click on a bar opens the records behind it.
 */
import * as echarts from "echarts";

import { request } from "./api.js";
import { amount, h, link, route, table } from "./dom.js";
import { language, money, t } from "./i18n.js";

/** The series drawn: the field of the aggregate, its CSS colour variable, and the records behind a bar. */
const SERIES = /** @type {const} */ ([
  { key: "issued", color: "--issued" },
  { key: "redeemed", color: "--redeemed" },
]);

/** Adds two decimal amounts exactly (as the API gives them, in yuan). @param {string} a @param {string} b */
function addAmounts(a, b) {
  const cents = (/** @type {string} */ x) => {
    const [whole = "0", fraction = ""] = x.split(".");
    return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0").slice(0, 2));
  };
  const sum = cents(a) + cents(b);
  return `${sum / 100n}.${(sum % 100n).toString().padStart(2, "0")}`;
}

/**
 * The figures per period (summed over the cities of the answer), in the order of `periods`.
 * @param {any} aggregates  the API's answer
 * @returns {{period: string, issued: string, redeemed: string}[]}
 */
export function totalsPerPeriod(aggregates) {
  /** @type {Map<string, {period: string, issued: string, redeemed: string}>} */
  const rows = new Map(aggregates.periods.map((/** @type {string} */ p) => [p, { period: p, issued: "0.00", redeemed: "0.00" }]));
  for (const b of aggregates.buckets) {
    const row = rows.get(b.period);
    if (row === undefined) continue;
    row.issued = addAmounts(row.issued, b.issued);
    row.redeemed = addAmounts(row.redeemed, b.redeemed);
  }
  return [...rows.values()];
}

/** The first instant of a day or month (Asia/Shanghai) and the first of the next, as ISO text. @param {string} period */
export function periodRange(period) {
  const start = period.length === 7 ? `${period}-01` : period;
  const next = new Date(`${start}T00:00:00Z`);
  if (period.length === 7) next.setUTCMonth(next.getUTCMonth() + 1);
  else next.setUTCDate(next.getUTCDate() + 1);
  return { from: `${start}T00:00:00+08:00`, to: `${next.toISOString().slice(0, 10)}T00:00:00+08:00` };
}

/** The page of the records behind a bar: the vouchers issued, or the redemptions made, in that period (and city). @param {string} key @param {string} period @param {number | undefined} city */
export function drillDownRoute(key, period, city) {
  const { from, to } = periodRange(period);
  return key === "issued" ? route("/vouchers", { city, issuedFrom: from, issuedTo: to }) : route("/redemptions", { city, from, to });
}

/**
 * Resizes a chart with its box (the window, the phone's rotation); disposes of it once the page has moved on.
 * @param {echarts.ECharts} chart @param {HTMLElement} box @param {() => boolean} live
 */
export function resizeWithBox(chart, box, live) {
  const observer = new ResizeObserver(() => {
    if (!live() || !box.isConnected) {
      observer.disconnect();
      chart.dispose();
      return;
    }
    chart.resize();
  });
  observer.observe(box);
}

/**
 * The chart (and the same figures as a table, for screen readers and small screens), for one city or all.
 * @param {{city?: number, interval: "day" | "month", live: () => boolean}} options
 */
export async function aggregateChart(options) {
  const aggregates = await request("/v1/aggregates", { interval: options.interval, city: options.city });
  const rows = totalsPerPeriod(aggregates);
  const title = options.city === undefined ? t("chart.title") : t("chart.titleCity", { city: options.city });
  const box = h("div", { class: "chart", role: "img", "aria-label": t("chart.aria", { title, from: aggregates.from, to: aggregates.to }), "data-testid": "chart-canvas" });
  const style = getComputedStyle(document.documentElement);
  const figure = h(
    "figure",
    { class: "chart-box", "data-testid": "chart", "data-from": aggregates.from, "data-to": aggregates.to, "data-as-of-block": aggregates.asOfBlock },
    box,
    h("figcaption", {}, t("chart.caption", { from: aggregates.from, to: aggregates.to, block: aggregates.asOfBlock })),
    h(
      "details",
      {},
      h("summary", {}, t("chart.table")),
      table(
        [t("chart.period"), ...SERIES.map((s) => t(`chart.${s.key}`))],
        rows.filter((r) => r.issued !== "0.00" || r.redeemed !== "0.00").map((r) => [
          r.period,
          ...SERIES.map((s) => link(drillDownRoute(s.key, r.period, options.city), amount(r[s.key]))),
        ]),
        { caption: title, numeric: [1, 2], empty: t("chart.empty"), testid: "chart-table" },
      ),
    ),
  );
  const chart = echarts.init(box, undefined, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    aria: { enabled: true },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, data: SERIES.map((s) => t(`chart.${s.key}`)) },
    // Rich-text tooltips are drawn by ECharts itself: no inline styles, which the page's CSP refuses.
    tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: (/** @type {number} */ v) => money(v.toFixed(2)).shown },
    xAxis: { type: "category", data: rows.map((r) => r.period), axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", axisLabel: { formatter: (/** @type {number} */ v) => money(v.toFixed(2)).shown } },
    series: SERIES.map((s) => ({
      name: t(`chart.${s.key}`),
      type: "bar",
      barMinHeight: 2,
      itemStyle: { color: style.getPropertyValue(s.color).trim() || undefined },
      data: rows.map((r) => Number(r[s.key])),
    })),
  });
  chart.on("click", (/** @type {any} */ point) => {
    const serie = SERIES[point.seriesIndex];
    const row = rows[point.dataIndex];
    if (serie !== undefined && row !== undefined) location.hash = `#${drillDownRoute(serie.key, row.period, options.city)}`;
  });
  resizeWithBox(chart, box, options.live);
  box.setAttribute("lang", language());
  return figure;
}
