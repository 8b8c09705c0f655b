// @ts-check
/** The dashboard's shell: sign-in, navigation (hash routes), the mirror's status bar, lists with paging and CSV. */
import { ApiError, downloadCsv, request, session, whenUnauthenticated } from "./api.js";
import { dataCentersView, dataCenterView } from "./data-centers.js";
import { fill, h, table } from "./dom.js";
import { eventsView } from "./events.js";
import { initI18n, integer, language, setLanguage, t, translateStatic } from "./i18n.js";
import { cityView, overviewView, redemptionsView } from "./overview.js";
import { signInWithWallet } from "./siwe.js";
import { V2_ROUTES } from "./v2.js";
import { isPublicRoute, PUBLIC_ROUTES } from "./v2-public.js";
import { showReportTabs } from "./v2-reports.js";
import { vouchersView, voucherView } from "./vouchers.js";

/**
 * @typedef {object} ViewContext
 * @property {HTMLElement} main
 * @property {string[]} params  the route's captured parts
 * @property {Record<string, string>} query  the route's query
 * @property {() => boolean} live  false once the user has moved to another page
 * @property {() => {indexed: number, head: number}} status  the mirror's status as last read
 * @property {(path: string, query: Record<string, unknown>, filename: string) => HTMLElement} csvButton
 * @property {(path: string, query: Record<string, unknown>, columns: {headers: () => string[], numeric?: number[], row: (item: any) => unknown[]}, options: {caption: string, testid?: string, filter?: (item: any) => boolean}) => HTMLElement} pagedList
 */

/** The pages of a ledger v1 deployment. @type {[RegExp, (ctx: ViewContext) => Promise<void>, string][]} */
const ROUTES = [
  [/^\/$/, overviewView, "overview"],
  [/^\/city\/(\d+)$/, cityView, "overview"],
  [/^\/vouchers$/, vouchersView, "vouchers"],
  [/^\/voucher\/(\d+)$/, voucherView, "vouchers"],
  [/^\/redemptions$/, redemptionsView, "overview"],
  [/^\/data-centers$/, dataCentersView, "data-centers"],
  [/^\/data-center\/(0x[0-9a-fA-F]{40})$/, dataCenterView, "data-centers"],
  [/^\/events$/, eventsView, "events"],
];

const PAGE_SIZE = 50;
const STATUS_EVERY_MS = 5000;

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
let generation = 0;
/** The mirror's status as last read (/status), and the ledger it follows: its pages are the dashboard's. */
let lastStatus = { indexed: 0, head: 0, ledgerVersion: 0 };
/** @type {Promise<void> | undefined} */
let firstStatus;
/**
 * After a navigation, focus goes to the new page's heading (screen readers read it; the keyboard starts there).
 * Not on a refresh of the same page, nor on the first load.
 */
let moveFocus = false;
/** @type {number | undefined} */
let statusTimer;

/** Reports an error in a place on the page (and shows sign-in again on a 401). @param {HTMLElement} where @param {unknown} error */
function showError(where, error) {
  if (error instanceof ApiError && error.status === 401) return;
  const message =
    error instanceof ApiError && error.status === 403
      ? t("error.forbidden", { reason: error.message })
      : error instanceof ApiError && error.status === 404
        ? t("error.notFound", { reason: error.message })
        : t("error.other", { reason: /** @type {Error} */ (error).message });
  fill(where, h("p", { class: "error", role: "alert", "data-testid": "error" }, message));
}

/** @param {string} path @param {Record<string, unknown>} query @param {string} filename */
function csvButton(path, query, filename) {
  const out = h("span", { class: "muted" });
  const button = h("button", {
    type: "button",
    class: "csv",
    "data-testid": "csv",
    title: t("csv.title"),
    onclick: async () => {
      button.setAttribute("disabled", "");
      fill(out);
      try {
        await downloadCsv(path, query, filename);
      } catch (error) {
        showError(out, error);
      } finally {
        button.removeAttribute("disabled");
      }
    },
  }, t("csv.button"));
  return h("span", { class: "csv-box" }, button, out);
}

/**
 * A list from the API, a page at a time, with a "Load more" button.
 * @type {ViewContext["pagedList"]}
 */
