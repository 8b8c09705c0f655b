import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";

import { expect } from "chai";
import { parse as parseCsv } from "csv-parse/sync";
import type { Page } from "playwright-core";

import { ROOT } from "../helpers/node.js";
import { accessibilityProblems as axeProblems } from "./axe.js";
import { dashboardSession } from "./session.js";
import { type Language, shown, shownTime } from "./shown.js";

const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS === "1";

/** The navigation's words, as the locale files give them. */
const NAV = {
  "zh-CN": { overview: "概览", programmes: "专项", companies: "企业", vouchers: "算力券", redemptions: "兑付", claims: "申领", payments: "拨付", approved: "已批准", rejected: "已驳回", pending: "待审核" },
  en: { overview: "Overview", programmes: "Programmes", companies: "Companies", vouchers: "Vouchers", redemptions: "Redemptions", claims: "Claims", payments: "Payments", approved: "approved", rejected: "rejected", pending: "pending review" },
} as const;
const PAGES = ["/v2/programmes", "/v2/companies", "/v2/vouchers", "/v2/redemptions", "/v2/claims", "/v2/payments"] as const;

/** Hundredths of a percent of part over whole, as the page writes it ("30.0%"). */
const percent = (part: string, whole: string) => {
  const [p, w] = [BigInt(part.replace(".", "")), BigInt(whole.replace(".", ""))];
  return w === 0n ? "—" : `${(Number((p * 10_000n) / w) / 100).toFixed(1)}%`;
};
const sumOf = (values: string[]) => {
  const fen = values.reduce((s, v) => s + BigInt(v.replace(".", "")), 0n);
  return `${fen / 100n}.${String(fen % 100n).padStart(2, "0")}`;
};

