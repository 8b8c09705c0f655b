// @ts-check
/**
 * The report pages of a ledger v2 deployment: a programme's report for a month, quarter or fiscal year, the
 * programmes report with its totals row, companies against their caps, suppliers' and beneficiaries' statements, the
 * access log (auditors and governors). Every report prints as a report (print header: programme, period, the block it
 * is as of). The public disclosure (公示) is in v2-public.js, with the helpers exported here.
 */
import { collect, request } from "./api.js";
import { amount, field, fill, h, hash, route, table } from "./dom.js";
import { dateTime, integer, t } from "./i18n.js";

/** The signed-in report routes: [pattern, view, tab]. */
export const V2_REPORT_ROUTES = /** @type {const} */ ([
  [/^\/v2\/reports$/, programmesReportView, "v2-reports"],
  [/^\/v2\/reports\/programmes\/(\d+)$/, programmeReportView, "v2-reports"],
  [/^\/v2\/reports\/caps$/, capsView, "v2-reports"],
  [/^\/v2\/statements$/, statementsView, "v2-statements"],
  [/^\/v2\/statements\/(supplier|beneficiary)\/(\d+)$/, statementView, "v2-statements"],
  [/^\/v2\/access-log$/, accessLogView, "v2-access-log"],
]);

const PERIOD_KINDS = /** @type {const} */ (["month", "quarter", "year"]);

/** Today in Shanghai, YYYY-MM-DD. */
const today = () => dateTime(Date.now()).slice(0, 10);
/** The last day of a month. @param {number} year @param {number} month 1–12 */
const lastDayOf = (year, month) => new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
/**
 * The month, quarter or fiscal year (Asia/Shanghai) holding `day`: its label, first and last day.
 * @param {string} kind @param {string} day YYYY-MM-DD
 */
export function periodOf(kind, day) {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  const pad = (/** @type {number} */ m) => String(m).padStart(2, "0");
  if (kind === "month") return { label: `${year}-${pad(month)}`, from: `${year}-${pad(month)}-01`, to: lastDayOf(year, month) };
  if (kind === "quarter") {
    const q = Math.floor((month - 1) / 3) + 1;
    return { label: `${year}-Q${q}`, from: `${year}-${pad(q * 3 - 2)}-01`, to: lastDayOf(year, q * 3) };
  }
  return { label: String(year), from: `${year}-01-01`, to: `${year}-12-31` };
}

/** A percentage of the API ("12.34", or null) as "12.34%". @param {string | null | undefined} value */
const percentText = (value) => (value === null || value === undefined ? "—" : `${value}%`);
/** GPU-hours of the API ("1234.50") with the language's separators. @param {string} value */
const hours = (value) => {
  const [whole = "0", fraction = "00"] = value.split(".");
  return `${integer(BigInt(whole))}.${fraction}`;
};
/** @param {number} id */
const className = (id) => t(`v2.class.${id}`, { defaultValue: `#${id}` });
/** @param {number} id */
const categoryName = (id) => (id === 0 ? "—" : t(`v2.category.${id}`, { defaultValue: `#${id}` }));

/**
 * A company as the page names it: its registered name where the identity registry has it, else its number; the
 * credit code, its hash and its addresses on hover.
 * @param {number} id @param {any} [identity] @param {any} [record] a /v2/companies item
 */
function companyName(id, identity, record) {
  const known = identity ?? record?.identity ?? null;
  const hover = [
    t("v2Reports.company.number", { id }),
    known?.creditCode ? t("v2Reports.company.creditCode", { code: known.creditCode }) : null,
    record?.creditCodeHash ? t("v2Reports.company.hash", { hash: record.creditCodeHash }) : null,
    ...(record?.addresses ?? []).map((/** @type {any} */ a) => a.address),
  ].filter(Boolean).join("\n");
  const text = known?.name ?? t("v2.companyNo", { id });
  return h("span", { class: "company-name", title: hover, "data-company": id }, text, known?.creditCode ? h("span", { class: "muted credit-code" }, ` ${known.creditCode}`) : null);
}

