// @ts-check
/** Vouchers: search by id, application reference or holder; a voucher's timeline. */
import { collect, request } from "./api.js";
import {
  amount, field, fill, finalBadge, h, hash, link, provenanceCells, provenanceHeaders, refText, route, stat, table, time,
} from "./dom.js";
import { dateTime, integer, money, t } from "./i18n.js";
import { statusBadge, voucherColumns } from "./overview.js";

/** The most vouchers scanned for an application reference given as text (the API has no filter for it). */
const REF_SCAN_LIMIT = 5000;
const STATUSES = ["Active", "Redeemed", "Revoked", "Expired", "Reissued"];

/** @param {import("./app.js").ViewContext} ctx */
export async function vouchersView(ctx) {
  const q = (ctx.query.q ?? "").trim();
  const { city, status, holder, issuedFrom, issuedTo } = ctx.query;
  const input = h("input", { id: "voucher-q", name: "q", value: q, placeholder: t("vouchers.searchPlaceholder"), size: 60, "data-testid": "voucher-search" });
  const cityInput = h("input", { id: "voucher-city", name: "city", value: city ?? "", placeholder: "310000", size: 9, inputmode: "numeric" });
  const statusSelect = h("select", { id: "voucher-status", name: "status" }, h("option", { value: "" }, t("vouchers.anyStatus")), STATUSES.map((s) => h("option", { value: s, selected: s === status }, t(`status.${s}`))));
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
    field("voucher-q", t("vouchers.search"), input, "wide"), field("voucher-city", t("vouchers.cityCode"), cityInput), field("voucher-status", t("voucher.status"), statusSelect),
    h("button", { type: "submit" }, t("vouchers.searchButton")),
  );
  const results = h("section", {});
  fill(ctx.main, h("h1", {}, t("nav.vouchers")), form, results);
  const filters = { city, status, holder, issuedFrom, issuedTo };
  if (q === "") {
    fill(
      results,
      h("div", { class: "section-head" }, h("h2", {}, holder === undefined ? t("vouchers.all") : h("span", {}, t("vouchers.of"), " ", hash(holder))), issuedFrom === undefined && issuedTo === undefined ? null : h("p", { "data-testid": "issued-range" }, t("vouchers.issuedRange", { from: dateTime(issuedFrom ?? null), to: dateTime(issuedTo ?? null) })), ctx.csvButton("/v1/vouchers", filters, "vouchers.csv")),
      ctx.pagedList("/v1/vouchers", filters, voucherColumns, { caption: t("vouchers.all"), testid: "vouchers" }),
    );
    return;
  }
  // An application reference: as text ("SH-2026-0001") or as its bytes32 hex. Short digits: an id.
  fill(results, h("p", { class: "muted" }, t("vouchers.searching")));
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
  const heading = t(found.length > 0 ? "vouchers.refExact" : near.length > 0 ? "vouchers.refNear" : "vouchers.refNone", { q });
  fill(
    results,
    h("h2", {}, heading),
    scan.truncated ? h("p", { class: "warn" }, t("vouchers.truncated", { limit: integer(REF_SCAN_LIMIT) })) : null,
    table(voucherColumns.headers(), (found.length > 0 ? found : near).map(voucherColumns.row), { caption: heading, numeric: voucherColumns.numeric, empty: t("list.none") }),
  );
}

/** @param {any} step */
function stepDetail(step) {
  const parts = [];
  if (step.dataCenter !== null) parts.push(h("span", {}, t("step.dataCenter"), " ", link(`/data-center/${step.dataCenter}`, hash(step.dataCenter))));
  if (step.holder !== null) parts.push(h("span", {}, t("step.holder"), " ", hash(step.holder)));
  if (step.actor !== null) parts.push(h("span", {}, t("step.by"), " ", hash(step.actor)));
  if (step.invoiceHash !== null) parts.push(h("span", {}, t("step.invoice"), " ", hash(step.invoiceHash), " ", t("step.invoiceTotal", { total: money(step.invoiceTotal).shown })));
  if (step.remaining !== null) parts.push(h("span", {}, t("step.remaining", { remaining: money(step.remaining).shown })));
  if (step.reason !== null) parts.push(h("span", {}, t("step.reason"), " ", refText(step.reasonText, step.reason)));
  if (step.otherVoucher !== null) parts.push(h("span", {}, t(step.type === "reissued-to" ? "step.to" : "step.from"), " ", link(`/voucher/${step.otherVoucher}`, hash(step.otherVoucher))));
  if (step.expiresAt !== null) parts.push(h("span", {}, t("step.expires", { at: time(step.expiresAt) })));
  return h("span", { class: "detail" }, parts.flatMap((p, i) => (i === 0 ? [p] : [t("step.separator"), p])));
}

/** @param {import("./app.js").ViewContext} ctx */
export async function voucherView(ctx) {
  const v = await request(`/v1/vouchers/${ctx.params[0]}`);
  // A view superseded while it waited (another route, a language switch) leaves the page to the newer one.
  if (!ctx.live()) return;
  fill(
    ctx.main,
    h("h1", {}, t("voucher.heading"), " ", refText(v.applicationRefText, v.applicationRef)),
    h("p", { class: "muted" }, t("voucher.id"), " ", h("code", { class: "wrap", "data-testid": "voucher-id" }, v.id)),
    h(
      "div",
      { class: "stats" },
      stat(t("voucher.status"), statusBadge(v.status), "voucher-status"),
      stat(t("voucher.faceValue"), amount(v.faceValue)),
      stat(t("voucher.redeemed"), amount(v.redeemed), "voucher-redeemed"),
      stat(t("voucher.remaining"), amount(v.remaining), "voucher-remaining"),
      stat(t("voucher.final"), finalBadge(v.final)),
    ),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, t("voucher.city")), h("dd", {}, link(`/city/${v.city}`, String(v.city))),
      h("dt", {}, t("voucher.holder")), h("dd", {}, link(route("/vouchers", { holder: v.holder }), h("code", { class: "wrap" }, v.holder))),
      h("dt", {}, t("voucher.issued")), h("dd", {}, time(v.issuedAt)),
      h("dt", {}, t("voucher.expires")), h("dd", {}, time(v.expiresAt)),
      v.reissuedFrom === null ? null : [h("dt", {}, t("voucher.replaces")), h("dd", {}, link(`/voucher/${v.reissuedFrom}`, hash(v.reissuedFrom)))],
      v.reissuedTo === null ? null : [h("dt", {}, t("voucher.replacedBy")), h("dd", {}, link(`/voucher/${v.reissuedTo}`, hash(v.reissuedTo)))],
    ),
    h(
      "section",
      {},
      h("div", { class: "section-head" }, h("h2", {}, t("voucher.timeline")), ctx.csvButton("/v1/events", { voucher: v.id }, `voucher-${v.id.slice(0, 10)}-events.csv`)),
      table(
        [t("voucher.step"), t("voucher.amount"), t("voucher.details"), ...provenanceHeaders()],
        v.history.map((/** @type {any} */ step) => [h("span", { class: `step ${step.type}`, "data-step": step.type }, t(`step.type.${step.type}`, { defaultValue: step.type })), amount(step.amount), stepDetail(step), ...provenanceCells(step)]),
        { caption: t("voucher.timeline"), numeric: [1], testid: "timeline", empty: t("voucher.noEvent") },
      ),
    ),
  );
}
