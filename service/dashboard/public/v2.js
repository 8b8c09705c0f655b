// @ts-check
/**
 * The pages of a deployment of ledger v2 (the API's /v2 lists): programmes with budget, committed and use; companies;
 * vouchers; redemptions and claims with date ranges and filters; payments. Every list downloads as CSV; a report page
 * prints with a header naming the programme, the period and the block it is as of.
 */
import { collect } from "./api.js";
import { amount, field, fill, h, hash, minor, refText, route, table as tableHelper, time } from "./dom.js";
import { integer, t } from "./i18n.js";
import { V2_REPORT_ROUTES } from "./v2-reports.js";
import { companyLink, creditCode, invoice } from "./v2-names.js";
import { overviewView } from "./v2-overview.js";

/** The v2 routes: [pattern, view, tab]. */
export const V2_ROUTES = /** @type {const} */ ([
  [/^\/$/, overviewView, "v2-overview"],
  [/^\/v2\/programmes$/, programmesView, "v2-programmes"],
  [/^\/v2\/companies$/, companiesView, "v2-companies"],
  [/^\/v2\/vouchers$/, vouchersView, "v2-vouchers"],
  [/^\/v2\/redemptions$/, redemptionsView, "v2-redemptions"],
  [/^\/v2\/claims$/, claimsView, "v2-claims"],
  [/^\/v2\/payments$/, paymentsView, "v2-payments"],
  ...V2_REPORT_ROUTES,
]);

/** @param {number} id */
const className = (id) => t(`v2.class.${id}`, { defaultValue: `#${id}` });
/** @param {number} id */
const categoryName = (id) => (id === 0 ? "—" : t(`v2.category.${id}`, { defaultValue: `#${id}` }));
/** A share in basis points of a whole as "30.0%". @param {bigint} part @param {bigint} whole */
const percent = (part, whole) => (whole === 0n ? "—" : `${(Number((part * 10_000n) / whole) / 100).toFixed(1)}%`);
/** Shanghai midnight of an ISO date, as the API's date-time. @param {string} date */
const shanghaiMidnight = (date) => `${date}T00:00:00+08:00`;
/** The day after an ISO date. @param {string} date */
const nextDay = (date) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The programmes, once per page view, by id. @returns {Promise<Map<number, any>>} */
async function programmesById() {
  const { items } = await collect("/v2/programmes", {}, 1000);
  return new Map(items.map((p) => [p.id, p]));
}

/** A programme's name, a link to its redemptions. @param {Map<number, any>} programmes @param {number} id */
const programmeLink = (programmes, id) => h("a", { href: `#${route("/v2/redemptions", { programme: id })}` }, programmes.get(id)?.name ?? `#${id}`);

/**
 * The header a printed report carries (shown in print only): what the page is, the programme, the period, and the
 * mirror's block the figures are as of.
 * @param {import("./app.js").ViewContext} ctx @param {string} title @param {Map<number, any>} programmes
 */
function printHeader(ctx, title, programmes) {
  const { programme, from, to } = ctx.query;
  const name = programme === undefined ? t("v2.print.allProgrammes") : (programmes.get(Number(programme))?.name ?? `#${programme}`);
  return h(
    "div",
    { class: "print-header", "data-testid": "print-header" },
    h("p", { class: "print-title" }, t("app.title"), " · ", title),
    h("p", {}, t("v2.print.programme", { programme: name })),
    h("p", {}, t("v2.print.period", { from: from ?? t("v2.print.start"), to: to ?? t("v2.print.now") })),
    h("p", {}, t("v2.print.asOf", { block: integer(ctx.status().indexed), at: time(new Date().toISOString()) })),
  );
}

/**
 * The filter form of a list: each filter a labelled control; submitting it moves to the route with the values.
 * @param {import("./app.js").ViewContext} ctx @param {string} path
 * @param {{name: string, label: string, control: HTMLElement}[]} controls
 */