function pagedList(path, query, columns, options) {
  const box = h("div", { class: "list", "data-testid": options.testid });
  /** @type {any[]} */
  const items = [];
  /** @type {string | null} */
  let cursor = null;
  const more = async () => {
    try {
      const page = await request(path, { ...query, limit: PAGE_SIZE, cursor });
      items.push(...page.items.filter(options.filter ?? (() => true)));
      cursor = page.nextCursor;
      fill(
        box,
        table(columns.headers(), items.map(columns.row), { caption: options.caption, numeric: columns.numeric, empty: t("list.none") }),
        cursor === null
          ? h("p", { class: "muted count", "data-count": items.length }, t("list.all", { count: items.length, shown: integer(items.length) }))
          : h("p", { class: "count", "data-count": items.length }, t("list.some", { count: items.length, shown: integer(items.length) }), " ", h("button", { type: "button", onclick: more }, t("list.more"))),
      );
    } catch (error) {
      showError(box, error);
    }
  };
  fill(box, h("p", { class: "muted" }, t("loading")));
  void more();
  return box;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path = "/", search = ""] = raw.split("?");
  return { path, query: Object.fromEntries(new URLSearchParams(search)) };
}

async function render() {
  const main = $("main");
  const { path, query } = parseHash();
  // The public disclosure (公示) needs no sign-in: its routes come first, with or without a token.
  const open = isPublicRoute(path);
  if (session.token === null && !open) return showSignIn();
  $("signin").hidden = true;
  $("app").hidden = false;
  $("app").classList.toggle("signed-out", session.token === null);
  if (session.token === null) firstStatus ??= refreshStatus();
  await firstStatus;
  const routes = open
    ? /** @type {typeof ROUTES} */ (PUBLIC_ROUTES.map(([pattern, view]) => [pattern, view, "public"]))
    : lastStatus.ledgerVersion === 2 ? /** @type {typeof ROUTES} */ (/** @type {unknown} */ (V2_ROUTES)) : ROUTES;
  showLedgerNav(lastStatus.ledgerVersion === 2 ? 2 : 1);
  if (lastStatus.ledgerVersion === 2 && session.token !== null) void showReportTabs(session.token);
  const found = routes.map(([pattern, view, tab]) => ({ match: pattern.exec(path), view, tab })).find((r) => r.match !== null);
  const current = (generation += 1);
  for (const a of document.querySelectorAll("nav a")) {
    const isCurrent = a.getAttribute("data-tab") === found?.tab;
    a.classList.toggle("active", isCurrent);
    if (isCurrent) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (found === undefined || found.match === null) {
    fill(main, h("h1", { tabindex: "-1" }, t("notFound.title")), h("p", {}, t("notFound.text"), " ", h("a", { href: "#/" }, t("notFound.back"))));
    focusHeading(main);
    return;
  }
  fill(main, h("p", { class: "muted" }, t("loading")));
  /** @type {ViewContext} */
  const ctx = { main, params: found.match.slice(1), query, live: () => current === generation, status: () => lastStatus, csvButton, pagedList };
  try {
    await found.view(ctx);
  } catch (error) {
    if (current === generation) showError(main, error);
  }
  if (current === generation && moveFocus) focusHeading(main);
}

/** @param {HTMLElement} main */
function focusHeading(main) {
  const heading = main.querySelector("h1");
  if (heading === null) return;
  heading.setAttribute("tabindex", "-1");
  heading.focus({ preventScroll: false });
}

/** Shows the navigation of the ledger the mirror follows (index.html: data-ledger), hides the other's. @param {1 | 2} version */
function showLedgerNav(version) {
  for (const a of document.querySelectorAll("nav a[data-ledger]")) /** @type {HTMLElement} */ (a).hidden = a.getAttribute("data-ledger") !== String(version);
}

async function refreshStatus() {
  try {
    const status = await request("/status", {}, { auth: false });
    lastStatus = status;
    fill(
      $("status"),
      h("span", { class: status.lag > 0 ? "badge pending" : "badge ok", "data-testid": "status-lag" }, t("status.behind", { count: status.lag })),
      " ",
      t("status.line", { head: status.head, indexed: status.indexed, final: Math.max(status.finalizedBlock, 0) }),
    );
  } catch {
    fill($("status"), h("span", { class: "badge bad" }, t("status.unreachable")));
  }
}

/** @param {string} [message] */
function showSignIn(message) {
  generation += 1;
  if (statusTimer !== undefined) clearInterval(statusTimer);
  statusTimer = undefined;
  $("app").hidden = true;
  $("signin").hidden = false;
  fill($("signin-message"), message === undefined ? "" : h("p", { class: "error", role: "alert" }, message));
  $("wallet").hidden = !("ethereum" in window);
  $("no-wallet").hidden = "ethereum" in window;
}

/** Checks a token against the API, keeps it, and opens the dashboard. @param {string} token */
async function useToken(token) {
  session.set(token.trim());
  try {
    const status = await request("/status", {}, { auth: false }).catch(() => ({ ledgerVersion: 1 }));
    await request(status.ledgerVersion === 2 ? "/v2/programmes" : "/v1/cities", { limit: 1 });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // showSignIn has run
    if (!(error instanceof ApiError && error.status === 403)) throw error;
    // A 403: the token is good, the account has no role that reads cities; the pages say so where it matters.
  }
  startApp();
}

function startApp() {
  $("signin").hidden = true;
  $("app").hidden = false;
  firstStatus = refreshStatus();
  if (statusTimer === undefined) statusTimer = window.setInterval(refreshStatus, STATUS_EVERY_MS);
  void render();
}

/** The words of a failure, whatever was thrown. @param {unknown} error */
const reasonOf = (error) => (error instanceof Error ? error.message : String(error));

whenUnauthenticated(() => {
  session.clear();
  showSignIn(t("signin.ended"));
});

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("token-input"));
  if (input.value.trim() === "") return;
  void useToken(input.value).catch((/** @type {unknown} */ error) => showSignIn(t("signin.failed", { reason: reasonOf(error) })));
});
$("wallet").addEventListener("click", () => {
  void signInWithWallet()
    .then((token) => useToken(token))
    .catch((/** @type {unknown} */ error) => showSignIn(t("signin.walletFailed", { reason: reasonOf(error) })));
});
$("sign-out").addEventListener("click", () => {
  session.clear();
  location.hash = "#/";
  showSignIn();
});
$("refresh").addEventListener("click", () => {
  void refreshStatus();
  void render();
});
/**
 * The one-click link of the demo: #token=<token> signs in at once (replacing any session of this tab), then leaves
 * the address bar. Read when the page loads and whenever the fragment changes, since a link pasted into a tab that is
 * already open changes only the fragment and does not load the page again. @returns {boolean} whether there was one
 */
