// @ts-check
/** Overview (every city, the conservation check, the chart, the mirror's lag) and one city's page. */
import { collect, request } from "./api.js";
import { cumulativeChart } from "./chart.js";
import {
  amount, decimalsOf, fill, finalBadge, h, hash, link, major, minor, PROVENANCE_HEADERS, provenanceCells, refText, stat, table, time,
} from "./dom.js";

/** The most events the chart reads (per event type); beyond, the chart says it is truncated. */
export const CHART_EVENT_LIMIT = 5000;

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
  if (rest !== m("outstanding")) problems.push(`issued − redeemed − revoked − expired = ${amount(major(rest, d))}, outstanding says ${amount(city.outstanding)}`);
  if (m("outstanding") < 0n) problems.push("outstanding is negative");
  if (m("redeemed") + m("outstanding") > m("budget")) problems.push("redeemed + outstanding exceed the budget");
  return problems.length === 0
    ? { ok: true, text: "holds" }
    : { ok: false, text: problems.join("; ") };
}

/** @param {any} city */
const checkCell = (city) => {
  const check = conservation(city);
  return h(
    "span",
    {
      class: check.ok ? "badge ok" : "badge bad",
      title: "issued = redeemed + revoked + expired + outstanding, outstanding ≥ 0, redeemed + outstanding ≤ budget",
      "data-testid": "conservation",
    },
    check.ok ? "✓ holds" : `✗ ${check.text}`,
  );
};

/** @param {any} status */
export function lagStats(status) {
  return h(
    "div",
    { class: "stats", "data-testid": "lag" },
    stat("Chain head", status.head),
    stat("Indexed", status.indexed),
    stat("Behind the chain", `${status.lag} block${status.lag === 1 ? "" : "s"}`, "lag-value"),
    stat("Final up to", `block ${Math.max(status.finalizedBlock, 0)} (depth ${status.finalityDepth})`),
    stat("Node", status.nodeReachable ? (status.ready ? "reachable, caught up" : "reachable, catching up") : "unreachable"),
  );
}

/**
 * The chart of issued and redeemed over time, from the event trail (optionally one city's).
 * @param {number} decimals @param {number} [city]
 */
async function issuedRedeemedChart(decimals, city) {
  const [issued, redeemed] = await Promise.all([
    collect("/v1/events", { event: "VoucherIssued" }, CHART_EVENT_LIMIT),
    collect("/v1/events", { event: "VoucherRedeemed" }, CHART_EVENT_LIMIT),
  ]);
  const scale = 10 ** decimals;
  const points = (/** @type {any[]} */ events, /** @type {string} */ field) =>
    events
      .filter((e) => city === undefined || Number(e.args.city) === city)
      .map((e) => ({ t: Date.parse(e.timestamp), v: Number(e.args[field]) / scale }));
  const svg = cumulativeChart(
    [
      { name: "Issued", cls: "issued", points: points(issued.items, "faceValue") },
      { name: "Redeemed", cls: "redeemed", points: points(redeemed.items, "amount") },
    ],
    { title: `Issued and redeemed over time${city === undefined ? "" : ` in city ${city}`}` },
  );
  const truncated = issued.truncated || redeemed.truncated;
  return h(
    "figure",
    { class: "chart-box", "data-testid": "chart" },
    svg,
    h(
      "figcaption",
      {},
      h("span", { class: "key issued" }, "Issued"),
      h("span", { class: "key redeemed" }, "Redeemed"),
      " cumulative, by block time",
      truncated ? h("strong", { class: "warn" }, ` — truncated: only the first ${CHART_EVENT_LIMIT.toLocaleString()} events of each kind are drawn`) : null,
    ),
  );
}

/** @param {any[]} cities */
function citiesTable(cities) {
  return table(
    ["City", "Budget", "Issued", "Redeemed", "Revoked", "Expired", "Outstanding", "Available", "Vouchers", "Conservation", "Final"],
    cities.map((c) => [
      link(`/city/${c.code}`, `${c.name} (${c.code})`),
      amount(c.budget), amount(c.issued), amount(c.redeemed), amount(c.revoked), amount(c.expired), amount(c.outstanding), amount(c.available),
      String(c.voucherCount), checkCell(c), finalBadge(c.final),
    ]),
    { numeric: [1, 2, 3, 4, 5, 6, 7, 8], empty: "No city is registered yet.", testid: "cities" },
  );
}