function filterForm(ctx, path, controls) {
  return h(
    "form",
    {
      class: "filters no-print",
      "data-testid": "filters",
      onsubmit: (/** @type {Event} */ event) => {
        event.preventDefault();
        /** @type {Record<string, string>} */
        const values = {};
        for (const c of controls) values[c.name] = /** @type {HTMLInputElement} */ (c.control).value.trim();
        location.hash = `#${route(path, values)}`;
      },
    },
    controls.map((c) => field(`f-${c.name}`, c.label, c.control)),
    h("button", { type: "submit" }, t("v2.filter")),
  );
}

/** @param {string} name @param {string | undefined} value @param {Record<string, unknown>} [attrs] */
const input = (name, value, attrs = {}) => h("input", { id: `f-${name}`, name, value: value ?? "", ...attrs });
/** @param {string} name @param {string | undefined} value @param {[string, string][]} options */
const select = (name, value, options) =>
  h("select", { id: `f-${name}`, name }, h("option", { value: "" }, t("v2.any")), options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));

/** The date range of the route as the API's filters (Shanghai days, the end day included). @param {Record<string, string>} query */
function range(query) {
  return {
    from: query.from === undefined || query.from === "" ? undefined : shanghaiMidnight(query.from),
    to: query.to === undefined || query.to === "" ? undefined : shanghaiMidnight(nextDay(query.to)),
  };
}

/** A page: its heading and print header, the filters, a CSV button and the list. */
function page(/** @type {import("./app.js").ViewContext} */ ctx, /** @type {string} */ title, /** @type {Map<number, any>} */ programmes, /** @type {unknown[]} */ ...parts) {
  fill(ctx.main, printHeader(ctx, title, programmes), h("h1", {}, title), ...parts);
}

/** @param {import("./app.js").ViewContext} ctx */
export async function programmesView(ctx) {
  const programmes = await programmesById();
  if (!ctx.live()) return;
  const title = t("v2.nav.programmes");
  const rows = [...programmes.values()].map((p) => {
    const budget = p.periods.reduce((/** @type {bigint} */ s, /** @type {any} */ x) => s + minor(x.budget, 2), 0n);
    const committed = p.periods.reduce((/** @type {bigint} */ s, /** @type {any} */ x) => s + minor(x.committed, 2), 0n);
    const years = p.periods.map((/** @type {any} */ x) => x.year);
    return [
      programmeLink(programmes, p.id), t(`v2.level.${p.level}`, { defaultValue: p.level }), String(p.region),
      years.length === 0 ? "—" : `${Math.min(...years)}–${Math.max(...years)}`,
      amount(p.periods.length === 0 ? "0.00" : fromMinor(budget)), amount(fromMinor(committed)),
      h("span", { "data-testid": "use" }, percent(committed, budget)),
      amount(p.redeemedBySuppliers), amount(p.claimedByBuyers), amount(p.held), integer(p.voucherCount),
    ];
  });
  page(
    ctx, title, programmes,
    h("div", { class: "section-head" }, h("h2", {}, t("v2.programmes.all")), ctx.csvButton("/v2/programmes", {}, "programmes.csv")),
    tableOf(
      [t("v2.col.programme"), t("v2.col.level"), t("v2.col.region"), t("v2.col.years"), t("v2.col.budget"), t("v2.col.committed"), t("v2.col.use"),
        t("v2.col.redeemed"), t("v2.col.claimed"), t("v2.col.held"), t("v2.col.vouchers")],
      rows, [4, 5, 6, 7, 8, 9, 10], t("v2.programmes.all"), "v2-programmes",
    ),
  );
}

/** @param {bigint} value */
const fromMinor = (value) => `${value / 100n}.${String(value % 100n).padStart(2, "0")}`;

/** A table through the shell's table helper. */
function tableOf(/** @type {string[]} */ headers, /** @type {unknown[][]} */ rows, /** @type {number[]} */ numeric, /** @type {string} */ caption, /** @type {string} */ testid) {
  return h("div", { class: "list", "data-testid": testid }, tableHelper(headers, rows, { caption, numeric, empty: t("list.none") }), h("p", { class: "muted count", "data-count": rows.length }, t("list.all", { count: rows.length, shown: integer(rows.length) })));
}

