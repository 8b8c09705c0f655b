// @ts-check
/**
 * The v2 overview (the first page): totals across the programmes the user may see, and the alerts of
 * GET /v2/alerts as sentences, each linking to its record.
 */
import { ApiError, collect, request } from "./api.js";
import { amount, field, fill, h, major, minor, route, stat, time } from "./dom.js";
import { dateOnly, integer, money, t } from "./i18n.js";
import { subsidyChart } from "./v2-chart.js";
import { companyName } from "./v2-names.js";

/** A share as "30.0%" (the API's percent text, or part over whole). @param {bigint} part @param {bigint} whole */
const percent = (part, whole) => (whole === 0n ? "—" : `${(Number((part * 10_000n) / whole) / 100).toFixed(1)}%`);
/** The sum of decimal yuan amounts, in fen. @param {string[]} values */
const fenOf = (values) => values.reduce((s, v) => s + minor(v, 2), 0n);

/**
 * The totals: the current fiscal year's budget, what is committed against it and its use, everything redeemed by
 * suppliers and claimed by buyers, paid, and payable. Budget, committed, paid and payable come from the programmes'
 * report (GET /v2/reports/programmes) where the user may read it; a company may not, and sees the first three from
 * its programmes' periods, without paid and payable.
 * @param {any[]} programmes @param {any | null} report @param {number} year
 */
function totals(programmes, report, year) {
  const periods = programmes.flatMap((p) => p.periods.filter((/** @type {any} */ y) => y.year === year));
  const budget = report === null ? fenOf(periods.map((y) => y.budget)) : minor(report.totals.budget, 2);
  const committed = report === null ? fenOf(periods.map((y) => y.committed)) : minor(report.totals.committed, 2);
  const yuan = (/** @type {bigint} */ fen) => major(fen, 2);
  return h(
    "section",
    { "aria-labelledby": "totals-heading" },
    h("h2", { id: "totals-heading" }, t("v2Overview.totals.title", { year, programmes: programmes.length })),
    h(
      "div",
      { class: "stats", "data-testid": "v2-totals" },
      stat(t("v2Overview.totals.budget", { year }), amount(yuan(budget)), "total-budget"),
      stat(t("v2Overview.totals.committed"), amount(yuan(committed)), "total-committed"),
      stat(t("v2Overview.totals.use"), percent(committed, budget), "total-use"),
      stat(t("v2Overview.totals.redeemed"), amount(yuan(fenOf(programmes.map((p) => p.redeemedBySuppliers)))), "total-redeemed"),
      stat(t("v2Overview.totals.claimed"), amount(yuan(fenOf(programmes.map((p) => p.claimedByBuyers)))), "total-claimed"),
      stat(t("v2Overview.totals.paid"), report === null ? "—" : amount(report.totals.paid), "total-paid"),
      stat(t("v2Overview.totals.payable"), report === null ? "—" : amount(report.totals.payable), "total-payable"),
    ),
    report === null ? h("p", { class: "muted" }, t("v2Overview.totals.noReport")) : null,
  );
}

/**
 * Where an alert leads: the record it names, as the v2 lists filter (a voucher: the company's active vouchers of
 * the programme; an accreditation: the supplier's redemptions; a budget: the programme's vouchers; a cap: the
 * company's vouchers; a claim: the company's pending claims).
 * @param {any} alert
 */
function alertRoute(alert) {
  const { programme, company } = alert;
  switch (alert.kind) {
    case "voucherExpiring": return route("/v2/vouchers", { programme, company, status: "Active" });
    case "budgetUse": return route("/v2/vouchers", { programme });
    case "capUse": return route("/v2/vouchers", { programme, company });
    case "claimOverdue": return route("/v2/claims", { programme, company, status: "Pending" });
    case "accreditationEnding": case "supplierSuspended": return route("/v2/companies", { programme, role: "supplier" });
    default: return route("/v2/redemptions", { programme, supplier: company });
  }
}

/** The record an alert names, as words ("算力券 1234…", "申领 7"). @param {any} alert */
function recordText(alert) {
  const record = alert.records[0];
  if (record === undefined) return t("v2Overview.alerts.open");
  return t(`v2Overview.alerts.record.${record.type}`, { id: record.id });
}

/**
 * The alerts as a list of sentences in the page's language, each with a link to its record.
 * @param {any} answer  GET /v2/alerts @param {Map<number, any>} programmes @param {Map<number, any>} companies
 */
