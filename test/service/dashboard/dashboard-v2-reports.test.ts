import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";

import { expect } from "chai";
import { parse as parseCsv } from "csv-parse/sync";
import { Wallet } from "ethers";
import { type Browser, type Page } from "playwright-core";

import { DEMO_COMPANIES, V2_ACCOUNTS } from "../../../scripts/lib/demo/plan-v2.js";
import { devAccountKey } from "../../../service/internal/config.js";
import { createTokens, readSecretFile, secretKey } from "../../../service/internal/tokens.js";
import { ROOT } from "../helpers/node.js";
import { accessibilityProblems } from "./axe.js";
import { dashboardSession } from "./session.js";
import { type Language, shown, shownTime } from "./shown.js";

const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS === "1";
const LANGUAGES = ["zh-CN", "en"] as const;

/** Names for the demo's companies, loaded into the identity registry by the test (as an issuer would). */
const NAMES: Record<string, string> = {
  xingyun: "上海星云智算科技有限公司", pujiang: "上海浦江数据有限公司", xihu: "杭州西湖模型科技有限公司", qiantang: "杭州钱塘智能有限公司",
  longdong: "庆阳陇东算力科技有限公司", "sh-dc": "上海算力中心有限公司", "hz-dc": "杭州数据中心有限公司", "qy-dc": "庆阳数据中心有限公司",
};
/** The words of the page that the test looks for, as the locale files give them. */
const WORDS = {
  "zh-CN": { totals: "合计", reports: "报表", accessLog: "查阅记录" },
  en: { totals: "Totals", reports: "Reports", accessLog: "Access log" },
} as const;