/** @param {import("./app.js").ViewContext} ctx */
export async function companiesView(ctx) {
  const programmes = await programmesById();
  if (!ctx.live()) return;
  const { role, programme } = ctx.query;
  const filters = { role, programme };
  const title = t("v2.nav.companies");
  page(
    ctx, title, programmes,
    filterForm(ctx, "/v2/companies", [
      { name: "role", label: t("v2.col.role"), control: select("role", role, [["beneficiary", t("v2.role.beneficiary")], ["supplier", t("v2.role.supplier")]]) },
      { name: "programme", label: t("v2.col.programme"), control: select("programme", programme, [...programmes.values()].map((p) => [String(p.id), p.name])) },
    ]),
    h("div", { class: "section-head" }, h("h2", {}, t("v2.companies.all")), ctx.csvButton("/v2/companies", filters, "companies.csv")),
    ctx.pagedList("/v2/companies", filters, {
      headers: () => [t("v2.col.company"), t("v2.col.role"), t("v2.col.category"), t("v2Overview.col.creditCode"), t("v2.col.addresses"), t("v2.col.accredited"), t("v2.col.relations")],
      numeric: [6],
      row: (c) => [
        companyLink(c.id, c.identity, { as: c.supplier && !c.beneficiary ? "supplier" : "buyer", addresses: c.addresses.map((/** @type {any} */ a) => a.address) }),
        [c.beneficiary ? t("v2.role.beneficiary") : null, c.supplier ? t("v2.role.supplier") : null].filter(Boolean).join(" / "),
        categoryName(c.category), creditCode(c.identity, c.creditCodeHash), c.addresses.map((/** @type {any} */ a) => h("div", {}, hash(a.address))),
        c.accreditations.length === 0 ? "—" : c.accreditations.map((/** @type {any} */ a) => h("div", { class: "inline-links" }, programmeLink(programmes, a.programme), " ", h("span", { class: "muted" }, a.classes.map(className).join("、")))),
        integer(c.relations),
      ],
    }, { caption: t("v2.companies.all"), testid: "v2-companies" }),
  );
}

/** @param {import("./app.js").ViewContext} ctx */
export async function vouchersView(ctx) {
  const programmes = await programmesById();
  if (!ctx.live()) return;
  const { programme, company: holderCompany, status } = ctx.query;
  const filters = { programme, company: holderCompany, status, ...range(ctx.query) };
  const title = t("v2.nav.vouchers");
  page(
    ctx, title, programmes,
    filterForm(ctx, "/v2/vouchers", [
      { name: "programme", label: t("v2.col.programme"), control: select("programme", programme, [...programmes.values()].map((p) => [String(p.id), p.name])) },
      { name: "company", label: t("v2.col.company"), control: input("company", holderCompany, { inputmode: "numeric", size: 6 }) },
      { name: "status", label: t("v2.col.status"), control: select("status", status, ["Active", "Redeemed", "Revoked", "Expired"].map((s) => [s, t(`v2.voucherStatus.${s}`)])) },
      { name: "from", label: t("v2.from"), control: input("from", ctx.query.from, { type: "date" }) },
      { name: "to", label: t("v2.to"), control: input("to", ctx.query.to, { type: "date" }) },
    ]),
    h("div", { class: "section-head" }, h("h2", {}, t("v2.vouchers.all")), ctx.csvButton("/v2/vouchers", filters, "vouchers.csv")),
    ctx.pagedList("/v2/vouchers", filters, {
      headers: () => [t("v2.col.ref"), t("v2.col.programme"), t("v2.col.company"), t("v2.col.faceValue"), t("v2.col.remaining"), t("v2.col.redeemed"), t("v2.col.claimed"), t("v2.col.status"), t("v2.col.issuedAt"), t("v2.col.expiresAt")],
      numeric: [3, 4, 5, 6],
      row: (v) => [
        refText(v.applicationRefText, v.applicationRef), programmeLink(programmes, v.programme), companyLink(v.company, v.companyIdentity, { addresses: [v.holder] }), amount(v.faceValue), amount(v.remaining),
        amount(v.redeemed), amount(v.claimed), h("span", { class: `status ${v.status.toLowerCase()}` }, t(`v2.voucherStatus.${v.status}`)), time(v.issuedAt), time(v.expiresAt),
      ],
    }, { caption: t("v2.vouchers.all"), testid: "v2-vouchers" }),
  );
}

