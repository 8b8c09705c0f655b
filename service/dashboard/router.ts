import express, { type RequestHandler } from "express";

import { fromRoot } from "../internal/paths.js";

/** Where the dashboard's files are: one HTML page, one stylesheet, plain ES modules (no build step). */
export const DASHBOARD_DIR = fromRoot("service", "dashboard", "public");

/**
 * The page may load its own files and call its own origin, nothing else: no external origin, no inline script or
 * style, no frames, no forms posting elsewhere.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const setSecurityHeaders = (res: express.Response): void => {
  res.setHeader("content-security-policy", DASHBOARD_CSP);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
  res.setHeader("x-frame-options", "DENY");
  // Small files, revalidated on every load (by Last-Modified): a new version of the service is seen at once.
  res.setHeader("cache-control", "no-cache");
};

/**
 * The regulators' dashboard: `/` serves the page, `/dashboard/*` its scripts and stylesheet. Everything else falls
 * through to the API's routes (and its JSON 404). Mount it in the `routers` given to createApi.
 */
export function createDashboardRouter(dir: string = DASHBOARD_DIR): RequestHandler {
  const router = express.Router();
  const files = express.static(dir, {
    index: false,
    redirect: false,
    dotfiles: "ignore",
    etag: false,
    fallthrough: true,
    setHeaders: (res) => setSecurityHeaders(res),
  });
  router.get(["/", "/index.html"], (_req, res, next) => {
    setSecurityHeaders(res);
    res.type("html");
    res.sendFile("index.html", { root: dir, etag: false }, (error) => {
      if (error !== undefined && !res.headersSent) next(error);
    });
  });
  router.use("/dashboard", files);
  return router;
}