/** GPU-hours as the page shows them ("1,234.50"). */
const hours = (value: string) => {
  const [whole = "0", fraction = "00"] = value.split(".");
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${fraction}`;
};
const pct = (value: string | null) => (value === null ? "—" : `${value}%`);
const money = (value: string | null, language: Language) => (value === null ? "—" : shown(value, language));

describe("Dashboard on ledger v2: reports, statements, public disclosure, access log (browser)", function () {
  this.timeout(300_000);
  let dataDir: string;
  let browser: Browser | undefined;
  let page: Page;
  let baseUrl: string;
  let token: string;
  let issuerToken: string;
  let auditorAddress: string;

  const api = async <T = any>(path: string, bearer: string | null = token): Promise<T> => {
    const response = await fetch(`${baseUrl}${path}`, { headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const items = async (path: string): Promise<any[]> => (await api<{ items: any[] }>(`${path}${path.includes("?") ? "&" : "?"}limit=1000`)).items;

  /** Opens a route in `p` and waits until its tables (or its error) are there. */
  const open = async (route: string, p: Page = page) => {
    await p.evaluate((r) => {
      (globalThis as any).document.querySelector("main").replaceChildren();
      (globalThis as any).location.hash = r;
      (globalThis as any).dispatchEvent(new (globalThis as any).HashChangeEvent("hashchange"));
    }, `#${route}`);
    await p.waitForFunction((r) => {
      const main = (globalThis as any).document.querySelector("main");
      if ((globalThis as any).location.hash !== `#${r}` || main === null) return false;
      if (main.querySelector(".error") !== null) return true;
      return main.querySelector("h1") !== null && main.querySelectorAll(".list").length > 0 &&
        [...main.querySelectorAll(".list")].every((l: any) => l.querySelector("p.count, .error") !== null);
    }, route);
    const error = await p.locator("main .error").first().textContent({ timeout: 100 }).catch(() => null);
    return error;
  };
  const setLanguage = async (language: Language, p: Page = page) => {
    if ((await p.locator("html").getAttribute("lang")) === language) return;
    await p.locator("button.language:visible").first().click();
    await p.waitForFunction((l) => (globalThis as any).document.documentElement.lang === l, language);
  };
  const rows = (testid: string, p: Page = page) =>
    p.getByTestId(testid).locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => (td as any).innerText.trim())));
  /** A figure's value, as shown. */
  const figure = async (testid: string, p: Page = page) => (await p.getByTestId(testid).locator(".value").innerText()).trim();
  const screenshot = async (name: string) => {
    if (!SCREENSHOTS) return;
    await mkdir(join(ROOT, "service", "dashboard", "screenshots"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "service", "dashboard", "screenshots", `${name}.png`), type: "png", fullPage: true });
  };
  /** axe at 1280 px, then no horizontal scroll and no axe problem at 390 px. */
  const layoutProblems = async (route: string, p: Page = page): Promise<string[]> => {
    const problems = (await accessibilityProblems(p)).map((x) => `${route} at 1280 px: ${x}`);
    expect(await p.locator('main th:not([scope="col"]):not([scope="row"])').count(), route).to.equal(0);
    await p.setViewportSize({ width: 390, height: 844 });
    try {
      await open(route, p);
      const { doc, view } = await p.evaluate(() => ({ doc: (globalThis as any).document.documentElement.scrollWidth, view: (globalThis as any).innerWidth }));
      if (doc > view) problems.push(`${route} at 390 px: the page is ${doc} px wide`);
      problems.push(...(await accessibilityProblems(p)).map((x) => `${route} at 390 px: ${x}`));
    } finally {
      await p.setViewportSize({ width: 1280, height: 800 });
      await open(route, p);
    }
    return problems;
  };

  const session = dashboardSession("dashboard-v2-reports-test-", ["--ledger=v2"], { acceptDownloads: true });
  before(async function () {
    ({ dataDir, browser, page, baseUrl, token } = session());
    const tokens = createTokens({ secret: secretKey(await readSecretFile(join(dataDir, "auth-secret"))), ttlSeconds: 3600 });
    issuerToken = tokens.issue(new Wallet(devAccountKey(V2_ACCOUNTS.issuer)).address).token;
    auditorAddress = new Wallet(devAccountKey(V2_ACCOUNTS.auditor)).address;
    // The identity registry, loaded as an issuer loads it: the pages then show names and credit codes.
    const load = await fetch(`${baseUrl}/v2/registry`, {
      method: "POST",
      headers: { authorization: `Bearer ${issuerToken}`, "content-type": "application/json" },
      body: JSON.stringify({ companies: DEMO_COMPANIES.map((c) => ({ creditCode: c.creditCode, name: NAMES[c.key]! })) }),
    });
    expect(load.status, await load.clone().text()).to.equal(200);
  });

  it("shows the public disclosure without sign-in, linked from the sign-in screen, calling only the /public endpoints, in zh-CN and en", async function () {
    const signedOut = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await signedOut.newPage();
    const apiCalls: { path: string; auth: boolean }[] = [];
    p.on("request", (r) => {
      const url = new URL(r.url());
      if (!url.pathname.startsWith("/dashboard/") && url.pathname !== "/") apiCalls.push({ path: url.pathname, auth: r.headers().authorization !== undefined });
    });
    try {
      await p.goto(`${baseUrl}/`);
      await p.locator("#signin").waitFor({ state: "visible" });
      const problems: string[] = [];
      for (const language of LANGUAGES) {
        await setLanguage(language, p);
        await p.goto(`${baseUrl}/`);
        await p.getByTestId("public-link").click();
        await p.waitForFunction(() => (globalThis as any).document.querySelector('[data-testid="public-programmes"] p.count') !== null);
        expect(await p.locator("#signin").isVisible()).to.equal(false);
        expect(await p.locator("nav").isVisible()).to.equal(false);
        const programmes = (await api<{ items: any[] }>("/public/v2/programmes?limit=1000", null)).items;
        const expected = programmes.flatMap((x) => x.years.map((y: any) => [x.name, String(y.year), shown(y.budget, language), shown(y.committed, language), shown(y.subsidy, language), String(y.companies)]));
        expect((await rows("public-programmes", p)).map((r) => [r[0], r[2], r[3], r[4], r[5], r[6]])).to.deep.equal(expected);
        problems.push(...(await layoutProblems("/public", p)));
        // A programme's published list: the names the registry holds, the amounts the API publishes.
        const busy = programmes.flatMap((x) => x.years.map((y: any) => ({ id: x.id, year: y.year, companies: y.companies }))).sort((a, b) => b.companies - a.companies)[0]!;
        expect(busy.companies).to.be.greaterThan(0);
        const route = `/public/programmes/${busy.id}?year=${busy.year}`;
        expect(await open(route, p)).to.equal(null);
        const disclosure = await api(`/public/v2/programmes/${busy.id}/disclosure?year=${busy.year}&limit=1000`, null);
        expect((await rows("public-disclosure", p)).map((r) => [r[0], r[2], r[3]])).to.deep.equal(
          disclosure.items.map((x: any) => [x.company.name, shown(x.committed, language), shown(x.subsidy, language)]),
        );
        expect(disclosure.items.every((x: any) => Object.values(NAMES).includes(x.company.name))).to.equal(true);
        expect(await figure("p-subsidy", p)).to.equal(shown(disclosure.totals.subsidy, language));
        expect(await p.locator("main h1").evaluate((h) => h === (globalThis as any).document.activeElement)).to.equal(true);
        problems.push(...(await layoutProblems(route, p)));
      }
      expect(problems).to.deep.equal([]);
      expect(apiCalls.filter((c) => !c.path.startsWith("/public/") && c.path !== "/status")).to.deep.equal([]);
      expect(apiCalls.some((c) => c.auth)).to.equal(false);
    } finally {
      await signedOut.close();
    }
  });

  for (const language of LANGUAGES) {
    it(`shows the programmes report with its totals row and a programme's report for a fiscal year and a month as the API answers, in ${language}`, async function () {
      await setLanguage(language);
      const report = await api("/v2/reports/programmes");
      expect(await open("/v2/reports")).to.equal(null);
      const shownRows = await rows("report-programmes");
      const cells = (r: any) => [money(r.budget, language), money(r.committed, language), pct(r.usePercent), money(r.subsidy, language), hours(r.gpuHours),
        money(r.earned, language), money(r.paid, language), money(r.payable, language), String(r.companiesAtCap)];
      expect(shownRows).to.deep.equal(report.programmes.map((r: any) => [r.name, ...cells(r)]));
      const totals = await page.getByTestId("report-totals").locator("tr").evaluate((tr) => [...tr.children].map((c) => (c as any).innerText.trim()));
      expect(totals).to.deep.equal([WORDS[language].totals, ...cells(report.totals)]);
      expect(await page.getByTestId("report-totals").locator('th[scope="row"]').count()).to.equal(1);

      // The programme with the most subsidy, for its fiscal year and for the month of its first redemption.
      const top = [...report.programmes].sort((a: any, b: any) => Number(b.subsidy) - Number(a.subsidy))[0];
      const first = (await api<{ items: any[] }>(`/v2/redemptions?programme=${top.programme}&limit=1`)).items[0]!;
      const day = shownTime(first.timestamp).slice(0, 10);
      const companies = new Map((await items("/v2/companies")).map((c) => [c.id, c]));
      for (const [period, from, to] of [["year", `${day.slice(0, 4)}-01-01`, `${day.slice(0, 4)}-12-31`], ["month", `${day.slice(0, 7)}-01`, undefined]] as const) {
        const answer = await api(`/v2/programmes/${top.programme}/report?period=${period}&from=${from}&to=${to ?? from}`);
        expect(answer.periods).to.have.length(1);
        const x = answer.periods[0];
        expect(await open(`/v2/reports/programmes/${top.programme}?period=${period}&day=${day}`)).to.equal(null);
        expect(await page.getByTestId("report-period").innerText()).to.include(x.period).and.include(x.firstDay).and.include(x.lastDay);
        expect([await figure("r-budget"), await figure("r-committed"), await figure("r-use"), await figure("r-subsidy"), await figure("r-gpu")]).to.deep.equal([
          shown(x.budget, language), shown(x.committed, language), pct(x.usePercent), shown(x.subsidy, language), hours(x.gpuHours),
        ]);
        expect((await rows("report-by-class")).map((r) => [r[2], r[3]])).to.deep.equal(x.byClass.map((c: any) => [shown(c.subsidy, language), hours(c.gpuHours)]));
        const suppliers = await rows("report-by-supplier");
        expect(suppliers.map((r) => r.slice(1))).to.deep.equal(x.bySupplier.map((s: any) => [shown(s.subsidy, language), shown(s.invoiced, language), hours(s.gpuHours),
          money(s.subsidyPerGpuHour, language), money(s.pricePerGpuHour, language)]));
        // Names where the registry has them, the company's number, credit code and addresses on hover.
        for (const [i, s] of x.bySupplier.entries()) {
          const c = companies.get(s.company);
          expect(suppliers[i]![0]).to.include(c.identity.name).and.include(c.identity.creditCode);
          const title = await page.getByTestId("report-by-supplier").locator("tbody tr").nth(i).locator(".company-name").getAttribute("title");
          expect(title).to.include(c.creditCodeHash).and.include(c.addresses[0].address);
        }
        expect((await rows("report-payees")).map((r) => r.slice(1))).to.deep.equal(x.payees.map((s: any) => [shown(s.earned, language), shown(s.paid, language), shown(s.payable, language)]));
        if (period === "year") {
          expect(x.bySupplier.length).to.be.greaterThan(0);
          expect(x.payees.length).to.be.greaterThan(0);
          if (language === "zh-CN") await screenshot("v2-report");
        }
      }
    });

    it(`shows companies against their caps with names, and downloads them as CSV, in ${language}`, async function () {
      await setLanguage(language);
      const caps = await items("/v2/reports/caps");
      expect(caps.length).to.be.greaterThan(0);
      expect(await open("/v2/reports/caps")).to.equal(null);
      const shownRows = await rows("report-caps");
      expect(shownRows.map((r) => [r[3], r[4], r[5], r[6]])).to.deep.equal(caps.map((c) => [shown(c.used, language), shown(c.cap, language), shown(c.left, language), pct(c.usePercent)]));
      expect(shownRows.map((r) => r[1]!.split(" ")[0])).to.deep.equal(caps.map((c) => c.companyIdentity?.name ?? ""));
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("csv").click()]);
      const csv: Record<string, string>[] = parseCsv(await readFile(await download.path(), "utf8"), { columns: true, bom: true });
      expect(csv).to.have.length(caps.length);
    });

    it(`shows a supplier's and a beneficiary's statement for a period with the records behind each line, in ${language}`, async function () {
      await setLanguage(language);
      expect(await open("/v2/statements")).to.equal(null);
      const links = await page.locator("a.statement-link").evaluateAll((as) => as.map((a) => a.getAttribute("href")!));
      expect(links.length).to.be.greaterThan(0);
      for (const role of ["supplier", "beneficiary"] as const) {
        const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
        const candidates = links.filter((l) => l.includes(`/v2/statements/${role}/`));
        let checked = false;
        for (const href of candidates) {
          const company = Number(/\/(\d+)\?/.exec(href)![1]);
          const path = `/v2/statements/${role === "supplier" ? "suppliers" : "beneficiaries"}/${company}?from=${year}-01-01&to=${year}-12-31`;
          const statement = await api(path);
          if (statement.lines.length === 0) continue;
          expect(await open(href.slice(1))).to.equal(null);
          expect(await page.locator("main h1").innerText()).to.include(statement.companyIdentity.name);
          const lines = await rows("statement-lines");
          expect(lines.map((r) => [r[0], r[3]])).to.deep.equal(statement.lines.map((l: any) => [shownTime(l.at), shown(l.amount, language)]));
          const hrefs = await page.getByTestId("statement-lines").locator("tbody tr td:nth-child(5) a").evaluateAll((as) => as.map((a) => a.getAttribute("href")!));
          expect(hrefs).to.have.length(statement.lines.length);
          for (const [i, l] of statement.lines.entries()) {
            const target = hrefs[i]!;
            if (l.kind === "payment" || l.kind === "repayment") expect(target).to.match(/^#\/v2\/payments\?/).and.include(`payee=${company}`);
            else if (role === "beneficiary") expect(target).to.match(/^#\/v2\/claims\?/).and.include(`company=${company}`);
            else expect(target).to.match(/^#\/v2\/redemptions\?/).and.include(`supplier=${company}`);
          }
          expect((await rows("statement-totals")).map((r) => r.slice(1))).to.deep.equal(statement.totals.map((x: any) =>
            [shown(x.opening, language), shown(x.earned, language), shown(x.paid, language), shown(x.payable, language)]));
          const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("csv").click()]);
          const csv: Record<string, string>[] = parseCsv(await readFile(await download.path(), "utf8"), { columns: true, bom: true });
          expect(csv).to.have.length(statement.lines.length);
          // A line's records: following the first link lists them (the redemptions, claims or payments page).
          await open(hrefs[0]!.slice(1));
          expect(await page.locator("main tbody tr td.empty").count(), hrefs[0]).to.equal(0);
          checked = true;
          break;
        }
        expect(checked, `a ${role} with statement lines in ${year}`).to.equal(true);
      }
    });

    it(`prints a report as a report: no navigation or buttons, a header with programme, period and block, in ${language}`, async function () {
      await setLanguage(language);
      const report = await api("/v2/reports/programmes");
      const top = report.programmes[0];
      const day = `${report.fiscalYear}-06-15`;
      expect(await open(`/v2/reports/programmes/${top.programme}?period=quarter&day=${day}`)).to.equal(null);
      const answer = await api(`/v2/programmes/${top.programme}/report?period=quarter&from=${report.fiscalYear}-04-01&to=${report.fiscalYear}-06-30`);
      expect(await page.getByTestId("print-header").isVisible()).to.equal(false);
      await page.emulateMedia({ media: "print" });
      try {
        expect(await page.locator("nav").isVisible()).to.equal(false);
        expect(await page.locator("header").isVisible()).to.equal(false);
        expect(await page.locator("main button:visible, header button:visible").count()).to.equal(0);
        expect(await page.getByTestId("report-form").isVisible()).to.equal(false);
        const text = await page.getByTestId("print-header").innerText();
        expect(text).to.include(top.name).and.include(`${report.fiscalYear}-Q2`).and.include(`${report.fiscalYear}-04-01`).and.include(`${report.fiscalYear}-06-30`);
        const block = Number(/(\d[\d,]*)/.exec(text.split("\n").at(-1)!)![1]!.replace(/,/g, ""));
        expect(block).to.equal(answer.asOfBlock);
        expect(await page.getByTestId("report-payees").isVisible()).to.equal(true);
      } finally {
        await page.emulateMedia({ media: "screen" });
      }
    });

    it(`shows the access log with the reads this test made, filtered by endpoint, in ${language}`, async function () {
      await setLanguage(language);
      expect(await page.locator('nav a[data-tab="v2-access-log"]').isVisible()).to.equal(true);
      expect(await open("/v2/access-log")).to.equal(null);
      const log = await items("/v2/access-log");
      const shownRows = await rows("access-log");
      expect(shownRows).to.have.length(log.length);
      // Newest first: the statements this test opened are there, read by the auditor.
      expect(shownRows.map((r) => r[0])).to.deep.equal([...log].reverse().map((e) => shownTime(e.at)));
      const statementReads = log.filter((e) => e.endpoint === "getSupplierStatement" && e.address === auditorAddress);
      expect(statementReads.length).to.be.greaterThan(0);
      await page.locator("#r-endpoint").fill("getSupplierStatement");
      await page.getByTestId("report-form").locator("button[type=submit]").click();
      await page.waitForFunction((n) => (globalThis as any).location.hash.includes("endpoint=getSupplierStatement") &&
        (globalThis as any).document.querySelector('[data-testid="access-log"] p.count')?.getAttribute("data-count") === String(n),
      (await items("/v2/access-log?endpoint=getSupplierStatement")).length);
      const filtered = await rows("access-log");
      expect(filtered.every((r) => r[3] === "getSupplierStatement")).to.equal(true);
      const who = await page.getByTestId("access-log").locator("tbody tr").first().locator("code.hash").getAttribute("title");
      expect(who).to.equal(statementReads.at(-1)!.address);
    });

    it(`moves the focus to the heading, marks the tab, and has no serious or critical axe violations on each report page at 1280 and 390 px, in ${language}`, async function () {
      await setLanguage(language);
      await open("/v2/programmes");
      await page.getByRole("navigation").getByRole("link", { name: WORDS[language].reports, exact: true }).click();
      await page.waitForFunction(() => (globalThis as any).document.activeElement?.matches("main h1") === true);
      expect(await page.locator('nav a[aria-current="page"]').getAttribute("data-tab")).to.equal("v2-reports");
      const report = await api("/v2/reports/programmes");
      const supplier = (await items("/v2/companies")).find((c) => c.supplier)!;
      const routes = ["/v2/reports", `/v2/reports/programmes/${report.programmes[0].programme}?period=year&day=${report.fiscalYear}-01-01`, "/v2/reports/caps",
        "/v2/statements", `/v2/statements/supplier/${supplier.id}`, "/v2/access-log"];
      const problems: string[] = [];
      for (const route of routes) {
        expect(await open(route)).to.equal(null);
        expect(await page.locator("main table caption").count(), route).to.be.greaterThan(0);
        for (const id of await page.locator("main form input, main form select").evaluateAll((els) => els.map((e) => e.id))) {
          expect(await page.locator(`label[for="${id}"]`).innerText(), `${route} ${id}`).to.not.equal("");
        }
        problems.push(...(await layoutProblems(route)));
      }
      expect(problems).to.deep.equal([]);
    });
  }

  it("hides the access log from a role that cannot read it (an issuer), and refuses it on its page", async function () {
    const other = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await other.newPage();
      await p.goto(`${baseUrl}/#token=${encodeURIComponent(issuerToken)}`);
      await p.locator("nav").waitFor({ state: "visible" });
      await p.waitForFunction(() => (globalThis as any).document.body.getAttribute("data-access-log") === "no");
      expect(await p.locator('nav a[data-tab="v2-reports"]').isVisible()).to.equal(true);
      expect(await p.locator('nav a[data-tab="v2-access-log"]').isVisible()).to.equal(false);
      const error = await open("/v2/access-log", p);
      expect(error).to.not.equal(null);
      expect(await p.getByTestId("access-log").count()).to.equal(0);
      const answer = await fetch(`${baseUrl}/v2/access-log`, { headers: { authorization: `Bearer ${issuerToken}` } });
      expect(answer.status).to.equal(403);
      // The auditor's tab is there.
      expect(await page.locator('nav a[data-tab="v2-access-log"]').isVisible()).to.equal(true);
    } finally {
      await other.close();
    }
  });
});
