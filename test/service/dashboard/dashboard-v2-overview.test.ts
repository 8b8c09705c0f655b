import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";

import { expect } from "chai";
import type { Page } from "playwright-core";
import { SiweMessage } from "siwe";

import { devAccount } from "../../../scripts/demo.js";
import { DEMO_COMPANIES, DEMO_REDEMPTIONS, V2_ACCOUNTS } from "../../../scripts/lib/demo/plan-v2.js";
import { creditCodeHash } from "../../../service/domain/identity.js";
import { ROOT } from "../helpers/node.js";
import { accessibilityProblems as axeProblems } from "./axe.js";
import { dashboardSession } from "./session.js";
import { type Language, shown } from "./shown.js";

const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS === "1";

/** The names this test loads into the registry, by the demo company's key; one company is left without a record. */
const NAMES: Record<string, string> = {
  xingyun: "上海星云智能科技有限公司", pujiang: "上海浦江数据有限公司", xihu: "杭州西湖初创科技有限公司",
  longdong: "庆阳陇东智算有限公司", "sh-dc": "上海算力中心有限公司", "hz-dc": "杭州算力中心有限公司", "qy-dc": "庆阳东数西算中心有限公司",
};
const UNNAMED = "qiantang";
/** A company the test registers on chain and nobody names in the registry: the page's fallback for it. */
const UNKNOWN_CODE = "91310000MA1FL0001R";