/** The companies the caller may read, by id (names and credit codes where the registry has them). @returns {Promise<Map<number, any>>} */
async function companiesById() {
  try {
    const { items } = await collect("/v2/companies", {}, 5000);
    return new Map(items.map((c) => [c.id, c]));
  } catch {
    return new Map(); // A role that may not list companies still reads the report, with numbers for names.
  }
}

/** The programmes the caller may read, by id. @returns {Promise<Map<number, any>>} */
async function programmesById() {
  const { items } = await collect("/v2/programmes", {}, 1000);
  return new Map(items.map((p) => [p.id, p]));
}

/**
 * The header a printed report carries (print only): the report, the programme, the period, the block it is as of.
 * @param {string} title @param {string} programme @param {string} period @param {number} block
 */
export function printHeader(title, programme, period, block) {
  return h(
    "div",
    { class: "print-header", "data-testid": "print-header" },
    h("p", { class: "print-title" }, t("app.title"), " · ", title),
    h("p", {}, t("v2.print.programme", { programme })),
    h("p", {}, t("v2Reports.print.period", { period })),
    h("p", {}, t("v2.print.asOf", { block: integer(block), at: dateTime(Date.now()) })),
  );
}

/**
 * A table with a caption, in a box the tests find by its testid. A table wider than the screen scrolls in its box,
 * which the keyboard can reach (a labelled region in the tab order).
 * @param {string} testid @param {string[]} headers @param {unknown[][]} rows @param {number[]} numeric @param {string} caption
 */
export function tableBox(testid, headers, rows, numeric, caption) {
  const wrap = table(headers, rows, { caption, numeric, empty: t("list.none") });
  wrap.setAttribute("tabindex", "0");
  wrap.setAttribute("role", "region");
  wrap.setAttribute("aria-label", caption);
  return h("div", { class: "list report-table", "data-testid": testid }, wrap,
    h("p", { class: "muted count", "data-count": rows.length }, t("list.all", { count: rows.length, shown: integer(rows.length) })));
}

/** A row of figures. @param {[string, unknown, string][]} figures label, value, testid */
export const figuresOf = (figures) => h("div", { class: "stats" }, figures.map(([label, value, testid]) => h("div", { class: "stat", "data-testid": testid }, h("div", { class: "label" }, label), h("div", { class: "value" }, value))));

/**
 * A form that moves to `path` with its values.
 * @param {string} path @param {{name: string, label: string, control: HTMLElement}[]} controls @param {string} button
 */
export function form(path, controls, button) {
  return h(
    "form",
    {
      class: "filters no-print",
      "data-testid": "report-form",
      onsubmit: (/** @type {Event} */ event) => {
        event.preventDefault();
        /** @type {Record<string, string>} */
        const values = {};
        for (const c of controls) values[c.name] = /** @type {HTMLInputElement} */ (c.control).value.trim();
        location.hash = `#${route(path, values)}`;
      },
    },
    controls.map((c) => field(`r-${c.name}`, c.label, c.control)),
    h("button", { type: "submit" }, button),
  );
}
/** @param {string} name @param {string | undefined} value @param {Record<string, unknown>} [attrs] */
const input = (name, value, attrs = {}) => h("input", { id: `r-${name}`, name, value: value ?? "", ...attrs });
/** @param {string} name @param {string | undefined} value @param {[string, string][]} options @param {boolean} [any] */
export const select = (name, value, options, any = false) =>
  h("select", { id: `r-${name}`, name }, any ? h("option", { value: "" }, t("v2.any")) : null, options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));

/** The links between the report pages. */
const reportLinks = () =>
  h("p", { class: "inline-links no-print report-links" },
    h("a", { href: "#/v2/reports" }, t("v2Reports.programmes.title")), " · ", h("a", { href: "#/v2/reports/caps" }, t("v2Reports.caps.title")), " · ",
    h("a", { href: "#/v2/statements" }, t("v2Reports.statements.title")));

// ---------------------------------------------------------------------------------------------------------------
// Reports

