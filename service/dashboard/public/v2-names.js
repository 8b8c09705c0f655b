// @ts-check
/**
 * Names instead of numbers and hashes on the v2 pages: the API's lists carry the identity registry's record of a
 * company (`identity`, `supplierIdentity`, …: `{creditCode, name, nameEn}`) and an invoice's number beside its hash;
 * null where the registry has none, and then the page falls back to the company's number or the invoice's hash.
 */
import { h, hash, route } from "./dom.js";
import { language, t } from "./i18n.js";

/** @typedef {{creditCode: string, name: string, nameEn: string | null} | null | undefined} Identity */

/** A company as a person reads it: its registered name (its English one in English, where loaded), else its number. @param {number} id @param {Identity} identity */
export function companyName(id, identity) {
  if (identity === null || identity === undefined) return t("v2.companyNo", { id });
  return language() === "en" && identity.nameEn !== null ? identity.nameEn : identity.name;
}

/** Where a company's link leads: its redemptions as buyer or as supplier, or its payments as payee. */
const COMPANY_ROUTES = /** @type {const} */ ({ buyer: ["/v2/redemptions", "company"], supplier: ["/v2/redemptions", "supplier"], payee: ["/v2/payments", "payee"] });

/**
 * A company's name, a link to its records; its address (or addresses) and its number in the title.
 * @param {number} id @param {Identity} identity
 * @param {{as?: keyof typeof COMPANY_ROUTES, addresses?: string[]}} [options]
 */
export function companyLink(id, identity, options = {}) {
  const [path, filter] = COMPANY_ROUTES[options.as ?? "buyer"];
  const known = identity !== null && identity !== undefined;
  const title = [...(options.addresses ?? []), known ? t("v2.companyNo", { id }) : null].filter(Boolean).join("\n");
  return h(
    "a",
    { href: `#${route(path, { [filter]: id })}`, title: title === "" ? undefined : title, "data-company": id, "data-named": known ? "" : undefined },
    companyName(id, identity),
  );
}

/** A company's unified social credit code where the registry has it (its hash in the title), else the hash. @param {Identity} identity @param {string} codeHash */
export const creditCode = (identity, codeHash) =>
  identity === null || identity === undefined ? hash(codeHash) : h("span", { class: "code", title: codeHash, "data-testid": "credit-code" }, identity.creditCode);

/** An invoice's number where the registry has it (its hash in the title), else the shortened hash. @param {string | null} number @param {string} numberHash */
export const invoice = (number, numberHash) => (number === null || number === undefined ? hash(numberHash) : h("span", { class: "code", title: numberHash }, number));