/** The filters of the redemptions and claims pages. @param {import("./app.js").ViewContext} ctx @param {Map<number, any>} programmes @param {string} path */
function flowFilters(ctx, programmes, path, extra = /** @type {{name: string, label: string, control: HTMLElement}[]} */ ([])) {
  const q = ctx.query;
  const classes = [...new Set([...programmes.values()].flatMap((p) => p.ratios.map((/** @type {any} */ r) => r.computeClass)))].sort((a, b) => a - b);
  return filterForm(ctx, path, [
    { name: "from", label: t("v2.from"), control: input("from", q.from, { type: "date" }) },
    { name: "to", label: t("v2.to"), control: input("to", q.to, { type: "date" }) },
    { name: "programme", label: t("v2.col.programme"), control: select("programme", q.programme, [...programmes.values()].map((p) => [String(p.id), p.name])) },
    { name: "company", label: t("v2.col.buyer"), control: input("company", q.company, { inputmode: "numeric", size: 6 }) },
    { name: "supplier", label: t("v2.col.supplier"), control: input("supplier", q.supplier, { inputmode: "numeric", size: 6 }) },
    { name: "class", label: t("v2.col.class"), control: select("class", q.class, classes.map((c) => [String(c), className(c)])) },
    ...extra,
  ]);
}

/** @param {import("./app.js").ViewContext} ctx */
export async function redemptionsView(ctx) {
  const programmes = await programmesById();
  if (!ctx.live()) return;
  const { programme, company: buyer, supplier, class: computeClass } = ctx.query;
  const filters = { programme, company: buyer, supplier, class: computeClass, ...range(ctx.query) };
  const title = t("v2.nav.redemptions");
  page(
    ctx, title, programmes, flowFilters(ctx, programmes, "/v2/redemptions"),
    h("div", { class: "section-head" }, h("h2", {}, t("v2.redemptions.all")), ctx.csvButton("/v2/redemptions", filters, "redemptions.csv")),
    ctx.pagedList("/v2/redemptions", filters, {
      headers: () => [t("v2.col.time"), t("v2.col.programme"), t("v2.col.supplier"), t("v2.col.buyer"), t("v2.col.amount"), t("v2.col.invoiceTotal"), t("v2.col.share"), t("v2.col.gpuHours"), t("v2.col.class"), t("v2.col.service"), t("v2.col.clawedBack"), t("v2Overview.col.invoice")],
      numeric: [4, 5, 6, 7, 10],
      row: (r) => [
        time(r.timestamp), programmeLink(programmes, r.programme), companyLink(r.supplierCompany, r.supplierIdentity, { as: "supplier", addresses: [r.supplier] }),
        companyLink(r.beneficiaryCompany, r.beneficiaryIdentity, { addresses: [r.holder] }), amount(r.amount), amount(r.invoiceTotal),
        percent(minor(r.amount, 2), minor(r.invoiceTotal, 2)), r.gpuHours, className(r.computeClass), `${r.serviceFrom} – ${r.serviceTo}`, amount(r.clawedBack), invoice(r.invoiceNumber, r.invoiceNumberHash),
      ],
    }, { caption: t("v2.redemptions.all"), testid: "v2-redemptions" }),
  );
}

