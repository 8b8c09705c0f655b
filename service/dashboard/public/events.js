// @ts-check
/** Events: the trail, filtered, each event's arguments readable; CSV of the same (raw) query. */
import { request } from "./api.js";
import { amount, field, fill, h, hash, link, major, provenanceCells, provenanceHeaders, route, time } from "./dom.js";
import { t } from "./i18n.js";

const EVENT_NAMES = [
  "VoucherIssued", "VoucherRedeemed", "VoucherRevoked", "VoucherExpired", "VoucherReissued", "CityRegistered", "CityBudgetSet",
  "CityRatioSet", "CityHolderCapSet", "CityDefaultValiditySet", "IssuerBound", "IssuerUnbound", "DataCenterAccredited",
  "DataCenterSuspended", "DataCenterReinstated", "Locked", "Unlocked", "BaseURISet", "RoleGranted", "RoleRevoked",
  "RoleLabel", "RoleAdminChanged", "RoleGuardianChanged", "RoleGrantDelayChanged", "TargetFunctionRoleUpdated",
  "TargetClosed", "TargetAdminDelayUpdated", "OperationScheduled", "OperationExecuted", "OperationCanceled",
];
const FILTERS = /** @type {const} */ (["fromBlock", "toBlock", "event", "voucher", "address"]);

/** Arguments that are amounts in minor units, instants in unix seconds, voucher ids, text references (bytes32). */
const AMOUNTS = new Set(["faceValue", "amount", "invoiceTotal", "remaining", "budget", "holderCap"]);
const INSTANTS = new Set(["expiresAt", "validFrom", "validUntil"]);
const VOUCHER_IDS = new Set(["id", "newId"]);
const REFERENCES = new Set(["applicationRef", "appropriation", "reason"]);

/** A bytes32 as the text it holds (UTF-8, zero-padded), or null when it holds none. @param {string} hex */
export function bytes32Text(hex) {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex) || /^0x0{64}$/.test(hex)) return null;
  const bytes = Uint8Array.from(hex.slice(2).match(/../g) ?? [], (b) => parseInt(b, 16));
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end -= 1;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, end));
    // Printable text only (no control characters, no zero inside): otherwise it is a hash.
    return text !== "" && [...text].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f) ? text : null;
  } catch {
    return null;
  }
}

/**
 * One argument as a person reads it: amounts in ¥, instants as dates, references as text, vouchers, cities and
 * data centers as links, other addresses and hashes shortened (the whole value in the title).
 * @param {string} event @param {string} key @param {unknown} value @param {number} decimals
 */
function argValue(event, key, value, decimals) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const isVoucherEvent = event.startsWith("Voucher");
  if (AMOUNTS.has(key) && /^\d+$/.test(text)) return amount(major(BigInt(text), decimals));
  if (INSTANTS.has(key) && /^\d+$/.test(text)) return h("span", { title: text }, time(new Date(Number(text) * 1000).toISOString()));
  if (isVoucherEvent && VOUCHER_IDS.has(key) && /^\d+$/.test(text)) return link(`/voucher/${text}`, h("code", { title: text, class: "hash" }, text.length > 14 ? `${text.slice(0, 8)}…${text.slice(-4)}` : text));
  if (key === "city" && /^\d+$/.test(text)) return link(`/city/${text}`, text);
  if (key === "dataCenter" && /^0x[0-9a-fA-F]{40}$/.test(text)) return link(`/data-center/${text}`, hash(text));
  if (key === "ratioBps" && /^\d+$/.test(text)) return `${(Number(text) / 100).toFixed(2)} %`;
  if (REFERENCES.has(key)) {
    const asText = bytes32Text(text);
    if (asText !== null) return h("span", { title: text, class: "ref" }, asText);
    if (/^0x0{64}$/.test(text)) return "—";
  }
  if (/^0x[0-9a-fA-F]{40,}$/.test(text)) return hash(text);
  return text.length > 24 ? h("span", { title: text }, `${text.slice(0, 22)}…`) : text;
}

