import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { parse as parseCsv } from "csv-parse/sync";
import { getAddress, getBytes, JsonRpcProvider } from "ethers";
import { type Browser, chromium, type Page } from "playwright-core";

import { DEMO_ACCOUNTS, devAccount, redeemAs } from "../../../scripts/demo.js";
import { deploymentPath, readDeployment } from "../../../service/domain/deployment.js";
import { startStack, type StartedStack } from "../../scripts/helpers/stack.js";
import { ROOT } from "../helpers/node.js";
import { runToEnd } from "../helpers/process.js";
import { accessibilityProblems as axeProblems } from "./axe.js";
import { type Language, shown, shownTime } from "./shown.js";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS === "1";
const LOCAL_CHAIN_ID = 31337;

/** The page's words in each language, as the tests look for them (the resource files are the page's catalogue). */
const WORDS = {
  "zh-CN": { holds: "✓ 平衡", final: "已确认", pending: "待确认", vouchers: "算力券", dataCenters: "算力服务商", events: "链上事件", event: "事件", filter: "筛选", signOut: "退出登录", issued: "发放", blocks: /^\d+ 个区块$/ },
  en: { holds: "✓ holds", final: "final", pending: "pending", vouchers: "Vouchers", dataCenters: "Data centers", events: "Events", event: "Event", filter: "Filter", signOut: "Sign out", issued: "Issued", blocks: /^\d+ blocks?$/ },
} as const;
const W = WORDS["zh-CN"];