/** @param {import("./app.js").ViewContext} ctx */
export async function claimsView(ctx) {
  const programmes = await programmesById();
  if (!ctx.live()) return;
  const { programme, company: buyer, supplier, class: computeClass, status } = ctx.query;
  const filters = { programme, company: buyer, supplier, class: computeClass, status, ...range(ctx.query) };
  const title = t("v2.nav.claims");
  page(
    ctx, title, programmes,
    flowFilters(ctx, programmes, "/v2/claims", [
      { name: "status", label: t("v2.col.status"), control: select("status", status, ["Pending", "Approved", "Rejected", "Lapsed"].map((s) => [s, t(`v2.claimStatus.${s}`)])) },
    ]),
    h("div", { class: "section-head" }, h("h2", {}, t("v2.claims.all")), ctx.csvButton("/v2/claims", filters, "claims.csv")),
    ctx.pagedList("/v2/claims", filters, {
      headers: () => [t("v2.col.submittedAt"), t("v2.col.programme"), t("v2.col.buyer"), t("v2.col.supplier"), t("v2.col.amount"), t("v2.col.invoiceTotal"), t("v2.col.gpuHours"), t("v2.col.status"), t("v2.col.reviewUntil"), t("v2Overview.col.invoice")],
      numeric: [4, 5, 6],
      row: (c) => [
        time(c.submittedAt), programmeLink(programmes, c.programme), companyLink(c.beneficiaryCompany, c.beneficiaryIdentity, { addresses: [c.holder] }),
        companyLink(c.supplierCompany, c.supplierIdentity, { as: "supplier", addresses: [c.supplier] }), amount(c.amount), amount(c.invoiceTotal), c.gpuHours,
        h("span", { class: `status claim-${c.status.toLowerCase()}`, title: c.reasonText ?? undefined }, t(`v2.claimStatus.${c.status}`)), time(c.reviewUntil),
        invoice(c.invoiceNumber, c.invoiceNumberHash),
      ],
    }, { caption: t("v2.claims.all"), testid: "v2-claims" }),
  );
}

/** @param {import("./app.js").ViewContext} ctx */
export async function paymentsView(ctx) {
  const programmes = await programmesById();
  if (!ctx.live()) return;
  const { programme, payee } = ctx.query;
  const filters = { programme, payee, ...range(ctx.query) };
  const title = t("v2.nav.payments");
  page(
    ctx, title, programmes,
    filterForm(ctx, "/v2/payments", [
      { name: "from", label: t("v2.from"), control: input("from", ctx.query.from, { type: "date" }) },
      { name: "to", label: t("v2.to"), control: input("to", ctx.query.to, { type: "date" }) },
      { name: "programme", label: t("v2.col.programme"), control: select("programme", programme, [...programmes.values()].map((p) => [String(p.id), p.name])) },
      { name: "payee", label: t("v2.col.payee"), control: input("payee", payee, { inputmode: "numeric", size: 6 }) },
    ]),
    h("div", { class: "section-head" }, h("h2", {}, t("v2.payments.all")), ctx.csvButton("/v2/payments", filters, "payments.csv")),
    ctx.pagedList("/v2/payments", filters, {
      headers: () => [t("v2.col.entry"), t("v2.col.recordedAt"), t("v2.col.programme"), t("v2.col.payee"), t("v2.col.year"), t("v2.col.kind"), t("v2.col.amount"), t("v2.col.corrected")],
      numeric: [6],
      row: (p) => [
        p.entryId, time(p.recordedAt), programmeLink(programmes, p.programme), companyLink(p.payee, p.payeeIdentity, { as: "payee" }), String(p.year), t(`v2.entryKind.${p.kind}`), amount(p.amount),
        p.corrected ? h("span", { class: "badge bad" }, t("v2.corrected", { reason: p.corrections.map((/** @type {any} */ c) => c.reasonText ?? c.reason).join(", ") })) : "—",
      ],
    }, { caption: t("v2.payments.all"), testid: "v2-payments" }),
  );
}