/** Runs an admin task (`npx hardhat …`) against the stack's chain; its output on failure. */
async function task(args: string[], rpcUrl: string): Promise<void> {
  const child = spawn(join(ROOT, "node_modules", ".bin", "hardhat"), [...args, "--network", "localhost"], {
    cwd: ROOT, env: { ...process.env, LOCALHOST_RPC_URL: rpcUrl }, stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  expect(code, `hardhat ${args.join(" ")}: ${output}`).to.equal(0);
}

/** The page's fallback for a company the registry has no record of. */
const companyNo = (id: number, language: Language) => (language === "zh-CN" ? `企业 ${id}` : `Company ${id}`);
const nameOf = (id: number, identity: { name: string; nameEn: string | null } | null, language: Language) =>
  identity === null ? companyNo(id, language) : language === "en" && identity.nameEn !== null ? identity.nameEn : identity.name;
const fenOf = (values: string[]) => values.reduce((s, v) => s + BigInt(v.replace(".", "")), 0n);
const yuan = (fen: bigint) => `${fen / 100n}.${String(fen % 100n).padStart(2, "0")}`;
const percent = (part: bigint, whole: bigint) => (whole === 0n ? "—" : `${(Number((part * 10_000n) / whole) / 100).toFixed(1)}%`);

describe("Dashboard on ledger v2: the overview, and names instead of numbers (browser)", function () {
  this.timeout(240_000);
  let page: Page;
  let baseUrl: string;
  let rpcUrl: string;
  let token: string;
  /** Whether this test loaded the registry (the demo had no names): then it left one demo company out. */
  let loadedHere = false;

  const api = async <T = any>(path: string, auth = token): Promise<T> => {
    const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${auth}` } });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const items = async (path: string): Promise<any[]> => (await api<{ items: any[] }>(`${path}${path.includes("?") ? "&" : "?"}limit=1000`)).items;
  /** Navigates to a route (what the last page showed goes first) and waits until `ready` holds on the new page. */
  const open = async (route: string, ready: string) => {
    await page.evaluate((r) => {
      (globalThis as any).document.querySelector("main").replaceChildren();
      (globalThis as any).location.hash = r;
      (globalThis as any).dispatchEvent(new (globalThis as any).HashChangeEvent("hashchange"));
    }, `#${route}`);
    await waitFor(ready);
  };
  /** Waits until the selector is on the page and every list in main has finished loading. */
  const waitFor = (ready: string) =>
    page.waitForFunction((selector) => {
      const main = (globalThis as any).document.querySelector("main");
      return main?.querySelector(selector) !== null && main.querySelector("h1") !== null &&
        [...main.querySelectorAll(".list")].every((l: any) => l.querySelector("p.count, .error") !== null);
    }, ready);
  const overview = () => open("/", '[data-testid="v2-alerts"]');
  const setLanguage = async (language: Language) => {
    if ((await page.locator("html").getAttribute("lang")) === language) return;
    await page.locator("header button.language").click();
    await page.waitForFunction((l) => (globalThis as any).document.documentElement.lang === l, language);
  };
  const screenshot = async (name: string) => {
    if (!SCREENSHOTS) return;
    await mkdir(join(ROOT, "service", "dashboard", "screenshots"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "service", "dashboard", "screenshots", `${name}.png`), type: "png", fullPage: true });
  };
  /** The cells of a list's rows: text, and the title and company number of each company link. */
  const cells = (testid: string) =>
    page.getByTestId(testid).locator("tbody tr").evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td: any) => {
        const a = td.querySelector("a[data-company]");
        return { text: td.innerText.trim(), title: a?.getAttribute("title") ?? td.firstElementChild?.getAttribute("title") ?? null, company: a === null ? null : Number(a.getAttribute("data-company")) };
      })));

  /** Signs in as the demo's issuer (SIWE with its development key) and loads the names of NAMES and the invoices' numbers. */
  async function loadRegistry() {
    const issuer = devAccount(V2_ACCOUNTS.issuer);
    const info = (await (await fetch(`${baseUrl}/v1/auth/nonce`, { method: "POST" })).json()) as { nonce: string; domain: string; uri: string; chainId: number };
    const message = new SiweMessage({
      domain: info.domain, address: issuer.address, statement: "Sign in to the compute-voucher audit API.", uri: info.uri, version: "1",
      chainId: info.chainId, nonce: info.nonce, issuedAt: new Date().toISOString(), expirationTime: new Date(Date.now() + 300_000).toISOString(),
    }).prepareMessage();
    const login = await fetch(`${baseUrl}/v1/auth/login`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message, signature: await issuer.signMessage(message) }),
    });
    expect(login.status, await login.clone().text()).to.equal(200);
    const issuerToken = ((await login.json()) as { token: string }).token;
    const codeOf = (key: string) => DEMO_COMPANIES.find((c) => c.key === key)!.creditCode;
    const body = {
      companies: Object.entries(NAMES).map(([key, name]) => ({ creditCode: codeOf(key), name, ...(key === "xingyun" ? { nameEn: "Shanghai Xingyun AI Ltd." } : {}) })),
      invoices: [...new Map(DEMO_REDEMPTIONS.map((r) => [r.invoice, { supplierCreditCode: codeOf(r.supplier), invoiceNumber: r.invoice }])).values()],
    };
    const response = await fetch(`${baseUrl}/v2/registry`, {
      method: "POST", headers: { authorization: `Bearer ${issuerToken}`, "content-type": "application/json" }, body: JSON.stringify(body),
    });
    expect(response.status, await response.clone().text()).to.equal(200);
  }

  const session = dashboardSession("dashboard-v2-overview-test-", ["--ledger=v2"]);
  before(async function () {
    ({ page, baseUrl, rpcUrl, token } = session());
    // The demo loads the names itself; where it has none, this test loads them (all but one company).
    loadedHere = (await items("/v2/companies")).every((c) => c.identity === null);
    if (loadedHere) await loadRegistry();
    // And one company the registry does not know, registered on chain now, so that the page's fallback shows.
    await task(["entity", "register", "--credit-code", UNKNOWN_CODE, "--role", "beneficiary", "--category", "start-up"], rpcUrl);
    const unknown = creditCodeHash(UNKNOWN_CODE);
    for (let i = 0; !(await items("/v2/companies")).some((c) => c.creditCodeHash === unknown); i++) {
      if (i === 120) throw new Error("the mirror did not show the company registered by the test within 60 s");
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });

  it("has names for the companies the registry knows, and none for the one it does not", async function () {
    const companies = await items("/v2/companies");
    const unnamed = companies.filter((c) => c.identity === null);
    expect(companies.filter((c) => c.identity !== null)).to.have.length.greaterThan(0);
    // The company the test registered, and the one the test left out where it loaded the registry itself.
    const expected = [UNKNOWN_CODE, ...DEMO_COMPANIES.filter((c) => c.key === UNNAMED && loadedHere).map((c) => c.creditCode)];
    expect(unnamed.map((c) => c.creditCodeHash).sort()).to.deep.equal(expected.map(creditCodeHash).sort());
  });

  for (const language of ["zh-CN", "en"] as const) {
    it(`shows the totals across the programmes as the API's report and lists have them, in ${language}`, async function () {
      await setLanguage(language);
      await overview();
      expect(await page.locator('nav a[aria-current="page"]').getAttribute("data-tab")).to.equal("v2-overview");
      const [programmes, report] = await Promise.all([items("/v2/programmes"), api("/v2/reports/programmes")]);
      const figure = (testid: string) => page.getByTestId(testid).locator(".value").innerText();
      const budget = BigInt(report.totals.budget.replace(".", ""));
      const committed = BigInt(report.totals.committed.replace(".", ""));
      expect(budget).to.be.greaterThan(0n);
      expect({
        budget: await figure("total-budget"), committed: await figure("total-committed"), use: await figure("total-use"),
        redeemed: await figure("total-redeemed"), claimed: await figure("total-claimed"), paid: await figure("total-paid"), payable: await figure("total-payable"),
      }).to.deep.equal({
        budget: shown(report.totals.budget, language), committed: shown(report.totals.committed, language), use: percent(committed, budget),
        redeemed: shown(yuan(fenOf(programmes.map((p) => p.redeemedBySuppliers))), language),
        claimed: shown(yuan(fenOf(programmes.map((p) => p.claimedByBuyers))), language),
        paid: shown(report.totals.paid, language), payable: shown(report.totals.payable, language),
      });
      // The report's totals are the programmes' current fiscal year.
      const periods = programmes.flatMap((p) => p.periods.filter((y: any) => y.year === report.fiscalYear));
      expect(yuan(fenOf(periods.map((y: any) => y.budget)))).to.equal(report.totals.budget);
      expect(await page.locator("#totals-heading").innerText()).to.include(String(report.fiscalYear));
    });

    it(`draws subsidy per day and month by programme from /v2/aggregates, in ¥, and a bar opens its programme's records of that period, in ${language}`, async function () {
      await setLanguage(language);
      await overview();
      await page.locator("[data-testid=chart] canvas").waitFor();
      const [aggregates, programmes] = await Promise.all([api("/v2/aggregates?interval=day"), items("/v2/programmes")]);
      const periods: string[] = aggregates.periods;
      const active = (aggregates.buckets as any[]).filter((b) => b.redeemed !== "0.00" || b.claimed !== "0.00");
      expect(active.length, "the demo redeemed or claimed in the last 30 days").to.be.greaterThan(0);
      const ids = [...new Set(active.map((b) => b.programme as number))].sort((a, b) => a - b);
      const expected = (["redeemed", "claimed"] as const).flatMap((flow) =>
        ids.filter((id) => active.some((b) => b.programme === id && b[flow] !== "0.00")).map((id) => ({
          flow, programme: id,
          data: periods.map((p) => Number(active.find((b) => b.programme === id && b.period === p)?.[flow] ?? "0")),
        })));
      const drawn = await page.evaluate(async () => {
        const echarts = await import("echarts");
        const option = (echarts.getInstanceByDom((globalThis as any).document.querySelector("[data-testid=chart-canvas]")) as any).getOption();
        return {
          periods: option.xAxis[0].data as string[], series: (option.series as any[]).map((s) => ({ name: s.name as string, stack: s.stack as string, data: s.data as number[] })),
          labels: [0, 1234567.5, 98765.4].map((v) => option.yAxis[0].axisLabel.formatter(v) as string),
        };
      });
      expect(drawn.periods).to.deep.equal(periods);
      expect(periods).to.have.length(30);
      expect(drawn.series.map((s) => ({ flow: s.stack, data: s.data }))).to.deep.equal(expected.map((e) => ({ flow: e.flow, data: e.data })));
      expected.forEach((e, i) => expect(drawn.series[i]!.name).to.include(programmes.find((p) => p.id === e.programme).name));
      expect(drawn.labels).to.deep.equal([shown("0.00", language), shown("1234567.50", language), shown("98765.40", language)]);
      const tableRows = await page.getByTestId("chart-table").locator("tbody tr").evaluateAll((trs: any[]) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td: any) => td.textContent)));
      expect(tableRows).to.deep.equal(active.map((b) => [b.period, programmes.find((p) => p.id === b.programme).name,
        b.redeemed === "0.00" ? "—" : shown(b.redeemed, language), b.claimed === "0.00" ? "—" : shown(b.claimed, language)]));

      // A real click on each flow's first bar: that programme's redemptions (or approved claims) of that day, which add up to it.
      for (const flow of ["redeemed", "claimed"] as const) {
        const series = expected.findIndex((e) => e.flow === flow);
        if (series < 0) continue;
        const index = expected[series]!.data.findIndex((v) => v > 0);
        const { programme } = expected[series]!;
        const period = periods[index]!;
        await page.getByTestId("chart-canvas").scrollIntoViewIfNeeded();
        const point = await page.evaluate(async ({ series, index }) => {
          const echarts = await import("echarts");
          const box = (globalThis as any).document.querySelector("[data-testid=chart-canvas]");
          const bar = (echarts.getInstanceByDom(box) as any).getModel().getSeriesByIndex(series).getData().getItemLayout(index);
          const rect = box.getBoundingClientRect();
          return { x: rect.left + bar.x + bar.width / 2, y: rect.top + bar.y + bar.height / 2 };
        }, { series, index });
        await page.mouse.click(point.x, point.y);
        const list = flow === "redeemed" ? "redemptions" : "claims";
        const query = new URLSearchParams({ programme: String(programme), from: period, to: period, ...(flow === "claimed" ? { status: "Approved" } : {}) });
        await page.waitForFunction((h) => (globalThis as any).location.hash === h, `#/v2/${list}?${query}`);
        await waitFor(`[data-testid="v2-${list}"] table`);
        const next = new Date(Date.parse(`${period}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
        const records = await items(`/v2/${list}?programme=${programme}&from=${encodeURIComponent(`${period}T00:00:00+08:00`)}&to=${encodeURIComponent(`${next}T00:00:00+08:00`)}${flow === "claimed" ? "&status=Approved" : ""}`);
        expect(records.length).to.be.greaterThan(0);
        expect(await page.getByTestId(`v2-${list}`).locator("tbody tr").count()).to.equal(records.length);
        expect(yuan(fenOf(records.map((r) => r.amount))), "the records behind the bar add up to its figure").to.equal(active.find((b) => b.programme === programme && b.period === period)[flow]);
        await overview();
        await page.locator("[data-testid=chart] canvas").waitFor();
      }

      // Per month: the last 12 months, as the API sums them.
      const months = await api("/v2/aggregates?interval=month");
      await page.getByTestId("chart-interval").selectOption("month");
      await page.locator(`[data-testid=chart][data-from="${months.from}"] canvas`).waitFor();
      const perMonth = await page.evaluate(async () => {
        const echarts = await import("echarts");
        const option: any = (echarts.getInstanceByDom((globalThis as any).document.querySelector("[data-testid=chart-canvas]")) as any).getOption();
        return { periods: option.xAxis[0].data as string[], total: (option.series as any[]).reduce((s, x) => s + (x.data as number[]).reduce((a, b) => a + b, 0), 0) as number };
      });
      expect(perMonth.periods).to.deep.equal(months.periods).and.to.have.length(12);
      const monthTotal = (months.buckets as any[]).reduce((s, b) => s + fenOf([b.redeemed, b.claimed]), 0n);
      expect(Math.round(perMonth.total * 100)).to.equal(Number(monthTotal));
    });

    it(`shows companies by name (credit code on the companies page), the address on hover, and invoices by number, in ${language}`, async function () {
      await setLanguage(language);
      const companies = await items("/v2/companies");
      await open("/v2/companies", '[data-testid="v2-companies"] table');
      const companyRows = await cells("v2-companies");
      expect(companyRows.map((r) => r[0]!.text)).to.deep.equal(companies.map((c) => nameOf(c.id, c.identity, language)));
      expect(companyRows.map((r) => r[3]!.text)).to.deep.equal(companies.map((c) => c.identity?.creditCode ?? `${c.creditCodeHash.slice(0, 6)}…${c.creditCodeHash.slice(-4)}`));
      companies.forEach((c, i) => {
        for (const a of c.addresses) expect(companyRows[i]![0]!.title).to.include(a.address);
      });
      expect(companyRows.some((r) => r[0]!.text === companyNo(r[0]!.company!, language)) || companies.every((c) => c.identity !== null)).to.equal(true);

      const redemptions = await items("/v2/redemptions");
      await open("/v2/redemptions", '[data-testid="v2-redemptions"] table');
      const redemptionRows = await cells("v2-redemptions");
      expect(redemptionRows.map((r) => [r[2]!.text, r[2]!.title!.split("\n")[0], r[3]!.text, r[3]!.title!.split("\n")[0], r[11]!.text])).to.deep.equal(
        redemptions.map((r) => [
          nameOf(r.supplierCompany, r.supplierIdentity, language), r.supplier, nameOf(r.beneficiaryCompany, r.beneficiaryIdentity, language), r.holder,
          r.invoiceNumber ?? `${r.invoiceNumberHash.slice(0, 6)}…${r.invoiceNumberHash.slice(-4)}`,
        ]),
      );
      expect(redemptions.some((r) => r.invoiceNumber !== null && r.supplierIdentity !== null)).to.equal(true);

      const claims = await items("/v2/claims");
      await open("/v2/claims", '[data-testid="v2-claims"] table');
      expect((await cells("v2-claims")).map((r) => [r[2]!.text, r[3]!.text, r[3]!.title!.split("\n")[0]])).to.deep.equal(
        claims.map((c) => [nameOf(c.beneficiaryCompany, c.beneficiaryIdentity, language), nameOf(c.supplierCompany, c.supplierIdentity, language), c.supplier]),
      );

      const vouchers = await items("/v2/vouchers");
      await open("/v2/vouchers", '[data-testid="v2-vouchers"] table');
      expect((await cells("v2-vouchers")).map((r) => [r[2]!.text, r[2]!.title!.split("\n")[0]])).to.deep.equal(
        vouchers.map((v) => [nameOf(v.company, v.companyIdentity, language), v.holder]),
      );

      const payments = await items("/v2/payments");
      await open("/v2/payments", '[data-testid="v2-payments"] table');
      expect((await cells("v2-payments")).map((r) => r[3]!.text)).to.deep.equal(payments.map((p) => nameOf(p.payee, p.payeeIdentity, language)));
    });

  }

  describe("a month later, with a claim past its review window", function () {
    before(async function () {
      this.timeout(120_000);
      const { alerts } = await api("/v2/alerts");
      expect(alerts).to.deep.equal([]);
      // The chain's clock moves 31 days on (the demo's pending claim has a 30-day review window), and a block is mined.
      const rpc = async (method: string, params: unknown[]) => {
        const response = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
        const body = (await response.json()) as { error?: unknown };
        if (body.error !== undefined) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
      };
      await rpc("evm_increaseTime", [31 * 86_400]);
      await rpc("evm_mine", []);
      for (const deadline = Date.now() + 90_000; ; ) {
        if ((await api("/v2/alerts")).alerts.some((a: any) => a.kind === "claimOverdue")) break;
        if (Date.now() > deadline) throw new Error("no claimOverdue alert after the chain's clock moved");
        await new Promise((r) => setTimeout(r, 500));
      }
    });

    for (const language of ["zh-CN", "en"] as const) {
      it(`lists the API's alerts as sentences naming the programme and the company, each linking to its records, in ${language}`, async function () {
        await setLanguage(language);
        await overview();
        const [{ alerts }, programmes, companies] = await Promise.all([api("/v2/alerts"), items("/v2/programmes"), items("/v2/companies")]);
        const shownAlerts = await page.getByTestId("v2-alerts").locator("li").evaluateAll((lis) =>
          lis.map((li: any) => ({ kind: li.getAttribute("data-kind"), text: li.innerText, href: li.querySelector("a").getAttribute("href") })));
        expect(shownAlerts.map((a) => a.kind)).to.deep.equal(alerts.map((a: any) => a.kind));
        expect(alerts.length).to.be.greaterThan(0);
        alerts.forEach((a: any, i: number) => {
          const s = shownAlerts[i]!;
          expect(s.text, a.kind).to.include(programmes.find((p) => p.id === a.programme).name);
          if (a.company !== null) {
            const c = companies.find((x) => x.id === a.company);
            expect(s.text, a.kind).to.include(nameOf(a.company, c.identity, language));
          }
          if (a.kind === "budgetUse" || a.kind === "capUse") expect(s.text).to.include(`${a.value}%`);
          expect(s.text, a.kind).to.not.match(/\{\{|undefined|null/);
        });
        if (language === "zh-CN") await screenshot("v2-overview");
        // Each alert's link opens the list it names, filtered to its programme (and company).
        const first = alerts[0];
        await page.getByTestId("v2-alerts").locator("li a").first().click();
        await page.waitForFunction(() => (globalThis as any).location.hash.startsWith("#/v2/"));
        await waitFor(".list");
        const hash = new URL(`http://x/${shownAlerts[0]!.href.slice(2)}`);
        expect(hash.searchParams.get("programme")).to.equal(String(first.programme));
        const list = await page.locator("main .list").first().getAttribute("data-testid");
        const apiPath = `/${list!.replace("v2-", "v2/")}${hash.search}`;
        const count = await page.locator("main .list p.count").first().getAttribute("data-count");
        expect(Number(count)).to.equal((await items(apiPath)).length).and.to.be.greaterThan(0);
      });

      it(`fits a 390-px screen and has no serious or critical axe violations on the overview at 1280 and 390 px, in ${language}`, async function () {
        await setLanguage(language);
        const problems: string[] = [];
        for (const width of [1280, 390]) {
          await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
          await overview();
          expect(await page.locator('main th:not([scope="col"])').count()).to.equal(0);
          problems.push(...(await axeProblems(page)).map((p) => `overview at ${width} px: ${p}`));
          const { doc, view } = await page.evaluate(() => ({ doc: (globalThis as any).document.documentElement.scrollWidth, view: (globalThis as any).innerWidth }));
          if (doc > view) problems.push(`overview at ${width} px: the page is ${doc} px wide`);
        }
        await page.setViewportSize({ width: 1280, height: 800 });
        expect(problems).to.deep.equal([]);
      });
    }
  });
});