/** @param {import("./app.js").ViewContext} ctx */
export async function programmesReportView(ctx) {
  const year = /^\d{4}$/.test(ctx.query.year ?? "") ? ctx.query.year : undefined;
  const report = await request("/v2/reports/programmes", { year });
  if (!ctx.live()) return;
  const title = t("v2Reports.programmes.title");
  const headers = [t("v2.col.programme"), t("v2.col.budget"), t("v2.col.committed"), t("v2.col.use"), t("v2Reports.col.subsidy"), t("v2.col.gpuHours"),
    t("v2Reports.col.earned"), t("v2Reports.col.paid"), t("v2Reports.col.payable"), t("v2Reports.col.atCap")];
  const cells = (/** @type {any} */ r) => [amount(r.budget), amount(r.committed), percentText(r.usePercent), amount(r.subsidy), hours(r.gpuHours),
    amount(r.earned), amount(r.paid), amount(r.payable), integer(r.companiesAtCap)];
  const rows = report.programmes.map((/** @type {any} */ r) => [
    h("a", { href: `#${route(`/v2/reports/programmes/${r.programme}`, { period: "year", day: `${report.fiscalYear}-01-01` })}` }, r.name), ...cells(r),
  ]);
  const box = tableBox("report-programmes", headers, rows, [1, 2, 3, 4, 5, 6, 7, 8, 9], t("v2Reports.programmes.caption", { year: report.fiscalYear }));
  // The totals row, in the table's foot, its label a row header.
  box.querySelector("table")?.append(h("tfoot", { "data-testid": "report-totals" }, h("tr", {},
    h("th", { scope: "row", "data-label": headers[0] }, t("v2Reports.totals")),
    cells(report.totals).map((c, i) => h("td", { class: "num", "data-label": headers[i + 1] }, c)))));
  fill(
    ctx.main,
    printHeader(title, t("v2.print.allProgrammes"), String(report.fiscalYear), report.asOfBlock),
    h("h1", {}, title),
    reportLinks(),
    form("/v2/reports", [{ name: "year", label: t("v2.col.year"), control: input("year", String(report.fiscalYear), { inputmode: "numeric", size: 6, pattern: "[0-9]{4}" }) }], t("v2Reports.show")),
    h("p", { class: "muted" }, t("v2Reports.asOf", { block: integer(report.asOfBlock), year: report.fiscalYear })),
    box,
  );
}

/** @param {import("./app.js").ViewContext} ctx */
export async function programmeReportView(ctx) {
  const id = Number(ctx.params[0]);
  const kind = PERIOD_KINDS.find((k) => k === ctx.query.period) ?? "month";
  const day = ctx.query.day !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(ctx.query.day) ? ctx.query.day : today();
  const period = periodOf(kind, day);
  const [report, companies] = await Promise.all([request(`/v2/programmes/${id}/report`, { period: kind, from: period.from, to: period.to }), companiesById()]);
  if (!ctx.live()) return;
  const p = report.periods[0];
  const name = (/** @type {number} */ c) => companyName(c, undefined, companies.get(c));
  const periodText = t("v2Reports.periodText", { label: p.period, from: p.firstDay, to: p.lastDay });
  const title = t("v2Reports.programme.title", { programme: report.name });
  fill(
    ctx.main,
    printHeader(t("v2Reports.programme.report"), report.name, periodText, report.asOfBlock),
    h("h1", {}, title),
    reportLinks(),
    form(`/v2/reports/programmes/${id}`, [
      { name: "period", label: t("v2Reports.period"), control: select("period", kind, PERIOD_KINDS.map((k) => [k, t(`v2Reports.kind.${k}`)])) },
      { name: "day", label: t("v2Reports.day"), control: input("day", day, { type: "date" }) },
    ], t("v2Reports.show")),
    h("p", { class: "muted", "data-testid": "report-period" }, periodText, " · ", t("v2Reports.asOf", { block: integer(report.asOfBlock), year: p.fiscalYear })),
    figuresOf([
      [t("v2.col.budget"), amount(p.budget), "r-budget"], [t("v2.col.committed"), amount(p.committed), "r-committed"], [t("v2.col.use"), percentText(p.usePercent), "r-use"],
      [t("v2Reports.col.subsidy"), amount(p.subsidy), "r-subsidy"], [t("v2.col.redeemed"), amount(p.redeemedBySuppliers), "r-redeemed"],
      [t("v2.col.claimed"), amount(p.claimedByBuyers), "r-claimed"], [t("v2.col.clawedBack"), amount(p.clawedBack), "r-clawed"], [t("v2.col.gpuHours"), hours(p.gpuHours), "r-gpu"],
    ]),
    h("h2", {}, t("v2Reports.programme.byClass")),
    tableBox("report-by-class", [t("v2.col.class"), t("v2.col.category"), t("v2Reports.col.subsidy"), t("v2.col.gpuHours")],
      p.byClass.map((/** @type {any} */ x) => [className(x.computeClass), categoryName(x.category), amount(x.subsidy), hours(x.gpuHours)]), [2, 3], t("v2Reports.programme.byClass")),
    h("h2", {}, t("v2Reports.programme.bySupplier")),
    tableBox("report-by-supplier", [t("v2.col.supplier"), t("v2Reports.col.subsidy"), t("v2Reports.col.invoiced"), t("v2.col.gpuHours"), t("v2Reports.col.perGpuHour"), t("v2Reports.col.pricePerGpuHour")],
      p.bySupplier.map((/** @type {any} */ x) => [
        h("a", { href: `#${route(`/v2/statements/supplier/${x.company}`, { from: p.firstDay, to: p.lastDay, programme: id })}` }, name(x.company)),
        amount(x.subsidy), amount(x.invoiced), hours(x.gpuHours), amount(x.subsidyPerGpuHour), amount(x.pricePerGpuHour),
      ]), [1, 2, 3, 4, 5], t("v2Reports.programme.bySupplier")),
    h("h2", {}, t("v2Reports.programme.payees")),
    tableBox("report-payees", [t("v2.col.payee"), t("v2Reports.col.earned"), t("v2Reports.col.paid"), t("v2Reports.col.payable")],
      p.payees.map((/** @type {any} */ x) => [
        h("a", { href: `#${route(`/v2/statements/${companies.get(x.company)?.supplier ? "supplier" : "beneficiary"}/${x.company}`, { from: p.firstDay, to: p.lastDay, programme: id })}` }, name(x.company)),
        amount(x.earned), amount(x.paid), amount(x.payable),
      ]), [1, 2, 3], t("v2Reports.programme.payees")),
  );
}