function alertsSection(answer, programmes, companies) {
  const name = (/** @type {number | null} */ id) => (id === null ? "—" : companyName(id, companies.get(id)?.identity));
  const items = answer.alerts.map((/** @type {any} */ a) => {
    const figure = (/** @type {string | null} */ v) => (v === null ? "—" : a.kind === "priceOutlier" ? money(v).shown : `${v}%`);
    const text = t(`v2Overview.alerts.kind.${a.kind}`, {
      programme: programmes.get(a.programme)?.name ?? `#${a.programme}`,
      company: name(a.company),
      value: figure(a.value),
      threshold: figure(a.threshold),
      at: a.at === null ? "—" : time(a.at),
      date: a.at === null ? "—" : dateOnly(a.at),
    });
    return h(
      "li",
      { class: `alert alert-${a.kind}`, "data-kind": a.kind, "data-programme": a.programme, "data-company": a.company ?? undefined },
      h("span", { class: "alert-kind" }, t(`v2Overview.alerts.label.${a.kind}`)),
      " ",
      h("span", { class: "alert-text" }, text),
      " ",
      h("a", { href: `#${alertRoute(a)}` }, recordText(a)),
    );
  });
  return h(
    "section",
    { "aria-labelledby": "alerts-heading" },
    h("h2", { id: "alerts-heading" }, t("v2Overview.alerts.title", { count: answer.alerts.length, shown: integer(answer.alerts.length) })),
    h("p", { class: "muted" }, t("v2Overview.alerts.asOf", { block: integer(answer.asOfBlock), at: time(answer.asOf) })),
    items.length === 0
      ? h("p", { class: "muted", "data-testid": "v2-alerts" }, t("v2Overview.alerts.none"))
      : h("ul", { class: "alerts", "data-testid": "v2-alerts" }, items),
  );
}

/** The programmes' report, or null where the user may not read it (a company). */
async function reportOrNull() {
  try {
    return await request("/v2/reports/programmes");
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return null;
    throw error;
  }
}

/**
 * The chart of subsidy per day (the last 30 days) or month (the last 12), in `slot`, with the choice of interval.
 * @param {import("./app.js").ViewContext} ctx @param {HTMLElement} slot @param {Map<number, any>} programmes
 */
async function chartSection(ctx, slot, programmes) {
  const interval = ctx.query.interval === "month" ? "month" : "day";
  const select = h(
    "select",
    {
      id: "chart-interval",
      "data-testid": "chart-interval",
      onchange: (/** @type {Event} */ event) => {
        const value = /** @type {HTMLSelectElement} */ (event.target).value;
        location.hash = `#${route("/", { interval: value === "day" ? undefined : value })}`;
      },
    },
    ["day", "month"].map((i) => h("option", { value: i, selected: i === interval }, t(`chart.${i}`))),
  );
  try {
    const node = await subsidyChart({ interval, programmes, live: ctx.live });
    if (ctx.live()) fill(slot, h("div", { class: "filters" }, field("chart-interval", t("chart.interval"), select)), node);
  } catch (error) {
    // The totals and alerts stay: only the chart's place says what failed.
    if (ctx.live()) fill(slot, h("p", { class: "error", role: "alert" }, t("error.other", { reason: /** @type {Error} */ (error).message })));
  }
}

/** @param {import("./app.js").ViewContext} ctx */
export async function overviewView(ctx) {
  const [programmes, companies, report, alerts] = await Promise.all([
    collect("/v2/programmes", {}, 1000), collect("/v2/companies", {}, 5000), reportOrNull(), request("/v2/alerts"),
  ]);
  if (!ctx.live()) return;
  const byId = new Map(programmes.items.map((p) => [p.id, p]));
  const companiesById = new Map(companies.items.map((c) => [c.id, c]));
  const year = report?.fiscalYear ?? Number(dateOnly(Date.now()).slice(0, 4));
  const chart = h("div", { class: "chart-slot" }, h("p", { class: "muted" }, t("chart.loading")));
  fill(
    ctx.main,
    h("h1", {}, t("v2Overview.title")),
    totals(programmes.items, report, year),
    h("section", { "aria-labelledby": "chart-heading" }, h("h2", { id: "chart-heading" }, t("v2Overview.chart.title")), chart),
    alertsSection(alerts, byId, companiesById),
  );
  await chartSection(ctx, chart, byId);
}
