// @ts-check
/**
 * The overview's chart: subsidy per day or month, by programme, written off by suppliers' redemptions and by buyers'
 * approved claims, drawn by Apache ECharts from the API's aggregates (GET /v2/aggregates), never from the records.
 * A click on a bar opens the redemptions (or claims) of that programme and period; the same figures are in a table.
 */
import * as echarts from "echarts";

import { request } from "./api.js";
import { resizeWithBox } from "./chart.js";
import { amount, h, link, major, minor, route, table } from "./dom.js";
import { language, money, t } from "./i18n.js";

/** The two flows a bar can be. */
const FLOWS = /** @type {const} */ ([{ key: "redeemed" }, { key: "claimed" }]);

/** The first and last day of a period (a day `2026-12-01`, or a month `2026-12`), as the v2 lists' from/to. @param {string} period */
export function periodDays(period) {
  if (period.length !== 7) return { from: period, to: period };
  const next = new Date(`${period}-01T00:00:00Z`);
  next.setUTCMonth(next.getUTCMonth() + 1);
  return { from: `${period}-01`, to: new Date(next.getTime() - 86_400_000).toISOString().slice(0, 10) };
}

/**
 * The list behind a bar: that programme's redemptions, or its approved claims, in that period (the aggregates count
 * a claim on the day of its approval, the claims list filters by the day of submission: the same day in the demo).
 * @param {"redeemed" | "claimed"} key @param {number} programme @param {string} period
 */
export function drillDownRoute(key, programme, period) {
  return key === "claimed"
    ? route("/v2/claims", { programme, ...periodDays(period), status: "Approved" })
    : route("/v2/redemptions", { programme, ...periodDays(period) });
}

/**
 * The chart (and its figures as a table, for screen readers and for copying).
 * @param {{interval: "day" | "month", programmes: Map<number, any>, live: () => boolean}} options
 */
export async function subsidyChart(options) {
  const aggregates = await request("/v2/aggregates", { interval: options.interval });
  /** The programmes with any subsidy in the range, by id, and their figures per period (fen). */
  const figures = new Map();
  for (const b of aggregates.buckets) {
    if (b.redeemed === "0.00" && b.claimed === "0.00") continue;
    const perPeriod = figures.get(b.programme) ?? new Map();
    perPeriod.set(b.period, { redeemed: minor(b.redeemed, 2), claimed: minor(b.claimed, 2) });
    figures.set(b.programme, perPeriod);
  }
  const programmeIds = [...figures.keys()].sort((a, b) => a - b);
  const nameOf = (/** @type {number} */ id) => options.programmes.get(id)?.name ?? `#${id}`;
  /** One series per programme and flow with anything in it: redemptions stacked in one bar, claims in another. */
  const series = FLOWS.flatMap((flow) =>
    programmeIds
      .filter((id) => [...figures.get(id).values()].some((x) => x[flow.key] !== 0n))
      .map((id) => ({ flow: flow.key, programme: id, name: t("v2Overview.chart.series", { programme: nameOf(id), flow: t(`v2Overview.chart.${flow.key}`) }) })),
  );
  const value = (/** @type {number} */ id, /** @type {string} */ period, /** @type {"redeemed" | "claimed"} */ key) => figures.get(id)?.get(period)?.[key] ?? 0n;
  const title = t("v2Overview.chart.title");
  const box = h("div", { class: "chart", role: "img", "aria-label": t("v2Overview.chart.aria", { from: aggregates.from, to: aggregates.to }), "data-testid": "chart-canvas" });
  const rows = aggregates.periods.flatMap((/** @type {string} */ period) =>
    programmeIds
      .filter((id) => value(id, period, "redeemed") !== 0n || value(id, period, "claimed") !== 0n)
      .map((id) => [
        period, nameOf(id),
        ...FLOWS.map((f) => (value(id, period, f.key) === 0n ? "—" : link(drillDownRoute(f.key, id, period), amount(major(value(id, period, f.key), 2))))),
      ]),
  );
  const figure = h(
    "figure",
    { class: "chart-box", "data-testid": "chart", "data-from": aggregates.from, "data-to": aggregates.to, "data-as-of-block": aggregates.asOfBlock },
    box,
    h("figcaption", {}, t("v2Overview.chart.caption", { from: aggregates.from, to: aggregates.to, block: aggregates.asOfBlock })),
    h(
      "details",
      {},
      h("summary", {}, t("chart.table")),
      table([t("chart.period"), t("v2.col.programme"), t("v2Overview.chart.redeemed"), t("v2Overview.chart.claimed")], rows, {
        caption: title, numeric: [2, 3], empty: t("v2Overview.chart.empty"), testid: "chart-table",
      }),
    ),
  );
  const style = getComputedStyle(document.documentElement);
  const palette = ["--issued", "--redeemed", "--ok", "--warn", "--bad", "--muted"].map((v) => style.getPropertyValue(v).trim()).filter(Boolean);
  const chart = echarts.init(box, undefined, { renderer: "canvas" });
  const axisMoney = (/** @type {number} */ v) => money(v.toFixed(2)).shown;
  chart.setOption({
    animation: false,
    aria: { enabled: true },
    color: palette.length > 0 ? palette : undefined,
    grid: { left: 8, right: 16, top: 48, bottom: 8, containLabel: true },
    legend: { type: "scroll", top: 0, data: series.map((s) => s.name) },
    // Rich-text tooltips are drawn by ECharts itself: no inline styles, which the page's CSP refuses.
    tooltip: { trigger: "item", renderMode: "richText", valueFormatter: axisMoney },
    xAxis: { type: "category", data: aggregates.periods, axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", axisLabel: { formatter: axisMoney } },
    series: series.map((s) => ({
      name: s.name,
      type: "bar",
      stack: s.flow,
      barMinHeight: 0,
      data: aggregates.periods.map((/** @type {string} */ p) => Number(major(value(s.programme, p, s.flow), 2))),
    })),
  });
  chart.on("click", (/** @type {any} */ point) => {
    const s = series[point.seriesIndex];
    const period = aggregates.periods[point.dataIndex];
    if (s !== undefined && period !== undefined) location.hash = `#${drillDownRoute(s.flow, s.programme, period)}`;
  });
  resizeWithBox(chart, box, options.live);
  box.setAttribute("lang", language());
  return figure;
}
