// @ts-check
/** Data centers: their accreditations with history, redemptions and totals. */
import { request } from "./api.js";
import { amount, fill, finalBadge, h, hash, link, PROVENANCE_HEADERS, provenanceCells, refText, stat, table, time } from "./dom.js";
import { redemptionColumns } from "./overview.js";

/** @param {any} a */
const accreditationState = (a) =>
  h("span", { class: a.inForce ? "badge ok" : "badge bad" }, a.inForce ? "in force" : a.suspended ? "suspended" : "out of its window");

const ACCREDITATION_COLUMNS = ["City", "State", "Valid from", "Valid until", "Suspension reason", "Redeemed", "Redemptions", "Last change", "Final"];
/** @param {any} a */
const accreditationRow = (a) => [
  link(`/city/${a.city}`, String(a.city)), accreditationState(a), time(a.validFrom), time(a.validUntil),
  /^0x0+$/.test(a.reason) ? "—" : refText(a.reasonText, a.reason), amount(a.redeemed), String(a.redemptionCount), String(a.updatedBlock), finalBadge(a.final),
];

/** @param {import("./app.js").ViewContext} ctx */
export async function dataCentersView(ctx) {
  fill(
    ctx.main,
    h("h1", {}, "Data centers"),
    h(
      "section",
      {},
      h("div", { class: "section-head" }, h("h2", {}, "Accredited data centers"), ctx.csvButton("/v1/data-centers", {}, "data-centers.csv")),
      ctx.pagedList(
        "/v1/data-centers",
        {},
        {
          headers: ["Data center", "Cities", "Redeemed", "Redemptions"],
          numeric: [2, 3],
          row: (/** @type {any} */ d) => [
            link(`/data-center/${d.address}`, h("code", {}, d.address)),
            d.accreditations.map((/** @type {any} */ a) => h("span", { class: a.inForce ? "chip" : "chip off", title: a.inForce ? "in force" : "not in force" }, String(a.city))),
            amount(d.totalRedeemed),
            String(d.redemptionCount),
          ],
        },
        { testid: "data-centers" },
      ),
    ),
  );
}

/** @param {import("./app.js").ViewContext} ctx */
export async function dataCenterView(ctx) {
  const d = await request(`/v1/data-centers/${ctx.params[0]}`);
  const redemptions = { dataCenter: d.address };
  fill(
    ctx.main,
    h("h1", {}, "Data center ", h("code", { class: "wrap", "data-testid": "data-center-address" }, d.address)),
    h(
      "div",
      { class: "stats" },
      stat("Total redeemed", amount(d.totalRedeemed), "dc-total"),
      stat("Redemptions", String(d.redemptionCount), "dc-count"),
      stat("Accreditations in force", String(d.accreditations.filter((/** @type {any} */ a) => a.inForce).length)),
    ),
    h("section", {}, h("h2", {}, "Accreditations"), table(ACCREDITATION_COLUMNS, d.accreditations.map(accreditationRow), { numeric: [5, 6, 7], testid: "accreditations" })),
    h(
      "section",
      {},
      h("h2", {}, "Accreditation history"),
      table(
        ["City", "Action", "Valid from", "Valid until", "Reason", "By", ...PROVENANCE_HEADERS],
        d.history.map((/** @type {any} */ e) => [
          link(`/city/${e.city}`, String(e.city)), e.action, time(e.validFrom), time(e.validUntil),
          e.reason === null || /^0x0+$/.test(e.reason) ? "—" : refText(e.reasonText, e.reason), hash(e.actor), ...provenanceCells(e),
        ]),
        { testid: "accreditation-history" },
      ),
    ),
    h(
      "section",
      {},
      h("div", { class: "section-head" }, h("h2", {}, "Redemptions"), ctx.csvButton("/v1/redemptions", redemptions, `redemptions-${d.address.slice(0, 10)}.csv`)),
      ctx.pagedList("/v1/redemptions", redemptions, redemptionColumns, { testid: "dc-redemptions" }),
    ),
  );
}