/** @param {import("./app.js").ViewContext} ctx */
export async function capsView(ctx) {
  const { programme, year, minPercent } = ctx.query;
  const filters = { programme, year, minPercent };
  const [programmes, caps] = await Promise.all([programmesById(), collect("/v2/reports/caps", filters, 5000)]);
  if (!ctx.live()) return;
  const title = t("v2Reports.caps.title");
  const status = ctx.status();
  fill(
    ctx.main,
    printHeader(title, programme ? (programmes.get(Number(programme))?.name ?? `#${programme}`) : t("v2.print.allProgrammes"), year || t("v2Reports.allYears"), status.indexed),
    h("h1", {}, title),
    reportLinks(),
    form("/v2/reports/caps", [
      { name: "programme", label: t("v2.col.programme"), control: select("programme", programme, [...programmes.values()].map((p) => [String(p.id), p.name]), true) },
      { name: "year", label: t("v2.col.year"), control: input("year", year, { inputmode: "numeric", size: 6 }) },
      { name: "minPercent", label: t("v2Reports.caps.minPercent"), control: input("minPercent", minPercent, { inputmode: "numeric", size: 6 }) },
    ], t("v2.filter")),
    h("div", { class: "section-head" }, h("h2", {}, t("v2Reports.caps.all")), ctx.csvButton("/v2/reports/caps", filters, "caps.csv")),
    tableBox("report-caps", [t("v2.col.programme"), t("v2.col.company"), t("v2.col.year"), t("v2Reports.col.used"), t("v2Reports.col.cap"), t("v2Reports.col.left"), t("v2.col.use")],
      caps.items.map((c) => [programmes.get(c.programme)?.name ?? `#${c.programme}`, companyName(c.company, c.companyIdentity), c.year === null ? t("v2Reports.caps.lifetime") : String(c.year),
        amount(c.used), amount(c.cap), amount(c.left), percentText(c.usePercent)]), [3, 4, 5, 6], t("v2Reports.caps.all")),
    caps.truncated ? h("p", { class: "warn" }, t("v2Reports.truncated")) : null,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Statements

/** @param {import("./app.js").ViewContext} ctx */
export async function statementsView(ctx) {
  const companies = await companiesById();
  if (!ctx.live()) return;
  const year = today().slice(0, 4);
  const title = t("v2Reports.statements.title");
  const rows = [...companies.values()].map((c) => [
    companyName(c.id, undefined, c),
    [c.supplier ? "supplier" : null, c.beneficiary ? "beneficiary" : null].filter((r) => r !== null).map((r) =>
      h("a", { href: `#${route(`/v2/statements/${r}/${c.id}`, { from: `${year}-01-01`, to: `${year}-12-31` })}`, class: "statement-link", "data-role": r }, t(`v2Reports.statements.${r}`))),
  ]);
  fill(ctx.main, h("h1", {}, title), reportLinks(), h("p", {}, t("v2Reports.statements.intro")),
    tableBox("statement-companies", [t("v2.col.company"), t("v2Reports.statements.open")], rows, [], t("v2Reports.statements.title")));
}

/**
 * A statement, page after page where the answer has `next` (keyset paging of its lines), else the whole answer.
 * @param {string} path @param {Record<string, unknown>} query
 */
async function readStatement(path, query) {
  const first = await request(path, query);
  let next = first.next ?? null;
  while (next !== null && next !== undefined) {
    const page = await request(path, { ...query, after: next });
    first.lines.push(...(page.lines ?? []));
    next = page.next ?? null;
  }
  return first;
}

/** The records behind a statement line: a link to the list that holds them. @param {any} line @param {string} role @param {number} company */
function lineRecords(line, role, company) {
  const day = dateTime(line.at).slice(0, 10);
  const base = { programme: line.programme, from: day, to: day };
  if (line.kind === "payment" || line.kind === "repayment") return h("a", { href: `#${route("/v2/payments", { ...base, payee: company })}` }, t("v2Reports.line.entry", { id: line.entryId }));
  if (role === "beneficiary" && line.claimId !== null) return h("a", { href: `#${route("/v2/claims", { programme: line.programme, company })}`, title: line.transactionHash }, t("v2Reports.line.claim", { id: line.claimId }));
  return h("a", { href: `#${route("/v2/redemptions", role === "supplier" ? { ...base, supplier: company } : { ...base, company })}`, title: line.invoiceKey ?? line.transactionHash }, t("v2Reports.line.voucher", { id: line.voucherId }));
}

/** @param {import("./app.js").ViewContext} ctx */
export async function statementView(ctx) {
  const role = ctx.params[0] === "supplier" ? "supplier" : "beneficiary";
  const company = Number(ctx.params[1]);
  const { from, to, programme } = ctx.query;
  const query = { from: from || undefined, to: to || undefined, programme: programme || undefined };
  const path = `/v2/statements/${role === "supplier" ? "suppliers" : "beneficiaries"}/${company}`;
  const [statement, programmes, companies] = await Promise.all([readStatement(path, query), programmesById(), companiesById()]);
  if (!ctx.live()) return;
  const pname = (/** @type {number} */ id) => programmes.get(id)?.name ?? `#${id}`;
  const who = companyName(company, statement.companyIdentity, companies.get(company));
  const title = t(`v2Reports.statement.${role}`, { company: who.firstChild?.textContent ?? String(company) });
  const periodText = t("v2Reports.periodRange", { from: statement.from, to: statement.to });
  fill(
    ctx.main,
    printHeader(title, programme ? pname(Number(programme)) : t("v2.print.allProgrammes"), periodText, statement.asOfBlock),
    h("h1", {}, title),
    reportLinks(),
    form(`/v2/statements/${role}/${company}`, [
      { name: "from", label: t("v2.from"), control: input("from", statement.from, { type: "date" }) },
      { name: "to", label: t("v2.to"), control: input("to", statement.to, { type: "date" }) },
      { name: "programme", label: t("v2.col.programme"), control: select("programme", programme, [...programmes.values()].map((p) => [String(p.id), p.name]), true) },
    ], t("v2Reports.show")),
    h("p", { class: "muted" }, who, " · ", periodText, " · ", t("v2Reports.asOfBlock", { block: integer(statement.asOfBlock) })),
    h("h2", {}, t("v2Reports.statement.totals")),
    tableBox("statement-totals", [t("v2.col.programme"), t("v2Reports.col.opening"), t("v2Reports.col.earned"), t("v2Reports.col.paid"), t("v2Reports.col.payable")],
      statement.totals.map((/** @type {any} */ x) => [pname(x.programme), amount(x.opening), amount(x.earned), amount(x.paid), amount(x.payable)]), [1, 2, 3, 4], t("v2Reports.statement.totals")),
    h("div", { class: "section-head" }, h("h2", {}, t("v2Reports.statement.lines")), ctx.csvButton(path, query, `${role}-statement-${company}.csv`)),
    tableBox("statement-lines", [t("v2.col.time"), t("v2.col.programme"), t("v2.col.kind"), t("v2.col.amount"), t("v2Reports.col.records"), t("v2Reports.col.block")],
      statement.lines.map((/** @type {any} */ l) => [dateTime(l.at), pname(l.programme), t(`v2Reports.lineKind.${l.kind}`), amount(l.amount), lineRecords(l, role, company),
        h("span", { title: l.transactionHash }, integer(l.blockNumber))]), [3, 5], t("v2Reports.statement.lines")),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Access log

/** Whether the signed-in account may read the access log (auditors and governors); asked once per token. */
let accessLogReadable = /** @type {Promise<boolean> | undefined} */ (undefined);
let accessLogToken = /** @type {string | null} */ (null);
/**
 * Hides the access log's tab from roles that cannot read it (the body's data-access-log, style.css).
 * @param {string | null} token the session's token
 */
export async function showReportTabs(token) {
  if (token !== accessLogToken || accessLogReadable === undefined) {
    accessLogToken = token;
    accessLogReadable = request("/v2/access-log", { limit: 1 }).then(() => true, () => false);
  }
  document.body.setAttribute("data-access-log", (await accessLogReadable) ? "yes" : "no");
}

/** @param {import("./app.js").ViewContext} ctx */
export async function accessLogView(ctx) {
  const { address, endpoint, from, to } = ctx.query;
  const filters = { address, endpoint, from, to: to ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10) : undefined };
  const log = await collect("/v2/access-log", filters, 5000);
  if (!ctx.live()) return;
  const title = t("v2Reports.accessLog.title");
  const rows = [...log.items].reverse().map((e) => [
    dateTime(e.at), hash(e.address), e.access, h("code", {}, e.endpoint), h("code", { class: "args" }, JSON.stringify(e.filters)), integer(e.recordCount),
    h("span", { class: "records", title: e.records.join("\n") }, e.records.slice(0, 5).join(", "), e.records.length > 5 ? " …" : ""),
  ]);
  fill(
    ctx.main,
    printHeader(title, t("v2.print.allProgrammes"), t("v2Reports.periodRange", { from: from || t("v2.print.start"), to: to || t("v2.print.now") }), ctx.status().indexed),
    h("h1", {}, title),
    h("p", {}, t("v2Reports.accessLog.intro")),
    form("/v2/access-log", [
      { name: "address", label: t("v2Reports.accessLog.address"), control: input("address", address, { size: 42, spellcheck: "false" }) },
      { name: "endpoint", label: t("v2Reports.accessLog.endpoint"), control: input("endpoint", endpoint, { size: 24 }) },
      { name: "from", label: t("v2.from"), control: input("from", from, { type: "date" }) },
      { name: "to", label: t("v2.to"), control: input("to", to, { type: "date" }) },
    ], t("v2.filter")),
    h("div", { class: "section-head" }, h("h2", {}, t("v2Reports.accessLog.all")), ctx.csvButton("/v2/access-log", filters, "access-log.csv")),
    tableBox("access-log", [t("v2.col.time"), t("v2Reports.accessLog.who"), t("v2Reports.accessLog.access"), t("v2Reports.accessLog.endpoint"), t("v2Reports.accessLog.filters"),
      t("v2Reports.accessLog.count"), t("v2Reports.accessLog.records")], rows, [5], t("v2Reports.accessLog.all")),
    log.truncated ? h("p", { class: "warn" }, t("v2Reports.truncated")) : null,
  );
}