/** An event's arguments, readable. @param {string} event @param {Record<string, unknown>} args @param {number} decimals */
function argsCell(event, args, decimals) {
  return h(
    "span",
    { class: "args" },
    Object.entries(args).flatMap(([key, value], i) => [
      i === 0 ? "" : t("step.separator"),
      h("span", { class: "arg-name" }, t(`args.${key}`, { defaultValue: key }), t("args.is")),
      argValue(event, key, value, decimals),
    ]),
  );
}

/** @param {import("./app.js").ViewContext} ctx */
export async function eventsView(ctx) {
  /** @type {Record<string, string>} */
  const query = {};
  for (const key of FILTERS) if (ctx.query[key] !== undefined && ctx.query[key] !== "") query[key] = ctx.query[key];
  const tx = ctx.query.tx;
  /** @type {Record<string, HTMLElement>} */
  const inputs = {
    fromBlock: h("input", { id: "filter-fromBlock", name: "fromBlock", value: query.fromBlock ?? "", size: 9, inputmode: "numeric" }),
    toBlock: h("input", { id: "filter-toBlock", name: "toBlock", value: query.toBlock ?? "", size: 9, inputmode: "numeric" }),
    event: h("input", { id: "filter-event", name: "event", value: query.event ?? "", placeholder: "VoucherRedeemed", list: "event-names", size: 20 }),
    voucher: h("input", { id: "filter-voucher", name: "voucher", value: query.voucher ?? "", size: 20 }),
    address: h("input", { id: "filter-address", name: "address", value: query.address ?? "", placeholder: "0x…", size: 44 }),
  };
  const decimals = await currencyDecimals();
  // A view superseded while it waited (another route, a language switch) leaves the page to the newer one.
  if (!ctx.live()) return;
  const form = h(
    "form",
    {
      class: "filters",
      "data-testid": "event-filters",
      onsubmit: (/** @type {Event} */ event) => {
        event.preventDefault();
        /** @type {Record<string, string>} */
        const next = {};
        for (const key of FILTERS) next[key] = /** @type {HTMLInputElement} */ (inputs[key]).value.trim();
        location.hash = `#${route("/events", next)}`;
      },
    },
    FILTERS.map((key) => field(`filter-${key}`, t(`events.filter.${key}`), /** @type {HTMLElement} */ (inputs[key]), key === "address" ? "wide" : undefined)),
    h("datalist", { id: "event-names" }, EVENT_NAMES.map((n) => h("option", { value: n }))),
    h("button", { type: "submit" }, t("events.filterButton")),
    h("a", { href: "#/events", class: "button-link" }, t("events.clear")),
  );
  fill(
    ctx.main,
    h("h1", {}, t("nav.events")),
    h("p", { class: "muted" }, t("events.intro")),
    form,
    tx === undefined ? null : h("p", {}, t("events.txMarked"), " ", h("code", { class: "wrap" }, tx)),
    h(
      "section",
      {},
      h("div", { class: "section-head" }, h("h2", {}, t("events.trail")), ctx.csvButton("/v1/events", query, "events.csv")),
      ctx.pagedList(
        "/v1/events",
        query,
        {
          headers: () => [t("events.event"), t("events.contract"), t("events.arguments"), t("events.log"), ...provenanceHeaders()],
          numeric: [3],
          row: (/** @type {any} */ e) => [
            h("span", { class: e.transactionHash === tx ? "event marked" : "event", title: e.event }, t(`eventNames.${e.event}`, { defaultValue: e.event })),
            t(`contracts.${e.contract}`, { defaultValue: e.contract }),
            argsCell(e.event, e.args, decimals),
            String(e.logIndex),
            ...provenanceCells(e),
          ],
        },
        { caption: t("events.trail"), testid: "events" },
      ),
    ),
  );
}

/** The decimals of the ledger's currency (amounts in events are minor units), from the first city; 2 without one. */
async function currencyDecimals() {
  try {
    const page = await request("/v1/cities", { limit: 1 });
    const budget = page.items[0]?.budget;
    return typeof budget === "string" ? (budget.split(".")[1] ?? "").length : 2;
  } catch {
    return 2;
  }
}
