// @ts-check
/**
 * The public disclosure (公示) of a ledger v2 deployment: every programme's public figures per fiscal year, and a
 * programme's published list of subsidised companies with their amounts. It needs no sign-in (app.js lets these
 * routes through without a token) and calls only the /public endpoints, never with a token.
 */
import { request } from "./api.js";
import { amount, fill, h, hash, route } from "./dom.js";
import { integer, t } from "./i18n.js";
import { figuresOf, form, printHeader, select, tableBox } from "./v2-reports.js";

/** The public routes (no sign-in): [pattern, view]. */
export const PUBLIC_ROUTES = /** @type {const} */ ([
  [/^\/public$/, publicProgrammesView],
  [/^\/public\/programmes\/(\d+)$/, publicDisclosureView],
]);

/** Whether a route is public (app.js lets it through without a token). @param {string} path */
export const isPublicRoute = (path) => PUBLIC_ROUTES.some(([pattern]) => pattern.test(path));

/**
 * A public list, page after page (`nextCursor`, or `next` where the answer has it).
 * @param {string} path @param {Record<string, unknown>} query @param {string} itemsKey
 */
async function collectPublic(path, query, itemsKey) {
  const first = await request(path, { ...query, limit: 1000 }, { auth: false });
  let cursor = first.next ?? first.nextCursor ?? null;
  while (cursor !== null && cursor !== undefined) {
    const page = await request(path, { ...query, limit: 1000, ...(first.next !== undefined ? { after: cursor } : { cursor }) }, { auth: false });
    first[itemsKey].push(...page[itemsKey]);
    cursor = page.next ?? page.nextCursor ?? null;
  }
  return first;
}

/** The public pages' top: a link back to sign-in (or to the dashboard). */
const publicTop = () => h("p", { class: "no-print public-top" }, h("a", { href: "#/" }, t("v2Reports.public.back")));

/** @param {import("./app.js").ViewContext} ctx */
export async function publicProgrammesView(ctx) {
  const { items } = await collectPublic("/public/v2/programmes", {}, "items");
  if (!ctx.live()) return;
  const title = t("v2Reports.public.title");
  const rows = items.flatMap((/** @type {any} */ p) => p.years.map((/** @type {any} */ y) => [
    h("a", { href: `#${route(`/public/programmes/${p.id}`, { year: y.year })}` }, p.name), t(`v2.level.${p.level}`, { defaultValue: p.level }), String(y.year),
    amount(y.budget), amount(y.committed), amount(y.subsidy), integer(y.companies),
  ]));
  fill(
    ctx.main,
    printHeader(title, t("v2.print.allProgrammes"), t("v2Reports.allYears"), ctx.status().indexed),
    publicTop(),
    h("h1", {}, title),
    h("p", {}, t("v2Reports.public.intro")),
    tableBox("public-programmes", [t("v2.col.programme"), t("v2.col.level"), t("v2.col.year"), t("v2.col.budget"), t("v2.col.committed"), t("v2Reports.col.subsidy"), t("v2Reports.public.companies")],
      rows, [3, 4, 5, 6], t("v2Reports.public.caption")),
  );
}

/** @param {import("./app.js").ViewContext} ctx */
export async function publicDisclosureView(ctx) {
  const id = Number(ctx.params[0]);
  const year = /^\d{4}$/.test(ctx.query.year ?? "") ? ctx.query.year : undefined;
  const disclosure = await collectPublic(`/public/v2/programmes/${id}/disclosure`, { year }, "items");
  if (!ctx.live()) return;
  const p = disclosure.programme;
  const title = t("v2Reports.public.disclosure", { programme: p.name, year: disclosure.fiscalYear });
  const tot = disclosure.totals;
  fill(
    ctx.main,
    printHeader(t("v2Reports.public.title"), p.name, String(disclosure.fiscalYear), disclosure.asOfBlock),
    publicTop(),
    h("h1", {}, title),
    h("p", { class: "no-print" }, h("a", { href: "#/public" }, t("v2Reports.public.all"))),
    form(`/public/programmes/${id}`, [
      { name: "year", label: t("v2.col.year"), control: select("year", String(disclosure.fiscalYear), p.years.map((/** @type {any} */ y) => [String(y.year), String(y.year)])) },
    ], t("v2Reports.show")),
    h("p", { class: "muted" }, t("v2Reports.asOf", { block: integer(disclosure.asOfBlock), year: disclosure.fiscalYear })),
    figuresOf([
      [t("v2.col.budget"), amount(tot.budget), "p-budget"], [t("v2.col.committed"), amount(tot.committed), "p-committed"],
      [t("v2Reports.col.subsidy"), amount(tot.subsidy), "p-subsidy"], [t("v2Reports.public.companies"), integer(tot.companies), "p-companies"],
    ]),
    h("h2", {}, t("v2Reports.public.list")),
    tableBox("public-disclosure", [t("v2.col.company"), t("v2Reports.public.creditCodeHash"), t("v2.col.committed"), t("v2Reports.col.subsidy")],
      disclosure.items.map((/** @type {any} */ x) => [
        h("span", { title: t("v2Reports.company.number", { id: x.company.id }) }, x.company.name ?? t("v2.companyNo", { id: x.company.id })), hash(x.company.creditCodeHash),
        amount(x.committed), amount(x.subsidy),
      ]), [2, 3], t("v2Reports.public.list")),
  );
}
