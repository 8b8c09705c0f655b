// @ts-check
/** Events: the raw trail, filtered; CSV of the same query. */
import { fill, h, hash, PROVENANCE_HEADERS, provenanceCells, route } from "./dom.js";

const EVENT_NAMES = [
  "VoucherIssued", "VoucherRedeemed", "VoucherRevoked", "VoucherExpired", "VoucherReissued", "CityRegistered", "CityBudgetSet",
  "CityRatioSet", "CityHolderCapSet", "CityDefaultValiditySet", "IssuerBound", "IssuerUnbound", "DataCenterAccredited",
  "DataCenterSuspended", "DataCenterReinstated", "Locked", "Unlocked", "BaseURISet", "RoleGranted", "RoleRevoked",
  "RoleLabel", "RoleAdminChanged", "RoleGuardianChanged", "RoleGrantDelayChanged", "TargetFunctionRoleUpdated",
  "TargetClosed", "TargetAdminDelayUpdated", "OperationScheduled", "OperationExecuted", "OperationCanceled",
];
const FILTERS = /** @type {const} */ (["fromBlock", "toBlock", "event", "voucher", "address"]);

/** An event's arguments, compact: addresses and hashes shortened. @param {Record<string, unknown>} args */
function argsCell(args) {
  return h(
    "span",
    { class: "args" },
    Object.entries(args).flatMap(([key, value], i) => {
      const text = typeof value === "string" ? value : JSON.stringify(value);
      const shown = /^0x[0-9a-fA-F]{40,}$/.test(text) ? hash(text) : text.length > 24 ? h("span", { title: text }, `${text.slice(0, 22)}…`) : text;
      return [i === 0 ? "" : ", ", h("span", { class: "arg-name" }, `${key}=`), shown];
    }),
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
    fromBlock: h("input", { name: "fromBlock", value: query.fromBlock ?? "", placeholder: "from block", size: 9, inputmode: "numeric", "aria-label": "From block" }),
    toBlock: h("input", { name: "toBlock", value: query.toBlock ?? "", placeholder: "to block", size: 9, inputmode: "numeric", "aria-label": "To block" }),
    event: h("input", { name: "event", value: query.event ?? "", placeholder: "event name", list: "event-names", size: 20, "aria-label": "Event" }),
    voucher: h("input", { name: "voucher", value: query.voucher ?? "", placeholder: "voucher id", size: 20, "aria-label": "Voucher" }),
    address: h("input", { name: "address", value: query.address ?? "", placeholder: "address (any argument)", size: 44, "aria-label": "Address" }),
  };
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
    FILTERS.map((key) => inputs[key]),
    h("datalist", { id: "event-names" }, EVENT_NAMES.map((n) => h("option", { value: n }))),
    h("button", { type: "submit" }, "Filter"),
    h("a", { href: "#/events", class: "button-link" }, "Clear"),
  );
  fill(
    ctx.main,
    h("h1", {}, "Events"),
    h("p", { class: "muted" }, "The raw trail of the ledger's and the AccessManager's events, in chain order. Arguments are raw: amounts in minor units."),
    form,
    tx === undefined ? null : h("p", {}, "Transaction ", h("code", { class: "wrap" }, tx), " is marked below."),
    h(
      "section",
      {},
      h("div", { class: "section-head" }, h("h2", {}, "Trail"), ctx.csvButton("/v1/events", query, "events.csv")),
      ctx.pagedList(
        "/v1/events",
        query,
        {
          headers: ["Event", "Contract", "Arguments", "Log", ...PROVENANCE_HEADERS],
          numeric: [3],
          row: (/** @type {any} */ e) => [
            h("span", { class: e.transactionHash === tx ? "event marked" : "event" }, e.event),
            e.contract,
            argsCell(e.args),
            String(e.logIndex),
            ...provenanceCells(e),
          ],
        },
        { testid: "events" },
      ),
    ),
  );
}
