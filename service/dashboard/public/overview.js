// @ts-check
/** Overview (every city, the conservation check, the chart, the mirror's lag) and one city's page. */
import { collect, request } from "./api.js";
import { aggregateChart } from "./chart.js";
import {
  amount, decimalsOf, field, fill, finalBadge, h, hash, link, major, minor, provenanceCells, provenanceHeaders, refText, route, stat, table, time,
} from "./dom.js";
import { dateTime, integer, language, money, t } from "./i18n.js";

/**
 * The conservation check of a city: issued = redeemed + revoked + expired + outstanding with outstanding ≥ 0, and
 * nothing beyond the budget (redeemed + outstanding ≤ budget).
 * @param {any} city @returns {{ok: boolean, text: string}}
 */
export function conservation(city) {
  const d = decimalsOf(city.budget);
  const m = (/** @type {string} */ k) => minor(city[k], d);
  const rest = m("issued") - m("redeemed") - m("revoked") - m("expired");
  const problems = [];
  if (rest !== m("outstanding")) problems.push(t("conservation.rest", { rest: money(major(rest, d)).exact, outstanding: money(city.outstanding).exact }));
  if (m("outstanding") < 0n) problems.push(t("conservation.negative"));
  if (m("redeemed") + m("outstanding") > m("budget")) problems.push(t("conservation.overBudget"));
  return problems.length === 0
    ? { ok: true, text: t("conservation.holds") }
    : { ok: false, text: problems.join(t("conservation.separator")) };
}

/** @param {any} city */
const checkCell = (city) => {
  const check = conservation(city);
  return h(
    "span",
    {
      class: check.ok ? "badge ok" : "badge bad",
      title: t("conservation.title"),
      "data-testid": "conservation",
    },
    `${check.ok ? "✓" : "✗"} ${check.text}`,
  );
};

/** @param {any} status */
export function lagStats(status) {
  return h(
    "div",
    { class: "stats", "data-testid": "lag" },
    stat(t("mirror.head"), integer(status.head)),
    stat(t("mirror.indexed"), integer(status.indexed)),
    stat(t("mirror.behind"), t("mirror.blocks", { count: status.lag }), "lag-value"),
    stat(t("mirror.finalUpTo"), t("mirror.finalValue", { block: Math.max(status.finalizedBlock, 0), depth: status.finalityDepth })),
    stat(t("mirror.node"), t(status.nodeReachable ? (status.ready ? "mirror.caughtUp" : "mirror.catchingUp") : "mirror.unreachable")),
  );
}

/**
 * The chart of issued and redeemed per day (last 30 days) or month (last 12), from the API's aggregates, in `slot`;
 * a choice of the interval above it.
 * @param {import("./app.js").ViewContext} ctx @param {HTMLElement} slot @param {number} [city]
 */
async function issuedRedeemedChart(ctx, slot, city) {
  const interval = ctx.query.interval === "month" ? "month" : "day";
  const select = h(
    "select",
    {
      id: "chart-interval",
      "data-testid": "chart-interval",
      onchange: (/** @type {Event} */ event) => {
        const value = /** @type {HTMLSelectElement} */ (event.target).value;
        location.hash = `#${route(city === undefined ? "/" : `/city/${city}`, { interval: value === "day" ? undefined : value })}`;
      },
    },
    ["day", "month"].map((i) => h("option", { value: i, selected: i === interval }, t(`chart.${i}`))),
  );
  const node = await aggregateChart({ city, interval, live: ctx.live });
  if (ctx.live()) fill(slot, h("div", { class: "filters" }, field("chart-interval", t("chart.interval"), select)), node);
}