function takeLinkedToken() {
  const linked = new URLSearchParams(location.hash.replace(/^#/, "")).get("token");
  if (linked === null) return false;
  history.replaceState(null, "", `${location.pathname}${location.search}#/`);
  if (linked.trim() === "") showSignIn(t("signin.emptyLink"));
  else void useToken(linked).catch((/** @type {unknown} */ error) => showSignIn(t("signin.failed", { reason: reasonOf(error) })));
  return true;
}

/** The language switches: each names the other language, in that language. */
function showLanguageSwitches() {
  const other = language() === "zh-CN" ? "en" : "zh-CN";
  for (const button of document.querySelectorAll("button.language")) {
    button.textContent = t(`language.switchTo.${other}`);
    button.setAttribute("lang", other);
    button.setAttribute("data-language", other);
  }
}
for (const button of document.querySelectorAll("button.language")) {
  button.addEventListener("click", () => {
    const next = button.getAttribute("data-language") === "en" ? "en" : "zh-CN";
    void setLanguage(next).then(() => {
      translateStatic();
      showLanguageSwitches();
      if ($("app").hidden) return;
      if (session.token !== null) void refreshStatus();
      void render();
    });
  });
}

window.addEventListener("hashchange", () => {
  if (takeLinkedToken()) return;
  moveFocus = true;
  if (session.token !== null || isPublicRoute(parseHash().path) || !$("app").hidden) void render();
});

await initI18n();
translateStatic();
showLanguageSwitches();
if (!takeLinkedToken()) {
  if (session.token !== null) startApp();
  else void render();
}
