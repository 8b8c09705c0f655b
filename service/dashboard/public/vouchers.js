// @ts-check
/** Vouchers: search by id, application reference or holder; a voucher's timeline. */
import { collect, request } from "./api.js";
import {
  amount, fill, finalBadge, h, hash, link, PROVENANCE_HEADERS, provenanceCells, refText, route, stat, table, time,
} from "./dom.js";
import { voucherColumns } from "./overview.js";

/** The most vouchers scanned for an application reference given as text (the API has no filter for it). */
const REF_SCAN_LIMIT = 5000;
const STATUSES = ["Active", "Redeemed", "Revoked", "Expired", "Reissued"];

/** @param {import("./app.js").ViewContext} ctx */
export async function vouchersView(ctx) {
  const q = (ctx.query.q ?? "").trim();
  const { city, status, holder } = ctx.query;
  const input = h("input", { name: "q", value: q, placeholder: "voucher id, application reference (SH-2026-0001) or holder address", size: 60, "data-testid": "voucher-search", "aria-label": "Search" });
  const cityInput = h("input", { name: "city", value: city ?? "", placeholder: "city code", size: 9, inputmode: "numeric", "aria-label": "City" });
  const statusSelect = h("select", { name: "status", "aria-label": "Status" }, h("option", { value: "" }, "any status"), STATUSES.map((s) => h("option", { value: s, selected: s === status }, s)));
  const form = h(
    "form",
    {
      class: "filters",
      onsubmit: (/** @type {Event} */ event) => {
        event.preventDefault();
        const text = /** @type {HTMLInputElement} */ (input).value.trim();
        if (/^\d+$/.test(text) && text.length > 12) {
          location.hash = `#/voucher/${text}`;
          return;
        }
        const isAddress = /^0x[0-9a-fA-F]{40}$/.test(text);
        location.hash = `#${route("/vouchers", {
          q: isAddress ? undefined : text,
          holder: isAddress ? text : undefined,
          city: /** @type {HTMLInputElement} */ (cityInput).value.trim(),
          status: /** @type {HTMLSelectElement} */ (statusSelect).value,
        })}`;
      },
    },
    input, cityInput, statusSelect, h("button", { type: "submit" }, "Search"),
  );
  const results = h("section", {});
  fill(ctx.main, h("h1", {}, "Vouchers"), form, results);
  const filters = { city, status, holder };
  if (q === "") {
    fill(
      results,
      h("div", { class: "section-head" }, h("h2", {}, holder === undefined ? "All vouchers, in issue order" : h("span", {}, "Vouchers of ", hash(holder))), ctx.csvButton("/v1/vouchers", filters, "vouchers.csv")),
      ctx.pagedList("/v1/vouchers", filters, voucherColumns, { testid: "vouchers" }),
    );
    return;
  }
  // An application reference: as text ("SH-2026-0001") or as its bytes32 hex. Short digits: an id.
  fill(results, h("p", { class: "muted" }, "Searching…"));
  if (/^\d+$/.test(q)) {
    location.hash = `#/voucher/${q}`;
    return;
  }
  const wanted = q.toLowerCase();
  const scan = await collect("/v1/vouchers", filters, REF_SCAN_LIMIT);
  const found = scan.items.filter((v) => (v.applicationRefText ?? "").toLowerCase() === wanted || v.applicationRef.toLowerCase() === wanted);
  const near = found.length > 0 ? [] : scan.items.filter((v) => (v.applicationRefText ?? "").toLowerCase().includes(wanted)).slice(0, 100);
  if (!ctx.live()) return;
  if (found.length === 1) {
    location.hash = `#/voucher/${found[0].id}`;
    return;
  }
  fill(
    results,
    h("h2", {}, found.length > 0 ? `Application reference “${q}”` : near.length > 0 ? `References containing “${q}”` : `No voucher with the application reference “${q}”`),
    scan.truncated ? h("p", { class: "warn" }, `Only the first ${REF_SCAN_LIMIT.toLocaleString()} vouchers were searched: narrow by city or status.`) : null,
    table(voucherColumns.headers, (found.length > 0 ? found : near).map(voucherColumns.row), { numeric: voucherColumns.numeric, empty: "None." }),
  );
}