/** @param {any[]} cities */
function citiesTable(cities) {
  return table(
    ["city", "budget", "issued", "redeemed", "revoked", "expired", "outstanding", "available", "vouchers", "conservation", "final"].map((k) => t(`city.${k}`)),
    cities.map((c) => [
      link(`/city/${c.code}`, `${c.name} (${c.code})`),
      amount(c.budget), amount(c.issued), amount(c.redeemed), amount(c.revoked), amount(c.expired), amount(c.outstanding), amount(c.available),
      integer(c.voucherCount), checkCell(c), finalBadge(c.final),
    ]),
    { caption: t("overview.citiesCaption"), numeric: [1, 2, 3, 4, 5, 6, 7, 8], empty: t("overview.noCity"), testid: "cities" },
  );
}

/** @param {import("./app.js").ViewContext} ctx */
export async function overviewView(ctx) {
  const [status, cities] = await Promise.all([request("/status", {}, { auth: false }), collect("/v1/cities", {}, 1000)]);
  // A view superseded while it waited (another route, a language switch) leaves the page to the newer one.
  if (!ctx.live()) return;
  const chart = h("div", { class: "chart-slot" }, h("p", { class: "muted" }, t("chart.loading")));
  const verifyOut = h("span", { class: "muted" });
  fill(
    ctx.main,
    h("h1", {}, t("overview.title")),
    h("section", {}, h("h2", {}, t("mirror.title")), lagStats(status)),
    h(
      "section",
      {},
      h("div", { class: "section-head" }, h("h2", {}, t("overview.cities")), ctx.csvButton("/v1/cities", {}, "cities.csv")),
      citiesTable(cities.items),
      h(
        "p",
        {},
        h("button", {
          type: "button",
          onclick: async () => {
            fill(verifyOut, t("verify.running"));
            try {
              const report = await request("/v1/verify");
              fill(verifyOut, h("span", { class: report.ok ? "badge ok" : "badge bad" }, report.ok ? t("verify.ok") : t("verify.differences", { count: report.differences.length })), " ", t("verify.at", { block: report.atBlock, events: integer(report.events) }));
            } catch (error) {
              fill(verifyOut, h("span", { class: "error" }, String(/** @type {Error} */ (error).message)));
            }
          },
        }, t("verify.button")),
        " ",
        verifyOut,
      ),
    ),
    h("section", {}, h("h2", {}, t("chart.title")), chart),
  );
  if (cities.items.length === 0) fill(chart, h("p", { class: "muted" }, t("overview.noCity")));
  else await issuedRedeemedChart(ctx, chart);
}

/** @param {import("./app.js").ViewContext} ctx */
export async function cityView(ctx) {
  const code = Number(ctx.params[0]);
  const city = await request(`/v1/cities/${code}`);
  // A view superseded while it waited (another route, a language switch) leaves the page to the newer one.
  if (!ctx.live()) return;
  const vouchersQuery = { city: code, ...(ctx.query.status === undefined ? {} : { status: ctx.query.status }) };
  const redemptionsQuery = { city: code };
  const chart = h("div", { class: "chart-slot" }, h("p", { class: "muted" }, t("chart.loading")));
  fill(
    ctx.main,
    h("h1", { "data-testid": "city-title" }, `${city.name} (${city.code})`),
    h(
      "div",
      { class: "stats" },
      stat(t("city.budget"), amount(city.budget), "city-budget"),
      stat(t("city.issued"), amount(city.issued), "city-issued"),
      stat(t("city.redeemed"), amount(city.redeemed), "city-redeemed"),
      stat(t("city.revoked"), amount(city.revoked)),
      stat(t("city.expired"), amount(city.expired)),
      stat(t("city.outstanding"), amount(city.outstanding), "city-outstanding"),
      stat(t("city.available"), amount(city.available)),
      stat(t("city.conservation"), checkCell(city)),
    ),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, t("city.appropriation")), h("dd", {}, refText(city.appropriationText, city.appropriation)),
      h("dt", {}, t("city.ratio")), h("dd", {}, new Intl.NumberFormat(language(), { style: "percent", maximumFractionDigits: 2 }).format(city.ratioBps / 10_000)),
      h("dt", {}, t("city.holderCap")), h("dd", {}, /^0(\.0+)?$/.test(city.holderCap) ? t("city.noCap") : amount(city.holderCap)),
      h("dt", {}, t("city.validity")), h("dd", {}, t("city.days", { count: Math.round(city.defaultValiditySeconds / 86400) })),
      h("dt", {}, t("city.registeredBlock")), h("dd", {}, String(city.registeredBlock)),
      h("dt", {}, t("city.lastChange")), h("dd", {}, t("city.block", { block: city.updatedBlock }), " ", finalBadge(city.final)),
    ),
    h("section", {}, h("h2", {}, t("chart.title")), chart),
    h("section", {}, h("div", { class: "section-head" }, h("h2", {}, t("nav.vouchers")), ctx.csvButton("/v1/vouchers", vouchersQuery, `vouchers-${code}.csv`)), ctx.pagedList("/v1/vouchers", vouchersQuery, voucherColumns, { caption: t("city.vouchersCaption", { city: city.name }) })),
    h("section", {}, h("div", { class: "section-head" }, h("h2", {}, t("city.redemptions")), ctx.csvButton("/v1/redemptions", redemptionsQuery, `redemptions-${code}.csv`)), ctx.pagedList("/v1/redemptions", redemptionsQuery, redemptionColumns, { caption: t("city.redemptionsCaption", { city: city.name }) })),
  );
  await issuedRedeemedChart(ctx, chart, code);
}

