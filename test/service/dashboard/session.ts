import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";

import { interrupt, killAll, startStack, type StartedStack, tokenOf } from "../../scripts/helpers/stack.js";

/** Debian's Chromium (CI installs it with apt-get); never a downloaded browser. */
export const CHROMIUM = "/usr/bin/chromium";
/** The flags every dashboard test starts Chromium with. */
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"];

/** A demo stack of `npm start` and a browser signed in to its dashboard, for one suite. */
export interface DashboardSession {
  stack: StartedStack;
  dataDir: string;
  baseUrl: string;
  rpcUrl: string;
  /** The demo auditor's token, as the stack printed it. */
  token: string;
  browser: Browser;
  context: BrowserContext;
  /** A page signed in as the auditor (through the one-click link), its navigation shown. */
  page: Page;
}

/**
 * The suite's shared set-up, as mocha hooks: before the suite, `npm start` (with `args`, on free ports, in a
 * temporary data folder named from `prefix`) until it runs, then Chromium at 1280 × 800 signed in through the
 * dashboard link; after it, the browser closed, the stack interrupted (killed if it does not stop) and its folder
 * removed. Returns the session's getter, to read in the suite's own hooks and cases. Skips the suite where Chromium is
 * missing (CI installs it).
 */
export function dashboardSession(prefix: string, args: string[], contextOptions: BrowserContextOptions = {}): () => DashboardSession {
  const runs: StartedStack[] = [];
  let session: DashboardSession | undefined;
  let dataDir: string | undefined;
  let browser: Browser | undefined;
  let stack: StartedStack | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`      skipped: ${CHROMIUM} is missing (CI installs Debian's chromium with apt-get)`);
      this.skip();
    }
    this.timeout(420_000);
    dataDir = await mkdtemp(join(tmpdir(), prefix));
    stack = startStack({ LOG_LEVEL: "warn", DATA_DIR: dataDir }, args);
    runs.push(stack);
    const { serviceUrl: baseUrl, rpcUrl } = await stack.running(360_000);
    const token = tokenOf(stack.output());
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/#token=${encodeURIComponent(token)}`);
    await page.locator("nav").waitFor({ state: "visible" });
    session = { stack, dataDir, baseUrl, rpcUrl, token, browser, context, page };
  });

  after(async function () {
    this.timeout(60_000);
    await browser?.close();
    if (stack !== undefined) await Promise.race([interrupt(stack), new Promise((r) => setTimeout(r, 30_000))]);
    killAll(runs);
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  return () => {
    if (session === undefined) throw new Error("the dashboard session was not set up (its before hook failed)");
    return session;
  };
}