describe("Dashboard on ledger v2 (browser)", function () {
  this.timeout(240_000);
  let page: Page;
  let baseUrl: string;
  let token: string;

  const api = async <T = any>(path: string): Promise<T> => {
    const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return (await response.json()) as T;
  };
  const items = async (path: string): Promise<any[]> => (await api<{ items: any[] }>(`${path}${path.includes("?") ? "&" : "?"}limit=1000`)).items;
  /** Opens a route and waits until its lists are loaded. */
  const open = async (route: string) => {
    // What the last page showed goes first, so that only the new page's lists can satisfy the wait below.
    await page.evaluate((r) => {
      (globalThis as any).document.querySelector("main").replaceChildren();
      (globalThis as any).location.hash = r;
      (globalThis as any).dispatchEvent(new (globalThis as any).HashChangeEvent("hashchange"));
    }, `#${route}`);
    await page.waitForFunction((r) => {
      const d = (globalThis as any).document;
      const main = d.querySelector("main");
      return (globalThis as any).location.hash === `#${r}` && main?.querySelector("h1") !== null &&
        main.querySelectorAll(".list").length > 0 && [...main.querySelectorAll(".list")].every((l: any) => l.querySelector("p.count, .error") !== null);
    }, route);
  };
  const setLanguage = async (language: Language) => {
    if ((await page.locator("html").getAttribute("lang")) === language) return;
    await page.locator("header button.language").click();
    await page.waitForFunction((l) => (globalThis as any).document.documentElement.lang === l, language);
  };
  /** The texts of a list's body rows, cell by cell. */
  const rows = (testid: string) => page.getByTestId(testid).locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => (td as any).innerText.trim())));
  /** With DASHBOARD_SCREENSHOTS=1, the page as it is now, for the README (service/dashboard/screenshots/). */
  const screenshot = async (name: string) => {
    if (!SCREENSHOTS) return;
    await mkdir(join(ROOT, "service", "dashboard", "screenshots"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "service", "dashboard", "screenshots", `${name}.png`), type: "png" });
  };
  const accessibilityProblems = () => axeProblems(page);

  const session = dashboardSession("dashboard-v2-test-", ["--ledger=v2"], { acceptDownloads: true });
  before(function () {
    ({ page, baseUrl, token } = session());
  });

  it("shows the v2 navigation (not v1's) on a v2 deployment, and the overview on the first page", async function () {
    await open("/v2/programmes");
    const visible = await page.locator("nav a:visible").allInnerTexts();
    // The overview's and the list pages' tabs come first (the report pages' follow: dashboard-v2-reports.test.ts).
    expect(visible.slice(0, 7)).to.deep.equal(Object.values(NAV["zh-CN"]).slice(0, 7));
    await page.locator("header a.brand").click();
    await page.getByTestId("v2-totals").waitFor();
    expect(await page.locator('nav a[aria-current="page"]').getAttribute("data-tab")).to.equal("v2-overview");
  });

  for (const language of ["zh-CN", "en"] as const) {
    const W = NAV[language];

    it(`shows programmes with budget, committed and use, companies, vouchers and payments as the API has them, in ${language}`, async function () {
      await setLanguage(language);
      await open("/v2/programmes");
      const programmes = await items("/v2/programmes");
      const shownRows = await rows("v2-programmes");
      expect(shownRows).to.have.length(programmes.length);
      for (const p of programmes) {
        const budget = sumOf(p.periods.map((x: any) => x.budget));
        const committed = sumOf(p.periods.map((x: any) => x.committed));
        const row = shownRows.find((r) => r[0] === p.name);
        expect(row, p.name).to.not.equal(undefined);
        expect([row![4], row![5], row![6], row![7], row![8], row![9], row![10]], p.name).to.deep.equal([
          shown(budget, language), shown(committed, language), percent(committed, budget),
          shown(p.redeemedBySuppliers, language), shown(p.claimedByBuyers, language), shown(p.held, language), String(p.voucherCount),
        ]);
      }
      expect(programmes.some((p) => p.voucherCount > 0 && p.periods.some((x: any) => x.committed !== "0.00"))).to.equal(true);
      if (language === "zh-CN") await screenshot("v2-programmes");

      await open("/v2/companies");
      expect(await rows("v2-companies")).to.have.length((await items("/v2/companies")).length);

      await open("/v2/vouchers");
      const vouchers = await items("/v2/vouchers");
      const voucherRows = await rows("v2-vouchers");
      expect(voucherRows.map((r) => [r[0], r[3], r[4]])).to.deep.equal(vouchers.map((v) => [v.applicationRefText, shown(v.faceValue, language), shown(v.remaining, language)]));

      await open("/v2/payments");
      const payments = await items("/v2/payments");
      const paymentRows = await rows("v2-payments");
      expect(paymentRows.map((r) => [r[0], r[1], r[6]])).to.deep.equal(payments.map((p) => [p.entryId, shownTime(p.recordedAt), shown(p.amount, language)]));
      expect(paymentRows.filter((r) => r[7] !== "—")).to.have.length(payments.filter((p) => p.corrected).length).and.to.have.length.greaterThan(0);
    });

    it(`filters redemptions by programme, supplier, class and date range, and claims by status, as the API does, in ${language}`, async function () {
      await setLanguage(language);
      const all = await items("/v2/redemptions");
      await open("/v2/redemptions");
      const allRows = await rows("v2-redemptions");
      expect(allRows.map((r) => [r[0], r[4], r[5], r[6], r[7]])).to.deep.equal(
        all.map((r) => [shownTime(r.timestamp), shown(r.amount, language), shown(r.invoiceTotal, language), percent(r.amount, r.invoiceTotal), r.gpuHours]),
      );
      const sample = all.find((r) => r.clawedBack !== "0.00") ?? all[0]!;
      // Through the form, as a person filters: programme, supplier and class.
      await page.locator("#f-programme").selectOption(String(sample.programme));
      await page.locator("#f-supplier").fill(String(sample.supplierCompany));
      await page.locator("#f-class").selectOption(String(sample.computeClass));
      const expected = await items(`/v2/redemptions?programme=${sample.programme}&supplier=${sample.supplierCompany}&class=${sample.computeClass}`);
      expect(expected.length).to.be.lessThan(all.length);
      await page.getByTestId("filters").locator("button[type=submit]").click();
      await page.waitForFunction((n) => (globalThis as any).location.hash.includes("supplier=") &&
        (globalThis as any).document.querySelector('[data-testid="v2-redemptions"] p.count')?.getAttribute("data-count") === String(n), expected.length);
      expect((await rows("v2-redemptions")).map((r) => r[4])).to.deep.equal(expected.map((r) => shown(r.amount, language)));
      if (language === "zh-CN") await screenshot("v2-redemptions");
      // A date range: the day of the redemptions holds them all, the day before none.
      const day = shownTime(sample.timestamp).slice(0, 10);
      const before = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      await open(`/v2/redemptions?from=${day}&to=${day}`);
      expect(await rows("v2-redemptions")).to.have.length(all.filter((r) => shownTime(r.timestamp).startsWith(day)).length);
      await open(`/v2/redemptions?from=${before}&to=${before}`);
      expect(await page.getByTestId("v2-redemptions").locator("td.empty").count()).to.equal(1);

      const claims = await items("/v2/claims");
      await open("/v2/claims");
      const claimRows = await rows("v2-claims");
      const statusWord = { Approved: W.approved, Rejected: W.rejected, Pending: W.pending } as Record<string, string>;
      expect(claimRows.map((r) => [r[4], r[7]])).to.deep.equal(claims.map((c) => [shown(c.amount, language), statusWord[c.status]]));
      await open("/v2/claims?status=Pending");
      expect(await rows("v2-claims")).to.have.length(claims.filter((c) => c.status === "Pending").length);
    });

    it(`downloads each list as CSV with the rows the API lists, in ${language}`, async function () {
      await setLanguage(language);
      for (const path of PAGES) {
        await open(path);
        const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("csv").click()]);
        const csv: Record<string, string>[] = parseCsv(await readFile(await download.path(), "utf8"), { columns: true, bom: true });
        expect(csv, path).to.have.length((await items(path)).length);
      }
    });

    it(`prints a report page as a report: no navigation or buttons, a header with programme, period and block, in ${language}`, async function () {
      await setLanguage(language);
      const programme = (await items("/v2/programmes")).find((p) => p.voucherCount > 0)!;
      await open(`/v2/redemptions?programme=${programme.id}&from=2026-01-01&to=2026-12-31`);
      const status = (await (await fetch(`${baseUrl}/status`)).json()) as { indexed: number };
      expect(await page.getByTestId("print-header").isVisible()).to.equal(false);
      await page.emulateMedia({ media: "print" });
      try {
        expect(await page.locator("nav").isVisible()).to.equal(false);
        expect(await page.locator("header").isVisible()).to.equal(false);
        expect(await page.locator("main button:visible, header button:visible").count()).to.equal(0);
        expect(await page.getByTestId("filters").isVisible()).to.equal(false);
        const header = page.getByTestId("print-header");
        expect(await header.isVisible()).to.equal(true);
        const text = await header.innerText();
        expect(text).to.include(programme.name).and.include("2026-01-01").and.include("2026-12-31");
        const block = Number(/(\d[\d,]*)/.exec(text.split("\n").at(-1)!)![1]!.replace(/,/g, ""));
        expect(block).to.be.at.most(status.indexed).and.at.least(status.indexed - 5);
        expect(await page.getByTestId("v2-redemptions").isVisible()).to.equal(true);
      } finally {
        await page.emulateMedia({ media: "screen" });
      }
    });

    it(`moves the focus to the heading on navigation, marks the current tab, labels every control, and has no serious or critical axe violations at 1280 and 390 px, in ${language}`, async function () {
      await setLanguage(language);
      await open("/v2/programmes");
      await page.getByRole("navigation").getByRole("link", { name: W.claims, exact: true }).click();
      await page.waitForFunction(() => (globalThis as any).document.activeElement?.matches("main h1") === true);
      expect(await page.locator('nav a[aria-current="page"]').getAttribute("data-tab")).to.equal("v2-claims");
      for (const id of await page.locator("main form input, main form select").evaluateAll((els) => els.map((e) => e.id))) {
        expect(await page.locator(`label[for="${id}"]`).innerText(), id).to.not.equal("");
      }
      const problems: string[] = [];
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
        for (const route of PAGES) {
          await open(route);
          expect(await page.locator("main table caption").count(), route).to.be.greaterThan(0);
          expect(await page.locator('main th:not([scope="col"])').count(), route).to.equal(0);
          problems.push(...(await accessibilityProblems()).map((p) => `${route} at ${width} px: ${p}`));
          if (width === 390) {
            const { doc, view } = await page.evaluate(() => ({ doc: (globalThis as any).document.documentElement.scrollWidth, view: (globalThis as any).innerWidth }));
            if (doc > view) problems.push(`${route} at 390 px: the page is ${doc} px wide`);
            const unflowed = await page.evaluate(() =>
              [...(globalThis as any).document.querySelectorAll("main td")].filter((td: any) => (globalThis as any).getComputedStyle(td).display === "table-cell").length,
            );
            if (unflowed > 0) problems.push(`${route} at 390 px: ${unflowed} table cells do not reflow`);
            if (language === "zh-CN" && route === "/v2/claims") await screenshot("v2-phone");
          }
        }
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      expect(problems).to.deep.equal([]);
    });
  }
});
