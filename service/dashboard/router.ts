import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import express, { type RequestHandler } from "express";

import { fromRoot } from "../internal/paths.js";

/** Where the dashboard's files are: one HTML page, one stylesheet, plain ES modules (no build step). */
export const DASHBOARD_DIR = fromRoot("service", "dashboard", "public");

/**
 * The browser libraries the page imports by their package names (the import map of index.html), served from the
 * installed packages as `/docs` serves swagger-ui-dist: `/dashboard/vendor/<name>/` is the folder of `entry`.
 */
const VENDOR: { name: string; entry: string }[] = [
  { name: "@noble/hashes", entry: "@noble/hashes/sha3.js" },
  { name: "i18next", entry: "i18next" },
  // Apache ECharts: the page imports its one-file ES module build, dist/echarts.esm.min.js.
  { name: "echarts", entry: "echarts" },
];

/** The import map of the page (its one inline script), and the CSP source that allows exactly it. */
function importMapSource(dir: string): string {
  const html = readFileSync(join(dir, "index.html"), "utf8");
  const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html);
  if (map === null) throw new Error(`${join(dir, "index.html")} has no <script type="importmap">`);
  return `'sha256-${createHash("sha256").update(map[1]!, "utf8").digest("base64")}'`;
}

/**
 * The page may load its own files and call its own origin, nothing else: no external origin, no inline script
 * other than its import map, no inline style, no frames, no forms posting elsewhere.
 */
export function dashboardCsp(dir: string = DASHBOARD_DIR): string {
  return [
    "default-src 'none'",
    `script-src 'self' ${importMapSource(dir)}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The regulators' dashboard: `/` serves the page, `/dashboard/*` its scripts and stylesheet, `/dashboard/vendor/*`
 * the browser libraries it imports. Everything else falls through to the API's routes (and its JSON 404). Mount it
 * in the `routers` given to createApi.
 */
export function createDashboardRouter(dir: string = DASHBOARD_DIR): RequestHandler {
  const csp = dashboardCsp(dir);
  const setSecurityHeaders = (res: express.Response): void => {
    res.setHeader("content-security-policy", csp);
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("referrer-policy", "no-referrer");
    res.setHeader("x-frame-options", "DENY");
    // Small files, revalidated on every load (by Last-Modified): a new version of the service is seen at once.
    res.setHeader("cache-control", "no-cache");
  };
  const statics = (root: string) =>
    express.static(root, {
      index: false,
      redirect: false,
      dotfiles: "ignore",
      etag: false,
      fallthrough: true,
      setHeaders: (res) => setSecurityHeaders(res),
    });
  const router = express.Router();
  router.get(["/", "/index.html"], (_req, res, next) => {
    setSecurityHeaders(res);
    res.type("html");
    res.sendFile("index.html", { root: dir, etag: false }, (error) => {
      if (error !== undefined && !res.headersSent) next(error);
    });
  });
  for (const { name, entry } of VENDOR) {
    // The folder of the package's ESM entry ("import" condition), which the import map points at.
    router.use(`/dashboard/vendor/${name}`, statics(dirname(fileURLToPath(import.meta.resolve(entry)))));
  }
  router.use("/dashboard", statics(dir));
  return router;
}