/** Whether any process of the group led by `pid` is still running. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("Dashboard (browser)", function () {
  this.timeout(180_000);

  let stack: StartedStack | undefined;
  let dataDir: string;
  let browser: Browser | undefined;
  let page: Page;
  let baseUrl: string;
  let chainUrl: string;
  let link: string;
  let token: string;

  const api = async <T = any>(path: string): Promise<T> => {
    const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const all = async <T = any>(path: string): Promise<T[]> => {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes("?") ? "&" : "?";
      const page: { items: T[]; nextCursor: string | null } = await api(`${path}${sep}limit=1000${cursor === null ? "" : `&cursor=${cursor}`}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return items;
  };
  const screenshot = async (name: string) => {
    if (!SCREENSHOTS) return;
    await page.screenshot({ path: `/tmp/dashboard-${name}.png`, type: "png" });
    await mkdir(join(ROOT, "service", "dashboard", "screenshots"), { recursive: true });
    await copyFile(`/tmp/dashboard-${name}.png`, join(ROOT, "service", "dashboard", "screenshots", `${name}.png`));
  };

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`      skipped: ${CHROMIUM} is missing (CI installs Debian's chromium with apt-get)`);
      this.skip();
    }
    dataDir = await mkdtemp(join(tmpdir(), "dashboard-test-"));
    // On free ports (PORT=0, CHAIN_PORT=0): the stack's state file says which, once it runs.
    stack = startStack({ DATA_DIR: dataDir, LOG_LEVEL: "warn" }, ["--ledger=v1"]); // ledger v1's pages (the default is v2)
    ({ serviceUrl: baseUrl, rpcUrl: chainUrl } = await stack.running());
    // The banner's one-click link, as a person copies it.
    const match = new RegExp(`${baseUrl.replace(/\./g, "\\.")}/#token=(\\S+)`).exec(stack.output());
    if (match === null) throw new Error(`npm start printed no dashboard link:\n${stack.output().slice(-3000)}`);
    link = match[0];
    token = decodeURIComponent(link.split("#token=")[1]!);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    page = await context.newPage();
  });

  after(async function () {
    this.timeout(60_000);
    await browser?.close();
    if (stack !== undefined) {
      const pid = stack.child.pid!;
      if (stack.child.exitCode === null && stack.child.signalCode === null) stack.child.kill("SIGINT");
      const stopped = await Promise.race([stack.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
      // The start script has stopped its children; give their exit a moment, then make sure none is left.
      for (let i = 0; i < 50 && groupAlive(pid); i += 1) await new Promise((r) => setTimeout(r, 100));
      const leftOver = groupAlive(pid);
      if (leftOver) process.kill(-pid, "SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
      if (!stopped || leftOver) throw new Error(`npm start did not stop everything on SIGINT (stopped: ${stopped}, processes left: ${leftOver})`);
    }
  });

  it("signs in with a browser wallet: the page's SIWE message (checksummed with @noble/hashes) is taken by the server", async function () {
    const auditor = devAccount(DEMO_ACCOUNTS.auditor);
    // A wallet in the page (EIP-1193's request), answering in lower case as wallets mostly do, signing in the test.
    await page.exposeFunction("testWalletSign", (hex: string) => auditor.signMessage(getBytes(hex)));
    // (A string: tsx's transform would wrap named functions in a helper the page does not have.)
    await page.addInitScript(`window.ethereum = {
      request: async ({ method, params }) =>
        method === "eth_requestAccounts" ? [${JSON.stringify(auditor.address.toLowerCase())}]
          : method === "personal_sign" ? window.testWalletSign(params[0])
          : Promise.reject(new Error("unsupported: " + method)),
    };`);
    await page.goto(baseUrl);
    const [loginResponse] = await Promise.all([page.waitForResponse("**/v1/auth/login"), page.locator("#wallet").click()]);
    expect(loginResponse.status(), await loginResponse.text()).to.equal(200);
    const session = await loginResponse.json();
    expect(session.address).to.equal(auditor.address);
    await page.getByTestId("cities").waitFor();
    expect(await page.evaluate(() => Object.values(sessionStorage))).to.include(session.token);
    await page.locator("#sign-out").click();
    await page.locator("#signin").waitFor({ state: "visible" });
  });

  it("signs in with the one-click link and takes the token out of the address bar", async function () {
    await page.goto(link);
    await page.locator("nav").waitFor({ state: "visible" });
    expect(page.url()).to.not.include("token");
    expect(await page.evaluate(() => Object.values(sessionStorage))).to.include(token);
  });

  it("takes a link of npm start -- --token pasted into the open tab, signed in or not, without loading the page again", async function () {
    const fresh = async () => {
      const printed = await runToEnd([process.execPath, "--import", "tsx", "scripts/start.ts", "--token"], { PATH: process.env.PATH, DATA_DIR: dataDir });
      expect(printed.code, printed.stderr).to.equal(0);
      const pasted = new RegExp(`${baseUrl.replace(/\./g, "\\.")}/#token=(\\S+)`).exec(printed.stderr);
      expect(pasted, printed.stderr).to.not.equal(null);
      expect(decodeURIComponent(pasted![1]!)).to.equal(printed.stdout.trim());
      return { link: pasted![0], token: printed.stdout.trim() };
    };
    // A mark on this document: it stays only if the page is not loaded again (a fragment change does not load it).
    type Tab = { kept?: boolean; location: { href: string } };
    await page.evaluate(() => ((globalThis as unknown as Tab).kept = true));
    const kept = () => page.evaluate(() => (globalThis as unknown as Tab).kept === true);
    const paste = (href: string) => page.evaluate((h) => ((globalThis as unknown as Tab).location.href = h), href);

    // Signed in already (the one-click link above): the pasted link replaces the tab's session.
    const second = await fresh();
    expect(second.token).to.not.equal(token);
    await paste(second.link);
    await page.waitForFunction((t) => Object.values(sessionStorage).includes(t), second.token);
    await page.waitForURL((url) => !url.hash.includes("token"));
    await page.getByTestId("cities").waitFor();
    expect(await kept()).to.equal(true);

    // Signed out, on the sign-in form: the pasted link signs the tab in.
    await page.getByRole("button", { name: W.signOut }).click();
    await page.locator("#signin").waitFor({ state: "visible" });
    const third = await fresh();
    await paste(third.link);
    await page.locator("nav").waitFor({ state: "visible" });
    await page.getByTestId("cities").waitFor();
    expect(page.url()).to.not.include("token");
    expect(await page.evaluate(() => Object.values(sessionStorage))).to.include(third.token);
    expect(await kept()).to.equal(true);
    token = third.token;
  });

  it("shows every city's figures as the API gives them, with the conservation check and the mirror's lag", async function () {
    const cities = await all<any>("/v1/cities");
    expect(cities.length).to.equal(2);
    const table = page.getByTestId("cities");
    await table.waitFor();
    for (const city of cities) {
      const row = table.locator("tbody tr", { hasText: `(${city.code})` });
      const cells = await row.locator("td").allInnerTexts();
      expect(cells.slice(0, 10)).to.deep.equal([
        `${city.name} (${city.code})`,
        shown(city.budget), shown(city.issued), shown(city.redeemed), shown(city.revoked), shown(city.expired),
        shown(city.outstanding), shown(city.available), String(city.voucherCount), W.holds,
      ]);
    }
    expect(await page.getByTestId("lag-value").locator(".value").innerText()).to.match(W.blocks);
    await page.getByTestId("chart-canvas").locator("canvas").waitFor();
    await screenshot("overview");
  });

  for (const language of ["zh-CN", "en"] as const) {
    it(`draws the chart from the API's aggregates, not the raw event log, with the API's figures, ¥ and dates, and a bar opens its records, in ${language}`, async function () {
      await setLanguage(language);
      try {
        await chartAgainstApi(language);
      } finally {
        await setLanguage("zh-CN");
      }
    });
  }

  /** The chart of the overview in `language`: drawn from the aggregates, with their figures; a bar opens its records. */
  const chartAgainstApi = async (language: Language) => {
      const paths: string[] = [];
      const listen = (request: { url(): string }) => paths.push(new URL(request.url()).pathname);
      page.on("request", listen);
      await open("/vouchers");
      await open("/");
      page.off("request", listen);
      expect(paths).to.include("/v1/aggregates");
      expect(paths.filter((p) => p.startsWith("/v1/events")), "the page reads no event log for the chart").to.deep.equal([]);
      // The API's figures per day (summed over the cities), as the page's chart and its table must have them.
      const aggregates = await api<any>("/v1/aggregates?interval=day");
      const cents = (a: string) => BigInt(a.replace(".", ""));
      const yuan = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, "0")}`;
      const totals = (aggregates.periods as string[]).map((period) => {
        const of = (aggregates.buckets as any[]).filter((b) => b.period === period);
        return { period, issued: yuan(of.reduce((sum, b) => sum + cents(b.issued), 0n)), redeemed: yuan(of.reduce((sum, b) => sum + cents(b.redeemed), 0n)) };
      });
      const active = totals.filter((r) => r.issued !== "0.00" || r.redeemed !== "0.00");
      expect(active.length, "the demo issued and redeemed in the last 30 days").to.be.greaterThan(0);
      const drawn = await page.evaluate(async () => {
        const echarts = await import("echarts");
        const chart: any = echarts.getInstanceByDom((globalThis as any).document.querySelector("[data-testid=chart-canvas]"));
        const option = chart.getOption();
        return {
          periods: option.xAxis[0].data as string[],
          series: (option.series as any[]).map((s) => s.data as number[]),
          labels: [0, 1234567.5, 98765.4].map((v) => option.yAxis[0].axisLabel.formatter(v) as string),
        };
      });
      expect(drawn.periods).to.deep.equal(totals.map((r) => r.period));
      expect(drawn.periods.every((p) => /^\d{4}-\d{2}-\d{2}$/.test(p))).to.equal(true);
      expect(drawn.series).to.deep.equal([totals.map((r) => Number(r.issued)), totals.map((r) => Number(r.redeemed))]);
      expect(drawn.labels).to.deep.equal([shown("0.00", language), shown("1234567.50", language), shown("98765.40", language)]);
      const rows = await page.getByTestId("chart-table").locator("tbody tr").evaluateAll((trs: any[]) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td: any) => td.textContent)));
      expect(rows).to.deep.equal(active.map((r) => [r.period, shown(r.issued, language), shown(r.redeemed, language)]));

      // A real click on the bars of a day with both: the vouchers issued that day, then the redemptions made that day.
      const day = active.findLast((r) => r.issued !== "0.00" && r.redeemed !== "0.00") ?? active[active.length - 1]!;
      const index = totals.indexOf(day);
      for (const [series, key] of [[0, "issued"], [1, "redeemed"]] as const) {
        if (day[key] === "0.00") continue;
        await page.getByTestId("chart-canvas").scrollIntoViewIfNeeded();
        const point = await page.evaluate(async ({ series, index }) => {
          const echarts = await import("echarts");
          const box = (globalThis as any).document.querySelector("[data-testid=chart-canvas]");
          const bar = (echarts.getInstanceByDom(box) as any).getModel().getSeriesByIndex(series).getData().getItemLayout(index);
          const rect = box.getBoundingClientRect();
          return { x: rect.left + bar.x + bar.width / 2, y: rect.top + bar.y + bar.height / 2 };
        }, { series, index });
        await page.mouse.click(point.x, point.y);
        const from = `${day.period}T00:00:00+08:00`;
        const next = new Date(Date.parse(`${day.period}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
        const to = `${next}T00:00:00+08:00`;
        const range = new URLSearchParams(key === "issued" ? { issuedFrom: from, issuedTo: to } : { from, to });
        const target = `#/${key === "issued" ? "vouchers" : "redemptions"}`;
        await page.waitForFunction((h) => (globalThis as any).location.hash.startsWith(h), target);
        expect(await page.evaluate(() => (globalThis as any).location.hash)).to.equal(`${target}?${range}`);
        await page.locator(".list p.count").first().waitFor();
        const records = await all<any>(`/v1/${key === "issued" ? "vouchers" : "redemptions"}?${range}`);
        expect(records.length).to.be.greaterThan(0);
        // Re-issued vouchers are listed at their re-issue time but are no new issuance.
        const sum = yuan(records.filter((r) => key !== "issued" || r.reissuedFrom === null).reduce((total, r) => total + cents(key === "issued" ? r.faceValue : r.amount), 0n));
        expect(sum, "the records behind the bar add up to its figure").to.equal(key === "issued" ? day.issued : day.redeemed);
        const listed = await page.locator(".list tbody tr").count();
        expect(listed).to.equal(records.length);
        await open("/");
      }
      // Per month: the last 12 months, as the API sums them.
      const months = await api<any>("/v1/aggregates?interval=month");
      await page.getByTestId("chart-interval").selectOption("month");
      await page.locator(`[data-testid=chart][data-from="${months.from}"] canvas`).waitFor();
      const perMonth = await page.evaluate(async () => {
        const echarts = await import("echarts");
        const option: any = (echarts.getInstanceByDom((globalThis as any).document.querySelector("[data-testid=chart-canvas]")) as any).getOption();
        return { periods: option.xAxis[0].data as string[], issued: option.series[0].data as number[] };
      });
      expect(perMonth.periods).to.deep.equal(months.periods);
      expect(perMonth.periods).to.have.length(12);
      expect(perMonth.issued).to.deep.equal((months.periods as string[]).map((period) =>
        Number(yuan((months.buckets as any[]).filter((b) => b.period === period).reduce((sum, b) => sum + cents(b.issued), 0n)))));
      await open("/");
  };

  it("opens a city with its figures and its vouchers", async function () {
    const city = await api<any>("/v1/cities/310000");
    await page.getByRole("link", { name: "Shanghai (310000)" }).click();
    await page.getByTestId("city-title").waitFor();
    expect(await page.getByTestId("city-issued").locator(".value").innerText()).to.equal(shown(city.issued));
    expect(await page.getByTestId("city-outstanding").locator(".value").innerText()).to.equal(shown(city.outstanding));
    const vouchers = await all<any>("/v1/vouchers?city=310000");
    await page.locator(".list tbody tr").first().waitFor();
    await page.locator(".list").first().locator("p.count").waitFor();
    expect(await page.locator(".list").first().locator("p.count").innerText()).to.equal(`共 ${vouchers.length} 条，已全部显示。`);
  });

  it("finds a voucher by its application reference and shows its timeline, each step linked to its block and transaction", async function () {
    const vouchers = await all<any>("/v1/vouchers?city=310000");
    const redeemed = vouchers.find((v) => v.applicationRefText !== null && v.redeemed !== "0.00" && v.status === "Active")!;
    const voucher = await api<any>(`/v1/vouchers/${redeemed.id}`);
    await page.getByRole("link", { name: W.vouchers, exact: true }).click();
    await page.getByTestId("voucher-search").fill(redeemed.applicationRefText);
    await page.getByTestId("voucher-search").press("Enter");
    await page.waitForURL(new RegExp(`#/voucher/${voucher.id}$`));
    const rows = page.getByTestId("timeline").locator("tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).to.equal(voucher.history.length);
    for (const [i, step] of voucher.history.entries()) {
      const row = rows.nth(i);
      expect(await row.locator(`a[href="#/events?fromBlock=${step.blockNumber}&toBlock=${step.blockNumber}"]`).innerText()).to.equal(String(step.blockNumber));
      expect(await row.locator(`a[title="${step.transactionHash}"]`).count()).to.equal(1);
      expect(await row.locator(".badge").innerText()).to.equal(step.final ? W.final : W.pending);
      expect(await row.locator("td.time").innerText()).to.equal(shownTime(step.timestamp));
    }
    expect(await rows.first().innerText()).to.include(W.issued);
    expect(await page.getByTestId("voucher-remaining").locator(".value").innerText()).to.equal(shown(voucher.remaining));
    await screenshot("voucher");
  });

  it("shows a data center's accreditations, totals and redemptions", async function () {
    const address = devAccount(DEMO_ACCOUNTS.dataCenterB, new JsonRpcProvider(chainUrl)).address;
    const dataCenter = await api<any>(`/v1/data-centers/${address}`);
    await page.getByRole("link", { name: W.dataCenters, exact: true }).click();
    await page.getByRole("link", { name: address }).click();
    await page.getByTestId("data-center-address").waitFor();
    expect(await page.getByTestId("dc-total").locator(".value").innerText()).to.equal(shown(dataCenter.totalRedeemed));
    expect(await page.getByTestId("accreditations").locator("tbody tr").count()).to.equal(dataCenter.accreditations.length);
    expect(await page.getByTestId("accreditation-history").locator("tbody tr").count()).to.equal(dataCenter.history.length);
    await page.getByTestId("dc-redemptions").locator("tbody tr").first().waitFor();
    expect(await page.getByTestId("dc-redemptions").locator("tbody tr").count()).to.equal(dataCenter.redemptionCount);
  });

  it("downloads the events on screen as CSV, row for row what the API gives", async function () {
    await page.getByRole("link", { name: W.events, exact: true }).click();
    await page.getByLabel(W.event, { exact: true }).fill("VoucherRedeemed");
    await page.getByRole("button", { name: W.filter }).click();
    await page.waitForURL(/#\/events\?event=VoucherRedeemed$/);
    await page.getByTestId("events").locator("tbody tr").first().waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("csv").click()]);
    const bytes = await readFile(await download.path());
    expect([...bytes.subarray(0, 3)], "UTF-8 with a BOM, for Excel").to.deep.equal([0xef, 0xbb, 0xbf]);
    const rows = parseCsv<Record<string, string>>(bytes, { bom: true, columns: true });
    const events = await all<any>("/v1/events?event=VoucherRedeemed");
    expect(events.length).to.be.greaterThan(0);
    expect(rows.map((r) => [r.event, Number(r.blockNumber), Number(r.logIndex), r.transactionHash, r.blockHash, JSON.parse(r.args!)])).to.deep.equal(
      events.map((e) => [e.event, e.blockNumber, e.logIndex, e.transactionHash, e.blockHash, e.args]),
    );
  });

  it("shows a redemption made during the test on the data center's page", async function () {
    const provider = new JsonRpcProvider(chainUrl, undefined, { staticNetwork: true });
    try {
      const deployment = await readDeployment(deploymentPath(LOCAL_CHAIN_ID));
      const dataCenterA = devAccount(DEMO_ACCOUNTS.dataCenterA, provider).address;
      const holders = new Map(
        Array.from({ length: DEMO_ACCOUNTS.holders }, (_, i) => [devAccount(DEMO_ACCOUNTS.firstHolder + i, provider).address, DEMO_ACCOUNTS.firstHolder + i]),
      );
      const voucher = (await all<any>("/v1/vouchers?city=310000&status=Active")).find((v) => Number(v.remaining) >= 1000)!;
      const before = await api<any>(`/v1/data-centers/${dataCenterA}`);
      const tx = await redeemAs(provider, deployment, {
        dataCenter: DEMO_ACCOUNTS.dataCenterA,
        holder: holders.get(getAddress(voucher.holder))!,
        voucherId: BigInt(voucher.id),
        amount: 80_000n, // CNY 800.00
        invoiceTotal: 400_000n, // Shanghai pays up to 30%: CNY 800.00 of CNY 4,000.00
        invoice: `dashboard-test-${Date.now()}`,
      });
      await page.goto(`${baseUrl}/#/data-center/${dataCenterA}`);
      const row = page.getByTestId("dc-redemptions").locator("tbody tr", { has: page.locator(`a[title="${tx}"]`) });
      // The mirror picks the block up within a second or two; the page shows it on the next refresh.
      for (let i = 0; i < 60 && (await row.count()) === 0; i += 1) {
        await page.getByTestId("refresh").click();
        await page.getByTestId("dc-redemptions").locator("p.count").waitFor();
        if ((await row.count()) === 0) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(await row.count()).to.equal(1);
      expect(await row.locator("td").nth(3).innerText()).to.equal("¥800.00");
      const after = await api<any>(`/v1/data-centers/${dataCenterA}`);
      expect(after.redemptionCount).to.equal(before.redemptionCount + 1);
      expect(await page.getByTestId("dc-total").locator(".value").innerText()).to.equal(shown(after.totalRedeemed));
    } finally {
      provider.destroy();
    }
  });

  /** Opens a route of the dashboard in the same document and waits until its lists and chart have loaded. */
  const open = async (route: string) => {
    await page.evaluate((r) => ((globalThis as any).location.hash = r), `#${route}`);
    await page.locator("main h1").waitFor();
    await page.waitForFunction(() => {
      const main = (globalThis as any).document.querySelector("main");
      if (main === null || main.querySelector("h1") === null) return false;
      const listsDone = [...main.querySelectorAll(".list")].every((l) => l.querySelector("p.count, .error") !== null);
      return listsDone && main.querySelector(".chart-slot p.muted") === null;
    });
  };
  const pages = async (): Promise<string[]> => {
    const voucher = (await all<any>("/v1/vouchers?city=310000")).find((v) => v.redeemed !== "0.00")!;
    const dataCenter = devAccount(DEMO_ACCOUNTS.dataCenterB).address;
    return ["/", "/city/310000", "/vouchers", `/voucher/${voucher.id}`, "/data-centers", `/data-center/${dataCenter}`, "/events"];
  };
  const setLanguage = async (language: Language) => {
    if ((await page.locator("html").getAttribute("lang")) === language) return;
    await page.locator("header button.language").click();
    await page.waitForFunction((l) => (globalThis as any).document.documentElement.lang === l, language);
  };
  const accessibilityProblems = () => axeProblems(page);

  it("shows events readably: references as text, amounts in ¥, dates, links to the voucher", async function () {
    await open("/events?event=VoucherIssued");
    const event = (await all<any>("/v1/events?event=VoucherIssued"))[0]!;
    const voucher = await api<any>(`/v1/vouchers/${event.args.id}`);
    const row = page.getByTestId("events").locator("tbody tr").first();
    const args = await row.locator(".args").innerText();
    expect(args).to.include(`申请编号：${voucher.applicationRefText}`);
    expect(args).to.include(`面额：${shown(voucher.faceValue)}`);
    expect(args).to.include(`到期：${shownTime(voucher.expiresAt)}`);
    expect(await row.locator(`a[href="#/voucher/${voucher.id}"]`).count()).to.equal(1);
    expect(await row.locator("td").first().innerText()).to.equal("发放算力券");
  });

  it("moves the focus to the new page's heading and marks the current tab", async function () {
    await open("/");
    await page.getByRole("navigation").getByRole("link", { name: W.vouchers, exact: true }).click();
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.matches("main h1") === true);
    expect(await page.locator('nav a[aria-current="page"]').getAttribute("data-tab")).to.equal("vouchers");
    expect(await page.locator("nav a[aria-current]").count()).to.equal(1);
    for (const id of ["voucher-q", "voucher-city", "voucher-status"]) {
      expect(await page.locator(`label[for="${id}"]`).innerText(), id).to.not.equal("");
    }
  });

  it("switches to English and back, remembered in the browser, with <html lang> following", async function () {
    const cities = await all<any>("/v1/cities");
    await open("/");
    expect(await page.locator("html").getAttribute("lang")).to.equal("zh-CN");
    await setLanguage("en");
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.reload();
    await page.getByTestId("cities").waitFor();
    expect(await page.locator("html").getAttribute("lang")).to.equal("en");
    for (const city of cities) {
      const cells = await page.getByTestId("cities").locator("tbody tr", { hasText: `(${city.code})` }).locator("td").allInnerTexts();
      expect(cells.slice(1, 3).concat(cells[9]!)).to.deep.equal([shown(city.budget, "en"), shown(city.issued, "en"), WORDS.en.holds]);
    }
    await setLanguage("zh-CN");
    await page.getByRole("heading", { name: "概览" }).waitFor();
    expect(await page.getByTestId("cities").locator("th").first().innerText()).to.equal("城市");
  });

  for (const language of ["zh-CN", "en"] as const) {
    it(`has no serious or critical accessibility violations (axe-core) on any page, in ${language}, at 1280 and 390 px, and no page is wider than a phone's screen`, async function () {
      await setLanguage(language);
      const problems: string[] = [];
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
        for (const route of await pages()) {
          await open(route);
          problems.push(...(await accessibilityProblems()).map((p) => `${route} at ${width} px: ${p}`));
          if (width === 390) {
            const { doc, view } = await page.evaluate(() => ({ doc: (globalThis as any).document.documentElement.scrollWidth, view: (globalThis as any).innerWidth }));
            if (doc > view) problems.push(`${route} at 390 px: the page is ${doc} px wide`);
            // Tables reflow (a card per row, each cell labelled with its header) rather than scroll sideways.
            const unflowed = await page.evaluate(() =>
              [...(globalThis as any).document.querySelectorAll("main td")].filter((td: any) => (globalThis as any).getComputedStyle(td).display === "table-cell").length,
            );
            if (unflowed > 0) problems.push(`${route} at 390 px: ${unflowed} table cells do not reflow`);
            if (language === "zh-CN" && route === "/") await screenshot("phone");
          }
        }
      }
      // The sign-in page, signed out (then signed in again with the token of this test).
      await page.locator("#sign-out").click();
      await page.locator("#signin").waitFor({ state: "visible" });
      problems.push(...(await accessibilityProblems()).map((p) => `sign-in: ${p}`));
      const { doc, view } = await page.evaluate(() => ({ doc: (globalThis as any).document.documentElement.scrollWidth, view: (globalThis as any).innerWidth }));
      if (doc > view) problems.push(`sign-in at 390 px: the page is ${doc} px wide`);
      await page.locator("#token-input").fill(token);
      await page.locator("#token-form button[type=submit]").click();
      await page.getByTestId("cities").waitFor();
      await page.setViewportSize({ width: 1280, height: 800 });
      expect(problems).to.deep.equal([]);
    });
  }
});