/** Redemptions of a city (or all) in a time range: where a bar of the chart leads. @param {import("./app.js").ViewContext} ctx */
export async function redemptionsView(ctx) {
  const { city, from, to } = ctx.query;
  const query = { city, from, to };
  fill(
    ctx.main,
    h("h1", {}, t("redemptions.title")),
    h("p", { "data-testid": "redemption-range" }, t("redemptions.range", { city: city ?? t("redemptions.allCities"), from: dateTime(from ?? null), to: dateTime(to ?? null) })),
    h("section", {}, h("div", { class: "section-head" }, h("h2", {}, t("city.redemptions")), ctx.csvButton("/v1/redemptions", query, "redemptions.csv")), ctx.pagedList("/v1/redemptions", query, redemptionColumns, { caption: t("redemptions.title"), testid: "redemptions" })),
  );
}

/** Columns of a voucher list. */
export const voucherColumns = {
  headers: () => ["voucher", "city", "holder", "application", "faceValue", "remaining", "status", "issued", "expires", "final"].map((k) => t(`voucher.${k}`)),
  numeric: [4, 5],
  row: (/** @type {any} */ v) => [
    link(`/voucher/${v.id}`, h("code", { title: v.id, class: "hash" }, v.id.length > 14 ? `${v.id.slice(0, 8)}…${v.id.slice(-4)}` : v.id)),
    link(`/city/${v.city}`, String(v.city)),
    link(`/vouchers?holder=${v.holder}`, hash(v.holder)),
    refText(v.applicationRefText, v.applicationRef),
    amount(v.faceValue), amount(v.remaining), statusBadge(v.status),
    time(v.issuedAt), time(v.expiresAt), finalBadge(v.final),
  ],
};

/** Columns of a redemption list. */
export const redemptionColumns = {
  headers: () => [...["voucher", "dataCenter", "holder", "amount", "invoiceTotal", "remaining", "invoice"].map((k) => t(`redemption.${k}`)), ...provenanceHeaders()],
  numeric: [3, 4, 5],
  row: (/** @type {any} */ r) => [
    link(`/voucher/${r.voucherId}`, h("code", { title: r.voucherId, class: "hash" }, `${r.voucherId.slice(0, 8)}…`)),
    link(`/data-center/${r.dataCenter}`, hash(r.dataCenter)),
    hash(r.holder),
    amount(r.amount), amount(r.invoiceTotal), amount(r.remaining), hash(r.invoiceHash),
    ...provenanceCells(r),
  ],
};

/** A voucher's status, in the page's language (the API's word in the class). @param {string} status */
export const statusBadge = (status) => h("span", { class: `status ${status.toLowerCase()}`, "data-status": status }, t(`status.${status}`, { defaultValue: status }));