/** @param {import("./app.js").ViewContext} ctx */
export async function overviewView(ctx) {
  const [status, cities] = await Promise.all([request("/status", {}, { auth: false }), collect("/v1/cities", {}, 1000)]);
  const currency = cities.items[0]?.currency ?? "";
  const chart = h("div", { class: "chart-slot" }, h("p", { class: "muted" }, "Loading the chart…"));
  const verifyOut = h("span", { class: "muted" });
  fill(
    ctx.main,
    h("h1", {}, "Overview"),
    h("section", {}, h("h2", {}, "Mirror"), lagStats(status)),
    h(
      "section",
      {},
      h("div", { class: "section-head" }, h("h2", {}, `Cities${currency === "" ? "" : ` (${currency})`}`), ctx.csvButton("/v1/cities", {}, "cities.csv")),
      citiesTable(cities.items),
      h(
        "p",
        {},
        h("button", {
          type: "button",
          onclick: async () => {
            fill(verifyOut, "Rebuilding the history from the chain…");
            try {
              const report = await request("/v1/verify");
              fill(verifyOut, h("span", { class: report.ok ? "badge ok" : "badge bad" }, report.ok ? "✓ the mirror and the contract agree with the chain" : `✗ ${report.differences.length} difference(s)`), ` at block ${report.atBlock}, ${report.events} events`);
            } catch (error) {
              fill(verifyOut, h("span", { class: "error" }, String(/** @type {Error} */ (error).message)));
            }
          },
        }, "Verify against the chain"),
        " ",
        verifyOut,
      ),
    ),
    h("section", {}, h("h2", {}, "Issued and redeemed over time"), chart),
  );
  if (cities.items.length === 0) fill(chart, h("p", { class: "muted" }, "No city is registered yet."));
  else {
    const node = await issuedRedeemedChart(decimalsOf(cities.items[0].budget));
    if (ctx.live()) fill(chart, node);
  }
}

/** @param {import("./app.js").ViewContext} ctx */
export async function cityView(ctx) {
  const code = Number(ctx.params[0]);
  const city = await request(`/v1/cities/${code}`);
  const vouchersQuery = { city: code, ...(ctx.query.status === undefined ? {} : { status: ctx.query.status }) };
  const redemptionsQuery = { city: code };
  const chart = h("div", { class: "chart-slot" }, h("p", { class: "muted" }, "Loading the chart…"));
  fill(
    ctx.main,
    h("h1", { "data-testid": "city-title" }, `${city.name} (${city.code})`),
    h(
      "div",
      { class: "stats" },
      stat(`Budget (${city.currency})`, amount(city.budget), "city-budget"),
      stat("Issued", amount(city.issued), "city-issued"),
      stat("Redeemed", amount(city.redeemed), "city-redeemed"),
      stat("Revoked", amount(city.revoked)),
      stat("Expired", amount(city.expired)),
      stat("Outstanding", amount(city.outstanding), "city-outstanding"),
      stat("Available", amount(city.available)),
      stat("Conservation", checkCell(city)),
    ),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Appropriation"), h("dd", {}, refText(city.appropriationText, city.appropriation)),
      h("dt", {}, "Subsidy ratio"), h("dd", {}, `${(city.ratioBps / 100).toFixed(2)} %`),
      h("dt", {}, "Cap per holder"), h("dd", {}, city.holderCap === "0" || /^0(\.0+)?$/.test(city.holderCap) ? "none" : amount(city.holderCap)),
      h("dt", {}, "Default validity"), h("dd", {}, `${Math.round(city.defaultValiditySeconds / 86400)} days`),
      h("dt", {}, "Registered in block"), h("dd", {}, String(city.registeredBlock)),
      h("dt", {}, "Last change"), h("dd", {}, `block ${city.updatedBlock} `, finalBadge(city.final)),
    ),
    h("section", {}, h("h2", {}, "Issued and redeemed over time"), chart),
    h("section", {}, h("div", { class: "section-head" }, h("h2", {}, "Vouchers"), ctx.csvButton("/v1/vouchers", vouchersQuery, `vouchers-${code}.csv`)), ctx.pagedList("/v1/vouchers", vouchersQuery, voucherColumns)),
    h("section", {}, h("div", { class: "section-head" }, h("h2", {}, "Redemptions"), ctx.csvButton("/v1/redemptions", redemptionsQuery, `redemptions-${code}.csv`)), ctx.pagedList("/v1/redemptions", redemptionsQuery, redemptionColumns)),
  );
  const node = await issuedRedeemedChart(decimalsOf(city.budget), code);
  if (ctx.live()) fill(chart, node);
}

/** Columns of a voucher list. */
export const voucherColumns = {
  headers: ["Voucher", "City", "Holder", "Application", "Face value", "Remaining", "Status", "Issued", "Expires", "Final"],
  numeric: [4, 5],
  row: (/** @type {any} */ v) => [
    link(`/voucher/${v.id}`, h("code", { title: v.id, class: "hash" }, v.id.length > 14 ? `${v.id.slice(0, 8)}…${v.id.slice(-4)}` : v.id)),
    link(`/city/${v.city}`, String(v.city)),
    link(`/vouchers?holder=${v.holder}`, hash(v.holder)),
    refText(v.applicationRefText, v.applicationRef),
    amount(v.faceValue), amount(v.remaining), h("span", { class: `status ${v.status.toLowerCase()}` }, v.status),
    time(v.issuedAt), time(v.expiresAt), finalBadge(v.final),
  ],
};

/** Columns of a redemption list. */
export const redemptionColumns = {
  headers: ["Voucher", "Data center", "Holder", "Amount", "Invoice total", "Remaining", "Invoice", ...PROVENANCE_HEADERS],
  numeric: [3, 4, 5],
  row: (/** @type {any} */ r) => [
    link(`/voucher/${r.voucherId}`, h("code", { title: r.voucherId, class: "hash" }, `${r.voucherId.slice(0, 8)}…`)),
    link(`/data-center/${r.dataCenter}`, hash(r.dataCenter)),
    hash(r.holder),
    amount(r.amount), amount(r.invoiceTotal), amount(r.remaining), hash(r.invoiceHash),
    ...provenanceCells(r),
  ],
};
