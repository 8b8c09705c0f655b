// @ts-check
/** Data centers: their accreditations with history, redemptions and totals. */
import { request } from "./api.js";
import { amount, fill, finalBadge, h, hash, link, provenanceCells, provenanceHeaders, refText, stat, table, time } from "./dom.js";
import { integer, t } from "./i18n.js";
import { redemptionColumns } from "./overview.js";

/** @param {any} a */
const accreditationState = (a) =>
  h("span", { class: a.inForce ? "badge ok" : "badge bad" }, t(a.inForce ? "accreditation.inForce" : a.suspended ? "accreditation.suspended" : "accreditation.outOfWindow"));

const accreditationColumns = () =>
  ["city", "state", "validFrom", "validUntil", "suspensionReason", "redeemed", "redemptions", "lastChange", "final"].map((k) => t(`accreditation.${k}`));
/** @param {any} a */
const accreditationRow = (a) => [
  link(`/city/${a.city}`, String(a.city)), accreditationState(a), time(a.validFrom), time(a.validUntil),
  /^0x0+$/.test(a.reason) ? "—" : refText(a.reasonText, a.reason), amount(a.redeemed), integer(a.redemptionCount), String(a.updatedBlock), finalBadge(a.final),
];

/** @param {import("./app.js").ViewContext} ctx */
export async function dataCentersView(ctx) {
  fill(
    ctx.main,
    h("h1", {}, t("nav.dataCenters")),
    h(
      "section",
      {},
      h("div", { class: "section-head" }, h("h2", {}, t("dataCenters.accredited")), ctx.csvButton("/v1/data-centers", {}, "data-centers.csv")),
      ctx.pagedList(
        "/v1/data-centers",
        {},
        {
          headers: () => [t("dataCenters.dataCenter"), t("dataCenters.cities"), t("dataCenters.redeemed"), t("dataCenters.redemptions")],
          numeric: [2, 3],
          row: (/** @type {any} */ d) => [
            link(`/data-center/${d.address}`, h("code", { class: "wrap" }, d.address)),
            d.accreditations.map((/** @type {any} */ a) => h("span", { class: a.inForce ? "chip" : "chip off", title: t(a.inForce ? "accreditation.inForce" : "accreditation.notInForce") }, String(a.city))),
            amount(d.totalRedeemed),
            integer(d.redemptionCount),
          ],
        },
        { caption: t("dataCenters.accredited"), testid: "data-centers" },
      ),
    ),
  );
}

/** @param {import("./app.js").ViewContext} ctx */
export async function dataCenterView(ctx) {
  const d = await request(`/v1/data-centers/${ctx.params[0]}`);
  // A view superseded while it waited (another route, a language switch) leaves the page to the newer one.
  if (!ctx.live()) return;
  const redemptions = { dataCenter: d.address };
  fill(
    ctx.main,
    h("h1", {}, t("dataCenters.heading"), " ", h("code", { class: "wrap", "data-testid": "data-center-address" }, d.address)),
    h(
      "div",
      { class: "stats" },
      stat(t("dataCenters.totalRedeemed"), amount(d.totalRedeemed), "dc-total"),
      stat(t("dataCenters.redemptions"), integer(d.redemptionCount), "dc-count"),
      stat(t("dataCenters.inForce"), integer(d.accreditations.filter((/** @type {any} */ a) => a.inForce).length)),
    ),
    h("section", {}, h("h2", {}, t("dataCenters.accreditations")), table(accreditationColumns(), d.accreditations.map(accreditationRow), { caption: t("dataCenters.accreditations"), numeric: [5, 6, 7], testid: "accreditations" })),
    h(
      "section",
      {},
      h("h2", {}, t("dataCenters.history")),
      table(
        [...["city", "action", "validFrom", "validUntil", "reason", "by"].map((k) => t(`accreditation.${k}`)), ...provenanceHeaders()],
        d.history.map((/** @type {any} */ e) => [
          link(`/city/${e.city}`, String(e.city)), t(`accreditation.actions.${e.action}`, { defaultValue: e.action }), time(e.validFrom), time(e.validUntil),
          e.reason === null || /^0x0+$/.test(e.reason) ? "—" : refText(e.reasonText, e.reason), hash(e.actor), ...provenanceCells(e),
        ]),
        { caption: t("dataCenters.history"), testid: "accreditation-history" },
      ),
    ),
    h(
      "section",
      {},
      h("div", { class: "section-head" }, h("h2", {}, t("dataCenters.redemptions")), ctx.csvButton("/v1/redemptions", redemptions, `redemptions-${d.address.slice(0, 10)}.csv`)),
      ctx.pagedList("/v1/redemptions", redemptions, redemptionColumns, { caption: t("dataCenters.redemptionsOf"), testid: "dc-redemptions" }),
    ),
  );
}