const STEP_NAMES = /** @type {Record<string, string>} */ ({
  issued: "Issued",
  "reissued-from": "Re-issued (replaces a lost voucher)",
  redeemed: "Redeemed",
  revoked: "Revoked",
  expired: "Expired",
  "reissued-to": "Re-issued to a new voucher",
});

/** @param {any} step */
function stepDetail(step) {
  const parts = [];
  if (step.dataCenter !== null) parts.push(h("span", {}, "data center ", link(`/data-center/${step.dataCenter}`, hash(step.dataCenter))));
  if (step.holder !== null) parts.push(h("span", {}, "holder ", hash(step.holder)));
  if (step.actor !== null) parts.push(h("span", {}, "by ", hash(step.actor)));
  if (step.invoiceHash !== null) parts.push(h("span", {}, "invoice ", hash(step.invoiceHash), ` total ${amount(step.invoiceTotal)}`));
  if (step.remaining !== null) parts.push(h("span", {}, `remaining ${amount(step.remaining)}`));
  if (step.reason !== null) parts.push(h("span", {}, "reason ", refText(step.reasonText, step.reason)));
  if (step.otherVoucher !== null) parts.push(h("span", {}, step.type === "reissued-to" ? "to " : "from ", link(`/voucher/${step.otherVoucher}`, hash(step.otherVoucher))));
  if (step.expiresAt !== null) parts.push(h("span", {}, `expires ${time(step.expiresAt)}`));
  return h("span", { class: "detail" }, parts.flatMap((p, i) => (i === 0 ? [p] : ["; ", p])));
}

/** @param {import("./app.js").ViewContext} ctx */
export async function voucherView(ctx) {
  const v = await request(`/v1/vouchers/${ctx.params[0]}`);
  fill(
    ctx.main,
    h("h1", {}, "Voucher ", refText(v.applicationRefText, v.applicationRef)),
    h("p", { class: "muted" }, "id ", h("code", { class: "wrap", "data-testid": "voucher-id" }, v.id)),
    h(
      "div",
      { class: "stats" },
      stat("Status", h("span", { class: `status ${v.status.toLowerCase()}`, "data-testid": "voucher-status" }, v.status)),
      stat("Face value", amount(v.faceValue)),
      stat("Redeemed", amount(v.redeemed), "voucher-redeemed"),
      stat("Remaining", amount(v.remaining), "voucher-remaining"),
      stat("Final", finalBadge(v.final)),
    ),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "City"), h("dd", {}, link(`/city/${v.city}`, String(v.city))),
      h("dt", {}, "Holder"), h("dd", {}, link(route("/vouchers", { holder: v.holder }), h("code", {}, v.holder))),
      h("dt", {}, "Issued"), h("dd", {}, time(v.issuedAt)),
      h("dt", {}, "Expires"), h("dd", {}, time(v.expiresAt)),
      v.reissuedFrom === null ? null : [h("dt", {}, "Replaces"), h("dd", {}, link(`/voucher/${v.reissuedFrom}`, hash(v.reissuedFrom)))],
      v.reissuedTo === null ? null : [h("dt", {}, "Replaced by"), h("dd", {}, link(`/voucher/${v.reissuedTo}`, hash(v.reissuedTo)))],
    ),
    h(
      "section",
      {},
      h("div", { class: "section-head" }, h("h2", {}, "Timeline"), ctx.csvButton("/v1/events", { voucher: v.id }, `voucher-${v.id.slice(0, 10)}-events.csv`)),
      table(
        ["Step", "Amount", "Details", ...PROVENANCE_HEADERS],
        v.history.map((/** @type {any} */ step) => [h("span", { class: `step ${step.type}` }, STEP_NAMES[step.type] ?? step.type), amount(step.amount), stepDetail(step), ...provenanceCells(step)]),
        { numeric: [1], testid: "timeline", empty: "No event yet." },
      ),
    ),
  );
}
